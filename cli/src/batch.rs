//! `foura batch`: inputs read lazily, sent with `Client::batch`, answered as JSON lines as
//! they complete; resume, shards, progress, the summary and Ctrl-C.

use std::cell::RefCell;
use std::collections::{BTreeMap, HashMap};
use std::fs::{File, OpenOptions};
use std::io::{self, BufRead, BufReader, IsTerminal, Seek, Write};
use std::path::{Path, PathBuf};
use std::rc::Rc;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use foura::{CancelToken, Error, Progress, StopReason, Summary};
use serde_json::{Map, Value, json};

use crate::args::{Api, BatchArgs, EngineName, Global, ProgressMode};
use crate::commands::{self, AttemptCounts};
use crate::compat;
use crate::exit::{self, Failure};
use crate::request::{self, Job, Reply, id_text};

/// Pages larger than this go to `--content-dir` instead of inline.
const INLINE_LIMIT: usize = 64 * 1024;

pub fn run(global: &Global, args: BatchArgs) -> Result<u8, Failure> {
    if args.dry_run {
        return Err(Failure::usage(compat::dry_run_unavailable()));
    }
    if let Some(b) = args.budget {
        if !(b.is_finite() && b > 0.0) {
            return Err(Failure::usage(format!(
                "--budget {b}: give a positive number of credits"
            )));
        }
    }
    let timeout = commands::timeout(args.timeout)?;
    let concurrency = usize::from(args.concurrency);
    let session = commands::session(global, concurrency)?;
    let input = open_input(&args.input)?;

    let answered = match (&args.output, args.resume) {
        (Some(path), true) => scan_output(path, args.retry_failed)?,
        _ => Answered::default(),
    };
    for (line, url) in &answered.never_resent {
        eprintln!(
            "foura: not re-sending line {line} ({url}): the task may have been created; check `foura tasks`"
        );
    }
    let out: Box<dyn Write> = match &args.output {
        Some(path) => Box::new(open_output(path, args.resume)?),
        None => Box::new(io::stdout()),
    };
    if let Some(dir) = &args.content_dir {
        std::fs::create_dir_all(dir).map_err(|e| Failure::io("create", dir, &e))?;
    }

    let state = Rc::new(RefCell::new(State {
        out,
        write_error: None,
        pending: HashMap::new(),
        answered: answered.counts,
        stats: Stats::default(),
        content_dir: args.content_dir.clone(),
    }));
    let cancel = CancelToken::new();
    let interrupted = Arc::new(AtomicBool::new(false));
    let key_refused = Rc::new(std::cell::Cell::new(false));
    install_interrupt(&cancel, &interrupted);

    let inputs = Inputs {
        reader: input,
        line: 0,
        jsonl: is_jsonl_name(&args.input),
        api: session.api,
        engine: args.engine,
        timeout,
        shard: args.shard,
        yielded: 0,
        state: Rc::clone(&state),
        read_error: None,
    };
    let read_error = Rc::new(RefCell::new(None));
    let inputs = InputsDone {
        inner: inputs,
        read_error: Rc::clone(&read_error),
    };

    let started = Instant::now();
    let mut progress = ProgressLine::new(args.progress, started);
    let mut batch = session
        .client
        .batch(inputs)
        .concurrency(concurrency)
        .cancel_token(cancel.clone())
        .on_progress(|p| progress.draw(p));
    if let Some(rpm) = args.rpm {
        batch = batch.requests_per_minute(rpm);
    }
    if let Some(budget) = args.budget {
        batch = batch.credit_budget(budget);
    }
    let summary = batch.for_each(|index, result| {
        let mut state = state.borrow_mut();
        let Some((line, url, id)) = state.pending.remove(&index) else {
            return;
        };
        if let Err(e) = &result {
            if exit::is_key_refusal(e) {
                key_refused.set(true);
                cancel.cancel();
            }
        }
        let record = state.answer(line, &url, id, result);
        state.write(&record);
    });
    progress.clear();

    let state = state.borrow();
    let elapsed = started.elapsed();
    print_summary(&state.stats, &summary, &session.counts, elapsed);
    let mut stopped = summary.stopped;
    if key_refused.get() {
        eprintln!(
            "foura: the key was refused, so the batch stopped; fix the key and run again with --resume"
        );
    }
    if interrupted.load(Ordering::SeqCst) {
        stopped = Some(StopReason::Cancelled);
    }
    if stopped.is_some() {
        let next = state.stats.last_line + 1;
        let hint = match &args.output {
            Some(out) => format!(
                "; resume with: foura batch {} -o {} --resume",
                args.input,
                out.display()
            ),
            None => String::new(),
        };
        let why = match stopped {
            _ if key_refused.get() => "the key was refused",
            _ if interrupted.load(Ordering::SeqCst) => "Ctrl-C",
            Some(StopReason::CreditBudget) => "the budget",
            Some(StopReason::PlanLimit) => "a plan limit",
            _ => "a stop",
        };
        eprintln!("foura: stopped by {why}; inputs from line {next} on were not started{hint}");
    }
    if let Some(e) = state.write_error.as_ref() {
        return Err(Failure::new(
            exit::FAILED,
            format!("cannot write the output: {}", exit::io_reason(e)),
        ));
    }
    if let Some(message) = read_error.borrow_mut().take() {
        return Err(Failure::new(exit::FAILED, message));
    }
    Ok(if interrupted.load(Ordering::SeqCst) {
        exit::INTERRUPTED
    } else if key_refused.get() {
        exit::KEY
    } else if matches!(
        stopped,
        Some(StopReason::CreditBudget | StopReason::PlanLimit)
    ) {
        exit::LIMIT
    } else if state.stats.failed > 0 {
        exit::FAILED
    } else {
        exit::OK
    })
}

/// First Ctrl-C: start nothing new, finish what is in flight. Second: leave at once.
fn install_interrupt(cancel: &CancelToken, interrupted: &Arc<AtomicBool>) {
    let (cancel, interrupted) = (cancel.clone(), Arc::clone(interrupted));
    let presses = AtomicUsize::new(0);
    let _ = ctrlc::set_handler(move || {
        if presses.fetch_add(1, Ordering::SeqCst) == 0 {
            interrupted.store(true, Ordering::SeqCst);
            cancel.cancel();
            eprintln!(
                "\nfoura: stopping: finishing the requests in flight (Ctrl-C again quits now)"
            );
        } else {
            std::process::exit(i32::from(exit::INTERRUPTED));
        }
    });
}

fn open_input(name: &str) -> Result<Box<dyn BufRead>, Failure> {
    if name == "-" {
        return Ok(Box::new(BufReader::new(io::stdin())));
    }
    let file = File::open(name).map_err(|e| Failure::io("read", Path::new(name), &e))?;
    Ok(Box::new(BufReader::with_capacity(256 * 1024, file)))
}

fn is_jsonl_name(name: &str) -> Option<bool> {
    let lower = name.to_ascii_lowercase();
    (lower.ends_with(".jsonl") || lower.ends_with(".ndjson")).then_some(true)
}

fn open_output(path: &Path, append: bool) -> Result<File, Failure> {
    let mut options = OpenOptions::new();
    if append {
        options.append(true).create(true);
    } else {
        options.write(true).create(true).truncate(true);
    }
    options
        .open(path)
        .map_err(|e| Failure::io("write", path, &e))
}

/// What an existing output file answers already.
#[derive(Default)]
struct Answered {
    /// How many answers each id has (a request that appears twice is answered twice).
    counts: HashMap<u64, u32>,
    /// Task creations that failed with `maybe_created`: never sent again.
    never_resent: Vec<(u64, String)>,
    /// How many inputs the file answers.
    resumed: usize,
}

/// Reads the output file's ids, holding only the set of ids, and cuts a torn last line.
fn scan_output(path: &Path, retry_failed: bool) -> Result<Answered, Failure> {
    let mut answered = Answered::default();
    let mut file = match OpenOptions::new().read(true).write(true).open(path) {
        Ok(file) => file,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(answered),
        Err(e) => return Err(Failure::io("read", path, &e)),
    };
    let started = Instant::now();
    let mut reader = BufReader::with_capacity(1 << 20, &mut file);
    let mut buf = Vec::new();
    let (mut whole, mut lines) = (0u64, 0usize);
    let mut torn = false;
    loop {
        buf.clear();
        let n = reader
            .read_until(b'\n', &mut buf)
            .map_err(|e| Failure::io("read", path, &e))?;
        if n == 0 {
            break;
        }
        if buf.last() != Some(&b'\n') {
            torn = true;
            break;
        }
        whole += n as u64;
        lines += 1;
        let Ok(Value::Object(record)) = serde_json::from_slice::<Value>(&buf) else {
            continue;
        };
        let Some(id) = record
            .get("id")
            .and_then(Value::as_str)
            .and_then(|s| u64::from_str_radix(s, 16).ok())
        else {
            continue;
        };
        if !counts_as_answered(&record, retry_failed, &mut answered.never_resent) {
            continue;
        }
        *answered.counts.entry(id).or_default() += 1;
        answered.resumed += 1;
    }
    drop(reader);
    if torn {
        file.set_len(whole)
            .map_err(|e| Failure::io("repair", path, &e))?;
        file.seek(io::SeekFrom::End(0))
            .map_err(|e| Failure::io("repair", path, &e))?;
        eprintln!(
            "foura: the last line of {} was torn (cut off mid-write); it is removed and its input sent again",
            path.display()
        );
    }
    let secs = started.elapsed().as_secs_f64().max(1e-6);
    eprintln!(
        "foura: resume: {} answers in {lines} lines of {} ({:.0} lines/s)",
        answered.resumed,
        path.display(),
        lines as f64 / secs
    );
    Ok(answered)
}

fn counts_as_answered(
    record: &Map<String, Value>,
    retry_failed: bool,
    never: &mut Vec<(u64, String)>,
) -> bool {
    if record.get("ok").and_then(Value::as_bool) == Some(true) {
        return true;
    }
    let error = record.get("error");
    let kind = error
        .and_then(|e| e.get("kind"))
        .and_then(Value::as_str)
        .unwrap_or("");
    // A refused key says nothing about the request: a resume with the right key sends it.
    if matches!(kind, "Unauthorized" | "Forbidden" | "InvalidKey") {
        return false;
    }
    let maybe_created = error
        .and_then(|e| e.get("maybe_created"))
        .and_then(Value::as_bool)
        == Some(true);
    if !retry_failed {
        return true;
    }
    if maybe_created {
        let line = record.get("line").and_then(Value::as_u64).unwrap_or(0);
        let url = record
            .get("url")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_owned();
        never.push((line, url));
        return true;
    }
    false
}

/// What the input reader and the result handler share (both on the calling thread).
struct State {
    out: Box<dyn Write>,
    write_error: Option<io::Error>,
    /// Started inputs by batch index: line, URL, id.
    pending: HashMap<usize, (u64, String, u64)>,
    answered: HashMap<u64, u32>,
    stats: Stats,
    content_dir: Option<PathBuf>,
}

#[derive(Default)]
struct Stats {
    ok: usize,
    failed: usize,
    by_kind: BTreeMap<String, usize>,
    skipped_resume: usize,
    other_shards: usize,
    latencies_ms: Vec<u32>,
    last_line: u64,
}

impl State {
    /// Writes one record as one line with one write, so an interrupted run leaves whole lines.
    fn write(&mut self, record: &Value) {
        if self.write_error.is_some() {
            return;
        }
        let mut line = serde_json::to_vec(record).expect("a JSON value encodes");
        line.push(b'\n');
        if let Err(e) = self.out.write_all(&line).and_then(|()| self.out.flush()) {
            self.write_error = Some(e);
        }
    }

    fn answer(
        &mut self,
        line: u64,
        url: &str,
        id: u64,
        result: Result<(Reply, Duration), Error>,
    ) -> Value {
        match result {
            Ok((reply, elapsed)) => {
                self.stats.ok += 1;
                let ms = elapsed.as_millis().min(u128::from(u32::MAX)) as u32;
                self.stats.latencies_ms.push(ms);
                let meta = reply.meta();
                let mut record = json!({
                    "line": line, "url": url, "id": id_text(id), "ok": true,
                    "status": reply.status(), "credits": meta.credits,
                    "request_id": meta.request_id, "attempts": meta.attempts,
                    "elapsed_ms": ms,
                });
                let page = reply.page();
                match &self.content_dir {
                    Some(dir) if page.len() > INLINE_LIMIT => {
                        let path = dir.join(format!("{}.page", id_text(id)));
                        match std::fs::write(&path, &page) {
                            Ok(()) => record["content_file"] = json!(path.display().to_string()),
                            Err(e) => {
                                return self.failure_record(
                                    line,
                                    url,
                                    id,
                                    "Io",
                                    &format!(
                                        "cannot write {}: {}",
                                        path.display(),
                                        exit::io_reason(&e)
                                    ),
                                );
                            }
                        }
                    }
                    _ => record["content"] = json!(String::from_utf8_lossy(&page)),
                }
                record
            }
            Err(e) => {
                let name = compat::kind_name(e.kind());
                self.stats.failed += 1;
                *self.stats.by_kind.entry(name.clone()).or_default() += 1;
                json!({
                    "line": line, "url": url, "id": id_text(id), "ok": false,
                    "error": {
                        "kind": name,
                        "message": e.to_string(),
                        "status": e.status(),
                        "retry_after_s": e.retry_after().map(|w| w.as_secs_f64()),
                        "maybe_created": e.maybe_created(),
                    }
                })
            }
        }
    }

    /// An input that never reached FourA: unreadable, invalid, or its page not writable.
    fn failure_record(
        &mut self,
        line: u64,
        url: &str,
        id: u64,
        kind: &str,
        message: &str,
    ) -> Value {
        self.stats.failed += 1;
        *self.stats.by_kind.entry(kind.to_owned()).or_default() += 1;
        json!({
            "line": line, "url": url, "id": id_text(id), "ok": false,
            "error": {
                "kind": kind, "message": message, "status": null,
                "retry_after_s": null, "maybe_created": false,
            }
        })
    }
}

/// The input file as jobs, in order. Lines that are not requests are answered here.
struct Inputs {
    reader: Box<dyn BufRead>,
    line: u64,
    /// Whether lines are JSON: from the file name, else from the first request line.
    jsonl: Option<bool>,
    api: Api,
    engine: EngineName,
    timeout: Option<Duration>,
    shard: Option<(u64, u64)>,
    yielded: usize,
    state: Rc<RefCell<State>>,
    read_error: Option<String>,
}

impl Inputs {
    fn next_job(&mut self) -> Option<Job> {
        let mut buf = Vec::new();
        loop {
            buf.clear();
            match self.reader.read_until(b'\n', &mut buf) {
                Ok(0) => return None,
                Ok(_) => {}
                Err(e) => {
                    self.read_error = Some(format!(
                        "cannot read line {} of the input: {}",
                        self.line + 1,
                        exit::io_reason(&e)
                    ));
                    return None;
                }
            }
            self.line += 1;
            self.state.borrow_mut().stats.last_line = self.line;
            while matches!(buf.last(), Some(b'\n' | b'\r')) {
                buf.pop();
            }
            let built = match std::str::from_utf8(&buf) {
                Err(_) => Err((
                    "NotUtf8",
                    "the line is not UTF-8 text".to_owned(),
                    String::from_utf8_lossy(&buf).into_owned(),
                )),
                Ok(text) => {
                    let text = text.trim();
                    if text.is_empty() || text.starts_with('#') {
                        continue;
                    }
                    let jsonl = *self.jsonl.get_or_insert(text.starts_with('{'));
                    self.build(text, jsonl)
                        .map_err(|m| ("InvalidRequest", m, text.to_owned()))
                }
            };
            let id = match &built {
                Ok(job) => job.id,
                // An input that is not a request still has an id, for shards and resume.
                Err((_, _, raw)) => compat::fnv1a64(format!("invalid\0{raw}").as_bytes()),
            };
            if let Some((k, n)) = self.shard {
                if id % n != k - 1 {
                    self.state.borrow_mut().stats.other_shards += 1;
                    continue;
                }
            }
            let mut state = self.state.borrow_mut();
            if let Some(count) = state.answered.get_mut(&id).filter(|c| **c > 0) {
                *count -= 1;
                state.stats.skipped_resume += 1;
                continue;
            }
            match built {
                Ok(job) => {
                    state
                        .pending
                        .insert(self.yielded, (self.line, job.url.clone(), id));
                    self.yielded += 1;
                    return Some(job);
                }
                Err((kind, message, raw)) => {
                    let url = url_of(&raw);
                    let record = state.failure_record(
                        self.line,
                        &url,
                        id,
                        kind,
                        &format!("line {}: {message}", self.line),
                    );
                    state.write(&record);
                }
            }
        }
    }

    fn build(&self, text: &str, jsonl: bool) -> Result<Job, String> {
        let body = if jsonl {
            match serde_json::from_str::<Value>(text) {
                Ok(Value::Object(map)) => map,
                Ok(_) => return Err("a JSON line must be an object".to_owned()),
                Err(e) => return Err(format!("not JSON: {e}")),
            }
        } else {
            let mut map = Map::new();
            map.insert("url".into(), Value::String(text.to_owned()));
            map
        };
        request::from_wire(self.api, self.engine, body, self.timeout)
    }
}

/// The URL an invalid line names, when it names one.
fn url_of(raw: &str) -> String {
    match serde_json::from_str::<Value>(raw) {
        Ok(Value::Object(map)) => map
            .get("url")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_owned(),
        _ if raw.starts_with('{') => String::new(),
        _ => raw.chars().take(2048).collect(),
    }
}

/// [`Inputs`], reporting a read error once the input ends.
struct InputsDone {
    inner: Inputs,
    read_error: Rc<RefCell<Option<String>>>,
}

impl Iterator for InputsDone {
    type Item = Job;
    fn next(&mut self) -> Option<Job> {
        let job = self.inner.next_job();
        if job.is_none() {
            if let Some(e) = self.inner.read_error.take() {
                *self.read_error.borrow_mut() = Some(e);
            }
        }
        job
    }
}

/// The progress line on stderr.
struct ProgressLine {
    live: bool,
    plain: bool,
    started: Instant,
    last: Option<Instant>,
}

impl ProgressLine {
    fn new(mode: ProgressMode, started: Instant) -> ProgressLine {
        let terminal = io::stderr().is_terminal();
        ProgressLine {
            live: terminal && mode != ProgressMode::Never,
            plain: !terminal && mode == ProgressMode::Always,
            started,
            last: None,
        }
    }

    fn draw(&mut self, p: &Progress) {
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
        let done = match p.total {
            Some(total) => format!("{}/{total}", p.done),
            None => p.done.to_string(),
        };
        let eta = match p.total {
            Some(total) if rate > 0.0 => {
                format!(", ETA {:.0} s", (total - p.done.min(total)) as f64 / rate)
            }
            _ => String::new(),
        };
        let text = format!(
            "{done} done, {} failed, {rate:.1}/s, {:.1} credits, concurrency {}{eta}",
            p.failed, p.credits, p.concurrency
        );
        if self.live {
            eprint!("\r\x1b[2K{text}");
        } else {
            eprintln!("foura: {text}");
        }
    }

    fn clear(&self) {
        if self.live && self.last.is_some() {
            eprint!("\r\x1b[2K");
        }
    }
}

fn print_summary(stats: &Stats, summary: &Summary, counts: &AttemptCounts, elapsed: Duration) {
    let secs = elapsed.as_secs_f64();
    let kinds: Vec<String> = stats
        .by_kind
        .iter()
        .map(|(k, n)| format!("{k} {n}"))
        .collect();
    let kinds = if kinds.is_empty() {
        String::new()
    } else {
        format!(" ({})", kinds.join(", "))
    };
    let mut sorted = stats.latencies_ms.clone();
    sorted.sort_unstable();
    let pct = |p: f64| -> String {
        if sorted.is_empty() {
            return "-".to_owned();
        }
        let at = ((sorted.len() as f64 * p).ceil() as usize).clamp(1, sorted.len()) - 1;
        format!("{} ms", sorted[at])
    };
    let shards = if stats.other_shards > 0 {
        format!(", {} in other shards", stats.other_shards)
    } else {
        String::new()
    };
    eprintln!(
        "foura: batch: {} done, {} failed{kinds}, {} skipped by resume{shards}, {}",
        stats.ok,
        stats.failed,
        stats.skipped_resume,
        match summary.not_started_from {
            Some(_) => "the rest not started".to_owned(),
            None => "none left".to_owned(),
        }
    );
    eprintln!(
        "foura: {:.2} credits, {secs:.2} s, {:.1}/s, {} retries, {} throttle pauses, latency p50 {} p95 {}",
        summary.credits,
        (stats.ok + stats.failed) as f64 / secs.max(1e-3),
        counts.retries.load(Ordering::Relaxed),
        counts.throttle_pauses.load(Ordering::Relaxed),
        pct(0.50),
        pct(0.95),
    );
}
