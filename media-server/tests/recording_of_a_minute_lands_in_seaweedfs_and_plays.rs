//! Chromium publishes a face video for a minute; the recorder cuts it into segments at
//! keyframes, they land in SeaweedFS through the spool with an index, and GStreamer's
//! discoverer finds as much media in them as the test saw arrive (within 1 s).
mod common;

use std::time::{Duration, Instant};

use common::{Browser, Node};
use media_server::record::{RecordSettings, RecordTarget, Recorder, RecordingIndex};
use media_server::{MediaEvent, ParticipantId, RoomId, TapFilter, TrackKind};
use storage::ObjectStore;

const PUBLISH: Duration = Duration::from_secs(60);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn recording_of_a_minute_lands_in_seaweedfs_and_plays() {
    let dir = tempfile::tempdir().unwrap();
    let y4m = common::face_y4m(dir.path());
    let weed = storage::seaweed::SeaweedFs::start().await.unwrap();
    let (store, spool) = common::seaweed_target(&weed, "minute", dir.path()).await;
    let node = Node::start().await;
    let settings = RecordSettings { segment_secs: 20, work_dir: dir.path().join("work"), ..Default::default() };
    let target = RecordTarget { store: store.clone(), spool: Some(spool.clone()) };
    let recorder = Recorder::start(&node.media, settings, target).await.unwrap();
    let mut events = node.media.subscribe_events();

    let room = RoomId::from("room-minute");
    let who = ParticipantId::from("candidate:60");
    // The truth: when video arrived, seen by our own tap.
    let mut tap = node.media.tap_with_capacity(TapFilter::video_of(&room, &who), 4096);
    let browser = Browser::open(&node.camera_page(&room.0, &who.0), &y4m);
    let (mut first, mut last) = (None::<Instant>, None::<Instant>);
    let start = Instant::now();
    while start.elapsed() < PUBLISH {
        if let Ok(Some(f)) = tokio::time::timeout(Duration::from_millis(500), tap.recv()).await {
            first.get_or_insert(f.arrival);
            last = Some(f.arrival);
        }
    }
    browser.close();
    let truth = last.unwrap() - first.expect("video arrived");

    recorder.stop().await;
    let mut announced = Vec::new();
    while let Ok(e) = events.try_recv() {
        if let MediaEvent::RecordingSegment { kind: TrackKind::Video, key, .. } = e {
            announced.push(key);
        }
    }
    assert!(spool.wait_drained(Duration::from_secs(60)).await, "spool drained: {:?}", spool.pending());

    let index_key = format!("recordings/{}/{}/video/index.json", room.0, who.0);
    let index = RecordingIndex::from_json(&store.get_bytes(&index_key, None).await.unwrap()).unwrap();
    assert!(!index.live, "finished recording is marked so");
    assert!(index.gaps.is_empty(), "one continuous publication: {:?}", index.gaps);
    assert!(index.segments.len() >= 3, "60 s in 20 s segments: {:?}", index.segments);
    let listed: Vec<String> = index.segments.iter().map(|s| s.key.clone()).collect();
    assert_eq!(announced, listed, "every stored segment was announced, in order");
    let mut discovered = Duration::ZERO;
    // The browser starts with its low layer and adds the high one as its bandwidth estimate
    // grows; the recorder switches up at the high layer's first keyframe and stays there.
    let last_seg = index.segments.last().unwrap();
    assert_eq!(last_seg.layer.as_deref(), Some("h"), "the highest simulcast layer is recorded");
    assert_eq!((last_seg.width, last_seg.height), (Some(640), Some(480)));
    let first_high = index.segments.iter().position(|s| s.layer.as_deref() == Some("h")).unwrap();
    assert!(index.segments[first_high..].iter().all(|s| s.layer.as_deref() == Some("h")), "{:?}", index.segments);
    for seg in &index.segments {
        let bytes = store.get_bytes(&seg.key, None).await.unwrap();
        assert_eq!(bytes.len() as u64, seg.bytes);
        let file = dir.path().join("check.webm");
        std::fs::write(&file, &bytes).unwrap();
        let d = common::discovered_duration(&file);
        let listed = Duration::from_millis(seg.end_ms - seg.start_ms);
        assert!(d.abs_diff(listed) < Duration::from_millis(200), "{}: discovered {d:?}, index {listed:?}", seg.key);
        discovered += d;
    }
    for pair in index.segments.windows(2) {
        // A loaded machine makes the browser's encoder skip frames now and then (a hole in
        // RTP time before a keyframe); anything at LOST_AFTER (2 s) or more would be a gap.
        assert!(pair[1].start_ms.abs_diff(pair[0].end_ms) < 1000, "segments follow each other: {pair:?}");
    }
    assert!(
        discovered.abs_diff(truth) < Duration::from_secs(1),
        "recorded {discovered:?}, published {truth:?}"
    );

    // Audio is recorded too, as its own track.
    let audio_key = format!("recordings/{}/{}/audio/index.json", room.0, who.0);
    let audio = RecordingIndex::from_json(&store.get_bytes(&audio_key, None).await.unwrap()).unwrap();
    let audio_ms: u64 = audio.segments.iter().map(|s| s.end_ms - s.start_ms).sum();
    assert!(audio_ms > 55_000, "audio recorded: {audio_ms} ms: {audio:?}");
}
