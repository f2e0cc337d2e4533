//! SeaweedFS is down for 60 s in the middle of a recording: segments keep closing into the
//! durable spool, and once S3 is back every one of them is uploaded; the index has no gap.
mod common;

use std::time::Duration;

use common::{Browser, Node};
use media_server::record::{RecordSettings, RecordTarget, Recorder, RecordingIndex};
use media_server::{MediaEvent, ParticipantId, RoomId, TrackKind};
use storage::ObjectStore;

const OUTAGE: Duration = Duration::from_secs(60);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn recording_spools_through_s3_outage() {
    let dir = tempfile::tempdir().unwrap();
    let y4m = common::face_y4m(dir.path());
    let mut weed = storage::seaweed::SeaweedFs::start().await.unwrap();
    let (store, spool) = common::seaweed_target(&weed, "outage", dir.path()).await;
    let node = Node::start().await;
    let settings = RecordSettings { segment_secs: 10, work_dir: dir.path().join("work"), ..Default::default() };
    let target = RecordTarget { store: store.clone(), spool: Some(spool.clone()) };
    let recorder = Recorder::start(&node.media, settings, target).await.unwrap();
    let mut events = node.media.subscribe_events();
    let room = RoomId::from("room-outage");
    let who = ParticipantId::from("candidate:3");
    let browser = Browser::open(&node.camera_page(&room.0, &who.0), &y4m);

    let video_segment = |e: &MediaEvent| match e {
        MediaEvent::RecordingSegment { kind: TrackKind::Video, key, .. } => Some(key.clone()),
        _ => None,
    };
    let first = common::wait_event(&mut events, Duration::from_secs(40), video_segment).await;
    assert!(spool.wait_drained(Duration::from_secs(20)).await);
    store.head(&first).await.expect("first segment uploaded while S3 is up");

    weed.stop().await.unwrap();
    let mut during = Vec::new();
    let outage_end = tokio::time::Instant::now() + OUTAGE;
    while tokio::time::Instant::now() < outage_end {
        if let Ok(Ok(e)) = tokio::time::timeout_at(outage_end, events.recv()).await
            && let Some(k) = video_segment(&e)
        {
            during.push(k);
        }
    }
    assert!(during.len() >= 4, "segments kept closing during the outage: {during:?}");
    let pending: Vec<String> = spool.pending().into_iter().map(|p| p.key).collect();
    for k in &during {
        assert!(pending.contains(k), "{k} waits in the spool");
    }
    assert!(spool.last_error().is_some(), "the outage is reported");

    weed.start_again().await.unwrap();
    browser.close();
    recorder.stop().await;
    assert!(spool.wait_drained(Duration::from_secs(120)).await, "spool drained: {:?}", spool.pending());

    let index_key = format!("recordings/{}/{}/video/index.json", room.0, who.0);
    let index = RecordingIndex::from_json(&store.get_bytes(&index_key, None).await.unwrap()).unwrap();
    assert!(index.gaps.is_empty(), "nothing lost: {:?}", index.gaps);
    for k in during.iter().chain([&first]) {
        assert!(index.segments.iter().any(|s| &s.key == k), "{k} in the index");
    }
    for s in &index.segments {
        let head = store.head(&s.key).await.unwrap_or_else(|e| panic!("{} uploaded: {e}", s.key));
        assert_eq!(head.size, s.bytes);
        assert_eq!(head.class, storage::RetentionClass::Recording);
    }
    for pair in index.segments.windows(2) {
        // A loaded machine makes the browser's encoder skip frames now and then (a hole in
        // RTP time before a keyframe); anything at LOST_AFTER (2 s) or more would be a gap.
        assert!(pair[1].start_ms.abs_diff(pair[0].end_ms) < 1000, "no media lost between {pair:?}");
    }
}
