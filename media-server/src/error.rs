//! The crate's one error type.

/// Everything that can go wrong in the media server.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The bearer token is malformed or its signature does not verify.
    #[error("invalid token: {0}")]
    InvalidToken(&'static str),
    /// The token was valid once but its `exp` has passed.
    #[error("token expired")]
    TokenExpired,
    /// The token is valid but does not allow this action (wrong role, room or owner).
    #[error("forbidden: {0}")]
    Forbidden(String),
    /// The session, participant or track does not exist (in the token's room).
    #[error("not found: {0}")]
    NotFound(String),
    /// The request body (SDP, trickle fragment, JSON) could not be used.
    #[error("bad request: {0}")]
    BadRequest(String),
    /// The room or the wall is full.
    #[error("limit reached: {0}")]
    Limit(String),
    /// The WebRTC stack refused an operation.
    #[error("webrtc: {0}")]
    Rtc(#[from] str0m::RtcError),
    /// Socket or other OS-level failure.
    #[error("io: {0}")]
    Io(#[from] std::io::Error),
    /// Settings are inconsistent (checked once at start-up).
    #[error("invalid settings: {0}")]
    Settings(String),
    /// A GStreamer pipeline (frame decoding, recording) failed.
    #[error("media pipeline: {0}")]
    Pipeline(String),
    /// Nothing usable arrived in time (e.g. no keyframe for a frame grab).
    #[error("timed out: {0}")]
    Timeout(String),
    /// Object storage refused or failed (recording segments and indexes).
    #[error("storage: {0}")]
    Storage(#[from] storage::Error),
    /// The server has shut down.
    #[error("media server stopped")]
    Stopped,
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
