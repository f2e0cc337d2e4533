//! Media tokens minted by the API are what the in-process SFU (nested at `/media`) accepts:
//! a candidate gets a publish token for their own camera-check room only, a supervisor on
//! patrol gets watch tokens for any room (an invigilator only for their duties, see
//! `live_watch_follows_invigilator_duty`), and a forged or tampered token is refused by the
//! media endpoints.

mod common;

use common::TestServer;
use serde_json::{Value, json};

#[tokio::test]
async fn tokens_are_scoped_and_checked_by_the_media_node() {
    let srv = TestServer::start(None).await;
    let admin = srv.admin_token().await;
    let cand = srv.user_with_role(&admin, "cand.one", "candidate").await;
    let inv = srv.user_with_role(&admin, "sup.one", "supervisor").await;
    let me: Value = srv.client.get(srv.url("/api/auth/me")).bearer_auth(&cand).send().await.unwrap().json().await.unwrap();

    let grant: Value = srv
        .client
        .post(srv.url("/api/live/publish-token"))
        .bearer_auth(&cand)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(grant["room"], format!("check-{}", me["id"]));
    assert_eq!(grant["identity"], format!("candidate:{}", me["id"]));
    assert_eq!(grant["signal_base"], "/media");
    let token = grant["token"].as_str().unwrap();

    // The SFU takes the token (the offer itself is nonsense, so it fails later, not at auth).
    let whip = |tok: &str| {
        srv.client
            .post(srv.url("/media/whip"))
            .bearer_auth(tok)
            .header("content-type", "application/sdp")
            .body("v=0\r\n")
            .send()
    };
    let r = whip(token).await.unwrap();
    assert!(![401, 403].contains(&r.status().as_u16()), "valid token refused: {}", r.status());

    // Tampered claims (another room) and forged tokens are refused.
    let (body, sig) = token.split_once('.').unwrap();
    use base64::Engine;
    let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let mut claims: Value = serde_json::from_slice(&b64.decode(body).unwrap()).unwrap();
    claims["room"] = json!("exam-room-1");
    let tampered = format!("{}.{sig}", b64.encode(claims.to_string()));
    assert_eq!(whip(&tampered).await.unwrap().status(), 401);
    assert_eq!(whip("forged.token").await.unwrap().status(), 401);

    // A publish token cannot open a wall; a proctor's wall token is accepted there.
    let wall = |tok: &str| {
        srv.client
            .post(srv.url("/media/wall"))
            .bearer_auth(tok)
            .header("content-type", "application/sdp")
            .body("v=0\r\n")
            .send()
    };
    assert!([401, 403].contains(&wall(token).await.unwrap().status().as_u16()));
    let room = grant["room"].as_str().unwrap();
    let watch: Value = srv
        .client
        .post(srv.url("/api/live/watch-token"))
        .bearer_auth(&inv)
        .json(&json!({"room": room, "kind": "wall"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let r = wall(watch["token"].as_str().unwrap()).await.unwrap();
    assert!(![401, 403].contains(&r.status().as_u16()), "wall token refused: {}", r.status());

    // Room names are validated.
    let r = srv
        .client
        .post(srv.url("/api/live/watch-token"))
        .bearer_auth(&inv)
        .json(&json!({"room": "../etc", "kind": "view"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    assert_eq!(r.json::<Value>().await.unwrap()["field"], "room");
    srv.stop().await;
}

/// A candidate's screen share and side camera are separate identities in the same room, so
/// they never replace the main camera; an unknown source is refused by field.
#[tokio::test]
async fn screen_and_side_camera_publish_under_their_own_identities() {
    let srv = TestServer::start(None).await;
    let admin = srv.admin_token().await;
    let cand = srv.user_with_role(&admin, "cand.two", "candidate").await;
    let me: Value = srv.client.get(srv.url("/api/auth/me")).bearer_auth(&cand).send().await.unwrap().json().await.unwrap();
    let id = &me["id"];
    let publish = |source: &'static str| {
        srv.client.post(srv.url(&format!("/api/live/publish-token?source={source}"))).bearer_auth(&cand).send()
    };
    for (source, identity) in [
        ("camera", format!("candidate:{id}")),
        ("screen", format!("candidate:{id}:screen")),
        ("side", format!("candidate:{id}:side")),
    ] {
        let r = publish(source).await.unwrap();
        assert_eq!(r.status(), 200, "{source}");
        let grant: Value = r.json().await.unwrap();
        assert_eq!(grant["identity"], identity);
        assert_eq!(grant["room"], format!("check-{id}"), "every source goes to the candidate's own room");
    }
    assert_eq!(proctor_api::live::candidate_of(&format!("candidate:{id}:screen")), id.as_i64());
    assert_eq!(proctor_api::live::candidate_of("camera:3"), None);

    let r = publish("desk").await.unwrap();
    assert_eq!(r.status(), 400);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["field"], "source");
    assert!(body["message"]["zh"].as_str().unwrap().contains("来源"), "{body}");
    assert!(body["message"]["en"].as_str().unwrap().contains("Source"), "{body}");

    // Only candidates publish, whatever the source.
    let sup = srv.user_with_role(&admin, "sup.two", "supervisor").await;
    let r = srv.client.post(srv.url("/api/live/publish-token?source=screen")).bearer_auth(&sup).send().await.unwrap();
    assert_eq!(r.status(), 403);
    srv.stop().await;
}
