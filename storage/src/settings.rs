//! Settings that proctor-api embeds in its own config file.
//!
//! ```toml
//! [storage]
//! signing_key = "at least 32 random characters"
//! link_base_url = "/files"            # where proctor-api serves signed local links
//!
//! [storage.backend]
//! kind = "local"
//! root = "/var/lib/exam/objects"
//!
//! # or:
//! # [storage.backend]
//! # kind = "s3"
//! # endpoint = "http://127.0.0.1:8333"  # omit for AWS
//! # region = "us-east-1"
//! # bucket = "exam"
//! # access_key = "..."                  # omit both keys for the standard credential chain
//! # secret_key = "..."
//! # path_style = true
//!
//! [storage.spool]                      # optional: durable upload spool
//! dir = "/var/lib/exam/spool"
//! ```

use std::path::PathBuf;

use serde::Deserialize;

use crate::error::Result;
use crate::signed_link::UrlSigner;

/// A secret string: deserialises from a plain string, never printed by `Debug`.
#[derive(Clone, Deserialize, PartialEq, Eq)]
#[serde(transparent)]
pub struct Secret(String);

impl Secret {
    pub fn new(s: impl Into<String>) -> Self {
        Self(s.into())
    }
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("<hidden>")
    }
}

/// Everything needed to open the object store.
#[derive(Debug, Clone, Deserialize)]
pub struct StorageSettings {
    pub backend: BackendSettings,
    /// Key for HMAC-signed local links (≥ 16 bytes; use 32 random bytes).
    pub signing_key: Secret,
    /// URL prefix under which proctor-api serves signed local links.
    #[serde(default = "default_link_base")]
    pub link_base_url: String,
    /// Durable upload spool; `None` disables it.
    #[serde(default)]
    pub spool: Option<SpoolSettings>,
}

fn default_link_base() -> String {
    "/files".into()
}

impl StorageSettings {
    /// The signer proctor-api uses to verify `/files/...` links.
    pub fn url_signer(&self) -> Result<UrlSigner> {
        UrlSigner::new(
            self.signing_key.expose().as_bytes(),
            self.link_base_url.clone(),
        )
    }
}

/// Which backend holds the objects.
#[derive(Debug, Clone, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum BackendSettings {
    /// Files under `root` (embedded default).
    Local { root: PathBuf },
    /// An S3-compatible server.
    S3(S3Settings),
}

/// S3 connection settings. See the crate README for values per vendor.
#[derive(Debug, Clone, Deserialize)]
pub struct S3Settings {
    /// `http(s)://host:port`; omit for AWS S3.
    #[serde(default)]
    pub endpoint: Option<String>,
    #[serde(default = "default_region")]
    pub region: String,
    pub bucket: String,
    /// Static keys; omit both to use the standard AWS credential chain.
    #[serde(default)]
    pub access_key: Option<String>,
    #[serde(default)]
    pub secret_key: Option<Secret>,
    /// `true` for SeaweedFS, MinIO, Ceph RGW; `false` for AWS, OSS, COS.
    #[serde(default)]
    pub path_style: bool,
    /// Object Lock: `None` detects it from the bucket at start-up.
    #[serde(default)]
    pub object_lock: Option<bool>,
    #[serde(default)]
    pub lock_mode: LockMode,
    /// Where large streamed puts are staged to learn their SHA-256; system temp dir by default.
    #[serde(default)]
    pub temp_dir: Option<PathBuf>,
}

fn default_region() -> String {
    "us-east-1".into()
}

/// S3 Object Lock mode used for objects with retention.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LockMode {
    /// Deletable early only with `s3:BypassGovernanceRetention`: a way out for mistakes.
    #[default]
    Governance,
    /// Nobody, not even the root account, can delete before expiry.
    Compliance,
}

/// How the spool checks the remote copy before dropping its local one.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum VerifyMode {
    /// Read the object back and hash it.
    #[default]
    Full,
    /// Compare size and the stored SHA-256 metadata only.
    Metadata,
}

/// Durable upload spool settings.
#[derive(Debug, Clone, Deserialize)]
pub struct SpoolSettings {
    pub dir: PathBuf,
    /// Refuse new entries once the spool holds this many bytes.
    #[serde(default = "default_max_bytes")]
    pub max_bytes: u64,
    /// Refuse new entries when the disk would have less than this free.
    #[serde(default = "default_min_free")]
    pub min_free_bytes: u64,
    /// Objects uploaded at the same time.
    #[serde(default = "default_concurrency")]
    pub concurrency: usize,
    #[serde(default = "default_retry_min_ms")]
    pub retry_min_ms: u64,
    #[serde(default = "default_retry_max_ms")]
    pub retry_max_ms: u64,
    #[serde(default)]
    pub verify: VerifyMode,
}

fn default_max_bytes() -> u64 {
    50 << 30
}
fn default_min_free() -> u64 {
    1 << 30
}
fn default_concurrency() -> usize {
    4
}
fn default_retry_min_ms() -> u64 {
    500
}
fn default_retry_max_ms() -> u64 {
    30_000
}

impl SpoolSettings {
    /// Defaults for everything but the directory.
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        Self {
            dir: dir.into(),
            max_bytes: default_max_bytes(),
            min_free_bytes: default_min_free(),
            concurrency: default_concurrency(),
            retry_min_ms: default_retry_min_ms(),
            retry_max_ms: default_retry_max_ms(),
            verify: VerifyMode::Full,
        }
    }
}
