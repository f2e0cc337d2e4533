//! Frame grabs: one decoded RGB picture of a live video track, for face checks at check-in
//! and at random moments. The grabber is a tap like the recorder: it asks the publisher for
//! a keyframe, takes the first one that arrives (the widest simulcast layer if several come
//! together) and decodes only that frame, so no decoder has to follow the stream.

pub(crate) mod decode;

use std::time::Duration;

use image::RgbImage;
use tokio::sync::mpsc;
use tokio::time::Instant;

use crate::error::{Error, Result};
use crate::ids::{ParticipantId, RoomId};
use crate::room::vp8_keyframe_width;
use crate::server::MediaServer;
use crate::tap::{Codec, TapFilter, TapFrame};

pub use decode::decode_keyframe;

/// After the first keyframe, how long keyframes of other simulcast layers may still come.
const SETTLE: Duration = Duration::from_millis(150);
/// A keyframe request that got no answer is repeated this often (PLIs can be lost).
const REQUEST_AGAIN: Duration = Duration::from_millis(300);

impl MediaServer {
    /// A decoded RGB frame of `participant`'s camera in `room`, within `timeout`.
    ///
    /// Errors: [`Error::NotFound`] when the participant publishes no video there,
    /// [`Error::Timeout`] when no keyframe came in time, [`Error::Pipeline`] when it could
    /// not be decoded.
    pub async fn grab_frame(&self, room: &RoomId, participant: &ParticipantId, timeout: Duration) -> Result<RgbImage> {
        let deadline = Instant::now() + timeout;
        let mut rx = self.tap(TapFilter::video_of(room, participant));
        self.request_keyframe(room, participant).await?;
        let first = loop {
            let again = (Instant::now() + REQUEST_AGAIN).min(deadline);
            match next_keyframe(&mut rx, again).await? {
                Some(f) => break f,
                None if Instant::now() >= deadline => {
                    return Err(Error::Timeout(format!("no keyframe from {participant} within {timeout:?}")));
                }
                None => self.request_keyframe(room, participant).await?,
            }
        };
        let mut best = first;
        let settle = (Instant::now() + SETTLE).min(deadline);
        while let Some(f) = next_keyframe(&mut rx, settle).await? {
            if width(&f) > width(&best) {
                best = f;
            }
        }
        drop(rx);
        let (codec, data) = (best.codec, best.data);
        tokio::task::spawn_blocking(move || decode_keyframe(codec, &data))
            .await
            .map_err(|e| Error::Pipeline(format!("decoder task: {e}")))?
    }
}

/// The next keyframe before `until`; `Ok(None)` when time ran out first.
async fn next_keyframe(rx: &mut mpsc::Receiver<TapFrame>, until: Instant) -> Result<Option<TapFrame>> {
    loop {
        match tokio::time::timeout_at(until, rx.recv()).await {
            Err(_) => return Ok(None),
            Ok(None) => return Err(Error::Stopped),
            Ok(Some(f)) if f.keyframe => return Ok(Some(f)),
            Ok(Some(_)) => {}
        }
    }
}

fn width(f: &TapFrame) -> u32 {
    match f.codec {
        Codec::Vp8 => vp8_keyframe_width(&f.data).unwrap_or(0),
        _ => 0,
    }
}
