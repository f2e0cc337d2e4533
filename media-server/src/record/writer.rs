//! One segment file: appsrc → (parser) → muxer → filesink, no transcoding.
//! VP8/VP9/Opus go into WebM, H.264/H.265 into fragmented MP4 (playable while written and
//! after a crash up to the last fragment). Each frame is pushed when the next one arrives,
//! so every buffer carries its real duration and the file's duration is exact.

use std::path::{Path, PathBuf};

use bytes::Bytes;
use gstreamer as gst;
use gstreamer::prelude::*;
use gstreamer_app as gst_app;

use crate::error::{Error, Result};
use crate::tap::Codec;

fn pipe_err(e: impl std::fmt::Display) -> Error {
    Error::Pipeline(e.to_string())
}

/// File extension and MIME type of a codec's container.
pub fn container(codec: Codec) -> (&'static str, &'static str) {
    match codec {
        Codec::H264 | Codec::H265 => ("mp4", "video/mp4"),
        Codec::Opus => ("webm", "audio/webm"),
        Codec::Vp8 | Codec::Vp9 => ("webm", "video/webm"),
    }
}

pub struct SegmentWriter {
    pipeline: gst::Pipeline,
    src: gst_app::AppSrc,
    path: PathBuf,
    codec: Codec,
    /// The frame waiting for its successor (to learn its duration).
    pending: Option<(Bytes, u64, bool)>,
}

impl SegmentWriter {
    /// Opens `path` for a stream of `codec`; `size` is the picture size for VP8/VP9.
    pub fn open(path: &Path, codec: Codec, size: Option<(u32, u32)>) -> Result<Self> {
        gst::init().map_err(pipe_err)?;
        let (w, h) = size.unwrap_or((640, 480));
        // The muxer insists on a frame rate; 30/1 is nominal, the buffers' own timestamps and
        // durations are what gets written (0/1 makes webmmux keep only the first frame).
        let chain = match codec {
            Codec::Vp8 => format!("video/x-vp8,width={w},height={h},framerate=30/1\" ! webmmux"),
            Codec::Vp9 => format!("video/x-vp9,width={w},height={h},framerate=30/1\" ! webmmux"),
            // The parser's typed pad makes the muxer hand out an audio pad, not its first (video) one.
            Codec::Opus => "audio/x-opus,rate=48000,channels=2,channel-mapping-family=0\" ! opusparse ! webmmux".into(),
            Codec::H264 => {
                "video/x-h264,stream-format=byte-stream,alignment=au\" ! h264parse ! mp4mux fragment-duration=1000".into()
            }
            Codec::H265 => {
                "video/x-h265,stream-format=byte-stream,alignment=au\" ! h265parse ! mp4mux fragment-duration=1000".into()
            }
        };
        let desc = format!(
            "appsrc name=src format=time max-bytes=0 caps=\"{chain} name=mux ! filesink name=sink location=\"{}\"",
            path.display()
        );
        let pipeline = gst::parse::launch(&desc)
            .map_err(pipe_err)?
            .downcast::<gst::Pipeline>()
            .map_err(|_| Error::Pipeline("not a pipeline".into()))?;
        let src = pipeline
            .by_name("src")
            .and_then(|e| e.downcast::<gst_app::AppSrc>().ok())
            .ok_or_else(|| Error::Pipeline("appsrc missing".into()))?;
        pipeline.set_state(gst::State::Playing).map_err(pipe_err)?;
        Ok(SegmentWriter { pipeline, src, path: path.to_owned(), codec, pending: None })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Adds a frame at `pts_ns` from the segment start. A frame at the same time as the one
    /// before is the rest of that picture (a camera that sends a picture's slices as separate
    /// units): its slices are appended to it, so the file has one sample per picture.
    pub fn push(&mut self, data: Bytes, pts_ns: u64, keyframe: bool) -> Result<()> {
        if let Some((d, p, k)) = self.pending.as_mut()
            && *p == pts_ns && matches!(self.codec, Codec::H264 | Codec::H265)
        {
            let mut joined = d.to_vec();
            joined.extend_from_slice(&crate::ingest::access_unit::slices_only(self.codec, &data));
            *d = Bytes::from(joined);
            *k |= keyframe;
            return Ok(());
        }
        if let Some((d, p, k)) = self.pending.take() {
            self.send(d, p, pts_ns.saturating_sub(p).max(1), k)?;
        }
        self.pending = Some((data, pts_ns, keyframe));
        Ok(())
    }

    fn send(&self, data: Bytes, pts_ns: u64, duration_ns: u64, keyframe: bool) -> Result<()> {
        let mut buf = gst::Buffer::from_slice(data);
        {
            let b = buf.get_mut().expect("a new buffer is writable");
            b.set_pts(gst::ClockTime::from_nseconds(pts_ns));
            b.set_dts(gst::ClockTime::from_nseconds(pts_ns));
            b.set_duration(gst::ClockTime::from_nseconds(duration_ns));
            if !keyframe {
                b.set_flags(gst::BufferFlags::DELTA_UNIT);
            }
        }
        self.src.push_buffer(buf).map_err(pipe_err)?;
        Ok(())
    }

    /// Writes the last frame with `last_duration_ns`, finalises the file (duration, cues)
    /// and returns its size. Blocks until the muxer is done: call off the async runtime.
    pub fn finish(mut self, last_duration_ns: u64) -> Result<u64> {
        let result = (|| {
            if let Some((d, p, k)) = self.pending.take() {
                self.send(d, p, last_duration_ns.max(1), k)?;
            }
            self.src.end_of_stream().map_err(pipe_err)?;
            let bus = self.pipeline.bus().ok_or_else(|| Error::Pipeline("no bus".into()))?;
            let msg = bus.timed_pop_filtered(
                gst::ClockTime::from_seconds(30),
                &[gst::MessageType::Eos, gst::MessageType::Error],
            );
            match msg.as_ref().map(|m| m.view()) {
                Some(gst::MessageView::Eos(_)) => Ok(()),
                Some(gst::MessageView::Error(e)) => Err(Error::Pipeline(format!("{} ({:?})", e.error(), e.debug()))),
                _ => Err(Error::Pipeline("muxer did not finish within 30 s".into())),
            }
        })();
        let _ = self.pipeline.set_state(gst::State::Null);
        result?;
        Ok(std::fs::metadata(&self.path)?.len())
    }
}

impl Drop for SegmentWriter {
    fn drop(&mut self) {
        let _ = self.pipeline.set_state(gst::State::Null);
    }
}
