//! Secrets in a JSON file, so that a killed process and the one reopened after it share the
//! demo accounts' tokens (the OS keychain would; the in-memory store cannot).

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use ovo_secrets::{SecretError, SecretKey, SecretStore, Sensitive};

#[derive(Debug)]
pub struct FileStore {
    path: PathBuf,
    lock: Mutex<()>,
}

impl FileStore {
    pub fn new(path: &Path) -> FileStore {
        FileStore { path: path.to_owned(), lock: Mutex::new(()) }
    }

    fn guard(&self) -> std::sync::MutexGuard<'_, ()> {
        self.lock.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn load(&self) -> HashMap<String, String> {
        std::fs::read_to_string(&self.path)
            .ok()
            .and_then(|t| serde_json::from_str(&t).ok())
            .unwrap_or_default()
    }

    fn save(&self, map: &HashMap<String, String>) -> Result<(), SecretError> {
        let text = serde_json::to_string(map)
            .map_err(|e| SecretError::Unavailable { detail: e.to_string() })?;
        // Written whole and renamed: a kill never leaves half a file.
        let tmp = self.path.with_extension("tmp");
        std::fs::write(&tmp, text)
            .and_then(|()| std::fs::rename(&tmp, &self.path))
            .map_err(|e| SecretError::Unavailable { detail: e.to_string() })
    }
}

impl SecretStore for FileStore {
    fn put(&self, key: &SecretKey, value: &Sensitive<String>) -> Result<(), SecretError> {
        let _guard = self.guard();
        let mut map = self.load();
        map.insert(key.to_string(), value.expose().clone());
        self.save(&map)
    }

    fn get(&self, key: &SecretKey) -> Result<Option<Sensitive<String>>, SecretError> {
        let _guard = self.guard();
        Ok(self.load().get(&key.to_string()).map(|v| Sensitive::new(v.clone())))
    }

    fn delete(&self, key: &SecretKey) -> Result<bool, SecretError> {
        let _guard = self.guard();
        let mut map = self.load();
        let existed = map.remove(&key.to_string()).is_some();
        self.save(&map)?;
        Ok(existed)
    }

    fn contains(&self, key: &SecretKey) -> Result<bool, SecretError> {
        let _guard = self.guard();
        Ok(self.load().contains_key(&key.to_string()))
    }
}
