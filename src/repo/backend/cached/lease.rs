//! Locks that hold across the hosts sharing one bucket: each holder keeps a lease object under
//! `.leases/<lock key>/`, renewed while it holds the lock and removed when it lets go.
//!
//! A taker writes its own lease first and only then lists the others, so of two hosts taking
//! conflicting leases at the same moment at least one sees the other (a listing shows every
//! object written before it started) and backs off; both may, and both then say so. No
//! conditional write is needed, which Garage 2.5 does not honour. A lease not renewed for
//! `LEASE_TTL` (a host that crashed or lost the bucket) is ignored. Hosts are told apart by an id
//! kept in each cache directory; processes on one host are excluded by their flocks instead.

use super::super::s3::S3Store;
use super::super::{BackendError, Durability, Key, LockMode, Result, StorageBackend};
use serde::{Deserialize, Serialize};
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc;
use std::sync::Arc;
use std::time::Duration;

/// The bucket prefix of the leases (never mirrored: it is no part of the datastore).
pub const LEASE_PREFIX: &str = ".leases";
/// How often a held lease is renewed.
const RENEW_EVERY: Duration = Duration::from_secs(60);
/// How long a lease counts without renewal: five renewals missed, to allow for clock skew.
const LEASE_TTL: i64 = 300;
/// The file in the cache directory that holds this host's id.
const HOST_ID_FILE: &str = "host-id";

/// What a lease object says.
#[derive(Debug, Serialize, Deserialize)]
struct LeaseBody {
    host: String,
    id: String,
    pid: u32,
    exclusive: bool,
    purpose: String,
    since: i64,
    renewed: i64,
}

/// A lease this process holds; renewed in the background, removed on drop.
pub(super) struct HeldLease {
    stop: Option<mpsc::Sender<()>>,
    renewer: Option<std::thread::JoinHandle<()>>,
    remote: Arc<S3Store>,
    key: Key,
}

impl Drop for HeldLease {
    fn drop(&mut self) {
        drop(self.stop.take());
        if let Some(t) = self.renewer.take() {
            let _ = t.join();
        }
        // Best effort: one left behind stops counting after LEASE_TTL.
        let _ = self.remote.delete_many(std::slice::from_ref(&self.key));
    }
}

fn now() -> i64 {
    chrono::Utc::now().timestamp()
}

/// This cache directory's host id (made on first use): leases with another id are other hosts'.
pub(super) fn host_id(cache_dir: &Path) -> Result<String> {
    let path = cache_dir.join(HOST_ID_FILE);
    let io_error = |source: std::io::Error| BackendError::Io {
        at: path.display().to_string(),
        action: "host id",
        source,
    };
    match std::fs::read_to_string(&path) {
        Ok(id) if id.trim().len() == 16 => return Ok(id.trim().to_string()),
        Ok(_) => {}
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(io_error(e)),
    }
    let mut raw = [0u8; 8];
    openssl::rand::rand_bytes(&mut raw).map_err(|e| io_error(std::io::Error::other(e)))?;
    let id = hex::encode(raw);
    crate::util::atomic::replace_file(&path, id.as_bytes(), 0o644).map_err(io_error)?;
    Ok(id)
}

/// Takes the lease on `lock` for `purpose`, or says which other host holds a conflicting one.
pub(super) fn take(
    remote: &Arc<S3Store>,
    host_id: &str,
    lock: &Key,
    mode: LockMode,
    purpose: &str,
) -> Result<HeldLease> {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let prefix = Key::new(LEASE_PREFIX)?.join(lock.as_str())?;
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let key = prefix.join(&format!("{host_id}-{}-{n}", std::process::id()))?;
    let exclusive = mode == LockMode::Exclusive;
    let since = now();
    let body = LeaseBody {
        host: crate::util::host::hostname(),
        id: host_id.to_string(),
        pid: std::process::id(),
        exclusive,
        purpose: purpose.to_string(),
        since,
        renewed: since,
    };
    remote.put(&key, &encode(&body), Durability::Synced)?;
    let held = HeldLease {
        stop: None,
        renewer: None,
        remote: remote.clone(),
        key,
    };
    // Written, now listed: a conflict found here is settled by backing off (the drop above
    // removes this lease).
    for (other, _) in remote.list_keys(&prefix)? {
        if other == held.key || other.name().starts_with(&format!("{host_id}-")) {
            continue;
        }
        let theirs = match remote.get(&other, 64 * 1024) {
            Ok(bytes) => serde_json::from_slice::<LeaseBody>(&bytes).ok(),
            Err(e) if e.is_not_found() => continue, // let go meanwhile
            Err(e) => return Err(e),
        };
        let holder = match &theirs {
            Some(t) if now() - t.renewed > LEASE_TTL => continue,
            Some(t) if !exclusive && !t.exclusive => continue,
            Some(t) => format!(
                "held by host {} (pid {}) for {} since {}",
                t.host,
                t.pid,
                t.purpose,
                crate::repo::types::format_backup_time(t.since)
            ),
            // Unreadable: counted as held, and named, rather than trusted away.
            None => format!(
                "held by another host (its lease {} cannot be read)",
                remote.locate(&other)
            ),
        };
        return Err(BackendError::HeldByHost {
            at: remote.locate(lock),
            holder,
        });
    }
    Ok(renewing(held, body))
}

fn encode(body: &LeaseBody) -> Vec<u8> {
    serde_json::to_vec(body).unwrap_or_default()
}

/// `held`, renewed every `RENEW_EVERY` until dropped.
fn renewing(mut held: HeldLease, mut body: LeaseBody) -> HeldLease {
    let (stop, stopped) = mpsc::channel::<()>();
    let (remote, key) = (held.remote.clone(), held.key.clone());
    let renewer = std::thread::Builder::new()
        .name("pbsh-lease".into())
        .spawn(move || {
            while let Err(mpsc::RecvTimeoutError::Timeout) = stopped.recv_timeout(RENEW_EVERY) {
                body.renewed = now();
                // A failed renewal is tried again next time; the work under the lock fails on
                // its own if the bucket is gone.
                let _ = remote.put(&key, &encode(&body), Durability::Synced);
            }
        })
        .ok();
    held.stop = Some(stop);
    held.renewer = renewer;
    held
}
