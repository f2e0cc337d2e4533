//! Per-address limit on failed sign-ins, beside the per-account lock kept in the database:
//! the account lock stops guessing one password, this stops spraying many usernames.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

pub struct IpThrottle {
    max_failures: u32,
    window: Duration,
    seen: Mutex<HashMap<IpAddr, (u32, Instant)>>,
}

impl IpThrottle {
    pub fn new(max_failures: u32, window: Duration) -> IpThrottle {
        IpThrottle { max_failures, window, seen: Mutex::new(HashMap::new()) }
    }

    /// Seconds to wait if this address is over its limit now.
    pub fn blocked_for(&self, ip: IpAddr, now: Instant) -> Option<u64> {
        let seen = self.seen.lock().unwrap_or_else(|e| e.into_inner());
        let (count, start) = seen.get(&ip)?;
        let elapsed = now.saturating_duration_since(*start);
        (*count >= self.max_failures && elapsed < self.window)
            .then(|| (self.window - elapsed).as_secs().max(1))
    }

    pub fn record_failure(&self, ip: IpAddr, now: Instant) {
        let mut seen = self.seen.lock().unwrap_or_else(|e| e.into_inner());
        // Bound memory: forget windows that have closed once the map grows.
        if seen.len() > 100_000 {
            let window = self.window;
            seen.retain(|_, (_, start)| now.saturating_duration_since(*start) < window);
        }
        let entry = seen.entry(ip).or_insert((0, now));
        if now.saturating_duration_since(entry.1) >= self.window {
            *entry = (0, now);
        }
        entry.0 += 1;
    }

    pub fn record_success(&self, ip: IpAddr) {
        self.seen.lock().unwrap_or_else(|e| e.into_inner()).remove(&ip);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocks_after_limit_and_releases_after_window() {
        let t = IpThrottle::new(3, Duration::from_secs(60));
        let ip: IpAddr = "10.0.0.1".parse().unwrap();
        let t0 = Instant::now();
        for _ in 0..3 {
            assert!(t.blocked_for(ip, t0).is_none());
            t.record_failure(ip, t0);
        }
        assert_eq!(t.blocked_for(ip, t0), Some(60));
        assert!(t.blocked_for(ip, t0 + Duration::from_secs(61)).is_none());
    }
}
