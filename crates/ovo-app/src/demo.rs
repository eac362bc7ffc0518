//! The built-in environment's demo ledger: customers whose OVO accounts are already linked in
//! the in-process sandbox (the sandbox seeds the same bindings and tokens from its demo
//! merchants file), 90 days of payments, refunds in every state a refund rests in, and one demo
//! operator per role, written once into a brand-new ledger. Every start of the built-in
//! sandbox imports the environment's payments and refunds into it (`builtin.rs`), so the
//! provider knows what the ledger says it knows.

use ovo_domain::{
    fold_name, Environment, Idr, Msisdn, OperatorId, PaymentId, PaymentStatus, Product, Reference,
    RefundStatus, Role, Timestamp,
};
use ovo_ledger::audit::AuditOutcome;
use ovo_ledger::bindings::{self, BindingStatus, NewBinding};
use ovo_ledger::customers::{self, NewCustomer};
use ovo_ledger::operators::{self, NewOperator};
use ovo_ledger::payments::{self, NewPayment};
use ovo_ledger::refunds::{self, NewRefund};
use ovo_providers::model::LinkedAccount;
use ovo_secrets::Sensitive;
use rand::{Rng, SeedableRng};
use serde_json::json;

use crate::backoffice::Backoffice;
use crate::error::{AppError, AppResult, ErrorCode};

/// (name, phone, merchant customer id, email)
const CUSTOMERS: &[(&str, &str, &str, Option<&str>)] = &[
    ("Budi Santoso", "6281234567890", "CUST-0001", Some("budi.santoso@example.co.id")),
    ("Siti Rahmawati", "6281298765432", "CUST-0002", Some("siti.r@example.co.id")),
    ("Agus Wijaya", "6285712345678", "CUST-0003", None),
    ("Sophia Store Tester", "6281382826301", "CUST-0004", Some("tester@sophiastore.example")),
    ("Dewi Lestari", "6281311112222", "CUST-0005", Some("dewi.lestari@example.co.id")),
    ("Élisa Putri", "6287812340001", "CUST-0006", None),
    ("Rina Kusuma", "6281100000001", "CUST-0007", None),
    ("Hendra Gunawan", "6281100000002", "CUST-0008", None),
    ("Yusuf Hakim", "6281100000003", "CUST-0009", None),
    ("Made Wirawan", "6281100000005", "CUST-0010", None),
    ("Nyoman Sari", "6281100000006", "CUST-0011", None),
    ("Fajar Nugroho", "6281100000007", "CUST-0012", Some("fajar@example.co.id")),
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
const HOUR_MS: i64 = 3_600_000;

/// The demo operators' one password, shown on the built-in sign-in screen. They sign in only
/// in the built-in environment.
pub const DEMO_PASSWORD: &str = "demo-password";

/// (username, display name, role): one per role.
pub const DEMO_OPERATORS: &[(&str, &str, Role)] = &[
    ("demo.staff", "Dian (demo)", Role::Staff),
    ("demo.support", "Sari (demo)", Role::Support),
    ("demo.finance", "Fajar (demo)", Role::Finance),
    ("demo.admin", "Adi (demo)", Role::Admin),
];

/// A seeded payment, for choosing the ones demo refunds are made of.
#[derive(Debug, Clone, Copy)]
struct Seeded {
    id: PaymentId,
    product: Product,
    status: PaymentStatus,
    amount: Idr,
    succeeded_at: Option<Timestamp>,
    /// Which of the customer's payments on a linked account (0 = the newest); None for history.
    linked_index: Option<i64>,
}

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
        let mut seeded = Vec::new();
        let staff = self.seed_demo_operators(&mut tx, now).await?;
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
            customers::mark_demo(&mut tx, customer_id).await?;
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
                    let provider_ref = linked_provider_ref(*product, &mut rng);
                    let succeeded_at = Timestamp::from_unix_millis(created.unix_millis() + 40_000);
                    let payment_id = payments::insert(
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
                            provider_ref: Some(&provider_ref),
                            created_by: None,
                            created_at: created,
                            succeeded_at: Some(succeeded_at),
                        },
                    )
                    .await?;
                    seeded.push(Seeded {
                        id: payment_id,
                        product: *product,
                        status: PaymentStatus::Succeeded,
                        amount,
                        succeeded_at: Some(succeeded_at),
                        linked_index: Some(n),
                    });
                }
            }
        }
        let extra = self.seed_demo_history(&mut tx, &mut rng, now, &mut seeded).await?;
        let refunds_by_status = seed_demo_refunds(&mut tx, &mut rng, now, &seeded, &staff).await?;
        self.audit(
            &mut tx,
            None,
            "demo.seed",
            "ledger",
            AuditOutcome::Ok,
            json!({
                "customers": CUSTOMERS.len(),
                "linked_accounts": LINKED.len(),
                "history_payments": extra,
                "operators": DEMO_OPERATORS.iter().map(|(username, _, role)| json!({ "username": username, "role": role.key() })).collect::<Vec<_>>(),
                "refunds": refunds_by_status,
            }),
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
            if let Err(e) = self
                .link_tokens()
                .save_account(Environment::BuiltInSandbox, link.product, &reference, &account)
                .await
            {
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
        seeded: &mut Vec<Seeded>,
    ) -> AppResult<usize> {
        let mut written = 0;
        for (i, &(phone, product, kind, outcome)) in HISTORY.iter().enumerate() {
            let phone = Msisdn::parse(phone)
                .map_err(|e| AppError::new(ErrorCode::Internal, format!("demo phone: {e}")))?;
            let customer = customers::by_phone(tx, &phone).await?.into_iter().next().map(|c| c.id);
            for n in 0..5_i64 {
                // Days 0..90 back, a different spread per row.
                let days_ago = (n * 19 + i as i64 * 7) % 90;
                // Today's payin still waits for the customer (a push never waits that long).
                let waiting = outcome == Outcome::Mostly
                    && days_ago == 0
                    && product == Product::TazapayOvoIdr;
                let created = if waiting {
                    Timestamp::from_unix_millis(now.unix_millis() - 10 * 60_000)
                } else {
                    Timestamp::from_unix_millis(
                        now.unix_millis() - days_ago * DAY_MS - rng.gen_range(0..DAY_MS / 2),
                    )
                };
                let status = match outcome {
                    Outcome::Failed => PaymentStatus::Failed,
                    Outcome::Expired => PaymentStatus::Expired,
                    Outcome::Mostly if waiting => PaymentStatus::Pending,
                    Outcome::Mostly => match rng.gen_range(0..10) {
                        0 => PaymentStatus::Failed,
                        1 => PaymentStatus::Expired,
                        _ => PaymentStatus::Succeeded,
                    },
                };
                let amount = Idr::new(rng.gen_range(1..=80) * 5_000).unwrap_or(Idr::ZERO);
                let reference = Reference::generate(rng);
                let provider_ref = match product {
                    Product::TazapayOvoIdr => {
                        format!("pay_demo{}", reference.as_str().to_lowercase())
                    }
                    // A push's invoice number is the merchant's reference.
                    _ => reference.as_str().to_owned(),
                };
                let succeeded = status == PaymentStatus::Succeeded;
                let succeeded_at =
                    succeeded.then(|| Timestamp::from_unix_millis(created.unix_millis() + 35_000));
                let payment_id = payments::insert(
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
                        succeeded_at,
                    },
                )
                .await?;
                seeded.push(Seeded {
                    id: payment_id,
                    product,
                    status,
                    amount,
                    succeeded_at,
                    linked_index: None,
                });
                written += 1;
            }
        }
        Ok(written)
    }
}

/// The demo operators who request and decide the demo refunds.
#[derive(Debug, Clone, Copy)]
struct DemoStaff {
    staff: OperatorId,
    support: OperatorId,
    finance: OperatorId,
}

impl Backoffice {
    /// One demo operator per role, all with [`DEMO_PASSWORD`] (one hash: the password is public).
    async fn seed_demo_operators(
        &self,
        tx: &mut ovo_ledger::Connection,
        now: Timestamp,
    ) -> AppResult<DemoStaff> {
        let hash = crate::passwords::hash(&Sensitive::new(DEMO_PASSWORD.to_owned())).await?;
        let mut ids = Vec::new();
        for &(username, display_name, role) in DEMO_OPERATORS {
            let row = operators::insert(
                tx,
                &NewOperator {
                    username,
                    display_name,
                    role,
                    password_hash: &hash,
                    password_one_time: false,
                    at: now,
                },
            )
            .await?;
            ids.push((role, operators::mark_demo(tx, row.id).await?.id));
        }
        let of = |role: Role| {
            ids.iter().find(|(r, _)| *r == role).map(|(_, id)| *id).unwrap_or(OperatorId::new(0))
        };
        Ok(DemoStaff {
            staff: of(Role::Staff),
            support: of(Role::Support),
            finance: of(Role::Finance),
        })
    }
}

/// The provider's reference of a payment on a linked account, in each product's shape.
fn linked_provider_ref(product: Product, rng: &mut rand::rngs::StdRng) -> String {
    match product {
        Product::OvoSnap => format!("OVO{:016}", rng.gen_range(0..10_000_000_000_000_000_u64)),
        Product::FaspayOvoTokenize => format!("99999{:011}", rng.gen_range(0..100_000_000_000_u64)),
        _ => format!("{:016}", rng.gen_range(0..10_000_000_000_000_000_u64)),
    }
}

/// How far a demo refund went.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Fate {
    /// Awaiting a finance operator's decision.
    Requested,
    Rejected,
    /// The provider paid it out.
    Succeeded,
    /// The provider refused it (nothing reached the wallet).
    Failed,
    /// Accepted by the provider, still being paid out (the sandbox finishes it on its schedule).
    Processing,
    /// Sent, and the answer was lost; the provider did process it, as a status query will say.
    Unknown,
    /// The app stopped while sending; the provider did receive it.
    Submitting,
    /// No refund API: paid back outside the provider, the transfer recorded by finance.
    SettledOffline,
    /// No refund API: approved, the merchant's transfer still to be made and recorded.
    AwaitingTransfer,
    /// Sent, and the provider could not say what happened before its give-up time.
    NeedsReview,
}

/// (product, which payment of that product: nth succeeded one, a linked account's index, the
/// share of the paid amount in quarters, fate, reason)
const DEMO_REFUNDS: &[(Product, Pick, i64, Fate, &str)] = &[
    (Product::OvoSnap, Pick::Linked(1), 1, Fate::Succeeded, "Barang rusak sebagian"),
    (Product::OvoSnap, Pick::Linked(1), 1, Fate::Unknown, "Ongkos kirim dikembalikan"),
    (Product::OvoSnap, Pick::Linked(1), 1, Fate::NeedsReview, "Voucher tidak terpakai"),
    (
        Product::DokuSnapOvo,
        Pick::Linked(0),
        2,
        Fate::Requested,
        "Langganan dibatalkan di tengah bulan",
    ),
    (Product::DokuSnapOvo, Pick::Linked(1), 1, Fate::Succeeded, "Tagihan ganda"),
    (Product::DokuSnapOvo, Pick::Linked(1), 1, Fate::Submitting, "Diskon tidak terpasang"),
    (Product::DokuSnapOvo, Pick::Linked(1), 1, Fate::Failed, "Pembatalan pesanan"),
    (Product::TazapayOvoIdr, Pick::Nth(0), 4, Fate::Succeeded, "Pesanan dibatalkan pelanggan"),
    (Product::TazapayOvoIdr, Pick::Nth(1), 4, Fate::Processing, "Stok habis"),
    (Product::TazapayOvoIdr, Pick::Nth(2), 4, Fate::Rejected, "Pelanggan minta uang kembali"),
    (Product::TazapayOvoIdr, Pick::Nth(3), 4, Fate::Requested, "Barang tidak sampai"),
    (Product::DokuJokulOvoPush, Pick::Nth(0), 2, Fate::SettledOffline, "Kelebihan bayar"),
    (Product::DokuJokulOvoPush, Pick::Nth(1), 4, Fate::Requested, "Pesanan dibatalkan"),
    (Product::FaspayOvoTokenize, Pick::Linked(1), 4, Fate::SettledOffline, "Pesanan dibatalkan"),
    (
        Product::DokuJokulOvoPush,
        Pick::Nth(2),
        4,
        Fate::AwaitingTransfer,
        "Barang dikembalikan pelanggan",
    ),
];

#[derive(Debug, Clone, Copy)]
enum Pick {
    /// The nth succeeded history payment of the product, newest first.
    Nth(usize),
    /// The first linked account's payment of this index (0 = the newest).
    Linked(i64),
}

/// Refunds in every state a refund rests in, through the ledger's own checks and transitions
/// (policy, reservation, four eyes). Answers how many of each status were written.
async fn seed_demo_refunds(
    tx: &mut ovo_ledger::Connection,
    rng: &mut rand::rngs::StdRng,
    now: Timestamp,
    seeded: &[Seeded],
    staff: &DemoStaff,
) -> AppResult<serde_json::Value> {
    let mut counts = std::collections::BTreeMap::<&'static str, u32>::new();
    for (i, &(product, pick, quarters, fate, reason)) in DEMO_REFUNDS.iter().enumerate() {
        let payment = match pick {
            Pick::Linked(index) => {
                seeded.iter().find(|p| p.product == product && p.linked_index == Some(index))
            }
            Pick::Nth(n) => {
                let mut history: Vec<&Seeded> = seeded
                    .iter()
                    .filter(|p| {
                        p.product == product
                            && p.linked_index.is_none()
                            && p.status == PaymentStatus::Succeeded
                    })
                    .collect();
                history.sort_by_key(|p| std::cmp::Reverse(p.succeeded_at));
                history.get(n).copied()
            }
        };
        let Some(payment) = payment else { continue };
        let Some(paid_at) = payment.succeeded_at else { continue };
        let amount =
            Idr::new((payment.amount.rupiah() * quarters / 4).max(1)).unwrap_or(payment.amount);
        // Requested a day or two after the payment (the one still processing: this morning).
        let requested_at = if fate == Fate::Processing {
            Timestamp::from_unix_millis(now.unix_millis() - 2 * HOUR_MS)
        } else {
            Timestamp::from_unix_millis(
                (paid_at.unix_millis() + (1 + i as i64 % 2) * DAY_MS)
                    .min(now.unix_millis() - HOUR_MS),
            )
        };
        let decided_at = Timestamp::from_unix_millis(requested_at.unix_millis() + HOUR_MS / 2);
        let answered_at = Timestamp::from_unix_millis(decided_at.unix_millis() + 5_000);
        let requester = if i % 3 == 0 { staff.support } else { staff.staff };
        let reference = Reference::generate(rng);
        let requested = refunds::request_refund(
            tx,
            &NewRefund {
                payment_id: payment.id,
                amount,
                reason,
                requested_by: requester,
                reference: &reference,
                at: requested_at,
            },
        )
        .await?;
        let Some(refund) = requested.refund().cloned() else {
            tracing::warn!(?product, ?fate, "demo refund refused by the refund rule; left out");
            continue;
        };
        let id = refund.id;
        let key = format!("RF{}", reference.as_str());
        match fate {
            Fate::Requested => {}
            Fate::Rejected => {
                refunds::reject(
                    tx,
                    id,
                    staff.finance,
                    "Di luar kebijakan pengembalian toko",
                    decided_at,
                )
                .await?;
            }
            Fate::SettledOffline | Fate::AwaitingTransfer => {
                refunds::approve(tx, id, staff.finance, None, decided_at).await?;
                refunds::await_transfer(tx, id, decided_at).await?;
                if fate == Fate::SettledOffline {
                    let transfer_reference =
                        format!("TRF{}", rng.gen_range(100_000_000_u64..1_000_000_000));
                    let record = refunds::TransferRecord {
                        reference: &transfer_reference,
                        date: ovo_domain::wib_date(answered_at),
                        evidence: None,
                        evidence_sha256: None,
                        recorded_by: staff.finance,
                    };
                    refunds::settle_offline(tx, id, &record, answered_at).await?;
                }
            }
            Fate::Succeeded
            | Fate::Failed
            | Fate::Processing
            | Fate::Unknown
            | Fate::Submitting
            | Fate::NeedsReview => {
                refunds::approve(tx, id, staff.finance, None, decided_at).await?;
                refunds::mark_submitting(tx, id, &key, decided_at).await?;
                let provider_ref = demo_refund_provider_ref(product, &reference, rng);
                match fate {
                    Fate::Succeeded => {
                        refunds::mark_succeeded(tx, id, Some(&provider_ref), answered_at).await?;
                    }
                    Fate::Failed => {
                        refunds::mark_failed(tx, id, None, answered_at).await?;
                    }
                    Fate::Processing => {
                        refunds::mark_processing(tx, id, Some(&provider_ref), answered_at).await?;
                    }
                    Fate::Unknown => {
                        refunds::mark_unknown(tx, id, None, answered_at).await?;
                    }
                    Fate::NeedsReview => {
                        refunds::mark_unknown(tx, id, None, answered_at).await?;
                        let problem = r#"{"code":"4045801","message":"no refund with this partnerRefundNo in the payment's refundHistory"}"#;
                        refunds::mark_needs_review(tx, id, Some(problem), answered_at).await?;
                    }
                    _ => {}
                }
            }
        }
        let status =
            refunds::get(tx, id).await?.map(|r| r.status).unwrap_or(RefundStatus::Requested);
        *counts.entry(status.key()).or_default() += 1;
    }
    Ok(json!(counts))
}

/// The provider's id of a demo refund: Tazapay's `rfd_…`, a SNAP refundNo.
fn demo_refund_provider_ref(
    product: Product,
    reference: &Reference,
    rng: &mut rand::rngs::StdRng,
) -> String {
    match product {
        Product::TazapayOvoIdr => format!("rfd_demo{}", reference.as_str().to_lowercase()),
        Product::OvoSnap => format!("RFD{:016}", rng.gen_range(0..10_000_000_000_000_000_u64)),
        _ => format!("{:016}", rng.gen_range(0..10_000_000_000_000_000_u64)),
    }
}
