//! Fetching a page from a `build.rs` script and writing it to `OUT_DIR`.
//!
//! ```no_run
//! // build.rs, with `foura` under [build-dependencies]
//! fn main() -> Result<(), Box<dyn std::error::Error>> {
//!     foura::build::fetch("https://example.com/pricing", "pricing.html")?;
//!     Ok(())
//! }
//! ```
//!
//! and in the crate: `include_str!(concat!(env!("OUT_DIR"), "/pricing.html"))`.
//!
//! # What it prints
//!
//! A build script talks to cargo through its standard output, so these functions print
//! cargo directives there (and nothing else):
//!
//! - `cargo:rerun-if-env-changed=` for `FOURA_API_BASE`, `FOURA_API_KEY_FILE` (a path, not a
//!   secret) and [`REFRESH_ENV`] (`FOURA_BUILD_REFRESH`). Change the last one
//!   (`FOURA_BUILD_REFRESH=$(date +%s) cargo build`) to fetch the page again.
//! - `cargo:rerun-if-changed=<key file>` when the key comes from `FOURA_API_KEY_FILE`, so a
//!   rotated key file fetches again.
//! - `cargo:warning=` when no key is configured, and when a failure falls back (see
//!   [`Fetch::fallback_on_error`]).
//!
//! It never prints `cargo:rerun-if-env-changed=FOURA_API_KEY`, and neither should your
//! build script: cargo stores the *value* of every such variable in its fingerprint files
//! (`target/**/.fingerprint/*.json`), so the key would be written to disk in plain text.
//! The price is that setting `FOURA_API_KEY` alone does not rerun the script; change
//! `FOURA_BUILD_REFRESH` too.
//!
//! # Without a key
//!
//! When neither `FOURA_API_KEY` nor `FOURA_API_KEY_FILE` is set (a contributor's machine, a
//! fork's CI), nothing is fetched: one `cargo:warning=` says how to provide a key, the
//! fallback (an empty file unless [`Fetch::fallback`] gave one) is written, and the build
//! goes on. With a key, a failure fails the build, unless [`Fetch::fallback_on_error`] asks
//! otherwise: a build that ships an empty page after a real failure is rarely wanted.

use std::ffi::OsString;
use std::fs;
use std::io::Write;
use std::path::{Component, Path, PathBuf};
use std::time::Duration;

use crate::error::{Error, ErrorKind};
use crate::{API_KEY_ENV, API_KEY_FILE_ENV, BASE_URL_ENV, Client, ClientBuilder};
use crate::{TaskRequest, TaskStatus, TaskType};

/// The environment variable to change (to any new value) to make cargo rerun the build
/// script and fetch again: `FOURA_BUILD_REFRESH`. Its value is not otherwise read.
pub const REFRESH_ENV: &str = "FOURA_BUILD_REFRESH";

/// The default whole-call timeout of a build-time fetch, retries included: 30 s.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);

/// Fetches `url` as a [`TaskType::Single`] task (`POST /api/v1/tasks`) and writes the page
/// to `$OUT_DIR/file_name`, returning that path.
///
/// The key and base URL come from the environment as for [`ClientBuilder::from_env`]; the
/// whole call has [`DEFAULT_TIMEOUT`]. Without a key an empty file is written and a warning
/// printed (see the [module docs](self)). Use [`Fetch`] for other requests, a fallback, a
/// timeout or a client of your own.
///
/// # Errors
///
/// As [`Fetch::run`].
pub fn fetch(url: &str, file_name: impl AsRef<Path>) -> Result<PathBuf, Error> {
    Fetch::new(TaskRequest::new(url, TaskType::Single)).run(file_name)
}

/// A configurable build-time fetch: the request, what to write without a key, the timeout
/// and the client.
///
/// ```no_run
/// use std::time::Duration;
/// use foura::build::Fetch;
/// use foura::{TaskRequest, TaskType};
///
/// // build.rs
/// fn main() -> Result<(), Box<dyn std::error::Error>> {
///     let request = TaskRequest::new("https://example.com/products", TaskType::Browser)
///         .wait_for(".product-list");
///     Fetch::new(request)
///         .fallback(&b"<p>prices unavailable</p>"[..])
///         .timeout(Duration::from_secs(20))
///         .run("products.html")?;
///     Ok(())
/// }
/// ```
pub struct Fetch {
    request: TaskRequest,
    fallback: Vec<u8>,
    fallback_on_error: bool,
    timeout: Duration,
    client: Option<Client>,
}

impl Fetch {
    /// A fetch of the page `request` describes, with the defaults: an empty fallback, used
    /// only without a key; a [`DEFAULT_TIMEOUT`] of 30 s; a client from the environment.
    pub fn new(request: TaskRequest) -> Fetch {
        Fetch {
            request,
            fallback: Vec::new(),
            fallback_on_error: false,
            timeout: DEFAULT_TIMEOUT,
            client: None,
        }
    }

    /// What to write when no key is configured (and, with
    /// [`fallback_on_error`](Fetch::fallback_on_error), when the fetch fails). Default: an
    /// empty file.
    pub fn fallback(mut self, content: impl Into<Vec<u8>>) -> Fetch {
        self.fallback = content.into();
        self
    }

    /// Also write the fallback, with a `cargo:warning=` naming the error, when a fetch
    /// with a key fails. Default: `false`, the build fails with the error.
    pub fn fallback_on_error(mut self, enabled: bool) -> Fetch {
        self.fallback_on_error = enabled;
        self
    }

    /// The whole-call timeout, retries included. Default: [`DEFAULT_TIMEOUT`] (30 s). It
    /// replaces the request's [`call_timeout`](TaskRequest::call_timeout); FourA's own
    /// [`TaskRequest::timeout`] should be shorter.
    pub fn timeout(mut self, timeout: Duration) -> Fetch {
        self.timeout = timeout;
        self
    }

    /// The client to fetch with, instead of one built from the environment. A client always
    /// has a key, so the "no key" fallback never applies. Default: [`ClientBuilder::from_env`].
    pub fn client(mut self, client: Client) -> Fetch {
        self.client = Some(client);
        self
    }

    /// Prints the cargo directives, fetches the page and writes it to `$OUT_DIR/file_name`
    /// through a temporary file in the same directory and a rename, so a reader never sees
    /// half a page. Returns the path written.
    ///
    /// `file_name` is relative to `OUT_DIR` and may contain directories, which are created.
    ///
    /// # Errors
    ///
    /// - [`ErrorKind::InvalidConfig`] when `OUT_DIR` is not set (this is meant for build
    ///   scripts, where cargo sets it), when `file_name` is absolute or leaves `OUT_DIR`, or
    ///   when the file cannot be written.
    /// - [`ErrorKind::InvalidKey`] when a key is configured but unusable (both variables
    ///   set, a missing key file, …).
    /// - [`ErrorKind::Timeout`] when FourA did not answer within the timeout.
    /// - [`ErrorKind::EngineFailed`] when the task did not complete, or the target answered
    ///   with an HTTP status of 400 or more.
    /// - Any other error of [`Client::create_task`].
    ///
    /// With [`fallback_on_error`](Fetch::fallback_on_error), the errors from the fetch
    /// itself write the fallback instead; an `InvalidConfig` or `InvalidKey` error never does.
    pub fn run(self, file_name: impl AsRef<Path>) -> Result<PathBuf, Error> {
        let target = out_path(file_name.as_ref())?;
        print_rerun_directives();
        let url = self.request.url().to_owned();
        let client = match self.client {
            Some(client) => client,
            None if !key_configured() => {
                warn(&format!(
                    "{url} was not fetched: no FourA key is configured; set {API_KEY_ENV} \
                     (or {API_KEY_FILE_ENV}=<path of a file holding it>) and change \
                     {REFRESH_ENV} to fetch it; {} written instead",
                    fallback_name(&self.fallback)
                ));
                write_atomically(&target, &self.fallback)?;
                return Ok(target);
            }
            None => ClientBuilder::from_env()?.timeout(self.timeout).build()?,
        };
        let request = self.request.call_timeout(self.timeout);
        match fetch_page(&client, &request, self.timeout) {
            Ok(page) => write_atomically(&target, page.as_bytes())?,
            Err(e) if self.fallback_on_error => {
                warn(&format!(
                    "{url} was not fetched: {e}; {} written instead",
                    fallback_name(&self.fallback)
                ));
                write_atomically(&target, &self.fallback)?;
            }
            Err(e) => return Err(e),
        }
        Ok(target)
    }
}

/// Creates the task and returns the page, or an error saying why there is none.
fn fetch_page(client: &Client, request: &TaskRequest, timeout: Duration) -> Result<String, Error> {
    let url = request.url();
    let task = client.create_task(request).map_err(|e| {
        if e.kind() == ErrorKind::Timeout {
            Error::new(
                ErrorKind::Timeout,
                format!(
                    "FourA did not answer in time: no page for {url} within {} s; if the page \
                     is slow, raise foura::build::Fetch::timeout ({e})",
                    timeout.as_secs_f64()
                ),
            )
            .with_source(e)
        } else {
            e
        }
    })?;
    if task.status != TaskStatus::Completed {
        return Err(Error::new(
            ErrorKind::EngineFailed,
            format!(
                "FourA's task {} for {url} is {}, not completed",
                task.id, task.status
            ),
        ));
    }
    if let Some(status) = task.status_code.filter(|s| *s >= 400) {
        return Err(Error::new(
            ErrorKind::EngineFailed,
            format!(
                "{url} answered HTTP {status} (FourA task {}); not writing an error page",
                task.id
            ),
        ));
    }
    task.content.ok_or_else(|| {
        Error::new(
            ErrorKind::Decode,
            format!("FourA's task {} for {url} has no content", task.id),
        )
    })
}

/// `$OUT_DIR/file_name`, refusing names that would leave `OUT_DIR`.
fn out_path(file_name: &Path) -> Result<PathBuf, Error> {
    let out_dir = std::env::var_os("OUT_DIR")
        .filter(|d| !d.is_empty())
        .ok_or_else(|| {
            Error::new(
                ErrorKind::InvalidConfig,
                "OUT_DIR is not set: foura::build is meant to be called from a build script \
                 (build.rs), where cargo sets it"
                    .to_owned(),
            )
        })?;
    let inside = file_name
        .components()
        .all(|c| matches!(c, Component::Normal(_)));
    if !inside || file_name.as_os_str().is_empty() {
        return Err(Error::invalid_config(
            "file_name",
            format_args!(
                "must be a relative path inside OUT_DIR, not {}",
                file_name.display()
            ),
        ));
    }
    Ok(PathBuf::from(out_dir).join(file_name))
}

/// Whether the environment names a key at all (an empty variable counts as unset, as in
/// [`ApiKey::from_env`](crate::ApiKey::from_env)).
fn key_configured() -> bool {
    [API_KEY_ENV, API_KEY_FILE_ENV]
        .iter()
        .any(|name| std::env::var_os(name).is_some_and(|v| !v.is_empty()))
}

/// The directives that make cargo rerun the script when the fetch could change. Never one
/// for the key variable: cargo would store its value in the fingerprint.
fn print_rerun_directives() {
    for name in [BASE_URL_ENV, API_KEY_FILE_ENV, REFRESH_ENV] {
        println!("cargo:rerun-if-env-changed={name}");
    }
    if let Some(path) = std::env::var_os(API_KEY_FILE_ENV).filter(|v| !v.is_empty()) {
        print_rerun_if_changed(path);
    }
}

fn print_rerun_if_changed(path: OsString) {
    // A directive is one line; a path with a newline cannot be watched.
    let path = PathBuf::from(path);
    let shown = path.display().to_string();
    if !shown.contains(['\n', '\r']) {
        println!("cargo:rerun-if-changed={shown}");
    }
}

/// One `cargo:warning=` line (cargo shows a warning per line, so newlines are flattened).
fn warn(message: &str) {
    let line: String = message
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    println!("cargo:warning=foura: {line}");
}

fn fallback_name(fallback: &[u8]) -> &'static str {
    if fallback.is_empty() {
        "an empty file was"
    } else {
        "the fallback was"
    }
}

/// Writes `content` to a temporary file beside `target`, then renames it over `target`.
fn write_atomically(target: &Path, content: &[u8]) -> Result<(), Error> {
    let fail = |what: &str, e: std::io::Error| {
        Error::new(
            ErrorKind::InvalidConfig,
            format!("could not {what} {}: {e}", target.display()),
        )
        .with_source(e)
    };
    let dir = target.parent().unwrap_or(Path::new("."));
    fs::create_dir_all(dir).map_err(|e| fail("create the directory of", e))?;
    let name = target.file_name().unwrap_or_default().to_string_lossy();
    let temp = dir.join(format!(".{name}.{}.tmp", std::process::id()));
    let written = fs::File::create(&temp).and_then(|mut f| {
        f.write_all(content)?;
        f.sync_all()
    });
    if let Err(e) = written.and_then(|()| fs::rename(&temp, target)) {
        let _ = fs::remove_file(&temp);
        return Err(fail("write", e));
    }
    Ok(())
}
