//! Which web hosts each product's customer pages (linking, payment, re-link, top-up) may come
//! from, per environment, and the check every URL passes before the system browser opens it.
//!
//! Sources: DOKU SNAP's binding and SALE pages (doku-snap-ovo.md §4, §5 samples on
//! `sandbox.doku.com`); OVO's linkage and PIN webviews (ovo-snap.md §1, faspay-ovo-tokenize.md
//! §1: staging on `webview.byte-stack.net`); Faspay's own hosts (faspay-ovo-tokenize.md §2).
//! Production page hosts are not documented: they are the provider's own domain (`doku.com`,
//! `ovo.id`, `faspay.co.id`). DOKU Jokul push and Tazapay have no customer page (the push goes
//! to the OVO app; Tazapay's redirect fields are ignored, tazapay-ovo.md §1). Besides these,
//! the product's configured host (the admin's override, or the built-in simulator) is allowed.

use ovo_domain::{Environment, Product};
use reqwest::Url;

use crate::settings::is_loopback;

/// A host pages may come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PageHost {
    /// This host only.
    Exact(&'static str),
    /// The domain and any host under it (`doku.com`, `app.doku.com`; never `evil-doku.com`).
    Domain(&'static str),
}

impl PageHost {
    fn matches(self, host: &str) -> bool {
        match self {
            PageHost::Exact(name) => host == name,
            PageHost::Domain(domain) => {
                host == domain || host.strip_suffix(domain).is_some_and(|rest| rest.ends_with('.'))
            }
        }
    }

    fn describe(self) -> String {
        match self {
            PageHost::Exact(name) => name.to_owned(),
            PageHost::Domain(domain) => format!("{domain} and its subdomains"),
        }
    }
}

/// The documented page hosts of `product` in `environment` (https only). The built-in
/// environment has none: only the simulator's own address.
pub fn page_hosts(product: Product, environment: Environment) -> &'static [PageHost] {
    use PageHost::{Domain, Exact};
    match (environment, product) {
        (Environment::BuiltInSandbox, _)
        | (_, Product::DokuJokulOvoPush)
        | (_, Product::TazapayOvoIdr) => &[],
        (Environment::ProviderSandbox, Product::DokuSnapOvo) => &[Exact("sandbox.doku.com")],
        (Environment::Production, Product::DokuSnapOvo) => &[Domain("doku.com")],
        (Environment::ProviderSandbox, Product::FaspayOvoTokenize) => &[
            Exact("webview.byte-stack.net"),
            Exact("debit-sandbox.faspay.co.id"),
            Exact("dev.faspay.co.id"),
        ],
        (Environment::Production, Product::FaspayOvoTokenize) => {
            &[Domain("ovo.id"), Domain("faspay.co.id")]
        }
        (Environment::ProviderSandbox, Product::OvoSnap) => {
            &[Exact("webview.byte-stack.net"), Exact("app.byte-stack.net")]
        }
        (Environment::Production, Product::OvoSnap) => &[Domain("ovo.id")],
    }
}

/// Why a URL is not opened. `scheme` and `host` are what the URL named (empty when it could not
/// be read), never the rest of it: a page URL can carry tokens.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct PageRefusal {
    /// `page_url_invalid`, `page_url_scheme_refused`, `page_url_userinfo_refused`,
    /// `page_url_https_required` or `page_url_host_not_allowed`.
    pub reason: &'static str,
    pub message: String,
    pub scheme: String,
    pub host: String,
}

/// Checks that `url` is a page of `product` in `environment`: https on one of the product's
/// page hosts (default port), or on the origin (scheme, host and port) of one of the
/// `configured` addresses (the product's host setting, links in the admin's own texts); a
/// configured http origin counts only where it is a loopback address, as the built-in
/// simulator's is. No user name or password in the URL.
pub fn check_page_url(
    product: Product,
    environment: Environment,
    configured: &[&str],
    url: &str,
) -> Result<String, PageRefusal> {
    let hosts = page_hosts(product, environment);
    let mut configured: Vec<Url> = configured
        .iter()
        .filter_map(|c| Url::parse(c).ok())
        .filter(|c| c.scheme() == "https" || (c.scheme() == "http" && is_loopback(c)))
        .filter(|c| c.username().is_empty() && c.password().is_none())
        .collect();
    configured.dedup_by(|a, b| a.origin() == b.origin());
    let accepted = accepted_words(product, environment, hosts, &configured);
    let refuse = |reason: &'static str, what: String, scheme: &str, host: &str| PageRefusal {
        reason,
        message: format!("{what}; {accepted}"),
        scheme: scheme.to_owned(),
        host: host.to_owned(),
    };
    let parsed = if url.chars().any(|c| c.is_whitespace() || c.is_control()) {
        None
    } else {
        Url::parse(url).ok()
    };
    let Some(parsed) = parsed else {
        return Err(refuse(
            "page_url_invalid",
            "the page address is not a web address".into(),
            "",
            "",
        ));
    };
    let scheme = parsed.scheme();
    let host = parsed.host_str().unwrap_or("");
    if !matches!(scheme, "https" | "http") || host.is_empty() {
        return Err(refuse(
            "page_url_scheme_refused",
            format!("a {scheme}: address is not a web page"),
            scheme,
            host,
        ));
    }
    if !parsed.username().is_empty() || parsed.password().is_some() {
        return Err(refuse(
            "page_url_userinfo_refused",
            format!("the page address for {host} carries a user name or password"),
            scheme,
            host,
        ));
    }
    if configured.iter().any(|c| c.origin() == parsed.origin()) {
        return Ok(parsed.into());
    }
    if scheme != "https" {
        return Err(refuse(
            "page_url_https_required",
            format!("the page address for {host} is not https://"),
            scheme,
            host,
        ));
    }
    if parsed.port().is_some() || !hosts.iter().any(|h| h.matches(host)) {
        return Err(refuse(
            "page_url_host_not_allowed",
            format!("{host} is not a page host of {}", product.display_name()),
            scheme,
            host,
        ));
    }
    Ok(parsed.into())
}

fn accepted_words(
    product: Product,
    environment: Environment,
    hosts: &[PageHost],
    configured: &[Url],
) -> String {
    let mut accepted: Vec<String> =
        hosts.iter().map(|h| format!("https://{}", h.describe())).collect();
    accepted.extend(configured.iter().map(|c| c.origin().ascii_serialization()));
    if accepted.is_empty() {
        return format!(
            "{} opens no web page in the {} environment",
            product.display_name(),
            environment.key()
        );
    }
    format!(
        "{} pages open only from {} in the {} environment",
        product.display_name(),
        accepted.join(", "),
        environment.key()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reason(
        product: Product,
        environment: Environment,
        configured: &str,
        url: &str,
    ) -> &'static str {
        match check_page_url(product, environment, &[configured], url) {
            Ok(_) => "ok",
            Err(refusal) => refusal.reason,
        }
    }

    #[test]
    fn only_the_products_hosts_over_https_pass() {
        use Environment::{BuiltInSandbox, Production, ProviderSandbox};
        use Product::{DokuJokulOvoPush, DokuSnapOvo, FaspayOvoTokenize, OvoSnap};
        let doku = "https://api.doku.com";
        let cases = [
            (DokuSnapOvo, Production, doku, "https://app.doku.com/direct-debit/ui/x", "ok"),
            (DokuSnapOvo, Production, doku, "https://doku.com/x", "ok"),
            (DokuSnapOvo, Production, doku, "https://api.doku.com:443/x", "ok"),
            (DokuSnapOvo, Production, doku, "https://evil-doku.com/x", "page_url_host_not_allowed"),
            (
                DokuSnapOvo,
                Production,
                doku,
                "https://doku.com.evil.example/",
                "page_url_host_not_allowed",
            ),
            (
                DokuSnapOvo,
                Production,
                doku,
                "https://app.doku.com:8443/",
                "page_url_host_not_allowed",
            ),
            (DokuSnapOvo, Production, doku, "http://app.doku.com/x", "page_url_https_required"),
            (
                DokuSnapOvo,
                Production,
                doku,
                "https://app.doku.com@evil.example/",
                "page_url_userinfo_refused",
            ),
            (DokuSnapOvo, Production, doku, "javascript:alert(1)", "page_url_scheme_refused"),
            (DokuSnapOvo, Production, doku, "file://host/share", "page_url_scheme_refused"),
            (DokuSnapOvo, Production, doku, "\\\\host\\share", "page_url_invalid"),
            (
                DokuSnapOvo,
                ProviderSandbox,
                "https://api-sandbox.doku.com",
                "https://sandbox.doku.com/p",
                "ok",
            ),
            (
                DokuSnapOvo,
                ProviderSandbox,
                "https://api-sandbox.doku.com",
                "https://app.doku.com/p",
                "page_url_host_not_allowed",
            ),
            (
                OvoSnap,
                ProviderSandbox,
                "https://app.byte-stack.net",
                "https://webview.byte-stack.net/cellblockui/x",
                "ok",
            ),
            (OvoSnap, Production, "https://apigw.ovo.id", "https://webview.ovo.id/x", "ok"),
            (
                FaspayOvoTokenize,
                Production,
                "https://debit.faspay.co.id",
                "https://web.faspay.co.id/x",
                "ok",
            ),
            (
                DokuJokulOvoPush,
                Production,
                doku,
                "https://app.doku.com/x",
                "page_url_host_not_allowed",
            ),
            // The admin's host, and a simulator on this machine.
            (
                OvoSnap,
                ProviderSandbox,
                "http://127.0.0.1:7700",
                "http://127.0.0.1:7700/_sandbox/customer/1",
                "ok",
            ),
            (
                OvoSnap,
                ProviderSandbox,
                "http://127.0.0.1:7700",
                "http://127.0.0.1:7701/x",
                "page_url_https_required",
            ),
            (
                DokuSnapOvo,
                BuiltInSandbox,
                "http://127.0.0.1:7700",
                "http://127.0.0.1:7700/_sandbox/customer/1",
                "ok",
            ),
            (
                DokuSnapOvo,
                BuiltInSandbox,
                "http://127.0.0.1:7700",
                "http://localhost:7700/x",
                "page_url_https_required",
            ),
            (
                DokuSnapOvo,
                BuiltInSandbox,
                "http://127.0.0.1:7700",
                "https://sandbox.doku.com/x",
                "page_url_host_not_allowed",
            ),
            // A configured http host that is not loopback is no page host.
            (
                DokuSnapOvo,
                ProviderSandbox,
                "http://pages.example",
                "http://pages.example/x",
                "page_url_https_required",
            ),
        ];
        for (product, environment, configured, url, expected) in cases {
            assert_eq!(
                reason(product, environment, configured, url),
                expected,
                "{url} {environment:?}"
            );
        }
    }

    #[test]
    fn a_refusal_names_scheme_host_and_what_is_accepted_but_not_the_path() {
        let refusal = check_page_url(
            Product::DokuSnapOvo,
            Environment::Production,
            &["https://api.doku.com"],
            "https://evil.example/pay?token=secret",
        )
        .unwrap_err();
        assert_eq!((refusal.scheme.as_str(), refusal.host.as_str()), ("https", "evil.example"));
        assert!(!refusal.message.contains("secret"), "{}", refusal.message);
        assert!(
            refusal.message.contains("https://doku.com and its subdomains, https://api.doku.com"),
            "{}",
            refusal.message
        );
    }
}
