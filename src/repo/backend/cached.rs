//! An object store seen through a local cache directory, with every capability PBS's layout
//! uses: the datastore's metadata mirrored whole, one marker per chunk for garbage collection,
//! chunk contents cached up to a size limit, locks held on this host (and leases for the other
//! hosts on the bucket).
//!
//! The bucket is the source of truth; the cache directory can be lost and is rebuilt from it,
//! and what other hosts changed is taken in (`refresh`, run at open). Layout of the cache
//! directory:
//!
//! ```text
//! store/     the metadata mirror: every object outside `.chunks/`, and the directories
//!            (an FsBackend; locks are flocks on its files, access times its atimes)
//! marks/     .chunks/<prefix>/<name>: one empty, sparse file per chunk known to be in the
//!            bucket, as long as the chunk (so `stat` tells its size); GC's mark phase sets its
//!            atime, the sweep reads it (S3 has no access time; PBS 4 does the same)
//! chunks/    chunk contents read from the bucket, least recently used out (`ContentCache`)
//! journal/   renames in progress on the bucket, replayed at open
//! renames.lock  held shared by renames, exclusive by the removal of stale mirror objects
//! ```
//!
//! How each capability is supplied, and what it costs on the bucket:
//! - **directories**: local directories; a `.dir` marker object in the bucket keeps an empty
//!   namespace or group through a rebuild (not for `.chunks/`' prefix directories).
//! - **rename**: the local rename is atomic, and publishes to this host at once. On the bucket
//!   the objects are copied server-side in the order they were written (the manifest of a backup
//!   last, so a reader of the bucket sees a snapshot only once it is whole), then the sources
//!   are removed newest first (a removed snapshot stops being one at its first delete). A
//!   journal entry makes the pair survive a crash: `open` finishes it.
//! - **locks**: flock on the mirror's files: every pbsh process on this host using this cache
//!   directory is excluded. The datastore's and a group's locks also hold against other hosts
//!   on the bucket, through leases (`lease.rs`, `StorageBackend::lease`).
//! - **access_times**: the chunk markers' atimes. A new cache marks every chunk the bucket
//!   lists (one paged listing); GC's mark phase asks the bucket (HEAD) for a chunk it finds
//!   unmarked; a chunk the bucket lists but no marker names counts as last used when it was
//!   uploaded.
//! - **deferred_sync**: a deferred chunk put is uploaded in the background (at most
//!   `MAX_UPLOADS` at once) and `sync` waits for every one, so the manifest is written only
//!   once the bucket holds every chunk it names; a chunk's marker is made when its upload
//!   succeeded; markers are never synced (one lost in a crash makes its chunk look new, to be
//!   uploaded again, or unmarked, which GC asks the bucket about).
//! - **space**: the cache directory's file system (a bucket has no size).

mod lease;
mod refresh;

use super::content_cache::ContentCache;
use super::fs::FsBackend;
use super::s3::S3Store;
use super::{
    BackendError, Capabilities, Depth, Durability, Entry, Key, Kind, Lock, LockMode, ObjectMeta,
    Put, Replace, Result, Space, StorageBackend,
};
use crate::format::blob;
use serde::{Deserialize, Serialize};
use std::io;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// The chunk store's prefix in the datastore layout.
pub const CHUNK_PREFIX: &str = ".chunks";
/// In `marks/`: every chunk the bucket held at the cache's first open was marked.
const MARKS_COMPLETE: &str = ".complete";
/// Chunk reads in flight while an archive is read front to back from the bucket: each GET is a
/// round trip through the service, hidden behind the others. Measured (scripts/bench.sh, 1.2 GiB
/// toolchain corpus, 1-node Garage, empty cache): restore 4.55 s with 2, 3.00 s with 4, 3.11 s
/// with 8; peak RSS 146, 236 and 346 MiB. PBSH_READ_AHEAD overrides.
const READ_AHEAD: usize = 4;
/// The object that keeps an empty directory in the bucket.
pub const DIR_MARKER: &str = ".dir";
/// How long a walk through the chunk listing stays usable between two asks (GC's sweep asks
/// for the prefix directories one after another).
const CURSOR_TTL: Duration = Duration::from_secs(30);

/// A rename in progress on the bucket (the journal's record).
#[derive(Debug, Serialize, Deserialize)]
struct PendingRename {
    from: String,
    to: String,
    /// The source keys, oldest first.
    keys: Vec<String>,
}

/// A walk through the bucket's chunk listing in key order, a page (1,000 keys) at a time:
/// GC's sweep asks for the prefix directories in order, so each page is fetched once.
struct ChunkCursor {
    /// Listed and not yet handed out, in key order.
    pending: std::collections::VecDeque<(Key, ObjectMeta)>,
    /// The last key fetched (where the next page starts).
    last: Option<Key>,
    more: bool,
    /// The prefix directory asked for last: asking for one before it starts a new walk.
    position: String,
    at: Instant,
}

/// The bucket, with the cache directory that gives it the file system's capabilities.
pub struct CachedBackend {
    remote: Arc<S3Store>,
    dir: PathBuf,
    mirror: FsBackend,
    marks: Arc<FsBackend>,
    contents: ContentCache,
    uploads: Arc<Uploads>,
    /// Every chunk the bucket held when this cache was made has a marker (`mark_all_chunks`).
    marks_complete: std::sync::atomic::AtomicBool,
    journal: PathBuf,
    journal_counter: AtomicU64,
    listing: Mutex<Option<ChunkCursor>>,
    requests: AtomicU64,
    /// This cache directory's id in the leases of cross-host locks.
    host_id: String,
}

impl std::fmt::Debug for CachedBackend {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CachedBackend")
            .field("remote", &self.remote)
            .field("dir", &self.dir)
            .finish_non_exhaustive()
    }
}

impl Drop for CachedBackend {
    fn drop(&mut self) {
        // Measurement knob (scripts/bench.sh): the requests this process sent to the bucket.
        if std::env::var_os("PBSH_S3_STATS").is_some() {
            let (requests, (bytes, hits, misses)) = self.stats();
            crate::errln!(
                "pbsh: s3 stats: {requests} requests; chunk cache {hits} hits, {misses} misses, {} MiB held",
                bytes >> 20
            );
        }
    }
}

fn is_chunk_key(key: &Key) -> bool {
    let mut c = key.components();
    c.next() == Some(CHUNK_PREFIX)
}

/// The chunk object's name when `key` is `.chunks/<prefix>/<name>`.
fn chunk_name(key: &Key) -> Option<&str> {
    let mut c = key.components();
    (c.next() == Some(CHUNK_PREFIX)).then_some(())?;
    let _prefix = c.next()?;
    let name = c.next()?;
    c.next().is_none().then_some(name)
}

fn io_error<'a>(at: &'a Path, action: &'static str) -> impl FnOnce(io::Error) -> BackendError + 'a {
    move |source| BackendError::Io {
        at: at.display().to_string(),
        action,
        source,
    }
}

impl CachedBackend {
    /// The bucket `remote` through the cache directory `dir` (created when missing), with at
    /// most `cache_limit` bytes of chunk contents. With `sync`, finishes renames a crash
    /// interrupted and brings the metadata mirror up to date with the bucket; without (the
    /// bucket unreachable), reads come from the cache and writes fail as the bucket answers.
    pub fn open(remote: S3Store, dir: &Path, cache_limit: u64, sync: bool) -> Result<Self> {
        for sub in ["store", "marks", "journal"] {
            std::fs::create_dir_all(dir.join(sub)).map_err(io_error(dir, "create cache"))?;
        }
        let backend = CachedBackend {
            remote: Arc::new(remote),
            dir: dir.to_path_buf(),
            mirror: FsBackend::new(dir.join("store")),
            marks: Arc::new(FsBackend::new(dir.join("marks"))),
            uploads: Arc::new(Uploads::default()),
            marks_complete: std::sync::atomic::AtomicBool::new(false),
            contents: ContentCache::open(&dir.join("chunks"), cache_limit)
                .map_err(io_error(dir, "open chunk cache"))?,
            journal: dir.join("journal"),
            journal_counter: AtomicU64::new(0),
            listing: Mutex::new(None),
            requests: AtomicU64::new(0),
            host_id: lease::host_id(dir)?,
        };
        if sync {
            backend.replay_journal()?;
            backend.refresh()?;
        }
        Ok(backend)
    }

    /// The mirror's directory (what the layout's paths in messages are below).
    pub fn mirror_root(&self) -> &Path {
        self.mirror.root()
    }

    /// Whether `dir` holds the mirror of a datastore (so it can be browsed with the bucket
    /// unreachable).
    pub fn has_mirror(dir: &Path) -> bool {
        dir.join("store").join(".lock").is_file()
    }

    /// Requests sent to the bucket by this process, and the chunk cache's (bytes, hits, misses).
    pub fn stats(&self) -> (u64, (u64, u64, u64)) {
        (self.requests.load(Ordering::Relaxed), self.contents.stats())
    }

    fn count(&self, n: u64) {
        self.requests.fetch_add(n, Ordering::Relaxed);
    }

    // --- the journal of bucket renames ---

    fn replay_journal(&self) -> Result<()> {
        let _renaming = refresh::RenameGuard::shared(&self.dir)?;
        let mut pending: Vec<PathBuf> = std::fs::read_dir(&self.journal)
            .map_err(io_error(&self.journal, "read journal"))?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "json"))
            .collect();
        pending.sort();
        for path in pending {
            let text = match std::fs::read(&path) {
                Ok(t) => t,
                Err(_) => continue,
            };
            match serde_json::from_slice::<PendingRename>(&text) {
                Ok(rename) => {
                    let from = Key::new(rename.from.clone())?;
                    let to = Key::new(rename.to.clone())?;
                    if self.mirror.stat(&from)?.is_some() && self.mirror.stat(&to)?.is_none() {
                        let _ = self.mirror.rename(&from, &to, Replace::No);
                    }
                    let keys = rename
                        .keys
                        .iter()
                        .map(|k| Key::new(k.clone()))
                        .collect::<Result<Vec<_>>>()?;
                    self.copy_then_remove(&from, &to, &keys)?;
                }
                Err(_) => {
                    // A journal entry torn by the crash was never acted on.
                }
            }
            let _ = std::fs::remove_file(&path);
        }
        Ok(())
    }

    /// Copies `keys` (below `from`, oldest first) to the same names below `to`, then removes
    /// them newest first. Sources already gone were copied by an earlier attempt.
    fn copy_then_remove(&self, from: &Key, to: &Key, keys: &[Key]) -> Result<()> {
        let injected = |point: &'static str| {
            crate::util::failpoint::failpoint(point).map_err(|source| BackendError::Io {
                at: self.locate(to),
                action: "rename",
                source,
            })
        };
        for key in keys {
            injected("s3.rename.copy")?;
            let target = retarget(key, from, to)?;
            self.count(1);
            match self.remote.copy(key, &target) {
                Ok(()) => {}
                Err(e) if e.is_not_found() => {}
                Err(e) => return Err(e),
            }
        }
        injected("s3.rename.after_copy")?;
        let mut doomed: Vec<Key> = keys.to_vec();
        doomed.reverse();
        self.count(1);
        // One by one, newest first: a reader of the bucket never sees the old name whole
        // after the first delete.
        if let Some(first) = doomed.first() {
            self.remote.delete_many(std::slice::from_ref(first))?;
        }
        if doomed.len() > 1 {
            self.remote.delete_many(&doomed[1..])?;
        }
        Ok(())
    }

    fn write_journal(&self, rename: &PendingRename) -> Result<PathBuf> {
        let n = self.journal_counter.fetch_add(1, Ordering::Relaxed);
        let path = self.journal.join(format!(
            "{:020}-{}-{n}.json",
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_nanos())
                .unwrap_or(0),
            std::process::id()
        ));
        let bytes = serde_json::to_vec(rename).map_err(|e| BackendError::Io {
            at: path.display().to_string(),
            action: "write journal",
            source: io::Error::other(e),
        })?;
        crate::util::atomic::replace_file(&path, &bytes, 0o600)
            .map_err(io_error(&path, "write journal"))?;
        Ok(path)
    }

    // --- chunks ---

    /// Records that the bucket holds the chunk `key` of `size` bytes (a sparse marker file).
    fn mark(&self, key: &Key, size: u64) -> Result<()> {
        mark(&self.marks, key, size)
    }

    /// Uploads a chunk in the background (at most `MAX_UPLOADS` at once); its marker is made
    /// when the bucket has it, and a failure is the answer of the next `sync`.
    fn upload_chunk(&self, key: &Key, bytes: &[u8]) -> Result<()> {
        self.uploads.begin()?;
        let (uploads, marks, marked) = (self.uploads.clone(), self.marks.clone(), key.clone());
        let size = bytes.len() as u64;
        self.count(1);
        let started = self.remote.put_in_background(
            key,
            bytes::Bytes::copy_from_slice(bytes),
            move |result| {
                let result = result.and_then(|()| mark(&marks, &marked, size));
                uploads.end(result.err());
            },
        );
        if let Err(e) = started {
            self.uploads.end(None);
            return Err(e);
        }
        Ok(())
    }

    /// What the bucket says of a chunk this host has no marker for (and the marker, if so).
    fn chunk_from_bucket(&self, key: &Key) -> Result<Option<ObjectMeta>> {
        self.count(1);
        let meta = self.remote.stat(key)?;
        if let Some(m) = meta.filter(|m| m.kind == Kind::Object) {
            self.mark(key, m.size)?;
            return Ok(self.marks.stat(key)?.or(Some(m)));
        }
        Ok(None)
    }

    /// The bucket's listing of the chunk prefix directory `.chunks/<prefix>`, from a walk
    /// through the whole chunk listing (`ChunkCursor`): a sweep of N chunks costs N/1,000
    /// requests, however the chunks spread over the 65,536 directories.
    fn list_chunk_prefix(&self, prefix: &str) -> Result<Vec<Entry>> {
        const PAGE: usize = 1000;
        let top = Key::new(CHUNK_PREFIX)?;
        let dir = top.join(prefix)?;
        let wanted = format!("{dir}/");
        let mut guard = self.listing.lock().unwrap_or_else(|p| p.into_inner());
        let reusable = guard
            .as_ref()
            .is_some_and(|c| c.position.as_str() <= wanted.as_str() && c.at.elapsed() < CURSOR_TTL);
        if !reusable {
            *guard = Some(ChunkCursor {
                pending: Default::default(),
                // Keys below `.chunks/<prefix>/` sort after `.chunks/<prefix>` itself.
                last: Some(dir.clone()),
                more: true,
                position: wanted.clone(),
                at: Instant::now(),
            });
        }
        let Some(cursor) = guard.as_mut() else {
            return Ok(Vec::new());
        };
        cursor.position = wanted.clone();
        let mut out = Vec::new();
        loop {
            while let Some((key, meta)) = cursor.pending.front() {
                let name = key.as_str();
                if name < wanted.as_str() {
                    cursor.pending.pop_front();
                } else if let Some(rest) = name.strip_prefix(wanted.as_str()) {
                    out.push(Entry {
                        name: rest.to_string(),
                        exact: true,
                        meta: *meta,
                    });
                    cursor.pending.pop_front();
                } else {
                    // Past this directory: the rest is for the next ones.
                    return Ok(out);
                }
            }
            if !cursor.more {
                return Ok(out);
            }
            let after = cursor.last.clone().unwrap_or_else(|| dir.clone());
            self.count(1);
            let (page, more) = self.remote.list_page_after(&top, &after, PAGE)?;
            cursor.more = more && !page.is_empty();
            if let Some((last, _)) = page.last() {
                cursor.last = Some(last.clone());
            }
            cursor.pending.extend(page);
            cursor.at = Instant::now();
        }
    }

    /// A chunk's entry as GC sees it: the bucket's size and upload time, the marker's atime
    /// when this host has one.
    fn with_mark(&self, prefix: &Key, mut entry: Entry) -> Entry {
        if entry.meta.kind == Kind::Object {
            if let Ok(key) = prefix.join(&entry.name) {
                if let Ok(Some(mark)) = self.marks.stat(&key) {
                    entry.meta.accessed = mark.accessed.max(entry.meta.modified);
                }
            }
        }
        entry
    }

    // --- directories in the bucket ---

    fn dir_marker(key: &Key) -> Result<Key> {
        key.join(DIR_MARKER)
    }
}

/// A failure of the cache directory, said to be one: a full local disk must not read as a full
/// bucket (the datastore names the object by its bucket key).
fn in_cache(e: BackendError) -> BackendError {
    match e {
        BackendError::Io { at, action, source } => {
            let source = io::Error::new(source.kind(), format!("in the cache at {at}: {source}"));
            BackendError::Io { at, action, source }
        }
        other => other,
    }
}

/// Records that the bucket holds the chunk `key` of `size` bytes: a sparse marker file, made
/// in one create (the cache is this user's own directory; a marker is never read, only
/// stat'ed, so a torn one is just a marker of the wrong size).
fn mark(marks: &FsBackend, key: &Key, size: u64) -> Result<()> {
    make_mark(marks, key, size).map_err(in_cache)
}

fn make_mark(marks: &FsBackend, key: &Key, size: u64) -> Result<()> {
    let path = marks.path(key);
    let create = || {
        std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&path)
    };
    let file = match create() {
        Err(e) if e.kind() == io::ErrorKind::NotFound => {
            if let Some(parent) = key.parent() {
                marks.create_dir_all(&parent)?;
            }
            create()
        }
        other => other,
    };
    match file {
        Ok(f) => f
            .set_len(size.max(1))
            .map_err(io_error(&path, "mark chunk")),
        // One left empty by a crash between the create and the length is completed.
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => match std::fs::metadata(&path) {
            Ok(m) if m.len() == 0 => std::fs::OpenOptions::new()
                .write(true)
                .open(&path)
                .and_then(|f| f.set_len(size.max(1)))
                .map_err(io_error(&path, "mark chunk")),
            _ => Ok(()),
        },
        Err(e) => Err(io_error(&path, "mark chunk")(e)),
    }
}

/// LIMIT: chunk uploads in flight at once (memory: this many encoded chunks).
const MAX_UPLOADS: usize = 8;

/// The chunk uploads in flight, and whether one failed since the last `sync`.
#[derive(Default)]
struct Uploads {
    state: Mutex<UploadState>,
    changed: std::sync::Condvar,
}

#[derive(Default)]
struct UploadState {
    in_flight: usize,
    failed: bool,
    /// The first failure, for whoever reports it first.
    first: Option<BackendError>,
}

impl Uploads {
    fn lock(&self) -> std::sync::MutexGuard<'_, UploadState> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn failure(state: &mut UploadState) -> BackendError {
        state.first.take().unwrap_or_else(|| BackendError::Io {
            at: "chunk upload".into(),
            action: "write chunk",
            source: io::Error::other("an earlier chunk upload of this backup failed"),
        })
    }

    /// Waits for a free slot; a failure already seen stops the writer at once.
    fn begin(&self) -> Result<()> {
        let mut state = self.lock();
        while state.in_flight >= MAX_UPLOADS {
            state = self.changed.wait(state).unwrap_or_else(|p| p.into_inner());
        }
        if state.failed {
            return Err(Self::failure(&mut state));
        }
        state.in_flight += 1;
        Ok(())
    }

    fn end(&self, failure: Option<BackendError>) {
        let mut state = self.lock();
        state.in_flight -= 1;
        if let Some(e) = failure {
            if !state.failed {
                state.failed = true;
                state.first = Some(e);
            }
        }
        self.changed.notify_all();
    }

    /// Waits for every upload in flight; fails if any failed since the last `finish`.
    fn finish(&self) -> Result<()> {
        let mut state = self.lock();
        while state.in_flight > 0 {
            state = self.changed.wait(state).unwrap_or_else(|p| p.into_inner());
        }
        if std::mem::take(&mut state.failed) {
            return Err(Self::failure(&mut state));
        }
        Ok(())
    }
}

/// `key` (below `from`, or `from` itself) moved below `to`.
fn retarget(key: &Key, from: &Key, to: &Key) -> Result<Key> {
    if key == from {
        return Ok(to.clone());
    }
    let rest = key
        .as_str()
        .strip_prefix(from.as_str())
        .and_then(|r| r.strip_prefix('/'))
        .ok_or_else(|| BackendError::InvalidKey {
            key: key.to_string(),
            why: "not below the renamed prefix",
        })?;
    to.join(rest)
}

impl StorageBackend for CachedBackend {
    fn locate(&self, key: &Key) -> String {
        self.remote.locate(key)
    }

    fn capabilities(&self) -> Capabilities {
        Capabilities::ALL
    }

    fn get(&self, key: &Key, limit: u64) -> Result<Vec<u8>> {
        let Some(name) = chunk_name(key) else {
            return self.mirror.get(key, limit);
        };
        if let Some(bytes) = self.contents.get(name) {
            // A cached copy the disk damaged is a miss (the CRC in every chunk's header tells),
            // never an error blamed on the store.
            if bytes.len() as u64 <= limit && blob::check_header_and_crc(&bytes).is_ok() {
                return Ok(bytes);
            }
            self.contents.remove(name);
        }
        self.get_from_source(key, limit)
    }

    fn get_from_source(&self, key: &Key, limit: u64) -> Result<Vec<u8>> {
        self.count(1);
        let bytes = self.remote.get(key, limit)?;
        let Some(name) = chunk_name(key) else {
            return Ok(bytes);
        };
        // Only what can be a chunk is kept: a damaged object in the bucket must fail each read
        // (and verify) again, not be served from here later.
        if blob::check_header_and_crc(&bytes).is_ok() {
            self.contents.put(name, &bytes);
        } else {
            self.contents.remove(name);
        }
        if self.marks.stat(key)?.is_none() {
            self.mark(key, bytes.len() as u64)?;
        }
        Ok(bytes)
    }

    fn read_parallelism(&self) -> usize {
        crate::util::knobs::count("PBSH_READ_AHEAD", READ_AHEAD, 256)
    }

    fn get_range(&self, key: &Key, offset: u64, len: u64) -> Result<Vec<u8>> {
        if chunk_name(key).is_none() {
            return self.mirror.get_range(key, offset, len);
        }
        let whole = self.get(key, u64::MAX)?;
        let start = offset.min(whole.len() as u64) as usize;
        let end = offset.saturating_add(len).min(whole.len() as u64) as usize;
        Ok(whole[start..end].to_vec())
    }

    fn put(&self, key: &Key, bytes: &[u8], durability: Durability) -> Result<()> {
        if chunk_name(key).is_some() && durability == Durability::Deferred {
            return self.upload_chunk(key, bytes);
        }
        self.count(1);
        self.remote.put(key, bytes, Durability::Synced)?;
        if chunk_name(key).is_some() {
            return self.mark(key, bytes.len() as u64);
        }
        self.mirror.put(key, bytes, durability).map_err(in_cache)
    }

    fn put_if_absent(&self, key: &Key, bytes: &[u8], durability: Durability) -> Result<Put> {
        if chunk_name(key).is_some() {
            if self.marks.stat(key)?.is_some_and(|m| m.size > 0) {
                return Ok(Put::Existed);
            }
            // Content-addressed: writing the same bytes over a chunk another writer just
            // stored changes nothing, so no conditional request is needed.
            if durability == Durability::Deferred {
                self.upload_chunk(key, bytes)?;
            } else {
                self.count(1);
                self.remote.put(key, bytes, Durability::Synced)?;
                self.mark(key, bytes.len() as u64)?;
            }
            return Ok(Put::Created);
        }
        if self.mirror.stat(key)?.is_some() {
            return Ok(Put::Existed);
        }
        self.count(1);
        if self.remote.put_if_absent(key, bytes, Durability::Synced)? == Put::Existed {
            // Another host wrote it: the mirror takes the bucket's object.
            self.count(1);
            let theirs = self.remote.get(key, u64::MAX)?;
            self.mirror
                .put(key, &theirs, Durability::Synced)
                .map_err(in_cache)?;
            return Ok(Put::Existed);
        }
        self.mirror
            .put_if_absent(key, bytes, durability)
            .map_err(in_cache)
    }

    fn list(&self, prefix: &Key, depth: Depth) -> Result<Vec<Entry>> {
        if !is_chunk_key(prefix) {
            return self.mirror.list(prefix, depth);
        }
        let components: Vec<&str> = prefix.components().collect();
        match (components.len(), depth) {
            (1, Depth::One) => {
                self.count(1);
                self.remote.list(prefix, Depth::One)
            }
            (2, Depth::One) => Ok(self
                .list_chunk_prefix(components[1])?
                .into_iter()
                .map(|e| self.with_mark(prefix, e))
                .collect()),
            _ => {
                self.count(1);
                Ok(self
                    .remote
                    .list(prefix, depth)?
                    .into_iter()
                    .map(|e| self.with_mark(prefix, e))
                    .collect())
            }
        }
    }

    fn delete(&self, key: &Key) -> Result<bool> {
        if let Some(name) = chunk_name(key) {
            self.count(1);
            self.remote.delete_many(std::slice::from_ref(key))?;
            self.contents.remove(name);
            return self.marks.delete(key).map(|_| true);
        }
        match self.mirror.stat(key)? {
            None => Ok(false),
            Some(meta) => {
                self.count(1);
                if meta.kind == Kind::Prefix {
                    self.remote.delete_many(&[Self::dir_marker(key)?])?;
                } else {
                    self.remote.delete_many(std::slice::from_ref(key))?;
                }
                self.mirror.delete(key)
            }
        }
    }

    fn delete_tree(&self, key: &Key) -> Result<()> {
        self.count(2);
        let keys: Vec<Key> = self
            .remote
            .list_keys(key)?
            .into_iter()
            .map(|(k, _)| k)
            .collect();
        // The manifest first, so a half-removed snapshot is never one in the bucket.
        let (first, rest): (Vec<Key>, Vec<Key>) = keys
            .into_iter()
            .partition(|k| k.name() == crate::format::manifest::MANIFEST_BLOB_NAME);
        self.remote.delete_many(&first)?;
        self.remote.delete_many(&rest)?;
        if !key.is_root() {
            self.remote.delete_many(std::slice::from_ref(key))?;
        }
        if is_chunk_key(key) {
            self.marks.delete_tree(key)?;
        }
        self.mirror.delete_tree(key)
    }

    fn stat(&self, key: &Key) -> Result<Option<ObjectMeta>> {
        if chunk_name(key).is_none() {
            if is_chunk_key(key) {
                return self.marks.stat(key);
            }
            return self.mirror.stat(key);
        }
        match self.marks.stat(key)? {
            Some(meta) => Ok(Some(meta)),
            // Every chunk the bucket had is marked, and this host marks what it uploads: a
            // chunk without a marker is new (or another host's, and uploading it again
            // changes nothing), so the bucket is not asked.
            None if self.marks_complete.load(Ordering::Relaxed) => Ok(None),
            None => self.chunk_from_bucket(key),
        }
    }

    fn create_dir(&self, key: &Key) -> Result<bool> {
        if is_chunk_key(key) {
            return self.marks.create_dir(key);
        }
        let created = self.mirror.create_dir(key).map_err(in_cache)?;
        if created && !key.is_root() {
            self.count(1);
            self.remote
                .put(&Self::dir_marker(key)?, b"", Durability::Synced)?;
        }
        Ok(created)
    }

    fn create_dir_all(&self, key: &Key) -> Result<()> {
        if is_chunk_key(key) {
            return self.marks.create_dir_all(key);
        }
        let mut at = Key::root();
        for c in key.components() {
            at = at.join(c)?;
            if self.mirror.stat(&at)?.is_none() {
                self.create_dir(&at)?;
            }
        }
        Ok(())
    }

    fn rename(&self, from: &Key, to: &Key, replace: Replace) -> Result<()> {
        if let Some(name) = chunk_name(from) {
            // Quarantine: the bucket's copy moves, the marker follows, the cached copy goes.
            self.count(2);
            self.remote.copy(from, to)?;
            self.remote.delete_many(std::slice::from_ref(from))?;
            self.contents.remove(name);
            let _ = self.marks.delete(from);
            if let Ok(Some(m)) = self.remote.stat(to) {
                self.mark(to, m.size)?;
            }
            return Ok(());
        }
        // The sources in the order they were written (the mirror's modification times), the
        // directory markers first.
        let mut keys: Vec<(i64, i64, Key)> = Vec::new();
        match self.mirror.stat(from)? {
            None => {
                return Err(BackendError::NotFound {
                    at: self.locate(from),
                })
            }
            Some(meta) if meta.kind == Kind::Object => {
                keys.push((meta.modified.secs, meta.modified.nanos, from.clone()))
            }
            Some(_) => {
                self.count(1);
                for (key, remote_meta) in self.remote.list_keys(from)? {
                    let local = if key.name() == DIR_MARKER {
                        None
                    } else {
                        self.mirror.stat(&key)?
                    };
                    let stamp = local.map(|m| m.modified).unwrap_or_else(|| {
                        if key.name() == DIR_MARKER {
                            Default::default()
                        } else {
                            remote_meta.modified
                        }
                    });
                    keys.push((stamp.secs, stamp.nanos, key));
                }
            }
        }
        keys.sort();
        let keys: Vec<Key> = keys.into_iter().map(|(_, _, k)| k).collect();
        // The mirror moves first: the removal of stale mirror objects must wait.
        let _renaming = refresh::RenameGuard::shared(&self.dir)?;
        let journal = self.write_journal(&PendingRename {
            from: from.to_string(),
            to: to.to_string(),
            keys: keys.iter().map(|k| k.to_string()).collect(),
        })?;
        // The local rename decides (it refuses a taken name); the bucket follows.
        if let Err(e) = self.mirror.rename(from, to, replace) {
            let _ = std::fs::remove_file(&journal);
            return Err(in_cache(e));
        }
        self.copy_then_remove(from, to, &keys)?;
        let _ = std::fs::remove_file(&journal);
        Ok(())
    }

    fn lock(&self, key: &Key, mode: LockMode) -> Result<Lock> {
        self.mirror.lock(key, mode)
    }

    fn lease(&self, key: &Key, mode: LockMode, purpose: &str) -> Result<Option<Lock>> {
        self.count(3);
        let held = lease::take(&self.remote, &self.host_id, key, mode, purpose)?;
        Ok(Some(Lock::new(Box::new(held))))
    }

    fn touch(&self, key: &Key) -> Result<bool> {
        if chunk_name(key).is_none() {
            return self.mirror.touch(key);
        }
        if self.marks.touch(key)? {
            return Ok(true);
        }
        match self.chunk_from_bucket(key)? {
            Some(_) => self.marks.touch(key),
            None => Ok(false),
        }
    }

    fn sync(&self, prefix: &Key) -> Result<()> {
        if is_chunk_key(prefix) {
            // Every chunk the manifest may name is in the bucket before it is written. The
            // markers are not synced (a syncfs would flush the whole file system): one lost
            // in a crash only makes its chunk look new or unmarked, never lost.
            return self.uploads.finish();
        }
        self.mirror.sync(prefix)
    }

    fn space(&self) -> Result<Space> {
        // A bucket has no size: the figures are the cache directory's file system.
        self.mirror.space()
    }
}
