//! The class of a failure, which each layer's error type states for itself: usage, not found,
//! auth, locked, partial, interrupted, corrupt, I/O. The shell maps classes to exit statuses
//! (`shell::exit`); nothing there reads error text.

use std::io;

/// What kind of failure an error is, as scripts branch on it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorClass {
    /// A command, option, argument or name that is not valid.
    Usage,
    /// A path, snapshot, archive, file or namespace that does not exist.
    NotFound,
    /// Wrong passphrase, wrong or missing key, refused credentials or certificate.
    Auth,
    /// Busy with another operation (a lock is held).
    Locked,
    /// Part of the work was done.
    Partial,
    /// Cancelled (Ctrl-C).
    Interrupted,
    /// Stored data failed a check (CRC, digest, checksum, signature, structure).
    Corrupt,
    /// A local disk or the network failed.
    Io,
    /// The output pipe was closed.
    BrokenPipe,
}

/// The class of an operating-system error.
pub fn of_io(e: &io::Error) -> ErrorClass {
    if let Some(class) = e
        .get_ref()
        .and_then(|inner| inner.downcast_ref::<Classed>())
        .and_then(|c| c.class)
    {
        return class;
    }
    match e.kind() {
        io::ErrorKind::BrokenPipe => ErrorClass::BrokenPipe,
        io::ErrorKind::NotFound => ErrorClass::NotFound,
        io::ErrorKind::Interrupted => ErrorClass::Interrupted,
        _ => ErrorClass::Io,
    }
}

/// A failure carried as text across threads (worker pools report the first failure), with the
/// class of the error it was made from, so the class survives the trip.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{message}")]
pub struct Classed {
    pub message: String,
    pub class: Option<ErrorClass>,
}

impl Classed {
    pub fn new(message: impl Into<String>, class: Option<ErrorClass>) -> Self {
        Classed {
            message: message.into(),
            class,
        }
    }

    /// As an `io::Error` for writers (the class stays readable through `of_io`).
    pub fn to_io(&self) -> io::Error {
        io::Error::other(self.clone())
    }
}
