//! Where the picture of a check comes from. The one place to switch between sources: the
//! live grab from the candidate's published track (`MediaServer::grab_frame`, once it is on
//! main) and the still the camera page captures from the same camera and uploads.

use bytes::Bytes;

use crate::error::{ApiError, ApiResult};

/// A picture to verify, with how it was obtained (recorded beside the check).
pub struct Frame {
    pub bytes: Bytes,
    pub content_type: &'static str,
    /// `still` or `live`.
    pub source: &'static str,
}

pub enum FrameSource {
    /// A still captured by the camera page (JPEG or PNG).
    Still(Bytes),
}

impl FrameSource {
    pub async fn take(self) -> ApiResult<Frame> {
        match self {
            FrameSource::Still(bytes) => {
                if bytes.is_empty() {
                    return Err(ApiError::invalid_code("frame", "file_empty", "图像为空", "The picture is empty"));
                }
                let content_type = sniff(&bytes).ok_or(ApiError::UnsupportedMediaType)?;
                Ok(Frame { bytes, content_type, source: "still" })
            }
        }
    }
}

/// JPEG or PNG by magic bytes, never by the client's claim.
pub fn sniff(bytes: &[u8]) -> Option<&'static str> {
    if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some("image/jpeg")
    } else if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some("image/png")
    } else {
        None
    }
}

pub fn extension(content_type: &str) -> &'static str {
    if content_type == "image/png" { "png" } else { "jpg" }
}
