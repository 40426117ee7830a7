//! Feeds arbitrary bytes to every decoder a FourA answer goes through: the four engines'
//! success decoding, the error-body parser (both APIs' rules), and the task decoder. None may
//! panic, whatever the bytes.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    // First byte picks the path, second and third the status; the rest is the body. A few
    // metadata headers are derived from the body too, so their parsers are fuzzed as well.
    let (selector, rest) = match data.split_first() {
        Some((s, rest)) => (*s, rest),
        None => return,
    };
    let (status, body) = match rest {
        [a, b, body @ ..] => (u16::from_be_bytes([*a, *b]) % 1000, body),
        _ => (200, rest),
    };
    // Long enough for any HTTP-date in `Retry-After`, far-future years included.
    let cut = body.len().min(64);
    let headers: [(&str, &[u8]); 4] = [
        ("x-foura-credits", &body[..cut]),
        ("retry-after", &body[..cut]),
        ("X-FourA-Limit", &body[..cut]),
        ("x-foura-request-id", &body[..cut]),
    ];
    match selector % 7 {
        0 => drop(foura::fuzzing::engine_answer("single", status, &headers, body)),
        1 => drop(foura::fuzzing::engine_answer("proxy", status, &headers, body)),
        2 => drop(foura::fuzzing::engine_answer("browser", status, &headers, body)),
        3 => drop(foura::fuzzing::engine_answer("auto", status, &headers, body)),
        4 => drop(foura::fuzzing::error_answer(true, status, &headers, body)),
        5 => drop(foura::fuzzing::error_answer(false, status, &headers, body)),
        _ => drop(foura::fuzzing::task_answer(body).map(|t| format!("{t:?}"))),
    }
});
