//! Starts the real platform in-process on 127.0.0.1:0 with a fresh data directory.
#![allow(dead_code)]

use proctor_api::settings::{Secret, Settings};
use serde_json::{Value, json};

pub const ADMIN_PASSWORD: &str = "First-start-2026";
pub const NEW_PASSWORD: &str = "Changed-pass-2026";

pub struct TestServer {
    pub base: String,
    pub client: reqwest::Client,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<anyhow::Result<()>>>,
    _dir: tempfile::TempDir,
}

impl TestServer {
    pub async fn start(database_url: Option<String>) -> TestServer {
        TestServer::start_with(|s| s.database_url = database_url.map(Secret)).await
    }

    /// Starts with the test defaults adjusted by `adjust` (TLS, limits, …).
    pub async fn start_with(adjust: impl FnOnce(&mut Settings)) -> TestServer {
        let dir = tempfile::tempdir().unwrap();
        let mut settings = Settings {
            data_dir: dir.path().to_path_buf(),
            admin_password: Some(Secret(ADMIN_PASSWORD.into())),
            ..Settings::default()
        };
        // Tests run in parallel: let the media node take any free UDP port.
        settings.media.udp_bind = "127.0.0.1:0".parse().unwrap();
        adjust(&mut settings);
        let tls = settings.tls.mode != proctor_api::settings::TlsMode::Off;
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let scheme = if tls { "https" } else { "http" };
        let base = format!("{scheme}://{}", listener.local_addr().unwrap());
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let task = tokio::spawn(proctor_api::launch_with_listener(settings, listener, async move {
            let _ = rx.await;
        }));
        // The self-signed certificate is trusted by pinning it below, not by skipping checks.
        let mut builder = reqwest::Client::builder();
        if tls {
            for _ in 0..200 {
                if dir.path().join("tls/self-signed.crt").exists() {
                    break;
                }
                tokio::time::sleep(std::time::Duration::from_millis(25)).await;
            }
            let pem = std::fs::read(dir.path().join("tls/self-signed.crt")).unwrap();
            builder = builder
                .add_root_certificate(reqwest::Certificate::from_pem(&pem).unwrap())
                .tls_built_in_root_certs(false);
        }
        let client = builder.build().unwrap();
        for _ in 0..200 {
            if client.get(format!("{base}/healthz")).send().await.is_ok() {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(25)).await;
        }
        TestServer { base, client, shutdown: Some(tx), task: Some(task), _dir: dir }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    pub async fn login(&self, username: &str, password: &str) -> reqwest::Response {
        self.client
            .post(self.url("/api/auth/login"))
            .json(&json!({"username": username, "password": password}))
            .send()
            .await
            .unwrap()
    }

    /// Signs in a user created with a temporary password, changes it, returns the new token.
    pub async fn activate(&self, username: &str, temp: &str) -> String {
        let r = self.login(username, temp).await;
        assert_eq!(r.status(), 200, "login {username}");
        let token = r.json::<Value>().await.unwrap()["token"].as_str().unwrap().to_owned();
        let r = self
            .client
            .post(self.url("/api/auth/password"))
            .bearer_auth(&token)
            .json(&json!({"current_password": temp, "new_password": NEW_PASSWORD}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200, "password change for {username}");
        r.json::<Value>().await.unwrap()["token"].as_str().unwrap().to_owned()
    }

    pub async fn admin_token(&self) -> String {
        self.activate("admin", ADMIN_PASSWORD).await
    }

    /// Creates an account with `role` through the admin API and returns its ready token.
    pub async fn user_with_role(&self, admin: &str, username: &str, role: &str) -> String {
        let temp = "Temporary-2026";
        let r = self
            .client
            .post(self.url("/api/users"))
            .bearer_auth(admin)
            .json(&json!({"username": username, "display_name": username, "role": role, "password": temp}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 201, "create {username}: {:?}", r.text().await);
        self.activate(username, temp).await
    }

    pub async fn stop(mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(t) = self.task.take() {
            t.await.unwrap().unwrap();
        }
    }
}
