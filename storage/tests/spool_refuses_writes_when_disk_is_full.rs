//! A full disk (or a full spool quota) is reported as `Error::DiskFull` and the
//! write is refused cleanly: nothing half-written stays behind, earlier
//! entries are untouched, and the spool keeps accepting writes that fit.
mod common;

use std::sync::Arc;

use bytes::Bytes;
use storage::{Error, PutOptions, S3Settings, S3Store, Secret, Spool, SpoolSettings};

/// A remote nobody listens on, so entries stay in the spool.
async fn unreachable_remote() -> Arc<S3Store> {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let s = S3Settings {
        endpoint: Some(format!("http://127.0.0.1:{port}")),
        region: "us-east-1".into(),
        bucket: "nowhere".into(),
        access_key: Some("k".into()),
        secret_key: Some(Secret::new("s")),
        path_style: true,
        object_lock: Some(false),
        lock_mode: Default::default(),
        temp_dir: None,
    };
    Arc::new(S3Store::connect(&s).await.unwrap())
}

fn tmp_is_empty(spool_dir: &std::path::Path) -> bool {
    std::fs::read_dir(spool_dir.join("tmp"))
        .unwrap()
        .next()
        .is_none()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn spool_refuses_writes_when_disk_is_full() {
    let dir = tempfile::tempdir().unwrap();
    let spool_dir = dir.path().join("spool");

    // Quota: 3 MB.
    let mut settings = SpoolSettings::new(&spool_dir);
    settings.max_bytes = 3 << 20;
    settings.min_free_bytes = 0;
    let spool = Spool::open(settings, unreachable_remote().await)
        .await
        .unwrap();
    spool
        .put_bytes("seg/1", Bytes::from(vec![1u8; 2 << 20]), PutOptions::new())
        .await
        .unwrap();
    let r = spool
        .put_bytes("seg/2", Bytes::from(vec![2u8; 2 << 20]), PutOptions::new())
        .await;
    assert!(
        matches!(r, Err(Error::DiskFull { .. })),
        "over quota: {r:?}"
    );
    // A stream with no size hint is cut off once it crosses the quota.
    let chunks = (0..40).map(|_| Ok(Bytes::from(vec![3u8; 64 << 10])));
    let r = spool
        .put_stream(
            "seg/3",
            Box::pin(futures::stream::iter(chunks)),
            PutOptions::new(),
            None,
        )
        .await;
    assert!(
        matches!(r, Err(Error::DiskFull { .. })),
        "streamed over quota: {r:?}"
    );
    assert!(tmp_is_empty(&spool_dir), "no half-written entry left");
    assert_eq!(spool.pending_count(), 1);
    assert_eq!(spool.pending_bytes(), 2 << 20);
    // Small writes that fit still go in.
    spool
        .put_bytes(
            "seg/4",
            Bytes::from(vec![4u8; 512 << 10]),
            PutOptions::new(),
        )
        .await
        .unwrap();
    assert_eq!(spool.pending_count(), 2);
    drop(spool);

    // Disk: demand more free space than any disk has; the real free-space check refuses.
    let mut settings = SpoolSettings::new(&spool_dir);
    settings.min_free_bytes = u64::MAX / 4;
    let spool = Spool::open(settings, unreachable_remote().await)
        .await
        .unwrap();
    assert_eq!(
        spool.pending_count(),
        2,
        "earlier entries survive reopening"
    );
    let r = spool
        .put_bytes("seg/5", Bytes::from_static(b"x"), PutOptions::new())
        .await;
    match r {
        Err(Error::DiskFull { detail, .. }) => assert!(detail.contains("free"), "{detail}"),
        other => panic!("expected DiskFull, got {other:?}"),
    }
    assert!(tmp_is_empty(&spool_dir));
    assert_eq!(spool.pending_count(), 2);
}
