//! Recorder settings (serde; defaults suit an exam: one-minute segments).

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

/// How the recorder cuts and where it keeps open segments.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RecordSettings {
    /// Target segment length; video is cut at the first keyframe after it (the recorder asks
    /// for one shortly before).
    pub segment_secs: u64,
    /// Open segments and the local copy of each index (kept so a restart finds them even
    /// while object storage is down).
    pub work_dir: PathBuf,
    /// Object key prefix: `<prefix>/<room>/<participant>/<kind>/…`.
    pub prefix: String,
    /// A track silent this long has its segment closed (it resumes with a gap).
    pub idle_close_ms: u64,
    /// Frames queued between the core and the recorder before some are lost (counted).
    pub queue_frames: usize,
}

impl Default for RecordSettings {
    fn default() -> Self {
        RecordSettings {
            segment_secs: 60,
            work_dir: PathBuf::from("data/recording"),
            prefix: "recordings".into(),
            idle_close_ms: 3000,
            queue_frames: 16_384,
        }
    }
}

impl RecordSettings {
    pub fn validate(&self) -> crate::Result<()> {
        if !(1..=3600).contains(&self.segment_secs) {
            return Err(crate::Error::Settings("recording segment_secs must be 1..=3600".into()));
        }
        if self.prefix.is_empty() || self.prefix.starts_with('/') || self.prefix.ends_with('/') {
            return Err(crate::Error::Settings("recording prefix must be a relative key without slashes at either end".into()));
        }
        if self.idle_close_ms < 500 || self.queue_frames < 64 {
            return Err(crate::Error::Settings("recording idle_close_ms ≥ 500 and queue_frames ≥ 64".into()));
        }
        Ok(())
    }
}
