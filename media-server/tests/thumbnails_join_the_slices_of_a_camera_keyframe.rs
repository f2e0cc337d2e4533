//! Cameras may send one picture's slices as separate frames at the same media time (the
//! parser hands the later slices out on their own). A thumbnail of such a camera shows the
//! whole picture: an injected H.264 track whose every picture arrives as two frames (SPS, PPS
//! and the top slice; then the bottom slice) gets thumbnails with the SMPTE bars at the top
//! and the bottom rows of the pattern below, not a half-decoded frame.

use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use gstreamer as gst;
use gstreamer::prelude::*;
use gstreamer_app as gst_app;
use media_server::record::RecordTarget;
use media_server::thumbs::{ThumbSettings, Thumbnailer};
use media_server::{Codec, InjectedFrame, MediaEvent, MediaSettings, TrackKind};
use storage::ObjectStore;

const FPS: u64 = 15;

/// 640×360 H.264 of the SMPTE pattern in two slices per picture: (frame, keyframe).
fn encode(frames: u64) -> Vec<(Bytes, bool)> {
    gst::init().unwrap();
    let desc = format!(
        "videotestsrc pattern=smpte num-buffers={frames} ! video/x-raw,width=640,height=360,framerate={FPS}/1 ! \
         x264enc tune=zerolatency speed-preset=ultrafast key-int-max=8 option-string=slices=2 ! \
         video/x-h264,profile=constrained-baseline,stream-format=byte-stream,alignment=au ! appsink name=sink sync=false"
    );
    let pipeline = gst::parse::launch(&desc).unwrap().downcast::<gst::Pipeline>().unwrap();
    let sink = pipeline.by_name("sink").unwrap().downcast::<gst_app::AppSink>().unwrap();
    pipeline.set_state(gst::State::Playing).unwrap();
    let mut out = Vec::new();
    while let Ok(sample) = sink.pull_sample() {
        let buf = sample.buffer().unwrap();
        let key = !buf.flags().contains(gst::BufferFlags::DELTA_UNIT);
        out.push((Bytes::copy_from_slice(&buf.map_readable().unwrap()), key));
    }
    pipeline.set_state(gst::State::Null).unwrap();
    out
}

/// Splits an access unit before its second slice (start code included).
fn split_at_second_slice(au: &[u8]) -> (Vec<u8>, Vec<u8>) {
    let slices: Vec<usize> = (0..au.len().saturating_sub(3))
        .filter(|&i| au[i..i + 3] == [0, 0, 1] && matches!(au[i + 3] & 0x1f, 1 | 5))
        .collect();
    assert!(slices.len() >= 2, "two slices per picture");
    let at = if slices[1] > 0 && au[slices[1] - 1] == 0 { slices[1] - 1 } else { slices[1] };
    (au[..at].to_vec(), au[at..].to_vec())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn thumbnails_join_the_slices_of_a_camera_keyframe() {
    let frames = encode(FPS * 3);
    let dir = tempfile::tempdir().unwrap();
    let signer = storage::UrlSigner::new(b"thumbs-test-files-key-not-secret", "/files").unwrap();
    let store: Arc<dyn ObjectStore> = Arc::new(storage::LocalStore::open(dir.path().join("objects"), signer).await.unwrap());
    let media = media_server::start(MediaSettings::new("127.0.0.1:0".parse().unwrap(), b"thumbs-test-key-0123".to_vec()))
        .await
        .unwrap();
    let settings = ThumbSettings { every: Duration::from_secs(1), width: 320, ..Default::default() };
    let thumbnailer = Thumbnailer::start(&media, settings, RecordTarget { store: store.clone(), spool: None }).await.unwrap();
    let mut events = media.subscribe_events();

    let track = media
        .inject("room-3".into(), "camera:4".into(), "后门".into(), TrackKind::Video, Codec::H264)
        .await
        .unwrap();
    let started = Instant::now();
    for (i, (au, keyframe)) in frames.iter().enumerate() {
        tokio::time::sleep_until((started + Duration::from_millis(i as u64 * 1000 / FPS)).into()).await;
        let rtp_time = i as u64 * 90_000 / FPS;
        let (top, bottom) = split_at_second_slice(au);
        for part in [top, bottom] {
            let frame = InjectedFrame { data: Arc::from(part), rtp_time, keyframe: *keyframe, arrival: Instant::now() };
            track.push(frame).unwrap();
        }
    }
    drop(track);
    tokio::time::sleep(Duration::from_millis(1000)).await;
    let stats = thumbnailer.stop().await;

    let mut keys = Vec::new();
    while let Ok(e) = events.try_recv() {
        if let MediaEvent::Thumbnail { key, width, height, .. } = e {
            assert_eq!((width, height), (320, 180));
            keys.push(key);
        }
    }
    assert!(keys.len() >= 2, "{} thumbnails", keys.len());
    assert_eq!(stats.failed, 0);
    for key in &keys {
        let bytes = store.get_bytes(key, None).await.unwrap();
        let img = image::load_from_memory_with_format(&bytes, image::ImageFormat::Jpeg).unwrap().to_rgb8();
        let luma = |x: u32, y: u32| {
            let p = img.get_pixel(x, y).0;
            (u32::from(p[0]) * 3 + u32::from(p[1]) * 6 + u32::from(p[2])) / 10
        };
        // Top (first slice): the colour bars, yellow second.
        let yellow = img.get_pixel(320 / 7 + 20, 20).0;
        assert!(yellow[0] > 150 && yellow[1] > 150 && yellow[2] < 100, "yellow bar at the top: {yellow:?}");
        // Bottom (second slice): SMPTE's last rows start with a dark blue block below the
        // light first bar; a decoder missing that slice would continue the bars downwards.
        assert!(luma(20, 20) > 150, "light first bar at the top");
        assert!(luma(20, 170) < 90, "the bottom rows are the picture's own (luma {}) in {key}", luma(20, 170));
    }
    media.shutdown().await;
}
