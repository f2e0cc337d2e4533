//! Staff undo set-up mistakes: a person is taken off duty, a device is removed, an empty
//! session and an unused room are deleted, all audited. What candidates or evidence depend
//! on stays: a session with a seated candidate and a room that still holds a session or a
//! camera are refused with the reason, and nothing is removed.

mod common;
mod registration_support;

use common::TestServer;
use registration_support::{approved_candidate, get, open_plan, post, session_with_room};
use serde_json::{Value, json};

async fn delete(srv: &TestServer, token: &str, path: &str) -> reqwest::Response {
    srv.client.delete(srv.url(path)).bearer_auth(token).send().await.unwrap()
}

#[tokio::test]
async fn affairs_staff_remove_what_nothing_depends_on() {
    let srv = TestServer::start(None).await;
    let admin = srv.admin_token().await;
    let staff = srv.user_with_role(&admin, "kw.remove", "staff").await;
    let inv = srv.user_with_role(&admin, "jk.remove", "invigilator").await;
    let plan = open_plan(&srv, &staff, "REMOVE-01", "warn").await;
    let seated_session = session_with_room(&srv, &staff, plan, 1).await;
    approved_candidate(&srv, &staff, plan, 0).await;
    assert_eq!(post(&srv, &staff, &format!("/api/plans/{plan}/seating"), json!({})).await.status(), 200);
    let detail: Value = get(&srv, &staff, &format!("/api/plans/{plan}")).await.json().await.unwrap();
    let room = detail["sessions"][0]["room_id"].as_i64().unwrap();
    let sites: Value = get(&srv, &staff, "/api/sites").await.json().await.unwrap();
    let site = sites.as_array().unwrap().iter().find(|s| s["rooms"].as_array().unwrap().iter().any(|r| r["id"] == room)).unwrap()["id"]
        .as_i64()
        .unwrap();

    // A second session in the same room, with an invigilator on duty: nothing depends on it.
    let r = post(&srv, &staff, &format!("/api/plans/{plan}/sessions"), json!({
        "name": "第二场", "starts_at": "2026-12-21T09:00:00+08:00", "ends_at": "2026-12-21T10:30:00+08:00", "room_id": room
    }))
    .await;
    assert_eq!(r.status(), 201);
    let spare = r.json::<Value>().await.unwrap()["id"].as_i64().unwrap();
    let me: Value = get(&srv, &inv, "/api/auth/me").await.json().await.unwrap();
    let r = post(&srv, &staff, &format!("/api/sessions/{spare}/staff"), json!({
        "account_id": me["id"], "duty": "invigilator", "work_unit": "省鉴定中心", "qualification_no": ""
    }))
    .await;
    let duty = r.json::<Value>().await.unwrap()["id"].as_i64().unwrap();

    // Off duty: gone from the list; a wrong session does not reach it.
    assert_eq!(delete(&srv, &staff, &format!("/api/sessions/{seated_session}/staff/{duty}")).await.status(), 404);
    assert_eq!(delete(&srv, &staff, &format!("/api/sessions/{spare}/staff/{duty}")).await.status(), 204);
    let duties: Value = get(&srv, &staff, &format!("/api/sessions/{spare}/staff")).await.json().await.unwrap();
    assert_eq!(duties, json!([]));
    assert_eq!(delete(&srv, &inv, &format!("/api/sessions/{spare}/staff/{duty}")).await.status(), 403);

    // A device goes; the same id under another room is not found.
    let r = post(&srv, &staff, &format!("/api/rooms/{room}/devices"), json!({"kind": "computer", "label": "01号机", "address": "PC-01"})).await;
    assert_eq!(r.status(), 201);
    let device = r.json::<Value>().await.unwrap()["id"].as_i64().unwrap();
    assert_eq!(delete(&srv, &staff, &format!("/api/rooms/{}/devices/{device}", room + 1000)).await.status(), 404);
    assert_eq!(delete(&srv, &staff, &format!("/api/rooms/{room}/devices/{device}")).await.status(), 204);
    let devices: Value = get(&srv, &staff, &format!("/api/rooms/{room}/devices")).await.json().await.unwrap();
    assert_eq!(devices, json!([]));

    // The seated session stays, with the reason; the empty one goes.
    let r = delete(&srv, &staff, &format!("/api/plans/{plan}/sessions/{seated_session}")).await;
    assert_eq!(r.status(), 409);
    let body: Value = r.json().await.unwrap();
    assert!(body["message"]["zh"].as_str().unwrap().contains("考生") && body["message"]["en"].as_str().unwrap().contains("seated"), "{body}");
    assert_eq!(delete(&srv, &staff, &format!("/api/plans/{}/sessions/{spare}", plan + 1000)).await.status(), 404);
    assert_eq!(delete(&srv, &staff, &format!("/api/plans/{plan}/sessions/{spare}")).await.status(), 204);
    let detail: Value = get(&srv, &staff, &format!("/api/plans/{plan}")).await.json().await.unwrap();
    assert_eq!(detail["sessions"].as_array().unwrap().len(), 1);

    // The room still holds the seated session: refused. A new empty room goes; one with a
    // camera stays until the camera is removed.
    let r = delete(&srv, &staff, &format!("/api/sites/{site}/rooms/{room}")).await;
    assert_eq!(r.status(), 409);
    let r = post(&srv, &staff, &format!("/api/sites/{site}/rooms"), json!({"name": "备用考场", "seats": 10})).await;
    let empty = r.json::<Value>().await.unwrap()["id"].as_i64().unwrap();
    let r = post(&srv, &staff, &format!("/api/rooms/{empty}/cameras"), json!({
        "label": "前门", "url": "rtsp://192.0.2.10:554/ch1", "username": "admin", "password": "Hik-12345", "enabled": false
    }))
    .await;
    assert_eq!(r.status(), 201, "{:?}", r.text().await);
    let cam = r.json::<Value>().await.unwrap()["id"].as_i64().unwrap();
    let r = delete(&srv, &staff, &format!("/api/sites/{site}/rooms/{empty}")).await;
    assert_eq!(r.status(), 409);
    assert!(r.json::<Value>().await.unwrap()["message"]["en"].as_str().unwrap().contains("camera"));
    assert_eq!(delete(&srv, &staff, &format!("/api/rooms/{empty}/cameras/{cam}")).await.status(), 204);
    assert_eq!(delete(&srv, &staff, &format!("/api/sites/{site}/rooms/{empty}")).await.status(), 204);
    let sites: Value = get(&srv, &staff, "/api/sites").await.json().await.unwrap();
    assert!(!sites.to_string().contains("备用考场"));

    let audit: Value = get(&srv, &admin, "/api/audit").await.json().await.unwrap();
    let text = audit.to_string();
    for action in ["duty.remove", "device.delete", "plan.session_delete", "room.delete"] {
        assert!(text.contains(action), "{action} audited");
    }
    srv.stop().await;
}
