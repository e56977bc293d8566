//! The one error type of the `format` folder: what was wrong with which bytes.
//!
//! Messages are lowercase one-liners naming the structure and the fault; callers add the file.

use thiserror::Error;

/// A decoding or encoding failure of one of PBS's byte formats.
#[derive(Debug, Error)]
pub enum FormatError {
    #[error("{what}: too short ({len} bytes, need at least {need})")]
    TooShort {
        what: &'static str,
        len: usize,
        need: usize,
    },
    #[error("{what}: bad magic {found}")]
    BadMagic { what: &'static str, found: String },
    #[error("blob: CRC mismatch (stored {stored:08x}, computed {computed:08x})")]
    CrcMismatch { stored: u32, computed: u32 },
    #[error("blob is encrypted but no key was given")]
    MissingKey,
    #[error("wrong key or corrupt data (AES-GCM authentication failed)")]
    WrongKeyOrCorrupt,
    #[error("{what}: {size} bytes exceeds the limit of {limit} bytes")]
    TooLarge {
        what: &'static str,
        size: u64,
        limit: u64,
    },
    #[error("zstd decompression failed: {0}")]
    Decompress(String),
    #[error("digest mismatch (expected {expected}, computed {computed})")]
    DigestMismatch { expected: String, computed: String },
    #[error("{what}: {detail}")]
    Invalid { what: &'static str, detail: String },
    #[error("crypto library: {0}")]
    Crypto(String),
    /// A key file's passphrase did not unwrap the key (`hint`: " hint: …" or empty).
    #[error("key file: unable to decrypt key (wrong passphrase?{hint})")]
    WrongPassphrase { hint: String },
    #[error("manifest: wrong key: snapshot was written with key {recorded}, given key is {given}")]
    WrongKey { recorded: String, given: String },
    /// The writer an encoder writes into failed (a disk, a pipe, an upload).
    #[error("{what}: write error at offset {offset}: {source}")]
    Write {
        what: String,
        offset: u64,
        source: std::io::Error,
    },
}

impl FormatError {
    /// Shorthand for an `Invalid` error.
    pub fn invalid(what: &'static str, detail: impl Into<String>) -> Self {
        FormatError::Invalid {
            what,
            detail: detail.into(),
        }
    }
}

impl FormatError {
    /// The class of this failure: key problems are authentication, the rest is stored data
    /// failing a check.
    pub fn class(&self) -> Option<crate::util::error_class::ErrorClass> {
        use crate::util::error_class::ErrorClass;
        Some(match self {
            FormatError::MissingKey
            | FormatError::WrongKeyOrCorrupt
            | FormatError::WrongPassphrase { .. }
            | FormatError::WrongKey { .. } => ErrorClass::Auth,
            FormatError::Crypto(_) => return None,
            FormatError::Write { source, .. } => crate::util::error_class::of_io(source),
            _ => ErrorClass::Corrupt,
        })
    }
}

impl From<openssl::error::ErrorStack> for FormatError {
    fn from(e: openssl::error::ErrorStack) -> Self {
        FormatError::Crypto(e.to_string())
    }
}

pub type Result<T, E = FormatError> = std::result::Result<T, E>;
