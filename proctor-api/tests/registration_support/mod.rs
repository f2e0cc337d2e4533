//! Shared steps for the registration, affairs and ticket tests: a plan open for
//! registration, the real-name stand-in as a separate process, forms and photos.
#![allow(dead_code)]

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

use proctor_api::identity::idcard::check_char;
use serde_json::{Value, json};

use crate::common::TestServer;

/// A valid resident ID number from its first 17 digits.
pub fn id_number(first17: &str) -> String {
    format!("{first17}{}", check_char(first17).unwrap())
}

/// The real-name stand-in binary, killed on drop.
pub struct Standin {
    pub url: String,
    child: Child,
}

impl Standin {
    pub fn start(args: &[&str]) -> Standin {
        let mut child = Command::new(env!("CARGO_BIN_EXE_realname-standin"))
            .args(args)
            .stdout(Stdio::piped())
            .spawn()
            .expect("start realname-standin");
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let url = line
            .trim()
            .strip_prefix("REALNAME_STANDIN_LISTENING ")
            .expect("stand-in banner")
            .to_owned();
        Standin { url, child }
    }
}

impl Drop for Standin {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub async fn post(srv: &TestServer, token: &str, path: &str, body: Value) -> reqwest::Response {
    srv.client
        .post(srv.url(path))
        .bearer_auth(token)
        .json(&body)
        .send()
        .await
        .unwrap()
}

pub async fn get(srv: &TestServer, token: &str, path: &str) -> reqwest::Response {
    srv.client
        .get(srv.url(path))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
}

pub async fn use_realname(srv: &TestServer, admin: &str, url: &str, timeout_ms: i64) {
    let r = srv
        .client
        .put(srv.url("/api/realname/config"))
        .bearer_auth(admin)
        .json(&json!({"url": url, "timeout_ms": timeout_ms}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200, "{:?}", r.text().await);
}

/// A level-3 plan (三级/高级工), open for registration now.
pub async fn open_plan(srv: &TestServer, staff: &str, code: &str, policy: &str) -> i64 {
    let now = chrono::Utc::now();
    let r = post(
        srv,
        staff,
        "/api/plans",
        json!({
            "code": code,
            "title": "2026年第四季度电工职业技能等级认定",
            "occupation_code": "6-31-01-03",
            "occupation_name": "电工",
            "level": 3,
            "registration_opens_at": (now - chrono::Duration::days(1)).to_rfc3339(),
            "registration_closes_at": (now + chrono::Duration::days(10)).to_rfc3339(),
            "realname_policy": policy,
            "subjects": [
                {"kind": "theory", "name": "理论知识", "weight_pct": 30, "pass_score_centi": 6000},
                {"kind": "skill", "name": "操作技能", "weight_pct": 70, "pass_score_centi": 6000}
            ]
        }),
    )
    .await;
    assert_eq!(r.status(), 201, "{:?}", r.text().await);
    let id = r.json::<Value>().await.unwrap()["id"].as_i64().unwrap();
    let r = post(
        srv,
        staff,
        &format!("/api/plans/{id}/transition"),
        json!({"to": "open"}),
    )
    .await;
    assert_eq!(r.status(), 200, "{:?}", r.text().await);
    id
}

/// The usual form, with `overrides` applied.
pub fn form(name: &str, id: &str, birth: &str, phone: &str, overrides: Value) -> Value {
    let mut f = json!({
        "name": name, "gender": "male", "id_type": "resident_id", "id_number": id, "birth_date": birth,
        "phone": phone, "education": "高中", "work_unit": "贵阳供电局", "years_in_occupation": 6,
        "declared_level": 3, "password": "Candidate-2026", "consent": true
    });
    for (k, v) in overrides.as_object().unwrap() {
        f[k] = v.clone();
    }
    f
}

pub async fn register(srv: &TestServer, plan: i64, body: Value) -> reqwest::Response {
    srv.client
        .post(srv.url(&format!("/api/plans/{plan}/registrations")))
        .json(&body)
        .send()
        .await
        .unwrap()
}

/// Registers and returns (registration id, candidate token).
pub async fn register_ok(srv: &TestServer, plan: i64, body: Value) -> (i64, String) {
    let r = register(srv, plan, body).await;
    assert_eq!(r.status(), 201, "{:?}", r.text().await);
    let v: Value = r.json().await.unwrap();
    (
        v["registration_id"].as_i64().unwrap(),
        v["session"]["token"].as_str().unwrap().to_owned(),
    )
}

/// A portrait to the ID-photo standard: 300×400, a plain light background.
pub fn photo_png() -> Vec<u8> {
    let img = image::RgbImage::from_fn(300, 400, |x, y| {
        let dx = x as i32 - 150;
        let dy = y as i32 - 170;
        if dx * dx + dy * dy < 70 * 70 || (y > 260 && (60..240).contains(&x)) {
            image::Rgb([80, 60, 50])
        } else {
            image::Rgb([245, 245, 250])
        }
    });
    let mut out = std::io::Cursor::new(Vec::new());
    img.write_to(&mut out, image::ImageFormat::Png).unwrap();
    out.into_inner()
}

pub async fn upload(
    srv: &TestServer,
    token: &str,
    reg: i64,
    kind: &str,
    bytes: Vec<u8>,
    file_name: &str,
) -> reqwest::Response {
    let part = reqwest::multipart::Part::bytes(bytes).file_name(file_name.to_owned());
    let form = reqwest::multipart::Form::new().part("file", part);
    srv.client
        .post(srv.url(&format!("/api/registrations/{reg}/files/{kind}")))
        .bearer_auth(token)
        .multipart(form)
        .send()
        .await
        .unwrap()
}

/// A site with one room of `seats` and a session of the plan in it; returns the session id.
pub async fn session_with_room(srv: &TestServer, staff: &str, plan: i64, seats: i64) -> i64 {
    let r = post(
        srv,
        staff,
        "/api/sites",
        json!({"name": format!("贵阳考点{plan}"), "address": "贵阳市观山湖区林城东路 1 号"}),
    )
    .await;
    assert_eq!(r.status(), 201);
    let site = r.json::<Value>().await.unwrap()["id"].as_i64().unwrap();
    let r = post(
        srv,
        staff,
        &format!("/api/sites/{site}/rooms"),
        json!({"name": "第一考场", "seats": seats}),
    )
    .await;
    assert_eq!(r.status(), 201);
    let room = r.json::<Value>().await.unwrap()["id"].as_i64().unwrap();
    let r = post(srv, staff, &format!("/api/plans/{plan}/sessions"), json!({
        "name": "第一场 理论知识", "starts_at": "2026-12-20T09:00:00+08:00", "ends_at": "2026-12-20T10:30:00+08:00", "room_id": room
    })).await;
    assert_eq!(r.status(), 201, "{:?}", r.text().await);
    r.json::<Value>().await.unwrap()["id"].as_i64().unwrap()
}

/// Registers a candidate, uploads the photo and approves; returns the candidate's token.
pub async fn approved_candidate(srv: &TestServer, staff: &str, plan: i64, n: usize) -> String {
    let first17 = ["52010219900315001", "52010219910416002"][n];
    let birth = ["1990-03-15", "1991-04-16"][n];
    let (reg, token) = register_ok(
        srv,
        plan,
        form(
            &format!("考生{n}"),
            &id_number(first17),
            birth,
            &format!("1350000000{n}"),
            json!({}),
        ),
    )
    .await;
    let r = upload(srv, &token, reg, "photo", photo_png(), "p.png").await;
    assert_eq!(r.status(), 201);
    let r = post(
        srv,
        staff,
        &format!("/api/registrations/{reg}/review"),
        json!({"decision": "approve"}),
    )
    .await;
    assert_eq!(r.status(), 200, "{:?}", r.text().await);
    token
}

/// A session of one seat with the first of two approved candidates seated in it and the
/// second left unseated, and `invigilator` on duty there.
pub struct SeatedSession {
    pub plan: i64,
    pub session: i64,
    /// Account ids.
    pub seated: i64,
    pub unseated: i64,
}

pub async fn seated_session_with_invigilator(srv: &TestServer, staff: &str, code: &str, invigilator: &str) -> SeatedSession {
    let account = async |token: &str| -> i64 {
        let me: Value = get(srv, token, "/api/auth/me").await.json().await.unwrap();
        me["id"].as_i64().unwrap()
    };
    let plan = open_plan(srv, staff, code, "warn").await;
    let session = session_with_room(srv, staff, plan, 1).await;
    let seated = approved_candidate(srv, staff, plan, 0).await;
    let r = post(srv, staff, &format!("/api/plans/{plan}/seating"), json!({})).await;
    assert_eq!(r.status(), 200, "{:?}", r.text().await);
    let unseated = approved_candidate(srv, staff, plan, 1).await;
    let r = post(srv, staff, &format!("/api/sessions/{session}/staff"), json!({
        "account_id": account(invigilator).await, "duty": "invigilator",
        "work_unit": "贵州省职业技能鉴定中心", "qualification_no": ""
    }))
    .await;
    assert_eq!(r.status(), 201, "{:?}", r.text().await);
    SeatedSession { plan, session, seated: account(&seated).await, unseated: account(&unseated).await }
}
