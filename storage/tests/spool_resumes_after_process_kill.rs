//! A process uploading a 200 MB object through the spool is killed (SIGKILL)
//! mid-upload. Reopening the spool resumes the same multipart upload from the
//! parts already on the server, and the object lands byte-identical.
mod common;

use std::sync::Arc;
use std::time::{Duration, Instant};

use storage::seaweed::SeaweedFs;
use storage::{ObjectStore, S3Store, Spool, SpoolSettings, sha256_hex};

const BIG: usize = 200 << 20;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn spool_resumes_after_process_kill() {
    let weed = SeaweedFs::start().await.unwrap();
    weed.create_bucket("killed", false).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let spool_dir = dir.path().join("spool");
    let data = common::random_bytes(BIG, 7);
    let sha = sha256_hex(&data);
    let file = dir.path().join("big.bin");
    std::fs::write(&file, &data).unwrap();
    drop(data);

    let mut spool_settings = SpoolSettings::new(&spool_dir);
    spool_settings.min_free_bytes = 0;
    let s3 = weed.s3_settings("killed");
    let settings = serde_json::json!({
        "signing_key": "unused-for-s3-but-required-0123456789",
        "backend": {
            "kind": "s3", "endpoint": s3.endpoint, "region": s3.region, "bucket": s3.bucket,
            "access_key": s3.access_key, "secret_key": storage::seaweed::SECRET_KEY, "path_style": true
        },
        "spool": { "dir": spool_dir, "min_free_bytes": 0 }
    });
    let settings_path = dir.path().join("settings.json");
    std::fs::write(&settings_path, settings.to_string()).unwrap();

    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_storage-spool"))
        .arg(&settings_path)
        .args(["put", "rec/killed.mp4"])
        .arg(&file)
        .stdout(std::process::Stdio::null())
        .spawn()
        .unwrap();

    // Kill once at least two parts are recorded as uploaded.
    let started = Instant::now();
    let parts_at_kill = loop {
        let n = recorded_parts(&spool_dir);
        if n >= 2 {
            child.kill().unwrap();
            child.wait().unwrap();
            break recorded_parts(&spool_dir);
        }
        if let Some(status) = child.try_wait().unwrap() {
            panic!("uploader exited ({status}) before it could be killed");
        }
        assert!(
            started.elapsed() < Duration::from_secs(120),
            "upload never progressed"
        );
        std::thread::sleep(Duration::from_millis(5));
    };
    let total_parts = BIG.div_ceil(storage::part_size_for(BIG as u64) as usize);
    assert!(
        parts_at_kill < total_parts,
        "killed mid-upload ({parts_at_kill}/{total_parts} parts)"
    );

    let remote = Arc::new(S3Store::connect(&s3).await.unwrap());
    assert!(
        matches!(
            remote.head("rec/killed.mp4").await,
            Err(storage::Error::NotFound { .. })
        ),
        "nothing half-written visible"
    );

    let spool = Spool::open(spool_settings, remote.clone()).await.unwrap();
    assert_eq!(spool.pending_count(), 1, "the entry survived the kill");
    assert!(
        spool.wait_drained(Duration::from_secs(180)).await,
        "drained: {:?} {:?}",
        spool.pending(),
        spool.last_error()
    );
    assert!(
        spool.resumed_parts() >= 2,
        "resumed from {} parts already uploaded",
        spool.resumed_parts()
    );

    let head = remote.head("rec/killed.mp4").await.unwrap();
    assert_eq!(
        (head.size, head.sha256.as_deref()),
        (BIG as u64, Some(sha.as_str()))
    );
    let got = remote.get_bytes("rec/killed.mp4", None).await.unwrap();
    assert_eq!(sha256_hex(&got), sha, "byte-identical after resume");
    let uploads = remote
        .client()
        .list_multipart_uploads()
        .bucket("killed")
        .send()
        .await
        .unwrap();
    assert!(uploads.uploads().is_empty(), "no unfinished uploads left");
}

/// Parts recorded in the spool entry's `entry.json` (0 if none yet).
fn recorded_parts(spool_dir: &std::path::Path) -> usize {
    let Ok(rd) = std::fs::read_dir(spool_dir.join("entries")) else {
        return 0;
    };
    for e in rd.flatten() {
        if let Ok(b) = std::fs::read(e.path().join("entry.json"))
            && let Ok(v) = serde_json::from_slice::<serde_json::Value>(&b)
        {
            return v["upload"]["parts"].as_array().map(Vec::len).unwrap_or(0);
        }
    }
    0
}
