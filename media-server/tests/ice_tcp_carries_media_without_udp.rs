//! ICE-TCP: a publisher and a viewer whose only transport is one TCP connection each to the
//! server's passive TCP candidate (RFC 4571 framing, no UDP socket at all on the client
//! side) connect through the real server and its driver, and the viewer receives the
//! publisher's frames.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use media_server::{MediaClaims, MediaRole, MediaServer, MediaSettings, ParticipantId};
use str0m::change::{SdpAnswer, SdpPendingOffer};
use str0m::format::Codec;
use str0m::media::{Direction, MediaKind, MediaTime, Mid};
use str0m::net::{Protocol, Receive, TcpType};
use str0m::{Candidate, Event, Input, Output, Rtc};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
use tokio::sync::mpsc;

fn claims(sub: &str, role: MediaRole) -> MediaClaims {
    MediaClaims { room: "tcp-room".into(), sub: sub.into(), name: sub.into(), role, exp: i64::MAX }
}

fn vp8_frame(keyframe: bool) -> Vec<u8> {
    let mut f = vec![if keyframe { 0x10 } else { 0x11 }, 0x02, 0x00, 0x9d, 0x01, 0x2a, 0x80, 0x02, 0xe0, 0x01];
    f.resize(2500, 0xab);
    f
}

/// A str0m peer whose one local candidate is an active TCP candidate on its connection.
struct TcpPeer {
    rtc: Rtc,
    local: SocketAddr,
    server: SocketAddr,
    write: OwnedWriteHalf,
    packets: mpsc::Receiver<Vec<u8>>,
}

impl TcpPeer {
    async fn connect(server: SocketAddr) -> TcpPeer {
        let stream = TcpStream::connect(server).await.unwrap();
        stream.set_nodelay(true).unwrap();
        let local = stream.local_addr().unwrap();
        let (read, write) = stream.into_split();
        let (tx, packets) = mpsc::channel(4096);
        tokio::spawn(read_packets(read, tx));
        let mut rtc = Rtc::builder().build(Instant::now());
        let cand = Candidate::builder().tcp().host(local).tcptype(TcpType::Active).build().unwrap();
        rtc.add_local_candidate(cand);
        TcpPeer { rtc, local, server, write, packets }
    }

    fn offer(&mut self, dir: Direction) -> (Mid, String, SdpPendingOffer) {
        let mut api = self.rtc.sdp_api();
        let mid = api.add_media(MediaKind::Video, dir, None, None, None);
        let (offer, pending) = api.apply().unwrap();
        (mid, offer.to_sdp_string(), pending)
    }

    fn accept(&mut self, pending: SdpPendingOffer, answer: &str) {
        assert!(answer.contains("tcptype passive"), "the answer carries the passive TCP candidate:\n{answer}");
        self.rtc.sdp_api().accept_answer(pending, SdpAnswer::from_sdp_string(answer).unwrap()).unwrap();
    }

    /// Drive the peer until `until`, collecting events; everything leaves over TCP.
    async fn run_until(&mut self, until: Instant, events: &mut Vec<Event>) {
        loop {
            let timeout = loop {
                match self.rtc.poll_output().unwrap() {
                    Output::Timeout(t) => break t,
                    Output::Transmit(t) => {
                        assert_eq!(t.proto, Protocol::Tcp, "nothing may go out over UDP");
                        let len = u16::try_from(t.contents.len()).unwrap().to_be_bytes();
                        self.write.write_all(&len).await.unwrap();
                        self.write.write_all(&t.contents).await.unwrap();
                    }
                    Output::Event(e) => events.push(e),
                }
            };
            let now = Instant::now();
            if now >= until {
                return;
            }
            let wake = timeout.min(until).max(now);
            tokio::select! {
                p = self.packets.recv() => {
                    let p = p.expect("the server keeps the TCP connection open");
                    let input = Input::Receive(Instant::now(), Receive {
                        proto: Protocol::Tcp,
                        source: self.server,
                        destination: self.local,
                        contents: p.as_slice().try_into().unwrap(),
                    });
                    self.rtc.handle_input(input).unwrap();
                }
                _ = tokio::time::sleep_until(wake.into()) => {
                    self.rtc.handle_input(Input::Timeout(Instant::now())).unwrap();
                }
            }
        }
    }
}

async fn read_packets(mut read: OwnedReadHalf, tx: mpsc::Sender<Vec<u8>>) {
    loop {
        let mut len = [0u8; 2];
        if read.read_exact(&mut len).await.is_err() {
            return;
        }
        let mut p = vec![0u8; usize::from(u16::from_be_bytes(len))];
        if read.read_exact(&mut p).await.is_err() || tx.send(p).await.is_err() {
            return;
        }
    }
}

async fn start_server() -> MediaServer {
    let mut settings = MediaSettings::new("127.0.0.1:0".parse().unwrap(), b"ice-tcp-test-key-0123".to_vec());
    settings.tcp_bind = Some("127.0.0.1:0".parse().unwrap());
    media_server::start(settings).await.unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ice_tcp_carries_media_without_udp() {
    let server = start_server().await;
    let tcp = server.tcp_local_addr().expect("tcp_bind set");

    let mut publisher = TcpPeer::connect(tcp).await;
    let (mid, offer, pending) = publisher.offer(Direction::SendOnly);
    let (_, answer) = server.publish(claims("candidate:1", MediaRole::Publish), offer).await.unwrap();
    publisher.accept(pending, &answer);

    let mut pub_events = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(10);
    while !publisher.rtc.is_connected() && Instant::now() < deadline {
        publisher.run_until(Instant::now() + Duration::from_millis(50), &mut pub_events).await;
    }
    assert!(publisher.rtc.is_connected(), "publisher connected over ICE-TCP");

    // The viewer, also TCP only, runs on its own task; the publisher streams meanwhile.
    let mut viewer = TcpPeer::connect(tcp).await;
    let (_, offer, pending) = viewer.offer(Direction::RecvOnly);
    let target = ParticipantId("candidate:1".into());
    let (_, answer) = server.view(claims("invigilator:1", MediaRole::View), target, offer).await.unwrap();
    viewer.accept(pending, &answer);
    let watching = tokio::spawn(async move {
        let mut events = Vec::new();
        viewer.run_until(Instant::now() + Duration::from_secs(4), &mut events).await;
        events
    });

    let vp8 = publisher.rtc.codec_config().find(|p| p.spec().codec == Codec::Vp8).unwrap().pt();
    let start = Instant::now();
    let mut sent = 0u64;
    while start.elapsed() < Duration::from_secs(4) {
        // Answer keyframe requests (the viewer's subscription asks for one) like an encoder.
        let asked = pub_events.drain(..).any(|e| matches!(e, Event::KeyframeRequest(_)));
        let time = MediaTime::from_90khz(3000 * sent);
        let frame = vp8_frame(asked || sent.is_multiple_of(30));
        publisher.rtc.writer(mid).unwrap().write(vp8, Instant::now(), time, frame).unwrap();
        sent += 1;
        publisher.run_until(Instant::now() + Duration::from_millis(33), &mut pub_events).await;
    }

    let events = watching.await.unwrap();
    assert!(events.iter().any(|e| matches!(e, Event::Connected)), "viewer connected over ICE-TCP");
    let frames: Vec<_> = events
        .iter()
        .filter_map(|e| match e {
            Event::MediaData(d) => Some(d),
            _ => None,
        })
        .collect();
    assert!(frames.len() > 30, "viewer got {} of {sent} frames over TCP", frames.len());
    assert!(frames[0].is_keyframe(), "the first forwarded frame is a keyframe");
    assert_eq!(frames[0].data.len(), 2500, "frames arrive whole (two RTP packets each)");
    server.shutdown().await;
}
