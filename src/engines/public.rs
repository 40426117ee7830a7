//! FourA's public endpoints: the browser-profile catalogue and the status API
//! (foura-api.md §3.12). No key is sent to either.

use serde::Deserialize;
use serde_json::{Map, Value};

use crate::client::{Auth, Call, CallOptions, Client, Method};
use crate::error::{Error, Service};

/// Where FourA's status API lives.
pub const DEFAULT_STATUS_BASE_URL: &str = "https://updates.foura.ai";

/// The browser-profile catalogue (`GET /api/profiles`). Only `default` is documented; the
/// rest is kept as sent.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[non_exhaustive]
pub struct ProfileCatalogue {
    /// The profile used when a request names none.
    #[serde(default)]
    pub default: Option<String>,
    /// Everything else in the catalogue, as sent.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// FourA's service status (`GET https://updates.foura.ai/api/v1/status`, cached by FourA
/// for 15 s).
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[non_exhaustive]
pub struct ServiceStatus {
    /// `operational`, `degraded`, `partial_outage`, `major_outage` or `maintenance`.
    #[serde(default)]
    pub overall: String,
    /// Each service's status.
    #[serde(default)]
    pub services: Vec<StatusService>,
    /// Incidents in progress.
    #[serde(default)]
    pub active_incidents: Vec<Value>,
    /// Incidents resolved in the last 14 days.
    #[serde(default)]
    pub recent_incidents: Vec<Value>,
    /// Every other field, as sent.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// One service on the status page.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[non_exhaustive]
pub struct StatusService {
    /// e.g. `api`.
    #[serde(default)]
    pub slug: String,
    /// e.g. `API`.
    #[serde(default)]
    pub name: String,
    /// A description.
    #[serde(default)]
    pub description: Option<String>,
    /// `operational`, `degraded`, `partial_outage`, `major_outage` or `maintenance`.
    #[serde(default)]
    pub status: String,
    /// Up to 90 days of daily figures, as sent.
    #[serde(default)]
    pub daily: Vec<Value>,
    /// Every other field, as sent.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
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
        self.call_json(&Call {
            method: Method::Get,
            path,
            auth: Auth::None,
            body: None,
            server_timeout: None,
            service: Service::Public,
            creates_task: false,
            options: CallOptions::default(),
        })
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
