//! The pre-encoded test stream: VP8 at ~300 kbps made once with GStreamer, read from IVF.

use std::path::Path;
use std::process::Command;

use bytes::Bytes;

/// Encode `seconds` of a moving test pattern to `out` (640×360 moving zone plate, 30 fps, ~300 kbps CBR).
pub fn make_vp8(out: &Path, seconds: u32) -> Result<(), String> {
    let status = Command::new("gst-launch-1.0")
        .args(["-q", "videotestsrc", "pattern=zone-plate", "kx2=20", "ky2=20", "kt=1", &format!("num-buffers={}", seconds * 30), "!"])
        .args(["video/x-raw,width=640,height=360,framerate=30/1", "!"])
        .args(["vp8enc", "target-bitrate=300000", "end-usage=cbr", "deadline=1", "cpu-used=8", "keyframe-max-dist=60", "!"])
        .args(["avmux_ivf", "!", "filesink", &format!("location={}", out.display())])
        .status()
        .map_err(|e| format!("gst-launch-1.0: {e}"))?;
    if status.success() { Ok(()) } else { Err("gst-launch-1.0 failed".into()) }
}

/// All frames of an IVF file (32-byte file header, then 12-byte frame headers).
pub fn read_frames(path: &Path) -> Result<Vec<Bytes>, String> {
    let data = std::fs::read(path).map_err(|e| e.to_string())?;
    if data.len() < 32 || &data[0..4] != b"DKIF" {
        return Err("not an IVF file".into());
    }
    let mut frames = Vec::new();
    let mut pos = usize::from(u16::from_le_bytes([data[6], data[7]]));
    while pos + 12 <= data.len() {
        let size = u32::from_le_bytes([data[pos], data[pos + 1], data[pos + 2], data[pos + 3]]) as usize;
        pos += 12;
        if pos + size > data.len() {
            break;
        }
        frames.push(Bytes::copy_from_slice(&data[pos..pos + size]));
        pos += size;
    }
    Ok(frames)
}
