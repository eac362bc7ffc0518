//! Wire types of DOKU Jokul push (spec §4, §7, §10, §13) and their checked forms. Replies are
//! read leniently (extra fields ignored, unknown statuses kept verbatim) and then checked: a
//! missing mandatory field is an error naming the field by its full path.

use ovo_domain::{Idr, Msisdn};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::error::Refusal;

// ------------------------------------------------------------------------------------------
// Request (§4)

/// The payment body; field order is the one the guide prints (§4), so the digest of a body
/// built from the guide's example is the guide's.
#[derive(Debug, Clone, Serialize)]
pub struct PaymentBody {
    pub client: ClientId,
    pub order: OrderOut,
    pub ovo_info: OvoInfoOut,
    pub security: Security,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct ClientId {
    pub id: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct OrderOut {
    pub invoice_number: String,
    /// Integer rupiah, no decimals (§4).
    pub amount: i64,
}

#[derive(Debug, Clone, Serialize)]
pub struct OvoInfoOut {
    pub ovo_id: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Security {
    pub check_sum: String,
}

/// Jokul's amount: integer rupiah (§4, README §2.2).
pub fn amount_to_wire(amount: Idr) -> i64 {
    amount.rupiah()
}

/// `ovo_id`: the local `08…` form (§4 House default: stored `62…` numbers become `0…`).
pub fn phone_to_wire(phone: &Msisdn) -> String {
    phone.national()
}

/// Reads an amount the provider echoes: a JSON integer (or a digit string), never a fraction.
pub fn amount_from_wire(value: &Value, field: &'static str) -> Result<Idr, String> {
    let whole = match value {
        Value::Number(n) => {
            n.as_i64().ok_or_else(|| format!("{field} {n} is not a whole rupiah amount"))?
        }
        Value::String(s) => s
            .trim()
            .parse::<i64>()
            .map_err(|_| format!("{field} {s:?} is not a whole rupiah amount"))?,
        other => return Err(format!("{field} {other} is not a number")),
    };
    Idr::new(whole).map_err(|_| format!("{field} {whole} is out of range"))
}

/// An integer field that may come as a number or a digit string.
fn int_from_wire(value: &Value, field: &'static str) -> Result<i64, String> {
    match value {
        Value::Number(n) => n.as_i64().ok_or_else(|| format!("{field} {n} is not an integer")),
        Value::String(s) => {
            s.trim().parse::<i64>().map_err(|_| format!("{field} {s:?} is not an integer"))
        }
        other => Err(format!("{field} {other} is not an integer")),
    }
}

// ------------------------------------------------------------------------------------------
// Statuses

/// `ovo_payment.status` (§7): set by DOKU; anything else is kept verbatim.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PushStatus {
    Success,
    Failed,
    Timeout,
    Unknown(String),
}

impl PushStatus {
    pub fn parse(text: &str) -> PushStatus {
        match text {
            "SUCCESS" => PushStatus::Success,
            "FAILED" => PushStatus::Failed,
            "TIMEOUT" => PushStatus::Timeout,
            other => PushStatus::Unknown(other.to_owned()),
        }
    }

    pub fn as_str(&self) -> &str {
        match self {
            PushStatus::Success => "SUCCESS",
            PushStatus::Failed => "FAILED",
            PushStatus::Timeout => "TIMEOUT",
            PushStatus::Unknown(s) => s,
        }
    }
}

/// `transaction.status` of the status check (§10, general DOKU set).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TransactionStatus {
    Pending,
    Success,
    Failed,
    Expired,
    Refunded,
    Timeout,
    Redirect,
    Unknown(String),
}

impl TransactionStatus {
    pub fn parse(text: &str) -> TransactionStatus {
        match text {
            "PENDING" => TransactionStatus::Pending,
            "SUCCESS" => TransactionStatus::Success,
            "FAILED" => TransactionStatus::Failed,
            "EXPIRED" => TransactionStatus::Expired,
            "REFUNDED" => TransactionStatus::Refunded,
            "TIMEOUT" => TransactionStatus::Timeout,
            "REDIRECT" => TransactionStatus::Redirect,
            other => TransactionStatus::Unknown(other.to_owned()),
        }
    }

    pub fn as_str(&self) -> &str {
        match self {
            TransactionStatus::Pending => "PENDING",
            TransactionStatus::Success => "SUCCESS",
            TransactionStatus::Failed => "FAILED",
            TransactionStatus::Expired => "EXPIRED",
            TransactionStatus::Refunded => "REFUNDED",
            TransactionStatus::Timeout => "TIMEOUT",
            TransactionStatus::Redirect => "REDIRECT",
            TransactionStatus::Unknown(s) => s,
        }
    }
}

/// The name of an OVO response code (§9) and how a failure with it is reported: `Declined` for
/// the customer's or the wallet's refusal, `Authentication` for our credentials at OVO (`63`
/// Security Violation), `InvalidRequest` for our request or configuration (duplicate invoice
/// `40`; config codes `58`, `96`, `EB`). Unknown codes are declines with the code kept.
pub fn ovo_code(code: &str) -> (&'static str, Refusal) {
    use Refusal::*;
    match code {
        "00" => ("Success / Approved", Declined),
        "14" => ("Invalid Mobile Number / OVO ID", Declined),
        "17" => ("Transaction Decline", Declined),
        "25" => ("Transaction Not Found", InvalidRequest),
        "26" => ("Transaction Failed", Declined),
        "40" => {
            ("Transaction Failed: invoice, batch and reference number already used", InvalidRequest)
        }
        "54" => ("Transaction Expired (more than 7 days)", InvalidRequest),
        "56" => ("Card Blocked", Declined),
        "58" => ("Transaction Not Allowed", InvalidRequest),
        "61" => ("Exceed Transaction Limit", Declined),
        "63" => ("Security Violation", Authentication),
        "64" => ("Account Blocked", Declined),
        "65" => ("Transaction Failed: limit exceeded", Declined),
        "67" => ("Below Transaction Limit", Declined),
        "68" => ("Transaction Pending / Timeout", Declined),
        "73" => ("Transaction has been reversed", Declined),
        "96" => ("Invalid Processing Code", InvalidRequest),
        "ER" => ("System Failure", Declined),
        "EB" => ("Terminal Blocked", InvalidRequest),
        _ => ("Unrecognised OVO response code", Declined),
    }
}

/// Codes that need an operator, not a customer message (§9 "config").
pub fn is_config_code(code: &str) -> bool {
    matches!(code, "58" | "63" | "96" | "EB")
}

// ------------------------------------------------------------------------------------------
// Payment reply (§7)

#[derive(Debug, Clone, Deserialize, Default)]
pub struct RawPaymentReply {
    pub client: Option<ClientIdIn>,
    pub order: Option<RawOrder>,
    pub ovo_info: Option<RawOvoInfo>,
    pub ovo_configuration: Option<OvoConfiguration>,
    pub ovo_payment: Option<RawOvoPayment>,
    pub security: Option<RawSecurity>,
}

#[derive(Debug, Clone, Deserialize, Default)]
pub struct ClientIdIn {
    pub id: Option<String>,
}

#[derive(Debug, Clone, Deserialize, Default)]
pub struct RawOrder {
    pub invoice_number: Option<String>,
    pub amount: Option<Value>,
}

#[derive(Debug, Clone, Deserialize, Default)]
pub struct RawOvoInfo {
    pub ovo_id: Option<String>,
    pub ovo_account_name: Option<String>,
}

/// OVO's identity of the merchant terminal (§7); stored on every attempt.
#[derive(Debug, Clone, Deserialize, Default, PartialEq, Eq)]
pub struct OvoConfiguration {
    pub merchant_id: Option<String>,
    pub store_code: Option<String>,
    pub mid: Option<String>,
    pub tid: Option<String>,
}

#[derive(Debug, Clone, Deserialize, Default)]
pub struct RawOvoPayment {
    pub date: Option<String>,
    pub batch_number: Option<Value>,
    pub trace_number: Option<Value>,
    pub reference_number: Option<Value>,
    pub approval_code: Option<String>,
    pub response_code: Option<String>,
    pub cash_used: Option<Value>,
    pub cash_balance: Option<Value>,
    pub ovo_points_used: Option<Value>,
    pub ovo_points_balance: Option<Value>,
    pub ovo_points_earned: Option<Value>,
    pub status: Option<String>,
}

#[derive(Debug, Clone, Deserialize, Default)]
pub struct RawSecurity {
    pub check_sum: Option<String>,
}

/// The payment reply, checked: what this client relies on is present and well-formed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PaymentReply {
    pub client_id: Option<String>,
    pub invoice_number: String,
    pub amount: Idr,
    pub ovo_id: Option<String>,
    pub account_name: Option<String>,
    pub configuration: Option<OvoConfiguration>,
    pub status: PushStatus,
    pub response_code: String,
    /// Reconciliation numbers (§7, stored on every attempt).
    pub date: Option<String>,
    pub batch_number: Option<i64>,
    pub trace_number: Option<i64>,
    pub reference_number: Option<i64>,
    pub approval_code: Option<String>,
    pub cash_used: Option<Idr>,
    pub cash_balance: Option<Idr>,
    pub points_used: Option<Idr>,
    pub points_balance: Option<Idr>,
    pub points_earned: Option<Idr>,
    pub check_sum: Option<String>,
}

fn opt_amount(value: &Option<Value>, field: &'static str) -> Result<Option<Idr>, String> {
    match value {
        None | Some(Value::Null) => Ok(None),
        Some(v) => amount_from_wire(v, field).map(Some),
    }
}

fn opt_int(value: &Option<Value>, field: &'static str) -> Result<Option<i64>, String> {
    match value {
        None | Some(Value::Null) => Ok(None),
        Some(v) => int_from_wire(v, field).map(Some),
    }
}

fn missing(field: &str) -> String {
    format!("missing field {field}")
}

impl RawPaymentReply {
    /// Mandatory: `order.invoice_number`, `order.amount`, `ovo_payment.status`,
    /// `ovo_payment.response_code`. The error names the missing or bad field.
    pub fn check(self) -> Result<PaymentReply, String> {
        let order = self.order.ok_or_else(|| missing("order"))?;
        let invoice_number = order.invoice_number.ok_or_else(|| missing("order.invoice_number"))?;
        let amount = order.amount.as_ref().ok_or_else(|| missing("order.amount"))?;
        let amount = amount_from_wire(amount, "order.amount")?;
        let payment = self.ovo_payment.ok_or_else(|| missing("ovo_payment"))?;
        let status =
            PushStatus::parse(&payment.status.ok_or_else(|| missing("ovo_payment.status"))?);
        let response_code =
            payment.response_code.ok_or_else(|| missing("ovo_payment.response_code"))?;
        let ovo_info = self.ovo_info.unwrap_or_default();
        Ok(PaymentReply {
            client_id: self.client.and_then(|c| c.id),
            invoice_number,
            amount,
            ovo_id: ovo_info.ovo_id,
            account_name: ovo_info.ovo_account_name,
            configuration: self.ovo_configuration,
            status,
            response_code,
            date: payment.date,
            batch_number: opt_int(&payment.batch_number, "ovo_payment.batch_number")?,
            trace_number: opt_int(&payment.trace_number, "ovo_payment.trace_number")?,
            reference_number: opt_int(&payment.reference_number, "ovo_payment.reference_number")?,
            approval_code: payment.approval_code,
            cash_used: opt_amount(&payment.cash_used, "ovo_payment.cash_used")?,
            cash_balance: opt_amount(&payment.cash_balance, "ovo_payment.cash_balance")?,
            points_used: opt_amount(&payment.ovo_points_used, "ovo_payment.ovo_points_used")?,
            points_balance: opt_amount(
                &payment.ovo_points_balance,
                "ovo_payment.ovo_points_balance",
            )?,
            points_earned: opt_amount(&payment.ovo_points_earned, "ovo_payment.ovo_points_earned")?,
            check_sum: self.security.and_then(|s| s.check_sum),
        })
    }
}

// ------------------------------------------------------------------------------------------
// Status reply (§10) — also the notification body the simulator sends

#[derive(Debug, Clone, Deserialize, Default)]
pub struct RawStatusReply {
    pub order: Option<RawOrder>,
    pub transaction: Option<RawTransaction>,
    pub additional_info: Option<RawAdditionalInfo>,
}

#[derive(Debug, Clone, Deserialize, Default)]
pub struct RawTransaction {
    pub status: Option<String>,
    pub date: Option<String>,
    pub original_request_id: Option<String>,
}

#[derive(Debug, Clone, Deserialize, Default)]
pub struct RawAdditionalInfo {
    pub ovo_response_code: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusReply {
    pub invoice_number: String,
    pub amount: Option<Idr>,
    pub status: TransactionStatus,
    pub date: Option<String>,
    pub ovo_response_code: Option<String>,
}

impl RawStatusReply {
    /// Mandatory: `order.invoice_number` and `transaction.status` (§10 House default: the
    /// client reads only these, plus the amount when echoed).
    pub fn check(self) -> Result<StatusReply, String> {
        let order = self.order.ok_or_else(|| missing("order"))?;
        let invoice_number = order.invoice_number.ok_or_else(|| missing("order.invoice_number"))?;
        let amount = opt_amount(&order.amount, "order.amount")?;
        let transaction = self.transaction.ok_or_else(|| missing("transaction"))?;
        let status = TransactionStatus::parse(
            &transaction.status.ok_or_else(|| missing("transaction.status"))?,
        );
        Ok(StatusReply {
            invoice_number,
            amount,
            status,
            date: transaction.date,
            ovo_response_code: self.additional_info.and_then(|a| a.ovo_response_code),
        })
    }
}

// ------------------------------------------------------------------------------------------
// Error reply (non-SNAP shape, §13 / §14 #4)

#[derive(Debug, Clone, Deserialize, Default)]
pub struct ErrorReply {
    pub error: Option<ErrorBody>,
}

#[derive(Debug, Clone, Deserialize, Default)]
pub struct ErrorBody {
    pub code: Option<String>,
    pub message: Option<String>,
    #[serde(rename = "type")]
    pub kind: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const SAMPLE_REPLY: &str = r#"{"client":{"id":"MCH-0001-10791114622547"},
 "order":{"invoice_number":"INV-20210115-0001","amount":10000},
 "ovo_info":{"ovo_id":"081211111111","ovo_account_name":"Taufik Ismail"},
 "ovo_configuration":{"merchant_id":"00000179","store_code":"000000000000179","mid":"000000000000179","tid":"00000179"},
 "ovo_payment":{"date":"20201014162928","batch_number":4,"trace_number":987654,"reference_number":38,
   "approval_code":"19832","response_code":"00","cash_used":10000,"cash_balance":90000,
   "ovo_points_used":0,"ovo_points_balance":100000,"ovo_points_earned":0,"status":"SUCCESS"},
 "security":{"check_sum":"5df88427628952ac65fee1d01aa163cdd26a1cf806c7e80d770fa307db180930"}}"#;

    fn parse(text: &str) -> Result<PaymentReply, String> {
        serde_json::from_str::<RawPaymentReply>(text).map_err(|e| e.to_string())?.check()
    }

    #[test]
    fn request_body_serialises_as_the_guide_prints_it() {
        let phone = Msisdn::parse("6281211111111").unwrap();
        let body = PaymentBody {
            client: ClientId { id: "MCH-0001-10791114622547".into() },
            order: OrderOut {
                invoice_number: "INV-20210115-0001".into(),
                amount: amount_to_wire(Idr::new(10_000).unwrap()),
            },
            ovo_info: OvoInfoOut { ovo_id: phone_to_wire(&phone) },
            security: Security {
                check_sum: "5f1f8428d5bb8c624b4893d0d16064d9a7a80de9ab1fa93c6a716d7bb775de78"
                    .into(),
            },
        };
        assert_eq!(
            serde_json::to_string(&body).unwrap(),
            r#"{"client":{"id":"MCH-0001-10791114622547"},"order":{"invoice_number":"INV-20210115-0001","amount":10000},"ovo_info":{"ovo_id":"081211111111"},"security":{"check_sum":"5f1f8428d5bb8c624b4893d0d16064d9a7a80de9ab1fa93c6a716d7bb775de78"}}"#
        );
    }

    #[test]
    fn money_and_phone_round_trip() {
        for rupiah in [0, 1, 10_000, 20_000_000, 999_999_999_999] {
            let idr = Idr::new(rupiah).unwrap();
            let wire = json!(amount_to_wire(idr));
            assert_eq!(amount_from_wire(&wire, "order.amount"), Ok(idr));
        }
        assert_eq!(
            amount_from_wire(&json!("10000"), "order.amount"),
            Ok(Idr::new(10_000).unwrap())
        );
        assert!(amount_from_wire(&json!(10000.5), "order.amount")
            .unwrap_err()
            .contains("order.amount"));
        assert!(amount_from_wire(&json!(-1), "order.amount").is_err());
        assert!(amount_from_wire(&json!(true), "order.amount").is_err());
        for input in ["081211111111", "6281211111111", "+62 812-1111-1111"] {
            let phone = Msisdn::parse(input).unwrap();
            let wire = phone_to_wire(&phone);
            assert_eq!(wire, "081211111111");
            assert_eq!(Msisdn::parse(&wire).unwrap(), phone);
        }
    }

    #[test]
    fn guide_sample_reply_parses() {
        let reply = parse(SAMPLE_REPLY).unwrap();
        assert_eq!(reply.status, PushStatus::Success);
        assert_eq!(reply.response_code, "00");
        assert_eq!(reply.amount, Idr::new(10_000).unwrap());
        assert_eq!(reply.batch_number, Some(4));
        assert_eq!(reply.trace_number, Some(987_654));
        assert_eq!(reply.reference_number, Some(38));
        assert_eq!(reply.approval_code.as_deref(), Some("19832"));
        assert_eq!(reply.cash_used, Some(Idr::new(10_000).unwrap()));
        assert_eq!(reply.points_balance, Some(Idr::new(100_000).unwrap()));
        assert_eq!(reply.configuration.unwrap().tid.as_deref(), Some("00000179"));
        assert_eq!(reply.account_name.as_deref(), Some("Taufik Ismail"));
    }

    #[test]
    fn unknown_status_and_extra_fields_are_kept_not_fatal() {
        let mut value: Value = serde_json::from_str(SAMPLE_REPLY).unwrap();
        value["ovo_payment"]["status"] = json!("ON_HOLD");
        value["ovo_payment"]["brand_new"] = json!({"x": 1});
        value["totally_new_block"] = json!([1, 2, 3]);
        let reply = parse(&value.to_string()).unwrap();
        assert_eq!(reply.status, PushStatus::Unknown("ON_HOLD".into()));
        assert_eq!(reply.status.as_str(), "ON_HOLD");

        let status: RawStatusReply = serde_json::from_value(json!({
            "order": {"invoice_number": "A-01"}, "transaction": {"status": "PARTIALLY_SETTLED", "new": 1}, "extra": true
        }))
        .unwrap();
        assert_eq!(
            status.check().unwrap().status,
            TransactionStatus::Unknown("PARTIALLY_SETTLED".into())
        );
    }

    #[test]
    fn missing_mandatory_fields_are_named() {
        for (path, want) in [
            (&["ovo_payment", "status"][..], "ovo_payment.status"),
            (&["ovo_payment", "response_code"][..], "ovo_payment.response_code"),
            (&["order", "amount"][..], "order.amount"),
            (&["order", "invoice_number"][..], "order.invoice_number"),
            (&["ovo_payment"][..], "ovo_payment"),
        ] {
            let mut value: Value = serde_json::from_str(SAMPLE_REPLY).unwrap();
            let mut target = &mut value;
            for key in &path[..path.len() - 1] {
                target = &mut target[*key];
            }
            target.as_object_mut().unwrap().remove(path[path.len() - 1]);
            let err = parse(&value.to_string()).unwrap_err();
            assert!(err.contains(want), "{err} should name {want}");
        }
        let status: RawStatusReply =
            serde_json::from_value(json!({"order": {"invoice_number": "A-01"}, "transaction": {}}))
                .unwrap();
        assert!(status.check().unwrap_err().contains("transaction.status"));
        let status: RawStatusReply =
            serde_json::from_value(json!({"transaction": {"status": "SUCCESS"}})).unwrap();
        assert!(status.check().unwrap_err().contains("order"));
    }

    #[test]
    fn a_fractional_echoed_amount_names_the_field() {
        let mut value: Value = serde_json::from_str(SAMPLE_REPLY).unwrap();
        value["ovo_payment"]["cash_used"] = json!(10000.5);
        assert!(parse(&value.to_string()).unwrap_err().contains("ovo_payment.cash_used"));
    }

    #[test]
    fn status_enums_round_trip() {
        for s in
            ["PENDING", "SUCCESS", "FAILED", "EXPIRED", "REFUNDED", "TIMEOUT", "REDIRECT", "WHAT"]
        {
            assert_eq!(TransactionStatus::parse(s).as_str(), s);
        }
        for s in ["SUCCESS", "FAILED", "TIMEOUT", "WHAT"] {
            assert_eq!(PushStatus::parse(s).as_str(), s);
        }
    }

    #[test]
    fn ovo_codes_classify() {
        assert_eq!(ovo_code("17").1, Refusal::Declined);
        assert_eq!(ovo_code("63").1, Refusal::Authentication);
        assert_eq!(ovo_code("40").1, Refusal::InvalidRequest);
        assert_eq!(ovo_code("ZZ"), ("Unrecognised OVO response code", Refusal::Declined));
        assert!(is_config_code("EB") && !is_config_code("14"));
    }
}
