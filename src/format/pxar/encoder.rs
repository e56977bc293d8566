//! Streaming pxar encoder: writes unified (v1) or split (v2, `.mpxar` + `.ppxar`) archives.
//!
//! Never seeks, never touches the file system, never buffers file contents: it counts offsets
//! itself, copies each file through a bounded buffer and keeps only open directories' goodbye rows.

use super::*;
use crate::format::error::{FormatError, Result};
use crate::format::limits;
use std::collections::HashSet;
use std::io::{self, Read, Write};

const WHAT: &str = "pxar";

/// Size of the buffer file contents are copied through.
const COPY_BUFFER_LEN: usize = 64 * 1024;

/// Content length of an ENTRY (v2) item.
const ENTRY_CONTENT_LEN: u64 = 40;

/// Size of one goodbye-table row: hash, offset, size.
const GOODBYE_ROW_LEN: u64 = 24;

/// Where a regular file was written, for later hard links to it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FileRef {
    /// Archive offset of the file's FILENAME header.
    pub filename_offset: u64,
}

/// One child of a directory, as its goodbye table will describe it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct GoodbyeRow {
    hash: u64,
    /// Absolute offset of the child's FILENAME header (made relative when the table is written).
    filename_offset: u64,
    size: u64,
}

/// A directory whose goodbye table is not written yet.
struct OpenDir {
    /// Empty for the root.
    name: Vec<u8>,
    /// Offset of this directory's FILENAME header (unused for the root).
    filename_offset: u64,
    /// What the goodbye tail's offset counts back to: the ENTRY header, or 0 for the root.
    entry_offset: u64,
    /// Length of the path the decoder builds for this directory (`/` is 1).
    path_len: usize,
    children: Vec<GoodbyeRow>,
    /// Names already used in this directory; kept because equal hashes do not mean equal names.
    names: HashSet<Vec<u8>>,
}

/// The payload stream of a split archive.
struct PayloadOutput {
    output: Box<dyn Write + Send>,
    position: u64,
}

/// Writes a pxar archive in one pass; callers add entries in archive order (a directory's children
/// between `create_directory` and `finish_directory`, sorted by name if they want PBS's layout).
///
/// Refused input (bad names, duplicates, wrong file types) writes nothing and can be skipped; an
/// I/O error or short file content makes every later call fail. Writes come in entry-sized
/// pieces, so unbuffered outputs are fine but a `BufWriter` still helps.
pub struct Encoder<W: Write> {
    output: W,
    position: u64,
    /// `Some` for split archives.
    payload: Option<PayloadOutput>,
    /// The root first, the innermost open directory last.
    dirs: Vec<OpenDir>,
    /// File-content copy buffer, allocated on first use.
    copy_buffer: Vec<u8>,
    /// How file content reaches `output` (unified archives).
    copier: ContentCopier<W>,
    /// Metadata items of one entry, assembled so each entry costs one write.
    scratch: Vec<u8>,
    /// Set after a failure part-way through writing: the output no longer matches our offsets.
    broken: bool,
}

impl<W: Write> Encoder<W> {
    /// Starts a unified (v1) archive: the root directory's ENTRY and attributes, no version item.
    pub fn new(output: W, root: &Metadata) -> Result<Self> {
        let mut encoder = Encoder::empty(output, None);
        encoder.start_root(root, None)?;
        Ok(encoder)
    }

    /// Starts a split (v2) archive: `output` gets the `.mpxar` stream (FORMAT_VERSION, optional
    /// PRELUDE, the tree), `payload` the `.ppxar` stream (start marker, then file contents).
    pub fn new_split(
        output: W,
        payload: Box<dyn Write + Send>,
        root: &Metadata,
        prelude: Option<&[u8]>,
    ) -> Result<Self> {
        let payload = PayloadOutput {
            output: payload,
            position: 0,
        };
        let mut encoder = Encoder::empty(output, Some(payload));
        encoder.start_root(root, Some(prelude))?;
        Ok(encoder)
    }

    /// Has file content reach the output through `copier` from now on (unified archives).
    pub fn set_content_copier(&mut self, copier: ContentCopier<W>) {
        self.copier = copier;
    }

    fn empty(output: W, payload: Option<PayloadOutput>) -> Self {
        Encoder {
            output,
            position: 0,
            payload,
            dirs: Vec::new(),
            copy_buffer: Vec::new(),
            copier: copy_through_buffer::<W>,
            scratch: Vec::new(),
            broken: false,
        }
    }

    /// `prelude` is `None` for unified archives, `Some(prelude)` for split ones.
    fn start_root(&mut self, root: &Metadata, prelude: Option<Option<&[u8]>>) -> Result<()> {
        check_metadata(root, &[S_IFDIR])
            .map_err(|detail| FormatError::invalid(WHAT, format!("/: {detail}")))?;
        let mut buf = std::mem::take(&mut self.scratch);
        buf.clear();
        if let Some(prelude) = prelude {
            put_u64s(&mut buf, PXAR_FORMAT_VERSION, &[2]);
            if let Some(prelude) = prelude {
                // LIMIT: limits::MAX_PXAR_PRELUDE_SIZE, so our own decoder accepts it.
                if prelude.len() > limits::MAX_PXAR_PRELUDE_SIZE {
                    return Err(FormatError::invalid(
                        WHAT,
                        format!(
                            "prelude is {} bytes, more than {}",
                            prelude.len(),
                            limits::MAX_PXAR_PRELUDE_SIZE
                        ),
                    ));
                }
                put_item(&mut buf, PXAR_PRELUDE, &[prelude]);
            }
        }
        put_metadata(&mut buf, root);
        self.scratch = buf;
        self.dirs.push(OpenDir {
            name: Vec::new(),
            filename_offset: 0,
            // Upstream quirk (SPEC 10.5): the root's tail points at archive offset 0, which is the
            // FORMAT_VERSION item rather than the root ENTRY in split archives.
            entry_offset: 0,
            path_len: 1,
            children: Vec::new(),
            names: HashSet::new(),
        });
        self.emit_scratch()?;
        if let Some(payload) = self.payload.as_mut() {
            let mut marker = Vec::with_capacity(HEADER_LEN as usize);
            put_header(&mut marker, PXAR_PAYLOAD_START_MARKER, 0);
            let result = write_payload(payload, &marker);
            self.fail_on_err(result)?;
        }
        Ok(())
    }

    /// Bytes written to the (metadata) output so far.
    pub fn position(&self) -> u64 {
        self.position
    }

    /// Adds a regular file, copying exactly `size` bytes from `content` (further bytes are left
    /// unread). A reader that ends early is an error naming the file; like any failure after
    /// writing began, it leaves the encoder unusable, since the output is then short.
    pub fn add_file(
        &mut self,
        name: &[u8],
        metadata: &Metadata,
        size: u64,
        content: &mut dyn Read,
    ) -> Result<FileRef> {
        self.check_entry(name, metadata, &[S_IFREG])?;
        if size > u64::MAX - HEADER_LEN {
            return Err(self.refuse(name, format!("size {size} too large")));
        }
        let filename_offset = self.position;
        self.begin_entry(name, metadata);
        let result = self.write_file_content(name, size, content);
        self.fail_on_err(result)?;
        let mut entry_size = self.position - filename_offset;
        if self.payload.is_some() {
            // Upstream quirk (SPEC 10.5): in split archives a newly written file's goodbye size
            // also counts its payload, although that lives in the other stream.
            entry_size += size;
        }
        self.record_child(name, filename_offset, entry_size);
        Ok(FileRef { filename_offset })
    }

    /// After FILENAME/ENTRY/attributes are in `scratch`: writes them with the content (unified)
    /// or the content to the payload stream and a PAYLOAD_REF here (split).
    fn write_file_content(&mut self, name: &[u8], size: u64, content: &mut dyn Read) -> Result<()> {
        let copied = match self.payload.as_mut() {
            None => {
                put_header(&mut self.scratch, PXAR_PAYLOAD, size);
                self.emit_scratch()?;
                let copied = (self.copier)(&mut self.output, content, size, &mut self.copy_buffer);
                self.position += copied.written;
                copied
            }
            Some(payload) => {
                let payload_offset = payload.position;
                let mut header = Vec::with_capacity(HEADER_LEN as usize);
                put_header(&mut header, PXAR_PAYLOAD, size);
                write_payload(payload, &header)?;
                let copied =
                    copy_through_buffer(&mut payload.output, content, size, &mut self.copy_buffer);
                payload.position += copied.written;
                // The reference goes out only after its content, so no metadata points at a
                // payload that was never completed.
                put_u64s(&mut self.scratch, PXAR_PAYLOAD_REF, &[payload_offset, size]);
                copied
            }
        };
        if let Some(failure) = copied.failure {
            let written = copied.written;
            // The writer's failure keeps its cause (and class); the rest is the input's fault.
            return Err(match failure {
                CopyFailure::Write(source) => FormatError::Write {
                    what: format!("{WHAT}: {}", self.display_path(name)),
                    offset: written,
                    source,
                },
                CopyFailure::Read(e) => self.refuse(
                    name,
                    format!("read error after {written} of {size} bytes: {e}"),
                ),
                CopyFailure::ShortRead => self.refuse(
                    name,
                    format!("content ended after {written} of {size} bytes"),
                ),
            });
        }
        if !self.scratch.is_empty() {
            self.emit_scratch()?;
        }
        Ok(())
    }

    /// The payload stream's current length (split archives only).
    pub fn payload_position(&self) -> Option<u64> {
        self.payload.as_ref().map(|p| p.position)
    }

    /// Accounts for `len` payload bytes the caller put into the payload stream itself (chunks
    /// of the previous snapshot injected into the payload index, in metadata change detection).
    pub fn skip_payload(&mut self, len: u64) -> Result<()> {
        let payload = self
            .payload
            .as_mut()
            .ok_or_else(|| FormatError::invalid(WHAT, "skip_payload needs a split archive"))?;
        payload.position = payload
            .position
            .checked_add(len)
            .ok_or_else(|| FormatError::invalid(WHAT, "payload position overflows"))?;
        Ok(())
    }

    /// Adds a regular file whose contents already sit in the payload stream at
    /// `payload_header_offset` (its PAYLOAD header), reused from a previous snapshot.
    pub fn add_file_reused(
        &mut self,
        name: &[u8],
        metadata: &Metadata,
        size: u64,
        payload_header_offset: u64,
    ) -> Result<FileRef> {
        self.check_entry(name, metadata, &[S_IFREG])?;
        let Some(payload) = self.payload.as_ref() else {
            return Err(self.refuse(name, "reused payload needs a split archive".to_string()));
        };
        let end = payload_header_offset
            .checked_add(HEADER_LEN)
            .and_then(|o| o.checked_add(size));
        if end.is_none_or(|end| end > payload.position) {
            return Err(self.refuse(
                name,
                "reused payload lies beyond the payload stream".to_string(),
            ));
        }
        let filename_offset = self.position;
        self.begin_entry(name, metadata);
        put_u64s(
            &mut self.scratch,
            PXAR_PAYLOAD_REF,
            &[payload_header_offset, size],
        );
        self.emit_scratch()?;
        // Reused files get their exact metadata size in the goodbye table (SPEC 10.5).
        let entry_size = self.position - filename_offset;
        self.record_child(name, filename_offset, entry_size);
        Ok(FileRef { filename_offset })
    }

    /// Adds a symbolic link pointing at `target` (stored verbatim).
    pub fn add_symlink(&mut self, name: &[u8], metadata: &Metadata, target: &[u8]) -> Result<()> {
        self.check_entry(name, metadata, &[S_IFLNK])?;
        check_link_target(target, "symlink target").map_err(|detail| self.refuse(name, detail))?;
        self.add_simple(name, metadata, |buf| {
            put_item(buf, PXAR_SYMLINK, &[target, &[0]]);
        })
    }

    /// Adds a block or character device (which one: `metadata`'s file type); `major`/`minor` are
    /// the full 32-bit Linux numbers, not a packed `dev_t`.
    pub fn add_device(
        &mut self,
        name: &[u8],
        metadata: &Metadata,
        major: u64,
        minor: u64,
    ) -> Result<()> {
        self.check_entry(name, metadata, &[S_IFBLK, S_IFCHR])?;
        self.add_simple(name, metadata, |buf| {
            put_u64s(buf, PXAR_DEVICE, &[major, minor]);
        })
    }

    /// Adds a named pipe.
    pub fn add_fifo(&mut self, name: &[u8], metadata: &Metadata) -> Result<()> {
        self.check_entry(name, metadata, &[S_IFIFO])?;
        // A fifo has no item of its own: its entry ends where the next FILENAME or GOODBYE starts.
        self.add_simple(name, metadata, |_| {})
    }

    /// Adds a Unix socket (only its metadata; like a fifo it has no item of its own).
    pub fn add_socket(&mut self, name: &[u8], metadata: &Metadata) -> Result<()> {
        self.check_entry(name, metadata, &[S_IFSOCK])?;
        self.add_simple(name, metadata, |_| {})
    }

    /// Adds a hard link to an earlier file; `target_path` is its path from the root without a
    /// leading `/` (`dir/file`), `target` what `add_file` returned for it.
    pub fn add_hardlink(&mut self, name: &[u8], target_path: &[u8], target: FileRef) -> Result<()> {
        self.check_child(name)?;
        check_link_target(target_path, "hardlink target")
            .map_err(|detail| self.refuse(name, detail))?;
        if target_path.is_empty() || target_path.first() == Some(&b'/') {
            return Err(self.refuse(
                name,
                "hardlink target must be a non-empty path relative to the root",
            ));
        }
        let filename_offset = self.position;
        if target.filename_offset >= filename_offset {
            return Err(self.refuse(name, "hardlink target is not an earlier entry"));
        }
        let mut buf = std::mem::take(&mut self.scratch);
        buf.clear();
        put_name(&mut buf, PXAR_FILENAME, name);
        // The stored offset counts back from this link's FILENAME to the target's.
        let distance = filename_offset - target.filename_offset;
        put_item(
            &mut buf,
            PXAR_HARDLINK,
            &[&distance.to_le_bytes(), target_path, &[0]],
        );
        self.scratch = buf;
        self.emit_scratch()?;
        self.record_child(name, filename_offset, self.position - filename_offset);
        Ok(())
    }

    /// Opens a subdirectory of the current directory; its children follow until `finish_directory`.
    pub fn create_directory(&mut self, name: &[u8], metadata: &Metadata) -> Result<()> {
        self.check_entry(name, metadata, &[S_IFDIR])?;
        let path_len = self.child_path_len(name);
        // LIMIT: limits::MAX_PXAR_DEPTH, the nesting our decoder follows (the root counts).
        if self.dirs.len() >= limits::MAX_PXAR_DEPTH {
            return Err(self.refuse(name, "directories nest too deeply"));
        }
        let filename_offset = self.position;
        self.begin_entry(name, metadata);
        let entry_offset = filename_offset + name_item_len(name);
        self.emit_scratch()?;
        if let Some(parent) = self.dirs.last_mut() {
            parent.names.insert(name.to_vec());
        }
        self.dirs.push(OpenDir {
            name: name.to_vec(),
            filename_offset,
            entry_offset,
            path_len,
            children: Vec::new(),
            names: HashSet::new(),
        });
        Ok(())
    }

    /// Closes the innermost open subdirectory with its goodbye table.
    pub fn finish_directory(&mut self) -> Result<()> {
        self.check_usable()?;
        if self.dirs.len() < 2 {
            return Err(FormatError::invalid(
                WHAT,
                "finish_directory: no subdirectory is open (the root is closed by finish)",
            ));
        }
        let Some(dir) = self.dirs.pop() else {
            return Err(FormatError::invalid(WHAT, "no open directory"));
        };
        let name = dir.name.clone();
        let filename_offset = dir.filename_offset;
        self.write_goodbye(dir)?;
        let size = self.position - filename_offset;
        if let Some(parent) = self.dirs.last_mut() {
            parent.children.push(GoodbyeRow {
                hash: hash_filename(&name),
                filename_offset,
                size,
            });
        }
        Ok(())
    }

    /// Closes the root directory (and, for split archives, the payload stream) and flushes.
    pub fn finish(mut self) -> Result<W> {
        self.check_usable()?;
        if self.dirs.len() != 1 {
            return Err(FormatError::invalid(
                WHAT,
                format!(
                    "finish: {} subdirectories are still open",
                    self.dirs.len().saturating_sub(1)
                ),
            ));
        }
        let Some(root) = self.dirs.pop() else {
            return Err(FormatError::invalid(WHAT, "no open directory"));
        };
        self.write_goodbye(root)?;
        if let Some(payload) = self.payload.as_mut() {
            let mut marker = Vec::with_capacity(HEADER_LEN as usize);
            put_header(&mut marker, PXAR_PAYLOAD_TAIL_MARKER, 0);
            write_payload(payload, &marker)?;
            payload
                .output
                .flush()
                .map_err(|e| write_error("payload stream", payload.position, &e))?;
        }
        self.output
            .flush()
            .map_err(|e| write_error("archive", self.position, &e))?;
        Ok(self.output)
    }

    /// FILENAME, ENTRY and attribute items of a child into `scratch` (not yet written).
    fn begin_entry(&mut self, name: &[u8], metadata: &Metadata) {
        let mut buf = std::mem::take(&mut self.scratch);
        buf.clear();
        put_name(&mut buf, PXAR_FILENAME, name);
        put_metadata(&mut buf, metadata);
        self.scratch = buf;
    }

    /// A child whose entry is FILENAME, ENTRY, attributes and at most one fixed-size item.
    fn add_simple(
        &mut self,
        name: &[u8],
        metadata: &Metadata,
        kind_item: impl FnOnce(&mut Vec<u8>),
    ) -> Result<()> {
        let filename_offset = self.position;
        self.begin_entry(name, metadata);
        kind_item(&mut self.scratch);
        self.emit_scratch()?;
        self.record_child(name, filename_offset, self.position - filename_offset);
        Ok(())
    }

    fn record_child(&mut self, name: &[u8], filename_offset: u64, size: u64) {
        if let Some(dir) = self.dirs.last_mut() {
            dir.names.insert(name.to_vec());
            dir.children.push(GoodbyeRow {
                hash: hash_filename(name),
                filename_offset,
                size,
            });
        }
    }

    /// Writes a directory's goodbye table: rows in search-tree order, then the tail row.
    fn write_goodbye(&mut self, dir: OpenDir) -> Result<()> {
        let goodbye_offset = self.position;
        let mut rows = dir.children;
        rows.sort_by_key(|row| row.hash);
        let rows = search_tree_layout(&rows);
        let full_size = HEADER_LEN + GOODBYE_ROW_LEN * (rows.len() as u64 + 1);
        let mut buf = std::mem::take(&mut self.scratch);
        buf.clear();
        put_header(&mut buf, PXAR_GOODBYE, full_size - HEADER_LEN);
        for row in &rows {
            put_u64(&mut buf, row.hash);
            put_u64(&mut buf, goodbye_offset - row.filename_offset);
            put_u64(&mut buf, row.size);
        }
        put_u64(&mut buf, PXAR_GOODBYE_TAIL_MARKER);
        put_u64(&mut buf, goodbye_offset - dir.entry_offset);
        put_u64(&mut buf, full_size);
        self.scratch = buf;
        self.emit_scratch()
    }

    /// Refuses a child name our decoder would refuse, or one already used in this directory.
    fn check_child(&self, name: &[u8]) -> Result<()> {
        self.check_usable()?;
        let shown = || String::from_utf8_lossy(name).into_owned();
        // LIMIT: limits::MAX_PXAR_NAME_LEN.
        if name.is_empty()
            || name == b"."
            || name == b".."
            || name.contains(&b'/')
            || name.contains(&0)
            || name.len() > limits::MAX_PXAR_NAME_LEN
        {
            return Err(FormatError::invalid(
                WHAT,
                format!("invalid file name {:?}", shown()),
            ));
        }
        // LIMIT: limits::MAX_PXAR_PATH_LEN, the longest path our decoder builds.
        if self.child_path_len(name) > limits::MAX_PXAR_PATH_LEN {
            return Err(self.refuse(name, "path too long"));
        }
        if self.dirs.last().is_some_and(|dir| dir.names.contains(name)) {
            return Err(FormatError::invalid(
                WHAT,
                format!("duplicate file name {}", self.display_path(name)),
            ));
        }
        Ok(())
    }

    /// `check_child` plus the metadata checks, with the path put into any message.
    fn check_entry(&self, name: &[u8], metadata: &Metadata, file_types: &[u64]) -> Result<()> {
        self.check_child(name)?;
        check_metadata(metadata, file_types).map_err(|detail| self.refuse(name, detail))
    }

    /// An error about child `name` of the current directory; the path is only built on failure.
    fn refuse(&self, name: &[u8], detail: impl std::fmt::Display) -> FormatError {
        FormatError::invalid(WHAT, format!("{}: {detail}", self.display_path(name)))
    }

    fn check_usable(&self) -> Result<()> {
        if self.broken {
            return Err(FormatError::invalid(
                WHAT,
                "encoder unusable after an earlier write or read error",
            ));
        }
        if self.dirs.is_empty() {
            return Err(FormatError::invalid(WHAT, "archive already finished"));
        }
        Ok(())
    }

    /// Length of the path the decoder will build for `name` in the current directory.
    fn child_path_len(&self, name: &[u8]) -> usize {
        let parent = self.dirs.last().map_or(1, |dir| dir.path_len);
        // The decoder writes `/` between parent and name except under the root (`/name`).
        let separator = usize::from(self.dirs.len() > 1);
        parent + separator + name.len()
    }

    /// `/dir/name` for messages, lossy for non-UTF-8 names.
    fn display_path(&self, name: &[u8]) -> String {
        let mut path = String::new();
        for dir in self.dirs.iter().skip(1) {
            path.push('/');
            path.push_str(&String::from_utf8_lossy(&dir.name));
        }
        path.push('/');
        path.push_str(&String::from_utf8_lossy(name));
        path
    }

    /// Writes and clears `scratch`.
    fn emit_scratch(&mut self) -> Result<()> {
        let result = self.output.write_all(&self.scratch);
        let result = match result {
            Ok(()) => {
                self.position += self.scratch.len() as u64;
                self.scratch.clear();
                Ok(())
            }
            Err(e) => Err(write_error("archive", self.position, &e)),
        };
        self.fail_on_err(result)
    }

    /// Marks the encoder unusable if `result` failed part-way through an entry.
    fn fail_on_err<T>(&mut self, result: Result<T>) -> Result<T> {
        if result.is_err() {
            self.broken = true;
        }
        result
    }
}

/// Refuses metadata our decoder would refuse, or whose file type does not fit the method;
/// the error is the detail, the caller adds the path.
fn check_metadata(metadata: &Metadata, file_types: &[u64]) -> std::result::Result<(), String> {
    if !file_types.contains(&metadata.file_type()) {
        return Err(format!("mode {:o} has the wrong file type", metadata.mode));
    }
    if metadata.mtime_nanos >= 1_000_000_000 {
        return Err("mtime nanoseconds out of range".into());
    }
    for (name, value) in &metadata.xattrs {
        // LIMIT: limits::MAX_PXAR_XATTR_SIZE for name, NUL and value together.
        if name.is_empty()
            || name.contains(&0)
            || name.len() + 1 + value.len() > limits::MAX_PXAR_XATTR_SIZE
        {
            return Err(format!(
                "invalid or oversized xattr {:?}",
                String::from_utf8_lossy(name)
            ));
        }
    }
    // LIMIT: limits::MAX_PXAR_XATTR_SIZE.
    if metadata
        .fcaps
        .as_ref()
        .is_some_and(|fcaps| fcaps.len() > limits::MAX_PXAR_XATTR_SIZE)
    {
        return Err("file capabilities too large".into());
    }
    let acl = &metadata.acl;
    // LIMIT: limits::MAX_PXAR_ACL_ENTRIES per list.
    if [
        &acl.users,
        &acl.groups,
        &acl.default_users,
        &acl.default_groups,
    ]
    .iter()
    .any(|list| list.len() > limits::MAX_PXAR_ACL_ENTRIES)
    {
        return Err("too many ACL entries".into());
    }
    Ok(())
}

/// A symlink or hardlink target must fit the decoder's name limit and its NUL termination.
fn check_link_target(target: &[u8], what: &str) -> std::result::Result<(), String> {
    // LIMIT: limits::MAX_PXAR_NAME_LEN.
    if target.contains(&0) || target.len() > limits::MAX_PXAR_NAME_LEN {
        return Err(format!("{what} contains NUL or is too long"));
    }
    Ok(())
}

/// Rearranges rows sorted by hash into the implicit binary search tree goodbye tables use
/// (casync's layout: node `i` has children `2i+1` and `2i+2`, the last level filled from the
/// left). Filling that complete tree's nodes in in-order with the sorted rows gives exactly the
/// permutation of SPEC 10.5, without its index arithmetic.
pub(crate) fn search_tree_layout<T: Copy + Default>(sorted: &[T]) -> Vec<T> {
    let n = sorted.len();
    let mut out = vec![T::default(); n];
    let mut rows = sorted.iter();
    // Nodes whose left subtree is being filled; at most the tree height deep.
    let mut pending = Vec::new();
    let mut node = 0usize;
    loop {
        while node < n {
            pending.push(node);
            node = 2 * node + 1;
        }
        let Some(top) = pending.pop() else {
            break;
        };
        if let (Some(slot), Some(row)) = (out.get_mut(top), rows.next()) {
            *slot = *row;
        }
        node = 2 * top + 2;
    }
    out
}

/// How far a bounded copy got, and why it stopped early.
pub struct Copied {
    pub written: u64,
    pub failure: Option<CopyFailure>,
}

/// Why a file's content stopped short.
pub enum CopyFailure {
    Read(io::Error),
    Write(io::Error),
    ShortRead,
}

/// Moves a file's `size` bytes of content from the reader into the output: by default through
/// the encoder's copy buffer; an output that can take content straight from the reader (the
/// backup's chunker) brings its own.
pub type ContentCopier<W> = fn(&mut W, &mut dyn Read, u64, &mut Vec<u8>) -> Copied;

/// The default `ContentCopier`: read into `buffer`, write from it.
pub fn copy_through_buffer<W: Write>(
    output: &mut W,
    src: &mut dyn Read,
    size: u64,
    buffer: &mut Vec<u8>,
) -> Copied {
    if buffer.is_empty() && size > 0 {
        *buffer = vec![0u8; COPY_BUFFER_LEN];
    }
    copy_exact(src, output, size, buffer)
}

/// Copies exactly `size` bytes (or fewer, reporting why) from `src` to `dst` through `buffer`.
fn copy_exact(src: &mut dyn Read, dst: &mut dyn Write, size: u64, buffer: &mut [u8]) -> Copied {
    let mut written = 0u64;
    while written < size {
        let want = (size - written).min(buffer.len() as u64) as usize;
        let Some(chunk) = buffer.get_mut(..want) else {
            break;
        };
        let got = match src.read(chunk) {
            Ok(0) => {
                return Copied {
                    written,
                    failure: Some(CopyFailure::ShortRead),
                }
            }
            Ok(got) => got,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => {
                return Copied {
                    written,
                    failure: Some(CopyFailure::Read(e)),
                }
            }
        };
        // `got <= want` by `Read`'s contract; `get` keeps a misbehaving reader from panicking us.
        let Some(data) = chunk.get(..got) else {
            return Copied {
                written,
                failure: Some(CopyFailure::Read(io::Error::other(
                    "reader reported more bytes than asked for",
                ))),
            };
        };
        if let Err(e) = dst.write_all(data) {
            return Copied {
                written,
                failure: Some(CopyFailure::Write(e)),
            };
        }
        written += got as u64;
    }
    Copied {
        written,
        failure: None,
    }
}

fn write_payload(payload: &mut PayloadOutput, bytes: &[u8]) -> Result<()> {
    payload
        .output
        .write_all(bytes)
        .map_err(|e| write_error("payload stream", payload.position, &e))?;
    payload.position += bytes.len() as u64;
    Ok(())
}

fn write_error(stream: &str, offset: u64, e: &io::Error) -> FormatError {
    FormatError::Write {
        what: format!("{WHAT}: {stream}"),
        offset,
        // The writer's own error, its kind and any class it carries kept.
        source: copy_io_error(e),
    }
}

/// An owned copy of `e` (the encoder's callers hand out references), keeping its kind and a
/// class it carries.
fn copy_io_error(e: &io::Error) -> io::Error {
    match e
        .get_ref()
        .and_then(|inner| inner.downcast_ref::<crate::util::error_class::Classed>())
    {
        Some(c) => c.to_io(),
        None => match e.raw_os_error() {
            Some(code) => io::Error::from_raw_os_error(code),
            None => io::Error::new(e.kind(), e.to_string()),
        },
    }
}

/// Full size of a FILENAME item for `name`.
fn name_item_len(name: &[u8]) -> u64 {
    HEADER_LEN + name.len() as u64 + 1
}

fn put_u64(buf: &mut Vec<u8>, value: u64) {
    buf.extend_from_slice(&value.to_le_bytes());
}

fn put_header(buf: &mut Vec<u8>, htype: u64, content_len: u64) {
    put_u64(buf, htype);
    put_u64(buf, HEADER_LEN + content_len);
}

/// An item whose content is the concatenation of `parts`.
fn put_item(buf: &mut Vec<u8>, htype: u64, parts: &[&[u8]]) {
    let content_len: usize = parts.iter().map(|part| part.len()).sum();
    put_header(buf, htype, content_len as u64);
    for part in parts {
        buf.extend_from_slice(part);
    }
}

fn put_u64s(buf: &mut Vec<u8>, htype: u64, values: &[u64]) {
    put_header(buf, htype, 8 * values.len() as u64);
    for value in values {
        put_u64(buf, *value);
    }
}

/// A NUL-terminated name item (FILENAME).
fn put_name(buf: &mut Vec<u8>, htype: u64, name: &[u8]) {
    put_item(buf, htype, &[name, &[0]]);
}

/// ENTRY then the attribute items, in the order of SPEC 10.4.
fn put_metadata(buf: &mut Vec<u8>, m: &Metadata) {
    put_header(buf, PXAR_ENTRY, ENTRY_CONTENT_LEN);
    put_u64(buf, m.mode);
    put_u64(buf, m.flags);
    buf.extend_from_slice(&m.uid.to_le_bytes());
    buf.extend_from_slice(&m.gid.to_le_bytes());
    buf.extend_from_slice(&m.mtime_secs.to_le_bytes());
    buf.extend_from_slice(&m.mtime_nanos.to_le_bytes());
    buf.extend_from_slice(&0u32.to_le_bytes());
    for (name, value) in &m.xattrs {
        put_item(buf, PXAR_XATTR, &[name, &[0], value]);
    }
    for (uid, perms) in &m.acl.users {
        put_u64s(buf, PXAR_ACL_USER, &[*uid, *perms]);
    }
    for (gid, perms) in &m.acl.groups {
        put_u64s(buf, PXAR_ACL_GROUP, &[*gid, *perms]);
    }
    if let Some(perms) = m.acl.group_obj {
        put_u64s(buf, PXAR_ACL_GROUP_OBJ, &[perms]);
    }
    if let Some(default) = &m.acl.default {
        put_u64s(buf, PXAR_ACL_DEFAULT, default);
    }
    for (uid, perms) in &m.acl.default_users {
        put_u64s(buf, PXAR_ACL_DEFAULT_USER, &[*uid, *perms]);
    }
    for (gid, perms) in &m.acl.default_groups {
        put_u64s(buf, PXAR_ACL_DEFAULT_GROUP, &[*gid, *perms]);
    }
    if let Some(fcaps) = &m.fcaps {
        put_item(buf, PXAR_FCAPS, &[fcaps]);
    }
    if let Some(projid) = m.quota_project_id {
        put_u64s(buf, PXAR_QUOTA_PROJID, &[projid]);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::format::pxar::decoder::Decoder;
    use std::sync::{Arc, Mutex};

    const T12_V1: &str = "efac88e5746495d53800000000000000ed410000000000000000000000000000e8030000e803000000f15365000000000000000000000000b3173906211170161600000000000000612e74787400efac88e5746495d53800000000000000a4810000000000000000000000000000e8030000e803000000f15365000000000000000000000000251a7c0b1b7a1428160000000000000068656c6c6f0ab31739062111701612000000000000006400efac88e5746495d53800000000000000ed410000000000000000000000000000e8030000e803000000f15365000000000000000000000000b31739062111701612000000000000006c00efac88e5746495d53800000000000000ffa10000000000000000000000000000e8030000e803000000f153650000000000000000000000005fdcf5dbe771f92719000000000000002e2e2f612e747874001d73d542a64fec2f4000000000000000592517c9460472536300000000000000630000000000000055153e755bed5eef9b0000000000000040000000000000001d73d542a64fec2f580000000000000072aa11b6662d39dc51010000000000006400000000000000c3472fbc6c1db625ed00000000000000ed0000000000000055153e755bed5eef89010000000000005800000000000000";
    const T12_V2_META: &str = "0da416df756c0f7318000000000000000200000000000000efac88e5746495d53800000000000000ed410000000000000000000000000000e8030000e803000000f15365000000000000000000000000b3173906211170161600000000000000612e74787400efac88e5746495d53800000000000000a4810000000000000000000000000000e8030000e803000000f153650000000000000000000000007e97bac46b3d9d41200000000000000010000000000000000600000000000000b31739062111701612000000000000006400efac88e5746495d53800000000000000ed410000000000000000000000000000e8030000e803000000f15365000000000000000000000000b31739062111701612000000000000006c00efac88e5746495d53800000000000000ffa10000000000000000000000000000e8030000e803000000f153650000000000000000000000005fdcf5dbe771f92719000000000000002e2e2f612e747874001d73d542a64fec2f4000000000000000592517c9460472536300000000000000630000000000000055153e755bed5eef9b0000000000000040000000000000001d73d542a64fec2f580000000000000072aa11b6662d39dc5b010000000000007400000000000000c3472fbc6c1db625ed00000000000000ed0000000000000055153e755bed5eefab010000000000005800000000000000";
    const T12_V2_PAYLOAD: &str = "d24e4a19c2684c831000000000000000251a7c0b1b7a1428160000000000000068656c6c6f0ab5814c988bb7726c1000000000000000";

    /// A `Write + Send + 'static` whose bytes the test can still read after handing it over.
    #[derive(Clone, Default)]
    struct Shared(Arc<Mutex<Vec<u8>>>);

    impl Write for Shared {
        fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    impl Shared {
        fn bytes(&self) -> Vec<u8> {
            self.0.lock().unwrap().clone()
        }
    }

    fn meta(mode: u64) -> Metadata {
        Metadata {
            mode,
            uid: 1000,
            gid: 1000,
            mtime_secs: 1_700_000_000,
            ..Metadata::default()
        }
    }

    fn write_t12<W: Write>(mut e: Encoder<W>) -> W {
        e.add_file(b"a.txt", &meta(0o100644), 6, &mut &b"hello\n"[..])
            .unwrap();
        e.create_directory(b"d", &meta(0o40755)).unwrap();
        e.add_symlink(b"l", &meta(0o120777), b"../a.txt").unwrap();
        e.finish_directory().unwrap();
        e.finish().unwrap()
    }

    #[test]
    fn reproduces_upstream_v1_archive_t12() {
        let out = write_t12(Encoder::new(Vec::new(), &meta(0o40755)).unwrap());
        assert_eq!(out.len(), 481);
        assert_eq!(hex::encode(out), T12_V1);
    }

    #[test]
    fn reproduces_upstream_v2_split_archive_t12() {
        let payload = Shared::default();
        let e = Encoder::new_split(Vec::new(), Box::new(payload.clone()), &meta(0o40755), None)
            .unwrap();
        let out = write_t12(e);
        assert_eq!(out.len(), 515);
        assert_eq!(hex::encode(&out), T12_V2_META);
        // Upstream's goodbye tables, with the split-file size quirk, pass the decoder's check.
        let mut d = Decoder::new(&out[..]);
        let mut entries = 0;
        while d.next_entry().unwrap().is_some() {
            entries += 1;
        }
        assert_eq!(entries, 4);
        assert_eq!(payload.bytes().len(), 54);
        assert_eq!(hex::encode(payload.bytes()), T12_V2_PAYLOAD);
    }

    #[test]
    fn split_archive_with_prelude_puts_it_at_offset_24() {
        let payload = Shared::default();
        let prelude = br#"{"exclude-patterns":"*.tmp\n"}"#;
        let e = Encoder::new_split(
            Vec::new(),
            Box::new(payload.clone()),
            &meta(0o40755),
            Some(prelude),
        )
        .unwrap();
        assert_eq!(e.position(), 24 + 16 + prelude.len() as u64 + 56);
        let out = e.finish().unwrap();
        assert_eq!(&out[24..32], &PXAR_PRELUDE.to_le_bytes());
        let mut d = Decoder::new(&out[..]);
        d.next_entry().unwrap().unwrap();
        assert_eq!(d.prelude(), Some(&prelude[..]));
        assert_eq!(d.format_version(), 2);
        assert!(d.next_entry().unwrap().is_none());
        // Root tail points at offset 0 (the version item), as upstream does.
        let tail = &out[out.len() - 24..];
        assert_eq!(&tail[..8], &PXAR_GOODBYE_TAIL_MARKER.to_le_bytes());
        let goodbye_offset = out.len() as u64 - 40;
        assert_eq!(tail[8..16], goodbye_offset.to_le_bytes());
        assert_eq!(payload.bytes().len(), 32);
    }

    /// The permutation exactly as SPEC 10.5 words casync's recursion, for comparison.
    fn spec_permutation(n: usize) -> Vec<usize> {
        fn place(out: &mut [usize], n: usize, o: usize, e: u32, i: usize) {
            let p = 1usize << e;
            let t = p + p / 2 - 1;
            let m = if n > t { p - 1 } else { p - 1 - (t - n) };
            out[i] = o + m;
            if m > 0 {
                place(out, m, o, e.saturating_sub(1), 2 * i + 1);
            }
            if m + 1 < n {
                place(out, n - m - 1, o + m + 1, e.saturating_sub(1), 2 * i + 2);
            }
        }
        let mut out = vec![usize::MAX; n];
        if n > 0 {
            place(&mut out, n, 0, n.ilog2(), 0);
        }
        out
    }

    fn layout_of(n: usize) -> Vec<usize> {
        search_tree_layout(&(0..n).collect::<Vec<_>>())
    }

    #[test]
    fn search_tree_layout_matches_spec_checks() {
        assert_eq!(layout_of(5), [3, 1, 4, 0, 2]);
        assert_eq!(layout_of(8), [4, 2, 6, 1, 3, 5, 7, 0]);
        assert_eq!(layout_of(10), [6, 3, 8, 1, 5, 7, 9, 0, 2, 4]);
        assert_eq!(layout_of(0), Vec::<usize>::new());
        assert_eq!(layout_of(1), [0]);
        assert_eq!(layout_of(2), [1, 0]);
    }

    #[test]
    fn search_tree_layout_equals_casync_recursion() {
        for n in 0..=1100 {
            assert_eq!(layout_of(n), spec_permutation(n), "n = {n}");
        }
    }

    #[test]
    fn duplicate_names_are_refused() {
        let mut e = Encoder::new(Vec::new(), &meta(0o40755)).unwrap();
        e.add_file(b"x", &meta(0o100644), 0, &mut io::empty())
            .unwrap();
        let err = e.add_fifo(b"x", &meta(0o10644)).unwrap_err().to_string();
        assert!(err.contains("duplicate file name /x"), "{err}");
        assert!(e.create_directory(b"x", &meta(0o40755)).is_err());
        e.create_directory(b"d", &meta(0o40755)).unwrap();
        // The same name in another directory is fine.
        e.add_fifo(b"x", &meta(0o10644)).unwrap();
        assert!(e.add_socket(b"x", &meta(0o140755)).is_err());
        e.finish_directory().unwrap();
        assert!(e.add_symlink(b"d", &meta(0o120777), b"t").is_err());
        e.add_hardlink(
            b"y",
            b"x",
            FileRef {
                filename_offset: 56,
            },
        )
        .unwrap();
        assert!(e
            .add_hardlink(
                b"y",
                b"x",
                FileRef {
                    filename_offset: 56
                }
            )
            .is_err());
        // Refusals leave the encoder usable and the archive valid.
        let out = e.finish().unwrap();
        let names: Vec<_> = all_entries(&out).into_iter().map(|e| e.path).collect();
        assert_eq!(names, [&b"/"[..], b"/x", b"/d", b"/d/x", b"/y"]);
    }

    #[test]
    fn invalid_names_are_refused() {
        let mut e = Encoder::new(Vec::new(), &meta(0o40755)).unwrap();
        let long = vec![b'n'; limits::MAX_PXAR_NAME_LEN + 1];
        for bad in [&b""[..], b".", b"..", b"a/b", b"/", b"a\0b", &long] {
            let err = e
                .add_fifo(bad, &meta(0o10644))
                .expect_err("bad name accepted")
                .to_string();
            assert!(err.contains("invalid file name"), "{err}");
            assert!(e.create_directory(bad, &meta(0o40755)).is_err());
        }
        e.add_fifo(&long[1..], &meta(0o10644)).unwrap();
        e.add_fifo(b"...", &meta(0o10644)).unwrap();
        e.finish().unwrap();
    }

    #[test]
    fn bad_metadata_and_targets_are_refused() {
        let mut e = Encoder::new(Vec::new(), &meta(0o40755)).unwrap();
        assert!(e
            .add_file(b"f", &meta(0o40755), 0, &mut io::empty())
            .is_err());
        assert!(e.create_directory(b"f", &meta(0o100644)).is_err());
        assert!(e.add_device(b"f", &meta(0o10644), 1, 2).is_err());
        let mut m = meta(0o100644);
        m.mtime_nanos = 1_000_000_000;
        assert!(e.add_file(b"f", &m, 0, &mut io::empty()).is_err());
        let mut m = meta(0o100644);
        m.xattrs.push((b"user.a\0b".to_vec(), vec![]));
        assert!(e.add_file(b"f", &m, 0, &mut io::empty()).is_err());
        assert!(e.add_symlink(b"l", &meta(0o120777), b"a\0b").is_err());
        let long = vec![b't'; limits::MAX_PXAR_NAME_LEN + 1];
        assert!(e.add_symlink(b"l", &meta(0o120777), &long).is_err());
        let earlier = FileRef { filename_offset: 0 };
        assert!(e.add_hardlink(b"h", b"/abs", earlier).is_err());
        assert!(e.add_hardlink(b"h", b"", earlier).is_err());
        let later = FileRef {
            filename_offset: 1 << 40,
        };
        assert!(e.add_hardlink(b"h", b"f", later).is_err());
        assert!(Encoder::new(Vec::new(), &meta(0o100644)).is_err());
        assert!(
            e.finish_directory().is_err(),
            "the root is closed by finish"
        );
        e.create_directory(b"d", &meta(0o40755)).unwrap();
        let err = e.finish().map(|_| ()).unwrap_err().to_string();
        assert!(err.contains("still open"), "{err}");
    }

    #[test]
    fn short_file_content_is_an_error_naming_the_file() {
        for split in [false, true] {
            let mut e = if split {
                Encoder::new_split(
                    Vec::new(),
                    Box::new(Shared::default()),
                    &meta(0o40755),
                    None,
                )
                .unwrap()
            } else {
                Encoder::new(Vec::new(), &meta(0o40755)).unwrap()
            };
            e.create_directory(b"sub", &meta(0o40755)).unwrap();
            let err = e
                .add_file(b"short.bin", &meta(0o100644), 10, &mut &b"12345"[..])
                .unwrap_err()
                .to_string();
            assert!(err.contains("/sub/short.bin"), "{err}");
            assert!(err.contains("5 of 10"), "{err}");
            // The output no longer matches the offsets: everything after is refused.
            assert!(e.add_fifo(b"p", &meta(0o10644)).is_err());
            assert!(e.finish_directory().is_err());
        }
    }

    #[test]
    fn file_content_is_copied_exactly_through_a_bounded_buffer() {
        // A reader with more bytes than `size`: only `size` are taken.
        let data: Vec<u8> = (0..200_000u32).map(|i| (i % 251) as u8).collect();
        let mut e = Encoder::new(Vec::new(), &meta(0o40755)).unwrap();
        let mut reader = &data[..];
        e.add_file(b"big", &meta(0o100644), 150_000, &mut reader)
            .unwrap();
        assert_eq!(reader.len(), 50_000);
        assert_eq!(e.copy_buffer.len(), COPY_BUFFER_LEN);
        let out = e.finish().unwrap();
        let mut d = Decoder::new(&out[..]);
        d.next_entry().unwrap();
        d.next_entry().unwrap();
        let mut got = Vec::new();
        let mut buf = [0u8; 4096];
        loop {
            let n = d.read_payload(&mut buf).unwrap();
            if n == 0 {
                break;
            }
            got.extend_from_slice(&buf[..n]);
        }
        assert_eq!(got, &data[..150_000]);
    }

    fn all_entries(bytes: &[u8]) -> Vec<Entry> {
        let mut d = Decoder::new(bytes);
        let mut out = Vec::new();
        while let Some(e) = d.next_entry().unwrap() {
            out.push(e);
        }
        assert_eq!(d.position(), bytes.len() as u64);
        out
    }

    /// Decodes every entry and, for unified archives, each file's content.
    fn entries_and_contents(bytes: &[u8]) -> Vec<(Entry, Vec<u8>)> {
        let mut d = Decoder::new(bytes);
        let mut out = Vec::new();
        while let Some(e) = d.next_entry().unwrap() {
            let mut content = Vec::new();
            let mut buf = [0u8; 8192];
            loop {
                let n = d.read_payload(&mut buf).unwrap();
                if n == 0 {
                    break;
                }
                content.extend_from_slice(&buf[..n]);
            }
            out.push((e, content));
        }
        out
    }

    /// SPEC 10.8 lookup in the directory ending at `end`: the child's (FILENAME offset, size).
    fn lookup(bytes: &[u8], end: usize, name: &[u8]) -> Option<(usize, usize)> {
        let u = |at: usize| u64::from_le_bytes(bytes[at..at + 8].try_into().unwrap()) as usize;
        assert_eq!(u(end - 24) as u64, PXAR_GOODBYE_TAIL_MARKER);
        let goodbye = end - u(end - 8);
        assert_eq!(u(goodbye) as u64, PXAR_GOODBYE);
        let n = (u(end - 8) - 16) / 24 - 1;
        let hash = hash_filename(name) as usize;
        let mut i = 0;
        while i < n {
            let row = goodbye + 16 + 24 * i;
            let row_hash = u(row);
            if hash < row_hash {
                i = 2 * i + 1;
            } else if hash > row_hash {
                i = 2 * i + 2;
            } else {
                let f = goodbye - u(row + 8);
                assert_eq!(u(f) as u64, PXAR_FILENAME);
                let stored = &bytes[f + 16..f + u(f + 8) - 1];
                assert_eq!(stored, name, "hash collision in test data");
                return Some((f, u(row + 16)));
            }
        }
        None
    }

    fn acl_meta(mode: u64) -> Metadata {
        Metadata {
            mode,
            flags: 0x2000 | 0x400000,
            uid: 0,
            gid: 4_000_000_000,
            mtime_secs: -1_234_567,
            mtime_nanos: 999_999_999,
            xattrs: vec![
                (b"user.comment".to_vec(), b"value".to_vec()),
                (b"user.empty".to_vec(), Vec::new()),
                (b"trusted.\xff".to_vec(), vec![0, 1, 2, 0]),
            ],
            acl: Acl {
                users: vec![(1000, 7), (1001, 4)],
                groups: vec![(100, 5)],
                group_obj: Some(6),
                default: Some([7, 5, 0, u64::MAX]),
                default_users: vec![(2000, 6)],
                default_groups: vec![(200, 4), (201, 0)],
            },
            fcaps: Some(vec![0, 0, 0, 2, 0x20, 0, 0, 0, 0, 0, 0, 0]),
            quota_project_id: Some(42),
        }
    }

    #[test]
    fn every_entry_kind_round_trips_through_the_decoder() {
        let long_name = vec![b'L'; limits::MAX_PXAR_NAME_LEN];
        let mut sub_long = b"/sub/".to_vec();
        sub_long.extend_from_slice(&long_name);
        let content = b"some file content\n".repeat(1000);
        let root = acl_meta(0o41777);

        let mut e = Encoder::new(Vec::new(), &root).unwrap();
        let file = e
            .add_file(
                b"a-file",
                &acl_meta(0o104755),
                content.len() as u64,
                &mut &content[..],
            )
            .unwrap();
        assert_eq!(file.filename_offset, 56 + acl_items_len());
        e.add_device(b"blk", &meta(0o60660), 8, 1).unwrap();
        e.add_device(b"chr", &meta(0o20666), 0xfff_ffff, 0xffff_ffff)
            .unwrap();
        e.add_file(b"empty", &meta(0o100600), 0, &mut io::empty())
            .unwrap();
        e.add_fifo(b"fifo", &acl_meta(0o10640)).unwrap();
        let link_at = e.position();
        e.add_hardlink(b"hard", b"a-file", file).unwrap();
        e.add_socket(b"sock", &meta(0o140777)).unwrap();
        e.create_directory(b"sub", &acl_meta(0o42755)).unwrap();
        e.create_directory(b"empty-dir", &meta(0o40700)).unwrap();
        e.finish_directory().unwrap();
        e.add_symlink(&long_name, &meta(0o120777), &long_name)
            .unwrap();
        e.add_file(b"\xff\xfe name", &meta(0o100644), 3, &mut &b"abc"[..])
            .unwrap();
        e.add_symlink(b"up", &meta(0o120777), b"../a-file").unwrap();
        e.finish_directory().unwrap();
        e.add_socket(b"zz-last-socket", &meta(0o140755)).unwrap();
        let out = e.finish().unwrap();

        let expected: Vec<(Vec<u8>, EntryKind, Metadata, Vec<u8>)> = vec![
            (b"/".to_vec(), EntryKind::Directory, root.clone(), vec![]),
            (
                b"/a-file".to_vec(),
                EntryKind::File {
                    size: content.len() as u64,
                    payload_offset: file.filename_offset + 16 + 7 + 56 + acl_items_len() + 16,
                    split: false,
                },
                acl_meta(0o104755),
                content.clone(),
            ),
            (
                b"/blk".to_vec(),
                EntryKind::Device { major: 8, minor: 1 },
                meta(0o60660),
                vec![],
            ),
            (
                b"/chr".to_vec(),
                EntryKind::Device {
                    major: 0xfff_ffff,
                    minor: 0xffff_ffff,
                },
                meta(0o20666),
                vec![],
            ),
            (
                b"/empty".to_vec(),
                EntryKind::File {
                    size: 0,
                    payload_offset: 0,
                    split: false,
                },
                meta(0o100600),
                vec![],
            ),
            (
                b"/fifo".to_vec(),
                EntryKind::Fifo,
                acl_meta(0o10640),
                vec![],
            ),
            (
                b"/hard".to_vec(),
                EntryKind::Hardlink {
                    target: b"a-file".to_vec(),
                },
                Metadata::default(),
                vec![],
            ),
            (b"/sock".to_vec(), EntryKind::Socket, meta(0o140777), vec![]),
            (
                b"/sub".to_vec(),
                EntryKind::Directory,
                acl_meta(0o42755),
                vec![],
            ),
            (
                b"/sub/empty-dir".to_vec(),
                EntryKind::Directory,
                meta(0o40700),
                vec![],
            ),
            (
                sub_long.clone(),
                EntryKind::Symlink {
                    target: long_name.clone(),
                },
                meta(0o120777),
                vec![],
            ),
            (
                b"/sub/\xff\xfe name".to_vec(),
                EntryKind::File {
                    size: 3,
                    payload_offset: 0,
                    split: false,
                },
                meta(0o100644),
                b"abc".to_vec(),
            ),
            (
                b"/sub/up".to_vec(),
                EntryKind::Symlink {
                    target: b"../a-file".to_vec(),
                },
                meta(0o120777),
                vec![],
            ),
            (
                b"/zz-last-socket".to_vec(),
                EntryKind::Socket,
                meta(0o140755),
                vec![],
            ),
        ];
        let decoded = entries_and_contents(&out);
        assert_eq!(decoded.len(), expected.len());
        for ((entry, data), (path, kind, metadata, want)) in decoded.iter().zip(&expected) {
            assert_eq!(&entry.path, path);
            match (&entry.kind, kind) {
                // Payload offsets of the later files are not worth computing by hand.
                (
                    EntryKind::File { size, split, .. },
                    EntryKind::File {
                        size: want_size,
                        payload_offset: 0,
                        split: want_split,
                    },
                ) => assert_eq!((size, split), (want_size, want_split)),
                (got, want) => assert_eq!(got, want, "{}", entry.path_lossy()),
            }
            assert_eq!(&entry.metadata, metadata, "{}", entry.path_lossy());
            assert_eq!(data, want, "{}", entry.path_lossy());
        }

        // Hardlink offset = link FILENAME − target FILENAME.
        let item = link_at as usize + 16 + 5;
        assert_eq!(&out[item..item + 8], &PXAR_HARDLINK.to_le_bytes());
        assert_eq!(
            out[item + 16..item + 24],
            (link_at - file.filename_offset).to_le_bytes()
        );

        // Every goodbye row leads to its child with the right extent (SPEC 10.8).
        let (sub, sub_size) = lookup(&out, out.len(), b"sub").unwrap();
        let (symlink, _) = lookup(&out, sub + sub_size, &long_name).unwrap();
        assert_eq!(&out[symlink + 16..symlink + 16 + 4], b"LLLL");
        let (hard, hard_size) = lookup(&out, out.len(), b"hard").unwrap();
        assert_eq!((hard as u64, hard_size), (link_at, 16 + 5 + 16 + 8 + 7));
        let (empty_dir, size) = lookup(&out, sub + sub_size, b"empty-dir").unwrap();
        assert_eq!(size, 16 + 10 + 56 + 16 + 24);
        assert!(lookup(&out, empty_dir + size, b"x").is_none());
        assert!(lookup(&out, out.len(), b"missing").is_none());
        // The directory tail points back at the directory's ENTRY.
        let sub_end = sub + sub_size;
        let sub_goodbye = sub_end - (16 + 24 * 5);
        let tail_offset = u64::from_le_bytes(out[sub_end - 16..sub_end - 8].try_into().unwrap());
        assert_eq!(sub_goodbye as u64 - tail_offset, sub as u64 + 16 + 4);
    }

    /// Bytes of `acl_meta`'s xattr, ACL, fcaps and quota items.
    fn acl_items_len() -> u64 {
        let xattrs = (16 + 12 + 1 + 5) + (16 + 10 + 1) + (16 + 9 + 1 + 4);
        let acl = 2 * 32 + 32 + (16 + 8) + (16 + 32) + 32 + 2 * 32;
        xattrs + acl + (16 + 12) + (16 + 8)
    }

    #[test]
    fn split_archive_round_trips_with_payload_references() {
        let payload = Shared::default();
        let mut e = Encoder::new_split(Vec::new(), Box::new(payload.clone()), &meta(0o40755), None)
            .unwrap();
        let files: [(&[u8], &[u8]); 3] = [(b"a", b"first"), (b"b", b""), (b"c", b"third one")];
        for (name, data) in files {
            e.add_file(name, &meta(0o100644), data.len() as u64, &mut &data[..])
                .unwrap();
        }
        let out = e.finish().unwrap();
        let payload = payload.bytes();
        assert_eq!(&payload[..8], &PXAR_PAYLOAD_START_MARKER.to_le_bytes());
        assert_eq!(
            &payload[payload.len() - 16..payload.len() - 8],
            &PXAR_PAYLOAD_TAIL_MARKER.to_le_bytes()
        );
        let entries = all_entries(&out);
        for (entry, (_, data)) in entries[1..].iter().zip(files) {
            let EntryKind::File {
                size,
                payload_offset,
                split: true,
            } = entry.kind
            else {
                panic!("{:?}", entry.kind);
            };
            let at = payload_offset as usize;
            assert_eq!(&payload[at - 16..at - 8], &PXAR_PAYLOAD.to_le_bytes());
            assert_eq!(&payload[at..at + size as usize], data);
        }
        // The goodbye size quirk: metadata bytes plus the payload length.
        let (_, size) = lookup(&out, out.len(), b"c").unwrap();
        assert_eq!(size, 18 + 56 + 32 + 9);
    }
}
