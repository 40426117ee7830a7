//! Dry runs: `Client::preview` sends nothing, and the `curl` command it prints, run by a real
//! shell, makes the emulator receive exactly the request the client itself sends.

use std::process::Command;
use std::time::Duration;

use foura::mock::{MockServer, ReceivedRequest};
use foura::{
    AutoRequest, BrowserRequest, Client, ErrorKind, Preview, ProxyRequest, SingleRequest,
    TaskRequest, TaskType,
};

mod support;

use support::{engines_builder, last, tasks_builder};

/// Text a shell would act on if it were not quoted: a single quote, `$`, a backtick, a
/// backslash, a newline (escaped in the JSON body), `!`, `;`, a glob and non-ASCII.
const TRICKY: &str = "it's $HOME `id` \\ \n!x; *? — Grüße";

/// Runs `preview.to_curl()` with `bash -c`, `FOURA_API_KEY` set to `key` in the child's
/// environment only (and no proxy or curl configuration from ours), and returns what the
/// emulator received.
fn run_curl(server: &MockServer, preview: &Preview, key: &str) -> ReceivedRequest {
    let before = server.request_count();
    let output = Command::new("bash")
        .arg("-c")
        .arg(preview.to_curl())
        .env("FOURA_API_KEY", key)
        .env("HOME", env!("CARGO_TARGET_TMPDIR"))
        .env("CURL_HOME", env!("CARGO_TARGET_TMPDIR"))
        .env_remove("http_proxy")
        .env_remove("HTTP_PROXY")
        .env_remove("all_proxy")
        .env_remove("ALL_PROXY")
        .output()
        .expect("bash and curl are installed");
    assert!(
        output.status.success(),
        "curl failed: {}\n{}",
        String::from_utf8_lossy(&output.stderr),
        preview.to_curl()
    );
    assert_eq!(server.request_count(), before + 1, "curl sent one request");
    last(server)
}

/// The header names a request carries, sorted.
fn names(request: &ReceivedRequest) -> Vec<String> {
    let mut names: Vec<String> = request
        .headers
        .iter()
        .map(|(n, _)| n.to_ascii_lowercase())
        .collect();
    names.sort();
    names
}

/// Previews `request`, checks that previewing sent nothing, runs the printed command, sends
/// `request` with the client, and asserts the emulator saw the same request both times.
fn curl_matches_the_client<T>(
    server: &MockServer,
    client: &Client,
    key: &str,
    preview: Preview,
    send: impl FnOnce(&Client) -> Result<T, foura::Error>,
) {
    assert_eq!(server.request_count(), 0, "preview sent nothing");
    let by_curl = run_curl(server, &preview, key);
    send(client).expect("the client's own call succeeds");
    let by_client = last(server);

    assert_eq!(by_curl.method, by_client.method);
    assert_eq!(by_curl.method, preview.method());
    assert_eq!(by_curl.path, by_client.path);
    assert_eq!(format!("{}{}", server.url(), by_curl.path), preview.url());
    for header in [
        "authorization",
        "x-api-key",
        "content-type",
        "accept",
        "user-agent",
        "content-length",
    ] {
        assert_eq!(
            by_curl.header(header),
            by_client.header(header),
            "header {header}"
        );
    }
    assert_eq!(names(&by_curl), names(&by_client), "the same headers");
    assert_eq!(by_curl.body, by_client.body, "the same body bytes");
    assert_eq!(by_curl.body, preview.body());
}

#[test]
fn a_task_with_shell_specials_is_sent_by_curl_exactly_as_by_the_client() {
    let server = MockServer::start();
    let client = tasks_builder(&server)
        .user_agent_suffix("dry-run/1.0 (it's $USER)")
        .build()
        .unwrap();
    let request = TaskRequest::new(
        "https://example.com/it's/$HOME/Grüße?q=a\\b",
        TaskType::Proxy,
    )
    .header("X-Note", TRICKY.replace('\n', " "))
    .timeout(Duration::from_secs(20));
    let preview = client.preview(&request).unwrap();
    assert_eq!(
        preview.header("authorization"),
        Some("Bearer $FOURA_API_KEY")
    );
    curl_matches_the_client(&server, &client, MockServer::TEST_KEY, preview, |c| {
        c.create_task(&request)
    });
    let bearer = format!("Bearer {}", MockServer::TEST_KEY);
    assert_eq!(last(&server).header("authorization"), Some(bearer.as_str()));
}

#[test]
fn engine_requests_are_sent_by_curl_exactly_as_by_the_client() {
    let key = MockServer::ENGINE_KEY;
    let single = SingleRequest::new("POST", "https://example.com/form?x='1'")
        .header("X-Note", TRICKY.replace('\n', " "))
        .body(TRICKY);
    let proxy = ProxyRequest::new(SingleRequest::get("https://example.com/$PATH")).max_tries(3);
    let browser =
        BrowserRequest::new("https://example.com/it's").header("X-Note", TRICKY.replace('\n', " "));
    let auto = AutoRequest::new("https://example.com/a'b").body(TRICKY);

    let server = MockServer::start();
    let client = engines_builder(&server).build().unwrap();
    let preview = client.preview(&single).unwrap();
    assert_eq!(preview.header("x-api-key"), Some("$FOURA_API_KEY"));
    curl_matches_the_client(&server, &client, key, preview, |c| c.single(&single));

    let server = MockServer::start();
    let client = engines_builder(&server).build().unwrap();
    let preview = client.preview(&proxy).unwrap();
    curl_matches_the_client(&server, &client, key, preview, |c| c.proxy(&proxy));

    let server = MockServer::start();
    let client = engines_builder(&server).build().unwrap();
    let preview = client.preview(&browser).unwrap();
    curl_matches_the_client(&server, &client, key, preview, |c| c.browser(&browser));

    let server = MockServer::start();
    let client = engines_builder(&server)
        .auto_path("/api/auto/")
        .build()
        .unwrap();
    let preview = client.preview(&auto).unwrap();
    assert!(preview.url().ends_with("/api/auto/"), "{}", preview.url());
    curl_matches_the_client(&server, &client, key, preview, |c| c.auto(&auto));
    assert_eq!(last(&server).header("x-api-key"), Some(key));
}

#[test]
fn an_invalid_request_fails_the_preview_as_it_fails_the_call_and_nothing_is_sent() {
    let server = MockServer::start();
    let client = tasks_builder(&server).build().unwrap();
    let request = TaskRequest::new("https://example.com", TaskType::Single).wait_for("#main");
    let previewed = client.preview(&request).unwrap_err();
    let sent = client.create_task(&request).unwrap_err();
    assert_eq!(previewed.kind(), ErrorKind::InvalidRequest);
    assert_eq!(previewed.to_string(), sent.to_string());

    let engine = SingleRequest::new("GET", "not a url");
    let previewed = client.preview(&engine).unwrap_err();
    assert_eq!(
        previewed.to_string(),
        client.single(&engine).unwrap_err().to_string()
    );

    let zero =
        TaskRequest::new("https://example.com", TaskType::Single).call_timeout(Duration::ZERO);
    let previewed = client.preview(&zero).unwrap_err();
    assert_eq!(
        previewed.to_string(),
        client.create_task(&zero).unwrap_err().to_string()
    );
    assert_eq!(server.request_count(), 0);
}

#[test]
fn a_preview_never_holds_the_key() {
    let server = MockServer::start();
    let client = tasks_builder(&server).build().unwrap();
    let task = client
        .preview(&TaskRequest::new("https://example.com", TaskType::Single))
        .unwrap();
    let engine = engines_builder(&server)
        .build()
        .unwrap()
        .preview(&SingleRequest::get("https://example.com/"))
        .unwrap();
    for (preview, key) in [
        (&task, MockServer::TEST_KEY),
        (&engine, MockServer::ENGINE_KEY),
    ] {
        let secret = &key["fk_live_".len()..];
        for text in [format!("{preview:?}"), preview.to_curl()] {
            assert!(!text.contains(secret), "{text}");
            assert!(text.contains("$FOURA_API_KEY"), "{text}");
        }
        for (_, value) in preview.headers() {
            assert!(!value.contains(secret));
        }
    }
    assert!(
        task.to_curl()
            .contains(r#" -H "authorization: Bearer $FOURA_API_KEY" "#)
    );
    assert!(
        engine
            .to_curl()
            .contains(r#" -H "x-api-key: $FOURA_API_KEY" "#)
    );
    assert_eq!(server.request_count(), 0);
}
