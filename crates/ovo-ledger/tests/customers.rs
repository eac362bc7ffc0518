//! Customer records against a real SQLite file: create, bulk create, edit (the name-word index
//! kept true), notes, the timeline and forgetting.
#![allow(clippy::unwrap_used)]

use ovo_domain::{CustomerId, Environment, Msisdn, Timestamp};
use ovo_ledger::customers::{self, CustomerValues, TimelineKind};
use ovo_ledger::{commit, Ledger, LedgerError};
use ovo_test_support::ledger::fresh;

const T0: Timestamp = Timestamp::from_unix_millis(1_767_225_600_000); // 2026-01-01T00:00:00Z

fn values(name: &str, phone: &str, mid: Option<&str>) -> CustomerValues {
    CustomerValues {
        merchant_customer_id: mid.map(str::to_owned),
        full_name: name.to_owned(),
        phone: Msisdn::parse(phone).unwrap(),
        email: None,
        notes: None,
    }
}

async fn names_for(ledger: &Ledger, words: &[&str]) -> Vec<String> {
    let mut conn = ledger.read().await.unwrap();
    customers::by_name_words(&mut conn, words, 50)
        .await
        .unwrap()
        .into_iter()
        .map(|c| c.full_name)
        .collect()
}

async fn word_rows(ledger: &Ledger) -> i64 {
    sqlx::query_scalar("SELECT count(*) FROM customer_name_words")
        .fetch_one(ledger.writer_pool())
        .await
        .unwrap()
}

#[tokio::test]
async fn created_and_edited_customers_are_found_by_their_current_name_only() {
    let (_dir, ledger) = fresh().await;
    let mut tx = ledger.begin_write().await.unwrap();
    let id = customers::create(&mut tx, &values("Budi Santoso", "0812-3456-7890", Some("C-1")), T0)
        .await
        .unwrap();
    commit(tx).await.unwrap();
    assert_eq!(names_for(&ledger, &["sant"]).await, ["Budi Santoso"]);

    let mut edited = values("Budi Hartono", "0812-3456-7891", Some("C-1"));
    edited.email = Some("budi@example.com".into());
    edited.notes = Some("VIP".into());
    let mut tx = ledger.begin_write().await.unwrap();
    customers::update(&mut tx, id, &edited, T0.plus_seconds(60)).await.unwrap();
    commit(tx).await.unwrap();
    assert!(names_for(&ledger, &["sant"]).await.is_empty(), "the old word is gone");
    assert_eq!(names_for(&ledger, &["hart"]).await, ["Budi Hartono"]);
    assert_eq!(word_rows(&ledger).await, 2);

    let mut conn = ledger.read().await.unwrap();
    let row = customers::by_id(&mut conn, id).await.unwrap().unwrap();
    assert_eq!(CustomerValues::of(&row), edited);
    assert_eq!(row.updated_at, T0.plus_seconds(60));
    assert_eq!(row.created_at, T0);
}

#[tokio::test]
async fn a_merchant_customer_id_is_unique() {
    let (_dir, ledger) = fresh().await;
    let mut tx = ledger.begin_write().await.unwrap();
    customers::create(&mut tx, &values("Budi", "081234567890", Some("C-1")), T0).await.unwrap();
    let err = customers::create(&mut tx, &values("Sari", "081234567891", Some("C-1")), T0)
        .await
        .unwrap_err();
    assert!(matches!(err, LedgerError::Duplicate { what: "merchant customer id" }), "{err:?}");
}

#[tokio::test]
async fn bulk_create_writes_every_row_and_its_words_across_chunks() {
    let (_dir, ledger) = fresh().await;
    let mut tx = ledger.begin_write().await.unwrap();
    customers::create(&mut tx, &values("Existing Person", "081200000000", None), T0).await.unwrap();
    let rows: Vec<CustomerValues> = (0..2_500)
        .map(|i| {
            values(&format!("Élisa Putri{i}"), &format!("0813{i:08}"), Some(&format!("M-{i}")))
        })
        .collect();
    customers::create_many(&mut tx, &rows, T0).await.unwrap();
    commit(tx).await.unwrap();

    let mut conn = ledger.read().await.unwrap();
    assert_eq!(customers::count(&mut conn).await.unwrap(), 2_501);
    assert_eq!(word_rows(&ledger).await, 2 + 2 * 2_500);
    assert_eq!(names_for(&ledger, &["putri2499"]).await, ["Élisa Putri2499"]);
    assert_eq!(names_for(&ledger, &["elisa", "putri1234"]).await, ["Élisa Putri1234"]);
    let found =
        customers::by_merchant_customer_ids(&mut conn, &["M-0", "M-2499", "nope"]).await.unwrap();
    assert_eq!(
        found.iter().map(|c| c.full_name.as_str()).collect::<Vec<_>>(),
        ["Élisa Putri0", "Élisa Putri2499"]
    );
    let found = customers::by_phones(&mut conn, &["6281300000007", "6281200000000"]).await.unwrap();
    assert_eq!(found.len(), 2);
}

#[tokio::test]
async fn a_failed_bulk_create_leaves_nothing_once_rolled_back() {
    let (_dir, ledger) = fresh().await;
    let mut tx = ledger.begin_write().await.unwrap();
    let mut rows: Vec<CustomerValues> = (0..1_500)
        .map(|i| values(&format!("P{i}"), &format!("0813{i:08}"), Some(&format!("M-{i}"))))
        .collect();
    rows[1_200].merchant_customer_id = Some("M-3".into());
    assert!(customers::create_many(&mut tx, &rows, T0).await.is_err());
    drop(tx);
    let mut conn = ledger.read().await.unwrap();
    assert_eq!(customers::count(&mut conn).await.unwrap(), 0);
    assert_eq!(word_rows(&ledger).await, 0);
}

async fn add_payment(ledger: &Ledger, customer: CustomerId, reference: &str, at: Timestamp) -> i64 {
    sqlx::query_scalar(
        "INSERT INTO payments (reference, customer_id, product, kind, amount, status, created_at, updated_at, environment)
         VALUES ($1, $2, 'ovo_snap', 'direct_debit', 10000, 'succeeded', $3, $4, 'production') RETURNING id",
    )
    .bind(reference)
    .bind(customer.get())
    .bind(at.unix_millis())
    .bind(at.unix_millis())
    .fetch_one(ledger.writer_pool())
    .await
    .unwrap()
}

#[tokio::test]
async fn the_timeline_is_newest_first_in_pages_and_keeps_to_its_environment() {
    let (_dir, ledger) = fresh().await;
    let mut tx = ledger.begin_write().await.unwrap();
    let id = customers::create(&mut tx, &values("Budi", "081234567890", None), T0).await.unwrap();
    customers::add_note(&mut tx, id, "called about the order", T0.plus_seconds(10), None)
        .await
        .unwrap();
    commit(tx).await.unwrap();
    let pool = ledger.writer_pool();
    sqlx::query(
        "INSERT INTO bindings (customer_id, product, phone, status, created_at, linked_at, unlinked_at, updated_at, environment)
         VALUES ($1, 'ovo_snap', '6281234567890', 'unlinked', $2, $3, $4, 0, 'production')",
    )
    .bind(id.get())
    .bind(T0.plus_seconds(20).unix_millis())
    .bind(T0.plus_seconds(30).unix_millis())
    .bind(T0.plus_seconds(60).unix_millis())
    .execute(pool)
    .await
    .unwrap();
    add_payment(&ledger, id, "PAY0000000000001", T0.plus_seconds(40)).await;
    // A payment of another environment is not on this timeline.
    sqlx::query(
        "INSERT INTO payments (reference, customer_id, product, kind, amount, status, created_at, updated_at, environment)
         VALUES ('PAY0000000000002', $1, 'ovo_snap', 'direct_debit', 10000, 'succeeded', $2, 0, 'builtin_sandbox')",
    )
    .bind(id.get())
    .bind(T0.plus_seconds(45).unix_millis())
    .execute(pool)
    .await
    .unwrap();

    let mut conn = ledger.read().await.unwrap();
    let mut kinds = Vec::new();
    let mut before = None;
    loop {
        let page =
            customers::timeline(&mut conn, id, Environment::Production, before, 2).await.unwrap();
        if page.is_empty() {
            break;
        }
        before = page.last().map(|r| r.cursor());
        kinds.extend(page.into_iter().map(|r| (r.kind, r.at)));
    }
    assert_eq!(
        kinds,
        [
            (TimelineKind::AccountUnlinked, T0.plus_seconds(60)),
            (TimelineKind::Payment, T0.plus_seconds(40)),
            (TimelineKind::AccountLinked, T0.plus_seconds(30)),
            (TimelineKind::LinkingStarted, T0.plus_seconds(20)),
            (TimelineKind::Note, T0.plus_seconds(10)),
            (TimelineKind::CustomerCreated, T0),
        ]
    );
}

#[tokio::test]
async fn forgetting_deletes_without_payments_and_anonymises_with_them() {
    let (_dir, ledger) = fresh().await;
    let mut tx = ledger.begin_write().await.unwrap();
    let mut with = values("Sari Dewi", "081234567891", Some("C-2"));
    with.email = Some("sari@example.com".into());
    with.notes = Some("prefers mornings".into());
    let paid = customers::create(&mut tx, &with, T0).await.unwrap();
    let unpaid =
        customers::create(&mut tx, &values("Budi Santoso", "081234567890", Some("C-1")), T0)
            .await
            .unwrap();
    customers::add_note(&mut tx, unpaid, "note", T0, None).await.unwrap();
    customers::add_note(&mut tx, paid, "note", T0, None).await.unwrap();
    commit(tx).await.unwrap();
    sqlx::query(
        "INSERT INTO bindings (customer_id, product, phone, status, created_at, updated_at) VALUES ($1, 'ovo_snap', '6281234567890', 'expired', 0, 0)",
    )
    .bind(unpaid.get())
    .execute(ledger.writer_pool())
    .await
    .unwrap();
    add_payment(&ledger, paid, "PAY0000000000001", T0).await;

    let mut tx = ledger.begin_write().await.unwrap();
    assert!(!customers::has_payments(&mut tx, unpaid).await.unwrap());
    assert!(customers::has_payments(&mut tx, paid).await.unwrap());
    assert_eq!(customers::live_linkings(&mut tx, unpaid).await.unwrap(), 0);
    customers::delete(&mut tx, unpaid).await.unwrap();
    customers::anonymise(&mut tx, paid, T0.plus_seconds(5)).await.unwrap();
    commit(tx).await.unwrap();

    let mut conn = ledger.read().await.unwrap();
    assert_eq!(customers::by_id(&mut conn, unpaid).await.unwrap(), None);
    let row = customers::by_id(&mut conn, paid).await.unwrap().unwrap();
    assert_eq!(
        (row.full_name.as_str(), row.email.as_deref(), row.notes.as_deref()),
        ("", None, None)
    );
    assert_eq!(row.forgotten_at, Some(T0.plus_seconds(5)));
    assert_eq!(row.phone.canonical(), "6281234567891", "the phone stays with the money records");
    assert_eq!(row.merchant_customer_id.as_deref(), Some("C-2"));
    assert_eq!(word_rows(&ledger).await, 0);
    let notes: i64 = sqlx::query_scalar("SELECT count(*) FROM customer_notes")
        .fetch_one(ledger.writer_pool())
        .await
        .unwrap();
    let bindings: i64 = sqlx::query_scalar("SELECT count(*) FROM bindings")
        .fetch_one(ledger.writer_pool())
        .await
        .unwrap();
    let payments: i64 = sqlx::query_scalar("SELECT count(*) FROM payments")
        .fetch_one(ledger.writer_pool())
        .await
        .unwrap();
    assert_eq!((notes, bindings, payments), (0, 0, 1));
}
