//! Drives the real ovo-backoffice binary through tauri-driver (WebKitWebDriver) under Xvfb.
//! `cargo xtask test` provides the display, D-Bus, keyring and driver, and sets:
//! OVO_E2E_APP (the binary), OVO_E2E_WEBDRIVER (tauri-driver's URL), OVO_E2E_ARTIFACTS (screenshots).
#![allow(dead_code, clippy::unwrap_used)]

use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{bail, Context, Result};
use fantoccini::elements::Element;
use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::{json, Value};

pub const APP_IDENTIFIER: &str = "com.ovobackoffice.desktop";
const WAIT: Duration = Duration::from_secs(20);

fn env(name: &str) -> Result<String> {
    std::env::var(name).with_context(|| format!("{name} is unset: run the end-to-end suite through `cargo xtask test`"))
}

/// One app installation: its data directory, IPC journal and captured stderr.
pub struct Install {
    _dir: tempfile::TempDir,
    pub data: PathBuf,
    pub journal: PathBuf,
    pub stderr: PathBuf,
    /// Where the app appends the URLs it would open in the system browser.
    pub opened_urls: PathBuf,
    launcher: PathBuf,
    name: String,
}

impl Install {
    pub fn new(name: &str) -> Result<Install> {
        let dir = tempfile::Builder::new().prefix(&format!("ovo-e2e-{name}-")).tempdir()?;
        let data = dir.path().join("data");
        let journal = dir.path().join("ipc-journal.jsonl");
        let stderr = dir.path().join("stderr.log");
        let opened_urls = dir.path().join("opened-urls.txt");
        let launcher = dir.path().join("launch.sh");
        let app = env("OVO_E2E_APP")?;
        // tauri-driver starts the "browser" binary; this wrapper gives it this install's environment.
        std::fs::write(
            &launcher,
            format!(
                "#!/bin/sh\nexport OVO_BACKOFFICE_DATA_DIR='{}'\nexport OVO_BACKOFFICE_IPC_JOURNAL='{}'\nexport OVO_BACKOFFICE_OPENED_URLS='{}'\nexec '{}' \"$@\" 2>>'{}'\n",
                data.display(),
                journal.display(),
                opened_urls.display(),
                app,
                stderr.display()
            ),
        )?;
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&launcher, std::fs::Permissions::from_mode(0o755))?;
        Ok(Install { _dir: dir, data, journal, stderr, opened_urls, launcher, name: name.to_owned() })
    }

    pub async fn launch(&self) -> Result<Desktop> {
        let mut caps = serde_json::Map::new();
        caps.insert("tauri:options".into(), json!({ "application": self.launcher }));
        let client = ClientBuilder::native()
            .capabilities(caps)
            .connect(&env("OVO_E2E_WEBDRIVER")?)
            .await
            .context("cannot start a WebDriver session through tauri-driver")?;
        Ok(Desktop { client, name: self.name.clone() })
    }

    /// The URLs the app has "opened in the system browser" so far, in order.
    pub fn opened(&self) -> Vec<String> {
        std::fs::read_to_string(&self.opened_urls).unwrap_or_default().lines().map(str::to_owned).collect()
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
    pub async fn click(&self, test_id: &str) -> Result<()> {
        let element = self.find(test_id).await?;
        self.click_element(&element, test_id).await
    }

    pub async fn fill(&self, test_id: &str, text: &str) -> Result<()> {
        let field = self.find(test_id).await?;
        field.clear().await?;
        field.send_keys(text).await.with_context(|| format!("cannot type into {test_id}"))
    }

    pub async fn select(&self, test_id: &str, value: &str) -> Result<()> {
        self.find(test_id).await?.select_by_value(value).await.with_context(|| format!("cannot select {value} in {test_id}"))
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
        self.client.wait().at_most(WAIT).for_element(Locator::Css(css)).await.with_context(|| format!("{css} did not appear"))
    }

    /// `click`, for a CSS selector.
    pub async fn click_css(&self, css: &str) -> Result<()> {
        let element = self.find_css(css).await?;
        self.click_element(&element, css).await
    }

    async fn click_element(&self, element: &Element, what: &str) -> Result<()> {
        self.client
            .execute("arguments[0].scrollIntoView({ block: 'center' });", vec![serde_json::to_value(element)?])
            .await?;
        let mut clicked = element.clone().click().await;
        if clicked.is_err() && self.dismiss_toasts().await? > 0 {
            // A toast in the bottom corner covered it (a page scrolled to its end cannot bring
            // the element to the middle): close the toasts, as a person would, and click again.
            clicked = element.clone().click().await;
        }
        if let Err(err) = clicked {
            let label: String = what.chars().filter(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_').collect();
            let shot = self.screenshot(&format!("failed-click-{label}")).await;
            bail!("cannot click {what}: {err} (screenshot: {shot:?})");
        }
        Ok(())
    }

    /// Closes every toast on screen; answers how many there were.
    pub async fn dismiss_toasts(&self) -> Result<usize> {
        let closes = self.client.find_all(Locator::Css("[data-testid=\"toast\"] button.close")).await?;
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
    pub async fn wait_count(&self, css: &str, within: Duration, ok: impl Fn(usize) -> bool) -> Result<usize> {
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
    pub async fn invoke(&self, command: &str, args: Value) -> Result<std::result::Result<Value, Value>> {
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
        let dir = PathBuf::from(std::env::var("OVO_E2E_ARTIFACTS").unwrap_or_else(|_| "e2e/artifacts".into()));
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
        std::fs::write(&path, self.client.screenshot().await?)?;
        Ok(path)
    }

    pub async fn set_up_first_admin(&self, username: &str, display_name: &str, password: &str) -> Result<()> {
        self.find("screen-setup").await?;
        self.fill("setup-username", username).await?;
        self.fill("setup-display-name", display_name).await?;
        self.fill("setup-password", password).await?;
        self.fill("setup-password-confirm", password).await?;
        self.click("setup-submit").await?;
        self.find("screen-shell").await?;
        Ok(())
    }

    pub async fn sign_in(&self, username: &str, password: &str) -> Result<()> {
        self.find("screen-signin").await?;
        self.fill("signin-username", username).await?;
        self.fill("signin-password", password).await?;
        self.click("signin-submit").await?;
        self.find("screen-shell").await?;
        Ok(())
    }

    pub async fn sign_out(&self) -> Result<()> {
        self.click("signout").await?;
        self.find("screen-signin").await?;
        Ok(())
    }

    pub async fn create_operator(&self, username: &str, display_name: &str, role: &str, password: &str) -> Result<()> {
        self.click("nav-settings").await?;
        self.click("settings-tab-operators").await?;
        self.fill("op-new-username", username).await?;
        self.fill("op-new-display-name", display_name).await?;
        self.select("op-new-role", role).await?;
        self.fill("op-new-password", password).await?;
        self.click("op-create-submit").await?;
        self.find(&format!("operator-row-{username}")).await?;
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
    /// The sandbox the app runs in-process, from `app_info`'s `sandboxUrl` (waits until it is up).
    pub async fn of(app: &Desktop) -> Result<Sandbox> {
        let deadline = tokio::time::Instant::now() + WAIT;
        loop {
            let info = app.invoke("app_info", json!({})).await?.map_err(|e| anyhow::anyhow!("app_info failed: {e}"))?;
            if let Some(url) = info["sandboxUrl"].as_str() {
                let http = reqwest::Client::builder().no_proxy().timeout(Duration::from_secs(20)).build()?;
                return Ok(Sandbox { url: url.trim_end_matches('/').to_owned(), http });
            }
            if tokio::time::Instant::now() > deadline {
                bail!("app_info has no sandboxUrl: {info}");
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
                a["product"] == product && a["phone"].as_str().is_some_and(|p| digits(p).ends_with(&phone[2..]))
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
    std::fs::read(path).map(|bytes| bytes.windows(needle.len()).any(|w| w == needle.as_bytes())).unwrap_or(false)
}
