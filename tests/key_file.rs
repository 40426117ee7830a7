//! `ApiKey::from_file`: reading a key from a file (a Docker or Kubernetes secret), and errors
//! that name the file and the problem but never its content.

use std::path::PathBuf;

use foura::mock::MockServer;
use foura::{ApiKey, Client, ErrorKind, TaskType};

/// A fresh file `name` holding `content` in this test binary's scratch directory.
fn key_file(name: &str, content: &[u8]) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("key_file");
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    std::fs::write(&path, content).unwrap();
    path
}

/// Asserts `from_file` fails with `InvalidKey`, naming the path and `problem`, without any
/// of `secret`'s content.
fn assert_refused(path: &std::path::Path, problem: &str, secret: &str) {
    let err = ApiKey::from_file(path).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidKey);
    let text = format!("{err} {err:?}");
    assert!(text.contains(&path.display().to_string()), "{text}");
    assert!(text.contains(problem), "{text}");
    if !secret.is_empty() {
        assert!(!text.contains(secret), "{text}");
    }
}

#[test]
fn key_file_is_read_as_is() {
    let path = key_file("plain", MockServer::TEST_KEY.as_bytes());
    let key = ApiKey::from_file(&path).unwrap();
    assert_eq!(key.expose_secret(), MockServer::TEST_KEY);
}

#[test]
fn trailing_newline_is_trimmed() {
    let path = key_file("newline", format!("{}\n", MockServer::TEST_KEY).as_bytes());
    let key = ApiKey::from_file(path).unwrap();
    assert_eq!(key.expose_secret(), MockServer::TEST_KEY);
}

#[test]
fn windows_line_ending_and_surrounding_whitespace_are_trimmed() {
    let path = key_file("crlf", format!("  {}\r\n", MockServer::TEST_KEY).as_bytes());
    let key = ApiKey::from_file(path.as_path()).unwrap();
    assert_eq!(key.expose_secret(), MockServer::TEST_KEY);
}

#[test]
fn world_readable_file_is_accepted() {
    use std::os::unix::fs::PermissionsExt;
    let path = key_file("world-readable", MockServer::TEST_KEY.as_bytes());
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
    assert!(ApiKey::from_file(&path).is_ok());
}

#[test]
fn empty_file_is_refused() {
    assert_refused(&key_file("empty", b""), "is empty", "");
    assert_refused(&key_file("blank", b" \r\n\n"), "is empty", "");
}

#[test]
fn missing_file_is_refused_naming_the_path() {
    let path = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("key_file/does-not-exist");
    assert_refused(&path, "was not found", "");
}

#[test]
fn directory_is_refused() {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("key_file/a-directory");
    std::fs::create_dir_all(&dir).unwrap();
    assert_refused(&dir, "is a directory", "");
}

#[test]
fn non_utf8_file_is_refused() {
    let path = key_file("latin1", b"fk_live_caf\xe9secret");
    assert_refused(&path, "not UTF-8", "fk_live_caf");
}

#[test]
fn invalid_key_is_refused_without_the_content() {
    // An env file instead of a bare key, and a key with a second line.
    let path = key_file("env-file", b"FOURA_API_KEY=fk_live_s3cr3tvalue0123 extra\n");
    assert_refused(&path, "`NAME=value` line", "s3cr3tvalue");
    let path = key_file("env-line", b"FOURA_API_KEY=fk_live_s3cr3tvalue0123\n");
    assert_refused(&path, "`NAME=value` line", "s3cr3tvalue");
    let path = key_file("quoted", b"\"fk_live_s3cr3tvalue0123\"\n");
    assert_refused(&path, "quoted value", "s3cr3tvalue");
    let path = key_file("two-lines", b"fk_live_s3cr3tvalue0123\nfk_live_other4567\n");
    assert_refused(&path, "does not hold a usable key", "s3cr3tvalue");
    let err = ApiKey::from_file(&path).unwrap_err();
    assert!(!format!("{err}").contains("fk_live_other4567"), "{err}");
}

#[test]
fn oversized_file_is_refused() {
    let path = key_file("huge", &vec![b'k'; 65 << 10]);
    assert_refused(&path, "larger than 64 KiB", "kkkk");
}

#[test]
fn long_key_is_read_whole() {
    let long = format!("fk_live_{}", "a".repeat(500));
    let path = key_file("long", long.as_bytes());
    assert_eq!(ApiKey::from_file(&path).unwrap().expose_secret(), long);
}

#[test]
fn client_with_a_file_key_sends_it_as_bearer() {
    let server = MockServer::start();
    let key = "fk_live_fromfile0a1b2c3d4e5f6a7b8";
    server.add_key(key);
    let path = key_file("for-client", format!("{key}\n").as_bytes());
    let client = Client::builder()
        .api_key(ApiKey::from_file(&path).unwrap())
        .base_url(server.url())
        .build()
        .unwrap();
    let task = client
        .submit("https://example.com", TaskType::Single)
        .unwrap();
    assert_eq!(task.status, foura::TaskStatus::Completed);
    assert_eq!(
        server.last_request().unwrap().header("authorization"),
        Some(format!("Bearer {key}").as_str())
    );
}
