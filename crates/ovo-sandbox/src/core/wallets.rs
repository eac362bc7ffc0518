//! OVO accounts: one wallet per phone, the same whichever product reaches it.

use std::collections::BTreeMap;
use std::sync::Mutex;

use super::lock;
use serde::{Deserialize, Serialize};

/// How the customer behind an account answers the customer-side steps.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Behaviour {
    /// Waits for a person (pages) or the control API.
    #[default]
    Manual,
    /// Approves at once, paying with cash.
    AutoApprove,
    /// Declines at once.
    AutoDecline,
    /// Never answers, so the provider's wait runs out.
    NeverAnswer,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Account {
    /// Canonical `62…`.
    pub phone: String,
    pub name: String,
    /// OVO Cash, whole rupiah.
    pub cash: i64,
    /// OVO Points (1 point = 1 rupiah).
    pub points: i64,
    #[serde(default = "default_pin")]
    pub pin: String,
    #[serde(default)]
    pub blocked: bool,
    #[serde(default)]
    pub limit_exceeded: bool,
    #[serde(default)]
    pub behaviour: Behaviour,
}

fn default_pin() -> String {
    "123456".into()
}

/// Where a payment takes its money from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum PaySource {
    #[default]
    Cash,
    Points,
    /// Points first, the rest from cash.
    PointsFirst,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct Split {
    pub cash: i64,
    pub points: i64,
}

impl Split {
    pub fn total(self) -> i64 {
        self.cash + self.points
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum DebitError {
    #[error("no OVO account for this phone")]
    NoAccount,
    #[error("the OVO account is blocked")]
    Blocked,
    #[error("the OVO account's transaction limit is exceeded")]
    LimitExceeded,
    #[error("insufficient balance")]
    Insufficient,
    #[error("invalid amount")]
    InvalidAmount,
}

#[derive(Debug, Default)]
pub struct Wallets {
    accounts: Mutex<BTreeMap<String, Account>>,
}

impl Wallets {
    pub fn with_accounts(accounts: impl IntoIterator<Item = Account>) -> Wallets {
        Wallets {
            accounts: Mutex::new(accounts.into_iter().map(|a| (a.phone.clone(), a)).collect()),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, BTreeMap<String, Account>> {
        lock(&self.accounts)
    }

    pub fn get(&self, phone: &str) -> Option<Account> {
        self.lock().get(phone).cloned()
    }

    pub fn list(&self) -> Vec<Account> {
        self.lock().values().cloned().collect()
    }

    pub fn upsert(&self, account: Account) {
        self.lock().insert(account.phone.clone(), account);
    }

    pub fn replace_all(&self, accounts: impl IntoIterator<Item = Account>) {
        *self.lock() = accounts.into_iter().map(|a| (a.phone.clone(), a)).collect();
    }

    /// Checks without moving money (for flows that debit later).
    pub fn check(&self, phone: &str, amount: i64, source: PaySource) -> Result<Split, DebitError> {
        let accounts = self.lock();
        let account = accounts.get(phone).ok_or(DebitError::NoAccount)?;
        split_for(account, amount, source)
    }

    /// Takes `amount` from the account, atomically.
    pub fn debit(&self, phone: &str, amount: i64, source: PaySource) -> Result<Split, DebitError> {
        let mut accounts = self.lock();
        let account = accounts.get_mut(phone).ok_or(DebitError::NoAccount)?;
        let split = split_for(account, amount, source)?;
        account.cash -= split.cash;
        account.points -= split.points;
        Ok(split)
    }

    /// Gives a split back (refunds return to where the money came from). A blocked account takes
    /// nothing: OVO refuses refunds to an inactive or frozen account, and the provider says so.
    pub fn credit(&self, phone: &str, split: Split) -> Result<(), DebitError> {
        let mut accounts = self.lock();
        let account = accounts.get_mut(phone).ok_or(DebitError::NoAccount)?;
        if account.blocked {
            return Err(DebitError::Blocked);
        }
        account.cash += split.cash;
        account.points += split.points;
        Ok(())
    }
}

fn split_for(account: &Account, amount: i64, source: PaySource) -> Result<Split, DebitError> {
    if amount <= 0 {
        return Err(DebitError::InvalidAmount);
    }
    if account.blocked {
        return Err(DebitError::Blocked);
    }
    if account.limit_exceeded {
        return Err(DebitError::LimitExceeded);
    }
    let split = match source {
        PaySource::Cash => Split { cash: amount, points: 0 },
        PaySource::Points => Split { cash: 0, points: amount },
        PaySource::PointsFirst => {
            let points = amount.min(account.points);
            Split { cash: amount - points, points }
        }
    };
    if split.cash > account.cash || split.points > account.points {
        return Err(DebitError::Insufficient);
    }
    Ok(split)
}

/// Accounts every sandbox starts with: demo customers and the magic phones listed in the README.
pub fn seed_accounts() -> Vec<Account> {
    let account = |phone: &str, name: &str, cash, points, behaviour| Account {
        phone: phone.into(),
        name: name.into(),
        cash,
        points,
        pin: default_pin(),
        blocked: false,
        limit_exceeded: false,
        behaviour,
    };
    let mut blocked = account("6281100000002", "Magic Blocked", 1_000_000, 0, Behaviour::Manual);
    blocked.blocked = true;
    let mut limited = account("6281100000003", "Magic Limit", 1_000_000, 0, Behaviour::Manual);
    limited.limit_exceeded = true;
    vec![
        account("6281234567890", "Budi Santoso", 2_500_000, 75_000, Behaviour::Manual),
        account("6281298765432", "Siti Rahmawati", 1_200_000, 20_000, Behaviour::Manual),
        account("6285712345678", "Agus Wijaya", 350_000, 150_000, Behaviour::Manual),
        account("6281382826301", "Sophia Store Tester", 5_000_000, 100_000, Behaviour::Manual),
        account("6281100000001", "Magic Empty", 0, 0, Behaviour::Manual),
        blocked,
        limited,
        // 6281100000004 has no account on purpose: "invalid number".
        account("6281100000005", "Magic Decliner", 1_000_000, 0, Behaviour::AutoDecline),
        account("6281100000006", "Magic Silent", 1_000_000, 0, Behaviour::NeverAnswer),
        account("6281100000007", "Magic Payer", 10_000_000, 500_000, Behaviour::AutoApprove),
        // Faspay answers its first payment after each linking with 02 (regenerate the token).
        account("6281100000008", "Magic Token Expiry", 1_000_000, 0, Behaviour::Manual),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debits_by_source_and_refuses_what_it_must() {
        let w = Wallets::with_accounts(seed_accounts());
        let budi = "6281234567890";
        assert_eq!(
            w.debit(budi, 100_000, PaySource::PointsFirst),
            Ok(Split { cash: 25_000, points: 75_000 })
        );
        assert_eq!(w.debit(budi, 1, PaySource::Points), Err(DebitError::Insufficient));
        assert_eq!(w.debit("6281100000002", 1, PaySource::Cash), Err(DebitError::Blocked));
        assert_eq!(w.debit("6281100000003", 1, PaySource::Cash), Err(DebitError::LimitExceeded));
        assert_eq!(w.debit("6281100000004", 1, PaySource::Cash), Err(DebitError::NoAccount));
        assert_eq!(w.debit("6281100000001", 1, PaySource::Cash), Err(DebitError::Insufficient));
        assert_eq!(w.debit(budi, 0, PaySource::Cash), Err(DebitError::InvalidAmount));
        w.credit(budi, Split { cash: 25_000, points: 75_000 }).ok();
        assert_eq!(w.get(budi).map(|a| (a.cash, a.points)), Some((2_500_000, 75_000)));
    }
}
