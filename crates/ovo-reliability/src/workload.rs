//! The worker's side: a real app instance on a data directory, against the simulator the
//! harness runs, doing what the desk does (payments, refunds requested by staff and approved
//! by finance) and then the background work until quiet.

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{anyhow, Context, Result};
use ovo_app::ipc::*;
use ovo_app::{Backoffice, BackofficeConfig};
use ovo_domain::{
    Clock, Environment, Msisdn, PaymentStatus, Product, RefundStatus, SystemClock, Timestamp,
};
use ovo_ledger::{bindings, notifications, payments, refunds};

use crate::sim;
use ovo_test_support::secrets::FileStore;

pub const APP_ID: &str = "test.ovo.reliability";
pub const ADMIN: (&str, &str) = ("rel-admin", "rel-admin-password");
pub const STAFF: (&str, &str) = ("rel-staff", "rel-staff-password");
pub const FINANCE: (&str, &str) = ("rel-finance", "rel-finance-password");
/// The second finance operator: another desk's rejections in the races.
pub const FINANCE2: (&str, &str) = ("rel-finance2", "rel-finance2-password");
/// Printed by a crash point's callback; the parent kills the process when it reads it.
pub const CRASH_MARK: &str = "CRASH-POINT";
/// The crash point to arm (its label), read by the worker at start.
pub const CRASH_ENV: &str = "OVO_RELIABILITY_CRASH_AT";

/// How far the restarted app's clock is ahead of the system's: a restart after a crash is seen
/// by the app as 131 s later, so the first status check of a call that was in flight (due 130 s
/// after it began, whatever the time scale) is due at once.
pub const RESTART_CLOCK_AHEAD_MS: i64 = 131_000;

/// Every labelled crash point in ovo-app.
pub const CRASH_POINTS: &[&str] = &[
    "payment.after_commit",
    "payment.before_call",
    "payment.after_call",
    "payment.after_answer_commit",
    "payment_again.after_commit",
    "payment_again.before_call",
    "payment_again.after_call",
    "payment_again.after_answer_commit",
    "cancel.after_commit",
    "cancel.before_call",
    "cancel.after_call",
    "refund.after_approve_commit",
    "refund.after_submitting_commit",
    "refund.before_call",
    "refund.after_call",
    "refund.after_outcome_commit",
    "link.after_commit",
    "link.before_call",
    "link.after_call",
    "unlink.before_call",
    "unlink.after_call",
    "notification.after_inbox_commit",
    "notification.while_applying",
    "notification.after_applied_commit",
];

/// What the worker does for one run: the main script (payment, its notification, refund,
/// unlink), or the flow the armed crash point sits in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Script {
    Main,
    /// The demo account is unlinked, then linked again through the provider's page.
    Link,
    /// A payment the customer never answers, cancelled.
    Cancel,
    /// A payment the customer declines, asked again.
    Again,
}

impl Script {
    /// The flow a crash point (its label) is passed in; the main script for random-time kills.
    pub fn for_point(point: Option<&str>) -> Script {
        match point.and_then(|p| p.split('.').next()) {
            Some("link") => Script::Link,
            Some("cancel") => Script::Cancel,
            Some("payment_again") => Script::Again,
            _ => Script::Main,
        }
    }
}

/// The points the worker's scripts pass for `product`: the main script's (payment, its
/// notification, refund, unlink), a new linking's, and a cancel's and an ask-again's where
/// the product has them.
pub fn points_for(product: Product) -> Vec<&'static str> {
    let mut points = vec![
        "payment.after_commit",
        "payment.before_call",
        "payment.after_call",
        "payment.after_answer_commit",
        "refund.after_approve_commit",
    ];
    if refunds_by_api(product) {
        points.extend([
            "refund.after_submitting_commit",
            "refund.before_call",
            "refund.after_call",
            "refund.after_outcome_commit",
        ]);
    }
    if linked_phone(product).is_some() {
        points.extend(["unlink.before_call", "unlink.after_call"]);
    }
    // Every product notifies the payment. Only Tazapay's pay-in is approved after its call has
    // answered (the others answer with the customer's decision), so only its notification
    // finds the payment pending and is applied after its confirming status query.
    points.push("notification.after_inbox_commit");
    if product == Product::TazapayOvoIdr {
        points.extend(["notification.while_applying", "notification.after_applied_commit"]);
    }
    if linked_phone(product).is_some() {
        points.extend(["link.after_commit", "link.before_call", "link.after_call"]);
    }
    // Tazapay can cancel a pay-in and ask again on it (Faspay's cancel needs a linked account
    // that never answers, which the demo has not).
    if product == Product::TazapayOvoIdr {
        points.extend(["cancel.after_commit", "cancel.before_call", "cancel.after_call"]);
        points.extend([
            "payment_again.after_commit",
            "payment_again.before_call",
            "payment_again.after_call",
            "payment_again.after_answer_commit",
        ]);
    }
    points
}

/// The demo customer's phone whose linked account pays for `product` (the others take a phone).
pub fn linked_phone(product: Product) -> Option<&'static str> {
    match product {
        Product::OvoSnap => Some(sim::BUDI),
        Product::DokuSnapOvo => Some(sim::SITI),
        Product::FaspayOvoTokenize => Some(sim::SOPHIA),
        Product::DokuJokulOvoPush | Product::TazapayOvoIdr => None,
    }
}

/// Refunds go through the provider's API (the others are settled offline).
pub fn refunds_by_api(product: Product) -> bool {
    matches!(product, Product::OvoSnap | Product::DokuSnapOvo | Product::TazapayOvoIdr)
}

/// How long the script leaves a started payment to the provider's notification before it
/// asks the status itself: a provider hour at the simulator's time scale.
const NOTIFICATION_GRACE: Duration = Duration::from_millis(7_200);

/// A clock a fixed offset ahead of the system's.
#[derive(Debug)]
pub struct AheadClock(pub i64);

impl Clock for AheadClock {
    fn now(&self) -> Timestamp {
        SystemClock.now().plus_millis(self.0)
    }
}

/// Opens the app on `dir`; a new ledger gets the operators and its notification listener on
/// `listener` (`127.0.0.1:port`, where the simulator notifies), which later opens keep.
pub async fn open(
    dir: &Path,
    sandbox_url: &str,
    clock_ahead_ms: i64,
    listener: &str,
) -> Result<Arc<Backoffice>> {
    let config = BackofficeConfig {
        ledger: None,
        data_dir: dir.join("data"),
        app_identifier: APP_ID.into(),
        version: "0.1.0".into(),
        sandbox_time_scale: Some(sim::TIME_SCALE.into()),
        builtin_sandbox_url: Some(sandbox_url.to_owned()),
    };
    let secrets = Arc::new(FileStore::new(&dir.join("secrets.json")));
    let app = Backoffice::open(config, secrets, Arc::new(AheadClock(clock_ahead_ms)))
        .await
        .map_err(|e| anyhow!("open: {e}"))?;
    let fresh = app.session_status().await.map_err(|e| anyhow!("{e}"))?.state
        == SessionState::Uninitialized;
    if fresh {
        app.set_up_first_admin(FirstAdminInput {
            username: ADMIN.0.into(),
            display_name: "Admin".into(),
            password: ADMIN.1.into(),
        })
        .await
        .map_err(|e| anyhow!("first admin: {e}"))?;
        for ((username, password), role) in
            [(STAFF, "staff"), (FINANCE, "finance"), (FINANCE2, "finance")]
        {
            // The admin gives a one-time password; the operator replaces it with their own.
            sign_in(&app, ADMIN).await?;
            let one_time = format!("{password}-one-time");
            app.create_operator(NewOperatorInput {
                username: username.into(),
                display_name: username.into(),
                role: role.into(),
                password: one_time.as_str().into(),
            })
            .await
            .map_err(|e| anyhow!("operator {username}: {e}"))?;
            sign_in(&app, (username, &one_time)).await?;
            app.change_password(ChangePasswordInput {
                current_password: one_time.as_str().into(),
                new_password: password.into(),
            })
            .await
            .map_err(|e| anyhow!("password of {username}: {e}"))?;
        }
    }
    let app = Arc::new(app);
    if fresh {
        sign_in(&app, ADMIN).await?;
        app.set_listener(ListenerInput { enabled: true, address: listener.to_owned() })
            .await
            .map_err(|e| anyhow!("listener: {e}"))?;
        app.sign_out().await.map_err(|e| anyhow!("sign out: {e}"))?;
    }
    app.ensure_listener().await;
    Ok(app)
}

pub async fn sign_in(app: &Backoffice, (username, password): (&str, &str)) -> Result<()> {
    app.sign_in(SignInInput { username: username.into(), password: password.into() })
        .await
        .map_err(|e| anyhow!("sign in {username}: {e}"))?;
    Ok(())
}

/// One payment of `product` and, once it succeeded, a refund requested by staff and approved
/// by finance. Answers when both are done (a crash point may stop the process before).
pub async fn run_script(app: &Arc<Backoffice>, product: Product, amount: i64) -> Result<()> {
    sign_in(app, STAFF).await?;
    let (kind, phone) = match product {
        Product::DokuJokulOvoPush => ("push", sim::MAGIC_PAYER),
        Product::TazapayOvoIdr => ("payin", sim::MAGIC_PAYER),
        Product::OvoSnap => ("direct_debit", ""),
        Product::DokuSnapOvo => ("recurring", ""),
        Product::FaspayOvoTokenize => ("tokenized", ""),
    };
    let account = linked_phone(product);
    let account_id = match account {
        Some(phone) => {
            let mut conn = app.ledger().read().await?;
            let phone = Msisdn::parse(phone).map_err(|e| anyhow!("{e}"))?;
            let binding =
                bindings::live_for_account(&mut conn, Environment::BuiltInSandbox, product, &phone)
                    .await?
                    .with_context(|| format!("no demo account linked through {}", product.key()))?;
            Some(binding.id.get())
        }
        None => None,
    };
    let started = app
        .start_payment(StartPaymentInput {
            customer_id: None,
            product: product.key().into(),
            kind: kind.into(),
            amount: amount.to_string(),
            phone: phone.into(),
            account_id,
            source: String::new(),
            description: "reliability workload".into(),
        })
        .await
        .map_err(|e| anyhow!("start payment: {e}"))?;
    let id = ovo_domain::PaymentId::new(started.payment.id);
    // The provider's notification settles the payment; the status poller only after a
    // notification had ample time.
    let started_at = Instant::now();
    let deadline = started_at + Duration::from_secs(60);
    let status = loop {
        let status = payment_status(app, id).await?;
        if status.is_final() || status == PaymentStatus::NeedsReview || Instant::now() > deadline {
            break status;
        }
        if started_at.elapsed() > NOTIFICATION_GRACE {
            app.poll_payments().await.map_err(|e| anyhow!("poll: {e}"))?;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    if status != PaymentStatus::Succeeded {
        println!("PAYMENT-ENDED {}", status.key());
        return Ok(());
    }
    // Tazapay refunds whole payments only; the others a part.
    let refund_amount = if product == Product::TazapayOvoIdr { amount } else { amount / 2 };
    let refund = app
        .request_refund(RequestRefundInput {
            payment_id: id.get(),
            amount: refund_amount.to_string(),
            reason: "customer returned the goods".into(),
        })
        .await
        .map_err(|e| anyhow!("request refund: {e}"))?;
    sign_in(app, FINANCE).await?;
    app.decide_refund(DecideRefundInput {
        refund_id: refund.id,
        approve: true,
        note: String::new(),
        password: FINANCE.1.into(),
    })
    .await
    .map_err(|e| anyhow!("approve refund: {e}"))?;
    // Once the refund is settled, the customer's account is unlinked.
    let Some(account_id) = account_id else { return Ok(()) };
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let mut conn = app.ledger().read().await?;
        let status = refunds::get(&mut conn, ovo_domain::RefundId::new(refund.id))
            .await?
            .context("refund vanished")?
            .status;
        drop(conn);
        if !refund_open(status) || Instant::now() > deadline {
            break;
        }
        app.resolve_refunds().await.map_err(|e| anyhow!("resolve: {e}"))?;
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    sign_in(app, STAFF).await?;
    app.unlink_account(AccountRef { account_id }).await.map_err(|e| anyhow!("unlink: {e}"))?;
    Ok(())
}

/// Runs `script` for `product`.
pub async fn run(
    app: &Arc<Backoffice>,
    script: Script,
    product: Product,
    amount: i64,
) -> Result<()> {
    match script {
        Script::Main => run_script(app, product, amount).await,
        Script::Link => relink(app, product).await,
        Script::Cancel => cancel_unanswered(app, product, amount).await,
        Script::Again => ask_again(app, product, amount).await,
    }
}

/// The demo customer's account through `product` is unlinked, then linked again: staff starts
/// the linking and the customer's browser opens the provider's page (the account approves at once).
async fn relink(app: &Arc<Backoffice>, product: Product) -> Result<()> {
    let phone =
        linked_phone(product).with_context(|| format!("{} links no account", product.key()))?;
    sign_in(app, STAFF).await?;
    let demo = {
        let mut conn = app.ledger().read().await?;
        let phone = Msisdn::parse(phone).map_err(|e| anyhow!("{e}"))?;
        bindings::live_for_account(&mut conn, Environment::BuiltInSandbox, product, &phone)
            .await?
            .context("no demo account linked")?
    };
    app.unlink_account(AccountRef { account_id: demo.id.get() })
        .await
        .map_err(|e| anyhow!("unlink: {e}"))?;
    let started = app
        .start_link(StartLinkInput {
            customer_id: demo.customer_id.get(),
            product: product.key().into(),
            phone: String::new(),
        })
        .await
        .map_err(|e| anyhow!("start link: {e}"))?;
    if let Some(url) = &started.redirect_url {
        reqwest::get(url).await.context("the customer's browser")?;
    }
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let status = {
            let mut conn = app.ledger().read().await?;
            bindings::get(&mut conn, ovo_domain::BindingId::new(started.id))
                .await?
                .context("linking vanished")?
                .status
        };
        if status != bindings::BindingStatus::Pending || Instant::now() > deadline {
            return Ok(());
        }
        app.background_pass(false).await;
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// A pay-in from the payer who never answers, cancelled by staff.
async fn cancel_unanswered(app: &Arc<Backoffice>, product: Product, amount: i64) -> Result<()> {
    sign_in(app, STAFF).await?;
    let id = start_phone_payment(app, product, amount, sim::MAGIC_SILENT).await?;
    app.cancel_payment(PaymentRef { payment_id: id.get() })
        .await
        .map_err(|e| anyhow!("cancel: {e}"))?;
    Ok(())
}

/// A pay-in the payer declines, asked again by staff once it failed.
async fn ask_again(app: &Arc<Backoffice>, product: Product, amount: i64) -> Result<()> {
    sign_in(app, STAFF).await?;
    let id = start_phone_payment(app, product, amount, sim::MAGIC_DECLINER).await?;
    let deadline = Instant::now() + Duration::from_secs(60);
    while payment_open(payment_status(app, id).await?) && Instant::now() < deadline {
        app.background_pass(false).await;
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    app.request_payment_again(PaymentRef { payment_id: id.get() })
        .await
        .map_err(|e| anyhow!("ask again: {e}"))?;
    Ok(())
}

async fn start_phone_payment(
    app: &Arc<Backoffice>,
    product: Product,
    amount: i64,
    phone: &str,
) -> Result<ovo_domain::PaymentId> {
    let started = app
        .start_payment(StartPaymentInput {
            customer_id: None,
            product: product.key().into(),
            kind: "payin".into(),
            amount: amount.to_string(),
            phone: phone.into(),
            account_id: None,
            source: String::new(),
            description: "reliability workload".into(),
        })
        .await
        .map_err(|e| anyhow!("start payment: {e}"))?;
    Ok(ovo_domain::PaymentId::new(started.payment.id))
}

async fn payment_status(app: &Backoffice, id: ovo_domain::PaymentId) -> Result<PaymentStatus> {
    let mut conn = app.ledger().read().await?;
    Ok(payments::get(&mut conn, id).await?.context("payment vanished")?.status)
}

/// The work this run did: payments and refunds created at or after `since`.
#[derive(Debug, Clone)]
pub struct Work {
    pub payments: Vec<payments::PaymentDetail>,
    pub refunds: Vec<refunds::RefundRow>,
}

pub async fn work_since(ledger: &ovo_ledger::Ledger, since: Timestamp) -> Result<Work> {
    let mut conn = ledger.read().await?;
    let payments = payments::all_in(&mut conn, Environment::BuiltInSandbox)
        .await?
        .into_iter()
        .filter(|p| p.created_at >= since)
        .collect();
    let refunds = refunds::all_in(&mut conn, Environment::BuiltInSandbox)
        .await?
        .into_iter()
        .filter(|r| r.requested_at >= since)
        .collect();
    Ok(Work { payments, refunds })
}

pub fn payment_open(status: PaymentStatus) -> bool {
    matches!(status, PaymentStatus::Created | PaymentStatus::Pending | PaymentStatus::Unknown)
}

/// A refund the provider still owes an outcome for (approved and never sent counts: nothing
/// else will send it).
pub fn refund_open(status: RefundStatus) -> bool {
    matches!(
        status,
        RefundStatus::Approved
            | RefundStatus::Submitting
            | RefundStatus::Processing
            | RefundStatus::Unknown
    )
}

/// Runs the background work (status polling, refund and unlink resolution) until this run's
/// rows are settled and no account is left unlinking, or nothing has changed for `idle` and no
/// status check or unlink is scheduled for any of them.
pub async fn run_until_quiet(
    app: &Arc<Backoffice>,
    since: Timestamp,
    idle: Duration,
    cap: Duration,
) -> Result<()> {
    let started = Instant::now();
    let mut last = String::new();
    let mut last_change = Instant::now();
    let mut at_start = true;
    loop {
        // What the app's background task does, from its start (every stored notification not
        // applied yet, then each as its back-off passes).
        app.background_pass(at_start).await;
        at_start = false;
        let work = work_since(app.ledger(), since).await?;
        let open_payments: Vec<_> =
            work.payments.iter().filter(|p| payment_open(p.status)).collect();
        let open_refunds = work.refunds.iter().filter(|r| refund_open(r.status)).count();
        let (unlinking, waiting) = {
            let mut conn = app.ledger().read().await?;
            // Every account left unlinking, every notification not applied and every linking
            // still pending (it expires at the latest), due now or later.
            (
                bindings::unlinkings_due(
                    &mut conn,
                    Environment::BuiltInSandbox,
                    Timestamp::from_unix_millis(i64::MAX),
                )
                .await?
                .len(),
                notifications::unapplied(&mut conn, None, 100).await?.len()
                    + bindings::pending(&mut conn, Environment::BuiltInSandbox).await?.len(),
            )
        };
        if open_payments.is_empty() && open_refunds == 0 && unlinking == 0 && waiting == 0 {
            return Ok(());
        }
        let state = format!(
            "{:?}",
            (
                work.payments.iter().map(|p| p.status).collect::<Vec<_>>(),
                work.refunds.iter().map(|r| r.status).collect::<Vec<_>>(),
                unlinking,
                waiting
            )
        );
        if state != last {
            last = state;
            last_change = Instant::now();
        }
        // An open payment or refund is followed while the background work has a status check
        // scheduled for it (the poller's, the refund resolver's back-off); an account left
        // unlinking is sent again until the provider answers, a stored notification applied
        // once its status query answers, a pending linking completed or expired.
        let followed = open_payments.iter().any(|p| p.next_check_at.is_some())
            || work.refunds.iter().any(|r| refund_open(r.status) && r.next_check_at.is_some())
            || unlinking > 0
            || waiting > 0;
        if (last_change.elapsed() >= idle && !followed) || started.elapsed() >= cap {
            return Ok(());
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}
