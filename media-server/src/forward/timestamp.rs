//! RTP timestamp continuity across source switches.

use std::time::Instant;

/// Maps source RTP times to one monotonic output timeline.
///
/// Simulcast layers (and a republished source) each start at a random RTP time; when the
/// forwarded track switches source, the output continues from where it was, advanced by
/// the wall-clock time that passed.
#[derive(Debug, Clone, Default)]
pub struct TimestampRewriter {
    offset: i64,
    last: Option<(u64, Instant)>,
}

impl TimestampRewriter {
    /// Output time of a frame of the current source.
    pub fn rewrite(&mut self, source_time: u64, arrival: Instant) -> u64 {
        let out = (source_time as i64 + self.offset).max(0) as u64;
        self.last = Some((out, arrival));
        out
    }

    /// Re-anchor on a new source whose frame at `source_time` arrived at `arrival`.
    pub fn switch_source(&mut self, source_time: u64, arrival: Instant, clock_rate: u32) {
        let Some((last_out, last_arrival)) = self.last else {
            self.offset = 0;
            return;
        };
        let elapsed = arrival.saturating_duration_since(last_arrival);
        // At least one tick forward so the subscriber never sees time repeat.
        let ticks = ((elapsed.as_secs_f64() * clock_rate as f64) as u64).max(1);
        let target = last_out + ticks;
        self.offset = target as i64 - source_time as i64;
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[test]
    fn switch_continues_output_time_by_elapsed_wall_clock() {
        let t0 = Instant::now();
        let mut r = TimestampRewriter::default();
        assert_eq!(r.rewrite(1_000, t0), 1_000);
        assert_eq!(r.rewrite(4_000, t0 + Duration::from_millis(33)), 4_000);
        // New source with an unrelated base, 100 ms later.
        let t1 = t0 + Duration::from_millis(133);
        r.switch_source(9_000_000, t1, 90_000);
        assert_eq!(r.rewrite(9_000_000, t1), 4_000 + 9_000);
        assert_eq!(r.rewrite(9_003_000, t1), 4_000 + 9_000 + 3_000);
    }
}
