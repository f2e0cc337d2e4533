//! Shared helpers: the engine as the set-up script leaves it, and the labelled pictures.
//!
//! Models are found through `PROCTOR_MODEL_DIR` (default `<repo>/models`) and the runtime
//! through `ORT_DYLIB_PATH` (default `/usr/local/lib/onnxruntime/libonnxruntime.so.1.31.1`),
//! both filled by `deploy/setup.d/40-face-models.sh`.
#![allow(dead_code)]

use std::io::Cursor;
use std::path::PathBuf;

use face_verify::{FaceEngine, FaceSettings, RgbImage};

pub fn faces_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/data/faces")
}

pub fn celebrity(file: &str) -> Vec<u8> {
    let path = faces_dir().join("celebrity-pairs").join(file);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

pub fn settings() -> FaceSettings {
    let mut settings = FaceSettings::from_env();
    settings.workers = 2;
    settings
}

pub fn engine() -> FaceEngine {
    FaceEngine::load(&settings()).unwrap_or_else(|e| panic!("{e}"))
}

pub fn png(image: &RgbImage) -> Vec<u8> {
    let mut out = Vec::new();
    image
        .write_to(&mut Cursor::new(&mut out), image::ImageFormat::Png)
        .expect("encode png");
    out
}

pub fn jpeg(image: &RgbImage) -> Vec<u8> {
    let mut out = Vec::new();
    image
        .write_to(&mut Cursor::new(&mut out), image::ImageFormat::Jpeg)
        .expect("encode jpeg");
    out
}

/// Fits `src` inside a black `w` x `h` frame, as a webcam frame of a person would be.
pub fn letterbox(src: &RgbImage, w: u32, h: u32) -> RgbImage {
    let scale = (w as f32 / src.width() as f32).min(h as f32 / src.height() as f32);
    let (sw, sh) = (
        (src.width() as f32 * scale) as u32,
        (src.height() as f32 * scale) as u32,
    );
    let resized = image::imageops::resize(
        src,
        sw.max(1),
        sh.max(1),
        image::imageops::FilterType::Triangle,
    );
    let mut frame = RgbImage::from_pixel(w, h, image::Rgb([0, 0, 0]));
    image::imageops::overlay(
        &mut frame,
        &resized,
        i64::from((w - sw) / 2),
        i64::from((h - sh) / 2),
    );
    frame
}
