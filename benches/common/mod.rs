//! A loopback HTTP/1.1 server fast enough not to be what a benchmark measures: keep-alive,
//! one thread per connection, a canned answer, and an optional simulated server-side latency.

#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

pub struct FastServer {
    pub addr: SocketAddr,
    stop: Arc<AtomicBool>,
    pub connections: Arc<AtomicUsize>,
}

impl FastServer {
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }
}

impl Drop for FastServer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        let _ = TcpStream::connect(self.addr);
    }
}

/// Serves `body` (as JSON) to every request, after `latency`.
pub fn start(body: Vec<u8>, latency: Duration) -> FastServer {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let stop = Arc::new(AtomicBool::new(false));
    let connections = Arc::new(AtomicUsize::new(0));
    let mut response = format!(
        "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nX-Foura-Request-Id: bench\r\nContent-Length: {}\r\n\r\n",
        body.len()
    )
    .into_bytes();
    response.extend_from_slice(&body);
    let response: Arc<[u8]> = response.into();
    let (s, c) = (Arc::clone(&stop), Arc::clone(&connections));
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            if s.load(Ordering::SeqCst) {
                return;
            }
            let Ok(stream) = stream else { continue };
            c.fetch_add(1, Ordering::SeqCst);
            let response = Arc::clone(&response);
            std::thread::spawn(move || serve(stream, &response, latency));
        }
    });
    FastServer {
        addr,
        stop,
        connections,
    }
}

fn serve(stream: TcpStream, response: &[u8], latency: Duration) {
    let _ = stream.set_nodelay(true);
    let mut writer = stream.try_clone().unwrap();
    let mut reader = BufReader::with_capacity(64 * 1024, stream);
    let mut line = String::new();
    loop {
        let mut length = 0usize;
        // Request line and headers.
        loop {
            line.clear();
            match reader.read_line(&mut line) {
                Ok(0) | Err(_) => return,
                Ok(_) => {}
            }
            if line == "\r\n" {
                break;
            }
            if let Some(v) = line
                .get(..15)
                .filter(|h| h.eq_ignore_ascii_case("content-length:"))
                .and_then(|_| line[15..].trim().parse().ok())
            {
                length = v;
            }
        }
        let mut body = vec![0; length];
        if reader.read_exact(&mut body).is_err() {
            return;
        }
        if !latency.is_zero() {
            std::thread::sleep(latency);
        }
        if writer.write_all(response).is_err() {
            return;
        }
    }
}

/// The median of `samples`.
pub fn median(samples: &mut [f64]) -> f64 {
    samples.sort_by(|a, b| a.partial_cmp(b).unwrap());
    samples[samples.len() / 2]
}

/// Runs `f` `n` times and returns the mean time per run in microseconds.
pub fn time_per_call(n: usize, mut f: impl FnMut()) -> f64 {
    let start = Instant::now();
    for _ in 0..n {
        f();
    }
    start.elapsed().as_secs_f64() * 1e6 / n as f64
}

/// A short description of the machine, for the report.
pub fn machine() -> String {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split(':').nth(1))
                .map(|m| m.trim().to_owned())
        })
        .unwrap_or_else(|| "unknown CPU".into());
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    format!("{cpu}, {cores} cores")
}
