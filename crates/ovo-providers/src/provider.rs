//! The one shape every product client has. An operation the product lacks answers
//! `Unsupported` naming the product and the operation.

use async_trait::async_trait;
use ovo_domain::Product;

use crate::capability::{capabilities, Capabilities, Operation};
use crate::error::{ProviderError, ProviderResult};
use crate::model::*;
use crate::notification::{InboundRequest, IncomingWebhook, Notification, NotificationRejection};

pub fn unsupported<T>(product: Product, operation: Operation) -> ProviderResult<T> {
    Err(ProviderError::Unsupported { product, operation })
}

#[async_trait]
pub trait Provider: IncomingWebhook + Send + Sync + std::fmt::Debug {
    fn product(&self) -> Product;

    fn capabilities(&self) -> &'static Capabilities {
        capabilities(self.product())
    }

    async fn bind(&self, _request: &BindRequest) -> ProviderResult<BindStarted> {
        unsupported(self.product(), Operation::Bind)
    }

    async fn complete_binding(&self, _request: &CompleteBinding) -> ProviderResult<LinkedAccount> {
        unsupported(self.product(), Operation::CompleteBinding)
    }

    async fn balance(&self, _account: &LinkedAccount) -> ProviderResult<Balance> {
        unsupported(self.product(), Operation::Balance)
    }

    async fn pay(&self, _request: &PaymentRequest) -> ProviderResult<PaymentOutcome> {
        unsupported(self.product(), Operation::Pay)
    }

    /// A new attempt on the same provider payment after its last attempt failed or expired
    /// (`provider_ref` names it); `request.idempotency_key` is the new attempt's key.
    async fn request_again(
        &self,
        _request: &PaymentRequest,
        _provider_ref: &str,
    ) -> ProviderResult<PaymentOutcome> {
        unsupported(self.product(), Operation::RequestAgain)
    }

    /// Withdraws an unpaid payment at the provider. A write: a lost answer is `UnknownOutcome`,
    /// resolved by `status`. A payment already paid or final is refused by the provider.
    async fn cancel(&self, _request: &StatusRequest) -> ProviderResult<PaymentOutcome> {
        unsupported(self.product(), Operation::Cancel)
    }

    async fn status(&self, _request: &StatusRequest) -> ProviderResult<PaymentOutcome> {
        unsupported(self.product(), Operation::Status)
    }

    async fn refund(&self, _request: &RefundRequest) -> ProviderResult<RefundOutcome> {
        unsupported(self.product(), Operation::Refund)
    }

    async fn refund_status(&self, _request: &RefundRequest) -> ProviderResult<RefundOutcome> {
        unsupported(self.product(), Operation::Refund)
    }

    async fn unbind(&self, _account: &LinkedAccount) -> ProviderResult<UnbindOutcome> {
        unsupported(self.product(), Operation::Unbind)
    }

    async fn history(&self, _query: &HistoryQuery) -> ProviderResult<HistoryPage> {
        unsupported(self.product(), Operation::History)
    }

    async fn top_up_instructions(
        &self,
        _account: &LinkedAccount,
    ) -> ProviderResult<Vec<TopUpOption>> {
        unsupported(self.product(), Operation::TopUpInstructions)
    }

    /// One harmless read-only call proving that the host answers over a trusted connection and
    /// accepts the credentials. Changes nothing at the provider.
    async fn test_connection(&self) -> ProviderResult<ConnectionProof> {
        unsupported(self.product(), Operation::TestConnection)
    }

    /// Verifies and parses an inbound notification or webhook.
    fn verify_notification(
        &self,
        _request: &InboundRequest,
    ) -> Result<Notification, NotificationRejection> {
        Err(NotificationRejection::Unsupported)
    }
}
