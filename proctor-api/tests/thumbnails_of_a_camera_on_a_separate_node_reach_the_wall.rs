//! The thumbnailer runs beside every SFU: a room camera pulled by a separate media node
//! (`proctor media`, in-process here, the object store shared with the API) gets a thumbnail
//! per period there; the node posts the announcements, the API indexes them, and the wall's
//! request for the room's latest pictures returns a signed link to a real JPEG of the
//! camera's picture, while the strip lists one per period.

mod camera_support;
mod common;
mod registration_support;

use std::path::Path;
use std::time::Duration;

use camera_support::TestCamera;
use common::TestServer;
use proctor_api::settings::{Secret, Settings};
use registration_support::*;
use serde_json::{Value, json};

const KEY: &str = "an-installation-secret-of-32-chars-or-more";
const NODE: &str = "media-thumbs";

async fn wait_for<T>(what: &str, secs: u64, mut probe: impl AsyncFnMut() -> Option<T>) -> T {
    for _ in 0..secs * 5 {
        if let Some(v) = probe().await {
            return v;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    panic!("{what}: not within {secs} s");
}

fn node_settings(api: &str, objects: &Path, dir: &Path, public_url: &str) -> Settings {
    let mut s = Settings { data_dir: dir.to_path_buf(), secret_key: Some(Secret(KEY.into())), ..Settings::default() };
    s.media.udp_bind = "127.0.0.1:0".parse().unwrap();
    s.media_node.id = Some(NODE.into());
    s.media_node.api_url = Some(api.into());
    s.media_node.public_url = Some(public_url.into());
    s.media_node.heartbeat_secs = 2;
    s.storage.root = Some(objects.to_path_buf());
    s.recording.thumbnail_secs = 1;
    s
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn thumbnails_of_a_camera_on_a_separate_node_reach_the_wall() {
    let objects = tempfile::tempdir().unwrap();
    let cam = TestCamera::start(0, "admin", "Cam-Passw0rd-8");
    let root = objects.path().to_path_buf();
    let srv = TestServer::start_with(|s| {
        s.secret_key = Some(Secret(KEY.into()));
        s.storage.root = Some(root);
        s.media_node.heartbeat_secs = 2;
        s.face.enabled = false;
    })
    .await;
    let node_dir = tempfile::tempdir().unwrap();
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let public_url = format!("http://{}/media", listener.local_addr().unwrap());
    let settings = node_settings(&srv.base, objects.path(), node_dir.path(), &public_url);
    let (stop_node, stopped) = tokio::sync::oneshot::channel::<()>();
    let node = tokio::spawn(proctor_api::media_node::node::run(settings, listener, async move {
        let _ = stopped.await;
    }));
    let admin = srv.admin_token().await;
    wait_for("node registered", 20, async || {
        let nodes: Value = get(&srv, &admin, "/api/media-nodes").await.json().await.unwrap();
        nodes.as_array().unwrap().iter().any(|n| n["id"] == NODE && n["fresh"] == true).then_some(())
    })
    .await;

    let staff = srv.user_with_role(&admin, "kw.thumbnode", "staff").await;
    let plan = open_plan(&srv, &staff, "THUMB-NODE-01", "warn").await;
    session_with_room(&srv, &staff, plan, 10).await;
    let sites: Value = get(&srv, &staff, "/api/sites").await.json().await.unwrap();
    let room = sites[0]["rooms"][0]["id"].as_i64().unwrap();
    let r = post(&srv, &staff, &format!("/api/rooms/{room}/cameras"), json!({
        "label": "后门摄像头", "url": cam.url, "username": "admin", "password": "Cam-Passw0rd-8"
    }))
    .await;
    assert_eq!(r.status(), 201, "{:?}", r.text().await);
    let created: Value = r.json().await.unwrap();
    let live_room = created["live_room"].as_str().unwrap().to_owned();
    let participant = format!("camera:{}", created["id"]);

    // Two periods' pictures made on the node and indexed by the API.
    let strip = wait_for("two thumbnails indexed", 40, async || {
        let list: Value = get(&srv, &staff, &format!("/api/recordings/thumbnails?room={live_room}")).await.json().await.unwrap();
        (list.as_array().unwrap().len() >= 2).then_some(list)
    })
    .await;
    let at: Vec<i64> = strip.as_array().unwrap().iter().map(|t| t["at_ms"].as_i64().unwrap()).collect();
    assert!(at.windows(2).all(|w| w[1] - w[0] >= 500), "about one per period: {at:?}");

    let latest: Value = get(&srv, &staff, &format!("/api/live/thumbnails?room={live_room}")).await.json().await.unwrap();
    let latest = latest.as_array().unwrap();
    assert_eq!(latest.len(), 1, "{latest:?}");
    assert_eq!(latest[0]["participant"], participant.as_str());
    assert!(latest[0]["at_ms"].as_i64().unwrap() >= *at.last().unwrap());
    let jpeg = srv.client.get(srv.url(latest[0]["url"].as_str().unwrap())).send().await.unwrap().bytes().await.unwrap();
    let picture = image::load_from_memory_with_format(&jpeg, image::ImageFormat::Jpeg).unwrap().to_rgb8();
    // The test camera sends 320×240; the default width is 320, so nothing is scaled.
    assert_eq!(picture.dimensions(), (320, 240));
    assert_eq!((latest[0]["width"].as_i64(), latest[0]["height"].as_i64()), (Some(320), Some(240)));
    let first = picture.get_pixel(0, 0).0;
    assert!(picture.pixels().any(|p| p.0.iter().zip(first).any(|(a, b)| a.abs_diff(b) > 40)), "a picture, not a flat frame");

    let _ = stop_node.send(());
    node.await.unwrap().unwrap();
    srv.stop().await;
}
