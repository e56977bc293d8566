//! An independent, read-only checker for a datastore directory in Proxmox Backup Server's
//! layout (spec: formats.md sections 2-6).
//!
//! It deliberately does not use pbsh's own `format` code: every byte is parsed here with
//! sha2/crc32fast/zstd/serde_json, so that a bug in pbsh's codecs cannot hide itself.
//!
//! Use from any integration test with `mod checker;` and
//! `checker::check_datastore(path)`. Every problem found is reported (the walk never stops at
//! the first one); informational findings (unfinished snapshots, hidden directories,
//! quarantined or temporary chunk files, zero-length chunk files) go into [`Report::notes`]
//! and are never errors.
#![allow(dead_code)]

use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, BTreeSet};
use std::io::Read;
use std::path::{Path, PathBuf};

/// `sha256("Proxmox Backup uncompressed blob v1.0")[..8]`
pub const UNCOMPRESSED_BLOB_MAGIC: [u8; 8] = [66, 171, 56, 7, 190, 131, 112, 161];
/// `sha256("Proxmox Backup zstd compressed blob v1.0")[..8]`
pub const COMPRESSED_BLOB_MAGIC: [u8; 8] = [49, 185, 88, 66, 111, 182, 163, 127];
/// `sha256("Proxmox Backup encrypted blob v1.0")[..8]`
pub const ENCRYPTED_BLOB_MAGIC: [u8; 8] = [123, 103, 133, 190, 34, 45, 76, 240];
/// `sha256("Proxmox Backup zstd compressed encrypted blob v1.0")[..8]`
pub const ENCR_COMPR_BLOB_MAGIC: [u8; 8] = [230, 89, 27, 191, 11, 191, 216, 11];
/// `sha256("Proxmox Backup fixed sized chunk index v1.0")[..8]`
pub const FIXED_INDEX_MAGIC: [u8; 8] = [47, 127, 65, 237, 145, 253, 15, 205];
/// `sha256("Proxmox Backup dynamic sized chunk index v1.0")[..8]`
pub const DYNAMIC_INDEX_MAGIC: [u8; 8] = [28, 145, 78, 165, 25, 186, 179, 205];

/// Largest plaintext chunk accepted (spec 2.4/2.5).
pub const MAX_CHUNK_SIZE: usize = 16 * 1024 * 1024;
/// Largest decoded blob accepted (spec 2.3/2.4).
pub const MAX_BLOB_SIZE: usize = 128 * 1024 * 1024;
/// Index header size (spec 4).
const INDEX_HEADER: usize = 4096;
/// Most namespace levels (spec 6).
const MAX_NS_DEPTH: usize = 7;

/// What a clean datastore contains.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Report {
    /// Files under `.chunks/XXXX/` named by 64 hex chars (zero-length ones included).
    pub chunks: usize,
    /// Finished snapshots (a `YYYY-MM-DDTHH:MM:SSZ` dir holding `index.json.blob`).
    pub snapshots: usize,
    /// `.fidx`/`.didx` files listed by the manifests of finished snapshots.
    pub indexes: usize,
    /// Distinct chunk digests referenced by those indexes.
    pub referenced_chunks: usize,
    /// Informational findings and warnings; never errors.
    pub notes: Vec<String>,
}

/// The four DataBlob variants (spec 2.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BlobKind {
    Uncompressed,
    Compressed,
    Encrypted,
    EncryptedCompressed,
}

impl BlobKind {
    pub fn from_magic(magic: &[u8]) -> Option<Self> {
        match <[u8; 8]>::try_from(magic).ok()? {
            UNCOMPRESSED_BLOB_MAGIC => Some(Self::Uncompressed),
            COMPRESSED_BLOB_MAGIC => Some(Self::Compressed),
            ENCRYPTED_BLOB_MAGIC => Some(Self::Encrypted),
            ENCR_COMPR_BLOB_MAGIC => Some(Self::EncryptedCompressed),
            _ => None,
        }
    }

    pub fn encrypted(self) -> bool {
        matches!(self, Self::Encrypted | Self::EncryptedCompressed)
    }

    pub fn header_len(self) -> usize {
        if self.encrypted() {
            44
        } else {
            12
        }
    }
}

/// Checks a DataBlob's magic, minimum size and CRC32 (over the bytes after the header).
pub fn blob_kind(data: &[u8]) -> Result<BlobKind, String> {
    if data.len() < 8 {
        return Err(format!("blob too short ({} bytes) for a magic", data.len()));
    }
    let kind = BlobKind::from_magic(&data[..8])
        .ok_or_else(|| format!("unknown blob magic {}", hex::encode(&data[..8])))?;
    let header = kind.header_len();
    if data.len() < header {
        return Err(format!(
            "blob too short ({} bytes) for its {header}-byte header",
            data.len()
        ));
    }
    let stored = u32::from_le_bytes(data[8..12].try_into().unwrap());
    let computed = crc32fast::hash(&data[header..]);
    if stored != computed {
        return Err(format!(
            "CRC mismatch (stored {stored:08x}, computed {computed:08x})"
        ));
    }
    Ok(kind)
}

/// Decodes the payload of an unencrypted blob, refusing more than `cap` decoded bytes.
pub fn blob_decode(data: &[u8], kind: BlobKind, cap: usize) -> Result<Vec<u8>, String> {
    let payload = &data[kind.header_len()..];
    match kind {
        BlobKind::Uncompressed => {
            if payload.len() > cap {
                return Err(format!("payload of {} bytes exceeds {cap}", payload.len()));
            }
            Ok(payload.to_vec())
        }
        BlobKind::Compressed => {
            let decoder =
                zstd::stream::read::Decoder::new(payload).map_err(|e| format!("zstd: {e}"))?;
            let mut out = Vec::new();
            decoder
                .take(cap as u64 + 1)
                .read_to_end(&mut out)
                .map_err(|e| format!("zstd decompression failed: {e}"))?;
            if out.len() > cap {
                return Err(format!("decompresses to more than {cap} bytes"));
            }
            Ok(out)
        }
        _ => Err("encrypted blob cannot be decoded without a key".into()),
    }
}

/// Walks `path` (read only) and returns the report, or every error found.
pub fn check_datastore(path: impl AsRef<Path>) -> Result<Report, Vec<String>> {
    let mut c = Checker {
        root: path.as_ref().to_path_buf(),
        errors: Vec::new(),
        report: Report::default(),
        refs: BTreeMap::new(),
    };
    if !c.root.is_dir() {
        return Err(vec![format!("{}: not a directory", c.root.display())]);
    }
    let root = c.root.clone();
    c.walk_namespace(&root, 0);
    c.walk_chunks();
    c.check_references();
    c.report.referenced_chunks = c.refs.len();
    if c.errors.is_empty() {
        Ok(c.report)
    } else {
        Err(c.errors)
    }
}

/// What the indexes expect of one chunk.
#[derive(Default)]
struct ChunkRef {
    /// First index that referenced it, and how many references there are in all.
    first_user: String,
    uses: usize,
    /// Expected encryption per referencing index (`None` when the crypt mode is unknown).
    encrypted: BTreeSet<bool>,
    /// Plaintext lengths the indexes give it.
    lengths: BTreeSet<u64>,
    /// Seen as a chunk file in its proper place.
    found: bool,
}

struct Checker {
    root: PathBuf,
    errors: Vec<String>,
    report: Report,
    refs: BTreeMap<[u8; 32], ChunkRef>,
}

/// A manifest `files[]` entry.
struct FileEntry {
    filename: String,
    crypt_mode: String,
    size: u64,
    csum: [u8; 32],
}

fn sorted_entries(dir: &Path) -> Result<Vec<(String, std::fs::FileType)>, String> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(|e| e.to_string())? {
        let entry = entry.map_err(|e| e.to_string())?;
        let ty = entry.file_type().map_err(|e| e.to_string())?;
        out.push((entry.file_name().to_string_lossy().into_owned(), ty));
    }
    out.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(out)
}

/// `[A-Za-z0-9_][A-Za-z0-9._-]*` (backup IDs and namespace components).
fn valid_name(name: &str) -> bool {
    let mut bytes = name.bytes();
    match bytes.next() {
        Some(b) if b.is_ascii_alphanumeric() || b == b'_' => {}
        _ => return false,
    }
    bytes.all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'-'))
}

/// `[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z`
fn is_snapshot_name(name: &str) -> bool {
    let pattern = b"dddd-dd-ddTdd:dd:ddZ";
    name.len() == pattern.len()
        && name.bytes().zip(pattern.iter()).all(|(b, p)| match p {
            b'd' => b.is_ascii_digit(),
            _ => b == *p,
        })
}

/// Formats epoch seconds as `YYYY-MM-DDTHH:MM:SSZ` (UTC, proleptic Gregorian).
pub fn format_backup_time(epoch: i64) -> String {
    let days = epoch.div_euclid(86400);
    let secs = epoch.rem_euclid(86400);
    // Howard Hinnant's civil_from_days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        secs / 3600,
        secs / 60 % 60,
        secs % 60
    )
}

fn is_hex(s: &str) -> bool {
    s.bytes().all(|b| b.is_ascii_hexdigit())
}

fn sha256(data: &[u8]) -> [u8; 32] {
    Sha256::digest(data).into()
}

impl Checker {
    fn rel(&self, path: &Path) -> String {
        path.strip_prefix(&self.root)
            .unwrap_or(path)
            .display()
            .to_string()
    }

    fn error(&mut self, path: &Path, msg: impl std::fmt::Display) {
        let e = format!("{}: {msg}", self.rel(path));
        self.errors.push(e);
    }

    fn note(&mut self, path: &Path, msg: impl std::fmt::Display) {
        let n = format!("{}: {msg}", self.rel(path));
        self.report.notes.push(n);
    }

    fn list(&mut self, dir: &Path) -> Vec<(String, std::fs::FileType)> {
        match sorted_entries(dir) {
            Ok(v) => v,
            Err(e) => {
                self.error(dir, format!("cannot list directory: {e}"));
                Vec::new()
            }
        }
    }

    fn read(&mut self, path: &Path) -> Option<Vec<u8>> {
        match std::fs::read(path) {
            Ok(d) => Some(d),
            Err(e) => {
                self.error(path, format!("cannot read: {e}"));
                None
            }
        }
    }

    // ---------------------------------------------------------------- namespaces and groups

    /// A namespace level: the datastore root (depth 0) or `.../ns/<name>`.
    fn walk_namespace(&mut self, dir: &Path, depth: usize) {
        for (name, ty) in self.list(dir) {
            let path = dir.join(&name);
            if depth == 0 && matches!(name.as_str(), ".chunks" | ".lock" | ".gc-status") {
                continue;
            }
            if name.starts_with('.') {
                self.note(&path, "hidden entry ignored (unfinished/temporary)");
                continue;
            }
            if !ty.is_dir() {
                if depth > 0 {
                    self.note(&path, "unexpected non-directory ignored");
                }
                continue;
            }
            match name.as_str() {
                "ns" => self.walk_ns_dir(&path, depth),
                "vm" | "ct" | "host" => self.walk_type(&path, &name),
                _ => self.note(&path, "unexpected directory ignored"),
            }
        }
    }

    fn walk_ns_dir(&mut self, dir: &Path, depth: usize) {
        for (name, ty) in self.list(dir) {
            let path = dir.join(&name);
            if name.starts_with('.') {
                self.note(&path, "hidden entry ignored (unfinished/temporary)");
            } else if !ty.is_dir() {
                self.note(&path, "unexpected non-directory in ns/ ignored");
            } else if !valid_name(&name) {
                self.error(&path, "invalid namespace name");
            } else if depth + 1 > MAX_NS_DEPTH {
                self.error(
                    &path,
                    format!("namespace deeper than {MAX_NS_DEPTH} levels"),
                );
            } else {
                self.walk_namespace(&path, depth + 1);
            }
        }
    }

    fn walk_type(&mut self, dir: &Path, btype: &str) {
        for (name, ty) in self.list(dir) {
            let path = dir.join(&name);
            if name.starts_with('.') {
                self.note(&path, "hidden entry ignored (unfinished/temporary)");
            } else if !ty.is_dir() {
                self.error(&path, "non-directory where a backup group is expected");
            } else if !valid_name(&name) {
                self.error(&path, "invalid backup id");
            } else {
                self.walk_group(&path, btype, &name);
            }
        }
    }

    fn walk_group(&mut self, dir: &Path, btype: &str, bid: &str) {
        let owner = dir.join("owner");
        match std::fs::read(&owner) {
            Ok(data) => {
                let text = String::from_utf8(data).unwrap_or_default();
                let line = text.strip_suffix('\n').unwrap_or(&text);
                if line.is_empty() || line.contains('\n') {
                    self.error(&owner, "owner file is not one auth-id line");
                }
            }
            Err(e) => self.error(&owner, format!("missing or unreadable owner file: {e}")),
        }
        for (name, ty) in self.list(dir) {
            let path = dir.join(&name);
            if !ty.is_dir() {
                if !matches!(name.as_str(), "owner" | "notes") {
                    self.note(&path, "unexpected file in group ignored");
                }
                continue;
            }
            if name.starts_with('.') {
                self.note(&path, "unfinished: hidden directory, not a snapshot");
            } else if !is_snapshot_name(&name) {
                self.error(&path, "directory name is not a snapshot time");
            } else if !path.join("index.json.blob").exists() {
                self.note(&path, "unfinished snapshot (no index.json.blob)");
            } else {
                self.report.snapshots += 1;
                self.check_snapshot(&path, btype, bid, &name);
            }
        }
    }

    // ---------------------------------------------------------------- snapshots

    fn check_snapshot(&mut self, dir: &Path, btype: &str, bid: &str, time: &str) {
        let manifest_path = dir.join("index.json.blob");
        match self.load_manifest(&manifest_path, btype, bid, time) {
            Some(files) => {
                let mut listed = BTreeSet::new();
                for entry in &files {
                    if !listed.insert(entry.filename.clone()) {
                        self.error(
                            &manifest_path,
                            format!("file {:?} listed twice", entry.filename),
                        );
                        continue;
                    }
                    self.check_listed_file(dir, entry);
                }
                for (name, ty) in self.list(dir) {
                    let path = dir.join(&name);
                    let content = name.ends_with(".blob")
                        || name.ends_with(".fidx")
                        || name.ends_with(".didx");
                    if ty.is_file()
                        && content
                        && !listed.contains(&name)
                        && name != "index.json.blob"
                        && name != "client.log.blob"
                    {
                        self.note(&path, "not listed in the manifest");
                    }
                }
            }
            None => {
                // The manifest is unusable: still check what is on disk, standalone.
                for (name, ty) in self.list(dir) {
                    let path = dir.join(&name);
                    if !ty.is_file() || name == "index.json.blob" {
                        continue;
                    }
                    if name.ends_with(".fidx") {
                        self.check_fidx(&path, None, None);
                    } else if name.ends_with(".didx") {
                        self.check_didx(&path, None, None);
                    } else if name.ends_with(".blob") {
                        self.check_blob(&path, None);
                    }
                }
            }
        }
    }

    /// Returns the `files[]` entries that are well-formed, or `None` if the manifest itself
    /// cannot be read.
    fn load_manifest(
        &mut self,
        path: &Path,
        btype: &str,
        bid: &str,
        time: &str,
    ) -> Option<Vec<FileEntry>> {
        let data = self.read(path)?;
        let kind = match blob_kind(&data) {
            Ok(k) => k,
            Err(e) => {
                self.error(path, format!("manifest blob: {e}"));
                return None;
            }
        };
        if kind.encrypted() {
            self.error(path, "manifest blob is encrypted (must never be)");
            return None;
        }
        let json = match blob_decode(&data, kind, MAX_CHUNK_SIZE) {
            Ok(j) => j,
            Err(e) => {
                self.error(path, format!("manifest blob: {e}"));
                return None;
            }
        };
        let value: serde_json::Value = match serde_json::from_slice(&json) {
            Ok(v) => v,
            Err(e) => {
                self.error(path, format!("manifest is not JSON: {e}"));
                return None;
            }
        };
        let Some(obj) = value.as_object() else {
            self.error(path, "manifest is not a JSON object");
            return None;
        };
        match obj.get("backup-type").and_then(|v| v.as_str()) {
            Some(t) if t == btype => {}
            other => self.error(
                path,
                format!("backup-type {other:?} does not match directory {btype:?}"),
            ),
        }
        match obj.get("backup-id").and_then(|v| v.as_str()) {
            Some(i) if i == bid => {}
            other => self.error(
                path,
                format!("backup-id {other:?} does not match directory {bid:?}"),
            ),
        }
        match obj.get("backup-time").and_then(|v| v.as_i64()) {
            Some(t) if format_backup_time(t) == time => {}
            Some(t) => self.error(
                path,
                format!(
                    "backup-time {t} ({}) does not match directory {time}",
                    format_backup_time(t)
                ),
            ),
            None => self.error(path, "backup-time missing or not an integer"),
        }
        match obj.get("signature") {
            None | Some(serde_json::Value::Null) => {}
            Some(serde_json::Value::String(s)) if s.len() == 64 && is_hex(s) => {}
            Some(other) => self.error(path, format!("bad signature {other}")),
        }
        match obj.get("unprotected") {
            None | Some(serde_json::Value::Object(_)) => {}
            Some(other) => self.error(path, format!("unprotected is not an object: {other}")),
        }
        let Some(files) = obj.get("files").and_then(|v| v.as_array()) else {
            self.error(path, "files missing or not an array");
            return None;
        };
        let mut out = Vec::new();
        for (i, f) in files.iter().enumerate() {
            match parse_file_entry(f) {
                Ok(entry) => out.push(entry),
                Err(e) => self.error(path, format!("files[{i}]: {e}")),
            }
        }
        Some(out)
    }

    fn check_listed_file(&mut self, dir: &Path, entry: &FileEntry) {
        let path = dir.join(&entry.filename);
        match std::fs::symlink_metadata(&path) {
            Ok(m) if m.is_file() => {}
            Ok(_) => {
                self.error(&path, "listed in the manifest but not a regular file");
                return;
            }
            Err(e) => {
                self.error(&path, format!("listed in the manifest but missing: {e}"));
                return;
            }
        }
        let encrypted = entry.crypt_mode == "encrypt";
        if entry.filename.ends_with(".fidx") {
            self.report.indexes += 1;
            self.check_fidx(&path, Some(entry), Some(encrypted));
        } else if entry.filename.ends_with(".didx") {
            self.report.indexes += 1;
            self.check_didx(&path, Some(entry), Some(encrypted));
        } else {
            self.check_blob(&path, Some(entry));
        }
    }

    fn check_blob(&mut self, path: &Path, entry: Option<&FileEntry>) {
        let Some(data) = self.read(path) else { return };
        if let Some(entry) = entry {
            if data.len() as u64 != entry.size {
                self.error(
                    path,
                    format!(
                        "size {} does not match manifest size {}",
                        data.len(),
                        entry.size
                    ),
                );
            }
            let csum = sha256(&data);
            if csum != entry.csum {
                self.error(
                    path,
                    format!(
                        "sha256 {} does not match manifest csum {}",
                        hex::encode(csum),
                        hex::encode(entry.csum)
                    ),
                );
            }
        }
        match blob_kind(&data) {
            Err(e) => self.error(path, e),
            Ok(kind) if kind.encrypted() => {
                // `rsa-encrypted.key.blob` is listed as `encrypt` but stored plain (spec 5.4),
                // so only the other direction is an error.
                if entry.is_some_and(|e| e.crypt_mode != "encrypt") {
                    self.error(path, "encrypted blob in a non-encrypted manifest entry");
                }
            }
            Ok(kind) => {
                if let Err(e) = blob_decode(&data, kind, MAX_BLOB_SIZE) {
                    self.error(path, e);
                }
            }
        }
    }

    /// Common index header checks; returns the file bytes if the entries can be read.
    fn index_header(
        &mut self,
        path: &Path,
        magic: [u8; 8],
        reserved_from: usize,
    ) -> Option<Vec<u8>> {
        let data = self.read(path)?;
        if data.len() < INDEX_HEADER {
            self.error(
                path,
                format!(
                    "index of {} bytes is shorter than its 4096-byte header",
                    data.len()
                ),
            );
            return None;
        }
        if data[..8] != magic {
            self.error(path, format!("bad index magic {}", hex::encode(&data[..8])));
            return None;
        }
        if data[reserved_from..INDEX_HEADER].iter().any(|b| *b != 0) {
            self.error(path, "reserved header bytes are not zero");
        }
        Some(data)
    }

    fn compare_with_manifest(
        &mut self,
        path: &Path,
        entry: Option<&FileEntry>,
        size: u64,
        csum: [u8; 32],
        header_csum: &[u8],
    ) {
        if header_csum != csum {
            self.error(
                path,
                format!(
                    "header index_csum {} differs from the recomputed {}",
                    hex::encode(header_csum),
                    hex::encode(csum)
                ),
            );
        }
        if let Some(entry) = entry {
            if entry.size != size {
                self.error(
                    path,
                    format!("size {size} does not match manifest size {}", entry.size),
                );
            }
            if entry.csum != csum {
                self.error(
                    path,
                    format!(
                        "csum {} does not match manifest csum {}",
                        hex::encode(csum),
                        hex::encode(entry.csum)
                    ),
                );
            }
        }
    }

    fn check_didx(&mut self, path: &Path, entry: Option<&FileEntry>, encrypted: Option<bool>) {
        let Some(data) = self.index_header(path, DYNAMIC_INDEX_MAGIC, 64) else {
            return;
        };
        let body = &data[INDEX_HEADER..];
        if body.len() % 40 != 0 {
            self.error(
                path,
                format!(
                    "dynamic index length {} is not 4096 + a multiple of 40",
                    data.len()
                ),
            );
            return;
        }
        let mut hasher = Sha256::new();
        let mut prev = 0u64;
        let mut bad_order = false;
        let mut refs = Vec::with_capacity(body.len() / 40);
        for (i, e) in body.chunks_exact(40).enumerate() {
            hasher.update(e);
            let end = u64::from_le_bytes(e[..8].try_into().unwrap());
            let digest: [u8; 32] = e[8..].try_into().unwrap();
            if end <= prev {
                if !bad_order {
                    self.error(
                        path,
                        format!("entry {i}: end offset {end} not greater than previous {prev}"),
                    );
                }
                bad_order = true;
            } else {
                refs.push((digest, end - prev));
            }
            prev = prev.max(end);
        }
        let csum: [u8; 32] = hasher.finalize().into();
        let size = body
            .chunks_exact(40)
            .last()
            .map_or(0, |e| u64::from_le_bytes(e[..8].try_into().unwrap()));
        self.compare_with_manifest(path, entry, size, csum, &data[32..64]);
        self.add_refs(path, encrypted, refs);
    }

    fn check_fidx(&mut self, path: &Path, entry: Option<&FileEntry>, encrypted: Option<bool>) {
        let Some(data) = self.index_header(path, FIXED_INDEX_MAGIC, 80) else {
            return;
        };
        let size = u64::from_le_bytes(data[64..72].try_into().unwrap());
        let chunk_size = u64::from_le_bytes(data[72..80].try_into().unwrap());
        if !chunk_size.is_power_of_two() {
            self.error(
                path,
                format!("chunk size {chunk_size} is not a power of two"),
            );
            return;
        }
        let count = size.div_ceil(chunk_size);
        let expected = count
            .checked_mul(32)
            .and_then(|n| n.checked_add(INDEX_HEADER as u64));
        if expected != Some(data.len() as u64) {
            self.error(
                path,
                format!(
                    "fixed index length {} does not fit {count} digests (size {size}, chunk size {chunk_size})",
                    data.len()
                ),
            );
            return;
        }
        let body = &data[INDEX_HEADER..];
        let csum = sha256(body);
        let refs = body
            .chunks_exact(32)
            .enumerate()
            .map(|(i, d)| {
                let start = i as u64 * chunk_size;
                (d.try_into().unwrap(), chunk_size.min(size - start))
            })
            .collect();
        self.compare_with_manifest(path, entry, size, csum, &data[32..64]);
        self.add_refs(path, encrypted, refs);
    }

    fn add_refs(&mut self, path: &Path, encrypted: Option<bool>, refs: Vec<([u8; 32], u64)>) {
        let user = self.rel(path);
        for (digest, len) in refs {
            let r = self.refs.entry(digest).or_default();
            if r.uses == 0 {
                r.first_user = user.clone();
            }
            r.uses += 1;
            r.lengths.insert(len);
            if let Some(enc) = encrypted {
                r.encrypted.insert(enc);
            }
        }
    }

    // ---------------------------------------------------------------- chunks

    fn walk_chunks(&mut self) {
        let chunks = self.root.join(".chunks");
        if !chunks.is_dir() {
            if !self.refs.is_empty() {
                self.error(&chunks, "missing chunk store directory");
            }
            return;
        }
        for (prefix, ty) in self.list(&chunks) {
            let dir = chunks.join(&prefix);
            let valid = prefix.len() == 4
                && prefix
                    .bytes()
                    .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
            if !valid || !ty.is_dir() {
                self.note(&dir, "not a chunk prefix directory, ignored");
                continue;
            }
            for (name, ty) in self.list(&dir) {
                let path = dir.join(&name);
                if name.len() != 64 || !is_hex(&name) {
                    let b = name.as_bytes();
                    let quarantined = b.len() == 70
                        && b[..64].iter().all(u8::is_ascii_hexdigit)
                        && b[64] == b'.'
                        && b[65].is_ascii_digit()
                        && &b[66..] == b".bad";
                    if quarantined {
                        self.note(&path, "quarantined chunk ignored");
                    } else {
                        self.note(&path, "not a chunk file (temporary?), ignored");
                    }
                    continue;
                }
                self.report.chunks += 1;
                if !ty.is_file() {
                    self.error(&path, "chunk is not a regular file");
                    continue;
                }
                if name.bytes().any(|b| b.is_ascii_uppercase()) {
                    self.error(&path, "chunk name is not lower-case hex");
                    continue;
                }
                if name[..4] != prefix {
                    self.error(
                        &path,
                        format!(
                            "chunk in prefix directory {prefix}, expected {}",
                            &name[..4]
                        ),
                    );
                    continue;
                }
                let digest: [u8; 32] = hex::decode(&name).unwrap().try_into().unwrap();
                self.check_chunk(&path, digest);
            }
        }
    }

    fn check_chunk(&mut self, path: &Path, digest: [u8; 32]) {
        let len = match std::fs::metadata(path) {
            Ok(m) => m.len(),
            Err(e) => {
                self.error(path, format!("cannot stat: {e}"));
                return;
            }
        };
        if let Some(r) = self.refs.get_mut(&digest) {
            r.found = true;
        }
        if len == 0 {
            self.note(path, "warning: zero-length chunk (crash residue)");
            if let Some(r) = self.refs.get(&digest) {
                let user = r.first_user.clone();
                self.error(path, format!("zero-length chunk is referenced by {user}"));
            }
            return;
        }
        if len > 2 * MAX_CHUNK_SIZE as u64 {
            self.error(
                path,
                format!("chunk file of {len} bytes is implausibly large"),
            );
            return;
        }
        let Some(data) = self.read(path) else { return };
        let kind = match blob_kind(&data) {
            Ok(k) => k,
            Err(e) => {
                self.error(path, format!("corrupt chunk: {e}"));
                return;
            }
        };
        // Plaintext length, where it can be known without the key.
        let plain_len = match kind {
            BlobKind::Encrypted => Some((data.len() - 44) as u64),
            BlobKind::EncryptedCompressed => None,
            _ => match blob_decode(&data, kind, MAX_CHUNK_SIZE) {
                Ok(plain) => {
                    let computed = sha256(&plain);
                    if computed != digest {
                        self.error(
                            path,
                            format!("corrupt chunk: content hashes to {}", hex::encode(computed)),
                        );
                    }
                    Some(plain.len() as u64)
                }
                Err(e) => {
                    self.error(path, format!("corrupt chunk: {e}"));
                    None
                }
            },
        };
        let Some(r) = self.refs.get(&digest) else {
            return;
        };
        let (first_user, expect_enc, lengths) =
            (r.first_user.clone(), r.encrypted.clone(), r.lengths.clone());
        if expect_enc.len() > 1 {
            self.error(path, "referenced by both encrypted and unencrypted indexes");
        } else if let Some(&enc) = expect_enc.first() {
            if enc != kind.encrypted() {
                self.error(
                    path,
                    format!(
                        "chunk is {}encrypted but {first_user} expects {}encrypted chunks",
                        if kind.encrypted() { "" } else { "not " },
                        if enc { "" } else { "un" }
                    ),
                );
            }
        }
        if lengths.len() > 1 {
            self.error(
                path,
                format!("indexes disagree on the chunk length: {lengths:?}"),
            );
        } else if let (Some(actual), Some(&expected)) = (plain_len, lengths.first()) {
            if actual != expected {
                self.error(
                    path,
                    format!("plaintext length {actual}, but {first_user} says {expected}"),
                );
            }
        }
    }

    fn check_references(&mut self) {
        let missing: Vec<_> = self
            .refs
            .iter()
            .filter(|(_, r)| !r.found)
            .map(|(d, r)| (*d, r.first_user.clone(), r.uses))
            .collect();
        for (digest, user, uses) in missing {
            let name = hex::encode(digest);
            let mut msg =
                format!("missing chunk {name} (referenced {uses} time(s), first by {user})");
            let dir = self.root.join(".chunks").join(&name[..4]);
            let bad: Vec<_> = (0..10)
                .map(|n| format!("{name}.{n}.bad"))
                .filter(|b| dir.join(b).exists())
                .collect();
            if !bad.is_empty() {
                msg.push_str(&format!("; quarantined copies: {}", bad.join(", ")));
            }
            self.errors.push(msg);
        }
    }
}

fn parse_file_entry(f: &serde_json::Value) -> Result<FileEntry, String> {
    let obj = f.as_object().ok_or("not an object")?;
    let filename = obj
        .get("filename")
        .and_then(|v| v.as_str())
        .ok_or("filename missing")?
        .to_string();
    let valid = !filename.is_empty()
        && !filename.starts_with('.')
        && !filename.contains('/')
        && !filename.contains('\0')
        && filename != "index.json.blob"
        && (filename.ends_with(".blob")
            || filename.ends_with(".fidx")
            || filename.ends_with(".didx"));
    if !valid {
        return Err(format!("invalid filename {filename:?}"));
    }
    let crypt_mode = match obj.get("crypt-mode") {
        None => "none".to_string(),
        Some(v) => match v.as_str() {
            Some(m @ ("none" | "encrypt" | "sign-only")) => m.to_string(),
            _ => return Err(format!("{filename}: invalid crypt-mode {v}")),
        },
    };
    let size = obj
        .get("size")
        .and_then(|v| v.as_u64())
        .ok_or_else(|| format!("{filename}: size missing or not a u64"))?;
    let csum_str = obj
        .get("csum")
        .and_then(|v| v.as_str())
        .ok_or_else(|| format!("{filename}: csum missing"))?;
    if csum_str.len() != 64
        || !csum_str
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
    {
        return Err(format!(
            "{filename}: csum {csum_str:?} is not 64 lower-case hex"
        ));
    }
    let csum = hex::decode(csum_str).unwrap().try_into().unwrap();
    Ok(FileEntry {
        filename,
        crypt_mode,
        size,
        csum,
    })
}
