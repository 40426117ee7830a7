//! `foura batch`: inputs read lazily, sent with the library's batch, answered as JSON lines
//! as they complete; resume, shards, dry runs, progress, the summary and Ctrl-C.

mod input;
mod lines;
mod progress;
mod resume;

use std::borrow::Cow;
use std::cell::RefCell;
use std::collections::HashMap;
use std::fs::{File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::rc::Rc;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use foura::{CancelToken, Client, Error, Outcome, StopReason};
use serde::Serialize;
use serde_json::{Value, json};

use crate::args::{BatchArgs, Global};
use crate::commands;
use crate::exit::{self, Failure};
use crate::request::Reply;
use input::Inputs;
use progress::{Extra, Position, ProgressLine};
use resume::{Answered, InputKey};

/// Pages larger than this go to `--content-dir` instead of inline.
const INLINE_LIMIT: usize = 64 * 1024;

pub fn run(global: &Global, args: BatchArgs) -> Result<u8, Failure> {
    if let Some(b) = args.budget {
        if !(b.is_finite() && b > 0.0) {
            return Err(Failure::usage(format!(
                "--budget {b}: give a positive number of credits"
            )));
        }
    }
    let concurrency = usize::from(args.concurrency);
    let session = commands::session(global, concurrency)?;
    let timeout = commands::timeout(args.timeout, session.api, args.engine)?;
    if let Some(output) = &args.output {
        refuse_same_file(&args.input, output)?;
    }
    let reader = input::open(&args.input)?;

    // A dry run only reads the output (to skip what it answers with --resume); it never
    // opens it for writing, so it can neither truncate nor repair it.
    let answered = match (&args.output, args.resume) {
        (Some(path), true) => resume::scan(path, args.retry_failed, !args.dry_run)?,
        _ => Answered::default(),
    };
    for (line, url) in &answered.never_resent {
        eprintln!(
            "foura: not re-sending line {line} ({url}): the task may have been created; check `foura tasks`"
        );
    }
    let out: Box<dyn Write> = match &args.output {
        Some(path) if !args.dry_run => Box::new(open_output(path, args.resume)?),
        _ => Box::new(io::stdout()),
    };
    if let (Some(dir), false) = (&args.content_dir, args.dry_run) {
        std::fs::create_dir_all(dir).map_err(|e| Failure::io("create", dir, &e))?;
    }
    let state = Rc::new(RefCell::new(State {
        out,
        dry_run: args.dry_run,
        write_error: None,
        read_error: None,
        pending: HashMap::new(),
        answered,
        invalid: 0,
        skipped_resume: 0,
        skipped_failed: 0,
        other_shards: 0,
        last_line: 0,
        content_dir: args.content_dir.clone(),
        line: Vec::new(),
        budget: args.budget,
        credits: 0.0,
        credits_reported: false,
        stop: None,
    }));
    let inputs = Inputs::new(
        reader,
        input::is_jsonl_name(&args.input),
        session.api,
        args.engine,
        timeout,
        args.shard,
        Rc::clone(&state),
    );
    if args.dry_run {
        session.dry_run_key_hint();
        return dry_run(&session.client, inputs, &state);
    }

    let cancel = CancelToken::new();
    let interrupted = Arc::new(AtomicBool::new(false));
    install_interrupt(&cancel, &interrupted);
    let total = input::count(&args.input);
    let mut progress = ProgressLine::new(args.progress, Instant::now());
    let mut batch = session
        .client
        .batch(inputs)
        .concurrency(concurrency)
        .cancel_token(cancel)
        .on_progress(|p| {
            let state = state.borrow();
            let at = state.position(p.done, total);
            progress.draw(p, at, state.credits_reported);
        });
    if let Some(rpm) = args.rpm {
        batch = batch.requests_per_minute(rpm);
    }
    if let Some(budget) = args.budget {
        batch = batch.credit_budget(budget);
    }
    let summary = batch.for_each_outcome(|outcome| state.borrow_mut().answer(outcome));
    progress.clear();

    let state = state.borrow();
    progress::print_summary(
        &summary,
        &Extra {
            invalid: state.invalid,
            skipped_resume: state.skipped_resume,
            skipped_failed: state.skipped_failed,
            other_shards: state.other_shards,
            credits_reported: state.credits_reported,
        },
    );
    let interrupted = interrupted.load(Ordering::SeqCst);
    // The library's summary leaves out why it would have stopped when every input had
    // started already; the exit code still tells it.
    let stopped = if interrupted {
        Some(StopReason::Cancelled)
    } else {
        summary.stopped.or(state.stop)
    };
    if let Some(reason) = stopped {
        let why = match reason {
            _ if interrupted => "stopped by Ctrl-C",
            StopReason::KeyRefused => "stopped because the key was refused (fix the key first)",
            StopReason::CreditBudget => "stopped because the credits used reached --budget",
            StopReason::PlanLimit => "stopped because a plan limit refused a request",
            _ => "stopped",
        };
        let handled = state.position(summary.done, None).handled;
        let left = match total {
            Some(total) => {
                let n = total.saturating_sub(handled);
                format!("{n} input{} not started", if n == 1 { "" } else { "s" })
            }
            None => "the inputs after it were not started".to_owned(),
        };
        let how = match &args.output {
            Some(out) => format!(
                "; to send the rest: foura batch {} -o {} --resume",
                args.input,
                out.display()
            ),
            None => "; run with -o FILE to be able to resume".to_owned(),
        };
        eprintln!(
            "foura: {why} after input line {} ({left}){how}",
            state.last_line
        );
    }
    if let Some(e) = state.write_error.as_ref() {
        return Err(Failure::new(
            exit::FAILED,
            format!("cannot write the output: {}", exit::io_reason(e)),
        ));
    }
    if let Some(message) = &state.read_error {
        return Err(Failure::new(exit::FAILED, message.clone()));
    }
    Ok(match stopped {
        _ if interrupted => exit::INTERRUPTED,
        Some(StopReason::KeyRefused) => exit::KEY,
        Some(StopReason::CreditBudget | StopReason::PlanLimit) => exit::LIMIT,
        _ if summary.failed + state.invalid + state.skipped_failed > 0 => exit::FAILED,
        _ => exit::OK,
    })
}

/// `--dry-run`: one `curl` command per request on stdout, nothing sent. Lines that are not
/// requests are reported on stderr.
fn dry_run(client: &Client, inputs: Inputs, state: &Rc<RefCell<State>>) -> Result<u8, Failure> {
    for (index, job) in inputs.enumerate() {
        let mut state = state.borrow_mut();
        let (line, _) = state.pending.remove(&index).unwrap_or_default();
        let mut curl = match job.preview(client) {
            Ok(preview) => preview.to_curl(),
            Err(e) => {
                state.invalid += 1;
                eprintln!("foura: line {line}: {e}");
                continue;
            }
        };
        curl.push('\n');
        if let Err(e) = state.out.write_all(curl.as_bytes()) {
            state.write_error = Some(e);
            break;
        }
    }
    let mut state = state.borrow_mut();
    if let Some(e) = state.write_error.take().or_else(|| state.out.flush().err()) {
        return Err(Failure::new(
            exit::FAILED,
            format!("cannot write the output: {}", exit::io_reason(&e)),
        ));
    }
    if let Some(message) = state.read_error.take() {
        return Err(Failure::new(exit::FAILED, message));
    }
    Ok(if state.invalid > 0 {
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

/// Refuses an output that is the input file: writing it would destroy the input.
fn refuse_same_file(input: &str, output: &Path) -> Result<(), Failure> {
    if input == "-" {
        return Ok(());
    }
    let input = Path::new(input);
    let (Ok(a), Ok(b)) = (std::fs::metadata(input), std::fs::metadata(output)) else {
        return Ok(());
    };
    let same_path = matches!(
        (std::fs::canonicalize(input), std::fs::canonicalize(output)),
        (Ok(a), Ok(b)) if a == b
    );
    #[cfg(unix)]
    let same_file = {
        use std::os::unix::fs::MetadataExt;
        a.dev() == b.dev() && a.ino() == b.ino()
    };
    #[cfg(not(unix))]
    let same_file = {
        let _ = (a, b);
        false
    };
    if same_path || same_file {
        return Err(Failure::usage(format!(
            "the output file is the input file: {}",
            output.display()
        )));
    }
    Ok(())
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

/// What the input reader and the result handler share (both on the calling thread).
pub struct State {
    out: Box<dyn Write>,
    dry_run: bool,
    write_error: Option<io::Error>,
    read_error: Option<String>,
    /// Started inputs by batch index: line and URL.
    pending: HashMap<usize, (u64, String)>,
    answered: Answered,
    invalid: usize,
    skipped_resume: usize,
    /// Inputs skipped by resume whose recorded answer is a failure.
    skipped_failed: usize,
    other_shards: usize,
    last_line: u64,
    content_dir: Option<PathBuf>,
    /// The output line being built, kept across lines.
    line: Vec<u8>,
    budget: Option<f64>,
    /// The credits the answers reported, and whether any answer reported them.
    credits: f64,
    credits_reported: bool,
    /// Why the library's batch stopped or would have (had inputs been left): the first
    /// refused key, plan limit or reached budget, in the order of the answers.
    stop: Option<StopReason>,
}

impl State {
    fn position(&self, done: usize, total: Option<usize>) -> Position {
        Position {
            handled: done + self.invalid + self.skipped_resume + self.other_shards,
            total,
        }
    }

    /// Writes one record as one line with one `write(2)` of the whole line, so an interrupted
    /// run leaves whole lines and every line written is the kernel's (a crash of this process
    /// loses none) without a flush per line. The line is built in a buffer kept across calls.
    fn write(&mut self, record: &impl Serialize) {
        if self.write_error.is_some() {
            return;
        }
        self.line.clear();
        serde_json::to_writer(&mut self.line, record).expect("a record encodes");
        self.line.push(b'\n');
        if let Err(e) = self.out.write_all(&self.line) {
            self.write_error = Some(e);
        }
    }

    /// Writes a finished input's answer.
    fn answer(&mut self, outcome: Outcome<(Reply, Duration)>) {
        let Some((line, url)) = self.pending.remove(&outcome.index) else {
            return;
        };
        self.note(&outcome.result);
        let id = outcome.id.map(|id| id.to_string());
        match outcome.result {
            Ok((reply, elapsed)) => self.success(line, &url, id.as_deref(), &reply, elapsed),
            Err(e) => self.write(&failure(line, &url, json!(id), &e)),
        }
    }

    /// Counts an answer's credits and notes the first reason it gives to stop, as the
    /// library's batch does.
    fn note(&mut self, result: &Result<(Reply, Duration), Error>) {
        let credits = match result {
            Ok((reply, _)) => reply.meta().credits,
            Err(e) => e.credits(),
        };
        self.credits_reported |= credits.is_some();
        self.credits += credits.unwrap_or(0.0);
        if let Some(reason) = result.as_ref().err().and_then(StopReason::for_error) {
            self.stop.get_or_insert(reason);
        }
        if self.budget.is_some_and(|budget| self.credits >= budget) {
            self.stop.get_or_insert(StopReason::CreditBudget);
        }
    }

    /// Writes a success: the page inline, or in `--content-dir` when it is large.
    fn success(
        &mut self,
        line: u64,
        url: &str,
        id: Option<&str>,
        reply: &Reply,
        elapsed: Duration,
    ) {
        let meta = reply.meta();
        let page = reply.page();
        let mut record = Success {
            attempts: meta.attempts,
            content: None,
            content_file: None,
            content_base64: None,
            credits: meta.credits,
            elapsed_ms: u64::try_from(elapsed.as_millis()).unwrap_or(u64::MAX),
            id,
            line,
            ok: true,
            request_id: meta.request_id.as_deref(),
            status: reply.status(),
            url,
        };
        // A large page, or one that is not text, goes to a file under --content-dir when
        // there is one; otherwise text goes inline and anything else in base64, never as a
        // lossy copy.
        let text = std::str::from_utf8(&page).ok();
        let to_file = match (&self.content_dir, id) {
            (Some(dir), Some(id)) if page.len() > INLINE_LIMIT || text.is_none() => {
                Some(dir.join(format!("{id}.page")))
            }
            _ => None,
        };
        match (to_file, text) {
            (Some(path), _) => {
                if let Err(e) = std::fs::write(&path, &page) {
                    let message =
                        format!("cannot write {}: {}", path.display(), exit::io_reason(&e));
                    let record = local_failure(line, url, "id", json!(id), "Io", &message);
                    return self.write(&record);
                }
                record.content_file = Some(path.display().to_string());
            }
            (None, Some(text)) => record.content = Some(Cow::Borrowed(text)),
            (None, None) => record.content_base64 = Some(base64(&page)),
        }
        self.write(&record);
    }

    /// Answers an input line that never became a request (unreadable or invalid): in the
    /// output, or on stderr for a dry run.
    fn invalid(&mut self, line: u64, url: &str, key: InputKey, kind: &str, message: &str) {
        self.invalid += 1;
        if self.dry_run {
            eprintln!("foura: {message}");
            return;
        }
        let hash = match key {
            InputKey::Line(hash) => format!("{hash:016x}"),
            InputKey::Request(id) => id.to_string(),
        };
        let record = local_failure(line, url, "input_id", json!(hash), kind, message);
        self.write(&record);
    }
}

/// The record of a success. Its fields are in the order of their names: the order the
/// output has always had (serde_json's sorted maps), so lines stay byte for byte the same.
#[derive(Serialize)]
struct Success<'a> {
    attempts: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    content: Option<Cow<'a, str>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    content_base64: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    content_file: Option<String>,
    credits: Option<f64>,
    elapsed_ms: u64,
    id: Option<&'a str>,
    line: u64,
    ok: bool,
    request_id: Option<&'a str>,
    status: Option<u16>,
    url: &'a str,
}

/// The record of a request FourA (or the transport) failed.
fn failure(line: u64, url: &str, id: Value, e: &Error) -> Value {
    json!({
        "line": line, "url": url, "id": id, "ok": false,
        "error": {
            "kind": e.kind().as_str(),
            "message": exit::cli_hints(&e.to_string()),
            "status": e.status(),
            "retry_after_s": e.retry_after().map(|w| w.as_secs_f64()),
            "maybe_created": e.maybe_created(),
        }
    })
}

/// The record of a failure of the command line's own (no request was sent, or the page
/// could not be stored); `id_field` is `id` or, for an input that is not a request,
/// `input_id`.
fn local_failure(
    line: u64,
    url: &str,
    id_field: &str,
    id: Value,
    kind: &str,
    message: &str,
) -> Value {
    let mut record = json!({
        "line": line, "url": url, "id": null, "ok": false,
        "error": {
            "kind": kind, "message": message, "status": null,
            "retry_after_s": null, "maybe_created": false,
        }
    });
    record[id_field] = id;
    record
}

/// `bytes` in standard base64 (RFC 4648, with padding).
fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = u32::from(b[0]) << 16 | u32::from(b[1]) << 8 | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(ALPHABET[(n >> (18 - 6 * i) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn base64_matches_rfc_4648() {
        let cases = [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg=="),
            ("fooba", "Zm9vYmE="),
            ("foobar", "Zm9vYmFy"),
        ];
        for (plain, encoded) in cases {
            assert_eq!(super::base64(plain.as_bytes()), encoded);
        }
        assert_eq!(super::base64(&[0xff, 0xfe, 0x00]), "//4A");
    }
}
