//! Every text an IPC command accepts has a length limit: one character over it is refused with
//! an error naming the field and the limit, and nothing is written. A real ledger file, the
//! in-memory secret store and a fixed clock.
#![allow(clippy::unwrap_used)]

use std::collections::BTreeMap;

use ovo_app::ipc::*;
use ovo_app::{AppError, Backoffice, ErrorCode};
use ovo_test_support::app::{self, TestApp};

/// One text field of one command: who may send it, the field as the error names it, its
/// limit and the refusal's reason.
struct Case {
    field: &'static str,
    who: &'static str,
    names: &'static str,
    limit: usize,
    reason: &'static str,
}

const fn case(
    field: &'static str,
    who: &'static str,
    names: &'static str,
    limit: usize,
    reason: &'static str,
) -> Case {
    Case { field, who, names, limit, reason }
}

const TOO_LONG: &str = "text_too_long";

const CASES: &[Case] = &[
    case("create_operator.role", "admin", "role", 64, TOO_LONG),
    case("change_operator_role.role", "admin", "role", 64, TOO_LONG),
    case("list_credentials.environment", "admin", "environment", 64, TOO_LONG),
    case("set_credential.field", "admin", "field", 64, TOO_LONG),
    case("set_credential.value", "admin", "credential value", 16384, "credential_value_too_long"),
    case("delete_credential.product", "admin", "product", 64, TOO_LONG),
    case("test_connection.product", "admin", "product", 64, TOO_LONG),
    case("set_language.language", "admin", "language", 64, TOO_LONG),
    case("set_environment.environment", "admin", "environment", 64, TOO_LONG),
    case("list_provider_settings.environment", "admin", "environment", 64, TOO_LONG),
    case("save_provider_settings.values.host", "admin", "values.host", 2048, TOO_LONG),
    case("save_provider_settings.values.key", "admin", "values (a setting's key)", 64, TOO_LONG),
    case(
        "save_provider_settings.values.top_up_text_id",
        "admin",
        "top up text id",
        4000,
        "provider_setting_too_long",
    ),
    case("reset_provider_settings.product", "admin", "product", 64, TOO_LONG),
    case("set_refund_policy.windowDays", "admin", "windowDays", 40, TOO_LONG),
    case("reset_refund_policy.product", "admin", "product", 64, TOO_LONG),
    case("set_listener.address", "admin", "address", 261, TOO_LONG),
    case("search_customers.query", "sam", "search", 100, "search_too_long"),
    case("start_link.phone", "sam", "phone", 32, TOO_LONG),
    case("account_history.from", "sam", "from", 40, TOO_LONG),
    case("top_up_instructions.language", "sam", "language", 64, TOO_LONG),
    case("open_external.url", "sam", "url", 2048, TOO_LONG),
    case("payments_page.reference", "sam", "reference", 100, TOO_LONG),
    case("start_payment.amount", "sam", "amount", 40, TOO_LONG),
    case("start_payment.description", "sam", "description", 100, "payment_description_too_long"),
    case("create_customer.phone", "sam", "phone", 32, TOO_LONG),
    case("create_customer.fullName", "sam", "name", 200, "customer_name_too_long"),
    case("create_customer.notes", "sam", "notes", 2000, "customer_notes_too_long"),
    case("update_customer.phone", "sam", "phone", 32, TOO_LONG),
    case("add_customer_note.text", "sam", "note", 2000, "customer_note_too_long"),
    case("customer_timeline.before", "sam", "before", 100, TOO_LONG),
    case("inspect_customer_import.path", "sam", "path", 4096, TOO_LONG),
    case("start_customer_import.path", "sam", "path", 4096, TOO_LONG),
    case("save_import_rejects.path", "sam", "path", 4096, TOO_LONG),
    case("preview_refund.amount", "sam", "amount", 40, TOO_LONG),
    case("request_refund.amount", "sam", "amount", 40, TOO_LONG),
    case("request_refund.reason", "sam", "reason", 500, "refund_reason_too_long"),
    case("refund_queue.status", "sam", "status", 64, TOO_LONG),
    case("decide_refund.note", "fina", "note", 500, TOO_LONG),
    case("record_offline_transfer.evidencePath", "fina", "evidencePath", 4096, TOO_LONG),
    case("record_offline_transfer.date", "fina", "date", 40, TOO_LONG),
    case("resolve_refund_by_hand.outcome", "fina", "outcome", 64, TOO_LONG),
    case("resolve_payment_by_hand.outcome", "fina", "outcome", 64, TOO_LONG),
];

fn customer(full_name: &str, phone: &str, notes: Option<String>) -> CustomerFields {
    CustomerFields {
        full_name: full_name.into(),
        phone: phone.into(),
        merchant_customer_id: None,
        email: None,
        notes,
    }
}

fn mapping() -> ColumnMapping {
    ColumnMapping { full_name: Some(0), phone: Some(1), ..ColumnMapping::default() }
}

fn by_hand(outcome: &str) -> ResolveByHandInput {
    ResolveByHandInput {
        id: 1,
        outcome: outcome.into(),
        provider_ref: String::new(),
        note: "checked with the provider".into(),
        password: "fina-password".into(),
    }
}

fn settings(key: &str, value: &str) -> SaveProviderSettingsInput {
    SaveProviderSettingsInput {
        environment: "production".into(),
        product: "ovo_snap".into(),
        values: BTreeMap::from([(key.to_owned(), value.to_owned())]),
    }
}

fn drop_ok<T>(result: Result<T, AppError>) -> Result<(), AppError> {
    result.map(|_| ())
}

/// Sends `long` as the field `case` names, every other field well formed.
async fn send(app: &std::sync::Arc<Backoffice>, field: &str, long: String) -> Result<(), AppError> {
    let env = |environment: String| EnvironmentInput { environment };
    let product_in = |environment: &str, product: &str| ProductInEnvironment {
        environment: environment.into(),
        product: product.into(),
    };
    let cred = |product: &str, field: &str| CredentialRef {
        environment: "production".into(),
        product: product.into(),
        field: field.into(),
    };
    match field {
        "create_operator.role" => {
            drop_ok(app.create_operator(app::new_operator("nina", "Nina", &long)).await)
        }
        "change_operator_role.role" => {
            drop_ok(app.change_operator_role(ChangeRoleInput { operator_id: 2, role: long }).await)
        }
        "list_credentials.environment" => drop_ok(app.list_credentials(env(long)).await),
        "set_credential.field" | "set_credential.value" => {
            let (field, value) = if field.ends_with("field") {
                (long, "SK-1".to_owned())
            } else {
                ("secret_key".to_owned(), long)
            };
            let input = SetCredentialInput {
                environment: "production".into(),
                product: "doku_snap_ovo".into(),
                field,
                value: value.as_str().into(),
            };
            drop_ok(app.set_credential(input).await)
        }
        "delete_credential.product" => {
            drop_ok(app.delete_credential(cred(&long, "secret_key")).await)
        }
        "test_connection.product" => {
            drop_ok(app.test_connection(product_in("production", &long)).await)
        }
        "set_language.language" => {
            drop_ok(app.set_language(LanguageInput { language: long }).await)
        }
        "set_environment.environment" => drop_ok(app.set_environment(env(long)).await),
        "list_provider_settings.environment" => {
            drop_ok(app.list_provider_settings(env(long)).await)
        }
        "save_provider_settings.values.host" => {
            drop_ok(app.save_provider_settings(settings("host", &long)).await)
        }
        "save_provider_settings.values.key" => {
            drop_ok(app.save_provider_settings(settings(&long, "x")).await)
        }
        "save_provider_settings.values.top_up_text_id" => {
            drop_ok(app.save_provider_settings(settings("top_up_text_id", &long)).await)
        }
        "reset_provider_settings.product" => {
            drop_ok(app.reset_provider_settings(product_in("production", &long)).await)
        }
        "set_refund_policy.windowDays" => {
            let input = SetRefundPolicyInput {
                product: "ovo_snap".into(),
                partial_allowed: true,
                window_days: long,
                daily_limit: "3".into(),
            };
            drop_ok(app.set_refund_policy(input).await)
        }
        "reset_refund_policy.product" => {
            drop_ok(app.reset_refund_policy(ProductRef { product: long }).await)
        }
        "set_listener.address" => {
            drop_ok(app.set_listener(ListenerInput { enabled: true, address: long }).await)
        }
        "search_customers.query" => {
            drop_ok(app.search_customers(SearchInput { query: long, limit: 20 }).await)
        }
        "start_link.phone" => {
            let input = StartLinkInput { customer_id: 1, product: "ovo_snap".into(), phone: long };
            drop_ok(app.start_link(input).await)
        }
        "account_history.from" => {
            let input =
                HistoryInput { account_id: 1, from: long, to: "2026-09-21".into(), page: 1 };
            drop_ok(app.account_history(input).await)
        }
        "top_up_instructions.language" => drop_ok(
            app.top_up_instructions(TopUpInput { account_id: 1, language: Some(long) }).await,
        ),
        "open_external.url" => {
            let url = format!("https://sandbox.doku.com/{long}")[..long.len()].to_owned();
            drop_ok(app.open_external(ExternalUrl { product: "doku_snap_ovo".into(), url }).await)
        }
        "payments_page.reference" => {
            let mut query = app::payment_query(None, None, 20);
            query.filters.reference = Some(long);
            drop_ok(app.payments_page(query).await)
        }
        "start_payment.amount" => {
            let mut input = app::payment_input(None, "doku_jokul_ovo_push", "push", "10000", "t");
            input.amount = long;
            drop_ok(app.start_payment(input).await)
        }
        "start_payment.description" => {
            let input = app::payment_input(None, "doku_jokul_ovo_push", "push", "10000", &long);
            drop_ok(app.start_payment(input).await)
        }
        "create_customer.phone" => {
            drop_ok(app.create_customer(customer("Nina", &long, None)).await)
        }
        "create_customer.fullName" => {
            drop_ok(app.create_customer(customer(&long, "081234567001", None)).await)
        }
        "create_customer.notes" => {
            drop_ok(app.create_customer(customer("Nina", "081234567001", Some(long))).await)
        }
        "update_customer.phone" => {
            let input =
                UpdateCustomerInput { customer_id: 1, fields: customer("Nina", &long, None) };
            drop_ok(app.update_customer(input).await)
        }
        "add_customer_note.text" => {
            drop_ok(app.add_customer_note(CustomerNoteInput { customer_id: 1, text: long }).await)
        }
        "customer_timeline.before" => {
            let input = CustomerTimelineQuery { customer_id: 1, before: Some(long), limit: 20 };
            drop_ok(app.customer_timeline(input).await)
        }
        "inspect_customer_import.path" => drop_ok(
            app.inspect_customer_import(InspectImportInput { path: long, mapping: None }).await,
        ),
        "start_customer_import.path" => {
            let input = StartImportInput {
                path: long,
                mapping: mapping(),
                mode: ImportMode::GoodRows,
                dry_run: true,
            };
            drop_ok(app.start_customer_import(input).await)
        }
        "save_import_rejects.path" => {
            drop_ok(app.save_import_rejects(SaveRejectsInput { job_id: 1, path: long }).await)
        }
        "preview_refund.amount" => {
            drop_ok(app.preview_refund(RefundPreviewInput { payment_id: 1, amount: long }).await)
        }
        "request_refund.amount" | "request_refund.reason" => {
            let (amount, reason) = if field.ends_with("amount") {
                (long, "customer asked".to_owned())
            } else {
                ("10000".to_owned(), long)
            };
            drop_ok(app.request_refund(RequestRefundInput { payment_id: 1, amount, reason }).await)
        }
        "refund_queue.status" => drop_ok(
            app.refund_queue(RefundQueueQuery { status: long, after_id: None, limit: 20 }).await,
        ),
        "decide_refund.note" => {
            let input = DecideRefundInput {
                refund_id: 1,
                approve: false,
                note: long,
                password: "fina-password".into(),
            };
            drop_ok(app.decide_refund(input).await)
        }
        "record_offline_transfer.evidencePath" | "record_offline_transfer.date" => {
            let (date, evidence_path) = if field.ends_with("date") {
                (long, None)
            } else {
                ("2026-09-21".to_owned(), Some(long))
            };
            let input = RecordTransferInput {
                refund_id: 1,
                reference: "TRF-1".into(),
                date,
                evidence_path,
                password: "fina-password".into(),
            };
            drop_ok(app.record_offline_transfer(input).await)
        }
        "resolve_refund_by_hand.outcome" => {
            drop_ok(app.resolve_refund_by_hand(by_hand(&long)).await)
        }
        "resolve_payment_by_hand.outcome" => {
            drop_ok(app.resolve_payment_by_hand(by_hand(&long)).await)
        }
        other => panic!("no case {other}"),
    }
}

/// Every table's row count and the settings' values: what a write would change.
async fn ledger_state(app: &Backoffice) -> Vec<String> {
    let pool = app.ledger().writer_pool();
    let tables = app.ledger().tables().await.unwrap();
    let mut state = Vec::new();
    for table in tables {
        let count: i64 = sqlx::query_scalar(&format!("SELECT count(*) FROM \"{table}\""))
            .fetch_one(pool)
            .await
            .unwrap();
        state.push(format!("{table}: {count}"));
    }
    let settings: Vec<(String, String)> =
        sqlx::query_as("SELECT key, value FROM settings ORDER BY key")
            .fetch_all(pool)
            .await
            .unwrap();
    state.extend(settings.into_iter().map(|(key, value)| format!("{key}={value}")));
    state
}

#[tokio::test]
async fn every_commands_text_over_its_limit_is_refused_naming_field_and_limit_and_nothing_is_written(
) {
    let f = TestApp::builder()
        .fixed_clock()
        .operators(&[("sam", "staff"), ("fina", "finance")])
        .open()
        .await;
    let mut signed_in = "";
    for case in CASES {
        if case.who != signed_in {
            f.sign_in_as(case.who).await;
            signed_in = case.who;
        }
        // At the limit the length is no problem (whatever else the value is). A payment's
        // description at its limit would start a payment: not tried.
        let at_limit = if case.field == "start_payment.description" {
            Ok(())
        } else {
            send(&f.app, case.field, "7".repeat(case.limit)).await
        };
        if let Err(e) = &at_limit {
            assert_ne!(e.reason, Some(case.reason), "{}: {e:?}", case.field);
        }
        let before = ledger_state(&f.app).await;
        let error = send(&f.app, case.field, "7".repeat(case.limit + 1)).await.unwrap_err();
        assert_eq!(
            (error.code, error.reason),
            (ErrorCode::InvalidInput, Some(case.reason)),
            "{}: {}",
            case.field,
            error.message
        );
        assert!(error.message.contains(case.names), "{}: {}", case.field, error.message);
        assert!(
            error.message.contains(&case.limit.to_string()),
            "{}: {}",
            case.field,
            error.message
        );
        assert_eq!(ledger_state(&f.app).await, before, "{} wrote to the ledger", case.field);
    }
}
