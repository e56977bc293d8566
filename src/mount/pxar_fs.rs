//! A pxar archive as a read-only FUSE file system: lookup, attributes, directories, file reads,
//! symlinks, extended attributes and statfs over an `Accessor`, with an inode table.
//!
//! Never writes; inode numbers are archive offsets (a hard link gets its target's inode), so
//! they are stable for the life of the mount. File reads run on a thread pool and each reply
//! is sent from there; a failed chunk fails only the read that needed it (EIO, logged).

use super::pool::{read_range, Pool, ReadAhead, SeqState};
use crate::engine::reader::IndexReader;
use crate::format::pxar::accessor::{Accessor, Directory, FileEntry};
use crate::format::pxar::{self, EntryKind, Metadata};
use fuser::{
    FileAttr, FileType, Filesystem, KernelConfig, ReplyAttr, ReplyData, ReplyDirectory, ReplyEmpty,
    ReplyEntry, ReplyOpen, ReplyStatfs, ReplyXattr, Request, FUSE_ROOT_ID,
};
use std::collections::HashMap;
use std::ffi::OsStr;
use std::os::unix::ffi::OsStrExt;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// The archive never changes under the mount: the kernel may cache what it was told.
const TTL: Duration = Duration::from_secs(3600);
const BLOCK_SIZE: u32 = 4096;
/// Largest read the kernel sends at once (it caps this at its own maximum).
pub(super) const MAX_READAHEAD_BYTES: u32 = 1 << 20;

/// One inode the kernel knows about.
struct Node {
    entry: Arc<FileEntry>,
    /// The directory's goodbye table, once opened.
    dir: Option<Directory>,
    parent: u64,
    /// Lookups the kernel has not yet forgotten.
    lookups: u64,
}

enum Handle {
    File {
        entry: Arc<FileEntry>,
        seq: SeqState,
    },
    Dir {
        /// Children sorted by name: the readdir offset of child `i` is `i + 3`.
        children: Arc<Vec<(u64, FileType, Vec<u8>)>>,
        parent: u64,
    },
}

/// What the file system reads from, shared with the read threads.
pub(super) struct Archive {
    pub accessor: Accessor<IndexReader>,
    /// Read-ahead over the stream that holds file contents (the payload stream when split).
    pub read_ahead: ReadAhead,
    /// Logged with every failed read.
    pub name: String,
}

/// The FUSE file system of one mounted archive.
pub struct PxarFs {
    archive: Arc<Archive>,
    nodes: HashMap<u64, Node>,
    handles: HashMap<u64, Handle>,
    next_fh: u64,
    reads: Arc<Pool>,
}

impl PxarFs {
    pub(super) fn new(archive: Archive, reads: Arc<Pool>) -> crate::format::error::Result<Self> {
        let root = archive.accessor.root()?;
        let mut nodes = HashMap::new();
        nodes.insert(
            FUSE_ROOT_ID,
            Node {
                entry: Arc::new(root),
                dir: None,
                parent: FUSE_ROOT_ID,
                lookups: 1,
            },
        );
        Ok(PxarFs {
            archive: Arc::new(archive),
            nodes,
            handles: HashMap::new(),
            next_fh: 1,
            reads,
        })
    }

    fn log(&self, what: &str, err: impl std::fmt::Display) {
        crate::errln!("pbsh mount {}: {what}: {err}", self.archive.name);
    }

    /// The inode of an entry: its archive offset, shifted so the root is `FUSE_ROOT_ID`.
    fn ino_of(entry: &FileEntry) -> u64 {
        if entry.filename_offset == 0 {
            FUSE_ROOT_ID
        } else {
            entry.filename_offset.saturating_add(1)
        }
    }

    fn attr(&self, ino: u64, entry: &FileEntry) -> FileAttr {
        let meta = &entry.entry.metadata;
        let (size, rdev) = match &entry.entry.kind {
            EntryKind::File { size, .. } => (*size, 0),
            EntryKind::Symlink { target } => (target.len() as u64, 0),
            EntryKind::Device { major, minor } => (0, device_number(*major, *minor)),
            _ => (0, 0),
        };
        let mtime = system_time(meta);
        FileAttr {
            ino,
            size,
            blocks: size.div_ceil(512),
            atime: mtime,
            mtime,
            ctime: mtime,
            crtime: mtime,
            kind: file_type(&entry.entry),
            perm: (meta.permissions() & 0o7777) as u16,
            nlink: if entry.entry.kind == EntryKind::Directory {
                2
            } else {
                1
            },
            uid: meta.uid,
            gid: meta.gid,
            rdev,
            blksize: BLOCK_SIZE,
            flags: 0,
        }
    }

    /// The directory table of a known directory inode (opened once, then kept).
    fn directory(&mut self, ino: u64) -> Result<Directory, i32> {
        let node = self.nodes.get(&ino).ok_or(libc::ENOENT)?;
        if let Some(dir) = &node.dir {
            return Ok(dir.clone());
        }
        if node.entry.entry.kind != EntryKind::Directory {
            return Err(libc::ENOTDIR);
        }
        let entry = node.entry.clone();
        let dir = self.archive.accessor.open_dir(&entry).map_err(|e| {
            self.log(&format!("open directory {}", entry.entry.path_lossy()), e);
            libc::EIO
        })?;
        if let Some(node) = self.nodes.get_mut(&ino) {
            node.dir = Some(dir.clone());
        }
        Ok(dir)
    }

    /// A hard link's target, or the entry itself.
    fn resolve(&self, entry: FileEntry) -> Result<FileEntry, i32> {
        if matches!(entry.entry.kind, EntryKind::Hardlink { .. }) {
            self.archive.accessor.resolve_hardlink(&entry).map_err(|e| {
                self.log(&format!("hard link {}", entry.entry.path_lossy()), e);
                libc::EIO
            })
        } else {
            Ok(entry)
        }
    }

    fn node_entry(&self, ino: u64) -> Result<Arc<FileEntry>, i32> {
        self.nodes
            .get(&ino)
            .map(|n| n.entry.clone())
            .ok_or(libc::ENOENT)
    }

    fn do_lookup(&mut self, parent: u64, name: &[u8]) -> Result<FileAttr, i32> {
        if !is_safe_name(name) {
            return Err(libc::ENOENT);
        }
        let dir = self.directory(parent)?;
        let child = self
            .archive
            .accessor
            .lookup_child(&dir, name)
            .map_err(|e| {
                self.log(&format!("look up {}", String::from_utf8_lossy(name)), e);
                libc::EIO
            })?
            .ok_or(libc::ENOENT)?;
        let child = self.resolve(child)?;
        let ino = Self::ino_of(&child);
        let attr = self.attr(ino, &child);
        self.nodes
            .entry(ino)
            .or_insert_with(|| Node {
                entry: Arc::new(child),
                dir: None,
                parent,
                lookups: 0,
            })
            .lookups += 1;
        Ok(attr)
    }

    fn list_dir(&mut self, ino: u64) -> Result<Vec<(u64, FileType, Vec<u8>)>, i32> {
        let dir = self.directory(ino)?;
        let failed = |fs: &Self, e| {
            fs.log(
                &format!("read directory {}", String::from_utf8_lossy(&dir.path)),
                e,
            );
            libc::EIO
        };
        // In archive order, one child at a time: each chunk is fetched about once and only
        // the (inode, type, name) triples are kept.
        let mut children = self
            .archive
            .accessor
            .read_dir_iter(&dir)
            .map_err(|e| failed(self, e))?;
        let mut out = Vec::with_capacity(children.len());
        for child in children.by_ref() {
            let child = child.map_err(|e| failed(self, e))?;
            let name = child.name().to_vec();
            if !is_safe_name(&name) {
                continue;
            }
            let child = match self.resolve(child) {
                Ok(c) => c,
                Err(_) => continue,
            };
            out.push((Self::ino_of(&child), file_type(&child.entry), name));
        }
        if !children.in_name_order() {
            out.sort_by(|a, b| a.2.cmp(&b.2));
        }
        Ok(out)
    }

    fn xattrs(entry: &FileEntry) -> Vec<(Vec<u8>, Vec<u8>)> {
        let meta = &entry.entry.metadata;
        let mut out = meta.xattrs.clone();
        if let Some(caps) = &meta.fcaps {
            out.push((b"security.capability".to_vec(), caps.clone()));
        }
        out.extend(acl_xattrs(meta));
        out
    }
}

impl Filesystem for PxarFs {
    fn init(&mut self, _req: &Request<'_>, config: &mut KernelConfig) -> Result<(), libc::c_int> {
        if let Err(max) = config.set_max_readahead(MAX_READAHEAD_BYTES) {
            let _ = config.set_max_readahead(max);
        }
        Ok(())
    }

    fn lookup(&mut self, _req: &Request<'_>, parent: u64, name: &OsStr, reply: ReplyEntry) {
        match self.do_lookup(parent, name.as_bytes()) {
            Ok(attr) => reply.entry(&TTL, &attr, 0),
            Err(e) => reply.error(e),
        }
    }

    fn forget(&mut self, _req: &Request<'_>, ino: u64, nlookup: u64) {
        if ino == FUSE_ROOT_ID {
            return;
        }
        if let Some(node) = self.nodes.get_mut(&ino) {
            node.lookups = node.lookups.saturating_sub(nlookup);
            if node.lookups == 0 {
                self.nodes.remove(&ino);
            }
        }
    }

    fn getattr(&mut self, _req: &Request<'_>, ino: u64, _fh: Option<u64>, reply: ReplyAttr) {
        match self.node_entry(ino) {
            Ok(entry) => reply.attr(&TTL, &self.attr(ino, &entry)),
            Err(e) => reply.error(e),
        }
    }

    fn readlink(&mut self, _req: &Request<'_>, ino: u64, reply: ReplyData) {
        match self.node_entry(ino) {
            Ok(entry) => match &entry.entry.kind {
                EntryKind::Symlink { target } => reply.data(target),
                _ => reply.error(libc::EINVAL),
            },
            Err(e) => reply.error(e),
        }
    }

    fn open(&mut self, _req: &Request<'_>, ino: u64, flags: i32, reply: ReplyOpen) {
        if flags & libc::O_ACCMODE != libc::O_RDONLY {
            return reply.error(libc::EROFS);
        }
        let entry = match self.node_entry(ino) {
            Ok(e) => e,
            Err(e) => return reply.error(e),
        };
        if !matches!(entry.entry.kind, EntryKind::File { .. }) {
            return reply.error(libc::EINVAL);
        }
        let fh = self.next_fh;
        self.next_fh += 1;
        self.handles.insert(
            fh,
            Handle::File {
                entry,
                seq: SeqState::default(),
            },
        );
        reply.opened(fh, fuser::consts::FOPEN_KEEP_CACHE);
    }

    fn read(
        &mut self,
        _req: &Request<'_>,
        _ino: u64,
        fh: u64,
        offset: i64,
        size: u32,
        _flags: i32,
        _lock_owner: Option<u64>,
        reply: ReplyData,
    ) {
        let Some(Handle::File { entry, seq }) = self.handles.get_mut(&fh) else {
            return reply.error(libc::EBADF);
        };
        let Ok(offset) = u64::try_from(offset) else {
            return reply.error(libc::EINVAL);
        };
        let EntryKind::File {
            size: file_size,
            payload_offset,
            ..
        } = entry.entry.kind
        else {
            return reply.error(libc::EBADF);
        };
        let end = offset.saturating_add(u64::from(size)).min(file_size);
        if offset < end {
            self.archive.read_ahead.after_read(
                seq,
                payload_offset.saturating_add(offset),
                payload_offset.saturating_add(end),
                payload_offset.saturating_add(file_size),
            );
        }
        let entry = entry.clone();
        let archive = self.archive.clone();
        self.reads.spawn(move || {
            let want = end.saturating_sub(offset) as usize;
            let read = |buf: &mut [u8], at| archive.accessor.read_file_at(&entry, buf, at);
            match read_range(want, offset, read) {
                Ok(data) => reply.data(&data),
                Err((at, e)) => {
                    crate::errln!(
                        "pbsh mount {}: read {} at offset {at}: {e}",
                        archive.name,
                        entry.entry.path_lossy()
                    );
                    reply.error(libc::EIO)
                }
            }
        });
    }

    fn release(
        &mut self,
        _req: &Request<'_>,
        _ino: u64,
        fh: u64,
        _flags: i32,
        _lock_owner: Option<u64>,
        _flush: bool,
        reply: ReplyEmpty,
    ) {
        self.handles.remove(&fh);
        reply.ok();
    }

    fn opendir(&mut self, _req: &Request<'_>, ino: u64, _flags: i32, reply: ReplyOpen) {
        let parent = self.nodes.get(&ino).map(|n| n.parent).unwrap_or(ino);
        match self.list_dir(ino) {
            Ok(children) => {
                let fh = self.next_fh;
                self.next_fh += 1;
                self.handles.insert(
                    fh,
                    Handle::Dir {
                        children: Arc::new(children),
                        parent,
                    },
                );
                reply.opened(fh, 0);
            }
            Err(e) => reply.error(e),
        }
    }

    fn readdir(
        &mut self,
        _req: &Request<'_>,
        ino: u64,
        fh: u64,
        offset: i64,
        mut reply: ReplyDirectory,
    ) {
        let Some(Handle::Dir { children, parent }) = self.handles.get(&fh) else {
            return reply.error(libc::EBADF);
        };
        let mut next = offset.max(0);
        loop {
            let full = match next {
                0 => reply.add(ino, 1, FileType::Directory, "."),
                1 => reply.add(*parent, 2, FileType::Directory, ".."),
                n => {
                    let Some((child_ino, kind, name)) =
                        usize::try_from(n - 2).ok().and_then(|i| children.get(i))
                    else {
                        break;
                    };
                    reply.add(*child_ino, n + 1, *kind, OsStr::from_bytes(name))
                }
            };
            if full {
                break;
            }
            next += 1;
        }
        reply.ok();
    }

    fn releasedir(
        &mut self,
        _req: &Request<'_>,
        _ino: u64,
        fh: u64,
        _flags: i32,
        reply: ReplyEmpty,
    ) {
        self.handles.remove(&fh);
        reply.ok();
    }

    fn statfs(&mut self, _req: &Request<'_>, _ino: u64, reply: ReplyStatfs) {
        let size = self.archive.accessor.source().size();
        reply.statfs(
            size.div_ceil(u64::from(BLOCK_SIZE)),
            0,
            0,
            0,
            0,
            BLOCK_SIZE,
            255,
            BLOCK_SIZE,
        );
    }

    fn getxattr(
        &mut self,
        _req: &Request<'_>,
        ino: u64,
        name: &OsStr,
        size: u32,
        reply: ReplyXattr,
    ) {
        let entry = match self.node_entry(ino) {
            Ok(e) => e,
            Err(e) => return reply.error(e),
        };
        let xattrs = Self::xattrs(&entry);
        let Some((_, value)) = xattrs.iter().find(|(n, _)| n.as_slice() == name.as_bytes()) else {
            return reply.error(libc::ENODATA);
        };
        reply_sized(reply, size, value);
    }

    fn listxattr(&mut self, _req: &Request<'_>, ino: u64, size: u32, reply: ReplyXattr) {
        let entry = match self.node_entry(ino) {
            Ok(e) => e,
            Err(e) => return reply.error(e),
        };
        let mut names = Vec::new();
        for (name, _) in Self::xattrs(&entry) {
            names.extend_from_slice(&name);
            names.push(0);
        }
        reply_sized(reply, size, &names);
    }

    fn access(&mut self, _req: &Request<'_>, _ino: u64, mask: i32, reply: ReplyEmpty) {
        if mask & libc::W_OK != 0 {
            reply.error(libc::EROFS);
        } else {
            reply.ok();
        }
    }
}

/// getxattr/listxattr: size 0 asks for the length; a too small buffer is ERANGE.
fn reply_sized(reply: ReplyXattr, size: u32, value: &[u8]) {
    let len = u32::try_from(value.len()).unwrap_or(u32::MAX);
    if size == 0 {
        reply.size(len);
    } else if len > size {
        reply.error(libc::ERANGE);
    } else {
        reply.data(value);
    }
}

/// Names the kernel must never be given: empty, `.`, `..`, or containing `/` or NUL.
fn is_safe_name(name: &[u8]) -> bool {
    !(name.is_empty()
        || name == b"."
        || name == b".."
        || name.iter().any(|b| *b == b'/' || *b == 0))
}

pub(super) fn system_time(meta: &Metadata) -> SystemTime {
    let nanos = Duration::from_nanos(u64::from(meta.mtime_nanos.min(999_999_999)));
    if meta.mtime_secs >= 0 {
        UNIX_EPOCH + Duration::from_secs(meta.mtime_secs.unsigned_abs()) + nanos
    } else {
        UNIX_EPOCH
            .checked_sub(Duration::from_secs(meta.mtime_secs.unsigned_abs()))
            .map(|t| t + nanos)
            .unwrap_or(UNIX_EPOCH)
    }
}

fn file_type(entry: &pxar::Entry) -> FileType {
    match &entry.kind {
        EntryKind::Directory => FileType::Directory,
        EntryKind::File { .. } | EntryKind::Hardlink { .. } => FileType::RegularFile,
        EntryKind::Symlink { .. } => FileType::Symlink,
        EntryKind::Fifo => FileType::NamedPipe,
        EntryKind::Socket => FileType::Socket,
        EntryKind::Device { .. } => {
            if entry.metadata.file_type() == pxar::S_IFBLK {
                FileType::BlockDevice
            } else {
                FileType::CharDevice
            }
        }
    }
}

/// The kernel's `dev_t` encoding (as `makedev`), truncated to the 32 bits FUSE carries.
fn device_number(major: u64, minor: u64) -> u32 {
    let dev = ((major & 0xfff) << 8) | (minor & 0xff) | ((minor & !0xff) << 12);
    u32::try_from(dev).unwrap_or(0)
}

/// POSIX ACLs as the `system.posix_acl_*` attributes the kernel would show.
fn acl_xattrs(meta: &Metadata) -> Vec<(Vec<u8>, Vec<u8>)> {
    use crate::archive::acl;
    let mut out = Vec::new();
    if let Some(v) = acl::access_xattr(&meta.acl, meta.mode) {
        out.push((acl::ACCESS_XATTR.as_bytes().to_vec(), v));
    }
    if let Some(v) = acl::default_xattr(&meta.acl) {
        out.push((acl::DEFAULT_XATTR.as_bytes().to_vec(), v));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unsafe_names_are_hidden() {
        for bad in [&b""[..], b".", b"..", b"a/b", b"a\0b"] {
            assert!(!is_safe_name(bad));
        }
        assert!(is_safe_name(b"...") && is_safe_name(b"a b"));
    }

    #[test]
    fn device_numbers_encode_like_makedev() {
        assert_eq!(device_number(8, 1), 0x801);
        assert_eq!(device_number(1, 3), 0x103);
    }
}
