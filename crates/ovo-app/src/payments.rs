//! Taking payments and following them to a final state.
//!
//! Every payment is recorded (reference, idempotency key, timeline event, audit entry) and
//! committed before its provider call; the answer then updates the row, its timeline and the
//! audit log. A lost answer (`UnknownOutcome`) makes the payment `unknown`, which only a status
//! query resolves: the payment is never sent again under a new key. A push payment (DOKU Jokul)
//! is held by the provider for about 70 s: `start_payment` answers at once with the deadline and
//! the call goes on in a task of its own.
//!
//! Open payments are polled on their product's schedule (`Capabilities::poll`, from each
//! product file) and handed to an operator (`needs_review`) at its give-up time. A product
//! whose failed or expired attempt can be requested again (Tazapay) gets a new attempt on the
//! same provider payment, under the attempt's own key.

use std::sync::Arc;

use ovo_domain::{
    wib_day_bounds, wib_day_start, BindingId, CustomerId, Environment, Idr, PayerPhone, PaymentId,
    PaymentStatus, Product, Reference, TestPhone, Timestamp,
};
use ovo_ledger::audit::AuditOutcome;
use ovo_ledger::bindings::{self, BindingStatus};
use ovo_ledger::customers;
use ovo_ledger::notifications;
use ovo_ledger::operators::OperatorRow;
use ovo_ledger::payments::{
    self, NewPayment, PaymentCursor, PaymentDetail, PaymentFilter, PaymentIntent, PaymentUpdate,
};
use ovo_ledger::refunds;
use ovo_providers::model::{
    PaySource, PaymentOutcome, PaymentRequest, PaymentState, StatusRequest,
};
use ovo_providers::{capabilities, Operation, PaymentKind, ProviderError};
use serde_json::json;

use crate::backoffice::Backoffice;
use crate::desk::problems::StoredProblem;
use crate::desk::tokens;
use crate::error::{AppError, AppResult, ErrorCode};
use crate::ipc::*;
use crate::permissions::Permission;

/// The inbox notification an answer applies (a status query confirming it).
#[derive(Debug, Clone)]
pub(crate) struct InboxMark {
    pub id: i64,
    pub dedup_key: String,
}

/// DOKU Jokul holds the push call until the customer answers or about 70 s pass (HD 3).
pub const PUSH_HOLD_SECONDS: i64 = 70;
/// The first status check of a payment whose call is still out (the longest provider timeout
/// is Jokul's 100 s): a query cannot race the payment call's own answer.
const FIRST_CHECK_AFTER_MS: i64 = 130_000;
const DESCRIPTION_MAX_CHARS: usize = 100;

/// Where an answer about a payment came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Origin {
    Pay,
    Status,
    Notification,
    /// The provider's answer to a cancel.
    Cancel,
    /// The answer to sending the attempt again under its original ids (the provider had no
    /// record of it after its processing window).
    Resend,
}

impl Origin {
    fn action(self) -> &'static str {
        match self {
            Origin::Pay => "payment.pay",
            Origin::Status => "payment.status",
            Origin::Notification => "payment.notification",
            Origin::Cancel => "payment.cancel_answer",
            Origin::Resend => "payment.resend_answer",
        }
    }

    fn key(self) -> &'static str {
        match self {
            Origin::Pay => "pay",
            Origin::Status => "status",
            Origin::Notification => "notification",
            Origin::Cancel => "cancel",
            Origin::Resend => "resend",
        }
    }
}

pub(crate) fn kind_key(kind: PaymentKind) -> &'static str {
    match kind {
        PaymentKind::Push => "push",
        PaymentKind::SaleRedirect => "sale_redirect",
        PaymentKind::Recurring => "recurring",
        PaymentKind::Payin => "payin",
        PaymentKind::Tokenized => "tokenized",
        PaymentKind::DirectDebit => "direct_debit",
    }
}

const KINDS: [PaymentKind; 6] = [
    PaymentKind::Push,
    PaymentKind::SaleRedirect,
    PaymentKind::Recurring,
    PaymentKind::Payin,
    PaymentKind::Tokenized,
    PaymentKind::DirectDebit,
];

fn parse_kind(key: &str) -> Option<PaymentKind> {
    KINDS.into_iter().find(|k| kind_key(*k) == key)
}

/// The kind is paid from a linked account of its product.
fn on_linked_account(kind: PaymentKind) -> bool {
    matches!(
        kind,
        PaymentKind::SaleRedirect
            | PaymentKind::Recurring
            | PaymentKind::Tokenized
            | PaymentKind::DirectDebit
    )
}

/// Where the merchant may choose the money's source (the others let the customer choose).
fn sources(product: Product) -> &'static [&'static str] {
    match product {
        Product::DokuSnapOvo | Product::FaspayOvoTokenize => &["cash", "points", "points_first"],
        Product::OvoSnap => &["cash", "points"],
        Product::DokuJokulOvoPush | Product::TazapayOvoIdr => &[],
    }
}

fn source_of(key: &str) -> Option<PaySource> {
    match key {
        "cash" => Some(PaySource::Cash),
        "points" => Some(PaySource::Points),
        "points_first" => Some(PaySource::PointsFirst),
        _ => None,
    }
}

/// The key an attempt's call is sent under, derived from the reference so that a status query
/// (and any resend the provider allows) names the same request: Jokul's invoice number is the
/// reference itself; Tazapay's first attempt creates and confirms under `{reference}-create`
/// and each later one confirms under `{reference}-confirm-{n}` (its house scheme).
fn idempotency_key(product: Product, reference: &Reference, attempt: i64) -> String {
    use ovo_providers::products::tazapay;
    match product {
        Product::TazapayOvoIdr if attempt <= 1 => tazapay::create_idempotency_key(reference),
        Product::TazapayOvoIdr => {
            tazapay::confirm_idempotency_key(reference, u32::try_from(attempt).unwrap_or(u32::MAX))
        }
        _ => reference.as_str().to_owned(),
    }
}

/// A product's poll schedule on the environment's clock: the built-in sandbox runs its waits
/// at its time scale (`ppm` millionths of real time), so its schedule does too.
#[derive(Debug, Clone, Copy)]
struct Poll {
    schedule: ovo_providers::capability::PollSchedule,
    ppm: i64,
}

impl Poll {
    fn scaled(&self, millis: i64) -> i64 {
        i64::try_from(i128::from(millis) * i128::from(self.ppm) / 1_000_000).unwrap_or(i64::MAX)
    }

    fn unscaled(&self, millis: i64) -> i64 {
        i64::try_from(i128::from(millis) * 1_000_000 / i128::from(self.ppm.max(1)))
            .unwrap_or(i64::MAX)
    }

    /// When an attempt that began at `started` is handed to an operator, before the provider
    /// states an expiry.
    fn give_up_from(&self, started: Timestamp) -> Timestamp {
        let real = self.schedule.give_up_at(Timestamp::from_unix_millis(0), None).unix_millis();
        started.plus_millis(self.scaled(real))
    }

    /// The next check after `now`, never later than `give_up` (the check that gives up).
    fn next_check(&self, started: Timestamp, now: Timestamp, give_up: Timestamp) -> Timestamp {
        let elapsed = now.unix_millis() - started.unix_millis();
        let latest = give_up.max(now);
        match self.schedule.next_offset_ms(self.unscaled(elapsed)) {
            Some(offset) => started.plus_millis(self.scaled(offset).max(elapsed + 1)).min(latest),
            None => latest,
        }
    }

    /// The stored give-up time, moved to the attempt's `expires_at` where the product gives up
    /// then and the provider stated it.
    fn give_up_of(&self, payment: &PaymentDetail, expires_at: Option<Timestamp>) -> Timestamp {
        match (self.schedule.give_up, expires_at, payment.give_up_at) {
            (ovo_providers::capability::GiveUp::AtAttemptExpiry { .. }, Some(at), _) => at,
            (_, _, Some(stored)) => stored,
            _ => self.give_up_from(payment.attempt_start()),
        }
    }
}

/// The payment's phone: its mobile number, or the test-mode number it was sent to.
fn payer_phone(payment: &PaymentDetail) -> Option<PayerPhone> {
    match (&payment.phone, payment.test_phone) {
        (Some(phone), _) => Some(PayerPhone::Mobile(phone.clone())),
        (None, Some(test)) => Some(PayerPhone::Test(test)),
        (None, None) => None,
    }
}

/// The test-mode number `product` accepts in `environment`, for the payment dialog's hint.
fn test_phone_for(product: Product, environment: Environment) -> Option<TestPhone> {
    TestPhone::ALL.into_iter().find(|t| t.allowed(product, environment))
}

fn parse_amount(text: &str, what: &str) -> AppResult<Idr> {
    Idr::parse(text).map_err(|e| AppError::invalid(e.reason(), format!("{what}: {e}")))
}

fn parse_date(text: &str) -> AppResult<chrono::NaiveDate> {
    ovo_domain::parse_date(text).ok_or_else(|| {
        AppError::invalid("date_invalid", format!("{text:?} is not a date; use YYYY-MM-DD"))
    })
}

fn payment_subject(reference: &Reference) -> String {
    format!("payment:{}", reference.as_str())
}

/// The shortest processing window at a built-in time scale.
const SCALED_WINDOW_FLOOR_MS: i64 = 20_000;
impl Backoffice {
    /// What each product offers when taking a payment, from the capability table.
    pub async fn payment_options(&self) -> AppResult<Vec<PaymentProductOptions>> {
        self.authorize(Permission::ViewPayments, "view payments").await?;
        let environment = self.environment().await;
        Ok(Product::ALL
            .into_iter()
            .map(|product| {
                let kinds = capabilities(product).payment_kinds;
                PaymentProductOptions {
                    product,
                    product_name: product.display_name().to_owned(),
                    kinds: kinds.iter().map(|k| kind_key(*k).to_owned()).collect(),
                    kinds_on_linked_account: kinds
                        .iter()
                        .filter(|k| on_linked_account(**k))
                        .map(|k| kind_key(*k).to_owned())
                        .collect(),
                    sources: sources(product).iter().map(|s| (*s).to_owned()).collect(),
                    test_phone: test_phone_for(product, environment).map(|t| t.number().to_owned()),
                    needs_email: capabilities(product).customer_email,
                }
            })
            .collect())
    }

    /// Takes a payment: recorded and committed first, then sent once. A push answers at once
    /// (status pending, `pushDeadline`) while the provider holds the call.
    pub async fn start_payment(
        self: &Arc<Self>,
        input: StartPaymentInput,
    ) -> AppResult<PaymentDetailView> {
        let actor = self.authorize(Permission::TakePayments, "take payments").await?;
        let product = Product::parse(&input.product)
            .map_err(|e| AppError::invalid("product_unknown", e.to_string()))?;
        let kind = parse_kind(input.kind.trim())
            .filter(|k| capabilities(product).payment_kinds.contains(k))
            .ok_or_else(|| {
                let offered: Vec<&str> =
                    capabilities(product).payment_kinds.iter().map(|k| kind_key(*k)).collect();
                AppError::invalid(
                    "payment_kind_unsupported",
                    format!(
                        "{} takes {} payments, not {:?}",
                        product.display_name(),
                        offered.join(" or "),
                        input.kind
                    ),
                )
            })?;
        let amount = parse_amount(&input.amount, "amount")?;
        if amount.is_zero() {
            return Err(AppError::invalid("amount_zero", "the amount must be at least Rp 1"));
        }
        let source_key = input.source.trim();
        let source = if source_key.is_empty() {
            None
        } else if sources(product).contains(&source_key) {
            source_of(source_key)
        } else {
            return Err(AppError::invalid(
                "payment_source_unsupported",
                format!(
                    "{} does not let the merchant choose {source_key:?}",
                    product.display_name()
                ),
            ));
        };
        let description = input.description.trim();
        if description.chars().count() > DESCRIPTION_MAX_CHARS {
            return Err(AppError::invalid(
                "payment_description_too_long",
                format!("a description is at most {DESCRIPTION_MAX_CHARS} characters"),
            ));
        }
        let environment = self.environment().await;

        // Who pays, from which account or phone.
        let mut conn = self.ledger.read().await?;
        let (customer, binding, phone) = if on_linked_account(kind) {
            let binding = match input.account_id {
                Some(id) => bindings::get(&mut conn, BindingId::new(id)).await?,
                None => match input.customer_id {
                    Some(customer) => {
                        bindings::for_customer(&mut conn, CustomerId::new(customer), environment)
                            .await?
                            .into_iter()
                            .find(|b| {
                                b.product == product
                                    && b.environment == environment
                                    && matches!(
                                        b.status,
                                        BindingStatus::Active | BindingStatus::NeedsRelink
                                    )
                            })
                    }
                    None => None,
                },
            };
            let binding = binding
                .filter(|b| b.product == product && b.environment == environment)
                .filter(|b| input.customer_id.is_none_or(|c| b.customer_id.get() == c))
                .ok_or_else(|| {
                    AppError::invalid(
                        "payment_needs_linked_account",
                        format!(
                            "a {} payment needs the customer's OVO account linked through {}",
                            kind_key(kind),
                            product.display_name()
                        ),
                    )
                })?;
            if binding.status == BindingStatus::NeedsRelink {
                return Err(AppError::invalid(
                    "linked_account_needs_relink",
                    format!(
                        "{} asks for this OVO account to be linked again before it can be charged; open the provider's page from the linked account",
                        product.display_name()
                    ),
                ));
            }
            if binding.status != BindingStatus::Active {
                return Err(AppError::invalid(
                    "linked_account_not_active",
                    format!("this linked account is {}; link it again first", binding.status.key()),
                ));
            }
            let customer = customers::by_id(&mut conn, binding.customer_id).await?;
            let phone = PayerPhone::Mobile(binding.phone.clone());
            (customer, Some(binding), phone)
        } else {
            let customer = match input.customer_id {
                Some(id) => Some(
                    customers::by_id(&mut conn, CustomerId::new(id))
                        .await?
                        .ok_or_else(|| AppError::new(ErrorCode::NotFound, "customer not found"))?,
                ),
                None => None,
            };
            let phone = if input.phone.trim().is_empty() {
                customer.as_ref().map(|c| PayerPhone::Mobile(c.phone.clone())).ok_or_else(|| {
                    AppError::invalid(
                        "payment_phone_missing",
                        "give the customer's OVO phone number or pick a customer",
                    )
                })?
            } else {
                PayerPhone::parse(&input.phone, product, environment)
                    .map_err(|e| AppError::invalid(e.reason(), e.to_string()))?
            };
            (customer, None, phone)
        };
        drop(conn);
        if capabilities(product).customer_email
            && customer
                .as_ref()
                .and_then(|c| c.email.as_deref())
                .is_none_or(|e| e.trim().is_empty())
        {
            return Err(AppError::invalid(
                "payment_email_missing",
                format!("{} needs the customer's email for a payment; add it on the customer page first", product.display_name()),
            ));
        }

        let now = self.now();
        let reference = Reference::generate(&mut rand::thread_rng());
        let key = idempotency_key(product, &reference, 1);
        let give_up = self.poll(product, environment).give_up_from(now);
        let push = kind == PaymentKind::Push;
        let push_deadline = push.then(|| now.plus_millis(self.push_hold_millis(environment)));
        let status = if push { PaymentStatus::Pending } else { PaymentStatus::Created };
        let subject = payment_subject(&reference);
        let mut tx = self.ledger.begin_write().await?;
        let id = payments::insert(
            &mut tx,
            &NewPayment {
                reference: &reference,
                environment,
                customer_id: customer.as_ref().map(|c| c.id),
                binding_id: binding.as_ref().map(|b| b.id),
                product,
                kind: kind_key(kind),
                phone: phone.mobile(),
                amount,
                cash_amount: None,
                points_amount: None,
                status,
                provider_ref: None,
                created_by: Some(actor.operator.id),
                created_at: now,
                succeeded_at: None,
            },
        )
        .await?;
        payments::set_intent(
            &mut tx,
            id,
            &PaymentIntent {
                idempotency_key: &key,
                source: (!source_key.is_empty()).then_some(source_key),
                description: (!description.is_empty()).then_some(description),
                push_deadline,
                next_check_at: Some(now.plus_millis(FIRST_CHECK_AFTER_MS)),
            },
        )
        .await?;
        if let Some(test) = phone.test() {
            payments::set_test_phone(&mut tx, id, test).await?;
        }
        payments::update(
            &mut tx,
            id,
            &PaymentUpdate { give_up_at: Some(give_up), ..PaymentUpdate::default() },
            now,
        )
        .await?;
        let detail = json!({
            "by": actor.operator.username,
            "kind": kind_key(kind),
            "amount": amount.rupiah(),
            "phone": phone.masked(),
            "source": source_key,
            "idempotency_key": key,
            "push_deadline": push_deadline.map(Timestamp::to_rfc3339),
            "give_up_at": give_up.to_rfc3339(),
        });
        payments::add_event(&mut tx, id, now, "payment_created", &detail).await?;
        self.audit(
            &mut tx,
            Some(&actor.operator),
            "payment.start",
            &subject,
            AuditOutcome::Ok,
            json!({ "product": product.key(), "kind": kind_key(kind), "amount": amount.rupiah(), "customer_id": customer.as_ref().map(|c| c.id.get()), "account_id": binding.as_ref().map(|b| b.id.get()), "idempotency_key": key }),
        )
        .await?;
        ovo_ledger::commit(tx).await?;
        fail::fail_point!("payment.after_commit");

        let request = async {
            let account = match &binding {
                Some(row) => Some(tokens::linked_account(
                    self.secrets.as_ref(),
                    &self.config.app_identifier,
                    row,
                )?),
                None => None,
            };
            let return_url = if matches!(
                kind,
                PaymentKind::SaleRedirect | PaymentKind::Tokenized | PaymentKind::DirectDebit
            ) {
                match self.return_listener().await {
                    Ok(listener) => Some(listener.url_for(reference.as_str())),
                    Err(e) => {
                        tracing::warn!(error = %e, "no return listener; the payment is followed by status");
                        None
                    }
                }
            } else {
                None
            };
            AppResult::Ok(PaymentRequest {
                reference: reference.clone(),
                idempotency_key: key.clone(),
                kind,
                amount,
                phone: phone.clone(),
                account,
                source: source.unwrap_or_default(),
                description: description.to_owned(),
                return_url,
                customer_name: customer.as_ref().map(|c| c.full_name.clone()),
                customer_email: customer.as_ref().and_then(|c| c.email.clone()),
            })
        }
        .await;
        let request = match request {
            Ok(request) => request,
            Err(e) => {
                // Nothing was sent: the payment fails with the reason.
                let problem = StoredProblem::new(
                    ProviderProblemKind::NotConfigured,
                    None,
                    e.message.clone(),
                    self.now(),
                );
                self.end_unsent(id, &problem, &actor.operator).await?;
                return Err(e);
            }
        };
        if push {
            let this = Arc::clone(self);
            let operator = actor.operator.clone();
            tokio::spawn(async move {
                fail::fail_point!("payment.before_call");
                let answer = match this.provider(environment, product).await {
                    Ok(client) => client.pay(&request).await,
                    Err(e) => Err(e),
                };
                fail::fail_point!("payment.after_call");
                if let Err(e) = this.apply_answer(id, answer, Origin::Pay, Some(&operator)).await {
                    tracing::error!(error = %e, payment = id.get(), "push payment outcome not recorded");
                }
                fail::fail_point!("payment.after_answer_commit");
            });
        } else {
            fail::fail_point!("payment.before_call");
            let answer = match self.provider(environment, product).await {
                Ok(client) => client.pay(&request).await,
                Err(e) => Err(e),
            };
            fail::fail_point!("payment.after_call");
            self.apply_answer(id, answer, Origin::Pay, Some(&actor.operator)).await?;
            fail::fail_point!("payment.after_answer_commit");
        }
        self.payment_detail(id).await
    }

    async fn end_unsent(
        &self,
        id: PaymentId,
        problem: &StoredProblem,
        operator: &OperatorRow,
    ) -> AppResult<()> {
        let now = self.now();
        let mut tx = self.ledger.begin_write().await?;
        let Some(payment) = payments::get(&mut tx, id).await? else {
            return Ok(());
        };
        payments::update(
            &mut tx,
            id,
            &PaymentUpdate {
                status: Some(PaymentStatus::Failed),
                problem: Some(Some(&problem.to_json())),
                next_check_at: Some(None),
                ..PaymentUpdate::default()
            },
            now,
        )
        .await?;
        payments::add_event(
            &mut tx,
            id,
            now,
            "payment_failed",
            &json!({ "origin": "pay", "sent": false, "detail": problem.detail }),
        )
        .await?;
        self.audit(
            &mut tx,
            Some(operator),
            "payment.pay",
            &payment_subject(&payment.reference),
            AuditOutcome::Failed,
            json!({ "sent": false, "detail": problem.detail }),
        )
        .await?;
        ovo_ledger::commit(tx).await?;
        Ok(())
    }

    /// Records what a provider said about a payment: from the payment call, a status query or
    /// a verified notification. A final payment never changes again, but for a success the
    /// provider confirms after the ledger recorded it failed, expired or cancelled.
    pub(crate) async fn apply_answer(
        &self,
        id: PaymentId,
        answer: Result<PaymentOutcome, ProviderError>,
        origin: Origin,
        operator: Option<&OperatorRow>,
    ) -> AppResult<PaymentStatus> {
        self.apply_answer_marking(id, answer, origin, operator, None).await
    }

    /// `apply_answer`, marking the inbox notification `inbox` applied in the same write
    /// transaction (nothing at all happens when another try applied it first).
    pub(crate) async fn apply_answer_marking(
        &self,
        id: PaymentId,
        answer: Result<PaymentOutcome, ProviderError>,
        origin: Origin,
        operator: Option<&OperatorRow>,
        inbox: Option<&InboxMark>,
    ) -> AppResult<PaymentStatus> {
        let now = self.now();
        let mut tx = self.ledger.begin_write().await?;
        let current = payments::get(&mut tx, id)
            .await?
            .ok_or_else(|| AppError::new(ErrorCode::NotFound, "payment not found"))?;
        if let Some(mark) = inbox {
            if notifications::is_processed(&mut tx, mark.id).await? {
                return Ok(current.status);
            }
        }
        let confirmed_success = matches!(origin, Origin::Status | Origin::Notification)
            && matches!(&answer, Ok(o) if matches!(o.state, PaymentState::Succeeded | PaymentState::Refunded));
        if current.status.is_final()
            && current.status != PaymentStatus::Succeeded
            && confirmed_success
        {
            if let Ok(outcome) = &answer {
                self.record_late_success(&mut tx, &current, outcome, origin, operator, inbox)
                    .await?;
            }
            ovo_ledger::commit(tx).await?;
            return Ok(PaymentStatus::Succeeded);
        }
        if current.status.is_final() {
            if let Some(mark) = inbox {
                notifications::mark_processed(
                    &mut tx,
                    mark.id,
                    now,
                    &format!("applied:{}", current.status.key()),
                )
                .await?;
                ovo_ledger::commit(tx).await?;
            }
            return Ok(current.status);
        }
        let poll = self.poll(current.product, current.environment);
        let expires_at = answer.as_ref().ok().and_then(|o| o.attempt_expires_at);
        let give_up = poll.give_up_of(&current, expires_at);
        let next_check = poll.next_check(current.attempt_start(), now, give_up);
        let mut relink: Option<String> = None;
        let mut problem: Option<StoredProblem> = None;
        let mut redirect: Option<Option<String>> = None;
        let mut split = None;
        let mut provider_ref = None;
        let mut provider_status = None;
        let mut audit_outcome = AuditOutcome::Ok;
        let mut error_text = None;
        let status = match &answer {
            Ok(outcome) => {
                provider_ref = outcome.provider_ref.clone();
                provider_status = Some(outcome.provider_status.clone());
                match &outcome.state {
                    PaymentState::Succeeded | PaymentState::Refunded => {
                        split = outcome
                            .paid
                            .filter(|s| s.cash.checked_add(s.points) == Some(current.amount))
                            .map(|s| (s.cash, s.points));
                        redirect = Some(None);
                        PaymentStatus::Succeeded
                    }
                    PaymentState::Failed { code, message } => {
                        problem = Some(StoredProblem::new(
                            ProviderProblemKind::Declined,
                            Some(code.clone()),
                            message.clone(),
                            now,
                        ));
                        redirect = Some(None);
                        PaymentStatus::Failed
                    }
                    PaymentState::Expired => {
                        problem = Some(StoredProblem::new(
                            ProviderProblemKind::Expired,
                            None,
                            "the customer did not complete the payment in time",
                            now,
                        ));
                        redirect = Some(None);
                        PaymentStatus::Expired
                    }
                    PaymentState::Cancelled => {
                        redirect = Some(None);
                        PaymentStatus::Cancelled
                    }
                    PaymentState::RelinkRequired { code, message, url } => {
                        problem = Some(StoredProblem::new(
                            ProviderProblemKind::Declined,
                            Some(code.clone()),
                            format!("nothing was charged: the provider asks for the customer's OVO account to be linked again first ({message})"),
                            now,
                        ));
                        relink = Some(url.clone());
                        redirect = Some(None);
                        PaymentStatus::Failed
                    }
                    PaymentState::RedirectRequired { url } => {
                        redirect = Some(Some(url.clone()));
                        PaymentStatus::Pending
                    }
                    PaymentState::Pending | PaymentState::Unrecognised(_) => PaymentStatus::Pending,
                    // No record at the provider (yet): nothing is concluded from it.
                    PaymentState::NotFound { code, message } => {
                        problem = Some(StoredProblem::new(
                            ProviderProblemKind::UnknownOutcome,
                            Some(code.clone()),
                            format!("the provider has no record of it yet ({message}); it may still be processing it"),
                            now,
                        ));
                        current.status
                    }
                }
            }
            Err(error) => {
                error_text = Some(error.to_string());
                audit_outcome = AuditOutcome::Failed;
                let stored = StoredProblem::from_error(error, now);
                let status = match origin {
                    Origin::Pay if error.is_unknown_outcome() => PaymentStatus::Unknown,
                    // Refused, or never reached the provider: nothing happened there.
                    Origin::Pay
                        if matches!(
                            error,
                            ProviderError::Declined { .. }
                                | ProviderError::InvalidRequest { .. }
                                | ProviderError::Authentication { .. }
                                | ProviderError::InvalidInput { .. }
                                | ProviderError::Unsupported { .. }
                                | ProviderError::MissingCredential { .. }
                                | ProviderError::Connection { .. }
                                | ProviderError::Certificate { .. }
                        ) =>
                    {
                        PaymentStatus::Failed
                    }
                    // An answer that does not match what we sent: a person must look.
                    Origin::Pay => PaymentStatus::NeedsReview,
                    // A status query, a cancel or a resend that failed changes nothing (the
                    // original may still be processed); ask again later.
                    Origin::Status | Origin::Notification | Origin::Cancel | Origin::Resend => {
                        current.status
                    }
                };
                problem = Some(stored);
                status
            }
        };
        let mut status = status;
        let open = matches!(
            status,
            PaymentStatus::Created | PaymentStatus::Pending | PaymentStatus::Unknown
        );
        if open && now >= give_up {
            status = PaymentStatus::NeedsReview;
            let last = problem.take();
            let mut detail = format!(
                "no final answer by {}, when {}'s status checks end; check it with the provider",
                give_up.to_rfc3339(),
                current.product.display_name()
            );
            if let Some(last) = &last {
                detail.push_str(&format!(" (last answer: {})", last.detail));
            }
            problem = Some(StoredProblem::new(
                ProviderProblemKind::UnknownOutcome,
                last.and_then(|l| l.provider_code),
                detail,
                now,
            ));
        }
        let still_open = matches!(
            status,
            PaymentStatus::Created | PaymentStatus::Pending | PaymentStatus::Unknown
        );
        // A push still held by the provider is checked after its deadline.
        let next = if !still_open {
            None
        } else if origin != Origin::Pay
            || current.push_deadline.is_none()
            || status == PaymentStatus::Unknown
        {
            Some(next_check)
        } else {
            Some(next_check.max(current.push_deadline.map_or(next_check, |d| d.plus_millis(5_000))))
        };
        let changed = status != current.status
            || provider_ref.is_some() && provider_ref != current.provider_ref
            || redirect.as_ref().is_some_and(|r| r.as_deref() != current.redirect_url.as_deref())
            || origin == Origin::Pay
            || origin == Origin::Cancel
            || origin == Origin::Resend;
        let problem_json = problem.as_ref().map(StoredProblem::to_json);
        let clear_problem = status == PaymentStatus::Succeeded
            || (answer.is_ok() && still_open && problem.is_none());
        payments::update(
            &mut tx,
            id,
            &PaymentUpdate {
                status: Some(status),
                provider_ref: provider_ref.as_deref(),
                split,
                succeeded_at: (status == PaymentStatus::Succeeded).then_some(now),
                provider_status: provider_status.as_deref(),
                redirect_url: redirect.as_ref().map(|r| r.as_deref()),
                problem: match (&problem_json, clear_problem) {
                    (Some(p), _) => Some(Some(p.as_str())),
                    (None, true) => Some(None),
                    (None, false) => None,
                },
                next_check_at: Some(next),
                count_check: origin == Origin::Status,
                give_up_at: Some(give_up),
            },
            now,
        )
        .await?;
        if let (Some(url), Some(binding)) = (&relink, current.binding_id) {
            let problem_json = problem.as_ref().map(StoredProblem::to_json);
            match bindings::set_needs_relink(&mut tx, binding, url, problem_json.as_deref(), now)
                .await
            {
                Ok(()) => {
                    self.audit(
                        &mut tx,
                        operator,
                        "account.needs_relink",
                        &format!("account:{}", binding.get()),
                        AuditOutcome::Ok,
                        json!({ "payment": current.reference.as_str(), "relink_url": url }),
                    )
                    .await?;
                }
                Err(e) => {
                    tracing::warn!(error = %e, "the linked account asked to be linked again is no longer active")
                }
            }
        }
        if changed {
            let kind = match (status, origin) {
                _ if relink.is_some() => "payment_relink_required",
                (PaymentStatus::Pending, Origin::Pay)
                    if redirect.as_ref().is_some_and(Option::is_some) =>
                {
                    "payment_redirect"
                }
                (PaymentStatus::Pending, Origin::Pay) => "payment_sent",
                _ => match status {
                    PaymentStatus::Created => "payment_created",
                    PaymentStatus::Pending => "payment_pending",
                    PaymentStatus::Succeeded => "payment_succeeded",
                    PaymentStatus::Failed => "payment_failed",
                    PaymentStatus::Unknown => "payment_unknown",
                    PaymentStatus::Expired => "payment_expired",
                    PaymentStatus::Cancelled => "payment_cancelled",
                    PaymentStatus::NeedsReview => "payment_needs_review",
                },
            };
            let detail = json!({
                "origin": origin.key(),
                "status": status.key(),
                "provider_status": provider_status,
                "provider_ref": provider_ref,
                "cash": split.map(|(c, _): (Idr, Idr)| c.rupiah()),
                "points": split.map(|(_, p): (Idr, Idr)| p.rupiah()),
                "problem": problem.as_ref().map(|p| p.detail.clone()),
                "error": error_text,
            });
            let mut detail = detail;
            if let Some(mark) = inbox {
                detail["notification"] = json!(mark.dedup_key);
            }
            payments::add_event(&mut tx, id, now, kind, &detail).await?;
            self.audit(
                &mut tx,
                operator,
                origin.action(),
                &payment_subject(&current.reference),
                audit_outcome,
                detail,
            )
            .await?;
        }
        if let Some(mark) = inbox {
            notifications::mark_processed(
                &mut tx,
                mark.id,
                now,
                &format!("applied:{}", status.key()),
            )
            .await?;
        }
        ovo_ledger::commit(tx).await?;
        if origin == Origin::Pay {
            // The re-link page opens as linking pages do; the payment page and the account offer it too.
            if let Some(url) = &relink {
                if let Err(e) = self.opener.open(url) {
                    tracing::warn!(error = %e, "could not open the re-link page in the system browser");
                }
            }
            if let Some(Some(url)) = &redirect {
                if let Err(e) = self.opener.open(url) {
                    tracing::warn!(error = %e, "could not open the payment page in the system browser");
                }
            }
        }
        Ok(status)
    }

    /// The ledger follows a success the provider confirmed after the ledger recorded the
    /// payment failed, expired or cancelled (it processed late): timeline and audit say so.
    async fn record_late_success(
        &self,
        tx: &mut ovo_ledger::Connection,
        current: &PaymentDetail,
        outcome: &PaymentOutcome,
        origin: Origin,
        operator: Option<&OperatorRow>,
        inbox: Option<&InboxMark>,
    ) -> AppResult<()> {
        let now = self.now();
        let split = outcome
            .paid
            .filter(|s| s.cash.checked_add(s.points) == Some(current.amount))
            .map(|s| (s.cash, s.points));
        let update = PaymentUpdate {
            provider_ref: outcome.provider_ref.as_deref(),
            provider_status: Some(outcome.provider_status.as_str()),
            split,
            succeeded_at: Some(now),
            ..PaymentUpdate::default()
        };
        if payments::record_late_success(tx, current.id, &update, now).await? {
            let detail = json!({
                "origin": origin.key(),
                "status": PaymentStatus::Succeeded.key(),
                "was": current.status.key(),
                "provider_status": outcome.provider_status,
                "provider_ref": outcome.provider_ref,
                "cash": split.map(|(c, _)| c.rupiah()),
                "points": split.map(|(_, p)| p.rupiah()),
                "notification": inbox.map(|m| m.dedup_key.clone()),
                "note": format!("the provider reported a late success: the ledger had recorded this payment {}", current.status.key()),
            });
            payments::add_event(tx, current.id, now, "payment_late_success", &detail).await?;
            self.audit(
                tx,
                operator,
                "payment.late_success",
                &payment_subject(&current.reference),
                AuditOutcome::Ok,
                detail,
            )
            .await?;
            tracing::warn!(
                payment = current.reference.as_str(),
                was = current.status.key(),
                "the provider reported a late success"
            );
        }
        if let Some(mark) = inbox {
            notifications::mark_processed(tx, mark.id, now, "applied:succeeded").await?;
        }
        Ok(())
    }

    /// The provider's answer to a status query of `payment` (`None`: its kind is not one
    /// this version knows, so nothing can be asked).
    pub(crate) async fn status_answer(
        &self,
        payment: &PaymentDetail,
    ) -> AppResult<Option<Result<PaymentOutcome, ProviderError>>> {
        let account = match payment.binding_id {
            Some(binding) => {
                let mut conn = self.ledger.read().await?;
                match bindings::get(&mut conn, binding).await? {
                    Some(row) => Some(tokens::linked_account(
                        self.secrets.as_ref(),
                        &self.config.app_identifier,
                        &row,
                    )?),
                    None => None,
                }
            }
            None => None,
        };
        let Some(kind) = parse_kind(&payment.kind) else {
            return Ok(None);
        };
        let request = StatusRequest {
            reference: payment.reference.clone(),
            provider_ref: payment.provider_ref.clone(),
            kind,
            amount: payment.amount,
            account,
            created_at: payment.created_at,
        };
        Ok(Some(match self.provider(payment.environment, payment.product).await {
            Ok(client) => client.status(&request).await,
            Err(e) => Err(e),
        }))
    }

    /// Asks the provider for a payment's status (same reference, never a new payment) and
    /// records the answer.
    pub(crate) async fn check_payment(&self, payment: &PaymentDetail) -> AppResult<PaymentStatus> {
        let Some(answer) = self.status_answer(payment).await? else {
            return Ok(payment.status);
        };
        if let Err(e) = &answer {
            tracing::info!(error = %e, payment = payment.reference.as_str(), "status query failed; asking again later");
        }
        if matches!(&answer, Ok(PaymentOutcome { state: PaymentState::NotFound { .. }, .. })) {
            return self.on_not_found(payment, answer).await;
        }
        self.apply_answer(payment.id, answer, Origin::Status, None).await
    }

    /// The provider has no record of an open payment. Inside the product's processing window
    /// (from the last send) that proves nothing: it stays as it is. After it, the attempt is
    /// sent again under its original ids where the product's spec allows (at most
    /// `max_resends` times), else it goes to an operator (`needs_review`). Never `failed`.
    async fn on_not_found(
        &self,
        payment: &PaymentDetail,
        answer: Result<PaymentOutcome, ProviderError>,
    ) -> AppResult<PaymentStatus> {
        let rule = capabilities(payment.product).unknown_outcome;
        let poll = self.poll(payment.product, payment.environment);
        // At a built-in time scale the window never shrinks below what a request still on its
        // way may take (the clients' scaled timeouts stop at a floor; refunds use the same 20 s).
        let window_ends = payment.last_sent().plus_millis(
            poll.scaled(rule.processing_window_s.saturating_mul(1_000)).max(SCALED_WINDOW_FLOOR_MS),
        );
        let open = matches!(
            payment.status,
            PaymentStatus::Created | PaymentStatus::Pending | PaymentStatus::Unknown
        );
        if !open || self.now() < window_ends {
            return self.apply_answer(payment.id, answer, Origin::Status, None).await;
        }
        if rule.resend_same_ids && payment.resends < i64::from(rule.max_resends) {
            if let Some(key) = payment.idempotency_key.clone() {
                return self.resend_payment(payment, key).await;
            }
        }
        let why = if rule.resend_same_ids {
            format!(
                "{} has no record of this payment {} s after it was last sent, and it was sent again {} times under its original ids; check it with the provider",
                payment.product.display_name(),
                rule.processing_window_s,
                payment.resends
            )
        } else {
            format!(
                "{} has no record of this payment {} s after it was sent, and its rules do not allow sending it again; check it with the provider",
                payment.product.display_name(),
                rule.processing_window_s
            )
        };
        self.hand_to_review(payment, answer.ok().map(|o| o.provider_status), why).await
    }

    /// An open payment no provider answer can settle goes to an operator (`needs_review`).
    async fn hand_to_review(
        &self,
        payment: &PaymentDetail,
        provider_status: Option<String>,
        why: String,
    ) -> AppResult<PaymentStatus> {
        let now = self.now();
        let problem = StoredProblem::new(
            ProviderProblemKind::UnknownOutcome,
            provider_status.clone(),
            why.clone(),
            now,
        );
        let mut tx = self.ledger.begin_write().await?;
        let changed = payments::update(
            &mut tx,
            payment.id,
            &PaymentUpdate {
                status: Some(PaymentStatus::NeedsReview),
                provider_status: provider_status.as_deref(),
                problem: Some(Some(&problem.to_json())),
                next_check_at: Some(None),
                count_check: true,
                ..PaymentUpdate::default()
            },
            now,
        )
        .await?;
        if changed {
            let detail = json!({ "origin": Origin::Status.key(), "status": PaymentStatus::NeedsReview.key(), "provider_status": provider_status, "problem": why, "resends": payment.resends });
            payments::add_event(&mut tx, payment.id, now, "payment_needs_review", &detail).await?;
            self.audit(
                &mut tx,
                None,
                Origin::Status.action(),
                &payment_subject(&payment.reference),
                AuditOutcome::Failed,
                detail,
            )
            .await?;
        }
        ovo_ledger::commit(tx).await?;
        Ok(PaymentStatus::NeedsReview)
    }

    /// Sends the current attempt again under its original ids (reference, idempotency key;
    /// Tazapay: `<ref>-create` replays the original payin if it was created). The resend is
    /// recorded and committed first, then sent once; only the provider's answer changes it.
    async fn resend_payment(
        &self,
        payment: &PaymentDetail,
        key: String,
    ) -> AppResult<PaymentStatus> {
        let request = self.payment_request_of(payment, key.clone()).await?;
        let now = self.now();
        let resend = payment.resends + 1;
        let detail = json!({
            "resend": resend,
            "attempt": payment.attempt,
            "idempotency_key": key,
            "reason": "the provider has no record of it after its processing window",
        });
        let mut tx = self.ledger.begin_write().await?;
        match payments::record_resend(
            &mut tx,
            payment.id,
            payment.resends,
            now.plus_millis(FIRST_CHECK_AFTER_MS),
            now,
        )
        .await
        {
            Ok(()) => {}
            // Another resend, or an answer, got there first.
            Err(ovo_ledger::LedgerError::NotFound { .. }) => return Ok(payment.status),
            Err(e) => return Err(e.into()),
        }
        payments::add_event(&mut tx, payment.id, now, "payment_resent", &detail).await?;
        self.audit(
            &mut tx,
            None,
            "payment.resend",
            &payment_subject(&payment.reference),
            AuditOutcome::Ok,
            detail,
        )
        .await?;
        ovo_ledger::commit(tx).await?;
        let answer = match self.provider(payment.environment, payment.product).await {
            Ok(client) => match (&payment.provider_ref, payment.attempt > 1) {
                (Some(provider_ref), true) => client.request_again(&request, provider_ref).await,
                _ => client.pay(&request).await,
            },
            Err(e) => Err(e),
        };
        self.apply_answer(payment.id, answer, Origin::Resend, None).await
    }

    /// The request of a payment's current attempt as first sent, rebuilt from the ledger.
    async fn payment_request_of(
        &self,
        payment: &PaymentDetail,
        idempotency_key: String,
    ) -> AppResult<PaymentRequest> {
        let kind = parse_kind(&payment.kind).ok_or_else(|| {
            AppError::new(ErrorCode::Internal, format!("unknown payment kind {:?}", payment.kind))
        })?;
        let phone = payer_phone(payment).ok_or_else(|| {
            AppError::new(ErrorCode::Internal, "this payment has no phone recorded")
        })?;
        let (account, customer) = {
            let mut conn = self.ledger.read().await?;
            let account = match payment.binding_id {
                Some(binding) => match bindings::get(&mut conn, binding).await? {
                    Some(row) => Some(tokens::linked_account(
                        self.secrets.as_ref(),
                        &self.config.app_identifier,
                        &row,
                    )?),
                    None => None,
                },
                None => None,
            };
            let customer = match payment.customer_id {
                Some(c) => customers::by_id(&mut conn, c).await?,
                None => None,
            };
            (account, customer)
        };
        let return_url = if matches!(
            kind,
            PaymentKind::SaleRedirect | PaymentKind::Tokenized | PaymentKind::DirectDebit
        ) {
            self.return_listener().await.ok().map(|l| l.url_for(payment.reference.as_str()))
        } else {
            None
        };
        Ok(PaymentRequest {
            reference: payment.reference.clone(),
            idempotency_key,
            kind,
            amount: payment.amount,
            phone,
            account,
            source: payment.source.as_deref().and_then(source_of).unwrap_or_default(),
            description: payment.description.clone().unwrap_or_default(),
            return_url,
            customer_name: customer.as_ref().map(|c| c.full_name.clone()),
            customer_email: customer.as_ref().and_then(|c| c.email.clone()),
        })
    }

    /// Queries the payments of the current environment whose outcome is open and whose next
    /// check is due (each product's poll schedule) until they are final or given up. Returns
    /// how many became final. The shell runs it in `run_background`; tests call it directly.
    pub async fn poll_payments(&self) -> AppResult<u32> {
        let environment = self.environment().await;
        let due = {
            let mut conn = self.ledger.read().await?;
            payments::due_checks(&mut conn, environment, self.now(), 50).await?
        };
        let mut settled = 0;
        for payment in due {
            match self.check_payment(&payment).await {
                Ok(status) if status.is_final() => settled += 1,
                Ok(_) => {}
                Err(e) => {
                    tracing::warn!(error = %e, payment = payment.reference.as_str(), "payment status not recorded")
                }
            }
        }
        Ok(settled)
    }

    /// The payments list: filtered, newest first, keyset-paged, in the current environment.
    pub async fn payments_page(&self, query: PaymentQuery) -> AppResult<PaymentListPage> {
        self.authorize(Permission::ViewPayments, "view payments").await?;
        if query.limit == 0 || query.limit > 200 {
            return Err(AppError::invalid("page_limit_invalid", "limit must be 1 to 200"));
        }
        let text = |v: &Option<String>| {
            v.as_deref().map(str::trim).filter(|s| !s.is_empty()).map(str::to_owned)
        };
        let product = match text(&query.product) {
            Some(key) => Some(
                Product::parse(&key)
                    .map_err(|e| AppError::invalid("product_unknown", e.to_string()))?,
            ),
            None => None,
        };
        let status = match text(&query.status) {
            Some(key) => Some(
                PaymentStatus::parse(&key)
                    .map_err(|e| AppError::invalid("payment_status_unknown", e.to_string()))?,
            ),
            None => None,
        };
        let from = text(&query.from).map(|d| parse_date(&d)).transpose()?;
        let to = text(&query.to).map(|d| parse_date(&d)).transpose()?;
        if let (Some(from), Some(to)) = (from, to) {
            if from > to {
                return Err(AppError::invalid(
                    "date_range_invalid",
                    "the start date is after the end date",
                ));
            }
        }
        let min_amount =
            text(&query.min_amount).map(|a| parse_amount(&a, "minimum amount")).transpose()?;
        let max_amount =
            text(&query.max_amount).map(|a| parse_amount(&a, "maximum amount")).transpose()?;
        if let (Some(min), Some(max)) = (min_amount, max_amount) {
            if min > max {
                return Err(AppError::invalid(
                    "amount_range_invalid",
                    "the minimum amount is above the maximum",
                ));
            }
        }
        let filter = PaymentFilter {
            product,
            status,
            created_from: from.map(wib_day_start),
            created_until: to.map(|d| wib_day_bounds(d).1),
            min_amount,
            max_amount,
            customer_id: None,
            environment: Some(self.environment().await),
            reference: text(&query.reference),
        };
        let after = query.after.map(|c| PaymentCursor {
            created_at: Timestamp::from_unix_millis(c.created_at_ms),
            id: PaymentId::new(c.id),
        });
        let mut conn = self.ledger.read().await?;
        let rows = payments::page(&mut conn, &filter, after, query.limit).await?;
        let mut ids: Vec<CustomerId> = rows.iter().filter_map(|r| r.customer_id).collect();
        ids.sort_unstable();
        ids.dedup();
        let names = customers::names(&mut conn, &ids).await?;
        let next = (rows.len() == query.limit as usize).then(|| rows.last()).flatten().map(|r| {
            PaymentCursorView { created_at_ms: r.created_at.unix_millis(), id: r.id.get() }
        });
        let rows = rows
            .into_iter()
            .map(|r| PaymentRowView {
                id: r.id.get(),
                reference: r.reference.as_str().to_owned(),
                product: r.product,
                product_name: r.product.display_name().to_owned(),
                kind: r.kind,
                amount: r.amount.rupiah(),
                status: r.status.key().to_owned(),
                customer_id: r.customer_id.map(CustomerId::get),
                customer_name: r.customer_id.and_then(|c| names.get(&c).cloned()),
                provider_ref: r.provider_ref,
                created_at: r.created_at.to_rfc3339(),
                succeeded_at: r.succeeded_at.map(Timestamp::to_rfc3339),
            })
            .collect();
        Ok(PaymentListPage { rows, next })
    }

    /// The payment page: timeline, amounts and split, refunds and what is left to refund.
    pub async fn payment_page(&self, input: PaymentRef) -> AppResult<PaymentDetailView> {
        self.authorize(Permission::ViewPayments, "view payments").await?;
        self.payment_detail(PaymentId::new(input.payment_id)).await
    }

    /// Asks the provider for the payment's status now.
    pub async fn refresh_payment(&self, input: PaymentRef) -> AppResult<PaymentDetailView> {
        self.authorize(Permission::ViewPayments, "view payments").await?;
        let id = PaymentId::new(input.payment_id);
        let payment = self.payment_row(id).await?;
        let in_flight = payment.status == PaymentStatus::Created
            && self.now().unix_millis() - payment.created_at.unix_millis() < FIRST_CHECK_AFTER_MS;
        if !payment.status.is_final() && !in_flight {
            if payment.environment != self.environment().await {
                return Err(AppError::new(
                    ErrorCode::Conflict,
                    "this payment belongs to another environment; switch to it to check its status",
                )
                .with_reason("payment_other_environment"));
            }
            self.check_payment(&payment).await?;
        }
        self.payment_detail(id).await
    }

    pub(crate) async fn payment_row(&self, id: PaymentId) -> AppResult<PaymentDetail> {
        let mut conn = self.ledger.read().await?;
        payments::get(&mut conn, id)
            .await?
            .ok_or_else(|| AppError::new(ErrorCode::NotFound, "payment not found"))
    }

    pub(crate) async fn payment_detail(&self, id: PaymentId) -> AppResult<PaymentDetailView> {
        let mut conn = self.ledger.read().await?;
        let p = payments::get(&mut conn, id)
            .await?
            .ok_or_else(|| AppError::new(ErrorCode::NotFound, "payment not found"))?;
        let customer_name = match p.customer_id {
            Some(c) => customers::by_id(&mut conn, c).await?.map(|c| c.full_name),
            None => None,
        };
        let relink_url = match p.binding_id {
            Some(binding) if p.status == PaymentStatus::Failed => bindings::get(&mut conn, binding)
                .await?
                .filter(|b| b.status == BindingStatus::NeedsRelink)
                .and_then(|b| b.redirect_url),
            _ => None,
        };
        let timeline = payments::timeline(&mut conn, id)
            .await?
            .into_iter()
            .map(|e| TimelineEventView { at: e.at.to_rfc3339(), kind: e.kind, detail: e.detail })
            .collect();
        let resolution = match payments::resolution(&mut conn, id).await? {
            Some(r) => Some(ResolutionView {
                by: ovo_ledger::operators::by_id(&mut conn, r.by)
                    .await?
                    .map_or_else(|| "?".into(), |o| o.username),
                at: r.at.to_rfc3339(),
                note: r.note,
            }),
            None => None,
        };
        let refund_ids: Vec<_> =
            refunds::list_by_payment(&mut conn, id).await?.into_iter().map(|r| r.id).collect();
        let refundable = if p.status == PaymentStatus::Succeeded {
            refunds::preview(&mut conn, id, p.amount, self.now()).await?.refundable.rupiah()
        } else {
            0
        };
        drop(conn);
        let mut refund_views = Vec::with_capacity(refund_ids.len());
        for refund in refund_ids {
            refund_views.push(self.refund_view(refund, false).await?);
        }
        let open = matches!(
            p.status,
            PaymentStatus::Created | PaymentStatus::Pending | PaymentStatus::Unknown
        );
        Ok(PaymentDetailView {
            payment: PaymentRowView {
                id: p.id.get(),
                reference: p.reference.as_str().to_owned(),
                product: p.product,
                product_name: p.product.display_name().to_owned(),
                kind: p.kind.clone(),
                amount: p.amount.rupiah(),
                status: p.status.key().to_owned(),
                customer_id: p.customer_id.map(CustomerId::get),
                customer_name,
                provider_ref: p.provider_ref.clone(),
                created_at: p.created_at.to_rfc3339(),
                succeeded_at: p.succeeded_at.map(Timestamp::to_rfc3339),
            },
            phone_display: payer_phone(&p).as_ref().map(PayerPhone::display),
            account_id: p.binding_id.map(BindingId::get),
            cash_amount: p.cash_amount.map(Idr::rupiah),
            points_amount: p.points_amount.map(Idr::rupiah),
            redirect_url: if open { p.redirect_url.clone() } else { None },
            push_deadline: p.push_deadline.map(Timestamp::to_rfc3339),
            provider_status: p.provider_status.clone(),
            problem: p.problem.as_deref().and_then(StoredProblem::parse).map(|s| s.view()),
            timeline,
            refunds: refund_views,
            refundable,
            can_request_again: can_request_again(&p),
            can_cancel: can_cancel(&p),
            attempt: p.attempt,
            relink_url,
            give_up_at: if open { p.give_up_at.map(Timestamp::to_rfc3339) } else { None },
            resolution,
        })
    }

    /// The browser came back from a payment page: check the payment now.
    pub(crate) async fn payment_returned(&self, reference: &Reference) -> AppResult<bool> {
        let environment = self.environment().await;
        let payment = {
            let mut conn = self.ledger.read().await?;
            payments::by_any_reference(&mut conn, environment, reference.as_str()).await?
        };
        match payment {
            Some(p) if p.reference == *reference && !p.status.is_final() => {
                self.check_payment(&p).await?;
                Ok(true)
            }
            Some(_) => Ok(true),
            None => Ok(false),
        }
    }

    /// The payment a notification names, in `environment`.
    pub(crate) async fn payment_named(
        &self,
        environment: Environment,
        names: &[String],
    ) -> AppResult<Option<PaymentDetail>> {
        let mut conn = self.ledger.read().await?;
        for name in names.iter().filter(|n| (4..=64).contains(&n.len())) {
            if let Some(p) = payments::by_any_reference(&mut conn, environment, name).await? {
                return Ok(Some(p));
            }
        }
        Ok(None)
    }
}

/// A failed or expired attempt the product can ask again on the same provider payment.
fn can_request_again(p: &PaymentDetail) -> bool {
    matches!(p.status, PaymentStatus::Failed | PaymentStatus::Expired)
        && capabilities(p.product).supports(Operation::RequestAgain)
        && p.provider_ref.is_some()
}

fn can_cancel(p: &PaymentDetail) -> bool {
    !p.status.is_final()
        && capabilities(p.product).supports(Operation::Cancel)
        && p.provider_ref.is_some()
}

impl Backoffice {
    /// Withdraws an open payment at the provider (Tazapay cancel payin, Faspay Cancel
    /// Transaction). The request is recorded before the one provider call; a cancelled answer
    /// closes the payment, a refusal (already paid or final) is settled by a status query, and
    /// a lost answer leaves it open for the status checks.
    pub async fn cancel_payment(&self, input: PaymentRef) -> AppResult<PaymentDetailView> {
        let actor = self.authorize(Permission::TakePayments, "take payments").await?;
        let id = PaymentId::new(input.payment_id);
        let payment = self.payment_row(id).await?;
        if payment.environment != self.environment().await {
            return Err(AppError::new(
                ErrorCode::Conflict,
                "this payment belongs to another environment; switch to it to cancel it",
            )
            .with_reason("payment_other_environment"));
        }
        if !can_cancel(&payment) {
            let why = if !capabilities(payment.product).supports(Operation::Cancel) {
                format!("{} has no way to cancel a payment", payment.product.display_name())
            } else if payment.status.is_final() {
                format!(
                    "only an open payment can be cancelled; this one is {}",
                    payment.status.key()
                )
            } else {
                "the provider never created this payment; nothing to cancel there".to_owned()
            };
            return Err(
                AppError::new(ErrorCode::Conflict, why).with_reason("payment_not_cancellable")
            );
        }
        let Some(kind) = parse_kind(&payment.kind) else {
            return Err(AppError::new(
                ErrorCode::Internal,
                format!("unknown payment kind {:?}", payment.kind),
            ));
        };
        let now = self.now();
        let detail = json!({ "by": actor.operator.username, "provider_ref": payment.provider_ref, "status": payment.status.key() });
        let mut tx = self.ledger.begin_write().await?;
        payments::add_event(&mut tx, id, now, "payment_cancel_requested", &detail).await?;
        self.audit(
            &mut tx,
            Some(&actor.operator),
            "payment.cancel",
            &payment_subject(&payment.reference),
            AuditOutcome::Ok,
            detail,
        )
        .await?;
        ovo_ledger::commit(tx).await?;
        fail::fail_point!("cancel.after_commit");

        let request = StatusRequest {
            reference: payment.reference.clone(),
            provider_ref: payment.provider_ref.clone(),
            kind,
            amount: payment.amount,
            account: None,
            created_at: payment.created_at,
        };
        fail::fail_point!("cancel.before_call");
        let answer = match self.provider(payment.environment, payment.product).await {
            Ok(client) => client.cancel(&request).await,
            Err(e) => Err(e),
        };
        fail::fail_point!("cancel.after_call");
        let refused = answer.as_ref().err().is_some_and(|e| !e.is_unknown_outcome());
        self.apply_answer(id, answer, Origin::Cancel, Some(&actor.operator)).await?;
        if refused {
            // Already paid or final at the provider: its status says which, never a guess.
            let payment = self.payment_row(id).await?;
            self.check_payment(&payment).await?;
        }
        self.payment_detail(id).await
    }

    /// Asks the customer again on the same provider payment after its attempt failed or
    /// expired (Tazapay: a new confirm on the same payin, never a new payin): the new attempt
    /// and its key are committed first, then sent once; its outcome is followed as any.
    pub async fn request_payment_again(&self, input: PaymentRef) -> AppResult<PaymentDetailView> {
        let actor = self.authorize(Permission::TakePayments, "take payments").await?;
        let id = PaymentId::new(input.payment_id);
        let payment = self.payment_row(id).await?;
        if payment.environment != self.environment().await {
            return Err(AppError::new(
                ErrorCode::Conflict,
                "this payment belongs to another environment; switch to it to ask again",
            )
            .with_reason("payment_other_environment"));
        }
        if !can_request_again(&payment) {
            let why = if !capabilities(payment.product).supports(Operation::RequestAgain) {
                format!(
                    "{} cannot ask again on the same payment; take a new payment",
                    payment.product.display_name()
                )
            } else if payment.provider_ref.is_none() {
                "the provider never created this payment; take a new payment".to_owned()
            } else {
                format!(
                    "only a failed or expired payment can be asked again; this one is {}",
                    payment.status.key()
                )
            };
            return Err(AppError::new(ErrorCode::Conflict, why)
                .with_reason("payment_not_requestable_again"));
        }
        let Some(provider_ref) = payment.provider_ref.clone() else {
            return Err(AppError::new(ErrorCode::Conflict, "no provider payment")
                .with_reason("payment_not_requestable_again"));
        };
        let Some(kind) = parse_kind(&payment.kind) else {
            return Err(AppError::new(
                ErrorCode::Internal,
                format!("unknown payment kind {:?}", payment.kind),
            ));
        };
        let Some(phone) = payer_phone(&payment) else {
            return Err(AppError::new(ErrorCode::Conflict, "this payment has no phone to ask")
                .with_reason("payment_not_requestable_again"));
        };
        let now = self.now();
        let attempt = payment.attempt + 1;
        let key = idempotency_key(payment.product, &payment.reference, attempt);
        let give_up = self.poll(payment.product, payment.environment).give_up_from(now);
        let subject = payment_subject(&payment.reference);
        let detail = json!({
            "by": actor.operator.username,
            "attempt": attempt,
            "idempotency_key": key,
            "provider_ref": provider_ref,
            "phone": phone.masked(),
            "give_up_at": give_up.to_rfc3339(),
        });
        let mut tx = self.ledger.begin_write().await?;
        payments::begin_attempt(
            &mut tx,
            id,
            attempt,
            &key,
            now.plus_millis(FIRST_CHECK_AFTER_MS),
            give_up,
            now,
        )
        .await
        .map_err(|e| match e {
            ovo_ledger::LedgerError::NotFound { .. } => AppError::new(
                ErrorCode::Conflict,
                "this payment was asked again or changed meanwhile; reload it",
            )
            .with_reason("payment_not_requestable_again"),
            other => other.into(),
        })?;
        payments::add_event(&mut tx, id, now, "payment_requested_again", &detail).await?;
        self.audit(
            &mut tx,
            Some(&actor.operator),
            "payment.request_again",
            &subject,
            AuditOutcome::Ok,
            detail,
        )
        .await?;
        ovo_ledger::commit(tx).await?;
        fail::fail_point!("payment_again.after_commit");

        let customer = match payment.customer_id {
            Some(c) => {
                let mut conn = self.ledger.read().await?;
                customers::by_id(&mut conn, c).await?
            }
            None => None,
        };
        let request = PaymentRequest {
            reference: payment.reference.clone(),
            idempotency_key: key,
            kind,
            amount: payment.amount,
            phone,
            account: None,
            source: payment.source.as_deref().and_then(source_of).unwrap_or_default(),
            description: payment.description.clone().unwrap_or_default(),
            return_url: None,
            customer_name: customer.as_ref().map(|c| c.full_name.clone()),
            customer_email: customer.as_ref().and_then(|c| c.email.clone()),
        };
        fail::fail_point!("payment_again.before_call");
        let answer = match self.provider(payment.environment, payment.product).await {
            Ok(client) => client.request_again(&request, &provider_ref).await,
            Err(e) => Err(e),
        };
        fail::fail_point!("payment_again.after_call");
        self.apply_answer(id, answer, Origin::Pay, Some(&actor.operator)).await?;
        fail::fail_point!("payment_again.after_answer_commit");
        self.payment_detail(id).await
    }

    /// The product's poll schedule, at the built-in sandbox's time scale there.
    fn poll(&self, product: Product, environment: Environment) -> Poll {
        let ppm = match (environment, self.config.sandbox_time_scale.as_deref()) {
            (Environment::BuiltInSandbox, Some(scale)) => ovo_sandbox::TimeScale::parse(scale)
                .ok()
                .and_then(|s| i64::try_from(s.ppm()).ok())
                .filter(|ppm| *ppm > 0)
                .unwrap_or(1_000_000),
            _ => 1_000_000,
        };
        Poll { schedule: capabilities(product).poll, ppm }
    }

    /// How long the provider holds a push: 70 s, times the built-in sandbox's time scale there.
    fn push_hold_millis(&self, environment: Environment) -> i64 {
        let real = PUSH_HOLD_SECONDS * 1_000;
        match (environment, self.config.sandbox_time_scale.as_deref()) {
            (Environment::BuiltInSandbox, Some(scale)) => {
                match ovo_sandbox::TimeScale::parse(scale) {
                    Ok(scale) => i64::try_from(u128::from(scale.ppm()) * real as u128 / 1_000_000)
                        .unwrap_or(real)
                        .max(1_000),
                    Err(_) => real,
                }
            }
            _ => real,
        }
    }
}
