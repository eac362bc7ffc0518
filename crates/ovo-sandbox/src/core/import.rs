//! `POST /_sandbox/import`: records a merchant already has (payments with their refunds) put
//! into the products' state as if they had happened here, so that status queries and refunds
//! on them work. A wallet's balance is taken as today's, after these payments: an import
//! moves no money, and a refund made later gives back to the wallet as any refund does.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::clock::from_unix_millis;
use super::wallets::{Account, Behaviour, Split};

/// OVO Cash of an account an import opens (see `open_account_if_missing`).
pub const IMPORTED_ACCOUNT_CASH: i64 = 5_000_000;
use super::Ctx;

/// One payment as the merchant recorded it. `reference` is the merchant's id of it as the
/// product knows it (partnerReferenceNo, invoice_number, reference_id, bill_no);
/// `provider_ref` the provider's (referenceNo, payin id, trx_id).
#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct ImportedPayment {
    pub product: String,
    /// The merchant (client id / merchant id / API key); default the product's first.
    #[serde(default)]
    pub merchant: Option<String>,
    pub reference: String,
    #[serde(default)]
    pub provider_ref: Option<String>,
    /// The linked account the payment was taken from (SNAP binding referenceNo).
    #[serde(default)]
    pub binding_ref: Option<String>,
    /// Canonical `62…`.
    pub phone: String,
    /// The account holder, for an OVO account the sandbox does not have yet.
    #[serde(default)]
    pub customer_name: Option<String>,
    /// Whole rupiah.
    pub amount: i64,
    pub status: ImportedStatus,
    /// The product's payment type where it has several (`sale`, `recurring`).
    #[serde(default)]
    pub kind: Option<String>,
    /// Unix milliseconds.
    pub created_at: i64,
    #[serde(default)]
    pub paid_at: Option<i64>,
    #[serde(default)]
    pub refunds: Vec<ImportedRefund>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ImportedStatus {
    Pending,
    Succeeded,
    Failed,
    Expired,
}

/// A refund the provider received: `reference` is the merchant's (partnerRefundNo /
/// reference_id), `provider_ref` the provider's (refundNo / refund id).
#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct ImportedRefund {
    pub reference: String,
    #[serde(default)]
    pub provider_ref: Option<String>,
    pub amount: i64,
    pub status: ImportedRefundStatus,
    /// Unix milliseconds.
    pub at: i64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ImportedRefundStatus {
    /// Accepted and still being paid out; it finishes on the product's own schedule.
    Pending,
    Succeeded,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
pub struct ImportBody {
    pub payments: Vec<ImportedPayment>,
}

/// What an import did: how many payments each product took, and the ones refused with why.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
pub struct ImportReport {
    pub imported: usize,
    pub refused: Vec<ImportRefusal>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct ImportRefusal {
    pub product: String,
    pub reference: String,
    pub reason: String,
}

impl ImportedPayment {
    /// The merchant the payment names, or else `field` of `product`'s first merchant entry.
    pub fn merchant_or_first(
        &self,
        ctx: &Ctx,
        product: &str,
        field: &str,
    ) -> Result<String, String> {
        match &self.merchant {
            Some(m) => Ok(m.clone()),
            None => ctx.merchants().first(product, field),
        }
    }

    /// Checks what every product needs: a known shape, positive amounts, refunds within it.
    pub fn check(&self) -> Result<(), String> {
        if self.reference.trim().is_empty() || self.reference.len() > 64 {
            return Err("reference must be 1 to 64 characters".into());
        }
        if self.amount <= 0 {
            return Err("amount must be a positive number of rupiah".into());
        }
        if super::phone::canonical(&self.phone).is_none() {
            return Err(format!("{:?} is not an Indonesian mobile number", self.phone));
        }
        if !self.refunds.is_empty() && self.status != ImportedStatus::Succeeded {
            return Err("only a succeeded payment has refunds".into());
        }
        if self.refunds.iter().any(|r| r.amount <= 0) {
            return Err("a refund amount must be positive".into());
        }
        if self.refunded() > self.amount {
            return Err("refunds add up to more than the payment".into());
        }
        Ok(())
    }

    pub fn refunded(&self) -> i64 {
        self.refunds.iter().map(|r| r.amount).sum()
    }

    pub fn created(&self) -> DateTime<Utc> {
        from_unix_millis(self.created_at)
    }

    pub fn paid(&self) -> Option<DateTime<Utc>> {
        self.paid_at.map(from_unix_millis)
    }
}

impl Ctx {
    /// Imports each payment into its product; a refused one does not stop the others.
    pub fn import(&self, payments: &[ImportedPayment]) -> ImportReport {
        let mut report = ImportReport::default();
        for payment in payments {
            let mut payment = payment.clone();
            if let Some(canonical) = super::phone::canonical(&payment.phone) {
                payment.phone = canonical;
            }
            let payment = &payment;
            let product = self.0.products.iter().find(|p| p.key() == payment.product);
            let outcome = match product {
                None => Err(format!("unknown product; known: {:?}", self.product_keys())),
                Some(product) => payment.check().and_then(|()| {
                    if payment.status == ImportedStatus::Succeeded {
                        self.open_account_if_missing(payment);
                    }
                    product.import(self, payment)
                }),
            };
            match outcome {
                Ok(()) => report.imported += 1,
                Err(reason) => report.refused.push(ImportRefusal {
                    product: payment.product.clone(),
                    reference: payment.reference.clone(),
                    reason,
                }),
            }
        }
        report
    }

    /// Whoever paid has an OVO account: one the sandbox lacks is opened with
    /// [`IMPORTED_ACCOUNT_CASH`], so that a refund has a wallet to go back to.
    fn open_account_if_missing(&self, payment: &ImportedPayment) {
        if self.wallets().get(&payment.phone).is_some() {
            return;
        }
        self.wallets().upsert(Account {
            phone: payment.phone.clone(),
            name: payment.customer_name.clone().unwrap_or_else(|| "OVO customer".into()),
            cash: IMPORTED_ACCOUNT_CASH,
            points: 0,
            pin: "123456".into(),
            blocked: false,
            limit_exceeded: false,
            behaviour: Behaviour::Manual,
        });
    }
}

/// The split an imported payment was paid with (cash), for refunds to give back.
pub fn cash_split(amount: i64) -> Split {
    Split { cash: amount, points: 0 }
}
