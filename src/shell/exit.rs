//! Exit statuses scripts can branch on, and how a failed command's error maps to one.
//!
//! The same classes apply to one-shot use, `-c`, `-f` and piped scripts (`help exit-codes`).

use crate::engine::backup::EngineError;
use crate::format::error::FormatError;
use crate::repo::remote::RemoteError;
use crate::repo::RepoError;
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

/// The exit status for a failed command.
pub fn classify(error: &anyhow::Error) -> i32 {
    for cause in error.chain() {
        if let Some(e) = cause.downcast_ref::<ShellError>() {
            return match e {
                ShellError::Usage(_) => USAGE,
                ShellError::NotFound(_) => NOT_FOUND,
                ShellError::Partial(_) => PARTIAL,
                ShellError::Cancelled => INTERRUPTED,
            };
        }
        // `EngineError::Repo` is transparent: the chain skips the repository error inside it.
        let repo = cause.downcast_ref::<RepoError>().or_else(|| {
            match cause.downcast_ref::<EngineError>() {
                Some(EngineError::Repo(inner)) => Some(inner),
                _ => None,
            }
        });
        if let Some(e) = repo {
            match e {
                RepoError::NotFound(_) | RepoError::Absent(_) => return NOT_FOUND,
                RepoError::Locked(_) => return LOCKED,
                RepoError::Auth(_) => return AUTH,
                _ => {}
            }
        }
        if cause
            .downcast_ref::<RemoteError>()
            .is_some_and(RemoteError::is_not_found)
        {
            return NOT_FOUND;
        }
        if let Some(
            RemoteError::Auth(_)
            | RemoteError::FingerprintMismatch { .. }
            | RemoteError::Untrusted { .. }
            | RemoteError::Http {
                status: 401 | 403, ..
            },
        ) = cause.downcast_ref::<RemoteError>()
        {
            return AUTH;
        }
        if let Some(EngineError::Cancelled) = cause.downcast_ref::<EngineError>() {
            return INTERRUPTED;
        }
        if let Some(FormatError::WrongKeyOrCorrupt | FormatError::MissingKey) =
            cause.downcast_ref::<FormatError>()
        {
            return AUTH;
        }
        if let Some(e) = cause.downcast_ref::<std::io::Error>() {
            match e.kind() {
                std::io::ErrorKind::BrokenPipe => return BROKEN_PIPE,
                std::io::ErrorKind::NotFound => return NOT_FOUND,
                std::io::ErrorKind::Interrupted => return INTERRUPTED,
                _ => {}
            }
        }
        let text = cause.to_string();
        if text.contains("wrong passphrase") || text.contains("wrong key") {
            return AUTH;
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
