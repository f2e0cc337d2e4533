//! Pixel sampling shared by the detector's crops and the aligner's warp.
//!
//! Coordinates are continuous with pixel `i` covering `[i, i+1)`. Downscaling averages a small
//! grid of bilinear samples per output pixel, close enough to area interpolation for crops and
//! the aligned face; the detector's pyramid uses the image crate's separable filter instead.

use image::RgbImage;

/// Bilinear sample at continuous position `(u, v)` (pixel centres at `i + 0.5`).
/// Outside the image the value is black when `zero_outside`, else the nearest edge pixel.
#[inline]
pub fn bilinear(img: &RgbImage, u: f32, v: f32, zero_outside: bool) -> [f32; 3] {
    let (w, h) = (img.width() as i64, img.height() as i64);
    let x = u - 0.5;
    let y = v - 0.5;
    let x0 = x.floor();
    let y0 = y.floor();
    let fx = x - x0;
    let fy = y - y0;
    let (x0, y0) = (x0 as i64, y0 as i64);
    let raw = img.as_raw();
    let fetch = |xi: i64, yi: i64| -> [f32; 3] {
        let inside = xi >= 0 && yi >= 0 && xi < w && yi < h;
        if !inside && zero_outside {
            return [0.0; 3];
        }
        let xi = xi.clamp(0, w - 1) as usize;
        let yi = yi.clamp(0, h - 1) as usize;
        let i = (yi * w as usize + xi) * 3;
        [
            f32::from(raw[i]),
            f32::from(raw[i + 1]),
            f32::from(raw[i + 2]),
        ]
    };
    let a = fetch(x0, y0);
    let b = fetch(x0 + 1, y0);
    let c = fetch(x0, y0 + 1);
    let d = fetch(x0 + 1, y0 + 1);
    let mut out = [0.0; 3];
    for k in 0..3 {
        let top = a[k] + (b[k] - a[k]) * fx;
        let bottom = c[k] + (d[k] - c[k]) * fx;
        out[k] = top + (bottom - top) * fy;
    }
    out
}

/// Resamples the source rectangle `(x0, y0, w, h)` to `out_w x out_h`, calling
/// `put(ox, oy, rgb)` for each output pixel; at most `max_taps`² samples per output pixel.
#[allow(clippy::too_many_arguments)]
pub fn resample_rect(
    img: &RgbImage,
    (x0, y0, w, h): (f32, f32, f32, f32),
    out_w: usize,
    out_h: usize,
    max_taps: usize,
    zero_outside: bool,
    mut put: impl FnMut(usize, usize, [f32; 3]),
) {
    let sx = w / out_w as f32;
    let sy = h / out_h as f32;
    let kx = (sx.ceil() as usize).clamp(1, max_taps.max(1));
    let ky = (sy.ceil() as usize).clamp(1, max_taps.max(1));
    let norm = 1.0 / (kx * ky) as f32;
    for oy in 0..out_h {
        for ox in 0..out_w {
            let mut acc = [0.0f32; 3];
            for j in 0..ky {
                let v = y0 + (oy as f32 + (j as f32 + 0.5) / ky as f32) * sy;
                for i in 0..kx {
                    let u = x0 + (ox as f32 + (i as f32 + 0.5) / kx as f32) * sx;
                    let p = bilinear(img, u, v, zero_outside);
                    acc[0] += p[0];
                    acc[1] += p[1];
                    acc[2] += p[2];
                }
            }
            put(ox, oy, [acc[0] * norm, acc[1] * norm, acc[2] * norm]);
        }
    }
}
