//! Exit statuses scripts can branch on, and how a failed command's error maps to one.
//!
//! The same classes apply to one-shot use, `-c`, `-f` and piped scripts (`help exit-codes`).

use crate::archive::create::CreateError;
use crate::archive::restore::RestoreError;
use crate::engine::backup::EngineError;
use crate::format::error::FormatError;
use crate::mount::MountError;
use crate::repo::remote::RemoteError;
use crate::repo::types::NameError;
use crate::repo::RepoError;
use crate::util::error_class::ErrorClass;
use crate::util::secrets::SecretError;
use thiserror::Error;

pub const OK: i32 = 0;
/// Any other failure.
pub const FAILURE: i32 = 1;
/// The command line does not parse (unknown command, bad option).
pub const USAGE: i32 = 2;
/// A path, snapshot, archive or file that does not exist, or a pattern that matched nothing.
pub const NOT_FOUND: i32 = 3;
/// Wrong passphrase, wrong key, refused credentials.
pub const AUTH: i32 = 4;
/// The datastore or group is locked by another operation.
pub const LOCKED: i32 = 5;
/// The command did part of its work (some files could not be read or written).
pub const PARTIAL: i32 = 6;
/// Stored data failed a check: CRC, digest, index checksum, signature, structure.
pub const CORRUPT: i32 = 7;
/// A local disk or the network failed (no space, I/O error, connection lost).
pub const IO: i32 = 8;
/// The output pipe was closed (`pbsh … | head`): the command stopped quietly (128 + SIGPIPE,
/// as a shell reports a program ended by SIGPIPE).
pub const BROKEN_PIPE: i32 = 141;
/// Cancelled with Ctrl-C (128 + SIGINT).
pub const INTERRUPTED: i32 = 130;

/// The text of `help exit-codes`.
pub const HELP: &str = "\
Exit statuses (the same in one-shot use, -c, -f and piped scripts):
  0    success
  1    failure not covered below
  2    usage: unknown command or option, bad arguments
  3    not found: path, snapshot, archive or file missing; a pattern that matched nothing
  4    authentication: wrong passphrase, wrong key, refused or expired login, certificate
       fingerprint mismatch
  5    locked: the datastore or group is busy with another operation
  6    partial: some entries could not be processed
  7    corrupt: stored data failed a check (CRC, digest, checksum, signature)
  8    I/O: a local disk or the network failed (no space, I/O error, connection lost)
  130  interrupted by Ctrl-C
  141  the output pipe was closed (`pbsh … | head`): the command stopped quietly,
       printing nothing more; a script stops there too
";

/// Errors the shell's own commands raise with a class attached.
#[derive(Debug, Error)]
pub enum ShellError {
    #[error("{0}")]
    Usage(String),
    #[error("{0}")]
    NotFound(String),
    #[error("{0}")]
    Partial(String),
    #[error("cancelled")]
    Cancelled,
}

/// An error and its causes on one line, each text once: a cause whose text the line already
/// holds (errors that print their source, like "x: open: No such file…", and also expose it
/// as their `source()`) is not repeated.
pub fn one_line(error: &anyhow::Error) -> String {
    let mut line = String::new();
    for cause in error.chain() {
        let text = cause.to_string();
        if text.is_empty() || line.contains(&text) {
            continue;
        }
        if !line.is_empty() {
            line.push_str(": ");
        }
        line.push_str(&text);
    }
    line
}

impl ShellError {
    /// The class of this failure (for exit statuses).
    pub fn class(&self) -> ErrorClass {
        match self {
            ShellError::Usage(_) => ErrorClass::Usage,
            ShellError::NotFound(_) => ErrorClass::NotFound,
            ShellError::Partial(_) => ErrorClass::Partial,
            ShellError::Cancelled => ErrorClass::Interrupted,
        }
    }
}

/// The exit status of a class of failure.
pub fn status_of(class: ErrorClass) -> i32 {
    match class {
        ErrorClass::Usage => USAGE,
        ErrorClass::NotFound => NOT_FOUND,
        ErrorClass::Auth => AUTH,
        ErrorClass::Locked => LOCKED,
        ErrorClass::Partial => PARTIAL,
        ErrorClass::Corrupt => CORRUPT,
        ErrorClass::Io => IO,
        ErrorClass::Interrupted => INTERRUPTED,
        ErrorClass::BrokenPipe => BROKEN_PIPE,
    }
}

/// The class an exit status stands for (`None` for 0 and 1).
pub fn class_of_status(status: i32) -> Option<ErrorClass> {
    [
        ErrorClass::Usage,
        ErrorClass::NotFound,
        ErrorClass::Auth,
        ErrorClass::Locked,
        ErrorClass::Partial,
        ErrorClass::Corrupt,
        ErrorClass::Io,
        ErrorClass::Interrupted,
        ErrorClass::BrokenPipe,
    ]
    .into_iter()
    .find(|c| status_of(*c) == status)
}

/// A failure of the shell's part in a repository's job (loading a key), as the repository's
/// error: its one line and the class of its chain.
pub fn classed(error: &anyhow::Error) -> crate::util::error_class::Classed {
    let class = error.chain().find_map(class_of);
    crate::util::error_class::Classed::new(one_line(error), class)
}

/// The class one link of an error chain states for itself, if it is one of pbsh's error types
/// (or an operating-system error).
fn class_of(cause: &(dyn std::error::Error + 'static)) -> Option<ErrorClass> {
    if let Some(e) = cause.downcast_ref::<ShellError>() {
        return Some(e.class());
    }
    if let Some(e) = cause.downcast_ref::<EngineError>() {
        return e.class();
    }
    if let Some(e) = cause.downcast_ref::<RepoError>() {
        return e.class();
    }
    if let Some(e) = cause.downcast_ref::<crate::repo::maintenance::MaintenanceError>() {
        return e.class();
    }
    if let Some(e) = cause.downcast_ref::<RemoteError>() {
        return e.class();
    }
    if let Some(e) = cause.downcast_ref::<FormatError>() {
        return e.class();
    }
    if let Some(e) = cause.downcast_ref::<RestoreError>() {
        return e.class();
    }
    if let Some(e) = cause.downcast_ref::<CreateError>() {
        return e.class();
    }
    if let Some(e) = cause.downcast_ref::<MountError>() {
        return e.class();
    }
    if let Some(e) = cause.downcast_ref::<SecretError>() {
        return e.class();
    }
    if let Some(c) = cause.downcast_ref::<crate::util::error_class::Classed>() {
        return c.class;
    }
    if cause.downcast_ref::<NameError>().is_some() {
        return Some(ErrorClass::Usage);
    }
    cause
        .downcast_ref::<std::io::Error>()
        .map(crate::util::error_class::of_io)
}

/// The exit status for a failed command: the class the outermost classed error states (each
/// layer's error knows its own; no message text is read).
pub fn classify(error: &anyhow::Error) -> i32 {
    for cause in error.chain() {
        if let Some(class) = class_of(cause) {
            return status_of(class);
        }
    }
    if crate::util::cancel::requested() {
        return INTERRUPTED;
    }
    FAILURE
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_line_says_each_cause_once() {
        let io = std::io::Error::from(std::io::ErrorKind::NotFound);
        let repo = RepoError::Io {
            path: "/x".into(),
            action: "open",
            source: io,
        };
        let e = anyhow::Error::new(repo).context("restore host/a");
        let line = one_line(&e);
        assert_eq!(line.matches("not found").count(), 1, "{line}");
        assert!(line.starts_with("restore host/a: /x: open: "), "{line}");
        let plain = anyhow::anyhow!("inner").context("outer");
        assert_eq!(one_line(&plain), "outer: inner");
    }
}
