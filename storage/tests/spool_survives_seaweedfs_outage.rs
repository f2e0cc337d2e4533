//! While a 200 MB multipart upload and a stream of 1 MB segments go through the
//! spool, SeaweedFS is stopped for 30 s and started again. Every object lands
//! byte-identical, none is duplicated or half-written, and the spool drains.
mod common;

use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use storage::seaweed::SeaweedFs;
use storage::{ObjectStore, PutOptions, RetentionClass, S3Store, Spool, SpoolSettings, sha256_hex};

const SEGMENTS: usize = 120;
const SEGMENT_INTERVAL: Duration = Duration::from_millis(300);
const BIG: usize = 200 << 20;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn spool_survives_seaweedfs_outage() {
    let mut weed = SeaweedFs::start().await.unwrap();
    weed.create_bucket("outage", false).await.unwrap();
    let remote = Arc::new(S3Store::connect(&weed.s3_settings("outage")).await.unwrap());
    let dir = tempfile::tempdir().unwrap();
    let mut settings = SpoolSettings::new(dir.path().join("spool"));
    settings.retry_min_ms = 200;
    settings.retry_max_ms = 2_000;
    settings.min_free_bytes = 0;
    let spool = Arc::new(Spool::open(settings, remote.clone()).await.unwrap());

    let big = random_file(dir.path(), BIG);
    spool
        .put_file(
            "rec/exam-1/full.mp4",
            &big.0,
            PutOptions::new().class(RetentionClass::Recording),
        )
        .await
        .unwrap();

    let writer = {
        let spool = spool.clone();
        tokio::spawn(async move {
            for i in 0..SEGMENTS {
                let data = Bytes::from(common::random_bytes(1 << 20, 1000 + i as u64));
                spool
                    .put_bytes(
                        &format!("rec/exam-1/seg/{i:04}.webm"),
                        data,
                        PutOptions::new().content_type("video/webm"),
                    )
                    .await
                    .unwrap();
                tokio::time::sleep(SEGMENT_INTERVAL).await;
            }
        })
    };

    // Stop the server once the big upload has parts on it but is not finished.
    let started = Instant::now();
    loop {
        let big_entry = spool
            .pending()
            .into_iter()
            .find(|p| p.key == "rec/exam-1/full.mp4");
        match big_entry {
            Some(p) if p.uploaded_bytes > 0 => break,
            Some(_) => {}
            None => panic!("the 200 MB upload finished before the outage could start"),
        }
        assert!(
            started.elapsed() < Duration::from_secs(120),
            "upload never started"
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    weed.stop().await.unwrap();
    let during = spool.pending();
    assert!(
        during
            .iter()
            .any(|p| p.key == "rec/exam-1/full.mp4" && p.uploaded_bytes < BIG as u64),
        "big upload interrupted"
    );

    tokio::time::sleep(Duration::from_secs(30)).await;
    assert!(
        spool.pending_count() > 1,
        "segments pile up while the server is down"
    );
    assert!(
        spool.pending_bytes() >= BIG as u64,
        "spool holds the big object"
    );
    assert!(
        spool.oldest_age().unwrap() >= Duration::from_secs(29),
        "oldest age grows"
    );
    assert!(spool.last_error().is_some(), "the failure is reported");
    assert!(
        spool.pending().iter().any(|p| p.attempts > 0),
        "uploads were retried"
    );

    weed.start_again().await.unwrap();
    writer.await.unwrap();
    assert!(
        spool.wait_drained(Duration::from_secs(240)).await,
        "spool drained: {:?}",
        spool.pending()
    );
    assert_eq!(spool.pending_bytes(), 0);
    assert_eq!(spool.oldest_age(), None);

    // Every object byte-identical, nothing extra, no upload left half-done.
    let listed = remote.list("rec/exam-1/").await.unwrap();
    assert_eq!(listed.len(), SEGMENTS + 1, "no duplicates, nothing missing");
    for i in 0..SEGMENTS {
        let key = format!("rec/exam-1/seg/{i:04}.webm");
        let expected = common::random_bytes(1 << 20, 1000 + i as u64);
        let got = remote.get_bytes(&key, None).await.unwrap();
        assert!(got == expected, "{key} differs");
        assert_eq!(
            remote.head(&key).await.unwrap().sha256.unwrap(),
            sha256_hex(&expected)
        );
    }
    let head = remote.head("rec/exam-1/full.mp4").await.unwrap();
    assert_eq!(
        (head.size, head.sha256.as_deref()),
        (BIG as u64, Some(big.1.as_str()))
    );
    assert_eq!(head.class, RetentionClass::Recording);
    let got = remote.get_bytes("rec/exam-1/full.mp4", None).await.unwrap();
    assert_eq!(sha256_hex(&got), big.1, "200 MB object byte-identical");
    let uploads = remote
        .client()
        .list_multipart_uploads()
        .bucket("outage")
        .send()
        .await
        .unwrap();
    assert!(
        uploads.uploads().is_empty(),
        "no unfinished multipart uploads left: {:?}",
        uploads.uploads()
    );
    assert!(
        std::fs::read_dir(dir.path().join("spool/entries"))
            .unwrap()
            .next()
            .is_none(),
        "spool dir empty"
    );
}

fn random_file(dir: &std::path::Path, len: usize) -> (std::path::PathBuf, String) {
    let data = common::random_bytes(len, 42);
    let path = dir.join("big.mp4");
    std::fs::write(&path, &data).unwrap();
    (path, sha256_hex(&data))
}
