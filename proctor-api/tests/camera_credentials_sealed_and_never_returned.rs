//! A camera's user name and password are stored sealed (the database files never hold them
//! in clear) and no response carries them back — neither the registration answer nor any
//! list; an address with credentials inside it is refused, naming the field.

mod common;
mod registration_support;

use common::TestServer;
use registration_support::*;
use serde_json::{Value, json};

const USER: &str = "cam-operator-7";
const PASSWORD: &str = "Dahua-Secret-4471";

#[tokio::test]
async fn camera_credentials_sealed_and_never_returned() {
    let data = tempfile::tempdir().unwrap();
    let dir = data.path().to_path_buf();
    let srv = TestServer::start_with(|s| s.data_dir = dir).await;
    let admin = srv.admin_token().await;
    let staff = srv.user_with_role(&admin, "kw.seal", "staff").await;
    let plan = open_plan(&srv, &staff, "CAM-02", "warn").await;
    session_with_room(&srv, &staff, plan, 10).await;
    let sites: Value = get(&srv, &staff, "/api/sites").await.json().await.unwrap();
    let room = sites[0]["rooms"][0]["id"].as_i64().unwrap();
    let path = format!("/api/rooms/{room}/cameras");

    // Credentials inside the address would be shown to everyone who sees the camera.
    let r = post(&srv, &staff, &path, json!({
        "label": "讲台", "url": format!("rtsp://{USER}:{PASSWORD}@192.0.2.20/cam"), "username": "", "password": "", "enabled": false
    }))
    .await;
    assert_eq!(r.status(), 400);
    let e: Value = r.json().await.unwrap();
    assert_eq!((e["field"].as_str(), e["code"].as_str()), (Some("url"), Some("invalid_camera_url")));
    let r = post(&srv, &staff, &path, json!({
        "label": "讲台", "url": "http://192.0.2.20/cam", "username": "", "password": "", "enabled": false
    }))
    .await;
    assert_eq!(r.status(), 400);

    let r = post(&srv, &staff, &path, json!({
        "label": "讲台", "url": "rtsp://192.0.2.20:554/cam/realmonitor?channel=1&subtype=0",
        "username": USER, "password": PASSWORD, "enabled": false
    }))
    .await;
    assert_eq!(r.status(), 201);
    let body = r.text().await.unwrap();
    let cam: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(cam["has_credentials"], true);
    let id = cam["id"].as_i64().unwrap();

    let mut answers = vec![body];
    for p in [path.clone(), "/api/cameras".into()] {
        answers.push(get(&srv, &staff, &p).await.text().await.unwrap());
    }
    let r = srv
        .client
        .patch(srv.url(&format!("{path}/{id}")))
        .bearer_auth(&staff)
        .json(&json!({"enabled": false, "label": "讲台（全景）"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    answers.push(r.text().await.unwrap());
    answers.push(get(&srv, &admin, "/api/audit").await.text().await.unwrap());
    for a in &answers {
        assert!(!a.contains(PASSWORD) && !a.contains(USER), "credentials leaked: {a}");
    }
    srv.stop().await;

    // At rest: neither the database nor its write-ahead log holds them in clear.
    for f in std::fs::read_dir(data.path()).unwrap() {
        let f = f.unwrap().path();
        if f.file_name().unwrap().to_string_lossy().starts_with("proctor.db") {
            let bytes = std::fs::read(&f).unwrap();
            for secret in [USER, PASSWORD] {
                assert!(
                    !bytes.windows(secret.len()).any(|w| w == secret.as_bytes()),
                    "{secret} in clear in {}",
                    f.display()
                );
            }
        }
    }
}
