//! Frames as they leave the core towards in-process consumers: the recorder, the face-check
//! frame grabber and thumbnails. A tap sees every frame a publisher sends (WebRTC or an
//! injected RTSP camera) after reassembly and before any per-viewer rewriting, so what is
//! recorded is exactly what arrived.

use std::time::Instant;

use bytes::Bytes;

use crate::events::TrackKind;
use crate::ids::{ParticipantId, RoomId, TrackId};

/// Codecs the platform carries. Nothing is transcoded on the live path.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
#[non_exhaustive]
pub enum Codec {
    Vp8,
    Vp9,
    H264,
    H265,
    Opus,
}

/// One whole media frame of one published track.
#[derive(Clone, Debug)]
pub struct TapFrame {
    pub room: RoomId,
    pub participant: ParticipantId,
    pub track: TrackId,
    pub kind: TrackKind,
    pub codec: Codec,
    /// Simulcast layer id (`rid`) when the publisher sends several.
    pub layer: Option<String>,
    pub keyframe: bool,
    /// Media time in units of `clock_rate`, continuous per track and layer.
    pub rtp_time: u64,
    pub clock_rate: u32,
    /// When the last packet of the frame arrived.
    pub arrival: Instant,
    pub data: Bytes,
}
