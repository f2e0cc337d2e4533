//! Who is live where: folded from the media node's event stream, so invigilators can list
//! rooms and their publishers without asking the SFU on every request.

use std::collections::BTreeMap;
use std::sync::Mutex;

use media_server::{MediaEvent, MediaRole, ParticipantId, RoomId, SessionId};
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
    /// The media node carrying the room; absent for the API's own in-process SFU.
    pub node: Option<String>,
    pub participants: Vec<LiveParticipant>,
}

#[derive(Default)]
struct Rooms {
    participants: BTreeMap<String, BTreeMap<String, LiveParticipant>>,
    /// Room → remote node id (None: the in-process SFU).
    node: BTreeMap<String, Option<String>>,
    /// Room → participant → session, to say goodbye for a node that vanished.
    sessions: BTreeMap<String, BTreeMap<String, SessionId>>,
}

#[derive(Default)]
pub struct Directory {
    rooms: Mutex<Rooms>,
}

fn role_name(r: MediaRole) -> &'static str {
    match r {
        MediaRole::Publish => "publish",
        MediaRole::View => "view",
        MediaRole::Wall => "wall",
    }
}

impl Directory {
    /// An event of the in-process SFU.
    pub fn apply(&self, ev: &MediaEvent) {
        self.apply_from(None, ev)
    }

    /// An event of `node` (None: the in-process SFU).
    pub fn apply_from(&self, node: Option<&str>, ev: &MediaEvent) {
        let mut guard = self.rooms.lock().unwrap_or_else(|e| e.into_inner());
        let state = &mut *guard;
        let rooms = &mut state.participants;
        match ev {
            MediaEvent::ParticipantJoined { room, participant, name, role, session } => {
                state.node.insert(room.0.clone(), node.map(str::to_owned));
                state.sessions.entry(room.0.clone()).or_default().insert(participant.0.clone(), *session);
                rooms.entry(room.0.clone()).or_default().insert(
                    participant.0.clone(),
                    LiveParticipant {
                        participant: participant.0.clone(),
                        name: name.clone(),
                        role: role_name(*role).into(),
                        video_tracks: 0,
                        audio_tracks: 0,
                        loss: None,
                    },
                );
            }
            MediaEvent::ParticipantLeft { room, participant, .. } => {
                if let Some(s) = state.sessions.get_mut(&room.0) {
                    s.remove(&participant.0);
                }
                if let Some(r) = rooms.get_mut(&room.0) {
                    r.remove(&participant.0);
                    if r.is_empty() {
                        rooms.remove(&room.0);
                        state.node.remove(&room.0);
                        state.sessions.remove(&room.0);
                    }
                }
            }
            MediaEvent::TrackPublished { room, participant, kind, .. } => {
                if let Some(p) = rooms.get_mut(&room.0).and_then(|r| r.get_mut(&participant.0)) {
                    match kind {
                        media_server::TrackKind::Video => p.video_tracks += 1,
                        media_server::TrackKind::Audio => p.audio_tracks += 1,
                    }
                }
            }
            MediaEvent::Quality { room, participant, loss, .. } => {
                if let Some(p) = rooms.get_mut(&room.0).and_then(|r| r.get_mut(&participant.0)) {
                    p.loss = Some(*loss);
                }
            }
            _ => {}
        }
    }

    pub fn rooms(&self) -> Vec<LiveRoom> {
        let state = self.rooms.lock().unwrap_or_else(|e| e.into_inner());
        state
            .participants
            .iter()
            .map(|(room, ps)| LiveRoom {
                room: room.clone(),
                node: state.node.get(room).cloned().flatten(),
                participants: ps.values().cloned().collect(),
            })
            .collect()
    }

    /// Where `room` is live: `Some(None)` in this process, `Some(Some(node))` on a node.
    pub fn node_of(&self, room: &str) -> Option<Option<String>> {
        let state = self.rooms.lock().unwrap_or_else(|e| e.into_inner());
        state.node.get(room).cloned()
    }

    /// Drops every room of `node` (it restarted or vanished) and returns the goodbyes the
    /// node could not send, for the other listeners of media events.
    pub fn forget_node(&self, node: &str) -> Vec<MediaEvent> {
        let mut state = self.rooms.lock().unwrap_or_else(|e| e.into_inner());
        let gone: Vec<String> = state
            .node
            .iter()
            .filter(|(_, n)| n.as_deref() == Some(node))
            .map(|(r, _)| r.clone())
            .collect();
        let mut goodbyes = Vec::new();
        for room in gone {
            state.node.remove(&room);
            state.participants.remove(&room);
            for (participant, session) in state.sessions.remove(&room).unwrap_or_default() {
                goodbyes.push(MediaEvent::ParticipantLeft {
                    room: RoomId(room.clone()),
                    participant: ParticipantId(participant),
                    session,
                });
            }
        }
        goodbyes
    }
}
