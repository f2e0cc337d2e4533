//! One keyframe → a scaled-down JPEG. Runs on a blocking thread; times each step so the
//! cost per thumbnail can be reported.

use std::time::Instant;

use image::RgbImage;
use image::codecs::jpeg::JpegEncoder;
use image::imageops::FilterType;

use crate::error::{Error, Result};
use crate::grab::decode_keyframe;
use crate::tap::Codec;

/// A finished thumbnail and what it cost.
pub(crate) struct Picture {
    pub jpeg: Vec<u8>,
    pub width: u32,
    pub height: u32,
    pub decode_us: u64,
    pub encode_us: u64,
}

/// Decodes the keyframe, scales it to `width` (never up) and encodes a JPEG.
pub(crate) fn make(codec: Codec, data: &[u8], width: u32, quality: u8) -> Result<Picture> {
    let t0 = Instant::now();
    let rgb = decode_keyframe(codec, data)?;
    let decode_us = t0.elapsed().as_micros() as u64;
    let t1 = Instant::now();
    let small = scale(&rgb, width);
    let mut jpeg = Vec::with_capacity(16 * 1024);
    JpegEncoder::new_with_quality(&mut jpeg, quality)
        .encode_image(&small)
        .map_err(|e| Error::Pipeline(format!("jpeg: {e}")))?;
    Ok(Picture { jpeg, width: small.width(), height: small.height(), decode_us, encode_us: t1.elapsed().as_micros() as u64 })
}

fn scale(rgb: &RgbImage, width: u32) -> RgbImage {
    let (w, h) = rgb.dimensions();
    if w <= width || w == 0 {
        return rgb.clone();
    }
    let height = ((u64::from(h) * u64::from(width) + u64::from(w) / 2) / u64::from(w)).max(1) as u32;
    // Triangle (bilinear) averages enough for a 2–6× reduction and costs little.
    image::imageops::resize(rgb, width, height, FilterType::Triangle)
}
