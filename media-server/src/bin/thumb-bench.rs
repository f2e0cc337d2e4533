//! Thumbnail benchmark: N simultaneous 640×360 30 fps VP8 tracks (synthetic, encoded once by
//! GStreamer, a keyframe every 2 s, replayed in real time into the thumbnailer's frame queue)
//! with a short period, thumbnails to a throwaway local store. Prints the cost per thumbnail
//! (decode, scale + encode), the CPU of the process, and what that means per track at the
//! default 30 s period.
//!
//! `thumb-bench [--streams 50] [--seconds 20] [--period-secs 2] [--width 320]`

use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use gstreamer as gst;
use gstreamer::prelude::*;
use gstreamer_app as gst_app;
use media_server::record::RecordTarget;
use media_server::thumbs::{ThumbSettings, Thumbnailer};
use media_server::{Codec, MediaSettings, ParticipantId, RoomId, TapFrame, TrackId, TrackKind};
use storage::ObjectStore;

fn arg(args: &[String], name: &str, default: u64) -> u64 {
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// 10 s of 640×360 30 fps VP8 (zone plate: hard to compress, like a real picture).
fn encode() -> Vec<(Bytes, bool)> {
    gst::init().expect("gstreamer");
    let desc = "videotestsrc pattern=zone-plate kx2=20 ky2=20 kt=1 num-buffers=300 ! \
                video/x-raw,width=640,height=360,framerate=30/1 ! \
                vp8enc target-bitrate=500000 deadline=1 cpu-used=8 keyframe-max-dist=60 end-usage=cbr ! \
                appsink name=sink sync=false";
    let pipeline = gst::parse::launch(desc).unwrap().downcast::<gst::Pipeline>().unwrap();
    let sink = pipeline.by_name("sink").unwrap().downcast::<gst_app::AppSink>().unwrap();
    pipeline.set_state(gst::State::Playing).unwrap();
    let mut frames = Vec::new();
    while let Ok(sample) = sink.pull_sample() {
        let buf = sample.buffer().unwrap();
        let key = !buf.flags().contains(gst::BufferFlags::DELTA_UNIT);
        frames.push((Bytes::copy_from_slice(&buf.map_readable().unwrap()), key));
    }
    pipeline.set_state(gst::State::Null).unwrap();
    frames
}

fn cpu_ticks() -> u64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let f: Vec<&str> = stat.rsplit(')').next().unwrap_or("").split_whitespace().collect();
    f.get(11).and_then(|v| v.parse::<u64>().ok()).unwrap_or(0) + f.get(12).and_then(|v| v.parse::<u64>().ok()).unwrap_or(0)
}

/// Replays `frames` for `streams` tracks in real time for `seconds`; the feeder's own CPU.
async fn feed(frames: &[(Bytes, bool)], streams: usize, seconds: u64, tx: &tokio::sync::mpsc::Sender<TapFrame>) {
    let t0 = Instant::now();
    let mut tick = tokio::time::interval(Duration::from_micros(33_333));
    let mut n = 0usize;
    while t0.elapsed() < Duration::from_secs(seconds) {
        tick.tick().await;
        let (data, key) = frames[n % frames.len()].clone();
        for s in 0..streams {
            let f = TapFrame {
                room: RoomId::from("bench"),
                participant: ParticipantId(format!("bench:{s}")),
                track: TrackId(s as u64 + 1),
                kind: TrackKind::Video,
                codec: Codec::Vp8,
                layer: None,
                keyframe: key,
                rtp_time: n as u64 * 3000,
                clock_rate: 90_000,
                arrival: Instant::now(),
                data: data.clone(),
            };
            let _ = tx.try_send(f);
        }
        n += 1;
    }
}

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    let streams = arg(&args, "--streams", 50) as usize;
    let seconds = arg(&args, "--seconds", 20);
    let period = arg(&args, "--period-secs", 2);
    let width = arg(&args, "--width", 320) as u32;
    let frames = Arc::new(encode());

    let dir = tempfile::tempdir().unwrap();
    let signer = storage::UrlSigner::new(b"thumb-bench-files-key-not-secret", "/files").unwrap();
    let store: Arc<dyn ObjectStore> = Arc::new(storage::LocalStore::open(dir.path().join("objects"), signer).await.unwrap());
    let media = media_server::start(MediaSettings::new("127.0.0.1:0".parse().unwrap(), b"thumb-bench-key-0123".to_vec()))
        .await
        .unwrap();

    // The feeder alone first, so its share can be taken off.
    let (tx, mut rx) = tokio::sync::mpsc::channel(16_384);
    let sink = tokio::spawn(async move { while rx.recv().await.is_some() {} });
    let (c0, t0) = (cpu_ticks(), Instant::now());
    feed(&frames, streams, seconds.min(5), &tx).await;
    let feeder_pct = (cpu_ticks() - c0) as f64 / t0.elapsed().as_secs_f64();
    drop(tx);
    let _ = sink.await;

    let settings = ThumbSettings { every: Duration::from_secs(period), width, ..Default::default() };
    let (tx, rx) = tokio::sync::mpsc::channel(16_384);
    let thumbnailer = Thumbnailer::start_with_frames(&media, settings, RecordTarget { store, spool: None }, rx)
        .await
        .unwrap();
    let (c0, t0) = (cpu_ticks(), Instant::now());
    feed(&frames, streams, seconds, &tx).await;
    drop(tx);
    let stats = thumbnailer.stop().await;
    let run = t0.elapsed().as_secs_f64();
    let total_pct = (cpu_ticks() - c0) as f64 / run;
    let thumbs_pct = (total_pct - feeder_pct).max(0.0);
    let n = stats.thumbnails.max(1) as f64;
    let per_thumb_ms = thumbs_pct / 100.0 * run * 1000.0 / n;
    println!("{streams} tracks of 640×360 VP8 for {run:.1} s, one {width}-px thumbnail per {period} s each");
    println!(
        "thumbnails {} (expected ≈ {}), failed {}; decode {:.1} ms, scale+encode {:.1} ms, {:.0} B per thumbnail (wall time)",
        stats.thumbnails,
        streams as u64 * seconds / period,
        stats.failed,
        stats.decode_us as f64 / n / 1000.0,
        stats.encode_us as f64 / n / 1000.0,
        stats.bytes as f64 / n
    );
    println!(
        "CPU: {total_pct:.1} % of one core in all, feeder alone {feeder_pct:.1} %, so thumbnails {thumbs_pct:.1} % = {per_thumb_ms:.1} ms CPU per thumbnail"
    );
    println!(
        "at the default 30 s period: {:.3} % of one core per track ({:.0} tracks per core)",
        per_thumb_ms / 30_000.0 * 100.0,
        30_000.0 / per_thumb_ms.max(0.001)
    );
    drop(media);
}
