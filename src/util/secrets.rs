//! Secret input: passphrases from the environment, a file descriptor, a file, or the terminal.
//!
//! Never from argv, never echoed, never logged; values are zeroed on drop (reliability.md P7).

use std::io::{BufRead, BufReader, Read};
use thiserror::Error;
use zeroize::Zeroizing;

/// A secret string, zeroed when dropped.
pub type Secret = Zeroizing<String>;

#[derive(Debug, Error)]
pub enum SecretError {
    #[error("{var}: {detail}")]
    Source { var: String, detail: String },
    #[error("no passphrase source: set {var} (or {var}_FD / {var}_FILE) or run on a terminal")]
    NoSource { var: String },
    #[error("terminal: {0}")]
    Terminal(String),
    #[error("passphrases do not match")]
    Mismatch,
}

impl SecretError {
    /// The class of this failure (for exit statuses).
    pub fn class(&self) -> Option<crate::util::error_class::ErrorClass> {
        use crate::util::error_class::ErrorClass;
        match self {
            SecretError::Mismatch => Some(ErrorClass::Auth),
            SecretError::NoSource { .. } => Some(ErrorClass::Usage),
            _ => None,
        }
    }
}

/// Reads the secret named by `var` from `VAR`, `VAR_FD` or `VAR_FILE` (first line only).
pub fn from_env(var: &str) -> Result<Option<Secret>, SecretError> {
    if let Ok(value) = std::env::var(var) {
        return Ok(Some(first_line(value)));
    }
    let source_err = |suffix: &str, detail: String| SecretError::Source {
        var: format!("{var}{suffix}"),
        detail,
    };
    if let Ok(fd_text) = std::env::var(format!("{var}_FD")) {
        let fd: i32 = fd_text.trim().parse().map_err(|_| {
            source_err(
                "_FD",
                format!("{fd_text:?} is not a file descriptor number"),
            )
        })?;
        let mut text = Zeroizing::new(String::new());
        // SAFETY: the user handed us this descriptor to read a secret from; we own it from here on.
        let file = unsafe { <std::fs::File as std::os::fd::FromRawFd>::from_raw_fd(fd) };
        BufReader::new(file)
            .take(64 * 1024)
            .read_line(&mut text)
            .map_err(|e| source_err("_FD", e.to_string()))?;
        return Ok(Some(first_line(std::mem::take(&mut *text))));
    }
    if let Ok(path) = std::env::var(format!("{var}_FILE")) {
        let file =
            std::fs::File::open(&path).map_err(|e| source_err("_FILE", format!("{path}: {e}")))?;
        let mut text = Zeroizing::new(String::new());
        BufReader::new(file)
            .take(64 * 1024)
            .read_line(&mut text)
            .map_err(|e| source_err("_FILE", format!("{path}: {e}")))?;
        return Ok(Some(first_line(std::mem::take(&mut *text))));
    }
    Ok(None)
}

fn first_line(mut text: String) -> Secret {
    let end = text.find(['\n', '\r']).unwrap_or(text.len());
    text.truncate(end);
    Zeroizing::new(text)
}

/// True when a controlling terminal can be opened for prompting.
pub fn has_terminal() -> bool {
    std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open("/dev/tty")
        .is_ok()
}

/// Prompts on the terminal without echo.
pub fn prompt(text: &str) -> Result<Secret, SecretError> {
    rpassword::prompt_password(text)
        .map(Zeroizing::new)
        .map_err(|e| SecretError::Terminal(e.to_string()))
}

/// The secret from `var` or, failing that, a terminal prompt.
pub fn get(var: &str, prompt_text: &str) -> Result<Secret, SecretError> {
    if let Some(secret) = from_env(var)? {
        return Ok(secret);
    }
    if has_terminal() {
        return prompt(prompt_text);
    }
    Err(SecretError::NoSource {
        var: var.to_string(),
    })
}

/// A new secret from `var`, or prompted twice on the terminal.
pub fn get_new(var: &str, prompt_text: &str) -> Result<Secret, SecretError> {
    if let Some(secret) = from_env(var)? {
        return Ok(secret);
    }
    if has_terminal() {
        let first = prompt(prompt_text)?;
        let second = prompt("Verify Password: ")?;
        if *first != *second {
            return Err(SecretError::Mismatch);
        }
        return Ok(first);
    }
    Err(SecretError::NoSource {
        var: var.to_string(),
    })
}
