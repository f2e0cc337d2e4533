//! Which simulcast layers of a track are live, ordered lowest first.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use str0m::media::Rid;

/// A layer that sent nothing for this long is treated as off (the browser pauses
/// upper layers when its bandwidth estimate drops).
const ACTIVE_WINDOW: Duration = Duration::from_millis(1500);

#[derive(Debug, Clone, Copy)]
struct LayerState {
    last_seen: Instant,
    width: Option<u32>,
}

/// The layers of one published track.
#[derive(Debug, Default)]
pub struct Layers {
    /// Rids in the order the publisher's SDP listed them.
    offered: Vec<Rid>,
    seen: HashMap<Option<Rid>, LayerState>,
}

impl Layers {
    pub fn new(offered: Vec<Rid>) -> Self {
        Layers { offered, seen: HashMap::new() }
    }

    pub fn offered(&self) -> &[Rid] {
        &self.offered
    }

    /// Note a frame; `width` comes from a keyframe header when the codec exposes it.
    pub fn on_frame(&mut self, rid: Option<Rid>, now: Instant, width: Option<u32>) {
        let s = self
            .seen
            .entry(rid)
            .or_insert(LayerState { last_seen: now, width: None });
        s.last_seen = now;
        if width.is_some() {
            s.width = width;
        }
    }

    /// Live layers, lowest first: by picture width where known (VP8 keyframes carry it),
    /// otherwise by the offer's order.
    pub fn active(&self, now: Instant) -> Vec<Option<Rid>> {
        let mut live: Vec<(Option<Rid>, LayerState)> = self
            .seen
            .iter()
            .filter(|(_, s)| now.saturating_duration_since(s.last_seen) < ACTIVE_WINDOW)
            .map(|(r, s)| (*r, *s))
            .collect();
        let offer_pos = |r: &Option<Rid>| {
            r.and_then(|r| self.offered.iter().position(|o| *o == r))
                .unwrap_or(usize::MAX)
        };
        live.sort_by_key(|(r, s)| (s.width.unwrap_or(0), offer_pos(r)));
        live.into_iter().map(|(r, _)| r).collect()
    }
}

/// Picture width from a VP8 keyframe (RFC 6386 §9.1), `None` for delta frames.
pub fn vp8_keyframe_width(frame: &[u8]) -> Option<u32> {
    if frame.len() < 10 || frame[0] & 1 != 0 || frame[3..6] != [0x9d, 0x01, 0x2a] {
        return None;
    }
    Some(u32::from(u16::from_le_bytes([frame[6], frame[7]]) & 0x3fff))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layers_sort_by_keyframe_width_not_offer_order() {
        let now = Instant::now();
        let mut l = Layers::new(vec!["h".into(), "l".into()]);
        l.on_frame(Some("h".into()), now, Some(640));
        l.on_frame(Some("l".into()), now, Some(320));
        assert_eq!(l.active(now), vec![Some("l".into()), Some("h".into())]);
    }

    #[test]
    fn silent_layer_drops_out() {
        let now = Instant::now();
        let mut l = Layers::new(vec![]);
        l.on_frame(Some("h".into()), now, Some(640));
        l.on_frame(Some("l".into()), now + ACTIVE_WINDOW, Some(320));
        assert_eq!(l.active(now + ACTIVE_WINDOW), vec![Some("l".into())]);
    }

    #[test]
    fn vp8_width_is_read_from_keyframe_header() {
        let kf = [0x10, 0x02, 0x00, 0x9d, 0x01, 0x2a, 0x80, 0x02, 0xe0, 0x01];
        assert_eq!(vp8_keyframe_width(&kf), Some(640));
        let mut delta = kf;
        delta[0] |= 1;
        assert_eq!(vp8_keyframe_width(&delta), None);
    }
}
