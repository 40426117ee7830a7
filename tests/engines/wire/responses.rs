//! Responses: tolerant decoding of every shape FourA answers in.

use super::*;

#[test]
fn total_time_decodes_from_a_number_a_numeric_string_or_null() {
    let (server, c) = start();
    for (total_time, expected) in [
        (json!(0.034), Some(0.034)),
        (json!("0.341"), Some(0.341)),
        (Value::Null, None),
    ] {
        server.push_fault(Fault::json(
            200,
            &json!({"status": 200, "headers": [], "data": "x", "total_time": total_time}),
        ));
        assert_eq!(
            c.single(&SingleRequest::get("https://e.com"))
                .unwrap()
                .total_time,
            expected
        );
    }
}

#[test]
fn proxy_results_flat_or_nested_under_data() {
    let (server, c) = start();
    let flat = json!({"status": 200, "headers": [{"result": {"code": 200}, "content-type": "application/json"}],
        "data": "{\"origin\":\"185.220.101.5\"}", "total_time": "0.341", "proxy": "4DZ3VE", "exitCountry": "CZ", "total": 0.621});
    let nested = json!({"data": {"status": 200, "headers": [{"result": {"code": 200}, "content-type": "application/json"}],
        "data": "{\"origin\":\"185.220.101.5\"}", "total_time": 0.341}, "proxy": "4DZ3VE", "exitCountry": "CZ", "total": 0.621});
    for body in [flat, nested] {
        server.push_fault(Fault::json(200, &body));
        let page = c
            .proxy(&ProxyRequest::new(SingleRequest::get("https://e.com")).exit_countries(["CZ"]))
            .unwrap();
        assert_eq!(page.status, 200, "{body}");
        assert_eq!(page.text(), Some("{\"origin\":\"185.220.101.5\"}"));
        assert_eq!(page.json().unwrap()["origin"], "185.220.101.5");
        assert_eq!(page.headers.get("Content-Type"), Some("application/json"));
        assert_eq!(page.total_time, Some(0.341));
        assert_eq!(page.total, Some(0.621));
        assert_eq!(page.proxy.as_deref(), Some("4DZ3VE"));
        assert_eq!(page.exit_country.as_deref(), Some("CZ"));
        assert!(page.extra.is_empty(), "{:?}", page.extra);
    }
}

#[test]
fn buffer_bodies_decode_to_bytes_and_json_bodies_to_values() {
    let (server, c) = start();
    server.push_fault(Fault::json(200, &json!({"status": 200, "headers": [], "data": {"type": "Buffer", "data": [137, 80, 78, 71]}})));
    let page = c
        .single(&SingleRequest::get("https://e.com/logo.png").return_buffer(true))
        .unwrap();
    assert_eq!(&*page.bytes(), &[137, 80, 78, 71]);
    assert_eq!(page.text(), None, "not UTF-8");
    assert!(matches!(page.content(), Content::Bytes(_)));

    server.push_fault(Fault::json(
        200,
        &json!({"status": 200, "headers": [], "data": {"users": [1, 2], "next": null}}),
    ));
    let page = c
        .single(&SingleRequest::get("https://e.com/api").try_json_data(true))
        .unwrap();
    assert_eq!(page.json().unwrap()["users"], json!([1, 2]));

    server.push_fault(Fault::json(
        200,
        &json!({"status": 200, "headers": {}, "body": {"result": "ok", "count": 42}}),
    ));
    let page = c
        .browser(&BrowserRequest::new("https://e.com/api"))
        .unwrap();
    assert_eq!(page.json().unwrap()["count"], 42);
}

#[test]
fn headers_decode_per_hop_flat_or_as_a_raw_string() {
    let (server, c) = start();
    server.push_fault(Fault::json(200, &json!({"status": 200, "data": "", "headers": [
        {"result": {"version": "HTTP/1.1", "code": 301, "reason": "Moved Permanently"}, "location": "https://e.com/final", "content-length": "0"},
        {"result": {"version": "HTTP/2", "code": 200, "reason": ""}, "content-type": "text/html", "set-cookie": ["a=1; Path=/", "b=2; Path=/"]}
    ]})));
    let page = c
        .single(&SingleRequest::get("https://e.com").follow_redirects(5))
        .unwrap();
    assert_eq!(page.headers.hops.len(), 2);
    assert_eq!(
        page.headers.hops[0].get("Location"),
        Some("https://e.com/final")
    );
    assert_eq!(
        page.headers
            .final_hop()
            .unwrap()
            .get_all("set-cookie")
            .count(),
        2
    );

    server.push_fault(Fault::json(
        200,
        &json!({"status": 200, "data": "", "headers": "HTTP/1.1 200 OK"}),
    ));
    let page = c.single(&SingleRequest::get("https://e.com")).unwrap();
    assert_eq!(page.headers.raw.as_deref(), Some("HTTP/1.1 200 OK"));

    server.push_fault(Fault::json(200, &json!({"status": 200, "body": "<html/>", "userAgent": "UA",
        "headers": {"content-type": "text/html", "set-cookie": ["a=1", "b=2"]},
        "cookies": [{"name": "a", "value": "1", "domain": "e.com", "path": "/", "expires": -1, "size": 2, "httpOnly": false, "secure": false, "session": true, "sameSite": "Lax"}]})));
    let page = c.browser(&BrowserRequest::new("https://e.com")).unwrap();
    assert_eq!(page.headers.get("Content-Type"), Some("text/html"));
    assert_eq!(page.cookies[0].name, "a");
    assert_eq!(page.cookies[0].same_site.as_deref(), Some("Lax"));
    assert_eq!(page.cookies[0].extra["size"], 2);
    assert_eq!(page.user_agent.as_deref(), Some("UA"));
}

#[test]
fn auto_decodes_its_ladder_session_and_unknown_values() {
    let server = server_with(
        Fault::json(200, &json!({"status": 200, "headers": [], "data": "<html>Add to cart</html>",
            "meta": {"rung": "quantum", "solved": true, "attempts": 3, "credits": 17, "exitClass": "premium", "trace": "x"},
            "session": {"proxy": "4DZ3VE", "cookies": [{"name": "c", "value": "v"}], "userAgent": "Mozilla/5.0"},
            "exitClass": "premium", "experimental": 1}))
        .header("X-FourA-Credits", "17")
        .header("X-FourA-Exit-Class", "premium"),
    );
    let page = client(&server)
        .auto(&AutoRequest::new("https://e.com"))
        .unwrap();
    assert_eq!(page.ladder.rung, Some(Rung::Other("quantum".into())));
    assert_eq!(page.ladder.solved, Some(true));
    assert_eq!(page.ladder.attempts, Some(3));
    assert_eq!(page.ladder.credits, Some(17.0));
    assert_eq!(page.ladder.extra["trace"], "x");
    let session = page.session.as_ref().unwrap();
    assert_eq!(session.proxy.as_deref(), Some("4DZ3VE"));
    assert_eq!(session.cookies[0].value, "v");
    assert_eq!(page.exit_class.as_deref(), Some("premium"));
    assert_eq!(page.extra["experimental"], 1);
    assert_eq!(page.meta().credits, Some(17.0));
    assert_eq!(page.meta().exit_class.as_deref(), Some("premium"));
    assert!(page.meta().request_id.is_some());
}
