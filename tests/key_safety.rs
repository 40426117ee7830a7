//! The key is never printed, never put in a URL, and never sent anywhere but the base URL.

use foura::mock::{Fault, MockServer};
use foura::{ApiKey, Client, ErrorKind, TaskRequest, TaskType};
use serde_json::json;

const KEY: &str = MockServer::TEST_KEY;
/// The part of the key after its prefix: what must never appear.
fn secret_part() -> &'static str {
    &KEY["fk_live_".len()..]
}

fn assert_clean(what: &str, text: &str) {
    assert!(!text.contains(KEY), "{what} contains the key: {text}");
    assert!(
        !text.contains(secret_part()),
        "{what} contains the key's secret part: {text}"
    );
}

#[test]
fn api_key_debug_is_pinned() {
    let key = ApiKey::new(KEY).unwrap();
    assert_eq!(format!("{key:?}"), "ApiKey(\"fk_live_…\")");
    assert_eq!(format!("{key:#?}"), "ApiKey(\"fk_live_…\")");
    assert_eq!(
        format!("{:?}", ApiKey::new("pk_live_0123456789abcdef").unwrap()),
        "ApiKey(\"pk_live_…\")"
    );
}

#[test]
fn client_and_builder_debug_show_settings_not_the_key() {
    let builder = Client::builder()
        .api_key(ApiKey::new(KEY).unwrap())
        .base_url("https://eu.api.foura.ai")
        .proxy(Some("http://user:proxypass@127.0.0.1:3128"));
    let text = format!("{builder:?} {builder:#?}");
    assert_clean("ClientBuilder", &text);
    let client = builder.build().unwrap();
    let text = format!("{client:?} {client:#?}");
    assert_clean("Client", &text);
    assert!(text.contains("https://eu.api.foura.ai"), "{text}");
    assert!(text.contains("connect_timeout"), "{text}");
    assert!(
        !text.contains("proxypass"),
        "proxy credentials are not shown either: {text}"
    );
}

#[test]
fn every_error_the_tests_can_provoke_is_free_of_the_key() {
    let server = MockServer::start();
    let client = Client::builder()
        .api_key(ApiKey::new(KEY).unwrap())
        .base_url(server.url())
        .proxy(None)
        .max_retries(0)
        .build()
        .unwrap();
    let mut errors = vec![
        ApiKey::new(format!("{KEY} extra")).unwrap_err(),
        ApiKey::new(format!("{KEY}\u{1}")).unwrap_err(),
        client.submit("nope", TaskType::Single).unwrap_err(),
        client
            .create_task(
                &TaskRequest::new("https://example.com", TaskType::Single).header("X", "a\nb"),
            )
            .unwrap_err(),
    ];
    let faults = [
        Fault::json(
            401,
            &json!({"error": {"code": "UNAUTHORIZED", "message": "Invalid or missing API key."}}),
        ),
        Fault::json(403, &json!({"error": "API key disabled"})),
        Fault::json(429, &json!({"error": {"retryAfter": 3}})),
        Fault::status(500, "<html>oops</html>"),
        Fault::status(200, "not json"),
        Fault::json(200, &json!({"id": 1})),
        Fault::redirect(302, "https://elsewhere.example/"),
        Fault::drop_connection(),
    ];
    for fault in faults {
        server.push_fault(fault);
        errors.push(
            client
                .submit("https://example.com", TaskType::Single)
                .unwrap_err(),
        );
    }
    for err in &errors {
        assert_clean("Error", &format!("{err} {err:?} {err:#?} {:?}", err.kind()));
    }
}

#[test]
fn a_server_that_echoes_the_key_cannot_make_an_error_print_it() {
    let server = MockServer::start();
    let client = server.client();
    // A proxy error page or a chatty server that quotes the request's headers back.
    let echo = format!("Authorization: Bearer {KEY} was rejected");
    server.push_fault(Fault::json(
        401,
        &json!({"error": {"message": echo, "code": KEY}, "echo": [KEY]}),
    ));
    let err = client
        .submit("https://example.com", TaskType::Single)
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Unauthorized);
    assert_clean(
        "echoed JSON error",
        &format!("{err} {err:?} {:?} {:?}", err.body(), err.code()),
    );

    server.push_fault(Fault::status(
        502,
        format!("<html><pre>{echo}</pre></html>"),
    ));
    let err = client
        .submit("https://example.com", TaskType::Single)
        .unwrap_err();
    assert_clean("echoed HTML error", &format!("{err} {err:?}"));

    server.push_fault(Fault::status(200, format!("<p>{echo}</p>")));
    let err = client
        .submit("https://example.com", TaskType::Single)
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Decode);
    assert_clean("echoed decode error", &format!("{err} {err:?}"));

    server.push_fault(Fault::redirect(
        302,
        &format!("https://elsewhere.example/?k={KEY}"),
    ));
    let err = client
        .submit("https://example.com", TaskType::Single)
        .unwrap_err();
    assert_clean("echoed redirect", &format!("{err} {err:?}"));
}

#[test]
fn task_and_request_debug_are_free_of_the_key() {
    let server = MockServer::start();
    let client = server.client();
    let request = TaskRequest::new("https://example.com", TaskType::Browser).wait_for("#main");
    let task = client.create_task(&request).unwrap();
    assert_clean("Task", &format!("{task:?} {request:?}"));
    let tasks = client.list_tasks().unwrap();
    assert_clean("Vec<Task>", &format!("{tasks:?}"));
    assert_clean(
        "MockServer request log",
        &format!("{:?}", server.requests()),
    );
}

#[test]
fn the_key_is_never_in_the_url() {
    let server = MockServer::start();
    let client = server.client();
    client
        .submit("https://example.com", TaskType::Single)
        .unwrap();
    client.list_tasks().unwrap();
    for request in server.requests() {
        assert_clean("request target", &request.path);
        assert_clean("request body", &request.body_text());
        let carrying: Vec<_> = request
            .headers
            .iter()
            .filter(|(_, v)| v.contains(KEY))
            .map(|(n, _)| n.to_ascii_lowercase())
            .collect();
        assert_eq!(
            carrying,
            ["authorization"],
            "only the Authorization header carries the key"
        );
    }
}

#[test]
fn engine_requests_responses_errors_and_hook_data_are_free_of_the_key() {
    use std::sync::{Arc, Mutex};

    let engine_key = MockServer::ENGINE_KEY;
    let server = MockServer::start();
    let seen = Arc::new(Mutex::new(Vec::new()));
    let log = Arc::clone(&seen);
    let client = Client::builder()
        .api_key(ApiKey::new(engine_key).unwrap())
        .base_url(server.url())
        .proxy(None)
        .max_retries(1)
        .on_attempt(move |a| log.lock().unwrap().push(format!("{a:?}")))
        .build()
        .unwrap();
    let single = foura::SingleRequest::get("https://example.com/");
    let proxy = foura::ProxyRequest::new(foura::SingleRequest::get("https://example.com/"));
    let browser = foura::BrowserRequest::new("https://example.com/");
    let auto = foura::AutoRequest::new("https://example.com/");
    let mut text = format!("{single:?} {proxy:?} {browser:?} {auto:?} {client:?}");
    text += &format!("{:?}", client.single(&single).unwrap());
    text += &format!("{:?}", client.proxy(&proxy).unwrap());
    text += &format!("{:?}", client.browser(&browser).unwrap());
    text += &format!("{:?}", client.auto(&auto).unwrap());
    text += &format!("{:?}", client.profiles().unwrap());
    server.push_faults(
        2,
        Fault::json(
            503,
            &json!({"error": "Service at capacity", "current": {}, "retryAfter": 0}),
        ),
    );
    let err = client.single(&single).unwrap_err();
    text += &format!("{err} {err:?}");
    let err = client
        .single(&foura::SingleRequest::get("https://timeout.test/"))
        .unwrap_err();
    text += &format!("{err} {err:?}");
    let hook = seen.lock().unwrap().join("\n");
    assert!(
        hook.contains("attempt: 2"),
        "the hook saw the retry: {hook}"
    );
    for (what, t) in [("engine Debug/Display", &text), ("hook data", &hook)] {
        assert!(!t.contains(engine_key), "{what} contains the key");
        assert!(
            !t.contains(&engine_key["pk_live_".len()..]),
            "{what} contains the key's secret part"
        );
    }
}

#[test]
fn the_engine_key_never_follows_a_redirect() {
    // ureq would forward X-API-Key to any host a redirect names; the client follows none.
    let server = MockServer::start();
    let elsewhere = MockServer::start();
    let client = Client::builder()
        .api_key(ApiKey::new(MockServer::ENGINE_KEY).unwrap())
        .base_url(server.url())
        .proxy(None)
        .build()
        .unwrap();
    for status in [301, 302, 307, 308] {
        server.push_fault(Fault::redirect(
            status,
            &format!("{}/api/single/", elsewhere.url()),
        ));
        let err = client
            .single(&foura::SingleRequest::get("https://example.com/"))
            .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::UnexpectedRedirect);
        assert_eq!(err.attempts(), 1, "redirects are not retried");
    }
    assert_eq!(elsewhere.request_count(), 0);
    assert_eq!(elsewhere.connections_accepted(), 0);
}

#[test]
fn each_api_gets_only_its_own_credential_header() {
    let server = MockServer::start();
    let client = server.client();
    client
        .submit("https://example.com", TaskType::Single)
        .unwrap();
    client
        .single(&foura::SingleRequest::get("https://example.com/"))
        .unwrap();
    client.profiles().unwrap();
    foura::service_status_at(&server.url()).unwrap();
    let requests = server.requests();
    let tasks = &requests[0];
    assert!(tasks.header("authorization").is_some() && tasks.header("x-api-key").is_none());
    let engine = &requests[1];
    assert!(engine.header("x-api-key").is_some() && engine.header("authorization").is_none());
    for public in &requests[2..] {
        assert!(public.header("x-api-key").is_none() && public.header("authorization").is_none());
        assert_clean(
            "public request",
            &format!("{public:?} {}", public.body_text()),
        );
    }
}

/// A minimal HTTP proxy on loopback that records the first bytes of every connection.
fn recording_proxy() -> (String, std::sync::Arc<std::sync::Mutex<Vec<u8>>>) {
    use std::io::Read;
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let seen = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let log = std::sync::Arc::clone(&seen);
    std::thread::spawn(move || {
        for mut stream in listener.incoming().flatten() {
            let _ = stream.set_read_timeout(Some(std::time::Duration::from_millis(500)));
            let mut buf = [0u8; 4096];
            if let Ok(n) = stream.read(&mut buf) {
                log.lock().unwrap().extend_from_slice(&buf[..n]);
            }
        }
    });
    (url, seen)
}

#[test]
fn no_proxy_ever_sees_the_key_in_cleartext() {
    let server = MockServer::start();
    let (proxy, seen) = recording_proxy();
    // An explicit proxy with a plain-http base is refused before anything is sent.
    let err = Client::builder()
        .api_key(ApiKey::new(KEY).unwrap())
        .base_url(server.url())
        .proxy(Some(&proxy))
        .build()
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidConfig);
    assert!(err.to_string().contains("cleartext"), "{err}");
    // A proxy from the environment is ignored for a plain-http base: the request goes
    // straight to the loopback host. (This binary's other tests build their clients with
    // an explicit `proxy(None)`, so setting the variable here cannot reroute them.)
    // SAFETY: no other test in this binary reads ALL_PROXY.
    unsafe { std::env::set_var("ALL_PROXY", &proxy) };
    let client = Client::builder()
        .api_key(ApiKey::new(KEY).unwrap())
        .base_url(server.url())
        .build();
    // SAFETY: as above.
    unsafe { std::env::remove_var("ALL_PROXY") };
    client
        .unwrap()
        .submit("https://example.com", TaskType::Single)
        .unwrap();
    assert_eq!(
        server.request_count(),
        1,
        "the request went to the loopback host"
    );
    std::thread::sleep(std::time::Duration::from_millis(100));
    assert!(seen.lock().unwrap().is_empty(), "the proxy saw nothing");
}

#[test]
fn a_source_error_quoting_the_key_is_redacted_too() {
    // serde_json quotes the offending value in its message, and the message is the source.
    let server = MockServer::start();
    let client = Client::builder()
        .api_key(ApiKey::new(KEY).unwrap())
        .base_url(server.url())
        .proxy(None)
        .max_retries(0)
        .build()
        .unwrap();
    server.push_fault(Fault::json(
        200,
        &json!({"id": "t", "status": "completed", "timing": format!("Bearer {KEY}")}),
    ));
    let err = client
        .submit("https://example.com", TaskType::Single)
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Decode);
    let mut chain = format!("{err} {err:?}");
    let mut source = std::error::Error::source(&err);
    while let Some(s) = source {
        chain += &format!(" {s} {s:?}");
        source = s.source();
    }
    assert!(chain.contains("redacted"), "{chain}");
    assert_clean("the error's source chain", &chain);
}
