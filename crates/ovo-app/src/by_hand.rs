//! What finance records by hand: the merchant's own transfer that pays an offline refund back
//! (with an optional evidence file), and the outcome of a refund or payment the provider could
//! not decide (`needs_review`). Each needs the `resolve_by_hand` permission and the password
//! entered again, is never done by whoever requested the refund or took the payment, and is
//! audited (before and after) in the transaction that changes the row.
//!
//! Evidence files are copied into `<data_dir>/evidence/<sha256>.<pdf|png|jpg>` before the
//! transaction (content-addressed: the same file twice is one copy). A file this call created
//! is removed again when the transaction fails; recordings are serialised in the process, so
//! that removal never takes a file another recording names. Only a crash between the copy and
//! the commit leaves a file no refund names, and recording that file again reuses it.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use ovo_domain::{wib_date, PaymentId, PaymentStatus, RefundId, RefundStatus};
use ovo_ledger::payments;
use ovo_ledger::refunds::{self, HandOutcome, TransferRecord};
use ovo_ledger::LedgerError;
use serde_json::json;
use sha2::{Digest, Sha256};

use crate::backoffice::{Actor, Backoffice};
use crate::error::{AppError, AppResult, ErrorCode};
use crate::ipc::*;
use crate::permissions::Permission;

/// Where evidence files are kept, under the data directory.
pub const EVIDENCE_DIR: &str = "evidence";
/// The largest evidence file accepted.
pub const EVIDENCE_MAX_BYTES: u64 = 10 * 1024 * 1024;
pub const TRANSFER_REFERENCE_MAX_CHARS: usize = 64;
pub const PROVIDER_REF_MAX_CHARS: usize = 100;
pub const NOTE_MAX_CHARS: usize = 500;

/// One transfer recording at a time in this process (see the module note on clean-up).
static EVIDENCE_WRITES: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

impl Backoffice {
    /// `awaiting_transfer → settled_offline`: finance records the reference and WIB date of the
    /// merchant's transfer to the customer, and optionally a PDF/PNG/JPEG proving it.
    pub async fn record_offline_transfer(
        &self,
        input: RecordTransferInput,
    ) -> AppResult<RefundView> {
        let actor = self
            .authorize(Permission::ResolveByHand, "record an offline refund's transfer")
            .await?;
        crate::validate::text_lengths(&input)?;
        let id = RefundId::new(input.refund_id);
        let (refund, subject) =
            self.refund_by_hand(&actor, id, &input.password, RefundWork::RecordTransfer).await?;
        if refund.status != RefundStatus::AwaitingTransfer {
            return Err(AppError::new(
                ErrorCode::Conflict,
                format!("a {} refund has no transfer to record", refund.status.key()),
            )
            .with_reason("refund_state_changed"));
        }
        let reference = transfer_reference(&input.reference)?;
        let date = parse_transfer_date(&input.date)?;
        let today = wib_date(self.now());
        if date > today {
            return Err(AppError::invalid(
                "transfer_date_future",
                format!("the transfer date {date} is after today ({today}, WIB)"),
            ));
        }
        let approved = wib_date(refund.decided_at.unwrap_or(refund.requested_at));
        if date < approved {
            return Err(AppError::invalid(
                "transfer_date_before_approval",
                format!(
                    "the transfer date {date} is before the refund was approved ({approved}, WIB)"
                ),
            ));
        }
        let source = input
            .evidence_path
            .as_deref()
            .map(str::trim)
            .filter(|p| !p.is_empty())
            .map(PathBuf::from);
        let _serialised = EVIDENCE_WRITES.lock().await;
        let evidence = match source {
            Some(source) => {
                let dir = self.config.data_dir.join(EVIDENCE_DIR);
                Some(
                    tokio::task::spawn_blocking(move || store_evidence(&dir, &source))
                        .await
                        .map_err(|e| AppError::new(ErrorCode::Internal, e.to_string()))??,
                )
            }
            None => None,
        };
        let now = self.now();
        let date_text = date.to_string();
        let recorded = async {
            let mut tx = self.ledger.begin_write().await?;
            let record = TransferRecord {
                reference: &reference,
                date,
                evidence: evidence.as_ref().map(|e| e.name.as_str()),
                evidence_sha256: evidence.as_ref().map(|e| e.sha256.as_str()),
                recorded_by: actor.operator.id,
            };
            let after =
                refunds::settle_offline(&mut tx, id, &record, now).await.map_err(by_hand_error)?;
            let detail = json!({
                "before": refund.status.key(),
                "after": after.status.key(),
                "amount": refund.amount.rupiah(),
                "transfer_reference": reference,
                "transfer_date": date_text,
                "evidence": evidence.as_ref().map(|e| e.name.clone()),
                "evidence_sha256": evidence.as_ref().map(|e| e.sha256.clone()),
                "evidence_file": evidence.as_ref().map(|e| e.original.clone()),
            });
            self.audit_act(&mut tx, &actor, RefundWork::RecordTransfer.action(), &subject, detail)
                .await?;
            ovo_ledger::commit(tx).await?;
            AppResult::Ok(())
        }
        .await;
        if let Err(e) = recorded {
            if let Some(evidence) = evidence.filter(|e| e.created) {
                if let Err(io) = std::fs::remove_file(&evidence.path) {
                    tracing::warn!(error = %io, file = %evidence.path.display(), "could not remove an evidence file no refund names");
                }
            }
            return Err(e);
        }
        self.refund_view(id, true).await
    }

    /// Opens a recorded transfer's evidence file with the system's viewer, after checking that
    /// it is still the file whose digest was recorded.
    pub async fn open_refund_evidence(&self, input: RefundRef) -> AppResult<()> {
        self.authorize(Permission::ResolveByHand, "open transfer evidence").await?;
        let refund = self.refund_row(RefundId::new(input.refund_id)).await?;
        let transfer = refund.transfer.ok_or_else(|| {
            AppError::new(ErrorCode::NotFound, "no transfer was recorded for this refund")
        })?;
        let (Some(name), Some(sha256)) = (transfer.evidence, transfer.evidence_sha256) else {
            return Err(AppError::new(
                ErrorCode::NotFound,
                "this transfer was recorded without an evidence file",
            )
            .with_reason("evidence_none"));
        };
        if !is_stored_name(&name) {
            return Err(AppError::new(
                ErrorCode::Conflict,
                "the ledger names an evidence file this app never stores",
            )
            .with_reason("evidence_altered"));
        }
        let path = self.config.data_dir.join(EVIDENCE_DIR).join(&name);
        let read_path = path.clone();
        let digest = tokio::task::spawn_blocking(move || {
            std::fs::read(&read_path).map(|bytes| hex::encode(Sha256::digest(&bytes)))
        })
        .await
        .map_err(|e| AppError::new(ErrorCode::Internal, e.to_string()))?
        .map_err(|e| {
            AppError::new(
                ErrorCode::NotFound,
                format!("the evidence file {} cannot be read: {e}", path.display()),
            )
            .with_reason("evidence_missing")
        })?;
        if digest != sha256 {
            return Err(AppError::new(
                ErrorCode::Conflict,
                "the evidence file was changed after it was recorded; its digest no longer matches",
            )
            .with_reason("evidence_altered"));
        }
        self.opener.open_file(&path).map_err(|e| {
            AppError::new(ErrorCode::Internal, format!("could not open the evidence file: {e}"))
                .with_reason("evidence_open_failed")
        })
    }

    /// `needs_review → succeeded | failed` for a refund, by finance's decision. `failed`
    /// releases the reservation; `succeeded` keeps it.
    pub async fn resolve_refund_by_hand(&self, input: ResolveByHandInput) -> AppResult<RefundView> {
        let actor = self.authorize(Permission::ResolveByHand, "resolve a refund by hand").await?;
        crate::validate::text_lengths(&input)?;
        let id = RefundId::new(input.id);
        let (refund, subject) =
            self.refund_by_hand(&actor, id, &input.password, RefundWork::Resolve).await?;
        let evidence = Evidence::parse(&input)?;
        if refund.status != RefundStatus::NeedsReview {
            return Err(AppError::new(
                ErrorCode::Conflict,
                format!("a {} refund is not waiting for a decision by hand", refund.status.key()),
            )
            .with_reason("refund_state_changed"));
        }
        let outcome = if evidence.succeeded { HandOutcome::Succeeded } else { HandOutcome::Failed };
        let now = self.now();
        let mut tx = self.ledger.begin_write().await?;
        let after = refunds::resolve_by_hand(
            &mut tx,
            id,
            outcome,
            actor.operator.id,
            evidence.provider_ref.as_deref(),
            &evidence.note,
            now,
        )
        .await
        .map_err(by_hand_error)?;
        let detail = json!({
            "before": refund.status.key(),
            "after": after.status.key(),
            "amount": refund.amount.rupiah(),
            "provider_ref": after.provider_ref,
            "note": evidence.note,
        });
        self.audit_act(&mut tx, &actor, RefundWork::Resolve.action(), &subject, detail).await?;
        ovo_ledger::commit(tx).await?;
        self.refund_view(id, true).await
    }

    /// `needs_review → succeeded | failed` for a payment, by finance's decision. A payment
    /// resolved as succeeded can be refunded as usual.
    pub async fn resolve_payment_by_hand(
        &self,
        input: ResolveByHandInput,
    ) -> AppResult<PaymentDetailView> {
        let actor = self.authorize(Permission::ResolveByHand, "resolve a payment by hand").await?;
        crate::validate::text_lengths(&input)?;
        let id = PaymentId::new(input.id);
        let payment = self.payment_row(id).await?;
        let subject = format!("payment:{}", payment.reference.as_str());
        self.check_password(&actor.operator, &input.password, "payment.resolve_by_hand", &subject)
            .await?;
        let creator = {
            let mut conn = self.ledger.read().await?;
            payments::created_by(&mut conn, id).await?
        };
        if creator == Some(actor.operator.id) {
            self.deny(&actor.operator, "payment.resolve_by_hand", &subject, "own_payment").await?;
            return Err(payment_own_resolution());
        }
        let evidence = Evidence::parse(&input)?;
        if payment.status != PaymentStatus::NeedsReview {
            return Err(payment_state_changed(payment.status));
        }
        let now = self.now();
        let mut tx = self.ledger.begin_write().await?;
        payments::resolve_by_hand(
            &mut tx,
            id,
            evidence.succeeded,
            actor.operator.id,
            evidence.provider_ref.as_deref(),
            &evidence.note,
            now,
        )
        .await
        .map_err(|e| match e {
            LedgerError::SelfResolution { .. } => payment_own_resolution(),
            LedgerError::NotFound { .. } => payment_state_changed(PaymentStatus::NeedsReview),
            other => other.into(),
        })?;
        let after =
            if evidence.succeeded { PaymentStatus::Succeeded } else { PaymentStatus::Failed };
        let detail = json!({
            "origin": "by_hand",
            "before": payment.status.key(),
            "after": after.key(),
            "status": after.key(),
            "by": actor.operator.username,
            "provider_ref": evidence.provider_ref.clone().or(payment.provider_ref.clone()),
            "note": evidence.note,
        });
        let kind = if evidence.succeeded { "payment_succeeded" } else { "payment_failed" };
        payments::add_event(&mut tx, id, now, kind, &detail).await?;
        self.audit_act(&mut tx, &actor, "payment.resolve_by_hand", &subject, detail).await?;
        ovo_ledger::commit(tx).await?;
        self.payment_detail(id).await
    }

    /// The refund finance acts on by hand and its audit subject, once `actor` entered the
    /// password again and is not the one who requested it.
    async fn refund_by_hand(
        &self,
        actor: &Actor,
        id: RefundId,
        password: &Secret,
        work: RefundWork,
    ) -> AppResult<(refunds::RefundRow, String)> {
        let action = work.action();
        let refund = self.refund_row(id).await?;
        let subject = format!("refund:{}", refund.reference.as_str());
        self.check_password(&actor.operator, password, action, &subject).await?;
        if refund.requested_by == actor.operator.id {
            self.deny(&actor.operator, action, &subject, "own_request").await?;
            let (must, reason) = work.for_another();
            return Err(AppError::new(
                ErrorCode::Forbidden,
                format!("you requested this refund; another finance operator must {must}"),
            )
            .with_reason(reason));
        }
        Ok((refund, subject))
    }
}

/// What finance does by hand to a refund.
#[derive(Debug, Clone, Copy)]
enum RefundWork {
    RecordTransfer,
    Resolve,
}

impl RefundWork {
    fn action(self) -> &'static str {
        match self {
            RefundWork::RecordTransfer => "refund.record_transfer",
            RefundWork::Resolve => "refund.resolve_by_hand",
        }
    }

    /// What another finance operator must do than the refund's requester, and the refusal's
    /// reason.
    fn for_another(self) -> (&'static str, &'static str) {
        match self {
            RefundWork::RecordTransfer => ("record its transfer", "refund_own_transfer"),
            RefundWork::Resolve => ("resolve it", "refund_own_resolution"),
        }
    }
}

fn payment_own_resolution() -> AppError {
    AppError::new(
        ErrorCode::Forbidden,
        "you took this payment; another finance operator must resolve it",
    )
    .with_reason("payment_own_resolution")
}

fn payment_state_changed(status: PaymentStatus) -> AppError {
    AppError::new(
        ErrorCode::Conflict,
        format!("a {} payment is not waiting for a decision by hand", status.key()),
    )
    .with_reason("payment_state_changed")
}

fn by_hand_error(err: LedgerError) -> AppError {
    match err {
        LedgerError::IllegalRefundTransition { from, .. } => {
            AppError::new(ErrorCode::Conflict, format!("the refund is {} now", from.key()))
                .with_reason("refund_state_changed")
        }
        LedgerError::SelfDecision { .. } => {
            AppError::new(ErrorCode::Forbidden, "the requester cannot settle their own refund")
                .with_reason("refund_own_resolution")
        }
        other => other.into(),
    }
}

/// What finance saw when deciding by hand.
struct Evidence {
    succeeded: bool,
    provider_ref: Option<String>,
    note: String,
}

impl Evidence {
    fn parse(input: &ResolveByHandInput) -> AppResult<Evidence> {
        let succeeded = match input.outcome.as_str() {
            "succeeded" => true,
            "failed" => false,
            other => {
                return Err(AppError::invalid(
                    "resolution_outcome_invalid",
                    format!("the outcome {other:?} is not one of: succeeded, failed"),
                ));
            }
        };
        let provider_ref = input.provider_ref.trim();
        if provider_ref.chars().count() > PROVIDER_REF_MAX_CHARS
            || provider_ref.chars().any(char::is_control)
        {
            return Err(AppError::invalid(
                "resolution_provider_ref_invalid",
                format!("a provider reference is one line of at most {PROVIDER_REF_MAX_CHARS} characters"),
            ));
        }
        if succeeded && provider_ref.is_empty() {
            return Err(AppError::invalid(
                "resolution_provider_ref_missing",
                "give the provider's reference of the transaction that shows it succeeded (from its dashboard or settlement report)",
            ));
        }
        let note = crate::validate::required_text(
            &input.note,
            ("resolution_note_missing", "say what you saw that decides it"),
            ("resolution_note_too_long", "a note", NOTE_MAX_CHARS),
        )?;
        Ok(Evidence {
            succeeded,
            provider_ref: (!provider_ref.is_empty()).then(|| provider_ref.to_owned()),
            note: note.to_owned(),
        })
    }
}

fn transfer_reference(text: &str) -> AppResult<String> {
    let reference = text.trim();
    if reference.is_empty() {
        return Err(AppError::invalid(
            "transfer_reference_missing",
            "give the bank's reference of the transfer to the customer",
        ));
    }
    if reference.chars().count() > TRANSFER_REFERENCE_MAX_CHARS
        || reference.chars().any(char::is_control)
    {
        return Err(AppError::invalid(
            "transfer_reference_invalid",
            format!("a transfer reference is one line of at most {TRANSFER_REFERENCE_MAX_CHARS} characters"),
        ));
    }
    Ok(reference.to_owned())
}

/// `YYYY-MM-DD` (what a date input gives) or `DD/MM/YYYY`, a real calendar day.
pub fn parse_transfer_date(text: &str) -> AppResult<NaiveDate> {
    let invalid = || {
        AppError::invalid(
            "transfer_date_invalid",
            format!("{:?} is not a date: write YYYY-MM-DD or DD/MM/YYYY", text.trim()),
        )
    };
    let text = text.trim();
    let parts: Vec<&str> = if text.contains('-') {
        text.split('-').collect()
    } else {
        text.split('/').rev().collect()
    };
    let [year, month, day] = parts.as_slice() else { return Err(invalid()) };
    let digits = |s: &str, len: std::ops::RangeInclusive<usize>| {
        len.contains(&s.len()) && s.bytes().all(|b| b.is_ascii_digit())
    };
    if !(digits(year, 4..=4) && digits(month, 1..=2) && digits(day, 1..=2)) {
        return Err(invalid());
    }
    let year: i32 = year.parse().map_err(|_| invalid())?;
    let month: u32 = month.parse().map_err(|_| invalid())?;
    let day: u32 = day.parse().map_err(|_| invalid())?;
    NaiveDate::from_ymd_opt(year, month, day).ok_or_else(invalid)
}

/// An evidence file copied into the data directory.
#[derive(Debug)]
struct StoredEvidence {
    /// `<sha256>.<ext>`.
    name: String,
    sha256: String,
    path: PathBuf,
    /// This call wrote it (it was not there before).
    created: bool,
    /// The chosen file's own name, for the audit entry.
    original: String,
}

/// The stored name's shape: a digest and one of the accepted extensions, nothing else.
fn is_stored_name(name: &str) -> bool {
    match name.split_once('.') {
        Some((digest, ext)) => {
            digest.len() == 64
                && digest.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
                && matches!(ext, "pdf" | "png" | "jpg")
        }
        None => false,
    }
}

/// The file's type from its first bytes (never from its name).
fn evidence_extension(bytes: &[u8]) -> Option<&'static str> {
    if bytes.starts_with(b"%PDF-") {
        Some("pdf")
    } else if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some("png")
    } else if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some("jpg")
    } else {
        None
    }
}

fn store_evidence(dir: &Path, source: &Path) -> AppResult<StoredEvidence> {
    let shown = source.display().to_string();
    if !source.is_absolute() {
        return Err(AppError::invalid(
            "evidence_path_invalid",
            format!("{shown:?} is not a full path to a file"),
        ));
    }
    let meta = std::fs::metadata(source).map_err(|e| {
        AppError::invalid("evidence_not_found", format!("cannot read {shown}: {e}"))
    })?;
    if !meta.is_file() {
        return Err(AppError::invalid("evidence_not_found", format!("{shown} is not a file")));
    }
    if meta.len() == 0 {
        return Err(AppError::invalid("evidence_empty", format!("{shown} is empty")));
    }
    if meta.len() > EVIDENCE_MAX_BYTES {
        return Err(AppError::invalid(
            "evidence_too_large",
            format!("{shown} is {} bytes; an evidence file is at most 10 MiB", meta.len()),
        ));
    }
    let mut bytes = Vec::with_capacity(usize::try_from(meta.len()).unwrap_or(0));
    std::fs::File::open(source)
        .and_then(|f| f.take(EVIDENCE_MAX_BYTES + 1).read_to_end(&mut bytes))
        .map_err(|e| {
            AppError::invalid("evidence_not_found", format!("cannot read {shown}: {e}"))
        })?;
    if bytes.len() as u64 > EVIDENCE_MAX_BYTES {
        return Err(AppError::invalid(
            "evidence_too_large",
            format!("{shown} is larger than 10 MiB"),
        ));
    }
    let ext = evidence_extension(&bytes).ok_or_else(|| {
        AppError::invalid(
            "evidence_type_unsupported",
            format!("{shown} is not a PDF, PNG or JPEG file"),
        )
    })?;
    let sha256 = hex::encode(Sha256::digest(&bytes));
    let name = format!("{sha256}.{ext}");
    let storage = |e: std::io::Error| {
        AppError::new(
            ErrorCode::Storage,
            format!("cannot store the evidence file in {}: {e}", dir.display()),
        )
    };
    std::fs::create_dir_all(dir).map_err(storage)?;
    let path = dir.join(&name);
    let original = source.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    if path.is_file() {
        return Ok(StoredEvidence { name, sha256, path, created: false, original });
    }
    // Written whole under a temporary name, then renamed: never a half file under its digest.
    let temporary = dir.join(format!(".{name}.partial"));
    let mut file = std::fs::File::create(&temporary).map_err(storage)?;
    file.write_all(&bytes).and_then(|()| file.sync_all()).map_err(storage)?;
    drop(file);
    std::fs::rename(&temporary, &path).map_err(storage)?;
    Ok(StoredEvidence { name, sha256, path, created: true, original })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn transfer_dates_read_as_the_date_input_or_as_written_in_indonesia() {
        let d = |y, m, day| NaiveDate::from_ymd_opt(y, m, day).unwrap();
        assert_eq!(parse_transfer_date("2026-03-07").unwrap(), d(2026, 3, 7));
        assert_eq!(parse_transfer_date(" 07/03/2026 ").unwrap(), d(2026, 3, 7));
        assert_eq!(parse_transfer_date("7/3/2026").unwrap(), d(2026, 3, 7));
        for bad in [
            "",
            "2026-02-30",
            "2026-13-01",
            "03/07/26",
            "2026/03/07",
            "tomorrow",
            "2026-03-07T10:00",
            "+2026-03-07",
        ] {
            assert_eq!(
                parse_transfer_date(bad).unwrap_err().reason,
                Some("transfer_date_invalid"),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn evidence_type_comes_from_the_content() {
        assert_eq!(evidence_extension(b"%PDF-1.7\n"), Some("pdf"));
        assert_eq!(evidence_extension(b"\x89PNG\r\n\x1a\n...."), Some("png"));
        assert_eq!(evidence_extension(&[0xFF, 0xD8, 0xFF, 0xE0]), Some("jpg"));
        assert_eq!(evidence_extension(b"GIF89a"), None);
        assert!(is_stored_name(&format!("{}.pdf", "a".repeat(64))));
        assert!(!is_stored_name(&format!("../{}.pdf", "a".repeat(61))));
        assert!(!is_stored_name(&format!("{}.exe", "a".repeat(64))));
    }
}
