//! What every test of the `foura` binary needs: the binary aimed at an emulator (the key and
//! base URL in the child's environment only), its output read back, and scratch files.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use foura::mock::MockServer;
use serde_json::Value;

/// The `foura` binary, pointed at `server` with `key`, and no proxy or key file inherited.
pub fn foura(server: &MockServer, key: &str) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_foura"));
    cmd.env("FOURA_API_BASE", server.url())
        .env("FOURA_API_KEY", key)
        .env_remove("FOURA_API_KEY_FILE")
        .env_remove("HTTPS_PROXY")
        .env_remove("https_proxy")
        .env_remove("ALL_PROXY")
        .env_remove("all_proxy")
        .stdin(Stdio::null());
    cmd
}

pub fn run(cmd: &mut Command) -> Output {
    cmd.output().expect("the foura binary runs")
}

pub fn code(out: &Output) -> i32 {
    out.status.code().expect("exited, not killed")
}

pub fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// Every line of `bytes` as JSON.
pub fn records(bytes: &[u8]) -> Vec<Value> {
    String::from_utf8(bytes.to_vec())
        .expect("the output is UTF-8")
        .lines()
        .map(|l| serde_json::from_str(l).expect("every output line is JSON"))
        .collect()
}

/// A fresh directory for one test's files, named for the test binary and `name`.
pub fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "foura-cli-{}-{name}-{}",
        env!("CARGO_CRATE_NAME"),
        std::process::id()
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// `urls.txt` in `dir` with `n` shop URLs, one a line.
pub fn url_file(dir: &Path, n: usize) -> PathBuf {
    let path = dir.join("urls.txt");
    let text: String = (1..=n)
        .map(|i| format!("https://shop.example/item/{i}\n"))
        .collect();
    std::fs::write(&path, text).unwrap();
    path
}
