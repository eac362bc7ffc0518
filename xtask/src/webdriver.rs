//! A small W3C WebDriver client over plain HTTP/1.1, enough to start the app through
//! tauri-driver, find elements by `data-testid`, click, type and run scripts in the page.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};
use serde_json::{json, Value};

const ELEMENT_KEY: &str = "element-6066-11e4-a52e-4f735466cecf";

/// One WebDriver session: one running app.
pub struct Browser {
    address: String,
    session: String,
}

impl Browser {
    /// Starts `application` (a binary or a launcher script) through tauri-driver at `url`
    /// (`http://127.0.0.1:PORT`); returns once the webview is up.
    pub fn launch(url: &str, application: &Path) -> Result<Browser> {
        let address = url.trim_start_matches("http://").trim_end_matches('/').to_owned();
        let caps = json!({ "capabilities": { "alwaysMatch": {
            "tauri:options": { "application": application.display().to_string() }
        } } });
        let reply = request(&address, "POST", "/session", Some(&caps), Duration::from_secs(120))
            .context("the app did not open a window (WebDriver new session)")?;
        let session = reply["sessionId"].as_str().context("no sessionId")?.to_owned();
        let browser = Browser { address, session };
        browser.call("POST", "/timeouts", Some(&json!({ "script": 3_600_000, "implicit": 0 })))?;
        Ok(browser)
    }

    fn call(&self, method: &str, path: &str, body: Option<&Value>) -> Result<Value> {
        let path = format!("/session/{}{path}", self.session);
        request(&self.address, method, &path, body, Duration::from_secs(3_700))
    }

    /// The element with this `data-testid`, if the page has one now.
    pub fn find(&self, test_id: &str) -> Result<Option<String>> {
        let css = format!("[data-testid=\"{test_id}\"]");
        match self.call("POST", "/element", Some(&json!({ "using": "css selector", "value": css })))
        {
            Ok(found) => Ok(found[ELEMENT_KEY].as_str().map(str::to_owned)),
            Err(e) if format!("{e:#}").contains("no such element") => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Waits (polling every 10 ms) until the element with this `data-testid` is there.
    pub fn wait_for(&self, test_id: &str, within: Duration) -> Result<String> {
        let deadline = Instant::now() + within;
        loop {
            if let Some(element) = self.find(test_id)? {
                return Ok(element);
            }
            if Instant::now() > deadline {
                bail!("{test_id} did not appear within {within:?}");
            }
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    pub fn click(&self, test_id: &str) -> Result<()> {
        let element = self.wait_for(test_id, Duration::from_secs(30))?;
        self.call("POST", &format!("/element/{element}/click"), Some(&json!({})))?;
        Ok(())
    }

    pub fn fill(&self, test_id: &str, text: &str) -> Result<()> {
        let element = self.wait_for(test_id, Duration::from_secs(30))?;
        self.call("POST", &format!("/element/{element}/clear"), Some(&json!({})))?;
        self.call("POST", &format!("/element/{element}/value"), Some(&json!({ "text": text })))?;
        Ok(())
    }

    /// Runs `script` in the page; its last argument is the callback that ends it.
    pub fn execute_async(&self, script: &str, args: Vec<Value>) -> Result<Value> {
        self.call("POST", "/execute/async", Some(&json!({ "script": script, "args": args })))
    }

    /// Ends the session, which closes the app.
    pub fn quit(self) -> Result<()> {
        self.call("DELETE", "", None)?;
        Ok(())
    }
}

/// One request; the reply's `value`, or the WebDriver error as an error.
fn request(
    address: &str,
    method: &str,
    path: &str,
    body: Option<&Value>,
    timeout: Duration,
) -> Result<Value> {
    let mut stream =
        TcpStream::connect(address).with_context(|| format!("cannot reach {address}"))?;
    stream.set_read_timeout(Some(timeout))?;
    stream.set_nodelay(true)?;
    let body = body.map(Value::to_string).unwrap_or_default();
    // No `Connection: close`: tauri-driver would pass it on to WebKitWebDriver.
    write!(
        stream,
        "{method} {path} HTTP/1.1\r\nHost: {address}\r\nContent-Type: application/json\r\n\
         Content-Length: {}\r\n\r\n{body}",
        body.len()
    )?;
    let payload =
        read_reply(&mut stream).with_context(|| format!("no reply to {method} {path}"))?;
    let reply: Value = serde_json::from_slice(&payload).with_context(|| {
        format!("{method} {path}: not JSON: {}", String::from_utf8_lossy(&payload))
    })?;
    let value = reply.get("value").cloned().unwrap_or(Value::Null);
    if let Some(error) = value.get("error").and_then(Value::as_str) {
        bail!("{method} {path}: {error}: {}", value["message"].as_str().unwrap_or(""));
    }
    Ok(value)
}

/// The body of one HTTP/1.1 reply (by Content-Length, chunks, or to the end).
fn read_reply(stream: &mut TcpStream) -> Result<Vec<u8>> {
    let mut raw = Vec::new();
    let mut buf = [0_u8; 16 * 1024];
    let mut head: Option<(usize, String)> = None;
    loop {
        if head.is_none() {
            if let Some(split) = raw.windows(4).position(|w| w == b"\r\n\r\n") {
                let text = String::from_utf8_lossy(&raw[..split]).to_ascii_lowercase();
                head = Some((split + 4, text));
            }
        }
        if let Some((start, text)) = &head {
            let body = &raw[*start..];
            let length = text
                .lines()
                .find_map(|l| l.strip_prefix("content-length:"))
                .and_then(|v| v.trim().parse::<usize>().ok());
            if let Some(length) = length {
                if body.len() >= length {
                    return Ok(body[..length].to_vec());
                }
            } else if text.contains("transfer-encoding: chunked") && body.ends_with(b"0\r\n\r\n") {
                if let Ok(joined) = dechunk(body) {
                    return Ok(joined);
                }
            }
        }
        let n = stream.read(&mut buf)?;
        if n == 0 {
            return match head {
                Some((start, text)) if text.contains("transfer-encoding: chunked") => {
                    dechunk(&raw[start..])
                }
                Some((start, _)) => Ok(raw[start..].to_vec()),
                None => bail!("the connection closed before a reply"),
            };
        }
        raw.extend_from_slice(&buf[..n]);
    }
}

fn dechunk(mut data: &[u8]) -> Result<Vec<u8>> {
    let mut out = Vec::new();
    loop {
        let line_end = data.windows(2).position(|w| w == b"\r\n").context("a bad chunk")?;
        let size_text = String::from_utf8_lossy(&data[..line_end]);
        let size = usize::from_str_radix(size_text.split(';').next().unwrap_or("").trim(), 16)
            .context("a bad chunk size")?;
        data = &data[line_end + 2..];
        if size == 0 {
            return Ok(out);
        }
        out.extend_from_slice(data.get(..size).context("a short chunk")?);
        data = data.get(size + 2..).unwrap_or_default();
    }
}

#[cfg(test)]
mod tests {
    use super::dechunk;

    #[test]
    fn joins_chunks() -> anyhow::Result<()> {
        assert_eq!(dechunk(b"3\r\nabc\r\n2;x=1\r\nde\r\n0\r\n\r\n")?, b"abcde");
        Ok(())
    }
}
