//! The public endpoints, no key needed: the browser-profile catalogue `GET /api/profiles`,
//! the updates portal's status API `GET /api/v1/status` and the diagnostic `GET /inspect`.

use std::net::IpAddr;
use std::time::{SystemTime, UNIX_EPOCH};

use serde_json::{Value, json};

use super::engines::method_not_allowed;
use super::http::{Answer, RawRequest};

pub(crate) const PROFILES_PATH: &str = "/api/profiles";
/// The updates portal's status API (<https://foura.ai/docs/updates-portal/api>), served here for convenience.
pub(crate) const STATUS_PATH: &str = "/api/v1/status";
/// The diagnostic endpoint at the host root (<https://foura.ai/docs/api/inspect>).
pub(crate) const INSPECT_PATH: &str = "/inspect";

/// The caller's address as the emulator sees it: it listens on loopback only.
const PEER_IP: &str = "127.0.0.1";

/// A browser profile in the public catalogue (`fouradata/mcp` `src/tools/single.ts`). Newest first within each browser.
pub(crate) struct Profile {
    pub(crate) id: &'static str,
    pub(crate) browser: &'static str,
    pub(crate) os: &'static str,
    pub(crate) version: &'static str,
}

const fn profile(
    id: &'static str,
    browser: &'static str,
    os: &'static str,
    version: &'static str,
) -> Profile {
    Profile {
        id,
        browser,
        os,
        version,
    }
}

const DEFAULT_PROFILE: &str = "chrome-147-windows";

pub(crate) const PROFILES: [Profile; 10] = [
    profile("chrome-147-windows", "Chrome", "Windows 10", "147"),
    profile("chrome-147-macos", "Chrome", "macOS Tahoe 26.0", "147"),
    profile("chrome-146-windows", "Chrome", "Windows 10", "146"),
    profile("chrome-146-android", "Chrome", "Android 15", "146"),
    profile("edge-147-windows", "Edge", "Windows 11", "147"),
    profile("safari-18.4-macos", "Safari", "macOS Tahoe 26.0", "18.4"),
    profile("safari-18.4-ios", "Safari", "iOS 18.4", "18.4"),
    profile("firefox-140-windows", "Firefox", "Windows 10", "140"),
    profile("firefox-140-macos", "Firefox", "macOS Tahoe 26.0", "140"),
    profile("tor-14.5-windows", "Tor", "Windows 10", "14.5"),
];

/// `GET /api/profiles`: public, no key.
pub(crate) fn profiles(request: &RawRequest) -> Answer {
    if request.method != "GET" {
        return method_not_allowed("GET");
    }
    let list: Vec<Value> = PROFILES
        .iter()
        .map(|p| json!({ "id": p.id, "browser": p.browser, "os": p.os, "version": p.version }))
        .collect();
    Answer::json(
        200,
        &json!({ "default": DEFAULT_PROFILE, "profiles": list }),
    )
}

/// `GET /api/v1/status`: public, no key; the shape of
/// <https://foura.ai/docs/updates-portal/api>, all operational.
pub(crate) fn status(request: &RawRequest) -> Answer {
    if request.method != "GET" {
        return method_not_allowed("GET");
    }
    let now = SystemTime::now();
    let days = now
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() / 86_400) as i64;
    let date = |d: i64| {
        let (y, m, day) = crate::time::civil_from_days(d);
        format!("{y:04}-{m:02}-{day:02}")
    };
    let daily: Vec<Value> = (0..7)
        .rev()
        .map(|back| {
            json!({
                "date": date(days - back), "status": "operational",
                "major_outage_minutes": 0, "partial_outage_minutes": 0,
                "degraded_minutes": 0, "internal_degraded_minutes": 0,
            })
        })
        .collect();
    Answer::json(
        200,
        &json!({
            "overall": "operational",
            "services": [{
                "slug": "api", "name": "API",
                "description": "The FourA web-data API (emulated)",
                "status": "operational", "daily": daily,
            }],
            "active_incidents": [],
            "recent_incidents": [{
                "id": "inc_mock_0001", "service_slug": "api", "service_name": "API",
                "impact": "minor",
                "started_at": format!("{}T09:00:00Z", date(days - 2)),
                "resolved_at": format!("{}T09:25:00Z", date(days - 2)),
            }],
        }),
    )
}

/// `GET /inspect`: public, no key; the shape of <https://foura.ai/docs/api/inspect>. The peer
/// is always `127.0.0.1`; `X-Forwarded-For`, `Forwarded`, `X-Real-IP` or `Via` make it a
/// proxied request. A forwarded client address makes the proxy `transparent` (the leftmost
/// address becomes `clientIp`), a `Via` alone `anonymous`. Empty lists are left out, as in
/// FourA's example.
pub(crate) fn inspect(request: &RawRequest) -> Answer {
    if request.method != "GET" {
        return method_not_allowed("GET");
    }
    let list = |name: &str| -> Vec<String> {
        request
            .headers
            .iter()
            .filter(|(n, _)| n.eq_ignore_ascii_case(name))
            .flat_map(|(_, v)| v.split(','))
            .map(|s| s.trim().to_owned())
            .filter(|s| !s.is_empty())
            .collect()
    };
    // `Forwarded: for=203.0.113.7;proto=https, for=…` (RFC 7239): the `for=` addresses.
    let forwarded_for: Vec<String> = list("forwarded")
        .iter()
        .filter_map(|hop| {
            hop.split(';')
                .find_map(|p| p.trim().strip_prefix("for="))
                .map(|a| a.trim_matches('"').to_owned())
        })
        .collect();
    let mut forwarded = list("x-forwarded-for");
    forwarded.extend(forwarded_for);
    forwarded.extend(list("x-real-ip"));
    let via = list("via");
    let detected: Vec<&str> = ["via", "forwarded", "x-forwarded-for", "x-real-ip"]
        .into_iter()
        .filter(|h| request.header(h).is_some())
        .collect();

    let mut chain = forwarded.clone();
    chain.push(PEER_IP.to_owned());
    let client_ip = chain[0].clone();
    let proxy_count = chain.len() - 1 + usize::from(forwarded.is_empty() && !via.is_empty());
    let is_proxy = !detected.is_empty();
    let (kind, explanation) = match (forwarded.is_empty(), is_proxy) {
        (_, false) => (
            "none",
            "No proxy headers were found: the connection is direct.",
        ),
        (false, true) => (
            "transparent",
            "The request carries the client's address in a forwarding header.",
        ),
        (true, true) => (
            "anonymous",
            "A Via header names a proxy, but no client address was forwarded.",
        ),
    };
    let has_private = chain
        .iter()
        .any(|a| a.parse::<IpAddr>().is_ok_and(super::web::is_reserved));

    let mut detection = json!({
        "isProxy": is_proxy, "proxyType": kind, "anonymityLevel": kind,
        "confidence": if is_proxy { "high" } else { "medium" },
        "explanation": explanation,
    });
    if !detected.is_empty() {
        detection["detectedHeaders"] = json!(detected);
    }
    let mut proxy_chain = json!({
        "originalClientIp": client_ip, "proxyCount": proxy_count, "hasPrivateIps": has_private,
    });
    if proxy_count > 0 {
        proxy_chain["proxyChain"] = json!(chain);
    }
    if !via.is_empty() {
        proxy_chain["via"] = json!(via);
    }
    Answer::json(
        200,
        &json!({
            "clientIp": client_ip,
            "proxyDetection": detection,
            "proxyChain": proxy_chain,
            "timestamp": crate::time::rfc3339(SystemTime::now()),
        }),
    )
}
