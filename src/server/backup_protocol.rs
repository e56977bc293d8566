//! The backup protocol (`proxmox-backup-protocol-v1`): session start, then the H2 calls
//! (previous, blob, fixed/dynamic index create/append/close, chunk upload, finish, speedtest).
//!
//! Writes go through `repo::local`'s backup writer into a hidden directory published only at
//! `finish`; a session that ends unfinished is removed (protocol.md §4.6). Every check PBS makes
//! on uploads is made here (§9), with PBS's messages. Chunk hashing runs on blocking threads.

use super::auth::Principal;
use super::params::Params;
use super::tasks::Task;
use super::{
    blocking, cpu_bound, into_response, read_body, switching_protocols, ApiError, ApiResult, Body,
    Reply, ServerState, MAX_BLOB_UPLOAD, MAX_CHUNK_UPLOAD, MAX_PARAM_BODY,
};
use crate::format::blob::{self, BlobKind};
use crate::format::digest::ChunkDigest;
use crate::format::index::{DynamicIndex, FixedIndex, IndexCsum};
use crate::format::limits;
use crate::format::manifest::{Manifest, MANIFEST_BLOB_NAME};
use crate::repo::local::{ChunkStore, LocalDatastore};
use crate::repo::types::{Namespace, SnapshotRef};
use crate::repo::{BackupWriter, ChunkSink, IndexData, RepoError, Repository};
use bytes::Bytes;
use http::{Method, Request, Response};
use hyper::body::Incoming;
use serde_json::{json, Value};
use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};

pub const PROTOCOL: &str = "proxmox-backup-protocol-v1";
/// PBS's fixed index chunk size.
const FIXED_CHUNK_SIZE: u64 = limits::FIXED_CHUNK_SIZE as u64;
/// LIMIT: writer ids per session (PBS's schema caps `wid` at 256).
const MAX_WRITERS: usize = 256;

enum IndexWriter {
    Dynamic {
        name: String,
        entries: Vec<(u64, ChunkDigest)>,
        count: u64,
    },
    Fixed {
        name: String,
        size: u64,
        entries: BTreeMap<u64, ChunkDigest>,
        count: u64,
        reuse: bool,
    },
}

#[derive(Default)]
struct UploadStats {
    count: u64,
    size: u64,
    compressed_size: u64,
    duplicates: u64,
}

#[derive(Default)]
struct SessionState {
    next_wid: usize,
    writers: HashMap<usize, IndexWriter>,
    /// digest → plaintext size, for chunks uploaded or downloaded via `previous` (§4.5).
    known: HashMap<ChunkDigest, u64>,
    file_count: usize,
    manifest: Option<Vec<u8>>,
    finished: bool,
    stats: UploadStats,
}

/// One backup session: the snapshot being written and what the client has sent so far.
pub struct BackupSession {
    store: LocalDatastore,
    chunks: Arc<ChunkStore>,
    ns: Namespace,
    snapshot: SnapshotRef,
    base: Option<SnapshotRef>,
    benchmark: bool,
    task: Arc<Task>,
    state: Mutex<SessionState>,
    writer: Mutex<Option<Box<dyn BackupWriter>>>,
}

fn backup_err(e: RepoError) -> ApiError {
    ApiError::bad(e.to_string())
}

/// Handles `GET /api2/json/backup` with the upgrade header: checks, then answers 101.
pub async fn start(
    state: Arc<ServerState>,
    p: Principal,
    mut req: Request<Incoming>,
) -> ApiResult<Response<Body>> {
    let super::ProtocolStart {
        params,
        store_name,
        store,
        ns,
        snapshot,
        slots,
    } = super::start_protocol(&state, &req, PROTOCOL, &["benchmark"], &p.userid)?;
    let benchmark = params.opt_bool("benchmark")?.unwrap_or(false);
    let is_bench_group = snapshot.group.ty.as_str() == "host" && snapshot.group.id == "benchmark";
    if benchmark != is_bench_group {
        return Err(ApiError::bad(if benchmark {
            "unable to run benchmark without --benchmark flags"
        } else {
            "backup-id 'benchmark' is reserved for benchmark runs"
        }));
    }
    let (store1, ns1, group1) = (store.clone(), ns.clone(), snapshot.group.clone());
    let (exists, owner) = blocking(move || {
        if !store1.namespace_exists(&ns1) {
            return Ok((false, None));
        }
        Ok((true, store1.owner(&ns1, &group1)))
    })
    .await?;
    if !exists {
        return Err(ApiError::not_found("namespace not found"));
    }
    // Owner check (§4.7): the owner itself, or a user writing into its token's group.
    let owner = match owner {
        Some(owner) if !p.owns(&owner) => {
            return Err(ApiError::bad(format!(
                "backup owner check failed ({} != {owner})",
                p.authid
            )))
        }
        Some(owner) => owner,
        None => p.authid.clone(),
    };
    let store2 = store.clone();
    let (ns2, snap2) = (ns.clone(), snapshot.clone());
    let (writer, base) = blocking(move || {
        let group_path = store2.group_path(&ns2, &snap2.group);
        let finished = store2
            .list_snapshots(&ns2, Some(&snap2.group))
            .map_err(backup_err)?;
        if let Some(last) = finished.last() {
            if last.snapshot.time >= snap2.time {
                return Err(ApiError::bad("backup timestamp is older than last backup."));
            }
        }
        if store2.snapshot_exists(&ns2, &snap2) {
            return Err(ApiError::bad("backup directory already exists."));
        }
        // The base: newest finished snapshot whose verification did not fail.
        let base = finished
            .iter()
            .rev()
            .find(|i| {
                i.is_readable()
                    && i.manifest
                        .unprotected
                    .get("verify_state")
                    .and_then(|v| v.get("state"))
                    .and_then(Value::as_str)
                    != Some("failed")
            })
            .map(|i| i.snapshot.clone());
        let writer = store2
            .start_backup(&ns2, &snap2, &owner, base.as_ref())
            .map_err(|e| match e {
                RepoError::Locked(m) if m.contains("backup group") => ApiError::bad(format!(
                    "unable to acquire lock on backup group directory {:?} - another backup is already running",
                    group_path.display().to_string()
                )),
                other => backup_err(other),
            })?;
        Ok((writer, base))
    })
    .await?;
    let worker_type = if benchmark { "benchmark" } else { "backup" };
    let task = state
        .tasks
        .start_async(
            worker_type,
            &format!("{store_name}:{}", snapshot.group),
            &p.authid,
        )
        .await
        .map_err(|e| ApiError::internal(format!("cannot start task: {e}")))?;
    task.log(format!(
        "starting new backup on datastore '{store_name}'{}: \"{}\"",
        if ns.is_root() {
            String::new()
        } else {
            format!(" namespace '{ns}'")
        },
        snapshot
    ));
    if let Some(b) = &base {
        task.log(format!("backup base snapshot: {b}"));
    }
    let session = Arc::new(BackupSession {
        chunks: store.chunk_store().clone(),
        store,
        ns,
        snapshot,
        base,
        benchmark,
        task,
        state: Mutex::new(SessionState {
            next_wid: 1,
            ..Default::default()
        }),
        writer: Mutex::new(Some(writer)),
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
        let s = session.clone();
        let _ = tokio::task::spawn_blocking(move || s.end(result)).await;
    });
    Ok(switching_protocols(PROTOCOL))
}

fn wid_param(p: &Params) -> ApiResult<usize> {
    Ok(p.int("wid", 1, MAX_WRITERS as i64)? as usize)
}

/// Collects a normal call's parameters: JSON body, or query string + form body.
async fn call_params(req: Request<Incoming>) -> ApiResult<Params> {
    let json = req
        .headers()
        .get(http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|c| c.starts_with("application/json"));
    let query = req.uri().query().unwrap_or("").to_string();
    let body = read_body(req.into_body(), MAX_PARAM_BODY).await?;
    Params::from_body(json, query.as_bytes(), &body)
}

// ---------------------------------------------------------------------------------------------
// Requests: each call's parameters and bodies checked without a session, so the fuzzers
// (tests/fuzz/harness.rs) drive exactly what the handlers run.

/// `GET previous`: the archive of the base snapshot to download.
pub fn parse_previous(p: &Params) -> ApiResult<String> {
    p.allow(&["archive-name"])?;
    let name = p.str("archive-name")?;
    if !crate::server::params::is_safe_id(name) {
        return Err(ApiError::bad(format!("invalid archive name '{name}'")));
    }
    Ok(name.to_string())
}

/// `POST dynamic_index`: the archive name of a new dynamic index writer.
pub fn parse_dynamic_index(p: &Params) -> ApiResult<String> {
    p.allow(&["archive-name"])?;
    archive_name(p.str("archive-name")?, ".didx")
}

/// `POST fixed_index`: a new fixed index writer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FixedIndexRequest {
    pub name: String,
    pub size: u64,
    /// The previous index's checksum the client builds on (incremental image backup).
    pub reuse_csum: Option<String>,
}

pub fn parse_fixed_index(p: &Params) -> ApiResult<FixedIndexRequest> {
    p.allow(&["archive-name", "size", "reuse-csum"])?;
    let name = archive_name(p.str("archive-name")?, ".fidx")?;
    let size = p.int("size", 1, i64::MAX)? as u64;
    if size.div_ceil(FIXED_CHUNK_SIZE) > limits::MAX_INDEX_ENTRIES as u64 {
        return Err(ApiError::bad("fixed index size too large"));
    }
    let reuse_csum = p.opt_str("reuse-csum")?.map(str::to_string);
    Ok(FixedIndexRequest {
        name,
        size,
        reuse_csum,
    })
}

/// `POST dynamic_chunk` / `fixed_chunk`: the query describing the uploaded chunk.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChunkUpload {
    pub wid: usize,
    pub digest: ChunkDigest,
    /// Plaintext size the client claims.
    pub size: u64,
    /// Body length the client announces; the body is read up to this and must match it.
    pub encoded_size: usize,
}

pub fn parse_chunk_upload(p: &Params) -> ApiResult<ChunkUpload> {
    p.allow(&["wid", "digest", "size", "encoded-size"])?;
    Ok(ChunkUpload {
        wid: wid_param(p)?,
        digest: p.digest("digest")?,
        size: p.int("size", 1, limits::MAX_CHUNK_SIZE as i64)? as u64,
        encoded_size: p.int("encoded-size", 13, MAX_CHUNK_UPLOAD as i64)? as usize,
    })
}

/// Checks an uploaded chunk body and returns the bytes to store: the client's CRC is not
/// trusted but recomputed (PBS does the same; the body is copied only when the two differ),
/// and an unencrypted chunk must decode to `size` bytes hashing to `digest`.
pub fn check_chunk_body<'a>(
    body: &'a [u8],
    digest: &ChunkDigest,
    size: u64,
) -> ApiResult<std::borrow::Cow<'a, [u8]>> {
    let kind = body
        .get(..8)
        .and_then(BlobKind::from_magic)
        .ok_or_else(|| ApiError::bad("wrong magic"))?;
    let payload = body
        .get(kind.header_len()..)
        .ok_or_else(|| ApiError::bad("blob too small"))?;
    let crc = crc32fast::hash(payload).to_le_bytes();
    let stored: std::borrow::Cow<'_, [u8]> = if body.get(8..12) == Some(&crc[..]) {
        std::borrow::Cow::Borrowed(body)
    } else {
        let mut raw = body.to_vec();
        if let Some(field) = raw.get_mut(8..12) {
            field.copy_from_slice(&crc);
        }
        std::borrow::Cow::Owned(raw)
    };
    if !kind.is_encrypted() {
        let plain_len = blob::verify_plain_chunk(&stored, kind, digest).map_err(|e| {
            ApiError::bad(format!("detected chunk with wrong digest or data - {e}"))
        })?;
        if plain_len != size {
            return Err(ApiError::bad(format!(
                "detected chunk with wrong length ({size} != {plain_len})"
            )));
        }
    }
    Ok(stored)
}

/// `PUT dynamic_index` / `fixed_index`: chunks to append to a writer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppendRequest {
    pub wid: usize,
    /// `(digest, offset)` in the order given.
    pub chunks: Vec<(ChunkDigest, u64)>,
}

pub fn parse_append(p: &Params) -> ApiResult<AppendRequest> {
    p.allow(&["wid", "digest-list", "offset-list"])?;
    let wid = wid_param(p)?;
    let digests = p.list("digest-list")?;
    let offsets = p.list("offset-list")?;
    if digests.len() != offsets.len() {
        return Err(ApiError::bad("offset list has wrong length"));
    }
    let mut chunks = Vec::with_capacity(digests.len());
    for (d, o) in digests.iter().zip(offsets.iter()) {
        let digest = d
            .as_str()
            .and_then(super::params::parse_digest)
            .ok_or_else(|| ApiError::bad("digest-list: invalid digest"))?;
        let offset = match o {
            Value::Number(n) => n.as_u64(),
            Value::String(s) => s.parse().ok(),
            _ => None,
        }
        .ok_or_else(|| ApiError::bad("offset-list: invalid offset"))?;
        chunks.push((digest, offset));
    }
    Ok(AppendRequest { wid, chunks })
}

/// `POST dynamic_close` / `fixed_close`: what the client says the finished index holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CloseRequest {
    pub wid: usize,
    pub chunk_count: u64,
    pub size: u64,
    /// Lowercase hex.
    pub csum: String,
}

pub fn parse_close(p: &Params, fixed: bool) -> ApiResult<CloseRequest> {
    p.allow(&["wid", "chunk-count", "size", "csum"])?;
    let min = if fixed { 0 } else { 1 };
    Ok(CloseRequest {
        wid: wid_param(p)?,
        chunk_count: p.int("chunk-count", min, i64::MAX)? as u64,
        size: p.int("size", min, i64::MAX)? as u64,
        csum: p.str("csum")?.to_ascii_lowercase(),
    })
}

/// `POST blob`: the query describing an uploaded blob file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BlobUpload {
    pub name: String,
    pub encoded_size: usize,
}

pub fn parse_blob_upload(p: &Params) -> ApiResult<BlobUpload> {
    p.allow(&["file-name", "encoded-size"])?;
    let name = p.str("file-name")?.to_string();
    if !name.ends_with(".blob") {
        return Err(ApiError::bad(format!(
            "wrong blob file extension: '{name}'"
        )));
    }
    if !crate::server::params::is_safe_id(&name) {
        return Err(ApiError::bad(format!("invalid blob name '{name}'")));
    }
    let encoded_size = p.int("encoded-size", 12, MAX_BLOB_UPLOAD as i64)? as usize;
    Ok(BlobUpload { name, encoded_size })
}

/// Checks an uploaded blob: header and CRC; the manifest must also decode and parse.
pub fn check_blob_body(name: &str, body: &[u8]) -> ApiResult<()> {
    blob::check_header_and_crc(body).map_err(|e| ApiError::bad(format!("{name}: {e}")))?;
    if name == MANIFEST_BLOB_NAME {
        let json = blob::decode(body, None, limits::MAX_MANIFEST_SIZE)
            .map_err(|e| ApiError::bad(format!("{name}: {e}")))?;
        Manifest::parse(&json).map_err(|e| ApiError::bad(format!("{name}: {e}")))?;
    }
    Ok(())
}

impl BackupSession {
    fn lock(&self) -> std::sync::MutexGuard<'_, SessionState> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Called once the H2 connection is over: publish nothing, remove an unfinished snapshot.
    fn end(&self, result: Result<(), String>) {
        let finished = self.lock().finished;
        let writer = self.writer.lock().unwrap_or_else(|e| e.into_inner()).take();
        if self.benchmark {
            // A benchmark never finishes its snapshot (the real client just hangs up); its data
            // is dropped with the writer, and the run is a success as PBS reports it.
            drop(writer);
            self.task.log("benchmark finished successfully");
            self.task.finish(Ok(()));
            return;
        }
        if finished {
            self.task.log("backup finished successfully");
            self.task.finish(Ok(()));
            return;
        }
        self.task.log("removing unfinished backup");
        // Dropping the writer removes the hidden snapshot directory and releases the locks.
        drop(writer);
        let error = match result {
            Err(e) => e,
            Ok(()) => "backup ended but finished flag is not set.".to_string(),
        };
        self.task.finish(Err(error));
    }

    async fn handle(self: Arc<Self>, req: Request<Incoming>) -> Response<Body> {
        let path = req.uri().path().trim_matches('/').to_string();
        let method = req.method().clone();
        let result = self.clone().dispatch(&method, &path, req).await;
        if let Err(e) = &result {
            self.task.log(format!("{method} {path}: {}", e.message));
        }
        into_response(result)
    }

    async fn dispatch(
        self: Arc<Self>,
        method: &Method,
        path: &str,
        req: Request<Incoming>,
    ) -> ApiResult<Reply> {
        if self.lock().finished {
            return Err(ApiError::bad("backup already marked as finished."));
        }
        match (method, path) {
            (&Method::GET, "") => Ok(Reply::data(json!([
                "blob",
                "dynamic_chunk",
                "dynamic_close",
                "dynamic_index",
                "finish",
                "fixed_chunk",
                "fixed_close",
                "fixed_index",
                "previous",
                "previous_backup_time",
                "speedtest",
            ]
            .iter()
            .map(|s| json!({"subdir": s}))
            .collect::<Vec<_>>()))),
            (&Method::GET, "previous_backup_time") => {
                call_params(req).await?.allow(&[])?;
                Ok(Reply::data(json!(self.base.as_ref().map(|b| b.time))))
            }
            (&Method::GET, "previous") => {
                let name = parse_previous(&call_params(req).await?)?;
                self.previous(name).await
            }
            (&Method::POST, "dynamic_index") => {
                let name = parse_dynamic_index(&call_params(req).await?)?;
                self.register_writer(IndexWriter::Dynamic {
                    name,
                    entries: Vec::new(),
                    count: 0,
                })
            }
            (&Method::POST, "fixed_index") => {
                let r = parse_fixed_index(&call_params(req).await?)?;
                self.create_fixed(r.name, r.size, r.reuse_csum).await
            }
            (&Method::POST, "dynamic_chunk") | (&Method::POST, "fixed_chunk") => {
                self.upload_chunk(path == "fixed_chunk", req).await
            }
            (&Method::PUT, "dynamic_index") | (&Method::PUT, "fixed_index") => {
                let r = parse_append(&call_params(req).await?)?;
                self.append(path == "fixed_index", r)
            }
            (&Method::POST, "dynamic_close") | (&Method::POST, "fixed_close") => {
                let fixed = path == "fixed_close";
                let r = parse_close(&call_params(req).await?, fixed)?;
                self.close(fixed, r).await
            }
            (&Method::POST, "blob") => self.upload_blob(req).await,
            (&Method::POST, "speedtest") => {
                read_body(req.into_body(), MAX_CHUNK_UPLOAD).await?;
                Ok(Reply::data(Value::Null))
            }
            (&Method::POST, "finish") => {
                call_params(req).await?.allow(&[])?;
                self.finish().await
            }
            _ => Err(ApiError::not_found(path)),
        }
    }

    fn register_writer(&self, writer: IndexWriter) -> ApiResult<Reply> {
        let mut st = self.lock();
        let name = match &writer {
            IndexWriter::Dynamic { name, .. } | IndexWriter::Fixed { name, .. } => name.clone(),
        };
        let open_same = st.writers.values().any(|w| match w {
            IndexWriter::Dynamic { name: n, .. } | IndexWriter::Fixed { name: n, .. } => *n == name,
        });
        if open_same {
            return Err(ApiError::bad(format!(
                "archive '{name}' is already being written"
            )));
        }
        if st.next_wid > MAX_WRITERS {
            return Err(ApiError::bad("too many index writers in this session"));
        }
        let wid = st.next_wid;
        st.next_wid += 1;
        st.writers.insert(wid, writer);
        self.task
            .log(format!("created new index writer {wid} for '{name}'"));
        Ok(Reply::data(json!(wid)))
    }

    async fn previous(self: Arc<Self>, name: String) -> ApiResult<Reply> {
        let base = self
            .base
            .clone()
            .ok_or_else(|| ApiError::bad("no valid previous backup"))?;
        let s = self.clone();
        let (raw, name, registered) = blocking(move || {
            let raw = s
                .store
                .read_file(&s.ns, &base, &name)
                .map_err(ApiError::from)?;
            let sizes = if name.ends_with(".didx") {
                let idx = DynamicIndex::decode(&raw)
                    .map_err(|e| ApiError::bad(format!("{name}: {e}")))?;
                (0..idx.chunk_count())
                    .filter_map(|i| Some((*idx.digest(i)?, idx.chunk_range(i)?)))
                    .map(|(d, (a, b))| (d, b - a))
                    .collect::<Vec<_>>()
            } else if name.ends_with(".fidx") {
                let idx =
                    FixedIndex::decode(&raw).map_err(|e| ApiError::bad(format!("{name}: {e}")))?;
                (0..idx.chunk_count())
                    .filter_map(|i| Some((*idx.digest(i)?, idx.chunk_range(i)?)))
                    .map(|(d, (a, b))| (d, b - a))
                    .collect()
            } else {
                Vec::new()
            };
            // The session state's lock is taken here, on the blocking thread, for the inserts.
            let registered = !sizes.is_empty();
            if registered {
                let mut st = s.lock();
                for (d, size) in sizes {
                    st.known.insert(d, size);
                }
            }
            Ok((raw, name, registered))
        })
        .await?;
        if registered {
            self.task
                .log(format!("register chunks of previous '{name}' as known"));
        }
        Ok(Reply::Raw(Bytes::from(raw), "application/octet-stream"))
    }

    async fn create_fixed(
        self: Arc<Self>,
        name: String,
        size: u64,
        reuse: Option<String>,
    ) -> ApiResult<Reply> {
        let entries = match reuse.clone() {
            None => BTreeMap::new(),
            Some(csum) => {
                let base = self.base.clone().ok_or_else(|| {
                    ApiError::bad("cannot reuse index - no valid previous backup exists")
                })?;
                let s = self.clone();
                let n = name.clone();
                // Reading, decoding and checksumming the previous index, and registering its
                // chunks (under the state lock), all happen on a blocking thread.
                blocking(move || {
                    let raw = s.store.read_file(&s.ns, &base, &n).map_err(|_| {
                        ApiError::bad("cannot reuse index - no previous backup exists for archive")
                    })?;
                    let idx =
                        FixedIndex::decode(&raw).map_err(|e| ApiError::bad(format!("{n}: {e}")))?;
                    let (last_csum, _) = idx.compute_csum();
                    let last_csum = hex::encode(last_csum);
                    if last_csum != csum {
                        return Err(ApiError::bad(format!(
                            "expected csum ({csum}) doesn't match last backup's ({last_csum}), cannot do incremental backup"
                        )));
                    }
                    if idx.size != size {
                        return Err(ApiError::bad(format!(
                            "cannot reuse index - size mismatch ({} != {size})",
                            idx.size
                        )));
                    }
                    let mut entries = BTreeMap::new();
                    let mut st = s.lock();
                    for i in 0..idx.chunk_count() {
                        if let (Some(d), Some((a, b))) = (idx.digest(i), idx.chunk_range(i)) {
                            entries.insert(i as u64, *d);
                            st.known.insert(*d, b - a);
                        }
                    }
                    Ok(entries)
                })
                .await?
            }
        };
        self.register_writer(IndexWriter::Fixed {
            name,
            size,
            entries,
            count: 0,
            reuse: reuse.is_some(),
        })
    }

    async fn upload_chunk(
        self: Arc<Self>,
        fixed: bool,
        req: Request<Incoming>,
    ) -> ApiResult<Reply> {
        let ChunkUpload {
            wid,
            digest,
            size,
            encoded_size,
        } = parse_chunk_upload(&Params::from_query(
            req.uri().query().unwrap_or("").as_bytes(),
        ))?;
        self.check_writer(wid, fixed)?;
        let body = read_body(req.into_body(), encoded_size)
            .await
            .map_err(|e| {
                if e.message.starts_with("Request body too large") {
                    ApiError::bad("uploaded chunk is larger than announced.")
                } else {
                    e
                }
            })?;
        if body.len() != encoded_size {
            return Err(ApiError::bad("uploaded chunk has unexpected size."));
        }
        let chunks = self.chunks.clone();
        let (is_new, compressed) = cpu_bound(move || {
            let stored = check_chunk_body(&body, &digest, size)?;
            let is_new = chunks.insert_chunk(&digest, &stored)?;
            Ok((is_new, stored.len() as u64))
        })
        .await?;
        {
            let mut st = self.lock();
            st.known.insert(digest, size);
            st.stats.count += 1;
            st.stats.size += size;
            st.stats.compressed_size += compressed;
            if !is_new {
                st.stats.duplicates += 1;
            }
        }
        Ok(Reply::data(json!(digest.to_hex())))
    }

    fn check_writer(&self, wid: usize, fixed: bool) -> ApiResult<()> {
        let st = self.lock();
        match st.writers.get(&wid) {
            Some(IndexWriter::Fixed { .. }) if fixed => Ok(()),
            Some(IndexWriter::Dynamic { .. }) if !fixed => Ok(()),
            _ => Err(not_registered(fixed, wid)),
        }
    }

    fn append(&self, fixed: bool, request: AppendRequest) -> ApiResult<Reply> {
        let AppendRequest {
            wid,
            chunks: parsed,
        } = request;
        let mut guard = self.lock();
        let SessionState { writers, known, .. } = &mut *guard;
        let kind = if fixed { "fixed" } else { "dynamic" };
        let writer = writers
            .get_mut(&wid)
            .ok_or_else(|| not_registered(fixed, wid))?;
        for (digest, offset) in parsed {
            let size = *known
                .get(&digest)
                .ok_or_else(|| ApiError::bad(format!("no such chunk {}", digest.to_hex())))?;
            match (&mut *writer, fixed) {
                (IndexWriter::Dynamic { entries, count, .. }, false) => {
                    let end = entries.last().map(|e| e.0).unwrap_or(0);
                    if offset != end {
                        return Err(ApiError::bad(format!(
                            "{kind} writer '{wid}' append chunk failed - got strange chunk offset ({offset} != {end})"
                        )));
                    }
                    if entries.len() >= limits::MAX_INDEX_ENTRIES {
                        return Err(ApiError::bad("index has too many entries"));
                    }
                    entries.push((end + size, digest));
                    *count += 1;
                }
                (
                    IndexWriter::Fixed {
                        size: total,
                        entries,
                        count,
                        ..
                    },
                    true,
                ) => {
                    let end = offset.saturating_add(size);
                    if offset % FIXED_CHUNK_SIZE != 0 || end > *total {
                        return Err(ApiError::bad(format!(
                            "{kind} writer '{wid}' append chunk failed - write chunk out of range ({offset} + {size} > {total})"
                        )));
                    }
                    if size > FIXED_CHUNK_SIZE || (size != FIXED_CHUNK_SIZE && end != *total) {
                        return Err(ApiError::bad(format!(
                            "{kind} writer '{wid}' append chunk failed - detected multiple end chunks (chunk size too small)"
                        )));
                    }
                    entries.insert(offset / FIXED_CHUNK_SIZE, digest);
                    *count += 1;
                }
                _ => return Err(not_registered(fixed, wid)),
            }
        }
        Ok(Reply::data(Value::Null))
    }

    async fn close(self: Arc<Self>, fixed: bool, request: CloseRequest) -> ApiResult<Reply> {
        let CloseRequest {
            wid,
            chunk_count,
            size,
            csum,
        } = request;
        let kind = if fixed { "fixed" } else { "dynamic" };
        let fail = move |what: String| {
            ApiError::bad(format!("{kind} writer '{wid}' close failed - {what}"))
        };
        let (name, data) = {
            let st = self.lock();
            let writer = st
                .writers
                .get(&wid)
                .ok_or_else(|| not_registered(fixed, wid))?;
            match (writer, fixed) {
                (
                    IndexWriter::Dynamic {
                        name,
                        entries,
                        count,
                    },
                    false,
                ) => {
                    if *count != chunk_count {
                        return Err(fail(format!(
                            "received wrong number of chunk ({count} != {chunk_count})"
                        )));
                    }
                    let end = entries.last().map(|e| e.0).unwrap_or(0);
                    if end != size {
                        return Err(fail(format!("unexpected file size ({end} != {size})")));
                    }
                    (
                        name.clone(),
                        IndexData::Dynamic {
                            entries: entries.clone(),
                        },
                    )
                }
                (
                    IndexWriter::Fixed {
                        name,
                        size: total,
                        entries,
                        count,
                        reuse,
                    },
                    true,
                ) => {
                    if *count != chunk_count {
                        return Err(fail(format!(
                            "received wrong number of chunk ({count} != {chunk_count})"
                        )));
                    }
                    if !reuse && *total != size {
                        return Err(fail(format!("unexpected file size ({total} != {size})")));
                    }
                    let needed = total.div_ceil(FIXED_CHUNK_SIZE);
                    if entries.len() as u64 != needed {
                        return Err(fail(format!(
                            "index incomplete ({} of {needed} chunks)",
                            entries.len()
                        )));
                    }
                    let digests: Vec<ChunkDigest> = entries.values().copied().collect();
                    (
                        name.clone(),
                        IndexData::Fixed {
                            size: *total,
                            chunk_size: FIXED_CHUNK_SIZE,
                            digests,
                        },
                    )
                }
                _ => return Err(not_registered(fixed, wid)),
            }
        };
        let s = self.clone();
        let n = name.clone();
        // The index checksum (up to MAX_INDEX_ENTRIES digests) and the index write run on a
        // blocking thread; the session state's lock is not held there.
        blocking(move || {
            let mut c = IndexCsum::new();
            match &data {
                IndexData::Dynamic { entries } => {
                    for (end, d) in entries {
                        c.add_dynamic(*end, d);
                    }
                }
                IndexData::Fixed { digests, .. } => {
                    for d in digests {
                        c.add_fixed(d);
                    }
                }
            }
            let computed = hex::encode(c.finish());
            if computed != csum {
                return Err(fail(format!(
                    "got unexpected checksum ({computed} != {csum})"
                )));
            }
            let mut w = s.writer.lock().unwrap_or_else(|e| e.into_inner());
            let writer = w
                .as_mut()
                .ok_or_else(|| ApiError::bad("backup session is over"))?;
            writer.upload_index(&n, &data).map_err(backup_err)
        })
        .await?;
        let mut st = self.lock();
        st.writers.remove(&wid);
        st.file_count += 1;
        self.task.log(format!(
            "{kind} writer '{wid}' ({name}) closed: {size} bytes"
        ));
        Ok(Reply::data(Value::Null))
    }

    async fn upload_blob(self: Arc<Self>, req: Request<Incoming>) -> ApiResult<Reply> {
        let BlobUpload { name, encoded_size } = parse_blob_upload(&Params::from_query(
            req.uri().query().unwrap_or("").as_bytes(),
        ))?;
        let body = read_body(req.into_body(), encoded_size).await?;
        if body.len() != encoded_size {
            return Err(ApiError::bad(format!(
                "got blob with unexpected length ({encoded_size} != {})",
                body.len()
            )));
        }
        if name == MANIFEST_BLOB_NAME {
            // The header and CRC check (a blob is up to 16 MiB) runs on a blocking thread.
            let (n, b) = (name.clone(), body.clone());
            blocking(move || check_blob_body(&n, &b)).await?;
            let raw = body.to_vec();
            let mut st = self.lock();
            if st.manifest.is_some() {
                return Err(ApiError::bad(format!("file '{name}' already uploaded")));
            }
            st.manifest = Some(raw);
            st.file_count += 1;
            // PBS counts every uploaded blob's encoded bytes in the upload statistics.
            st.stats.size += encoded_size as u64;
        } else {
            let s = self.clone();
            let n = name.clone();
            blocking(move || {
                check_blob_body(&n, &body)?;
                let mut w = s.writer.lock().unwrap_or_else(|e| e.into_inner());
                let writer = w
                    .as_mut()
                    .ok_or_else(|| ApiError::bad("backup session is over"))?;
                writer.upload_blob(&n, &body).map_err(backup_err)
            })
            .await?;
            let mut st = self.lock();
            st.file_count += 1;
            st.stats.size += encoded_size as u64;
        }
        self.task
            .log(format!("add blob '{name}' ({encoded_size} bytes)"));
        Ok(Reply::data(Value::Null))
    }

    async fn finish(self: Arc<Self>) -> ApiResult<Reply> {
        let (raw, stats) = {
            let st = self.lock();
            if !st.writers.is_empty() {
                return Err(ApiError::bad(
                    "found open index writer - unable to finish backup",
                ));
            }
            if st.file_count == 0 {
                return Err(ApiError::bad(
                    "backup does not contain valid files (file count == 0)",
                ));
            }
            let raw = st.manifest.clone().ok_or_else(|| {
                ApiError::bad("unable to update manifest blob - unable to load blob 'index.json.blob' - missing")
            })?;
            let stats = json!({
                "count": st.stats.count,
                "size": st.stats.size,
                "compressed_size": st.stats.compressed_size,
                "duplicates": st.stats.duplicates,
            });
            (raw, stats)
        };
        let s = self.clone();
        // The manifest re-encode and the publish run on a blocking thread, with no lock of the
        // session state held.
        blocking(move || {
            // Record the upload statistics in the unprotected part, as PBS does.
            let json = blob::decode(&raw, None, limits::MAX_MANIFEST_SIZE)
                .map_err(|e| ApiError::bad(format!("unable to update manifest blob - {e}")))?;
            let mut m = Manifest::parse(&json)
                .map_err(|e| ApiError::bad(format!("unable to update manifest blob - {e}")))?;
            m.set_unprotected("chunk_upload_stats", stats);
            let json = m
                .to_json_bytes()
                .map_err(|e| ApiError::bad(format!("unable to update manifest blob - {e}")))?;
            let manifest = blob::encode(&json, None, true)
                .map_err(|e| ApiError::bad(format!("unable to update manifest blob - {e}")))?;
            let writer = s
                .writer
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .take()
                .ok_or_else(|| ApiError::bad("backup session is over"))?;
            if s.benchmark {
                // Benchmark data is never kept: dropping the writer removes it.
                drop(writer);
                return Ok(());
            }
            if let Some(base) = &s.base {
                if !s.store.snapshot_exists(&s.ns, base) {
                    return Err(ApiError::bad(format!(
                        "base snapshot {base} was removed during backup, cannot finish as chunks might be missing"
                    )));
                }
            }
            crate::util::failpoint::failpoint("serve.finish.before_publish")
                .map_err(|e| ApiError::bad(format!("finish {}: {e}", s.snapshot)))?;
            writer.finish(&manifest).map_err(backup_err)
        })
        .await?;
        self.lock().finished = true;
        self.task
            .log(format!("snapshot {} finished", self.snapshot));
        Ok(Reply::data(Value::Null))
    }
}

fn not_registered(fixed: bool, wid: usize) -> ApiError {
    ApiError::bad(format!(
        "{} writer '{wid}' not registered",
        if fixed { "fixed" } else { "dynamic" }
    ))
}

fn archive_name(name: &str, ext: &str) -> ApiResult<String> {
    if !name.ends_with(ext) {
        return Err(ApiError::bad("wrong archive extension"));
    }
    if !crate::server::params::is_safe_id(name) {
        return Err(ApiError::bad(format!("invalid archive name '{name}'")));
    }
    Ok(name.to_string())
}
