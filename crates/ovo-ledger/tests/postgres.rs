//! What only a PostgreSQL ledger has to show: the same schema as the SQLite file, and its
//! invariants under writers from several desks at once. Each test runs when the suite runs on
//! PostgreSQL (`OVO_TEST_POSTGRES_URL`, set by `cargo xtask test`) and says so when it does not.
#![allow(clippy::unwrap_used)]

use std::collections::BTreeSet;

use ovo_domain::{Idr, OperatorId, PaymentId, Reference, Role, Timestamp};
use ovo_ledger::audit::{self, AuditOutcome, NewAuditEntry};
use ovo_ledger::refunds::{self, NewRefund, RefundRequest};
use ovo_ledger::{commit, Backend, Ledger, LedgerError, LedgerLocation};
use ovo_test_support::ledger as support;
use sqlx::Row;

/// The schema as both backends can describe it, table by table.
#[derive(Debug, Default, PartialEq, Eq)]
struct Schema {
    /// `table.column` and whether it may be NULL.
    columns: BTreeSet<String>,
    /// Indexes created by name (not those behind a key or UNIQUE constraint), and whether unique.
    named_indexes: BTreeSet<String>,
    /// The column lists that are unique: primary keys, UNIQUE constraints and unique indexes.
    unique: BTreeSet<String>,
    /// `table.column -> table.column`.
    foreign_keys: BTreeSet<String>,
    /// `table: n` CHECK constraints.
    checks: BTreeSet<String>,
    triggers: BTreeSet<String>,
}

async fn strings(ledger: &Ledger, sql: &str) -> Vec<String> {
    sqlx::query(sql)
        .fetch_all(ledger.writer_pool())
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
        .iter()
        .map(|row| row.try_get::<String, _>(0).unwrap())
        .collect()
}

async fn sqlite_schema(ledger: &Ledger) -> Schema {
    let mut schema = Schema::default();
    let tables = strings(
        ledger,
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name <> '_sqlx_migrations'",
    )
    .await;
    for table in &tables {
        let info = format!(
            "SELECT name || ' ' || CASE WHEN \"notnull\" = 1 OR pk > 0 THEN 'not null' ELSE 'null' END
             FROM pragma_table_info('{table}')"
        );
        schema
            .columns
            .extend(strings(ledger, &info).await.into_iter().map(|c| format!("{table}.{c}")));
        let pk = format!(
            "SELECT coalesce(group_concat(name, ','), '') FROM (SELECT name FROM pragma_table_info('{table}') WHERE pk > 0 ORDER BY pk)"
        );
        schema
            .unique
            .extend(strings(ledger, &pk).await.into_iter().map(|c| format!("{table}({c})")));
        let indexes = format!(
            "SELECT l.name || ' ' || l.\"unique\" || ' ' || l.origin || ' ' ||
                    (SELECT group_concat(name, ',') FROM (SELECT name FROM pragma_index_info(l.name) ORDER BY seqno))
             FROM pragma_index_list('{table}') l"
        );
        for line in strings(ledger, &indexes).await {
            let parts: Vec<&str> = line.split(' ').collect();
            let (name, unique, origin, columns) = (parts[0], parts[1] == "1", parts[2], parts[3]);
            if unique && origin != "pk" {
                schema.unique.insert(format!("{table}({columns})"));
            }
            if origin == "c" {
                schema.named_indexes.insert(format!("{name} unique={unique}"));
            }
        }
        let fks = format!(
            "SELECT '{table}.' || \"from\" || ' -> ' || \"table\" || '.' || coalesce(\"to\", 'id') FROM pragma_foreign_key_list('{table}')"
        );
        schema.foreign_keys.extend(strings(ledger, &fks).await);
        let sql =
            strings(ledger, &format!("SELECT sql FROM sqlite_master WHERE name = '{table}'")).await;
        let checks = sql[0].matches("CHECK (").count();
        if checks > 0 {
            schema.checks.insert(format!("{table}: {checks}"));
        }
    }
    schema.unique.retain(|u| !u.ends_with("()"));
    schema
        .triggers
        .extend(strings(ledger, "SELECT name FROM sqlite_master WHERE type = 'trigger'").await);
    schema
}

async fn postgres_schema(ledger: &Ledger) -> Schema {
    let ours = "n.nspname = current_schema() AND t.relname <> '_sqlx_migrations'";
    let mut schema = Schema::default();
    schema.columns.extend(
        strings(
            ledger,
            "SELECT table_name::text || '.' || column_name::text || ' ' ||
                    CASE WHEN is_nullable::text = 'NO' THEN 'not null' ELSE 'null' END
             FROM information_schema.columns
             WHERE table_schema = current_schema() AND table_name <> '_sqlx_migrations'",
        )
        .await,
    );
    let columns_of = "array_to_string(ARRAY(SELECT a.attname::text FROM unnest(ix.indkey) WITH ORDINALITY k(attnum, ord)
                       JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = k.attnum ORDER BY k.ord), ',')";
    schema.unique.extend(
        strings(
            ledger,
            &format!(
                "SELECT t.relname::text || '(' || {columns_of} || ')'
                 FROM pg_index ix JOIN pg_class t ON t.oid = ix.indrelid JOIN pg_namespace n ON n.oid = t.relnamespace
                 WHERE ix.indisunique AND {ours}"
            ),
        )
        .await,
    );
    schema.named_indexes.extend(
        strings(
            ledger,
            &format!(
                "SELECT i.relname::text || ' unique=' || CASE WHEN ix.indisunique THEN 'true' ELSE 'false' END
                 FROM pg_index ix JOIN pg_class i ON i.oid = ix.indexrelid JOIN pg_class t ON t.oid = ix.indrelid
                 JOIN pg_namespace n ON n.oid = t.relnamespace
                 WHERE {ours} AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = ix.indexrelid)"
            ),
        )
        .await,
    );
    schema.foreign_keys.extend(
        strings(
            ledger,
            "SELECT t.relname::text || '.' || a.attname::text || ' -> ' || r.relname::text || '.' || ra.attname::text
             FROM pg_constraint c JOIN pg_class t ON t.oid = c.conrelid JOIN pg_class r ON r.oid = c.confrelid
             JOIN pg_namespace n ON n.oid = t.relnamespace
             JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1]
             JOIN pg_attribute ra ON ra.attrelid = c.confrelid AND ra.attnum = c.confkey[1]
             WHERE c.contype = 'f' AND n.nspname = current_schema()",
        )
        .await,
    );
    schema.checks.extend(
        strings(
            ledger,
            "SELECT t.relname::text || ': ' || count(*)::text
             FROM pg_constraint c JOIN pg_class t ON t.oid = c.conrelid JOIN pg_namespace n ON n.oid = t.relnamespace
             WHERE c.contype = 'c' AND n.nspname = current_schema() GROUP BY t.relname",
        )
        .await,
    );
    schema.triggers.extend(
        strings(
            ledger,
            "SELECT tg.tgname::text FROM pg_trigger tg JOIN pg_class t ON t.oid = tg.tgrelid
             JOIN pg_namespace n ON n.oid = t.relnamespace WHERE NOT tg.tgisinternal AND n.nspname = current_schema()",
        )
        .await,
    );
    schema
}

#[tokio::test]
async fn both_schemas_carry_the_same_columns_keys_indexes_checks_and_triggers() {
    let Some(server) = support::postgres_server() else { return };
    let dir = tempfile::tempdir().unwrap();
    let (file, _) = Ledger::open(&dir.path().join("ledger.sqlite")).await.unwrap();
    let location = LedgerLocation::Postgres(support::fresh_database(&server).await);
    let (shared, report) = Ledger::open_at(&location).await.unwrap();
    assert!(report.created);
    assert_eq!((file.backend(), shared.backend()), (Backend::Sqlite, Backend::Postgres));

    let sqlite = sqlite_schema(&file).await;
    let mut postgres = postgres_schema(&shared).await;
    assert!(sqlite.columns.len() > 100 && sqlite.checks.len() > 8, "{sqlite:#?}");
    // PostgreSQL's row triggers do not fire on TRUNCATE: the append-only tables add one each.
    // The change feed's announcements exist only where other desks listen.
    let extra: BTreeSet<String> = [
        "audit_log_no_truncate",
        "audit_chain_no_truncate",
        "payments_announce",
        "refunds_announce",
        "bindings_announce",
        "customers_announce",
    ]
    .map(String::from)
    .into();
    assert!(extra.is_subset(&postgres.triggers), "{:?}", postgres.triggers);
    postgres.triggers = &postgres.triggers - &extra;
    assert_eq!(postgres.columns, sqlite.columns);
    assert_eq!(postgres.unique, sqlite.unique);
    assert_eq!(postgres.named_indexes, sqlite.named_indexes);
    assert_eq!(postgres.foreign_keys, sqlite.foreign_keys);
    assert_eq!(postgres.checks, sqlite.checks);
    assert_eq!(postgres.triggers, sqlite.triggers);
}

#[tokio::test]
async fn a_postgresql_ledger_opens_again_without_migrating_and_hides_its_password() {
    let Some(server) = support::postgres_server() else { return };
    let url = support::fresh_database(&server).await;
    let location = LedgerLocation::parse(&url).unwrap();
    let (first, report) = Ledger::open_at(&location).await.unwrap();
    assert!(report.created && report.backup.is_none());
    assert!(!report.applied.is_empty());
    first.close().await;
    let (_again, report) = Ledger::open_at(&location).await.unwrap();
    assert!(!report.created && report.applied.is_empty(), "{report:?}");

    let with_password =
        LedgerLocation::parse("postgres://ovo:s3cret@db.example:5432/ledger").unwrap();
    assert_eq!(with_password.to_string(), "postgres://ovo:***@db.example:5432/ledger");
    assert!(!format!("{with_password:?}").contains("s3cret"));
}

/// Two desks (two `Ledger`s, each with its own connections) on one database.
async fn two_desks() -> Option<(Ledger, Ledger)> {
    let server = support::postgres_server()?;
    let location = LedgerLocation::Postgres(support::fresh_database(&server).await);
    let (a, _) = Ledger::open_at(&location).await.unwrap();
    let (b, _) = Ledger::open_at(&location).await.unwrap();
    Some((a, b))
}

/// A succeeded OVO SNAP payment of `amount`, and the staff member who asks for refunds.
async fn paid_payment(ledger: &Ledger, amount: i64) -> (PaymentId, OperatorId) {
    let at = Timestamp::from_unix_millis(1_790_000_000_000);
    let staff = support::add_operator(ledger, "staff", Role::Staff, at).await;
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO payments (reference, product, kind, amount, status, created_at, succeeded_at, updated_at)
         VALUES ('PY00000000000001', 'ovo_snap', 'direct_debit', $1, 'succeeded', $2, $2, $2) RETURNING id",
    )
    .bind(amount)
    .bind(at.unix_millis())
    .fetch_one(ledger.writer_pool())
    .await
    .unwrap();
    (PaymentId::new(id), staff)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_refund_requests_from_two_desks_never_reserve_beyond_the_paid_amount() {
    let Some((a, b)) = two_desks().await else { return };
    let (payment, staff) = paid_payment(&a, 100_000).await;
    let at = Timestamp::from_unix_millis(1_790_000_100_000);
    let mut tasks = Vec::new();
    for i in 0..20 {
        let desk = if i % 2 == 0 { a.clone() } else { b.clone() };
        tasks.push(tokio::spawn(async move {
            let reference = Reference::parse(&format!("RACE{i:012}")).unwrap();
            let new = NewRefund {
                payment_id: payment,
                amount: Idr::new(30_000).unwrap(),
                reason: "race",
                requested_by: staff,
                reference: &reference,
                at,
            };
            let mut tx = desk.begin_write().await?;
            let out = refunds::request_refund(&mut tx, &new).await?;
            commit(tx).await?;
            Ok::<_, LedgerError>(out)
        }));
    }
    let mut accepted = 0;
    for task in tasks {
        if let Ok(RefundRequest::Reserved { .. }) = task.await.unwrap() {
            accepted += 1;
        }
    }
    assert_eq!(accepted, 3, "30,000 fits three times into 100,000");
    let mut conn = b.read().await.unwrap();
    let reserved: i64 = sqlx::query_scalar(
        "SELECT CAST(COALESCE(SUM(amount), 0) AS BIGINT) FROM refunds WHERE payment_id = $1",
    )
    .bind(payment.get())
    .fetch_one(&mut *conn)
    .await
    .unwrap();
    assert_eq!(reserved, 90_000);
}

#[tokio::test]
async fn the_database_itself_refuses_an_over_refund_an_audit_edit_and_a_self_approval() {
    let Some((a, _b)) = two_desks().await else { return };
    let (payment, staff) = paid_payment(&a, 50_000).await;
    let pool = a.writer_pool();
    let insert = "INSERT INTO refunds (reference, payment_id, amount, mode, status, reason, requested_by, requested_at, updated_at)
                  VALUES ($1, $2, $3, 'api', 'requested', 'r', $4, 0, 0)";
    let over = sqlx::query(insert)
        .bind("OVERREFUND000001")
        .bind(payment.get())
        .bind(50_001_i64)
        .bind(staff.get())
        .execute(pool)
        .await
        .unwrap_err();
    assert!(over.to_string().contains("refunds would exceed the paid amount"), "{over}");
    sqlx::query(insert)
        .bind("FULLREFUND000001")
        .bind(payment.get())
        .bind(50_000_i64)
        .bind(staff.get())
        .execute(pool)
        .await
        .unwrap();
    let own = sqlx::query(
        "UPDATE refunds SET decided_by = requested_by WHERE reference = 'FULLREFUND000001'",
    )
    .execute(pool)
    .await
    .unwrap_err();
    assert!(own.to_string().contains("check"), "{own}");

    let entry = NewAuditEntry {
        at: Timestamp::from_unix_millis(1_790_000_000_000),
        operator_id: Some(staff),
        operator: Some("staff".into()),
        action: "refund.requested".into(),
        subject: "refund 1".into(),
        outcome: AuditOutcome::Ok,
        detail: serde_json::json!({}),
    };
    let mut tx = a.begin_write().await.unwrap();
    audit::append(&mut tx, &[7; 32], &entry).await.unwrap();
    commit(tx).await.unwrap();
    for edit in ["UPDATE audit_log SET action = 'x'", "DELETE FROM audit_log", "TRUNCATE audit_log"]
    {
        let err = sqlx::query(edit).execute(pool).await.unwrap_err();
        assert!(err.to_string().contains("audit_log is append-only"), "{edit}: {err}");
    }
}

#[tokio::test]
async fn a_ledger_file_moves_into_an_empty_postgresql_ledger_whole_and_stays_as_it_was() {
    let Some(server) = support::postgres_server() else { return };
    let dir = tempfile::tempdir().unwrap();
    let (file, _) = Ledger::open(&dir.path().join("ledger.sqlite")).await.unwrap();
    let (payment, staff) = paid_payment(&file, 100_000).await;
    let key = [7; 32];
    for n in 0..5 {
        let reference = Reference::parse(&format!("MOVE{n:012}")).unwrap();
        let new = NewRefund {
            payment_id: payment,
            amount: Idr::new(10_000).unwrap(),
            reason: "moved",
            requested_by: staff,
            reference: &reference,
            at: Timestamp::from_unix_millis(1_790_000_100_000 + n),
        };
        let mut tx = file.begin_write().await.unwrap();
        refunds::request_refund(&mut tx, &new).await.unwrap();
        let entry = NewAuditEntry {
            at: new.at,
            operator_id: Some(staff),
            operator: Some("staff".into()),
            action: "refund.requested".into(),
            subject: reference.as_str().into(),
            outcome: AuditOutcome::Ok,
            detail: serde_json::json!({ "amount": 10_000 }),
        };
        audit::append(&mut tx, &key, &entry).await.unwrap();
        commit(tx).await.unwrap();
    }
    let source_before = file.tables().await.unwrap();
    let head_before = audit::head(&mut file.read().await.unwrap()).await.unwrap();

    let location = LedgerLocation::Postgres(support::fresh_database(&server).await);
    let (shared, _) = Ledger::open_at(&location).await.unwrap();
    let report = ovo_ledger::copy::copy_ledger(&file, &shared).await.unwrap();
    let count = |table: &str| report.tables.iter().find(|(t, _)| t == table).unwrap().1;
    assert_eq!(
        (count("operators"), count("payments"), count("refunds"), count("audit_log")),
        (1, 1, 5, 5)
    );
    assert_eq!(report.audit_head, head_before);

    // The copy's chain verifies under the same key; new rows continue after the copied ids.
    let mut conn = shared.read().await.unwrap();
    let layout = audit::ChainLayout { keyed_from: 1, lost_key_from: None };
    let verified = audit::verify(&mut conn, &key, layout, Some(&head_before)).await.unwrap();
    assert_eq!((verified.checked, verified.first_broken), (5, None));
    drop(conn);
    let next =
        support::add_operator(&shared, "fina", Role::Finance, Timestamp::from_unix_millis(0)).await;
    assert!(next.get() > staff.get());

    // A second move into the now filled ledger is refused, and the source is as it was.
    let again = ovo_ledger::copy::copy_ledger(&file, &shared).await.unwrap_err();
    assert!(again.to_string().contains("already holds data"), "{again}");
    assert_eq!(file.tables().await.unwrap(), source_before);
    assert_eq!(audit::head(&mut file.read().await.unwrap()).await.unwrap(), head_before);
    let refunds_left: i64 = sqlx::query_scalar("SELECT count(*) FROM refunds")
        .fetch_one(file.writer_pool())
        .await
        .unwrap();
    assert_eq!(refunds_left, 5);
}
