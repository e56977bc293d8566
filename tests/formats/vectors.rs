//! Golden vectors written by PBS 3.2.4's own tools: pbsh must read every one of them.
#![allow(clippy::disallowed_macros)] // tests print freely

use crate::common;

use pbsh::format::blob::{self, BlobKind};
use pbsh::format::crypt::CryptConfig;
use pbsh::format::digest::{sha256, ChunkDigest};
use pbsh::format::index::{check_against_manifest, DynamicIndex, FixedIndex};
use pbsh::format::keyfile::KeyConfig;
use pbsh::format::limits;
use pbsh::format::manifest::{CryptMode, Manifest};
use pbsh::format::master_key;
use serde_json::Value;
use std::collections::HashMap;
use std::path::{Path, PathBuf};

const SNAPSHOTS: [&str; 2] = [
    "host/vec-plain/2026-09-21T14:13:20Z",
    "host/vec-enc/2026-09-21T14:15:00Z",
];

fn key_none(v: &Path) -> CryptConfig {
    let config = KeyConfig::parse(&std::fs::read(v.join("keys/key-none.json")).unwrap()).unwrap();
    CryptConfig::new(*config.decrypt(b"").unwrap()).unwrap()
}

fn chunk_path(v: &Path, digest: &ChunkDigest) -> PathBuf {
    v.join("datastore/.chunks")
        .join(digest.prefix_dir())
        .join(digest.to_hex())
}

fn read_manifest(v: &Path, snapshot: &str, crypt: Option<&CryptConfig>) -> Manifest {
    let raw = std::fs::read(v.join("datastore").join(snapshot).join("index.json.blob")).unwrap();
    let json = blob::decode(&raw, None, limits::MAX_MANIFEST_SIZE).unwrap();
    let manifest = Manifest::parse(&json).unwrap();
    manifest.verify(crypt).unwrap();
    manifest
}

/// Reassembles an archive from its chunks, checking every chunk on the way.
fn read_archive(v: &Path, digests: &[ChunkDigest], crypt: Option<&CryptConfig>) -> Vec<u8> {
    let mut out = Vec::new();
    for d in digests {
        let raw = std::fs::read(chunk_path(v, d)).unwrap();
        out.extend_from_slice(&blob::decode_chunk(&raw, crypt, d).unwrap());
    }
    out
}

#[test]
fn every_vector_chunk_decodes_and_hashes_to_its_name() {
    let Some(v) = common::vectors_dir() else {
        return;
    };
    let crypt = key_none(&v);
    let mut kinds: HashMap<String, usize> = HashMap::new();
    let mut count = 0;
    for prefix in std::fs::read_dir(v.join("datastore/.chunks")).unwrap() {
        let prefix = prefix.unwrap();
        for chunk in std::fs::read_dir(prefix.path()).unwrap() {
            let chunk = chunk.unwrap();
            let name = chunk.file_name().into_string().unwrap();
            let digest = ChunkDigest::parse_hex(&name).expect("chunk file name is a digest");
            assert_eq!(
                digest.prefix_dir(),
                prefix.file_name().into_string().unwrap()
            );
            let raw = std::fs::read(chunk.path()).unwrap();
            let kind = blob::check_header_and_crc(&raw).unwrap();
            *kinds.entry(format!("{kind:?}")).or_default() += 1;
            blob::decode_chunk(&raw, Some(&crypt), &digest)
                .unwrap_or_else(|e| panic!("chunk {name}: {e}"));
            if kind.is_encrypted() {
                let err = blob::decode_chunk(&raw, None, &digest).unwrap_err();
                assert!(err.to_string().contains("no key"), "{err}");
            }
            count += 1;
        }
    }
    assert!(count > 0, "no chunks found");
    assert!(
        kinds.keys().any(|k| k.contains("Encrypted")),
        "expected encrypted chunks: {kinds:?}"
    );
    assert!(
        kinds.keys().any(|k| !k.contains("Encrypted")),
        "expected plain chunks: {kinds:?}"
    );
    eprintln!("checked {count} chunks: {kinds:?}");
}

#[test]
fn index_checksums_and_blob_checksums_match_their_manifests() {
    let Some(v) = common::vectors_dir() else {
        return;
    };
    let crypt = key_none(&v);
    for snapshot in SNAPSHOTS {
        let manifest = read_manifest(&v, snapshot, Some(&crypt));
        assert!(!manifest.files.is_empty());
        for file in &manifest.files {
            let raw =
                std::fs::read(v.join("datastore").join(snapshot).join(&file.filename)).unwrap();
            let what = format!("{snapshot}/{}", file.filename);
            if file.filename.ends_with(".didx") {
                let index = DynamicIndex::decode(&raw).unwrap();
                check_against_manifest(&what, index.compute_csum(), &file.csum, file.size).unwrap();
            } else if file.filename.ends_with(".fidx") {
                let index = FixedIndex::decode(&raw).unwrap();
                assert_eq!(index.chunk_size, 4 * 1024 * 1024);
                check_against_manifest(&what, index.compute_csum(), &file.csum, file.size).unwrap();
            } else {
                assert_eq!(raw.len() as u64, file.size, "{what}");
                assert_eq!(hex::encode(sha256(&raw)), file.csum, "{what}");
                blob::check_header_and_crc(&raw).unwrap();
            }
        }
    }
}

#[test]
fn encrypted_manifest_signature_verifies_and_refuses_other_keys() {
    let Some(v) = common::vectors_dir() else {
        return;
    };
    let crypt = key_none(&v);
    let manifest = read_manifest(&v, SNAPSHOTS[1], Some(&crypt));
    assert!(manifest.signature.is_some());
    assert_eq!(
        manifest.key_fingerprint(),
        Some(crypt.fingerprint().to_full_string().as_str())
    );
    assert!(manifest
        .files
        .iter()
        .all(|f| f.crypt_mode == CryptMode::Encrypt));
    let other = CryptConfig::new([0u8; 32]).unwrap();
    assert!(manifest
        .verify(Some(&other))
        .unwrap_err()
        .to_string()
        .contains("wrong key"));
    assert!(manifest
        .verify(None)
        .unwrap_err()
        .to_string()
        .contains("missing key"));
    let mut tampered = manifest.clone();
    tampered.files[0].size += 1;
    assert!(tampered
        .verify(Some(&crypt))
        .unwrap_err()
        .to_string()
        .contains("signature mismatch"));
}

#[test]
fn rsa_encrypted_key_blob_opens_with_the_master_key() {
    let Some(v) = common::vectors_dir() else {
        return;
    };
    let raw = std::fs::read(
        v.join("datastore")
            .join(SNAPSHOTS[1])
            .join("rsa-encrypted.key.blob"),
    )
    .unwrap();
    assert_eq!(
        blob::check_header_and_crc(&raw).unwrap(),
        BlobKind::Uncompressed
    );
    let sealed = blob::decode(&raw, None, limits::MAX_KEY_FILE_SIZE).unwrap();
    assert_eq!(sealed.len(), 512, "4096-bit RSA ciphertext");
    let pem = std::fs::read(v.join("keys/master-private.pem")).unwrap();
    let recovered = master_key::decrypt_key_config(&pem, b"master-pass", &sealed).unwrap();
    let original = KeyConfig::parse(&std::fs::read(v.join("keys/key-none.json")).unwrap()).unwrap();
    assert_eq!(
        *recovered.decrypt(b"").unwrap(),
        *original.decrypt(b"").unwrap()
    );
    assert_eq!(recovered.fingerprint, original.fingerprint);
    assert!(master_key::decrypt_key_config(&pem, b"wrong-pass", &sealed).is_err());
    let public = std::fs::read(v.join("keys/master-public.pem")).unwrap();
    assert_eq!(master_key::public_key_info(&public).unwrap().bits, 4096);
}

#[test]
fn scrypt_key_file_unwraps_with_its_passphrase() {
    let Some(v) = common::vectors_dir() else {
        return;
    };
    let config = KeyConfig::parse(&std::fs::read(v.join("keys/key-scrypt.json")).unwrap()).unwrap();
    let key = config.decrypt(b"pbsh-vector").unwrap();
    let show: Value =
        serde_json::from_slice(&std::fs::read(v.join("keys/key-scrypt.show.json")).unwrap())
            .unwrap();
    assert_eq!(
        CryptConfig::new(*key)
            .unwrap()
            .fingerprint()
            .to_full_string(),
        show["fingerprint"]
    );
    let err = config
        .decrypt(b"not-the-passphrase")
        .unwrap_err()
        .to_string();
    assert!(err.contains("wrong passphrase"), "{err}");
}

#[test]
fn key_show_prints_what_pbs_printed() {
    let Some(v) = common::vectors_dir() else {
        return;
    };
    let home = tempfile::tempdir().unwrap();
    for name in ["key-none", "key-scrypt"] {
        let out = common::pbsh(
            &v.join("keys"),
            home.path(),
            &[
                "key",
                "show",
                "--output-format",
                "json",
                &format!("{name}.json"),
            ],
            &[],
        );
        assert!(out.status.success(), "{}", common::stderr(&out));
        let ours: Value = serde_json::from_str(&common::stdout(&out)).unwrap();
        let theirs: Value = serde_json::from_slice(
            &std::fs::read(v.join(format!("keys/{name}.show.json"))).unwrap(),
        )
        .unwrap();
        assert_eq!(ours, theirs, "{name}");
        let text = common::pbsh(
            &v.join("keys"),
            home.path(),
            &["key", "show", &format!("{name}.json")],
            &[],
        );
        let text = common::stdout(&text);
        assert!(text.contains("│ fingerprint │ "), "{text}");
        assert!(text.contains("Tue Nov 24 00:47:49 2026"), "{text}");
    }
}

#[test]
fn key_paperkey_prints_pbs_text_byte_for_byte() {
    let Some(v) = common::vectors_dir() else {
        return;
    };
    let home = tempfile::tempdir().unwrap();
    for name in ["key-none", "key-scrypt"] {
        let out = common::pbsh(
            &v.join("keys"),
            home.path(),
            &[
                "key",
                "paperkey",
                "--output-format",
                "text",
                &format!("{name}.json"),
            ],
            &[],
        );
        assert!(out.status.success(), "{}", common::stderr(&out));
        let ours = common::stdout(&out);
        let theirs =
            String::from_utf8(std::fs::read(v.join(format!("keys/{name}.paperkey.txt"))).unwrap())
                .unwrap();
        // PBS's machine had no qrencode, so its file ends where the QR code would start.
        let end = "-----END PROXMOX BACKUP KEY-----\n";
        let theirs_text = &theirs[..theirs.find(end).unwrap() + end.len()];
        assert!(
            ours.starts_with(theirs_text),
            "ours:\n{ours}\ntheirs:\n{theirs_text}"
        );
        let qr = &ours[theirs_text.len()..];
        assert!(
            qr.lines().count() > 10 && qr.contains('\u{2588}'),
            "QR code follows: {qr}"
        );
    }
}

#[test]
fn image_and_pxar_archives_reassemble_from_both_snapshots() {
    let Some(v) = common::vectors_dir() else {
        return;
    };
    let crypt = key_none(&v);
    let tree_pxar = std::fs::read(v.join("pxar/tree.pxar")).unwrap();
    let mut images = Vec::new();
    for snapshot in SNAPSHOTS {
        let dir = v.join("datastore").join(snapshot);
        let didx =
            DynamicIndex::decode(&std::fs::read(dir.join("root.pxar.didx")).unwrap()).unwrap();
        let pxar = read_archive(&v, didx.digests(), Some(&crypt));
        assert_eq!(pxar.len() as u64, didx.size());
        // The same tree archived by `pxar create` and by the backup client: identical streams.
        assert_eq!(
            sha256(&pxar),
            sha256(&tree_pxar),
            "{snapshot}: root.pxar differs from tree.pxar"
        );
        let fidx = FixedIndex::decode(&std::fs::read(dir.join("disk.img.fidx")).unwrap()).unwrap();
        let image = read_archive(&v, fidx.digests(), Some(&crypt));
        assert_eq!(image.len(), 9_449_529);
        assert!(image[5 * 1024 * 1024..].iter().all(|b| *b == 0));
        images.push(image);
    }
    assert_eq!(sha256(&images[0]), sha256(&images[1]));
    // The image's first 5 MiB are Python's random.Random(7).randbytes(5 MiB) (vectors README).
    if let Ok(out) = std::process::Command::new("python3")
        .args([
            "-c",
            "import random,sys; sys.stdout.buffer.write(random.Random(7).randbytes(5*1024*1024))",
        ])
        .output()
    {
        if out.status.success() {
            assert_eq!(sha256(&images[0][..5 * 1024 * 1024]), sha256(&out.stdout));
        }
    }
}

#[test]
fn snapshot_list_json_agrees_with_the_manifests() {
    let Some(v) = common::vectors_dir() else {
        return;
    };
    let list: Value =
        serde_json::from_slice(&std::fs::read(v.join("datastore/snapshot-list.json")).unwrap())
            .unwrap();
    let crypt = key_none(&v);
    for snapshot in SNAPSHOTS {
        let manifest = read_manifest(&v, snapshot, Some(&crypt));
        let entry = list
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["backup-id"] == manifest.backup_id.as_str())
            .unwrap();
        assert_eq!(entry["backup-time"], manifest.backup_time);
        assert_eq!(entry["backup-type"], manifest.backup_type.as_str());
        for listed in entry["files"].as_array().unwrap() {
            let name = listed["filename"].as_str().unwrap();
            let size = listed["size"].as_u64().unwrap();
            match manifest.file(name) {
                Some(f) => {
                    assert_eq!(f.size, size, "{name}");
                    assert_eq!(f.crypt_mode.as_str(), listed["crypt-mode"], "{name}");
                }
                None => {
                    assert_eq!(name, "index.json.blob");
                    let raw = std::fs::read(v.join("datastore").join(snapshot).join(name)).unwrap();
                    assert_eq!(raw.len() as u64, size);
                }
            }
        }
    }
}

#[test]
fn pbsh_chunker_cuts_the_vector_archives_where_pbs_cut_them() {
    let Some(v) = common::vectors_dir() else {
        return;
    };
    let crypt = key_none(&v);
    let dir = v.join("datastore").join(SNAPSHOTS[0]);
    for (archive, avg) in [
        ("root.pxar.didx", 4 * 1024 * 1024),
        ("catalog.pcat1.didx", 512 * 1024),
    ] {
        let didx = DynamicIndex::decode(&std::fs::read(dir.join(archive)).unwrap()).unwrap();
        let stream = read_archive(&v, didx.digests(), Some(&crypt));
        let mut chunker = pbsh::format::chunker::Chunker::new(avg).unwrap();
        let ours = pbsh::format::chunker::cut_points(&mut chunker, &stream);
        let theirs: Vec<usize> = (0..didx.chunk_count())
            .map(|i| didx.chunk_range(i).unwrap().1 as usize)
            .collect();
        assert_eq!(ours, theirs, "{archive}");
    }
}

#[test]
fn manifests_and_indexes_re_encode_byte_for_byte() {
    let Some(v) = common::vectors_dir() else {
        return;
    };
    let crypt = key_none(&v);
    for snapshot in SNAPSHOTS {
        let dir = v.join("datastore").join(snapshot);
        let raw = std::fs::read(dir.join("index.json.blob")).unwrap();
        let json = blob::decode(&raw, None, limits::MAX_MANIFEST_SIZE).unwrap();
        let manifest = Manifest::parse(&json).unwrap();
        assert_eq!(
            String::from_utf8(manifest.to_json_bytes().unwrap()).unwrap(),
            String::from_utf8(json).unwrap()
        );
        if manifest.signature.is_some() {
            let mut resigned = manifest.clone();
            resigned.sign(&crypt).unwrap();
            assert_eq!(
                resigned, manifest,
                "{snapshot}: same signature and fingerprint"
            );
        }
        let didx_raw = std::fs::read(dir.join("root.pxar.didx")).unwrap();
        let didx = DynamicIndex::decode(&didx_raw).unwrap();
        let entries: Vec<(u64, ChunkDigest)> = (0..didx.chunk_count())
            .map(|i| (didx.chunk_range(i).unwrap().1, *didx.digest(i).unwrap()))
            .collect();
        let rebuilt = pbsh::format::index::encode_dynamic(
            &didx.header.uuid,
            didx.header.ctime_epoch_secs,
            &entries,
        );
        assert!(
            rebuilt == didx_raw,
            "{snapshot}: didx re-encodes identically"
        );
        let fidx_raw = std::fs::read(dir.join("disk.img.fidx")).unwrap();
        let fidx = FixedIndex::decode(&fidx_raw).unwrap();
        let rebuilt = pbsh::format::index::encode_fixed(
            &fidx.header.uuid,
            fidx.header.ctime_epoch_secs,
            fidx.size,
            fidx.chunk_size,
            fidx.digests(),
        );
        assert!(
            rebuilt == fidx_raw,
            "{snapshot}: fidx re-encodes identically"
        );
    }
}

#[test]
fn plain_chunks_re_encode_to_the_same_digest_and_kind() {
    let Some(v) = common::vectors_dir() else {
        return;
    };
    let dir = v.join("datastore").join(SNAPSHOTS[0]);
    let fidx = FixedIndex::decode(&std::fs::read(dir.join("disk.img.fidx")).unwrap()).unwrap();
    for d in fidx.digests() {
        let raw = std::fs::read(chunk_path(&v, d)).unwrap();
        let plain = blob::decode_chunk(&raw, None, d).unwrap();
        let ours = blob::encode(&plain, None, true).unwrap();
        assert_eq!(
            blob::check_header_and_crc(&ours).unwrap(),
            blob::check_header_and_crc(&raw).unwrap()
        );
        assert_eq!(blob::decode_chunk(&ours, None, d).unwrap(), plain);
        // Byte for byte: the same zstd frame PBS writes (stream of unknown size, level 1).
        assert!(
            ours == raw,
            "chunk {} re-encodes to other bytes",
            d.to_hex()
        );
    }
    // The manifest blob the server stored (compressed pretty JSON) re-encodes identically.
    let raw = std::fs::read(dir.join("index.json.blob")).unwrap();
    let json = blob::decode(&raw, None, 1 << 20).unwrap();
    assert!(
        blob::encode(&json, None, true).unwrap() == raw,
        "index.json.blob"
    );
}
