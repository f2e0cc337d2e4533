//! A recording export through the API, end to end on SQLite: real VP8/Opus segments with a
//! gap in object storage, indexed as the recorder announces them; staff queue an MP4 export
//! of a range and a remux of the whole recording, watch progress, fetch the files through
//! signed links (H.264 + AAC, VP8 + Opus, durations right); bad ranges and formats get
//! structured errors, an invigilator off duty is refused and one on duty exports only the
//! session's rooms inside its window; a job a stopped server left
//! running is queued again and finished after the restart.
mod common;
mod registration_support;

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use common::TestServer;
use media_server::{Codec, MediaEvent, ParticipantId, RoomId, TrackKind};
use proctor_api::db::Db;
use registration_support::{get as api_get, open_plan, post as api_post, session_with_room};
use serde_json::{Value, json};
use storage::ObjectStore;

const T0: u64 = 1_780_000_000_000;

/// A 6 s segment made by GStreamer as the recorder would store it.
fn segment(path: &Path, codec: Codec) {
    let chain = match codec {
        Codec::Vp8 => {
            "videotestsrc num-buffers=90 ! video/x-raw,format=I420,width=320,height=240,framerate=15/1 ! \
                       vp8enc keyframe-max-dist=15 deadline=1 ! webmmux"
        }
        _ => {
            "audiotestsrc num-buffers=300 samplesperbuffer=960 ! audio/x-raw,rate=48000,channels=2 ! opusenc ! webmmux"
        }
    };
    let desc = format!("{chain} ! filesink location={}", path.display());
    let ok = Command::new("gst-launch-1.0")
        .arg("-q")
        .args(desc.split_whitespace())
        .status()
        .expect("gst-launch-1.0 runs");
    assert!(ok.success(), "{desc}");
}

/// Container, codecs and seconds as `gst-discoverer-1.0` sees them.
fn discover(path: &Path) -> (String, f64) {
    let out = Command::new("gst-discoverer-1.0")
        .arg(path)
        .output()
        .expect("gst-discoverer-1.0 runs");
    let text = String::from_utf8_lossy(&out.stdout).to_string();
    let d = text
        .lines()
        .find_map(|l| l.trim().strip_prefix("Duration: "))
        .unwrap_or_else(|| panic!("{text}"));
    let secs = d
        .split(':')
        .fold(0.0, |acc, p| acc * 60.0 + p.parse::<f64>().unwrap());
    (text, secs)
}

async fn seed(data: &Path, room: &str, who: &str, t0: u64) {
    let signer = storage::UrlSigner::new(b"any-key-for-writing-0123456789", "/files").unwrap();
    let store = storage::LocalStore::open(data.join("objects"), signer)
        .await
        .unwrap();
    let db = Db::connect(&Db::sqlite_url(data)).await.unwrap();
    let work = tempfile::tempdir().unwrap();
    // [T0, T0+6 s) and [T0+9 s, T0+15 s), audio and video.
    for start in [t0, t0 + 9_000] {
        for (kind, codec) in [
            (TrackKind::Video, Codec::Vp8),
            (TrackKind::Audio, Codec::Opus),
        ] {
            let k = if kind == TrackKind::Video {
                "video"
            } else {
                "audio"
            };
            let file = work.path().join(format!("{k}-{start}.webm"));
            segment(&file, codec);
            let key = format!("recordings/{room}/{who}/{k}/{start}.webm");
            let opts = storage::PutOptions::new().content_type("video/webm");
            let meta = store.put_file(&key, &file, opts).await.unwrap();
            let ev = MediaEvent::RecordingSegment {
                room: RoomId(room.into()),
                participant: ParticipantId(who.into()),
                kind,
                index: format!("recordings/{room}/{who}/{k}/index.json"),
                key,
                codec,
                start_ms: start,
                end_ms: start + 6_000,
                bytes: meta.size,
            };
            proctor_api::recording::index_event(&db, &ev).await.unwrap();
        }
    }
    db.pool.close().await;
}

async fn post(srv: &TestServer, token: &str, body: Value) -> reqwest::Response {
    srv.client
        .post(srv.url("/api/recordings/exports"))
        .bearer_auth(token)
        .json(&body)
        .send()
        .await
        .unwrap()
}

/// Polls the job until it is done; checks progress never goes back.
async fn wait_done(srv: &TestServer, token: &str, id: i64) -> Value {
    let mut last = 0.0;
    for _ in 0..600 {
        let job: Value = api_get(srv, token, &format!("/api/recordings/exports/{id}")).await.json().await.unwrap();
        let p = job["progress"].as_f64().unwrap();
        assert!(p >= last, "progress only grows: {last} then {p}");
        last = p;
        match job["status"].as_str().unwrap() {
            "done" => return job,
            "failed" => panic!("export failed: {job}"),
            _ => tokio::time::sleep(Duration::from_millis(100)).await,
        }
    }
    panic!("export {id} did not finish in 60 s");
}

async fn download(srv: &TestServer, job: &Value, dir: &Path) -> std::path::PathBuf {
    let url = job["url"]
        .as_str()
        .unwrap_or_else(|| panic!("a signed link when done: {job}"));
    let got = srv.client.get(srv.url(url)).send().await.unwrap();
    assert_eq!(got.status(), 200);
    let path = dir.join(job["file_name"].as_str().unwrap());
    std::fs::write(&path, got.bytes().await.unwrap()).unwrap();
    assert_eq!(
        std::fs::metadata(&path).unwrap().len() as i64,
        job["size_bytes"].as_i64().unwrap()
    );
    path
}

#[tokio::test]
async fn recording_export_job_runs_to_a_signed_file() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let d = data.clone();
    let srv = TestServer::start_with(move |s| s.data_dir = d).await;
    let admin = srv.admin_token().await;
    let staff = srv.user_with_role(&admin, "staff.exp", "staff").await;
    let inv = srv.user_with_role(&admin, "inv.exp", "invigilator").await;
    let cand = srv.user_with_role(&admin, "cand.exp", "candidate").await;
    let (room, who) = ("check-77", "candidate:77");
    seed(&data, room, who, T0).await;

    // An MP4 (H.264 + AAC) of 2.5 s .. 11 s, across the gap.
    let r = post(&srv, &staff, json!({"room": room, "participant": who, "from_ms": T0 + 2_500, "to_ms": T0 + 11_000, "format": "mp4"})).await;
    assert_eq!(r.status(), 202);
    let job: Value = r.json().await.unwrap();
    assert!(
        ["queued", "running"].contains(&job["status"].as_str().unwrap()),
        "{job}"
    );
    let mp4 = wait_done(&srv, &staff, job["id"].as_i64().unwrap()).await;
    assert_eq!(
        (mp4["video_codec"].as_str(), mp4["audio_codec"].as_str()),
        (Some("h264"), Some("aac")),
        "{mp4}"
    );
    assert!(mp4["file_name"].as_str().unwrap().ends_with(".mp4"));
    let file = download(&srv, &mp4, dir.path()).await;
    let (text, secs) = discover(&file);
    assert!(text.contains("H.264") && text.contains("AAC"), "{text}");
    assert!((secs - 8.5).abs() < 1.0, "the range with its gap: {secs} s");

    // The whole recording, remuxed: WebM with VP8 + Opus, 15 s with the gap.
    let r = post(
        &srv,
        &staff,
        json!({"room": room, "participant": who, "format": "remux"}),
    )
    .await;
    assert_eq!(r.status(), 202);
    let job: Value = r.json().await.unwrap();
    assert_eq!(
        (job["from_ms"].as_u64(), job["to_ms"].as_u64()),
        (Some(T0), Some(T0 + 15_000)),
        "{job}"
    );
    let remux = wait_done(&srv, &staff, job["id"].as_i64().unwrap()).await;
    let file = download(&srv, &remux, dir.path()).await;
    let (text, secs) = discover(&file);
    assert!(
        text.contains("WebM") && text.contains("VP8") && text.contains("Opus"),
        "{text}"
    );
    assert!((secs - 15.0).abs() < 1.0, "{secs} s");

    // Structured refusals.
    let bad = post(&srv, &staff, json!({"room": room, "participant": who, "from_ms": T0 + 5_000, "to_ms": T0 + 5_000, "format": "mp4"})).await;
    assert_eq!(bad.status(), 400);
    let body: Value = bad.json().await.unwrap();
    assert_eq!(body["field"], "to_ms");
    assert!(
        body["message"]["zh"]
            .as_str()
            .is_some_and(|m| !m.is_empty())
            && body["message"]["en"].is_string()
    );
    let outside = post(&srv, &staff, json!({"room": room, "participant": who, "from_ms": T0 + 60_000, "to_ms": T0 + 70_000, "format": "mp4"})).await;
    assert_eq!(outside.status(), 400);
    assert_eq!(
        outside.json::<Value>().await.unwrap()["code"],
        "range_outside_recording"
    );
    let avi = post(
        &srv,
        &staff,
        json!({"room": room, "participant": who, "format": "avi"}),
    )
    .await;
    assert_eq!(avi.status(), 400);
    assert_eq!(avi.json::<Value>().await.unwrap()["field"], "format");
    let unknown = post(
        &srv,
        &staff,
        json!({"room": room, "participant": "candidate:78", "format": "mp4"}),
    )
    .await;
    assert_eq!(unknown.status(), 404);
    assert_eq!(
        post(
            &srv,
            &cand,
            json!({"room": room, "participant": who, "format": "mp4"})
        )
        .await
        .status(),
        403
    );
    // Invigilators: only under a session they are on duty at.
    let plan = open_plan(&srv, &staff, "EXP-01", "warn").await;
    let session = session_with_room(&srv, &staff, plan, 10).await;
    let r = post(
        &srv,
        &inv,
        json!({"room": room, "participant": who, "format": "mp4"}),
    )
    .await;
    assert_eq!(
        (
            r.status().as_u16(),
            r.json::<Value>().await.unwrap()["field"].clone()
        ),
        (400, json!("session_id"))
    );
    let r = post(
        &srv,
        &inv,
        json!({"room": room, "participant": who, "format": "mp4", "session_id": session}),
    )
    .await;
    assert_eq!(r.status(), 403);
    // Someone else's job is not there for an invigilator.
    let r = api_get(&srv, &inv, &format!("/api/recordings/exports/{}", mp4["id"])).await;
    assert_eq!(r.status(), 404);
    let mine: Value = api_get(&srv, &inv, "/api/recordings/exports").await.json().await.unwrap();
    assert_eq!(mine.as_array().unwrap().len(), 0);

    // On duty: the session's room camera, cut to the session's window (09:00+08:00 onwards);
    // a recording of a room outside the session is not found.
    let me: Value = api_get(&srv, &inv, "/api/auth/me")
        .await
        .json()
        .await
        .unwrap();
    let r = api_post(&srv, &staff, &format!("/api/sessions/{session}/staff"), json!({
        "account_id": me["id"], "duty": "invigilator", "work_unit": "贵州省职业技能鉴定中心", "qualification_no": ""
    }))
    .await;
    assert_eq!(r.status(), 201, "{:?}", r.text().await);
    let sites: Value = api_get(&srv, &staff, "/api/sites")
        .await
        .json()
        .await
        .unwrap();
    let cam_room = format!("room-{}", sites[0]["rooms"][0]["id"].as_i64().unwrap());
    let opens = chrono::DateTime::parse_from_rfc3339("2026-12-20T09:00:00+08:00")
        .unwrap()
        .timestamp_millis() as u64;
    seed(&data, &cam_room, "camera:1", opens - 3_000).await;
    let r = post(&srv, &inv, json!({"room": cam_room, "participant": "camera:1", "format": "remux", "session_id": session})).await;
    assert_eq!(r.status(), 202);
    let job: Value = r.json().await.unwrap();
    assert_eq!(
        (job["from_ms"].as_u64(), job["to_ms"].as_u64()),
        (Some(opens), Some(opens + 12_000)),
        "{job}"
    );
    let inv_job = wait_done(&srv, &inv, job["id"].as_i64().unwrap()).await;
    assert!(inv_job["url"].is_string());
    let r = post(
        &srv,
        &inv,
        json!({"room": room, "participant": who, "format": "mp4", "session_id": session}),
    )
    .await;
    assert_eq!(r.status(), 404, "not the session's room");
    let all: Value = api_get(&srv, &staff, "/api/recordings/exports").await.json().await.unwrap();
    assert_eq!(
        all.as_array().unwrap().len(),
        3,
        "staff see everyone's jobs"
    );

    let audit: Value = api_get(&srv, &admin, "/api/audit?target_kind=recording").await.json().await.unwrap();
    let actions: Vec<&str> = audit
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        actions.iter().filter(|a| **a == "recording.export").count(),
        3,
        "{actions:?}"
    );
    assert!(
        actions.contains(&"recording.export.download"),
        "{actions:?}"
    );
    srv.stop().await;

    // A job the stopped server left running is queued again and finished after a restart.
    let db = Db::connect(&Db::sqlite_url(&data)).await.unwrap();
    sqlx::query("UPDATE recording_export SET status = 'running', progress_permille = 400, result_key = NULL WHERE recording_export_id = $1")
        .bind(remux["id"].as_i64().unwrap())
        .execute(&db.pool)
        .await
        .unwrap();
    db.pool.close().await;
    let d = data.clone();
    let srv = TestServer::start_with(move |s| s.data_dir = d).await;
    let r = srv.login("staff.exp", common::NEW_PASSWORD).await;
    let staff = r.json::<Value>().await.unwrap()["token"]
        .as_str()
        .unwrap()
        .to_owned();
    let again = wait_done(&srv, &staff, remux["id"].as_i64().unwrap()).await;
    assert!(again["url"].is_string(), "{again}");
    srv.stop().await;
}
