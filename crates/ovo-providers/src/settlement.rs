//! What each product's settlement (or transaction) report looks like, for reconciliation: the
//! columns a file is read by unless finance maps others, how late a settled payment may still
//! appear, and how the report writes our payment reference.
//!
//! Only OVO SNAP publishes anything (a D+1 working-day report whose `MerchantInvoice` column
//! carries our `partnerReferenceNo`, `ovo-snap.md` §13); every other column name here is a house
//! default, and the simulator writes files with exactly these columns.

use ovo_domain::{Product, Reference};
use serde::{Deserialize, Serialize};

use crate::products::{faspay, jokul_push};

/// Which column of a settlement file holds each field. `reference`, `date` and `amount` are
/// required; a refund line is told by a `kind` column containing "refund" or by a negative amount.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SettlementColumns {
    pub reference: String,
    pub date: String,
    pub amount: String,
    #[serde(default)]
    pub kind: Option<String>,
    #[serde(default)]
    pub fee: Option<String>,
    #[serde(default)]
    pub net: Option<String>,
    #[serde(default)]
    pub status: Option<String>,
}

/// A product's settlement report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SettlementReport {
    pub columns: SettlementColumns,
    /// Working days (Monday to Friday, WIB) after a payment's WIB date by which its line must
    /// have appeared; a succeeded payment still missing then is an exception.
    pub due_working_days: u32,
}

fn columns(
    reference: &str,
    date: &str,
    amount: &str,
    kind: Option<&str>,
    fee: Option<&str>,
    net: Option<&str>,
    status: Option<&str>,
) -> SettlementColumns {
    SettlementColumns {
        reference: reference.to_owned(),
        date: date.to_owned(),
        amount: amount.to_owned(),
        kind: kind.map(str::to_owned),
        fee: fee.map(str::to_owned),
        net: net.map(str::to_owned),
        status: status.map(str::to_owned),
    }
}

/// The report of `product` (house defaults except OVO SNAP's `MerchantInvoice` and D+1).
pub fn settlement_report(product: Product) -> SettlementReport {
    let columns = match product {
        Product::OvoSnap => columns(
            "MerchantInvoice",
            "TransactionDate",
            "Amount",
            Some("TransactionType"),
            Some("Fee"),
            Some("NetAmount"),
            Some("Status"),
        ),
        Product::DokuSnapOvo => columns(
            "Partner Reference No",
            "Transaction Date",
            "Amount",
            Some("Type"),
            Some("MDR"),
            Some("Net Amount"),
            None,
        ),
        Product::DokuJokulOvoPush => columns(
            "invoice_number",
            "transaction_time",
            "amount",
            None,
            None,
            None,
            Some("status"),
        ),
        Product::TazapayOvoIdr => columns(
            "reference_id",
            "created_at",
            "amount",
            Some("type"),
            Some("fee"),
            Some("net_amount"),
            None,
        ),
        Product::FaspayOvoTokenize => columns(
            "bill_no",
            "payment_date",
            "bill_total",
            None,
            None,
            None,
            Some("payment_status_desc"),
        ),
    };
    // OVO settles D+1; a line still missing after D+2 is flagged (ovo-snap.md §13). The others
    // publish no delay: the same two working days.
    SettlementReport { columns, due_working_days: 2 }
}

/// Our payment reference for the reference a report of `product` writes (Jokul's invoice number
/// `REFERENCE-NN`, Faspay's numeric `bill_no`, our reference itself elsewhere); `None` for one
/// we did not make.
pub fn payment_reference(product: Product, reported: &str) -> Option<Reference> {
    let reported = reported.trim();
    match product {
        Product::FaspayOvoTokenize => {
            faspay::wire::reference_of(reported).or_else(|| Reference::parse(reported).ok())
        }
        Product::DokuJokulOvoPush => {
            jokul_push::reference_of_invoice(reported).or_else(|| Reference::parse(reported).ok())
        }
        Product::OvoSnap | Product::DokuSnapOvo | Product::TazapayOvoIdr => {
            Reference::parse(reported).ok()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_product_reads_its_own_reference_form() {
        let ours = Reference::parse("AB12CD34EF56GH78").unwrap();
        let bill = faspay::wire::bill_no(&ours);
        assert_eq!(payment_reference(Product::FaspayOvoTokenize, &bill), Some(ours.clone()));
        let invoice = jokul_push::invoice_number(&ours, 3);
        assert_eq!(payment_reference(Product::DokuJokulOvoPush, &invoice), Some(ours.clone()));
        for product in [Product::OvoSnap, Product::DokuSnapOvo, Product::TazapayOvoIdr] {
            assert_eq!(payment_reference(product, " AB12CD34EF56GH78 "), Some(ours.clone()));
            assert_eq!(payment_reference(product, &bill), None, "{product}");
        }
        assert_eq!(payment_reference(Product::DokuJokulOvoPush, "AB12CD34EF56GH78-XY"), None);
    }

    #[test]
    fn ovo_snap_is_keyed_on_merchant_invoice() {
        let report = settlement_report(Product::OvoSnap);
        assert_eq!(report.columns.reference, "MerchantInvoice");
        for product in Product::ALL {
            assert!(settlement_report(product).due_working_days >= 1);
        }
    }
}
