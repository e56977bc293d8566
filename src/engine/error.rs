//! The engine's error: a failure of a backup, restore or maintenance operation, naming what it
//! was working on and keeping the class of the layer that failed (for exit statuses).

use crate::archive::create::CreateError;
use crate::format::error::FormatError;
use crate::repo::RepoError;
use std::io;
use thiserror::Error;

/// A failure of an engine operation, naming what it was working on.
#[derive(Debug, Error)]
pub enum EngineError {
    #[error(transparent)]
    Repo(#[from] RepoError),
    #[error("{what}: {source}")]
    Format { what: String, source: FormatError },
    #[error(transparent)]
    Archive(#[from] CreateError),
    #[error(transparent)]
    Restore(#[from] crate::archive::restore::RestoreError),
    #[error("{what}: {source}")]
    Io { what: String, source: io::Error },
    #[error("{0}")]
    Refused(String),
    #[error("cancelled")]
    Cancelled,
}

impl EngineError {
    /// The class of this failure (for exit statuses), from the layer that failed.
    pub fn class(&self) -> Option<crate::util::error_class::ErrorClass> {
        use crate::util::error_class::{of_io, ErrorClass};
        match self {
            EngineError::Repo(e) => e.class(),
            EngineError::Format { source, .. } => source.class(),
            EngineError::Archive(e) => e.class(),
            EngineError::Restore(e) => e.class(),
            EngineError::Io { source, .. } => Some(of_io(source)),
            EngineError::Refused(_) => None,
            EngineError::Cancelled => Some(ErrorClass::Interrupted),
        }
    }
}

pub type Result<T, E = EngineError> = std::result::Result<T, E>;
