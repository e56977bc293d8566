//! The mount's worker threads: a small pool that serves reads off the FUSE dispatch thread, and
//! sequential read-ahead that warms the chunk cache for the chunks after the last read.
//!
//! Never blocks the dispatch thread: jobs are queued, and read-ahead only ever queues chunk
//! fetches that go through the same `ChunkReader` (and cache) as the reads themselves.

use crate::engine::reader::{AnyIndex, ChunkReader};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

type Job = Box<dyn FnOnce() + Send + 'static>;

/// Reads `want` bytes from `offset` through `read_at`, stopping early at the end of the data; a
/// failure gives the offset it happened at (a FUSE read answers EIO and the mount logs that).
pub fn read_range<E>(
    want: usize,
    offset: u64,
    mut read_at: impl FnMut(&mut [u8], u64) -> Result<usize, E>,
) -> Result<Vec<u8>, (u64, E)> {
    let mut buf = vec![0u8; want];
    let mut done = 0usize;
    while done < want {
        let at = offset + done as u64;
        match read_at(buf.get_mut(done..).unwrap_or_default(), at) {
            Ok(0) => break,
            Ok(n) => done += n,
            Err(e) => return Err((at, e)),
        }
    }
    buf.truncate(done);
    Ok(buf)
}

/// A fixed number of threads taking jobs from one queue.
pub struct Pool {
    tx: Option<mpsc::Sender<Job>>,
    threads: Vec<JoinHandle<()>>,
}

impl Pool {
    pub fn new(name: &str, threads: usize) -> Pool {
        let (tx, rx) = mpsc::channel::<Job>();
        let rx = Arc::new(Mutex::new(rx));
        let threads = (0..threads.max(1))
            .filter_map(|i| {
                let rx = rx.clone();
                std::thread::Builder::new()
                    .name(format!("{name}-{i}"))
                    .spawn(move || loop {
                        let job = match rx.lock() {
                            Ok(rx) => rx.recv(),
                            Err(_) => return,
                        };
                        match job {
                            Ok(job) => job(),
                            Err(_) => return,
                        }
                    })
                    .ok()
            })
            .collect();
        Pool {
            tx: Some(tx),
            threads,
        }
    }

    /// Runs `job` on a pool thread, or right here when the pool has no threads left.
    pub fn spawn(&self, job: impl FnOnce() + Send + 'static) {
        let job: Job = Box::new(job);
        let job = match &self.tx {
            Some(tx) if !self.threads.is_empty() => match tx.send(job) {
                Ok(()) => return,
                Err(mpsc::SendError(job)) => job,
            },
            _ => job,
        };
        job();
    }
}

impl Drop for Pool {
    fn drop(&mut self) {
        self.tx = None;
        for t in self.threads.drain(..) {
            let _ = t.join();
        }
    }
}

/// Where the last reads of one open file were, to tell sequential reading from random access.
#[derive(Debug, Default)]
pub struct SeqState {
    /// End (stream offset) of the last read.
    last_end: u64,
    /// Stream offset up to which chunks were already queued for read-ahead.
    ahead_until: u64,
}

/// Reads within this distance of the last read's end still count as sequential (the kernel's
/// own read-ahead sends several reads at once, which may arrive slightly out of order).
const SEQUENTIAL_SLACK_BYTES: u64 = 4 << 20;

/// Sequential read-ahead over one index: queues fetches of the next chunks into the cache.
pub struct ReadAhead {
    chunks: Arc<ChunkReader>,
    index: Arc<AnyIndex>,
    window_chunks: usize,
    pool: Arc<Pool>,
}

impl ReadAhead {
    pub fn new(
        chunks: Arc<ChunkReader>,
        index: Arc<AnyIndex>,
        window_chunks: usize,
        pool: Arc<Pool>,
    ) -> ReadAhead {
        ReadAhead {
            chunks,
            index,
            window_chunks,
            pool,
        }
    }

    /// Notes a read of stream bytes `[start, end)` of a file that ends at stream offset
    /// `limit`; when the reads are sequential, queues the next chunks up to `limit`.
    pub fn after_read(&self, state: &mut SeqState, start: u64, end: u64, limit: u64) {
        let sequential = start == 0
            || (start <= state.last_end.saturating_add(SEQUENTIAL_SLACK_BYTES)
                && start.saturating_add(SEQUENTIAL_SLACK_BYTES) >= state.last_end);
        state.last_end = state.last_end.max(end);
        if !sequential || self.window_chunks == 0 || end >= limit {
            return;
        }
        let Some(current) = self.index.chunk_at(end.saturating_sub(1)) else {
            return;
        };
        let last = current
            .saturating_add(self.window_chunks)
            .min(self.index.chunk_count().saturating_sub(1));
        let mut n = match self.index.chunk_at(state.ahead_until) {
            Some(a) if state.ahead_until > end => a.max(current + 1),
            _ => current + 1,
        };
        while n <= last {
            let Some((chunk_start, chunk_end)) = self.index.chunk_range(n) else {
                break;
            };
            if chunk_start >= limit {
                break;
            }
            state.ahead_until = chunk_end;
            if let Some(digest) = self.index.digest(n).copied() {
                if !self.chunks.is_cached(&digest) {
                    let chunks = self.chunks.clone();
                    // Errors surface when the read itself reaches this chunk.
                    self.pool.spawn(move || {
                        let _ = chunks.read_chunk(&digest);
                    });
                }
            }
            n += 1;
        }
    }
}
