//! Reading the encoded frames of one recorded segment back out of its file: filesrc →
//! demuxer (→ parser to Annex B for H.264/H.265) → appsink. No decoding: what comes out is
//! what the recorder stored, with the file's own timestamps (0 = the segment's start).

use std::path::Path;

use gstreamer as gst;
use gstreamer::prelude::*;
use gstreamer_app as gst_app;

use crate::error::{Error, Result};
use crate::grab::decode::bus_error;
use crate::tap::Codec;

use super::pipe_err;

/// One encoded frame as stored.
#[derive(Clone, Debug)]
pub(crate) struct Frame {
    pub buffer: gst::Buffer,
    /// Nanoseconds from the segment's start.
    pub pts_ns: u64,
    /// Decoding time when the stream has reordering (H.264/H.265 with B-frames).
    pub dts_ns: Option<u64>,
    pub duration_ns: Option<u64>,
    pub keyframe: bool,
}

pub(crate) struct SegmentReader {
    pipeline: gst::Pipeline,
    sink: gst_app::AppSink,
    caps: Option<gst::Caps>,
}

/// The demuxing chain for a codec's container, as the recorder writes it.
fn chain(codec: Codec) -> &'static str {
    match codec {
        Codec::Vp8 | Codec::Vp9 | Codec::Opus => "matroskademux",
        // Annex B with SPS/PPS before every keyframe: segments (and their parameter sets)
        // can then follow one another in one stream.
        Codec::H264 => {
            "qtdemux ! h264parse config-interval=-1 ! video/x-h264,stream-format=byte-stream,alignment=au"
        }
        Codec::H265 => {
            "qtdemux ! h265parse config-interval=-1 ! video/x-h265,stream-format=byte-stream,alignment=au"
        }
    }
}

impl SegmentReader {
    pub fn open(path: &Path, codec: Codec) -> Result<Self> {
        let desc = format!(
            "filesrc name=src ! {} ! appsink name=sink sync=false max-buffers=64",
            chain(codec)
        );
        let pipeline = gst::parse::launch(&desc)
            .map_err(pipe_err)?
            .downcast::<gst::Pipeline>()
            .map_err(|_| Error::Pipeline("not a pipeline".into()))?;
        let src = pipeline
            .by_name("src")
            .ok_or_else(|| Error::Pipeline("filesrc missing".into()))?;
        src.set_property("location", path.to_string_lossy().as_ref());
        let sink = pipeline
            .by_name("sink")
            .and_then(|e| e.downcast::<gst_app::AppSink>().ok())
            .ok_or_else(|| Error::Pipeline("appsink missing".into()))?;
        pipeline.set_state(gst::State::Playing).map_err(pipe_err)?;
        Ok(SegmentReader {
            pipeline,
            sink,
            caps: None,
        })
    }

    /// The stream's caps, known after the first frame.
    pub fn caps(&self) -> Option<&gst::Caps> {
        self.caps.as_ref()
    }

    /// The next frame, or `None` at the end of the file.
    pub fn next_frame(&mut self) -> Result<Option<Frame>> {
        let Some(sample) = self.sink.try_pull_sample(gst::ClockTime::from_seconds(30)) else {
            if self.sink.is_eos() {
                return Ok(None);
            }
            return Err(Error::Pipeline(bus_error(&self.pipeline).unwrap_or_else(
                || "the segment could not be read within 30 s".into(),
            )));
        };
        if self.caps.is_none() {
            self.caps = sample.caps_owned();
        }
        let buffer = sample
            .buffer_owned()
            .ok_or_else(|| Error::Pipeline("sample without a buffer".into()))?;
        let Some(pts) = buffer.pts().or(buffer.dts()) else {
            // A frame without a time cannot be placed; the demuxers always give one.
            return self.next_frame();
        };
        Ok(Some(Frame {
            pts_ns: pts.nseconds(),
            dts_ns: buffer.dts().map(|d| d.nseconds()),
            duration_ns: buffer.duration().map(|d| d.nseconds()).filter(|d| *d > 0),
            keyframe: !buffer.flags().contains(gst::BufferFlags::DELTA_UNIT),
            buffer,
        }))
    }

    /// Every frame of the file (for the segment that holds the range start).
    pub fn read_all(mut self) -> Result<(Vec<Frame>, Option<gst::Caps>)> {
        let mut frames = Vec::new();
        while let Some(f) = self.next_frame()? {
            frames.push(f);
        }
        let caps = self.caps.take();
        Ok((frames, caps))
    }
}

impl Drop for SegmentReader {
    fn drop(&mut self) {
        let _ = self.pipeline.set_state(gst::State::Null);
    }
}
