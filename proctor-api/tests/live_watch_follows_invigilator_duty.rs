//! An invigilator gets watch tokens only for what they look after: the exam room of a
//! session they are on duty at (`room-{exam_room}`, its cameras) and the cameras of the
//! candidates seated in it (`check-{account}`). A candidate of the same plan seated nowhere,
//! another exam room and an invigilator without duty are refused; a supervisor on patrol
//! watches any room.

mod common;
mod registration_support;

use common::TestServer;
use registration_support::{SeatedSession, get, post, seated_session_with_invigilator};
use serde_json::{Value, json};

async fn watch(srv: &TestServer, token: &str, room: String) -> u16 {
    let body = json!({"room": room, "kind": "wall"});
    post(srv, token, "/api/live/watch-token", body).await.status().as_u16()
}

#[tokio::test]
async fn live_watch_follows_invigilator_duty() {
    let srv = TestServer::start(None).await;
    let admin = srv.admin_token().await;
    let staff = srv.user_with_role(&admin, "kw.watch", "staff").await;
    let inv = srv.user_with_role(&admin, "jk.watch", "invigilator").await;
    let idle = srv.user_with_role(&admin, "jk.idle", "invigilator").await;
    let sup = srv.user_with_role(&admin, "xk.watch", "supervisor").await;

    let SeatedSession { seated, unseated, .. } = seated_session_with_invigilator(&srv, &staff, "WATCH-01", &inv).await;
    let sessions: Value = get(&srv, &inv, "/api/sessions").await.json().await.unwrap();
    let exam_room = sessions[0]["room_id"].as_i64().unwrap();

    assert_eq!(watch(&srv, &inv, format!("check-{seated}")).await, 200, "a candidate seated in the session");
    assert_eq!(watch(&srv, &inv, format!("room-{exam_room}")).await, 200, "the session's exam room");
    assert_eq!(watch(&srv, &inv, format!("check-{unseated}")).await, 403, "seated nowhere");
    assert_eq!(watch(&srv, &inv, format!("room-{}", exam_room + 1)).await, 403, "another exam room");
    assert_eq!(watch(&srv, &inv, "lobby".into()).await, 403, "not an exam room or candidate");
    for room in [format!("check-{seated}"), format!("room-{exam_room}")] {
        assert_eq!(watch(&srv, &idle, room.clone()).await, 403, "no duty: {room}");
        assert_eq!(watch(&srv, &sup, room.clone()).await, 200, "supervisors patrol: {room}");
    }
    assert_eq!(watch(&srv, &sup, format!("check-{unseated}")).await, 200);
    let r = post(&srv, &idle, "/api/live/watch-token", json!({"room": format!("check-{seated}"), "kind": "view"})).await;
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["code"], "not_on_duty", "the refusal says why: {body}");
    assert!(body["message"]["zh"].as_str().is_some_and(|m| !m.is_empty()));
    srv.stop().await;
}
