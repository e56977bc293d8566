//! The restore writer: the only code that creates files from an archive.
//!
//! Every path is resolved from the target directory's fd one component at a time with
//! `O_NOFOLLOW`; names are checked again here; hard links may only point at files this restore
//! created; nothing is ever written through a symlink or outside the target (reliability.md P6).

use super::acl;
use super::create::is_archived_xattr;
use super::fs::{check, lstat_at, openat};
use crate::format::error::FormatError;
use crate::format::pxar::decoder::Decoder;
use crate::format::pxar::{Entry, EntryKind, Metadata};
use std::collections::HashSet;
use std::ffi::CString;
use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::os::fd::{AsRawFd, OwnedFd};
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use thiserror::Error;

/// A restore failure, naming the archive entry.
#[derive(Debug, Error)]
pub enum RestoreError {
    #[error("{path}: {action}: {source}")]
    Io {
        path: String,
        action: &'static str,
        source: io::Error,
    },
    #[error("{path}: refused: {reason}")]
    Refused { path: String, reason: String },
    #[error(transparent)]
    Format(#[from] FormatError),
}

impl RestoreError {
    /// The class of this failure (for exit statuses).
    pub fn class(&self) -> Option<crate::util::error_class::ErrorClass> {
        match self {
            RestoreError::Io { source, .. } => Some(crate::util::error_class::of_io(source)),
            RestoreError::Format(e) => e.class(),
            RestoreError::Refused { .. } => None,
        }
    }
}

pub type Result<T, E = RestoreError> = std::result::Result<T, E>;

/// What a restore may do beyond creating new files.
#[derive(Debug, Clone)]
pub struct RestoreOptions {
    /// What may be replaced when a name being created exists (never a directory with a
    /// non-directory).
    pub overwrite: Overwrite,
    /// Restore into directories that already exist (merge); off, an existing directory is
    /// refused, as PBS's restore does without `--allow-existing-dirs`.
    pub allow_existing_dirs: bool,
    /// Restore owners (only root can; others keep their own uid/gid).
    pub restore_ownership: bool,
    /// Restore extended attributes and file capabilities.
    pub restore_xattrs: bool,
    /// Restore POSIX ACLs.
    pub restore_acls: bool,
    /// Restore permission bits (off: files stay 0600 and directories 0700, as created).
    pub restore_permissions: bool,
    /// Create device nodes (needs root).
    pub restore_devices: bool,
    /// A device node that cannot be created is a warning, not an error.
    pub ignore_device_errors: bool,
    /// Restore only entries matching these patterns (gitignore style; directories on the way
    /// are created); empty restores everything.
    pub patterns: Vec<String>,
    /// The target's last component is a name this restore creates (as `get DIR LOCAL/` does),
    /// not one the user named: a symlink standing there is never followed; it is refused, or
    /// replaced with `overwrite`. The components above it are the user's and are followed.
    pub no_follow_target: bool,
    /// Counts each file as it is restored (for a progress display).
    pub file_counter: Option<Arc<AtomicU64>>,
    /// Stops the restore between entries (by default Ctrl-C's: `cancel::ctrl_c()`).
    pub cancel: crate::util::cancel::CancelToken,
}

/// What a restore may replace when a name it creates already exists (PBS's overwrite flags).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Overwrite {
    /// Regular files and special files.
    pub files: bool,
    pub symlinks: bool,
    pub hardlinks: bool,
}

impl Overwrite {
    /// Everything (`--overwrite`).
    pub const ALL: Overwrite = Overwrite {
        files: true,
        symlinks: true,
        hardlinks: true,
    };

    pub fn any(self) -> bool {
        self.files || self.symlinks || self.hardlinks
    }
}

impl From<bool> for Overwrite {
    fn from(all: bool) -> Self {
        if all {
            Overwrite::ALL
        } else {
            Overwrite::default()
        }
    }
}

impl Default for RestoreOptions {
    fn default() -> Self {
        // SAFETY: geteuid has no preconditions.
        let is_root = unsafe { libc::geteuid() } == 0;
        RestoreOptions {
            overwrite: Overwrite::default(),
            allow_existing_dirs: true,
            restore_ownership: is_root,
            restore_xattrs: true,
            restore_acls: true,
            restore_permissions: true,
            restore_devices: is_root,
            ignore_device_errors: false,
            patterns: Vec::new(),
            no_follow_target: false,
            file_counter: None,
            cancel: crate::util::cancel::CancelToken::default(),
        }
    }
}

/// What a restore did, and what it could not do but went on without.
#[derive(Debug, Default, Clone)]
pub struct RestoreStats {
    pub directories: u64,
    pub files: u64,
    pub bytes: u64,
    pub other: u64,
    pub warnings: Vec<String>,
}

struct OpenDir {
    /// Archive path of this directory (after sub-path stripping).
    path: Vec<u8>,
    fd: OwnedFd,
    metadata: Metadata,
    names: NameSet,
}

/// Writes archive entries below one target directory.
pub struct Restorer {
    stack: Vec<OpenDir>,
    /// Regular files this restore created, by archive path: the only hard-link targets allowed.
    created_files: NameSet,
    options: RestoreOptions,
    stats: RestoreStats,
    /// File contents pass through here (allocated once, not per file).
    copy_buf: Vec<u8>,
}

/// A set of byte strings kept as 128-bit keyed hashes (two SipHash-1-3 with random keys): 16
/// bytes an entry instead of the name, so a directory of a million names or a restore of a
/// million files stays small. A hostile archive cannot aim at a collision (the keys are secret
/// and new per set), and a chance one is about 2^-88 at a million names.
struct NameSet {
    keys: (
        std::collections::hash_map::RandomState,
        std::collections::hash_map::RandomState,
    ),
    hashes: HashSet<u128>,
}

impl NameSet {
    fn new() -> Self {
        NameSet {
            keys: Default::default(),
            hashes: HashSet::new(),
        }
    }

    fn key(&self, name: &[u8]) -> u128 {
        use std::hash::BuildHasher;
        (u128::from(self.keys.0.hash_one(name)) << 64) | u128::from(self.keys.1.hash_one(name))
    }

    /// True when `name` was not in the set.
    fn insert(&mut self, name: &[u8]) -> bool {
        let key = self.key(name);
        self.hashes.insert(key)
    }

    fn contains(&self, name: &[u8]) -> bool {
        self.hashes.contains(&self.key(name))
    }
}

fn lossy(path: &[u8]) -> String {
    String::from_utf8_lossy(path).into_owned()
}

fn io_at<'a>(path: &'a [u8], action: &'static str) -> impl FnOnce(io::Error) -> RestoreError + 'a {
    move |source| RestoreError::Io {
        path: lossy(path),
        action,
        source,
    }
}

fn refused(path: &[u8], reason: impl Into<String>) -> RestoreError {
    RestoreError::Refused {
        path: lossy(path),
        reason: reason.into(),
    }
}

fn cstring(path: &[u8], bytes: &[u8]) -> Result<CString> {
    CString::new(bytes).map_err(|_| refused(path, "name contains a NUL byte"))
}

/// Opens (creating it if missing) the target directory whose last component this restore
/// creates: the parent is the user's and is followed; the last component is resolved from the
/// parent's fd with `O_NOFOLLOW`, so a symlink standing there is refused, or replaced when
/// `overwrite` is set (as the restore writer treats every other name).
fn open_target_nofollow(target: &Path, shown: &[u8], overwrite: bool) -> Result<OwnedFd> {
    let name = target
        .file_name()
        .ok_or_else(|| refused(shown, "restore target has no final name"))?;
    let parent = match target.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    std::fs::create_dir_all(parent).map_err(io_at(shown, "create parent directory"))?;
    let parent = File::open(parent).map_err(io_at(shown, "open parent directory"))?;
    let parent = OwnedFd::from(parent);
    let cname = cstring(shown, name.as_encoded_bytes())?;
    let mkdir = || {
        // SAFETY: valid descriptor and C string.
        check(unsafe { libc::mkdirat(parent.as_raw_fd(), cname.as_ptr(), 0o700) })
            .map_err(io_at(shown, "create directory"))
    };
    match lstat_at(&parent, &cname).map_err(io_at(shown, "stat"))? {
        None => {
            mkdir()?;
        }
        Some(st) if st.st_mode & libc::S_IFMT == libc::S_IFDIR => {}
        Some(st) => {
            let what = if st.st_mode & libc::S_IFMT == libc::S_IFLNK {
                "a symlink"
            } else {
                "a non-directory"
            };
            if !overwrite {
                return Err(refused(
                    shown,
                    format!("{what} is in the way (never followed; use --overwrite to replace it)"),
                ));
            }
            // SAFETY: valid descriptor and C string; unlinkat never follows the final symlink.
            check(unsafe { libc::unlinkat(parent.as_raw_fd(), cname.as_ptr(), 0) })
                .map_err(io_at(shown, "remove existing file"))?;
            mkdir()?;
        }
    }
    openat(
        &parent,
        &cname,
        libc::O_RDONLY | libc::O_DIRECTORY | libc::O_NOFOLLOW,
        0,
    )
    .map_err(io_at(shown, "open directory (not following symlinks)"))
}

impl Restorer {
    /// Restores into `target`, creating it if needed. The target itself may be a symlink the
    /// user named (unless `options.no_follow_target`); nothing below it is followed.
    pub fn new(target: &Path, root_path: &[u8], options: RestoreOptions) -> Result<Self> {
        let shown = target.as_os_str().as_encoded_bytes().to_vec();
        let fd = if options.no_follow_target {
            open_target_nofollow(target, &shown, options.overwrite.any())?
        } else {
            std::fs::create_dir_all(target).map_err(io_at(&shown, "create target directory"))?;
            let file = File::open(target).map_err(io_at(&shown, "open target directory"))?;
            if !file
                .metadata()
                .map_err(io_at(&shown, "stat target"))?
                .is_dir()
            {
                return Err(refused(&shown, "restore target is not a directory"));
            }
            OwnedFd::from(file)
        };
        Ok(Restorer {
            stack: vec![OpenDir {
                path: root_path.to_vec(),
                fd,
                metadata: Metadata::default(),
                names: NameSet::new(),
            }],
            created_files: NameSet::new(),
            options,
            stats: RestoreStats::default(),
            copy_buf: Vec::new(),
        })
    }

    /// Restores one entry; `content` supplies a regular file's bytes. Entries must come in
    /// archive order (a directory before its children).
    pub fn restore_entry(&mut self, entry: &Entry, content: &mut dyn Read) -> Result<()> {
        let path = entry.path.as_slice();
        if self.stack.len() == 1 && self.stack[0].path == path {
            // The archive (or sub-path) root maps onto the target directory itself.
            if !matches!(entry.kind, EntryKind::Directory) {
                return Err(refused(path, "the restored root is not a directory"));
            }
            self.stack[0].metadata = entry.metadata.clone();
            return Ok(());
        }
        let (parent, name) = split_parent(path).ok_or_else(|| refused(path, "invalid path"))?;
        if name.is_empty()
            || name == b"."
            || name == b".."
            || name.contains(&b'/')
            || name.contains(&0)
        {
            return Err(refused(path, "invalid file name"));
        }
        while self.stack.last().is_some_and(|top| top.path != parent) {
            if self.stack.len() == 1 {
                return Err(refused(
                    path,
                    "entry is not inside the directory being restored (archive out of order)",
                ));
            }
            self.close_top()?;
        }
        let top = self
            .stack
            .last_mut()
            .ok_or_else(|| refused(path, "no open directory"))?;
        if !top.names.insert(name) {
            return Err(refused(path, "duplicate name in one directory"));
        }
        let cname = cstring(path, name)?;
        match &entry.kind {
            EntryKind::Directory => self.make_directory(entry, &cname),
            EntryKind::File { size, .. } => self.make_file(entry, &cname, *size, content),
            EntryKind::Symlink { target } => self.make_symlink(entry, &cname, target),
            EntryKind::Hardlink { target } => self.make_hardlink(entry, &cname, target),
            EntryKind::Device { major, minor } => {
                if !self.options.restore_devices {
                    self.stats.warnings.push(format!(
                        "{}: device node skipped (needs root)",
                        entry.path_lossy()
                    ));
                    return Ok(());
                }
                let dev = libc::makedev(*major as u32, *minor as u32);
                match self.make_node(entry, &cname, dev) {
                    Err(e) if self.options.ignore_device_errors => {
                        self.stats.warnings.push(format!("{e} (ignored)"));
                        Ok(())
                    }
                    other => other,
                }
            }
            EntryKind::Fifo | EntryKind::Socket => self.make_node(entry, &cname, 0),
        }
    }

    /// Applies the metadata of the directories still open and returns the statistics.
    pub fn finish(mut self) -> Result<RestoreStats> {
        while self.stack.len() > 1 {
            self.close_top()?;
        }
        if let Some(root) = self.stack.pop() {
            let file = File::from(root.fd);
            self.apply_fd_metadata(&root.path, &file, &root.metadata)?;
        }
        Ok(self.stats)
    }

    fn top_fd(&self) -> Result<&OwnedFd> {
        self.stack
            .last()
            .map(|d| &d.fd)
            .ok_or_else(|| refused(b"/", "no open directory"))
    }

    /// Makes room for a new non-directory entry: refuses or removes what is there. `allowed`
    /// is the overwrite flag for this kind of entry, `flag` its option's name.
    fn clear_name(&self, path: &[u8], cname: &CString, allowed: bool, flag: &str) -> Result<()> {
        let dir = self.top_fd()?;
        let Some(st) = lstat_at(dir, cname).map_err(io_at(path, "stat"))? else {
            return Ok(());
        };
        if !allowed {
            return Err(refused(
                path,
                format!("already exists (use --overwrite or {flag} to replace it)"),
            ));
        }
        if st.st_mode & libc::S_IFMT == libc::S_IFDIR {
            return Err(refused(path, "a directory is in the way"));
        }
        // SAFETY: valid descriptor and C string; unlinkat never follows the final symlink.
        check(unsafe { libc::unlinkat(dir.as_raw_fd(), cname.as_ptr(), 0) })
            .map_err(io_at(path, "remove existing file"))?;
        Ok(())
    }

    fn make_directory(&mut self, entry: &Entry, cname: &CString) -> Result<()> {
        let path = entry.path.as_slice();
        let dir = self.top_fd()?;
        match lstat_at(dir, cname).map_err(io_at(path, "stat"))? {
            Some(st) if st.st_mode & libc::S_IFMT == libc::S_IFDIR => {
                if !self.options.allow_existing_dirs {
                    return Err(refused(
                        path,
                        "directory already exists (use --allow-existing-dirs to restore into it)",
                    ));
                }
            }
            Some(_) => {
                self.clear_name(
                    path,
                    cname,
                    self.options.overwrite.files,
                    "--overwrite-files",
                )?;
                self.mkdir(path, cname)?;
            }
            None => self.mkdir(path, cname)?,
        }
        let fd = openat(
            self.top_fd()?,
            cname,
            libc::O_RDONLY | libc::O_DIRECTORY | libc::O_NOFOLLOW,
            0,
        )
        .map_err(io_at(path, "open directory (not following symlinks)"))?;
        self.stack.push(OpenDir {
            path: path.to_vec(),
            fd,
            metadata: entry.metadata.clone(),
            names: NameSet::new(),
        });
        self.stats.directories += 1;
        Ok(())
    }

    fn mkdir(&self, path: &[u8], cname: &CString) -> Result<()> {
        // SAFETY: valid descriptor and C string.
        check(unsafe { libc::mkdirat(self.top_fd()?.as_raw_fd(), cname.as_ptr(), 0o700) })
            .map_err(io_at(path, "create directory"))?;
        Ok(())
    }

    fn make_file(
        &mut self,
        entry: &Entry,
        cname: &CString,
        size: u64,
        content: &mut dyn Read,
    ) -> Result<()> {
        let path = entry.path.as_slice();
        self.clear_name(
            path,
            cname,
            self.options.overwrite.files,
            "--overwrite-files",
        )?;
        let fd = openat(
            self.top_fd()?,
            cname,
            libc::O_WRONLY | libc::O_CREAT | libc::O_EXCL | libc::O_NOFOLLOW,
            0o600,
        )
        .map_err(io_at(path, "create file"))?;
        let mut file = File::from(fd);
        write_sparse(&mut file, size, content, &mut self.copy_buf)
            .map_err(io_at(path, "write file"))?;
        self.apply_fd_metadata(path, &file, &entry.metadata)?;
        self.created_files.insert(path);
        self.stats.files += 1;
        if let Some(c) = &self.options.file_counter {
            c.fetch_add(1, Ordering::Relaxed);
        }
        self.stats.bytes += size;
        Ok(())
    }

    fn make_symlink(&mut self, entry: &Entry, cname: &CString, target: &[u8]) -> Result<()> {
        let path = entry.path.as_slice();
        self.clear_name(
            path,
            cname,
            self.options.overwrite.symlinks,
            "--overwrite-symlinks",
        )?;
        let ctarget = cstring(path, target)?;
        // SAFETY: valid C strings and descriptor; the link's target is stored, never followed.
        check(unsafe {
            libc::symlinkat(ctarget.as_ptr(), self.top_fd()?.as_raw_fd(), cname.as_ptr())
        })
        .map_err(io_at(path, "create symlink"))?;
        self.apply_path_metadata(path, cname, &entry.metadata)?;
        self.stats.other += 1;
        Ok(())
    }

    fn make_hardlink(&mut self, entry: &Entry, cname: &CString, target: &[u8]) -> Result<()> {
        let path = entry.path.as_slice();
        // The stored target is relative to the archive root; map it like entry paths.
        let mut target_path = b"/".to_vec();
        target_path.extend_from_slice(target);
        let root = self
            .stack
            .first()
            .map(|d| d.path.clone())
            .unwrap_or_default();
        let relative = strip_root(&target_path, &root)
            .ok_or_else(|| refused(path, "hard link target is outside the restored tree"))?;
        if !self.created_files.contains(&target_path) {
            return Err(refused(
                path,
                format!(
                    "hard link target {:?} is not a file this restore created",
                    lossy(target)
                ),
            ));
        }
        self.clear_name(
            path,
            cname,
            self.options.overwrite.hardlinks,
            "--overwrite-hardlinks",
        )?;
        // Walk to the target's directory from the root fd, never following symlinks.
        let (dir_fd, base) = self.open_parent_nofollow(path, &relative)?;
        let cbase = cstring(path, base)?;
        // SAFETY: valid descriptors and C strings; flags 0: linkat does not follow a final symlink.
        check(unsafe {
            libc::linkat(
                dir_fd.as_raw_fd(),
                cbase.as_ptr(),
                self.top_fd()?.as_raw_fd(),
                cname.as_ptr(),
                0,
            )
        })
        .map_err(io_at(path, "create hard link"))?;
        self.stats.other += 1;
        Ok(())
    }

    fn open_parent_nofollow<'a>(
        &self,
        path: &[u8],
        relative: &'a [u8],
    ) -> Result<(OwnedFd, &'a [u8])> {
        let root = self
            .stack
            .first()
            .ok_or_else(|| refused(path, "no open directory"))?;
        let mut components: Vec<&[u8]> = relative
            .split(|b| *b == b'/')
            .filter(|c| !c.is_empty())
            .collect();
        let base = components
            .pop()
            .ok_or_else(|| refused(path, "empty hard link target"))?;
        let mut fd = root
            .fd
            .try_clone()
            .map_err(io_at(path, "duplicate descriptor"))?;
        for component in components {
            if component == b".." || component == b"." {
                return Err(refused(path, "hard link target contains '.' or '..'"));
            }
            let c = cstring(path, component)?;
            fd = openat(
                &fd,
                &c,
                libc::O_RDONLY | libc::O_DIRECTORY | libc::O_NOFOLLOW,
                0,
            )
            .map_err(io_at(
                path,
                "open hard link target directory (not following symlinks)",
            ))?;
        }
        Ok((fd, base))
    }

    fn make_node(&mut self, entry: &Entry, cname: &CString, dev: libc::dev_t) -> Result<()> {
        let path = entry.path.as_slice();
        self.clear_name(
            path,
            cname,
            self.options.overwrite.files,
            "--overwrite-files",
        )?;
        let mode = (entry.metadata.mode & 0o17_7777) as libc::mode_t;
        // SAFETY: valid descriptor and C string.
        check(unsafe {
            libc::mknodat(
                self.top_fd()?.as_raw_fd(),
                cname.as_ptr(),
                mode & !0o7000,
                dev,
            )
        })
        .map_err(io_at(path, "create special file"))?;
        self.apply_path_metadata(path, cname, &entry.metadata)?;
        self.stats.other += 1;
        Ok(())
    }

    fn close_top(&mut self) -> Result<()> {
        if let Some(dir) = self.stack.pop() {
            let file = File::from(dir.fd);
            self.apply_fd_metadata(&dir.path, &file, &dir.metadata)?;
        }
        Ok(())
    }

    /// Owner, xattrs, ACLs, capabilities, mode and mtime through an open descriptor.
    fn apply_fd_metadata(&mut self, path: &[u8], file: &File, m: &Metadata) -> Result<()> {
        let fd = file.as_raw_fd();
        if self.options.restore_ownership {
            // SAFETY: valid descriptor.
            if let Err(e) = check(unsafe { libc::fchown(fd, m.uid, m.gid) }) {
                self.stats
                    .warnings
                    .push(format!("{}: cannot restore owner: {e}", lossy(path)));
            }
        }
        if self.options.restore_xattrs || self.options.restore_acls {
            // Only the names PBS archives and restores (`pxar extract` skips the others too).
            let mut attrs: Vec<(Vec<u8>, Vec<u8>)> = Vec::with_capacity(m.xattrs.len() + 3);
            let xattrs = if self.options.restore_xattrs {
                m.xattrs.as_slice()
            } else {
                &[]
            };
            for (name, value) in xattrs {
                if is_archived_xattr(name) {
                    attrs.push((name.clone(), value.clone()));
                } else {
                    self.stats.warnings.push(format!(
                        "{}: skipped extended attribute {}",
                        lossy(path),
                        lossy(name)
                    ));
                }
            }
            if self.options.restore_acls {
                if let Some(value) = acl::access_xattr(&m.acl, m.mode) {
                    attrs.push((acl::ACCESS_XATTR.as_bytes().to_vec(), value));
                }
                if let Some(value) = acl::default_xattr(&m.acl) {
                    attrs.push((acl::DEFAULT_XATTR.as_bytes().to_vec(), value));
                }
            }
            if let (true, Some(caps)) = (self.options.restore_xattrs, &m.fcaps) {
                attrs.push((b"security.capability".to_vec(), caps.clone()));
            }
            for (name, value) in attrs {
                let Ok(cname) = CString::new(name.clone()) else {
                    continue;
                };
                // SAFETY: valid descriptor, C string and value buffer.
                let ret = unsafe {
                    libc::fsetxattr(fd, cname.as_ptr(), value.as_ptr().cast(), value.len(), 0)
                };
                if let Err(e) = check(ret) {
                    self.stats.warnings.push(format!(
                        "{}: cannot restore attribute {}: {e}",
                        lossy(path),
                        lossy(&name)
                    ));
                }
            }
        }
        if self.options.restore_permissions {
            // SAFETY: valid descriptor.
            check(unsafe { libc::fchmod(fd, (m.mode & 0o7777) as libc::mode_t) })
                .map_err(io_at(path, "set mode"))?;
        }
        let times = [
            libc::timespec {
                tv_sec: 0,
                tv_nsec: libc::UTIME_OMIT,
            },
            mtime_spec(m),
        ];
        // SAFETY: valid descriptor and a two-element timespec array.
        check(unsafe { libc::futimens(fd, times.as_ptr()) })
            .map_err(io_at(path, "set modification time"))?;
        Ok(())
    }

    /// Owner and mtime of a symlink or special file, by name, never following it.
    fn apply_path_metadata(&mut self, path: &[u8], cname: &CString, m: &Metadata) -> Result<()> {
        let dir = self.top_fd()?.as_raw_fd();
        if self.options.restore_ownership {
            // SAFETY: valid descriptor and C string; AT_SYMLINK_NOFOLLOW changes the link itself.
            if let Err(e) = check(unsafe {
                libc::fchownat(dir, cname.as_ptr(), m.uid, m.gid, libc::AT_SYMLINK_NOFOLLOW)
            }) {
                self.stats
                    .warnings
                    .push(format!("{}: cannot restore owner: {e}", lossy(path)));
            }
        }
        if self.options.restore_permissions && m.file_type() != crate::format::pxar::S_IFLNK {
            // SAFETY: valid descriptor and C string.
            check(unsafe {
                libc::fchmodat(dir, cname.as_ptr(), (m.mode & 0o777) as libc::mode_t, 0)
            })
            .map_err(io_at(path, "set mode"))?;
        }
        let times = [
            libc::timespec {
                tv_sec: 0,
                tv_nsec: libc::UTIME_OMIT,
            },
            mtime_spec(m),
        ];
        // SAFETY: valid descriptor, C string and timespec array.
        check(unsafe {
            libc::utimensat(
                dir,
                cname.as_ptr(),
                times.as_ptr(),
                libc::AT_SYMLINK_NOFOLLOW,
            )
        })
        .map_err(io_at(path, "set modification time"))?;
        if !m.xattrs.is_empty() {
            self.stats.warnings.push(format!(
                "{}: extended attributes on special files are not restored",
                lossy(path)
            ));
        }
        Ok(())
    }
}

fn mtime_spec(m: &Metadata) -> libc::timespec {
    libc::timespec {
        tv_sec: m.mtime_secs as libc::time_t,
        tv_nsec: m.mtime_nanos as libc::c_long,
    }
}

/// Splits `/a/b` into (`/a`, `b`) and `/a` into (`/`, `a`).
fn split_parent(path: &[u8]) -> Option<(&[u8], &[u8])> {
    let slash = path.iter().rposition(|b| *b == b'/')?;
    let parent = if slash == 0 {
        &path[..1]
    } else {
        &path[..slash]
    };
    Some((parent, &path[slash + 1..]))
}

/// The part of `path` below `root` (`None` when outside).
fn strip_root(path: &[u8], root: &[u8]) -> Option<Vec<u8>> {
    if root == b"/" {
        return Some(path.to_vec());
    }
    let rest = path.strip_prefix(root)?;
    (rest.is_empty() || rest.first() == Some(&b'/')).then(|| rest.to_vec())
}

/// Copies exactly `size` bytes, leaving holes for all-zero 4 KiB blocks; data between holes
/// goes out in one write per buffer, not one per block.
#[allow(clippy::indexing_slicing)] // `want <= buf.len()`, `n <= want`, `start <= at <= n`
fn write_sparse(
    file: &mut File,
    size: u64,
    content: &mut dyn Read,
    buf: &mut Vec<u8>,
) -> io::Result<()> {
    const BLOCK: usize = 4096;
    const BUF: usize = 1024 * 1024;
    if buf.len() < BUF {
        buf.resize(BUF, 0);
    }
    let mut left = size;
    let mut pending_hole = 0u64;
    while left > 0 {
        let want = (buf.len() as u64).min(left) as usize;
        let n = content.read(&mut buf[..want])?;
        if n == 0 {
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                "archive ended inside the file",
            ));
        }
        let filled = &buf[..n];
        let mut data_start: Option<usize> = None;
        for (i, piece) in filled.chunks(BLOCK).enumerate() {
            let at = i * BLOCK;
            if piece.len() == BLOCK && crate::util::zeros::is_zero(piece) {
                if let Some(start) = data_start.take() {
                    file.write_all(&filled[start..at])?;
                }
                pending_hole += BLOCK as u64;
            } else if data_start.is_none() {
                if pending_hole > 0 {
                    file.seek(SeekFrom::Current(pending_hole as i64))?;
                    pending_hole = 0;
                }
                data_start = Some(at);
            }
        }
        if let Some(start) = data_start {
            file.write_all(&filled[start..])?;
        }
        left -= n as u64;
    }
    if pending_hole > 0 {
        file.set_len(size)?;
    }
    Ok(())
}

fn restore_one<R: Read, P: Read>(
    restorer: &mut Restorer,
    entry: &Entry,
    decoder: &mut Decoder<R>,
    payload: Option<&mut SplitPayload<P>>,
) -> Result<()> {
    match (&entry.kind, payload) {
        (
            EntryKind::File {
                size,
                payload_offset,
                split: true,
            },
            Some(p),
        ) => {
            let header_offset = payload_offset.saturating_sub(16);
            let mut reader = p.file(&entry.path, header_offset, *size)?;
            restorer.restore_entry(entry, &mut reader)
        }
        (EntryKind::File { split: true, .. }, None) => Err(refused(
            &entry.path,
            "split archive restored without its payload stream",
        )),
        _ => restorer.restore_entry(entry, &mut PayloadReader(decoder)),
    }
}

/// `--pattern` selection state: which directories wait to be created for a later match.
struct Selection {
    patterns: super::exclude::MatchList,
    /// Unrestored directories enclosing the current entry, outermost first.
    pending: Vec<Entry>,
    /// Selected directories whose whole subtree is restored.
    selected_dirs: Vec<Vec<u8>>,
    matched: usize,
}

/// Reads the current file's payload from a decoder.
pub struct PayloadReader<'a, R: Read>(pub &'a mut Decoder<R>);

impl<R: Read> Read for PayloadReader<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.0.read_payload(buf)
    }
}

/// Restores a whole archive, or the sub-tree at `sub_path` (e.g. `/etc`), into `target`.
pub fn restore_archive<R: Read>(
    decoder: &mut Decoder<R>,
    target: &Path,
    sub_path: &[u8],
    options: RestoreOptions,
) -> Result<RestoreStats> {
    restore_archive_with_payload::<R, io::Empty>(decoder, None, target, sub_path, options)
}

/// Reads file contents of a split archive from its payload stream, front to back.
pub struct SplitPayload<P: Read> {
    input: P,
    position: u64,
    started: bool,
}

impl<P: Read> SplitPayload<P> {
    pub fn new(input: P) -> Self {
        SplitPayload {
            input,
            position: 0,
            started: false,
        }
    }

    /// A reader for the file whose PAYLOAD item starts at `header_offset` (references only move
    /// forward, as the format requires).
    fn file(&mut self, path: &[u8], header_offset: u64, size: u64) -> Result<io::Take<&mut P>> {
        use crate::format::pxar::{PXAR_PAYLOAD, PXAR_PAYLOAD_START_MARKER};
        if !self.started {
            let mut marker = [0u8; 16];
            self.input
                .read_exact(&mut marker)
                .map_err(io_at(path, "read payload stream"))?;
            self.position = 16;
            self.started = true;
            if u64::from_le_bytes(marker[..8].try_into().unwrap_or_default())
                != PXAR_PAYLOAD_START_MARKER
            {
                return Err(refused(
                    path,
                    "payload stream does not start with its marker",
                ));
            }
        }
        if header_offset < self.position {
            return Err(refused(path, "payload reference points backwards"));
        }
        let gap = header_offset - self.position;
        let skipped = io::copy(&mut (&mut self.input).take(gap), &mut io::sink())
            .map_err(io_at(path, "read payload stream"))?;
        if skipped != gap {
            return Err(refused(path, "payload stream ends before the file"));
        }
        let mut header = [0u8; 16];
        self.input
            .read_exact(&mut header)
            .map_err(io_at(path, "read payload stream"))?;
        let htype = u64::from_le_bytes(header[..8].try_into().unwrap_or_default());
        let full = u64::from_le_bytes(header[8..].try_into().unwrap_or_default());
        if htype != PXAR_PAYLOAD || full != size.saturating_add(16) {
            return Err(refused(
                path,
                "payload reference does not point at the file's contents",
            ));
        }
        self.position = header_offset + 16 + size;
        Ok((&mut self.input).take(size))
    }
}

/// Restores a unified archive (`payload` is `None`) or a split one (its payload stream given).
pub fn restore_archive_with_payload<R: Read, P: Read>(
    decoder: &mut Decoder<R>,
    mut payload: Option<&mut SplitPayload<P>>,
    target: &Path,
    sub_path: &[u8],
    options: RestoreOptions,
) -> Result<RestoreStats> {
    let root: Vec<u8> = if sub_path.is_empty() || sub_path == b"/" {
        b"/".to_vec()
    } else {
        let mut p = b"/".to_vec();
        p.extend_from_slice(sub_path.strip_prefix(b"/").unwrap_or(sub_path));
        p
    };
    let mut restorer: Option<Restorer> = None;
    let mut found = false;
    let mut selection = (!options.patterns.is_empty()).then(|| {
        let mut patterns = super::exclude::MatchList::new();
        patterns.add_patterns(options.patterns.iter().map(String::as_str));
        Selection {
            patterns,
            pending: Vec::new(),
            selected_dirs: Vec::new(),
            matched: 0,
        }
    });
    while let Some(entry) = decoder.next_entry()? {
        // Ctrl-C stops between entries: every file written so far is whole.
        if let Err(source) = options.cancel.check() {
            return Err(RestoreError::Io {
                path: entry.path_lossy(),
                action: "restore",
                source,
            });
        }
        let inside =
            entry.path == root || strip_root(&entry.path, &root).is_some_and(|r| !r.is_empty());
        if !inside {
            continue;
        }
        found = true;
        if restorer.is_none() {
            if entry.path == root && !matches!(entry.kind, EntryKind::Directory) {
                // A single file: restore it into the target under its own name.
                let (_, name) = split_parent(&entry.path)
                    .ok_or_else(|| refused(&entry.path, "invalid path"))?;
                let mut single = Restorer::new(target, b"/", options.clone())?;
                let mut renamed = entry.clone();
                renamed.path = [b"/".as_slice(), name].concat();
                restore_one(&mut single, &renamed, decoder, payload.as_deref_mut())?;
                return single.finish();
            }
            restorer = Some(Restorer::new(target, &root, options.clone())?);
        }
        if let Some(r) = restorer.as_mut() {
            match selection.as_mut() {
                None => restore_one(r, &entry, decoder, payload.as_deref_mut())?,
                Some(sel) => {
                    // Directories on the way to a selected entry are restored when it is.
                    let relative = strip_root(&entry.path, &root).unwrap_or_default();
                    let relative = relative.strip_prefix(b"/").unwrap_or(&relative).to_vec();
                    sel.pending.retain(|d: &Entry| {
                        entry.path.starts_with(&d.path)
                            && entry.path.get(d.path.len()) == Some(&b'/')
                    });
                    let under_selected = sel.selected_dirs.iter().any(|d| {
                        entry.path.starts_with(d) && entry.path.get(d.len()) == Some(&b'/')
                    });
                    sel.selected_dirs.retain(|d| {
                        entry.path.starts_with(d) && entry.path.get(d.len()) == Some(&b'/')
                    });
                    let is_dir = matches!(entry.kind, EntryKind::Directory);
                    // The last matching pattern decides (`!P` takes back; exclude.rs calls a
                    // plain pattern's decision `Exclude`); unmatched entries follow their
                    // selected directory.
                    let chosen = entry.path == root
                        || match sel.patterns.matches(&relative, is_dir) {
                            Some(decision) => decision == super::exclude::MatchType::Exclude,
                            None => under_selected,
                        };
                    if chosen {
                        for dir in std::mem::take(&mut sel.pending) {
                            restore_one(r, &dir, decoder, payload.as_deref_mut())?;
                        }
                        restore_one(r, &entry, decoder, payload.as_deref_mut())?;
                        if is_dir && entry.path != root {
                            sel.selected_dirs.push(entry.path.clone());
                        }
                        sel.matched += usize::from(entry.path != root);
                    } else if is_dir {
                        sel.pending.push(entry.clone());
                    }
                }
            }
        }
    }
    if !found {
        return Err(refused(sub_path, "no such path in the archive"));
    }
    if let Some(sel) = &selection {
        if sel.matched == 0 {
            return Err(refused(sub_path, "no entry matches the given patterns"));
        }
    }
    match restorer {
        Some(r) => r.finish(),
        None => Ok(RestoreStats::default()),
    }
}
