//! Without the set-up step the engine refuses to start, and says which command fixes it.

mod common;

use face_verify::{FaceEngine, FaceError, SETUP_COMMAND};

#[test]
fn missing_model_directory_names_the_setup_command() {
    let empty = tempfile::tempdir().expect("temp dir");
    let mut settings = common::settings();
    settings.model_dir = empty.path().to_path_buf();
    let err = FaceEngine::load(&settings).err().expect("load must fail");
    assert!(matches!(err, FaceError::NotFound { .. }), "{err:?}");
    let message = err.to_string();
    assert!(message.contains("./dev.sh setup"), "{message}");
    assert!(
        message.contains(empty.path().to_str().unwrap()),
        "{message}"
    );
    assert!(SETUP_COMMAND.contains("40-face-models.sh"));
}

#[test]
fn missing_runtime_library_names_the_setup_command() {
    let empty = tempfile::tempdir().expect("temp dir");
    let mut settings = common::settings();
    settings.onnxruntime_lib = empty.path().join("libonnxruntime.so.1.31.1");
    let err = FaceEngine::load(&settings).err().expect("load must fail");
    assert!(
        matches!(
            err,
            FaceError::NotFound {
                what: "ONNX Runtime library",
                ..
            }
        ),
        "{err:?}"
    );
    assert!(err.to_string().contains("./dev.sh setup"));
}
