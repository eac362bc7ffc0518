//! Taking payments and following them to a final state.
//!
//! Every payment is recorded (reference, idempotency key, timeline event, audit entry) and
//! committed before its provider call; the answer then updates the row, its timeline and the
//! audit log. A lost answer (`UnknownOutcome`) makes the payment `unknown`, which only a status
//! query resolves: the payment is never sent again under a new key. A push payment (DOKU Jokul)
//! is held by the provider for about 70 s: `start_payment` answers at once with the deadline and
//! the call goes on in a task of its own.

use std::sync::Arc;

use ovo_domain::{
    wib_day_bounds, wib_day_start, BindingId, CustomerId, Environment, Idr, Msisdn, PaymentId,
    PaymentStatus, Product, Reference, Timestamp,
};
use ovo_ledger::audit::AuditOutcome;
use ovo_ledger::bindings::{self, BindingStatus};
use ovo_ledger::customers;
use ovo_ledger::operators::OperatorRow;
use ovo_ledger::payments::{
    self, NewPayment, PaymentCursor, PaymentDetail, PaymentFilter, PaymentIntent, PaymentUpdate,
};
use ovo_ledger::refunds;
use ovo_providers::model::{
    PaySource, PaymentOutcome, PaymentRequest, PaymentState, StatusRequest,
};
use ovo_providers::{capabilities, PaymentKind, ProviderError};
use serde_json::json;

use crate::backoffice::Backoffice;
use crate::desk::problems::StoredProblem;
use crate::desk::tokens;
use crate::error::{AppError, AppResult, ErrorCode};
use crate::ipc::*;
use crate::permissions::Permission;

/// DOKU Jokul holds the push call until the customer answers or about 70 s pass (HD 3).
pub const PUSH_HOLD_SECONDS: i64 = 70;
/// The first status check of a payment whose call is still out (the longest provider timeout
/// is Jokul's 100 s): a query cannot race the payment call's own answer.
const FIRST_CHECK_AFTER_MS: i64 = 130_000;
/// The poller's back-off: the n-th check of a payment waits this long (the last one repeats).
const CHECK_BACKOFF_MS: [i64; 4] = [2_000, 5_000, 15_000, 60_000];
/// With no final answer this long after it was taken, a payment needs an operator.
pub const REVIEW_AFTER_MINUTES: i64 = 60;
const DESCRIPTION_MAX_CHARS: usize = 100;

/// Where an answer about a payment came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Origin {
    Pay,
    Status,
    Notification,
}

impl Origin {
    fn action(self) -> &'static str {
        match self {
            Origin::Pay => "payment.pay",
            Origin::Status => "payment.status",
            Origin::Notification => "payment.notification",
        }
    }

    fn key(self) -> &'static str {
        match self {
            Origin::Pay => "pay",
            Origin::Status => "status",
            Origin::Notification => "notification",
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

/// The key the payment call is sent under, derived from the reference so that a status query
/// (and any resend the provider allows) names the same request: Jokul's invoice number is the
/// reference itself; Tazapay confirms under `{reference}-confirm-1` (its house scheme).
fn idempotency_key(product: Product, reference: &Reference) -> String {
    match product {
        Product::TazapayOvoIdr => {
            ovo_providers::products::tazapay::confirm_idempotency_key(reference, 1)
        }
        _ => reference.as_str().to_owned(),
    }
}

fn backoff(checks: i64) -> i64 {
    let index = usize::try_from(checks.max(0)).unwrap_or(usize::MAX);
    CHECK_BACKOFF_MS[index.min(CHECK_BACKOFF_MS.len() - 1)]
}

fn parse_amount(text: &str, what: &str) -> AppResult<Idr> {
    Idr::parse(text).map_err(|e| AppError::invalid(e.reason(), format!("{what}: {e}")))
}

fn parse_date(text: &str) -> AppResult<time::Date> {
    let format = time::macros::format_description!("[year]-[month]-[day]");
    time::Date::parse(text.trim(), &format).map_err(|_| {
        AppError::invalid(
            "date_invalid",
            format!("{text:?} is not a date; use YYYY-MM-DD"),
        )
    })
}

fn relink_hint(error: &ProviderError) -> bool {
    matches!(error, ProviderError::Declined { product: Product::FaspayOvoTokenize, message, .. } if message.contains("re-link"))
}

fn payment_subject(reference: &Reference) -> String {
    format!("payment:{}", reference.as_str())
}

impl Backoffice {
    /// What each product offers when taking a payment, from the capability table.
    pub async fn payment_options(&self) -> AppResult<Vec<PaymentProductOptions>> {
        self.authorize(Permission::ViewPayments, "view payments")
            .await?;
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
        let actor = self
            .authorize(Permission::TakePayments, "take payments")
            .await?;
        let product = Product::parse(&input.product)
            .map_err(|e| AppError::invalid("product_unknown", e.to_string()))?;
        let kind = parse_kind(input.kind.trim())
            .filter(|k| capabilities(product).payment_kinds.contains(k))
            .ok_or_else(|| {
                let offered: Vec<&str> = capabilities(product)
                    .payment_kinds
                    .iter()
                    .map(|k| kind_key(*k))
                    .collect();
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
            return Err(AppError::invalid(
                "amount_zero",
                "the amount must be at least Rp 1",
            ));
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
                                    && b.status == BindingStatus::Active
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
            if binding.status != BindingStatus::Active {
                return Err(AppError::invalid(
                    "linked_account_not_active",
                    format!(
                        "this linked account is {}; link it again first",
                        binding.status.key()
                    ),
                ));
            }
            let customer = customers::by_id(&mut conn, binding.customer_id).await?;
            let phone = binding.phone.clone();
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
                customer.as_ref().map(|c| c.phone.clone()).ok_or_else(|| {
                    AppError::invalid(
                        "payment_phone_missing",
                        "give the customer's OVO phone number or pick a customer",
                    )
                })?
            } else {
                Msisdn::parse(&input.phone)
                    .map_err(|e| AppError::invalid(e.reason(), e.to_string()))?
            };
            (customer, None, phone)
        };
        drop(conn);

        let now = self.now();
        let reference = Reference::generate(&mut rand::thread_rng());
        let key = idempotency_key(product, &reference);
        let push = kind == PaymentKind::Push;
        let push_deadline = push.then(|| now.plus_millis(self.push_hold_millis(environment)));
        let status = if push {
            PaymentStatus::Pending
        } else {
            PaymentStatus::Created
        };
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
                phone: Some(&phone),
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
        let detail = json!({
            "by": actor.operator.username,
            "kind": kind_key(kind),
            "amount": amount.rupiah(),
            "phone": phone.masked(),
            "source": source_key,
            "idempotency_key": key,
            "push_deadline": push_deadline.map(Timestamp::to_rfc3339),
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
                let answer = match this.provider(environment, product).await {
                    Ok(client) => client.pay(&request).await,
                    Err(e) => Err(e),
                };
                if let Err(e) = this
                    .apply_answer(id, answer, Origin::Pay, Some(&operator))
                    .await
                {
                    tracing::error!(error = %e, payment = id.get(), "push payment outcome not recorded");
                }
            });
        } else {
            let answer = match self.provider(environment, product).await {
                Ok(client) => client.pay(&request).await,
                Err(e) => Err(e),
            };
            self.apply_answer(id, answer, Origin::Pay, Some(&actor.operator))
                .await?;
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
    /// a verified notification. A final payment never changes again.
    pub(crate) async fn apply_answer(
        &self,
        id: PaymentId,
        answer: Result<PaymentOutcome, ProviderError>,
        origin: Origin,
        operator: Option<&OperatorRow>,
    ) -> AppResult<PaymentStatus> {
        let now = self.now();
        let mut tx = self.ledger.begin_write().await?;
        let current = payments::get(&mut tx, id)
            .await?
            .ok_or_else(|| AppError::new(ErrorCode::NotFound, "payment not found"))?;
        if current.status.is_final() {
            return Ok(current.status);
        }
        let checks = current.checks + i64::from(origin == Origin::Status);
        let next_check = now.plus_millis(backoff(checks));
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
                    PaymentState::RedirectRequired { url } => {
                        redirect = Some(Some(url.clone()));
                        PaymentStatus::Pending
                    }
                    PaymentState::Pending | PaymentState::Unrecognised(_) => PaymentStatus::Pending,
                }
            }
            Err(error) => {
                error_text = Some(error.to_string());
                audit_outcome = AuditOutcome::Failed;
                let mut stored = StoredProblem::from_error(error, now);
                let status = match origin {
                    Origin::Pay if error.is_unknown_outcome() => PaymentStatus::Unknown,
                    Origin::Pay if relink_hint(error) => {
                        stored.detail = format!(
                            "Faspay asks for a new payment token: nothing was charged. Re-link the customer's OVO account (Faspay OVO Tokenize) and take the payment again. ({error})"
                        );
                        PaymentStatus::Failed
                    }
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
                    // A status query that failed changes nothing; ask again later.
                    Origin::Status | Origin::Notification => current.status,
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
        if open
            && now.unix_millis() - current.created_at.unix_millis() > REVIEW_AFTER_MINUTES * 60_000
        {
            status = PaymentStatus::NeedsReview;
            problem.get_or_insert_with(|| {
                StoredProblem::new(
                    ProviderProblemKind::UnknownOutcome,
                    None,
                    format!("no final answer {REVIEW_AFTER_MINUTES} minutes after the payment was taken; check it with the provider"),
                    now,
                )
            });
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
            Some(
                next_check.max(
                    current
                        .push_deadline
                        .map_or(next_check, |d| d.plus_millis(5_000)),
                ),
            )
        };
        let changed = status != current.status
            || provider_ref.is_some() && provider_ref != current.provider_ref
            || redirect
                .as_ref()
                .is_some_and(|r| r.as_deref() != current.redirect_url.as_deref())
            || origin == Origin::Pay;
        let problem_json = problem.as_ref().map(StoredProblem::to_json);
        let clear_problem = status == PaymentStatus::Succeeded || (answer.is_ok() && still_open);
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
            },
            now,
        )
        .await?;
        if changed {
            let kind = match (status, origin) {
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
        ovo_ledger::commit(tx).await?;
        if origin == Origin::Pay {
            if let Some(Some(url)) = &redirect {
                if let Err(e) = self.opener.open(url) {
                    tracing::warn!(error = %e, "could not open the payment page in the system browser");
                }
            }
        }
        Ok(status)
    }

    /// Asks the provider for a payment's status (same reference, never a new payment) and
    /// records the answer.
    pub(crate) async fn check_payment(&self, payment: &PaymentDetail) -> AppResult<PaymentStatus> {
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
            return Ok(payment.status);
        };
        let request = StatusRequest {
            reference: payment.reference.clone(),
            provider_ref: payment.provider_ref.clone(),
            kind,
            amount: payment.amount,
            account,
            created_at: payment.created_at,
        };
        let answer = match self.provider(payment.environment, payment.product).await {
            Ok(client) => client.status(&request).await,
            Err(e) => Err(e),
        };
        if let Err(e) = &answer {
            tracing::info!(error = %e, payment = payment.reference.as_str(), "status query failed; asking again later");
        }
        self.apply_answer(payment.id, answer, Origin::Status, None)
            .await
    }

    /// Queries the payments of the current environment whose outcome is open and whose next
    /// check is due (back-off 2 s, 5 s, 15 s, then every 60 s) until they are final. Returns
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
        self.authorize(Permission::ViewPayments, "view payments")
            .await?;
        if query.limit == 0 || query.limit > 200 {
            return Err(AppError::invalid(
                "page_limit_invalid",
                "limit must be 1 to 200",
            ));
        }
        let text = |v: &Option<String>| {
            v.as_deref()
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
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
        let min_amount = text(&query.min_amount)
            .map(|a| parse_amount(&a, "minimum amount"))
            .transpose()?;
        let max_amount = text(&query.max_amount)
            .map(|a| parse_amount(&a, "maximum amount"))
            .transpose()?;
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
        let next = (rows.len() == query.limit as usize)
            .then(|| rows.last())
            .flatten()
            .map(|r| PaymentCursorView {
                created_at_ms: r.created_at.unix_millis(),
                id: r.id.get(),
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
        self.authorize(Permission::ViewPayments, "view payments")
            .await?;
        self.payment_detail(PaymentId::new(input.payment_id)).await
    }

    /// Asks the provider for the payment's status now.
    pub async fn refresh_payment(&self, input: PaymentRef) -> AppResult<PaymentDetailView> {
        self.authorize(Permission::ViewPayments, "view payments")
            .await?;
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
        let timeline = payments::timeline(&mut conn, id)
            .await?
            .into_iter()
            .map(|e| TimelineEventView {
                at: e.at.to_rfc3339(),
                kind: e.kind,
                detail: e.detail,
            })
            .collect();
        let refund_ids: Vec<_> = refunds::list_by_payment(&mut conn, id)
            .await?
            .into_iter()
            .map(|r| r.id)
            .collect();
        let refundable = if p.status == PaymentStatus::Succeeded {
            refunds::preview(&mut conn, id, p.amount, self.now())
                .await?
                .refundable
                .rupiah()
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
            phone_display: p.phone.as_ref().map(Msisdn::display),
            account_id: p.binding_id.map(BindingId::get),
            cash_amount: p.cash_amount.map(Idr::rupiah),
            points_amount: p.points_amount.map(Idr::rupiah),
            redirect_url: if open { p.redirect_url.clone() } else { None },
            push_deadline: p.push_deadline.map(Timestamp::to_rfc3339),
            provider_status: p.provider_status.clone(),
            problem: p
                .problem
                .as_deref()
                .and_then(StoredProblem::parse)
                .map(|s| s.view()),
            timeline,
            refunds: refund_views,
            refundable,
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

impl Backoffice {
    /// How long the provider holds a push: 70 s, times the built-in sandbox's time scale there.
    fn push_hold_millis(&self, environment: Environment) -> i64 {
        let real = PUSH_HOLD_SECONDS * 1_000;
        match (environment, self.config.sandbox_time_scale.as_deref()) {
            (Environment::BuiltInSandbox, Some(scale)) => match ovo_sandbox::TimeScale::parse(scale) {
                Ok(scale) => i64::try_from(u128::from(scale.ppm()) * real as u128 / 1_000_000).unwrap_or(real).max(1_000),
                Err(_) => real,
            },
            _ => real,
        }
    }
}
