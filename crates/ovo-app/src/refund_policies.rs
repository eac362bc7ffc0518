//! The refund rule per product (house defaults, HD 1) and an admin's overrides per merchant
//! contract. The mode stays the provider's: an override changes what is allowed (partial, the
//! window, a daily limit), never whether a provider has a refund API.

use ovo_domain::{Lang, Product, RefundPolicy, RefundPolicyError};
use ovo_ledger::audit::AuditOutcome;
use ovo_ledger::operators::OperatorRow;
use ovo_ledger::{refunds, WriteTx};
use serde_json::json;

use crate::backoffice::Backoffice;
use crate::error::{AppError, AppResult};
use crate::ipc::*;
use crate::permissions::Permission;

fn view(product: Product, policy: &RefundPolicy, overridden: bool) -> RefundPolicyView {
    RefundPolicyView {
        product,
        product_name: product.display_name().to_owned(),
        mode: policy.mode.key().to_owned(),
        partial_allowed: policy.partial_allowed,
        window_days: policy.window_days,
        daily_limit: policy.daily_limit.map(ovo_domain::Idr::rupiah),
        overridden,
        rule: Bilingual {
            id: policy.describe(product, None, Lang::Id),
            en: policy.describe(product, None, Lang::En),
        },
    }
}

fn policy_error(e: RefundPolicyError) -> AppError {
    AppError::invalid(e.reason(), e.to_string())
}

fn parse_product(key: &str) -> AppResult<Product> {
    crate::providers::parse_product(key.trim())
}

fn policy_json(policy: &RefundPolicy) -> serde_json::Value {
    json!({
        "mode": policy.mode.key(),
        "partial_allowed": policy.partial_allowed,
        "window_days": policy.window_days,
        "daily_limit": policy.daily_limit.map(ovo_domain::Idr::rupiah),
    })
}

impl Backoffice {
    /// The rule in force for every product, in product order, and whether an admin overrode it.
    pub async fn list_refund_policies(&self) -> AppResult<Vec<RefundPolicyView>> {
        self.authorize(Permission::ViewPayments, "view the refund policies").await?;
        let mut conn = self.ledger.read().await?;
        let overrides = refunds::list_overrides(&mut conn).await?;
        Ok(Product::ALL
            .iter()
            .map(|&product| match overrides.iter().find(|o| o.product == product) {
                Some(o) => view(product, &o.policy, true),
                None => view(product, &RefundPolicy::default_for(product), false),
            })
            .collect())
    }

    /// Stores an override of a product's rule (audited). The mode is the provider's.
    pub async fn set_refund_policy(
        &self,
        input: SetRefundPolicyInput,
    ) -> AppResult<RefundPolicyView> {
        let actor = self.authorize(Permission::ManageSettings, "change the refund policy").await?;
        crate::validate::text_lengths(&input)?;
        let product = parse_product(&input.product)?;
        let window_days =
            RefundPolicy::parse_window_days(&input.window_days).map_err(policy_error)?;
        let daily_limit =
            RefundPolicy::parse_daily_limit(&input.daily_limit).map_err(policy_error)?;
        let policy = RefundPolicy {
            mode: RefundPolicy::default_for(product).mode,
            partial_allowed: input.partial_allowed,
            window_days,
            daily_limit,
        }
        .validate()
        .map_err(policy_error)?;
        let mut tx = self.ledger.begin_write().await?;
        let before = refunds::load_override(&mut tx, product).await?;
        refunds::save_override(&mut tx, product, &policy, actor.operator.id, self.now()).await?;
        let detail = json!({
            "before": policy_json(&before.unwrap_or(RefundPolicy::default_for(product))),
            "before_overridden": before.is_some(),
        });
        self.policy_changed(tx, &actor.operator, "refund_policy.set", product, &policy, detail)
            .await?;
        Ok(view(product, &policy, true))
    }

    /// Removes a product's override: the house default applies again (audited).
    pub async fn reset_refund_policy(&self, input: ProductRef) -> AppResult<RefundPolicyView> {
        let actor = self.authorize(Permission::ManageSettings, "change the refund policy").await?;
        crate::validate::text_lengths(&input)?;
        let product = parse_product(&input.product)?;
        let mut tx = self.ledger.begin_write().await?;
        let before = refunds::load_override(&mut tx, product).await?;
        let removed = refunds::delete_override(&mut tx, product).await?;
        let policy = RefundPolicy::default_for(product);
        let detail = json!({ "removed": removed, "before": before.as_ref().map(policy_json) });
        self.policy_changed(tx, &actor.operator, "refund_policy.reset", product, &policy, detail)
            .await?;
        Ok(view(product, &policy, false))
    }

    /// Audits a change of `product`'s rule (`detail` plus the rule after it) and commits.
    async fn policy_changed(
        &self,
        mut tx: WriteTx,
        operator: &OperatorRow,
        action: &str,
        product: Product,
        policy: &RefundPolicy,
        mut detail: serde_json::Value,
    ) -> AppResult<()> {
        detail["after"] = policy_json(policy);
        detail["rule"] = json!(policy.describe(product, None, Lang::En));
        let subject = format!("refund_policy:{}", product.key());
        self.audit(&mut tx, Some(operator), action, &subject, AuditOutcome::Ok, detail).await?;
        Ok(ovo_ledger::commit(tx).await?)
    }
}
