//! What is retried, the waits between attempts, the one deadline over them all, and when a
//! failed task creation may have created the task anyway (README "Retries and the deadline").

use std::time::{Duration, Instant};

use crate::call::{Call, Line, Reply};
use crate::defaults::{BACKOFF_BASE, BACKOFF_CAP, DEFAULT_TASK_TIMEOUT, MIN_RETRY_WAIT};
use crate::error::{Error, ErrorKind};
use crate::settings::Attempt;

/// The least time left before the deadline for a retry to be worth starting.
const MIN_ATTEMPT_TIME: Duration = Duration::from_millis(100);

/// The longest span the client computes with: longer timeouts and waits (a `Retry-After` of
/// 2^64 seconds, `Duration::MAX`) are treated as this long, so no instant overflows.
const FOREVER: Duration = Duration::from_secs(10 * 365 * 24 * 3600);

/// `t + d`, with `d` capped at [`FOREVER`].
pub(crate) fn later(t: Instant, d: Duration) -> Instant {
    t.checked_add(d.min(FOREVER)).unwrap_or(t)
}

/// The funnel: every request to FourA goes through here. Each attempt
/// ([`Line::exchange`]) adds the credentials, sends with what is left of the call's one
/// deadline, reads the body with a limit and turns anything but a 2xx into an [`Error`];
/// `decode` reads the answer. Failures are scrubbed of the key, and retried while the rules
/// and the deadline allow.
pub(crate) fn run<T>(
    line: Line<'_>,
    call: &Call<'_>,
    decode: impl Fn(Reply) -> Result<T, Error>,
) -> Result<T, Error> {
    call.check()?;
    let started = Instant::now();
    let budget = call
        .options
        .timeout
        .unwrap_or_else(|| line.settings.call_timeout(call.server_timeout))
        .min(FOREVER);
    let rules = Rules {
        deadline: later(started, budget),
        max_retries: call
            .options
            .max_retries
            .unwrap_or(line.settings.max_retries),
        max_wait: line.settings.max_retry_wait,
        // Time a retry needs left after its wait. A retried task creation must have room
        // for FourA's whole work (the task's timeout): one cut short by the deadline could
        // only end ambiguous, turning a clean refusal into "maybe created". With the default
        // 45 s budget and 30 s task timeout, waits up to 15 s are retried; a longer one
        // returns at once with retry_after() set.
        reserve: if call.creates_task {
            call.server_timeout
                .unwrap_or(DEFAULT_TASK_TIMEOUT)
                .max(MIN_ATTEMPT_TIME)
        } else {
            MIN_ATTEMPT_TIME
        },
        creates_task: call.creates_task,
    };
    let report = |attempt, outcome: Result<(u16, Option<String>), &Error>, wait| {
        line.report(|| {
            let (status, error, request_id, rate_limit) = match outcome {
                Ok((status, request_id)) => (Some(status), None, request_id, None),
                Err(e) => (
                    e.status(),
                    Some(e.kind()),
                    e.request_id().map(str::to_owned),
                    e.rate_limit(),
                ),
            };
            Attempt {
                method: call.method.as_str(),
                path: call.path.to_owned(),
                attempt,
                status,
                error,
                wait,
                request_id,
                elapsed: started.elapsed(),
                rate_limit,
            }
        });
    };
    let mut attempt = 0;
    let mut previous: Option<Error> = None;
    loop {
        attempt += 1;
        let remaining = rules.deadline.saturating_duration_since(Instant::now());
        if let Some(err) = previous.take() {
            // The wait ran (nearly) to the deadline: FourA's last answer is the truer
            // error than a timeout of an attempt that could not be made.
            if remaining < rules.reserve {
                return Err(rules.give_up(err, attempt - 1, None));
            }
        }
        let outcome = line
            .exchange(call, remaining, budget)
            .and_then(|mut reply| {
                reply.meta.attempts = attempt;
                let status = reply.status;
                let request_id = reply.meta.request_id.clone();
                decode(reply).map(|value| (value, status, request_id))
            });
        match outcome {
            Ok((value, status, request_id)) => {
                report(attempt, Ok((status, request_id)), None);
                return Ok(value);
            }
            Err(err) => {
                let mut err = line.scrub(err);
                if let Some(key) = line.key {
                    err = err.explain_key_prefix(call.service, key.prefix());
                }
                match rules.decide(&err, attempt) {
                    Decision::Retry(wait) => {
                        report(attempt, Err(&err), Some(wait));
                        std::thread::sleep(wait);
                        previous = Some(err);
                    }
                    Decision::GiveUp(hint) => {
                        report(attempt, Err(&err), None);
                        return Err(rules.give_up(err, attempt, hint));
                    }
                }
            }
        }
    }
}

/// What one call's retries are bound by.
struct Rules {
    deadline: Instant,
    max_retries: u32,
    max_wait: Duration,
    /// Time a retry needs left after its wait.
    reserve: Duration,
    creates_task: bool,
}

/// Whether the funnel tries again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Decision {
    Retry(Duration),
    /// Give up; with the wait that would have been needed, when time ran out for it.
    GiveUp(Option<Duration>),
}

impl Rules {
    /// Whether to try again after `err`, and after how long.
    fn decide(&self, err: &Error, attempt: u32) -> Decision {
        if attempt > self.max_retries || !worth_retrying(err, self.creates_task) {
            return Decision::GiveUp(None);
        }
        let floor = MIN_RETRY_WAIT.min(self.max_wait);
        let wait = match err.retry_after() {
            // A wait the server asks for is honoured, but never slept when it is longer than
            // the caller allows: the error returns at once with retry_after() set.
            Some(asked) if asked > self.max_wait => return Decision::GiveUp(None),
            // `retryAfter: 0` would make a tight loop: keep a small pause.
            Some(asked) => asked.max(floor),
            None => backoff(attempt).max(floor).min(self.max_wait),
        };
        // A retry is worth starting only with time left for an attempt after the wait.
        if later(Instant::now(), wait.saturating_add(self.reserve)) >= self.deadline {
            return Decision::GiveUp(Some(wait));
        }
        Decision::Retry(wait)
    }

    /// The error a call ends with: its attempt count, the wait it would have needed, and
    /// whether a task it was creating may exist anyway.
    fn give_up(&self, mut err: Error, attempts: u32, hint: Option<Duration>) -> Error {
        if let (Some(hint), None) = (hint, err.retry_after()) {
            err.set_retry_after(hint);
        }
        err.set_attempts(attempts);
        if self.creates_task && maybe_created(&err) {
            err.mark_maybe_created();
        }
        err
    }
}

/// The retry rules (README "Retries"). Retried: 429 (plan limits are another kind), 503 at
/// capacity or backend unavailable, 503 "Service disabled" (maintenance) when FourA says how
/// long to wait, 500, 502, 504, and connections that failed or broke. A call that creates a
/// task is retried only when FourA cannot have acted: a connect failure, 429, 503.
fn worth_retrying(err: &Error, creates_task: bool) -> bool {
    if !err.is_retryable() {
        return false;
    }
    match err.kind() {
        ErrorKind::RateLimited | ErrorKind::AtCapacity => true,
        // Maintenance "usually clears within minutes" (https://foura.ai/docs/api/rate-limits):
        // only FourA's own wait is worth sleeping, never a guessed backoff.
        ErrorKind::ServiceDisabled => err.retry_after().is_some(),
        ErrorKind::ServerError => match err.status() {
            Some(503) => true,
            Some(500 | 502 | 504) => !creates_task,
            _ => false,
        },
        ErrorKind::Connection | ErrorKind::Timeout => !err.sent() || !creates_task,
        _ => false,
    }
}

/// Whether a failed task creation may still have created the task: FourA may have acted on
/// it, and did not say no.
fn maybe_created(err: &Error) -> bool {
    match err.kind() {
        ErrorKind::Connection
        | ErrorKind::Timeout
        | ErrorKind::BodyTooLarge
        | ErrorKind::Decode => err.sent(),
        ErrorKind::ServerError => err.status() != Some(503),
        _ => false,
    }
}

/// Exponential backoff with full jitter: a random wait up to `base · 2^(attempt-1)`, capped.
fn backoff(attempt: u32) -> Duration {
    let ceiling = BACKOFF_BASE
        .saturating_mul(1 << attempt.saturating_sub(1).min(16))
        .min(BACKOFF_CAP);
    ceiling.mul_f64(random_fraction())
}

/// A number in `[0, 1)` from the standard library's per-process random hash keys: enough
/// to spread retries, with no dependency.
fn random_fraction() -> f64 {
    use std::hash::{BuildHasher, Hasher};
    use std::sync::atomic::{AtomicU64, Ordering};
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
    hasher.write_u64(COUNTER.fetch_add(1, Ordering::Relaxed));
    hasher.write_u128(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos()),
    );
    (hasher.finish() >> 11) as f64 / (1u64 << 53) as f64
}
