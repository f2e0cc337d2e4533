//! Keys with `..`, absolute paths, NUL bytes, 2 KB names and similar are refused
//! by every operation of both backends and by the spool, before anything is written.
mod common;

use std::time::Duration;

use bytes::Bytes;
use storage::seaweed::SeaweedFs;
use storage::{Error, ObjectStore, PutOptions, S3Store, Spool, SpoolSettings};

fn bad_keys() -> Vec<String> {
    vec![
        "../etc/passwd".into(),
        "exam/../../secret".into(),
        "/absolute/path".into(),
        "nul\0byte".into(),
        "x".repeat(2048),
        "a//b".into(),
        "./a".into(),
        "dir\\file".into(),
        "trailing/".into(),
        String::new(),
    ]
}

fn assert_invalid<T: std::fmt::Debug>(what: &str, key: &str, r: storage::Result<T>) {
    assert!(
        matches!(r, Err(Error::InvalidKey { .. })),
        "{what} with {:?}: {r:?}",
        &key[..key.len().min(40)]
    );
}

async fn check(s: &dyn ObjectStore) {
    for key in bad_keys() {
        let k = key.as_str();
        assert_invalid(
            "put",
            k,
            s.put_bytes(k, Bytes::from_static(b"x"), PutOptions::new())
                .await,
        );
        assert_invalid("get", k, s.get(k, None).await.map(|g| g.meta));
        assert_invalid("head", k, s.head(k).await);
        assert_invalid("delete", k, s.delete(k).await);
        assert_invalid("copy from", k, s.copy(k, "ok/key").await);
        assert_invalid("copy to", k, s.copy("ok/src", k).await);
        assert_invalid(
            "presign get",
            k,
            s.presign_get(k, Duration::from_secs(60)).await,
        );
        assert_invalid(
            "presign put",
            k,
            s.presign_put(k, Duration::from_secs(60), &PutOptions::new())
                .await,
        );
        assert_invalid(
            "multipart",
            k,
            s.create_multipart(k, &PutOptions::new().sha256("0".repeat(64)))
                .await,
        );
    }
    // Nothing escaped into the store.
    assert_eq!(
        s.list("")
            .await
            .unwrap()
            .into_iter()
            .map(|o| o.key)
            .collect::<Vec<_>>(),
        ["ok/src"]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_keys_are_refused_by_every_backend() {
    let dir = tempfile::tempdir().unwrap();
    let local = common::local_store(dir.path()).await;
    local
        .put_bytes("ok/src", Bytes::from_static(b"src"), PutOptions::new())
        .await
        .unwrap();
    check(&local).await;
    // No file was created outside the store's root.
    let outside: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(outside, ["objects"]);

    let weed = SeaweedFs::start().await.unwrap();
    weed.create_bucket("badkeys", false).await.unwrap();
    let s3 = S3Store::connect(&weed.s3_settings("badkeys"))
        .await
        .unwrap();
    s3.put_bytes("ok/src", Bytes::from_static(b"src"), PutOptions::new())
        .await
        .unwrap();
    check(&s3).await;

    let spool = Spool::open(
        SpoolSettings::new(dir.path().join("spool")),
        std::sync::Arc::new(local),
    )
    .await
    .unwrap();
    for key in bad_keys() {
        assert_invalid(
            "spool put",
            &key,
            spool
                .put_bytes(&key, Bytes::from_static(b"x"), PutOptions::new())
                .await,
        );
    }
    assert_eq!(spool.pending_count(), 0);
}
