//! A blocking, runtime-free client for the [FourA](https://foura.ai) web-data API.
//!
//! FourA fetches a web page for you — plain HTTP with a browser's fingerprint, through
//! rotating proxies, or in a real headless browser — and returns its content, status, headers
//! and timings. This crate calls it from plain `fn main` programs, `build.rs` scripts and small
//! utilities: one synchronous [`ureq`](https://docs.rs/ureq) agent, a zeroizing key holder,
//! and no async runtime anywhere in the dependency tree.
//!
//! # Which API?
//!
//! FourA has two APIs, and one [`Client`] speaks both; the key's prefix says which is yours:
//!
//! - **`fk_live_…`: the tasks API** of FourA's founding documentation, `POST /api/v1/tasks`
//!   with `Authorization: Bearer <key>`: a URL, a [`TaskType`] (`single`, `browser`, `proxy`)
//!   and a few options, answered with a [`Task`] (id, status, content, timings), kept for
//!   [`Client::list_tasks`]. [`submit`], [`create_task`] and [`build::fetch`] use it.
//! - **`pk_live_…`: the engine API** FourA's own tools call today, `POST /api/single`,
//!   `/api/proxy`, `/api/browser` and `/api/auto` with `X-API-Key: <key>`: each engine's own
//!   documented fields (browser profiles, [`Validate`] rules, exit countries and classes,
//!   cookies, the auto ladder), answered with the page, its headers, the credits used and the
//!   exit. See [the engines](#the-engine-api).
//!
//! A key sent to the wrong API is refused with `401`, and the error's hint names the API it
//! belongs to.
//!
//! # Quick start
//!
//! Put your key in `FOURA_API_KEY` (FourA Dashboard → Settings → API Access), then:
//!
//! ```no_run
//! use foura::TaskType;
//!
//! fn main() -> Result<(), foura::Error> {
//!     let task = foura::submit("https://example.com", TaskType::Single)?;
//!     println!("{} {} {:?}", task.id, task.status, task.status_code);
//!     Ok(())
//! }
//! ```
//!
//! [`submit`] and [`create_task`] use a process-wide [`Client`] built once from the
//! environment (or installed with [`set_global_client`], as tests do). For anything more,
//! build a client yourself: [`ClientBuilder::from_env`] starts from the environment (the key,
//! and `FOURA_API_BASE` when set), [`Client::builder`] from the defaults alone.
//!
//! ```no_run
//! use std::time::Duration;
//! use foura::{ClientBuilder, TaskRequest, TaskType};
//!
//! fn main() -> Result<(), foura::Error> {
//!     let client = ClientBuilder::from_env()?
//!         .user_agent_suffix("price-watch/2.1")
//!         .build()?;
//!     let task = client.create_task(
//!         &TaskRequest::new("https://example.com/products", TaskType::Browser)
//!             .wait_for(".product-list")
//!             .timeout(Duration::from_secs(20)),
//!     )?;
//!     println!("{} {}", task.id, task.status);
//!     Ok(())
//! }
//! ```
//!
//! # The engine API
//!
//! [`Client::single`] (one request with a browser's fingerprint), [`Client::proxy`] (the same
//! through rotating exits), [`Client::browser`] (a real browser session) and [`Client::auto`]
//! (the cheapest engine that delivers) take [`SingleRequest`], [`ProxyRequest`],
//! [`BrowserRequest`] and [`AutoRequest`]: every documented field is a builder method, checked
//! before anything is sent. A page FourA could not deliver is [`ErrorKind::EngineFailed`]; a
//! target's own non-2xx answer is a page like any other. The public endpoints need no key:
//! [`Client::profiles`], [`Client::inspect`], [`service_status`] (and [`service_status_at`]
//! for another host, such as the emulator).
//!
//! ```no_run
//! use foura::{Client, SingleRequest, Validate};
//!
//! fn main() -> Result<(), foura::Error> {
//!     let client = Client::from_env()?;
//!     let page = client.single(
//!         &SingleRequest::get("https://example.com/")
//!             .validate(Validate::new().data_accept("Example Domain")),
//!     )?;
//!     println!("{} {} credits", page.status, page.meta().credits.unwrap_or(0.0));
//!     Ok(())
//! }
//! ```
//!
//! # Many pages at once
//!
//! [`Client::batch`] runs any requests (tasks or engines) on scoped threads sharing the
//! connection pool, with a concurrency, an optional rate and credit budget, and backs off to
//! the limits FourA declares; each input gets its own `Result`, and the [`Summary`] reports
//! counts, retries, latency and credits. [`RequestId`] gives every request a stable id, and
//! each request type reads FourA's wire format with `from_json`.
//!
//! # Build scripts
//!
//! [`build::fetch`] fetches a page through the tasks API into `OUT_DIR` from `build.rs`;
//! without a key it warns and writes an empty (or [fallback](build::Fetch::fallback)) file, so
//! contributors' builds still succeed, and it never makes cargo store the key in `target/`.
//!
//! # Keys and dry runs
//!
//! [`ApiKey`] comes from `FOURA_API_KEY`, or a file ([`ApiKey::from_file`], or named by
//! `FOURA_API_KEY_FILE`, as container secrets arrive); [`Client::with_key`] rotates it.
//! [`Client::preview`] checks a request and shows exactly what would be sent — as a `curl`
//! command with `$FOURA_API_KEY` in place of the key — without sending it.
//!
//! # Errors
//!
//! Every failure is an [`Error`]; match on [`Error::kind`]. Errors carry the HTTP status,
//! FourA's message and code, its request id, how long to wait, and a hint from FourA's docs —
//! and never the key.
//!
//! # Testing without a key: the emulator
//!
//! With the `mock` feature, [`mock::MockServer`] runs a FourA emulator on loopback — both
//! APIs, a deterministic virtual web behind the engines, scripted faults — so code that uses
//! this crate can be tested offline. `cargo run --example emulator` runs one on its own and
//! prints the `export` lines that point [`Client::from_env`] at it.
//!
//! # Safety of the key
//!
//! [`ApiKey`] wipes the key on drop and never prints it. The client sends it only to the
//! configured base URL: redirects are not followed, and plain `http://` is allowed only to
//! loopback. See [`ApiKey`] for exactly which copies can and cannot be wiped.
#![forbid(unsafe_code)]
#![warn(missing_docs)]
#![cfg_attr(docsrs, feature(doc_cfg))]

mod macros;

mod batch;
pub mod build;
mod builder;
mod call;
mod client;
pub mod defaults;
mod engines;
mod error;
mod from_json;
mod key;
mod meta;
mod preview;
mod redact;
mod request_id;
mod resolve;
mod retry;
mod settings;
mod tasks;
mod time;
mod transport;
mod wire;

#[cfg(feature = "mock")]
pub mod mock;

#[cfg(feature = "fuzzing")]
#[doc(hidden)]
pub mod fuzzing;

use std::sync::OnceLock;

pub use batch::{
    Batch, BatchItem, BatchResults, CancelToken, Latency, Outcome, Progress, StopReason, Summary,
};
pub use builder::ClientBuilder;
pub use client::Client;
pub use engines::{
    AnonymityLevel, AutoLadder, AutoRequest, AutoResponse, AutoSession, BrowserRequest,
    BrowserResponse, Confidence, Content, Cookie, ExitClass, Hop, Inspection, ProfileCatalogue,
    ProxyChain, ProxyDetection, ProxyRequest, ProxyResponse, ProxyType, ResponseHeaders, Rung,
    ServiceStatus, SingleRequest, SingleResponse, StatusLine, StatusService, Validate, inspect,
    inspect_at, service_status, service_status_at,
};
pub use error::{Error, ErrorKind, RateLimit};
pub use key::{API_KEY_ENV, API_KEY_FILE_ENV, ApiKey};
pub use meta::Meta;
pub use preview::{Preview, Previewable};
pub use request_id::RequestId;
pub use settings::Attempt;
pub use tasks::{Task, TaskRequest, TaskStatus, TaskType, Timing};

// The defaults' old paths at the crate root, kept for code written against them.
#[doc(hidden)]
pub use defaults::{
    BACKOFF_BASE, BACKOFF_CAP, BASE_URL_ENV, DEFAULT_AUTO_PATH, DEFAULT_BASE_URL,
    DEFAULT_CONNECT_TIMEOUT, DEFAULT_MAX_RESPONSE_BYTES, DEFAULT_MAX_RETRIES,
    DEFAULT_MAX_RETRY_WAIT, DEFAULT_POOL_SIZE, DEFAULT_STATUS_BASE_URL, DEFAULT_TASK_TIMEOUT,
    MAX_CONCURRENCY, MIN_RETRY_WAIT, TIMEOUT_MARGIN,
};

/// The process-wide client behind the free functions, built on first use.
static GLOBAL: OnceLock<Client> = OnceLock::new();

/// The process-wide client: the one installed with [`set_global_client`], or else built once
/// from the environment on first use ([`Client::from_env`]: `FOURA_API_KEY` or
/// `FOURA_API_KEY_FILE`, and `FOURA_API_BASE`), then shared. A failed build is not
/// remembered, so fixing the environment and calling again works.
///
/// Its key lives until the process exits (a `static` is never dropped, so never wiped);
/// build your own [`Client`] where that matters.
///
/// # Errors
///
/// As [`Client::from_env`].
pub fn global_client() -> Result<&'static Client, Error> {
    if let Some(client) = GLOBAL.get() {
        return Ok(client);
    }
    let client = Client::from_env()?;
    Ok(GLOBAL.get_or_init(|| client))
}

/// Installs `client` as the process-wide client behind [`submit`], [`create_task`],
/// [`list_tasks`] and [`global_client`], instead of one built from the environment.
///
/// This is how code that calls the free functions is tested offline: install a client aimed
/// at the emulator ([`mock::MockServer`], feature `mock`) before the code under test runs —
/// no process environment is changed. Since the client is process-wide, give such a test its
/// own test binary (a file of its own under `tests/`), so that no other test in the process
/// installs or builds one first.
///
/// ```
/// use foura::mock::MockServer;
///
/// let server = MockServer::start();
/// foura::set_global_client(server.client()).expect("no client was in use yet");
///
/// let task = foura::submit("https://example.com", foura::TaskType::Single)?;
/// assert_eq!(server.last_request().unwrap().path, "/api/v1/tasks");
/// # assert!(!task.id.is_empty());
/// # Ok::<(), foura::Error>(())
/// ```
///
/// Like any process-wide client, it lives until the process exits, and its key with it.
///
/// # Errors
///
/// `Err(client)`, handing the client back, when a process-wide client is already in use:
/// installed earlier, or built from the environment by an earlier call of a free function.
pub fn set_global_client(client: Client) -> Result<(), Client> {
    GLOBAL.set(client)
}

/// Creates a task for `url` with the process-wide client ([`global_client`]): the simplest
/// call, for `fn main` programs and `build.rs` scripts.
///
/// ```no_run
/// let task = foura::submit("https://example.com", foura::TaskType::Single)?;
/// # Ok::<(), foura::Error>(())
/// ```
///
/// # Errors
///
/// As [`Client::from_env`] and [`Client::submit`].
pub fn submit(url: &str, task_type: TaskType) -> Result<Task, Error> {
    global_client()?.submit(url, task_type)
}

/// Creates a task from a full [`TaskRequest`] with the process-wide client ([`global_client`]).
///
/// ```no_run
/// use foura::{TaskRequest, TaskType};
///
/// let request = TaskRequest::new("https://example.com", TaskType::Proxy).proxy_country("de");
/// let task = foura::create_task(&request)?;
/// # Ok::<(), foura::Error>(())
/// ```
///
/// # Errors
///
/// As [`Client::from_env`] and [`Client::create_task`].
pub fn create_task(request: &TaskRequest) -> Result<Task, Error> {
    global_client()?.create_task(request)
}

/// Lists tasks with the process-wide client ([`global_client`]).
///
/// # Errors
///
/// As [`Client::from_env`] and [`Client::list_tasks`].
pub fn list_tasks() -> Result<Vec<Task>, Error> {
    global_client()?.list_tasks()
}

// The README's Rust examples are compiled as doctests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;
