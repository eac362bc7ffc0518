//! Customer records through the app against a real ledger file: create and edit (conflicts
//! naming the existing customer, audit before and after), notes, the timeline, forgetting,
//! permissions, the Faspay email rule, and the CSV import with its bad inputs.
#![allow(clippy::unwrap_used)]

use std::path::{Path, PathBuf};
use std::time::Duration;

use ovo_app::ipc::*;
use ovo_app::{AppError, ErrorCode};
use ovo_domain::{CustomerId, Product};
use ovo_test_support::app::{self, code, RecordedPayment, TestApp};

/// Demo customers of the built-in environment.
const AGUS: &str = "6285712345678";

type Fixture = TestApp;

/// An import's columns: the merchant's id where given, the name and the phone.
const fn columns(merchant_customer_id: Option<u32>, full_name: u32, phone: u32) -> ColumnMapping {
    ColumnMapping {
        merchant_customer_id,
        full_name: Some(full_name),
        phone: Some(phone),
        email: None,
        notes: None,
    }
}

const NAME_PHONE: ColumnMapping = columns(None, 0, 1);
const ID_NAME_PHONE: ColumnMapping = columns(Some(0), 1, 2);

/// A new built-in ledger (with the demo customers), an admin, `sam` (staff, signed in),
/// `sue` (support) and `fina` (finance).
async fn fixture() -> Fixture {
    let mut builder = TestApp::builder();
    for (username, role) in [("sam", "staff"), ("sue", "support"), ("fina", "finance")] {
        builder = builder.operator_shown_as(username, &format!("{username} display"), role);
    }
    builder.signed_in("sam").open().await
}

fn fields(name: &str, phone: &str, mid: Option<&str>, email: Option<&str>) -> CustomerFields {
    CustomerFields {
        full_name: name.into(),
        phone: phone.into(),
        merchant_customer_id: mid.map(Into::into),
        email: email.map(Into::into),
        notes: None,
    }
}

async fn search(f: &Fixture, query: &str) -> Vec<(String, String)> {
    let result = app::search(&f.app, query).await;
    result.hits.into_iter().map(|h| (h.customer.full_name, h.customer.phone)).collect()
}

async fn scalar(f: &Fixture, sql: &str) -> i64 {
    sqlx::query_scalar(sql).fetch_one(f.app.ledger().writer_pool()).await.unwrap()
}

async fn customers_count(f: &Fixture) -> i64 {
    scalar(f, "SELECT count(*) FROM customers").await
}

async fn audit(f: &Fixture, action: &str) -> Vec<serde_json::Value> {
    sqlx::query_scalar::<_, String>("SELECT detail FROM audit_log WHERE action = $1 ORDER BY seq")
        .bind(action)
        .fetch_all(f.app.ledger().writer_pool())
        .await
        .unwrap()
        .iter()
        .map(|d| serde_json::from_str(d).unwrap())
        .collect()
}

async fn add_payment(f: &Fixture, customer: i64) {
    let customer_id = Some(CustomerId::new(customer));
    let payment = RecordedPayment::succeeded(Product::TazapayOvoIdr, "payin", 25_000);
    RecordedPayment { customer_id, ..payment }.insert(&f.app).await;
}

#[tokio::test]
async fn create_and_edit_name_conflicts_and_audit_before_and_after() {
    let f = fixture().await;
    let rudi = f
        .app
        .create_customer(fields(
            " Rudi Hartono ",
            "0812 5555 0001",
            Some("SHOP-1"),
            Some("rudi@example.com"),
        ))
        .await
        .unwrap();
    assert_eq!(rudi.customer.full_name, "Rudi Hartono");
    assert_eq!(rudi.customer.phone, "6281255550001");
    assert_eq!(
        search(&f, "+62 812-5555-0001").await,
        [("Rudi Hartono".to_owned(), "6281255550001".to_owned())]
    );
    assert_eq!(search(&f, "harto").await.len(), 1);

    // The same phone written another way, or a merchant id already used: a conflict naming who has it.
    let err = f
        .app
        .create_customer(fields("Rudi Again", "62-812-5555-0001", None, None))
        .await
        .unwrap_err();
    assert_eq!((err.code, err.reason), (ErrorCode::Conflict, Some("customer_phone_taken")));
    assert_eq!(
        err.existing,
        Some(ovo_app::ExistingCustomer { id: rudi.customer.id, full_name: "Rudi Hartono".into() })
    );
    let err = f
        .app
        .create_customer(fields("Not Budi", "0812 5555 0002", Some("CUST-0001"), None))
        .await
        .unwrap_err();
    assert_eq!((err.code, err.reason), (ErrorCode::Conflict, Some("customer_merchant_id_taken")));
    assert_eq!(err.existing.unwrap().full_name, "Budi Santoso");
    let json = serde_json::to_value(
        f.app.create_customer(fields("X", "0812 5555 0001", None, None)).await.unwrap_err(),
    )
    .unwrap();
    assert_eq!(json["existing"]["id"], rudi.customer.id, "the UI receives whom to open: {json}");

    // Each rule broken says which.
    for (input, reason) in [
        (fields("", "0812 5555 0003", None, None), "customer_name_empty"),
        (fields("Sari", "021 555 1234", None, None), "phone_not_mobile"),
        (fields("Sari", "0812 5555 0003", None, Some("sari@")), "customer_email_invalid"),
        (fields("=cmd|' /C calc'!A0", "0812 5555 0003", None, None), "customer_formula_cell"),
    ] {
        assert_eq!(
            code(f.app.create_customer(input).await),
            (ErrorCode::InvalidInput, Some(reason))
        );
    }

    let id = rudi.customer.id;
    let mut edit = fields("Rudi Santosa", "0812-5555-0009", Some("SHOP-1"), None);
    edit.notes = Some("prefers WhatsApp".into());
    let edited = f
        .app
        .update_customer(UpdateCustomerInput { customer_id: id, fields: edit.clone() })
        .await
        .unwrap();
    assert_eq!(
        (edited.customer.email.as_deref(), edited.notes.as_deref()),
        (None, Some("prefers WhatsApp"))
    );
    assert!(search(&f, "harto").await.is_empty(), "the old name is no longer found");
    assert_eq!(search(&f, "santosa").await.len(), 1);
    assert!(search(&f, "081255550001").await.is_empty());
    let updates = audit(&f, "customer.update").await;
    assert_eq!(updates.len(), 1);
    assert_eq!(updates[0]["before"]["full_name"], "Rudi Hartono");
    assert_eq!(updates[0]["before"]["email"], "rudi@example.com");
    assert_eq!(updates[0]["after"]["phone"], "6281255550009");
    assert_eq!(updates[0]["after"]["email"], serde_json::Value::Null);
    assert_eq!(audit(&f, "customer.create").await[0]["after"]["full_name"], "Rudi Hartono");

    // Saving the same values changes and audits nothing; editing into another's phone is a conflict.
    f.app.update_customer(UpdateCustomerInput { customer_id: id, fields: edit }).await.unwrap();
    assert_eq!(audit(&f, "customer.update").await.len(), 1);
    let err = f
        .app
        .update_customer(UpdateCustomerInput {
            customer_id: id,
            fields: fields("Rudi", AGUS, None, None),
        })
        .await
        .unwrap_err();
    assert_eq!(
        (err.code, err.reason, err.existing.map(|e| e.full_name)),
        (ErrorCode::Conflict, Some("customer_phone_taken"), Some("Agus Wijaya".into()))
    );
}

#[tokio::test]
async fn staff_and_support_manage_customers_admin_alone_forgets() {
    let f = fixture().await;
    let made =
        f.app.create_customer(fields("Staff Made", "0812 5555 0101", None, None)).await.unwrap();
    f.sign_in_as("sue").await;
    f.app.create_customer(fields("Support Made", "0812 5555 0102", None, None)).await.unwrap();
    f.app
        .add_customer_note(CustomerNoteInput {
            customer_id: made.customer.id,
            text: "asked for a receipt".into(),
        })
        .await
        .unwrap();
    assert_eq!(
        code(f.app.forget_customer(CustomerRef { customer_id: made.customer.id }).await),
        (ErrorCode::Forbidden, None)
    );
    f.sign_in_as("fina").await;
    assert_eq!(
        code(f.app.create_customer(fields("Finance Made", "0812 5555 0103", None, None)).await),
        (ErrorCode::Forbidden, None)
    );
    f.sign_in_as("admin").await;
    assert_eq!(
        code(f.app.create_customer(fields("Admin Made", "0812 5555 0104", None, None)).await),
        (ErrorCode::Forbidden, None)
    );
    assert_eq!(
        code(
            f.app
                .inspect_customer_import(InspectImportInput { path: "x.csv".into(), mapping: None })
                .await
        ),
        (ErrorCode::Forbidden, None)
    );
    let forgotten =
        f.app.forget_customer(CustomerRef { customer_id: made.customer.id }).await.unwrap();
    assert_eq!(forgotten.outcome, ForgetOutcome::Deleted);
    let denied = audit(&f, "access.denied").await;
    assert!(
        denied.iter().any(|d| d["permission"] == "forget_customers" && d["role"] == "support"),
        "{denied:?}"
    );
    assert!(
        denied.iter().any(|d| d["permission"] == "manage_customers" && d["role"] == "finance"),
        "{denied:?}"
    );
}

#[tokio::test]
async fn forgetting_deletes_a_customer_without_payments_and_anonymises_one_with_them() {
    let f = fixture().await;
    let unpaid = f
        .app
        .create_customer(fields("Lina Marlina", "0812 5555 0201", Some("SHOP-201"), None))
        .await
        .unwrap()
        .customer
        .id;
    let mut paid_fields =
        fields("Joko Susilo", "0812 5555 0202", Some("SHOP-202"), Some("joko@example.com"));
    paid_fields.notes = Some("asks for invoices".into());
    let paid = f.app.create_customer(paid_fields).await.unwrap().customer.id;
    f.app
        .add_customer_note(CustomerNoteInput { customer_id: paid, text: "called twice".into() })
        .await
        .unwrap();
    add_payment(&f, paid).await;
    let payments_before = scalar(&f, "SELECT count(*) FROM payments").await;

    f.sign_in_as("admin").await;
    let gone = f.app.forget_customer(CustomerRef { customer_id: unpaid }).await.unwrap();
    assert_eq!(gone.outcome, ForgetOutcome::Deleted);
    assert_eq!(
        code(f.app.customer_page(CustomerRef { customer_id: unpaid }).await),
        (ErrorCode::NotFound, None)
    );
    assert!(search(&f, "marlina").await.is_empty());
    assert!(search(&f, "SHOP-201").await.is_empty());

    let kept = f.app.forget_customer(CustomerRef { customer_id: paid }).await.unwrap();
    assert_eq!(kept.outcome, ForgetOutcome::Anonymised);
    let page = f.app.customer_page(CustomerRef { customer_id: paid }).await.unwrap();
    assert!(page.customer.forgotten);
    assert_eq!(
        (page.customer.full_name.as_str(), page.customer.email.as_deref(), page.notes.as_deref()),
        ("", None, None)
    );
    assert_eq!(page.payments.len(), 1, "the money records stay");
    assert_eq!(scalar(&f, "SELECT count(*) FROM payments").await, payments_before);
    assert!(search(&f, "susilo").await.is_empty(), "the name is not searchable any more");
    let timeline = f
        .app
        .customer_timeline(CustomerTimelineQuery { customer_id: paid, before: None, limit: 50 })
        .await
        .unwrap();
    assert!(
        timeline.items.iter().all(|e| e.kind != CustomerTimelineKind::Note),
        "dated notes are erased"
    );
    let detail = audit(&f, "customer.forget").await;
    assert_eq!(detail.len(), 2);
    assert_eq!(detail[1]["outcome"], "anonymised");
    assert!(
        !detail[1].to_string().contains("Joko"),
        "the forget's audit row does not repeat the name"
    );
    assert_eq!(
        code(f.app.forget_customer(CustomerRef { customer_id: paid }).await),
        (ErrorCode::InvalidInput, Some("customer_forgotten"))
    );

    f.sign_in_as("sam").await;
    let err = f
        .app
        .update_customer(UpdateCustomerInput {
            customer_id: paid,
            fields: fields("Joko", "0812 5555 0202", None, None),
        })
        .await;
    assert_eq!(code(err), (ErrorCode::InvalidInput, Some("customer_forgotten")));
    // The phone is free for a new customer.
    f.app.create_customer(fields("Joko Baru", "0812 5555 0202", None, None)).await.unwrap();

    // A customer with a linked account is unlinked first.
    f.sign_in_as("admin").await;
    let agus = app::customer_id(&f.app, AGUS).await;
    assert_eq!(
        code(f.app.forget_customer(CustomerRef { customer_id: agus }).await),
        (ErrorCode::Conflict, Some("customer_has_live_account"))
    );
}

#[tokio::test]
async fn the_timeline_is_newest_first_and_pages_without_gaps() {
    let f = fixture().await;
    // A demo customer with a linked account, payments and a refund.
    let budi = scalar(
        &f,
        "SELECT p.customer_id FROM refunds r JOIN payments p ON p.id = r.payment_id
         JOIN bindings b ON b.customer_id = p.customer_id AND b.linked_at IS NOT NULL AND b.environment = 'builtin_sandbox'
         WHERE p.environment = 'builtin_sandbox' ORDER BY p.customer_id LIMIT 1",
    )
    .await;
    f.app
        .add_customer_note(CustomerNoteInput {
            customer_id: budi,
            text: "  wants a call back  ".into(),
        })
        .await
        .unwrap();
    let all = f
        .app
        .customer_timeline(CustomerTimelineQuery { customer_id: budi, before: None, limit: 100 })
        .await
        .unwrap();
    assert_eq!(all.items[0].kind, CustomerTimelineKind::Note);
    assert_eq!(all.items[0].text.as_deref(), Some("wants a call back"));
    assert_eq!(all.items[0].author.as_deref(), Some("sam display"));
    assert_eq!(all.items.last().unwrap().kind, CustomerTimelineKind::CustomerCreated);
    for kind in [
        CustomerTimelineKind::Payment,
        CustomerTimelineKind::Refund,
        CustomerTimelineKind::AccountLinked,
    ] {
        assert!(
            all.items.iter().any(|e| e.kind == kind),
            "{kind:?} in {:?}",
            all.items.iter().map(|e| e.kind).collect::<Vec<_>>()
        );
    }
    let ats: Vec<&str> = all.items.iter().map(|e| e.at.as_str()).collect();
    assert!(ats.windows(2).all(|w| w[0] >= w[1]), "newest first: {ats:?}");

    let mut paged = Vec::new();
    let mut before = None;
    loop {
        let page = f
            .app
            .customer_timeline(CustomerTimelineQuery {
                customer_id: budi,
                before: before.clone(),
                limit: 3,
            })
            .await
            .unwrap();
        paged.extend(page.items.into_iter().map(|e| (e.kind, e.at, e.reference)));
        match page.next {
            Some(next) => before = Some(next),
            None => break,
        }
    }
    let whole: Vec<_> = all.items.into_iter().map(|e| (e.kind, e.at, e.reference)).collect();
    assert_eq!(paged, whole);
    assert_eq!(
        code(
            f.app
                .customer_timeline(CustomerTimelineQuery {
                    customer_id: budi,
                    before: Some("nonsense".into()),
                    limit: 3
                })
                .await
        ),
        (ErrorCode::InvalidInput, Some("timeline_cursor_invalid"))
    );
    assert_eq!(
        code(
            f.app
                .add_customer_note(CustomerNoteInput { customer_id: budi, text: "   ".into() })
                .await
        ),
        (ErrorCode::InvalidInput, Some("customer_note_empty"))
    );
}

#[tokio::test]
async fn a_faspay_payment_for_a_customer_without_email_says_so_before_anything_is_recorded() {
    let f = fixture().await;
    let agus = app::customer_id(&f.app, AGUS).await;
    let options = f.app.payment_options().await.unwrap();
    assert!(options.iter().any(|o| o.product == Product::FaspayOvoTokenize && o.needs_email));
    assert!(options
        .iter()
        .filter(|o| o.product != Product::FaspayOvoTokenize)
        .all(|o| !o.needs_email));
    let before = scalar(&f, "SELECT count(*) FROM payments").await;
    let err = f
        .app
        .start_payment(StartPaymentInput {
            customer_id: Some(agus),
            product: "faspay_ovo_tokenize".into(),
            kind: "tokenized".into(),
            amount: "10.000".into(),
            phone: String::new(),
            account_id: None,
            source: String::new(),
            description: String::new(),
        })
        .await
        .unwrap_err();
    assert_eq!((err.code, err.reason), (ErrorCode::InvalidInput, Some("payment_email_missing")));
    assert!(err.message.contains("Faspay") && err.message.contains("email"), "{}", err.message);
    assert_eq!(scalar(&f, "SELECT count(*) FROM payments").await, before, "nothing recorded");
}

// ---- CSV import ----

fn write(f: &Fixture, name: &str, bytes: &[u8]) -> PathBuf {
    let path = f.dir.path().join(name);
    std::fs::write(&path, bytes).unwrap();
    path
}

fn path_text(p: &Path) -> String {
    p.display().to_string()
}

async fn inspect(f: &Fixture, path: &Path) -> Result<ImportInspection, AppError> {
    f.app.inspect_customer_import(InspectImportInput { path: path_text(path), mapping: None }).await
}

async fn wait(f: &Fixture, job: u64) -> ImportProgress {
    loop {
        let p = f.app.customer_import_progress(ImportJobRef { job_id: job }).await.unwrap();
        if p.state != JobState::Running {
            return p;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

async fn import(
    f: &Fixture,
    path: &Path,
    mapping: ColumnMapping,
    mode: ImportMode,
    dry_run: bool,
) -> ImportProgress {
    let started = start_import(f, path, mapping, mode, dry_run).await.unwrap();
    wait(f, started.job_id).await
}

async fn start_import(
    f: &Fixture,
    path: &Path,
    mapping: ColumnMapping,
    mode: ImportMode,
    dry_run: bool,
) -> Result<ImportProgress, AppError> {
    f.app
        .start_customer_import(StartImportInput { path: path_text(path), mapping, mode, dry_run })
        .await
}

fn summary(p: &ImportProgress) -> &ImportSummary {
    p.summary.as_ref().unwrap_or_else(|| panic!("not finished: {p:?}"))
}

const SHOP_CSV: &str = "\u{feff}ID Pelanggan;Nama Lengkap;No. HP;Email;Catatan\r\n\
    SHOP-1;Budi Hartono;0812-7000-0001;budi.h@example.com;\"langganan; sejak 2020\"\r\n\
    SHOP-2;\"Sari \"\"Ayu\"\" Dewi\";+62 812 7000 0002;;\"baris satu\r\nbaris dua\"\r\n\
    SHOP-3;Élisa Putri;6281270000003;elisa@example.co.id;\r\n";

#[tokio::test]
async fn an_import_reads_bom_semicolons_and_quotes_and_a_second_import_updates_instead_of_duplicating(
) {
    let f = fixture().await;
    let path = write(&f, "shop.csv", SHOP_CSV.as_bytes());
    let seen = inspect(&f, &path).await.unwrap();
    assert_eq!((seen.encoding, seen.delimiter.as_str()), (ImportEncoding::Utf8Bom, ";"));
    assert_eq!(seen.headers, ["ID Pelanggan", "Nama Lengkap", "No. HP", "Email", "Catatan"]);
    let mapping = ColumnMapping { email: Some(3), notes: Some(4), ..ID_NAME_PHONE };
    assert_eq!(seen.mapping, mapping, "guessed from the header's words");
    assert!(!seen.mapping_remembered);
    assert_eq!(seen.preview.len(), 3);
    assert_eq!(seen.preview[0].notes.as_deref(), Some("langganan; sejak 2020"));
    assert_eq!(seen.preview[1].full_name, "Sari \"Ayu\" Dewi");
    assert_eq!(seen.preview[1].phone, "6281270000002");
    assert_eq!(seen.preview[1].notes.as_deref(), Some("baris satu\r\nbaris dua"));
    assert_eq!(
        seen.preview.iter().map(|r| r.line).collect::<Vec<_>>(),
        [2, 3, 5],
        "lines where each record starts"
    );
    assert!(seen.preview.iter().all(|r| r.errors.is_empty()));

    let customers_before = customers_count(&f).await;
    let done = import(&f, &path, mapping, ImportMode::Nothing, false).await;
    assert_eq!(done.state, JobState::Finished, "{done:?}");
    let s = summary(&done);
    assert_eq!(
        (s.rows, s.created, s.updated, s.unchanged, s.rejected, s.committed),
        (3, 3, 0, 0, 0, true)
    );
    assert_eq!(customers_count(&f).await, customers_before + 3);
    assert_eq!(
        search(&f, "0812 7000 0003").await,
        [("Élisa Putri".to_owned(), "6281270000003".to_owned())]
    );
    assert_eq!(
        search(&f, "elisa put").await.len(),
        2,
        "the demo's Élisa Putri and the imported one"
    );
    assert_eq!(search(&f, "hartono").await.len(), 1);
    let imports = audit(&f, "customer.import").await;
    assert_eq!((imports.len(), imports[0]["created"].as_i64()), (1, Some(3)));
    assert_eq!(imports[0]["sha256"].as_str().map(str::len), Some(64));

    // The same file again: nothing new; the mapping is remembered for this header.
    assert!(inspect(&f, &path).await.unwrap().mapping_remembered);
    let again = import(&f, &path, mapping, ImportMode::Nothing, false).await;
    let s = summary(&again);
    assert_eq!((s.created, s.updated, s.unchanged, s.rejected), (0, 0, 3, 0));
    assert_eq!(customers_count(&f).await, customers_before + 3);

    // A changed row updates its customer (keyed on the merchant id), audited before and after.
    let changed = SHOP_CSV.replace("Budi Hartono;0812-7000-0001", "Budi Hartono Jr;0812-7000-0011");
    let path2 = write(&f, "shop2.csv", changed.as_bytes());
    let third = import(&f, &path2, mapping, ImportMode::Nothing, false).await;
    let s = summary(&third);
    assert_eq!((s.created, s.updated, s.unchanged), (0, 1, 2));
    assert_eq!(customers_count(&f).await, customers_before + 3);
    assert_eq!(
        search(&f, "081270000011").await,
        [("Budi Hartono Jr".to_owned(), "6281270000011".to_owned())]
    );
    assert!(search(&f, "081270000001").await.is_empty());
    let updates = audit(&f, "customer.update").await;
    assert_eq!(updates.len(), 1);
    assert_eq!(
        (updates[0]["before"]["full_name"].as_str(), updates[0]["after"]["full_name"].as_str()),
        (Some("Budi Hartono"), Some("Budi Hartono Jr"))
    );
}

#[tokio::test]
async fn a_header_the_app_cannot_read_is_mapped_by_hand_and_remembered() {
    let f = fixture().await;
    let path = write(&f, "crm.csv", b"kolom a,kolom b\n0812-7100-0001,Dina\n");
    let seen = inspect(&f, &path).await.unwrap();
    assert_eq!((seen.delimiter.as_str(), seen.encoding), (",", ImportEncoding::Utf8));
    assert_eq!(seen.mapping, ColumnMapping::default());
    let mapping = ColumnMapping { phone: Some(0), full_name: Some(1), ..ColumnMapping::default() };
    assert_eq!(
        code(start_import(&f, &path, seen.mapping, ImportMode::GoodRows, false).await),
        (ErrorCode::InvalidInput, Some("import_mapping_incomplete"))
    );
    let twice = ColumnMapping { phone: Some(0), full_name: Some(0), ..ColumnMapping::default() };
    assert_eq!(
        code(
            f.app
                .inspect_customer_import(InspectImportInput {
                    path: path_text(&path),
                    mapping: Some(twice)
                })
                .await
        ),
        (ErrorCode::InvalidInput, Some("import_mapping_invalid"))
    );
    // A dry run counts and writes nothing, and remembers nothing.
    let dry = import(&f, &path, mapping, ImportMode::GoodRows, true).await;
    assert_eq!((summary(&dry).created, summary(&dry).committed), (1, false));
    assert!(search(&f, "dina").await.is_empty());
    assert!(!inspect(&f, &path).await.unwrap().mapping_remembered);
    import(&f, &path, mapping, ImportMode::GoodRows, false).await;
    let seen = inspect(&f, &path).await.unwrap();
    assert!(seen.mapping_remembered);
    assert_eq!(seen.mapping, mapping);
    assert_eq!(seen.preview[0].full_name, "Dina");
}

const REJECTS_CSV: &str = "id,name,phone,email\n\
    R-1,Good One,0812-7200-0001,good@example.com\n\
    R-2,Bad Phone,021-555-1234,\n\
    R-3,=HYPERLINK(\"http://x\"),0812-7200-0003,\n\
    R-4,Bad Mail,0812-7200-0004,nope@\n\
    R-1,Twice,0812-7200-0005,\n\
    R-6,Agus Taken,0857-1234-5678,\n\
    R-7,Good Two,+62 812 7200 0007,\n";

#[tokio::test]
async fn rejected_rows_are_explained_by_line_and_saved_escaped_and_mode_nothing_imports_nothing() {
    let f = fixture().await;
    let path = write(&f, "rejects.csv", REJECTS_CSV.as_bytes());
    let mapping = inspect(&f, &path).await.unwrap().mapping;
    assert_eq!(mapping, ColumnMapping { email: Some(3), ..ID_NAME_PHONE });
    let before = customers_count(&f).await;

    let nothing = import(&f, &path, mapping, ImportMode::Nothing, false).await;
    let s = summary(&nothing);
    assert_eq!((s.rows, s.created, s.rejected, s.committed), (7, 2, 5, false));
    assert_eq!(customers_count(&f).await, before, "mode nothing with rejects writes nothing");
    assert!(audit(&f, "customer.import").await.is_empty());
    let reasons: Vec<(u64, &str)> = s.errors.iter().map(|e| (e.line, e.reason.as_str())).collect();
    assert_eq!(
        reasons,
        [
            (3, "phone_not_mobile"),
            (4, "customer_formula_cell"),
            (5, "customer_email_invalid"),
            (6, "import_duplicate_in_file"),
            (7, "customer_phone_taken"),
        ]
    );
    let phone = &s.errors[0];
    assert_eq!(phone.field, Some(ImportField::Phone));
    assert_eq!(phone.message.en, "phone: not an Indonesian mobile number");
    assert_eq!(phone.message.id, "ponsel: bukan nomor ponsel Indonesia");
    assert_eq!(s.errors[3].message.en, "merchant customer id: the same as on line 2 of this file");
    assert!(s.errors[4].message.en.contains("Agus Wijaya"), "{}", s.errors[4].message.en);

    let good = import(&f, &path, mapping, ImportMode::GoodRows, false).await;
    let s = summary(&good);
    assert_eq!((s.created, s.rejected, s.committed, s.rejects_available), (2, 5, true, true));
    assert_eq!(customers_count(&f).await, before + 2);
    let target = f.dir.path().join("saved-rejects.csv");
    let saved = f
        .app
        .save_import_rejects(SaveRejectsInput { job_id: good.job_id, path: path_text(&target) })
        .await
        .unwrap();
    assert_eq!(saved.rows, 5);
    let text = std::fs::read_to_string(&target).unwrap();
    let text = text.strip_prefix('\u{feff}').expect("written with a BOM for spreadsheets");
    let mut rows = csv::Reader::from_reader(text.as_bytes());
    assert_eq!(
        rows.headers().unwrap().iter().collect::<Vec<_>>(),
        ["id", "name", "phone", "email", "line", "error", "kesalahan"]
    );
    let records: Vec<csv::StringRecord> = rows.records().map(Result::unwrap).collect();
    assert_eq!(records.len(), 5);
    assert_eq!(&records[1][1], "'=HYPERLINK(\"http://x\")", "a formula-leading cell is escaped");
    assert_eq!(&records[0][4], "3");
    assert_eq!(&records[0][5], "phone: not an Indonesian mobile number");
    assert_eq!(&records[0][6], "ponsel: bukan nomor ponsel Indonesia");
    for record in &records {
        for cell in record.iter() {
            assert!(!cell.starts_with(['=', '+', '-', '@']), "unescaped {cell:?}");
        }
    }
    // The job without rejects has nothing to save.
    let clean = write(&f, "clean.csv", b"id,name,phone\nC-9,Clean,0812-7200-0099\n");
    let done = import(&f, &clean, ID_NAME_PHONE, ImportMode::GoodRows, false).await;
    assert_eq!(
        code(
            f.app
                .save_import_rejects(SaveRejectsInput {
                    job_id: done.job_id,
                    path: path_text(&target)
                })
                .await
        ),
        (ErrorCode::NotFound, None)
    );
}

async fn failed(f: &Fixture, path: &Path, mapping: ColumnMapping) -> AppError {
    let done = import(f, path, mapping, ImportMode::GoodRows, false).await;
    assert_eq!(done.state, JobState::Failed, "{done:?}");
    done.error.unwrap()
}

#[tokio::test]
async fn bad_files_get_clear_errors_and_import_nothing() {
    let f = fixture().await;
    let before = customers_count(&f).await;
    let reason = |r: Result<ImportInspection, AppError>| r.unwrap_err().reason;

    assert_eq!(reason(inspect(&f, &write(&f, "empty.csv", b"")).await), Some("import_file_empty"));
    assert_eq!(
        reason(inspect(&f, &write(&f, "bom-only.csv", b"\xEF\xBB\xBF\r\n")).await),
        Some("import_file_empty")
    );
    assert_eq!(
        reason(inspect(&f, &f.dir.path().join("missing.csv")).await),
        Some("import_file_unreadable")
    );
    let utf16: Vec<u8> = [0xFF, 0xFE]
        .into_iter()
        .chain("name,phone\n".encode_utf16().flat_map(u16::to_le_bytes))
        .collect();
    let err = inspect(&f, &write(&f, "utf16.csv", &utf16)).await.unwrap_err();
    assert_eq!((err.reason, err.line), (Some("import_encoding"), Some(1)));
    assert!(err.message.contains("CSV UTF-8"), "{}", err.message);
    let err =
        inspect(&f, &write(&f, "no-header.csv", b"Budi,0812-7300-0001\nSari,0812-7300-0002\n"))
            .await
            .unwrap_err();
    assert_eq!(err.reason, Some("import_no_header"));
    assert_eq!(
        reason(inspect(&f, &write(&f, "one-column.csv", b"name\nBudi\n")).await),
        Some("import_not_csv")
    );

    // Windows-1252 bytes on line 3: the job fails naming the line; nothing is written.
    let latin =
        write(&f, "latin1.csv", b"name,phone\nBudi,0812-7300-0001\nJos\xE9,0812-7300-0002\n");
    let err = failed(&f, &latin, NAME_PHONE).await;
    assert_eq!((err.reason, err.line), (Some("import_encoding"), Some(3)));

    // A 10 MB line is refused before it is buffered whole.
    let mut long = b"name,phone\nBudi,0812-7300-0001\n".to_vec();
    long.extend(std::iter::repeat_n(b'x', 10 * 1024 * 1024));
    long.extend(b",0812-7300-0003\n");
    let long = write(&f, "long.csv", &long);
    let err = failed(&f, &long, NAME_PHONE).await;
    assert_eq!((err.reason, err.line), (Some("import_line_too_long"), Some(3)));
    assert_eq!(reason(inspect(&f, &long).await), Some("import_line_too_long"));

    assert_eq!(customers_count(&f).await, before);
    assert!(audit(&f, "customer.import").await.is_empty());
}

#[tokio::test]
async fn more_than_a_million_rows_are_refused_whole() {
    let f = fixture().await;
    let before = customers_count(&f).await;
    let mut text = String::from("name,phone\n");
    for i in 0..=ovo_app::MAX_ROWS {
        text.push_str(&format!("P{i},0813{:08}\n", i));
    }
    let path = write(&f, "million.csv", text.as_bytes());
    drop(text);
    let err = failed(&f, &path, NAME_PHONE).await;
    assert_eq!((err.reason, err.line), (Some("import_too_many_rows"), Some(ovo_app::MAX_ROWS + 2)));
    assert_eq!(customers_count(&f).await, before);
}

fn numbered_csv(rows: usize, first: usize) -> String {
    let mut text = String::from("id;name;phone\n");
    for i in first..first + rows {
        text.push_str(&format!("N-{i};Pelanggan Nomor{i};0813{i:08}\n"));
    }
    text
}

#[tokio::test]
async fn an_error_in_the_middle_of_the_write_leaves_nothing_one_transaction() {
    let f = fixture().await;
    let before = customers_count(&f).await;
    let words_before = scalar(&f, "SELECT count(*) FROM customer_name_words").await;
    let audit_before = scalar(&f, "SELECT count(*) FROM audit_log").await;
    let path = write(&f, "five-thousand.csv", numbered_csv(5_000, 0).as_bytes());
    // The ledger refuses the 3,001st customer as the write reaches it (past the first multi-row INSERTs).
    let pool = f.app.ledger().writer_pool();
    let on_postgres = f.app.ledger().backend() == ovo_ledger::Backend::Postgres;
    if on_postgres {
        sqlx::raw_sql(
            "CREATE FUNCTION refuse_one() RETURNS trigger LANGUAGE plpgsql AS
             $$ BEGIN RAISE EXCEPTION 'refused for the test'; END $$;
             CREATE TRIGGER refuse_one BEFORE INSERT ON customers
             FOR EACH ROW WHEN (NEW.merchant_customer_id = 'N-3000') EXECUTE FUNCTION refuse_one();",
        )
        .execute(pool)
        .await
        .unwrap();
    } else {
        sqlx::query(
            "CREATE TRIGGER refuse_one BEFORE INSERT ON customers WHEN NEW.merchant_customer_id = 'N-3000'
             BEGIN SELECT RAISE(ABORT, 'refused for the test'); END",
        )
        .execute(pool)
        .await
        .unwrap();
    }
    let err = failed(&f, &path, ID_NAME_PHONE).await;
    assert_eq!(err.code, ErrorCode::Storage, "{err:?}");
    assert_eq!(customers_count(&f).await, before, "not one customer of the file is left behind");
    assert_eq!(scalar(&f, "SELECT count(*) FROM customer_name_words").await, words_before);
    assert_eq!(scalar(&f, "SELECT count(*) FROM audit_log").await, audit_before);

    let drop = if on_postgres {
        "DROP TRIGGER refuse_one ON customers"
    } else {
        "DROP TRIGGER refuse_one"
    };
    sqlx::query(drop).execute(f.app.ledger().writer_pool()).await.unwrap();
    let done = import(&f, &path, ID_NAME_PHONE, ImportMode::GoodRows, false).await;
    assert_eq!(summary(&done).created, 5_000);
    assert_eq!(customers_count(&f).await, before + 5_000);
    assert_eq!(
        search(&f, "nomor4999").await,
        [("Pelanggan Nomor4999".to_owned(), "6281300004999".to_owned())]
    );
}

#[tokio::test]
async fn a_cancelled_import_writes_nothing_and_one_import_runs_at_a_time() {
    let f = fixture().await;
    let before = customers_count(&f).await;
    let path = write(&f, "big.csv", numbered_csv(300_000, 0).as_bytes());
    let started =
        start_import(&f, &path, ID_NAME_PHONE, ImportMode::GoodRows, false).await.unwrap();
    assert_eq!(started.state, JobState::Running);
    assert_eq!(started.bytes_total, std::fs::metadata(&path).unwrap().len());
    let second = start_import(&f, &path, ID_NAME_PHONE, ImportMode::GoodRows, false).await;
    assert_eq!(code(second), (ErrorCode::Conflict, Some("import_running")));
    f.app.cancel_customer_import(ImportJobRef { job_id: started.job_id }).await.unwrap();
    let end = wait(&f, started.job_id).await;
    assert_eq!(end.state, JobState::Cancelled, "{end:?}");
    assert_eq!(customers_count(&f).await, before);
    assert_eq!(
        code(f.app.customer_import_progress(ImportJobRef { job_id: started.job_id + 1 }).await),
        (ErrorCode::NotFound, None)
    );
}
