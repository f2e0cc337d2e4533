//! Simulcast layer selection for one forwarded video track.

use std::time::{Duration, Instant};

use str0m::media::Rid;

use super::timestamp::TimestampRewriter;

/// What a subscriber asks for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Layer {
    /// Lowest active layer (wall tiles).
    Low,
    /// Highest active layer (focused tile, single-stream viewers).
    High,
}

/// The facts about one incoming frame the selector needs.
#[derive(Clone, Copy, Debug)]
pub struct FrameInfo {
    /// Which simulcast layer (None without simulcast, and for audio).
    pub rid: Option<Rid>,
    pub keyframe: bool,
    /// Extended RTP time in `clock_rate` ticks.
    pub rtp_time: u64,
    pub clock_rate: u32,
    pub arrival: Instant,
    /// Audio needs no keyframe gating.
    pub audio: bool,
}

/// Outcome for one frame.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Decision {
    /// Forward with this rewritten RTP time, or drop.
    pub forward: Option<u64>,
    /// Ask the publisher for a keyframe on this layer (already rate-limited).
    pub request_keyframe: Option<Option<Rid>>,
}

/// How often to repeat a keyframe request while waiting for one.
const KEYFRAME_RETRY: Duration = Duration::from_millis(500);

/// Chooses and switches the layer of one forwarded track.
///
/// Invariant: the forwarded stream only ever changes source at a keyframe of the new
/// source, so the subscriber's decoder never sees a delta frame it cannot decode.
#[derive(Debug, Clone)]
pub struct LayerSelector {
    target: Layer,
    /// The source currently forwarded; `None` until the first keyframe went out.
    current: Option<Option<Rid>>,
    /// Source generation (bumps when the published track is replaced).
    generation: u64,
    current_generation: u64,
    last_request: Option<Instant>,
    time: TimestampRewriter,
}

impl LayerSelector {
    pub fn new(target: Layer) -> Self {
        LayerSelector {
            target,
            current: None,
            generation: 0,
            current_generation: 0,
            last_request: None,
            time: TimestampRewriter::default(),
        }
    }

    pub fn target(&self) -> Layer {
        self.target
    }

    /// The layer now forwarded (None = nothing yet, Some(None) = the only layer).
    pub fn current(&self) -> Option<Option<Rid>> {
        self.current
    }

    /// Change the wanted layer; the switch happens at the next keyframe of that layer.
    pub fn set_target(&mut self, target: Layer) {
        if self.target != target {
            self.target = target;
            self.last_request = None;
        }
    }

    /// The source track was replaced (publisher reconnected): wait for its keyframe.
    pub fn reset_source(&mut self) {
        self.generation += 1;
        self.current = None;
        self.last_request = None;
    }

    /// Decide about one frame. `active` lists the layers that are currently sending,
    /// lowest first (empty or `[None]` without simulcast).
    pub fn decide(&mut self, frame: &FrameInfo, active: &[Option<Rid>], now: Instant) -> Decision {
        if frame.audio {
            if self.current.is_none() || self.current_generation != self.generation {
                self.current = Some(frame.rid);
                self.current_generation = self.generation;
                self.time
                    .switch_source(frame.rtp_time, frame.arrival, frame.clock_rate);
            }
            let t = self.time.rewrite(frame.rtp_time, frame.arrival);
            return Decision { forward: Some(t), request_keyframe: None };
        }

        let wanted = self.wanted(active).unwrap_or(frame.rid);
        let on_wanted = self.current == Some(wanted) && self.current_generation == self.generation;

        let mut forward = None;
        if on_wanted {
            if frame.rid == wanted {
                forward = Some(self.time.rewrite(frame.rtp_time, frame.arrival));
            }
        } else if frame.rid == wanted && frame.keyframe {
            self.current = Some(wanted);
            self.current_generation = self.generation;
            self.time
                .switch_source(frame.rtp_time, frame.arrival, frame.clock_rate);
            forward = Some(self.time.rewrite(frame.rtp_time, frame.arrival));
        } else if self.current == Some(frame.rid) && self.current_generation == self.generation {
            // Keep the old layer flowing until the new one has a keyframe.
            forward = Some(self.time.rewrite(frame.rtp_time, frame.arrival));
        }

        let switched = self.current == Some(wanted) && self.current_generation == self.generation;
        let request_keyframe = if !switched && self.request_due(now) {
            self.last_request = Some(now);
            Some(wanted)
        } else {
            None
        };
        Decision { forward, request_keyframe }
    }

    fn wanted(&self, active: &[Option<Rid>]) -> Option<Option<Rid>> {
        match self.target {
            Layer::Low => active.first().copied(),
            Layer::High => active.last().copied(),
        }
    }

    fn request_due(&self, now: Instant) -> bool {
        self.last_request
            .is_none_or(|t| now.saturating_duration_since(t) >= KEYFRAME_RETRY)
    }
}
