//! HTTPS for the sandbox: a test CA and a server certificate signed by it, generated at start
//! (nothing on disk). Clients trust the CA's PEM ([`TestCa::ca_pem`]) to reach the sandbox.

use std::sync::Arc;

use anyhow::{Context, Result};
use chrono::{DateTime, Datelike, TimeDelta, Utc};
use rcgen::{
    BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, KeyPair,
    KeyUsagePurpose,
};

/// The server certificate the sandbox presents.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ServedCertificate {
    /// For 127.0.0.1, ::1 and localhost, valid for 30 days from a day ago.
    #[default]
    Valid,
    /// For the loopback names, but it expired yesterday (for certificate drills).
    Expired,
    /// Valid, but for `elsewhere.invalid` only (for certificate drills).
    WrongName,
}

/// A CA made at start-up and the server certificate it signed.
#[derive(Debug)]
pub struct TestCa {
    ca_pem: String,
    leaf_der: Vec<u8>,
    leaf_key_der: Vec<u8>,
}

impl TestCa {
    pub fn generate(served: ServedCertificate) -> Result<TestCa> {
        let now = super::clock::now();
        // rcgen takes a validity bound as a calendar date (its start, UTC).
        let start_of_day = |at: DateTime<Utc>| {
            let (month, day) = (u8::try_from(at.month()), u8::try_from(at.day()));
            rcgen::date_time_ymd(at.year(), month.unwrap_or(1), day.unwrap_or(1))
        };
        let ca_key = KeyPair::generate().context("generating the test CA key")?;
        let mut ca = CertificateParams::new(Vec::<String>::new())?;
        ca.distinguished_name.push(DnType::CommonName, "ovo-sandbox test CA");
        ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        ca.key_usages = vec![
            KeyUsagePurpose::KeyCertSign,
            KeyUsagePurpose::CrlSign,
            KeyUsagePurpose::DigitalSignature,
        ];
        ca.not_before = start_of_day(now - TimeDelta::days(2));
        ca.not_after = start_of_day(now + TimeDelta::days(365));
        let ca = ca.self_signed(&ca_key).context("signing the test CA")?;

        let names: Vec<String> = match served {
            ServedCertificate::WrongName => vec!["elsewhere.invalid".into()],
            _ => vec!["127.0.0.1".into(), "::1".into(), "localhost".into()],
        };
        let leaf_key = KeyPair::generate().context("generating the server key")?;
        let mut leaf = CertificateParams::new(names)?;
        leaf.distinguished_name.push(DnType::CommonName, "ovo-sandbox");
        leaf.is_ca = IsCa::ExplicitNoCa;
        leaf.key_usages = vec![KeyUsagePurpose::DigitalSignature];
        leaf.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
        leaf.use_authority_key_identifier_extension = true;
        let (from, until) = match served {
            ServedCertificate::Expired => (now - TimeDelta::days(30), now - TimeDelta::days(1)),
            _ => (now - TimeDelta::days(1), now + TimeDelta::days(30)),
        };
        (leaf.not_before, leaf.not_after) = (start_of_day(from), start_of_day(until));
        let leaf =
            leaf.signed_by(&leaf_key, &ca, &ca_key).context("signing the server certificate")?;
        Ok(TestCa {
            ca_pem: ca.pem(),
            leaf_der: leaf.der().to_vec(),
            leaf_key_der: leaf_key.serialize_der(),
        })
    }

    /// The CA certificate (PEM) a client trusts to reach this sandbox.
    pub fn ca_pem(&self) -> &str {
        &self.ca_pem
    }

    /// rustls (ring) server configuration presenting the server certificate.
    pub fn server_config(&self) -> Result<Arc<rustls::ServerConfig>> {
        use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(self.leaf_key_der.clone()));
        let mut config = rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()?
            .with_no_client_auth()
            .with_single_cert(vec![CertificateDer::from(self.leaf_der.clone())], key)?;
        config.alpn_protocols = vec![b"http/1.1".to_vec()];
        Ok(Arc::new(config))
    }
}
