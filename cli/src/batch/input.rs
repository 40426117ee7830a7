//! The batch's input: lines read lazily and turned into jobs; lines that are not requests
//! are answered on the spot; shards and resume skips are applied here.

use std::cell::RefCell;
use std::fs::File;
use std::io::{self, BufRead, BufReader};
use std::num::NonZeroU32;
use std::path::Path;
use std::rc::Rc;
use std::time::Duration;

use serde_json::{Map, Value};

use super::State;
use super::lines::{self, MAX_LINE};
use super::resume::InputKey;
use crate::args::{Api, EngineName};
use crate::exit::{self, Failure};
use crate::request::Job;

/// Opens the input: a file, or stdin for `-`.
pub fn open(name: &str) -> Result<Box<dyn BufRead>, Failure> {
    if name == "-" {
        return Ok(Box::new(BufReader::new(io::stdin())));
    }
    let path = Path::new(name);
    if path.is_dir() {
        return Err(Failure::new(
            exit::FAILED,
            format!("cannot read {name}: it is a directory; give a file of URLs or JSON lines"),
        ));
    }
    let file = File::open(path).map_err(|e| Failure::io("read", path, &e))?;
    Ok(Box::new(BufReader::with_capacity(256 * 1024, file)))
}

/// How many lines of a regular file may be inputs (not blank, not a `#` comment), read once
/// before the batch so progress can show a total; `None` for stdin or anything not a file.
pub fn count(name: &str) -> Option<usize> {
    if name == "-" || !std::fs::metadata(name).ok()?.is_file() {
        return None;
    }
    lines::count_inputs(File::open(name).ok()?).ok()
}

/// Whether the file name says the lines are JSON (`.jsonl`, `.ndjson`); otherwise the first
/// input line decides (`{` starts JSON).
pub fn is_jsonl_name(name: &str) -> Option<bool> {
    let lower = name.to_ascii_lowercase();
    (lower.ends_with(".jsonl") || lower.ends_with(".ndjson")).then_some(true)
}

/// The input file as jobs, in order.
pub struct Inputs {
    reader: Box<dyn BufRead>,
    /// The line being read, kept across lines.
    buf: Vec<u8>,
    line: u64,
    /// Jobs handed to the batch so far: the next one's batch index.
    yielded: usize,
    jsonl: Option<bool>,
    api: Api,
    engine: EngineName,
    timeout: Option<Duration>,
    shard: Option<(u32, NonZeroU32)>,
    state: Rc<RefCell<State>>,
}

/// An input line that did not become a request.
struct Invalid {
    kind: &'static str,
    message: String,
    raw: Vec<u8>,
}

impl Inputs {
    pub fn new(
        reader: Box<dyn BufRead>,
        jsonl: Option<bool>,
        api: Api,
        engine: EngineName,
        timeout: Option<Duration>,
        shard: Option<(u32, NonZeroU32)>,
        state: Rc<RefCell<State>>,
    ) -> Inputs {
        Inputs {
            reader,
            buf: Vec::new(),
            line: 0,
            yielded: 0,
            jsonl,
            api,
            engine,
            timeout,
            shard,
            state,
        }
    }

    /// A line as a job, read by the library's `from_json` (so it is checked as sending would
    /// check it): a URL line as the smallest wire body for the engine, a JSON line as it is.
    fn build(&self, text: &str, jsonl: bool) -> Result<Job, String> {
        let body = if jsonl {
            match serde_json::from_str::<Value>(text) {
                Ok(Value::Object(map)) => map,
                Ok(_) => return Err("a JSON line must be an object".to_owned()),
                Err(e) => return Err(format!("not JSON: {e}")),
            }
        } else {
            let url = Value::String(text.to_owned());
            let mut body = Map::new();
            if self.api == Api::Engines && self.engine == EngineName::Proxy {
                body.insert("request".into(), serde_json::json!({ "url": url }));
            } else {
                body.insert("url".into(), url);
            }
            body
        };
        Job::from_wire(self.api, self.engine, body, self.timeout)
    }

    fn in_shard(&self, key: InputKey) -> bool {
        let Some((k, n)) = self.shard else {
            return true;
        };
        match key {
            InputKey::Request(id) => id.in_shard(k, n),
            // The same split as the library's `RequestId::shard_of`, over the line's hash.
            InputKey::Line(hash) => {
                ((u128::from(hash) * u128::from(n.get())) >> 64) as u32 == k - 1
            }
        }
    }
}

impl Iterator for Inputs {
    type Item = Job;

    fn next(&mut self) -> Option<Job> {
        loop {
            let read = match lines::read_line(&mut self.reader, &mut self.buf) {
                Ok(read) if read.len == 0 => return None,
                Ok(read) => read,
                Err(e) => {
                    self.state.borrow_mut().read_error = Some(format!(
                        "cannot read line {} of the input: {}",
                        self.line + 1,
                        exit::io_reason(&e)
                    ));
                    return None;
                }
            };
            self.line += 1;
            let buf = &mut self.buf;
            while matches!(buf.last(), Some(b'\n' | b'\r')) {
                buf.pop();
            }
            let buf = &self.buf;
            let built = match std::str::from_utf8(buf) {
                _ if read.cut => {
                    if buf.trim_ascii_start().starts_with(b"#") {
                        continue;
                    }
                    Err(Invalid {
                        kind: "InvalidRequest",
                        message: format!("the line is longer than {} MiB", MAX_LINE >> 20),
                        raw: buf.clone(),
                    })
                }
                Err(_) => Err(Invalid {
                    kind: "InvalidRequest",
                    message: "the line is not UTF-8 text".to_owned(),
                    raw: buf.clone(),
                }),
                Ok(text) => {
                    let text = text.trim();
                    if text.is_empty() || text.starts_with('#') {
                        continue;
                    }
                    let jsonl = *self.jsonl.get_or_insert(text.starts_with('{'));
                    self.build(text, jsonl).map_err(|message| Invalid {
                        kind: "InvalidRequest",
                        message,
                        raw: text.as_bytes().to_vec(),
                    })
                }
            };
            let key = match &built {
                Ok(job) => InputKey::Request(job.id),
                Err(invalid) => InputKey::Line(line_hash(&invalid.raw)),
            };
            let mut state = self.state.borrow_mut();
            state.last_line = self.line;
            if !self.in_shard(key) {
                state.other_shards += 1;
                continue;
            }
            if let Some(failed) = state.answered.take(key) {
                state.skipped_resume += 1;
                state.skipped_failed += usize::from(failed);
                continue;
            }
            match built {
                Ok(job) => {
                    state
                        .pending
                        .insert(self.yielded, (self.line, job.url.clone()));
                    self.yielded += 1;
                    return Some(job);
                }
                Err(invalid) => {
                    let url = url_of(&invalid.raw);
                    let message = format!("line {}: {}", self.line, invalid.message);
                    state.invalid(self.line, &url, key, invalid.kind, &message);
                }
            }
        }
    }
}

/// The hash a line that is not a request is known by in the output (`input_id`), for resume
/// and shards: FNV-1a 64 over `invalid`, a NUL and the line's bytes. It is not a request id —
/// the line never became a request — and lives in its own field.
pub fn line_hash(raw: &[u8]) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in b"invalid\0".iter().chain(raw) {
        hash ^= u64::from(*byte);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    hash
}

/// The URL an invalid line names, when it names one.
fn url_of(raw: &[u8]) -> String {
    let text = String::from_utf8_lossy(raw);
    match serde_json::from_str::<Value>(&text) {
        Ok(Value::Object(map)) => url_in(&map),
        _ if text.starts_with('{') => String::new(),
        _ => text.chars().take(2048).collect(),
    }
}

fn url_in(map: &Map<String, Value>) -> String {
    map.get("url")
        .or_else(|| map.get("request").and_then(|r| r.get("url")))
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_owned()
}
