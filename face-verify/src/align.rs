//! Similarity-transform alignment of a face onto the descriptor's 150x150 template.
//!
//! The template places MTCNN's five points where dlib's face-chip extraction (which the
//! descriptor was trained on: 150 px, padding 0.25) puts the matching points of its mean face:
//! the eye centres, the nose tip and the mouth corners.

use image::RgbImage;

use crate::sample::bilinear;

pub const CHIP_SIZE: usize = 150;

const TEMPLATE: [[f32; 2]; 5] = [
    [47.54, 46.60],
    [100.48, 46.60],
    [74.01, 76.56],
    [50.41, 103.02],
    [97.61, 103.02],
];

/// The aligned face: `CHIP_SIZE`² RGB values in 0..255, row-major, channel-last.
pub struct Chip {
    pub rgb: Vec<f32>,
}

impl Chip {
    /// Luma of pixel (x, y).
    pub fn grey(&self, x: usize, y: usize) -> f32 {
        let i = (y * CHIP_SIZE + x) * 3;
        0.299 * self.rgb[i] + 0.587 * self.rgb[i + 1] + 0.114 * self.rgb[i + 2]
    }
}

/// Least-squares similarity (rotation, uniform scale, translation) mapping `src` onto `dst`:
/// returns `(a, b, tx, ty)` for `x' = a x - b y + tx`, `y' = b x + a y + ty`.
pub fn similarity(src: &[[f32; 2]; 5], dst: &[[f32; 2]; 5]) -> (f32, f32, f32, f32) {
    let mean = |p: &[[f32; 2]; 5]| {
        let (sx, sy) = p.iter().fold((0.0, 0.0), |(x, y), q| (x + q[0], y + q[1]));
        (sx / 5.0, sy / 5.0)
    };
    let (smx, smy) = mean(src);
    let (dmx, dmy) = mean(dst);
    let (mut dot, mut cross, mut norm) = (0.0f32, 0.0f32, 0.0f32);
    for (s, d) in src.iter().zip(dst) {
        let (sx, sy) = (s[0] - smx, s[1] - smy);
        let (dx, dy) = (d[0] - dmx, d[1] - dmy);
        dot += sx * dx + sy * dy;
        cross += sx * dy - sy * dx;
        norm += sx * sx + sy * sy;
    }
    let norm = norm.max(f32::EPSILON);
    let (a, b) = (dot / norm, cross / norm);
    (a, b, dmx - (a * smx - b * smy), dmy - (b * smx + a * smy))
}

/// Warps the face given by its five landmarks into a template-aligned chip.
pub fn align(img: &RgbImage, landmarks: &[[f32; 2]; 5]) -> Chip {
    let (a, b, tx, ty) = similarity(landmarks, &TEMPLATE);
    let det = (a * a + b * b).max(f32::EPSILON);
    // Inverse of the similarity: chip -> image.
    let (ia, ib) = (a / det, -b / det);
    let to_image = |u: f32, v: f32| {
        let (x, y) = (u - tx, v - ty);
        (ia * x - ib * y, ib * x + ia * y)
    };
    // Source pixels per chip pixel; average a k x k grid when shrinking to avoid aliasing.
    let scale = 1.0 / det.sqrt();
    let k = scale.ceil().clamp(1.0, 4.0) as usize;
    let norm = 1.0 / (k * k) as f32;
    let mut rgb = vec![0.0f32; CHIP_SIZE * CHIP_SIZE * 3];
    for oy in 0..CHIP_SIZE {
        for ox in 0..CHIP_SIZE {
            let mut acc = [0.0f32; 3];
            for j in 0..k {
                for i in 0..k {
                    let u = ox as f32 + (i as f32 + 0.5) / k as f32;
                    let v = oy as f32 + (j as f32 + 0.5) / k as f32;
                    let (x, y) = to_image(u, v);
                    let p = bilinear(img, x, y, false);
                    acc[0] += p[0];
                    acc[1] += p[1];
                    acc[2] += p[2];
                }
            }
            let o = (oy * CHIP_SIZE + ox) * 3;
            rgb[o] = acc[0] * norm;
            rgb[o + 1] = acc[1] * norm;
            rgb[o + 2] = acc[2] * norm;
        }
    }
    Chip { rgb }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn similarity_recovers_a_known_rotation_and_scale() {
        let (a, b, tx, ty) = (0.8f32, 0.3f32, 5.0f32, -7.0f32);
        let src = [
            [10.0, 20.0],
            [40.0, 22.0],
            [25.0, 35.0],
            [12.0, 50.0],
            [38.0, 51.0],
        ];
        let dst = src.map(|p| [a * p[0] - b * p[1] + tx, b * p[0] + a * p[1] + ty]);
        let got = similarity(&src, &dst);
        assert!((got.0 - a).abs() < 1e-4 && (got.1 - b).abs() < 1e-4);
        assert!((got.2 - tx).abs() < 1e-3 && (got.3 - ty).abs() < 1e-3);
    }
}
