//! Random access into a pxar archive: find entries by path through the goodbye tables, list
//! directories, and read file contents at an offset, touching only the bytes it needs.
//!
//! Works over any `ReadAt` source (a file, a buffer, a chunked archive reader); never reads the
//! archive sequentially, never writes, and bounds every offset it follows to the enclosing directory.

use super::decoder::Decoder;
use super::*;
use crate::format::error::{FormatError, Result};
use crate::format::limits;
use std::io::{self, BufReader, Read};

const WHAT: &str = "pxar";
const GOODBYE_ITEM_LEN: u64 = 24;
/// Bytes read at once while decoding one entry: most entries (name, stat, a few attributes) fit.
const ENTRY_READ_AHEAD: usize = 512;
/// Goodbye items read at once when listing a directory (24 bytes each: 48 KiB).
const GOODBYE_READ_ITEMS: u64 = 2048;
/// Children a listing sorts (by offset) before it decodes the first one; the rest are sorted
/// when they are reached.
const FIRST_SORTED: usize = 256;
/// How far ahead of the child being decoded a listing asks its source to fetch.
const DIR_READ_AHEAD: u64 = 16 << 20;

/// A source of bytes that can be read at any offset.
pub trait ReadAt {
    /// Reads up to `buf.len()` bytes at `offset`; 0 only at the end.
    fn read_at(&self, buf: &mut [u8], offset: u64) -> io::Result<usize>;
    /// Total size in bytes.
    fn size(&self) -> io::Result<u64>;
    /// A hint that `[offset, offset + len)` is about to be read front to back: a chunked
    /// source may fetch it ahead on another thread. Plain sources ignore it.
    fn will_need(&self, _offset: u64, _len: u64) {}
}

impl ReadAt for [u8] {
    fn read_at(&self, buf: &mut [u8], offset: u64) -> io::Result<usize> {
        let start = usize::try_from(offset)
            .unwrap_or(usize::MAX)
            .min(self.len());
        let src = self.get(start..).unwrap_or_default();
        let n = src.len().min(buf.len());
        buf.get_mut(..n)
            .unwrap_or_default()
            .copy_from_slice(src.get(..n).unwrap_or_default());
        Ok(n)
    }
    fn size(&self) -> io::Result<u64> {
        Ok(self.len() as u64)
    }
}

impl ReadAt for Vec<u8> {
    fn read_at(&self, buf: &mut [u8], offset: u64) -> io::Result<usize> {
        self.as_slice().read_at(buf, offset)
    }
    fn size(&self) -> io::Result<u64> {
        Ok(self.len() as u64)
    }
}

impl ReadAt for std::fs::File {
    fn read_at(&self, buf: &mut [u8], offset: u64) -> io::Result<usize> {
        std::os::unix::fs::FileExt::read_at(self, buf, offset)
    }
    fn size(&self) -> io::Result<u64> {
        Ok(self.metadata()?.len())
    }
}

/// `Read` over a window `[pos, end)` of a `ReadAt` source.
struct Window<'a, R: ReadAt + ?Sized> {
    input: &'a R,
    pos: u64,
    end: u64,
}

impl<R: ReadAt + ?Sized> Read for Window<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let want = (buf.len() as u64).min(self.end.saturating_sub(self.pos)) as usize;
        if want == 0 {
            return Ok(0);
        }
        let n = self
            .input
            .read_at(buf.get_mut(..want).unwrap_or_default(), self.pos)?;
        self.pos += n as u64;
        Ok(n)
    }
}

/// A directory's extent in the archive and where its goodbye table is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Directory {
    pub path: Vec<u8>,
    /// Offset of the directory's ENTRY (for the root: 0).
    pub start: u64,
    /// Offset of the GOODBYE item header.
    pub goodbye_offset: u64,
    /// Number of goodbye items (children), without the tail.
    pub len: u64,
}

/// One entry found by the accessor: the decoded entry plus where it lives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileEntry {
    pub entry: Entry,
    /// Offset of the entry's FILENAME item (0 for the root).
    pub filename_offset: u64,
    /// End of the entry's items (for directories: the end of their goodbye table).
    pub end: u64,
}

impl FileEntry {
    pub fn name(&self) -> &[u8] {
        self.entry
            .path
            .rsplit(|b| *b == b'/')
            .next()
            .unwrap_or_default()
    }
}

/// Random access to one archive (plus its payload stream for split archives).
pub struct Accessor<R: ReadAt> {
    input: R,
    size: u64,
    payload: Option<R>,
}

impl<R: ReadAt> Accessor<R> {
    /// Opens a unified archive.
    pub fn new(input: R) -> Result<Self> {
        let size = input.size().map_err(io_err)?;
        if size < 24 {
            return Err(FormatError::TooShort {
                what: WHAT,
                len: size as usize,
                need: 24,
            });
        }
        Ok(Accessor {
            input,
            size,
            payload: None,
        })
    }

    /// Opens a split archive: the metadata stream and its payload stream.
    pub fn new_split(metadata: R, payload: R) -> Result<Self> {
        let mut accessor = Self::new(metadata)?;
        accessor.payload = Some(payload);
        Ok(accessor)
    }

    /// The underlying metadata source.
    pub fn source(&self) -> &R {
        &self.input
    }

    /// The root directory entry.
    pub fn root(&self) -> Result<FileEntry> {
        let mut decoder = Decoder::new(BufReader::with_capacity(
            ENTRY_READ_AHEAD,
            self.window(0, self.size),
        ));
        let entry = decoder
            .next_entry()?
            .ok_or_else(|| FormatError::invalid(WHAT, "archive has no root entry"))?;
        Ok(FileEntry {
            entry,
            filename_offset: 0,
            end: self.size,
        })
    }

    /// The goodbye table of a directory entry.
    pub fn open_dir(&self, dir: &FileEntry) -> Result<Directory> {
        if dir.entry.kind != EntryKind::Directory {
            return Err(FormatError::invalid(
                WHAT,
                format!("{} is not a directory", dir.entry.path_lossy()),
            ));
        }
        let end = dir.end;
        let tail = self.read_goodbye_item_at(
            end.checked_sub(GOODBYE_ITEM_LEN)
                .ok_or_else(|| bad_dir(dir))?,
        )?;
        if tail.0 != PXAR_GOODBYE_TAIL_MARKER {
            return Err(FormatError::invalid(
                WHAT,
                format!(
                    "{}: no goodbye tail at offset {}",
                    dir.entry.path_lossy(),
                    end - 24
                ),
            ));
        }
        let table_size = tail.2;
        if table_size < HEADER_LEN + GOODBYE_ITEM_LEN
            || (table_size - HEADER_LEN) % GOODBYE_ITEM_LEN != 0
        {
            return Err(bad_dir(dir));
        }
        let goodbye_offset = end.checked_sub(table_size).ok_or_else(|| bad_dir(dir))?;
        let start = goodbye_offset
            .checked_sub(tail.1)
            .ok_or_else(|| bad_dir(dir))?;
        // The table must point back at this very entry: the root's ENTRY (or format version)
        // at 0, a child's ENTRY right after its FILENAME item. A truncated archive or a table
        // pointing elsewhere fails here.
        let expected_start = if dir.filename_offset == 0 && dir.entry.path == b"/" {
            0
        } else {
            dir.filename_offset + HEADER_LEN + dir.name().len() as u64 + 1
        };
        if start != expected_start {
            return Err(bad_dir(dir));
        }
        let len = (table_size - HEADER_LEN) / GOODBYE_ITEM_LEN - 1;
        // LIMIT: limits::MAX_PXAR_DIR_ENTRIES.
        if len > limits::MAX_PXAR_DIR_ENTRIES {
            return Err(FormatError::invalid(
                WHAT,
                format!("{}: {len} entries is too many", dir.entry.path_lossy()),
            ));
        }
        Ok(Directory {
            path: dir.entry.path.clone(),
            start,
            goodbye_offset,
            len,
        })
    }

    /// All children of a directory, sorted by name.
    ///
    /// Decoded in archive order (see [`Accessor::read_dir_iter`]), so every chunk of the
    /// directory is read about once; sorted only when the archive did not store them in name
    /// order (well-formed archives do).
    pub fn read_dir(&self, dir: &Directory) -> Result<Vec<FileEntry>> {
        let mut iter = self.read_dir_iter(dir)?;
        let mut out = Vec::with_capacity(iter.len().min(4096));
        for child in iter.by_ref() {
            out.push(child?);
        }
        if !iter.in_name_order() {
            out.sort_by(|a, b| a.name().cmp(b.name()));
        }
        Ok(out)
    }

    /// The children of a directory one at a time, in archive order: the goodbye table is read in
    /// large pieces, its items sorted by offset, and each child decoded where it lies, so a
    /// directory spanning many chunks fetches each of them about once and the first child comes
    /// before the last is decoded. Archive order is name order for archives written by a pxar
    /// encoder; [`DirEntries::in_name_order`] says whether it held so far.
    ///
    /// Holds 16 bytes per child (at most `limits::MAX_PXAR_DIR_ENTRIES`), not the decoded entries.
    pub fn read_dir_iter(&self, dir: &Directory) -> Result<DirEntries<'_, R>> {
        // LIMIT: limits::MAX_PXAR_DIR_ENTRIES (checked by open_dir; checked again for a
        // hand-made Directory).
        if dir.len > limits::MAX_PXAR_DIR_ENTRIES {
            return Err(FormatError::invalid(
                WHAT,
                format!(
                    "{}: {} entries is too many",
                    String::from_utf8_lossy(&dir.path),
                    dir.len
                ),
            ));
        }
        let table_at = dir.goodbye_offset + HEADER_LEN;
        self.input
            .will_need(table_at, dir.len.saturating_mul(GOODBYE_ITEM_LEN));
        // The first children are read right after the table: fetched meanwhile.
        self.input.will_need(dir.start, DIR_READ_AHEAD);
        let mut items: Vec<(u64, u64)> = Vec::with_capacity(dir.len as usize);
        let mut raw = vec![0u8; (GOODBYE_READ_ITEMS.min(dir.len) * GOODBYE_ITEM_LEN) as usize];
        let mut i = 0u64;
        while i < dir.len {
            let count = GOODBYE_READ_ITEMS.min(dir.len - i);
            let piece = raw
                .get_mut(..(count * GOODBYE_ITEM_LEN) as usize)
                .unwrap_or_default();
            read_exact_at(
                &self.input,
                piece,
                dir.goodbye_offset + HEADER_LEN + i * GOODBYE_ITEM_LEN,
            )?;
            for item in piece.chunks_exact(GOODBYE_ITEM_LEN as usize) {
                let word = |k: usize| {
                    item.get(k * 8..k * 8 + 8)
                        .and_then(|b| b.try_into().ok())
                        .map(u64::from_le_bytes)
                        .unwrap_or(0)
                };
                // Offsets count back from the table; an item pointing outside the directory
                // fails when it is decoded (child_at), in its place.
                let filename_offset = dir.goodbye_offset.saturating_sub(word(1));
                items.push((filename_offset, word(2)));
            }
            i += count;
        }
        // Sorted by offset lazily: the first few at once (a partial selection, so the first
        // child comes before a million items are sorted), the rest when they are reached.
        let sorted = if items.len() > 2 * FIRST_SORTED {
            items.select_nth_unstable(FIRST_SORTED - 1);
            FIRST_SORTED
        } else {
            items.len()
        };
        if let Some(first) = items.get_mut(..sorted) {
            first.sort_unstable();
        }
        Ok(DirEntries {
            accessor: self,
            dir: dir.clone(),
            items,
            next: 0,
            sorted,
            last_offset: None,
            hinted_until: 0,
            previous: None,
            in_name_order: true,
        })
    }

    /// Finds the child `name` of `dir` by walking the goodbye table's search tree.
    pub fn lookup_child(&self, dir: &Directory, name: &[u8]) -> Result<Option<FileEntry>> {
        let hash = hash_filename(name);
        // Equal hashes (collisions) may sit in both subtrees of a match: search both.
        let mut pending = vec![0u64];
        while let Some(i) = pending.pop() {
            if i >= dir.len {
                continue;
            }
            let (item_hash, offset, size) = self.goodbye_item(dir, i)?;
            if hash < item_hash {
                pending.push(2 * i + 1);
            } else if hash > item_hash {
                pending.push(2 * i + 2);
            } else {
                let child = self.child_at(dir, offset, size)?;
                if child.name() == name {
                    return Ok(Some(child));
                }
                pending.push(2 * i + 1);
                pending.push(2 * i + 2);
            }
        }
        Ok(None)
    }

    /// Resolves a `/`-separated path from the root (`.` and empty components are skipped;
    /// `..` is refused). Hard links are returned as such; see `resolve_hardlink`.
    pub fn lookup(&self, path: &[u8]) -> Result<Option<FileEntry>> {
        let mut current = self.root()?;
        for component in path.split(|b| *b == b'/') {
            match component {
                b"" | b"." => continue,
                b".." => {
                    return Err(FormatError::invalid(
                        WHAT,
                        "'..' is not allowed in archive paths",
                    ))
                }
                name => {
                    if current.entry.kind != EntryKind::Directory {
                        return Ok(None);
                    }
                    let dir = self.open_dir(&current)?;
                    match self.lookup_child(&dir, name)? {
                        Some(child) => current = child,
                        None => return Ok(None),
                    }
                }
            }
        }
        Ok(Some(current))
    }

    /// The file a hard link points to (looked up by its stored path).
    pub fn resolve_hardlink(&self, link: &FileEntry) -> Result<FileEntry> {
        let EntryKind::Hardlink { target } = &link.entry.kind else {
            return Ok(link.clone());
        };
        match self.lookup(target)? {
            Some(t)
                if matches!(t.entry.kind, EntryKind::File { .. })
                    && t.filename_offset < link.filename_offset =>
            {
                Ok(t)
            }
            _ => Err(FormatError::invalid(
                WHAT,
                format!(
                    "hard link {} points to {:?}, which is not an earlier file",
                    link.entry.path_lossy(),
                    String::from_utf8_lossy(target)
                ),
            )),
        }
    }

    /// Reads file bytes at `offset` within the file; returns 0 at its end.
    pub fn read_file_at(&self, file: &FileEntry, buf: &mut [u8], offset: u64) -> Result<usize> {
        let EntryKind::File {
            size,
            payload_offset,
            split,
        } = file.entry.kind
        else {
            return Err(FormatError::invalid(
                WHAT,
                format!("{} is not a regular file", file.entry.path_lossy()),
            ));
        };
        if offset >= size {
            return Ok(0);
        }
        let want = (buf.len() as u64).min(size - offset) as usize;
        let source: &R = if split {
            let payload = self.payload.as_ref().ok_or_else(|| {
                FormatError::invalid(WHAT, "split archive opened without its payload stream")
            })?;
            if offset == 0 {
                check_payload_header(payload, payload_offset, size, &file.entry)?;
            }
            payload
        } else {
            &self.input
        };
        let at = payload_offset
            .checked_add(offset)
            .ok_or_else(|| FormatError::invalid(WHAT, "file offset overflows"))?;
        let n = source
            .read_at(buf.get_mut(..want).unwrap_or_default(), at)
            .map_err(io_err)?;
        if n == 0 {
            return Err(FormatError::invalid(
                WHAT,
                format!("{}: archive ends inside the file", file.entry.path_lossy()),
            ));
        }
        Ok(n)
    }

    /// Reads the `i`-th goodbye item of a directory: (hash, offset back from the table, size).
    fn goodbye_item(&self, dir: &Directory, i: u64) -> Result<(u64, u64, u64)> {
        self.read_goodbye_item_at(dir.goodbye_offset + HEADER_LEN + i * GOODBYE_ITEM_LEN)
    }

    fn read_goodbye_item_at(&self, at: u64) -> Result<(u64, u64, u64)> {
        let mut raw = [0u8; 24];
        read_exact_at(&self.input, &mut raw, at)?;
        let word = |k: usize| {
            raw.get(k * 8..k * 8 + 8)
                .and_then(|b| b.try_into().ok())
                .map(u64::from_le_bytes)
                .unwrap_or(0)
        };
        Ok((word(0), word(1), word(2)))
    }

    /// Decodes the child whose FILENAME is `offset` bytes before the goodbye table.
    fn child_at(&self, dir: &Directory, offset: u64, size: u64) -> Result<FileEntry> {
        let filename_offset = dir.goodbye_offset.saturating_sub(offset);
        self.child_at_filename(dir, filename_offset, size)
    }

    /// Decodes the child whose FILENAME item is at `filename_offset`.
    fn child_at_filename(
        &self,
        dir: &Directory,
        filename_offset: u64,
        size: u64,
    ) -> Result<FileEntry> {
        let filename_offset = Some(filename_offset)
            .filter(|f| *f > dir.start && *f < dir.goodbye_offset)
            .ok_or_else(|| {
                FormatError::invalid(
                    WHAT,
                    format!(
                        "{}: goodbye item points outside the directory",
                        String::from_utf8_lossy(&dir.path)
                    ),
                )
            })?;
        // Directories' sizes are exact; files in split archives may overstate (formats.md §10.5).
        let end = filename_offset.saturating_add(size);
        // A fifo or socket entry ends where the next item starts, so the decoder peeks at one
        // more header (at most the parent's GOODBYE header).
        let window_end = end.min(dir.goodbye_offset) + HEADER_LEN;
        let reader =
            BufReader::with_capacity(ENTRY_READ_AHEAD, self.window(filename_offset, window_end));
        let mut decoder = Decoder::new_at(reader, filename_offset, dir.path.clone());
        let entry = decoder.next_entry()?.ok_or_else(|| {
            FormatError::invalid(WHAT, format!("no entry at offset {filename_offset}"))
        })?;
        if entry.kind == EntryKind::Directory && end > dir.goodbye_offset {
            return Err(FormatError::invalid(
                WHAT,
                format!("{}: directory extends past its parent", entry.path_lossy()),
            ));
        }
        Ok(FileEntry {
            entry,
            filename_offset,
            end,
        })
    }

    fn window(&self, pos: u64, end: u64) -> Window<'_, R> {
        Window {
            input: &self.input,
            pos,
            end,
        }
    }
}

/// The children of one directory in archive order, from [`Accessor::read_dir_iter`].
pub struct DirEntries<'a, R: ReadAt> {
    accessor: &'a Accessor<R>,
    dir: Directory,
    /// (FILENAME offset, size) of every child; `items[..sorted]` is sorted by offset and
    /// holds the smallest offsets.
    items: Vec<(u64, u64)>,
    /// Index of the next item to decode.
    next: usize,
    sorted: usize,
    /// Offset of the child decoded last (a second item naming it, in a hostile table, is
    /// skipped: each child is listed once).
    last_offset: Option<u64>,
    /// Where the read-ahead hint given last reaches.
    hinted_until: u64,
    /// Name of the child decoded last.
    previous: Option<Vec<u8>>,
    in_name_order: bool,
}

impl<R: ReadAt> DirEntries<'_, R> {
    /// Children not yet returned (at most: repeated items are skipped).
    pub fn len(&self) -> usize {
        self.items.len().saturating_sub(self.next)
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Whether every child so far came after the one before it in name (byte) order, as a pxar
    /// encoder writes them. A hand-made archive may store them otherwise.
    pub fn in_name_order(&self) -> bool {
        self.in_name_order
    }
}

impl<R: ReadAt> Iterator for DirEntries<'_, R> {
    type Item = Result<FileEntry>;

    fn next(&mut self) -> Option<Self::Item> {
        let (filename_offset, size) = loop {
            if self.next == self.sorted && self.sorted < self.items.len() {
                if let Some(rest) = self.items.get_mut(self.sorted..) {
                    rest.sort_unstable();
                }
                self.sorted = self.items.len();
            }
            let item = *self.items.get(self.next)?;
            self.next += 1;
            if self.last_offset != Some(item.0) {
                self.last_offset = Some(item.0);
                break item;
            }
        };
        if filename_offset >= self.hinted_until {
            self.accessor
                .input
                .will_need(filename_offset, DIR_READ_AHEAD);
            self.hinted_until = filename_offset.saturating_add(DIR_READ_AHEAD / 4);
        }
        let child = self
            .accessor
            .child_at_filename(&self.dir, filename_offset, size);
        if let Ok(child) = &child {
            let name = child.name();
            if self.in_name_order {
                match &mut self.previous {
                    Some(previous) if previous.as_slice() >= name => self.in_name_order = false,
                    Some(previous) => {
                        previous.clear();
                        previous.extend_from_slice(name);
                    }
                    None => self.previous = Some(name.to_vec()),
                }
            }
        }
        Some(child)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (0, Some(self.len()))
    }
}

fn check_payload_header<R: ReadAt + ?Sized>(
    payload: &R,
    payload_offset: u64,
    size: u64,
    entry: &Entry,
) -> Result<()> {
    let mut raw = [0u8; 16];
    read_exact_at(payload, &mut raw, payload_offset.saturating_sub(HEADER_LEN))?;
    let htype = raw
        .get(..8)
        .and_then(|b| b.try_into().ok())
        .map(u64::from_le_bytes)
        .unwrap_or(0);
    let full = raw
        .get(8..)
        .and_then(|b| b.try_into().ok())
        .map(u64::from_le_bytes)
        .unwrap_or(0);
    if htype != PXAR_PAYLOAD || full != size.saturating_add(HEADER_LEN) {
        return Err(FormatError::invalid(
            WHAT,
            format!(
                "{}: payload reference does not point at its contents",
                entry.path_lossy()
            ),
        ));
    }
    Ok(())
}

fn read_exact_at<R: ReadAt + ?Sized>(input: &R, buf: &mut [u8], mut at: u64) -> Result<()> {
    let mut done = 0;
    while done < buf.len() {
        let n = input
            .read_at(buf.get_mut(done..).unwrap_or_default(), at)
            .map_err(io_err)?;
        if n == 0 {
            return Err(FormatError::invalid(
                WHAT,
                format!("archive truncated at offset {at}"),
            ));
        }
        done += n;
        at += n as u64;
    }
    Ok(())
}

fn bad_dir(dir: &FileEntry) -> FormatError {
    FormatError::invalid(
        WHAT,
        format!("{}: malformed goodbye table", dir.entry.path_lossy()),
    )
}

fn io_err(e: io::Error) -> FormatError {
    FormatError::invalid(WHAT, format!("read error: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    const T12_V1: &str = "efac88e5746495d53800000000000000ed410000000000000000000000000000e8030000e803000000f15365000000000000000000000000b3173906211170161600000000000000612e74787400efac88e5746495d53800000000000000a4810000000000000000000000000000e8030000e803000000f15365000000000000000000000000251a7c0b1b7a1428160000000000000068656c6c6f0ab31739062111701612000000000000006400efac88e5746495d53800000000000000ed410000000000000000000000000000e8030000e803000000f15365000000000000000000000000b31739062111701612000000000000006c00efac88e5746495d53800000000000000ffa10000000000000000000000000000e8030000e803000000f153650000000000000000000000005fdcf5dbe771f92719000000000000002e2e2f612e747874001d73d542a64fec2f4000000000000000592517c9460472536300000000000000630000000000000055153e755bed5eef9b0000000000000040000000000000001d73d542a64fec2f580000000000000072aa11b6662d39dc51010000000000006400000000000000c3472fbc6c1db625ed00000000000000ed0000000000000055153e755bed5eef89010000000000005800000000000000";

    #[test]
    fn looks_up_paths_in_the_upstream_archive_t12() {
        let a = Accessor::new(hex::decode(T12_V1).unwrap()).unwrap();
        let file = a.lookup(b"/a.txt").unwrap().unwrap();
        assert_eq!(file.filename_offset, 56);
        let mut buf = [0u8; 10];
        let n = a.read_file_at(&file, &mut buf, 0).unwrap();
        assert_eq!(&buf[..n], b"hello\n");
        assert_eq!(a.read_file_at(&file, &mut buf, 2).unwrap(), 4);
        let link = a.lookup(b"d/l").unwrap().unwrap();
        assert_eq!(
            link.entry.kind,
            EntryKind::Symlink {
                target: b"../a.txt".to_vec()
            }
        );
        assert!(a.lookup(b"/missing").unwrap().is_none());
        assert!(a.lookup(b"a.txt/x").unwrap().is_none());
        assert!(a.lookup(b"../etc").is_err());
        let root = a.root().unwrap();
        let names: Vec<Vec<u8>> = a
            .read_dir(&a.open_dir(&root).unwrap())
            .unwrap()
            .iter()
            .map(|e| e.name().to_vec())
            .collect();
        assert_eq!(names, vec![b"a.txt".to_vec(), b"d".to_vec()]);
    }

    #[test]
    fn corrupted_archives_give_errors_not_panics() {
        let bytes = hex::decode(T12_V1).unwrap();
        for i in 0..bytes.len() {
            for bit in [0, 3, 7] {
                let mut bad = bytes.clone();
                bad[i] ^= 1 << bit;
                let Ok(a) = Accessor::new(bad) else { continue };
                let _ = a.lookup(b"d/l");
                let _ = a
                    .root()
                    .and_then(|r| a.open_dir(&r))
                    .and_then(|d| a.read_dir(&d));
            }
        }
        for cut in 0..bytes.len() {
            if let Ok(a) = Accessor::new(bytes[..cut].to_vec()) {
                assert!(a.lookup(b"d/l").is_err() || cut == bytes.len());
            }
        }
    }
}
