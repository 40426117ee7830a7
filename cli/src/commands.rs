//! Every command but `batch`: building the client, then `fetch`, `tasks`, `status`,
//! `profiles`, `inspect` and `emulator`.

use std::io::Write;
use std::time::Duration;

use foura::{ApiKey, BASE_URL_ENV, BatchItem, Client, Inspection};
use serde_json::{Value, json};

use crate::args::{Api, Cli, Command, EngineName, FetchArgs, Global};
use crate::exit::{self, Failure};
use crate::request::{Job, Options, Reply, merge};

/// Runs the parsed command line and returns the exit code.
pub fn run(cli: Cli) -> Result<u8, Failure> {
    match cli.command {
        Command::Fetch(args) => fetch(&cli.global, args),
        Command::Batch(args) => crate::batch::run(&cli.global, args),
        Command::Tasks => tasks(&cli.global),
        Command::Status => status(&cli.global),
        Command::Profiles => profiles(&cli.global),
        Command::Inspect => inspect(&cli.global),
        Command::Emulator { port, env_file } => emulator(port, env_file.as_deref()),
    }
}

/// The client the flags and environment describe, and the API it calls.
pub struct Session {
    pub client: Client,
    pub api: Api,
    /// The key file the key was read from (`--key-file` or `FOURA_API_KEY_FILE`), if any.
    pub key_file: Option<std::path::PathBuf>,
}

impl Session {
    /// For a dry run: the printed commands read the key from `$FOURA_API_KEY`, which a key
    /// read from a file leaves unset; says so once on stderr (never the key itself).
    pub fn dry_run_key_hint(&self) {
        if let Some(path) = &self.key_file {
            if std::env::var_os(foura::API_KEY_ENV).is_none_or(|v| v.is_empty()) {
                eprintln!(
                    "foura: the commands read the key from $FOURA_API_KEY; set it first, e.g. \
                     export FOURA_API_KEY=\"$(cat {})\"",
                    path.display()
                );
            }
        }
    }
}

/// The key file the key comes from: `--key-file`, or `FOURA_API_KEY_FILE` when
/// `FOURA_API_KEY` is not set.
fn key_file(global: &Global) -> Option<std::path::PathBuf> {
    let set = |name: &str| std::env::var_os(name).filter(|v| !v.is_empty());
    global.key_file.clone().or_else(|| {
        set(foura::API_KEY_ENV)
            .is_none()
            .then(|| set(foura::API_KEY_FILE_ENV).map(Into::into))
            .flatten()
    })
}

/// The key from `--key-file`, or else the environment (`FOURA_API_KEY` or
/// `FOURA_API_KEY_FILE`; both set is refused).
fn key(global: &Global) -> Result<ApiKey, Failure> {
    match &global.key_file {
        Some(path) => ApiKey::from_file(path).map_err(|e| Failure::new(exit::KEY, e.to_string())),
        None => ApiKey::from_env().map_err(|e| {
            Failure::new(
                exit::KEY,
                format!("{e}; or name a key file with --key-file PATH"),
            )
        }),
    }
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
    let verbose = global.verbose;
    let mut builder = Client::builder()
        .api_key(key)
        .user_agent_suffix(concat!("foura-cli/", env!("CARGO_PKG_VERSION")))
        .pool_size(pool.max(foura::DEFAULT_POOL_SIZE))
        .on_attempt(move |a| {
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
        key_file: key_file(global),
    })
}

/// `--timeout SECS` as a duration, refusing what FourA cannot take: the engines take at most
/// 120 s (`timeout_ms`, "max: 120000", <https://foura.ai/docs/api/endpoints>), auto 180 s
/// (`fouradata/mcp` `src/tools/auto.ts`); the tasks API documents no maximum, and 600 s is
/// allowed.
pub fn timeout(
    secs: Option<f64>,
    api: Api,
    engine: EngineName,
) -> Result<Option<Duration>, Failure> {
    let (max, which) = match (api, engine) {
        (Api::Tasks, _) => (600.0, "the tasks API"),
        (Api::Engines, EngineName::Auto) => (180.0, "the auto engine"),
        (Api::Engines, _) => (120.0, "the engines"),
    };
    match secs {
        None => Ok(None),
        Some(s) if s.is_finite() && s > 0.0 && s <= max => Ok(Some(Duration::from_secs_f64(s))),
        Some(s) => Err(Failure::usage(format!(
            "--timeout {s}: give seconds above 0 and at most {max} (the most {which} take)"
        ))),
    }
}

fn fetch(global: &Global, args: FetchArgs) -> Result<u8, Failure> {
    let session = session(global, 1)?;
    let mut options = Options {
        timeout: timeout(args.timeout, session.api, args.engine)?,
        countries: args.countries.clone(),
        wait_for: args.wait_for.clone(),
        ..Options::default()
    };
    for header in &args.headers {
        let (name, value) = header.split_once(':').ok_or_else(|| {
            Failure::usage(format!("--header '{header}': write it as 'Name: value'"))
        })?;
        options
            .headers
            .push((name.trim().to_owned(), value.trim().to_owned()));
    }
    let job =
        Job::from_options(session.api, args.engine, &args.url, &options).map_err(Failure::usage)?;
    if args.dry_run {
        session.dry_run_key_hint();
        let mut curl = job.preview(&session.client)?.to_curl();
        curl.push('\n');
        write_out(args.output.as_deref(), curl.as_bytes())?;
        return Ok(exit::OK);
    }
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
    if global.api == Some(Api::Engines) {
        return Err(Failure::usage(
            "--api engines: the engine API keeps no list of tasks; `foura tasks` lists the \
             tasks API's (an fk_live_ key)",
        ));
    }
    let session = session(global, 1)?;
    let mut out = std::io::stdout().lock();
    for task in session.client.list_tasks()? {
        let mut line = Reply::Task(task).to_json();
        // `meta` is the list call's, the same on every line: not the task's.
        if let Value::Object(map) = &mut line {
            map.remove("meta");
        }
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

/// Whether a base URL's host is this machine: `localhost`, a `*.localhost` name,
/// 127.0.0.0/8 or `[::1]` (and not, say, `localhost.example.com`).
fn is_loopback(base: &str) -> bool {
    let Some(rest) = base.strip_prefix("http://") else {
        return false;
    };
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    let host = authority.rsplit('@').next().unwrap_or("");
    if let Some(v6) = host.strip_prefix('[') {
        let v6 = v6.split(']').next().unwrap_or("");
        return v6
            .parse::<std::net::Ipv6Addr>()
            .is_ok_and(|ip| ip.is_loopback());
    }
    let host = host.split(':').next().unwrap_or("").to_ascii_lowercase();
    host == "localhost"
        || host.ends_with(".localhost")
        || host
            .parse::<std::net::Ipv4Addr>()
            .is_ok_and(|ip| ip.is_loopback())
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

/// `GET /inspect`: the address FourA sees for this machine and whether it detects a proxy,
/// as one JSON object in FourA's own field names. Public: no key is needed or sent.
fn inspect(global: &Global) -> Result<u8, Failure> {
    let seen = match base_url(global) {
        Some(base) => foura::inspect_at(&base)?,
        None => foura::inspect()?,
    };
    println!("{}", inspection_json(&seen));
    Ok(exit::OK)
}

fn inspection_json(seen: &Inspection) -> Value {
    let d = &seen.proxy_detection;
    let c = &seen.proxy_chain;
    let mut detection = json!({
        "isProxy": d.is_proxy,
        "proxyType": d.proxy_type.as_ref().map(|t| t.as_str()),
        "anonymityLevel": d.anonymity_level.as_ref().map(|a| a.as_str()),
        "confidence": d.confidence.as_ref().map(|c| c.as_str()),
        "detectedHeaders": d.detected_headers,
        "explanation": d.explanation,
    });
    merge(&mut detection, &d.extra);
    let mut chain = json!({
        "originalClientIp": c.original_client_ip,
        "proxyChain": c.hops,
        "proxyCount": c.proxy_count,
        "via": c.via,
        "hasPrivateIps": c.has_private_ips,
    });
    merge(&mut chain, &c.extra);
    let mut out = json!({
        "clientIp": seen.client_ip,
        "proxyDetection": detection,
        "proxyChain": chain,
        "timestamp": seen.timestamp,
    });
    merge(&mut out, &seen.extra);
    out
}

fn emulator(port: Option<u16>, env_file: Option<&std::path::Path>) -> Result<u8, Failure> {
    use foura::mock::MockServer;
    let port = port.unwrap_or(0);
    let server = MockServer::try_start_on(("127.0.0.1", port)).map_err(|e| {
        Failure::new(
            exit::FAILED,
            format!(
                "cannot start the emulator on port {port}: {}",
                exit::io_reason(&e)
            ),
        )
    })?;
    // The handler is in place before the export lines go out, so a script that reads them
    // and then sends Ctrl-C always stops the emulator cleanly.
    let (tx, rx) = std::sync::mpsc::channel();
    ctrlc::set_handler(move || {
        let _ = tx.send(());
    })
    .map_err(|e| Failure::new(exit::FAILED, format!("cannot catch Ctrl-C: {e}")))?;
    let url = server.url();
    let exports = format!(
        "export FOURA_API_BASE={url}\nexport FOURA_API_KEY={}\n\
         # export FOURA_API_KEY={}  # the engine API's key\n",
        MockServer::TEST_KEY,
        MockServer::ENGINE_KEY
    );
    // The file is complete before it appears under its name, so a script that waits for it
    // never reads half of it.
    if let Some(path) = env_file {
        let partial = path.with_extension("partial");
        std::fs::write(&partial, &exports)
            .and_then(|()| std::fs::rename(&partial, path))
            .map_err(|e| Failure::io("write", path, &e))?;
    }
    print!("{exports}");
    let _ = std::io::stdout().flush();
    eprintln!("foura: the FourA emulator is serving on {url}; Ctrl-C stops it");
    let _ = rx.recv();
    drop(server);
    // Ctrl-C is how the emulator is meant to stop.
    Ok(exit::OK)
}

#[cfg(test)]
mod tests {
    use super::is_loopback;

    #[test]
    fn only_this_machine_is_loopback() {
        for base in [
            "http://localhost:8080",
            "http://LOCALHOST/",
            "http://api.localhost:1",
            "http://127.0.0.1:9",
            "http://127.200.3.4",
            "http://[::1]:9/x",
        ] {
            assert!(is_loopback(base), "{base}");
        }
        for base in [
            "http://localhost.evil.com",
            "http://localhost.evil.com:80/",
            "http://127.0.0.1.evil.com",
            "http://localhost@evil.com",
            "http://evil.com/localhost",
            "http://[::2]:9",
            "https://localhost",
            "http://128.0.0.1",
        ] {
            assert!(!is_loopback(base), "{base}");
        }
    }
}
