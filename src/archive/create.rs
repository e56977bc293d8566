//! Reads a directory tree into a pxar archive (and its catalog), as `proxmox-backup-client
//! backup NAME.pxar:DIR` does.
//!
//! Walks with directory fds and `O_NOFOLLOW`, sorted by name, honouring excludes and
//! `.pxarexclude` files, staying on one file system unless told otherwise; files that vanish or
//! cannot be read become warnings, never failures. Never writes to the source tree.

use super::acl;
use super::exclude::{MatchList, MatchType};
use super::fs::{fstat, lstat_at, openat};
use crate::format::catalog::CatalogWriter;
use crate::format::error::FormatError;
use crate::format::limits;
use crate::format::pxar::encoder::{copy_through_buffer, ContentCopier, Encoder, FileRef};
use crate::format::pxar::{Acl, Metadata, S_IFMT};
use std::collections::HashMap;
use std::ffi::{CStr, CString};
use std::fs::File;
use std::io::{self, Read, Write};
use std::os::fd::{AsRawFd, OwnedFd};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use thiserror::Error;

/// An archive creation failure (per-file problems are warnings in `CreateStats`).
#[derive(Debug, Error)]
pub enum CreateError {
    #[error("{path}: {action}: {source}")]
    Io {
        path: String,
        action: &'static str,
        source: io::Error,
    },
    #[error(transparent)]
    Format(#[from] FormatError),
    #[error("{path}: more than {max} entries held in memory at once (raise --entries-max)")]
    TooManyEntries { path: String, max: usize },
}

impl CreateError {
    /// The class of this failure (for exit statuses).
    pub fn class(&self) -> Option<crate::util::error_class::ErrorClass> {
        match self {
            CreateError::Io { source, .. } => Some(crate::util::error_class::of_io(source)),
            CreateError::Format(e) => e.class(),
            CreateError::TooManyEntries { .. } => None,
        }
    }
}

pub type Result<T, E = CreateError> = std::result::Result<T, E>;

/// What to put into the archive.
#[derive(Debug, Clone, Default)]
pub struct CreateOptions {
    /// `--exclude` patterns (gitignore-style; `!` re-includes).
    pub patterns: Vec<String>,
    /// Descend into other file systems too.
    pub all_file_systems: bool,
    /// Mount points whose file systems are included (`--include-dev`).
    pub include_dev: Vec<PathBuf>,
    /// The most directory entries held in memory at once (those of every directory being
    /// walked); `None`: PBS's default, `DEFAULT_ENTRIES_MAX` (`--entries-max`).
    pub entries_max: Option<usize>,
    /// A file whose extended attributes are too many to list (E2BIG) is archived without them,
    /// with a warning; off, the backup fails naming it, as PBS's does (`--skip-e2big-xattr`).
    pub skip_e2big_xattr: bool,
    /// Counts each file as it goes into the archive (for a progress display).
    pub file_counter: Option<Arc<AtomicU64>>,
}

/// PBS's encoder bound on the entries held in memory (`ENCODER_MAX_ENTRIES`, 1 Mi).
pub const DEFAULT_ENTRIES_MAX: usize = 1024 * 1024;

/// What went into the archive, and what was left out with a warning.
#[derive(Debug, Clone, Default)]
pub struct CreateStats {
    pub directories: u64,
    pub files: u64,
    pub bytes: u64,
    pub other: u64,
    /// Files whose contents were reused from the previous snapshot without being read.
    pub reused_files: u64,
    pub warnings: Vec<String>,
}

/// Where a reused file's contents were placed in the payload stream.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Reused {
    /// New payload-stream offset of the file's PAYLOAD header.
    pub header_offset: u64,
    /// Payload bytes the implementation appended (injected chunks) before this file.
    pub advance: u64,
}

/// Decides, for each regular file of a split backup, whether its contents can be taken from a
/// previous snapshot without reading the file (metadata change detection).
pub trait PayloadReuse {
    /// `path` is archive-relative without a leading `/`; `payload_position` is the payload
    /// stream's current length. Returns where the contents now are, or `None` to read the file.
    fn try_reuse(
        &mut self,
        path: &[u8],
        metadata: &Metadata,
        size: u64,
        payload_position: u64,
    ) -> Option<Reused>;
}

/// Name of the virtual file recording the command-line excludes in unified archives.
pub const EXCLUDE_CLI_FILE: &[u8] = b".pxarexclude-cli";

/// A directory entry being archived: where it was found and what `fstatat` said of it.
#[derive(Clone, Copy)]
struct Child<'a> {
    /// The directory it is in.
    dir: &'a OwnedFd,
    cname: &'a CStr,
    /// Its path from the archive root, for patterns and messages.
    path: &'a [u8],
    name: &'a [u8],
    st: &'a libc::stat,
}

struct Walker<'a, 'r, W: Write, C: Write> {
    encoder: &'a mut Encoder<W>,
    reuse: Option<&'r mut dyn PayloadReuse>,
    catalog: Option<&'a mut CatalogWriter<C>>,
    matches: MatchList,
    allowed_devices: Vec<u64>,
    all_file_systems: bool,
    hardlinks: HashMap<(u64, u64), (FileRef, Vec<u8>)>,
    stats: CreateStats,
    /// Entries of the directories being walked, read and not yet done.
    entries_held: usize,
    entries_max: usize,
    skip_e2big_xattr: bool,
    file_counter: Option<Arc<AtomicU64>>,
}

fn lossy(path: &[u8]) -> String {
    if path.is_empty() {
        "/".to_string()
    } else {
        String::from_utf8_lossy(path).into_owned()
    }
}

fn io_at<'a>(path: &'a [u8], action: &'static str) -> impl FnOnce(io::Error) -> CreateError + 'a {
    move |source| CreateError::Io {
        path: lossy(path),
        action,
        source,
    }
}

fn stat_metadata(st: &libc::stat) -> Metadata {
    Metadata {
        mode: st.st_mode as u64,
        uid: st.st_uid,
        gid: st.st_gid,
        mtime_secs: st.st_mtime,
        mtime_nanos: st.st_mtime_nsec as u32,
        ..Metadata::default()
    }
}

/// Whether an extended attribute is one PBS archives as an XATTR item (and restores): the
/// `user.*` and `trusted.*` namespaces and Samba's `security.NTACL`. Other `security.*` names
/// (SELinux labels, IMA, ...) are left out, as PBS leaves them out; ACLs and file capabilities
/// have items of their own.
pub fn is_archived_xattr(name: &[u8]) -> bool {
    !name.is_empty()
        && name.len() <= 255
        && (name.starts_with(b"user.")
            || name.starts_with(b"trusted.")
            || name == b"security.NTACL")
}

/// Reads extended attributes, ACLs and file capabilities through an open descriptor.
fn read_xattrs(fd: &OwnedFd, metadata: &mut Metadata) -> io::Result<()> {
    let mut names = vec![0u8; 4096];
    let len = loop {
        // SAFETY: valid descriptor and buffer.
        let ret =
            unsafe { libc::flistxattr(fd.as_raw_fd(), names.as_mut_ptr().cast(), names.len()) };
        if ret >= 0 {
            break ret as usize;
        }
        let err = io::Error::last_os_error();
        match err.raw_os_error() {
            Some(libc::ERANGE) if names.len() < 1 << 20 => names.resize(names.len() * 4, 0),
            Some(libc::ENOTSUP) => return Ok(()),
            _ => return Err(err),
        }
    };
    // In the order the file system lists them, as PBS writes them (not sorted).
    let list = names
        .get(..len)
        .unwrap_or_default()
        .split(|b| *b == 0)
        .filter(|n| !n.is_empty());
    for name in list {
        let is_acl = name == b"system.posix_acl_access" || name == b"system.posix_acl_default";
        if !is_acl && name != b"security.capability" && !is_archived_xattr(name) {
            continue;
        }
        let Ok(cname) = CString::new(name) else {
            continue;
        };
        let mut value = vec![0u8; 4096];
        let n = loop {
            // SAFETY: valid descriptor, C string and buffer.
            let ret = unsafe {
                libc::fgetxattr(
                    fd.as_raw_fd(),
                    cname.as_ptr(),
                    value.as_mut_ptr().cast(),
                    value.len(),
                )
            };
            if ret >= 0 {
                break ret as usize;
            }
            let err = io::Error::last_os_error();
            match err.raw_os_error() {
                Some(libc::ERANGE) if value.len() < limits::MAX_PXAR_XATTR_SIZE => {
                    value.resize(limits::MAX_PXAR_XATTR_SIZE, 0)
                }
                Some(libc::ENODATA) => break usize::MAX,
                _ => return Err(err),
            }
        };
        if n == usize::MAX {
            continue;
        }
        value.truncate(n);
        match name {
            b"system.posix_acl_access" => {
                let mut acl = Acl::default();
                if acl::parse_xattr(&value, false, &mut acl) {
                    metadata.acl.users = acl.users;
                    metadata.acl.groups = acl.groups;
                    metadata.acl.group_obj = acl.group_obj;
                }
            }
            b"system.posix_acl_default" => {
                let mut acl = Acl::default();
                if acl::parse_xattr(&value, true, &mut acl) {
                    metadata.acl.default = acl.default;
                    metadata.acl.default_users = acl.default_users;
                    metadata.acl.default_groups = acl.default_groups;
                }
            }
            b"security.capability" => metadata.fcaps = Some(value),
            _ => metadata.xattrs.push((name.to_vec(), value)),
        }
    }
    metadata.acl.users.sort();
    metadata.acl.groups.sort();
    metadata.acl.default_users.sort();
    metadata.acl.default_groups.sort();
    Ok(())
}

/// Creates a unified pxar archive of `source` into `output`, with an optional catalog that
/// receives the tree under the directory `catalog_name` (e.g. `root.pxar.didx`). Command-line
/// excludes are recorded as the virtual file `.pxarexclude-cli`, as PBS does.
pub fn create_archive<W: Write, C: Write>(
    source: &Path,
    output: W,
    catalog: Option<(&mut CatalogWriter<C>, &[u8])>,
    options: &CreateOptions,
) -> Result<(W, CreateStats)> {
    create_archive_with_copier(source, output, copy_through_buffer::<W>, catalog, options)
}

/// Like `create_archive`, with file content reaching `output` through `copier` (the backup's
/// chunker reads files straight into its chunk buffers).
pub fn create_archive_with_copier<W: Write, C: Write>(
    source: &Path,
    output: W,
    copier: ContentCopier<W>,
    catalog: Option<(&mut CatalogWriter<C>, &[u8])>,
    options: &CreateOptions,
) -> Result<(W, CreateStats)> {
    let cli_text: String = options.patterns.iter().map(|p| format!("{p}\n")).collect();
    let cli_file = (!cli_text.is_empty()).then(|| cli_text.into_bytes());
    create_with(source, options, catalog, cli_file, None, |root| {
        let mut encoder = Encoder::new(output, root)?;
        encoder.set_content_copier(copier);
        Ok(encoder)
    })
}

/// Creates a split archive (`.mpxar` metadata into `output`, `.ppxar` contents into `payload`),
/// as the `data` and `metadata` change-detection modes do. Excludes go into the PRELUDE.
pub fn create_split_archive<W: Write>(
    source: &Path,
    output: W,
    payload: Box<dyn Write + Send>,
    options: &CreateOptions,
) -> Result<(W, CreateStats)> {
    create_split_archive_with_reuse(source, output, payload, options, None)
}

/// Like `create_split_archive`, asking `reuse` before reading each regular file.
pub fn create_split_archive_with_reuse<W: Write>(
    source: &Path,
    output: W,
    payload: Box<dyn Write + Send>,
    options: &CreateOptions,
    reuse: Option<&mut dyn PayloadReuse>,
) -> Result<(W, CreateStats)> {
    let cli_text: String = options.patterns.iter().map(|p| format!("{p}\n")).collect();
    let prelude = (!cli_text.is_empty()).then(|| {
        serde_json::json!({ "exclude-patterns": cli_text })
            .to_string()
            .into_bytes()
    });
    create_with::<W, Vec<u8>>(source, options, None, None, reuse, |root| {
        Ok(Encoder::new_split(
            output,
            payload,
            root,
            prelude.as_deref(),
        )?)
    })
}

fn create_with<W: Write, C: Write>(
    source: &Path,
    options: &CreateOptions,
    mut catalog: Option<(&mut CatalogWriter<C>, &[u8])>,
    cli_file: Option<Vec<u8>>,
    reuse: Option<&mut dyn PayloadReuse>,
    make_encoder: impl FnOnce(&Metadata) -> Result<Encoder<W>>,
) -> Result<(W, CreateStats)> {
    let shown = source.as_os_str().as_encoded_bytes().to_vec();
    let root_file = File::open(source).map_err(io_at(&shown, "open source directory"))?;
    let root = OwnedFd::from(root_file);
    let st = fstat(&root).map_err(io_at(&shown, "stat source directory"))?;
    if st.st_mode & libc::S_IFMT != libc::S_IFDIR {
        return Err(CreateError::Io {
            path: lossy(&shown),
            action: "open source directory",
            source: io::Error::new(io::ErrorKind::InvalidInput, "not a directory"),
        });
    }
    let mut root_meta = stat_metadata(&st);
    let mut warnings = Vec::new();
    if let Err(e) = read_xattrs(&root, &mut root_meta) {
        warnings.push(format!("/: cannot read extended attributes: {e}"));
    }
    let mut encoder = make_encoder(&root_meta)?;
    let mut allowed_devices = vec![st.st_dev];
    for dev_path in &options.include_dev {
        if let Ok(meta) = std::fs::metadata(dev_path) {
            allowed_devices.push(std::os::unix::fs::MetadataExt::dev(&meta));
        }
    }
    let mut matches = MatchList::new();
    matches.add_patterns(options.patterns.iter().map(String::as_str));
    if let Some((cat, name)) = catalog.as_mut() {
        cat.start_directory(name)?;
    }
    let mut walker = Walker {
        encoder: &mut encoder,
        reuse,
        catalog: catalog.map(|(c, _)| c),
        matches,
        allowed_devices,
        all_file_systems: options.all_file_systems,
        hardlinks: HashMap::new(),
        stats: CreateStats {
            warnings,
            ..CreateStats::default()
        },
        entries_held: 0,
        entries_max: options.entries_max.unwrap_or(DEFAULT_ENTRIES_MAX),
        skip_e2big_xattr: options.skip_e2big_xattr,
        file_counter: options.file_counter.clone(),
    };
    walker.walk_dir(&root, b"", 0, cli_file.as_deref())?;
    if let Some(cat) = walker.catalog.as_mut() {
        cat.end_directory()?;
    }
    let stats = std::mem::take(&mut walker.stats);
    Ok((encoder.finish()?, stats))
}

impl<W: Write, C: Write> Walker<'_, '_, W, C> {
    fn walk_dir(
        &mut self,
        dir: &OwnedFd,
        path: &[u8],
        depth: usize,
        cli_excludes: Option<&[u8]>,
    ) -> Result<()> {
        // LIMIT: limits::MAX_PXAR_DEPTH, the same bound the decoder enforces.
        if depth >= limits::MAX_PXAR_DEPTH {
            self.stats.warnings.push(format!(
                "{}: directories nest too deeply, contents skipped",
                lossy(path)
            ));
            return Ok(());
        }
        let mut names = match read_dir_names(dir) {
            Ok(n) => n,
            Err(e) => {
                self.stats
                    .warnings
                    .push(format!("{}: cannot list directory: {e}", lossy(path)));
                Vec::new()
            }
        };
        // LIMIT: `--entries-max` bounds the names held across the directories being walked.
        let held = names.len();
        if self.entries_held + held > self.entries_max {
            return Err(CreateError::TooManyEntries {
                path: lossy(path),
                max: self.entries_max,
            });
        }
        self.entries_held += held;
        let added = match self.read_exclude_file(dir, path) {
            Some(content) => self.matches.add_exclude_file(&content, path),
            None => 0,
        };
        if let Some(text) = cli_excludes {
            names.push(EXCLUDE_CLI_FILE.to_vec());
            names.sort();
            names.dedup();
            let text = text.to_vec();
            for name in names {
                if name == EXCLUDE_CLI_FILE {
                    self.add_cli_exclude_file(&text)?;
                } else {
                    self.walk_entry(dir, path, &name, depth)?;
                }
            }
        } else {
            for name in names {
                self.walk_entry(dir, path, &name, depth)?;
            }
        }
        self.matches.truncate_by(added);
        self.entries_held -= held;
        Ok(())
    }

    fn read_exclude_file(&mut self, dir: &OwnedFd, path: &[u8]) -> Option<String> {
        let fd = openat(dir, c".pxarexclude", libc::O_RDONLY, 0).ok()?;
        let mut content = String::new();
        // LIMIT: exclude files are small; read at most 1 MiB.
        if let Err(e) = File::from(fd)
            .take(1024 * 1024)
            .read_to_string(&mut content)
        {
            self.stats
                .warnings
                .push(format!("{}/.pxarexclude: cannot read: {e}", lossy(path)));
            return None;
        }
        Some(content)
    }

    fn add_cli_exclude_file(&mut self, text: &[u8]) -> Result<()> {
        // SAFETY: getuid/getgid have no preconditions.
        let (uid, gid) = unsafe { (libc::getuid(), libc::getgid()) };
        let meta = Metadata {
            mode: 0o100600,
            uid,
            gid,
            ..Metadata::default()
        };
        self.encoder
            .add_file(EXCLUDE_CLI_FILE, &meta, text.len() as u64, &mut &text[..])?;
        if let Some(cat) = self.catalog.as_mut() {
            cat.add_file(EXCLUDE_CLI_FILE, text.len() as u64, 0)?;
        }
        self.stats.files += 1;
        if let Some(c) = &self.file_counter {
            c.fetch_add(1, Ordering::Relaxed);
        }
        Ok(())
    }

    fn walk_entry(
        &mut self,
        dir: &OwnedFd,
        parent: &[u8],
        name: &[u8],
        depth: usize,
    ) -> Result<()> {
        let mut path = parent.to_vec();
        if !path.is_empty() {
            path.push(b'/');
        }
        path.extend_from_slice(name);
        let Ok(cname) = CString::new(name) else {
            return Ok(());
        };
        let st = match lstat_at(dir, &cname)
            .and_then(|st| st.ok_or_else(|| io::Error::from(io::ErrorKind::NotFound)))
        {
            Ok(st) => st,
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                self.stats
                    .warnings
                    .push(format!("{}: vanished during backup", lossy(&path)));
                return Ok(());
            }
            Err(e) => {
                self.stats
                    .warnings
                    .push(format!("{}: cannot stat: {e}", lossy(&path)));
                return Ok(());
            }
        };
        let file_type = st.st_mode as u64 & S_IFMT;
        let is_dir = file_type == libc::S_IFDIR as u64;
        if self.matches.matches(&path, is_dir) == Some(MatchType::Exclude) {
            return Ok(());
        }
        let mut meta = stat_metadata(&st);
        match st.st_mode & libc::S_IFMT {
            libc::S_IFDIR => {
                let child = Child {
                    dir,
                    cname: &cname,
                    path: &path,
                    name,
                    st: &st,
                };
                self.add_directory(child, meta, depth)
            }
            libc::S_IFREG => {
                if st.st_nlink > 1 {
                    if let Some((target, target_path)) =
                        self.hardlinks.get(&(st.st_dev, st.st_ino)).cloned()
                    {
                        self.encoder.add_hardlink(name, &target_path, target)?;
                        if let Some(cat) = self.catalog.as_mut() {
                            cat.add_hardlink(name)?;
                        }
                        self.stats.other += 1;
                        return Ok(());
                    }
                }
                let child = Child {
                    dir,
                    cname: &cname,
                    path: &path,
                    name,
                    st: &st,
                };
                self.add_file(child, meta)
            }
            libc::S_IFLNK => {
                let target = match read_link_at(dir, &cname) {
                    Ok(t) => t,
                    Err(e) => {
                        self.stats
                            .warnings
                            .push(format!("{}: cannot read symlink: {e}", lossy(&path)));
                        return Ok(());
                    }
                };
                self.encoder.add_symlink(name, &meta, &target)?;
                if let Some(cat) = self.catalog.as_mut() {
                    cat.add_symlink(name)?;
                }
                self.stats.other += 1;
                Ok(())
            }
            libc::S_IFBLK | libc::S_IFCHR => {
                let (major, minor) = (
                    libc::major(st.st_rdev) as u64,
                    libc::minor(st.st_rdev) as u64,
                );
                self.encoder.add_device(name, &meta, major, minor)?;
                if let Some(cat) = self.catalog.as_mut() {
                    if st.st_mode & libc::S_IFMT == libc::S_IFBLK {
                        cat.add_block_device(name)?;
                    } else {
                        cat.add_char_device(name)?;
                    }
                }
                self.stats.other += 1;
                Ok(())
            }
            libc::S_IFIFO => {
                meta.fcaps = None;
                self.encoder.add_fifo(name, &meta)?;
                if let Some(cat) = self.catalog.as_mut() {
                    cat.add_fifo(name)?;
                }
                self.stats.other += 1;
                Ok(())
            }
            libc::S_IFSOCK => {
                self.encoder.add_socket(name, &meta)?;
                if let Some(cat) = self.catalog.as_mut() {
                    cat.add_socket(name)?;
                }
                self.stats.other += 1;
                Ok(())
            }
            _ => {
                self.stats
                    .warnings
                    .push(format!("{}: unknown file type, skipped", lossy(&path)));
                Ok(())
            }
        }
    }

    fn add_directory(&mut self, child: Child<'_>, mut meta: Metadata, depth: usize) -> Result<()> {
        let Child {
            dir,
            cname,
            path,
            name,
            st,
        } = child;
        let opened = openat(dir, cname, libc::O_RDONLY | libc::O_DIRECTORY, 0);
        let Some(fd) = self.open_with_attributes(opened, path, &mut meta)? else {
            return Ok(());
        };
        self.encoder.create_directory(name, &meta)?;
        if let Some(cat) = self.catalog.as_mut() {
            cat.start_directory(name)?;
        }
        self.stats.directories += 1;
        // Another file system's mount point is kept as an empty directory, as PBS does.
        if self.all_file_systems || self.allowed_devices.contains(&st.st_dev) {
            self.walk_dir(&fd, path, depth + 1, None)?;
        }
        self.encoder.finish_directory()?;
        if let Some(cat) = self.catalog.as_mut() {
            cat.end_directory()?;
        }
        Ok(())
    }

    /// Takes an open result and reads the entry's extended attributes through it; failures
    /// become warnings and `None` (the entry is then left out), except too many attributes
    /// to list (E2BIG) without `skip_e2big_xattr`, which fails the archive.
    fn open_with_attributes(
        &mut self,
        opened: io::Result<OwnedFd>,
        path: &[u8],
        meta: &mut Metadata,
    ) -> Result<Option<OwnedFd>> {
        let fd = match opened {
            Ok(fd) => fd,
            Err(e) => {
                self.stats
                    .warnings
                    .push(format!("{}: cannot open: {e}", lossy(path)));
                return Ok(None);
            }
        };
        if let Err(e) = read_xattrs(&fd, meta) {
            if e.raw_os_error() == Some(libc::E2BIG) && !self.skip_e2big_xattr {
                return Err(CreateError::Io {
                    path: lossy(path),
                    action:
                        "read extended attributes (--skip-e2big-xattr archives it without them)",
                    source: e,
                });
            }
            self.stats.warnings.push(format!(
                "{}: cannot read extended attributes: {e}",
                lossy(path)
            ));
        }
        Ok(Some(fd))
    }

    fn add_file(&mut self, child: Child<'_>, mut meta: Metadata) -> Result<()> {
        let Child {
            dir,
            cname,
            path,
            name,
            st,
        } = child;
        // O_NOATIME keeps backups from touching access times; only the owner (or root) may use it.
        let opened = openat(dir, cname, libc::O_RDONLY | libc::O_NOATIME, 0)
            .or_else(|_| openat(dir, cname, libc::O_RDONLY, 0));
        let Some(fd) = self.open_with_attributes(opened, path, &mut meta)? else {
            return Ok(());
        };
        let size = st.st_size as u64;
        if let (Some(reuse), Some(position)) =
            (self.reuse.as_mut(), self.encoder.payload_position())
        {
            if let Some(reused) = reuse.try_reuse(path, &meta, size, position) {
                self.encoder.skip_payload(reused.advance)?;
                let file_ref =
                    self.encoder
                        .add_file_reused(name, &meta, size, reused.header_offset)?;
                if st.st_nlink > 1 {
                    self.hardlinks
                        .insert((st.st_dev, st.st_ino), (file_ref, path.to_vec()));
                }
                self.stats.files += 1;
                if let Some(c) = &self.file_counter {
                    c.fetch_add(1, Ordering::Relaxed);
                }
                self.stats.reused_files += 1;
                self.stats.bytes += size;
                return Ok(());
            }
        }
        let mut reader = ExactSize {
            file: File::from(fd),
            left: size,
            short: false,
        };
        let file_ref = self.encoder.add_file(name, &meta, size, &mut reader)?;
        if reader.short {
            self.stats.warnings.push(format!(
                "{}: file shrank while being read; padded with zeros",
                lossy(path)
            ));
        }
        if let Some(cat) = self.catalog.as_mut() {
            cat.add_file(name, size, meta.mtime_secs)?;
        }
        if st.st_nlink > 1 {
            self.hardlinks
                .insert((st.st_dev, st.st_ino), (file_ref, path.to_vec()));
        }
        self.stats.files += 1;
        if let Some(c) = &self.file_counter {
            c.fetch_add(1, Ordering::Relaxed);
        }
        self.stats.bytes += size;
        Ok(())
    }
}

/// Yields exactly `left` bytes: a file that shrinks is padded with zeros (and flagged), one that
/// grows is cut at the size it had when stat'ed, so the archive stays consistent.
struct ExactSize {
    file: File,
    left: u64,
    short: bool,
}

impl Read for ExactSize {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let want = (buf.len() as u64).min(self.left) as usize;
        if want == 0 {
            return Ok(0);
        }
        let target = &mut buf[..want];
        let n = if self.short {
            0
        } else {
            self.file.read(target)?
        };
        let n = if n == 0 {
            self.short = true;
            target.fill(0);
            want
        } else {
            n
        };
        self.left -= n as u64;
        Ok(n)
    }
}

fn read_dir_names(dir: &OwnedFd) -> io::Result<Vec<Vec<u8>>> {
    // Read through a duplicate so the caller's descriptor keeps its position.
    let dup = dir.try_clone()?;
    let path = format!("/proc/self/fd/{}", dup.as_raw_fd());
    let mut names: Vec<Vec<u8>> = std::fs::read_dir(&path)?
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().as_encoded_bytes().to_vec())
        .collect();
    names.sort();
    Ok(names)
}

fn read_link_at(dir: &OwnedFd, name: &CStr) -> io::Result<Vec<u8>> {
    let mut buf = vec![0u8; limits::MAX_PXAR_NAME_LEN + 1];
    // SAFETY: valid descriptor, C string and buffer.
    let n = unsafe {
        libc::readlinkat(
            dir.as_raw_fd(),
            name.as_ptr(),
            buf.as_mut_ptr().cast(),
            buf.len(),
        )
    };
    if n < 0 {
        return Err(io::Error::last_os_error());
    }
    let n = n as usize;
    if n > limits::MAX_PXAR_NAME_LEN {
        return Err(io::Error::new(
            io::ErrorKind::InvalidData,
            "symlink target too long",
        ));
    }
    buf.truncate(n);
    Ok(buf)
}
