//! `foura::build::Fetch` in-process: the `OUT_DIR` check, file names, fallbacks, the timeout
//! message and failures, against the emulator. (`tests/build_script.rs` runs a real build
//! script.)
//!
//! `OUT_DIR` and the key variables are process-wide, so everything runs in this one test, in
//! order, in its own test binary.

mod support;

use std::path::PathBuf;
use std::time::Duration;

use foura::build::{DEFAULT_TIMEOUT, Fetch, REFRESH_ENV};
use foura::mock::{Fault, MockServer};
use foura::{ErrorKind, TaskRequest, TaskType};

fn request() -> TaskRequest {
    TaskRequest::new("https://example.com/pricing", TaskType::Single)
}

#[test]
fn build_fetch_end_to_end() {
    assert_eq!(REFRESH_ENV, "FOURA_BUILD_REFRESH");
    assert!(DEFAULT_TIMEOUT <= Duration::from_secs(30));
    let server = MockServer::start();
    support::unset_env("FOURA_API_KEY");
    support::unset_env("FOURA_API_KEY_FILE");
    support::set_env("FOURA_API_BASE", &server.url());

    // Outside a build script.
    support::unset_env("OUT_DIR");
    let err = foura::build::fetch("https://example.com/pricing", "pricing.html").unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidConfig);
    assert!(err.to_string().contains("OUT_DIR is not set"), "{err}");
    assert!(err.to_string().contains("build script"), "{err}");

    let out = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("build_fetch");
    let _ = std::fs::remove_dir_all(&out);
    std::fs::create_dir_all(&out).unwrap();
    support::set_env("OUT_DIR", out.to_str().unwrap());

    // A name that leaves OUT_DIR is refused.
    for name in ["../escape.html", "/etc/passwd", ""] {
        let err = Fetch::new(request()).run(name).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidConfig, "{name}");
        assert!(err.to_string().contains("file_name"), "{err}");
    }

    // No key: the caller's fallback is written, nothing is sent.
    let path = Fetch::new(request())
        .fallback("<p>no prices</p>")
        .run("nested/pricing.html")
        .unwrap();
    assert_eq!(path, out.join("nested/pricing.html"));
    assert_eq!(std::fs::read_to_string(&path).unwrap(), "<p>no prices</p>");
    assert_eq!(server.request_count(), 0);

    // With a key: the page, replacing the fallback; no temporary file is left behind.
    support::set_env("FOURA_API_KEY", MockServer::TEST_KEY);
    let path = foura::build::fetch("https://example.com/pricing", "nested/pricing.html").unwrap();
    let page = std::fs::read_to_string(&path).unwrap();
    assert_eq!(
        page,
        server.tasks().pop().unwrap()["content"].as_str().unwrap()
    );
    let names: Vec<_> = std::fs::read_dir(out.join("nested"))
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names, ["pricing.html"]);

    // A hung FourA: the message says FourA did not answer in time, and within how long.
    server.push_fault(Fault::stall());
    let err = Fetch::new(request())
        .timeout(Duration::from_secs(1))
        .run("slow.html")
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Timeout);
    let text = err.to_string();
    assert!(text.contains("FourA did not answer in time"), "{text}");
    assert!(text.contains("within 1 s"), "{text}");
    assert!(!out.join("slow.html").exists());

    // A refusal fails, unless the fallback was asked for on failure too.
    server.push_fault(Fault::json(
        500,
        &serde_json::json!({"error": "Internal server error"}),
    ));
    let client = foura::Client::builder()
        .api_key(foura::ApiKey::new(MockServer::TEST_KEY).unwrap())
        .base_url(server.url())
        .max_retries(0)
        .build()
        .unwrap();
    let err = Fetch::new(request())
        .client(client.clone())
        .run("failed.html")
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::ServerError);
    assert!(!out.join("failed.html").exists());
    server.push_fault(Fault::json(
        500,
        &serde_json::json!({"error": "Internal server error"}),
    ));
    let path = Fetch::new(request())
        .client(client)
        .fallback("stale")
        .fallback_on_error(true)
        .run("failed.html")
        .unwrap();
    assert_eq!(std::fs::read_to_string(path).unwrap(), "stale");

    // A configured but unusable key is an error, not a reason to fall back.
    support::unset_env("FOURA_API_KEY");
    support::set_env(
        "FOURA_API_KEY_FILE",
        out.join("no-such-key").to_str().unwrap(),
    );
    let err = Fetch::new(request())
        .fallback_on_error(true)
        .run("x.html")
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidKey);

    support::unset_env("FOURA_API_KEY_FILE");
    support::unset_env("FOURA_API_BASE");
    support::unset_env("OUT_DIR");
}
