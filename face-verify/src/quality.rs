//! Quality gates: measurements of the chosen face and the typed reason it is refused.

use std::fmt;

use crate::align::{CHIP_SIZE, Chip};
use crate::detect::DetectedFace;
use crate::settings::FaceSettings;

/// Why a face cannot be used. Serialises as `{"issue": "no_face"}` etc.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
#[serde(tag = "issue", rename_all = "snake_case")]
#[non_exhaustive]
pub enum QualityIssue {
    NoFace,
    MultipleFaces { count: usize },
    FaceTooSmall { size_px: f32, min_px: f32 },
    TooBlurred { sharpness: f32, min: f32 },
    TooDark { brightness: f32, min: f32 },
    TooBright { brightness: f32, max: f32 },
    HeadTurned { yaw: f32, pitch: f32 },
}

impl fmt::Display for QualityIssue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NoFace => write!(f, "no face found"),
            Self::MultipleFaces { count } => {
                write!(f, "{count} faces in the picture; exactly one is needed")
            }
            Self::FaceTooSmall { size_px, min_px } => {
                write!(f, "face too small ({size_px:.0} px, need {min_px:.0})")
            }
            Self::TooBlurred { sharpness, min } => write!(
                f,
                "face too blurred (sharpness {sharpness:.1}, need {min:.1})"
            ),
            Self::TooDark { brightness, min } => write!(
                f,
                "face too dark (brightness {brightness:.0}, need {min:.0})"
            ),
            Self::TooBright { brightness, max } => write!(
                f,
                "face too bright (brightness {brightness:.0}, max {max:.0})"
            ),
            Self::HeadTurned { yaw, pitch } => {
                write!(f, "head turned too far (yaw {yaw:.2}, pitch {pitch:.2})")
            }
        }
    }
}

/// Measurements of one face; kept with every check for audit and for later calibration.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct Quality {
    pub detector_score: f32,
    /// Side of the detection box in original pixels.
    pub face_px: f32,
    /// Variance of the Laplacian over the centre of the aligned grey face.
    pub sharpness: f32,
    /// Mean luma (0..255) over the centre of the aligned face.
    pub brightness: f32,
    /// Nose offset from the eyes' midpoint along the eye line, in eye distances (0 = frontal).
    pub yaw: f32,
    /// Nose position between eye line and mouth line, minus the frontal template's (0 = level).
    pub pitch: f32,
}

/// Template ratio of (nose - eyes) to (mouth - eyes) along the face's vertical axis.
const FRONTAL_NOSE_RATIO: f32 = 0.53;
const MARGIN: usize = 20;

pub fn measure(face: &DetectedFace, chip: &Chip) -> Quality {
    let [le, re, nose, ml, mr] = face.landmarks;
    let eyes = [(le[0] + re[0]) / 2.0, (le[1] + re[1]) / 2.0];
    let mouth = [(ml[0] + mr[0]) / 2.0, (ml[1] + mr[1]) / 2.0];
    let axis = [re[0] - le[0], re[1] - le[1]];
    let eye_dist = (axis[0] * axis[0] + axis[1] * axis[1]).sqrt().max(1.0);
    let u = [axis[0] / eye_dist, axis[1] / eye_dist];
    let n = [-u[1], u[0]];
    let to_nose = [nose[0] - eyes[0], nose[1] - eyes[1]];
    let to_mouth = [mouth[0] - eyes[0], mouth[1] - eyes[1]];
    let yaw = (to_nose[0] * u[0] + to_nose[1] * u[1]) / eye_dist;
    let down = (to_mouth[0] * n[0] + to_mouth[1] * n[1]).max(1.0);
    let pitch = (to_nose[0] * n[0] + to_nose[1] * n[1]) / down - FRONTAL_NOSE_RATIO;

    let (mut sum, mut count) = (0.0f64, 0usize);
    let (mut lap_sum, mut lap_sq) = (0.0f64, 0.0f64);
    for y in MARGIN..CHIP_SIZE - MARGIN {
        for x in MARGIN..CHIP_SIZE - MARGIN {
            let c = chip.grey(x, y);
            sum += f64::from(c);
            let lap = chip.grey(x - 1, y)
                + chip.grey(x + 1, y)
                + chip.grey(x, y - 1)
                + chip.grey(x, y + 1)
                - 4.0 * c;
            lap_sum += f64::from(lap);
            lap_sq += f64::from(lap * lap);
            count += 1;
        }
    }
    let count = count as f64;
    let lap_mean = lap_sum / count;
    Quality {
        detector_score: face.score,
        face_px: face.width().max(face.height()),
        sharpness: (lap_sq / count - lap_mean * lap_mean) as f32,
        brightness: (sum / count) as f32,
        yaw,
        pitch,
    }
}

/// The first gate the face fails, if any (size, then pose, then light, then blur).
pub fn gate(q: &Quality, settings: &FaceSettings) -> Option<QualityIssue> {
    if q.face_px < settings.min_face_px {
        return Some(QualityIssue::FaceTooSmall {
            size_px: q.face_px,
            min_px: settings.min_face_px,
        });
    }
    if q.yaw.abs() > settings.max_yaw || q.pitch.abs() > settings.max_pitch {
        return Some(QualityIssue::HeadTurned {
            yaw: q.yaw,
            pitch: q.pitch,
        });
    }
    if q.brightness < settings.min_brightness {
        return Some(QualityIssue::TooDark {
            brightness: q.brightness,
            min: settings.min_brightness,
        });
    }
    if q.brightness > settings.max_brightness {
        return Some(QualityIssue::TooBright {
            brightness: q.brightness,
            max: settings.max_brightness,
        });
    }
    if q.sharpness < settings.min_sharpness {
        return Some(QualityIssue::TooBlurred {
            sharpness: q.sharpness,
            min: settings.min_sharpness,
        });
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn face(nose_x: f32) -> DetectedFace {
        DetectedFace {
            bbox: [0.0, 0.0, 100.0, 100.0],
            score: 0.99,
            landmarks: [
                [30.0, 40.0],
                [70.0, 40.0],
                [nose_x, 60.0],
                [35.0, 80.0],
                [65.0, 80.0],
            ],
        }
    }

    fn textured_chip() -> Chip {
        let rgb = (0..CHIP_SIZE * CHIP_SIZE * 3)
            .map(|i| if (i / 3) % 2 == 0 { 90.0 } else { 170.0 })
            .collect();
        Chip { rgb }
    }

    #[test]
    fn frontal_face_passes_and_turned_head_is_refused() {
        let settings = FaceSettings::default();
        let frontal = measure(&face(50.0), &textured_chip());
        assert!(frontal.yaw.abs() < 0.01, "{frontal:?}");
        assert_eq!(gate(&frontal, &settings), None);
        let turned = measure(&face(72.0), &textured_chip());
        assert!(
            matches!(
                gate(&turned, &settings),
                Some(QualityIssue::HeadTurned { .. })
            ),
            "{turned:?}"
        );
    }

    #[test]
    fn small_face_is_refused_before_other_gates() {
        let mut small = face(50.0);
        small.bbox = [0.0, 0.0, 20.0, 20.0];
        let q = measure(&small, &textured_chip());
        assert!(matches!(
            gate(&q, &FaceSettings::default()),
            Some(QualityIssue::FaceTooSmall { .. })
        ));
    }
}
