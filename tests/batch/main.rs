//! Batches over loopback against the emulator: order, per-item errors, throttling, budgets,
//! laziness, cancellation and connection reuse; FourA's declared limits and refused keys
//! (`limits`); what the summary reports (`summary`).

use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use foura::mock::{Engine, Fault, MockServer, Refusal};
use foura::{
    BatchItem, CancelToken, Client, ErrorKind, SingleRequest, StopReason, Summary, Task,
    TaskRequest, TaskType,
};
use serde_json::json;

#[path = "../support/mod.rs"]
mod support;

mod limits;
mod outcome;
mod summary;

use support::{builder_for, server_with, tasks_builder};

fn client(server: &MockServer, key: &str, retries: u32) -> Client {
    builder_for(server, key)
        .timeout(Duration::from_secs(10))
        .max_retries(retries)
        .build()
        .unwrap()
}

fn task(i: usize) -> TaskRequest {
    TaskRequest::new(format!("https://example.com/{i}"), TaskType::Single)
}

/// `inputs`, counting in `pulled` how many the batch has read.
fn counted<'a, T>(
    pulled: &'a AtomicUsize,
    inputs: impl Iterator<Item = T> + 'a,
) -> impl Iterator<Item = T> + 'a {
    inputs.inspect(move |_| {
        pulled.fetch_add(1, Ordering::SeqCst);
    })
}

/// Worker threads that ran a `Probe` and have not exited yet.
static ALIVE: AtomicUsize = AtomicUsize::new(0);
/// Worker threads that ran a `Probe` at all.
static SEEN: AtomicUsize = AtomicUsize::new(0);

struct ThreadGuard;

impl Drop for ThreadGuard {
    fn drop(&mut self) {
        ALIVE.fetch_sub(1, Ordering::SeqCst);
    }
}

thread_local! {
    static GUARD: std::cell::OnceCell<ThreadGuard> = const { std::cell::OnceCell::new() };
}

/// A task request that marks the thread it runs on: the mark goes away when the thread exits.
struct Probe(TaskRequest);

impl BatchItem for Probe {
    type Output = Task;
    fn send(&self, client: &Client) -> Result<Task, foura::Error> {
        GUARD.with(|g| {
            g.get_or_init(|| {
                ALIVE.fetch_add(1, Ordering::SeqCst);
                SEEN.fetch_add(1, Ordering::SeqCst);
                ThreadGuard
            });
        });
        client.create_task(&self.0)
    }
    fn meta(output: &Task) -> &foura::Meta {
        output.meta()
    }
}

#[test]
fn results_come_back_in_input_order() {
    let server = MockServer::start();
    // Early inputs are slow, so they finish after later ones.
    for ms in [120, 90, 60, 30] {
        server.push_fault(Fault::delay(Duration::from_millis(ms)));
    }
    let c = client(&server, MockServer::TEST_KEY, 0);
    let mut completion = Vec::new();
    let summary = c
        .batch((0..40).map(task))
        .concurrency(8)
        .for_each(|index, result| {
            assert!(result.is_ok());
            completion.push(index);
        });
    assert_eq!(summary.done, 40);
    assert_ne!(
        completion,
        (0..40).collect::<Vec<_>>(),
        "completion order differs from input order"
    );

    for ms in [120, 90, 60, 30] {
        server.push_fault(Fault::delay(Duration::from_millis(ms)));
    }
    let batch = c.batch((0..40).map(task)).concurrency(8).run();
    assert_eq!(batch.results.len(), 40);
    for (i, result) in batch.results.iter().enumerate() {
        let url = result.as_ref().unwrap().url.clone().unwrap();
        assert_eq!(url, format!("https://example.com/{i}"));
    }
    assert_eq!(batch.summary.stopped, None);
    assert_eq!(batch.summary.not_started_from, None);
}

#[test]
fn each_input_gets_its_own_result() {
    let server = MockServer::start();
    let c = client(&server, MockServer::TEST_KEY, 0);
    let inputs = vec![
        task(0),
        TaskRequest::new("not a url", TaskType::Single),
        task(2),
        TaskRequest::new("https://example.com/3", TaskType::Single).wait_for("#x"),
        task(4),
    ];
    let batch = c.batch(&inputs).concurrency(1).run();
    let kinds: Vec<Option<ErrorKind>> = batch
        .results
        .iter()
        .map(|r| r.as_ref().err().map(|e| e.kind()))
        .collect();
    assert_eq!(
        kinds,
        [
            None,
            Some(ErrorKind::InvalidRequest),
            None,
            Some(ErrorKind::InvalidRequest),
            None
        ]
    );
    assert_eq!((batch.summary.done, batch.summary.failed), (5, 2));
    assert_eq!(server.request_count(), 3, "invalid inputs send nothing");

    // A server error on one input does not stop the others.
    server.push_fault(Fault::status(500, "<html>oops</html>"));
    let batch = c.batch((0..5).map(task)).concurrency(1).run();
    assert_eq!(batch.results.iter().filter(|r| r.is_err()).count(), 1);
    assert_eq!(
        batch.results[0].as_ref().unwrap_err().kind(),
        ErrorKind::ServerError
    );
}

#[test]
fn progress_reports_every_finished_input() {
    let server = server_with(Fault::status(502, "bad gateway"));
    let c = client(&server, MockServer::ENGINE_KEY, 0);
    let mut seen = Vec::new();
    let inputs: Vec<SingleRequest> = (0..10)
        .map(|i| SingleRequest::get(format!("https://example.com/{i}")))
        .collect();
    let batch = c
        .batch(inputs)
        .concurrency(3)
        .on_progress(|p| seen.push(*p))
        .run();
    assert_eq!(seen.len(), 10);
    assert_eq!(
        seen.iter().map(|p| p.done).collect::<Vec<_>>(),
        (1..=10).collect::<Vec<_>>()
    );
    assert!(seen.iter().all(|p| p.total == Some(10)));
    let last = seen.last().unwrap();
    assert_eq!(last.failed, 1);
    assert_eq!(last.credits, batch.summary.credits);
    assert!(
        last.credits >= 18.0,
        "9 successes at 2 credits: {}",
        last.credits
    );
    assert!(seen.iter().all(|p| (1..=3).contains(&p.concurrency)));
}

#[test]
fn throttling_lowers_concurrency_and_it_recovers() {
    let server = MockServer::start();
    let c = client(&server, MockServer::TEST_KEY, 0);
    // Eight slow answers that overlap, then a burst of 429s, then slow answers for the
    // concurrency to grow back on. Delays are sleeps in the emulator, so requests overlap
    // whatever the CPU does.
    server.push_faults(8, Fault::delay(Duration::from_millis(300)));
    server.push_faults(
        8,
        Fault::json(429, &json!({"error": {"code": "RATE_LIMIT_EXCEEDED", "message": "Rate limit exceeded.", "status": 429, "retryAfter": 0}})),
    );
    server.push_faults(100, Fault::delay(Duration::from_millis(100)));
    // At every completion: the batch's allowed concurrency, and the most requests the
    // emulator had in flight at once since the previous completion.
    let mut samples: Vec<(usize, usize)> = Vec::new();
    let batch = c
        .batch((0..116).map(task))
        .concurrency(8)
        .on_progress(|p| {
            samples.push((p.concurrency, server.peak_in_flight()));
            server.reset_peak_in_flight();
        })
        .run();
    assert_eq!(batch.results.len(), 116);
    assert_eq!(batch.results.iter().filter(|r| r.is_err()).count(), 8);
    assert!(
        batch.summary.lowest_concurrency <= 4,
        "halved at least once: {}",
        batch.summary.lowest_concurrency
    );
    assert!(
        samples[0].1 >= 7,
        "8 in flight before the throttle: {samples:?}"
    );
    let cut = samples
        .iter()
        .position(|&(a, _)| a <= 4)
        .expect("concurrency dropped");
    let back = cut
        + samples[cut..]
            .iter()
            .position(|&(a, _)| a == 8)
            .expect("and grew back to the limit");
    assert!(
        samples[cut..back].iter().any(|&(_, peak)| peak <= 4),
        "at most 4 in flight while throttled: {samples:?}"
    );
    assert!(
        samples[back..].iter().any(|&(_, peak)| peak >= 7),
        "8 in flight again after recovering: {samples:?}"
    );
}

#[test]
fn a_retried_throttle_still_slows_the_batch_down() {
    // The client retries the 503s itself; the batch hears about them through the funnel.
    let server = MockServer::start();
    let c = client(&server, MockServer::ENGINE_KEY, 2);
    server.refuse_next(3, Some(Engine::Single), Refusal::AtCapacity);
    let inputs: Vec<SingleRequest> = (0..6)
        .map(|i| SingleRequest::get(format!("https://example.com/{i}")))
        .collect();
    let batch = c.batch(inputs).concurrency(4).run();
    assert!(
        batch.results.iter().all(Result::is_ok),
        "{:?}",
        batch.results
    );
    assert!(batch.summary.lowest_concurrency < 4, "{:?}", batch.summary);
}

#[test]
fn the_credit_budget_stops_the_batch_at_the_right_place() {
    let server = MockServer::start();
    let c = client(&server, MockServer::ENGINE_KEY, 0);
    let pulled = AtomicUsize::new(0);
    let inputs = counted(
        &pulled,
        (0..100).map(|i| SingleRequest::get(format!("https://example.com/{i}"))),
    );
    // Single costs 2 credits in the emulator: the 10th result reaches 20.
    let batch = c.batch(inputs).concurrency(1).credit_budget(20.0).run();
    assert_eq!(batch.results.len(), 10);
    assert_eq!(batch.summary.credits, 20.0);
    assert_eq!(batch.summary.stopped, Some(StopReason::CreditBudget));
    assert_eq!(batch.summary.not_started_from, Some(10));
    assert_eq!(server.request_count(), 10);
    assert_eq!(
        pulled.load(Ordering::SeqCst),
        10,
        "inputs after the budget are not even read"
    );
}

#[test]
fn a_plan_limit_stops_the_batch() {
    let server = MockServer::start();
    let c = client(&server, MockServer::ENGINE_KEY, 2);
    let inputs: Vec<SingleRequest> = (0..20)
        .map(|i| SingleRequest::get(format!("https://example.com/{i}")))
        .collect();
    server.push_fault(Fault::status(
        200,
        r#"{"status":200,"headers":[],"data":"ok"}"#,
    ));
    server.push_fault(Fault::status(
        200,
        r#"{"status":200,"headers":[],"data":"ok"}"#,
    ));
    server.refuse_next(1, None, Refusal::PlanLimit("credits".into()));
    let batch = c.batch(inputs).concurrency(1).run();
    assert_eq!(batch.results.len(), 3);
    assert!(batch.results[..2].iter().all(Result::is_ok));
    let err = batch.results[2].as_ref().unwrap_err();
    assert_eq!(
        (err.kind(), err.plan_limit()),
        (ErrorKind::PlanLimit, Some("credits"))
    );
    assert_eq!(err.attempts(), 1, "plan limits are not retried");
    assert_eq!(batch.summary.stopped, Some(StopReason::PlanLimit));
    assert_eq!(batch.summary.not_started_from, Some(3));
}

#[test]
fn a_million_lazy_inputs_cancelled_after_a_thousand_stay_lazy_and_leave_no_thread() {
    let server = MockServer::start();
    let c = client(&server, MockServer::TEST_KEY, 0);
    let pulled = AtomicUsize::new(0);
    let inputs = counted(&pulled, (0..1_000_000).map(|i| Probe(task(i))));
    let cancel = CancelToken::new();
    let mut results = 0;
    let summary = c
        .batch(inputs)
        .concurrency(4)
        .cancel_token(cancel.clone())
        .for_each(|_, result| {
            assert!(result.is_ok());
            results += 1;
            if results == 1_000 {
                cancel.cancel();
            }
        });
    let pulled = pulled.load(Ordering::SeqCst);
    assert!(
        summary.done >= 1_000 && summary.done <= 1_004,
        "in-flight requests finish: {}",
        summary.done
    );
    assert_eq!(summary.stopped, Some(StopReason::Cancelled));
    assert_eq!(summary.not_started_from, Some(pulled));
    assert!(
        pulled <= 1_004,
        "the input was read lazily: {pulled} of 1000000 read"
    );
    assert_eq!(SEEN.load(Ordering::SeqCst), 4, "four worker threads ran");
    assert_eq!(
        ALIVE.load(Ordering::SeqCst),
        0,
        "no batch thread outlives the batch"
    );
}

#[test]
fn a_batch_of_200_at_concurrency_8_reuses_its_connections() {
    let server = MockServer::start();
    let c = client(&server, MockServer::TEST_KEY, 0);
    let batch = c.batch((0..200).map(task)).concurrency(8).run();
    assert!(batch.results.iter().all(Result::is_ok));
    let connections = server.connections_accepted();
    assert!(
        (1..=16).contains(&connections),
        "{connections} connections for 200 requests"
    );
}

#[test]
fn a_requests_per_minute_cap_spaces_the_starts() {
    let server = MockServer::start();
    let c = client(&server, MockServer::TEST_KEY, 0);
    let started = std::time::Instant::now();
    // 1200 per minute = one start every 50 ms: 6 starts span at least 250 ms.
    let batch = c
        .batch((0..6).map(task))
        .concurrency(6)
        .requests_per_minute(1200)
        .run();
    assert!(batch.results.iter().all(Result::is_ok));
    assert!(
        started.elapsed() >= Duration::from_millis(240),
        "{:?}",
        started.elapsed()
    );
}

#[test]
fn a_cancelled_token_starts_nothing() {
    let server = MockServer::start();
    let c = client(&server, MockServer::TEST_KEY, 0);
    let cancel = CancelToken::new();
    cancel.cancel();
    let batch = c.batch((0..10).map(task)).cancel_token(cancel).run();
    assert!(batch.results.is_empty());
    assert_eq!(batch.summary.not_started_from, Some(0));
    assert_eq!(server.request_count(), 0);
}

#[test]
fn the_input_iterator_need_not_be_send() {
    // E.g. lines from a locked stdin; here an Rc captured by the iterator.
    let server = MockServer::start();
    let c = client(&server, MockServer::TEST_KEY, 0);
    let local = std::rc::Rc::new(5);
    let inputs = (0..*local).map(move |i| {
        let _keep = &local;
        task(i)
    });
    let batch = c.batch(inputs).concurrency(3).run();
    assert_eq!(batch.results.len(), 5);
}

struct Exploding;

impl BatchItem for Exploding {
    type Output = Task;
    fn send(&self, _: &Client) -> Result<Task, foura::Error> {
        panic!("boom from a user's BatchItem");
    }
    fn meta(output: &Task) -> &foura::Meta {
        output.meta()
    }
}

#[test]
fn a_panicking_item_panics_the_caller_instead_of_hanging() {
    let server = MockServer::start();
    let c = client(&server, MockServer::TEST_KEY, 0);
    let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        c.batch((0..10).map(|_| Exploding)).concurrency(2).run()
    }));
    let payload = outcome.expect_err("the panic reaches the caller");
    assert_eq!(
        payload.downcast_ref::<&str>(),
        Some(&"boom from a user's BatchItem")
    );
}

#[test]
fn a_huge_wait_pauses_the_batch_no_longer_than_max_retry_wait() {
    let server = server_with(
        Fault::json(
            429,
            &json!({"error": {"code": "RATE_LIMIT_EXCEEDED", "retryAfter": 3600}}),
        )
        .header("Retry-After", "18446744073709551615"),
    );
    let c = tasks_builder(&server)
        .max_retry_wait(Duration::from_millis(300))
        .build()
        .unwrap();
    let started = std::time::Instant::now();
    let batch = c.batch((0..3).map(task)).concurrency(1).run();
    assert_eq!(batch.results.len(), 3);
    assert!(batch.results[0].is_err() && batch.results[1..].iter().all(Result::is_ok));
    let took = started.elapsed();
    assert!(
        took >= Duration::from_millis(250),
        "the batch did pause: {took:?}"
    );
    assert!(
        took < Duration::from_secs(3),
        "but not for the hour asked: {took:?}"
    );
}

/// Runs `inputs` one at a time and cancels the batch as the third (#2) finishes.
fn cancel_after_the_third(inputs: impl Iterator<Item = TaskRequest>) -> Summary {
    let server = MockServer::start();
    let c = client(&server, MockServer::TEST_KEY, 0);
    let cancel = CancelToken::new();
    let stopper = cancel.clone();
    c.batch(inputs)
        .concurrency(1)
        .cancel_token(cancel)
        .for_each(|index, _| {
            if index == 2 {
                stopper.cancel();
            }
        })
}

#[test]
fn a_stop_after_every_input_started_reports_nothing_unstarted() {
    let summary = cancel_after_the_third((0..3).map(task));
    assert_eq!(summary.done, 3);
    assert_eq!((summary.stopped, summary.not_started_from), (None, None));
}

#[test]
fn a_stop_after_the_last_input_of_unknown_length_is_reported_as_documented() {
    // The batch does not read on to learn that the input has ended (reading might block).
    let summary = cancel_after_the_third((0..3).filter(|_| true).map(task));
    assert_eq!(summary.done, 3);
    assert_eq!(summary.stopped, Some(StopReason::Cancelled));
    assert_eq!(
        summary.not_started_from,
        Some(3),
        "inputs from #3 on, if any"
    );
}

#[test]
fn concurrency_above_max_concurrency_is_capped_at_it() {
    let server = MockServer::start();
    let c = client(&server, MockServer::TEST_KEY, 0);
    let mut highest = 0;
    let batch = c
        .batch((0..3).map(task))
        .concurrency(usize::MAX)
        .on_progress(|p| highest = highest.max(p.concurrency))
        .run();
    assert_eq!(batch.results.len(), 3);
    assert_eq!(highest, foura::MAX_CONCURRENCY);
}
