//! Serving connections: the accept loop, one thread per connection reading requests, playing
//! any fault, routing the rest and writing the answers.

use std::io::{self, BufRead, BufReader, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::atomic::Ordering;
use std::sync::{Arc, MutexGuard};
use std::thread;
use std::time::{Duration, Instant};

use super::fault::{Action, Fault, MAX_OVERSIZED_HEADERS, PADDING_HEADER_BYTES, RandomFaults};
use super::http::{self, Answer, ReceivedRequest};
use super::server::{MockServer, Shared, State};
use super::{engines, public, tasks};

impl Shared {
    pub(crate) fn lock(&self) -> MutexGuard<'_, State> {
        // A panicking test thread must not take the emulator down with it.
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub(crate) fn stopping(&self) -> bool {
        self.shutdown.load(Ordering::SeqCst)
    }

    /// Waits up to `d` on a connection whose answer is being held back, and says why the
    /// wait ended: early when the client closes the connection or the server stops, so a
    /// held request stops counting as in flight once nobody waits for it.
    fn hold(&self, reader: &mut BufReader<TcpStream>, d: Duration) -> Held {
        let started = Instant::now();
        let held = loop {
            if self.stopping() {
                break Held::Gone;
            }
            let left = d.saturating_sub(started.elapsed());
            if left.is_zero() {
                break Held::Elapsed;
            }
            let poll = left.min(HOLD_POLL).max(Duration::from_millis(1));
            if reader.get_ref().set_read_timeout(Some(poll)).is_err() {
                thread::sleep(poll);
                continue;
            }
            // `fill_buf` keeps what it reads, so bytes a client sends early (a pipelined
            // request) are still there for the next `read_request`.
            match reader.fill_buf() {
                Ok([]) => break Held::Gone,
                Ok(_) => thread::sleep(poll),
                Err(e)
                    if matches!(
                        e.kind(),
                        io::ErrorKind::WouldBlock
                            | io::ErrorKind::TimedOut
                            | io::ErrorKind::Interrupted
                    ) => {}
                Err(_) => break Held::Gone,
            }
        };
        // The next request on a kept-alive connection is awaited without a timeout.
        let _ = reader.get_ref().set_read_timeout(None);
        held
    }
}

/// How often a held connection checks whether its client is still there.
const HOLD_POLL: Duration = Duration::from_millis(25);

/// Why [`Shared::hold`] returned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Held {
    /// The whole wait passed.
    Elapsed,
    /// The client closed the connection, or the server is stopping.
    Gone,
}

/// Counts one request as in flight from when it was read until [`InFlight::end`] (called as
/// its answer's last bytes are handed to the socket) or, at the latest, until dropped.
struct InFlight<'a> {
    shared: &'a Shared,
    ended: bool,
}

impl<'a> InFlight<'a> {
    fn start(shared: &'a Shared) -> InFlight<'a> {
        let now = shared.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
        shared.peak_in_flight.fetch_max(now, Ordering::SeqCst);
        InFlight {
            shared,
            ended: false,
        }
    }

    fn end(&mut self) {
        if !self.ended {
            self.ended = true;
            self.shared.in_flight.fetch_sub(1, Ordering::SeqCst);
        }
    }
}

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        self.end();
    }
}

pub(crate) fn accept_loop(listener: TcpListener, shared: Arc<Shared>) {
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

fn serve_connection(stream: TcpStream, shared: &Shared) {
    let Ok(read_half) = stream.try_clone() else {
        return;
    };
    let mut reader = BufReader::new(read_half);
    let mut writer = stream;
    while !shared.stopping() {
        let idle_close = shared.lock().idle_close;
        if let Some(idle) = idle_close {
            if !next_request_within(&mut reader, idle) {
                let _ = writer.shutdown(Shutdown::Both);
                return;
            }
        }
        let request = match http::read_request(&mut reader) {
            Ok(Some(r)) => r,
            Ok(None) => return,
            Err(e) if e.kind() == io::ErrorKind::InvalidData => {
                let _ = http::write_response(&mut writer, 400, &[], b"malformed request", true);
                return;
            }
            Err(_) => return,
        };
        let mut in_flight = InFlight::start(shared);
        if shared.stopping() {
            return;
        }
        let close = request.wants_close();
        let request_id = format!(
            "00000000-0000-4000-8000-{:012x}",
            shared.request_ids.fetch_add(1, Ordering::SeqCst)
        );
        // Queued faults first; then, in random mode, a drawn one, whose holds are bounded.
        let fault = {
            let mut state = shared.lock();
            state.requests.push(ReceivedRequest {
                method: request.method.clone(),
                path: request.target.clone(),
                headers: request.headers.clone(),
                body: request.body.clone(),
            });
            let fault = match state.faults.pop_front() {
                Some(fault) => Some((fault, Duration::MAX)),
                None => state
                    .random
                    .as_mut()
                    .and_then(RandomFaults::draw)
                    .map(|fault| (fault, MockServer::RANDOM_HOLD_LIMIT)),
            };
            if let Some((fault, _)) = &fault {
                *state.fault_counts.entry(fault.to_string()).or_default() += 1;
            }
            fault
        };
        let mut extra = vec![("X-Foura-Request-Id".to_owned(), request_id)];
        let answer = match fault {
            None => route(shared, &request),
            Some((Fault { action, headers }, limit)) => {
                extra.extend(headers);
                let default_json = |extra: &mut Vec<(String, String)>| {
                    if !extra
                        .iter()
                        .any(|(n, _)| n.eq_ignore_ascii_case("content-type"))
                    {
                        extra.push(("Content-Type".into(), "application/json".into()));
                    }
                };
                match action {
                    Action::Respond { status, body } => {
                        default_json(&mut extra);
                        Answer {
                            status,
                            headers: Vec::new(),
                            body,
                        }
                    }
                    Action::Delay(d) => {
                        if shared.hold(&mut reader, d.min(limit)) == Held::Gone {
                            return;
                        }
                        route(shared, &request)
                    }
                    Action::Stall => {
                        shared.hold(&mut reader, limit);
                        return;
                    }
                    Action::WithholdBody {
                        status,
                        promised,
                        sent,
                    } => {
                        let mut bytes = http::head(status, &extra, promised, false);
                        bytes.extend_from_slice(&sent);
                        if writer
                            .write_all(&bytes)
                            .and_then(|()| writer.flush())
                            .is_ok()
                        {
                            shared.hold(&mut reader, limit);
                        }
                        return;
                    }
                    Action::Drop => {
                        in_flight.end();
                        let _ = writer.shutdown(Shutdown::Both);
                        return;
                    }
                    Action::Dribble {
                        status,
                        body,
                        interval,
                    } => {
                        default_json(&mut extra);
                        let started = Instant::now();
                        let head = http::head(status, &extra, body.len(), close);
                        if writer
                            .write_all(&head)
                            .and_then(|()| writer.flush())
                            .is_err()
                        {
                            return;
                        }
                        for (i, byte) in body.iter().enumerate() {
                            let left = limit.saturating_sub(started.elapsed());
                            if shared.hold(&mut reader, interval.min(left)) == Held::Gone
                                || started.elapsed() >= limit
                            {
                                return;
                            }
                            if i + 1 == body.len() {
                                in_flight.end();
                            }
                            if writer
                                .write_all(&[*byte])
                                .and_then(|()| writer.flush())
                                .is_err()
                            {
                                return;
                            }
                        }
                        in_flight.end();
                        if close {
                            return;
                        }
                        continue;
                    }
                    Action::ResetMidBody { status, body, sent } => {
                        default_json(&mut extra);
                        let mut bytes = http::head(status, &extra, body.len(), false);
                        bytes.extend_from_slice(&body[..sent.min(body.len())]);
                        in_flight.end();
                        let _ = writer.write_all(&bytes).and_then(|()| writer.flush());
                        let _ = writer.shutdown(Shutdown::Both);
                        return;
                    }
                    Action::OversizedHeaders(bytes) => {
                        let bytes = bytes.min(MAX_OVERSIZED_HEADERS);
                        let padding = "a".repeat(PADDING_HEADER_BYTES);
                        for n in 0..=bytes / PADDING_HEADER_BYTES {
                            extra.push((format!("X-Foura-Padding-{n}"), padding.clone()));
                        }
                        route(shared, &request)
                    }
                }
            }
        };
        extra.extend(answer.headers);
        in_flight.end();
        if http::write_response(&mut writer, answer.status, &extra, &answer.body, close).is_err()
            || close
        {
            return;
        }
    }
}

/// Whether the next request starts arriving within `idle` (for
/// [`MockServer::close_idle_after`]); `false` also when the client closed the connection.
fn next_request_within(reader: &mut BufReader<TcpStream>, idle: Duration) -> bool {
    if !reader.buffer().is_empty() {
        return true;
    }
    if reader
        .get_ref()
        .set_read_timeout(Some(idle.max(Duration::from_millis(1))))
        .is_err()
    {
        return true;
    }
    let arrived = matches!(reader.fill_buf(), Ok(bytes) if !bytes.is_empty());
    let _ = reader.get_ref().set_read_timeout(None);
    arrived
}

/// The emulator's normal answer to a request.
fn route(shared: &Shared, request: &http::RawRequest) -> Answer {
    let path = request.target.split('?').next().unwrap_or("");
    match path {
        tasks::PATH => tasks::handle(&mut shared.lock(), request),
        public::PROFILES_PATH => public::profiles(request),
        public::STATUS_PATH => public::status(request),
        public::INSPECT_PATH => public::inspect(request),
        _ => match engines::engine_for(path) {
            Some(engine) => engines::handle(shared, engine, request),
            None => tasks::not_found(request),
        },
    }
}
