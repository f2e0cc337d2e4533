//! Export: one file for a time range of one participant's recording, from the segment files
//! the recorder stored (downloaded by the caller). Blocking; call it in `spawn_blocking`.
//!
//! - [`ExportFormat::Remux`]: no transcoding. VP8/VP9 (+ Opus) → one WebM; H.264/H.265
//!   (+ Opus, which MP4 carries as it is) → one MP4.
//! - [`ExportFormat::Mp4`]: H.264 + AAC for the supervision platform. H.264 is copied;
//!   VP8/VP9/H.265 are decoded and encoded with x264 (one thread); Opus → AAC.
//!
//! Timeline: every frame is placed at its wall-clock time minus the file's start, so audio
//! and video stay in sync and gaps between segments stay gaps (AAC gets silence there). Copied
//! video must start at a keyframe, so a remuxed file starts at the last keyframe at or before
//! `from_ms` (the report says where); transcoded video is decoded from that keyframe and the
//! pictures before `from_ms` are dropped, so such a file starts exactly at `from_ms`. Audio
//! is cut to `[from_ms, to_ms)` in both cases.
//!
//! The frames are demuxed here ([`reader`]), not by a demuxer inside the output pipeline, so
//! this module alone decides every timestamp. Each stream is fed by its own thread (the muxer
//! blocks whichever is ahead). Throttling: see [`throttle`].

mod output;
mod reader;
mod throttle;

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use gstreamer as gst;
use gstreamer::prelude::*;
use gstreamer_app as gst_app;
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::tap::Codec;
use output::{Plan, VideoOut};
use reader::{Frame, SegmentReader};

pub use throttle::this_thread_priority;

fn pipe_err(e: impl std::fmt::Display) -> Error {
    Error::Pipeline(e.to_string())
}

const MS: u64 = 1_000_000;
/// With no progress for this long, the export is given up.
const STALL: Duration = Duration::from_secs(120);

/// What kind of file to make.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ExportFormat {
    /// No transcoding: WebM for VP8/VP9, MP4 for H.264/H.265.
    Remux,
    /// H.264 + AAC in MP4.
    Mp4,
}

/// One stored segment on local disk.
#[derive(Clone, Debug)]
pub struct SegmentFile {
    pub path: PathBuf,
    pub codec: Codec,
    /// Wall-clock Unix milliseconds of the segment's first and after its last media.
    pub start_ms: u64,
    pub end_ms: u64,
}

/// One export: the segments of one participant (any order), a range and where to write.
#[derive(Clone, Debug)]
pub struct ExportJob {
    pub video: Vec<SegmentFile>,
    pub audio: Vec<SegmentFile>,
    pub from_ms: u64,
    pub to_ms: u64,
    pub format: ExportFormat,
    pub out: PathBuf,
}

/// What was written.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ExportReport {
    /// Wall-clock Unix milliseconds of the file's time 0 (a keyframe at or before `from_ms`
    /// when video is copied).
    pub start_ms: u64,
    /// Milliseconds of media in the file.
    pub duration_ms: u64,
    pub bytes: u64,
    /// `webm` or `mp4`.
    pub container: String,
    pub mime: String,
    pub video_codec: Option<String>,
    pub audio_codec: Option<String>,
    /// Whether anything was decoded and encoded again.
    pub transcoded: bool,
}

/// The file extension and container an export will have, before running it.
pub fn container_of(format: ExportFormat, video: Option<Codec>) -> &'static str {
    Plan::choose(format, video, false, (0, 0)).container
}

/// Writes the range into `job.out`. `progress` gets the fraction of the media time written
/// (0.0..=1.0, never decreasing, 1.0 last). One export runs at a time in the process, at the
/// lowest CPU priority; the call blocks until it is done.
///
/// Errors: [`Error::BadRequest`] for an empty range, nothing recorded in it, or video
/// segments of different codecs; [`Error::Pipeline`] when GStreamer fails.
pub fn export(job: &ExportJob, progress: &mut (dyn FnMut(f64) + Send)) -> Result<ExportReport> {
    if job.to_ms <= job.from_ms {
        return Err(Error::BadRequest("the range is empty".into()));
    }
    gst::init().map_err(pipe_err)?;
    throttle::run_throttled(|| run(job, progress))
}

/// A stream's frames to push: which segments, which wall-clock window, the time subtracted.
struct Feed {
    segments: Vec<SegmentFile>,
    /// Frames of the first segment, already read (the one holding the video's start).
    first: Option<Vec<Frame>>,
    /// Wall-clock nanoseconds: frames before `from` are skipped, at/after `to` not sent.
    from: u64,
    to: u64,
    /// Wall-clock nanoseconds of pushed time 0.
    base: u64,
    /// Drop frames until a keyframe (video).
    need_key: bool,
}

/// The segments that hold media of `[from_ms, to_ms)`, in time order. A segment that another
/// starts at the same instant as replaces it is left out: when the recorder moves up a
/// simulcast layer, the segment it closes may hold one low-layer picture taken at the moment
/// of the new layer's first keyframe (layers share capture times), and two pictures at one
/// time would make the encoder lose the timestamp.
fn overlapping(segs: &[SegmentFile], from_ms: u64, to_ms: u64) -> Vec<SegmentFile> {
    let mut v: Vec<SegmentFile> = segs
        .iter()
        .filter(|s| s.end_ms > from_ms && s.start_ms < to_ms)
        .cloned()
        .collect();
    // Of segments starting together, the longest comes last and stays.
    v.sort_by_key(|s| (s.start_ms, s.end_ms));
    let mut out: Vec<SegmentFile> = Vec::with_capacity(v.len());
    for s in v {
        if out.last().is_some_and(|last| last.start_ms >= s.start_ms) {
            out.pop();
        }
        out.push(s);
    }
    out
}

fn run(job: &ExportJob, progress: &mut (dyn FnMut(f64) + Send)) -> Result<ExportReport> {
    let video = overlapping(&job.video, job.from_ms, job.to_ms);
    let audio = overlapping(&job.audio, job.from_ms, job.to_ms);
    if video.is_empty() && audio.is_empty() {
        return Err(Error::BadRequest(
            "nothing was recorded in the range".into(),
        ));
    }
    let video_codec = video.first().map(|s| s.codec);
    if video.iter().any(|s| Some(s.codec) != video_codec) {
        return Err(Error::BadRequest(
            "the range holds video of different codecs".into(),
        ));
    }
    let end_ms = job.to_ms.min(
        video
            .iter()
            .chain(&audio)
            .map(|s| s.end_ms)
            .max()
            .unwrap_or(job.to_ms),
    );

    // The video starts at the last keyframe at or before from_ms in the segment holding it
    // (segments start with a keyframe, so one starting later needs no search).
    let mut first = None;
    let mut video_caps = None;
    let mut key_ns = job.from_ms * MS;
    if let Some(s) = video.first().filter(|s| s.start_ms <= job.from_ms) {
        let (frames, caps) = SegmentReader::open(&s.path, s.codec)?.read_all()?;
        let seg_ns = s.start_ms * MS;
        key_ns = frames
            .iter()
            .filter(|f| f.keyframe && seg_ns + f.pts_ns <= job.from_ms * MS)
            .map(|f| seg_ns + f.pts_ns)
            .max()
            .or_else(|| {
                frames
                    .iter()
                    .find(|f| f.keyframe)
                    .map(|f| seg_ns + f.pts_ns)
            })
            .unwrap_or(seg_ns);
        video_caps = caps;
        first = Some(frames);
    } else if let Some(s) = video.first() {
        video_caps = first_caps(s)?;
    }
    let audio_caps = match audio.first() {
        Some(s) => first_caps(s)?,
        None => None,
    };
    let size = video_caps
        .as_ref()
        .and_then(picture_size)
        .unwrap_or((640, 480));
    let plan = Plan::choose(job.format, video_codec, audio_caps.is_some(), size);
    let transcode_video = matches!(plan.video, Some((_, VideoOut::ToH264 { .. })));
    // Time 0 of the file: the keyframe when video is copied, else exactly from_ms.
    let origin_ns = if transcode_video || plan.video.is_none() {
        job.from_ms * MS
    } else {
        key_ns.min(job.from_ms * MS)
    };
    let total_ns = (end_ms * MS).saturating_sub(origin_ns).max(1);

    let pipeline = gst::parse::launch(&plan.describe())
        .map_err(pipe_err)?
        .downcast::<gst::Pipeline>()
        .map_err(|_| Error::Pipeline("not a pipeline".into()))?;
    let result = (|| -> Result<u64> {
        pipeline
            .by_name("sink")
            .ok_or_else(|| Error::Pipeline("filesink missing".into()))?
            .set_property("location", job.out.to_string_lossy().as_ref());
        throttle::lower_streaming_threads(&pipeline);
        let mut feeds = Vec::new();
        if plan.video.is_some() {
            let src = appsrc(&pipeline, "vsrc", video_caps)?;
            if transcode_video && key_ns < origin_ns {
                drop_preroll(&pipeline, origin_ns - key_ns)?;
            }
            let feed = Feed {
                segments: video.clone(),
                first: first.take(),
                from: key_ns,
                to: end_ms * MS,
                base: key_ns.min(origin_ns),
                need_key: true,
            };
            feeds.push((
                src,
                feed,
                Position::watch(&pipeline, plan.position_elements().0)?,
            ));
        }
        if plan.audio.is_some() {
            let src = appsrc(&pipeline, "asrc", audio_caps)?;
            let feed = Feed {
                segments: audio.clone(),
                first: None,
                from: job.from_ms * MS,
                to: end_ms * MS,
                base: origin_ns,
                need_key: false,
            };
            feeds.push((
                src,
                feed,
                Position::watch(&pipeline, plan.position_elements().1)?,
            ));
        }
        pipeline.set_state(gst::State::Playing).map_err(pipe_err)?;
        let duration_ns = drive(&pipeline, feeds, total_ns, progress)?;
        Ok(duration_ns)
    })();
    let _ = pipeline.set_state(gst::State::Null);
    let duration_ns = result?;
    progress(1.0);
    Ok(ExportReport {
        start_ms: origin_ns / MS,
        duration_ms: duration_ns / MS,
        bytes: std::fs::metadata(&job.out)?.len(),
        container: plan.container.into(),
        mime: plan.mime().into(),
        video_codec: plan.video_codec_out().map(str::to_owned),
        audio_codec: plan.audio_codec_out().map(str::to_owned),
        transcoded: transcode_video || matches!(plan.audio, Some(output::AudioOut::ToAac)),
    })
}

fn first_caps(s: &SegmentFile) -> Result<Option<gst::Caps>> {
    let mut r = SegmentReader::open(&s.path, s.codec)?;
    r.next_frame()?;
    Ok(r.caps().cloned())
}

fn picture_size(caps: &gst::Caps) -> Option<(u32, u32)> {
    let s = caps.structure(0)?;
    let w = s.get::<i32>("width").ok()?;
    let h = s.get::<i32>("height").ok()?;
    // x264 wants even sizes for 4:2:0.
    Some(((w as u32) & !1, (h as u32) & !1)).filter(|(w, h)| *w > 0 && *h > 0)
}

fn appsrc(
    pipeline: &gst::Pipeline,
    name: &str,
    caps: Option<gst::Caps>,
) -> Result<gst_app::AppSrc> {
    let src = pipeline
        .by_name(name)
        .and_then(|e| e.downcast::<gst_app::AppSrc>().ok())
        .ok_or_else(|| Error::Pipeline(format!("{name} missing")))?;
    if let Some(c) = caps {
        src.set_caps(Some(&c));
    }
    Ok(src)
}

/// Pictures decoded from the keyframe up to the range start are needed only as references:
/// they are dropped after the decoder and the rest moved `shift_ns` earlier.
fn drop_preroll(pipeline: &gst::Pipeline, shift_ns: u64) -> Result<()> {
    let dec = pipeline
        .by_name("vdec")
        .ok_or_else(|| Error::Pipeline("decoder missing".into()))?;
    let pad = dec
        .static_pad("src")
        .ok_or_else(|| Error::Pipeline("decoder without src pad".into()))?;
    pad.add_probe(gst::PadProbeType::BUFFER, move |_, info| {
        let Some(buf) = info.buffer_mut() else {
            return gst::PadProbeReturn::Ok;
        };
        let Some(pts) = buf.pts().map(|p| p.nseconds()) else {
            return gst::PadProbeReturn::Ok;
        };
        if pts < shift_ns {
            return gst::PadProbeReturn::Drop;
        }
        let b = buf.make_mut();
        b.set_pts(gst::ClockTime::from_nseconds(pts - shift_ns));
        b.set_dts(gst::ClockTime::NONE);
        gst::PadProbeReturn::Ok
    });
    Ok(())
}

/// How far one stream has got towards the muxer (nanoseconds of file time).
#[derive(Clone)]
struct Position {
    end_ns: Arc<AtomicU64>,
    eos: Arc<AtomicBool>,
}

impl Position {
    fn watch(pipeline: &gst::Pipeline, element: &str) -> Result<Self> {
        let pos = Position {
            end_ns: Arc::new(AtomicU64::new(0)),
            eos: Arc::new(AtomicBool::new(false)),
        };
        let pad = pipeline
            .by_name(element)
            .and_then(|e| e.static_pad("src"))
            .ok_or_else(|| Error::Pipeline(format!("{element} missing")))?;
        let p = pos.clone();
        pad.add_probe(
            gst::PadProbeType::BUFFER | gst::PadProbeType::EVENT_DOWNSTREAM,
            move |_, info| {
                if let Some(b) = info.buffer() {
                    if let Some(pts) = b.pts() {
                        let end = pts.nseconds() + b.duration().map(|d| d.nseconds()).unwrap_or(0);
                        p.end_ns.fetch_max(end, Ordering::Relaxed);
                    }
                } else if let Some(gst::PadProbeData::Event(e)) = &info.data
                    && e.type_() == gst::EventType::Eos
                {
                    p.eos.store(true, Ordering::Relaxed);
                }
                gst::PadProbeReturn::Ok
            },
        );
        Ok(pos)
    }
}

/// Feeds every stream on its own thread and waits for the muxer to finish, reporting
/// progress on the way. Returns the nanoseconds of media written.
fn drive(
    pipeline: &gst::Pipeline,
    feeds: Vec<(gst_app::AppSrc, Feed, Position)>,
    total_ns: u64,
    progress: &mut (dyn FnMut(f64) + Send),
) -> Result<u64> {
    let bus = pipeline
        .bus()
        .ok_or_else(|| Error::Pipeline("no bus".into()))?;
    let failed: Mutex<Option<Error>> = Mutex::new(None);
    let positions: Vec<Position> = feeds.iter().map(|(_, _, p)| p.clone()).collect();
    let outcome = std::thread::scope(|s| {
        for (src, feed, _) in feeds {
            let failed = &failed;
            std::thread::Builder::new()
                .name("media-export-feed".into())
                .spawn_scoped(s, move || {
                    if let Err(e) = push_feed(&src, feed) {
                        failed
                            .lock()
                            .unwrap_or_else(|p| p.into_inner())
                            .get_or_insert(e);
                        // Unblocks the other feeder and the muxer.
                        let _ = src.end_of_stream();
                    }
                })
                .expect("a thread can be started");
        }
        let mut reported = 0.0_f64;
        let mut last_move = (Instant::now(), 0u64);
        let outcome = loop {
            let msg = bus.timed_pop_filtered(
                gst::ClockTime::from_mseconds(100),
                &[gst::MessageType::Eos, gst::MessageType::Error],
            );
            match msg.as_ref().map(|m| m.view()) {
                Some(gst::MessageView::Eos(_)) => break Ok(()),
                Some(gst::MessageView::Error(e)) => {
                    break Err(Error::Pipeline(format!("{} ({:?})", e.error(), e.debug())));
                }
                _ => {}
            }
            if let Some(e) = failed.lock().unwrap_or_else(|p| p.into_inner()).take() {
                break Err(e);
            }
            let done = positions
                .iter()
                .map(|p| {
                    if p.eos.load(Ordering::Relaxed) {
                        total_ns
                    } else {
                        p.end_ns.load(Ordering::Relaxed)
                    }
                })
                .min()
                .unwrap_or(0);
            if done > last_move.1 {
                last_move = (Instant::now(), done);
            } else if last_move.0.elapsed() > STALL {
                break Err(Error::Timeout(format!(
                    "no export progress for {} s",
                    STALL.as_secs()
                )));
            }
            // Short of 1.0 until the muxer has finished the file.
            let fraction = (done as f64 / total_ns as f64).clamp(0.0, 0.999);
            if fraction > reported {
                reported = fraction;
                progress(fraction);
            }
        };
        if outcome.is_err() {
            // Flushing makes blocked pushes return, so the feeders end.
            let _ = pipeline.set_state(gst::State::Null);
        }
        outcome
    });
    outcome?;
    if let Some(e) = failed.lock().unwrap_or_else(|p| p.into_inner()).take() {
        return Err(e);
    }
    Ok(positions
        .iter()
        .map(|p| p.end_ns.load(Ordering::Relaxed))
        .max()
        .unwrap_or(0))
}

/// Pushes one stream's frames in the window with rewritten times, then end-of-stream.
fn push_feed(src: &gst_app::AppSrc, mut feed: Feed) -> Result<()> {
    let mut need_key = feed.need_key;
    let segments = std::mem::take(&mut feed.segments);
    // Wall time of the last frame taken: times must rise strictly across segments.
    let mut last_wall: Option<u64> = None;
    'segments: for (i, seg) in segments.iter().enumerate() {
        let seg_ns = seg.start_ms * MS;
        // Where the next segment takes over, should this one run past its start.
        let handover = segments.get(i + 1).map_or(u64::MAX, |n| n.start_ms * MS);
        let mut frames: Box<dyn Iterator<Item = Result<Frame>>> = match (i, feed.first.take()) {
            (0, Some(v)) => Box::new(v.into_iter().map(Ok)),
            _ => {
                let mut r = SegmentReader::open(&seg.path, seg.codec)?;
                Box::new(std::iter::from_fn(move || r.next_frame().transpose()))
            }
        };
        // Held back until the next frame tells its duration.
        let mut pending: Option<(Frame, u64)> = None;
        let mut last_delta = 20 * MS;
        loop {
            let next = frames.next().transpose()?;
            let Some(f) = next else { break };
            let wall = seg_ns + f.pts_ns;
            if wall < feed.from || wall >= handover || last_wall.is_some_and(|l| wall <= l) {
                continue;
            }
            if need_key && !f.keyframe {
                continue;
            }
            need_key = false;
            if wall >= feed.to {
                if let Some((p, pw)) = pending.take() {
                    send(src, &feed, p, pw, (feed.to - pw).max(1))?;
                }
                break 'segments;
            }
            if let Some((p, pw)) = pending.take() {
                let delta = wall.saturating_sub(pw).max(1);
                last_delta = delta;
                send(src, &feed, p, pw, delta)?;
            }
            last_wall = Some(wall);
            pending = Some((f, wall));
        }
        if let Some((p, pw)) = pending.take() {
            // The last frame of a segment keeps its own length: a following gap stays a gap.
            let d = p
                .duration_ns
                .unwrap_or(last_delta)
                .min(feed.to.saturating_sub(pw))
                .max(1);
            send(src, &feed, p, pw, d)?;
        }
    }
    src.end_of_stream().map_err(pipe_err)?;
    Ok(())
}

fn send(src: &gst_app::AppSrc, feed: &Feed, f: Frame, wall: u64, duration_ns: u64) -> Result<()> {
    let mut buffer = f.buffer;
    {
        let b = buffer.make_mut();
        let pts = wall - feed.base;
        b.set_pts(gst::ClockTime::from_nseconds(pts));
        // Reordered H.264/H.265 keep their decoding time; everything else decodes in order.
        let dts = f
            .dts_ns
            .map(|d| (wall - f.pts_ns + d).saturating_sub(feed.base))
            .filter(|d| *d <= pts)
            .unwrap_or(pts);
        b.set_dts(gst::ClockTime::from_nseconds(dts));
        b.set_duration(gst::ClockTime::from_nseconds(duration_ns));
        b.unset_flags(gst::BufferFlags::DISCONT);
    }
    src.push_buffer(buffer).map_err(pipe_err)?;
    Ok(())
}
