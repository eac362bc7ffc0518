//! Waiting on a provider client's status check.

use std::time::Duration;

use ovo_providers::model::{PaymentOutcome, StatusRequest};
use ovo_providers::Provider;

/// Polls `client`'s status check until the state is final (bounded, 200 × 25 ms).
pub async fn final_status(client: &impl Provider, request: &StatusRequest) -> PaymentOutcome {
    for _ in 0..200 {
        let outcome = client.status(request).await.unwrap();
        if outcome.state.is_final() {
            return outcome;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("payment {} never became final", request.reference.as_str());
}
