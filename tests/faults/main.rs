//! Faults and retries: how FourA's error answers map to `foura::Error` (`errors`), what the
//! client does when the network or FourA misbehaves (`retries`), and what happens on the wire
//! itself (`transport`).

#[path = "../support/mod.rs"]
mod support;

mod answers;
mod errors;
mod retries;
mod transport;
