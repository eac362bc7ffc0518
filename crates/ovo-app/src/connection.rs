//! Test connection: one harmless read-only call per product and environment that proves the
//! host answers over a trusted connection and accepts the stored credentials. Admin only;
//! it changes nothing, and the attempt and its outcome are audited.

use ovo_ledger::audit::AuditOutcome;
use ovo_providers::{ProviderError, UnknownCause};
use serde_json::json;

use crate::backoffice::Backoffice;
use crate::error::AppResult;
use crate::ipc::{ConnectionOutcome, ConnectionTestResult, ProductInEnvironment};
use crate::permissions::Permission;
use crate::providers::parse_product;
use crate::validate;

impl Backoffice {
    pub async fn test_connection(
        &self,
        input: ProductInEnvironment,
    ) -> AppResult<ConnectionTestResult> {
        let actor =
            self.authorize(Permission::ManageCredentials, "test a provider connection").await?;
        crate::validate::text_lengths(&input)?;
        let environment = validate::environment(&input.environment)?;
        let product = parse_product(&input.product)?;
        let answer = match self.provider(environment, product).await {
            Ok(client) => client.test_connection().await,
            Err(e) => Err(e),
        };
        let (outcome, provider_code, detail) = match &answer {
            Ok(proof) => {
                (ConnectionOutcome::Works, None, format!("{}: {}", proof.read, proof.answer))
            }
            Err(error) => {
                (outcome_of(error), error.provider_code().map(str::to_owned), error.to_string())
            }
        };
        let subject = format!("{}/{}", environment.key(), product.key());
        let mut tx = self.ledger.begin_write().await?;
        self.audit(
            &mut tx,
            Some(&actor.operator),
            "provider.test_connection",
            &subject,
            if outcome == ConnectionOutcome::Works {
                AuditOutcome::Ok
            } else {
                AuditOutcome::Failed
            },
            json!({ "outcome": outcome, "provider_code": provider_code, "detail": detail }),
        )
        .await?;
        ovo_ledger::commit(tx).await?;
        Ok(ConnectionTestResult {
            environment: environment.key().to_owned(),
            product,
            outcome,
            provider_code,
            detail,
            at: self.clock.now().to_rfc3339(),
        })
    }
}

fn outcome_of(error: &ProviderError) -> ConnectionOutcome {
    match error {
        ProviderError::Authentication { .. } => ConnectionOutcome::CredentialsRefused,
        ProviderError::Connection { .. } => ConnectionOutcome::Unreachable,
        ProviderError::Certificate { .. } => ConnectionOutcome::CertificateNotTrusted,
        ProviderError::Timeout { .. }
        | ProviderError::UnknownOutcome { cause: UnknownCause::Timeout, .. } => {
            ConnectionOutcome::TimedOut
        }
        ProviderError::MissingCredential { .. } | ProviderError::InvalidInput { .. } => {
            ConnectionOutcome::NotSetUp
        }
        _ => ConnectionOutcome::Problem,
    }
}
