//! Rotating a key in place: `Client::with_key` keeps the settings and the connection pool and
//! sends only the new key, while the old client keeps its own until dropped.

use foura::mock::MockServer;
use foura::{ApiKey, TaskType};

mod support;

use support::{last, single_example, tasks_builder};

const NEW_KEY: &str = "fk_live_rotated9z8y7x6w5v4u3t2s1r0q";

#[test]
fn rotated_client_reuses_the_pooled_connection_and_sends_only_the_new_key() {
    let server = MockServer::start();
    server.add_key(NEW_KEY);
    let client = tasks_builder(&server)
        .user_agent_suffix("rotation-test/1.0")
        .build()
        .unwrap();
    client
        .submit("https://example.com/before", TaskType::Single)
        .unwrap();
    assert_eq!(server.connections_accepted(), 1);

    let rotated = client.with_key(ApiKey::new(NEW_KEY).unwrap());
    server.clear_requests();
    rotated
        .submit("https://example.com/after", TaskType::Single)
        .unwrap();

    assert_eq!(
        server.connections_accepted(),
        1,
        "the rotated client opened a connection instead of reusing the pool's"
    );
    let sent = last(&server);
    let bearer = format!("Bearer {NEW_KEY}");
    assert_eq!(sent.header("authorization"), Some(bearer.as_str()));
    for (name, value) in &sent.headers {
        assert!(
            !value.contains(MockServer::TEST_KEY),
            "the old key went out in {name}"
        );
    }
    assert!(!sent.body_text().contains(MockServer::TEST_KEY));
    assert_eq!(rotated.user_agent(), client.user_agent());
    assert_eq!(rotated.base_url(), client.base_url());
}

#[test]
fn the_old_client_keeps_its_key_until_dropped() {
    let server = MockServer::start();
    server.add_key(NEW_KEY);
    let client = tasks_builder(&server).build().unwrap();
    let rotated = client.with_key(ApiKey::new(NEW_KEY).unwrap());

    client
        .submit("https://example.com", TaskType::Single)
        .unwrap();
    let bearer = format!("Bearer {}", MockServer::TEST_KEY);
    assert_eq!(last(&server).header("authorization"), Some(bearer.as_str()));

    drop(client);
    rotated
        .submit("https://example.com", TaskType::Single)
        .unwrap();
    let bearer = format!("Bearer {NEW_KEY}");
    assert_eq!(last(&server).header("authorization"), Some(bearer.as_str()));
}

#[test]
fn a_rotated_engine_client_sends_the_new_key_as_x_api_key() {
    let server = MockServer::start();
    let new_key = "pk_live_rotated9z8y7x6w5v4u3t2s1r0q";
    server.add_key(new_key);
    let client = support::engines_builder(&server).build().unwrap();
    let rotated = client.with_key(ApiKey::new(new_key).unwrap());
    single_example(&rotated).unwrap();
    assert_eq!(last(&server).header("x-api-key"), Some(new_key));
}
