//! Check-in by face: the approved registration portrait is enrolled; the same person
//! passes; another person, two faces and no face fail with their reasons; the third failure
//! goes to an invigilator, who sees both pictures through signed links and approves.
//! Candidates cannot review, nor check in again while a review is pending; an invigilator
//! not on duty at the candidate's session neither sees nor decides it. Without a live
//! camera on the API's SFU the uploaded still is used (source `still`) and is required.

mod common;
mod face_support;
mod registration_support;

use common::TestServer;
use face_support::{approved_candidate, celebrity, json_of, seat_with_invigilator, send_picture, wall_jpeg};
use registration_support::{get, post};
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn face_checkin_retries_then_invigilator_review() {
    let srv = TestServer::start(None).await;
    let admin = srv.admin_token().await;
    let staff = srv.user_with_role(&admin, "kw.face", "staff").await;
    let invigilator = srv.user_with_role(&admin, "jk.face", "invigilator").await;
    let elsewhere = srv.user_with_role(&admin, "jk.elsewhere", "invigilator").await;

    // Before any enrolment a check-in is refused with a reason, not a guess.
    let c = approved_candidate(&srv, &staff, "FACE-01", 1, celebrity("img1.jpg")).await;
    assert!(!c.warnings.iter().any(|w| w.contains("face")), "one face, no face warning: {:?}", c.warnings);
    let enrolments = json_of(get(&srv, &staff, &format!("/api/face/accounts/{}/enrolments", c.account)).await, 200).await;
    assert_eq!(enrolments[0]["status"], "enrolled", "{enrolments}");
    assert_eq!(enrolments[0]["source"], "registration_photo");
    seat_with_invigilator(&srv, &staff, &c, &invigilator).await;

    let status = json_of(get(&srv, &c.token, "/api/face/check-in").await, 200).await;
    assert_eq!((status["enrolled"].as_bool(), status["state"].as_str()), (Some(true), Some("none")));

    // Not publishing a camera here: a check-in without a still is refused, and not counted.
    let r = srv.client.post(srv.url("/api/face/check-in")).bearer_auth(&c.token).send().await.unwrap();
    let body = json_of(r, 400).await;
    assert_eq!((body["code"].as_str(), body["field"].as_str()), (Some("missing_field"), Some("file")), "{body}");

    // Same person, another photo: passes, from the still.
    let r = json_of(send_picture(&srv, &c.token, "/api/face/check-in", celebrity("img2.jpg")).await, 200).await;
    assert_eq!((r["check"]["outcome"].as_str(), r["check"]["frame_source"].as_str()), (Some("passed"), Some("still")), "{r}");
    assert!(r["check"]["distance"].as_f64().unwrap() <= 0.5493);
    assert!(r["check"]["liveness"].is_number(), "liveness recorded beside the check");

    // Another person: mismatch, two attempts left.
    let r = json_of(send_picture(&srv, &c.token, "/api/face/check-in", celebrity("img3.jpg")).await, 200).await;
    assert_eq!((r["check"]["outcome"].as_str(), r["check"]["reason"]["code"].as_str()), (Some("failed"), Some("mismatch")), "{r}");
    assert_eq!(r["attempts_left"], 2);
    // Two faces: the right reason.
    let r = json_of(send_picture(&srv, &c.token, "/api/face/check-in", celebrity("couple.jpg")).await, 200).await;
    assert_eq!(r["check"]["reason"]["code"], "multiple_faces", "{r}");
    assert_eq!(r["attempts_left"], 1);
    // No face, the third failure: an invigilator reviews.
    let r = json_of(send_picture(&srv, &c.token, "/api/face/check-in", wall_jpeg()).await, 200).await;
    assert_eq!((r["check"]["outcome"].as_str(), r["check"]["reason"]["code"].as_str()), (Some("review"), Some("no_face")), "{r}");
    let check_id = r["check"]["check_id"].as_i64().unwrap();
    let r = send_picture(&srv, &c.token, "/api/face/check-in", celebrity("img2.jpg")).await;
    assert_eq!(r.status(), 409, "no new attempt while a review is pending");

    // The candidate may not see the queue or decide.
    assert_eq!(get(&srv, &c.token, "/api/face/reviews").await.status(), 403);
    assert_eq!(post(&srv, &c.token, &format!("/api/face/reviews/{check_id}"), json!({"decision": "approve"})).await.status(), 403);
    assert_eq!(get(&srv, &c.token, &format!("/api/face/accounts/{}/checks", c.account)).await.status(), 403);

    // An invigilator on duty elsewhere neither sees the check nor decides it.
    assert_eq!(json_of(get(&srv, &elsewhere, "/api/face/reviews").await, 200).await, json!([]));
    let r = post(&srv, &elsewhere, &format!("/api/face/reviews/{check_id}"), json!({"decision": "approve"})).await;
    assert_eq!(r.status(), 403);
    assert_eq!(get(&srv, &elsewhere, &format!("/api/face/accounts/{}/checks", c.account)).await.status(), 403);

    // The invigilator sees both pictures side by side, through signed links.
    let queue = json_of(get(&srv, &invigilator, "/api/face/reviews").await, 200).await;
    assert_eq!(queue.as_array().unwrap().len(), 1, "{queue}");
    let item = &queue[0];
    assert_eq!(item["check"]["check_id"], check_id);
    for link in [item["enrolled_photo_url"].as_str().unwrap(), item["check"]["frame_url"].as_str().unwrap()] {
        assert!(link.contains("sig=") || link.contains("signature") || link.contains('?'), "{link}");
        let r = srv.client.get(srv.url(link)).send().await.unwrap();
        assert_eq!(r.status(), 200, "{link}");
        assert!(r.headers()["content-type"].to_str().unwrap().starts_with("image/"));
        // Without its signature the same object is refused.
        let bare = link.split('?').next().unwrap();
        assert_ne!(srv.client.get(srv.url(bare)).send().await.unwrap().status(), 200);
    }
    let bad = post(&srv, &invigilator, &format!("/api/face/reviews/{check_id}"), json!({"decision": "maybe"})).await;
    assert_eq!(bad.status(), 400);
    let d = json_of(post(&srv, &invigilator, &format!("/api/face/reviews/{check_id}"), json!({"decision": "approve", "note": "本人，光线差"})).await, 200).await;
    assert_eq!(d["outcome"], "approved");
    let again = post(&srv, &invigilator, &format!("/api/face/reviews/{check_id}"), json!({"decision": "reject"})).await;
    assert_eq!(again.status(), 409, "decided once");

    let status = json_of(get(&srv, &c.token, "/api/face/check-in").await, 200).await;
    assert_eq!(status["state"], "approved");
    let notes = json_of(get(&srv, &c.token, "/api/me/notifications").await, 200).await;
    assert!(notes.as_array().unwrap().iter().any(|n| n["kind"] == "face_review"), "{notes}");

    // Every attempt is on the timeline with its picture and score; the decision is audited.
    let tl = json_of(get(&srv, &invigilator, &format!("/api/face/accounts/{}/checks", c.account)).await, 200).await;
    assert_eq!(tl["checks"].as_array().unwrap().len(), 4, "{tl}");
    assert!(tl["checks"].as_array().unwrap().iter().all(|c| c["frame_url"].is_string()));
    let audit = json_of(get(&srv, &admin, "/api/audit").await, 200).await;
    let text = audit.to_string();
    assert!(text.contains("face.review") && text.contains("face.enrol"), "{text}");
    srv.stop().await;
}
