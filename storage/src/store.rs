//! The one interface every backend implements.

use std::path::Path;
use std::time::Duration;

use async_trait::async_trait;
use bytes::Bytes;
use futures::{StreamExt, TryStreamExt};

use crate::error::{Error, Result};
use crate::object::{
    ByteRange, ByteStream, CompletedPart, GetObject, ObjectMeta, ObjectSummary, PresignedRequest,
    PutOptions, sha256_file,
};

/// Objects at or below this size go up in one request.
pub const MULTIPART_THRESHOLD: u64 = 16 << 20;
/// Smallest part size used (S3 requires ≥ 5 MiB for all but the last part).
pub const MIN_PART_SIZE: u64 = 8 << 20;
/// Parts of one multipart upload sent at the same time.
pub const PART_CONCURRENCY: usize = 4;

/// Part size for an object of `size` bytes: at least 8 MiB, and few enough
/// parts to stay well below S3's 10 000-part limit.
pub fn part_size_for(size: u64) -> u64 {
    MIN_PART_SIZE.max(size.div_ceil(9_000))
}

/// Object storage: local disk or S3, chosen at start-up (see [`crate::open`]).
///
/// Every write records content type, SHA-256, retention class and caller
/// metadata. Deletes and overwrites of objects under retention are refused
/// with [`Error::RetentionActive`].
#[async_trait]
pub trait ObjectStore: Send + Sync + std::fmt::Debug {
    /// `"local"` or `"s3"`.
    fn backend(&self) -> &'static str;

    /// Stores a streamed body under `key`, replacing any previous object.
    async fn put(&self, key: &str, body: ByteStream, opts: PutOptions) -> Result<ObjectMeta>;

    /// Reads an object, or the given byte range of it.
    async fn get(&self, key: &str, range: Option<ByteRange>) -> Result<GetObject>;

    /// Metadata only.
    async fn head(&self, key: &str) -> Result<ObjectMeta>;

    /// All objects whose key starts with `prefix`, sorted by key.
    async fn list(&self, prefix: &str) -> Result<Vec<ObjectSummary>>;

    /// Removes an object. Refused while it is under retention; deleting a
    /// missing object is [`Error::NotFound`].
    async fn delete(&self, key: &str) -> Result<()>;

    /// Copies `from` to `to` with its content type, SHA-256, class and
    /// metadata; the copy's retention starts now.
    async fn copy(&self, from: &str, to: &str) -> Result<ObjectMeta>;

    /// A URL that fetches the object without credentials until `expires_in` passes.
    async fn presign_get(&self, key: &str, expires_in: Duration) -> Result<PresignedRequest>;

    /// A URL that uploads the object without credentials (browser uploads).
    /// Give `opts.sha256` if the client knows it, so the object carries it.
    async fn presign_put(
        &self,
        key: &str,
        expires_in: Duration,
        opts: &PutOptions,
    ) -> Result<PresignedRequest>;

    /// Starts a multipart upload; `opts.sha256` is required. Returns the upload id.
    async fn create_multipart(&self, key: &str, opts: &PutOptions) -> Result<String>;

    /// Uploads part `number` (1-based). Re-sending a part replaces it.
    async fn upload_part(
        &self,
        key: &str,
        upload_id: &str,
        number: u32,
        data: Bytes,
    ) -> Result<CompletedPart>;

    /// Parts the store already holds for an unfinished upload; [`Error::NotFound`]
    /// when the upload is unknown (completed, aborted or expired).
    async fn list_parts(&self, key: &str, upload_id: &str) -> Result<Vec<CompletedPart>>;

    /// Joins the parts into the object. The result is checked against the
    /// SHA-256 given at creation where the backend can see the bytes.
    async fn complete_multipart(
        &self,
        key: &str,
        upload_id: &str,
        parts: &[CompletedPart],
    ) -> Result<ObjectMeta>;

    /// Drops an unfinished upload and its parts.
    async fn abort_multipart(&self, key: &str, upload_id: &str) -> Result<()>;

    /// Stores an in-memory body.
    async fn put_bytes(&self, key: &str, data: Bytes, opts: PutOptions) -> Result<ObjectMeta> {
        self.put(
            key,
            Box::pin(futures::stream::once(async move { Ok(data) })),
            opts,
        )
        .await
    }

    /// Reads a whole object (or range) into memory.
    async fn get_bytes(&self, key: &str, range: Option<ByteRange>) -> Result<Bytes> {
        self.get(key, range).await?.bytes().await
    }

    /// Uploads a local file, as a multipart upload when it is large.
    async fn put_file(&self, key: &str, path: &Path, mut opts: PutOptions) -> Result<ObjectMeta> {
        let (sha, size) = sha256_file(path).await?;
        if let Some(expected) = &opts.sha256
            && *expected != sha
        {
            return Err(Error::Integrity {
                key: key.into(),
                detail: format!("file hashes to {sha}, expected {expected}"),
            });
        }
        opts.sha256 = Some(sha);
        if size <= MULTIPART_THRESHOLD {
            let data = tokio::fs::read(path).await?;
            return self.put_bytes(key, Bytes::from(data), opts).await;
        }
        let upload_id = self.create_multipart(key, &opts).await?;
        let part_size = part_size_for(size);
        let count = size.div_ceil(part_size) as u32;
        let result = futures::stream::iter(1..=count)
            .map(|n| {
                let upload_id = &upload_id;
                async move {
                    let data = read_range(path, (n as u64 - 1) * part_size, part_size).await?;
                    self.upload_part(key, upload_id, n, data).await
                }
            })
            .buffered(PART_CONCURRENCY)
            .try_collect::<Vec<_>>()
            .await;
        match result {
            Ok(parts) => self.complete_multipart(key, &upload_id, &parts).await,
            Err(e) => {
                // Best effort: a lifecycle rule reaps uploads this fails to abort.
                let _ = self.abort_multipart(key, &upload_id).await;
                Err(e)
            }
        }
    }
}

/// Reads up to `len` bytes of a file from `offset`.
pub async fn read_range(path: &Path, offset: u64, len: u64) -> Result<Bytes> {
    use tokio::io::{AsyncReadExt, AsyncSeekExt};
    let mut f = tokio::fs::File::open(path).await?;
    f.seek(std::io::SeekFrom::Start(offset)).await?;
    let mut buf = Vec::with_capacity(len as usize);
    f.take(len).read_to_end(&mut buf).await?;
    Ok(Bytes::from(buf))
}
