//! # face-verify
//!
//! Face matching for exam check-in and random re-checks: decode an upload or a camera frame,
//! detect faces (MTCNN: P-, R- and O-net with five landmarks), align the largest face onto a
//! 150x150 template with a similarity transform, describe it with a ResNet-34 face descriptor
//! (128 numbers) and compare Euclidean distances against a threshold.
//!
//! ## What it owns
//! - The models' run-time side: [`FaceEngine::load`] opens ONNX Runtime (a shared library,
//!   loaded dynamically) and the four `.onnx` files. Nothing is downloaded at run time; the
//!   files (plus the optional `antispoof.onnx`) are put in place by
//!   `deploy/setup.d/40-face-models.sh` (run by `./dev.sh setup`):
//!   `PROCTOR_MODEL_DIR` (default `<repo>/models`) and `ORT_DYLIB_PATH` (default
//!   `/usr/local/lib/onnxruntime/libonnxruntime.so.1.31.1`).
//! - Quality gates with typed reasons ([`QualityIssue`]): no face, several faces, face too
//!   small, too blurred, too dark or bright, head turned too far.
//! - An experimental liveness number ([`LivenessSignal`]): Human's antispoof model when
//!   `antispoof.onnx` is present and enabled, else a heuristic. Recorded, never used to reject.
//!
//! Enrolment records, photos, retries and manual review belong to the API crate.
//!
//! ## Invariants
//! - An image is only decoded after its header has been checked against the byte and pixel
//!   limits, so memory per call is bounded by the settings.
//! - `Verdict::matched` is true only if exactly one usable face was compared and its distance
//!   is at or below the threshold.
//! - The engine is `Send + Sync`; each call checks out one of `settings.workers` model sets,
//!   so at most that many verifications run at once and the rest wait.
//!
//! ## Errors and panics
//! One error type, [`FaceError`]. Bad uploads map to variants for which
//! [`FaceError::is_client_error`] is true; a missing model or library is
//! [`FaceError::NotFound`] and its message names the set-up command. The crate does not panic
//! on any input bytes.

mod align;
mod decode;
mod detect;
mod embed;
mod engine;
mod error;
mod liveness;
mod quality;
mod runtime;
mod sample;
mod settings;

pub use decode::decode_image;
pub use detect::DetectedFace;
pub use embed::{EMBEDDING_LEN, Embedding};
pub use engine::{Analysis, Enrollment, FaceEngine, Timings, Verdict};
pub use error::{FaceError, Result, SETUP_COMMAND};
pub use image::RgbImage;
pub use liveness::LivenessSignal;
pub use quality::{Quality, QualityIssue};
pub use settings::{DEFAULT_ORT_LIB, FaceSettings, MODEL_DIR_ENV, ORT_LIB_ENV};

#[cfg(test)]
mod tests {
    #[test]
    fn engine_is_send_and_sync() {
        fn assert_send_sync<T: Send + Sync>() {}
        assert_send_sync::<super::FaceEngine>();
    }
}
