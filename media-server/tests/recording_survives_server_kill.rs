//! `kill -9` of a recording media server loses at most the open segment: after a restart on
//! the same ports and directories the browser publishes again, recording resumes, and the
//! index shows the hole as a `server_restart` gap.
mod common;

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use media_server::record::{GapReason, RecordingIndex};
use storage::ObjectStore;

const SEGMENT_SECS: u64 = 3;

/// `sfu-dev` as built by cargo for this test run.
fn sfu_dev(dir: &Path, http: &str, udp: &str) -> (Child, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_sfu-dev"))
        .args(["--http", http, "--udp", udp, "--record"])
        .arg(dir)
        .args(["--segment-secs", &SEGMENT_SECS.to_string()])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let ready = loop {
        let line = lines.next().expect("sfu-dev prints its address").unwrap();
        if let Some(json) = line.strip_prefix("SFU_DEV_READY ") {
            break serde_json::from_str::<serde_json::Value>(json).unwrap();
        }
    };
    // Keep draining its events so it never blocks on a full pipe.
    std::thread::spawn(move || for _ in lines {});
    (child, ready["http"].as_str().unwrap().to_owned())
}

fn free_udp() -> String {
    let s = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
    s.local_addr().unwrap().to_string()
}

async fn index(store: &storage::LocalStore, key: &str) -> Option<RecordingIndex> {
    RecordingIndex::from_json(&store.get_bytes(key, None).await.ok()?)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn recording_survives_server_kill() {
    let dir = tempfile::tempdir().unwrap();
    let y4m = common::face_y4m(dir.path());
    let rec_dir: PathBuf = dir.path().join("rec");
    let udp = free_udp();
    let (mut first, http) = sfu_dev(&rec_dir, "127.0.0.1:0", &udp);
    let http_addr = http.trim_start_matches("http://").to_owned();
    // sfu-dev signs with its own public dev key.
    let claims = media_server::MediaClaims {
        room: "room-kill".into(),
        sub: "candidate:9".into(),
        name: "candidate:9".into(),
        role: media_server::MediaRole::Publish,
        exp: common::unix_now() + 600,
    };
    let tok = media_server::token::sign(&claims, b"sfu-dev-test-key-not-secret");
    let browser = common::Browser::open(&format!("{http}/camera-check.html?token={tok}"), &y4m);

    let signer = storage::UrlSigner::new(b"sfu-dev-files-key-not-secret", "/files").unwrap();
    let store = storage::LocalStore::open(rec_dir.join("objects"), signer).await.unwrap();
    let key = "recordings/room-kill/candidate:9/video/index.json";
    // Two whole segments stored, the third open.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(40);
    loop {
        if index(&store, key).await.is_some_and(|i| i.segments.len() >= 2) {
            break;
        }
        assert!(tokio::time::Instant::now() < deadline, "segments before the kill");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let before = index(&store, key).await.unwrap();
    assert!(before.live);
    let killed_at = common::unix_ms();
    assert!(Command::new("kill").args(["-9", &first.id().to_string()]).status().unwrap().success());
    let _ = first.wait();

    tokio::time::sleep(Duration::from_secs(2)).await;
    let (mut second, _) = sfu_dev(&rec_dir, &http_addr, &udp);
    // The page's WHIP client notices the dead connection and publishes again by itself.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    let after = loop {
        if let Some(i) = index(&store, key).await.filter(|i| i.segments.len() > before.segments.len() + 1) {
            break i;
        }
        assert!(tokio::time::Instant::now() < deadline, "recording resumed after the restart");
        tokio::time::sleep(Duration::from_millis(300)).await;
    };
    browser.close();
    let _ = second.kill();
    let _ = second.wait();

    // Nothing stored before the kill was lost.
    assert_eq!(&after.segments[..before.segments.len()], &before.segments[..]);
    let last_before = before.segments.last().unwrap();
    assert_eq!(after.gaps.len(), 1, "{:?}", after.gaps);
    let gap = &after.gaps[0];
    assert_eq!(gap.reason, GapReason::ServerRestart);
    assert_eq!(gap.from_ms, last_before.end_ms, "the gap starts where the stored media ends");
    assert!(gap.to_ms > killed_at, "and ends after the restart");
    // At most the open segment was lost: the stored media reached to within one segment
    // (plus the keyframe wait) of the kill.
    assert!(
        killed_at - gap.from_ms <= SEGMENT_SECS * 1000 + 2000,
        "lost {} ms before the kill",
        killed_at - gap.from_ms
    );
    let resumed = &after.segments[before.segments.len()];
    assert_eq!(resumed.start_ms, gap.to_ms);
}
