//! The S3 backend passes the shared conformance suite against a real SeaweedFS,
//! on a plain bucket and on one with Object Lock.
mod common;

use std::sync::Arc;

use storage::seaweed::SeaweedFs;
use storage::{ObjectStore, S3Store};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn s3_backend_passes_conformance() {
    let weed = SeaweedFs::start().await.unwrap();
    weed.create_bucket("conformance", false).await.unwrap();
    let store = S3Store::connect(&weed.s3_settings("conformance"))
        .await
        .unwrap();
    assert!(!store.object_lock(), "plain bucket has no object lock");
    common::conformance::run(Arc::new(store), common::conformance::Links::Http).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn object_lock_bucket_gets_server_side_retention() {
    let weed = SeaweedFs::start().await.unwrap();
    weed.create_bucket("locked", true).await.unwrap();
    let store = S3Store::connect(&weed.s3_settings("locked")).await.unwrap();
    assert!(store.object_lock(), "object lock detected");
    let opts = storage::PutOptions::new().class(storage::RetentionClass::Evidence);
    store
        .put_bytes("ev/1", bytes::Bytes::from_static(b"evidence"), opts)
        .await
        .unwrap();
    let head = store
        .client()
        .head_object()
        .bucket("locked")
        .key("ev/1")
        .send()
        .await
        .unwrap();
    assert!(
        head.object_lock_mode().is_some(),
        "server reports a lock mode"
    );
    let until = head
        .object_lock_retain_until_date()
        .expect("server reports retain-until")
        .secs();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    assert!(
        until - now > 5 * 365 * 86400,
        "server-side retention spans five years"
    );
    // The app refuses, and so would the server.
    assert!(matches!(
        store.delete("ev/1").await,
        Err(storage::Error::RetentionActive { .. })
    ));
    // Standard objects carry no lock and delete normally.
    store
        .put_bytes(
            "std/1",
            bytes::Bytes::from_static(b"x"),
            storage::PutOptions::new(),
        )
        .await
        .unwrap();
    store.delete("std/1").await.unwrap();
}
