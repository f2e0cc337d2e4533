//! Decoding one keyframe to RGB with GStreamer: appsrc → (parser) → decoder → videoconvert
//! → appsink. A pipeline per grab keeps no state between grabs; building one costs a few
//! milliseconds, far below the keyframe round trip.

use gstreamer as gst;
use gstreamer::prelude::*;
use gstreamer_app as gst_app;
use image::RgbImage;

use crate::error::{Error, Result};
use crate::tap::Codec;

fn pipe_err(e: impl std::fmt::Display) -> Error {
    Error::Pipeline(e.to_string())
}

/// The decoder chain for a codec, as `gst-launch` syntax.
fn decoder(codec: Codec) -> Result<(&'static str, &'static str)> {
    Ok(match codec {
        Codec::Vp8 => ("video/x-vp8", "vp8dec"),
        Codec::Vp9 => ("video/x-vp9", "vp9dec"),
        Codec::H264 => ("video/x-h264,stream-format=byte-stream,alignment=au", "h264parse ! avdec_h264"),
        Codec::H265 => ("video/x-h265,stream-format=byte-stream,alignment=au", "h265parse ! avdec_h265"),
        Codec::Opus => return Err(Error::BadRequest("audio has no frames to grab".into())),
    })
}

/// Decodes a keyframe (a whole frame as the tap delivers it) into an RGB picture.
pub fn decode_keyframe(codec: Codec, data: &[u8]) -> Result<RgbImage> {
    gst::init().map_err(pipe_err)?;
    let (caps, dec) = decoder(codec)?;
    let desc = format!(
        "appsrc name=src format=time caps=\"{caps}\" ! {dec} ! videoconvert ! video/x-raw,format=RGB ! appsink name=sink sync=false"
    );
    let pipeline = gst::parse::launch(&desc)
        .map_err(pipe_err)?
        .downcast::<gst::Pipeline>()
        .map_err(|_| Error::Pipeline("not a pipeline".into()))?;
    let result = run(&pipeline, data);
    let _ = pipeline.set_state(gst::State::Null);
    result
}

fn run(pipeline: &gst::Pipeline, data: &[u8]) -> Result<RgbImage> {
    let src = pipeline
        .by_name("src")
        .and_then(|e| e.downcast::<gst_app::AppSrc>().ok())
        .ok_or_else(|| Error::Pipeline("appsrc missing".into()))?;
    let sink = pipeline
        .by_name("sink")
        .and_then(|e| e.downcast::<gst_app::AppSink>().ok())
        .ok_or_else(|| Error::Pipeline("appsink missing".into()))?;
    pipeline.set_state(gst::State::Playing).map_err(pipe_err)?;
    let mut buf = gst::Buffer::from_slice(data.to_vec());
    buf.get_mut()
        .expect("a new buffer is writable")
        .set_pts(gst::ClockTime::ZERO);
    src.push_buffer(buf).map_err(pipe_err)?;
    src.end_of_stream().map_err(pipe_err)?;
    let Some(sample) = sink.try_pull_sample(gst::ClockTime::from_seconds(3)) else {
        return Err(Error::Pipeline(bus_error(pipeline).unwrap_or_else(|| "the decoder produced no picture".into())));
    };
    let caps = sample.caps().ok_or_else(|| Error::Pipeline("no caps".into()))?;
    let s = caps.structure(0).ok_or_else(|| Error::Pipeline("empty caps".into()))?;
    let w = s.get::<i32>("width").map_err(pipe_err)? as u32;
    let h = s.get::<i32>("height").map_err(pipe_err)? as u32;
    let buffer = sample.buffer().ok_or_else(|| Error::Pipeline("no buffer".into()))?;
    let map = buffer.map_readable().map_err(pipe_err)?;
    // GStreamer pads RGB rows to a multiple of 4 bytes.
    let stride = ((w * 3 + 3) & !3) as usize;
    let row = (w * 3) as usize;
    if map.len() < stride * (h as usize - 1) + row {
        return Err(Error::Pipeline(format!("{} bytes for {w}×{h} RGB", map.len())));
    }
    let mut rgb = Vec::with_capacity(row * h as usize);
    for y in 0..h as usize {
        rgb.extend_from_slice(&map[y * stride..y * stride + row]);
    }
    RgbImage::from_raw(w, h, rgb).ok_or_else(|| Error::Pipeline("picture size".into()))
}

/// The first error message on the pipeline's bus, if any.
pub(crate) fn bus_error(pipeline: &gst::Pipeline) -> Option<String> {
    let bus = pipeline.bus()?;
    while let Some(msg) = bus.pop() {
        if let gst::MessageView::Error(e) = msg.view() {
            return Some(format!("{} ({:?})", e.error(), e.debug()));
        }
    }
    None
}
