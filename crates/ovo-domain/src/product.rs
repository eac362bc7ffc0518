//! Payment providers, their OVO products and the environments they run in.

use crate::key::keyed_enum;

keyed_enum! {
    /// A payment provider company.
    pub enum Provider as "provider" {
        Doku => "doku",
        Tazapay => "tazapay",
        Faspay => "faspay",
        Ovo => "ovo",
    }
}

impl Provider {
    pub const fn display_name(self) -> &'static str {
        match self {
            Provider::Doku => "DOKU",
            Provider::Tazapay => "Tazapay",
            Provider::Faspay => "Faspay",
            Provider::Ovo => "OVO",
        }
    }
}

keyed_enum! {
    /// One provider integration that takes OVO payments.
    pub enum Product as "product" {
        DokuSnapOvo => "doku_snap_ovo",
        DokuJokulOvoPush => "doku_jokul_ovo_push",
        TazapayOvoIdr => "tazapay_ovo_idr",
        FaspayOvoTokenize => "faspay_ovo_tokenize",
        OvoSnap => "ovo_snap",
    }
}

impl Product {
    pub const fn provider(self) -> Provider {
        match self {
            Product::DokuSnapOvo | Product::DokuJokulOvoPush => Provider::Doku,
            Product::TazapayOvoIdr => Provider::Tazapay,
            Product::FaspayOvoTokenize => Provider::Faspay,
            Product::OvoSnap => Provider::Ovo,
        }
    }

    pub const fn display_name(self) -> &'static str {
        match self {
            Product::DokuSnapOvo => "DOKU SNAP OVO",
            Product::DokuJokulOvoPush => "DOKU Jokul OVO Push",
            Product::TazapayOvoIdr => "Tazapay OVO",
            Product::FaspayOvoTokenize => "Faspay OVO Tokenize",
            Product::OvoSnap => "OVO SNAP",
        }
    }

    /// Names of the write-only credentials this product needs.
    pub const fn credential_fields(self) -> &'static [&'static str] {
        match self {
            Product::DokuSnapOvo => &[
                "client_id",
                "secret_key",
                "merchant_private_key",
                "provider_public_key",
                "inbound_secret",
            ],
            Product::DokuJokulOvoPush => &["client_id", "secret_key"],
            Product::TazapayOvoIdr => &["api_key", "api_secret", "webhook_secret"],
            Product::FaspayOvoTokenize => &["merchant_id", "user_id", "password"],
            Product::OvoSnap => {
                &["client_id", "client_secret", "merchant_private_key", "provider_public_key"]
            }
        }
    }
}

keyed_enum! {
    /// Where payments go: the simulator shipped with the app, a provider sandbox, or live.
    #[derive(Default)]
    pub enum Environment as "environment" {
        #[default]
        BuiltInSandbox => "builtin_sandbox",
        ProviderSandbox => "provider_sandbox",
        Production => "production",
    }
}

impl Environment {
    /// True only for `Production`, where real money moves.
    pub const fn is_production(self) -> bool {
        matches!(self, Environment::Production)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn product_keys_round_trip() {
        let keys: Vec<&str> = Product::ALL.iter().map(|p| p.key()).collect();
        assert_eq!(keys, Product::KEYS);
        for product in Product::ALL {
            assert_eq!(Product::parse(product.key()), Ok(product));
            assert_eq!(product.key().parse::<Product>(), Ok(product));
            let json = serde_json::to_string(&product).expect("serialize");
            assert_eq!(json, format!("\"{}\"", product.key()));
            assert_eq!(serde_json::from_str::<Product>(&json).expect("deserialize"), product);
        }
        assert!(Product::parse("DOKU_SNAP_OVO").is_err());
        assert!(serde_json::from_str::<Product>("\"gopay\"").is_err());
        let err = Product::parse("gopay").expect_err("unknown");
        assert_eq!(
            err.to_string(),
            "unknown product \"gopay\"; expected one of: doku_snap_ovo, doku_jokul_ovo_push, \
             tazapay_ovo_idr, faspay_ovo_tokenize, ovo_snap"
        );
    }

    #[test]
    fn products_map_to_providers_and_names() {
        let table = [
            (Product::DokuSnapOvo, Provider::Doku, "DOKU SNAP OVO"),
            (Product::DokuJokulOvoPush, Provider::Doku, "DOKU Jokul OVO Push"),
            (Product::TazapayOvoIdr, Provider::Tazapay, "Tazapay OVO"),
            (Product::FaspayOvoTokenize, Provider::Faspay, "Faspay OVO Tokenize"),
            (Product::OvoSnap, Provider::Ovo, "OVO SNAP"),
        ];
        for (product, provider, name) in table {
            assert_eq!(product.provider(), provider);
            assert_eq!(product.display_name(), name);
        }
    }

    #[test]
    fn credential_fields_per_product() {
        assert_eq!(
            Product::DokuSnapOvo.credential_fields(),
            [
                "client_id",
                "secret_key",
                "merchant_private_key",
                "provider_public_key",
                "inbound_secret"
            ]
        );
        assert_eq!(Product::DokuJokulOvoPush.credential_fields(), ["client_id", "secret_key"]);
        assert_eq!(
            Product::TazapayOvoIdr.credential_fields(),
            ["api_key", "api_secret", "webhook_secret"]
        );
        assert_eq!(
            Product::FaspayOvoTokenize.credential_fields(),
            ["merchant_id", "user_id", "password"]
        );
        assert_eq!(
            Product::OvoSnap.credential_fields(),
            ["client_id", "client_secret", "merchant_private_key", "provider_public_key"]
        );
    }

    #[test]
    fn provider_and_environment_keys_round_trip() {
        for provider in Provider::ALL {
            assert_eq!(Provider::parse(provider.key()), Ok(provider));
        }
        let keys: Vec<&str> = Environment::ALL.iter().map(|e| e.key()).collect();
        assert_eq!(keys, ["builtin_sandbox", "provider_sandbox", "production"]);
        for env in Environment::ALL {
            assert_eq!(Environment::parse(env.key()), Ok(env));
            let json = serde_json::to_string(&env).expect("serialize");
            assert_eq!(serde_json::from_str::<Environment>(&json).expect("deserialize"), env);
        }
        assert_eq!(Environment::default(), Environment::BuiltInSandbox);
        assert!(Environment::Production.is_production());
        assert!(!Environment::ProviderSandbox.is_production());
        assert!(Environment::parse("sandbox").is_err());
    }
}
