//! The tasks API over loopback against the emulator: the wire request, options, decoding.

use std::time::Duration;

use foura::mock::{Fault, MockServer};
use foura::{ErrorKind, TaskRequest, TaskStatus, TaskType};
use serde_json::json;

mod support;

use support::{builder_at, server_with, submit_example};

#[test]
fn submit_sends_exactly_the_seed_curl_request() {
    let server = MockServer::start();
    let task = server
        .client()
        .submit("https://example.com", TaskType::Single)
        .unwrap();

    let requests = server.requests();
    assert_eq!(requests.len(), 1);
    let r = &requests[0];
    assert_eq!(r.method, "POST");
    assert_eq!(r.path, "/api/v1/tasks");
    assert_eq!(
        r.header("authorization"),
        Some(format!("Bearer {}", MockServer::TEST_KEY).as_str())
    );
    assert_eq!(r.header("content-type"), Some("application/json"));
    assert_eq!(
        r.body_text(),
        r#"{"url":"https://example.com","type":"single"}"#
    );
    assert!(
        r.header("x-api-key").is_none(),
        "the tasks API uses Bearer only"
    );

    assert_eq!(task.status, TaskStatus::Completed);
    assert!(task.id.starts_with("task_"), "{}", task.id);
    assert_eq!(task.url.as_deref(), Some("https://example.com"));
    assert_eq!(task.task_type, Some(TaskType::Single));
    assert_eq!(task.status_code, Some(200));
    assert!(
        task.content
            .as_deref()
            .unwrap()
            .contains("<h1>https://example.com</h1>")
    );
    assert_eq!(
        task.header("content-type"),
        Some("text/html; charset=utf-8")
    );
    assert!(task.timing.as_ref().unwrap().total.unwrap() > 0.0);
    assert!(task.created_at.as_deref().unwrap().ends_with('Z'));
    assert!(task.extra.is_empty(), "{:?}", task.extra);
}

#[test]
fn result_carries_the_request_id_the_server_sent() {
    let server = MockServer::start();
    let client = server.client();
    let [first, second] = ["https://example.com/a", "https://example.com/b"]
        .map(|url| client.submit(url, TaskType::Single).unwrap());
    let first_id = first.request_id().unwrap();
    assert_eq!(first_id.len(), 36, "{first_id}");
    assert_ne!(first.request_id(), second.request_id());
    assert_eq!(first.meta().request_id.as_deref(), Some(first_id));
}

#[test]
fn create_task_sends_every_option_under_its_documented_name() {
    let server = MockServer::start();
    let request = TaskRequest::new("https://example.com/products", TaskType::Browser)
        .wait_for(".product-list")
        .timeout(Duration::from_millis(15_000))
        .proxy_country("de")
        .javascript(true)
        .header("Accept", "text/html")
        .header("X-Trace", "abc");
    let task = server.client().create_task(&request).unwrap();
    assert_eq!(task.task_type, Some(TaskType::Browser));

    let body = server.last_request().unwrap().body_json().unwrap();
    assert_eq!(
        body,
        json!({
            "url": "https://example.com/products",
            "type": "browser",
            "options": {
                "waitFor": ".product-list",
                "timeout": 15000,
                "proxyCountry": "DE",
                "javascript": true,
                "headers": {"Accept": "text/html", "X-Trace": "abc"}
            }
        })
    );
}

#[test]
fn unset_options_are_omitted_one_by_one() {
    let server = MockServer::start();
    let client = server.client();
    client
        .create_task(&TaskRequest::new("https://example.com", TaskType::Single).javascript(false))
        .unwrap();
    assert_eq!(
        server.last_request().unwrap().body_text(),
        r#"{"url":"https://example.com","type":"single","options":{"javascript":false}}"#
    );
    client
        .create_task(
            &TaskRequest::new("https://example.com", TaskType::Proxy).proxy_country(" fr "),
        )
        .unwrap();
    assert_eq!(
        server.last_request().unwrap().body_text(),
        r#"{"url":"https://example.com","type":"proxy","options":{"proxyCountry":"FR"}}"#
    );
}

#[test]
fn invalid_input_sends_nothing() {
    let server = MockServer::start();
    let client = server.client();
    let bad = [
        TaskRequest::new("not a url", TaskType::Single),
        TaskRequest::new("mailto:someone@example.com", TaskType::Single),
        TaskRequest::new("https://example.com", TaskType::Single).wait_for(".x"),
        TaskRequest::new("https://example.com", TaskType::Proxy).proxy_country("Deutschland"),
        TaskRequest::new("https://example.com", TaskType::Single)
            .timeout(Duration::from_micros(10)),
        TaskRequest::new("https://example.com", TaskType::Single).header("Bad\nName", "v"),
    ];
    for request in &bad {
        let err = client.create_task(request).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidRequest, "{err}");
        assert_eq!(err.status(), None, "refused locally, not by the server");
    }
    assert_eq!(
        client.submit("", TaskType::Single).unwrap_err().kind(),
        ErrorKind::InvalidRequest
    );
    assert_eq!(server.request_count(), 0, "nothing may reach the server");
    assert_eq!(server.connections_accepted(), 0, "not even a connection");
}

#[test]
fn list_tasks_returns_what_was_created() {
    let server = MockServer::start();
    let client = server.client();
    let [a, b] = [
        ("https://example.com/1", TaskType::Single),
        ("https://example.com/2", TaskType::Proxy),
    ]
    .map(|(url, task_type)| client.submit(url, task_type).unwrap());
    let tasks = client.list_tasks().unwrap();
    let ids: Vec<_> = tasks.iter().map(|t| t.id.as_str()).collect();
    assert_eq!(ids, [a.id.as_str(), b.id.as_str()]);
    let last = server.last_request().unwrap();
    assert_eq!(
        (last.method.as_str(), last.path.as_str()),
        ("GET", "/api/v1/tasks")
    );
    assert!(last.body.is_empty());
    assert!(tasks[0].request_id().is_some());
}

#[test]
fn list_tasks_reads_every_envelope_shape() {
    let server = MockServer::start();
    let client = server.client();
    let task = json!({"id": "task_1", "status": "completed"});
    for body in [
        json!([task]),
        json!({"tasks": [task]}),
        json!({"data": [task], "page": 1}),
        json!({"items": [task], "next": null}),
    ] {
        server.push_fault(Fault::json(200, &body));
        let tasks = client.list_tasks().unwrap();
        assert_eq!(tasks.len(), 1, "{body}");
        assert_eq!(tasks[0].id, "task_1");
    }
    server.push_fault(Fault::json(200, &json!({"results": 3})));
    let err = client.list_tasks().unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Decode);
    assert!(err.to_string().contains("tasks"), "{err}");
}

#[test]
fn unknown_fields_and_statuses_decode() {
    let server = server_with(Fault::json(
        200,
        &json!({
            "id": "task_9", "status": "queued", "type": "crawler", "statusCode": null,
            "priority": 5, "webhook": {"url": "https://hooks.example"},
            "timing": {"total": "1500", "queue": 20}
        }),
    ));
    let task = submit_example(&server.client()).unwrap();
    assert_eq!(task.status, TaskStatus::Other("queued".into()));
    assert_eq!(task.status.as_str(), "queued");
    assert_eq!(task.task_type, Some(TaskType::Other("crawler".into())));
    assert_eq!(task.status_code, None);
    assert_eq!(task.content, None);
    assert_eq!(task.extra["priority"], 5);
    assert_eq!(task.extra["webhook"]["url"], "https://hooks.example");
    let timing = task.timing.unwrap();
    assert_eq!(timing.total, Some(1500.0));
    assert_eq!(timing.extra["queue"], 20);
}

#[test]
fn a_task_without_an_id_is_a_decode_error_with_the_request_id() {
    let server = server_with(Fault::json(200, &json!({"status": "completed"})));
    let err = submit_example(&server.client()).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Decode);
    assert!(err.to_string().contains("id"), "{err}");
    assert!(err.request_id().is_some());
}

#[test]
fn html_with_status_200_is_a_decode_error_with_a_snippet() {
    let server = server_with(
        Fault::status(
            200,
            "<html><body><h1>Please enable cookies</h1></body></html>",
        )
        .header("Content-Type", "text/html"),
    );
    let err = submit_example(&server.client()).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Decode);
    let text = err.to_string();
    assert!(text.contains("not JSON"), "{text}");
    assert!(text.contains("Please enable cookies"), "{text}");
}

#[test]
fn user_agent_names_the_crate_and_the_suffix() {
    let server = MockServer::start();
    let client = builder_at(format!("{}/api/v1", server.url()), MockServer::TEST_KEY)
        .user_agent_suffix("my-tool/1.0")
        .build()
        .unwrap();
    submit_example(&client).unwrap();
    let ua = server
        .last_request()
        .unwrap()
        .header("user-agent")
        .unwrap()
        .to_owned();
    assert_eq!(
        ua,
        format!("foura-rust/{} my-tool/1.0", env!("CARGO_PKG_VERSION"))
    );
    assert_eq!(client.user_agent(), ua);
}

#[test]
fn clones_share_one_connection_pool() {
    let server = MockServer::start();
    let client = server.client();
    let clone = client.clone();
    for _ in 0..3 {
        submit_example(&client).unwrap();
        submit_example(&clone).unwrap();
    }
    assert_eq!(server.request_count(), 6);
    assert_eq!(
        server.connections_accepted(),
        1,
        "keep-alive reuses one connection"
    );
}

#[test]
fn the_client_works_from_many_threads() {
    let server = MockServer::start();
    let client = server.client();
    std::thread::scope(|s| {
        for i in 0..8 {
            let client = client.clone();
            s.spawn(move || {
                let task = client
                    .submit(&format!("https://example.com/{i}"), TaskType::Single)
                    .unwrap();
                assert_eq!(task.url.unwrap(), format!("https://example.com/{i}"));
            });
        }
    });
    assert_eq!(server.tasks().len(), 8);
}

#[test]
fn an_engine_key_refused_by_the_tasks_api_names_the_engine_api() {
    let server = MockServer::start();
    let client = support::builder_for(&server, "pk_live_unknown00000000000000000")
        .build()
        .unwrap();
    let err = submit_example(&client).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Unauthorized, "{err}");
    assert_eq!(err.attempts(), 1);
    let hint = err.hint().unwrap();
    assert!(hint.contains("pk_live_ key is an engine-API key"), "{hint}");
    assert!(hint.contains("Client::single"), "{hint}");
    assert!(hint.contains("fk_live_"), "{hint}");
    // Beside it, the founding document's two fixes and the causes a 401 cannot tell apart.
    for advice in [
        "Authorization: Bearer",
        "trim whitespace",
        "expired",
        "regenerated",
    ] {
        assert!(hint.contains(advice), "{advice}: {hint}");
    }
    let r = server.last_request().unwrap();
    assert_eq!(r.header("x-api-key"), None);
    assert!(r.header("authorization").unwrap().starts_with("Bearer "));
}

#[test]
fn a_tasks_key_refused_by_the_tasks_api_gets_no_talk_of_the_other_api() {
    let server = server_with(Fault::status(
        401,
        r#"{"error":{"code":"UNAUTHORIZED","message":"Invalid or missing API key.","status":401}}"#,
    ));
    let client = builder_at(server.url(), MockServer::TEST_KEY)
        .build()
        .unwrap();
    let err = submit_example(&client).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Unauthorized, "{err}");
    let hint = err.hint().unwrap();
    assert!(!hint.contains("engine-API key"), "{hint}");
    assert!(hint.contains("IP allow-list"), "{hint}");
}

#[test]
fn require_completed_turns_a_failed_or_pending_task_into_engine_failed() {
    let server = MockServer::start();
    let client = server.client();
    let done = submit_example(&client).unwrap();
    assert_eq!(
        done.require_completed().unwrap().status,
        TaskStatus::Completed
    );

    server.push_fault(Fault::json(
        201,
        &json!({"id": "task_9", "status": "failed", "url": "https://example.com",
                "error": {"message": "Download failed"}}),
    ));
    let failed = submit_example(&client).unwrap();
    let e = failed.require_completed().unwrap_err();
    assert_eq!(e.kind(), ErrorKind::EngineFailed);
    let text = e.to_string();
    assert!(text.contains("task_9 is failed: Download failed"), "{text}");

    server.push_fault(Fault::json(
        201,
        &json!({"id": "task_7", "status": "pending"}),
    ));
    let pending = submit_example(&client).unwrap();
    let e = pending.require_completed().unwrap_err();
    assert_eq!(e.kind(), ErrorKind::EngineFailed);
    assert!(e.to_string().contains("task_7 is pending"), "{e}");
}
