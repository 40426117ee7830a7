//! `GET /inspect` (<https://foura.ai/docs/api/inspect>): public, at the host root, and a proxy
//! seen only when the request's headers give one away.

use super::*;

fn inspect(server: &MockServer, headers: &[(&str, &str)]) -> Value {
    let reply = send(server, "GET", "/inspect", headers, b"");
    assert_eq!(reply.status, 200);
    assert_eq!(reply.header("content-type"), Some("application/json"));
    reply.json()
}

#[test]
fn a_direct_call_reports_the_peer_and_no_proxy() {
    let server = MockServer::start();
    let json = inspect(&server, &[]);
    assert_eq!(json["clientIp"], "127.0.0.1");
    let detection = &json["proxyDetection"];
    assert_eq!(detection["isProxy"], false);
    assert_eq!(detection["proxyType"], "none");
    assert_eq!(detection["anonymityLevel"], "none");
    assert!(detection["explanation"].is_string());
    // FourA's example leaves empty lists out.
    assert!(detection.get("detectedHeaders").is_none(), "{json}");
    assert_eq!(json["proxyChain"]["originalClientIp"], "127.0.0.1");
    assert_eq!(json["proxyChain"]["proxyCount"], 0);
    assert!(json["proxyChain"].get("via").is_none(), "{json}");
    assert!(json["timestamp"].as_str().unwrap().ends_with('Z'), "{json}");
}

#[test]
fn a_forwarding_header_makes_a_transparent_proxy() {
    let server = MockServer::start();
    let json = inspect(
        &server,
        &[("X-Forwarded-For", "203.0.113.7"), ("Via", "1.1 squid")],
    );
    assert_eq!(json["clientIp"], "203.0.113.7");
    let detection = &json["proxyDetection"];
    assert_eq!(detection["isProxy"], true);
    assert_eq!(detection["proxyType"], "transparent");
    assert_eq!(
        detection["detectedHeaders"],
        json!(["via", "x-forwarded-for"])
    );
    let chain = &json["proxyChain"];
    assert_eq!(chain["originalClientIp"], "203.0.113.7");
    assert_eq!(chain["proxyChain"], json!(["203.0.113.7", "127.0.0.1"]));
    assert_eq!(chain["proxyCount"], 1);
    assert_eq!(chain["via"], json!(["1.1 squid"]));
    assert_eq!(chain["hasPrivateIps"], true);
}

#[test]
fn a_via_header_alone_makes_an_anonymous_proxy() {
    let server = MockServer::start();
    let json = inspect(&server, &[("Via", "1.1 gateway")]);
    assert_eq!(json["clientIp"], "127.0.0.1");
    assert_eq!(json["proxyDetection"]["proxyType"], "anonymous");
    assert_eq!(json["proxyDetection"]["detectedHeaders"], json!(["via"]));
    assert_eq!(json["proxyChain"]["proxyCount"], 1);
}

#[test]
fn inspect_lives_at_the_host_root_and_takes_only_get() {
    let server = MockServer::start();
    assert_eq!(send(&server, "GET", "/api/inspect", &[], b"").status, 404);
    let reply = send(&server, "POST", "/inspect", &[], b"");
    assert_eq!(reply.status, 405);
    assert_eq!(reply.header("allow"), Some("GET"));
}
