//! The advice FourA's documentation gives for each failure.

use super::{Error, ErrorKind, Service};

/// The advice FourA's documentation gives for each failure (the authentication errors of
/// <https://foura.ai/docs/getting-started/authentication>, <https://foura.ai/docs/api/errors>,
/// <https://foura.ai/docs/api/rate-limits>).
pub(super) fn hint_for(service: Service, err: &Error) -> Option<String> {
    let wait = err.inner.retry_after;
    Some(match (err.inner.kind, service) {
        (ErrorKind::Unauthorized, Service::Tasks) => "check the Authorization header format \
            (`Authorization: Bearer <key>`) and trim whitespace from the key; \
            FOURA_API_KEY must hold the whole key"
            .to_owned(),
        (ErrorKind::Unauthorized, _) => "check the X-API-Key header: use the whole key \
            (pk_live_…) from the FourA Dashboard, without whitespace, and check it is active"
            .to_owned(),
        (ErrorKind::Forbidden, Service::Tasks) => "the API key is disabled or expired: generate \
            a new key in the FourA Dashboard (Settings → API Access) and build a new Client with it"
            .to_owned(),
        (ErrorKind::Forbidden, _) => "FourA refused this call for your key: check the key \
            and its permissions in the FourA Dashboard"
            .to_owned(),
        (ErrorKind::PlanLimit, _) => {
            let name = err.plan_limit().unwrap_or("a");
            match (wait, err.resets_at()) {
                (Some(w), Some(at)) => format!(
                    "your plan's {name} limit is reached; it resets in {}s (at {at}): wait or \
                     change the plan (another engine will not help)",
                    w.as_secs()
                ),
                (Some(w), None) => format!(
                    "your plan's {name} limit is reached; wait {}s or change the plan \
                     (another engine will not help)",
                    w.as_secs()
                ),
                _ => format!(
                    "your plan does not allow this ({name}): change the plan or drop the option; \
                     retrying will not help"
                ),
            }
        }
        (ErrorKind::RateLimited, _) => match wait {
            Some(w) => format!("wait {}s before retrying", w.as_secs()),
            None => "slow down and retry with backoff".to_owned(),
        },
        (ErrorKind::AtCapacity, _) => match wait {
            Some(w) => format!(
                "too many of your requests are in flight: wait {}s and send fewer at once",
                w.as_secs()
            ),
            None => "too many of your requests are in flight: send fewer at once".to_owned(),
        },
        (ErrorKind::ServiceDisabled, _) => "this engine is disabled for your account (plan or \
            maintenance): check the FourA Dashboard and foura::service_status()"
            .to_owned(),
        (ErrorKind::ServerError, _) => "retry after a short delay".to_owned(),
        (ErrorKind::NotFound, Service::Tasks) => "check the base URL: the tasks API lives at \
            https://eu.api.foura.ai/api/v1"
            .to_owned(),
        (ErrorKind::NotFound, _) => "check the base URL: the engine API lives at \
            https://eu.api.foura.ai/api"
            .to_owned(),
        (ErrorKind::UnexpectedRedirect, _) => "redirects are never followed so that the key \
            cannot reach another host; set the base URL to where FourA's API really is"
            .to_owned(),
        (ErrorKind::EngineFailed, _) if err.code() == Some("no_eligible_proxy") => {
            "no exit matches the requested countries: keep the country scope and retry later"
                .to_owned()
        }
        (ErrorKind::EngineFailed, _) if err.attempt_report().is_some() => {
            "every attempt failed; Error::attempt_report() says why (raise max_tries for \
             protected sites, or relax validate)"
                .to_owned()
        }
        _ => return None,
    })
}
