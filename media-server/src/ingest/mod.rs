//! Ingest: media that enters the node from inside the process instead of over WebRTC.
//!
//! - [`MediaServer::inject`] publishes a track into a room and returns an [`InjectedTrack`];
//!   frames pushed into it pass the core's one forwarding function like any publisher's
//!   frame (viewers, walls and taps see them); dropping it unpublishes the track.
//! - [`rtsp`] pulls an exam-room IP camera with GStreamer (RTSP over TCP, digest auth,
//!   H.264 or H.265 passed through without transcoding) into an injected track,
//!   reconnecting with back-off and reporting [`IngestState`]s as
//!   [`MediaEvent::IngestStatus`].
//!
//! Pushing never blocks: the core's command queue is bounded; a frame that does not fit is
//! dropped and so are the delta frames after it until the next keyframe, so a viewer's
//! decoder never gets a frame whose reference is missing.

pub mod access_unit;
pub mod rtsp;

use std::sync::Mutex;
use std::time::Instant;

use crate::error::{Error, Result};
use crate::events::{IngestState, MediaEvent, TrackKind};
use crate::ids::{ParticipantId, RoomId, TrackId};
use crate::server::MediaServer;
use crate::sfu::InjectedFrame;
use crate::tap::Codec;

pub use rtsp::{RtspIngest, RtspOptions, RtspSource};

/// A track published from inside the process. Dropping it unpublishes the track.
pub struct InjectedTrack {
    server: MediaServer,
    track: TrackId,
    codec: Codec,
    state: Mutex<PushState>,
    /// Where the unpublish waits when the queue is full at drop time.
    rt: tokio::runtime::Handle,
}

#[derive(Default)]
struct PushState {
    /// A frame was dropped: skip deltas until the next keyframe.
    broken: bool,
    dropped: u64,
}

impl MediaServer {
    /// Publish a track into `room` as `participant` (shown as `name` on walls). Frames go in
    /// with [`InjectedTrack::push`]; viewers cannot ask this source for keyframes.
    pub async fn inject(
        &self,
        room: RoomId,
        participant: ParticipantId,
        name: String,
        kind: TrackKind,
        codec: Codec,
    ) -> Result<InjectedTrack> {
        let track = self
            .call(move |sfu, now| sfu.inject_publish(now, room, participant, name, kind, codec))
            .await?;
        Ok(InjectedTrack {
            server: self.clone(),
            track,
            codec,
            state: Mutex::new(PushState::default()),
            rt: tokio::runtime::Handle::current(),
        })
    }

    pub(crate) fn emit_ingest(&self, room: &RoomId, participant: &ParticipantId, state: IngestState, reason: Option<String>) {
        self.emit(MediaEvent::IngestStatus { room: room.clone(), participant: participant.clone(), state, reason });
    }
}

impl InjectedTrack {
    pub fn id(&self) -> TrackId {
        self.track
    }

    pub fn codec(&self) -> Codec {
        self.codec
    }

    /// Frames dropped because the core's queue was full (or after such a drop, until the
    /// next keyframe).
    pub fn dropped(&self) -> u64 {
        self.state.lock().map(|s| s.dropped).unwrap_or(0)
    }

    /// Hand one whole frame to the core without blocking. `Err(Limit)` when it was dropped.
    pub fn push(&self, frame: InjectedFrame) -> Result<()> {
        let mut st = self.state.lock().map_err(|_| Error::Stopped)?;
        if st.broken && !frame.keyframe {
            st.dropped += 1;
            return Err(Error::Limit("waiting for a keyframe after a dropped frame".into()));
        }
        let track = self.track;
        // The first frame after a gap is a keyframe, so decoding can resume cleanly; the
        // flag still tells the core (and taps) that something is missing before it.
        let contiguous = !st.broken;
        if self.server.try_run(move |sfu, now| sfu.inject_frame(now, track, frame, contiguous)) {
            st.broken = false;
            Ok(())
        } else {
            st.broken = true;
            st.dropped += 1;
            Err(Error::Limit("media core queue full".into()))
        }
    }
}

impl Drop for InjectedTrack {
    fn drop(&mut self) {
        let track = self.track;
        let unpublish = move |sfu: &mut crate::sfu::Sfu, now: Instant| sfu.inject_unpublish(now, track);
        if self.server.try_run(unpublish) {
            return;
        }
        // Queue full: wait for room on a runtime thread rather than leave a ghost track.
        let server = self.server.clone();
        self.rt.spawn(async move {
            let _ = server.call(move |sfu, now| sfu.inject_unpublish(now, track)).await;
        });
    }
}
