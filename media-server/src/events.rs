//! Room events for the platform (proctor-api listens on the broadcast channel).

use serde::{Deserialize, Serialize};

use crate::ids::{ParticipantId, RoomId, SessionId, TrackId};
use crate::record::GapReason;
use crate::tap::Codec;
use crate::token::MediaRole;

/// Audio or video.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TrackKind {
    Audio,
    Video,
}

/// The state of an ingested source (an RTSP room camera).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IngestState {
    /// Connecting (first attempt or after a back-off).
    Connecting,
    /// Frames are arriving and published into the room.
    Online,
    /// Unreachable, dropped or silent; retried with back-off.
    Offline,
    /// The camera refused the credentials; retried slowly in case they are fixed there.
    Unauthorised,
}

/// Something that happened in a room.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
#[non_exhaustive]
pub enum MediaEvent {
    /// A session (publisher, viewer or wall) connected.
    ParticipantJoined {
        room: RoomId,
        participant: ParticipantId,
        session: SessionId,
        name: String,
        role: MediaRole,
    },
    /// A session ended (closed, timed out or replaced).
    ParticipantLeft {
        room: RoomId,
        participant: ParticipantId,
        session: SessionId,
    },
    TrackPublished {
        room: RoomId,
        participant: ParticipantId,
        track: TrackId,
        kind: TrackKind,
        /// Simulcast layer ids as offered (empty without simulcast).
        layers: Vec<String>,
    },
    TrackUnpublished {
        room: RoomId,
        participant: ParticipantId,
        track: TrackId,
    },
    /// Periodic receive quality of a publisher's track.
    Quality {
        room: RoomId,
        participant: ParticipantId,
        track: TrackId,
        /// Fraction lost, 0..1, as last reported.
        loss: f32,
        rtt_ms: Option<u64>,
    },
    /// A recording segment is durable (uploaded, or in the upload spool) and in its index.
    RecordingSegment {
        room: RoomId,
        participant: ParticipantId,
        kind: TrackKind,
        /// Object key of the recording's index (`…/index.json`).
        index: String,
        /// Object key of the segment.
        key: String,
        codec: Codec,
        /// Unix milliseconds of the first and after the last frame.
        start_ms: u64,
        end_ms: u64,
        bytes: u64,
    },
    /// A hole in a recording, written into its index.
    RecordingGap {
        room: RoomId,
        participant: ParticipantId,
        kind: TrackKind,
        index: String,
        from_ms: u64,
        to_ms: u64,
        reason: GapReason,
    },
    /// A thumbnail of a live video track is durable (stored, or in the upload spool).
    Thumbnail {
        room: RoomId,
        participant: ParticipantId,
        /// Object key of the JPEG (`thumbs/<room>/<participant>/<unix_ms>.jpg`).
        key: String,
        /// Unix milliseconds of the keyframe it shows.
        at_ms: u64,
        width: u32,
        height: u32,
    },
    /// An ingested source (RTSP camera) changed state; `reason` says why it is not online.
    IngestStatus {
        room: RoomId,
        participant: ParticipantId,
        state: IngestState,
        reason: Option<String>,
    },
}
