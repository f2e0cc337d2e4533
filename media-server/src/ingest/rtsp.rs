//! Pull one RTSP camera (Hikvision/Dahua kind) into an injected track:
//! `rtspsrc` (TCP, digest auth) → depayloader → parser (parameter sets in front of every
//! IDR, so a late joiner can start at the next keyframe) → `appsink` → [`InjectedTrack`].
//! H.264 and H.265 pass through as they come; nothing is decoded or encoded.
//!
//! A supervisor task per camera runs attempts until stopped. An attempt ends on a pipeline
//! error, end of stream, no frame within `connect_timeout`, or a silence of
//! `stall_timeout`; the track is then unpublished (a viewer sees the tile go, a recorder a
//! gap) and the camera is retried after a back-off that doubles up to `backoff_max`
//! (`unauthorised_retry` after refused credentials). States are published as
//! [`MediaEvent::IngestStatus`](crate::MediaEvent) and on a watch channel.

use std::fmt;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use futures::StreamExt;
use gstreamer as gst;
use gstreamer::prelude::*;
use gstreamer_app as gst_app;
use tokio::sync::{mpsc, watch};
use tokio::task::JoinHandle;

use super::InjectedTrack;
use crate::error::{Error, Result};
use crate::events::{IngestState, TrackKind};
use crate::ids::{ParticipantId, RoomId};
use crate::server::MediaServer;
use crate::sfu::InjectedFrame;
use crate::tap::Codec;

/// Where a camera is and how to sign in. `Debug` hides the password.
#[derive(Clone)]
pub struct RtspSource {
    /// `rtsp://host[:port]/path`, without credentials.
    pub url: String,
    pub username: String,
    pub password: String,
}

impl fmt::Debug for RtspSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RtspSource")
            .field("url", &self.url)
            .field("username", &self.username)
            .field("password", &"***")
            .finish()
    }
}

/// Timing of one camera's supervisor.
#[derive(Clone, Debug)]
pub struct RtspOptions {
    /// No frame this long after an attempt starts: offline.
    pub connect_timeout: Duration,
    /// No frame this long while online: offline (a camera that hangs without closing TCP).
    pub stall_timeout: Duration,
    pub backoff_min: Duration,
    pub backoff_max: Duration,
    /// Wait after refused credentials (the camera's own lockout must not trip).
    pub unauthorised_retry: Duration,
    /// rtspsrc jitter buffer, milliseconds.
    pub latency_ms: u32,
}

impl Default for RtspOptions {
    fn default() -> Self {
        RtspOptions {
            connect_timeout: Duration::from_secs(10),
            stall_timeout: Duration::from_secs(5),
            backoff_min: Duration::from_secs(1),
            backoff_max: Duration::from_secs(30),
            unauthorised_retry: Duration::from_secs(60),
            latency_ms: 200,
        }
    }
}

/// Current state and, when not online, why.
pub type IngestStatus = (IngestState, Option<String>);

/// A running camera pull. Dropping it stops the pull (in the background); [`RtspIngest::stop`]
/// waits until the track is gone.
pub struct RtspIngest {
    stop: watch::Sender<bool>,
    status: watch::Receiver<IngestStatus>,
    task: Option<JoinHandle<()>>,
}

impl RtspIngest {
    pub fn status(&self) -> IngestStatus {
        self.status.borrow().clone()
    }

    /// Follow state changes.
    pub fn watch(&self) -> watch::Receiver<IngestStatus> {
        self.status.clone()
    }

    pub async fn stop(mut self) {
        let _ = self.stop.send(true);
        if let Some(t) = self.task.take() {
            let _ = t.await;
        }
    }
}

impl Drop for RtspIngest {
    fn drop(&mut self) {
        let _ = self.stop.send(true);
    }
}

impl MediaServer {
    /// Start pulling `source` into `room` as `participant` (named `name` on walls).
    pub fn ingest_rtsp(
        &self,
        room: RoomId,
        participant: ParticipantId,
        name: String,
        source: RtspSource,
        options: RtspOptions,
    ) -> Result<RtspIngest> {
        gst::init().map_err(|e| Error::Settings(format!("GStreamer: {e}")))?;
        for el in ["rtspsrc", "rtph264depay", "h264parse", "appsink"] {
            if gst::ElementFactory::find(el).is_none() {
                return Err(Error::Settings(format!("GStreamer element {el} is not installed")));
            }
        }
        let (stop, stop_rx) = watch::channel(false);
        let (status_tx, status) = watch::channel((IngestState::Connecting, None));
        let cam = Camera { server: self.clone(), room, participant, name, source, options, status: status_tx };
        let task = tokio::spawn(cam.supervise(stop_rx));
        Ok(RtspIngest { stop, status, task: Some(task) })
    }
}

struct Camera {
    server: MediaServer,
    room: RoomId,
    participant: ParticipantId,
    name: String,
    source: RtspSource,
    options: RtspOptions,
    status: watch::Sender<IngestStatus>,
}

/// How an attempt ended.
enum Outcome {
    Stopped,
    Failed { state: IngestState, reason: String, was_online: bool },
}

/// One frame out of the appsink.
struct Sample {
    codec: Codec,
    data: Arc<[u8]>,
    pts_ns: Option<u64>,
    keyframe: bool,
}

/// How long a camera keyframe waits for the rest of its picture. Some cameras code a
/// keyframe in several slices and repeat the parameter sets in front of each, so the parser
/// hands the later slices out as further "frames" right behind the first (same time, or
/// none). Joined, every consumer — viewers, the recorder, thumbnails, frame grabs — gets the
/// whole picture; the wait costs a few milliseconds once per keyframe.
const KEYFRAME_HOLD: Duration = Duration::from_millis(5);

/// A keyframe waiting for a continuation of its picture.
struct Held {
    codec: Codec,
    data: Vec<u8>,
    pts_ns: Option<u64>,
    arrival: Instant,
    until: Instant,
}

impl Held {
    fn into_sample(self) -> Sample {
        Sample { codec: self.codec, data: Arc::from(self.data), pts_ns: self.pts_ns, keyframe: true }
    }
}

/// The published track of one pull attempt and its media clock.
#[derive(Default)]
struct Feed {
    track: Option<InjectedTrack>,
    base_pts: Option<u64>,
    last_pts: Option<u64>,
}

impl Camera {
    fn set(&self, state: IngestState, reason: Option<String>) {
        let changed = self.status.borrow().0 != state;
        self.status.send_replace((state, reason.clone()));
        if changed || state != IngestState::Online {
            tracing::info!(room = %self.room, camera = %self.participant, ?state, reason = reason.as_deref().unwrap_or(""), "camera");
        }
        if changed {
            self.server.emit_ingest(&self.room, &self.participant, state, reason);
        }
    }

    async fn supervise(self, mut stop: watch::Receiver<bool>) {
        self.server.emit_ingest(&self.room, &self.participant, IngestState::Connecting, None);
        let mut backoff = self.options.backoff_min;
        loop {
            match self.attempt(&mut stop).await {
                Outcome::Stopped => break,
                Outcome::Failed { state, reason, was_online } => {
                    if was_online {
                        backoff = self.options.backoff_min;
                    }
                    self.set(state, Some(reason));
                    let wait = if state == IngestState::Unauthorised { self.options.unauthorised_retry } else { backoff };
                    backoff = (backoff * 2).min(self.options.backoff_max);
                    tokio::select! {
                        _ = tokio::time::sleep(wait) => {}
                        _ = stop.changed() => break,
                    }
                }
            }
        }
        self.set(IngestState::Offline, Some("stopped".into()));
    }

    /// Publishes one whole picture: the track appears at the first keyframe (viewers and
    /// recorders start at one anyway); an error is why the attempt fails.
    async fn feed(&self, feed: &mut Feed, s: Sample, arrival: Instant) -> std::result::Result<(), String> {
        if feed.track.is_none() {
            if !s.keyframe {
                return Ok(());
            }
            let t = self
                .server
                .inject(self.room.clone(), self.participant.clone(), self.name.clone(), TrackKind::Video, s.codec)
                .await
                .map_err(|e| format!("cannot publish the track: {e}"))?;
            feed.track = Some(t);
            self.set(IngestState::Online, None);
        }
        // A picture without a time continues from the last one rather than jumping to zero.
        let pts = s.pts_ns.or(feed.last_pts).unwrap_or(0);
        feed.last_pts = Some(pts);
        let base = *feed.base_pts.get_or_insert(pts);
        let rtp_time = (u128::from(pts.saturating_sub(base)) * 90_000 / 1_000_000_000) as u64;
        if let Some(t) = &feed.track {
            let _ = t.push(InjectedFrame { data: s.data, rtp_time, keyframe: s.keyframe, arrival });
        }
        Ok(())
    }

    async fn attempt(&self, stop: &mut watch::Receiver<bool>) -> Outcome {
        let failed = |reason: String| Outcome::Failed { state: IngestState::Offline, reason, was_online: false };
        let (tx, mut frames) = mpsc::channel::<Sample>(32);
        let note = Arc::new(Mutex::new(None::<String>));
        let pipeline = match build_pipeline(&self.source, &self.options, tx, note.clone()) {
            Ok(p) => p,
            Err(e) => return failed(format!("cannot build the pipeline: {e}")),
        };
        let Some(bus) = pipeline.bus() else {
            return failed("pipeline has no bus".into());
        };
        let mut messages = bus.stream();
        if let Err(e) = pipeline.set_state(gst::State::Playing) {
            teardown(pipeline).await;
            return failed(format!("cannot start: {e}"));
        }
        let started = Instant::now();
        let mut feed = Feed::default();
        let mut last_frame = started;
        let mut units = super::access_unit::AccessUnits::default();
        // A keyframe waits this long for the rest of its picture (see `Held`).
        let mut held: Option<Held> = None;
        let outcome = loop {
            let deadline = match feed.track {
                None => started + self.options.connect_timeout,
                Some(_) => last_frame + self.options.stall_timeout,
            };
            let release = held.as_ref().map_or(deadline, |h| h.until);
            tokio::select! {
                _ = stop.changed() => break Outcome::Stopped,
                m = messages.next() => match m {
                    Some(msg) => {
                        if let Some((state, reason)) = classify(&msg) {
                            break Outcome::Failed { state, reason, was_online: feed.track.is_some() };
                        }
                    }
                    None => break failed("pipeline bus closed".into()),
                },
                s = frames.recv() => {
                    let Some(s) = s else {
                        break failed("pipeline stopped delivering frames".into());
                    };
                    last_frame = Instant::now();
                    let Some((data, pts_ns, keyframe)) = units.push(s.codec, &s.data, s.pts_ns, s.keyframe) else {
                        continue;
                    };
                    if let Some(h) = held.as_mut() {
                        if keyframe && (pts_ns.is_none() || pts_ns == h.pts_ns) {
                            h.data.extend_from_slice(&super::access_unit::slices_only(s.codec, &data));
                            continue;
                        }
                        let h = held.take().expect("held");
                        let arrival = h.arrival;
                        if let Err(reason) = self.feed(&mut feed, h.into_sample(), arrival).await {
                            break failed(reason);
                        }
                    }
                    if keyframe && matches!(s.codec, Codec::H264 | Codec::H265) {
                        held = Some(Held { codec: s.codec, data, pts_ns, arrival: last_frame, until: last_frame + KEYFRAME_HOLD });
                        continue;
                    }
                    let sample = Sample { codec: s.codec, data: Arc::from(data), pts_ns, keyframe };
                    if let Err(reason) = self.feed(&mut feed, sample, last_frame).await {
                        break failed(reason);
                    }
                }
                _ = tokio::time::sleep_until(release.into()), if held.is_some() => {
                    let h = held.take().expect("held");
                    let arrival = h.arrival;
                    if let Err(reason) = self.feed(&mut feed, h.into_sample(), arrival).await {
                        break failed(reason);
                    }
                }
                _ = tokio::time::sleep_until(deadline.into()), if held.is_none() => {
                    let reason = match (&feed.track, note.lock().ok().and_then(|n| n.clone())) {
                        (None, Some(n)) => n,
                        (None, None) => format!("no video within {} s", self.options.connect_timeout.as_secs()),
                        (Some(_), _) => format!("no video for {} s", self.options.stall_timeout.as_secs()),
                    };
                    break Outcome::Failed { state: IngestState::Offline, reason, was_online: feed.track.is_some() };
                }
            }
        };
        drop(feed);
        drop(frames);
        teardown(pipeline).await;
        outcome
    }
}

/// Errors and end of stream end an attempt; refused credentials are their own state.
fn classify(msg: &gst::Message) -> Option<(IngestState, String)> {
    match msg.view() {
        gst::MessageView::Error(e) => {
            let err = e.error();
            if err.matches(gst::ResourceError::NotAuthorized) {
                Some((
                    IngestState::Unauthorised,
                    "the camera refused the user name or password (RTSP 401 Unauthorized)".into(),
                ))
            } else {
                let detail = e.debug().map(|d| d.to_string()).unwrap_or_default();
                tracing::debug!(%detail, "camera pipeline error");
                Some((IngestState::Offline, err.message().to_owned()))
            }
        }
        gst::MessageView::Eos(_) => Some((IngestState::Offline, "the camera ended the stream".into())),
        _ => None,
    }
}

async fn teardown(pipeline: gst::Pipeline) {
    // Going to NULL joins GStreamer's threads (and closes the RTSP session): not on a runtime worker.
    let _ = tokio::task::spawn_blocking(move || {
        let _ = pipeline.set_state(gst::State::Null);
    })
    .await;
}

fn make(factory: &str) -> Result<gst::Element> {
    gst::ElementFactory::make(factory)
        .build()
        .map_err(|e| Error::Settings(format!("GStreamer element {factory}: {e}")))
}

fn build_pipeline(
    source: &RtspSource,
    options: &RtspOptions,
    frames: mpsc::Sender<Sample>,
    note: Arc<Mutex<Option<String>>>,
) -> Result<gst::Pipeline> {
    let pipeline = gst::Pipeline::new();
    let src = make("rtspsrc")?;
    src.set_property("location", &source.url);
    src.set_property_from_str("protocols", "tcp");
    src.set_property("latency", options.latency_ms);
    if !source.username.is_empty() {
        src.set_property("user-id", &source.username);
        src.set_property("user-pw", &source.password);
    }
    // Notice a silent TCP peer on the RTSP connection too (microseconds).
    src.set_property("tcp-timeout", options.stall_timeout.as_micros() as u64);
    pipeline
        .add(&src)
        .map_err(|e| Error::Settings(format!("GStreamer: {e}")))?;
    let weak = pipeline.downgrade();
    let linked = Arc::new(Mutex::new(false));
    src.connect_pad_added(move |_, pad| {
        let Some(pipeline) = weak.upgrade() else {
            return;
        };
        let caps = pad.current_caps().unwrap_or_else(|| pad.query_caps(None));
        let (media, encoding) = caps
            .structure(0)
            .map(|s| {
                (
                    s.get::<String>("media").unwrap_or_default(),
                    s.get::<String>("encoding-name").unwrap_or_default(),
                )
            })
            .unwrap_or_default();
        let codec = match encoding.to_ascii_uppercase().as_str() {
            "H264" => Some(Codec::H264),
            "H265" => Some(Codec::H265),
            _ => None,
        };
        let mut done = linked.lock().unwrap_or_else(|e| e.into_inner());
        let result = match codec {
            Some(codec) if media == "video" && !*done => link_video(&pipeline, pad, codec, frames.clone()),
            _ => {
                if media == "video" && codec.is_none() {
                    *note.lock().unwrap_or_else(|e| e.into_inner()) =
                        Some(format!("unsupported video codec {encoding} (H.264 or H.265 needed)"));
                }
                // Audio and extra streams are not used; an unlinked pad would stop the source.
                link_fakesink(&pipeline, pad)
            }
        };
        match result {
            Ok(video) => *done |= video,
            Err(e) => tracing::warn!(error = %e, "cannot link camera stream"),
        }
    });
    Ok(pipeline)
}

fn link_fakesink(pipeline: &gst::Pipeline, pad: &gst::Pad) -> Result<bool> {
    let sink = make("fakesink")?;
    sink.set_property("sync", false);
    pipeline.add(&sink).map_err(|e| Error::Settings(e.to_string()))?;
    sink.sync_state_with_parent().map_err(|e| Error::Settings(e.to_string()))?;
    let sinkpad = sink.static_pad("sink").ok_or_else(|| Error::Settings("fakesink has no pad".into()))?;
    pad.link(&sinkpad).map_err(|e| Error::Settings(format!("{e:?}")))?;
    Ok(false)
}

fn link_video(pipeline: &gst::Pipeline, pad: &gst::Pad, codec: Codec, frames: mpsc::Sender<Sample>) -> Result<bool> {
    let (depay, parse, caps) = match codec {
        Codec::H265 => ("rtph265depay", "h265parse", "video/x-h265,stream-format=byte-stream,alignment=au"),
        _ => ("rtph264depay", "h264parse", "video/x-h264,stream-format=byte-stream,alignment=au"),
    };
    let depay = make(depay)?;
    let parse = make(parse)?;
    // Parameter sets in front of every IDR: each keyframe is a clean starting point.
    parse.set_property("config-interval", -1i32);
    let filter = make("capsfilter")?;
    let caps = caps.parse::<gst::Caps>().map_err(|e| Error::Settings(e.to_string()))?;
    filter.set_property("caps", &caps);
    let sink = gst_app::AppSink::builder()
        .sync(false)
        .callbacks(
            gst_app::AppSinkCallbacks::builder()
                .new_sample(move |sink| {
                    let sample = sink.pull_sample().map_err(|_| gst::FlowError::Eos)?;
                    let buffer = sample.buffer().ok_or(gst::FlowError::Error)?;
                    let map = buffer.map_readable().map_err(|_| gst::FlowError::Error)?;
                    let s = Sample {
                        codec,
                        data: Arc::from(map.as_slice()),
                        pts_ns: buffer.pts().or(buffer.dts()).map(|t| t.nseconds()),
                        keyframe: !buffer.flags().contains(gst::BufferFlags::DELTA_UNIT),
                    };
                    // A GStreamer streaming thread, not a runtime worker: waiting here is
                    // back-pressure towards the camera's TCP connection.
                    frames.blocking_send(s).map_err(|_| gst::FlowError::Flushing)?;
                    Ok(gst::FlowSuccess::Ok)
                })
                .build(),
        )
        .build();
    let elements = [&depay, &parse, &filter, sink.upcast_ref::<gst::Element>()];
    pipeline.add_many(elements).map_err(|e| Error::Settings(e.to_string()))?;
    gst::Element::link_many(elements).map_err(|e| Error::Settings(e.to_string()))?;
    for e in elements {
        e.sync_state_with_parent().map_err(|e| Error::Settings(e.to_string()))?;
    }
    let sinkpad = depay.static_pad("sink").ok_or_else(|| Error::Settings("depayloader has no pad".into()))?;
    pad.link(&sinkpad).map_err(|e| Error::Settings(format!("{e:?}")))?;
    Ok(true)
}
