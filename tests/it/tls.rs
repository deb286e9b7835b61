//! The RPC target over TLS: `https://` and `wss://` to a real anvil behind a TLS proxy
//! made here, with a certificate for localhost from a test CA (tests/fixtures/tls),
//! trusted through `SSL_CERT_FILE` as a user trusts a private CA; without it the node is
//! refused with an error that says so.

use std::{path::PathBuf, process::Command, sync::Arc};

use gasbench::{
    runner::{RunOptions, run},
    targets::rpc,
};
use tokio::net::{TcpListener, TcpStream};
use tokio_rustls::{
    TlsAcceptor,
    rustls::{self, ServerConfig},
};
use tokio_util::sync::CancellationToken;

use crate::{anvil::Anvil, root, scenario, small};

const NAME: &str = "tls::https_and_wss_nodes_are_benchmarked_like_plain_ones";

fn fixture(name: &str) -> PathBuf {
    root().join("tests/fixtures/tls").join(name)
}

/// Listens on a free 127.0.0.1 port and forwards each TLS connection, decrypted, to
/// `upstream`; returns the port.
async fn tls_proxy(upstream: u16) -> u16 {
    use rustls_pki_types::{CertificateDer, PrivateKeyDer, pem::PemObject};
    let certs: Vec<CertificateDer<'static>> =
        CertificateDer::pem_file_iter(fixture("localhost.pem")).unwrap().map(Result::unwrap).collect();
    let key = PrivateKeyDer::from_pem_file(fixture("localhost.key")).unwrap();
    let config = ServerConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(certs, key)
        .unwrap();
    let acceptor = TlsAcceptor::from(Arc::new(config));
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        while let Ok((tcp, _)) = listener.accept().await {
            let acceptor = acceptor.clone();
            tokio::spawn(async move {
                let (Ok(mut tls), Ok(mut node)) =
                    (acceptor.accept(tcp).await, TcpStream::connect(("127.0.0.1", upstream)).await)
                else {
                    return;
                };
                let _ = tokio::io::copy_bidirectional(&mut tls, &mut node).await;
            });
        }
    });
    port
}

#[test]
fn https_and_wss_nodes_are_benchmarked_like_plain_ones() {
    let ca = fixture("ca.pem");
    // The trust store is read from the environment: this test runs again in a child
    // process that trusts the test CA (setting a variable in a running test process is
    // unsound).
    if std::env::var_os("SSL_CERT_FILE").is_none_or(|v| v != ca.as_os_str()) {
        // Here the test CA is not trusted: the node is refused, and the error says what
        // to do.
        let rt = tokio::runtime::Runtime::new().unwrap();
        let port = rt.block_on(tls_proxy(crate::anvil::free_port()));
        let client = rpc::Client::new(&format!("https://localhost:{port}"), 1, rpc::SEND_TIMEOUT);
        let e = rt.block_on(rpc::probe(&client, None)).unwrap_err();
        assert!(e.to_string().contains("invalid peer certificate: UnknownIssuer"), "{e}");
        assert!(e.hint().contains("SSL_CERT_FILE"), "{}", e.hint());
        let exe = std::env::current_exe().unwrap();
        let status = Command::new(exe).args(["--exact", NAME, "--nocapture"]).env("SSL_CERT_FILE", &ca).status();
        assert!(status.unwrap().success(), "the test failed in its child process (output above)");
        return;
    }
    let node = Anvil::start(&["--block-time", "1"]);
    let rt = tokio::runtime::Runtime::new().unwrap();
    let port = rt.block_on(tls_proxy(node.port()));
    let target = format!("{{kind: rpc, http: \"https://localhost:{port}\", ws: \"wss://localhost:{port}\"}}");
    let s = scenario(&small(100, "2s", &format!("target: {target}\n")));
    let r = rt.block_on(run(&s, &RunOptions::default(), CancellationToken::new())).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(r.reconciliation.verdict, gasbench::report::Verdict::Pass, "{:?}", r.reconciliation);
    assert_eq!(r.effects.verdict, "pass", "{:?}", r.effects);
    assert_eq!((r.accounting.sent, r.accounting.included), (200, 200), "{:?}", r.accounting);
    let how = r.target.notes.join("\n");
    assert!(how.contains("anvil/v1.7.1") && how.contains("newHeads over wss://localhost"), "{how}");
    assert!(r.target.errors.is_empty() && r.run.fault.is_none(), "{:?}", r.target.errors);
}
