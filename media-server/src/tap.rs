//! Frames as they leave the core towards in-process consumers: the recorder, the face-check
//! frame grabber and thumbnails. A tap sees every frame a publisher sends (WebRTC or an
//! injected RTSP camera) after reassembly and before any per-viewer rewriting, so what is
//! recorded is exactly what arrived.

use std::sync::{Arc, Mutex};
use std::time::Instant;

use bytes::Bytes;
use tokio::sync::mpsc;

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

/// Which frames a tap wants; `None` fields match anything.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TapFilter {
    pub room: Option<RoomId>,
    pub participant: Option<ParticipantId>,
    pub kind: Option<TrackKind>,
}

impl TapFilter {
    /// Every frame of every published track (the recorder).
    pub fn all() -> Self {
        TapFilter::default()
    }

    /// The video of one participant in one room (the frame grabber).
    pub fn video_of(room: &RoomId, participant: &ParticipantId) -> Self {
        TapFilter { room: Some(room.clone()), participant: Some(participant.clone()), kind: Some(TrackKind::Video) }
    }

    fn matches(&self, room: &RoomId, participant: &ParticipantId, kind: TrackKind) -> bool {
        self.room.as_ref().is_none_or(|r| r == room)
            && self.participant.as_ref().is_none_or(|p| p == participant)
            && self.kind.is_none_or(|k| k == kind)
    }
}

/// Counters of all taps since start.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct TapStats {
    pub taps: usize,
    pub delivered: u64,
    /// Frames a full tap queue could not take (its consumer was too slow).
    pub dropped: u64,
}

struct Tap {
    filter: TapFilter,
    tx: mpsc::Sender<TapFrame>,
}

#[derive(Default)]
struct TapsInner {
    taps: Vec<Tap>,
    stats: TapStats,
}

/// The registry of taps, shared by the core (which offers frames) and the
/// [`crate::MediaServer`] handle (which adds taps without a round trip to the driver).
#[derive(Clone, Default)]
pub(crate) struct Taps(Arc<Mutex<TapsInner>>);

impl Taps {
    pub(crate) fn add(&self, filter: TapFilter, capacity: usize) -> mpsc::Receiver<TapFrame> {
        let (tx, rx) = mpsc::channel(capacity.max(1));
        self.0.lock().expect("not poisoned").taps.push(Tap { filter, tx });
        rx
    }

    pub(crate) fn stats(&self) -> TapStats {
        let g = self.0.lock().expect("not poisoned");
        TapStats { taps: g.taps.len(), ..g.stats }
    }

    /// Hands a frame to every interested tap without ever waiting: a full queue loses the
    /// frame (counted), a closed one is removed. `make` runs only if someone wants it.
    pub(crate) fn offer(&self, room: &RoomId, participant: &ParticipantId, kind: TrackKind, make: impl FnOnce() -> TapFrame) {
        let mut g = self.0.lock().expect("not poisoned");
        if g.taps.is_empty() {
            return;
        }
        let inner = &mut *g;
        inner.taps.retain(|t| !t.tx.is_closed());
        let mut make = Some(make);
        let mut frame: Option<TapFrame> = None;
        for t in &inner.taps {
            if !t.filter.matches(room, participant, kind) {
                continue;
            }
            let f = match (&frame, make.take()) {
                (Some(f), _) => f.clone(),
                (None, Some(m)) => frame.insert(m()).clone(),
                (None, None) => continue,
            };
            match t.tx.try_send(f) {
                Ok(()) => inner.stats.delivered += 1,
                Err(_) => inner.stats.dropped += 1,
            }
        }
    }
}
