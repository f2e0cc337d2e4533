//! Thumbnailer settings: one small JPEG per live video track per period.

use std::time::Duration;

/// How often, how large and where.
#[derive(Clone, Debug, PartialEq)]
pub struct ThumbSettings {
    /// One thumbnail per track per period (at the first keyframe once it is due).
    pub every: Duration,
    /// Width in pixels; the height keeps the aspect ratio. Narrower sources are not enlarged.
    pub width: u32,
    /// JPEG quality, 1..=100.
    pub quality: u8,
    /// Object key prefix: `<prefix>/<room>/<participant>/<unix_ms>.jpg`.
    pub prefix: String,
    /// Video frames queued between the core and the thumbnailer before some are lost (the
    /// loop only looks at keyframe flags, so this stays small).
    pub queue_frames: usize,
}

impl Default for ThumbSettings {
    fn default() -> Self {
        ThumbSettings {
            every: Duration::from_secs(30),
            width: 320,
            quality: 70,
            prefix: "thumbs".into(),
            queue_frames: 1024,
        }
    }
}

impl ThumbSettings {
    pub fn validate(&self) -> crate::Result<()> {
        if self.every < Duration::from_millis(200) || self.every > Duration::from_secs(3600) {
            return Err(crate::Error::Settings("thumbnail period must be 0.2 s ..= 1 h".into()));
        }
        if !(16..=1920).contains(&self.width) {
            return Err(crate::Error::Settings("thumbnail width must be 16..=1920".into()));
        }
        if !(1..=100).contains(&self.quality) {
            return Err(crate::Error::Settings("thumbnail quality must be 1..=100".into()));
        }
        if self.prefix.is_empty() || self.prefix.starts_with('/') || self.prefix.ends_with('/') {
            return Err(crate::Error::Settings("thumbnail prefix must be a relative key without slashes at either end".into()));
        }
        if self.queue_frames < 16 {
            return Err(crate::Error::Settings("thumbnail queue_frames ≥ 16".into()));
        }
        Ok(())
    }
}
