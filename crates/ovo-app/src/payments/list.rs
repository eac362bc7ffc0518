//! The payments list and the payment page.

use ovo_domain::{
    BindingId, CustomerId, Environment, Idr, PayerPhone, PaymentId, PaymentStatus, Product,
    Reference, Timestamp,
};
use ovo_ledger::bindings::{self, BindingStatus};
use ovo_ledger::customers;
use ovo_ledger::payments::{self, PaymentCursor, PaymentDetail, PaymentFilter};
use ovo_ledger::refunds;

use crate::backoffice::Backoffice;
use crate::desk::problems::StoredProblem;
use crate::error::{AppError, AppResult, ErrorCode};
use crate::ipc::*;
use crate::operator_names::OperatorNames;
use crate::permissions::Permission;

use super::again::can_request_again;
use super::cancel::can_cancel;
use super::*;

impl Backoffice {
    /// The ledger's filter for the list's filters, in the current environment.
    pub(crate) async fn payment_filter(
        &self,
        filters: &PaymentFilters,
    ) -> AppResult<PaymentFilter> {
        let text = crate::validate::trimmed;
        let product = match text(&filters.product) {
            Some(key) => Some(
                Product::parse(&key)
                    .map_err(|e| AppError::invalid("product_unknown", e.to_string()))?,
            ),
            None => None,
        };
        let status = match text(&filters.status) {
            Some(key) => Some(
                PaymentStatus::parse(&key)
                    .map_err(|e| AppError::invalid("payment_status_unknown", e.to_string()))?,
            ),
            None => None,
        };
        let (created_from, created_until) =
            crate::validate::wib_date_range(&filters.from, &filters.to)?;
        let min_amount =
            text(&filters.min_amount).map(|a| parse_amount(&a, "minimum amount")).transpose()?;
        let max_amount =
            text(&filters.max_amount).map(|a| parse_amount(&a, "maximum amount")).transpose()?;
        if let (Some(min), Some(max)) = (min_amount, max_amount) {
            if min > max {
                return Err(AppError::invalid(
                    "amount_range_invalid",
                    "the minimum amount is above the maximum",
                ));
            }
        }
        Ok(PaymentFilter {
            product,
            status,
            created_from,
            created_until,
            min_amount,
            max_amount,
            customer_id: None,
            environment: Some(self.environment().await),
            reference: text(&filters.reference),
        })
    }

    /// The payments list: filtered, newest first, keyset-paged, in the current environment.
    pub async fn payments_page(&self, query: PaymentQuery) -> AppResult<PaymentListPage> {
        self.authorize(Permission::ViewPayments, "view payments").await?;
        crate::validate::text_lengths(&query)?;
        if query.limit == 0 || query.limit > 200 {
            return Err(AppError::invalid("page_limit_invalid", "limit must be 1 to 200"));
        }
        let filter = self.payment_filter(&query.filters).await?;
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
                problem: shown_problem(r.status, r.problem.as_deref()),
            })
            .collect();
        Ok(PaymentListPage { items: rows, next })
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
            self.ensure_current_environment(&payment, "check its status").await?;
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
        let p = self.payment_row(id).await?;
        let mut conn = self.ledger.read().await?;
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
        let names = OperatorNames::load(&mut conn).await?;
        let timeline = names.timeline(payments::timeline(&mut conn, id).await?);
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
                problem: shown_problem(p.status, p.problem.as_deref()),
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

/// The stored problem of a payment that did not succeed: why, for its row and page.
fn shown_problem(status: PaymentStatus, stored: Option<&str>) -> Option<ProviderProblem> {
    (status != PaymentStatus::Succeeded)
        .then(|| stored.and_then(StoredProblem::parse).map(|s| s.view()))
        .flatten()
}
