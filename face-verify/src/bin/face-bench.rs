//! Verification speed on a 640x480 camera-like frame.
//!
//! `cargo run --release -p face-verify --bin face-bench -- [--image PATH] [--iterations N] [--seconds S] [--antispoof on|off]`
//!
//! 1. Latency on one core: one worker with one ONNX Runtime thread, N sequential
//!    verifications (JPEG decode included), split into decode, ONNX time and the rest.
//! 2. Throughput on two cores: two workers, two threads calling `verify` for S seconds.
//!
//! `--antispoof off` measures verification alone, without the experimental liveness model.

use std::io::Cursor;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use face_verify::{FaceEngine, FaceSettings, RgbImage};
use image::{ImageFormat, Rgb};

fn main() {
    if let Err(e) = run() {
        eprintln!("face-bench: {e}");
        std::process::exit(1);
    }
}

fn run() -> Result<(), Box<dyn std::error::Error>> {
    let mut image = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../shared/data/faces/celebrity-pairs/img1.jpg");
    let mut iterations = 100usize;
    let mut seconds = 10u64;
    let mut antispoof = FaceSettings::default().antispoof;
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let value = it.next().ok_or_else(|| format!("{flag} needs a value"))?;
        match flag.as_str() {
            "--image" => image = PathBuf::from(value),
            "--iterations" => iterations = value.parse()?,
            "--seconds" => seconds = value.parse()?,
            "--antispoof" => antispoof = value == "on",
            _ => return Err(format!("unknown flag {flag}").into()),
        }
    }

    let mut settings = FaceSettings::from_env();
    settings.workers = 1;
    settings.threads_per_worker = 1;
    settings.antispoof = antispoof;
    let engine = FaceEngine::load(&settings)?;
    let source = engine.decode(&std::fs::read(&image)?)?;
    let frame = letterbox(&source, 640, 480);
    let mut jpeg = Vec::new();
    frame.write_to(&mut Cursor::new(&mut jpeg), ImageFormat::Jpeg)?;
    let enrollment = engine.enroll_image(&frame)?;
    println!("liveness on the frame: {:?}", enrollment.liveness);
    let enrolled = enrollment.embedding;
    println!(
        "frame: 640x480 JPEG of {} ({} bytes)",
        image.display(),
        jpeg.len()
    );

    // Warm-up: first runs allocate ONNX Runtime's buffers for each pyramid shape.
    for _ in 0..5 {
        engine.verify(&enrolled, &jpeg)?;
    }
    let cpu_before = process_cpu();
    let mut totals = Vec::with_capacity(iterations);
    let mut liveness_onnx = Duration::ZERO;
    let (mut decode, mut detect_onnx, mut embed_onnx, mut pre_post) = (
        Duration::ZERO,
        Duration::ZERO,
        Duration::ZERO,
        Duration::ZERO,
    );
    for _ in 0..iterations {
        let started = Instant::now();
        let decoded = engine.decode(&jpeg)?;
        let decoded_at = started.elapsed();
        let analysis = engine.analyse(&decoded)?;
        let matched = analysis
            .embedding
            .as_ref()
            .is_some_and(|e| e.distance(&enrolled) <= settings.match_threshold);
        let total = started.elapsed();
        if !matched {
            return Err("the benchmark frame did not match its own enrolment".into());
        }
        decode += decoded_at;
        detect_onnx += analysis.timings.detect_onnx;
        embed_onnx += analysis.timings.embed_onnx;
        liveness_onnx += analysis.timings.liveness_onnx;
        pre_post += analysis.timings.pre_post();
        totals.push(total);
    }
    let cpu = process_cpu().saturating_sub(cpu_before);
    totals.sort();
    let n = iterations as u32;
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    println!("\n== one core (1 worker, 1 ONNX thread), {iterations} verifications");
    println!(
        "median {:.2} ms, p95 {:.2} ms, mean {:.2} ms",
        ms(totals[iterations / 2]),
        ms(totals[iterations * 95 / 100]),
        ms(totals.iter().sum::<Duration>() / n)
    );
    println!(
        "mean split: decode {:.2} ms | detector ONNX {:.2} ms | descriptor ONNX {:.2} ms | antispoof (experimental) {:.2} ms | pre/post-processing {:.2} ms",
        ms(decode / n),
        ms(detect_onnx / n),
        ms(embed_onnx / n),
        ms(liveness_onnx / n),
        ms(pre_post / n)
    );

    println!(
        "CPU time per verification: {:.2} ms (process user+system time / {iterations}; unaffected by other load on the machine)",
        ms(cpu / n)
    );

    settings.workers = 2;
    let engine = Arc::new(FaceEngine::load(&settings)?);
    let jpeg = Arc::new(jpeg);
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let started = Instant::now();
    let cpu_before = process_cpu();
    let threads: Vec<_> = (0..2)
        .map(|_| {
            let (engine, jpeg, enrolled) =
                (Arc::clone(&engine), Arc::clone(&jpeg), enrolled.clone());
            std::thread::spawn(move || -> Result<usize, String> {
                let mut done = 0;
                while Instant::now() < deadline {
                    let verdict = engine.verify(&enrolled, &jpeg).map_err(|e| e.to_string())?;
                    if !verdict.matched {
                        return Err("frame did not match".into());
                    }
                    done += 1;
                }
                Ok(done)
            })
        })
        .collect();
    let mut done = 0;
    for t in threads {
        done += t.join().map_err(|_| "worker thread panicked")??;
    }
    let elapsed = started.elapsed().as_secs_f64();
    let cpu = process_cpu().saturating_sub(cpu_before).as_secs_f64();
    println!("\n== two cores (2 workers x 1 ONNX thread, 2 calling threads), {seconds} s");
    println!(
        "{done} verifications in {elapsed:.2} s = {:.1} verifications/s (wall clock)",
        done as f64 / elapsed
    );
    println!(
        "CPU used {cpu:.2} s = {:.2} cores busy; {:.1} verifications per CPU-second, so {:.1}/s on two idle cores",
        cpu / elapsed,
        done as f64 / cpu,
        2.0 * done as f64 / cpu
    );
    Ok(())
}

/// User + system CPU time of this process so far, from /proc/self/stat (Linux clock ticks,
/// 100 per second), so that figures survive a machine shared with other work.
fn process_cpu() -> Duration {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let after_name = stat.rsplit(')').next().unwrap_or_default();
    let fields: Vec<&str> = after_name.split_whitespace().collect();
    let ticks = |i: usize| {
        fields
            .get(i)
            .and_then(|v| v.parse::<u64>().ok())
            .unwrap_or(0)
    };
    // Fields 14 and 15 of the file (utime, stime) are 12 and 13 after the name.
    Duration::from_millis((ticks(11) + ticks(12)) * 10)
}

/// Fits `src` inside a `w` x `h` black frame, keeping its aspect ratio.
fn letterbox(src: &RgbImage, w: u32, h: u32) -> RgbImage {
    let scale = (w as f32 / src.width() as f32).min(h as f32 / src.height() as f32);
    let (sw, sh) = (
        (src.width() as f32 * scale) as u32,
        (src.height() as f32 * scale) as u32,
    );
    let resized = image::imageops::resize(
        src,
        sw.max(1),
        sh.max(1),
        image::imageops::FilterType::Triangle,
    );
    let mut frame = RgbImage::from_pixel(w, h, Rgb([0, 0, 0]));
    image::imageops::overlay(
        &mut frame,
        &resized,
        i64::from((w - sw) / 2),
        i64::from((h - sh) / 2),
    );
    frame
}
