//! Requests read from FourA's own JSON (`from_json`), the body they send (`to_json`), and
//! their stable id (`RequestId`): the same request gives the same id on every path, forever.

mod support;

use std::collections::HashSet;
use std::num::NonZeroU32;
use std::time::Duration;

use foura::mock::MockServer;
use foura::{
    AutoRequest, BatchItem, BrowserRequest, Cookie, ErrorKind, ExitClass, ProxyRequest, RequestId,
    SingleRequest, TaskRequest, TaskType, Validate,
};
use serde_json::{Value, json};

use support::full_browser;

fn full_single() -> SingleRequest {
    support::with_connection_settings(
        SingleRequest::new("POST", "https://example.com/p?t={ts}")
            .header("Accept", "text/html")
            .header("accept", "*/*")
            .profile(" chrome_147_windows ")
            .json_body(json!({"q": [1, 2.5, null]}))
            .timeout(Duration::from_secs(20)),
    )
    .validate(
        Validate::new()
            .status_accept([200, 403])
            .header_fail("server", "cloudflare")
            .data_accept("Add to cart"),
    )
}

fn full_task() -> TaskRequest {
    TaskRequest::new("https://example.com/products", TaskType::Browser)
        .wait_for(".product-list")
        .timeout(Duration::from_millis(15_000))
        .proxy_country("de")
        .javascript(true)
        .header("Accept", "text/html")
        .header("X-Trace", "1")
}

fn full_auto() -> AutoRequest {
    AutoRequest::new("https://example.com/p/42")
        .method("POST")
        .header("Content-Type", "text/plain")
        .body("a=1")
        .validate(Validate::new().data_accept("ok").status_fail([503]))
        .return_session(false)
        .force_proxy(true)
        .timeout(Duration::from_secs(60))
        .ignore_proxies(["k3x9q"])
        .follow_redirects(3)
        .exit_class(ExitClass::Standard)
}

fn full_proxy() -> ProxyRequest {
    ProxyRequest::new(SingleRequest::get("https://example.com/").header("Accept", "text/html"))
        .max_tries(25)
        .timeout(Duration::from_secs(90))
        .ignore_proxies(["k3x9q"])
        .exit_countries(["de", "FR"])
        .exit_class(ExitClass::Premium)
}

/// The ids are part of the crate's promise: these must never change. (Each was also computed
/// outside Rust, from the algorithm documented on `RequestId`.)
#[test]
fn ids_are_pinned_known_answers() {
    let cases = [
        (
            TaskRequest::new("https://example.com", TaskType::Single).id(),
            "37e5b3d5fdaa0eca",
        ),
        (full_task().id(), "9bd3dae19ac07d08"),
        (
            SingleRequest::get("https://example.com/").id(),
            "2214c5e7b0567685",
        ),
        (full_single().id(), "076654b8f7d8bb12"),
        (
            ProxyRequest::new(SingleRequest::get("https://example.com/")).id(),
            "0fbc21feddbbf41c",
        ),
        (full_proxy().id(), "4fcbb28c4392effa"),
        (
            BrowserRequest::new("https://example.com/").id(),
            "9f9456fc9b41282e",
        ),
        (full_browser().id(), "00efc86ee7746928"),
        (
            AutoRequest::new("https://example.com/").id(),
            "6f6de3a9c16f9c81",
        ),
        (full_auto().id(), "56d46beed114c5b8"),
    ];
    for (i, (id, known)) in cases.iter().enumerate() {
        assert_eq!(id.to_string(), *known, "case {i}");
        assert_eq!(known.parse::<RequestId>().unwrap(), *id, "case {i}");
    }
}

#[test]
fn a_request_read_from_its_json_is_the_same_request_with_the_same_id() {
    // The request types share no trait, so each is read back through its own `from_json`.
    macro_rules! assert_round_trip {
        ($($ty:ident: $request:expr),*) => {$(
            let request = $request;
            let from = $ty::from_json(&request.to_json()).unwrap();
            assert_eq!((from.to_json(), from.id()), (request.to_json(), request.id()));
        )*};
    }
    assert_round_trip!(
        SingleRequest: full_single(),
        ProxyRequest: full_proxy(),
        BrowserRequest: full_browser(),
        AutoRequest: full_auto(),
        TaskRequest: full_task()
    );
}

#[test]
fn the_id_ignores_key_order_whitespace_and_settings_that_are_not_sent() {
    let a = SingleRequest::from_json_str(
        r#"{"url":"https://example.com/","method":"GET","headers":[["A","1"]],"timeout_ms":1000}"#,
    )
    .unwrap();
    let b = SingleRequest::from_json_str(
        "{ \"timeout_ms\" : 1000,\n \"headers\": [[\"A\", \"1\"]], \"url\": \"https://example.com/\" }",
    )
    .unwrap();
    assert_eq!(a.id(), b.id());
    let sent_the_same = a
        .clone()
        .call_timeout(Duration::from_secs(3))
        .max_retries(7);
    assert_eq!(sent_the_same.id(), a.id());
    // The builder's defaults are part of what is sent: unblocker is always there.
    assert_eq!(a.id(), a.clone().unblocker(true).id());
    assert_ne!(a.id(), a.clone().unblocker(false).id());
}

#[test]
fn the_id_differs_when_anything_sent_differs() {
    let url = "https://example.com/";
    let ids = [
        TaskRequest::new(url, TaskType::Single).id(),
        TaskRequest::new(url, TaskType::Proxy).id(),
        TaskRequest::new("https://example.com/x", TaskType::Single).id(),
        TaskRequest::new(url, TaskType::Single)
            .javascript(false)
            .id(),
        TaskRequest::new(url, TaskType::Single)
            .header("A", "1")
            .id(),
        TaskRequest::new(url, TaskType::Single)
            .header("A", "2")
            .id(),
        SingleRequest::get(url).id(),
        SingleRequest::new("POST", url).id(),
        SingleRequest::get(url).header("A", "1").id(),
        SingleRequest::get(url)
            .header("A", "1")
            .header("B", "2")
            .id(),
        SingleRequest::get(url)
            .header("B", "2")
            .header("A", "1")
            .id(),
        SingleRequest::get(url)
            .timeout(Duration::from_secs(15))
            .id(),
        SingleRequest::get(url).body("1").id(),
        SingleRequest::get(url).json_body(json!(1)).id(),
        SingleRequest::get(url)
            .validate(Validate::new().data_accept("x"))
            .id(),
        ProxyRequest::new(SingleRequest::get(url)).id(),
        ProxyRequest::new(SingleRequest::get(url)).max_tries(5).id(),
        BrowserRequest::new(url).id(),
        BrowserRequest::new(url).cookie(Cookie::new("a", "1")).id(),
        AutoRequest::new(url).id(),
        AutoRequest::new(url).method("GET").id(),
    ];
    let distinct: HashSet<RequestId> = ids.iter().copied().collect();
    assert_eq!(distinct.len(), ids.len());
    // The same body on another endpoint is another request.
    let body = json!({"url": url});
    assert_ne!(
        AutoRequest::from_json(&body).unwrap().id(),
        BrowserRequest::from_json(&body).unwrap().id()
    );
}

/// Reads `json` as one endpoint's request, keeping only whether it was refused.
type Parse = fn(&str) -> Result<(), foura::Error>;

const SINGLE: Parse = |json| SingleRequest::from_json_str(json).map(drop);
const PROXY: Parse = |json| ProxyRequest::from_json_str(json).map(drop);
const BROWSER: Parse = |json| BrowserRequest::from_json_str(json).map(drop);
const AUTO: Parse = |json| AutoRequest::from_json_str(json).map(drop);
const TASK: Parse = |json| TaskRequest::from_json_str(json).map(drop);

/// Reads each case's JSON with its endpoint's `from_json`, expecting `InvalidRequest` naming
/// the case's field.
fn refused(cases: &[(Parse, &str, &str)]) {
    for &(from, json, field) in cases {
        let err = from(json).expect_err(json);
        assert_eq!(err.kind(), ErrorKind::InvalidRequest, "{json}: {err}");
        assert!(
            err.to_string().contains(&format!("`{field}`")),
            "{json}: {err} does not name {field}"
        );
    }
}

#[test]
fn unknown_fields_are_refused_by_name() {
    #[rustfmt::skip]
    let cases: &[(Parse, &str, &str)] = &[
        (SINGLE, r#"{"url":"https://e.com/","timeout":5000}"#, "timeout"),
        (SINGLE, r#"{"url":"https://e.com/","validate":{"data":{"acept":["x"]}}}"#, "validate.data.acept"),
        (SINGLE, r#"{"url":"https://e.com/","validate":{"stauts":{}}}"#, "validate.stauts"),
        (PROXY, r#"{"request":{"url":"https://e.com/","maxTries":3}}"#, "request.maxTries"),
        (PROXY, r#"{"request":{"url":"https://e.com/"},"max_tries":3}"#, "max_tries"),
        (BROWSER, r#"{"url":"https://e.com/","cookies":[{"name":"a","value":"1","path":"/"}]}"#, "cookies[0].path"),
        (BROWSER, r#"{"url":"https://e.com/","waitFor":".x"}"#, "waitFor"),
        (AUTO, r#"{"url":"https://e.com/","unblocker":true}"#, "unblocker"),
        (TASK, r#"{"url":"https://e.com/","type":"browser","options":{"wait_for":".x"}}"#, "options.wait_for"),
        (TASK, r#"{"url":"https://e.com/","type":"single","waitFor":".x"}"#, "waitFor"),
    ];
    refused(cases);
}

#[test]
fn wrong_types_and_missing_fields_are_refused_by_name() {
    #[rustfmt::skip]
    let cases: &[(Parse, &str, &str)] = &[
        (SINGLE, r#"[]"#, "body"),
        (SINGLE, r#"{"method":"GET"}"#, "url"),
        (SINGLE, r#"{"url":7}"#, "url"),
        (SINGLE, r#"{"url":"https://e.com/","timeout_ms":"15000"}"#, "timeout_ms"),
        (SINGLE, r#"{"url":"https://e.com/","timeout_ms":1.5}"#, "timeout_ms"),
        (SINGLE, r#"{"url":"https://e.com/","connect_timeout_ms":-1}"#, "connect_timeout_ms"),
        (SINGLE, r#"{"url":"https://e.com/","dns_cache_timeout_sec":null}"#, "dns_cache_timeout_sec"),
        (SINGLE, r#"{"url":"https://e.com/","unblocker":"yes"}"#, "unblocker"),
        (SINGLE, r#"{"url":"https://e.com/","headers":{"A":"1"}}"#, "headers"),
        (SINGLE, r#"{"url":"https://e.com/","headers":[["A","1"],["B"]]}"#, "headers[1]"),
        (SINGLE, r#"{"url":"https://e.com/","headers":[["A",1]]}"#, "headers[0]"),
        (SINGLE, r#"{"url":"https://e.com/","followRedirects":true}"#, "followRedirects"),
        (SINGLE, r#"{"url":"https://e.com/","validate":[]}"#, "validate"),
        (SINGLE, r#"{"url":"https://e.com/","validate":{"status":{"accept":[200,"403"]}}}"#, "validate.status.accept[1]"),
        (SINGLE, r#"{"url":"https://e.com/","validate":{"headers":{"fail":{"server":1}}}}"#, "validate.headers.fail.server"),
        (SINGLE, r#"{"url":"https://e.com/","validate":{"data":{"fail":"captcha"}}}"#, "validate.data.fail"),
        (SINGLE, "{\"url\":", "body"),
        (PROXY, r#"{"maxTries":3}"#, "request"),
        (PROXY, r#"{"request":"https://e.com/"}"#, "request"),
        (PROXY, r#"{"request":{"url":"https://e.com/","tryJsonData":1}}"#, "request.tryJsonData"),
        (PROXY, r#"{"request":{"url":"https://e.com/"},"exitCountries":"DE"}"#, "exitCountries"),
        (PROXY, r#"{"request":{"url":"https://e.com/"},"exitClass":"gold"}"#, "exitClass"),
        (BROWSER, r#"{"url":"https://e.com/","headers":[["A","1"]]}"#, "headers"),
        (BROWSER, r#"{"url":"https://e.com/","cookies":[{"value":"1"}]}"#, "cookies[0].name"),
        (BROWSER, r#"{"url":"https://e.com/","cookies":["a=1"]}"#, "cookies[0]"),
        (BROWSER, r#"{"url":"https://e.com/","checkStatus":"200"}"#, "checkStatus"),
        (AUTO, r#"{"url":"https://e.com/","forceProxy":0}"#, "forceProxy"),
        (AUTO, r#"{"url":"https://e.com/","ignoreProxies":[1]}"#, "ignoreProxies[0]"),
        (TASK, r#"{"url":"https://e.com/"}"#, "type"),
        (TASK, r#"{"url":"https://e.com/","type":"single","options":[]}"#, "options"),
        (TASK, r#"{"url":"https://e.com/","type":"single","options":{"javascript":"no"}}"#, "options.javascript"),
        (TASK, r#"{"url":"https://e.com/","type":"single","options":{"headers":{"A":true}}}"#, "options.headers.A"),
    ];
    refused(cases);
}

#[test]
fn values_the_builders_refuse_are_refused_the_same_way() {
    #[rustfmt::skip]
    let cases: &[(Parse, &str, &str)] = &[
        (SINGLE, r#"{"url":"ftp://e.com/"}"#, "url"),
        (SINGLE, r#"{"url":"https://e.com/","method":"GE T"}"#, "method"),
        (SINGLE, r#"{"url":"https://e.com/","timeout_ms":0}"#, "timeout_ms"),
        (SINGLE, r#"{"url":"https://e.com/","timeout_ms":120001}"#, "timeout_ms"),
        (SINGLE, r#"{"url":"https://e.com/","followRedirects":21}"#, "followRedirects"),
        (SINGLE, r#"{"url":"https://e.com/","followRedirects":300}"#, "followRedirects"),
        (SINGLE, r#"{"url":"https://e.com/","profile":"p","unblocker":false}"#, "unblocker"),
        (SINGLE, r#"{"url":"https://e.com/","headers":[["Bad Name","1"]]}"#, "headers"),
        (SINGLE, r#"{"url":"https://e.com/","validate":{"status":{"fail":[42]}}}"#, "validate"),
        (PROXY, r#"{"request":{"url":"https://e.com/","proxy":"k3x9q"}}"#, "request.proxy"),
        (PROXY, r#"{"request":{"url":"https://e.com/","timeout_ms":0}}"#, "request.timeout_ms"),
        (PROXY, r#"{"request":{"url":"https://e.com/"},"maxTries":0}"#, "maxTries"),
        (PROXY, r#"{"request":{"url":"https://e.com/"},"maxTries":5000000000}"#, "maxTries"),
        (PROXY, r#"{"request":{"url":"https://e.com/"},"exitCountries":[]}"#, "exitCountries"),
        (PROXY, r#"{"request":{"url":"https://e.com/"},"exitCountries":["DEU"]}"#, "exitCountries"),
        (BROWSER, r#"{"url":"https://e.com/","checkStatus":99}"#, "checkStatus"),
        (BROWSER, r#"{"url":"https://e.com/","checkStatus":70000}"#, "checkStatus"),
        (BROWSER, r#"{"url":"https://e.com/","cookies":[{"name":"","value":"1"}]}"#, "cookies"),
        (AUTO, r#"{"url":"https://e.com/","timeout_ms":4999}"#, "timeout_ms"),
        (AUTO, r#"{"url":"https://e.com/","ignoreProxies":["a b"]}"#, "ignoreProxies"),
        (TASK, r#"{"url":"https://e.com/","type":"single","options":{"waitFor":".x"}}"#, "waitFor"),
        (TASK, r#"{"url":"https://e.com/","type":"","options":{}}"#, "type"),
        (TASK, r#"{"url":"https://e.com/","type":"single","options":{"proxyCountry":"DEU"}}"#, "proxyCountry"),
        (TASK, r#"{"url":"https://e.com/","type":"single","options":{"timeout":0}}"#, "timeout"),
    ];
    refused(cases);
}

/// Sends `request` as a task to a fresh emulator and returns the body it received.
fn task_bytes(request: &TaskRequest) -> String {
    let server = MockServer::start();
    let client = support::tasks_builder(&server).build().unwrap();
    client.create_task(request).unwrap();
    support::last(&server).body_text()
}

#[test]
fn tasks_read_from_their_json_send_the_same_bytes() {
    for request in [
        TaskRequest::new("https://example.com", TaskType::Single),
        TaskRequest::new("https://example.com", TaskType::Proxy).proxy_country("fr"),
        full_task(),
    ] {
        let sent = task_bytes(&request);
        let from = TaskRequest::from_json_str(&sent).unwrap();
        assert_eq!(task_bytes(&from), sent);
        assert_eq!(
            from.to_json(),
            serde_json::from_str::<Value>(&sent).unwrap()
        );
        assert_eq!(from.id(), request.id());
    }
}

#[test]
fn batch_items_carry_the_request_id() {
    let single = full_single();
    assert_eq!(single.request_id(), Some(single.id()));
    assert_eq!(
        <&SingleRequest as BatchItem>::request_id(&&single),
        Some(single.id())
    );
    assert_eq!(full_task().request_id(), Some(full_task().id()));
    assert_eq!(full_proxy().request_id(), Some(full_proxy().id()));
    assert_eq!(full_browser().request_id(), Some(full_browser().id()));
    assert_eq!(full_auto().request_id(), Some(full_auto().id()));
}

#[test]
fn shards_split_requests_between_machines_exactly_once() {
    let n = NonZeroU32::new(3).unwrap();
    let mut per_shard = [0usize; 3];
    for i in 0..300 {
        let id = SingleRequest::get(format!("https://example.com/{i}")).id();
        let owners: Vec<u32> = (1..=3).filter(|&k| id.in_shard(k, n)).collect();
        assert_eq!(owners, [id.shard_of(n) + 1]);
        per_shard[id.shard_of(n) as usize] += 1;
    }
    // Every shard gets a share (the split is by hash, so roughly even, not exactly).
    assert!(per_shard.iter().all(|&count| count > 50), "{per_shard:?}");
}
