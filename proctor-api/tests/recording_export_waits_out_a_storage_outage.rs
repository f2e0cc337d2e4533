//! An export that finds the object store (a real SeaweedFS) down does not fail: it goes back
//! to the queue, says why and when it runs again, and finishes once the store is back — the
//! file downloads and plays. A fault that waiting cannot cure (a segment missing from the
//! store) fails the job at once with its reason.
mod common;

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use common::TestServer;
use media_server::{Codec, MediaEvent, ParticipantId, RoomId, TrackKind};
use proctor_api::db::Db;
use proctor_api::settings::{Secret, StorageKind};
use serde_json::{Value, json};
use storage::ObjectStore;

const T0: u64 = 1_780_000_000_000;

/// 6 s of VP8 in WebM, as the recorder stores it.
fn segment(path: &Path) {
    let desc = format!(
        "videotestsrc num-buffers=90 ! video/x-raw,format=I420,width=320,height=240,framerate=15/1 ! \
         vp8enc keyframe-max-dist=15 deadline=1 ! webmmux ! filesink location={}",
        path.display()
    );
    let ok = Command::new("gst-launch-1.0").arg("-q").args(desc.split_whitespace()).status().unwrap();
    assert!(ok.success(), "{desc}");
}

/// Two video segments of `who` in the store and in the table: [T0, T0+6 s), [T0+6 s, T0+12 s).
async fn seed(data: &Path, store: &dyn ObjectStore, room: &str, who: &str) {
    let db = Db::connect(&Db::sqlite_url(data)).await.unwrap();
    let work = tempfile::tempdir().unwrap();
    for start in [T0, T0 + 6_000] {
        let file = work.path().join(format!("{start}.webm"));
        segment(&file);
        let key = format!("recordings/{room}/{who}/video/{start}.webm");
        let meta = store.put_file(&key, &file, storage::PutOptions::new().content_type("video/webm")).await.unwrap();
        let ev = MediaEvent::RecordingSegment {
            room: RoomId(room.into()),
            participant: ParticipantId(who.into()),
            kind: TrackKind::Video,
            index: format!("recordings/{room}/{who}/video/index.json"),
            key,
            codec: Codec::Vp8,
            start_ms: start,
            end_ms: start + 6_000,
            bytes: meta.size,
        };
        proctor_api::recording::index_event(&db, &ev).await.unwrap();
    }
    db.pool.close().await;
}

async fn ask_remux(srv: &TestServer, token: &str, room: &str, who: &str) -> reqwest::Response {
    srv.client
        .post(srv.url("/api/recordings/exports"))
        .bearer_auth(token)
        .json(&json!({"room": room, "participant": who, "format": "remux"}))
        .send()
        .await
        .unwrap()
}

async fn job(srv: &TestServer, token: &str, id: i64) -> Value {
    let r = srv.client.get(srv.url(&format!("/api/recordings/exports/{id}"))).bearer_auth(token).send().await.unwrap();
    assert_eq!(r.status(), 200);
    r.json().await.unwrap()
}

async fn wait_for(srv: &TestServer, token: &str, id: i64, what: &str, mut ok: impl FnMut(&Value) -> bool) -> Value {
    let mut last = Value::Null;
    for _ in 0..900 {
        last = job(srv, token, id).await;
        if ok(&last) {
            return last;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("{what} did not happen in 90 s: {last}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn recording_export_waits_out_a_storage_outage() {
    let mut weed = storage::seaweed::SeaweedFs::start().await.unwrap();
    weed.create_bucket("exports", false).await.unwrap();
    let s3 = weed.s3_settings("exports");
    let writer = storage::S3Store::connect(&s3).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let (d, endpoint) = (data.clone(), weed.endpoint());
    let srv = TestServer::start_with(move |s| {
        s.data_dir = d;
        s.storage.kind = StorageKind::S3;
        s.storage.endpoint = Some(endpoint);
        s.storage.bucket = Some("exports".into());
        s.storage.access_key = Some(storage::seaweed::ACCESS_KEY.into());
        s.storage.secret_key = Some(Secret(storage::seaweed::SECRET_KEY.into()));
        s.recording.export_retry_secs = 1;
    })
    .await;
    let admin = srv.admin_token().await;
    let staff = srv.user_with_role(&admin, "staff.outage", "staff").await;
    let (room, who) = ("check-81", "candidate:81");
    seed(&data, &writer, room, who).await;

    // The store goes down, then an export is asked for: it waits instead of failing.
    weed.stop().await.unwrap();
    let r = ask_remux(&srv, &staff, room, who).await;
    assert_eq!(r.status(), 202);
    let id = r.json::<Value>().await.unwrap()["id"].as_i64().unwrap();
    let waiting = wait_for(&srv, &staff, id, "a second wait", |j| j["attempts"].as_i64() >= Some(2)).await;
    assert_ne!(waiting["status"], "failed", "{waiting}");
    let waiting = wait_for(&srv, &staff, id, "waiting in the queue", |j| j["status"] == "queued").await;
    assert!(waiting["retry_at"].is_string(), "says when it runs again: {waiting}");
    assert!(!waiting["error"].as_str().unwrap_or("").is_empty(), "says what it met: {waiting}");
    assert!(waiting["url"].is_null());

    // Back up: the same job finishes and its file plays.
    weed.start_again().await.unwrap();
    let done = wait_for(&srv, &staff, id, "the export after the outage", |j| {
        assert_ne!(j["status"], "failed", "{j}");
        j["status"] == "done"
    })
    .await;
    assert!(done["error"].is_null() && done["retry_at"].is_null(), "{done}");
    // An S3 store hands out its own presigned link.
    let url = done["url"].as_str().unwrap();
    let url = if url.starts_with("http") { url.to_owned() } else { srv.url(url) };
    let got = srv.client.get(url).send().await.unwrap();
    assert_eq!(got.status(), 200);
    let file = dir.path().join("after-outage.webm");
    std::fs::write(&file, got.bytes().await.unwrap()).unwrap();
    let out = Command::new("gst-discoverer-1.0").arg(&file).output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("VP8") && text.contains("Duration: 0:00:1"), "12 s of VP8: {text}");

    // A segment gone from the store is not an outage: the job fails at once, saying so.
    writer.delete(&format!("recordings/{room}/{who}/video/{}.webm", T0 + 6_000)).await.unwrap();
    let r = ask_remux(&srv, &staff, room, who).await;
    let id = r.json::<Value>().await.unwrap()["id"].as_i64().unwrap();
    let failed = wait_for(&srv, &staff, id, "the failure", |j| j["status"] == "failed").await;
    assert_eq!(failed["attempts"], 0, "no waiting for a missing object: {failed}");
    assert!(failed["error"].as_str().unwrap().contains(&(T0 + 6_000).to_string()), "names the segment: {failed}");
    srv.stop().await;
}
