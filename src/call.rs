//! One attempt on the wire: the request as the endpoint modules describe it ([`Call`], built
//! from its API family, [`Api`]), and the exchange that adds the credentials, sends, reads the
//! answer with a limit and classifies it.

use std::borrow::Cow;
use std::io::Read;
use std::time::Duration;

use ureq::http::{self, HeaderValue};
use zeroize::Zeroizing;

use crate::defaults::CREATION_MAX_IDLE;
use crate::error::{Error, ErrorKind, Service, sanitize};
use crate::key::ApiKey;
use crate::meta::Meta;
use crate::redact::{head_text, redact, scrub_meta_with};
use crate::settings::{Attempt, Hook, Settings};
use crate::transport::{Exchange, may_have_reached_server};

/// How much of an error response's body is read: enough for any JSON error, not a whole page.
const MAX_ERROR_BODY_BYTES: u64 = 64 << 10;

/// One of FourA's API families: the credential header its calls carry and the rules its
/// errors are read by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Api {
    auth: Auth,
    service: Service,
}

impl Api {
    /// `/api/v1/tasks`, `Authorization: Bearer <key>` (<https://foura.ai/docs/api/endpoints>).
    pub(crate) const TASKS: Api = Api {
        auth: Auth::Bearer,
        service: Service::Tasks,
    };
    /// `/api/{single,proxy,browser,auto}`, `X-API-Key: <key>`
    /// (<https://foura.ai/docs/api/endpoints>).
    pub(crate) const ENGINES: Api = Api {
        auth: Auth::ApiKey,
        service: Service::Engine,
    };
    /// The keyless endpoints: the profile catalogue and the status API.
    pub(crate) const PUBLIC: Api = Api {
        auth: Auth::None,
        service: Service::Public,
    };

    /// `GET path`.
    pub(crate) fn get(self, path: &str) -> Call<'_> {
        self.call(Method::Get, path, None)
    }

    /// `POST path` with a JSON `body`.
    pub(crate) fn post(self, path: &str, body: Vec<u8>) -> Call<'_> {
        self.call(Method::Post, path, Some(body))
    }

    fn call(self, method: Method, path: &str, body: Option<Vec<u8>>) -> Call<'_> {
        Call {
            method,
            path,
            auth: self.auth,
            body,
            server_timeout: None,
            service: self.service,
            creates_task: false,
            options: CallOptions::default(),
        }
    }
}

/// One request, as the endpoint modules describe it to the funnel.
pub(crate) struct Call<'a> {
    pub(crate) method: Method,
    /// Path below the base URL, starting with `/`.
    pub(crate) path: &'a str,
    auth: Auth,
    body: Option<Vec<u8>>,
    /// The request's own server-side timeout (its default when unset), which the call
    /// timeout grows with; `None` for calls with no server-side work.
    pub(crate) server_timeout: Option<Duration>,
    pub(crate) service: Service,
    /// Whether the call creates something, so that an ambiguous failure must not be retried.
    pub(crate) creates_task: bool,
    /// Per-call overrides of the client's timeout and retries.
    pub(crate) options: CallOptions,
}

impl Call<'_> {
    /// The request's own server-side timeout, which the call's timeout grows with.
    pub(crate) fn server_timeout(mut self, timeout: Option<Duration>) -> Self {
        self.server_timeout = timeout;
        self
    }

    /// Marks a call that creates a task: an ambiguous failure is not retried, and is
    /// reported as maybe created.
    pub(crate) fn creates_task(mut self) -> Self {
        self.creates_task = true;
        self
    }

    /// The request builder's overrides of the client's timeout and retries.
    pub(crate) fn options(mut self, options: CallOptions) -> Self {
        self.options = options;
        self
    }

    /// The checks of the call's own settings, made before anything is sent.
    pub(crate) fn check(&self) -> Result<(), Error> {
        if self.options.timeout.is_some_and(|t| t.is_zero()) {
            return Err(Error::invalid_request(
                "call_timeout",
                "must be more than zero",
            ));
        }
        Ok(())
    }

    /// `POST /api/v1/tasks`, for messages.
    pub(crate) fn describe(&self) -> String {
        format!("{} {}", self.method.as_str(), self.path)
    }

    /// The full URL the call goes to below `settings`' base URL.
    pub(crate) fn url(&self, settings: &Settings) -> String {
        format!("{}{}", settings.base_url, self.path)
    }

    /// The headers the call carries besides the user agent (set on the agent) and its
    /// credentials ([`Call::credential_header`]), as they go on the wire.
    pub(crate) fn headers(&self) -> impl Iterator<Item = (&'static str, &'static str)> {
        let content_type = (self.method == Method::Post).then_some(("content-type", JSON));
        std::iter::once(("accept", JSON)).chain(content_type)
    }

    /// The bytes sent as the body: `None` for a `GET`.
    pub(crate) fn body(&self) -> Option<&[u8]> {
        match self.method {
            Method::Get => None,
            Method::Post => Some(self.body.as_deref().unwrap_or(b"{}")),
        }
    }

    /// The name of the header the key goes in, and what precedes the key in its value;
    /// `None` for a call that carries no key.
    pub(crate) fn credential_header(&self) -> Option<(&'static str, &'static str)> {
        match self.auth {
            Auth::Bearer => Some(("authorization", "Bearer ")),
            Auth::ApiKey => Some(("x-api-key", "")),
            Auth::None => None,
        }
    }
}

/// The media type of every request and answer body.
const JSON: &str = "application/json";

/// Per-call overrides of the client's settings, set on the request builders.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct CallOptions {
    pub(crate) timeout: Option<Duration>,
    pub(crate) max_retries: Option<u32>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Method {
    Get,
    Post,
}

impl Method {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Post => "POST",
        }
    }
}

/// Which credential header a call carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Auth {
    /// `Authorization: Bearer <key>` (the tasks API).
    Bearer,
    /// `X-API-Key: <key>` (the engine API).
    ApiKey,
    /// No credentials (the public endpoints).
    None,
}

/// A 2xx answer.
pub(crate) struct Reply {
    pub(crate) status: u16,
    pub(crate) meta: Meta,
    /// Wiped when dropped, like every buffer an answer is read into.
    pub(crate) body: Zeroizing<Vec<u8>>,
    /// The answer's `Content-Encoding`, when it is one the client did not ask for.
    pub(crate) encoding: Option<String>,
}

/// What an attempt is made with: the settings, the agent built from them, and the key.
#[derive(Clone, Copy)]
pub(crate) struct Line<'a> {
    pub(crate) settings: &'a Settings,
    pub(crate) agent: &'a ureq::Agent,
    /// `None` only for the internal keyless client of the public endpoints.
    pub(crate) key: Option<&'a ApiKey>,
    /// Who else hears of every attempt besides the settings' hook: a batch's throttle.
    pub(crate) watcher: Option<&'a Hook>,
}

impl Line<'_> {
    /// The key, for removing it from what servers send back.
    pub(crate) fn secret(&self) -> Option<&str> {
        self.key.map(ApiKey::expose_secret)
    }

    /// Removes the key from an error's text (a server may echo request headers back).
    pub(crate) fn scrub(&self, err: Error) -> Error {
        match self.secret() {
            Some(secret) => err.scrub(secret),
            None => err,
        }
    }

    /// Tells the hook and the watcher, if there are any, about an attempt.
    pub(crate) fn report(&self, attempt: impl FnOnce() -> Attempt) {
        if self.settings.hook.is_none() && self.watcher.is_none() {
            return;
        }
        let attempt = attempt();
        for hook in self.settings.hook.iter().chain(self.watcher) {
            hook(&attempt);
        }
    }

    /// The key, or the error a keyed call without one gets.
    pub(crate) fn key(&self) -> Result<&ApiKey, Error> {
        self.key.ok_or_else(|| {
            Error::new(
                ErrorKind::InvalidKey,
                "this call needs an API key".to_owned(),
            )
        })
    }

    /// The credential header `auth` asks for. The header value is built in a wiped buffer;
    /// `HeaderValue` then holds the one copy this crate cannot wipe (see `ApiKey`'s docs).
    fn credentials(&self, call: &Call<'_>) -> Result<Option<(&'static str, HeaderValue)>, Error> {
        let invalid = |_| {
            Error::new(
                ErrorKind::InvalidKey,
                "the API key is not a valid header value".into(),
            )
        };
        let Some((name, _)) = call.credential_header() else {
            return Ok(None);
        };
        let key = self.key()?;
        let value = if call.auth == Auth::Bearer {
            HeaderValue::from_str(&key.bearer())
        } else {
            HeaderValue::from_str(key.expose_secret())
        };
        let mut value = value.map_err(invalid)?;
        value.set_sensitive(true);
        Ok(Some((name, value)))
    }

    /// Sends `request` with what is left of the call's time: `remaining` for the whole
    /// exchange, `connect` each for resolving and connecting.
    /// A task creation reuses only a connection idle for less than [`CREATION_MAX_IDLE`]: one
    /// idle longer may be closing at the server as the request crosses it, and the creation
    /// could then only end "maybe created".
    fn send(
        &self,
        request: http::Request<impl ureq::AsSendBody>,
        call: &Call<'_>,
        remaining: Duration,
        connect: Duration,
    ) -> Result<http::Response<ureq::Body>, ureq::Error> {
        let mut request = self
            .agent
            .configure_request(request)
            .timeout_global(Some(remaining))
            .timeout_resolve(Some(connect))
            .timeout_connect(Some(connect));
        if call.creates_task {
            request = request.max_idle_age(CREATION_MAX_IDLE);
        }
        let request = request.build();
        self.agent.run(request)
    }

    /// One attempt, with `remaining` of the call's `budget` left.
    pub(crate) fn exchange(
        &self,
        call: &Call<'_>,
        remaining: Duration,
        budget: Duration,
    ) -> Result<Reply, Error> {
        let settings = self.settings;
        let url = call.url(settings);
        let what = Exchange {
            method: call.method.as_str(),
            path: call.path,
            url: &url,
            budget,
            limit: settings.max_response_bytes,
        };
        if remaining.is_zero() {
            return Err(what.out_of_time());
        }
        // Resolving and connecting each end within half of the attempt's time, so together
        // they end before it: a connection that runs out of time says so (nothing was sent)
        // instead of ending as an overall timeout, which would leave a task's fate unknown.
        let connect = settings
            .connect_timeout
            .min(remaining.saturating_sub(Duration::from_millis(2)) / 2);

        let mut request = http::Request::builder()
            .method(match call.method {
                Method::Get => http::Method::GET,
                Method::Post => http::Method::POST,
            })
            .uri(&url);
        for (name, value) in call.headers() {
            request = request.header(name, value);
        }
        if let Some((name, value)) = self.credentials(call)? {
            request = request.header(name, value);
        }
        let sent = match call.body() {
            None => request
                .body(())
                .map_err(ureq::Error::from)
                .and_then(|r| self.send(r, call, remaining, connect)),
            Some(body) => request
                .body(body)
                .map_err(ureq::Error::from)
                .and_then(|r| self.send(r, call, remaining, connect)),
        };
        let mut response = sent.map_err(|e| {
            let reached = may_have_reached_server(&e);
            what.transport_error(e).with_sent(reached)
        })?;

        let status = response.status().as_u16();
        let headers = response.headers();
        let secret = self.secret();
        // Every text a server sends goes through the same redaction, whatever the status.
        let mut meta = Meta::from_headers(headers.iter().map(|(k, v)| (k.as_str(), v.as_bytes())));
        if let Some(key) = self.key {
            scrub_meta_with(&mut meta, key.redaction());
        }
        let encoding = unrequested_encoding(headers, secret);
        if (200..300).contains(&status) {
            // Sized from Content-Length up front: a doubling buffer would hold two copies of
            // a large page while it grows. A claimed length that cannot be reserved (a lying
            // server) is not an abort: the buffer then grows as bytes really arrive.
            let limit = settings.max_response_bytes;
            let expected = response.body().content_length().unwrap_or(0).min(limit);
            let reader = response.body_mut().with_config().limit(limit).reader();
            let mut body = match read_wiped(reader, expected) {
                Ok(body) => body,
                Err(e) => {
                    let e = ureq::Error::from(e);
                    return Err(what.transport_error(e).with_meta(meta).with_sent(true));
                }
            };
            // A success body is scrubbed too, before anything decodes it: a server echoing
            // the key in a task's fields, an unknown field or a page cannot hand it back.
            if let Some(Cow::Owned(clean)) = self.key.map(|k| k.redaction().apply(&body)) {
                body = Zeroizing::new(clean);
            }
            return Ok(Reply {
                status,
                meta,
                body,
                encoding,
            });
        }
        // The key is removed from what the server said before anything is parsed or cut
        // short, so not even a fragment of it can end up in the error.
        let location = headers
            .get("location")
            .and_then(|v| v.to_str().ok())
            .map(|l| String::from_utf8_lossy(&redact(l.as_bytes(), secret)).into_owned());
        // An error body is read only as far as a JSON error could reach; if it is cut, the
        // status alone still makes a useful error. Like every buffer this crate reads an
        // answer into, it is wiped when dropped: an echoed key leaves no copy of ours behind.
        let expected = response.body().content_length().unwrap_or(0);
        let reader = response
            .body_mut()
            .with_config()
            .limit(MAX_ERROR_BODY_BYTES)
            .reader();
        let body = read_wiped(reader, expected.min(MAX_ERROR_BODY_BYTES)).unwrap_or_default();
        // A body in an encoding nobody asked for is not read as JSON (or quoted as bytes).
        let body = if encoding.is_some() {
            Zeroizing::default()
        } else {
            body
        };
        let mut err = Error::from_response(
            call.service,
            status,
            location.as_deref(),
            meta,
            &Zeroizing::new(redact(&body, secret).into_owned()),
            secret,
        );
        if let Some(encoding) = &encoding {
            err.push_detail(&format!(" with a {}", encoding_note(encoding)));
        }
        Err(err)
    }
}

/// The `Content-Encoding` of an answer, when it is one the client did not ask for (it asks
/// for none): `gzip`, `br`, `deflate`…, cleaned for quoting.
fn unrequested_encoding(headers: &http::HeaderMap, secret: Option<&str>) -> Option<String> {
    let value = headers.get("content-encoding")?;
    let text = String::from_utf8_lossy(&redact(value.as_bytes(), secret)).into_owned();
    let text = sanitize(&text, 40);
    (!text.is_empty() && !text.eq_ignore_ascii_case("identity")).then_some(text)
}

/// How an answer's unrequested encoding is described: `gzip-encoded body (Content-Encoding:
/// gzip), which the client did not ask for and does not decode`.
fn encoding_note(encoding: &str) -> String {
    format!(
        "{encoding}-encoded body (Content-Encoding: {encoding}), which the client did not ask \
         for and does not decode"
    )
}

/// Reads `reader` to its end into a buffer wiped when dropped, first sized for `expected`
/// bytes. It grows by moving into a larger wiped buffer, so no unwiped copy is left behind.
///
/// The bytes are read straight into the buffer's own (zero-filled) room: a wiped bounce
/// buffer would cost a volatile wipe of its whole size on every answer.
fn read_wiped(mut reader: impl Read, expected: u64) -> std::io::Result<Zeroizing<Vec<u8>>> {
    // One byte more than announced, so that reading the end needs no larger buffer.
    let first = usize::try_from(expected)
        .unwrap_or(0)
        .saturating_add(1)
        .max(1 << 10);
    let mut body = Zeroizing::new(Vec::new());
    if body.try_reserve_exact(first).is_err() {
        // A claimed length that cannot be reserved (a lying server) is not an abort: the
        // buffer grows as bytes really arrive.
        body.reserve_exact(1 << 10);
    }
    let mut len = 0;
    loop {
        if len == body.capacity() {
            let mut bigger = Zeroizing::new(Vec::new());
            bigger
                .try_reserve_exact((len * 2).max(16 << 10))
                .map_err(|_| std::io::Error::from(std::io::ErrorKind::OutOfMemory))?;
            bigger.extend_from_slice(&body[..len]);
            body = bigger;
        }
        let room = body.capacity();
        body.resize(room, 0);
        match reader.read(&mut body[len..]) {
            Ok(0) => break,
            Ok(n) => len += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    body.truncate(len);
    Ok(body)
}

/// The error for a 2xx answer that could not be decoded; `secret` is removed from the
/// quoted snippet before it is cut short.
pub(crate) fn decode_error(
    what: &str,
    reply: &Reply,
    e: serde_json::Error,
    secret: Option<&str>,
) -> Error {
    let snippet = || sanitize(&head_text(&reply.body, secret), 120);
    let detail = if let Some(encoding) = &reply.encoding {
        format!("the answer to {what} is a {}", encoding_note(encoding))
    } else if serde_json::from_slice::<serde_json::Value>(&reply.body).is_ok() {
        format!(
            "the answer to {what} is JSON but not the documented shape ({e}): \"{}\"",
            snippet()
        )
    } else {
        let snippet = snippet();
        if snippet.is_empty() {
            format!("the answer to {what} is empty, not JSON")
        } else {
            format!("the answer to {what} is not JSON: \"{snippet}\"")
        }
    };
    // FourA answered (2xx), so it acted: a task it was asked to create may exist.
    Error::new(ErrorKind::Decode, detail)
        .with_meta(reply.meta.clone())
        .with_status(reply.status)
        .with_sent(true)
        .with_source(e)
}
