//! # media-server — the WebRTC SFU of the exam platform
//!
//! Owns: exam rooms' live media. Candidates publish (WHIP), invigilators watch one stream
//! (WHEP) or a wall of up to 36 tiles over one PeerConnection; the recorder and the
//! face-check frame grabber (later) subscribe like any viewer via [`MediaServer::view`].
//!
//! ## Layers
//! - [`http`]: WHIP/WHEP/wall signalling (axum), token check in the `Bearer` extractor.
//! - [`server`]: launch ([`start`]), the handle ([`MediaServer`]) and its command queue.
//! - `driver`: the one UDP socket, timers, event broadcast — no decisions.
//! - [`sfu`]: the sans-IO core: sessions (one str0m `Rtc` each), rooms, forwarding.
//!   Datagrams and time in; datagrams, events and the next timeout out.
//! - [`room`]: published tracks and the subscription index; [`forward`]: per-subscriber
//!   layer choice, keyframe gating and RTP time rewriting.
//! - [`export`]: one file (WebM/MP4, remuxed or H.264 + AAC) for a time range of a
//!   recording, from its stored segments, throttled below live forwarding.
//! - [`ingest`]: tracks injected from inside the process ([`MediaServer::inject`]) and the
//!   GStreamer RTSP camera pull ([`MediaServer::ingest_rtsp`]) that feeds them.
//!
//! ## Invariants
//! - A forwarded track changes source (simulcast layer or republished track) only at a
//!   keyframe of the new source; RTP time stays continuous across the switch; str0m
//!   re-packetizes, so each forwarded track has its own SSRC and sequence numbers.
//! - Every signalling request carries a valid, unexpired token for the room it touches;
//!   sessions can only be changed by the identity that created them.
//!
//! ## Errors and panics
//! One error type, [`Error`]; it maps to HTTP status codes in [`http`]. A misbehaving peer
//! gets its session disconnected, never a panic; panics mean a broken internal invariant.

pub mod error;
pub mod events;
pub mod export;
pub mod forward;
pub mod grab;
pub mod http;
pub mod record;
pub mod ids;
pub mod ingest;
pub mod room;
pub mod server;
pub mod settings;
pub mod sfu;
pub mod tap;
pub mod thumbs;
pub mod token;
pub mod turn;

mod driver;

pub use error::{Error, Result};
pub use events::{IngestState, MediaEvent, TrackKind};
pub use ingest::{InjectedTrack, RtspIngest, RtspOptions, RtspSource};
pub use sfu::InjectedFrame;
pub use ids::{ParticipantId, RoomId, SessionId, TrackId};
pub use server::{MediaServer, start};
pub use settings::{MediaSettings, TurnSettings};
pub use tap::{Codec, TapFilter, TapFrame, TapStats};
pub use token::{MediaClaims, MediaRole};

/// Seconds since the epoch, for token expiry.
pub(crate) fn unix_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}
