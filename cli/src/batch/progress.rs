//! The progress line and the summary, both on stderr.

use std::io::{self, IsTerminal};
use std::time::{Duration, Instant};

use foura::{Progress, Summary};

use crate::args::ProgressMode;

/// How far the input is: lines handled (answered, skipped by resume or in another shard)
/// out of the input lines counted before the start, when the input is a file.
#[derive(Debug, Clone, Copy)]
pub struct Position {
    pub handled: usize,
    pub total: Option<usize>,
}

/// The progress line on stderr.
pub struct ProgressLine {
    live: bool,
    plain: bool,
    started: Instant,
    last: Option<Instant>,
}

impl ProgressLine {
    pub fn new(mode: ProgressMode, started: Instant) -> ProgressLine {
        let terminal = io::stderr().is_terminal();
        ProgressLine {
            live: terminal && mode != ProgressMode::Never,
            plain: !terminal && mode == ProgressMode::Always,
            started,
            last: None,
        }
    }

    /// Draws the line: at most ten times a second live, once a second plain.
    pub fn draw(&mut self, p: &Progress, at: Position, credits_reported: bool) {
        let gap = if self.live {
            Duration::from_millis(100)
        } else {
            Duration::from_secs(1)
        };
        if !(self.live || self.plain) || self.last.is_some_and(|t| t.elapsed() < gap) {
            return;
        }
        self.last = Some(Instant::now());
        let secs = self.started.elapsed().as_secs_f64().max(1e-3);
        let rate = p.done as f64 / secs;
        let done = match at.total {
            Some(total) => format!("{}/{total}", at.handled),
            None => at.handled.to_string(),
        };
        let eta = match at.total {
            Some(total) if rate > 0.0 => {
                let left = total.saturating_sub(at.handled) as f64 / rate;
                format!(", ETA {}", clock(left))
            }
            _ => String::new(),
        };
        let credits = if credits_reported {
            format!("{:.1} credits", p.credits)
        } else {
            "credits not reported".to_owned()
        };
        let text = format!(
            "{done} done, {rate:.1}/s, {} failed, {credits}, concurrency {}{eta}",
            p.failed, p.concurrency
        );
        if self.live {
            eprint!("\r\x1b[2K{text}");
        } else {
            eprintln!("foura: {text}");
        }
    }

    pub fn clear(&self) {
        if self.live && self.last.is_some() {
            eprint!("\r\x1b[2K");
        }
    }
}

/// Seconds as `1h02m`, `3m05s` or `12s`.
fn clock(secs: f64) -> String {
    let s = secs.round() as u64;
    match s {
        0..60 => format!("{s}s"),
        60..3600 => format!("{}m{:02}s", s / 60, s % 60),
        _ => format!("{}h{:02}m", s / 3600, s % 3600 / 60),
    }
}

/// What only the command line knows, printed after the library's summary.
pub struct Extra {
    pub invalid: usize,
    pub skipped_resume: usize,
    /// Of those, the inputs whose recorded answer is a failure.
    pub skipped_failed: usize,
    pub other_shards: usize,
    /// Whether any answer carried `X-FourA-Credits` (the tasks API's never do).
    pub credits_reported: bool,
}

/// The summary: the library's [`Summary`] (done, failed by kind, attempts, retries, pauses,
/// latency, credits, why it stopped), then the inputs the command line handled itself and
/// the throughput.
pub fn print_summary(summary: &Summary, extra: &Extra) {
    // The stop line is the command line's own (in input lines, not batch indexes).
    for line in summary.to_string().lines() {
        if line.starts_with("stopped:") {
            continue;
        }
        if !extra.credits_reported && line.contains(" credits used (X-FourA-Credits") {
            eprintln!("foura: credits not reported (no answer carried X-FourA-Credits)");
        } else {
            eprintln!("foura: {line}");
        }
    }
    let secs = summary.elapsed.as_secs_f64().max(1e-3);
    let mut parts = vec![format!("{:.1} requests/s", summary.done as f64 / secs)];
    if extra.invalid > 0 {
        parts.push(format!("{} invalid input lines", extra.invalid));
    }
    if extra.skipped_failed > 0 {
        parts.push(format!(
            "{} skipped by resume ({} of them recorded as failed; --retry-failed sends them again)",
            extra.skipped_resume, extra.skipped_failed
        ));
    } else {
        parts.push(format!("{} skipped by resume", extra.skipped_resume));
    }
    if extra.other_shards > 0 {
        parts.push(format!("{} in other shards", extra.other_shards));
    }
    eprintln!("foura: {}", parts.join(", "));
}
