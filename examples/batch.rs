//! Fetches a list of URLs through FourA's `single` engine (a `pk_live_` key), many at once,
//! and prints one JSON line per URL.
//!
//!     cargo run --example batch -- urls.txt [concurrency]    # or URLs on stdin
//!
//! Progress and the summary go to stderr; results (JSON lines, in order of completion, each
//! naming its input line, URL and request id) to stdout. For resume, shards and more, use the
//! `foura` command-line tool (`cli/`). Exits with 1 when any input failed or the batch stopped early (a refused key, a plan
//! limit). Without `FOURA_API_KEY` it runs against the built-in emulator.

use std::cell::RefCell;
use std::collections::HashMap;
use std::io::{BufRead, BufReader, Write};

use foura::mock::MockServer;
use foura::{Client, SingleRequest};
use serde_json::json;

fn main() -> std::io::Result<std::process::ExitCode> {
    let mut args = std::env::args().skip(1);
    let input: Box<dyn BufRead> = match args.next().as_deref() {
        None | Some("-") => Box::new(BufReader::new(std::io::stdin())),
        Some(path) => Box::new(BufReader::new(std::fs::File::open(path)?)),
    };
    let concurrency = args.next().and_then(|n| n.parse().ok()).unwrap_or(8);

    let mut _emulator = None;
    let client = if std::env::var_os(foura::API_KEY_ENV).is_some() {
        Client::from_env().map_err(std::io::Error::other)?
    } else {
        let server = MockServer::start();
        eprintln!(
            "FOURA_API_KEY is not set: using the built-in FourA emulator at {}",
            server.url()
        );
        let client = Client::builder()
            .api_key(foura::ApiKey::new(MockServer::ENGINE_KEY).map_err(std::io::Error::other)?)
            .base_url(server.url())
            .proxy(None)
            .build()
            .map_err(std::io::Error::other)?;
        _emulator = Some(server);
        client
    };

    // Lines are read lazily (a file of a million URLs never sits in memory) and as bytes: a
    // line that is not UTF-8 is reported with its number, never dropped, and reading goes on.
    // Each kept URL travels with its 1-based line number, so every output line names both.
    let mut line_no = 0usize;
    let mut skipped = 0usize;
    // The line and URL of each input the batch has taken and not yet answered, by the batch's
    // index (inputs are taken in order): only those in flight are held.
    let pending = RefCell::new(HashMap::new());
    let mut taken = 0usize;
    let requests = input
        .split(b'\n')
        .map_while(|line| match line {
            Ok(line) => Some(line),
            Err(e) => {
                eprintln!("batch: stopped reading the input: {e}");
                None
            }
        })
        .filter_map(|bytes| {
            line_no += 1;
            match String::from_utf8(bytes) {
                Ok(text) => Some((line_no, text.trim().to_owned())),
                Err(_) => {
                    eprintln!("batch: line {line_no} is not UTF-8 text; skipped");
                    skipped += 1;
                    None
                }
            }
        })
        .filter(|(_, url)| !url.is_empty() && !url.starts_with('#'))
        .map(|(line, url)| {
            let request = SingleRequest::get(url.clone());
            pending.borrow_mut().insert(taken, (line, url));
            taken += 1;
            request
        });

    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    let summary = client
        .batch(requests)
        .concurrency(concurrency)
        .on_progress(|p| {
            eprint!(
                "\r{} done, {} failed, {} credits, concurrency {}   ",
                p.done, p.failed, p.credits, p.concurrency
            )
        })
        .for_each_outcome(|outcome| {
            let (line, url) = pending
                .borrow_mut()
                .remove(&outcome.index)
                .unwrap_or_default();
            let id = outcome.id.map(|id| id.to_string());
            let record = match outcome.result {
                Ok(page) => json!({
                    "line": line, "url": url, "id": id, "ok": true,
                    "status": page.status,
                    "bytes": page.bytes().len(),
                    "credits": page.meta().credits,
                    "request_id": page.meta().request_id,
                }),
                Err(e) => json!({
                    "line": line, "url": url, "id": id, "ok": false,
                    "error": {
                        "kind": e.kind().as_str(),
                        "message": e.to_string(),
                        "status": e.status(),
                    },
                    "request_id": e.request_id(),
                }),
            };
            let _ = writeln!(out, "{record}");
        });
    eprintln!("\n{summary}");
    if skipped > 0 {
        let lines = if skipped == 1 {
            "line was"
        } else {
            "lines were"
        };
        eprintln!("{skipped} input {lines} not UTF-8 and skipped (see above)");
    }
    if summary.stopped.is_some() || summary.failed > 0 || skipped > 0 {
        return Ok(std::process::ExitCode::FAILURE);
    }
    Ok(std::process::ExitCode::SUCCESS)
}
