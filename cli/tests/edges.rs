//! The real `foura` binary against the emulator over loopback: dry runs that must not touch
//! the output, tasks that did not complete, binary pages, usage errors, stop messages, the
//! emulator's env file and the exit code of a resumed run.

use std::process::Command;

use foura::mock::{Fault, MockServer};
use serde_json::json;

mod support;
use support::{code, foura, records, run, scratch, stderr, url_file};

#[test]
fn a_resumed_dry_run_leaves_the_output_untouched_and_prints_only_what_is_left() {
    let server = MockServer::start();
    let dir = scratch("dry-resume");
    let out_file = dir.join("res.jsonl");
    let input = url_file(&dir, 3);
    let first = run(foura(&server, MockServer::TEST_KEY)
        .arg("batch")
        .arg(&input)
        .arg("-o")
        .arg(&out_file));
    assert_eq!(code(&first), 0, "{}", stderr(&first));
    let before = std::fs::read(&out_file).unwrap();
    let sent = server.request_count();

    let input = url_file(&dir, 5);
    let dry = run(foura(&server, MockServer::TEST_KEY)
        .arg("batch")
        .arg(&input)
        .arg("-o")
        .arg(&out_file)
        .args(["--resume", "--dry-run"]));
    assert_eq!(code(&dry), 0, "{}", stderr(&dry));
    assert_eq!(
        std::fs::read(&out_file).unwrap(),
        before,
        "the output is kept"
    );
    assert_eq!(server.request_count(), sent, "a dry run sends nothing");
    let stdout = String::from_utf8(dry.stdout).unwrap();
    let curls: Vec<&str> = stdout.lines().collect();
    assert_eq!(curls.len(), 2, "{stdout}");
    assert!(curls.iter().all(|c| c.starts_with("curl ")), "{stdout}");
    assert!(
        curls[0].contains("item/4") && curls[1].contains("item/5"),
        "{stdout}"
    );
}

#[test]
fn a_task_that_did_not_complete_is_engine_failed() {
    let server = MockServer::start();
    let failed = json!({"id": "task_9", "status": "failed", "url": "https://e.com/",
                        "error": "Download failed"});
    server.push_fault(Fault::json(201, &failed));
    let out = run(foura(&server, MockServer::TEST_KEY).args(["fetch", "https://e.com/"]));
    assert_eq!(code(&out), 6, "{}", stderr(&out));
    assert!(out.stdout.is_empty());
    let err = stderr(&out);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.starts_with("foura: ") && err.contains("task_9 is failed: Download failed"),
        "{err}"
    );

    let dir = scratch("task-failed");
    let input = url_file(&dir, 1);
    server.push_fault(Fault::json(
        201,
        &json!({"id": "task_8", "status": "pending"}),
    ));
    let out = run(foura(&server, MockServer::TEST_KEY)
        .arg("batch")
        .arg(&input)
        .args(["--progress", "never"]));
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    let lines = records(&out.stdout);
    assert_eq!(lines.len(), 1);
    assert_eq!(lines[0]["ok"], false);
    assert_eq!(lines[0]["error"]["kind"], "EngineFailed");
    assert!(
        lines[0]["error"]["message"]
            .as_str()
            .unwrap()
            .contains("task_8 is pending")
    );
    assert!(stderr(&out).contains("1 input in "), "{}", stderr(&out));
}

#[test]
fn a_binary_page_is_kept_byte_for_byte_in_base64_or_a_content_file() {
    let server = MockServer::start();
    let dir = scratch("binary");
    let input = url_file(&dir, 1);
    let page = [0xffu8, 0xfe, 0x00, 0x01, b'P', b'K'];
    let answer = json!({"status": 200, "headers": [], "total_time": 0.01,
                        "data": {"type": "Buffer", "data": page}});
    server.push_fault(Fault::json(200, &answer));
    let out = run(foura(&server, MockServer::ENGINE_KEY)
        .arg("batch")
        .arg(&input));
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let lines = records(&out.stdout);
    assert_eq!(lines[0]["ok"], true, "{lines:?}");
    assert!(lines[0].get("content").is_none(), "{lines:?}");
    assert_eq!(lines[0]["content_base64"], "//4AAVBL");

    server.push_fault(Fault::json(200, &answer));
    let pages = dir.join("pages");
    let out = run(foura(&server, MockServer::ENGINE_KEY)
        .arg("batch")
        .arg(&input)
        .arg("--content-dir")
        .arg(&pages));
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let lines = records(&out.stdout);
    let file = lines[0]["content_file"].as_str().expect("a content file");
    assert_eq!(std::fs::read(file).unwrap(), page);
}

#[test]
fn usage_errors_are_one_line_naming_the_argument_and_version_names_the_tool() {
    let server = MockServer::start();
    let out =
        run(foura(&server, MockServer::TEST_KEY).args(["fetch", "https://e.com/", "--bogus"]));
    assert_eq!(code(&out), 2);
    let err = stderr(&out);
    let lines: Vec<&str> = err.lines().collect();
    assert!(lines.len() <= 2, "{err}");
    assert!(
        lines[0].starts_with("foura: ") && lines[0].contains("'--bogus'"),
        "{err}"
    );
    assert!(!err.contains("error:"), "{err}");

    let out =
        run(foura(&server, MockServer::TEST_KEY).args(["batch", "x.txt", "--concurrency", "0"]));
    assert_eq!(code(&out), 2);
    assert!(stderr(&out).starts_with("foura: ") && stderr(&out).contains("--concurrency"));

    // The first line alone names what is missing, or what the valid values are.
    let out = run(foura(&server, MockServer::TEST_KEY).arg("fetch"));
    assert_eq!(code(&out), 2);
    let err = stderr(&out);
    assert!(
        err.lines().next().unwrap().ends_with("not provided: <URL>"),
        "{err}"
    );
    let out = run(foura(&server, MockServer::TEST_KEY).args(["fetch", "--engine", "x", "u"]));
    assert_eq!(code(&out), 2);
    let err = stderr(&out);
    let first = err.lines().next().unwrap();
    assert!(
        first.contains("'x'") && first.contains("possible values: single"),
        "{err}"
    );

    for args in [&["--version"][..], &["fetch", "--version"]] {
        let out = run(foura(&server, MockServer::TEST_KEY).args(args));
        assert_eq!(code(&out), 0);
        let version = format!("foura {}\n", env!("CARGO_PKG_VERSION"));
        assert_eq!(String::from_utf8_lossy(&out.stdout), version);
    }
    let out = run(foura(&server, MockServer::TEST_KEY).args(["fetch", "--help"]));
    assert_eq!(code(&out), 0);
    assert!(String::from_utf8_lossy(&out.stdout).contains("Usage: foura fetch"));
}

#[test]
fn a_dry_run_with_a_key_file_says_how_to_set_the_key_without_printing_it() {
    let server = MockServer::start();
    let dir = scratch("dry-key-file");
    let key_file = dir.join("key");
    std::fs::write(&key_file, format!("{}\n", MockServer::TEST_KEY)).unwrap();
    let out = run(foura(&server, MockServer::TEST_KEY)
        .env_remove("FOURA_API_KEY")
        .arg("--key-file")
        .arg(&key_file)
        .args(["fetch", "https://e.com/", "--dry-run"]));
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let err = stderr(&out);
    let hint = format!("export FOURA_API_KEY=\"$(cat {})\"", key_file.display());
    assert_eq!(err.matches(&hint).count(), 1, "{err}");
    let all = format!("{err}{}", String::from_utf8_lossy(&out.stdout));
    assert!(!all.contains(MockServer::TEST_KEY));
    assert_eq!(server.request_count(), 0);
}

#[test]
fn the_budget_stop_says_what_stopped_it_and_how_many_inputs_were_not_started() {
    let server = MockServer::start();
    let dir = scratch("stop-message");
    let input = url_file(&dir, 10);
    let out = run(foura(&server, MockServer::ENGINE_KEY)
        .arg("batch")
        .arg(&input)
        .args(["--concurrency", "1", "--budget", "3"]));
    assert_eq!(code(&out), 5, "{}", stderr(&out));
    let err = stderr(&out);
    let stop = err
        .lines()
        .find(|l| l.contains("stopped"))
        .unwrap_or_else(|| panic!("{err}"));
    assert!(
        stop.starts_with(
            "foura: stopped because the credits used reached --budget after input line "
        ),
        "{stop}"
    );
    let done = records(&out.stdout).len();
    assert!(
        stop.contains(&format!("({} inputs not started)", 10 - done)),
        "{stop}"
    );
    assert!(!err.contains("from index"), "{err}");
}

#[test]
fn tasks_lines_carry_no_meta_and_the_engine_api_is_refused() {
    let server = MockServer::start();
    let client = server.client();
    for _ in 0..2 {
        client
            .submit("https://example.com", foura::TaskType::Single)
            .unwrap();
    }
    let out = run(foura(&server, MockServer::TEST_KEY).arg("tasks"));
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let lines = records(&out.stdout);
    assert_eq!(lines.len(), 2);
    assert!(lines.iter().all(|l| l.get("meta").is_none()), "{lines:?}");

    let out = run(foura(&server, MockServer::TEST_KEY).args(["tasks", "--api", "engines"]));
    assert_eq!(code(&out), 2);
    assert!(
        stderr(&out).starts_with("foura: --api engines"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn a_directory_input_and_a_long_engine_timeout_are_refused_before_anything_runs() {
    let server = MockServer::start();
    let dir = scratch("dir-input");
    let out = run(foura(&server, MockServer::TEST_KEY).arg("batch").arg(&dir));
    assert_eq!(code(&out), 1);
    let err = stderr(&out);
    assert_eq!(err.lines().count(), 1, "no summary before the error: {err}");
    assert!(err.contains("is a directory"), "{err}");

    let out = run(foura(&server, MockServer::ENGINE_KEY).args([
        "fetch",
        "https://e.com/",
        "--timeout",
        "121",
    ]));
    assert_eq!(code(&out), 2);
    assert!(stderr(&out).contains("at most 120"), "{}", stderr(&out));
    assert_eq!(server.request_count(), 0);
}

#[test]
fn a_resumed_run_over_recorded_failures_exits_1() {
    let server = MockServer::start();
    let dir = scratch("resume-failures");
    let input = dir.join("urls.txt");
    std::fs::write(&input, "https://shop.example/ok\nhttps://failed.test/\n").unwrap();
    let out_file = dir.join("out.jsonl");
    let batch = |extra: &[&str]| {
        run(foura(&server, MockServer::ENGINE_KEY)
            .arg("batch")
            .arg(&input)
            .arg("-o")
            .arg(&out_file)
            .args(extra))
    };
    assert_eq!(code(&batch(&[])), 1);
    let sent = server.request_count();
    let resumed = batch(&["--resume"]);
    assert_eq!(code(&resumed), 1, "{}", stderr(&resumed));
    assert_eq!(server.request_count(), sent, "nothing is left to send");
    assert!(
        stderr(&resumed).contains("1 of them recorded as failed"),
        "{}",
        stderr(&resumed)
    );
}

#[test]
fn the_documented_emulator_pattern_works() {
    let dir = scratch("emulator-env");
    let script = r#"
        "$FOURA" emulator --env-file emulator.env >/dev/null 2>&1 &
        pid=$!
        while [ ! -e emulator.env ]; do sleep 0.1; done
        . ./emulator.env
        "$FOURA" fetch https://example.com/ 2>/dev/null
        status=$?
        kill -INT "$pid"
        wait "$pid"
        echo " fetch=$status emulator=$?"
    "#;
    let out = Command::new("sh")
        .arg("-c")
        .arg(script)
        .current_dir(&dir)
        .env("FOURA", env!("CARGO_BIN_EXE_foura"))
        .env_remove("FOURA_API_BASE")
        .env_remove("FOURA_API_KEY")
        .env_remove("FOURA_API_KEY_FILE")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.ends_with(" fetch=0 emulator=0\n"), "{stdout}");
    assert!(
        stdout.len() > " fetch=0 emulator=0\n".len(),
        "the page: {stdout}"
    );
    let env = std::fs::read_to_string(dir.join("emulator.env")).unwrap();
    assert!(
        env.starts_with("export FOURA_API_BASE=http://127.0.0.1:"),
        "{env}"
    );
}

#[test]
fn a_refused_key_exits_3_even_when_every_input_had_started() {
    let server = MockServer::start();
    let dir = scratch("key-all-started");
    for (n, concurrency) in [(1, "1"), (2, "8")] {
        let input = url_file(&dir, n);
        let out = run(foura(&server, "fk_live_wrongwrongwrongwrongwrong")
            .arg("batch")
            .arg(&input)
            .args(["--concurrency", concurrency, "--progress", "never"]));
        let err = stderr(&out);
        assert_eq!(code(&out), 3, "{err}");
        assert!(
            err.contains("foura: stopped because the key was refused"),
            "{err}"
        );
        assert!(err.contains("(0 inputs not started)"), "{err}");
        assert_eq!(records(&out.stdout).len(), n);
    }
}

#[test]
fn an_output_that_is_the_input_is_refused_before_anything_is_touched() {
    let server = MockServer::start();
    let dir = scratch("same-file");
    let input = url_file(&dir, 2);
    let before = std::fs::read(&input).unwrap();
    let link = dir.join("link.txt");
    std::fs::hard_link(&input, &link).unwrap();
    for output in [input.clone(), dir.join(".").join("urls.txt"), link] {
        for extra in [&[][..], &["--resume"]] {
            let out = run(foura(&server, MockServer::TEST_KEY)
                .arg("batch")
                .arg(&input)
                .arg("-o")
                .arg(&output)
                .args(extra));
            assert_eq!(code(&out), 2, "{}", stderr(&out));
            assert_eq!(
                stderr(&out),
                format!(
                    "foura: the output file is the input file: {}\n",
                    output.display()
                )
            );
            assert_eq!(std::fs::read(&input).unwrap(), before);
        }
    }
    assert_eq!(server.request_count(), 0);
}

#[test]
fn resume_refuses_a_file_that_is_not_foura_output_and_leaves_it_whole() {
    let server = MockServer::start();
    let dir = scratch("foreign-output");
    let input = url_file(&dir, 1);
    let out_file = dir.join("notes.txt");
    let long = format!("{}\n", "x".repeat(2 << 20));
    let cases = [
        ("hello\nworld", 1),
        ("{\"id\": \"x\"}\nworld", 2),
        ("{\"a\": 1}\n", 1),
        ("{\"id\": \"x\"}\n[1]\n", 2),
        ("{\"id\": \"x\"}\nnot json\n{\"id\": \"torn", 2),
        (long.as_str(), 1),
    ];
    for (text, line) in cases {
        std::fs::write(&out_file, text).unwrap();
        let out = run(foura(&server, MockServer::TEST_KEY)
            .arg("batch")
            .arg(&input)
            .arg("-o")
            .arg(&out_file)
            .arg("--resume"));
        assert_eq!(code(&out), 2, "{}", stderr(&out));
        assert_eq!(
            stderr(&out),
            format!(
                "foura: {} does not look like foura batch output (line {line}); refusing to append to it\n",
                out_file.display()
            )
        );
        assert_eq!(std::fs::read_to_string(&out_file).unwrap(), text);
    }
    assert_eq!(server.request_count(), 0);

    // foura's own torn record, even alone in the file, is cut and its input sent again.
    std::fs::write(&out_file, "{\"attempts\":1,\"con").unwrap();
    let out = run(foura(&server, MockServer::TEST_KEY)
        .arg("batch")
        .arg(&input)
        .arg("-o")
        .arg(&out_file)
        .arg("--resume"));
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let lines = records(&std::fs::read(&out_file).unwrap());
    assert_eq!(lines.len(), 1);
    assert_eq!(lines[0]["ok"], true);
}

#[test]
fn a_line_longer_than_1_mib_is_an_error_line_and_a_long_record_still_resumes() {
    let server = MockServer::start();
    let dir = scratch("long-lines");
    let input = dir.join("urls.txt");
    let text = format!(
        "https://shop.example/{}\nhttps://shop.example/item/2\n",
        "a".repeat(3 << 20)
    );
    std::fs::write(&input, text).unwrap();
    let out = run(foura(&server, MockServer::TEST_KEY)
        .arg("batch")
        .arg(&input)
        .args(["--progress", "never"]));
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    let lines = records(&out.stdout);
    assert_eq!(lines.len(), 2, "{}", stderr(&out));
    let invalid = lines.iter().find(|l| l["line"] == 1).expect("line 1");
    assert_eq!(invalid["ok"], false);
    assert_eq!(invalid["error"]["kind"], "InvalidRequest");
    let message = invalid["error"]["message"].as_str().unwrap();
    assert!(message.contains("line 1") && message.contains("longer than 1 MiB"));
    assert!(lines.iter().any(|l| l["line"] == 2 && l["ok"] == true));

    // A page kept inline makes a record longer than 1 MiB: resume still reads it.
    let input = url_file(&dir, 1);
    let out_file = dir.join("out.jsonl");
    let page = "p".repeat(2 << 20);
    let answer = json!({"status": 200, "headers": [], "total_time": 0.01, "data": page});
    server.push_fault(Fault::json(200, &answer));
    let batch = || {
        run(foura(&server, MockServer::ENGINE_KEY)
            .arg("batch")
            .arg(&input)
            .arg("-o")
            .arg(&out_file)
            .arg("--resume"))
    };
    let first = batch();
    assert_eq!(code(&first), 0, "{}", stderr(&first));
    assert!(std::fs::metadata(&out_file).unwrap().len() > 2 << 20);
    let sent = server.request_count();
    let resumed = batch();
    assert_eq!(code(&resumed), 0, "{}", stderr(&resumed));
    assert_eq!(server.request_count(), sent, "the long record answers it");
}

#[test]
fn unreported_credits_are_not_called_zero_and_shards_are_plain_digits() {
    let server = MockServer::start();
    let dir = scratch("credits-shards");
    let input = url_file(&dir, 1);
    let out = run(foura(&server, MockServer::TEST_KEY)
        .arg("batch")
        .arg(&input)
        .args(["--progress", "never"]));
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let err = stderr(&out);
    assert!(err.contains("foura: credits not reported"), "{err}");
    assert!(!err.contains("credits used"), "{err}");

    for shard in [" 1/3", "+1/3", "01/03", "1/ 3", "1/3 ", "0/3", "4/3", "1/0"] {
        let out = run(foura(&server, MockServer::TEST_KEY)
            .arg("batch")
            .arg(&input)
            .args(["--shard", shard]));
        assert_eq!(code(&out), 2, "{shard}: {}", stderr(&out));
    }
    let out = run(foura(&server, MockServer::TEST_KEY)
        .arg("batch")
        .arg(&input)
        .args(["--shard", "1/1", "--progress", "never"]));
    assert_eq!(code(&out), 0, "{}", stderr(&out));
}
