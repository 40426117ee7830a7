//! (a) What the crate's safety costs per call: `Client::create_task` with its default (finite)
//! timeouts, against the same POST written by hand with raw ureq with no timeouts, and with
//! the same timeouts — one kept-alive loopback connection each, measured side by side.
//!
//! (b) The same with a large answer: a task whose `content` is an 8 MiB HTML-like page, where
//! what the crate adds per byte (the scan of the answer for the key, the wiped buffer, the
//! typed decoding) shows, against the same raw ureq call.
//!
//!     taskset -c 0 cargo bench --bench per_call
//!
//! Pinned to one core, every client and its server thread share the CPU alike, so the
//! ratios repeat; unpinned, the scheduler's placement of each server thread moves them.

mod common;

use std::time::Duration;

use foura::{ApiKey, Client, TaskRequest, TaskType};

const KEY: &str = "fk_live_bench0000000000000000000000";
const TASK: &str = r#"{"id":"task_a1b2c3d4","status":"completed","url":"https://example.com","type":"single","statusCode":200,"content":"<html><body>Example Domain</body></html>","headers":{"content-type":"text/html"},"timing":{"total":2340,"dns":45,"connect":120,"ttfb":890},"createdAt":"2026-03-31T10:15:00Z"}"#;
const BODY: &[u8] = br#"{"url":"https://example.com","type":"single"}"#;

fn raw_agent(timeouts: bool) -> ureq::Agent {
    let mut config = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .proxy(None);
    if timeouts {
        config = config
            .timeout_global(Some(Duration::from_secs(45)))
            .timeout_connect(Some(Duration::from_secs(10)));
    }
    config.build().new_agent()
}

/// The same POST by hand: the body is built from the request each call, as any client of
/// this API must, and the answer parsed as JSON.
fn raw_call(agent: &ureq::Agent, url: &str) {
    #[derive(serde::Serialize)]
    struct NewTask<'a> {
        url: &'a str,
        #[serde(rename = "type")]
        kind: &'a str,
    }
    let task = NewTask {
        url: "https://example.com",
        kind: "single",
    };
    let body = serde_json::to_vec(&task).unwrap();
    assert_eq!(body, BODY);
    let mut response = agent
        .post(url)
        .header("authorization", format!("Bearer {KEY}"))
        .header("content-type", "application/json")
        .send(&body[..])
        .unwrap();
    let body = response.body_mut().read_to_vec().unwrap();
    let task: serde_json::Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(task["status"], "completed");
}

/// An HTML-like page of about `len` bytes, the same on every run: markup, prose, and runs of
/// letters and digits (ids, tokens, inline data) of up to 200 characters.
fn page(len: usize) -> String {
    let mut seed = 0x9e37_79b9_7f4a_7c15u64;
    let mut next = move |n: u64| {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        (seed % n) as usize
    };
    const ALNUM: &[u8] = b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    const PROSE: &[u8] = b"etaoinshrdlucmfwyp";
    let mut page = String::with_capacity(len + 256);
    while page.len() < len {
        match next(20) {
            0 => page.push_str("<div class=\"product-list\">"),
            1 => page.push_str("</a></li>\n"),
            2 => page.push_str("<a href=\"https://example.com/product/"),
            3 => (0..next(200)).for_each(|_| page.push(char::from(ALNUM[next(62)]))),
            _ => {
                (0..=next(11)).for_each(|_| page.push(char::from(PROSE[next(18)])));
                page.push(' ');
            }
        }
    }
    page
}

/// The crate's client for `server`, as a user builds it (default timeouts, no proxy).
fn foura_client(server: &common::FastServer) -> Client {
    Client::builder()
        .api_key(ApiKey::new(KEY).unwrap())
        .base_url(server.url())
        .proxy(None)
        .build()
        .unwrap()
}

fn main() {
    let server = common::start(TASK.as_bytes().to_vec(), Duration::ZERO);
    let url = format!("{}/api/v1/tasks", server.url());
    let client = foura_client(&server);
    let request = TaskRequest::new("https://example.com", TaskType::Single);
    let bare = raw_agent(false);
    let timed = raw_agent(true);

    let foura_call = || {
        let task = client.create_task(&request).unwrap();
        assert_eq!(task.status, foura::TaskStatus::Completed);
    };
    // Warm up every connection and code path.
    for _ in 0..500 {
        foura_call();
        raw_call(&bare, &url);
        raw_call(&timed, &url);
    }
    let (rounds, per_round) = (31, 400);
    let (mut f, mut b, mut t) = (Vec::new(), Vec::new(), Vec::new());
    for _ in 0..rounds {
        f.push(common::time_per_call(per_round, foura_call));
        b.push(common::time_per_call(per_round, || raw_call(&bare, &url)));
        t.push(common::time_per_call(per_round, || raw_call(&timed, &url)));
    }
    let (f, b, t) = (
        common::median(&mut f),
        common::median(&mut b),
        common::median(&mut t),
    );
    println!(
        "per-call cost, one kept-alive loopback connection ({})",
        common::machine()
    );
    println!("median of {rounds} rounds x {per_round} calls, interleaved");
    println!("{:<58} {:>9} {:>8}", "client", "µs/call", "ratio");
    println!(
        "{:<58} {:>9.1} {:>8.2}",
        "raw ureq, no timeouts (baseline)", b, 1.0
    );
    println!(
        "{:<58} {:>9.1} {:>8.2}",
        "raw ureq, timeout_global 45 s + connect 10 s",
        t,
        t / b
    );
    println!(
        "{:<58} {:>9.1} {:>8.2}",
        "foura Client::create_task (default finite timeouts)",
        f,
        f / b
    );
    println!("foura vs raw ureq with the same timeouts: {:.2}x", f / t);
    println!(
        "connections opened: {}",
        server.connections.load(std::sync::atomic::Ordering::SeqCst)
    );

    // (b) An 8 MiB page.
    let mut task: serde_json::Value = serde_json::from_str(TASK).unwrap();
    task["content"] = page(8 << 20).into();
    let big = common::start(serde_json::to_vec(&task).unwrap(), Duration::ZERO);
    let big_url = format!("{}/api/v1/tasks", big.url());
    let big_client = foura_client(&big);
    let big_call = || {
        let task = big_client.create_task(&request).unwrap();
        assert!(task.content.unwrap().len() >= 8 << 20);
    };
    for _ in 0..3 {
        big_call();
        raw_call(&bare, &big_url);
    }
    let (rounds, per_round) = (9, 3);
    let (mut f, mut b) = (Vec::new(), Vec::new());
    for _ in 0..rounds {
        f.push(common::time_per_call(per_round, big_call));
        b.push(common::time_per_call(per_round, || {
            raw_call(&bare, &big_url)
        }));
    }
    let (f, b) = (common::median(&mut f) / 1e3, common::median(&mut b) / 1e3);
    println!();
    println!("a task with an 8 MiB page, median of {rounds} rounds x {per_round} calls");
    println!("{:<58} {:>9} {:>8}", "client", "ms/call", "ratio");
    println!(
        "{:<58} {:>9.1} {:>8.2}",
        "raw ureq, no timeouts (baseline)", b, 1.0
    );
    println!(
        "{:<58} {:>9.1} {:>8.2}",
        "foura Client::create_task (default finite timeouts)",
        f,
        f / b
    );
}
