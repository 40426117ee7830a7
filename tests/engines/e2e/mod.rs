//! The engine API end to end: the client against the emulator's own behaviour — its virtual
//! web, its refusals and its account switches — with no scripted `Fault`s (tests/engines.rs
//! drives the response shapes those script). Each test checks what the client returned and
//! what the emulator received.

use std::time::Duration;

use foura::mock::{Engine, MockServer, ReceivedRequest, Refusal};
use foura::{
    ApiKey, AutoRequest, BrowserRequest, Client, Content, Cookie, ErrorKind, ExitClass, Meta,
    ProxyRequest, Rung, SingleRequest, Validate,
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

mod ordinary_pages;
mod refusals_and_auth;
mod validation;
mod virtual_web;
