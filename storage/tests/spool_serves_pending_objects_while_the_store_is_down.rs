//! While SeaweedFS is down, an object written through the spool can still be read from it
//! (what a reader needs during an outage, e.g. an export of the last recording segments);
//! once the store is back and the upload verified, the spool no longer holds it and the
//! store has the same bytes.
mod common;

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use storage::seaweed::SeaweedFs;
use storage::{ObjectStore, PutOptions, S3Store, Spool, SpoolSettings};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn spool_serves_pending_objects_while_the_store_is_down() {
    let mut weed = SeaweedFs::start().await.unwrap();
    weed.create_bucket("pending", false).await.unwrap();
    let remote = Arc::new(S3Store::connect(&weed.s3_settings("pending")).await.unwrap());
    let dir = tempfile::tempdir().unwrap();
    let mut settings = SpoolSettings::new(dir.path().join("spool"));
    settings.retry_min_ms = 200;
    settings.retry_max_ms = 1_000;
    settings.min_free_bytes = 0;
    let spool = Spool::open(settings, remote.clone()).await.unwrap();

    weed.stop().await.unwrap();
    let key = "recordings/check-7/candidate:7/video/1000.webm";
    let (old, new) = (Bytes::from(common::random_bytes(64 << 10, 1)), Bytes::from(common::random_bytes(80 << 10, 2)));
    spool.put_bytes(key, old, PutOptions::new().content_type("video/webm")).await.unwrap();
    spool.put_bytes(key, new.clone(), PutOptions::new().content_type("video/webm")).await.unwrap();
    assert_eq!(spool.read_pending(key).await.unwrap(), Some(new.clone()), "the newest copy, from local disk");
    assert_eq!(spool.read_pending("recordings/other").await.unwrap(), None);

    weed.start_again().await.unwrap();
    assert!(spool.wait_drained(Duration::from_secs(60)).await, "uploads after the outage");
    assert_eq!(spool.read_pending(key).await.unwrap(), None, "uploaded: read the store");
    assert_eq!(remote.get_bytes(key, None).await.unwrap(), new);
}
