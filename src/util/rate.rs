//! A byte-rate limit: PBS's byte sizes (`10M`, `1.5MiB`) and a token bucket that callers block on.
//!
//! The bucket starts full (`burst` bytes may pass at once), refills at `rate` bytes a second and
//! may go into debt: a caller that takes more than is there sleeps until the debt is paid, so
//! the long-run average never exceeds `rate` whatever the size of each take.

use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Parses a byte size as PBS does: a number (fractions allowed) and an optional unit, `K`,
/// `M`, `G`, `T`, `P` decimal (`1M` = 1,000,000), with an `i` binary (`1Mi` = 1,048,576); a
/// trailing `B` changes nothing.
pub fn parse_byte_size(text: &str) -> Result<u64, String> {
    let bad = || format!("{text:?} is not a byte size (like 10M, 1.5MiB or 65536)");
    let t = text.trim();
    let t = t.strip_suffix(['b', 'B']).unwrap_or(t);
    let (t, binary) = match t.strip_suffix('i') {
        Some(rest) => (rest, true),
        None => (t, false),
    };
    let (number, power) = match t.chars().last().map(|c| c.to_ascii_uppercase()) {
        Some('K') => (&t[..t.len() - 1], 1),
        Some('M') => (&t[..t.len() - 1], 2),
        Some('G') => (&t[..t.len() - 1], 3),
        Some('T') => (&t[..t.len() - 1], 4),
        Some('P') => (&t[..t.len() - 1], 5),
        _ if binary => return Err(bad()),
        _ => (t, 0),
    };
    let value: f64 = number.trim().parse().map_err(|_| bad())?;
    if !value.is_finite() || value < 0.0 {
        return Err(bad());
    }
    let base: f64 = if binary { 1024.0 } else { 1000.0 };
    let bytes = value * base.powi(power);
    if bytes >= u64::MAX as f64 {
        return Err(format!("{text:?} is too large"));
    }
    Ok(bytes.round() as u64)
}

/// Why a take did not complete.
#[derive(Debug, thiserror::Error)]
#[error("cancelled while waiting for the rate limit")]
pub struct Cancelled;

/// A token bucket shared by every thread that moves bytes for one command.
#[derive(Debug)]
pub struct RateLimiter {
    rate: f64,
    burst: f64,
    state: Mutex<Bucket>,
}

#[derive(Debug)]
struct Bucket {
    /// Bytes that may pass now; negative is debt.
    tokens: f64,
    last: Instant,
    /// When the debt taken so far is paid.
    paid_at: Instant,
    /// Wall time some take was held in all (overlapping waits of parallel takers count once).
    held: Duration,
}

impl RateLimiter {
    /// `rate` bytes a second (at least 1), `burst` bytes at once (default: one second's worth).
    pub fn new(rate: u64, burst: Option<u64>) -> RateLimiter {
        let rate = rate.max(1) as f64;
        let burst = burst.map_or(rate, |b| b.max(1) as f64);
        RateLimiter {
            rate,
            burst,
            state: Mutex::new(Bucket {
                tokens: burst,
                last: Instant::now(),
                paid_at: Instant::now(),
                held: Duration::ZERO,
            }),
        }
    }

    /// Takes `bytes`, sleeping while the bucket is in debt; wakes at least every 100 ms to
    /// notice Ctrl-C.
    pub fn take(&self, bytes: u64) -> Result<(), Cancelled> {
        let wait = {
            let mut b = self.state.lock().unwrap_or_else(|e| e.into_inner());
            let now = Instant::now();
            let refill = now.duration_since(b.last).as_secs_f64() * self.rate;
            b.tokens = (b.tokens + refill).min(self.burst) - bytes as f64;
            b.last = now;
            let wait = if b.tokens < 0.0 {
                Duration::from_secs_f64(-b.tokens / self.rate)
            } else {
                Duration::ZERO
            };
            let (from, to) = (b.paid_at.max(now), now + wait);
            if to > from {
                b.held += to - from;
                b.paid_at = to;
            }
            wait
        };
        let until = Instant::now() + wait;
        loop {
            if crate::util::cancel::requested() {
                return Err(Cancelled);
            }
            let left = until.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Ok(());
            }
            std::thread::sleep(left.min(Duration::from_millis(100)));
        }
    }

    /// Wall time the limit held takers back.
    pub fn held(&self) -> Duration {
        self.state.lock().unwrap_or_else(|e| e.into_inner()).held
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn byte_sizes_parse_as_pbs_reads_them() {
        assert_eq!(parse_byte_size("65536"), Ok(65536));
        assert_eq!(parse_byte_size("10M"), Ok(10_000_000));
        assert_eq!(parse_byte_size("10MB"), Ok(10_000_000));
        assert_eq!(parse_byte_size("1Mi"), Ok(1 << 20));
        assert_eq!(parse_byte_size("1.5MiB"), Ok(3 << 19));
        assert_eq!(parse_byte_size("2 KiB"), Ok(2048));
        assert_eq!(parse_byte_size("1k"), Ok(1000));
        for bad in ["", "fast", "-1M", "1Xi", "Mi", "1e400", "NaN"] {
            assert!(parse_byte_size(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn the_bucket_lends_its_burst_then_charges_the_rate() {
        let limit = RateLimiter::new(1_000_000, Some(100_000));
        limit.take(100_000).unwrap();
        assert!(limit.held().is_zero(), "the burst passes at once");
        limit.take(200_000).unwrap();
        // 200 kB beyond an empty bucket at 1 MB/s: about 0.2 s owed (less what refilled).
        let owed = limit.held().as_secs_f64();
        assert!((0.15..=0.2).contains(&owed), "{owed}");
        // Takers in parallel wait in turn: two more 100 kB takes hold 0.1 s each.
        std::thread::scope(|s| {
            s.spawn(|| limit.take(100_000).unwrap());
            s.spawn(|| limit.take(100_000).unwrap());
        });
        let owed = limit.held().as_secs_f64();
        assert!((0.35..=0.4).contains(&owed), "{owed}");
    }
}
