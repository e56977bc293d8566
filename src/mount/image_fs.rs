//! A fixed-index image (`map`) as a read-only FUSE file system holding that one file.
//!
//! Never writes; reads go through the index reader on a thread pool, like the pxar mount's.

use super::pool::{read_range, Pool, ReadAhead, SeqState};
use crate::engine::reader::IndexReader;
use crate::format::pxar::accessor::ReadAt;
use fuser::{
    FileAttr, FileType, Filesystem, KernelConfig, ReplyAttr, ReplyData, ReplyDirectory, ReplyEmpty,
    ReplyEntry, ReplyOpen, ReplyStatfs, Request, FUSE_ROOT_ID,
};
use std::collections::HashMap;
use std::ffi::OsStr;
use std::os::unix::ffi::OsStrExt;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

const TTL: Duration = Duration::from_secs(3600);
const IMAGE_INO: u64 = 2;
const BLOCK_SIZE: u32 = 4096;

pub(super) struct Image {
    pub reader: IndexReader,
    pub read_ahead: ReadAhead,
    /// The file's name in the mount (`disk.img`).
    pub file_name: String,
    /// Logged with every failed read.
    pub name: String,
    pub mtime: SystemTime,
}

/// The FUSE file system of one mapped image.
pub struct ImageFs {
    image: Arc<Image>,
    handles: HashMap<u64, SeqState>,
    next_fh: u64,
    reads: Arc<Pool>,
    uid: u32,
    gid: u32,
}

impl ImageFs {
    pub(super) fn new(image: Image, reads: Arc<Pool>) -> Self {
        ImageFs {
            image: Arc::new(image),
            handles: HashMap::new(),
            next_fh: 1,
            reads,
            // SAFETY: geteuid/getegid have no preconditions.
            uid: unsafe { libc::geteuid() },
            gid: unsafe { libc::getegid() },
        }
    }

    fn attr(&self, ino: u64) -> Option<FileAttr> {
        let (kind, perm, size, nlink) = match ino {
            FUSE_ROOT_ID => (FileType::Directory, 0o555, 0, 2),
            IMAGE_INO => (FileType::RegularFile, 0o444, self.image.reader.size(), 1),
            _ => return None,
        };
        Some(FileAttr {
            ino,
            size,
            blocks: size.div_ceil(512),
            atime: self.image.mtime,
            mtime: self.image.mtime,
            ctime: self.image.mtime,
            crtime: self.image.mtime,
            kind,
            perm,
            nlink,
            uid: self.uid,
            gid: self.gid,
            rdev: 0,
            blksize: BLOCK_SIZE,
            flags: 0,
        })
    }
}

impl Filesystem for ImageFs {
    fn init(&mut self, _req: &Request<'_>, config: &mut KernelConfig) -> Result<(), libc::c_int> {
        if let Err(max) = config.set_max_readahead(super::pxar_fs::MAX_READAHEAD_BYTES) {
            let _ = config.set_max_readahead(max);
        }
        Ok(())
    }

    fn lookup(&mut self, _req: &Request<'_>, parent: u64, name: &OsStr, reply: ReplyEntry) {
        if parent != FUSE_ROOT_ID || name.as_bytes() != self.image.file_name.as_bytes() {
            return reply.error(libc::ENOENT);
        }
        match self.attr(IMAGE_INO) {
            Some(attr) => reply.entry(&TTL, &attr, 0),
            None => reply.error(libc::ENOENT),
        }
    }

    fn getattr(&mut self, _req: &Request<'_>, ino: u64, _fh: Option<u64>, reply: ReplyAttr) {
        match self.attr(ino) {
            Some(attr) => reply.attr(&TTL, &attr),
            None => reply.error(libc::ENOENT),
        }
    }

    fn open(&mut self, _req: &Request<'_>, ino: u64, flags: i32, reply: ReplyOpen) {
        if ino != IMAGE_INO {
            return reply.error(libc::EISDIR);
        }
        if flags & libc::O_ACCMODE != libc::O_RDONLY {
            return reply.error(libc::EROFS);
        }
        let fh = self.next_fh;
        self.next_fh += 1;
        self.handles.insert(fh, SeqState::default());
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
        let Some(seq) = self.handles.get_mut(&fh) else {
            return reply.error(libc::EBADF);
        };
        let Ok(offset) = u64::try_from(offset) else {
            return reply.error(libc::EINVAL);
        };
        let total = self.image.reader.size();
        let end = offset.saturating_add(u64::from(size)).min(total);
        if offset < end {
            self.image.read_ahead.after_read(seq, offset, end, total);
        }
        let image = self.image.clone();
        self.reads.spawn(move || {
            let want = end.saturating_sub(offset) as usize;
            match read_range(want, offset, |buf, at| image.reader.read_at(buf, at)) {
                Ok(data) => reply.data(&data),
                Err((at, e)) => {
                    crate::errln!("pbsh map {}: read at offset {at}: {e}", image.name);
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

    fn readdir(
        &mut self,
        _req: &Request<'_>,
        ino: u64,
        _fh: u64,
        offset: i64,
        mut reply: ReplyDirectory,
    ) {
        if ino != FUSE_ROOT_ID {
            return reply.error(libc::ENOTDIR);
        }
        let entries = [
            (FUSE_ROOT_ID, FileType::Directory, "."),
            (FUSE_ROOT_ID, FileType::Directory, ".."),
            (
                IMAGE_INO,
                FileType::RegularFile,
                self.image.file_name.as_str(),
            ),
        ];
        for (i, (ino, kind, name)) in entries.iter().enumerate().skip(offset.max(0) as usize) {
            if reply.add(*ino, i as i64 + 1, *kind, name) {
                break;
            }
        }
        reply.ok();
    }

    fn statfs(&mut self, _req: &Request<'_>, _ino: u64, reply: ReplyStatfs) {
        let blocks = self.image.reader.size().div_ceil(u64::from(BLOCK_SIZE));
        reply.statfs(blocks, 0, 0, 1, 0, BLOCK_SIZE, 255, BLOCK_SIZE);
    }
}
