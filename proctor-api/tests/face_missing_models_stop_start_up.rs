//! With `face.enabled` and no models where the settings point, the server does not start:
//! the error names the set-up command. With `face.enabled = false` it starts and the face
//! routes say that face verification is off on this node.

mod common;

use common::TestServer;
use proctor_api::settings::{Secret, Settings};

#[tokio::test]
async fn face_missing_models_stop_start_up() {
    let dir = tempfile::tempdir().unwrap();
    let mut settings = Settings {
        data_dir: dir.path().join("data"),
        admin_password: Some(Secret(common::ADMIN_PASSWORD.into())),
        ..Settings::default()
    };
    settings.media.udp_bind = "127.0.0.1:0".parse().unwrap();
    settings.face.model_dir = Some(dir.path().join("no-models-here"));
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let err = proctor_api::launch_with_listener(settings, listener, std::future::pending())
        .await
        .expect_err("start-up must fail without models");
    let text = format!("{err:#}");
    assert!(text.contains("./dev.sh setup"), "{text}");

    let srv = TestServer::start_with(|s| s.face.enabled = false).await;
    let admin = srv.admin_token().await;
    let staff = srv.user_with_role(&admin, "kw.off", "staff").await;
    let r = srv.client.get(srv.url("/api/face/accounts/1/enrolments")).bearer_auth(&staff).send().await.unwrap();
    assert_eq!(r.status(), 200, "listing needs no engine");
    let r = srv.client.post(srv.url("/api/face/registrations/1/enrol")).bearer_auth(&staff).send().await.unwrap();
    let status = r.status().as_u16();
    let body: serde_json::Value = r.json().await.unwrap();
    assert_eq!((status, body["code"].as_str()), (400, Some("face_disabled")), "{body}");
    srv.stop().await;
}
