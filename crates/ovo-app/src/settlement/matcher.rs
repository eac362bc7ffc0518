//! Matching a settlement file's lines against the ledger: pure, given what the ledger holds for
//! the file's references.

use std::collections::{HashMap, HashSet};

use ovo_domain::{
    Environment, PaymentId, PaymentStatus, Product, Reference, RefundStatus, SettlementKind,
    SettlementOutcome,
};
use ovo_ledger::settlement::{NewException, NewLine, SettlementPayment, SettlementRefund};

use super::lines::ParsedLine;
use super::Problem;

/// What the ledger holds for a file's references.
#[derive(Debug, Default)]
pub struct LedgerFacts {
    pub payments: HashMap<Reference, SettlementPayment>,
    pub refunds: HashMap<PaymentId, Vec<SettlementRefund>>,
    /// Payments and refunds an earlier file settled.
    pub settled_payments: HashSet<i64>,
    pub settled_refunds: HashSet<i64>,
}

/// The file's lines as matched, with the exceptions they raise.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Matched {
    pub lines: Vec<NewLine>,
    pub exceptions: Vec<NewException>,
    /// Payments this file settled (to clear their "not in file" exceptions).
    pub settled: Vec<PaymentId>,
}

/// Refund states in which the provider may have paid the refund out while the ledger does not
/// know it yet (or could not decide).
fn refund_undecided(status: RefundStatus) -> bool {
    matches!(
        status,
        RefundStatus::Approved
            | RefundStatus::Submitting
            | RefundStatus::Processing
            | RefundStatus::Unknown
            | RefundStatus::NeedsReview
    )
}

/// Matches `lines` of a `product` file in `environment`. A line naming a payment of another
/// product or environment is a problem (the wrong file), not an exception.
pub fn match_lines(
    product: Product,
    environment: Environment,
    lines: &[ParsedLine],
    facts: &LedgerFacts,
) -> Result<Matched, Vec<Problem>> {
    let mut problems = Vec::new();
    let mut out = Matched::default();
    let mut used_refunds: HashSet<i64> = HashSet::new();
    let mut paid_here: HashSet<PaymentId> = HashSet::new();
    for line in lines {
        let payment = line.reference.as_ref().and_then(|r| facts.payments.get(r));
        if let Some(p) = payment.filter(|p| p.product != product || p.environment != environment) {
            problems.push(Problem {
                line: Some(line.line_no),
                reason: "settlement_other_product",
                detail: format!(
                    "{} is a payment of {} in {}, not of {} in {}: choose that product, or the right file",
                    line.reported,
                    p.product,
                    p.environment,
                    product,
                    environment
                ),
            });
            continue;
        }
        let (outcome, payment_id, refund_id, ledger_amount) = match (line.kind, payment) {
            (_, None) => (SettlementOutcome::NotInLedger, None, None, None),
            (SettlementKind::Payment, Some(p)) => {
                let outcome =
                    if facts.settled_payments.contains(&p.id.get()) || paid_here.contains(&p.id) {
                        SettlementOutcome::SettledTwice
                    } else if p.status != PaymentStatus::Succeeded {
                        SettlementOutcome::StatusMismatch
                    } else if p.amount != line.amount {
                        SettlementOutcome::AmountMismatch
                    } else {
                        SettlementOutcome::Matched
                    };
                paid_here.insert(p.id);
                (outcome, Some(p.id), None, Some(p.amount))
            }
            (SettlementKind::Refund, Some(p)) => {
                let refunds = facts.refunds.get(&p.id).map(Vec::as_slice).unwrap_or_default();
                let open = |r: &&SettlementRefund| {
                    !used_refunds.contains(&r.id.get())
                        && !facts.settled_refunds.contains(&r.id.get())
                };
                let same = |r: &&SettlementRefund| r.amount == line.amount;
                let pick = refunds
                    .iter()
                    .filter(open)
                    .find(|r| same(r) && r.status == RefundStatus::Succeeded)
                    .map(|r| (SettlementOutcome::Matched, r))
                    .or_else(|| {
                        let r = refunds
                            .iter()
                            .filter(open)
                            .find(|r| same(r) && refund_undecided(r.status));
                        r.map(|r| (SettlementOutcome::StatusMismatch, r))
                    })
                    .or_else(|| {
                        let r = refunds
                            .iter()
                            .find(|r| same(r) && facts.settled_refunds.contains(&r.id.get()));
                        r.map(|r| (SettlementOutcome::SettledTwice, r))
                    })
                    .or_else(|| {
                        let r = refunds
                            .iter()
                            .filter(open)
                            .find(|r| r.status == RefundStatus::Succeeded);
                        r.map(|r| (SettlementOutcome::AmountMismatch, r))
                    })
                    .or_else(|| {
                        // Failed, rejected, settled by hand…: the provider paid a refund the
                        // ledger does not count as paid by it.
                        let r = refunds.iter().filter(open).find(same);
                        r.map(|r| (SettlementOutcome::StatusMismatch, r))
                    });
                match pick {
                    Some((outcome, r)) => {
                        if outcome != SettlementOutcome::SettledTwice {
                            used_refunds.insert(r.id.get());
                        }
                        (outcome, Some(p.id), Some(r.id), Some(r.amount))
                    }
                    None => (SettlementOutcome::NotInLedger, Some(p.id), None, None),
                }
            }
        };
        if line.kind == SettlementKind::Payment && payment_id.is_some() {
            out.settled.extend(payment_id);
        }
        if outcome != SettlementOutcome::Matched {
            out.exceptions.push(NewException {
                line_no: Some(line.line_no as i64),
                payment_id,
                refund_id,
                kind: outcome,
                reference: payment
                    .map_or_else(|| line.reported.clone(), |p| p.reference.as_str().to_owned()),
                ledger_amount,
                file_amount: Some(line.amount),
            });
        }
        out.lines.push(NewLine {
            line_no: line.line_no as i64,
            reference: line.reported.clone(),
            kind: line.kind,
            amount: line.amount,
            fee: line.fee,
            net: line.net,
            settled_at: line.at,
            status_text: line.status_text.clone(),
            payment_id,
            refund_id,
            outcome,
        });
    }
    if problems.is_empty() {
        Ok(out)
    } else {
        Err(problems)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use ovo_domain::{RefundId, Timestamp};

    fn reference(n: u32) -> Reference {
        Reference::parse(&format!("REF{n:013}")).unwrap()
    }

    fn payment(n: u32, amount: i64, status: PaymentStatus) -> SettlementPayment {
        SettlementPayment {
            id: PaymentId::new(i64::from(n)),
            reference: reference(n),
            product: Product::OvoSnap,
            environment: Environment::BuiltInSandbox,
            amount,
            status,
            succeeded_at: None,
        }
    }

    fn line(line_no: u64, n: u32, kind: SettlementKind, amount: i64) -> ParsedLine {
        ParsedLine {
            line_no,
            reported: reference(n).as_str().to_owned(),
            reference: Some(reference(n)),
            kind,
            amount,
            fee: None,
            net: None,
            at: Timestamp::from_unix_millis(0),
            status_text: None,
        }
    }

    fn refund(id: i64, payment: i64, amount: i64, status: RefundStatus) -> SettlementRefund {
        SettlementRefund {
            id: RefundId::new(id),
            payment_id: PaymentId::new(payment),
            amount,
            status,
        }
    }

    #[test]
    fn every_outcome_from_one_file() {
        use SettlementKind::{Payment, Refund};
        let mut facts = LedgerFacts::default();
        for p in [
            payment(1, 185_000, PaymentStatus::Succeeded),
            payment(2, 50_000, PaymentStatus::Succeeded),
            payment(3, 70_000, PaymentStatus::Unknown),
            payment(4, 90_000, PaymentStatus::Succeeded),
            payment(5, 60_000, PaymentStatus::Succeeded),
        ] {
            facts.payments.insert(p.reference.clone(), p);
        }
        facts.settled_payments.insert(4);
        facts.refunds.insert(
            PaymentId::new(1),
            vec![
                refund(11, 1, 20_000, RefundStatus::Succeeded),
                refund(12, 1, 30_000, RefundStatus::Processing),
            ],
        );
        facts.refunds.insert(
            PaymentId::new(5),
            vec![
                refund(13, 5, 10_000, RefundStatus::Succeeded),
                refund(14, 5, 7_000, RefundStatus::SettledOffline),
            ],
        );
        facts.settled_refunds.insert(13);
        let lines = [
            line(2, 1, Payment, 185_000),
            line(3, 2, Payment, 55_000),
            line(4, 9, Payment, 10_000),
            line(5, 3, Payment, 70_000),
            line(6, 4, Payment, 90_000),
            line(7, 1, Refund, 20_000),
            line(8, 1, Refund, 30_000),
            line(9, 5, Refund, 10_000),
            line(10, 2, Refund, 5_000),
            line(11, 5, Refund, 7_000),
        ];
        let matched =
            match_lines(Product::OvoSnap, Environment::BuiltInSandbox, &lines, &facts).unwrap();
        let outcomes: Vec<SettlementOutcome> = matched.lines.iter().map(|l| l.outcome).collect();
        use SettlementOutcome::*;
        assert_eq!(
            outcomes,
            vec![
                Matched,
                AmountMismatch,
                NotInLedger,
                StatusMismatch,
                SettledTwice,
                Matched,
                StatusMismatch,
                SettledTwice,
                NotInLedger,
                StatusMismatch
            ]
        );
        // A refund finance settled by hand, paid by the provider too.
        assert_eq!(matched.lines[9].refund_id, Some(RefundId::new(14)));
        assert_eq!(matched.lines[5].refund_id, Some(RefundId::new(11)));
        assert_eq!(matched.lines[6].refund_id, Some(RefundId::new(12)));
        let mismatch = &matched.exceptions[0];
        assert_eq!(
            (mismatch.kind, mismatch.ledger_amount, mismatch.file_amount, mismatch.line_no),
            (AmountMismatch, Some(50_000), Some(55_000), Some(3))
        );
        assert_eq!(matched.exceptions.len(), 8);
        assert!(matched.exceptions.iter().all(|x| x.kind != Matched));
        let settled: Vec<i64> = matched.settled.iter().map(|p| p.get()).collect();
        assert_eq!(settled, vec![1, 2, 3, 4]);
    }

    #[test]
    fn a_payment_of_another_product_or_environment_is_the_wrong_file() {
        let mut facts = LedgerFacts::default();
        let mut other = payment(1, 1_000, PaymentStatus::Succeeded);
        other.product = Product::TazapayOvoIdr;
        facts.payments.insert(other.reference.clone(), other);
        let mut elsewhere = payment(2, 1_000, PaymentStatus::Succeeded);
        elsewhere.environment = Environment::Production;
        facts.payments.insert(elsewhere.reference.clone(), elsewhere);
        let lines = [
            line(2, 1, SettlementKind::Payment, 1_000),
            line(3, 2, SettlementKind::Payment, 1_000),
        ];
        let problems =
            match_lines(Product::OvoSnap, Environment::BuiltInSandbox, &lines, &facts).unwrap_err();
        assert_eq!(problems.len(), 2);
        assert!(problems.iter().all(|p| p.reason == "settlement_other_product"));
        assert!(problems[0].detail.contains("tazapay_ovo_idr"), "{}", problems[0].detail);
        assert_eq!(problems[1].line, Some(3));
    }

    #[test]
    fn a_second_line_for_one_payment_is_settled_twice() {
        let mut facts = LedgerFacts::default();
        let p = payment(1, 1_000, PaymentStatus::Succeeded);
        facts.payments.insert(p.reference.clone(), p);
        let mut again = line(3, 1, SettlementKind::Payment, 1_000);
        again.reported = format!("{}-02", again.reported);
        let lines = [line(2, 1, SettlementKind::Payment, 1_000), again];
        let matched =
            match_lines(Product::OvoSnap, Environment::BuiltInSandbox, &lines, &facts).unwrap();
        assert_eq!(matched.lines[1].outcome, SettlementOutcome::SettledTwice);
    }
}
