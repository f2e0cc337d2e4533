//! A headless Chromium publishes a face video; `grab_frame` returns, within 1 s, an RGB
//! picture in which the face-verify engine finds one face that passes its quality gates.
mod common;

use std::time::{Duration, Instant};

use common::{Browser, Node};
use media_server::{MediaEvent, ParticipantId, RoomId, TrackKind};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn grab_frame_shows_the_publishers_face() {
    let dir = tempfile::tempdir().unwrap();
    let y4m = common::face_y4m(dir.path());
    let node = Node::start().await;
    let mut events = node.media.subscribe_events();
    let room = RoomId::from("room-grab");
    let who = ParticipantId::from("candidate:7");
    let _browser = Browser::open(&node.camera_page(&room.0, &who.0), &y4m);
    common::wait_event(&mut events, Duration::from_secs(30), |e| match e {
        MediaEvent::TrackPublished { participant, kind: TrackKind::Video, .. } if *participant == who => Some(()),
        _ => None,
    })
    .await;
    // Let the browser's encoder ramp up past its first frames.
    let mut taps = node.media.tap(media_server::TapFilter::video_of(&room, &who));
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    let mut frames = 0;
    while frames < 60 {
        tokio::time::timeout_at(deadline, taps.recv()).await.expect("video frames flow").unwrap();
        frames += 1;
    }
    drop(taps);

    let started = Instant::now();
    let frame = node.media.grab_frame(&room, &who, Duration::from_secs(1)).await.unwrap();
    let took = started.elapsed();
    assert!(took < Duration::from_millis(1500), "grab took {took:?}");
    assert_eq!((frame.width(), frame.height()), (640, 480), "the highest simulcast layer");

    let engine = face_verify::FaceEngine::load(&face_verify::FaceSettings::from_env()).unwrap();
    let photo = std::fs::read(common::face_photo()).unwrap();
    let enrolled = engine.enroll(&photo).unwrap();
    let verdict = engine.verify_image(&enrolled.embedding, &frame).unwrap();
    assert_eq!(verdict.faces, 1, "one face in the grabbed frame");
    assert_eq!(verdict.reason, None, "the face passes the quality gates: {verdict:?}");

    // Nobody publishing: a clear error, not a hang.
    let err = node
        .media
        .grab_frame(&room, &ParticipantId::from("candidate:absent"), Duration::from_secs(1))
        .await
        .unwrap_err();
    assert!(matches!(err, media_server::Error::NotFound(_)), "{err}");
}
