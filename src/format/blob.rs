//! DataBlob: PBS's container for every chunk and `.blob` file (magic, CRC32, optional zstd and AES-256-GCM).
//!
//! Pure codec over byte slices (SPEC: formats.md §2); decoding always checks the CRC, the GCM tag
//! and a decompressed-size cap before handing out bytes. No file or network I/O.

use crate::format::crypt::{CryptConfig, IV_LEN, TAG_LEN};
use crate::format::digest::ChunkDigest;
use crate::format::error::{FormatError, Result};
use crate::format::limits;
use crate::format::zstd_frame::FrameCompressor;
use zstd::stream::raw::{DParameter, Decoder as ZstdDecoder, InBuffer, Operation, OutBuffer};

/// `sha256("Proxmox Backup uncompressed blob v1.0")[0..8]`.
pub const UNCOMPRESSED_BLOB_MAGIC: [u8; 8] = [66, 171, 56, 7, 190, 131, 112, 161];
/// `sha256("Proxmox Backup zstd compressed blob v1.0")[0..8]`.
pub const COMPRESSED_BLOB_MAGIC: [u8; 8] = [49, 185, 88, 66, 111, 182, 163, 127];
/// `sha256("Proxmox Backup encrypted blob v1.0")[0..8]`.
pub const ENCRYPTED_BLOB_MAGIC: [u8; 8] = [123, 103, 133, 190, 34, 45, 76, 240];
/// `sha256("Proxmox Backup zstd compressed encrypted blob v1.0")[0..8]`.
pub const ENCR_COMPR_BLOB_MAGIC: [u8; 8] = [230, 89, 27, 191, 11, 191, 216, 11];

/// Header length of unencrypted blobs: magic + CRC.
pub const PLAIN_HEADER_LEN: usize = 12;
/// Header length of encrypted blobs: magic + CRC + IV + tag.
pub const ENCRYPTED_HEADER_LEN: usize = 44;

/// zstd level PBS uses for chunks and blobs.
const ZSTD_LEVEL: i32 = 1;
/// Largest zstd window a decoder agrees to allocate (2^25 = 32 MiB); bigger frames are refused.
const ZSTD_WINDOW_LOG_MAX: u32 = 25;

/// The four blob variants, told apart by their magic.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BlobKind {
    Uncompressed,
    Compressed,
    Encrypted,
    EncryptedCompressed,
}

impl BlobKind {
    /// Classifies a magic; `None` for anything that is not a blob.
    pub fn from_magic(magic: &[u8]) -> Option<Self> {
        match magic {
            m if m == UNCOMPRESSED_BLOB_MAGIC => Some(BlobKind::Uncompressed),
            m if m == COMPRESSED_BLOB_MAGIC => Some(BlobKind::Compressed),
            m if m == ENCRYPTED_BLOB_MAGIC => Some(BlobKind::Encrypted),
            m if m == ENCR_COMPR_BLOB_MAGIC => Some(BlobKind::EncryptedCompressed),
            _ => None,
        }
    }

    pub fn magic(self) -> [u8; 8] {
        match self {
            BlobKind::Uncompressed => UNCOMPRESSED_BLOB_MAGIC,
            BlobKind::Compressed => COMPRESSED_BLOB_MAGIC,
            BlobKind::Encrypted => ENCRYPTED_BLOB_MAGIC,
            BlobKind::EncryptedCompressed => ENCR_COMPR_BLOB_MAGIC,
        }
    }

    pub fn is_encrypted(self) -> bool {
        matches!(self, BlobKind::Encrypted | BlobKind::EncryptedCompressed)
    }

    pub fn is_compressed(self) -> bool {
        matches!(self, BlobKind::Compressed | BlobKind::EncryptedCompressed)
    }

    pub fn header_len(self) -> usize {
        if self.is_encrypted() {
            ENCRYPTED_HEADER_LEN
        } else {
            PLAIN_HEADER_LEN
        }
    }
}

/// Reads the kind and checks the CRC of an encoded blob without decoding its payload.
pub fn check_header_and_crc(raw: &[u8]) -> Result<BlobKind> {
    let magic = raw.get(..8).ok_or(FormatError::TooShort {
        what: "blob",
        len: raw.len(),
        need: PLAIN_HEADER_LEN,
    })?;
    let kind = BlobKind::from_magic(magic).ok_or_else(|| FormatError::BadMagic {
        what: "blob",
        found: hex::encode(magic),
    })?;
    let header_len = kind.header_len();
    let payload = raw.get(header_len..).ok_or(FormatError::TooShort {
        what: "blob",
        len: raw.len(),
        need: header_len,
    })?;
    let stored = read_u32_le(raw, 8)?;
    let computed = crc32fast::hash(payload);
    if stored != computed {
        return Err(FormatError::CrcMismatch { stored, computed });
    }
    Ok(kind)
}

/// Decodes a blob to its plaintext, refusing anything that would exceed `max_plain_len` bytes.
///
/// Encrypted blobs need `crypt`; a failed GCM tag says "wrong key or corrupt data".
pub fn decode(raw: &[u8], crypt: Option<&CryptConfig>, max_plain_len: usize) -> Result<Vec<u8>> {
    let kind = check_header_and_crc(raw)?;
    decode_checked(raw, kind, crypt, max_plain_len)
}

/// `decode` for a blob whose kind and CRC the caller already checked (one CRC pass per read).
fn decode_checked(
    raw: &[u8],
    kind: BlobKind,
    crypt: Option<&CryptConfig>,
    max_plain_len: usize,
) -> Result<Vec<u8>> {
    let payload = raw.get(kind.header_len()..).unwrap_or_default();
    match kind {
        BlobKind::Uncompressed => {
            check_size("blob", payload.len(), max_plain_len)?;
            Ok(payload.to_vec())
        }
        BlobKind::Compressed => decompress_capped(payload, max_plain_len),
        BlobKind::Encrypted | BlobKind::EncryptedCompressed => {
            let crypt = crypt.ok_or(FormatError::MissingKey)?;
            let iv = raw.get(12..12 + IV_LEN).unwrap_or_default();
            let tag = raw
                .get(12 + IV_LEN..12 + IV_LEN + TAG_LEN)
                .unwrap_or_default();
            if kind == BlobKind::Encrypted {
                // LIMIT: the plaintext is as long as the ciphertext; check before decrypting.
                check_size("blob", payload.len(), max_plain_len)?;
            } else {
                // LIMIT: zstd never shrinks input below ~1/32000, but a compressed payload is at most
                // as large as an encoded blob may be.
                check_size("blob", payload.len(), limits::MAX_ENCODED_BLOB_SIZE)?;
            }
            let plain = crypt.decrypt(iv, tag, payload)?;
            if kind == BlobKind::Encrypted {
                Ok(plain)
            } else {
                decompress_capped(&plain, max_plain_len)
            }
        }
    }
}

/// Decodes a chunk and checks that its digest (keyed for encrypted chunks) equals `expected`.
pub fn decode_chunk(
    raw: &[u8],
    crypt: Option<&CryptConfig>,
    expected: &ChunkDigest,
) -> Result<Vec<u8>> {
    let kind = check_header_and_crc(raw)?;
    decode_chunk_of_kind(raw, kind, crypt, expected)
}

/// `decode_chunk` for a chunk whose kind `check_header_and_crc` already returned (callers that
/// look at the kind first, e.g. to check the crypt mode, avoid a second CRC pass).
pub fn decode_chunk_of_kind(
    raw: &[u8],
    kind: BlobKind,
    crypt: Option<&CryptConfig>,
    expected: &ChunkDigest,
) -> Result<Vec<u8>> {
    // LIMIT: chunks never exceed MAX_CHUNK_SIZE of plaintext (formats.md §2.5).
    let plain = decode_checked(raw, kind, crypt, limits::MAX_CHUNK_SIZE)?;
    let computed = match (kind.is_encrypted(), crypt) {
        (true, Some(c)) => c.compute_digest(&plain),
        _ => ChunkDigest::of_plain(&plain),
    };
    if &computed != expected {
        return Err(FormatError::DigestMismatch {
            expected: expected.to_hex(),
            computed: computed.to_hex(),
        });
    }
    Ok(plain)
}

/// Encodes blobs and chunks, reusing one zstd context (one encoder per worker thread).
pub struct BlobEncoder {
    compressor: FrameCompressor,
    scratch: Vec<u8>,
}

impl BlobEncoder {
    pub fn new() -> Result<Self> {
        let compressor = FrameCompressor::new(ZSTD_LEVEL).ok_or_else(|| {
            FormatError::Crypto("zstd: cannot create a compression context".into())
        })?;
        Ok(BlobEncoder {
            compressor,
            scratch: Vec::new(),
        })
    }

    /// Encodes `data`; compressed only when that is strictly smaller, encrypted when `crypt` is given.
    #[allow(clippy::indexing_slicing)] // writes into `out`, sized above to hold the header
    pub fn encode(
        &mut self,
        data: &[u8],
        crypt: Option<&CryptConfig>,
        compress: bool,
    ) -> Result<Vec<u8>> {
        // LIMIT: PBS refuses to build blobs over 128 MiB.
        check_size("blob", data.len(), limits::MAX_BLOB_SIZE)?;
        let Some(crypt) = crypt else {
            // Unencrypted: compressed straight after the header, no scratch copy.
            let mut out = Vec::with_capacity(PLAIN_HEADER_LEN + data.len());
            out.extend_from_slice(&[0u8; PLAIN_HEADER_LEN]);
            let compressed = compress && self.compressor.compress_smaller(data, &mut out);
            if !compressed {
                out.extend_from_slice(data);
            }
            let kind = if compressed {
                BlobKind::Compressed
            } else {
                BlobKind::Uncompressed
            };
            out[..8].copy_from_slice(&kind.magic());
            let crc = crc32fast::hash(&out[PLAIN_HEADER_LEN..]);
            out[8..12].copy_from_slice(&crc.to_le_bytes());
            return Ok(out);
        };
        self.scratch.clear();
        let compressed = compress && self.compressor.compress_smaller(data, &mut self.scratch);
        let body: &[u8] = if compressed { &self.scratch } else { data };
        let kind = if compressed {
            BlobKind::EncryptedCompressed
        } else {
            BlobKind::Encrypted
        };
        let mut out = Vec::with_capacity(ENCRYPTED_HEADER_LEN + body.len());
        out.extend_from_slice(&kind.magic());
        out.extend_from_slice(&[0u8; 4]);
        let mut iv = [0u8; IV_LEN];
        openssl::rand::rand_bytes(&mut iv)?;
        out.extend_from_slice(&iv);
        out.extend_from_slice(&[0u8; TAG_LEN]);
        let tag = crypt.encrypt_into(&iv, body, &mut out)?;
        out[12 + IV_LEN..ENCRYPTED_HEADER_LEN].copy_from_slice(&tag);
        let crc = crc32fast::hash(&out[ENCRYPTED_HEADER_LEN..]);
        out[8..12].copy_from_slice(&crc.to_le_bytes());
        Ok(out)
    }
}

/// One-shot convenience around `BlobEncoder::encode`.
pub fn encode(data: &[u8], crypt: Option<&CryptConfig>, compress: bool) -> Result<Vec<u8>> {
    BlobEncoder::new()?.encode(data, crypt, compress)
}

/// Builds an unencrypted, uncompressed blob (used for `rsa-encrypted.key.blob`).
pub fn encode_uncompressed(data: &[u8]) -> Result<Vec<u8>> {
    encode(data, None, false)
}

/// Decompresses a zstd payload, refusing output past `limit` (a zstd bomb fails at `limit`
/// without reserving more). Writes into spare capacity: no zero-filling, and one exact
/// allocation when the frame states its size (as PBS's and pbsh's encoders write it).
pub fn decompress_capped(input: &[u8], limit: usize) -> Result<Vec<u8>> {
    let mut decoder = zstd_decoder()?;
    let mut src = InBuffer::around(input);
    let stated = zstd::zstd_safe::get_frame_content_size(input)
        .ok()
        .flatten()
        .and_then(|n| usize::try_from(n).ok())
        .filter(|&n| n <= limit);
    // One byte more than stated, so the call that ends the frame finds room and no regrowth.
    let mut out: Vec<u8> = Vec::with_capacity(match stated {
        Some(n) => n + 1,
        None => input.len().saturating_mul(4).clamp(4096, limit.max(1)),
    });
    loop {
        if out.len() >= out.capacity() {
            if out.len() >= limit {
                // Full at the limit: the data must end here.
                let mut probe = [0u8; 1];
                let mut dst = OutBuffer::around(&mut probe[..]);
                let left = decoder.run(&mut src, &mut dst).map_err(decompress_error)?;
                if dst.pos() > 0 {
                    return Err(too_large(out.len() + 1, limit));
                }
                if left == 0 && src.pos() == input.len() {
                    return Ok(out);
                }
                return Err(FormatError::Decompress("truncated zstd frame".into()));
            }
            let grow = out.capacity().max(4096).min(limit - out.len());
            out.reserve_exact(grow);
        }
        let before = (src.pos(), out.len());
        let left = {
            let at = out.len();
            let mut dst = OutBuffer::around_pos(&mut out, at);
            decoder.run(&mut src, &mut dst).map_err(decompress_error)?
        };
        if out.len() > limit {
            return Err(too_large(out.len(), limit));
        }
        if left == 0 && src.pos() == input.len() {
            return Ok(out);
        }
        if (src.pos(), out.len()) == before && out.len() < out.capacity() {
            return Err(FormatError::Decompress("truncated zstd frame".into()));
        }
    }
}

/// Checks an unencrypted chunk against its digest and returns its plaintext length, decoding
/// in 256 KiB pieces that are hashed while still in cache and never kept whole: what a server
/// does with every uploaded chunk.
pub fn verify_plain_chunk(raw: &[u8], kind: BlobKind, expected: &ChunkDigest) -> Result<u64> {
    const PIECE: usize = 256 * 1024;
    let payload = raw.get(kind.header_len()..).unwrap_or_default();
    let mut hasher = openssl::sha::Sha256::new();
    let mut total = 0usize;
    match kind {
        BlobKind::Uncompressed => {
            check_size("chunk", payload.len(), limits::MAX_CHUNK_SIZE)?;
            hasher.update(payload);
            total = payload.len();
        }
        BlobKind::Compressed => {
            let mut decoder = zstd_decoder()?;
            let mut src = InBuffer::around(payload);
            let mut piece: Vec<u8> = Vec::with_capacity(PIECE);
            loop {
                let before = src.pos();
                let left = {
                    let mut dst = OutBuffer::around_pos(&mut piece, 0);
                    decoder.run(&mut src, &mut dst).map_err(decompress_error)?
                };
                total += piece.len();
                // LIMIT: chunks never exceed MAX_CHUNK_SIZE of plaintext.
                check_size("chunk", total, limits::MAX_CHUNK_SIZE)?;
                hasher.update(&piece);
                if left == 0 && src.pos() == payload.len() {
                    break;
                }
                if src.pos() == before && piece.len() < piece.capacity() {
                    return Err(FormatError::Decompress("truncated zstd frame".into()));
                }
            }
        }
        BlobKind::Encrypted | BlobKind::EncryptedCompressed => {
            return Err(FormatError::MissingKey);
        }
    }
    let computed = ChunkDigest(hasher.finish());
    if &computed != expected {
        return Err(FormatError::DigestMismatch {
            expected: expected.to_hex(),
            computed: computed.to_hex(),
        });
    }
    Ok(total as u64)
}

/// A zstd stream decoder with PBS's window limit.
fn zstd_decoder() -> Result<ZstdDecoder<'static>> {
    let mut decoder = ZstdDecoder::new().map_err(decompress_error)?;
    decoder
        .set_parameter(DParameter::WindowLogMax(ZSTD_WINDOW_LOG_MAX))
        .map_err(decompress_error)?;
    Ok(decoder)
}

fn decompress_error(e: std::io::Error) -> FormatError {
    FormatError::Decompress(e.to_string())
}

fn too_large(size: usize, limit: usize) -> FormatError {
    FormatError::TooLarge {
        what: "decompressed data",
        size: size as u64,
        limit: limit as u64,
    }
}

fn check_size(what: &'static str, size: usize, limit: usize) -> Result<()> {
    if size > limit {
        return Err(FormatError::TooLarge {
            what,
            size: size as u64,
            limit: limit as u64,
        });
    }
    Ok(())
}

fn read_u32_le(raw: &[u8], at: usize) -> Result<u32> {
    raw.get(at..at + 4)
        .and_then(|b| b.try_into().ok())
        .map(u32::from_le_bytes)
        .ok_or(FormatError::TooShort {
            what: "blob",
            len: raw.len(),
            need: at + 4,
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::format::digest::sha256;

    #[test]
    fn magics_are_sha256_prefixes_t13() {
        for (text, magic) in [
            (
                "Proxmox Backup uncompressed blob v1.0",
                UNCOMPRESSED_BLOB_MAGIC,
            ),
            (
                "Proxmox Backup zstd compressed blob v1.0",
                COMPRESSED_BLOB_MAGIC,
            ),
            ("Proxmox Backup encrypted blob v1.0", ENCRYPTED_BLOB_MAGIC),
            (
                "Proxmox Backup zstd compressed encrypted blob v1.0",
                ENCR_COMPR_BLOB_MAGIC,
            ),
        ] {
            assert_eq!(&sha256(text.as_bytes())[..8], &magic[..], "{text}");
        }
    }

    #[test]
    fn uncompressed_blob_matches_known_answer_t5() {
        let raw = encode(b"hello world\n", None, true).unwrap();
        assert_eq!(
            hex::encode(&raw),
            "42ab3807be8370a12d3b08af68656c6c6f20776f726c640a"
        );
        assert_eq!(
            hex::encode(sha256(&raw)),
            "670f057b89f3ff375dae887f19d1f517f49bb37577969d02a957c9850593db86"
        );
        assert_eq!(decode(&raw, None, 100).unwrap(), b"hello world\n");
    }

    #[test]
    fn encrypted_blob_known_answer_t6_decodes() {
        let raw = hex::decode(
            "7b6785be222d4cf06a043e60000102030405060708090a0b0c0d0e0f\
             fdf254d842e6a0321aa6261db903b3ed0f09cc1a56c43d47ef93bf23",
        )
        .unwrap();
        let mut key = [0u8; 32];
        for (i, b) in key.iter_mut().enumerate() {
            *b = i as u8;
        }
        let crypt = CryptConfig::new(key).unwrap();
        assert_eq!(check_header_and_crc(&raw).unwrap(), BlobKind::Encrypted);
        assert_eq!(decode(&raw, Some(&crypt), 100).unwrap(), b"hello world\n");
        assert!(matches!(
            decode(&raw, None, 100),
            Err(FormatError::MissingKey)
        ));
    }

    #[test]
    fn all_four_kinds_round_trip() {
        let crypt = CryptConfig::new([9u8; 32]).unwrap();
        let compressible = vec![b'a'; 100_000];
        let random: Vec<u8> = (0..400u32).flat_map(|i| sha256(&i.to_le_bytes())).collect();
        let cases = [
            (&random, None, BlobKind::Uncompressed),
            (&compressible, None, BlobKind::Compressed),
            (&random, Some(&crypt), BlobKind::Encrypted),
            (&compressible, Some(&crypt), BlobKind::EncryptedCompressed),
        ];
        for (data, key, kind) in cases {
            let raw = encode(data, key, true).unwrap();
            assert_eq!(check_header_and_crc(&raw).unwrap(), kind);
            assert_eq!(&decode(&raw, key, 1 << 20).unwrap(), data);
        }
    }

    #[test]
    fn compression_only_when_strictly_smaller() {
        let raw = encode(b"x", None, true).unwrap();
        assert_eq!(check_header_and_crc(&raw).unwrap(), BlobKind::Uncompressed);
        let raw = encode(b"", None, true).unwrap();
        assert_eq!(raw.len(), 12);
        assert_eq!(decode(&raw, None, 0).unwrap(), b"");
    }

    #[test]
    fn crc_mismatch_names_both_values() {
        let mut raw = encode(b"hello world\n", None, false).unwrap();
        raw[15] ^= 1;
        let err = decode(&raw, None, 100).unwrap_err().to_string();
        assert!(
            err.starts_with("blob: CRC mismatch (stored af083b2d"),
            "{err}"
        );
    }

    #[test]
    fn wrong_key_is_reported_as_such() {
        let right = CryptConfig::new([1u8; 32]).unwrap();
        let wrong = CryptConfig::new([2u8; 32]).unwrap();
        let raw = encode(&[5u8; 5000], Some(&right), true).unwrap();
        let err = decode(&raw, Some(&wrong), 1 << 20).unwrap_err();
        assert!(
            err.to_string().contains("wrong key or corrupt data"),
            "{err}"
        );
    }

    #[test]
    fn zstd_bomb_is_refused_at_the_limit() {
        let zeros = vec![0u8; 8 * 1024 * 1024];
        let raw = encode(&zeros, None, true).unwrap();
        assert!(raw.len() < 4096);
        let err = decode(&raw, None, 1024 * 1024).unwrap_err();
        assert!(matches!(err, FormatError::TooLarge { .. }), "{err}");
        assert_eq!(decode(&raw, None, zeros.len()).unwrap().len(), zeros.len());
    }

    #[test]
    fn decompress_exact_limit_and_streams_without_stated_size() {
        let data: Vec<u8> = (0..300_000u32)
            .flat_map(|i| (i % 251).to_le_bytes())
            .collect();
        let framed = zstd::bulk::compress(&data, 1).unwrap();
        assert_eq!(decompress_capped(&framed, data.len()).unwrap(), data);
        assert!(matches!(
            decompress_capped(&framed, data.len() - 1),
            Err(FormatError::TooLarge { .. })
        ));
        // A streamed frame states no size: the output grows by doubling.
        let mut streamed = Vec::new();
        zstd::stream::copy_encode(&data[..], &mut streamed, 1).unwrap();
        assert_eq!(decompress_capped(&streamed, 1 << 24).unwrap(), data);
        let cut = &framed[..framed.len() / 2];
        assert!(matches!(
            decompress_capped(cut, 1 << 24),
            Err(FormatError::Decompress(_))
        ));
    }

    #[test]
    fn verify_plain_chunk_checks_digest_length_and_truncation() {
        let data: Vec<u8> = (0..1_000_000u32).map(|i| (i % 97) as u8).collect();
        let digest = ChunkDigest::of_plain(&data);
        for compress in [true, false] {
            let raw = encode(&data, None, compress).unwrap();
            let kind = check_header_and_crc(&raw).unwrap();
            assert_eq!(kind == BlobKind::Compressed, compress);
            assert_eq!(verify_plain_chunk(&raw, kind, &digest).unwrap(), 1_000_000);
            let other = ChunkDigest::of_plain(b"other");
            assert!(matches!(
                verify_plain_chunk(&raw, kind, &other),
                Err(FormatError::DigestMismatch { .. })
            ));
        }
        let raw = encode(&data, None, true).unwrap();
        let cut = &raw[..raw.len() - 10];
        assert!(verify_plain_chunk(cut, BlobKind::Compressed, &digest).is_err());
        let zeros = vec![0u8; limits::MAX_CHUNK_SIZE + 1];
        let bomb = encode(&zeros, None, true).unwrap();
        assert!(matches!(
            verify_plain_chunk(&bomb, BlobKind::Compressed, &digest),
            Err(FormatError::TooLarge { .. })
        ));
    }

    #[test]
    fn chunk_digest_is_checked() {
        let raw = encode(b"hello world\n", None, true).unwrap();
        let good = ChunkDigest::of_plain(b"hello world\n");
        assert!(decode_chunk(&raw, None, &good).is_ok());
        let bad = ChunkDigest([0u8; 32]);
        assert!(matches!(
            decode_chunk(&raw, None, &bad),
            Err(FormatError::DigestMismatch { .. })
        ));
    }
}
