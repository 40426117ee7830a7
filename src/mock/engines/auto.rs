//! `POST /api/auto` (<https://foura.ai/docs/guides/smart-fetch>): the engine ladder, each step a fetch the way single, proxy or
//! browser would make it, until one delivers.

use serde_json::{Map, Value, json};

use super::browser::{cdp_cookie, web_host};
use super::fields::Fields;
use super::proxy::Exits;
use super::validate::Rules;
use super::{
    BROWSER_CREDITS, DEFAULT_UA, PROXY_CREDITS, Reply, SINGLE_CREDITS, bad_request, object,
    target_or_ssrf,
};
use crate::mock::accounts::premium_refusal;
use crate::mock::http::Answer;
use crate::mock::web::{self, Fetch, Fetched};

const AUTO_FIELDS: [&str; 11] = [
    "url",
    "method",
    "headers",
    "data",
    "validate",
    "returnSession",
    "forceProxy",
    "timeout_ms",
    "ignoreProxies",
    "followRedirects",
    "exitClass",
];

/// One rung of the ladder (<https://foura.ai/docs/guides/smart-fetch>) and what it costs.
struct Step {
    name: &'static str,
    browser: bool,
    proxied: bool,
    credits: u64,
}

impl Step {
    const fn new(name: &'static str, browser: bool, proxied: bool, credits: u64) -> Step {
        Step {
            name,
            browser,
            proxied,
            credits,
        }
    }
}

const PROBE: Step = Step::new("probe", false, false, SINGLE_CREDITS);
const PROXY_RUNG: Step = Step::new("proxy", false, true, PROXY_CREDITS);
const BROWSER_DIRECT: Step = Step::new("browser", true, false, BROWSER_CREDITS);
const BROWSER_PROXIED: Step = Step::new("browser", true, true, BROWSER_CREDITS);
/// A saved session reused (`cached.test`).
const CACHE: Step = Step::new("cache", false, true, SINGLE_CREDITS);

/// Answers a checked auto call.
pub(super) fn answer(
    body: &Map<String, Value>,
    now: u64,
    premium_allowed: bool,
) -> Result<Reply, Answer> {
    let f = Fields::new(body, "", &AUTO_FIELDS).map_err(bad_request)?;
    let target = f.url(now).map_err(bad_request)?;
    let method = f.method("method").map_err(bad_request)?.unwrap_or("GET");
    let headers = f.header_pairs().map_err(bad_request)?;
    f.data().map_err(bad_request)?;
    let validate = match f.get("validate") {
        None => None,
        Some(v) => Some(Rules::parse(v, "").map_err(bad_request)?),
    };
    let return_session = f
        .boolean("returnSession")
        .map_err(bad_request)?
        .unwrap_or(true);
    let force_proxy = f
        .boolean("forceProxy")
        .map_err(bad_request)?
        .unwrap_or(true);
    f.integer("timeout_ms", 5_000, 180_000)
        .map_err(bad_request)?;
    let ignore = f
        .strings("ignoreProxies")
        .map_err(bad_request)?
        .unwrap_or_default();
    let follow = f
        .integer("followRedirects", 0, 20)
        .map_err(bad_request)?
        .unwrap_or(5);
    let exit_class = f.exit_class().map_err(bad_request)?;
    let target = target_or_ssrf(target)?;
    if exit_class == Some("premium") && !premium_allowed {
        return Err(premium_refusal());
    }

    let ladder: &[Step] = if target.host == web::CACHED_HOST {
        &[CACHE]
    } else if force_proxy {
        // `forceProxy` skips the direct-egress rungs.
        &[PROXY_RUNG, BROWSER_PROXIED]
    } else {
        &[PROBE, PROXY_RUNG, BROWSER_DIRECT, BROWSER_PROXIED]
    };
    let mut exits = Exits::new(&target, exit_class, &ignore);
    let user_agent = headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case("user-agent"))
        .map_or(DEFAULT_UA, |(_, v)| v);
    let mut attempts = 0;
    let mut credits = 0;
    let mut last_status = 0;
    for rung in ladder {
        attempts += 1;
        credits += rung.credits;
        let exit = rung.proxied.then(|| exits.next_id());
        let fetched = web::fetch(
            &target,
            &Fetch {
                method,
                follow: if rung.browser { 20 } else { follow },
                solver: rung.browser,
                engine: "auto",
            },
        );
        let Fetched::Page(page) = fetched else {
            continue;
        };
        last_status = page.status;
        let passes = match &validate {
            Some(v) => v.check(&page).is_none(),
            None => page.defense.is_none(),
        };
        if !passes {
            continue;
        }
        let meta = object(json!({
            "rung": rung.name, "solved": page.solved, "attempts": attempts, "credits": credits,
        }));
        let mut out = object(json!({
            "status": page.status,
            // The browser rung answers with the browser's flat header object
            // (`fouradata/mcp` `src/tools/auto.ts` takes either shape).
            "headers": if rung.browser { page.flat_headers() } else { json!(page.hops) },
            "data": if rung.browser && page.json {
                serde_json::from_slice(&page.body).unwrap_or_else(|_| Value::String(page.text()))
            } else {
                Value::String(page.text())
            },
        }));
        out.insert("meta".into(), Value::Object(meta));
        if return_session {
            let host = web_host(&page.url).unwrap_or_else(|| target.host.clone());
            let cookies: Vec<Value> = page
                .cookies()
                .iter()
                .map(|(n, v, http_only)| cdp_cookie(n, v, &host, target.https, *http_only))
                .collect();
            let mut session = object(json!({ "cookies": cookies, "userAgent": user_agent }));
            if let Some(exit) = exit {
                session.insert("proxy".into(), exit.into());
            }
            out.insert("session".into(), Value::Object(session));
        }
        // The exit class goes in the header alone: auto's documented body has no
        // `exitClass` (`fouradata/mcp` `src/tools/auto.ts`).
        return Ok(Reply {
            body: out,
            credits,
            exit_class,
        });
    }
    let meta = object(json!({
        "rung": "fail", "solved": false, "attempts": attempts, "credits": credits,
    }));
    Ok(Reply {
        body: object(json!({
            "error": "Content could not be delivered within the budget: every rung failed",
            "status": last_status,
            "attempts": attempts,
            "meta": meta,
        })),
        credits,
        exit_class,
    })
}
