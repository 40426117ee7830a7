//! The real `foura` binary against the emulator over loopback. The key and base URL go in
//! the child's environment only.

use std::collections::BTreeSet;
use std::io::Write;
use std::process::{Command, Stdio};
use std::time::Duration;

use foura::TaskType;
use foura::mock::{Engine, Fault, MockServer, Refusal};
use serde_json::Value;

const WRONG_KEY: &str = "fk_live_wrongwrongwrongwrongwrong";

mod support;
use support::{code, foura, records, run, scratch, stderr, url_file};

fn task_posts(server: &MockServer) -> Vec<String> {
    server
        .requests()
        .into_iter()
        .filter(|r| r.method == "POST" && r.path == "/api/v1/tasks")
        .map(|r| r.body_json().unwrap()["url"].as_str().unwrap().to_owned())
        .collect()
}

#[test]
fn fetch_writes_the_page_byte_for_byte() {
    let server = MockServer::start();
    let expected = server
        .client()
        .submit("https://example.com/a", TaskType::Single)
        .unwrap()
        .content
        .unwrap();
    let out = run(foura(&server, MockServer::TEST_KEY).args(["fetch", "https://example.com/a"]));
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert_eq!(out.stdout, expected.as_bytes());
    let summary = stderr(&out);
    assert!(summary.contains("200 · tasks/single"), "{summary}");
    assert_eq!(summary.lines().count(), 1, "{summary}");
}

#[test]
fn fetch_with_an_engine_key_calls_the_engine_and_json_writes_the_response() {
    let server = MockServer::start();
    let out = run(foura(&server, MockServer::ENGINE_KEY).args([
        "fetch",
        "https://example.com/b",
        "--json",
        "--header",
        "Accept: text/html",
    ]));
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let response: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(response["status"], 200);
    let sent = server.last_request().unwrap();
    assert_eq!(sent.path, "/api/single/");
    assert_eq!(sent.body_json().unwrap()["headers"][0][1], "text/html");
}

#[test]
fn tasks_api_refuses_auto_with_a_usage_error() {
    let server = MockServer::start();
    let out = run(foura(&server, MockServer::TEST_KEY).args([
        "fetch",
        "https://e.com",
        "--engine",
        "auto",
    ]));
    assert_eq!(code(&out), 2);
    assert!(stderr(&out).starts_with("foura: the tasks API has no auto engine"));
    assert_eq!(server.request_count(), 0);
}

#[test]
fn global_flags_may_follow_the_command() {
    let server = MockServer::start();
    let out = run(foura(&server, MockServer::TEST_KEY).args([
        "fetch",
        "https://e.com",
        "--api",
        "engines",
    ]));
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert_eq!(server.last_request().unwrap().path, "/api/single/");
}

#[test]
fn text_batch_answers_every_line_and_stdout_carries_no_progress() {
    let server = MockServer::start();
    let dir = scratch("text");
    let input = dir.join("urls.txt");
    std::fs::write(
        &input,
        "# shop pages\nhttps://a.example/1\n\nhttps://a.example/2\r\nhttps://a.example/3\n",
    )
    .unwrap();
    let out = run(foura(&server, MockServer::TEST_KEY)
        .arg("batch")
        .arg(&input)
        .args(["--progress", "always"]));
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let mut lines: Vec<(u64, String)> = records(&out.stdout)
        .iter()
        .map(|r| {
            assert_eq!(r["ok"], true);
            assert_eq!(r["status"], 200);
            assert_eq!(r["id"].as_str().unwrap().len(), 16);
            assert!(
                r["content"]
                    .as_str()
                    .unwrap()
                    .contains(r["url"].as_str().unwrap())
            );
            (
                r["line"].as_u64().unwrap(),
                r["url"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    lines.sort();
    assert_eq!(
        lines,
        [
            (2, "https://a.example/1".into()),
            (4, "https://a.example/2".into()),
            (5, "https://a.example/3".into())
        ]
    );
    let err = stderr(&out);
    assert!(err.contains(": 3 ok, 0 failed"), "{err}");
    assert!(
        err.contains("/3 done"),
        "the progress line shows the total: {err}"
    );
}

#[test]
fn jsonl_batch_reports_invalid_and_non_utf8_lines_by_number() {
    let server = MockServer::start();
    let dir = scratch("jsonl");
    let input = dir.join("requests.jsonl");
    let mut bytes = Vec::new();
    bytes.extend_from_slice(b"{\"url\":\"https://a.example/1\",\"headers\":[[\"Accept\",\"text/html\"]],\"timeout_ms\":15000}\n");
    bytes.extend_from_slice(b"{\"url\": oops\n");
    bytes.extend_from_slice(b"https://a.example/\xff\xfe\n");
    bytes.extend_from_slice(
        b"{\"request\":{\"url\":\"https://a.example/4\"},\"engine\":\"proxy\",\"exitCountries\":[\"DE\"]}\n",
    );
    std::fs::write(&input, bytes).unwrap();
    let out = run(foura(&server, MockServer::ENGINE_KEY)
        .arg("batch")
        .arg(&input));
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    let mut records = records(&out.stdout);
    records.sort_by_key(|r| r["line"].as_u64());
    assert_eq!(records.len(), 4);
    assert_eq!(records[0]["ok"], true);
    assert_eq!(records[1]["ok"], false);
    assert!(
        records[1]["error"]["message"]
            .as_str()
            .unwrap()
            .starts_with("line 2: ")
    );
    assert_eq!(records[2]["error"]["kind"], "InvalidRequest");
    assert!(
        records[2]["error"]["message"]
            .as_str()
            .unwrap()
            .contains("not UTF-8")
    );
    assert!(
        records[2]["error"]["message"]
            .as_str()
            .unwrap()
            .starts_with("line 3: ")
    );
    assert_eq!(records[3]["ok"], true);
    let paths: Vec<String> = server.requests().into_iter().map(|r| r.path).collect();
    assert_eq!(paths.len(), 2);
    assert!(paths.contains(&"/api/proxy/".to_owned()));
}

#[test]
fn a_wrong_key_stops_the_batch_with_exit_3_after_at_most_concurrency_requests() {
    let server = MockServer::start();
    let dir = scratch("wrong-key");
    let input = url_file(&dir, 40);
    let out = run(foura(&server, WRONG_KEY)
        .arg("batch")
        .arg(&input)
        .args(["--concurrency", "3"]));
    assert_eq!(code(&out), 3, "{}", stderr(&out));
    assert!(
        server.request_count() <= 3,
        "{} requests",
        server.request_count()
    );
    let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), stderr(&out));
    assert!(!text.contains(WRONG_KEY));
}

#[test]
fn a_missing_key_is_exit_3() {
    let server = MockServer::start();
    let out = run(foura(&server, "")
        .env_remove("FOURA_API_KEY")
        .args(["fetch", "https://e.com"]));
    assert_eq!(code(&out), 3);
    let err = stderr(&out);
    assert!(
        err.starts_with("foura: ") && err.contains("FOURA_API_KEY is not set"),
        "{err}"
    );
    assert!(err.contains("--key-file"), "{err}");
}

#[test]
fn the_key_file_is_read_and_the_key_appears_in_no_output() {
    let server = MockServer::start();
    let dir = scratch("key-file");
    let key_file = dir.join("key");
    std::fs::write(&key_file, format!("  {}\n", MockServer::TEST_KEY)).unwrap();
    let input = url_file(&dir, 3);
    for args in [
        vec!["fetch".into(), "https://e.com".into(), "--json".into()],
        vec![
            "batch".into(),
            input.display().to_string(),
            "--progress".into(),
            "always".into(),
        ],
        vec!["tasks".into()],
        vec![
            "fetch".into(),
            "https://failed.test/".into(),
            "--api".into(),
            "engines".into(),
        ],
    ] {
        let out = run(foura(&server, "")
            .env_remove("FOURA_API_KEY")
            .arg("--key-file")
            .arg(&key_file)
            .args(&args));
        let all = format!("{}{}", String::from_utf8_lossy(&out.stdout), stderr(&out));
        assert!(!all.contains(MockServer::TEST_KEY), "{args:?}");
        assert!(!all.contains("mock0a1b2c3d4e5f6a7b8c9d"), "{args:?}");
    }
    let out = run(foura(&server, "")
        .env_remove("FOURA_API_KEY")
        .env("FOURA_API_KEY_FILE", &key_file)
        .arg("tasks"));
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert_eq!(records(&out.stdout).len(), 3 + 1);
}

#[test]
fn shards_are_disjoint_and_cover_the_input() {
    let server = MockServer::start();
    let dir = scratch("shards");
    let input = url_file(&dir, 30);
    let mut seen = Vec::new();
    for k in 1..=3 {
        let out = run(foura(&server, MockServer::TEST_KEY)
            .arg("batch")
            .arg(&input)
            .args(["--shard", &format!("{k}/3")]));
        assert_eq!(code(&out), 0, "{}", stderr(&out));
        seen.extend(
            records(&out.stdout)
                .into_iter()
                .map(|r| r["line"].as_u64().unwrap()),
        );
    }
    seen.sort_unstable();
    assert_eq!(seen, (1..=30).collect::<Vec<u64>>());
    assert_eq!(task_posts(&server).len(), 30);
}

#[test]
fn resume_after_a_crash_sends_only_what_the_output_does_not_answer() {
    let server = MockServer::start();
    let dir = scratch("resume");
    let input = url_file(&dir, 10);
    let output = dir.join("out.jsonl");
    let out = run(foura(&server, MockServer::TEST_KEY)
        .arg("batch")
        .arg(&input)
        .arg("-o")
        .arg(&output));
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    // A crash while writing the sixth line: five whole lines and half of one.
    let text = std::fs::read_to_string(&output).unwrap();
    let kept: Vec<&str> = text.lines().take(6).collect();
    let torn = format!(
        "{}\n{}",
        kept[..5].join("\n"),
        &kept[5][..kept[5].len() / 2]
    );
    std::fs::write(&output, torn).unwrap();
    server.clear_requests();

    let out = run(foura(&server, MockServer::TEST_KEY)
        .arg("batch")
        .arg(&input)
        .arg("-o")
        .arg(&output)
        .arg("--resume"));
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert!(stderr(&out).contains("torn"), "{}", stderr(&out));
    assert_eq!(task_posts(&server).len(), 5);
    let mut lines: Vec<u64> = records(&std::fs::read(&output).unwrap())
        .iter()
        .map(|r| r["line"].as_u64().unwrap())
        .collect();
    lines.sort_unstable();
    assert_eq!(lines, (1..=10).collect::<Vec<u64>>());
}

#[test]
fn retry_failed_never_resends_a_task_that_may_have_been_created() {
    let server = MockServer::start();
    let dir = scratch("retry-failed");
    let input = url_file(&dir, 3);
    let output = dir.join("out.jsonl");
    server.push_faults(3, Fault::drop_connection());
    let out = run(foura(&server, MockServer::TEST_KEY)
        .arg("batch")
        .arg(&input)
        .arg("-o")
        .arg(&output)
        .args(["--concurrency", "1"]));
    assert_ne!(code(&out), 0);
    let first = records(&std::fs::read(&output).unwrap());
    let maybe: Vec<&Value> = first
        .iter()
        .filter(|r| r["error"]["maybe_created"] == true)
        .collect();
    assert!(!maybe.is_empty(), "{first:?}");
    server.clear_requests();

    let out = run(foura(&server, MockServer::TEST_KEY)
        .arg("batch")
        .arg(&input)
        .arg("-o")
        .arg(&output)
        .args(["--resume", "--retry-failed"]));
    let err = stderr(&out);
    for record in &maybe {
        assert!(
            err.contains(&format!("not re-sending line {}", record["line"])),
            "{err}"
        );
        assert!(!task_posts(&server).contains(&record["url"].as_str().unwrap().to_owned()));
    }
}

#[test]
fn exit_codes_follow_the_contract() {
    let server = MockServer::start();
    let engine = |args: &[&str]| code(&run(foura(&server, MockServer::ENGINE_KEY).args(args)));
    assert_eq!(engine(&["fetch", "https://failed.test/"]), 6);
    server.refuse_next(1, None, Refusal::PlanLimit("plan_limit_premium".into()));
    assert_eq!(engine(&["fetch", "https://e.com/"]), 5);
    server.set_service_enabled(Engine::Single, false);
    assert_eq!(engine(&["fetch", "https://e.com/"]), 4);
    server.set_service_enabled(Engine::Single, true);
    assert_eq!(engine(&["fetch", "https://e.com/", "--timeout", "-1"]), 2);
    assert_eq!(engine(&["batch"]), 2);
    assert_eq!(engine(&["batch", "x.txt", "--shard", "4/3"]), 2);
    assert_eq!(engine(&["--help"]), 0);
    assert_eq!(engine(&["batch", "--help"]), 0);
    assert_eq!(engine(&["--version"]), 0);

    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://{}", closed.local_addr().unwrap());
    drop(closed);
    let out = run(foura(&server, MockServer::ENGINE_KEY)
        .env("FOURA_API_BASE", base)
        .args(["fetch", "https://e.com/"]));
    assert_eq!(code(&out), 7, "{}", stderr(&out));
    assert_eq!(stderr(&out).lines().count(), 1);
    assert!(stderr(&out).starts_with("foura: "));

    let dir = scratch("missing");
    let out = run(foura(&server, MockServer::ENGINE_KEY)
        .arg("batch")
        .arg(dir.join("urls.txt")));
    assert_eq!(code(&out), 1);
    assert!(
        stderr(&out).contains("cannot read") && stderr(&out).contains("No such file or directory"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn the_budget_stops_the_batch_with_exit_5() {
    let server = MockServer::start();
    let dir = scratch("budget");
    let input = url_file(&dir, 10);
    let out = run(foura(&server, MockServer::ENGINE_KEY)
        .arg("batch")
        .arg(&input)
        .args(["--budget", "3", "--concurrency", "1"]));
    assert_eq!(code(&out), 5, "{}", stderr(&out));
    assert_eq!(server.request_count(), 2);
    assert!(
        stderr(&out).contains("--resume") || stderr(&out).contains("not started"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn ctrl_c_finishes_in_flight_work_and_resume_reaches_every_input_once() {
    let server = MockServer::start();
    let dir = scratch("sigint");
    let input = url_file(&dir, 60);
    let output = dir.join("out.jsonl");
    server.push_faults(60, Fault::delay(Duration::from_millis(40)));
    let mut child = foura(&server, MockServer::TEST_KEY)
        .arg("batch")
        .arg(&input)
        .arg("-o")
        .arg(&output)
        .args(["--concurrency", "2"])
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    while std::fs::read(&output)
        .map(|b| b.iter().filter(|c| **c == b'\n').count())
        .unwrap_or(0)
        < 3
    {
        std::thread::sleep(Duration::from_millis(10));
    }
    let sent = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(sent.success());
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(130));
    let written = records(&std::fs::read(&output).unwrap()).len();
    assert!(written < 60, "the interrupt stopped nothing");

    let out = run(foura(&server, MockServer::TEST_KEY)
        .arg("batch")
        .arg(&input)
        .arg("-o")
        .arg(&output)
        .arg("--resume"));
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let mut posted = task_posts(&server);
    posted.sort();
    let expected: BTreeSet<String> = (1..=60)
        .map(|i| format!("https://shop.example/item/{i}"))
        .collect();
    assert_eq!(
        posted.len(),
        60,
        "every input reached the emulator exactly once"
    );
    assert_eq!(posted.iter().cloned().collect::<BTreeSet<_>>(), expected);
    let mut lines: Vec<u64> = records(&std::fs::read(&output).unwrap())
        .iter()
        .map(|r| r["line"].as_u64().unwrap())
        .collect();
    lines.sort_unstable();
    assert_eq!(lines, (1..=60).collect::<Vec<u64>>());
}

#[test]
fn the_emulator_prints_export_lines_for_eval() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_foura"))
        .arg("emulator")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut stdout = std::io::BufReader::new(child.stdout.take().unwrap());
    let mut lines = Vec::new();
    for _ in 0..3 {
        let mut line = String::new();
        std::io::BufRead::read_line(&mut stdout, &mut line).unwrap();
        lines.push(line);
    }
    let _ = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status();
    assert_eq!(child.wait().unwrap().code(), Some(0));
    assert!(lines[0].starts_with("export FOURA_API_BASE=http://127.0.0.1:"));
    assert_eq!(
        lines[1],
        format!("export FOURA_API_KEY={}\n", MockServer::TEST_KEY)
    );
    assert!(lines[2].starts_with(&format!(
        "# export FOURA_API_KEY={}",
        MockServer::ENGINE_KEY
    )));
    let _ = std::io::stdout().flush();
}

/// What the emulator recorded of a request: what a dry run must reproduce.
fn wire(
    r: &foura::mock::ReceivedRequest,
) -> (String, String, Option<String>, Option<String>, Vec<u8>) {
    (
        r.method.clone(),
        r.path.clone(),
        r.header("authorization")
            .or(r.header("x-api-key"))
            .map(str::to_owned),
        r.header("content-type").map(str::to_owned),
        r.body.clone(),
    )
}

#[test]
fn dry_run_sends_nothing_and_its_curl_sends_the_same_request() {
    let server = MockServer::start();
    for (key, args) in [
        (
            MockServer::TEST_KEY,
            vec![
                "fetch",
                "https://example.com/it's?q=[1]",
                "--header",
                "Accept: text/html",
                "--engine",
                "browser",
                "--wait-for",
                "#main",
                "--timeout",
                "20",
            ],
        ),
        (
            MockServer::ENGINE_KEY,
            vec![
                "fetch",
                "https://example.com/b",
                "--engine",
                "proxy",
                "--country",
                "DE",
            ],
        ),
    ] {
        server.clear_requests();
        let mut dry = args.clone();
        dry.push("--dry-run");
        let out = run(foura(&server, key).args(&dry));
        assert_eq!(code(&out), 0, "{}", stderr(&out));
        assert_eq!(server.request_count(), 0, "a dry run sends nothing");
        let curl = String::from_utf8(out.stdout).unwrap();
        assert_eq!(curl.lines().count(), 1, "{curl}");
        assert!(curl.starts_with("curl "), "{curl}");
        assert!(!curl.contains(key), "the key is not in the command");

        let ran = Command::new("bash")
            .arg("-c")
            .arg(format!(
                "{} --silent --show-error --output /dev/null",
                curl.trim_end()
            ))
            .env("FOURA_API_KEY", key)
            .output()
            .unwrap();
        assert!(
            ran.status.success(),
            "{}",
            String::from_utf8_lossy(&ran.stderr)
        );
        let by_curl = wire(&server.last_request().unwrap());

        server.clear_requests();
        let out = run(foura(&server, key).args(&args));
        assert_eq!(code(&out), 0, "{}", stderr(&out));
        let by_foura = wire(&server.last_request().unwrap());
        assert_eq!(by_curl, by_foura, "{args:?}");
    }
}

#[test]
fn batch_dry_run_prints_one_curl_per_request_and_sends_nothing() {
    let server = MockServer::start();
    let dir = scratch("batch-dry-run");
    let input = dir.join("urls.txt");
    std::fs::write(
        &input,
        "https://a.example/1\n# skipped\nnot a url\nhttps://a.example/2\n",
    )
    .unwrap();
    let out = run(foura(&server, MockServer::TEST_KEY)
        .arg("batch")
        .arg(&input)
        .arg("--dry-run"));
    assert_eq!(
        code(&out),
        1,
        "the invalid line fails the run: {}",
        stderr(&out)
    );
    assert_eq!(server.request_count(), 0);
    let text = String::from_utf8(out.stdout.clone()).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 2, "{text}");
    assert!(
        lines
            .iter()
            .all(|l| l.starts_with("curl ") && l.contains("/api/v1/tasks"))
    );
    assert!(stderr(&out).contains("line 3: "), "{}", stderr(&out));
}

#[test]
fn inspect_prints_what_foura_sees_as_one_json_object() {
    let server = MockServer::start();
    let out = run(foura(&server, MockServer::TEST_KEY).arg("inspect"));
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let seen: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(seen["clientIp"], "127.0.0.1");
    assert_eq!(seen["proxyDetection"]["isProxy"], false);
    let sent = server.last_request().unwrap();
    assert_eq!(sent.path, "/inspect");
    assert!(sent.header("authorization").is_none() && sent.header("x-api-key").is_none());
}

#[test]
fn both_key_variables_set_is_refused_with_exit_3() {
    let server = MockServer::start();
    let dir = scratch("both-keys");
    let key_file = dir.join("key");
    std::fs::write(&key_file, MockServer::TEST_KEY).unwrap();
    let out = run(foura(&server, MockServer::TEST_KEY)
        .env("FOURA_API_KEY_FILE", &key_file)
        .arg("tasks"));
    assert_eq!(code(&out), 3);
    assert!(
        stderr(&out).contains("both FOURA_API_KEY and FOURA_API_KEY_FILE"),
        "{}",
        stderr(&out)
    );
    assert_eq!(server.request_count(), 0);
}

#[test]
fn a_failed_fetch_is_exit_1_and_one_readable_line() {
    let server = MockServer::start();
    server.push_faults(10, Fault::status(404, "no such page"));
    let out = run(foura(&server, MockServer::TEST_KEY).args(["fetch", "https://e.com/"]));
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    let err = stderr(&out);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.starts_with("foura: ") && !err.contains("Error {"),
        "{err}"
    );
}

#[test]
fn the_emulator_listens_on_the_port_asked_for() {
    let free = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = free.local_addr().unwrap().port();
    drop(free);
    let mut child = Command::new(env!("CARGO_BIN_EXE_foura"))
        .args(["emulator", "--port", &port.to_string()])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut stdout = std::io::BufReader::new(child.stdout.take().unwrap());
    let mut first = String::new();
    std::io::BufRead::read_line(&mut stdout, &mut first).unwrap();
    assert_eq!(
        first,
        format!("export FOURA_API_BASE=http://127.0.0.1:{port}\n")
    );
    let out = Command::new(env!("CARGO_BIN_EXE_foura"))
        .args(["fetch", "https://example.com/x"])
        .env("FOURA_API_BASE", format!("http://127.0.0.1:{port}"))
        .env("FOURA_API_KEY", MockServer::TEST_KEY)
        .env_remove("FOURA_API_KEY_FILE")
        .output()
        .unwrap();
    let _ = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status();
    assert_eq!(child.wait().unwrap().code(), Some(0));
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert!(String::from_utf8_lossy(&out.stdout).contains("https://example.com/x"));
}
