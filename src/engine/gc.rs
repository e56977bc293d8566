//! Garbage collection of a local datastore, as PBS does it: mark every chunk an index names by
//! touching its atime, then sweep chunks whose atime is older than the grace period.
//!
//! Runs only with the datastore's exclusive lock (no backup may run at the same time), so no
//! chunk a running backup needs can go; removes leftovers of interrupted backups first. Reaches
//! the store only through the datastore's methods (`ChunkDatastore`) (index files, chunk marks, chunk listings),
//! never by path. The sweep never follows a symlink (the storage backend never does below the
//! store's root) and removes only regular files with a chunk name, so nothing outside the
//! datastore can be removed; anything else is left alone and reported.

use crate::engine::backup::{EngineError, Result};
use crate::engine::progress::Progress;
use crate::format::digest::ChunkDigest;
use crate::format::index::{DynamicIndex, FixedIndex};
use crate::repo::backend::{Entry, Key, Kind, Stamp};
use crate::repo::local::ChunkStore;
use crate::repo::maintenance::datastore::ChunkDatastore;
use crate::repo::RepoError;
use serde_json::json;

/// PBS's grace period: relatime may delay atime updates by up to a day, plus five minutes.
pub const GC_GRACE_SECS: i64 = 24 * 3600 + 300;

/// The grace period in force: PBS's, except in test builds (`failpoints`), where
/// `PBSH_TEST_GC_GRACE_SECS` may shorten it (an object store's chunks cannot be made to look old
/// as a file's atime can).
fn grace_secs() -> i64 {
    #[cfg(feature = "failpoints")]
    if let Some(secs) = std::env::var("PBSH_TEST_GC_GRACE_SECS")
        .ok()
        .and_then(|v| v.parse::<i64>().ok())
    {
        return secs;
    }
    GC_GRACE_SECS
}

/// LIMIT: at most this many skipped entries are described in `GcStats::skipped`.
const MAX_REPORTED_SKIPPED: usize = 100;

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
    /// Entries of the chunk store that are not plain chunk files (symlinks, odd names, other
    /// file types), left alone: the first `MAX_REPORTED_SKIPPED`, described.
    pub skipped: Vec<String>,
    /// How many entries were skipped in all.
    pub skipped_count: u64,
    /// Index files that did not decode but still had the shape of a table of digests: every
    /// digest position was marked (keeping too much is safe), each described once.
    pub damaged_indexes: Vec<String>,
    /// Index files that could not be read at all. Their chunks cannot be known, so when there is
    /// one the sweep is withheld and nothing is removed; each described once.
    pub unreadable_indexes: Vec<String>,
}

impl GcStats {
    fn skip(&mut self, what: String) {
        self.skipped_count += 1;
        if self.skipped.len() < MAX_REPORTED_SKIPPED {
            self.skipped.push(what);
        }
    }
}

/// The warnings a report shows: every damaged or unreadable index, then the skipped entries of
/// the chunk store (a few named, then how many more).
pub fn warning_lines(stats: &GcStats) -> Vec<String> {
    const SHOWN: usize = 10;
    let mut lines: Vec<String> = stats
        .damaged_indexes
        .iter()
        .chain(&stats.unreadable_indexes)
        .map(|s| format!("gc: damaged index {s}"))
        .collect();
    let skipped: Vec<String> = stats
        .skipped
        .iter()
        .take(SHOWN)
        .map(|s| format!("gc skipped {s}"))
        .collect();
    let more = stats.skipped_count.saturating_sub(skipped.len() as u64);
    lines.extend(skipped);
    if more > 0 {
        lines.push(format!(
            "gc skipped {more} more entries of the chunk store that are not chunk files"
        ));
    }
    lines
}

/// Why a collection that ran to its end still failed its job: an unreadable index withheld the
/// sweep. `None` when the sweep ran.
pub fn withheld_sweep(stats: &GcStats) -> Option<String> {
    let first = stats.unreadable_indexes.first()?;
    Some(format!(
        "gc removed nothing: {} index file(s) could not be read, so the chunks they name are unknown (first: {first})",
        stats.unreadable_indexes.len()
    ))
}

/// What a file in a chunk directory is, from its name alone (bytes, so any name is total).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ChunkFile {
    Chunk,
    /// `<digest>.<n>.bad`: a chunk verify found corrupt.
    Bad,
    /// `<digest>.tmp_…`: a chunk being written, or left by a crash.
    Temp,
}

fn is_lower_hex(bytes: &[u8]) -> bool {
    bytes
        .iter()
        .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(b))
}

fn chunk_file_kind(name: &[u8]) -> Option<ChunkFile> {
    let (hex, rest) = name.split_at_checked(64)?;
    if !is_lower_hex(hex) {
        return None;
    }
    if rest.is_empty() {
        Some(ChunkFile::Chunk)
    } else if rest.starts_with(b".tmp_") {
        Some(ChunkFile::Temp)
    } else if rest.len() > 5
        && rest.starts_with(b".")
        && rest.ends_with(b".bad")
        && rest
            .get(1..rest.len() - 4)
            .is_some_and(|n| !n.is_empty() && n.iter().all(u8::is_ascii_digit))
    {
        Some(ChunkFile::Bad)
    } else {
        None
    }
}

fn is_prefix_name(name: &[u8]) -> bool {
    name.len() == 4 && is_lower_hex(name)
}

fn io_err(what: String) -> impl FnOnce(std::io::Error) -> EngineError {
    move |source| EngineError::Io { what, source }
}

/// A repository failure to read a file, as the engine reports it (the file, then the cause).
fn read_err(e: RepoError) -> EngineError {
    match e {
        RepoError::Io { path, source, .. } => EngineError::Io { what: path, source },
        other => EngineError::Repo(other),
    }
}

/// Every index file below the datastore (all namespaces, groups and snapshots), sorted.
pub fn index_files(store: &dyn ChunkDatastore) -> Result<Vec<Key>> {
    store.index_files().map_err(EngineError::Repo)
}

fn is_dynamic(index: &Key) -> bool {
    index.name().ends_with(".didx")
}

/// The digests (and stream size) of one index file.
pub fn index_digests(store: &dyn ChunkDatastore, index: &Key) -> Result<(Vec<ChunkDigest>, u64)> {
    let raw = store.read_object(index).map_err(read_err)?;
    let what = store.locate(index);
    if is_dynamic(index) {
        let i =
            DynamicIndex::decode(&raw).map_err(|source| EngineError::Format { what, source })?;
        Ok((i.digests().to_vec(), i.size()))
    } else {
        let i = FixedIndex::decode(&raw).map_err(|source| EngineError::Format { what, source })?;
        Ok((i.digests().to_vec(), i.size))
    }
}

/// The digests a damaged index may name, read from its table alone (header not trusted): the
/// file must be a header plus whole entries (SPEC: formats.md §4: 40-byte dynamic entries of
/// end offset and digest, 32-byte fixed entries of digest). `None` when it is not that shape.
fn salvage_digests(store: &dyn ChunkDatastore, index: &Key) -> Option<Vec<ChunkDigest>> {
    const HEADER: usize = 4096;
    let raw = store.read_object(index).ok()?;
    let (entry, skip) = if is_dynamic(index) { (40, 8) } else { (32, 0) };
    let table = raw.get(HEADER..)?;
    if table.len() % entry != 0 {
        return None;
    }
    table
        .chunks_exact(entry)
        .map(|e| e[skip..skip + 32].try_into().ok().map(ChunkDigest))
        .collect()
}

/// Runs a garbage collection at time `now` (epoch seconds).
pub fn garbage_collect(store: &dyn ChunkDatastore, now: i64) -> Result<GcStats> {
    garbage_collect_unless(store, now, &|| false)
}

/// `garbage_collect` that gives up with `EngineError::Cancelled` once `stop()` says so (looked
/// at between index files and between chunk directories). Stopping is safe at any point: the
/// sweep only removes chunks whose atime is older than the grace period.
pub fn garbage_collect_unless(
    store: &dyn ChunkDatastore,
    now: i64,
    stop: &dyn Fn() -> bool,
) -> Result<GcStats> {
    collect(store, now, stop, None)
}

/// `garbage_collect` that stops once `cancel` is cancelled (Ctrl-C, for the shell's token)
/// and counts the index files marked (`files`), the data they reference (`bytes`) and the
/// chunks swept (`chunks`) into `progress`, for a progress display.
pub fn garbage_collect_counting(
    store: &dyn ChunkDatastore,
    now: i64,
    cancel: &crate::util::cancel::CancelToken,
    progress: Option<&Progress>,
) -> Result<GcStats> {
    collect(store, now, &|| cancel.is_cancelled(), progress)
}

fn collect(
    store: &dyn ChunkDatastore,
    now: i64,
    stop: &dyn Fn() -> bool,
    progress: Option<&Progress>,
) -> Result<GcStats> {
    let check = || {
        // Tests hold a collection here (`gc.step=gate@FILE`) to stop it from outside.
        crate::util::failpoint::failpoint_unless("gc.step", stop)
            .map_err(io_err(store.location()))?;
        if stop() {
            Err(EngineError::Cancelled)
        } else {
            Ok(())
        }
    };
    let _lock = store.lock_store(true)?;
    // Everything marked below gets an atime at or after this instant. It is read back from a
    // file touched now, so it comes from the same (coarse) kernel clock as the chunks' atimes.
    let mark_start = store.mark_start()?;
    let mut stats = GcStats {
        removed_leftovers: store.remove_leftovers(),
        ..GcStats::default()
    };
    let chunks = store.chunk_store();
    // Phase 1: mark. A broken index does not stop the marking of the others (issue 18).
    for index in index_files(store)? {
        check()?;
        let (digests, trusted) = match index_digests(store, &index) {
            Ok((digests, size)) => {
                stats.index_data_bytes += size;
                if let Some(p) = progress {
                    Progress::add(&p.bytes, size);
                }
                (digests, true)
            }
            // Removed since it was listed (a forget running beside): nothing to keep.
            Err(EngineError::Io { source, .. })
                if source.kind() == std::io::ErrorKind::NotFound =>
            {
                continue
            }
            Err(e) => match salvage_digests(store, &index) {
                Some(digests) => {
                    stats.damaged_indexes.push(format!(
                        "{e}; kept the {} chunks it may name",
                        digests.len()
                    ));
                    (digests, false)
                }
                None => {
                    stats.unreadable_indexes.push(e.to_string());
                    continue;
                }
            },
        };
        stats.index_file_count += 1;
        if let Some(p) = progress {
            p.files.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        }
        for digest in digests {
            if !chunks.touch(&digest)? && trusted {
                let found_bad = chunks.touch_quarantined(&digest);
                if !found_bad && stats.missing_chunks.len() < 100 {
                    stats
                        .missing_chunks
                        .push(format!("{} (in {})", digest, store.locate(&index)));
                }
            }
        }
    }
    // Phase 2: sweep, unless an index could not be read: the chunks it names are unknown, and
    // removing none of them is the only safe choice.
    if !stats.unreadable_indexes.is_empty() {
        return Ok(stats);
    }
    sweep(chunks, now - grace_secs(), mark_start, &mut stats, &check)?;
    let status = status_json(&stats);
    store.write_gc_status(status.to_string().as_bytes())?;
    Ok(stats)
}

/// The collection's figures as PBS's `.gc-status` (and its API) names them.
pub fn status_json(stats: &GcStats) -> serde_json::Value {
    json!({
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
    })
}

/// Phase 2: removes chunks (and `.bad` and stale temp files) whose atime is before `cutoff`.
/// Only a regular file with a chunk name in a prefix directory is removed; the backend lists
/// without following links and removes a link itself, so a symlink anywhere below `.chunks/`
/// never leads the sweep outside.
fn sweep(
    chunks: &ChunkStore,
    cutoff: i64,
    mark_start: Stamp,
    stats: &mut GcStats,
    check: &dyn Fn() -> Result<()>,
) -> Result<()> {
    let mut prefixes = chunks.list_top()?;
    prefixes.sort_by(|a, b| a.name.cmp(&b.name));
    for prefix in prefixes {
        check()?;
        let shown = chunks.locate(&prefix.name);
        if prefix.meta.kind != Kind::Prefix
            || !prefix.exact
            || !is_prefix_name(prefix.name.as_bytes())
        {
            stats.skip(format!(
                "{shown}: {}, not a chunk directory",
                prefix.meta.kind.describe()
            ));
            continue;
        }
        let entries = match chunks.list_prefix(&prefix.name) {
            Ok(e) => e,
            Err(e) => {
                stats.skip(e.to_string());
                continue;
            }
        };
        sweep_prefix(chunks, &prefix.name, entries, cutoff, mark_start, stats)?;
    }
    Ok(())
}

fn sweep_prefix(
    chunks: &ChunkStore,
    prefix: &str,
    entries: Vec<Entry>,
    cutoff: i64,
    mark_start: Stamp,
    stats: &mut GcStats,
) -> Result<()> {
    for entry in entries {
        let path = || chunks.locate(&format!("{prefix}/{}", entry.name));
        let kind = if entry.exact {
            chunk_file_kind(entry.name.as_bytes())
        } else {
            None
        };
        let Some(kind) = kind else {
            stats.skip(format!("{}: not a chunk file name", path()));
            continue;
        };
        let meta = entry.meta;
        if meta.kind != Kind::Object {
            stats.skip(format!(
                "{}: {}, not a chunk file",
                path(),
                meta.kind.describe()
            ));
            continue;
        }
        let atime = meta.accessed.secs;
        let size = meta.size;
        let is_temp = kind == ChunkFile::Temp;
        if atime < cutoff || (is_temp && meta.modified.secs < cutoff) {
            crate::util::failpoint::failpoint("gc.sweep.unlink").map_err(io_err(path()))?;
            chunks.remove(prefix, &entry.name)?;
            match kind {
                ChunkFile::Bad => stats.removed_bad += 1,
                ChunkFile::Chunk => {
                    stats.removed_chunks += 1;
                    stats.removed_bytes += size;
                }
                ChunkFile::Temp => {}
            }
            continue;
        }
        match kind {
            ChunkFile::Bad => stats.still_bad += 1,
            ChunkFile::Chunk => {
                stats.disk_chunks += 1;
                stats.disk_bytes += size;
                if meta.accessed < mark_start {
                    // Not referenced now, but inside the grace period: removed by a later run.
                    stats.pending_chunks += 1;
                    stats.pending_bytes += size;
                }
            }
            ChunkFile::Temp => {}
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chunk_names_are_parsed_by_bytes() {
        let hex = "0123456789abcdef".repeat(4);
        assert_eq!(chunk_file_kind(hex.as_bytes()), Some(ChunkFile::Chunk));
        let bad = format!("{hex}.0.bad");
        assert_eq!(chunk_file_kind(bad.as_bytes()), Some(ChunkFile::Bad));
        let temp = format!("{hex}.tmp_12_3");
        assert_eq!(chunk_file_kind(temp.as_bytes()), Some(ChunkFile::Temp));
        let multibyte = format!("{}é", &hex[..63]);
        for odd in [
            &b""[..],
            b"\xff",
            multibyte.as_bytes(),
            &hex.as_bytes()[..63],
            hex.to_uppercase().as_bytes(),
            format!("{hex}.bad").as_bytes(),
            format!("{hex}.x.bad").as_bytes(),
            format!("{hex}x").as_bytes(),
        ] {
            assert_eq!(chunk_file_kind(odd), None, "{odd:?}");
        }
        assert!(is_prefix_name(b"0a9f") && !is_prefix_name(b"0A9F") && !is_prefix_name(b"abc"));
    }
}
