//! The crate's one error type.

use std::path::PathBuf;
use std::time::SystemTime;

/// Everything that can go wrong in this crate.
///
/// Callers usually branch on [`Error::NotFound`], [`Error::InvalidKey`],
/// [`Error::RetentionActive`], [`Error::DiskFull`] and [`Error::SignedUrl`];
/// the rest are reported, not handled.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// No object under this key (or no upload with this id).
    #[error("object not found: {key}")]
    NotFound { key: String },

    /// The key breaks the naming rules (see [`crate::validate_key`]).
    #[error("invalid object key {key:?}: {reason}")]
    InvalidKey { key: String, reason: &'static str },

    /// An argument other than the key is unusable (metadata name, range, part number...).
    #[error("invalid argument: {0}")]
    InvalidArgument(String),

    /// The object is under retention and may not be deleted or overwritten yet.
    #[error("object {key} is under retention until {until:?}")]
    RetentionActive { key: String, until: SystemTime },

    /// The local disk (or the spool quota) has no room for this write. Nothing was stored.
    #[error("no space left for {needed} bytes under {path}: {detail}")]
    DiskFull {
        path: PathBuf,
        needed: u64,
        detail: String,
    },

    /// The data did not match its SHA-256 or size.
    #[error("integrity check failed for {key}: {detail}")]
    Integrity { key: String, detail: String },

    /// A signed link was malformed, tampered with or expired.
    #[error("signed link refused: {0}")]
    SignedUrl(SignedUrlError),

    /// Settings could not be used.
    #[error("configuration: {0}")]
    Config(String),

    /// The remote object store failed or could not be reached.
    #[error("object store backend: {0}")]
    Backend(String),

    /// Local file system error.
    #[error("i/o: {0}")]
    Io(#[from] std::io::Error),
}

/// Why a signed link was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SignedUrlError {
    #[error("missing or malformed exp/sig parameters")]
    Malformed,
    #[error("link expired")]
    Expired,
    #[error("signature does not match")]
    BadSignature,
}

impl Error {
    /// True when retrying the same call later may succeed (network, server down).
    pub fn is_transient(&self) -> bool {
        matches!(self, Error::Backend(_) | Error::Io(_))
    }

    pub(crate) fn not_found(key: &str) -> Self {
        Error::NotFound {
            key: key.to_owned(),
        }
    }
}

/// Maps an I/O error, turning "disk full" into [`Error::DiskFull`].
pub(crate) fn io_at(path: &std::path::Path, needed: u64, e: std::io::Error) -> Error {
    if e.kind() == std::io::ErrorKind::StorageFull || e.kind() == std::io::ErrorKind::QuotaExceeded
    {
        Error::DiskFull {
            path: path.to_owned(),
            needed,
            detail: e.to_string(),
        }
    } else {
        Error::Io(e)
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
