//! A picture without a face is refused with the "no face" reason.

mod common;

use face_verify::{FaceError, QualityIssue, RgbImage};

#[test]
fn picture_without_a_face_gives_the_no_face_reason() {
    let engine = common::engine();
    // A smooth colour gradient with some texture: an empty desk scene has no face either.
    let scene = RgbImage::from_fn(640, 480, |x, y| {
        let t = ((x * 7 + y * 13) % 31) as u8;
        image::Rgb([(x / 3) as u8 + t, (y / 2) as u8, 120 + t])
    });
    let bytes = common::jpeg(&scene);
    match engine.enroll(&bytes) {
        Err(FaceError::Rejected(QualityIssue::NoFace)) => {}
        other => panic!("expected NoFace, got {other:?}"),
    }
    let enrolled = engine
        .enroll(&common::celebrity("img1.jpg"))
        .expect("enrol img1");
    let verdict = engine.verify(&enrolled.embedding, &bytes).expect("verify");
    assert!(!verdict.matched);
    assert_eq!(verdict.faces, 0);
    assert_eq!(verdict.reason, Some(QualityIssue::NoFace));
}
