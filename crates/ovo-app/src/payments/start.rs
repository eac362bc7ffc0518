//! Taking a payment: the options each product offers, and the payment recorded and committed
//! before its one provider call.

use std::sync::Arc;

use ovo_domain::{
    BindingId, CustomerId, Environment, PayerPhone, PaymentId, PaymentStatus, Product, Reference,
    TestPhone, Timestamp,
};
use ovo_ledger::audit::AuditOutcome;
use ovo_ledger::bindings::{self, BindingStatus};
use ovo_ledger::customers;
use ovo_ledger::operators::OperatorRow;
use ovo_ledger::payments::{self, NewPayment, PaymentIntent, PaymentUpdate};
use ovo_providers::model::{PaySource, PaymentRequest};
use ovo_providers::{capabilities, PaymentKind};
use serde_json::json;

use crate::backoffice::Backoffice;
use crate::desk::problems::StoredProblem;
use crate::error::{AppError, AppResult, ErrorCode};
use crate::ipc::*;
use crate::permissions::Permission;
use crate::providers::parse_product;

use super::*;

pub(super) const DESCRIPTION_MAX_CHARS: usize = 100;

/// The test-mode number `product` accepts in `environment`, for the payment dialog's hint.
pub(super) fn test_phone_for(product: Product, environment: Environment) -> Option<TestPhone> {
    TestPhone::ALL.into_iter().find(|t| t.allowed(product, environment))
}

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
                    sources: capabilities(product)
                        .pay_sources
                        .iter()
                        .map(|s| s.key().to_owned())
                        .collect(),
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
        crate::validate::text_lengths(&input)?;
        let Asked { product, kind, amount, source_key, source, description } = Asked::of(&input)?;
        let environment = self.environment().await;

        let Payer { customer, binding, phone } =
            self.payer(&input, product, kind, environment).await?;

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
                Some(row) => Some(self.account_of(row).await?),
                None => None,
            };
            let return_url = if matches!(
                kind,
                PaymentKind::SaleRedirect | PaymentKind::Tokenized | PaymentKind::DirectDebit
            ) {
                match self.returns.listener().await {
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

    /// Who pays, from which account or phone: a linked account of the product (active), or
    /// a phone (given, or the customer's); a product that needs the customer's email has it.
    async fn payer(
        &self,
        input: &StartPaymentInput,
        product: Product,
        kind: PaymentKind,
        environment: Environment,
    ) -> AppResult<Payer> {
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
        Ok(Payer { customer, binding, phone })
    }

    pub(super) async fn end_unsent(
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
}

/// Who pays a payment being taken.
struct Payer {
    customer: Option<ovo_ledger::customers::CustomerRow>,
    binding: Option<ovo_ledger::bindings::BindingRow>,
    phone: PayerPhone,
}

/// What the operator asked for, each field checked against the product's capabilities.
struct Asked<'a> {
    product: Product,
    kind: PaymentKind,
    amount: Idr,
    /// As given (empty: the product's default source).
    source_key: &'a str,
    source: Option<PaySource>,
    description: &'a str,
}

impl<'a> Asked<'a> {
    fn of(input: &'a StartPaymentInput) -> AppResult<Asked<'a>> {
        let product = parse_product(&input.product)?;
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
        } else if let Some(source) =
            PaySource::parse(source_key).filter(|s| capabilities(product).pay_sources.contains(s))
        {
            Some(source)
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
        Ok(Asked { product, kind, amount, source_key, source, description })
    }
}
