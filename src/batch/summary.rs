//! What a batch reports when it ends: [`Summary`], its latency figures and its `Display`.

use std::fmt;
use std::time::Duration;

use super::StopReason;
use crate::error::ErrorKind;

/// How a batch went. With [`Batch::run`](super::Batch::run) it comes with the results.
///
/// Its `Display` is a short summary for a person:
///
/// ```text
/// 400 inputs in 10.3 s: 398 ok, 2 failed (2 rate limited)
/// 412 attempts (12 retries), 1 throttle pause (0.2 s), concurrency 16 -> 8
/// latency of successes: p50 203 ms, p95 215 ms, max 231 ms
/// 800 credits used (X-FourA-Credits, failures included)
/// ```
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Summary {
    /// Inputs finished.
    pub done: usize,
    /// Inputs that failed.
    pub failed: usize,
    /// Work used, as FourA reports it in `X-FourA-Credits` on each answer, failures included.
    /// It is the work done, not what is billed (only successes are billed; for `auto` the billed
    /// figure is not available from the API at all).
    pub credits: f64,
    /// Why the batch stopped early, if it did. `None` when every input is known to have been
    /// started: the input ran out, or its exact length was known and reached. A stop right
    /// after the last input of an input of unknown length (lines of a file, say) is still
    /// reported: the batch does not read on to find out, since reading might block.
    pub stopped: Option<StopReason>,
    /// When it stopped early: the index of the first input not started. Inputs are started
    /// in order, so this one and every later one — if the input has any more — were not
    /// started, nor read from the input.
    pub not_started_from: Option<usize>,
    /// The lowest concurrency throttling brought the batch down to.
    pub lowest_concurrency: usize,
    /// Wall-clock time from the start of the batch to its end.
    pub elapsed: Duration,
    /// Inputs started (read from the input and sent); `done` once the batch has ended.
    pub started: usize,
    /// Inputs never started, when the input's exact length was known; `None` when it was not
    /// (then see [`not_started_from`](Summary::not_started_from)).
    pub not_started: Option<usize>,
    /// Attempts made over all inputs, retries included (as each result reports them).
    pub attempts: u64,
    /// Retries the client made: `attempts` minus one per input that was sent.
    pub retries: u64,
    /// How many times FourA's answers (throttling, capacity, maintenance) paused every start.
    pub pauses: usize,
    /// The total time starts were paused for (overlapping pauses counted once).
    pub paused: Duration,
    /// Failures by kind, in the order each kind first appeared.
    pub failures: Vec<(ErrorKind, usize)>,
    /// Latency of successful calls, retries and their waits included.
    pub latency: Latency,
    /// The concurrency the batch was given with [`Batch::concurrency`](super::Batch::concurrency).
    pub concurrency: usize,
    /// The ceiling FourA declared (`limits.maxConcurrency`) and the batch adopted, if it did.
    pub declared_concurrency: Option<usize>,
    /// The request rate FourA declared (`limits.maxRpm`) and the batch kept within, if it did.
    pub declared_rpm: Option<u64>,
}

impl Summary {
    pub(crate) fn new(concurrency: usize) -> Summary {
        Summary {
            done: 0,
            failed: 0,
            credits: 0.0,
            stopped: None,
            not_started_from: None,
            lowest_concurrency: concurrency,
            elapsed: Duration::ZERO,
            started: 0,
            not_started: None,
            attempts: 0,
            retries: 0,
            pauses: 0,
            paused: Duration::ZERO,
            failures: Vec::new(),
            latency: Latency::default(),
            concurrency,
            declared_concurrency: None,
            declared_rpm: None,
        }
    }

    /// Counts one finished input: its failure's kind (`None` for a success), the attempts it
    /// took and the credits it used.
    pub(crate) fn tally(&mut self, failure: Option<ErrorKind>, attempts: u32, credits: f64) {
        self.done += 1;
        self.credits += credits;
        self.attempts += u64::from(attempts);
        self.retries += u64::from(attempts.saturating_sub(1));
        if let Some(kind) = failure {
            self.failed += 1;
            match self.failures.iter_mut().find(|(k, _)| *k == kind) {
                Some((_, n)) => *n += 1,
                None => self.failures.push((kind, 1)),
            }
        }
    }
}

impl fmt::Display for Summary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} input{} in {:.1} s: {} ok, {} failed",
            self.done,
            if self.done == 1 { "" } else { "s" },
            self.elapsed.as_secs_f64(),
            self.done - self.failed,
            self.failed
        )?;
        if !self.failures.is_empty() {
            let kinds: Vec<String> = self
                .failures
                .iter()
                .map(|(kind, n)| format!("{n} {kind}"))
                .collect();
            write!(f, " ({})", kinds.join(", "))?;
        }
        write!(
            f,
            "\n{} attempts ({} retr{}), {} throttle pause{} ({:.1} s), concurrency {}",
            self.attempts,
            self.retries,
            if self.retries == 1 { "y" } else { "ies" },
            self.pauses,
            if self.pauses == 1 { "" } else { "s" },
            self.paused.as_secs_f64(),
            self.concurrency
        )?;
        if self.lowest_concurrency < self.concurrency {
            write!(f, " -> {}", self.lowest_concurrency)?;
        }
        if let Some(max) = self.declared_concurrency {
            write!(f, " (FourA declared at most {max} in flight)")?;
        }
        if let Some(rpm) = self.declared_rpm {
            write!(f, " (FourA declared at most {rpm} a minute)")?;
        }
        if let (Some(p50), Some(p95), Some(max)) =
            (self.latency.p50, self.latency.p95, self.latency.max)
        {
            write!(
                f,
                "\nlatency of successes: p50 {}, p95 {}, max {}",
                millis(p50),
                millis(p95),
                millis(max)
            )?;
        }
        write!(
            f,
            "\n{} credits used (X-FourA-Credits, failures included)",
            self.credits
        )?;
        if let Some(reason) = self.stopped {
            write!(f, "\nstopped: {reason}")?;
            if let Some(from) = self.not_started_from {
                write!(f, "; inputs from index {from} on were not started")?;
            }
            if let Some(n) = self.not_started {
                write!(f, " ({n} not started)")?;
            }
        }
        Ok(())
    }
}

fn millis(d: Duration) -> String {
    format!("{} ms", d.as_millis())
}

/// Latency of a batch's successful calls. The percentiles come from fixed buckets about 6 %
/// wide, so they are exact to within that; `max` is exact.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Latency {
    /// How many successful calls were measured.
    pub count: u64,
    /// The median; `None` without a success.
    pub p50: Option<Duration>,
    /// The 95th percentile; `None` without a success.
    pub p95: Option<Duration>,
    /// The slowest; `None` without a success.
    pub max: Option<Duration>,
}

/// Sub-buckets per doubling of the latency: each bucket is 1/16 of its octave wide.
const SUB_BITS: u32 = 4;
/// Octaves of microseconds kept: up to 2^40 µs (about 12 days); anything longer is counted
/// in the last bucket.
const OCTAVES: usize = 40;
const BUCKETS: usize = (OCTAVES + 1) << SUB_BITS;

/// A fixed-size latency histogram in microseconds: no allocation per call.
pub(crate) struct Histogram {
    counts: Box<[u64; BUCKETS]>,
    count: u64,
    max: Duration,
}

impl Histogram {
    pub(crate) fn new() -> Histogram {
        Histogram {
            counts: Box::new([0; BUCKETS]),
            count: 0,
            max: Duration::ZERO,
        }
    }

    pub(crate) fn record(&mut self, d: Duration) {
        let micros = u64::try_from(d.as_micros()).unwrap_or(u64::MAX);
        self.counts[bucket(micros)] += 1;
        self.count += 1;
        self.max = self.max.max(d);
    }

    pub(crate) fn latency(&self) -> Latency {
        if self.count == 0 {
            return Latency::default();
        }
        Latency {
            count: self.count,
            p50: Some(self.quantile(0.50)),
            p95: Some(self.quantile(0.95)),
            max: Some(self.max),
        }
    }

    /// The middle of the bucket holding the `q` quantile, never above the maximum seen.
    fn quantile(&self, q: f64) -> Duration {
        // The rank of the quantile, 1-based: ceil(q * n).
        let rank = ((q * self.count as f64).ceil() as u64).clamp(1, self.count);
        let mut seen = 0;
        for (i, &n) in self.counts.iter().enumerate() {
            seen += n;
            if seen >= rank {
                let (low, high) = bounds(i);
                let middle = Duration::from_micros(low + (high - low) / 2);
                return middle.min(self.max);
            }
        }
        self.max
    }
}

/// The bucket of a latency in microseconds: values below 16 µs have one bucket each; above,
/// each octave `[2^e, 2^(e+1))` is split into 16 equal buckets.
fn bucket(micros: u64) -> usize {
    let sub = 1u64 << SUB_BITS;
    if micros < sub {
        return micros as usize;
    }
    let octave = 63 - micros.leading_zeros(); // >= SUB_BITS
    let index = ((octave - SUB_BITS + 1) << SUB_BITS) as usize
        + ((micros >> (octave - SUB_BITS)) - sub) as usize;
    index.min(BUCKETS - 1)
}

/// The values `[low, high)` a bucket holds, in microseconds.
fn bounds(index: usize) -> (u64, u64) {
    let sub = 1usize << SUB_BITS;
    if index < sub {
        return (index as u64, index as u64 + 1);
    }
    let octave = (index >> SUB_BITS) as u32 - 1 + SUB_BITS;
    let step = 1u64 << (octave - SUB_BITS);
    let low = (1u64 << octave) + (index % sub) as u64 * step;
    (low, low + step)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buckets_hold_their_values() {
        for micros in [0, 1, 15, 16, 17, 31, 32, 200_000, 1 << 39] {
            let (low, high) = bounds(bucket(micros));
            assert!(
                low <= micros && micros < high,
                "{micros} in [{low}, {high})"
            );
            assert!(high - low <= low / 16 + 1);
        }
        assert_eq!(bucket(u64::MAX), BUCKETS - 1);
    }

    #[test]
    fn percentiles_are_within_a_bucket() {
        let mut h = Histogram::new();
        for ms in 1..=100 {
            h.record(Duration::from_millis(ms));
        }
        let l = h.latency();
        assert_eq!(l.count, 100);
        let p50 = l.p50.unwrap().as_millis();
        let p95 = l.p95.unwrap().as_millis();
        assert!((47..=53).contains(&p50), "{p50}");
        assert!((90..=100).contains(&p95), "{p95}");
        assert_eq!(l.max, Some(Duration::from_millis(100)));
        assert_eq!(Histogram::new().latency(), Latency::default());
    }
}
