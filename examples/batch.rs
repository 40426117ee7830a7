//! Fetches a list of URLs through FourA, many at once, and prints one JSON line per URL.
//!
//!     cargo run --example batch -- urls.txt [concurrency]    # or URLs on stdin
//!
//! Progress and the summary go to stderr; results (JSON lines, in order of completion) to
//! stdout. Exits with 1 when any input failed or the batch stopped early (a refused key, a plan
//! limit). Without `FOURA_API_KEY` it runs against the built-in emulator.

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

    // Lines are read lazily: a file of a million URLs never sits in memory.
    let requests = input
        .lines()
        .map_while(Result::ok)
        .map(|line| line.trim().to_owned())
        .filter(|line| !line.is_empty() && !line.starts_with('#'))
        .map(SingleRequest::get);

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
        .for_each(|index, result| {
            let line = match result {
                Ok(page) => json!({
                    "index": index,
                    "status": page.status,
                    "bytes": page.bytes().len(),
                    "credits": page.meta().credits,
                    "request_id": page.meta().request_id,
                }),
                Err(e) => json!({
                    "index": index,
                    "error": e.to_string(),
                    "kind": format!("{:?}", e.kind()),
                    "request_id": e.request_id(),
                }),
            };
            let _ = writeln!(out, "{line}");
        });
    eprintln!("\n{summary}");
    if summary.stopped.is_some() || summary.failed > 0 {
        return Ok(std::process::ExitCode::FAILURE);
    }
    Ok(std::process::ExitCode::SUCCESS)
}
