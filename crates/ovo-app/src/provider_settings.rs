//! Provider settings per environment: every product's host and the per-merchant values the
//! specs name (which exist, their defaults and rules are `ovo_providers::settings`). An admin
//! overrides documented values in Provider sandbox and Production; the built-in environment's
//! are fixed (the in-process simulator). Also the top-up instructions that are configured
//! text rather than a provider call (OVO SNAP).

use std::collections::BTreeMap;

use ovo_domain::{Environment, Lang, Product};
use ovo_ledger::audit::AuditOutcome;
use ovo_ledger::settings;
use ovo_providers::settings::{self as provider_settings, SettingError};
use ovo_providers::ProductSettings;
use serde_json::json;

use crate::backoffice::Backoffice;
use crate::error::{AppError, AppResult};
use crate::ipc::*;
use crate::permissions::Permission;
use crate::validate;

/// The built-in environment's OVO SNAP top-up text, so the feature is visible there.
const DEMO_TOP_UP_ID: &str = "Aplikasi OVO
1. Buka aplikasi OVO, pilih Top Up.
2. Pilih Kartu Debit atau Transfer Bank.
3. Masukkan nominal, lalu ikuti petunjuk di layar.

ATM atau mobile banking
1. Pilih menu Transfer ke Virtual Account.
2. Masukkan kode OVO dari bank, lalu nomor HP pelanggan.
3. Cek nama pelanggan dan nominal, lalu konfirmasi.

Gerai mitra OVO
1. Sebutkan nomor HP OVO dan nominal isi saldo ke kasir.
2. Bayar tunai; saldo OVO Cash bertambah setelah kasir memproses.

Tentang petunjuk ini
Ini teks contoh sandbox bawaan. Di sandbox penyedia dan produksi, admin mengisinya di Pengaturan → Pengaturan penyedia.";

const DEMO_TOP_UP_EN: &str = "OVO app
1. Open the OVO app and choose Top Up.
2. Choose Debit Card or Bank Transfer.
3. Enter the amount, then follow the steps on screen.

ATM or mobile banking
1. Choose Transfer to Virtual Account.
2. Enter the bank's OVO code, then the customer's phone number.
3. Check the customer's name and the amount, then confirm.

OVO partner stores
1. Tell the cashier the OVO phone number and the top-up amount.
2. Pay in cash; OVO Cash grows once the cashier has processed it.

About these instructions
This is the built-in sandbox's example text. In Provider sandbox and Production an admin enters it under Settings → Provider settings.";

pub(crate) fn setting_error(e: SettingError) -> AppError {
    AppError::invalid(e.reason, e.message)
}

fn parse_product(key: &str) -> AppResult<Product> {
    crate::providers::parse_product(key.trim())
}

/// Provider sandbox or Production; the built-in environment's settings are fixed.
fn configurable(key: &str) -> AppResult<Environment> {
    let environment = validate::environment(key)?;
    if environment == Environment::BuiltInSandbox {
        return Err(AppError::invalid(
            "provider_settings_builtin",
            "the built-in environment runs the in-process simulator and its provider settings are fixed; \
             provider settings are for provider_sandbox and production",
        ));
    }
    Ok(environment)
}

fn view(
    settings: &ProductSettings,
    overrides: &BTreeMap<String, String>,
) -> ProductProviderSettings {
    let environment = settings.environment();
    let product = settings.product();
    let views: Vec<ProviderSettingView> = provider_settings::specs(product)
        .map(|spec| ProviderSettingView {
            key: spec.key.to_owned(),
            kind: spec.kind.key().to_owned(),
            value: settings.value(spec.key).to_owned(),
            default_value: spec.default_value(environment),
            overridden: overrides.contains_key(spec.key),
            required: spec.required,
            advanced: spec.advanced,
            choices: spec.kind.choices().to_vec(),
            max_chars: spec.kind.max_chars().and_then(|n| u32::try_from(n).ok()),
        })
        .collect();
    let missing =
        views.iter().filter(|v| v.required && v.value.is_empty()).map(|v| v.key.clone()).collect();
    ProductProviderSettings {
        environment,
        product,
        product_name: product.display_name().to_owned(),
        settings: views,
        missing,
    }
}

/// The stored overrides that still pass today's checks (a rule may have tightened since one was
/// saved), and the settings they give; a dropped one is logged and shows as its documented value.
fn resolve_stored(
    environment: Environment,
    product: Product,
    stored: BTreeMap<String, String>,
) -> (ProductSettings, BTreeMap<String, String>) {
    let valid: BTreeMap<String, String> = stored
        .into_iter()
        .filter(|(key, value)| {
            let ok = provider_settings::find_spec(product, key).is_some_and(|spec| {
                provider_settings::check_value(environment, spec, value).is_ok()
            });
            if !ok {
                tracing::warn!(
                    environment = environment.key(),
                    product = product.key(),
                    key,
                    "stored provider setting no longer accepted"
                );
            }
            ok
        })
        .collect();
    let settings = ProductSettings::resolve(environment, product, &valid)
        .unwrap_or_else(|_| ProductSettings::documented(environment, product));
    (settings, valid)
}

fn values_json(settings: &ProductSettings) -> serde_json::Value {
    settings
        .entries()
        .into_iter()
        .map(|(key, value)| (key.to_owned(), json!(value)))
        .collect::<serde_json::Map<_, _>>()
        .into()
}

/// Checks each value and sets it in `overrides`; an empty or documented value removes the
/// override.
fn apply_values(
    environment: Environment,
    product: Product,
    values: &BTreeMap<String, String>,
    overrides: &mut BTreeMap<String, String>,
) -> AppResult<()> {
    for (key, raw) in values {
        let spec = provider_settings::find_spec(product, key).ok_or_else(|| {
            let known: Vec<&str> = provider_settings::specs(product).map(|s| s.key).collect();
            AppError::invalid(
                "provider_setting_unknown",
                format!(
                    "{} has no setting {key:?}; its settings are {}",
                    product.display_name(),
                    known.join(", ")
                ),
            )
        })?;
        let value =
            provider_settings::check_value(environment, spec, raw).map_err(setting_error)?;
        if value.is_empty() || Some(&value) == spec.default_value(environment).as_ref() {
            overrides.remove(spec.key);
        } else {
            overrides.insert(spec.key.to_owned(), value);
        }
    }
    Ok(())
}

impl Backoffice {
    /// Every product's settings in `environment` (Provider sandbox or Production).
    pub async fn list_provider_settings(
        &self,
        query: EnvironmentInput,
    ) -> AppResult<Vec<ProductProviderSettings>> {
        self.authorize(Permission::ManageSettings, "view the provider settings").await?;
        crate::validate::text_lengths(&query)?;
        let environment = configurable(&query.environment)?;
        let mut conn = self.ledger.read().await?;
        let mut out = Vec::with_capacity(Product::ALL.len());
        for product in Product::ALL {
            let stored = settings::provider_overrides(&mut conn, environment, product).await?;
            let (resolved, overrides) = resolve_stored(environment, product, stored);
            out.push(view(&resolved, &overrides));
        }
        Ok(out)
    }

    /// Saves one product's settings in one transaction with its audit entry (before and
    /// after). Every value is checked and every required one must have a value; otherwise
    /// nothing is saved. The product's cached client is dropped.
    pub async fn save_provider_settings(
        &self,
        input: SaveProviderSettingsInput,
    ) -> AppResult<ProductProviderSettings> {
        crate::validate::text_lengths(&input)?;
        self.change_provider_settings(&input.environment, &input.product, Some(&input.values)).await
    }

    /// Returns every setting of one product to its documented value (audited).
    pub async fn reset_provider_settings(
        &self,
        input: ProductInEnvironment,
    ) -> AppResult<ProductProviderSettings> {
        crate::validate::text_lengths(&input)?;
        self.change_provider_settings(&input.environment, &input.product, None).await
    }

    /// Saves `values` over one product's stored settings, or with none resets them all.
    async fn change_provider_settings(
        &self,
        environment: &str,
        product: &str,
        values: Option<&BTreeMap<String, String>>,
    ) -> AppResult<ProductProviderSettings> {
        let actor =
            self.authorize(Permission::ManageSettings, "change the provider settings").await?;
        let environment = configurable(environment)?;
        let product = parse_product(product)?;
        let mut tx = self.ledger.begin_write().await?;
        let stored = settings::provider_overrides(&mut tx, environment, product).await?;
        let (before, mut overrides) = resolve_stored(environment, product, stored);
        match values {
            Some(values) => apply_values(environment, product, values, &mut overrides)?,
            None => overrides.clear(),
        }
        let after =
            ProductSettings::resolve(environment, product, &overrides).map_err(setting_error)?;
        let mut detail = json!({ "before": values_json(&before), "after": values_json(&after) });
        if values.is_some() {
            after.ready().map_err(setting_error)?;
            let changed: Vec<&str> = after
                .entries()
                .into_iter()
                .zip(before.entries())
                .filter(|(a, b)| a.1 != b.1)
                .map(|(a, _)| a.0)
                .collect();
            detail["changed"] = json!(changed);
        }
        settings::save_provider_overrides(
            &mut tx,
            environment,
            product,
            &overrides,
            self.now(),
            actor.operator.id,
        )
        .await?;
        self.audit(
            &mut tx,
            Some(&actor.operator),
            if values.is_some() { "provider_settings.save" } else { "provider_settings.reset" },
            &format!("provider_settings:{}/{}", environment.key(), product.key()),
            AuditOutcome::Ok,
            detail,
        )
        .await?;
        ovo_ledger::commit(tx).await?;
        self.providers.forget(environment, product);
        Ok(view(&after, &overrides))
    }

    /// The settings a client of `product` in `environment` is built from (not yet checked for
    /// completeness: see `ProductSettings::ready`). The built-in environment's are the
    /// documented ones with the demo top-up text; the caller adds the simulator's host.
    pub(crate) async fn product_settings(
        &self,
        environment: Environment,
        product: Product,
    ) -> AppResult<ProductSettings> {
        if environment == Environment::BuiltInSandbox {
            let mut settings = ProductSettings::documented(environment, product);
            if let Some((id, en)) = provider_settings::top_up_text_keys(product) {
                settings = settings
                    .with_value(id, DEMO_TOP_UP_ID)
                    .and_then(|s| s.with_value(en, DEMO_TOP_UP_EN))
                    .map_err(setting_error)?;
            }
            return Ok(settings);
        }
        let mut conn = self.ledger.read().await?;
        let overrides = settings::provider_overrides(&mut conn, environment, product).await?;
        ProductSettings::resolve(environment, product, &overrides).map_err(setting_error)
    }

    /// Top-up instructions from the merchant's configured text, in `language` (else the app's
    /// language, else Indonesian); a language left empty falls back to the other one.
    pub(crate) async fn configured_top_up(
        &self,
        environment: Environment,
        product: Product,
        language: Option<&str>,
    ) -> AppResult<TopUpView> {
        let Some((id_key, en_key)) = provider_settings::top_up_text_keys(product) else {
            return Ok(TopUpView {
                options: Vec::new(),
                configured: true,
                fetched_at: None,
                problem: None,
            });
        };
        let lang = match language {
            Some(key) => validate::language(key)?,
            None => self.language().await.unwrap_or(Lang::Id),
        };
        let settings = self.product_settings(environment, product).await?;
        let (first, second) = match lang {
            Lang::Id => (id_key, en_key),
            Lang::En => (en_key, id_key),
        };
        let text =
            Some(settings.value(first)).filter(|t| !t.is_empty()).unwrap_or(settings.value(second));
        let mut options = Vec::new();
        for option in provider_settings::top_up_options(text) {
            let link = match option.link {
                Some(l) if self.is_page_of(product, environment, &l).await => Some(l),
                _ => None,
            };
            options.push(TopUpOptionView {
                title: option.title,
                steps: option.steps,
                icon: None,
                link,
            });
        }
        Ok(TopUpView { options, configured: true, fetched_at: None, problem: None })
    }
}
