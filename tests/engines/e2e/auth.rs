//! Auth.

use super::*;

#[test]
fn every_engine_sends_x_api_key_and_never_authorization() {
    let server = MockServer::start();
    let client = client(&server);
    client.single(&SingleRequest::get(PAGE)).unwrap();
    client
        .proxy(&ProxyRequest::new(SingleRequest::get(PAGE)))
        .unwrap();
    client.browser(&BrowserRequest::new(PAGE)).unwrap();
    client.auto(&AutoRequest::new(PAGE)).unwrap();
    let requests = server.requests();
    let paths = ["/api/single/", "/api/proxy/", "/api/browser/", "/api/auto"];
    assert_eq!(requests.len(), paths.len());
    for (r, path) in requests.iter().zip(paths) {
        assert_engine_call(r, path);
        assert!(
            !r.path.contains("pk_live_"),
            "the key never goes in the URL"
        );
        assert!(
            !r.body_text().contains(MockServer::ENGINE_KEY),
            "nor in the body"
        );
    }
}

#[test]
fn an_unknown_key_is_unauthorized_with_a_hint_about_x_api_key() {
    let server = MockServer::start();
    let unknown = "pk_live_unknown00000000000000000";
    let client = builder(&server)
        .api_key(ApiKey::new(unknown).unwrap())
        .build()
        .unwrap();
    let err = client.single(&SingleRequest::get(PAGE)).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Unauthorized);
    assert_eq!(err.status(), Some(401));
    assert_eq!(err.message(), Some("Invalid API key"));
    assert!(err.hint().unwrap().contains("X-API-Key"), "{err}");
    assert!(err.to_string().contains("X-API-Key"), "{err}");
    assert!(!err.to_string().contains(unknown), "{err}");
    assert!(err.request_id().is_some());
    assert_eq!(err.credits(), None);

    assert_eq!(server.request_count(), 1);
    let r = last(&server);
    assert_eq!(r.header("x-api-key"), Some(unknown));
    assert_eq!(r.header("authorization"), None);
}

#[test]
fn a_disabled_key_is_unauthorized_on_the_engines() {
    let server = MockServer::start();
    let client = builder(&server)
        .api_key(ApiKey::new(MockServer::DISABLED_KEY).unwrap())
        .build()
        .unwrap();
    let err = client.auto(&AutoRequest::new(PAGE)).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Unauthorized);
    assert_eq!(err.status(), Some(401));
    assert_eq!(err.message(), Some("Invalid API key"));
    assert_eq!(server.request_count(), 1);
    assert_eq!(
        last(&server).header("x-api-key"),
        Some(MockServer::DISABLED_KEY)
    );
}

#[test]
fn the_profile_catalogue_is_fetched_without_a_key() {
    let server = MockServer::start();
    let catalogue = client(&server).profiles().unwrap();
    assert_eq!(catalogue.default.as_deref(), Some("chrome-147-windows"));
    let profiles = catalogue.extra["profiles"]
        .as_array()
        .expect("kept as sent");
    assert!(profiles.iter().any(|p| p["id"] == "chrome-147-windows"));

    assert_eq!(server.request_count(), 1);
    let r = last(&server);
    assert_eq!(
        (r.method.as_str(), r.path.as_str()),
        ("GET", "/api/profiles")
    );
    assert_eq!(r.header("x-api-key"), None);
    assert_eq!(r.header("authorization"), None);
}

#[test]
fn the_service_status_is_fetched_without_a_key() {
    let server = MockServer::start();
    let status = foura::service_status_at(&server.url()).unwrap();
    assert_eq!(status.overall, "operational");
    assert_eq!(status.services.len(), 1);
    let api = &status.services[0];
    assert_eq!(api.slug, "api");
    assert_eq!(api.name, "API");
    assert_eq!(api.status, "operational");
    assert!(!api.daily.is_empty());
    assert!(status.active_incidents.is_empty());
    assert_eq!(status.recent_incidents[0]["service_slug"], "api");

    assert_eq!(server.request_count(), 1);
    let r = last(&server);
    assert_eq!(
        (r.method.as_str(), r.path.as_str()),
        ("GET", "/api/v1/status")
    );
    assert_eq!(r.header("x-api-key"), None);
    assert_eq!(r.header("authorization"), None);
}
