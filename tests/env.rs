//! Configuration from the environment, and the plain functions built on it.
//!
//! The environment is process-wide, so everything that changes it runs in this one test, in
//! order, in its own test binary.

mod support;

use foura::mock::MockServer;
use foura::{ApiKey, Client, ErrorKind, TaskRequest, TaskType};

#[test]
fn environment_configuration_end_to_end() {
    let server = MockServer::start();

    // No key: the error names the variable and where keys live.
    support::unset_env("FOURA_API_KEY");
    support::unset_env("FOURA_API_BASE");
    let err = ApiKey::from_env().unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidKey);
    let text = err.to_string();
    assert!(text.contains("FOURA_API_KEY"), "{text}");
    assert!(text.contains("Settings → API Access"), "{text}");
    let err = foura::submit("https://example.com", TaskType::Single).unwrap_err();
    assert_eq!(
        err.kind(),
        ErrorKind::InvalidKey,
        "a failed global build is reported"
    );

    // A key with inner whitespace is refused without being echoed.
    support::set_env("FOURA_API_KEY", "fk_live_abc def");
    let err = Client::from_env().unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidKey);
    assert!(err.to_string().contains("FOURA_API_KEY"), "{err}");
    assert!(!err.to_string().contains("abc def"), "{err}");

    // A key pasted with surrounding whitespace is trimmed.
    support::set_env("FOURA_API_KEY", &format!("  {}\n", MockServer::TEST_KEY));
    assert_eq!(
        ApiKey::from_env().unwrap().expose_secret(),
        MockServer::TEST_KEY
    );

    // FOURA_API_BASE in any documented form (here with /api, as FourA's own tools use it).
    support::set_env("FOURA_API_BASE", &format!("{}/api", server.url()));
    let client = Client::from_env().unwrap();
    assert_eq!(client.base_url(), server.url());

    // The plain functions build the process-wide client from the environment once.
    let task = foura::submit("https://example.com", TaskType::Single).unwrap();
    assert_eq!(task.status, foura::TaskStatus::Completed);
    let request = TaskRequest::new("https://example.com/p", TaskType::Browser).wait_for("#p");
    let task = foura::create_task(&request).unwrap();
    assert_eq!(task.task_type, Some(TaskType::Browser));
    assert_eq!(foura::list_tasks().unwrap().len(), 2);
    let last = server.last_request().unwrap();
    assert_eq!(
        last.header("authorization"),
        Some(format!("Bearer {}", MockServer::TEST_KEY).as_str()),
        "the trimmed key is what is sent"
    );
    assert!(std::ptr::eq(
        foura::global_client().unwrap(),
        foura::global_client().unwrap()
    ));

    // A plain-http base to another host is refused from the environment too.
    support::set_env("FOURA_API_BASE", "http://eu.api.foura.ai/api");
    assert_eq!(
        Client::from_env().unwrap_err().kind(),
        ErrorKind::InvalidConfig
    );
}
