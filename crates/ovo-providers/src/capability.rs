//! What each product can do, as data. The clients refuse what a product lacks with
//! `ProviderError::Unsupported`; the app reads the same table to decide what to show.

use ovo_domain::Product;
use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Operation {
    Bind,
    CompleteBinding,
    Balance,
    Pay,
    Status,
    Refund,
    Unbind,
    History,
    TopUpInstructions,
    Notifications,
    /// One harmless read proving the host answers and accepts the credentials.
    TestConnection,
}

impl Operation {
    pub fn key(self) -> &'static str {
        match self {
            Operation::Bind => "bind",
            Operation::CompleteBinding => "complete_binding",
            Operation::Balance => "balance",
            Operation::Pay => "pay",
            Operation::Status => "status",
            Operation::Refund => "refund",
            Operation::Unbind => "unbind",
            Operation::History => "history",
            Operation::TopUpInstructions => "top_up_instructions",
            Operation::Notifications => "notifications",
            Operation::TestConnection => "test_connection",
        }
    }
}

/// How a payment reaches the customer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PaymentKind {
    /// A push to the OVO app; the provider holds the call until the customer answers (Jokul).
    Push,
    /// The customer confirms with OTP/PIN on a redirect page (DOKU SALE).
    SaleRedirect,
    /// Merchant-initiated on a linked account, no customer step (DOKU RECURRING).
    Recurring,
    /// Payin created, then confirmed with the phone; outcome by webhook or fetch (Tazapay).
    Payin,
    /// Tokenized payment on a linked account with an OTP/PIN redirect (Faspay 720).
    Tokenized,
    /// Direct debit on a linked account with a PIN webview, cash or points (OVO SNAP).
    DirectDebit,
}

/// What the provider's refund API allows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RefundSupport {
    /// No refund API: refunds are settled outside the provider ("offline").
    Offline,
    FullOnly,
    FullAndPartial,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Capabilities {
    pub product: Product,
    pub binding: bool,
    pub balance: bool,
    pub payment_kinds: &'static [PaymentKind],
    pub status: bool,
    pub refund: RefundSupport,
    pub history: bool,
    pub top_up_instructions: bool,
    pub unbind: bool,
    pub notifications: bool,
}

impl Capabilities {
    pub fn supports(&self, operation: Operation) -> bool {
        match operation {
            Operation::Bind | Operation::CompleteBinding => self.binding,
            Operation::Balance => self.balance,
            Operation::Pay => !self.payment_kinds.is_empty(),
            Operation::Status => self.status,
            Operation::Refund => self.refund != RefundSupport::Offline,
            Operation::Unbind => self.unbind,
            Operation::History => self.history,
            Operation::TopUpInstructions => self.top_up_instructions,
            Operation::Notifications => self.notifications,
            // Every product has a harmless authenticated read.
            Operation::TestConnection => true,
        }
    }
}

/// shared/providers/README.md §1.
const TABLE: [Capabilities; 5] = [
    Capabilities {
        product: Product::DokuSnapOvo,
        binding: true,
        balance: true,
        payment_kinds: &[PaymentKind::SaleRedirect, PaymentKind::Recurring],
        status: true,
        refund: RefundSupport::FullAndPartial,
        history: false,
        top_up_instructions: false,
        unbind: true,
        notifications: true,
    },
    Capabilities {
        product: Product::DokuJokulOvoPush,
        binding: false,
        // Post-payment balances come back in the payment answer only.
        balance: false,
        payment_kinds: &[PaymentKind::Push],
        status: true,
        refund: RefundSupport::Offline,
        history: false,
        top_up_instructions: false,
        unbind: false,
        notifications: false,
    },
    Capabilities {
        product: Product::TazapayOvoIdr,
        binding: false,
        balance: false,
        payment_kinds: &[PaymentKind::Payin],
        status: true,
        refund: RefundSupport::FullOnly,
        history: false,
        top_up_instructions: false,
        unbind: false,
        notifications: true,
    },
    Capabilities {
        product: Product::FaspayOvoTokenize,
        binding: true,
        balance: true,
        payment_kinds: &[PaymentKind::Tokenized],
        status: true,
        refund: RefundSupport::Offline,
        history: true,
        top_up_instructions: true,
        unbind: true,
        notifications: true,
    },
    Capabilities {
        product: Product::OvoSnap,
        binding: true,
        balance: true,
        payment_kinds: &[PaymentKind::DirectDebit],
        status: true,
        refund: RefundSupport::FullAndPartial,
        // Listed as a feature, no endpoint published: the ledger is the history (House default).
        history: false,
        top_up_instructions: false,
        unbind: true,
        notifications: true,
    },
];

pub fn capabilities(product: Product) -> &'static Capabilities {
    TABLE.iter().find(|c| c.product == product).unwrap_or(&TABLE[0])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_product_has_its_row_and_the_readme_table_holds() {
        for product in Product::ALL {
            assert_eq!(capabilities(product).product, product);
        }
        let binds: Vec<_> = Product::ALL.into_iter().filter(|p| capabilities(*p).supports(Operation::Bind)).collect();
        assert_eq!(binds, [Product::DokuSnapOvo, Product::FaspayOvoTokenize, Product::OvoSnap]);
        let refunds: Vec<_> = Product::ALL.into_iter().map(|p| capabilities(p).refund).collect();
        use RefundSupport::*;
        assert_eq!(refunds, [FullAndPartial, Offline, FullOnly, Offline, FullAndPartial]);
        assert!(capabilities(Product::FaspayOvoTokenize).supports(Operation::History));
        assert!(!capabilities(Product::OvoSnap).supports(Operation::History));
        assert!(!capabilities(Product::DokuJokulOvoPush).supports(Operation::Refund));
    }
}
