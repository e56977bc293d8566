//! The local datastore: a directory in PBS's layout (`.chunks/`, `.lock`, `ns/…/`, `type/id/time/`).
//!
//! Chunk prefix directories are created lazily on first insert; a backup writes into a hidden
//! temporary snapshot directory that is renamed into place only at `finish`, so readers never see
//! half a snapshot. Never decodes chunk contents (that is the engine's job).

use super::types::{parse_backup_time, BackupGroup, BackupType, Namespace, SnapshotRef};
use super::{
    BackupWriter, ChunkSink, GroupInfo, IndexData, RepoError, Repository, Result, SnapshotInfo,
};
use crate::format::blob;
use crate::format::digest::ChunkDigest;
use crate::format::index::{encode_dynamic, encode_fixed};
use crate::format::limits;
use crate::format::manifest::{Manifest, MANIFEST_BLOB_NAME};
use crate::util::atomic;
use crate::util::failpoint::failpoint;
use std::ffi::CString;
use std::fs::File;
use std::io::{self, Read};
use std::os::fd::AsRawFd;
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

/// Largest index file read into memory: the most entries an index may have.
const MAX_INDEX_FILE_SIZE: u64 = 4096 + 40 * limits::MAX_INDEX_ENTRIES as u64;

/// Name of the marker file that protects a snapshot from removal.
const PROTECTED_MARKER: &str = ".protected";

fn io_at<'a>(path: &'a Path, action: &'static str) -> impl FnOnce(io::Error) -> RepoError + 'a {
    move |source| RepoError::Io {
        path: path.display().to_string(),
        action,
        source,
    }
}

/// An open file holding an advisory `flock`; released on drop.
#[derive(Debug)]
pub struct FileLock(#[allow(dead_code)] File);

/// Takes a non-blocking `flock` on `path` (a directory or file).
fn try_flock(path: &Path, exclusive: bool, busy: impl FnOnce() -> String) -> Result<FileLock> {
    let file = File::open(path).map_err(io_at(path, "open for locking"))?;
    let op = if exclusive {
        libc::LOCK_EX
    } else {
        libc::LOCK_SH
    } | libc::LOCK_NB;
    // SAFETY: flock on a descriptor we own.
    if unsafe { libc::flock(file.as_raw_fd(), op) } != 0 {
        let err = io::Error::last_os_error();
        if err.kind() == io::ErrorKind::WouldBlock {
            return Err(RepoError::Locked(busy()));
        }
        return Err(RepoError::Io {
            path: path.display().to_string(),
            action: "lock",
            source: err,
        });
    }
    Ok(FileLock(file))
}

/// Whether a group directory entry is the hidden directory of a backup that is not finished.
fn is_unfinished_backup(name: &std::ffi::OsStr) -> bool {
    name.to_string_lossy().starts_with(".tmp-")
}

/// Removes the unfinished backup directories of a group whose exclusive lock the caller holds;
/// returns the ones removed.
fn remove_unfinished(group_path: &Path) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(group_path) else {
        return Vec::new();
    };
    entries
        .flatten()
        .filter(|e| is_unfinished_backup(&e.file_name()))
        .map(|e| e.path())
        .filter(|p| std::fs::remove_dir_all(p).is_ok())
        .collect()
}

/// The chunk store below `.chunks/`.
#[derive(Debug)]
pub struct ChunkStore {
    base: PathBuf,
    temp_counter: AtomicU64,
}

impl ChunkStore {
    pub fn new(base: PathBuf) -> Self {
        ChunkStore {
            base,
            temp_counter: AtomicU64::new(0),
        }
    }

    pub fn base(&self) -> &Path {
        &self.base
    }

    pub fn chunk_path(&self, digest: &ChunkDigest) -> PathBuf {
        self.base.join(digest.prefix_dir()).join(digest.to_hex())
    }

    /// Sets a chunk's atime to now, as GC's mark phase and PBS's insert do.
    pub fn touch(&self, path: &Path) -> io::Result<bool> {
        let c = CString::new(path.as_os_str().as_bytes())
            .map_err(|_| io::Error::from(io::ErrorKind::InvalidInput))?;
        let times = [
            libc::timespec {
                tv_sec: 0,
                tv_nsec: libc::UTIME_NOW,
            },
            libc::timespec {
                tv_sec: 0,
                tv_nsec: libc::UTIME_OMIT,
            },
        ];
        // SAFETY: valid C string and timespec array.
        let ret = unsafe {
            libc::utimensat(
                libc::AT_FDCWD,
                c.as_ptr(),
                times.as_ptr(),
                libc::AT_SYMLINK_NOFOLLOW,
            )
        };
        if ret == 0 {
            return Ok(true);
        }
        let err = io::Error::last_os_error();
        if err.kind() == io::ErrorKind::NotFound {
            Ok(false)
        } else {
            Err(err)
        }
    }

    /// Reads an encoded chunk.
    pub fn read(&self, digest: &ChunkDigest) -> Result<Vec<u8>> {
        let path = self.chunk_path(digest);
        read_capped(&path, limits::MAX_ENCODED_BLOB_SIZE as u64).map_err(|e| match e {
            RepoError::Io { source, .. } if source.kind() == io::ErrorKind::NotFound => {
                RepoError::NotFound(format!("chunk {digest}"))
            }
            other => other,
        })
    }

    /// Flushes everything written to the chunk store's file system (one `syncfs`, not one
    /// `fsync` per chunk, as PBS's default "filesystem" sync level does).
    pub fn sync(&self) -> Result<()> {
        let dir = File::open(&self.base).map_err(io_at(&self.base, "open chunk store"))?;
        // SAFETY: syncfs on a descriptor we own.
        if unsafe { libc::syncfs(dir.as_raw_fd()) } != 0 {
            return Err(RepoError::Io {
                path: self.base.display().to_string(),
                action: "sync",
                source: io::Error::last_os_error(),
            });
        }
        Ok(())
    }
}

impl ChunkSink for ChunkStore {
    fn has_chunk(&self, digest: &ChunkDigest) -> Result<bool> {
        let path = self.chunk_path(digest);
        match std::fs::symlink_metadata(&path) {
            // A zero-length file is residue of a crash: treat it as missing so it is rewritten.
            Ok(meta) if meta.len() > 0 => self.touch(&path).map_err(io_at(&path, "touch chunk")),
            Ok(_) => Ok(false),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(false),
            Err(e) => Err(RepoError::Io {
                path: path.display().to_string(),
                action: "stat chunk",
                source: e,
            }),
        }
    }

    fn insert_chunk(&self, digest: &ChunkDigest, encoded: &[u8]) -> Result<bool> {
        if self.has_chunk(digest)? {
            return Ok(false);
        }
        let dir = self.base.join(digest.prefix_dir());
        match std::fs::create_dir(&dir) {
            Ok(()) => {}
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {}
            Err(e) => {
                return Err(RepoError::Io {
                    path: dir.display().to_string(),
                    action: "create chunk directory",
                    source: e,
                })
            }
        }
        let path = dir.join(digest.to_hex());
        let n = self.temp_counter.fetch_add(1, Ordering::Relaxed);
        let temp = dir.join(format!(
            "{}.tmp_{}_{n}",
            digest.to_hex(),
            std::process::id()
        ));
        let write = || -> io::Result<()> {
            let mut file = std::fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .open(&temp)?;
            io::Write::write_all(&mut file, encoded)?;
            start_writeback(&file);
            failpoint("store.chunk.after_temp_write")?;
            // DURABILITY: not fsynced here; the writer syncs the whole file system before the
            // manifest that references this chunk is written, so a crash leaves at worst an
            // unreferenced or zero-length chunk, which the next insert overwrites.
            std::fs::rename(&temp, &path)?;
            failpoint("store.chunk.after_rename")
        };
        if let Err(e) = write() {
            let _ = std::fs::remove_file(&temp);
            return Err(RepoError::Io {
                path: path.display().to_string(),
                action: "write chunk",
                source: e,
            });
        }
        Ok(true)
    }
}

/// Starts writing the file's dirty pages to disk without waiting, so the one `syncfs` at the
/// end of a backup finds little left to flush (the disk works while the CPU chunks).
fn start_writeback(file: &File) {
    #[cfg(target_os = "linux")]
    {
        use std::os::fd::AsRawFd;
        // SAFETY: a plain syscall on a descriptor we own; a failure only loses the head start.
        unsafe {
            libc::sync_file_range(file.as_raw_fd(), 0, 0, libc::SYNC_FILE_RANGE_WRITE);
        }
    }
    #[cfg(not(target_os = "linux"))]
    let _ = file;
}

fn read_capped(path: &Path, limit: u64) -> Result<Vec<u8>> {
    let file = File::open(path).map_err(io_at(path, "open"))?;
    let len = file.metadata().map_err(io_at(path, "stat"))?.len();
    // LIMIT: callers pass the largest file of this kind (limits.rs).
    if len > limit {
        return Err(RepoError::Refused(format!(
            "{}: {len} bytes is larger than the limit of {limit}",
            path.display()
        )));
    }
    let mut out = Vec::with_capacity(len as usize);
    file.take(limit)
        .read_to_end(&mut out)
        .map_err(io_at(path, "read"))?;
    Ok(out)
}

/// A datastore directory on this machine.
#[derive(Debug, Clone)]
pub struct LocalDatastore {
    root: PathBuf,
    chunks: Arc<ChunkStore>,
}

impl LocalDatastore {
    /// Opens `root`, creating the directory, `.chunks/` and `.lock` if they are missing.
    pub fn open_or_create(root: &Path) -> io::Result<Self> {
        std::fs::create_dir_all(root.join(".chunks"))?;
        let lock = root.join(".lock");
        if !lock.exists() {
            std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(&lock)?;
        }
        Ok(LocalDatastore {
            root: root.to_path_buf(),
            chunks: Arc::new(ChunkStore::new(root.join(".chunks"))),
        })
    }

    /// Creates all 65,536 chunk prefix directories, so a PBS server can take the store over.
    pub fn create_full(root: &Path) -> io::Result<Self> {
        let store = Self::open_or_create(root)?;
        for prefix in 0..=0xffffu32 {
            match std::fs::create_dir(root.join(".chunks").join(format!("{prefix:04x}"))) {
                Ok(()) => {}
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {}
                Err(e) => return Err(e),
            }
        }
        Ok(store)
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    pub fn chunk_store(&self) -> &Arc<ChunkStore> {
        &self.chunks
    }

    pub fn ns_path(&self, ns: &Namespace) -> PathBuf {
        self.root.join(ns.rel_path())
    }

    pub fn group_path(&self, ns: &Namespace, group: &BackupGroup) -> PathBuf {
        self.ns_path(ns).join(group.rel_path())
    }

    pub fn snapshot_path(&self, ns: &Namespace, snapshot: &SnapshotRef) -> PathBuf {
        self.ns_path(ns).join(snapshot.rel_path())
    }

    /// Takes the datastore-wide lock: shared for writers, exclusive for garbage collection.
    ///
    /// Garbage collection retries for a second before giving up: a writer's shared lock can
    /// outlive it briefly in a child process forked (before its exec) while the backup ran.
    pub fn lock_store(&self, exclusive: bool) -> Result<FileLock> {
        if exclusive {
            for _ in 0..20 {
                match self.try_lock_store(true) {
                    Err(RepoError::Locked(_)) => {
                        std::thread::sleep(std::time::Duration::from_millis(50))
                    }
                    other => return other,
                }
            }
        }
        self.try_lock_store(exclusive)
    }

    fn try_lock_store(&self, exclusive: bool) -> Result<FileLock> {
        try_flock(&self.root.join(".lock"), exclusive, || {
            if exclusive {
                "datastore is in use by a running backup; try garbage collection again later"
                    .to_string()
            } else {
                "garbage collection is running on this datastore; try again later".to_string()
            }
        })
    }

    /// Removes the hidden directories interrupted backups left in every group of every
    /// namespace (a server or client killed mid-backup). A group locked by a running backup is
    /// skipped, and the whole store while garbage collection holds it (`Locked`). Returns the
    /// directories removed.
    pub fn remove_unfinished_backups(&self) -> Result<Vec<PathBuf>> {
        let _store = self.lock_store(false)?;
        let mut removed = Vec::new();
        let mut namespaces = vec![Namespace::root()];
        while let Some(ns) = namespaces.pop() {
            namespaces.extend(self.list_namespaces(&ns)?);
            for ty in BackupType::ALL {
                let Ok(groups) = std::fs::read_dir(self.ns_path(&ns).join(ty.as_str())) else {
                    continue;
                };
                for group in groups.flatten() {
                    let path = group.path();
                    let has_unfinished = std::fs::read_dir(&path)
                        .map(|d| d.flatten().any(|e| is_unfinished_backup(&e.file_name())))
                        .unwrap_or(false);
                    if !has_unfinished {
                        continue;
                    }
                    // A backup holds its group's lock for as long as it runs.
                    let Ok(_group) = try_flock(&path, true, String::new) else {
                        continue;
                    };
                    removed.extend(remove_unfinished(&path));
                }
            }
        }
        Ok(removed)
    }

    /// Locks a finished snapshot shared (a reader's lock), so it cannot be removed while held.
    pub fn lock_snapshot_shared(&self, ns: &Namespace, snapshot: &SnapshotRef) -> Result<FileLock> {
        let path = self.snapshot_path(ns, snapshot);
        if !path.join(MANIFEST_BLOB_NAME).exists() {
            return Err(RepoError::NotFound(format!("snapshot {snapshot}")));
        }
        try_flock(&path, false, || {
            format!("snapshot {snapshot} is locked by another operation")
        })
    }

    /// The owner of a group (`user@realm` or a token id), if it has one.
    pub fn owner(&self, ns: &Namespace, group: &BackupGroup) -> Option<String> {
        self.read_owner(&self.group_path(ns, group))
    }

    /// Gives an existing group a new owner (atomically replaces its `owner` file).
    pub fn set_owner(&self, ns: &Namespace, group: &BackupGroup, owner: &str) -> Result<()> {
        let group_path = self.group_path(ns, group);
        if !group_path.is_dir() {
            return Err(RepoError::NotFound(format!("backup group {group}")));
        }
        atomic::replace_file(
            &group_path.join("owner"),
            format!("{owner}\n").as_bytes(),
            0o644,
        )
        .map_err(io_at(&group_path, "write owner"))
    }

    fn read_owner(&self, group_path: &Path) -> Option<String> {
        std::fs::read_to_string(group_path.join("owner"))
            .ok()
            .map(|s| s.trim_end().to_string())
    }

    /// Snapshot times in a group directory that have a manifest, oldest first.
    fn finished_times(&self, group_path: &Path) -> Result<Vec<i64>> {
        let mut times = Vec::new();
        let entries = match std::fs::read_dir(group_path) {
            Ok(e) => e,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(times),
            Err(e) => {
                return Err(RepoError::Io {
                    path: group_path.display().to_string(),
                    action: "list group",
                    source: e,
                })
            }
        };
        for entry in entries.flatten() {
            let name = entry.file_name();
            let Some(name) = name.to_str() else { continue };
            if let Ok(time) = parse_backup_time(name) {
                if entry.path().join(MANIFEST_BLOB_NAME).is_file() {
                    times.push(time);
                }
            }
        }
        times.sort_unstable();
        Ok(times)
    }

    fn snapshot_info(&self, ns: &Namespace, snapshot: &SnapshotRef) -> Result<SnapshotInfo> {
        let (manifest, manifest_size) = self.read_manifest(ns, snapshot)?;
        let path = self.snapshot_path(ns, snapshot);
        Ok(SnapshotInfo {
            snapshot: snapshot.clone(),
            manifest,
            manifest_size,
            protected: path.join(PROTECTED_MARKER).exists(),
            owner: self.read_owner(&self.group_path(ns, &snapshot.group)),
            manifest_error: None,
        })
    }

    /// A snapshot whose manifest exists but cannot be read, as listed (`error` says why).
    fn unreadable_snapshot_info(
        &self,
        ns: &Namespace,
        snapshot: &SnapshotRef,
        error: &RepoError,
    ) -> SnapshotInfo {
        let path = self.snapshot_path(ns, snapshot);
        SnapshotInfo {
            snapshot: snapshot.clone(),
            manifest: Manifest::new(
                snapshot.group.ty.as_str(),
                &snapshot.group.id,
                snapshot.time,
            ),
            manifest_size: std::fs::metadata(path.join(MANIFEST_BLOB_NAME))
                .map(|m| m.len())
                .unwrap_or(0),
            protected: path.join(PROTECTED_MARKER).exists(),
            owner: self.read_owner(&self.group_path(ns, &snapshot.group)),
            manifest_error: Some(error.to_string()),
        }
    }
}

impl Repository for LocalDatastore {
    fn handle(&self) -> Arc<dyn Repository> {
        Arc::new(self.clone())
    }

    fn name(&self) -> String {
        self.root
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "datastore".to_string())
    }

    fn list_namespaces(&self, parent: &Namespace) -> Result<Vec<Namespace>> {
        let dir = self.ns_path(parent).join("ns");
        let mut out = Vec::new();
        if let Ok(entries) = std::fs::read_dir(&dir) {
            for entry in entries.flatten() {
                if let Some(name) = entry.file_name().to_str() {
                    if entry.path().is_dir() {
                        if let Ok(ns) = parent.child(name) {
                            out.push(ns);
                        }
                    }
                }
            }
        }
        out.sort();
        Ok(out)
    }

    fn create_namespace(&self, ns: &Namespace) -> Result<()> {
        if let Some(parent) = ns.parent() {
            if !parent.is_root() && !self.ns_path(&parent).is_dir() {
                return Err(RepoError::NotFound(format!("namespace {parent}")));
            }
        }
        let path = self.ns_path(ns);
        std::fs::create_dir_all(&path).map_err(io_at(&path, "create namespace"))
    }

    fn delete_namespace(&self, ns: &Namespace, delete_groups: bool) -> Result<()> {
        if ns.is_root() {
            return Err(RepoError::Refused(
                "the root namespace cannot be deleted".into(),
            ));
        }
        let path = self.ns_path(ns);
        if !path.is_dir() {
            return Err(RepoError::NotFound(format!("namespace {ns}")));
        }
        let has_content = |p: &Path| -> bool {
            BackupType::ALL.iter().any(|t| {
                std::fs::read_dir(p.join(t.as_str()))
                    .map(|mut d| d.next().is_some())
                    .unwrap_or(false)
            })
        };
        if !delete_groups {
            let mut stack = vec![path.clone()];
            while let Some(p) = stack.pop() {
                if has_content(&p) {
                    return Err(RepoError::Refused(format!(
                        "namespace {ns} still holds backup groups (use --delete-groups)"
                    )));
                }
                if let Ok(children) = std::fs::read_dir(p.join("ns")) {
                    stack.extend(children.flatten().map(|c| c.path()));
                }
            }
        }
        // Rename first so a crash leaves either the namespace or nothing visible.
        let doomed = path.with_file_name(format!(
            ".deleting-{}-{}",
            ns.components().last().map(String::as_str).unwrap_or(""),
            std::process::id()
        ));
        std::fs::rename(&path, &doomed).map_err(io_at(&path, "delete namespace"))?;
        std::fs::remove_dir_all(&doomed).map_err(io_at(&doomed, "delete namespace"))
    }

    fn list_groups(&self, ns: &Namespace) -> Result<Vec<GroupInfo>> {
        let mut out = Vec::new();
        for ty in BackupType::ALL {
            let dir = self.ns_path(ns).join(ty.as_str());
            let Ok(entries) = std::fs::read_dir(&dir) else {
                continue;
            };
            for entry in entries.flatten() {
                let Some(id) = entry.file_name().to_str().map(str::to_string) else {
                    continue;
                };
                let Ok(group) = BackupGroup::new(ty, &id) else {
                    continue;
                };
                let path = entry.path();
                let times = self.finished_times(&path)?;
                let files = times
                    .last()
                    .map(|t| {
                        dir_files(&self.snapshot_path(ns, &SnapshotRef::new(group.clone(), *t)))
                    })
                    .unwrap_or_default();
                out.push(GroupInfo {
                    owner: self.read_owner(&path),
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
            for time in self.finished_times(&self.group_path(ns, &group))? {
                let snapshot = SnapshotRef::new(group.clone(), time);
                match self.snapshot_info(ns, &snapshot) {
                    Ok(info) => out.push(info),
                    // A snapshot removed while listing is simply gone (prune running).
                    Err(RepoError::NotFound(_)) => {}
                    // A damaged manifest spoils that snapshot only: it is listed as unreadable.
                    Err(e) => out.push(self.unreadable_snapshot_info(ns, &snapshot, &e)),
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
        let path = self.snapshot_path(ns, snapshot).join(name);
        read_capped(&path, MAX_INDEX_FILE_SIZE).map_err(|e| match e {
            RepoError::Io { source, .. } if source.kind() == io::ErrorKind::NotFound => {
                RepoError::NotFound(format!("{snapshot}/{name}"))
            }
            other => other,
        })
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
        if !ns.is_root() && !self.ns_path(ns).is_dir() {
            return Err(RepoError::NotFound(format!("namespace {ns}")));
        }
        let store_lock = self.lock_store(false)?;
        let group_path = self.group_path(ns, &snapshot.group);
        let type_dir = group_path
            .parent()
            .map(Path::to_path_buf)
            .unwrap_or_default();
        std::fs::create_dir_all(&type_dir).map_err(io_at(&type_dir, "create group"))?;
        let created = create_group_with_owner(&type_dir, &group_path, owner)?;
        if !created {
            match self.read_owner(&group_path) {
                Some(existing) if existing != owner => {
                    return Err(RepoError::Refused(format!(
                        "backup group {} is owned by {existing}, not {owner}",
                        snapshot.group
                    )));
                }
                Some(_) => {}
                // A group left without its owner (by another writer's crash): this backup's
                // owner takes it, as the first backup of a group does.
                None => atomic::replace_file(
                    &group_path.join("owner"),
                    format!("{owner}\n").as_bytes(),
                    0o644,
                )
                .map_err(io_at(&group_path, "write owner"))?,
            }
        }
        let group_lock = try_flock(&group_path, true, || {
            format!(
                "backup group {} is locked by another backup or removal",
                snapshot.group
            )
        })?;
        // A group this backup created goes again if the backup never finishes, so no empty
        // group with only an owner file stays behind (e.g. from a session that never started).
        // Declared after the lock: on an error below it is dropped while the lock is held.
        let created_group = created.then(|| EmptyGroupGuard(Some(group_path.clone())));
        if let Some(last) = self.finished_times(&group_path)?.last() {
            if *last >= snapshot.time {
                return Err(RepoError::Refused(format!(
                    "backup time {} is not newer than the group's last snapshot {}",
                    snapshot.time_string(),
                    super::types::format_backup_time(*last)
                )));
            }
        }
        let base_lock = match base {
            Some(b) => Some(try_flock(&self.snapshot_path(ns, b), false, || {
                format!("snapshot {b} is being removed")
            })?),
            None => None,
        };
        // Leftovers of interrupted backups of this group: never visible, removed now (the
        // group lock says no backup owns them).
        remove_unfinished(&group_path);
        let temp_dir = group_path.join(format!(
            ".tmp-{}-{}",
            snapshot.time_string(),
            std::process::id()
        ));
        std::fs::create_dir(&temp_dir).map_err(io_at(&temp_dir, "create snapshot directory"))?;
        Ok(Box::new(LocalBackupWriter {
            chunks: self.chunks.clone(),
            temp_dir,
            final_dir: self.snapshot_path(ns, snapshot),
            finished: false,
            created_group,
            _locks: vec![store_lock, group_lock]
                .into_iter()
                .chain(base_lock)
                .collect(),
        }))
    }

    fn forget_snapshot(&self, ns: &Namespace, snapshot: &SnapshotRef) -> Result<()> {
        let path = self.snapshot_path(ns, snapshot);
        if !path.join(MANIFEST_BLOB_NAME).exists() {
            return Err(RepoError::NotFound(format!("snapshot {snapshot}")));
        }
        if path.join(PROTECTED_MARKER).exists() {
            return Err(RepoError::Refused(format!(
                "snapshot {snapshot} is protected"
            )));
        }
        let _lock = try_flock(&path, true, || {
            format!("snapshot {snapshot} is in use (the base of a running backup, or being read)")
        })?;
        // Rename first: a crash mid-removal leaves a hidden directory, never half a snapshot.
        let doomed = path.with_file_name(format!(".deleting-{}", snapshot.time_string()));
        std::fs::rename(&path, &doomed).map_err(io_at(&path, "remove snapshot"))?;
        failpoint("forget.after_rename").map_err(io_at(&doomed, "remove snapshot"))?;
        std::fs::remove_dir_all(&doomed).map_err(io_at(&doomed, "remove snapshot"))
    }

    fn forget_group(&self, ns: &Namespace, group: &BackupGroup) -> Result<()> {
        let path = self.group_path(ns, group);
        if !path.is_dir() {
            return Err(RepoError::NotFound(format!("backup group {group}")));
        }
        let _lock = try_flock(&path, true, || {
            format!("backup group {group} is locked by a running backup")
        })?;
        let mut protected = 0;
        for time in self.finished_times(&path)? {
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
        std::fs::remove_dir_all(&path).map_err(io_at(&path, "remove group"))
    }

    fn set_protected(&self, ns: &Namespace, snapshot: &SnapshotRef, protected: bool) -> Result<()> {
        let path = self.snapshot_path(ns, snapshot);
        if !path.join(MANIFEST_BLOB_NAME).exists() {
            return Err(RepoError::NotFound(format!("snapshot {snapshot}")));
        }
        let marker = path.join(PROTECTED_MARKER);
        if protected {
            atomic::replace_file(&marker, b"", 0o644).map_err(io_at(&marker, "protect snapshot"))
        } else {
            match std::fs::remove_file(&marker) {
                Ok(()) => Ok(()),
                Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
                Err(e) => Err(RepoError::Io {
                    path: marker.display().to_string(),
                    action: "unprotect snapshot",
                    source: e,
                }),
            }
        }
    }

    fn set_owner(&self, ns: &Namespace, group: &BackupGroup, owner: &str) -> Result<()> {
        LocalDatastore::set_owner(self, ns, group, owner)
    }

    fn upload_log(&self, ns: &Namespace, snapshot: &SnapshotRef, log_blob: &[u8]) -> Result<()> {
        let dir = self.snapshot_path(ns, snapshot);
        if !dir.join(MANIFEST_BLOB_NAME).exists() {
            return Err(RepoError::NotFound(format!("snapshot {snapshot}")));
        }
        let path = dir.join("client.log.blob");
        atomic::create_new_file(&path, log_blob, 0o644).map_err(io_at(&path, "write client log"))
    }

    fn update_manifest(
        &self,
        ns: &Namespace,
        snapshot: &SnapshotRef,
        manifest_blob: &[u8],
    ) -> Result<()> {
        let path = self.snapshot_path(ns, snapshot).join(MANIFEST_BLOB_NAME);
        if !path.exists() {
            return Err(RepoError::NotFound(format!("snapshot {snapshot}")));
        }
        atomic::replace_file(&path, manifest_blob, 0o644).map_err(io_at(&path, "update manifest"))
    }
}

/// A backup into a hidden directory, renamed into place at `finish`.
struct LocalBackupWriter {
    chunks: Arc<ChunkStore>,
    temp_dir: PathBuf,
    final_dir: PathBuf,
    finished: bool,
    /// The group, when this backup created it: removed again if it stays empty. Declared
    /// before the locks, so it is dropped while the group lock is still held.
    created_group: Option<EmptyGroupGuard>,
    _locks: Vec<FileLock>,
}

/// Creates the group directory `group_path` with its owner file in one step: the directory is
/// made and filled under a hidden temporary name in `type_dir`, then renamed into place without
/// replacing anything, so a crash never leaves a group without an owner (a leftover `.tmp-`
/// directory is hidden and gc removes it). False when the group already exists.
fn create_group_with_owner(type_dir: &Path, group_path: &Path, owner: &str) -> Result<bool> {
    if group_path.is_dir() {
        return Ok(false);
    }
    let name = group_path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let temp = type_dir.join(format!(
        ".tmp-group-{name}-{}-{}",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.subsec_nanos())
            .unwrap_or_default()
    ));
    std::fs::create_dir(&temp).map_err(io_at(&temp, "create group"))?;
    let placed = atomic::replace_file(&temp.join("owner"), format!("{owner}\n").as_bytes(), 0o644)
        .map_err(io_at(group_path, "write owner"))
        .and_then(|()| {
            // Crash tests stop here: the group is complete under its hidden name.
            crate::util::failpoint::failpoint("group.before_rename")
                .and_then(|()| rename_no_replace(&temp, group_path))
                .map_err(io_at(group_path, "create group"))
        });
    match placed {
        Ok(()) => {
            atomic::sync_parent(group_path).map_err(io_at(type_dir, "sync group directory"))?;
            Ok(true)
        }
        Err(RepoError::Io { source, .. }) if source.kind() == io::ErrorKind::AlreadyExists => {
            let _ = std::fs::remove_dir_all(&temp);
            Ok(false)
        }
        Err(e) => {
            let _ = std::fs::remove_dir_all(&temp);
            Err(e)
        }
    }
}

/// `rename(from, to)` that fails with `AlreadyExists` instead of replacing `to`.
fn rename_no_replace(from: &Path, to: &Path) -> io::Result<()> {
    use std::os::unix::ffi::OsStrExt;
    let c = |p: &Path| {
        std::ffi::CString::new(p.as_os_str().as_bytes())
            .map_err(|_| io::Error::new(io::ErrorKind::InvalidInput, "path contains NUL"))
    };
    let (from_c, to_c) = (c(from)?, c(to)?);
    // SAFETY: valid C strings; AT_FDCWD resolves them as plain paths.
    let ret = unsafe {
        libc::renameat2(
            libc::AT_FDCWD,
            from_c.as_ptr(),
            libc::AT_FDCWD,
            to_c.as_ptr(),
            libc::RENAME_NOREPLACE,
        )
    };
    if ret == 0 {
        Ok(())
    } else {
        Err(io::Error::last_os_error())
    }
}

/// A group directory created for a backup, whose lock the backup holds: on drop, removed if it
/// holds nothing but its owner file (the backup did not finish). Disarmed with `keep`.
struct EmptyGroupGuard(Option<PathBuf>);

impl EmptyGroupGuard {
    fn keep(mut self) {
        self.0 = None;
    }
}

impl Drop for EmptyGroupGuard {
    fn drop(&mut self) {
        let Some(group) = self.0.take() else {
            return;
        };
        let Ok(entries) = std::fs::read_dir(&group) else {
            return;
        };
        let names: Vec<_> = entries.flatten().map(|e| e.file_name()).take(2).collect();
        if names.iter().all(|n| n == "owner") {
            let _ = std::fs::remove_file(group.join("owner"));
            let _ = std::fs::remove_dir(&group);
        }
    }
}

impl LocalBackupWriter {
    fn write_file(&self, name: &str, bytes: &[u8]) -> Result<()> {
        if name.contains('/') || name.starts_with('.') || name == MANIFEST_BLOB_NAME {
            return Err(RepoError::Refused(format!(
                "{name:?} is not an archive or blob name"
            )));
        }
        let path = self.temp_dir.join(name);
        atomic::create_new_file(&path, bytes, 0o644).map_err(io_at(&path, "write"))
    }
}

impl BackupWriter for LocalBackupWriter {
    fn chunk_sink(&self) -> Arc<dyn ChunkSink> {
        self.chunks.clone()
    }

    fn upload_index(&mut self, name: &str, index: &IndexData) -> Result<()> {
        failpoint("backup.before_index").map_err(io_at(&self.temp_dir, "write index"))?;
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
        failpoint("backup.after_index").map_err(io_at(&self.temp_dir, "write index"))
    }

    fn upload_blob(&mut self, name: &str, raw: &[u8]) -> Result<()> {
        self.write_file(name, raw)
    }

    fn finish(mut self: Box<Self>, manifest_blob: &[u8]) -> Result<()> {
        // DURABILITY: every chunk the manifest names is on disk before the manifest is written.
        self.chunks.sync()?;
        let manifest = self.temp_dir.join(MANIFEST_BLOB_NAME);
        failpoint("backup.before_manifest").map_err(io_at(&manifest, "write manifest"))?;
        atomic::create_new_file(&manifest, manifest_blob, 0o644)
            .map_err(io_at(&manifest, "write manifest"))?;
        failpoint("backup.after_manifest").map_err(io_at(&manifest, "write manifest"))?;
        // DURABILITY: the snapshot appears in one rename; a crash before it leaves only the
        // hidden temporary directory, removed by the group's next backup.
        if self.final_dir.exists() {
            return Err(RepoError::Refused(format!(
                "{} already exists",
                self.final_dir.display()
            )));
        }
        std::fs::rename(&self.temp_dir, &self.final_dir)
            .map_err(io_at(&self.final_dir, "publish snapshot"))?;
        self.finished = true;
        if let Some(group) = self.created_group.take() {
            group.keep();
        }
        failpoint("backup.after_publish").map_err(io_at(&self.final_dir, "publish snapshot"))?;
        if let Some(group) = self.final_dir.parent() {
            File::open(group)
                .and_then(|d| d.sync_all())
                .map_err(io_at(group, "sync group directory"))?;
        }
        Ok(())
    }
}

impl Drop for LocalBackupWriter {
    fn drop(&mut self) {
        if !self.finished {
            let _ = std::fs::remove_dir_all(&self.temp_dir);
        }
    }
}

/// The names of the files in a snapshot directory (not the hidden ones), sorted: what PBS lists
/// as a group's `files`.
pub fn dir_files(path: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(path)
        .map(|d| {
            d.flatten()
                .filter(|e| e.file_type().map(|t| t.is_file()).unwrap_or(false))
                .filter_map(|e| e.file_name().to_str().map(str::to_string))
                .filter(|n| !n.starts_with('.'))
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    names
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
                        .filter(|e| is_unfinished_backup(&e.file_name()))
                        .count()
                })
                .unwrap_or(0)
        };
        assert_eq!(live_tmp(&store), 1);

        let removed = store.remove_unfinished_backups().unwrap();
        assert_eq!(removed, vec![stale]);
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
}
