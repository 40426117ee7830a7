//! The engine API end to end: the client against the emulator's own behaviour — its virtual
//! web, its refusals and its account switches — with no scripted `Fault`s (the `wire` module
//! drives the response shapes those script). Each test checks what the client returned and
//! what the emulator received.

use std::time::Duration;

use foura::mock::{Engine, MockServer, ReceivedRequest, Refusal};
use foura::{
    ApiKey, AutoRequest, BrowserRequest, Client, Content, Cookie, Error, ErrorKind, ExitClass,
    Meta, ProxyRequest, ResponseHeaders, Rung, SingleRequest, Validate,
};
use serde_json::{Value, json};

use crate::support::{engines_builder, is_base36_id, is_request_id, last, sent};

const PAGE: &str = "https://example.com/page?q=1";

fn builder(server: &MockServer) -> foura::ClientBuilder {
    engines_builder(server)
        .timeout(Duration::from_secs(10))
        .max_retries(0) // one request, one answer: only the retry tests turn retries on
}

fn client(server: &MockServer) -> Client {
    builder(server).build().unwrap()
}

/// A fresh emulator that gives `refusal` once, on `engine` (any engine for `None`), and a
/// client for it.
fn refusing(engine: Option<Engine>, refusal: Refusal) -> (MockServer, Client) {
    let server = MockServer::start();
    server.refuse_next(1, engine, refusal);
    let client = client(&server);
    (server, client)
}

/// As [`refusing`], with a client that retries once.
fn refusing_once(engine: Option<Engine>, refusal: Refusal) -> (MockServer, Client) {
    let server = MockServer::start();
    server.refuse_next(1, engine, refusal);
    let client = builder(&server).max_retries(1).build().unwrap();
    (server, client)
}

/// A proxy request for a plain GET of `url`.
fn proxy_get(url: &str) -> ProxyRequest {
    ProxyRequest::new(SingleRequest::get(url))
}

/// A client for `server` that sends `key`.
fn client_with_key(server: &MockServer, key: &str) -> Client {
    builder(server)
        .api_key(ApiKey::new(key).unwrap())
        .build()
        .unwrap()
}

/// A fresh emulator and a client for it.
fn start() -> (MockServer, Client) {
    let server = MockServer::start();
    let client = client(&server);
    (server, client)
}

/// Every result carries a request id and the credits the emulator charged.
fn assert_meta(meta: &Meta, credits: f64) {
    let id = meta.request_id.as_deref().expect("X-Foura-Request-Id");
    assert!(is_request_id(id), "{id}");
    assert_eq!(meta.credits, Some(credits));
    assert_eq!(meta.limit, None);
    assert_eq!(meta.attempts, 1);
}

/// An engine call as FourA documents it: POST, JSON, `X-API-Key`, never the Bearer header.
fn assert_engine_call(r: &ReceivedRequest, path: &str) {
    assert_eq!((r.method.as_str(), r.path.as_str()), ("POST", path));
    assert_eq!(r.header("x-api-key"), Some(MockServer::ENGINE_KEY));
    assert_eq!(r.header("authorization"), None, "{r:?}");
    assert_eq!(r.header("content-type"), Some("application/json"));
}

/// The emulator received exactly one request, an engine call to `path`.
#[track_caller]
fn assert_one_engine_call(server: &MockServer, path: &str) {
    assert_eq!(server.request_count(), 1);
    assert_engine_call(&last(server), path);
}

/// The emulator received exactly one request, a GET of `path` with no credential at all.
#[track_caller]
fn assert_one_keyless_get(server: &MockServer, path: &str) {
    assert_eq!(server.request_count(), 1);
    let r = last(server);
    assert_eq!((r.method.as_str(), r.path.as_str()), ("GET", path));
    assert_eq!(r.header("x-api-key"), None);
    assert_eq!(r.header("authorization"), None);
}

/// An engine failure: FourA answered, its engine did not deliver. `target_status` is `None`
/// where FourA sends none (a failed rotation).
fn assert_engine_failed(err: &Error, target_status: Option<u16>, credits: f64) {
    assert_eq!(err.kind(), ErrorKind::EngineFailed, "{err}");
    assert_eq!(err.target_status(), target_status, "{err}");
    assert_eq!(err.credits(), Some(credits), "{err}");
}

/// The emulator's ordinary HTML page: its content type and its two cookies.
fn assert_ordinary_html(headers: &ResponseHeaders) {
    assert_eq!(
        headers.get("content-type"),
        Some("text/html; charset=utf-8")
    );
    let cookies = headers.final_hop().unwrap().get_all("set-cookie").count();
    assert_eq!(cookies, 2);
}

/// A request to any one engine, so that one table of cases can span the engines.
enum Call {
    Single(SingleRequest),
    Proxy(ProxyRequest),
    Browser(BrowserRequest),
    Auto(AutoRequest),
}

impl Call {
    /// The engine path FourA documents for this request.
    fn path(&self) -> &'static str {
        match self {
            Call::Single(_) => "/api/single/",
            Call::Proxy(_) => "/api/proxy/",
            Call::Browser(_) => "/api/browser/",
            Call::Auto(_) => "/api/auto",
        }
    }

    /// Sends the request, expecting a page: its status, its text and its meta.
    fn deliver(&self, client: &Client) -> (u16, String, Meta) {
        let view = |status, text: Option<&str>, meta: &Meta| {
            (status, text.unwrap_or_default().to_owned(), meta.clone())
        };
        let page = match self {
            Call::Single(r) => client.single(r).map(|p| view(p.status, p.text(), p.meta())),
            Call::Proxy(r) => client.proxy(r).map(|p| view(p.status, p.text(), p.meta())),
            Call::Browser(r) => client
                .browser(r)
                .map(|p| view(p.status, p.text(), p.meta())),
            Call::Auto(r) => client.auto(r).map(|p| view(p.status, p.text(), p.meta())),
        };
        page.expect("the request should deliver a page")
    }

    /// Sends the request, expecting it to fail.
    fn fail(&self, client: &Client) -> Error {
        let sent = match self {
            Call::Single(r) => client.single(r).map(drop),
            Call::Proxy(r) => client.proxy(r).map(drop),
            Call::Browser(r) => client.browser(r).map(drop),
            Call::Auto(r) => client.auto(r).map(drop),
        };
        sent.expect_err("the request should fail")
    }
}

/// The status code of the last hop's result line.
fn final_code(headers: &ResponseHeaders) -> Option<u16> {
    headers.final_hop().unwrap().result.as_ref().unwrap().code
}

mod account_answers;
mod exit_class;
mod failures;
mod inspect;
mod ordinary_pages;
mod refusals_and_auth;
mod validation;
mod virtual_web;
