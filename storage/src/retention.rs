//! Retention classes: how long an object must be kept before it may be deleted.

use serde::{Deserialize, Serialize};
use std::time::{Duration, SystemTime};

const DAY: u64 = 24 * 60 * 60;
/// Five years plus a leap day per four years, rounded up to whole days.
const FIVE_YEARS: Duration = Duration::from_secs((5 * 365 + 2) * DAY);

/// What an object is, which decides how long it is kept.
///
/// Requirement R10: exam evidence and recordings are kept at least five years.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum RetentionClass {
    /// Photos, identity checks, answer sheets, certificates: 5 years.
    Evidence,
    /// Audio/video recordings of exams: 5 years.
    Recording,
    /// Ordinary objects: no retention, deletable at any time.
    #[default]
    Standard,
    /// Scratch objects (uploads in progress, exports): no retention; a bucket
    /// lifecycle rule on the `tmp/` prefix may expire them.
    Temp,
}

impl RetentionClass {
    /// Minimum time the object must be kept after it was written.
    pub fn period(self) -> Duration {
        match self {
            RetentionClass::Evidence | RetentionClass::Recording => FIVE_YEARS,
            RetentionClass::Standard | RetentionClass::Temp => Duration::ZERO,
        }
    }

    /// When an object written at `written` may first be deleted, if ever restricted.
    pub fn retain_until(self, written: SystemTime) -> Option<SystemTime> {
        let p = self.period();
        (!p.is_zero()).then(|| written + p)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            RetentionClass::Evidence => "evidence",
            RetentionClass::Recording => "recording",
            RetentionClass::Standard => "standard",
            RetentionClass::Temp => "temp",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "evidence" => RetentionClass::Evidence,
            "recording" => RetentionClass::Recording,
            "standard" => RetentionClass::Standard,
            "temp" => RetentionClass::Temp,
            _ => return None,
        })
    }
}

/// Refuses a delete or overwrite while `retain_until` lies in the future.
pub(crate) fn check_deletable(key: &str, retain_until: Option<SystemTime>) -> crate::Result<()> {
    match retain_until {
        Some(until) if until > SystemTime::now() => Err(crate::Error::RetentionActive {
            key: key.to_owned(),
            until,
        }),
        _ => Ok(()),
    }
}
