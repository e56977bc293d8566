//! The local file system as a storage backend: a key is a path below the store's root directory.
//!
//! The root is opened by its path (the user named it, so a symlink there is followed); below it
//! every component of a key is opened from its parent's descriptor with `O_NOFOLLOW`, so no
//! symlink inside the store ever leads an operation outside it (threat-model.md §1: GC's sweep
//! removes only what lies in the chunk store). A put writes a temporary file beside the target
//! and renames (or, for `put_if_absent`, hard-links) it into place: readers see the whole object
//! or none. The temporary file is `.<name>.tmp.<pid>.<n>` (hidden) for a synced put and
//! `<name>.tmp_<pid>_<n>` for a deferred one, the name PBS's chunk store gives its temporary
//! chunks, which garbage collection recognises and removes when stale.
//!
//! Crash tests stop a put when its temporary copy is complete: at the fault-injection point
//! `file.after_temp_write` (synced) or `store.chunk.after_temp_write` (deferred: chunks).

use super::{
    BackendError, Capabilities, Depth, Durability, Entry, Key, Kind, Lock, LockMode, ObjectMeta,
    Put, Replace, Result, Space, Stamp, StorageBackend,
};
use crate::archive::fs::{check, list_dir, lstat_at, open_dir, openat, unlink_at};
use crate::util::failpoint::failpoint;
use std::ffi::{CStr, CString};
use std::fs::File;
use std::io::{self, Read, Write};
use std::os::fd::{AsRawFd, OwnedFd};
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

/// Permission bits of a synced put's file, whatever the umask (as `util::atomic` does).
const FILE_MODE: libc::mode_t = 0o644;

/// A store's root directory on this machine.
#[derive(Debug)]
pub struct FsBackend {
    root: PathBuf,
    temp_counter: AtomicU64,
}

impl FsBackend {
    /// The backend over the existing directory `root`.
    pub fn new(root: impl Into<PathBuf>) -> Self {
        FsBackend {
            root: root.into(),
            temp_counter: AtomicU64::new(0),
        }
    }

    /// Creates `root` (and its parents) if missing, then the backend over it.
    pub fn create(root: impl Into<PathBuf>) -> io::Result<Self> {
        let root = root.into();
        std::fs::create_dir_all(&root)?;
        Ok(FsBackend::new(root))
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The path of `key` (for messages and for callers that hand a path to someone else).
    pub fn path(&self, key: &Key) -> PathBuf {
        if key.is_root() {
            self.root.clone()
        } else {
            self.root.join(key.as_str())
        }
    }

    fn io(&self, key: &Key, action: &'static str) -> impl FnOnce(io::Error) -> BackendError + '_ {
        let at = self.locate(key);
        move |source| BackendError::Io { at, action, source }
    }

    /// The descriptor of the directory `key`, each component below the root opened without
    /// following a symlink.
    fn open_dir_key(&self, key: &Key) -> io::Result<OwnedFd> {
        let mut dir = open_dir(&self.root)?;
        for c in key.components() {
            dir = openat(&dir, &cstr(c)?, libc::O_RDONLY | libc::O_DIRECTORY, 0)?;
        }
        Ok(dir)
    }

    /// The descriptor of the directory holding `key`, and `key`'s last name.
    fn parent_of(&self, key: &Key) -> io::Result<(OwnedFd, CString)> {
        let parent = key
            .parent()
            .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "the store's root"))?;
        Ok((self.open_dir_key(&parent)?, cstr(key.name())?))
    }

    /// The name of a temporary file for a write of `name` (`is_temp_name` knows it again).
    fn temp_name(&self, name: &CStr, durability: Durability) -> io::Result<CString> {
        let n = self.temp_counter.fetch_add(1, Ordering::Relaxed);
        let name = name.to_string_lossy();
        let pid = std::process::id();
        cstr(&match durability {
            Durability::Synced => format!(".{name}.tmp.{pid}.{n}"),
            Durability::Deferred => format!("{name}.tmp_{pid}_{n}"),
        })
    }

    /// Writes `bytes` to a new temporary file in `dir`; returns its name. Nothing is left on
    /// failure.
    fn write_temp(
        &self,
        dir: &OwnedFd,
        name: &CStr,
        bytes: &[u8],
        durability: Durability,
    ) -> io::Result<CString> {
        let temp = self.temp_name(name, durability)?;
        let mode = match durability {
            Durability::Synced => FILE_MODE,
            Durability::Deferred => 0o666,
        };
        let fd = openat(
            dir,
            &temp,
            libc::O_WRONLY | libc::O_CREAT | libc::O_EXCL,
            mode,
        )?;
        let mut file = File::from(fd);
        let result = (|| {
            match durability {
                Durability::Synced => {
                    // The umask may have cleared bits of the mode.
                    // SAFETY: fchmod on a descriptor we own.
                    check(unsafe { libc::fchmod(file.as_raw_fd(), FILE_MODE) })?;
                    file.write_all(bytes)?;
                    file.sync_all()?;
                    // Crash tests stop here: the temp file is complete, the target not yet there.
                    failpoint("file.after_temp_write")
                }
                Durability::Deferred => {
                    file.write_all(bytes)?;
                    start_writeback(&file);
                    failpoint("store.chunk.after_temp_write")
                }
            }
        })();
        if let Err(e) = result {
            let _ = unlink_at(dir, &temp);
            return Err(e);
        }
        Ok(temp)
    }
}

fn cstr(s: &str) -> io::Result<CString> {
    CString::new(s).map_err(|_| io::Error::new(io::ErrorKind::InvalidInput, "name contains NUL"))
}

/// Starts writing the file's dirty pages to disk without waiting, so the one `syncfs` at the
/// end of a backup finds little left to flush (the disk works while the CPU chunks).
fn start_writeback(file: &File) {
    #[cfg(target_os = "linux")]
    {
        // SAFETY: a plain syscall on a descriptor we own; a failure only loses the head start.
        unsafe {
            libc::sync_file_range(file.as_raw_fd(), 0, 0, libc::SYNC_FILE_RANGE_WRITE);
        }
    }
    #[cfg(not(target_os = "linux"))]
    let _ = file;
}

fn kind_of(mode: libc::mode_t) -> Kind {
    match mode & libc::S_IFMT {
        libc::S_IFREG => Kind::Object,
        libc::S_IFDIR => Kind::Prefix,
        libc::S_IFLNK => Kind::Link,
        _ => Kind::Special,
    }
}

fn meta_of(st: &libc::stat) -> ObjectMeta {
    ObjectMeta {
        kind: kind_of(st.st_mode),
        size: u64::try_from(st.st_size).unwrap_or(0),
        modified: Stamp {
            secs: st.st_mtime,
            nanos: st.st_mtime_nsec,
        },
        accessed: Stamp {
            secs: st.st_atime,
            nanos: st.st_atime_nsec,
        },
    }
}

fn fsync_dir(dir: &OwnedFd) -> io::Result<()> {
    // SAFETY: fsync on a descriptor we own.
    check(unsafe { libc::fsync(dir.as_raw_fd()) }).map(|_| ())
}

/// `unlinkat` that removes an empty directory too; false when nothing was there.
fn remove_at(dir: &OwnedFd, name: &CStr) -> io::Result<bool> {
    match unlink_at(dir, name) {
        Ok(()) => Ok(true),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(false),
        Err(e) if matches!(e.raw_os_error(), Some(libc::EISDIR) | Some(libc::EPERM)) => {
            // SAFETY: valid descriptor and C string.
            match check(unsafe {
                libc::unlinkat(dir.as_raw_fd(), name.as_ptr(), libc::AT_REMOVEDIR)
            }) {
                Ok(_) => Ok(true),
                Err(e2) if e2.raw_os_error() == Some(libc::ENOTDIR) => Err(e),
                Err(e2) => Err(e2),
            }
        }
        Err(e) => Err(e),
    }
}

/// Removes `name` in `dir` and, for a directory, everything below it (never following a link).
fn remove_tree_at(dir: &OwnedFd, name: &CStr) -> io::Result<()> {
    let Some(st) = lstat_at(dir, name)? else {
        return Ok(());
    };
    if kind_of(st.st_mode) == Kind::Prefix {
        let child = openat(dir, name, libc::O_RDONLY | libc::O_DIRECTORY, 0)?;
        for entry in list_dir(&child)? {
            remove_tree_at(&child, &entry)?;
        }
    }
    remove_at(dir, name).map(|_| ())
}

fn list_into(dir: &OwnedFd, rel: &str, depth: Depth, out: &mut Vec<Entry>) -> io::Result<()> {
    for name in list_dir(dir)? {
        let Some(st) = lstat_at(dir, &name)? else {
            continue; // removed meanwhile
        };
        let meta = meta_of(&st);
        let (text, exact) = match name.to_str() {
            Ok(s) => (s.to_string(), true),
            Err(_) => (name.to_string_lossy().into_owned(), false),
        };
        let full = if rel.is_empty() {
            text
        } else {
            format!("{rel}/{text}")
        };
        match (depth, meta.kind) {
            (Depth::Recursive, Kind::Prefix) => {
                if exact {
                    let child = openat(dir, &name, libc::O_RDONLY | libc::O_DIRECTORY, 0)?;
                    list_into(&child, &full, depth, out)?;
                }
            }
            _ => out.push(Entry {
                name: full,
                exact,
                meta,
            }),
        }
    }
    Ok(())
}

impl StorageBackend for FsBackend {
    fn locate(&self, key: &Key) -> String {
        self.path(key).display().to_string()
    }

    fn capabilities(&self) -> Capabilities {
        Capabilities::ALL
    }

    fn get(&self, key: &Key, limit: u64) -> Result<Vec<u8>> {
        let (dir, name) = self.parent_of(key).map_err(self.io(key, "open"))?;
        let file =
            File::from(openat(&dir, &name, libc::O_RDONLY, 0).map_err(self.io(key, "open"))?);
        let len = file.metadata().map_err(self.io(key, "stat"))?.len();
        // LIMIT: callers pass the largest object of this kind (limits.rs).
        if len > limit {
            return Err(BackendError::TooLarge {
                at: self.locate(key),
                size: len,
                limit,
            });
        }
        let mut out = Vec::with_capacity(len as usize);
        file.take(limit)
            .read_to_end(&mut out)
            .map_err(self.io(key, "read"))?;
        Ok(out)
    }

    fn get_range(&self, key: &Key, offset: u64, len: u64) -> Result<Vec<u8>> {
        let (dir, name) = self.parent_of(key).map_err(self.io(key, "open"))?;
        let file =
            File::from(openat(&dir, &name, libc::O_RDONLY, 0).map_err(self.io(key, "open"))?);
        let size = file.metadata().map_err(self.io(key, "stat"))?.len();
        let want = len.min(size.saturating_sub(offset));
        let mut out = vec![0u8; usize::try_from(want).unwrap_or(0)];
        let mut done = 0;
        while done < out.len() {
            let n = file
                .read_at(&mut out[done..], offset + done as u64)
                .map_err(self.io(key, "read"))?;
            if n == 0 {
                break;
            }
            done += n;
        }
        out.truncate(done);
        Ok(out)
    }

    fn put(&self, key: &Key, bytes: &[u8], durability: Durability) -> Result<()> {
        let (dir, name) = self.parent_of(key).map_err(self.io(key, "write"))?;
        let temp = self
            .write_temp(&dir, &name, bytes, durability)
            .map_err(self.io(key, "write"))?;
        // DURABILITY: a synced temp file is complete on disk; a crash here leaves the old object
        // and a stray temp file, never a torn target. A deferred one waits for `sync`.
        // SAFETY: valid descriptors and C strings.
        let renamed = check(unsafe {
            libc::renameat(
                dir.as_raw_fd(),
                temp.as_ptr(),
                dir.as_raw_fd(),
                name.as_ptr(),
            )
        });
        if let Err(e) = renamed {
            let _ = unlink_at(&dir, &temp);
            return Err(self.io(key, "write")(e));
        }
        if durability == Durability::Synced {
            fsync_dir(&dir).map_err(self.io(key, "sync directory"))?;
        }
        Ok(())
    }

    fn put_if_absent(&self, key: &Key, bytes: &[u8], durability: Durability) -> Result<Put> {
        let (dir, name) = self.parent_of(key).map_err(self.io(key, "write"))?;
        let temp = self
            .write_temp(&dir, &name, bytes, durability)
            .map_err(self.io(key, "write"))?;
        // A hard link never replaces its target: the object appears complete or not at all.
        // SAFETY: valid descriptors and C strings.
        let linked = check(unsafe {
            libc::linkat(
                dir.as_raw_fd(),
                temp.as_ptr(),
                dir.as_raw_fd(),
                name.as_ptr(),
                0,
            )
        });
        let _ = unlink_at(&dir, &temp);
        match linked {
            Ok(_) => {}
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => return Ok(Put::Existed),
            Err(e) => return Err(self.io(key, "write")(e)),
        }
        if durability == Durability::Synced {
            fsync_dir(&dir).map_err(self.io(key, "sync directory"))?;
        }
        Ok(Put::Created)
    }

    fn list(&self, prefix: &Key, depth: Depth) -> Result<Vec<Entry>> {
        let dir = match self.open_dir_key(prefix) {
            Ok(d) => d,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => return Err(self.io(prefix, "list")(e)),
        };
        let mut out = Vec::new();
        list_into(&dir, "", depth, &mut out).map_err(self.io(prefix, "list"))?;
        Ok(out)
    }

    fn delete(&self, key: &Key) -> Result<bool> {
        let (dir, name) = match self.parent_of(key) {
            Ok(p) => p,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(false),
            Err(e) => return Err(self.io(key, "remove")(e)),
        };
        remove_at(&dir, &name).map_err(self.io(key, "remove"))
    }

    fn delete_tree(&self, key: &Key) -> Result<()> {
        let (dir, name) = match self.parent_of(key) {
            Ok(p) => p,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(()),
            Err(e) => return Err(self.io(key, "remove")(e)),
        };
        remove_tree_at(&dir, &name).map_err(self.io(key, "remove"))
    }

    fn stat(&self, key: &Key) -> Result<Option<ObjectMeta>> {
        if key.is_root() {
            let dir = open_dir(&self.root);
            return match dir.and_then(|d| crate::archive::fs::fstat(&d)) {
                Ok(st) => Ok(Some(meta_of(&st))),
                Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
                Err(e) => Err(self.io(key, "stat")(e)),
            };
        }
        let (dir, name) = match self.parent_of(key) {
            Ok(p) => p,
            // A missing prefix, or one that is not a directory: nothing is at the key.
            Err(e)
                if e.kind() == io::ErrorKind::NotFound
                    || matches!(e.raw_os_error(), Some(libc::ENOTDIR) | Some(libc::ELOOP)) =>
            {
                return Ok(None)
            }
            Err(e) => return Err(self.io(key, "stat")(e)),
        };
        match lstat_at(&dir, &name) {
            Ok(st) => Ok(st.as_ref().map(meta_of)),
            Err(e) => Err(self.io(key, "stat")(e)),
        }
    }

    fn create_dir(&self, key: &Key) -> Result<bool> {
        let (dir, name) = self
            .parent_of(key)
            .map_err(self.io(key, "create directory"))?;
        // SAFETY: valid descriptor and C string.
        match check(unsafe { libc::mkdirat(dir.as_raw_fd(), name.as_ptr(), 0o777) }) {
            Ok(_) => Ok(true),
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => Ok(false),
            Err(e) => Err(self.io(key, "create directory")(e)),
        }
    }

    fn create_dir_all(&self, key: &Key) -> Result<()> {
        let mut dir = open_dir(&self.root).map_err(self.io(key, "create directory"))?;
        for c in key.components() {
            let name = cstr(c).map_err(self.io(key, "create directory"))?;
            // SAFETY: valid descriptor and C string.
            match check(unsafe { libc::mkdirat(dir.as_raw_fd(), name.as_ptr(), 0o777) }) {
                Ok(_) => {}
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {}
                Err(e) => return Err(self.io(key, "create directory")(e)),
            }
            dir = openat(&dir, &name, libc::O_RDONLY | libc::O_DIRECTORY, 0)
                .map_err(self.io(key, "create directory"))?;
        }
        Ok(())
    }

    fn rename(&self, from: &Key, to: &Key, replace: Replace) -> Result<()> {
        let (from_dir, from_name) = self.parent_of(from).map_err(self.io(from, "rename"))?;
        let (to_dir, to_name) = self.parent_of(to).map_err(self.io(to, "rename"))?;
        let flags = match replace {
            Replace::Yes => 0,
            Replace::No => libc::RENAME_NOREPLACE,
        };
        // SAFETY: valid descriptors and C strings.
        check(unsafe {
            libc::renameat2(
                from_dir.as_raw_fd(),
                from_name.as_ptr(),
                to_dir.as_raw_fd(),
                to_name.as_ptr(),
                flags,
            )
        })
        .map_err(self.io(to, "rename"))?;
        // DURABILITY: the new name is on disk when this returns.
        fsync_dir(&to_dir).map_err(self.io(to, "sync directory"))
    }

    fn lock(&self, key: &Key, mode: LockMode) -> Result<Lock> {
        let fd = if key.is_root() {
            open_dir(&self.root)
        } else {
            self.parent_of(key)
                .and_then(|(dir, name)| openat(&dir, &name, libc::O_RDONLY, 0))
        }
        .map_err(self.io(key, "open for locking"))?;
        let op = match mode {
            LockMode::Shared => libc::LOCK_SH,
            LockMode::Exclusive => libc::LOCK_EX,
        } | libc::LOCK_NB;
        // A child being spawned by another thread holds a copy of every descriptor until its
        // exec closes them (O_CLOEXEC), so a lock this process just released may look held for
        // that moment: a few short retries before "busy".
        for attempt in 0..5 {
            // SAFETY: flock on a descriptor we own.
            match check(unsafe { libc::flock(fd.as_raw_fd(), op) }) {
                Ok(_) => return Ok(Lock::new(Box::new(fd))),
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                    if attempt == 4 {
                        break;
                    }
                    std::thread::sleep(std::time::Duration::from_millis(10));
                }
                Err(e) => return Err(self.io(key, "lock")(e)),
            }
        }
        Err(BackendError::Busy {
            at: self.locate(key),
        })
    }

    fn touch(&self, key: &Key) -> Result<bool> {
        let (dir, name) = match self.parent_of(key) {
            Ok(p) => p,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(false),
            Err(e) => return Err(self.io(key, "touch")(e)),
        };
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
        // SAFETY: valid descriptor, C string and timespec array.
        let ret = unsafe {
            libc::utimensat(
                dir.as_raw_fd(),
                name.as_ptr(),
                times.as_ptr(),
                libc::AT_SYMLINK_NOFOLLOW,
            )
        };
        match check(ret) {
            Ok(_) => Ok(true),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(false),
            Err(e) => Err(self.io(key, "touch")(e)),
        }
    }

    fn sync(&self, prefix: &Key) -> Result<()> {
        let dir = self.open_dir_key(prefix).map_err(self.io(prefix, "sync"))?;
        // SAFETY: syncfs on a descriptor we own.
        check(unsafe { libc::syncfs(dir.as_raw_fd()) })
            .map(|_| ())
            .map_err(self.io(prefix, "sync"))
    }

    fn space(&self) -> Result<Space> {
        space_of(&self.root).map_err(self.io(&Key::root(), "statvfs"))
    }
}

/// Whether the file name `name` is one of `temp_name`'s: a write in progress (or left by a
/// crash), never an object.
pub fn is_temp_name(name: &str) -> bool {
    name.contains(".tmp.") || name.contains(".tmp_")
}

/// The size and free space of the file system holding `path`.
pub fn space_of(path: &Path) -> io::Result<Space> {
    let c = CString::new(path.as_os_str().as_encoded_bytes())
        .map_err(|_| io::Error::from(io::ErrorKind::InvalidInput))?;
    // SAFETY: a zeroed statvfs is a valid out-parameter.
    let mut st: libc::statvfs = unsafe { std::mem::zeroed() };
    // SAFETY: valid C string and out-pointer.
    check(unsafe { libc::statvfs(c.as_ptr(), &mut st) })?;
    let frsize = st.f_frsize as u64;
    let total = st.f_blocks as u64 * frsize;
    Ok(Space {
        total,
        used: total.saturating_sub(st.f_bfree as u64 * frsize),
        avail: st.f_bavail as u64 * frsize,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(s: &str) -> Key {
        Key::new(s).unwrap()
    }

    fn backend() -> (tempfile::TempDir, FsBackend) {
        let dir = tempfile::tempdir().unwrap();
        let b = FsBackend::new(dir.path());
        (dir, b)
    }

    #[test]
    fn keys_that_could_leave_the_store_are_refused() {
        for bad in [
            "/etc/passwd",
            "..",
            "a/../../b",
            "a/./b",
            "a//b",
            "a/",
            "nul\0byte",
            &"x".repeat(256),
            &"a/".repeat(600),
        ] {
            let err = Key::new(bad).unwrap_err();
            assert!(matches!(err, BackendError::InvalidKey { .. }), "{bad:?}");
            assert_eq!(
                err.class(),
                Some(crate::util::error_class::ErrorClass::Usage)
            );
        }
        assert!(key("a").join("../b").is_err());
        let k = key(".chunks/abcd/ef01");
        assert_eq!(k.name(), "ef01");
        assert_eq!(k.parent(), Some(key(".chunks/abcd")));
        assert_eq!(key("a").parent(), Some(Key::root()));
        assert_eq!(Key::root().join("ns/a").unwrap(), key("ns/a"));
    }

    #[test]
    fn put_replaces_atomically_and_leaves_no_temp_file() {
        let (dir, b) = backend();
        let k = key("owner");
        b.put(&k, b"one", Durability::Synced).unwrap();
        b.put(&k, b"two", Durability::Synced).unwrap();
        b.put(&key("chunk"), b"c", Durability::Deferred).unwrap();
        assert_eq!(b.get(&k, 100).unwrap(), b"two");
        let mut names: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        names.sort();
        assert_eq!(names, ["chunk", "owner"], "no temp file left");
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(dir.path().join("owner"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o644);
        // The prefix must exist: a put creates no directories.
        assert!(b
            .put(&key("no/such"), b"x", Durability::Synced)
            .unwrap_err()
            .is_not_found());
    }

    #[test]
    fn put_if_absent_never_replaces() {
        let (_dir, b) = backend();
        for (dir, d) in [("s", Durability::Synced), ("d", Durability::Deferred)] {
            b.create_dir(&key(dir)).unwrap();
            let k = key(dir).join("client.log.blob").unwrap();
            assert_eq!(b.put_if_absent(&k, b"first", d).unwrap(), Put::Created);
            assert_eq!(b.put_if_absent(&k, b"second", d).unwrap(), Put::Existed);
            assert_eq!(b.get(&k, 100).unwrap(), b"first");
            assert_eq!(
                b.list(&key(dir), Depth::One).unwrap().len(),
                1,
                "no temp file"
            );
        }
    }

    #[test]
    fn get_is_capped_and_ranges_are_clipped() {
        let (_dir, b) = backend();
        let k = key("blob");
        b.put(&k, b"0123456789", Durability::Synced).unwrap();
        assert!(matches!(
            b.get(&k, 9).unwrap_err(),
            BackendError::TooLarge {
                size: 10,
                limit: 9,
                ..
            }
        ));
        assert_eq!(b.get_range(&k, 2, 3).unwrap(), b"234");
        assert_eq!(b.get_range(&k, 8, 100).unwrap(), b"89");
        assert_eq!(b.get_range(&k, 20, 5).unwrap(), b"");
        let missing = b.get(&key("nope"), 10).unwrap_err();
        assert!(missing.is_not_found());
        assert_eq!(
            missing.class(),
            Some(crate::util::error_class::ErrorClass::NotFound)
        );
    }

    #[test]
    fn list_one_level_and_recursive() {
        let (_dir, b) = backend();
        b.create_dir_all(&key(".chunks/abcd")).unwrap();
        b.create_dir_all(&key("host/web1/2024-01-01T00:00:00Z"))
            .unwrap();
        b.put(&key(".chunks/abcd/ef"), b"c", Durability::Deferred)
            .unwrap();
        b.put(&key("host/web1/owner"), b"me", Durability::Synced)
            .unwrap();
        b.put(
            &key("host/web1/2024-01-01T00:00:00Z/index.json.blob"),
            b"m",
            Durability::Synced,
        )
        .unwrap();
        let mut one: Vec<_> = b
            .list(&key("host/web1"), Depth::One)
            .unwrap()
            .into_iter()
            .map(|e| (e.name, e.meta.kind))
            .collect();
        one.sort_by(|a, b| a.0.cmp(&b.0));
        assert_eq!(
            one,
            [
                ("2024-01-01T00:00:00Z".to_string(), Kind::Prefix),
                ("owner".to_string(), Kind::Object)
            ]
        );
        let mut all: Vec<_> = b
            .list(&Key::root(), Depth::Recursive)
            .unwrap()
            .into_iter()
            .map(|e| e.name)
            .collect();
        all.sort();
        assert_eq!(
            all,
            [
                ".chunks/abcd/ef",
                "host/web1/2024-01-01T00:00:00Z/index.json.blob",
                "host/web1/owner"
            ]
        );
        assert!(b.list(&key("ns/none"), Depth::One).unwrap().is_empty());
    }

    #[test]
    fn delete_stat_touch_and_rename() {
        let (_dir, b) = backend();
        let k = key("a");
        assert_eq!(b.stat(&k).unwrap(), None);
        assert!(!b.touch(&k).unwrap());
        b.put(&k, b"abc", Durability::Synced).unwrap();
        let meta = b.stat(&k).unwrap().unwrap();
        assert_eq!((meta.kind, meta.size), (Kind::Object, 3));
        assert!(b.touch(&k).unwrap());
        assert!(b.stat(&k).unwrap().unwrap().accessed >= meta.accessed);
        b.create_dir(&key("d")).unwrap();
        assert!(!b.create_dir(&key("d")).unwrap());
        b.rename(&k, &key("d/a"), Replace::No).unwrap();
        b.put(&k, b"new", Durability::Synced).unwrap();
        assert!(b
            .rename(&k, &key("d/a"), Replace::No)
            .unwrap_err()
            .is_already_exists());
        assert!(b.delete(&key("d/a")).unwrap());
        assert!(!b.delete(&key("d/a")).unwrap());
        assert!(b.delete(&key("d")).unwrap(), "an empty prefix is removed");
        b.create_dir_all(&key("t/u/v")).unwrap();
        b.put(&key("t/u/v/w"), b"x", Durability::Synced).unwrap();
        assert!(b.delete(&key("t")).is_err(), "a full prefix is not");
        b.delete_tree(&key("t")).unwrap();
        assert_eq!(b.stat(&key("t")).unwrap(), None);
        b.delete_tree(&key("t")).unwrap();
    }

    #[test]
    fn symlinks_below_the_root_are_never_followed() {
        let dir = tempfile::tempdir().unwrap();
        let outside = dir.path().join("outside");
        std::fs::create_dir(&outside).unwrap();
        std::fs::write(outside.join("secret"), b"precious").unwrap();
        let root = dir.path().join("store");
        std::fs::create_dir(&root).unwrap();
        std::os::unix::fs::symlink(&outside, root.join("link")).unwrap();
        let b = FsBackend::new(&root);
        let through = key("link/secret");
        assert!(b.get(&through, 100).is_err());
        assert!(b.delete(&through).is_err());
        assert!(b.delete_tree(&through).is_err());
        assert!(b.put(&through, b"x", Durability::Synced).is_err());
        assert_eq!(b.stat(&through).unwrap(), None);
        assert_eq!(b.stat(&key("link")).unwrap().unwrap().kind, Kind::Link);
        assert!(b.list(&key("link"), Depth::One).is_err());
        let listed = b.list(&Key::root(), Depth::Recursive).unwrap();
        assert_eq!(listed.len(), 1);
        assert_eq!(listed[0].meta.kind, Kind::Link);
        // Removing the link removes the link only.
        assert!(b.delete(&key("link")).unwrap());
        assert_eq!(std::fs::read(outside.join("secret")).unwrap(), b"precious");
    }

    #[test]
    fn locks_conflict_and_are_released_on_drop() {
        let (_dir, b) = backend();
        b.put(&key(".lock"), b"", Durability::Synced).unwrap();
        let shared = b.lock(&key(".lock"), LockMode::Shared).unwrap();
        let _second = b.lock(&key(".lock"), LockMode::Shared).unwrap();
        let busy = b.lock(&key(".lock"), LockMode::Exclusive).unwrap_err();
        assert!(matches!(busy, BackendError::Busy { .. }));
        drop(shared);
        drop(_second);
        b.lock(&key(".lock"), LockMode::Exclusive).unwrap();
        b.sync(&Key::root()).unwrap();
        assert!(b.space().unwrap().total > 0);
    }

    #[test]
    fn the_fault_injector_fails_the_chosen_call_only() {
        use crate::repo::backend::faulty::{Fault, FaultyBackend, Op};
        let (_dir, b) = backend();
        let f = FaultyBackend::new(std::sync::Arc::new(b));
        f.inject(Fault::once(Op::Put, "x", 2, libc::ENOSPC));
        f.put(&key("x1"), b"1", Durability::Synced).unwrap();
        let err = f.put(&key("x2"), b"2", Durability::Synced).unwrap_err();
        assert!(err.to_string().contains("No space left"), "{err}");
        assert_eq!(
            f.stat(&key("x2")).unwrap(),
            None,
            "a failed put writes nothing"
        );
        f.put(&key("x3"), b"3", Durability::Synced).unwrap();
        f.put(&key("y"), b"3", Durability::Synced).unwrap();
    }
}
