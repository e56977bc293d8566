//! The read side: chunks fetched from a repository, verified (CRC, GCM tag, digest, crypt mode)
//! and cached, and readers that present an index as one continuous stream or as random access.
//!
//! Every byte that restore, `cat`, `get` or a mount reads comes through `ChunkReader`.

use crate::format::blob;
use crate::format::crypt::CryptConfig;
use crate::format::digest::ChunkDigest;
use crate::format::index::{DynamicIndex, FixedIndex};
use crate::format::pxar::accessor::ReadAt;
use crate::repo::{RepoError, Repository};
use std::collections::HashMap;
use std::io::{self, Read};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex};

/// Default chunk cache size.
pub const DEFAULT_CACHE_BYTES: usize = 64 * 1024 * 1024;

/// Environment variable: when set (non-empty), the `pbsh` binary says on standard error, as it
/// exits, how many chunks it fetched (benchmarks and tests count reads with it).
pub const CHUNK_STATS_ENV: &str = "PBSH_CHUNK_STATS";

/// Chunks (and their encoded bytes) every `ChunkReader` of this process fetched.
static PROCESS_FETCHED: AtomicU64 = AtomicU64::new(0);
static PROCESS_FETCHED_BYTES: AtomicU64 = AtomicU64::new(0);

/// What every `ChunkReader` of this process fetched from repositories so far.
pub fn process_stats() -> ChunkReaderStats {
    ChunkReaderStats {
        chunks_fetched: PROCESS_FETCHED.load(Ordering::Relaxed),
        bytes_fetched: PROCESS_FETCHED_BYTES.load(Ordering::Relaxed),
    }
}

/// Says `pbsh: chunks fetched: N (B bytes)` on standard error when `PBSH_CHUNK_STATS` is set.
pub fn report_process_stats() {
    if std::env::var_os(CHUNK_STATS_ENV).is_some_and(|v| !v.is_empty()) {
        let stats = process_stats();
        crate::errln!(
            "pbsh: chunks fetched: {} ({} bytes)",
            stats.chunks_fetched,
            stats.bytes_fetched
        );
    }
}

struct Cache {
    entries: HashMap<ChunkDigest, (Arc<Vec<u8>>, u64)>,
    bytes: usize,
    capacity: usize,
    tick: u64,
}

/// Digest → verified plaintext, through an LRU cache.
pub struct ChunkReader {
    repo: Arc<dyn Repository>,
    crypt: Option<Arc<CryptConfig>>,
    /// Whether the archive's chunks must be encrypted (crypt mode `encrypt`) or must not be.
    encrypted: bool,
    cache: Mutex<Cache>,
    /// Chunks being fetched right now (only with a cache): a second reader of the same chunk
    /// waits for the first instead of fetching and decoding it again.
    in_flight: Mutex<HashMap<ChunkDigest, Arc<InFlight>>>,
    /// Chunks fetched from the repository (cache misses), and their encoded bytes.
    fetched: AtomicU64,
    fetched_bytes: AtomicU64,
}

/// One chunk fetch that other readers may wait for.
#[derive(Default)]
struct InFlight {
    done: Mutex<bool>,
    cond: Condvar,
}

/// Counters of a `ChunkReader`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ChunkReaderStats {
    /// Chunks fetched from the repository (not served from the cache).
    pub chunks_fetched: u64,
    /// Their size as stored (encoded).
    pub bytes_fetched: u64,
}

impl ChunkReader {
    pub fn new(
        repo: Arc<dyn Repository>,
        crypt: Option<Arc<CryptConfig>>,
        encrypted: bool,
        cache_bytes: usize,
    ) -> Self {
        ChunkReader {
            repo,
            crypt,
            encrypted,
            cache: Mutex::new(Cache {
                entries: HashMap::new(),
                bytes: 0,
                capacity: cache_bytes,
                tick: 0,
            }),
            in_flight: Mutex::new(HashMap::new()),
            fetched: AtomicU64::new(0),
            fetched_bytes: AtomicU64::new(0),
        }
    }

    /// How many chunks were fetched from the repository so far.
    pub fn stats(&self) -> ChunkReaderStats {
        ChunkReaderStats {
            chunks_fetched: self.fetched.load(Ordering::Relaxed),
            bytes_fetched: self.fetched_bytes.load(Ordering::Relaxed),
        }
    }

    /// The cache's capacity in bytes (0: no cache).
    pub fn cache_capacity(&self) -> usize {
        self.cache.lock().map(|c| c.capacity).unwrap_or(0)
    }

    /// Whether the chunk is in the cache now (without touching its LRU position).
    pub fn is_cached(&self, digest: &ChunkDigest) -> bool {
        self.cache
            .lock()
            .map(|c| c.entries.contains_key(digest))
            .unwrap_or(false)
    }

    fn cached(&self, digest: &ChunkDigest) -> Option<Arc<Vec<u8>>> {
        let mut cache = self.cache.lock().ok()?;
        cache.tick += 1;
        let tick = cache.tick;
        let (data, used) = cache.entries.get_mut(digest)?;
        *used = tick;
        Some(data.clone())
    }

    /// The chunk's plaintext, verified against its digest.
    pub fn read_chunk(&self, digest: &ChunkDigest) -> Result<Arc<Vec<u8>>, RepoError> {
        if let Some(data) = self.cached(digest) {
            return Ok(data);
        }
        let caching = self.cache.lock().map(|c| c.capacity > 0).unwrap_or(false);
        if !caching {
            return self.fetch(digest);
        }
        // Single flight: wait while another thread fetches this chunk, then take it from the
        // cache (or, if that fetch failed or the chunk did not fit, fetch it ourselves).
        loop {
            let (flight, leader) = match self.in_flight.lock() {
                Ok(mut map) => match map.get(digest) {
                    Some(f) => (f.clone(), false),
                    None => {
                        let f = Arc::new(InFlight::default());
                        map.insert(*digest, f.clone());
                        (f, true)
                    }
                },
                Err(_) => return self.fetch(digest),
            };
            if leader {
                let result = self.fetch(digest);
                if let Ok(mut map) = self.in_flight.lock() {
                    map.remove(digest);
                }
                if let Ok(mut done) = flight.done.lock() {
                    *done = true;
                }
                flight.cond.notify_all();
                return result;
            }
            if let Ok(mut done) = flight.done.lock() {
                while !*done {
                    match flight.cond.wait(done) {
                        Ok(d) => done = d,
                        Err(_) => break,
                    }
                }
            }
            if let Some(data) = self.cached(digest) {
                return Ok(data);
            }
            // The leader failed or could not cache: try once more as leader.
            if self
                .in_flight
                .lock()
                .map(|m| !m.contains_key(digest))
                .unwrap_or(true)
            {
                return self.fetch(digest);
            }
        }
    }

    /// Fetches, verifies and decodes a chunk, and caches it.
    fn fetch(&self, digest: &ChunkDigest) -> Result<Arc<Vec<u8>>, RepoError> {
        let raw = self.repo.read_chunk(digest)?;
        self.fetched.fetch_add(1, Ordering::Relaxed);
        self.fetched_bytes
            .fetch_add(raw.len() as u64, Ordering::Relaxed);
        PROCESS_FETCHED.fetch_add(1, Ordering::Relaxed);
        PROCESS_FETCHED_BYTES.fetch_add(raw.len() as u64, Ordering::Relaxed);
        let what = || format!("chunk {digest}");
        let kind = blob::check_header_and_crc(&raw).map_err(|source| RepoError::Format {
            what: what(),
            source,
        })?;
        if kind.is_encrypted() != self.encrypted {
            return Err(RepoError::Refused(format!(
                "chunk {digest}: crypt mode mismatch (chunk is {}encrypted, the archive {})",
                if kind.is_encrypted() { "" } else { "not " },
                if self.encrypted {
                    "is encrypted"
                } else {
                    "is not"
                }
            )));
        }
        let plain = blob::decode_chunk_of_kind(&raw, kind, self.crypt.as_deref(), digest).map_err(
            |source| RepoError::Format {
                what: what(),
                source,
            },
        )?;
        let data = Arc::new(plain);
        let mut evicted = false;
        if let Ok(mut cache) = self.cache.lock() {
            let len = data.len();
            while cache.bytes + len > cache.capacity && !cache.entries.is_empty() {
                evicted = true;
                let oldest = cache
                    .entries
                    .iter()
                    .min_by_key(|(_, (_, used))| *used)
                    .map(|(d, _)| *d);
                if let Some(d) = oldest {
                    if let Some((old, _)) = cache.entries.remove(&d) {
                        cache.bytes -= old.len();
                    }
                }
            }
            if len <= cache.capacity {
                let tick = cache.tick;
                cache.bytes += len;
                cache.entries.insert(*digest, (data.clone(), tick));
            }
        }
        if evicted {
            release_free_memory();
        }
        Ok(data)
    }
}

/// A prefetching reader returns freed memory after this many chunks (about 128 MiB of data).
const TRIM_EVERY_CHUNKS: usize = 32;

/// Hands freed heap memory back to the system. glibc keeps freed multi-MiB chunk buffers in its
/// arenas (its mmap threshold rises once the first is freed), so a cache that evicts a chunk
/// per fetch (a listing going through a 1 GiB archive) would otherwise hold several times its
/// capacity.
fn release_free_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim only returns free pages to the system; it touches no live memory.
    unsafe {
        libc::malloc_trim(0);
    }
}

/// A dynamic or fixed index, asked the same questions.
#[derive(Debug, Clone)]
pub enum AnyIndex {
    Dynamic(DynamicIndex),
    Fixed(FixedIndex),
}

impl AnyIndex {
    pub fn size(&self) -> u64 {
        match self {
            AnyIndex::Dynamic(i) => i.size(),
            AnyIndex::Fixed(i) => i.size,
        }
    }

    pub fn chunk_count(&self) -> usize {
        match self {
            AnyIndex::Dynamic(i) => i.chunk_count(),
            AnyIndex::Fixed(i) => i.chunk_count(),
        }
    }

    pub fn chunk_at(&self, offset: u64) -> Option<usize> {
        match self {
            AnyIndex::Dynamic(i) => i.chunk_at(offset),
            AnyIndex::Fixed(i) => i.chunk_at(offset),
        }
    }

    pub fn chunk_range(&self, n: usize) -> Option<(u64, u64)> {
        match self {
            AnyIndex::Dynamic(i) => i.chunk_range(n),
            AnyIndex::Fixed(i) => i.chunk_range(n),
        }
    }

    pub fn digest(&self, n: usize) -> Option<&ChunkDigest> {
        match self {
            AnyIndex::Dynamic(i) => i.digest(n),
            AnyIndex::Fixed(i) => i.digest(n),
        }
    }

    pub fn digests(&self) -> &[ChunkDigest] {
        match self {
            AnyIndex::Dynamic(i) => i.digests(),
            AnyIndex::Fixed(i) => i.digests(),
        }
    }

    pub fn compute_csum(&self) -> ([u8; 32], u64) {
        match self {
            AnyIndex::Dynamic(i) => i.compute_csum(),
            AnyIndex::Fixed(i) => i.compute_csum(),
        }
    }
}

/// An archive stream reassembled from an index: `Read` front to back, or `ReadAt` anywhere.
pub struct IndexReader {
    chunks: Arc<ChunkReader>,
    index: Arc<AnyIndex>,
    position: u64,
    /// Read-ahead for `will_need` hints, started by the first one.
    ahead: Mutex<Option<HintedReadAhead>>,
}

/// A thread that fetches hinted chunks into the cache, ahead of the reader.
struct HintedReadAhead {
    tx: std::sync::mpsc::SyncSender<ChunkDigest>,
    /// Chunks before this index (back to where the hints started) are queued already.
    queued_until: usize,
}

/// Chunks queued for read-ahead at most at once.
const READ_AHEAD_QUEUE: usize = 4;

impl IndexReader {
    pub fn new(chunks: Arc<ChunkReader>, index: Arc<AnyIndex>) -> Self {
        IndexReader {
            chunks,
            index,
            position: 0,
            ahead: Mutex::new(None),
        }
    }

    /// Queues the chunks of `[offset, offset + len)` that are not cached for the read-ahead
    /// thread (a quarter of the cache at most, so they are still there when read).
    fn hint(&self, offset: u64, len: u64) {
        let capacity = self.chunks.cache_capacity() as u64;
        let len = len.min(capacity / 4);
        if len == 0 {
            return;
        }
        let end = offset.saturating_add(len).min(self.index.size());
        let (Some(first), Some(last)) = (
            self.index.chunk_at(offset),
            self.index.chunk_at(end.saturating_sub(1)),
        ) else {
            return;
        };
        let Ok(mut guard) = self.ahead.lock() else {
            return;
        };
        if guard.is_none() {
            let (tx, rx) = std::sync::mpsc::sync_channel::<ChunkDigest>(READ_AHEAD_QUEUE);
            let chunks = self.chunks.clone();
            let spawned = std::thread::Builder::new()
                .name("pbsh-read-ahead".into())
                .spawn(move || {
                    // Ends when the reader (the sender) is dropped.
                    while let Ok(digest) = rx.recv() {
                        let _ = chunks.read_chunk(&digest);
                    }
                });
            if spawned.is_err() {
                return;
            }
            *guard = Some(HintedReadAhead {
                tx,
                queued_until: first,
            });
        }
        let Some(state) = guard.as_mut() else {
            return;
        };
        // Continue a front-to-back run where its queueing stopped; anything else starts anew.
        let mut n =
            if first < state.queued_until && first + 2 * READ_AHEAD_QUEUE >= state.queued_until {
                state.queued_until
            } else {
                first
            };
        while n <= last {
            if let Some(digest) = self.index.digest(n) {
                if !self.chunks.is_cached(digest) && state.tx.try_send(*digest).is_err() {
                    // The queue is full: later hints queue the rest.
                    break;
                }
            }
            n += 1;
        }
        state.queued_until = n;
    }

    pub fn size(&self) -> u64 {
        self.index.size()
    }

    /// The chunk reader this stream reads through (for read-ahead and counters).
    pub fn chunk_reader(&self) -> &Arc<ChunkReader> {
        &self.chunks
    }

    /// The index this stream reassembles.
    pub fn index(&self) -> &Arc<AnyIndex> {
        &self.index
    }

    fn read_at_inner(&self, buf: &mut [u8], offset: u64) -> io::Result<usize> {
        let Some(n) = self.index.chunk_at(offset) else {
            return Ok(0);
        };
        let (start, end) = self
            .index
            .chunk_range(n)
            .ok_or_else(|| io::Error::other("index range"))?;
        let digest = self
            .index
            .digest(n)
            .ok_or_else(|| io::Error::other("index digest"))?;
        let data = self.chunks.read_chunk(digest).map_err(io::Error::other)?;
        if data.len() as u64 != end - start {
            return Err(io::Error::other(format!(
                "chunk {digest}: {} bytes, the index says {}",
                data.len(),
                end - start
            )));
        }
        let within = (offset - start) as usize;
        let count = buf.len().min(data.len() - within);
        buf[..count].copy_from_slice(&data[within..within + count]);
        Ok(count)
    }
}

impl Read for IndexReader {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.read_at_inner(buf, self.position)?;
        self.position += n as u64;
        Ok(n)
    }
}

impl ReadAt for IndexReader {
    fn read_at(&self, buf: &mut [u8], offset: u64) -> io::Result<usize> {
        self.read_at_inner(buf, offset)
    }

    fn size(&self) -> io::Result<u64> {
        Ok(self.index.size())
    }

    fn will_need(&self, offset: u64, len: u64) {
        self.hint(offset, len);
    }
}

/// What an opened pxar archive is read from: an index's chunks (an archive in a snapshot) or
/// a plain file (a lone archive). The accessor reads both the same way.
pub enum ArchiveSource {
    Index(IndexReader),
    File(std::fs::File),
}

impl ReadAt for ArchiveSource {
    fn read_at(&self, buf: &mut [u8], offset: u64) -> io::Result<usize> {
        match self {
            ArchiveSource::Index(r) => r.read_at(buf, offset),
            ArchiveSource::File(f) => ReadAt::read_at(f, buf, offset),
        }
    }

    fn size(&self) -> io::Result<u64> {
        match self {
            ArchiveSource::Index(r) => ReadAt::size(r),
            ArchiveSource::File(f) => ReadAt::size(f),
        }
    }

    fn will_need(&self, offset: u64, len: u64) {
        if let ArchiveSource::Index(r) = self {
            r.will_need(offset, len);
        }
    }
}

/// Reads a whole archive front to back, decoding chunks ahead on `workers` threads.
///
/// At most `2 × workers` decoded chunks are held ahead of the reader, so memory stays bounded.
pub struct PrefetchReader {
    rx: std::sync::mpsc::Receiver<(usize, io::Result<Arc<Vec<u8>>>)>,
    pending: HashMap<usize, io::Result<Arc<Vec<u8>>>>,
    next: usize,
    count: usize,
    current: Option<(Arc<Vec<u8>>, usize)>,
    consumed: Arc<(Mutex<usize>, std::sync::Condvar)>,
    stop: Arc<std::sync::atomic::AtomicBool>,
}

impl PrefetchReader {
    pub fn new(chunks: Arc<ChunkReader>, index: Arc<AnyIndex>, workers: usize) -> Self {
        Self::selective(chunks, index, workers, None)
    }

    /// Like `new`, but chunks marked `false` in `needed` are neither fetched nor decoded: they
    /// read as zeros (for stretches of a stream the caller will skip, such as payload padding).
    pub fn selective(
        chunks: Arc<ChunkReader>,
        index: Arc<AnyIndex>,
        workers: usize,
        needed: Option<Arc<Vec<bool>>>,
    ) -> Self {
        let count = index.chunk_count();
        let workers = workers.max(1);
        let ahead = workers * 2;
        let (tx, rx) = std::sync::mpsc::sync_channel(ahead);
        let next_job = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let consumed = Arc::new((Mutex::new(0usize), std::sync::Condvar::new()));
        let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
        for i in 0..workers {
            let (chunks, index, tx, next_job, consumed, stop) = (
                chunks.clone(),
                index.clone(),
                tx.clone(),
                next_job.clone(),
                consumed.clone(),
                stop.clone(),
            );
            let needed = needed.clone();
            let _ = std::thread::Builder::new()
                .name(format!("pbsh-read-{i}"))
                .spawn(move || loop {
                    let n = next_job.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    if n >= count {
                        return;
                    }
                    {
                        let (lock, cond) = &*consumed;
                        let Ok(mut done) = lock.lock() else { return };
                        while n >= *done + ahead {
                            if stop.load(std::sync::atomic::Ordering::Relaxed) {
                                return;
                            }
                            let Ok(next) = cond.wait(done) else { return };
                            done = next;
                        }
                    }
                    let skip = needed
                        .as_ref()
                        .is_some_and(|want| !want.get(n).copied().unwrap_or(true));
                    let result = match (skip, index.digest(n), index.chunk_range(n)) {
                        (true, _, Some((start, end))) => {
                            Ok(Arc::new(vec![0u8; (end - start) as usize]))
                        }
                        (_, Some(d), _) => chunks.read_chunk(d).map_err(io::Error::other),
                        _ => Err(io::Error::other("index digest")),
                    };
                    if tx.send((n, result)).is_err() {
                        return;
                    }
                });
        }
        PrefetchReader {
            rx,
            pending: HashMap::new(),
            next: 0,
            count,
            current: None,
            consumed,
            stop,
        }
    }

    fn advance(&mut self) -> io::Result<Option<Arc<Vec<u8>>>> {
        if self.next >= self.count {
            return Ok(None);
        }
        let result = loop {
            if let Some(r) = self.pending.remove(&self.next) {
                break r;
            }
            match self.rx.recv() {
                Ok((n, r)) => {
                    self.pending.insert(n, r);
                }
                Err(_) => return Err(io::Error::other("chunk readers stopped")),
            }
        };
        self.next += 1;
        // The decoded chunks were allocated on the reader threads and freed here; glibc keeps
        // them in those threads' arenas unless told (a restore of 1 GiB held ~100 MiB extra).
        if self.next % TRIM_EVERY_CHUNKS == 0 {
            release_free_memory();
        }
        let (lock, cond) = &*self.consumed;
        if let Ok(mut done) = lock.lock() {
            *done = self.next;
        }
        cond.notify_all();
        result.map(Some)
    }
}

impl Read for PrefetchReader {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        loop {
            if let Some((data, at)) = &mut self.current {
                if *at < data.len() {
                    let n = buf.len().min(data.len() - *at);
                    buf[..n].copy_from_slice(&data[*at..*at + n]);
                    *at += n;
                    return Ok(n);
                }
            }
            match self.advance()? {
                Some(data) => self.current = Some((data, 0)),
                None => return Ok(0),
            }
        }
    }
}

impl Drop for PrefetchReader {
    fn drop(&mut self) {
        self.stop.store(true, std::sync::atomic::Ordering::Relaxed);
        let (lock, cond) = &*self.consumed;
        if let Ok(mut done) = lock.lock() {
            *done = usize::MAX / 2;
        }
        cond.notify_all();
    }
}
