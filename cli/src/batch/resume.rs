//! `--resume`: what an existing output file answers already, read holding only the ids.

use std::collections::HashMap;
use std::fs::OpenOptions;
use std::io::{self, BufRead, BufReader, Seek};
use std::path::Path;
use std::time::Instant;

use foura::{ErrorKind, RequestId};
use serde::{Deserialize, Deserializer};

use super::lines;
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
/// (the process died mid-write). Without `repair` (a dry run) the file is only read. A file
/// whose lines are not foura's records is refused: it is not appended to, nor cut.
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
    let (mut whole, mut lines, mut answers) = (0u64, 0u64, 0usize);
    let mut torn = false;
    let read_error = |e: io::Error| Failure::io("read", path, &e);
    let foreign = |line: u64| {
        Failure::usage(format!(
            "{} does not look like foura batch output (line {line}); refusing to append to it",
            path.display()
        ))
    };
    loop {
        let read = lines::read_line(&mut reader, &mut buf).map_err(read_error)?;
        if read.len == 0 {
            break;
        }
        if !read.ended {
            // Cut off mid-write: a record's start, after records only (checked line by line).
            if !buf.starts_with(b"{\"") {
                return Err(foreign(lines + 1));
            }
            torn = true;
            break;
        }
        let record = if read.cut {
            // A record this long holds a page inline: read again, as a stream, keeping only
            // the fields resume needs.
            reader
                .seek(io::SeekFrom::Start(whole))
                .map_err(read_error)?;
            let record = Record::read_stream(&mut reader);
            reader
                .seek(io::SeekFrom::Start(whole + read.len))
                .map_err(read_error)?;
            record
        } else {
            Record::read(&buf)
        };
        let Some(record) = record else {
            return Err(foreign(lines + 1));
        };
        whole += read.len;
        lines += 1;
        let key = match (&record.id, &record.input_id) {
            (Some(Some(id)), _) => id.parse::<RequestId>().ok().map(InputKey::Request),
            (_, Some(Some(hash))) => u64::from_str_radix(hash, 16).ok().map(InputKey::Line),
            _ => None,
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

/// The fields of an output line resume reads; the others are skipped unread. `id` and
/// `input_id` are `Some` when present, even as `null`: every foura record has one of them.
#[derive(Deserialize)]
struct Record {
    #[serde(default, deserialize_with = "present")]
    id: Option<Option<String>>,
    #[serde(default, deserialize_with = "present")]
    input_id: Option<Option<String>>,
    #[serde(default)]
    line: Option<u64>,
    #[serde(default)]
    url: Option<String>,
    #[serde(default)]
    ok: Option<bool>,
    #[serde(default)]
    error: Option<RecordError>,
}

#[derive(Deserialize)]
struct RecordError {
    #[serde(default)]
    kind: Option<String>,
    #[serde(default)]
    maybe_created: Option<bool>,
}

/// A field that is present: `Some`, holding `None` for `null`.
fn present<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Option<String>>, D::Error> {
    Option::<String>::deserialize(d).map(Some)
}

impl Record {
    /// One whole line as a record: `None` unless it is a JSON object with an `id` or an
    /// `input_id` field.
    fn read(bytes: &[u8]) -> Option<Record> {
        if !bytes.starts_with(b"{\"") {
            return None;
        }
        serde_json::from_slice::<Record>(bytes)
            .ok()
            .filter(Record::is_foura)
    }

    /// A line longer than [`lines::MAX_LINE`], read from its start as a stream (its page is
    /// skipped, not kept): the object, then nothing but blanks up to the newline.
    fn read_stream(reader: &mut impl BufRead) -> Option<Record> {
        if !reader.fill_buf().ok()?.starts_with(b"{\"") {
            return None;
        }
        let mut de = serde_json::Deserializer::from_reader(&mut *reader);
        let record = Record::deserialize(&mut de).ok()?;
        let mut rest = Vec::new();
        let read = lines::read_line(reader, &mut rest).ok()?;
        (!read.cut && rest.trim_ascii().is_empty() && record.is_foura()).then_some(record)
    }

    fn is_foura(&self) -> bool {
        self.id.is_some() || self.input_id.is_some()
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
