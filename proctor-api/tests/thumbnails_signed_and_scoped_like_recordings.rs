//! Thumbnails indexed from the thumbnailer's announcements: staff list a candidate's strip
//! oldest first with signed links that fetch the JPEGs; invigilators must name a session
//! they are on duty at and see only its window; others and candidates are refused. The wall
//! gets each participant's newest picture of a live room (invigilators: on duty there).
mod common;
mod registration_support;

use common::TestServer;
use media_server::{MediaEvent, ParticipantId, RoomId};
use proctor_api::db::Db;
use registration_support::*;
use serde_json::{Value, json};
use storage::ObjectStore;

fn jpeg(shade: u8) -> Vec<u8> {
    let img = image::RgbImage::from_fn(32, 18, |x, _| image::Rgb([shade, (x * 8) as u8, 255 - shade]));
    let mut out = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 80).encode_image(&img).unwrap();
    out
}

fn ms(rfc3339: &str) -> u64 {
    chrono::DateTime::parse_from_rfc3339(rfc3339).unwrap().timestamp_millis() as u64
}

async fn list(srv: &TestServer, token: &str, query: &str) -> reqwest::Response {
    srv.client.get(srv.url(&format!("/api/recordings/thumbnails?{query}"))).bearer_auth(token).send().await.unwrap()
}

#[tokio::test]
async fn thumbnails_signed_and_scoped_like_recordings() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().to_path_buf();
    let srv = TestServer::start_with(|s| s.data_dir = data).await;
    let admin = srv.admin_token().await;
    let staff = srv.user_with_role(&admin, "staff.thumb", "staff").await;
    let inv = srv.user_with_role(&admin, "inv.thumb", "invigilator").await;
    let idle_inv = srv.user_with_role(&admin, "inv2.thumb", "invigilator").await;

    // A session (2026-12-20 09:00–10:30 +08:00) with a seated candidate and the first
    // invigilator on duty.
    let plan = open_plan(&srv, &staff, "THUMB-01", "warn").await;
    let session = session_with_room(&srv, &staff, plan, 1).await;
    let cand = approved_candidate(&srv, &staff, plan, 0).await;
    let r = post(&srv, &staff, &format!("/api/plans/{plan}/seating"), json!({})).await;
    assert_eq!(r.status(), 200, "{:?}", r.text().await);
    let me: Value = get(&srv, &cand, "/api/auth/me").await.json().await.unwrap();
    let cid = me["id"].as_i64().unwrap();
    let (who, room) = (format!("candidate:{cid}"), format!("check-{cid}"));
    let inv_me: Value = get(&srv, &inv, "/api/auth/me").await.json().await.unwrap();
    let r = post(&srv, &staff, &format!("/api/sessions/{session}/staff"), json!({
        "account_id": inv_me["id"], "duty": "invigilator", "work_unit": "贵州省职业技能鉴定中心", "qualification_no": ""
    }))
    .await;
    assert_eq!(r.status(), 201, "{:?}", r.text().await);

    // What the thumbnailer would have stored and announced: one the day before, three
    // during the session.
    let signer = storage::UrlSigner::new(b"any-key-for-writing-0123456789", "/files").unwrap();
    let store = storage::LocalStore::open(dir.path().join("objects"), signer).await.unwrap();
    let db = Db::connect(&Db::sqlite_url(dir.path())).await.unwrap();
    let times = [ms("2026-12-19T09:00:00+08:00"), ms("2026-12-20T09:00:30+08:00"), ms("2026-12-20T09:01:00+08:00"), ms("2026-12-20T09:01:30+08:00")];
    for (i, at) in times.iter().enumerate() {
        let key = format!("thumbs/{room}/{who}/{at}.jpg");
        store.put_bytes(&key, jpeg(i as u8 * 60).into(), storage::PutOptions::new().content_type("image/jpeg")).await.unwrap();
        let ev = MediaEvent::Thumbnail {
            room: RoomId(room.clone()),
            participant: ParticipantId(who.clone()),
            key,
            at_ms: *at,
            width: 32,
            height: 18,
        };
        proctor_api::recording::index_event(&db, &ev).await.unwrap();
        // Announced twice (a node resending): still one row.
        proctor_api::recording::index_event(&db, &ev).await.unwrap();
    }

    // Another room's camera during the session: not the session's.
    let other = MediaEvent::Thumbnail {
        room: RoomId::from("room-999"),
        participant: ParticipantId::from("camera:9"),
        key: format!("thumbs/room-999/camera:9/{}.jpg", times[2]),
        at_ms: times[2],
        width: 32,
        height: 18,
    };
    proctor_api::recording::index_event(&db, &other).await.unwrap();

    let r = list(&srv, &staff, &format!("candidate_id={cid}")).await;
    assert_eq!(r.status(), 200);
    let all: Value = r.json().await.unwrap();
    let all = all.as_array().unwrap();
    let at: Vec<u64> = all.iter().map(|t| t["at_ms"].as_u64().unwrap()).collect();
    assert_eq!(at, times, "every thumbnail once, oldest first");
    assert_eq!((all[0]["room"].as_str(), all[0]["participant"].as_str()), (Some(room.as_str()), Some(who.as_str())));
    assert_eq!((all[0]["width"].as_i64(), all[0]["height"].as_i64(), all[0]["candidate_id"].as_i64()), (Some(32), Some(18), Some(cid)));
    for t in all {
        let got = srv.client.get(srv.url(t["url"].as_str().unwrap())).send().await.unwrap();
        assert_eq!(got.status(), 200);
        let bytes = got.bytes().await.unwrap();
        let img = image::load_from_memory_with_format(&bytes, image::ImageFormat::Jpeg).unwrap();
        assert_eq!((img.width(), img.height()), (32, 18));
    }
    let window = list(&srv, &staff, &format!("room={room}&participant={who}&from_ms={}&to_ms={}&limit=1", times[1], times[3])).await;
    let window: Value = window.json().await.unwrap();
    assert_eq!(window.as_array().unwrap().len(), 1);
    assert_eq!(window[0]["at_ms"].as_u64(), Some(times[1]));
    let bad = list(&srv, &staff, "limit=0").await;
    assert_eq!(bad.status(), 400);
    assert_eq!(bad.json::<Value>().await.unwrap()["field"], "limit");

    // Invigilators: only with a session they are on duty at, only its window.
    let r = list(&srv, &inv, &format!("candidate_id={cid}")).await;
    assert_eq!(r.status(), 400);
    assert_eq!(r.json::<Value>().await.unwrap()["field"], "session_id");
    let r = list(&srv, &inv, &format!("candidate_id={cid}&session_id={session}")).await;
    assert_eq!(r.status(), 200);
    let in_session: Value = r.json().await.unwrap();
    let at: Vec<u64> = in_session.as_array().unwrap().iter().map(|t| t["at_ms"].as_u64().unwrap()).collect();
    assert_eq!(at, times[1..], "only the session's time");
    let r = list(&srv, &inv, &format!("session_id={session}")).await;
    let rooms: Vec<String> = r.json::<Value>().await.unwrap().as_array().unwrap().iter().map(|t| t["room"].as_str().unwrap().to_owned()).collect();
    assert_eq!(rooms, vec![room.clone(); 3], "only the session's rooms, not another room's camera");
    let all_rooms = list(&srv, &staff, &format!("from_ms={}&to_ms={}", times[2], times[2])).await.json::<Value>().await.unwrap();
    assert_eq!(all_rooms.as_array().unwrap().len(), 2, "staff without a session see every room");
    assert_eq!(list(&srv, &idle_inv, &format!("candidate_id={cid}&session_id={session}")).await.status(), 403);
    // Candidates never, not even their own.
    assert_eq!(list(&srv, &cand, &format!("candidate_id={cid}")).await.status(), 403);

    // The wall: the newest picture of each participant of the room.
    let live = srv.client.get(srv.url(&format!("/api/live/thumbnails?room={room}"))).bearer_auth(&inv).send().await.unwrap();
    assert_eq!(live.status(), 200);
    let live: Value = live.json().await.unwrap();
    assert_eq!(live.as_array().unwrap().len(), 1, "{live}");
    assert_eq!(live[0]["at_ms"].as_u64(), Some(times[3]));
    let got = srv.client.get(srv.url(live[0]["url"].as_str().unwrap())).send().await.unwrap();
    assert_eq!(&got.bytes().await.unwrap()[..2], &[0xff, 0xd8]);
    let r = srv.client.get(srv.url(&format!("/api/live/thumbnails?room={room}"))).bearer_auth(&cand).send().await.unwrap();
    assert_eq!(r.status(), 403);
    let r = srv.client.get(srv.url(&format!("/api/live/thumbnails?room={room}"))).bearer_auth(&idle_inv).send().await.unwrap();
    assert_eq!(r.status(), 403, "an invigilator off duty does not see the room's pictures");
    assert_eq!(r.json::<Value>().await.unwrap()["code"], "not_on_duty");
    let r = srv.client.get(srv.url("/api/live/thumbnails?room=a%20b")).bearer_auth(&staff).send().await.unwrap();
    assert_eq!(r.status(), 400);

    let audit: Value = get(&srv, &admin, "/api/audit?target_kind=recording").await.json().await.unwrap();
    let viewed = audit.as_array().unwrap().iter().filter(|e| e["action"] == "recording.thumbnails").count();
    assert_eq!(viewed, 5, "each strip shown is audited: {audit}");
    db.pool.close().await;
    srv.stop().await;
}
