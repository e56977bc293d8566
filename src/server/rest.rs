//! The HTTPS listener and the REST router for `/api2/json/…`: authentication, CSRF, parameter
//! collection and dispatch to the access, version, task and datastore handlers.
//!
//! Every request is authenticated before any handler runs (reliability.md P8); 401 answers are
//! delayed to 3 s after the request began and 403 to 0.5 s, as PBS does. Never panics on input.

use super::auth::Principal;
use super::params::Params;
use super::{
    auth, backup_protocol, datastore_api, into_response, read_body, reader_protocol, tasks, tls,
    ApiError, ApiResult, Body, Reply, ServeOptions, ServerState, MAX_PARAM_BODY, MAX_URI_LEN,
};
use crate::protocol::{ApiVersion, TaskListItem, TaskLogLine, TaskStatus, TicketInfo};
use bytes::Bytes;
use http::{header, Method, Request, Response, StatusCode};
use hyper::body::Incoming;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::convert::Infallible;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;

/// Delay of an authentication failure, counted from the request's start.
const UNAUTH_DELAY: Duration = Duration::from_secs(3);
const FORBIDDEN_DELAY: Duration = Duration::from_millis(500);
/// LIMIT: time to finish a TLS handshake.
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(30);

/// Binds, prints the fingerprint and the address, and serves until SIGINT/SIGTERM.
pub async fn serve(options: ServeOptions) -> Result<(), String> {
    let dir = &options.config_dir;
    std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let (cert, key) = tls::load_or_create(dir)?;
    let fingerprint = tls::fingerprint(&cert)?;
    let acceptor = Arc::new(tls::acceptor(&cert, &key)?);
    let mut datastores = BTreeMap::new();
    for (name, path) in &options.datastores {
        if !super::params::is_safe_id(name) || name.len() < 3 || name.len() > 32 {
            return Err(format!(
                "invalid datastore name {name:?} (3-32 letters, digits, '_', '.', '-')"
            ));
        }
        let store = path
            .open(true)
            .map_err(|e| format!("datastore {name} at {path}: {e}"))?;
        // Backups interrupted by a crash or kill of an earlier server (or client) left hidden
        // snapshot directories: no session of ours owns them yet, so they go now (groups a
        // running local backup holds are left to its next backup).
        match store.remove_unfinished_backups() {
            Ok(removed) => {
                for dir in removed {
                    crate::errln!("pbsh serve: {name}: removed unfinished backup {dir}");
                }
            }
            Err(e) => crate::errln!("pbsh serve: {name}: unfinished backups not checked: {e}"),
        }
        datastores.insert(name.clone(), store);
    }
    if datastores.is_empty() {
        return Err("no datastore given (use --datastore NAME=PATH)".into());
    }
    // Test/ops knob: PBSH_TICKET_LIFETIME_SECS shortens the lifetime of the tickets issued (the
    // client reads the same variable for the lifetime it assumes); default 7200 s, as PBS.
    let lifetime = crate::util::knobs::positive(
        crate::repo::remote::client::TICKET_LIFETIME_ENV,
        auth::TICKET_LIFETIME,
        i64::MAX,
    );
    let state = Arc::new(ServerState {
        datastores,
        auth: auth::AuthConfig::open(dir, lifetime)?,
        tasks: tasks::TaskRegistry::open(&dir.join("tasks"))
            .map_err(|e| format!("{}: {e}", dir.join("tasks").display()))?,
        sessions: super::limits::SessionSlots::new(super::limits::current()),
        gc_status: Default::default(),
    });
    let listener = TcpListener::bind(&options.listen)
        .await
        .map_err(|e| format!("cannot listen on {}: {e}", options.listen))?;
    let addr = listener.local_addr().map_err(|e| e.to_string())?;
    crate::outln!("fingerprint: {fingerprint}");
    crate::outln!("listening on https://{addr}");
    use std::io::Write;
    let _ = std::io::stdout().flush();
    let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        .map_err(|e| e.to_string())?;
    let connections = super::limits::ConnectionSlots::new(super::limits::current());
    let mut backoff = AcceptBackoff::default();
    let mut refusing = false;
    loop {
        tokio::select! {
            accepted = listener.accept() => {
                let (tcp, peer) = match accepted {
                    Ok(a) => a,
                    Err(e) => {
                        backoff.wait(&e).await;
                        continue;
                    }
                };
                backoff.reset();
                // Fair accept: a connection over its peer's share or over the cap is taken off
                // the queue and closed at once, so it never waits in front of others.
                let Some(slot) = connections.take(peer.ip()) else {
                    if !refusing {
                        crate::errln!(
                            "pbsh serve: connection limit reached; refusing connections from {} (and others over their share)",
                            peer.ip()
                        );
                    }
                    refusing = true;
                    drop(tcp);
                    continue;
                };
                refusing = false;
                let _ = tcp.set_nodelay(true);
                let state = state.clone();
                let acceptor = acceptor.clone();
                tokio::spawn(async move {
                    if let Err(e) = handle_connection(state, acceptor, tcp, slot).await {
                        if std::env::var_os("PBSH_SERVE_DEBUG").is_some() {
                            crate::errln!("pbsh serve: connection: {e}");
                        }
                    }
                });
            }
            _ = tokio::signal::ctrl_c() => break,
            _ = term.recv() => break,
        }
    }
    crate::outln!("shutting down");
    Ok(())
}

/// How the accept loop waits after a failed `accept`: resource errors (out of descriptors or
/// memory) back off from 10 ms to 1 s and are reported once per episode; others (a connection
/// aborted before it was taken) are retried at once. The loop never stops.
#[derive(Default)]
struct AcceptBackoff {
    delay: Option<Duration>,
}

impl AcceptBackoff {
    async fn wait(&mut self, e: &std::io::Error) {
        let is_resource = matches!(
            e.raw_os_error(),
            Some(libc::EMFILE | libc::ENFILE | libc::ENOBUFS | libc::ENOMEM)
        );
        if !is_resource {
            return;
        }
        let delay = match self.delay {
            None => {
                crate::errln!("pbsh serve: accept failed: {e}; backing off until it works again");
                Duration::from_millis(10)
            }
            Some(d) => (d * 2).min(Duration::from_secs(1)),
        };
        self.delay = Some(delay);
        tokio::time::sleep(delay).await;
    }

    fn reset(&mut self) {
        if self.delay.take().is_some() {
            crate::errln!("pbsh serve: accepting connections again");
        }
    }
}

async fn handle_connection(
    state: Arc<ServerState>,
    acceptor: Arc<openssl::ssl::SslAcceptor>,
    tcp: tokio::net::TcpStream,
    slot: Arc<super::limits::ConnectionSlot>,
) -> Result<(), String> {
    let ssl = openssl::ssl::Ssl::new(acceptor.context()).map_err(|e| e.to_string())?;
    let mut stream = tokio_openssl::SslStream::new(ssl, tcp).map_err(|e| e.to_string())?;
    tokio::time::timeout(HANDSHAKE_TIMEOUT, Pin::new(&mut stream).accept())
        .await
        .map_err(|_| "tls handshake timed out".to_string())?
        .map_err(|e| format!("tls handshake: {e}"))?;
    let service = service_fn(move |mut req: Request<Incoming>| {
        let state = state.clone();
        // An upgraded session keeps this connection's slot (see `start_protocol`).
        req.extensions_mut().insert(slot.clone());
        async move { Ok::<_, Infallible>(handle(state, req).await) }
    });
    hyper::server::conn::http1::Builder::new()
        .timer(hyper_util::rt::TokioTimer::new())
        // LIMIT: a client has 30 s to send a request's headers (no slowloris).
        .header_read_timeout(Duration::from_secs(30))
        .serve_connection(TokioIo::new(stream), service)
        .with_upgrades()
        .await
        .map_err(|e| e.to_string())
}

async fn handle(state: Arc<ServerState>, req: Request<Incoming>) -> Response<Body> {
    let start = tokio::time::Instant::now();
    let resp = match dispatch(&state, req).await {
        Ok(r) => r,
        Err(e) => into_response(Err(e)),
    };
    match resp.status() {
        StatusCode::UNAUTHORIZED => tokio::time::sleep_until(start + UNAUTH_DELAY).await,
        StatusCode::FORBIDDEN => tokio::time::sleep_until(start + FORBIDDEN_DELAY).await,
        _ => {}
    }
    resp
}

/// Who sent `req`: a ticket cookie (with CSRF on non-GET) or an API token header.
pub fn authenticate(state: &ServerState, req: &Request<Incoming>) -> ApiResult<Principal> {
    let now = super::now_epoch();
    let fail = |why: &str| ApiError::unauthorized(format!("authentication failed - {why}"));
    if let Some(value) = req.headers().get(header::AUTHORIZATION) {
        let text = value
            .to_str()
            .map_err(|_| fail("invalid authorization header"))?;
        return state.auth.principal_from_token(text).map_err(|e| fail(&e));
    }
    let ticket = req
        .headers()
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(auth::extract_cookie)
        .ok_or_else(|| fail("no authentication credentials provided."))?;
    let principal = state
        .auth
        .principal_from_ticket(&ticket, now)
        .map_err(|e| fail(&e))?;
    if req.method() != Method::GET {
        let token = req
            .headers()
            .get("CSRFPreventionToken")
            .and_then(|v| v.to_str().ok())
            .ok_or_else(|| fail("missing CSRF prevention token"))?;
        if !state.auth.verify_csrf(token, &principal.userid, now) {
            return Err(fail("invalid CSRF prevention token"));
        }
    }
    Ok(principal)
}

fn percent_decode(text: &str) -> ApiResult<String> {
    percent_encoding::percent_decode_str(text)
        .decode_utf8()
        .map(|s| s.into_owned())
        .map_err(|_| ApiError::bad("invalid percent encoding in path"))
}

/// Collects normal handler parameters: JSON body, or form body + query string.
async fn collect_params(req: Request<Incoming>) -> ApiResult<Params> {
    let ctype = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(|s| {
            s.split(';')
                .next()
                .unwrap_or("")
                .trim()
                .to_ascii_lowercase()
        });
    let query = req.uri().query().unwrap_or("").to_string();
    let body = read_body(req.into_body(), MAX_PARAM_BODY).await?;
    match ctype.as_deref() {
        Some("application/json") => Params::from_body(true, query.as_bytes(), &body),
        None | Some("application/x-www-form-urlencoded") => {
            Params::from_body(false, query.as_bytes(), &body)
        }
        Some(other) => Err(ApiError::bad(format!("unsupported content type {other}"))),
    }
}

async fn dispatch(state: &Arc<ServerState>, req: Request<Incoming>) -> ApiResult<Response<Body>> {
    let uri_len = req
        .uri()
        .path_and_query()
        .map(|p| p.as_str().len())
        .unwrap_or(0);
    if uri_len > MAX_URI_LEN {
        return Err(ApiError::bad("request URI too long"));
    }
    let path = req.uri().path().to_string();
    // Empty segments are ignored, as PBS does: its own client asks for `//api2/json/…`.
    let mut segments = path.split('/').filter(|s| !s.is_empty());
    if segments.next() != Some("api2") || segments.next() != Some("json") {
        return Err(ApiError::not_found(&path));
    }
    let parts: Vec<String> = segments.map(percent_decode).collect::<ApiResult<_>>()?;
    let parts: Vec<&str> = parts.iter().map(String::as_str).collect();
    let method = req.method().clone();

    if method == Method::POST && parts == ["access", "ticket"] {
        let params = collect_params(req).await?;
        return Ok(into_response(login(state, params).await));
    }
    let principal = authenticate(state, &req)?;
    match (&method, parts.as_slice()) {
        (&Method::GET, ["backup"]) => {
            return backup_protocol::start(state.clone(), principal, req).await
        }
        (&Method::GET, ["reader"]) => {
            return reader_protocol::start(state.clone(), principal, req).await
        }
        (&Method::POST, ["admin", "datastore", store, "upload-backup-log"]) => {
            let store = store.to_string();
            let mut params = Params::from_query(req.uri().query().unwrap_or("").as_bytes());
            params.insert("store", &store);
            let body = read_body(req.into_body(), super::MAX_BLOB_UPLOAD).await?;
            return Ok(into_response(
                datastore_api::upload_backup_log(state, &principal, params, body).await,
            ));
        }
        _ => {}
    }
    let owned: Vec<String> = parts.iter().map(|s| s.to_string()).collect();
    let mut params = collect_params(req).await?;
    let parts: Vec<&str> = owned.iter().map(String::as_str).collect();
    let result = match (&method, parts.as_slice()) {
        (&Method::GET, ["version"]) => {
            params.allow(&[])?;
            Reply::typed(&ApiVersion {
                version: "3.2".into(),
                release: "4".into(),
                repoid: concat!("pbsh-", env!("CARGO_PKG_VERSION")).into(),
            })
        }
        (&Method::GET, ["access", "ticket"]) => Ok(Reply::data(Value::Null)),
        (_, ["admin", "datastore", rest @ ..]) => {
            if let Some(store) = rest.first() {
                params.insert("store", store);
            }
            datastore_api::route(
                state,
                &principal,
                &method,
                rest.get(1..).unwrap_or(&[]),
                params,
                rest.is_empty(),
            )
            .await
        }
        (_, ["nodes", _node, "tasks", rest @ ..]) => {
            task_route(state, &principal, &method, rest, params).await
        }
        _ => Err(ApiError::not_found(&path)),
    };
    Ok(into_response(result))
}

async fn login(state: &Arc<ServerState>, params: Params) -> ApiResult<Reply> {
    params.allow(&[
        "username",
        "password",
        "tfa-challenge",
        "path",
        "privs",
        "port",
    ])?;
    let username = params.str("username")?.to_string();
    let password = zeroize::Zeroizing::new(params.str("password")?.to_string());
    let st = state.clone();
    let user = username.clone();
    let ok =
        super::blocking(move || Ok(st.auth.login(&user, &password, super::now_epoch()).is_ok()))
            .await?;
    if !ok {
        return Err(ApiError::unauthorized("permission check failed."));
    }
    let now = super::now_epoch();
    Reply::typed(&TicketInfo {
        ticket: state.auth.make_ticket(&username, now)?,
        csrf_token: Some(state.auth.make_csrf(&username, now)?),
        username,
    })
}

/// PBS's store filter of the task list: only backup, prune, garbage collection and verify tasks
/// belong to a datastore (reader sessions and benchmarks do not show under one).
fn task_of_store(upid: &tasks::Upid, store: &str) -> bool {
    let id = &upid.worker_id;
    let on_store = id == store || id.strip_prefix(store).is_some_and(|r| r.starts_with(':'));
    on_store
        && (upid.worker_type.starts_with("verif")
            || matches!(
                upid.worker_type.as_str(),
                "backup" | "prune" | "prunejob" | "garbage_collection"
            ))
}

fn task_visible(p: &Principal, entry: &tasks::TaskEntry) -> bool {
    p.admin
        || entry.upid.authid == p.authid
        || (!p.is_token() && entry.upid.authid.split('!').next() == Some(&p.userid))
}

fn task_item(node: &str, e: &tasks::TaskEntry) -> TaskListItem {
    let (endtime, status) = match (e.endtime, &e.status) {
        (Some(end), Some(status)) => (Some(end), Some(status.clone())),
        _ => (None, None),
    };
    TaskListItem {
        upid: e.upid_text.clone(),
        node: node.to_string(),
        pid: i64::from(e.upid.pid),
        pstart: e.upid.pstart,
        starttime: e.upid.starttime,
        worker_type: e.upid.worker_type.clone(),
        worker_id: Some(e.upid.worker_id.clone()),
        user: e.upid.authid.clone(),
        endtime,
        status,
    }
}

fn status_class(status: &str) -> &'static str {
    if status == "OK" {
        "ok"
    } else if status.starts_with("WARNINGS") {
        "warning"
    } else if status == "unknown" {
        "unknown"
    } else {
        "error"
    }
}

async fn task_route(
    state: &Arc<ServerState>,
    p: &Principal,
    method: &Method,
    rest: &[&str],
    params: Params,
) -> ApiResult<Reply> {
    match (method, rest) {
        (&Method::GET, []) => list_tasks(state, p, &params),
        (&Method::DELETE, [upid]) => {
            params.allow(&[])?;
            find_task(state, p, upid)?;
            state.tasks.abort(upid);
            Ok(Reply::data(Value::Null))
        }
        (&Method::GET, [upid]) => {
            find_task(state, p, upid)?;
            Ok(Reply::data(
                json!([{"subdir": "log"}, {"subdir": "status"}]),
            ))
        }
        (&Method::GET, [upid, "status"]) => {
            params.allow(&[])?;
            task_status(state, &find_task(state, p, upid)?)
        }
        (&Method::GET, [upid, "log"]) => {
            params.allow(&["start", "limit", "test-status", "download"])?;
            let entry = find_task(state, p, upid)?;
            task_log(state, &entry, &params).await
        }
        _ => Err(ApiError::not_found(&format!(
            "/nodes/localhost/tasks/{}",
            rest.join("/")
        ))),
    }
}

/// A task the caller may see (its own, or any for an admin).
fn find_task(state: &ServerState, p: &Principal, upid: &str) -> ApiResult<tasks::TaskEntry> {
    let entry = state
        .tasks
        .get(upid)
        .ok_or_else(|| ApiError::bad(format!("no such task {upid}")))?;
    if !task_visible(p, &entry) {
        return Err(ApiError::forbidden());
    }
    Ok(entry)
}

/// `GET /nodes/{node}/tasks`: the tasks the caller may see, filtered and paged as PBS does.
fn list_tasks(state: &ServerState, p: &Principal, params: &Params) -> ApiResult<Reply> {
    params.allow(&[
        "start",
        "limit",
        "store",
        "running",
        "errors",
        "userfilter",
        "since",
        "until",
        "typefilter",
        "statusfilter",
    ])?;
    let registry = &state.tasks;
    let start = params.opt_int("start", 0, i64::MAX)?.unwrap_or(0) as usize;
    let limit = params.opt_int("limit", 0, i64::MAX)?.unwrap_or(50) as usize;
    let running = params.opt_bool("running")?.unwrap_or(false);
    let errors = params.opt_bool("errors")?.unwrap_or(false);
    let store = params.opt_str("store")?;
    let user = params.opt_str("userfilter")?;
    let typefilter = params.opt_str("typefilter")?;
    let since = params.opt_int("since", 0, i64::MAX)?;
    let until = params.opt_int("until", 0, i64::MAX)?;
    let statusfilter: Vec<String> = params
        .list("statusfilter")?
        .iter()
        .filter_map(|v| v.as_str().map(str::to_string))
        .collect();
    let matching: Vec<TaskListItem> = registry
        .list()
        .into_iter()
        .filter(|e| task_visible(p, e))
        .filter(|e| !running || e.running())
        .filter(|e| {
            !errors
                || e.status
                    .as_deref()
                    .is_some_and(|s| status_class(s) == "error")
        })
        .filter(|e| store.is_none_or(|s| task_of_store(&e.upid, s)))
        .filter(|e| user.is_none_or(|u| e.upid.authid.contains(u)))
        .filter(|e| typefilter.is_none_or(|t| e.upid.worker_type.contains(t)))
        .filter(|e| since.is_none_or(|s| e.upid.starttime >= s))
        .filter(|e| until.is_none_or(|u| e.upid.starttime <= u))
        .filter(|e| {
            statusfilter.is_empty()
                || e.status
                    .as_deref()
                    .is_some_and(|s| statusfilter.iter().any(|f| f == status_class(s)))
        })
        .map(|e| task_item(registry.node(), &e))
        .collect();
    let total = matching.len();
    let page: Vec<TaskListItem> = matching.into_iter().skip(start).take(limit).collect();
    Ok(Reply::typed(&page)?.with("total", json!(total)))
}

/// `GET …/tasks/{upid}/status`.
fn task_status(state: &ServerState, e: &tasks::TaskEntry) -> ApiResult<Reply> {
    let (user, token) = match e.upid.authid.split_once('!') {
        Some((u, _)) => (u.to_string(), Some(e.upid.authid.clone())),
        None => (e.upid.authid.clone(), None),
    };
    Reply::typed(&TaskStatus {
        upid: e.upid_text.clone(),
        node: state.tasks.node().to_string(),
        pid: i64::from(e.upid.pid),
        pstart: e.upid.pstart,
        starttime: e.upid.starttime,
        worker_type: e.upid.worker_type.clone(),
        id: Some(e.upid.worker_id.clone()),
        user,
        tokenid: token,
        status: if e.running() { "running" } else { "stopped" }.to_string(),
        exitstatus: e.status.clone(),
    })
}

/// `GET …/tasks/{upid}/log`: numbered lines from `start`, or the whole file with `download`.
/// The file is read off the reactor; a log that cannot be read is an error naming it.
async fn task_log(state: &ServerState, e: &tasks::TaskEntry, params: &Params) -> ApiResult<Reply> {
    let text = state
        .tasks
        .read_log(&e.upid_text)
        .await
        .map_err(|err| ApiError::internal(err.to_string()))?;
    if params.opt_bool("download")?.unwrap_or(false) {
        if params.0.len() > 1 {
            return Err(ApiError::bad(
                "parameter 'download' cannot be combined with others",
            ));
        }
        return Ok(Reply::Raw(Bytes::from(text), "text/plain"));
    }
    let start = params.opt_int("start", 0, i64::MAX)?.unwrap_or(0) as usize;
    let limit = params.opt_int("limit", 0, i64::MAX)?.unwrap_or(50) as usize;
    let text = String::from_utf8_lossy(&text);
    let lines: Vec<&str> = text.lines().collect();
    let total = lines.len();
    let take = if limit == 0 { usize::MAX } else { limit };
    let data: Vec<TaskLogLine> = lines
        .iter()
        .enumerate()
        .map(|(i, l)| (i + 1, l))
        .filter(|(n, _)| *n >= start)
        .take(take)
        .map(|(n, l)| TaskLogLine {
            n: n as u64,
            t: l.to_string(),
        })
        .collect();
    let mut reply = Reply::typed(&data)?
        .with("total", json!(total))
        .with("success", json!(1));
    if params.opt_bool("test-status")?.unwrap_or(false) {
        reply = reply.with("active", json!(e.running()));
    }
    Ok(reply)
}
