//! Measures how fast this machine runs each stage of a backup (SHA-256, zstd, AES-256-GCM, chunk verification, the chunker) and the whole local chunk pipeline, as `proxmox-backup-client benchmark` does.
//!
//! Pure measurement through the real code paths (`BlobEncoder`, `decode_chunk`, `Chunker`,
//! `ChunkUploader`): every row runs for a fixed time and reports bytes per second; nothing is
//! printed or stored. The TLS upload row needs a remote repository and comes in through the
//! `UploadSpeedTest` hook; without one it is skipped with a note.
//!
//! The primitive rows use PBS's buffer (1 MiB of a little-endian 32-bit counter) so the speed is
//! comparable with PBS's published reference values (AMD Ryzen 7 2700X, 2020); the chunker and
//! pipeline rows use a 16 MiB stream of alternating incompressible and counter blocks, so content-
//! defined cuts happen and compression has work to do, and encrypt as an encrypted backup does.

use crate::engine::backup::{EngineError, Result};
use crate::engine::pipeline::{default_workers, ChunkUploader, Chunking};
use crate::engine::progress::Progress;
use crate::format::blob::{self, BlobEncoder, BlobKind};
use crate::format::chunker::Chunker;
use crate::format::crypt::{CryptConfig, IV_LEN};
use crate::format::digest::ChunkDigest;
use crate::format::error::FormatError;
use crate::format::limits;
use crate::repo::{ChunkSink, RepoError};
use std::collections::HashSet;
use std::io::Write;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// PBS's benchmark buffer: 1 MiB.
pub const PBS_BUFFER_SIZE: usize = 1024 * 1024;
/// The stream the chunker and pipeline rows cut, fed in `PBS_BUFFER_SIZE` writes.
pub const STREAM_SIZE: usize = 16 * 1024 * 1024;
/// Size of the alternating incompressible / counter blocks of that stream.
const STREAM_BLOCK: usize = 64 * 1024;
/// Average chunk size of pxar archives, the chunking the pipeline rows use.
const AVG_CHUNK: usize = 4 * 1024 * 1024;
/// How long a row runs unless told otherwise (PBS runs most rows for one second).
pub const DEFAULT_DURATION: Duration = Duration::from_secs(1);

/// The rows, in the order they are printed; the first six are PBS's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RowId {
    Tls,
    Sha256,
    Compress,
    Decompress,
    Verify,
    Aes256Gcm,
    VerifyEncrypted,
    Chunker,
    PipelineSingle,
    PipelineAll,
}

impl RowId {
    pub const ALL: [RowId; 10] = [
        RowId::Tls,
        RowId::Sha256,
        RowId::Compress,
        RowId::Decompress,
        RowId::Verify,
        RowId::Aes256Gcm,
        RowId::VerifyEncrypted,
        RowId::Chunker,
        RowId::PipelineSingle,
        RowId::PipelineAll,
    ];

    /// The JSON key (PBS's names for PBS's rows).
    pub fn key(self) -> &'static str {
        match self {
            RowId::Tls => "tls",
            RowId::Sha256 => "sha256",
            RowId::Compress => "compress",
            RowId::Decompress => "decompress",
            RowId::Verify => "verify",
            RowId::Aes256Gcm => "aes256_gcm",
            RowId::VerifyEncrypted => "verify_encrypted",
            RowId::Chunker => "chunker",
            RowId::PipelineSingle => "pipeline_single",
            RowId::PipelineAll => "pipeline_all",
        }
    }

    /// PBS's reference speed in bytes per second (AMD Ryzen 7 2700X); none for pbsh's own rows.
    pub fn reference(self) -> Option<f64> {
        let mb = match self {
            RowId::Tls => 1235.0,
            RowId::Sha256 => 2022.0,
            RowId::Compress => 752.0,
            RowId::Decompress => 1198.0,
            RowId::Verify => 758.0,
            RowId::Aes256Gcm => 3645.0,
            _ => return None,
        };
        Some(mb * 1_000_000.0)
    }
}

/// One measured row.
#[derive(Debug, Clone)]
pub struct Row {
    pub id: RowId,
    /// What was measured, as the table shows it.
    pub name: String,
    /// Bytes per second; `None` when the row was skipped.
    pub speed: Option<f64>,
    /// PBS's reference speed in bytes per second, where PBS has one.
    pub reference: Option<f64>,
    /// Why the row was skipped.
    pub skipped: Option<String>,
    /// Threads the row used.
    pub threads: usize,
}

impl Row {
    /// Speed as a percentage of PBS's reference.
    pub fn percent(&self) -> Option<f64> {
        Some(self.speed? * 100.0 / self.reference?)
    }
}

/// All rows of one run.
#[derive(Debug, Clone)]
pub struct BenchResult {
    pub rows: Vec<Row>,
    /// Cores the all-cores pipeline row used.
    pub cores: usize,
}

impl BenchResult {
    pub fn row(&self, id: RowId) -> Option<&Row> {
        self.rows.iter().find(|r| r.id == id)
    }
}

/// How to run.
#[derive(Debug, Clone)]
pub struct BenchOptions {
    /// Time per row.
    pub duration: Duration,
    /// Workers of the all-cores pipeline row (`default_workers()` normally).
    pub workers: usize,
    /// Shown for the TLS row when no upload speed test is given.
    pub tls_skip_note: String,
    /// The key of the encryption rows (`--keyfile`); a random one when absent.
    pub key: Option<Arc<CryptConfig>>,
}

impl Default for BenchOptions {
    fn default() -> Self {
        BenchOptions {
            duration: DEFAULT_DURATION,
            workers: default_workers(),
            tls_skip_note: "no remote repository".into(),
            key: None,
        }
    }
}

/// A remote repository's upload speed test (PBS's `upload_speedtest`): uploads for about
/// `duration` and returns the bytes per second the server accepted.
pub trait UploadSpeedTest {
    fn upload_speed(&mut self, duration: Duration) -> Result<f64>;
}

impl<F: FnMut(Duration) -> Result<f64>> UploadSpeedTest for F {
    fn upload_speed(&mut self, duration: Duration) -> Result<f64> {
        self(duration)
    }
}

fn format_err(what: &str) -> impl FnOnce(FormatError) -> EngineError + '_ {
    move |source| EngineError::Format {
        what: what.to_string(),
        source,
    }
}

/// Runs every row; `upload` measures the TLS row (the remote backend passes its speed test).
pub fn run(
    options: &BenchOptions,
    upload: Option<&mut dyn UploadSpeedTest>,
) -> Result<BenchResult> {
    let workers = options.workers.max(1);
    let crypt = match &options.key {
        Some(key) => key.clone(),
        None => {
            let mut key = [0u8; 32];
            openssl::rand::rand_bytes(&mut key)
                .map_err(|e| format_err("benchmark key")(FormatError::from(e)))?;
            Arc::new(CryptConfig::new(key).map_err(format_err("benchmark key"))?)
        }
    };
    // The upload first, as PBS does (it may prompt for a password).
    let mut rows = vec![tls_row(options, upload)?];
    rows.extend(codec_rows(options.duration, &crypt)?);
    let stream = pipeline_stream();
    rows.push(chunker_row(options.duration, &stream)?);
    rows.extend(pipeline_rows(options.duration, &stream, &crypt, workers)?);
    Ok(BenchResult {
        rows,
        cores: workers,
    })
}

/// A measured row.
fn row(id: RowId, name: impl Into<String>, speed: f64, threads: usize) -> Row {
    Row {
        id,
        name: name.into(),
        speed: Some(speed),
        reference: id.reference(),
        skipped: None,
        threads,
    }
}

/// The TLS upload row: the repository's speed test, or skipped with the reason.
fn tls_row(options: &BenchOptions, upload: Option<&mut dyn UploadSpeedTest>) -> Result<Row> {
    let name = "TLS (maximal backup upload speed)";
    Ok(match upload {
        Some(test) => row(RowId::Tls, name, test.upload_speed(options.duration)?, 1),
        None => Row {
            speed: None,
            skipped: Some(options.tls_skip_note.clone()),
            ..row(RowId::Tls, name, 0.0, 1)
        },
    })
}

/// One core through each codec over PBS's 4 MiB buffer: SHA-256, zstd both ways, chunk
/// verification, AES-256-GCM and encrypted chunk verification.
fn codec_rows(duration: Duration, crypt: &CryptConfig) -> Result<Vec<Row>> {
    let data = pbs_buffer();
    let mut rows = Vec::with_capacity(6);
    rows.push(row(
        RowId::Sha256,
        "SHA256 checksum computation speed",
        measure(duration, || {
            std::hint::black_box(ChunkDigest::of_plain(&data));
            Ok(data.len())
        })?,
        1,
    ));
    let mut encoder = BlobEncoder::new().map_err(format_err("zstd"))?;
    rows.push(row(
        RowId::Compress,
        "ZStd level 1 compression speed",
        measure(duration, || {
            encoder
                .encode(&data, None, true)
                .map_err(format_err("compress"))?;
            Ok(data.len())
        })?,
        1,
    ));
    let compressed = encoder
        .encode(&data, None, true)
        .map_err(format_err("compress"))?;
    let payload = compressed
        .get(BlobKind::Compressed.header_len()..)
        .unwrap_or_default();
    rows.push(row(
        RowId::Decompress,
        "ZStd level 1 decompression speed",
        measure(duration, || {
            let plain = blob::decompress_capped(payload, limits::MAX_CHUNK_SIZE)
                .map_err(format_err("decompress"))?;
            Ok(plain.len())
        })?,
        1,
    ));
    // PBS verifies an unencrypted compressed chunk: CRC, decompress, SHA-256, compare.
    let digest = ChunkDigest::of_plain(&data);
    rows.push(row(
        RowId::Verify,
        "Chunk verification speed",
        measure(duration, || {
            let plain =
                blob::decode_chunk(&compressed, None, &digest).map_err(format_err("verify"))?;
            Ok(plain.len())
        })?,
        1,
    ));
    let mut out = Vec::with_capacity(data.len() + 64);
    rows.push(row(
        RowId::Aes256Gcm,
        "AES256 GCM encryption speed",
        measure(duration, || {
            let mut iv = [0u8; IV_LEN];
            openssl::rand::rand_bytes(&mut iv)
                .map_err(|e| format_err("encrypt")(FormatError::from(e)))?;
            out.clear();
            crypt
                .encrypt_into(&iv, &data, &mut out)
                .map_err(format_err("encrypt"))?;
            Ok(data.len())
        })?,
        1,
    ));
    // What `verify --keyfile` and a restore of an encrypted backup do per chunk.
    let encrypted = encoder
        .encode(&data, Some(crypt), true)
        .map_err(format_err("encrypt"))?;
    let keyed_digest = crypt.compute_digest(&data);
    rows.push(row(
        RowId::VerifyEncrypted,
        "Encrypted chunk verification speed",
        measure(duration, || {
            let plain = blob::decode_chunk(&encrypted, Some(crypt), &keyed_digest)
                .map_err(format_err("verify"))?;
            Ok(plain.len())
        })?,
        1,
    ));
    Ok(rows)
}

/// The chunker alone over the pipeline's stream.
fn chunker_row(duration: Duration, stream: &[u8]) -> Result<Row> {
    let mut chunker = Chunker::new(AVG_CHUNK).map_err(format_err("chunker"))?;
    let mut pieces = stream.chunks(PBS_BUFFER_SIZE).cycle();
    Ok(row(
        RowId::Chunker,
        "Chunker speed (4 MiB average chunks)",
        measure(duration, || {
            let mut piece = pieces.next().unwrap_or_default();
            let len = piece.len();
            while let Some(n) = chunker.scan(piece) {
                piece = piece.get(n..).unwrap_or_default();
            }
            Ok(len)
        })?,
        1,
    ))
}

/// The whole backup pipeline (chunk, hash, compress, encrypt) on one core, then on all.
fn pipeline_rows(
    duration: Duration,
    stream: &[u8],
    crypt: &Arc<CryptConfig>,
    workers: usize,
) -> Result<Vec<Row>> {
    let single = match pinned_to_one_cpu(|| pipeline_speed(stream, crypt, 1, duration)) {
        Some(speed) => speed?,
        // Pinning refused (unusual): one worker, the chunker on its own thread.
        None => pipeline_speed(stream, crypt, 1, duration)?,
    };
    Ok(vec![
        row(
            RowId::PipelineSingle,
            "Backup pipeline speed, 1 core",
            single,
            1,
        ),
        row(
            RowId::PipelineAll,
            format!("Backup pipeline speed, {workers} cores"),
            pipeline_speed(stream, crypt, workers, duration)?,
            workers,
        ),
    ])
}

/// Runs `step` (which returns the bytes it processed) at least once and until `duration` has
/// passed; returns bytes per second.
fn measure(duration: Duration, mut step: impl FnMut() -> Result<usize>) -> Result<f64> {
    let start = Instant::now();
    let mut bytes = 0u64;
    loop {
        bytes += step()? as u64;
        if start.elapsed() >= duration {
            break;
        }
    }
    Ok(bytes as f64 / start.elapsed().as_secs_f64().max(1e-9))
}

/// PBS's benchmark data: the little-endian bytes of a 32-bit counter, 1 MiB.
pub fn pbs_buffer() -> Vec<u8> {
    (0..(PBS_BUFFER_SIZE / 4) as u32)
        .flat_map(u32::to_le_bytes)
        .collect()
}

/// 16 MiB of 64 KiB blocks, alternately incompressible (xorshift64) and a counter.
fn pipeline_stream() -> Vec<u8> {
    let mut state = 0x9E37_79B9_7F4A_7C15u64;
    let mut counter = 0u32;
    let mut out = Vec::with_capacity(STREAM_SIZE);
    let mut random = true;
    while out.len() < STREAM_SIZE {
        if random {
            for _ in 0..STREAM_BLOCK / 8 {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                out.extend_from_slice(&state.to_le_bytes());
            }
        } else {
            for _ in 0..STREAM_BLOCK / 4 {
                out.extend_from_slice(&counter.to_le_bytes());
                counter = counter.wrapping_add(1);
            }
        }
        random = !random;
    }
    out
}

/// A chunk store that keeps nothing: every chunk is new, so every chunk is encoded.
struct DiscardSink;

impl ChunkSink for DiscardSink {
    fn has_chunk(&self, _digest: &ChunkDigest) -> std::result::Result<bool, RepoError> {
        Ok(false)
    }

    fn insert_chunk(
        &self,
        _digest: &ChunkDigest,
        _encoded: &[u8],
    ) -> std::result::Result<bool, RepoError> {
        Ok(true)
    }
}

/// Feeds the backup pipeline (chunker on this thread, `workers` threads hashing, compressing and
/// encrypting) until `duration` has passed and it has drained; returns input bytes per second.
fn pipeline_speed(
    stream: &[u8],
    crypt: &Arc<CryptConfig>,
    workers: usize,
    duration: Duration,
) -> Result<f64> {
    let io_err = |e: std::io::Error| EngineError::Io {
        what: "benchmark pipeline".into(),
        source: e,
    };
    let start = Instant::now();
    let mut uploader = ChunkUploader::new(
        Chunking::Dynamic(AVG_CHUNK),
        Arc::new(DiscardSink),
        Some(crypt.clone()),
        Arc::new(HashSet::new()),
        Arc::new(Progress::default()),
        workers,
    )
    .map_err(io_err)?;
    let mut bytes = 0u64;
    for piece in stream.chunks(PBS_BUFFER_SIZE).cycle() {
        uploader.write_all(piece).map_err(io_err)?;
        bytes += piece.len() as u64;
        if start.elapsed() >= duration {
            break;
        }
    }
    uploader.finish()?;
    Ok(bytes as f64 / start.elapsed().as_secs_f64().max(1e-9))
}

/// Runs `f` with this thread (and the threads it starts) restricted to one CPU, then restores
/// the previous CPU set; `None` when the kernel refuses.
fn pinned_to_one_cpu<T>(f: impl FnOnce() -> T) -> Option<T> {
    // SAFETY: a zeroed cpu_set_t is a valid, empty set.
    let mut previous: libc::cpu_set_t = unsafe { std::mem::zeroed() };
    let size = std::mem::size_of::<libc::cpu_set_t>();
    // SAFETY: pid 0 is the calling thread; `previous` is a valid out-parameter of `size` bytes.
    if unsafe { libc::sched_getaffinity(0, size, &mut previous) } != 0 {
        return None;
    }
    let max_cpus = 8 * size;
    // SAFETY: CPU_ISSET reads within the set for indexes below its bit size.
    let first = (0..max_cpus).find(|&cpu| unsafe { libc::CPU_ISSET(cpu, &previous) })?;
    // SAFETY: as above, for a zeroed set and an index within it.
    let mut one: libc::cpu_set_t = unsafe { std::mem::zeroed() };
    // SAFETY: `first` is below the set's bit size.
    unsafe { libc::CPU_SET(first, &mut one) };
    // SAFETY: valid set of `size` bytes for the calling thread.
    if unsafe { libc::sched_setaffinity(0, size, &one) } != 0 {
        return None;
    }
    let result = f();
    // SAFETY: restores the set read above for the calling thread.
    unsafe { libc::sched_setaffinity(0, size, &previous) };
    Some(result)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pbs_buffer_is_the_counter_pattern() {
        let data = pbs_buffer();
        assert_eq!(data.len(), PBS_BUFFER_SIZE);
        assert_eq!(&data[..8], &[0, 0, 0, 0, 1, 0, 0, 0]);
        assert_eq!(&data[PBS_BUFFER_SIZE - 4..], &0x3ffffu32.to_le_bytes());
    }

    #[test]
    fn short_run_fills_every_row_and_uses_the_hook() {
        let options = BenchOptions {
            duration: Duration::from_millis(1),
            workers: 2,
            tls_skip_note: "unused".into(),
            key: None,
        };
        let mut test = |_d: Duration| -> Result<f64> { Ok(42.0) };
        let result = run(&options, Some(&mut test)).unwrap();
        assert_eq!(result.rows.len(), RowId::ALL.len());
        for (row, id) in result.rows.iter().zip(RowId::ALL) {
            assert_eq!(row.id, id);
            assert!(row.speed.unwrap() > 0.0, "{}", row.name);
        }
        assert_eq!(result.row(RowId::Tls).unwrap().speed, Some(42.0));
        assert!(result.row(RowId::Sha256).unwrap().percent().is_some());
        assert!(result.row(RowId::Chunker).unwrap().percent().is_none());
    }
}
