//! With `tls.mode = self-signed` the platform serves HTTPS with a certificate it generated
//! into the data directory (for a LAN pilot, where phones need HTTPS for the camera), and
//! plain HTTP on that port is refused.

mod common;

use common::TestServer;
use proctor_api::settings::TlsMode;

#[tokio::test]
async fn serves_https_with_the_generated_certificate() {
    let srv = TestServer::start_with(|s| {
        s.tls.mode = TlsMode::SelfSigned;
        s.tls.hostnames = vec!["127.0.0.1".into(), "localhost".into()];
    })
    .await;
    assert!(srv.base.starts_with("https://"));
    let r = srv.client.get(srv.url("/healthz")).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.text().await.unwrap(), "ok");
    let r = srv.login("admin", common::ADMIN_PASSWORD).await;
    assert_eq!(r.status(), 200);

    let plain = srv.base.replacen("https://", "http://", 1);
    let r = reqwest::Client::new().get(format!("{plain}/healthz")).send().await;
    assert!(r.map(|r| r.status() != 200).unwrap_or(true), "plain HTTP must not be served");
    srv.stop().await;
}
