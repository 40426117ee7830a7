//! (b) Batch throughput at concurrency 1, 4, 8 and 16 against a loopback server that answers
//! after a simulated 5 ms of FourA work, side by side in one run.
//!
//!     cargo bench --bench batch

mod common;

use std::time::{Duration, Instant};

use foura::{ApiKey, Client, TaskRequest, TaskType};

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
}
