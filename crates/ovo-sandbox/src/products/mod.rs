//! One module per provider product, each a `ProductSim`, and the SNAP layer DOKU SNAP and
//! OVO SNAP share.

pub mod doku_snap;
pub mod faspay;
pub mod jokul_push;
pub mod ovo_snap;
pub mod snap;
pub mod tazapay;

use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use serde::de::DeserializeOwned;

use crate::core::{lock, Ctx, ProductSim};

/// What a product's handlers reach: the context, the product's state (kept by the product, so
/// that `reset` reaches it) and its merchants from the merchants file.
#[derive(Debug)]
pub struct Sim<State, Merchant> {
    pub ctx: Ctx,
    pub state: Arc<Mutex<State>>,
    pub merchants: Arc<Vec<Merchant>>,
}

impl<State, Merchant> Clone for Sim<State, Merchant> {
    fn clone(&self) -> Self {
        Sim { ctx: self.ctx.clone(), state: self.state.clone(), merchants: self.merchants.clone() }
    }
}

impl<State, Merchant> Sim<State, Merchant> {
    pub fn lock(&self) -> MutexGuard<'_, State> {
        lock(&self.state)
    }

    pub fn with_merchants(ctx: Ctx, state: Arc<Mutex<State>>, merchants: Vec<Merchant>) -> Self {
        Sim { ctx, state, merchants: Arc::new(merchants) }
    }
}

impl<State: Send + 'static, Merchant: Send + Sync + 'static> Sim<State, Merchant> {
    /// The second half of a success_after_failure drill: after `wait` (scaled), `turn` moves the
    /// record from failed to success under the lock; when it did, `announce` sends the new state.
    pub fn succeed_later<T: Send + 'static>(
        &self,
        wait: Duration,
        turn: impl FnOnce(&mut State) -> Option<T> + Send + 'static,
        announce: impl FnOnce(&Self, &T) + Send + 'static,
    ) {
        let sim = self.clone();
        tokio::spawn(async move {
            sim.ctx.scale().sleep(wait).await;
            let turned = turn(&mut sim.lock());
            if let Some(turned) = turned {
                announce(&sim, &turned);
            }
        });
    }
}

impl<State, Merchant: DeserializeOwned> Sim<State, Merchant> {
    /// The merchants are the entries of the merchants file's `[[product]]`.
    pub fn from_file(ctx: Ctx, state: Arc<Mutex<State>>, product: &str) -> Self {
        let merchants = ctx.merchants().section_or_none(product);
        Sim::with_merchants(ctx, state, merchants)
    }
}

/// A merchant entry, known by the id its requests carry (client id, API key).
pub trait MerchantEntry {
    fn id(&self) -> &str;
}

impl<M: MerchantEntry> MerchantEntry for Arc<M> {
    fn id(&self) -> &str {
        M::id(self)
    }
}

impl<State, Merchant: MerchantEntry> Sim<State, Merchant> {
    pub fn merchant(&self, id: &str) -> Option<&Merchant> {
        self.merchants.iter().find(|m| m.id() == id)
    }

    /// The merchant of `product` that `id` names (an import's, an unknown-reference
    /// notification's), or the first when it names none.
    pub fn merchant_or_first(&self, id: Option<&str>, product: &str) -> Result<&Merchant, String> {
        match id {
            Some(id) => self.merchant(id),
            None => self.merchants.first(),
        }
        .ok_or_else(|| format!("no such {product} merchant"))
    }
}

/// Every product the sandbox serves.
pub fn all() -> Vec<Arc<dyn ProductSim>> {
    vec![
        Arc::new(doku_snap::DokuSnap::default()),
        Arc::new(jokul_push::JokulPush::default()),
        Arc::new(tazapay::Tazapay::default()),
        Arc::new(faspay::Faspay::default()),
        Arc::new(ovo_snap::OvoSnap::default()),
    ]
}

#[cfg(test)]
mod tests {
    //! The `[[bindings]]` checks with the products' own link rules.
    use super::*;
    use crate::core::bindings::{parse, SeedBinding};
    use crate::core::wallets::seed_accounts;

    fn parse_text(text: &str) -> Result<Vec<SeedBinding>, String> {
        parse(&text.parse::<toml::Table>().unwrap(), &seed_accounts(), &all())
    }

    const MERCHANTS: &str = "[[ovo_snap]]\nclient_id = \"A\"\n[[ovo_snap]]\nclient_id = \"B\"\n[[faspay_ovo_tokenize]]\nmerchant_id = \"99999\"\n";

    #[test]
    fn defaults_are_filled_in() {
        let text = format!("{MERCHANTS}[[bindings]]\nproduct = \"ovo_snap\"\nphone = \"081234567890\"\n[[bindings]]\nproduct = \"faspay_ovo_tokenize\"\nphone = \"6281382826301\"\n");
        let b = parse_text(&text).unwrap();
        assert_eq!(b[0].phone, "6281234567890");
        assert_eq!(b[0].merchant, "A");
        assert_eq!(b[0].token.as_deref(), Some("seed-ovo_snap-A-6281234567890"));
        assert_eq!(b[0].provider_ref.as_deref(), Some("LNKSEED6281234567890"));
        assert_eq!((b[1].merchant.as_str(), b[1].token.as_ref()), ("99999", None));
    }

    #[test]
    fn the_demo_file_links_four_accounts() {
        let demo = crate::Merchants::parse(crate::DEMO_MERCHANTS).unwrap();
        let phones = |product| demo.bindings(product).map(|b| b.phone.as_str()).collect::<Vec<_>>();
        assert_eq!(phones(ovo_snap::KEY), ["6281234567890"]);
        assert_eq!(phones(doku_snap::KEY), ["6281298765432"]);
        assert_eq!(phones(faspay::KEY), ["6281382826301", "6285712345678"]);
        let budi = demo.bindings(ovo_snap::KEY).next().unwrap();
        assert_eq!(budi.token.as_deref(), Some("demo-ovosnap-b2b2c-6281234567890"));
        assert_eq!(budi.merchant, "demo-ovosnap-client");
    }

    #[test]
    fn mistakes_are_named() {
        let cases = [
            ("product = \"gopay\"\nphone = \"6281234567890\"", "unknown product \"gopay\""),
            (
                "product = \"tazapay_ovo_idr\"\nphone = \"6281234567890\"",
                "tazapay_ovo_idr has no account binding",
            ),
            (
                "product = \"ovo_snap\"\nphone = \"0212345678\"",
                "is not an Indonesian mobile number",
            ),
            (
                "product = \"ovo_snap\"\nphone = \"6281100000004\"",
                "no OVO account for 6281100000004",
            ),
            (
                "product = \"ovo_snap\"\nphone = \"6281234567890\"\nmerchant = \"C\"",
                "merchant \"C\" is not the client_id",
            ),
            (
                "product = \"doku_snap_ovo\"\nphone = \"6281234567890\"",
                "there is no [[doku_snap_ovo]] merchant",
            ),
            (
                "product = \"faspay_ovo_tokenize\"\nphone = \"6281234567890\"\ntoken = \"t\"",
                "carry no token",
            ),
            ("product = \"ovo_snap\"\nphone = \"6281234567890\"\ntoken = \"a b\"", "token must be"),
            (
                "product = \"ovo_snap\"\nphone = \"6281234567890\"\ntokn = \"x\"",
                "unknown field `tokn`",
            ),
        ];
        for (entry, want) in cases {
            let e = parse_text(&format!("{MERCHANTS}[[bindings]]\n{entry}\n")).unwrap_err();
            assert!(e.contains(want), "{entry}: {e}");
        }
        let twice = format!(
            "{MERCHANTS}[[bindings]]\nproduct = \"ovo_snap\"\nphone = \"6281234567890\"\ntoken = \"T\"\n\
             [[bindings]]\nproduct = \"ovo_snap\"\nphone = \"6281298765432\"\nmerchant = \"B\"\nrefresh_token = \"T\"\n"
        );
        assert!(parse_text(&twice)
            .unwrap_err()
            .contains("#2 (ovo_snap 6281298765432): token \"T\" is already used"));
        let same = format!("{MERCHANTS}[[bindings]]\nproduct = \"ovo_snap\"\nphone = \"6281234567890\"\n[[bindings]]\nproduct = \"ovo_snap\"\nphone = \"081234567890\"\ntoken = \"X\"\n");
        assert!(parse_text(&same).unwrap_err().contains("already linked"));
    }
}
