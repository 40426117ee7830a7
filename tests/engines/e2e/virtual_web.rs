//! The virtual web's shapes through the client.

use super::*;

#[test]
fn a_targets_own_403_is_an_ok_response_on_every_engine() {
    let (server, client) = start();
    let url = "https://example.com/status/403";

    let single = client.single(&SingleRequest::get(url)).unwrap();
    assert_eq!(single.status, 403);
    assert_eq!(final_code(&single.headers), Some(403));
    assert_meta(single.meta(), 2.0);
    let proxy = client.proxy(&proxy_get(url)).unwrap();
    assert_eq!(proxy.status, 403);
    assert_meta(proxy.meta(), 4.0);
    let browser = client.browser(&BrowserRequest::new(url)).unwrap();
    assert_eq!(browser.status, 403);
    assert_meta(browser.meta(), 5.0);
    let auto = client.auto(&AutoRequest::new(url)).unwrap();
    assert_eq!(auto.status, 403);
    assert!(auto.meta().credits.is_some());

    let paths: Vec<String> = server.requests().into_iter().map(|r| r.path).collect();
    assert_eq!(
        paths,
        ["/api/single/", "/api/proxy/", "/api/browser/", "/api/auto"]
    );
}

#[test]
fn a_bot_check_on_single_is_a_403_success_with_defense() {
    let (server, client) = start();
    let page = client
        .single(&SingleRequest::get("https://blocked.test/"))
        .unwrap();
    assert_eq!(page.status, 403);
    let defense = page.defense.as_ref().expect("defense");
    assert_eq!(defense.get("solved"), Some(&json!(false)));
    assert_eq!(
        defense.get("vendor"),
        Some(&json!("cloudflare")),
        "kept as sent"
    );
    assert_eq!(page.headers.get("server"), Some("cloudflare"));
    assert!(page.text().unwrap().contains("Just a moment"));
    assert_meta(page.meta(), 2.0);
    assert_eq!(server.request_count(), 1);
}

#[test]
fn try_json_data_makes_the_body_a_json_object() {
    let (server, client) = start();
    let url = "https://api.example.com/json";
    let page = client
        .single(&SingleRequest::get(url).try_json_data(true))
        .unwrap();
    assert!(
        matches!(page.content(), Content::Json(Value::Object(_))),
        "{page:?}"
    );
    let json = page.json().unwrap();
    assert!(json.is_object());
    assert_eq!(json["ok"], true);
    assert_eq!(json["url"], url);
    assert_eq!(json["items"], json!([1, 2, 3]));
    assert_eq!(page.text(), None, "a parsed value is not text");
    assert_eq!(
        page.headers.get("content-type"),
        Some("application/json; charset=utf-8")
    );
    assert_eq!(sent(&server)["tryJsonData"], true);

    // Without it the body is text, which json() still parses.
    let page = client.single(&SingleRequest::get(url)).unwrap();
    assert!(matches!(page.content(), Content::Text(_)));
    assert!(page.text().unwrap().starts_with('{'));
    assert_eq!(page.json().unwrap()["ok"], true);
    assert!(sent(&server).get("tryJsonData").is_none());
    assert_eq!(server.request_count(), 2);
}

#[test]
fn return_buffer_gives_the_body_as_bytes() {
    let (server, client) = start();
    let url = "https://example.com/json";
    let text = client
        .single(&SingleRequest::get(url))
        .unwrap()
        .text()
        .unwrap()
        .to_owned();
    let page = client
        .single(&SingleRequest::get(url).return_buffer(true))
        .unwrap();
    assert!(matches!(page.content(), Content::Bytes(_)), "{page:?}");
    assert_eq!(&*page.bytes(), text.as_bytes());
    assert_eq!(page.text(), Some(text.as_str()), "UTF-8 bytes read as text");
    assert_eq!(sent(&server)["returnBuffer"], true);
    assert_eq!(server.request_count(), 2);
}

#[test]
fn follow_redirects_gives_one_hop_per_response() {
    let (server, client) = start();
    let url = "https://example.com/redirect";

    let page = client
        .single(&SingleRequest::get(url).follow_redirects(5))
        .unwrap();
    assert_eq!(page.status, 200);
    assert_eq!(page.headers.hops.len(), 2);
    let first = &page.headers.hops[0];
    assert_eq!(first.result.as_ref().unwrap().code, Some(301));
    assert_eq!(
        first.get("location"),
        Some("https://example.com/redirected")
    );
    assert_eq!(final_code(&page.headers), Some(200));
    assert!(
        page.text()
            .unwrap()
            .contains("https://example.com/redirected")
    );
    assert_eq!(sent(&server)["followRedirects"], 5);

    // Not following: the 301 alone, delivered as the target's answer.
    let page = client.single(&SingleRequest::get(url)).unwrap();
    assert_eq!(page.status, 301);
    assert_eq!(page.headers.hops.len(), 1);
    assert!(sent(&server).get("followRedirects").is_none());
    assert_eq!(server.request_count(), 2);
}

#[test]
fn a_rotation_beaten_by_a_bot_check_names_the_vendor_and_echoes_the_request() {
    let (_server, client) = start();
    let err = client
        .proxy(&proxy_get("https://blocked.test/"))
        .unwrap_err();
    assert_eq!(err.message(), Some("Download maxTry limit reached"));
    assert_eq!(err.code(), None);
    assert_eq!(
        err.target_status(),
        None,
        "a failed rotation sends no status"
    );
    let report = err.attempt_report().expect("attemptReport");
    assert_eq!(report["vendors"], json!(["cloudflare"]));
    let summary = report["summary"].as_str().unwrap();
    assert!(summary.starts_with("5 attempt(s): "), "{report}");
    let echoed = err.echoed_request().expect("the echoed request");
    assert_eq!(echoed["maxTries"], 5);
    assert_eq!(echoed["timeout_ms"], 45000);
    assert_eq!(echoed["request"]["url"], "https://blocked.test/");
    assert!(err.hint().unwrap().contains("attempt_report"), "{err}");
}

#[test]
fn no_eligible_proxy_is_engine_failed_with_its_code_and_details() {
    let (server, client) = start();
    let err = client
        .proxy(&proxy_get(PAGE).exit_countries(["ZZ"]))
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::EngineFailed);
    assert_eq!(err.code(), Some("no_eligible_proxy"));
    assert_eq!(err.details(), Some(&json!({"exitCountries": ["ZZ"]})));
    assert_eq!(
        err.message(),
        Some("No eligible proxy matches the requested exit countries")
    );
    assert_eq!(
        err.echoed_request().unwrap()["exitCountries"],
        json!(["ZZ"])
    );
    assert_eq!(err.credits(), Some(4.0));
    assert!(err.hint().unwrap().contains("country"), "{err}");
    assert!(err.to_string().contains("no_eligible_proxy"), "{err}");

    assert_eq!(server.request_count(), 1);
    assert_eq!(sent(&server)["exitCountries"], json!(["ZZ"]));
}

#[test]
fn a_nested_proxy_result_decodes_the_same_as_a_flat_one() {
    let (server, client) = start();
    let nested = client
        .proxy(&proxy_get("https://nested.test/page").exit_countries(["FR"]))
        .unwrap();
    let flat = client
        .proxy(&proxy_get("https://flat.example/page").exit_countries(["FR"]))
        .unwrap();
    for page in [&nested, &flat] {
        assert_eq!(page.status, 200);
        assert_eq!(page.headers.hops.len(), 1);
        assert_ordinary_html(&page.headers);
        assert_eq!(page.total_time, Some(0.341));
        assert!(page.total.is_some());
        assert!(is_base36_id(page.proxy.as_deref().unwrap()));
        assert_eq!(page.exit_country.as_deref(), Some("FR"));
        assert!(page.extra.is_empty(), "{:?}", page.extra);
        assert_meta(page.meta(), 4.0);
    }
    assert!(nested.text().unwrap().contains("https://nested.test/page"));
    assert!(flat.text().unwrap().contains("https://flat.example/page"));
    assert_eq!(server.request_count(), 2);
}

#[test]
fn a_browser_check_text_or_check_status_mismatch_is_engine_failed() {
    let (server, client) = start();
    let err = client
        .browser(&BrowserRequest::new(PAGE).check_text("Add to cart"))
        .unwrap_err();
    assert_engine_failed(&err, Some(200), 5.0);
    assert!(err.message().unwrap().contains("Add to cart"), "{err}");
    assert_eq!(sent(&server)["checkText"], "Add to cart");

    let err = client
        .browser(&BrowserRequest::new("https://example.com/status/404").check_status(200))
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::EngineFailed);
    assert_eq!(err.target_status(), Some(404));
    assert_eq!(sent(&server)["checkStatus"], 200);

    // Text that is there passes.
    let page = client
        .browser(&BrowserRequest::new(PAGE).check_text("<h1>"))
        .unwrap();
    assert_eq!(page.status, 200);
    assert_eq!(server.request_count(), 3);
}

#[test]
fn auto_whose_validate_no_rung_can_pass_is_engine_failed() {
    let (server, client) = start();
    let err = client
        .auto(&AutoRequest::new(PAGE).validate(Validate::new().data_accept("Add to cart")))
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::EngineFailed);
    assert_eq!(err.target_status(), Some(200));
    let body = err.body().unwrap();
    assert_eq!(body["meta"]["rung"], "fail");
    let credits = err.credits().expect("credits on a failure");
    assert!(credits > 0.0);
    assert_eq!(body["meta"]["credits"].as_f64(), Some(credits));
    assert!(body["attempts"].as_u64().unwrap() >= 1);

    assert_one_engine_call(&server, "/api/auto");
    assert_eq!(
        sent(&server),
        json!({"url": PAGE, "validate": {"data": {"accept": ["Add to cart"]}}})
    );
}

#[test]
fn the_ts_placeholder_is_sent_untouched_and_resolved_by_foura() {
    let (server, client) = start();
    let url = "https://example.com/?cb={ts}";

    let page = client.single(&SingleRequest::get(url)).unwrap();
    assert_eq!(sent(&server)["url"], url);
    let text = page.text().unwrap();
    assert!(!text.contains("{ts}") && text.contains("?cb=1"), "{text}");

    client.proxy(&proxy_get(url)).unwrap();
    assert_eq!(sent(&server)["request"]["url"], url);
    client.browser(&BrowserRequest::new(url)).unwrap();
    assert_eq!(sent(&server)["url"], url);
    client.auto(&AutoRequest::new(url)).unwrap();
    assert_eq!(sent(&server)["url"], url);
    for r in server.requests() {
        assert!(r.body_text().contains("{ts}"), "{r:?}");
    }
    assert_eq!(server.request_count(), 4);
}

#[test]
fn validate_on_single_turns_a_rejected_page_into_engine_failed() {
    let (server, client) = start();
    let url = "https://example.com/status/404";
    let err = client
        .single(&SingleRequest::get(url).validate(Validate::new().status_accept([200])))
        .unwrap_err();
    assert_engine_failed(&err, Some(404), 2.0);
    assert_eq!(
        err.message(),
        Some("Response status 404 rejected by validate.status")
    );
    assert_eq!(
        sent(&server)["validate"],
        json!({"status": {"accept": [200]}})
    );

    // Accepting the target's 403 makes the bot check a success, body unchanged.
    let page = client
        .single(
            &SingleRequest::get("https://blocked.test/")
                .validate(Validate::new().status_accept([403])),
        )
        .unwrap();
    assert_eq!(page.status, 403);
    assert!(page.text().unwrap().contains("Just a moment"));
    assert_eq!(server.request_count(), 2);
}

#[test]
fn a_profile_that_matches_nothing_is_engine_failed_with_status_zero() {
    let (server, client) = start();
    let err = client
        .single(&SingleRequest::get(PAGE).browser("Safari").os("Windows"))
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::EngineFailed);
    assert_eq!(err.target_status(), Some(0));
    assert!(
        err.message()
            .unwrap()
            .starts_with("no profile matches browser=Safari os=Windows"),
        "{err}"
    );
    let body = sent(&server);
    assert_eq!(
        (body["browser"].clone(), body["os"].clone()),
        (json!("Safari"), json!("Windows"))
    );
    assert_eq!(body["unblocker"], true);

    // The catalogue's own default profile is accepted.
    let default = client.profiles().unwrap().default.unwrap();
    let page = client
        .single(&SingleRequest::get(PAGE).profile(default.as_str()))
        .unwrap();
    assert_eq!(page.status, 200);
    assert_eq!(sent(&server)["profile"], default.as_str());
    assert_eq!(server.request_count(), 3);
}

#[test]
fn a_proxy_id_replayed_through_single_and_browser_reports_its_exit_class() {
    let (server, client) = start();
    let exit = client
        .proxy(&proxy_get(PAGE).exit_class(ExitClass::Premium))
        .unwrap()
        .proxy
        .unwrap();

    let page = client
        .single(&SingleRequest::get(PAGE).proxy(exit.as_str()))
        .unwrap();
    assert_eq!(page.meta().exit_class.as_deref(), Some("premium"));
    assert_eq!(page.exit_class.as_deref(), Some("premium"));
    assert_eq!(sent(&server)["proxy"], exit.as_str());

    let page = client
        .browser(&BrowserRequest::new(PAGE).proxy(exit.as_str()))
        .unwrap();
    assert_eq!(page.exit_class.as_deref(), Some("premium"));
    assert_eq!(page.meta().exit_class.as_deref(), Some("premium"));
    assert_eq!(sent(&server)["proxy"], exit.as_str());
    assert_eq!(server.request_count(), 3);
}

#[test]
fn ignore_proxies_makes_the_rotation_skip_an_exit() {
    let (server, client) = start();
    let first = client.proxy(&proxy_get(PAGE)).unwrap().proxy.unwrap();
    let second = client
        .proxy(&proxy_get(PAGE).ignore_proxies([first.as_str(), "UNKNOWN1"]))
        .unwrap()
        .proxy
        .unwrap();
    assert_ne!(first, second);
    assert!(is_base36_id(&second), "{second}");
    assert_eq!(sent(&server)["ignoreProxies"], json!([first, "UNKNOWN1"]));
    assert_eq!(server.request_count(), 2);
}

#[test]
fn a_json_page_is_a_value_on_browser_and_text_on_auto() {
    let (server, client) = start();
    let url = "https://example.com/json";
    let page = client.browser(&BrowserRequest::new(url)).unwrap();
    assert!(
        matches!(page.content(), Content::Json(Value::Object(_))),
        "{page:?}"
    );
    assert_eq!(page.json().unwrap()["engine"], "browser");

    let page = client.auto(&AutoRequest::new(url)).unwrap();
    assert!(matches!(page.content(), Content::Text(_)), "{page:?}");
    assert_eq!(page.json().unwrap()["ok"], true);
    assert_eq!(server.request_count(), 2);
}

#[test]
fn auto_beaten_on_every_rung_is_engine_failed_with_the_last_target_status() {
    let (server, client) = start();
    let err = client
        .auto(&AutoRequest::new("https://blocked.test/").force_proxy(false))
        .unwrap_err();
    assert_engine_failed(&err, Some(403), 16.0);
    let body = err.body().unwrap();
    assert_eq!(body["attempts"], 4);
    assert_eq!(body["meta"]["rung"], "fail");
    assert_eq!(server.request_count(), 1);
    assert_eq!(
        sent(&server),
        json!({"url": "https://blocked.test/", "forceProxy": false})
    );
}
