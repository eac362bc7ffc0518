//! Customer-side steps a provider waits for: T&C, OTP and PIN on a redirect page, or the
//! Pay / Decline of a push payment on the phone. People decide on the pages; tests decide
//! through the control API; magic accounts decide by themselves.

use std::collections::BTreeMap;
use std::sync::Mutex;

use rand::Rng;
use serde::{Deserialize, Serialize};
use tokio::sync::oneshot;

use super::lock;
use super::wallets::{Behaviour, PaySource, Wallets};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ActionKind {
    /// Linking an OVO account (T&C, OTP, PIN).
    Binding,
    /// A payment the customer confirms with a PIN on a redirect page.
    PinPayment,
    /// A push to the OVO app: Pay (cash or points) or Decline on the phone.
    Push,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Step {
    Terms,
    Otp,
    Pin,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "decision", rename_all = "snake_case")]
pub enum Decision {
    Approve {
        #[serde(default)]
        source: PaySource,
    },
    Decline,
}

/// What a product asks the customer.
#[derive(Debug, Clone, Serialize)]
pub struct NewAction {
    pub product: &'static str,
    pub kind: ActionKind,
    /// Canonical `62…`.
    pub phone: String,
    pub amount: Option<i64>,
    pub merchant: String,
    pub description: String,
    pub steps: Vec<Step>,
    /// Where the page sends the browser when the customer is done.
    pub return_url: Option<String>,
    /// Where it sends the browser after a decline; `return_url` when absent.
    pub decline_url: Option<String>,
    /// The OTP the product's sandbox documents (e.g. the phone's last digits); random when absent.
    #[serde(skip)]
    pub otp: Option<String>,
    /// Whether the page offers OVO Cash / OVO Points (false where the merchant fixes the source).
    pub choose_source: bool,
}

impl NewAction {
    /// Linking an account: T&C, OTP and PIN on a page that offers no source.
    pub fn binding(
        product: &'static str,
        phone: String,
        merchant: String,
        description: String,
    ) -> Self {
        NewAction {
            product,
            kind: ActionKind::Binding,
            phone,
            amount: None,
            merchant,
            description,
            steps: vec![Step::Terms, Step::Otp, Step::Pin],
            return_url: None,
            decline_url: None,
            otp: None,
            choose_source: false,
        }
    }

    /// A payment of `amount` confirmed with `steps` on a redirect page; the source is the
    /// merchant's unless `choose_source` is set.
    pub fn pin_payment(
        product: &'static str,
        phone: String,
        amount: i64,
        merchant: String,
        description: String,
        steps: Vec<Step>,
    ) -> Self {
        NewAction {
            kind: ActionKind::PinPayment,
            amount: Some(amount),
            steps,
            ..NewAction::binding(product, phone, merchant, description)
        }
    }

    /// A push of `amount` to the OVO app: Pay with cash or points, or Decline.
    pub fn push(
        product: &'static str,
        phone: String,
        amount: i64,
        merchant: String,
        description: String,
    ) -> Self {
        NewAction {
            kind: ActionKind::Push,
            steps: Vec::new(),
            choose_source: true,
            ..NewAction::pin_payment(product, phone, amount, merchant, description, Vec::new())
        }
    }

    /// Where the page sends the browser when the customer is done.
    pub fn returning_to(self, return_url: Option<String>) -> Self {
        NewAction { return_url, ..self }
    }
}

/// An open action: what was asked, and the OTP "sent by SMS" (the sandbox shows it on the page).
#[derive(Debug, Clone, Serialize)]
pub struct ActionView {
    pub id: String,
    #[serde(flatten)]
    pub asked: NewAction,
    pub otp: String,
}

impl ActionView {
    /// Where the customer page sends the browser once `decision` is recorded: the decline URL
    /// (or the return URL) after a decline, the return URL after an approval; None when the page
    /// just says "Done". The page and the control API's `decide` both use this.
    pub fn redirect_after(&self, decision: Decision) -> Option<&str> {
        match decision {
            Decision::Decline => {
                self.asked.decline_url.as_deref().or(self.asked.return_url.as_deref())
            }
            Decision::Approve { .. } => self.asked.return_url.as_deref(),
        }
    }
}

#[derive(Debug)]
struct Entry {
    view: ActionView,
    reply: Option<oneshot::Sender<Decision>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum PendingError {
    #[error("no pending customer action with this id")]
    NotFound,
    #[error("wrong PIN")]
    WrongPin,
    #[error("wrong OTP")]
    WrongOtp,
}

#[derive(Debug, Default)]
pub struct PendingActions {
    entries: Mutex<BTreeMap<String, Entry>>,
    /// Actions a magic account decided the moment they opened: where their page sends the
    /// browser at once (as the customer's own decision would), so the merchant's return URL
    /// still receives the outcome.
    decided_at_once: Mutex<BTreeMap<String, String>>,
}

/// An opened action: its id (for the redirect URL) and where the decision arrives.
#[derive(Debug)]
pub struct Opened {
    pub id: String,
    pub decision: oneshot::Receiver<Decision>,
}

impl PendingActions {
    fn lock(&self) -> std::sync::MutexGuard<'_, BTreeMap<String, Entry>> {
        lock(&self.entries)
    }

    pub fn open(&self, wallets: &Wallets, new: NewAction) -> Opened {
        let mut rng = rand::thread_rng();
        let id = format!("act_{:016x}", rng.gen::<u64>());
        let otp = new.otp.clone().unwrap_or_else(|| format!("{:06}", rng.gen_range(0..1_000_000)));
        let (tx, rx) = oneshot::channel();
        let behaviour = wallets.get(&new.phone).map(|a| a.behaviour).unwrap_or_default();
        let view = ActionView { id: id.clone(), asked: new, otp };
        let at_once = match behaviour {
            Behaviour::AutoApprove => Some(Decision::Approve { source: PaySource::Cash }),
            Behaviour::AutoDecline => Some(Decision::Decline),
            Behaviour::Manual | Behaviour::NeverAnswer => None,
        };
        match at_once {
            Some(decision) => {
                if let Some(url) = view.redirect_after(decision) {
                    lock(&self.decided_at_once).insert(id.clone(), url.to_owned());
                }
                let _ = tx.send(decision);
            }
            None => {
                self.lock().insert(id.clone(), Entry { view, reply: Some(tx) });
            }
        }
        Opened { id, decision: rx }
    }

    pub fn list(&self) -> Vec<ActionView> {
        self.lock().values().map(|e| e.view.clone()).collect()
    }

    /// Where the page of an action a magic account decided at once sends the browser.
    pub fn decided_at_once(&self, id: &str) -> Option<String> {
        lock(&self.decided_at_once).get(id).cloned()
    }

    pub fn get(&self, id: &str) -> Option<ActionView> {
        self.lock().get(id).map(|e| e.view.clone())
    }

    /// Records the customer's decision; the waiting product continues.
    pub fn decide(&self, id: &str, decision: Decision) -> Result<ActionView, PendingError> {
        let mut entries = self.lock();
        let mut entry = entries.remove(id).ok_or(PendingError::NotFound)?;
        if let Some(reply) = entry.reply.take() {
            let _ = reply.send(decision);
        }
        Ok(entry.view)
    }

    /// Decides as the customer on a page would: the OTP and PIN must be right.
    pub fn decide_checked(
        &self,
        wallets: &Wallets,
        id: &str,
        otp: Option<&str>,
        pin: Option<&str>,
        decision: Decision,
    ) -> Result<ActionView, PendingError> {
        let view = self.get(id).ok_or(PendingError::NotFound)?;
        if matches!(decision, Decision::Approve { .. }) {
            if view.asked.steps.contains(&Step::Otp) && otp != Some(view.otp.as_str()) {
                return Err(PendingError::WrongOtp);
            }
            let right_pin = wallets.get(&view.asked.phone).map(|a| a.pin);
            if view.asked.steps.contains(&Step::Pin)
                && (right_pin.is_none() || pin != right_pin.as_deref())
            {
                return Err(PendingError::WrongPin);
            }
        }
        self.decide(id, decision)
    }

    /// The provider stopped waiting (its timeout ran out).
    pub fn withdraw(&self, id: &str) {
        self.lock().remove(id);
    }

    pub fn clear(&self) {
        self.lock().clear();
        lock(&self.decided_at_once).clear();
    }
}
