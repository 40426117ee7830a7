//! Each engine against an ordinary page.

use super::*;

/// Each engine's plain request for [`PAGE`], the name its page gives the engine, the credits
/// it charges and the body FourA documents for it (the client adds `unblocker` where it is on
/// by default).
fn ordinary_requests() -> [(Call, &'static str, f64, Value); 4] {
    [
        (
            Call::Single(SingleRequest::get(PAGE)),
            "single engine",
            2.0,
            json!({"method": "GET", "url": PAGE, "unblocker": true}),
        ),
        (
            Call::Proxy(proxy_get(PAGE)),
            "proxy engine",
            4.0,
            json!({"request": {"method": "GET", "url": PAGE, "unblocker": true}}),
        ),
        (
            Call::Browser(BrowserRequest::new(PAGE)),
            "browser engine",
            5.0,
            json!({"url": PAGE, "unblocker": true}),
        ),
        (
            Call::Auto(AutoRequest::new(PAGE)),
            "auto engine",
            4.0,
            json!({"url": PAGE}),
        ),
    ]
}

#[test]
fn every_engine_delivers_the_ordinary_page_for_its_credits_from_one_documented_call() {
    for (call, engine, credits, body) in ordinary_requests() {
        let (server, client) = start();
        let (status, text, meta) = call.deliver(&client);
        assert_eq!(status, 200, "{engine}");
        assert!(text.contains(PAGE) && text.contains(engine), "{text}");
        assert_meta(&meta, credits);
        assert_eq!(meta.exit_class, None, "{engine}");
        assert_one_engine_call(&server, call.path());
        assert_eq!(sent(&server), body, "{engine}");
    }
}

#[test]
fn single_delivers_an_ordinary_page_with_headers_cookies_and_time() {
    let (_server, client) = start();
    let page = client.single(&SingleRequest::get(PAGE)).unwrap();

    let text = page.text().unwrap();
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
}

#[test]
fn proxy_decodes_the_string_total_time_and_reports_its_exit_and_total() {
    let (_server, client) = start();
    let page = client.proxy(&proxy_get(PAGE)).unwrap();

    assert_ordinary_html(&page.headers);
    // The emulator sends `"total_time": "0.341"`, a numeric string, which the client must read as a number.
    assert_eq!(page.total_time, Some(0.341));
    let total = page.total.expect("total");
    assert!(total > 0.341, "{total}");
    let id = page.proxy.as_deref().expect("the winning exit's id");
    assert!(is_base36_id(id) && !id.starts_with('P'), "{id}");
    assert_eq!(page.exit_country, None);
    assert_eq!(page.exit_class, None);
    assert_eq!(page.profile, None);
    assert!(page.extra.is_empty(), "{:?}", page.extra);
}

#[test]
fn proxy_reports_the_exit_country_and_the_exit_class_asked_for() {
    let (server, client) = start();
    let page = client
        .proxy(
            &proxy_get(PAGE)
                .exit_countries([" cz", "DE", "CZ"])
                .exit_class(ExitClass::Premium),
        )
        .unwrap();
    assert_eq!(page.exit_country.as_deref(), Some("CZ"));
    assert_eq!(page.exit_class.as_deref(), Some("premium"));
    assert_eq!(page.meta().exit_class.as_deref(), Some("premium"));
    let id = page.proxy.as_deref().unwrap();
    assert!(
        is_base36_id(id) && id.starts_with('P'),
        "a premium exit: {id}"
    );
    assert_meta(page.meta(), 4.0);
    let body = sent(&server);
    assert_eq!(body["exitCountries"], json!(["CZ", "DE"]));
    assert_eq!(body["exitClass"], "premium");

    let page = client
        .proxy(&proxy_get(PAGE).exit_class(ExitClass::Standard))
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
    let (server, client) = start();
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
    assert_ordinary_html(&page.headers);
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
    let (_server, client) = start();
    let page = client.auto(&AutoRequest::new(PAGE)).unwrap();

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
        is_base36_id(session.proxy.as_deref().unwrap()),
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
}

#[test]
fn auto_reports_the_exit_class_from_the_header() {
    let (server, client) = start();
    for (class, name) in [
        (ExitClass::Premium, "premium"),
        (ExitClass::Standard, "standard"),
    ] {
        let page = client
            .auto(&AutoRequest::new(PAGE).exit_class(class))
            .unwrap();
        // Auto's body names no class: it comes from `X-FourA-Exit-Class`.
        assert_eq!(page.exit_class.as_deref(), Some(name));
        assert_eq!(page.ladder.exit_class, None);
        assert!(!page.extra.contains_key("exitClass"));
        assert_eq!(page.meta().exit_class.as_deref(), Some(name));
        let exit = page.session.as_ref().unwrap().proxy.as_deref().unwrap();
        assert_eq!(exit.starts_with('P'), class == ExitClass::Premium, "{exit}");
        assert_eq!(sent(&server)["exitClass"], name);
    }
    assert_eq!(server.request_count(), 2);
}

/// One auto request and the rung it is delivered from.
struct LadderCase {
    case: &'static str,
    request: fn() -> AutoRequest,
    rung: Rung,
    /// `None` where the case does not pin it.
    solved: Option<bool>,
    attempts: Option<u64>,
    credits: Option<f64>,
    /// Whether a session comes back, and whether it names an exit (`None`: not pinned).
    session: Option<bool>,
    session_proxy: Option<bool>,
    /// The body the emulator received, where the case pins it.
    sent: Option<fn() -> Value>,
    /// Whether the page keeps the browser's flat header object (one hop without a status
    /// line) rather than the HTTP engines' hops.
    flat_headers: bool,
}

const LADDER_CASES: [LadderCase; 4] = [
    LadderCase {
        case: "without forceProxy it delivers from the probe, with no exit id",
        request: || AutoRequest::new(PAGE).force_proxy(false),
        rung: Rung::Probe,
        solved: None,
        attempts: None,
        credits: Some(2.0),
        session: Some(true),
        session_proxy: Some(false),
        sent: Some(|| json!({"url": PAGE, "forceProxy": false})),
        flat_headers: false,
    },
    LadderCase {
        case: "a challenge climbs to the browser rung",
        request: || AutoRequest::new("https://challenge.test/"),
        rung: Rung::Browser,
        solved: Some(true),
        attempts: Some(2),
        credits: Some(9.0),
        session: Some(true),
        session_proxy: Some(true),
        sent: None,
        flat_headers: true,
    },
    LadderCase {
        case: "a cached host is served from the cache rung",
        request: || AutoRequest::new("https://cached.test/"),
        rung: Rung::Cache,
        solved: None,
        attempts: Some(1),
        credits: Some(2.0),
        session: None,
        session_proxy: None,
        sent: None,
        flat_headers: false,
    },
    LadderCase {
        case: "returnSession false sends no session",
        request: || AutoRequest::new(PAGE).return_session(false),
        rung: Rung::Proxy,
        solved: None,
        attempts: None,
        credits: None,
        session: Some(false),
        session_proxy: None,
        sent: Some(|| json!({"url": PAGE, "returnSession": false})),
        flat_headers: false,
    },
];

#[test]
fn auto_reports_the_rung_it_delivered_from_with_its_attempts_credits_and_session() {
    for case in &LADDER_CASES {
        let (server, client) = start();
        let page = client.auto(&(case.request)()).unwrap();
        let name = case.case;
        assert_eq!(page.status, 200, "{name}");
        assert_eq!(page.ladder.rung, Some(case.rung.clone()), "{name}");
        assert_eq!(page.headers.hops.len(), 1, "{name}");
        let flat = page.headers.hops[0].result.is_none();
        assert_eq!(flat, case.flat_headers, "{name}: the browser's flat object");
        assert!(page.headers.get("content-type").is_some(), "{name}");
        if let Some(solved) = case.solved {
            assert_eq!(page.ladder.solved, Some(solved), "{name}");
        }
        if let Some(attempts) = case.attempts {
            assert_eq!(page.ladder.attempts, Some(attempts), "{name}");
        }
        if let Some(credits) = case.credits {
            assert_eq!(page.ladder.credits, Some(credits), "{name}");
            assert_meta(page.meta(), credits);
        }
        if let Some(session) = case.session {
            assert_eq!(page.session.is_some(), session, "{name}");
        }
        if let Some(proxy) = case.session_proxy {
            let session = page.session.as_ref().unwrap();
            assert_eq!(session.proxy.is_some(), proxy, "{name}: {session:?}");
        }
        if let Some(sent_body) = case.sent {
            assert_eq!(sent(&server), sent_body(), "{name}");
        }
    }
}

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
