//! The process-wide client behind `foura::submit`, installed by a test. Its own binary: the
//! client is process-wide, so no other test may install or build one first.

use foura::mock::MockServer;
use foura::{TaskRequest, TaskType};

mod support;

use support::last;

#[test]
fn an_installed_client_serves_the_free_functions_and_a_second_install_is_refused() {
    let server = MockServer::start();
    foura::set_global_client(server.client()).expect("no process-wide client was in use");

    let task = foura::submit("https://example.com/global", TaskType::Single).unwrap();
    assert!(!task.id.is_empty());
    let sent = last(&server);
    assert_eq!(sent.path, "/api/v1/tasks");
    assert_eq!(
        sent.body_text(),
        r#"{"url":"https://example.com/global","type":"single"}"#
    );
    let bearer = format!("Bearer {}", MockServer::TEST_KEY);
    assert_eq!(sent.header("authorization"), Some(bearer.as_str()));

    foura::create_task(&TaskRequest::new("https://example.com/b", TaskType::Proxy)).unwrap();
    assert_eq!(foura::list_tasks().unwrap().len(), 2);
    assert_eq!(server.request_count(), 3);
    assert_eq!(foura::global_client().unwrap().base_url(), server.url());

    let other = MockServer::start();
    let refused = foura::set_global_client(other.client()).unwrap_err();
    assert_eq!(
        refused.base_url(),
        other.url(),
        "the refused client is handed back"
    );
    foura::submit("https://example.com", TaskType::Single).unwrap();
    assert_eq!(other.request_count(), 0);
    assert_eq!(server.request_count(), 4);
}
