//! Exit codes and the one-line error the tool prints.

use std::io;
use std::process::ExitCode;

use foura::{Error, ErrorKind};

/// Everything succeeded.
pub const OK: u8 = 0;
/// A failure (for `batch`: some inputs failed; see the output).
pub const FAILED: u8 = 1;
/// A usage error.
pub const USAGE: u8 = 2;
/// The key is missing or was refused.
pub const KEY: u8 = 3;
/// Rate limited, at capacity or under maintenance: try later.
pub const LATER: u8 = 4;
/// A plan limit or the budget stopped it.
pub const LIMIT: u8 = 5;
/// FourA ran the request but could not deliver the page.
pub const UNDELIVERED: u8 = 6;
/// A timeout or a connection failure.
pub const NETWORK: u8 = 7;
/// Interrupted (Ctrl-C).
pub const INTERRUPTED: u8 = 130;

/// The exit-code table shown at the end of `foura --help`.
pub const HELP: &str = "\
Exit codes:
  0    everything succeeded
  1    a failure (batch: some inputs failed, see the output)
  2    usage error
  3    key missing or refused
  4    rate limited, at capacity or under maintenance (try later)
  5    a plan limit or the budget stopped it
  6    FourA ran the request but could not deliver it (EngineFailed)
  7    timeout or connection failure
  130  interrupted

The key comes from FOURA_API_KEY, FOURA_API_KEY_FILE or --key-file; no flag takes the key.";

/// A failure that ends the command: its exit code and one readable line.
#[derive(Debug)]
pub struct Failure {
    pub code: u8,
    pub message: String,
}

impl Failure {
    pub fn new(code: u8, message: impl Into<String>) -> Failure {
        Failure {
            code,
            message: message.into(),
        }
    }

    pub fn usage(message: impl Into<String>) -> Failure {
        Failure::new(USAGE, message)
    }

    /// A file that could not be read or written, named with the cause.
    pub fn io(what: &str, path: &std::path::Path, e: &io::Error) -> Failure {
        Failure::new(
            FAILED,
            format!("cannot {what} {}: {}", path.display(), io_reason(e)),
        )
    }

    /// Prints `foura: <message>` on stderr and returns the code.
    pub fn report(&self) -> ExitCode {
        eprintln!("foura: {}", self.message);
        ExitCode::from(self.code)
    }
}

impl From<Error> for Failure {
    fn from(e: Error) -> Failure {
        Failure::new(code_for(e.kind()), cli_hints(&e.to_string()))
    }
}

/// The library's hints name its own API; on the command line, the flag or command that does
/// the same is named instead.
pub fn cli_hints(text: &str) -> String {
    const SAME: [(&str, &str); 7] = [
        (
            "raise ClientBuilder::timeout, or the request's own timeout (the call waits for it plus 15 s)",
            "raise --timeout (the tool waits for it plus 15 s)",
        ),
        (
            "raise ClientBuilder::max_response_bytes",
            "fetch a smaller page",
        ),
        ("foura::service_status() shows", "`foura status` shows"),
        ("check list_tasks before", "check `foura tasks` before"),
        (
            "use it with Client::single, proxy, browser, auto and engine batches; the tasks API \
             (Client::submit, create_task, list_tasks, foura::submit) takes",
            "use it with --api engines (or no --api); the tasks API takes",
        ),
        (
            "use it with Client::submit, create_task, list_tasks or foura::submit; the engine \
             API (Client::single, proxy, browser, auto and engine batches) takes",
            "use it with --api tasks (or no --api); the engine API takes",
        ),
        (
            "Error::attempt_report() says why (raise max_tries for protected sites, or relax validate)",
            "a JSON line can raise maxTries for protected sites, or relax validate",
        ),
    ];
    let mut text = text.to_owned();
    for (library, cli) in SAME {
        if text.contains(library) {
            text = text.replace(library, cli);
        }
    }
    text
}

/// The exit code for a failed request.
pub fn code_for(kind: ErrorKind) -> u8 {
    match kind {
        ErrorKind::InvalidKey | ErrorKind::Unauthorized | ErrorKind::Forbidden => KEY,
        ErrorKind::RateLimited | ErrorKind::AtCapacity | ErrorKind::ServiceDisabled => LATER,
        ErrorKind::PlanLimit => LIMIT,
        ErrorKind::EngineFailed => UNDELIVERED,
        ErrorKind::Timeout | ErrorKind::Connection => NETWORK,
        ErrorKind::InvalidRequest | ErrorKind::InvalidConfig => USAGE,
        _ => FAILED,
    }
}

/// An I/O error's reason without Rust's ` (os error 2)` suffix.
pub fn io_reason(e: &io::Error) -> String {
    let text = e.to_string();
    match text.find(" (os error") {
        Some(at) => text[..at].to_owned(),
        None => text,
    }
}
