//! A registered room camera (a real RTSP server with digest auth) is pulled into the room's
//! live room and listed there; its status goes online, offline when it loses power (with
//! the reason and time) and online again when it comes back; wrong credentials leave a
//! camera `unauthorised` with a reason that says so; disabling it takes it off the wall.

mod camera_support;
mod common;
mod registration_support;

use std::time::Duration;

use camera_support::TestCamera;
use common::TestServer;
use registration_support::*;
use serde_json::{Value, json};

async fn camera(srv: &TestServer, token: &str, room: i64, id: i64) -> Value {
    let list: Value = get(srv, token, &format!("/api/rooms/{room}/cameras")).await.json().await.unwrap();
    list.as_array().unwrap().iter().find(|c| c["id"] == id).cloned().unwrap()
}

async fn wait_status(srv: &TestServer, token: &str, room: i64, id: i64, want: &str, secs: u64) -> Value {
    let mut last = Value::Null;
    for _ in 0..secs * 5 {
        last = camera(srv, token, room, id).await;
        if last["status"] == want {
            return last;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    panic!("camera {id} not {want} within {secs} s: {last}");
}

async fn live_participants(srv: &TestServer, token: &str, live_room: &str) -> Vec<Value> {
    let rooms: Value = get(srv, token, "/api/live/rooms").await.json().await.unwrap();
    rooms
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["room"] == live_room)
        .map(|r| r["participants"].as_array().unwrap().clone())
        .unwrap_or_default()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn camera_status_follows_a_real_camera() {
    let cam = TestCamera::start(0, "admin", "Cam-Passw0rd-1");
    let port = cam.port;
    let srv = TestServer::start(None).await;
    let admin = srv.admin_token().await;
    let staff = srv.user_with_role(&admin, "kw.live", "staff").await;
    let sup = srv.user_with_role(&admin, "xk.live", "supervisor").await;
    let plan = open_plan(&srv, &staff, "CAM-03", "warn").await;
    session_with_room(&srv, &staff, plan, 10).await;
    let sites: Value = get(&srv, &staff, "/api/sites").await.json().await.unwrap();
    let room = sites[0]["rooms"][0]["id"].as_i64().unwrap();

    let r = post(&srv, &staff, &format!("/api/rooms/{room}/cameras"), json!({
        "label": "前门摄像头", "url": cam.url, "username": "admin", "password": "Cam-Passw0rd-1"
    }))
    .await;
    assert_eq!(r.status(), 201, "{:?}", r.text().await);
    let created: Value = r.json().await.unwrap();
    let id = created["id"].as_i64().unwrap();
    let live_room = created["live_room"].as_str().unwrap().to_owned();

    let online = wait_status(&srv, &sup, room, id, "online", 20).await;
    assert!(online["last_online_at"].is_string());
    let ps = live_participants(&srv, &sup, &live_room).await;
    let p = ps.iter().find(|p| p["participant"] == format!("camera:{id}")).expect("camera listed live");
    assert_eq!((p["name"].as_str(), p["video_tracks"].as_i64()), (Some("前门摄像头"), Some(1)));

    // Power cut, then the camera comes back on the same address.
    cam.kill();
    let offline = wait_status(&srv, &sup, room, id, "offline", 20).await;
    assert!(offline["last_error"].as_str().is_some_and(|e| !e.is_empty()), "{offline}");
    assert!(offline["last_offline_at"].is_string());
    assert!(live_participants(&srv, &sup, &live_room).await.is_empty(), "off the wall while offline");
    let _cam = TestCamera::start(port, "admin", "Cam-Passw0rd-1");
    let back = wait_status(&srv, &sup, room, id, "online", 30).await;
    assert!(back["last_online_at"].as_str() > online["last_online_at"].as_str());

    // A second camera registered with a wrong password.
    let r = post(&srv, &staff, &format!("/api/rooms/{room}/cameras"), json!({
        "label": "后门摄像头", "url": _cam.url, "username": "admin", "password": "wrong-password"
    }))
    .await;
    let bad = r.json::<Value>().await.unwrap()["id"].as_i64().unwrap();
    let refused = wait_status(&srv, &sup, room, bad, "unauthorised", 20).await;
    let reason = refused["last_error"].as_str().unwrap();
    assert!(reason.contains("401") && reason.contains("password"), "{reason}");

    // Disabled: off the wall, and the status says so.
    let r = srv
        .client
        .patch(srv.url(&format!("/api/rooms/{room}/cameras/{id}")))
        .bearer_auth(&staff)
        .json(&json!({"enabled": false}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.json::<Value>().await.unwrap()["status"], "disabled");
    for _ in 0..25 {
        if live_participants(&srv, &sup, &live_room).await.is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert!(live_participants(&srv, &sup, &live_room).await.is_empty());
    assert_eq!(camera(&srv, &sup, room, id).await["status"], "disabled");
    srv.stop().await;
}
