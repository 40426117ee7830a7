//! `foura::build` in a real build script: `cargo build` of the crate in
//! `tests/fixtures/build-script`, whose `build.rs` calls `foura::build::fetch`, against the
//! emulator.
//!
//! Building the fixture compiles foura and its dependencies once, so every scenario runs in
//! this one test, in order, sharing one target directory; each changes `FOURA_BUILD_REFRESH`,
//! which is also what makes cargo rerun the build script.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use foura::mock::MockServer;

/// A key only this test uses, so finding it anywhere under the target directory means the
/// build stored it.
const BUILD_KEY: &str = "fk_live_buildscript7c1e9a04d2b6f83e5a";

struct Fixture {
    dir: PathBuf,
    target: PathBuf,
    server: MockServer,
    runs: u32,
}

impl Fixture {
    /// `cargo build -vv` of the fixture with `env` set and the key variables unset unless
    /// given; `-vv` shows the build script's output.
    fn build(&mut self, env: &[(&str, &str)]) -> (Output, String) {
        self.runs += 1;
        let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
        let mut command = Command::new(cargo);
        command
            .args(["build", "-vv", "--offline"])
            .current_dir(&self.dir)
            .env("CARGO_TARGET_DIR", &self.target)
            .env("FOURA_API_BASE", self.server.url())
            .env("FOURA_BUILD_REFRESH", format!("run-{}", self.runs))
            .env_remove("FOURA_API_KEY")
            .env_remove("FOURA_API_KEY_FILE")
            .env_remove("OUT_DIR");
        for (name, value) in env {
            command.env(name, value);
        }
        let output = command.output().expect("cargo runs");
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
        (output, text)
    }

    /// The page the last build wrote into the fixture's `OUT_DIR`.
    fn written_page(&self) -> Vec<u8> {
        let build = self.target.join("debug").join("build");
        let mut pages: Vec<(std::time::SystemTime, PathBuf)> = std::fs::read_dir(&build)
            .unwrap()
            .filter_map(|e| {
                let page = e.ok()?.path().join("out").join("pricing.html");
                Some((page.metadata().ok()?.modified().ok()?, page))
            })
            .collect();
        pages.sort();
        std::fs::read(&pages.last().expect("a page was written").1).unwrap()
    }

    /// Fails if `needle` occurs in any file under the target directory.
    fn assert_nowhere_in_target(&self, needle: &[u8]) {
        let mut stack = vec![self.target.clone()];
        let mut files = 0;
        while let Some(dir) = stack.pop() {
            for entry in std::fs::read_dir(&dir).unwrap() {
                let path = entry.unwrap().path();
                if path.is_dir() {
                    stack.push(path);
                } else if let Ok(bytes) = std::fs::read(&path) {
                    files += 1;
                    assert!(
                        !bytes.windows(needle.len()).any(|w| w == needle),
                        "the key was written to {}",
                        path.display()
                    );
                }
            }
        }
        assert!(files > 0, "the target directory was searched");
    }
}

fn directives(text: &str) -> Vec<&str> {
    text.lines()
        .filter_map(|l| l.find("cargo:").map(|at| &l[at..]))
        .collect()
}

fn assert_rerun_directives(text: &str) {
    let found = directives(text);
    for name in [
        "FOURA_API_BASE",
        "FOURA_API_KEY_FILE",
        "FOURA_BUILD_REFRESH",
    ] {
        let line = format!("cargo:rerun-if-env-changed={name}");
        assert!(found.contains(&line.as_str()), "{line} missing:\n{text}");
    }
    assert!(
        !found.contains(&"cargo:rerun-if-env-changed=FOURA_API_KEY"),
        "cargo would store the key:\n{text}"
    );
}

#[test]
fn build_script_fetches_into_out_dir_without_storing_the_key() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/build-script");
    let target = Path::new(env!("CARGO_TARGET_TMPDIR")).join("build-script-fixture");
    let server = MockServer::start();
    server.add_key(BUILD_KEY);
    let mut fixture = Fixture {
        dir,
        target,
        server,
        runs: 0,
    };

    // With a key: the page is fetched through the tasks API, with the key as a Bearer token,
    // and written to OUT_DIR.
    let (output, text) = fixture.build(&[("FOURA_API_KEY", BUILD_KEY)]);
    assert!(output.status.success(), "{text}");
    assert_rerun_directives(&text);
    let sent = fixture
        .server
        .last_request()
        .expect("the build script called FourA");
    assert_eq!(sent.method, "POST");
    assert_eq!(sent.path, "/api/v1/tasks");
    assert_eq!(
        sent.header("authorization"),
        Some(format!("Bearer {BUILD_KEY}").as_str())
    );
    assert_eq!(
        sent.body_json().unwrap(),
        serde_json::json!({"url": "https://example.com/pricing", "type": "single"})
    );
    let task = fixture.server.tasks().pop().unwrap();
    let page = fixture.written_page();
    assert_eq!(page, task["content"].as_str().unwrap().as_bytes());
    assert!(!page.is_empty());
    fixture.assert_nowhere_in_target(BUILD_KEY.as_bytes());

    // From a key file: the file is watched, its path (not its content) is a directive.
    let key_dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("build-script-key");
    std::fs::create_dir_all(&key_dir).unwrap();
    let key_file = key_dir.join("foura-key");
    std::fs::write(&key_file, format!("{BUILD_KEY}\n")).unwrap();
    fixture.server.clear_requests();
    let (output, text) = fixture.build(&[("FOURA_API_KEY_FILE", key_file.to_str().unwrap())]);
    assert!(output.status.success(), "{text}");
    assert_rerun_directives(&text);
    let watch = format!("cargo:rerun-if-changed={}", key_file.display());
    assert!(directives(&text).contains(&watch.as_str()), "{text}");
    assert_eq!(
        fixture
            .server
            .last_request()
            .unwrap()
            .header("authorization"),
        Some(format!("Bearer {BUILD_KEY}").as_str())
    );
    fixture.assert_nowhere_in_target(BUILD_KEY.as_bytes());

    // Without a key: one warning saying how to provide one, an empty page, a good build,
    // and nothing sent.
    fixture.server.clear_requests();
    let (output, text) = fixture.build(&[]);
    assert!(output.status.success(), "{text}");
    assert_rerun_directives(&text);
    let warnings: Vec<&str> = directives(&text)
        .into_iter()
        .filter(|d| d.starts_with("cargo:warning="))
        .collect();
    assert_eq!(warnings.len(), 1, "{text}");
    assert!(warnings[0].contains("FOURA_API_KEY"), "{}", warnings[0]);
    assert!(
        warnings[0].contains("FOURA_BUILD_REFRESH"),
        "{}",
        warnings[0]
    );
    assert!(fixture.written_page().is_empty());
    assert_eq!(fixture.server.request_count(), 0);

    // With a key FourA refuses: the build fails with FourA's answer, and still stores no key.
    let (output, text) = fixture.build(&[("FOURA_API_KEY", MockServer::DISABLED_KEY)]);
    assert!(!output.status.success(), "{text}");
    assert!(text.contains("Forbidden"), "{text}");
    assert!(
        !text.contains(MockServer::DISABLED_KEY),
        "the key is not in the build's output:\n{text}"
    );
    fixture.assert_nowhere_in_target(MockServer::DISABLED_KEY.as_bytes());
    fixture.assert_nowhere_in_target(BUILD_KEY.as_bytes());
}
