//! Where each product lives in each environment. Base URLs are data: tests and the built-in
//! environment point every product at the local sandbox.

use ovo_domain::{Environment, Product};

/// Base URLs (scheme + host [+ port]), one per product.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BaseUrls {
    urls: [(Product, String); 5],
}

impl BaseUrls {
    /// Every product at one address (the built-in sandbox serves all five on one listener).
    pub fn all_at(base: &str) -> BaseUrls {
        let base = base.trim_end_matches('/').to_owned();
        BaseUrls { urls: Product::ALL.map(|p| (p, base.clone())) }
    }

    /// The documented hosts. Faspay's production host is given to each merchant privately
    /// (faspay-ovo-tokenize.md §2), so it must be configured: `with` overrides one product.
    pub fn for_environment(environment: Environment, sandbox_base: &str) -> BaseUrls {
        match environment {
            Environment::BuiltInSandbox => BaseUrls::all_at(sandbox_base),
            Environment::ProviderSandbox => BaseUrls {
                urls: [
                    (Product::DokuSnapOvo, "https://api-sandbox.doku.com".into()),
                    (Product::DokuJokulOvoPush, "https://api-sandbox.doku.com".into()),
                    (Product::TazapayOvoIdr, "https://service-sandbox.tazapay.com".into()),
                    (Product::FaspayOvoTokenize, "https://debit-sandbox.faspay.co.id".into()),
                    (Product::OvoSnap, "https://app.byte-stack.net".into()),
                ],
            },
            Environment::Production => BaseUrls {
                urls: [
                    (Product::DokuSnapOvo, "https://api.doku.com".into()),
                    (Product::DokuJokulOvoPush, "https://api.doku.com".into()),
                    (Product::TazapayOvoIdr, "https://service.tazapay.com".into()),
                    (Product::FaspayOvoTokenize, String::new()),
                    (Product::OvoSnap, "https://apigw.ovo.id".into()),
                ],
            },
        }
    }

    pub fn with(mut self, product: Product, base: &str) -> BaseUrls {
        for (p, url) in &mut self.urls {
            if *p == product {
                *url = base.trim_end_matches('/').to_owned();
            }
        }
        self
    }

    /// Empty when not configured (Faspay production before the merchant sets it).
    pub fn get(&self, product: Product) -> &str {
        self.urls.iter().find(|(p, _)| *p == product).map(|(_, u)| u.as_str()).unwrap_or("")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn environments_map_to_the_documented_hosts() {
        let sandbox =
            BaseUrls::for_environment(Environment::BuiltInSandbox, "http://127.0.0.1:7700/");
        assert!(Product::ALL.iter().all(|p| sandbox.get(*p) == "http://127.0.0.1:7700"));
        let prod = BaseUrls::for_environment(Environment::Production, "");
        assert_eq!(prod.get(Product::OvoSnap), "https://apigw.ovo.id");
        assert_eq!(
            prod.get(Product::FaspayOvoTokenize),
            "",
            "Faspay production must be configured"
        );
        let prod = prod.with(Product::FaspayOvoTokenize, "https://web.faspay.co.id/");
        assert_eq!(prod.get(Product::FaspayOvoTokenize), "https://web.faspay.co.id");
        let test = BaseUrls::for_environment(Environment::ProviderSandbox, "");
        assert_eq!(test.get(Product::TazapayOvoIdr), "https://service-sandbox.tazapay.com");
    }
}
