//! The reader protocol (`proxmox-backup-reader-protocol-v1`): download of snapshot files, chunk
//! fetch for digests of downloaded indexes, and the download speed test (protocol.md §5).
//!
//! The snapshot is locked shared for the session so it cannot be removed meanwhile. Chunks are
//! served as stored, without re-verifying them (the client verifies, as with PBS).

use super::auth::Principal;
use super::params::Params;
use super::tasks::Task;
use super::{
    blocking, into_response, switching_protocols, ApiError, ApiResult, Body, Reply, ServerState,
};
use crate::format::digest::ChunkDigest;
use crate::format::index::{DynamicIndex, FixedIndex};
use crate::repo::local::{FileLock, LocalDatastore};
use crate::repo::types::{Namespace, SnapshotRef};
use crate::repo::{RepoError, Repository};
use bytes::Bytes;
use http::{Method, Request, Response};
use hyper::body::Incoming;
use serde_json::json;
use std::collections::HashSet;
use std::sync::{Arc, Mutex};

pub const PROTOCOL: &str = "proxmox-backup-reader-protocol-v1";

/// One reader session over one snapshot.
pub struct ReaderSession {
    store: LocalDatastore,
    ns: Namespace,
    snapshot: SnapshotRef,
    task: Arc<Task>,
    /// Digests of indexes downloaded in this session: the only chunks it may fetch.
    allowed: Mutex<HashSet<ChunkDigest>>,
    _lock: FileLock,
}

/// Handles `GET /api2/json/reader` with the upgrade header: checks, then answers 101.
pub async fn start(
    state: Arc<ServerState>,
    p: Principal,
    mut req: Request<Incoming>,
) -> ApiResult<Response<Body>> {
    let super::ProtocolStart {
        store_name,
        store,
        ns,
        snapshot,
        slots,
        ..
    } = super::start_protocol(&state, &req, PROTOCOL, &[], &p.userid)?;
    if !p.admin {
        let (store1, ns1, group1) = (store.clone(), ns.clone(), snapshot.group.clone());
        let owner = blocking(move || Ok(store1.owner(&ns1, &group1))).await?;
        if !owner.as_deref().is_some_and(|o| p.owns(o)) {
            return Err(ApiError::bad("backup owner check failed!"));
        }
    }
    let (store2, ns2, snap2) = (store.clone(), ns.clone(), snapshot.clone());
    let lock = blocking(move || {
        store2
            .lock_snapshot_shared(&ns2, &snap2)
            .map_err(|e| match e {
                RepoError::NotFound(_) => {
                    ApiError::bad(format!("snapshot {snap2} does not exist."))
                }
                other => ApiError::bad(other.to_string()),
            })
    })
    .await?;
    let task = state
        .tasks
        .start_async(
            "reader",
            &format!("{store_name}:{}/{:08X}", snapshot.group, snapshot.time),
            &p.authid,
        )
        .await
        .map_err(|e| ApiError::internal(format!("cannot start task: {e}")))?;
    task.log(format!(
        "starting new reader session for snapshot \"{snapshot}\""
    ));
    let session = Arc::new(ReaderSession {
        store,
        ns,
        snapshot,
        task,
        allowed: Mutex::new(HashSet::new()),
        _lock: lock,
    });
    let on_upgrade = hyper::upgrade::on(&mut req);
    drop(req);
    tokio::spawn(async move {
        let _slots = slots;
        let result = match on_upgrade.await {
            Ok(upgraded) => {
                let s = session.clone();
                super::serve_h2(upgraded, session.task.clone(), move |req| {
                    let s = s.clone();
                    async move { s.handle(req).await }
                })
                .await
            }
            Err(e) => Err(format!("upgrade failed: {e}")),
        };
        session.task.log("reader finished");
        session.task.finish(result);
    });
    Ok(switching_protocols(PROTOCOL))
}

impl ReaderSession {
    async fn handle(self: Arc<Self>, req: Request<Incoming>) -> Response<Body> {
        let path = req.uri().path().trim_matches('/').to_string();
        let method = req.method().clone();
        let params = Params::from_query(req.uri().query().unwrap_or("").as_bytes());
        let result = match (&method, path.as_str()) {
            (&Method::GET, "") => Ok(Reply::data(json!([
                {"subdir": "chunk"}, {"subdir": "download"}, {"subdir": "speedtest"}
            ]))),
            (&Method::GET, "download") => self.clone().download(params).await,
            (&Method::GET, "chunk") => self.clone().chunk(params).await,
            (&Method::GET, "speedtest") => Ok(Reply::Raw(
                Bytes::from(vec![0x41u8; 1024 * 1024]),
                "application/octet-stream",
            )),
            _ => Err(ApiError::not_found(&path)),
        };
        if let Err(e) = &result {
            self.task.log(format!("{method} {path}: {}", e.message));
        }
        into_response(result)
    }

    async fn download(self: Arc<Self>, p: Params) -> ApiResult<Reply> {
        let name = parse_download(&p)?;
        let s = self.clone();
        let n = name.clone();
        let (raw, registered) = blocking(move || {
            let raw = s.store.read_file(&s.ns, &s.snapshot, &n)?;
            let digests: Vec<ChunkDigest> = if n.ends_with(".didx") {
                DynamicIndex::decode(&raw)
                    .map_err(|e| ApiError::bad(format!("{n}: {e}")))?
                    .digests()
                    .to_vec()
            } else if n.ends_with(".fidx") {
                FixedIndex::decode(&raw)
                    .map_err(|e| ApiError::bad(format!("{n}: {e}")))?
                    .digests()
                    .to_vec()
            } else {
                Vec::new()
            };
            // Registered here, on the blocking thread: an index has up to MAX_INDEX_ENTRIES.
            let registered = !digests.is_empty();
            if registered {
                s.allowed
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .extend(digests);
            }
            Ok((raw, registered))
        })
        .await?;
        if registered {
            self.task
                .log(format!("register chunks in '{name}' as downloadable."));
        }
        self.task.log(format!("download {name}"));
        Ok(Reply::Raw(Bytes::from(raw), "application/octet-stream"))
    }

    async fn chunk(self: Arc<Self>, p: Params) -> ApiResult<Reply> {
        let digest = parse_chunk(&p)?;
        let allowed = self
            .allowed
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .contains(&digest);
        if !allowed {
            return Err(ApiError::unauthorized(format!(
                "download chunk {} not allowed",
                digest.to_hex()
            )));
        }
        let s = self.clone();
        let raw = blocking(move || {
            s.store.read_chunk(&digest).map_err(|e| {
                ApiError::bad(format!(
                    "reading file {:?} failed: {e}",
                    s.store.chunk_store().chunk_path(&digest)
                ))
            })
        })
        .await?;
        Ok(Reply::Raw(Bytes::from(raw), "application/octet-stream"))
    }
}

/// `GET download`: the snapshot file to send (checked without a session, for the fuzzers).
pub fn parse_download(p: &Params) -> ApiResult<String> {
    p.allow(&["file-name"])?;
    let name = p.str("file-name")?;
    if !super::params::is_safe_id(name) {
        return Err(ApiError::bad(format!("invalid file name '{name}'")));
    }
    Ok(name.to_string())
}

/// `GET chunk`: the digest of the chunk to send.
pub fn parse_chunk(p: &Params) -> ApiResult<ChunkDigest> {
    p.allow(&["digest"])?;
    p.digest("digest")
}
