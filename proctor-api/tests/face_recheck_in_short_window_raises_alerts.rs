//! Random re-checks: staff plan one check per candidate in a two-second window; the camera
//! page learns of it only when it is due. A picture with two faces raises an alert with the
//! evidence frame for the invigilator on duty (in-app notification too) and lands on the
//! candidate's timeline; a due check left unanswered raises a `no_frame` alert.

mod common;
mod face_support;
mod registration_support;

use std::time::Duration;

use common::TestServer;
use face_support::{approved_candidate, celebrity, json_of, send_picture};
use registration_support::{get, post, session_with_room};
use serde_json::{Value, json};

async fn wait_for_due(srv: &TestServer, token: &str) -> i64 {
    for _ in 0..100 {
        let due = json_of(get(srv, token, "/api/face/me/recheck").await, 200).await;
        if let Some(id) = due["slot_id"].as_i64() {
            return id;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("no re-check became due");
}

async fn plan_window(srv: &TestServer, staff: &str, session: i64, secs: i64) -> Value {
    let now = chrono::Utc::now();
    json_of(
        srv.client
            .put(srv.url(&format!("/api/face/sessions/{session}/rechecks")))
            .bearer_auth(staff)
            .json(&json!({"count": 1, "window_from": now.to_rfc3339(), "window_to": (now + chrono::Duration::seconds(secs)).to_rfc3339()}))
            .send()
            .await
            .unwrap(),
        200,
    )
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn face_recheck_in_short_window_raises_alerts() {
    let srv = TestServer::start_with(|s| {
        s.face.recheck_tick_ms = 200;
        s.face.recheck_answer_secs = 2;
    })
    .await;
    let admin = srv.admin_token().await;
    let staff = srv.user_with_role(&admin, "kw.recheck", "staff").await;
    let invigilator = srv.user_with_role(&admin, "jk.recheck", "invigilator").await;
    let inv_id = json_of(get(&srv, &invigilator, "/api/auth/me").await, 200).await["id"].as_i64().unwrap();
    let c = approved_candidate(&srv, &staff, "FACE-03", 3, celebrity("img1.jpg")).await;
    let session = session_with_room(&srv, &staff, c.plan, 5).await;
    let r = post(&srv, &staff, &format!("/api/plans/{}/seating", c.plan), json!({})).await;
    assert_eq!(r.status(), 200, "{:?}", r.text().await);
    let r = post(&srv, &staff, &format!("/api/sessions/{session}/staff"), json!({
        "account_id": inv_id, "duty": "invigilator", "work_unit": "省鉴定中心", "qualification_no": ""
    }))
    .await;
    assert_eq!(r.status(), 201, "{:?}", r.text().await);

    // Only staff plan re-checks; the answer names counts, never times.
    let r = srv.client.put(srv.url(&format!("/api/face/sessions/{session}/rechecks"))).bearer_auth(&c.token)
        .json(&json!({"count": 1})).send().await.unwrap();
    assert_eq!(r.status(), 403);
    let planned = plan_window(&srv, &staff, session, 2).await;
    assert_eq!((planned["candidates"].as_i64(), planned["checks"].as_i64()), (Some(1), Some(1)), "{planned}");
    assert!(!planned.to_string().contains("due"), "{planned}");

    // Due: answered with two faces in the picture.
    let slot = wait_for_due(&srv, &c.token).await;
    let other = srv.user_with_role(&admin, "someone.else", "candidate").await;
    let r = send_picture(&srv, &other, &format!("/api/face/me/recheck/{slot}"), face_support::wall_jpeg()).await;
    assert_eq!(r.status(), 404, "another candidate's re-check is not theirs to answer");
    let check = json_of(send_picture(&srv, &c.token, &format!("/api/face/me/recheck/{slot}"), celebrity("couple.jpg")).await, 200).await;
    assert_eq!((check["outcome"].as_str(), check["reason"]["code"].as_str()), (Some("failed"), Some("multiple_faces")), "{check}");
    let r = send_picture(&srv, &c.token, &format!("/api/face/me/recheck/{slot}"), face_support::wall_jpeg()).await;
    assert_eq!(r.status(), 409, "answered once");

    let alerts = json_of(get(&srv, &invigilator, "/api/face/alerts").await, 200).await;
    assert_eq!(alerts[0]["reason"]["code"], "multiple_faces", "{alerts}");
    assert_eq!(alerts[0]["exam_session_id"], session);
    let frame = alerts[0]["check"]["frame_url"].as_str().unwrap();
    assert_eq!(srv.client.get(srv.url(frame)).send().await.unwrap().status(), 200, "evidence frame");
    let notes = json_of(get(&srv, &invigilator, "/api/me/notifications").await, 200).await;
    assert!(notes.as_array().unwrap().iter().any(|n| n["kind"] == "face_alert"), "{notes}");
    assert_eq!(get(&srv, &c.token, "/api/face/alerts").await.status(), 403);

    // A second window nobody answers: the server notices on its own.
    plan_window(&srv, &staff, session, 1).await;
    let mut missed = None;
    for _ in 0..80 {
        let alerts = json_of(get(&srv, &invigilator, "/api/face/alerts").await, 200).await;
        if let Some(a) = alerts.as_array().unwrap().iter().find(|a| a["reason"]["code"] == "no_frame") {
            missed = Some(a.clone());
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let missed = missed.expect("an unanswered re-check raises an alert");
    let ack = post(&srv, &invigilator, &format!("/api/face/alerts/{}/ack", missed["alert_id"]), json!({})).await;
    assert_eq!(ack.status(), 204);
    let alerts = json_of(get(&srv, &invigilator, "/api/face/alerts").await, 200).await;
    assert!(alerts.as_array().unwrap().iter().any(|a| a["alert_id"] == missed["alert_id"] && a["acknowledged_at"].is_string()));

    // Both land on the candidate's timeline.
    let tl = json_of(get(&srv, &invigilator, &format!("/api/face/accounts/{}/checks", c.account)).await, 200).await;
    let rechecks: Vec<&Value> = tl["checks"].as_array().unwrap().iter().filter(|c| c["kind"] == "recheck").collect();
    assert_eq!(rechecks.len(), 2, "{tl}");
    srv.stop().await;
}
