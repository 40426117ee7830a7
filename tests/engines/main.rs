//! The engine API: what the client sends and decodes (`wire`, with scripted answers), the
//! client against the emulator's own behaviour (`e2e`), and the emulator itself spoken to by
//! hand (`emulator`), the witness the other two rely on.

#[path = "../support/mod.rs"]
mod support;

mod e2e;
mod emulator;
mod wire;
