//! Bringing a cache directory's metadata mirror and chunk markers up to date with the bucket at
//! open: what the bucket has and the mirror lacks is fetched, and what the mirror still has but
//! the bucket no longer does (another host pruned or deleted it) is removed.
//!
//! The removal must never take what this host is writing at that moment, so it keeps:
//! - every file or directory changed since the listing started (a put reaches the bucket before
//!   the mirror, so anything older that the bucket holds was in the listing);
//! - temporary files of writes in progress;
//! - everything while a rename is in progress on this host: a rename moves mirror files (with
//!   their old times) before the bucket has them, so renames hold `renames.lock` shared and the
//!   removal runs only when it gets it exclusive.

use super::{CachedBackend, CHUNK_PREFIX, DIR_MARKER, MARKS_COMPLETE};
use crate::repo::backend::{
    BackendError, Depth, Durability, Key, Kind, Result, Stamp, StorageBackend,
};
use std::collections::HashSet;
use std::fs::File;
use std::io;
use std::os::fd::AsRawFd;
use std::path::Path;
use std::sync::atomic::Ordering;

/// The cache directory's file that renames (shared) and the removal of stale mirror objects
/// (exclusive) lock.
const RENAMES_LOCK: &str = "renames.lock";

/// A held flock on the cache directory's `renames.lock`; released on drop.
pub(super) struct RenameGuard(#[allow(dead_code)] File);

impl RenameGuard {
    /// Waits for the shared lock (a rename holds it while it moves mirror files).
    pub(super) fn shared(dir: &Path) -> Result<RenameGuard> {
        // A blocking flock never answers "busy"; the error is only for the type.
        Self::take(dir, libc::LOCK_SH)?.ok_or_else(|| BackendError::Busy {
            at: dir.join(RENAMES_LOCK).display().to_string(),
        })
    }

    /// The exclusive lock, or `None` at once when a rename holds it.
    fn exclusive_now(dir: &Path) -> Result<Option<RenameGuard>> {
        Self::take(dir, libc::LOCK_EX | libc::LOCK_NB)
    }

    fn take(dir: &Path, op: libc::c_int) -> Result<Option<RenameGuard>> {
        let path = dir.join(RENAMES_LOCK);
        let io_error = |source: io::Error| BackendError::Io {
            at: path.display().to_string(),
            action: "lock",
            source,
        };
        let file = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .read(true)
            .write(true)
            .open(&path)
            .map_err(io_error)?;
        loop {
            // SAFETY: flock on a descriptor this function owns.
            if unsafe { libc::flock(file.as_raw_fd(), op) } == 0 {
                return Ok(Some(RenameGuard(file)));
            }
            let e = io::Error::last_os_error();
            match e.kind() {
                io::ErrorKind::Interrupted => continue,
                io::ErrorKind::WouldBlock => return Ok(None),
                _ => return Err(io_error(e)),
            }
        }
    }
}

/// File times come from the kernel's coarse clock, which may lag the system clock by a tick
/// (at most 10 ms): a write just after the listing started must still look new.
const MTIME_SLACK: std::time::Duration = std::time::Duration::from_millis(100);

/// The system clock's time less `slack`, as a file time.
fn now_less(slack: std::time::Duration) -> Stamp {
    let since = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default()
        .saturating_sub(slack);
    Stamp {
        secs: since.as_secs() as i64,
        nanos: since.subsec_nanos() as i64,
    }
}

impl CachedBackend {
    /// Brings the mirror up to date with the bucket: every metadata object the bucket has and
    /// the mirror lacks (or has at another size) is fetched, directory markers become
    /// directories, and what the bucket no longer has is removed from the mirror
    /// (`drop_stale`); a new cache also marks every chunk (`mark_all_chunks`).
    pub fn refresh(&self) -> Result<()> {
        let listed_from = now_less(MTIME_SLACK);
        self.count(1);
        let top = self.remote.list(&Key::root(), Depth::One)?;
        let mut wanted: Vec<Key> = Vec::new();
        // What the bucket has: the objects, and the directories (kept by a marker or by an
        // object below them).
        let mut objects: HashSet<String> = HashSet::new();
        let mut dirs: HashSet<String> = HashSet::new();
        for entry in top {
            if entry.name == CHUNK_PREFIX || entry.name == super::lease::LEASE_PREFIX {
                continue;
            }
            let key = Key::new(entry.name.clone())?;
            let listed = if entry.meta.kind == Kind::Prefix {
                self.count(1);
                self.remote.list_keys(&key)?
            } else {
                vec![(key, entry.meta)]
            };
            for (key, meta) in listed {
                let mut parent = key.parent();
                while let Some(p) = parent.filter(|p| !p.is_root()) {
                    if !dirs.insert(p.to_string()) {
                        break;
                    }
                    parent = p.parent();
                }
                if key.name() == DIR_MARKER {
                    if let Some(parent) = key.parent() {
                        self.mirror
                            .create_dir_all(&parent)
                            .map_err(super::in_cache)?;
                    }
                    continue;
                }
                objects.insert(key.to_string());
                let local = self.mirror.stat(&key)?;
                if local.is_none_or(|l| l.size != meta.size) {
                    wanted.push(key);
                }
            }
        }
        // Fetched many at a time: a new host's first open reads every snapshot's metadata.
        for batch in wanted.chunks(256) {
            self.count(batch.len() as u64);
            for (key, got) in self.remote.get_many(batch.to_vec(), u64::MAX)? {
                let bytes = match got {
                    Ok(b) => b,
                    Err(e) if e.is_not_found() => continue,
                    Err(e) => return Err(e),
                };
                if let Some(parent) = key.parent() {
                    self.mirror
                        .create_dir_all(&parent)
                        .map_err(super::in_cache)?;
                }
                self.mirror
                    .put(&key, &bytes, Durability::Synced)
                    .map_err(super::in_cache)?;
            }
        }
        self.drop_stale(&objects, &dirs, listed_from)?;
        self.mark_all_chunks()
    }

    /// Removes from the mirror what the bucket's listing (started at `listed_from`) did not
    /// have: objects, then the directories left empty. Skipped while a rename runs on this
    /// host. Returns how many objects went.
    fn drop_stale(
        &self,
        objects: &HashSet<String>,
        dirs: &HashSet<String>,
        listed_from: Stamp,
    ) -> Result<usize> {
        let Some(_guard) = RenameGuard::exclusive_now(&self.dir)? else {
            return Ok(0);
        };
        let mut stale_dirs: Vec<Key> = Vec::new();
        let mut removed = 0;
        // Walked a level at a time: a recursive listing names no directories.
        let mut pending = vec![Key::root()];
        while let Some(prefix) = pending.pop() {
            for entry in self.mirror.list(&prefix, Depth::One)? {
                // A name that is not UTF-8, or not one a key can have: nothing pbsh wrote.
                let Some(key) = entry.exact.then(|| prefix.join(&entry.name).ok()).flatten() else {
                    continue;
                };
                let old = entry.meta.modified < listed_from;
                match entry.meta.kind {
                    Kind::Prefix => {
                        if old && !dirs.contains(key.as_str()) {
                            stale_dirs.push(key.clone());
                        }
                        pending.push(key);
                    }
                    // Nothing pbsh writes; left as it is.
                    Kind::Link | Kind::Special => {}
                    Kind::Object => {
                        if old
                            && !objects.contains(key.as_str())
                            && !crate::repo::backend::fs::is_temp_name(&entry.name)
                            && self.mirror.delete(&key)?
                        {
                            removed += 1;
                        }
                    }
                }
            }
        }
        // Deepest first, by rmdir: a directory something was written into since is not empty
        // and stays.
        stale_dirs.sort_by_key(|k| std::cmp::Reverse(k.components().count()));
        for dir in stale_dirs {
            let _ = std::fs::remove_dir(self.mirror.root().join(dir.as_str()));
        }
        Ok(removed)
    }

    /// On a cache's first open: one marker per chunk the bucket holds, from one paged listing
    /// (1,000 keys a request), so later backups need not ask the bucket chunk by chunk. Done
    /// once (`marks/.complete`); chunks other hosts add later are asked for when first met.
    fn mark_all_chunks(&self) -> Result<()> {
        let done = Key::new(MARKS_COMPLETE)?;
        if self.marks.stat(&done)?.is_some() {
            self.marks_complete.store(true, Ordering::Relaxed);
            return Ok(());
        }
        let mut pages = 0u64;
        self.remote.list_pages(&Key::new(CHUNK_PREFIX)?, |page| {
            pages += 1;
            for (key, meta) in page {
                if super::chunk_name(&key).is_some() && self.marks.stat(&key)?.is_none() {
                    self.mark(&key, meta.size)?;
                }
            }
            Ok(())
        })?;
        self.count(pages.max(1));
        // Not synced: a marker lost in a crash only makes its chunk look new (uploaded again)
        // or unmarked (GC asks the bucket), never lost.
        self.marks.put(&done, b"", Durability::Deferred)?;
        self.marks_complete.store(true, Ordering::Relaxed);
        Ok(())
    }
}
