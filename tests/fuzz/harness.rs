//! The bodies of the fuzz targets, shared by `fuzz/fuzz_targets/*.rs` (cargo-fuzz includes this
//! file with `#[path]`) and by `tests/fuzz_replay.rs`, which runs every committed corpus file and
//! every regression input in `tests/fuzz/regressions/` through the same functions in the normal
//! test suite (reliability.md B3/B4).
//!
//! Each target takes arbitrary bytes, runs one parser of untrusted input and what its callers do
//! with the result, and panics only when a promise is broken: a panic inside pbsh, or a property
//! asserted here (a round trip, a consistency between two readers of the same bytes). Allocation
//! and time bounds are the fuzzer's (`-rss_limit_mb`, `-malloc_limit_mb`, `-timeout`) and the
//! replay test's counting allocator.
//!
//! Checksums and CRCs stop almost every mutation at the first check, so the targets also decode
//! each input once more with its CRC or index checksum recomputed: the fuzzer then reaches the
//! code behind the check.
#![allow(dead_code)] // each fuzz target uses one function

use pbsh::format::blob::{self, BlobKind};
use pbsh::format::canonical_json::to_canonical_bytes;
use pbsh::format::catalog::CatalogReader;
use pbsh::format::crypt::CryptConfig;
use pbsh::format::digest::ChunkDigest;
use pbsh::format::index::{self, DynamicIndex, FixedIndex, IndexCsum, INDEX_HEADER_LEN};
use pbsh::format::keyfile::{KeyConfig, KeyDerivation};
use pbsh::format::limits;
use pbsh::format::manifest::Manifest;
use pbsh::format::paperkey;
use pbsh::format::pxar::accessor::{Accessor, ReadAt};
use pbsh::format::pxar::decoder::Decoder;
use pbsh::format::pxar::EntryKind;
use pbsh::repo::remote::repo_string::RemoteRepo;
use pbsh::repo::types::{
    format_backup_time, parse_backup_time, BackupGroup, BackupType, Namespace, SnapshotRef,
};
use pbsh::server::auth::{self, AuthConfig};
use pbsh::server::params::Params;
use pbsh::server::tasks::Upid;
use pbsh::server::{backup_protocol, reader_protocol};
use std::sync::OnceLock;

/// A target's body.
pub type Target = fn(&[u8]);

/// Every target: its name (the fuzz target's and its corpus directory's), its body.
pub const TARGETS: &[(&str, Target)] = &[
    ("blob_decode", blob_decode),
    ("blob_decode_keyed", blob_decode_keyed),
    ("didx_read", didx_read),
    ("fidx_read", fidx_read),
    ("manifest_parse_verify", manifest_parse_verify),
    ("canonical_json", canonical_json),
    ("keyfile_parse", keyfile_parse),
    ("paperkey_render", paperkey_render),
    ("catalog_read", catalog_read),
    ("pxar_decode", pxar_decode),
    ("pxar_accessor", pxar_accessor),
    ("pxar_accessor_split", pxar_accessor_split),
    ("repo_string", repo_string),
    ("backup_names", backup_names),
    ("api_params", api_params),
    ("protocol_requests", protocol_requests),
    ("upid_parse", upid_parse),
    ("ticket_verify", ticket_verify),
];

/// The target named `name`.
pub fn target(name: &str) -> Option<Target> {
    TARGETS.iter().find(|(n, _)| *n == name).map(|(_, f)| *f)
}

/// The raw key of `shared/vectors/keys/key-none.json`: the `vec-enc` snapshot's chunks, blobs
/// and manifest signature decode and verify with it, so its seeds are valid inputs.
pub const VECTOR_KEY: [u8; 32] = [
    0xa3, 0x30, 0x7f, 0x7e, 0xd7, 0x22, 0x5b, 0x8a, 0x4d, 0xaa, 0x26, 0x26, 0x9f, 0x3f, 0x88, 0x78,
    0xfa, 0x6b, 0xea, 0x02, 0x78, 0xd7, 0xae, 0x1c, 0xc7, 0x55, 0xff, 0xd1, 0xc2, 0x54, 0x22, 0x8d,
];

/// The passphrase the key-file seeds are wrapped with (`key-scrypt.json`'s).
pub const KEY_PASSPHRASE: &[u8] = b"pbsh-vector";

fn vector_crypt() -> &'static CryptConfig {
    static CRYPT: OnceLock<CryptConfig> = OnceLock::new();
    CRYPT.get_or_init(|| CryptConfig::new(VECTOR_KEY).expect("the vector key is a valid key"))
}

/// Splits `data` at its first NUL: (before, after). Used to carry two inputs in one.
fn split_nul(data: &[u8]) -> (&[u8], &[u8]) {
    match data.iter().position(|&b| b == 0) {
        Some(i) => (&data[..i], &data[i + 1..]),
        None => (data, &[]),
    }
}

// ---------------------------------------------------------------------------------------------
// Blobs

/// A blob or chunk file without a key: `blob::decode` (as a blob file and as a chunk) and the
/// server's streaming chunk check must agree.
pub fn blob_decode(data: &[u8]) {
    blob_with(data, None);
    if let Some(fixed) = with_blob_crc(data) {
        blob_with(&fixed, None);
    }
}

/// The same with the vector key, so encrypted blobs and chunks decrypt (or fail their tag).
pub fn blob_decode_keyed(data: &[u8]) {
    let crypt = vector_crypt();
    blob_with(data, Some(crypt));
    if let Some(fixed) = with_blob_crc(data) {
        blob_with(&fixed, Some(crypt));
    }
}

/// `raw` with the CRC that its payload has, if it has a blob magic and a whole header.
fn with_blob_crc(raw: &[u8]) -> Option<Vec<u8>> {
    let kind = BlobKind::from_magic(raw.get(..8)?)?;
    let payload = raw.get(kind.header_len()..)?;
    let mut fixed = raw.to_vec();
    fixed
        .get_mut(8..12)?
        .copy_from_slice(&crc32fast::hash(payload).to_le_bytes());
    (fixed != raw).then_some(fixed)
}

fn blob_with(raw: &[u8], crypt: Option<&CryptConfig>) {
    let kind = blob::check_header_and_crc(raw);
    let decoded = blob::decode(raw, crypt, limits::MAX_BLOB_SIZE);
    let Ok(kind) = kind else {
        assert!(
            decoded.is_err(),
            "decode accepted a blob its header check refuses"
        );
        return;
    };
    let digest = match &decoded {
        Ok(plain) => match (kind.is_encrypted(), crypt) {
            (true, Some(c)) => c.compute_digest(plain),
            _ => ChunkDigest::of_plain(plain),
        },
        Err(_) => ChunkDigest([0; 32]),
    };
    if let Ok(plain) = &decoded {
        assert!(plain.len() <= limits::MAX_BLOB_SIZE);
        if kind == BlobKind::Uncompressed {
            assert_eq!(plain.as_slice(), &raw[blob::PLAIN_HEADER_LEN..]);
        }
    }
    // As a chunk, named by the digest of what it decodes to.
    let chunk = blob::decode_chunk(raw, crypt, &digest);
    if let Ok(plain) = &decoded {
        if plain.len() <= limits::MAX_CHUNK_SIZE {
            let chunk = chunk.unwrap_or_else(|e| panic!("decodes as a blob, not as a chunk: {e}"));
            assert_eq!(&chunk, plain, "chunk and blob decoding differ");
        }
    }
    // What the server does with an uploaded unencrypted chunk: hash it in pieces.
    if !kind.is_encrypted() {
        let verified = blob::verify_plain_chunk(raw, kind, &digest);
        if let Ok(plain) = &decoded {
            if plain.len() <= limits::MAX_CHUNK_SIZE {
                let len = verified
                    .unwrap_or_else(|e| panic!("decodes as a chunk, but verify refuses it: {e}"));
                assert_eq!(len, plain.len() as u64);
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Indexes

/// A `.didx` file; also with its checksum recomputed.
pub fn didx_read(data: &[u8]) {
    check_didx(data);
    if let Some(fixed) = with_index_csum(data, false) {
        check_didx(&fixed);
    }
}

/// A `.fidx` file; also with its checksum recomputed.
pub fn fidx_read(data: &[u8]) {
    check_fidx(data);
    if let Some(fixed) = with_index_csum(data, true) {
        check_fidx(&fixed);
    }
}

/// `raw` with the index checksum its entries have (entries read leniently, as far as they go).
fn with_index_csum(raw: &[u8], fixed: bool) -> Option<Vec<u8>> {
    let body = raw.get(INDEX_HEADER_LEN..)?;
    let mut csum = IndexCsum::new();
    if fixed {
        for digest in body.chunks_exact(32) {
            csum.add_fixed(&ChunkDigest(digest.try_into().ok()?));
        }
    } else {
        for entry in body.chunks_exact(40) {
            let end = u64::from_le_bytes(entry[..8].try_into().ok()?);
            csum.add_dynamic(end, &ChunkDigest(entry[8..].try_into().ok()?));
        }
    }
    let mut out = raw.to_vec();
    out.get_mut(32..64)?.copy_from_slice(&csum.finish());
    (out != raw).then_some(out)
}

fn check_didx(raw: &[u8]) {
    let Ok(idx) = DynamicIndex::decode(raw) else {
        return;
    };
    assert_eq!(index::index_kind(raw), Some("didx"));
    let count = idx.chunk_count();
    let mut previous_end = 0;
    let mut entries = Vec::with_capacity(count);
    for i in 0..count {
        let (start, end) = idx.chunk_range(i).expect("every chunk has a range");
        assert_eq!(
            start, previous_end,
            "chunk {i} does not start where {} ends",
            i
        );
        assert!(end > start, "chunk {i} is empty");
        assert_eq!(idx.chunk_at(start), Some(i));
        assert_eq!(idx.chunk_at(end - 1), Some(i));
        entries.push((end, *idx.digest(i).expect("every chunk has a digest")));
        previous_end = end;
    }
    assert!(idx.chunk_range(count).is_none() && idx.digest(count).is_none());
    assert_eq!(idx.size(), previous_end);
    assert_eq!(idx.chunk_at(idx.size()), None);
    let (csum, size) = idx.compute_csum();
    assert_eq!(csum, idx.header.stored_csum);
    index::check_against_manifest("fuzz", idx.compute_csum(), &hex::encode(csum), size)
        .expect("an index matches its own checksum");
    // The writer re-creates the file byte for byte (when the header's padding is zero).
    if raw[64..INDEX_HEADER_LEN].iter().all(|&b| b == 0) {
        let again = index::encode_dynamic(
            &idx.header.uuid,
            idx.header.ctime_epoch_secs,
            entries.as_slice(),
        );
        assert_eq!(again, raw, "re-encoding a dynamic index changes it");
    }
}

fn check_fidx(raw: &[u8]) {
    let Ok(idx) = FixedIndex::decode(raw) else {
        return;
    };
    assert_eq!(index::index_kind(raw), Some("fidx"));
    let count = idx.chunk_count();
    let mut previous_end = 0;
    for i in 0..count {
        let (start, end) = idx.chunk_range(i).expect("every chunk has a range");
        assert_eq!(start, previous_end);
        assert!(end > start && end - start <= idx.chunk_size);
        assert_eq!(idx.chunk_at(start), Some(i));
        previous_end = end;
    }
    assert_eq!(previous_end, idx.size, "the chunks do not cover the image");
    assert!(idx.chunk_range(count).is_none());
    assert_eq!(idx.chunk_at(idx.size), None);
    assert_eq!(idx.compute_csum().0, idx.header.stored_csum);
    if raw[80..INDEX_HEADER_LEN].iter().all(|&b| b == 0) {
        let again = index::encode_fixed(
            &idx.header.uuid,
            idx.header.ctime_epoch_secs,
            idx.size,
            idx.chunk_size,
            idx.digests(),
        );
        assert_eq!(again, raw, "re-encoding a fixed index changes it");
    }
}

// ---------------------------------------------------------------------------------------------
// Manifest and canonical JSON

/// The manifest JSON (a decoded `index.json.blob`): parse, verify with and without the key,
/// serialize and parse again, sign and verify.
pub fn manifest_parse_verify(data: &[u8]) {
    let Ok(manifest) = Manifest::parse(data) else {
        return;
    };
    let crypt = vector_crypt();
    let _ = manifest.verify(None);
    let _ = manifest.verify(Some(crypt));
    let _ = (manifest.notes(), manifest.key_fingerprint());
    for file in &manifest.files {
        assert!(manifest.file(&file.filename).is_some());
    }
    let json = manifest
        .to_json_bytes()
        .expect("a parsed manifest serializes");
    let again = Manifest::parse(&json).expect("a manifest parses what it wrote");
    assert_eq!(
        again.signed_bytes().ok(),
        manifest.signed_bytes().ok(),
        "writing and reading a manifest changes what its signature covers"
    );
    let mut signed = manifest.clone();
    if signed.sign(crypt).is_ok() {
        signed
            .verify(Some(crypt))
            .expect("a manifest verifies right after signing");
    }
}

/// Any JSON: its canonical form parses back to the same value and is a fixed point.
pub fn canonical_json(data: &[u8]) {
    let Ok(value) = serde_json::from_slice::<serde_json::Value>(data) else {
        return;
    };
    let Ok(canonical) = to_canonical_bytes(&value) else {
        return;
    };
    let again: serde_json::Value =
        serde_json::from_slice(&canonical).expect("canonical JSON is JSON");
    let twice = to_canonical_bytes(&again).expect("canonical JSON canonicalizes");
    assert_eq!(
        String::from_utf8_lossy(&twice),
        String::from_utf8_lossy(&canonical),
        "canonical JSON is not a fixed point"
    );
}

// ---------------------------------------------------------------------------------------------
// Keys

/// Whether `KeyDerivation::derive` must refuse `kdf` before deriving (the limits it promises).
fn kdf_refused(kdf: &KeyDerivation) -> bool {
    match kdf {
        KeyDerivation::Scrypt { n, r, p, salt } => {
            let memory = 128u64.saturating_mul(*n).saturating_mul(*r);
            salt.len() > limits::MAX_KDF_SALT_SIZE
                || *n < 2
                || !n.is_power_of_two()
                || *r == 0
                || *p == 0
                || *p > limits::MAX_SCRYPT_P
                || memory > limits::MAX_SCRYPT_MEMORY_BYTES
        }
        KeyDerivation::Pbkdf2 { iter, salt } => {
            salt.len() > limits::MAX_KDF_SALT_SIZE
                || *iter == 0
                || *iter > limits::MAX_PBKDF2_ITERATIONS
        }
    }
}

/// Whether deriving with `kdf` is cheap enough to do on every fuzz input (a few ms at most).
fn kdf_cheap(kdf: &KeyDerivation) -> bool {
    match kdf {
        KeyDerivation::Scrypt { n, r, p, .. } => n.saturating_mul(*r).saturating_mul(*p) <= 1 << 14,
        KeyDerivation::Pbkdf2 { iter, .. } => *iter <= 4096,
    }
}

/// A key file: parse, serialize and parse again, unwrap. Parameters past the limits must be
/// refused before any derivation (a refusal is instant; a derivation at those costs would hit the
/// fuzzer's timeout or memory limit). Legal but costly parameters (PBS's own n = 2^16) are not
/// derived here: B6 and the vector tests run those.
pub fn keyfile_parse(data: &[u8]) {
    let Ok(config) = KeyConfig::parse(data) else {
        return;
    };
    let _ = format!("{config:?}");
    let json = config.to_json().expect("a parsed key file serializes");
    assert_eq!(
        KeyConfig::parse(json.as_bytes()).ok().as_ref(),
        Some(&config),
        "a key file changes when written and read again"
    );
    let _ = config.to_json_pretty();
    let derive = match &config.kdf {
        None => true,
        // Refused for its length before deriving.
        Some(_) if config.data.len() != 64 => true,
        Some(kdf) => kdf_refused(kdf) || kdf_cheap(kdf),
    };
    if derive {
        let result = config.decrypt(KEY_PASSPHRASE);
        if let Some(kdf) = &config.kdf {
            if kdf_refused(kdf) {
                assert!(
                    result.is_err(),
                    "KDF parameters past the limits were accepted"
                );
            }
        }
    }
}

/// The paperkey of a key file or PEM text (`key paperkey`): the text and HTML pages with their
/// QR codes (pbsh's own encoder, `format::qr`).
pub fn paperkey_render(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let _ = paperkey::paperkey_text(text, Some("fuzz"));
    let _ = paperkey::paperkey_html(text, None);
}

// ---------------------------------------------------------------------------------------------
// Catalog

/// A whole `catalog.pcat1`: walk, dump, find, and look every walked path up again.
pub fn catalog_read(data: &[u8]) {
    let Ok(reader) = CatalogReader::new(data) else {
        return;
    };
    let _ = reader.read_dir(&reader.root());
    let mut paths = Vec::new();
    let walked = reader.walk(|path, _entry| {
        if paths.len() < 64 {
            paths.push(path.to_vec());
        }
        Ok(())
    });
    let _ = reader.dump(&mut std::io::sink());
    let found = reader.find("**");
    if walked.is_ok() {
        let found = found.expect("find fails on a catalog walk reads");
        assert!(found.len() >= paths.len());
        for path in &paths {
            let entry = reader
                .lookup_path(path)
                .expect("a walked path looks up without error");
            assert!(
                entry.is_some(),
                "walked path {:?} is not found",
                String::from_utf8_lossy(path)
            );
        }
    }
    let _ = reader.lookup_path(b"root.pxar.didx/a/b");
}

// ---------------------------------------------------------------------------------------------
// pxar

/// A pxar stream (unified, or the metadata stream of a split archive) read sequentially with
/// every file's contents read through `read_payload`.
pub fn pxar_decode(data: &[u8]) {
    let mut decoder = Decoder::new(data);
    let mut buf = [0u8; 4096];
    let mut last_position = 0;
    loop {
        match decoder.next_entry() {
            Ok(Some(entry)) => {
                assert!(
                    decoder.position() > last_position || last_position == 0,
                    "an entry consumed no input"
                );
                last_position = decoder.position();
                let _ = entry.path_lossy();
                if let EntryKind::File {
                    size, split: false, ..
                } = entry.kind
                {
                    let mut total = 0u64;
                    loop {
                        match decoder.read_payload(&mut buf) {
                            Ok(0) => {
                                assert_eq!(total, size, "read_payload ended early");
                                break;
                            }
                            Ok(n) => total += n as u64,
                            Err(_) => break,
                        }
                    }
                    assert!(total <= size);
                }
            }
            Ok(None) => {
                assert!(matches!(decoder.next_entry(), Ok(None)));
                break;
            }
            Err(_) => break,
        }
    }
    let _ = (decoder.format_version(), decoder.prelude());
}

/// A unified pxar archive through the random-access accessor.
pub fn pxar_accessor(data: &[u8]) {
    if let Ok(accessor) = Accessor::new(data.to_vec()) {
        walk_accessor(&accessor);
    }
}

/// A split archive: `u32 LE metadata length`, the `.mpxar`, then the `.ppxar`.
pub fn pxar_accessor_split(data: &[u8]) {
    let Some((len, rest)) = data.split_first_chunk::<4>() else {
        return;
    };
    let len = (u32::from_le_bytes(*len) as usize).min(rest.len());
    let (metadata, payload) = rest.split_at(len);
    pxar_decode(metadata);
    if let Ok(accessor) = Accessor::new_split(metadata.to_vec(), payload.to_vec()) {
        walk_accessor(&accessor);
    }
}

/// Visits at most 256 entries from the root: every directory listed and each child looked up
/// by name, every hard link resolved, every file read (up to 64 KiB), and a few paths.
fn walk_accessor<R: ReadAt>(accessor: &Accessor<R>) {
    let Ok(root) = accessor.root() else {
        return;
    };
    let mut budget = 256usize;
    let mut pending = vec![root];
    let mut buf = [0u8; 4096];
    while let Some(entry) = pending.pop() {
        match &entry.entry.kind {
            EntryKind::Directory => {
                let Ok(dir) = accessor.open_dir(&entry) else {
                    continue;
                };
                let Ok(children) = accessor.read_dir(&dir) else {
                    continue;
                };
                for child in children {
                    let _ = accessor.lookup_child(&dir, child.name());
                    if budget == 0 {
                        break;
                    }
                    budget -= 1;
                    pending.push(child);
                }
            }
            EntryKind::File { size, .. } => {
                let mut offset = 0u64;
                while offset < (*size).min(64 * 1024) {
                    match accessor.read_file_at(&entry, &mut buf, offset) {
                        Ok(0) | Err(_) => break,
                        Ok(n) => offset += n as u64,
                    }
                }
                assert!(offset <= *size, "read past the end of a file");
            }
            EntryKind::Hardlink { .. } => {
                let _ = accessor.resolve_hardlink(&entry);
            }
            _ => {}
        }
        let _ = accessor.lookup(&entry.entry.path);
    }
    let _ = accessor.lookup(b"/a/./b/");
    let _ = accessor.lookup(b"../x");
}

// ---------------------------------------------------------------------------------------------
// Names and repository strings

/// `--repository` strings: anything is Ok or a one-line error; `parse(display(x)) == x`.
pub fn repo_string(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    match RemoteRepo::parse(text) {
        Ok(repo) => {
            let shown = repo.to_string();
            assert_eq!(
                RemoteRepo::parse(&shown).as_ref(),
                Ok(&repo),
                "{text:?} is shown as {shown:?}, which parses differently"
            );
            let _ = (
                repo.authority(),
                repo.bare_host(),
                repo.prompt(),
                repo.user(),
            );
            assert_eq!(repo.is_token(), repo.auth_id().contains('!'));
        }
        Err(e) => assert!(!e.to_string().contains('\n'), "error of more than one line"),
    }
}

/// Namespaces, groups, snapshots and backup times as the server and the shell take them.
pub fn backup_names(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(ns) = Namespace::parse(text) {
        assert!(ns.depth() <= pbsh::repo::types::MAX_NAMESPACE_DEPTH);
        assert_eq!(Namespace::parse(&ns.to_string()).ok().as_ref(), Some(&ns));
        let _ = (ns.rel_path(), ns.parent());
    }
    if let Ok(group) = BackupGroup::parse(text) {
        assert_eq!(
            BackupGroup::parse(&group.to_string()).ok().as_ref(),
            Some(&group)
        );
        let path = group.rel_path();
        assert!(
            path.components().count() == 2
                && path
                    .components()
                    .all(|c| matches!(c, std::path::Component::Normal(_))),
            "group {group} has the path {path:?}"
        );
    }
    if let Ok(snapshot) = SnapshotRef::parse(text) {
        assert_eq!(
            SnapshotRef::parse(&snapshot.to_string()).ok().as_ref(),
            Some(&snapshot)
        );
        let _ = snapshot.rel_path();
    }
    if let Ok(time) = parse_backup_time(text) {
        assert_eq!(
            parse_backup_time(&format_backup_time(time)).ok(),
            Some(time)
        );
    }
    let _ = BackupType::parse(text);
}

// ---------------------------------------------------------------------------------------------
// Server requests

/// Parameter names the handlers read.
const PARAM_KEYS: &[&str] = &[
    "store",
    "ns",
    "backup-type",
    "backup-id",
    "backup-time",
    "digest",
    "wid",
    "size",
    "archive-name",
    "file-name",
    "benchmark",
    "limit",
    "start",
    "digest-list",
    "offset-list",
    "running",
];

/// REST parameters: `mode` byte, then `query NUL body`; mode 0 a query string, 1 a JSON body,
/// 2 a form body plus query string. Every accessor a handler uses, with its promises.
pub fn api_params(data: &[u8]) {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    let (query, body) = split_nul(rest);
    let params = match mode % 3 {
        0 => Params::from_query(query),
        1 => match Params::from_json(body) {
            Ok(p) => p,
            Err(_) => return,
        },
        _ => match Params::from_body(false, query, body) {
            Ok(p) => p,
            Err(_) => return,
        },
    };
    exercise_params(&params);
}

fn exercise_params(p: &Params) {
    for key in PARAM_KEYS {
        let _ = p.opt_str(key);
        let _ = p.str(key);
        if let Ok(Some(v)) = p.opt_int(key, -5, 1 << 40) {
            assert!((-5..=1 << 40).contains(&v));
        }
        let _ = p.int(key, i64::MIN, i64::MAX);
        let _ = p.opt_bool(key);
        let _ = p.list(key);
    }
    let _ = p.allow(PARAM_KEYS);
    let _ = p.ns("ns");
    let _ = p.group();
    let _ = p.snapshot();
    if let Ok(digest) = p.digest("digest") {
        assert_eq!(p.str("digest").ok(), Some(digest.to_hex().as_str()));
    }
}

/// The backup and reader protocols' calls: `selector`, then `query NUL body`. The selector's low
/// four bits pick the call, bit 7 JSON (else form) for a parameter body, bit 6 fixed (else
/// dynamic) for `close`; chunk and blob uploads take their description from the query and check
/// the body as the server does.
pub fn protocol_requests(data: &[u8]) {
    let Some((&selector, rest)) = data.split_first() else {
        return;
    };
    let (query, body) = split_nul(rest);
    let query_params = Params::from_query(query);
    let call = Params::from_body(selector & 0x80 != 0, query, body);
    match selector & 0x0f {
        0 => {
            if let Ok(call) = call {
                let _ = backup_protocol::parse_previous(&call);
            }
        }
        1 => {
            if let Ok(name) = call.and_then(|c| backup_protocol::parse_dynamic_index(&c)) {
                assert!(name.ends_with(".didx") && !name.contains('/'));
            }
        }
        2 => {
            if let Ok(r) = call.and_then(|c| backup_protocol::parse_fixed_index(&c)) {
                assert!(r.name.ends_with(".fidx") && !r.name.contains('/'));
                assert!(r.size >= 1);
            }
        }
        3 => {
            if let Ok(r) = call.and_then(|c| backup_protocol::parse_append(&c)) {
                assert!((1..=256).contains(&r.wid));
            }
        }
        4 => {
            if let Ok(r) = call.and_then(|c| backup_protocol::parse_close(&c, selector & 0x40 != 0))
            {
                assert!(r.csum.chars().all(|c| !c.is_ascii_uppercase()));
            }
        }
        5 => {
            let upload = backup_protocol::parse_chunk_upload(&query_params);
            let (digest, size) = match &upload {
                Ok(u) => {
                    assert!(u.size >= 1 && u.size <= limits::MAX_CHUNK_SIZE as u64);
                    (u.digest, u.size)
                }
                Err(_) => (ChunkDigest::of_plain(b""), 1),
            };
            if let Ok(stored) = backup_protocol::check_chunk_body(body, &digest, size) {
                assert_eq!(stored.len(), body.len());
                blob::check_header_and_crc(&stored).expect("a stored chunk has a valid CRC");
            }
        }
        6 => {
            let name = match backup_protocol::parse_blob_upload(&query_params) {
                Ok(u) => {
                    assert!(u.name.ends_with(".blob") && !u.name.contains('/'));
                    u.name
                }
                Err(_) => "index.json.blob".to_string(),
            };
            let _ = backup_protocol::check_blob_body(&name, body);
        }
        7 => {
            if let Ok(name) = reader_protocol::parse_download(&query_params) {
                assert!(!name.contains('/') && !name.starts_with('.'));
            }
        }
        8 => {
            let _ = reader_protocol::parse_chunk(&query_params);
        }
        _ => exercise_params(&query_params),
    }
}

/// UPIDs from URLs and the task archive: parse; a parsed UPID's text parses to the same UPID.
pub fn upid_parse(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Some(upid) = Upid::parse(text) {
        let again = Upid::parse(&upid.to_text());
        assert_eq!(again.as_ref(), Some(&upid), "{text:?}");
    }
}

/// The server's auth state in a private directory (one per process).
fn auth_config() -> &'static AuthConfig {
    static AUTH: OnceLock<AuthConfig> = OnceLock::new();
    AUTH.get_or_init(|| {
        let dir = std::env::temp_dir().join(format!("pbsh-fuzz-auth-{}", std::process::id()));
        AuthConfig::open(&dir, 7200).expect("auth config in the temp dir")
    })
}

/// Tickets, CSRF tokens, cookies and API token headers: arbitrary text is refused without a
/// panic; a ticket and CSRF token issued for a valid user id verify as that user.
pub fn ticket_verify(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let auth = auth_config();
    let now = 1_790_000_000;
    let _ = auth.verify_ticket(text, now);
    let _ = auth.verify_csrf(text, "root@pam", now);
    let _ = auth::extract_cookie(text);
    let _ = auth.principal_from_token(text);
    let _ = auth.principal_from_ticket(text, now);
    let _ = auth::check_tokenid(text);
    if auth::check_userid(text).is_ok() {
        let ticket = auth.make_ticket(text, now).expect("a ticket");
        assert_eq!(auth.verify_ticket(&ticket, now + 60).as_deref(), Ok(text));
        assert!(auth.verify_ticket(&ticket, now + 7201).is_err());
        let csrf = auth.make_csrf(text, now).expect("a CSRF token");
        assert!(auth.verify_csrf(&csrf, text, now));
    }
}
