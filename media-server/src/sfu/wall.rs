//! The invigilator wall: one PeerConnection, a data channel for signalling, and
//! server-driven renegotiation as candidates come and go.
//!
//! Messages on the channel (JSON):
//! - server → browser `{"type":"offer","sdp":..,"tiles":[..]}`; browser → `{"type":"answer","sdp":..}`
//! - server → browser `{"type":"tiles","tiles":[{"mid","track","participant","name","layer"}]}`
//! - browser → server `{"type":"layer","mid":..,"layer":"low"|"high"}`

use serde::Deserialize;
use serde_json::json;
use str0m::change::SdpAnswer;
use str0m::media::{Direction, MediaKind, Mid};

use super::Sfu;
use super::session::{DownTrack, Session, SessionKind, TileState};
use crate::events::TrackKind;
use crate::forward::Layer;
use crate::ids::{SessionId, TrackId};
use crate::room::Room;

#[derive(Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
enum WallMessage {
    Answer { sdp: String },
    Layer { mid: String, layer: String },
}

impl Sfu {
    /// Offer added/removed tiles to every wall whose room changed and that is not mid-negotiation.
    pub(super) fn sync_walls(&mut self) {
        let max = self.cfg.max_wall_tiles;
        for id in &self.walls {
            let Some(s) = self.sessions.get_mut(id) else {
                continue;
            };
            let SessionKind::Wall(w) = &s.kind else {
                continue;
            };
            if !w.needs_sync || w.channel.is_none() || w.pending.is_some() {
                continue;
            }
            let Some(room) = self.rooms.get_mut(&s.room) else {
                continue;
            };
            negotiate(s, room, max);
            self.dirty.push(*id);
        }
    }

    pub(super) fn wall_message(&mut self, id: SessionId, data: &[u8]) {
        let Ok(msg) = serde_json::from_slice::<WallMessage>(data) else {
            return;
        };
        let Some(s) = self.sessions.get_mut(&id) else {
            return;
        };
        match msg {
            WallMessage::Answer { sdp } => {
                let Some(room) = self.rooms.get_mut(&s.room) else {
                    return;
                };
                answer_received(s, room, &sdp);
                self.dirty.push(id);
            }
            WallMessage::Layer { mid, layer } => {
                let layer = if layer == "high" { Layer::High } else { Layer::Low };
                if let Some(d) = s.down.get_mut(&Mid::from(mid.as_str())) {
                    d.selector.set_target(layer);
                }
                // The new layer's keyframe is requested by the selector on the next frame.
            }
        }
    }
}

fn negotiate(s: &mut Session, room: &mut Room, max: usize) {
    let SessionKind::Wall(w) = &mut s.kind else {
        return;
    };
    let wanted: Vec<TrackId> = room
        .tracks()
        .filter(|t| t.kind == TrackKind::Video)
        .map(|t| t.id)
        .take(max)
        .collect();
    let mut change = s.rtc.sdp_api();
    for tile in w.tiles.iter_mut() {
        if tile.state != TileState::Stopping && !wanted.contains(&tile.track) {
            change.stop_media(tile.mid);
            tile.state = TileState::Stopping;
            room.unsubscribe(tile.track, s.id, tile.mid);
            s.down.remove(&tile.mid);
        }
    }
    for track in wanted {
        if w.tiles.iter().any(|t| t.track == track) {
            continue;
        }
        let Some(t) = room.track(track) else {
            continue;
        };
        let mid = change.add_media(
            MediaKind::Video,
            Direction::SendOnly,
            Some(t.owner.0.clone()),
            Some(track.to_string()),
            None,
        );
        w.tiles.push(super::session::Tile { mid, track, state: TileState::Negotiating });
    }
    w.needs_sync = false;
    if !change.has_changes() {
        return;
    }
    let Some((offer, pending)) = change.apply() else {
        return;
    };
    w.pending = Some(pending);
    let msg = json!({ "type": "offer", "sdp": offer.to_sdp_string(), "tiles": tiles_json(s, room) });
    send(s, &msg);
}

fn answer_received(s: &mut Session, room: &mut Room, sdp: &str) {
    let SessionKind::Wall(w) = &mut s.kind else {
        return;
    };
    let (Some(pending), Ok(answer)) = (w.pending.take(), SdpAnswer::from_sdp_string(sdp)) else {
        return;
    };
    if s.rtc.sdp_api().accept_answer(pending, answer).is_err() {
        s.rtc.disconnect();
        return;
    }
    w.tiles.retain(|t| t.state != TileState::Stopping);
    for tile in w.tiles.iter_mut() {
        if tile.state == TileState::Negotiating {
            tile.state = TileState::Open;
            let mut d = DownTrack::new(TrackKind::Video, Layer::Low);
            d.track = Some(tile.track);
            s.down.insert(tile.mid, d);
            room.subscribe(tile.track, s.id, tile.mid);
        }
    }
    // Anything that changed while the offer was out gets its own round.
    w.needs_sync = true;
    s.dirty = true;
    let msg = json!({ "type": "tiles", "tiles": tiles_json(s, room) });
    send(s, &msg);
}

fn tiles_json(s: &Session, room: &Room) -> serde_json::Value {
    let SessionKind::Wall(w) = &s.kind else {
        return json!([]);
    };
    let tiles: Vec<_> = w
        .tiles
        .iter()
        .filter(|t| t.state != TileState::Stopping)
        .filter_map(|t| {
            let track = room.track(t.track)?;
            let layer = match s.down.get(&t.mid).map(|d| d.selector.target()) {
                Some(Layer::High) => "high",
                _ => "low",
            };
            Some(json!({
                "mid": t.mid.to_string(),
                "track": t.track,
                "participant": track.owner,
                "name": track.owner_name,
                "layer": layer,
            }))
        })
        .collect();
    json!(tiles)
}

fn send(s: &mut Session, msg: &serde_json::Value) {
    let SessionKind::Wall(w) = &s.kind else {
        return;
    };
    let Some(mut ch) = w.channel.and_then(|c| s.rtc.channel(c)) else {
        return;
    };
    if ch.write(false, msg.to_string().as_bytes()).is_err() {
        s.rtc.disconnect();
    }
    s.dirty = true;
}
