//! Refunds against a real SQLite file in a temp directory: the checked reservation, the guarded
//! transitions, the policy overrides, and concurrent requests from several `Ledger`s on one file.
#![allow(clippy::unwrap_used)]

use std::sync::Arc;

use ovo_domain::{
    Idr, Lang, OperatorId, PaymentId, Product, Reference, RefundId, RefundMode, RefundPolicy,
    RefundPolicyError, RefundStatus, Role, Timestamp,
};
use ovo_ledger::refunds::{self, NewRefund, RefundCursor, RefundRequest};
use ovo_ledger::{commit, Connection, Ledger, LedgerError};
use ovo_test_support::ledger as support;

/// 2026-10-21 10:00 WIB.
fn paid_at() -> Timestamp {
    Timestamp::parse_rfc3339("2026-10-21T03:00:00Z").unwrap()
}

/// The next day, 10:00 WIB.
fn next_day() -> Timestamp {
    paid_at().plus_seconds(86_400)
}

fn rp(rupiah: i64) -> Idr {
    Idr::new(rupiah).unwrap()
}

fn reference(prefix: &str, n: usize) -> Reference {
    Reference::parse(&format!("{prefix}{n:0width$}", width = 16 - prefix.len())).unwrap()
}

struct Fixture {
    _dir: tempfile::TempDir,
    ledger: Ledger,
    staff: OperatorId,
    finance: OperatorId,
    next_ref: std::cell::Cell<usize>,
}

impl Fixture {
    async fn new() -> Fixture {
        Fixture::on(support::fresh().await).await
    }

    /// On a ledger file whatever the run's backend: for SQLite's own migration files.
    async fn on_file() -> Fixture {
        Fixture::on(support::fresh_file().await).await
    }

    async fn on((dir, ledger): (tempfile::TempDir, Ledger)) -> Fixture {
        let staff = add_operator(&ledger, "sari", Role::Staff).await;
        let finance = add_operator(&ledger, "budi", Role::Finance).await;
        Fixture { _dir: dir, ledger, staff, finance, next_ref: std::cell::Cell::new(0) }
    }

    fn reference(&self) -> Reference {
        let n = self.next_ref.get() + 1;
        self.next_ref.set(n);
        reference("RF", n)
    }

    async fn payment(
        &self,
        product: Product,
        amount: i64,
        status: &str,
        succeeded_at: Option<Timestamp>,
    ) -> PaymentId {
        let mut tx = self.ledger.begin_write().await.unwrap();
        let id = insert_payment(&mut tx, product, amount, status, succeeded_at).await;
        commit(tx).await.unwrap();
        id
    }

    async fn request(&self, payment: PaymentId, amount: i64, at: Timestamp) -> RefundRequest {
        let reference = self.reference();
        let new = NewRefund {
            payment_id: payment,
            amount: rp(amount),
            reason: "goods returned",
            requested_by: self.staff,
            reference: &reference,
            at,
        };
        let mut tx = self.ledger.begin_write().await.unwrap();
        let out = refunds::request_refund(&mut tx, &new).await.unwrap();
        commit(tx).await.unwrap();
        out
    }

    async fn reserved(&self, payment: PaymentId) -> i64 {
        let mut conn = self.ledger.read().await.unwrap();
        refunds::reserved_for_payment(&mut conn, payment).await.unwrap().rupiah()
    }

    /// A refund of `amount` on a fresh payment, moved to `status` through the repository.
    async fn refund_in(&self, status: RefundStatus, mode: RefundMode) -> RefundId {
        let product = match mode {
            RefundMode::Api => Product::OvoSnap,
            RefundMode::Offline => Product::FaspayOvoTokenize,
        };
        let payment = self.payment(product, 100_000, "succeeded", Some(paid_at())).await;
        let id = self.request(payment, 10_000, next_day()).await.refund().unwrap().id;
        let path: &[RefundStatus] = match status {
            RefundStatus::Requested => &[],
            RefundStatus::Approved => &[RefundStatus::Approved],
            RefundStatus::Rejected => &[RefundStatus::Rejected],
            RefundStatus::Submitting => &[RefundStatus::Approved, RefundStatus::Submitting],
            RefundStatus::Processing => {
                &[RefundStatus::Approved, RefundStatus::Submitting, RefundStatus::Processing]
            }
            RefundStatus::Unknown => {
                &[RefundStatus::Approved, RefundStatus::Submitting, RefundStatus::Unknown]
            }
            RefundStatus::Succeeded => {
                &[RefundStatus::Approved, RefundStatus::Submitting, RefundStatus::Succeeded]
            }
            RefundStatus::Failed => {
                &[RefundStatus::Approved, RefundStatus::Submitting, RefundStatus::Failed]
            }
            RefundStatus::AwaitingTransfer => {
                &[RefundStatus::Approved, RefundStatus::AwaitingTransfer]
            }
            RefundStatus::SettledOffline => &[
                RefundStatus::Approved,
                RefundStatus::AwaitingTransfer,
                RefundStatus::SettledOffline,
            ],
            RefundStatus::NeedsReview => &[
                RefundStatus::Approved,
                RefundStatus::Submitting,
                RefundStatus::Unknown,
                RefundStatus::NeedsReview,
            ],
        };
        for &to in path {
            let mut tx = self.ledger.begin_write().await.unwrap();
            self.step(&mut tx, id, to).await.unwrap();
            commit(tx).await.unwrap();
        }
        id
    }

    async fn step(
        &self,
        conn: &mut Connection,
        id: RefundId,
        to: RefundStatus,
    ) -> Result<refunds::RefundRow, LedgerError> {
        let at = next_day().plus_seconds(60);
        match to {
            RefundStatus::Approved => {
                refunds::approve(conn, id, self.finance, Some("ok"), at).await
            }
            RefundStatus::Rejected => {
                refunds::reject(conn, id, self.finance, "no receipt", at).await
            }
            RefundStatus::Submitting => {
                refunds::mark_submitting(conn, id, &format!("idem-{}", id.get()), at).await
            }
            RefundStatus::Processing => refunds::mark_processing(conn, id, Some("PRV-1"), at).await,
            RefundStatus::Succeeded => refunds::mark_succeeded(conn, id, None, at).await,
            RefundStatus::Failed => refunds::mark_failed(conn, id, None, at).await,
            RefundStatus::Unknown => refunds::mark_unknown(conn, id, None, at).await,
            RefundStatus::AwaitingTransfer => refunds::await_transfer(conn, id, at).await,
            RefundStatus::SettledOffline => {
                let record = refunds::TransferRecord {
                    reference: "TRF-778",
                    date: chrono::NaiveDate::from_ymd_opt(2024, 3, 2).unwrap(),
                    evidence: None,
                    evidence_sha256: None,
                    recorded_by: self.finance,
                };
                refunds::settle_offline(conn, id, &record, at).await
            }
            RefundStatus::NeedsReview => {
                refunds::mark_needs_review(conn, id, Some(r#"{"code":"x","message":"y"}"#), at)
                    .await
            }
            RefundStatus::Requested => unreachable!("nothing moves back to requested"),
        }
    }
}

async fn add_operator(ledger: &Ledger, username: &str, role: Role) -> OperatorId {
    support::add_operator(ledger, username, role, paid_at()).await
}

async fn insert_payment(
    conn: &mut Connection,
    product: Product,
    amount: i64,
    status: &str,
    succeeded_at: Option<Timestamp>,
) -> PaymentId {
    let n: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM payments").fetch_one(&mut *conn).await.unwrap();
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO payments (reference, product, kind, amount, status, created_at, succeeded_at, updated_at)
         VALUES ($1, $2, 'direct_debit', $3, $4, $5, $6, $7) RETURNING id",
    )
    .bind(format!("PY{:014}", n + 1))
    .bind(product.key())
    .bind(amount)
    .bind(status)
    .bind(paid_at().unix_millis() - 5_000)
    .bind(succeeded_at.map(Timestamp::unix_millis))
    .bind(paid_at().unix_millis())
    .fetch_one(&mut *conn)
    .await
    .unwrap();
    PaymentId::new(id)
}

#[tokio::test]
async fn a_request_is_checked_reserved_and_explained() {
    let f = Fixture::new().await;
    let payment = f.payment(Product::OvoSnap, 100_000, "succeeded", Some(paid_at())).await;

    let out = f.request(payment, 40_000, next_day()).await;
    let RefundRequest::Reserved { refund, decision } = &out else { panic!("refused: {out:?}") };
    assert_eq!(
        (refund.status, refund.mode, refund.amount),
        (RefundStatus::Requested, RefundMode::Api, rp(40_000))
    );
    assert_eq!((refund.requested_by, refund.reason.as_str()), (f.staff, "goods returned"));
    assert_eq!(decision.refundable, rp(100_000));
    assert_eq!(
        decision.rule_text(Lang::En),
        "OVO SNAP: partial refund allowed until 20 Dec 2026 (D+60)"
    );
    assert_eq!(
        decision.rule_text(Lang::Id),
        "OVO SNAP: pengembalian sebagian diizinkan hingga 20 Des 2026 (D+60)"
    );
    assert_eq!(f.reserved(payment).await, 40_000);

    // Cumulative: 40.000 reserved, 70.000 more would pass the paid 100.000; nothing is written.
    let out = f.request(payment, 70_000, next_day()).await;
    let RefundRequest::Refused { decision } = &out else { panic!("reserved: {out:?}") };
    assert_eq!(decision.reason(), Some("refund_exceeds_refundable"));
    assert_eq!(decision.refundable, rp(60_000));
    assert_eq!(
        decision.refusal_text(Lang::Id).unwrap(),
        "Rp\u{a0}70.000 melebihi sisa yang dapat dikembalikan Rp\u{a0}60.000 (dibayar Rp\u{a0}100.000, sudah dikembalikan atau sedang diajukan Rp\u{a0}40.000)"
    );
    let mut conn = f.ledger.read().await.unwrap();
    assert_eq!(refunds::list_by_payment(&mut conn, payment).await.unwrap().len(), 1);
    let timeline = refunds::timeline(&mut conn, refund.id).await.unwrap();
    assert_eq!(timeline.iter().map(|e| e.kind.as_str()).collect::<Vec<_>>(), ["refund_requested"]);
    assert!(timeline[0].detail.contains("\"amount\":40000"), "{}", timeline[0].detail);
    // The preview answers the same without writing.
    let preview = refunds::preview(&mut conn, payment, rp(60_000), next_day()).await.unwrap();
    assert!(preview.allowed);
    assert_eq!(preview.refundable, rp(60_000));
    assert_eq!(
        refunds::by_reference(&mut conn, &refund.reference).await.unwrap().as_ref(),
        Some(refund.as_ref())
    );
}

#[tokio::test]
async fn product_rules_apply_through_the_ledger() {
    let f = Fixture::new().await;
    // Tazapay: full only.
    let taza = f.payment(Product::TazapayOvoIdr, 100_000, "succeeded", Some(paid_at())).await;
    let out = f.request(taza, 40_000, next_day()).await;
    assert_eq!(out.decision().reason(), Some("refund_partial_not_allowed"));
    assert_eq!(
        out.decision().refusal_text(Lang::En).unwrap(),
        "Full refund only: refund the full IDR\u{a0}100,000 (requested IDR\u{a0}40,000)"
    );
    assert_eq!(out.decision().rule_text(Lang::En), "Tazapay OVO: full refund only");
    assert!(f.request(taza, 100_000, next_day()).await.refund().is_some());
    // Jokul push: offline mode recorded on the row.
    let jokul = f.payment(Product::DokuJokulOvoPush, 50_000, "succeeded", Some(paid_at())).await;
    let out = f.request(jokul, 10_000, next_day()).await;
    assert_eq!(out.refund().unwrap().mode, RefundMode::Offline);
    // Not succeeded.
    let pending = f.payment(Product::OvoSnap, 50_000, "pending", None).await;
    assert_eq!(
        f.request(pending, 10_000, next_day()).await.decision().reason(),
        Some("refund_payment_not_succeeded")
    );
    // D+60 boundary, WIB: 2026-12-20 23:59:59.999 WIB allowed, 00:00 of the 61st day refused.
    let snap = f.payment(Product::OvoSnap, 50_000, "succeeded", Some(paid_at())).await;
    let last = Timestamp::parse_rfc3339("2026-12-20T16:59:59.999Z").unwrap();
    assert!(f.request(snap, 10_000, last).await.refund().is_some());
    let out = f.request(snap, 10_000, last.plus_millis(1)).await;
    assert_eq!(out.decision().reason(), Some("refund_window_closed"));
    // Unknown payment.
    let reference = f.reference();
    let new = NewRefund {
        payment_id: PaymentId::new(9_999),
        amount: rp(1),
        reason: "x",
        requested_by: f.staff,
        reference: &reference,
        at: next_day(),
    };
    let mut tx = f.ledger.begin_write().await.unwrap();
    let err = refunds::request_refund(&mut tx, &new).await.unwrap_err();
    assert!(matches!(err, LedgerError::NotFound { what: "payment" }), "{err}");
}

#[tokio::test]
async fn rejected_and_failed_refunds_release_their_reservation() {
    let f = Fixture::new().await;
    let payment = f.payment(Product::OvoSnap, 100_000, "succeeded", Some(paid_at())).await;
    let first = f.request(payment, 100_000, next_day()).await.refund().unwrap().id;
    assert_eq!(
        f.request(payment, 1, next_day()).await.decision().reason(),
        Some("refund_exceeds_refundable")
    );
    let mut tx = f.ledger.begin_write().await.unwrap();
    refunds::reject(&mut tx, first, f.finance, "duplicate", next_day()).await.unwrap();
    commit(tx).await.unwrap();
    assert_eq!(f.reserved(payment).await, 0);
    let second = f.request(payment, 100_000, next_day()).await.refund().unwrap().id;
    let mut tx = f.ledger.begin_write().await.unwrap();
    for to in [RefundStatus::Approved, RefundStatus::Submitting, RefundStatus::Unknown] {
        f.step(&mut tx, second, to).await.unwrap();
    }
    commit(tx).await.unwrap();
    // Unknown keeps the reservation: the money may have moved.
    assert_eq!(f.reserved(payment).await, 100_000);
    let mut tx = f.ledger.begin_write().await.unwrap();
    let failed = refunds::mark_failed(&mut tx, second, Some("RFD-9"), next_day()).await.unwrap();
    commit(tx).await.unwrap();
    assert_eq!(
        (failed.status, failed.provider_ref.as_deref()),
        (RefundStatus::Failed, Some("RFD-9"))
    );
    assert!(failed.completed_at.is_some());
    assert_eq!(f.reserved(payment).await, 0);
    assert!(f.request(payment, 100_000, next_day()).await.refund().is_some());
}

#[tokio::test]
async fn the_daily_limit_counts_one_product_per_wib_date() {
    let f = Fixture::new().await;
    let limit = RefundPolicy {
        daily_limit: Some(rp(50_000)),
        ..RefundPolicy::default_for(Product::OvoSnap)
    };
    let mut tx = f.ledger.begin_write().await.unwrap();
    refunds::save_override(&mut tx, Product::OvoSnap, &limit, f.finance, paid_at()).await.unwrap();
    commit(tx).await.unwrap();
    let a = f.payment(Product::OvoSnap, 100_000, "succeeded", Some(paid_at())).await;
    let b = f.payment(Product::OvoSnap, 100_000, "succeeded", Some(paid_at())).await;
    let other = f.payment(Product::DokuSnapOvo, 100_000, "succeeded", Some(paid_at())).await;
    // 2026-10-22 23:00 WIB.
    let late = Timestamp::parse_rfc3339("2026-10-22T16:00:00Z").unwrap();
    assert!(f.request(a, 30_000, next_day()).await.refund().is_some());
    assert!(
        f.request(other, 90_000, next_day()).await.refund().is_some(),
        "another product has its own limit"
    );
    let out = f.request(b, 30_000, late).await;
    assert_eq!(out.decision().reason(), Some("refund_daily_limit_exceeded"));
    assert_eq!(
        out.decision().refusal_text(Lang::En).unwrap(),
        "IDR\u{a0}30,000 would exceed the daily refund limit of IDR\u{a0}50,000: IDR\u{a0}30,000 already used today (WIB), IDR\u{a0}20,000 left"
    );
    assert!(f.request(b, 20_000, late).await.refund().is_some());
    // 00:00 WIB of the next day: a new day.
    assert!(f.request(b, 30_000, late.plus_seconds(3_600)).await.refund().is_some());
}

#[tokio::test]
async fn transitions_follow_the_state_machine_and_refuse_everything_else() {
    use RefundStatus::*;
    let f = Fixture::new().await;
    // (refund mode, current status, target, expected error variant)
    #[derive(Debug, PartialEq)]
    enum Expect {
        Ok,
        Illegal,
        WrongMode,
    }
    let targets = [
        Approved,
        Rejected,
        Submitting,
        Processing,
        Succeeded,
        Failed,
        Unknown,
        AwaitingTransfer,
        SettledOffline,
        NeedsReview,
    ];
    let legal_api: &[(RefundStatus, &[RefundStatus])] = &[
        (Requested, &[Approved, Rejected]),
        (Approved, &[Submitting]),
        (Rejected, &[]),
        (Submitting, &[Processing, Succeeded, Failed, Unknown, NeedsReview]),
        (Processing, &[Succeeded, Failed, Unknown, NeedsReview]),
        (Unknown, &[Processing, Succeeded, Failed, NeedsReview]),
        (NeedsReview, &[Processing, Succeeded, Failed]),
        (Succeeded, &[]),
        (Failed, &[]),
    ];
    let legal_offline: &[(RefundStatus, &[RefundStatus])] = &[
        (Requested, &[Approved, Rejected]),
        (Approved, &[AwaitingTransfer]),
        (AwaitingTransfer, &[SettledOffline]),
        (Rejected, &[]),
        (SettledOffline, &[]),
    ];
    let mut checked = 0;
    for (mode, table) in [(RefundMode::Api, legal_api), (RefundMode::Offline, legal_offline)] {
        for &(from, legal) in table {
            for to in targets {
                let id = f.refund_in(from, mode).await;
                let needs = match to {
                    Submitting | Processing | Succeeded | Failed | Unknown | NeedsReview => {
                        Some(RefundMode::Api)
                    }
                    AwaitingTransfer | SettledOffline => Some(RefundMode::Offline),
                    _ => None,
                };
                let from_ok = match to {
                    Approved | Rejected => from == Requested,
                    Submitting | AwaitingTransfer => from == Approved,
                    SettledOffline => from == AwaitingTransfer,
                    Processing => matches!(from, Submitting | Unknown | NeedsReview),
                    Succeeded | Failed => {
                        matches!(from, Submitting | Processing | Unknown | NeedsReview)
                    }
                    Unknown => matches!(from, Submitting | Processing),
                    NeedsReview => matches!(from, Submitting | Processing | Unknown),
                    Requested => false,
                };
                let expect = if !from_ok {
                    Expect::Illegal
                } else if needs.is_some_and(|m| m != mode) {
                    Expect::WrongMode
                } else {
                    Expect::Ok
                };
                assert_eq!(
                    expect == Expect::Ok,
                    legal.contains(&to),
                    "{mode:?} {from:?} -> {to:?}: table and rules agree"
                );
                let mut tx = f.ledger.begin_write().await.unwrap();
                let got = f.step(&mut tx, id, to).await;
                match (&expect, got) {
                    (Expect::Ok, Ok(row)) => assert_eq!(row.status, to),
                    (
                        Expect::Illegal,
                        Err(LedgerError::IllegalRefundTransition { id: eid, from: efrom, to: eto }),
                    ) => {
                        assert_eq!((eid, efrom, eto), (id, from, to));
                    }
                    (
                        Expect::WrongMode,
                        Err(LedgerError::WrongRefundMode { id: eid, mode: emode, to: eto }),
                    ) => {
                        assert_eq!((eid, emode, eto), (id, mode, to));
                    }
                    (expect, got) => {
                        panic!("{mode:?} {from:?} -> {to:?}: expected {expect:?}, got {got:?}")
                    }
                }
                drop(tx); // rolled back
                checked += 1;
            }
        }
    }
    assert_eq!(checked, (legal_api.len() + legal_offline.len()) * targets.len());

    // Four eyes: the requester cannot approve or reject their own request.
    let id = f.refund_in(Requested, RefundMode::Api).await;
    let mut tx = f.ledger.begin_write().await.unwrap();
    let err = refunds::approve(&mut tx, id, f.staff, None, next_day()).await.unwrap_err();
    assert!(matches!(err, LedgerError::SelfDecision { id: e } if e == id), "{err}");
    let err = refunds::reject(&mut tx, id, f.staff, "mine", next_day()).await.unwrap_err();
    assert!(matches!(err, LedgerError::SelfDecision { .. }), "{err}");
    let err = refunds::approve(&mut tx, RefundId::new(9_999), f.finance, None, next_day())
        .await
        .unwrap_err();
    assert!(matches!(err, LedgerError::NotFound { what: "refund" }), "{err}");
}

#[tokio::test]
async fn the_api_path_keeps_its_idempotency_key_and_timeline() {
    let f = Fixture::new().await;
    let id = f.refund_in(RefundStatus::Approved, RefundMode::Api).await;
    // After the approval (next day + 60 s).
    let t = next_day().plus_seconds(120);
    let mut tx = f.ledger.begin_write().await.unwrap();
    let row = refunds::mark_submitting(&mut tx, id, "IDEM-KEY-1", t).await.unwrap();
    assert_eq!((row.idempotency_key.as_deref(), row.submitted_at), (Some("IDEM-KEY-1"), Some(t)));
    refunds::mark_unknown(&mut tx, id, None, t).await.unwrap();
    refunds::mark_processing(&mut tx, id, Some("PRV-77"), t).await.unwrap();
    let done = refunds::mark_succeeded(&mut tx, id, None, t.plus_seconds(5)).await.unwrap();
    commit(tx).await.unwrap();
    assert_eq!(
        done.provider_ref.as_deref(),
        Some("PRV-77"),
        "a missing provider ref keeps the stored one"
    );
    assert_eq!(done.idempotency_key.as_deref(), Some("IDEM-KEY-1"));
    assert_eq!(done.completed_at, Some(t.plus_seconds(5)));
    assert_eq!((done.decided_by, done.decision_note.as_deref()), (Some(f.finance), Some("ok")));
    let mut conn = f.ledger.read().await.unwrap();
    let kinds: Vec<String> =
        refunds::timeline(&mut conn, id).await.unwrap().into_iter().map(|e| e.kind).collect();
    assert_eq!(
        kinds,
        [
            "refund_requested",
            "refund_approved",
            "refund_submitting",
            "refund_unknown",
            "refund_processing",
            "refund_succeeded"
        ]
    );
    drop(conn);
    // An idempotency key belongs to one refund.
    let other = f.refund_in(RefundStatus::Approved, RefundMode::Api).await;
    let mut tx = f.ledger.begin_write().await.unwrap();
    let err = refunds::mark_submitting(&mut tx, other, "IDEM-KEY-1", next_day()).await.unwrap_err();
    assert!(matches!(err, LedgerError::Duplicate { what: "idempotency key" }), "{err}");
    drop(tx);
    // Offline settlement stores its reference.
    let offline = f.refund_in(RefundStatus::SettledOffline, RefundMode::Offline).await;
    let mut conn = f.ledger.read().await.unwrap();
    let row = refunds::get(&mut conn, offline).await.unwrap().unwrap();
    assert_eq!(
        (row.status, row.provider_ref.as_deref()),
        (RefundStatus::SettledOffline, Some("TRF-778"))
    );
}

#[tokio::test]
async fn the_queue_pages_newest_first_by_status() {
    let f = Fixture::new().await;
    let payment =
        f.payment(Product::DokuJokulOvoPush, 1_000_000, "succeeded", Some(paid_at())).await;
    for i in 0..7 {
        // Two at the same instant to exercise the id tie-break.
        let at = next_day().plus_seconds(i / 2);
        f.request(payment, 1_000, at).await.refund().unwrap();
    }
    let rejected = f.request(payment, 1_000, next_day()).await.refund().unwrap().id;
    let mut tx = f.ledger.begin_write().await.unwrap();
    refunds::reject(&mut tx, rejected, f.finance, "no", next_day()).await.unwrap();
    commit(tx).await.unwrap();

    let mut conn = f.ledger.read().await.unwrap();
    let mut seen = Vec::new();
    let mut after = None;
    loop {
        let page = refunds::queue(&mut conn, RefundStatus::Requested, after, 3).await.unwrap();
        if page.is_empty() {
            break;
        }
        let last = page.last().unwrap();
        after = Some(RefundCursor { requested_at: last.requested_at, id: last.id });
        seen.extend(page.into_iter().map(|r| (r.requested_at, r.id)));
    }
    assert_eq!(seen.len(), 7);
    assert!(seen.windows(2).all(|w| w[0] > w[1]), "strictly newest first: {seen:?}");
    let rejected_page = refunds::queue(&mut conn, RefundStatus::Rejected, None, 10).await.unwrap();
    assert_eq!(rejected_page.iter().map(|r| r.id).collect::<Vec<_>>(), [rejected]);
}

#[tokio::test]
async fn policy_overrides_round_trip_and_are_validated() {
    let f = Fixture::new().await;
    let mut tx = f.ledger.begin_write().await.unwrap();
    assert_eq!(refunds::load_override(&mut tx, Product::TazapayOvoIdr).await.unwrap(), None);
    assert_eq!(
        refunds::effective_policy(&mut tx, Product::TazapayOvoIdr).await.unwrap(),
        RefundPolicy::default_for(Product::TazapayOvoIdr)
    );
    let contract = RefundPolicy {
        mode: RefundMode::Offline,
        partial_allowed: true,
        window_days: Some(14),
        daily_limit: Some(rp(5_000_000)),
    };
    refunds::save_override(&mut tx, Product::TazapayOvoIdr, &contract, f.finance, paid_at())
        .await
        .unwrap();
    refunds::save_override(
        &mut tx,
        Product::OvoSnap,
        &RefundPolicy::default_for(Product::OvoSnap),
        f.finance,
        paid_at(),
    )
    .await
    .unwrap();
    let replaced = RefundPolicy { window_days: Some(0), ..contract };
    refunds::save_override(&mut tx, Product::TazapayOvoIdr, &replaced, f.finance, next_day())
        .await
        .unwrap();
    assert_eq!(
        refunds::load_override(&mut tx, Product::TazapayOvoIdr).await.unwrap(),
        Some(replaced)
    );
    let all = refunds::list_overrides(&mut tx).await.unwrap();
    assert_eq!(
        all.iter().map(|o| o.product).collect::<Vec<_>>(),
        [Product::OvoSnap, Product::TazapayOvoIdr]
    );
    assert_eq!((all[1].updated_at, all[1].updated_by), (next_day(), f.finance));

    for (out_of_range, refused) in [
        (RefundPolicy { window_days: Some(3_651), ..contract }, RefundPolicyError::WindowTooLong),
        (
            RefundPolicy { daily_limit: Some(Idr::ZERO), ..contract },
            RefundPolicyError::DailyLimitZero,
        ),
    ] {
        let err =
            refunds::save_override(&mut tx, Product::OvoSnap, &out_of_range, f.finance, paid_at())
                .await
                .unwrap_err();
        assert!(matches!(&err, LedgerError::InvalidRefundPolicy(e) if *e == refused), "{err}");
    }

    assert!(refunds::delete_override(&mut tx, Product::TazapayOvoIdr).await.unwrap());
    assert!(!refunds::delete_override(&mut tx, Product::TazapayOvoIdr).await.unwrap());
    assert_eq!(refunds::list_overrides(&mut tx).await.unwrap().len(), 1);
    commit(tx).await.unwrap();
}

#[tokio::test]
async fn the_schema_refuses_over_reservation_from_any_writer() {
    let f = Fixture::new().await;
    let payment = f.payment(Product::OvoSnap, 10_000, "succeeded", Some(paid_at())).await;
    let insert = |reference: &'static str, amount: i64, status: &'static str| {
        sqlx::query(
            "INSERT INTO refunds (reference, payment_id, amount, mode, status, reason, requested_by, requested_at, updated_at)
             VALUES ($1, $2, $3, 'api', $4, 'raw', $5, 0, 0)",
        )
        .bind(reference)
        .bind(payment.get())
        .bind(amount)
        .bind(status)
        .bind(f.staff.get())
    };
    let pool = f.ledger.writer_pool();
    insert("RAW0000000000001", 6_000, "requested").execute(pool).await.unwrap();
    insert("RAW0000000000002", 6_000, "failed").execute(pool).await.unwrap();
    let err = insert("RAW0000000000003", 5_000, "requested").execute(pool).await.unwrap_err();
    assert!(err.to_string().contains("exceed the paid amount"), "{err}");
    let err =
        sqlx::query("UPDATE refunds SET status = 'requested' WHERE reference = 'RAW0000000000002'")
            .execute(pool)
            .await
            .unwrap_err();
    assert!(err.to_string().contains("cannot reserve again"), "{err}");
    let err = sqlx::query("UPDATE refunds SET amount = 1 WHERE reference = 'RAW0000000000001'")
        .execute(pool)
        .await
        .unwrap_err();
    assert!(err.to_string().contains("never change"), "{err}");
}

/// 50 partial requests of Rp 7.000 on one Rp 100.000 payment, from 5 `Ledger`s opened on the
/// same file (10 tasks each), each in its own `begin_write`: exactly floor(100000/7000) = 14 pass.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_requests_from_several_ledgers_never_over_reserve() {
    const LEDGERS: usize = 5;
    const TASKS_PER_LEDGER: usize = 10;
    const PAID: i64 = 100_000;
    const EACH: i64 = 7_000;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ledger.sqlite");
    let (first, report) = Ledger::open(&path).await.unwrap();
    assert!(!report.applied.is_empty());
    let staff = add_operator(&first, "sari", Role::Staff).await;
    let mut tx = first.begin_write().await.unwrap();
    let payment =
        insert_payment(&mut tx, Product::OvoSnap, PAID, "succeeded", Some(paid_at())).await;
    commit(tx).await.unwrap();

    // Several opens of one file: the later ones find nothing to migrate and no backup to take.
    let mut ledgers = vec![first];
    for _ in 1..LEDGERS {
        let (ledger, report) = Ledger::open(&path).await.unwrap();
        assert_eq!((report.applied.len(), report.backup), (0, None));
        ledgers.push(ledger);
    }

    let start = Arc::new(tokio::sync::Barrier::new(LEDGERS * TASKS_PER_LEDGER));
    let mut handles = Vec::new();
    for (l, ledger) in ledgers.iter().enumerate() {
        for t in 0..TASKS_PER_LEDGER {
            let ledger = ledger.clone();
            let start = Arc::clone(&start);
            handles.push(tokio::spawn(async move {
                let reference = reference("RACE", l * TASKS_PER_LEDGER + t);
                let new = NewRefund {
                    payment_id: payment,
                    amount: rp(EACH),
                    reason: "race",
                    requested_by: staff,
                    reference: &reference,
                    at: next_day(),
                };
                start.wait().await;
                let mut tx = ledger.begin_write().await.unwrap();
                let out = refunds::request_refund(&mut tx, &new).await.unwrap();
                commit(tx).await.unwrap();
                // Whatever has committed so far never exceeds the paid amount.
                let mut conn = ledger.read().await.unwrap();
                let reserved = refunds::reserved_for_payment(&mut conn, payment).await.unwrap();
                assert!(reserved.rupiah() <= PAID, "reserved {reserved} > paid");
                out
            }));
        }
    }
    let mut passed = 0;
    let mut refused = 0;
    for handle in handles {
        match handle.await.unwrap() {
            RefundRequest::Reserved { refund, .. } => {
                assert_eq!(refund.amount, rp(EACH));
                passed += 1;
            }
            RefundRequest::Refused { decision } => {
                assert_eq!(decision.reason(), Some("refund_exceeds_refundable"));
                assert_eq!(decision.refundable, rp(PAID - 14 * EACH));
                refused += 1;
            }
        }
    }
    assert_eq!((passed, refused), (14, 36));
    let mut conn = ledgers[0].read().await.unwrap();
    assert_eq!(refunds::reserved_for_payment(&mut conn, payment).await.unwrap(), rp(14 * EACH));
    assert_eq!(refunds::list_by_payment(&mut conn, payment).await.unwrap().len(), 14);
    drop(conn);
    for ledger in ledgers {
        ledger.close().await;
    }
}

#[tokio::test]
async fn problems_stored_before_the_original_received_flag_gain_it() {
    let f = Fixture::on_file().await;
    let payment = f.payment(Product::OvoSnap, 100_000, "succeeded", Some(paid_at())).await;
    let mut refunds = Vec::new();
    for _ in 0..3 {
        let RefundRequest::Reserved { refund, .. } = f.request(payment, 10_000, next_day()).await
        else {
            panic!("refused")
        };
        refunds.push(refund.id);
    }
    let stored = [
        r#"{"code":"409","message":"the original was received"}"#,
        r#"{"code":"500","message":"server error"}"#,
        "not json",
    ];
    let mut tx = f.ledger.begin_write().await.unwrap();
    for (id, problem) in refunds.iter().zip(stored) {
        sqlx::query("UPDATE refunds SET problem = $1 WHERE id = $2")
            .bind(problem)
            .bind(id.get())
            .execute(&mut *tx)
            .await
            .unwrap();
    }
    sqlx::raw_sql(include_str!("../migrations/sqlite/0011_refund_original_received.sql"))
        .execute(&mut *tx)
        .await
        .unwrap();
    tx.commit().await.unwrap();

    let mut conn = f.ledger.read().await.unwrap();
    let mut problems = Vec::new();
    for id in &refunds {
        problems.push(refunds::get(&mut conn, *id).await.unwrap().unwrap().problem.unwrap());
    }
    let flagged: serde_json::Value = serde_json::from_str(&problems[0]).unwrap();
    assert_eq!(flagged["original_received"], serde_json::json!(true), "{}", problems[0]);
    assert_eq!(flagged["code"], "409");
    assert_eq!(problems[1], stored[1]);
    assert_eq!(problems[2], stored[2]);
}
