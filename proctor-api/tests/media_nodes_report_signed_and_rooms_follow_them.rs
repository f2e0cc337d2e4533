//! A separate media node (`proctor media`) talks to the API with signed requests only: a
//! forged, stale or missing signature is refused; a signed heartbeat makes the node fresh and
//! media grants point browsers at it; its events fill the live directory; when it restarts
//! (new `started_at`) its rooms disappear. On PostgreSQL a second API instance sharing the
//! database sees the node, its rooms and sends browsers to the same node.

mod common;

use common::TestServer;
use proctor_api::media_node::signature;
use proctor_api::settings::Secret;
use serde_json::{Value, json};

const KEY: &str = "an-installation-secret-of-32-chars-or-more";

async fn post_signed(srv: &TestServer, path: &str, node: &str, body: &Value, key: &str, at: i64) -> reqwest::Response {
    let bytes = serde_json::to_vec(body).unwrap();
    srv.client
        .post(srv.url(path))
        .header("content-type", "application/json")
        .header(signature::NODE_HEADER, node)
        .header(signature::SIGNATURE_HEADER, signature::sign(key.as_bytes(), node, &bytes, at))
        .body(bytes)
        .send()
        .await
        .unwrap()
}

fn heartbeat(started_at: &str) -> Value {
    json!({"public_url": "http://127.0.0.1:9/media", "udp_addr": "127.0.0.1:9", "started_at": started_at, "sessions": 2, "tracks": 3})
}

async fn story(srv: &TestServer, peer: Option<&TestServer>) {
    let now = chrono::Utc::now().timestamp();
    let admin = srv.admin_token().await;

    // Refusals: no signature, wrong key, too old.
    let bare = srv.client.post(srv.url("/api/media-nodes/heartbeat")).json(&heartbeat("t0")).send().await.unwrap();
    assert_eq!(bare.status(), 401);
    let forged = post_signed(srv, "/api/media-nodes/heartbeat", "media-a", &heartbeat("t0"), "another-key-of-thirty-two-characters!!", now).await;
    assert_eq!(forged.status(), 401);
    let stale = post_signed(srv, "/api/media-nodes/heartbeat", "media-a", &heartbeat("t0"), KEY, now - 3600).await;
    assert_eq!(stale.status(), 401);
    let nodes: Value = srv.client.get(srv.url("/api/media-nodes")).bearer_auth(&admin).send().await.unwrap().json().await.unwrap();
    assert_eq!(nodes, json!([]), "refused heartbeats register nothing");

    // A good heartbeat: the node is listed as fresh and gets the candidate's room.
    let ok = post_signed(srv, "/api/media-nodes/heartbeat", "media-a", &heartbeat("t0"), KEY, now).await;
    assert_eq!(ok.status(), 204, "{}", ok.text().await.unwrap());
    let nodes: Value = srv.client.get(srv.url("/api/media-nodes")).bearer_auth(&admin).send().await.unwrap().json().await.unwrap();
    assert_eq!(nodes[0]["id"], "media-a");
    assert_eq!(nodes[0]["fresh"], true);
    assert_eq!(nodes[0]["sessions"], 2);

    let cand = srv.user_with_role(&admin, "kaosheng", "candidate").await;
    let grant: Value = srv.client.post(srv.url("/api/live/publish-token")).bearer_auth(&cand).send().await.unwrap().json().await.unwrap();
    assert_eq!(grant["signal_base"], "http://127.0.0.1:9/media", "grants send browsers to the node");
    let room = grant["room"].as_str().unwrap().to_owned();
    let identity = grant["identity"].as_str().unwrap().to_owned();

    // Events from the node show up for supervisors, attributed to it; unknown kinds are skipped.
    let events = json!({"started_at": "t0", "events": [
        {"type": "participant_joined", "room": room, "participant": identity, "session": 7, "name": "考生", "role": "publish"},
        {"type": "track_published", "room": room, "participant": identity, "track": 1, "kind": "video", "layers": ["h", "l"]},
        {"type": "something_new", "room": room},
    ]});
    let posted = post_signed(srv, "/api/media-nodes/events", "media-a", &events, KEY, now).await;
    assert_eq!(posted.status(), 204, "{}", posted.text().await.unwrap());
    let inv = srv.user_with_role(&admin, "xunkao", "supervisor").await;
    let rooms: Value = srv.client.get(srv.url("/api/live/rooms")).bearer_auth(&inv).send().await.unwrap().json().await.unwrap();
    let live = rooms.as_array().unwrap().iter().find(|r| r["room"] == room).expect("room listed");
    assert_eq!(live["node"], "media-a");
    assert_eq!(live["participants"][0]["video_tracks"], 1);

    // Another API instance on the same database agrees on the room and its node.
    if let Some(peer) = peer {
        // Sign-ins live in the shared database too, so the same tokens work there.
        let rooms: Value = peer.client.get(peer.url("/api/live/rooms")).bearer_auth(&inv).send().await.unwrap().json().await.unwrap();
        let live = rooms.as_array().unwrap().iter().find(|r| r["room"] == room).expect("room listed by the peer");
        assert_eq!(live["node"], "media-a");
        let grant: Value = peer.client.post(peer.url("/api/live/publish-token")).bearer_auth(&cand).send().await.unwrap().json().await.unwrap();
        assert_eq!(grant["signal_base"], "http://127.0.0.1:9/media");
    }

    // A late goodbye of an older session leaves the newer one alone.
    let old_left = json!({"started_at": "t0", "events": [{"type": "participant_left", "room": room, "participant": identity, "session": 6}]});
    assert_eq!(post_signed(srv, "/api/media-nodes/events", "media-a", &old_left, KEY, now).await.status(), 204);
    let rooms: Value = srv.client.get(srv.url("/api/live/rooms")).bearer_auth(&inv).send().await.unwrap().json().await.unwrap();
    assert!(rooms.as_array().unwrap().iter().any(|r| r["room"] == room), "{rooms}");

    // Forged events change nothing.
    let bogus = json!({"started_at": "t0", "events": [{"type": "participant_left", "room": room, "participant": identity, "session": 7}]});
    assert_eq!(post_signed(srv, "/api/media-nodes/events", "media-a", &bogus, "another-key-of-thirty-two-characters!!", now).await.status(), 401);
    let rooms: Value = srv.client.get(srv.url("/api/live/rooms")).bearer_auth(&inv).send().await.unwrap().json().await.unwrap();
    assert!(rooms.as_array().unwrap().iter().any(|r| r["room"] == room));

    // The node restarts: its rooms are gone until its publishers come back.
    let again = post_signed(srv, "/api/media-nodes/heartbeat", "media-a", &heartbeat("t1"), KEY, now).await;
    assert_eq!(again.status(), 204);
    let rooms: Value = srv.client.get(srv.url("/api/live/rooms")).bearer_auth(&inv).send().await.unwrap().json().await.unwrap();
    assert!(!rooms.as_array().unwrap().iter().any(|r| r["room"] == room), "{rooms}");
}

#[tokio::test]
async fn on_sqlite() {
    let srv = TestServer::start_with(|s| s.secret_key = Some(Secret(KEY.into()))).await;
    story(&srv, None).await;
    srv.stop().await;
}

#[tokio::test]
async fn on_postgres_with_two_api_instances() {
    let pg = proctor_tests::postgres::TempPostgres::start().unwrap();
    let url = pg.database("media_nodes").unwrap();
    let srv = TestServer::start_with(|s| {
        s.secret_key = Some(Secret(KEY.into()));
        s.database_url = Some(Secret(url.clone()));
    })
    .await;
    let peer = TestServer::start_with(|s| {
        s.secret_key = Some(Secret(KEY.into()));
        s.database_url = Some(Secret(url));
    })
    .await;
    story(&srv, Some(&peer)).await;
    peer.stop().await;
    srv.stop().await;
}
