//! Drives the real ovo-backoffice binary through tauri-driver (WebKitWebDriver) under Xvfb.
//! `cargo xtask test` provides the display, D-Bus, keyring and driver, and sets:
//! OVO_E2E_APP (the binary), OVO_E2E_WEBDRIVER (tauri-driver's URL), OVO_E2E_ARTIFACTS (screenshots).
#![allow(dead_code, clippy::unwrap_used)]

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use anyhow::{bail, ensure, Context, Result};
use fantoccini::elements::Element;
use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::{json, Value};

pub const APP_IDENTIFIER: &str = "com.ovobackoffice.desktop";
const WAIT: Duration = Duration::from_secs(20);
const LAUNCH_WAIT: Duration = Duration::from_secs(120);

fn env(name: &str) -> Result<String> {
    std::env::var(name).with_context(|| {
        format!("{name} is unset: run the end-to-end suite through `cargo xtask test`")
    })
}

/// One app installation: its data directory, IPC journal and captured stderr.
pub struct Install {
    _dir: tempfile::TempDir,
    pub data: PathBuf,
    pub journal: PathBuf,
    pub stderr: PathBuf,
    /// Where the app appends the URLs it would open in the system browser.
    pub opened_urls: PathBuf,
    /// The file the app takes as chosen in its CSV import dialog (WebDriver cannot drive a native
    /// dialog); a test writes it before choosing.
    pub import_file: PathBuf,
    /// The path the app takes as chosen in its rejects-file save dialog.
    pub rejects_file: PathBuf,
    /// The file the app takes as chosen in its settlement-report open dialog.
    pub settlement_file: PathBuf,
    /// The path the app takes as chosen in its export save dialog.
    pub export_file: PathBuf,
    launcher: PathBuf,
    name: String,
    /// The operators created in this install who have not signed in yet: their one-time
    /// password (kept across launches, as the ledger keeps it).
    one_time: OneTimePasswords,
}

type OneTimePasswords = Arc<Mutex<HashMap<String, String>>>;

/// Inside a private D-Bus session: an unlocked gnome-keyring of its own, up before the app starts.
const KEYRING_THEN_EXEC: &str = "printf %s ovo-desk-keyring | gnome-keyring-daemon --unlock --components=secrets >/dev/null; \
     for i in $(seq 100); do dbus-send --session --print-reply --dest=org.freedesktop.DBus / \
     org.freedesktop.DBus.NameHasOwner string:org.freedesktop.secrets 2>/dev/null | grep -q true && break; \
     sleep 0.1; done; \
     dbus-send --session --print-reply --dest=org.freedesktop.DBus / org.freedesktop.DBus.NameHasOwner \
     string:org.freedesktop.secrets 2>/dev/null | grep -q true \
     || { echo \"the desk keyring did not start\" >&2; exit 1; }; \
     exec \"$@\"";

/// How an install differs from a lone desk on its own ledger file.
#[derive(Default)]
pub struct Desk<'a> {
    /// Environment the app starts with (e.g. `OVO_LEDGER_URL`).
    pub env: Vec<(&'a str, String)>,
    /// A keychain of its own (a private D-Bus session and gnome-keyring), as another computer has.
    pub own_keychain: bool,
    /// The install whose operators this one shares (their one-time passwords), as desks of one
    /// shared ledger do.
    pub team_of: Option<&'a Install>,
}

impl Install {
    pub fn new(name: &str) -> Result<Install> {
        Install::desk(name, Desk::default())
    }

    pub fn desk(name: &str, desk: Desk<'_>) -> Result<Install> {
        let dir = tempfile::Builder::new().prefix(&format!("ovo-e2e-{name}-")).tempdir()?;
        let data = dir.path().join("data");
        let journal = dir.path().join("ipc-journal.jsonl");
        let stderr = dir.path().join("stderr.log");
        let opened_urls = dir.path().join("opened-urls.txt");
        let import_file = dir.path().join("customers-export.csv");
        let rejects_file = dir.path().join("customers-export-rejects.csv");
        let settlement_file = dir.path().join("settlement-ovo_snap.csv");
        let export_file = dir.path().join("export.csv");
        let launcher = dir.path().join("launch.sh");
        let app = env("OVO_E2E_APP")?;
        // tauri-driver starts the "browser" binary; this wrapper gives it this install's environment.
        let mut script = format!(
            "#!/bin/sh\nexport OVO_BACKOFFICE_DATA_DIR='{}'\nexport OVO_BACKOFFICE_IPC_JOURNAL='{}'\nexport OVO_BACKOFFICE_OPENED_URLS='{}'\nexport OVO_E2E_IMPORT_FILE='{}'\nexport OVO_E2E_REJECTS_FILE='{}'\nexport OVO_E2E_SETTLEMENT_FILE='{}'\nexport OVO_E2E_EXPORT_FILE='{}'\n",
            data.display(),
            journal.display(),
            opened_urls.display(),
            import_file.display(),
            rejects_file.display(),
            settlement_file.display(),
            export_file.display(),
        );
        for (name, value) in &desk.env {
            script += &format!("export {name}='{}'\n", value.replace('\'', r"'\''"));
        }
        if desk.own_keychain {
            let home = dir.path().join("keychain");
            script += &format!(
                "export XDG_DATA_HOME='{home}/data' XDG_RUNTIME_DIR='{home}/run'\n\
                 mkdir -p \"$XDG_DATA_HOME\" \"$XDG_RUNTIME_DIR\" && chmod 700 \"$XDG_RUNTIME_DIR\"\n\
                 exec dbus-run-session -- sh -c '{KEYRING_THEN_EXEC}' sh '{app}' \"$@\" 2>>'{}'\n",
                stderr.display(),
                home = home.display(),
            );
        } else {
            script += &format!("exec '{app}' \"$@\" 2>>'{}'\n", stderr.display());
        }
        std::fs::write(&launcher, script)?;
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&launcher, std::fs::Permissions::from_mode(0o755))?;
        Ok(Install {
            _dir: dir,
            data,
            journal,
            stderr,
            opened_urls,
            import_file,
            rejects_file,
            settlement_file,
            export_file,
            launcher,
            name: name.to_owned(),
            one_time: desk.team_of.map(|other| other.one_time.clone()).unwrap_or_default(),
        })
    }

    pub async fn launch(&self) -> Result<Desktop> {
        self.wait_closed()?;
        let mut caps = serde_json::Map::new();
        caps.insert("tauri:options".into(), json!({ "application": self.launcher }));
        let webdriver = env("OVO_E2E_WEBDRIVER")?;
        let mut builder = ClientBuilder::native();
        let connect = builder.capabilities(caps).connect(&webdriver);
        // An app that dies at start (e.g. no display) leaves the driver waiting for it forever.
        let client = match tokio::time::timeout(LAUNCH_WAIT, connect).await {
            Ok(client) => {
                client.context("cannot start a WebDriver session through tauri-driver")?
            }
            Err(_) => {
                let stderr = std::fs::read_to_string(&self.stderr).unwrap_or_default();
                let head: String = stderr.lines().take(4).collect::<Vec<_>>().join("\n");
                bail!("the app did not open a window within {LAUNCH_WAIT:?}; its stderr begins: {head}");
            }
        };
        Ok(Desktop { client, name: self.name.clone(), one_time: self.one_time.clone() })
    }

    /// The URLs the app has "opened in the system browser" so far, in order.
    pub fn opened(&self) -> Vec<String> {
        std::fs::read_to_string(&self.opened_urls)
            .unwrap_or_default()
            .lines()
            .map(str::to_owned)
            .collect()
    }

    /// Every file this install wrote: the ledger and its WAL, logs, the IPC journal, stderr.
    pub fn written_files(&self) -> Vec<PathBuf> {
        let mut files = vec![self.journal.clone(), self.stderr.clone(), self.opened_urls.clone()];
        let mut dirs = vec![self.data.clone()];
        while let Some(dir) = dirs.pop() {
            for entry in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
                let path = entry.path();
                if path.is_dir() {
                    dirs.push(path);
                } else {
                    files.push(path);
                }
            }
        }
        files
    }
}

pub struct Desktop {
    pub client: Client,
    name: String,
    /// The install's operators who have not signed in yet: their one-time password.
    one_time: OneTimePasswords,
}

/// The one-time password the admin gives an operator whose own will be `password`.
pub fn one_time_password(password: &str) -> String {
    format!("{password}-one-time")
}

pub fn by_id(test_id: &str) -> String {
    format!("[data-testid=\"{test_id}\"]")
}

impl Desktop {
    pub async fn find(&self, test_id: &str) -> Result<Element> {
        let css = by_id(test_id);
        self.client
            .wait()
            .at_most(WAIT)
            .for_element(Locator::Css(&css))
            .await
            .with_context(|| format!("{test_id} did not appear"))
    }

    /// Scrolls the element to the middle of the window first, as a person would, so it is not
    /// under the bottom-corner toasts.
    /// An element the UI re-rendered between finding and clicking it is found again.
    pub async fn click(&self, test_id: &str) -> Result<()> {
        let mut tries = 0;
        loop {
            let element = self.find(test_id).await?;
            match self.click_element(&element, test_id).await {
                Err(e) if tries < 3 && format!("{e:#}").contains("tale element") => tries += 1,
                done => return done,
            }
        }
    }

    pub async fn fill(&self, test_id: &str, text: &str) -> Result<()> {
        let field = self.find(test_id).await?;
        field.clear().await?;
        field.send_keys(text).await.with_context(|| format!("cannot type into {test_id}"))
    }

    /// Waits for the option first: a list loaded when its dialog opens fills in after the
    /// select element appears.
    pub async fn select(&self, test_id: &str, value: &str) -> Result<()> {
        let option = format!("{} option[value=\"{value}\"]", by_id(test_id));
        self.client
            .wait()
            .at_most(WAIT)
            .for_element(Locator::Css(&option))
            .await
            .with_context(|| format!("{test_id} has no option {value}"))?;
        self.find(test_id)
            .await?
            .select_by_value(value)
            .await
            .with_context(|| format!("cannot select {value} in {test_id}"))
    }

    /// The element's `textContent` (WebKitWebDriver's rendered-text algorithm drops words
    /// from ellipsis-styled spans).
    pub async fn text(&self, test_id: &str) -> Result<String> {
        Ok(self.find(test_id).await?.prop("textContent").await?.unwrap_or_default())
    }

    /// Waits until the element's text contains `expected`.
    pub async fn wait_text(&self, test_id: &str, expected: &str) -> Result<()> {
        let deadline = tokio::time::Instant::now() + WAIT;
        let mut last = String::new();
        while tokio::time::Instant::now() < deadline {
            last = self.text(test_id).await.unwrap_or_default();
            if last.contains(expected) {
                return Ok(());
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        bail!("{test_id} shows {last:?}, expected it to contain {expected:?}")
    }

    pub async fn value(&self, test_id: &str) -> Result<String> {
        Ok(self.find(test_id).await?.prop("value").await?.unwrap_or_default())
    }

    /// Waits until the element's attribute has the value (the UI updates after an IPC reply).
    pub async fn wait_attr(&self, test_id: &str, attr: &str, expected: &str) -> Result<()> {
        let deadline = tokio::time::Instant::now() + WAIT;
        let mut last = None;
        while tokio::time::Instant::now() < deadline {
            if let Ok(el) = self.client.find(Locator::Css(&by_id(test_id))).await {
                last = el.attr(attr).await.ok().flatten();
                if last.as_deref() == Some(expected) {
                    return Ok(());
                }
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        bail!("{test_id}[{attr}] stayed {last:?}, expected {expected:?}")
    }

    /// Waits for the first element matching a CSS selector (for elements a test id alone does not
    /// single out, e.g. `[data-testid="account-ovo_snap"][data-status="active"] [data-testid="unlink"]`).
    pub async fn find_css(&self, css: &str) -> Result<Element> {
        self.client
            .wait()
            .at_most(WAIT)
            .for_element(Locator::Css(css))
            .await
            .with_context(|| format!("{css} did not appear"))
    }

    /// `click`, for a CSS selector.
    pub async fn click_css(&self, css: &str) -> Result<()> {
        let element = self.find_css(css).await?;
        self.click_element(&element, css).await
    }

    async fn click_element(&self, element: &Element, what: &str) -> Result<()> {
        self.client
            .execute(
                "arguments[0].scrollIntoView({ block: 'center' });",
                vec![serde_json::to_value(element)?],
            )
            .await?;
        let mut clicked = element.clone().click().await;
        if clicked.is_err() && self.dismiss_toasts().await? > 0 {
            // A toast in the bottom corner covered it (a page scrolled to its end cannot bring
            // the element to the middle): close the toasts, as a person would, and click again.
            clicked = element.clone().click().await;
        }
        if let Err(err) = clicked {
            let label: String = what
                .chars()
                .filter(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
                .collect();
            let shot = self.screenshot(&format!("failed-click-{label}")).await;
            bail!("cannot click {what}: {err} (screenshot: {shot:?})");
        }
        Ok(())
    }

    /// Closes every toast on screen; answers how many there were.
    pub async fn dismiss_toasts(&self) -> Result<usize> {
        let closes =
            self.client.find_all(Locator::Css("[data-testid=\"toast\"] button.close")).await?;
        let count = closes.len();
        for close in closes {
            let _ = close.click().await;
        }
        if count > 0 {
            self.wait_count("[data-testid=\"toast\"]", WAIT, |n| n == 0).await?;
        }
        Ok(count)
    }

    /// `text`, for a CSS selector.
    pub async fn text_css(&self, css: &str) -> Result<String> {
        Ok(self.find_css(css).await?.prop("textContent").await?.unwrap_or_default())
    }

    /// Waits until `count(css)` satisfies `ok`, up to `within`; answers the last count.
    pub async fn wait_count(
        &self,
        css: &str,
        within: Duration,
        ok: impl Fn(usize) -> bool,
    ) -> Result<usize> {
        let deadline = tokio::time::Instant::now() + within;
        let mut last = 0;
        while tokio::time::Instant::now() < deadline {
            last = self.count(css).await.unwrap_or(0);
            if ok(last) {
                return Ok(last);
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        bail!("{css}: {last} element(s) after {within:?}")
    }

    /// Waits for the element with this test id whose text contains `text` (e.g. one search hit
    /// among several) and clicks it.
    pub async fn click_with_text(&self, test_id: &str, text: &str) -> Result<()> {
        let css = by_id(test_id);
        let deadline = tokio::time::Instant::now() + WAIT;
        let mut seen = Vec::new();
        while tokio::time::Instant::now() < deadline {
            seen.clear();
            for element in self.client.find_all(Locator::Css(&css)).await.unwrap_or_default() {
                let content = element.prop("textContent").await.ok().flatten().unwrap_or_default();
                if content.contains(text) {
                    return self.click_element(&element, &format!("{test_id} {text:?}")).await;
                }
                seen.push(content);
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        bail!("no {test_id} contains {text:?}; seen {seen:?}")
    }

    pub async fn count(&self, css: &str) -> Result<usize> {
        Ok(self.client.find_all(Locator::Css(css)).await?.len())
    }

    /// Calls a command through the real IPC, as the page itself would.
    pub async fn invoke(
        &self,
        command: &str,
        args: Value,
    ) -> Result<std::result::Result<Value, Value>> {
        let reply = self
            .client
            .execute_async(
                "const [cmd, args, done] = arguments;
                 window.__TAURI_INTERNALS__.invoke(cmd, args).then(ok => done({ ok }), err => done({ err }));",
                vec![json!(command), args],
            )
            .await?;
        Ok(match (reply.get("ok"), reply.get("err")) {
            (_, Some(err)) => Err(err.clone()),
            (Some(ok), None) => Ok(ok.clone()),
            _ => Ok(Value::Null),
        })
    }

    pub async fn screenshot(&self, step: &str) -> Result<PathBuf> {
        let dir = PathBuf::from(
            std::env::var("OVO_E2E_ARTIFACTS").unwrap_or_else(|_| "e2e/artifacts".into()),
        );
        std::fs::create_dir_all(&dir)?;
        let path = dir.join(format!("{}-{step}.png", self.name));
        // WebKitWebDriver captures the last painted frame: let the page paint what the DOM holds
        // (otherwise a screenshot right after a wait can still show the previous state).
        self.client
            .execute_async(
                "const done = arguments[0]; requestAnimationFrame(() => requestAnimationFrame(() => setTimeout(done, 50)));",
                vec![],
            )
            .await?;
        // Painting without GPU compositing (the app's renderer on Linux), WebKitWebDriver's
        // screenshot waits for the next painted frame, which a page that does not change never
        // paints: a one-pixel, all but transparent mark, shown and hidden for 3 s from just after
        // the request, gives it frames.
        self.client.execute(REPAINT_FOR_SCREENSHOT, vec![]).await?;
        std::fs::write(&path, self.client.screenshot().await?)?;
        Ok(path)
    }

    pub async fn set_up_first_admin(
        &self,
        username: &str,
        display_name: &str,
        password: &str,
    ) -> Result<()> {
        self.find("screen-setup").await?;
        self.fill_all(&[
            ("setup-username", username),
            ("setup-display-name", display_name),
            ("setup-password", password),
            ("setup-password-confirm", password),
        ])
        .await?;
        self.click("setup-submit").await?;
        self.find("screen-shell").await?;
        Ok(())
    }

    /// Signs in with `password`; an operator created here signs in the first time with the
    /// one-time password the admin gave and replaces it with `password`, as they must.
    pub async fn sign_in(&self, username: &str, password: &str) -> Result<()> {
        let one_time =
            self.one_time.lock().map_err(|_| anyhow::anyhow!("poisoned"))?.remove(username);
        self.find("screen-signin").await?;
        let first = one_time.as_deref().unwrap_or(password);
        self.fill_all(&[("signin-username", username), ("signin-password", first)]).await?;
        self.click("signin-submit").await?;
        if let Some(one_time) = &one_time {
            self.change_password(one_time, password).await?;
        }
        self.find("screen-shell").await?;
        Ok(())
    }

    /// On the change-password screen: replaces `current` with `new`.
    pub async fn change_password(&self, current: &str, new: &str) -> Result<()> {
        self.find("screen-change-password").await?;
        self.fill_all(&[
            ("change-password-current", current),
            ("change-password-new", new),
            ("change-password-confirm", new),
        ])
        .await?;
        self.click("change-password-submit").await?;
        Ok(())
    }

    pub async fn sign_out(&self) -> Result<()> {
        self.click("signout").await?;
        self.find("screen-signin").await?;
        Ok(())
    }

    pub async fn create_operator(
        &self,
        username: &str,
        display_name: &str,
        role: &str,
        password: &str,
    ) -> Result<()> {
        self.click("nav-settings").await?;
        self.click("settings-tab-operators").await?;
        self.fill_all(&[("op-new-username", username), ("op-new-display-name", display_name)])
            .await?;
        self.select("op-new-role", role).await?;
        // The admin gives a one-time password; `sign_in` replaces it with `password`.
        let one_time = one_time_password(password);
        self.fill("op-new-password", &one_time).await?;
        self.click("op-create-submit").await?;
        self.find(&format!("operator-row-{username}")).await?;
        self.one_time
            .lock()
            .map_err(|_| anyhow::anyhow!("poisoned"))?
            .insert(username.to_owned(), one_time);
        Ok(())
    }

    /// Ends the session whatever `result` is, with a screenshot when it failed: a session left
    /// open makes every later test fail with "Maximum number of active sessions".
    pub async fn finish(self, result: Result<()>) -> Result<()> {
        if result.is_err() {
            let _ = self.screenshot("failed").await;
        }
        let closed = self.quit().await;
        result.and(closed)
    }

    /// Ends the WebDriver session, which closes the app.
    pub async fn quit(self) -> Result<()> {
        self.client.close().await?;
        Ok(())
    }
}

/// The built-in environment's provider sandbox, through its control API (`/_sandbox/…`).
pub struct Sandbox {
    pub url: String,
    http: reqwest::Client,
}

impl Sandbox {
    /// The sandbox the app runs in-process, from `sandbox_url` (which starts it; waits until the
    /// back office answers).
    pub async fn of(app: &Desktop) -> Result<Sandbox> {
        let deadline = tokio::time::Instant::now() + WAIT;
        loop {
            let info = app.invoke("sandbox_url", json!({})).await?;
            if let Ok(Value::String(url)) = &info {
                let http = reqwest::Client::builder()
                    .no_proxy()
                    .timeout(Duration::from_secs(20))
                    .build()?;
                return Ok(Sandbox { url: url.trim_end_matches('/').to_owned(), http });
            }
            if tokio::time::Instant::now() > deadline {
                bail!("sandbox_url gave no address: {info:?}");
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }

    pub async fn get(&self, path: &str) -> Result<Value> {
        let reply = self.http.get(format!("{}{path}", self.url)).send().await?;
        let status = reply.status();
        let body: Value = reply.json().await.with_context(|| format!("GET {path}: not JSON"))?;
        if !status.is_success() {
            bail!("GET {path}: {status} {body}");
        }
        Ok(body)
    }

    pub async fn post(&self, path: &str, body: Value) -> Result<Value> {
        let reply = self.http.post(format!("{}{path}", self.url)).json(&body).send().await?;
        let status = reply.status();
        let answer: Value = reply.json().await.with_context(|| format!("POST {path}: not JSON"))?;
        if !status.is_success() {
            bail!("POST {path}: {status} {answer}");
        }
        Ok(answer)
    }

    /// Changes a sandbox record, e.g. blocks an OVO account: `/_sandbox/accounts/{phone}`.
    pub async fn patch(&self, path: &str, body: Value) -> Result<Value> {
        let reply = self.http.patch(format!("{}{path}", self.url)).json(&body).send().await?;
        let status = reply.status();
        let answer: Value =
            reply.json().await.with_context(|| format!("PATCH {path}: not JSON"))?;
        if !status.is_success() {
            bail!("PATCH {path}: {status} {answer}");
        }
        Ok(answer)
    }

    /// A sandbox page (HTML), e.g. the customer's phone `/_sandbox/phone?phone=…`.
    pub async fn get_text(&self, path: &str) -> Result<String> {
        let reply = self.http.get(format!("{}{path}", self.url)).send().await?;
        let status = reply.status();
        let body = reply.text().await?;
        if !status.is_success() {
            bail!("GET {path}: {status} {body}");
        }
        Ok(body)
    }

    /// A file the sandbox serves (a settlement report), as bytes.
    pub async fn get_bytes(&self, path: &str) -> Result<Vec<u8>> {
        let reply = self.http.get(format!("{}{path}", self.url)).send().await?;
        let status = reply.status();
        let body = reply.bytes().await?.to_vec();
        if !status.is_success() {
            bail!("GET {path}: {status} {}", String::from_utf8_lossy(&body));
        }
        Ok(body)
    }

    /// Submits a sandbox page's form as the browser would (`application/x-www-form-urlencoded`,
    /// redirects followed); answers the final status.
    pub async fn post_form(&self, path: &str, form: &str) -> Result<u16> {
        let reply = self
            .http
            .post(format!("{}{path}", self.url))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(form.to_owned())
            .send()
            .await?;
        Ok(reply.status().as_u16())
    }

    /// Waits for the customer step `product` opened for `phone` (canonical `62…`).
    pub async fn pending_for(&self, product: &str, phone: &str) -> Result<Value> {
        let deadline = tokio::time::Instant::now() + WAIT;
        let mut last = Value::Null;
        while tokio::time::Instant::now() < deadline {
            last = self.get("/_sandbox/pending").await?;
            let found = last.as_array().into_iter().flatten().find(|a| {
                a["product"] == product
                    && a["phone"].as_str().is_some_and(|p| digits(p).ends_with(&phone[2..]))
            });
            if let Some(action) = found {
                return Ok(action.clone());
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        bail!("no pending {product} step for {phone}; pending: {last}")
    }
}

/// Only the digits of a text ("IDR 1,200,000" → "1200000").
pub fn digits(text: &str) -> String {
    text.chars().filter(char::is_ascii_digit).collect()
}

pub fn contains(path: &Path, needle: &str) -> bool {
    std::fs::read(path)
        .map(|bytes| bytes.windows(needle.len()).any(|w| w == needle.as_bytes()))
        .unwrap_or(false)
}

/// The account card of `product` in `status`.
pub fn card(product: &str, status: &str) -> String {
    format!("{}[data-status=\"{status}\"]", by_id(&format!("account-{product}")))
}

/// Waits until the element's `data-status` is `expected`; stops early on a final status that
/// is not it.
pub async fn wait_status(
    app: &Desktop,
    test_id: &str,
    expected: &str,
    within: Duration,
) -> Result<()> {
    let deadline = tokio::time::Instant::now() + within;
    let mut last = String::new();
    while tokio::time::Instant::now() < deadline {
        if let Ok(el) = app.client.find(Locator::Css(&by_id(test_id))).await {
            last = el.attr("data-status").await.ok().flatten().unwrap_or_default();
            if last == expected {
                return Ok(());
            }
            if ["failed", "expired", "cancelled", "needs_review"].contains(&last.as_str()) {
                let outcome = app.text("payment-outcome").await.unwrap_or_default();
                bail!("{test_id} became {last}, expected {expected}: {outcome:?}");
            }
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let outcome = app.text("payment-outcome").await.unwrap_or_default();
    bail!("{test_id} stayed {last:?} for {within:?}, expected {expected}: {outcome:?}")
}

/// Waits for the new-payment dialog to show the started payment, or fails with the reason the
/// back end gave for not starting it.
pub async fn started(app: &Desktop) -> Result<()> {
    let either = format!("{}, {}", by_id("payment-live"), by_id("payment-start-error"));
    app.find_css(&either).await?;
    if app.count(&by_id("payment-start-error")).await? > 0 {
        bail!("the payment did not start: {:?}", app.text("payment-start-error").await?);
    }
    Ok(())
}

/// The sandbox's waiting customer step of a payment (not a linking) for this product and phone.
pub async fn payment_step(sandbox: &Sandbox, product: &str, phone: &str) -> Result<Value> {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    let mut last = Value::Null;
    while tokio::time::Instant::now() < deadline {
        last = sandbox.get("/_sandbox/pending").await?;
        let found = last.as_array().into_iter().flatten().find(|a| {
            a["product"] == product
                && a["kind"] != "binding"
                && digits(a["phone"].as_str().unwrap_or_default()) == phone
        });
        if let Some(action) = found {
            return Ok(action.clone());
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    bail!("no pending {product} payment step for {phone}; pending: {last}")
}

/// From the new-payment dialog, once its payment is final: its page; answers its reference.
pub async fn open_started_payment(app: &Desktop) -> Result<String> {
    app.click("payment-open-page").await?;
    app.find("payment-page").await?;
    app.wait_count(&by_id("new-payment-dialog"), Duration::from_secs(10), |n| n == 0).await?;
    let reference = app.text("payment-reference").await?.trim().to_owned();
    ensure!(!reference.is_empty(), "the payment page names its reference");
    Ok(reference)
}

/// Payments → the reference filter → the one row → its page.
pub async fn open_payment_by_reference(app: &Desktop, reference: &str) -> Result<()> {
    app.open_payments().await?;
    app.fill("payment-filter-reference", reference).await?;
    app.find_css(&format!("{}[data-settled=\"true\"]", by_id("payments-results"))).await?;
    let row = format!("{}[data-reference=\"{reference}\"]", by_id("payment-row"));
    app.wait_count(&by_id("payment-row"), Duration::from_secs(20), |n| n == 1).await?;
    app.click_css(&row).await?;
    app.wait_text("payment-reference", reference).await?;
    Ok(())
}

/// The refund queue's row of the refund on this payment (CSS selector, by its id).
pub async fn refund_row_for(app: &Desktop, payment_reference: &str) -> Result<String> {
    let rows = by_id("refund-row");
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    let mut seen = Vec::new();
    while tokio::time::Instant::now() < deadline {
        seen.clear();
        for row in app.client.find_all(Locator::Css(&rows)).await.unwrap_or_default() {
            let text = row.prop("textContent").await?.unwrap_or_default();
            if text.contains(payment_reference) {
                let id = row.attr("data-refund-id").await?.unwrap_or_default();
                return Ok(format!("{rows}[data-refund-id=\"{id}\"]"));
            }
            seen.push(text);
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    bail!("no refund row for {payment_reference}; rows: {seen:?}")
}

/// The operators the money tests sign in as: one per role below admin, created by the first admin.
pub struct Team;

impl Team {
    pub const ADMIN: (&'static str, &'static str) = ("admin", "admin-password-2026");
    pub const STAFF: (&'static str, &'static str) = ("sari", "sari-password-1");
    pub const SUPPORT: (&'static str, &'static str) = ("dimas", "dimas-password-1");
    pub const FINANCE: (&'static str, &'static str) = ("fina", "fina-password-1");

    /// First run: the admin, then a staff, a support and a finance operator; ends signed out.
    pub async fn set_up(app: &Desktop) -> Result<()> {
        app.set_up_first_admin(Team::ADMIN.0, "Ayu Admin", Team::ADMIN.1).await?;
        app.create_operator(Team::STAFF.0, "Sari Staff", "staff", Team::STAFF.1).await?;
        app.create_operator(Team::SUPPORT.0, "Dimas Support", "support", Team::SUPPORT.1).await?;
        app.create_operator(Team::FINANCE.0, "Fina Finance", "finance", Team::FINANCE.1).await?;
        app.sign_out().await
    }
}

impl Desktop {
    /// Signs in as one of the `Team` operators.
    pub async fn sign_in_as(&self, (username, password): (&str, &str)) -> Result<()> {
        self.sign_in(username, password).await
    }

    /// Enters the day `date` (`YYYY-MM-DD`) into a date field as the operator types it,
    /// `dd/mm/yyyy` in either language: the text, then the `input` and `change` events the field
    /// listens to; the field must then show that text and not be marked invalid.
    pub async fn set_date(&self, test_id: &str, date: &str) -> Result<()> {
        let typed = match date.split('-').collect::<Vec<_>>()[..] {
            [year, month, day] if year.len() == 4 && month.len() == 2 && day.len() == 2 => {
                format!("{day}/{month}/{year}")
            }
            _ => bail!("set_date({test_id}): {date:?} is not YYYY-MM-DD"),
        };
        let field = self.find(test_id).await?;
        self.client
            .execute(
                "const [el, value] = arguments; el.value = value;
                 el.dispatchEvent(new Event('input', { bubbles: true }));
                 el.dispatchEvent(new Event('change', { bubbles: true }));",
                vec![serde_json::to_value(&field)?, json!(typed)],
            )
            .await?;
        ensure!(self.value(test_id).await? == typed, "{test_id} shows {typed}");
        ensure!(self.attr(test_id, "aria-invalid").await? != "true", "{test_id} accepts {typed}");
        Ok(())
    }

    /// Scrolls the element to the middle of the window (before a screenshot of it).
    /// The attribute `attr` of the element with `data-testid` `test_id` ("" when it has none).
    pub async fn attr(&self, test_id: &str, attr: &str) -> Result<String> {
        Ok(self.find(test_id).await?.attr(attr).await?.unwrap_or_default())
    }

    /// Unlinks the account on the card `active`; the confirmation must name the account
    /// (`product` as the UI names it, and the phone as the UI shows it).
    pub async fn unlink_confirmed(&self, active: &str, product: &str, phone: &str) -> Result<()> {
        self.click_css(&format!("{active} {}", by_id("unlink"))).await?;
        self.find("unlink-dialog").await?;
        let question = self.text("unlink-question").await?;
        ensure!(
            question.contains(product) && question.contains(phone),
            "the confirmation names the account: {question:?}"
        );
        self.click("unlink-confirm").await
    }

    /// Fills each field (by `data-testid`) with its value, in order.
    pub async fn fill_all(&self, fields: &[(&str, &str)]) -> Result<()> {
        for (test_id, value) in fields {
            self.fill(test_id, value).await?;
        }
        Ok(())
    }

    pub async fn show(&self, css: &str) -> Result<()> {
        let element = self.find_css(css).await?;
        self.client
            .execute(
                "arguments[0].scrollIntoView({ block: 'center' });",
                vec![serde_json::to_value(&element)?],
            )
            .await?;
        Ok(())
    }

    /// The text of every element matching `css`, in order.
    pub async fn texts_css(&self, css: &str) -> Result<Vec<String>> {
        let mut texts = Vec::new();
        for element in self.client.find_all(Locator::Css(css)).await? {
            texts.push(element.prop("textContent").await?.unwrap_or_default());
        }
        Ok(texts)
    }

    /// Payments → the list (closing a payment page left open).
    pub async fn open_payments(&self) -> Result<()> {
        self.click("nav-payments").await?;
        if self.count(&by_id("payment-back")).await? > 0 {
            self.click("payment-back").await?;
        }
        self.find("payment-filter-reference").await?;
        Ok(())
    }

    /// Customers → search `query` → the hit naming `name` → the customer's page.
    pub async fn open_customer(&self, query: &str, name: &str) -> Result<()> {
        self.click("nav-customers").await?;
        if self.count(&by_id("customer-back")).await? > 0 {
            self.click("customer-back").await?;
        }
        self.fill("customer-search", query).await?;
        self.click_with_text("search-hit", name).await?;
        self.wait_text("customer-name", name).await
    }

    /// As the admin: the audit rows of `action` (their text), once there is at least one, with
    /// the hash chain verified.
    pub async fn audit_rows(&self, action: &str) -> Result<Vec<String>> {
        self.click("nav-audit").await?;
        self.wait_attr("audit-verify-status", "data-intact", "true").await?;
        let rows = format!("{}[data-action=\"{action}\"]", by_id("audit-row"));
        self.wait_count(&rows, WAIT, |n| n >= 1).await?;
        self.texts_css(&rows).await
    }
}

impl Install {
    /// Starts the app of this install once more, outside WebDriver, as a second click on its
    /// icon would; answers how that process ended (it must end by itself).
    pub fn start_again(&self) -> Result<std::process::ExitStatus> {
        let mut second = std::process::Command::new(&self.launcher).spawn()?;
        let deadline = std::time::Instant::now() + WAIT;
        loop {
            if let Some(status) = second.try_wait()? {
                return Ok(status);
            }
            if std::time::Instant::now() > deadline {
                let _ = second.kill();
                bail!("the second start did not end within {WAIT:?}");
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// Waits until no process of this install runs any more: the app and the WebKit processes
    /// it started, which inherit its environment and, until they end, can keep its D-Bus name
    /// (a new start would then hand over to them and end). Only then are its files this test's.
    pub fn wait_closed(&self) -> Result<()> {
        let marker = format!("OVO_BACKOFFICE_DATA_DIR={}\0", self.data.display());
        let running = || {
            std::fs::read_dir("/proc").into_iter().flatten().flatten().any(|entry| {
                let pid = entry.path();
                // A process ended but not yet reaped by its parent stays as a zombie (`Z`).
                let alive = std::fs::read_to_string(pid.join("stat")).is_ok_and(|stat| {
                    stat.rsplit(')').next().is_some_and(|rest| !rest.trim_start().starts_with('Z'))
                });
                // The app and WebKit's processes; not a keyring daemon its session left behind.
                let comm = std::fs::read_to_string(pid.join("comm")).unwrap_or_default();
                let ours = comm.starts_with("ovo-backoffice") || comm.starts_with("WebKit");
                // An ending process has no environment left while it still holds its sockets:
                // it may be this install's.
                alive
                    && ours
                    && std::fs::read(pid.join("environ")).is_ok_and(|env| {
                        env.is_empty() || env.windows(marker.len()).any(|w| w == marker.as_bytes())
                    })
            })
        };
        let deadline = std::time::Instant::now() + WAIT;
        while running() {
            ensure!(std::time::Instant::now() < deadline, "the app of {} did not end", self.name);
            std::thread::sleep(Duration::from_millis(100));
        }
        Ok(())
    }

    /// The app's log file (`<data dir>/logs/ovo-backoffice.log`), as far as it is written.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.data.join("logs").join("ovo-backoffice.log"))
            .unwrap_or_default()
    }

    /// Waits until a URL containing `needle` was "opened in the system browser".
    pub async fn wait_opened(&self, needle: &str) -> Result<String> {
        let deadline = tokio::time::Instant::now() + WAIT;
        loop {
            if let Some(url) = self.opened().into_iter().find(|u| u.contains(needle)) {
                return Ok(url);
            }
            if tokio::time::Instant::now() > deadline {
                bail!("no page with {needle:?} was opened: {:?}", self.opened());
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}

impl Sandbox {
    /// The requests `product` received whose path contains `path_part` (e.g. "refund").
    pub async fn received(&self, product: &str, path_part: &str) -> Result<Vec<Value>> {
        let all = self.get(&format!("/_sandbox/received?product={product}")).await?;
        Ok(all
            .as_array()
            .into_iter()
            .flatten()
            .filter(|r| r["path"].as_str().unwrap_or_default().contains(path_part))
            .cloned()
            .collect())
    }

    /// Every refund request any product received.
    pub async fn refund_calls(&self) -> Result<usize> {
        let all = self.get("/_sandbox/received").await?;
        // POSTs only: the refund resolver's status reads of the demo's open refunds are GETs.
        Ok(all
            .as_array()
            .into_iter()
            .flatten()
            .filter(|r| {
                r["method"] == "POST" && r["path"].as_str().unwrap_or_default().contains("refund")
            })
            .count())
    }

    /// The OVO wallet of `phone` (canonical `62…`): (cash, points).
    pub async fn wallet(&self, phone: &str) -> Result<(i64, i64)> {
        let wallet = self.get(&format!("/_sandbox/accounts/{phone}")).await?;
        match (wallet["cash"].as_i64(), wallet["points"].as_i64()) {
            (Some(cash), Some(points)) => Ok((cash, points)),
            _ => bail!("no wallet figures for {phone}: {wallet}"),
        }
    }

    /// The customer plays the waiting step (a linking or a payment page) that the app opened in
    /// the browser: approves it and the browser follows the redirect back; answers the step's id.
    pub async fn approve(
        &self,
        install: &Install,
        step: &Value,
        source: Option<&str>,
    ) -> Result<String> {
        let id = step["id"].as_str().unwrap_or_default().to_owned();
        ensure!(!id.is_empty(), "the step has an id: {step}");
        install.wait_opened(&id).await?;
        let mut decision = json!({ "decision": "approve", "follow_redirect": true });
        if let Some(source) = source {
            decision["source"] = json!(source);
        }
        let decided = self.post(&format!("/_sandbox/pending/{id}/decide"), decision).await?;
        ensure!(
            decided["followed_error"].is_null(),
            "the page's redirect was reachable: {decided}"
        );
        Ok(id)
    }
}

/// On a customer's page: links their OVO account through `product` with the phone typed as the
/// customer says it; the customer approves on the provider's page; answers the account card's
/// CSS selector once it is active.
pub async fn link_account(
    app: &Desktop,
    install: &Install,
    sandbox: &Sandbox,
    product: &str,
    typed_phone: &str,
) -> Result<String> {
    let phone = format!("62{}", &digits(typed_phone)[1..]);
    app.select("link-product-select", product).await?;
    app.fill("link-phone", typed_phone).await?;
    app.click("link-start").await?;
    let pending = card(product, "pending");
    app.find_css(&format!("{pending} {}", by_id("account-pending"))).await?;
    let account_id =
        app.find_css(&pending).await?.attr("data-account-id").await?.unwrap_or_default();
    ensure!(!account_id.is_empty(), "the pending card names its account");
    let step = sandbox.pending_for(product, &phone).await?;
    ensure!(step["kind"] == "binding", "the customer's step is the linking: {step}");
    sandbox.approve(install, &step, None).await?;
    let active = format!(
        "{}[data-account-id=\"{account_id}\"][data-status=\"active\"]",
        by_id(&format!("account-{product}"))
    );
    app.client
        .wait()
        .at_most(Duration::from_secs(40))
        .for_element(Locator::Css(&active))
        .await
        .map_err(|e| anyhow::anyhow!("the {product} account did not become active: {e}"))?;
    Ok(active)
}

/// A payment to take in the new-payment dialog.
pub struct NewPayment<'a> {
    pub product: &'a str,
    pub kind: &'a str,
    pub amount: &'a str,
    /// The money's source, for products that let the merchant choose.
    pub source: Option<&'a str>,
    /// The phone typed, for payments not on a linked account.
    pub phone: Option<&'a str>,
    pub description: &'a str,
}

/// Opens the new-payment dialog (from the page on screen), fills it in and starts the payment;
/// on a customer's page a payment on a linked account takes their first active account of the
/// product (`account`: the card's `data-account-id` to check it is that one).
pub async fn start_payment(
    app: &Desktop,
    payment: &NewPayment<'_>,
    account: Option<&str>,
) -> Result<()> {
    app.click("new-payment").await?;
    app.find("new-payment-dialog").await?;
    app.select("payment-product", payment.product).await?;
    app.select("payment-kind", payment.kind).await?;
    if let Some(account) = account {
        app.select("payment-account", account).await?;
    }
    if let Some(phone) = payment.phone {
        app.fill("payment-phone", phone).await?;
    }
    app.fill("payment-amount", payment.amount).await?;
    if let Some(source) = payment.source {
        app.select("payment-source", source).await?;
    }
    app.fill("payment-description", payment.description).await?;
    app.click("payment-start").await?;
    started(app).await
}

/// What the refund dialog told the requester.
pub struct RefundDialog {
    /// The product's rule in plain words.
    pub rule: String,
    /// The note that the refund is settled outside the provider, when it is.
    pub offline_note: Option<String>,
}

/// On a payment page: asks for a refund of `amount` with `reason`, once the preview agrees
/// (screenshot `shot` of the filled-in dialog); waits for the request to be listed.
pub async fn request_refund(
    app: &Desktop,
    amount: &str,
    reason: &str,
    shot: &str,
) -> Result<RefundDialog> {
    let before =
        app.count(&format!("{}[data-status=\"requested\"]", by_id("payment-refund"))).await?;
    app.click("refund-request").await?;
    app.find("refund-request-dialog").await?;
    app.find("refund-rule").await?;
    app.fill("refund-amount", amount).await?;
    app.fill("refund-reason", reason).await?;
    // The preview follows the typing (debounced): wait for the one of this amount.
    let settled = format!("{}[data-previewing=\"false\"]", by_id("refund-allowed"));
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        let shown = app.text_css(&settled).await?;
        if digits(&shown) == digits(amount) {
            break;
        }
        ensure!(tokio::time::Instant::now() < deadline, "the preview is for {amount}: {shown:?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let rule = app.text("refund-rule").await?;
    let offline_note = match app.count(&by_id("refund-offline-note")).await? {
        0 => None,
        _ => Some(app.text("refund-offline-note").await?),
    };
    app.screenshot(shot).await?;
    app.click("refund-submit").await?;
    let requested = format!("{}[data-status=\"requested\"]", by_id("payment-refund"));
    app.wait_count(&requested, WAIT, |n| n == before + 1).await?;
    app.wait_count(&by_id("refund-request-dialog"), WAIT, |n| n == 0).await?;
    Ok(RefundDialog { rule, offline_note })
}

/// A finance operator's decision on a refund.
pub struct Decision<'a> {
    pub approve: bool,
    pub note: &'a str,
    pub password: &'a str,
}

/// As finance: Refunds → awaiting approval → the refund on this payment → approve or reject
/// with the password entered again (screenshot `shot` of the filled-in dialog). Leaves the
/// refund's page open; answers what the dialog said.
pub async fn decide_refund(
    app: &Desktop,
    payment_reference: &str,
    decision: &Decision<'_>,
    shot: &str,
) -> Result<String> {
    app.click("nav-refunds").await?;
    if app.count(&by_id("refund-back")).await? > 0 {
        app.click("refund-back").await?;
    }
    app.click("refunds-tab-requested").await?;
    let row = refund_row_for(app, payment_reference).await?;
    app.click_css(&format!("{row} {}", by_id("refund-open"))).await?;
    app.wait_attr("refund-status", "data-status", "requested").await?;
    app.click(if decision.approve { "refund-approve" } else { "refund-reject" }).await?;
    app.find("refund-decide-dialog").await?;
    if !decision.note.is_empty() {
        app.fill("refund-note", decision.note).await?;
    }
    app.fill("refund-password", decision.password).await?;
    let said = app.text("refund-decide-dialog").await?;
    app.screenshot(shot).await?;
    app.click("refund-decide-confirm").await?;
    app.wait_count(&by_id("refund-decide-dialog"), Duration::from_secs(30), |n| n == 0).await?;
    Ok(said)
}

/// On a refund's page: reloads until its status is `expected`; stops early on another final one.
pub async fn wait_refund_status(app: &Desktop, expected: &str, within: Duration) -> Result<()> {
    let deadline = tokio::time::Instant::now() + within;
    loop {
        let status =
            app.find("refund-status").await?.attr("data-status").await?.unwrap_or_default();
        if status == expected {
            return Ok(());
        }
        let finals = ["succeeded", "failed", "rejected", "settled_offline"];
        ensure!(
            !finals.contains(&status.as_str()),
            "the refund became {status}, expected {expected}"
        );
        ensure!(
            tokio::time::Instant::now() < deadline,
            "the refund stayed {status}, expected {expected}"
        );
        tokio::time::sleep(Duration::from_millis(500)).await;
        app.click("refund-reload").await?;
    }
}

/// Runs `flow` on a fresh install and closes the app whatever happens.
pub async fn on_fresh_install<F>(name: &str, flow: F) -> Result<()>
where
    F: for<'a> AsyncFnOnce(&'a Install, &'a Desktop) -> Result<()>,
{
    let install = Install::new(name)?;
    let app = install.launch().await?;
    let result = flow(&install, &app).await;
    app.finish(result).await
}

/// Asks the back end directly (over IPC) for a refund of `amount` of the open payment: it must
/// be refused as a conflict with `reason`, its message naming `rule`. Then closes the refund
/// dialog the test had open.
pub async fn refund_refused_over_ipc(
    app: &Desktop,
    amount: &str,
    reason: &str,
    rule: &str,
) -> Result<()> {
    let payment_id: i64 = app.attr("payment-page", "data-payment-id").await?.parse()?;
    let input = json!({ "paymentId": payment_id, "amount": amount, "reason": "E2E over IPC" });
    let reply = app.invoke("request_refund", json!({ "input": input })).await?;
    let Err(err) = reply else { bail!("a refund of {amount} must be refused ({reason})") };
    ensure!(err["code"] == "conflict" && err["reason"] == reason, "refused with {reason}: {err}");
    ensure!(err["message"].as_str().unwrap_or_default().contains(rule), "the rule is named: {err}");
    close_refund_dialog(app).await
}

/// Cancels the refund request dialog and waits until it is gone.
pub async fn close_refund_dialog(app: &Desktop) -> Result<()> {
    app.click_css(&format!("{} .btn-secondary", by_id("refund-request-dialog"))).await?;
    app.wait_count(&by_id("refund-request-dialog"), Duration::from_secs(10), |n| n == 0).await?;
    Ok(())
}

/// Opens the refunds desk's `status` tab and answers the row of the refund of the payment
/// `reference`, which must be listed there with that status.
pub async fn refund_row_in_tab(app: &Desktop, status: &str, reference: &str) -> Result<String> {
    app.click(&format!("refunds-tab-{status}")).await?;
    let row = refund_row_for(app, reference).await?;
    let shown = app.find_css(&row).await?.attr("data-status").await?;
    ensure!(shown.as_deref() == Some(status), "listed as {status}: {shown:?}");
    Ok(row)
}

/// Looks for known secrets, byte for byte, in every file a run wrote; each secret has a kind
/// (provider credential, customer token, authCode, operator password…) that a finding names.
#[derive(Default)]
pub struct SecretScan {
    secrets: Vec<(&'static str, String)>,
    files: std::collections::BTreeSet<PathBuf>,
    found: std::collections::BTreeSet<(PathBuf, &'static str)>,
}

impl SecretScan {
    /// A value shorter than this could turn up by chance; the secrets scanned are all longer.
    const SHORTEST: usize = 8;

    /// Adds the secrets of `kind`; refuses a value too short to find reliably.
    pub fn add<S: AsRef<str>>(
        &mut self,
        kind: &'static str,
        values: impl IntoIterator<Item = S>,
    ) -> Result<()> {
        for value in values {
            let value = value.as_ref();
            ensure!(value.len() >= Self::SHORTEST, "a {kind} to scan for is too short: {value:?}");
            if !self.secrets.iter().any(|(_, known)| known == value) {
                self.secrets.push((kind, value.to_owned()));
            }
        }
        Ok(())
    }

    /// The customer tokens, B2B tokens and authCodes the sandbox's SNAP products issued so far
    /// (`/_sandbox/{product}/state`). Each product must have received from the app at least one
    /// of its authCodes and one of its customer tokens: the app held them, so finding none
    /// where they must not be means something.
    pub async fn add_issued_by(&mut self, sandbox: &Sandbox, products: &[&str]) -> Result<()> {
        for product in products {
            let state = sandbox.get(&format!("/_sandbox/{product}/state")).await?;
            let texts = |v: &Value| -> Vec<String> {
                v.as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(Value::as_str)
                    .filter(|s| !s.is_empty())
                    .map(str::to_owned)
                    .collect()
            };
            let issued = &state["issued"];
            let customer = texts(&issued["customer"]);
            ensure!(!customer.is_empty(), "{product} issued no customer token: {issued}");
            self.add("customer token", &customer)?;
            self.add("customer token", texts(&issued["refresh"]))?;
            self.add("customer token", texts(&issued["linkage"]))?;
            self.add("B2B token", texts(&issued["b2b"]))?;
            let codes: Vec<String> = state["bindings"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|b| b["authCode"].as_str())
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
                .collect();
            let received = sandbox.get(&format!("/_sandbox/received?product={product}")).await?;
            let received = received.to_string();
            let presented =
                |values: &[String]| values.iter().any(|v| received.contains(v.as_str()));
            ensure!(presented(&codes), "the app exchanged none of {product}'s authCodes");
            ensure!(presented(&customer), "the app used none of {product}'s customer tokens");
            self.add("authCode", codes)?;
        }
        Ok(())
    }

    /// How many secrets of `kind` are scanned for.
    pub fn count(&self, kind: &str) -> usize {
        self.secrets.iter().filter(|(k, _)| *k == kind).count()
    }

    /// Reads each file as it is now (a file gone since it was listed, e.g. a WAL checkpointed
    /// away, is skipped) and notes every secret found in it.
    pub fn look_in(&mut self, files: Vec<PathBuf>) {
        for file in files {
            let Ok(bytes) = std::fs::read(&file) else { continue };
            for (kind, secret) in &self.secrets {
                if bytes.windows(secret.len()).any(|w| w == secret.as_bytes()) {
                    self.found.insert((file.clone(), kind));
                }
            }
            self.files.insert(file);
        }
    }

    /// The files read so far.
    pub fn files(&self) -> &std::collections::BTreeSet<PathBuf> {
        &self.files
    }

    /// Prints `secret scan: K kinds, F files, N found`; fails naming each file and kind found.
    pub fn conclude(&self) -> Result<()> {
        let kinds: std::collections::BTreeSet<&str> =
            self.secrets.iter().map(|(k, _)| *k).collect();
        println!(
            "secret scan: {} kinds, {} files, {} found",
            kinds.len(),
            self.files.len(),
            self.found.len()
        );
        let found: Vec<String> =
            self.found.iter().map(|(file, kind)| format!("{kind} in {}", file.display())).collect();
        ensure!(found.is_empty(), "secrets written outside the keychain: {}", found.join("; "));
        Ok(())
    }
}

/// The demo customer Budi's phone, as the sandbox knows it.
const BUDI_PHONE: &str = "6281234567890";

/// Staff (signed in) takes an OVO SNAP direct debit from Budi's cash, the customer approves it at
/// the sandbox, and the payment's page opens once it succeeded. Returns its reference.
pub async fn budi_pays_by_direct_debit(
    install: &Install,
    app: &Desktop,
    sandbox: &Sandbox,
    amount: &str,
    description: &str,
) -> Result<String> {
    app.open_customer("Budi", "Budi Santoso").await?;
    let debit = NewPayment {
        product: "ovo_snap",
        kind: "direct_debit",
        amount,
        source: Some("cash"),
        phone: None,
        description,
    };
    start_payment(app, &debit, None).await?;
    let step = payment_step(sandbox, "ovo_snap", BUDI_PHONE).await?;
    sandbox.approve(install, &step, Some("cash")).await?;
    wait_status(app, "payment-status", "succeeded", Duration::from_secs(90)).await?;
    open_started_payment(app).await
}

/// Shows and hides a one-pixel mark every 150 ms for 3 s, starting 150 ms from now.
const REPAINT_FOR_SCREENSHOT: &str = "const mark = document.createElement('div');
    mark.style.cssText = 'position:fixed;left:0;top:0;width:1px;height:1px;pointer-events:none;background:rgba(0,0,0,0.004)';
    let shown = 0;
    const timer = setInterval(() => {
      if (mark.isConnected) { mark.remove(); } else { document.body.appendChild(mark); }
      if (++shown >= 20) { clearInterval(timer); mark.remove(); }
    }, 150);";
