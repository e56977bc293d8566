//! PBS's file catalog `catalog.pcat1`: streaming writer, bounds-checked reader, walk, glob find, dump.
//!
//! Pure codec over byte slices and `Write` (SPEC: formats.md §9); it never opens a file, and it
//! never follows an offset, count or length from the input before checking it.

use crate::format::error::{FormatError, Result};
use crate::format::limits;
use std::collections::HashSet;
use std::io::Write;

const WHAT: &str = "catalog";

/// `sha256("Proxmox Backup Catalog file v1.0")[0..8]`.
pub const CATALOG_MAGIC: [u8; 8] = [145, 253, 96, 249, 196, 103, 88, 213];

const MAGIC_LEN: usize = CATALOG_MAGIC.len();
const TRAILER_LEN: usize = 8;
/// Longest `varint(u64)`: ten 7-bit groups.
const MAX_VARINT_LEN: usize = 10;
/// Longest `svarint(i64)`: ten groups of a negative magnitude and the `0x00` terminator.
const MAX_SVARINT_LEN: usize = 11;
/// Smallest encoded entry: type byte, `varint(1)`, one name byte.
const MIN_ENTRY_LEN: usize = 3;

// ---------------------------------------------------------------------------------------------
// Varints (SPEC: formats.md §9.3)

/// Appends `v` as 7-bit groups, least significant first, bit 7 set on all but the last byte.
pub fn encode_varint(out: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        out.push((v as u8 & 0x7f) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

/// Decodes a varint at the start of `input`: `(value, bytes consumed)`. Reads at most 10 bytes.
pub fn decode_varint(input: &[u8]) -> Result<(u64, usize)> {
    let mut value = 0u64;
    for (i, &byte) in input.iter().take(MAX_VARINT_LEN).enumerate() {
        let group = u64::from(byte & 0x7f);
        let shift = 7 * i as u32;
        if shift == 63 && group > 1 {
            return Err(FormatError::invalid("catalog varint", "overflows 64 bits"));
        }
        value |= group << shift;
        if byte & 0x80 == 0 {
            return Ok((value, i + 1));
        }
    }
    Err(FormatError::invalid(
        "catalog varint",
        if input.len() < MAX_VARINT_LEN {
            "truncated"
        } else {
            "longer than 10 bytes"
        },
    ))
}

/// Appends `v`: non-negative as a varint; negative as the magnitude's 7-bit groups, all with
/// bit 7 set, then a `0x00` terminator.
pub fn encode_svarint(out: &mut Vec<u8>, v: i64) {
    if v >= 0 {
        encode_varint(out, v as u64);
        return;
    }
    let mut magnitude = v.unsigned_abs();
    while magnitude > 0 {
        out.push((magnitude as u8 & 0x7f) | 0x80);
        magnitude >>= 7;
    }
    out.push(0);
}

/// Decodes an svarint at the start of `input`: `(value, bytes consumed)`. Reads at most 11 bytes.
pub fn decode_svarint(input: &[u8]) -> Result<(i64, usize)> {
    let mut magnitude = 0u64;
    for (i, &byte) in input.iter().take(MAX_SVARINT_LEN).enumerate() {
        if byte == 0 {
            // The terminator of a negative number (or a plain zero).
            return match magnitude {
                0 => Ok((0, i + 1)),
                m if m <= 1 << 63 => Ok(((m as i64).wrapping_neg(), i + 1)),
                _ => Err(FormatError::invalid("catalog svarint", "overflows 64 bits")),
            };
        }
        if i >= MAX_VARINT_LEN {
            break;
        }
        let group = u64::from(byte & 0x7f);
        let shift = 7 * i as u32;
        if shift == 63 && group > 1 {
            return Err(FormatError::invalid("catalog svarint", "overflows 64 bits"));
        }
        magnitude |= group << shift;
        if byte & 0x80 == 0 {
            return i64::try_from(magnitude)
                .map(|v| (v, i + 1))
                .map_err(|_| FormatError::invalid("catalog svarint", "overflows 64 bits"));
        }
    }
    Err(FormatError::invalid(
        "catalog svarint",
        if input.len() < MAX_SVARINT_LEN {
            "truncated"
        } else {
            "longer than 11 bytes"
        },
    ))
}

// ---------------------------------------------------------------------------------------------
// Entries

/// What a catalog entry is, with the fields the catalog stores for it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CatalogEntryKind {
    /// A directory (or, in the root block, an archive); its block starts at `block_offset`.
    Directory {
        block_offset: u64,
    },
    File {
        size: u64,
        mtime_secs: i64,
    },
    Symlink,
    /// A hard link; the catalog records no target.
    Hardlink,
    BlockDevice,
    CharDevice,
    Fifo,
    Socket,
}

impl CatalogEntryKind {
    /// The ASCII type byte stored in the catalog (and printed by `dump`).
    pub fn type_byte(&self) -> u8 {
        match self {
            CatalogEntryKind::Directory { .. } => b'd',
            CatalogEntryKind::File { .. } => b'f',
            CatalogEntryKind::Symlink => b'l',
            CatalogEntryKind::Hardlink => b'h',
            CatalogEntryKind::BlockDevice => b'b',
            CatalogEntryKind::CharDevice => b'c',
            CatalogEntryKind::Fifo => b'p',
            CatalogEntryKind::Socket => b's',
        }
    }
}

/// One entry of a directory block.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CatalogEntry {
    pub name: Vec<u8>,
    pub kind: CatalogEntryKind,
}

impl CatalogEntry {
    pub fn is_dir(&self) -> bool {
        matches!(self.kind, CatalogEntryKind::Directory { .. })
    }

    /// The handle to list this directory with; `None` for anything else.
    pub fn dir_handle(&self) -> Option<DirHandle> {
        match self.kind {
            CatalogEntryKind::Directory { block_offset } => Some(DirHandle {
                offset: block_offset,
            }),
            _ => None,
        }
    }
}

/// A directory of a catalog: the offset of its block. Read it with [`CatalogReader::read_dir`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct DirHandle {
    offset: u64,
}

impl DirHandle {
    /// Byte offset of the directory's block in the catalog stream.
    pub fn offset(&self) -> u64 {
        self.offset
    }
}

/// Rejects names a catalog cannot hold: empty, `.`, `..`, containing `/` or NUL, too long.
fn check_name(name: &[u8]) -> Result<()> {
    // LIMIT: names are at most MAX_CATALOG_NAME_LEN bytes (PBS's reader refuses 4096 and more).
    if name.len() > limits::MAX_CATALOG_NAME_LEN {
        return Err(FormatError::invalid(
            WHAT,
            format!(
                "name of {} bytes exceeds the limit of {}",
                name.len(),
                limits::MAX_CATALOG_NAME_LEN
            ),
        ));
    }
    if name.is_empty() || name == b"." || name == b".." || name.contains(&b'/') || name.contains(&0)
    {
        return Err(FormatError::invalid(
            WHAT,
            format!("invalid name {:?}", String::from_utf8_lossy(name)),
        ));
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Writer

/// One open directory of a [`CatalogWriter`]: its name and the entries added so far.
struct PendingDir {
    name: Vec<u8>,
    entries: Vec<CatalogEntry>,
}

/// Writes a catalog stream: magic, one block per directory as it is closed (post-order),
/// the root block, then the root block's offset.
///
/// At the top level, call `start_directory(b"root.pxar.didx")` (etc.) once per archive. Only
/// the open directories' entries are held in memory.
pub struct CatalogWriter<W: Write> {
    out: W,
    pos: u64,
    /// `stack[0]` is the catalog root; the last element is the directory being filled.
    stack: Vec<PendingDir>,
}

impl<W: Write> CatalogWriter<W> {
    /// Starts a catalog: writes the magic.
    pub fn new(out: W) -> Result<Self> {
        let mut writer = CatalogWriter {
            out,
            pos: 0,
            stack: vec![PendingDir {
                name: Vec::new(),
                entries: Vec::new(),
            }],
        };
        writer.write(&CATALOG_MAGIC)?;
        Ok(writer)
    }

    /// Opens directory `name` inside the current directory; entries go into it until
    /// [`end_directory`](Self::end_directory).
    pub fn start_directory(&mut self, name: &[u8]) -> Result<()> {
        check_name(name)?;
        // LIMIT: the reader follows at most MAX_CATALOG_DEPTH levels; never write deeper.
        if self.stack.len() > limits::MAX_CATALOG_DEPTH {
            return Err(FormatError::invalid(
                WHAT,
                format!(
                    "directories nest deeper than {} levels",
                    limits::MAX_CATALOG_DEPTH
                ),
            ));
        }
        self.stack.push(PendingDir {
            name: name.to_vec(),
            entries: Vec::new(),
        });
        Ok(())
    }

    /// Closes the current directory: writes its block and records it in its parent.
    pub fn end_directory(&mut self) -> Result<()> {
        if self.stack.len() < 2 {
            return Err(FormatError::invalid(
                WHAT,
                "end_directory without an open directory",
            ));
        }
        let Some(dir) = self.stack.pop() else {
            return Err(FormatError::invalid(WHAT, "no open directory"));
        };
        let block_offset = self.pos;
        let block = encode_block(&dir.entries, block_offset)?;
        self.write(&block)?;
        self.push_entry(dir.name, CatalogEntryKind::Directory { block_offset })
    }

    pub fn add_file(&mut self, name: &[u8], size: u64, mtime_secs: i64) -> Result<()> {
        self.add(name, CatalogEntryKind::File { size, mtime_secs })
    }

    pub fn add_symlink(&mut self, name: &[u8]) -> Result<()> {
        self.add(name, CatalogEntryKind::Symlink)
    }

    pub fn add_hardlink(&mut self, name: &[u8]) -> Result<()> {
        self.add(name, CatalogEntryKind::Hardlink)
    }

    pub fn add_block_device(&mut self, name: &[u8]) -> Result<()> {
        self.add(name, CatalogEntryKind::BlockDevice)
    }

    pub fn add_char_device(&mut self, name: &[u8]) -> Result<()> {
        self.add(name, CatalogEntryKind::CharDevice)
    }

    pub fn add_fifo(&mut self, name: &[u8]) -> Result<()> {
        self.add(name, CatalogEntryKind::Fifo)
    }

    pub fn add_socket(&mut self, name: &[u8]) -> Result<()> {
        self.add(name, CatalogEntryKind::Socket)
    }

    /// Writes the root block and the trailer, flushes, and hands back the output.
    /// Fails if a directory is still open.
    pub fn finish(mut self) -> Result<W> {
        if self.stack.len() != 1 {
            return Err(FormatError::invalid(
                WHAT,
                format!(
                    "finish with {} directories still open",
                    self.stack.len().saturating_sub(1)
                ),
            ));
        }
        let root_offset = self.pos;
        let root = self.stack.pop().map(|d| d.entries).unwrap_or_default();
        let block = encode_block(&root, root_offset)?;
        self.write(&block)?;
        self.write(&root_offset.to_le_bytes())?;
        self.out
            .flush()
            .map_err(|e| FormatError::invalid(WHAT, format!("write error: {e}")))?;
        Ok(self.out)
    }

    /// Adds a non-directory entry (directories go through `start_directory`).
    fn add(&mut self, name: &[u8], kind: CatalogEntryKind) -> Result<()> {
        check_name(name)?;
        self.push_entry(name.to_vec(), kind)
    }

    fn push_entry(&mut self, name: Vec<u8>, kind: CatalogEntryKind) -> Result<()> {
        let dir = self
            .stack
            .last_mut()
            .ok_or_else(|| FormatError::invalid(WHAT, "writer already finished"))?;
        dir.entries.push(CatalogEntry { name, kind });
        Ok(())
    }

    fn write(&mut self, bytes: &[u8]) -> Result<()> {
        self.out
            .write_all(bytes)
            .map_err(|source| FormatError::Write {
                what: WHAT.to_string(),
                offset: self.pos,
                source,
            })?;
        self.pos = self
            .pos
            .checked_add(bytes.len() as u64)
            .ok_or_else(|| FormatError::invalid(WHAT, "stream offset overflows"))?;
        Ok(())
    }
}

/// Encodes one directory block starting at `block_start`: `varint(L)`, then the table of `L`
/// bytes (`varint(count)` and the entries).
fn encode_block(entries: &[CatalogEntry], block_start: u64) -> Result<Vec<u8>> {
    let mut table = Vec::new();
    encode_varint(&mut table, entries.len() as u64);
    for entry in entries {
        table.push(entry.kind.type_byte());
        encode_varint(&mut table, entry.name.len() as u64);
        table.extend_from_slice(&entry.name);
        match entry.kind {
            CatalogEntryKind::Directory { block_offset } => {
                let distance = block_start
                    .checked_sub(block_offset)
                    .filter(|&d| d > 0)
                    .ok_or_else(|| {
                        FormatError::invalid(
                            WHAT,
                            format!("child block {block_offset} does not precede {block_start}"),
                        )
                    })?;
                encode_varint(&mut table, distance);
            }
            CatalogEntryKind::File { size, mtime_secs } => {
                encode_varint(&mut table, size);
                encode_svarint(&mut table, mtime_secs);
            }
            _ => {}
        }
    }
    let mut block = Vec::with_capacity(table.len() + MAX_VARINT_LEN);
    encode_varint(&mut block, table.len() as u64);
    block.extend_from_slice(&table);
    Ok(block)
}

// ---------------------------------------------------------------------------------------------
// Reader

/// A whole catalog stream in memory, read on demand: nothing is decoded until asked for.
#[derive(Debug, Clone, Copy)]
pub struct CatalogReader<'a> {
    data: &'a [u8],
    root_offset: u64,
    /// Where the 8-byte trailer starts; every block lies in `[MAGIC_LEN, trailer_start)`.
    trailer_start: usize,
}

impl<'a> CatalogReader<'a> {
    /// Checks the magic, the trailer's root offset and that the root block ends at the trailer.
    pub fn new(data: &'a [u8]) -> Result<Self> {
        let need = MAGIC_LEN + 2 + TRAILER_LEN;
        if data.len() < need {
            return Err(FormatError::TooShort {
                what: WHAT,
                len: data.len(),
                need,
            });
        }
        let magic = data.get(..MAGIC_LEN).unwrap_or_default();
        if magic != CATALOG_MAGIC {
            return Err(FormatError::BadMagic {
                what: WHAT,
                found: hex::encode(magic),
            });
        }
        let trailer_start = data.len() - TRAILER_LEN;
        let trailer: [u8; 8] = data
            .get(trailer_start..)
            .and_then(|t| t.try_into().ok())
            .unwrap_or_default();
        let root_offset = u64::from_le_bytes(trailer);
        let reader = CatalogReader {
            data,
            root_offset,
            trailer_start,
        };
        let (_, root_end) = reader.block(root_offset)?;
        if root_end != trailer_start {
            return Err(FormatError::invalid(
                WHAT,
                format!(
                    "root block at {root_offset} ends at {root_end}, not at the trailer ({trailer_start})"
                ),
            ));
        }
        Ok(reader)
    }

    /// The catalog's root directory: one directory entry per archive.
    pub fn root(&self) -> DirHandle {
        DirHandle {
            offset: self.root_offset,
        }
    }

    /// The entries of one directory, in stored order.
    ///
    /// Every directory entry returned points at a block that lies wholly before this one.
    pub fn read_dir(&self, dir: &DirHandle) -> Result<Vec<CatalogEntry>> {
        let block_start = dir.offset;
        let (table, _) = self.block(block_start)?;
        let bad = |detail: String| {
            FormatError::invalid(WHAT, format!("block at {block_start}: {detail}"))
        };
        let (count, mut pos) = decode_varint(table).map_err(|e| bad(format!("count: {e}")))?;
        // LIMIT: every entry takes at least MIN_ENTRY_LEN bytes of the block.
        let room = table.len().saturating_sub(pos) / MIN_ENTRY_LEN;
        let count = usize::try_from(count)
            .ok()
            .filter(|&c| c <= room)
            .ok_or_else(|| {
                bad(format!(
                    "{count} entries cannot fit in {} bytes",
                    table.len()
                ))
            })?;
        let mut entries = Vec::with_capacity(count);
        for i in 0..count {
            let rest = table.get(pos..).unwrap_or_default();
            let (entry, used) = self
                .decode_entry(rest, block_start)
                .map_err(|e| bad(format!("entry {i}: {e}")))?;
            pos = pos
                .checked_add(used)
                .ok_or_else(|| bad("offset overflows".into()))?;
            entries.push(entry);
        }
        if pos != table.len() {
            return Err(bad(format!(
                "{} bytes left after {count} entries",
                table.len().saturating_sub(pos)
            )));
        }
        Ok(entries)
    }

    /// Resolves `components` (one name each) from `dir`. `None` when a component is missing or
    /// an intermediate component is not a directory; `None` for an empty path too.
    pub fn lookup<I, C>(&self, dir: &DirHandle, components: I) -> Result<Option<CatalogEntry>>
    where
        I: IntoIterator<Item = C>,
        C: AsRef<[u8]>,
    {
        let mut current: Option<CatalogEntry> = None;
        let mut handle = *dir;
        for component in components {
            if let Some(entry) = &current {
                match entry.dir_handle() {
                    Some(h) => handle = h,
                    None => return Ok(None),
                }
            }
            let name = component.as_ref();
            match self.read_dir(&handle)?.into_iter().find(|e| e.name == name) {
                Some(entry) => current = Some(entry),
                None => return Ok(None),
            }
        }
        Ok(current)
    }

    /// [`lookup`](Self::lookup) of a `/`-separated path from the root, e.g.
    /// `root.pxar.didx/etc/hosts`; empty and `.` components are skipped.
    pub fn lookup_path(&self, path: &[u8]) -> Result<Option<CatalogEntry>> {
        let components = path
            .split(|&b| b == b'/')
            .filter(|c| !c.is_empty() && *c != b".");
        self.lookup(&self.root(), components)
    }

    /// Visits every entry depth-first in stored order (a directory before its contents), with
    /// its path relative to the catalog root (`root.pxar.didx/etc/hosts`).
    ///
    /// Fails on the first bad block, a block reached twice, nesting deeper than
    /// `MAX_CATALOG_DEPTH` or a path longer than `MAX_CATALOG_PATH_LEN`, or `visit`'s error.
    pub fn walk<F>(&self, mut visit: F) -> Result<()>
    where
        F: FnMut(&[u8], &CatalogEntry) -> Result<()>,
    {
        struct Frame {
            entries: std::vec::IntoIter<CatalogEntry>,
            path_len: usize,
        }
        let root = self.root();
        // Each block is listed at most once: a hostile catalog could otherwise make many
        // entries share one subtree and blow the walk up exponentially.
        let mut visited = HashSet::new();
        visited.insert(root.offset);
        let mut stack = vec![Frame {
            entries: self.read_dir(&root)?.into_iter(),
            path_len: 0,
        }];
        let mut path = Vec::new();
        while let Some(frame) = stack.last_mut() {
            let Some(entry) = frame.entries.next() else {
                stack.pop();
                continue;
            };
            path.truncate(frame.path_len);
            if !path.is_empty() {
                path.push(b'/');
            }
            path.extend_from_slice(&entry.name);
            // LIMIT: paths are at most MAX_CATALOG_PATH_LEN bytes.
            if path.len() > limits::MAX_CATALOG_PATH_LEN {
                return Err(FormatError::invalid(
                    WHAT,
                    format!(
                        "path longer than {} bytes under {:?}",
                        limits::MAX_CATALOG_PATH_LEN,
                        String::from_utf8_lossy(path.get(..200).unwrap_or_default())
                    ),
                ));
            }
            visit(&path, &entry)?;
            if let Some(child) = entry.dir_handle() {
                // LIMIT: at most MAX_CATALOG_DEPTH nested directories below the root.
                if stack.len() > limits::MAX_CATALOG_DEPTH {
                    return Err(FormatError::invalid(
                        WHAT,
                        format!(
                            "directories nest deeper than {} levels",
                            limits::MAX_CATALOG_DEPTH
                        ),
                    ));
                }
                if !visited.insert(child.offset) {
                    return Err(FormatError::invalid(
                        WHAT,
                        format!("block at {} is referenced twice", child.offset),
                    ));
                }
                let entries = self.read_dir(&child)?.into_iter();
                stack.push(Frame {
                    entries,
                    path_len: path.len(),
                });
            }
        }
        Ok(())
    }

    /// Every entry whose path relative to the catalog root matches the glob `pattern`
    /// (see [`Glob`]), in walk order.
    pub fn find(&self, pattern: impl AsRef<[u8]>) -> Result<Vec<(Vec<u8>, CatalogEntry)>> {
        let glob = Glob::new(pattern.as_ref())?;
        let mut found = Vec::new();
        self.walk(|path, entry| {
            if glob.matches(path) {
                found.push((path.to_vec(), entry.clone()));
            }
            Ok(())
        })?;
        Ok(found)
    }

    /// Prints every entry as PBS's `catalog dump` does: `f "./root.pxar.didx/a.txt" 6
    /// 2023-11-14T22:13:20Z`, other kinds with only the type and the quoted path.
    pub fn dump(&self, out: &mut dyn Write) -> Result<()> {
        let mut line = Vec::new();
        self.walk(|path, entry| {
            line.clear();
            let mut full = Vec::with_capacity(path.len() + 2);
            full.extend_from_slice(b"./");
            full.extend_from_slice(path);
            line.push(entry.kind.type_byte());
            line.push(b' ');
            line.extend_from_slice(quote_path(&full).as_bytes());
            if let CatalogEntryKind::File { size, mtime_secs } = entry.kind {
                line.extend_from_slice(format!(" {size} {}", format_mtime(mtime_secs)).as_bytes());
            }
            line.push(b'\n');
            out.write_all(&line)
                .map_err(|e| FormatError::invalid(WHAT, format!("dump: write error: {e}")))
        })
    }

    /// The table of the block at `start` and the offset just past the block.
    fn block(&self, start: u64) -> Result<(&'a [u8], usize)> {
        let bad =
            |detail: String| FormatError::invalid(WHAT, format!("block at {start}: {detail}"));
        let begin = usize::try_from(start)
            .ok()
            .filter(|&s| s >= MAGIC_LEN && s < self.trailer_start)
            .ok_or_else(|| bad(format!("outside [{MAGIC_LEN}, {})", self.trailer_start)))?;
        let region = self.data.get(begin..self.trailer_start).unwrap_or_default();
        let (len, used) = decode_varint(region).map_err(|e| bad(format!("length: {e}")))?;
        let table = usize::try_from(len)
            .ok()
            .and_then(|len| used.checked_add(len))
            .and_then(|end| region.get(used..end))
            .ok_or_else(|| bad(format!("length {len} runs past the end")))?;
        // Cannot overflow: `table` lies inside `data`.
        let end = begin + used + table.len();
        Ok((table, end))
    }

    /// Decodes one entry at the start of `input`, in the block starting at `block_start`.
    fn decode_entry(&self, input: &[u8], block_start: u64) -> Result<(CatalogEntry, usize)> {
        let type_byte = *input
            .first()
            .ok_or_else(|| FormatError::invalid(WHAT, "truncated"))?;
        let mut pos = 1usize;
        let (name_len, used) = decode_varint(input.get(pos..).unwrap_or_default())?;
        pos += used;
        // LIMIT: names are at most MAX_CATALOG_NAME_LEN bytes.
        let name_len = usize::try_from(name_len)
            .ok()
            .filter(|&l| l <= limits::MAX_CATALOG_NAME_LEN)
            .ok_or_else(|| {
                FormatError::invalid(
                    WHAT,
                    format!(
                        "name length {name_len} exceeds the limit of {}",
                        limits::MAX_CATALOG_NAME_LEN
                    ),
                )
            })?;
        let name = pos
            .checked_add(name_len)
            .and_then(|end| input.get(pos..end))
            .ok_or_else(|| FormatError::invalid(WHAT, "name runs past the block"))?;
        check_name(name)?;
        pos += name_len;
        let rest = input.get(pos..).unwrap_or_default();
        let kind = match type_byte {
            b'd' => {
                let (distance, used) = decode_varint(rest)?;
                pos += used;
                let child = block_start
                    .checked_sub(distance)
                    .filter(|&c| distance > 0 && c >= MAGIC_LEN as u64)
                    .ok_or_else(|| {
                        FormatError::invalid(
                            WHAT,
                            format!(
                                "directory distance {distance} does not point before the block"
                            ),
                        )
                    })?;
                // Post-order: a child's whole block precedes its parent's, so offsets strictly
                // fall along every path, which rules out cycles.
                let (_, child_end) = self.block(child)?;
                if child_end as u64 > block_start {
                    return Err(FormatError::invalid(
                        WHAT,
                        format!("child block at {child} overlaps its parent"),
                    ));
                }
                CatalogEntryKind::Directory {
                    block_offset: child,
                }
            }
            b'f' => {
                let (size, used) = decode_varint(rest)?;
                pos += used;
                let (mtime_secs, used) = decode_svarint(input.get(pos..).unwrap_or_default())?;
                pos += used;
                CatalogEntryKind::File { size, mtime_secs }
            }
            b'l' => CatalogEntryKind::Symlink,
            b'h' => CatalogEntryKind::Hardlink,
            b'b' => CatalogEntryKind::BlockDevice,
            b'c' => CatalogEntryKind::CharDevice,
            b'p' => CatalogEntryKind::Fifo,
            b's' => CatalogEntryKind::Socket,
            other => {
                return Err(FormatError::invalid(
                    WHAT,
                    format!("unknown entry type 0x{other:02x}"),
                ))
            }
        };
        Ok((
            CatalogEntry {
                name: name.to_vec(),
                kind,
            },
            pos,
        ))
    }
}

/// The path quoted as Rust's `Debug` of a `Path` does, which is what PBS prints: escapes for
/// quotes, backslashes and control characters, `\xNN` for bytes that are not UTF-8.
fn quote_path(path: &[u8]) -> String {
    use std::os::unix::ffi::OsStrExt;
    format!(
        "{:?}",
        std::path::Path::new(std::ffi::OsStr::from_bytes(path))
    )
}

/// `YYYY-MM-DDTHH:MM:SSZ` in UTC; the plain number of seconds when out of chrono's range.
fn format_mtime(secs: i64) -> String {
    use chrono::{Datelike, Timelike};
    match chrono::DateTime::from_timestamp(secs, 0) {
        Some(t) => {
            let year = t.year();
            let year = if year >= 0 {
                format!("{year:04}")
            } else {
                year.to_string()
            };
            format!(
                "{year}-{:02}-{:02}T{:02}:{:02}:{:02}Z",
                t.month(),
                t.day(),
                t.hour(),
                t.minute(),
                t.second()
            )
        }
        None => secs.to_string(),
    }
}

// ---------------------------------------------------------------------------------------------
// Glob

#[derive(Debug, Clone, PartialEq, Eq)]
enum Token {
    Byte(u8),
    /// `?`: one byte other than `/`.
    AnyByte,
    /// `*`: any run of bytes without `/`.
    Star,
    /// `**`: any run of bytes, `/` included.
    Globstar,
    /// `**/`: nothing, or any run of bytes ending in `/`.
    GlobstarDir,
    /// `[...]`: one byte other than `/` that is (or with `!`/`^`, is not) in the ranges.
    Class {
        negated: bool,
        ranges: Vec<(u8, u8)>,
    },
}

/// A shell-style glob over byte paths: `*` and `?` stay within one component, `**` crosses
/// `/` (`**/` also matches nothing), `[abc]`, `[a-z]`, `[!abc]`/`[^abc]` match one byte, `\`
/// quotes the next byte. `*` also matches leading dots. Matching is linear in
/// pattern × path length (no backtracking).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Glob {
    tokens: Vec<Token>,
}

impl Glob {
    /// Parses `pattern`; fails on an unclosed `[`.
    pub fn new(pattern: &[u8]) -> Result<Self> {
        let mut tokens = Vec::new();
        let mut i = 0;
        while let Some(&b) = pattern.get(i) {
            i += 1;
            match b {
                b'\\' => match pattern.get(i) {
                    Some(&next) => {
                        tokens.push(Token::Byte(next));
                        i += 1;
                    }
                    None => tokens.push(Token::Byte(b'\\')),
                },
                b'?' => tokens.push(Token::AnyByte),
                b'*' => {
                    if pattern.get(i) != Some(&b'*') {
                        tokens.push(Token::Star);
                        continue;
                    }
                    while pattern.get(i) == Some(&b'*') {
                        i += 1;
                    }
                    if pattern.get(i) == Some(&b'/') {
                        i += 1;
                        tokens.push(Token::GlobstarDir);
                    } else {
                        tokens.push(Token::Globstar);
                    }
                }
                b'[' => {
                    let (token, used) = parse_class(pattern.get(i..).unwrap_or_default())?;
                    tokens.push(token);
                    i += used;
                }
                _ => tokens.push(Token::Byte(b)),
            }
        }
        Ok(Glob { tokens })
    }

    /// Whether the whole of `text` matches.
    pub fn matches(&self, text: &[u8]) -> bool {
        // `reach[j]`: the tokens so far can match exactly `text[..j]`.
        let mut reach = vec![false; text.len() + 1];
        if let Some(first) = reach.first_mut() {
            *first = true;
        }
        let mut next = vec![false; text.len() + 1];
        for token in &self.tokens {
            match token {
                Token::Byte(_) | Token::AnyByte | Token::Class { .. } => {
                    next.iter_mut().for_each(|n| *n = false);
                    for (j, &byte) in text.iter().enumerate() {
                        let accepts = match token {
                            Token::Byte(b) => byte == *b,
                            Token::AnyByte => byte != b'/',
                            Token::Class { negated, ranges } => {
                                byte != b'/'
                                    && ranges.iter().any(|&(lo, hi)| lo <= byte && byte <= hi)
                                        != *negated
                            }
                            _ => false,
                        };
                        if accepts && reach.get(j) == Some(&true) {
                            if let Some(n) = next.get_mut(j + 1) {
                                *n = true;
                            }
                        }
                    }
                }
                Token::Star | Token::Globstar => {
                    let mut carry = false;
                    for (j, n) in next.iter_mut().enumerate() {
                        carry |= reach.get(j) == Some(&true);
                        *n = carry;
                        if *token == Token::Star && text.get(j) == Some(&b'/') {
                            carry = false;
                        }
                    }
                }
                Token::GlobstarDir => {
                    let mut seen = false;
                    for (j, n) in next.iter_mut().enumerate() {
                        let here = reach.get(j) == Some(&true);
                        let after_slash = j > 0 && text.get(j - 1) == Some(&b'/');
                        *n = here || (seen && after_slash);
                        seen |= here;
                    }
                }
            }
            std::mem::swap(&mut reach, &mut next);
            if !reach.contains(&true) {
                return false;
            }
        }
        reach.last() == Some(&true)
    }
}

/// Parses the inside of `[...]` (after the `[`): the token and the bytes used, `]` included.
fn parse_class(input: &[u8]) -> Result<(Token, usize)> {
    let mut i = 0;
    let negated = matches!(input.first(), Some(b'!' | b'^'));
    if negated {
        i += 1;
    }
    let mut ranges = Vec::new();
    let mut first = true;
    loop {
        let Some(&b) = input.get(i) else {
            return Err(FormatError::invalid("glob", "unclosed '['"));
        };
        i += 1;
        if b == b']' && !first {
            return Ok((Token::Class { negated, ranges }, i));
        }
        first = false;
        let lo = if b == b'\\' {
            let quoted = *input
                .get(i)
                .ok_or_else(|| FormatError::invalid("glob", "unclosed '['"))?;
            i += 1;
            quoted
        } else {
            b
        };
        let hi = match (input.get(i), input.get(i + 1)) {
            (Some(b'-'), Some(&hi)) if hi != b']' => {
                i += 2;
                hi
            }
            _ => lo,
        };
        ranges.push((lo, hi));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const T10: &str = "91fd60f9c46758d504016c016c12026605612e7478740680e2cfaa06640164051201640e726f6f742e707861722e64696478132000000000000000";

    fn t10_bytes() -> Vec<u8> {
        let mut w = CatalogWriter::new(Vec::new()).unwrap();
        w.start_directory(b"root.pxar.didx").unwrap();
        w.add_file(b"a.txt", 6, 1_700_000_000).unwrap();
        w.start_directory(b"d").unwrap();
        w.add_symlink(b"l").unwrap();
        w.end_directory().unwrap();
        w.end_directory().unwrap();
        w.finish().unwrap()
    }

    /// Two archives with every entry kind, nesting, an empty directory and odd mtimes.
    fn sample() -> Vec<u8> {
        let mut w = CatalogWriter::new(Vec::new()).unwrap();
        w.start_directory(b"root.pxar.didx").unwrap();
        w.add_file(b".pxarexclude-cli", 12, 0).unwrap();
        w.add_block_device(b"blk").unwrap();
        w.add_char_device(b"chr").unwrap();
        w.start_directory(b"docs").unwrap();
        w.start_directory(b"empty").unwrap();
        w.end_directory().unwrap();
        for i in 0..12 {
            w.add_file(
                format!("note{i:02}.txt").as_bytes(),
                i * 100,
                -(i as i64) * 1000,
            )
            .unwrap();
        }
        w.start_directory(b"nested").unwrap();
        w.add_file(b"deep.txt", 5, 1_700_000_000).unwrap();
        w.add_file("caf\u{e9} \"q\"".as_bytes(), u64::MAX, i64::MIN)
            .unwrap();
        w.add_file(b"bad\xff\tname", 1, i64::MAX).unwrap();
        w.end_directory().unwrap();
        w.end_directory().unwrap();
        w.add_fifo(b"fifo").unwrap();
        w.add_hardlink(b"hl").unwrap();
        w.add_symlink(b"ln").unwrap();
        w.add_socket(b"sock").unwrap();
        w.end_directory().unwrap();
        w.start_directory(b"etc.pxar.didx").unwrap();
        w.add_file(b"hosts", 42, 1).unwrap();
        w.end_directory().unwrap();
        w.finish().unwrap()
    }

    fn walk_all(r: &CatalogReader) -> Result<Vec<(Vec<u8>, CatalogEntry)>> {
        let mut out = Vec::new();
        r.walk(|p, e| {
            out.push((p.to_vec(), e.clone()));
            Ok(())
        })?;
        Ok(out)
    }

    /// Rewrites a walk with the writer (a walk is enough to reproduce the stream).
    fn rewrite(entries: &[(Vec<u8>, CatalogEntry)]) -> Vec<u8> {
        let mut w = CatalogWriter::new(Vec::new()).unwrap();
        let mut open = 0usize;
        for (path, entry) in entries {
            let depth = path.iter().filter(|&&b| b == b'/').count();
            while open > depth {
                w.end_directory().unwrap();
                open -= 1;
            }
            match entry.kind {
                CatalogEntryKind::Directory { .. } => {
                    w.start_directory(&entry.name).unwrap();
                    open += 1;
                }
                CatalogEntryKind::File { size, mtime_secs } => {
                    w.add_file(&entry.name, size, mtime_secs).unwrap()
                }
                CatalogEntryKind::Symlink => w.add_symlink(&entry.name).unwrap(),
                CatalogEntryKind::Hardlink => w.add_hardlink(&entry.name).unwrap(),
                CatalogEntryKind::BlockDevice => w.add_block_device(&entry.name).unwrap(),
                CatalogEntryKind::CharDevice => w.add_char_device(&entry.name).unwrap(),
                CatalogEntryKind::Fifo => w.add_fifo(&entry.name).unwrap(),
                CatalogEntryKind::Socket => w.add_socket(&entry.name).unwrap(),
            }
        }
        for _ in 0..open {
            w.end_directory().unwrap();
        }
        w.finish().unwrap()
    }

    fn enc(v: u64) -> Vec<u8> {
        let mut out = Vec::new();
        encode_varint(&mut out, v);
        out
    }

    fn senc(v: i64) -> Vec<u8> {
        let mut out = Vec::new();
        encode_svarint(&mut out, v);
        out
    }

    #[test]
    fn varint_examples_from_spec() {
        assert_eq!(senc(-1), [0x81, 0x00]);
        assert_eq!(senc(-300), [0xac, 0x82, 0x00]);
        assert_eq!(senc(300), [0xac, 0x02]);
        assert_eq!(senc(1_700_000_000), [0x80, 0xe2, 0xcf, 0xaa, 0x06]);
        assert_eq!(enc(300), [0xac, 0x02]);
        assert_eq!(enc(0), [0x00]);
        assert_eq!(decode_svarint(&[0x81, 0x00]).unwrap(), (-1, 2));
        assert_eq!(decode_svarint(&[0xac, 0x82, 0x00]).unwrap(), (-300, 3));
        assert_eq!(decode_svarint(&[0xac, 0x02]).unwrap(), (300, 2));
        assert_eq!(
            decode_svarint(&[0x80, 0xe2, 0xcf, 0xaa, 0x06, 0xff]).unwrap(),
            (1_700_000_000, 5)
        );
        assert_eq!(decode_varint(&[0xac, 0x02, 0x77]).unwrap(), (300, 2));
        assert_eq!(decode_svarint(&[0x00]).unwrap(), (0, 1));
    }

    #[test]
    fn varint_extremes_round_trip() {
        for v in [
            0,
            1,
            127,
            128,
            16383,
            16384,
            u64::MAX / 2,
            u64::MAX - 1,
            u64::MAX,
        ] {
            let e = enc(v);
            assert!(e.len() <= MAX_VARINT_LEN);
            assert_eq!(decode_varint(&e).unwrap(), (v, e.len()), "{v}");
        }
        for v in [
            0,
            1,
            -1,
            63,
            -64,
            128,
            -128,
            i64::MAX,
            i64::MIN,
            i64::MIN + 1,
        ] {
            let e = senc(v);
            assert!(e.len() <= MAX_SVARINT_LEN);
            assert_eq!(decode_svarint(&e).unwrap(), (v, e.len()), "{v}");
        }
        assert_eq!(senc(i64::MIN).len(), 11);
    }

    #[test]
    fn varint_rejects_truncated_overlong_and_overflowing() {
        assert!(decode_varint(&[]).is_err());
        assert!(decode_varint(&[0x80, 0x80]).is_err());
        assert!(decode_varint(&[0xff; 11]).is_err());
        // Ten bytes whose last group has more than the one bit left of 64.
        let mut over = vec![0xff; 9];
        over.push(0x02);
        assert!(decode_varint(&over).is_err());
        assert!(decode_svarint(&[]).is_err());
        assert!(decode_svarint(&[0x81]).is_err());
        assert!(decode_svarint(&[0xff; 12]).is_err());
        // Positive 2^63 does not fit an i64; negative 2^63 + 1 neither.
        let mut pos = vec![0x80; 9];
        pos.push(0x01);
        assert!(decode_svarint(&pos).is_err());
        let mut neg = vec![0x81];
        neg.extend([0x80; 8]);
        neg.extend([0x81, 0x00]);
        assert!(decode_svarint(&neg).is_err());
    }

    #[test]
    fn t10_writer_produces_exact_bytes() {
        assert_eq!(hex::encode(t10_bytes()), T10);
        assert_eq!(t10_bytes().len(), 59);
    }

    #[test]
    fn t10_reader_reads_entries() {
        let bytes = hex::decode(T10).unwrap();
        let r = CatalogReader::new(&bytes).unwrap();
        assert_eq!(r.root().offset(), 32);
        let root = r.read_dir(&r.root()).unwrap();
        assert_eq!(
            root,
            vec![CatalogEntry {
                name: b"root.pxar.didx".to_vec(),
                kind: CatalogEntryKind::Directory { block_offset: 13 }
            }]
        );
        let archive = r.read_dir(&root[0].dir_handle().unwrap()).unwrap();
        assert_eq!(
            archive,
            vec![
                CatalogEntry {
                    name: b"a.txt".to_vec(),
                    kind: CatalogEntryKind::File {
                        size: 6,
                        mtime_secs: 1_700_000_000
                    }
                },
                CatalogEntry {
                    name: b"d".to_vec(),
                    kind: CatalogEntryKind::Directory { block_offset: 8 }
                },
            ]
        );
        let mut dump = Vec::new();
        r.dump(&mut dump).unwrap();
        assert_eq!(
            String::from_utf8(dump).unwrap(),
            "d \"./root.pxar.didx\"\n\
             f \"./root.pxar.didx/a.txt\" 6 2023-11-14T22:13:20Z\n\
             d \"./root.pxar.didx/d\"\n\
             l \"./root.pxar.didx/d/l\"\n"
        );
    }

    #[test]
    fn reader_round_trips_writer_output() {
        let bytes = sample();
        let r = CatalogReader::new(&bytes).unwrap();
        let all = walk_all(&r).unwrap();
        assert_eq!(all.len(), 2 + 3 + 1 + 1 + 12 + 1 + 3 + 4 + 1);
        assert_eq!(rewrite(&all), bytes);
        let paths: Vec<String> = all
            .iter()
            .map(|(p, _)| String::from_utf8_lossy(p).into_owned())
            .collect();
        assert_eq!(paths[0], "root.pxar.didx");
        assert_eq!(paths[1], "root.pxar.didx/.pxarexclude-cli");
        assert_eq!(paths[5], "root.pxar.didx/docs/empty");
        assert_eq!(paths.last().unwrap(), "etc.pxar.didx/hosts");
        let kinds: String = all
            .iter()
            .map(|(_, e)| e.kind.type_byte() as char)
            .collect();
        assert_eq!(kinds, "dfbcddffffffffffffdfffphlsdf");
    }

    #[test]
    fn lookup_resolves_paths() {
        let bytes = sample();
        let r = CatalogReader::new(&bytes).unwrap();
        let deep = r
            .lookup_path(b"root.pxar.didx/docs/nested/deep.txt")
            .unwrap();
        assert_eq!(
            deep.unwrap().kind,
            CatalogEntryKind::File {
                size: 5,
                mtime_secs: 1_700_000_000
            }
        );
        let hosts = r
            .lookup(&r.root(), [&b"etc.pxar.didx"[..], b"hosts"])
            .unwrap()
            .unwrap();
        assert_eq!(hosts.name, b"hosts");
        assert!(r
            .lookup_path(b"root.pxar.didx/docs/missing")
            .unwrap()
            .is_none());
        assert!(r.lookup_path(b"root.pxar.didx/fifo/x").unwrap().is_none());
        assert!(r.lookup_path(b"").unwrap().is_none());
        let docs = r.lookup_path(b"/root.pxar.didx/./docs/").unwrap().unwrap();
        let nested = r
            .lookup(&docs.dir_handle().unwrap(), ["nested"])
            .unwrap()
            .unwrap();
        assert!(nested.is_dir());
    }

    #[test]
    fn find_matches_globs() {
        let bytes = sample();
        let r = CatalogReader::new(&bytes).unwrap();
        let names = |pattern: &str| -> Vec<String> {
            r.find(pattern)
                .unwrap()
                .into_iter()
                .map(|(p, _)| String::from_utf8_lossy(&p).into_owned())
                .collect()
        };
        assert_eq!(
            names("**/note1*.txt"),
            [
                "root.pxar.didx/docs/note10.txt",
                "root.pxar.didx/docs/note11.txt"
            ]
        );
        assert_eq!(names("*/hosts"), ["etc.pxar.didx/hosts"]);
        assert_eq!(names("**/hosts"), ["etc.pxar.didx/hosts"]);
        assert_eq!(names("*"), ["root.pxar.didx", "etc.pxar.didx"]);
        assert_eq!(names("root.pxar.didx/*/deep.txt"), Vec::<String>::new());
        assert_eq!(
            names("**/deep.txt"),
            ["root.pxar.didx/docs/nested/deep.txt"]
        );
        assert_eq!(names("**/note0[0-2].txt").len(), 3);
        assert!(r.find("[abc").is_err());
    }

    #[test]
    fn glob_semantics() {
        let m = |p: &str, t: &str| Glob::new(p.as_bytes()).unwrap().matches(t.as_bytes());
        assert!(m("", ""));
        assert!(!m("", "a"));
        assert!(m("a?c", "abc"));
        assert!(!m("a?c", "a/c"));
        assert!(m("*.txt", ".txt"));
        assert!(!m("*.txt", "d/a.txt"));
        assert!(m("**", "a/b/c"));
        assert!(m("**/c", "c"));
        assert!(m("**/c", "a/b/c"));
        assert!(!m("**/c", "a/bc"));
        assert!(m("a/**/c", "a/c"));
        assert!(m("a/**/c", "a/x/y/c"));
        assert!(m("a**c", "a/x/c"));
        assert!(m("[abc]x", "bx"));
        assert!(!m("[!abc]x", "bx"));
        assert!(m("[^abc]x", "dx"));
        assert!(!m("[!a]", "/"));
        assert!(m("[]]", "]"));
        assert!(m("[a-]", "-"));
        assert!(m("\\*", "*"));
        assert!(!m("\\*", "a"));
        assert!(m("*a*a*a*a*a*b", "aaaaaaaaaaaaaaaaaaaaaaaab"));
        assert!(!m("*a*a*a*a*a*b", "aaaaaaaaaaaaaaaaaaaaaaaaa"));
    }

    #[test]
    fn dump_quotes_names_and_formats_times() {
        let bytes = sample();
        let r = CatalogReader::new(&bytes).unwrap();
        let mut out = Vec::new();
        r.dump(&mut out).unwrap();
        let text = String::from_utf8(out).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(
            lines[1],
            "f \"./root.pxar.didx/.pxarexclude-cli\" 12 1970-01-01T00:00:00Z"
        );
        assert_eq!(lines[2], "b \"./root.pxar.didx/blk\"");
        assert_eq!(
            lines[7],
            "f \"./root.pxar.didx/docs/note01.txt\" 100 1969-12-31T23:43:20Z"
        );
        assert!(lines.contains(
            &"f \"./root.pxar.didx/docs/nested/caf\u{e9} \\\"q\\\"\" 18446744073709551615 -9223372036854775808"
        ));
        assert!(lines
            .contains(&"f \"./root.pxar.didx/docs/nested/bad\\xFF\\tname\" 1 9223372036854775807"));
    }

    #[test]
    fn writer_rejects_bad_names_and_unbalanced_calls() {
        let mut w = CatalogWriter::new(Vec::new()).unwrap();
        for bad in [&b""[..], b".", b"..", b"a/b", b"a\0b"] {
            assert!(w.add_file(bad, 0, 0).is_err());
            assert!(w.start_directory(bad).is_err());
        }
        assert!(w.add_symlink(&[b'x'; 4096]).is_err());
        assert!(w.add_symlink(&[b'x'; 4095]).is_ok());
        assert!(w.end_directory().is_err());
        w.start_directory(b"x").unwrap();
        assert!(w.finish().is_err());
        let empty = CatalogWriter::new(Vec::new()).unwrap().finish().unwrap();
        let r = CatalogReader::new(&empty).unwrap();
        assert!(r.read_dir(&r.root()).unwrap().is_empty());
    }

    #[test]
    fn writer_refuses_to_nest_past_the_depth_limit() {
        let mut w = CatalogWriter::new(std::io::sink()).unwrap();
        for _ in 0..limits::MAX_CATALOG_DEPTH {
            w.start_directory(b"d").unwrap();
        }
        assert!(w.start_directory(b"d").is_err());
    }

    #[test]
    fn reader_handles_the_deepest_nesting_and_rejects_deeper() {
        let build = |depth: usize| {
            let mut w = CatalogWriter::new(Vec::new()).unwrap();
            for _ in 0..depth {
                w.start_directory(b"d").unwrap();
            }
            for _ in 0..depth {
                w.end_directory().unwrap();
            }
            w.finish().unwrap()
        };
        let ok = build(limits::MAX_CATALOG_DEPTH);
        let mut count = 0;
        CatalogReader::new(&ok)
            .unwrap()
            .walk(|_, _| {
                count += 1;
                Ok(())
            })
            .unwrap();
        assert_eq!(count, limits::MAX_CATALOG_DEPTH);
        // One level more, assembled by hand: each block holds `d`, pointing at the block before.
        let mut blocks = vec![vec![0u8]];
        for _ in 0..=limits::MAX_CATALOG_DEPTH {
            let mut previous_len = Vec::new();
            encode_varint(&mut previous_len, blocks.last().unwrap().len() as u64);
            let distance = previous_len.len() + blocks.last().unwrap().len();
            let mut table = vec![1, b'd', 1, b'd'];
            encode_varint(&mut table, distance as u64);
            blocks.push(table);
        }
        let deeper = assemble(&blocks);
        let r = CatalogReader::new(&deeper).unwrap();
        assert!(r.read_dir(&r.root()).is_ok());
        let err = walk_all(&r).unwrap_err().to_string();
        assert!(err.contains("nest deeper"), "{err}");
    }

    /// A hand-made catalog: `blocks` are raw tables, placed in order after the magic; the last
    /// is the root.
    fn assemble(blocks: &[Vec<u8>]) -> Vec<u8> {
        let mut out = CATALOG_MAGIC.to_vec();
        let mut root = 0;
        for table in blocks {
            root = out.len() as u64;
            encode_varint(&mut out, table.len() as u64);
            out.extend_from_slice(table);
        }
        out.extend_from_slice(&root.to_le_bytes());
        out
    }

    #[test]
    fn reader_rejects_hostile_structure() {
        // Root at 8 pointing at itself (distance 0) and forward (distance wraps below magic).
        for distance in [0u8, 1, 9] {
            let bytes = assemble(&[vec![1, b'd', 1, b'x', distance]]);
            let r = CatalogReader::new(&bytes).unwrap();
            assert!(r.read_dir(&r.root()).is_err(), "distance {distance}");
        }
        // Two entries sharing one child block: listing works, the walk refuses the second.
        let child = vec![1, b'f', 1, b'z', 0, 0];
        let child_len = 1 + child.len() as u8;
        let root = vec![2, b'd', 1, b'a', child_len, b'd', 1, b'b', child_len];
        let bytes = assemble(&[child, root]);
        let r = CatalogReader::new(&bytes).unwrap();
        assert_eq!(r.read_dir(&r.root()).unwrap().len(), 2);
        assert!(walk_all(&r).is_err());
        // A child block that overlaps its parent.
        let bytes = assemble(&[vec![0], vec![1, b'd', 1, b'a', 2]]);
        let r = CatalogReader::new(&bytes).unwrap();
        assert!(walk_all(&r).is_ok());
        let mut overlapping = bytes.clone();
        overlapping[8] = 2; // child claims 2 table bytes, running into the root block
        assert!(CatalogReader::new(&overlapping)
            .and_then(|r| r.read_dir(&r.root()))
            .is_err());
        // Bad names, counts, types and leftovers.
        for table in [
            vec![1, b'f', 1, b'/', 0, 0],
            vec![1, b'f', 1, b'.', 0, 0],
            vec![1, b'f', 2, b'.', b'.', 0, 0],
            vec![1, b'f', 0, 0, 0],
            vec![1, b'x', 1, b'a'],
            vec![2, b'l', 1, b'a'],
            vec![0xff, 0xff, 0xff, 0xff, 0x0f, b'l', 1, b'a'],
            vec![1, b'l', 1, b'a', 0],
            vec![1, b'l', 0x80, 0x20, b'a'],
        ] {
            let bytes = assemble(std::slice::from_ref(&table));
            let r = CatalogReader::new(&bytes).unwrap();
            assert!(r.read_dir(&r.root()).is_err(), "{table:?}");
        }
        // Header problems.
        assert!(CatalogReader::new(&[]).is_err());
        let mut bad_magic = t10_bytes();
        bad_magic[0] ^= 1;
        assert!(CatalogReader::new(&bad_magic).is_err());
        let mut bad_root = t10_bytes();
        bad_root[51] = 13; // root offset pointing at the archive block
        assert!(CatalogReader::new(&bad_root).is_err());
        let mut huge_root = t10_bytes();
        huge_root[58] = 0xff;
        assert!(CatalogReader::new(&huge_root).is_err());
    }

    /// Runs every reader operation; any result is fine, a panic is not.
    fn exercise(bytes: &[u8]) {
        let Ok(r) = CatalogReader::new(bytes) else {
            return;
        };
        let _ = r.read_dir(&r.root());
        let _ = walk_all(&r);
        let _ = r.dump(&mut std::io::sink());
        let _ = r.find("**/note1*");
        let _ = r.lookup_path(b"root.pxar.didx/docs/nested/deep.txt");
    }

    #[test]
    fn every_truncation_is_rejected_or_read_without_panic() {
        for bytes in [t10_bytes(), sample()] {
            for len in 0..bytes.len() {
                exercise(&bytes[..len]);
                exercise(&bytes[bytes.len() - len..]);
            }
        }
    }

    #[test]
    fn random_bit_flips_never_panic() {
        let original = sample();
        let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
        for case in 0..1000u64 {
            // xorshift64
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            let seed = state;
            let mut rng = seed;
            let mut next = move || {
                rng ^= rng << 13;
                rng ^= rng >> 7;
                rng ^= rng << 17;
                rng
            };
            let mut bytes = original.clone();
            let flips = 1 + next() % 4;
            for _ in 0..flips {
                let bit = (next() % (bytes.len() as u64 * 8)) as usize;
                bytes[bit / 8] ^= 1 << (bit % 8);
            }
            let result = std::panic::catch_unwind(|| exercise(&bytes));
            assert!(result.is_ok(), "case {case}: panic with seed {seed:#018x}");
        }
    }
}
