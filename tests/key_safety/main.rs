//! The key is never printed, never put in a URL, and never sent anywhere but the base URL.

use std::sync::{Arc, Mutex};

use foura::mock::{Fault, MockServer};
use foura::{ApiKey, Client, ErrorKind, TaskRequest, TaskType};
use serde_json::json;

#[path = "../support/mod.rs"]
mod support;

mod echoes;

use support::{builder_for, engines_builder, single_example, submit_example};

const KEY: &str = MockServer::TEST_KEY;
/// The part of the key after its prefix: what must never appear.
fn secret_part() -> &'static str {
    &KEY["fk_live_".len()..]
}

fn assert_clean(what: &str, text: &str) {
    assert!(!text.contains(KEY), "{what} contains the key: {text}");
    // Not even a fragment: no 10 characters of the secret part in a row.
    let secret = secret_part();
    for start in 0..=secret.len() - 10 {
        let fragment = &secret[start..start + 10];
        assert!(
            !text.contains(fragment),
            "{what} contains a fragment of the key ({fragment}): {text}"
        );
    }
}

/// Nothing a caller can print of `err` holds the key: its `Display`, its `Debug` (plain, as
/// `.unwrap()` shows it, and pretty), its kind, and the message, code and body FourA sent.
fn assert_error_clean(what: &str, err: &foura::Error) {
    let (kind, message, code, body) = (err.kind(), err.message(), err.code(), err.body());
    assert_clean(
        what,
        &format!("{err} {err:?} {err:#?} {kind:?} {message:?} {code:?} {body:?}"),
    );
}

/// Each of `faults` answers one task submission, then `engine_failure` answers a single-engine
/// call as an engine failure: no error that comes of them holds the key. `how` names the echo.
fn assert_errors_clean(
    server: &MockServer,
    client: &Client,
    how: &str,
    faults: impl IntoIterator<Item = Fault>,
    engine_failure: Fault,
) {
    for fault in faults {
        server.push_fault(fault);
        let err = submit_example(client).unwrap_err();
        assert_error_clean(&format!("an error {how}"), &err);
    }
    server.push_fault(engine_failure);
    let err = single_example(client).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::EngineFailed, "{how}: {err}");
    assert_error_clean(&format!("an engine failure {how}"), &err);
}

/// A fresh emulator and its own client.
fn start() -> (MockServer, Client) {
    let server = MockServer::start();
    let client = server.client();
    (server, client)
}

/// A client that makes one attempt per call, so each answer reaches the caller as it is.
fn single_shot(server: &MockServer) -> Client {
    builder_for(server, KEY).max_retries(0).build().unwrap()
}

/// A client for `server` with `key` and `retries` retries, and the `Debug` text of every
/// [`Attempt`](foura::Attempt) its hook saw.
fn logging_client(
    server: &MockServer,
    key: &str,
    retries: u32,
) -> (Client, Arc<Mutex<Vec<String>>>) {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let log = Arc::clone(&seen);
    let client = builder_for(server, key)
        .max_retries(retries)
        .on_attempt(move |a| log.lock().unwrap().push(format!("{a:?}")))
        .build()
        .unwrap();
    (client, seen)
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
    let client = single_shot(&server);
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
        errors.push(submit_example(&client).unwrap_err());
    }
    for err in &errors {
        assert_error_clean("Error", err);
    }
}

#[test]
fn a_server_that_echoes_the_key_cannot_make_an_error_print_it() {
    let (server, client) = start();
    // A proxy error page or a chatty server that quotes the request's headers back.
    let echo = format!("Authorization: Bearer {KEY} was rejected");
    server.push_fault(Fault::json(
        401,
        &json!({"error": {"message": echo, "code": KEY}, "echo": [KEY]}),
    ));
    let err = submit_example(&client).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Unauthorized);
    assert_error_clean("echoed JSON error", &err);

    server.push_fault(Fault::status(
        502,
        format!("<html><pre>{echo}</pre></html>"),
    ));
    let err = submit_example(&client).unwrap_err();
    assert_error_clean("echoed HTML error", &err);

    server.push_fault(Fault::status(200, format!("<p>{echo}</p>")));
    let err = submit_example(&client).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Decode);
    assert_error_clean("echoed decode error", &err);

    server.push_fault(Fault::redirect(
        302,
        &format!("https://elsewhere.example/?k={KEY}"),
    ));
    let err = submit_example(&client).unwrap_err();
    assert_error_clean("echoed redirect", &err);
}

#[test]
fn task_and_request_debug_are_free_of_the_key() {
    let (server, client) = start();
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
    let (server, client) = start();
    submit_example(&client).unwrap();
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
    let engine_key = MockServer::ENGINE_KEY;
    let server = MockServer::start();
    let (client, seen) = logging_client(&server, engine_key, 1);
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
    let client = engines_builder(&server).build().unwrap();
    for status in [301, 302, 307, 308] {
        server.push_fault(Fault::redirect(
            status,
            &format!("{}/api/single/", elsewhere.url()),
        ));
        let err = single_example(&client).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::UnexpectedRedirect);
        assert_eq!(err.attempts(), 1, "redirects are not retried");
    }
    assert_eq!(elsewhere.request_count(), 0);
    assert_eq!(elsewhere.connections_accepted(), 0);
}

#[test]
fn each_api_gets_only_its_own_credential_header() {
    let (server, client) = start();
    submit_example(&client).unwrap();
    single_example(&client).unwrap();
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

#[test]
fn no_fragment_of_the_key_survives_a_cut_short_message() {
    let server = MockServer::start();
    let client = single_shot(&server);
    // Place the key across every cut: messages (500), HTML snippets (160), decode snippets
    // (120), redirect locations (200); and as a JSON object key.
    for pad in [480, 490, 495, 150, 155, 110, 115, 190, 195] {
        let filler = "x".repeat(pad);
        let faults = [
            Fault::json(
                401,
                &json!({"error": {"message": format!("{filler}{KEY}")}}),
            ),
            Fault::json(
                503,
                &json!({"error": format!("{filler}{KEY}"), "current": {}}),
            ),
            Fault::status(502, format!("<p>{filler}{KEY}</p>")),
            Fault::status(200, format!("{filler}{KEY}")),
            Fault::redirect(302, &format!("https://elsewhere.example/{filler}{KEY}")),
            Fault::json(500, &json!({"error": "x", "echo": {KEY: KEY}})),
        ];
        let engine_failure = Fault::json(
            200,
            &json!({"status": 0, "error": format!("{filler}{KEY}"), KEY: 1}),
        );
        let how = format!("cut short after {pad} characters");
        assert_errors_clean(&server, &client, &how, faults, engine_failure);
    }
}

#[test]
fn localhost_names_reach_the_loopback_emulator_without_asking_the_resolver() {
    // RFC 6761: `localhost` and every name under `.localhost` are loopback. A resolver is not
    // asked (it does not know `*.localhost`, and an odd hosts file could send the cleartext key
    // elsewhere): the names are answered with the loopback addresses, as curl does.
    let server = MockServer::start();
    let port = server.addr().port();
    for host in [
        "localhost",
        "LocalHost",
        "api.foura-test.localhost",
        "a.b.localhost.",
    ] {
        let client = builder_for(&server, KEY)
            .base_url(format!("http://{host}:{port}"))
            .build()
            .unwrap_or_else(|e| panic!("{host}: {e}"));
        submit_example(&client).unwrap_or_else(|e| panic!("{host}: {e}"));
    }
    assert_eq!(
        server.request_count(),
        4,
        "every request reached the emulator"
    );
    // A name that only ends like one is not loopback.
    for host in ["notlocalhost", "localhost.example.com", "evil-localhost"] {
        let err = builder_for(&server, KEY)
            .base_url(format!("http://{host}:{port}"))
            .build()
            .map(|_| ())
            .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidConfig, "{host}");
    }
}

#[test]
fn debug_shows_a_prefix_only_when_it_is_shaped_like_fouras() {
    for (key, shown) in [
        ("fk_live_a1b2c3", "ApiKey(\"fk_live_…\")"),
        ("pk_test_0123456789", "ApiKey(\"pk_test_…\")"),
        // Shapes where the "prefix" would be part of the secret.
        ("sk_a1b2c3d4e5_rest", "ApiKey(\"…\")"),
        ("A1b2C3_d4e5_f6", "ApiKey(\"…\")"),
        ("k_x", "ApiKey(\"…\")"),
    ] {
        let key = ApiKey::new(key).unwrap();
        assert_eq!(format!("{key:?}"), shown, "{}", key.prefix());
    }
}
