//! Where the models live and the thresholds the engine applies.

use std::path::{Path, PathBuf};

/// Environment variable naming the directory that holds the `.onnx` files.
pub const MODEL_DIR_ENV: &str = "PROCTOR_MODEL_DIR";
/// Environment variable naming the ONNX Runtime shared library (the name `ort` itself uses).
pub const ORT_LIB_ENV: &str = "ORT_DYLIB_PATH";
/// Where the set-up script copies the library when `ORT_DYLIB_PATH` is unset.
pub const DEFAULT_ORT_LIB: &str = "/usr/local/lib/onnxruntime/libonnxruntime.so.1.31.1";

/// Everything the engine needs; `Default` reads nothing, [`FaceSettings::from_env`] applies the
/// two path variables.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(default)]
pub struct FaceSettings {
    /// Directory with mtcnn_{pnet,rnet,onet}.onnx and face_descriptor.onnx.
    pub model_dir: PathBuf,
    /// Path of libonnxruntime.so.
    pub onnxruntime_lib: PathBuf,
    /// Euclidean distance between descriptors at or below which two faces match.
    pub match_threshold: f32,
    /// Number of independent model sets; each serves one verification at a time.
    pub workers: usize,
    /// ONNX Runtime intra-op threads per worker.
    pub threads_per_worker: usize,
    /// Uploads larger than this are refused before decoding.
    pub max_upload_bytes: usize,
    /// Images whose header announces more pixels than this are refused before decoding.
    pub max_pixels: u64,
    /// Detection runs on a copy scaled so its longer side is at most this.
    pub detect_max_side: u32,
    /// Smallest face (box side, pixels of the detection copy) the detector looks for.
    pub detect_min_face: u32,
    /// Quality gate: smallest accepted face box side in original pixels.
    pub min_face_px: f32,
    /// Quality gate: minimum variance of the Laplacian of the aligned grey face.
    pub min_sharpness: f32,
    /// Quality gate: accepted mean brightness (0..255) of the aligned face centre.
    pub min_brightness: f32,
    pub max_brightness: f32,
    /// Quality gate: largest accepted |yaw| and |pitch| estimates (landmark ratios, see quality.rs).
    pub max_yaw: f32,
    pub max_pitch: f32,
    /// Detector confidence above which a second face counts as "more than one face".
    pub extra_face_min_score: f32,
    /// Run the experimental antispoof model (when its file exists) for the liveness signal;
    /// it costs about 8 ms of CPU per check. Off, or without the file, a cheap heuristic is used.
    pub antispoof: bool,
}

impl Default for FaceSettings {
    fn default() -> Self {
        Self {
            model_dir: default_model_dir(),
            onnxruntime_lib: PathBuf::from(DEFAULT_ORT_LIB),
            match_threshold: 0.54,
            workers: std::thread::available_parallelism().map_or(1, |n| n.get()),
            threads_per_worker: 1,
            max_upload_bytes: 20 * 1024 * 1024,
            max_pixels: 40_000_000,
            detect_max_side: 800,
            detect_min_face: 40,
            min_face_px: 48.0,
            min_sharpness: 30.0,
            min_brightness: 50.0,
            max_brightness: 215.0,
            max_yaw: 0.35,
            max_pitch: 0.35,
            extra_face_min_score: 0.9,
            antispoof: true,
        }
    }
}

impl FaceSettings {
    /// Defaults, with `PROCTOR_MODEL_DIR` and `ORT_DYLIB_PATH` applied when set.
    pub fn from_env() -> Self {
        let mut settings = Self::default();
        if let Some(dir) = std::env::var_os(MODEL_DIR_ENV).filter(|v| !v.is_empty()) {
            settings.model_dir = PathBuf::from(dir);
        }
        if let Some(lib) = std::env::var_os(ORT_LIB_ENV).filter(|v| !v.is_empty()) {
            settings.onnxruntime_lib = PathBuf::from(lib);
        }
        settings
    }

    pub fn model_path(&self, file: &str) -> PathBuf {
        self.model_dir.join(file)
    }
}

/// `./models` when run from the repository root, else the repository's `models/` as seen from
/// this crate's sources (what the set-up script fills when `PROCTOR_MODEL_DIR` is unset).
fn default_model_dir() -> PathBuf {
    let cwd = Path::new("models");
    if cwd.join("face_descriptor.onnx").is_file() {
        return cwd.to_path_buf();
    }
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .join("models")
}
