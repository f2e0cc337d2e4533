//! A real RTSP camera (gst-rtsp-server, digest auth, H.264) is pulled into a room as a
//! published track; when the camera dies the track goes and the camera is offline; when it
//! comes back on the same address the pull reconnects by itself and publishes again.

mod rtsp_support;

use std::time::Duration;

use rtsp_support::{TestCamera, media_server, wait_event};
use media_server::ingest::rtsp::RtspOptions;
use media_server::{IngestState, MediaEvent, ParticipantId, RoomId, RtspSource, TrackKind};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rtsp_camera_is_published_and_reconnects_after_a_drop() {
    let camera = TestCamera::start(0, "admin", "Cam-Passw0rd");
    let port = camera.port;
    let media = media_server().await;
    let mut events = media.subscribe_events();
    let room = RoomId::from("room-7");
    let cam = ParticipantId::from("camera:1");
    let options = RtspOptions {
        connect_timeout: Duration::from_secs(8),
        stall_timeout: Duration::from_secs(2),
        backoff_min: Duration::from_millis(200),
        backoff_max: Duration::from_secs(1),
        ..RtspOptions::default()
    };
    let source = RtspSource { url: camera.url.clone(), username: "admin".into(), password: "Cam-Passw0rd".into() };
    let ingest = media
        .ingest_rtsp(room.clone(), cam.clone(), "前门摄像头".into(), source, options)
        .unwrap();

    let first = wait_event(&mut events, 20, "the camera's track", |e| match e {
        MediaEvent::TrackPublished { room: r, participant, track, kind: TrackKind::Video, .. }
            if *r == room && *participant == cam =>
        {
            Some(*track)
        }
        _ => None,
    })
    .await;
    wait_event(&mut events, 5, "online", |e| {
        matches!(e, MediaEvent::IngestStatus { state: IngestState::Online, .. }).then_some(())
    })
    .await;
    assert_eq!(ingest.status().0, IngestState::Online);

    // Frames keep flowing through the core at the camera's rate (15 fps).
    let before = media.stats().await.unwrap().frames_received;
    tokio::time::sleep(Duration::from_secs(2)).await;
    let after = media.stats().await.unwrap().frames_received;
    assert!(after - before >= 15, "about 30 frames in 2 s, got {}", after - before);

    // Power cut: the track is unpublished and the camera reported offline with a reason.
    camera.kill();
    let gone = wait_event(&mut events, 15, "the track unpublished", |e| match e {
        MediaEvent::TrackUnpublished { track, .. } => Some(*track),
        _ => None,
    })
    .await;
    assert_eq!(gone, first);
    let reason = wait_event(&mut events, 5, "offline", |e| match e {
        MediaEvent::IngestStatus { state: IngestState::Offline, reason, participant, .. } if *participant == cam => {
            Some(reason.clone())
        }
        _ => None,
    })
    .await;
    assert!(reason.is_some_and(|r| !r.is_empty()), "offline carries a reason");

    // The camera comes back on the same address: a new track, online again, unaided.
    let _camera = TestCamera::start(port, "admin", "Cam-Passw0rd");
    let second = wait_event(&mut events, 20, "the track republished", |e| match e {
        MediaEvent::TrackPublished { participant, track, .. } if *participant == cam => Some(*track),
        _ => None,
    })
    .await;
    assert_ne!(second, first);
    wait_event(&mut events, 5, "online again", |e| {
        matches!(e, MediaEvent::IngestStatus { state: IngestState::Online, .. }).then_some(())
    })
    .await;

    // Stopping the pull unpublishes the track.
    ingest.stop().await;
    wait_event(&mut events, 5, "unpublished on stop", |e| match e {
        MediaEvent::TrackUnpublished { track, .. } if *track == second => Some(()),
        _ => None,
    })
    .await;
    media.shutdown().await;
}
