//! `FOURA_API_KEY_FILE`: the key file named in the environment, and its precedence against
//! `FOURA_API_KEY`.
//!
//! The environment is process-wide, so everything that changes it runs in this one test, in
//! order, in its own test binary.

mod support;

use std::path::PathBuf;

use foura::mock::MockServer;
use foura::{API_KEY_ENV, API_KEY_FILE_ENV, ApiKey, Client, ClientBuilder, ErrorKind, TaskType};

#[test]
fn key_file_from_the_environment_end_to_end() {
    assert_eq!(API_KEY_ENV, "FOURA_API_KEY");
    assert_eq!(API_KEY_FILE_ENV, "FOURA_API_KEY_FILE");
    let server = MockServer::start();
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("key_file_env");
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("secret");
    std::fs::write(&path, format!("{}\n", MockServer::TEST_KEY)).unwrap();
    support::unset_env("FOURA_API_KEY");
    support::unset_env("FOURA_API_KEY_FILE");
    support::set_env("FOURA_API_BASE", &server.url());

    // Neither set: the error names both ways of giving a key.
    let text = ApiKey::from_env().unwrap_err().to_string();
    assert!(text.contains("FOURA_API_KEY is not set"), "{text}");
    assert!(text.contains("FOURA_API_KEY_FILE"), "{text}");

    // Only the file: it is read, and every from_env entry uses it.
    support::set_env("FOURA_API_KEY_FILE", path.to_str().unwrap());
    assert_eq!(
        ApiKey::from_env().unwrap().expose_secret(),
        MockServer::TEST_KEY
    );
    Client::from_env().unwrap();
    let client = ClientBuilder::from_env().unwrap().build().unwrap();
    client
        .submit("https://example.com", TaskType::Single)
        .unwrap();
    foura::submit("https://example.com", TaskType::Single).unwrap();
    for request in server.requests() {
        assert_eq!(
            request.header("authorization"),
            Some(format!("Bearer {}", MockServer::TEST_KEY).as_str())
        );
    }
    assert_eq!(server.request_count(), 2);

    // An empty FOURA_API_KEY (as compose files leave it) counts as unset.
    support::set_env("FOURA_API_KEY", "");
    assert!(ApiKey::from_env().is_ok());

    // Both set: refused, naming both, whichever is valid.
    support::set_env("FOURA_API_KEY", MockServer::ENGINE_KEY);
    for err in [
        ApiKey::from_env().unwrap_err(),
        Client::from_env().unwrap_err(),
        ClientBuilder::from_env().err().unwrap(),
    ] {
        assert_eq!(err.kind(), ErrorKind::InvalidKey);
        let text = err.to_string();
        assert!(
            text.contains("both FOURA_API_KEY and FOURA_API_KEY_FILE"),
            "{text}"
        );
        assert!(!text.contains(MockServer::ENGINE_KEY), "{text}");
        assert!(!text.contains(MockServer::TEST_KEY), "{text}");
    }

    // Only the variable: the file is not read.
    support::unset_env("FOURA_API_KEY_FILE");
    assert_eq!(
        ApiKey::from_env().unwrap().expose_secret(),
        MockServer::ENGINE_KEY
    );

    // A file that cannot be used: the error names the variable and the path, not the content.
    support::unset_env("FOURA_API_KEY");
    let missing = dir.join("missing");
    support::set_env("FOURA_API_KEY_FILE", missing.to_str().unwrap());
    let err = ApiKey::from_env().unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidKey);
    let text = err.to_string();
    assert!(text.contains("FOURA_API_KEY_FILE"), "{text}");
    assert!(text.contains(missing.to_str().unwrap()), "{text}");
    assert!(text.contains("not found"), "{text}");
    let bad = dir.join("bad");
    std::fs::write(&bad, "fk_live_s3cr3t part\n").unwrap();
    support::set_env("FOURA_API_KEY_FILE", bad.to_str().unwrap());
    let text = ApiKey::from_env().unwrap_err().to_string();
    assert!(text.contains(bad.to_str().unwrap()), "{text}");
    assert!(!text.contains("s3cr3t"), "{text}");

    support::unset_env("FOURA_API_KEY_FILE");
    support::unset_env("FOURA_API_BASE");
}
