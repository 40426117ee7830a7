//! The fault script: [`Fault`]s queued for the next requests, and the seeded random draws of
//! [`MockServer::random_faults`](super::MockServer::random_faults).

use std::fmt;
use std::time::Duration;

use serde_json::Value;

#[cfg(doc)]
use super::MockServer;
#[cfg(doc)]
use crate::{Client, ClientBuilder};

/// any path, after the request has been read and recorded. Requests with no fault queued get
/// the emulator's normal answer, or — after [`MockServer::random_faults`] — a fault drawn at
/// random some of the time.
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
/// let trickle = Fault::dribble(200, r#"{"id":"task_1"}"#, Duration::from_secs(1));
/// let cut = Fault::reset_mid_body(200, r#"{"id":"task_1","status":"completed"}"#, 10);
/// let bloated = Fault::oversized_headers(64 << 10);
/// let broken = Fault::malformed_json();
/// assert_eq!(cut.to_string(), "reset_mid_body 200 after 10 bytes");
/// ```
///
/// # Faults that hold a connection
///
/// [`Fault::stall`] and [`Fault::withhold_body`] keep the connection open without finishing
/// the answer until the client closes it (the emulator notices within about 25 ms) or the
/// server is dropped; [`Fault::dribble`] and [`Fault::delay`] last as long as they were told
/// to. A client with no timeout would wait on them forever, so pair them with a client
/// timeout: every [`Client`] has a finite one (45 s by default), and
/// [`ClientBuilder::timeout`](crate::ClientBuilder::timeout) sets a shorter one. Faults drawn
/// by [`MockServer::random_faults`] are cut off after [`MockServer::RANDOM_HOLD_LIMIT`] in
/// any case.
#[derive(Debug, Clone)]
pub struct Fault {
    pub(crate) action: Action,
    pub(crate) headers: Vec<(String, String)>,
}

#[derive(Debug, Clone)]
pub(crate) enum Action {
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
    Dribble {
        status: u16,
        body: Vec<u8>,
        interval: Duration,
    },
    ResetMidBody {
        status: u16,
        body: Vec<u8>,
        sent: usize,
    },
    OversizedHeaders(usize),
}

/// The largest header block [`Fault::oversized_headers`] sends, so that no argument can make
/// the emulator exhaust memory.
pub(crate) const MAX_OVERSIZED_HEADERS: usize = 16 << 20;
/// The size of each padding header [`Fault::oversized_headers`] sends: few enough headers
/// that the size, not their number, is what a client trips on.
pub(crate) const PADDING_HEADER_BYTES: usize = 8 << 10;

impl Fault {
    fn new(action: Action) -> Fault {
        Fault {
            action,
            headers: Vec::new(),
        }
    }

    /// Answer with `status` and `body` (sent as `application/json` unless a `Content-Type`
    /// header is added). The response still carries an `X-Foura-Request-Id`.
    pub fn status(status: u16, body: impl Into<Vec<u8>>) -> Fault {
        Fault::new(Action::Respond {
            status,
            body: body.into(),
        })
    }

    /// Answer with `status` and a JSON body.
    pub fn json(status: u16, body: &Value) -> Fault {
        Fault::status(status, body.to_string())
    }

    /// Answer `200` with JSON cut short, `{"id": "task_1", "status": `, under a correct
    /// `Content-Length`: the exchange is sound, the document is not.
    pub fn malformed_json() -> Fault {
        Fault::status(200, r#"{"id": "task_1", "status": "#)
    }

    /// Wait `delay`, then answer normally.
    pub fn delay(delay: Duration) -> Fault {
        Fault::new(Action::Delay(delay))
    }

    /// Read the request and never answer, holding the connection open until the client
    /// closes it or the server is dropped: what a hung server looks like. See
    /// [Faults that hold a connection](Fault#faults-that-hold-a-connection).
    pub fn stall() -> Fault {
        Fault::new(Action::Stall)
    }

    /// Send the status line and headers promising a body of `promised` bytes, then send only
    /// `sent` and hold the connection open until the client closes it or the server is
    /// dropped: a server that stalls mid-answer.
    pub fn withhold_body(status: u16, promised: usize, sent: impl Into<Vec<u8>>) -> Fault {
        Fault::new(Action::WithholdBody {
            status,
            promised,
            sent: sent.into(),
        })
    }

    /// Send the status line and headers (`Content-Length` for all of `body`, `Content-Type:
    /// application/json` unless a header sets another) at once, then `body` one byte per
    /// `interval`, the first byte after one `interval`: a server that is alive but too slow.
    /// The answer is complete in the end, and the connection stays usable; a client that
    /// gives up earlier ends the fault at the emulator's next write.
    pub fn dribble(status: u16, body: impl Into<Vec<u8>>, interval: Duration) -> Fault {
        Fault::new(Action::Dribble {
            status,
            body: body.into(),
            interval,
        })
    }

    /// Send the status line and headers promising all of `body` (`Content-Length`,
    /// `Content-Type: application/json` unless a header sets another), then only its first
    /// `sent_bytes` bytes, then close the connection: a server or proxy that dies mid-answer.
    /// With `sent_bytes` at least the body's length the answer is whole before the close.
    ///
    /// This is also what a *truncated* body looks like on the wire: without an `SO_LINGER`
    /// reset (which the standard library cannot send) a close mid-body and a truncation are
    /// the same FIN after too few bytes, so there is no separate `truncate` fault.
    pub fn reset_mid_body(status: u16, body: impl Into<Vec<u8>>, sent_bytes: usize) -> Fault {
        Fault::new(Action::ResetMidBody {
            status,
            body: body.into(),
            sent: sent_bytes,
        })
    }

    /// Answer normally, but with padding headers (`X-Foura-Padding-<n>`, 8 KiB each) that
    /// together exceed `bytes` (up to 16 MiB): ureq refuses response heads over 64 KiB by
    /// default, so `Fault::oversized_headers(64 << 10)` trips it.
    pub fn oversized_headers(bytes: usize) -> Fault {
        Fault::new(Action::OversizedHeaders(bytes))
    }

    /// Answer with a redirect to `location` (`status` is 301, 302, 303, 307 or 308).
    pub fn redirect(status: u16, location: &str) -> Fault {
        Fault::status(status, Vec::new()).header("Location", location)
    }

    /// Close the connection without answering.
    pub fn drop_connection() -> Fault {
        Fault::new(Action::Drop)
    }

    /// Adds a response header (for every fault that sends a head: [`Fault::status`],
    /// [`Fault::json`], [`Fault::malformed_json`], [`Fault::redirect`],
    /// [`Fault::withhold_body`], [`Fault::dribble`], [`Fault::reset_mid_body`],
    /// [`Fault::oversized_headers`] and [`Fault::delay`]).
    pub fn header(mut self, name: &str, value: &str) -> Fault {
        self.headers.push((name.to_owned(), value.to_owned()));
        self
    }
}

/// A short name for the fault, the key of [`MockServer::fault_counts`]: `status 503`,
/// `delay 200ms`, `stall`, `withhold_body 200`, `dribble 200 every 1s`,
/// `reset_mid_body 200 after 10 bytes`, `drop_connection`, `oversized_headers 65536`.
impl fmt::Display for Fault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.action {
            Action::Respond { status, .. } => write!(f, "status {status}"),
            Action::Delay(d) => write!(f, "delay {d:?}"),
            Action::Stall => f.write_str("stall"),
            Action::WithholdBody { status, .. } => write!(f, "withhold_body {status}"),
            Action::Drop => f.write_str("drop_connection"),
            Action::Dribble {
                status, interval, ..
            } => write!(f, "dribble {status} every {interval:?}"),
            Action::ResetMidBody { status, sent, .. } => {
                write!(f, "reset_mid_body {status} after {sent} bytes")
            }
            Action::OversizedHeaders(bytes) => write!(f, "oversized_headers {bytes}"),
        }
    }
}

/// The state of [`MockServer::random_faults`].
pub(crate) struct RandomFaults {
    pub(crate) rng: SplitMix64,
    pub(crate) percent: u8,
    pub(crate) faults: Vec<Fault>,
}

impl RandomFaults {
    /// The fault for the next request without a queued one, if the dice say so.
    pub(crate) fn draw(&mut self) -> Option<Fault> {
        if self.faults.is_empty() || self.percent == 0 {
            return None;
        }
        if self.rng.next() % 100 >= u64::from(self.percent.min(100)) {
            return None;
        }
        let pick = self.rng.next() % self.faults.len() as u64;
        self.faults.get(usize::try_from(pick).ok()?).cloned()
    }
}

/// SplitMix64 (Steele, Lea and Flood, 2014): a tiny, well-mixed PRNG, so that a seed gives
/// the same faults in the same request order without a dependency.
pub(crate) struct SplitMix64(pub(crate) u64);

impl SplitMix64 {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
}
