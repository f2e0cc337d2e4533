//! A camera injected into a room (VP8 from a GStreamer test pattern, pushed in real time,
//! a keyframe every half second as cameras send them) gets one thumbnail per period: each
//! a real JPEG of the configured width showing the picture (not a black frame), stored at
//! its announced key. When the track ends, thumbnails stop. Prints the decode cost.

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

/// 640×360 VP8 of the SMPTE colour bars: (frame, keyframe).
fn encode(frames: u64) -> Vec<(Bytes, bool)> {
    gst::init().unwrap();
    let desc = format!(
        "videotestsrc pattern=smpte num-buffers={frames} ! video/x-raw,width=640,height=360,framerate={FPS}/1 ! \
         vp8enc target-bitrate=400000 deadline=1 cpu-used=8 keyframe-max-dist=8 ! appsink name=sink sync=false"
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

fn cpu_ticks() -> u64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let f: Vec<&str> = stat.rsplit(')').next().unwrap_or("").split_whitespace().collect();
    f.get(11).and_then(|v| v.parse::<u64>().ok()).unwrap_or(0) + f.get(12).and_then(|v| v.parse::<u64>().ok()).unwrap_or(0)
}

struct Thumb {
    key: String,
    at_ms: u64,
    width: u32,
    height: u32,
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn thumbnails_every_period_until_the_track_ends() {
    let frames = encode(FPS * 5);
    assert!(frames.iter().filter(|f| f.1).count() >= 8, "the encoder sends regular keyframes");

    let dir = tempfile::tempdir().unwrap();
    let signer = storage::UrlSigner::new(b"thumbs-test-files-key-not-secret", "/files").unwrap();
    let store: Arc<dyn ObjectStore> = Arc::new(storage::LocalStore::open(dir.path().join("objects"), signer).await.unwrap());
    let media = media_server::start(MediaSettings::new("127.0.0.1:0".parse().unwrap(), b"thumbs-test-key-0123".to_vec()))
        .await
        .unwrap();
    let settings = ThumbSettings { every: Duration::from_secs(1), width: 160, quality: 75, ..Default::default() };
    let thumbnailer = Thumbnailer::start(&media, settings, RecordTarget { store: store.clone(), spool: None }).await.unwrap();
    let mut events = media.subscribe_events();

    let cpu0 = cpu_ticks();
    let started = Instant::now();
    let track = media
        .inject("room-9".into(), "camera:7".into(), "前门".into(), TrackKind::Video, Codec::Vp8)
        .await
        .unwrap();
    for (i, (data, keyframe)) in frames.iter().enumerate() {
        tokio::time::sleep_until((started + Duration::from_millis(i as u64 * 1000 / FPS)).into()).await;
        let frame = InjectedFrame { data: Arc::from(&data[..]), rtp_time: i as u64 * 90_000 / FPS, keyframe: *keyframe, arrival: Instant::now() };
        track.push(frame).unwrap();
    }
    drop(track);
    let ended = Instant::now();
    let ended_ms = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_millis() as u64;
    let pushed_for = ended - started;
    // Long enough for a picture in progress to land and for two more periods to pass.
    tokio::time::sleep(Duration::from_millis(2500)).await;
    let cpu = cpu_ticks() - cpu0;

    let mut thumbs = Vec::new();
    while let Ok(e) = events.try_recv() {
        if let MediaEvent::Thumbnail { room, participant, key, at_ms, width, height } = e {
            assert_eq!((room.0.as_str(), participant.0.as_str()), ("room-9", "camera:7"));
            thumbs.push(Thumb { key, at_ms, width, height });
        }
    }
    let stats = thumbnailer.stop().await;

    // One per period over five seconds of video: the first at once, then every second.
    assert!((4..=6).contains(&thumbs.len()), "{} thumbnails in {pushed_for:?}", thumbs.len());
    for w in thumbs.windows(2) {
        let gap = w[1].at_ms - w[0].at_ms;
        assert!((500..=1700).contains(&gap), "thumbnails {gap} ms apart");
    }
    assert!(thumbs.iter().all(|t| t.at_ms <= ended_ms), "no thumbnail shows a time after the track ended");
    let listed = store.list("thumbs/room-9/camera:7/").await.unwrap();
    assert_eq!(listed.len(), thumbs.len(), "one stored JPEG per announcement, none after the end");

    for t in &thumbs {
        assert_eq!(t.key, format!("thumbs/room-9/camera:7/{}.jpg", t.at_ms));
        assert_eq!((t.width, t.height), (160, 90));
        let bytes = store.get_bytes(&t.key, None).await.unwrap();
        assert_eq!(&bytes[..3], &[0xff, 0xd8, 0xff], "a JPEG");
        let img = image::load_from_memory_with_format(&bytes, image::ImageFormat::Jpeg).unwrap().to_rgb8();
        assert_eq!(img.dimensions(), (160, 90));
        // SMPTE bars: white, yellow, cyan, green, magenta, red, blue across the top.
        let top: Vec<[u8; 3]> = (0..7).map(|b| img.get_pixel(b * 160 / 7 + 11, 20).0).collect();
        let mean = |p: [u8; 3]| (u32::from(p[0]) + u32::from(p[1]) + u32::from(p[2])) / 3;
        assert!(mean(top[0]) > 150, "the first bar is light: {:?}", top[0]);
        assert!(top[1][2] < 100 && top[1][0] > 150, "the second bar is yellow: {:?}", top[1]);
        assert!(top[6][2] > 150 && top[6][0] < 100, "the last bar is blue: {:?}", top[6]);
    }

    assert_eq!(stats.thumbnails as usize, thumbs.len());
    assert_eq!(stats.failed, 0);
    let per = |us: u64| us as f64 / 1000.0 / stats.thumbnails as f64;
    let tick = 100.0; // USER_HZ
    println!(
        "thumbnails: {} of 640×360 VP8 → 160×90 JPEG; decode {:.1} ms, scale+encode {:.1} ms per thumbnail; \
         {:.0} B each; whole process (test pattern pushing included) {:.1} % of one core over {:.1} s",
        stats.thumbnails,
        per(stats.decode_us),
        per(stats.encode_us),
        stats.bytes as f64 / stats.thumbnails as f64,
        cpu as f64 / tick * 100.0 / (ended.elapsed() + pushed_for).as_secs_f64(),
        (ended.elapsed() + pushed_for).as_secs_f64(),
    );
    media.shutdown().await;
}
