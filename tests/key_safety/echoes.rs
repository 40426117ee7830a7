//! A server that echoes the key back in another form — escaped, encoded, cut short, in
//! another case, or in a successful answer — still cannot make the client hand it out.

use super::*;

/// `s` with every character written as a JSON `\u00XX` escape.
fn json_escaped(s: &str) -> String {
    s.bytes().map(|b| format!("\\u{b:04x}")).collect()
}

#[test]
fn a_unicode_escaped_echo_cut_at_the_message_limit_leaves_no_fragment() {
    let server = MockServer::start();
    let client = single_shot(&server);
    // The key as JSON `\u` escapes decodes only when the body is parsed: placed across the
    // 500-character cut of a message (and the 100-character cut of a code), in both of
    // FourA's error shapes.
    let echo = json_escaped(KEY);
    for pad in [440, 451, 460, 470, 480, 490, 499, 60, 80, 95] {
        let filler = "x".repeat(pad);
        let bodies = [
            (
                401,
                format!(r#"{{"error":{{"message":"{filler} {echo}"}}}}"#),
            ),
            (
                401,
                format!(r#"{{"error":{{"message":"m","code":"{filler}{echo}"}}}}"#),
            ),
            (403, format!(r#"{{"error":"{filler} {echo}"}}"#)),
            (
                429,
                format!(r#"{{"error":"x","message":"{filler}{echo}"}}"#),
            ),
            (
                503,
                format!(r#"{{"error":"{filler}{echo}","current":{{}}}}"#),
            ),
        ];
        let engine_failure = Fault::status(
            200,
            format!(r#"{{"status":0,"error":"{filler}{echo}","code":"{filler}{echo}"}}"#),
        );
        let faults = bodies.map(|(status, body)| Fault::status(status, body));
        let how = format!("decoded from escapes after {pad} characters");
        assert_errors_clean(&server, &client, &how, faults, engine_failure);
    }
}

#[test]
fn a_successful_answers_headers_are_scrubbed_like_an_errors() {
    let server = MockServer::start();
    let (client, seen) = logging_client(&server, KEY, 0);
    let echoing = |fault: Fault| {
        fault
            .header("X-Foura-Request-Id", &format!("req-{KEY}"))
            .header("X-FourA-Exit-Class", KEY)
            .header("X-FourA-Limit", &format!("plan_limit_{KEY}"))
    };
    server.push_fault(echoing(Fault::json(
        200,
        &json!({"id": "task_1", "status": "completed"}),
    )));
    let task = submit_example(&client).unwrap();
    let mut text = format!("{task:?} {:?}", task.meta());
    server.push_fault(echoing(Fault::json(
        200,
        &json!({"status": 200, "headers": [], "data": "ok"}),
    )));
    let page = single_example(&client).unwrap();
    text += &format!("{page:?} {:?}", page.meta());
    assert!(text.contains("<redacted>"), "the headers were read: {text}");
    assert_clean("a success's metadata", &text);
    assert_clean("hook data", &seen.lock().unwrap().join("\n"));
}

#[test]
fn a_successful_answers_body_is_scrubbed_before_it_is_decoded() {
    let (server, client) = start();
    let escaped = json_escaped(KEY);
    // The key echoed verbatim in known fields, `\u`-escaped in an unknown one (decoded into
    // `extra`), and inside the page itself.
    server.push_fault(Fault::status(
        200,
        format!(
            r#"{{"id":"{KEY}","status":"completed","url":"https://e.com/?k={KEY}","type":"single","echo":"{escaped}","content":"<p>{KEY}</p>"}}"#
        ),
    ));
    let task = submit_example(&client).unwrap();
    let text = format!("{task:?} {} {:?}", task.id, task.content);
    assert!(text.contains("<redacted>"), "the fields were read: {text}");
    assert_clean("a task decoded from an echoing success", &text);

    // The emulator takes either key on either API: the engine call carries the same key.
    let engine = builder_for(&server, KEY).max_retries(0).build().unwrap();
    server.push_fault(Fault::status(
        200,
        format!(
            r#"{{"status":200,"headers":[["X-Echo","{KEY}"]],"data":"{escaped}","odd":"{KEY}"}}"#
        ),
    ));
    let page = single_example(&engine).unwrap();
    let text = format!("{page:?}");
    assert!(text.contains("<redacted>"), "the fields were read: {text}");
    assert_clean("a page decoded from an echoing success", &text);
}

/// Standard base64 (`url_safe`: the URL-safe alphabet), with `=` padding when `padded`.
fn base64(bytes: &[u8], url_safe: bool, padded: bool) -> String {
    let alphabet: &[u8] = if url_safe {
        b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    } else {
        b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
    };
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |n, (i, &b)| n | u32::from(b) << (16 - 8 * i));
        for i in 0..=chunk.len() {
            out.push(alphabet[(n >> (18 - 6 * i) & 63) as usize] as char);
        }
        if padded {
            out.extend(std::iter::repeat_n('=', 3 - chunk.len()));
        }
    }
    out
}

/// Every byte as `%XX` (`lower`: lowercase hex).
fn percent_encoded(s: &str, lower: bool) -> String {
    s.bytes()
        .map(|b| {
            if lower {
                format!("%{b:02x}")
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// Fails if `text` holds any 12 characters in a row of `encoded` that depend on the key:
/// those not also found in `without_key`, the same text encoded with another key.
fn assert_no_window(what: &str, text: &str, encoded: &str, without_key: &str) {
    let chars: Vec<char> = encoded.chars().collect();
    for window in chars.windows(12) {
        let window: String = window.iter().collect();
        assert!(
            without_key.contains(&window) || !text.contains(&window),
            "{what} holds part of the encoded key ({window}): {text}"
        );
    }
}

/// One way of writing a key.
type Encoder = Box<dyn Fn(&str) -> String>;

#[test]
fn percent_and_base64_encoded_echoes_are_redacted() {
    // A key whose base64 holds `+`, `/` (`-`, `_` URL-safe) in every alignment, so that the
    // two alphabets differ.
    const ODD_KEY: &str = "fk_live_>>>???~~~W1pe0a1b2c3d4e5f6a7b8c9d>?~>?~";
    const OTHER: &str = "fk_live_0000000000000000000000000000000000000000";
    let server = MockServer::start();
    let client = builder_for(&server, ODD_KEY)
        .max_retries(0)
        .build()
        .unwrap();
    let mut encoders: Vec<Encoder> = vec![
        Box::new(|k| percent_encoded(k, false)),
        Box::new(|k| percent_encoded(k, true)),
        Box::new(|k| format!("fk_live_{}", percent_encoded(&k[8..], false))),
        Box::new(|k| {
            k.replace('>', "%3E")
                .replace('?', "%3F")
                .replace('~', "%7E")
        }),
    ];
    for bearer in [false, true] {
        for url_safe in [false, true] {
            for padded in [false, true] {
                encoders.push(Box::new(move |k| {
                    let plain = if bearer {
                        format!("Bearer {k}")
                    } else {
                        k.to_owned()
                    };
                    base64(plain.as_bytes(), url_safe, padded)
                }));
            }
        }
    }
    // Inside a larger encoded blob, at each of base64's three alignments.
    for lead in ["", "a", "ab"] {
        for url_safe in [false, true] {
            encoders.push(Box::new(move |k| {
                let blob = format!(r#"{lead}{{"authorization":"Bearer {k}"}}"#);
                base64(blob.as_bytes(), url_safe, !url_safe)
            }));
        }
    }
    for encode in &encoders {
        let (encoded, without_key) = (encode(ODD_KEY), encode(OTHER));
        let encoded = encoded.as_str();
        let faults = [
            Fault::json(
                401,
                &json!({"error": {"message": format!("echo {encoded}"), "code": encoded}}),
            ),
            Fault::json(403, &json!({"error": format!("echo {encoded}")})),
            Fault::status(502, format!("<p>echo {encoded}</p>")),
            Fault::json(500, &json!({"error": "x"})).header("X-Foura-Request-Id", encoded),
        ];
        for fault in faults {
            server.push_fault(fault);
            let err = submit_example(&client).unwrap_err();
            let text = format!("{err} {err:?} {:?} {:?}", err.message(), err.body());
            assert_no_window("an encoded echo", &text, encoded, &without_key);
        }
        server.push_fault(
            Fault::json(200, &json!({"id": "task_1", "status": "completed"}))
                .header("X-Foura-Request-Id", encoded),
        );
        let task = submit_example(&client).unwrap();
        let text = format!("{task:?}");
        assert_no_window("an encoded echo in a success", &text, encoded, &without_key);
    }
}

#[test]
fn parts_of_the_key_and_its_upper_case_are_redacted_too() {
    let (server, client) = start();
    let secret = secret_part();
    // What a server that cuts or trims what it echoes sends back: the key less its last
    // character, the secret without its prefix, the first half of the secret, the key in
    // upper case; in an error's message and in a success's fields and page.
    let echoes = [
        KEY[..KEY.len() - 1].to_owned(),
        secret.to_owned(),
        secret[..secret.len() / 2].to_owned(),
        KEY.to_ascii_uppercase(),
    ];
    for echo in &echoes {
        server.push_fault(Fault::status(
            401,
            format!(r#"{{"error":{{"message":"bad key {echo} (trimmed)","code":"{echo}"}}}}"#),
        ));
        let err = submit_example(&client).unwrap_err();
        let text = format!("{err} {err:?} {:?} {:?}", err.message(), err.code());
        assert!(text.contains("<redacted>"), "{echo}: {text}");
        assert_clean(
            &format!("an error echoing {echo}"),
            &text.to_ascii_lowercase(),
        );

        server.push_fault(
            Fault::status(
                200,
                format!(
                    r#"{{"id":"t","status":"completed","url":"https://e.com/{echo}","type":"single","content":"<p>{echo}</p>","odd":"{echo}"}}"#
                ),
            )
            .header("X-Foura-Request-Id", &format!("req-{echo}")),
        );
        let task = submit_example(&client).unwrap();
        let text = format!("{task:?} {:?}", task.meta());
        assert!(text.contains("<redacted>"), "{echo}: {text}");
        assert_clean(
            &format!("a task echoing {echo}"),
            &text.to_ascii_lowercase(),
        );
    }
}
