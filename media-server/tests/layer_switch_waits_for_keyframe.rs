//! A forwarded track changes simulcast layer only at a keyframe of the new layer, asks the
//! publisher for that keyframe, and keeps RTP time continuous across the switch.

use std::time::{Duration, Instant};

use media_server::forward::{FrameInfo, Layer, LayerSelector};
use str0m::media::Rid;

fn frame(rid: &str, keyframe: bool, rtp_time: u64, at: Instant) -> FrameInfo {
    FrameInfo { rid: Some(Rid::from(rid)), keyframe, rtp_time, clock_rate: 90_000, arrival: at, audio: false }
}

#[test]
fn layer_switch_waits_for_keyframe() {
    let t0 = Instant::now();
    let layers = [Some(Rid::from("l")), Some(Rid::from("h"))];
    let mut sel = LayerSelector::new(Layer::Low);

    // Nothing is forwarded before the first keyframe, and one is requested.
    let d = sel.decide(&frame("l", false, 1_000, t0), &layers, t0);
    assert_eq!(d.forward, None);
    assert_eq!(d.request_keyframe, Some(Some(Rid::from("l"))));
    // Frames of the other layer are never forwarded.
    assert_eq!(sel.decide(&frame("h", true, 50_000, t0), &layers, t0).forward, None);

    let d = sel.decide(&frame("l", true, 4_000, t0), &layers, t0);
    assert_eq!(d.forward, Some(4_000));
    assert_eq!(d.request_keyframe, None);

    // Focus: target high. Low keeps flowing until high has a keyframe.
    sel.set_target(Layer::High);
    let t1 = t0 + Duration::from_millis(33);
    let d = sel.decide(&frame("l", false, 7_000, t1), &layers, t1);
    assert_eq!(d.forward, Some(7_000));
    assert_eq!(d.request_keyframe, Some(Some(Rid::from("h"))));
    assert_eq!(sel.decide(&frame("h", false, 53_000, t1), &layers, t1).forward, None);

    // High keyframe 33 ms later: switch, output time continues (+2970 ticks).
    let t2 = t1 + Duration::from_millis(33);
    let d = sel.decide(&frame("h", true, 56_000, t2), &layers, t2);
    assert_eq!(d.forward, Some(7_000 + 2_970));
    assert_eq!(sel.current(), Some(Some(Rid::from("h"))));
    // From now on low is dropped and high continues with the same offset.
    assert_eq!(sel.decide(&frame("l", false, 10_000, t2), &layers, t2).forward, None);
    let d = sel.decide(&frame("h", false, 59_000, t2), &layers, t2);
    assert_eq!(d.forward, Some(7_000 + 2_970 + 3_000));
}

#[test]
fn keyframe_requests_repeat_only_after_a_pause() {
    let t0 = Instant::now();
    let layers = [None];
    let mut sel = LayerSelector::new(Layer::High);
    let f = |at| FrameInfo { rid: None, keyframe: false, rtp_time: 0, clock_rate: 90_000, arrival: at, audio: false };
    assert!(sel.decide(&f(t0), &layers, t0).request_keyframe.is_some());
    let t1 = t0 + Duration::from_millis(100);
    assert!(sel.decide(&f(t1), &layers, t1).request_keyframe.is_none());
    let t2 = t0 + Duration::from_millis(600);
    assert!(sel.decide(&f(t2), &layers, t2).request_keyframe.is_some());
}

#[test]
fn high_target_falls_back_to_the_only_live_layer() {
    let t0 = Instant::now();
    let mut sel = LayerSelector::new(Layer::High);
    // Publisher paused its high layer: only low is live, so high means low.
    let d = sel.decide(&frame("l", true, 1_000, t0), &[Some(Rid::from("l"))], t0);
    assert_eq!(d.forward, Some(1_000));
}
