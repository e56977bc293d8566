//! Test client for `pbsh serve`: starts the real binary and talks TLS + HTTP/1.1 + the HTTP/2
//! upgrade with hyper directly (not pbsh's own remote code).
#![allow(dead_code)]

use bytes::Bytes;
use http::{Method, Request, StatusCode};
use http_body_util::{BodyExt, Full};
use hyper_util::rt::{TokioExecutor, TokioIo};
use openssl::ssl::{SslConnector, SslMethod, SslVerifyMode};
use serde_json::Value;
use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::pin::Pin;
use std::process::{Child, Command, Stdio};

pub const PASSWORD: &str = "s3cret-pass";

/// A running `pbsh serve` with a temp datastore `store1` and users admin@pbs (admin),
/// alice@pbs, bob@pbs, and tokens alice@pbs!tok and admin@pbs!tok.
pub struct Server {
    pub child: Child,
    pub port: u16,
    pub fingerprint: String,
    pub dir: tempfile::TempDir,
    pub token_secret: String,
    /// The secret of `admin@pbs!tok`.
    pub admin_token_secret: String,
}

impl Server {
    pub fn datastore(&self) -> PathBuf {
        self.dir.path().join("ds")
    }
    pub fn config(&self) -> PathBuf {
        self.dir.path().join("cfg")
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The pbsh binary: cargo's path for tests; for the load example, `PBSH_BIN` or the `pbsh` beside
/// the examples directory.
fn pbsh_bin() -> PathBuf {
    if let Some(p) = option_env!("CARGO_BIN_EXE_pbsh") {
        return PathBuf::from(p);
    }
    if let Some(p) = std::env::var_os("PBSH_BIN") {
        return PathBuf::from(p);
    }
    let exe = std::env::current_exe().unwrap();
    exe.parent().unwrap().parent().unwrap().join("pbsh")
}

fn pbsh(args: &[&str]) -> Command {
    let mut c = Command::new(pbsh_bin());
    c.args(args).env("PBS_PASSWORD", PASSWORD);
    c
}

/// Waits until a `pbsh serve` started with piped stdout says where it listens; returns its port
/// and certificate fingerprint, and keeps draining its output so it never blocks.
pub fn wait_listening(child: &mut Child) -> (u16, String) {
    let mut lines = BufReader::new(child.stdout.take().expect("piped stdout")).lines();
    let mut fingerprint = String::new();
    let port = loop {
        let line = lines.next().expect("server exited").unwrap();
        if let Some(fp) = line.strip_prefix("fingerprint: ") {
            fingerprint = fp.to_string();
        }
        if let Some(addr) = line.strip_prefix("listening on https://") {
            break addr.rsplit(':').next().unwrap().parse().unwrap();
        }
    };
    std::thread::spawn(move || for _ in lines {});
    (port, fingerprint)
}

pub fn start_server() -> Server {
    start_server_with_stores(&["store1"])
}

/// A server with the named datastores: the first in `ds`, the others in directories of their
/// own names.
pub fn start_server_with_stores(stores: &[&str]) -> Server {
    start_server_custom(stores, &[], None)
}

/// A server with datastore `store1`, the environment variables `envs` (test knobs) and, when
/// given, at most `max_open_files` descriptors (its RLIMIT_NOFILE).
pub fn start_server_with_env(envs: &[(&str, &str)], max_open_files: Option<u64>) -> Server {
    start_server_custom(&["store1"], envs, max_open_files)
}

/// A server with the datastores `stores` (a bare name is a directory of the test's; `NAME=SPEC`
/// is passed as it is, e.g. `store1=s3://bucket/prefix`), the environment `envs` and, when
/// given, at most `max_open_files` descriptors.
pub fn start_server_custom(
    stores: &[&str],
    envs: &[(&str, &str)],
    max_open_files: Option<u64>,
) -> Server {
    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("cfg");
    let cfg_s = cfg.to_str().unwrap();
    for (user, admin) in [
        ("admin@pbs", true),
        ("alice@pbs", false),
        ("bob@pbs", false),
    ] {
        let mut args = vec!["serve", "user", "add", user, "--config-dir", cfg_s];
        if admin {
            args.push("--admin");
        }
        let out = pbsh(&args).output().unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let out = pbsh(&[
        "serve",
        "token",
        "add",
        "alice@pbs!tok",
        "--config-dir",
        cfg_s,
    ])
    .output()
    .unwrap();
    assert!(out.status.success());
    let token_secret = String::from_utf8(out.stdout).unwrap().trim().to_string();
    let out = pbsh(&[
        "serve",
        "token",
        "add",
        "admin@pbs!tok",
        "--config-dir",
        cfg_s,
    ])
    .output()
    .unwrap();
    assert!(out.status.success());
    let admin_token_secret = String::from_utf8(out.stdout).unwrap().trim().to_string();
    let users = std::fs::read_to_string(cfg.join("users.json")).unwrap();
    assert!(!users.contains(PASSWORD) && !users.contains(&token_secret));
    let mut args: Vec<String> = vec!["serve".into()];
    for (i, name) in stores.iter().enumerate() {
        let ds = dir.path().join(if i == 0 { "ds" } else { name });
        args.push("--datastore".into());
        if name.contains('=') {
            args.push(name.to_string());
        } else {
            args.push(format!("{name}={}", ds.display()));
        }
    }
    args.extend(["--listen", "127.0.0.1:0", "--config-dir", cfg_s].map(String::from));
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let mut command = pbsh(&args);
    command.env_remove("PBS_PASSWORD").stdout(Stdio::piped());
    for (k, v) in envs {
        command.env(k, v);
    }
    if let Some(limit) = max_open_files {
        use std::os::unix::process::CommandExt;
        // SAFETY: setrlimit is async-signal-safe; nothing else runs between fork and exec.
        unsafe {
            command.pre_exec(move || {
                let rl = libc::rlimit {
                    rlim_cur: limit,
                    rlim_max: limit,
                };
                if libc::setrlimit(libc::RLIMIT_NOFILE, &rl) != 0 {
                    return Err(std::io::Error::last_os_error());
                }
                Ok(())
            });
        }
    }
    let mut child = command.spawn().unwrap();
    let (port, fingerprint) = wait_listening(&mut child);
    Server {
        child,
        port,
        fingerprint,
        dir,
        token_secret,
        admin_token_secret,
    }
}

pub type Tls = tokio_openssl::SslStream<tokio::net::TcpStream>;

/// A TLS connection; the server certificate is pinned by its fingerprint.
pub async fn connect(server: &Server) -> Tls {
    connect_from(
        server.port,
        &server.fingerprint,
        std::net::Ipv4Addr::LOCALHOST,
    )
    .await
    .unwrap()
}

/// A TLS connection to the server at `port` (certificate `fingerprint`) from the local address
/// `source` (another loopback address plays another client machine).
pub async fn connect_from(
    port: u16,
    fingerprint: &str,
    source: std::net::Ipv4Addr,
) -> std::io::Result<Tls> {
    let socket = tokio::net::TcpSocket::new_v4()?;
    socket.bind((source, 0).into())?;
    let tcp = socket
        .connect((std::net::Ipv4Addr::LOCALHOST, port).into())
        .await?;
    let mut b = SslConnector::builder(SslMethod::tls()).unwrap();
    b.set_verify(SslVerifyMode::NONE);
    let ssl = b
        .build()
        .configure()
        .unwrap()
        .into_ssl("localhost")
        .unwrap();
    let mut s = tokio_openssl::SslStream::new(ssl, tcp).unwrap();
    Pin::new(&mut s)
        .connect()
        .await
        .map_err(std::io::Error::other)?;
    let cert = s.ssl().peer_certificate().unwrap();
    let fp: Vec<String> = cert
        .digest(openssl::hash::MessageDigest::sha256())
        .unwrap()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    assert_eq!(fp.join(":"), fingerprint);
    Ok(s)
}

#[derive(Clone, Debug)]
pub enum Auth {
    None,
    Ticket { ticket: String, csrf: String },
    Token(String),
}

fn add_auth(mut b: http::request::Builder, auth: &Auth) -> http::request::Builder {
    match auth {
        Auth::None => {}
        Auth::Ticket { ticket, csrf } => {
            let enc = percent_encoding::utf8_percent_encode(ticket, percent_encoding::CONTROLS)
                .to_string();
            b = b
                .header("Cookie", format!("PBSAuthCookie={enc}"))
                .header("CSRFPreventionToken", csrf);
        }
        Auth::Token(t) => b = b.header("Authorization", format!("PBSAPIToken {t}")),
    }
    b
}

/// One REST request on a fresh connection: returns status and body.
pub async fn rest(
    server: &Server,
    method: Method,
    path_query: &str,
    auth: &Auth,
    json_body: Option<Value>,
) -> (StatusCode, Bytes) {
    let (body, ctype) = match json_body {
        Some(v) => (Bytes::from(v.to_string()), "application/json"),
        None => (Bytes::new(), "application/x-www-form-urlencoded"),
    };
    rest_raw(server, method, path_query, auth, body, ctype).await
}

pub async fn rest_raw(
    server: &Server,
    method: Method,
    path_query: &str,
    auth: &Auth,
    body: Bytes,
    ctype: &str,
) -> (StatusCode, Bytes) {
    let tls = connect(server).await;
    let (mut sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(tls))
        .await
        .unwrap();
    tokio::spawn(conn);
    let b = Request::builder()
        .method(method)
        .uri(path_query)
        .header("Host", "localhost")
        .header("Content-Type", ctype);
    let req = add_auth(b, auth).body(Full::new(body)).unwrap();
    let resp = sender.send_request(req).await.unwrap();
    let status = resp.status();
    let body = resp.into_body().collect().await.unwrap().to_bytes();
    (status, body)
}

pub fn data(body: &Bytes) -> Value {
    let v: Value = serde_json::from_slice(body)
        .unwrap_or_else(|_| panic!("not json: {}", String::from_utf8_lossy(body)));
    v["data"].clone()
}

pub async fn login(server: &Server, user: &str) -> Auth {
    let (status, body) = rest(
        server,
        Method::POST,
        "/api2/json/access/ticket",
        &Auth::None,
        Some(serde_json::json!({"username": user, "password": PASSWORD})),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{}", String::from_utf8_lossy(&body));
    let d = data(&body);
    Auth::Ticket {
        ticket: d["ticket"].as_str().unwrap().to_string(),
        csrf: d["CSRFPreventionToken"].as_str().unwrap().to_string(),
    }
}

pub type H2 = hyper::client::conn::http2::SendRequest<Full<Bytes>>;

/// The HTTP/1.1 upgrade to `protocol` alone: the raw upgraded connection, on which nothing
/// has been sent yet; Err carries the refusal's status and message.
pub async fn upgrade_raw(
    server: &Server,
    path_query: &str,
    protocol: &str,
    auth: &Auth,
) -> Result<hyper::upgrade::Upgraded, (StatusCode, String)> {
    let tls = connect(server).await;
    let (mut sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(tls))
        .await
        .unwrap();
    tokio::spawn(conn.with_upgrades());
    let b = Request::builder()
        .method(Method::GET)
        .uri(path_query)
        .header("Host", "localhost")
        .header("Connection", "upgrade")
        .header("Upgrade", protocol);
    let req = add_auth(b, auth).body(Full::new(Bytes::new())).unwrap();
    let resp = sender.send_request(req).await.unwrap();
    if resp.status() != StatusCode::SWITCHING_PROTOCOLS {
        let status = resp.status();
        let body = resp.into_body().collect().await.unwrap().to_bytes();
        return Err((status, String::from_utf8_lossy(&body).into_owned()));
    }
    Ok(hyper::upgrade::on(resp).await.unwrap())
}

/// Upgrades to `protocol` at `path_query`; Err carries the refusal's status and message.
pub async fn upgrade(
    server: &Server,
    path_query: &str,
    protocol: &str,
    auth: &Auth,
) -> Result<H2, (StatusCode, String)> {
    let upgraded = upgrade_raw(server, path_query, protocol, auth).await?;
    let (h2, conn) = hyper::client::conn::http2::Builder::new(TokioExecutor::new())
        .initial_stream_window_size((1u32 << 31) - 2)
        .initial_connection_window_size((1u32 << 31) - 2)
        .max_frame_size(4 * 1024 * 1024)
        .handshake(upgraded)
        .await
        .unwrap();
    tokio::spawn(conn);
    Ok(h2)
}

/// One H2 call in a session.
pub async fn call(
    h2: &mut H2,
    method: Method,
    path_query: &str,
    body: Bytes,
    ctype: &str,
) -> (StatusCode, Bytes) {
    h2.ready().await.unwrap();
    let req = Request::builder()
        .method(method)
        .uri(format!("https://localhost:8007/{path_query}"))
        .header("Content-Type", ctype)
        .body(Full::new(body))
        .unwrap();
    let resp = h2.send_request(req).await.unwrap();
    let status = resp.status();
    let body = resp.into_body().collect().await.unwrap().to_bytes();
    (status, body)
}

pub async fn call_ok(
    h2: &mut H2,
    method: Method,
    path_query: &str,
    body: Bytes,
    ctype: &str,
) -> Value {
    let (status, body) = call(h2, method, path_query, body, ctype).await;
    assert_eq!(
        status,
        StatusCode::OK,
        "{path_query}: {}",
        String::from_utf8_lossy(&body)
    );
    if body.is_empty() {
        return Value::Null;
    }
    match serde_json::from_slice::<Value>(&body) {
        Ok(v) => v["data"].clone(),
        Err(_) => Value::Null,
    }
}

pub const FORM: &str = "application/x-www-form-urlencoded";
pub const OCTETS: &str = "application/octet-stream";
