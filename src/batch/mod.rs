//! Many requests at once without a runtime: scoped std threads sharing the client's pool,
//! throttle-aware, with an optional rate cap and credit budget.

use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

mod schedule;
mod summary;
mod throttle;

pub use summary::{Latency, Summary};

use crate::client::Client;
use crate::defaults::MAX_CONCURRENCY;
use crate::engines::{
    AutoRequest, AutoResponse, BrowserRequest, BrowserResponse, ProxyRequest, ProxyResponse,
    SingleRequest, SingleResponse,
};
use crate::error::Error;
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

    /// The request's stable id ([`RequestId`](crate::RequestId)), to match results to inputs,
    /// resume a run or split inputs across machines. Every request type of this crate has
    /// one; an item of your own has none unless it says so (the default).
    fn request_id(&self) -> Option<crate::RequestId> {
        None
    }
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
            fn request_id(&self) -> Option<crate::RequestId> {
                Some(self.id())
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
    fn request_id(&self) -> Option<crate::RequestId> {
        (**self).request_id()
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
    /// Work used so far, as FourA reports it (`X-FourA-Credits`, failures included; not what
    /// is billed).
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
    /// FourA refused the key (`Unauthorized`, `Forbidden`), or the key was refused before
    /// sending (`InvalidKey`): every other input would be refused the same way.
    KeyRefused,
}

impl StopReason {
    /// Whether a failed input stops a batch, and why: a plan limit
    /// ([`ErrorKind::PlanLimit`](crate::ErrorKind::PlanLimit)) and a refused key
    /// (`Unauthorized`, `Forbidden`, `InvalidKey`) do, since every later input would fail the
    /// same way; any other failure does not. A batch applies this to every result; a tool
    /// that runs its own loop can apply the same rule.
    ///
    /// ```
    /// use foura::mock::MockServer;
    /// use foura::{ApiKey, ErrorKind, StopReason, TaskType};
    ///
    /// let server = MockServer::start();
    /// // A key the emulator does not know: `401 Invalid API key`.
    /// let client = server
    ///     .client_builder()
    ///     .api_key(ApiKey::new("fk_live_not_a_key_it_knows")?)
    ///     .build()?;
    /// let refused = client.submit("https://example.com", TaskType::Single).unwrap_err();
    /// assert_eq!(refused.kind(), ErrorKind::Unauthorized);
    /// assert_eq!(StopReason::for_error(&refused), Some(StopReason::KeyRefused));
    /// // A request that is not valid JSON does not stop a batch.
    /// let bad = foura::TaskRequest::from_json_str("not json").unwrap_err();
    /// assert_eq!(StopReason::for_error(&bad), None);
    /// # Ok::<(), foura::Error>(())
    /// ```
    pub fn for_error(error: &Error) -> Option<StopReason> {
        match error.kind() {
            crate::ErrorKind::PlanLimit => Some(StopReason::PlanLimit),
            crate::ErrorKind::Unauthorized
            | crate::ErrorKind::Forbidden
            | crate::ErrorKind::InvalidKey => Some(StopReason::KeyRefused),
            _ => None,
        }
    }
}

impl fmt::Display for StopReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            StopReason::Cancelled => "cancelled",
            StopReason::CreditBudget => "the credit budget was reached",
            StopReason::PlanLimit => "a plan limit refused a call",
            StopReason::KeyRefused => "the API key was refused",
        })
    }
}

/// What [`Batch::run`] returns: every started input's result, in input order.
#[derive(Debug)]
#[non_exhaustive]
pub struct BatchResults<T> {
    /// `results[i]` is input `i`'s result. Inputs the batch did not start (see
    /// [`Summary::not_started_from`]) have no entry.
    pub results: Vec<Result<T, Error>>,
    /// `ids[i]` is input `i`'s [`RequestId`](crate::RequestId) ([`BatchItem::request_id`]):
    /// `Some` for every request type of this crate, `None` for an item of your own without
    /// one. As long as `results`.
    pub ids: Vec<Option<crate::RequestId>>,
    /// How the batch went.
    pub summary: Summary,
}

/// One finished input of a batch, as [`Batch::for_each_outcome`] hands it over.
#[derive(Debug)]
#[non_exhaustive]
pub struct Outcome<T> {
    /// The input's index: 0-based, in input order.
    pub index: usize,
    /// The request's stable id ([`BatchItem::request_id`]): the same request gives the same
    /// id on any machine, so it matches a result to its input across runs (resume, shards).
    /// `None` for an item of your own that has none.
    pub id: Option<crate::RequestId>,
    /// What the call returned.
    pub result: Result<T, Error>,
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
/// client then retried — the batch starts nothing until FourA's wait (`retryAfter`) has passed.
/// When the answer declares FourA's limits (`limits.maxConcurrency`, `limits.maxRpm`, for the
/// whole API or for one engine; <https://foura.ai/docs/api/rate-limits>), the batch adopts
/// them: at most `maxConcurrency` in flight, starts spaced to keep within `maxRpm`. When it
/// declares none, or the batch was already within them, the batch halves its concurrency
/// (down to 1). After as many successes in a row as the current concurrency, it grows back by
/// one, up to the limit set with [`concurrency`](Batch::concurrency) or the declared one.
/// A `503 Service disabled` (maintenance) with a wait pauses every start for that wait too.
///
/// **Stops early** (no new start; those in flight finish) on cancellation, the credit budget,
/// a plan limit, or a refused key (`Unauthorized`, `Forbidden`, `InvalidKey`): a wrong key
/// costs at most one request per concurrency slot, not one per input. The [`Summary`] says
/// why and where the unstarted inputs begin.
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
    I: Iterator,
    I::Item: BatchItem + Send,
    <I::Item as BatchItem>::Output: Send,
{
    /// The most requests in flight at once, from 1 to
    /// [`defaults::MAX_CONCURRENCY`](crate::defaults::MAX_CONCURRENCY) (256). Default: 4. Keep
    /// it within the client's [`pool_size`](crate::ClientBuilder::pool_size) so connections
    /// are reused.
    pub fn concurrency(mut self, n: usize) -> Self {
        self.concurrency = n.clamp(1, MAX_CONCURRENCY);
        self
    }

    /// Starts at most `n` requests per minute, evenly spaced. Default: no cap. `0` is taken
    /// as `1` (one start a minute), never as "no cap".
    pub fn requests_per_minute(mut self, n: u32) -> Self {
        self.per_minute = Some(n.max(1));
        self
    }

    /// Stops starting new requests once the credits FourA reports (`X-FourA-Credits`, on
    /// failures too) reach `credits`. Requests in flight finish, so the total can pass the
    /// budget by what they use. Default: no budget.
    ///
    /// The header reports work used, not money billed (failures and auto's failed rungs are
    /// not billed), so the budget stops conservatively: before the bill reaches it.
    ///
    /// A budget that is not a positive number (`0`, negative, NaN) is taken as `0`: the batch
    /// stops starting requests at its first result.
    pub fn credit_budget(mut self, credits: f64) -> Self {
        self.credit_budget = Some(if credits > 0.0 { credits } else { 0.0 });
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
        type Slot<T> = Option<(Option<crate::RequestId>, Result<T, Error>)>;
        let mut slots: Vec<Slot<<I::Item as BatchItem>::Output>> = Vec::new();
        let summary = self.execute(|outcome| {
            if slots.len() <= outcome.index {
                slots.resize_with(outcome.index + 1, || None);
            }
            slots[outcome.index] = Some((outcome.id, outcome.result));
        });
        // Inputs start in order and every started one finishes, so the slots are a full prefix.
        let (ids, results) = slots.into_iter().map_while(|slot| slot).unzip();
        BatchResults {
            results,
            ids,
            summary,
        }
    }

    /// Runs the batch, handing each result to `f` on the calling thread as it completes
    /// (completion order), with its input index (0-based, in input order: the key to match a
    /// result to its input). Nothing is collected.
    pub fn for_each(
        self,
        mut f: impl FnMut(usize, Result<<I::Item as BatchItem>::Output, Error>),
    ) -> Summary {
        self.execute(|outcome| f(outcome.index, outcome.result))
    }

    /// Runs the batch, handing each finished input to `f` on the calling thread as it
    /// completes (completion order), as an [`Outcome`]: its input index, its request id and
    /// its result. The id is what a utility writes beside a result to resume a run or
    /// split it across machines; nothing is collected.
    ///
    /// ```
    /// use foura::mock::MockServer;
    /// use foura::{SingleRequest, TaskRequest, TaskType};
    ///
    /// let server = MockServer::start();
    /// let client = server.client();
    /// let requests = vec![TaskRequest::new("https://example.com/a", TaskType::Single)];
    /// let id = requests[0].id();
    /// let summary = client.batch(&requests).for_each_outcome(|outcome| {
    ///     assert_eq!(outcome.index, 0);
    ///     assert_eq!(outcome.id, Some(id));
    ///     assert!(outcome.result.is_ok());
    /// });
    /// assert_eq!(summary.done, 1);
    /// ```
    pub fn for_each_outcome(
        self,
        f: impl FnMut(Outcome<<I::Item as BatchItem>::Output>),
    ) -> Summary {
        self.execute(f)
    }
}
