//! `pbsh serve`: a Proxmox Backup Server compatible HTTPS server over local datastores.
//!
//! One TLS listener speaks HTTP/1.1 for the REST API and upgrades to HTTP/2 for the backup and
//! reader protocols (protocol.md §1, §4, §5). Storage is `repo::local`; this layer only checks,
//! routes and encodes. Never reaches into client code; CPU and file work runs on blocking threads.

pub mod auth;
pub mod backup_protocol;
pub mod cli;
pub mod datastore_api;
pub mod limits;
pub mod params;
pub mod reader_protocol;
pub mod rest;
pub mod tasks;
pub mod tls;

use crate::repo::local::LocalDatastore;
use crate::repo::RepoError;
use bytes::Bytes;
use http::{header, Response, StatusCode};
use http_body_util::Full;
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use thiserror::Error;

/// The response body type of every handler.
pub type Body = Full<Bytes>;

/// LIMIT: parameter bodies (JSON or form) are at most 64 KiB, as PBS's REST server allows.
pub const MAX_PARAM_BODY: usize = 64 * 1024;
/// LIMIT: a chunk upload body: 16 MiB of data plus the encrypted blob header (protocol.md §4.3).
pub const MAX_CHUNK_UPLOAD: usize = 16 * 1024 * 1024 + 44;
/// LIMIT: blob and client-log uploads share the chunk bound (PBS's `encoded-size` maximum).
pub const MAX_BLOB_UPLOAD: usize = MAX_CHUNK_UPLOAD;
/// LIMIT: open backup + reader sessions at once (see `limits` for the per-user share).
pub use limits::MAX_SESSIONS;
/// LIMIT: path + query of a request, as PBS's `MAX_URI_QUERY_LENGTH`.
pub const MAX_URI_LEN: usize = 3072;

/// An API failure: an HTTP status and the plain-text message PBS would send.
#[derive(Debug, Error)]
#[error("{message}")]
pub struct ApiError {
    pub status: StatusCode,
    pub message: String,
}

impl ApiError {
    pub fn new(status: StatusCode, message: impl Into<String>) -> Self {
        ApiError {
            status,
            message: message.into(),
        }
    }
    pub fn bad(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, message)
    }
    pub fn unauthorized(message: impl Into<String>) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, message)
    }
    pub fn forbidden() -> Self {
        Self::new(StatusCode::FORBIDDEN, "permission check failed.")
    }
    pub fn not_found(path: &str) -> Self {
        Self::new(StatusCode::NOT_FOUND, format!("Path '{path}' not found."))
    }
    pub fn internal(message: impl Into<String>) -> Self {
        Self::new(StatusCode::INTERNAL_SERVER_ERROR, message)
    }
}

impl From<RepoError> for ApiError {
    fn from(e: RepoError) -> Self {
        match &e {
            RepoError::NotFound(_) => ApiError::new(StatusCode::NOT_FOUND, e.to_string()),
            RepoError::Io { .. } => ApiError::internal(e.to_string()),
            _ => ApiError::bad(e.to_string()),
        }
    }
}

impl From<crate::engine::backup::EngineError> for ApiError {
    fn from(e: crate::engine::backup::EngineError) -> Self {
        ApiError::bad(e.to_string())
    }
}

pub type ApiResult<T> = std::result::Result<T, ApiError>;

/// What a handler returns: JSON data (wrapped in `{"data": …}` plus extra attributes) or raw bytes.
#[derive(Debug)]
pub enum Reply {
    Json(Value, BTreeMap<String, Value>),
    Raw(Bytes, &'static str),
}

impl Reply {
    pub fn data(value: Value) -> Self {
        Reply::Json(value, BTreeMap::new())
    }

    /// The data of a reply from its `crate::protocol` type.
    pub fn typed<T: serde::Serialize>(value: &T) -> ApiResult<Self> {
        serde_json::to_value(value)
            .map(Reply::data)
            .map_err(|e| ApiError::internal(format!("cannot encode the reply: {e}")))
    }

    /// This reply with an attribute beside `data` (PBS's `total`, `success`, `active`).
    pub fn with(mut self, key: &str, value: Value) -> Self {
        if let Reply::Json(_, extra) = &mut self {
            extra.insert(key.to_string(), value);
        }
        self
    }
}

/// Turns a handler result into PBS's envelope: `{"data": …}` on success, plain text on error.
pub fn into_response(result: ApiResult<Reply>) -> Response<Body> {
    let (status, body, ctype) = match result {
        Ok(Reply::Json(data, extra)) => {
            let mut map = serde_json::Map::new();
            map.insert("data".into(), data);
            map.extend(extra);
            let text = serde_json::to_vec(&Value::Object(map)).unwrap_or_default();
            (
                StatusCode::OK,
                Bytes::from(text),
                "application/json;charset=UTF-8",
            )
        }
        Ok(Reply::Raw(bytes, ctype)) => (StatusCode::OK, bytes, ctype),
        Err(e) => (
            e.status,
            Bytes::from(e.message.into_bytes()),
            "application/json;charset=UTF-8",
        ),
    };
    let mut resp = Response::new(Full::new(body));
    *resp.status_mut() = status;
    if let Ok(v) = header::HeaderValue::from_str(ctype) {
        resp.headers_mut().insert(header::CONTENT_TYPE, v);
    }
    resp
}

/// Everything the server's handlers share.
pub struct ServerState {
    pub datastores: BTreeMap<String, LocalDatastore>,
    pub auth: auth::AuthConfig,
    pub tasks: Arc<tasks::TaskRegistry>,
    pub sessions: Arc<limits::SessionSlots>,
    /// Result of the last garbage collection per datastore: (UPID, stats, end time).
    pub gc_status: Mutex<BTreeMap<String, GcRecord>>,
}

/// The outcome of a finished garbage collection, for `GET gc` and `status`.
#[derive(Debug, Clone)]
pub struct GcRecord {
    pub upid: String,
    pub stats: Option<crate::engine::gc::GcStats>,
    pub endtime: i64,
    pub state: String,
}

impl ServerState {
    pub fn datastore(&self, name: &str) -> ApiResult<&LocalDatastore> {
        self.datastores
            .get(name)
            .ok_or_else(|| ApiError::bad(format!("datastore '{name}' does not exist.")))
    }
}

/// Options of a running server.
#[derive(Debug, Clone)]
pub struct ServeOptions {
    pub datastores: Vec<(String, crate::repo::location::DatastoreLocation)>,
    pub listen: String,
    pub config_dir: PathBuf,
}

/// Runs `f` on a blocking thread and flattens a panic or cancellation into an API error.
pub async fn blocking<T, F>(f: F) -> ApiResult<T>
where
    F: FnOnce() -> ApiResult<T> + Send + 'static,
    T: Send + 'static,
{
    match tokio::task::spawn_blocking(f).await {
        Ok(r) => r,
        Err(e) => Err(ApiError::internal(format!("worker failed: {e}"))),
    }
}

/// Runs CPU-bound `f` (an uploaded chunk's decode, hash and store) on a blocking thread, at
/// most one per core at a time across all sessions: a client that pipelines many uploads (pbsh
/// keeps 16 in flight) queues here instead of waking a thread per chunk that then compete for
/// the same cores with each other and with the client, and holds no more chunk bodies in
/// decoding than there are cores.
pub async fn cpu_bound<T, F>(f: F) -> ApiResult<T>
where
    F: FnOnce() -> ApiResult<T> + Send + 'static,
    T: Send + 'static,
{
    static PERMITS: std::sync::OnceLock<Arc<tokio::sync::Semaphore>> = std::sync::OnceLock::new();
    let permits = PERMITS.get_or_init(|| {
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        Arc::new(tokio::sync::Semaphore::new(cores))
    });
    let permit = permits
        .clone()
        .acquire_owned()
        .await
        .map_err(|e| ApiError::internal(format!("worker pool closed: {e}")))?;
    blocking(move || {
        let _permit = permit;
        f()
    })
    .await
}

/// Reads a request body, refusing more than `limit` bytes, and one that comes too slowly: a
/// pause longer than the body timeout, or less than `limits::BODY_MIN_RATE` on average after
/// it (408), so no client holds a connection by trickling a body in.
pub async fn read_body<B>(body: B, limit: usize) -> ApiResult<Bytes>
where
    B: hyper::body::Body<Data = Bytes> + Send,
    B::Error:
        std::fmt::Display + Send + Sync + 'static + Into<Box<dyn std::error::Error + Send + Sync>>,
{
    use http_body_util::BodyExt;
    let timeout = limits::current().body_timeout;
    let mut body = std::pin::pin!(body);
    let start = tokio::time::Instant::now();
    let mut last = start;
    let mut received = 0usize;
    let mut pieces: Vec<Bytes> = Vec::new();
    loop {
        let deadline = limits::body_deadline(start, last, received as u64, timeout);
        let frame = match tokio::time::timeout_at(deadline, body.frame()).await {
            Err(_) => {
                return Err(ApiError::new(
                    StatusCode::REQUEST_TIMEOUT,
                    format!(
                        "request body too slow ({received} bytes in {} s; pauses of at most {} s and {} bytes/s are needed)",
                        start.elapsed().as_secs(),
                        timeout.as_secs(),
                        limits::BODY_MIN_RATE
                    ),
                ))
            }
            Ok(None) => break,
            Ok(Some(Err(e))) => {
                return Err(ApiError::bad(format!("reading request body failed - {e}")))
            }
            Ok(Some(Ok(frame))) => frame,
        };
        if let Ok(data) = frame.into_data() {
            received = received.saturating_add(data.len());
            // LIMIT: the caller's bound, checked before the piece is kept.
            if received > limit {
                return Err(ApiError::bad(format!(
                    "Request body too large (more than {limit} bytes)"
                )));
            }
            if !data.is_empty() {
                last = tokio::time::Instant::now();
                pieces.push(data);
            }
        }
    }
    Ok(match pieces.len() {
        0 => Bytes::new(),
        1 => pieces.pop().unwrap_or_default(),
        _ => {
            let mut all = bytes::BytesMut::with_capacity(received);
            for piece in pieces {
                all.extend_from_slice(&piece);
            }
            all.freeze()
        }
    })
}

/// Now, in epoch seconds.
pub fn now_epoch() -> i64 {
    chrono::Utc::now().timestamp()
}

/// Starts the server and runs until the process is killed or interrupted.
pub fn run(options: ServeOptions) -> Result<(), String> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start the runtime: {e}"))?;
    runtime.block_on(rest::serve(options))
}

/// Serves HTTP/2 on an upgraded connection with PBS's window and frame settings (protocol.md
/// §4.2); returns when the client closes it or it fails, or drops it when `task` is stopped.
/// The first HTTP/2 frame must arrive within the session start timeout, or the session ends.
pub async fn serve_h2<F, Fut>(
    upgraded: hyper::upgrade::Upgraded,
    task: Arc<tasks::Task>,
    handler: F,
) -> Result<(), String>
where
    F: Fn(http::Request<hyper::body::Incoming>) -> Fut + Clone + Send + Sync + 'static,
    Fut: std::future::Future<Output = Response<Body>> + Send + 'static,
{
    let service = hyper::service::service_fn(move |req| {
        let handler = handler.clone();
        async move { Ok::<_, std::convert::Infallible>(handler(req).await) }
    });
    let connection = hyper::server::conn::http2::Builder::new(hyper_util::rt::TokioExecutor::new())
        .timer(hyper_util::rt::TokioTimer::new())
        .initial_stream_window_size(32 * 1024 * 1024)
        .initial_connection_window_size(32 * 1024 * 1024)
        .max_frame_size(4 * 1024 * 1024)
        // A peer that vanishes without a reset is noticed and its session dropped.
        .keep_alive_interval(Some(std::time::Duration::from_secs(60)))
        .keep_alive_timeout(std::time::Duration::from_secs(60))
        .serve_connection(
            hyper_util::rt::TokioIo::new(limits::StartDeadline::new(
                hyper_util::rt::TokioIo::new(upgraded),
                limits::current().session_start_timeout,
            )),
            service,
        );
    tokio::select! {
        served = connection => served.map_err(|e| e.to_string()),
        // `task stop`: the connection is dropped, so the client sees its session end.
        () = task.aborted() => Err(tasks::ABORTED.to_string()),
    }
}

/// The `101 Switching Protocols` answer for `protocol`.
pub fn switching_protocols(protocol: &'static str) -> Response<Body> {
    let mut resp = Response::new(Full::new(Bytes::new()));
    *resp.status_mut() = StatusCode::SWITCHING_PROTOCOLS;
    resp.headers_mut().insert(
        header::CONNECTION,
        header::HeaderValue::from_static("upgrade"),
    );
    resp.headers_mut()
        .insert(header::UPGRADE, header::HeaderValue::from_static(protocol));
    resp
}

/// Checks the upgrade request's protocol name and HTTP version.
/// What both upgrade protocols (backup, reader) start from: the checked query, the datastore,
/// the namespace and the snapshot, and a session slot.
pub struct ProtocolStart {
    pub params: params::Params,
    pub store_name: String,
    pub store: LocalDatastore,
    pub ns: crate::repo::types::Namespace,
    pub snapshot: crate::repo::types::SnapshotRef,
    /// The session's slot and its connection's: both held until the session ends.
    pub slots: SessionHold,
}

/// What a running session holds: its session slot and the slot of the connection it runs on.
#[derive(Debug)]
pub struct SessionHold {
    _session: limits::SessionSlot,
    _connection: Option<Arc<limits::ConnectionSlot>>,
}

/// Checks an upgrade request for `protocol`: the query (the common parameters and `extra`), the
/// store, the Upgrade header, the namespace and snapshot, then takes a session slot of `user`.
pub fn start_protocol<B>(
    state: &ServerState,
    req: &http::Request<B>,
    protocol: &str,
    extra: &[&str],
    user: &str,
) -> ApiResult<ProtocolStart> {
    let params = params::Params::from_query(req.uri().query().unwrap_or("").as_bytes());
    let mut allowed = vec![
        "store",
        "ns",
        "backup-type",
        "backup-id",
        "backup-time",
        "debug",
    ];
    allowed.extend_from_slice(extra);
    params.allow(&allowed)?;
    let store_name = params.str("store")?.to_string();
    let store = state.datastore(&store_name)?.clone();
    check_upgrade(req, protocol)?;
    let ns = params.ns("ns")?;
    let snapshot = params.snapshot()?;
    let slots = SessionHold {
        _session: state.sessions.take(user)?,
        _connection: req
            .extensions()
            .get::<Arc<limits::ConnectionSlot>>()
            .cloned(),
    };
    Ok(ProtocolStart {
        params,
        store_name,
        store,
        ns,
        snapshot,
        slots,
    })
}

pub fn check_upgrade<B>(req: &http::Request<B>, protocol: &str) -> ApiResult<()> {
    let upgrade = req
        .headers()
        .get(header::UPGRADE)
        .and_then(|v| v.to_str().ok())
        .ok_or_else(|| ApiError::bad("missing Upgrade header"))?;
    if upgrade != protocol {
        return Err(ApiError::bad("invalid protocol name"));
    }
    if req.version() >= http::Version::HTTP_2 {
        return Err(ApiError::bad(format!(
            "unexpected http version '{:?}' (expected version < 2)",
            req.version()
        )));
    }
    Ok(())
}
