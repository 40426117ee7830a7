//! What kind of failure an error is, and which API a call went to.

/// What kind of failure an [`Error`](crate::Error) is. Match on it with [`Error::kind`](crate::Error::kind).
///
/// The enum is `#[non_exhaustive]`: new kinds may be added in minor releases, so keep a `_`
/// arm. Kinds split into three groups:
///
/// - **Refused before sending** (no request left the machine; `status()` is `None`):
///   [`InvalidKey`](Self::InvalidKey), [`InvalidRequest`](Self::InvalidRequest),
///   [`InvalidConfig`](Self::InvalidConfig).
/// - **FourA answered with an error status** (`status()` is `Some`): [`Unauthorized`](Self::Unauthorized),
///   [`Forbidden`](Self::Forbidden), [`NotFound`](Self::NotFound),
///   [`RateLimited`](Self::RateLimited), [`ServerError`](Self::ServerError),
///   [`Api`](Self::Api), [`UnexpectedRedirect`](Self::UnexpectedRedirect),
///   [`InvalidRequest`](Self::InvalidRequest) for a `400`/`422`, and from the engine API
///   [`PlanLimit`](Self::PlanLimit), [`AtCapacity`](Self::AtCapacity) and
///   [`ServiceDisabled`](Self::ServiceDisabled).
/// - **FourA ran the request but could not deliver** (transport `2xx`, body `error`):
///   [`EngineFailed`](Self::EngineFailed).
/// - **The exchange itself failed**: [`Timeout`](Self::Timeout), [`Connection`](Self::Connection),
///   [`Decode`](Self::Decode), [`BodyTooLarge`](Self::BodyTooLarge).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The API key is missing, empty, or malformed (whitespace inside, control characters).
    InvalidKey,
    /// The request is invalid: refused by this crate before sending (the message names the
    /// field), or by FourA with `400`/`422` (then `status()` is set).
    InvalidRequest,
    /// The client's configuration is invalid (base URL, proxy, user agent, …).
    InvalidConfig,
    /// `401`: the key was refused — missing, mistyped, padded with whitespace, sent to the
    /// other API, expired, used from an address outside its IP allow-list, regenerated (the
    /// old secret stops at once) or deactivated. FourA gives the same answer for all of them
    /// (<https://foura.ai/docs/getting-started/authentication>,
    /// <https://foura.ai/docs/dashboard/api-keys>), so a `401` is final whatever its text:
    /// it is never retried.
    Unauthorized,
    /// `403`: the key is disabled or expired.
    Forbidden,
    /// `404`: the endpoint does not exist at this base URL.
    NotFound,
    /// `429`: too many requests — the account-wide limit, an engine's limit or the key's own
    /// (<https://foura.ai/docs/api/rate-limits>); see [`Error::retry_after`](crate::Error::retry_after). The key's own
    /// limit sends a body FourA does not document, so this kind rests on the status alone, and
    /// [`Error::rate_limit`](crate::Error::rate_limit) is `None` when the body has no figures.
    RateLimited,
    /// `5xx`: FourA (or a gateway in front of it) failed.
    ServerError,
    /// Any other non-success status.
    Api,
    /// A `3xx`. Redirects are never followed, so the key never reaches another host.
    UnexpectedRedirect,
    /// The call did not finish within its timeout.
    Timeout,
    /// No connection could be made, or it broke (DNS, refused, reset, TLS, proxy).
    Connection,
    /// FourA's answer could not be understood (not JSON, or not the documented shape).
    Decode,
    /// The response body is larger than the configured limit.
    BodyTooLarge,
    /// An engine ran but could not deliver: FourA answered 2xx with an `error` (the target
    /// timed out, no proxy matched, `validate` rejected every attempt, …). The target's status,
    /// FourA's `code`, `details`, `attemptReport` and the echoed `request` are kept.
    EngineFailed,
    /// Your plan's limit refused the call (`plan_limit_*`, whatever the HTTP status); see
    /// [`Error::plan_limit`](crate::Error::plan_limit). Waiting helps only when [`Error::retry_after`](crate::Error::retry_after) is set; another
    /// engine will not help.
    PlanLimit,
    /// `503`: too many requests of yours are in flight (FourA's concurrency cap).
    AtCapacity,
    /// `503` `Service disabled`: FourA has taken the service offline for maintenance, usually
    /// for minutes (<https://foura.ai/docs/api/rate-limits>). It is retried like
    /// [`AtCapacity`](Self::AtCapacity) when FourA's wait ([`Error::retry_after`](crate::Error::retry_after), often 60 s)
    /// fits in the call's deadline and [`ClientBuilder::max_retry_wait`](crate::ClientBuilder::max_retry_wait);
    /// otherwise the call returns at once with the wait set.
    ServiceDisabled,
}

impl ErrorKind {
    /// The variant's name, e.g. `"RateLimited"` for [`ErrorKind::RateLimited`]: a stable
    /// spelling for machine-readable output (a log field, a JSON line a script matches on).
    /// A name never changes once released; a new kind brings a new name.
    ///
    /// ```
    /// use foura::ErrorKind;
    ///
    /// assert_eq!(ErrorKind::RateLimited.as_str(), "RateLimited");
    /// assert_eq!(ErrorKind::EngineFailed.as_str(), "EngineFailed");
    /// ```
    pub fn as_str(&self) -> &'static str {
        match self {
            ErrorKind::InvalidKey => "InvalidKey",
            ErrorKind::InvalidRequest => "InvalidRequest",
            ErrorKind::InvalidConfig => "InvalidConfig",
            ErrorKind::Unauthorized => "Unauthorized",
            ErrorKind::Forbidden => "Forbidden",
            ErrorKind::NotFound => "NotFound",
            ErrorKind::RateLimited => "RateLimited",
            ErrorKind::ServerError => "ServerError",
            ErrorKind::Api => "Api",
            ErrorKind::UnexpectedRedirect => "UnexpectedRedirect",
            ErrorKind::Timeout => "Timeout",
            ErrorKind::Connection => "Connection",
            ErrorKind::Decode => "Decode",
            ErrorKind::BodyTooLarge => "BodyTooLarge",
            ErrorKind::EngineFailed => "EngineFailed",
            ErrorKind::PlanLimit => "PlanLimit",
            ErrorKind::AtCapacity => "AtCapacity",
            ErrorKind::ServiceDisabled => "ServiceDisabled",
        }
    }

    fn describe(self) -> &'static str {
        match self {
            ErrorKind::InvalidKey => "invalid API key",
            ErrorKind::InvalidRequest => "invalid request",
            ErrorKind::InvalidConfig => "invalid client configuration",
            ErrorKind::Unauthorized => "unauthorized",
            ErrorKind::Forbidden => "forbidden",
            ErrorKind::NotFound => "not found",
            ErrorKind::RateLimited => "rate limited",
            ErrorKind::ServerError => "FourA server error",
            ErrorKind::Api => "FourA API error",
            ErrorKind::UnexpectedRedirect => "unexpected redirect",
            ErrorKind::Timeout => "timed out",
            ErrorKind::Connection => "connection failed",
            ErrorKind::Decode => "unreadable response",
            ErrorKind::BodyTooLarge => "response too large",
            ErrorKind::EngineFailed => "FourA could not deliver the page",
            ErrorKind::PlanLimit => "plan limit reached",
            ErrorKind::AtCapacity => "at capacity",
            ErrorKind::ServiceDisabled => "service disabled for maintenance",
        }
    }
}

crate::macros::display_as!(ErrorKind, describe);

/// Which of FourA's APIs a call went to; it decides the error hints.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Service {
    /// `/api/v1/tasks`, `Authorization: Bearer` (the founding document's API).
    Tasks,
    /// `/api/{single,proxy,browser,auto}`, `X-API-Key` (the engine API).
    Engine,
    /// Keyless endpoints: the profile catalogue, the status API and `/inspect`.
    Public,
}

#[cfg(test)]
mod tests {
    use super::ErrorKind;

    /// Every kind, in declaration order. The match below fails to compile when a kind is
    /// added and not listed here.
    const ALL: [ErrorKind; 18] = [
        ErrorKind::InvalidKey,
        ErrorKind::InvalidRequest,
        ErrorKind::InvalidConfig,
        ErrorKind::Unauthorized,
        ErrorKind::Forbidden,
        ErrorKind::NotFound,
        ErrorKind::RateLimited,
        ErrorKind::ServerError,
        ErrorKind::Api,
        ErrorKind::UnexpectedRedirect,
        ErrorKind::Timeout,
        ErrorKind::Connection,
        ErrorKind::Decode,
        ErrorKind::BodyTooLarge,
        ErrorKind::EngineFailed,
        ErrorKind::PlanLimit,
        ErrorKind::AtCapacity,
        ErrorKind::ServiceDisabled,
    ];

    fn listed(kind: ErrorKind) -> bool {
        match kind {
            ErrorKind::InvalidKey
            | ErrorKind::InvalidRequest
            | ErrorKind::InvalidConfig
            | ErrorKind::Unauthorized
            | ErrorKind::Forbidden
            | ErrorKind::NotFound
            | ErrorKind::RateLimited
            | ErrorKind::ServerError
            | ErrorKind::Api
            | ErrorKind::UnexpectedRedirect
            | ErrorKind::Timeout
            | ErrorKind::Connection
            | ErrorKind::Decode
            | ErrorKind::BodyTooLarge
            | ErrorKind::EngineFailed
            | ErrorKind::PlanLimit
            | ErrorKind::AtCapacity
            | ErrorKind::ServiceDisabled => ALL.contains(&kind),
        }
    }

    #[test]
    fn every_kind_is_named_after_its_variant() {
        let names: Vec<&str> = ALL.iter().map(ErrorKind::as_str).collect();
        assert_eq!(
            names,
            [
                "InvalidKey",
                "InvalidRequest",
                "InvalidConfig",
                "Unauthorized",
                "Forbidden",
                "NotFound",
                "RateLimited",
                "ServerError",
                "Api",
                "UnexpectedRedirect",
                "Timeout",
                "Connection",
                "Decode",
                "BodyTooLarge",
                "EngineFailed",
                "PlanLimit",
                "AtCapacity",
                "ServiceDisabled",
            ]
        );
        for kind in ALL {
            assert!(listed(kind));
            assert_eq!(kind.as_str(), format!("{kind:?}"));
        }
    }
}
