//! Two different photos of the same person (a "Yes" pair of celebrity-pairs) match.

mod common;

#[test]
fn same_person_in_two_photos_matches() {
    let engine = common::engine();
    let enrolled = engine
        .enroll(&common::celebrity("img1.jpg"))
        .expect("enrol img1");
    let verdict = engine
        .verify(&enrolled.embedding, &common::celebrity("img2.jpg"))
        .expect("verify img2");
    assert_eq!(verdict.reason, None, "{verdict:?}");
    assert!(verdict.matched, "{verdict:?}");
    let distance = verdict.distance.expect("a distance when compared");
    assert!(
        distance <= verdict.threshold,
        "{distance} > {}",
        verdict.threshold
    );
    assert_eq!(verdict.faces, 1);
    let liveness = verdict.liveness.expect("liveness recorded");
    assert!(liveness.experimental);
}
