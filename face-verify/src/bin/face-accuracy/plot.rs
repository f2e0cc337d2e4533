//! A dependency-free ROC plot: false-accept rate on a log axis (1e-4..1) against the
//! true-accept rate (1 - FRR), one coloured polyline per data set, a ring at the chosen point.

use image::{Rgb, RgbImage};

use crate::roc::Point;

const W: u32 = 640;
const H: u32 = 480;
const LEFT: f64 = 50.0;
const RIGHT: f64 = 20.0;
const TOP: f64 = 20.0;
const BOTTOM: f64 = 40.0;
const MIN_LOG_FAR: f64 = -4.0;

pub struct Series<'a> {
    pub points: &'a [Point],
    pub colour: [u8; 3],
    pub chosen: Option<Point>,
}

fn to_px(far: f64, tar: f64) -> (f64, f64) {
    let lx = far.max(10f64.powf(MIN_LOG_FAR)).log10();
    let x = LEFT + (lx - MIN_LOG_FAR) / -MIN_LOG_FAR * (W as f64 - LEFT - RIGHT);
    let y = TOP + (1.0 - tar) * (H as f64 - TOP - BOTTOM);
    (x, y)
}

fn put(img: &mut RgbImage, x: f64, y: f64, colour: [u8; 3]) {
    if x >= 0.0 && y >= 0.0 && (x as u32) < W && (y as u32) < H {
        img.put_pixel(x as u32, y as u32, Rgb(colour));
    }
}

fn line(
    img: &mut RgbImage,
    (x0, y0): (f64, f64),
    (x1, y1): (f64, f64),
    colour: [u8; 3],
    thick: bool,
) {
    let steps = ((x1 - x0).abs().max((y1 - y0).abs()) as usize).max(1);
    for s in 0..=steps {
        let t = s as f64 / steps as f64;
        let (x, y) = (x0 + (x1 - x0) * t, y0 + (y1 - y0) * t);
        put(img, x, y, colour);
        if thick {
            put(img, x + 1.0, y, colour);
            put(img, x, y + 1.0, colour);
        }
    }
}

/// 3x5 glyphs (rows top to bottom, 3 bits each) for the few characters the axes need.
fn glyph(c: char) -> [u8; 5] {
    match c {
        '0' => [7, 5, 5, 5, 7],
        '1' => [2, 6, 2, 2, 7],
        '2' => [7, 1, 7, 4, 7],
        '3' => [7, 1, 7, 1, 7],
        '4' => [5, 5, 7, 1, 1],
        '5' => [7, 4, 7, 1, 7],
        '6' => [7, 4, 7, 5, 7],
        '7' => [7, 1, 1, 1, 1],
        '8' => [7, 5, 7, 5, 7],
        '9' => [7, 5, 7, 1, 7],
        '.' => [0, 0, 0, 0, 2],
        '-' => [0, 0, 7, 0, 0],
        'e' => [0, 7, 7, 4, 7],
        'F' => [7, 4, 6, 4, 4],
        'A' => [2, 5, 7, 5, 5],
        'R' => [6, 5, 6, 5, 5],
        'T' => [7, 2, 2, 2, 2],
        _ => [0; 5],
    }
}

/// Writes `text` with its top-left corner at (x, y), each glyph pixel drawn 2x2.
fn text(img: &mut RgbImage, x: f64, y: f64, text: &str) {
    for (i, c) in text.chars().enumerate() {
        for (row, bits) in glyph(c).iter().enumerate() {
            for col in 0..3 {
                if bits & (4 >> col) != 0 {
                    let (px, py) = (x + (i * 8 + col * 2) as f64, y + (row * 2) as f64);
                    for (dx, dy) in [(0.0, 0.0), (1.0, 0.0), (0.0, 1.0), (1.0, 1.0)] {
                        put(img, px + dx, py + dy, [0, 0, 0]);
                    }
                }
            }
        }
    }
}

pub fn draw(series: &[Series]) -> RgbImage {
    let mut img = RgbImage::from_pixel(W, H, Rgb([255, 255, 255]));
    let grid = [220, 220, 220];
    for decade in 0..=4 {
        let far = 10f64.powi(-decade);
        line(&mut img, to_px(far, 0.0), to_px(far, 1.0), grid, false);
    }
    for tenth in 0..=10 {
        let tar = f64::from(tenth) / 10.0;
        line(&mut img, to_px(1e-4, tar), to_px(1.0, tar), grid, false);
    }
    line(
        &mut img,
        to_px(1e-4, 0.0),
        to_px(1.0, 0.0),
        [0, 0, 0],
        false,
    );
    line(
        &mut img,
        to_px(1e-4, 0.0),
        to_px(1e-4, 1.0),
        [0, 0, 0],
        false,
    );
    let ticks = [
        (1e-4, "1e-4"),
        (1e-3, "1e-3"),
        (1e-2, "0.01"),
        (1e-1, "0.1"),
        (1.0, "1"),
    ];
    for (far, label) in ticks {
        let (x, y) = to_px(far, 0.0);
        text(&mut img, x - 4.0 * label.len() as f64, y + 6.0, label);
    }
    for (tar, label) in [(0.0, "0"), (0.5, "0.5"), (1.0, "1")] {
        let (x, y) = to_px(1e-4, tar);
        text(&mut img, x - 8.0 * label.len() as f64 - 6.0, y - 5.0, label);
    }
    text(
        &mut img,
        f64::from(W) / 2.0 - 12.0,
        f64::from(H) - 16.0,
        "FAR",
    );
    text(&mut img, 4.0, TOP + 40.0, "TAR");
    for s in series {
        let mut previous: Option<(f64, f64)> = None;
        for p in s.points {
            let here = to_px(p.far, 1.0 - p.frr);
            if let Some(prev) = previous {
                line(&mut img, prev, here, s.colour, true);
            }
            previous = Some(here);
        }
        if let Some(c) = s.chosen {
            let (cx, cy) = to_px(c.far, 1.0 - c.frr);
            for a in 0..64 {
                let t = f64::from(a) / 64.0 * std::f64::consts::TAU;
                put(&mut img, cx + 6.0 * t.cos(), cy + 6.0 * t.sin(), s.colour);
            }
        }
    }
    img
}
