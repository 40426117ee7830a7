//! The client's defaults and limits, each documented where it is set as well
//! ([`ClientBuilder`](crate::ClientBuilder)'s setters, [`Batch`](crate::Batch)'s).

use std::time::Duration;

/// FourA's documented API host (<https://foura.ai/docs/api/endpoints>).
pub const DEFAULT_BASE_URL: &str = "https://eu.api.foura.ai";
/// The environment variable [`Client::from_env`](crate::Client::from_env) reads an
/// alternative base URL from.
pub const BASE_URL_ENV: &str = "FOURA_API_BASE";
/// Default connect timeout: DNS, TCP, proxy and TLS handshake together.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// FourA's own default for a task's server-side work (`timeout`: 30 000 ms,
/// <https://foura.ai/docs/api/endpoints>).
pub const DEFAULT_TASK_TIMEOUT: Duration = Duration::from_secs(30);
/// What the client waits beyond a request's server-side timeout for the answer to arrive.
pub const TIMEOUT_MARGIN: Duration = Duration::from_secs(15);
/// Default cap on a response body: 64 MiB (pages with inline screenshots pass ureq's 10 MiB).
pub const DEFAULT_MAX_RESPONSE_BYTES: u64 = 64 << 20;
/// Default number of retries after the first attempt.
pub const DEFAULT_MAX_RETRIES: u32 = 2;
/// Default longest wait the client sleeps between attempts (longer requests fail at once).
pub const DEFAULT_MAX_RETRY_WAIT: Duration = Duration::from_secs(60);
/// Backoff before the first retry (doubling each time, with full jitter).
pub const BACKOFF_BASE: Duration = Duration::from_millis(500);
/// The longest backoff between attempts.
pub const BACKOFF_CAP: Duration = Duration::from_secs(30);
/// The shortest pause between attempts, even when FourA asks for none.
pub const MIN_RETRY_WAIT: Duration = Duration::from_millis(100);
/// How long an idle pooled connection is kept for reuse: 15 s, a quarter of the 60 s after
/// which common load balancers close idle connections (AWS's Application Load Balancer's
/// default idle timeout), so the client closes its idle connections long before a server
/// does and never races that close.
pub const POOL_IDLE_AGE: Duration = Duration::from_secs(15);
/// The longest a pooled connection may have been idle to carry a task creation: 2 s, under the
/// shortest keep-alive timeouts servers commonly use (5 s: Node.js's `keepAliveTimeout`,
/// Apache's `KeepAliveTimeout`). A creation sent on a connection the server is closing could
/// only end "maybe created", so after a quiet spell a creation opens a fresh connection.
pub const CREATION_MAX_IDLE: Duration = Duration::from_secs(2);
/// Default number of idle connections kept for reuse.
pub const DEFAULT_POOL_SIZE: usize = 16;
/// The auto engine's default path: FourA's own client calls `/api/auto` without a slash
/// (`fouradata/mcp` `src/tools/auto.ts`), while its docs write `/api/auto/`
/// (<https://foura.ai/docs/guides/smart-fetch>).
pub const DEFAULT_AUTO_PATH: &str = "/api/auto";
/// The highest concurrency a batch accepts (one thread each).
pub const MAX_CONCURRENCY: usize = 256;
/// Where FourA's status API lives (<https://foura.ai/docs/updates-portal/api>).
pub const DEFAULT_STATUS_BASE_URL: &str = "https://updates.foura.ai";
