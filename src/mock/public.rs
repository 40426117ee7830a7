//! The public endpoints, no key needed: the browser-profile catalogue `GET /api/profiles` and
//! the updates portal's status API `GET /api/v1/status`.

use std::time::{SystemTime, UNIX_EPOCH};

use serde_json::{Value, json};

use super::engines::method_not_allowed;
use super::http::{Answer, RawRequest};

pub(crate) const PROFILES_PATH: &str = "/api/profiles";
/// The updates portal's status API (<https://foura.ai/docs/updates-portal/api>), served here for convenience.
pub(crate) const STATUS_PATH: &str = "/api/v1/status";

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
