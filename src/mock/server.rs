//! [`MockServer`]: the emulator's public handle, its state and how it starts and stops.

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::fmt;
use std::io;
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream, ToSocketAddrs};
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::{self, JoinHandle};
use std::time::Duration;

use serde_json::Value;

use super::accounts::{Engine, KeyState, Refusal};
use super::connection::accept_loop;
use super::fault::{Fault, RandomFaults, SplitMix64};
use super::http::ReceivedRequest;
use super::limits::Limits;
use crate::{ApiKey, Client, ClientBuilder};

/// The emulator's state, behind one lock.
pub(crate) struct State {
    pub(crate) keys: HashMap<String, KeyState>,
    pub(crate) faults: VecDeque<Fault>,
    pub(crate) requests: Vec<ReceivedRequest>,
    /// Tasks created, with the key that created them.
    pub(crate) tasks: Vec<(String, Value)>,
    pub(crate) next_task: u64,
    /// Refusals queued for engine calls, each scoped to one engine or (`None`) to any.
    pub(crate) refusals: VecDeque<(Option<Engine>, Refusal)>,
    /// Engines answering `503 Service disabled`.
    pub(crate) disabled_services: Vec<Engine>,
    /// Whether the plan includes premium exits (`exitClass: "premium"`).
    pub(crate) premium_allowed: bool,
    /// Faults drawn for requests with none queued, after [`MockServer::random_faults`].
    pub(crate) random: Option<RandomFaults>,
    /// How many requests each fault answered, by the fault's `Display` name.
    pub(crate) fault_counts: BTreeMap<String, usize>,
    /// After [`MockServer::close_idle_after`]: how long a connection may wait for its next
    /// request before the emulator closes it.
    pub(crate) idle_close: Option<Duration>,
    /// Concurrency caps and the answer delay of engine calls.
    pub(crate) limits: Limits,
}

pub(crate) struct Shared {
    pub(crate) state: Mutex<State>,
    pub(crate) shutdown: AtomicBool,
    pub(crate) accepted: AtomicUsize,
    /// Requests read whose answer has not been sent yet (or whose fault has not ended).
    pub(crate) in_flight: AtomicUsize,
    /// The most requests in flight at once since the start or the last reset.
    pub(crate) peak_in_flight: AtomicUsize,
    pub(crate) request_ids: AtomicU64,
    /// Clones of open connections by number, shut down when the server stops.
    pub(crate) open: Mutex<HashMap<usize, TcpStream>>,
    pub(crate) workers: Mutex<Vec<JoinHandle<()>>>,
}

/// A FourA emulator on `127.0.0.1`, stopped when dropped. See the [module docs](crate::mock).
pub struct MockServer {
    addr: SocketAddr,
    pub(super) shared: Arc<Shared>,
    acceptor: Option<JoinHandle<()>>,
}

impl MockServer {
    /// A tasks-API key (`fk_live_…`) the emulator accepts. Like every active key, it works on
    /// the engine API too.
    pub const TEST_KEY: &'static str = "fk_live_mock0a1b2c3d4e5f6a7b8c9d";
    /// An engine-API key (`pk_live_…`) the emulator accepts, active from the start. Like every
    /// active key, it works on the tasks API too.
    pub const ENGINE_KEY: &'static str = "pk_live_mock0a1b2c3d4e5f6a7b8c9d";
    /// A key the emulator knows but has disabled: the tasks API answers `403 Forbidden`, the
    /// engine API `401 {"error":"Invalid API key"}`.
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
        MockServer::try_start_on("127.0.0.1:0")
    }

    /// Starts an emulator on `addr` — a fixed port such as `"127.0.0.1:8080"`, or port `0` for
    /// a free one — or says why it could not. The emulator listens on loopback only
    /// (`127.0.0.0/8` or `::1`): it accepts any of its keys, so it must not be reachable from
    /// another machine.
    ///
    /// ```
    /// use foura::mock::MockServer;
    ///
    /// let server = MockServer::try_start_on("127.0.0.1:0")?;
    /// assert!(server.addr().ip().is_loopback());
    /// let refused = MockServer::try_start_on("0.0.0.0:0").unwrap_err();
    /// assert_eq!(refused.kind(), std::io::ErrorKind::InvalidInput);
    /// # Ok::<(), std::io::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`io::ErrorKind::InvalidInput`] when `addr` resolves to no address or to one that is
    /// not loopback; otherwise the I/O error from binding it (the port is taken, say) or
    /// from spawning the accept thread.
    pub fn try_start_on(addr: impl ToSocketAddrs) -> io::Result<MockServer> {
        let addrs: Vec<SocketAddr> = addr.to_socket_addrs()?.collect();
        if addrs.is_empty() {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "the address resolves to nothing",
            ));
        }
        if let Some(outside) = addrs.iter().find(|a| !a.ip().is_loopback()) {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!(
                    "{} is not a loopback address: the emulator listens on loopback only",
                    outside.ip()
                ),
            ));
        }
        let listener = TcpListener::bind(&addrs[..])?;
        let addr = listener.local_addr()?;
        let mut keys = HashMap::new();
        keys.insert(MockServer::TEST_KEY.to_owned(), KeyState::Active);
        keys.insert(MockServer::ENGINE_KEY.to_owned(), KeyState::Active);
        keys.insert(MockServer::DISABLED_KEY.to_owned(), KeyState::Disabled);
        let shared = Arc::new(Shared {
            state: Mutex::new(State {
                keys,
                faults: VecDeque::new(),
                requests: Vec::new(),
                tasks: Vec::new(),
                next_task: 1,
                refusals: VecDeque::new(),
                disabled_services: Vec::new(),
                premium_allowed: true,
                random: None,
                fault_counts: BTreeMap::new(),
                idle_close: None,
                limits: Limits::default(),
            }),
            shutdown: AtomicBool::new(false),
            accepted: AtomicUsize::new(0),
            in_flight: AtomicUsize::new(0),
            peak_in_flight: AtomicUsize::new(0),
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
    /// timeout: [`MockServer::client_builder`], built.
    pub fn client(&self) -> Client {
        self.client_builder()
            .build()
            .expect("the emulator's URL is a valid loopback base URL")
    }

    /// A [`ClientBuilder`] for this emulator: base URL [`MockServer::url`], key
    /// [`MockServer::TEST_KEY`], no proxy, and a 10 s timeout — what [`MockServer::client`]
    /// builds — for a test to add settings to.
    ///
    /// ```
    /// use std::time::Duration;
    /// use foura::mock::MockServer;
    ///
    /// let server = MockServer::start();
    /// let client = server
    ///     .client_builder()
    ///     .timeout(Duration::from_secs(2))
    ///     .build()?;
    /// client.submit("https://example.com", foura::TaskType::Single)?;
    /// assert_eq!(
    ///     server.last_request().unwrap().header("authorization"),
    ///     Some(format!("Bearer {}", MockServer::TEST_KEY).as_str())
    /// );
    /// # Ok::<(), foura::Error>(())
    /// ```
    pub fn client_builder(&self) -> ClientBuilder {
        self.builder_with(MockServer::TEST_KEY)
    }

    /// [`MockServer::client_builder`] with the engine-API key [`MockServer::ENGINE_KEY`]
    /// (`pk_live_…`) instead of the tasks key. Either key works on both APIs; this one is what
    /// an engine-API user holds.
    ///
    /// ```
    /// use foura::mock::MockServer;
    ///
    /// let server = MockServer::start();
    /// let client = server.engine_client_builder().build()?;
    /// let page = client.single(&foura::SingleRequest::get("https://example.com/"))?;
    /// assert_eq!(page.status, 200);
    /// assert_eq!(
    ///     server.last_request().unwrap().header("x-api-key"),
    ///     Some(MockServer::ENGINE_KEY)
    /// );
    /// # Ok::<(), foura::Error>(())
    /// ```
    pub fn engine_client_builder(&self) -> ClientBuilder {
        self.builder_with(MockServer::ENGINE_KEY)
    }

    fn builder_with(&self, key: &str) -> ClientBuilder {
        Client::builder()
            .api_key(ApiKey::new(key).expect("the emulator's keys are valid"))
            .base_url(self.url())
            .proxy(None)
            .timeout(Duration::from_secs(10))
    }

    /// Makes `key` valid (or valid again).
    pub fn add_key(&self, key: &str) {
        self.shared
            .lock()
            .keys
            .insert(key.to_owned(), KeyState::Active);
    }

    /// Makes `key` known but disabled: the tasks API answers `403 Forbidden`, the engine API
    /// `401 {"error":"Invalid API key"}`.
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

    /// From now on, closes every connection that waits `idle` for its next request (after an
    /// answer, or after being accepted) — without having sent `Connection: close`, as a load
    /// balancer's idle timeout does. A client's pool sees a close that has already arrived;
    /// a request sent as the close happens meets a closed connection.
    ///
    /// ```
    /// use std::time::Duration;
    /// use foura::mock::MockServer;
    ///
    /// let server = MockServer::start();
    /// server.close_idle_after(Duration::from_millis(50));
    /// let client = server.client();
    /// client.submit("https://example.com", foura::TaskType::Single)?;
    /// std::thread::sleep(Duration::from_millis(150));
    /// client.submit("https://example.com", foura::TaskType::Single)?;
    /// assert_eq!(server.connections_accepted(), 2);
    /// # Ok::<(), foura::Error>(())
    /// ```
    pub fn close_idle_after(&self, idle: Duration) {
        self.shared.lock().idle_close = Some(idle);
    }

    /// Stops [`MockServer::close_idle_after`]: idle connections stay open again.
    pub fn keep_idle_connections(&self) {
        self.shared.lock().idle_close = None;
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

    /// How many requests are being handled right now: read, but their answer not yet sent
    /// (or their fault not yet ended).
    ///
    /// A request stops counting as the last bytes of its answer are handed to the socket,
    /// so once a client has its answer the request is no longer counted. A request whose
    /// answer is held back ([`Fault::stall`], [`Fault::withhold_body`], [`Fault::delay`],
    /// [`Fault::dribble`]) counts until the fault ends, the server stops or the client closes
    /// the connection — which the emulator notices within about 25 ms, so a test that checks
    /// `in_flight() == 0` right after a client timed out should poll briefly.
    pub fn in_flight(&self) -> usize {
        self.shared.in_flight.load(Ordering::SeqCst)
    }

    /// The most requests that were in flight at once (see [`MockServer::in_flight`]) since
    /// the server started or [`MockServer::reset_peak_in_flight`] was called.
    ///
    /// ```
    /// use foura::mock::MockServer;
    ///
    /// let server = MockServer::start();
    /// server.client().submit("https://example.com", foura::TaskType::Single)?;
    /// assert_eq!(server.peak_in_flight(), 1);
    /// server.reset_peak_in_flight();
    /// assert_eq!(server.peak_in_flight(), 0);
    /// # Ok::<(), foura::Error>(())
    /// ```
    pub fn peak_in_flight(&self) -> usize {
        self.shared.peak_in_flight.load(Ordering::SeqCst)
    }

    /// Starts a new peak: [`MockServer::peak_in_flight`] becomes what is in flight now.
    pub fn reset_peak_in_flight(&self) {
        self.shared
            .peak_in_flight
            .store(self.in_flight(), Ordering::SeqCst);
    }

    /// The longest a fault drawn by [`MockServer::random_faults`] may hold a request: a
    /// [`Fault::stall`], [`Fault::withhold_body`] or [`Fault::dribble`] drawn at random closes
    /// the connection after this long, and a [`Fault::delay`] answers after at most this long.
    pub const RANDOM_HOLD_LIMIT: Duration = Duration::from_secs(10);

    /// From now on, each request with no queued fault gets, with probability
    /// `percent`/100 (`percent` over 100 counts as 100), a fault picked uniformly from
    /// `faults`; the others get the normal answer. Queued faults ([`MockServer::push_fault`])
    /// still come first. Calling it again starts over with the new seed and faults.
    ///
    /// The draws come from a PRNG seeded with `seed`, made in the order requests are
    /// recorded: the same seed and the same request order give the same faults (with many
    /// client threads the order, and so the faults each call meets, varies from run to run).
    /// An empty `faults` or a `percent` of 0 draws nothing.
    ///
    /// A fault that holds a request ([`Fault::stall`], [`Fault::withhold_body`],
    /// [`Fault::dribble`], a long [`Fault::delay`]) is cut off after
    /// [`MockServer::RANDOM_HOLD_LIMIT`], so random faults cannot hang a test forever even
    /// for a client with no timeout. To see such a fault as the client's own
    /// [`ErrorKind::Timeout`](crate::ErrorKind::Timeout) rather than a closed connection, give
    /// the client a shorter timeout (e.g. `ClientBuilder::timeout(Duration::from_secs(2))`),
    /// and join test threads with a bound above it.
    ///
    /// ```
    /// use foura::mock::{Fault, MockServer};
    ///
    /// let server = MockServer::start();
    /// server.random_faults(7, 100, vec![Fault::status(502, "bad gateway")]);
    /// let client = server.client();
    /// assert!(client.submit("https://example.com", foura::TaskType::Single).is_err());
    /// server.stop_random_faults();
    /// assert!(client.submit("https://example.com", foura::TaskType::Single).is_ok());
    /// assert_eq!(server.fault_counts()["status 502"], 1);
    /// ```
    pub fn random_faults(&self, seed: u64, percent: u8, faults: Vec<Fault>) {
        self.shared.lock().random = Some(RandomFaults {
            rng: SplitMix64(seed),
            percent,
            faults,
        });
    }

    /// Stops [`MockServer::random_faults`]: requests with no queued fault get the normal
    /// answer again.
    pub fn stop_random_faults(&self) {
        self.shared.lock().random = None;
    }

    /// How many requests each fault has answered since the server started, queued and random
    /// ones alike, keyed by the fault's [`Display`](Fault#impl-Display-for-Fault) name
    /// (`"status 503"`, `"drop_connection"`, …). Every request, faulted or not, is also in
    /// [`MockServer::requests`].
    pub fn fault_counts(&self) -> BTreeMap<String, usize> {
        self.shared.lock().fault_counts.clone()
    }

    /// Queues `refusal` for the next `n` engine calls to `engine` (`None`: to any engine).
    ///
    /// A call takes the first queued refusal whose scope matches, after its key has been
    /// accepted and before its body is read; calls with a bad key, to the tasks API or to the
    /// public endpoints take none. Refusals are independent of [`Fault`]s, and a queued fault
    /// answers first.
    pub fn refuse_next(&self, n: usize, engine: Option<Engine>, refusal: Refusal) {
        let mut state = self.shared.lock();
        state
            .refusals
            .extend(std::iter::repeat_n((engine, refusal), n));
    }

    /// How many queued refusals have not been given yet.
    pub fn pending_refusals(&self) -> usize {
        self.shared.lock().refusals.len()
    }

    /// Switches an engine off for the account (`false`): until switched on again, every
    /// authenticated call to it gets [`Refusal::ServiceDisabled`]'s `503`. All are on at start.
    pub fn set_service_enabled(&self, engine: Engine, enabled: bool) {
        let mut state = self.shared.lock();
        state.disabled_services.retain(|&e| e != engine);
        if !enabled {
            state.disabled_services.push(engine);
        }
    }

    /// Whether the plan includes premium exits (default `true`). When `false`, a proxy or auto
    /// call with `"exitClass": "premium"` is refused with `403`, `reason: "plan_limit_premium"`
    /// and `X-FourA-Limit: plan_limit_premium` (`fouradata/mcp` `src/upstream.ts`), after its body
    /// has been validated.
    pub fn set_premium_allowed(&self, allowed: bool) {
        self.shared.lock().premium_allowed = allowed;
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
