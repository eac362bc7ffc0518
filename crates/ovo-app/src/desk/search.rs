//! One search box: a phone in any Indonesian format, a name (prefix of any word, case- and
//! accent-insensitive), a merchant customer id, or a payment, refund, linking or provider
//! reference. Each hit says what it matched.

use ovo_domain::{fold_name, CustomerId, Msisdn};
use ovo_ledger::bindings;
use ovo_ledger::customers::{self, CustomerRow, ReferenceKind};

use crate::backoffice::Backoffice;
use crate::error::{AppError, AppResult};
use crate::ipc::{CustomerHit, SearchInput, SearchMatch, SearchResult};
use crate::permissions::Permission;

pub const SEARCH_LIMIT_MAX: u32 = 100;
const QUERY_MAX_CHARS: usize = 100;

/// How a query can be read; every applicable reading is tried.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Readings {
    pub phone: Option<Msisdn>,
    /// Folded name words, when the query has a letter.
    pub name_words: Vec<String>,
    /// The trimmed query, for ids and references (a reference is tried in upper case too).
    pub exact: Option<String>,
}

pub(crate) fn readings(query: &str) -> Readings {
    let trimmed = query.trim();
    let phone = Msisdn::parse(trimmed).ok();
    let name_words = if trimmed.chars().any(char::is_alphabetic) {
        fold_name(trimmed).split(' ').filter(|w| !w.is_empty()).take(4).map(str::to_owned).collect()
    } else {
        Vec::new()
    };
    let exact =
        (!trimmed.is_empty() && !trimmed.contains(char::is_whitespace)).then(|| trimmed.to_owned());
    Readings { phone, name_words, exact }
}

impl Backoffice {
    pub async fn search_customers(&self, input: SearchInput) -> AppResult<SearchResult> {
        self.authorize(Permission::ViewCustomers, "search customers").await?;
        if input.query.chars().count() > QUERY_MAX_CHARS {
            return Err(AppError::invalid(
                "search_too_long",
                format!("a search is at most {QUERY_MAX_CHARS} characters"),
            ));
        }
        if input.limit == 0 || input.limit > SEARCH_LIMIT_MAX {
            return Err(AppError::invalid(
                "search_limit_invalid",
                format!("limit must be 1 to {SEARCH_LIMIT_MAX}"),
            ));
        }
        let environment = self.environment().await;
        let limit = input.limit;
        let r = readings(&input.query);
        let mut interpreted_as = Vec::new();
        let mut hits: Vec<(CustomerRow, SearchMatch, String)> = Vec::new();
        let mut conn = self.ledger.read().await?;
        let push = |rows: Vec<CustomerRow>,
                    matched: SearchMatch,
                    value: &str,
                    hits: &mut Vec<(CustomerRow, SearchMatch, String)>| {
            for row in rows {
                // Demo customers belong to the built-in environment.
                if row.demo && environment != ovo_domain::Environment::BuiltInSandbox {
                    continue;
                }
                if !hits.iter().any(|(h, _, _)| h.id == row.id) {
                    hits.push((row, matched, value.to_owned()));
                }
            }
        };
        if let Some(exact) = &r.exact {
            let upper = exact.to_ascii_uppercase();
            let mut found = customers::by_reference(&mut conn, exact).await?;
            if upper != *exact {
                found.extend(customers::by_reference(&mut conn, &upper).await?);
            }
            if !found.is_empty() {
                for (kind, row) in found {
                    let matched = match kind {
                        ReferenceKind::Payment => SearchMatch::PaymentReference,
                        ReferenceKind::Refund => SearchMatch::RefundReference,
                        ReferenceKind::Provider | ReferenceKind::Linking => {
                            SearchMatch::ProviderReference
                        }
                    };
                    if !interpreted_as.contains(&matched) {
                        interpreted_as.push(matched);
                    }
                    push(vec![row], matched, exact, &mut hits);
                }
            }
            if let Some(row) = customers::by_merchant_customer_id(&mut conn, exact).await? {
                interpreted_as.push(SearchMatch::MerchantCustomerId);
                push(vec![row], SearchMatch::MerchantCustomerId, exact, &mut hits);
            }
        }
        if let Some(phone) = &r.phone {
            interpreted_as.push(SearchMatch::Phone);
            let mut rows = customers::by_phone(&mut conn, phone).await?;
            rows.extend(customers::by_linked_phone(&mut conn, phone, limit).await?);
            push(rows, SearchMatch::Phone, phone.canonical(), &mut hits);
        }
        if !r.name_words.is_empty() {
            interpreted_as.push(SearchMatch::Name);
            let words: Vec<&str> = r.name_words.iter().map(String::as_str).collect();
            let rows = customers::by_name_words(&mut conn, &words, limit + 1).await?;
            push(rows, SearchMatch::Name, &r.name_words.join(" "), &mut hits);
        }
        let truncated = hits.len() > limit as usize;
        hits.truncate(limit as usize);
        let ids: Vec<CustomerId> = hits.iter().map(|(c, _, _)| c.id).collect();
        let linked = bindings::active_products(&mut conn, environment, &ids).await?;
        let hits = hits
            .into_iter()
            .map(|(row, matched, matched_value)| {
                let products =
                    linked.iter().filter(|(id, _)| *id == row.id).map(|(_, p)| *p).collect();
                CustomerHit {
                    customer: super::customer_summary(&row, products),
                    matched,
                    matched_value,
                }
            })
            .collect();
        Ok(SearchResult {
            query: input.query,
            interpreted_as,
            normalized_phone: r.phone.map(|p| p.canonical().to_owned()),
            hits,
            truncated,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_query_is_read_every_way_it_can_be() {
        let r = readings("0812-3456-7890");
        assert_eq!(r.phone.as_ref().map(Msisdn::canonical), Some("6281234567890"));
        assert!(r.name_words.is_empty());
        assert_eq!(r.exact.as_deref(), Some("0812-3456-7890"));

        let r = readings("  Élisa  PUT ");
        assert!(r.phone.is_none());
        assert_eq!(r.name_words, ["elisa", "put"]);
        assert_eq!(r.exact, None, "a query with spaces is no id");

        let r = readings("+62 812-3456-7890");
        assert_eq!(r.phone.as_ref().map(Msisdn::canonical), Some("6281234567890"));

        let r = readings("ab12cd34ef56gh78");
        assert!(r.phone.is_none());
        assert_eq!(r.exact.as_deref(), Some("ab12cd34ef56gh78"));
        assert_eq!(r.name_words, ["ab12cd34ef56gh78"]);
    }
}
