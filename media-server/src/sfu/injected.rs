//! Tracks injected from inside the process (RTSP room cameras, see `crate::ingest`): published
//! into a room like a WebRTC publisher's track — the same events, the same subscriptions, and
//! every frame through [`Sfu::forward_frame`] — but with no PeerConnection behind them.
//!
//! Each injected track owns a session id that names no session, so keyframe requests from
//! viewers stop there (a camera cannot be asked; its next IDR serves).

use std::sync::Arc;
use std::time::Instant;

use str0m::format::{Codec as RtcCodec, CodecSpec, FormatParams, PayloadParams};
use str0m::media::{Frequency, MediaTime, Mid, Pt};

use super::Sfu;
use super::forwarding::Frame;
use crate::events::{MediaEvent, TrackKind};
use crate::ids::{ParticipantId, RoomId, SessionId, TrackId};
use crate::room::{Layers, PublishedTrack, Room};
use crate::tap::Codec;
use crate::token::MediaRole;

/// The profile announced for H.264 when the stream has not shown its SPS yet:
/// constrained baseline 3.1, which every browser lists.
const H264_FALLBACK_PROFILE: u32 = 0x42e01f;

/// One injected track's state in the core.
#[derive(Debug)]
pub(super) struct Injected {
    pub room: RoomId,
    pub participant: ParticipantId,
    pub session: SessionId,
    pub params: PayloadParams,
}

/// A whole frame handed in by an injected source.
#[derive(Clone, Debug)]
pub struct InjectedFrame {
    /// Annex B access unit for H.264/H.265, one frame for the others.
    pub data: Arc<[u8]>,
    /// Media time in the codec's clock (90 kHz video, 48 kHz Opus).
    pub rtp_time: u64,
    pub keyframe: bool,
    pub arrival: Instant,
}

impl Sfu {
    /// Publish a track that frames are pushed into (see [`Sfu::inject_frame`]).
    pub fn inject_publish(
        &mut self,
        now: Instant,
        room: RoomId,
        participant: ParticipantId,
        name: String,
        kind: TrackKind,
        codec: Codec,
    ) -> TrackId {
        let session = SessionId(self.next_session);
        self.next_session += 1;
        let track = TrackId(self.next_track);
        self.next_track += 1;
        self.injected.insert(
            track,
            Injected { room: room.clone(), participant: participant.clone(), session, params: params_for(codec, None) },
        );
        self.events.push_back(MediaEvent::ParticipantJoined {
            room: room.clone(),
            participant: participant.clone(),
            session,
            name: name.clone(),
            role: MediaRole::Publish,
        });
        self.events.push_back(MediaEvent::TrackPublished {
            room: room.clone(),
            participant: participant.clone(),
            track,
            kind,
            layers: Vec::new(),
        });
        let r = self.rooms.entry(room.clone()).or_insert_with(|| Room::new(room.clone()));
        r.publish(PublishedTrack {
            id: track,
            owner: participant,
            owner_name: name,
            session,
            mid: Mid::from("inj"),
            kind,
            layers: Layers::new(Vec::new()),
        });
        self.room_changed(&room);
        self.process(now);
        track
    }

    /// One frame of an injected track, forwarded like a publisher's frame.
    pub fn inject_frame(&mut self, now: Instant, track: TrackId, frame: InjectedFrame, contiguous: bool) {
        let Some(inj) = self.injected.get_mut(&track) else {
            return;
        };
        if frame.keyframe && inj.params.spec().codec == RtcCodec::H264 {
            // The SPS tells the real profile, so str0m's own match can pick the exact one.
            if let Some(plid) = h264_profile_level_id(&frame.data) {
                inj.params = params_for(Codec::H264, Some(plid));
            }
        }
        let freq = inj.params.spec().clock_rate;
        let room = inj.room.clone();
        let f = Frame {
            rid: None,
            keyframe: frame.keyframe,
            time: MediaTime::new(frame.rtp_time, freq),
            arrival: frame.arrival,
            params: inj.params,
            contiguous,
            data: frame.data,
        };
        self.forward_frame(now, &room, track, f);
        self.process(now);
    }

    /// The source went away: unpublish as a departing publisher does.
    pub fn inject_unpublish(&mut self, now: Instant, track: TrackId) {
        let Some(inj) = self.injected.remove(&track) else {
            return;
        };
        self.unpublish_track(&inj.room, track);
        self.events.push_back(MediaEvent::ParticipantLeft {
            room: inj.room.clone(),
            participant: inj.participant,
            session: inj.session,
        });
        let room_in_use =
            self.sessions.values().any(|o| o.room == inj.room) || self.injected.values().any(|o| o.room == inj.room);
        if !room_in_use && self.rooms.get(&inj.room).is_some_and(Room::is_empty) {
            self.rooms.remove(&inj.room);
        }
        self.process(now);
    }
}

fn params_for(codec: Codec, profile_level_id: Option<u32>) -> PayloadParams {
    let (codec, clock_rate, channels) = match codec {
        Codec::Vp8 => (RtcCodec::Vp8, Frequency::NINETY_KHZ, None),
        Codec::Vp9 => (RtcCodec::Vp9, Frequency::NINETY_KHZ, None),
        Codec::H264 => (RtcCodec::H264, Frequency::NINETY_KHZ, None),
        Codec::H265 => (RtcCodec::H265, Frequency::NINETY_KHZ, None),
        Codec::Opus => (RtcCodec::Opus, Frequency::FORTY_EIGHT_KHZ, Some(2)),
    };
    let mut format = FormatParams::default();
    if codec == RtcCodec::H264 {
        format.packetization_mode = Some(1);
        format.level_asymmetry_allowed = Some(true);
        format.profile_level_id = Some(profile_level_id.unwrap_or(H264_FALLBACK_PROFILE));
    }
    // The PT is only a label here: each subscriber's writer maps the spec to its own PT.
    PayloadParams::new(Pt::from(96), None, CodecSpec { codec, clock_rate, channels, format })
}

/// `profile_idc ‖ constraint flags ‖ level_idc` from the first SPS of an Annex B access unit.
pub(crate) fn h264_profile_level_id(au: &[u8]) -> Option<u32> {
    nal_units(au)
        .find(|n| n.first().is_some_and(|b| b & 0x1f == 7) && n.len() >= 4)
        .map(|sps| u32::from(sps[1]) << 16 | u32::from(sps[2]) << 8 | u32::from(sps[3]))
}

/// NAL units of an Annex B byte stream (start codes of 3 or 4 bytes).
pub(crate) fn nal_units(data: &[u8]) -> impl Iterator<Item = &[u8]> {
    let mut starts = Vec::new();
    let mut i = 0;
    while i + 3 <= data.len() {
        if data[i] == 0 && data[i + 1] == 0 && data[i + 2] == 1 {
            starts.push(i + 3);
            i += 3;
        } else {
            i += 1;
        }
    }
    let ends: Vec<usize> = starts
        .iter()
        .skip(1)
        .map(|&s| {
            let mut e = s - 3;
            // A 4-byte start code's leading zero belongs to the start code, not the NAL.
            while e > 0 && data[e - 1] == 0 {
                e -= 1;
            }
            e
        })
        .chain(std::iter::once(data.len()))
        .collect();
    starts.into_iter().zip(ends).map(move |(s, e)| &data[s..e.max(s)])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn profile_is_read_from_the_sps_of_an_access_unit() {
        let au = [0, 0, 0, 1, 0x67, 0x42, 0xc0, 0x1e, 0xaa, 0, 0, 1, 0x68, 0xce, 0, 0, 0, 1, 0x65, 0x88];
        assert_eq!(h264_profile_level_id(&au), Some(0x42c01e));
        let units: Vec<&[u8]> = nal_units(&au).collect();
        assert_eq!(units, vec![&[0x67, 0x42, 0xc0, 0x1e, 0xaa][..], &[0x68, 0xce][..], &[0x65, 0x88][..]]);
        assert_eq!(h264_profile_level_id(&[0, 0, 1, 0x41, 0x9a]), None);
    }
}
