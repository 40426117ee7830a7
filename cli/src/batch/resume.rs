//! `--resume`: what an existing output file answers already, read holding only the ids.

use std::collections::HashMap;
use std::fs::OpenOptions;
use std::io::{self, BufRead, BufReader, Seek};
use std::path::Path;
use std::time::Instant;

use foura::{ErrorKind, RequestId};
use serde_json::Value;

use crate::exit::Failure;

/// What an input is known by in the output: the library's request id (`id`), or, for a line
/// that never became a request, the hash of the line (`input_id`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum InputKey {
    Request(RequestId),
    Line(u64),
}

/// What an existing output file answers already.
#[derive(Default)]
pub struct Answered {
    /// How many answers each input has (a request that appears twice is answered twice).
    counts: HashMap<InputKey, u32>,
    /// How many of those answers are failures kept as answers (not re-sent).
    failed: HashMap<InputKey, u32>,
    /// Task creations that failed with `maybe_created`: never sent again.
    pub never_resent: Vec<(u64, String)>,
}

impl Answered {
    /// Uses up one answer of `key`: `Some(failed)` when the output already answers this
    /// input, `failed` telling whether that answer is a failure.
    pub fn take(&mut self, key: InputKey) -> Option<bool> {
        match self.counts.get_mut(&key) {
            Some(n) if *n > 0 => {
                *n -= 1;
                let failed = match self.failed.get_mut(&key) {
                    Some(f) if *f > 0 => {
                        *f -= 1;
                        true
                    }
                    _ => false,
                };
                Some(failed)
            }
            _ => None,
        }
    }
}

/// Reads the output file's ids (holding only them) and, when `repair`, cuts a torn last line
/// (the process died mid-write). Without `repair` (a dry run) the file is only read.
pub fn scan(path: &Path, retry_failed: bool, repair: bool) -> Result<Answered, Failure> {
    let mut answered = Answered::default();
    let mut file = match OpenOptions::new().read(true).write(repair).open(path) {
        Ok(file) => file,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(answered),
        Err(e) => return Err(Failure::io("read", path, &e)),
    };
    let started = Instant::now();
    let mut reader = BufReader::with_capacity(1 << 20, &mut file);
    let mut buf = Vec::new();
    let (mut whole, mut lines, mut answers) = (0u64, 0usize, 0usize);
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
        let Some(record) = Record::read(&buf) else {
            continue;
        };
        let key = match (&record.id, &record.input_id) {
            (Some(id), _) => id.parse::<RequestId>().ok().map(InputKey::Request),
            (None, Some(hash)) => u64::from_str_radix(hash, 16).ok().map(InputKey::Line),
            (None, None) => None,
        };
        let Some(key) = key else { continue };
        if !record.counts_as_answered(retry_failed, &mut answered.never_resent) {
            continue;
        }
        *answered.counts.entry(key).or_default() += 1;
        if record.ok != Some(true) {
            *answered.failed.entry(key).or_default() += 1;
        }
        answers += 1;
    }
    drop(reader);
    if torn && !repair {
        eprintln!(
            "foura: the last line of {} is torn (cut off mid-write); a run that is not a dry run removes it and sends its input again",
            path.display()
        );
    } else if torn {
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
        "foura: resume: {answers} answers in {lines} lines of {} ({:.0} lines/s)",
        path.display(),
        lines as f64 / secs
    );
    Ok(answered)
}

/// The fields of an output line resume reads.
struct Record {
    id: Option<String>,
    input_id: Option<String>,
    line: Option<u64>,
    url: Option<String>,
    ok: Option<bool>,
    error: Option<RecordError>,
}

struct RecordError {
    kind: Option<String>,
    maybe_created: Option<bool>,
}

impl Record {
    fn read(bytes: &[u8]) -> Option<Record> {
        let v: Value = serde_json::from_slice(bytes).ok()?;
        let text = |v: &Value, name: &str| v.get(name).and_then(Value::as_str).map(str::to_owned);
        Some(Record {
            id: text(&v, "id"),
            input_id: text(&v, "input_id"),
            line: v.get("line").and_then(Value::as_u64),
            url: text(&v, "url"),
            ok: v.get("ok").and_then(Value::as_bool),
            error: v
                .get("error")
                .filter(|e| e.is_object())
                .map(|e| RecordError {
                    kind: text(e, "kind"),
                    maybe_created: e.get("maybe_created").and_then(Value::as_bool),
                }),
        })
    }
}

impl Record {
    fn counts_as_answered(&self, retry_failed: bool, never: &mut Vec<(u64, String)>) -> bool {
        if self.ok == Some(true) {
            return true;
        }
        let kind = self.error.as_ref().and_then(|e| e.kind.as_deref());
        // A refused key says nothing about the request: a resume with the right key sends it.
        let refused = [
            ErrorKind::Unauthorized,
            ErrorKind::Forbidden,
            ErrorKind::InvalidKey,
        ];
        if refused.iter().any(|k| Some(k.as_str()) == kind) {
            return false;
        }
        if !retry_failed {
            return true;
        }
        if self.error.as_ref().and_then(|e| e.maybe_created) == Some(true) {
            never.push((self.line.unwrap_or(0), self.url.clone().unwrap_or_default()));
            return true;
        }
        false
    }
}
