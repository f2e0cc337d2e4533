//! Photos of two different people (a "No" pair of celebrity-pairs) do not match.

mod common;

#[test]
fn different_people_do_not_match() {
    let engine = common::engine();
    let enrolled = engine
        .enroll(&common::celebrity("img1.jpg"))
        .expect("enrol img1");
    for other in ["img3.jpg", "img33.jpg"] {
        let verdict = engine
            .verify(&enrolled.embedding, &common::celebrity(other))
            .expect("verify");
        assert_eq!(verdict.reason, None, "{other}: {verdict:?}");
        assert!(!verdict.matched, "{other}: {verdict:?}");
        assert!(
            verdict.distance.expect("compared") > verdict.threshold,
            "{other}: {verdict:?}"
        );
    }
}
