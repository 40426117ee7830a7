//! The emulator's virtual web: the deterministic "internet" the emulated engines fetch from.
//!
//! Every URL answers the same way on every run, so a test can ask for any documented success or
//! failure shape by URL alone. The table of hosts and paths is in the [module docs](super) of
//! `foura::mock`; this file is its implementation. Host names live under the reserved `.test`
//! and `.invalid` TLDs (RFC 2606), so they can never name a real site.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use serde_json::{Map, Value, json};

use super::http::reason;

/// Every attempt times out.
pub(crate) const TIMEOUT_HOST: &str = "timeout.test";
/// A bot check no engine gets past.
pub(crate) const BLOCKED_HOST: &str = "blocked.test";
/// A bot check that only a browser with `unblocker` solves.
pub(crate) const CHALLENGE_HOST: &str = "challenge.test";
/// The connection breaks: single's `Download failed`.
pub(crate) const FAILED_HOST: &str = "failed.test";
/// A normal site whose proxy answers come back nested under `data` (as `fouradata/web-scraping-benchmark`
/// `benchmark.mjs` unwraps them).
pub(crate) const NESTED_HOST: &str = "nested.test";
/// A normal site auto has a saved session for (`meta.rung: "cache"`).
pub(crate) const CACHED_HOST: &str = "cached.test";

/// The server header of an ordinary virtual site.
const SERVER: &str = "foura-emulator";
/// The bot-check vendor the blocked and challenge sites pretend to be.
pub(crate) const VENDOR: &str = "cloudflare";

/// A target URL, checked and split.
#[derive(Debug, Clone)]
pub(crate) struct Target {
    /// The URL as fetched (any `{ts}` already replaced).
    pub(crate) url: String,
    pub(crate) https: bool,
    /// Lower-case, without IPv6 brackets.
    pub(crate) host: String,
    /// The path without query or fragment; `/` when empty.
    pub(crate) path: String,
}

impl Target {
    /// `scheme://host[:port]` of this URL, for building same-site URLs.
    fn origin(&self) -> &str {
        let scheme_len = if self.https { 8 } else { 7 };
        let rest = self.url.get(scheme_len..).unwrap_or("");
        let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
        self.url.get(..scheme_len + end).unwrap_or(&self.url)
    }
}

/// Why a URL cannot be fetched.
#[derive(Debug)]
pub(crate) enum UrlError {
    /// Not an absolute `http(s)` URL; the text says what is wrong.
    Invalid(&'static str),
    /// The host is (or resolves to) a private, loopback or reserved address (<https://foura.ai/docs/api/endpoints>).
    Private(IpAddr),
}

/// Replaces every `{ts}` with the Unix time in seconds (<https://foura.ai/docs/api/endpoints>).
pub(crate) fn resolve_ts(url: &str, unix_secs: u64) -> String {
    url.replace("{ts}", &unix_secs.to_string())
}

/// Checks an absolute `http://` or `https://` URL and splits out what the virtual web needs.
pub(crate) fn parse(url: &str) -> Result<Target, UrlError> {
    if url.len() > 8192 {
        return Err(UrlError::Invalid("url is longer than 8192 bytes"));
    }
    if url.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(UrlError::Invalid(
            "url contains whitespace or control characters",
        ));
    }
    let Some((scheme, rest)) = url.split_once("://") else {
        return Err(UrlError::Invalid(
            "url must be absolute (http:// or https://)",
        ));
    };
    let https = if scheme.eq_ignore_ascii_case("https") {
        true
    } else if scheme.eq_ignore_ascii_case("http") {
        false
    } else {
        return Err(UrlError::Invalid("url must use http:// or https://"));
    };
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(authority_end);
    let host_port = authority.rsplit_once('@').map_or(authority, |(_, h)| h);

    let (host, port) = if let Some(bracketed) = host_port.strip_prefix('[') {
        let Some((inner, after)) = bracketed.split_once(']') else {
            return Err(UrlError::Invalid("url has an unclosed IPv6 bracket"));
        };
        let Ok(ip) = inner.parse::<Ipv6Addr>() else {
            return Err(UrlError::Invalid("url has a malformed IPv6 address"));
        };
        let port = match after {
            "" => None,
            p => match p.strip_prefix(':') {
                Some(p) => Some(p),
                None => return Err(UrlError::Invalid("url has junk after the IPv6 address")),
            },
        };
        (HostKind::Ip(IpAddr::V6(ip)), port)
    } else {
        let (name, port) = match host_port.rsplit_once(':') {
            Some((n, p)) => (n, Some(p)),
            None => (host_port, None),
        };
        (host_kind(name)?, port)
    };
    if let Some(port) = port {
        if !port.is_empty()
            && (!port.bytes().all(|b| b.is_ascii_digit()) || port.parse::<u16>().is_err())
        {
            return Err(UrlError::Invalid("url has a malformed port"));
        }
    }
    let host = match host {
        HostKind::Ip(ip) => {
            if is_reserved(ip) {
                return Err(UrlError::Private(ip));
            }
            ip.to_string()
        }
        HostKind::Name(name) => {
            // What a resolver would answer for these names.
            if name == "localhost" || name.ends_with(".localhost") {
                return Err(UrlError::Private(IpAddr::V4(Ipv4Addr::LOCALHOST)));
            }
            name
        }
    };
    let path_end = tail.find(['?', '#']).unwrap_or(tail.len());
    let path = match &tail[..path_end] {
        "" => "/".to_owned(),
        p => p.to_owned(),
    };
    Ok(Target {
        url: url.to_owned(),
        https,
        host,
        path,
    })
}

enum HostKind {
    Ip(IpAddr),
    Name(String),
}

fn host_kind(name: &str) -> Result<HostKind, UrlError> {
    if name.is_empty() {
        return Err(UrlError::Invalid("url has no host"));
    }
    let lower = name.to_ascii_lowercase();
    let labels_ok = lower.split('.').all(|label| {
        !label.is_empty()
            && label
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    });
    if !labels_ok {
        return Err(UrlError::Invalid("url has a malformed host name"));
    }
    // As in the WHATWG URL standard: a host whose last label starts with a digit is an IPv4
    // address. Only the dotted-quad spelling is taken; other numeric spellings (`2130706433`,
    // `0x7f.1`) are refused rather than risk letting a loopback address through as a name.
    let last = lower.rsplit('.').next().unwrap_or("");
    if last.starts_with(|c: char| c.is_ascii_digit()) {
        return match lower.parse::<Ipv4Addr>() {
            Ok(ip) => Ok(HostKind::Ip(IpAddr::V4(ip))),
            Err(_) => Err(UrlError::Invalid("url has a malformed IPv4 address")),
        };
    }
    Ok(HostKind::Name(lower))
}

/// The ranges FourA refuses as targets (<https://foura.ai/docs/api/endpoints>: RFC 5735, RFC 6598,
/// IPv6 reserved).
pub(crate) fn is_reserved(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => {
            let [a, b, c, _] = v4.octets();
            a == 0
                || a == 10
                || (a == 100 && (64..128).contains(&b))
                || a == 127
                || (a == 169 && b == 254)
                || (a == 172 && (16..32).contains(&b))
                || (a == 192 && b == 0 && (c == 0 || c == 2))
                || (a == 192 && b == 88 && c == 99)
                || (a == 192 && b == 168)
                || (a == 198 && (b == 18 || b == 19))
                || (a == 198 && b == 51 && c == 100)
                || (a == 203 && b == 0 && c == 113)
                || a >= 224
        }
        IpAddr::V6(v6) => {
            if let Some(v4) = v6.to_ipv4_mapped() {
                return is_reserved(IpAddr::V4(v4));
            }
            let s = v6.segments();
            // NAT64 (64:ff9b::/96) reaches the IPv4 address it embeds.
            if s[..6] == [0x64, 0xff9b, 0, 0, 0, 0] {
                let [a, b] = s[6].to_be_bytes();
                let [c, d] = s[7].to_be_bytes();
                return is_reserved(IpAddr::V4(Ipv4Addr::new(a, b, c, d)));
            }
            // ::/96 holds `::`, `::1` and the deprecated IPv4-compatible addresses.
            s[..6] == [0; 6]
                || (s[0] & 0xfe00) == 0xfc00
                || (s[0] & 0xffc0) == 0xfe80
                || (s[0] & 0xff00) == 0xff00
                || (s[0] == 0x2001 && s[1] == 0x0db8)
        }
    }
}

/// How an engine asks the virtual web for a page.
pub(crate) struct Fetch<'a> {
    pub(crate) method: &'a str,
    /// Redirect hops to follow (0 = answer the redirect itself).
    pub(crate) follow: u64,
    /// Whether a browser with a challenge solver is asking (`challenge.test` lets it through).
    pub(crate) solver: bool,
    /// Which engine fetched, named on the page.
    pub(crate) engine: &'a str,
}

/// What the virtual web answered.
pub(crate) enum Fetched {
    /// The target answered (possibly after redirects).
    Page(Page),
    /// No bytes arrived before the timeout.
    Timeout,
    /// The host name does not resolve.
    Unresolved,
    /// The connection broke mid-transfer.
    Failed,
}

/// A target's answer, after any redirects.
pub(crate) struct Page {
    /// One object per response in the redirect chain, in the shape of
    /// `fouradata/mcp` `tests/helpers/fixtures/*.json`; the last is final.
    pub(crate) hops: Vec<Value>,
    /// The final response's status.
    pub(crate) status: u16,
    pub(crate) body: Vec<u8>,
    /// Whether the final response is `application/json`.
    pub(crate) json: bool,
    /// The bot-check vendor, when the page is a challenge.
    pub(crate) defense: Option<&'static str>,
    /// Whether a challenge was solved on the way to this page.
    pub(crate) solved: bool,
    /// The URL of the final response.
    pub(crate) url: String,
}

impl Page {
    /// The final response's headers as one flat object (the browser shape,
    /// `fouradata/mcp` `src/tools/browser.ts`).
    pub(crate) fn flat_headers(&self) -> Value {
        let mut flat = self
            .hops
            .last()
            .and_then(Value::as_object)
            .cloned()
            .unwrap_or_default();
        flat.remove("result");
        Value::Object(flat)
    }

    /// The body as text (lossy UTF-8).
    pub(crate) fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    /// The cookies the final response set, as `(name, value, http_only)`.
    pub(crate) fn cookies(&self) -> Vec<(String, String, bool)> {
        let Some(set) = self
            .hops
            .last()
            .and_then(|h| h.get("set-cookie"))
            .and_then(Value::as_array)
        else {
            return Vec::new();
        };
        set.iter()
            .filter_map(Value::as_str)
            .filter_map(|c| {
                let (pair, attrs) = c.split_once(';').unwrap_or((c, ""));
                let (name, value) = pair.split_once('=')?;
                Some((
                    name.trim().to_owned(),
                    value.trim().to_owned(),
                    attrs.contains("HttpOnly"),
                ))
            })
            .collect()
    }
}

/// Fetches `target` from the virtual web.
pub(crate) fn fetch(target: &Target, how: &Fetch<'_>) -> Fetched {
    let host = target.host.as_str();
    if host == TIMEOUT_HOST {
        return Fetched::Timeout;
    }
    if host == "invalid" || host.ends_with(".invalid") {
        return Fetched::Unresolved;
    }
    if host == FAILED_HOST {
        return Fetched::Failed;
    }
    if host == BLOCKED_HOST || (host == CHALLENGE_HOST && !how.solver) {
        return Fetched::Page(challenge(target));
    }
    let solved = host == CHALLENGE_HOST;
    let path = target.path.as_str();
    let mut page = if path == "/redirect" {
        let location = format!("{}/redirected", target.origin());
        let first = hop(
            target.https,
            301,
            vec![
                ("location", json!(location)),
                ("content-length", json!("0")),
            ],
        );
        if how.follow == 0 {
            Page {
                hops: vec![first],
                status: 301,
                body: Vec::new(),
                json: false,
                defense: None,
                solved,
                url: target.url.clone(),
            }
        } else {
            let mut page = ordinary(&location, target, "/redirected", 200, false, how);
            page.hops.insert(0, first);
            page
        }
    } else if path == "/json" {
        ordinary(&target.url, target, path, 200, true, how)
    } else if let Some(code) = path
        .strip_prefix("/status/")
        .and_then(|c| c.parse::<u16>().ok())
        .filter(|c| (200..=599).contains(c))
    {
        ordinary(&target.url, target, path, code, false, how)
    } else {
        ordinary(&target.url, target, path, 200, false, how)
    };
    page.solved = solved;
    Fetched::Page(page)
}

/// One hop of the header array (`fouradata/mcp` `tests/helpers/fixtures/*.json`).
fn hop(https: bool, code: u16, headers: Vec<(&str, Value)>) -> Value {
    // HTTP/2 has no reason phrase; the virtual web speaks it over TLS only.
    let result = if https {
        json!({ "version": "HTTP/2", "code": code, "reason": "" })
    } else {
        json!({ "version": "HTTP/1.1", "code": code, "reason": reason(code).unwrap_or("") })
    };
    let mut map = Map::new();
    map.insert("result".into(), result);
    for (name, value) in headers {
        map.insert(name.to_owned(), value);
    }
    Value::Object(map)
}

/// The hosts reserved for documentation (RFC 2606), whose real home page is titled
/// "Example Domain": the virtual web's pages there carry that title too, so examples that
/// check for it run on the emulator as they do on FourA.
const EXAMPLE_HOSTS: [&str; 6] = [
    "example.com",
    "www.example.com",
    "example.net",
    "www.example.net",
    "example.org",
    "www.example.org",
];

/// Whether `path` is one of a shop's pages: `/products`, `/product/<id>` or `/cart`.
fn is_shop_page(path: &str) -> bool {
    let path = path.trim_end_matches('/');
    path == "/products" || path == "/cart" || path.starts_with("/product/")
}

/// An ordinary site's page (HTML, or JSON for `/json`) with its cookies. `path` is the page's
/// own (after a redirect, the target's).
fn ordinary(
    url: &str,
    site: &Target,
    path: &str,
    status: u16,
    json_page: bool,
    how: &Fetch<'_>,
) -> Page {
    let https = site.https;
    let (content_type, body) = if json_page {
        let doc = json!({
            "url": url,
            "method": how.method,
            "engine": how.engine,
            "ok": true,
            "items": [1, 2, 3],
        });
        ("application/json; charset=utf-8", doc.to_string())
    } else {
        let title = if status != 200 {
            format!("{status} {}", reason(status).unwrap_or(""))
        } else if EXAMPLE_HOSTS.contains(&site.host.as_str()) {
            "Example Domain".to_owned()
        } else {
            escape(url)
        };
        let shop = if is_shop_page(path) {
            "<ul class=\"product-list\"><li><a href=\"/product/42\">Product 42</a> \
             <button class=\"add-to-cart\">Add to cart</button></li></ul>"
        } else {
            ""
        };
        (
            "text/html; charset=utf-8",
            format!(
                "<!doctype html><html><head><title>{title}</title></head><body><h1>{}</h1>\
                 <p>{} {} via the FourA emulator's {} engine.</p>{shop}</body></html>",
                escape(url),
                status,
                escape(how.method),
                escape(how.engine)
            ),
        )
    };
    let body = if how.method.eq_ignore_ascii_case("HEAD") {
        Vec::new()
    } else {
        body.into_bytes()
    };
    let session = format!("{:08x}", fnv1a(url.as_bytes()) as u32);
    let hop = hop(
        https,
        status,
        vec![
            ("content-type", json!(content_type)),
            ("content-length", json!(body.len().to_string())),
            ("server", json!(SERVER)),
            (
                "set-cookie",
                json!([
                    format!("session={session}; Path=/; HttpOnly"),
                    "theme=light; Path=/; SameSite=Lax"
                ]),
            ),
        ],
    );
    Page {
        hops: vec![hop],
        status,
        body,
        json: json_page,
        defense: None,
        solved: false,
        url: url.to_owned(),
    }
}

/// The bot-check page `blocked.test` (and `challenge.test` without a solver) answers with.
fn challenge(target: &Target) -> Page {
    let body = format!(
        "<!doctype html><html><head><title>Just a moment...</title></head><body>\
         <div id=\"challenge-form\">Checking your browser before accessing {}. \
         Complete the captcha to continue.</div></body></html>",
        escape(&target.host)
    )
    .into_bytes();
    let hop = hop(
        target.https,
        403,
        vec![
            ("content-type", json!("text/html; charset=UTF-8")),
            ("content-length", json!(body.len().to_string())),
            ("server", json!(VENDOR)),
            ("cf-mitigated", json!("challenge")),
        ],
    );
    Page {
        hops: vec![hop],
        status: 403,
        body,
        json: false,
        defense: Some(VENDOR),
        solved: false,
        url: target.url.clone(),
    }
}

/// 64-bit FNV-1a: a stable hash for deterministic ids and cookie values.
pub(crate) fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, &b| {
        (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}
