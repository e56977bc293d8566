//! Sequential pxar decoder: walks an archive stream from the start and reports each entry.
//!
//! Reads from any `Read` (buffer it yourself), never seeks and never holds a file's contents:
//! callers read a file's bytes through `read_payload` or they are skipped. Each directory's
//! goodbye table is checked against the entries just read (hashes, offsets, sizes, search-tree
//! order, tail), so a sequential reader sees the same tree the random-access one would.

use super::*;
use crate::format::error::{FormatError, Result};
use crate::format::limits;
use std::io::{self, Read};

const WHAT: &str = "pxar";

/// An item header with the archive offset it started at.
#[derive(Debug, Clone, Copy)]
struct Header {
    htype: u64,
    content_len: u64,
    offset: u64,
}

/// A child of an open directory, as its goodbye item must describe it (32 bytes; at most
/// `limits::MAX_PXAR_DIR_ENTRIES` per directory).
#[derive(Debug, Clone, Copy, Default)]
struct Child {
    hash: u64,
    filename_offset: u64,
    /// Where the child's last item ends; 0 until the next item of the directory starts.
    end: u64,
    /// For a file whose contents live in the payload stream, their size: upstream's goodbye
    /// size may count them too (formats.md §10.5), so the size may be exact or this much more.
    payload_size: u64,
}

/// A directory being read: its path, where its goodbye tail must point, and its children.
#[derive(Debug)]
struct OpenDir {
    path: Vec<u8>,
    /// Offset of its ENTRY header (the root's tail points at offset 0, formats.md §10.5).
    entry_offset: u64,
    /// `None` for the directory a random-access decoder starts inside: it has not seen the
    /// other children, so that table is not checked.
    children: Option<Vec<Child>>,
}

/// Streams the entries of a pxar archive in archive order (a directory before its children).
pub struct Decoder<R: Read> {
    input: R,
    position: u64,
    /// A header read ahead to find where a fifo, socket or directory entry ends.
    pending: Option<Header>,
    /// Bytes of the current file's PAYLOAD the caller has not read yet.
    payload_left: u64,
    /// The directories we are inside, innermost last.
    directories: Vec<OpenDir>,
    started: bool,
    finished: bool,
    format_version: u64,
    prelude: Option<Vec<u8>>,
}

impl<R: Read> Decoder<R> {
    pub fn new(input: R) -> Self {
        Decoder {
            input,
            position: 0,
            pending: None,
            payload_left: 0,
            directories: Vec::new(),
            started: false,
            finished: false,
            format_version: 1,
            prelude: None,
        }
    }

    /// A decoder positioned at a FILENAME item at archive offset `position` inside the directory
    /// `parent_path`: its first `next_entry` decodes that one child (random access).
    pub fn new_at(input: R, position: u64, parent_path: Vec<u8>) -> Self {
        let mut decoder = Decoder::new(input);
        decoder.position = position;
        decoder.started = true;
        decoder.directories.push(OpenDir {
            path: parent_path,
            entry_offset: 0,
            children: None,
        });
        decoder
    }

    /// 1 for unified archives, 2 for split (metadata) archives; known after the first entry.
    pub fn format_version(&self) -> u64 {
        self.format_version
    }

    /// The PRELUDE's bytes, if the archive has one; known after the first entry.
    pub fn prelude(&self) -> Option<&[u8]> {
        self.prelude.as_deref()
    }

    /// Bytes consumed from the input so far.
    pub fn position(&self) -> u64 {
        self.position
    }

    /// Reads the current file's bytes (unified archives); 0 at its end.
    pub fn read_payload(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let want = (buf.len() as u64).min(self.payload_left) as usize;
        if want == 0 {
            return Ok(0);
        }
        let got = self.input.read(buf.get_mut(..want).unwrap_or_default())?;
        if got == 0 {
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                "pxar: archive ends inside a file",
            ));
        }
        self.position += got as u64;
        self.payload_left -= got as u64;
        Ok(got)
    }

    /// The next entry, or `None` after the root directory's goodbye table.
    pub fn next_entry(&mut self) -> Result<Option<Entry>> {
        if self.finished {
            return Ok(None);
        }
        let left = std::mem::take(&mut self.payload_left);
        self.skip(left)?;
        if !self.started {
            self.started = true;
            return self.read_root().map(Some);
        }
        loop {
            let Some(parent) = self.directories.last().map(|d| d.path.clone()) else {
                self.finished = true;
                return Ok(None);
            };
            let header = self.next_header()?;
            // Whatever starts here ends the directory's previous child.
            if let Some(last) = self
                .directories
                .last_mut()
                .and_then(|d| d.children.as_mut())
                .and_then(|c| c.last_mut())
            {
                if last.end == 0 {
                    last.end = header.offset;
                }
            }
            match header.htype {
                PXAR_FILENAME => {
                    let name = self.read_name(&header, "file name")?;
                    let path = child_path(&parent, &name)?;
                    let level = self.directories.len();
                    if let Some(children) = self
                        .directories
                        .last_mut()
                        .and_then(|d| d.children.as_mut())
                    {
                        // LIMIT: limits::MAX_PXAR_DIR_ENTRIES, as the accessor lists.
                        if children.len() as u64 >= limits::MAX_PXAR_DIR_ENTRIES {
                            return Err(FormatError::invalid(
                                WHAT,
                                format!(
                                    "directory {} has more than {} entries",
                                    String::from_utf8_lossy(&parent),
                                    limits::MAX_PXAR_DIR_ENTRIES
                                ),
                            ));
                        }
                        children.push(Child {
                            hash: hash_filename(&name),
                            filename_offset: header.offset,
                            ..Child::default()
                        });
                    }
                    let next = self.read_header()?;
                    if next.htype == PXAR_HARDLINK {
                        return self.read_hardlink(&next, path).map(Some);
                    }
                    let entry = self.read_entry(next, path)?;
                    if let EntryKind::File {
                        size, split: true, ..
                    } = entry.kind
                    {
                        if let Some(child) = level
                            .checked_sub(1)
                            .and_then(|i| self.directories.get_mut(i))
                            .and_then(|d| d.children.as_mut())
                            .and_then(|c| c.last_mut())
                        {
                            child.payload_size = size;
                        }
                    }
                    return Ok(Some(entry));
                }
                PXAR_GOODBYE => {
                    let dir = self.directories.pop();
                    match dir {
                        Some(OpenDir {
                            path,
                            entry_offset,
                            children: Some(children),
                        }) => self.check_goodbye(&header, &path, entry_offset, &children)?,
                        _ => self.skip(header.content_len)?,
                    }
                    if self.directories.is_empty() {
                        self.finished = true;
                        return Ok(None);
                    }
                }
                other => {
                    return Err(unexpected(
                        other,
                        header.offset,
                        "a file name or goodbye table",
                    ))
                }
            }
        }
    }

    fn read_root(&mut self) -> Result<Entry> {
        let mut header = self.read_header()?;
        if header.htype == PXAR_FORMAT_VERSION {
            let version = self.read_u64_item(&header, "format version")?;
            if version != 1 && version != 2 {
                return Err(FormatError::invalid(
                    WHAT,
                    format!("unsupported format version {version}"),
                ));
            }
            self.format_version = version;
            header = self.read_header()?;
            if header.htype == PXAR_PRELUDE {
                // LIMIT: limits::MAX_PXAR_PRELUDE_SIZE.
                self.prelude =
                    Some(self.read_content(&header, limits::MAX_PXAR_PRELUDE_SIZE, "prelude")?);
                header = self.read_header()?;
            }
        }
        let entry = self.read_entry(header, b"/".to_vec())?;
        if !matches!(entry.kind, EntryKind::Directory) {
            return Err(FormatError::invalid(
                WHAT,
                "the archive root is not a directory",
            ));
        }
        Ok(entry)
    }

    /// Decodes ENTRY, its attribute items and its kind's item.
    fn read_entry(&mut self, header: Header, path: Vec<u8>) -> Result<Entry> {
        let mut metadata = self.read_stat(&header)?;
        let kind = loop {
            let item = self.read_header()?;
            match item.htype {
                PXAR_XATTR => {
                    // LIMIT: limits::MAX_PXAR_XATTR_SIZE.
                    let content = self.read_content(&item, limits::MAX_PXAR_XATTR_SIZE, "xattr")?;
                    let nul = content.iter().position(|b| *b == 0).ok_or_else(|| {
                        FormatError::invalid(
                            WHAT,
                            format!("xattr at offset {} has no name terminator", item.offset),
                        )
                    })?;
                    let (name, value) = content.split_at(nul);
                    metadata
                        .xattrs
                        .push((name.to_vec(), value.get(1..).unwrap_or_default().to_vec()));
                }
                PXAR_FCAPS => {
                    metadata.fcaps =
                        Some(self.read_content(&item, limits::MAX_PXAR_XATTR_SIZE, "fcaps")?);
                }
                PXAR_ACL_USER | PXAR_ACL_GROUP | PXAR_ACL_DEFAULT_USER | PXAR_ACL_DEFAULT_GROUP => {
                    let [id, perms] = self.read_u64s::<2>(&item, "acl entry")?;
                    let list = match item.htype {
                        PXAR_ACL_USER => &mut metadata.acl.users,
                        PXAR_ACL_GROUP => &mut metadata.acl.groups,
                        PXAR_ACL_DEFAULT_USER => &mut metadata.acl.default_users,
                        _ => &mut metadata.acl.default_groups,
                    };
                    // LIMIT: limits::MAX_PXAR_ACL_ENTRIES per list.
                    if list.len() >= limits::MAX_PXAR_ACL_ENTRIES {
                        return Err(FormatError::invalid(
                            WHAT,
                            format!("too many ACL entries at offset {}", item.offset),
                        ));
                    }
                    list.push((id, perms));
                }
                PXAR_ACL_GROUP_OBJ => {
                    metadata.acl.group_obj = Some(self.read_u64_item(&item, "acl group object")?)
                }
                PXAR_ACL_DEFAULT => {
                    metadata.acl.default = Some(self.read_u64s::<4>(&item, "default acl")?)
                }
                PXAR_QUOTA_PROJID => {
                    metadata.quota_project_id = Some(self.read_u64_item(&item, "quota project id")?)
                }
                PXAR_PAYLOAD => {
                    expect_type(&metadata, S_IFREG, &item)?;
                    self.payload_left = item.content_len;
                    break EntryKind::File {
                        size: item.content_len,
                        payload_offset: item.offset + HEADER_LEN,
                        split: false,
                    };
                }
                PXAR_PAYLOAD_REF => {
                    expect_type(&metadata, S_IFREG, &item)?;
                    let [offset, size] = self.read_u64s::<2>(&item, "payload reference")?;
                    let payload_offset = offset.checked_add(HEADER_LEN).ok_or_else(|| {
                        FormatError::invalid(WHAT, "payload reference offset overflows")
                    })?;
                    break EntryKind::File {
                        size,
                        payload_offset,
                        split: true,
                    };
                }
                PXAR_SYMLINK => {
                    expect_type(&metadata, S_IFLNK, &item)?;
                    let target = self.read_name(&item, "symlink target")?;
                    break EntryKind::Symlink { target };
                }
                PXAR_DEVICE => {
                    let [major, minor] = self.read_u64s::<2>(&item, "device")?;
                    if !matches!(metadata.file_type(), S_IFBLK | S_IFCHR) {
                        return Err(kind_mismatch(&metadata, &item));
                    }
                    break EntryKind::Device { major, minor };
                }
                PXAR_FILENAME | PXAR_GOODBYE => {
                    self.pending = Some(item);
                    break match metadata.file_type() {
                        S_IFDIR => EntryKind::Directory,
                        S_IFIFO => EntryKind::Fifo,
                        S_IFSOCK => EntryKind::Socket,
                        _ => return Err(kind_mismatch(&metadata, &item)),
                    };
                }
                other => {
                    return Err(unexpected(
                        other,
                        item.offset,
                        "an attribute or content item",
                    ))
                }
            }
        };
        if kind == EntryKind::Directory {
            // LIMIT: limits::MAX_PXAR_DEPTH.
            if self.directories.len() >= limits::MAX_PXAR_DEPTH {
                return Err(FormatError::invalid(WHAT, "directories nest too deeply"));
            }
            self.directories.push(OpenDir {
                path: path.clone(),
                // The root's goodbye tail points at the archive start (formats.md §10.5).
                entry_offset: if path == b"/" { 0 } else { header.offset },
                children: Some(Vec::new()),
            });
        } else if metadata.is_dir() {
            return Err(FormatError::invalid(
                WHAT,
                format!(
                    "directory {} has file content",
                    String::from_utf8_lossy(&path)
                ),
            ));
        }
        Ok(Entry {
            path,
            kind,
            metadata,
        })
    }

    fn read_stat(&mut self, header: &Header) -> Result<Metadata> {
        let mut m = Metadata::default();
        match header.htype {
            PXAR_ENTRY => {
                let raw = self.read_exact_content::<40>(header, "entry")?;
                m.mode = le_u64(&raw, 0);
                m.flags = le_u64(&raw, 8);
                m.uid = le_u32(&raw, 16);
                m.gid = le_u32(&raw, 20);
                m.mtime_secs = le_u64(&raw, 24) as i64;
                m.mtime_nanos = le_u32(&raw, 32);
                if m.mtime_nanos >= 1_000_000_000 {
                    return Err(FormatError::invalid(
                        WHAT,
                        format!(
                            "entry at offset {}: nanoseconds out of range",
                            header.offset
                        ),
                    ));
                }
            }
            PXAR_ENTRY_V1 => {
                let raw = self.read_exact_content::<32>(header, "entry")?;
                m.mode = le_u64(&raw, 0);
                m.flags = le_u64(&raw, 8);
                m.uid = le_u32(&raw, 16);
                m.gid = le_u32(&raw, 20);
                let nanos = le_u64(&raw, 24);
                m.mtime_secs = (nanos / 1_000_000_000) as i64;
                m.mtime_nanos = (nanos % 1_000_000_000) as u32;
            }
            other => return Err(unexpected(other, header.offset, "an entry")),
        }
        Ok(m)
    }

    fn read_hardlink(&mut self, header: &Header, path: Vec<u8>) -> Result<Entry> {
        // LIMIT: the offset plus a name of at most MAX_PXAR_NAME_LEN and its NUL.
        let content = self.read_content(header, 8 + limits::MAX_PXAR_NAME_LEN + 1, "hardlink")?;
        let target = content.get(8..).unwrap_or_default();
        let target = strip_nul(target, header.offset)?;
        if target.is_empty() {
            return Err(FormatError::invalid(
                WHAT,
                format!("hardlink at offset {} has an empty target", header.offset),
            ));
        }
        Ok(Entry {
            path,
            kind: EntryKind::Hardlink {
                target: target.to_vec(),
            },
            metadata: Metadata::default(),
        })
    }

    /// Reads the goodbye table of the directory `path` (GOODBYE header `header`) and checks that
    /// it lists exactly `children`: same hashes in search-tree order, each child's offset back
    /// from the table and its size, and a tail pointing back to the directory's entry.
    fn check_goodbye(
        &mut self,
        header: &Header,
        path: &[u8],
        entry_offset: u64,
        children: &[Child],
    ) -> Result<()> {
        let table = header.offset;
        let mismatch = |detail: String| {
            FormatError::invalid(
                WHAT,
                format!(
                    "directory {}: goodbye table at offset {table} does not match its entries ({detail})",
                    String::from_utf8_lossy(path)
                ),
            )
        };
        // LIMIT: the table must hold one item per child read (plus the tail), so what is read
        // here is bounded by the entries already decoded, not by the header's claim.
        let want_len = (children.len() as u64 + 1) * 24;
        if header.content_len != want_len {
            return Err(mismatch(format!(
                "{} bytes for {} entries, expected {want_len}",
                header.content_len,
                children.len()
            )));
        }
        let mut items = Vec::with_capacity(children.len());
        for _ in 0..children.len() {
            let [hash, offset, size] = self.read_goodbye_item()?;
            items.push((hash, offset, size));
        }
        let [tail_hash, tail_offset, tail_size] = self.read_goodbye_item()?;
        if tail_hash != PXAR_GOODBYE_TAIL_MARKER
            || Some(tail_offset) != table.checked_sub(entry_offset)
            || tail_size != header.content_len + HEADER_LEN
        {
            return Err(mismatch("bad tail".into()));
        }
        // Hashes in the search-tree layout of the sorted hashes (equal hashes may come in any
        // order, and are equal anyway).
        let mut hashes: Vec<u64> = children.iter().map(|c| c.hash).collect();
        hashes.sort_unstable();
        let layout = super::encoder::search_tree_layout(&hashes);
        if items.iter().map(|i| i.0).ne(layout.iter().copied()) {
            return Err(mismatch(
                "names missing, extra or out of search-tree order".into(),
            ));
        }
        // Each child's offset and size, matched by (hash, offset).
        let mut expected: Vec<(u64, u64, u64, u64)> = children
            .iter()
            .map(|c| {
                let end = if c.end == 0 { table } else { c.end };
                (
                    c.hash,
                    table.saturating_sub(c.filename_offset),
                    end.saturating_sub(c.filename_offset),
                    c.payload_size,
                )
            })
            .collect();
        expected.sort_unstable_by_key(|e| (e.0, e.1));
        items.sort_unstable_by_key(|i| (i.0, i.1));
        for ((hash, offset, size), (_, want_offset, want_size, payload)) in
            items.iter().zip(&expected)
        {
            if *offset != *want_offset {
                return Err(mismatch(format!(
                    "item {hash:#018x} points {offset} bytes back, the entry is {want_offset}"
                )));
            }
            let size_ok = *size == *want_size || Some(*size) == want_size.checked_add(*payload);
            if !size_ok {
                return Err(mismatch(format!(
                    "item {hash:#018x} has size {size}, the entry has {want_size}"
                )));
            }
        }
        Ok(())
    }

    fn read_goodbye_item(&mut self) -> Result<[u64; 3]> {
        let mut raw = [0u8; 24];
        self.read_exact(&mut raw)?;
        Ok([le_u64(&raw, 0), le_u64(&raw, 8), le_u64(&raw, 16)])
    }

    fn next_header(&mut self) -> Result<Header> {
        match self.pending.take() {
            Some(h) => Ok(h),
            None => self.read_header(),
        }
    }

    fn read_header(&mut self) -> Result<Header> {
        let offset = self.position;
        let mut raw = [0u8; 16];
        self.read_exact(&mut raw)?;
        let htype = le_u64(&raw, 0);
        let full_size = le_u64(&raw, 8);
        if full_size < HEADER_LEN {
            return Err(FormatError::invalid(
                WHAT,
                format!("item at offset {offset} has size {full_size} < 16"),
            ));
        }
        Ok(Header {
            htype,
            content_len: full_size - HEADER_LEN,
            offset,
        })
    }

    fn read_content(&mut self, header: &Header, max: usize, what: &'static str) -> Result<Vec<u8>> {
        if header.content_len > max as u64 {
            return Err(FormatError::invalid(
                WHAT,
                format!(
                    "{what} at offset {} is {} bytes, more than {max}",
                    header.offset, header.content_len
                ),
            ));
        }
        let mut content = vec![0u8; header.content_len as usize];
        self.read_exact(&mut content)?;
        Ok(content)
    }

    fn read_exact_content<const N: usize>(
        &mut self,
        header: &Header,
        what: &'static str,
    ) -> Result<[u8; N]> {
        if header.content_len != N as u64 {
            return Err(FormatError::invalid(
                WHAT,
                format!(
                    "{what} at offset {} is {} bytes, expected {N}",
                    header.offset, header.content_len
                ),
            ));
        }
        let mut raw = [0u8; N];
        self.read_exact(&mut raw)?;
        Ok(raw)
    }

    fn read_u64s<const N: usize>(
        &mut self,
        header: &Header,
        what: &'static str,
    ) -> Result<[u64; N]> {
        if header.content_len != 8 * N as u64 {
            return Err(FormatError::invalid(
                WHAT,
                format!(
                    "{what} at offset {} is {} bytes, expected {}",
                    header.offset,
                    header.content_len,
                    8 * N
                ),
            ));
        }
        let mut out = [0u64; N];
        for v in out.iter_mut() {
            let mut raw = [0u8; 8];
            self.read_exact(&mut raw)?;
            *v = u64::from_le_bytes(raw);
        }
        Ok(out)
    }

    fn read_u64_item(&mut self, header: &Header, what: &'static str) -> Result<u64> {
        self.read_u64s::<1>(header, what).map(|[v]| v)
    }

    /// A NUL-terminated name: checked for length, and for file names, for `/`, `.` and `..`.
    fn read_name(&mut self, header: &Header, what: &'static str) -> Result<Vec<u8>> {
        // LIMIT: limits::MAX_PXAR_NAME_LEN plus the NUL.
        let content = self.read_content(header, limits::MAX_PXAR_NAME_LEN + 1, what)?;
        let name = strip_nul(&content, header.offset)?.to_vec();
        if what == "file name"
            && (name.is_empty() || name == b"." || name == b".." || name.contains(&b'/'))
        {
            return Err(FormatError::invalid(
                WHAT,
                format!(
                    "invalid file name {:?} at offset {}",
                    String::from_utf8_lossy(&name),
                    header.offset
                ),
            ));
        }
        Ok(name)
    }

    fn read_exact(&mut self, buf: &mut [u8]) -> Result<()> {
        self.input.read_exact(buf).map_err(|e| match e.kind() {
            io::ErrorKind::UnexpectedEof => FormatError::invalid(
                WHAT,
                format!("archive truncated at offset {}", self.position),
            ),
            _ => FormatError::invalid(WHAT, format!("read error at offset {}: {e}", self.position)),
        })?;
        self.position += buf.len() as u64;
        Ok(())
    }

    fn skip(&mut self, len: u64) -> Result<()> {
        let copied = io::copy(&mut (&mut self.input).take(len), &mut io::sink()).map_err(|e| {
            FormatError::invalid(WHAT, format!("read error at offset {}: {e}", self.position))
        })?;
        self.position += copied;
        if copied != len {
            return Err(FormatError::invalid(
                WHAT,
                format!("archive truncated at offset {}", self.position),
            ));
        }
        Ok(())
    }
}

fn child_path(parent: &[u8], name: &[u8]) -> Result<Vec<u8>> {
    let mut path = parent.to_vec();
    if path != b"/" {
        path.push(b'/');
    }
    path.extend_from_slice(name);
    // LIMIT: limits::MAX_PXAR_PATH_LEN.
    if path.len() > limits::MAX_PXAR_PATH_LEN {
        return Err(FormatError::invalid(WHAT, "path too long"));
    }
    Ok(path)
}

fn strip_nul(content: &[u8], offset: u64) -> Result<&[u8]> {
    match content.split_last() {
        Some((0, name)) if !name.contains(&0) => Ok(name),
        _ => Err(FormatError::invalid(
            WHAT,
            format!("name at offset {offset} is not NUL-terminated"),
        )),
    }
}

fn expect_type(metadata: &Metadata, file_type: u64, item: &Header) -> Result<()> {
    if metadata.file_type() != file_type {
        return Err(kind_mismatch(metadata, item));
    }
    Ok(())
}

fn kind_mismatch(metadata: &Metadata, item: &Header) -> FormatError {
    FormatError::invalid(
        WHAT,
        format!(
            "item {:#018x} at offset {} does not fit mode {:o}",
            item.htype, item.offset, metadata.mode
        ),
    )
}

fn unexpected(htype: u64, offset: u64, expected: &str) -> FormatError {
    FormatError::invalid(
        WHAT,
        format!("unexpected item {htype:#018x} at offset {offset}, expected {expected}"),
    )
}

fn le_u64(raw: &[u8], at: usize) -> u64 {
    raw.get(at..at + 8)
        .and_then(|b| b.try_into().ok())
        .map(u64::from_le_bytes)
        .unwrap_or(0)
}

fn le_u32(raw: &[u8], at: usize) -> u32 {
    raw.get(at..at + 4)
        .and_then(|b| b.try_into().ok())
        .map(u32::from_le_bytes)
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    const T12_V1: &str = "efac88e5746495d53800000000000000ed410000000000000000000000000000e8030000e803000000f15365000000000000000000000000b3173906211170161600000000000000612e74787400efac88e5746495d53800000000000000a4810000000000000000000000000000e8030000e803000000f15365000000000000000000000000251a7c0b1b7a1428160000000000000068656c6c6f0ab31739062111701612000000000000006400efac88e5746495d53800000000000000ed410000000000000000000000000000e8030000e803000000f15365000000000000000000000000b31739062111701612000000000000006c00efac88e5746495d53800000000000000ffa10000000000000000000000000000e8030000e803000000f153650000000000000000000000005fdcf5dbe771f92719000000000000002e2e2f612e747874001d73d542a64fec2f4000000000000000592517c9460472536300000000000000630000000000000055153e755bed5eef9b0000000000000040000000000000001d73d542a64fec2f580000000000000072aa11b6662d39dc51010000000000006400000000000000c3472fbc6c1db625ed00000000000000ed0000000000000055153e755bed5eef89010000000000005800000000000000";

    fn all_entries(bytes: &[u8]) -> Result<Vec<Entry>> {
        let mut d = Decoder::new(bytes);
        let mut out = Vec::new();
        while let Some(e) = d.next_entry()? {
            out.push(e);
        }
        Ok(out)
    }

    #[test]
    fn decodes_the_upstream_v1_archive_t12() {
        let bytes = hex::decode(T12_V1).unwrap();
        assert_eq!(bytes.len(), 481);
        let mut d = Decoder::new(&bytes[..]);
        let root = d.next_entry().unwrap().unwrap();
        assert_eq!(root.path, b"/");
        assert_eq!(root.metadata.mode, 0o40755);
        assert_eq!(
            (
                root.metadata.uid,
                root.metadata.gid,
                root.metadata.mtime_secs
            ),
            (1000, 1000, 1_700_000_000)
        );
        let file = d.next_entry().unwrap().unwrap();
        assert_eq!(file.path, b"/a.txt");
        assert_eq!(
            file.kind,
            EntryKind::File {
                size: 6,
                payload_offset: 150,
                split: false
            }
        );
        let mut content = [0u8; 16];
        let n = d.read_payload(&mut content).unwrap();
        assert_eq!(&content[..n], b"hello\n");
        let dir = d.next_entry().unwrap().unwrap();
        assert_eq!(
            (dir.path.as_slice(), &dir.kind),
            (&b"/d"[..], &EntryKind::Directory)
        );
        let link = d.next_entry().unwrap().unwrap();
        assert_eq!(link.path, b"/d/l");
        assert_eq!(
            link.kind,
            EntryKind::Symlink {
                target: b"../a.txt".to_vec()
            }
        );
        assert!(d.next_entry().unwrap().is_none());
        assert_eq!(d.position(), 481);
        assert_eq!(d.format_version(), 1);
    }

    #[test]
    fn truncated_or_flipped_archives_give_errors_not_panics() {
        let bytes = hex::decode(T12_V1).unwrap();
        for cut in 0..bytes.len() {
            assert!(
                all_entries(&bytes[..cut]).is_err(),
                "truncation at {cut} accepted"
            );
        }
        for i in 0..bytes.len() {
            for bit in 0..8 {
                let mut bad = bytes.clone();
                bad[i] ^= 1 << bit;
                let _ = all_entries(&bad);
            }
        }
    }

    #[test]
    fn refuses_dot_dot_names() {
        let mut bytes = hex::decode(T12_V1).unwrap();
        // FILENAME "d\0" at offset 156 → ".\0" is refused; names with '/' likewise.
        bytes[156 + 16] = b'.';
        let err = all_entries(&bytes).unwrap_err().to_string();
        assert!(err.contains("invalid file name"), "{err}");
    }
}
