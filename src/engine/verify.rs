//! Verification of snapshots in a local datastore: manifests, blobs, index checksums and every
//! distinct chunk (CRC, crypt mode, digest, and decryptability when the key is given), in
//! parallel; corrupt chunks are quarantined (renamed `<digest>.<n>.bad`, as PBS does) by the
//! datastore, and each snapshot's manifest records `verify_state`.

use crate::engine::backup::{EngineError, Result};
use crate::engine::pipeline::default_workers;
use crate::engine::progress::Progress;
use crate::engine::restore::open_index;
use crate::format::blob;
use crate::format::crypt::CryptConfig;
use crate::format::digest::{sha256, ChunkDigest};
use crate::format::limits;
use crate::format::manifest::CryptMode;
use crate::repo::maintenance::datastore::ChunkDatastore;
use crate::repo::types::{Namespace, SnapshotRef};
use serde_json::json;
use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

/// The outcome for one snapshot.
#[derive(Debug, Clone)]
pub struct SnapshotVerdict {
    pub snapshot: SnapshotRef,
    pub errors: Vec<String>,
}

/// What a verify job found.
#[derive(Debug, Clone, Default)]
pub struct VerifyReport {
    pub snapshots: Vec<SnapshotVerdict>,
    pub chunks_checked: usize,
    /// Corrupt or missing chunks and why.
    pub bad_chunks: BTreeMap<ChunkDigest, String>,
}

impl VerifyReport {
    pub fn failed(&self) -> usize {
        self.snapshots
            .iter()
            .filter(|s| !s.errors.is_empty())
            .count()
    }
}

/// Checks one chunk; `Err` says what is wrong.
fn check_chunk(
    store: &dyn ChunkDatastore,
    digest: &ChunkDigest,
    encrypted: bool,
    crypt: Option<&CryptConfig>,
    progress: Option<&Progress>,
) -> std::result::Result<(), String> {
    // Crash tests kill a verify here, in the middle of its chunk reads.
    crate::util::failpoint::failpoint("verify.chunk").map_err(|e| e.to_string())?;
    let raw = store
        .chunk_store()
        .read_from_source(digest)
        .map_err(|e| e.to_string())?;
    if let Some(p) = progress {
        Progress::add(&p.bytes, raw.len() as u64);
        p.files.fetch_add(1, Ordering::Relaxed);
    }
    let kind = blob::check_header_and_crc(&raw).map_err(|e| e.to_string())?;
    if kind.is_encrypted() != encrypted {
        return Err(format!(
            "crypt mode mismatch (chunk is {}encrypted)",
            if kind.is_encrypted() { "" } else { "not " }
        ));
    }
    if kind.is_encrypted() && crypt.is_none() {
        // Without the key only the CRC can be checked, as on a PBS server.
        return Ok(());
    }
    // The CRC was checked above; plain chunks are hashed while they stream out of zstd.
    let checked = if kind.is_encrypted() {
        blob::decode_chunk_of_kind(&raw, kind, crypt, digest).map(|_| ())
    } else {
        blob::verify_plain_chunk(&raw, kind, digest).map(|_| ())
    };
    checked.map_err(|e| e.to_string())
}

/// Verdicts of chunks already checked in one verify job (shared across snapshots and groups, as
/// PBS does: a chunk many snapshots use is read once).
pub type ChunkVerdicts = HashMap<ChunkDigest, std::result::Result<(), String>>;

/// Verifies `snapshots` of namespace `ns`.
pub fn verify_snapshots(
    store: &dyn ChunkDatastore,
    ns: &Namespace,
    snapshots: &[SnapshotRef],
    crypt: Option<&CryptConfig>,
) -> Result<VerifyReport> {
    verify_snapshots_sharing(store, ns, snapshots, crypt, &mut ChunkVerdicts::new())
}

/// `verify_snapshots` as one step of a longer job: chunks in `checked` are not read again, and
/// the verdicts of this step are added to it.
pub fn verify_snapshots_sharing(
    store: &dyn ChunkDatastore,
    ns: &Namespace,
    snapshots: &[SnapshotRef],
    crypt: Option<&CryptConfig>,
    checked: &mut ChunkVerdicts,
) -> Result<VerifyReport> {
    verify_snapshots_counting(store, ns, snapshots, crypt, checked, None)
}

/// `verify_snapshots_sharing` that counts each chunk read (`files`) and its stored bytes
/// (`bytes`) into `progress`, for a progress display.
pub fn verify_snapshots_counting(
    store: &dyn ChunkDatastore,
    ns: &Namespace,
    snapshots: &[SnapshotRef],
    crypt: Option<&CryptConfig>,
    checked: &mut ChunkVerdicts,
    progress: Option<&Progress>,
) -> Result<VerifyReport> {
    let mut report = VerifyReport::default();
    for snapshot in snapshots {
        let mut errors = Vec::new();
        let manifest = match store.read_manifest(ns, snapshot) {
            Ok((m, _)) => m,
            Err(e) => {
                report.snapshots.push(SnapshotVerdict {
                    snapshot: snapshot.clone(),
                    errors: vec![e.to_string()],
                });
                continue;
            }
        };
        if let Some(key) = crypt {
            if let Err(e) = manifest.verify(Some(key)) {
                errors.push(e.to_string());
            }
        }
        for file in &manifest.files {
            if file.filename.ends_with(".blob") {
                match store.read_file(ns, snapshot, &file.filename) {
                    Ok(raw) => {
                        if raw.len() as u64 != file.size || hex::encode(sha256(&raw)) != file.csum {
                            errors.push(format!(
                                "{}: size or checksum does not match the manifest",
                                file.filename
                            ));
                        } else {
                            // Unencrypted blobs must also decode; encrypted ones only carry a CRC
                            // a keyless check can test.
                            let checked = blob::check_header_and_crc(&raw).and_then(|kind| {
                                if kind.is_encrypted() {
                                    Ok(())
                                } else {
                                    blob::decode(&raw, None, limits::MAX_BLOB_SIZE).map(|_| ())
                                }
                            });
                            if let Err(e) = checked {
                                errors.push(format!("{}: {e}", file.filename));
                            }
                        }
                    }
                    Err(e) => errors.push(e.to_string()),
                }
                continue;
            }
            let index = match open_index(store, ns, snapshot, file) {
                Ok(i) => i,
                Err(e) => {
                    errors.push(e.to_string());
                    continue;
                }
            };
            let encrypted = file.crypt_mode == CryptMode::Encrypt;
            let todo: Vec<ChunkDigest> = {
                let mut seen = std::collections::HashSet::new();
                index
                    .digests()
                    .iter()
                    .filter(|d| !checked.contains_key(*d) && seen.insert(**d))
                    .copied()
                    .collect()
            };
            let results = Mutex::new(Vec::with_capacity(todo.len()));
            let next = AtomicUsize::new(0);
            std::thread::scope(|scope| {
                // A store whose reads wait on the network keeps more of them in flight.
                for _ in 0..default_workers().max(store.read_parallelism()) {
                    scope.spawn(|| loop {
                        let i = next.fetch_add(1, Ordering::Relaxed);
                        let Some(digest) = todo.get(i) else { break };
                        let verdict = check_chunk(store, digest, encrypted, crypt, progress);
                        if let Ok(mut r) = results.lock() {
                            r.push((*digest, verdict));
                        }
                    });
                }
            });
            report.chunks_checked += todo.len();
            for (digest, verdict) in results.into_inner().unwrap_or_default() {
                if let Err(reason) = &verdict {
                    report.bad_chunks.insert(digest, reason.clone());
                    if !reason.contains("not found") && !reason.contains("crypt mode mismatch") {
                        // A chunk that cannot be moved stays where it is, reported bad.
                        let _ = store.chunk_store().quarantine(&digest);
                    }
                }
                checked.insert(digest, verdict);
            }
            let bad: Vec<String> = index
                .digests()
                .iter()
                .filter_map(|d| {
                    checked
                        .get(d)
                        .and_then(|v| v.as_ref().err())
                        .map(|reason| format!("chunk {d}: {reason}"))
                })
                .collect();
            if !bad.is_empty() {
                let shown = bad.len().min(5);
                let mut message = format!(
                    "{}: {} bad chunk(s): {}",
                    file.filename,
                    bad.len(),
                    bad[..shown].join("; ")
                );
                if bad.len() > shown {
                    message.push_str(&format!(" (and {} more)", bad.len() - shown));
                }
                errors.push(message);
            }
        }
        // Record the outcome in the manifest's unprotected section.
        crate::util::failpoint::failpoint("verify.before_state").map_err(|source| {
            EngineError::Io {
                what: format!("record verify state of snapshot {snapshot}"),
                source,
            }
        })?;
        if let Ok((mut m, _)) = store.read_manifest(ns, snapshot) {
            let state = if errors.is_empty() { "ok" } else { "failed" };
            m.set_unprotected("verify_state", json!({"state": state, "upid": format!("pbsh-verify:{}", chrono::Utc::now().timestamp())}));
            if let Ok(json) = m.to_json_bytes() {
                if let Ok(raw) = blob::encode(&json, None, true) {
                    store
                        .update_manifest(ns, snapshot, &raw)
                        .map_err(EngineError::Repo)?;
                }
            }
        }
        report.snapshots.push(SnapshotVerdict {
            snapshot: snapshot.clone(),
            errors,
        });
    }
    Ok(report)
}
