//! pbsh: a persistent, interactive shell that does the job of proxmox-backup-client.
//!
//! Layers (imports point down only): `shell` → `repo` → `format`, with `util` below all;
//! `protocol` (the REST API's JSON types) sits beside `format`, used by `server` and `repo`. See shared/design.md.

#![deny(clippy::unwrap_used)]

pub mod archive;
pub mod engine;
pub mod format;
pub mod mount;
pub mod protocol;
pub mod repo;
pub mod server;
pub mod shell;
pub mod util;
