//! Every command but `batch`: building the client, then `fetch`, `tasks`, `status`,
//! `profiles`, `inspect` and `emulator`.

use std::io::Write;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use foura::{ApiKey, BASE_URL_ENV, BatchItem, Client, ErrorKind};
use serde_json::{Map, Value, json};

use crate::args::{Api, Cli, Command, EngineName, FetchArgs, Global};
use crate::compat;
use crate::exit::{self, Failure};
use crate::request::{self, Reply};

/// Runs the parsed command line and returns the exit code.
pub fn run(cli: Cli) -> Result<u8, Failure> {
    match cli.command {
        Command::Fetch(args) => fetch(&cli.global, args),
        Command::Batch(args) => crate::batch::run(&cli.global, args),
        Command::Tasks => tasks(&cli.global),
        Command::Status => status(&cli.global),
        Command::Profiles => profiles(&cli.global),
        Command::Inspect => Err(Failure::usage(compat::inspect_unavailable())),
        Command::Emulator { port } => emulator(port),
    }
}

/// Counts of what the client's attempt hook saw, for the batch summary.
#[derive(Debug, Default)]
pub struct AttemptCounts {
    /// Attempts after the first of a call.
    pub retries: AtomicUsize,
    /// Attempts FourA answered with a wait (rate limited, at capacity).
    pub throttle_pauses: AtomicUsize,
}

/// The client the flags and environment describe, and the API it calls.
pub struct Session {
    pub client: Client,
    pub api: Api,
    pub counts: Arc<AttemptCounts>,
}

/// The key from `--key-file`, or else the environment.
fn key(global: &Global) -> Result<ApiKey, Failure> {
    match &global.key_file {
        Some(path) => compat::key_from_file(path),
        None => compat::key_from_env(),
    }
    .map_err(|message| Failure::new(exit::KEY, message))
}

/// The API the key is for (as the README's "Which API?" says), unless `--api` names one.
fn api_for(global: &Global, key: &ApiKey) -> Api {
    global.api.unwrap_or_else(|| {
        if key.prefix().starts_with("pk_") {
            Api::Engines
        } else {
            Api::Tasks
        }
    })
}

fn base_url(global: &Global) -> Option<String> {
    global
        .base
        .clone()
        .or_else(|| std::env::var(BASE_URL_ENV).ok().filter(|b| !b.is_empty()))
}

pub fn session(global: &Global, pool: usize) -> Result<Session, Failure> {
    let key = key(global)?;
    let api = api_for(global, &key);
    let counts = Arc::new(AttemptCounts::default());
    let hook_counts = Arc::clone(&counts);
    let verbose = global.verbose;
    let mut builder = Client::builder()
        .api_key(key)
        .user_agent_suffix(concat!("foura-cli/", env!("CARGO_PKG_VERSION")))
        .pool_size(pool.max(foura::DEFAULT_POOL_SIZE))
        .on_attempt(move |a| {
            if a.attempt > 1 {
                hook_counts.retries.fetch_add(1, Ordering::Relaxed);
            }
            if matches!(
                a.error,
                Some(ErrorKind::RateLimited | ErrorKind::AtCapacity)
            ) {
                hook_counts.throttle_pauses.fetch_add(1, Ordering::Relaxed);
            }
            if verbose {
                let status = a.status.map_or("-".to_owned(), |s| s.to_string());
                let error = a.error.map_or(String::new(), |k| format!(" {k}"));
                let wait = a.wait.map_or(String::new(), |w| {
                    format!(", retrying in {:.1} s", w.as_secs_f64())
                });
                eprintln!(
                    "foura: {} {} attempt {}: {status}{error}{wait}",
                    a.method, a.path, a.attempt
                );
            }
        });
    if let Some(base) = base_url(global) {
        builder = builder.base_url(base);
    }
    let client = builder.build().map_err(|e| Failure::usage(e.to_string()))?;
    Ok(Session {
        client,
        api,
        counts,
    })
}

/// `--timeout SECS` as a duration, refusing what FourA cannot take.
pub fn timeout(secs: Option<f64>) -> Result<Option<Duration>, Failure> {
    match secs {
        None => Ok(None),
        Some(s) if s.is_finite() && s > 0.0 && s <= 600.0 => Ok(Some(Duration::from_secs_f64(s))),
        Some(s) => Err(Failure::usage(format!(
            "--timeout {s}: give seconds between 0 and 600"
        ))),
    }
}

fn fetch(global: &Global, args: FetchArgs) -> Result<u8, Failure> {
    if args.dry_run {
        return Err(Failure::usage(compat::dry_run_unavailable()));
    }
    let session = session(global, 1)?;
    let mut body = Map::new();
    body.insert("url".into(), Value::String(args.url.clone()));
    if !args.headers.is_empty() {
        let mut pairs = Vec::new();
        for header in &args.headers {
            let (name, value) = header.split_once(':').ok_or_else(|| {
                Failure::usage(format!("--header '{header}': write it as 'Name: value'"))
            })?;
            pairs.push(json!([name.trim(), value.trim()]));
        }
        body.insert("headers".into(), Value::Array(pairs));
    }
    if !args.countries.is_empty() {
        body.insert("exitCountries".into(), json!(args.countries));
    }
    if let Some(selector) = &args.wait_for {
        if session.api == Api::Engines {
            return Err(Failure::usage(
                "--wait-for needs the tasks API (--api tasks)",
            ));
        }
        body.insert("waitFor".into(), json!(selector));
    }
    let job = request::from_wire(session.api, args.engine, body, timeout(args.timeout)?)
        .map_err(Failure::usage)?;
    let (reply, elapsed) = job.send(&session.client)?;
    if args.json {
        let mut text = serde_json::to_vec(&reply.to_json()).expect("a JSON value encodes");
        text.push(b'\n');
        write_out(args.output.as_deref(), &text)?;
    } else {
        write_out(args.output.as_deref(), &reply.page())?;
    }
    eprintln!(
        "{}",
        fetch_summary(&reply, session.api, args.engine, elapsed)
    );
    Ok(exit::OK)
}

fn write_out(path: Option<&std::path::Path>, bytes: &[u8]) -> Result<(), Failure> {
    match path {
        Some(path) => std::fs::write(path, bytes).map_err(|e| Failure::io("write", path, &e)),
        None => {
            let mut out = std::io::stdout().lock();
            out.write_all(bytes)
                .and_then(|()| out.flush())
                .map_err(|e| {
                    Failure::new(
                        exit::FAILED,
                        format!("cannot write to stdout: {}", exit::io_reason(&e)),
                    )
                })
        }
    }
}

fn fetch_summary(reply: &Reply, api: Api, engine: EngineName, elapsed: Duration) -> String {
    let meta = reply.meta();
    let status = reply.status().map_or("-".to_owned(), |s| s.to_string());
    let credits = meta
        .credits
        .map_or("? credits".to_owned(), |c| format!("{c} credits"));
    let request_id = meta.request_id.as_deref().unwrap_or("-");
    let attempts = meta.attempts.max(1);
    let plural = if attempts == 1 { "" } else { "s" };
    format!(
        "{status} · {}/{} · {credits} · request {request_id} · {attempts} attempt{plural} · {:.2} s",
        api.as_str(),
        engine.as_str(),
        elapsed.as_secs_f64()
    )
}

fn tasks(global: &Global) -> Result<u8, Failure> {
    let session = session(global, 1)?;
    let mut out = std::io::stdout().lock();
    for task in session.client.list_tasks()? {
        let line = Reply::Task(task).to_json();
        let _ = writeln!(out, "{line}");
    }
    Ok(exit::OK)
}

fn status(global: &Global) -> Result<u8, Failure> {
    // The emulator serves the status API too; a real base URL does not, so only a loopback
    // base is asked.
    let status = match base_url(global).filter(|b| is_loopback(b)) {
        Some(base) => foura::service_status_at(&base)?,
        None => foura::service_status()?,
    };
    println!("overall: {}", status.overall);
    for service in &status.services {
        println!("{}: {}", service.slug, service.status);
    }
    let healthy = status.overall == "operational";
    Ok(if healthy { exit::OK } else { exit::LATER })
}

fn is_loopback(base: &str) -> bool {
    let rest = base.strip_prefix("http://").unwrap_or("");
    rest.starts_with("127.") || rest.starts_with("localhost") || rest.starts_with("[::1]")
}

fn profiles(global: &Global) -> Result<u8, Failure> {
    let session = session(global, 1)?;
    let catalogue = session.client.profiles()?;
    let mut out = catalogue.extra.clone();
    if let Some(default) = catalogue.default {
        out.insert("default".into(), Value::String(default));
    }
    println!("{}", Value::Object(out));
    Ok(exit::OK)
}

fn emulator(port: Option<u16>) -> Result<u8, Failure> {
    use foura::mock::MockServer;
    let server = MockServer::try_start().map_err(|e| {
        Failure::new(
            exit::FAILED,
            format!("cannot start the emulator: {}", exit::io_reason(&e)),
        )
    })?;
    let url = match port {
        None | Some(0) => server.url(),
        Some(port) => {
            let bound = compat::relay_port(port, server.addr()).map_err(|e| {
                Failure::usage(format!(
                    "--port {port}: cannot listen there: {}",
                    exit::io_reason(&e)
                ))
            })?;
            format!("http://127.0.0.1:{bound}")
        }
    };
    println!("export FOURA_API_BASE={url}");
    println!("export FOURA_API_KEY={}", MockServer::TEST_KEY);
    println!(
        "# export FOURA_API_KEY={}  # the engine API's key",
        MockServer::ENGINE_KEY
    );
    let _ = std::io::stdout().flush();
    eprintln!("foura: the FourA emulator is serving on {url}; Ctrl-C stops it");
    let (tx, rx) = std::sync::mpsc::channel();
    ctrlc::set_handler(move || {
        let _ = tx.send(());
    })
    .map_err(|e| Failure::new(exit::FAILED, format!("cannot catch Ctrl-C: {e}")))?;
    let _ = rx.recv();
    drop(server);
    // Ctrl-C is how the emulator is meant to stop.
    Ok(exit::OK)
}
