//! FourA's diagnostic endpoint `GET /inspect` (<https://foura.ai/docs/api/inspect>): which IP
//! FourA sees for the caller and whether it detects a proxy in front of it. It lives at the
//! host root (`https://eu.api.foura.ai/inspect`), not under `/api`, and no key is sent to it.

use serde::{Deserialize, Deserializer};
use serde_json::{Map, Value};

use super::Fields;
use crate::call::Api;
use crate::client::Client;
use crate::defaults::DEFAULT_BASE_URL;
use crate::error::Error;

/// The path of the diagnostic endpoint, at the host root.
const INSPECT_PATH: &str = "/inspect";

/// What `GET /inspect` reports about the caller's connection
/// (<https://foura.ai/docs/api/inspect>). FourA's example omits empty lists, so every field is
/// optional: a missing one is empty, and a field of an unexpected type is kept in `extra`.
#[derive(Debug, Clone, Default, PartialEq)]
#[non_exhaustive]
pub struct Inspection {
    /// `clientIp`: the address FourA sees for the caller (the leftmost address of a
    /// forwarded chain).
    pub client_ip: Option<String>,
    /// `proxyDetection`: whether FourA thinks a proxy is in between, and why.
    pub proxy_detection: ProxyDetection,
    /// `proxyChain`: the addresses the request came through.
    pub proxy_chain: ProxyChain,
    /// `timestamp`: when FourA answered, an ISO 8601 string (`2026-04-29T08:07:04.683Z`).
    pub timestamp: Option<String>,
    /// Every other field, as sent.
    pub extra: Map<String, Value>,
}

impl Inspection {
    /// Whether FourA detected a proxy (`proxyDetection.isProxy`), when it said.
    pub fn is_proxy(&self) -> Option<bool> {
        self.proxy_detection.is_proxy
    }
}

/// The `proxyDetection` object of an [`Inspection`].
#[derive(Debug, Clone, Default, PartialEq)]
#[non_exhaustive]
pub struct ProxyDetection {
    /// `isProxy`: whether a proxy was detected.
    pub is_proxy: Option<bool>,
    /// `proxyType`: what kind of proxy.
    pub proxy_type: Option<ProxyType>,
    /// `anonymityLevel`: how much of the caller the proxy hides.
    pub anonymity_level: Option<AnonymityLevel>,
    /// `confidence`: how sure FourA is.
    pub confidence: Option<Confidence>,
    /// `detectedHeaders`: the request headers that gave the proxy away (e.g. `via`,
    /// `forwarded`), lower-case as FourA sends them.
    pub detected_headers: Vec<String>,
    /// `explanation`: FourA's reasoning, in words.
    pub explanation: Option<String>,
    /// Every other field, as sent.
    pub extra: Map<String, Value>,
}

/// The `proxyChain` object of an [`Inspection`].
#[derive(Debug, Clone, Default, PartialEq)]
#[non_exhaustive]
pub struct ProxyChain {
    /// `originalClientIp`: the first address of the chain, the caller's own.
    pub original_client_ip: Option<String>,
    /// `proxyChain`: the addresses the request passed through, in order.
    pub hops: Vec<String>,
    /// `proxyCount`: how many proxies were in between (`0`: a direct connection).
    pub proxy_count: Option<u64>,
    /// `via`: the `Via` header's entries.
    pub via: Vec<String>,
    /// `hasPrivateIps`: whether any address in the chain is private.
    pub has_private_ips: Option<bool>,
    /// Every other field, as sent.
    pub extra: Map<String, Value>,
}

macro_rules! open_enum {
    ($(#[$doc:meta])* $name:ident { $($(#[$vdoc:meta])* $variant:ident = $wire:literal,)* }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum $name {
            $($(#[$vdoc])* $variant,)*
            /// A value this crate does not know, as sent.
            Other(String),
        }

        impl $name {
            fn from_wire(s: String) -> Self {
                match s.as_str() {
                    $($wire => $name::$variant,)*
                    _ => $name::Other(s),
                }
            }

            /// The value as FourA writes it.
            pub fn as_str(&self) -> &str {
                match self {
                    $($name::$variant => $wire,)*
                    $name::Other(s) => s,
                }
            }
        }
    };
}

open_enum! {
    /// `proxyDetection.proxyType` (<https://foura.ai/docs/api/inspect>). The set is open.
    ProxyType {
        /// `transparent`: the proxy passes the caller's address on.
        Transparent = "transparent",
        /// `anonymous`: the proxy says it is one, but hides the caller's address.
        Anonymous = "anonymous",
        /// `distorting`: the proxy passes on a false address.
        Distorting = "distorting",
        /// `elite`: the proxy does not reveal itself.
        Elite = "elite",
        /// `none`: no proxy seen.
        None = "none",
    }
}

open_enum! {
    /// `proxyDetection.anonymityLevel` (<https://foura.ai/docs/api/inspect>). The set is open.
    AnonymityLevel {
        /// `transparent`: the caller's address is visible.
        Transparent = "transparent",
        /// `anonymous`: a proxy is visible, the caller's address is not.
        Anonymous = "anonymous",
        /// `elite`: neither is visible.
        Elite = "elite",
        /// `none`: no proxy seen.
        None = "none",
    }
}

open_enum! {
    /// `proxyDetection.confidence` (<https://foura.ai/docs/api/inspect>). The set is open.
    Confidence {
        /// `high`.
        High = "high",
        /// `medium`.
        Medium = "medium",
        /// `low`.
        Low = "low",
    }
}

impl<'de> Deserialize<'de> for Inspection {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        // What makes an answer an inspection: an object with at least one of its documented
        // parts. Anything else (`{}`, a list, a proxy's own JSON) is not "nothing detected".
        let map = match Value::deserialize(d)? {
            Value::Object(map)
                if ["clientIp", "proxyDetection", "proxyChain"]
                    .iter()
                    .any(|k| map.contains_key(*k)) =>
            {
                map
            }
            _ => {
                return Err(serde::de::Error::custom(
                    "an inspection answer has `clientIp`, `proxyDetection` or `proxyChain`, \
                     this one has none",
                ));
            }
        };
        let mut f = Fields(map);
        let proxy_detection = f.object("proxyDetection").map(|m| {
            let mut m = Fields(m);
            ProxyDetection {
                is_proxy: m.boolean("isProxy"),
                proxy_type: m.string("proxyType").map(ProxyType::from_wire),
                anonymity_level: m.string("anonymityLevel").map(AnonymityLevel::from_wire),
                confidence: m.string("confidence").map(Confidence::from_wire),
                detected_headers: strings(&mut m, "detectedHeaders"),
                explanation: m.string("explanation"),
                extra: m.0,
            }
        });
        let proxy_chain = f.object("proxyChain").map(|m| {
            let mut m = Fields(m);
            ProxyChain {
                original_client_ip: m.string("originalClientIp"),
                hops: strings(&mut m, "proxyChain"),
                proxy_count: m
                    .number("proxyCount")
                    .filter(|n| *n >= 0.0 && n.fract() == 0.0 && *n < u64::MAX as f64)
                    .map(|n| n as u64),
                via: strings(&mut m, "via"),
                has_private_ips: m.boolean("hasPrivateIps"),
                extra: m.0,
            }
        });
        Ok(Inspection {
            client_ip: f.string("clientIp"),
            proxy_detection: proxy_detection.unwrap_or_default(),
            proxy_chain: proxy_chain.unwrap_or_default(),
            timestamp: f.string("timestamp"),
            extra: f.0,
        })
    }
}

/// A list of strings; a list holding anything else stays in `extra`.
fn strings(f: &mut Fields, name: &str) -> Vec<String> {
    f.take_as(name, |v| match v {
        Value::Array(items) if items.iter().all(Value::is_string) => Ok(items
            .into_iter()
            .filter_map(|i| match i {
                Value::String(s) => Some(s),
                _ => None,
            })
            .collect()),
        other => Err(other),
    })
    .unwrap_or_default()
}

impl Client {
    /// Which IP FourA sees for this machine and whether it detects a proxy:
    /// `GET /inspect` at the root of the client's base URL (not under `/api`;
    /// <https://foura.ai/docs/api/inspect>). Public: the key is never sent to it. Use it to
    /// check the way out before sending work.
    ///
    /// ```no_run
    /// let seen = foura::Client::from_env()?.inspect()?;
    /// println!("FourA sees {:?}; proxy: {:?}", seen.client_ip, seen.is_proxy());
    /// # Ok::<(), foura::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// Any transport or status [`Error`].
    pub fn inspect(&self) -> Result<Inspection, Error> {
        self.call_json(&Api::PUBLIC.get(INSPECT_PATH))
            .map(|(inspection, _)| inspection)
    }
}

/// Which IP FourA sees for this machine and whether it detects a proxy, from
/// `https://eu.api.foura.ai/inspect` (<https://foura.ai/docs/api/inspect>). Public: no key.
///
/// ```no_run
/// let seen = foura::inspect()?;
/// println!("FourA sees {:?}", seen.client_ip);
/// # Ok::<(), foura::Error>(())
/// ```
///
/// # Errors
///
/// Any transport or status [`Error`].
pub fn inspect() -> Result<Inspection, Error> {
    inspect_at(DEFAULT_BASE_URL)
}

/// [`inspect`] against another host (e.g. the emulator: `server.url()`); `base_url` follows
/// the rules of [`ClientBuilder::base_url`](crate::ClientBuilder::base_url), so a trailing
/// `/api` is dropped and the endpoint is asked at the host root.
///
/// # Errors
///
/// [`ErrorKind::InvalidConfig`](crate::ErrorKind::InvalidConfig) for a bad base URL; any
/// transport or status [`Error`].
pub fn inspect_at(base_url: &str) -> Result<Inspection, Error> {
    Client::keyless(base_url)?.inspect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_documented_example_decodes() {
        let body = json!({
            "clientIp": "203.0.113.7",
            "proxyDetection": {"isProxy": true, "proxyType": "transparent",
                "anonymityLevel": "transparent", "confidence": "high",
                "detectedHeaders": ["via", "x-forwarded-for"], "explanation": "Via header"},
            "proxyChain": {"originalClientIp": "203.0.113.7",
                "proxyChain": ["203.0.113.7", "198.51.100.2"], "proxyCount": 1,
                "via": ["1.1 squid"], "hasPrivateIps": false},
            "timestamp": "2026-04-29T08:07:04.683Z",
            "region": "eu"
        });
        let seen: Inspection = serde_json::from_value(body).unwrap();
        assert_eq!(seen.client_ip.as_deref(), Some("203.0.113.7"));
        assert_eq!(seen.is_proxy(), Some(true));
        let d = &seen.proxy_detection;
        assert_eq!(d.proxy_type, Some(ProxyType::Transparent));
        assert_eq!(d.anonymity_level, Some(AnonymityLevel::Transparent));
        assert_eq!(d.confidence, Some(Confidence::High));
        assert_eq!(d.detected_headers, ["via", "x-forwarded-for"]);
        assert_eq!(seen.proxy_chain.hops.len(), 2);
        assert_eq!(seen.proxy_chain.proxy_count, Some(1));
        assert_eq!(seen.proxy_chain.has_private_ips, Some(false));
        assert_eq!(seen.extra["region"], "eu");
    }

    #[test]
    fn unknown_values_and_odd_types_are_kept() {
        let body = json!({
            "clientIp": 7,
            "proxyDetection": {"proxyType": "residential", "confidence": "certain",
                "detectedHeaders": "via"},
            "proxyChain": []
        });
        let seen: Inspection = serde_json::from_value(body).unwrap();
        assert_eq!(seen.client_ip.as_deref(), Some("7"));
        let d = &seen.proxy_detection;
        assert_eq!(d.proxy_type, Some(ProxyType::Other("residential".into())));
        assert_eq!(d.proxy_type.as_ref().unwrap().as_str(), "residential");
        assert_eq!(d.confidence, Some(Confidence::Other("certain".into())));
        assert!(d.detected_headers.is_empty());
        assert_eq!(d.extra["detectedHeaders"], "via");
        assert_eq!(seen.proxy_chain, ProxyChain::default());
        assert_eq!(seen.extra["proxyChain"], json!([]));
        // Not an inspection at all: refused rather than read as "nothing detected".
        assert!(serde_json::from_value::<Inspection>(json!("nope")).is_err());
        assert!(serde_json::from_value::<Inspection>(json!({"hello": "world"})).is_err());
    }
}
