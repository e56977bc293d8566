//! The backup pipeline: a `Write` sink that cuts its input into chunks and hands them to a pool
//! of workers that hash, dedup, compress, encrypt and store them, in parallel, with bounded memory.
//!
//! Memory is bounded by the queue depth times the largest chunk; the index comes out in stream
//! order whatever order the workers finish in. Never prints; never touches storage paths itself.

use crate::engine::progress::Progress;
use crate::format::blob::BlobEncoder;
use crate::format::chunker::{Chunker, FixedChunker};
use crate::format::crypt::CryptConfig;
use crate::format::digest::ChunkDigest;
use crate::format::index::IndexCsum;
use crate::format::pxar::encoder::{Copied, CopyFailure};
use crate::repo::{ChunkSink, IndexData, RepoError};
use crate::util::error_class::Classed;
use std::collections::{BTreeMap, HashSet};
use std::io::{self, Write};
use std::sync::mpsc::{self, Receiver, SyncSender};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

/// The size a new chunk buffer starts with; a recycled one may be at most a read piece larger.
const BUFFER_LEN: usize = 8 * 1024 * 1024;
/// File content is read straight into the chunk buffer in pieces of this size: a cut moves
/// at most this much to the next buffer.
const READ_PIECE: usize = 256 * 1024;

/// How the stream is cut.
#[derive(Debug, Clone, Copy)]
pub enum Chunking {
    /// Content-defined, with this average size (pxar archives: 4 MiB, catalogs: 512 KiB).
    Dynamic(usize),
    /// Fixed 4 MiB pieces (images).
    Fixed,
}

enum Cutter {
    Dynamic(Chunker),
    Fixed(FixedChunker),
}

impl Cutter {
    fn scan(&mut self, data: &[u8]) -> Option<usize> {
        match self {
            Cutter::Dynamic(c) => c.scan(data),
            Cutter::Fixed(c) => c.scan(data),
        }
    }

    fn reset(&mut self) {
        if let Cutter::Dynamic(c) = self {
            c.reset();
        }
    }
}

struct Job {
    seq: u64,
    /// A chunk buffer; the chunk is `data[..len]` (the rest is initialized spare room).
    data: Vec<u8>,
    len: usize,
}

struct Done {
    seq: u64,
    digest: ChunkDigest,
    size: u64,
}

/// Everything the workers share.
struct Shared {
    sink: Arc<dyn ChunkSink>,
    crypt: Option<Arc<CryptConfig>>,
    known: Arc<HashSet<ChunkDigest>>,
    progress: Arc<Progress>,
    error: Mutex<Option<Classed>>,
    /// The digest of an all-zero chunk of the given size, once computed: zero runs in images
    /// are common, and a known digest skips hashing (and, once stored, compressing) them.
    zero_chunk: Mutex<Option<(usize, ChunkDigest)>>,
}

/// What one archive upload produced.
#[derive(Debug, Clone)]
pub struct UploadResult {
    pub index: IndexData,
    pub size: u64,
    pub csum: [u8; 32],
    pub chunk_count: u64,
}

/// A `Write` that chunks and stores everything written to it.
pub struct ChunkUploader {
    cutter: Cutter,
    chunking: Chunking,
    /// The chunk being filled is `pending[..filled]`; past it, initialized room that reads
    /// land in directly (buffers are recycled whole, never shrunk, so never zeroed again).
    pending: Vec<u8>,
    filled: usize,
    max_chunk: usize,
    next_seq: u64,
    jobs: Option<SyncSender<Job>>,
    done: Receiver<Done>,
    /// Chunk buffers the workers are done with, reused for the next chunks: no fresh 8 MiB
    /// allocation (page faults, zeroed pages) per chunk. Bounded by the buffers in flight.
    recycled: Receiver<Vec<u8>>,
    workers: Vec<JoinHandle<()>>,
    shared: Arc<Shared>,
    /// Chunks of an earlier snapshot placed into this stream without their data.
    injected: Vec<Done>,
}

impl ChunkUploader {
    /// Starts `workers` threads; `known` are digests the store is known to hold (the previous
    /// snapshot's), which are neither checked nor uploaded again.
    pub fn new(
        chunking: Chunking,
        sink: Arc<dyn ChunkSink>,
        crypt: Option<Arc<CryptConfig>>,
        known: Arc<HashSet<ChunkDigest>>,
        progress: Arc<Progress>,
        workers: usize,
    ) -> io::Result<Self> {
        let (cutter, max_chunk) = match chunking {
            Chunking::Dynamic(avg) => {
                let c = Chunker::new(avg)
                    .map_err(|e| io::Error::new(io::ErrorKind::InvalidInput, e.to_string()))?;
                let max = c.max_size();
                (Cutter::Dynamic(c), max)
            }
            Chunking::Fixed => {
                let c = FixedChunker::for_images();
                let max = c.chunk_size();
                (Cutter::Fixed(c), max)
            }
        };
        let workers = workers.max(1);
        // Queue depth: two chunks per worker keeps every core busy; memory is depth × max chunk.
        let (job_tx, job_rx) = mpsc::sync_channel::<Job>(workers * 2);
        let (done_tx, done_rx) = mpsc::channel::<Done>();
        let (recycle_tx, recycle_rx) = mpsc::channel::<Vec<u8>>();
        let job_rx = Arc::new(Mutex::new(job_rx));
        let shared = Arc::new(Shared {
            sink,
            crypt,
            known,
            progress,
            error: Mutex::new(None),
            zero_chunk: Mutex::new(None),
        });
        let handles = (0..workers)
            .map(|i| {
                let rx = job_rx.clone();
                let tx = done_tx.clone();
                let recycle = recycle_tx.clone();
                let shared = shared.clone();
                std::thread::Builder::new()
                    .name(format!("pbsh-chunk-{i}"))
                    .spawn(move || worker(rx, tx, recycle, shared))
            })
            .collect::<io::Result<Vec<_>>>()?;
        Ok(ChunkUploader {
            cutter,
            chunking,
            pending: vec![0u8; max_chunk.min(BUFFER_LEN)],
            filled: 0,
            max_chunk,
            next_seq: 0,
            jobs: Some(job_tx),
            done: done_rx,
            recycled: recycle_rx,
            workers: handles,
            shared,
            injected: Vec::new(),
        })
    }

    /// Forces a chunk boundary here and appends already-stored chunks (digest, plaintext size)
    /// to the stream without reading or uploading their data.
    pub fn inject(&mut self, chunks: &[(ChunkDigest, u64)]) -> io::Result<()> {
        self.send_pending()?;
        self.cutter.reset();
        for (digest, size) in chunks {
            self.injected.push(Done {
                seq: self.next_seq,
                digest: *digest,
                size: *size,
            });
            self.next_seq += 1;
            Progress::add(&self.shared.progress.chunks, 1);
            Progress::add(&self.shared.progress.bytes, *size);
        }
        Ok(())
    }

    /// Copies `input` to its end into the stream. With fixed chunking, whole chunks are read
    /// straight into their own buffers (no intermediate copy, one read call per chunk).
    pub fn copy_from(&mut self, input: &mut dyn io::Read) -> io::Result<u64> {
        if !matches!(self.chunking, Chunking::Fixed) || self.filled > 0 {
            return io::copy(input, self);
        }
        let mut total = 0u64;
        loop {
            if self.shared.progress.is_cancelled() {
                return Err(io::Error::new(io::ErrorKind::Interrupted, "cancelled"));
            }
            let mut chunk = self.buffer();
            if chunk.len() < self.max_chunk {
                chunk.resize(self.max_chunk, 0);
            }
            let n = read_full(input, chunk.get_mut(..self.max_chunk).unwrap_or_default())?;
            total += n as u64;
            if n < self.max_chunk {
                // The end: a short last piece goes the ordinary way (it stays pending).
                self.pending = chunk;
                self.filled = 0;
                self.cut_new_bytes(n)?;
                return Ok(total);
            }
            Progress::add(&self.shared.progress.bytes, n as u64);
            self.send(chunk, n)?;
        }
    }

    /// Reads `size` bytes of file content from `src` straight into the chunk buffers (no
    /// intermediate copy), in pieces so no buffer grows past a chunk and a piece; how far it
    /// got, and why it stopped early.
    pub fn copy_content(&mut self, src: &mut dyn io::Read, size: u64) -> Copied {
        let mut written = 0u64;
        while written < size {
            if self.shared.progress.is_cancelled() {
                return Copied {
                    written,
                    failure: Some(CopyFailure::Write(io::Error::new(
                        io::ErrorKind::Interrupted,
                        "cancelled",
                    ))),
                };
            }
            let piece = (size - written).min(READ_PIECE as u64) as usize;
            self.ensure_room(piece);
            let room = self
                .pending
                .get_mut(self.filled..self.filled + piece)
                .unwrap_or_default();
            let got = match src.read(room) {
                Ok(0) => {
                    return Copied {
                        written,
                        failure: Some(CopyFailure::ShortRead),
                    }
                }
                Ok(got) => got.min(piece),
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => {
                    return Copied {
                        written,
                        failure: Some(CopyFailure::Read(e)),
                    }
                }
            };
            Progress::add(&self.shared.progress.bytes, got as u64);
            if let Err(e) = self.cut_new_bytes(got) {
                return Copied {
                    written,
                    failure: Some(CopyFailure::Write(e)),
                };
            }
            written += got as u64;
        }
        Copied {
            written,
            failure: None,
        }
    }

    /// Makes `pending` hold at least `extra` initialized bytes past `filled`.
    fn ensure_room(&mut self, extra: usize) {
        let need = self.filled + extra;
        if self.pending.len() < need {
            self.pending.resize(need, 0);
        }
    }

    /// Runs the `n` bytes just placed at `pending[filled..]` through the cutter, sending every
    /// chunk that ends among them; the bytes after a cut move to a fresh buffer.
    fn cut_new_bytes(&mut self, n: usize) -> io::Result<()> {
        let mut start = self.filled;
        let mut end = self.filled + n;
        while start < end {
            let Some(k) = self
                .cutter
                .scan(self.pending.get(start..end).unwrap_or_default())
            else {
                break;
            };
            let cut = start + k;
            let mut next = self.buffer();
            let rest = end - cut;
            if next.len() < rest {
                next.resize(rest, 0);
            }
            if let (Some(to), Some(from)) = (next.get_mut(..rest), self.pending.get(cut..end)) {
                to.copy_from_slice(from);
            }
            let full = std::mem::replace(&mut self.pending, next);
            self.filled = 0;
            self.send(full, cut)?;
            start = 0;
            end = rest;
        }
        self.filled = end;
        Ok(())
    }

    /// Sends the chunk being filled, if it has any bytes.
    fn send_pending(&mut self) -> io::Result<()> {
        if self.filled == 0 {
            return Ok(());
        }
        let len = self.filled;
        let next = self.buffer();
        let full = std::mem::replace(&mut self.pending, next);
        self.filled = 0;
        self.send(full, len)
    }

    /// A buffer for the next chunk: a recycled one, or a new one.
    fn buffer(&self) -> Vec<u8> {
        self.recycled
            .try_recv()
            .unwrap_or_else(|_| vec![0u8; self.max_chunk.min(BUFFER_LEN)])
    }

    fn check_error(&self) -> io::Result<()> {
        match self.shared.error.lock().ok().and_then(|e| e.clone()) {
            Some(failed) => Err(failed.to_io()),
            None => Ok(()),
        }
    }

    fn send(&mut self, data: Vec<u8>, len: usize) -> io::Result<()> {
        self.check_error()?;
        let job = Job {
            seq: self.next_seq,
            data,
            len,
        };
        self.next_seq += 1;
        let tx = self
            .jobs
            .as_ref()
            .ok_or_else(|| io::Error::other("uploader already finished"))?;
        tx.send(job).map_err(|_| {
            self.check_error()
                .err()
                .unwrap_or_else(|| io::Error::other("chunk workers stopped"))
        })
    }

    /// Flushes the last chunk, waits for the workers and returns the index in stream order.
    pub fn finish(mut self) -> Result<UploadResult, RepoError> {
        self.send_pending().map_err(|e| {
            let class = crate::util::error_class::of_io(&e);
            RepoError::Failed(Classed::new(e.to_string(), Some(class)))
        })?;
        drop(self.jobs.take());
        for handle in self.workers.drain(..) {
            let _ = handle.join();
        }
        if let Some(failed) = self.shared.error.lock().ok().and_then(|e| e.clone()) {
            return Err(RepoError::Failed(failed));
        }
        let mut results: BTreeMap<u64, Done> =
            self.injected.drain(..).map(|d| (d.seq, d)).collect();
        while let Ok(done) = self.done.try_recv() {
            results.insert(done.seq, done);
        }
        if results.len() as u64 != self.next_seq {
            return Err(RepoError::Refused(format!(
                "{} of {} chunks were not stored",
                self.next_seq - results.len() as u64,
                self.next_seq
            )));
        }
        let mut csum = IndexCsum::new();
        let mut size = 0u64;
        let chunk_count = results.len() as u64;
        let index = match self.chunking {
            Chunking::Dynamic(_) => {
                let mut entries = Vec::with_capacity(results.len());
                for done in results.into_values() {
                    size += done.size;
                    csum.add_dynamic(size, &done.digest);
                    entries.push((size, done.digest));
                }
                IndexData::Dynamic { entries }
            }
            Chunking::Fixed => {
                let mut digests = Vec::with_capacity(results.len());
                for done in results.into_values() {
                    size += done.size;
                    csum.add_fixed(&done.digest);
                    digests.push(done.digest);
                }
                IndexData::Fixed {
                    size,
                    chunk_size: self.max_chunk as u64,
                    digests,
                }
            }
        };
        Ok(UploadResult {
            index,
            size,
            csum: csum.finish(),
            chunk_count,
        })
    }
}

impl Write for ChunkUploader {
    /// The same path as file content: in pieces into the chunk buffer, then through the cutter.
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        let mut reader = data;
        match self.copy_content(&mut reader, data.len() as u64).failure {
            None => Ok(data.len()),
            Some(CopyFailure::Read(e) | CopyFailure::Write(e)) => Err(e),
            // A slice always yields its length.
            Some(CopyFailure::ShortRead) => Err(io::Error::from(io::ErrorKind::WriteZero)),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        self.check_error()
    }
}

impl Drop for ChunkUploader {
    fn drop(&mut self) {
        drop(self.jobs.take());
        for handle in self.workers.drain(..) {
            let _ = handle.join();
        }
    }
}

fn worker(
    jobs: Arc<Mutex<Receiver<Job>>>,
    done: mpsc::Sender<Done>,
    recycle: mpsc::Sender<Vec<u8>>,
    shared: Arc<Shared>,
) {
    let mut encoder = match BlobEncoder::new() {
        Ok(e) => e,
        Err(e) => {
            record_error(&shared, Classed::new(format!("zstd: {e}"), None));
            return;
        }
    };
    loop {
        let job = match jobs.lock() {
            Ok(rx) => match rx.recv() {
                Ok(job) => job,
                Err(_) => return,
            },
            Err(_) => return,
        };
        let chunk = job.data.get(..job.len).unwrap_or_default();
        match process(&mut encoder, &shared, chunk) {
            Ok(digest) => {
                let _ = done.send(Done {
                    seq: job.seq,
                    digest,
                    size: job.len as u64,
                });
                // A buffer that grew for an oversized chunk is let go, so the recycled ones
                // keep memory at the usual chunk size.
                if job.data.len() <= BUFFER_LEN + READ_PIECE {
                    let _ = recycle.send(job.data);
                }
            }
            Err(msg) => {
                record_error(&shared, msg);
                return;
            }
        }
    }
}

fn process(
    encoder: &mut BlobEncoder,
    shared: &Shared,
    data: &[u8],
) -> Result<ChunkDigest, Classed> {
    let repo_err = |e: RepoError| Classed::new(e.to_string(), e.class());
    let digest = chunk_digest(shared, data);
    let progress = &shared.progress;
    Progress::add(&progress.chunks, 1);
    if shared.known.contains(&digest) || shared.sink.has_chunk(&digest).map_err(repo_err)? {
        return Ok(digest);
    }
    let encoded = encoder
        .encode(data, shared.crypt.as_deref(), true)
        .map_err(|e| Classed::new(format!("chunk {digest}: {e}"), e.class()))?;
    if shared
        .sink
        .insert_chunk_sized(&digest, &encoded, data.len() as u64)
        .map_err(repo_err)?
    {
        Progress::add(&progress.new_chunks, 1);
        Progress::add(&progress.new_bytes, data.len() as u64);
        Progress::add(&progress.stored_bytes, encoded.len() as u64);
    }
    Ok(digest)
}

/// The chunk's digest (keyed when encrypting); all-zero chunks hashed once per size.
fn chunk_digest(shared: &Shared, data: &[u8]) -> ChunkDigest {
    let compute = |data: &[u8]| match &shared.crypt {
        Some(c) => c.compute_digest(data),
        None => ChunkDigest::of_plain(data),
    };
    if !crate::util::zeros::is_zero(data) {
        return compute(data);
    }
    let cached = shared.zero_chunk.lock().ok().and_then(|z| *z);
    match cached {
        Some((len, digest)) if len == data.len() => digest,
        _ => {
            let digest = compute(data);
            if let Ok(mut slot) = shared.zero_chunk.lock() {
                *slot = Some((data.len(), digest));
            }
            digest
        }
    }
}

fn record_error(shared: &Shared, msg: Classed) {
    if let Ok(mut slot) = shared.error.lock() {
        slot.get_or_insert(msg);
    }
}

/// The number of worker threads to use: every core.
pub fn default_workers() -> usize {
    std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(2)
}

/// Reads until `buf` is full or the input ends; the number of bytes read.
fn read_full(input: &mut dyn io::Read, buf: &mut [u8]) -> io::Result<usize> {
    let mut n = 0;
    while n < buf.len() {
        match input.read(buf.get_mut(n..).unwrap_or_default()) {
            Ok(0) => break,
            Ok(got) => n += got,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(n)
}
