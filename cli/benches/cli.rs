//! The command line against the library on the same emulator, over loopback:
//!
//! - throughput of `foura batch` at concurrency 16 vs the library's own `Client::batch`, the
//!   two taking turns for three rounds, best round of each;
//! - peak RSS (`VmHWM`, polled from `/proc/<pid>/status`) for N inputs vs N/10;
//! - the `--resume` scan rate over a 1,000,000-line output file.
//!
//! `cargo bench -p foura-cli --bench cli`; `FOURA_BENCH_N` sets N (default 20,000, which
//! fits in about a minute on two cores; the contract's figure is 100,000).

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use foura::mock::MockServer;
use foura::{TaskRequest, TaskType};

const CONCURRENCY: usize = 16;
/// Rounds of each side; the best of each is compared.
const ROUNDS: usize = 3;

fn main() {
    let n: usize = std::env::var("FOURA_BENCH_N")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(20_000);
    let dir = std::env::temp_dir().join(format!("foura-cli-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let server = MockServer::start();

    let urls: Vec<String> = (0..n)
        .map(|i| format!("https://shop.example/item/{i}"))
        .collect();
    let client = server
        .client_builder()
        .pool_size(CONCURRENCY)
        .build()
        .unwrap();
    let input = write_urls(&dir.join("urls.txt"), &urls);
    // The two sides take turns and each keeps its best round, so a burst of other work on
    // the machine slows one round of one side, not the ratio.
    let (mut library, mut cli, mut peak_large) = (0f64, 0f64, 0);
    for _ in 0..ROUNDS {
        let started = Instant::now();
        let summary = client
            .batch(
                urls.iter()
                    .map(|u| TaskRequest::new(u.as_str(), TaskType::Single)),
            )
            .concurrency(CONCURRENCY)
            .for_each(|_, _| {});
        let round_library = n as f64 / started.elapsed().as_secs_f64();
        library = library.max(round_library);
        assert_eq!(summary.failed, 0);

        let (took, peak) = run_cli(&server, &input, &dir.join("out.jsonl"));
        let round_cli = n as f64 / took.as_secs_f64();
        cli = cli.max(round_cli);
        peak_large = peak_large.max(peak);
        println!("  round: library {round_library:.0}/s, CLI {round_cli:.0}/s");
    }
    println!(
        "throughput, {n} URLs at concurrency {CONCURRENCY}, best of {ROUNDS}: library {library:.0}/s, CLI {cli:.0}/s, ratio {:.2}",
        cli / library
    );

    let small = write_urls(&dir.join("small.txt"), &urls[..n / 10]);
    let (_, peak_small) = run_cli(&server, &small, &dir.join("small.jsonl"));
    println!(
        "peak RSS: {} inputs {} KiB, {n} inputs {} KiB, ratio {:.2}",
        n / 10,
        peak_small,
        peak_large,
        peak_large as f64 / peak_small as f64
    );

    let rate = resume_scan(&server, &dir, 1_000_000);
    println!("resume scan over 1,000,000 output lines: {rate}");
    let _ = std::fs::remove_dir_all(&dir);
}

fn write_urls(path: &Path, urls: &[String]) -> PathBuf {
    let mut text = String::new();
    for url in urls {
        text.push_str(url);
        text.push('\n');
    }
    std::fs::write(path, text).unwrap();
    path.to_owned()
}

fn foura(server: &MockServer) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_foura"));
    cmd.env("FOURA_API_BASE", server.url())
        .env("FOURA_API_KEY", MockServer::TEST_KEY)
        .env_remove("FOURA_API_KEY_FILE")
        .stdin(Stdio::null());
    cmd
}

/// Runs `foura batch` and returns its wall time and its peak RSS in KiB.
fn run_cli(server: &MockServer, input: &Path, output: &Path) -> (Duration, u64) {
    let started = Instant::now();
    let mut child = foura(server)
        .arg("batch")
        .arg(input)
        .arg("-o")
        .arg(output)
        .args([
            "--concurrency",
            &CONCURRENCY.to_string(),
            "--progress",
            "never",
        ])
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let status_file = format!("/proc/{}/status", child.id());
    let mut peak = 0;
    loop {
        if let Ok(status) = std::fs::read_to_string(&status_file) {
            if let Some(kib) = status
                .lines()
                .find_map(|l| l.strip_prefix("VmHWM:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
            {
                peak = peak.max(kib);
            }
        }
        if child.try_wait().unwrap().is_some() {
            break;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    (started.elapsed(), peak)
}

/// Writes an output file of `lines` answers and reports the scan rate `--resume` prints.
fn resume_scan(server: &MockServer, dir: &Path, lines: usize) -> String {
    let output = dir.join("big.jsonl");
    let mut text = String::with_capacity(lines * 200);
    for i in 0..lines {
        let _ = writeln!(
            text,
            r#"{{"line":{},"url":"https://shop.example/item/{i}","id":"{:016x}","ok":true,"status":200,"credits":1.0,"request_id":"req_{i}","attempts":1,"elapsed_ms":3,"content":"<html>{i}</html>"}}"#,
            i + 1,
            (i as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15)
        );
    }
    std::fs::write(&output, text).unwrap();
    let empty = dir.join("none.txt");
    std::fs::write(&empty, "").unwrap();
    let out = foura(server)
        .arg("batch")
        .arg(&empty)
        .arg("-o")
        .arg(&output)
        .args(["--resume", "--progress", "never"])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    err.lines()
        .find(|l| l.contains("resume:"))
        .unwrap_or("(no resume line)")
        .to_owned()
}
