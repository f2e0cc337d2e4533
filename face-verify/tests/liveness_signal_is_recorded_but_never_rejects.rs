//! Every check records an experimental liveness signal: Human's antispoof model when set-up
//! has put it in place, the heuristic when it is switched off. It never changes the verdict.

mod common;

use face_verify::FaceEngine;

#[test]
fn antispoof_model_scores_each_check_and_the_heuristic_replaces_it_when_off() {
    let photo = common::celebrity("img1.jpg");
    let probe = common::celebrity("img2.jpg");

    let engine = common::engine();
    let enrolled = engine.enroll(&photo).expect("enrol");
    assert_eq!(enrolled.liveness.method, "human-antispoof-3.3.6");
    let with_model = engine.verify(&enrolled.embedding, &probe).expect("verify");
    let signal = with_model.liveness.expect("recorded");
    assert!(signal.experimental);
    assert!((0.0..=1.0).contains(&signal.score), "{signal:?}");

    let mut settings = common::settings();
    settings.antispoof = false;
    let heuristic = FaceEngine::load(&settings).expect("load");
    let without = heuristic
        .verify(&enrolled.embedding, &probe)
        .expect("verify");
    let signal = without.liveness.expect("recorded");
    assert_eq!(signal.method, "chip-texture-colour-v0");
    assert!(signal.experimental && (0.0..=1.0).contains(&signal.score));
    assert_eq!(with_model.matched, without.matched);
    assert_eq!(with_model.distance, without.distance);
}
