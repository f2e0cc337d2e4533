//! An injected H.264 track (what an RTSP camera becomes) in the sans-IO core with a real
//! str0m viewer and no sockets: it is announced like a publisher's track, a viewer joining
//! mid-stream gets nothing until the next IDR (its keyframe requests cannot reach a camera)
//! and then every access unit byte for byte, on a negotiated H.264 payload type; dropping
//! the source unpublishes it. Time is virtual.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use media_server::sfu::{CoreConfig, InjectedFrame, Sfu};
use media_server::{Codec, MediaClaims, MediaEvent, MediaRole, TrackKind};
use str0m::change::SdpAnswer;
use str0m::format::Codec as RtcCodec;
use str0m::media::{Direction, MediaKind};
use str0m::net::{Protocol, Receive};
use str0m::{Candidate, Event, Input, Output, Rtc};

const SFU: &str = "10.0.0.1:5000";
const VIEWER: &str = "10.0.0.3:1000";

/// SPS (constrained baseline 3.1) + PPS + IDR slice, Annex B.
fn idr(n: u8) -> Vec<u8> {
    let mut f = vec![0, 0, 0, 1, 0x67, 0x42, 0xe0, 0x1f, 0xda, 0x02, 0x80, 0xf6, 0x80, 0, 0, 0, 1, 0x68, 0xce, 0x3c, 0x80];
    f.extend_from_slice(&[0, 0, 0, 1, 0x65, 0x88, 0x84, n]);
    f.resize(f.len() + 1500, n);
    f
}

fn delta(n: u8) -> Vec<u8> {
    let mut f = vec![0, 0, 0, 1, 0x41, 0x9a, 0x02, n];
    f.resize(400, n);
    f
}

fn settle(sfu: &mut Sfu, viewer: &mut Rtc, events: &mut Vec<Event>, now: Instant) {
    let (sfu_addr, addr): (SocketAddr, SocketAddr) = (SFU.parse().unwrap(), VIEWER.parse().unwrap());
    for _ in 0..50 {
        let mut moved = false;
        viewer.handle_input(Input::Timeout(now)).unwrap();
        loop {
            match viewer.poll_output().unwrap() {
                Output::Timeout(_) => break,
                Output::Transmit(t) => {
                    moved = true;
                    sfu.handle_receive(now, addr, &t.contents);
                }
                Output::Event(e) => events.push(e),
            }
        }
        sfu.handle_timeout(now);
        while let Some((_, data)) = sfu.poll_transmit() {
            moved = true;
            let input = Input::Receive(
                now,
                Receive { proto: Protocol::Udp, source: sfu_addr, destination: addr, contents: data.as_slice().try_into().unwrap() },
            );
            viewer.handle_input(input).unwrap();
        }
        if !moved {
            return;
        }
    }
}

#[test]
fn injected_track_reaches_viewer_from_a_keyframe_in_virtual_time() {
    str0m::crypto::from_feature_flags().install_process_default();
    let mut now = Instant::now();
    let mut sfu = Sfu::new(CoreConfig { advertised: SFU.parse().unwrap(), max_wall_tiles: 36 });
    let track = sfu.inject_publish(now, "room-1".into(), "camera:5".into(), "前门".into(), TrackKind::Video, Codec::H264);
    let events: Vec<MediaEvent> = std::iter::from_fn(|| sfu.poll_event()).collect();
    assert!(events.iter().any(|e| matches!(e, MediaEvent::ParticipantJoined { participant, role: MediaRole::Publish, .. } if participant.0 == "camera:5")));
    assert!(events.iter().any(|e| matches!(e, MediaEvent::TrackPublished { track: t, kind: TrackKind::Video, .. } if *t == track)));

    // A browser-like viewer that only accepts H.264.
    let mut viewer = Rtc::builder().clear_codecs().enable_h264(true).build(now);
    viewer.add_local_candidate(Candidate::host(VIEWER.parse().unwrap(), "udp").unwrap());
    let mut api = viewer.sdp_api();
    api.add_media(MediaKind::Video, Direction::RecvOnly, None, None, None);
    let (offer, pending) = api.apply().unwrap();
    let claims = MediaClaims { room: "room-1".into(), sub: "invigilator:1".into(), name: "监考".into(), role: MediaRole::View, exp: i64::MAX };
    let (_, answer) = sfu.view(now, &claims, &"camera:5".into(), &offer.to_sdp_string()).unwrap();
    viewer.sdp_api().accept_answer(pending, SdpAnswer::from_sdp_string(&answer).unwrap()).unwrap();

    let mut got = Vec::new();
    let mut sent = Vec::new();
    let mut rtp = 0u64;
    for i in 0..120u32 {
        now += Duration::from_millis(66);
        rtp += 6000;
        // One IDR every 30 frames (2 s); the viewer is connected long before frame 45.
        let keyframe = i % 30 == 15;
        let n = (i % 250) as u8;
        let data = if keyframe { idr(n) } else { delta(n) };
        if viewer.is_connected() {
            sent.push((keyframe, data.clone()));
        }
        let frame = InjectedFrame { data: Arc::from(data), rtp_time: rtp, keyframe, arrival: now };
        sfu.inject_frame(now, track, frame, true);
        settle(&mut sfu, &mut viewer, &mut got, now);
    }
    let frames: Vec<_> = got
        .iter()
        .filter_map(|e| match e {
            Event::MediaData(d) => Some(d),
            _ => None,
        })
        .collect();
    assert!(frames.len() > 40, "viewer got {} frames", frames.len());
    assert!(frames[0].is_keyframe(), "the first forwarded frame is an IDR");
    assert_eq!(frames[0].params.spec().codec, RtcCodec::H264);
    // From the first IDR the viewer saw on, every access unit arrives intact and in order.
    let first = sent.iter().position(|(k, _)| *k).unwrap();
    let tail: Vec<&Vec<u8>> = sent[first..].iter().map(|(_, d)| d).collect();
    for (f, want) in frames.iter().zip(&tail) {
        let nal = |d: &[u8]| d.windows(4).position(|w| w == [0, 0, 1, 0x41] || w == [0, 0, 1, 0x65]).map(|p| d[p + 3..].to_vec());
        assert_eq!(nal(&f.data), nal(want), "slice bytes survive packetization");
    }
    assert!(frames.windows(2).all(|w| w[1].time.numer() > w[0].time.numer()));

    // The camera goes away: track and participant leave like a departing publisher.
    let _ = std::iter::from_fn(|| sfu.poll_event()).count();
    sfu.inject_unpublish(now, track);
    let events: Vec<MediaEvent> = std::iter::from_fn(|| sfu.poll_event()).collect();
    assert!(events.iter().any(|e| matches!(e, MediaEvent::TrackUnpublished { track: t, .. } if *t == track)));
    assert!(events.iter().any(|e| matches!(e, MediaEvent::ParticipantLeft { participant, .. } if participant.0 == "camera:5")));
    assert_eq!(sfu.stats().tracks, 0);
}
