//! Room cameras: staff register, change and remove them; an invigilator sees only the
//! cameras of rooms they are on duty in, a supervisor sees all, neither may change them;
//! a camera is reached only through its own room; every change is audited.

mod common;
mod registration_support;

use common::TestServer;
use registration_support::*;
use serde_json::{Value, json};

async fn patch(srv: &TestServer, token: &str, path: &str, body: Value) -> reqwest::Response {
    srv.client.patch(srv.url(path)).bearer_auth(token).json(&body).send().await.unwrap()
}

async fn delete(srv: &TestServer, token: &str, path: &str) -> reqwest::Response {
    srv.client.delete(srv.url(path)).bearer_auth(token).send().await.unwrap()
}

async fn ids(r: reqwest::Response) -> Vec<i64> {
    assert_eq!(r.status(), 200);
    let v: Value = r.json().await.unwrap();
    v.as_array().unwrap().iter().map(|c| c["id"].as_i64().unwrap()).collect()
}

#[tokio::test]
async fn camera_access_follows_role_and_duty() {
    let srv = TestServer::start(None).await;
    let admin = srv.admin_token().await;
    let staff = srv.user_with_role(&admin, "kw.cam", "staff").await;
    let inv = srv.user_with_role(&admin, "jk.cam", "invigilator").await;
    let sup = srv.user_with_role(&admin, "xk.cam", "supervisor").await;
    let cand = srv.user_with_role(&admin, "ks.cam", "candidate").await;

    let plan = open_plan(&srv, &staff, "CAM-01", "warn").await;
    let session = session_with_room(&srv, &staff, plan, 10).await;
    let sites: Value = get(&srv, &staff, "/api/sites").await.json().await.unwrap();
    let room = sites[0]["rooms"][0]["id"].as_i64().unwrap();
    let r = post(&srv, &staff, &format!("/api/sites/{}/rooms", sites[0]["id"]), json!({"name": "第二考场", "seats": 5})).await;
    let other_room = r.json::<Value>().await.unwrap()["id"].as_i64().unwrap();

    // Cameras are disabled here: this test is about access, not pulling.
    let add = |room: i64, label: &'static str| {
        let (srv, staff) = (&srv, &staff);
        async move {
            post(srv, staff, &format!("/api/rooms/{room}/cameras"), json!({
                "label": label, "url": "rtsp://192.0.2.10:554/Streaming/Channels/101",
                "username": "admin", "password": "Hik-12345", "enabled": false
            }))
            .await
        }
    };
    let r = add(room, "前门").await;
    assert_eq!(r.status(), 201, "{:?}", r.text().await);
    let cam: Value = r.json().await.unwrap();
    let cam_id = cam["id"].as_i64().unwrap();
    assert_eq!(cam["status"], "disabled");
    assert_eq!(cam["live_room"], format!("room-{room}"));
    assert_eq!(cam["participant"], format!("camera:{cam_id}"));
    let other_cam = add(other_room, "后门").await.json::<Value>().await.unwrap()["id"].as_i64().unwrap();
    // The same name twice in one room is a conflict naming the field.
    let r = add(room, "前门").await;
    assert_eq!(r.status(), 409);

    // Not on duty anywhere: the invigilator sees no camera and may not open the room's list.
    assert!(ids(get(&srv, &inv, "/api/cameras").await).await.is_empty());
    assert_eq!(get(&srv, &inv, &format!("/api/rooms/{room}/cameras")).await.status(), 403);
    // On duty in the first room: its camera, not the other room's.
    let me: Value = get(&srv, &inv, "/api/auth/me").await.json().await.unwrap();
    let r = post(&srv, &staff, &format!("/api/sessions/{session}/staff"), json!({
        "account_id": me["id"], "duty": "invigilator", "work_unit": "贵州省职业技能鉴定中心", "qualification_no": ""
    }))
    .await;
    assert_eq!(r.status(), 201, "{:?}", r.text().await);
    assert_eq!(ids(get(&srv, &inv, "/api/cameras").await).await, vec![cam_id]);
    assert_eq!(ids(get(&srv, &inv, &format!("/api/rooms/{room}/cameras")).await).await, vec![cam_id]);
    assert_eq!(get(&srv, &inv, &format!("/api/rooms/{other_room}/cameras")).await.status(), 403);
    // A supervisor on patrol sees every room; a candidate sees none.
    assert_eq!(ids(get(&srv, &sup, "/api/cameras").await).await, vec![cam_id, other_cam]);
    assert_eq!(get(&srv, &cand, "/api/cameras").await.status(), 403);

    // Only staff change cameras; the invigilator and supervisor are refused.
    let path = format!("/api/rooms/{room}/cameras/{cam_id}");
    for t in [&inv, &sup, &cand] {
        assert_eq!(patch(&srv, t, &path, json!({"label": "x"})).await.status(), 403);
        assert_eq!(delete(&srv, t, &path).await.status(), 403);
    }
    // A camera is only reachable through its own room.
    let wrong = format!("/api/rooms/{other_room}/cameras/{cam_id}");
    assert_eq!(patch(&srv, &staff, &wrong, json!({"label": "x"})).await.status(), 404);
    assert_eq!(delete(&srv, &staff, &wrong).await.status(), 404);
    assert_eq!(get(&srv, &staff, "/api/rooms/999999/cameras").await.status(), 404);

    // Renaming and new credentials: both fields together, then audited without secrets.
    let r = patch(&srv, &staff, &path, json!({"username": "admin"})).await;
    assert_eq!(r.status(), 400);
    assert_eq!(r.json::<Value>().await.unwrap()["field"], "password");
    let r = patch(&srv, &staff, &path, json!({"label": "前门（广角）", "username": "ops", "password": "New-Secret-778"})).await;
    assert_eq!(r.status(), 200);
    assert_eq!(r.json::<Value>().await.unwrap()["label"], "前门（广角）");
    let r = delete(&srv, &staff, &format!("/api/rooms/{other_room}/cameras/{other_cam}")).await;
    assert_eq!(r.status(), 204);
    assert_eq!(ids(get(&srv, &sup, "/api/cameras").await).await, vec![cam_id]);

    let audit: Value = get(&srv, &admin, "/api/audit").await.json().await.unwrap();
    let text = audit.to_string();
    for action in ["camera.create", "camera.update", "camera.delete"] {
        assert!(text.contains(action), "{action} audited");
    }
    assert!(!text.contains("New-Secret-778") && !text.contains("Hik-12345"), "no password in the audit trail");
    srv.stop().await;
}
