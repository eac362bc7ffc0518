//! Per-merchant provider settings, as data: which settings each product has, their documented
//! defaults per environment and what each accepts. The app stores an admin's overrides; a
//! client is built from the resolved values (`ProductSettings`), which are checked again there.
//!
//! Sources: every product's host (README §1, `environment.rs`); DOKU SNAP `X-DEVICE-ID`
//! (doku-snap-ovo.md §3); Faspay merchant name, `faspay.amount_scale` and the per-operation
//! URLs (faspay-ovo-tokenize.md §3, §5.3); OVO SNAP version segments (HD 5), `X-DEVICE-ID`,
//! `CHANNEL-ID` and the top-up text (ovo-snap.md §2, §3, §11); Tazapay `webhook_url` (§6).

use std::collections::BTreeMap;
use std::net::IpAddr;

use ovo_domain::{Environment, Product};
use reqwest::Url;

use crate::environment::BaseUrls;
use crate::model::TopUpOption;
use crate::products::doku_snap::DokuSnapOptions;
use crate::products::faspay::{FaspayOptions, FaspayUrls};
use crate::products::jokul_push::JokulOptions;
use crate::products::ovo_snap::OvoSnapOptions;
use crate::products::tazapay::TazapayOptions;

/// What a setting accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SettingKind {
    /// Scheme, host and optional port (`https://api.doku.com`).
    Host,
    /// An absolute URL (a webhook address).
    Url,
    /// A path under the host (`/cvr/100037/10`) or an absolute URL.
    PathOrUrl,
    /// One line of text.
    Text { max_chars: usize },
    /// Letters and digits only.
    Alphanumeric { max_chars: usize },
    /// Printable characters without spaces (a header value).
    Token { max_chars: usize },
    /// An API version segment: `v` digits `.` digits.
    Version,
    /// One of these numbers.
    Choice(&'static [i64]),
    /// Several lines: blocks split by a blank line; a block's first line is its title, an
    /// `https://` line its link, the other lines its steps.
    Instructions { max_chars: usize },
}

impl SettingKind {
    pub fn key(self) -> &'static str {
        match self {
            SettingKind::Host => "host",
            SettingKind::Url => "url",
            SettingKind::PathOrUrl => "path_or_url",
            SettingKind::Text { .. } => "text",
            SettingKind::Alphanumeric { .. } => "alphanumeric",
            SettingKind::Token { .. } => "token",
            SettingKind::Version => "version",
            SettingKind::Choice(_) => "choice",
            SettingKind::Instructions { .. } => "instructions",
        }
    }

    /// The longest value accepted, where there is a limit.
    pub fn max_chars(self) -> Option<usize> {
        match self {
            SettingKind::Text { max_chars }
            | SettingKind::Alphanumeric { max_chars }
            | SettingKind::Token { max_chars }
            | SettingKind::Instructions { max_chars } => Some(max_chars),
            _ => None,
        }
    }

    pub fn choices(self) -> &'static [i64] {
        match self {
            SettingKind::Choice(allowed) => allowed,
            _ => &[],
        }
    }
}

/// One setting of one product.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SettingSpec {
    pub product: Product,
    pub key: &'static str,
    pub kind: SettingKind,
    /// A client cannot be built while it has no value.
    pub required: bool,
    /// Rarely changed (shown folded).
    pub advanced: bool,
}

/// The amount scales faspay-ovo-tokenize.md §5.3 allows: ×1 or ×100 (the default).
pub const FASPAY_AMOUNT_SCALES: &[i64] = &[1, 100];
/// One line of configured text.
const TEXT_MAX: usize = 100;
const HEADER_MAX: usize = 64;
/// Top-up instructions, per language.
pub const INSTRUCTIONS_MAX: usize = 4000;

const fn spec(
    product: Product,
    key: &'static str,
    kind: SettingKind,
    required: bool,
    advanced: bool,
) -> SettingSpec {
    SettingSpec { product, key, kind, required, advanced }
}

use Product::{DokuJokulOvoPush, DokuSnapOvo, FaspayOvoTokenize, OvoSnap, TazapayOvoIdr};
use SettingKind::*;

const SPECS: &[SettingSpec] = &[
    spec(DokuSnapOvo, "host", Host, true, false),
    spec(DokuSnapOvo, "device_id", Alphanumeric { max_chars: HEADER_MAX }, false, false),
    spec(DokuJokulOvoPush, "host", Host, true, false),
    spec(TazapayOvoIdr, "host", Host, true, false),
    spec(TazapayOvoIdr, "webhook_url", Url, false, false),
    spec(FaspayOvoTokenize, "host", Host, true, false),
    spec(FaspayOvoTokenize, "merchant_name", Text { max_chars: TEXT_MAX }, true, false),
    spec(FaspayOvoTokenize, "amount_scale", Choice(FASPAY_AMOUNT_SCALES), true, false),
    spec(FaspayOvoTokenize, "url_activation", PathOrUrl, true, true),
    spec(FaspayOvoTokenize, "url_payment", PathOrUrl, true, true),
    spec(FaspayOvoTokenize, "url_topup", PathOrUrl, true, true),
    spec(FaspayOvoTokenize, "url_balance", PathOrUrl, true, true),
    spec(FaspayOvoTokenize, "url_history", PathOrUrl, true, true),
    spec(FaspayOvoTokenize, "url_unlink", PathOrUrl, true, true),
    spec(FaspayOvoTokenize, "url_status", PathOrUrl, true, true),
    spec(FaspayOvoTokenize, "url_cancel", PathOrUrl, true, true),
    spec(OvoSnap, "host", Host, true, false),
    spec(OvoSnap, "version", Version, true, false),
    spec(OvoSnap, "b2b_token_version", Version, true, false),
    spec(OvoSnap, "device_id", Token { max_chars: HEADER_MAX }, true, false),
    spec(OvoSnap, "channel_id", Token { max_chars: HEADER_MAX }, false, true),
    spec(OvoSnap, "top_up_text_id", Instructions { max_chars: INSTRUCTIONS_MAX }, false, false),
    spec(OvoSnap, "top_up_text_en", Instructions { max_chars: INSTRUCTIONS_MAX }, false, false),
];

/// The settings of `product`, in the order they are shown.
pub fn specs(product: Product) -> impl Iterator<Item = &'static SettingSpec> {
    SPECS.iter().filter(move |s| s.product == product)
}

pub fn find_spec(product: Product, key: &str) -> Option<&'static SettingSpec> {
    specs(product).find(|s| s.key == key)
}

/// The setting keys holding a product's top-up instructions per language (Indonesian,
/// English), where the instructions are the merchant's configured text (ovo-snap.md §11).
pub fn top_up_text_keys(product: Product) -> Option<(&'static str, &'static str)> {
    (product == OvoSnap).then_some(("top_up_text_id", "top_up_text_en"))
}

impl SettingSpec {
    /// The documented value in `environment`; `None` where there is none (Faspay's production
    /// host, the merchant name, the optional settings). The built-in environment's host is the
    /// in-process simulator's, which only the app knows.
    pub fn default_value(&self, environment: Environment) -> Option<String> {
        let faspay = FaspayUrls::default();
        let value = match self.key {
            "host" if environment == Environment::BuiltInSandbox => String::new(),
            "host" => BaseUrls::for_environment(environment, "").get(self.product).to_owned(),
            "amount_scale" => FaspayOptions::new("").amount_scale.to_string(),
            "url_activation" => faspay.activation,
            "url_payment" => faspay.payment,
            "url_topup" => faspay.topup,
            "url_balance" => faspay.balance,
            "url_history" => faspay.history,
            "url_unlink" => faspay.unlink,
            "url_status" => faspay.status,
            "url_cancel" => faspay.cancel,
            "version" => OvoSnapOptions::default().version,
            "b2b_token_version" => OvoSnapOptions::default().b2b_token_version,
            "device_id" if self.product == OvoSnap => OvoSnapOptions::default().device_id,
            _ => String::new(),
        };
        (!value.is_empty()).then_some(value)
    }
}

/// A value a setting does not accept, or a setting missing; `reason` is a stable key.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct SettingError {
    pub product: Product,
    pub key: String,
    pub reason: &'static str,
    pub message: String,
}

fn error(spec: &SettingSpec, reason: &'static str, message: String) -> SettingError {
    SettingError { product: spec.product, key: spec.key.to_owned(), reason, message }
}

fn label(spec: &SettingSpec) -> String {
    format!("{} {}", spec.product.display_name(), spec.key.replace('_', " "))
}

/// True where `http://` is refused: everywhere but the built-in environment, except that the
/// Provider sandbox environment may reach a loopback address (a simulator on this machine).
fn https_required(environment: Environment, url: &Url) -> bool {
    match environment {
        Environment::BuiltInSandbox => false,
        Environment::Production => true,
        Environment::ProviderSandbox => !is_loopback(url),
    }
}

pub(crate) fn is_loopback(url: &Url) -> bool {
    let host = url.host_str().unwrap_or("");
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    host.eq_ignore_ascii_case("localhost")
        || bare.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

/// Parses an absolute web URL and applies the environment's scheme rule.
fn web_url(
    spec: &SettingSpec,
    environment: Environment,
    value: &str,
    example: &str,
) -> Result<Url, SettingError> {
    let not_url = || {
        error(
            spec,
            "provider_setting_not_url",
            format!(
                "{} must be a web address such as {example}; {value:?} is not one",
                label(spec)
            ),
        )
    };
    if value.chars().any(char::is_whitespace) {
        return Err(not_url());
    }
    let url = Url::parse(value).map_err(|_| not_url())?;
    if !matches!(url.scheme(), "http" | "https")
        || url.host_str().is_none_or(str::is_empty)
        || !url.username().is_empty()
        || url.password().is_some()
        || url.fragment().is_some()
    {
        return Err(not_url());
    }
    if url.scheme() == "http" && https_required(environment, &url) {
        let accepted = match environment {
            Environment::Production => "Production accepts only https:// addresses",
            _ => "this environment accepts only https:// addresses (http:// only on this machine's loopback address)",
        };
        return Err(error(
            spec,
            "provider_setting_https_required",
            format!("{} is {value:?}: {accepted}", label(spec)),
        ));
    }
    Ok(url)
}

/// Checks one value and returns it normalised (trimmed; a host without its trailing slash;
/// line ends of instructions as `\n`). An empty value means "not set" and is checked by
/// `ProductSettings::ready`, not here.
pub fn check_value(
    environment: Environment,
    spec: &SettingSpec,
    raw: &str,
) -> Result<String, SettingError> {
    let value = raw.trim();
    if value.is_empty() {
        return Ok(String::new());
    }
    match spec.kind {
        Host => {
            let example =
                BaseUrls::for_environment(Environment::Production, "").get(spec.product).to_owned();
            let example =
                if example.is_empty() { "https://web.faspay.co.id".to_owned() } else { example };
            let url = web_url(spec, environment, value, &example)?;
            if url.path() != "/" || url.query().is_some() {
                return Err(error(
                    spec,
                    "provider_setting_host_has_path",
                    format!("{} is a scheme and host with an optional port, such as {example}, without a path or query", label(spec)),
                ));
            }
            Ok(value.trim_end_matches('/').to_owned())
        }
        Url => {
            web_url(spec, environment, value, "https://merchant.example/webhooks/tazapay")?;
            Ok(value.to_owned())
        }
        PathOrUrl => {
            if value.starts_with('/') {
                if value.starts_with("//")
                    || value
                        .chars()
                        .any(|c| c.is_whitespace() || c.is_control() || c == '?' || c == '#')
                {
                    return Err(error(
                        spec,
                        "provider_setting_path_invalid",
                        format!("{} must be a path such as /cvr/100037/10 (no spaces, query or fragment) or a full web address", label(spec)),
                    ));
                }
                Ok(value.to_owned())
            } else {
                web_url(
                    spec,
                    environment,
                    value,
                    "/cvr/100037/10 or https://web.faspay.co.id/cvr/100037/10",
                )?;
                Ok(value.to_owned())
            }
        }
        Text { max_chars } | Alphanumeric { max_chars } | Token { max_chars } => {
            let (allowed, accepts): (fn(char) -> bool, &str) = match spec.kind {
                Alphanumeric { .. } => (
                    |c| c.is_ascii_alphanumeric(),
                    "accepts only the letters A–Z, a–z and the digits 0–9",
                ),
                Token { .. } => (
                    |c| c.is_ascii_graphic(),
                    "accepts only printable ASCII characters without spaces",
                ),
                _ => (|c| !c.is_control(), "is one line of text without control characters"),
            };
            if !value.chars().all(allowed) {
                return Err(error(
                    spec,
                    "provider_setting_invalid_characters",
                    format!("{} {accepts}", label(spec)),
                ));
            }
            too_long(spec, value, max_chars)?;
            Ok(value.to_owned())
        }
        Version => {
            let valid = value.strip_prefix('v').and_then(|rest| rest.split_once('.')).is_some_and(
                |(major, minor)| {
                    [major, minor].iter().all(|part| {
                        !part.is_empty()
                            && part.len() <= 3
                            && part.chars().all(|c| c.is_ascii_digit())
                    })
                },
            );
            if !valid {
                return Err(error(
                    spec,
                    "provider_setting_version_invalid",
                    format!("{} is a version segment such as v2.0 (a v, digits, a dot, digits); {value:?} is not one", label(spec)),
                ));
            }
            Ok(value.to_owned())
        }
        Choice(allowed) => {
            let accepted: Vec<String> = allowed.iter().map(i64::to_string).collect();
            match value.parse::<i64>() {
                Ok(n) if allowed.contains(&n) => Ok(n.to_string()),
                _ => Err(error(
                    spec,
                    "provider_setting_choice_not_allowed",
                    format!("{} must be one of {}; {value:?} is not allowed by the provider's specification", label(spec), accepted.join(", ")),
                )),
            }
        }
        Instructions { max_chars } => {
            let text: String = value.replace("\r\n", "\n").replace('\r', "\n");
            if text.chars().any(|c| c.is_control() && c != '\n' && c != '\t') {
                return Err(error(
                    spec,
                    "provider_setting_invalid_characters",
                    format!("{} is text without control characters", label(spec)),
                ));
            }
            too_long(spec, &text, max_chars)?;
            for line in text.lines().map(str::trim) {
                if line.starts_with("http://") || line.starts_with("https://") {
                    // Links are opened in the operator's browser: https only, in every environment.
                    let url = web_url(spec, Environment::Production, line, "https://www.ovo.id/")?;
                    if url.scheme() != "https" {
                        return Err(error(
                            spec,
                            "provider_setting_https_required",
                            format!("{}: links must start with https://", label(spec)),
                        ));
                    }
                }
            }
            Ok(text.lines().map(str::trim_end).collect::<Vec<_>>().join("\n"))
        }
    }
}

fn too_long(spec: &SettingSpec, value: &str, max_chars: usize) -> Result<(), SettingError> {
    if value.chars().count() > max_chars {
        return Err(error(
            spec,
            "provider_setting_too_long",
            format!("{} is at most {max_chars} characters", label(spec)),
        ));
    }
    Ok(())
}

/// Top-up options from configured instructions (see `SettingKind::Instructions`). A leading
/// list marker (`1.`, `-`, `•`) on a step is dropped: the steps are shown numbered.
pub fn top_up_options(text: &str) -> Vec<TopUpOption> {
    let mut options = Vec::new();
    for block in text.replace("\r\n", "\n").split("\n\n") {
        let mut lines = block.lines().map(str::trim).filter(|l| !l.is_empty());
        let Some(title) = lines.next() else { continue };
        let mut option =
            TopUpOption { title: title.to_owned(), steps: Vec::new(), icon_url: None, link: None };
        for line in lines {
            if line.starts_with("https://") && !line.contains(char::is_whitespace) {
                option.link.get_or_insert_with(|| line.to_owned());
            } else {
                option.steps.push(strip_marker(line).to_owned());
            }
        }
        options.push(option);
    }
    options
}

fn strip_marker(line: &str) -> &str {
    let digits = line.chars().take_while(char::is_ascii_digit).count();
    if digits > 0 {
        let rest = &line[digits..];
        if let Some(rest) = rest.strip_prefix(['.', ')']) {
            if rest.starts_with(' ') {
                return rest.trim_start();
            }
        }
        return line;
    }
    for marker in ["- ", "* ", "• "] {
        if let Some(rest) = line.strip_prefix(marker) {
            return rest.trim_start();
        }
    }
    line
}

/// The settings of one product in one environment: the documented values with an admin's
/// overrides applied, each checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProductSettings {
    environment: Environment,
    product: Product,
    values: BTreeMap<&'static str, String>,
}

impl ProductSettings {
    pub fn documented(environment: Environment, product: Product) -> ProductSettings {
        let values = specs(product)
            .map(|s| (s.key, s.default_value(environment).unwrap_or_default()))
            .collect();
        ProductSettings { environment, product, values }
    }

    /// The documented values with `overrides` applied; an empty override keeps the documented
    /// value. Every override is checked; an unknown key is refused.
    pub fn resolve(
        environment: Environment,
        product: Product,
        overrides: &BTreeMap<String, String>,
    ) -> Result<ProductSettings, SettingError> {
        let mut settings = ProductSettings::documented(environment, product);
        for (key, raw) in overrides {
            let spec = find_spec(product, key).ok_or_else(|| {
                let known: Vec<&str> = specs(product).map(|s| s.key).collect();
                SettingError {
                    product,
                    key: key.clone(),
                    reason: "provider_setting_unknown",
                    message: format!(
                        "{} has no setting {key:?}; its settings are {}",
                        product.display_name(),
                        known.join(", ")
                    ),
                }
            })?;
            let value = check_value(environment, spec, raw)?;
            if !value.is_empty() {
                settings.values.insert(spec.key, value);
            }
        }
        Ok(settings)
    }

    pub fn environment(&self) -> Environment {
        self.environment
    }

    pub fn product(&self) -> Product {
        self.product
    }

    /// The value of `key`; empty when not set.
    pub fn value(&self, key: &str) -> &str {
        self.values.get(key).map(String::as_str).unwrap_or("")
    }

    /// `key` set to `value`, checked (the built-in environment's simulator host, its demo
    /// merchant's name).
    pub fn with_value(mut self, key: &str, value: &str) -> Result<ProductSettings, SettingError> {
        let spec = find_spec(self.product, key).ok_or_else(|| SettingError {
            product: self.product,
            key: key.to_owned(),
            reason: "provider_setting_unknown",
            message: format!("{} has no setting {key:?}", self.product.display_name()),
        })?;
        let value = check_value(self.environment, spec, value)?;
        self.values.insert(spec.key, value);
        Ok(self)
    }

    /// The host, unchecked (a test's view of what a tampered ledger could hold).
    #[cfg(test)]
    fn with_host(mut self, host: &str) -> ProductSettings {
        self.values.insert("host", host.to_owned());
        self
    }

    /// The value of every setting, in order (for display and audit).
    pub fn entries(&self) -> Vec<(&'static str, String)> {
        specs(self.product).map(|s| (s.key, self.value(s.key).to_owned())).collect()
    }

    /// Every value checked again (a stored value may predate a rule) and every required one
    /// present: what a client is built from.
    pub fn ready(&self) -> Result<(), SettingError> {
        for spec in specs(self.product) {
            let value = self.value(spec.key);
            if value.is_empty() {
                if spec.required {
                    return Err(error(
                        spec,
                        "provider_setting_required",
                        format!(
                            "{} is not set for {}: enter it under Settings → Provider settings",
                            label(spec),
                            self.environment.key()
                        ),
                    ));
                }
                continue;
            }
            check_value(self.environment, spec, value)?;
        }
        Ok(())
    }

    pub fn host(&self) -> &str {
        self.value("host")
    }

    fn optional(&self, key: &str) -> Option<String> {
        Some(self.value(key).to_owned()).filter(|v| !v.is_empty())
    }

    pub fn doku_snap_options(&self) -> DokuSnapOptions {
        DokuSnapOptions { device_id: self.optional("device_id"), ..DokuSnapOptions::default() }
    }

    pub fn jokul_options(&self) -> JokulOptions {
        JokulOptions::default()
    }

    pub fn tazapay_options(&self) -> TazapayOptions {
        TazapayOptions { webhook_url: self.optional("webhook_url"), ..TazapayOptions::default() }
    }

    pub fn faspay_options(&self) -> FaspayOptions {
        let mut options = FaspayOptions::new(self.value("merchant_name"));
        if let Ok(scale) = self.value("amount_scale").parse() {
            options.amount_scale = scale;
        }
        let urls = &mut options.urls;
        for (key, slot) in [
            ("url_activation", &mut urls.activation),
            ("url_payment", &mut urls.payment),
            ("url_topup", &mut urls.topup),
            ("url_balance", &mut urls.balance),
            ("url_history", &mut urls.history),
            ("url_unlink", &mut urls.unlink),
            ("url_status", &mut urls.status),
            ("url_cancel", &mut urls.cancel),
        ] {
            if let Some(value) = self.optional(key) {
                *slot = value;
            }
        }
        options
    }

    pub fn ovo_snap_options(&self) -> OvoSnapOptions {
        let defaults = OvoSnapOptions::default();
        OvoSnapOptions {
            version: self.optional("version").unwrap_or(defaults.version.clone()),
            b2b_token_version: self
                .optional("b2b_token_version")
                .unwrap_or(defaults.b2b_token_version.clone()),
            device_id: self.optional("device_id").unwrap_or(defaults.device_id.clone()),
            channel_id: self.optional("channel_id"),
            ..defaults
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn overrides(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect()
    }

    #[test]
    fn documented_defaults_flow_into_the_options() {
        let faspay = ProductSettings::documented(Environment::ProviderSandbox, FaspayOvoTokenize);
        assert_eq!(faspay.host(), "https://debit-sandbox.faspay.co.id");
        assert_eq!(faspay.value("amount_scale"), "100");
        assert_eq!(faspay.value("url_status"), "/cvr/100004/10");
        assert_eq!(
            faspay.ready().unwrap_err().reason,
            "provider_setting_required",
            "merchant name has no default"
        );
        let prod = ProductSettings::documented(Environment::Production, FaspayOvoTokenize);
        assert_eq!(
            prod.ready().unwrap_err().key,
            "host",
            "Faspay production host must be configured"
        );
        let ovo = ProductSettings::documented(Environment::Production, OvoSnap);
        ovo.ready().unwrap();
        assert_eq!(ovo.host(), "https://apigw.ovo.id");
        let options = ovo.ovo_snap_options();
        assert_eq!(
            (options.version.as_str(), options.b2b_token_version.as_str()),
            ("v2.0", "v1.0")
        );
        assert_eq!(options.channel_id, None);
        assert_eq!(
            ProductSettings::documented(Environment::Production, TazapayOvoIdr)
                .tazapay_options()
                .webhook_url,
            None
        );
    }

    #[test]
    fn overrides_reach_each_products_options() {
        let resolved = |environment, product, pairs: &[(&str, &str)]| {
            ProductSettings::resolve(environment, product, &overrides(pairs)).unwrap()
        };
        use Environment::{Production, ProviderSandbox};
        let faspay = resolved(
            Production,
            FaspayOvoTokenize,
            &[
                ("host", "https://web.faspay.co.id/"),
                ("merchant_name", " Toko Maju "),
                ("amount_scale", "1"),
                ("url_payment", "/cvr/300011/10"),
            ],
        );
        faspay.ready().unwrap();
        assert_eq!(faspay.host(), "https://web.faspay.co.id");
        let options = faspay.faspay_options();
        assert_eq!((options.merchant_name.as_str(), options.amount_scale), ("Toko Maju", 1));
        assert_eq!(options.urls.payment, "/cvr/300011/10");
        assert_eq!(options.urls.activation, "/cvr/100037/10");
        let ovo = resolved(Production, OvoSnap, &[("version", "v3.0"), ("channel_id", "95221")]);
        assert_eq!(ovo.ovo_snap_options().version, "v3.0");
        assert_eq!(ovo.ovo_snap_options().channel_id.as_deref(), Some("95221"));
        let taza =
            resolved(Production, TazapayOvoIdr, &[("webhook_url", "https://shop.example/tz")]);
        assert_eq!(taza.tazapay_options().webhook_url.as_deref(), Some("https://shop.example/tz"));
        let doku = resolved(ProviderSandbox, DokuSnapOvo, &[("device_id", "TERM01")]);
        assert_eq!(doku.doku_snap_options().device_id.as_deref(), Some("TERM01"));
        let blank = resolved(Production, OvoSnap, &[("version", "  ")]);
        assert_eq!(blank.value("version"), "v2.0", "blank keeps the documented value");
    }

    #[test]
    fn bad_values_are_refused_with_their_reason() {
        let reason = |env, product, key: &str, value: &str| {
            ProductSettings::resolve(env, product, &overrides(&[(key, value)]))
                .map(|_| ())
                .unwrap_err()
                .reason
        };
        use Environment::{BuiltInSandbox, Production, ProviderSandbox};
        assert_eq!(reason(Production, OvoSnap, "host", "apigw.ovo.id"), "provider_setting_not_url");
        assert_eq!(
            reason(Production, OvoSnap, "host", "ftp://apigw.ovo.id"),
            "provider_setting_not_url"
        );
        assert_eq!(reason(Production, OvoSnap, "host", "https://a b"), "provider_setting_not_url");
        assert_eq!(
            reason(Production, OvoSnap, "host", "http://apigw.ovo.id"),
            "provider_setting_https_required"
        );
        assert_eq!(
            reason(Production, OvoSnap, "host", "http://127.0.0.1:7700"),
            "provider_setting_https_required"
        );
        assert_eq!(
            reason(ProviderSandbox, OvoSnap, "host", "http://app.byte-stack.net"),
            "provider_setting_https_required"
        );
        assert!(ProductSettings::resolve(
            ProviderSandbox,
            OvoSnap,
            &overrides(&[("host", "http://127.0.0.1:7700")])
        )
        .is_ok());
        assert!(ProductSettings::resolve(
            ProviderSandbox,
            OvoSnap,
            &overrides(&[("host", "http://localhost:7700")])
        )
        .is_ok());
        assert!(ProductSettings::resolve(
            BuiltInSandbox,
            OvoSnap,
            &overrides(&[("host", "http://sim.local:7700")])
        )
        .is_ok());
        assert_eq!(
            reason(Production, OvoSnap, "host", "https://apigw.ovo.id/api?x=1"),
            "provider_setting_host_has_path"
        );
        assert_eq!(
            reason(Production, FaspayOvoTokenize, "amount_scale", "10"),
            "provider_setting_choice_not_allowed"
        );
        assert_eq!(
            reason(Production, FaspayOvoTokenize, "amount_scale", "x100"),
            "provider_setting_choice_not_allowed"
        );
        assert_eq!(
            reason(Production, FaspayOvoTokenize, "merchant_name", &"x".repeat(101)),
            "provider_setting_too_long"
        );
        assert_eq!(
            reason(Production, FaspayOvoTokenize, "url_payment", "/cvr/1?x=2"),
            "provider_setting_path_invalid"
        );
        assert_eq!(
            reason(Production, FaspayOvoTokenize, "url_payment", "http://web.faspay.co.id/cvr"),
            "provider_setting_https_required"
        );
        assert_eq!(
            reason(Production, OvoSnap, "version", "2.0"),
            "provider_setting_version_invalid"
        );
        assert_eq!(
            reason(Production, OvoSnap, "version", "v2"),
            "provider_setting_version_invalid"
        );
        assert_eq!(
            reason(Production, OvoSnap, "channel_id", "a b"),
            "provider_setting_invalid_characters"
        );
        assert_eq!(
            reason(Production, DokuSnapOvo, "device_id", "term-01"),
            "provider_setting_invalid_characters"
        );
        assert_eq!(
            reason(Production, TazapayOvoIdr, "webhook_url", "http://shop.example/tz"),
            "provider_setting_https_required"
        );
        assert_eq!(
            reason(Production, OvoSnap, "top_up_text_en", "ATM\nhttp://ovo.id/topup"),
            "provider_setting_https_required"
        );
        assert_eq!(
            reason(Production, DokuJokulOvoPush, "merchant_name", "x"),
            "provider_setting_unknown"
        );
        let message = ProductSettings::resolve(
            Production,
            FaspayOvoTokenize,
            &overrides(&[("amount_scale", "10")]),
        )
        .unwrap_err()
        .message;
        assert!(message.contains("1, 100"), "{message}");
    }

    #[test]
    fn a_stored_http_host_is_refused_when_a_production_client_is_built() {
        let tampered = ProductSettings::documented(Environment::Production, DokuSnapOvo)
            .with_host("http://api.doku.com");
        assert_eq!(tampered.ready().unwrap_err().reason, "provider_setting_https_required");
    }

    #[test]
    fn instructions_become_top_up_options() {
        let text = "ATM BCA\n1. Masukkan kartu ATM dan PIN\n2) Pilih Transfer\n\n\nAplikasi OVO\n- Buka OVO\nhttps://www.ovo.id/topup\n• Pilih Top Up\n";
        let options = top_up_options(text);
        assert_eq!(options.len(), 2);
        assert_eq!(options[0].title, "ATM BCA");
        assert_eq!(options[0].steps, ["Masukkan kartu ATM dan PIN", "Pilih Transfer"]);
        assert_eq!(options[1].steps, ["Buka OVO", "Pilih Top Up"]);
        assert_eq!(options[1].link.as_deref(), Some("https://www.ovo.id/topup"));
        assert!(top_up_options("  \n\n ").is_empty());
        assert_eq!(top_up_options("2024 promo")[0].title, "2024 promo");
    }

    #[test]
    fn every_product_has_a_required_host_and_defaults_pass_their_own_checks() {
        for product in Product::ALL {
            assert!(find_spec(product, "host").is_some_and(|s| s.required));
            for environment in [Environment::ProviderSandbox, Environment::Production] {
                for spec in specs(product) {
                    if let Some(value) = spec.default_value(environment) {
                        assert_eq!(
                            check_value(environment, spec, &value).unwrap(),
                            value,
                            "{product:?} {}",
                            spec.key
                        );
                    }
                }
            }
        }
    }
}
