//! A FourA emulator on loopback, for testing code that uses this crate without a key or a
//! network (feature `mock`).
//!
//! [`MockServer::start`] runs a real HTTP/1.1 server with keep-alive on `127.0.0.1`, on a port
//! of its own, in background threads; dropping the server stops it. It behaves like FourA's
//! tasks API as documented — Bearer keys checked, bodies validated, completed tasks with
//! deterministic content, tasks kept for listing, `X-Foura-Request-Id` on every response — and
//! records every request it receives, so tests can assert on the wire as well as on results.
//! Scripted [`Fault`]s make the next requests fail in the ways real networks and servers do.
//!
//! ```
//! use foura::mock::{Fault, MockServer};
//! use foura::{ErrorKind, TaskType};
//!
//! let server = MockServer::start();
//! let client = server.client(); // a Client for server.url() with MockServer::TEST_KEY
//!
//! let task = client.submit("https://example.com", TaskType::Single)?;
//! assert_eq!(task.status, foura::TaskStatus::Completed);
//! assert_eq!(server.last_request().unwrap().path, "/api/v1/tasks");
//!
//! server.push_fault(Fault::status(429, r#"{"error":{"code":"RATE_LIMIT_EXCEEDED","message":"Rate limit exceeded. Retry after 30 seconds.","status":429,"retryAfter":30}}"#));
//! let err = client.submit("https://example.com", TaskType::Single).unwrap_err();
//! assert_eq!(err.kind(), ErrorKind::RateLimited);
//! # Ok::<(), foura::Error>(())
//! ```
//!
//! The emulator reads requests with its own parser and JSON values — never this crate's
//! request or response types — so a serialisation bug in the client is caught, not mirrored.
//! It is stricter than FourA is known to be: it refuses unknown fields, so a client that
//! sends anything undocumented fails its tests.

mod http;
mod tasks;

use std::collections::{HashMap, VecDeque};
use std::fmt;
use std::io::{self, BufReader, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::{ApiKey, Client};

/// A request the emulator received.
#[derive(Clone)]
#[non_exhaustive]
pub struct ReceivedRequest {
    /// `GET`, `POST`, …
    pub method: String,
    /// The request target, e.g. `/api/v1/tasks` (with any query string).
    pub path: String,
    /// Headers in the order they arrived, names as sent.
    pub headers: Vec<(String, String)>,
    /// The body, as sent.
    pub body: Vec<u8>,
}

impl ReceivedRequest {
    /// A header's value by name, ignoring letter case (the first, if repeated).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The body as text (lossy UTF-8).
    pub fn body_text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    /// The body parsed as JSON, if it is JSON.
    pub fn body_json(&self) -> Option<Value> {
        serde_json::from_slice(&self.body).ok()
    }
}

impl fmt::Debug for ReceivedRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Credentials are shown redacted, so a failing test's output does not print a key.
        let headers: Vec<(&str, &str)> = self
            .headers
            .iter()
            .map(|(n, v)| {
                let secret =
                    n.eq_ignore_ascii_case("authorization") || n.eq_ignore_ascii_case("x-api-key");
                (n.as_str(), if secret { "<redacted>" } else { v.as_str() })
            })
            .collect();
        f.debug_struct("ReceivedRequest")
            .field("method", &self.method)
            .field("path", &self.path)
            .field("headers", &headers)
            .field("body", &self.body_text())
            .finish()
    }
}

/// A scripted misbehaviour for the next request the emulator receives.
///
/// Queue faults with [`MockServer::push_fault`]; each applies to one request, in order, on
/// any path, after the request has been read and recorded. Requests with no fault queued get
/// the emulator's normal answer.
///
/// ```
/// use std::time::Duration;
/// use foura::mock::Fault;
///
/// let html_500 = Fault::status(500, "<html><body>Internal Server Error</body></html>")
///     .header("Content-Type", "text/html");
/// let slow = Fault::delay(Duration::from_millis(200));
/// let hang = Fault::stall();
/// let away = Fault::redirect(307, "http://127.0.0.1:9/elsewhere");
/// let reset = Fault::drop_connection();
/// ```
#[derive(Debug, Clone)]
pub struct Fault {
    action: Action,
    headers: Vec<(String, String)>,
}

#[derive(Debug, Clone)]
enum Action {
    Respond {
        status: u16,
        body: Vec<u8>,
    },
    Delay(Duration),
    Stall,
    WithholdBody {
        status: u16,
        promised: usize,
        sent: Vec<u8>,
    },
    Drop,
}

impl Fault {
    /// Answer with `status` and `body` (sent as `application/json` unless a `Content-Type`
    /// header is added). The response still carries an `X-Foura-Request-Id`.
    pub fn status(status: u16, body: impl Into<Vec<u8>>) -> Fault {
        Fault {
            action: Action::Respond {
                status,
                body: body.into(),
            },
            headers: Vec::new(),
        }
    }

    /// Answer with `status` and a JSON body.
    pub fn json(status: u16, body: &Value) -> Fault {
        Fault::status(status, body.to_string())
    }

    /// Wait `delay`, then answer normally.
    pub fn delay(delay: Duration) -> Fault {
        Fault {
            action: Action::Delay(delay),
            headers: Vec::new(),
        }
    }

    /// Read the request and never answer, holding the connection open until the server is
    /// dropped: what a hung server looks like.
    pub fn stall() -> Fault {
        Fault {
            action: Action::Stall,
            headers: Vec::new(),
        }
    }

    /// Send the status line and headers promising a body of `promised` bytes, then send only
    /// `sent` and hold the connection open: a server that stalls mid-answer.
    pub fn withhold_body(status: u16, promised: usize, sent: impl Into<Vec<u8>>) -> Fault {
        Fault {
            action: Action::WithholdBody {
                status,
                promised,
                sent: sent.into(),
            },
            headers: Vec::new(),
        }
    }

    /// Answer with a redirect to `location` (`status` is 301, 302, 303, 307 or 308).
    pub fn redirect(status: u16, location: &str) -> Fault {
        Fault::status(status, Vec::new()).header("Location", location)
    }

    /// Close the connection without answering.
    pub fn drop_connection() -> Fault {
        Fault {
            action: Action::Drop,
            headers: Vec::new(),
        }
    }

    /// Adds a response header (for [`Fault::status`], [`Fault::json`], [`Fault::redirect`]
    /// and [`Fault::withhold_body`]).
    pub fn header(mut self, name: &str, value: &str) -> Fault {
        self.headers.push((name.to_owned(), value.to_owned()));
        self
    }
}

/// Whether a key the emulator knows may be used.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum KeyState {
    Active,
    Disabled,
}

/// The emulator's state, behind one lock.
pub(crate) struct State {
    pub(crate) keys: HashMap<String, KeyState>,
    faults: VecDeque<Fault>,
    requests: Vec<ReceivedRequest>,
    /// Tasks created, with the key that created them.
    pub(crate) tasks: Vec<(String, Value)>,
    pub(crate) next_task: u64,
}

struct Shared {
    state: Mutex<State>,
    shutdown: AtomicBool,
    accepted: AtomicUsize,
    request_ids: AtomicU64,
    /// Clones of open connections by number, shut down when the server stops.
    open: Mutex<HashMap<usize, TcpStream>>,
    workers: Mutex<Vec<JoinHandle<()>>>,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, State> {
        // A panicking test thread must not take the emulator down with it.
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn stopping(&self) -> bool {
        self.shutdown.load(Ordering::SeqCst)
    }

    /// Sleeps for `d`, waking early when the server stops.
    fn sleep(&self, d: Duration) {
        let end = Instant::now() + d;
        while !self.stopping() {
            let now = Instant::now();
            if now >= end {
                return;
            }
            thread::sleep((end - now).min(Duration::from_millis(10)));
        }
    }
}

/// A FourA emulator on `127.0.0.1`, stopped when dropped. See the [module docs](self).
pub struct MockServer {
    addr: SocketAddr,
    shared: Arc<Shared>,
    acceptor: Option<JoinHandle<()>>,
}

impl MockServer {
    /// A tasks-API key (`fk_live_…`) the emulator accepts.
    pub const TEST_KEY: &'static str = "fk_live_mock0a1b2c3d4e5f6a7b8c9d";
    /// A key the emulator knows but answers `403 Forbidden` for (disabled or expired).
    pub const DISABLED_KEY: &'static str = "fk_live_mockdisabled0000000000";

    /// Starts an emulator on a free loopback port.
    ///
    /// # Panics
    ///
    /// If no loopback port can be bound; use [`MockServer::try_start`] to handle that.
    pub fn start() -> MockServer {
        MockServer::try_start().expect("the FourA emulator could not bind a loopback port")
    }

    /// Starts an emulator on a free loopback port, or says why it could not.
    ///
    /// # Errors
    ///
    /// The I/O error from binding `127.0.0.1:0` or spawning the accept thread.
    pub fn try_start() -> io::Result<MockServer> {
        let listener = TcpListener::bind("127.0.0.1:0")?;
        let addr = listener.local_addr()?;
        let mut keys = HashMap::new();
        keys.insert(MockServer::TEST_KEY.to_owned(), KeyState::Active);
        keys.insert(MockServer::DISABLED_KEY.to_owned(), KeyState::Disabled);
        let shared = Arc::new(Shared {
            state: Mutex::new(State {
                keys,
                faults: VecDeque::new(),
                requests: Vec::new(),
                tasks: Vec::new(),
                next_task: 1,
            }),
            shutdown: AtomicBool::new(false),
            accepted: AtomicUsize::new(0),
            request_ids: AtomicU64::new(1),
            open: Mutex::new(HashMap::new()),
            workers: Mutex::new(Vec::new()),
        });
        let accept_shared = Arc::clone(&shared);
        let acceptor = thread::Builder::new()
            .name("foura-mock-accept".into())
            .spawn(move || accept_loop(listener, accept_shared))?;
        Ok(MockServer {
            addr,
            shared,
            acceptor: Some(acceptor),
        })
    }

    /// The base URL to give [`ClientBuilder::base_url`](crate::ClientBuilder::base_url),
    /// e.g. `http://127.0.0.1:41234`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The socket address the emulator listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// A [`Client`] for this emulator with [`MockServer::TEST_KEY`], no proxy, and a 10 s
    /// timeout.
    pub fn client(&self) -> Client {
        Client::builder()
            .api_key(ApiKey::new(MockServer::TEST_KEY).expect("the test key is valid"))
            .base_url(self.url())
            .proxy(None)
            .timeout(Duration::from_secs(10))
            .build()
            .expect("the emulator's URL is a valid loopback base URL")
    }

    /// Makes `key` valid (or valid again).
    pub fn add_key(&self, key: &str) {
        self.shared
            .lock()
            .keys
            .insert(key.to_owned(), KeyState::Active);
    }

    /// Makes `key` known but disabled: requests with it get `403 Forbidden`.
    pub fn disable_key(&self, key: &str) {
        self.shared
            .lock()
            .keys
            .insert(key.to_owned(), KeyState::Disabled);
    }

    /// Queues a fault for the next request that has none.
    pub fn push_fault(&self, fault: Fault) {
        self.shared.lock().faults.push_back(fault);
    }

    /// Queues the same fault for the next `n` requests.
    pub fn push_faults(&self, n: usize, fault: Fault) {
        let mut state = self.shared.lock();
        state.faults.extend(std::iter::repeat_n(fault, n));
    }

    /// How many queued faults have not been used yet.
    pub fn pending_faults(&self) -> usize {
        self.shared.lock().faults.len()
    }

    /// Every request received so far, in order of arrival.
    pub fn requests(&self) -> Vec<ReceivedRequest> {
        self.shared.lock().requests.clone()
    }

    /// How many requests were received.
    pub fn request_count(&self) -> usize {
        self.shared.lock().requests.len()
    }

    /// The most recent request, if any.
    pub fn last_request(&self) -> Option<ReceivedRequest> {
        self.shared.lock().requests.last().cloned()
    }

    /// Forgets the requests received so far.
    pub fn clear_requests(&self) {
        self.shared.lock().requests.clear();
    }

    /// How many TCP connections the emulator has accepted (pool reuse shows as few).
    pub fn connections_accepted(&self) -> usize {
        self.shared.accepted.load(Ordering::SeqCst)
    }

    /// The tasks created so far, as the JSON the emulator answered with.
    pub fn tasks(&self) -> Vec<Value> {
        self.shared
            .lock()
            .tasks
            .iter()
            .map(|(_, t)| t.clone())
            .collect()
    }
}

impl fmt::Debug for MockServer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MockServer")
            .field("url", &self.url())
            .finish()
    }
}

impl Drop for MockServer {
    fn drop(&mut self) {
        self.shared.shutdown.store(true, Ordering::SeqCst);
        // Wake the acceptor with a connection of our own, then unblock every open connection.
        let _ = TcpStream::connect_timeout(&self.addr, Duration::from_secs(1));
        if let Some(acceptor) = self.acceptor.take() {
            let _ = acceptor.join();
        }
        for (_, stream) in self
            .shared
            .open
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .drain()
        {
            let _ = stream.shutdown(Shutdown::Both);
        }
        let workers: Vec<_> = self
            .shared
            .workers
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .drain(..)
            .collect();
        for worker in workers {
            let _ = worker.join();
        }
    }
}

fn accept_loop(listener: TcpListener, shared: Arc<Shared>) {
    for stream in listener.incoming() {
        if shared.stopping() {
            break;
        }
        let Ok(stream) = stream else { continue };
        let number = shared.accepted.fetch_add(1, Ordering::SeqCst);
        if let Ok(clone) = stream.try_clone() {
            shared
                .open
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .insert(number, clone);
        }
        let conn_shared = Arc::clone(&shared);
        let worker = thread::Builder::new()
            .name("foura-mock-conn".into())
            .spawn(move || {
                serve_connection(stream, &conn_shared);
                conn_shared
                    .open
                    .lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .remove(&number);
            });
        if let Ok(worker) = worker {
            let mut workers = shared.workers.lock().unwrap_or_else(|p| p.into_inner());
            workers.retain(|w| !w.is_finished());
            workers.push(worker);
        }
    }
}

/// What the router decided to send.
pub(crate) struct Answer {
    pub(crate) status: u16,
    pub(crate) headers: Vec<(String, String)>,
    pub(crate) body: Vec<u8>,
}

impl Answer {
    pub(crate) fn json(status: u16, body: &Value) -> Answer {
        Answer {
            status,
            headers: vec![("Content-Type".into(), "application/json".into())],
            body: body.to_string().into_bytes(),
        }
    }
}

fn serve_connection(stream: TcpStream, shared: &Shared) {
    let Ok(read_half) = stream.try_clone() else {
        return;
    };
    let mut reader = BufReader::new(read_half);
    let mut writer = stream;
    while !shared.stopping() {
        let request = match http::read_request(&mut reader) {
            Ok(Some(r)) => r,
            Ok(None) => return,
            Err(e) if e.kind() == io::ErrorKind::InvalidData => {
                let _ = http::write_response(&mut writer, 400, &[], b"malformed request", true);
                return;
            }
            Err(_) => return,
        };
        if shared.stopping() {
            return;
        }
        let close = request.wants_close();
        let request_id = format!(
            "00000000-0000-4000-8000-{:012x}",
            shared.request_ids.fetch_add(1, Ordering::SeqCst)
        );
        let fault = {
            let mut state = shared.lock();
            state.requests.push(ReceivedRequest {
                method: request.method.clone(),
                path: request.target.clone(),
                headers: request.headers.clone(),
                body: request.body.clone(),
            });
            state.faults.pop_front()
        };
        let mut extra = vec![("X-Foura-Request-Id".to_owned(), request_id)];
        let answer = match fault {
            None => route(shared, &request),
            Some(Fault { action, headers }) => {
                extra.extend(headers);
                match action {
                    Action::Respond { status, body } => {
                        if !extra
                            .iter()
                            .any(|(n, _)| n.eq_ignore_ascii_case("content-type"))
                        {
                            extra.push(("Content-Type".into(), "application/json".into()));
                        }
                        Answer {
                            status,
                            headers: Vec::new(),
                            body,
                        }
                    }
                    Action::Delay(d) => {
                        shared.sleep(d);
                        route(shared, &request)
                    }
                    Action::Stall => {
                        shared.sleep(Duration::MAX);
                        return;
                    }
                    Action::WithholdBody {
                        status,
                        promised,
                        sent,
                    } => {
                        let mut bytes = http::head(status, &extra, promised, false);
                        bytes.extend_from_slice(&sent);
                        let _ = writer.write_all(&bytes).and_then(|()| writer.flush());
                        shared.sleep(Duration::MAX);
                        return;
                    }
                    Action::Drop => {
                        let _ = writer.shutdown(Shutdown::Both);
                        return;
                    }
                }
            }
        };
        extra.extend(answer.headers);
        if http::write_response(&mut writer, answer.status, &extra, &answer.body, close).is_err()
            || close
        {
            return;
        }
    }
}

/// The emulator's normal answer to a request.
fn route(shared: &Shared, request: &http::RawRequest) -> Answer {
    let path = request.target.split('?').next().unwrap_or("");
    match path {
        tasks::PATH => tasks::handle(&mut shared.lock(), request),
        _ => tasks::not_found(request),
    }
}
