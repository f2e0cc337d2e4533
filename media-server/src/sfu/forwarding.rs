//! Publishing, subscribing and moving frames from published to forwarded tracks.

use std::time::{Duration, Instant};

use std::sync::Arc;

use str0m::format::{Codec, PayloadParams};
use str0m::media::{KeyframeRequest, KeyframeRequestKind, MediaData, MediaTime, Mid, Pt, Rid, Writer};

use bytes::Bytes;

use super::Sfu;
use super::session::SessionKind;
use crate::events::{MediaEvent, TrackKind};
use crate::forward::FrameInfo;
use crate::ids::{RoomId, SessionId, TrackId};
use crate::room::{Layers, PublishedTrack, vp8_keyframe_width};
use crate::tap::{self, TapFrame};

/// One whole frame of a published track as the core forwards it.
pub(super) struct Frame {
    /// Simulcast layer (None without simulcast, and for injected tracks).
    pub rid: Option<Rid>,
    pub keyframe: bool,
    /// Source RTP time and its clock.
    pub time: MediaTime,
    pub arrival: Instant,
    /// The codec as the publisher negotiated it (or as an injected track declares it).
    pub params: PayloadParams,
    /// False after frames were lost on the way in.
    pub contiguous: bool,
    pub data: Arc<[u8]>,
}

/// The subscriber's payload type for a frame of `params`: str0m's match when it was
/// negotiated on this m-line, else the same codec in another profile (an RTSP camera's
/// H.264 profile need not be one the browser listed; browsers decode every profile of a
/// codec they accept), else str0m's match as it is.
fn send_pt(writer: &Writer<'_>, params: PayloadParams) -> Option<Pt> {
    let matched = writer.match_params(params);
    if matched.is_some_and(|pt| writer.payload_params().any(|p| p.pt() == pt)) {
        return matched;
    }
    let spec = params.spec();
    let same_codec = writer
        .payload_params()
        .filter(|p| p.spec().codec == spec.codec)
        .max_by_key(|p| p.spec().format.packetization_mode == spec.format.packetization_mode)
        .map(|p| p.pt());
    same_codec.or(matched)
}

/// Several subscribers asking at once must not turn into a keyframe storm upstream.
const KEYFRAME_REQUEST_GAP: Duration = Duration::from_millis(250);

impl Sfu {
    pub(super) fn publish_track(&mut self, id: SessionId, mid: Mid, kind: TrackKind, rids: Vec<Rid>) {
        let Some(s) = self.sessions.get_mut(&id) else {
            return;
        };
        let SessionKind::Publisher(p) = &mut s.kind else {
            return;
        };
        let track = TrackId(self.next_track);
        self.next_track += 1;
        p.tracks.insert(mid, track);
        let room_id = s.room.clone();
        let owner = s.participant.clone();
        self.events.push_back(MediaEvent::TrackPublished {
            room: room_id.clone(),
            participant: owner.clone(),
            track,
            kind,
            layers: rids.iter().map(|r| r.to_string()).collect(),
        });
        let room = self.rooms.get_mut(&room_id).expect("session's room exists");
        room.publish(PublishedTrack {
            id: track,
            owner: owner.clone(),
            owner_name: s.name.clone(),
            session: id,
            mid,
            kind,
            layers: Layers::new(rids),
        });
        self.room_changed(&room_id);
    }

    pub(super) fn unpublish_track(&mut self, room_id: &RoomId, track: TrackId) {
        let Some(room) = self.rooms.get_mut(room_id) else {
            return;
        };
        let Some((t, subs)) = room.unpublish(track) else {
            return;
        };
        for (sid, mid) in subs {
            if let Some(d) = self.sessions.get_mut(&sid).and_then(|s| s.down.get_mut(&mid)) {
                d.track = None;
            }
        }
        self.events.push_back(MediaEvent::TrackUnpublished {
            room: room_id.clone(),
            participant: t.owner,
            track,
        });
        self.room_changed(room_id);
    }

    /// Re-point viewers at the newest tracks and let walls renegotiate.
    pub(super) fn room_changed(&mut self, room_id: &RoomId) {
        let ids: Vec<SessionId> = self
            .sessions
            .values()
            .filter(|s| &s.room == room_id)
            .map(|s| s.id)
            .collect();
        for id in ids {
            let Some(s) = self.sessions.get_mut(&id) else {
                continue;
            };
            let viewer = match &mut s.kind {
                SessionKind::Wall(w) => {
                    w.needs_sync = true;
                    false
                }
                SessionKind::Viewer(_) => true,
                SessionKind::Publisher(_) => false,
            };
            if viewer {
                self.bind_viewer(id);
            }
        }
    }

    /// Point each of a viewer's forwarded tracks at its target's newest track of that kind.
    pub(super) fn bind_viewer(&mut self, id: SessionId) {
        let Some(s) = self.sessions.get_mut(&id) else {
            return;
        };
        let SessionKind::Viewer(v) = &s.kind else {
            return;
        };
        let Some(room) = self.rooms.get_mut(&s.room) else {
            return;
        };
        for (mid, d) in s.down.iter_mut() {
            let newest = room.newest_track_of(&v.target, d.kind);
            if newest == d.track {
                continue;
            }
            if let Some(old) = d.track {
                room.unsubscribe(old, id, *mid);
            }
            d.track = newest;
            if let Some(t) = newest {
                room.subscribe(t, id, *mid);
                d.selector.reset_source();
            }
        }
    }

    pub(super) fn forward_media(&mut self, now: Instant, id: SessionId, data: MediaData) {
        let Some(s) = self.sessions.get(&id) else {
            return;
        };
        let SessionKind::Publisher(p) = &s.kind else {
            return;
        };
        let Some(&track) = p.tracks.get(&data.mid) else {
            return;
        };
        let room_id = s.room.clone();
        let frame = Frame {
            rid: data.rid,
            keyframe: data.is_keyframe(),
            time: data.time,
            arrival: data.network_time,
            params: data.params,
            contiguous: data.contiguous,
            data: data.data,
        };
        self.forward_frame(now, &room_id, track, frame);
    }

    /// The one function every published frame passes, from a WebRTC publisher or an
    /// injected track (RTSP camera): layer bookkeeping, then each subscriber's decision.
    pub(super) fn forward_frame(&mut self, now: Instant, room_id: &RoomId, track: TrackId, frame: Frame) {
        self.stats.frames_received += 1;
        let Some(room) = self.rooms.get_mut(room_id) else {
            return;
        };
        let Some(t) = room.track_mut(track) else {
            return;
        };
        let keyframe = frame.keyframe;
        let width = (keyframe && frame.params.spec().codec == Codec::Vp8)
            .then(|| vp8_keyframe_width(&frame.data))
            .flatten();
        t.layers.on_frame(frame.rid, now, width);
        let active = t.layers.active(now);
        let audio = t.kind == TrackKind::Audio;
        if let Some(codec) = tap_codec(frame.params.spec().codec) {
            self.taps.offer(room_id, &t.owner, t.kind, || TapFrame {
                room: room_id.clone(),
                participant: t.owner.clone(),
                track,
                kind: t.kind,
                codec,
                layer: frame.rid.map(|r| r.to_string()),
                keyframe,
                rtp_time: frame.time.numer(),
                clock_rate: frame.time.frequency().get(),
                arrival: frame.arrival,
                data: Bytes::from_owner(frame.data.clone()),
            });
        }
        let info = FrameInfo {
            rid: frame.rid,
            keyframe,
            rtp_time: frame.time.numer(),
            clock_rate: frame.time.frequency().get(),
            arrival: frame.arrival,
            audio,
        };
        let subs: Vec<(SessionId, Mid)> = room.subscribers(track).collect();

        let mut wanted_keyframes: Vec<Option<Rid>> = Vec::new();
        if !frame.contiguous && !audio {
            // Frames were lost beyond NACK's reach: ask for a fresh start.
            wanted_keyframes.push(frame.rid);
        }
        for (sid, mid) in subs {
            let Some(v) = self.sessions.get_mut(&sid) else {
                continue;
            };
            let Some(d) = v.down.get_mut(&mid) else {
                continue;
            };
            let decision = d.selector.decide(&info, &active, now);
            if let Some(rid) = decision.request_keyframe {
                wanted_keyframes.push(rid);
            }
            let Some(out_time) = decision.forward else {
                continue;
            };
            let Some(writer) = v.rtc.writer(mid) else {
                continue;
            };
            let Some(pt) = send_pt(&writer, frame.params) else {
                continue;
            };
            let time = MediaTime::new(out_time, frame.time.frequency());
            if writer.write(pt, frame.arrival, time, frame.data.clone()).is_ok() {
                self.stats.frames_forwarded += 1;
            }
            v.dirty = true;
            self.dirty.push(sid);
        }
        wanted_keyframes.dedup();
        for rid in wanted_keyframes {
            self.request_keyframe(now, track, room_id, rid, KeyframeRequestKind::Pli);
        }
    }

    /// Ask every live layer of `participant`'s video in `room` for a keyframe (frame grabs,
    /// recording segment cuts). Rate-limited like any other request.
    pub(crate) fn request_participant_keyframe(
        &mut self,
        now: Instant,
        room_id: &RoomId,
        participant: &crate::ids::ParticipantId,
    ) -> crate::Result<()> {
        let Some(room) = self.rooms.get(room_id) else {
            return Err(crate::Error::NotFound(format!("room {room_id}")));
        };
        let wanted: Vec<(TrackId, Vec<Option<Rid>>)> = room
            .tracks()
            .filter(|t| &t.owner == participant && t.kind == TrackKind::Video)
            .map(|t| {
                let mut rids = t.layers.active(now);
                if rids.is_empty() {
                    rids = t.layers.offered().iter().copied().map(Some).collect();
                }
                if rids.is_empty() {
                    rids.push(None);
                }
                (t.id, rids)
            })
            .collect();
        if wanted.is_empty() {
            return Err(crate::Error::NotFound(format!("{participant} has no video in room {room_id}")));
        }
        for (track, rids) in wanted {
            for rid in rids {
                self.request_keyframe(now, track, room_id, rid, KeyframeRequestKind::Pli);
            }
        }
        Ok(())
    }

    /// A subscriber's decoder asked for a keyframe: ask the publisher of the layer it gets.
    pub(super) fn relay_keyframe_request(&mut self, now: Instant, id: SessionId, req: KeyframeRequest) {
        let Some(s) = self.sessions.get(&id) else {
            return;
        };
        let Some(d) = s.down.get(&req.mid) else {
            return;
        };
        let Some(track) = d.track else {
            return;
        };
        let rid = d.selector.current().flatten();
        let room = s.room.clone();
        self.request_keyframe(now, track, &room, rid, req.kind);
    }

    fn request_keyframe(&mut self, now: Instant, track: TrackId, room: &RoomId, rid: Option<Rid>, kind: KeyframeRequestKind) {
        let Some(t) = self.rooms.get(room).and_then(|r| r.track(track)) else {
            return;
        };
        let (pub_id, mid) = (t.session, t.mid);
        let Some(p) = self.sessions.get_mut(&pub_id) else {
            return;
        };
        let SessionKind::Publisher(state) = &mut p.kind else {
            return;
        };
        let recent = state
            .last_keyframe_request
            .get(&(mid, rid))
            .is_some_and(|t| now.saturating_duration_since(*t) < KEYFRAME_REQUEST_GAP);
        if recent {
            return;
        }
        state.last_keyframe_request.insert((mid, rid), now);
        let Some(mut writer) = p.rtc.writer(mid) else {
            return;
        };
        let kind = if writer.is_request_keyframe_possible(kind) {
            kind
        } else if writer.is_request_keyframe_possible(KeyframeRequestKind::Pli) {
            KeyframeRequestKind::Pli
        } else {
            KeyframeRequestKind::Fir
        };
        if writer.request_keyframe(rid, kind).is_ok() {
            self.stats.keyframe_requests_sent += 1;
            p.dirty = true;
            self.dirty.push(pub_id);
        }
    }
}

/// The platform's name for a negotiated codec; `None` for codecs taps do not carry.
fn tap_codec(c: Codec) -> Option<tap::Codec> {
    Some(match c {
        Codec::Vp8 => tap::Codec::Vp8,
        Codec::Vp9 => tap::Codec::Vp9,
        Codec::H264 => tap::Codec::H264,
        Codec::H265 => tap::Codec::H265,
        Codec::Opus => tap::Codec::Opus,
        _ => return None,
    })
}
