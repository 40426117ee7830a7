//! What the CLI needs from `foura` that the library does not offer yet, each as one function
//! with a temporary local implementation. When the library gains the API, the function's body
//! becomes a call to it (or the function goes), and nothing else in the CLI changes.

use std::io::{self, Read, Write};

use crate::exit::io_reason;
use std::net::{TcpListener, TcpStream};
use std::path::Path;

use foura::{ApiKey, ErrorKind};
use serde_json::Value;

/// Reads a key from a file, trimming whitespace around it.
///
/// Replace with `ApiKey::from_file(path: impl AsRef<Path>) -> Result<ApiKey, Error>`.
pub fn key_from_file(path: &Path) -> Result<ApiKey, String> {
    let text = std::fs::read_to_string(path).map_err(|e| {
        format!(
            "cannot read the key file {}: {}",
            path.display(),
            io_reason(&e)
        )
    })?;
    ApiKey::new(text.trim())
        .map_err(|e| format!("the key file {} holds no usable key: {e}", path.display()))
}

/// The key from `FOURA_API_KEY_FILE` (a path) or else `FOURA_API_KEY`.
///
/// Replace with `ApiKey::from_env() -> Result<ApiKey, Error>` once it reads
/// `FOURA_API_KEY_FILE` itself.
pub fn key_from_env() -> Result<ApiKey, String> {
    match std::env::var_os("FOURA_API_KEY_FILE") {
        Some(path) if !path.is_empty() && std::env::var_os(foura::API_KEY_ENV).is_none() => {
            key_from_file(Path::new(&path))
        }
        _ => ApiKey::from_env().map_err(|e| {
            if std::env::var_os(foura::API_KEY_ENV).is_none() {
                format!("{e}, or name a file holding it with FOURA_API_KEY_FILE or --key-file")
            } else {
                e.to_string()
            }
        }),
    }
}

/// The stable id of a request: the same request gives the same id on any machine and in any
/// version. Here: FNV-1a (64-bit) over `api`, a NUL, `path`, a NUL and the body as canonical
/// JSON (object keys sorted, no whitespace), as 16 lowercase hex digits.
///
/// Replace with the library's request fingerprint, e.g. `TaskRequest::id(&self) -> RequestId`
/// and the same on every engine request (`RequestId: Display + Copy + Eq + Hash`, with
/// `fn shard(&self, n: u32) -> u32`).
pub fn request_id(api: &str, path: &str, body: &Value) -> u64 {
    let mut text = String::with_capacity(128);
    text.push_str(api);
    text.push('\0');
    text.push_str(path);
    text.push('\0');
    canonical_json(body, &mut text);
    fnv1a64(text.as_bytes())
}

/// FNV-1a, 64-bit (http://www.isthe.com/chongo/tech/comp/fnv/).
pub fn fnv1a64(bytes: &[u8]) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in bytes {
        hash ^= u64::from(*byte);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    hash
}

/// JSON with object keys sorted at every level, whatever order the map keeps.
fn canonical_json(value: &Value, out: &mut String) {
    match value {
        Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            out.push('{');
            for (n, key) in keys.into_iter().enumerate() {
                if n > 0 {
                    out.push(',');
                }
                out.push_str(&Value::String(key.clone()).to_string());
                out.push(':');
                canonical_json(&map[key.as_str()], out);
            }
            out.push('}');
        }
        Value::Array(items) => {
            out.push('[');
            for (n, item) in items.iter().enumerate() {
                if n > 0 {
                    out.push(',');
                }
                canonical_json(item, out);
            }
            out.push(']');
        }
        other => out.push_str(&other.to_string()),
    }
}

/// The `ErrorKind` variant's name (`RateLimited`), the spelling scripts match on.
///
/// Replace with `ErrorKind::name(self) -> &'static str`.
pub fn kind_name(kind: ErrorKind) -> String {
    format!("{kind:?}")
}

/// What a dry run prints. Not available until the library can show a request without
/// sending it.
///
/// Replace with `Client::preview(&self, request: &impl BatchItem) -> Result<Preview, Error>`
/// and `Preview::to_curl(&self) -> String` (the key as `$FOURA_API_KEY`, never its value).
pub fn dry_run_unavailable() -> String {
    "--dry-run is not available yet: this version of the foura library cannot show a request without sending it".to_owned()
}

/// What `foura inspect` prints. Not available until the library describes its client.
///
/// Replace with `Client::inspect(&self) -> Inspection` (base URL, API, key prefix, timeouts,
/// retries, pool, proxy; `Display` for people, fields for machines).
pub fn inspect_unavailable() -> String {
    "inspect is not available yet: this version of the foura library cannot describe its client"
        .to_owned()
}

/// Serves the emulator at `port` on loopback by relaying each connection to `upstream` (the
/// emulator's own free port), since the emulator binds only a free port.
///
/// Replace with `MockServer::try_start_on(addr: impl ToSocketAddrs) -> io::Result<MockServer>`.
pub fn relay_port(port: u16, upstream: std::net::SocketAddr) -> io::Result<u16> {
    let listener = TcpListener::bind(("127.0.0.1", port))?;
    let bound = listener.local_addr()?.port();
    std::thread::spawn(move || {
        for client in listener.incoming().flatten() {
            if let Ok(server) = TcpStream::connect(upstream) {
                pipe_both(client, server);
            }
        }
    });
    Ok(bound)
}

fn pipe_both(a: TcpStream, b: TcpStream) {
    let (Ok(a2), Ok(b2)) = (a.try_clone(), b.try_clone()) else {
        return;
    };
    std::thread::spawn(move || pipe(a, b2));
    std::thread::spawn(move || pipe(b, a2));
}

fn pipe(mut from: TcpStream, mut to: TcpStream) {
    let mut buf = [0u8; 16 * 1024];
    loop {
        match from.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => {
                if to.write_all(&buf[..n]).is_err() {
                    break;
                }
            }
        }
    }
    let _ = to.shutdown(std::net::Shutdown::Write);
}
