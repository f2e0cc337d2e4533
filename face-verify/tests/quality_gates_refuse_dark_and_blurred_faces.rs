//! A usable face made too dark, too bright or too blurred is refused with that reason.
//! The base picture is a 640x480 camera-like frame made from a celebrity-pairs photo.

mod common;

use face_verify::{FaceError, QualityIssue, RgbImage};

fn frame() -> RgbImage {
    let photo = common::engine()
        .decode(&common::celebrity("img1.jpg"))
        .expect("decode");
    common::letterbox(&photo, 640, 480)
}

fn issue_of(image: &RgbImage) -> Option<QualityIssue> {
    match common::engine().enroll(&common::png(image)) {
        Ok(_) => None,
        Err(FaceError::Rejected(issue)) => Some(issue),
        Err(other) => panic!("unexpected error {other:?}"),
    }
}

#[test]
fn the_unmodified_photo_passes_every_gate() {
    assert_eq!(issue_of(&frame()), None);
}

#[test]
fn a_dark_face_is_too_dark() {
    let mut image = frame();
    image.pixels_mut().for_each(|p| p.0 = p.0.map(|v| v / 8));
    assert!(
        matches!(issue_of(&image), Some(QualityIssue::TooDark { .. })),
        "{:?}",
        issue_of(&image)
    );
}

#[test]
fn an_overexposed_face_is_too_bright() {
    let mut image = frame();
    // Washed out: a third of the contrast, pushed towards white.
    image
        .pixels_mut()
        .for_each(|p| p.0 = p.0.map(|v| 255 - (255 - v) / 3));
    assert!(
        matches!(issue_of(&image), Some(QualityIssue::TooBright { .. })),
        "{:?}",
        issue_of(&image)
    );
}

#[test]
fn a_blurred_face_is_too_blurred() {
    let image = image::imageops::blur(&frame(), 3.0);
    assert!(
        matches!(issue_of(&image), Some(QualityIssue::TooBlurred { .. })),
        "{:?}",
        issue_of(&image)
    );
}
