//! EXPERIMENTAL liveness signal. Recorded beside each check, never used to reject.
//!
//! No anti-spoofing model is available without a TensorFlow conversion step (Human's
//! antispoof model ships only as a TFJS graph), so this is a documented heuristic over the
//! aligned face: a photo of a screen or a print tends to lose fine texture and colour
//! variation relative to a live face under the same camera. The score has NOT been measured
//! against spoof attempts; treat it as a number to log and calibrate later.

use crate::align::{CHIP_SIZE, Chip};
use crate::quality::Quality;

#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct LivenessSignal {
    /// Name of the method, so stored values can be told apart when a model replaces it.
    pub method: &'static str,
    /// 0..1, higher looks more like a live face. Unvalidated.
    pub score: f32,
    /// Always true until the signal has been measured on spoof attempts.
    pub experimental: bool,
}

pub fn estimate(chip: &Chip, quality: &Quality) -> LivenessSignal {
    // Spread of chroma over the face centre: prints and screens flatten it.
    let (mut sum, mut sq, mut n) = (0.0f64, 0.0f64, 0usize);
    for y in 30..CHIP_SIZE - 30 {
        for x in 30..CHIP_SIZE - 30 {
            let i = (y * CHIP_SIZE + x) * 3;
            let (r, g, b) = (chip.rgb[i], chip.rgb[i + 1], chip.rgb[i + 2]);
            let chroma = f64::from(r.max(g).max(b) - r.min(g).min(b));
            sum += chroma;
            sq += chroma * chroma;
            n += 1;
        }
    }
    let mean = sum / n as f64;
    let spread = ((sq / n as f64 - mean * mean).max(0.0)).sqrt() as f32;
    let texture = (quality.sharpness / 200.0).min(1.0);
    let colour = (spread / 20.0).min(1.0);
    LivenessSignal {
        method: "chip-texture-colour-v0",
        score: 0.5 * texture + 0.5 * colour,
        experimental: true,
    }
}
