//! A browser that sends H.264 (iOS Safari prefers it; here Chromium is told to) is recorded
//! without transcoding as fragmented MP4 segments cut at its keyframes: the index says H.264,
//! the objects are `.mp4`, and GStreamer's discoverer finds H.264 video lasting as long as
//! the index says, and as long in total as the test saw arrive (within 1 s).
mod common;

use std::process::Command;
use std::sync::Arc;
use std::time::{Duration, Instant};

use common::{Browser, Node};
use media_server::record::{RecordSettings, RecordTarget, Recorder, RecordingIndex};
use media_server::{Codec, ParticipantId, RoomId, TapFilter};
use storage::ObjectStore;

const PUBLISH: Duration = Duration::from_secs(24);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn recording_of_chromium_h264_is_fragmented_mp4() {
    let dir = tempfile::tempdir().unwrap();
    let y4m = common::face_y4m(dir.path());
    let signer = storage::UrlSigner::new(b"h264-test-files-key-not-secret!!", "/files").unwrap();
    let store: Arc<dyn ObjectStore> = Arc::new(storage::LocalStore::open(dir.path().join("objects"), signer).await.unwrap());
    let node = Node::start().await;
    let settings = RecordSettings { segment_secs: 8, work_dir: dir.path().join("work"), ..Default::default() };
    let recorder = Recorder::start(&node.media, settings, RecordTarget { store: store.clone(), spool: None }).await.unwrap();

    let room = RoomId::from("room-h264");
    let who = ParticipantId::from("candidate:264");
    let mut tap = node.media.tap_with_capacity(TapFilter::video_of(&room, &who), 4096);
    let page = format!("{}&codec=h264&simulcast=0", node.camera_page(&room.0, &who.0));
    let browser = Browser::open(&page, &y4m);
    let (mut first, mut last, mut codec) = (None::<Instant>, None::<Instant>, None);
    let start = Instant::now();
    while start.elapsed() < PUBLISH {
        if let Ok(Some(f)) = tokio::time::timeout(Duration::from_millis(500), tap.recv()).await {
            first.get_or_insert(f.arrival);
            last = Some(f.arrival);
            codec = Some(f.codec);
        }
    }
    browser.close();
    assert_eq!(codec, Some(Codec::H264), "the browser sent H.264");
    let truth = last.unwrap() - first.expect("video arrived");
    recorder.stop().await;

    let index_key = format!("recordings/{}/{}/video/index.json", room.0, who.0);
    let index = RecordingIndex::from_json(&store.get_bytes(&index_key, None).await.unwrap()).unwrap();
    assert!(index.gaps.is_empty(), "one continuous publication: {:?}", index.gaps);
    assert!(index.segments.len() >= 2, "24 s in 8 s segments: {:?}", index.segments);
    let mut discovered = Duration::ZERO;
    for seg in &index.segments {
        assert_eq!(seg.codec, Codec::H264);
        assert!(seg.key.ends_with(".mp4"), "H.264 goes into MP4: {}", seg.key);
        let file = dir.path().join("check.mp4");
        std::fs::write(&file, store.get_bytes(&seg.key, None).await.unwrap()).unwrap();
        let info = Command::new("gst-discoverer-1.0").arg(&file).output().unwrap();
        let text = String::from_utf8_lossy(&info.stdout);
        assert!(text.contains("H.264"), "{}: {text}", seg.key);
        let d = common::discovered_duration(&file);
        let listed = Duration::from_millis(seg.end_ms - seg.start_ms);
        assert!(d.abs_diff(listed) < Duration::from_millis(200), "{}: discovered {d:?}, index {listed:?}", seg.key);
        discovered += d;
    }
    assert!(discovered.abs_diff(truth) < Duration::from_secs(1), "recorded {discovered:?}, published {truth:?}");
}
