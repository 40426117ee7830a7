//! The engine API over loopback: wire bodies, auth, the failure model, and tolerant decoding.

use std::time::Duration;

use foura::mock::{Fault, MockServer};
use foura::{
    AutoRequest, BrowserRequest, Client, Content, Cookie, ErrorKind, ExitClass, ProxyRequest, Rung,
    SingleRequest, Validate,
};
use serde_json::{Value, json};

use crate::support::{
    builder_at, engines_builder, full_browser, sent, server_with, with_connection_settings,
};

fn client(server: &MockServer) -> Client {
    engines_builder(server)
        .timeout(Duration::from_secs(10))
        .max_retries(0) // one answer, one mapping: retries are the faults tests' subject
        .build()
        .unwrap()
}

/// The last request went to `path` with the JSON body `body`.
#[track_caller]
fn assert_sent(server: &MockServer, path: &str, body: Value) {
    assert_eq!(server.last_request().unwrap().path, path);
    assert_eq!(sent(server), body);
}

/// A fresh emulator and a client for it.
fn start() -> (MockServer, Client) {
    let server = MockServer::start();
    let c = client(&server);
    (server, c)
}

const PAGE: &str = r#"{"status":200,"headers":[{"result":{"version":"HTTP/2","code":200,"reason":""},"content-type":"text/html"}],"data":"<html>ok</html>","total_time":0.034}"#;

mod failures;
mod requests;
mod responses;
