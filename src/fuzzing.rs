//! Entry points for the fuzz targets in `fuzz/` (feature `fuzzing`). Not a stable API: they
//! expose the decoders every FourA answer goes through, so that a fuzzer can feed them
//! arbitrary bytes without a network.

use crate::call::Reply;
use crate::engines::{
    AutoResponse, BrowserResponse, ProxyResponse, SingleResponse, decode_engine_reply,
};
use crate::error::{Error, Service};
use crate::meta::Meta;
use crate::tasks::Task;

/// Decodes an engine's 2xx answer as the client does; `engine` is `single`, `proxy`,
/// `browser` or `auto`. Returns the response's `Debug` text, after reading its body every way.
///
/// # Errors
///
/// The [`Error`] the client would return for this answer.
pub fn engine_answer(
    engine: &str,
    status: u16,
    headers: &[(&str, &[u8])],
    body: &[u8],
) -> Result<String, Error> {
    let reply = Reply {
        status,
        meta: Meta::from_headers(headers.iter().copied()),
        body: body.to_vec().into(),
        encoding: None,
    };
    let (fields, meta) = decode_engine_reply(engine, "POST /api/fuzz/", reply, None)?;
    Ok(match engine {
        "proxy" => {
            let r = ProxyResponse::from_fields(fields, meta);
            format!("{r:?} {:?} {:?} {:?}", r.text(), r.bytes().len(), r.json())
        }
        "browser" => {
            let r = BrowserResponse::from_fields(fields, meta);
            format!("{r:?} {:?} {:?} {:?}", r.text(), r.bytes().len(), r.json())
        }
        "auto" => {
            let r = AutoResponse::from_fields(fields, meta);
            format!("{r:?} {:?} {:?} {:?}", r.text(), r.bytes().len(), r.json())
        }
        _ => {
            let r = SingleResponse::from_fields(fields, meta);
            format!(
                "{r:?} {:?} {:?} {:?} {:?}",
                r.text(),
                r.bytes().len(),
                r.json(),
                r.headers.get("content-type")
            )
        }
    })
}

/// Builds the error for a non-2xx answer as the client does (`engine`: the engine API's
/// rules, else the tasks API's), and formats it every way a caller could.
pub fn error_answer(engine: bool, status: u16, headers: &[(&str, &[u8])], body: &[u8]) -> String {
    let service = if engine {
        Service::Engine
    } else {
        Service::Tasks
    };
    let meta = Meta::from_headers(headers.iter().copied());
    let err = Error::from_response(service, status, None, meta, body, None);
    format!(
        "{err} {err:?} {:?} {:?} {:?} {:?} {:?} {:?} {:?} {:?} {:?}",
        err.kind(),
        err.retry_after(),
        err.plan_limit(),
        err.rate_limit(),
        err.resets_at(),
        err.target_status(),
        err.attempt_report(),
        err.is_retryable(),
        err.code(),
    )
}

/// Decodes a task answer (`POST /api/v1/tasks`) as the client does.
///
/// # Errors
///
/// The decoding error.
pub fn task_answer(body: &[u8]) -> Result<Task, serde_json::Error> {
    serde_json::from_slice(body)
}
