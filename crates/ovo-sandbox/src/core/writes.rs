//! Every money or account write the sandbox processed, counted per the merchant's reference:
//! what a crash or race test compares with the merchant's ledger ("exactly one provider write
//! per reference").

use std::collections::BTreeMap;
use std::sync::Mutex;

use super::lock;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WriteKind {
    Payment,
    Refund,
    Link,
    Unlink,
}

/// One reference's count.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Write {
    pub product: String,
    pub kind: WriteKind,
    /// The merchant's reference as sent (see the sandbox README for each product's).
    pub reference: String,
    /// Distinct processings: 1 for a correct client.
    pub processed: u32,
    /// Resends under the original ids that the provider recognised and did not process again
    /// (answered from the stored result, or with its duplicate answer).
    pub replays: u32,
}

/// (product, kind, reference) → (processed, replays).
type Counts = BTreeMap<(String, WriteKind, String), (u32, u32)>;

#[derive(Debug, Default)]
pub struct Writes {
    counts: Mutex<Counts>,
}

impl Writes {
    fn lock(&self) -> std::sync::MutexGuard<'_, Counts> {
        lock(&self.counts)
    }

    /// The write was processed (money or an account changed, or a record was created).
    pub fn processed(&self, product: &str, kind: WriteKind, reference: &str) {
        self.lock().entry((product.to_owned(), kind, reference.to_owned())).or_default().0 += 1;
    }

    /// A resend of a write already processed was answered without processing it again. A
    /// resend of something never processed is not counted.
    pub fn replayed(&self, product: &str, kind: WriteKind, reference: &str) {
        if let Some(count) = self.lock().get_mut(&(product.to_owned(), kind, reference.to_owned()))
        {
            count.1 += 1;
        }
    }

    /// Every write, by product, kind and reference.
    pub fn list(&self, product: Option<&str>) -> Vec<Write> {
        self.lock()
            .iter()
            .filter(|((p, _, _), _)| product.is_none_or(|want| p == want))
            .map(|((product, kind, reference), (processed, replays))| Write {
                product: product.clone(),
                kind: *kind,
                reference: reference.clone(),
                processed: *processed,
                replays: *replays,
            })
            .collect()
    }

    pub fn clear(&self) {
        self.lock().clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_processings_and_replays_per_reference() {
        let writes = Writes::default();
        writes.replayed("p", WriteKind::Refund, "R1");
        writes.processed("p", WriteKind::Refund, "R1");
        writes.replayed("p", WriteKind::Refund, "R1");
        writes.processed("p", WriteKind::Payment, "R1");
        writes.processed("q", WriteKind::Payment, "R1");
        let listed = writes.list(Some("p"));
        assert_eq!(listed.len(), 2);
        let refund = listed.iter().find(|w| w.kind == WriteKind::Refund).unwrap();
        assert_eq!(
            (refund.processed, refund.replays),
            (1, 1),
            "a replay before any processing is not counted"
        );
        assert_eq!(serde_json::to_value(refund).unwrap()["kind"], "refund");
        writes.clear();
        assert!(writes.list(None).is_empty());
    }
}
