//! The advice FourA's documentation gives for each failure.

use super::{Error, ErrorKind, Service};

/// Why a key FourA knows may still be refused: every one of these is a plain `401`
/// (<https://foura.ai/docs/dashboard/api-keys>, <https://foura.ai/docs/getting-started/authentication>).
const KEY_CAUSES: &str = "otherwise the key may have expired, be limited to an IP allow-list \
    this machine is not on, have been regenerated (the old secret stops working at once) or been \
    deactivated: check it in the FourA Dashboard (https://foura.ai/docs/dashboard/api-keys); \
    retrying will not help";

/// The advice FourA's documentation gives for each failure (the authentication errors of
/// <https://foura.ai/docs/getting-started/authentication>, <https://foura.ai/docs/api/errors>,
/// <https://foura.ai/docs/api/rate-limits>).
pub(super) fn hint_for(service: Service, err: &Error) -> Option<String> {
    let wait = err.inner.retry_after;
    Some(match (err.inner.kind, service) {
        (ErrorKind::Unauthorized, Service::Tasks) => format!(
            "check the Authorization header format (`Authorization: Bearer <key>`) and trim \
             whitespace from the key (FOURA_API_KEY must hold the whole key); {KEY_CAUSES}"
        ),
        (ErrorKind::Unauthorized, _) => format!(
            "check the X-API-Key header (`X-API-Key: <key>`, the whole key) and trim whitespace \
             from the key; {KEY_CAUSES}"
        ),
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
        (ErrorKind::ServiceDisabled, _) => {
            let when = match wait {
                Some(w) => format!("wait {}s and retry", w.as_secs()),
                None => "retry in a few minutes".to_owned(),
            };
            format!(
                "FourA has taken this service offline for maintenance, usually for minutes: \
                 {when} (foura::service_status() shows maintenance)"
            )
        }
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

/// What a refused key's prefix says when it belongs to the other API: `pk_live_` keys go with
/// the engine API (`X-API-Key`), the founding document's `fk_live_` keys with the tasks API
/// (`Authorization: Bearer`) (<https://foura.ai/docs/getting-started/authentication>,
/// <https://foura.ai/docs/api/endpoints>).
fn wrong_api(service: Service, prefix: &str) -> Option<&'static str> {
    match (service, prefix) {
        (Service::Tasks, "pk_live_") => Some(
            "this pk_live_ key is an engine-API key (sent as X-API-Key): use it with \
             Client::single, proxy, browser, auto and engine batches; the tasks API \
             (Client::submit, create_task, list_tasks, foura::submit) takes the fk_live_ keys \
             of the founding document",
        ),
        (Service::Engine, "fk_live_") => Some(
            "this fk_live_ key is a tasks-API key (sent as Authorization: Bearer): use it with \
             Client::submit, create_task, list_tasks or foura::submit; the engine API \
             (Client::single, proxy, browser, auto and engine batches) takes pk_live_ keys",
        ),
        _ => None,
    }
}

impl Error {
    /// For a refused key (`401`, `403`) whose prefix belongs to the other API, puts that in
    /// front of the hint. `prefix` is the key's non-secret prefix (`ApiKey::prefix`).
    pub(crate) fn explain_key_prefix(self, service: Service, prefix: &str) -> Self {
        if !matches!(
            self.inner.kind,
            ErrorKind::Unauthorized | ErrorKind::Forbidden
        ) {
            return self;
        }
        let Some(other) = wrong_api(service, prefix) else {
            return self;
        };
        let hint = match self.hint() {
            Some(rest) => format!("{other}; if it is the right key, {rest}"),
            None => other.to_owned(),
        };
        self.with_hint(hint)
    }
}
