//! The transport against real local servers: how each failure is classified for reads and
//! writes, and how HTTPS certificates are trusted or refused.
#![allow(clippy::unwrap_used)]

use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;
use std::time::Duration;

use ovo_domain::Product;
use ovo_providers::transport::{Call, Transport};
use ovo_providers::{ExtraRoots, Operation, ProviderError, UnknownCause};
use ovo_test_support::sim;
use ovo_test_support::{Answer, Receiver};

const SHORT: Duration = Duration::from_millis(300);

const OK: &str = "{\"ok\":true}";

/// Answers `/slow` after 2 s, `/fail` 503 for the first `fails` calls then 200, `/ok` 200.
async fn server(fails: u32) -> Receiver {
    let failed = AtomicU32::new(0);
    Receiver::scripted(move |hit| match hit.path() {
        "/ok" => Answer::ok(OK),
        "/slow" => Answer::ok("late").delayed(Duration::from_secs(2)),
        "/fail" if failed.fetch_add(1, Ordering::SeqCst) < fails => Answer::new(503, "down"),
        "/fail" => Answer::ok(OK),
        _ => Answer::status(404),
    })
    .await
}

/// How many calls reached `/fail`.
fn calls(server: &Receiver) -> usize {
    server.hits().iter().filter(|h| h.path() == "/fail").count()
}

/// Accepts, reads the request, and closes without answering.
async fn dropper() -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move {
        while let Ok((socket, _)) = listener.accept().await {
            let mut buf = [0u8; 4096];
            if socket.readable().await.is_ok() {
                let _ = socket.try_read(&mut buf);
            }
            drop(socket);
        }
    });
    url
}

fn transport() -> Transport {
    Transport::new(Product::OvoSnap)
}

/// An unknown outcome of `operation` at the transport's product.
fn unknown(operation: Operation, cause: UnknownCause) -> ProviderError {
    ProviderError::unknown_outcome(Product::OvoSnap, operation, cause)
}

/// What a POST to `url` under `call` fails with.
async fn post_error(call: Call, url: &str) -> ProviderError {
    transport().send(call, |c| c.post(url)).await.unwrap_err()
}

#[tokio::test]
async fn a_refused_connection_is_a_connection_error_for_writes_too() {
    let closed = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap().local_addr().unwrap();
    let url = format!("http://{closed}/pay");
    let err = post_error(Call::write(Operation::Pay, SHORT), &url).await;
    assert!(matches!(err, ProviderError::Connection { operation: Operation::Pay, .. }), "{err:?}");
}

#[tokio::test]
async fn a_write_that_times_out_has_an_unknown_outcome_and_a_read_a_timeout() {
    let url = server(0).await.url("");
    let slow = format!("{url}/slow");
    let err = post_error(Call::write(Operation::Pay, SHORT), &slow).await;
    assert_eq!(err, unknown(Operation::Pay, UnknownCause::Timeout));
    assert!(err.is_unknown_outcome());
    let err = post_error(Call::read(Operation::Status, SHORT), &slow).await;
    assert_eq!(
        err,
        ProviderError::Timeout { product: Product::OvoSnap, operation: Operation::Status }
    );
}

#[tokio::test]
async fn a_lost_answer_to_a_write_is_unknown() {
    let url = format!("{}/pay", dropper().await);
    let err = post_error(Call::write(Operation::Refund, SHORT), &url).await;
    assert_eq!(err, unknown(Operation::Refund, UnknownCause::ConnectionLost));
}

#[tokio::test]
async fn writes_are_never_retried_and_a_5xx_leaves_them_unknown() {
    let backend = server(5).await;
    let fail = backend.url("/fail");
    let err = post_error(Call::write(Operation::Pay, SHORT), &fail).await;
    assert_eq!(err, unknown(Operation::Pay, UnknownCause::ServerError { status: 503 }));
    assert_eq!(calls(&backend), 1, "sent exactly once");
}

#[tokio::test]
async fn reads_are_retried_through_5xx_and_give_up_as_unavailable() {
    let backend = server(2).await;
    let fail = backend.url("/fail");
    let reply =
        transport().send(Call::read(Operation::Status, SHORT), |c| c.post(&fail)).await.unwrap();
    assert_eq!((reply.status, calls(&backend)), (200, 3));

    let backend = server(10).await;
    let fail = backend.url("/fail");
    let err = post_error(Call::read(Operation::Balance, SHORT), &fail).await;
    assert_eq!(err, ProviderError::Unavailable { product: Product::OvoSnap, status: 503 });
    assert_eq!(calls(&backend), 3, "one try and two retries");
}

#[tokio::test]
async fn an_unreadable_answer_is_unknown_for_writes_and_malformed_for_reads() {
    let url = server(0).await.url("");
    let ok = format!("{url}/ok");
    let t = transport();
    let write = Call::write(Operation::Pay, SHORT);
    let reply = t.send(write, |c| c.post(&ok)).await.unwrap();
    #[derive(Debug, serde::Deserialize)]
    struct Needs {
        #[allow(dead_code)]
        reference_no: String,
    }
    let err = t.json::<Needs>(write, &reply).unwrap_err();
    assert!(
        matches!(&err, ProviderError::UnknownOutcome { cause: UnknownCause::MalformedReply { detail }, .. } if detail.contains("reference_no")),
        "{err:?}"
    );
    let err = t.json::<Needs>(Call::read(Operation::Status, SHORT), &reply).unwrap_err();
    assert!(
        matches!(&err, ProviderError::MalformedReply { detail, .. } if detail.contains("reference_no")),
        "{err:?}"
    );
}

/// An HTTPS sandbox presenting `served`, behind a loopback TCP relay that counts connections
/// (a refused handshake leaves no trace in the sandbox's journal, so the relay counts tries).
async fn https_behind_counter(
    served: ovo_sandbox::ServedCertificate,
) -> (ovo_sandbox::RunningSandbox, String, Arc<AtomicU32>) {
    let config = ovo_sandbox::SandboxConfig {
        merchants: ovo_sandbox::Merchants::parse("").unwrap(),
        time_scale: ovo_sandbox::TimeScale::parse("0.001").unwrap(),
        ..ovo_sandbox::SandboxConfig::default()
    };
    let sb = ovo_sandbox::start_tls(config, sim::loopback(), served).await.unwrap();
    let target = sb.addr;
    let relay = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("https://{}", relay.local_addr().unwrap());
    let connections = Arc::new(AtomicU32::new(0));
    let counter = connections.clone();
    tokio::spawn(async move {
        while let Ok((mut inbound, _)) = relay.accept().await {
            counter.fetch_add(1, Ordering::SeqCst);
            tokio::spawn(async move {
                if let Ok(mut outbound) = tokio::net::TcpStream::connect(target).await {
                    let _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound).await;
                }
            });
        }
    });
    (sb, url, connections)
}

#[tokio::test]
async fn an_untrusted_certificate_is_its_own_problem_never_unknown_and_never_retried() {
    let (sb, url, connections) = https_behind_counter(ovo_sandbox::ServedCertificate::Valid).await;
    let health = format!("{url}/_sandbox/health");
    for call in [Call::write(Operation::Pay, SHORT), Call::read(Operation::Status, SHORT)] {
        let before = connections.load(Ordering::SeqCst);
        let err = transport().send(call, |c| c.post(&health)).await.unwrap_err();
        assert_eq!(
            err,
            ProviderError::Certificate {
                product: Product::OvoSnap,
                operation: call.operation,
                detail: "issued by an authority this computer does not trust".into()
            }
        );
        assert!(!err.is_unknown_outcome());
        assert_eq!(
            connections.load(Ordering::SeqCst),
            before + 1,
            "{:?}: one try, no retry",
            call.effect
        );
    }
    assert!(sb.ctx.journal().received(None).is_empty(), "nothing reached the sandbox");

    // Trusted through extra roots, the same host answers.
    let roots = ExtraRoots::from_pem(sb.ca_pem().unwrap()).unwrap();
    let trusting = Transport::with_roots(Product::OvoSnap, &roots);
    let reply =
        trusting.send(Call::read(Operation::Status, SHORT), |c| c.get(&health)).await.unwrap();
    assert_eq!((reply.status, reply.body.as_str()), (200, "{\"ok\":true}"));
}

#[tokio::test]
async fn expired_and_misnamed_certificates_are_refused_even_from_a_trusted_ca() {
    for (served, words) in [
        (ovo_sandbox::ServedCertificate::Expired, "expired"),
        (ovo_sandbox::ServedCertificate::WrongName, "issued for another host name"),
    ] {
        let (sb, url, connections) = https_behind_counter(served).await;
        let trusting = Transport::with_roots(
            Product::TazapayOvoIdr,
            &ExtraRoots::from_pem(sb.ca_pem().unwrap()).unwrap(),
        );
        let err = trusting
            .send(Call::write(Operation::Refund, SHORT), |c| {
                c.post(format!("{url}/_sandbox/health"))
            })
            .await
            .unwrap_err();
        assert_eq!(
            err,
            ProviderError::Certificate {
                product: Product::TazapayOvoIdr,
                operation: Operation::Refund,
                detail: words.into()
            }
        );
        assert_eq!(connections.load(Ordering::SeqCst), 1);
    }
}

#[test]
fn extra_roots_must_be_pem_certificates() {
    assert!(ExtraRoots::from_pem("").unwrap_err().contains("BEGIN CERTIFICATE"));
    assert!(ExtraRoots::from_pem("not a certificate").is_err());
    assert!(ExtraRoots::default().is_empty());
}
