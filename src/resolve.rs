//! Name resolution without a thread per request.
//!
//! With any timeout covering resolution, ureq's default resolver spawns a thread for every
//! request — even for an IP literal, even when a pooled connection is then reused — which
//! costs about as much as the rest of a loopback request (measured in benches/per_call.rs). This resolver
//! answers IP literals directly and remembers names for a short while, so a kept-alive call
//! with the crate's finite timeouts costs what one without timeouts does; a name it has not
//! seen is still resolved by ureq's resolver, under the call's timeout.
//!
//! `localhost` and every name under `.localhost` are loopback by definition (RFC 6761 §6.3)
//! and are answered with `127.0.0.1` and `::1` without asking any resolver, as curl does:
//! a plain-`http://` base URL is allowed for them because they are loopback, so a hosts file
//! or DNS server must not be able to send the cleartext key elsewhere.

use std::collections::HashMap;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use ureq::config::Config;
use ureq::http::Uri;
use ureq::unversioned::resolver::{DefaultResolver, ResolvedSocketAddrs, Resolver};
use ureq::unversioned::transport::NextTimeout;

/// How long a resolved name is reused: short, so that DNS changes (failover) are followed.
const TTL: Duration = Duration::from_secs(30);

#[derive(Debug, Default)]
pub(crate) struct QuickResolver {
    fallback: DefaultResolver,
    cache: Mutex<HashMap<String, (Instant, ResolvedSocketAddrs)>>,
}

impl Resolver for QuickResolver {
    fn resolve(
        &self,
        uri: &Uri,
        config: &Config,
        timeout: NextTimeout,
    ) -> Result<ResolvedSocketAddrs, ureq::Error> {
        let host = uri.host().unwrap_or_default();
        let port = uri
            .port_u16()
            .unwrap_or(if uri.scheme_str() == Some("https") {
                443
            } else {
                80
            });
        if let Ok(ip) = host
            .trim_start_matches('[')
            .trim_end_matches(']')
            .parse::<IpAddr>()
        {
            let mut addrs = self.empty();
            addrs.push(SocketAddr::new(ip, port));
            return Ok(addrs);
        }
        if is_localhost_name(host) {
            let mut addrs = self.empty();
            addrs.push(SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), port));
            addrs.push(SocketAddr::new(IpAddr::V6(Ipv6Addr::LOCALHOST), port));
            return Ok(addrs);
        }
        let key = format!("{host}:{port}");
        let cached = {
            let cache = self.cache.lock().unwrap_or_else(|p| p.into_inner());
            cache
                .get(&key)
                .filter(|(at, _)| at.elapsed() < TTL)
                .map(|(_, addrs)| addrs.clone())
        };
        if let Some(addrs) = cached {
            return Ok(addrs);
        }
        let addrs = self.fallback.resolve(uri, config, timeout)?;
        let mut cache = self.cache.lock().unwrap_or_else(|p| p.into_inner());
        cache.retain(|_, (at, _)| at.elapsed() < TTL);
        cache.insert(key, (Instant::now(), addrs.clone()));
        Ok(addrs)
    }
}

/// Whether `host` is `localhost` or a name under `.localhost` (RFC 6761 §6.3), in any letter
/// case and with or without the root's trailing dot.
pub(crate) fn is_localhost_name(host: &str) -> bool {
    let host = host.strip_suffix('.').unwrap_or(host);
    let len = host.len();
    host.eq_ignore_ascii_case("localhost")
        || (len > ".localhost".len()
            && host.is_char_boundary(len - ".localhost".len())
            && host[len - ".localhost".len()..].eq_ignore_ascii_case(".localhost"))
}
