//! The emulator's engine API, tested over raw loopback HTTP/1.1 written by hand: auth, each
//! engine's success shape, the virtual web's failure shapes, validation, refusals and headers.
//! No `foura::Client` here — these tests pin the witness the client is tested against.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use foura::mock::{Engine, Fault, MockServer, Refusal};
use serde_json::{Value, json};

// ---------------------------------------------------------------------------------------------
// A hand-written HTTP/1.1 client

struct Reply {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Reply {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&self.body)))
    }

    fn credits(&self) -> Option<&str> {
        self.header("x-foura-credits")
    }
}

/// Sends one request with `Connection: close` and reads the whole answer.
fn send(
    server: &MockServer,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> Reply {
    let mut stream = TcpStream::connect(server.addr()).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let mut head = format!(
        "{method} {path} HTTP/1.1\r\nHost: {}\r\nConnection: close\r\n",
        server.addr()
    );
    for (name, value) in headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    if !body.is_empty() || method == "POST" {
        head.push_str(&format!("Content-Length: {}\r\n", body.len()));
    }
    head.push_str("\r\n");
    stream.write_all(head.as_bytes()).unwrap();
    stream.write_all(body).unwrap();
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).unwrap();
    parse(&raw)
}

fn parse(raw: &[u8]) -> Reply {
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("a complete response head");
    let head = std::str::from_utf8(&raw[..split]).unwrap();
    let body = raw[split + 4..].to_vec();
    let mut lines = head.split("\r\n");
    let status_line = lines.next().unwrap();
    let mut parts = status_line.splitn(3, ' ');
    assert_eq!(parts.next(), Some("HTTP/1.1"), "{status_line}");
    let status = parts.next().unwrap().parse().unwrap();
    let headers: Vec<(String, String)> = lines
        .map(|l| {
            let (n, v) = l.split_once(':').unwrap();
            (n.to_owned(), v.trim().to_owned())
        })
        .collect();
    let reply = Reply {
        status,
        headers,
        body,
    };
    let len: usize = reply.header("content-length").unwrap().parse().unwrap();
    assert_eq!(len, reply.body.len(), "Content-Length matches the body");
    reply
}

/// POSTs a JSON body to an engine with `key`.
fn post_with_key(server: &MockServer, path: &str, key: &str, body: &Value) -> Reply {
    send(
        server,
        "POST",
        path,
        &[("X-API-Key", key), ("Content-Type", "application/json")],
        body.to_string().as_bytes(),
    )
}

/// POSTs a JSON body to an engine with [`MockServer::ENGINE_KEY`].
fn post(server: &MockServer, path: &str, body: &Value) -> Reply {
    post_with_key(server, path, MockServer::ENGINE_KEY, body)
}

/// POSTs and expects a 200 with no `error`; returns the body.
fn ok(server: &MockServer, path: &str, body: &Value) -> Value {
    let reply = post(server, path, body);
    assert_eq!(
        reply.status,
        200,
        "{}",
        String::from_utf8_lossy(&reply.body)
    );
    let json = reply.json();
    assert!(json.get("error").is_none(), "{json}");
    json
}

/// POSTs and expects a 400 `Invalid request body format`.
fn assert_invalid(server: &MockServer, path: &str, body: &Value) {
    let reply = post(server, path, body);
    assert_eq!(reply.status, 400, "{path} {body}");
    let json = reply.json();
    assert_eq!(json["error"], "Invalid request body format", "{body}");
    assert!(json["detail"].is_string(), "{json}");
    assert!(reply.credits().is_none());
}

fn get(json: &Value) -> Value {
    json!({ "method": "GET", "url": json })
}

const SINGLE: &str = "/api/single/";
const PROXY: &str = "/api/proxy/";
const BROWSER: &str = "/api/browser/";
const AUTO: &str = "/api/auto";
const ENGINES: [&str; 5] = [SINGLE, PROXY, BROWSER, AUTO, "/api/auto/"];

/// The smallest valid body for each engine path.
fn minimal(path: &str, url: &str) -> Value {
    match path {
        SINGLE => get(&json!(url)),
        PROXY => json!({ "request": { "method": "GET", "url": url } }),
        _ => json!({ "url": url }),
    }
}

fn is_base36_id(id: &str) -> bool {
    id.len() == 6
        && id
            .bytes()
            .all(|b| b.is_ascii_digit() || b.is_ascii_uppercase())
}

// ---------------------------------------------------------------------------------------------
// Auth

#[test]
fn a_call_without_x_api_key_is_401_missing() {
    let server = MockServer::start();
    for path in ENGINES {
        let reply = send(
            &server,
            "POST",
            path,
            &[("Content-Type", "application/json")],
            minimal(path, "https://example.com").to_string().as_bytes(),
        );
        assert_eq!(reply.status, 401, "{path}");
        assert_eq!(
            reply.json(),
            json!({"error": "Missing API key. Include X-API-Key header."})
        );
        assert_eq!(reply.header("content-type"), Some("application/json"));
        assert!(reply.header("x-foura-request-id").is_some());
        assert!(reply.credits().is_none());
    }
}

#[test]
fn a_bearer_header_does_not_authenticate_the_engines() {
    let server = MockServer::start();
    for key in [MockServer::ENGINE_KEY, MockServer::TEST_KEY] {
        let bearer = format!("Bearer {key}");
        let reply = send(
            &server,
            "POST",
            SINGLE,
            &[
                ("Authorization", &bearer),
                ("Content-Type", "application/json"),
            ],
            minimal(SINGLE, "https://example.com")
                .to_string()
                .as_bytes(),
        );
        assert_eq!(reply.status, 401);
        assert_eq!(
            reply.json()["error"],
            "Missing API key. Include X-API-Key header."
        );
    }
}

#[test]
fn an_empty_x_api_key_counts_as_missing() {
    let server = MockServer::start();
    let reply = post_with_key(&server, SINGLE, "", &minimal(SINGLE, "https://example.com"));
    assert_eq!(reply.status, 401);
    assert_eq!(
        reply.json()["error"],
        "Missing API key. Include X-API-Key header."
    );
}

#[test]
fn an_unknown_key_is_401_invalid() {
    let server = MockServer::start();
    for path in ENGINES {
        let reply = post_with_key(
            &server,
            path,
            "pk_live_invalid_xxx_zzz",
            &minimal(path, "https://example.com"),
        );
        assert_eq!(reply.status, 401, "{path}");
        assert_eq!(reply.json(), json!({"error": "Invalid API key"}));
    }
}

#[test]
fn whitespace_inside_the_key_value_is_401_invalid() {
    let server = MockServer::start();
    // Spaces and tabs around a field value are not part of it in HTTP; whitespace that
    // survives the parser is part of the key as sent.
    for padded in [
        format!("{}\u{a0}", MockServer::ENGINE_KEY),
        format!("\u{a0}{}", MockServer::ENGINE_KEY),
        format!("{} x", MockServer::ENGINE_KEY),
        format!("{}\u{b}", MockServer::ENGINE_KEY),
    ] {
        let reply = post_with_key(
            &server,
            SINGLE,
            &padded,
            &minimal(SINGLE, "https://example.com"),
        );
        assert_eq!(reply.status, 401, "{padded:?}");
        assert_eq!(reply.json(), json!({"error": "Invalid API key"}));
    }
}

#[test]
fn a_disabled_key_is_401_invalid_on_the_engines() {
    let server = MockServer::start();
    let reply = post_with_key(
        &server,
        SINGLE,
        MockServer::DISABLED_KEY,
        &minimal(SINGLE, "https://example.com"),
    );
    assert_eq!(reply.status, 401);
    assert_eq!(reply.json(), json!({"error": "Invalid API key"}));

    server.disable_key(MockServer::ENGINE_KEY);
    let reply = post(&server, AUTO, &minimal(AUTO, "https://example.com"));
    assert_eq!(reply.status, 401);
    assert_eq!(reply.json(), json!({"error": "Invalid API key"}));
    server.add_key(MockServer::ENGINE_KEY);
    assert_eq!(
        post(&server, AUTO, &minimal(AUTO, "https://example.com")).status,
        200
    );
}

#[test]
fn every_active_key_works_on_both_apis() {
    let server = MockServer::start();
    for key in [MockServer::ENGINE_KEY, MockServer::TEST_KEY] {
        for path in ENGINES {
            let reply = post_with_key(&server, path, key, &minimal(path, "https://example.com"));
            assert_eq!(reply.status, 200, "{key} {path}");
        }
    }
    let bearer = format!("Bearer {}", MockServer::ENGINE_KEY);
    let reply = send(
        &server,
        "POST",
        "/api/v1/tasks",
        &[
            ("Authorization", &bearer),
            ("Content-Type", "application/json"),
        ],
        br#"{"url":"https://example.com","type":"single"}"#,
    );
    assert_eq!(reply.status, 200);
    assert_eq!(reply.json()["status"], "completed");
    server.add_key("pk_live_added_later_000000000000");
    let reply = post_with_key(
        &server,
        SINGLE,
        "pk_live_added_later_000000000000",
        &minimal(SINGLE, "https://example.com"),
    );
    assert_eq!(reply.status, 200);
}

// ---------------------------------------------------------------------------------------------
// Routes and public endpoints

#[test]
fn auto_answers_with_and_without_the_trailing_slash() {
    let server = MockServer::start();
    let a = ok(&server, "/api/auto", &json!({"url": "https://example.com"}));
    let b = ok(
        &server,
        "/api/auto/",
        &json!({"url": "https://example.com"}),
    );
    assert_eq!(a["meta"], b["meta"]);
    assert_eq!(a["data"], b["data"]);
    let paths: Vec<String> = server.requests().into_iter().map(|r| r.path).collect();
    assert_eq!(paths, ["/api/auto", "/api/auto/"]);
}

#[test]
fn a_query_string_does_not_change_the_route() {
    let server = MockServer::start();
    ok(
        &server,
        "/api/single/?trace=1",
        &minimal(SINGLE, "https://example.com"),
    );
}

#[test]
fn unknown_paths_are_404() {
    let server = MockServer::start();
    for path in [
        "/api/single",
        "/api/proxy",
        "/api/browser",
        "/api/v2/single/",
        "/api/auto//",
        "/",
    ] {
        let reply = post(&server, path, &minimal(SINGLE, "https://example.com"));
        assert_eq!(reply.status, 404, "{path}");
        assert!(reply.header("x-foura-request-id").is_some());
    }
}

#[test]
fn the_wrong_method_is_405_with_allow() {
    let server = MockServer::start();
    let key = [("X-API-Key", MockServer::ENGINE_KEY)];
    for path in ENGINES {
        let reply = send(&server, "GET", path, &key, b"");
        assert_eq!(reply.status, 405, "{path}");
        assert_eq!(reply.header("allow"), Some("POST"));
        assert!(reply.json()["error"].is_string());
    }
    for path in ["/api/profiles", "/api/v1/status"] {
        let reply = send(&server, "POST", path, &[], b"{}");
        assert_eq!(reply.status, 405, "{path}");
        assert_eq!(reply.header("allow"), Some("GET"));
    }
}

#[test]
fn the_profile_catalogue_is_public_and_names_its_default() {
    let server = MockServer::start();
    let reply = send(&server, "GET", "/api/profiles", &[], b"");
    assert_eq!(reply.status, 200);
    assert_eq!(reply.header("content-type"), Some("application/json"));
    assert!(reply.header("x-foura-request-id").is_some());
    assert!(reply.credits().is_none());
    let json = reply.json();
    assert_eq!(json["default"], "chrome-147-windows");
    let profiles = json["profiles"].as_array().unwrap();
    assert!(profiles.len() >= 5);
    assert!(profiles.iter().any(|p| p["id"] == json["default"]));
    for p in profiles {
        for field in ["id", "browser", "os", "version"] {
            assert!(p[field].is_string(), "{p}");
        }
    }
    for browser in ["Chrome", "Edge", "Safari", "Firefox", "Tor"] {
        assert!(
            profiles.iter().any(|p| p["browser"] == browser),
            "{browser}"
        );
    }
    // A key does no harm, and a bad one is not even looked at.
    let reply = send(
        &server,
        "GET",
        "/api/profiles",
        &[("X-API-Key", "nonsense")],
        b"",
    );
    assert_eq!(reply.status, 200);
}

#[test]
fn the_status_api_is_public_and_operational() {
    let server = MockServer::start();
    let reply = send(&server, "GET", "/api/v1/status", &[], b"");
    assert_eq!(reply.status, 200);
    let json = reply.json();
    assert_eq!(json["overall"], "operational");
    let services = json["services"].as_array().unwrap();
    assert_eq!(services.len(), 1);
    let api = &services[0];
    assert_eq!(api["slug"], "api");
    assert_eq!(api["name"], "API");
    assert_eq!(api["status"], "operational");
    assert!(api["description"].is_string());
    let daily = api["daily"].as_array().unwrap();
    assert!(!daily.is_empty());
    for day in daily {
        assert_eq!(day["date"].as_str().unwrap().len(), 10, "{day}");
        assert_eq!(day["status"], "operational");
        for minutes in [
            "major_outage_minutes",
            "partial_outage_minutes",
            "degraded_minutes",
            "internal_degraded_minutes",
        ] {
            assert_eq!(day[minutes], 0);
        }
    }
    assert_eq!(json["active_incidents"], json!([]));
    let incident = &json["recent_incidents"][0];
    assert_eq!(incident["service_slug"], "api");
    assert_eq!(incident["impact"], "minor");
    assert!(incident["resolved_at"].is_string());
}

// ---------------------------------------------------------------------------------------------
// Single

#[test]
fn single_success_has_the_documented_shape_and_headers() {
    let server = MockServer::start();
    let reply = post(
        &server,
        SINGLE,
        &get(&json!("https://example.com/page?q=1")),
    );
    assert_eq!(reply.status, 200);
    assert_eq!(reply.header("content-type"), Some("application/json"));
    assert_eq!(reply.credits(), Some("2"));
    assert!(reply.header("x-foura-request-id").is_some());
    assert!(reply.header("x-foura-exit-class").is_none());
    let json = reply.json();
    assert_eq!(json["status"], 200);
    assert!(json.get("error").is_none());
    assert!(json["total_time"].is_f64(), "{json}");
    let hops = json["headers"].as_array().unwrap();
    assert_eq!(hops.len(), 1);
    assert_eq!(
        hops[0]["result"],
        json!({"version": "HTTP/2", "code": 200, "reason": ""})
    );
    assert_eq!(hops[0]["content-type"], "text/html; charset=utf-8");
    let cookies = hops[0]["set-cookie"].as_array().unwrap();
    assert_eq!(cookies.len(), 2);
    assert!(cookies[0].as_str().unwrap().starts_with("session="));
    let data = json["data"].as_str().unwrap();
    assert!(data.contains("https://example.com/page?q=1"), "{data}");
    assert_eq!(hops[0]["content-length"], data.len().to_string());
    assert!(data.contains("single engine"), "{data}");
}

#[test]
fn single_is_deterministic() {
    let server = MockServer::start();
    let body = get(&json!("https://example.com/a"));
    assert_eq!(ok(&server, SINGLE, &body), ok(&server, SINGLE, &body));
}

#[test]
fn plain_http_targets_answer_over_http_1_1_with_a_reason_phrase() {
    let server = MockServer::start();
    let json = ok(&server, SINGLE, &get(&json!("http://example.com/")));
    assert_eq!(
        json["headers"][0]["result"],
        json!({"version": "HTTP/1.1", "code": 200, "reason": "OK"})
    );
}

#[test]
fn a_status_path_is_a_success_carrying_the_targets_status() {
    let server = MockServer::start();
    for code in [201, 404, 418, 500, 503] {
        let reply = post(
            &server,
            SINGLE,
            &get(&json!(format!("http://example.com/status/{code}"))),
        );
        assert_eq!(reply.status, 200);
        assert_eq!(reply.credits(), Some("2"));
        let json = reply.json();
        assert_eq!(json["status"], code);
        assert!(json.get("error").is_none(), "{json}");
        assert_eq!(json["headers"][0]["result"]["code"], code);
    }
}

#[test]
fn a_redirect_is_one_hop_unless_followed() {
    let server = MockServer::start();
    let json = ok(
        &server,
        SINGLE,
        &get(&json!("https://example.com/redirect")),
    );
    assert_eq!(json["status"], 301);
    let hops = json["headers"].as_array().unwrap();
    assert_eq!(hops.len(), 1);
    assert_eq!(hops[0]["location"], "https://example.com/redirected");
    assert_eq!(json["data"], "");

    let mut body = get(&json!("http://example.com/redirect"));
    body["followRedirects"] = json!(3);
    let json = ok(&server, SINGLE, &body);
    assert_eq!(json["status"], 200);
    let hops = json["headers"].as_array().unwrap();
    assert_eq!(hops.len(), 2);
    assert_eq!(
        hops[0]["result"],
        json!({"version": "HTTP/1.1", "code": 301, "reason": "Moved Permanently"})
    );
    assert_eq!(hops[0]["location"], "http://example.com/redirected");
    assert_eq!(hops[1]["result"]["code"], 200);
    assert!(hops[1]["set-cookie"].is_array());
    assert!(
        json["data"]
            .as_str()
            .unwrap()
            .contains("http://example.com/redirected")
    );

    body["followRedirects"] = json!(0);
    assert_eq!(ok(&server, SINGLE, &body)["status"], 301);
}

#[test]
fn try_json_data_parses_a_json_body() {
    let server = MockServer::start();
    let mut body = get(&json!("https://api.example.com/json"));
    let raw = ok(&server, SINGLE, &body);
    let text = raw["data"].as_str().expect("a string without tryJsonData");
    assert!(text.starts_with('{'));
    assert_eq!(
        raw["headers"][0]["content-type"],
        "application/json; charset=utf-8"
    );

    body["tryJsonData"] = json!(true);
    let parsed = ok(&server, SINGLE, &body);
    assert_eq!(parsed["data"]["ok"], true);
    assert_eq!(parsed["data"]["url"], "https://api.example.com/json");
    assert_eq!(parsed["data"]["items"], json!([1, 2, 3]));

    // An HTML page stays a string.
    body["url"] = json!("https://example.com/");
    assert!(ok(&server, SINGLE, &body)["data"].is_string());
}

#[test]
fn return_buffer_sends_the_body_as_node_buffer_json() {
    let server = MockServer::start();
    let mut body = get(&json!("https://example.com/json"));
    let text = ok(&server, SINGLE, &body)["data"]
        .as_str()
        .unwrap()
        .to_owned();
    body["returnBuffer"] = json!(true);
    body["tryJsonData"] = json!(true);
    let json = ok(&server, SINGLE, &body);
    assert_eq!(json["data"]["type"], "Buffer");
    let bytes: Vec<u8> = json["data"]["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| u8::try_from(b.as_u64().unwrap()).unwrap())
        .collect();
    assert_eq!(bytes, text.as_bytes());
}

#[test]
fn head_requests_get_no_body() {
    let server = MockServer::start();
    let json = ok(
        &server,
        SINGLE,
        &json!({"method": "HEAD", "url": "https://example.com/"}),
    );
    assert_eq!(json["status"], 200);
    assert_eq!(json["data"], "");
}

#[test]
fn the_ts_placeholder_becomes_the_unix_time() {
    let server = MockServer::start();
    let before = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let json = ok(
        &server,
        SINGLE,
        &get(&json!("https://example.com/?cb={ts}")),
    );
    let after = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let data = json["data"].as_str().unwrap();
    assert!(!data.contains("{ts}"), "{data}");
    let ts: u64 = data
        .split("?cb=")
        .nth(1)
        .unwrap()
        .chars()
        .take_while(char::is_ascii_digit)
        .collect::<String>()
        .parse()
        .unwrap();
    assert!((before..=after).contains(&ts), "{ts}");
    // What the client sent is recorded as sent.
    assert!(server.last_request().unwrap().body_text().contains("{ts}"));
}

#[test]
fn single_timeout_has_the_documented_body() {
    let server = MockServer::start();
    let reply = post(&server, SINGLE, &get(&json!("https://timeout.test/")));
    assert_eq!(reply.status, 200);
    assert_eq!(
        reply.credits(),
        Some("2"),
        "credits are reported on a failure too"
    );
    assert_eq!(
        reply.json(),
        json!({"status": 0, "headers": [], "data": "", "total_time": 0,
               "error": "Operation timed out after 15000 milliseconds with 0 bytes received"})
    );
    let mut body = get(&json!("https://timeout.test/"));
    body["timeout_ms"] = json!(5000);
    assert_eq!(
        post(&server, SINGLE, &body).json()["error"],
        "Operation timed out after 5000 milliseconds with 0 bytes received"
    );
}

#[test]
fn single_unresolvable_host_has_the_documented_body() {
    let server = MockServer::start();
    for url in ["https://nowhere.invalid/", "http://a.b.invalid/x"] {
        let reply = post(&server, SINGLE, &get(&json!(url)));
        assert_eq!(reply.status, 200);
        assert_eq!(reply.credits(), Some("2"));
        assert_eq!(
            reply.json(),
            json!({"status": 0, "headers": [], "data": "", "total_time": null,
                   "error": "Couldn't resolve host name"})
        );
    }
}

#[test]
fn single_broken_download_has_the_documented_body() {
    let server = MockServer::start();
    let reply = post(&server, SINGLE, &get(&json!("https://failed.test/")));
    assert_eq!(
        reply.json(),
        json!({"error": "Download failed", "status": 0})
    );
}

#[test]
fn single_on_a_bot_check_is_a_403_success_with_defense() {
    let server = MockServer::start();
    let json = ok(&server, SINGLE, &get(&json!("https://blocked.test/")));
    assert_eq!(json["status"], 403);
    assert_eq!(
        json["defense"],
        json!({"solved": false, "vendor": "cloudflare"})
    );
    assert_eq!(json["headers"][0]["server"], "cloudflare");
    assert!(json["data"].as_str().unwrap().contains("Just a moment"));
    // Ordinary pages have no defense.
    assert!(
        ok(&server, SINGLE, &get(&json!("https://example.com/")))
            .get("defense")
            .is_none()
    );
}

#[test]
fn validate_status_rules_decide_single() {
    let server = MockServer::start();
    let mut body = get(&json!("https://example.com/status/404"));
    body["validate"] = json!({"status": {"accept": [200]}});
    let reply = post(&server, SINGLE, &body);
    assert_eq!(reply.status, 200);
    assert_eq!(reply.credits(), Some("2"));
    let json = reply.json();
    assert_eq!(json["status"], 404);
    assert_eq!(
        json["error"],
        "Response status 404 rejected by validate.status"
    );
    assert!(json["headers"].is_array());

    body["validate"] = json!({"status": {"accept": [200, 404]}});
    assert_eq!(ok(&server, SINGLE, &body)["status"], 404);

    body["url"] = json!("https://example.com/status/503");
    body["validate"] = json!({"status": {"fail": [503]}});
    assert!(post(&server, SINGLE, &body).json()["error"].is_string());
}

#[test]
fn validate_data_rules_decide_single() {
    let server = MockServer::start();
    let mut body = get(&json!("https://example.com/shop"));
    body["validate"] = json!({"data": {"accept": ["example.com/shop", "single engine"]}});
    ok(&server, SINGLE, &body);

    body["validate"] = json!({"data": {"accept": ["Add to cart"]}});
    let json = post(&server, SINGLE, &body).json();
    assert_eq!(json["error"], "Response body rejected by validate.data");
    assert_eq!(json["status"], 200);

    body["validate"] = json!({"data": {"accept": ["EXAMPLE.COM/SHOP"]}});
    assert!(
        post(&server, SINGLE, &body).json()["error"].is_string(),
        "case-sensitive"
    );

    body["url"] = json!("https://blocked.test/");
    body["validate"] = json!({"data": {"fail": ["captcha"]}});
    assert!(post(&server, SINGLE, &body).json()["error"].is_string());
}

#[test]
fn validate_header_rules_decide_single() {
    let server = MockServer::start();
    let mut body = get(&json!("https://example.com/json"));
    body["validate"] = json!({"headers": {"accept": {"Content-Type": "JSON"}}});
    ok(&server, SINGLE, &body);

    body["validate"] = json!({"headers": {"accept": {"content-type": "xml"}}});
    assert_eq!(
        post(&server, SINGLE, &body).json()["error"],
        "Response headers rejected by validate.headers"
    );

    body["url"] = json!("https://blocked.test/");
    body["validate"] = json!({"headers": {"fail": {"server": "cloudflare"}}});
    assert!(post(&server, SINGLE, &body).json()["error"].is_string());
}

#[test]
fn profile_selection_follows_the_catalogue() {
    let server = MockServer::start();
    let mut body = get(&json!("https://example.com/"));
    body["unblocker"] = json!(true);
    body["profile"] = json!("safari-18.4-ios");
    ok(&server, SINGLE, &body);

    let mut body = get(&json!("https://example.com/"));
    body["browser"] = json!("Firefox");
    body["os"] = json!("macOS");
    ok(&server, SINGLE, &body);

    let mut body = get(&json!("https://example.com/"));
    body["unblocker"] = json!(true);
    body["browser"] = json!("Safari");
    body["os"] = json!("Windows 10");
    let reply = post(&server, SINGLE, &body);
    assert_eq!(reply.status, 200);
    assert_eq!(
        reply.json(),
        json!({"status": 0, "headers": [], "data": "", "total_time": null,
               "error": "no profile matches browser=Safari os=Windows 10 version=*; available for that browser: macOS Tahoe 26.0, iOS 18.4"})
    );

    body["unblocker"] = json!(false);
    body["os"] = json!("macOS");
    assert_eq!(
        post(&server, SINGLE, &body).json()["error"],
        "browser profile selection requires unblocker:true"
    );

    let mut body = get(&json!("https://example.com/"));
    body["profile"] = json!("netscape-4");
    let error = post(&server, SINGLE, &body).json()["error"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(
        error.starts_with("no profile matches profile=netscape-4"),
        "{error}"
    );
}

#[test]
fn replaying_a_premium_exit_through_single_reports_the_exit_class() {
    let server = MockServer::start();
    let mut body = get(&json!("https://example.com/"));
    body["proxy"] = json!("P1B2C3");
    let reply = post(&server, SINGLE, &body);
    assert_eq!(reply.header("x-foura-exit-class"), Some("premium"));
    assert_eq!(reply.json()["exitClass"], "premium");

    for proxy in [
        "4DZ3VE",
        "http://user:pass@10.0.0.1:8080",
        "socks5://proxy.example:1080",
    ] {
        body["proxy"] = json!(proxy);
        let reply = post(&server, SINGLE, &body);
        assert_eq!(reply.status, 200, "{proxy}");
        assert!(reply.header("x-foura-exit-class").is_none());
        assert!(reply.json().get("exitClass").is_none());
    }
}

// ---------------------------------------------------------------------------------------------
// Validation (§3.4–3.7)

#[test]
fn the_body_must_be_a_json_object_sent_as_json() {
    let server = MockServer::start();
    let key = ("X-API-Key", MockServer::ENGINE_KEY);
    let json_type = ("Content-Type", "application/json");
    let valid = minimal(SINGLE, "https://example.com").to_string();
    for (headers, body) in [
        (vec![key], valid.as_str()),
        (vec![key, ("Content-Type", "text/plain")], valid.as_str()),
        (vec![key, json_type], "{not json"),
        (vec![key, json_type], "[1,2]"),
        (vec![key, json_type], "\"x\""),
        (vec![key, json_type], ""),
    ] {
        let reply = send(&server, "POST", SINGLE, &headers, body.as_bytes());
        assert_eq!(reply.status, 400, "{headers:?} {body}");
        assert_eq!(reply.json()["error"], "Invalid request body format");
    }
    let reply = send(
        &server,
        "POST",
        SINGLE,
        &[key, ("Content-Type", "application/json; charset=utf-8")],
        valid.as_bytes(),
    );
    assert_eq!(reply.status, 200);
}

#[test]
fn required_fields_are_required() {
    let server = MockServer::start();
    assert_invalid(&server, SINGLE, &json!({"url": "https://example.com"}));
    assert_invalid(&server, SINGLE, &json!({"method": "GET"}));
    assert_invalid(
        &server,
        SINGLE,
        &json!({"method": "", "url": "https://example.com"}),
    );
    assert_invalid(
        &server,
        SINGLE,
        &json!({"method": "G ET", "url": "https://example.com"}),
    );
    assert_invalid(&server, PROXY, &json!({"maxTries": 5}));
    assert_invalid(&server, PROXY, &json!({"request": "https://example.com"}));
    assert_invalid(
        &server,
        PROXY,
        &json!({"request": {"url": "https://example.com"}}),
    );
    assert_invalid(&server, BROWSER, &json!({}));
    assert_invalid(&server, AUTO, &json!({"method": "GET"}));
    // Any token is a method.
    ok(
        &server,
        SINGLE,
        &json!({"method": "PROPFIND", "url": "https://example.com"}),
    );
}

#[test]
fn unknown_fields_are_refused_everywhere() {
    let server = MockServer::start();
    for (path, mut body) in [
        (SINGLE, minimal(SINGLE, "https://example.com")),
        (PROXY, minimal(PROXY, "https://example.com")),
        (BROWSER, minimal(BROWSER, "https://example.com")),
        (AUTO, minimal(AUTO, "https://example.com")),
    ] {
        body["offload_large"] = json!(true);
        assert_invalid(&server, path, &body);
    }
    // Fields of other engines are unknown too.
    assert_invalid(
        &server,
        BROWSER,
        &json!({"url": "https://example.com", "method": "GET"}),
    );
    assert_invalid(
        &server,
        BROWSER,
        &json!({"url": "https://example.com", "waitFor": "#x"}),
    );
    assert_invalid(
        &server,
        AUTO,
        &json!({"url": "https://example.com", "maxTries": 3}),
    );
    assert_invalid(
        &server,
        AUTO,
        &json!({"url": "https://example.com", "profile": "chrome-147-windows"}),
    );
    // Proxy's inner request has no `proxy`.
    assert_invalid(
        &server,
        PROXY,
        &json!({"request": {"method": "GET", "url": "https://example.com", "proxy": "4DZ3VE"}}),
    );
    // null is not "absent".
    assert_invalid(
        &server,
        SINGLE,
        &json!({"method": "GET", "url": "https://example.com", "timeout_ms": null}),
    );
}

#[test]
fn single_numeric_ranges_are_enforced_at_their_boundaries() {
    let server = MockServer::start();
    for (field, max) in [
        ("timeout_ms", 120_000),
        ("connect_timeout_ms", 120_000),
        ("accept_timeout_ms", 120_000),
        ("server_response_timeout_ms", 120_000),
        ("dns_cache_timeout_sec", 240),
        ("followRedirects", 20),
    ] {
        for good in [0, max] {
            let mut body = minimal(SINGLE, "https://example.com");
            body[field] = json!(good);
            ok(&server, SINGLE, &body);
        }
        for bad in [
            json!(max + 1),
            json!(-1),
            json!(1.5),
            json!("10"),
            json!(true),
        ] {
            let mut body = minimal(SINGLE, "https://example.com");
            body[field] = bad.clone();
            assert_invalid(&server, SINGLE, &body);
        }
    }
}

#[test]
fn single_field_types_are_enforced() {
    let server = MockServer::start();
    for (field, bad) in [
        ("unblocker", json!("true")),
        ("tryJsonData", json!(1)),
        ("returnBuffer", json!("yes")),
        ("profile", json!(147)),
        ("browser", json!(["Chrome"])),
        ("data", json!([1, 2])),
        ("data", json!(42)),
        ("proxy", json!("not a proxy")),
        ("proxy", json!("ftp://host:21")),
        ("proxy", json!("http://host:notaport")),
        ("validate", json!([])),
    ] {
        let mut body = minimal(SINGLE, "https://example.com");
        body[field] = bad;
        assert_invalid(&server, SINGLE, &body);
    }
    for data in [json!("a=1&b=2"), json!({"a": 1})] {
        let mut body = json!({"method": "POST", "url": "https://example.com"});
        body["data"] = data;
        ok(&server, SINGLE, &body);
    }
}

#[test]
fn request_headers_must_be_string_pairs_except_on_browser() {
    let server = MockServer::start();
    let good = json!([
        ["Accept", "application/json"],
        ["Cookie", "a=1; b=2"],
        ["Cookie", "c=3"]
    ]);
    for path in [SINGLE, AUTO] {
        let mut body = minimal(path, "https://example.com");
        body["headers"] = good.clone();
        ok(&server, path, &body);
    }
    ok(
        &server,
        PROXY,
        &json!({"request": {"method": "GET", "url": "https://example.com", "headers": good}}),
    );
    for bad in [
        json!({"Accept": "text/html"}),
        json!([["Accept"]]),
        json!([["Accept", "a", "b"]]),
        json!([["Accept", 1]]),
        json!(["Accept: text/html"]),
        json!([["", "x"]]),
        json!([["X-Evil", "a\r\nInjected: 1"]]),
        json!("Accept: text/html"),
    ] {
        for path in [SINGLE, AUTO] {
            let mut body = minimal(path, "https://example.com");
            body["headers"] = bad.clone();
            assert_invalid(&server, path, &body);
        }
        assert_invalid(
            &server,
            PROXY,
            &json!({"request": {"method": "GET", "url": "https://example.com", "headers": bad}}),
        );
    }

    ok(
        &server,
        BROWSER,
        &json!({"url": "https://example.com", "headers": {"Referer": "https://google.com/"}}),
    );
    for bad in [
        json!([["Referer", "https://google.com/"]]),
        json!({"X-Count": 1}),
        json!("Referer: x"),
    ] {
        assert_invalid(
            &server,
            BROWSER,
            &json!({"url": "https://example.com", "headers": bad}),
        );
    }
}

#[test]
fn urls_must_be_absolute_http_or_https() {
    let server = MockServer::start();
    for bad in [
        "example.com",
        "/relative",
        "ftp://example.com/",
        "file:///etc/passwd",
        "javascript:alert(1)",
        "https://",
        "https:///path",
        "https://exa mple.com/",
        "https://example.com:99999/",
        "https://example.com:port/",
        "https://[::1/",
        "https://2130706433/",
        "https://0x7f.0.0.1/",
        "",
    ] {
        for path in [SINGLE, PROXY, BROWSER, AUTO] {
            assert_invalid(&server, path, &minimal(path, bad));
        }
    }
    for good in [
        "HTTPS://Example.COM",
        "https://example.com:8443/a/b?c=d#e",
        "http://user:pass@example.com/",
        "https://1.1.1.1/",
        "https://[2606:4700:4700::1111]/",
    ] {
        ok(&server, SINGLE, &minimal(SINGLE, good));
    }
    assert_invalid(&server, SINGLE, &json!({"method": "GET", "url": 42}));
}

#[test]
fn private_and_reserved_targets_are_refused_with_the_ssrf_body() {
    let server = MockServer::start();
    for (url, ip) in [
        ("http://127.0.0.1/", "127.0.0.1"),
        ("http://127.8.9.10:8080/x", "127.8.9.10"),
        ("https://10.1.2.3/", "10.1.2.3"),
        ("https://172.16.0.1/", "172.16.0.1"),
        ("https://192.168.1.1/", "192.168.1.1"),
        (
            "http://169.254.169.254/latest/meta-data/",
            "169.254.169.254",
        ),
        ("https://100.64.0.1/", "100.64.0.1"),
        ("https://0.0.0.0/", "0.0.0.0"),
        ("https://198.18.0.1/", "198.18.0.1"),
        ("https://224.0.0.1/", "224.0.0.1"),
        ("https://255.255.255.255/", "255.255.255.255"),
        ("https://[::1]/", "::1"),
        ("https://[::]/", "::"),
        ("https://[fd00::1]/", "fd00::1"),
        ("https://[fe80::1]/", "fe80::1"),
        ("https://[2001:db8::1]/", "2001:db8::1"),
        ("https://[::ffff:127.0.0.1]/", "::ffff:127.0.0.1"),
        ("https://[::127.0.0.1]/", "::7f00:1"),
        ("https://[64:ff9b::10.0.0.1]/", "64:ff9b::a00:1"),
        ("https://[ff02::1]/", "ff02::1"),
        ("http://localhost:8080/", "127.0.0.1"),
        ("http://api.localhost/", "127.0.0.1"),
    ] {
        for path in [SINGLE, PROXY, BROWSER, AUTO] {
            let reply = post(&server, path, &minimal(path, url));
            assert_eq!(reply.status, 400, "{path} {url}");
            assert_eq!(
                reply.json(),
                json!({"error": format!("Target {ip} resolves to a private/reserved IP")}),
                "{path} {url}"
            );
            assert!(reply.credits().is_none());
        }
    }
    // Just outside the ranges.
    for url in [
        "https://[64:ff9b::808:808]/",
        "https://[2001:4860::8888]/",
        "https://172.32.0.1/",
        "https://100.128.0.1/",
        "https://192.169.0.1/",
        "https://8.8.8.8/",
    ] {
        ok(&server, SINGLE, &minimal(SINGLE, url));
    }
}

#[test]
fn a_format_error_is_reported_before_the_ssrf_check() {
    let server = MockServer::start();
    let mut body = minimal(SINGLE, "http://127.0.0.1/");
    body["timeout_ms"] = json!(999_999);
    assert_invalid(&server, SINGLE, &body);
}

#[test]
fn proxy_ranges_and_types_are_enforced_at_their_boundaries() {
    let server = MockServer::start();
    let with = |field: &str, value: Value| {
        let mut body = minimal(PROXY, "https://example.com");
        body[field] = value;
        body
    };
    for good in [json!(1), json!(90)] {
        ok(&server, PROXY, &with("maxTries", good));
    }
    for bad in [json!(0), json!(91), json!(-5), json!(2.5), json!("5")] {
        assert_invalid(&server, PROXY, &with("maxTries", bad));
    }
    for good in [json!(1), json!(120_000)] {
        assert_eq!(post(&server, PROXY, &with("timeout_ms", good)).status, 200);
    }
    for bad in [json!(0), json!(120_001), json!(-1)] {
        assert_invalid(&server, PROXY, &with("timeout_ms", bad));
    }
    for good in [json!(["CZ"]), json!(["DE", "US", "DE"])] {
        ok(&server, PROXY, &with("exitCountries", good));
    }
    for bad in [
        json!([]),
        json!(["cz"]),
        json!(["CZE"]),
        json!(["C"]),
        json!(["C1"]),
        json!("CZ"),
        json!([1]),
    ] {
        assert_invalid(&server, PROXY, &with("exitCountries", bad));
    }
    for good in ["standard", "premium"] {
        ok(&server, PROXY, &with("exitClass", json!(good)));
    }
    for bad in [json!("gold"), json!("Premium"), json!(true)] {
        assert_invalid(&server, PROXY, &with("exitClass", bad));
    }
    ok(
        &server,
        PROXY,
        &with("ignoreProxies", json!(["4DZ3VE", "http://1.2.3.4:8080"])),
    );
    assert_invalid(&server, PROXY, &with("ignoreProxies", json!("4DZ3VE")));
    assert_invalid(&server, PROXY, &with("ignoreProxies", json!([42])));
    // The inner request is checked like single's, with its own prefix in the detail.
    let reply = post(
        &server,
        PROXY,
        &json!({"request": {"method": "GET", "url": "https://example.com", "timeout_ms": 120_001}}),
    );
    assert_eq!(reply.status, 400);
    assert!(
        reply.json()["detail"]
            .as_str()
            .unwrap()
            .contains("request.timeout_ms")
    );
}

#[test]
fn auto_ranges_and_types_are_enforced_at_their_boundaries() {
    let server = MockServer::start();
    let with = |field: &str, value: Value| {
        let mut body = minimal(AUTO, "https://example.com");
        body[field] = value;
        body
    };
    for good in [5_000, 120_000, 180_000] {
        ok(&server, AUTO, &with("timeout_ms", json!(good)));
    }
    for bad in [json!(4_999), json!(180_001), json!(0), json!("60000")] {
        assert_invalid(&server, AUTO, &with("timeout_ms", bad));
    }
    for good in [0, 20] {
        ok(&server, AUTO, &with("followRedirects", json!(good)));
    }
    assert_invalid(&server, AUTO, &with("followRedirects", json!(21)));
    for field in ["returnSession", "forceProxy"] {
        ok(&server, AUTO, &with(field, json!(false)));
        assert_invalid(&server, AUTO, &with(field, json!("false")));
    }
    assert_invalid(&server, AUTO, &with("exitClass", json!("fast")));
    assert_invalid(&server, AUTO, &with("method", json!(1)));
    assert_invalid(&server, AUTO, &with("data", json!(true)));
    assert_invalid(&server, AUTO, &with("ignoreProxies", json!({"a": 1})));
}

#[test]
fn browser_ranges_and_types_are_enforced_at_their_boundaries() {
    let server = MockServer::start();
    let with = |field: &str, value: Value| {
        let mut body = minimal(BROWSER, "https://example.com");
        body[field] = value;
        body
    };
    for good in [0, 120_000] {
        ok(&server, BROWSER, &with("timeout_ms", json!(good)));
    }
    for bad in [json!(120_001), json!(-1), json!("30000")] {
        assert_invalid(&server, BROWSER, &with("timeout_ms", bad));
    }
    assert_invalid(&server, BROWSER, &with("checkStatus", json!("200")));
    assert_invalid(&server, BROWSER, &with("checkStatus", json!(99)));
    assert_invalid(&server, BROWSER, &with("checkText", json!(["a"])));
    assert_invalid(&server, BROWSER, &with("userAgent", json!(1)));
    assert_invalid(&server, BROWSER, &with("unblocker", json!("no")));
    assert_invalid(&server, BROWSER, &with("proxy", json!("nope nope")));
    for bad in [
        json!({"name": "a", "value": "1"}),
        json!([{"name": "a"}]),
        json!([{"value": "1"}]),
        json!([{"name": "", "value": "1"}]),
        json!([{"name": "a", "value": 1}]),
        json!([{"name": "a", "value": "1", "domain": 5}]),
        json!(["a=1"]),
    ] {
        assert_invalid(&server, BROWSER, &with("cookies", bad));
    }
}

#[test]
fn validate_objects_are_checked() {
    let server = MockServer::start();
    for bad in [
        json!({"body": {"accept": ["x"]}}),
        json!({"status": {"accept": ["200"]}}),
        json!({"status": {"maybe": [200]}}),
        json!({"status": [200]}),
        json!({"headers": {"accept": [["content-type", "json"]]}}),
        json!({"headers": {"accept": {"content-type": 1}}}),
        json!({"data": {"accept": "Add to cart"}}),
        json!({"data": {"fail": [1]}}),
    ] {
        let mut body = minimal(SINGLE, "https://example.com");
        body["validate"] = bad.clone();
        assert_invalid(&server, SINGLE, &body);
        let mut body = minimal(AUTO, "https://example.com");
        body["validate"] = bad;
        assert_invalid(&server, AUTO, &body);
    }
    let mut body = minimal(SINGLE, "https://example.com");
    body["validate"] = json!({
        "status": {"accept": [200, 403], "fail": [503]},
        "headers": {"accept": {"content-type": "html"}, "fail": {"server": "cloudflare"}},
        "data": {"accept": ["example.com"], "fail": ["captcha"]},
    });
    ok(&server, SINGLE, &body);
}

#[test]
fn hostile_bodies_get_an_answer_and_leave_the_server_up() {
    let server = MockServer::start();
    let deep = "[".repeat(100_000);
    let huge = format!(
        "{{\"method\":\"GET\",\"url\":\"https://example.com/{}\"}}",
        "a".repeat(20_000)
    );
    let bodies: Vec<Vec<u8>> = vec![
        deep.into_bytes(),
        huge.into_bytes(),
        b"{\"method\":\"GET\",\"url\":\"https://example.com\",\"timeout_ms\":1e400}".to_vec(),
        b"{\"method\":\"GET\",\"url\":\"https://example.com\",\"followRedirects\":18446744073709551616}".to_vec(),
        vec![0xff, 0xfe, 0x00, 0x7b],
        b"{\"url\":\"https://\xe2\x82\xac.example/\",\"method\":\"GET\"}".to_vec(),
        b"{\"url\":\"https://example.com/{ts}{ts}{ts}\",\"method\":\"GET\",\"validate\":{\"data\":{\"accept\":[\"\"]}}}".to_vec(),
    ];
    for path in [SINGLE, PROXY, BROWSER, AUTO] {
        for body in &bodies {
            let reply = send(
                &server,
                "POST",
                path,
                &[
                    ("X-API-Key", MockServer::ENGINE_KEY),
                    ("Content-Type", "application/json"),
                ],
                body,
            );
            assert!(
                reply.status == 200 || reply.status == 400,
                "{path} {}",
                reply.status
            );
        }
    }
    ok(&server, SINGLE, &minimal(SINGLE, "https://example.com"));
}

// ---------------------------------------------------------------------------------------------
// Proxy

#[test]
fn proxy_success_has_the_documented_shape_with_a_string_total_time() {
    let server = MockServer::start();
    let reply = post(&server, PROXY, &minimal(PROXY, "https://example.com/"));
    assert_eq!(reply.status, 200);
    assert_eq!(reply.credits(), Some("4"));
    assert!(reply.header("x-foura-exit-class").is_none());
    let json = reply.json();
    assert_eq!(json["status"], 200);
    assert_eq!(json["headers"][0]["result"]["code"], 200);
    assert!(json["headers"][0]["set-cookie"].is_array());
    assert!(json["data"].as_str().unwrap().contains("proxy engine"));
    assert_eq!(json["total_time"], "0.341");
    assert!(is_base36_id(json["proxy"].as_str().unwrap()), "{json}");
    assert!(!json["proxy"].as_str().unwrap().starts_with('P'));
    assert!(json["total"].as_f64().unwrap() > 0.341);
    for absent in [
        "exitCountry",
        "exitClass",
        "error",
        "attemptReport",
        "profile",
    ] {
        assert!(json.get(absent).is_none(), "{absent}: {json}");
    }
}

#[test]
fn proxy_reports_the_exit_country_and_class_it_was_asked_for() {
    let server = MockServer::start();
    let mut body = minimal(PROXY, "https://example.com/");
    body["exitCountries"] = json!(["CZ", "DE"]);
    body["exitClass"] = json!("premium");
    let reply = post(&server, PROXY, &body);
    assert_eq!(reply.header("x-foura-exit-class"), Some("premium"));
    let json = reply.json();
    assert_eq!(json["exitCountry"], "CZ");
    assert_eq!(json["exitClass"], "premium");
    let id = json["proxy"].as_str().unwrap();
    assert!(is_base36_id(id) && id.starts_with('P'), "{id}");

    body["exitClass"] = json!("standard");
    let reply = post(&server, PROXY, &body);
    assert_eq!(reply.header("x-foura-exit-class"), Some("standard"));
    assert_eq!(reply.json()["exitClass"], "standard");
    assert!(!reply.json()["proxy"].as_str().unwrap().starts_with('P'));
}

#[test]
fn proxy_ids_replay_into_single_and_browser() {
    let server = MockServer::start();
    let mut body = minimal(PROXY, "https://example.com/");
    body["exitClass"] = json!("premium");
    let id = ok(&server, PROXY, &body)["proxy"]
        .as_str()
        .unwrap()
        .to_owned();
    let mut single = get(&json!("https://example.com/"));
    single["proxy"] = json!(id);
    assert_eq!(
        post(&server, SINGLE, &single).header("x-foura-exit-class"),
        Some("premium")
    );
    let reply = post(
        &server,
        BROWSER,
        &json!({"url": "https://example.com/", "proxy": id}),
    );
    assert_eq!(reply.header("x-foura-exit-class"), Some("premium"));
    assert_eq!(reply.json()["exitClass"], "premium");
}

#[test]
fn proxy_skips_ignored_exits() {
    let server = MockServer::start();
    let first = ok(&server, PROXY, &minimal(PROXY, "https://example.com/"))["proxy"].clone();
    assert_eq!(
        ok(&server, PROXY, &minimal(PROXY, "https://example.com/"))["proxy"],
        first
    );
    let mut body = minimal(PROXY, "https://example.com/");
    body["ignoreProxies"] = json!([first, "UNKNOWN1"]);
    let second = ok(&server, PROXY, &body)["proxy"].clone();
    assert_ne!(second, first);
    assert!(is_base36_id(second.as_str().unwrap()));
}

#[test]
fn nested_test_gives_the_nested_proxy_shape() {
    let server = MockServer::start();
    let mut body = minimal(PROXY, "https://nested.test/json");
    body["exitCountries"] = json!(["FR"]);
    let json = ok(&server, PROXY, &body);
    assert!(json.get("status").is_none(), "{json}");
    assert!(json.get("headers").is_none(), "{json}");
    let inner = &json["data"];
    assert_eq!(inner["status"], 200);
    assert!(inner["headers"].is_array());
    assert!(inner["data"].as_str().unwrap().contains("nested.test"));
    assert_eq!(json["total_time"], "0.341");
    assert!(json["proxy"].is_string());
    assert_eq!(json["exitCountry"], "FR");
    assert!(json["total"].is_number());
    // Single sees an ordinary site.
    assert_eq!(
        ok(&server, SINGLE, &get(&json!("https://nested.test/")))["status"],
        200
    );
}

#[test]
fn proxy_against_a_bot_check_fails_with_an_attempt_report() {
    let server = MockServer::start();
    let reply = post(&server, PROXY, &minimal(PROXY, "https://blocked.test/"));
    assert_eq!(reply.status, 200);
    assert_eq!(
        reply.credits(),
        Some("4"),
        "credits are reported on a failure too"
    );
    let json = reply.json();
    assert_eq!(json["error"], "Download maxTry limit reached");
    assert_eq!(
        json["request"],
        json!({"timeout_ms": 45000, "maxTries": 5, "request": {"method": "GET", "url": "https://blocked.test/"}})
    );
    assert!(json["total"].as_f64().unwrap() > 0.0);
    for absent in ["status", "headers", "data", "proxy", "code"] {
        assert!(json.get(absent).is_none(), "{absent}: {json}");
    }
    let report = &json["attemptReport"];
    assert_eq!(report["total"], 5);
    assert_eq!(report["defense"], 5);
    assert_eq!(report["noResponse"], 0);
    assert_eq!(report["contentRejected"], 0);
    assert_eq!(report["statusRejected"], 0);
    assert_eq!(report["other"], 0);
    assert_eq!(report["vendors"], json!(["cloudflare"]));
    assert_eq!(report["profilesTried"], json!(["default"]));
    assert!(
        report["summary"]
            .as_str()
            .unwrap()
            .starts_with("5 attempt(s): ")
    );
}

#[test]
fn proxy_content_rejections_are_counted_as_documented() {
    let server = MockServer::start();
    let body = json!({
        "request": {"method": "GET", "url": "https://example.com/",
                    "validate": {"data": {"accept": ["Add to cart"]}}},
        "maxTries": 25,
    });
    let json = post(&server, PROXY, &body).json();
    assert_eq!(json["error"], "Download maxTry limit reached");
    assert_eq!(json["request"]["maxTries"], 25);
    assert_eq!(json["request"]["timeout_ms"], 45000);
    let report = &json["attemptReport"];
    assert_eq!(report["total"], 25);
    assert_eq!(report["contentRejected"], 25);
    assert_eq!(report["vendors"], json!([]));
    assert_eq!(
        report["summary"],
        "25 attempt(s): 25 returned HTTP 200 with no defense present and were rejected only by your validate.data"
    );
}

#[test]
fn proxy_status_rejections_are_counted() {
    let server = MockServer::start();
    let body = json!({
        "request": {"method": "GET", "url": "https://example.com/status/503",
                    "validate": {"status": {"fail": [503]}}},
        "maxTries": 3,
    });
    let report = post(&server, PROXY, &body).json()["attemptReport"].clone();
    assert_eq!(report["total"], 3);
    assert_eq!(report["statusRejected"], 3);
    // Without validate the target's 503 is delivered.
    let json = ok(
        &server,
        PROXY,
        &minimal(PROXY, "https://example.com/status/503"),
    );
    assert_eq!(json["status"], 503);
}

#[test]
fn proxy_rotation_ends_when_the_overall_timeout_is_spent() {
    let server = MockServer::start();
    let json = post(&server, PROXY, &minimal(PROXY, "https://timeout.test/")).json();
    assert_eq!(json["error"], "Download maxTry limit reached");
    let report = &json["attemptReport"];
    // 45 s overall, 15 s per attempt: three attempts, not five.
    assert_eq!(report["total"], 3);
    assert_eq!(report["noResponse"], 3);
    assert_eq!(
        report["summary"],
        "3 attempt(s): 3 exit(s) did not answer; the overall timeout_ms ran out"
    );
    assert_eq!(json["total"].as_f64(), Some(45.0));

    let mut body = minimal(PROXY, "https://example.com/");
    body["timeout_ms"] = json!(1);
    let json = post(&server, PROXY, &body).json();
    assert_eq!(json["error"], "Download maxTry limit reached");
    assert_eq!(json["attemptReport"]["total"], 0);

    let json = post(&server, PROXY, &minimal(PROXY, "https://gone.invalid/")).json();
    assert_eq!(json["attemptReport"]["noResponse"], 5);
    let json = post(&server, PROXY, &minimal(PROXY, "https://failed.test/")).json();
    assert_eq!(json["attemptReport"]["other"], 5);
}

#[test]
fn proxy_with_no_eligible_exit_has_the_documented_body() {
    let server = MockServer::start();
    let body =
        json!({"exitCountries": ["ZZ"], "request": {"method": "GET", "url": "https://1.1.1.1/"}});
    let reply = post(&server, PROXY, &body);
    assert_eq!(reply.status, 200);
    assert_eq!(
        reply.json(),
        json!({"error": "No eligible proxy matches the requested exit countries",
               "request": {"exitCountries": ["ZZ"], "request": {"method": "GET", "url": "https://1.1.1.1/"}},
               "total": 0, "code": "no_eligible_proxy", "details": {"exitCountries": ["ZZ"]}})
    );
    let mut body = body;
    body["exitCountries"] = json!(["DE", "ZZ"]);
    assert_eq!(
        post(&server, PROXY, &body).json()["code"],
        "no_eligible_proxy"
    );
}

#[test]
fn proxy_echo_resolves_the_ts_placeholder() {
    let server = MockServer::start();
    let json = post(
        &server,
        PROXY,
        &minimal(PROXY, "https://blocked.test/?t={ts}"),
    )
    .json();
    let url = json["request"]["request"]["url"].as_str().unwrap();
    assert!(!url.contains("{ts}"), "{url}");
    assert!(url.starts_with("https://blocked.test/?t=1"), "{url}");
}

#[test]
fn proxy_inner_request_options_apply() {
    let server = MockServer::start();
    let json = ok(
        &server,
        PROXY,
        &json!({"request": {"method": "GET", "url": "https://example.com/json", "tryJsonData": true}}),
    );
    assert_eq!(json["data"]["ok"], true);
    let json = ok(
        &server,
        PROXY,
        &json!({"request": {"method": "GET", "url": "https://example.com/redirect", "followRedirects": 2}}),
    );
    assert_eq!(json["headers"].as_array().unwrap().len(), 2);
    let json = post(
        &server,
        PROXY,
        &json!({"request": {"method": "GET", "url": "https://example.com/", "unblocker": false, "browser": "Edge"}}),
    )
    .json();
    assert_eq!(
        json["error"],
        "browser profile selection requires unblocker:true"
    );
}

// ---------------------------------------------------------------------------------------------
// Browser

#[test]
fn browser_success_has_the_documented_shape() {
    let server = MockServer::start();
    let reply = post(
        &server,
        BROWSER,
        &json!({"url": "https://example.com/", "cookies": [
            {"name": "consent", "value": "yes"},
            {"name": "other", "value": "site", "domain": "other.example"},
            {"name": "wide", "value": "1", "domain": ".example.com", "path": "/", "secure": true},
        ]}),
    );
    assert_eq!(reply.status, 200);
    assert_eq!(reply.credits(), Some("5"));
    let json = reply.json();
    assert_eq!(json["status"], 200);
    assert!(
        json["userAgent"]
            .as_str()
            .unwrap()
            .starts_with("Mozilla/5.0")
    );
    let headers = json["headers"].as_object().expect("a flat object");
    assert!(headers.get("result").is_none());
    assert_eq!(headers["content-type"], "text/html; charset=utf-8");
    assert!(headers["set-cookie"].is_array());
    assert!(json["body"].as_str().unwrap().contains("browser engine"));
    assert!(json.get("data").is_none());
    let cookies = json["cookies"].as_array().unwrap();
    let names: Vec<&str> = cookies
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["consent", "wide", "session", "theme"]);
    let consent = &cookies[0];
    assert_eq!(consent["value"], "yes");
    assert_eq!(consent["domain"], "example.com");
    assert_eq!(consent["expires"], -1);
    assert_eq!(consent["sameSite"], "Lax");
    for key in ["path", "size", "httpOnly", "secure", "session"] {
        assert!(consent.get(key).is_some(), "{key}");
    }
    assert_eq!(cookies[2]["httpOnly"], true);
}

#[test]
fn browser_presents_the_user_agent_asked_for() {
    let server = MockServer::start();
    let json = ok(
        &server,
        BROWSER,
        &json!({"url": "https://example.com/", "userAgent": "MyBot/1.0"}),
    );
    assert_eq!(json["userAgent"], "MyBot/1.0");
}

#[test]
fn browser_parses_a_json_page_into_body() {
    let server = MockServer::start();
    let json = ok(
        &server,
        BROWSER,
        &json!({"url": "https://example.com/json"}),
    );
    assert_eq!(json["body"]["ok"], true);
    assert_eq!(json["body"]["engine"], "browser");
}

#[test]
fn browser_follows_redirects_natively() {
    let server = MockServer::start();
    let json = ok(
        &server,
        BROWSER,
        &json!({"url": "https://example.com/redirect"}),
    );
    assert_eq!(json["status"], 200);
    assert!(json["body"].as_str().unwrap().contains("/redirected"));
}

#[test]
fn browser_failures_have_the_documented_bodies() {
    let server = MockServer::start();
    let reply = post(&server, BROWSER, &json!({"url": "https://timeout.test/"}));
    assert_eq!(reply.status, 200);
    assert_eq!(reply.credits(), Some("5"));
    assert_eq!(
        reply.json(),
        json!({"error": "Navigation timeout of 30000 ms exceeded", "status": 0})
    );
    assert_eq!(
        post(
            &server,
            BROWSER,
            &json!({"url": "https://timeout.test/", "timeout_ms": 10000})
        )
        .json()["error"],
        "Navigation timeout of 10000 ms exceeded"
    );
    let json = post(&server, BROWSER, &json!({"url": "https://x.invalid/"})).json();
    assert_eq!(json["status"], 0);
    assert_eq!(
        json["error"],
        "net::ERR_NAME_NOT_RESOLVED at https://x.invalid/"
    );
    let json = post(&server, BROWSER, &json!({"url": "https://failed.test/"})).json();
    assert_eq!(json["status"], 0);
    assert!(json["error"].is_string());
}

#[test]
fn browser_check_status_and_check_text() {
    let server = MockServer::start();
    ok(
        &server,
        BROWSER,
        &json!({"url": "https://example.com/", "checkStatus": 200, "checkText": "<h1>"}),
    );
    let reply = post(
        &server,
        BROWSER,
        &json!({"url": "https://example.com/status/404", "checkStatus": 200}),
    );
    assert_eq!(reply.status, 200);
    assert_eq!(reply.credits(), Some("5"));
    let json = reply.json();
    assert_eq!(json["status"], 404);
    assert!(json["error"].as_str().unwrap().contains("404"), "{json}");
    let json = post(
        &server,
        BROWSER,
        &json!({"url": "https://example.com/", "checkText": "Add to cart"}),
    )
    .json();
    assert_eq!(json["status"], 200);
    assert!(
        json["error"].as_str().unwrap().contains("Add to cart"),
        "{json}"
    );
    // Without checks, a 404 is a page like any other.
    assert_eq!(
        ok(
            &server,
            BROWSER,
            &json!({"url": "https://example.com/status/404"})
        )["status"],
        404
    );
}

#[test]
fn browser_solves_a_challenge_only_with_unblocker() {
    let server = MockServer::start();
    let json = ok(&server, BROWSER, &json!({"url": "https://challenge.test/"}));
    assert_eq!(json["status"], 200);
    assert!(json["body"].as_str().unwrap().contains("challenge.test"));
    let json = ok(
        &server,
        BROWSER,
        &json!({"url": "https://challenge.test/", "unblocker": false}),
    );
    assert_eq!(json["status"], 403);
    assert!(json["body"].as_str().unwrap().contains("Just a moment"));
    assert_eq!(
        ok(&server, BROWSER, &json!({"url": "https://blocked.test/"}))["status"],
        403
    );
}

// ---------------------------------------------------------------------------------------------
// Auto

#[test]
fn auto_success_has_the_documented_shape() {
    let server = MockServer::start();
    let reply = post(&server, AUTO, &json!({"url": "https://example.com/"}));
    assert_eq!(reply.status, 200);
    assert_eq!(reply.credits(), Some("4"));
    assert!(reply.header("x-foura-exit-class").is_none());
    let json = reply.json();
    assert_eq!(json["status"], 200);
    assert!(json["headers"][0]["result"].is_object());
    assert!(json["data"].as_str().unwrap().contains("auto engine"));
    assert!(json.get("total_time").is_none());
    assert_eq!(
        json["meta"],
        json!({"rung": "proxy", "solved": false, "attempts": 1, "credits": 4})
    );
    let session = &json["session"];
    assert!(is_base36_id(session["proxy"].as_str().unwrap()));
    assert!(
        session["userAgent"]
            .as_str()
            .unwrap()
            .starts_with("Mozilla/5.0")
    );
    let cookies = session["cookies"].as_array().unwrap();
    assert_eq!(cookies.len(), 2);
    assert_eq!(cookies[0]["domain"], "example.com");
    assert!(json.get("exitClass").is_none());
}

#[test]
fn auto_without_force_proxy_delivers_from_the_probe() {
    let server = MockServer::start();
    let reply = post(
        &server,
        AUTO,
        &json!({"url": "https://example.com/", "forceProxy": false}),
    );
    assert_eq!(reply.credits(), Some("2"));
    let json = reply.json();
    assert_eq!(json["meta"]["rung"], "probe");
    assert_eq!(json["meta"]["credits"], 2);
    assert!(
        json["session"].get("proxy").is_none(),
        "direct egress: {json}"
    );
}

#[test]
fn auto_return_session_false_omits_the_session() {
    let server = MockServer::start();
    let json = ok(
        &server,
        AUTO,
        &json!({"url": "https://example.com/", "returnSession": false}),
    );
    assert!(json.get("session").is_none());
    assert!(json["meta"].is_object());
}

#[test]
fn auto_session_user_agent_follows_the_request_headers() {
    let server = MockServer::start();
    let json = ok(
        &server,
        AUTO,
        &json!({"url": "https://example.com/", "headers": [["User-Agent", "MyBot/2.0"]]}),
    );
    assert_eq!(json["session"]["userAgent"], "MyBot/2.0");
}

#[test]
fn auto_reports_the_exit_class_in_body_meta_and_header() {
    let server = MockServer::start();
    for class in ["premium", "standard"] {
        let reply = post(
            &server,
            AUTO,
            &json!({"url": "https://example.com/", "exitClass": class}),
        );
        assert_eq!(reply.header("x-foura-exit-class"), Some(class));
        let json = reply.json();
        assert_eq!(json["exitClass"], class);
        assert_eq!(json["meta"]["exitClass"], class);
        assert_eq!(
            json["session"]["proxy"].as_str().unwrap().starts_with('P'),
            class == "premium"
        );
    }
}

#[test]
fn auto_climbs_to_the_browser_rung_for_a_challenge() {
    let server = MockServer::start();
    let reply = post(&server, AUTO, &json!({"url": "https://challenge.test/"}));
    assert_eq!(reply.credits(), Some("9"));
    let json = reply.json();
    assert_eq!(
        json["meta"],
        json!({"rung": "browser", "solved": true, "attempts": 2, "credits": 9})
    );
    assert_eq!(json["status"], 200);
    assert!(
        json["headers"].is_object(),
        "the browser rung's flat headers"
    );
    assert!(json["session"]["proxy"].is_string());

    let json = ok(
        &server,
        AUTO,
        &json!({"url": "https://challenge.test/", "forceProxy": false}),
    );
    assert_eq!(json["meta"]["attempts"], 3);
    assert_eq!(json["meta"]["credits"], 11);
    assert!(json["session"].get("proxy").is_none());
}

#[test]
fn auto_failure_has_attempts_and_a_fail_rung() {
    let server = MockServer::start();
    let reply = post(
        &server,
        AUTO,
        &json!({"url": "https://blocked.test/", "forceProxy": false}),
    );
    assert_eq!(reply.status, 200);
    assert_eq!(reply.credits(), Some("16"));
    let json = reply.json();
    assert!(json["error"].as_str().is_some_and(|e| !e.is_empty()));
    assert_eq!(json["status"], 403);
    assert_eq!(json["attempts"], 4);
    assert_eq!(
        json["meta"],
        json!({"rung": "fail", "solved": false, "attempts": 4, "credits": 16})
    );
    assert!(json.get("session").is_none());
    assert!(json.get("data").is_none());

    let reply = post(
        &server,
        AUTO,
        &json!({"url": "https://timeout.test/", "exitClass": "standard"}),
    );
    assert_eq!(reply.header("x-foura-exit-class"), Some("standard"));
    let json = reply.json();
    assert_eq!(json["status"], 0);
    assert_eq!(json["meta"]["rung"], "fail");
    assert_eq!(json["meta"]["exitClass"], "standard");
    assert_eq!(
        reply.credits().unwrap(),
        json["meta"]["credits"].to_string()
    );
}

#[test]
fn auto_checks_every_rung_against_validate() {
    let server = MockServer::start();
    let json = post(
        &server,
        AUTO,
        &json!({"url": "https://example.com/", "validate": {"data": {"accept": ["Add to cart"]}}}),
    )
    .json();
    assert_eq!(json["meta"]["rung"], "fail");
    assert_eq!(json["status"], 200);
    // Accepting the 403 makes the bot check a deliverable page.
    let json = ok(
        &server,
        AUTO,
        &json!({"url": "https://blocked.test/", "validate": {"status": {"accept": [403]}}}),
    );
    assert_eq!(json["status"], 403);
    assert_eq!(json["meta"]["rung"], "proxy");
}

#[test]
fn auto_target_statuses_are_delivered_without_error() {
    let server = MockServer::start();
    let json = ok(
        &server,
        AUTO,
        &json!({"url": "https://example.com/status/502"}),
    );
    assert_eq!(json["status"], 502);
}

#[test]
fn auto_reuses_a_saved_session_for_cached_test() {
    let server = MockServer::start();
    let reply = post(&server, AUTO, &json!({"url": "https://cached.test/"}));
    assert_eq!(reply.credits(), Some("2"));
    assert_eq!(
        reply.json()["meta"],
        json!({"rung": "cache", "solved": false, "attempts": 1, "credits": 2})
    );
}

#[test]
fn auto_follows_five_redirects_by_default() {
    let server = MockServer::start();
    let json = ok(
        &server,
        AUTO,
        &json!({"url": "https://example.com/redirect"}),
    );
    assert_eq!(json["headers"].as_array().unwrap().len(), 2);
    let json = ok(
        &server,
        AUTO,
        &json!({"url": "https://example.com/redirect", "followRedirects": 0}),
    );
    assert_eq!(json["status"], 301);
}

// ---------------------------------------------------------------------------------------------
// Refusals and account state

#[test]
fn rate_limited_has_the_documented_body_per_engine() {
    let server = MockServer::start();
    for (path, service) in [
        (SINGLE, "single"),
        (PROXY, "proxy"),
        (BROWSER, "browser"),
        (AUTO, "auto"),
    ] {
        server.refuse_next(1, None, Refusal::RateLimited);
        let reply = post(&server, path, &minimal(path, "https://example.com"));
        assert_eq!(reply.status, 429);
        assert_eq!(
            reply.json(),
            json!({"error": "Rate limit exceeded", "status": 429, "service": service, "retryAfter": 5,
                   "current": {"concurrency": 12, "rpm": 3000},
                   "limits": {"maxConcurrency": 500, "maxRpm": 3000}})
        );
        assert_eq!(reply.header("content-type"), Some("application/json"));
        assert!(reply.header("x-foura-request-id").is_some());
        assert!(reply.credits().is_none());
        assert!(reply.header("x-foura-limit").is_none());
        assert!(reply.header("retry-after").is_none());
    }
    assert_eq!(
        post(&server, SINGLE, &minimal(SINGLE, "https://example.com")).status,
        200
    );
}

#[test]
fn at_capacity_has_the_documented_body() {
    let server = MockServer::start();
    server.refuse_next(1, Some(Engine::Browser), Refusal::AtCapacity);
    let reply = post(&server, BROWSER, &minimal(BROWSER, "https://example.com"));
    assert_eq!(reply.status, 503);
    assert_eq!(
        reply.json(),
        json!({"error": "Service at capacity", "status": 503, "service": "browser", "retryAfter": 2,
               "current": {"concurrency": 6, "rpm": 30}, "limits": {"maxConcurrency": 5, "maxRpm": 60}})
    );
    assert!(reply.credits().is_none());
}

#[test]
fn a_disabled_service_refuses_every_call_until_enabled() {
    let server = MockServer::start();
    server.set_service_enabled(Engine::Proxy, false);
    for _ in 0..2 {
        let reply = post(&server, PROXY, &minimal(PROXY, "https://example.com"));
        assert_eq!(reply.status, 503);
        assert_eq!(
            reply.json(),
            json!({"error": "Service disabled", "status": 503, "service": "proxy", "retryAfter": 60,
                   "current": {"concurrency": 0, "rpm": 0}, "limits": {"maxConcurrency": 0, "maxRpm": 0}})
        );
    }
    assert_eq!(
        post(&server, SINGLE, &minimal(SINGLE, "https://example.com")).status,
        200
    );
    // A bad key is still a 401 first.
    let reply = post_with_key(
        &server,
        PROXY,
        "pk_live_nope",
        &minimal(PROXY, "https://example.com"),
    );
    assert_eq!(reply.status, 401);
    server.set_service_enabled(Engine::Proxy, true);
    assert_eq!(
        post(&server, PROXY, &minimal(PROXY, "https://example.com")).status,
        200
    );
}

#[test]
fn a_queued_service_disabled_refusal_has_the_same_body() {
    let server = MockServer::start();
    server.refuse_next(1, Some(Engine::Auto), Refusal::ServiceDisabled);
    let reply = post(&server, "/api/auto/", &minimal(AUTO, "https://example.com"));
    assert_eq!(reply.status, 503);
    let json = reply.json();
    assert_eq!(json["error"], "Service disabled");
    assert_eq!(json["service"], "auto");
    assert_eq!(json["current"], json!({"concurrency": 0, "rpm": 0}));
}

#[test]
fn backend_unavailable_has_the_documented_body() {
    let server = MockServer::start();
    server.refuse_next(1, None, Refusal::BackendUnavailable);
    let reply = post(&server, SINGLE, &minimal(SINGLE, "https://example.com"));
    assert_eq!(reply.status, 503);
    assert_eq!(
        reply.json(),
        json!({"error": "Backend service unavailable", "backend_status": 503,
               "detail": "<html><body>Service Unavailable</body></html>"})
    );
    assert!(reply.credits().is_none());
}

#[test]
fn exhausted_credits_have_the_documented_body_and_headers() {
    let server = MockServer::start();
    for code in ["plan_limit_credits", "credits"] {
        server.refuse_next(1, None, Refusal::PlanLimit(code.into()));
        let reply = post(&server, PROXY, &minimal(PROXY, "https://example.com"));
        assert_eq!(reply.status, 429);
        assert_eq!(
            reply.json(),
            json!({"error": "Monthly credits exhausted", "reason": "plan_limit_credits",
                   "retry_after_seconds": 3600, "resets_at": "2026-10-01T00:00:00.000Z"})
        );
        assert_eq!(reply.header("x-foura-limit"), Some("plan_limit_credits"));
        assert_eq!(reply.header("retry-after"), Some("3600"));
        assert!(reply.credits().is_none());
    }
}

#[test]
fn spent_bandwidth_is_named_only_by_the_header() {
    let server = MockServer::start();
    server.refuse_next(1, None, Refusal::PlanLimit("plan_limit_bandwidth".into()));
    let reply = post(&server, SINGLE, &minimal(SINGLE, "https://example.com"));
    assert_eq!(reply.status, 429);
    assert_eq!(reply.json(), json!({"error": "Bandwidth allowance spent"}));
    assert_eq!(reply.header("x-foura-limit"), Some("plan_limit_bandwidth"));
    assert!(reply.header("retry-after").is_none());
}

#[test]
fn other_plan_limits_carry_their_code() {
    let server = MockServer::start();
    for (code, status, wait) in [
        ("plan_limit_feature", 403, None),
        ("plan_limit_browser_daily", 429, Some("3600")),
        ("plan_limit_rate", 429, Some("60")),
        ("plan_limit_concurrency", 429, Some("5")),
        ("plan_limit_something_new", 429, None),
    ] {
        server.refuse_next(1, None, Refusal::PlanLimit(code.into()));
        let reply = post(&server, BROWSER, &minimal(BROWSER, "https://example.com"));
        assert_eq!(reply.status, status, "{code}");
        assert_eq!(reply.header("x-foura-limit"), Some(code));
        assert_eq!(reply.json()["reason"], code);
        assert_eq!(reply.header("retry-after"), wait, "{code}");
        assert!(reply.json()["error"].is_string());
    }
}

#[test]
fn premium_exits_off_the_plan_are_refused_with_403() {
    let server = MockServer::start();
    server.set_premium_allowed(false);
    let premium_body = json!({"error": "Premium exits (the exitClass parameter) are not included in your plan (Free).",
                              "reason": "plan_limit_premium", "documentation": "https://foura.ai/prices"});
    for path in [PROXY, AUTO] {
        let mut body = minimal(path, "https://example.com");
        body["exitClass"] = json!("premium");
        let reply = post(&server, path, &body);
        assert_eq!(reply.status, 403, "{path}");
        assert_eq!(reply.json(), premium_body);
        assert_eq!(reply.header("x-foura-limit"), Some("plan_limit_premium"));
        assert!(reply.header("retry-after").is_none());
        assert!(reply.credits().is_none());

        body["exitClass"] = json!("standard");
        assert_eq!(post(&server, path, &body).status, 200, "{path}");
        assert_eq!(
            post(&server, path, &minimal(path, "https://example.com")).status,
            200
        );
    }
    // A malformed body is still a 400 first.
    assert_invalid(&server, PROXY, &json!({"exitClass": "premium"}));
    server.set_premium_allowed(true);
    let mut body = minimal(PROXY, "https://example.com");
    body["exitClass"] = json!("premium");
    assert_eq!(post(&server, PROXY, &body).status, 200);

    server.refuse_next(1, None, Refusal::PlanLimit("premium".into()));
    let reply = post(&server, SINGLE, &minimal(SINGLE, "https://example.com"));
    assert_eq!(reply.status, 403);
    assert_eq!(reply.json(), premium_body);
}

#[test]
fn refusals_are_scoped_counted_and_taken_in_order() {
    let server = MockServer::start();
    server.refuse_next(2, Some(Engine::Proxy), Refusal::AtCapacity);
    server.refuse_next(1, None, Refusal::RateLimited);
    assert_eq!(server.pending_refusals(), 3);

    // Single skips the proxy-scoped ones and takes the unscoped one.
    assert_eq!(
        post(&server, SINGLE, &minimal(SINGLE, "https://example.com")).status,
        429
    );
    assert_eq!(
        post(&server, SINGLE, &minimal(SINGLE, "https://example.com")).status,
        200
    );
    assert_eq!(server.pending_refusals(), 2);
    for _ in 0..2 {
        assert_eq!(
            post(&server, PROXY, &minimal(PROXY, "https://example.com")).status,
            503
        );
    }
    assert_eq!(
        post(&server, PROXY, &minimal(PROXY, "https://example.com")).status,
        200
    );
    assert_eq!(server.pending_refusals(), 0);
}

#[test]
fn refusals_are_not_taken_by_bad_keys_the_tasks_api_or_public_endpoints() {
    let server = MockServer::start();
    server.refuse_next(1, None, Refusal::RateLimited);
    assert_eq!(
        post_with_key(
            &server,
            SINGLE,
            "pk_live_x",
            &minimal(SINGLE, "https://e.com")
        )
        .status,
        401
    );
    assert_eq!(send(&server, "GET", "/api/profiles", &[], b"").status, 200);
    assert_eq!(send(&server, "GET", "/api/v1/status", &[], b"").status, 200);
    let bearer = format!("Bearer {}", MockServer::TEST_KEY);
    assert_eq!(
        send(
            &server,
            "GET",
            "/api/v1/tasks",
            &[("Authorization", &bearer)],
            b""
        )
        .status,
        200
    );
    assert_eq!(server.pending_refusals(), 1);
    // It answers before the body is read.
    let reply = send(
        &server,
        "POST",
        SINGLE,
        &[
            ("X-API-Key", MockServer::ENGINE_KEY),
            ("Content-Type", "application/json"),
        ],
        b"{broken",
    );
    assert_eq!(reply.status, 429);
    assert_eq!(server.pending_refusals(), 0);
}

#[test]
fn a_queued_fault_answers_before_a_refusal() {
    let server = MockServer::start();
    server.refuse_next(1, None, Refusal::RateLimited);
    server.push_fault(
        Fault::status(502, "<html>Bad Gateway</html>").header("Content-Type", "text/html"),
    );
    let reply = post(&server, SINGLE, &minimal(SINGLE, "https://example.com"));
    assert_eq!(reply.status, 502);
    assert_eq!(reply.body, b"<html>Bad Gateway</html>");
    assert!(reply.header("x-foura-request-id").is_some());
    assert_eq!(server.pending_refusals(), 1);
    assert_eq!(
        post(&server, SINGLE, &minimal(SINGLE, "https://example.com")).status,
        429
    );
}

#[test]
fn faults_still_work_on_every_path() {
    let server = MockServer::start();
    for path in [
        "/api/single/",
        "/api/proxy/",
        "/api/browser/",
        "/api/auto",
        "/api/auto/",
        "/api/profiles",
        "/api/v1/status",
        "/nowhere",
    ] {
        server.push_fault(
            Fault::json(200, &json!({"scripted": path})).header("X-FourA-Credits", "7"),
        );
        let reply = send(&server, "GET", path, &[], b"");
        assert_eq!(reply.status, 200, "{path}");
        assert_eq!(reply.json(), json!({"scripted": path}));
        assert_eq!(reply.credits(), Some("7"));
    }
}

#[test]
fn every_engine_response_has_a_distinct_request_id() {
    let server = MockServer::start();
    let mut ids = Vec::new();
    for reply in [
        post(&server, SINGLE, &minimal(SINGLE, "https://example.com")),
        post(&server, SINGLE, &minimal(SINGLE, "https://timeout.test")),
        post(&server, SINGLE, &json!({})),
        post(&server, SINGLE, &minimal(SINGLE, "http://10.0.0.1")),
        post_with_key(
            &server,
            SINGLE,
            "bad",
            &minimal(SINGLE, "https://example.com"),
        ),
        send(&server, "GET", "/api/profiles", &[], b""),
    ] {
        let id = reply.header("x-foura-request-id").unwrap().to_owned();
        assert_eq!(id.len(), 36, "{id}");
        ids.push(id);
    }
    let mut unique = ids.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), ids.len());
}

#[test]
fn the_request_log_records_engine_calls_as_sent() {
    let server = MockServer::start();
    let body = json!({"url": "https://example.com/?t={ts}"});
    ok(&server, AUTO, &body);
    let r = server.last_request().unwrap();
    assert_eq!(r.method, "POST");
    assert_eq!(r.path, "/api/auto");
    assert_eq!(r.header("x-api-key"), Some(MockServer::ENGINE_KEY));
    assert_eq!(r.body_json(), Some(body));
    assert!(
        !format!("{r:?}").contains(MockServer::ENGINE_KEY),
        "the key is redacted"
    );
}
