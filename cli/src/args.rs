//! The command line: every command and flag, documented where it is defined.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// foura: fetch web pages through FourA, one or a million, from the shell.
///
/// Results go to stdout (or -o); progress, summaries and errors to stderr.
#[derive(Debug, Parser)]
#[command(name = "foura", version, after_help = crate::exit::HELP, propagate_version = true)]
pub struct Cli {
    #[command(flatten)]
    pub global: Global,
    #[command(subcommand)]
    pub command: Command,
}

/// Flags every command takes, before or after the command's name.
#[derive(Debug, Args)]
pub struct Global {
    /// FourA's base URL [env: FOURA_API_BASE; default: https://eu.api.foura.ai].
    #[arg(long, global = true, value_name = "URL")]
    pub base: Option<String>,
    /// Read the API key from this file (whitespace around it is ignored) instead of
    /// FOURA_API_KEY or FOURA_API_KEY_FILE.
    #[arg(long, global = true, value_name = "PATH")]
    pub key_file: Option<PathBuf>,
    /// Which API to call. Default: the key's own (fk_live_ keys: tasks, pk_live_ keys: engines).
    #[arg(long, global = true, value_enum)]
    pub api: Option<Api>,
    /// Say more on stderr (each attempt and its wait).
    #[arg(long, global = true)]
    pub verbose: bool,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Fetch one page: the page to stdout byte for byte, a one-line summary to stderr.
    Fetch(FetchArgs),
    /// Fetch every URL (or JSON request) of a file: JSON lines out, resumable, shardable.
    #[command(after_help = BATCH_HELP)]
    Batch(BatchArgs),
    /// List the tasks API's tasks, one JSON object per line.
    Tasks,
    /// FourA's service status (the public status API), one line per service.
    Status,
    /// The browser profiles the engines can present, as JSON.
    Profiles,
    /// What FourA sees of this machine (GET /inspect: its IP, any proxy), as one JSON object.
    /// Needs no key.
    Inspect,
    /// Run the built-in FourA emulator on loopback until Ctrl-C; prints `export` lines on
    /// stdout (and in --env-file).
    #[command(after_help = EMULATOR_HELP)]
    Emulator {
        /// The port to listen on. Default: any free one.
        #[arg(long, value_name = "P")]
        port: Option<u16>,
        /// Also write the export lines to this file (complete once it exists), then serve.
        #[arg(long, value_name = "PATH")]
        env_file: Option<PathBuf>,
    },
}

const EMULATOR_HELP: &str = "\
It keeps serving, so its stdout stays open: `eval \"$(foura emulator)\"` would wait forever.
Run it in the background and source the lines once the file exists:
  foura emulator --env-file emulator.env &
  while [ ! -e emulator.env ]; do sleep 0.1; done; . ./emulator.env";

const BATCH_HELP: &str = "\
Input: a text file of URLs, one per line, or JSON lines (.jsonl/.ndjson, or a first line that
starts with '{'), each FourA's wire body for the engine, e.g.
  {\"url\":\"https://example.com\",\"headers\":[[\"Accept\",\"text/html\"]],\"timeout_ms\":15000}
with an optional \"engine\". Blank lines and lines starting with # are skipped. An unreadable or
invalid line becomes an error line in the output, naming its line number.

Output: one JSON object per input, as results complete: line, url, id (the request's stable
id), ok, then status, credits, request_id, attempts, elapsed_ms and content (or content_file;
a page that is not UTF-8 goes to content_file with --content-dir, else byte for byte into
content_base64, standard base64), or error {kind, message, status, retry_after_s,
maybe_created}; kind is an ErrorKind name (a task that did not complete: EngineFailed; a line
that is not a request: InvalidRequest; Io: a page could not be written to --content-dir). A line that is not a request
has \"id\": null and an input_id (a hash of the line, not a request id) instead.

Resume: `--resume` sends only the inputs the output does not answer yet (matched by id) and
appends; a torn last line is rewritten. Task creations recorded with maybe_created are never
re-sent, even with --retry-failed: a resumed run never pays twice. A resumed run exits 1 when
the output still records a failure for one of its inputs.

Dry run: the curl commands go to stdout, even with -o (the output is never opened for
writing); with --resume only those of the inputs the output does not answer yet.";

/// FourA's two APIs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Api {
    /// `POST /api/v1/tasks` with `Authorization: Bearer` (fk_live_ keys).
    Tasks,
    /// `POST /api/<engine>/` with `X-API-Key` (pk_live_ keys).
    Engines,
}

impl Api {
    pub fn as_str(self) -> &'static str {
        match self {
            Api::Tasks => "tasks",
            Api::Engines => "engines",
        }
    }
}

/// How FourA fetches a page.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Default)]
pub enum EngineName {
    /// One HTTP request with a browser's fingerprint.
    #[default]
    Single,
    /// Through rotating proxy exits.
    Proxy,
    /// In a real headless browser.
    Browser,
    /// The engine ladder, cheapest first (engines API only).
    Auto,
}

impl EngineName {
    pub fn as_str(self) -> &'static str {
        match self {
            EngineName::Single => "single",
            EngineName::Proxy => "proxy",
            EngineName::Browser => "browser",
            EngineName::Auto => "auto",
        }
    }

    pub fn parse(name: &str) -> Option<EngineName> {
        match name {
            "single" => Some(EngineName::Single),
            "proxy" => Some(EngineName::Proxy),
            "browser" => Some(EngineName::Browser),
            "auto" => Some(EngineName::Auto),
            _ => None,
        }
    }
}

#[derive(Debug, Args)]
pub struct FetchArgs {
    /// The page to fetch (http or https).
    pub url: String,
    /// How FourA fetches it.
    #[arg(long, value_enum, default_value_t)]
    pub engine: EngineName,
    /// A request header, 'Name: value' (repeatable).
    #[arg(long = "header", value_name = "'Name: value'")]
    pub headers: Vec<String>,
    /// The exit country, two letters (repeatable; the tasks API takes one).
    #[arg(long = "country", value_name = "CC")]
    pub countries: Vec<String>,
    /// Wait for this CSS selector before taking the page (tasks API).
    #[arg(long, value_name = "SELECTOR")]
    pub wait_for: Option<String>,
    /// FourA's own timeout for the fetch, in seconds (the client waits that plus a margin;
    /// engines: at most 120, auto 180).
    #[arg(long, value_name = "SECS")]
    pub timeout: Option<f64>,
    /// Write the page to FILE instead of stdout.
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Write the whole response as JSON instead of the page.
    #[arg(long)]
    pub json: bool,
    /// Print the request as a curl command and send nothing.
    #[arg(long)]
    pub dry_run: bool,
}

#[derive(Debug, Args)]
pub struct BatchArgs {
    /// The input file, or - for stdin.
    pub input: String,
    /// Write the JSON lines to FILE instead of stdout (needed for --resume).
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// How FourA fetches each input (a JSON line's "engine" wins).
    #[arg(long, value_enum, default_value_t)]
    pub engine: EngineName,
    /// FourA's own timeout for each request, in seconds (engines: at most 120, auto 180).
    #[arg(long, value_name = "SECS")]
    pub timeout: Option<f64>,
    /// The most requests in flight at once (1 to 256).
    #[arg(long, value_name = "N", default_value_t = 8, value_parser = clap::value_parser!(u16).range(1..=256))]
    pub concurrency: u16,
    /// Start at most N requests per minute.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    pub rpm: Option<u32>,
    /// Stop starting requests once the credits FourA reports reach this (exit 5).
    #[arg(long, value_name = "CREDITS")]
    pub budget: Option<f64>,
    /// Send only the inputs the output file does not answer yet, and append to it.
    #[arg(long, requires = "output")]
    pub resume: bool,
    /// With --resume, also re-send inputs whose answer was an error (never a task that may
    /// have been created).
    #[arg(long, requires = "resume")]
    pub retry_failed: bool,
    /// Process only the inputs whose id falls in shard K of N (1-based), e.g. 2/3.
    #[arg(long, value_name = "K/N", value_parser = parse_shard)]
    pub shard: Option<(u32, std::num::NonZeroU32)>,
    /// Write pages larger than 64 KiB to files in DIR (named by id) instead of inline.
    #[arg(long, value_name = "DIR")]
    pub content_dir: Option<PathBuf>,
    /// Progress on stderr: a live line on a terminal (auto), also a plain line a second
    /// elsewhere (always), or none (never).
    #[arg(long, value_enum, default_value_t = ProgressMode::Auto)]
    pub progress: ProgressMode,
    /// Print each request as a curl command and send nothing.
    #[arg(long)]
    pub dry_run: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ProgressMode {
    Auto,
    Always,
    Never,
}

fn parse_shard(text: &str) -> Result<(u32, std::num::NonZeroU32), String> {
    let bad = || format!("'{text}' is not K/N with 1 <= K <= N (e.g. 2/3)");
    // Plain digits only: no sign, blank or leading zero.
    let plain =
        |s: &str| !s.is_empty() && !s.starts_with('0') && s.bytes().all(|b| b.is_ascii_digit());
    let (k, n) = text
        .split_once('/')
        .filter(|(k, n)| plain(k) && plain(n))
        .ok_or_else(bad)?;
    let k: u32 = k.parse().map_err(|_| bad())?;
    let n: std::num::NonZeroU32 = n.parse().map_err(|_| bad())?;
    if k == 0 || k > n.get() {
        return Err(bad());
    }
    Ok((k, n))
}
