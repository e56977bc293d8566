//! Progress counters the engine updates and the shell renders; the engine itself never prints.

use crate::util::cancel::CancelToken;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

/// Counters of a running operation, shared between the worker threads and whoever displays them.
#[derive(Debug, Default)]
pub struct Progress {
    /// Bytes read from the source (or restored).
    pub bytes: AtomicU64,
    /// Bytes of chunks that were new to the store.
    pub new_bytes: AtomicU64,
    /// Encoded (compressed/encrypted) bytes written for new chunks.
    pub stored_bytes: AtomicU64,
    pub chunks: AtomicU64,
    pub new_chunks: AtomicU64,
    /// Files done (backed up, restored, or whatever unit the operation counts: verify counts
    /// chunks, gc index files). Shared with the archive walk and the restore writer, which
    /// know nothing of the engine.
    pub files: Arc<AtomicU64>,
    /// The expected final value of `bytes` when known in advance (0: unknown), for a
    /// percentage and an ETA.
    pub total: AtomicU64,
    /// Cancelled by Ctrl-C (by default the token follows `cancel::ctrl_c()`) or by whoever
    /// holds a clone; long loops check it and stop cleanly.
    pub cancel: CancelToken,
}

impl Progress {
    pub fn add(counter: &AtomicU64, n: u64) {
        counter.fetch_add(n, Ordering::Relaxed);
    }

    pub fn get(counter: &AtomicU64) -> u64 {
        counter.load(Ordering::Relaxed)
    }

    pub fn is_cancelled(&self) -> bool {
        self.cancel.is_cancelled()
    }
}
