//! An H.265 exam-room camera (newer Hikvision/Dahua models default to it) is pulled and
//! recorded as it comes: MP4 segments holding H.265, nothing transcoded, each playing for as
//! long as its index entry says; and a frame grab decodes its picture for the face checks.

mod common;
mod rtsp_support;

use std::process::Command;
use std::sync::Arc;
use std::time::Duration;

use media_server::ingest::rtsp::RtspOptions;
use media_server::record::{RecordSettings, RecordTarget, Recorder, RecordingIndex};
use media_server::{Codec, MediaEvent, ParticipantId, RoomId, RtspSource, TrackKind};
use rtsp_support::{TestCamera, media_server, wait_event};
use storage::ObjectStore;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rtsp_h265_camera_is_recorded_as_it_comes() {
    let dir = tempfile::tempdir().unwrap();
    let signer = storage::UrlSigner::new(b"rtsp-h265-test-signing-key-0123456", "/files").unwrap();
    let store = Arc::new(storage::LocalStore::open(dir.path().join("objects"), signer).await.unwrap());
    let media = media_server().await;
    let settings = RecordSettings { segment_secs: 2, work_dir: dir.path().join("work"), ..Default::default() };
    let recorder = Recorder::start(&media, settings, RecordTarget { store: store.clone(), spool: None }).await.unwrap();
    let mut events = media.subscribe_events();

    let camera = TestCamera::start_coding(0, "admin", "Cam-Passw0rd", "h265");
    let room = RoomId::from("room-265");
    let cam = ParticipantId::from("camera:265");
    let source = RtspSource { url: camera.url.clone(), username: "admin".into(), password: "Cam-Passw0rd".into() };
    let ingest = media
        .ingest_rtsp(room.clone(), cam.clone(), "讲台摄像头".into(), source, RtspOptions::default())
        .unwrap();
    for n in 0..3 {
        let codec = wait_event(&mut events, 30, &format!("stored segment {n} of the camera"), |e| match e {
            MediaEvent::RecordingSegment { participant, kind: TrackKind::Video, codec, .. } if *participant == cam => Some(*codec),
            _ => None,
        })
        .await;
        assert_eq!(codec, Codec::H265, "recorded as it comes");
    }
    let picture = media.grab_frame(&room, &cam, Duration::from_secs(3)).await.expect("a frame of the H.265 camera");
    assert_eq!(picture.dimensions(), (320, 240));
    // The test camera films a white ball moving over black.
    let ball = picture.pixels().filter(|p| p.0.iter().all(|&c| c > 200)).count();
    assert!((100..20_000).contains(&ball), "the ball is in the picture: {ball} white pixels");

    ingest.stop().await;
    recorder.stop().await;
    let key = format!("recordings/{}/{}/video/index.json", room.0, cam.0);
    let index = RecordingIndex::from_json(&store.get_bytes(&key, None).await.unwrap()).expect("a valid index");
    assert!(index.segments.len() >= 3, "{:?}", index.segments);
    for s in &index.segments {
        assert_eq!(s.codec, Codec::H265);
        let bytes = store.get_bytes(&s.key, None).await.unwrap();
        assert_eq!(&bytes[4..8], b"ftyp", "{} is an MP4 file", s.key);
        let file = dir.path().join("segment.mp4");
        std::fs::write(&file, &bytes).unwrap();
        let info = Command::new("gst-discoverer-1.0").arg(&file).output().unwrap();
        let text = String::from_utf8_lossy(&info.stdout);
        assert!(text.contains("H.265"), "{}: {text}", s.key);
        let played = common::discovered_duration(&file).as_secs_f64();
        let listed = (s.end_ms - s.start_ms) as f64 / 1000.0;
        assert!((played - listed).abs() < 0.5, "{}: plays {played:.2} s, index says {listed:.2} s", s.key);
    }
    media.shutdown().await;
}
