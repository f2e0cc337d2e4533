//! The per-track index: which segments exist, their media times, and the gaps between them.
//! It is stored next to the segments (`…/index.json`) after every change, and a local copy
//! is kept in the work directory so a restarted server finds it even while S3 is down.

use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::events::TrackKind;
use crate::tap::Codec;

/// Why the recording has a hole.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum GapReason {
    /// The publisher left and came back (reload, network change, new WHIP session).
    PublisherReconnect,
    /// Frames stopped arriving or were lost beyond repair within one publication.
    LostFrames,
    /// The media server stopped without closing the recording (crash, kill, power loss).
    ServerRestart,
}

/// One stored segment. Times are Unix milliseconds of the media, not of the upload.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SegmentEntry {
    pub key: String,
    pub codec: Codec,
    /// Simulcast layer recorded (the highest live one).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub layer: Option<String>,
    pub start_ms: u64,
    pub end_ms: u64,
    pub bytes: u64,
    pub frames: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub width: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub height: Option<u32>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Gap {
    pub from_ms: u64,
    pub to_ms: u64,
    pub reason: GapReason,
}

/// Everything recorded of one participant's audio or video in one room.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecordingIndex {
    pub room: String,
    pub participant: String,
    pub kind: TrackKind,
    /// True while a server is recording it; still true after a crash.
    pub live: bool,
    pub segments: Vec<SegmentEntry>,
    pub gaps: Vec<Gap>,
}

impl RecordingIndex {
    pub fn new(room: &str, participant: &str, kind: TrackKind) -> Self {
        RecordingIndex { room: room.into(), participant: participant.into(), kind, live: false, segments: vec![], gaps: vec![] }
    }

    /// End of the last stored media.
    pub fn end_ms(&self) -> Option<u64> {
        self.segments.iter().map(|s| s.end_ms).max()
    }

    pub fn to_json(&self) -> Vec<u8> {
        serde_json::to_vec_pretty(self).expect("index serialises")
    }

    pub fn from_json(bytes: &[u8]) -> Option<Self> {
        serde_json::from_slice(bytes).ok()
    }

    /// Atomically replaces the local copy (temp file, fsync, rename).
    pub fn save_local(&self, path: &Path) -> std::io::Result<()> {
        use std::io::Write;
        let tmp = path.with_extension("tmp");
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(&self.to_json())?;
        f.sync_all()?;
        std::fs::rename(&tmp, path)
    }
}
