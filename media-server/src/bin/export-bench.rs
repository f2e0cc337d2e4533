//! Export benchmark: how fast a recording is remuxed and exported to H.264 + AAC MP4, and how
//! much a running export takes from normal-priority work (the stand-in for live forwarding:
//! one busy thread per core at nice 0, counting loop rounds).
//!
//! `export-bench [--seconds 120] [--segment-secs 30] [--width 640] [--height 480]`
//! (synthetic VP8 + Opus segments made by GStreamer first, with a 2 s gap after each).

use std::path::Path;
use std::process::Command;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use media_server::Codec;
use media_server::export::{ExportFormat, ExportJob, ExportReport, SegmentFile, export};

fn arg(args: &[String], name: &str, default: u64) -> u64 {
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn cpu_ticks() -> u64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let after = stat.rsplit(')').next().unwrap_or("");
    let f: Vec<&str> = after.split_whitespace().collect();
    f.get(11).and_then(|v| v.parse::<u64>().ok()).unwrap_or(0)
        + f.get(12).and_then(|v| v.parse::<u64>().ok()).unwrap_or(0)
}

fn make(path: &Path, chain: &str) {
    let desc = format!("{chain} ! webmmux ! filesink location={}", path.display());
    let ok = Command::new("gst-launch-1.0")
        .arg("-q")
        .args(desc.split_whitespace())
        .status()
        .expect("gst-launch-1.0");
    assert!(ok.success(), "{desc}");
}

/// CPU ticks of each thread of this process so far: tid → (ticks, nice).
fn thread_ticks() -> std::collections::HashMap<u64, (u64, i64)> {
    let mut out = std::collections::HashMap::new();
    for entry in std::fs::read_dir("/proc/self/task")
        .into_iter()
        .flatten()
        .flatten()
    {
        let Ok(tid) = entry.file_name().to_string_lossy().parse::<u64>() else {
            continue;
        };
        let stat = std::fs::read_to_string(entry.path().join("stat")).unwrap_or_default();
        let f: Vec<&str> = stat
            .rsplit(')')
            .next()
            .unwrap_or("")
            .split_whitespace()
            .collect();
        let n = |i: usize| f.get(i).and_then(|v| v.parse::<i64>().ok()).unwrap_or(0);
        out.insert(tid, ((n(11) + n(12)) as u64, n(16)));
    }
    out
}

/// Of the CPU this process used between two snapshots: (ticks of nice-19 threads, all ticks).
fn low_share(
    before: &std::collections::HashMap<u64, (u64, i64)>,
    after: &std::collections::HashMap<u64, (u64, i64)>,
) -> (u64, u64) {
    let (mut low, mut all) = (0, 0);
    for (tid, (t, nice)) in after {
        let d = t - before.get(tid).map(|b| b.0).unwrap_or(0);
        all += d;
        if *nice == 19 {
            low += d;
        }
    }
    (low, all)
}

/// Runs one export; returns its report, wall time and CPU seconds of the process.
fn timed(job: &ExportJob) -> (ExportReport, Duration, f64) {
    let (t, c) = (Instant::now(), cpu_ticks());
    let report = export(job, &mut |_| {}).expect("export");
    (report, t.elapsed(), (cpu_ticks() - c) as f64 / 100.0)
}

/// Busy threads at normal priority; returns rounds per second while `during` runs.
fn busy_rate<T>(threads: usize, during: impl FnOnce() -> T) -> (f64, T) {
    let stop = Arc::new(AtomicBool::new(false));
    let rounds = Arc::new(AtomicU64::new(0));
    let handles: Vec<_> = (0..threads)
        .map(|_| {
            let (stop, rounds) = (stop.clone(), rounds.clone());
            std::thread::spawn(move || {
                while !stop.load(Ordering::Relaxed) {
                    let mut x = 0u64;
                    for i in 0..100_000u64 {
                        x = x.wrapping_mul(31).wrapping_add(i);
                    }
                    std::hint::black_box(x);
                    rounds.fetch_add(1, Ordering::Relaxed);
                }
            })
        })
        .collect();
    let t = Instant::now();
    let out = during();
    let rate = rounds.load(Ordering::Relaxed) as f64 / t.elapsed().as_secs_f64();
    stop.store(true, Ordering::Relaxed);
    for h in handles {
        let _ = h.join();
    }
    (rate, out)
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let seconds = arg(&args, "--seconds", 120);
    let seg = arg(&args, "--segment-secs", 30).max(1);
    let (w, h) = (arg(&args, "--width", 640), arg(&args, "--height", 480));
    let dir = tempfile::tempdir().expect("temp dir");
    let (mut video, mut audio) = (Vec::new(), Vec::new());
    let t0 = 1_780_000_000_000u64;
    let n = seconds.div_ceil(seg);
    eprintln!("making {n} segments of {seg} s ({w}×{h} VP8 + Opus) …");
    for i in 0..n {
        let start_ms = t0 + i * (seg + 2) * 1000;
        let v = dir.path().join(format!("v{i}.webm"));
        let a = dir.path().join(format!("a{i}.webm"));
        make(
            &v,
            &format!(
                "videotestsrc pattern=ball num-buffers={} ! video/x-raw,format=I420,width={w},height={h},framerate=30/1 ! \
             vp8enc deadline=1 cpu-used=8 target-bitrate=600000 keyframe-max-dist=90",
                seg * 30
            ),
        );
        make(
            &a,
            &format!(
                "audiotestsrc num-buffers={} samplesperbuffer=960 ! audio/x-raw,rate=48000,channels=2 ! opusenc",
                seg * 50
            ),
        );
        let end_ms = start_ms + seg * 1000;
        video.push(SegmentFile {
            path: v,
            codec: Codec::Vp8,
            start_ms,
            end_ms,
        });
        audio.push(SegmentFile {
            path: a,
            codec: Codec::Opus,
            start_ms,
            end_ms,
        });
    }
    let to_ms = video.last().map(|s| s.end_ms).unwrap_or(t0);
    let job = |format, name: &str| ExportJob {
        video: video.clone(),
        audio: audio.clone(),
        from_ms: t0,
        to_ms,
        format,
        out: dir.path().join(name),
    };
    let cores = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(2);

    println!("| run | media | wall | speed | CPU (% of one core) | file |");
    println!("|---|---|---|---|---|---|");
    for (label, format, name) in [
        ("remux → WebM", ExportFormat::Remux, "r.webm"),
        ("VP8+Opus → H.264+AAC MP4", ExportFormat::Mp4, "m.mp4"),
    ] {
        let (r, wall, cpu) = timed(&job(format, name));
        println!(
            "| {label} | {:.1} s | {:.2} s | {:.1}× real time | {:.0} % | {:.1} MB |",
            r.duration_ms as f64 / 1000.0,
            wall.as_secs_f64(),
            r.duration_ms as f64 / 1000.0 / wall.as_secs_f64(),
            cpu / wall.as_secs_f64() * 100.0,
            r.bytes as f64 / 1e6
        );
    }

    // Normal-priority work on every core, alone and while an MP4 export runs (10 s each; the
    // export then finishes on its own).
    let (alone, ()) = busy_rate(cores, || std::thread::sleep(Duration::from_secs(10)));
    let contended = job(ExportFormat::Mp4, "c.mp4");
    let exporting = std::thread::spawn(move || timed(&contended));
    // Let the export get going (its threads lowered), then share the cores for 10 s.
    std::thread::sleep(Duration::from_millis(500));
    let (shared, (low, all)) = busy_rate(cores, || {
        let before = thread_ticks();
        std::thread::sleep(Duration::from_secs(10));
        low_share(&before, &thread_ticks())
    });
    let (r, wall, _) = exporting.join().expect("export thread");
    println!();
    println!(
        "{cores} busy threads at nice 0 (stand-in for forwarding) beside a running MP4 export: the export's \
         threads (nice 19) got {:.1} % of this process's CPU; the busy threads ran at {:.1} % of their rate alone \
         (other processes on the machine also vary this).",
        low as f64 / all.max(1) as f64 * 100.0,
        shared / alone * 100.0
    );
    println!(
        "that export ({:.1} s of media) took {:.1} s, 10 s of it sharing the cores.",
        r.duration_ms as f64 / 1000.0,
        wall.as_secs_f64()
    );
}
