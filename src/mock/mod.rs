//! A FourA emulator on loopback, for testing code that uses this crate without a key or a
//! network (feature `mock`).
//!
//! [`MockServer::start`] runs a real HTTP/1.1 server with keep-alive on `127.0.0.1`, on a port
//! of its own, in background threads; dropping the server stops it. It behaves like both of
//! FourA's APIs as documented — the tasks API (Bearer keys, nested errors, completed tasks kept
//! for listing) and the engine API (`X-API-Key`, flat errors, a deterministic virtual web) —
//! sends `X-Foura-Request-Id` on every response, and records every request it receives, so
//! tests can assert on the wire as well as on results. Scripted [`Fault`]s make the next
//! requests fail in the ways real networks and servers do; [`Refusal`]s and the account
//! switches make the engine API say no the ways FourA's gateway does.
//!
//! ```
//! use foura::mock::{Fault, MockServer};
//! use foura::{ErrorKind, TaskType};
//!
//! let server = MockServer::start();
//! let client = server.client(); // a Client for server.url() with MockServer::TEST_KEY
//!
//! let task = client.submit("https://example.com", TaskType::Single)?;
//! assert_eq!(task.status, foura::TaskStatus::Completed);
//! assert_eq!(server.last_request().unwrap().path, "/api/v1/tasks");
//!
//! server.push_fault(Fault::status(429, r#"{"error":{"code":"RATE_LIMIT_EXCEEDED","message":"Rate limit exceeded. Retry after 30 seconds.","status":429,"retryAfter":30}}"#));
//! let err = client.submit("https://example.com", TaskType::Single).unwrap_err();
//! assert_eq!(err.kind(), ErrorKind::RateLimited);
//! # Ok::<(), foura::Error>(())
//! ```
//!
//! The emulator reads requests with its own parser and JSON values — never this crate's
//! request or response types — so a serialisation bug in the client is caught, not mirrored.
//! It is stricter than FourA is known to be: it refuses unknown fields, so a client that
//! sends anything undocumented fails its tests.
//!
//! # Routes
//!
//! | Route | Auth | Answers |
//! |---|---|---|
//! | `POST`, `GET /api/v1/tasks` | `Authorization: Bearer <key>` | the tasks API (<https://foura.ai/docs/api/endpoints>) |
//! | `POST /api/single/` | `X-API-Key: <key>` | one HTTP fetch (<https://foura.ai/docs/api/endpoints>) |
//! | `POST /api/proxy/` | `X-API-Key` | the fetch through rotating exits (`fouradata/mcp` `src/tools/proxy.ts`) |
//! | `POST /api/browser/` | `X-API-Key` | a browser session (`fouradata/mcp` `src/tools/browser.ts`) |
//! | `POST /api/auto`, `POST /api/auto/` | `X-API-Key` | the engine ladder (<https://foura.ai/docs/guides/smart-fetch>); both spellings |
//! | `GET /api/profiles` | none | the browser-profile catalogue (`fouradata/mcp` `src/tools/single.ts`) |
//! | `GET /api/v1/status` | none | the updates portal's status API, all operational (<https://foura.ai/docs/updates-portal/api>) |
//! | `GET /inspect` | none | the caller's IP (`127.0.0.1`) and whether a proxy is seen: none, unless the request carries `Via`, `Forwarded`, `X-Forwarded-For` or `X-Real-IP` (<https://foura.ai/docs/api/inspect>) |
//!
//! Anything else is `404`; a known path with the wrong method is `405` with `Allow`.
//!
//! # The engine API
//!
//! **Keys.** [`MockServer::ENGINE_KEY`] and [`MockServer::TEST_KEY`] (every active key) work;
//! the key goes in `X-API-Key`, exactly. No header (a Bearer header does not count) is
//! `401 {"error":"Missing API key. Include X-API-Key header."}`; an unknown or disabled key, or
//! one with whitespace inside it, is `401 {"error":"Invalid API key"}`. Spaces and tabs around a
//! header value are not part of it in HTTP (RFC 9110 §5.5), so no server can see those.
//!
//! **Requests.** Bodies must be `Content-Type: application/json` objects with only the
//! documented fields, of the documented types and within the documented ranges (`timeout_ms`
//! 0–120000, auto's 5000–180000; `maxTries` 1–90; proxy `timeout_ms` 1–120000;
//! `followRedirects` 0–20; `dns_cache_timeout_sec` 0–240; `exitCountries` non-empty, each
//! `^[A-Z]{2}$`; `exitClass` `standard`/`premium`; headers as `[name, value]` pairs, or a map
//! of strings on browser; `url` an absolute `http(s)` URL). Anything else is
//! `400 {"error":"Invalid request body format","detail":"…"}`, where `detail` (the emulator's
//! own) says what was wrong. A target whose host is a private, loopback or reserved IP literal
//! (or `localhost`) is `400 {"error":"Target <ip> resolves to a private/reserved IP"}`. Every
//! `{ts}` in `url` becomes the current Unix time before anything else looks at it.
//!
//! **Answers.** Successes and engine failures are transport `200` (failures with an `error`
//! string, <https://foura.ai/docs/api/errors>), `Content-Type: application/json`, with `X-FourA-Credits` — single `2`, proxy
//! `4`, browser `5`, auto the sum of its rungs (`meta.credits`) — and, on success only, `X-FourA-Exit-Class`
//! when an exit class applies (proxy or auto asked for one, or single or browser replayed a
//! premium exit id: the emulator's premium ids start with `P`, its standard ones never do). The
//! body names the class (`exitClass`) on proxy alone, as `fouradata/mcp` `src/upstream.ts`
//! documents it; every other engine reports it in the header only. Gateway
//! answers (`4xx`, refusals) carry no credits. Body shapes:
//!
//! - single: `status`, `headers` (one object per redirect hop with `result`, as in
//!   `fouradata/mcp` `tests/helpers/fixtures/*.json`; every
//!   ordinary page sets two cookies, so `set-cookie` is a list), `data`, `total_time` (a number
//!   in seconds), `defense` on a bot check; `returnBuffer` gives `data` as
//!   `{"type":"Buffer","data":[…]}`, `tryJsonData` a parsed value when the body is JSON.
//! - proxy: the same from the winning attempt, but `total_time` is a numeric **string**
//!   (`"0.341"`, as in `fouradata/mcp` `tests/helpers/fixtures/*.json`), plus `proxy` (a six-character base36 id), `total` (seconds),
//!   `exitCountry` (the first of `exitCountries`) and `exitClass` when asked for.
//!   `ignoreProxies` is honoured. Rotation stops at `maxTries` or when the attempts have used
//!   up `timeout_ms`; a failed rotation is `{"error":"Download maxTry limit reached","request":…,
//!   "total":…,"attemptReport":{…}}` with the request echoed (`{ts}` resolved, `timeout_ms` and
//!   `maxTries` filled in).
//! - browser: `status`, `userAgent`, flat `headers`, `cookies` (CDP objects: the request's
//!   `cookies` for that host, then the page's), `body` (an object for a JSON page). A
//!   `checkStatus` or `checkText` mismatch is `{"error":…,"status":<actual>}`.
//! - auto: `status`, `headers`, `data` (no `total_time`), `meta` {`rung`, `solved`,
//!   `attempts`, `credits`}, `session` {`proxy`?, `cookies`, `userAgent`} unless
//!   `returnSession:false`. The ladder is proxy → browser with
//!   `forceProxy` (the default), probe → proxy → browser → browser through a proxy without it;
//!   a rung delivers when its answer passes `validate`, or, without `validate`, when it is not a
//!   bot check. The browser rung's `headers` is the browser's flat object (as
//!   `fouradata/mcp` `src/tools/auto.ts` allows), and the
//!   probe has no `session.proxy`. When no rung delivers: `{"error":…,"status":<last target
//!   status>,"attempts":n,"meta":{"rung":"fail",…}}`.
//!
//! `validate` (`fouradata/mcp` `src/tools/single.ts`) is applied by single (a broken rule adds `error` to the envelope), proxy
//! (the attempt fails and is counted in `attemptReport`) and auto (the rung fails): all
//! `status.accept` / none of `status.fail`; one `headers.accept` pair / no `headers.fail` pair,
//! as case-insensitive substrings on any hop; every `data.accept` / no `data.fail` substring,
//! case-sensitive. Without `validate`, any target status is delivered as a success.
//!
//! Profile selection (`fouradata/mcp` `src/tools/single.ts`) on single and proxy checks `profile`/`browser`/`os`/`version`
//! against the catalogue; no match, or `unblocker:false`, is the documented `status: 0` error.
//!
//! # The virtual web
//!
//! Engines fetch from a deterministic virtual web instead of the internet, so every documented
//! shape can be asked for by URL. Special hosts use the reserved `.test` and `.invalid` TLDs.
//!
//! | URL | The target | single | proxy | browser | auto |
//! |---|---|---|---|---|---|
//! | any other `http(s)` URL | `200`, a small HTML page naming the URL, the method and the engine; two cookies | success | success, first exit | success | success on the first rung |
//! | host `example.com`, `example.net`, `example.org` (and `www.` of each) | as any other URL, but the page's title is `Example Domain`, as the real one's is | success | success | success | success |
//! | path `/products`, `/product/<id>` or `/cart` | `200`, a shop page: a `.product-list` with an `Add to cart` button | success | success | success | success |
//! | path `/status/<code>` (200–599) | answers `<code>` | success with that `status`, no `error` | the same | the same | the same |
//! | path `/json` | `200`, a JSON document | `data` a string, or an object with `tryJsonData` | the same | `body` an object | `data` a string (an object on the browser rung) |
//! | path `/redirect` | `301` to `/redirected`, then `200` | two hops with `followRedirects` ≥ 1, else the `301` alone | the same | the final page | two hops (auto follows 5 by default) |
//! | host `timeout.test` | never answers | `{"status":0,"headers":[],"data":"","total_time":0,"error":"Operation timed out after <timeout_ms> milliseconds with 0 bytes received"}` | every attempt `noResponse`, each using the inner `timeout_ms` (15000) of the overall budget | `{"error":"Navigation timeout of <timeout_ms> ms exceeded","status":0}` (30000) | fails, `status: 0` |
//! | host `*.invalid` | does not resolve | `{"status":0,"headers":[],"data":"","total_time":null,"error":"Couldn't resolve host name"}` | every attempt `noResponse` | `{"error":"net::ERR_NAME_NOT_RESOLVED at <url>","status":0}` | fails, `status: 0` |
//! | host `failed.test` | breaks the connection | `{"error":"Download failed","status":0}` | every attempt `other` | `{"error":"net::ERR_CONNECTION_RESET at <url>","status":0}` | fails, `status: 0` |
//! | host `blocked.test` | `403` challenge page (`server: cloudflare`, "captcha") | success, `status: 403`, `defense: {"solved":false,"vendor":"cloudflare"}` | every attempt `defense` → `Download maxTry limit reached` | success, `status: 403`, the challenge page | fails after every rung, `status: 403` |
//! | host `challenge.test` | like `blocked.test`, but a browser with `unblocker` (default) solves it | as `blocked.test` | as `blocked.test` | `200`, the real page | delivered by the browser rung, `solved: true` |
//! | host `nested.test` | an ordinary site | success | success **nested**: `{"data":{"status","headers","data"},"total_time","proxy",…,"total"}` | success | success |
//! | host `cached.test` | an ordinary site | success | success | success | `rung: "cache"`, 1 attempt, 2 credits |
//! | proxy `exitCountries` containing `"ZZ"` | — | — | `{"error":"No eligible proxy matches the requested exit countries","request":…,"total":0,"code":"no_eligible_proxy","details":{"exitCountries":[…]}}` | — | — |
//!
//! # Account state
//!
//! [`MockServer::refuse_next`] queues [`Refusal`]s (rate limit, a key's own rate limit, capacity,
//! maintenance in both of its shapes, backend down, plan limits) for the next engine calls; [`MockServer::set_service_enabled`]
//! switches an engine off; [`MockServer::set_premium_allowed`] takes premium exits off the
//! plan. A [`Fault`] still overrides everything, on every path.
//!
//! # Faults and load
//!
//! [`Fault`]s script the network and server failures a client must survive: any status and
//! body, malformed JSON, a delay, a stall, a body withheld, dribbled or cut off mid-answer,
//! oversized headers, a redirect, a dropped connection. [`MockServer::push_fault`] queues them
//! for the next requests; [`MockServer::random_faults`] injects them at random (seeded, so a
//! failure can be replayed) for load tests. [`MockServer::fault_counts`] tells which faults
//! answered how many requests, and [`MockServer::in_flight`] /
//! [`MockServer::peak_in_flight`] how many requests were being handled at once.

mod accounts;
mod connection;
mod engines;
mod fault;
mod http;
mod limits;
mod public;
mod server;
mod tasks;
mod web;

pub use accounts::{Engine, Refusal};
pub use fault::Fault;
pub use http::ReceivedRequest;
pub use server::MockServer;
