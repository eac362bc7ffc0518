//! The one permission table. Every use case names the permission it needs.

use ovo_domain::Role;
use serde::Serialize;
use ts_rs::TS;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum Permission {
    ViewCustomers,
    /// Create and edit customers, add notes, import them from a CSV file.
    ManageCustomers,
    /// Delete a customer without payments, or erase the personal data of one with payments.
    ForgetCustomers,
    LinkAccounts,
    ViewPayments,
    TakePayments,
    RequestRefunds,
    ApproveRefunds,
    /// Record an offline refund's transfer; decide by hand a refund or payment the provider
    /// could not decide.
    ResolveByHand,
    /// Import settlement files and resolve their exceptions.
    ReconcileSettlements,
    ViewAudit,
    /// The dashboard and the reports: money across every operator and product.
    ViewFinance,
    ManageOperators,
    ManageCredentials,
    ManageSettings,
}

use Role::{Admin, Finance, Staff, Support};

/// Which roles hold each permission. Finance approves refunds and never requests them;
/// admin manages the system and touches no money.
const GRANTS: &[(Permission, &[Role])] = &[
    (Permission::ViewCustomers, &[Staff, Support, Finance, Admin]),
    (Permission::ManageCustomers, &[Staff, Support]),
    (Permission::ForgetCustomers, &[Admin]),
    (Permission::LinkAccounts, &[Staff, Support]),
    (Permission::ViewPayments, &[Staff, Support, Finance, Admin]),
    (Permission::TakePayments, &[Staff]),
    (Permission::RequestRefunds, &[Staff, Support]),
    (Permission::ApproveRefunds, &[Finance]),
    (Permission::ResolveByHand, &[Finance]),
    (Permission::ReconcileSettlements, &[Finance]),
    (Permission::ViewAudit, &[Finance, Admin]),
    (Permission::ViewFinance, &[Finance, Admin]),
    (Permission::ManageOperators, &[Admin]),
    (Permission::ManageCredentials, &[Admin]),
    (Permission::ManageSettings, &[Admin]),
];

pub fn allows(role: Role, permission: Permission) -> bool {
    GRANTS.iter().any(|(p, roles)| *p == permission && roles.contains(&role))
}

pub fn granted(role: Role) -> Vec<Permission> {
    GRANTS.iter().filter(|(_, roles)| roles.contains(&role)).map(|(p, _)| *p).collect()
}

impl Permission {
    pub fn key(self) -> &'static str {
        match self {
            Permission::ViewCustomers => "view_customers",
            Permission::ManageCustomers => "manage_customers",
            Permission::ForgetCustomers => "forget_customers",
            Permission::LinkAccounts => "link_accounts",
            Permission::ViewPayments => "view_payments",
            Permission::TakePayments => "take_payments",
            Permission::RequestRefunds => "request_refunds",
            Permission::ApproveRefunds => "approve_refunds",
            Permission::ResolveByHand => "resolve_by_hand",
            Permission::ReconcileSettlements => "reconcile_settlements",
            Permission::ViewAudit => "view_audit",
            Permission::ViewFinance => "view_finance",
            Permission::ManageOperators => "manage_operators",
            Permission::ManageCredentials => "manage_credentials",
            Permission::ManageSettings => "manage_settings",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_permission_is_granted_to_someone_and_table_matches_roles() {
        let expect =
            |role, perms: &[Permission]| assert_eq!(granted(role), perms.to_vec(), "{role:?}");
        use Permission::*;
        expect(
            Staff,
            &[
                ViewCustomers,
                ManageCustomers,
                LinkAccounts,
                ViewPayments,
                TakePayments,
                RequestRefunds,
            ],
        );
        expect(
            Support,
            &[ViewCustomers, ManageCustomers, LinkAccounts, ViewPayments, RequestRefunds],
        );
        expect(
            Finance,
            &[
                ViewCustomers,
                ViewPayments,
                ApproveRefunds,
                ResolveByHand,
                ReconcileSettlements,
                ViewAudit,
                ViewFinance,
            ],
        );
        expect(
            Admin,
            &[
                ViewCustomers,
                ForgetCustomers,
                ViewPayments,
                ViewAudit,
                ViewFinance,
                ManageOperators,
                ManageCredentials,
                ManageSettings,
            ],
        );
    }

    #[test]
    fn nobody_both_requests_and_approves_refunds() {
        for role in Role::ALL {
            assert!(
                !(allows(role, Permission::RequestRefunds)
                    && allows(role, Permission::ApproveRefunds)),
                "{role:?}"
            );
        }
    }
}
