//! The local-disk backend passes the shared conformance suite.
mod common;

use std::sync::Arc;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn local_backend_passes_conformance() {
    let dir = tempfile::tempdir().unwrap();
    let store = common::local_store(dir.path()).await;
    common::conformance::run(
        Arc::new(store),
        common::conformance::Links::Signed(common::signer()),
    )
    .await;
}
