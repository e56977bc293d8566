//! pbsh against `pbsh serve` over TLS, in one binary: the remote repository end to end and the
//! server's protocol (REST, backup and reader) checked request by request.
#![allow(clippy::disallowed_macros)] // tests print freely

mod common;
mod serve_common;

#[path = "remote/remote_e2e.rs"]
mod remote_e2e;
#[path = "remote/serve_protocol.rs"]
mod serve_protocol;
