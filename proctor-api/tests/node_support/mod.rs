//! A separate media node in-process beside the API under test: both share one object store
//! (a local directory here, S3 in a deployment) and the installation secret. Also the common
//! first steps of the node tests: wait until the node is heard from, and register a room
//! camera in a new plan's exam room.
#![allow(dead_code)]

use std::path::Path;
use std::time::Duration;

use proctor_api::settings::{Secret, Settings};
use serde_json::{Value, json};

use crate::common::TestServer;
use crate::registration_support::{get, open_plan, post, session_with_room};

pub const KEY: &str = "an-installation-secret-of-32-chars-or-more";

/// The API with the node's secret, a 2 s heartbeat and `objects` as its store.
pub async fn api_sharing_store(objects: &Path) -> TestServer {
    let root = objects.to_path_buf();
    TestServer::start_with(|s| {
        s.secret_key = Some(Secret(KEY.into()));
        s.storage.root = Some(root);
        s.media_node.heartbeat_secs = 2;
        s.face.enabled = false;
    })
    .await
}

pub struct Node {
    pub public_url: String,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    task: tokio::task::JoinHandle<anyhow::Result<()>>,
    _dir: tempfile::TempDir,
}

impl Node {
    /// Starts node `id` reporting to `api`, storing into `objects`; `adjust` tunes its settings.
    pub async fn start(id: &str, api: &str, objects: &Path, adjust: impl FnOnce(&mut Settings)) -> Node {
        let dir = tempfile::tempdir().unwrap();
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let public_url = format!("http://{}/media", listener.local_addr().unwrap());
        let mut s = Settings { data_dir: dir.path().to_path_buf(), secret_key: Some(Secret(KEY.into())), ..Settings::default() };
        s.media.udp_bind = "127.0.0.1:0".parse().unwrap();
        s.media_node.id = Some(id.into());
        s.media_node.api_url = Some(api.into());
        s.media_node.public_url = Some(public_url.clone());
        s.media_node.heartbeat_secs = 2;
        s.storage.root = Some(objects.to_path_buf());
        adjust(&mut s);
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let task = tokio::spawn(proctor_api::media_node::node::run(s, listener, async move {
            let _ = rx.await;
        }));
        Node { public_url, shutdown: Some(tx), task, _dir: dir }
    }

    pub async fn stop(mut self) {
        let _ = self.shutdown.take().unwrap().send(());
        self.task.await.unwrap().unwrap();
    }
}

pub async fn wait_for<T>(what: &str, secs: u64, mut probe: impl AsyncFnMut() -> Option<T>) -> T {
    for _ in 0..secs * 5 {
        if let Some(v) = probe().await {
            return v;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    panic!("{what}: not within {secs} s");
}

/// Waits until the API lists node `id` as fresh.
pub async fn wait_registered(srv: &TestServer, admin: &str, id: &str) {
    wait_for("node registered", 20, async || {
        let nodes: Value = get(srv, admin, "/api/media-nodes").await.json().await.unwrap();
        nodes.as_array().unwrap().iter().any(|n| n["id"] == id && n["fresh"] == true).then_some(())
    })
    .await;
}

/// A plan `code` with a session in a new exam room, and a camera registered there by staff;
/// returns (exam room id, the camera as the API answered).
pub async fn camera_in_a_new_room(srv: &TestServer, staff: &str, code: &str, label: &str, url: &str, password: &str) -> (i64, Value) {
    let plan = open_plan(srv, staff, code, "warn").await;
    session_with_room(srv, staff, plan, 10).await;
    let sites: Value = get(srv, staff, "/api/sites").await.json().await.unwrap();
    let room = sites[0]["rooms"][0]["id"].as_i64().unwrap();
    let r = post(srv, staff, &format!("/api/rooms/{room}/cameras"), json!({
        "label": label, "url": url, "username": "admin", "password": password
    }))
    .await;
    assert_eq!(r.status(), 201, "{:?}", r.text().await);
    (room, r.json().await.unwrap())
}
