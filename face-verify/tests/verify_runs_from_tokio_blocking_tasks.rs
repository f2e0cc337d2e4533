//! The engine is shared across tokio's blocking pool: concurrent verifications all complete
//! with the same answers as sequential ones.

mod common;

use std::sync::Arc;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_verifications_from_spawn_blocking_agree() {
    let engine = Arc::new(common::engine());
    let enrolled = {
        let engine = Arc::clone(&engine);
        tokio::task::spawn_blocking(move || engine.enroll(&common::celebrity("img1.jpg")))
            .await
            .expect("join")
            .expect("enrol")
            .embedding
    };
    let probes = [
        ("img2.jpg", true),
        ("img3.jpg", false),
        ("img2.jpg", true),
        ("img3.jpg", false),
    ];
    let tasks: Vec<_> = probes
        .iter()
        .map(|(file, _)| {
            let (engine, enrolled, bytes) = (
                Arc::clone(&engine),
                enrolled.clone(),
                common::celebrity(file),
            );
            tokio::task::spawn_blocking(move || engine.verify(&enrolled, &bytes))
        })
        .collect();
    let mut distances = Vec::new();
    for (task, (file, expected)) in tasks.into_iter().zip(probes) {
        let verdict = task.await.expect("join").expect("verify");
        assert_eq!(verdict.matched, expected, "{file}: {verdict:?}");
        distances.push(verdict.distance.expect("compared"));
    }
    // Same input, same worker-independent answer.
    assert!((distances[0] - distances[2]).abs() < 1e-4);
    assert!((distances[1] - distances[3]).abs() < 1e-4);
}
