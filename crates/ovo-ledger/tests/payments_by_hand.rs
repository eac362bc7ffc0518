//! Finance's decision by hand on a payment in `needs_review`, against a real SQLite file: only
//! from `needs_review`, never by whoever took the payment (guarded in the update and by a trigger
//! for any writer), the provider's reference kept when none is given.
#![allow(clippy::unwrap_used)]

use ovo_domain::{OperatorId, PaymentId, PaymentStatus, Role, Timestamp};
use ovo_ledger::{commit, payments, Ledger, LedgerError};
use ovo_test_support::ledger as support;

fn at() -> Timestamp {
    Timestamp::parse_rfc3339("2026-10-21T03:00:00Z").unwrap()
}

async fn add_operator(ledger: &Ledger, username: &str, role: Role) -> OperatorId {
    support::add_operator(ledger, username, role, at()).await
}

async fn payment(
    ledger: &Ledger,
    n: u32,
    status: &str,
    provider_ref: Option<&str>,
    created_by: OperatorId,
) -> PaymentId {
    let mut tx = ledger.begin_write().await.unwrap();
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO payments (reference, product, kind, amount, status, provider_ref, created_by, created_at, updated_at)
         VALUES ($1, 'ovo_snap', 'direct_debit', 50000, $2, $3, $4, $5, $6) RETURNING id",
    )
    .bind(format!("PY{n:014}"))
    .bind(status)
    .bind(provider_ref)
    .bind(created_by.get())
    .bind(at().unix_millis())
    .bind(at().unix_millis())
    .fetch_one(&mut *tx)
    .await
    .unwrap();
    commit(tx).await.unwrap();
    PaymentId::new(id)
}

#[tokio::test]
async fn finance_resolves_a_needs_review_payment_once_and_never_the_taker() {
    let (_dir, ledger) = support::fresh().await;
    let staff = add_operator(&ledger, "sari", Role::Staff).await;
    let finance = add_operator(&ledger, "budi", Role::Finance).await;
    let paid = payment(&ledger, 1, "needs_review", None, staff).await;
    let unpaid = payment(&ledger, 2, "needs_review", Some("PROV-2"), staff).await;
    let open = payment(&ledger, 3, "pending", None, staff).await;
    let later = at().plus_seconds(3_600);

    let mut tx = ledger.begin_write().await.unwrap();
    let own =
        payments::resolve_by_hand(&mut tx, paid, true, staff, Some("OVO-1"), "seen", later).await;
    assert!(matches!(own, Err(LedgerError::SelfResolution { .. })), "{own:?}");
    let still_open =
        payments::resolve_by_hand(&mut tx, open, true, finance, Some("OVO-3"), "seen", later).await;
    assert!(matches!(still_open, Err(LedgerError::NotFound { .. })), "{still_open:?}");
    payments::resolve_by_hand(
        &mut tx,
        paid,
        true,
        finance,
        Some("OVO-1"),
        "paid per the portal",
        later,
    )
    .await
    .unwrap();
    payments::resolve_by_hand(&mut tx, unpaid, false, finance, None, "not in the report", later)
        .await
        .unwrap();
    let again =
        payments::resolve_by_hand(&mut tx, paid, false, finance, None, "changed my mind", later)
            .await;
    assert!(matches!(again, Err(LedgerError::NotFound { .. })), "{again:?}");
    commit(tx).await.unwrap();

    let mut conn = ledger.read().await.unwrap();
    let p = payments::get(&mut conn, paid).await.unwrap().unwrap();
    assert_eq!(
        (p.status, p.provider_ref.as_deref(), p.succeeded_at),
        (PaymentStatus::Succeeded, Some("OVO-1"), Some(later))
    );
    let r = payments::resolution(&mut conn, paid).await.unwrap().unwrap();
    assert_eq!((r.by, r.at, r.note.as_str()), (finance, later, "paid per the portal"));
    let u = payments::get(&mut conn, unpaid).await.unwrap().unwrap();
    assert_eq!(
        (u.status, u.provider_ref.as_deref(), u.succeeded_at),
        (PaymentStatus::Failed, Some("PROV-2"), None)
    );
    assert_eq!(payments::resolution(&mut conn, open).await.unwrap(), None);
    assert_eq!(
        payments::get(&mut conn, open).await.unwrap().unwrap().status,
        PaymentStatus::Pending
    );
    assert_eq!(payments::created_by(&mut conn, paid).await.unwrap(), Some(staff));
    drop(conn);

    // The schema refuses the taker as resolver for any writer.
    let other = payment(&ledger, 4, "needs_review", None, staff).await;
    let mut tx = ledger.begin_write().await.unwrap();
    let raw =
        sqlx::query("UPDATE payments SET resolved_by = $1, status = 'succeeded' WHERE id = $2")
            .bind(staff.get())
            .bind(other.get())
            .execute(&mut *tx)
            .await;
    assert!(raw.unwrap_err().to_string().contains("cannot resolve it by hand"));
}
