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

const PAGE: &str = "https://example.com/page?q=1";

fn builder(server: &MockServer) -> foura::ClientBuilder {
    Client::builder()
        .api_key(ApiKey::new(MockServer::ENGINE_KEY).unwrap())
        .base_url(server.url())
        .proxy(None)
        .timeout(Duration::from_secs(10))
        .max_retries(0) // one request, one answer: only the retry tests turn retries on
}

fn client(server: &MockServer) -> Client {
    builder(server).build().unwrap()
}

/// The last request the emulator received.
fn last(server: &MockServer) -> ReceivedRequest {
    server
        .last_request()
        .expect("the emulator received a request")
}

/// The JSON body of the last request the emulator received.
fn sent(server: &MockServer) -> Value {
    last(server).body_json().expect("the client sent JSON")
}

/// The emulator's request ids are UUIDs: 8-4-4-4-12 hex digits.
fn is_request_id(id: &str) -> bool {
    id.len() == 36
        && id.char_indices().all(|(i, c)| match i {
            8 | 13 | 18 | 23 => c == '-',
            _ => c.is_ascii_hexdigit(),
        })
}

/// A six-character base36 proxy id, as the emulator hands out.
fn is_proxy_id(id: &str) -> bool {
    id.len() == 6
        && id
            .bytes()
            .all(|b| b.is_ascii_digit() || b.is_ascii_uppercase())
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

// ---------------------------------------------------------------------------------------------
// Each engine against an ordinary page

#[test]
fn single_delivers_an_ordinary_page_with_headers_cookies_time_and_meta() {
    let server = MockServer::start();
    let page = client(&server).single(&SingleRequest::get(PAGE)).unwrap();

    assert_eq!(page.status, 200);
    let text = page.text().unwrap();
    assert!(text.contains(PAGE), "{text}");
    assert!(text.contains("single engine"), "{text}");
    assert_eq!(page.headers.hops.len(), 1);
    let hop = page.headers.final_hop().unwrap();
    let line = hop.result.as_ref().unwrap();
    assert_eq!(line.version.as_deref(), Some("HTTP/2"));
    assert_eq!(line.code, Some(200));
    assert_eq!(
        page.headers.get("content-type"),
        Some("text/html; charset=utf-8")
    );
    assert_eq!(
        hop.get("Content-Length"),
        Some(text.len().to_string().as_str())
    );
    let cookies: Vec<&str> = hop.get_all("set-cookie").collect();
    assert_eq!(cookies.len(), 2, "{cookies:?}");
    assert!(cookies[0].starts_with("session="), "{cookies:?}");
    assert_eq!(cookies[1], "theme=light; Path=/; SameSite=Lax");
    let total_time = page.total_time.expect("total_time as a number");
    assert!(total_time > 0.0 && total_time < 60.0, "{total_time}");
    assert_eq!(page.defense, None);
    assert_eq!(page.exit_class, None);
    assert!(page.extra.is_empty(), "{:?}", page.extra);
    assert_meta(page.meta(), 2.0);
    assert_eq!(page.meta().exit_class, None);

    assert_eq!(server.request_count(), 1);
    assert_engine_call(&last(&server), "/api/single/");
    assert_eq!(
        sent(&server),
        json!({"method": "GET", "url": PAGE, "unblocker": true})
    );
}

#[test]
fn proxy_decodes_the_string_total_time_and_reports_its_exit_and_total() {
    let server = MockServer::start();
    let page = client(&server)
        .proxy(&ProxyRequest::new(SingleRequest::get(PAGE)))
        .unwrap();

    assert_eq!(page.status, 200);
    let text = page.text().unwrap();
    assert!(
        text.contains(PAGE) && text.contains("proxy engine"),
        "{text}"
    );
    assert_eq!(
        page.headers.get("content-type"),
        Some("text/html; charset=utf-8")
    );
    assert_eq!(
        page.headers
            .final_hop()
            .unwrap()
            .get_all("set-cookie")
            .count(),
        2
    );
    // The emulator sends `"total_time": "0.341"`, a numeric string (foura-api.md §6.9).
    assert_eq!(page.total_time, Some(0.341));
    let total = page.total.expect("total");
    assert!(total > 0.341, "{total}");
    let id = page.proxy.as_deref().expect("the winning exit's id");
    assert!(is_proxy_id(id) && !id.starts_with('P'), "{id}");
    assert_eq!(page.exit_country, None);
    assert_eq!(page.exit_class, None);
    assert_eq!(page.profile, None);
    assert!(page.extra.is_empty(), "{:?}", page.extra);
    assert_meta(page.meta(), 4.0);
    assert_eq!(page.meta().exit_class, None);

    assert_eq!(server.request_count(), 1);
    assert_engine_call(&last(&server), "/api/proxy/");
    assert_eq!(
        sent(&server),
        json!({"request": {"method": "GET", "url": PAGE, "unblocker": true}})
    );
}

#[test]
fn proxy_reports_the_exit_country_and_the_exit_class_asked_for() {
    let server = MockServer::start();
    let client = client(&server);
    let page = client
        .proxy(
            &ProxyRequest::new(SingleRequest::get(PAGE))
                .exit_countries([" cz", "DE", "CZ"])
                .exit_class(ExitClass::Premium),
        )
        .unwrap();
    assert_eq!(page.exit_country.as_deref(), Some("CZ"));
    assert_eq!(page.exit_class.as_deref(), Some("premium"));
    assert_eq!(page.meta().exit_class.as_deref(), Some("premium"));
    let id = page.proxy.as_deref().unwrap();
    assert!(
        is_proxy_id(id) && id.starts_with('P'),
        "a premium exit: {id}"
    );
    assert_meta(page.meta(), 4.0);
    let body = sent(&server);
    assert_eq!(body["exitCountries"], json!(["CZ", "DE"]));
    assert_eq!(body["exitClass"], "premium");

    let page = client
        .proxy(&ProxyRequest::new(SingleRequest::get(PAGE)).exit_class(ExitClass::Standard))
        .unwrap();
    assert_eq!(page.exit_class.as_deref(), Some("standard"));
    assert_eq!(page.meta().exit_class.as_deref(), Some("standard"));
    assert_eq!(page.exit_country, None);
    assert!(!page.proxy.as_deref().unwrap().starts_with('P'));
    assert_eq!(sent(&server)["exitClass"], "standard");
    assert_eq!(server.request_count(), 2);
}

#[test]
fn browser_returns_cookies_user_agent_and_flat_headers() {
    let server = MockServer::start();
    let client = client(&server);
    let page = client
        .browser(
            &BrowserRequest::new(PAGE)
                .cookie(Cookie::new("consent", "yes"))
                .user_agent("MyBot/1.0"),
        )
        .unwrap();

    assert_eq!(page.status, 200);
    let text = page.text().unwrap();
    assert!(
        text.contains(PAGE) && text.contains("browser engine"),
        "{text}"
    );
    // The browser's flat header object is one hop without a status line.
    assert_eq!(page.headers.hops.len(), 1);
    assert_eq!(page.headers.hops[0].result, None);
    assert_eq!(
        page.headers.get("content-type"),
        Some("text/html; charset=utf-8")
    );
    assert_eq!(
        page.headers
            .final_hop()
            .unwrap()
            .get_all("set-cookie")
            .count(),
        2
    );
    let names: Vec<&str> = page.cookies.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names, ["consent", "session", "theme"]);
    let consent = &page.cookies[0];
    assert_eq!(consent.value, "yes");
    assert_eq!(consent.domain.as_deref(), Some("example.com"));
    assert_eq!(consent.expires, Some(-1.0));
    assert_eq!(consent.same_site.as_deref(), Some("Lax"));
    assert_eq!(page.cookies[1].http_only, Some(true));
    assert!(
        page.cookies[1].extra.contains_key("size"),
        "{:?}",
        page.cookies[1]
    );
    assert_eq!(page.user_agent.as_deref(), Some("MyBot/1.0"));
    assert_eq!(page.exit_class, None);
    assert_meta(page.meta(), 5.0);

    assert_engine_call(&last(&server), "/api/browser/");
    assert_eq!(
        sent(&server),
        json!({"url": PAGE, "cookies": [{"name": "consent", "value": "yes"}],
               "userAgent": "MyBot/1.0", "unblocker": true})
    );

    // Without an override the session presents a browser's own User-Agent.
    let page = client.browser(&BrowserRequest::new(PAGE)).unwrap();
    assert!(
        page.user_agent
            .as_deref()
            .unwrap()
            .starts_with("Mozilla/5.0"),
        "{:?}",
        page.user_agent
    );
    assert_eq!(server.request_count(), 2);
}

#[test]
fn auto_delivers_on_the_proxy_rung_with_its_ladder_and_session() {
    let server = MockServer::start();
    let page = client(&server).auto(&AutoRequest::new(PAGE)).unwrap();

    assert_eq!(page.status, 200);
    let text = page.text().unwrap();
    assert!(
        text.contains(PAGE) && text.contains("auto engine"),
        "{text}"
    );
    assert_eq!(page.headers.hops.len(), 1);
    assert_eq!(
        page.headers.get("content-type"),
        Some("text/html; charset=utf-8")
    );
    assert_eq!(page.ladder.rung, Some(Rung::Proxy));
    assert_eq!(page.ladder.solved, Some(false));
    assert_eq!(page.ladder.attempts, Some(1));
    assert_eq!(page.ladder.credits, Some(4.0));
    assert_eq!(page.ladder.exit_class, None);
    let session = page
        .session
        .as_ref()
        .expect("returnSession defaults to true");
    assert!(
        is_proxy_id(session.proxy.as_deref().unwrap()),
        "{session:?}"
    );
    assert!(
        session
            .user_agent
            .as_deref()
            .unwrap()
            .starts_with("Mozilla/5.0"),
        "{session:?}"
    );
    assert_eq!(session.cookies.len(), 2);
    assert_eq!(session.cookies[0].domain.as_deref(), Some("example.com"));
    assert_eq!(page.exit_class, None);
    assert_meta(page.meta(), 4.0);

    assert_eq!(server.request_count(), 1);
    assert_engine_call(&last(&server), "/api/auto");
    assert_eq!(sent(&server), json!({"url": PAGE}));
}

#[test]
fn auto_without_force_proxy_delivers_from_the_probe_with_no_session_proxy() {
    let server = MockServer::start();
    let page = client(&server)
        .auto(&AutoRequest::new(PAGE).force_proxy(false))
        .unwrap();
    assert_eq!(page.ladder.rung, Some(Rung::Probe));
    assert_eq!(page.ladder.credits, Some(2.0));
    let session = page.session.as_ref().unwrap();
    assert_eq!(session.proxy, None, "direct egress has no exit id");
    assert_meta(page.meta(), 2.0);
    assert_eq!(sent(&server), json!({"url": PAGE, "forceProxy": false}));
}

#[test]
fn auto_reports_the_exit_class_in_the_body_the_ladder_and_the_meta() {
    let server = MockServer::start();
    let client = client(&server);
    for (class, name) in [
        (ExitClass::Premium, "premium"),
        (ExitClass::Standard, "standard"),
    ] {
        let page = client
            .auto(&AutoRequest::new(PAGE).exit_class(class))
            .unwrap();
        assert_eq!(page.exit_class.as_deref(), Some(name));
        assert_eq!(page.ladder.exit_class.as_deref(), Some(name));
        assert_eq!(page.meta().exit_class.as_deref(), Some(name));
        let exit = page.session.as_ref().unwrap().proxy.as_deref().unwrap();
        assert_eq!(exit.starts_with('P'), class == ExitClass::Premium, "{exit}");
        assert_eq!(sent(&server)["exitClass"], name);
    }
    assert_eq!(server.request_count(), 2);
}

#[test]
fn auto_climbs_to_the_browser_rung_for_a_challenge_and_keeps_its_flat_headers() {
    let server = MockServer::start();
    let page = client(&server)
        .auto(&AutoRequest::new("https://challenge.test/"))
        .unwrap();
    assert_eq!(page.status, 200);
    assert_eq!(page.ladder.rung, Some(Rung::Browser));
    assert_eq!(page.ladder.solved, Some(true));
    assert_eq!(page.ladder.attempts, Some(2));
    assert_eq!(page.ladder.credits, Some(9.0));
    assert_eq!(page.headers.hops.len(), 1);
    assert_eq!(
        page.headers.hops[0].result, None,
        "the browser's flat object"
    );
    assert!(page.headers.get("content-type").is_some());
    assert!(page.session.as_ref().unwrap().proxy.is_some());
    assert_meta(page.meta(), 9.0);
}

#[test]
fn auto_on_a_cached_host_reports_the_cache_rung() {
    let server = MockServer::start();
    let page = client(&server)
        .auto(&AutoRequest::new("https://cached.test/"))
        .unwrap();
    assert_eq!(page.ladder.rung, Some(Rung::Cache));
    assert_eq!(page.ladder.attempts, Some(1));
    assert_eq!(page.ladder.credits, Some(2.0));
    assert_meta(page.meta(), 2.0);
}

#[test]
fn auto_with_return_session_false_has_no_session() {
    let server = MockServer::start();
    let page = client(&server)
        .auto(&AutoRequest::new(PAGE).return_session(false))
        .unwrap();
    assert_eq!(page.session, None);
    assert_eq!(page.ladder.rung, Some(Rung::Proxy));
    assert_eq!(sent(&server), json!({"url": PAGE, "returnSession": false}));
}

// ---------------------------------------------------------------------------------------------
// The virtual web's shapes through the client

#[test]
fn a_targets_own_403_is_an_ok_response_on_every_engine() {
    let server = MockServer::start();
    let client = client(&server);
    let url = "https://example.com/status/403";

    let single = client.single(&SingleRequest::get(url)).unwrap();
    assert_eq!(single.status, 403);
    assert_eq!(
        single
            .headers
            .final_hop()
            .unwrap()
            .result
            .as_ref()
            .unwrap()
            .code,
        Some(403)
    );
    assert_meta(single.meta(), 2.0);
    let proxy = client
        .proxy(&ProxyRequest::new(SingleRequest::get(url)))
        .unwrap();
    assert_eq!(proxy.status, 403);
    assert_meta(proxy.meta(), 4.0);
    let browser = client.browser(&BrowserRequest::new(url)).unwrap();
    assert_eq!(browser.status, 403);
    assert_meta(browser.meta(), 5.0);
    let auto = client.auto(&AutoRequest::new(url)).unwrap();
    assert_eq!(auto.status, 403);
    assert!(auto.meta().credits.is_some());

    let paths: Vec<String> = server.requests().into_iter().map(|r| r.path).collect();
    assert_eq!(
        paths,
        ["/api/single/", "/api/proxy/", "/api/browser/", "/api/auto"]
    );
}

#[test]
fn a_bot_check_on_single_is_a_403_success_with_defense() {
    let server = MockServer::start();
    let page = client(&server)
        .single(&SingleRequest::get("https://blocked.test/"))
        .unwrap();
    assert_eq!(page.status, 403);
    let defense = page.defense.as_ref().expect("defense");
    assert_eq!(defense.get("solved"), Some(&json!(false)));
    assert_eq!(
        defense.get("vendor"),
        Some(&json!("cloudflare")),
        "kept as sent"
    );
    assert_eq!(page.headers.get("server"), Some("cloudflare"));
    assert!(page.text().unwrap().contains("Just a moment"));
    assert_meta(page.meta(), 2.0);
    assert_eq!(server.request_count(), 1);
}

#[test]
fn try_json_data_makes_the_body_a_json_object() {
    let server = MockServer::start();
    let client = client(&server);
    let url = "https://api.example.com/json";
    let page = client
        .single(&SingleRequest::get(url).try_json_data(true))
        .unwrap();
    assert!(
        matches!(page.content(), Content::Json(Value::Object(_))),
        "{page:?}"
    );
    let json = page.json().unwrap();
    assert!(json.is_object());
    assert_eq!(json["ok"], true);
    assert_eq!(json["url"], url);
    assert_eq!(json["items"], json!([1, 2, 3]));
    assert_eq!(page.text(), None, "a parsed value is not text");
    assert_eq!(
        page.headers.get("content-type"),
        Some("application/json; charset=utf-8")
    );
    assert_eq!(sent(&server)["tryJsonData"], true);

    // Without it the body is text, which json() still parses.
    let page = client.single(&SingleRequest::get(url)).unwrap();
    assert!(matches!(page.content(), Content::Text(_)));
    assert!(page.text().unwrap().starts_with('{'));
    assert_eq!(page.json().unwrap()["ok"], true);
    assert!(sent(&server).get("tryJsonData").is_none());
    assert_eq!(server.request_count(), 2);
}

#[test]
fn return_buffer_gives_the_body_as_bytes() {
    let server = MockServer::start();
    let client = client(&server);
    let url = "https://example.com/json";
    let text = client
        .single(&SingleRequest::get(url))
        .unwrap()
        .text()
        .unwrap()
        .to_owned();
    let page = client
        .single(&SingleRequest::get(url).return_buffer(true))
        .unwrap();
    assert!(matches!(page.content(), Content::Bytes(_)), "{page:?}");
    assert_eq!(&*page.bytes(), text.as_bytes());
    assert_eq!(page.text(), Some(text.as_str()), "UTF-8 bytes read as text");
    assert_eq!(sent(&server)["returnBuffer"], true);
    assert_eq!(server.request_count(), 2);
}

#[test]
fn follow_redirects_gives_one_hop_per_response() {
    let server = MockServer::start();
    let client = client(&server);
    let url = "https://example.com/redirect";

    let page = client
        .single(&SingleRequest::get(url).follow_redirects(5))
        .unwrap();
    assert_eq!(page.status, 200);
    assert_eq!(page.headers.hops.len(), 2);
    let first = &page.headers.hops[0];
    assert_eq!(first.result.as_ref().unwrap().code, Some(301));
    assert_eq!(
        first.get("location"),
        Some("https://example.com/redirected")
    );
    assert_eq!(
        page.headers
            .final_hop()
            .unwrap()
            .result
            .as_ref()
            .unwrap()
            .code,
        Some(200)
    );
    assert!(
        page.text()
            .unwrap()
            .contains("https://example.com/redirected")
    );
    assert_eq!(sent(&server)["followRedirects"], 5);

    // Not following: the 301 alone, delivered as the target's answer.
    let page = client.single(&SingleRequest::get(url)).unwrap();
    assert_eq!(page.status, 301);
    assert_eq!(page.headers.hops.len(), 1);
    assert!(sent(&server).get("followRedirects").is_none());
    assert_eq!(server.request_count(), 2);
}

#[test]
fn a_target_that_never_answers_is_engine_failed_with_status_zero_and_credits() {
    let server = MockServer::start();
    let err = client(&server)
        .single(&SingleRequest::get("https://timeout.test/").timeout(Duration::from_secs(5)))
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::EngineFailed);
    assert_eq!(err.status(), Some(200), "FourA's own answer was a 200");
    assert_eq!(err.target_status(), Some(0));
    assert_eq!(
        err.message(),
        Some("Operation timed out after 5000 milliseconds with 0 bytes received")
    );
    assert_eq!(
        err.credits(),
        Some(2.0),
        "credits are reported on failures too"
    );
    assert!(is_request_id(err.request_id().unwrap()));
    assert!(!err.is_retryable());

    assert_eq!(server.request_count(), 1);
    assert_engine_call(&last(&server), "/api/single/");
    assert_eq!(sent(&server)["timeout_ms"], 5000);
}

#[test]
fn an_unresolvable_host_is_engine_failed_on_single_and_browser() {
    let server = MockServer::start();
    let client = client(&server);
    let err = client
        .single(&SingleRequest::get("https://nowhere.invalid/"))
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::EngineFailed);
    assert_eq!(err.message(), Some("Couldn't resolve host name"));
    assert_eq!(err.target_status(), Some(0));
    assert_eq!(err.credits(), Some(2.0));

    let err = client
        .browser(&BrowserRequest::new("https://nowhere.invalid/"))
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::EngineFailed);
    assert_eq!(
        err.message(),
        Some("net::ERR_NAME_NOT_RESOLVED at https://nowhere.invalid/")
    );
    assert_eq!(err.target_status(), Some(0));
    assert_eq!(err.credits(), Some(5.0));
    assert_eq!(server.request_count(), 2);
}

#[test]
fn a_proxy_rotation_beaten_by_a_bot_check_is_engine_failed_with_an_attempt_report() {
    let server = MockServer::start();
    let err = client(&server)
        .proxy(&ProxyRequest::new(SingleRequest::get(
            "https://blocked.test/",
        )))
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::EngineFailed);
    assert_eq!(err.message(), Some("Download maxTry limit reached"));
    assert_eq!(err.credits(), Some(4.0));
    assert_eq!(err.code(), None);
    assert_eq!(
        err.target_status(),
        None,
        "a failed rotation sends no status"
    );
    let report = err.attempt_report().expect("attemptReport");
    assert_eq!(report["total"], 5);
    assert_eq!(report["defense"], 5);
    assert_eq!(report["vendors"], json!(["cloudflare"]));
    assert!(
        report["summary"]
            .as_str()
            .unwrap()
            .starts_with("5 attempt(s): "),
        "{report}"
    );
    let echoed = err.echoed_request().expect("the echoed request");
    assert_eq!(echoed["maxTries"], 5);
    assert_eq!(echoed["timeout_ms"], 45000);
    assert_eq!(echoed["request"]["url"], "https://blocked.test/");
    assert!(err.hint().unwrap().contains("attempt_report"), "{err}");

    assert_eq!(server.request_count(), 1);
    assert_engine_call(&last(&server), "/api/proxy/");
}

#[test]
fn no_eligible_proxy_is_engine_failed_with_its_code_and_details() {
    let server = MockServer::start();
    let err = client(&server)
        .proxy(&ProxyRequest::new(SingleRequest::get(PAGE)).exit_countries(["ZZ"]))
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::EngineFailed);
    assert_eq!(err.code(), Some("no_eligible_proxy"));
    assert_eq!(err.details(), Some(&json!({"exitCountries": ["ZZ"]})));
    assert_eq!(
        err.message(),
        Some("No eligible proxy matches the requested exit countries")
    );
    assert_eq!(
        err.echoed_request().unwrap()["exitCountries"],
        json!(["ZZ"])
    );
    assert_eq!(err.credits(), Some(4.0));
    assert!(err.hint().unwrap().contains("country"), "{err}");
    assert!(err.to_string().contains("no_eligible_proxy"), "{err}");

    assert_eq!(server.request_count(), 1);
    assert_eq!(sent(&server)["exitCountries"], json!(["ZZ"]));
}

#[test]
fn a_nested_proxy_result_decodes_the_same_as_a_flat_one() {
    let server = MockServer::start();
    let client = client(&server);
    let nested = client
        .proxy(
            &ProxyRequest::new(SingleRequest::get("https://nested.test/page"))
                .exit_countries(["FR"]),
        )
        .unwrap();
    let flat = client
        .proxy(
            &ProxyRequest::new(SingleRequest::get("https://flat.example/page"))
                .exit_countries(["FR"]),
        )
        .unwrap();
    for page in [&nested, &flat] {
        assert_eq!(page.status, 200);
        assert_eq!(page.headers.hops.len(), 1);
        assert_eq!(
            page.headers.get("content-type"),
            Some("text/html; charset=utf-8")
        );
        assert_eq!(
            page.headers
                .final_hop()
                .unwrap()
                .get_all("set-cookie")
                .count(),
            2
        );
        assert_eq!(page.total_time, Some(0.341));
        assert!(page.total.is_some());
        assert!(is_proxy_id(page.proxy.as_deref().unwrap()));
        assert_eq!(page.exit_country.as_deref(), Some("FR"));
        assert!(page.extra.is_empty(), "{:?}", page.extra);
        assert_meta(page.meta(), 4.0);
    }
    assert!(nested.text().unwrap().contains("https://nested.test/page"));
    assert!(flat.text().unwrap().contains("https://flat.example/page"));
    assert_eq!(server.request_count(), 2);
}

#[test]
fn a_browser_check_text_or_check_status_mismatch_is_engine_failed() {
    let server = MockServer::start();
    let client = client(&server);
    let err = client
        .browser(&BrowserRequest::new(PAGE).check_text("Add to cart"))
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::EngineFailed);
    assert_eq!(err.target_status(), Some(200));
    assert!(err.message().unwrap().contains("Add to cart"), "{err}");
    assert_eq!(err.credits(), Some(5.0));
    assert_eq!(sent(&server)["checkText"], "Add to cart");

    let err = client
        .browser(&BrowserRequest::new("https://example.com/status/404").check_status(200))
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::EngineFailed);
    assert_eq!(err.target_status(), Some(404));
    assert_eq!(sent(&server)["checkStatus"], 200);

    // Text that is there passes.
    let page = client
        .browser(&BrowserRequest::new(PAGE).check_text("<h1>"))
        .unwrap();
    assert_eq!(page.status, 200);
    assert_eq!(server.request_count(), 3);
}

#[test]
fn auto_whose_validate_no_rung_can_pass_is_engine_failed() {
    let server = MockServer::start();
    let err = client(&server)
        .auto(&AutoRequest::new(PAGE).validate(Validate::new().data_accept("Add to cart")))
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::EngineFailed);
    assert_eq!(err.target_status(), Some(200));
    let body = err.body().unwrap();
    assert_eq!(body["meta"]["rung"], "fail");
    let credits = err.credits().expect("credits on a failure");
    assert!(credits > 0.0);
    assert_eq!(body["meta"]["credits"].as_f64(), Some(credits));
    assert!(body["attempts"].as_u64().unwrap() >= 1);

    assert_eq!(server.request_count(), 1);
    assert_engine_call(&last(&server), "/api/auto");
    assert_eq!(
        sent(&server),
        json!({"url": PAGE, "validate": {"data": {"accept": ["Add to cart"]}}})
    );
}

#[test]
fn the_ts_placeholder_is_sent_untouched_and_resolved_by_foura() {
    let server = MockServer::start();
    let client = client(&server);
    let url = "https://example.com/?cb={ts}";

    let page = client.single(&SingleRequest::get(url)).unwrap();
    assert_eq!(sent(&server)["url"], url);
    let text = page.text().unwrap();
    assert!(!text.contains("{ts}") && text.contains("?cb=1"), "{text}");

    client
        .proxy(&ProxyRequest::new(SingleRequest::get(url)))
        .unwrap();
    assert_eq!(sent(&server)["request"]["url"], url);
    client.browser(&BrowserRequest::new(url)).unwrap();
    assert_eq!(sent(&server)["url"], url);
    client.auto(&AutoRequest::new(url)).unwrap();
    assert_eq!(sent(&server)["url"], url);
    for r in server.requests() {
        assert!(r.body_text().contains("{ts}"), "{r:?}");
    }
    assert_eq!(server.request_count(), 4);
}

#[test]
fn a_private_target_is_refused_by_foura_as_an_invalid_request() {
    let server = MockServer::start();
    let err = client(&server)
        .single(&SingleRequest::get("http://10.0.0.1/admin"))
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidRequest);
    assert_eq!(err.status(), Some(400));
    assert_eq!(
        err.message(),
        Some("Target 10.0.0.1 resolves to a private/reserved IP")
    );
    assert_eq!(err.credits(), None, "refused before the backend");
    assert!(err.request_id().is_some());
    assert_eq!(server.request_count(), 1);
}

// ---------------------------------------------------------------------------------------------
// Refusals and account state

#[test]
fn a_rate_limit_exposes_service_wait_current_and_limits() {
    let server = MockServer::start();
    let client = client(&server);
    server.refuse_next(1, Some(Engine::Single), Refusal::RateLimited);
    let err = client.single(&SingleRequest::get(PAGE)).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::RateLimited);
    assert_eq!(err.status(), Some(429));
    assert_eq!(err.retry_after(), Some(Duration::from_secs(5)));
    let limit = err.rate_limit().expect("the rate-limit figures");
    assert_eq!(limit.service.as_deref(), Some("single"));
    assert_eq!(limit.concurrency, Some(12));
    assert_eq!(limit.rpm, Some(3000));
    assert_eq!(limit.max_concurrency, Some(500));
    assert_eq!(limit.max_rpm, Some(3000));
    assert_eq!(err.plan_limit(), None);
    assert_eq!(err.credits(), None);
    assert!(is_request_id(err.request_id().unwrap()));
    assert!(err.is_retryable());
    assert_eq!(err.attempts(), 1);
    assert_eq!(server.request_count(), 1);
    assert_engine_call(&last(&server), "/api/single/");
    assert_eq!(server.pending_refusals(), 0);

    // Unscoped refusals name whichever engine took them.
    server.refuse_next(3, None, Refusal::RateLimited);
    let services = [
        client
            .proxy(&ProxyRequest::new(SingleRequest::get(PAGE)))
            .unwrap_err(),
        client.browser(&BrowserRequest::new(PAGE)).unwrap_err(),
        client.auto(&AutoRequest::new(PAGE)).unwrap_err(),
    ]
    .map(|e| {
        assert_eq!(e.kind(), ErrorKind::RateLimited);
        e.rate_limit().unwrap().service.unwrap()
    });
    assert_eq!(services, ["proxy", "browser", "auto"]);

    // The refusal was used up: the next call goes through.
    assert_eq!(
        client.single(&SingleRequest::get(PAGE)).unwrap().status,
        200
    );
    assert_eq!(server.request_count(), 5);
}

#[test]
fn at_capacity_is_its_own_kind_with_its_wait_and_figures() {
    let server = MockServer::start();
    server.refuse_next(1, Some(Engine::Browser), Refusal::AtCapacity);
    let err = client(&server)
        .browser(&BrowserRequest::new(PAGE))
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::AtCapacity);
    assert_eq!(err.status(), Some(503));
    assert_eq!(err.message(), Some("Service at capacity"));
    assert_eq!(err.retry_after(), Some(Duration::from_secs(2)));
    let limit = err.rate_limit().unwrap();
    assert_eq!(limit.service.as_deref(), Some("browser"));
    assert_eq!(limit.concurrency, Some(6));
    assert_eq!(limit.max_concurrency, Some(5));
    assert!(err.is_retryable());
    assert_eq!(err.credits(), None);
    assert!(err.request_id().is_some());
    assert_eq!(server.request_count(), 1);
    assert_engine_call(&last(&server), "/api/browser/");
}

#[test]
fn a_disabled_service_is_service_disabled_not_at_capacity() {
    let server = MockServer::start();
    let client = client(&server);
    server.set_service_enabled(Engine::Proxy, false);
    for _ in 0..2 {
        let err = client
            .proxy(&ProxyRequest::new(SingleRequest::get(PAGE)))
            .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::ServiceDisabled);
        assert_ne!(err.kind(), ErrorKind::AtCapacity);
        assert_eq!(err.status(), Some(503));
        assert_eq!(err.message(), Some("Service disabled"));
        // The body carries `current`, which is what fools FourA's own client (§4.1).
        assert_eq!(
            err.body().unwrap()["current"],
            json!({"concurrency": 0, "rpm": 0})
        );
        assert_eq!(err.retry_after(), Some(Duration::from_secs(60)));
        assert!(!err.is_retryable());
        assert!(err.hint().unwrap().contains("disabled"), "{err}");
    }
    // Other engines are unaffected, and switching it back on works.
    assert_eq!(
        client.single(&SingleRequest::get(PAGE)).unwrap().status,
        200
    );
    server.set_service_enabled(Engine::Proxy, true);
    assert_eq!(
        client
            .proxy(&ProxyRequest::new(SingleRequest::get(PAGE)))
            .unwrap()
            .status,
        200
    );
    assert_eq!(server.request_count(), 4);

    // The queued refusal has the same body and the same meaning.
    server.refuse_next(1, Some(Engine::Auto), Refusal::ServiceDisabled);
    let err = client.auto(&AutoRequest::new(PAGE)).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::ServiceDisabled);
    assert_eq!(err.rate_limit().unwrap().service.as_deref(), Some("auto"));
    assert_eq!(server.request_count(), 5);
}

#[test]
fn an_unreachable_backend_is_a_server_error() {
    let server = MockServer::start();
    server.refuse_next(1, None, Refusal::BackendUnavailable);
    let err = client(&server)
        .single(&SingleRequest::get(PAGE))
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::ServerError);
    assert_eq!(err.status(), Some(503));
    assert_eq!(err.message(), Some("Backend service unavailable"));
    assert_eq!(err.body().unwrap()["backend_status"], 503);
    assert!(err.is_retryable());
    assert_eq!(err.credits(), None);
    assert!(err.request_id().is_some());
    assert_eq!(server.request_count(), 1);
}

#[test]
fn exhausted_credits_are_a_plan_limit_with_a_wait_and_a_reset_time() {
    let server = MockServer::start();
    server.refuse_next(
        1,
        Some(Engine::Proxy),
        Refusal::PlanLimit("plan_limit_credits".into()),
    );
    let err = client(&server)
        .proxy(&ProxyRequest::new(SingleRequest::get(PAGE)))
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::PlanLimit, "not a plain rate limit");
    assert_eq!(err.plan_limit(), Some("credits"));
    assert_eq!(err.status(), Some(429));
    assert_eq!(err.retry_after(), Some(Duration::from_secs(3600)));
    assert_eq!(err.resets_at(), Some("2026-10-01T00:00:00.000Z"));
    assert_eq!(err.meta().limit.as_deref(), Some("plan_limit_credits"));
    assert_eq!(err.message(), Some("Monthly credits exhausted"));
    assert!(!err.is_retryable());
    assert!(err.hint().unwrap().contains("credits"), "{err}");
    assert_eq!(err.credits(), None);
    assert_eq!(server.request_count(), 1);
    assert_engine_call(&last(&server), "/api/proxy/");
}

#[test]
fn spent_bandwidth_is_a_plan_limit_named_by_the_header_alone() {
    let server = MockServer::start();
    server.refuse_next(1, None, Refusal::PlanLimit("plan_limit_bandwidth".into()));
    let err = client(&server)
        .single(&SingleRequest::get(PAGE))
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::PlanLimit);
    assert_eq!(err.plan_limit(), Some("bandwidth"));
    assert_eq!(err.status(), Some(429));
    assert_eq!(err.meta().limit.as_deref(), Some("plan_limit_bandwidth"));
    assert_eq!(err.message(), Some("Bandwidth allowance spent"));
    assert_eq!(err.retry_after(), None);
    assert_eq!(err.resets_at(), None);
    assert_eq!(server.request_count(), 1);
}

#[test]
fn a_premium_exit_class_on_a_plan_without_premium_is_plan_limit_premium_403() {
    let server = MockServer::start();
    let client = client(&server);
    server.set_premium_allowed(false);

    let err = client
        .proxy(&ProxyRequest::new(SingleRequest::get(PAGE)).exit_class(ExitClass::Premium))
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::PlanLimit, "not a generic Forbidden");
    assert_eq!(err.plan_limit(), Some("premium"));
    assert_eq!(err.status(), Some(403));
    assert_eq!(err.retry_after(), None, "waiting does not clear it");
    assert_eq!(err.meta().limit.as_deref(), Some("plan_limit_premium"));
    assert_eq!(
        err.body().unwrap()["documentation"],
        "https://foura.ai/prices"
    );
    assert_eq!(sent(&server)["exitClass"], "premium");

    let err = client
        .auto(&AutoRequest::new(PAGE).exit_class(ExitClass::Premium))
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::PlanLimit);
    assert_eq!(err.plan_limit(), Some("premium"));
    assert_eq!(err.status(), Some(403));

    // Standard exits stay on the plan.
    let page = client
        .proxy(&ProxyRequest::new(SingleRequest::get(PAGE)).exit_class(ExitClass::Standard))
        .unwrap();
    assert_eq!(page.meta().exit_class.as_deref(), Some("standard"));
    assert_eq!(server.request_count(), 3);

    // The same refusal, queued for an engine with no exit class.
    server.refuse_next(
        1,
        Some(Engine::Browser),
        Refusal::PlanLimit("premium".into()),
    );
    let err = client.browser(&BrowserRequest::new(PAGE)).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::PlanLimit);
    assert_eq!(err.plan_limit(), Some("premium"));
    assert_eq!(err.status(), Some(403));
    assert_eq!(server.request_count(), 4);
}

#[test]
fn a_backend_outage_is_retried_and_the_retry_delivers() {
    let server = MockServer::start();
    let client = builder(&server).max_retries(1).build().unwrap();
    server.refuse_next(1, Some(Engine::Single), Refusal::BackendUnavailable);
    let page = client.single(&SingleRequest::get(PAGE)).unwrap();
    assert_eq!(page.status, 200);
    assert_eq!(page.meta().attempts, 2);
    assert_eq!(page.meta().credits, Some(2.0));
    assert_eq!(server.request_count(), 2);
    let requests = server.requests();
    assert_eq!(requests[0].body, requests[1].body, "the same request again");
    for r in &requests {
        assert_engine_call(r, "/api/single/");
    }
}

#[test]
fn plan_limits_disabled_services_and_bad_keys_are_never_retried() {
    let server = MockServer::start();
    let client = builder(&server).max_retries(3).build().unwrap();

    server.refuse_next(1, None, Refusal::PlanLimit("plan_limit_credits".into()));
    let err = client.single(&SingleRequest::get(PAGE)).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::PlanLimit);
    assert_eq!(err.attempts(), 1);
    assert_eq!(server.request_count(), 1);

    server.set_service_enabled(Engine::Single, false);
    let err = client.single(&SingleRequest::get(PAGE)).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::ServiceDisabled);
    assert_eq!(err.attempts(), 1);
    assert_eq!(server.request_count(), 2);
    server.set_service_enabled(Engine::Single, true);

    let stranger = builder(&server)
        .api_key(ApiKey::new("pk_live_unknown00000000000000000").unwrap())
        .max_retries(3)
        .build()
        .unwrap();
    let err = stranger.single(&SingleRequest::get(PAGE)).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Unauthorized);
    assert_eq!(err.attempts(), 1);
    assert_eq!(server.request_count(), 3);
}

// ---------------------------------------------------------------------------------------------
// Auth

#[test]
fn every_engine_sends_x_api_key_and_never_authorization() {
    let server = MockServer::start();
    let client = client(&server);
    client.single(&SingleRequest::get(PAGE)).unwrap();
    client
        .proxy(&ProxyRequest::new(SingleRequest::get(PAGE)))
        .unwrap();
    client.browser(&BrowserRequest::new(PAGE)).unwrap();
    client.auto(&AutoRequest::new(PAGE)).unwrap();
    let requests = server.requests();
    let paths = ["/api/single/", "/api/proxy/", "/api/browser/", "/api/auto"];
    assert_eq!(requests.len(), paths.len());
    for (r, path) in requests.iter().zip(paths) {
        assert_engine_call(r, path);
        assert!(
            !r.path.contains("pk_live_"),
            "the key never goes in the URL"
        );
        assert!(
            !r.body_text().contains(MockServer::ENGINE_KEY),
            "nor in the body"
        );
    }
}

#[test]
fn an_unknown_key_is_unauthorized_with_a_hint_about_x_api_key() {
    let server = MockServer::start();
    let unknown = "pk_live_unknown00000000000000000";
    let client = builder(&server)
        .api_key(ApiKey::new(unknown).unwrap())
        .build()
        .unwrap();
    let err = client.single(&SingleRequest::get(PAGE)).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Unauthorized);
    assert_eq!(err.status(), Some(401));
    assert_eq!(err.message(), Some("Invalid API key"));
    assert!(err.hint().unwrap().contains("X-API-Key"), "{err}");
    assert!(err.to_string().contains("X-API-Key"), "{err}");
    assert!(!err.to_string().contains(unknown), "{err}");
    assert!(err.request_id().is_some());
    assert_eq!(err.credits(), None);

    assert_eq!(server.request_count(), 1);
    let r = last(&server);
    assert_eq!(r.header("x-api-key"), Some(unknown));
    assert_eq!(r.header("authorization"), None);
}

#[test]
fn a_disabled_key_is_unauthorized_on_the_engines() {
    let server = MockServer::start();
    let client = builder(&server)
        .api_key(ApiKey::new(MockServer::DISABLED_KEY).unwrap())
        .build()
        .unwrap();
    let err = client.auto(&AutoRequest::new(PAGE)).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Unauthorized);
    assert_eq!(err.status(), Some(401));
    assert_eq!(err.message(), Some("Invalid API key"));
    assert_eq!(server.request_count(), 1);
    assert_eq!(
        last(&server).header("x-api-key"),
        Some(MockServer::DISABLED_KEY)
    );
}

#[test]
fn the_profile_catalogue_is_fetched_without_a_key() {
    let server = MockServer::start();
    let catalogue = client(&server).profiles().unwrap();
    assert_eq!(catalogue.default.as_deref(), Some("chrome-147-windows"));
    let profiles = catalogue.extra["profiles"]
        .as_array()
        .expect("kept as sent");
    assert!(profiles.iter().any(|p| p["id"] == "chrome-147-windows"));

    assert_eq!(server.request_count(), 1);
    let r = last(&server);
    assert_eq!(
        (r.method.as_str(), r.path.as_str()),
        ("GET", "/api/profiles")
    );
    assert_eq!(r.header("x-api-key"), None);
    assert_eq!(r.header("authorization"), None);
}

#[test]
fn the_service_status_is_fetched_without_a_key() {
    let server = MockServer::start();
    let status = foura::service_status_at(&server.url()).unwrap();
    assert_eq!(status.overall, "operational");
    assert_eq!(status.services.len(), 1);
    let api = &status.services[0];
    assert_eq!(api.slug, "api");
    assert_eq!(api.name, "API");
    assert_eq!(api.status, "operational");
    assert!(!api.daily.is_empty());
    assert!(status.active_incidents.is_empty());
    assert_eq!(status.recent_incidents[0]["service_slug"], "api");

    assert_eq!(server.request_count(), 1);
    let r = last(&server);
    assert_eq!(
        (r.method.as_str(), r.path.as_str()),
        ("GET", "/api/v1/status")
    );
    assert_eq!(r.header("x-api-key"), None);
    assert_eq!(r.header("authorization"), None);
}

// ---------------------------------------------------------------------------------------------
// The auto path

#[test]
fn auto_goes_to_api_auto_by_default_and_to_api_auto_slash_when_configured() {
    let server = MockServer::start();
    let default = client(&server);
    assert_eq!(default.auto_path(), "/api/auto");
    let a = default.auto(&AutoRequest::new(PAGE)).unwrap();
    assert_engine_call(&last(&server), "/api/auto");

    let slashed = builder(&server).auto_path("/api/auto/").build().unwrap();
    assert_eq!(slashed.auto_path(), "/api/auto/");
    let b = slashed.auto(&AutoRequest::new(PAGE)).unwrap();
    assert_engine_call(&last(&server), "/api/auto/");

    assert_eq!(a.ladder, b.ladder);
    assert_eq!(a.text(), b.text());
    assert_meta(b.meta(), 4.0);
    let paths: Vec<String> = server.requests().into_iter().map(|r| r.path).collect();
    assert_eq!(paths, ["/api/auto", "/api/auto/"]);
}

// ---------------------------------------------------------------------------------------------
// Validation at the edge

#[test]
fn invalid_engine_requests_are_refused_before_anything_is_sent() {
    let server = MockServer::start();
    let client = client(&server);
    let cases: Vec<(&str, foura::Error)> = vec![
        (
            "`timeout_ms`",
            client
                .single(&SingleRequest::get(PAGE).timeout(Duration::from_millis(120_001)))
                .unwrap_err(),
        ),
        (
            "`followRedirects`",
            client
                .single(&SingleRequest::get(PAGE).follow_redirects(21))
                .unwrap_err(),
        ),
        (
            "`url`",
            client
                .single(&SingleRequest::get("ftp://example.com/"))
                .unwrap_err(),
        ),
        (
            "`method`",
            client
                .single(&SingleRequest::new("GE T", PAGE))
                .unwrap_err(),
        ),
        (
            "`unblocker`",
            client
                .single(&SingleRequest::get(PAGE).browser("Firefox").unblocker(false))
                .unwrap_err(),
        ),
        (
            "`validate`",
            client
                .single(&SingleRequest::get(PAGE).validate(Validate::new().status_accept([42])))
                .unwrap_err(),
        ),
        (
            "`maxTries`",
            client
                .proxy(&ProxyRequest::new(SingleRequest::get(PAGE)).max_tries(0))
                .unwrap_err(),
        ),
        (
            "`maxTries`",
            client
                .proxy(&ProxyRequest::new(SingleRequest::get(PAGE)).max_tries(91))
                .unwrap_err(),
        ),
        (
            "`exitCountries`",
            client
                .proxy(&ProxyRequest::new(SingleRequest::get(PAGE)).exit_countries(["DEU"]))
                .unwrap_err(),
        ),
        (
            "`request.timeout_ms`",
            client
                .proxy(&ProxyRequest::new(
                    SingleRequest::get(PAGE).timeout(Duration::from_secs(121)),
                ))
                .unwrap_err(),
        ),
        (
            "`request.proxy`",
            client
                .proxy(&ProxyRequest::new(SingleRequest::get(PAGE).proxy("4DZ3VE")))
                .unwrap_err(),
        ),
        (
            "`timeout_ms`",
            client
                .browser(&BrowserRequest::new(PAGE).timeout(Duration::from_secs(121)))
                .unwrap_err(),
        ),
        (
            "`checkStatus`",
            client
                .browser(&BrowserRequest::new(PAGE).check_status(42))
                .unwrap_err(),
        ),
        (
            "`timeout_ms`",
            client
                .auto(&AutoRequest::new(PAGE).timeout(Duration::from_millis(4_999)))
                .unwrap_err(),
        ),
        (
            "`timeout_ms`",
            client
                .auto(&AutoRequest::new(PAGE).timeout(Duration::from_millis(180_001)))
                .unwrap_err(),
        ),
        (
            "`followRedirects`",
            client
                .auto(&AutoRequest::new(PAGE).follow_redirects(21))
                .unwrap_err(),
        ),
    ];
    for (field, err) in &cases {
        assert_eq!(err.kind(), ErrorKind::InvalidRequest, "{field}: {err}");
        assert!(err.to_string().contains(field), "{field}: {err}");
        assert_eq!(err.status(), None, "{field}: {err}");
        assert_eq!(err.attempts(), 0, "{field}: {err}");
    }
    assert_eq!(server.request_count(), 0, "nothing was sent");

    // The documented limits themselves are accepted and sent.
    client
        .single(
            &SingleRequest::get(PAGE)
                .timeout(Duration::from_millis(120_000))
                .follow_redirects(20),
        )
        .unwrap();
    assert_eq!(sent(&server)["timeout_ms"], 120_000);
    assert_eq!(sent(&server)["followRedirects"], 20);
    client
        .auto(&AutoRequest::new(PAGE).timeout(Duration::from_millis(5_000)))
        .unwrap();
    assert_eq!(sent(&server)["timeout_ms"], 5_000);
    assert_eq!(server.request_count(), 2);
}

// ---------------------------------------------------------------------------------------------
// More of the virtual web

#[test]
fn a_broken_download_is_engine_failed_with_status_zero() {
    let server = MockServer::start();
    let err = client(&server)
        .single(&SingleRequest::get("https://failed.test/"))
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::EngineFailed);
    assert_eq!(err.message(), Some("Download failed"));
    assert_eq!(err.target_status(), Some(0));
    assert_eq!(err.credits(), Some(2.0));
    assert_eq!(server.request_count(), 1);
}

#[test]
fn validate_on_single_turns_a_rejected_page_into_engine_failed() {
    let server = MockServer::start();
    let client = client(&server);
    let url = "https://example.com/status/404";
    let err = client
        .single(&SingleRequest::get(url).validate(Validate::new().status_accept([200])))
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::EngineFailed);
    assert_eq!(err.target_status(), Some(404));
    assert_eq!(
        err.message(),
        Some("Response status 404 rejected by validate.status")
    );
    assert_eq!(err.credits(), Some(2.0));
    assert_eq!(
        sent(&server)["validate"],
        json!({"status": {"accept": [200]}})
    );

    // Accepting the target's 403 makes the bot check a success, body unchanged.
    let page = client
        .single(
            &SingleRequest::get("https://blocked.test/")
                .validate(Validate::new().status_accept([403])),
        )
        .unwrap();
    assert_eq!(page.status, 403);
    assert!(page.text().unwrap().contains("Just a moment"));
    assert_eq!(server.request_count(), 2);
}

#[test]
fn a_profile_that_matches_nothing_is_engine_failed_with_status_zero() {
    let server = MockServer::start();
    let client = client(&server);
    let err = client
        .single(&SingleRequest::get(PAGE).browser("Safari").os("Windows"))
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::EngineFailed);
    assert_eq!(err.target_status(), Some(0));
    assert!(
        err.message()
            .unwrap()
            .starts_with("no profile matches browser=Safari os=Windows"),
        "{err}"
    );
    let body = sent(&server);
    assert_eq!(
        (body["browser"].clone(), body["os"].clone()),
        (json!("Safari"), json!("Windows"))
    );
    assert_eq!(body["unblocker"], true);

    // The catalogue's own default profile is accepted.
    let default = client.profiles().unwrap().default.unwrap();
    let page = client
        .single(&SingleRequest::get(PAGE).profile(default.as_str()))
        .unwrap();
    assert_eq!(page.status, 200);
    assert_eq!(sent(&server)["profile"], default.as_str());
    assert_eq!(server.request_count(), 3);
}

#[test]
fn a_proxy_id_replayed_through_single_and_browser_reports_its_exit_class() {
    let server = MockServer::start();
    let client = client(&server);
    let exit = client
        .proxy(&ProxyRequest::new(SingleRequest::get(PAGE)).exit_class(ExitClass::Premium))
        .unwrap()
        .proxy
        .unwrap();

    let page = client
        .single(&SingleRequest::get(PAGE).proxy(exit.as_str()))
        .unwrap();
    assert_eq!(page.meta().exit_class.as_deref(), Some("premium"));
    assert_eq!(page.exit_class.as_deref(), Some("premium"));
    assert_eq!(sent(&server)["proxy"], exit.as_str());

    let page = client
        .browser(&BrowserRequest::new(PAGE).proxy(exit.as_str()))
        .unwrap();
    assert_eq!(page.exit_class.as_deref(), Some("premium"));
    assert_eq!(page.meta().exit_class.as_deref(), Some("premium"));
    assert_eq!(sent(&server)["proxy"], exit.as_str());
    assert_eq!(server.request_count(), 3);
}

#[test]
fn ignore_proxies_makes_the_rotation_skip_an_exit() {
    let server = MockServer::start();
    let client = client(&server);
    let first = client
        .proxy(&ProxyRequest::new(SingleRequest::get(PAGE)))
        .unwrap()
        .proxy
        .unwrap();
    let second = client
        .proxy(
            &ProxyRequest::new(SingleRequest::get(PAGE))
                .ignore_proxies([first.as_str(), "UNKNOWN1"]),
        )
        .unwrap()
        .proxy
        .unwrap();
    assert_ne!(first, second);
    assert!(is_proxy_id(&second), "{second}");
    assert_eq!(sent(&server)["ignoreProxies"], json!([first, "UNKNOWN1"]));
    assert_eq!(server.request_count(), 2);
}

#[test]
fn a_proxy_rotation_that_runs_out_of_time_says_so_in_its_report() {
    let server = MockServer::start();
    let err = client(&server)
        .proxy(&ProxyRequest::new(SingleRequest::get(
            "https://timeout.test/",
        )))
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::EngineFailed);
    let report = err.attempt_report().unwrap();
    // 15 s per attempt inside a 45 s rotation: three exits, none answering.
    assert_eq!(report["total"], 3);
    assert_eq!(report["noResponse"], 3);
    assert!(
        report["summary"]
            .as_str()
            .unwrap()
            .contains("timeout_ms ran out"),
        "{report}"
    );
    assert_eq!(err.credits(), Some(4.0));
    assert_eq!(server.request_count(), 1);
}

#[test]
fn the_browser_and_auto_bodies_of_a_json_page() {
    let server = MockServer::start();
    let client = client(&server);
    let url = "https://example.com/json";
    let page = client.browser(&BrowserRequest::new(url)).unwrap();
    assert!(
        matches!(page.content(), Content::Json(Value::Object(_))),
        "{page:?}"
    );
    assert_eq!(page.json().unwrap()["engine"], "browser");

    let page = client.auto(&AutoRequest::new(url)).unwrap();
    assert!(matches!(page.content(), Content::Text(_)), "{page:?}");
    assert_eq!(page.json().unwrap()["ok"], true);
    assert_eq!(server.request_count(), 2);
}

#[test]
fn auto_beaten_on_every_rung_is_engine_failed_with_the_last_target_status() {
    let server = MockServer::start();
    let err = client(&server)
        .auto(&AutoRequest::new("https://blocked.test/").force_proxy(false))
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::EngineFailed);
    assert_eq!(err.target_status(), Some(403));
    assert_eq!(err.credits(), Some(16.0));
    let body = err.body().unwrap();
    assert_eq!(body["attempts"], 4);
    assert_eq!(body["meta"]["rung"], "fail");
    assert_eq!(server.request_count(), 1);
    assert_eq!(
        sent(&server),
        json!({"url": "https://blocked.test/", "forceProxy": false})
    );
}

// ---------------------------------------------------------------------------------------------
// More refusals and retries

#[test]
fn every_plan_limit_is_a_plan_limit_whatever_its_status() {
    let server = MockServer::start();
    let client = client(&server);
    for (code, name, status, wait) in [
        ("plan_limit_feature", "feature", 403, None),
        ("plan_limit_browser_daily", "browser_daily", 429, Some(3600)),
        ("plan_limit_rate", "rate", 429, Some(60)),
        ("plan_limit_concurrency", "concurrency", 429, Some(5)),
        ("plan_limit_something_new", "something_new", 429, None),
    ] {
        server.refuse_next(1, Some(Engine::Browser), Refusal::PlanLimit(code.into()));
        let err = client.browser(&BrowserRequest::new(PAGE)).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::PlanLimit, "{code}: {err}");
        assert_eq!(err.plan_limit(), Some(name), "{code}");
        assert_eq!(err.status(), Some(status), "{code}");
        assert_eq!(err.retry_after(), wait.map(Duration::from_secs), "{code}");
        assert_eq!(err.meta().limit.as_deref(), Some(code));
        assert!(!err.is_retryable(), "{code}");
    }
    assert_eq!(server.request_count(), 5);
}

#[test]
fn at_capacity_is_retried_after_the_wait_foura_asks_for() {
    let server = MockServer::start();
    let client = builder(&server).max_retries(1).build().unwrap();
    server.refuse_next(1, Some(Engine::Proxy), Refusal::AtCapacity);
    let started = std::time::Instant::now();
    let page = client
        .proxy(&ProxyRequest::new(SingleRequest::get(PAGE)))
        .unwrap();
    let waited = started.elapsed();
    assert!(
        waited >= Duration::from_secs(2),
        "retryAfter 2 s: {waited:?}"
    );
    assert_eq!(page.status, 200);
    assert_eq!(page.meta().attempts, 2);
    assert_eq!(server.request_count(), 2);
}

#[test]
fn a_wait_longer_than_max_retry_wait_returns_at_once() {
    let server = MockServer::start();
    let client = builder(&server)
        .max_retries(3)
        .max_retry_wait(Duration::from_secs(1))
        .build()
        .unwrap();
    server.refuse_next(1, None, Refusal::RateLimited);
    let started = std::time::Instant::now();
    let err = client.auto(&AutoRequest::new(PAGE)).unwrap_err();
    assert!(
        started.elapsed() < Duration::from_secs(1),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(err.kind(), ErrorKind::RateLimited);
    assert_eq!(err.retry_after(), Some(Duration::from_secs(5)));
    assert_eq!(err.attempts(), 1);
    assert_eq!(server.request_count(), 1);
}
