//! Provider settings' IPC types: per environment and product, each setting with its
//! documented default and what it accepts.

use std::collections::BTreeMap;

use ovo_domain::{Environment, Product};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ProviderSettingView {
    pub key: String,
    /// `host`, `url`, `path_or_url`, `text`, `alphanumeric`, `token`, `version`, `choice` or
    /// `instructions`.
    pub kind: String,
    /// The value in force; empty when not set.
    pub value: String,
    /// The documented value; null where there is none.
    pub default_value: Option<String>,
    /// An admin's value replaces the documented one.
    pub overridden: bool,
    pub required: bool,
    /// Rarely changed (shown folded).
    pub advanced: bool,
    /// For `choice`: the values the specification allows.
    pub choices: Vec<i64>,
    /// The longest value accepted, where there is a limit.
    pub max_chars: Option<u32>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ProductProviderSettings {
    #[ts(type = "EnvironmentKey")]
    pub environment: Environment,
    #[ts(type = "ProductKey")]
    pub product: Product,
    pub product_name: String,
    pub settings: Vec<ProviderSettingView>,
    /// Keys of required settings that have no value yet: no client can be built until set.
    pub missing: Vec<String>,
}

/// Values by setting key. An empty value returns the setting to its documented value; a
/// key left out keeps its current value.
#[derive(Debug, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct SaveProviderSettingsInput {
    #[ts(type = "EnvironmentKey")]
    pub environment: String,
    #[ts(type = "ProductKey")]
    pub product: String,
    #[ts(type = "Record<string, string>")]
    pub values: BTreeMap<String, String>,
}

/// Which top-up instructions to show; `language` picks the configured text's language
/// (`id` or `en`; default: the app's language).
#[derive(Debug, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct TopUpInput {
    pub account_id: i64,
    #[serde(default)]
    #[ts(type = "LanguageKey | null")]
    pub language: Option<String>,
}
