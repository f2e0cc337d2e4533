//! Who is live where on the in-process SFU: folded from its event stream, so invigilators can
//! list rooms and their publishers without asking the SFU on every request. Rooms on separate
//! media nodes live in the database instead (`media_node::queries::apply_event`), because every
//! API instance must see them.

use std::collections::BTreeMap;
use std::sync::Mutex;

use media_server::{MediaEvent, MediaRole, SessionId};
use serde::Serialize;
use utoipa::ToSchema;

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct LiveParticipant {
    /// Media identity, e.g. `candidate:12`.
    pub participant: String,
    pub name: String,
    /// `publish`, `view` or `wall`.
    pub role: String,
    pub video_tracks: u32,
    pub audio_tracks: u32,
    /// Last reported fraction of packets lost (0–1).
    pub loss: Option<f32>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct LiveRoom {
    pub room: String,
    /// The exam room's name ("site · room") for a room's cameras; absent for other rooms.
    pub title: Option<String>,
    /// The media node carrying the room; absent for the API's own in-process SFU.
    pub node: Option<String>,
    pub participants: Vec<LiveParticipant>,
}

#[derive(Default)]
pub struct Directory {
    rooms: Mutex<BTreeMap<String, Participants>>,
}

/// Participant → (its current session, what we know of it), per room.
type Participants = BTreeMap<String, (SessionId, LiveParticipant)>;

pub fn role_name(r: MediaRole) -> &'static str {
    match r {
        MediaRole::Publish => "publish",
        MediaRole::View => "view",
        MediaRole::Wall => "wall",
    }
}

impl Directory {
    pub fn apply(&self, ev: &MediaEvent) {
        let mut rooms = self.rooms.lock().unwrap_or_else(|e| e.into_inner());
        match ev {
            MediaEvent::ParticipantJoined { room, participant, name, role, session } => {
                rooms.entry(room.0.clone()).or_default().insert(
                    participant.0.clone(),
                    (
                        *session,
                        LiveParticipant {
                            participant: participant.0.clone(),
                            name: name.clone(),
                            role: role_name(*role).into(),
                            video_tracks: 0,
                            audio_tracks: 0,
                            loss: None,
                        },
                    ),
                );
            }
            MediaEvent::ParticipantLeft { room, participant, session } => {
                if let Some(r) = rooms.get_mut(&room.0) {
                    // A reconnect may join before the old session's goodbye arrives.
                    if r.get(&participant.0).is_some_and(|(s, _)| s == session) {
                        r.remove(&participant.0);
                    }
                    if r.is_empty() {
                        rooms.remove(&room.0);
                    }
                }
            }
            MediaEvent::TrackPublished { room, participant, kind, .. } => {
                if let Some((_, p)) = rooms.get_mut(&room.0).and_then(|r| r.get_mut(&participant.0)) {
                    match kind {
                        media_server::TrackKind::Video => p.video_tracks += 1,
                        media_server::TrackKind::Audio => p.audio_tracks += 1,
                    }
                }
            }
            MediaEvent::Quality { room, participant, loss, .. } => {
                if let Some((_, p)) = rooms.get_mut(&room.0).and_then(|r| r.get_mut(&participant.0)) {
                    p.loss = Some(*loss);
                }
            }
            _ => {}
        }
    }

    pub fn rooms(&self) -> Vec<LiveRoom> {
        let rooms = self.rooms.lock().unwrap_or_else(|e| e.into_inner());
        rooms
            .iter()
            .map(|(room, ps)| LiveRoom {
                title: None,
                room: room.clone(),
                node: None,
                participants: ps.values().map(|(_, p)| p.clone()).collect(),
            })
            .collect()
    }

    /// Whether anyone is live in `room` on the in-process SFU.
    pub fn has_room(&self, room: &str) -> bool {
        let rooms = self.rooms.lock().unwrap_or_else(|e| e.into_inner());
        rooms.contains_key(room)
    }
}
