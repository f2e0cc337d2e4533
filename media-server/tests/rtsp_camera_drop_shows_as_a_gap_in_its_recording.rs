//! An exam-room camera is recorded as it comes (H.264 into fragmented MP4, no transcode),
//! one frame per picture even when the camera codes keyframes in several slices.
//! When the camera loses power and comes back, the pull reconnects by itself and the
//! recording resumes; its index shows the outage as a `publisher_reconnect` gap between a
//! segment before and a segment after, and every listed segment is in the store and plays
//! for as long as the index says.

mod common;
mod rtsp_support;

use std::sync::Arc;
use std::time::Duration;

use media_server::ingest::rtsp::RtspOptions;
use media_server::record::{GapReason, RecordSettings, RecordTarget, Recorder, RecordingIndex};
use media_server::{Codec, IngestState, MediaEvent, ParticipantId, RoomId, RtspSource, TrackKind};
use rtsp_support::{TestCamera, media_server, wait_event};
use storage::ObjectStore;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rtsp_camera_drop_shows_as_a_gap_in_its_recording() {
    let dir = tempfile::tempdir().unwrap();
    let signer = storage::UrlSigner::new(b"rtsp-gap-test-signing-key-0123456789", "/files").unwrap();
    let store = Arc::new(storage::LocalStore::open(dir.path().join("objects"), signer).await.unwrap());
    let media = media_server().await;
    let settings = RecordSettings { segment_secs: 2, work_dir: dir.path().join("work"), ..Default::default() };
    let target = RecordTarget { store: store.clone(), spool: None };
    let recorder = Recorder::start(&media, settings, target).await.unwrap();
    let mut events = media.subscribe_events();

    let camera = TestCamera::start(0, "admin", "Cam-Passw0rd");
    let port = camera.port;
    let room = RoomId::from("room-12");
    let cam = ParticipantId::from("camera:3");
    let options = RtspOptions {
        connect_timeout: Duration::from_secs(8),
        stall_timeout: Duration::from_secs(2),
        backoff_min: Duration::from_millis(200),
        backoff_max: Duration::from_secs(1),
        ..RtspOptions::default()
    };
    let source = RtspSource { url: camera.url.clone(), username: "admin".into(), password: "Cam-Passw0rd".into() };
    let ingest = media.ingest_rtsp(room.clone(), cam.clone(), "后门摄像头".into(), source, options).unwrap();
    let is_cam_segment = |e: &MediaEvent| match e {
        MediaEvent::RecordingSegment { participant, kind: TrackKind::Video, codec, end_ms, .. } if *participant == cam => {
            Some((*codec, *end_ms))
        }
        _ => None,
    };
    // One frame per picture: a keyframe coded in several slices arrives whole, so no two
    // frames share a media time (the test camera's encoder slices its pictures).
    let mut tap = media.tap(media_server::TapFilter::all());
    let mut times = Vec::new();
    while times.len() < 40 {
        let f = tap.recv().await.expect("camera frames");
        if f.participant == cam {
            times.push(f.rtp_time);
        }
    }
    drop(tap);
    assert!(times.windows(2).all(|w| w[1] > w[0]), "one frame per picture: {times:?}");
    let (codec, before_end) = wait_event(&mut events, 30, "a stored segment of the camera", is_cam_segment).await;
    assert_eq!(codec, Codec::H264, "recorded as it comes, no transcode");

    // Power cut for a few seconds, then the camera is back on the same address.
    camera.kill();
    wait_event(&mut events, 15, "offline", |e| {
        matches!(e, MediaEvent::IngestStatus { state: IngestState::Offline, participant, .. } if *participant == cam)
            .then_some(())
    })
    .await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    let _camera = TestCamera::start(port, "admin", "Cam-Passw0rd");
    let (from_ms, to_ms, reason) = wait_event(&mut events, 40, "the outage as a gap", |e| match e {
        MediaEvent::RecordingGap { participant, kind: TrackKind::Video, from_ms, to_ms, reason, .. }
            if *participant == cam =>
        {
            Some((*from_ms, *to_ms, *reason))
        }
        _ => None,
    })
    .await;
    assert_eq!(reason, GapReason::PublisherReconnect);
    assert!(from_ms >= before_end, "the gap starts after the last segment before the drop");
    assert!(to_ms - from_ms >= 2_000, "the outage lasted at least the 2 s the camera was off: {from_ms}..{to_ms}");
    let (_, after_end) = wait_event(&mut events, 30, "a segment after the reconnect", is_cam_segment).await;
    assert!(after_end > to_ms);

    ingest.stop().await;
    recorder.stop().await;
    let key = format!("recordings/{}/{}/video/index.json", room.0, cam.0);
    let index = RecordingIndex::from_json(&store.get_bytes(&key, None).await.unwrap()).expect("a valid index");
    assert!(!index.live, "closed when recording stopped");
    assert_eq!(index.gaps.len(), 1, "{:?}", index.gaps);
    assert_eq!((index.gaps[0].from_ms, index.gaps[0].to_ms), (from_ms, to_ms));
    assert!(index.segments.iter().any(|s| s.end_ms <= from_ms) && index.segments.iter().any(|s| s.start_ms >= to_ms));
    for s in &index.segments {
        let bytes = store.get_bytes(&s.key, None).await.unwrap();
        assert_eq!(bytes.len() as u64, s.bytes, "{} stored whole", s.key);
        assert_eq!(&bytes[4..8], b"ftyp", "{} is an MP4 file", s.key);
        let file = dir.path().join("segment.mp4");
        std::fs::write(&file, &bytes).unwrap();
        let played = common::discovered_duration(&file).as_secs_f64();
        let listed = (s.end_ms - s.start_ms) as f64 / 1000.0;
        assert!((played - listed).abs() < 0.5, "{}: plays {played:.2} s, index says {listed:.2} s", s.key);
    }
    media.shutdown().await;
}
