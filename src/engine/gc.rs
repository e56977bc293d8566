//! Garbage collection of a local datastore, as PBS does it: mark every chunk an index names by
//! touching its atime, then sweep chunks whose atime is older than the grace period.
//!
//! Runs only with the datastore's exclusive lock (no backup may run at the same time), so no
//! chunk a running backup needs can go; removes leftovers of interrupted backups first.

use crate::engine::backup::{EngineError, Result};
use crate::format::digest::ChunkDigest;
use crate::format::index::{DynamicIndex, FixedIndex};
use crate::repo::local::LocalDatastore;
use crate::util::atomic;
use serde_json::json;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

/// PBS's grace period: relatime may delay atime updates by up to a day, plus five minutes.
pub const GC_GRACE_SECS: i64 = 24 * 3600 + 300;

/// What a garbage collection found and did (PBS's `.gc-status` fields).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GcStats {
    pub index_file_count: u64,
    pub index_data_bytes: u64,
    pub disk_chunks: u64,
    pub disk_bytes: u64,
    pub removed_chunks: u64,
    pub removed_bytes: u64,
    pub pending_chunks: u64,
    pub pending_bytes: u64,
    pub removed_bad: u64,
    pub still_bad: u64,
    pub missing_chunks: Vec<String>,
    pub removed_leftovers: u64,
}

fn io_err(path: &Path) -> impl FnOnce(std::io::Error) -> EngineError + '_ {
    move |source| EngineError::Io {
        what: path.display().to_string(),
        source,
    }
}

/// Every index file below the datastore (all namespaces, groups and snapshots).
pub fn index_files(store: &LocalDatastore) -> Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    let mut stack = vec![store.root().to_path_buf()];
    while let Some(dir) = stack.pop() {
        let entries = match std::fs::read_dir(&dir) {
            Ok(e) => e,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
            Err(e) => {
                return Err(EngineError::Io {
                    what: dir.display().to_string(),
                    source: e,
                })
            }
        };
        for entry in entries.flatten() {
            let name = entry.file_name();
            let name = name.to_string_lossy();
            // PBS skips every entry starting with '.': .chunks, .lock, hidden temp directories.
            if name.starts_with('.') {
                continue;
            }
            let Ok(kind) = entry.file_type() else {
                continue;
            };
            if kind.is_dir() {
                stack.push(entry.path());
            } else if kind.is_file() && (name.ends_with(".didx") || name.ends_with(".fidx")) {
                out.push(entry.path());
            }
        }
    }
    out.sort();
    Ok(out)
}

/// The digests (and stream size) of one index file.
pub fn index_digests(path: &Path) -> Result<(Vec<ChunkDigest>, u64)> {
    let raw = std::fs::read(path).map_err(io_err(path))?;
    let what = path.display().to_string();
    if path.extension().is_some_and(|e| e == "didx") {
        let i =
            DynamicIndex::decode(&raw).map_err(|source| EngineError::Format { what, source })?;
        Ok((i.digests().to_vec(), i.size()))
    } else {
        let i = FixedIndex::decode(&raw).map_err(|source| EngineError::Format { what, source })?;
        Ok((i.digests().to_vec(), i.size))
    }
}

fn remove_leftovers(store: &LocalDatastore) -> u64 {
    let mut removed = 0;
    let mut stack = vec![store.root().to_path_buf()];
    while let Some(dir) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            if !entry.file_type().is_ok_and(|t| t.is_dir()) || name == ".chunks" {
                continue;
            }
            if name.starts_with(".tmp-") || name.starts_with(".deleting-") {
                if std::fs::remove_dir_all(entry.path()).is_ok() {
                    removed += 1;
                }
            } else if !name.starts_with('.') {
                stack.push(entry.path());
            }
        }
    }
    removed
}

/// Runs a garbage collection at time `now` (epoch seconds).
pub fn garbage_collect(store: &LocalDatastore, now: i64) -> Result<GcStats> {
    garbage_collect_unless(store, now, &|| false)
}

/// `garbage_collect` that gives up with `EngineError::Cancelled` once `stop()` says so (looked
/// at between index files and between chunk directories). Stopping is safe at any point: the
/// sweep only removes chunks whose atime is older than the grace period.
pub fn garbage_collect_unless(
    store: &LocalDatastore,
    now: i64,
    stop: &dyn Fn() -> bool,
) -> Result<GcStats> {
    let check = || {
        // Tests hold a collection here (`gc.step=gate@FILE`) to stop it from outside.
        crate::util::failpoint::failpoint_unless("gc.step", stop).map_err(io_err(store.root()))?;
        if stop() {
            Err(EngineError::Cancelled)
        } else {
            Ok(())
        }
    };
    let _lock = store.lock_store(true)?;
    // Everything marked below gets an atime at or after this instant. It is read back from a
    // file touched now, so it comes from the same (coarse) kernel clock as the chunks' atimes.
    let lock_path = store.root().join(".lock");
    store
        .chunk_store()
        .touch(&lock_path)
        .map_err(io_err(&lock_path))?;
    let mark_start = std::fs::metadata(&lock_path)
        .map(|m| (m.atime(), m.atime_nsec()))
        .map_err(io_err(&lock_path))?;
    let mut stats = GcStats {
        removed_leftovers: remove_leftovers(store),
        ..GcStats::default()
    };
    let chunks = store.chunk_store();
    // Phase 1: mark.
    for index in index_files(store)? {
        check()?;
        let (digests, size) = index_digests(&index)?;
        stats.index_file_count += 1;
        stats.index_data_bytes += size;
        for digest in digests {
            let path = chunks.chunk_path(&digest);
            if !chunks.touch(&path).map_err(io_err(&path))? {
                let mut found_bad = false;
                for n in 0..10 {
                    let bad = path.with_file_name(format!("{}.{n}.bad", digest.to_hex()));
                    found_bad |= chunks.touch(&bad).unwrap_or(false);
                }
                if !found_bad && stats.missing_chunks.len() < 100 {
                    stats
                        .missing_chunks
                        .push(format!("{} (in {})", digest, index.display()));
                }
            }
        }
    }
    // Phase 2: sweep.
    let cutoff = now - GC_GRACE_SECS;
    let Ok(prefixes) = std::fs::read_dir(chunks.base()) else {
        return Ok(stats);
    };
    for prefix in prefixes.flatten() {
        check()?;
        let Ok(entries) = std::fs::read_dir(prefix.path()) else {
            continue;
        };
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            let Ok(meta) = entry.metadata() else { continue };
            let hex = name.get(..64).unwrap_or_default();
            let is_chunk_name = name.len() >= 64 && hex.bytes().all(|b| b.is_ascii_hexdigit());
            if !is_chunk_name {
                continue;
            }
            let rest = &name[64..];
            let is_bad = rest.ends_with(".bad");
            let is_temp = rest.starts_with(".tmp_");
            if !(rest.is_empty() || is_bad || is_temp) {
                continue;
            }
            let atime = meta.atime();
            if atime < cutoff || (is_temp && meta.mtime() < cutoff) {
                std::fs::remove_file(entry.path()).map_err(io_err(&entry.path()))?;
                if is_bad {
                    stats.removed_bad += 1;
                } else if !is_temp {
                    stats.removed_chunks += 1;
                    stats.removed_bytes += meta.len();
                }
                continue;
            }
            if is_bad {
                stats.still_bad += 1;
            } else if !is_temp {
                stats.disk_chunks += 1;
                stats.disk_bytes += meta.len();
                if (atime, meta.atime_nsec()) < mark_start {
                    // Not referenced now, but inside the grace period: removed by a later run.
                    stats.pending_chunks += 1;
                    stats.pending_bytes += meta.len();
                }
            }
        }
    }
    let status = json!({
        "index-file-count": stats.index_file_count,
        "index-data-bytes": stats.index_data_bytes,
        "disk-bytes": stats.disk_bytes,
        "disk-chunks": stats.disk_chunks,
        "removed-bytes": stats.removed_bytes,
        "removed-chunks": stats.removed_chunks,
        "pending-bytes": stats.pending_bytes,
        "pending-chunks": stats.pending_chunks,
        "removed-bad": stats.removed_bad,
        "still-bad": stats.still_bad,
    });
    let path = store.root().join(".gc-status");
    atomic::replace_file(&path, status.to_string().as_bytes(), 0o644).map_err(io_err(&path))?;
    Ok(stats)
}
