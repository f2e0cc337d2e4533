//! One PeerConnection and what it is for.

use std::collections::{BTreeMap, HashMap};
use std::time::Instant;

use str0m::Rtc;
use str0m::change::SdpPendingOffer;
use str0m::channel::ChannelId;
use str0m::media::{Mid, Rid};

use crate::events::TrackKind;
use crate::forward::{Layer, LayerSelector};
use crate::ids::{ParticipantId, RoomId, SessionId, TrackId};
use crate::token::MediaRole;

/// A forwarded (subscribed) track: one sending m-line of a viewer or wall session.
#[derive(Debug)]
pub struct DownTrack {
    pub kind: TrackKind,
    /// The published track it carries; `None` while its source is absent.
    pub track: Option<TrackId>,
    pub selector: LayerSelector,
}

impl DownTrack {
    pub fn new(kind: TrackKind, target: Layer) -> Self {
        DownTrack { kind, track: None, selector: LayerSelector::new(target) }
    }
}

/// A wall tile's negotiation state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TileState {
    /// Offered to the browser, answer pending.
    Negotiating,
    Open,
    /// `stop_media` offered, answer pending.
    Stopping,
}

#[derive(Debug, Clone)]
pub struct Tile {
    pub mid: Mid,
    pub track: TrackId,
    pub state: TileState,
}

#[derive(Debug, Default)]
pub struct Publisher {
    pub tracks: HashMap<Mid, TrackId>,
    pub last_keyframe_request: HashMap<(Mid, Option<Rid>), Instant>,
}

#[derive(Debug)]
pub struct Viewer {
    pub target: ParticipantId,
}

#[derive(Debug, Default)]
pub struct Wall {
    pub channel: Option<ChannelId>,
    pub pending: Option<SdpPendingOffer>,
    pub tiles: Vec<Tile>,
    pub needs_sync: bool,
}

#[derive(Debug)]
pub enum SessionKind {
    Publisher(Publisher),
    Viewer(Viewer),
    Wall(Wall),
}

#[derive(Debug)]
pub struct Session {
    pub id: SessionId,
    pub room: RoomId,
    pub participant: ParticipantId,
    pub name: String,
    pub role: MediaRole,
    pub rtc: Rtc,
    pub kind: SessionKind,
    /// Forwarded tracks by our sending m-line (viewers and walls).
    pub down: BTreeMap<Mid, DownTrack>,
    /// When str0m wants `handle_input(Timeout)` next.
    pub timeout: Instant,
    /// The entry this session has in the core's timer set.
    pub armed: Option<Instant>,
    /// Has input or writes that need a `poll_output` pass.
    pub dirty: bool,
    pub created: Instant,
    pub connected: bool,
    /// The browser's current ICE ufrag; a PATCH with another one is an ICE restart.
    pub remote_ufrag: Option<String>,
}
