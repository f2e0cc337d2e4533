//! Shared steps for the face tests: the labelled pictures in `shared/data/faces`, uploads
//! as multipart, and a candidate whose registration portrait is enrolled on approval.
#![allow(dead_code)]

use serde_json::{Value, json};

use crate::common::TestServer;
use crate::registration_support::{form, id_number, open_plan, post, register_ok, session_with_room, upload};

pub fn celebrity(file: &str) -> Vec<u8> {
    let path = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../shared/data/faces/celebrity-pairs")
        .join(file);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// A picture with no face at all: a plain wall.
pub fn wall_jpeg() -> Vec<u8> {
    let img = image::RgbImage::from_fn(640, 480, |x, y| image::Rgb([180 + (x % 7) as u8, 170 + (y % 5) as u8, 160]));
    let mut out = std::io::Cursor::new(Vec::new());
    img.write_to(&mut out, image::ImageFormat::Jpeg).unwrap();
    out.into_inner()
}

pub async fn send_picture(srv: &TestServer, token: &str, path: &str, bytes: Vec<u8>) -> reqwest::Response {
    let part = reqwest::multipart::Part::bytes(bytes).file_name("frame.jpg");
    let form = reqwest::multipart::Form::new().part("file", part);
    srv.client.post(srv.url(path)).bearer_auth(token).multipart(form).send().await.unwrap()
}

pub async fn json_of(r: reqwest::Response, status: u16) -> Value {
    let got = r.status().as_u16();
    let body = r.text().await.unwrap();
    assert_eq!(got, status, "{body}");
    serde_json::from_str(&body).unwrap_or(Value::Null)
}

pub struct Enrolled {
    pub plan: i64,
    pub registration: i64,
    pub token: String,
    pub account: i64,
    /// Warnings the portrait upload returned.
    pub warnings: Vec<String>,
}

/// Registers a candidate with `portrait`, and staff approve (which enrols the portrait).
pub async fn approved_candidate(srv: &TestServer, staff: &str, plan_code: &str, n: u32, portrait: Vec<u8>) -> Enrolled {
    let plan = open_plan(srv, staff, plan_code, "warn").await;
    let id = id_number(&format!("520102199003150{n:02}"));
    let (registration, token) =
        register_ok(srv, plan, form(&format!("考生{n}"), &id, "1990-03-15", &format!("138000000{n:02}"), json!({}))).await;
    let up = json_of(upload(srv, &token, registration, "photo", portrait, "portrait.jpg").await, 201).await;
    let warnings = up["warnings"].as_array().unwrap().iter().map(|w| w.as_str().unwrap().to_owned()).collect();
    let r = post(srv, staff, &format!("/api/registrations/{registration}/review"), json!({"decision": "approve"})).await;
    assert_eq!(r.status(), 200, "{:?}", r.text().await);
    let me = json_of(crate::registration_support::get(srv, &token, "/api/auth/me").await, 200).await;
    Enrolled { plan, registration, token, account: me["id"].as_i64().unwrap(), warnings }
}

/// A session of the candidate's plan with the candidate seated in it and `invigilator` on
/// duty there (invigilators look after only such candidates); returns the session id.
pub async fn seat_with_invigilator(srv: &TestServer, staff: &str, c: &Enrolled, invigilator: &str) -> i64 {
    let session = session_with_room(srv, staff, c.plan, 5).await;
    let r = post(srv, staff, &format!("/api/plans/{}/seating", c.plan), json!({})).await;
    assert_eq!(r.status(), 200, "{:?}", r.text().await);
    let inv = json_of(crate::registration_support::get(srv, invigilator, "/api/auth/me").await, 200).await;
    let r = post(srv, staff, &format!("/api/sessions/{session}/staff"), json!({
        "account_id": inv["id"], "duty": "invigilator", "work_unit": "省鉴定中心", "qualification_no": ""
    }))
    .await;
    assert_eq!(r.status(), 201, "{:?}", r.text().await);
    session
}
