//! The values that travel through [`crate::ObjectStore`]: options, metadata, ranges, bodies.

use std::collections::BTreeMap;
use std::pin::Pin;
use std::time::{Duration, SystemTime};

use bytes::Bytes;
use futures::Stream;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::error::{Error, Result};
use crate::retention::RetentionClass;

/// A streamed object body.
pub type ByteStream = Pin<Box<dyn Stream<Item = std::io::Result<Bytes>> + Send>>;

/// Content type used when none is given.
pub const DEFAULT_CONTENT_TYPE: &str = "application/octet-stream";
/// Metadata names starting with this are reserved for the crate's own fields.
pub(crate) const RESERVED_META_PREFIX: &str = "storage-";

/// How to store an object.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PutOptions {
    /// MIME type; `application/octet-stream` when `None`.
    pub content_type: Option<String>,
    /// Caller's own metadata: names `[a-z0-9-]`, 1..=64 bytes, not starting with
    /// `storage-`; values printable ASCII up to 1024 bytes (S3 header rules).
    pub metadata: BTreeMap<String, String>,
    /// Retention class; decides when the object may be deleted.
    pub class: RetentionClass,
    /// Expected SHA-256 (lowercase hex). When given, the data is checked against
    /// it and a mismatch fails the put. Multipart uploads need it up front.
    pub sha256: Option<String>,
}

impl PutOptions {
    pub fn new() -> Self {
        Self::default()
    }
    pub fn content_type(mut self, ct: impl Into<String>) -> Self {
        self.content_type = Some(ct.into());
        self
    }
    pub fn class(mut self, class: RetentionClass) -> Self {
        self.class = class;
        self
    }
    pub fn meta(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.metadata.insert(name.into(), value.into());
        self
    }
    pub fn sha256(mut self, hex: impl Into<String>) -> Self {
        self.sha256 = Some(hex.into());
        self
    }

    pub(crate) fn content_type_or_default(&self) -> &str {
        self.content_type.as_deref().unwrap_or(DEFAULT_CONTENT_TYPE)
    }

    pub(crate) fn validate(&self) -> Result<()> {
        for (name, value) in &self.metadata {
            let name_ok = !name.is_empty()
                && name.len() <= 64
                && name
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
                && !name.starts_with(RESERVED_META_PREFIX);
            if !name_ok {
                return Err(Error::InvalidArgument(format!(
                    "metadata name {name:?} not allowed"
                )));
            }
            if value.len() > 1024 || !value.bytes().all(|b| (0x20..0x7f).contains(&b)) {
                return Err(Error::InvalidArgument(format!(
                    "metadata value for {name:?} must be printable ASCII ≤ 1024 bytes"
                )));
            }
        }
        if let Some(ct) = &self.content_type
            && (ct.is_empty() || ct.len() > 255 || !ct.bytes().all(|b| (0x20..0x7f).contains(&b)))
        {
            return Err(Error::InvalidArgument(format!(
                "content type {ct:?} not allowed"
            )));
        }
        if let Some(h) = &self.sha256
            && (h.len() != 64
                || !h
                    .bytes()
                    .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)))
        {
            return Err(Error::InvalidArgument(
                "sha256 must be 64 lowercase hex digits".into(),
            ));
        }
        Ok(())
    }
}

/// What is known about a stored object.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ObjectMeta {
    pub key: String,
    pub size: u64,
    pub content_type: String,
    /// Lowercase hex SHA-256 of the content. `None` only for objects written
    /// around this crate (e.g. a browser's presigned PUT without a declared hash).
    pub sha256: Option<String>,
    pub metadata: BTreeMap<String, String>,
    pub class: RetentionClass,
    /// Earliest time the object may be deleted; `None` means any time.
    pub retain_until: Option<SystemTime>,
    pub last_modified: SystemTime,
}

/// One entry of a listing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObjectSummary {
    pub key: String,
    pub size: u64,
    pub last_modified: SystemTime,
}

/// A byte range of an object: `start..end` (end exclusive), or to the end.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ByteRange {
    pub start: u64,
    pub end: Option<u64>,
}

impl ByteRange {
    /// Bytes `start..end`, end exclusive.
    pub fn new(start: u64, end: u64) -> Self {
        Self {
            start,
            end: Some(end),
        }
    }
    /// Bytes from `start` to the end of the object.
    pub fn from(start: u64) -> Self {
        Self { start, end: None }
    }

    /// Clamps to an object of `size` bytes; `None` when nothing of it is inside.
    pub(crate) fn resolve(self, key: &str, size: u64) -> Result<(u64, u64)> {
        let end = self.end.unwrap_or(size).min(size);
        if self.start >= end && !(size == 0 && self.start == 0) {
            return Err(Error::InvalidArgument(format!(
                "range {}..{:?} outside object {key} of {size} bytes",
                self.start, self.end
            )));
        }
        Ok((self.start, end))
    }
}

/// The answer to a get: metadata, which bytes are in `body`, and the body.
pub struct GetObject {
    pub meta: ObjectMeta,
    /// The bytes returned: `start..end` of the object.
    pub start: u64,
    pub end: u64,
    pub body: ByteStream,
}

impl GetObject {
    /// Reads the whole body into memory.
    pub async fn bytes(mut self) -> Result<Bytes> {
        use futures::TryStreamExt;
        let mut buf = bytes::BytesMut::with_capacity((self.end - self.start) as usize);
        while let Some(chunk) = self.body.try_next().await? {
            buf.extend_from_slice(&chunk);
        }
        Ok(buf.freeze())
    }
}

impl std::fmt::Debug for GetObject {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GetObject")
            .field("meta", &self.meta)
            .field("start", &self.start)
            .field("end", &self.end)
            .finish_non_exhaustive()
    }
}

/// A URL that lets someone without credentials fetch or upload one object.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PresignedRequest {
    /// `GET` or `PUT`.
    pub method: &'static str,
    pub url: String,
    /// Headers the client must send exactly as given (for PUT: content type, metadata).
    pub headers: Vec<(String, String)>,
    pub expires_at: SystemTime,
}

/// A finished part of a multipart upload.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CompletedPart {
    /// 1-based part number.
    pub number: u32,
    pub etag: String,
    pub size: u64,
}

/// Lowercase hex SHA-256 of a byte slice.
pub fn sha256_hex(data: &[u8]) -> String {
    hex::encode(Sha256::digest(data))
}

/// Lowercase hex SHA-256 of a file, read in 1 MiB blocks off the async runtime.
pub async fn sha256_file(path: &std::path::Path) -> Result<(String, u64)> {
    let path = path.to_owned();
    tokio::task::spawn_blocking(move || -> Result<(String, u64)> {
        use std::io::Read;
        let mut f = std::fs::File::open(&path)?;
        let mut h = Sha256::new();
        let mut buf = vec![0u8; 1 << 20];
        let mut n_total = 0u64;
        loop {
            let n = f.read(&mut buf)?;
            if n == 0 {
                break;
            }
            n_total += n as u64;
            h.update(&buf[..n]);
        }
        Ok((hex::encode(h.finalize()), n_total))
    })
    .await
    .map_err(|e| Error::Io(std::io::Error::other(e)))?
}

/// Seconds since the Unix epoch, for metadata that must be stored as text.
pub(crate) fn unix_secs(t: SystemTime) -> u64 {
    t.duration_since(SystemTime::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

pub(crate) fn from_unix_secs(s: u64) -> SystemTime {
    SystemTime::UNIX_EPOCH + Duration::from_secs(s)
}
