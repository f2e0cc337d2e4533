//! A picture with two people (`couple.jpg`) is refused with the "more than one face" reason,
//! both at enrolment and at verification.

mod common;

use face_verify::{FaceError, QualityIssue};

#[test]
fn two_faces_give_the_multiple_faces_reason() {
    let engine = common::engine();
    let couple = common::celebrity("couple.jpg");
    match engine.enroll(&couple) {
        Err(FaceError::Rejected(QualityIssue::MultipleFaces { count })) => assert_eq!(count, 2),
        other => panic!("expected MultipleFaces, got {other:?}"),
    }
    let enrolled = engine
        .enroll(&common::celebrity("img1.jpg"))
        .expect("enrol img1");
    let verdict = engine.verify(&enrolled.embedding, &couple).expect("verify");
    assert!(!verdict.matched);
    assert_eq!(verdict.distance, None);
    assert_eq!(
        verdict.reason,
        Some(QualityIssue::MultipleFaces { count: 2 })
    );
}
