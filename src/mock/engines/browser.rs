//! `POST /api/browser/` (`fouradata/mcp` `src/tools/browser.ts`): a browser session, with the cookies it reports as Chrome
//! DevTools Protocol objects.

use serde_json::{Map, Value, json};

use super::fields::{Fields, header_ok, is_premium_id, proxy_value_ok};
use super::{BROWSER_CREDITS, Checked, DEFAULT_UA, Reply, bad_request, object, target_or_ssrf};
use crate::mock::http::Answer;
use crate::mock::web::{self, Fetch, Fetched};

const BROWSER_FIELDS: [&str; 9] = [
    "url",
    "headers",
    "cookies",
    "userAgent",
    "proxy",
    "timeout_ms",
    "checkStatus",
    "checkText",
    "unblocker",
];

/// Answers a checked browser call.
pub(super) fn answer(body: &Map<String, Value>, now: u64) -> Result<Reply, Answer> {
    let f = Fields::new(body, "", &BROWSER_FIELDS).map_err(bad_request)?;
    let target = f.url(now).map_err(bad_request)?;
    // Browser headers are a map, not pairs (`fouradata/mcp` `src/tools/browser.ts`).
    match f.get("headers") {
        None => {}
        Some(Value::Object(map))
            if map
                .iter()
                .all(|(n, v)| v.as_str().is_some_and(|v| header_ok(n, v))) => {}
        Some(_) => {
            return Err(bad_request(
                "'headers' must be an object of string values".into(),
            ));
        }
    }
    let cookies = browser_cookies(f.get("cookies")).map_err(bad_request)?;
    let user_agent = f.string("userAgent").map_err(bad_request)?;
    let proxy = f.string("proxy").map_err(bad_request)?;
    if proxy.is_some_and(|p| !proxy_value_ok(p)) {
        return Err(bad_request(
            "'proxy' must be a proxy URL (scheme://host:port) or a base36 exit id".into(),
        ));
    }
    let timeout_ms = f
        .integer("timeout_ms", 0, 120_000)
        .map_err(bad_request)?
        .unwrap_or(30_000);
    let check_status = f.integer("checkStatus", 100, 599).map_err(bad_request)?;
    let check_text = f.string("checkText").map_err(bad_request)?;
    let unblocker = f.boolean("unblocker").map_err(bad_request)?.unwrap_or(true);
    let target = target_or_ssrf(target)?;

    let exit_class = proxy.filter(|p| is_premium_id(p)).map(|_| "premium");
    let fetched = web::fetch(
        &target,
        &Fetch {
            method: "GET",
            follow: 20,
            solver: unblocker,
            engine: "browser",
        },
    );
    let out = match fetched {
        Fetched::Timeout => object(json!({
            "error": format!(
                "Navigation timeout of {} ms exceeded",
                if timeout_ms == 0 { 30_000 } else { timeout_ms }
            ),
            "status": 0,
        })),
        Fetched::Unresolved => object(json!({
            "error": format!("net::ERR_NAME_NOT_RESOLVED at {}", target.url),
            "status": 0,
        })),
        Fetched::Failed => object(json!({
            "error": format!("net::ERR_CONNECTION_RESET at {}", target.url),
            "status": 0,
        })),
        Fetched::Page(page) => {
            let text = page.text();
            if let Some(want) = check_status.filter(|&s| s != u64::from(page.status)) {
                object(json!({
                    "error": format!("checkStatus failed: expected {want}, got {}", page.status),
                    "status": page.status,
                }))
            } else if let Some(want) = check_text.filter(|t| !text.contains(t)) {
                object(json!({
                    "error": format!("checkText failed: \"{want}\" not found on the page"),
                    "status": page.status,
                }))
            } else {
                let body = if page.json {
                    serde_json::from_str(&text).unwrap_or(Value::String(text))
                } else {
                    Value::String(text)
                };
                let host = web_host(&page.url).unwrap_or_else(|| target.host.clone());
                let mut jar = cookies
                    .iter()
                    .filter(|(_, _, domain)| domain_matches(domain.unwrap_or(&host), &host))
                    .map(|(n, v, d)| cdp_cookie(n, v, d.unwrap_or(&host), target.https, false))
                    .collect::<Vec<_>>();
                jar.extend(
                    page.cookies()
                        .iter()
                        .map(|(n, v, http_only)| cdp_cookie(n, v, &host, target.https, *http_only)),
                );
                object(json!({
                    "status": page.status,
                    "userAgent": user_agent.unwrap_or(DEFAULT_UA),
                    "headers": page.flat_headers(),
                    "cookies": jar,
                    "body": body,
                }))
            }
        }
    };
    Ok(Reply::tagged(out, BROWSER_CREDITS, exit_class))
}

/// `cookies`: `[{name, value, domain?}, …]`. Other keys (a CDP cookie replayed from an auto
/// session, as `fouradata/mcp` `README.md` suggests) are allowed and ignored.
fn browser_cookies(v: Option<&Value>) -> Checked<Vec<(&str, &str, Option<&str>)>> {
    let what = || "'cookies' must be an array of {name, value, domain?} objects".to_owned();
    let Some(v) = v else {
        return Ok(Vec::new());
    };
    let items = v.as_array().ok_or_else(what)?;
    items
        .iter()
        .map(|c| {
            let name = c
                .get("name")
                .and_then(Value::as_str)
                .filter(|n| !n.is_empty());
            let value = c.get("value").and_then(Value::as_str);
            let domain = match c.get("domain") {
                None => Ok(None),
                Some(Value::String(d)) => Ok(Some(d.as_str())),
                Some(_) => Err(what()),
            };
            match (c.is_object(), name, value, domain) {
                (true, Some(n), Some(v), Ok(d)) => Ok((n, v, d)),
                _ => Err(what()),
            }
        })
        .collect()
}

pub(super) fn web_host(url: &str) -> Option<String> {
    web::parse(url).ok().map(|t| t.host)
}

fn domain_matches(domain: &str, host: &str) -> bool {
    let domain = domain.trim_start_matches('.').to_ascii_lowercase();
    host == domain
        || host
            .strip_suffix(domain.as_str())
            .is_some_and(|rest| rest.ends_with('.'))
}

/// A cookie as Chrome DevTools Protocol reports it (`fouradata/mcp` `src/tools/browser.ts`).
pub(super) fn cdp_cookie(
    name: &str,
    value: &str,
    domain: &str,
    https: bool,
    http_only: bool,
) -> Value {
    json!({
        "name": name,
        "value": value,
        "domain": domain,
        "path": "/",
        "expires": -1,
        "size": name.len() + value.len(),
        "httpOnly": http_only,
        "secure": https,
        "session": true,
        "sameSite": "Lax",
        "priority": "Medium",
        "sameParty": false,
        "sourceScheme": if https { "Secure" } else { "NonSecure" },
        "sourcePort": if https { 443 } else { 80 },
    })
}
