//! Answers that are not what they claim: a success without the fields of one, a wait too
//! long to represent, headers past any limit, and a body in an encoding nobody asked for.

use std::time::Duration;

use foura::mock::{Fault, MockServer};
use foura::{AutoRequest, BrowserRequest, Client, Error, ErrorKind, ProxyRequest, SingleRequest};
use serde_json::json;

use crate::support::{engines_builder, server_with, single_example, submit_example, tasks_builder};

/// Each engine called once with a plain request.
fn call_each_engine(client: &Client) -> Vec<(&'static str, Error)> {
    let url = "https://example.com/";
    vec![
        (
            "single",
            client.single(&SingleRequest::get(url)).unwrap_err(),
        ),
        (
            "proxy",
            client
                .proxy(&ProxyRequest::new(SingleRequest::get(url)))
                .unwrap_err(),
        ),
        (
            "browser",
            client.browser(&BrowserRequest::new(url)).unwrap_err(),
        ),
        ("auto", client.auto(&AutoRequest::new(url)).unwrap_err()),
    ]
}

#[test]
fn a_success_without_an_engine_answers_fields_is_a_decode_error() {
    let server = MockServer::start();
    let client = engines_builder(&server).max_retries(0).build().unwrap();
    for body in [json!({}), json!({"hello": "world"}), json!({"data": "ok"})] {
        server.push_faults(4, Fault::json(200, &body));
        for (engine, err) in call_each_engine(&client) {
            assert_eq!(err.kind(), ErrorKind::Decode, "{engine} {body}: {err}");
            assert_eq!(err.status(), Some(200));
            let text = err.to_string();
            assert!(
                text.contains("status"),
                "{engine}: names what is missing: {text}"
            );
            assert!(
                text.contains(&body.to_string()[..body.to_string().len().min(20)]),
                "{engine}: quotes the answer: {text}"
            );
        }
    }
    // A nested fetch (`{"data":{"status":…}}`) and a failure without `status` stay readable.
    server.push_fault(Fault::json(
        200,
        &json!({"data": {"status": 200, "headers": [], "data": "ok"}}),
    ));
    let page = client
        .proxy(&ProxyRequest::new(SingleRequest::get(
            "https://example.com/",
        )))
        .unwrap();
    assert_eq!(page.status, 200);
    server.push_fault(Fault::json(200, &json!({"error": "Download failed"})));
    let err = single_example(&client).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::EngineFailed);
}

#[test]
fn a_status_answer_without_overall_is_a_decode_error() {
    let server = MockServer::start();
    assert!(
        !foura::service_status_at(&server.url())
            .unwrap()
            .overall
            .is_empty()
    );
    for body in [json!({}), json!({"services": []}), json!({"overall": null})] {
        server.push_fault(Fault::json(200, &body));
        let err = foura::service_status_at(&server.url()).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Decode, "{body}: {err}");
        assert!(err.to_string().contains("overall"), "{err}");
    }
}

#[test]
fn a_huge_retry_after_header_is_capped_and_returned_at_once() {
    let server = server_with(
        Fault::json(429, &json!({"error": "slow down"}))
            .header("Retry-After", "99999999999999999999999"),
    );
    let client = tasks_builder(&server).build().unwrap();
    let err = submit_example(&client).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::RateLimited);
    let wait = err.retry_after().expect("the header's wait is kept");
    assert!(wait > Duration::from_secs(1 << 29), "{wait:?}");
    assert_eq!(err.attempts(), 1, "a wait past max_retry_wait is not slept");
    assert_eq!(server.request_count(), 1);
}

#[test]
fn too_many_response_headers_say_so() {
    for count in [1_000, 100_000] {
        let fault = (0..count).fold(Fault::json(200, &json!({"id": "task_1"})), |f, i| {
            f.header(&format!("X-N{i}"), "1")
        });
        let server = server_with(fault);
        let client = tasks_builder(&server).max_retries(0).build().unwrap();
        let err = submit_example(&client).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Decode, "{err}");
        let text = err.to_string();
        assert!(text.contains("oversized headers"), "{count}: {text}");
        assert!(!text.contains("not valid HTTP"), "{count}: {text}");
    }
}

#[test]
fn an_unrequested_content_encoding_is_named() {
    // The first bytes of a gzip stream, then junk: what a misconfigured proxy sends.
    let gzip: &[u8] = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03\xab\x56\xca\x4c\x51\xb2";
    for (status, encoding) in [(200, "gzip"), (200, "br"), (502, "gzip"), (401, "deflate")] {
        let server = server_with(Fault::status(status, gzip).header("Content-Encoding", encoding));
        let client = tasks_builder(&server).max_retries(0).build().unwrap();
        let err = submit_example(&client).unwrap_err();
        assert_eq!(err.status(), Some(status));
        let text = err.to_string();
        assert!(text.contains(encoding), "{status} {encoding}: {text}");
        assert!(!text.contains("not JSON"), "{status} {encoding}: {text}");
        assert!(!text.contains('\u{fffd}'), "no binary snippet: {text}");
        if status == 200 {
            assert_eq!(err.kind(), ErrorKind::Decode);
        }
    }
    let server = server_with(
        Fault::json(200, &json!({"id": "task_1", "status": "completed"}))
            .header("Content-Encoding", "identity"),
    );
    submit_example(&tasks_builder(&server).build().unwrap()).unwrap();
}
