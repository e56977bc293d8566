//! The HTTPS client for a PBS server: TLS with fingerprint pinning checked inside the handshake,
//! ticket login (cached, renewed) or API tokens, REST calls and the HTTP/1.1 → HTTP/2 upgrade.
//!
//! Never logs or prints a password, ticket or token secret; never sends a request before the
//! server's certificate was accepted.

use super::repo_string::RemoteRepo;
use super::RemoteError;
use crate::protocol::TicketInfo;
use bytes::Bytes;
use http::{Method, Request, StatusCode};
use http_body_util::{BodyExt, Full};
use hyper::client::conn::{http1, http2};
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use openssl::ssl::{SslConnector, SslMethod, SslVerifyMode};
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};
use zeroize::Zeroizing;

pub type Tls = tokio_openssl::SslStream<tokio::net::TcpStream>;
pub type H2 = http2::SendRequest<Full<Bytes>>;

/// SPEC: protocol.md §1.1 — connect timeout 10 s, request timeout 120 s.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(120);
/// H2 keep-alive: a silent peer is given up after interval + timeout.
const H2_PING_INTERVAL: Duration = Duration::from_secs(20);
const H2_PING_TIMEOUT: Duration = Duration::from_secs(20);
/// SPEC: §2.2 ticket lifetime 7200 s; renewed every 15 min; cache entries older than 7140 s ignored.
const TICKET_LIFETIME: i64 = 7200;
const TICKET_RENEW_AFTER: i64 = 15 * 60;
/// Test/ops knob: the ticket lifetime this client assumes, in seconds. `pbsh serve` reads the
/// same variable for the lifetime of the tickets it issues, so one setting shortens both ends.
pub const TICKET_LIFETIME_ENV: &str = "PBSH_TICKET_LIFETIME_SECS";
/// Test/ops knob: renew the ticket once it is this many seconds old (default 15 min).
pub const TICKET_RENEW_ENV: &str = "PBSH_TICKET_RENEW_SECS";
/// LIMIT: REST response bodies (listings) are read up to 64 MiB.
const MAX_REST_BODY: usize = 64 << 20;

/// Where the expected fingerprint came from.
#[derive(Debug, Clone, Default)]
pub struct ClientOptions {
    /// `--fingerprint` (wins over PBS_FINGERPRINT).
    pub fingerprint: Option<String>,
    /// Ask "trust this fingerprint?" on a terminal when nothing is pinned.
    pub interactive: bool,
}

#[derive(Clone)]
enum Auth {
    Ticket {
        ticket: Zeroizing<String>,
        csrf: String,
        issued: i64,
    },
    Token(Zeroizing<String>),
}

/// What every datastore of one server shares: the pinned fingerprint, the login (ticket or
/// token) and the kept-alive HTTP/1.1 connection for REST.
struct ServerLink {
    expected_fp: Mutex<Option<String>>,
    /// True when the pin came from the option/env (never written to the cache).
    explicit_fp: bool,
    interactive: bool,
    auth: Mutex<Option<Auth>>,
    rest_conn: tokio::sync::Mutex<Option<http1::SendRequest<Full<Bytes>>>>,
    /// One login at a time: concurrent calls that find the ticket stale renew it once.
    login_lock: tokio::sync::Mutex<()>,
}

/// One datastore on a server: its repository string and the server's shared link.
pub struct Client {
    pub repo: RemoteRepo,
    link: Arc<ServerLink>,
}

/// The ticket lifetime the server is assumed to grant (`PBSH_TICKET_LIFETIME_SECS`, else 7200 s).
fn ticket_lifetime() -> i64 {
    crate::util::knobs::positive(TICKET_LIFETIME_ENV, TICKET_LIFETIME, i64::MAX)
}

/// A ticket this close to its end is not used any more: 60 s of a 7200 s lifetime, scaled down
/// for the short lifetimes tests set.
fn ticket_margin(lifetime: i64) -> i64 {
    (lifetime / 120).clamp(1, 60)
}

/// Whether a ticket issued at `issued` can still be presented (renewed or used) at `at`.
fn ticket_usable(issued: i64, at: i64) -> bool {
    let lifetime = ticket_lifetime();
    at - issued < lifetime - ticket_margin(lifetime)
}

/// Age at which a ticket is renewed (`PBSH_TICKET_RENEW_SECS`, else 15 min).
fn ticket_renew_after() -> i64 {
    crate::util::knobs::positive(TICKET_RENEW_ENV, TICKET_RENEW_AFTER, i64::MAX)
}

fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

/// `ab:cd:…` of a certificate's DER.
pub fn cert_fingerprint(cert: &openssl::x509::X509Ref) -> Option<String> {
    let d = cert.digest(openssl::hash::MessageDigest::sha256()).ok()?;
    Some(
        d.iter()
            .map(|b| format!("{b:02x}"))
            .collect::<Vec<_>>()
            .join(":"),
    )
}

fn config_dir() -> PathBuf {
    std::env::var_os("XDG_CONFIG_HOME")
        .map(PathBuf::from)
        .or_else(dirs::config_dir)
        .unwrap_or_else(|| PathBuf::from("."))
        .join("pbsh")
}

fn ticket_dir() -> PathBuf {
    std::env::var_os("XDG_RUNTIME_DIR")
        .map(PathBuf::from)
        .or_else(dirs::cache_dir)
        .unwrap_or_else(std::env::temp_dir)
        .join("pbsh")
}

fn fingerprint_file() -> PathBuf {
    config_dir().join("fingerprints")
}

fn ticket_file() -> PathBuf {
    ticket_dir().join("tickets")
}

/// The stored fingerprint of `host` (`<server> <fingerprint>` lines, as PBS keeps them).
pub fn stored_fingerprint(host: &str) -> Option<String> {
    let text = std::fs::read_to_string(fingerprint_file()).ok()?;
    text.lines().find_map(|l| {
        let (h, fp) = l.split_once(' ')?;
        (h == host).then(|| fp.trim().to_lowercase())
    })
}

fn store_fingerprint(host: &str, fp: &str) -> std::io::Result<()> {
    let path = fingerprint_file();
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let old = std::fs::read_to_string(&path).unwrap_or_default();
    let mut out: String = old
        .lines()
        .filter(|l| l.split_once(' ').map(|(h, _)| h) != Some(host))
        .map(|l| format!("{l}\n"))
        .collect();
    out.push_str(&format!("{host} {fp}\n"));
    crate::util::atomic::replace_file(&path, out.as_bytes(), 0o600)
}

type TicketCache = BTreeMap<String, BTreeMap<String, Value>>;

fn read_ticket_cache() -> TicketCache {
    std::fs::read(ticket_file())
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok())
        .unwrap_or_default()
}

fn write_ticket_cache(mut cache: TicketCache) {
    let t = now();
    for entries in cache.values_mut() {
        entries.retain(|_, v| {
            v.get("timestamp")
                .and_then(Value::as_i64)
                .is_some_and(|ts| ticket_usable(ts, t))
        });
    }
    cache.retain(|_, v| !v.is_empty());
    let path = ticket_file();
    if let Some(dir) = path.parent() {
        let _ = std::fs::create_dir_all(dir);
    }
    if let Ok(bytes) = serde_json::to_vec(&cache) {
        // Best effort: a failed cache write only costs a password prompt next time.
        let _ = crate::util::atomic::replace_file(&path, &bytes, 0o600);
    }
}

fn cached_ticket(server: &str, auth_id: &str) -> Option<(Zeroizing<String>, i64)> {
    let cache = read_ticket_cache();
    let e = cache.get(server)?.get(auth_id)?;
    let ts = e.get("timestamp")?.as_i64()?;
    if !ticket_usable(ts, now()) {
        return None;
    }
    Some((Zeroizing::new(e.get("ticket")?.as_str()?.to_string()), ts))
}

/// Forgets the cached ticket of `auth_id` at `server`; true when there was one.
pub fn forget_ticket(server: &str, auth_id: &str) -> bool {
    let mut cache = read_ticket_cache();
    let removed = cache
        .get_mut(server)
        .and_then(|m| m.remove(auth_id))
        .is_some();
    write_ticket_cache(cache);
    removed
}

/// The error text of a non-2xx reply (plain text per §1.4), one line.
fn error_text(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(body);
    let line = text.trim().lines().next().unwrap_or("").trim().to_string();
    let line: String = line.chars().take(300).collect();
    if line.is_empty() {
        "no reason given".into()
    } else {
        line
    }
}

/// Unwraps `{"data": …}`.
pub fn unwrap_data(body: &[u8]) -> Result<Value, RemoteError> {
    if body.is_empty() {
        return Ok(Value::Null);
    }
    let v: Value = serde_json::from_slice(body)
        .map_err(|e| RemoteError::Protocol(format!("reply is not JSON: {e}")))?;
    Ok(v.get("data").cloned().unwrap_or(Value::Null))
}

/// `key=value&…` with arrays repeated, as PBS's client encodes queries (§1.3).
pub fn query_string(params: &Value) -> String {
    let mut s = form_urlencoded::Serializer::new(String::new());
    if let Value::Object(map) = params {
        for (k, v) in map {
            match v {
                Value::Null => {}
                Value::Array(items) => {
                    for i in items {
                        s.append_pair(k, &scalar(i));
                    }
                }
                other => {
                    s.append_pair(k, &scalar(other));
                }
            }
        }
    }
    s.finish()
}

fn scalar(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

impl Client {
    pub fn new(repo: RemoteRepo, opts: ClientOptions) -> Self {
        let env_fp = std::env::var("PBS_FINGERPRINT")
            .ok()
            .filter(|s| !s.is_empty());
        let explicit = opts.fingerprint.clone().or(env_fp);
        let explicit_fp = explicit.is_some();
        let expected = explicit
            .map(|s| s.trim().to_lowercase())
            .or_else(|| stored_fingerprint(&repo.host));
        Client {
            repo,
            link: Arc::new(ServerLink {
                expected_fp: Mutex::new(expected),
                explicit_fp,
                interactive: opts.interactive,
                auth: Mutex::new(None),
                rest_conn: tokio::sync::Mutex::new(None),
                login_lock: tokio::sync::Mutex::new(()),
            }),
        }
    }

    /// The client of another datastore on the same server: same pin, same login, same
    /// connection (no second login).
    pub fn for_store(&self, store: &str) -> Client {
        Client {
            repo: RemoteRepo {
                store: store.to_string(),
                ..self.repo.clone()
            },
            link: self.link.clone(),
        }
    }

    /// Whether `other` shares this client's login and connection.
    pub fn shares_link(&self, other: &Client) -> bool {
        Arc::ptr_eq(&self.link, &other.link)
    }

    /// `host:port`, the key of the ticket cache.
    fn server_key(&self) -> String {
        self.repo.authority()
    }

    /// A TLS connection whose certificate is trusted by the system or matches the pin.
    pub async fn connect_tls(&self) -> Result<Tls, RemoteError> {
        match self.try_connect_tls().await {
            Err(RemoteError::Untrusted { actual, .. })
                if self.link.interactive
                    && !self.link.explicit_fp
                    && crate::util::secrets::has_terminal() =>
            {
                if ask_trust(&self.repo.host, &actual) {
                    if let Err(e) = store_fingerprint(&self.repo.host, &actual) {
                        return Err(RemoteError::Protocol(format!(
                            "cannot store fingerprint: {e}"
                        )));
                    }
                    *self
                        .link
                        .expected_fp
                        .lock()
                        .unwrap_or_else(|e| e.into_inner()) = Some(actual);
                    self.try_connect_tls().await
                } else {
                    Err(RemoteError::Protocol(
                        "certificate fingerprint was not confirmed".into(),
                    ))
                }
            }
            other => other,
        }
    }

    async fn try_connect_tls(&self) -> Result<Tls, RemoteError> {
        let host = self.repo.bare_host().to_string();
        let tcp = tokio::time::timeout(
            CONNECT_TIMEOUT,
            tokio::net::TcpStream::connect((host.as_str(), self.repo.port)),
        )
        .await
        .map_err(|_| RemoteError::Timeout(format!("connect to {}", self.repo.authority())))?
        .map_err(|e| RemoteError::Connect {
            server: self.repo.authority(),
            source: e,
        })?;
        let _ = tcp.set_nodelay(true);
        let expected = self
            .link
            .expected_fp
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone();
        let seen: Arc<Mutex<Option<String>>> = Arc::new(Mutex::new(None));
        let seen_cb = seen.clone();
        let expected_cb = expected.clone();
        let tls_err = |e: String| RemoteError::Tls {
            server: self.repo.authority(),
            detail: e,
        };
        let mut b = SslConnector::builder(SslMethod::tls()).map_err(|e| tls_err(e.to_string()))?;
        // SPEC: §1.2 — the chain check first; only an untrusted leaf is compared with the pin.
        b.set_verify_callback(SslVerifyMode::PEER, move |valid, ctx| {
            if valid {
                return true;
            }
            if ctx.error_depth() != 0 {
                // Chain errors above the leaf: the leaf callback decides.
                return true;
            }
            let Some(fp) = ctx.current_cert().and_then(cert_fingerprint) else {
                return false;
            };
            let ok = expected_cb.as_deref() == Some(fp.as_str());
            *seen_cb.lock().unwrap_or_else(|e| e.into_inner()) = Some(fp);
            ok
        });
        let mut cfg = b.build().configure().map_err(|e| tls_err(e.to_string()))?;
        if host.parse::<std::net::IpAddr>().is_ok() {
            cfg.set_use_server_name_indication(false);
        }
        let ssl = cfg.into_ssl(&host).map_err(|e| tls_err(e.to_string()))?;
        let mut stream =
            tokio_openssl::SslStream::new(ssl, tcp).map_err(|e| tls_err(e.to_string()))?;
        let hs = tokio::time::timeout(CONNECT_TIMEOUT, Pin::new(&mut stream).connect()).await;
        let seen = seen.lock().unwrap_or_else(|e| e.into_inner()).clone();
        match hs {
            Err(_) => Err(RemoteError::Timeout(format!(
                "TLS handshake with {}",
                self.repo.authority()
            ))),
            Ok(Ok(())) => Ok(stream),
            Ok(Err(e)) => match (seen, expected) {
                (Some(actual), Some(expected)) if actual != expected => {
                    Err(RemoteError::FingerprintMismatch {
                        server: self.repo.authority(),
                        expected,
                        actual,
                    })
                }
                (Some(actual), None) => Err(RemoteError::Untrusted {
                    server: self.repo.authority(),
                    actual,
                }),
                _ => Err(tls_err(e.to_string())),
            },
        }
    }

    fn auth_headers(&self, mut b: http::request::Builder) -> http::request::Builder {
        let auth = self
            .link
            .auth
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone();
        match auth {
            Some(Auth::Ticket { ticket, csrf, .. }) => {
                let enc =
                    percent_encoding::utf8_percent_encode(&ticket, percent_encoding::CONTROLS)
                        .to_string();
                // The upgrade (a GET) needs the CSRF token too; sending it always is harmless.
                b = b
                    .header("Cookie", format!("PBSAuthCookie={enc}"))
                    .header("CSRFPreventionToken", csrf);
            }
            Some(Auth::Token(t)) => {
                b = b.header("Authorization", format!("PBSAPIToken {}", t.as_str()));
            }
            None => {}
        }
        b
    }

    /// One raw REST exchange on the kept-alive connection (reconnecting when it was closed or
    /// went stale, e.g. because the server restarted); returns status and body.
    async fn exchange(
        &self,
        method: Method,
        path_query: &str,
        body: Bytes,
        ctype: &str,
        with_auth: bool,
    ) -> Result<(StatusCode, Bytes), RemoteError> {
        let mut slot = self.link.rest_conn.lock().await;
        let build = || {
            let mut b = Request::builder()
                .method(method.clone())
                .uri(path_query)
                .header("Host", self.repo.authority())
                .header("User-Agent", "proxmox-backup-client/1.0")
                .header("Content-Type", ctype);
            if with_auth {
                b = self.auth_headers(b);
            }
            b.body(Full::new(body.clone()))
                .map_err(|e| RemoteError::Protocol(e.to_string()))
        };
        let fut = async {
            // A kept connection may have died since its last use without us noticing yet: a
            // request it never sent is sent again on a fresh one, once.
            let mut reused = match slot.as_mut() {
                Some(s) => !s.is_closed() && s.ready().await.is_ok(),
                None => false,
            };
            loop {
                if !reused {
                    *slot = None;
                    let tls = self.connect_tls().await?;
                    let (sender, conn) = http1::handshake(TokioIo::new(tls))
                        .await
                        .map_err(|e| RemoteError::Protocol(format!("HTTP handshake: {e}")))?;
                    tokio::spawn(conn);
                    *slot = Some(sender);
                }
                let sender = slot
                    .as_mut()
                    .ok_or_else(|| RemoteError::Protocol("no connection".into()))?;
                let sent = match sender.ready().await {
                    Ok(()) => sender.try_send_request(build()?).await,
                    Err(_) if reused => {
                        reused = false;
                        continue;
                    }
                    Err(e) => return Err(RemoteError::Dropped(e.to_string())),
                };
                let resp = match sent {
                    Ok(resp) => resp,
                    Err(e) if reused && e.message().is_some() => {
                        reused = false;
                        continue;
                    }
                    Err(e) => return Err(RemoteError::Dropped(e.into_error().to_string())),
                };
                let status = resp.status();
                let body = http_body_util::Limited::new(resp.into_body(), MAX_REST_BODY)
                    .collect()
                    .await
                    .map_err(|e| RemoteError::Dropped(e.to_string()))?
                    .to_bytes();
                return Ok((status, body));
            }
        };
        let what = format!("{method} {}", path_query.split('?').next().unwrap_or(""));
        let res = tokio::time::timeout(REQUEST_TIMEOUT, fut)
            .await
            .unwrap_or_else(|_| Err(RemoteError::Timeout(what)));
        if res.is_err() {
            // Never reuse a connection that failed mid-request.
            *slot = None;
        }
        res
    }

    /// Logs in (or renews) unless a fresh ticket or a token is in use.
    pub async fn ensure_auth(&self) -> Result<(), RemoteError> {
        if self.auth_current() {
            return Ok(());
        }
        let _one = self.link.login_lock.lock().await;
        // Another call may have renewed it while this one waited.
        if self.auth_current() {
            return Ok(());
        }
        self.login_inner(false, false).await
    }

    /// A token, or a ticket younger than the renewal age.
    fn auth_current(&self) -> bool {
        match &*self.link.auth.lock().unwrap_or_else(|e| e.into_inner()) {
            Some(Auth::Token(_)) => true,
            Some(Auth::Ticket { issued, .. }) => now() - issued < ticket_renew_after(),
            None => false,
        }
    }

    /// The server refused our ticket (expired, or its key changed): drop it and log in again.
    /// False when a token is in use (nothing to renew).
    async fn relogin_after_refusal(&self) -> Result<bool, RemoteError> {
        let _one = self.link.login_lock.lock().await;
        let refused = {
            let mut auth = self.link.auth.lock().unwrap_or_else(|e| e.into_inner());
            match auth.as_ref() {
                Some(Auth::Ticket { .. }) => {
                    *auth = None;
                    true
                }
                _ => false,
            }
        };
        if !refused {
            return Ok(false);
        }
        let _ = forget_ticket(&self.server_key(), self.repo.auth_id());
        self.login_inner(false, true).await?;
        Ok(true)
    }

    /// Ticket login (`POST /access/ticket`) or token setup. With `force_password`, a cached
    /// ticket is not used.
    pub async fn login(&self, force_password: bool) -> Result<(), RemoteError> {
        let _one = self.link.login_lock.lock().await;
        self.login_inner(force_password, false).await
    }

    /// `login` under the login lock; `refused` says the server just refused our ticket.
    async fn login_inner(&self, force_password: bool, refused: bool) -> Result<(), RemoteError> {
        let auth_id = self.repo.auth_id().to_string();
        if self.repo.is_token() {
            let secret = crate::util::secrets::get(
                "PBS_PASSWORD",
                &format!("API token secret for \"{auth_id}\": "),
            )
            .map_err(|e| RemoteError::Auth(format!("{auth_id}: {e}")))?;
            let enc =
                percent_encoding::utf8_percent_encode(&secret, percent_encoding::NON_ALPHANUMERIC)
                    .to_string();
            *self.link.auth.lock().unwrap_or_else(|e| e.into_inner()) =
                Some(Auth::Token(Zeroizing::new(format!("{auth_id}:{enc}"))));
            // Check the token now so a wrong secret is reported at login.
            let (status, reply) = self
                .exchange(
                    Method::GET,
                    "/api2/json/version",
                    Bytes::new(),
                    "application/x-www-form-urlencoded",
                    true,
                )
                .await?;
            if status == StatusCode::UNAUTHORIZED {
                return Err(RemoteError::Auth(format!(
                    "login as {auth_id} at {} failed: wrong token secret",
                    self.repo.authority()
                )));
            }
            if !status.is_success() {
                return Err(RemoteError::Http {
                    status: status.as_u16(),
                    what: "login".into(),
                    message: error_text(&reply),
                });
            }
            return Ok(());
        }
        // Renew with the ticket in hand or the cached one, then fall back to the password.
        let at = now();
        let (held, mut stale) = match self
            .link
            .auth
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
        {
            Some(Auth::Ticket { ticket, issued, .. }) if ticket_usable(issued, at) => {
                (Some(ticket), false)
            }
            Some(Auth::Ticket { .. }) => (None, true),
            _ => (None, refused),
        };
        if !force_password {
            let cached = cached_ticket(&self.server_key(), &auth_id)
                .map(|(t, _)| t)
                .filter(|c| held.as_ref() != Some(c));
            let candidates: Vec<Zeroizing<String>> = held.into_iter().chain(cached).collect();
            for ticket in candidates {
                match self.post_ticket(&auth_id, &ticket).await {
                    Ok(()) => return Ok(()),
                    // Refused (expired, or signed with a key the server no longer has).
                    Err(RemoteError::Auth(_)) => stale = true,
                    // The server is unreachable: say so, do not ask for a password.
                    Err(e) => return Err(e),
                }
            }
        }
        let password =
            crate::util::secrets::get("PBS_PASSWORD", &format!("Password for \"{auth_id}\": "))
                .map_err(|e| match e {
                    crate::util::secrets::SecretError::NoSource { .. } if stale => {
                        RemoteError::Auth(format!(
                            "the login of {auth_id} at {} has expired: log in again (`login` on \
                             a terminal, or set PBS_PASSWORD)",
                            self.repo.authority()
                        ))
                    }
                    e => RemoteError::Auth(format!("{auth_id}: {e}")),
                })?;
        self.post_ticket(&auth_id, &password).await
    }

    async fn post_ticket(&self, auth_id: &str, password: &str) -> Result<(), RemoteError> {
        let body = Zeroizing::new(json!({"username": auth_id, "password": password}).to_string());
        let (status, reply) = self
            .exchange(
                Method::POST,
                "/api2/json/access/ticket",
                Bytes::from(body.as_bytes().to_vec()),
                "application/json",
                false,
            )
            .await?;
        if status == StatusCode::UNAUTHORIZED {
            return Err(RemoteError::Auth(format!(
                "login as {auth_id} at {} failed: wrong user name or password",
                self.repo.authority()
            )));
        }
        if !status.is_success() {
            return Err(RemoteError::Http {
                status: status.as_u16(),
                what: "login".into(),
                message: error_text(&reply),
            });
        }
        let info: TicketInfo =
            crate::protocol::parse_reply("POST /api2/json/access/ticket", unwrap_data(&reply)?)?;
        let ticket = info.ticket;
        let csrf = info.csrf_token.unwrap_or_default();
        if ticket.contains("!tfa!") {
            return Err(RemoteError::Auth(format!(
                "{auth_id}: two-factor login is not supported"
            )));
        }
        let issued = now();
        let mut cache = read_ticket_cache();
        cache.entry(self.server_key()).or_default().insert(
            auth_id.to_string(),
            json!({"timestamp": issued, "ticket": ticket, "token": csrf}),
        );
        write_ticket_cache(cache);
        *self.link.auth.lock().unwrap_or_else(|e| e.into_inner()) = Some(Auth::Ticket {
            ticket: Zeroizing::new(ticket),
            csrf,
            issued,
        });
        Ok(())
    }

    /// Forgets the ticket (memory and cache).
    pub fn logout(&self) -> bool {
        *self.link.auth.lock().unwrap_or_else(|e| e.into_inner()) = None;
        forget_ticket(&self.server_key(), self.repo.auth_id())
    }

    /// A REST call with PBS's parameter encoding: JSON body for POST, query string otherwise.
    pub async fn call(
        &self,
        method: Method,
        path: &str,
        params: Option<Value>,
    ) -> Result<Value, RemoteError> {
        self.ensure_auth().await?;
        let (pq, body, ctype) = match (&method, params) {
            (&Method::POST, Some(p)) => (
                path.to_string(),
                Bytes::from(p.to_string()),
                "application/json",
            ),
            (_, Some(p)) => {
                let q = query_string(&p);
                let pq = if q.is_empty() {
                    path.to_string()
                } else {
                    format!("{path}?{q}")
                };
                (pq, Bytes::new(), "application/x-www-form-urlencoded")
            }
            (_, None) => (
                path.to_string(),
                Bytes::new(),
                "application/x-www-form-urlencoded",
            ),
        };
        let (status, reply) = self
            .authed_exchange(method.clone(), &pq, body, ctype)
            .await?;
        if !status.is_success() {
            return Err(RemoteError::Http {
                status: status.as_u16(),
                what: format!("{method} {path}"),
                message: error_text(&reply),
            });
        }
        unwrap_data(&reply)
    }

    /// An authenticated exchange; a ticket the server refuses (expired, or the server lost its
    /// key) is renewed once by logging in again, then the request is repeated.
    async fn authed_exchange(
        &self,
        method: Method,
        path_query: &str,
        body: Bytes,
        ctype: &str,
    ) -> Result<(StatusCode, Bytes), RemoteError> {
        let (status, reply) = self
            .exchange(method.clone(), path_query, body.clone(), ctype, true)
            .await?;
        if status == StatusCode::UNAUTHORIZED && self.relogin_after_refusal().await? {
            return self.exchange(method, path_query, body, ctype, true).await;
        }
        Ok((status, reply))
    }

    pub async fn get(&self, path: &str, params: Option<Value>) -> Result<Value, RemoteError> {
        self.call(Method::GET, path, params).await
    }

    /// A raw-body POST with parameters in the query string (upload-backup-log).
    pub async fn post_raw(&self, path_query: &str, body: Vec<u8>) -> Result<Value, RemoteError> {
        self.ensure_auth().await?;
        let (status, reply) = self
            .authed_exchange(
                Method::POST,
                path_query,
                Bytes::from(body),
                "application/octet-stream",
            )
            .await?;
        if !status.is_success() {
            return Err(RemoteError::Http {
                status: status.as_u16(),
                what: format!("POST {}", path_query.split('?').next().unwrap_or("")),
                message: error_text(&reply),
            });
        }
        unwrap_data(&reply)
    }

    /// Upgrades a fresh connection to `protocol` and starts HTTP/2 on it (§4.1, §4.2).
    pub async fn upgrade(&self, path_query: &str, protocol: &str) -> Result<H2, RemoteError> {
        self.ensure_auth().await?;
        match self.upgrade_once(path_query, protocol).await {
            Err(RemoteError::Http { status: 401, .. }) if self.relogin_after_refusal().await? => {
                self.upgrade_once(path_query, protocol).await
            }
            other => other,
        }
    }

    async fn upgrade_once(&self, path_query: &str, protocol: &str) -> Result<H2, RemoteError> {
        let fut = async {
            let tls = self.connect_tls().await?;
            let (mut sender, conn) = http1::handshake(TokioIo::new(tls))
                .await
                .map_err(|e| RemoteError::Protocol(format!("HTTP handshake: {e}")))?;
            tokio::spawn(conn.with_upgrades());
            let b = Request::builder()
                .method(Method::GET)
                .uri(path_query)
                .header("Host", self.repo.authority())
                .header("User-Agent", "proxmox-backup-client/1.0")
                .header("Connection", "upgrade")
                .header("Upgrade", protocol);
            let req = self
                .auth_headers(b)
                .body(Full::new(Bytes::new()))
                .map_err(|e| RemoteError::Protocol(e.to_string()))?;
            let resp = sender
                .send_request(req)
                .await
                .map_err(|e| RemoteError::Dropped(e.to_string()))?;
            if resp.status() != StatusCode::SWITCHING_PROTOCOLS {
                let status = resp.status();
                let body = resp
                    .into_body()
                    .collect()
                    .await
                    .map(|b| b.to_bytes())
                    .unwrap_or_default();
                return Err(RemoteError::Http {
                    status: status.as_u16(),
                    what: protocol.to_string(),
                    message: error_text(&body),
                });
            }
            let upgraded = hyper::upgrade::on(resp)
                .await
                .map_err(|e| RemoteError::Protocol(format!("upgrade: {e}")))?;
            let (h2, conn) = http2::Builder::new(TokioExecutor::new())
                .timer(TokioTimer::new())
                .initial_stream_window_size((1u32 << 31) - 2)
                .initial_connection_window_size((1u32 << 31) - 2)
                .max_frame_size(4 * 1024 * 1024)
                .keep_alive_interval(H2_PING_INTERVAL)
                .keep_alive_timeout(H2_PING_TIMEOUT)
                .keep_alive_while_idle(true)
                .handshake(upgraded)
                .await
                .map_err(|e| RemoteError::Protocol(format!("HTTP/2 handshake: {e}")))?;
            tokio::spawn(conn);
            Ok(h2)
        };
        tokio::time::timeout(REQUEST_TIMEOUT, fut)
            .await
            .map_err(|_| RemoteError::Timeout(format!("start of {protocol}")))?
    }
}

fn ask_trust(host: &str, fp: &str) -> bool {
    use std::io::{BufRead, Write};
    let Ok(tty) = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open("/dev/tty")
    else {
        return false;
    };
    let mut out = &tty;
    let _ = writeln!(
        out,
        "certificate of {host} is not trusted; fingerprint: {fp}"
    );
    let _ = write!(out, "Are you sure you want to continue connecting? (y/n): ");
    let _ = out.flush();
    let mut line = String::new();
    let _ = std::io::BufReader::new(&tty).read_line(&mut line);
    matches!(line.trim(), "y" | "Y" | "yes")
}

/// One call in an H2 session; returns status and body.
pub async fn h2_call(
    h2: &H2,
    method: Method,
    path_query: &str,
    body: Bytes,
    ctype: &str,
    limit: usize,
) -> Result<Bytes, RemoteError> {
    let mut h2 = h2.clone();
    let name = path_query.split('?').next().unwrap_or("").to_string();
    let fut = async {
        h2.ready()
            .await
            .map_err(|e| RemoteError::Dropped(e.to_string()))?;
        let req = Request::builder()
            .method(method)
            .uri(format!("https://localhost:8007/{path_query}"))
            .header("Content-Type", ctype)
            .body(Full::new(body))
            .map_err(|e| RemoteError::Protocol(e.to_string()))?;
        let resp = h2
            .send_request(req)
            .await
            .map_err(|e| RemoteError::Dropped(e.to_string()))?;
        let status = resp.status();
        let body = http_body_util::Limited::new(resp.into_body(), limit)
            .collect()
            .await
            .map_err(|e| RemoteError::Dropped(e.to_string()))?
            .to_bytes();
        if !status.is_success() {
            return Err(RemoteError::Http {
                status: status.as_u16(),
                what: name.clone(),
                message: error_text(&body),
            });
        }
        Ok(body)
    };
    tokio::time::timeout(REQUEST_TIMEOUT, fut)
        .await
        .map_err(|_| RemoteError::Timeout(name.clone()))?
}
