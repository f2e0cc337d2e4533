//! The independent WebRTC client (webrtc-rs): publishers that send pre-encoded VP8 with a
//! send timestamp in each frame's last 8 bytes, and viewers that count packets, sequence
//! gaps and one-way latency.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use bytes::{BufMut, Bytes, BytesMut};
use rtc::media::Sample;
use rtc::media_stream::MediaStreamTrack;
use rtc::rtp_transceiver::rtp_sender::{RTCRtpCodec, RTCRtpCodecParameters, RTCRtpCodingParameters, RTCRtpEncodingParameters, RtpCodecKind};
use tokio::sync::watch;
use webrtc::media_stream::Track;
use webrtc::media_stream::track_local::TrackLocal;
use webrtc::media_stream::track_local::static_sample::TrackLocalStaticSample;
use webrtc::media_stream::track_remote::{TrackRemote, TrackRemoteEvent};
use webrtc::peer_connection::{
    MediaEngine, PeerConnection, PeerConnectionBuilder, PeerConnectionEventHandler, RTCConfigurationBuilder,
    RTCIceGatheringState, RTCPeerConnectionState, RTCSessionDescription, Registry, register_default_interceptors,
};
use webrtc::rtp_transceiver::{RTCRtpTransceiverDirection, RTCRtpTransceiverInit};

pub type Pc = Arc<dyn PeerConnection>;
type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// Shared by all viewers of one run.
#[derive(Default)]
pub struct Totals {
    pub packets: AtomicU64,
    pub lost: AtomicU64,
    pub latency_us_sum: AtomicU64,
    pub latency_n: AtomicU64,
    pub latencies: Mutex<Vec<u64>>,
}

struct Handler {
    gathered: watch::Sender<bool>,
    connected: watch::Sender<bool>,
    totals: Arc<Totals>,
    base: Instant,
}

#[async_trait::async_trait]
impl PeerConnectionEventHandler for Handler {
    async fn on_ice_gathering_state_change(&self, state: RTCIceGatheringState) {
        if state == RTCIceGatheringState::Complete {
            let _ = self.gathered.send(true);
        }
    }

    async fn on_connection_state_change(&self, state: RTCPeerConnectionState) {
        if state == RTCPeerConnectionState::Connected {
            let _ = self.connected.send(true);
        }
    }

    async fn on_track(&self, track: Arc<dyn TrackRemote>) {
        let totals = self.totals.clone();
        let base = self.base;
        tokio::spawn(async move {
            let mut last_seq: Option<u64> = None;
            let mut rollover = 0u64;
            while let Some(ev) = track.poll().await {
                let TrackRemoteEvent::OnRtpPacket(p) = ev else {
                    continue;
                };
                totals.packets.fetch_add(1, Ordering::Relaxed);
                let seq16 = u64::from(p.header.sequence_number);
                let mut ext = rollover + seq16;
                if let Some(last) = last_seq {
                    if ext + 30_000 < last {
                        rollover += 1 << 16;
                        ext += 1 << 16;
                    }
                    if ext > last + 1 {
                        totals.lost.fetch_add(ext - last - 1, Ordering::Relaxed);
                    }
                }
                if last_seq.is_none_or(|l| ext > l) {
                    last_seq = Some(ext);
                }
                if p.header.marker && p.payload.len() >= 8 {
                    let tail = &p.payload[p.payload.len() - 8..];
                    let sent = u64::from_le_bytes(tail.try_into().unwrap_or([0; 8]));
                    let now = base.elapsed().as_micros() as u64;
                    if sent <= now && now - sent < 10_000_000 {
                        totals.latency_us_sum.fetch_add(now - sent, Ordering::Relaxed);
                        totals.latency_n.fetch_add(1, Ordering::Relaxed);
                        if let Ok(mut l) = totals.latencies.lock() {
                            l.push(now - sent);
                        }
                    }
                }
            }
        });
    }
}

pub struct Peer {
    pub pc: Pc,
    gathered: watch::Receiver<bool>,
    pub connected: watch::Receiver<bool>,
}

fn vp8() -> RTCRtpCodecParameters {
    RTCRtpCodecParameters {
        rtp_codec: RTCRtpCodec {
            mime_type: "video/VP8".to_owned(),
            clock_rate: 90_000,
            channels: 0,
            sdp_fmtp_line: String::new(),
            rtcp_feedback: vec![],
        },
        payload_type: 96,
        ..Default::default()
    }
}

/// What a peer does; viewers are kept as cheap as possible so one client process can drive
/// hundreds of them: no interceptors (no NACK, TWCC or receiver reports), they only count
/// and timestamp packets. Publishers keep the defaults (NACK responder, sender reports).
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Role {
    Publisher,
    Viewer,
}

pub async fn peer(totals: Arc<Totals>, base: Instant, ip: std::net::IpAddr, role: Role) -> Result<Peer, BoxError> {
    let mut engine = MediaEngine::default();
    engine.register_codec(vp8(), RtpCodecKind::Video)?;
    let registry = match role {
        Role::Publisher => register_default_interceptors(Registry::new(), &mut engine)?,
        Role::Viewer => Registry::new(),
    };
    let (gtx, gathered) = watch::channel(false);
    let (ctx, connected) = watch::channel(false);
    let handler = Arc::new(Handler { gathered: gtx, connected: ctx, totals, base });
    let runtime = webrtc::runtime::default_runtime().ok_or("no runtime")?;
    let pc = PeerConnectionBuilder::new()
        .with_configuration(RTCConfigurationBuilder::new().build())
        .with_media_engine(engine)
        .with_interceptor_registry(registry)
        .with_handler(handler)
        .with_runtime(runtime)
        .with_udp_addrs(vec![format!("{ip}:0")])
        .build()
        .await?;
    Ok(Peer { pc: Arc::new(pc), gathered, connected })
}

impl Peer {
    pub async fn add_vp8_track(&self) -> Result<Arc<TrackLocalStaticSample>, BoxError> {
        let track = Arc::new(TrackLocalStaticSample::new(
            Instant::now(),
            MediaStreamTrack::new(
                "bench".into(),
                format!("video-{}", rand::random::<u32>()),
                "video".into(),
                RtpCodecKind::Video,
                vec![RTCRtpEncodingParameters {
                    rtp_coding_parameters: RTCRtpCodingParameters { ssrc: Some(rand::random()), ..Default::default() },
                    codec: vp8().rtp_codec,
                    ..Default::default()
                }],
            ),
        )?);
        self.pc.add_track(track.clone() as Arc<dyn TrackLocal>).await?;
        Ok(track)
    }

    pub async fn add_recv_video(&self) -> Result<(), BoxError> {
        let init = RTCRtpTransceiverInit { direction: RTCRtpTransceiverDirection::Recvonly, ..Default::default() };
        self.pc.add_transceiver_from_kind(RtpCodecKind::Video, Some(init)).await?;
        Ok(())
    }

    /// Wait until ICE+DTLS are up; false after `timeout`.
    pub async fn wait_connected(&mut self, timeout: Duration) -> bool {
        matches!(tokio::time::timeout(timeout, self.connected.wait_for(|c| *c)).await, Ok(Ok(_)))
    }

    async fn gathered(&mut self) {
        let _ = tokio::time::timeout(Duration::from_secs(3), self.gathered.wait_for(|g| *g)).await;
    }

    /// Create our offer (non-trickle: waits for gathering).
    pub async fn offer(&mut self) -> Result<String, BoxError> {
        let offer = self.pc.create_offer(None).await?;
        self.pc.set_local_description(offer).await?;
        self.gathered().await;
        Ok(self.pc.local_description().await.ok_or("no local description")?.sdp)
    }

    pub async fn accept_answer(&self, sdp: String) -> Result<(), BoxError> {
        self.pc.set_remote_description(RTCSessionDescription::answer(sdp)?).await?;
        Ok(())
    }

    /// Answer a remote offer (Janus subscribers are offered to).
    pub async fn answer(&mut self, sdp: String) -> Result<String, BoxError> {
        self.pc.set_remote_description(RTCSessionDescription::offer(sdp)?).await?;
        let answer = self.pc.create_answer(None).await?;
        self.pc.set_local_description(answer).await?;
        self.gathered().await;
        Ok(self.pc.local_description().await.ok_or("no local description")?.sdp)
    }
}

/// Send `frames` in a loop at 30 fps until `stop`; each frame carries its send time.
pub async fn stream(pc: Pc, track: Arc<TrackLocalStaticSample>, frames: Arc<Vec<Bytes>>, base: Instant, stop: watch::Receiver<bool>) {
    let Some(ssrc) = track.ssrcs().await.first().copied() else {
        return;
    };
    let mut pt = None;
    for s in pc.get_senders().await {
        if let Ok(p) = s.get_parameters().await {
            pt = p.rtp_parameters.codecs.first().map(|c| c.payload_type);
        }
    }
    let Some(pt) = pt else {
        return;
    };
    let mut tick = tokio::time::interval(Duration::from_millis(33));
    for frame in frames.iter().cycle() {
        if *stop.borrow() {
            break;
        }
        tick.tick().await;
        let mut data = BytesMut::with_capacity(frame.len() + 8);
        data.put_slice(frame);
        data.put_u64_le(base.elapsed().as_micros() as u64);
        let sample = Sample { data: data.freeze(), duration: Duration::from_millis(33), ..Sample::new(Instant::now()) };
        if track.sample_writer(ssrc, pt).write_sample(&sample).await.is_err() {
            break;
        }
    }
}
