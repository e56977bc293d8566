//! Dynamic (`.didx`) and fixed (`.fidx`) chunk indexes: header, entries and PBS's index checksum.
//!
//! Pure codec over byte slices (SPEC: formats.md §4). Readers reject bad magic, truncation,
//! entry counts over the limit and end offsets that do not rise. No I/O.

use crate::format::digest::{sha256, ChunkDigest};
use crate::format::error::{FormatError, Result};
use crate::format::limits;
use sha2::{Digest, Sha256};

/// `sha256("Proxmox Backup fixed sized chunk index v1.0")[0..8]`.
pub const FIXED_INDEX_MAGIC: [u8; 8] = [47, 127, 65, 237, 145, 253, 15, 205];
/// `sha256("Proxmox Backup dynamic sized chunk index v1.0")[0..8]`.
pub const DYNAMIC_INDEX_MAGIC: [u8; 8] = [28, 145, 78, 165, 25, 186, 179, 205];

/// Both index kinds start with a header of this size.
pub const INDEX_HEADER_LEN: usize = 4096;
const DYNAMIC_ENTRY_LEN: usize = 40;
const DIGEST_LEN: usize = 32;

/// The header fields shared by both index kinds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IndexHeader {
    pub uuid: [u8; 16],
    pub ctime_epoch_secs: i64,
    /// The checksum as stored; readers recompute it from the entries and trust that instead.
    pub stored_csum: [u8; 32],
}

/// A dynamic index: chunk `i` covers `[end(i-1), end(i))` of the archive stream.
#[derive(Debug, Clone)]
pub struct DynamicIndex {
    pub header: IndexHeader,
    ends: Vec<u64>,
    digests: Vec<ChunkDigest>,
}

impl DynamicIndex {
    /// Decodes a whole `.didx` file.
    pub fn decode(raw: &[u8]) -> Result<Self> {
        let header = decode_header(raw, &DYNAMIC_INDEX_MAGIC, "dynamic index")?;
        let body = raw.get(INDEX_HEADER_LEN..).unwrap_or_default();
        if body.len() % DYNAMIC_ENTRY_LEN != 0 {
            return Err(FormatError::invalid(
                "dynamic index",
                format!(
                    "truncated: {} entry bytes is not a multiple of 40",
                    body.len()
                ),
            ));
        }
        let count = body.len() / DYNAMIC_ENTRY_LEN;
        check_entry_count("dynamic index", count)?;
        let mut ends = Vec::with_capacity(count);
        let mut digests = Vec::with_capacity(count);
        let mut previous_end = 0u64;
        for (i, entry) in body.chunks_exact(DYNAMIC_ENTRY_LEN).enumerate() {
            let (end_bytes, digest_bytes) = entry.split_at(8);
            let end = u64::from_le_bytes(end_bytes.try_into().unwrap_or_default());
            if end <= previous_end {
                return Err(FormatError::invalid(
                    "dynamic index",
                    format!("entry {i}: end offset {end} does not rise above {previous_end}"),
                ));
            }
            previous_end = end;
            ends.push(end);
            digests.push(ChunkDigest(digest_bytes.try_into().unwrap_or_default()));
        }
        let index = DynamicIndex {
            header,
            ends,
            digests,
        };
        check_stored_csum("dynamic index", &index.header, &index.compute_csum().0)?;
        Ok(index)
    }

    pub fn chunk_count(&self) -> usize {
        self.digests.len()
    }

    /// Total stream length: the last end offset (0 when empty).
    pub fn size(&self) -> u64 {
        self.ends.last().copied().unwrap_or(0)
    }

    pub fn digest(&self, i: usize) -> Option<&ChunkDigest> {
        self.digests.get(i)
    }

    pub fn digests(&self) -> &[ChunkDigest] {
        &self.digests
    }

    /// The byte range `[start, end)` chunk `i` covers.
    pub fn chunk_range(&self, i: usize) -> Option<(u64, u64)> {
        let end = *self.ends.get(i)?;
        let start = if i == 0 { 0 } else { *self.ends.get(i - 1)? };
        Some((start, end))
    }

    /// The chunk holding stream offset `offset` (binary search over the end offsets).
    pub fn chunk_at(&self, offset: u64) -> Option<usize> {
        if offset >= self.size() {
            return None;
        }
        Some(self.ends.partition_point(|&end| end <= offset))
    }

    /// `(index checksum, size)` recomputed from the entries, as the manifest records them.
    pub fn compute_csum(&self) -> ([u8; 32], u64) {
        let mut csum = IndexCsum::new();
        for (end, digest) in self.ends.iter().zip(&self.digests) {
            csum.add_dynamic(*end, digest);
        }
        (csum.finish(), self.size())
    }
}

/// A fixed index: chunk `i` covers `[i*chunk_size, min((i+1)*chunk_size, size))`.
#[derive(Debug, Clone)]
pub struct FixedIndex {
    pub header: IndexHeader,
    pub size: u64,
    pub chunk_size: u64,
    digests: Vec<ChunkDigest>,
}

impl FixedIndex {
    /// Decodes a whole `.fidx` file.
    pub fn decode(raw: &[u8]) -> Result<Self> {
        let header = decode_header(raw, &FIXED_INDEX_MAGIC, "fixed index")?;
        let size = read_u64(raw, 64);
        let chunk_size = read_u64(raw, 72);
        if chunk_size == 0
            || !chunk_size.is_power_of_two()
            || chunk_size > limits::MAX_CHUNK_SIZE as u64
        {
            return Err(FormatError::invalid(
                "fixed index",
                format!("chunk size {chunk_size} is not a power of two up to 16 MiB"),
            ));
        }
        let expected = size.div_ceil(chunk_size);
        if expected > limits::MAX_INDEX_ENTRIES as u64 {
            return Err(FormatError::TooLarge {
                what: "fixed index entries",
                size: expected,
                limit: limits::MAX_INDEX_ENTRIES as u64,
            });
        }
        let body = raw.get(INDEX_HEADER_LEN..).unwrap_or_default();
        if body.len() as u64 != expected * DIGEST_LEN as u64 {
            return Err(FormatError::invalid(
                "fixed index",
                format!(
                    "has {} entry bytes, but size {size} at chunk size {chunk_size} needs {}",
                    body.len(),
                    expected * DIGEST_LEN as u64
                ),
            ));
        }
        let digests = body
            .chunks_exact(DIGEST_LEN)
            .map(|d| ChunkDigest(d.try_into().unwrap_or_default()))
            .collect();
        let index = FixedIndex {
            header,
            size,
            chunk_size,
            digests,
        };
        check_stored_csum("fixed index", &index.header, &index.compute_csum().0)?;
        Ok(index)
    }

    pub fn chunk_count(&self) -> usize {
        self.digests.len()
    }

    pub fn digest(&self, i: usize) -> Option<&ChunkDigest> {
        self.digests.get(i)
    }

    pub fn digests(&self) -> &[ChunkDigest] {
        &self.digests
    }

    /// The byte range `[start, end)` chunk `i` covers.
    pub fn chunk_range(&self, i: usize) -> Option<(u64, u64)> {
        if i >= self.digests.len() {
            return None;
        }
        let start = i as u64 * self.chunk_size;
        Some((start, (start + self.chunk_size).min(self.size)))
    }

    /// The chunk holding image offset `offset`.
    pub fn chunk_at(&self, offset: u64) -> Option<usize> {
        (offset < self.size).then(|| (offset / self.chunk_size) as usize)
    }

    /// `(index checksum, size)` recomputed from the entries, as the manifest records them.
    pub fn compute_csum(&self) -> ([u8; 32], u64) {
        let mut csum = IndexCsum::new();
        for digest in &self.digests {
            csum.add_fixed(digest);
        }
        (csum.finish(), self.size)
    }
}

/// Incremental index checksum: SHA-256 over the entries as PBS hashes them.
#[derive(Clone, Default)]
pub struct IndexCsum(Sha256);

impl IndexCsum {
    pub fn new() -> Self {
        IndexCsum(Sha256::new())
    }

    /// Adds one dynamic entry: `end` as u64 LE, then the digest.
    pub fn add_dynamic(&mut self, end: u64, digest: &ChunkDigest) {
        self.0.update(end.to_le_bytes());
        self.0.update(digest.0);
    }

    /// Adds one fixed entry: the digest alone.
    pub fn add_fixed(&mut self, digest: &ChunkDigest) {
        self.0.update(digest.0);
    }

    pub fn finish(self) -> [u8; 32] {
        self.0.finalize().into()
    }
}

/// Encodes the 4096-byte header of a dynamic index.
pub fn encode_dynamic_header(uuid: &[u8; 16], ctime_epoch_secs: i64, csum: &[u8; 32]) -> Vec<u8> {
    encode_header(&DYNAMIC_INDEX_MAGIC, uuid, ctime_epoch_secs, csum)
}

/// Encodes the 4096-byte header of a fixed index.
#[allow(clippy::indexing_slicing)] // the header buffer is 4096 bytes
pub fn encode_fixed_header(
    uuid: &[u8; 16],
    ctime_epoch_secs: i64,
    csum: &[u8; 32],
    size: u64,
    chunk_size: u64,
) -> Vec<u8> {
    let mut header = encode_header(&FIXED_INDEX_MAGIC, uuid, ctime_epoch_secs, csum);
    header[64..72].copy_from_slice(&size.to_le_bytes());
    header[72..80].copy_from_slice(&chunk_size.to_le_bytes());
    header
}

/// Encodes one dynamic entry (end offset, digest).
pub fn encode_dynamic_entry(end: u64, digest: &ChunkDigest) -> [u8; 40] {
    let mut out = [0u8; 40];
    out[..8].copy_from_slice(&end.to_le_bytes());
    out[8..].copy_from_slice(&digest.0);
    out
}

/// Encodes a complete dynamic index from its entries (end offsets must rise).
pub fn encode_dynamic(
    uuid: &[u8; 16],
    ctime_epoch_secs: i64,
    entries: &[(u64, ChunkDigest)],
) -> Vec<u8> {
    let mut csum = IndexCsum::new();
    let mut body = Vec::with_capacity(entries.len() * DYNAMIC_ENTRY_LEN);
    for (end, digest) in entries {
        csum.add_dynamic(*end, digest);
        body.extend_from_slice(&encode_dynamic_entry(*end, digest));
    }
    let mut out = encode_dynamic_header(uuid, ctime_epoch_secs, &csum.finish());
    out.extend_from_slice(&body);
    out
}

/// Encodes a complete fixed index from its digests.
pub fn encode_fixed(
    uuid: &[u8; 16],
    ctime_epoch_secs: i64,
    size: u64,
    chunk_size: u64,
    digests: &[ChunkDigest],
) -> Vec<u8> {
    let mut csum = IndexCsum::new();
    for d in digests {
        csum.add_fixed(d);
    }
    let mut out = encode_fixed_header(uuid, ctime_epoch_secs, &csum.finish(), size, chunk_size);
    for d in digests {
        out.extend_from_slice(&d.0);
    }
    out
}

/// Tells the index kind of a file from its magic, if it is one.
pub fn index_kind(raw: &[u8]) -> Option<&'static str> {
    match raw.get(..8)? {
        m if m == DYNAMIC_INDEX_MAGIC => Some("didx"),
        m if m == FIXED_INDEX_MAGIC => Some("fidx"),
        _ => None,
    }
}

#[allow(clippy::indexing_slicing)] // the header buffer is 4096 bytes
fn encode_header(magic: &[u8; 8], uuid: &[u8; 16], ctime: i64, csum: &[u8; 32]) -> Vec<u8> {
    let mut header = vec![0u8; INDEX_HEADER_LEN];
    header[..8].copy_from_slice(magic);
    header[8..24].copy_from_slice(uuid);
    header[24..32].copy_from_slice(&ctime.to_le_bytes());
    header[32..64].copy_from_slice(csum);
    header
}

fn decode_header(raw: &[u8], magic: &[u8; 8], what: &'static str) -> Result<IndexHeader> {
    if raw.len() < INDEX_HEADER_LEN {
        return Err(FormatError::TooShort {
            what,
            len: raw.len(),
            need: INDEX_HEADER_LEN,
        });
    }
    let found = raw.get(..8).unwrap_or_default();
    if found != magic {
        return Err(FormatError::BadMagic {
            what,
            found: hex::encode(found),
        });
    }
    Ok(IndexHeader {
        uuid: raw
            .get(8..24)
            .and_then(|b| b.try_into().ok())
            .unwrap_or_default(),
        ctime_epoch_secs: read_u64(raw, 24) as i64,
        stored_csum: raw
            .get(32..64)
            .and_then(|b| b.try_into().ok())
            .unwrap_or_default(),
    })
}

/// PBS writes the checksum at close, so a mismatch means the entries or the header were damaged.
fn check_stored_csum(what: &'static str, header: &IndexHeader, computed: &[u8; 32]) -> Result<()> {
    if &header.stored_csum != computed {
        return Err(FormatError::invalid(
            what,
            format!(
                "checksum mismatch (stored {}, computed {})",
                hex::encode(header.stored_csum),
                hex::encode(computed)
            ),
        ));
    }
    Ok(())
}

/// Checks an index's recomputed `(csum, size)` against what the manifest recorded.
pub fn check_against_manifest(
    what: &str,
    computed: ([u8; 32], u64),
    csum_hex: &str,
    size: u64,
) -> Result<()> {
    let (csum, computed_size) = computed;
    if !hex::encode(csum).eq_ignore_ascii_case(csum_hex) || computed_size != size {
        return Err(FormatError::invalid(
            "index",
            format!(
                "{what}: does not match the manifest (size {computed_size} vs {size}, checksum {} vs {csum_hex})",
                hex::encode(csum)
            ),
        ));
    }
    Ok(())
}

fn check_entry_count(what: &'static str, count: usize) -> Result<()> {
    // LIMIT: formats.md has no bound; limits::MAX_INDEX_ENTRIES keeps hostile indexes small.
    if count > limits::MAX_INDEX_ENTRIES {
        return Err(FormatError::TooLarge {
            what,
            size: count as u64,
            limit: limits::MAX_INDEX_ENTRIES as u64,
        });
    }
    Ok(())
}

fn read_u64(raw: &[u8], at: usize) -> u64 {
    raw.get(at..at + 8)
        .and_then(|b| b.try_into().ok())
        .map(u64::from_le_bytes)
        .unwrap_or(0)
}

/// Magic derivation check shared with tests.
pub fn magic_of(text: &str) -> [u8; 8] {
    let full = sha256(text.as_bytes());
    let mut out = [0u8; 8];
    out.copy_from_slice(&full[..8]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t8_chunks() -> (ChunkDigest, ChunkDigest) {
        let a = ChunkDigest::of_plain(b"hello world\n");
        let b = ChunkDigest::of_plain(&[0u8; 20]);
        assert_eq!(
            b.to_hex(),
            "de47c9b27eb8d300dbb5f2c353e632c393262cf06340c4fa7f1b40c4cbd36f90"
        );
        (a, b)
    }

    #[test]
    fn index_magics_are_sha256_prefixes_t13() {
        assert_eq!(
            magic_of("Proxmox Backup fixed sized chunk index v1.0"),
            FIXED_INDEX_MAGIC
        );
        assert_eq!(
            magic_of("Proxmox Backup dynamic sized chunk index v1.0"),
            DYNAMIC_INDEX_MAGIC
        );
    }

    #[test]
    fn dynamic_csum_matches_known_answer_t8() {
        let (a, b) = t8_chunks();
        let raw = encode_dynamic(&[1; 16], 1700000000, &[(12, a), (32, b)]);
        let index = DynamicIndex::decode(&raw).unwrap();
        let (csum, size) = index.compute_csum();
        assert_eq!(
            hex::encode(csum),
            "b3ff9378e42dc9ff76d8322705d43ace4a4ed0a657c92819c8728cffbe15389f"
        );
        assert_eq!(size, 32);
        assert_eq!(index.header.stored_csum, csum);
        assert_eq!(index.chunk_at(0), Some(0));
        assert_eq!(index.chunk_at(11), Some(0));
        assert_eq!(index.chunk_at(12), Some(1));
        assert_eq!(index.chunk_at(32), None);
        assert_eq!(index.chunk_range(1), Some((12, 32)));
    }

    #[test]
    fn fixed_csum_matches_known_answer_t8() {
        let (a, b) = t8_chunks();
        let raw = encode_fixed(
            &[2; 16],
            1700000000,
            5 * 1024 * 1024,
            4 * 1024 * 1024,
            &[a, b],
        );
        let index = FixedIndex::decode(&raw).unwrap();
        let (csum, size) = index.compute_csum();
        assert_eq!(
            hex::encode(csum),
            "bb36c4a1f230ee6058a61b5f77b4ac6a6686d9a69ce3ecca32514bf15a379387"
        );
        assert_eq!(size, 5 * 1024 * 1024);
        assert_eq!(
            index.chunk_range(1),
            Some((4 * 1024 * 1024, 5 * 1024 * 1024))
        );
    }

    #[test]
    fn rejects_truncated_didx() {
        let (a, b) = t8_chunks();
        let raw = encode_dynamic(&[1; 16], 0, &[(12, a), (32, b)]);
        let err = DynamicIndex::decode(&raw[..raw.len() - 1])
            .unwrap_err()
            .to_string();
        assert!(err.contains("truncated"), "{err}");
        assert!(DynamicIndex::decode(&raw[..100]).is_err());
    }

    #[test]
    fn rejects_end_offsets_that_go_backwards() {
        let (a, b) = t8_chunks();
        let raw = encode_dynamic(&[1; 16], 0, &[(32, a), (12, b)]);
        let err = DynamicIndex::decode(&raw).unwrap_err().to_string();
        assert!(err.contains("does not rise"), "{err}");
    }

    #[test]
    fn rejects_wrong_magic_and_bad_fixed_length() {
        let (a, _) = t8_chunks();
        let raw = encode_fixed(&[2; 16], 0, 100, 4096, &[a]);
        assert!(matches!(
            DynamicIndex::decode(&raw),
            Err(FormatError::BadMagic { .. })
        ));
        let raw = encode_fixed(&[2; 16], 0, 10_000, 4096, &[a]);
        assert!(FixedIndex::decode(&raw).is_err());
    }
}
