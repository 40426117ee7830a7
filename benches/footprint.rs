//! (c) Peak memory for one 20 MB page, and (d) the quickstart's release binary size, a cold
//! release build's time, and the number of crates in the dependency tree.
//!
//!     cargo bench --bench footprint
//!
//! Set `FOURA_BENCH_SKIP_BUILD=1` to skip the cold build (it takes about a minute).

mod common;

use std::alloc::{GlobalAlloc, Layout, System};
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use foura::{ApiKey, Client, TaskType};

/// Counts live heap bytes and their peak.
struct Counting;

static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

// SAFETY: every call is forwarded to the system allocator unchanged; only counters are kept.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            let live = LIVE.fetch_add(layout.size(), Ordering::SeqCst) + layout.size();
            PEAK.fetch_max(live, Ordering::SeqCst);
        }
        p
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) };
        LIVE.fetch_sub(layout.size(), Ordering::SeqCst);
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

fn peak_memory() {
    const PAYLOAD: usize = 20 * 1024 * 1024;
    let page = "x".repeat(PAYLOAD);
    let body =
        format!(r#"{{"id":"task_big","status":"completed","content":"{page}"}}"#).into_bytes();
    drop(page);
    let server = common::start(body, Duration::ZERO);
    let client = Client::builder()
        .api_key(ApiKey::new("fk_live_bench0000000000000000000000").unwrap())
        .base_url(server.url())
        .proxy(None)
        .build()
        .unwrap();
    // Warm the connection with one call, then measure a second one.
    drop(
        client
            .submit("https://example.com", TaskType::Single)
            .unwrap(),
    );
    // The server thread holds its canned answer for the whole run: measure above it.
    let baseline = LIVE.load(Ordering::SeqCst);
    PEAK.store(baseline, Ordering::SeqCst);
    let task = client
        .submit("https://example.com", TaskType::Single)
        .unwrap();
    let peak = PEAK.load(Ordering::SeqCst) - baseline;
    assert_eq!(task.content.as_ref().map(String::len), Some(PAYLOAD));
    println!(
        "peak heap for one task with a 20 MiB `content`: {:.1} MiB = {:.2}x the payload (target <= 3x)",
        peak as f64 / 1048576.0,
        peak as f64 / PAYLOAD as f64
    );
}

fn build_figures() {
    let root = env!("CARGO_MANIFEST_DIR");
    let target = std::env::temp_dir().join(format!("foura-bench-cold-{}", std::process::id()));
    let start = Instant::now();
    let status = Command::new(env!("CARGO"))
        .args(["build", "--release", "--quiet", "--example", "quickstart"])
        .current_dir(root)
        .env("CARGO_TARGET_DIR", &target)
        .status()
        .expect("cargo runs");
    let took = start.elapsed();
    assert!(status.success());
    let binary = target.join("release/examples/quickstart");
    let size = std::fs::metadata(&binary).map_or(0, |m| m.len());
    println!(
        "quickstart release binary: {:.2} MiB; cold `cargo build --release` of it: {:.0} s",
        size as f64 / 1048576.0,
        took.as_secs_f64()
    );
    let _ = std::fs::remove_dir_all(&target);
}

fn crate_count() {
    let output = Command::new(env!("CARGO"))
        .args(["tree", "-e", "normal", "--prefix", "none", "--quiet"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("cargo runs");
    let text = String::from_utf8_lossy(&output.stdout);
    let mut crates: Vec<&str> = text
        .lines()
        .filter_map(|l| l.split_whitespace().next())
        .collect();
    crates.sort_unstable();
    crates.dedup();
    println!(
        "crates in `cargo tree -e normal` (default features, foura included): {}",
        crates.len()
    );
}

fn main() {
    println!("footprint ({})", common::machine());
    peak_memory();
    crate_count();
    if std::env::var_os("FOURA_BENCH_SKIP_BUILD").is_none() {
        build_figures();
    }
}
