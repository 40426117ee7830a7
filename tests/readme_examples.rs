//! The README's examples, run against the emulator: each test makes the same calls as one
//! example, with the client the example builds from the environment replaced by one aimed at
//! a `MockServer`. Keep each in step with the README example its name gives (the README's
//! own copies are compiled as doctests; these run them).

use std::num::NonZeroU32;
use std::time::Duration;

use foura::mock::{Fault, MockServer};
use foura::{
    ApiKey, AutoRequest, BrowserRequest, Client, Cookie, ErrorKind, ExitClass, ProxyRequest,
    SingleRequest, TaskRequest, TaskStatus, TaskType, Validate,
};

/// A fresh emulator, and what `Client::from_env()` builds after its printed `export` lines: its
/// base URL and its tasks key.
fn tasks_client() -> (MockServer, Client) {
    let server = MockServer::start();
    let client = server.client();
    (server, client)
}

/// The same with the engine key (the commented `export FOURA_API_KEY=pk_live_…` line).
fn engines_client() -> (MockServer, Client) {
    let server = MockServer::start();
    let client = server.engine_client_builder().build().unwrap();
    (server, client)
}

/// "The tasks API", first example (`foura::submit`), and "Errors" (a `match` on
/// `foura::submit`): the only test in this binary that installs the process-wide client.
#[test]
fn the_tasks_api_submit_and_the_errors_match() {
    let server = MockServer::start();
    foura::set_global_client(server.client()).expect("no other test installs one");

    let task = foura::submit("https://example.com", TaskType::Single).unwrap();
    assert_eq!(task.status, TaskStatus::Completed);
    assert!(
        task.content
            .as_deref()
            .unwrap_or("")
            .contains("https://example.com")
    );

    match foura::submit("https://example.com", TaskType::Single) {
        Ok(task) => assert!(!task.id.is_empty()),
        Err(e) => panic!("{e}"),
    }
    assert_eq!(server.request_count(), 2);
}

/// "The tasks API", the builder example.
#[test]
fn the_tasks_api_with_a_client_and_options() {
    let server = MockServer::start();
    let client = server
        .client_builder()
        .user_agent_suffix("price-watch/2.1")
        .build()
        .unwrap();
    let task = client
        .create_task(
            &TaskRequest::new("https://example.com/products", TaskType::Browser)
                .wait_for(".product-list")
                .timeout(Duration::from_millis(15_000))
                .proxy_country("de")
                .javascript(true)
                .header("Accept", "text/html"),
        )
        .unwrap();
    assert!(task.timing.as_ref().and_then(|t| t.total).is_some());
    let listed = client.list_tasks().unwrap();
    assert!(listed.iter().any(|t| t.id == task.id));
}

/// "In a small utility", the heart of `examples/fetch.rs`.
#[test]
fn in_a_small_utility() {
    let (_server, client) = tasks_client();
    let request = TaskRequest::new("https://example.com", TaskType::Proxy).proxy_country("fr");
    let task = client.create_task(&request).unwrap();
    assert!(!task.content.unwrap_or_default().is_empty());
}

/// "single — one request with a browser's fingerprint": the example.com page carries the
/// real page's title, which the example validates.
#[test]
fn single_validates_example_domain() -> Result<(), foura::Error> {
    let (_server, client) = engines_client();
    let page = client.single(
        &SingleRequest::get("https://example.com/")
            .header("Accept", "text/html")
            .unblocker(true)
            .timeout(Duration::from_secs(15))
            .validate(Validate::new().data_accept("Example Domain")),
    )?;
    assert_eq!(page.status, 200);
    assert!(page.text().unwrap().contains("Example Domain"));
    Ok(())
}

/// "proxy — the same request through rotating exits".
#[test]
fn proxy_through_rotating_exits() -> Result<(), foura::Error> {
    let (_server, client) = engines_client();
    let page = client.proxy(
        &ProxyRequest::new(SingleRequest::get("https://example.com/"))
            .max_tries(25)
            .exit_countries(["DE", "fr"])
            .exit_class(ExitClass::Standard),
    )?;
    assert_eq!(page.status, 200);
    assert_eq!(page.exit_country.as_deref(), Some("DE"));
    assert!(page.proxy.is_some());
    Ok(())
}

/// "browser — a real browser session": the cart page has an "Add to cart" button.
#[test]
fn browser_checks_the_cart_page() -> Result<(), foura::Error> {
    let (_server, client) = engines_client();
    let page = client.browser(
        &BrowserRequest::new("https://example.com/cart")
            .cookie(Cookie::new("session", "abc"))
            .check_text("Add to cart"),
    )?;
    assert_eq!(page.status, 200);
    assert!(!page.bytes().is_empty());
    assert!(!page.cookies.is_empty());
    Ok(())
}

/// "auto — the cheapest engine that delivers": a product page passes the example's check.
#[test]
fn auto_validates_a_product_page() -> Result<(), foura::Error> {
    let (_server, client) = engines_client();
    let page = client.auto(
        &AutoRequest::new("https://example.com/product/42")
            .validate(Validate::new().data_accept("Add to cart")),
    )?;
    assert_eq!(page.status, 200);
    assert!(page.ladder.rung.is_some());
    assert!(page.ladder.attempts.is_some());
    Ok(())
}

/// "Profiles, service status and what FourA sees of you", with `service_status_at` for the
/// offline status the README mentions.
#[test]
fn profiles_status_and_inspect() -> Result<(), foura::Error> {
    let (server, client) = engines_client();
    assert!(client.profiles()?.default.is_some());
    assert_eq!(
        foura::service_status_at(&server.url())?.overall,
        "operational"
    );
    let seen = client.inspect()?;
    assert_eq!(seen.client_ip.as_deref(), Some("127.0.0.1"));
    assert_eq!(seen.is_proxy(), Some(false));
    Ok(())
}

/// "Credits and request ids".
#[test]
fn credits_and_request_ids() -> Result<(), foura::Error> {
    let (_server, client) = engines_client();
    let page = client.single(&SingleRequest::get("https://example.com/"))?;
    assert_eq!(page.meta().credits, Some(2.0));
    assert!(page.meta().request_id.is_some());
    Ok(())
}

/// "Requests as JSON, and a stable id" (it runs offline as a doctest too; here its request is
/// also sent).
#[test]
fn requests_as_json_and_a_stable_id() {
    let line =
        r#"{"method":"GET","url":"https://example.com/","headers":[["Accept","text/html"]]}"#;
    let request = SingleRequest::from_json_str(line).unwrap();
    assert_eq!(
        request.id(),
        SingleRequest::get("https://example.com/")
            .header("Accept", "text/html")
            .id()
    );
    let _ = request.id().in_shard(1, NonZeroU32::new(3).unwrap());
    assert!(SingleRequest::from_json_str(r#"{"url":"https://example.com/","timeout":5}"#).is_err());

    let (_server, client) = engines_client();
    assert_eq!(client.single(&request).unwrap().status, 200);
}

/// "Keys": a key file, then rotation with `with_key`.
#[test]
fn keys_from_a_file_and_rotation() {
    let server = MockServer::start();
    let dir = std::env::temp_dir().join(format!("foura-readme-keys-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("foura");
    std::fs::write(&path, format!("{}\n", MockServer::TEST_KEY)).unwrap();
    let next = dir.join("foura-next");
    std::fs::write(&next, format!("{}\n", MockServer::ENGINE_KEY)).unwrap();

    let client = Client::builder()
        .api_key(ApiKey::from_file(&path).unwrap())
        .base_url(server.url())
        .proxy(None)
        .build()
        .unwrap();
    let task = client
        .submit("https://example.com", TaskType::Single)
        .unwrap();
    assert!(!task.id.is_empty());

    let client = client.with_key(ApiKey::from_file(&next).unwrap());
    client
        .submit("https://example.com", TaskType::Single)
        .unwrap();
    assert_eq!(
        server.last_request().unwrap().header("authorization"),
        Some(format!("Bearer {}", MockServer::ENGINE_KEY).as_str())
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

/// "Many pages at once: batches", with the URLs in memory instead of `urls.txt`.
#[test]
fn a_batch_of_pages() {
    let (_server, client) = engines_client();
    let urls = [
        "https://example.com/",
        "https://example.com/product/42",
        "https://failed.test/",
    ];
    let mut lines = Vec::new();
    let summary = client
        .batch(urls.into_iter().map(SingleRequest::get))
        .concurrency(8)
        .requests_per_minute(600)
        .credit_budget(5_000.0)
        .on_progress(|p| assert!(p.done <= 3))
        .for_each(|index, result| {
            let line = match result {
                Ok(page) => serde_json::json!({"index": index, "status": page.status, "bytes": page.bytes().len()}),
                Err(e) => serde_json::json!({"index": index, "error": e.to_string()}),
            };
            lines.push(line);
        });
    assert_eq!(lines.len(), 3);
    assert_eq!(summary.done, 3);
    assert_eq!(summary.failed, 1);
    assert!(summary.to_string().contains("3 inputs"), "{summary}");
}

/// "Watching attempts": both hooks, on a builder from the environment (here, the emulator's).
#[test]
fn watching_attempts() {
    let server = MockServer::start();
    server.push_fault(Fault::status(
        429,
        r#"{"error":{"code":"RATE_LIMIT_EXCEEDED","message":"Rate limit exceeded.","status":429,"retryAfter":0}}"#,
    ));
    let seen = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let record = std::sync::Arc::clone(&seen);
    // What `ClientBuilder::from_env()` gives after the emulator's exports: its base URL and
    // key, every other setting the default (so a task creation may wait out a short 429).
    let client = Client::builder()
        .api_key(ApiKey::new(MockServer::TEST_KEY).unwrap())
        .base_url(server.url())
        .proxy(None)
        .on_attempt(move |a| {
            record.lock().unwrap().push(format!(
                "foura: {} {} attempt {} -> {:?}{:?} (request {:?}) next wait {:?}",
                a.method, a.path, a.attempt, a.status, a.error, a.request_id, a.wait
            ));
            match (a.error, a.wait) {
                (None, _) => log::debug!("{} {} ok in {:?}", a.method, a.path, a.elapsed),
                (Some(kind), Some(wait)) => {
                    log::warn!("{} {}: {kind:?}, retrying in {wait:?}", a.method, a.path)
                }
                (Some(kind), None) => log::error!(
                    "{} {}: {kind:?} after {} attempts",
                    a.method,
                    a.path,
                    a.attempt
                ),
            }
        })
        .build()
        .unwrap();
    client
        .submit("https://example.com", TaskType::Single)
        .unwrap();
    let seen = seen.lock().unwrap();
    assert_eq!(seen.len(), 2, "{seen:?}");
    assert!(seen[0].contains("attempt 1"), "{seen:?}");
}

/// "Testing your code offline: the emulator".
#[test]
fn the_emulator_example() {
    let server = MockServer::start();
    let client = server.client();
    let task = client
        .submit("https://example.com", TaskType::Single)
        .unwrap();
    assert_eq!(task.status, TaskStatus::Completed);
    assert_eq!(
        server.last_request().unwrap().body_text(),
        r#"{"url":"https://example.com","type":"single"}"#
    );
    server.push_fault(Fault::status(500, "<html>Internal Server Error</html>"));
    assert_eq!(
        client
            .submit("https://example.com", TaskType::Single)
            .unwrap_err()
            .kind(),
        ErrorKind::ServerError
    );
}

/// `MockServer::try_start_on`, which `cargo run --example emulator -- --port N` uses: it
/// listens where asked, on loopback only.
#[test]
fn the_emulator_starts_on_a_given_loopback_address_only() {
    let server = MockServer::try_start_on(("127.0.0.1", 0)).unwrap();
    assert!(server.addr().ip().is_loopback());
    let port = server.addr().port();
    assert!(
        MockServer::try_start_on(("127.0.0.1", port)).is_err(),
        "in use"
    );
    drop(server);
    let err = MockServer::try_start_on(("0.0.0.0", 0)).err().unwrap();
    assert_eq!(err.kind(), std::io::ErrorKind::InvalidInput);
}
