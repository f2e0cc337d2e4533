//! WHIP/WHEP/wall endpoints refuse requests without a valid token for the right role.

use axum::body::Body;
use axum::http::{Request, StatusCode};
use media_server::{MediaClaims, MediaRole, MediaSettings, token};
use tower::ServiceExt;

const KEY: &[u8] = b"http-test-key-0123456789";

fn now() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64
}

fn tok(role: MediaRole, exp: i64, key: &[u8]) -> String {
    let c = MediaClaims { room: "r1".into(), sub: "candidate:1".into(), name: "c".into(), role, exp };
    token::sign(&c, key)
}

async fn post(router: &axum::Router, path: &str, token: Option<&str>) -> StatusCode {
    let mut req = Request::post(path).header("content-type", "application/sdp");
    if let Some(t) = token {
        req = req.header("authorization", format!("Bearer {t}"));
    }
    router.clone().oneshot(req.body(Body::from("v=0\r\n")).unwrap()).await.unwrap().status()
}

#[tokio::test]
async fn http_refuses_bad_tokens() {
    let server = media_server::start(MediaSettings::new("127.0.0.1:0".parse().unwrap(), KEY))
        .await
        .unwrap();
    let r = server.router();
    let later = now() + 600;

    assert_eq!(post(&r, "/whip", None).await, StatusCode::UNAUTHORIZED);
    assert_eq!(post(&r, "/whip", Some("garbage")).await, StatusCode::UNAUTHORIZED);
    assert_eq!(post(&r, "/whip", Some(&tok(MediaRole::Publish, now() - 1, KEY))).await, StatusCode::UNAUTHORIZED);
    assert_eq!(post(&r, "/whip", Some(&tok(MediaRole::Publish, later, b"another-key-0123456789"))).await, StatusCode::UNAUTHORIZED);
    assert_eq!(post(&r, "/whip", Some(&tok(MediaRole::View, later, KEY))).await, StatusCode::FORBIDDEN);
    assert_eq!(post(&r, "/wall", Some(&tok(MediaRole::Publish, later, KEY))).await, StatusCode::FORBIDDEN);
    assert_eq!(post(&r, "/whep/candidate:2", Some(&tok(MediaRole::View, later, KEY))).await, StatusCode::NOT_FOUND);
    // A valid token gets past auth to SDP parsing.
    assert_eq!(post(&r, "/whip", Some(&tok(MediaRole::Publish, later, KEY))).await, StatusCode::BAD_REQUEST);
    server.shutdown().await;
}

#[test]
fn settings_debug_hides_secrets() {
    let mut s = MediaSettings::new("127.0.0.1:0".parse().unwrap(), KEY);
    s.turn = Some(media_server::TurnSettings { urls: vec!["turn:x".into()], shared_secret: "topsecret".into(), ttl_secs: 60 });
    let d = format!("{s:?}");
    assert!(!d.contains("topsecret") && !d.contains("http-test-key"), "{d}");
}
