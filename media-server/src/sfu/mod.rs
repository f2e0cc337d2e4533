//! The sans-IO SFU core: every PeerConnection of the node, the rooms, and the forwarding
//! between them. Input: datagrams and time. Output: datagrams to send, events, next timeout.
//! The tokio driver (`crate::driver`) owns the socket; tests drive this with virtual time.

mod codec_choice;
mod forwarding;
mod injected;
mod session;
pub mod trickle;
mod wall;

use std::collections::{BTreeMap, BTreeSet, HashMap, VecDeque};
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use str0m::change::SdpOffer;
use str0m::channel::{ChannelData, ChannelId};
use str0m::media::{Direction, KeyframeRequest, MediaAdded, MediaData, MediaKind};
use str0m::net::{Protocol, Receive, TcpType};
use str0m::stats::MediaIngressStats;
use str0m::{Candidate, Event, IceConnectionState, IceCreds, Input, Output, Rtc};

use crate::error::{Error, Result};
use crate::events::{MediaEvent, TrackKind};
use crate::forward::Layer;
use crate::ids::{ParticipantId, RoomId, SessionId, TrackId};
use crate::room::Room;
use crate::tap::Taps;
use crate::token::{MediaClaims, MediaRole};
use session::{DownTrack, Publisher, Session, SessionKind, Viewer, Wall};

pub use injected::InjectedFrame;

/// A session that has not connected by then is dropped.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(30);

/// A due timer is run again straight away while str0m keeps asking for one that is due
/// (a frame written to a viewer waits for a timeout "now" before it is packetized): the
/// frame leaves in the same pass instead of at the next driver wake-up, which was the
/// latency that grew with load.
/// Bound on back-to-back timer steps of one session in one pass.
const MAX_TIMER_STEPS: usize = 64;

/// How often the connect deadline of new sessions is checked.
const HOUSEKEEPING_EVERY: Duration = Duration::from_millis(500);

/// Core settings.
#[derive(Debug, Clone)]
pub struct CoreConfig {
    /// Address put into our ICE candidate and used as the destination of received packets.
    pub advertised: SocketAddr,
    pub max_wall_tiles: usize,
}

/// Counters for benchmarks and tests.
#[derive(Debug, Clone, Copy, Default, serde::Serialize)]
pub struct SfuStats {
    pub sessions: usize,
    pub tracks: usize,
    pub frames_received: u64,
    pub frames_forwarded: u64,
    pub keyframe_requests_sent: u64,
    pub datagrams_out: u64,
}

/// One node's worth of WebRTC sessions and rooms.
pub struct Sfu {
    cfg: CoreConfig,
    sessions: BTreeMap<SessionId, Session>,
    rooms: HashMap<RoomId, Room>,
    by_source: HashMap<(Protocol, SocketAddr), SessionId>,
    /// Our passive ICE-TCP candidate's address, when ICE-TCP is on.
    tcp_advertised: Option<SocketAddr>,
    next_session: u64,
    next_track: u64,
    transmits: VecDeque<(SocketAddr, Vec<u8>)>,
    tcp_transmits: VecDeque<(SocketAddr, Vec<u8>)>,
    events: VecDeque<MediaEvent>,
    stats: SfuStats,
    /// Every live session's next str0m timeout, earliest first (one entry per session).
    timers: BTreeSet<(Instant, SessionId)>,
    /// Sessions with input or writes waiting for a poll; may hold duplicates and stale ids
    /// (`Session::dirty` says whether the poll is still owed).
    dirty: Vec<SessionId>,
    walls: BTreeSet<SessionId>,
    next_housekeeping: Option<Instant>,
    /// Tracks injected from inside the process (RTSP cameras).
    injected: HashMap<TrackId, injected::Injected>,
    /// In-process consumers (recorder, frame grabber) offered every publisher frame.
    taps: Taps,
}

// A frame is the common case and lives only until it is forwarded in the same pass; boxing
// it would cost an allocation per frame to shrink the rarer variants' slots.
#[allow(clippy::large_enum_variant)]
enum Work {
    Media(SessionId, MediaData),
    KeyframeRequest(SessionId, KeyframeRequest),
    MediaAdded(SessionId, MediaAdded),
    ChannelOpen(SessionId, ChannelId),
    ChannelData(SessionId, ChannelData),
    Ingress(SessionId, MediaIngressStats),
    Connected(SessionId),
    Dead(SessionId),
}

impl Sfu {
    pub fn new(cfg: CoreConfig) -> Self {
        Sfu {
            cfg,
            sessions: BTreeMap::new(),
            rooms: HashMap::new(),
            by_source: HashMap::new(),
            tcp_advertised: None,
            next_session: 1,
            next_track: 1,
            transmits: VecDeque::new(),
            tcp_transmits: VecDeque::new(),
            events: VecDeque::new(),
            stats: SfuStats::default(),
            timers: BTreeSet::new(),
            dirty: Vec::new(),
            walls: BTreeSet::new(),
            next_housekeeping: None,
            injected: HashMap::new(),
            taps: Taps::default(),
        }
    }

    /// The tap registry, shared with the [`crate::MediaServer`] handle.
    pub(crate) fn taps(&self) -> Taps {
        self.taps.clone()
    }

    /// Offer a passive TCP candidate at `advertised` to every new session (ICE-TCP, RFC 6544);
    /// its traffic comes in through [`Sfu::handle_receive_tcp`] and goes out through
    /// [`Sfu::poll_tcp_transmit`], one RFC 4571 frame per datagram.
    pub fn enable_ice_tcp(&mut self, advertised: SocketAddr) {
        self.tcp_advertised = Some(advertised);
    }

    pub fn stats(&self) -> SfuStats {
        SfuStats {
            sessions: self.sessions.len(),
            tracks: self.rooms.values().map(|r| r.tracks().count()).sum(),
            ..self.stats
        }
    }

    /// WHIP: accept a publisher's offer; returns the session and the SDP answer.
    pub fn publish(&mut self, now: Instant, claims: &MediaClaims, offer: &str) -> Result<(SessionId, String)> {
        require_role(claims, &[MediaRole::Publish])?;
        self.accept(now, claims, offer, SessionKind::Publisher(Publisher::default()))
    }

    /// WHEP: watch `target`'s tracks in the token's room.
    pub fn view(
        &mut self,
        now: Instant,
        claims: &MediaClaims,
        target: &ParticipantId,
        offer: &str,
    ) -> Result<(SessionId, String)> {
        require_role(claims, &[MediaRole::View, MediaRole::Wall])?;
        let room = RoomId(claims.room.clone());
        if !self.rooms.get(&room).is_some_and(|r| r.has_participant(target)) {
            return Err(Error::NotFound(format!("{target} is not publishing in room {room}")));
        }
        let kind = SessionKind::Viewer(Viewer { target: target.clone() });
        self.accept(now, claims, offer, kind)
    }

    /// Wall: the browser offers a data channel only; tiles are added by server offers.
    pub fn open_wall(&mut self, now: Instant, claims: &MediaClaims, offer: &str) -> Result<(SessionId, String)> {
        require_role(claims, &[MediaRole::Wall])?;
        self.accept(now, claims, offer, SessionKind::Wall(Wall::default()))
    }

    /// WHIP/WHEP DELETE. Only the identity that created the session may end it.
    pub fn close(&mut self, now: Instant, id: SessionId, claims: &MediaClaims) -> Result<()> {
        self.owned_session(id, claims)?;
        if let Some(s) = self.sessions.get_mut(&id) {
            s.rtc.disconnect();
        }
        self.remove_session(id);
        // Walls renegotiate and viewers rebind right away, not at the next packet.
        self.process(now);
        Ok(())
    }

    /// WHIP/WHEP PATCH: trickled candidates, or an ICE restart when the fragment carries
    /// new credentials; then returns our new credentials and candidate as an sdpfrag.
    pub fn trickle(&mut self, now: Instant, id: SessionId, claims: &MediaClaims, frag: &str) -> Result<Option<String>> {
        self.owned_session(id, claims)?;
        let frag = trickle::parse(frag);
        let candidates = self.local_candidates()?;
        let s = self.sessions.get_mut(&id).ok_or_else(|| Error::NotFound(id.to_string()))?;
        let mut reply = None;
        if let (Some(ufrag), Some(pass)) = (&frag.ufrag, &frag.pwd)
            && s.remote_ufrag.as_ref() != Some(ufrag)
        {
            // ICE-lite: new credentials on both sides are enough; the browser runs the checks.
            let local = IceCreds::new();
            let mut api = s.rtc.direct_api();
            api.set_remote_ice_credentials(IceCreds { ufrag: ufrag.clone(), pass: pass.clone() });
            api.set_local_ice_credentials(local.clone());
            s.remote_ufrag = Some(ufrag.clone());
            let lines: String = candidates.iter().map(|c| format!("a={}\r\n", c.to_sdp_string())).collect();
            reply = Some(format!(
                "a=ice-lite\r\na=ice-ufrag:{}\r\na=ice-pwd:{}\r\n{lines}a=end-of-candidates\r\n",
                local.ufrag, local.pass,
            ));
        }
        for c in frag.candidates {
            s.rtc.add_remote_candidate(c);
        }
        s.dirty = true;
        self.dirty.push(id);
        self.process(now);
        Ok(reply)
    }

    /// A datagram arrived on the shared UDP socket.
    pub fn handle_receive(&mut self, now: Instant, source: SocketAddr, bytes: &[u8]) {
        self.receive(now, Protocol::Udp, source, bytes);
    }

    /// One RFC 4571 frame arrived on the ICE-TCP connection from `source`.
    pub fn handle_receive_tcp(&mut self, now: Instant, source: SocketAddr, bytes: &[u8]) {
        self.receive(now, Protocol::Tcp, source, bytes);
    }

    fn receive(&mut self, now: Instant, proto: Protocol, source: SocketAddr, bytes: &[u8]) {
        let destination = match proto {
            Protocol::Udp => self.cfg.advertised,
            _ => match self.tcp_advertised {
                Some(a) => a,
                None => return,
            },
        };
        let Ok(contents) = bytes.try_into() else {
            return;
        };
        let input = Input::Receive(now, Receive { proto, source, destination, contents });
        let known = self
            .by_source
            .get(&(proto, source))
            .copied()
            .filter(|id| self.sessions.get(id).is_some_and(|s| s.rtc.accepts(&input)));
        let id = known.or_else(|| {
            self.sessions
                .values()
                .find(|s| s.rtc.accepts(&input))
                .map(|s| s.id)
        });
        let Some(id) = id else {
            return;
        };
        self.by_source.insert((proto, source), id);
        let s = self.sessions.get_mut(&id).expect("id found above");
        if s.rtc.handle_input(input).is_err() {
            s.rtc.disconnect();
        }
        s.dirty = true;
        self.dirty.push(id);
        self.process(now);
    }

    /// Time passed; call at [`Sfu::poll_timeout`].
    pub fn handle_timeout(&mut self, now: Instant) {
        if self.next_housekeeping.is_none_or(|t| t <= now) {
            self.next_housekeeping = Some(now + HOUSEKEEPING_EVERY);
            for s in self.sessions.values_mut() {
                if !s.connected && now.saturating_duration_since(s.created) > CONNECT_TIMEOUT {
                    s.rtc.disconnect();
                    s.dirty = true;
                    self.dirty.push(s.id);
                }
            }
        }
        self.process(now);
    }

    pub fn poll_transmit(&mut self) -> Option<(SocketAddr, Vec<u8>)> {
        let t = self.transmits.pop_front();
        if t.is_some() {
            self.stats.datagrams_out += 1;
        }
        t
    }

    /// Next frame for an ICE-TCP connection, by the peer's address.
    pub fn poll_tcp_transmit(&mut self) -> Option<(SocketAddr, Vec<u8>)> {
        let t = self.tcp_transmits.pop_front();
        if t.is_some() {
            self.stats.datagrams_out += 1;
        }
        t
    }

    pub fn poll_event(&mut self) -> Option<MediaEvent> {
        self.events.pop_front()
    }

    /// Earliest time [`Sfu::handle_timeout`] must be called.
    pub fn poll_timeout(&self, now: Instant) -> Instant {
        let housekeeping = self.next_housekeeping.unwrap_or(now);
        self.timers
            .first()
            .map(|(t, _)| *t)
            .unwrap_or(now + Duration::from_millis(100))
            .min(now + Duration::from_secs(1))
            .min(housekeeping.max(now))
    }

    fn accept(&mut self, now: Instant, claims: &MediaClaims, offer: &str, kind: SessionKind) -> Result<(SessionId, String)> {
        let remote_ufrag = trickle::offer_ufrag(offer);
        // ICE-lite: the server only answers checks, so the path is the one the browser
        // chose towards our advertised address (which may be a NAT or relay in front).
        let mut cfg = Rtc::builder()
            .set_ice_lite(true)
            .set_stats_interval(Some(Duration::from_secs(5)));
        if matches!(kind, SessionKind::Publisher(_)) {
            cfg = codec_choice::prefer_publishers_codec(cfg, offer);
        }
        let offer = SdpOffer::from_sdp_string(offer).map_err(|e| Error::BadRequest(format!("offer: {e}")))?;
        // No send-side BWE towards viewers: its pacer held frames back whenever the estimate
        // sank below a keyframe burst (measured: 25-55 ms average, 200-300 ms p95 latency
        // at 50×2 versus 9 / 15 ms without), and nothing here uses the estimate. Forwarding
        // is unpaced, as in Janus; the layer choice handles weak viewers.
        let mut rtc = cfg.build(now);
        for cand in self.local_candidates()? {
            rtc.add_local_candidate(cand);
        }
        let answer = rtc.sdp_api().accept_offer(offer)?;
        let id = SessionId(self.next_session);
        self.next_session += 1;
        if matches!(kind, SessionKind::Wall(_)) {
            self.walls.insert(id);
        }
        let room = RoomId(claims.room.clone());
        self.rooms.entry(room.clone()).or_insert_with(|| Room::new(room.clone()));
        self.sessions.insert(
            id,
            Session {
                id,
                room,
                participant: ParticipantId(claims.sub.clone()),
                name: claims.name.clone(),
                role: claims.role,
                rtc,
                kind,
                down: BTreeMap::new(),
                timeout: now,
                armed: None,
                dirty: true,
                created: now,
                connected: false,
                remote_ufrag,
            },
        );
        self.dirty.push(id);
        self.process(now);
        Ok((id, answer.to_sdp_string()))
    }

    /// Our host candidates: the UDP one, and the passive TCP one when ICE-TCP is on.
    fn local_candidates(&self) -> Result<Vec<Candidate>> {
        let mut v = vec![Candidate::host(self.cfg.advertised, "udp").map_err(|e| Error::Settings(e.to_string()))?];
        if let Some(addr) = self.tcp_advertised {
            let tcp = Candidate::builder().tcp().host(addr).tcptype(TcpType::Passive).build();
            v.push(tcp.map_err(|e| Error::Settings(e.to_string()))?);
        }
        Ok(v)
    }

    fn owned_session(&self, id: SessionId, claims: &MediaClaims) -> Result<()> {
        let s = self.sessions.get(&id).ok_or_else(|| Error::NotFound(format!("session {id}")))?;
        if s.room.0 != claims.room || s.participant.0 != claims.sub {
            return Err(Error::Forbidden("session belongs to someone else".into()));
        }
        Ok(())
    }

    /// Poll every session that has something to do (input, writes, a due timer) until all
    /// are quiet. Only those sessions are touched, so a datagram costs the same with 10 or
    /// 1000 sessions on the node.
    fn process(&mut self, now: Instant) {
        while let Some(&(t, id)) = self.timers.first() {
            if t > now {
                break;
            }
            self.timers.pop_first();
            if let Some(s) = self.sessions.get_mut(&id) {
                s.armed = None;
                s.dirty = true;
                self.dirty.push(id);
            }
        }
        loop {
            let mut work = Vec::new();
            for id in std::mem::take(&mut self.dirty) {
                let Some(s) = self.sessions.get_mut(&id) else {
                    continue;
                };
                if !s.dirty {
                    continue;
                }
                s.dirty = false;
                if let Some(t) = s.armed.take() {
                    self.timers.remove(&(t, id));
                }
                drive_session(s, now, &mut Outbox { udp: &mut self.transmits, tcp: &mut self.tcp_transmits }, &mut work);
                self.timers.insert((s.timeout, id));
                s.armed = Some(s.timeout);
            }
            self.sync_walls();
            if work.is_empty() && self.dirty.is_empty() {
                break;
            }
            for w in work {
                self.apply(now, w);
            }
        }
    }

    fn apply(&mut self, now: Instant, w: Work) {
        match w {
            Work::Media(id, data) => self.forward_media(now, id, data),
            Work::KeyframeRequest(id, req) => self.relay_keyframe_request(now, id, req),
            Work::MediaAdded(id, added) => self.media_added(id, added),
            Work::ChannelOpen(id, cid) => {
                if let Some(Session { kind: SessionKind::Wall(w), .. }) = self.sessions.get_mut(&id) {
                    w.channel = Some(cid);
                    w.needs_sync = true;
                }
            }
            Work::ChannelData(id, data) => self.wall_message(id, &data.data),
            Work::Ingress(id, st) => self.quality(id, st),
            Work::Connected(id) => {
                if let Some(s) = self.sessions.get_mut(&id) {
                    s.connected = true;
                    self.events.push_back(MediaEvent::ParticipantJoined {
                        room: s.room.clone(),
                        participant: s.participant.clone(),
                        session: id,
                        name: s.name.clone(),
                        role: s.role,
                    });
                }
            }
            Work::Dead(id) => self.remove_session(id),
        }
    }

    fn media_added(&mut self, id: SessionId, added: MediaAdded) {
        tracing::debug!(session = %id, mid = %added.mid, kind = ?added.kind, direction = ?added.direction, "media added");
        let Some(s) = self.sessions.get_mut(&id) else {
            return;
        };
        let kind = match added.kind {
            MediaKind::Audio => TrackKind::Audio,
            MediaKind::Video => TrackKind::Video,
        };
        match &s.kind {
            // A sendrecv offer (webrtc-rs `add_track`) publishes as well; we never send back.
            SessionKind::Publisher(_) if matches!(added.direction, Direction::RecvOnly | Direction::SendRecv) => {
                let rids = added
                    .simulcast
                    .map(|sc| if sc.recv.is_empty() { sc.send } else { sc.recv })
                    .unwrap_or_default()
                    .into_iter()
                    .map(|l| l.rid)
                    .collect();
                self.publish_track(id, added.mid, kind, rids);
            }
            SessionKind::Viewer(_) if matches!(added.direction, Direction::SendOnly | Direction::SendRecv) => {
                s.down.insert(added.mid, DownTrack::new(kind, Layer::High));
                self.bind_viewer(id);
            }
            _ => {}
        }
    }

    fn quality(&mut self, id: SessionId, st: MediaIngressStats) {
        let Some(s) = self.sessions.get(&id) else {
            return;
        };
        let SessionKind::Publisher(p) = &s.kind else {
            return;
        };
        if let (Some(track), Some(loss)) = (p.tracks.get(&st.mid), st.loss) {
            self.events.push_back(MediaEvent::Quality {
                room: s.room.clone(),
                participant: s.participant.clone(),
                track: *track,
                loss,
                rtt_ms: st.rtt.map(|d| d.as_millis() as u64),
            });
        }
    }

    fn remove_session(&mut self, id: SessionId) {
        let Some(s) = self.sessions.remove(&id) else {
            return;
        };
        if let Some(t) = s.armed {
            self.timers.remove(&(t, id));
        }
        self.walls.remove(&id);
        self.by_source.retain(|_, v| *v != id);
        if let Some(room) = self.rooms.get_mut(&s.room) {
            for (mid, d) in &s.down {
                if let Some(t) = d.track {
                    room.unsubscribe(t, id, *mid);
                }
            }
        }
        if let SessionKind::Publisher(p) = &s.kind {
            for track in p.tracks.values() {
                self.unpublish_track(&s.room, *track);
            }
        }
        if s.connected {
            self.events.push_back(MediaEvent::ParticipantLeft {
                room: s.room.clone(),
                participant: s.participant.clone(),
                session: id,
            });
        }
        let room_in_use = self.sessions.values().any(|o| o.room == s.room);
        if !room_in_use && self.rooms.get(&s.room).is_some_and(Room::is_empty) {
            self.rooms.remove(&s.room);
        }
    }
}

fn require_role(claims: &MediaClaims, allowed: &[MediaRole]) -> Result<()> {
    if allowed.contains(&claims.role) {
        Ok(())
    } else {
        Err(Error::Forbidden(format!("role {:?} may not do this", claims.role)))
    }
}

/// Where polled datagrams go, by transport.
struct Outbox<'a> {
    udp: &'a mut VecDeque<(SocketAddr, Vec<u8>)>,
    tcp: &'a mut VecDeque<(SocketAddr, Vec<u8>)>,
}

/// Poll a session, then run its timer while str0m says one is due.
fn drive_session(s: &mut Session, now: Instant, transmits: &mut Outbox, work: &mut Vec<Work>) {
    if !poll_session(s, transmits, work) {
        return;
    }
    for _ in 0..MAX_TIMER_STEPS {
        if s.timeout > now {
            return;
        }
        let before = s.timeout;
        if s.rtc.handle_input(Input::Timeout(now)).is_err() {
            s.rtc.disconnect();
        }
        if !poll_session(s, transmits, work) || s.timeout == before {
            // Dead, or a timer that does not move: the next pass takes it up again.
            return;
        }
    }
}

/// Drain a session's output; false once it is dead.
fn poll_session(s: &mut Session, transmits: &mut Outbox, work: &mut Vec<Work>) -> bool {
    let id = s.id;
    loop {
        if !s.rtc.is_alive() {
            work.push(Work::Dead(id));
            return false;
        }
        match s.rtc.poll_output() {
            Ok(Output::Timeout(t)) => {
                s.timeout = t;
                return true;
            }
            Ok(Output::Transmit(t)) => {
                let queue = if t.proto == Protocol::Udp { &mut *transmits.udp } else { &mut *transmits.tcp };
                queue.push_back((t.destination, t.contents.to_vec()));
            }
            Ok(Output::Event(e)) => match e {
                Event::Connected => work.push(Work::Connected(id)),
                Event::IceConnectionStateChange(IceConnectionState::Disconnected) => {
                    // Clients reconnect with a fresh WHIP/WHEP POST.
                    s.rtc.disconnect();
                }
                Event::MediaAdded(a) => work.push(Work::MediaAdded(id, a)),
                Event::MediaData(d) => work.push(Work::Media(id, d)),
                Event::KeyframeRequest(r) => work.push(Work::KeyframeRequest(id, r)),
                Event::ChannelOpen(c, _) => work.push(Work::ChannelOpen(id, c)),
                Event::ChannelData(d) => work.push(Work::ChannelData(id, d)),
                Event::MediaIngressStats(st) => work.push(Work::Ingress(id, st)),
                _ => {}
            },
            Err(_) => {
                s.rtc.disconnect();
            }
        }
    }
}
