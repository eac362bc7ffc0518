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

    fn load(&self) -> HashMap<String, String> {
        std::fs::read_to_string(&self.path)
            .ok()
            .and_then(|t| serde_json::from_str(&t).ok())
            .unwrap_or_default()
    }

    fn save(&self, map: &HashMap<String, String>) -> Result<(), SecretError> {
        std::fs::write(&self.path, serde_json::to_string(map).unwrap())
            .map_err(|e| SecretError::Unavailable { detail: e.to_string() })
    }
}

impl SecretStore for FileStore {
    fn put(&self, key: &SecretKey, value: &Sensitive<String>) -> Result<(), SecretError> {
        let _guard = self.lock.lock().unwrap();
        let mut map = self.load();
        map.insert(key.to_string(), value.expose().clone());
        self.save(&map)
    }

    fn get(&self, key: &SecretKey) -> Result<Option<Sensitive<String>>, SecretError> {
        let _guard = self.lock.lock().unwrap();
        Ok(self.load().get(&key.to_string()).map(|v| Sensitive::new(v.clone())))
    }

    fn delete(&self, key: &SecretKey) -> Result<bool, SecretError> {
        let _guard = self.lock.lock().unwrap();
        let mut map = self.load();
        let existed = map.remove(&key.to_string()).is_some();
        self.save(&map)?;
        Ok(existed)
    }

    fn contains(&self, key: &SecretKey) -> Result<bool, SecretError> {
        let _guard = self.lock.lock().unwrap();
        Ok(self.load().contains_key(&key.to_string()))
    }
}
