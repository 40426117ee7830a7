//! Wiping on drop, tested rather than claimed: a global allocator inspects every block as it
//! is freed and records each one that still holds the key's secret bytes.
//!
//! The key must be found only in the copies `ApiKey`'s docs name as out of this crate's reach:
//! the `http` crate's `HeaderValue` (one per request) and ureq's per-connection buffers. The
//! server in this file reads into a stack buffer, so it leaves no heap copy of its own.
//!
//! One test per binary: the allocator watches the whole process.

use std::alloc::{GlobalAlloc, Layout, System};
use std::io::{Read, Write};
use std::net::TcpListener;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::thread::JoinHandle;
use std::time::Duration;

use foura::{ApiKey, Client, SingleRequest, TaskType};

/// The secret part searched for: long and random enough to occur nowhere else.
const SECRET: &[u8] = b"W1peTest9f8e7d6c5b4a39281706f5e4d3c2b1a0";
const KEY: &str = "fk_live_W1peTest9f8e7d6c5b4a39281706f5e4d3c2b1a0";
const PADDED_KEY: &str = "  fk_live_W1peTest9f8e7d6c5b4a39281706f5e4d3c2b1a0 \n";

static WATCHING: AtomicBool = AtomicBool::new(false);
static FOUND: AtomicUsize = AtomicUsize::new(0);
/// Sizes of the freed blocks that held the secret (the first 64).
static SIZES: [AtomicUsize; 64] = [const { AtomicUsize::new(0) }; 64];

struct Inspecting;

fn holds_secret(block: &[u8]) -> bool {
    block.len() >= SECRET.len() && block.windows(SECRET.len()).any(|w| w == SECRET)
}

// SAFETY: every call is forwarded to the system allocator (`alloc` as `alloc_zeroed`, which
// satisfies the same contract); `dealloc` only reads the block it is about to free, which is
// valid for `layout.size()` bytes.
unsafe impl GlobalAlloc for Inspecting {
    // Blocks are handed out zeroed, so a freed block holds only what its owner wrote: memory
    // the system allocator reuses from an earlier block (a ureq buffer already counted, say)
    // would otherwise show that block's bytes again in whatever part the new owner never
    // wrote — the pool's connection list, for one, when a connection is kept for reuse.
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        unsafe { System.alloc_zeroed(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        if WATCHING.load(Ordering::SeqCst) {
            let block = unsafe { std::slice::from_raw_parts(ptr, layout.size()) };
            if holds_secret(block) {
                let n = FOUND.fetch_add(1, Ordering::SeqCst);
                if n < SIZES.len() {
                    SIZES[n].store(layout.size(), Ordering::SeqCst);
                }
            }
        }
        unsafe { System.dealloc(ptr, layout) }
    }
    // `realloc` keeps the default: allocate, copy, `dealloc` the old block — so a copy left
    // behind by a growing buffer is inspected too.
}

#[global_allocator]
static ALLOCATOR: Inspecting = Inspecting;

/// Counts the freed blocks holding the secret while `f` runs, and their sizes.
fn freed_with_secret(f: impl FnOnce()) -> Vec<usize> {
    FOUND.store(0, Ordering::SeqCst);
    WATCHING.store(true, Ordering::SeqCst);
    f();
    WATCHING.store(false, Ordering::SeqCst);
    let n = FOUND.load(Ordering::SeqCst).min(SIZES.len());
    SIZES[..n]
        .iter()
        .map(|s| s.load(Ordering::SeqCst))
        .collect()
}

/// A whole HTTP/1.1 answer, built before the allocator watches and never freed, so that the
/// server's own copy of an echoed key is not counted.
fn answer(status: &str, headers: &str, body: &str) -> &'static [u8] {
    let text = format!(
        "HTTP/1.1 {status}\r\nContent-Type: application/json\r\n{headers}Content-Length: {}\r\n\r\n{body}",
        body.len()
    );
    Box::leak(text.into_bytes().into_boxed_slice())
}

/// A client with the key, no retries, aimed at a thread that serves `requests` requests on one
/// connection with `response`; and that thread.
fn client_for_raw_server(requests: usize, response: &'static [u8]) -> (Client, JoinHandle<()>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let server = std::thread::spawn(move || serve(listener, requests, response));
    let client = Client::builder()
        .api_key(ApiKey::new(KEY).unwrap())
        .base_url(url)
        .proxy(None)
        .max_retries(0)
        .build()
        .unwrap();
    (client, server)
}

/// A keep-alive HTTP/1.1 server that answers every request with `response`, reading into a
/// stack buffer so that it makes no heap copy of the request. Serves `requests` then stops.
fn serve(listener: TcpListener, requests: usize, response: &'static [u8]) {
    let (mut stream, _) = listener.accept().unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(5)))
        .unwrap();
    let mut buf = [0u8; 16 * 1024];
    for _ in 0..requests {
        let mut filled = 0;
        // Read the head, then as much body as Content-Length says.
        let head_end = loop {
            let n = stream.read(&mut buf[filled..]).unwrap();
            assert!(n > 0, "client closed early");
            filled += n;
            if let Some(p) = buf[..filled].windows(4).position(|w| w == b"\r\n\r\n") {
                break p + 4;
            }
        };
        let head = &buf[..head_end];
        let length = head
            .split(|&b| b == b'\n')
            .find_map(|line| {
                let line = line.strip_suffix(b"\r").unwrap_or(line);
                let lower = line.get(..15)?.eq_ignore_ascii_case(b"content-length:");
                lower.then(|| {
                    std::str::from_utf8(&line[15..])
                        .ok()?
                        .trim()
                        .parse::<usize>()
                        .ok()
                })?
            })
            .unwrap_or(0);
        while filled < head_end + length {
            filled += stream.read(&mut buf[filled..]).unwrap();
        }
        buf.fill(0);
        stream.write_all(response).unwrap();
    }
}

#[test]
fn the_key_is_found_only_in_the_copies_the_docs_name() {
    // 1. The key holder alone: built from a String, from a padded &str, exposed, formatted,
    //    its Bearer value built — then dropped. Every copy it owned must be zeroed.
    let freed = freed_with_secret(|| {
        let owned = ApiKey::new(String::from(KEY)).unwrap();
        let padded = ApiKey::new(PADDED_KEY).unwrap();
        assert_eq!(owned.expose_secret(), padded.expose_secret());
        let _ = format!("{owned:?} {padded:?}");
        let client = Client::new(owned);
        let _ = format!("{client:?}");
        drop(client);
        drop(padded);
    });
    assert_eq!(
        freed,
        Vec::<usize>::new(),
        "an unwiped copy of the key was freed"
    );

    // 2. Requests: three task submissions and three engine calls on one kept-alive
    //    connection each, then everything dropped.
    let task = answer("200 OK", "", r#"{"id":"task_1","status":"completed"}"#);
    let page = answer("200 OK", "", r#"{"status":200,"headers":[],"data":"ok"}"#);
    let freed = freed_with_secret(|| {
        for (response, engine) in [(task, false), (page, true)] {
            let (client, server) = client_for_raw_server(3, response);
            for _ in 0..3 {
                if engine {
                    client
                        .single(&SingleRequest::get("https://example.com/"))
                        .unwrap();
                } else {
                    client
                        .submit("https://example.com", TaskType::Single)
                        .unwrap();
                }
            }
            drop(client);
            server.join().unwrap();
        }
    });
    let header_copies = freed
        .iter()
        .filter(|&&size| size == "Bearer ".len() + KEY.len() || size == KEY.len())
        .count();
    let buffer_copies = freed.iter().filter(|&&size| size >= 64 * 1024).count();
    eprintln!("freed blocks holding the key: {freed:?}");
    assert_eq!(
        header_copies + buffer_copies,
        freed.len(),
        "a copy of the key other than a HeaderValue or a connection buffer was freed: {freed:?}"
    );
    assert_eq!(header_copies, 6, "one HeaderValue per request: {freed:?}");
    assert!(
        buffer_copies <= 2,
        "at most one output buffer per connection: {freed:?}"
    );

    // 3. A server that echoes the key in its 401: in the body (verbatim, JSON-escaped and
    //    percent-encoded, in both fields the error keeps) and in the headers the client reads.
    //    The crate's own copies (the body it reads, the redacted text, the decoded strings,
    //    the header values it keeps) are wiped; what may remain are the request's HeaderValue,
    //    ureq's connection buffers and the response's own HeaderValues (one per echoing
    //    header, as long as each value).
    let escaped: String = KEY.bytes().map(|b| format!("\\u{b:04x}")).collect();
    let percent: String = KEY.bytes().map(|b| format!("%{b:02X}")).collect();
    let body = format!(
        r#"{{"error":{{"code":"{KEY}","message":"Bearer {KEY} refused ({escaped}, {percent})"}},"echo":{{"{KEY}":"{escaped}"}}}}"#
    );
    let id = format!("req-{KEY}");
    let echo = answer(
        "401 Unauthorized",
        &format!("X-Foura-Request-Id: {id}\r\nX-FourA-Exit-Class: {KEY}\r\n"),
        &body,
    );
    let mut texts = String::new();
    let freed = freed_with_secret(|| {
        let (client, server) = client_for_raw_server(1, echo);
        let err = client
            .submit("https://example.com", TaskType::Single)
            .unwrap_err();
        texts = format!("{err} {err:?}");
        drop(err);
        drop(client);
        server.join().unwrap();
    });
    eprintln!("freed blocks holding the key after an echoing 401: {freed:?}");
    assert!(!holds_secret(texts.as_bytes()), "{texts}");
    let allowed = |size: usize| {
        size == "Bearer ".len() + KEY.len()
            || size == KEY.len()
            || size == id.len()
            || size >= 64 * 1024
    };
    let unexpected: Vec<_> = freed.iter().filter(|&&s| !allowed(s)).collect();
    assert_eq!(
        unexpected,
        Vec::<&usize>::new(),
        "a copy of an echoed key other than a HeaderValue or a connection buffer was freed: \
         {freed:?}"
    );
    assert!(freed.len() <= 5, "{freed:?}");
}
