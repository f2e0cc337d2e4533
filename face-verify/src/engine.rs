//! `FaceEngine`: the public entry point tying decode, detection, gates and matching together.

use std::time::{Duration, Instant};

use image::RgbImage;

use crate::align::align;
use crate::decode::decode_image;
use crate::detect::{DetectedFace, detect};
use crate::embed::{Embedding, describe};
use crate::error::{FaceError, Result};
use crate::liveness::{LivenessSignal, antispoof, estimate};
use crate::quality::{Quality, QualityIssue, gate, measure};
use crate::runtime::Pool;
use crate::settings::FaceSettings;

/// Loaded models plus settings. `Send + Sync`: share it in an `Arc` and call it from
/// `tokio::task::spawn_blocking`; calls run in parallel up to `settings.workers`.
pub struct FaceEngine {
    pool: Pool,
    settings: FaceSettings,
}

/// The result of enrolling a reference photo.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Enrollment {
    pub embedding: Embedding,
    pub quality: Quality,
    pub liveness: LivenessSignal,
}

/// The result of one verification against an enrolled embedding.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Verdict {
    /// True only when exactly one usable face was found and it is within the threshold.
    pub matched: bool,
    /// Distance to the enrolled embedding, when a face could be compared.
    pub distance: Option<f32>,
    pub threshold: f32,
    /// Why no comparison was made (no face, several faces, a failed quality gate).
    pub reason: Option<QualityIssue>,
    pub faces: usize,
    pub quality: Option<Quality>,
    /// EXPERIMENTAL, recorded only; see `liveness`.
    pub liveness: Option<LivenessSignal>,
}

/// Time split of one analysis (for the benchmark command and logs).
#[derive(Debug, Clone, Copy, Default, serde::Serialize)]
pub struct Timings {
    pub detect_onnx: Duration,
    pub embed_onnx: Duration,
    /// The experimental antispoof model (crop included; zero without the model).
    pub liveness_onnx: Duration,
    pub total: Duration,
}

impl Timings {
    pub fn onnx(&self) -> Duration {
        self.detect_onnx + self.embed_onnx + self.liveness_onnx
    }

    /// Everything outside ONNX Runtime: resampling, NMS, alignment, quality measures.
    pub fn pre_post(&self) -> Duration {
        self.total.saturating_sub(self.onnx())
    }
}

/// What one picture holds: every detected face, and for the largest one its embedding and
/// measurements. `issue` is the gate it fails, if any; the embedding is still computed so that
/// evaluation and manual review can use it.
#[derive(Debug, Clone)]
pub struct Analysis {
    pub faces: Vec<DetectedFace>,
    pub embedding: Option<Embedding>,
    pub quality: Option<Quality>,
    pub liveness: Option<LivenessSignal>,
    pub issue: Option<QualityIssue>,
    pub timings: Timings,
}

impl FaceEngine {
    /// Loads ONNX Runtime and the models; fails with [`FaceError::NotFound`] naming the set-up
    /// command when something is missing.
    pub fn load(settings: &FaceSettings) -> Result<Self> {
        Ok(Self {
            pool: Pool::load(settings)?,
            settings: settings.clone(),
        })
    }

    pub fn settings(&self) -> &FaceSettings {
        &self.settings
    }

    /// Decodes an upload within the configured limits.
    pub fn decode(&self, bytes: &[u8]) -> Result<RgbImage> {
        decode_image(bytes, &self.settings)
    }

    /// Detects, gates and describes the largest face.
    pub fn analyse(&self, image: &RgbImage) -> Result<Analysis> {
        let started = Instant::now();
        let mut models = self.pool.checkout();
        let (faces, detect_onnx) = detect(
            &mut models,
            image,
            self.settings.detect_min_face,
            self.settings.detect_max_side,
        )?;
        let mut timings = Timings {
            detect_onnx,
            ..Timings::default()
        };
        let Some(main) = faces.first().copied() else {
            timings.total = started.elapsed();
            return Ok(Analysis {
                faces,
                embedding: None,
                quality: None,
                liveness: None,
                issue: Some(QualityIssue::NoFace),
                timings,
            });
        };
        let chip = align(image, &main.landmarks);
        let embed_started = Instant::now();
        let embedding = describe(&mut models, &chip)?;
        timings.embed_onnx = embed_started.elapsed();
        let liveness_started = Instant::now();
        let model_liveness = antispoof(&mut models, image, &main)?;
        timings.liveness_onnx = liveness_started.elapsed();
        drop(models);
        let quality = measure(&main, &chip);
        let liveness = model_liveness.unwrap_or_else(|| estimate(&chip, &quality));
        let others = faces[1..]
            .iter()
            .filter(|f| self.counts_as_extra_face(f))
            .count();
        let issue = if others > 0 {
            Some(QualityIssue::MultipleFaces { count: others + 1 })
        } else {
            gate(&quality, &self.settings)
        };
        timings.total = started.elapsed();
        Ok(Analysis {
            faces,
            embedding: Some(embedding),
            quality: Some(quality),
            liveness: Some(liveness),
            issue,
            timings,
        })
    }

    /// A second face counts when the detector is sure of it and it is big enough to be a
    /// person in the room rather than a face on a poster far behind.
    fn counts_as_extra_face(&self, face: &DetectedFace) -> bool {
        face.score >= self.settings.extra_face_min_score
            && face.width().max(face.height()) >= self.settings.min_face_px * 0.5
    }

    /// Enrols a reference photo; any failed gate is an error ([`FaceError::Rejected`]).
    pub fn enroll(&self, bytes: &[u8]) -> Result<Enrollment> {
        self.enroll_image(&self.decode(bytes)?)
    }

    pub fn enroll_image(&self, image: &RgbImage) -> Result<Enrollment> {
        let analysis = self.analyse(image)?;
        if let Some(issue) = analysis.issue {
            return Err(FaceError::Rejected(issue));
        }
        match (analysis.embedding, analysis.quality, analysis.liveness) {
            (Some(embedding), Some(quality), Some(liveness)) => Ok(Enrollment {
                embedding,
                quality,
                liveness,
            }),
            _ => Err(FaceError::Rejected(QualityIssue::NoFace)),
        }
    }

    /// Verifies an uploaded picture against an enrolled embedding.
    pub fn verify(&self, enrolled: &Embedding, bytes: &[u8]) -> Result<Verdict> {
        self.verify_image(enrolled, &self.decode(bytes)?)
    }

    pub fn verify_image(&self, enrolled: &Embedding, image: &RgbImage) -> Result<Verdict> {
        let analysis = self.analyse(image)?;
        let threshold = self.settings.match_threshold;
        let distance = match (&analysis.issue, &analysis.embedding) {
            (None, Some(embedding)) => Some(embedding.distance(enrolled)),
            _ => None,
        };
        Ok(Verdict {
            matched: distance.is_some_and(|d| d <= threshold),
            distance,
            threshold,
            reason: analysis.issue,
            faces: analysis.faces.len(),
            quality: analysis.quality,
            liveness: analysis.liveness,
        })
    }
}
