//! The emulated gateway's concurrency caps (<https://foura.ai/docs/api/rate-limits>): one for
//! the whole API (`service: "api"`) and one per engine, checked in that order, and the time
//! an engine call takes to answer.

use std::collections::HashMap;
use std::time::Duration;

use serde_json::json;

use super::accounts::Engine;
use super::http::Answer;
use super::server::{MockServer, Shared, State};

/// The `limits.maxRpm` the caps declare. The emulator does not enforce it.
pub(crate) const DECLARED_RPM: u64 = 6000;

/// The caps set with [`MockServer::limit_concurrency`] and the calls each one counts.
#[derive(Debug, Default)]
pub(crate) struct Limits {
    /// By scope (`None`: the whole API): the cap and the `retryAfter` of its refusal.
    caps: HashMap<Option<Engine>, (usize, Duration)>,
    /// Engine calls admitted and not yet answered, by scope.
    in_flight: HashMap<Option<Engine>, usize>,
    /// How long an admitted engine call takes before it is answered.
    pub(crate) answer_delay: Duration,
}

impl Limits {
    /// Admits an engine call, or refuses it with the `503` FourA documents for a concurrency
    /// cap: `{"error":"Service at capacity","status":503,"service":…,"retryAfter":…,
    /// "current":{"concurrency":…,"rpm":0},"limits":{"maxConcurrency":…,"maxRpm":6000}}`.
    /// The global cap is checked first; when it refuses, the engine's is not looked at.
    pub(crate) fn admit(&mut self, engine: Engine) -> Result<(), Answer> {
        for scope in [None, Some(engine)] {
            let Some(&(max, retry_after)) = self.caps.get(&scope) else {
                continue;
            };
            let now = self.in_flight.get(&scope).copied().unwrap_or(0);
            if now >= max {
                let service = scope.map_or("api", Engine::as_str);
                return Err(Answer::json(
                    503,
                    &json!({
                        "error": "Service at capacity", "status": 503, "service": service,
                        "retryAfter": retry_after.as_secs_f64(),
                        "current": { "concurrency": now, "rpm": 0 },
                        "limits": { "maxConcurrency": max, "maxRpm": DECLARED_RPM },
                    }),
                ));
            }
        }
        for scope in [None, Some(engine)] {
            *self.in_flight.entry(scope).or_default() += 1;
        }
        Ok(())
    }

    fn release(&mut self, engine: Engine) {
        for scope in [None, Some(engine)] {
            if let Some(n) = self.in_flight.get_mut(&scope) {
                *n = n.saturating_sub(1);
            }
        }
    }
}

/// An admitted engine call: it counts against the caps until dropped.
pub(crate) struct Admitted<'a> {
    shared: &'a Shared,
    engine: Engine,
}

impl<'a> Admitted<'a> {
    pub(crate) fn new(shared: &'a Shared, engine: Engine) -> Admitted<'a> {
        Admitted { shared, engine }
    }
}

impl Drop for Admitted<'_> {
    fn drop(&mut self) {
        self.shared.lock().limits.release(self.engine);
    }
}

impl MockServer {
    /// Caps the engine calls in flight at once at `max`, for the whole API (`scope` `None`,
    /// refused with `service: "api"`) or for one engine, as FourA's gateway does
    /// (<https://foura.ai/docs/api/rate-limits>). A call beyond the cap is refused, after its key
    /// is checked, with `503 Service at capacity` declaring `limits.maxConcurrency: max` and
    /// `limits.maxRpm: 6000` (not enforced), `current.concurrency` and `retryAfter` (seconds,
    /// fractions kept: `Duration::from_millis(200)` sends `0.2`). A call counts from its
    /// admission until its answer is sent. The global cap is checked first. Calling it again
    /// for the same scope replaces the cap.
    ///
    /// ```
    /// use std::time::Duration;
    /// use foura::mock::{Engine, MockServer};
    ///
    /// let server = MockServer::start();
    /// server.limit_concurrency(8, None, Duration::from_secs(1));
    /// server.limit_concurrency(2, Some(Engine::Browser), Duration::from_secs(2));
    /// ```
    pub fn limit_concurrency(&self, max: usize, scope: Option<Engine>, retry_after: Duration) {
        self.shared
            .lock()
            .limits
            .caps
            .insert(scope, (max, retry_after));
    }

    /// Every engine call admitted from now on is answered after `delay` (default: at once),
    /// counting against [`MockServer::limit_concurrency`]'s caps and
    /// [`MockServer::in_flight`] meanwhile: a stand-in for the time FourA takes to fetch a page.
    pub fn set_answer_delay(&self, delay: Duration) {
        self.shared.lock().limits.answer_delay = delay;
    }
}

impl State {
    /// Admits an engine call against the caps; the delay it is to be answered after.
    pub(crate) fn admit(&mut self, engine: Engine) -> Result<Duration, Answer> {
        self.limits.admit(engine)?;
        Ok(self.limits.answer_delay)
    }
}
