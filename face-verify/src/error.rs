//! The crate's one error type.

use std::path::PathBuf;

use crate::quality::QualityIssue;

/// The command that puts the models and the ONNX Runtime library in place.
pub const SETUP_COMMAND: &str = "./dev.sh setup (deploy/setup.d/40-face-models.sh)";

pub type Result<T, E = FaceError> = std::result::Result<T, E>;

#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum FaceError {
    /// A model file or the ONNX Runtime library is missing: set-up has not run.
    #[error("{what} not found at {}: run {SETUP_COMMAND}", path.display())]
    NotFound { what: &'static str, path: PathBuf },
    /// The ONNX Runtime library exists but could not be loaded or initialised.
    #[error("cannot start ONNX Runtime from {}: {reason}; run {SETUP_COMMAND}", path.display())]
    Runtime { path: PathBuf, reason: String },
    /// A model failed to load or to run.
    #[error("ONNX model {model}: {reason}")]
    Model { model: &'static str, reason: String },
    /// The upload is larger than the configured byte limit.
    #[error("upload is {len} bytes; at most {max} bytes are accepted")]
    UploadTooLarge { len: usize, max: usize },
    /// The bytes are not an image in a format this crate decodes.
    #[error("the upload is not a JPEG, PNG, WebP or PNM image")]
    NotAnImage,
    /// The image header announces more pixels than allowed; nothing was decoded.
    #[error("image is {width}x{height}; at most {max_pixels} pixels are accepted")]
    ImageTooLarge {
        width: u32,
        height: u32,
        max_pixels: u64,
    },
    /// The image is damaged or truncated.
    #[error("image is corrupt or truncated: {0}")]
    CorruptImage(String),
    /// The face failed a quality gate (only from enrolment; verification reports it in the verdict).
    #[error("face rejected: {0}")]
    Rejected(QualityIssue),
    /// A stored embedding has the wrong length.
    #[error("an embedding has {expected} values, got {got}")]
    BadEmbedding { expected: usize, got: usize },
}

impl FaceError {
    /// True when the caller sent something unusable (maps to a 4xx), false for server faults.
    pub fn is_client_error(&self) -> bool {
        matches!(
            self,
            Self::UploadTooLarge { .. }
                | Self::NotAnImage
                | Self::ImageTooLarge { .. }
                | Self::CorruptImage(_)
                | Self::Rejected(_)
                | Self::BadEmbedding { .. }
        )
    }
}
