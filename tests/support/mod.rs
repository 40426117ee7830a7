//! Fixtures shared by the test binaries: clients aimed at the emulator, and readers of what the
//! emulator received. Each binary uses only part of this module.
#![allow(dead_code)]

use foura::mock::{Fault, MockServer, ReceivedRequest};
use std::time::Duration;

use foura::{
    ApiKey, BrowserRequest, Client, ClientBuilder, Cookie, Error, SingleRequest, SingleResponse,
    Task, TaskType,
};
use serde_json::Value;

/// A builder aimed at `server` with `key` and no proxy taken from the environment; every other
/// setting is the crate's default.
pub fn builder_for(server: &MockServer, key: &str) -> ClientBuilder {
    builder_at(server.url(), key)
}

/// A builder aimed at `base` with `key` and no proxy taken from the environment.
pub fn builder_at(base: impl AsRef<str>, key: &str) -> ClientBuilder {
    Client::builder()
        .api_key(ApiKey::new(key).unwrap())
        .base_url(base)
        .proxy(None)
}

/// A tasks-API builder ([`MockServer::TEST_KEY`]) for `server`.
pub fn tasks_builder(server: &MockServer) -> ClientBuilder {
    builder_for(server, MockServer::TEST_KEY)
}

/// An engine-API builder ([`MockServer::ENGINE_KEY`]) for `server`.
pub fn engines_builder(server: &MockServer) -> ClientBuilder {
    builder_for(server, MockServer::ENGINE_KEY)
}

/// A fresh emulator whose next answer is `fault`.
pub fn server_with(fault: Fault) -> MockServer {
    let server = MockServer::start();
    server.push_fault(fault);
    server
}

/// Submits the task most tests need, a single-engine fetch of `https://example.com`.
pub fn submit_example(client: &Client) -> Result<Task, Error> {
    client.submit("https://example.com", TaskType::Single)
}

/// Sends the engine request most tests need, a single-engine GET of `https://example.com/`.
pub fn single_example(client: &Client) -> Result<SingleResponse, Error> {
    client.single(&SingleRequest::get("https://example.com/"))
}

/// The last request the emulator received.
pub fn last(server: &MockServer) -> ReceivedRequest {
    server
        .last_request()
        .expect("the emulator received a request")
}

/// The JSON body of the last request the emulator received.
pub fn sent(server: &MockServer) -> Value {
    last(server).body_json().expect("the client sent JSON")
}

/// The emulator's request ids are UUIDs: 8-4-4-4-12 hex digits.
pub fn is_request_id(id: &str) -> bool {
    id.len() == 36
        && id.char_indices().all(|(i, c)| match i {
            8 | 13 | 18 | 23 => c == '-',
            _ => c.is_ascii_hexdigit(),
        })
}

/// A six-character base36 id, as the emulator hands out for proxies.
pub fn is_base36_id(id: &str) -> bool {
    id.len() == 6
        && id
            .bytes()
            .all(|b| b.is_ascii_digit() || b.is_ascii_uppercase())
}

/// `request` with every connection setting after `timeout` moved off its default (connect 5 s,
/// accept 2.5 s, server response 0, DNS cache 60 s, 5 redirects, `tryJsonData` on,
/// `returnBuffer` off): the part of a "full" single request that the wire and JSON tests share.
pub fn with_connection_settings(request: SingleRequest) -> SingleRequest {
    request
        .connect_timeout(Duration::from_secs(5))
        .accept_timeout(Duration::from_millis(2_500))
        .server_response_timeout(Duration::ZERO)
        .dns_cache_timeout(Duration::from_secs(60))
        .follow_redirects(5)
        .try_json_data(true)
        .return_buffer(false)
}

/// A browser request with every setter used: the one the wire and JSON tests share.
pub fn full_browser() -> BrowserRequest {
    BrowserRequest::new("https://example.com/cart")
        .header("Referer", "https://example.com/")
        .cookie(Cookie::new("session", "abc").domain(".example.com"))
        .user_agent("Mozilla/5.0")
        .proxy("socks5://h:1080")
        .timeout(Duration::from_secs(30))
        .check_status(200)
        .check_text("Add to cart")
        .unblocker(false)
}

/// Sets the environment variable `name` to `value`. Only for the binaries whose one test is the
/// one thread that reads or writes the environment (`env`, `key_file_env`, `build_fetch`).
pub fn set_env(name: &str, value: &str) {
    // SAFETY: the caller's binary runs one test, the only thread that touches the environment.
    unsafe { std::env::set_var(name, value) }
}

/// Removes the environment variable `name`; the same rule as [`set_env`].
pub fn unset_env(name: &str) {
    // SAFETY: as in `set_env`.
    unsafe { std::env::remove_var(name) }
}
