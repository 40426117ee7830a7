//! The scheduler: the calling thread owns the input and every decision; scoped workers only
//! send, and hand each result back.

use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use super::summary::{Histogram, Summary};
use super::throttle::{Signal, Throttle, lock_throttle};
use super::{Batch, BatchItem, Outcome, Progress, StopReason};
use crate::client::Client;
use crate::error::Error;
use crate::retry::later;
use crate::settings::{Attempt, Hook};

impl<'c, I> Batch<'c, I>
where
    I: Iterator,
    I::Item: BatchItem + Send,
    <I::Item as BatchItem>::Output: Send,
{
    pub(super) fn execute(
        mut self,
        mut deliver: impl FnMut(Outcome<<I::Item as BatchItem>::Output>),
    ) -> Summary {
        let began = Instant::now();
        let total = match self.inputs.size_hint() {
            (lower, Some(upper)) if lower == upper => Some(lower),
            _ => None,
        };
        let limit = self.concurrency;
        // Workers start as there is work for them, never more than the concurrency.
        let max_workers = total.map_or(limit, |n| n.clamp(1, limit));
        let user_spacing = self.per_minute.map(|n| Duration::from_secs(60) / n);
        let throttle = Arc::new(Mutex::new(Throttle::new(limit)));
        let client = watched(self.client, &throttle);
        let client = &client;
        let mut summary = Summary::new(limit);
        let mut latency = Histogram::new();
        let mut next_index = 0;
        let mut in_flight = 0;
        let mut exhausted = false;
        let mut next_start: Option<Instant> = None;
        let mut panicked = None;

        // This thread owns the input and every scheduling decision; workers only send.
        let (work_tx, work_rx) = mpsc::channel::<(usize, I::Item)>();
        let work_rx = Mutex::new(work_rx);
        let (done_tx, done_rx) = mpsc::channel();
        std::thread::scope(|scope| {
            let mut workers = Vec::with_capacity(max_workers.min(16));
            // Set when the system refuses a thread: inputs then run on the threads there are,
            // or here when there is none.
            let mut no_more_threads = false;
            let mut ready = std::collections::VecDeque::new();

            loop {
                if summary.stopped.is_none() && self.cancel.is_cancelled() {
                    summary.stopped = Some(StopReason::Cancelled);
                }
                // Start what may be started now, in input order.
                let mut wake_at = None;
                while summary.stopped.is_none() && !exhausted {
                    let now = Instant::now();
                    let (allowed, paused, rpm_spacing) = {
                        let t = lock_throttle(&throttle);
                        (
                            t.allowed,
                            t.pause_until.filter(|until| *until > now),
                            t.rpm_spacing,
                        )
                    };
                    if in_flight >= allowed {
                        break;
                    }
                    if let Some(until) = paused.or(next_start.filter(|at| *at > now)) {
                        wake_at = Some(until);
                        break;
                    }
                    let Some(item) = self.inputs.next() else {
                        exhausted = true;
                        break;
                    };
                    // A worker for this input, unless one is idle.
                    if in_flight >= workers.len() && workers.len() < max_workers && !no_more_threads
                    {
                        let (work_rx, done_tx) = (&work_rx, done_tx.clone());
                        let spawned = std::thread::Builder::new()
                            .name(format!("foura-batch-{}", workers.len()))
                            .spawn_scoped(scope, move || work(client, work_rx, &done_tx));
                        match spawned {
                            Ok(worker) => workers.push(worker),
                            Err(_) => no_more_threads = true,
                        }
                    }
                    if workers.is_empty() {
                        let started = Instant::now();
                        let id = item.request_id();
                        let (outcome, used) = send_one(client, &item);
                        ready.push_back((next_index, id, outcome, used, started.elapsed()));
                    } else if work_tx.send((next_index, item)).is_err() {
                        break;
                    }
                    next_index += 1;
                    in_flight += 1;
                    lock_throttle(&throttle).in_flight = in_flight;
                    let spacing = match (user_spacing, rpm_spacing) {
                        (Some(a), Some(b)) => Some(a.max(b)),
                        (a, b) => a.or(b),
                    };
                    next_start =
                        spacing.map(|gap| later(next_start.map_or(now, |t| t.max(now)), gap));
                }
                let over = summary.stopped.is_some() || exhausted;
                if in_flight == 0 && over {
                    break;
                }
                // Wait for a result; wake early for a pause's end, a start slot, or (to
                // notice a cancellation) every 50 ms.
                let nap = wake_at
                    .map_or(Duration::from_millis(50), |at| {
                        at.saturating_duration_since(Instant::now())
                    })
                    .min(Duration::from_millis(50));
                let finished = match ready.pop_front() {
                    Some(finished) => Ok(finished),
                    None => done_rx.recv_timeout(nap),
                };
                let (index, id, outcome, used, took) = match finished {
                    Ok(finished) => finished,
                    Err(mpsc::RecvTimeoutError::Timeout) => continue,
                    Err(mpsc::RecvTimeoutError::Disconnected) => break,
                };
                in_flight -= 1;
                lock_throttle(&throttle).in_flight = in_flight;
                let result = match outcome {
                    Ok(result) => result,
                    Err(payload) => {
                        // A request panicked (a user's BatchItem, say): stop, then re-raise.
                        panicked = Some(payload);
                        summary.stopped.get_or_insert(StopReason::Cancelled);
                        continue;
                    }
                };
                let attempts = match &result {
                    Ok(output) => <I::Item as BatchItem>::meta(output).attempts,
                    Err(e) => e.attempts(),
                };
                summary.tally(result.as_ref().err().map(Error::kind), attempts, used);
                if result.is_ok() {
                    latency.record(took);
                }
                {
                    let mut t = lock_throttle(&throttle);
                    match &result {
                        Ok(_) => t.succeeded(),
                        Err(e) => match Signal::of(e.kind()) {
                            Some(signal) => t.refused(
                                signal,
                                e.retry_after().map(|w| w.min(client.max_retry_wait())),
                                e.rate_limit().as_ref(),
                            ),
                            None => t.failed(),
                        },
                    }
                    summary.lowest_concurrency = t.lowest;
                }
                if let Some(reason) = result.as_ref().err().and_then(StopReason::for_error) {
                    summary.stopped.get_or_insert(reason);
                }
                if self
                    .credit_budget
                    .is_some_and(|budget| summary.credits >= budget)
                {
                    summary.stopped.get_or_insert(StopReason::CreditBudget);
                }
                deliver(Outcome { index, id, result });
                if let Some(progress) = self.progress.as_mut() {
                    progress(&Progress {
                        done: summary.done,
                        total,
                        failed: summary.failed,
                        credits: summary.credits,
                        concurrency: lock_throttle(&throttle).allowed,
                    });
                }
            }
            drop(work_tx);
            // The scope only waits for the workers' functions to return; joining waits for
            // the threads themselves to end, so none is left running when this returns.
            for worker in workers {
                let _ = worker.join();
            }
        });
        if let Some(payload) = panicked {
            std::panic::resume_unwind(payload);
        }
        if exhausted || total == Some(next_index) {
            // Every input was started: nothing was cut short, whatever came last.
            summary.stopped = None;
        }
        summary.not_started_from = summary.stopped.map(|_| next_index);
        summary.started = next_index;
        summary.not_started = total.map(|n| n.saturating_sub(next_index));
        summary.latency = latency.latency();
        summary.elapsed = began.elapsed();
        let t = lock_throttle(&throttle);
        summary.pauses = t.pauses;
        summary.paused = t.paused;
        summary.declared_concurrency = t.declared;
        summary.declared_rpm = t.declared_rpm;
        summary
    }
}

/// The client the batch's requests go through: it tells the throttle of every attempt that
/// FourA throttled or paused, retried by the client or not.
fn watched(client: &Client, throttle: &Arc<Mutex<Throttle>>) -> Client {
    let throttle = Arc::clone(throttle);
    let watcher: Hook = Arc::new(move |attempt: &Attempt| {
        if let Some(signal) = attempt.error.and_then(Signal::of) {
            lock_throttle(&throttle).refused(signal, attempt.wait, attempt.rate_limit.as_ref());
        }
    });
    client.watched_by(watcher)
}

/// What a worker sends back per input: its index, its request id, its result (or the panic
/// it raised), the credits it used and how long it took.
type Finished<T> = (
    usize,
    Option<crate::RequestId>,
    std::thread::Result<Result<T, Error>>,
    f64,
    Duration,
);

/// A worker: sends the inputs it is handed until the batch closes the work channel.
fn work<T: BatchItem>(
    client: &Client,
    jobs: &Mutex<mpsc::Receiver<(usize, T)>>,
    done: &mpsc::Sender<Finished<T::Output>>,
) {
    loop {
        let job = jobs.lock().unwrap_or_else(|p| p.into_inner()).recv();
        let Ok((index, item)) = job else { return };
        let started = Instant::now();
        let id = item.request_id();
        let (outcome, used) = send_one(client, &item);
        if done
            .send((index, id, outcome, used, started.elapsed()))
            .is_err()
        {
            return;
        }
    }
}

/// Sends one input, catching a panic (re-raised on the caller's thread), with the credits
/// it used.
fn send_one<T: BatchItem>(
    client: &Client,
    item: &T,
) -> (std::thread::Result<Result<T::Output, Error>>, f64) {
    let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| item.send(client)));
    let used = match &outcome {
        Ok(Ok(output)) => T::meta(output).credits,
        Ok(Err(e)) => e.credits(),
        Err(_) => None,
    }
    .unwrap_or(0.0);
    (outcome, used)
}
