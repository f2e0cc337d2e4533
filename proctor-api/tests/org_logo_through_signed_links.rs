//! The organisation logo goes into object storage and comes back only through a short-lived
//! signed link: the API redirects to it, the link serves the exact bytes (and byte ranges),
//! and a tampered or expired link is refused.

mod common;

use common::TestServer;
use serde_json::Value;

const PNG: &[u8] = &[
    0x89, b'P', b'N', b'G', b'\r', b'\n', 0x1a, b'\n', 0, 0, 0, 13, b'I', b'H', b'D', b'R', 0, 0, 0, 1, 0, 0,
    0, 1, 8, 2, 0, 0, 0, 0x90, 0x77, 0x53, 0xde,
];

#[tokio::test]
async fn logo_is_served_only_through_signed_links() {
    let srv = TestServer::start_with(|s| s.storage.link_ttl_secs = 2).await;
    let admin = srv.admin_token().await;
    let no_redirect = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();

    assert_eq!(no_redirect.get(srv.url("/api/org/logo")).send().await.unwrap().status(), 404);
    let r = srv.client.put(srv.url("/api/org/logo")).bearer_auth(&admin).body("GIF89a not a png").send().await.unwrap();
    assert_eq!(r.status(), 400);
    assert_eq!(r.json::<Value>().await.unwrap()["code"], "not_an_image");
    let r = srv.client.put(srv.url("/api/org/logo")).body(PNG).send().await.unwrap();
    assert_eq!(r.status(), 401);
    let r = srv.client.put(srv.url("/api/org/logo")).bearer_auth(&admin).body(PNG).send().await.unwrap();
    assert_eq!(r.status(), 204);

    let r = no_redirect.get(srv.url("/api/org/logo")).send().await.unwrap();
    assert_eq!(r.status(), 307);
    let link = r.headers()["location"].to_str().unwrap().to_owned();
    assert!(link.starts_with("/files/org/logo?"), "{link}");
    let r = srv.client.get(srv.url(&link)).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-type"], "image/png");
    assert_eq!(r.bytes().await.unwrap().as_ref(), PNG);
    let r = srv.client.get(srv.url(&link)).header("range", "bytes=1-3").send().await.unwrap();
    assert_eq!(r.status(), 206);
    assert_eq!(r.bytes().await.unwrap().as_ref(), b"PNG");

    // Tampering with the key or the signature is refused, and so is the link once expired.
    let other = link.replacen("/files/org/logo", "/files/org/other", 1);
    assert_eq!(srv.client.get(srv.url(&other)).send().await.unwrap().status(), 403);
    let forged = format!("{}0", link);
    assert_eq!(srv.client.get(srv.url(&forged)).send().await.unwrap().status(), 403);
    assert_eq!(srv.client.get(srv.url("/files/org/logo")).send().await.unwrap().status(), 403);
    tokio::time::sleep(std::time::Duration::from_millis(3100)).await;
    let r = srv.client.get(srv.url(&link)).send().await.unwrap();
    assert_eq!(r.status(), 403);
    assert_eq!(r.json::<Value>().await.unwrap()["code"], "forbidden");
    srv.stop().await;
}
