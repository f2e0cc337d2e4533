//! The recorder: one tap on every published track, one segment file at a time per track,
//! no transcoding. It records the highest live simulcast layer, cuts segments at keyframes
//! (asking the publisher for one shortly before the target length), and hands each closed
//! segment to object storage at once, with an index per recording (room × participant ×
//! audio/video) that lists segments and gaps, so playback can start during the exam.
//!
//! The frame loop here only decides and pushes frames into GStreamer (non-blocking);
//! finalising files, uploads and index writes run per recording in [`finisher`], in order.
//! A crash loses at most the open segment of each track; the next start finds the index
//! still marked live and records the hole as [`GapReason::ServerRestart`].

mod finisher;
mod index;
mod settings;
mod writer;

use std::collections::{HashMap, HashSet};
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use storage::{ObjectStore, Spool};
use tokio::sync::{broadcast, mpsc, oneshot};
use tokio::task::JoinHandle;

pub use index::{Gap, GapReason, RecordingIndex, SegmentEntry};
pub use settings::RecordSettings;
pub use writer::container;

use crate::error::Result;
use crate::events::{MediaEvent, TrackKind};
use crate::ids::{ParticipantId, RoomId, TrackId};
use crate::room::vp8_keyframe_width;
use crate::server::MediaServer;
use crate::tap::{Codec, TapFilter, TapFrame};
use finisher::{Closed, Job};
use writer::SegmentWriter;

/// A simulcast layer silent this long no longer counts as the highest one.
const LAYER_ACTIVE: Duration = Duration::from_millis(1500);
/// Frames further apart than this within one segment mean frames were lost: cut and note a gap.
const LOST_AFTER: Duration = Duration::from_millis(2000);
/// Keyframe requests for one recording are at least this far apart.
const KEYFRAME_REQUEST_GAP: Duration = Duration::from_millis(1000);
/// Ask for the cutting keyframe this long before the target length.
const CUT_LEAD: Duration = Duration::from_millis(1000);

/// Where segments and indexes go: the store, through the spool when there is one.
#[derive(Clone, Debug)]
pub struct RecordTarget {
    pub store: Arc<dyn ObjectStore>,
    pub spool: Option<Arc<Spool>>,
}

/// Counters since start (benchmark and `/metrics`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct RecordStats {
    pub frames_in: u64,
    pub bytes_in: u64,
    /// Frame bytes written into segment files.
    pub bytes_written: u64,
    pub segments: u64,
    /// Size of finished segment files (container overhead included).
    pub segment_bytes: u64,
    /// Sum over segments of the time from close to durable (spooled or stored), µs.
    pub close_to_durable_us: u64,
    pub open_segments: u64,
}

#[derive(Default)]
struct Counters {
    frames_in: AtomicU64,
    bytes_in: AtomicU64,
    bytes_written: AtomicU64,
    segments: AtomicU64,
    segment_bytes: AtomicU64,
    close_to_durable_us: AtomicU64,
    open_segments: AtomicU64,
}

/// What the recorder loop and the finishers share.
pub(crate) struct Shared {
    settings: RecordSettings,
    target: RecordTarget,
    media: MediaServer,
    stats: Counters,
}

impl Shared {
    fn emit(&self, e: MediaEvent) {
        self.media.emit(e);
    }
}

/// One recording: a participant's audio or video in a room, across publications.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub(crate) struct RecKey {
    room: RoomId,
    participant: ParticipantId,
    kind: TrackKind,
}

/// A running recorder. [`Recorder::stop`] closes every open segment properly.
pub struct Recorder {
    shared: Arc<Shared>,
    stop: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<()>>,
}

impl Recorder {
    /// Records every track published on `media` from now on.
    pub async fn start(media: &MediaServer, settings: RecordSettings, target: RecordTarget) -> Result<Recorder> {
        let frames = media.tap_with_capacity(TapFilter::all(), settings.queue_frames);
        Self::start_with_frames(media, settings, target, frames).await
    }

    /// Records the frames of `frames` (the benchmark feeds synthetic tracks this way).
    pub async fn start_with_frames(
        media: &MediaServer,
        settings: RecordSettings,
        target: RecordTarget,
        frames: mpsc::Receiver<TapFrame>,
    ) -> Result<Recorder> {
        settings.validate()?;
        let open_dir = settings.work_dir.join("open");
        // Files a crashed run left open cannot be finalised; their time shows as a gap.
        let _ = tokio::fs::remove_dir_all(&open_dir).await;
        tokio::fs::create_dir_all(&open_dir).await?;
        tokio::fs::create_dir_all(settings.work_dir.join("index")).await?;
        let shared = Arc::new(Shared { settings, target, media: media.clone(), stats: Counters::default() });
        let (stop, stop_rx) = oneshot::channel();
        let events = media.subscribe_events();
        let task = tokio::spawn(run(shared.clone(), frames, events, stop_rx));
        Ok(Recorder { shared, stop: Some(stop), task: Some(task) })
    }

    pub fn stats(&self) -> RecordStats {
        let c = &self.shared.stats;
        let l = |a: &AtomicU64| a.load(Ordering::Relaxed);
        RecordStats {
            frames_in: l(&c.frames_in),
            bytes_in: l(&c.bytes_in),
            bytes_written: l(&c.bytes_written),
            segments: l(&c.segments),
            segment_bytes: l(&c.segment_bytes),
            close_to_durable_us: l(&c.close_to_durable_us),
            open_segments: l(&c.open_segments),
        }
    }

    /// Object key of the index of `participant`'s `kind` in `room`.
    pub fn index_key(&self, room: &RoomId, participant: &ParticipantId, kind: TrackKind) -> String {
        let key = RecKey { room: room.clone(), participant: participant.clone(), kind };
        finisher::index_key(&self.shared.settings.prefix, &key)
    }

    /// Closes every open segment, waits until each is stored (or spooled) and its index
    /// marked finished. Returns the final counters.
    pub async fn stop(mut self) -> RecordStats {
        if let Some(s) = self.stop.take() {
            let _ = s.send(());
        }
        if let Some(t) = self.task.take() {
            let _ = t.await;
        }
        self.stats()
    }
}

impl Drop for Recorder {
    fn drop(&mut self) {
        if let Some(t) = &self.task {
            t.abort();
        }
    }
}

struct Open {
    writer: SegmentWriter,
    codec: Codec,
    layer: Option<String>,
    start_ms: u64,
    first_rtp: u64,
    last_rtp: u64,
    clock_rate: u32,
    frames: u64,
    last_arrival: Instant,
    size: Option<(u32, u32)>,
}

impl Open {
    fn elapsed_ns(&self, rtp: u64) -> u64 {
        (rtp.saturating_sub(self.first_rtp) as u128 * 1_000_000_000 / self.clock_rate.max(1) as u128) as u64
    }

    /// A typical frame length, for the last frame of a segment.
    fn frame_ns(&self) -> u64 {
        if self.frames > 1 {
            self.elapsed_ns(self.last_rtp) / (self.frames - 1)
        } else {
            20_000_000
        }
    }
}

struct Anchor {
    track: TrackId,
    layer: Option<String>,
    rtp: u64,
    clock_rate: u32,
    start_ms: u64,
}

#[derive(Clone, Copy)]
struct LayerSeen {
    width: u32,
    last_seen: Instant,
}

struct Recording {
    track: Option<TrackId>,
    layers: HashMap<Option<String>, LayerSeen>,
    open: Option<Open>,
    /// Why the media may break before the next segment.
    resume_reason: Option<GapReason>,
    last_keyframe_request: Option<Instant>,
    /// Where the segment just cut at a keyframe started, so the next one continues its
    /// media clock (arrival times jitter; RTP time is what plays).
    anchor: Option<Anchor>,
    jobs: mpsc::UnboundedSender<Job>,
    finisher: JoinHandle<()>,
}

struct Loop {
    shared: Arc<Shared>,
    recordings: HashMap<RecKey, Recording>,
    ended: HashSet<TrackId>,
    /// Maps the monotonic arrival clock to wall time.
    epoch: (Instant, SystemTime),
    seq: u64,
}

async fn run(
    shared: Arc<Shared>,
    mut frames: mpsc::Receiver<TapFrame>,
    mut events: broadcast::Receiver<MediaEvent>,
    mut stop: oneshot::Receiver<()>,
) {
    let mut l = Loop {
        shared,
        recordings: HashMap::new(),
        ended: HashSet::new(),
        epoch: (Instant::now(), SystemTime::now()),
        seq: 0,
    };
    let mut tick = tokio::time::interval(Duration::from_millis(250));
    loop {
        tokio::select! {
            f = frames.recv() => match f {
                Some(f) => l.frame(f),
                None => break,
            },
            e = events.recv() => match e {
                Ok(MediaEvent::TrackUnpublished { room, participant, track }) => l.unpublished(room, participant, track),
                Err(broadcast::error::RecvError::Closed) => break,
                _ => {}
            },
            _ = tick.tick() => l.idle(Instant::now()),
            _ = &mut stop => {
                // Frames already queued were received: record them before closing.
                while let Ok(f) = frames.try_recv() {
                    l.frame(f);
                }
                break;
            }
        }
    }
    l.close_all().await;
}

impl Loop {
    fn wall_ms(&self, at: Instant) -> u64 {
        let (i0, w0) = self.epoch;
        let wall = if at >= i0 { w0 + (at - i0) } else { w0 - (i0 - at) };
        wall.duration_since(UNIX_EPOCH).map(|d| d.as_millis() as u64).unwrap_or(0)
    }

    fn frame(&mut self, f: TapFrame) {
        let c = &self.shared.stats;
        c.frames_in.fetch_add(1, Ordering::Relaxed);
        c.bytes_in.fetch_add(f.data.len() as u64, Ordering::Relaxed);
        if self.ended.contains(&f.track) {
            return;
        }
        let key = RecKey { room: f.room.clone(), participant: f.participant.clone(), kind: f.kind };
        if !self.recordings.contains_key(&key) {
            let (jobs, rx) = mpsc::unbounded_channel();
            let finisher = tokio::spawn(finisher::run(self.shared.clone(), key.clone(), rx));
            self.recordings.insert(
                key.clone(),
                Recording {
                    track: None,
                    layers: HashMap::new(),
                    open: None,
                    resume_reason: None,
                    last_keyframe_request: None,
                    anchor: None,
                    jobs,
                    finisher,
                },
            );
        }
        let mut rec = self.recordings.remove(&key).expect("inserted above");
        self.frame_for(&key, &mut rec, f);
        self.recordings.insert(key, rec);
    }

    fn frame_for(&mut self, key: &RecKey, rec: &mut Recording, mut f: TapFrame) {
        // Every audio frame decodes on its own: any of them may start a segment.
        f.keyframe |= f.kind == TrackKind::Audio;
        if rec.track != Some(f.track) {
            if rec.track.is_some() {
                // A new publication replaced the old one without an unpublish first.
                self.close(rec);
                rec.resume_reason = Some(GapReason::PublisherReconnect);
            }
            rec.track = Some(f.track);
            rec.layers.clear();
        }
        let width = match (f.keyframe, f.codec) {
            (true, Codec::Vp8) => vp8_keyframe_width(&f.data),
            _ => None,
        };
        let seen = rec.layers.entry(f.layer.clone()).or_insert(LayerSeen { width: 0, last_seen: f.arrival });
        seen.last_seen = f.arrival;
        if let Some(w) = width {
            seen.width = w;
        }
        let wanted = highest_layer(&rec.layers, f.arrival);
        let open_layer = rec.open.as_ref().map(|o| o.layer.clone());

        if open_layer.as_ref() == Some(&f.layer) {
            let o = rec.open.as_ref().expect("open");
            let lost = f.arrival.saturating_duration_since(o.last_arrival) > LOST_AFTER;
            let target_ns = self.shared.settings.segment_secs * 1_000_000_000;
            let elapsed = o.elapsed_ns(f.rtp_time);
            if lost {
                self.close(rec);
                rec.resume_reason = Some(GapReason::LostFrames);
            } else if f.keyframe && elapsed >= target_ns {
                // Cut here: the next segment starts with this keyframe.
                let anchor = Anchor {
                    track: f.track,
                    layer: o.layer.clone(),
                    rtp: o.first_rtp,
                    clock_rate: o.clock_rate,
                    start_ms: o.start_ms,
                };
                self.close(rec);
                rec.anchor = Some(anchor);
            } else {
                let near_end = elapsed + CUT_LEAD.as_nanos() as u64 >= target_ns;
                self.write(rec, f, near_end);
                return;
            }
        } else if rec.open.is_some() && f.layer == wanted {
            // The highest layer changed: keep the old one until the new one's keyframe.
            if !f.keyframe {
                self.want_keyframe(key, rec);
                return;
            }
            self.close(rec);
        }
        if f.layer != wanted {
            if rec.open.is_none() {
                self.want_keyframe(key, rec);
            }
            return;
        }
        if f.kind == TrackKind::Video && !f.keyframe {
            self.want_keyframe(key, rec);
            return;
        }
        self.open(key, rec, f);
    }

    fn write(&mut self, rec: &mut Recording, f: TapFrame, near_end: bool) {
        let o = rec.open.as_mut().expect("open");
        let pts = o.elapsed_ns(f.rtp_time);
        let len = f.data.len() as u64;
        if let Err(e) = o.writer.push(f.data, pts, f.keyframe) {
            tracing::warn!(error = %e, "recording push failed; segment closed");
            self.close(rec);
            rec.resume_reason = Some(GapReason::LostFrames);
            return;
        }
        o.last_rtp = f.rtp_time.max(o.last_rtp);
        o.last_arrival = f.arrival;
        o.frames += 1;
        self.shared.stats.bytes_written.fetch_add(len, Ordering::Relaxed);
        if near_end && f.kind == TrackKind::Video {
            let key = RecKey { room: f.room, participant: f.participant, kind: f.kind };
            self.want_keyframe(&key, rec);
        }
    }

    fn open(&mut self, key: &RecKey, rec: &mut Recording, f: TapFrame) {
        let size = match f.codec {
            Codec::Vp8 => vp8_size(&f.data),
            _ => None,
        };
        self.seq += 1;
        let (ext, _) = container(f.codec);
        let path: PathBuf = self.shared.settings.work_dir.join("open").join(format!("{}-{}.{ext}", f.track, self.seq));
        let writer = match SegmentWriter::open(&path, f.codec, size) {
            Ok(w) => w,
            Err(e) => {
                tracing::error!(error = %e, room = %key.room, participant = %key.participant, "cannot open a recording segment");
                return;
            }
        };
        let continued = rec.anchor.take().filter(|a| {
            a.track == f.track && a.layer == f.layer && rec.resume_reason.is_none() && f.rtp_time >= a.rtp
        });
        let start_ms = match continued {
            Some(a) => a.start_ms + (f.rtp_time - a.rtp) * 1000 / u64::from(a.clock_rate.max(1)),
            None => self.wall_ms(f.arrival),
        };
        let _ = rec.jobs.send(Job::Opened { start_ms, reason: rec.resume_reason.take() });
        self.shared.stats.open_segments.fetch_add(1, Ordering::Relaxed);
        rec.open = Some(Open {
            writer,
            codec: f.codec,
            layer: f.layer.clone(),
            start_ms,
            first_rtp: f.rtp_time,
            last_rtp: f.rtp_time,
            clock_rate: f.clock_rate,
            frames: 0,
            last_arrival: f.arrival,
            size,
        });
        self.write(rec, f, false);
    }

    /// Closes the open segment (if any) and queues it for storing.
    fn close(&mut self, rec: &mut Recording) {
        let Some(o) = rec.open.take() else {
            return;
        };
        self.shared.stats.open_segments.fetch_sub(1, Ordering::Relaxed);
        let frame_ns = o.frame_ns();
        let end_ms = o.start_ms + (o.elapsed_ns(o.last_rtp) + frame_ns) / 1_000_000;
        let _ = rec.jobs.send(Job::Closed(Closed {
            writer: o.writer,
            codec: o.codec,
            layer: o.layer,
            start_ms: o.start_ms,
            end_ms,
            frames: o.frames,
            last_duration_ns: frame_ns,
            size: o.size,
            closed_at: Instant::now(),
        }));
    }

    fn want_keyframe(&mut self, key: &RecKey, rec: &mut Recording) {
        let now = Instant::now();
        if rec.last_keyframe_request.is_some_and(|t| now.duration_since(t) < KEYFRAME_REQUEST_GAP) {
            return;
        }
        rec.last_keyframe_request = Some(now);
        let media = self.shared.media.clone();
        let (room, participant) = (key.room.clone(), key.participant.clone());
        tokio::spawn(async move {
            let _ = media.request_keyframe(&room, &participant).await;
        });
    }

    fn unpublished(&mut self, room: RoomId, participant: ParticipantId, track: TrackId) {
        self.ended.insert(track);
        for kind in [TrackKind::Audio, TrackKind::Video] {
            let key = RecKey { room: room.clone(), participant: participant.clone(), kind };
            if let Some(mut rec) = self.recordings.remove(&key) {
                if rec.track == Some(track) {
                    self.close(&mut rec);
                    let _ = rec.jobs.send(Job::End);
                    rec.track = None;
                    rec.resume_reason = Some(GapReason::PublisherReconnect);
                }
                self.recordings.insert(key, rec);
            }
        }
    }

    /// Segments of tracks that went quiet are closed, so they reach storage.
    fn idle(&mut self, now: Instant) {
        let limit = Duration::from_millis(self.shared.settings.idle_close_ms);
        let keys: Vec<RecKey> = self
            .recordings
            .iter()
            .filter(|(_, r)| r.open.as_ref().is_some_and(|o| now.saturating_duration_since(o.last_arrival) > limit))
            .map(|(k, _)| k.clone())
            .collect();
        for k in keys {
            let mut rec = self.recordings.remove(&k).expect("listed");
            self.close(&mut rec);
            rec.resume_reason = Some(GapReason::LostFrames);
            self.recordings.insert(k, rec);
        }
    }

    async fn close_all(mut self) {
        let keys: Vec<RecKey> = self.recordings.keys().cloned().collect();
        let mut finishers = Vec::new();
        for k in keys {
            let mut rec = self.recordings.remove(&k).expect("listed");
            self.close(&mut rec);
            let _ = rec.jobs.send(Job::End);
            drop(rec.jobs);
            finishers.push(rec.finisher);
        }
        for f in finishers {
            let _ = f.await;
        }
    }
}

/// The widest layer that sent recently (unknown widths count as 0, then by rid name).
fn highest_layer(layers: &HashMap<Option<String>, LayerSeen>, now: Instant) -> Option<String> {
    layers
        .iter()
        .filter(|(_, s)| now.saturating_duration_since(s.last_seen) < LAYER_ACTIVE)
        .max_by(|a, b| (a.1.width, a.0).cmp(&(b.1.width, b.0)))
        .map(|(r, _)| r.clone())
        .unwrap_or(None)
}

/// Width and height from a VP8 keyframe header (RFC 6386 §9.1).
fn vp8_size(frame: &[u8]) -> Option<(u32, u32)> {
    let w = vp8_keyframe_width(frame)?;
    let h = u32::from(u16::from_le_bytes([frame[8], frame[9]]) & 0x3fff);
    Some((w, h))
}
