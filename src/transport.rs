//! How a transport failure of one attempt is described, and whether the request may have
//! reached the server (which decides whether a task creation is "maybe created").

use std::time::Duration;

use crate::error::{Error, ErrorKind};

/// The context transport errors are described in.
pub(crate) struct Exchange<'a> {
    /// The call's method: `POST`.
    pub(crate) method: &'static str,
    /// The call's path: `/api/v1/tasks`.
    pub(crate) path: &'a str,
    pub(crate) url: &'a str,
    /// The whole call's time, for messages.
    pub(crate) budget: Duration,
    pub(crate) limit: u64,
}

impl Exchange<'_> {
    /// The call as messages name it: `POST /api/v1/tasks` (built only for a message).
    fn what(&self) -> String {
        format!("{} {}", self.method, self.path)
    }

    /// The error for an attempt with no time left to make.
    pub(crate) fn out_of_time(&self) -> Error {
        Error::new(
            ErrorKind::Timeout,
            format!(
                "no complete answer to {} within {:?}",
                self.what(),
                self.budget
            ),
        )
    }

    pub(crate) fn transport_error(&self, e: ureq::Error) -> Error {
        let what = self.what();
        let (kind, detail) = match &e {
            ureq::Error::Timeout(_) => (
                ErrorKind::Timeout,
                format!("no complete answer to {what} within {:?}", self.budget),
            ),
            ureq::Error::Io(io)
                if matches!(
                    io.kind(),
                    std::io::ErrorKind::TimedOut | std::io::ErrorKind::WouldBlock
                ) =>
            {
                (
                    ErrorKind::Timeout,
                    format!("no complete answer to {what} within {:?}", self.budget),
                )
            }
            ureq::Error::BodyExceedsLimit(_) => (
                ErrorKind::BodyTooLarge,
                format!(
                    "the answer to {what} is larger than the {} byte limit",
                    self.limit
                ),
            ),
            ureq::Error::LargeResponseHeader(..) => (
                ErrorKind::Decode,
                format!("the answer to {what} has oversized headers: too large to read"),
            ),
            ureq::Error::Protocol(p) if p.to_string().contains("too many headers") => (
                ErrorKind::Decode,
                format!("the answer to {what} has oversized headers: too many to read"),
            ),
            ureq::Error::Protocol(_) => (
                ErrorKind::Decode,
                format!("the answer to {what} is not valid HTTP/1.1"),
            ),
            ureq::Error::HostNotFound => (
                ErrorKind::Connection,
                format!("could not resolve the host for {what}"),
            ),
            ureq::Error::RequireHttpsOnly(_) | ureq::Error::BadUri(_) => (
                ErrorKind::InvalidConfig,
                format!("the URL for {what} was refused"),
            ),
            _ => (
                ErrorKind::Connection,
                format!("could not complete {} {}: {e}", self.method, self.url),
            ),
        };
        let err = if is_tls_failure(&e) {
            Error::new(kind, detail).permanent()
        } else {
            Error::new(kind, detail)
        };
        match kind {
            ErrorKind::Timeout => err.with_hint(
                "raise ClientBuilder::timeout, or the request's own timeout (the call waits \
                 for it plus 15 s)",
            ),
            ErrorKind::BodyTooLarge => err.with_hint("raise ClientBuilder::max_response_bytes"),
            _ => err,
        }
        .with_source(e)
    }
}

/// Whether `e` is a TLS failure: a certificate or handshake that will fail the same way
/// again, before any request was sent. rustls failures reach us as I/O errors of kind
/// InvalidData; ureq's TLS variants cover the rest.
pub(crate) fn is_tls_failure(e: &ureq::Error) -> bool {
    match e {
        ureq::Error::Tls(_)
        | ureq::Error::TlsRequired
        | ureq::Error::Rustls(_)
        | ureq::Error::Pem(_) => true,
        #[cfg(feature = "native-tls")]
        ureq::Error::NativeTls(_) | ureq::Error::Der(_) => true,
        ureq::Error::Io(io) => io.kind() == std::io::ErrorKind::InvalidData,
        _ => false,
    }
}

/// Whether a request that failed with `e` before any answer may have reached the server.
/// Only failures to resolve, connect or shake hands are sure not to have.
pub(crate) fn may_have_reached_server(e: &ureq::Error) -> bool {
    use std::io::ErrorKind as Io;
    if is_tls_failure(e) {
        return false;
    }
    match e {
        ureq::Error::ConnectionFailed
        | ureq::Error::HostNotFound
        | ureq::Error::ConnectProxyFailed(_)
        | ureq::Error::InvalidProxyUrl
        | ureq::Error::BadUri(_)
        | ureq::Error::RequireHttpsOnly(_)
        | ureq::Error::Timeout(ureq::Timeout::Connect | ureq::Timeout::Resolve) => false,
        ureq::Error::Io(io) => {
            !matches!(
                io.kind(),
                Io::ConnectionRefused
                    | Io::AddrNotAvailable
                    | Io::NetworkUnreachable
                    | Io::HostUnreachable
                    | Io::NotConnected
            ) && !io.to_string().contains("failed to lookup address")
        }
        _ => true,
    }
}
