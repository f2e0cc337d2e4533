//! Typed identifiers, so a room name can never be passed where a participant is meant.

use std::fmt;

use serde::{Deserialize, Serialize};

/// An exam room (physical room with cameras, or a virtual room of remote candidates).
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct RoomId(pub String);

/// A participant identity as minted by proctor-api, e.g. `candidate:123`.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct ParticipantId(pub String);

/// One published track (a camera, a screen share, a microphone); unique per server run.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct TrackId(pub u64);

/// One PeerConnection (a WHIP publisher, a WHEP viewer or a wall); unique per server run.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct SessionId(pub u64);

macro_rules! display {
    ($($t:ty),*) => {$(
        impl fmt::Display for $t {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}", self.0)
            }
        }
    )*};
}
display!(RoomId, ParticipantId, TrackId, SessionId);

impl From<&str> for RoomId {
    fn from(s: &str) -> Self {
        RoomId(s.to_owned())
    }
}

impl From<&str> for ParticipantId {
    fn from(s: &str) -> Self {
        ParticipantId(s.to_owned())
    }
}
