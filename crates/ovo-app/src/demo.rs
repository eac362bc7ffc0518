//! The built-in environment's demo ledger: customers whose OVO accounts are already linked in
//! the in-process sandbox (the sandbox seeds the same bindings and tokens from its demo
//! merchants file), written once into a brand-new ledger.

use ovo_domain::{
    fold_name, Environment, Idr, Msisdn, PaymentStatus, Product, Reference, Timestamp,
};
use ovo_ledger::audit::AuditOutcome;
use ovo_ledger::bindings::{self, BindingStatus, NewBinding};
use ovo_ledger::customers::{self, NewCustomer};
use ovo_ledger::operators;
use ovo_ledger::payments::{self, NewPayment};
use ovo_providers::model::LinkedAccount;
use ovo_secrets::Sensitive;
use rand::{Rng, SeedableRng};
use serde_json::json;

use crate::backoffice::Backoffice;
use crate::error::{AppError, AppResult, ErrorCode};

/// (name, phone, merchant customer id, email)
const CUSTOMERS: &[(&str, &str, &str, Option<&str>)] = &[
    (
        "Budi Santoso",
        "6281234567890",
        "CUST-0001",
        Some("budi.santoso@example.co.id"),
    ),
    (
        "Siti Rahmawati",
        "6281298765432",
        "CUST-0002",
        Some("siti.r@example.co.id"),
    ),
    ("Agus Wijaya", "6285712345678", "CUST-0003", None),
    (
        "Sophia Store Tester",
        "6281382826301",
        "CUST-0004",
        Some("tester@sophiastore.example"),
    ),
    (
        "Dewi Lestari",
        "6281311112222",
        "CUST-0005",
        Some("dewi.lestari@example.co.id"),
    ),
    ("Élisa Putri", "6287812340001", "CUST-0006", None),
    ("Rina Kusuma", "6281100000001", "CUST-0007", None),
    ("Hendra Gunawan", "6281100000002", "CUST-0008", None),
    ("Yusuf Hakim", "6281100000003", "CUST-0009", None),
    ("Made Wirawan", "6281100000005", "CUST-0010", None),
    ("Nyoman Sari", "6281100000006", "CUST-0011", None),
    (
        "Fajar Nugroho",
        "6281100000007",
        "CUST-0012",
        Some("fajar@example.co.id"),
    ),
    ("Putu Ayu Lestari", "6282112345678", "CUST-0013", None),
    ("Andi Pratama", "6281399887766", "CUST-0014", None),
    ("Bambang Sutrisno", "6285255554444", "CUST-0015", None),
];

/// Linked accounts the sandbox seeds too (demo-merchants.toml, `[[bindings]]`), with the same
/// provider reference, token and refresh token. The tokens are public demo values that protect
/// nothing.
pub(crate) struct DemoLink {
    pub product: Product,
    pub phone: &'static str,
    pub provider_ref: Option<&'static str>,
    pub token: Option<&'static str>,
    pub refresh_token: Option<&'static str>,
}

pub(crate) const LINKED: &[DemoLink] = &[
    DemoLink {
        product: Product::OvoSnap,
        phone: "6281234567890",
        provider_ref: Some("LNKDEMO6281234567890"),
        token: Some("demo-ovosnap-b2b2c-6281234567890"),
        refresh_token: Some("demo-ovosnap-refresh-6281234567890"),
    },
    DemoLink {
        product: Product::DokuSnapOvo,
        phone: "6281298765432",
        provider_ref: Some("DOKUDEMO6281298765432"),
        token: Some("demo-dokusnap-b2b2c-6281298765432"),
        refresh_token: Some("demo-dokusnap-refresh-6281298765432"),
    },
    DemoLink {
        product: Product::FaspayOvoTokenize,
        phone: "6281382826301",
        provider_ref: None,
        token: None,
        refresh_token: None,
    },
    DemoLink {
        product: Product::FaspayOvoTokenize,
        phone: "6285712345678",
        provider_ref: None,
        token: None,
        refresh_token: None,
    },
];

const DAY_MS: i64 = 86_400_000;

/// Payments by phone (no linked account) over the last 90 days: (phone, product, kind, how
/// the customer's account answers). Magic accounts fail or run out their wait as the sandbox
/// would have them.
const HISTORY: &[(&str, Product, &str, Outcome)] = &[
    ("6285712345678", Product::DokuJokulOvoPush, "push", Outcome::Mostly),
    ("6285712345678", Product::TazapayOvoIdr, "payin", Outcome::Mostly),
    ("6281382826301", Product::TazapayOvoIdr, "payin", Outcome::Mostly),
    ("6287812340001", Product::DokuJokulOvoPush, "push", Outcome::Mostly),
    ("6281100000007", Product::TazapayOvoIdr, "payin", Outcome::Mostly),
    ("6281100000007", Product::DokuJokulOvoPush, "push", Outcome::Mostly),
    ("6282112345678", Product::TazapayOvoIdr, "payin", Outcome::Mostly),
    ("6281399887766", Product::DokuJokulOvoPush, "push", Outcome::Mostly),
    ("6285255554444", Product::TazapayOvoIdr, "payin", Outcome::Mostly),
    ("6281100000001", Product::DokuJokulOvoPush, "push", Outcome::Failed),
    ("6281100000002", Product::TazapayOvoIdr, "payin", Outcome::Failed),
    ("6281100000005", Product::DokuJokulOvoPush, "push", Outcome::Failed),
    ("6281100000006", Product::DokuJokulOvoPush, "push", Outcome::Expired),
];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Outcome {
    /// Succeeded, with the odd failure, expiry and (today) a pending one.
    Mostly,
    Failed,
    Expired,
}

impl Backoffice {
    /// Seeds the demo ledger into a brand-new ledger (no operator, no customer) when the
    /// environment is the built-in one.
    pub(crate) async fn seed_demo_if_new(&self) -> AppResult<()> {
        if self.environment().await != Environment::BuiltInSandbox {
            return Ok(());
        }
        let mut tx = self.ledger.begin_write().await?;
        if operators::count(&mut tx).await? > 0 || customers::count(&mut tx).await? > 0 {
            return Ok(());
        }
        let now = self.now();
        let mut rng = rand::rngs::StdRng::seed_from_u64(0x0_5eed);
        let mut tokens = Vec::new();
        for (i, (name, phone, merchant_id, email)) in CUSTOMERS.iter().enumerate() {
            let phone = Msisdn::parse(phone)
                .map_err(|e| AppError::new(ErrorCode::Internal, format!("demo phone: {e}")))?;
            let since = Timestamp::from_unix_millis(now.unix_millis() - (120 - i as i64) * DAY_MS);
            let customer_id = customers::insert(
                &mut tx,
                &NewCustomer {
                    merchant_customer_id: Some(merchant_id),
                    full_name: name,
                    name_key: &fold_name(name),
                    phone: &phone,
                    email: *email,
                    at: since,
                },
            )
            .await?;
            for link in LINKED.iter().filter(|l| l.phone == phone.canonical()) {
                let product = &link.product;
                let reference = Reference::generate(&mut rng);
                let linked_at = Timestamp::from_unix_millis(since.unix_millis() + DAY_MS);
                let id = bindings::insert(
                    &mut tx,
                    &NewBinding {
                        customer_id,
                        environment: Environment::BuiltInSandbox,
                        product: *product,
                        phone: &phone,
                        status: BindingStatus::Active,
                        reference: &reference,
                        provider_ref: link.provider_ref,
                        expires_at: None,
                        at: linked_at,
                    },
                )
                .await?;
                if link.token.is_some() {
                    tokens.push((link, reference.clone(), phone.clone()));
                }
                // A few payments on the linked account over the last 90 days.
                for n in 0..3_i64 {
                    let created = Timestamp::from_unix_millis(
                        now.unix_millis() - (10 + n * 35) * DAY_MS - rng.gen_range(0..DAY_MS),
                    );
                    let amount = Idr::new(rng.gen_range(2..=60) * 5_000).unwrap_or(Idr::ZERO);
                    payments::insert(
                        &mut tx,
                        &NewPayment {
                            reference: &Reference::generate(&mut rng),
                            environment: Environment::BuiltInSandbox,
                            customer_id: Some(customer_id),
                            binding_id: Some(id),
                            product: *product,
                            kind: if *product == Product::FaspayOvoTokenize {
                                "tokenized"
                            } else if *product == Product::OvoSnap {
                                "direct_debit"
                            } else {
                                "recurring"
                            },
                            phone: Some(&phone),
                            amount,
                            cash_amount: Some(amount),
                            points_amount: Some(Idr::ZERO),
                            status: PaymentStatus::Succeeded,
                            provider_ref: None,
                            created_by: None,
                            created_at: created,
                            succeeded_at: Some(Timestamp::from_unix_millis(
                                created.unix_millis() + 40_000,
                            )),
                        },
                    )
                    .await?;
                }
            }
        }
        let extra = self.seed_demo_history(&mut tx, &mut rng, now).await?;
        self.audit(
            &mut tx,
            None,
            "demo.seed",
            "ledger",
            AuditOutcome::Ok,
            json!({ "customers": CUSTOMERS.len(), "linked_accounts": LINKED.len(), "history_payments": extra }),
        )
        .await?;
        ovo_ledger::commit(tx).await?;
        for (link, reference, phone) in tokens {
            let account = LinkedAccount {
                phone,
                provider_ref: link.provider_ref.map(str::to_owned),
                token: link.token.map(|t| Sensitive::new(t.to_owned())),
                refresh_token: link.refresh_token.map(|t| Sensitive::new(t.to_owned())),
                token_expires_at: None,
            };
            if let Err(e) = crate::desk::tokens::save_account(
                self.secrets.as_ref(),
                &self.config.app_identifier,
                Environment::BuiltInSandbox,
                link.product,
                &reference,
                &account,
            ) {
                tracing::warn!(error = %e, "demo linked account token not stored; its balance will not load");
            }
        }
        tracing::info!(customers = CUSTOMERS.len(), "demo ledger seeded");
        Ok(())
    }
}

impl Backoffice {
    /// Payments by phone across the products that need no linked account, spread over 90 days
    /// (some older than 60), in the states a real history has. Answers how many were written.
    async fn seed_demo_history(
        &self,
        tx: &mut ovo_ledger::Connection,
        rng: &mut rand::rngs::StdRng,
        now: Timestamp,
    ) -> AppResult<usize> {
        let mut written = 0;
        for (i, &(phone, product, kind, outcome)) in HISTORY.iter().enumerate() {
            let phone = Msisdn::parse(phone)
                .map_err(|e| AppError::new(ErrorCode::Internal, format!("demo phone: {e}")))?;
            let customer = customers::by_phone(tx, &phone).await?.into_iter().next().map(|c| c.id);
            for n in 0..5_i64 {
                // Days 0..90 back, a different spread per row.
                let days_ago = (n * 19 + i as i64 * 7) % 90;
                let created = Timestamp::from_unix_millis(
                    now.unix_millis() - days_ago * DAY_MS - rng.gen_range(0..DAY_MS / 2),
                );
                let status = match outcome {
                    Outcome::Failed => PaymentStatus::Failed,
                    Outcome::Expired => PaymentStatus::Expired,
                    Outcome::Mostly if days_ago == 0 => PaymentStatus::Pending,
                    Outcome::Mostly => match rng.gen_range(0..10) {
                        0 => PaymentStatus::Failed,
                        1 => PaymentStatus::Expired,
                        _ => PaymentStatus::Succeeded,
                    },
                };
                let amount = Idr::new(rng.gen_range(1..=80) * 5_000).unwrap_or(Idr::ZERO);
                let reference = Reference::generate(rng);
                let provider_ref = match product {
                    Product::TazapayOvoIdr => format!("pay_demo{}", reference.as_str().to_lowercase()),
                    _ => format!("DEMO{}", reference.as_str()),
                };
                let succeeded = status == PaymentStatus::Succeeded;
                payments::insert(
                    tx,
                    &NewPayment {
                        reference: &reference,
                        environment: Environment::BuiltInSandbox,
                        customer_id: customer,
                        binding_id: None,
                        product,
                        kind,
                        phone: Some(&phone),
                        amount,
                        cash_amount: succeeded.then_some(amount),
                        points_amount: succeeded.then_some(Idr::ZERO),
                        status,
                        provider_ref: Some(&provider_ref),
                        created_by: None,
                        created_at: created,
                        succeeded_at: succeeded
                            .then(|| Timestamp::from_unix_millis(created.unix_millis() + 35_000)),
                    },
                )
                .await?;
                written += 1;
            }
        }
        Ok(written)
    }
}
