//! The room domain: who publishes what, and who is subscribed to it.
//!
//! A [`PublishedTrack`] is what a publisher sends us; a forwarded (subscribed) track lives
//! in the subscriber's session as a `DownTrack` and is indexed here by `(SessionId, Mid)`.

mod layers;

use std::collections::{BTreeMap, BTreeSet};

use str0m::media::Mid;

pub use layers::{Layers, vp8_keyframe_width};

use crate::events::TrackKind;
use crate::ids::{ParticipantId, RoomId, SessionId, TrackId};

/// A track as received from its publisher.
#[derive(Debug)]
pub struct PublishedTrack {
    pub id: TrackId,
    pub owner: ParticipantId,
    pub owner_name: String,
    pub session: SessionId,
    /// The publisher session's m-line carrying it.
    pub mid: Mid,
    pub kind: TrackKind,
    pub layers: Layers,
}

/// One exam room.
#[derive(Debug)]
pub struct Room {
    pub id: RoomId,
    tracks: BTreeMap<TrackId, PublishedTrack>,
    subscribers: BTreeMap<TrackId, BTreeSet<(SessionId, Mid)>>,
}

impl Room {
    pub fn new(id: RoomId) -> Self {
        Room { id, tracks: BTreeMap::new(), subscribers: BTreeMap::new() }
    }

    pub fn is_empty(&self) -> bool {
        self.tracks.is_empty()
    }

    pub fn publish(&mut self, track: PublishedTrack) {
        self.tracks.insert(track.id, track);
    }

    /// Remove a track; returns it and the subscriptions that pointed at it.
    pub fn unpublish(&mut self, id: TrackId) -> Option<(PublishedTrack, BTreeSet<(SessionId, Mid)>)> {
        let t = self.tracks.remove(&id)?;
        Some((t, self.subscribers.remove(&id).unwrap_or_default()))
    }

    pub fn track(&self, id: TrackId) -> Option<&PublishedTrack> {
        self.tracks.get(&id)
    }

    pub fn track_mut(&mut self, id: TrackId) -> Option<&mut PublishedTrack> {
        self.tracks.get_mut(&id)
    }

    /// Tracks in publication order.
    pub fn tracks(&self) -> impl Iterator<Item = &PublishedTrack> {
        self.tracks.values()
    }

    /// The newest track of `kind` published by `owner` (a reconnect replaces the old one).
    pub fn newest_track_of(&self, owner: &ParticipantId, kind: TrackKind) -> Option<TrackId> {
        self.tracks
            .values()
            .rev()
            .find(|t| &t.owner == owner && t.kind == kind)
            .map(|t| t.id)
    }

    pub fn has_participant(&self, owner: &ParticipantId) -> bool {
        self.tracks.values().any(|t| &t.owner == owner)
    }

    pub fn subscribe(&mut self, track: TrackId, session: SessionId, mid: Mid) {
        self.subscribers.entry(track).or_default().insert((session, mid));
    }

    pub fn unsubscribe(&mut self, track: TrackId, session: SessionId, mid: Mid) {
        if let Some(s) = self.subscribers.get_mut(&track) {
            s.remove(&(session, mid));
        }
    }

    pub fn subscribers(&self, track: TrackId) -> impl Iterator<Item = (SessionId, Mid)> + '_ {
        self.subscribers.get(&track).into_iter().flatten().copied()
    }
}
