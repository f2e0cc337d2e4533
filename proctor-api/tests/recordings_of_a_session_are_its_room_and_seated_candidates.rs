//! Choosing an exam session in the recordings list narrows it to what belongs to the session:
//! the exam room's cameras (`room-{exam_room_id}`) and the cameras of the candidates seated
//! in it (`check-{account}`), inside the session's time window. A candidate of the same plan
//! who is not seated there, another room's camera, and media outside the window stay out,
//! for staff and for the invigilator on duty alike; playback through the session refuses
//! what the session does not cover.

mod common;
mod registration_support;

use common::TestServer;
use media_server::{Codec, MediaEvent, ParticipantId, RoomId, TrackKind};
use proctor_api::db::Db;
use registration_support::{SeatedSession, get, post, seated_session_with_invigilator};
use serde_json::{Value, json};

fn segment(room: &str, who: &str, start_ms: i64) -> MediaEvent {
    MediaEvent::RecordingSegment {
        room: RoomId::from(room),
        participant: ParticipantId::from(who),
        kind: TrackKind::Video,
        index: format!("recordings/{room}/{who}/video/index.json"),
        key: format!("recordings/{room}/{who}/video/{start_ms}.webm"),
        codec: Codec::Vp8,
        start_ms: start_ms as u64,
        end_ms: start_ms as u64 + 60_000,
        bytes: 1000,
    }
}

fn rooms_listed(list: &Value) -> Vec<(String, i64)> {
    let mut v: Vec<(String, i64)> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["room"].as_str().unwrap().to_owned(), r["segments"].as_i64().unwrap()))
        .collect();
    v.sort();
    v
}

#[tokio::test]
async fn recordings_of_a_session_are_its_room_and_seated_candidates() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().to_path_buf();
    let srv = TestServer::start_with(|s| s.data_dir = data).await;
    let admin = srv.admin_token().await;
    let staff = srv.user_with_role(&admin, "kw.recsess", "staff").await;
    let inv = srv.user_with_role(&admin, "jk.recsess", "invigilator").await;

    let SeatedSession { session, seated, unseated, .. } =
        seated_session_with_invigilator(&srv, &staff, "REC-SESS-01", &inv).await;

    // The invigilator picks from their own duties; another invigilator has none.
    let idle = srv.user_with_role(&admin, "jk.idle", "invigilator").await;
    let ids = |v: Value| v.as_array().unwrap().iter().map(|s| s["id"].as_i64().unwrap()).collect::<Vec<_>>();
    assert_eq!(ids(get(&srv, &inv, "/api/sessions").await.json().await.unwrap()), vec![session]);
    assert!(ids(get(&srv, &idle, "/api/sessions").await.json().await.unwrap()).is_empty());
    assert!(ids(get(&srv, &staff, "/api/sessions").await.json().await.unwrap()).contains(&session));
    let r = get(&srv, &idle, &format!("/api/recordings?session_id={session}")).await;
    assert_eq!(r.status(), 403, "not on duty there");

    let db = Db::connect(&Db::sqlite_url(dir.path())).await.unwrap();
    let (starts_at, exam_room): (String, i64) =
        sqlx::query_as("SELECT starts_at, exam_room_id FROM exam_session WHERE exam_session_id = $1")
            .bind(session)
            .fetch_one(&db.pool)
            .await
            .unwrap();
    let start = chrono::DateTime::parse_from_rfc3339(&starts_at).unwrap().timestamp_millis();
    let (during, before) = (start + 10 * 60_000, start - 3 * 3_600_000);
    let (seated_room, unseated_room) = (format!("check-{seated}"), format!("check-{unseated}"));
    let exam_cam_room = format!("room-{exam_room}");
    let other_cam_room = format!("room-{}", exam_room + 100);
    for ev in [
        segment(&seated_room, &format!("candidate:{seated}"), during),
        segment(&seated_room, &format!("candidate:{seated}"), before),
        segment(&unseated_room, &format!("candidate:{unseated}"), during),
        segment(&exam_cam_room, "camera:1", during),
        segment(&other_cam_room, "camera:2", during),
    ] {
        proctor_api::recording::index_event(&db, &ev).await.unwrap();
    }

    // Without a session staff see everything; with it, only the session's rooms in its window.
    let all: Value = get(&srv, &staff, "/api/recordings").await.json().await.unwrap();
    assert_eq!(all.as_array().unwrap().len(), 4, "{all}");
    assert!(all.as_array().unwrap().iter().all(|r| r["live"] == false), "nobody is publishing: {all}");
    let expected = vec![(seated_room.clone(), 1), (exam_cam_room.clone(), 1)];
    for token in [&staff, &inv] {
        let r = get(&srv, token, &format!("/api/recordings?session_id={session}")).await;
        assert_eq!(r.status(), 200);
        let mut want = expected.clone();
        want.sort();
        assert_eq!(rooms_listed(&r.json().await.unwrap()), want);
    }
    // A filter inside the session cannot reach past it.
    let r = get(&srv, &inv, &format!("/api/recordings?session_id={session}&room={unseated_room}")).await;
    assert_eq!(r.json::<Value>().await.unwrap(), json!([]));

    // Playback through the session: the seated candidate's camera plays, the other's does not.
    let play = |room: &str, who: String| {
        json!({"room": room, "participant": who, "kind": "video", "session_id": session})
    };
    let r = post(&srv, &inv, "/api/recordings/playback", play(&seated_room, format!("candidate:{seated}"))).await;
    assert_eq!(r.status(), 200, "{:?}", r.text().await);
    let plan_body: Value = r.json().await.unwrap();
    assert_eq!(plan_body["segments"].as_array().unwrap().len(), 1, "only the segment inside the window");
    let r = post(&srv, &inv, "/api/recordings/playback", play(&unseated_room, format!("candidate:{unseated}"))).await;
    assert_eq!(r.status(), 404);
    let r = post(&srv, &inv, "/api/recordings/playback", play(&other_cam_room, "camera:2".into())).await;
    assert_eq!(r.status(), 404);

    db.pool.close().await;
    srv.stop().await;
}
