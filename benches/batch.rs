//! (b) Batch throughput at concurrency 1, 4, 8 and 16 against a loopback server that answers
//! after a simulated 5 ms of FourA work, side by side in one run; then (c) the ceiling case:
//! 400 single requests at concurrency 16 against the emulator answering in 200 ms and refusing
//! with FourA's capacity answer (`limits.maxConcurrency: 8`, `retryAfter: 0.2`) any request
//! beyond 8 in flight. The ceiling is 8 / 0.2 s = 40 requests/s.
//!
//!     cargo bench --bench batch --features mock

mod common;

use std::time::{Duration, Instant};

use foura::mock::{Engine, MockServer};
use foura::{ApiKey, Client, SingleRequest, TaskRequest, TaskType};

const TASK: &str = r#"{"id":"task_a1b2c3d4","status":"completed","url":"https://example.com","type":"single","statusCode":200,"content":"<html><body>Example Domain</body></html>","createdAt":"2026-03-31T10:15:00Z"}"#;

fn main() {
    let latency = Duration::from_millis(5);
    let server = common::start(TASK.as_bytes().to_vec(), latency);
    let client = Client::builder()
        .api_key(ApiKey::new("fk_live_bench0000000000000000000000").unwrap())
        .base_url(server.url())
        .proxy(None)
        .build()
        .unwrap();
    let tasks = 400;
    let levels = [1usize, 4, 8, 16];
    // Warm up the pool to the highest concurrency.
    client
        .batch(
            (0..64).map(|i| TaskRequest::new(format!("https://example.com/{i}"), TaskType::Single)),
        )
        .concurrency(16)
        .run();
    let mut rates = vec![Vec::new(); levels.len()];
    for _ in 0..3 {
        for (i, &concurrency) in levels.iter().enumerate() {
            let start = Instant::now();
            let batch = client
                .batch((0..tasks).map(|i| {
                    TaskRequest::new(format!("https://example.com/{i}"), TaskType::Single)
                }))
                .concurrency(concurrency)
                .run();
            assert!(batch.results.iter().all(Result::is_ok));
            rates[i].push(tasks as f64 / start.elapsed().as_secs_f64());
        }
    }
    println!(
        "batch throughput, {tasks} tasks, server latency {latency:?} ({})",
        common::machine()
    );
    println!("median of 3 interleaved runs");
    println!("{:>12} {:>10} {:>10}", "concurrency", "tasks/s", "speed-up");
    let base = common::median(&mut rates[0].clone());
    for (i, &concurrency) in levels.iter().enumerate() {
        let rate = common::median(&mut rates[i]);
        println!("{concurrency:>12} {rate:>10.0} {:>9.2}x", rate / base);
    }
    println!(
        "connections opened in total: {}",
        server.connections.load(std::sync::atomic::Ordering::SeqCst)
    );
    ceiling();
}

/// (c) The ceiling case: the share of the ceiling reached and the share of requests refused.
fn ceiling() {
    let (cap, answer, inputs) = (8usize, Duration::from_millis(200), 400usize);
    let server = MockServer::start();
    server.limit_concurrency(cap, Some(Engine::Single), answer);
    server.set_answer_delay(answer);
    let client = server.engine_client_builder().build().unwrap();
    let start = Instant::now();
    let batch = client
        .batch((0..inputs).map(|i| SingleRequest::get(format!("https://example.com/{i}"))))
        .concurrency(16)
        .run();
    let elapsed = start.elapsed().as_secs_f64();
    let requests = server.request_count();
    let refused = requests - (inputs - batch.summary.failed);
    let ceiling = cap as f64 / answer.as_secs_f64();
    println!();
    println!(
        "ceiling case: {inputs} single requests at concurrency 16, answers in {answer:?}, at most {cap} in flight"
    );
    println!(
        "{:.2} of the ceiling ({:.1} of {ceiling:.0} requests/s), {:.1} % of {requests} requests refused, {} inputs failed",
        inputs as f64 / elapsed / ceiling,
        inputs as f64 / elapsed,
        100.0 * refused as f64 / requests as f64,
        batch.summary.failed
    );
    println!("{}", batch.summary);
}
