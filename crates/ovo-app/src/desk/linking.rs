//! Linking an OVO account: the provider's page opens in the system browser, the customer
//! completes it there, and the linking completes from what the browser brings back to the
//! return listener (an authCode), or by asking the provider (Faspay), until it expires.

use std::collections::HashMap;

use ovo_domain::{BindingId, CustomerId, Msisdn, Product, Reference, Timestamp};
use ovo_ledger::audit::AuditOutcome;
use ovo_ledger::bindings::{self, BindingRow, BindingStatus, NewBinding};
use ovo_ledger::customers;
use ovo_providers::model::{BindRequest, CompleteBinding};
use ovo_providers::{capabilities, Operation, ProviderError};
use ovo_secrets::Sensitive;
use serde_json::json;

use super::problems::{provider_error, StoredProblem};
use super::{account_subject, account_view};
use crate::background::Work;
use crate::backoffice::Backoffice;
use crate::error::{AppError, AppResult, ErrorCode};
use crate::ipc::{AccountRef, LinkedAccountView, ProviderProblemKind, StartLinkInput};
use crate::opener::PagePurpose;
use crate::permissions::Permission;
use crate::providers::parse_product;

/// A linking the customer has not completed by then expires (house default, as an unpaid payment).
pub const LINKING_LIFETIME_MINUTES: i64 = 15;

impl Backoffice {
    pub async fn start_link(&self, input: StartLinkInput) -> AppResult<LinkedAccountView> {
        let actor = self.authorize(Permission::LinkAccounts, "link an account").await?;
        crate::validate::text_lengths(&input)?;
        let product = parse_product(&input.product)?;
        if !capabilities(product).supports(Operation::Bind) {
            return Err(AppError::invalid(
                "product_cannot_link",
                format!("{} has no account linking; link through DOKU SNAP, Faspay OVO Tokenize or OVO SNAP", product.display_name()),
            ));
        }
        let customer_id = CustomerId::new(input.customer_id);
        let phone = if input.phone.trim().is_empty() {
            None
        } else {
            Some(
                Msisdn::parse(&input.phone)
                    .map_err(|e| AppError::invalid(e.reason(), e.to_string()))?,
            )
        };
        self.begin_link(&actor.operator, customer_id, product, phone).await
    }

    pub async fn retry_link(&self, input: AccountRef) -> AppResult<LinkedAccountView> {
        let actor = self.authorize(Permission::LinkAccounts, "link an account").await?;
        let row = self.binding(input.account_id).await?;
        if !matches!(row.status, BindingStatus::Failed | BindingStatus::Expired) {
            return Err(AppError::new(
                ErrorCode::Conflict,
                "only a failed or expired linking can be retried",
            )
            .with_reason("link_not_retryable"));
        }
        self.begin_link(&actor.operator, row.customer_id, row.product, Some(row.phone)).await
    }

    /// Checks a pending linking now: completes it when the provider says so, expires it when due.
    /// An account waiting for a re-link is active again once its balance answers (Faspay §7).
    pub async fn refresh_link(&self, input: AccountRef) -> AppResult<LinkedAccountView> {
        let actor = self.authorize(Permission::ViewCustomers, "view customers").await?;
        let row = self.binding(input.account_id).await?;
        if row.status == BindingStatus::Pending {
            self.settle_pending(&row, None).await?;
        } else if row.status == BindingStatus::NeedsRelink {
            self.confirm_relinked(&row, &actor.operator).await?;
        }
        self.account(row.id).await
    }

    /// Asks the provider whether a re-link was done (the balance answers again): if so the
    /// account is active; if not it keeps waiting, the provider's answer kept as its problem.
    async fn confirm_relinked(
        &self,
        row: &BindingRow,
        operator: &ovo_ledger::operators::OperatorRow,
    ) -> AppResult<()> {
        let answer = async {
            let (provider, account) = self.provider_and_account(row).await?;
            provider.balance(&account).await
        }
        .await;
        let now = self.now();
        let subject = account_subject(row.environment, row.product, &row.phone);
        let mut tx = self.ledger.begin_write().await?;
        match &answer {
            Ok(_) => {
                bindings::transition(
                    &mut tx,
                    row.id,
                    &[BindingStatus::NeedsRelink],
                    BindingStatus::Active,
                    None,
                    None,
                    now,
                )
                .await?;
                self.audit(
                    &mut tx,
                    Some(operator),
                    "account.relinked",
                    &subject,
                    AuditOutcome::Ok,
                    json!({ "account_id": row.id.get() }),
                )
                .await?;
            }
            Err(e) => {
                let problem = StoredProblem::from_error(e, now);
                bindings::set_problem(&mut tx, row.id, Some(&problem.to_json()), now).await?;
                self.audit(
                    &mut tx,
                    Some(operator),
                    "account.relinked",
                    &subject,
                    AuditOutcome::Failed,
                    json!({ "account_id": row.id.get(), "error": e.to_string() }),
                )
                .await?;
            }
        }
        ovo_ledger::commit(tx).await?;
        Ok(())
    }

    async fn begin_link(
        &self,
        operator: &ovo_ledger::operators::OperatorRow,
        customer_id: CustomerId,
        product: Product,
        phone: Option<Msisdn>,
    ) -> AppResult<LinkedAccountView> {
        let environment = self.environment().await;
        let now = self.now();
        let reference = Reference::generate(&mut rand::thread_rng());
        let mut tx = self.ledger.begin_write().await?;
        let customer = customers::by_id(&mut tx, customer_id)
            .await?
            .ok_or_else(|| AppError::new(ErrorCode::NotFound, "customer not found"))?;
        let phone = phone.unwrap_or_else(|| customer.phone.clone());
        let subject = account_subject(environment, product, &phone);
        if let Some(live) =
            bindings::live_for_account(&mut tx, environment, product, &phone).await?
        {
            if live.customer_id != customer.id {
                self.audit(
                    &mut tx,
                    Some(operator),
                    "account.link.start",
                    &subject,
                    AuditOutcome::Failed,
                    json!({ "customer_id": customer.id.get(), "cause": "account_bound_elsewhere" }),
                )
                .await?;
                ovo_ledger::commit(tx).await?;
                return Err(AppError::new(
                    ErrorCode::Conflict,
                    format!("OVO account {} is already linked to another customer through {}; unlink it there first", phone.display(), product.display_name()),
                )
                .with_reason("account_bound_elsewhere"));
            }
            if live.status == BindingStatus::Pending {
                // Already waiting for this customer: show that linking instead of starting another.
                drop(tx);
                return self.account(live.id).await;
            }
            return Err(AppError::new(
                ErrorCode::Conflict,
                format!(
                    "this customer's OVO account {} is already linked through {}",
                    phone.display(),
                    product.display_name()
                ),
            )
            .with_reason("account_already_linked"));
        }
        let id = bindings::insert(
            &mut tx,
            &NewBinding {
                customer_id: customer.id,
                environment,
                product,
                phone: &phone,
                status: BindingStatus::Pending,
                reference: &reference,
                provider_ref: None,
                expires_at: Some(Timestamp::from_unix_millis(
                    now.unix_millis() + LINKING_LIFETIME_MINUTES * 60_000,
                )),
                at: now,
            },
        )
        .await?;
        self.audit(
            &mut tx,
            Some(operator),
            "account.link.start",
            &subject,
            AuditOutcome::Ok,
            json!({ "customer_id": customer.id.get(), "reference": reference.as_str() }),
        )
        .await?;
        ovo_ledger::commit(tx).await?;
        fail::fail_point!("link.after_commit");

        let started = async {
            let provider = self.provider(environment, product).await?;
            let return_url = self
                .returns
                .listener()
                .await
                .map_err(|detail| ProviderError::Connection {
                    product,
                    operation: Operation::Bind,
                    detail,
                })?
                .url_for(reference.as_str());
            let merchant_customer_id = customer
                .merchant_customer_id
                .clone()
                .unwrap_or_else(|| format!("CUST-{}", customer.id.get()));
            fail::fail_point!("link.before_call");
            provider
                .bind(&BindRequest {
                    reference: reference.clone(),
                    phone: phone.clone(),
                    merchant_customer_id,
                    return_url,
                })
                .await
        }
        .await;
        fail::fail_point!("link.after_call");
        let row = self.binding(id.get()).await?;
        match started {
            Ok(started) => {
                if let Some(pending) = &started.pending_token {
                    self.link_tokens().save_pending(&row, &reference, pending).await?;
                }
                let mut tx = self.ledger.begin_write().await?;
                bindings::set_started(
                    &mut tx,
                    id,
                    started.provider_ref.as_deref(),
                    &started.redirect_url,
                    self.now(),
                )
                .await?;
                ovo_ledger::commit(tx).await?;
                // A refused page stays unopened (audited); the account offers it again, checked again.
                let opened = self
                    .open_page(
                        product,
                        environment,
                        &started.redirect_url,
                        Some(operator),
                        PagePurpose::Linking,
                    )
                    .await;
                if let Err(e) = opened {
                    tracing::warn!(error = %e, "the linking page was not opened in the system browser");
                }
                self.account(id).await
            }
            Err(error) => {
                let problem = StoredProblem::from_error(&error, self.now());
                let mut tx = self.ledger.begin_write().await?;
                bindings::transition(
                    &mut tx,
                    id,
                    &[BindingStatus::Pending],
                    BindingStatus::Failed,
                    None,
                    Some(&problem.to_json()),
                    self.now(),
                )
                .await?;
                self.audit(
                    &mut tx,
                    Some(operator),
                    "account.link",
                    &subject,
                    AuditOutcome::Failed,
                    json!({ "reference": reference.as_str(), "error": error.to_string() }),
                )
                .await?;
                ovo_ledger::commit(tx).await?;
                Err(provider_error(&error))
            }
        }
    }

    pub(crate) async fn binding(&self, account_id: i64) -> AppResult<BindingRow> {
        let mut conn = self.ledger.read().await?;
        bindings::get(&mut conn, BindingId::new(account_id))
            .await?
            .ok_or_else(|| AppError::new(ErrorCode::NotFound, "linked account not found"))
    }

    pub(crate) async fn account(&self, id: BindingId) -> AppResult<LinkedAccountView> {
        let row = self.binding(id.get()).await?;
        let mut conn = self.ledger.read().await?;
        account_view(&mut conn, &row, self.now()).await
    }

    /// Completes linkings whose browser came back, and expires those past due. The shell runs
    /// this in the background (`run_background`); tests call it directly.
    pub async fn process_linkings(&self) -> AppResult<()> {
        if let Some(listener) = self.returns.started() {
            for (reference, params) in listener.take() {
                let Ok(reference) = Reference::parse(&reference) else {
                    continue;
                };
                let row = {
                    let mut conn = self.ledger.read().await?;
                    bindings::by_reference(&mut conn, &reference).await?
                };
                match row {
                    Some(row)
                        if row.status == BindingStatus::Pending
                            && !state_mismatch(&row, &params) =>
                    {
                        if let Err(e) = self.settle_pending(&row, Some(&params)).await {
                            tracing::warn!(error = %e, reference = reference.as_str(), "linking return not processed");
                        }
                    }
                    Some(_) => tracing::info!(
                        reference = reference.as_str(),
                        "linking return for no pending linking; ignored"
                    ),
                    // A payment page's return: check the payment now.
                    None => match self.payment_returned(&reference).await {
                        Ok(true) => {}
                        Ok(false) => tracing::info!(
                            reference = reference.as_str(),
                            "return for no linking or payment; ignored"
                        ),
                        Err(e) => {
                            tracing::warn!(error = %e, reference = reference.as_str(), "payment return not processed")
                        }
                    },
                }
            }
        }
        let environment = self.environment().await;
        let now = self.now();
        let pending = {
            let mut conn = self.ledger.read().await?;
            bindings::pending(&mut conn, environment).await?
        };
        for row in pending.iter().filter(|r| r.expires_at.is_some_and(|t| t <= now)) {
            if let Err(e) = self.settle_pending(row, None).await {
                tracing::warn!(error = %e, account = row.id.get(), "due linking not settled");
            }
        }
        Ok(())
    }

    /// Moves a pending linking on under its claim, so no other desk settles it meanwhile. When
    /// another desk holds it, an authCode the browser brought back here is kept for the next try.
    async fn settle_pending(
        &self,
        row: &BindingRow,
        returned: Option<&HashMap<String, String>>,
    ) -> AppResult<()> {
        let settle = self.settle_pending_claimed(row, returned);
        if self.claimed(Work::Linking, row.id.get(), settle).await?.is_none() {
            let code = returned
                .and_then(|p| p.get("authCode").or_else(|| p.get("auth_code")))
                .filter(|c| !c.is_empty())
                .map(|c| Sensitive::new(c.clone()));
            self.keep_auth_code(row, code.as_ref()).await?;
        }
        Ok(())
    }

    /// Moves a pending linking on, if it can: one at a time, so an authCode is exchanged once.
    async fn settle_pending_claimed(
        &self,
        row: &BindingRow,
        returned: Option<&HashMap<String, String>>,
    ) -> AppResult<()> {
        let _one_at_a_time = self.linkings.one_at_a_time().await;
        let row = self.binding(row.id.get()).await?;
        if row.status != BindingStatus::Pending {
            return Ok(());
        }
        let subject = account_subject(row.environment, row.product, &row.phone);
        let reference = row.reference.clone().map(|r| r.as_str().to_owned()).unwrap_or_default();
        let now = self.now();
        let returned_code = returned
            .and_then(|p| p.get("authCode").or_else(|| p.get("auth_code")))
            .filter(|c| !c.is_empty())
            .map(|c| Sensitive::new(c.clone()));
        // A code from an earlier return whose exchange did not reach the provider.
        let kept_code = self.link_tokens().auth_code(&row).await?;
        let came_back = returned.is_some() || kept_code.is_some();
        let auth_code = returned_code.or(kept_code);
        let can_ask = capabilities(row.product).binding_completes_without_code;
        if auth_code.is_none() && !can_ask {
            if let Some(params) = returned {
                // The browser came back without a code: the customer declined or gave up.
                let detail = params
                    .get("error_description")
                    .or_else(|| params.get("responseMessage"))
                    .or_else(|| params.get("error"))
                    .cloned()
                    .unwrap_or_else(|| {
                        "the customer came back without completing the linking".into()
                    });
                let problem = StoredProblem::new(
                    ProviderProblemKind::Declined,
                    params.get("responseCode").or_else(|| params.get("error")).cloned(),
                    detail,
                    now,
                );
                return self.end_pending(&row, BindingStatus::Failed, problem, &subject).await;
            }
            if row.expires_at.is_some_and(|t| t <= now) {
                let problem = StoredProblem::new(ProviderProblemKind::Expired, None, format!("the customer did not complete the linking within {LINKING_LIFETIME_MINUTES} minutes"), now);
                return self.end_pending(&row, BindingStatus::Expired, problem, &subject).await;
            }
            return Ok(());
        }
        let provider = match self.provider(row.environment, row.product).await {
            Ok(p) => p,
            Err(error) => {
                self.keep_auth_code(&row, auth_code.as_ref()).await?;
                let mut tx = self.ledger.begin_write().await?;
                bindings::set_problem(
                    &mut tx,
                    row.id,
                    Some(&StoredProblem::from_error(&error, now).to_json()),
                    now,
                )
                .await?;
                ovo_ledger::commit(tx).await?;
                return Ok(());
            }
        };
        let pending_token = self.link_tokens().pending_token(&row).await?;
        let has_code = auth_code.is_some();
        let request = CompleteBinding {
            reference: row
                .reference
                .clone()
                .unwrap_or_else(|| Reference::generate(&mut rand::thread_rng())),
            phone: row.phone.clone(),
            provider_ref: row.provider_ref.clone(),
            auth_code: auth_code.clone(),
            pending_token,
        };
        match provider.complete_binding(&request).await {
            Ok(account) => {
                if let Some(reference) = &row.reference {
                    self.link_tokens()
                        .save_account(row.environment, row.product, reference, &account)
                        .await?;
                }
                let mut tx = self.ledger.begin_write().await?;
                bindings::transition(
                    &mut tx,
                    row.id,
                    &[BindingStatus::Pending],
                    BindingStatus::Active,
                    account.provider_ref.as_deref(),
                    None,
                    self.now(),
                )
                .await?;
                self.audit(
                    &mut tx,
                    None,
                    "account.link",
                    &subject,
                    AuditOutcome::Ok,
                    json!({ "reference": reference, "customer_id": row.customer_id.get() }),
                )
                .await?;
                ovo_ledger::commit(tx).await?;
                Ok(())
            }
            Err(error) => {
                let definitive = matches!(
                    error,
                    ProviderError::Declined { .. }
                        | ProviderError::Authentication { .. }
                        | ProviderError::InvalidRequest { .. }
                );
                let mut problem = StoredProblem::from_error(&error, now);
                if came_back && definitive {
                    // The customer is done and the provider refuses what they brought back
                    // (DOKU SNAP and OVO SNAP answer a declined linking's code with 4017400).
                    if matches!(error, ProviderError::Authentication { .. }) {
                        problem.kind =
                            super::problems::kind_key(ProviderProblemKind::Declined).to_owned();
                    }
                    self.end_pending(&row, BindingStatus::Failed, problem, &subject).await
                } else if row.expires_at.is_some_and(|t| t <= now) {
                    let problem = StoredProblem::new(ProviderProblemKind::Expired, problem.provider_code, format!("the customer did not complete the linking within {LINKING_LIFETIME_MINUTES} minutes"), now);
                    self.end_pending(&row, BindingStatus::Expired, problem, &subject).await
                } else {
                    // Not yet (asked before the customer finished) or not reachable: still
                    // pending, and a returned code is kept for the next attempt.
                    if has_code {
                        self.keep_auth_code(&row, auth_code.as_ref()).await?;
                    }
                    if !(can_ask && !came_back && definitive) {
                        let mut tx = self.ledger.begin_write().await?;
                        bindings::set_problem(&mut tx, row.id, Some(&problem.to_json()), now)
                            .await?;
                        ovo_ledger::commit(tx).await?;
                    }
                    Ok(())
                }
            }
        }
    }

    async fn keep_auth_code(
        &self,
        row: &BindingRow,
        auth_code: Option<&Sensitive<String>>,
    ) -> AppResult<()> {
        match auth_code {
            Some(code) => self.link_tokens().save_auth_code(row, Some(code)).await,
            None => Ok(()),
        }
    }

    async fn end_pending(
        &self,
        row: &BindingRow,
        to: BindingStatus,
        problem: StoredProblem,
        subject: &str,
    ) -> AppResult<()> {
        let mut tx = self.ledger.begin_write().await?;
        bindings::transition(
            &mut tx,
            row.id,
            &[BindingStatus::Pending],
            to,
            None,
            Some(&problem.to_json()),
            self.now(),
        )
        .await?;
        let reference = row.reference.as_ref().map(|r| r.as_str().to_owned());
        self.audit(&mut tx, None, "account.link", subject, AuditOutcome::Failed, json!({ "reference": reference, "status": to.key(), "problem": problem.kind, "detail": problem.detail }))
            .await?;
        ovo_ledger::commit(tx).await?;
        self.link_tokens().forget(row).await?;
        Ok(())
    }
}

/// A return whose `state` names another linking (OAuth's check, RFC 6749 §10.12) is not ours.
fn state_mismatch(row: &BindingRow, params: &HashMap<String, String>) -> bool {
    let Some(state) = params.get("state").filter(|s| !s.is_empty()) else {
        return false;
    };
    let ours = row.reference.as_ref().is_some_and(|r| r.as_str() == state)
        || row.provider_ref.as_deref() == Some(state.as_str());
    if !ours {
        tracing::warn!(
            account = row.id.get(),
            "linking return with another linking's state; ignored"
        );
    }
    !ours
}
