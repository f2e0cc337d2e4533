//! Launch: bind the socket, spawn the driver, hand out the HTTP router and events.

use std::net::{IpAddr, Ipv4Addr, SocketAddr, UdpSocket as StdUdpSocket};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use tokio::net::{TcpListener, UdpSocket};
use tokio::sync::{broadcast, mpsc, oneshot};
use tokio::task::JoinHandle;

use crate::driver::{self, Command};
use crate::error::{Error, Result};
use crate::events::MediaEvent;
use crate::ids::{ParticipantId, RoomId, SessionId};
use crate::tap::{TapFilter, TapFrame, TapStats, Taps};
use crate::settings::MediaSettings;
use crate::sfu::{CoreConfig, Sfu, SfuStats};
use crate::token::MediaClaims;
use crate::turn::{self, IceServer};

/// Frames a tap queues before its consumer loses some (≈ 2 s of one camera and its audio
/// at 30 + 50 frames/s; the recorder's one tap for all tracks asks for more).
pub const TAP_QUEUE: usize = 256;

/// A running media node. Cheap to clone.
#[derive(Clone)]
pub struct MediaServer {
    pub(crate) inner: Arc<Inner>,
}

pub(crate) struct Inner {
    pub(crate) settings: MediaSettings,
    pub(crate) commands: mpsc::Sender<Command>,
    pub(crate) events: broadcast::Sender<MediaEvent>,
    taps: Taps,
    udp_local: SocketAddr,
    advertised: SocketAddr,
    tcp_local: Option<SocketAddr>,
    task: Mutex<Option<JoinHandle<()>>>,
}

/// Start a media node with `settings` (validated first).
pub async fn start(settings: MediaSettings) -> Result<MediaServer> {
    settings.validate()?;
    str0m::crypto::from_feature_flags().install_process_default();
    let socket = UdpSocket::bind(settings.udp_bind).await?;
    let udp_local = socket.local_addr()?;
    let ip = match settings.public_ip {
        Some(ip) => ip,
        None if udp_local.ip().is_unspecified() => primary_ip()?,
        None => udp_local.ip(),
    };
    let advertised = SocketAddr::new(ip, settings.public_port.unwrap_or(udp_local.port()));
    let mut sfu = Sfu::new(CoreConfig { advertised, max_wall_tiles: settings.max_wall_tiles });
    let taps = sfu.taps();
    let tcp = match settings.tcp_bind {
        Some(addr) => Some(TcpListener::bind(addr).await?),
        None => None,
    };
    let tcp_local = tcp.as_ref().map(TcpListener::local_addr).transpose()?;
    if let Some(l) = tcp_local {
        sfu.enable_ice_tcp(SocketAddr::new(ip, settings.public_tcp_port.unwrap_or(l.port())));
    }
    let (commands, rx) = mpsc::channel(256);
    let (events, _) = broadcast::channel(1024);
    let task = tokio::spawn(driver::run(socket, tcp, sfu, rx, events.clone()));
    tracing::info!(%udp_local, %advertised, "media server started");
    Ok(MediaServer {
        inner: Arc::new(Inner {
            settings,
            commands,
            events,
            taps,
            udp_local,
            advertised,
            tcp_local,
            task: Mutex::new(Some(task)),
        }),
    })
}

/// The address the OS would route outside traffic from, for a socket bound to 0.0.0.0.
fn primary_ip() -> Result<IpAddr> {
    let probe = StdUdpSocket::bind((Ipv4Addr::UNSPECIFIED, 0))?;
    // connect() on UDP sends nothing; it only asks the routing table.
    probe.connect((Ipv4Addr::new(192, 0, 2, 1), 9))?;
    Ok(probe.local_addr()?.ip())
}

impl MediaServer {
    /// Where the UDP socket is bound.
    pub fn udp_local_addr(&self) -> SocketAddr {
        self.inner.udp_local
    }

    /// Where the ICE-TCP listener is bound, when `tcp_bind` is set.
    pub fn tcp_local_addr(&self) -> Option<SocketAddr> {
        self.inner.tcp_local
    }

    /// What peers are told to send to.
    pub fn advertised_addr(&self) -> SocketAddr {
        self.inner.advertised
    }

    /// Participant joined/left, track published/unpublished, quality.
    pub fn subscribe_events(&self) -> broadcast::Receiver<MediaEvent> {
        self.inner.events.subscribe()
    }

    /// TURN credentials for `identity` (empty without TURN settings).
    pub fn ice_servers(&self, identity: &str) -> Vec<IceServer> {
        let now = crate::unix_now();
        self.inner
            .settings
            .turn
            .iter()
            .map(|t| turn::credentials(t, identity, now))
            .collect()
    }

    /// Publish (WHIP) from inside the process; the HTTP handlers call this too.
    pub async fn publish(&self, claims: MediaClaims, offer: String) -> Result<(SessionId, String)> {
        self.call(move |sfu, now| sfu.publish(now, &claims, &offer)).await?
    }

    /// Subscribe to `target` (WHEP) — a recorder or frame grabber uses this like a viewer.
    pub async fn view(&self, claims: MediaClaims, target: ParticipantId, offer: String) -> Result<(SessionId, String)> {
        self.call(move |sfu, now| sfu.view(now, &claims, &target, &offer)).await?
    }

    pub async fn open_wall(&self, claims: MediaClaims, offer: String) -> Result<(SessionId, String)> {
        self.call(move |sfu, now| sfu.open_wall(now, &claims, &offer)).await?
    }

    pub async fn close_session(&self, claims: MediaClaims, id: SessionId) -> Result<()> {
        self.call(move |sfu, now| sfu.close(now, id, &claims)).await?
    }

    /// Trickle or ICE restart; `Some(sdpfrag)` answers a restart.
    pub async fn trickle(&self, claims: MediaClaims, id: SessionId, frag: String) -> Result<Option<String>> {
        self.call(move |sfu, now| sfu.trickle(now, id, &claims, &frag)).await?
    }

    pub async fn stats(&self) -> Result<SfuStats> {
        self.call(|sfu, _| sfu.stats()).await
    }

    /// Frames of published tracks matching `filter`, as they arrive, into a bounded queue of
    /// `TAP_QUEUE` frames. A consumer that falls behind loses frames (see [`Self::tap_stats`]);
    /// forwarding never waits for it. Dropping the receiver ends the tap.
    pub fn tap(&self, filter: TapFilter) -> mpsc::Receiver<TapFrame> {
        self.inner.taps.add(filter, TAP_QUEUE)
    }

    /// [`Self::tap`] with a queue of `capacity` frames (the recorder taps every track at once).
    pub fn tap_with_capacity(&self, filter: TapFilter, capacity: usize) -> mpsc::Receiver<TapFrame> {
        self.inner.taps.add(filter, capacity)
    }

    /// Frames delivered to and dropped by taps since start.
    pub fn tap_stats(&self) -> TapStats {
        self.inner.taps.stats()
    }

    /// Ask `participant`'s video publisher(s) in `room` for a keyframe on every live layer.
    pub async fn request_keyframe(&self, room: &RoomId, participant: &ParticipantId) -> Result<()> {
        let (room, participant) = (room.clone(), participant.clone());
        self.call(move |sfu, now| sfu.request_participant_keyframe(now, &room, &participant))
            .await?
    }

    /// Publish an event from an in-process consumer (the recorder) to every listener.
    pub(crate) fn emit(&self, event: MediaEvent) {
        let _ = self.inner.events.send(event);
    }

    /// Stop the driver; sessions are dropped without goodbye (peers notice by ICE consent).
    pub async fn shutdown(&self) {
        let _ = self.inner.commands.send(Command::Shutdown).await;
        let task = self.inner.task.lock().expect("not poisoned").take();
        if let Some(t) = task {
            let _ = t.await;
        }
    }

    pub(crate) async fn call<T: Send + 'static>(&self, f: impl FnOnce(&mut Sfu, Instant) -> T + Send + 'static) -> Result<T> {
        let (tx, rx) = oneshot::channel();
        let cmd = Command::Run(Box::new(move |sfu, now| {
            let _ = tx.send(f(sfu, now));
        }));
        self.inner.commands.send(cmd).await.map_err(|_| Error::Stopped)?;
        rx.await.map_err(|_| Error::Stopped)
    }

    /// Queue `f` for the core without waiting (injected frames from GStreamer threads);
    /// false when the queue is full or the server stopped.
    pub(crate) fn try_run(&self, f: impl FnOnce(&mut Sfu, Instant) + Send + 'static) -> bool {
        self.inner.commands.try_send(Command::Run(Box::new(f))).is_ok()
    }
}
