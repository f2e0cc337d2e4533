//! Recordings indexed from the recorder's announcements are listed per candidate with their
//! gaps, played through short-lived signed links by staff (audited), refused to candidates,
//! and invigilators must name a session they are on duty at.
mod common;

use common::TestServer;
use media_server::record::GapReason;
use media_server::{Codec, MediaEvent, ParticipantId, RoomId, TrackKind};
use proctor_api::db::Db;
use serde_json::{Value, json};
use storage::ObjectStore;

#[tokio::test]
async fn recordings_are_played_by_proctors_only() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().to_path_buf();
    let srv = TestServer::start_with(|s| s.data_dir = data).await;
    let admin = srv.admin_token().await;
    let staff = srv.user_with_role(&admin, "staff.rec", "staff").await;
    let cand = srv.user_with_role(&admin, "cand.rec", "candidate").await;
    let inv = srv.user_with_role(&admin, "inv.rec", "invigilator").await;
    let me: Value = srv.client.get(srv.url("/api/auth/me")).bearer_auth(&cand).send().await.unwrap().json().await.unwrap();
    let cid = me["id"].as_i64().unwrap();
    let who = format!("candidate:{cid}");
    let room = format!("check-{cid}");

    // What the recorder would have stored and announced.
    let signer = storage::UrlSigner::new(b"any-key-for-writing-0123456789", "/files").unwrap();
    let store = storage::LocalStore::open(dir.path().join("objects"), signer).await.unwrap();
    let db = Db::connect(&Db::sqlite_url(dir.path())).await.unwrap();
    let index = format!("recordings/{room}/{who}/video/index.json");
    for (start, end) in [(1_000_000u64, 1_060_000u64), (1_070_000, 1_100_000)] {
        let key = format!("recordings/{room}/{who}/video/{start}.webm");
        let body = format!("webm bytes of {start}");
        store.put_bytes(&key, body.into(), storage::PutOptions::new().content_type("video/webm")).await.unwrap();
        let ev = MediaEvent::RecordingSegment {
            room: RoomId(room.clone()),
            participant: ParticipantId(who.clone()),
            kind: TrackKind::Video,
            index: index.clone(),
            key,
            codec: Codec::Vp8,
            start_ms: start,
            end_ms: end,
            bytes: 20,
        };
        proctor_api::recording::index_event(&db, &ev).await.unwrap();
    }
    let gap = MediaEvent::RecordingGap {
        room: RoomId(room.clone()),
        participant: ParticipantId(who.clone()),
        kind: TrackKind::Video,
        index: index.clone(),
        from_ms: 1_060_000,
        to_ms: 1_070_000,
        reason: GapReason::ServerRestart,
    };
    proctor_api::recording::index_event(&db, &gap).await.unwrap();

    let list = srv.client.get(srv.url(&format!("/api/recordings?candidate_id={cid}"))).bearer_auth(&staff).send().await.unwrap();
    assert_eq!(list.status(), 200);
    let list: Value = list.json().await.unwrap();
    assert_eq!(list.as_array().unwrap().len(), 1, "{list}");
    let r = &list[0];
    assert_eq!((r["room"].as_str(), r["kind"].as_str(), r["segments"].as_i64()), (Some(room.as_str()), Some("video"), Some(2)));
    assert_eq!((r["start_ms"].as_i64(), r["end_ms"].as_i64()), (Some(1_000_000), Some(1_100_000)));
    assert_eq!(r["gaps"][0]["reason"], "server_restart");

    // Candidates never see recordings, not even their own.
    let refused = srv.client.get(srv.url("/api/recordings")).bearer_auth(&cand).send().await.unwrap();
    assert_eq!(refused.status(), 403);
    // Invigilators only for a session they are on duty at.
    let no_session = srv.client.get(srv.url("/api/recordings")).bearer_auth(&inv).send().await.unwrap();
    assert_eq!(no_session.status(), 400);
    let body: Value = no_session.json().await.unwrap();
    assert_eq!(body["field"], "session_id");

    let req = json!({"room": room, "participant": who, "kind": "video", "from_ms": 1_065_000, "to_ms": 1_100_000});
    let plan = srv.client.post(srv.url("/api/recordings/playback")).bearer_auth(&staff).json(&req).send().await.unwrap();
    assert_eq!(plan.status(), 200);
    let plan: Value = plan.json().await.unwrap();
    let segs = plan["segments"].as_array().unwrap();
    assert_eq!(segs.len(), 1, "only the segment in the range: {plan}");
    assert_eq!(plan["gaps"].as_array().unwrap().len(), 1);
    let url = segs[0]["url"].as_str().unwrap();
    assert!(url.contains("expires") || url.contains("sig") || url.contains('?'), "a signed link: {url}");
    let got = srv.client.get(srv.url(url)).send().await.unwrap();
    assert_eq!(got.status(), 200);
    assert_eq!(got.text().await.unwrap(), "webm bytes of 1070000");
    let forged = srv.client.get(srv.url(&url.replace("1070000.webm", "1000000.webm"))).send().await.unwrap();
    assert_eq!(forged.status(), 403, "a link opens only its own object");
    let cand_play = srv.client.post(srv.url("/api/recordings/playback")).bearer_auth(&cand).json(&req).send().await.unwrap();
    assert_eq!(cand_play.status(), 403);

    let audit: Value = srv
        .client
        .get(srv.url("/api/audit?target_kind=recording"))
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let events = audit.as_array().unwrap();
    assert_eq!(events.len(), 1, "one audited playback: {audit}");
    assert_eq!(events[0]["action"], "recording.play");
    db.pool.close().await;
    srv.stop().await;
}
