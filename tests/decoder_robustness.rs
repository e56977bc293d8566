//! Every decoder against 1,000 seeded corruptions of valid input: an error (or, for fields no
//! checksum covers, exactly the original content), never a panic, never an allocation past its limit.
//!
//! A counting global allocator records the largest single allocation of the decoding thread.
#![allow(clippy::disallowed_macros)] // tests print freely

use pbsh::format::blob;
use pbsh::format::crypt::CryptConfig;
use pbsh::format::digest::ChunkDigest;
use pbsh::format::index::{self, DynamicIndex, FixedIndex};
use pbsh::format::keyfile::{KeyConfig, KeyDerivation};
use pbsh::format::manifest::{CryptMode, FileInfo, Manifest};
mod alloc_count;

use alloc_count::measured;

/// xorshift64*: a small seeded generator so failures can be replayed from the printed seed.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

/// One corruption: bit flips, a truncation, a splice, or an 8-byte field set to 0 / max / max+1.
fn mutate(rng: &mut Rng, input: &[u8]) -> Vec<u8> {
    let mut out = input.to_vec();
    match rng.below(5) {
        0 | 1 => {
            for _ in 0..=rng.below(3) {
                let i = rng.below(out.len());
                out[i] ^= 1 << rng.below(8);
            }
        }
        2 => out.truncate(rng.below(out.len())),
        3 => {
            let len = rng.below(64) + 1;
            let from = rng.below(out.len().saturating_sub(len));
            let to = rng.below(out.len().saturating_sub(len));
            let piece = out[from..from + len.min(out.len() - from)].to_vec();
            let end = (to + piece.len()).min(out.len());
            out[to..end].copy_from_slice(&piece[..end - to]);
        }
        _ => {
            let at = rng.below(out.len().saturating_sub(8));
            let value = [0u64, u64::MAX, i64::MAX as u64 + 1, 1 << 40][rng.below(4)];
            let end = (at + 8).min(out.len());
            out[at..end].copy_from_slice(&value.to_le_bytes()[..end - at]);
        }
    }
    out
}

/// Drives `decode` over 1,000 mutations of `input`; `acceptable` says whether an `Ok` result is
/// the original content (allowed) or a corruption that slipped through (a failure).
fn corrupt_1000<T, E: std::fmt::Display>(
    name: &str,
    seed: u64,
    input: &[u8],
    alloc_limit: usize,
    decode: impl Fn(&[u8]) -> Result<T, E>,
    acceptable: impl Fn(&T) -> bool,
) {
    let mut rng = Rng(seed);
    let mut refused = 0;
    for round in 0..1000 {
        let bad = mutate(&mut rng, input);
        if bad == input {
            continue;
        }
        let (result, largest) =
            measured(|| std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| decode(&bad))));
        let result =
            result.unwrap_or_else(|_| panic!("{name}: panic on mutation {round} (seed {seed})"));
        assert!(
            largest <= alloc_limit,
            "{name}: mutation {round} (seed {seed}) allocated {largest} bytes, limit {alloc_limit}"
        );
        match result {
            Err(_) => refused += 1,
            Ok(value) => assert!(
                acceptable(&value),
                "{name}: mutation {round} (seed {seed}) was accepted with changed content: {}",
                String::from_utf8_lossy(&bad)
            ),
        }
    }
    assert!(
        refused > 500,
        "{name}: only {refused} of 1000 corruptions refused"
    );
    eprintln!("{name}: {refused} of 1000 corruptions refused, the rest left the content unchanged");
}

fn pseudo_random(len: usize, seed: u64) -> Vec<u8> {
    let mut rng = Rng(seed);
    (0..len).map(|_| rng.next() as u8).collect()
}

const SLACK: usize = 256 * 1024;

#[test]
fn blob_decoder_refuses_corruptions_of_all_four_kinds() {
    let crypt = CryptConfig::new([0x42; 32]).unwrap();
    let random = pseudo_random(64 * 1024, 1);
    let text = b"the same line again and again\n".repeat(4000);
    let limit = 1024 * 1024;
    for (name, data, key) in [
        ("plain blob", &random, None),
        ("compressed blob", &text, None),
        ("encrypted blob", &random, Some(&crypt)),
        ("encrypted compressed blob", &text, Some(&crypt)),
    ] {
        let raw = blob::encode(data, key, true).unwrap();
        let digest = match key {
            Some(c) => c.compute_digest(data),
            None => ChunkDigest::of_plain(data),
        };
        corrupt_1000(
            name,
            7,
            &raw,
            limit + SLACK,
            |b| blob::decode(b, key, limit),
            |_| false,
        );
        corrupt_1000(
            name,
            8,
            &raw,
            16 * 1024 * 1024 + SLACK,
            |b| blob::decode_chunk(b, key, &digest),
            |_| false,
        );
    }
}

#[test]
fn blob_decoder_caps_a_compression_bomb() {
    let zeros = vec![0u8; 64 * 1024 * 1024];
    let raw = blob::encode(&zeros, None, true).unwrap();
    drop(zeros);
    assert!(
        raw.len() < 64 * 1024,
        "a bomb: {} bytes inflate to 64 MiB",
        raw.len()
    );
    let limit = 1024 * 1024;
    let (result, largest) = measured(|| blob::decode(&raw, None, limit));
    assert!(result
        .unwrap_err()
        .to_string()
        .contains("exceeds the limit"));
    assert!(largest <= limit + SLACK, "allocated {largest}");
    let digest = ChunkDigest([0; 32]);
    let (result, largest) = measured(|| blob::decode_chunk(&raw, None, &digest));
    assert!(result.is_err());
    assert!(largest <= 16 * 1024 * 1024 + SLACK, "allocated {largest}");
}

#[test]
fn dynamic_index_decoder_refuses_corruptions() {
    let entries: Vec<(u64, ChunkDigest)> = (1..=500u64)
        .map(|i| (i * 4096 + i % 7, ChunkDigest::of_plain(&i.to_le_bytes())))
        .collect();
    let raw = index::encode_dynamic(&[9; 16], 1_700_000_000, &entries);
    let original = DynamicIndex::decode(&raw).unwrap();
    let (csum, size) = original.compute_csum();
    let csum_hex = hex::encode(csum);
    corrupt_1000(
        "dynamic index",
        11,
        &raw,
        raw.len() + SLACK,
        |b| {
            let index = DynamicIndex::decode(b)?;
            index::check_against_manifest("root.pxar.didx", index.compute_csum(), &csum_hex, size)?;
            Ok::<_, pbsh::format::FormatError>(index)
        },
        // uuid and ctime are covered by no checksum in PBS's format; only they may change.
        |index| index.digests() == original.digests() && index.size() == original.size(),
    );
}

#[test]
fn fixed_index_decoder_refuses_corruptions() {
    let digests: Vec<ChunkDigest> = (0..300u64)
        .map(|i| ChunkDigest::of_plain(&i.to_le_bytes()))
        .collect();
    let size = 299 * 4 * 1024 * 1024 + 12345;
    let raw = index::encode_fixed(&[3; 16], 1_700_000_000, size, 4 * 1024 * 1024, &digests);
    let (csum, _) = FixedIndex::decode(&raw).unwrap().compute_csum();
    let csum_hex = hex::encode(csum);
    corrupt_1000(
        "fixed index",
        12,
        &raw,
        raw.len() + SLACK,
        |b| {
            let index = FixedIndex::decode(b)?;
            index::check_against_manifest("disk.img.fidx", index.compute_csum(), &csum_hex, size)?;
            Ok::<_, pbsh::format::FormatError>(index)
        },
        |index| {
            index.digests() == digests.as_slice()
                && index.size == size
                && index.chunk_size == 4 * 1024 * 1024
        },
    );
}

#[test]
fn manifest_decoder_refuses_corruptions() {
    let crypt = CryptConfig::new([0x17; 32]).unwrap();
    let mut manifest = Manifest::new("host", "web1", 1_790_000_000);
    for (i, name) in [
        "root.pxar.didx",
        "disk.img.fidx",
        "catalog.pcat1.didx",
        "notes.conf.blob",
    ]
    .iter()
    .enumerate()
    {
        manifest.files.push(FileInfo {
            filename: name.to_string(),
            crypt_mode: CryptMode::Encrypt,
            size: 1000 + i as u64,
            csum: hex::encode([i as u8; 32]),
        });
    }
    manifest.sign(&crypt).unwrap();
    let json = manifest.to_json_bytes().unwrap();
    let raw = blob::encode(&json, None, true).unwrap();
    let limit = pbsh::format::limits::MAX_MANIFEST_SIZE;
    corrupt_1000(
        "manifest blob",
        13,
        &raw,
        limit + SLACK,
        |b| {
            let json = blob::decode(b, None, limit)?;
            let m = Manifest::parse(&json)?;
            m.verify(Some(&crypt))?;
            Ok::<_, pbsh::format::FormatError>(m)
        },
        |_| false,
    );
    // The JSON parser alone, fed mutated text: no panic, bounded allocation (content may change,
    // which is what the blob CRC and the signature are for).
    let mut rng = Rng(14);
    for _ in 0..1000 {
        let bad = mutate(&mut rng, &json);
        let (result, largest) =
            measured(|| std::panic::catch_unwind(|| Manifest::parse(&bad).map(|_| ())));
        assert!(result.is_ok(), "manifest parser panicked");
        assert!(largest <= json.len() * 4 + SLACK);
    }
}

#[test]
fn key_file_decoder_refuses_corruptions() {
    let key = [0x5a; 32];
    let plain = KeyConfig::without_passphrase(&key, 1_700_000_000, 1_700_000_000)
        .unwrap()
        .to_json()
        .unwrap();
    let wrapped = KeyConfig::with_kdf(
        &key,
        KeyDerivation::Pbkdf2 {
            iter: 1000,
            salt: vec![7; 32],
        },
        b"correct horse",
        &[1; 16],
        1_700_000_000,
        1_700_000_000,
    )
    .unwrap()
    .to_json()
    .unwrap();
    for (name, text) in [("raw key file", plain), ("pbkdf2 key file", wrapped)] {
        corrupt_1000(
            name,
            21,
            text.as_bytes(),
            pbsh::format::limits::MAX_KEY_FILE_SIZE + SLACK,
            |b| {
                let config = KeyConfig::parse(b)?;
                config.decrypt(b"correct horse")
            },
            // `created`, `modified` and `hint` are unprotected metadata; the key itself must be right.
            |decrypted| **decrypted == key,
        );
    }
}
