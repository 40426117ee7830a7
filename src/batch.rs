//! Many requests at once without a runtime: scoped std threads sharing the client's pool,
//! throttle-aware, with an optional rate cap and credit budget.

use std::cell::RefCell;
use std::fmt;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use crate::client::{Attempt, Client};
use crate::engines::{
    AutoRequest, AutoResponse, BrowserRequest, BrowserResponse, ProxyRequest, ProxyResponse,
    SingleRequest, SingleResponse,
};
use crate::error::{Error, ErrorKind};
use crate::meta::Meta;
use crate::tasks::{Task, TaskRequest};

/// Anything a batch can send: a task request or an engine request.
pub trait BatchItem {
    /// What one successful call returns.
    type Output;

    /// Sends the request with `client`.
    ///
    /// # Errors
    ///
    /// The call's [`Error`].
    fn send(&self, client: &Client) -> Result<Self::Output, Error>;

    /// The response metadata of a result (for credits).
    fn meta(output: &Self::Output) -> &Meta;
}

macro_rules! batch_item {
    ($request:ty, $output:ty, $method:ident) => {
        impl BatchItem for $request {
            type Output = $output;
            fn send(&self, client: &Client) -> Result<$output, Error> {
                client.$method(self)
            }
            fn meta(output: &$output) -> &Meta {
                output.meta()
            }
        }
    };
}

batch_item!(TaskRequest, Task, create_task);
batch_item!(SingleRequest, SingleResponse, single);
batch_item!(ProxyRequest, ProxyResponse, proxy);
batch_item!(BrowserRequest, BrowserResponse, browser);
batch_item!(AutoRequest, AutoResponse, auto);

impl<T: BatchItem + ?Sized> BatchItem for &T {
    type Output = T::Output;
    fn send(&self, client: &Client) -> Result<T::Output, Error> {
        (**self).send(client)
    }
    fn meta(output: &T::Output) -> &Meta {
        T::meta(output)
    }
}

/// Stops a running batch from anywhere: no new request starts; those in flight finish.
///
/// ```
/// let cancel = foura::CancelToken::new();
/// let for_the_ctrl_c_handler = cancel.clone();
/// for_the_ctrl_c_handler.cancel();
/// assert!(cancel.is_cancelled());
/// ```
#[derive(Debug, Clone, Default)]
pub struct CancelToken(Arc<AtomicBool>);

impl CancelToken {
    /// A token not yet cancelled.
    pub fn new() -> Self {
        CancelToken::default()
    }

    /// Stops the batches using this token from starting new requests.
    pub fn cancel(&self) {
        self.0.store(true, Ordering::SeqCst);
    }

    /// Whether [`cancel`](CancelToken::cancel) was called.
    pub fn is_cancelled(&self) -> bool {
        self.0.load(Ordering::SeqCst)
    }
}

/// A batch's state, for drawing a progress line; see [`Batch::on_progress`].
#[derive(Debug, Clone, Copy, PartialEq)]
#[non_exhaustive]
pub struct Progress {
    /// Inputs finished (succeeded or failed).
    pub done: usize,
    /// How many inputs there are, when the input iterator knows its exact length.
    pub total: Option<usize>,
    /// Inputs that failed.
    pub failed: usize,
    /// Credits reported so far (`X-FourA-Credits`, failures included).
    pub credits: f64,
    /// How many requests the batch currently allows in flight.
    pub concurrency: usize,
}

/// Why a batch stopped before its input ran out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum StopReason {
    /// A [`CancelToken`] was cancelled.
    Cancelled,
    /// The credits reported reached [`Batch::credit_budget`].
    CreditBudget,
    /// FourA refused a call for a plan limit: waiting would not help the rest.
    PlanLimit,
}

/// How a batch went. With [`Batch::run`] it comes with the results.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Summary {
    /// Inputs finished.
    pub done: usize,
    /// Inputs that failed.
    pub failed: usize,
    /// Credits reported (`X-FourA-Credits`, failures included).
    pub credits: f64,
    /// Why the batch stopped early, if it did.
    pub stopped: Option<StopReason>,
    /// When it stopped early: the index of the first input not started. Inputs are started
    /// in order, so this one and every later one were not started (nor read from the input).
    pub not_started_from: Option<usize>,
    /// The lowest concurrency throttling brought the batch down to.
    pub lowest_concurrency: usize,
}

/// What [`Batch::run`] returns: every started input's result, in input order.
#[derive(Debug)]
#[non_exhaustive]
pub struct BatchResults<T> {
    /// `results[i]` is input `i`'s result. Inputs the batch did not start (see
    /// [`Summary::not_started_from`]) have no entry.
    pub results: Vec<Result<T, Error>>,
    /// How the batch went.
    pub summary: Summary,
}

/// A batch of requests, built by [`Client::batch`]. Nothing is sent until
/// [`run`](Batch::run) or [`for_each`](Batch::for_each).
///
/// The input is read lazily, one item per start, so a million-URL iterator never sits in
/// memory. Requests run on scoped std threads that share the client's connection pool; each
/// input gets its own `Result`, and one failure never stops the others (plan limits, the
/// credit budget and cancellation stop *new* starts).
///
/// **Throttle-aware:** when FourA answers `429` or `503` at capacity — even on an attempt the
/// client then retried — the batch halves its concurrency (down to 1) and starts nothing until
/// FourA's wait has passed; after as many successes in a row as the current concurrency, it
/// grows back by one, up to the limit set with [`concurrency`](Batch::concurrency).
///
/// ```no_run
/// use foura::{Client, TaskRequest, TaskType};
///
/// let client = Client::from_env()?;
/// let urls = ["https://example.com/a", "https://example.com/b"];
/// let batch = client
///     .batch(urls.iter().map(|u| TaskRequest::new(*u, TaskType::Single)))
///     .concurrency(8)
///     .on_progress(|p| eprint!("\r{}/{:?} done, {} failed", p.done, p.total, p.failed))
///     .run();
/// for (url, result) in urls.iter().zip(&batch.results) {
///     match result {
///         Ok(task) => println!("{url}: {}", task.status),
///         Err(e) => println!("{url}: {e}"),
///     }
/// }
/// # Ok::<(), foura::Error>(())
/// ```
pub struct Batch<'c, I> {
    client: &'c Client,
    inputs: I,
    concurrency: usize,
    per_minute: Option<u32>,
    credit_budget: Option<f64>,
    cancel: CancelToken,
    progress: Option<ProgressFn<'c>>,
}

/// The progress callback's type.
type ProgressFn<'c> = Box<dyn FnMut(&Progress) + 'c>;

impl<I> fmt::Debug for Batch<'_, I> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Batch")
            .field("concurrency", &self.concurrency)
            .field("per_minute", &self.per_minute)
            .field("credit_budget", &self.credit_budget)
            .finish_non_exhaustive()
    }
}

impl Client {
    /// A batch over `inputs`: task requests or engine requests (any [`BatchItem`]), read
    /// lazily. Default concurrency: 4.
    pub fn batch<I>(&self, inputs: I) -> Batch<'_, I::IntoIter>
    where
        I: IntoIterator,
        I::Item: BatchItem,
    {
        Batch {
            client: self,
            inputs: inputs.into_iter(),
            concurrency: 4,
            per_minute: None,
            credit_budget: None,
            cancel: CancelToken::new(),
            progress: None,
        }
    }
}

impl<'c, I> Batch<'c, I>
where
    I: Iterator + Send,
    I::Item: BatchItem + Send,
    <I::Item as BatchItem>::Output: Send,
{
    /// The most requests in flight at once (at least 1). Default: 4. Keep it within the
    /// client's [`pool_size`](crate::ClientBuilder::pool_size) so connections are reused.
    pub fn concurrency(mut self, n: usize) -> Self {
        self.concurrency = n.max(1);
        self
    }

    /// Starts at most `n` requests per minute, evenly spaced. Default: no cap.
    pub fn requests_per_minute(mut self, n: u32) -> Self {
        self.per_minute = Some(n.max(1));
        self
    }

    /// Stops starting new requests once the credits FourA reports (`X-FourA-Credits`, on
    /// failures too) reach `credits`. Requests in flight finish, so the total can pass the
    /// budget by what they use. Default: no budget.
    pub fn credit_budget(mut self, credits: f64) -> Self {
        self.credit_budget = Some(credits);
        self
    }

    /// A token that stops the batch when cancelled (from another thread, a signal handler,
    /// or a callback of this batch).
    pub fn cancel_token(mut self, token: CancelToken) -> Self {
        self.cancel = token;
        self
    }

    /// Called on the calling thread after every finished input. The library draws nothing:
    /// this is where a utility draws its progress line.
    pub fn on_progress(mut self, f: impl FnMut(&Progress) + 'c) -> Self {
        self.progress = Some(Box::new(f));
        self
    }

    /// Runs the batch and returns every started input's result, in input order.
    pub fn run(self) -> BatchResults<<I::Item as BatchItem>::Output> {
        let mut slots: Vec<Option<Result<<I::Item as BatchItem>::Output, Error>>> = Vec::new();
        let summary = self.execute(|index, result| {
            if slots.len() <= index {
                slots.resize_with(index + 1, || None);
            }
            slots[index] = Some(result);
        });
        // Inputs start in order and every started one finishes, so the slots are a full prefix.
        let results = slots.into_iter().map_while(|slot| slot).collect();
        BatchResults { results, summary }
    }

    /// Runs the batch, handing each result to `f` on the calling thread as it completes
    /// (completion order), with its input index. Nothing is collected.
    pub fn for_each(
        self,
        f: impl FnMut(usize, Result<<I::Item as BatchItem>::Output, Error>),
    ) -> Summary {
        self.execute(f)
    }

    fn execute(
        mut self,
        mut deliver: impl FnMut(usize, Result<<I::Item as BatchItem>::Output, Error>),
    ) -> Summary {
        let total = match self.inputs.size_hint() {
            (lower, Some(upper)) if lower == upper => Some(lower),
            _ => None,
        };
        let limit = self.concurrency;
        let shared = Shared {
            state: Mutex::new(State {
                inputs: self.inputs,
                next_index: 0,
                exhausted: false,
                in_flight: 0,
                next_start: None,
                credits: 0.0,
                stopped: None,
            }),
            throttle: Arc::new(Mutex::new(Throttle {
                allowed: limit,
                lowest: limit,
                successes: 0,
                pause_until: None,
                last_cut: None,
            })),
            wake: Condvar::new(),
            limit,
            spacing: self.per_minute.map(|n| Duration::from_secs(60) / n),
            budget: self.credit_budget,
            cancel: self.cancel.clone(),
        };
        let client = self.client;
        let mut done = 0;
        let mut failed = 0;
        let mut credits = 0.0;
        std::thread::scope(|scope| {
            let (tx, rx) = mpsc::channel();
            let mut workers = Vec::with_capacity(limit);
            for n in 0..limit {
                let tx = tx.clone();
                let shared = &shared;
                let spawned = std::thread::Builder::new()
                    .name(format!("foura-batch-{n}"))
                    .spawn_scoped(scope, move || shared.work(client, &tx));
                workers.extend(spawned.ok());
            }
            if workers.is_empty() {
                // Not even one thread could be started: run the batch on this one.
                shared.work(client, &tx);
            }
            drop(tx);
            for (index, result, used) in rx {
                done += 1;
                credits += used;
                if result.is_err() {
                    failed += 1;
                }
                deliver(index, result);
                if let Some(progress) = self.progress.as_mut() {
                    progress(&Progress {
                        done,
                        total,
                        failed,
                        credits,
                        concurrency: lock_throttle(&shared.throttle).allowed,
                    });
                }
            }
            // The scope only waits for the workers' functions to return; joining waits for
            // the threads themselves to end, so none is left running when this returns.
            for worker in workers {
                let _ = worker.join();
            }
        });
        let state = shared.lock();
        Summary {
            done,
            failed,
            credits,
            stopped: state.stopped,
            not_started_from: state.stopped.map(|_| state.next_index),
            lowest_concurrency: lock_throttle(&shared.throttle).lowest,
        }
    }
}

struct State<I> {
    inputs: I,
    next_index: usize,
    exhausted: bool,
    in_flight: usize,
    /// The next start slot under a requests-per-minute cap.
    next_start: Option<Instant>,
    credits: f64,
    stopped: Option<StopReason>,
}

/// The adaptive concurrency: shared with the attempt observer, which outlives no batch but
/// must be `'static` to sit in a thread-local.
#[derive(Debug)]
struct Throttle {
    /// The concurrency currently allowed.
    allowed: usize,
    lowest: usize,
    /// Successes in a row since the last change of `allowed`.
    successes: usize,
    /// No new start before this instant (FourA asked for a wait).
    pause_until: Option<Instant>,
    /// When concurrency was last cut, so that one burst of 429s cuts it once.
    last_cut: Option<Instant>,
}

impl Throttle {
    /// Halves the allowed concurrency (once per burst) and pauses new starts for `wait`.
    fn cut(&mut self, wait: Option<Duration>) {
        let now = Instant::now();
        let burst = self
            .last_cut
            .is_some_and(|t| now.duration_since(t) < Duration::from_millis(500));
        if !burst {
            self.allowed = (self.allowed / 2).max(1);
            self.lowest = self.lowest.min(self.allowed);
            self.last_cut = Some(now);
        }
        self.successes = 0;
        if let Some(wait) = wait {
            let until = now + wait;
            self.pause_until = Some(self.pause_until.map_or(until, |p| p.max(until)));
        }
    }

    /// One more success: after as many in a row as the allowed concurrency, allow one more.
    fn succeeded(&mut self, limit: usize) {
        self.successes += 1;
        if self.successes >= self.allowed && self.allowed < limit {
            self.allowed += 1;
            self.successes = 0;
        }
    }
}

fn lock_throttle(t: &Mutex<Throttle>) -> MutexGuard<'_, Throttle> {
    t.lock().unwrap_or_else(|p| p.into_inner())
}

struct Shared<I> {
    state: Mutex<State<I>>,
    throttle: Arc<Mutex<Throttle>>,
    wake: Condvar,
    limit: usize,
    spacing: Option<Duration>,
    budget: Option<f64>,
    cancel: CancelToken,
}

/// The message a worker sends per finished input: index, result, credits used.
type Finished<T> = (usize, Result<T, Error>, f64);

impl<I> Shared<I>
where
    I: Iterator,
    I::Item: BatchItem,
{
    fn lock(&self) -> MutexGuard<'_, State<I>> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn work(&self, client: &Client, tx: &mpsc::Sender<Finished<<I::Item as BatchItem>::Output>>) {
        // Throttle signals on attempts the client retries by itself reach the batch too.
        let throttle = Arc::clone(&self.throttle);
        let observer: Observer = Arc::new(move |attempt: &Attempt| {
            if matches!(
                attempt.error,
                Some(ErrorKind::RateLimited | ErrorKind::AtCapacity)
            ) {
                lock_throttle(&throttle).cut(attempt.wait);
            }
        });
        let _watch = Watch::install(observer);
        while let Some((index, item, start_at)) = self.next() {
            if let Some(at) = start_at {
                std::thread::sleep(at.saturating_duration_since(Instant::now()));
            }
            let result = item.send(client);
            let used = match &result {
                Ok(output) => I::Item::meta(output).credits,
                Err(e) => e.credits(),
            }
            .unwrap_or(0.0);
            self.finish(&result, used);
            if tx.send((index, result, used)).is_err() {
                return;
            }
        }
    }

    /// Waits for a start slot and takes the next input; `None` when the batch is over.
    fn next(&self) -> Option<(usize, I::Item, Option<Instant>)> {
        let mut state = self.lock();
        loop {
            if self.cancel.is_cancelled() && state.stopped.is_none() {
                state.stopped = Some(StopReason::Cancelled);
            }
            if state.stopped.is_some() || state.exhausted {
                self.wake.notify_all();
                return None;
            }
            let now = Instant::now();
            let (allowed, paused) = {
                let throttle = lock_throttle(&self.throttle);
                (
                    throttle.allowed,
                    throttle.pause_until.filter(|until| *until > now),
                )
            };
            if state.in_flight < allowed && paused.is_none() {
                break;
            }
            // Wake for the pause's end, a finished request, or (to notice a cancellation) soon.
            let nap = paused.map_or(Duration::from_millis(50), |until| until - now);
            state = self
                .wake
                .wait_timeout(state, nap.min(Duration::from_millis(50)))
                .map(|(guard, _)| guard)
                .unwrap_or_else(|p| p.into_inner().0);
        }
        let Some(item) = state.inputs.next() else {
            state.exhausted = true;
            self.wake.notify_all();
            return None;
        };
        let index = state.next_index;
        state.next_index += 1;
        state.in_flight += 1;
        let start_at = self.spacing.map(|gap| {
            let at = state
                .next_start
                .map_or(Instant::now(), |t| t.max(Instant::now()));
            state.next_start = Some(at + gap);
            at
        });
        Some((index, item, start_at))
    }

    fn finish(&self, result: &Result<<I::Item as BatchItem>::Output, Error>, used: f64) {
        let mut state = self.lock();
        state.in_flight -= 1;
        state.credits += used;
        match result {
            Ok(_) => lock_throttle(&self.throttle).succeeded(self.limit),
            Err(e) if e.kind() == ErrorKind::PlanLimit => {
                state.stopped.get_or_insert(StopReason::PlanLimit);
            }
            Err(e) if matches!(e.kind(), ErrorKind::RateLimited | ErrorKind::AtCapacity) => {
                lock_throttle(&self.throttle).cut(e.retry_after());
            }
            Err(_) => lock_throttle(&self.throttle).successes = 0,
        }
        if self.budget.is_some_and(|budget| state.credits >= budget) {
            state.stopped.get_or_insert(StopReason::CreditBudget);
        }
        self.wake.notify_all();
    }
}

/// An attempt observer, as a batch worker installs it.
type Observer = Arc<dyn Fn(&Attempt) + Send + Sync>;

thread_local! {
    /// The observer of this thread's calls, if a batch worker installed one.
    static OBSERVER: RefCell<Option<Observer>> = const { RefCell::new(None) };
}

/// Installs an observer for this thread's calls until dropped.
struct Watch;

impl Watch {
    fn install(observer: Observer) -> Watch {
        OBSERVER.with(|o| *o.borrow_mut() = Some(observer));
        Watch
    }
}

impl Drop for Watch {
    fn drop(&mut self) {
        OBSERVER.with(|o| *o.borrow_mut() = None);
    }
}

/// Whether a batch is watching this thread's calls (so the funnel builds its report).
pub(crate) fn watched() -> bool {
    OBSERVER.with(|o| o.borrow().is_some())
}

/// Tells this thread's batch, if any, about an attempt.
pub(crate) fn notify(attempt: &Attempt) {
    let observer = OBSERVER.with(|o| o.borrow().clone());
    if let Some(observer) = observer {
        observer(attempt);
    }
}
