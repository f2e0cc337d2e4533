//! EXPERIMENTAL liveness signal. Recorded beside each check, never used to reject.
//!
//! With `antispoof.onnx` present (set-up rebuilds it from Human's antispoof model) the signal
//! is that model's "real face" probability on a 128x128 crop of the face box enlarged 1.4x,
//! the crop Human feeds it. Without the file it is a heuristic over the aligned face (a photo
//! of a screen or a print tends to lose fine texture and colour variation). Neither has been
//! measured here against spoof attempts: log the number, calibrate before using it.

use image::RgbImage;

use crate::align::{CHIP_SIZE, Chip};
use crate::detect::DetectedFace;
use crate::error::Result;
use crate::quality::Quality;
use crate::runtime::{Models, run};
use crate::sample::resample_rect;

const ANTISPOOF_SIZE: usize = 128;
const ANTISPOOF_ENLARGE: f32 = 1.4;

/// Runs the antispoof model when it is loaded; `None` means "use the heuristic".
pub(crate) fn antispoof(
    models: &mut Models,
    img: &RgbImage,
    face: &DetectedFace,
) -> Result<Option<LivenessSignal>> {
    let Some(session) = models.antispoof.as_mut() else {
        return Ok(None);
    };
    let side = face.width().max(face.height()) * ANTISPOOF_ENLARGE;
    let cx = (face.bbox[0] + face.bbox[2]) / 2.0;
    let cy = (face.bbox[1] + face.bbox[3]) / 2.0;
    let rect = (cx - side / 2.0, cy - side / 2.0, side, side);
    let mut data = vec![0.0f32; ANTISPOOF_SIZE * ANTISPOOF_SIZE * 3];
    resample_rect(
        img,
        rect,
        ANTISPOOF_SIZE,
        ANTISPOOF_SIZE,
        4,
        true,
        |x, y, p| {
            let i = (y * ANTISPOOF_SIZE + x) * 3;
            data[i] = p[0] / 255.0;
            data[i + 1] = p[1] / 255.0;
            data[i + 2] = p[2] / 255.0;
        },
    );
    let out = run(
        session,
        "antispoof",
        "image",
        [1, ANTISPOOF_SIZE, ANTISPOOF_SIZE, 3],
        data,
        &["real"],
    )?;
    let score = out
        .first()
        .and_then(|o| o.data.first().copied())
        .unwrap_or(0.0);
    Ok(Some(LivenessSignal {
        method: "human-antispoof-3.3.6",
        score,
        experimental: true,
    }))
}

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
