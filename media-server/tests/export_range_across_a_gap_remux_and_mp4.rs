//! An export of a range that spans a gap between two recorded segments (real VP8/Opus WebM
//! and H.264 fragmented-MP4 files made by GStreamer, as the recorder writes them): remuxing
//! keeps the codecs (VP8 + Opus in WebM, H.264 in MP4), the MP4 export is H.264 + AAC, the
//! files last as long as the range (the gap stays in), and progress climbs to 1.0 on a
//! thread at the lowest CPU priority.

use std::path::Path;
use std::process::Command;

use media_server::Codec;
use media_server::export::{ExportFormat, ExportJob, SegmentFile, export};

const T0: u64 = 1_780_000_000_000;

/// Makes a 6 s segment with `gst-launch-1.0` (keyframe every second for video).
fn segment(dir: &Path, name: &str, codec: Codec, start_ms: u64) -> SegmentFile {
    let path = dir.join(name);
    let video =
        "videotestsrc num-buffers=90 ! video/x-raw,format=I420,width=320,height=240,framerate=15/1";
    let chain = match codec {
        Codec::Vp8 => format!("{video} ! vp8enc keyframe-max-dist=15 deadline=1 ! webmmux"),
        Codec::H264 => format!(
            "{video} ! x264enc key-int-max=15 speed-preset=ultrafast ! h264parse ! mp4mux fragment-duration=1000"
        ),
        _ => "audiotestsrc num-buffers=300 samplesperbuffer=960 ! audio/x-raw,rate=48000,channels=2 ! opusenc ! webmmux"
            .into(),
    };
    let desc = format!("{chain} ! filesink location={}", path.display());
    let ok = Command::new("gst-launch-1.0")
        .arg("-q")
        .args(desc.split_whitespace())
        .status()
        .expect("gst-launch-1.0 runs (deploy/setup.d/50-media.sh)");
    assert!(ok.success(), "{desc}");
    SegmentFile {
        path,
        codec,
        start_ms,
        end_ms: start_ms + 6_000,
    }
}

/// Container, codecs and seconds as `gst-discoverer-1.0` sees them.
fn discover(path: &Path) -> (String, Vec<String>, f64) {
    let out = Command::new("gst-discoverer-1.0")
        .arg(path)
        .output()
        .expect("gst-discoverer-1.0 runs");
    let text = String::from_utf8_lossy(&out.stdout).to_string();
    let field = |prefix: &str| -> Vec<String> {
        text.lines()
            .filter_map(|l| {
                l.trim()
                    .split_once(": ")
                    .filter(|(k, _)| k.starts_with(prefix))
                    .map(|(_, v)| v.to_owned())
            })
            .collect()
    };
    let container = field("container")
        .first()
        .cloned()
        .unwrap_or_else(|| panic!("no container: {text}"));
    let mut codecs = field("video #");
    codecs.extend(field("audio #"));
    let d = field("Duration")
        .first()
        .cloned()
        .unwrap_or_else(|| panic!("no duration: {text}"));
    let secs = d
        .split(':')
        .fold(0.0, |acc, p| acc * 60.0 + p.parse::<f64>().unwrap());
    (container, codecs, secs)
}

/// Runs the export; `steps`: the work is long enough for progress on the way (transcoding).
/// Times (ms from the file's start) of the buffers of one stream (`caps`) of a file.
fn stream_times(path: &Path, demux: &str, caps: &str) -> Vec<u64> {
    use gstreamer as gst;
    use gstreamer::prelude::*;
    gst::init().unwrap();
    let desc = format!(
        "filesrc location={} ! {demux} ! {caps} ! appsink name=sink sync=false",
        path.display()
    );
    let pipeline = gst::parse::launch(&desc)
        .unwrap()
        .downcast::<gst::Pipeline>()
        .unwrap();
    let sink = pipeline
        .by_name("sink")
        .unwrap()
        .downcast::<gstreamer_app::AppSink>()
        .unwrap();
    pipeline.set_state(gst::State::Playing).unwrap();
    let mut times = Vec::new();
    while let Some(sample) = sink.try_pull_sample(gst::ClockTime::from_seconds(5)) {
        if let Some(pts) = sample.buffer().and_then(|b| b.pts()) {
            times.push(pts.mseconds());
        }
    }
    pipeline.set_state(gst::State::Null).unwrap();
    times.sort_unstable();
    times
}

/// Where the stream resumes after its longest pause, and how long the pause is (ms).
fn after_gap(times: &[u64]) -> (u64, u64) {
    times
        .windows(2)
        .map(|w| (w[1], w[1] - w[0]))
        .max_by_key(|(_, d)| *d)
        .unwrap()
}

fn run(job: &ExportJob, steps: bool) -> media_server::export::ExportReport {
    let t = std::time::Instant::now();
    let mut seen: Vec<(f64, Option<i32>)> = Vec::new();
    let report = export(job, &mut |f| {
        seen.push((f, media_server::export::this_thread_priority()))
    })
    .unwrap();
    assert!(
        seen.windows(2).all(|w| w[0].0 < w[1].0),
        "progress only grows: {seen:?}"
    );
    assert_eq!(
        seen.last().map(|s| s.0),
        Some(1.0),
        "progress ends at 1.0: {seen:?}"
    );
    eprintln!("{:?}: {:?}, progress {seen:?}", job.format, t.elapsed());
    assert!(
        !steps || seen.len() >= 2,
        "progress was reported on the way: {seen:?}"
    );
    assert!(
        seen.iter().all(|s| s.1 == Some(19)),
        "the export runs at nice 19: {seen:?}"
    );
    report
}

#[test]
fn export_range_across_a_gap_remux_and_mp4() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    // Two 6 s segments with a 3 s gap between them: [T0, T0+6 s) and [T0+9 s, T0+15 s).
    let vp8 = vec![
        segment(d, "v1.webm", Codec::Vp8, T0),
        segment(d, "v2.webm", Codec::Vp8, T0 + 9_000),
    ];
    let h264 = vec![
        segment(d, "h1.mp4", Codec::H264, T0),
        segment(d, "h2.mp4", Codec::H264, T0 + 9_000),
    ];
    let opus = vec![
        segment(d, "a1.webm", Codec::Opus, T0),
        segment(d, "a2.webm", Codec::Opus, T0 + 9_000),
    ];
    let (from_ms, to_ms) = (T0 + 2_500, T0 + 11_000);
    let job = |video: &[SegmentFile], format, out: &str| ExportJob {
        video: video.to_vec(),
        audio: opus.clone(),
        from_ms,
        to_ms,
        format,
        out: d.join(out),
    };

    // Remux of VP8 + Opus: WebM, starting at the keyframe at 2.0 s (one per second).
    let j = job(&vp8, ExportFormat::Remux, "remux.webm");
    let r = run(&j, false);
    assert_eq!(
        (
            r.container.as_str(),
            r.video_codec.as_deref(),
            r.audio_codec.as_deref()
        ),
        ("webm", Some("vp8"), Some("opus"))
    );
    assert!(!r.transcoded);
    assert_eq!(
        r.start_ms,
        T0 + 2_000,
        "starts at the keyframe before the range"
    );
    let (container, codecs, secs) = discover(&j.out);
    assert_eq!(container, "WebM");
    assert!(
        codecs.iter().any(|c| c.starts_with("VP8")) && codecs.iter().any(|c| c.starts_with("Opus")),
        "{codecs:?}"
    );
    assert!(
        (secs - 9.0).abs() < 1.0,
        "keyframe to range end, gap included: {secs} s"
    );
    assert!(
        (r.duration_ms as f64 / 1000.0 - secs).abs() < 1.0,
        "{r:?} vs {secs}"
    );

    // Both streams pause over the gap and resume together at the second segment's wall-clock
    // offset from the file's start (T0+9 s − T0+2 s = 7 s); audio starts at from_ms (0.5 s).
    let video = stream_times(&j.out, "matroskademux", "video/x-vp8");
    let audio = stream_times(&j.out, "matroskademux", "audio/x-opus");
    let (v_resume, v_pause) = after_gap(&video);
    let (a_resume, a_pause) = after_gap(&audio);
    assert!(
        v_resume.abs_diff(7_000) <= 70 && v_pause >= 2_500,
        "video resumes at {v_resume} ms after {v_pause} ms"
    );
    assert!(
        a_resume.abs_diff(7_000) <= 30 && a_pause >= 2_500,
        "audio resumes at {a_resume} ms after {a_pause} ms"
    );
    assert!(
        video[0] == 0 && audio[0].abs_diff(500) <= 30,
        "starts: video {} ms, audio {} ms",
        video[0],
        audio[0]
    );

    // MP4 export of VP8 + Opus: transcoded to H.264 + AAC, exactly the range.
    let j = job(&vp8, ExportFormat::Mp4, "vp8.mp4");
    let r = run(&j, true);
    assert_eq!(
        (
            r.container.as_str(),
            r.video_codec.as_deref(),
            r.audio_codec.as_deref()
        ),
        ("mp4", Some("h264"), Some("aac"))
    );
    assert!(r.transcoded);
    assert_eq!(r.start_ms, from_ms);
    let (container, codecs, secs) = discover(&j.out);
    assert!(
        container.contains("Quicktime") || container.contains("MP4"),
        "{container}"
    );
    assert!(codecs.iter().any(|c| c.starts_with("H.264")), "{codecs:?}");
    assert!(codecs.iter().any(|c| c.contains("AAC")), "{codecs:?}");
    assert!(
        (secs - 8.5).abs() < 1.0,
        "the range, gap included: {secs} s"
    );
    assert!(
        (r.duration_ms as f64 / 1000.0 - secs).abs() < 1.0,
        "{r:?} vs {secs}"
    );

    // Transcoded video starts exactly at from_ms, so it resumes at 9 s − 2.5 s = 6.5 s.
    let h264_times = stream_times(&j.out, "qtdemux", "video/x-h264");
    assert!(h264_times[0] <= 70, "H.264 starts at {} ms", h264_times[0]);
    let (v_resume, v_pause) = after_gap(&h264_times);
    assert!(
        v_resume.abs_diff(6_500) <= 70 && v_pause >= 2_500,
        "H.264 resumes at {v_resume} ms after {v_pause} ms"
    );

    // H.264 sources: remux copies H.264 (Opus rides along in MP4), the MP4 export copies
    // H.264 and encodes only the audio.
    let j = job(&h264, ExportFormat::Remux, "remux.mp4");
    let r = run(&j, false);
    assert_eq!(
        (
            r.container.as_str(),
            r.video_codec.as_deref(),
            r.audio_codec.as_deref()
        ),
        ("mp4", Some("h264"), Some("opus"))
    );
    let (_, codecs, secs) = discover(&j.out);
    assert!(
        codecs.iter().any(|c| c.starts_with("H.264"))
            && codecs.iter().any(|c| c.starts_with("Opus")),
        "{codecs:?}"
    );
    assert!((secs - 9.0).abs() < 1.0, "{secs} s");

    let j = job(&h264, ExportFormat::Mp4, "h264.mp4");
    let r = run(&j, false);
    assert_eq!(
        (
            r.video_codec.as_deref(),
            r.audio_codec.as_deref(),
            r.transcoded
        ),
        (Some("h264"), Some("aac"), true)
    );
    let (_, codecs, secs) = discover(&j.out);
    assert!(
        codecs.iter().any(|c| c.starts_with("H.264")) && codecs.iter().any(|c| c.contains("AAC")),
        "{codecs:?}"
    );
    assert!((secs - 9.0).abs() < 1.0, "{secs} s");
    assert!(
        (r.duration_ms as f64 / 1000.0 - secs).abs() < 1.0,
        "{r:?} vs {secs}"
    );

    // A range with nothing recorded in it is refused before any work.
    let mut empty = job(&vp8, ExportFormat::Remux, "none.webm");
    (empty.from_ms, empty.to_ms) = (T0 + 6_500, T0 + 8_500);
    let err = export(&empty, &mut |_| {}).unwrap_err();
    assert!(matches!(err, media_server::Error::BadRequest(_)), "{err}");
}
