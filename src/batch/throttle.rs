//! The batch's adaptive concurrency and start pauses, driven by FourA's throttling answers.

use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, Instant};

use crate::error::{ErrorKind, RateLimit};
use crate::retry::later;

/// One burst of refusals cuts the concurrency once.
const BURST: Duration = Duration::from_millis(500);

/// What FourA's answer asks of the batch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Signal {
    /// Too much at once (`429`, or `503` at capacity): fewer in flight, and wait.
    Throttled,
    /// The service is offline for maintenance (`503 Service disabled`): wait, all the same.
    Paused,
}

impl Signal {
    /// The signal an error kind gives, if any.
    pub(crate) fn of(kind: ErrorKind) -> Option<Signal> {
        match kind {
            ErrorKind::RateLimited | ErrorKind::AtCapacity => Some(Signal::Throttled),
            ErrorKind::ServiceDisabled => Some(Signal::Paused),
            _ => None,
        }
    }
}

/// The adaptive concurrency: shared with the workers' attempt watchers, which a user's
/// [`BatchItem`](super::BatchItem) could keep in a clone of the client it is handed, so they
/// must be `'static`.
#[derive(Debug)]
pub(crate) struct Throttle {
    /// The concurrency currently allowed.
    pub(crate) allowed: usize,
    pub(crate) lowest: usize,
    /// The most `allowed` may grow back to: the batch's concurrency, or the lower ceiling
    /// FourA declared.
    pub(crate) ceiling: usize,
    /// The `limits.maxConcurrency` adopted, if FourA declared one.
    pub(crate) declared: Option<usize>,
    /// The `limits.maxRpm` kept within, if FourA declared one.
    pub(crate) declared_rpm: Option<u64>,
    /// Successes in a row since the last change of `allowed`.
    successes: usize,
    /// No new start before this instant (FourA asked for a wait).
    pub(crate) pause_until: Option<Instant>,
    /// When concurrency was last cut, so that one burst of 429s cuts it once.
    last_cut: Option<Instant>,
    /// How many pauses began, and how long starts were paused in all.
    pub(crate) pauses: usize,
    pub(crate) paused: Duration,
    /// The least time between two starts that keeps within `declared_rpm`.
    pub(crate) rpm_spacing: Option<Duration>,
    /// Inputs started and not finished (some may be waiting to retry in the client).
    pub(crate) in_flight: usize,
}

impl Throttle {
    pub(crate) fn new(limit: usize) -> Throttle {
        Throttle {
            allowed: limit,
            lowest: limit,
            ceiling: limit,
            declared: None,
            declared_rpm: None,
            successes: 0,
            pause_until: None,
            last_cut: None,
            pauses: 0,
            paused: Duration::ZERO,
            rpm_spacing: None,
            in_flight: 0,
        }
    }

    /// FourA refused a call. For throttling: when it declared its limits
    /// (<https://foura.ai/docs/api/rate-limits>: `limits.maxConcurrency`, `limits.maxRpm`, for
    /// the whole API — `service: "api"` — or one engine), the batch adopts them: at most
    /// `maxConcurrency` in flight from now on, and starts spaced to keep within `maxRpm`; the
    /// lowest figures declared win, and one engine's limit caps the whole batch (a batch
    /// mixing engines runs at the strictest one's limit). A refusal the declared limits do not explain (the batch
    /// was already within them) halves the concurrency, once per burst, as when nothing is
    /// declared. Either way, new starts pause for `wait`.
    pub(crate) fn refused(
        &mut self,
        signal: Signal,
        wait: Option<Duration>,
        declared: Option<&RateLimit>,
    ) {
        let now = Instant::now();
        if signal == Signal::Throttled {
            self.successes = 0;
            if !self.adopt(declared) {
                let burst = self.last_cut.is_some_and(|t| now.duration_since(t) < BURST);
                if !burst {
                    self.allowed = (self.allowed / 2).max(1);
                    self.last_cut = Some(now);
                }
            } else {
                self.last_cut = Some(now);
            }
            self.lowest = self.lowest.min(self.allowed);
        }
        if let Some(wait) = wait {
            self.pause(now, wait);
        }
    }

    /// Takes FourA's declared limits; whether they explain the refusal (the batch allowed
    /// more in flight than declared, or was refused for a rate it now keeps within).
    fn adopt(&mut self, declared: Option<&RateLimit>) -> bool {
        let Some(limits) = declared else {
            return false;
        };
        let mut explained = false;
        // A zero is not a limit to adopt (a "Service disabled" body may carry zeros).
        if let Some(max) = limits
            .max_concurrency
            .and_then(|m| usize::try_from(m).ok())
            .filter(|&m| m > 0)
        {
            // More of ours were out than the cap allows (those the client is about to retry
            // included): the cap explains the refusal, and no cut below it is needed.
            explained |= self.allowed > max || self.in_flight > max;
            self.allowed = self.allowed.min(max);
            if max < self.ceiling {
                self.ceiling = max;
                self.declared = Some(max);
            }
        }
        if let Some(rpm) = limits.max_rpm.filter(|&r| r > 0) {
            if self.declared_rpm.is_none_or(|d| rpm < d) {
                self.declared_rpm = Some(rpm);
                self.rpm_spacing =
                    Some(Duration::from_secs(60) / u32::try_from(rpm).unwrap_or(u32::MAX));
                // Refused for the rate (`current.rpm` at the cap), which spacing now keeps.
                explained |= limits.rpm.is_some_and(|now| now >= rpm);
            }
        }
        explained
    }

    /// No new start before `now + wait`; the time added to the pause is counted.
    fn pause(&mut self, now: Instant, wait: Duration) {
        let until = later(now, wait);
        let current = self.pause_until.filter(|p| *p > now);
        match current {
            Some(p) if p >= until => {}
            Some(p) => {
                self.paused += until.duration_since(p);
                self.pause_until = Some(until);
            }
            None => {
                self.pauses += 1;
                self.paused += until.duration_since(now);
                self.pause_until = Some(until);
            }
        }
    }

    /// One more success: after as many in a row as the allowed concurrency, allow one more,
    /// up to the ceiling.
    pub(crate) fn succeeded(&mut self) {
        self.successes += 1;
        if self.successes >= self.allowed && self.allowed < self.ceiling {
            self.allowed += 1;
            self.successes = 0;
        }
    }

    /// A failure that says nothing about load.
    pub(crate) fn failed(&mut self) {
        self.successes = 0;
    }
}

pub(crate) fn lock_throttle(t: &Mutex<Throttle>) -> MutexGuard<'_, Throttle> {
    t.lock().unwrap_or_else(|p| p.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn declared(max_concurrency: u64, max_rpm: u64) -> RateLimit {
        RateLimit {
            max_concurrency: Some(max_concurrency),
            max_rpm: Some(max_rpm),
            ..RateLimit::default()
        }
    }

    #[test]
    fn declared_limits_are_adopted_not_halved() {
        let mut t = Throttle::new(16);
        t.refused(Signal::Throttled, None, Some(&declared(8, 6000)));
        assert_eq!((t.allowed, t.ceiling, t.declared), (8, 8, Some(8)));
        assert_eq!(t.rpm_spacing, Some(Duration::from_millis(10)));
        // Within the declared figures and still refused: someone else shares them.
        t.refused(Signal::Throttled, None, Some(&declared(8, 6000)));
        assert_eq!(t.allowed, 8, "one cut per burst");
        for _ in 0..100 {
            t.succeeded();
        }
        assert_eq!(t.allowed, 8, "never grows past the declared ceiling");
    }

    #[test]
    fn undeclared_refusals_halve_once_per_burst() {
        let mut t = Throttle::new(16);
        t.refused(Signal::Throttled, None, None);
        t.refused(Signal::Throttled, None, None);
        assert_eq!((t.allowed, t.lowest, t.ceiling), (8, 8, 16));
    }

    #[test]
    fn a_disabled_service_pauses_without_a_cut() {
        let mut t = Throttle::new(4);
        t.refused(
            Signal::Paused,
            Some(Duration::from_secs(1)),
            Some(&declared(0, 0)),
        );
        assert_eq!((t.allowed, t.pauses), (4, 1));
        assert!(t.paused > Duration::ZERO);
    }
}
