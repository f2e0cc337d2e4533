//! Shared test helpers and the conformance suite every backend must pass.
#![allow(dead_code)]

pub mod conformance;

use rand::{RngCore, SeedableRng};

/// Deterministic pseudo-random bytes, so failures reproduce.
pub fn random_bytes(len: usize, seed: u64) -> Vec<u8> {
    let mut v = vec![0u8; len];
    rand::rngs::StdRng::seed_from_u64(seed).fill_bytes(&mut v);
    v
}

pub fn signer() -> storage::UrlSigner {
    storage::UrlSigner::new(b"test-signing-key-0123456789abcdef", "/files").unwrap()
}

pub async fn local_store(dir: &std::path::Path) -> storage::LocalStore {
    storage::LocalStore::open(dir.join("objects"), signer())
        .await
        .unwrap()
}

pub fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
}
