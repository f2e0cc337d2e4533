//! Object storage for the exam platform: recordings, photos, documents, certificates.
//!
//! # What this crate owns
//! - [`ObjectStore`]: one async, object-safe interface (`Arc<dyn ObjectStore>`)
//!   with two backends: [`LocalStore`] (files on disk, the embedded default)
//!   and [`S3Store`] (any S3-compatible server through `aws-sdk-s3`).
//!   Pick one from [`StorageSettings`] with [`open`].
//! - [`Spool`]: a durable local queue in front of a (remote) store; writes return
//!   once they are on local disk and are uploaded in the background.
//! - [`UrlSigner`]: HMAC-signed links, the local backend's presigned URLs.
//!   proctor-api serves them with [`serve_signed_get`] / [`serve_signed_put`].
//! - [`RetentionClass`]: how long objects must be kept (R10: evidence and
//!   recordings at least five years).
//!
//! # Invariants
//! - Every key passes [`validate_key`] before any backend sees it.
//! - Every object written through this crate carries content type, SHA-256,
//!   retention class and caller metadata ([`ObjectMeta`]).
//! - An object under retention is never deleted or replaced by different
//!   content through this crate ([`Error::RetentionActive`]).
//! - Local writes are atomic (temp file, fsync, rename); a reader never sees
//!   a half-written object. S3 objects appear only when complete.
//! - A spool entry leaves the local disk only after the remote copy's size
//!   and SHA-256 match.
//!
//! # Errors and panics
//! One error type, [`Error`]; [`Error::NotFound`] for missing objects and
//! uploads, [`Error::DiskFull`] when local space or the spool quota runs out.
//! Nothing panics on bad input or I/O failure; the only `expect`s guard
//! facts established a few lines earlier.

mod disk;
mod error;
mod key;
mod local;
mod object;
mod retention;
mod s3;
pub mod seaweed;
mod settings;
mod signed_link;
mod spool;
mod store;

use std::sync::Arc;

pub use error::{Error, Result, SignedUrlError};
pub use key::{MAX_KEY_BYTES, MAX_SEGMENT_BYTES, validate_key};
pub use local::LocalStore;
pub use object::{
    ByteRange, ByteStream, CompletedPart, DEFAULT_CONTENT_TYPE, GetObject, ObjectMeta,
    ObjectSummary, PresignedRequest, PutOptions, sha256_file, sha256_hex,
};
pub use retention::RetentionClass;
pub use s3::S3Store;
pub use settings::{
    BackendSettings, LockMode, S3Settings, Secret, SpoolSettings, StorageSettings, VerifyMode,
};
pub use signed_link::{
    DEFAULT_LINK_TTL, SignedPut, UrlSigner, parse_range_header, serve_signed_get, serve_signed_put,
    split_link,
};
pub use spool::{PendingUpload, Spool};
pub use store::{MIN_PART_SIZE, MULTIPART_THRESHOLD, ObjectStore, PART_CONCURRENCY, part_size_for};

/// Opens the configured backend.
pub async fn open(settings: &StorageSettings) -> Result<Arc<dyn ObjectStore>> {
    Ok(match &settings.backend {
        BackendSettings::Local { root } => {
            Arc::new(LocalStore::open(root.clone(), settings.url_signer()?).await?)
        }
        BackendSettings::S3(s3) => Arc::new(S3Store::connect(s3).await?),
    })
}

/// Opens the configured spool in front of `store`, if the settings have one.
pub async fn open_spool(
    settings: &StorageSettings,
    store: Arc<dyn ObjectStore>,
) -> Result<Option<Spool>> {
    match &settings.spool {
        Some(s) => Ok(Some(Spool::open(s.clone(), store).await?)),
        None => Ok(None),
    }
}
