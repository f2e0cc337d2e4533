//! MTCNN face detection (P-net proposals, R-net refinement, O-net boxes and 5 landmarks).
//!
//! A port of the reference pipeline that ships with the ONNX files (ipazc/mtcnn lineage),
//! including its conventions: the networks see images transposed (tensor `[n, x, y, c]`),
//! boxes use inclusive pixel bounds with a one-pixel offset inherited from MATLAB, and pixel
//! values are scaled to about -1..1.

use std::time::{Duration, Instant};

use image::RgbImage;

use crate::error::Result;
use crate::runtime::{Models, run};
use crate::sample::resample_rect;

const PNET_THRESHOLD: f32 = 0.6;
const RNET_THRESHOLD: f32 = 0.7;
const ONET_THRESHOLD: f32 = 0.7;
const SCALE_FACTOR: f32 = 0.709;
/// Bounds on the candidates carried between stages, so a busy scene cannot blow up run time.
const MAX_PNET_CANDIDATES: usize = 400;
const MAX_RNET_CANDIDATES: usize = 60;

/// A detected face in image pixels.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct DetectedFace {
    /// Left, top, right, bottom.
    pub bbox: [f32; 4],
    pub score: f32,
    /// Left eye, right eye (as seen in the image), nose, left and right mouth corner.
    pub landmarks: [[f32; 2]; 5],
}

impl DetectedFace {
    pub fn width(&self) -> f32 {
        self.bbox[2] - self.bbox[0]
    }

    pub fn height(&self) -> f32 {
        self.bbox[3] - self.bbox[1]
    }
}

#[derive(Debug, Clone, Copy)]
struct Candidate {
    b: [f32; 4],
    score: f32,
    reg: [f32; 4],
}

fn normalise(v: f32) -> f32 {
    (v - 127.5) * 0.0078125
}

/// One level of the image pyramid: the picture resampled by `scale`.
struct Level {
    scale: f32,
    img: RgbImage,
}

/// Builds the pyramid the P-net scans, each level from the previous one so that only the
/// first level pays for a large reduction.
fn pyramid(img: &RgbImage, first_scale: f32) -> Vec<Level> {
    let (w, h) = (img.width() as f32, img.height() as f32);
    let mut levels: Vec<Level> = Vec::new();
    let mut scale = first_scale;
    while w.min(h) * scale >= 12.0 {
        let (ws, hs) = ((w * scale).ceil() as u32, (h * scale).ceil() as u32);
        let from = levels.last().map_or(img, |l| &l.img);
        // Triangle filtering widens with the reduction, so it averages like an area filter.
        let out = image::imageops::resize(from, ws, hs, image::imageops::FilterType::Triangle);
        levels.push(Level { scale, img: out });
        scale *= SCALE_FACTOR;
    }
    levels
}

/// Detects faces; returns them largest first, plus the time spent inside ONNX Runtime.
pub(crate) fn detect(
    models: &mut Models,
    img: &RgbImage,
    min_face: u32,
    max_side: u32,
) -> Result<(Vec<DetectedFace>, Duration)> {
    let mut onnx = Duration::ZERO;
    let (w, h) = (img.width() as f32, img.height() as f32);
    let shrink = (max_side as f32 / w.max(h)).min(1.0);
    let levels = pyramid(img, 12.0 / min_face.max(12) as f32 * shrink);
    let mut candidates = Vec::new();
    for level in &levels {
        let found = pnet_level(models, level, &mut onnx)?;
        let keep = nms(&found, 0.5, false);
        candidates.extend(keep.into_iter().map(|i| found[i]));
    }
    let mut boxes = stage1_boxes(candidates);
    if boxes.is_empty() {
        return Ok((Vec::new(), onnx));
    }
    boxes = rnet(models, img, &levels, boxes, &mut onnx)?;

    if boxes.is_empty() {
        return Ok((Vec::new(), onnx));
    }
    let mut faces = onet(models, img, &levels, boxes, &mut onnx)?;
    for face in &mut faces {
        face.bbox[0] = face.bbox[0].max(0.0);
        face.bbox[1] = face.bbox[1].max(0.0);
    }
    faces.sort_by(|a, b| (b.width() * b.height()).total_cmp(&(a.width() * a.height())));
    Ok((faces, onnx))
}

fn pnet_level(models: &mut Models, level: &Level, onnx: &mut Duration) -> Result<Vec<Candidate>> {
    let scale = level.scale;
    let (ws, hs) = (level.img.width() as usize, level.img.height() as usize);
    let raw = level.img.as_raw();
    let mut data = vec![0.0f32; ws * hs * 3];
    for y in 0..hs {
        for x in 0..ws {
            let src = (y * ws + x) * 3;
            let dst = (x * hs + y) * 3;
            data[dst] = normalise(f32::from(raw[src]));
            data[dst + 1] = normalise(f32::from(raw[src + 1]));
            data[dst + 2] = normalise(f32::from(raw[src + 2]));
        }
    }
    let started = Instant::now();
    let out = run(
        &mut models.pnet,
        "mtcnn pnet",
        "input_1",
        [1, ws, hs, 3],
        data,
        &["conv2d_4", "softmax"],
    )?;
    *onnx += started.elapsed();
    let (reg, prob) = (&out[0], &out[1]);
    let (ow, oh) = (prob.shape[1] as usize, prob.shape[2] as usize);
    let mut found = Vec::new();
    for i in 0..ow {
        for j in 0..oh {
            let idx = i * oh + j;
            let score = prob.data[idx * 2 + 1];
            if score < PNET_THRESHOLD {
                continue;
            }
            let (fi, fj) = (i as f32, j as f32);
            found.push(Candidate {
                b: [
                    ((2.0 * fi + 1.0) / scale).trunc(),
                    ((2.0 * fj + 1.0) / scale).trunc(),
                    ((2.0 * fi + 12.0) / scale).trunc(),
                    ((2.0 * fj + 12.0) / scale).trunc(),
                ],
                score,
                reg: [
                    reg.data[idx * 4],
                    reg.data[idx * 4 + 1],
                    reg.data[idx * 4 + 2],
                    reg.data[idx * 4 + 3],
                ],
            });
        }
    }
    Ok(found)
}

fn stage1_boxes(candidates: Vec<Candidate>) -> Vec<Candidate> {
    let keep = nms(&candidates, 0.7, false);
    let mut boxes: Vec<Candidate> = keep
        .into_iter()
        .map(|i| {
            let c = candidates[i];
            let rw = c.b[2] - c.b[0];
            let rh = c.b[3] - c.b[1];
            let b = [
                c.b[0] + c.reg[0] * rw,
                c.b[1] + c.reg[1] * rh,
                c.b[2] + c.reg[2] * rw,
                c.b[3] + c.reg[3] * rh,
            ];
            let mut b = square(b);
            b.iter_mut().for_each(|v| *v = v.trunc());
            Candidate {
                b,
                score: c.score,
                reg: [0.0; 4],
            }
        })
        .collect();
    boxes.truncate(MAX_PNET_CANDIDATES);
    boxes
}

/// Crops each box (inclusive bounds, one-pixel offset) to `size` x `size`, transposed layout.
/// Each crop is read from the smallest pyramid level that still has at least `size` pixels
/// across the box, which keeps the resampling cheap and free of aliasing.
fn crops(img: &RgbImage, levels: &[Level], boxes: &[Candidate], size: usize) -> Vec<f32> {
    let mut data = vec![0.0f32; boxes.len() * size * size * 3];
    let (w, h) = (img.width() as f32, img.height() as f32);
    for (k, c) in boxes.iter().enumerate() {
        let side = (c.b[2] - c.b[0] + 1.0).max(1.0);
        let needed = size as f32 / side;
        let source = levels
            .iter()
            .rev()
            .find(|l| l.scale >= needed)
            .map_or(img, |l| &l.img);
        let (sx, sy) = (source.width() as f32 / w, source.height() as f32 / h);
        let rect = (
            (c.b[0] - 1.0) * sx,
            (c.b[1] - 1.0) * sy,
            (c.b[2] - c.b[0] + 1.0) * sx,
            (c.b[3] - c.b[1] + 1.0) * sy,
        );
        let base = k * size * size * 3;
        resample_rect(source, rect, size, size, 1, true, |x, y, p| {
            let i = base + (x * size + y) * 3;
            data[i] = normalise(p[0]);
            data[i + 1] = normalise(p[1]);
            data[i + 2] = normalise(p[2]);
        });
    }
    data
}

fn rnet(
    models: &mut Models,
    img: &RgbImage,
    levels: &[Level],
    boxes: Vec<Candidate>,
    onnx: &mut Duration,
) -> Result<Vec<Candidate>> {
    let data = crops(img, levels, &boxes, 24);
    let started = Instant::now();
    let out = run(
        &mut models.rnet,
        "mtcnn rnet",
        "input_2",
        [boxes.len(), 24, 24, 3],
        data,
        &["dense_2", "softmax_1"],
    )?;
    *onnx += started.elapsed();
    let (reg, prob) = (&out[0], &out[1]);
    let passed: Vec<Candidate> = boxes
        .iter()
        .enumerate()
        .filter(|(k, _)| prob.data[k * 2 + 1] > RNET_THRESHOLD)
        .map(|(k, c)| Candidate {
            b: c.b,
            score: prob.data[k * 2 + 1],
            reg: [
                reg.data[k * 4],
                reg.data[k * 4 + 1],
                reg.data[k * 4 + 2],
                reg.data[k * 4 + 3],
            ],
        })
        .collect();
    let mut kept: Vec<Candidate> = nms(&passed, 0.7, false)
        .into_iter()
        .map(|i| {
            let c = passed[i];
            Candidate {
                b: square(regress(c.b, c.reg)),
                score: c.score,
                reg: [0.0; 4],
            }
        })
        .collect();
    kept.truncate(MAX_RNET_CANDIDATES);
    Ok(kept)
}

fn onet(
    models: &mut Models,
    img: &RgbImage,
    levels: &[Level],
    boxes: Vec<Candidate>,
    onnx: &mut Duration,
) -> Result<Vec<DetectedFace>> {
    let boxes: Vec<Candidate> = boxes
        .into_iter()
        .map(|mut c| {
            c.b.iter_mut().for_each(|v| *v = v.trunc());
            c
        })
        .collect();
    let data = crops(img, levels, &boxes, 48);
    let started = Instant::now();
    let out = run(
        &mut models.onet,
        "mtcnn onet",
        "input_3",
        [boxes.len(), 48, 48, 3],
        data,
        &["dense_5", "dense_6", "softmax_2"],
    )?;
    *onnx += started.elapsed();
    let (reg, marks, prob) = (&out[0], &out[1], &out[2]);
    let mut passed = Vec::new();
    let mut points = Vec::new();
    for (k, c) in boxes.iter().enumerate() {
        let score = prob.data[k * 2 + 1];
        if score <= ONET_THRESHOLD {
            continue;
        }
        let bw = c.b[2] - c.b[0] + 1.0;
        let bh = c.b[3] - c.b[1] + 1.0;
        let l = &marks.data[k * 10..k * 10 + 10];
        let mut landmarks = [[0.0f32; 2]; 5];
        for (p, mark) in landmarks.iter_mut().enumerate() {
            *mark = [bw * l[p] + c.b[0] - 1.0, bh * l[p + 5] + c.b[1] - 1.0];
        }
        let r = [
            reg.data[k * 4],
            reg.data[k * 4 + 1],
            reg.data[k * 4 + 2],
            reg.data[k * 4 + 3],
        ];
        passed.push(Candidate {
            b: regress(c.b, r),
            score,
            reg: [0.0; 4],
        });
        points.push(landmarks);
    }
    Ok(nms(&passed, 0.7, true)
        .into_iter()
        .map(|i| DetectedFace {
            bbox: passed[i].b,
            score: passed[i].score,
            landmarks: points[i],
        })
        .collect())
}

fn regress(b: [f32; 4], r: [f32; 4]) -> [f32; 4] {
    let w = b[2] - b[0] + 1.0;
    let h = b[3] - b[1] + 1.0;
    [
        b[0] + r[0] * w,
        b[1] + r[1] * h,
        b[2] + r[2] * w,
        b[3] + r[3] * h,
    ]
}

fn square(b: [f32; 4]) -> [f32; 4] {
    let w = b[2] - b[0];
    let h = b[3] - b[1];
    let side = w.max(h);
    let x1 = b[0] + w * 0.5 - side * 0.5;
    let y1 = b[1] + h * 0.5 - side * 0.5;
    [x1, y1, x1 + side, y1 + side]
}

/// Greedy non-maximum suppression; returns kept indices, best score first.
/// `min_overlap` divides by the smaller area instead of the union.
fn nms(boxes: &[Candidate], threshold: f32, min_overlap: bool) -> Vec<usize> {
    let mut order: Vec<usize> = (0..boxes.len()).collect();
    order.sort_by(|&a, &b| boxes[b].score.total_cmp(&boxes[a].score));
    let area = |c: &Candidate| (c.b[2] - c.b[0] + 1.0) * (c.b[3] - c.b[1] + 1.0);
    let mut keep = Vec::new();
    let mut suppressed = vec![false; boxes.len()];
    for (n, &i) in order.iter().enumerate() {
        if suppressed[i] {
            continue;
        }
        keep.push(i);
        let a = &boxes[i];
        for &j in &order[n + 1..] {
            if suppressed[j] {
                continue;
            }
            let b = &boxes[j];
            let iw = (a.b[2].min(b.b[2]) - a.b[0].max(b.b[0]) + 1.0).max(0.0);
            let ih = (a.b[3].min(b.b[3]) - a.b[1].max(b.b[1]) + 1.0).max(0.0);
            let inter = iw * ih;
            let overlap = if min_overlap {
                inter / area(a).min(area(b))
            } else {
                inter / (area(a) + area(b) - inter)
            };
            if overlap > threshold {
                suppressed[j] = true;
            }
        }
    }
    keep
}
