//! `POST /api/proxy/` (`fouradata/mcp` `src/tools/proxy.ts`): the single fetch through rotating exits, with the emulator's
//! deterministic exit ids and the `attemptReport` of a failed rotation.

use serde_json::{Map, Value, json};

use super::fields::Fields;
use super::single::HttpSpec;
use super::validate::Rejected;
use super::{PROXY_CREDITS, Reply, bad_request, defense, object, seconds, target_or_ssrf};
use crate::mock::accounts::premium_refusal;
use crate::mock::http::Answer;
use crate::mock::web::{self, Fetched, Page, Target};

const PROXY_FIELDS: [&str; 6] = [
    "request",
    "maxTries",
    "timeout_ms",
    "ignoreProxies",
    "exitCountries",
    "exitClass",
];

/// Time the rotation spends choosing exits before the first attempt, in ms.
const SELECTION_MS: u64 = 280;
/// How long an answering attempt takes, in ms (sent as `total_time`).
const ATTEMPT_MS: u64 = 341;

/// How the failed attempts of a rotation went (`attemptReport`, `fouradata/mcp` `src/tools/proxy.ts`).
#[derive(Default)]
struct Report {
    total: u64,
    no_response: u64,
    defense: u64,
    content_rejected: u64,
    status_rejected: u64,
    other: u64,
    /// Whether the overall `timeout_ms` ended the rotation before `maxTries`.
    out_of_time: bool,
}

impl Report {
    fn to_json(&self) -> Value {
        let mut parts = Vec::new();
        if self.no_response > 0 {
            parts.push(format!("{} exit(s) did not answer", self.no_response));
        }
        if self.defense > 0 {
            parts.push(format!(
                "{} met a bot defense ({})",
                self.defense,
                web::VENDOR
            ));
        }
        if self.content_rejected > 0 {
            parts.push(format!(
                "{} returned HTTP 200 with no defense present and were rejected only by your validate.data",
                self.content_rejected
            ));
        }
        if self.status_rejected > 0 {
            parts.push(format!(
                "{} were rejected by your validate.status",
                self.status_rejected
            ));
        }
        if self.other > 0 {
            parts.push(format!("{} failed otherwise", self.other));
        }
        if self.out_of_time {
            parts.push("the overall timeout_ms ran out".to_owned());
        }
        let vendors: Vec<&str> = if self.defense > 0 {
            vec![web::VENDOR]
        } else {
            Vec::new()
        };
        json!({
            "total": self.total,
            "noResponse": self.no_response,
            "defense": self.defense,
            "contentRejected": self.content_rejected,
            "statusRejected": self.status_rejected,
            "other": self.other,
            "vendors": vendors,
            "profilesTried": ["default"],
            "summary": format!("{} attempt(s): {}", self.total, parts.join("; ")),
        })
    }
}

/// Hands out the emulator's deterministic exits for one host, skipping `ignoreProxies`.
pub(super) struct Exits<'a> {
    seed: String,
    next: u64,
    premium: bool,
    ignore: &'a [&'a str],
}

impl<'a> Exits<'a> {
    /// The exits for `target`'s host: premium ones when `exitClass` is `premium`.
    pub(super) fn new(target: &Target, exit_class: Option<&str>, ignore: &'a [&'a str]) -> Self {
        Exits {
            seed: target.host.clone(),
            next: 0,
            premium: exit_class == Some("premium"),
            ignore,
        }
    }

    pub(super) fn next_id(&mut self) -> String {
        // `ignore` can rule out at most ignore.len() candidates, so this many tries find one
        // (bar a hash collision, when the last candidate is used anyway).
        let mut id = String::new();
        for _ in 0..=self.ignore.len() {
            id = exit_id(&self.seed, self.next, self.premium);
            self.next += 1;
            if !self.ignore.contains(&id.as_str()) {
                break;
            }
        }
        id
    }
}

/// A six-character base36 exit id; premium ids start with `P`, standard ones never do.
fn exit_id(seed: &str, n: u64, premium: bool) -> String {
    const DIGITS: &[u8; 36] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ";
    let mut h = web::fnv1a(format!("{seed}#{n}").as_bytes());
    let mut id: Vec<u8> = (0..6)
        .map(|_| {
            let d = DIGITS[(h % 36) as usize];
            h /= 36;
            d
        })
        .collect();
    if premium {
        id[0] = b'P';
    } else if id[0] == b'P' {
        id[0] = b'Q';
    }
    String::from_utf8_lossy(&id).into_owned()
}

/// Answers a checked proxy call.
pub(super) fn answer(
    body: &Map<String, Value>,
    now: u64,
    premium_allowed: bool,
) -> Result<Reply, Answer> {
    let f = Fields::new(body, "", &PROXY_FIELDS).map_err(bad_request)?;
    let Some(Value::Object(inner)) = f.get("request") else {
        return Err(bad_request(
            "'request' is required and must be an object".into(),
        ));
    };
    let spec = HttpSpec::parse(inner, "request.", now).map_err(bad_request)?;
    let max_tries = f
        .integer("maxTries", 1, 90)
        .map_err(bad_request)?
        .unwrap_or(5);
    let overall_ms = f
        .integer("timeout_ms", 1, 120_000)
        .map_err(bad_request)?
        .unwrap_or(45_000);
    let ignore = f
        .strings("ignoreProxies")
        .map_err(bad_request)?
        .unwrap_or_default();
    let countries = f.strings("exitCountries").map_err(bad_request)?;
    if let Some(countries) = &countries {
        let ok = !countries.is_empty()
            && countries
                .iter()
                .all(|c| c.len() == 2 && c.bytes().all(|b| b.is_ascii_uppercase()));
        if !ok {
            return Err(bad_request(
                "'exitCountries' must be a non-empty array of two-letter uppercase codes".into(),
            ));
        }
    }
    let exit_class = f.exit_class().map_err(bad_request)?;
    let target = target_or_ssrf(spec.target.clone())?;
    if exit_class == Some("premium") && !premium_allowed {
        return Err(premium_refusal());
    }

    // The request as sent, `{ts}` resolved and the rotation's defaults filled in.
    let mut echo = body.clone();
    if let Some(Value::Object(inner)) = echo.get_mut("request") {
        inner.insert("url".into(), target.url.clone().into());
    }
    let reply = |out: Map<String, Value>| Reply {
        body: out,
        credits: PROXY_CREDITS,
        exit_class,
    };

    // No exit matches the country scope: the emulator has none for "ZZ"
    // (`fouradata/mcp` `src/tools/proxy.ts`, `no_eligible_proxy`).
    if let Some(countries) = countries.as_ref().filter(|c| c.contains(&"ZZ")) {
        return Ok(reply(object(json!({
            "error": "No eligible proxy matches the requested exit countries",
            "request": echo,
            "total": 0,
            "code": "no_eligible_proxy",
            "details": { "exitCountries": countries },
        }))));
    }
    echo.entry("timeout_ms").or_insert(json!(overall_ms));
    echo.entry("maxTries").or_insert(json!(max_tries));
    if let Err(message) = spec.select_profile() {
        return Ok(reply(object(json!({
            "error": message, "request": echo, "total": 0,
        }))));
    }

    let mut exits = Exits::new(&target, exit_class, &ignore);
    let mut elapsed = SELECTION_MS;
    let mut report = Report::default();
    while report.total < max_tries && elapsed < overall_ms {
        report.total += 1;
        let exit = exits.next_id();
        let remaining = overall_ms - elapsed;
        let page = match spec.fetch(&target, "proxy") {
            Fetched::Timeout => {
                report.no_response += 1;
                elapsed += spec.timeout().min(remaining);
                continue;
            }
            Fetched::Unresolved => {
                report.no_response += 1;
                elapsed += 12;
                continue;
            }
            Fetched::Failed => {
                report.other += 1;
                elapsed += 120;
                continue;
            }
            Fetched::Page(page) => page,
        };
        elapsed += ATTEMPT_MS;
        // With `validate` the rules decide; without it, a bot check fails the attempt.
        let rejected = match &spec.validate {
            Some(v) => v.check(&page),
            None => page.defense.map(|_| Rejected::Data),
        };
        match rejected {
            Some(_) if page.defense.is_some() => report.defense += 1,
            Some(Rejected::Status) => report.status_rejected += 1,
            Some(Rejected::Data) if page.status == 200 => report.content_rejected += 1,
            Some(_) => report.other += 1,
            None => {
                return Ok(reply(proxy_success(
                    &spec,
                    &page,
                    &target,
                    exit,
                    countries.as_deref(),
                    exit_class,
                    elapsed,
                )));
            }
        }
    }
    report.out_of_time = report.total < max_tries;
    Ok(reply(object(json!({
        "error": "Download maxTry limit reached",
        "request": echo,
        "total": seconds(elapsed),
        "attemptReport": report.to_json(),
    }))))
}

fn proxy_success(
    spec: &HttpSpec<'_>,
    page: &Page,
    target: &Target,
    exit: String,
    countries: Option<&[&str]>,
    exit_class: Option<&str>,
    elapsed: u64,
) -> Map<String, Value> {
    let mut fetched = object(json!({
        "status": page.status,
        "headers": page.hops,
        "data": spec.data(page),
    }));
    if let Some(d) = defense(page) {
        fetched.insert("defense".into(), d);
    }
    // The proxy engine sends `total_time` as a numeric string
    // (`fouradata/mcp` `tests/helpers/fixtures/*.json`).
    let total_time = Value::String(format!("{:.3}", ATTEMPT_MS as f64 / 1000.0));
    let mut out = if target.host == web::NESTED_HOST {
        // The shape `fouradata/web-scraping-benchmark` `benchmark.mjs` unwraps, the fetch nested under `data`.
        object(json!({ "data": fetched, "total_time": total_time }))
    } else {
        fetched.insert("total_time".into(), total_time);
        fetched
    };
    out.insert("proxy".into(), exit.into());
    if let Some(first) = countries.and_then(|c| c.first()) {
        out.insert("exitCountry".into(), (*first).into());
    }
    if let Some(class) = exit_class {
        out.insert("exitClass".into(), class.into());
    }
    out.insert("total".into(), seconds(elapsed));
    out
}
