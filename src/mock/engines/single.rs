//! `POST /api/single/` (<https://foura.ai/docs/api/endpoints>): one HTTP fetch, and the request it takes, which proxy's inner
//! `request` shares.

use std::net::IpAddr;

use serde_json::{Map, Value, json};

use super::fields::{Fields, is_premium_id, proxy_value_ok};
use super::validate::Rules;
use super::{
    Checked, Reply, SINGLE_CREDITS, bad_request, defense, object, seconds, target_or_ssrf,
};
use crate::mock::http::Answer;
use crate::mock::public::{PROFILES, Profile};
use crate::mock::web::{self, Fetch, Fetched, Page, Target};

/// The request fields single takes, and proxy's inner `request` (without `proxy`).
const HTTP_FIELDS: [&str; 19] = [
    "method",
    "url",
    "headers",
    "unblocker",
    "profile",
    "browser",
    "os",
    "version",
    "data",
    "proxy",
    "timeout_ms",
    "connect_timeout_ms",
    "accept_timeout_ms",
    "server_response_timeout_ms",
    "dns_cache_timeout_sec",
    "followRedirects",
    "tryJsonData",
    "returnBuffer",
    "validate",
];

/// A checked single request (or proxy's inner request).
pub(super) struct HttpSpec<'a> {
    pub(super) method: &'a str,
    pub(super) target: Result<Target, IpAddr>,
    unblocker: Option<bool>,
    profile: Option<&'a str>,
    browser: Option<&'a str>,
    os: Option<&'a str>,
    version: Option<&'a str>,
    proxy: Option<&'a str>,
    timeout_ms: u64,
    follow: u64,
    try_json: bool,
    return_buffer: bool,
    pub(super) validate: Option<Rules>,
}

impl<'a> HttpSpec<'a> {
    pub(super) fn parse(
        map: &'a Map<String, Value>,
        prefix: &'static str,
        now: u64,
    ) -> Checked<Self> {
        let f = Fields::new(map, prefix, &HTTP_FIELDS)?;
        // Proxy's inner request has no `proxy` (`fouradata/mcp` `src/tools/proxy.ts`): the rotation picks the exit.
        if !prefix.is_empty() && map.contains_key("proxy") {
            return Err(format!("unknown field '{prefix}proxy'"));
        }
        let method = f
            .method("method")?
            .ok_or_else(|| format!("'{prefix}method' is required"))?;
        let target = f.url(now)?;
        f.header_pairs()?;
        f.data()?;
        let proxy = f.string("proxy")?;
        if proxy.is_some_and(|p| !proxy_value_ok(p)) {
            return f.fail(
                "proxy",
                "a proxy URL (scheme://host:port) or a base36 exit id",
            );
        }
        // Timeouts: the documented 0–120000 ms for all three stages
        // (<https://foura.ai/docs/api/endpoints>).
        let timeout_ms = f.integer("timeout_ms", 0, 120_000)?.unwrap_or(15_000);
        f.integer("connect_timeout_ms", 0, 120_000)?;
        f.integer("accept_timeout_ms", 0, 120_000)?;
        f.integer("server_response_timeout_ms", 0, 120_000)?;
        f.integer("dns_cache_timeout_sec", 0, 240)?;
        let validate = match f.get("validate") {
            None => None,
            Some(v) => Some(Rules::parse(v, prefix)?),
        };
        Ok(HttpSpec {
            method,
            target,
            unblocker: f.boolean("unblocker")?,
            profile: f.string("profile")?,
            browser: f.string("browser")?,
            os: f.string("os")?,
            version: f.string("version")?,
            proxy,
            timeout_ms,
            follow: f.integer("followRedirects", 0, 20)?.unwrap_or(0),
            try_json: f.boolean("tryJsonData")?.unwrap_or(false),
            return_buffer: f.boolean("returnBuffer")?.unwrap_or(false),
            validate,
        })
    }

    /// The catalogue entry asked for (`fouradata/mcp` `src/tools/single.ts`), `None` for the default, or the error text FourA
    /// answers with (transport 200, `status: 0`).
    pub(super) fn select_profile(&self) -> Result<Option<&'static Profile>, String> {
        let asked = self.profile.is_some()
            || self.browser.is_some()
            || self.os.is_some()
            || self.version.is_some();
        if !asked {
            return Ok(None);
        }
        if self.unblocker == Some(false) {
            return Err("browser profile selection requires unblocker:true".into());
        }
        if let Some(id) = self.profile {
            return PROFILES
                .iter()
                .find(|p| p.id == id)
                .map(Some)
                .ok_or_else(|| {
                    let ids: Vec<&str> = PROFILES.iter().map(|p| p.id).collect();
                    format!(
                        "no profile matches profile={id}; available: {}",
                        ids.join(", ")
                    )
                });
        }
        let os_matches = |label: &str, asked: &str| {
            label == asked
                || label
                    .strip_prefix(asked)
                    .is_some_and(|rest| rest.starts_with(' '))
        };
        let found = PROFILES.iter().find(|p| {
            self.browser.is_none_or(|b| p.browser == b)
                && self.os.is_none_or(|o| os_matches(p.os, o))
                && self.version.is_none_or(|v| p.version == v)
        });
        found.map(Some).ok_or_else(|| {
            let mut labels: Vec<&str> = Vec::new();
            for p in PROFILES
                .iter()
                .filter(|p| self.browser.is_none_or(|b| p.browser == b))
            {
                if !labels.contains(&p.os) {
                    labels.push(p.os);
                }
            }
            format!(
                "no profile matches browser={} os={} version={}; available for that browser: {}",
                self.browser.unwrap_or("*"),
                self.os.unwrap_or("*"),
                self.version.unwrap_or("*"),
                if labels.is_empty() {
                    "none".to_owned()
                } else {
                    labels.join(", ")
                }
            )
        })
    }

    pub(super) fn fetch(&self, target: &Target, engine: &str) -> Fetched {
        web::fetch(
            target,
            &Fetch {
                method: self.method,
                follow: self.follow,
                solver: false,
                engine,
            },
        )
    }

    /// `data` as asked: Buffer-JSON, parsed JSON, or text (<https://foura.ai/docs/api/endpoints>).
    pub(super) fn data(&self, page: &Page) -> Value {
        if self.return_buffer {
            return json!({ "type": "Buffer", "data": page.body });
        }
        if self.try_json {
            if let Ok(parsed) = serde_json::from_slice::<Value>(&page.body) {
                return parsed;
            }
        }
        Value::String(page.text())
    }

    /// The effective timeout a timed-out attempt reports.
    pub(super) fn timeout(&self) -> u64 {
        if self.timeout_ms == 0 {
            15_000
        } else {
            self.timeout_ms
        }
    }
}

/// Answers a checked single call.
pub(super) fn answer(body: &Map<String, Value>, now: u64) -> Result<Reply, Answer> {
    let spec = HttpSpec::parse(body, "", now).map_err(bad_request)?;
    let target = target_or_ssrf(spec.target.clone())?;
    // A premium exit id replayed through `proxy` serves the call from a premium exit
    // (`fouradata/mcp` `src/tools/single.ts`).
    let exit_class = spec.proxy.filter(|p| is_premium_id(p)).map(|_| "premium");
    let out = match spec.select_profile() {
        Err(message) => object(json!({
            "status": 0, "headers": [], "data": "", "total_time": null, "error": message,
        })),
        Ok(_) => match spec.fetch(&target, "single") {
            Fetched::Timeout => object(json!({
                "status": 0, "headers": [], "data": "", "total_time": 0,
                "error": format!(
                    "Operation timed out after {} milliseconds with 0 bytes received",
                    spec.timeout()
                ),
            })),
            Fetched::Unresolved => object(json!({
                "status": 0, "headers": [], "data": "", "total_time": null,
                "error": "Couldn't resolve host name",
            })),
            Fetched::Failed => object(json!({ "error": "Download failed", "status": 0 })),
            Fetched::Page(page) => {
                let mut out = object(json!({
                    "status": page.status,
                    "headers": page.hops,
                    "data": spec.data(&page),
                    "total_time": seconds(34 * page.hops.len() as u64),
                }));
                if let Some(d) = defense(&page) {
                    out.insert("defense".into(), d);
                }
                if let Some(rejected) = spec.validate.as_ref().and_then(|v| v.check(&page)) {
                    out.insert("error".into(), rejected.message(page.status).into());
                }
                out
            }
        },
    };
    Ok(Reply::tagged(out, SINGLE_CREDITS, exit_class))
}
