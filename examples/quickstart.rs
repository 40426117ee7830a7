//! Submits one task and prints what FourA fetched.
//!
//!     cargo run --example quickstart [URL] [single|browser|proxy]
//!
//! With `FOURA_API_KEY` set, this calls FourA (`FOURA_API_BASE` overrides the host). Without
//! it, the same code runs against the crate's built-in FourA emulator on loopback.

use std::process::ExitCode;

use foura::mock::MockServer;
use foura::{Client, Task, TaskType};

fn main() -> ExitCode {
    let mut args = std::env::args().skip(1);
    let url = args
        .next()
        .unwrap_or_else(|| "https://example.com".to_owned());
    let task_type = match args.next().as_deref() {
        None | Some("single") => TaskType::Single,
        Some("browser") => TaskType::Browser,
        Some("proxy") => TaskType::Proxy,
        Some(other) => {
            eprintln!("unknown task type {other:?}: use single, browser or proxy");
            return ExitCode::from(2);
        }
    };

    // Keep the emulator alive for as long as the client that talks to it.
    let mut _emulator = None;
    let client = if std::env::var_os(foura::API_KEY_ENV).is_some() {
        match Client::from_env() {
            Ok(client) => client,
            Err(e) => {
                eprintln!("error: {e}");
                return ExitCode::FAILURE;
            }
        }
    } else {
        let server = MockServer::start();
        eprintln!(
            "FOURA_API_KEY is not set: running against the built-in FourA emulator at {} \
             (set FOURA_API_KEY to call FourA itself)",
            server.url()
        );
        let client = server.client();
        _emulator = Some(server);
        client
    };

    match client.submit(&url, task_type) {
        Ok(task) => {
            print_task(&task);
            eprintln!(
                "\nnext: `cargo run --example fetch -- URL` (one page, as a tool), \
                 `cargo run --example batch -- urls.txt` (many at once), and the engine \
                 examples (single, proxy, browser, auto) in README.md"
            );
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

fn print_task(task: &Task) {
    println!("task {}: {}", task.id, task.status);
    if let Some(url) = &task.url {
        println!("url:        {url}");
    }
    if let Some(t) = &task.task_type {
        println!("type:       {t}");
    }
    if let Some(code) = task.status_code {
        println!("target:     HTTP {code}");
    }
    if let Some(total) = task.timing.as_ref().and_then(|t| t.total) {
        println!("took:       {total} ms");
    }
    if let Some(id) = task.request_id() {
        println!("request id: {id}");
    }
    if let Some(content) = &task.content {
        println!("content:    {} bytes", content.len());
        let preview: String = content.chars().take(400).collect();
        println!("\n{preview}");
    }
}
