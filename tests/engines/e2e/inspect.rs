//! `Client::inspect` and `foura::inspect_at` against the emulator's `GET /inspect`
//! (<https://foura.ai/docs/api/inspect>): decoded, and never sent the key.

use super::*;
use foura::mock::Fault;
use foura::{AnonymityLevel, ProxyType};

#[test]
fn inspect_reports_the_callers_ip_and_never_sends_the_key() {
    let (server, client) = start();
    let seen = client.inspect().unwrap();
    assert_eq!(seen.client_ip.as_deref(), Some("127.0.0.1"));
    assert_eq!(seen.is_proxy(), Some(false));
    assert_eq!(seen.proxy_detection.proxy_type, Some(ProxyType::None));
    assert_eq!(
        seen.proxy_detection.anonymity_level,
        Some(AnonymityLevel::None)
    );
    assert!(seen.proxy_detection.detected_headers.is_empty());
    assert_eq!(
        seen.proxy_chain.original_client_ip.as_deref(),
        Some("127.0.0.1")
    );
    assert_eq!(seen.proxy_chain.proxy_count, Some(0));
    assert!(seen.timestamp.is_some());
    assert!(seen.extra.is_empty(), "{:?}", seen.extra);

    assert_one_keyless_get(&server, "/inspect");
}

#[test]
fn inspect_is_asked_at_the_host_root_even_from_an_api_base() {
    let server = MockServer::start();
    let client = builder(&server)
        .base_url(format!("{}/api", server.url()))
        .build()
        .unwrap();
    client.inspect().unwrap();
    assert_one_keyless_get(&server, "/inspect");
}

#[test]
fn the_free_function_needs_no_key() {
    let server = MockServer::start();
    let seen = foura::inspect_at(&server.url()).unwrap();
    assert_eq!(seen.client_ip.as_deref(), Some("127.0.0.1"));
    assert_one_keyless_get(&server, "/inspect");
    assert_eq!(
        foura::inspect_at("ftp://example.com").unwrap_err().kind(),
        ErrorKind::InvalidConfig
    );
}

#[test]
fn an_answer_without_any_inspection_part_is_a_decode_error() {
    let server = MockServer::start();
    for body in ["{}", "[]", "null", r#"{"hello":"world"}"#] {
        server.push_fault(Fault::status(200, body));
        let err = foura::inspect_at(&server.url()).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Decode, "{body}: {err}");
        assert!(err.to_string().contains("clientIp"), "{body}: {err}");
    }
    // One documented part is enough; the rest may be missing.
    server.push_fault(Fault::status(200, r#"{"clientIp":"203.0.113.7"}"#));
    let seen = foura::inspect_at(&server.url()).unwrap();
    assert_eq!(seen.client_ip.as_deref(), Some("203.0.113.7"));
    assert_eq!(seen.is_proxy(), None);
}
