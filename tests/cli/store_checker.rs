//! The independent datastore checker (tests/checker) against the golden datastore written by
//! real PBS, and against corrupted copies of it.
#![allow(clippy::disallowed_macros)] // tests print freely

use crate::checker;
use crate::common;

use sha2::{Digest, Sha256};
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

const PLAIN_SNAPSHOT: &str = "host/vec-plain/2026-09-21T14:13:20Z";
const ENC_SNAPSHOT: &str = "host/vec-enc/2026-09-21T14:15:00Z";

fn golden_store() -> Option<PathBuf> {
    common::vectors_dir().map(|v| v.join("datastore"))
}

/// `cp -a` of the golden datastore into a temp dir, made writable.
fn copy_store() -> Option<(tempfile::TempDir, PathBuf)> {
    let src = golden_store()?;
    let tmp = tempfile::tempdir().unwrap();
    let dst = tmp.path().join("store");
    let status = std::process::Command::new("cp")
        .arg("-a")
        .arg(&src)
        .arg(&dst)
        .status()
        .unwrap();
    assert!(status.success());
    let status = std::process::Command::new("chmod")
        .args(["-R", "u+w"])
        .arg(&dst)
        .status()
        .unwrap();
    assert!(status.success());
    Some((tmp, dst))
}

/// Every regular file below `dir`, sorted.
fn files_below(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let e = e.unwrap();
            let ty = e.file_type().unwrap();
            if ty.is_dir() {
                stack.push(e.path());
            } else if ty.is_file() {
                out.push(e.path());
            }
        }
    }
    out.sort();
    out
}

/// Path, size, mode, mtime and ctime of everything below `dir` (atime may change on reads).
fn tree_state(dir: &Path) -> Vec<(PathBuf, u64, u32, i64, i64, i64, i64)> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let e = e.unwrap();
            let m = e.metadata().unwrap();
            out.push((
                e.path(),
                m.len(),
                m.mode(),
                m.mtime(),
                m.mtime_nsec(),
                m.ctime(),
                m.ctime_nsec(),
            ));
            if m.is_dir() {
                stack.push(e.path());
            }
        }
    }
    out.sort();
    out
}

fn chunk_files(store: &Path) -> Vec<PathBuf> {
    files_below(&store.join(".chunks"))
}

/// The first chunk file whose blob magic is one of the given ones.
fn chunk_with_magic(store: &Path, magics: &[[u8; 8]]) -> PathBuf {
    chunk_files(store)
        .into_iter()
        .find(|p| {
            let data = std::fs::read(p).unwrap();
            magics.iter().any(|m| data.starts_with(m))
        })
        .expect("a chunk with the wanted magic")
}

fn file_name(p: &Path) -> String {
    p.file_name().unwrap().to_string_lossy().into_owned()
}

fn expect_errors(store: &Path) -> Vec<String> {
    match checker::check_datastore(store) {
        Ok(report) => panic!("expected errors, got a clean report: {report:#?}"),
        Err(errors) => {
            for e in &errors {
                eprintln!("error: {e}");
            }
            errors
        }
    }
}

fn expect_clean(store: &Path) -> checker::Report {
    match checker::check_datastore(store) {
        Ok(report) => report,
        Err(errors) => panic!("unexpected errors:\n{}", errors.join("\n")),
    }
}

fn assert_some_error(errors: &[String], needles: &[&str]) {
    assert!(
        errors.iter().any(|e| needles.iter().all(|n| e.contains(n))),
        "no error contains all of {needles:?}; errors:\n{}",
        errors.join("\n")
    );
}

/// Rewrites a blob's CRC after its payload was edited.
fn fix_crc(data: &mut [u8]) {
    let header = if data.starts_with(&checker::ENCRYPTED_BLOB_MAGIC)
        || data.starts_with(&checker::ENCR_COMPR_BLOB_MAGIC)
    {
        44
    } else {
        12
    };
    let crc = crc32fast::hash(&data[header..]);
    data[8..12].copy_from_slice(&crc.to_le_bytes());
}

#[test]
fn magics_are_sha256_prefixes_of_their_names() {
    for (name, magic) in [
        (
            "Proxmox Backup uncompressed blob v1.0",
            checker::UNCOMPRESSED_BLOB_MAGIC,
        ),
        (
            "Proxmox Backup zstd compressed blob v1.0",
            checker::COMPRESSED_BLOB_MAGIC,
        ),
        (
            "Proxmox Backup encrypted blob v1.0",
            checker::ENCRYPTED_BLOB_MAGIC,
        ),
        (
            "Proxmox Backup zstd compressed encrypted blob v1.0",
            checker::ENCR_COMPR_BLOB_MAGIC,
        ),
        (
            "Proxmox Backup fixed sized chunk index v1.0",
            checker::FIXED_INDEX_MAGIC,
        ),
        (
            "Proxmox Backup dynamic sized chunk index v1.0",
            checker::DYNAMIC_INDEX_MAGIC,
        ),
    ] {
        assert_eq!(Sha256::digest(name.as_bytes())[..8], magic, "{name}");
    }
    assert_eq!(crc32fast::hash(b"hello world\n"), 0xaf08_3b2d);
}

#[test]
fn backup_time_formatting() {
    assert_eq!(checker::format_backup_time(0), "1970-01-01T00:00:00Z");
    assert_eq!(
        checker::format_backup_time(1_790_000_000),
        "2026-09-21T14:13:20Z"
    );
    assert_eq!(
        checker::format_backup_time(1_790_000_100),
        "2026-09-21T14:15:00Z"
    );
    assert_eq!(
        checker::format_backup_time(951_782_400),
        "2000-02-29T00:00:00Z"
    );
    assert_eq!(checker::format_backup_time(-1), "1969-12-31T23:59:59Z");
}

#[test]
fn golden_datastore_is_clean() {
    let Some(store) = golden_store() else { return };
    let before = tree_state(&store);
    let report = expect_clean(&store);
    eprintln!("{report:#?}");
    let chunk_count = chunk_files(&store).len();
    assert!(chunk_count > 0);
    assert_eq!(report.chunks, chunk_count);
    assert_eq!(report.snapshots, 2);
    // Each snapshot: root.pxar.didx, catalog.pcat1.didx, disk.img.fidx.
    assert_eq!(report.indexes, 6);
    // The vector store is trimmed to exactly the chunks its snapshots use.
    assert_eq!(report.referenced_chunks, chunk_count);
    assert!(
        report.notes.iter().all(|n| !n.contains("unfinished")),
        "{:?}",
        report.notes
    );
    // The checker only reads.
    assert_eq!(before, tree_state(&store));
}

#[test]
fn flipped_bit_in_unencrypted_chunk_is_reported() {
    let Some((_tmp, store)) = copy_store() else {
        return;
    };
    let chunk = chunk_with_magic(
        &store,
        &[
            checker::UNCOMPRESSED_BLOB_MAGIC,
            checker::COMPRESSED_BLOB_MAGIC,
        ],
    );
    let mut data = std::fs::read(&chunk).unwrap();
    let at = 12 + (data.len() - 12) / 2;
    data[at] ^= 0x10;
    std::fs::write(&chunk, &data).unwrap();
    let errors = expect_errors(&store);
    assert_some_error(&errors, &[&file_name(&chunk), "CRC mismatch"]);
    assert_eq!(errors.len(), 1, "{errors:?}");
}

#[test]
fn flipped_bit_with_recomputed_crc_fails_the_digest() {
    let Some((_tmp, store)) = copy_store() else {
        return;
    };
    let chunk = chunk_with_magic(
        &store,
        &[
            checker::UNCOMPRESSED_BLOB_MAGIC,
            checker::COMPRESSED_BLOB_MAGIC,
        ],
    );
    let mut data = std::fs::read(&chunk).unwrap();
    let at = data.len() - 100;
    data[at] ^= 0x01;
    fix_crc(&mut data);
    std::fs::write(&chunk, &data).unwrap();
    let errors = expect_errors(&store);
    assert_some_error(&errors, &[&file_name(&chunk), "corrupt chunk"]);
}

#[test]
fn flipped_bit_in_encrypted_chunk_fails_the_crc() {
    let Some((_tmp, store)) = copy_store() else {
        return;
    };
    let chunk = chunk_with_magic(
        &store,
        &[
            checker::ENCRYPTED_BLOB_MAGIC,
            checker::ENCR_COMPR_BLOB_MAGIC,
        ],
    );
    let mut data = std::fs::read(&chunk).unwrap();
    let last = data.len() - 1;
    data[last] ^= 0x80;
    std::fs::write(&chunk, &data).unwrap();
    let errors = expect_errors(&store);
    assert_some_error(&errors, &[&file_name(&chunk), "CRC mismatch"]);
}

#[test]
fn truncated_didx_is_reported() {
    let Some((_tmp, store)) = copy_store() else {
        return;
    };
    let didx = store.join(PLAIN_SNAPSHOT).join("root.pxar.didx");
    let len = std::fs::metadata(&didx).unwrap().len();
    std::fs::OpenOptions::new()
        .write(true)
        .open(&didx)
        .unwrap()
        .set_len(len - 1)
        .unwrap();
    let errors = expect_errors(&store);
    assert_some_error(
        &errors,
        &[
            &format!("{PLAIN_SNAPSHOT}/root.pxar.didx"),
            "multiple of 40",
        ],
    );
}

#[test]
fn deleted_referenced_chunk_is_reported() {
    let Some((_tmp, store)) = copy_store() else {
        return;
    };
    let didx = std::fs::read(store.join(PLAIN_SNAPSHOT).join("root.pxar.didx")).unwrap();
    let digest = hex::encode(&didx[4096 + 8..4096 + 40]);
    let chunk = store.join(".chunks").join(&digest[..4]).join(&digest);
    std::fs::remove_file(&chunk).unwrap();
    let errors = expect_errors(&store);
    assert_some_error(&errors, &["missing chunk", &digest]);
    assert_eq!(errors.len(), 1, "{errors:?}");
}

#[test]
fn corrupted_manifest_is_reported() {
    let Some((_tmp, store)) = copy_store() else {
        return;
    };
    let manifest = store.join(PLAIN_SNAPSHOT).join("index.json.blob");
    let mut data = std::fs::read(&manifest).unwrap();
    let at = 12 + (data.len() - 12) / 2;
    data[at] ^= 0x04;
    std::fs::write(&manifest, &data).unwrap();
    let errors = expect_errors(&store);
    assert_some_error(&errors, &[&format!("{PLAIN_SNAPSHOT}/index.json.blob")]);
    // The other snapshot is unaffected.
    assert!(
        errors.iter().all(|e| !e.contains(ENC_SNAPSHOT)),
        "{errors:?}"
    );
}

#[test]
fn manifest_fields_are_checked() {
    let Some((_tmp, store)) = copy_store() else {
        return;
    };
    let manifest = store.join(PLAIN_SNAPSHOT).join("index.json.blob");
    let data = std::fs::read(&manifest).unwrap();
    let kind = checker::blob_kind(&data).unwrap();
    let json = checker::blob_decode(&data, kind, 1 << 20).unwrap();
    let mut value: serde_json::Value = serde_json::from_slice(&json).unwrap();
    value["backup-id"] = "someone-else".into();
    value["backup-time"] = 1_790_000_001.into();
    let files = value["files"].as_array_mut().unwrap();
    let didx = files
        .iter_mut()
        .find(|f| f["filename"] == "root.pxar.didx")
        .unwrap();
    didx["size"] = (didx["size"].as_u64().unwrap() + 1).into();
    files.push(serde_json::json!({
        "filename": "gone.conf.blob", "crypt-mode": "none", "size": 1,
        "csum": "00".repeat(32),
    }));
    let mut blob = checker::UNCOMPRESSED_BLOB_MAGIC.to_vec();
    blob.extend_from_slice(&[0; 4]);
    blob.extend_from_slice(&serde_json::to_vec_pretty(&value).unwrap());
    fix_crc(&mut blob);
    std::fs::write(&manifest, &blob).unwrap();
    let errors = expect_errors(&store);
    assert_some_error(&errors, &["index.json.blob", "backup-id"]);
    assert_some_error(&errors, &["index.json.blob", "backup-time"]);
    assert_some_error(&errors, &["root.pxar.didx", "manifest size"]);
    assert_some_error(&errors, &["gone.conf.blob", "missing"]);
    assert_eq!(errors.len(), 4, "{errors:?}");
}

#[test]
fn hidden_and_unfinished_dirs_are_only_notes() {
    let Some((_tmp, store)) = copy_store() else {
        return;
    };
    let group = store.join("host/vec-plain");
    // A hidden dir, even one holding a complete-looking snapshot, is never a snapshot.
    let hidden = group.join(".tmp-x");
    std::fs::create_dir(&hidden).unwrap();
    std::fs::copy(
        store.join(PLAIN_SNAPSHOT).join("index.json.blob"),
        hidden.join("index.json.blob"),
    )
    .unwrap();
    // A snapshot dir without a manifest, holding an index with a missing chunk.
    let unfinished = group.join("2026-09-22T00:00:00Z");
    std::fs::create_dir(&unfinished).unwrap();
    let mut didx = std::fs::read(store.join(PLAIN_SNAPSHOT).join("root.pxar.didx")).unwrap();
    didx[4096 + 8] ^= 0xff;
    std::fs::write(unfinished.join("root.pxar.didx"), &didx).unwrap();
    let report = expect_clean(&store);
    assert_eq!(report.snapshots, 2);
    assert_eq!(report.indexes, 6);
    let notes = report.notes.join("\n");
    assert!(
        notes.contains("host/vec-plain/.tmp-x: unfinished"),
        "{notes}"
    );
    assert!(
        notes.contains("host/vec-plain/2026-09-22T00:00:00Z: unfinished"),
        "{notes}"
    );
}

#[test]
fn zero_length_quarantined_and_temp_chunk_files_are_only_notes() {
    let Some((_tmp, store)) = copy_store() else {
        return;
    };
    let chunks_before = chunk_files(&store).len();
    let dir = store.join(".chunks/0000");
    std::fs::create_dir(&dir).unwrap();
    let zero = "0".repeat(64);
    std::fs::write(dir.join(&zero), b"").unwrap();
    std::fs::write(dir.join(format!("{}.0.bad", "0".repeat(63) + "1")), b"junk").unwrap();
    std::fs::write(
        dir.join(format!("{}.tmp_1234", "0".repeat(63) + "2")),
        b"junk",
    )
    .unwrap();
    let report = expect_clean(&store);
    assert_eq!(report.chunks, chunks_before + 1);
    let notes = report.notes.join("\n");
    assert!(
        notes.contains(&format!(
            "{zero}: warning: zero-length chunk (crash residue)"
        )),
        "{notes}"
    );
    assert!(notes.contains("quarantined chunk ignored"), "{notes}");
    assert!(notes.contains("not a chunk file"), "{notes}");
}

#[test]
fn misplaced_chunk_is_reported() {
    let Some((_tmp, store)) = copy_store() else {
        return;
    };
    let chunk = chunk_files(&store).remove(0);
    let name = file_name(&chunk);
    let other = store.join(".chunks/ffff");
    std::fs::create_dir_all(&other).unwrap();
    std::fs::rename(&chunk, other.join(&name)).unwrap();
    let errors = expect_errors(&store);
    assert_some_error(&errors, &[&format!(".chunks/ffff/{name}"), "prefix"]);
    assert_some_error(&errors, &["missing chunk", &name]);
}

#[test]
fn namespaces_are_walked() {
    let Some((_tmp, store)) = copy_store() else {
        return;
    };
    let ns = store.join("ns/team/ns/sub");
    std::fs::create_dir_all(&ns).unwrap();
    let status = std::process::Command::new("cp")
        .arg("-a")
        .arg(store.join("host"))
        .arg(ns.join("host"))
        .status()
        .unwrap();
    assert!(status.success());
    let report = expect_clean(&store);
    assert_eq!(report.snapshots, 4);
    assert_eq!(report.indexes, 12);

    // A corrupted index inside the namespace is found and named with its namespace path.
    let didx = ns.join("host/vec-enc/2026-09-21T14:15:00Z/catalog.pcat1.didx");
    let mut data = std::fs::read(&didx).unwrap();
    data[4096] ^= 1; // first end offset: the csum no longer matches
    std::fs::write(&didx, &data).unwrap();
    let errors = expect_errors(&store);
    assert_some_error(
        &errors,
        &[
            "ns/team/ns/sub/host/vec-enc/2026-09-21T14:15:00Z/catalog.pcat1.didx",
            "csum",
        ],
    );
}
