//! When the recorder moves up to a higher simulcast layer, the segment it closes can hold a
//! single low-layer frame taken at the very moment the new layer's first keyframe was (layers
//! share capture times); the index then lists a segment of length 0 and the next one starting
//! at the same instant. An export over such a recording must still work: MP4 (transcoded) and
//! remux both finish and last as long as the media. So does an export across a switch where
//! a few low-layer pictures run past the new layer's start (the picture size changes mid-file).

use std::path::Path;
use std::process::Command;

use media_server::Codec;
use media_server::export::{ExportFormat, ExportJob, SegmentFile, export};

const T0: u64 = 1_780_000_000_000;

fn make(dir: &Path, name: &str, chain: &str) -> std::path::PathBuf {
    let path = dir.join(name);
    let desc = format!("{chain} ! filesink location={}", path.display());
    let ok = Command::new("gst-launch-1.0").arg("-q").args(desc.split_whitespace()).status().unwrap();
    assert!(ok.success(), "{desc}");
    path
}

fn seconds(path: &Path) -> f64 {
    let out = Command::new("gst-discoverer-1.0").arg(path).output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout).to_string();
    let d = text.lines().find_map(|l| l.trim().strip_prefix("Duration: ")).unwrap_or_else(|| panic!("{text}"));
    d.split(':').fold(0.0, |acc, p| acc * 60.0 + p.parse::<f64>().unwrap())
}

/// MP4 and remux of `[T0 - 400 ms, T0 + 6 s)` both finish and last about `secs`.
fn export_both(dir: &Path, case: &str, video: &[SegmentFile], audio: &[SegmentFile], secs: f64) {
    for (format, ext) in [(ExportFormat::Mp4, "mp4"), (ExportFormat::Remux, "webm")] {
        let out = dir.join(format!("{case}.{ext}"));
        let job = ExportJob {
            video: video.to_vec(),
            audio: audio.to_vec(),
            from_ms: T0 - 400,
            to_ms: T0 + 6_000,
            format,
            out: out.clone(),
        };
        let report = export(&job, &mut |_| {}).unwrap_or_else(|e| panic!("{case}, {format:?}: {e}"));
        let got = seconds(&out);
        assert!((got - secs).abs() < 0.6, "{case}, {format:?}: {got} s, report {report:?}");
    }
}

#[test]
fn export_survives_a_one_frame_segment_at_a_layer_switch() {
    let dir = tempfile::tempdir().unwrap();
    let low = make(
        dir.path(),
        "low.webm",
        "videotestsrc num-buffers=1 ! video/x-raw,format=I420,width=160,height=120,framerate=15/1 ! vp8enc deadline=1 ! webmmux",
    );
    let high = make(
        dir.path(),
        "high.webm",
        "videotestsrc num-buffers=90 ! video/x-raw,format=I420,width=320,height=240,framerate=15/1 ! \
         vp8enc keyframe-max-dist=15 deadline=1 ! webmmux",
    );
    let audio = make(
        dir.path(),
        "audio.webm",
        "audiotestsrc num-buffers=300 samplesperbuffer=960 ! audio/x-raw,rate=48000,channels=2 ! opusenc ! webmmux",
    );
    let video = vec![
        SegmentFile { path: low, codec: Codec::Vp8, start_ms: T0, end_ms: T0 },
        SegmentFile { path: high, codec: Codec::Vp8, start_ms: T0, end_ms: T0 + 6_000 },
    ];
    let audio = vec![SegmentFile { path: audio, codec: Codec::Opus, start_ms: T0, end_ms: T0 + 6_000 }];
    // A range picked to the second starts before the first frame.
    export_both(dir.path(), "same-instant", &video, &audio, 6.0);

    // The switch a little later: three low-layer pictures, the last two of them after the
    // high layer's first keyframe (arrival times differ from capture times). The picture size
    // changes in the middle of the file.
    let low3 = make(
        dir.path(),
        "low3.webm",
        "videotestsrc num-buffers=3 ! video/x-raw,format=I420,width=160,height=120,framerate=15/1 ! vp8enc deadline=1 ! webmmux",
    );
    let video = vec![
        SegmentFile { path: low3, codec: Codec::Vp8, start_ms: T0 - 100, end_ms: T0 + 100 },
        video[1].clone(),
    ];
    export_both(dir.path(), "overlap", &video, &audio, 6.1);
}
