//! A small utility: fetch one page through FourA and write its content to stdout.
//!
//!     FOURA_API_KEY=fk_live_... cargo run --example fetch -- https://example.com/products \
//!         --type browser --wait-for .product-list --country de --header "Accept: text/html"
//!
//! The task's status, target status and request id go to stderr, so the page can be piped.
//! Exit codes: 0 ok, 2 bad arguments or input, 3 key refused, 4 rate limited, 1 anything else.

use std::io::Write;
use std::process::ExitCode;
use std::time::Duration;

use foura::{ClientBuilder, ErrorKind, TaskRequest, TaskType};

fn usage() -> ExitCode {
    eprintln!(
        "usage: fetch URL [--type single|browser|proxy] [--wait-for SELECTOR] [--country CC] \
         [--timeout-ms N] [--javascript] [--header 'Name: value']..."
    );
    ExitCode::from(2)
}

fn main() -> ExitCode {
    let mut args = std::env::args().skip(1);
    let Some(url) = args.next().filter(|a| !a.starts_with("--")) else {
        return usage();
    };
    let mut task_type = TaskType::Single;
    let mut options: Vec<(String, String)> = Vec::new();
    let mut javascript = false;
    while let Some(flag) = args.next() {
        if flag == "--javascript" {
            javascript = true;
            continue;
        }
        let Some(value) = args.next() else {
            return usage();
        };
        match flag.as_str() {
            "--type" => {
                task_type = match value.as_str() {
                    "single" => TaskType::Single,
                    "browser" => TaskType::Browser,
                    "proxy" => TaskType::Proxy,
                    _ => return usage(),
                }
            }
            "--wait-for" | "--country" | "--timeout-ms" | "--header" => options.push((flag, value)),
            _ => return usage(),
        }
    }

    let mut request = TaskRequest::new(url, task_type);
    if javascript {
        request = request.javascript(true);
    }
    for (flag, value) in options {
        request = match flag.as_str() {
            "--wait-for" => request.wait_for(value),
            "--country" => request.proxy_country(value),
            "--timeout-ms" => match value.parse() {
                Ok(ms) => request.timeout(Duration::from_millis(ms)),
                Err(_) => return usage(),
            },
            _ => match value.split_once(':') {
                Some((name, v)) => request.header(name.trim(), v.trim()),
                None => return usage(),
            },
        };
    }

    // FOURA_API_KEY, and FOURA_API_BASE when set.
    let builder = match ClientBuilder::from_env() {
        Ok(builder) => builder,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(3);
        }
    };
    let result = builder
        .user_agent_suffix(concat!("foura-fetch/", env!("CARGO_PKG_VERSION")))
        .build()
        .and_then(|client| client.create_task(&request));

    match result {
        Ok(task) => {
            eprintln!(
                "{} {} target={} request-id={}",
                task.id,
                task.status,
                task.status_code.map_or("-".to_owned(), |c| c.to_string()),
                task.request_id().unwrap_or("-"),
            );
            let content = task.content.unwrap_or_default();
            let _ = std::io::stdout().write_all(content.as_bytes());
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(match e.kind() {
                ErrorKind::InvalidRequest | ErrorKind::InvalidConfig => 2,
                ErrorKind::InvalidKey | ErrorKind::Unauthorized | ErrorKind::Forbidden => 3,
                ErrorKind::RateLimited => 4,
                _ => 1,
            })
        }
    }
}
