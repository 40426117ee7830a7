//! FourA's public endpoints: the browser-profile catalogue and the status API
//! (`GET https://api.foura.ai/api/profiles`, as `fouradata/mcp` `README.md` names it,
//! and <https://foura.ai/docs/updates-portal/api>). No key is sent to either.

use serde::{Deserialize, Deserializer};

use super::Fields;
use serde_json::{Map, Value};

use crate::call::Api;
use crate::client::Client;
use crate::error::Error;

use crate::defaults::DEFAULT_STATUS_BASE_URL;

/// The browser-profile catalogue (`GET /api/profiles`). Only `default` is documented; the
/// rest is kept as sent (a `default` that is not a string stays in `extra`).
#[derive(Debug, Clone, Default, PartialEq)]
#[non_exhaustive]
pub struct ProfileCatalogue {
    /// The profile used when a request names none.
    pub default: Option<String>,
    /// Everything else in the catalogue, as sent.
    pub extra: Map<String, Value>,
}

impl<'de> Deserialize<'de> for ProfileCatalogue {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let mut f = fields(Value::deserialize(d)?);
        Ok(ProfileCatalogue {
            default: f.string("default"),
            extra: f.0,
        })
    }
}

/// FourA's service status (`GET https://updates.foura.ai/api/v1/status`, cached by FourA
/// for 15 s). Decoded tolerantly: apart from `overall`, which an answer must have as a
/// string to be a status answer, missing or oddly typed fields are empty, and kept in
/// `extra` when they hold something.
#[derive(Debug, Clone, Default, PartialEq)]
#[non_exhaustive]
pub struct ServiceStatus {
    /// `operational`, `degraded`, `partial_outage`, `major_outage` or `maintenance`.
    pub overall: String,
    /// Each service's status.
    pub services: Vec<StatusService>,
    /// Incidents in progress.
    pub active_incidents: Vec<Value>,
    /// Incidents resolved in the last 14 days.
    pub recent_incidents: Vec<Value>,
    /// Every other field, as sent.
    pub extra: Map<String, Value>,
}

impl<'de> Deserialize<'de> for ServiceStatus {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let mut f = fields(Value::deserialize(d)?);
        // `overall` is what makes an answer a status answer: without it, this is some
        // other document (an error page's JSON, a proxy's), not "status unknown".
        let Some(overall) = f.string("overall") else {
            return Err(serde::de::Error::custom(
                "a status answer has a string `overall`, this one has none",
            ));
        };
        Ok(ServiceStatus {
            overall,
            services: f
                .list("services")
                .unwrap_or_default()
                .into_iter()
                .filter_map(|s| match s {
                    Value::Object(map) => Some(StatusService::from_fields(Fields(map))),
                    _ => None,
                })
                .collect(),
            active_incidents: f.list("active_incidents").unwrap_or_default(),
            recent_incidents: f.list("recent_incidents").unwrap_or_default(),
            extra: f.0,
        })
    }
}

/// One service on the status page.
#[derive(Debug, Clone, Default, PartialEq)]
#[non_exhaustive]
pub struct StatusService {
    /// e.g. `api`.
    pub slug: String,
    /// e.g. `API`.
    pub name: String,
    /// A description.
    pub description: Option<String>,
    /// `operational`, `degraded`, `partial_outage`, `major_outage` or `maintenance`.
    pub status: String,
    /// Up to 90 days of daily figures, as sent.
    pub daily: Vec<Value>,
    /// Every other field, as sent.
    pub extra: Map<String, Value>,
}

impl StatusService {
    fn from_fields(mut f: Fields) -> Self {
        StatusService {
            slug: f.string("slug").unwrap_or_default(),
            name: f.string("name").unwrap_or_default(),
            description: f.string("description"),
            status: f.string("status").unwrap_or_default(),
            daily: f.list("daily").unwrap_or_default(),
            extra: f.0,
        }
    }
}

/// The fields of an answer that should be an object (anything else reads as empty).
fn fields(value: Value) -> Fields {
    match value {
        Value::Object(map) => Fields(map),
        _ => Fields(Map::new()),
    }
}

impl Client {
    /// The browser-profile catalogue, `GET /api/profiles` on the client's base URL. Public:
    /// no key is sent.
    ///
    /// ```no_run
    /// let catalogue = foura::Client::from_env()?.profiles()?;
    /// println!("default profile: {:?}", catalogue.default);
    /// # Ok::<(), foura::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// Any transport or status [`Error`].
    pub fn profiles(&self) -> Result<ProfileCatalogue, Error> {
        self.public_get("/api/profiles")
            .map(|(catalogue, _)| catalogue)
    }

    fn public_get<T: serde::de::DeserializeOwned>(
        &self,
        path: &str,
    ) -> Result<(T, crate::Meta), Error> {
        self.call_json(&Api::PUBLIC.get(path))
    }
}

/// FourA's service status from `https://updates.foura.ai/api/v1/status`. Public: no key.
///
/// ```no_run
/// let status = foura::service_status()?;
/// println!("FourA is {}", status.overall);
/// # Ok::<(), foura::Error>(())
/// ```
///
/// # Errors
///
/// Any transport or status [`Error`].
pub fn service_status() -> Result<ServiceStatus, Error> {
    service_status_at(DEFAULT_STATUS_BASE_URL)
}

/// FourA's service status from another host (e.g. the emulator: `server.url()`); `base_url`
/// follows the rules of [`ClientBuilder::base_url`](crate::ClientBuilder::base_url).
///
/// # Errors
///
/// [`ErrorKind::InvalidConfig`](crate::ErrorKind::InvalidConfig) for a bad base URL; any
/// transport or status [`Error`].
pub fn service_status_at(base_url: &str) -> Result<ServiceStatus, Error> {
    Client::keyless(base_url)?
        .public_get("/api/v1/status")
        .map(|(status, _)| status)
}
