//! A camera that refuses the credentials is reported unauthorised with a reason a person
//! understands, and nothing is published into the room.

mod rtsp_support;

use std::time::Duration;

use rtsp_support::{TestCamera, media_server, wait_event};
use media_server::ingest::rtsp::RtspOptions;
use media_server::{IngestState, MediaEvent, ParticipantId, RoomId, RtspSource};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rtsp_wrong_password_marks_camera_unauthorised() {
    let camera = TestCamera::start(0, "admin", "Right-Passw0rd");
    let media = media_server().await;
    let mut events = media.subscribe_events();
    let source = RtspSource { url: camera.url.clone(), username: "admin".into(), password: "wrong-password".into() };
    let options = RtspOptions { connect_timeout: Duration::from_secs(8), ..RtspOptions::default() };
    let ingest = media
        .ingest_rtsp(RoomId::from("room-3"), ParticipantId::from("camera:9"), "后门".into(), source, options)
        .unwrap();

    let reason = wait_event(&mut events, 15, "unauthorised", |e| match e {
        MediaEvent::TrackPublished { .. } => panic!("a refused camera must not publish: {e:?}"),
        MediaEvent::IngestStatus { state: IngestState::Unauthorised, reason, .. } => Some(reason.clone()),
        _ => None,
    })
    .await
    .expect("a reason");
    assert!(reason.contains("401") && reason.contains("password"), "clear reason: {reason}");
    assert_eq!(ingest.status().0, IngestState::Unauthorised);
    assert_eq!(media.stats().await.unwrap().tracks, 0);
    ingest.stop().await;
    media.shutdown().await;
}
