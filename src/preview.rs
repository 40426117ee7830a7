//! Dry runs: a request as the client would send it ([`Preview`], from the same [`Call`] the
//! funnel sends), and that request as a `curl` command.

use std::fmt;

use crate::call::Call;
use crate::client::Client;
use crate::engines::{AutoRequest, BrowserRequest, ProxyRequest, SingleRequest};
use crate::error::Error;
use crate::tasks::TaskRequest;

/// A request [`Client::preview`] can show: every request a batch sends ([`TaskRequest`],
/// [`SingleRequest`], [`ProxyRequest`], [`BrowserRequest`], [`AutoRequest`]).
///
/// This trait is sealed: it is implemented by this crate's requests only.
pub trait Previewable: sealed::Sealed {}

mod sealed {
    use super::{Client, Error, Preview};

    pub trait Sealed {
        /// The request as `client` would send it.
        fn preview_with(&self, client: &Client) -> Result<Preview, Error>;
    }
}

/// The requests whose call does not depend on the client.
macro_rules! previewable {
    ($($request:ty),*) => {$(
        impl Previewable for $request {}
        impl sealed::Sealed for $request {
            fn preview_with(&self, client: &Client) -> Result<Preview, Error> {
                Preview::of(client, &self.to_call()?)
            }
        }
    )*};
}

previewable!(TaskRequest, SingleRequest, ProxyRequest, BrowserRequest);

impl Previewable for AutoRequest {}
impl sealed::Sealed for AutoRequest {
    fn preview_with(&self, client: &Client) -> Result<Preview, Error> {
        // The auto engine's path is a client setting.
        Preview::of(client, &self.to_call(client)?)
    }
}

/// What the key is shown as: a reference to the environment variable a shell expands.
const KEY_MARKER: &str = concat!("$", "FOURA_API_KEY");

/// A request exactly as the client would send it, without sending it: the method, the full
/// URL, the headers (the key replaced by `$FOURA_API_KEY`) and the body bytes. Made by
/// [`Client::preview`]; [`Preview::to_curl`] turns it into a shell command.
///
/// Its `Debug` shows all of that, the body as text; it never holds the key.
///
/// ```
/// use foura::{ApiKey, Client, TaskRequest, TaskType};
///
/// let client = Client::new(ApiKey::new("fk_live_a1b2c3d4e5f6")?);
/// let preview = client.preview(&TaskRequest::new("https://example.com", TaskType::Single))?;
/// assert_eq!(preview.method(), "POST");
/// assert_eq!(preview.url(), "https://eu.api.foura.ai/api/v1/tasks");
/// assert_eq!(preview.header("authorization"), Some("Bearer $FOURA_API_KEY"));
/// assert_eq!(preview.body(), br#"{"url":"https://example.com","type":"single"}"#);
/// # Ok::<(), foura::Error>(())
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct Preview {
    method: &'static str,
    url: String,
    /// In the order they are listed; names as they go on the wire (lower case).
    headers: Vec<(String, String)>,
    /// Which header carries the key (its value holds [`KEY_MARKER`]).
    credential: Option<usize>,
    body: Vec<u8>,
}

impl Preview {
    /// `call` as `client` would send it, after the checks sending it makes.
    fn of(client: &Client, call: &Call<'_>) -> Result<Preview, Error> {
        call.check()?;
        let line = client.line();
        // The agent sends the settings' user agent on every request (`Settings::agent`).
        let mut headers = vec![("user-agent".to_owned(), line.settings.user_agent.clone())];
        headers.extend(
            call.headers()
                .map(|(name, value)| (name.to_owned(), value.to_owned())),
        );
        let mut credential = None;
        if let Some((name, prefix)) = call.credential_header() {
            line.key()?;
            credential = Some(headers.len());
            headers.push((name.to_owned(), format!("{prefix}{KEY_MARKER}")));
        }
        Ok(Preview {
            method: call.method.as_str(),
            url: call.url(line.settings),
            headers,
            credential,
            body: call.body().unwrap_or_default().to_vec(),
        })
    }

    /// `GET` or `POST`.
    pub fn method(&self) -> &str {
        self.method
    }

    /// The full URL, e.g. `https://eu.api.foura.ai/api/v1/tasks`.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The headers the client sets, as `(name, value)` pairs with lower-case names: the user
    /// agent, `accept`, `content-type` (with a body) and the credential header, whose value
    /// shows `$FOURA_API_KEY` where the key goes (`authorization: Bearer $FOURA_API_KEY` for
    /// the tasks API, `x-api-key: $FOURA_API_KEY` for the engines). The HTTP library adds
    /// `host` and `content-length`.
    pub fn headers(&self) -> &[(String, String)] {
        &self.headers
    }

    /// The value of header `name` (any case), if the client sets it.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The body bytes, exactly as sent (compact JSON); empty for a request without a body.
    pub fn body(&self) -> &[u8] {
        &self.body
    }

    /// A `curl` command that sends exactly this request, safe to paste into any POSIX shell:
    /// every argument is single-quoted (a `'` written as `'\''`), so no byte in the URL, a
    /// header or the body is expanded; only the key is a double-quoted `"$FOURA_API_KEY"`,
    /// which the shell expands from the environment. The key itself is never in it.
    ///
    /// `--globoff` keeps curl from reading `[`, `]`, `{` and `}` in the URL as patterns, an
    /// empty `Expect:` keeps it from adding `Expect: 100-continue` to a large body, and the
    /// body is sent with `--data-binary`, byte for byte.
    ///
    /// ```
    /// use foura::{ApiKey, Client, SingleRequest};
    ///
    /// let client = Client::new(ApiKey::new("pk_live_a1b2c3d4e5f6")?);
    /// let curl = client.preview(&SingleRequest::get("https://example.com/it's"))?.to_curl();
    /// assert!(curl.starts_with("curl --globoff 'https://eu.api.foura.ai/api/single/'"));
    /// assert!(curl.contains(r#" -H "x-api-key: $FOURA_API_KEY""#));
    /// assert!(curl.ends_with(r#""url":"https://example.com/it'\''s"}'"#));
    /// # Ok::<(), foura::Error>(())
    /// ```
    pub fn to_curl(&self) -> String {
        let mut out = format!("curl --globoff {}", quote(&self.url));
        let implied = if self.body.is_empty() { "GET" } else { "POST" };
        if self.method != implied {
            out.push_str(&format!(" --request {}", quote(self.method)));
        }
        for (i, (name, value)) in self.headers.iter().enumerate() {
            if Some(i) == self.credential {
                // Names and prefixes are plain ASCII words: nothing in them is special
                // inside double quotes but the `$` that is meant to expand.
                out.push_str(&format!(" -H \"{name}: {value}\""));
            } else {
                out.push_str(&format!(" -H {}", quote(&format!("{name}: {value}"))));
            }
        }
        if !self.body.is_empty() {
            out.push_str(" -H 'expect:'");
            // A body that began with `@` would name a file to --data-binary; --data-raw
            // sends it as it is (a JSON body never does).
            let flag = if self.body.starts_with(b"@") {
                "--data-raw"
            } else {
                "--data-binary"
            };
            let body = String::from_utf8_lossy(&self.body);
            out.push_str(&format!(" {flag} {}", quote(&body)));
        }
        out
    }
}

/// `s` as one single-quoted shell word: inside single quotes every byte is literal, so only
/// `'` itself needs writing as `'\''` (close, escaped quote, reopen).
fn quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', r"'\''"))
}

impl fmt::Debug for Preview {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Preview")
            .field("method", &self.method)
            .field("url", &self.url)
            .field("headers", &self.headers)
            .field("body", &String::from_utf8_lossy(&self.body))
            .finish()
    }
}

impl Client {
    /// A dry run: `request` checked exactly as sending it would check it, and returned as it
    /// would go on the wire ([`Preview`]: method, full URL, headers, body) — nothing is sent.
    /// [`Preview::to_curl`] prints it as a `curl` command to run by hand.
    ///
    /// The preview is built from the same description of the call the client sends, so the
    /// two cannot differ; the key is shown as `$FOURA_API_KEY`, never as itself.
    ///
    /// ```
    /// use foura::{ApiKey, Client, TaskRequest, TaskType};
    ///
    /// let client = Client::new(ApiKey::new("fk_live_a1b2c3d4e5f6")?);
    /// let request = TaskRequest::new("https://example.com", TaskType::Browser).wait_for("#main");
    /// println!("{}", client.preview(&request)?.to_curl());
    /// # Ok::<(), foura::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// What sending would fail with before anything is sent:
    /// [`ErrorKind::InvalidRequest`](crate::ErrorKind::InvalidRequest) naming the field.
    pub fn preview<R: Previewable + ?Sized>(&self, request: &R) -> Result<Preview, Error> {
        request.preview_with(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::key::API_KEY_ENV;

    #[test]
    fn marker_is_the_key_variable() {
        assert_eq!(KEY_MARKER, format!("${API_KEY_ENV}"));
    }

    #[test]
    fn quoting_leaves_nothing_for_the_shell() {
        assert_eq!(quote("a b"), "'a b'");
        assert_eq!(quote("it's"), r"'it'\''s'");
        assert_eq!(quote("$HOME `x` \\ \n"), "'$HOME `x` \\ \n'");
    }
}
