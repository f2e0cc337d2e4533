//! The sans-IO core with two real str0m peers and no sockets: a publisher sends VP8, a
//! viewer that joins late gets a keyframe first (its subscription triggers a keyframe
//! request upstream), then a steady stream of frames. Time is virtual.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use media_server::sfu::{CoreConfig, Sfu};
use media_server::{MediaClaims, MediaRole};
use str0m::change::{SdpAnswer, SdpOffer};
use str0m::format::Codec;
use str0m::media::{Direction, MediaKind, MediaTime, Mid};
use str0m::net::{Protocol, Receive};
use str0m::{Candidate, Event, Input, Output, Rtc};

const SFU: &str = "10.0.0.1:5000";

struct Peer {
    rtc: Rtc,
    addr: SocketAddr,
    events: Vec<Event>,
}

impl Peer {
    fn new(addr: &str, now: Instant) -> Peer {
        let addr: SocketAddr = addr.parse().unwrap();
        let mut rtc = Rtc::builder().build(now);
        rtc.add_local_candidate(Candidate::host(addr, "udp").unwrap());
        Peer { rtc, addr, events: vec![] }
    }
}

fn claims(sub: &str, role: MediaRole) -> MediaClaims {
    MediaClaims { room: "r".into(), sub: sub.into(), name: sub.into(), role, exp: i64::MAX }
}

fn offer(peer: &mut Peer, dir: Direction) -> (Mid, String, str0m::change::SdpPendingOffer) {
    let mut api = peer.rtc.sdp_api();
    let mid = api.add_media(MediaKind::Video, dir, None, None, None);
    let (offer, pending) = api.apply().unwrap();
    (mid, offer.to_sdp_string(), pending)
}

/// Exchange packets until everyone is idle at `now`.
fn settle(sfu: &mut Sfu, peers: &mut [&mut Peer], now: Instant) {
    let sfu_addr: SocketAddr = SFU.parse().unwrap();
    for _ in 0..50 {
        let mut moved = false;
        for p in peers.iter_mut() {
            p.rtc.handle_input(Input::Timeout(now)).unwrap();
            loop {
                match p.rtc.poll_output().unwrap() {
                    Output::Timeout(_) => break,
                    Output::Transmit(t) => {
                        moved = true;
                        sfu.handle_receive(now, p.addr, &t.contents);
                    }
                    Output::Event(e) => p.events.push(e),
                }
            }
        }
        sfu.handle_timeout(now);
        while let Some((dst, data)) = sfu.poll_transmit() {
            moved = true;
            if let Some(p) = peers.iter_mut().find(|p| p.addr == dst) {
                let input = Input::Receive(
                    now,
                    Receive { proto: Protocol::Udp, source: sfu_addr, destination: dst, contents: data.as_slice().try_into().unwrap() },
                );
                p.rtc.handle_input(input).unwrap();
            }
        }
        if !moved {
            return;
        }
    }
}

fn vp8_frame(keyframe: bool) -> Vec<u8> {
    let mut f = vec![if keyframe { 0x10 } else { 0x11 }, 0x02, 0x00, 0x9d, 0x01, 0x2a, 0x80, 0x02, 0xe0, 0x01];
    f.resize(600, 0xab);
    f
}

#[test]
fn sfu_relays_frames_and_keyframe_requests_in_virtual_time() {
    str0m::crypto::from_feature_flags().install_process_default();
    let mut now = Instant::now();
    let mut sfu = Sfu::new(CoreConfig { advertised: SFU.parse().unwrap(), max_wall_tiles: 36 });

    let mut publisher = Peer::new("10.0.0.2:1000", now);
    let (pub_mid, sdp, pending) = offer(&mut publisher, Direction::SendOnly);
    let (_, answer) = sfu.publish(now, &claims("candidate:1", MediaRole::Publish), &sdp).unwrap();
    publisher
        .rtc
        .sdp_api()
        .accept_answer(pending, SdpAnswer::from_sdp_string(&answer).unwrap())
        .unwrap();

    let vp8 = publisher.rtc.codec_config().find(|p| p.spec().codec == Codec::Vp8).unwrap().pt();
    let mut ts = 0u64;
    let mut write = |p: &mut Peer, now: Instant, keyframe: bool| {
        ts += 3000;
        p.rtc
            .writer(pub_mid)
            .unwrap()
            .write(vp8, now, MediaTime::from_90khz(ts), vp8_frame(keyframe))
            .unwrap();
    };

    // Publisher connects and streams delta frames after one initial keyframe.
    for i in 0..60 {
        now += Duration::from_millis(33);
        if publisher.rtc.is_connected() {
            write(&mut publisher, now, i == 30);
        }
        settle(&mut sfu, &mut [&mut publisher], now);
    }
    assert!(publisher.rtc.is_connected(), "publisher connected through the core");
    assert!(sfu.stats().frames_received > 10);

    // A viewer joins mid-stream: it must be asked for a keyframe upstream.
    let mut viewer = Peer::new("10.0.0.3:1000", now);
    let mut api = viewer.rtc.sdp_api();
    api.add_media(MediaKind::Video, Direction::RecvOnly, None, None, None);
    let (o, pending) = api.apply().unwrap();
    let (_, answer) = sfu
        .view(now, &claims("invigilator:1", MediaRole::View), &"candidate:1".into(), &o.to_sdp_string())
        .unwrap();
    let _ = SdpOffer::from_sdp_string(&o.to_sdp_string()).unwrap();
    viewer
        .rtc
        .sdp_api()
        .accept_answer(pending, SdpAnswer::from_sdp_string(&answer).unwrap())
        .unwrap();

    let mut keyframe_requests = 0;
    for _ in 0..150 {
        now += Duration::from_millis(33);
        // Answer keyframe requests like a browser encoder would.
        let asked = publisher.events.drain(..).any(|e| matches!(e, Event::KeyframeRequest(_)));
        keyframe_requests += usize::from(asked);
        write(&mut publisher, now, asked);
        settle(&mut sfu, &mut [&mut publisher, &mut viewer], now);
    }

    let frames: Vec<_> = viewer
        .events
        .iter()
        .filter_map(|e| match e {
            Event::MediaData(d) => Some(d),
            _ => None,
        })
        .collect();
    assert!(keyframe_requests >= 1, "the viewer's subscription asked the publisher for a keyframe");
    assert!(frames.len() > 50, "viewer got {} frames", frames.len());
    assert!(frames[0].is_keyframe(), "the first forwarded frame is a keyframe");
    // Forwarded RTP time advances monotonically.
    assert!(frames.windows(2).all(|w| w[1].time.numer() > w[0].time.numer()));
    assert_eq!(frames[0].data.len(), 600);
}
