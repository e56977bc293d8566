//! Ctrl-C while a command runs: a process-wide flag the SIGINT handler sets and long loops check.
//!
//! The shell clears it before each command; the engine's loops and the shell's copy loops stop
//! cleanly (removing their temporary files) when it is set.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Once;

static REQUESTED: AtomicBool = AtomicBool::new(false);
static INSTALL: Once = Once::new();

extern "C" fn on_sigint(_: libc::c_int) {
    // Only an atomic store: async-signal-safe.
    REQUESTED.store(true, Ordering::SeqCst);
}

/// Routes SIGINT to the flag instead of killing the process (interactive shell only).
pub fn install_handler() {
    INSTALL.call_once(|| {
        // SAFETY: the handler only stores to an atomic; sigaction is given a zeroed, valid struct.
        unsafe {
            let mut action: libc::sigaction = std::mem::zeroed();
            action.sa_sigaction = on_sigint as *const () as usize;
            action.sa_flags = libc::SA_RESTART;
            libc::sigemptyset(&mut action.sa_mask);
            libc::sigaction(libc::SIGINT, &action, std::ptr::null_mut());
        }
    });
}

/// Whether Ctrl-C was pressed since the last `reset`.
pub fn requested() -> bool {
    REQUESTED.load(Ordering::SeqCst)
}

/// Sets the flag (tests, and a second path such as SIGTERM).
pub fn request() {
    REQUESTED.store(true, Ordering::SeqCst);
}

pub fn reset() {
    REQUESTED.store(false, Ordering::SeqCst);
}
