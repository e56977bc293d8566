//! The datastore: PBS's layout (`.chunks/`, `.lock`, `ns/…/`, `type/id/time/`) over a storage
//! backend (`repo::backend`), the local file system's by default.
//!
//! This module knows what each name means and in which order things are written; the backend
//! only stores bytes under keys. Chunk prefix directories are created lazily on first insert; a
//! backup writes into a hidden temporary snapshot directory that is renamed into place only at
//! `finish`, so readers never see half a snapshot. Never decodes chunk contents (that is the
//! engine's job). The directory renames, `flock`s and atime marks it relies on are the backend's
//! optional capabilities (see `repo::backend`'s table); the engine and the server reach the
//! store only through the methods here, never through paths.

use super::backend::fs::FsBackend;
use super::backend::{
    BackendError, Depth, Durability, Entry, Key, Kind, Lock, LockMode, Put, Replace, Space, Stamp,
    StorageBackend,
};
use super::types::{parse_backup_time, BackupGroup, BackupType, Namespace, SnapshotRef};
use super::{
    BackupWriter, ChunkSink, GroupInfo, IndexData, RepoError, Repository, Result, SnapshotInfo,
};
use crate::format::blob;
use crate::format::digest::ChunkDigest;
use crate::format::index::{encode_dynamic, encode_fixed};
use crate::format::limits;
use crate::format::manifest::{Manifest, MANIFEST_BLOB_NAME};
use crate::util::failpoint::failpoint;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Largest index file read into memory: the most entries an index may have.
const MAX_INDEX_FILE_SIZE: u64 = 4096 + 40 * limits::MAX_INDEX_ENTRIES as u64;

/// Largest small text file read (owner, notes).
const MAX_TEXT_FILE_SIZE: u64 = 1 << 20;

/// The chunk store's prefix.
const CHUNKS: &str = ".chunks";
/// The datastore-wide lock file.
const LOCK_FILE: &str = ".lock";
/// GC's status file.
const GC_STATUS: &str = ".gc-status";
/// A group's owner file.
const OWNER_FILE: &str = "owner";
/// A group's notes file.
const NOTES_FILE: &str = "notes";
/// The client's log of a finished backup.
const CLIENT_LOG: &str = "client.log.blob";
/// Name of the marker file that protects a snapshot from removal.
const PROTECTED_MARKER: &str = ".protected";

/// A held lock (an advisory `flock` on the local file system); released on drop.
pub type FileLock = Lock;

/// A backend failure as a repository failure, keeping the object it names.
impl From<BackendError> for RepoError {
    fn from(e: BackendError) -> Self {
        match e {
            BackendError::Io { at, action, source } => RepoError::Io {
                path: at,
                action,
                source,
            },
            BackendError::NotFound { at } => RepoError::NotFound(at),
            BackendError::Busy { .. } | BackendError::HeldByHost { .. } => {
                RepoError::Locked(e.to_string())
            }
            BackendError::TooLarge { .. }
            | BackendError::Unsupported { .. }
            | BackendError::InvalidKey { .. } => RepoError::Refused(e.to_string()),
        }
    }
}

/// The failure as an `io::Error` of the same kind (an I/O failure keeps its own error).
fn into_io(e: BackendError) -> io::Error {
    match e {
        BackendError::Io { source, .. } => source,
        BackendError::NotFound { .. } => io::Error::new(io::ErrorKind::NotFound, e.to_string()),
        other => io::Error::other(other.to_string()),
    }
}

/// Rewrites a backend failure as one about `at`, while doing `action`.
fn at<'a>(at: &'a str, action: &'static str) -> impl FnOnce(BackendError) -> RepoError + 'a {
    move |e| match e {
        BackendError::Io { source, .. } => RepoError::Io {
            path: at.to_string(),
            action,
            source,
        },
        other => other.into(),
    }
}

/// A lock attempt's result, a held lock said in the caller's words (`busy`), and the other
/// host named when it is one.
fn locked(
    taken: std::result::Result<Lock, BackendError>,
    busy: impl FnOnce() -> String,
) -> Result<Lock> {
    match taken {
        Ok(lock) => Ok(lock),
        Err(BackendError::Busy { .. }) => Err(RepoError::Locked(busy())),
        Err(BackendError::HeldByHost { holder, .. }) => {
            Err(RepoError::Locked(format!("{} ({holder})", busy())))
        }
        Err(e) => Err(e.into()),
    }
}

/// A chunk read's failure; a missing chunk is named by its digest.
fn chunk_error(digest: &ChunkDigest, e: BackendError) -> RepoError {
    if e.is_not_found() {
        RepoError::NotFound(format!("chunk {digest}"))
    } else {
        e.into()
    }
}

/// The error a write reports when its object already exists (as `link(2)` says it).
fn exists_error(path: String, action: &'static str) -> RepoError {
    RepoError::Io {
        path,
        action,
        source: io::Error::from_raw_os_error(libc::EEXIST),
    }
}

/// `key/rel`, for names this module made (valid by construction; a name too long for a key is
/// refused).
fn join(key: &Key, rel: &str) -> Result<Key> {
    key.join(rel).map_err(RepoError::from)
}

fn key(text: &str) -> Result<Key> {
    Key::new(text).map_err(RepoError::from)
}

/// Whether a group directory entry is the hidden directory of a backup that is not finished.
fn is_unfinished_backup(name: &str) -> bool {
    name.starts_with(".tmp-")
}

/// The names of `entries` that are directories (exact names only).
fn prefixes(entries: Vec<Entry>) -> impl Iterator<Item = String> {
    entries
        .into_iter()
        .filter(|e| e.exact && e.meta.kind == Kind::Prefix)
        .map(|e| e.name)
}

/// The chunk store below `.chunks/`.
#[derive(Debug)]
pub struct ChunkStore {
    backend: Arc<dyn StorageBackend>,
    /// Where it is, for messages and tests.
    base: PathBuf,
}

impl ChunkStore {
    /// The chunk store of the datastore over `backend`; `base` is its path in messages.
    pub fn new(backend: Arc<dyn StorageBackend>, base: PathBuf) -> Self {
        ChunkStore { backend, base }
    }

    pub fn base(&self) -> &Path {
        &self.base
    }

    pub fn chunk_path(&self, digest: &ChunkDigest) -> PathBuf {
        self.base.join(digest.prefix_dir()).join(digest.to_hex())
    }

    fn key(&self, digest: &ChunkDigest) -> Result<Key> {
        key(&format!(
            "{CHUNKS}/{}/{}",
            digest.prefix_dir(),
            digest.to_hex()
        ))
    }

    fn rel_key(&self, rel: &str) -> Result<Key> {
        join(&key(CHUNKS)?, rel)
    }

    /// Where `rel` (a prefix directory, or `prefix/name`) is, for messages.
    pub fn locate(&self, rel: &str) -> String {
        self.base.join(rel).display().to_string()
    }

    /// Sets a chunk's atime to now, as GC's mark phase and PBS's insert do; false when the
    /// chunk is not there.
    pub fn touch(&self, digest: &ChunkDigest) -> Result<bool> {
        let key = self.key(digest)?;
        self.backend.touch(&key).map_err(RepoError::from)
    }

    /// Marks the quarantined copies of a chunk (`<digest>.<n>.bad`) as `touch` does; true when
    /// there was one.
    pub fn touch_quarantined(&self, digest: &ChunkDigest) -> bool {
        let mut found = false;
        for n in 0..10 {
            if let Ok(k) = self.rel_key(&format!(
                "{}/{}.{n}.bad",
                digest.prefix_dir(),
                digest.to_hex()
            )) {
                found |= self.backend.touch(&k).unwrap_or(false);
            }
        }
        found
    }

    /// Reads an encoded chunk.
    pub fn read(&self, digest: &ChunkDigest) -> Result<Vec<u8>> {
        let key = self.key(digest)?;
        self.backend
            .get(&key, limits::MAX_ENCODED_BLOB_SIZE as u64)
            .map_err(|e| chunk_error(digest, e))
    }

    /// Reads an encoded chunk as the store itself holds it, past any local cache (for verify).
    pub fn read_from_source(&self, digest: &ChunkDigest) -> Result<Vec<u8>> {
        let key = self.key(digest)?;
        self.backend
            .get_from_source(&key, limits::MAX_ENCODED_BLOB_SIZE as u64)
            .map_err(|e| chunk_error(digest, e))
    }

    /// Flushes everything written to the chunk store (one `syncfs`, not one `fsync` per chunk,
    /// as PBS's default "filesystem" sync level does).
    pub fn sync(&self) -> Result<()> {
        self.backend.sync(&key(CHUNKS)?).map_err(RepoError::from)
    }

    /// Renames a corrupt chunk out of the way (first free `.N.bad`, `.9.bad` reused), as PBS
    /// does; nothing when the chunk is not there.
    pub fn quarantine(&self, digest: &ChunkDigest) -> Result<()> {
        let chunk = self.key(digest)?;
        if self.backend.stat(&chunk)?.is_none() {
            return Ok(());
        }
        let bad = |n: u32| {
            self.rel_key(&format!(
                "{}/{}.{n}.bad",
                digest.prefix_dir(),
                digest.to_hex()
            ))
        };
        let mut target = bad(9)?;
        for n in 0..10 {
            let candidate = bad(n)?;
            if self.backend.stat(&candidate)?.is_none() {
                target = candidate;
                break;
            }
        }
        self.backend
            .rename(&chunk, &target, Replace::Yes)
            .map_err(RepoError::from)
    }

    /// The entries at the top of the chunk store (prefix directories, and whatever else is
    /// there), links described, never followed.
    pub fn list_top(&self) -> Result<Vec<Entry>> {
        self.backend
            .list(&key(CHUNKS)?, Depth::One)
            .map_err(RepoError::from)
    }

    /// The entries of one prefix directory (a name `list_top` gave).
    pub fn list_prefix(&self, prefix: &str) -> Result<Vec<Entry>> {
        self.backend
            .list(&self.rel_key(prefix)?, Depth::One)
            .map_err(RepoError::from)
    }

    /// Removes the file `name` of prefix directory `prefix` (a link is removed, never
    /// followed); nothing when it is gone already.
    pub fn remove(&self, prefix: &str, name: &str) -> Result<()> {
        let key = self.rel_key(&format!("{prefix}/{name}"))?;
        self.backend
            .delete(&key)
            .map(|_| ())
            .map_err(RepoError::from)
    }
}

impl ChunkSink for ChunkStore {
    fn has_chunk(&self, digest: &ChunkDigest) -> Result<bool> {
        let key = self.key(digest)?;
        let path = self.backend.locate(&key);
        match self.backend.stat(&key).map_err(at(&path, "stat chunk"))? {
            // A zero-length file is residue of a crash: treat it as missing so it is rewritten.
            Some(meta) if meta.size > 0 => {
                self.backend.touch(&key).map_err(at(&path, "touch chunk"))
            }
            _ => Ok(false),
        }
    }

    fn insert_chunk(&self, digest: &ChunkDigest, encoded: &[u8]) -> Result<bool> {
        let key = self.key(digest)?;
        let path = self.backend.locate(&key);
        let existing = self.backend.stat(&key).map_err(at(&path, "stat chunk"))?;
        if let Some(meta) = existing {
            if meta.size > 0 {
                return self
                    .backend
                    .touch(&key)
                    .map(|_| false)
                    .map_err(at(&path, "touch chunk"));
            }
        }
        if let Some(dir) = key.parent() {
            let dir_path = self.backend.locate(&dir);
            self.backend
                .create_dir(&dir)
                .map_err(at(&dir_path, "create chunk directory"))?;
        }
        // DURABILITY: not fsynced here; the writer syncs the whole file system before the
        // manifest that references this chunk is written, so a crash leaves at worst an
        // unreferenced or zero-length chunk, which the next insert overwrites.
        let created = if existing.is_some() {
            self.backend
                .put(&key, encoded, Durability::Deferred)
                .map(|()| true)
        } else {
            self.backend
                .put_if_absent(&key, encoded, Durability::Deferred)
                .map(|p| p == Put::Created)
        }
        .map_err(at(&path, "write chunk"))?;
        failpoint("store.chunk.after_rename").map_err(|source| RepoError::Io {
            path: path.clone(),
            action: "write chunk",
            source,
        })?;
        Ok(created)
    }
}

/// A datastore: PBS's layout over a storage backend.
#[derive(Debug, Clone)]
pub struct LocalDatastore {
    root: PathBuf,
    /// Where the datastore is, when that is not `root` (`s3://bucket/prefix`; `root` is then
    /// the cache's mirror).
    label: Option<String>,
    backend: Arc<dyn StorageBackend>,
    chunks: Arc<ChunkStore>,
}

impl LocalDatastore {
    /// Opens the directory `root`, creating it, `.chunks/` and `.lock` if they are missing.
    pub fn open_or_create(root: &Path) -> io::Result<Self> {
        let backend = Arc::new(FsBackend::create(root)?);
        Self::with_backend(root, backend).map_err(into_io)
    }

    /// The datastore over `backend`, creating `.chunks/` and `.lock` if they are missing;
    /// `root` is where it is said to be (its name and the paths in messages).
    pub fn with_backend(
        root: &Path,
        backend: Arc<dyn StorageBackend>,
    ) -> std::result::Result<Self, BackendError> {
        backend.create_dir_all(&Key::new(CHUNKS)?)?;
        let lock = Key::new(LOCK_FILE)?;
        if backend.stat(&lock)?.is_none() {
            backend.put_if_absent(&lock, b"", Durability::Synced)?;
        }
        Ok(LocalDatastore {
            root: root.to_path_buf(),
            label: None,
            chunks: Arc::new(ChunkStore::new(backend.clone(), root.join(CHUNKS))),
            backend,
        })
    }

    /// Creates all 65,536 chunk prefix directories, so a PBS server can take the store over.
    pub fn create_full(root: &Path) -> io::Result<Self> {
        let store = Self::open_or_create(root)?;
        for prefix in 0..=0xffffu32 {
            let dir = Key::new(format!("{CHUNKS}/{prefix:04x}")).map_err(into_io)?;
            store.backend.create_dir(&dir).map_err(into_io)?;
        }
        Ok(store)
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The same datastore, named `label` in messages and listings (an S3 URL).
    pub fn with_label(mut self, label: String) -> Self {
        self.label = Some(label);
        self
    }

    /// Where the datastore is, as the user named it.
    pub fn location(&self) -> String {
        self.label
            .clone()
            .unwrap_or_else(|| self.root.display().to_string())
    }

    pub fn chunk_store(&self) -> &Arc<ChunkStore> {
        &self.chunks
    }

    /// The backend the datastore is stored in.
    pub fn backend(&self) -> &Arc<dyn StorageBackend> {
        &self.backend
    }

    /// Where `key` is, for messages.
    pub fn locate(&self, key: &Key) -> String {
        self.backend.locate(key)
    }

    /// The path of a namespace's directory (messages and tests; all I/O goes through the
    /// backend).
    pub fn ns_path(&self, ns: &Namespace) -> PathBuf {
        self.root.join(ns.rel_path())
    }

    pub fn group_path(&self, ns: &Namespace, group: &BackupGroup) -> PathBuf {
        self.ns_path(ns).join(group.rel_path())
    }

    pub fn snapshot_path(&self, ns: &Namespace, snapshot: &SnapshotRef) -> PathBuf {
        self.ns_path(ns).join(snapshot.rel_path())
    }

    fn ns_key(&self, ns: &Namespace) -> Result<Key> {
        let mut k = Key::root();
        for c in ns.components() {
            k = join(&join(&k, "ns")?, c)?;
        }
        Ok(k)
    }

    fn group_key(&self, ns: &Namespace, group: &BackupGroup) -> Result<Key> {
        join(&join(&self.ns_key(ns)?, group.ty.as_str())?, &group.id)
    }

    fn snapshot_key(&self, ns: &Namespace, snapshot: &SnapshotRef) -> Result<Key> {
        join(
            &self.group_key(ns, &snapshot.group)?,
            &snapshot.time_string(),
        )
    }

    /// What is at `key`, `None` when nothing (or when it cannot be seen).
    fn kind(&self, key: &Key) -> Option<Kind> {
        self.backend.stat(key).ok().flatten().map(|m| m.kind)
    }

    fn is_dir(&self, key: &Key) -> bool {
        self.kind(key) == Some(Kind::Prefix)
    }

    /// Takes a lock on `key` without waiting; `Locked(busy())` when it is held.
    fn try_lock(&self, key: &Key, mode: LockMode, busy: impl FnOnce() -> String) -> Result<Lock> {
        locked(self.backend.lock(key, mode), busy)
    }

    /// `try_lock` held against the other hosts sharing the store too (an object store), for
    /// `purpose`; a refusal says which host holds it.
    fn try_lock_across_hosts(
        &self,
        key: &Key,
        mode: LockMode,
        purpose: &str,
        busy: impl Fn() -> String,
    ) -> Result<Lock> {
        let here = self.try_lock(key, mode, &busy)?;
        self.leased(here, key, mode, purpose, busy)
    }

    /// `here` (this host's lock on `key`) with the lease that holds it against the other hosts
    /// sharing the store, where there are any.
    fn leased(
        &self,
        here: Lock,
        key: &Key,
        mode: LockMode,
        purpose: &str,
        busy: impl FnOnce() -> String,
    ) -> Result<Lock> {
        let taken = self
            .backend
            .lease(key, mode, purpose)
            .map(|lease| match lease {
                Some(lease) => Lock::new(Box::new((here, lease))),
                None => here,
            });
        locked(taken, busy)
    }

    /// Whether the namespace exists (the root always does).
    pub fn namespace_exists(&self, ns: &Namespace) -> bool {
        ns.is_root() || self.ns_key(ns).is_ok_and(|k| self.is_dir(&k))
    }

    /// Whether the backup group exists.
    pub fn group_exists(&self, ns: &Namespace, group: &BackupGroup) -> bool {
        self.group_key(ns, group).is_ok_and(|k| self.is_dir(&k))
    }

    /// Whether a snapshot directory exists, finished or not.
    pub fn snapshot_exists(&self, ns: &Namespace, snapshot: &SnapshotRef) -> bool {
        self.snapshot_key(ns, snapshot)
            .is_ok_and(|k| self.is_dir(&k))
    }

    /// Whether the snapshot is finished (has its manifest).
    fn is_finished(&self, snapshot_key: &Key) -> Result<bool> {
        Ok(self
            .backend
            .stat(&join(snapshot_key, MANIFEST_BLOB_NAME)?)
            .ok()
            .flatten()
            .is_some())
    }

    /// The finished snapshot's key; `NotFound` when it has no manifest.
    fn finished_snapshot(&self, ns: &Namespace, snapshot: &SnapshotRef) -> Result<Key> {
        let k = self.snapshot_key(ns, snapshot)?;
        if !self.is_finished(&k)? {
            return Err(RepoError::NotFound(format!("snapshot {snapshot}")));
        }
        Ok(k)
    }

    /// Whether a finished snapshot is protected from removal.
    pub fn is_protected(&self, ns: &Namespace, snapshot: &SnapshotRef) -> Result<bool> {
        let k = self.finished_snapshot(ns, snapshot)?;
        Ok(self.kind(&join(&k, PROTECTED_MARKER)?).is_some())
    }

    /// Whether a snapshot has the client's log (`client.log.blob`).
    pub fn has_client_log(&self, ns: &Namespace, snapshot: &SnapshotRef) -> bool {
        self.snapshot_key(ns, snapshot)
            .and_then(|k| join(&k, CLIENT_LOG))
            .is_ok_and(|k| self.kind(&k).is_some())
    }

    /// The notes of a group (its `notes` file), if it has them.
    pub fn group_notes(&self, ns: &Namespace, group: &BackupGroup) -> Option<String> {
        let k = join(&self.group_key(ns, group).ok()?, NOTES_FILE).ok()?;
        let raw = self.backend.get(&k, MAX_TEXT_FILE_SIZE).ok()?;
        String::from_utf8(raw).ok()
    }

    /// The names of a snapshot directory's files (not hidden ones), sorted.
    pub fn snapshot_files(&self, ns: &Namespace, snapshot: &SnapshotRef) -> Vec<String> {
        let Ok(k) = self.snapshot_key(ns, snapshot) else {
            return Vec::new();
        };
        let mut names: Vec<String> = self
            .backend
            .list(&k, Depth::One)
            .unwrap_or_default()
            .into_iter()
            .filter(|e| e.exact && e.meta.kind == Kind::Object && !e.name.starts_with('.'))
            .map(|e| e.name)
            .collect();
        names.sort();
        names
    }

    /// Space on the storage holding the datastore.
    pub fn space(&self) -> Result<Space> {
        self.backend.space().map_err(RepoError::from)
    }

    /// Takes the datastore-wide lock: shared for writers, exclusive for garbage collection.
    ///
    /// Garbage collection retries for a second before giving up: a writer's shared lock can
    /// outlive it briefly in a child process forked (before its exec) while the backup ran.
    pub fn lock_store(&self, exclusive: bool) -> Result<FileLock> {
        let (mode, purpose) = if exclusive {
            (LockMode::Exclusive, "garbage collection")
        } else {
            (LockMode::Shared, "a backup")
        };
        let busy = || {
            if exclusive {
                "datastore is in use by a running backup; try garbage collection again later"
                    .to_string()
            } else {
                "garbage collection is running on this datastore; try again later".to_string()
            }
        };
        let lock = key(LOCK_FILE)?;
        let mut here = self.try_lock(&lock, mode, busy);
        // Only this host's lock is retried: another host's lease is no fork's leftover.
        for _ in 0..20 {
            if !exclusive || !matches!(here, Err(RepoError::Locked(_))) {
                break;
            }
            std::thread::sleep(std::time::Duration::from_millis(50));
            here = self.try_lock(&lock, mode, busy);
        }
        self.leased(here?, &lock, mode, purpose, busy)
    }

    /// Removes the hidden directories of backups that are not finished from a group whose
    /// exclusive lock the caller holds; returns the ones removed.
    fn remove_unfinished(&self, group: &Key) -> Vec<Key> {
        let entries = self.backend.list(group, Depth::One).unwrap_or_default();
        prefixes(entries)
            .filter(|name| is_unfinished_backup(name))
            .filter_map(|name| join(group, &name).ok())
            .filter(|k| self.backend.delete_tree(k).is_ok())
            .collect()
    }

    /// Removes the hidden directories interrupted backups left in every group of every
    /// namespace (a server or client killed mid-backup). A group locked by a running backup is
    /// skipped, and the whole store while garbage collection holds it (`Locked`). Returns the
    /// directories removed.
    pub fn remove_unfinished_backups(&self) -> Result<Vec<Key>> {
        let _store = self.lock_store(false)?;
        let mut removed = Vec::new();
        let mut namespaces = vec![Namespace::root()];
        while let Some(ns) = namespaces.pop() {
            namespaces.extend(self.list_namespaces(&ns)?);
            for ty in BackupType::ALL {
                let type_key = join(&self.ns_key(&ns)?, ty.as_str())?;
                let Ok(groups) = self.backend.list(&type_key, Depth::One) else {
                    continue;
                };
                for group in prefixes(groups) {
                    let group = join(&type_key, &group)?;
                    let has_unfinished = self
                        .backend
                        .list(&group, Depth::One)
                        .map(|d| prefixes(d).any(|n| is_unfinished_backup(&n)))
                        .unwrap_or(false);
                    if !has_unfinished {
                        continue;
                    }
                    // A backup holds its group's lock for as long as it runs.
                    let Ok(_group) = self.try_lock(&group, LockMode::Exclusive, String::new) else {
                        continue;
                    };
                    removed.extend(self.remove_unfinished(&group));
                }
            }
        }
        Ok(removed)
    }

    /// Removes what interrupted operations left anywhere in the datastore but the chunk
    /// store: hidden `.tmp-…` (backups, groups being created) and `.deleting-…` (snapshots and
    /// namespaces being removed) directories. Only under the exclusive store lock (GC).
    /// Returns how many were removed.
    pub fn remove_leftovers(&self) -> u64 {
        let mut removed = 0;
        let mut stack = vec![Key::root()];
        while let Some(dir) = stack.pop() {
            let Ok(entries) = self.backend.list(&dir, Depth::One) else {
                continue;
            };
            for name in prefixes(entries) {
                if name == CHUNKS {
                    continue;
                }
                let Ok(k) = join(&dir, &name) else { continue };
                if name.starts_with(".tmp-") || name.starts_with(".deleting-") {
                    if self.backend.delete_tree(&k).is_ok() {
                        removed += 1;
                    }
                } else if !name.starts_with('.') {
                    stack.push(k);
                }
            }
        }
        removed
    }

    /// Every index file (`*.didx`, `*.fidx`) below the datastore (all namespaces, groups and
    /// snapshots), sorted. Entries starting with '.' are skipped, as PBS does: `.chunks`,
    /// `.lock`, hidden temporary directories.
    pub fn index_files(&self) -> Result<Vec<Key>> {
        let mut out = Vec::new();
        let mut stack = vec![Key::root()];
        while let Some(dir) = stack.pop() {
            for entry in self.backend.list(&dir, Depth::One)? {
                if !entry.exact || entry.name.starts_with('.') {
                    continue;
                }
                let k = join(&dir, &entry.name)?;
                match entry.meta.kind {
                    Kind::Prefix => stack.push(k),
                    Kind::Object
                        if entry.name.ends_with(".didx") || entry.name.ends_with(".fidx") =>
                    {
                        out.push(k)
                    }
                    _ => {}
                }
            }
        }
        out.sort();
        Ok(out)
    }

    /// A whole object of the datastore (an index file `index_files` named).
    pub fn read_object(&self, key: &Key) -> Result<Vec<u8>> {
        self.backend.get(key, u64::MAX).map_err(RepoError::from)
    }

    /// Sets the access time of `.lock` to now and returns it: the instant GC's mark phase
    /// starts, read from the same (coarse) clock as the chunks' access times.
    pub fn mark_start(&self) -> Result<Stamp> {
        let lock = key(LOCK_FILE)?;
        self.backend.touch(&lock)?;
        let meta = self
            .backend
            .stat(&lock)?
            .ok_or_else(|| RepoError::NotFound(self.locate(&lock)))?;
        Ok(meta.accessed)
    }

    /// Stores GC's status (`.gc-status`, PBS's JSON).
    pub fn write_gc_status(&self, json: &[u8]) -> Result<()> {
        self.backend
            .put(&key(GC_STATUS)?, json, Durability::Synced)
            .map_err(RepoError::from)
    }

    /// Locks a finished snapshot shared (a reader's lock), so it cannot be removed while held.
    pub fn lock_snapshot_shared(&self, ns: &Namespace, snapshot: &SnapshotRef) -> Result<FileLock> {
        let k = self.finished_snapshot(ns, snapshot)?;
        self.try_lock(&k, LockMode::Shared, || {
            format!("snapshot {snapshot} is locked by another operation")
        })
    }

    /// The owner of a group (`user@realm` or a token id), if it has one.
    pub fn owner(&self, ns: &Namespace, group: &BackupGroup) -> Option<String> {
        self.read_owner(&self.group_key(ns, group).ok()?)
    }

    /// Gives an existing group a new owner (atomically replaces its `owner` file).
    pub fn set_owner(&self, ns: &Namespace, group: &BackupGroup, owner: &str) -> Result<()> {
        let k = self.group_key(ns, group)?;
        if !self.is_dir(&k) {
            return Err(RepoError::NotFound(format!("backup group {group}")));
        }
        self.write_owner(&k, owner)
    }

    fn write_owner(&self, group: &Key, owner: &str) -> Result<()> {
        self.backend
            .put(
                &join(group, OWNER_FILE)?,
                format!("{owner}\n").as_bytes(),
                Durability::Synced,
            )
            .map_err(at(&self.locate(group), "write owner"))
    }

    fn read_owner(&self, group: &Key) -> Option<String> {
        let raw = self
            .backend
            .get(&join(group, OWNER_FILE).ok()?, MAX_TEXT_FILE_SIZE)
            .ok()?;
        String::from_utf8(raw)
            .ok()
            .map(|s| s.trim_end().to_string())
    }

    /// Snapshot times in a group that have a manifest, oldest first.
    fn finished_times(&self, group: &Key) -> Result<Vec<i64>> {
        let mut times = Vec::new();
        let entries = self
            .backend
            .list(group, Depth::One)
            .map_err(at(&self.locate(group), "list group"))?;
        for entry in entries {
            if !entry.exact {
                continue;
            }
            if let Ok(time) = parse_backup_time(&entry.name) {
                let manifest = join(&join(group, &entry.name)?, MANIFEST_BLOB_NAME)?;
                if self.kind(&manifest) == Some(Kind::Object) {
                    times.push(time);
                }
            }
        }
        times.sort_unstable();
        Ok(times)
    }

    fn snapshot_info(&self, ns: &Namespace, snapshot: &SnapshotRef) -> Result<SnapshotInfo> {
        let (manifest, manifest_size) = self.read_manifest(ns, snapshot)?;
        let k = self.snapshot_key(ns, snapshot)?;
        Ok(SnapshotInfo {
            snapshot: snapshot.clone(),
            manifest,
            manifest_size,
            protected: self.kind(&join(&k, PROTECTED_MARKER)?).is_some(),
            owner: self.read_owner(&self.group_key(ns, &snapshot.group)?),
            manifest_error: None,
        })
    }

    /// A snapshot whose manifest exists but cannot be read, as listed (`error` says why).
    fn unreadable_snapshot_info(
        &self,
        ns: &Namespace,
        snapshot: &SnapshotRef,
        error: &RepoError,
    ) -> Result<SnapshotInfo> {
        let k = self.snapshot_key(ns, snapshot)?;
        Ok(SnapshotInfo {
            snapshot: snapshot.clone(),
            manifest: Manifest::new(
                snapshot.group.ty.as_str(),
                &snapshot.group.id,
                snapshot.time,
            ),
            manifest_size: self
                .backend
                .stat(&join(&k, MANIFEST_BLOB_NAME)?)
                .ok()
                .flatten()
                .map(|m| m.size)
                .unwrap_or(0),
            protected: self.kind(&join(&k, PROTECTED_MARKER)?).is_some(),
            owner: self.read_owner(&self.group_key(ns, &snapshot.group)?),
            manifest_error: Some(error.to_string()),
        })
    }
}

impl Repository for LocalDatastore {
    fn handle(&self) -> Arc<dyn Repository> {
        Arc::new(self.clone())
    }

    fn maintenance(&self) -> &dyn crate::repo::maintenance::Maintenance {
        self
    }

    fn describe(&self) -> String {
        match &self.label {
            Some(label) => format!(
                "datastore `{}` at {label} (metadata and chunk cache in {})",
                self.name(),
                self.root().parent().unwrap_or(self.root()).display()
            ),
            None => format!(
                "local datastore `{}` at {} (nothing leaves this machine)",
                self.name(),
                self.root().display()
            ),
        }
    }

    fn name(&self) -> String {
        if let Some(label) = &self.label {
            return label.rsplit('/').next().unwrap_or(label).to_string();
        }
        self.root
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "datastore".to_string())
    }

    fn list_namespaces(&self, parent: &Namespace) -> Result<Vec<Namespace>> {
        let dir = join(&self.ns_key(parent)?, "ns")?;
        let entries = self.backend.list(&dir, Depth::One).unwrap_or_default();
        let mut out: Vec<Namespace> = prefixes(entries)
            .filter_map(|name| parent.child(&name).ok())
            .collect();
        out.sort();
        Ok(out)
    }

    fn create_namespace(&self, ns: &Namespace) -> Result<()> {
        if let Some(parent) = ns.parent() {
            if !self.namespace_exists(&parent) {
                return Err(RepoError::NotFound(format!("namespace {parent}")));
            }
        }
        let k = self.ns_key(ns)?;
        self.backend
            .create_dir_all(&k)
            .map_err(at(&self.locate(&k), "create namespace"))
    }

    fn delete_namespace(&self, ns: &Namespace, delete_groups: bool) -> Result<()> {
        if ns.is_root() {
            return Err(RepoError::Refused(
                "the root namespace cannot be deleted".into(),
            ));
        }
        let k = self.ns_key(ns)?;
        if !self.is_dir(&k) {
            return Err(RepoError::NotFound(format!("namespace {ns}")));
        }
        let has_content = |p: &Key| -> bool {
            BackupType::ALL.iter().any(|t| {
                join(p, t.as_str())
                    .ok()
                    .and_then(|d| self.backend.list(&d, Depth::One).ok())
                    .is_some_and(|d| !d.is_empty())
            })
        };
        if !delete_groups {
            let mut stack = vec![k.clone()];
            while let Some(p) = stack.pop() {
                if has_content(&p) {
                    return Err(RepoError::Refused(format!(
                        "namespace {ns} still holds backup groups (use --delete-groups)"
                    )));
                }
                let children = join(&p, "ns")?;
                if let Ok(entries) = self.backend.list(&children, Depth::One) {
                    stack.extend(
                        entries
                            .into_iter()
                            .filter(|e| e.exact)
                            .filter_map(|e| join(&children, &e.name).ok()),
                    );
                }
            }
        }
        // Rename first so a crash leaves either the namespace or nothing visible.
        let parent = k.parent().unwrap_or_default();
        let doomed = join(
            &parent,
            &format!(
                ".deleting-{}-{}",
                ns.components().last().map(String::as_str).unwrap_or(""),
                std::process::id()
            ),
        )?;
        let path = self.locate(&k);
        self.backend
            .rename(&k, &doomed, Replace::Yes)
            .map_err(at(&path, "delete namespace"))?;
        self.backend
            .delete_tree(&doomed)
            .map_err(at(&self.locate(&doomed), "delete namespace"))
    }

    fn list_groups(&self, ns: &Namespace) -> Result<Vec<GroupInfo>> {
        let mut out = Vec::new();
        for ty in BackupType::ALL {
            let dir = join(&self.ns_key(ns)?, ty.as_str())?;
            let Ok(entries) = self.backend.list(&dir, Depth::One) else {
                continue;
            };
            for id in prefixes(entries) {
                let Ok(group) = BackupGroup::new(ty, &id) else {
                    continue;
                };
                let k = join(&dir, &id)?;
                let times = self.finished_times(&k)?;
                let files = times
                    .last()
                    .map(|t| self.snapshot_files(ns, &SnapshotRef::new(group.clone(), *t)))
                    .unwrap_or_default();
                out.push(GroupInfo {
                    owner: self.read_owner(&k),
                    snapshot_count: times.len(),
                    last_backup: times.last().copied(),
                    files,
                    group,
                });
            }
        }
        out.sort_by(|a, b| a.group.cmp(&b.group));
        Ok(out)
    }

    fn list_snapshots(
        &self,
        ns: &Namespace,
        group: Option<&BackupGroup>,
    ) -> Result<Vec<SnapshotInfo>> {
        let groups: Vec<BackupGroup> = match group {
            Some(g) => vec![g.clone()],
            None => self.list_groups(ns)?.into_iter().map(|g| g.group).collect(),
        };
        let mut out = Vec::new();
        for group in groups {
            for time in self.finished_times(&self.group_key(ns, &group)?)? {
                let snapshot = SnapshotRef::new(group.clone(), time);
                match self.snapshot_info(ns, &snapshot) {
                    Ok(info) => out.push(info),
                    // A snapshot removed while listing is simply gone (prune running).
                    Err(RepoError::NotFound(_)) => {}
                    // A damaged manifest spoils that snapshot only: it is listed as unreadable.
                    Err(e) => out.push(self.unreadable_snapshot_info(ns, &snapshot, &e)?),
                }
            }
        }
        Ok(out)
    }

    fn read_manifest(&self, ns: &Namespace, snapshot: &SnapshotRef) -> Result<(Manifest, u64)> {
        let raw = self.read_file(ns, snapshot, MANIFEST_BLOB_NAME)?;
        let what = format!("{snapshot}/{MANIFEST_BLOB_NAME}");
        let json = blob::decode(&raw, None, limits::MAX_MANIFEST_SIZE).map_err(|source| {
            RepoError::Format {
                what: what.clone(),
                source,
            }
        })?;
        let manifest =
            Manifest::parse(&json).map_err(|source| RepoError::Format { what, source })?;
        Ok((manifest, raw.len() as u64))
    }

    fn read_file(&self, ns: &Namespace, snapshot: &SnapshotRef, name: &str) -> Result<Vec<u8>> {
        if name.contains('/') || name.starts_with('.') {
            return Err(RepoError::Refused(format!(
                "{name:?} is not a snapshot file name"
            )));
        }
        let k = join(&self.snapshot_key(ns, snapshot)?, name)?;
        self.backend.get(&k, MAX_INDEX_FILE_SIZE).map_err(|e| {
            if e.is_not_found() {
                RepoError::NotFound(format!("{snapshot}/{name}"))
            } else {
                e.into()
            }
        })
    }

    fn read_parallelism(&self) -> usize {
        self.backend.read_parallelism()
    }

    fn read_chunk(&self, digest: &ChunkDigest) -> Result<Vec<u8>> {
        self.chunks.read(digest)
    }

    fn start_backup(
        &self,
        ns: &Namespace,
        snapshot: &SnapshotRef,
        owner: &str,
        base: Option<&SnapshotRef>,
    ) -> Result<Box<dyn BackupWriter>> {
        if !self.namespace_exists(ns) {
            return Err(RepoError::NotFound(format!("namespace {ns}")));
        }
        let store_lock = self.lock_store(false)?;
        let group = self.group_key(ns, &snapshot.group)?;
        let type_dir = group.parent().unwrap_or_default();
        self.backend
            .create_dir_all(&type_dir)
            .map_err(at(&self.locate(&type_dir), "create group"))?;
        let created = self.create_group_with_owner(&type_dir, &group, owner)?;
        if !created {
            match self.read_owner(&group) {
                Some(existing) if existing != owner => {
                    return Err(RepoError::Refused(format!(
                        "backup group {} is owned by {existing}, not {owner}",
                        snapshot.group
                    )));
                }
                Some(_) => {}
                // A group left without its owner (by another writer's crash): this backup's
                // owner takes it, as the first backup of a group does.
                None => self.write_owner(&group, owner)?,
            }
        }
        let purpose = format!("a backup of {}", snapshot.group);
        let group_lock =
            self.try_lock_across_hosts(&group, LockMode::Exclusive, &purpose, || {
                format!(
                    "backup group {} is locked by another backup or removal",
                    snapshot.group
                )
            })?;
        // A group this backup created goes again if the backup never finishes, so no empty
        // group with only an owner file stays behind (e.g. from a session that never started).
        // Declared after the lock: on an error below it is dropped while the lock is held.
        let created_group = created.then(|| EmptyGroupGuard {
            backend: self.backend.clone(),
            group: Some(group.clone()),
        });
        if let Some(last) = self.finished_times(&group)?.last() {
            if *last >= snapshot.time {
                return Err(RepoError::Refused(format!(
                    "backup time {} is not newer than the group's last snapshot {}",
                    snapshot.time_string(),
                    super::types::format_backup_time(*last)
                )));
            }
        }
        let base_lock = match base {
            Some(b) => Some(
                self.try_lock(&self.snapshot_key(ns, b)?, LockMode::Shared, || {
                    format!("snapshot {b} is being removed")
                })?,
            ),
            None => None,
        };
        // Leftovers of interrupted backups of this group: never visible, removed now (the
        // group lock says no backup owns them).
        self.remove_unfinished(&group);
        let temp_dir = join(
            &group,
            &format!(".tmp-{}-{}", snapshot.time_string(), std::process::id()),
        )?;
        let temp_path = self.locate(&temp_dir);
        if !self
            .backend
            .create_dir(&temp_dir)
            .map_err(at(&temp_path, "create snapshot directory"))?
        {
            return Err(exists_error(temp_path, "create snapshot directory"));
        }
        Ok(Box::new(LocalBackupWriter {
            backend: self.backend.clone(),
            chunks: self.chunks.clone(),
            final_dir: self.snapshot_key(ns, snapshot)?,
            temp_dir,
            finished: false,
            created_group,
            _locks: vec![store_lock, group_lock]
                .into_iter()
                .chain(base_lock)
                .collect(),
        }))
    }

    fn forget_snapshot(&self, ns: &Namespace, snapshot: &SnapshotRef) -> Result<()> {
        let k = self.finished_snapshot(ns, snapshot)?;
        if self.kind(&join(&k, PROTECTED_MARKER)?).is_some() {
            return Err(RepoError::Refused(format!(
                "snapshot {snapshot} is protected"
            )));
        }
        let _lock = self.try_lock(&k, LockMode::Exclusive, || {
            format!("snapshot {snapshot} is in use (the base of a running backup, or being read)")
        })?;
        // Rename first: a crash mid-removal leaves a hidden directory, never half a snapshot.
        let doomed = join(
            &k.parent().unwrap_or_default(),
            &format!(".deleting-{}", snapshot.time_string()),
        )?;
        let doomed_path = self.locate(&doomed);
        self.backend
            .rename(&k, &doomed, Replace::Yes)
            .map_err(at(&self.locate(&k), "remove snapshot"))?;
        failpoint("forget.after_rename").map_err(|source| RepoError::Io {
            path: doomed_path.clone(),
            action: "remove snapshot",
            source,
        })?;
        self.backend
            .delete_tree(&doomed)
            .map_err(at(&doomed_path, "remove snapshot"))
    }

    fn forget_group(&self, ns: &Namespace, group: &BackupGroup) -> Result<()> {
        let k = self.group_key(ns, group)?;
        if !self.is_dir(&k) {
            return Err(RepoError::NotFound(format!("backup group {group}")));
        }
        let purpose = format!("the removal of {group}");
        let _lock = self.try_lock_across_hosts(&k, LockMode::Exclusive, &purpose, || {
            format!("backup group {group} is locked by a running backup")
        })?;
        let mut protected = 0;
        for time in self.finished_times(&k)? {
            let snapshot = SnapshotRef::new(group.clone(), time);
            match self.forget_snapshot(ns, &snapshot) {
                Ok(()) => {}
                Err(RepoError::Refused(_)) => protected += 1,
                Err(e) => return Err(e),
            }
        }
        if protected > 0 {
            return Err(RepoError::Refused(format!(
                "backup group {group}: {protected} protected snapshot(s) kept"
            )));
        }
        self.backend
            .delete_tree(&k)
            .map_err(at(&self.locate(&k), "remove group"))
    }

    fn set_protected(&self, ns: &Namespace, snapshot: &SnapshotRef, protected: bool) -> Result<()> {
        let k = self.finished_snapshot(ns, snapshot)?;
        let marker = join(&k, PROTECTED_MARKER)?;
        let path = self.locate(&marker);
        if protected {
            self.backend
                .put(&marker, b"", Durability::Synced)
                .map_err(at(&path, "protect snapshot"))
        } else {
            self.backend
                .delete(&marker)
                .map(|_| ())
                .map_err(at(&path, "unprotect snapshot"))
        }
    }

    fn set_owner(&self, ns: &Namespace, group: &BackupGroup, owner: &str) -> Result<()> {
        LocalDatastore::set_owner(self, ns, group, owner)
    }

    fn upload_log(&self, ns: &Namespace, snapshot: &SnapshotRef, log_blob: &[u8]) -> Result<()> {
        let k = join(&self.finished_snapshot(ns, snapshot)?, CLIENT_LOG)?;
        let path = self.locate(&k);
        match self
            .backend
            .put_if_absent(&k, log_blob, Durability::Synced)
            .map_err(at(&path, "write client log"))?
        {
            Put::Created => Ok(()),
            Put::Existed => Err(exists_error(path, "write client log")),
        }
    }

    fn update_manifest(
        &self,
        ns: &Namespace,
        snapshot: &SnapshotRef,
        manifest_blob: &[u8],
    ) -> Result<()> {
        let k = join(&self.finished_snapshot(ns, snapshot)?, MANIFEST_BLOB_NAME)?;
        self.backend
            .put(&k, manifest_blob, Durability::Synced)
            .map_err(at(&self.locate(&k), "update manifest"))
    }
}

impl LocalDatastore {
    /// Creates the group `group` with its owner file in one step: the directory is made and
    /// filled under a hidden temporary name in `type_dir`, then renamed into place without
    /// replacing anything, so a crash never leaves a group without an owner (a leftover `.tmp-`
    /// directory is hidden and gc removes it). False when the group already exists.
    fn create_group_with_owner(&self, type_dir: &Key, group: &Key, owner: &str) -> Result<bool> {
        if self.is_dir(group) {
            return Ok(false);
        }
        let group_path = self.locate(group);
        let temp = join(
            type_dir,
            &format!(
                ".tmp-group-{}-{}-{}",
                group.name(),
                std::process::id(),
                std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .map(|d| d.subsec_nanos())
                    .unwrap_or_default()
            ),
        )?;
        self.backend
            .create_dir(&temp)
            .map_err(at(&self.locate(&temp), "create group"))?;
        let placed = self
            .write_owner(&temp, owner)
            .map_err(|e| match e {
                RepoError::Io { action, source, .. } => RepoError::Io {
                    path: group_path.clone(),
                    action,
                    source,
                },
                other => other,
            })
            .and_then(|()| {
                // Crash tests stop here: the group is complete under its hidden name.
                failpoint("group.before_rename").map_err(|source| RepoError::Io {
                    path: group_path.clone(),
                    action: "create group",
                    source,
                })?;
                self.backend
                    .rename(&temp, group, Replace::No)
                    .map_err(at(&group_path, "create group"))
            });
        match placed {
            Ok(()) => Ok(true),
            Err(RepoError::Io { source, .. }) if source.kind() == io::ErrorKind::AlreadyExists => {
                let _ = self.backend.delete_tree(&temp);
                Ok(false)
            }
            Err(e) => {
                let _ = self.backend.delete_tree(&temp);
                Err(e)
            }
        }
    }
}

/// A backup into a hidden directory, renamed into place at `finish`.
struct LocalBackupWriter {
    backend: Arc<dyn StorageBackend>,
    chunks: Arc<ChunkStore>,
    temp_dir: Key,
    final_dir: Key,
    finished: bool,
    /// The group, when this backup created it: removed again if it stays empty. Declared
    /// before the locks, so it is dropped while the group lock is still held.
    created_group: Option<EmptyGroupGuard>,
    _locks: Vec<FileLock>,
}

/// A group directory created for a backup, whose lock the backup holds: on drop, removed if it
/// holds nothing but its owner file (the backup did not finish). Disarmed with `keep`.
struct EmptyGroupGuard {
    backend: Arc<dyn StorageBackend>,
    group: Option<Key>,
}

impl EmptyGroupGuard {
    fn keep(mut self) {
        self.group = None;
    }
}

impl Drop for EmptyGroupGuard {
    fn drop(&mut self) {
        let Some(group) = self.group.take() else {
            return;
        };
        let Ok(entries) = self.backend.list(&group, Depth::One) else {
            return;
        };
        if entries.iter().take(2).all(|e| e.name == OWNER_FILE) {
            if let Ok(owner) = group.join(OWNER_FILE) {
                let _ = self.backend.delete(&owner);
            }
            let _ = self.backend.delete(&group);
        }
    }
}

impl LocalBackupWriter {
    fn io_error(&self, key: &Key, action: &'static str) -> impl FnOnce(io::Error) -> RepoError {
        let path = self.backend.locate(key);
        move |source| RepoError::Io {
            path,
            action,
            source,
        }
    }

    /// Writes a new file of the snapshot (never replacing one).
    fn create_file(&self, name: &str, bytes: &[u8], action: &'static str) -> Result<()> {
        let k = join(&self.temp_dir, name)?;
        let path = self.backend.locate(&k);
        match self
            .backend
            .put_if_absent(&k, bytes, Durability::Synced)
            .map_err(at(&path, action))?
        {
            Put::Created => Ok(()),
            Put::Existed => Err(exists_error(path, action)),
        }
    }

    fn write_file(&self, name: &str, bytes: &[u8]) -> Result<()> {
        if name.contains('/') || name.starts_with('.') || name == MANIFEST_BLOB_NAME {
            return Err(RepoError::Refused(format!(
                "{name:?} is not an archive or blob name"
            )));
        }
        self.create_file(name, bytes, "write")
    }
}

impl BackupWriter for LocalBackupWriter {
    fn chunk_sink(&self) -> Arc<dyn ChunkSink> {
        self.chunks.clone()
    }

    fn upload_index(&mut self, name: &str, index: &IndexData) -> Result<()> {
        failpoint("backup.before_index").map_err(self.io_error(&self.temp_dir, "write index"))?;
        let mut uuid = [0u8; 16];
        openssl::rand::rand_bytes(&mut uuid)
            .map_err(|e| RepoError::Refused(format!("random uuid: {e}")))?;
        let ctime = chrono::Utc::now().timestamp();
        let bytes = match index {
            IndexData::Dynamic { entries } => encode_dynamic(&uuid, ctime, entries),
            IndexData::Fixed {
                size,
                chunk_size,
                digests,
            } => encode_fixed(&uuid, ctime, *size, *chunk_size, digests),
        };
        self.write_file(name, &bytes)?;
        failpoint("backup.after_index").map_err(self.io_error(&self.temp_dir, "write index"))
    }

    fn upload_blob(&mut self, name: &str, raw: &[u8]) -> Result<()> {
        self.write_file(name, raw)
    }

    fn finish(mut self: Box<Self>, manifest_blob: &[u8]) -> Result<()> {
        // DURABILITY: every chunk the manifest names is on disk before the manifest is written.
        self.chunks.sync()?;
        let manifest = join(&self.temp_dir, MANIFEST_BLOB_NAME)?;
        failpoint("backup.before_manifest").map_err(self.io_error(&manifest, "write manifest"))?;
        self.create_file(MANIFEST_BLOB_NAME, manifest_blob, "write manifest")?;
        failpoint("backup.after_manifest").map_err(self.io_error(&manifest, "write manifest"))?;
        // DURABILITY: the snapshot appears in one rename (durable when it returns); a crash
        // before it leaves only the hidden temporary directory, removed by the group's next
        // backup.
        let final_path = self.backend.locate(&self.final_dir);
        if self.backend.stat(&self.final_dir).ok().flatten().is_some() {
            return Err(RepoError::Refused(format!("{final_path} already exists")));
        }
        self.backend
            .rename(&self.temp_dir, &self.final_dir, Replace::Yes)
            .map_err(at(&final_path, "publish snapshot"))?;
        self.finished = true;
        if let Some(group) = self.created_group.take() {
            group.keep();
        }
        failpoint("backup.after_publish")
            .map_err(self.io_error(&self.final_dir, "publish snapshot"))?;
        Ok(())
    }
}

impl Drop for LocalBackupWriter {
    fn drop(&mut self) {
        if !self.finished {
            let _ = self.backend.delete_tree(&self.temp_dir);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unfinished_backups_are_removed_unless_a_backup_holds_the_group() {
        let dir = tempfile::tempdir().unwrap();
        let store = LocalDatastore::open_or_create(dir.path()).unwrap();
        let ns = Namespace::root();
        // host/live: a backup in progress (it holds the group lock); host/dead: the hidden
        // directory of a backup killed long ago, next to a finished snapshot.
        let live = SnapshotRef::new(BackupGroup::new(BackupType::Host, "live").unwrap(), 1000);
        let writer = store.start_backup(&ns, &live, "a@pbs", None).unwrap();
        let dead_group = BackupGroup::new(BackupType::Host, "dead").unwrap();
        let dead = store.group_path(&ns, &dead_group);
        let stale = dead.join(".tmp-1970-01-01T00:16:40Z-1");
        std::fs::create_dir_all(&stale).unwrap();
        std::fs::write(stale.join("x.didx"), b"x").unwrap();
        std::fs::create_dir_all(dead.join("1970-01-01T00:00:10Z")).unwrap();
        let live_tmp = |store: &LocalDatastore| -> usize {
            std::fs::read_dir(store.group_path(&ns, &live.group))
                .map(|d| {
                    d.flatten()
                        .filter(|e| is_unfinished_backup(&e.file_name().to_string_lossy()))
                        .count()
                })
                .unwrap_or(0)
        };
        assert_eq!(live_tmp(&store), 1);

        let removed = store.remove_unfinished_backups().unwrap();
        assert_eq!(
            removed,
            vec![Key::new("host/dead/.tmp-1970-01-01T00:16:40Z-1").unwrap()]
        );
        assert!(!stale.exists());
        assert!(
            dead.join("1970-01-01T00:00:10Z").is_dir(),
            "a snapshot was removed"
        );
        assert_eq!(live_tmp(&store), 1, "the running backup lost its directory");
        drop(writer);
        assert_eq!(live_tmp(&store), 0);
        assert!(
            !store.group_path(&ns, &live.group).exists(),
            "the group the unfinished backup created is gone with it"
        );

        // The next backup of a group clears what an earlier one left.
        let stale = dead.join(".tmp-1970-01-01T00:20:00Z-2");
        std::fs::create_dir_all(&stale).unwrap();
        let next = SnapshotRef::new(dead_group, 2000);
        let writer = store.start_backup(&ns, &next, "a@pbs", None).unwrap();
        assert!(!stale.exists());
        drop(writer);
    }

    /// A datastore over the file system behind the fault injector.
    fn faulty_store(
        root: &Path,
    ) -> (
        LocalDatastore,
        Arc<crate::repo::backend::faulty::FaultyBackend>,
    ) {
        use crate::repo::backend::faulty::FaultyBackend;
        let fs: Arc<dyn StorageBackend> = Arc::new(FsBackend::create(root).unwrap());
        let faulty = Arc::new(FaultyBackend::new(fs));
        let store = LocalDatastore::with_backend(root, faulty.clone()).unwrap();
        (store, faulty)
    }

    #[test]
    fn a_failing_backend_leaves_no_half_snapshot_and_keeps_the_error_class() {
        use crate::repo::backend::faulty::{Fault, Op};
        use crate::util::error_class::ErrorClass;
        let dir = tempfile::tempdir().unwrap();
        let (store, faulty) = faulty_store(dir.path());
        let ns = Namespace::root();
        let group = BackupGroup::new(BackupType::Host, "web1").unwrap();
        let digest = ChunkDigest(crate::format::digest::sha256(b"chunk"));
        let index = IndexData::Dynamic {
            entries: vec![(5, digest)],
        };
        // The disk fills up while the manifest is written: the backup fails as I/O, and
        // neither a snapshot nor its hidden directory nor the new group stays behind.
        faulty.inject(Fault::always(
            Op::PutIfAbsent,
            "host/web1/.tmp-",
            libc::ENOSPC,
        ));
        let snap = SnapshotRef::new(group.clone(), 1000);
        let mut writer = store.start_backup(&ns, &snap, "a@pbs", None).unwrap();
        let sink = writer.chunk_sink();
        assert!(sink.insert_chunk(&digest, b"encoded").unwrap());
        let err = writer.upload_index("root.pxar.didx", &index).unwrap_err();
        assert_eq!(err.class(), Some(ErrorClass::Io));
        assert!(err.to_string().contains("No space left"), "{err}");
        drop(writer);
        assert!(store.list_snapshots(&ns, None).unwrap().is_empty());
        assert!(
            !store.group_exists(&ns, &group),
            "the new group is removed again"
        );

        // A rename that fails publishes nothing; the next backup succeeds.
        faulty.heal();
        faulty.inject(Fault::once(Op::Rename, "host/web1/", 1, libc::EIO));
        let mut writer = store.start_backup(&ns, &snap, "a@pbs", None).unwrap();
        writer.upload_index("root.pxar.didx", &index).unwrap();
        assert!(writer.finish(b"manifest").is_err());
        assert!(store.list_snapshots(&ns, None).unwrap().is_empty());
        let mut writer = store.start_backup(&ns, &snap, "a@pbs", None).unwrap();
        writer.upload_index("root.pxar.didx", &index).unwrap();
        writer.finish(b"manifest").unwrap();
        assert!(store.snapshot_exists(&ns, &snap));
        assert_eq!(
            store.snapshot_files(&ns, &snap),
            ["index.json.blob", "root.pxar.didx"]
        );
        assert!(
            !sink.insert_chunk(&digest, b"encoded").unwrap(),
            "the chunk is deduplicated"
        );

        // A lock the backend refuses is `Locked`, whoever holds it.
        let _gc = store.lock_store(true).unwrap();
        let busy = store.start_backup(&ns, &SnapshotRef::new(group, 2000), "a@pbs", None);
        assert_eq!(busy.err().and_then(|e| e.class()), Some(ErrorClass::Locked));
    }

    #[test]
    fn owner_notes_protection_and_client_log_are_datastore_methods() {
        let dir = tempfile::tempdir().unwrap();
        let store = LocalDatastore::open_or_create(dir.path()).unwrap();
        let ns = Namespace::root();
        let group = BackupGroup::new(BackupType::Host, "a").unwrap();
        let snap = SnapshotRef::new(group.clone(), 1000);
        assert_eq!(store.owner(&ns, &group), None);
        let writer = store.start_backup(&ns, &snap, "a@pbs", None).unwrap();
        writer.finish(b"manifest").unwrap();
        assert_eq!(store.owner(&ns, &group).as_deref(), Some("a@pbs"));
        store.set_owner(&ns, &group, "b@pbs").unwrap();
        assert_eq!(
            std::fs::read_to_string(dir.path().join("host/a/owner")).unwrap(),
            "b@pbs\n",
            "the layout on disk is PBS's"
        );
        assert_eq!(store.group_notes(&ns, &group), None);
        std::fs::write(dir.path().join("host/a/notes"), "first\nsecond").unwrap();
        assert_eq!(
            store.group_notes(&ns, &group).as_deref(),
            Some("first\nsecond")
        );
        assert!(!store.is_protected(&ns, &snap).unwrap());
        store.set_protected(&ns, &snap, true).unwrap();
        assert!(store.is_protected(&ns, &snap).unwrap());
        assert!(dir
            .path()
            .join("host/a/1970-01-01T00:16:40Z/.protected")
            .is_file());
        assert!(!store.has_client_log(&ns, &snap));
        store.upload_log(&ns, &snap, b"log").unwrap();
        assert!(store.has_client_log(&ns, &snap));
        assert!(store.upload_log(&ns, &snap, b"again").is_err());
        let missing = SnapshotRef::new(group, 5);
        assert!(matches!(
            store.is_protected(&ns, &missing),
            Err(RepoError::NotFound(_))
        ));
    }
}
