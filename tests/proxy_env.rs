//! No proxy ever sees the key in cleartext. In a binary of its own because it sets
//! `ALL_PROXY` for the process, which every client built without `proxy(None)` would read.

use foura::mock::MockServer;
use foura::{ApiKey, Client, ErrorKind, TaskType};

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
        .api_key(ApiKey::new(MockServer::TEST_KEY).unwrap())
        .base_url(server.url())
        .proxy(Some(&proxy))
        .build()
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidConfig);
    assert!(err.to_string().contains("cleartext"), "{err}");
    // A proxy from the environment is ignored for a plain-http base: the request goes
    // straight to the loopback host.
    // SAFETY: this binary's only test is the one thread touching the environment.
    unsafe { std::env::set_var("ALL_PROXY", &proxy) };
    let client = Client::builder()
        .api_key(ApiKey::new(MockServer::TEST_KEY).unwrap())
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
