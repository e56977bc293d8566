//! Lines to standard error and standard output that never panic: a closed pipe (EPIPE) or
//! any other write error is ignored, since a diagnostic has nowhere else to go.
//!
//! `errln!` and `outln!` take `eprintln!`'s and `println!`'s place everywhere in pbsh (those
//! panic when the stream is gone; clippy's `disallowed-macros` keeps them out of `src/`).

use std::fmt;
use std::io::Write;

/// Writes one line to standard error in a single write; errors are ignored.
pub fn stderr_line(args: fmt::Arguments<'_>) {
    let line = format!("{args}\n");
    let mut err = std::io::stderr().lock();
    let _ = err.write_all(line.as_bytes());
    let _ = err.flush();
}

/// Writes one line to standard output and flushes it; errors are ignored.
pub fn stdout_line(args: fmt::Arguments<'_>) {
    let line = format!("{args}\n");
    let mut out = std::io::stdout().lock();
    let _ = out.write_all(line.as_bytes());
    let _ = out.flush();
}

/// `eprintln!` that never panics (see the module documentation).
#[macro_export]
macro_rules! errln {
    ($($arg:tt)*) => {
        $crate::util::stdio::stderr_line(format_args!($($arg)*))
    };
}

/// `println!` that never panics and flushes (see the module documentation).
#[macro_export]
macro_rules! outln {
    ($($arg:tt)*) => {
        $crate::util::stdio::stdout_line(format_args!($($arg)*))
    };
}
