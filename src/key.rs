//! The API key holder: the only place outside the request funnel that touches the secret.

use std::fmt;
use std::fs::File;
use std::io::{self, Read};
use std::path::Path;

use std::sync::OnceLock;

use zeroize::Zeroizing;

use crate::error::{Error, ErrorKind};

/// The environment variable FourA's documentation tells users to keep the key in.
pub const API_KEY_ENV: &str = "FOURA_API_KEY";

/// The environment variable naming a file that holds the key (a Docker or Kubernetes secret,
/// e.g. `/run/secrets/foura`), read when [`API_KEY_ENV`] is not set.
pub const API_KEY_FILE_ENV: &str = "FOURA_API_KEY_FILE";

/// The largest key file [`ApiKey::from_file`] reads: 64 KiB, far more than any key.
const MAX_KEY_FILE_BYTES: usize = 64 << 10;

/// Where a FourA account's keys are found, quoted in every "no key" error.
const WHERE_KEYS_LIVE: &str = "copy your key from the FourA Dashboard (Settings → API Access) \
     and export FOURA_API_KEY, or put it in a file and export FOURA_API_KEY_FILE=<path>";

/// A FourA API key, wiped from memory when dropped.
///
/// The key is kept in a [`zeroize::Zeroizing<String>`], so the bytes this value owns are
/// overwritten with zeros when it is dropped. It has no `Display`, no `Serialize`, no `Clone`
/// and no `Deref<Target = str>`; its `Debug` shows only the key's prefix (`fk_live_`,
/// `pk_live_`, …). Reading the secret takes an explicitly named method,
/// [`expose_secret`](ApiKey::expose_secret).
///
/// # Validation
///
/// [`ApiKey::new`] trims surrounding whitespace, because FourA's documentation names extra
/// whitespace as a cause of `401 Unauthorized`. It then refuses, with
/// [`ErrorKind::InvalidKey`], a key that is empty or that contains inner whitespace, control
/// characters or non-ASCII characters: such a key cannot be valid, and would otherwise fail
/// only at the server (or inside the HTTP library, which could echo it). Any prefix is
/// accepted: `fk_live_` keys for the tasks API, `pk_live_` keys for the engine API, and
/// whatever test keys FourA issues.
///
/// ```
/// use foura::ApiKey;
///
/// let key = ApiKey::new(" fk_live_a1b2c3d4e5f6 \n")?;
/// assert_eq!(key.expose_secret(), "fk_live_a1b2c3d4e5f6");
/// assert_eq!(format!("{key:?}"), "ApiKey(\"fk_live_…\")");
/// assert!(ApiKey::new("fk_live_a1 b2").is_err());
/// # Ok::<(), foura::Error>(())
/// ```
///
/// # What is wiped, and what is not
///
/// Wiping is best effort, as it is for every Rust program that uses `zeroize`:
///
/// - **Wiped:** the key this value holds (its whole allocation, when it is dropped); the
///   `String` handed to [`ApiKey::new`] (it is taken by value and wiped once trimmed); the
///   value read by [`ApiKey::from_env`]; the buffer [`ApiKey::from_file`] reads the file into;
///   and the `Bearer <key>` header value, which the client
///   builds in an exactly pre-sized `Zeroizing<String>` for each request and wipes after it.
/// - **Not wiped, because this crate never owns them:** the copy the `http` crate makes when
///   the header value is handed to ureq (`HeaderValue` stores its own `Bytes`, freed unwiped
///   after the request); the copy ureq writes into a connection's output buffer (reused for
///   the life of the pooled connection, not wiped when it closes); TLS and kernel socket
///   buffers; a `&str` you passed in (it is still yours); and the process environment, if the
///   key came from `FOURA_API_KEY`, or the kernel's page cache and the file itself, if it came
///   from a file.
/// - **An answer that echoes the key:** the buffers this crate reads an answer into (the
///   body, its redacted copy) and the texts it replaces while removing the key are wiped
///   before they are freed. Still outside its reach: ureq's connection buffers (which hold
///   the answer as it arrived), the `HeaderValue` copies of the answer's headers, and the
///   strings `serde_json` decodes, which only ever see the body once the key is redacted.
/// - **Redaction** finds the key verbatim, written with JSON `\u00XX` escapes or `%XX`
///   percent-encoding, and base64-encoded (either alphabet, padded or not, alone, after
///   `Bearer ` or inside longer encoded text), and any run of 10 or more of its characters in
///   any letter case (a key a server cut short or stripped of its prefix). A key split across
///   two fields into shorter pieces, or encoded any other way, is beyond recognising.
/// - Never enable `TRACE` logging for `ureq` or `ureq_proto`: it hex-dumps the wire,
///   including the key.
///
/// The crate's test `tests/key_wipe.rs` checks this with an allocator that inspects every
/// freed block: building, formatting and dropping keys and clients frees no block holding the
/// key, and after three task submissions and three engine calls (one connection each) the
/// only freed blocks holding it are the six `HeaderValue` copies (55 bytes for
/// `Bearer <48-character key>`, 48 for `X-API-Key`) and one 128 KiB ureq output buffer per
/// connection. After a 401 whose body and two headers echo the key, the only ones are the
/// request's `HeaderValue`, the two response `HeaderValue`s and ureq's two connection buffers.
pub struct ApiKey {
    secret: Zeroizing<String>,
    /// The forms the key is searched for in what servers send back (escaped, percent- and
    /// base64-encoded), built on first use and wiped with the key.
    forms: OnceLock<crate::redact::Redaction>,
}

impl ApiKey {
    /// Wraps a key, trimming surrounding whitespace.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::InvalidKey`] when the trimmed key is empty, or contains whitespace, a
    /// control character or a non-ASCII character. The message says which, and at what
    /// position; it never contains the key.
    pub fn new(key: impl Into<String>) -> Result<Self, Error> {
        // Take ownership at once so the caller's String is wiped when we are done with it.
        let raw = Zeroizing::new(key.into());
        Self::from_trimmed(raw.trim())
    }

    /// Checks a trimmed key and copies it into an exactly sized, wiped buffer.
    fn from_trimmed(trimmed: &str) -> Result<Self, Error> {
        if trimmed.is_empty() {
            return Err(Error::new(
                ErrorKind::InvalidKey,
                "the API key is empty".to_owned(),
            ));
        }
        if let Some((at, c)) = trimmed.char_indices().find(|(_, c)| !c.is_ascii_graphic()) {
            let what = if c.is_whitespace() {
                "whitespace"
            } else if c.is_control() {
                "a control character"
            } else {
                "a non-ASCII character"
            };
            return Err(Error::new(
                ErrorKind::InvalidKey,
                format!(
                    "the API key contains {what} at byte {at}; a FourA key is one word of \
                     printable ASCII (check that it was copied whole)"
                ),
            ));
        }
        // An exact-capacity copy: nothing reallocates, so no unwiped fragment is left behind.
        let mut secret = Zeroizing::new(String::with_capacity(trimmed.len()));
        secret.push_str(trimmed);
        Ok(Self {
            secret,
            forms: OnceLock::new(),
        })
    }

    /// Reads the key from a file, trimming surrounding whitespace (the trailing newline
    /// most editors and `echo` add, or a Windows `\r\n`), then checks it as [`ApiKey::new`]
    /// does.
    ///
    /// This is how Docker and Kubernetes secrets arrive (`/run/secrets/foura`). The file's
    /// permissions are not checked: mounted secrets are often world-readable inside the
    /// container, and refusing them would only push the key into the environment. The file
    /// is read into a buffer sized from its metadata, which is wiped when the key has been
    /// copied out of it; files over 64 KiB are refused.
    ///
    /// ```no_run
    /// let key = foura::ApiKey::from_file("/run/secrets/foura")?;
    /// let client = foura::Client::new(key);
    /// # Ok::<(), foura::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`ErrorKind::InvalidKey`] when the file is missing, unreadable (permission denied, a
    /// directory), larger than 64 KiB, not UTF-8, empty or only whitespace, or holds
    /// something that fails [`ApiKey::new`]'s checks (such as a second line). The message
    /// names the path and the problem; it never contains the file's content.
    pub fn from_file(path: impl AsRef<Path>) -> Result<Self, Error> {
        let path = path.as_ref();
        let fail = |problem: String| {
            Error::new(
                ErrorKind::InvalidKey,
                format!("the key file {} {problem}", path.display()),
            )
        };
        let io_fail = |e: io::Error| {
            let problem = match e.kind() {
                io::ErrorKind::NotFound => "was not found".to_owned(),
                io::ErrorKind::PermissionDenied => "cannot be read: permission denied".to_owned(),
                _ => format!("cannot be read: {e}"),
            };
            fail(problem).with_source(e)
        };
        let mut file = File::open(path).map_err(io_fail)?;
        let metadata = file.metadata().map_err(io_fail)?;
        if metadata.is_dir() {
            return Err(fail("is a directory, not a file".to_owned()));
        }
        let size_hint = usize::try_from(metadata.len()).unwrap_or(usize::MAX);
        let buffer = read_wiped(&mut file, size_hint)
            .map_err(io_fail)?
            .ok_or_else(|| fail(format!("is larger than {} KiB", MAX_KEY_FILE_BYTES >> 10)))?;
        let text = std::str::from_utf8(&buffer)
            .map_err(|_| fail("is not UTF-8 text; it should hold only the key".to_owned()))?;
        let trimmed = text.trim();
        if trimmed.is_empty() {
            return Err(fail("is empty (or holds only whitespace)".to_owned()));
        }
        // An env file or a quoted value is a common mix-up; without these checks its text
        // would be taken as the key and its first characters shown as the key's prefix.
        if trimmed.contains('=') || trimmed.starts_with(['"', '\'']) {
            return Err(fail(
                "looks like a `NAME=value` line or a quoted value, not a bare key; the file \
                 should hold only the key"
                    .to_owned(),
            ));
        }
        Self::from_trimmed(trimmed).map_err(|e| {
            fail(format!(
                "does not hold a usable key: {}; the file should hold only the key",
                e.detail()
            ))
        })
    }

    /// Reads the key from the `FOURA_API_KEY` environment variable, trimming whitespace, or,
    /// when that is not set, from the file `FOURA_API_KEY_FILE` names (see
    /// [`ApiKey::from_file`]). A variable set to an empty string counts as not set.
    ///
    /// ```no_run
    /// let key = foura::ApiKey::from_env()?;
    /// # Ok::<(), foura::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`ErrorKind::InvalidKey`] when neither variable is set, when both are (which one was
    /// meant is not guessed), when `FOURA_API_KEY` is not UTF-8 or fails [`ApiKey::new`]'s
    /// checks, or when the file fails [`ApiKey::from_file`]'s. The message names the
    /// variables involved and where keys are found.
    pub fn from_env() -> Result<Self, Error> {
        let set = |name: &str| std::env::var_os(name).filter(|v| !v.is_empty());
        match (set(API_KEY_ENV), set(API_KEY_FILE_ENV)) {
            (Some(_), Some(_)) => Err(Error::new(
                ErrorKind::InvalidKey,
                format!(
                    "both {API_KEY_ENV} and {API_KEY_FILE_ENV} are set; unset one of them so \
                     that it is clear which key is meant"
                ),
            )),
            (None, Some(path)) => Self::from_file(&path).map_err(|e| {
                Error::new(
                    ErrorKind::InvalidKey,
                    format!("{API_KEY_FILE_ENV} is set but unusable: {}", e.detail()),
                )
            }),
            (Some(value), None) => match value.into_string() {
                Ok(value) => Self::new(value).map_err(|e| {
                    Error::new(
                        ErrorKind::InvalidKey,
                        format!(
                            "{API_KEY_ENV} is set but unusable: {}; {WHERE_KEYS_LIVE}",
                            e.detail()
                        ),
                    )
                }),
                Err(_) => Err(Error::new(
                    ErrorKind::InvalidKey,
                    format!("{API_KEY_ENV} is not valid UTF-8; {WHERE_KEYS_LIVE}"),
                )),
            },
            (None, None) => Err(Error::new(
                ErrorKind::InvalidKey,
                format!("{API_KEY_ENV} is not set; {WHERE_KEYS_LIVE}"),
            )),
        }
    }

    /// The secret itself. Named so that every read of the key is visible in a code review.
    pub fn expose_secret(&self) -> &str {
        &self.secret
    }

    /// The key's non-secret prefix, e.g. `fk_live_`: two runs of lowercase letters (at most 4,
    /// then at most 8) each followed by `_`, when something follows them. Returns `""` for
    /// keys without such a prefix, so that no part of an unusual key's secret is ever shown.
    ///
    /// ```
    /// let key = foura::ApiKey::new("pk_live_0123456789abcdef")?;
    /// assert_eq!(key.prefix(), "pk_live_");
    /// # Ok::<(), foura::Error>(())
    /// ```
    pub fn prefix(&self) -> &str {
        let s = self.secret.as_str();
        let mut parts = s.splitn(3, '_');
        let (Some(kind), Some(mode), Some(rest)) = (parts.next(), parts.next(), parts.next())
        else {
            return "";
        };
        // Only a prefix shaped like FourA's (`fk_live_`, `pk_test_`): two short runs of
        // lowercase letters. Anything else may be part of the secret, so nothing is shown.
        let letters = |part: &str, most: usize| {
            (1..=most).contains(&part.len()) && part.bytes().all(|b| b.is_ascii_lowercase())
        };
        if letters(kind, 4) && letters(mode, 8) && !rest.is_empty() {
            &s[..kind.len() + mode.len() + 2]
        } else {
            ""
        }
    }

    /// What redaction searches for (the key's forms and fragments), built once per key.
    pub(crate) fn redaction(&self) -> &crate::redact::Redaction {
        self.forms
            .get_or_init(|| crate::redact::Redaction::new(self.secret.as_bytes()))
    }

    /// Builds `Bearer <key>` in an exactly pre-sized buffer that is wiped when dropped.
    pub(crate) fn bearer(&self) -> Zeroizing<String> {
        const SCHEME: &str = "Bearer ";
        let mut value = Zeroizing::new(String::with_capacity(SCHEME.len() + self.secret.len()));
        value.push_str(SCHEME);
        value.push_str(&self.secret);
        value
    }
}

/// Reads `file` to its end into a buffer that is wiped when dropped, growing it (by copying
/// into a new wiped buffer, never by reallocating) if the file is longer than `size_hint`.
/// `Ok(None)` when the file is larger than [`MAX_KEY_FILE_BYTES`].
fn read_wiped(file: &mut File, size_hint: usize) -> io::Result<Option<Zeroizing<Vec<u8>>>> {
    // One byte more than expected, so reaching the end takes no second buffer.
    let mut buffer = Zeroizing::new(vec![0u8; size_hint.clamp(64, MAX_KEY_FILE_BYTES) + 1]);
    let mut filled = 0;
    loop {
        if filled == buffer.len() {
            if filled > MAX_KEY_FILE_BYTES {
                return Ok(None);
            }
            let mut bigger = Zeroizing::new(vec![0u8; (filled * 2).min(MAX_KEY_FILE_BYTES + 1)]);
            bigger[..filled].copy_from_slice(&buffer[..filled]);
            buffer = bigger;
        }
        match file.read(&mut buffer[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    // Shortening keeps the allocation; `Zeroizing` wipes its whole capacity on drop.
    buffer.truncate(filled);
    Ok(Some(buffer))
}

impl fmt::Debug for ApiKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ApiKey(\"{}…\")", self.prefix())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_shows_only_the_prefix() {
        let key = ApiKey::new("fk_live_a1b2c3d4e5f6").unwrap();
        assert_eq!(format!("{key:?}"), "ApiKey(\"fk_live_…\")");
        assert_eq!(format!("{key:#?}"), "ApiKey(\"fk_live_…\")");
    }

    #[test]
    fn short_or_unprefixed_keys_show_nothing() {
        for k in [
            "k_x",
            "abc",
            "fk_live_",
            "averyveryverylongprefix_x_0123456789",
        ] {
            let key = ApiKey::new(k).unwrap();
            assert_eq!(format!("{key:?}"), "ApiKey(\"…\")", "{k}");
        }
        // The founding document's own short example still shows its prefix.
        let key = ApiKey::new("fk_live_a1b2c3").unwrap();
        assert_eq!(format!("{key:?}"), "ApiKey(\"fk_live_…\")");
    }

    #[test]
    fn bearer_is_exactly_sized() {
        let key = ApiKey::new("fk_live_a1b2c3d4e5f6").unwrap();
        let b = key.bearer();
        assert_eq!(b.as_str(), "Bearer fk_live_a1b2c3d4e5f6");
        assert_eq!(b.capacity(), b.len());
    }

    #[test]
    fn rejects_bad_keys_without_echoing_them() {
        for (k, word) in [
            ("", "empty"),
            ("   \n", "empty"),
            ("fk_live_ab cd", "whitespace"),
            ("fk_live_ab\tcd", "whitespace"),
            ("fk_live_ab\u{7}cd", "control"),
            ("fk_live_abécd", "non-ASCII"),
        ] {
            let err = ApiKey::new(k).unwrap_err();
            assert_eq!(err.kind(), ErrorKind::InvalidKey);
            let text = format!("{err} {err:?}");
            assert!(text.contains(word), "{text}");
            if k.trim().len() > 4 {
                assert!(!text.contains(k.trim()), "{text}");
                assert!(!text.contains("fk_live_ab"), "{text}");
            }
        }
    }
}
