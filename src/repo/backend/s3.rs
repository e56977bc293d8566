//! An S3 bucket (AWS, Garage, MinIO, Ceph RGW) as a storage backend: a key is an object under
//! the datastore's prefix.
//!
//! Built on the `object_store` crate (Apache Arrow's): its S3 client signs with SigV4, retries
//! idempotent requests on connection errors, timeouts, 5xx and `SlowDown` with exponential
//! backoff and jitter inside a total retry deadline, pages listings, batches deletes
//! (`DeleteObjects`), streams multipart uploads and reads byte ranges. pbsh's calls are
//! synchronous (the datastore layout runs on worker threads), so the store owns a small tokio
//! runtime and each call waits for its future there; a call made from another runtime's
//! thread blocks only that thread, never nests runtimes.
//!
//! An object store has none of the file-system capabilities (`Capabilities` all false): no
//! directories, renames, locks, access times or deferred sync. `backend::cached` supplies
//! them from a local directory; this module is the bare bucket, also usable on its own (the
//! backend tests run the same suite over it).

use super::{
    BackendError, Capabilities, Depth, Durability, Entry, Key, Kind, Lock, LockMode, ObjectMeta,
    Put, Replace, Result, Space, Stamp, StorageBackend,
};
use futures_util::StreamExt;
use object_store::aws::{AmazonS3, AmazonS3Builder};
use object_store::path::Path as ObjectPath;
use object_store::{
    BackoffConfig, ClientOptions, ObjectStore, PutMode, PutOptions, PutPayload, RetryConfig,
};
use std::fmt;
use std::future::Future;
use std::io;
use std::sync::Arc;
use std::time::Duration;

/// LIMIT: one request's time (connect, send, receive) before it is retried.
const DEFAULT_REQUEST_TIMEOUT: Duration = Duration::from_secs(30);
/// LIMIT: the time a call keeps retrying before the error reaches the user.
const DEFAULT_RETRY_DEADLINE: Duration = Duration::from_secs(120);
/// LIMIT: the open check's request time and retry deadline (at most the ones above).
const PROBE_REQUEST_TIMEOUT: Duration = Duration::from_secs(10);
const PROBE_RETRY_DEADLINE: Duration = Duration::from_secs(15);
/// LIMIT: retries of one request; high enough that the retry deadline ends them first.
const MAX_RETRIES: usize = 1000;
/// Objects at least this large go up as a multipart upload, in parts of this size.
const MULTIPART_PART: usize = 32 * 1024 * 1024;
/// Keys per `DeleteObjects` request is S3's limit of 1,000; object_store batches for us.
/// Requests in flight at once for a tree delete or copy.
const PARALLEL_REQUESTS: usize = 16;

/// Where a datastore on S3 is, and how to reach it.
#[derive(Clone, PartialEq, Eq)]
pub struct S3Config {
    pub bucket: String,
    /// Below which every key is stored (`a/b`, or empty for the bucket's root).
    pub prefix: String,
    /// `http(s)://host:port` of an S3-compatible service; `None` for AWS itself.
    pub endpoint: Option<String>,
    pub region: String,
    pub access_key_id: Option<String>,
    pub secret_access_key: Option<String>,
    pub session_token: Option<String>,
    pub request_timeout: Duration,
    pub retry_deadline: Duration,
}

impl fmt::Debug for S3Config {
    // The secret never reaches a log or a panic message.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("S3Config")
            .field("bucket", &self.bucket)
            .field("prefix", &self.prefix)
            .field("endpoint", &self.endpoint)
            .field("region", &self.region)
            .field("access_key_id", &self.access_key_id)
            .finish_non_exhaustive()
    }
}

/// Environment variables read for S3 (the standard AWS names, and pbsh's own limits).
pub const ENV_ENDPOINT: &str = "AWS_ENDPOINT_URL";
pub const ENV_REQUEST_TIMEOUT: &str = "PBSH_S3_TIMEOUT_SECS";
pub const ENV_RETRY_DEADLINE: &str = "PBSH_S3_RETRY_SECS";

impl S3Config {
    /// The store `bucket`/`prefix` with endpoint, region and credentials from the standard AWS
    /// environment variables (`AWS_ENDPOINT_URL[_S3]`, `AWS_REGION`/`AWS_DEFAULT_REGION`,
    /// `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`, `AWS_SESSION_TOKEN`), and the time limits
    /// from `PBSH_S3_TIMEOUT_SECS` and `PBSH_S3_RETRY_SECS`.
    pub fn from_env(bucket: &str, prefix: &str) -> Self {
        let var = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
        let secs = |name: &str, default: Duration| {
            var(name)
                .and_then(|v| v.parse::<u64>().ok())
                .filter(|&s| s > 0)
                .map(Duration::from_secs)
                .unwrap_or(default)
        };
        S3Config {
            bucket: bucket.to_string(),
            prefix: prefix.trim_matches('/').to_string(),
            endpoint: var("AWS_ENDPOINT_URL_S3").or_else(|| var(ENV_ENDPOINT)),
            region: var("AWS_REGION")
                .or_else(|| var("AWS_DEFAULT_REGION"))
                .unwrap_or_else(|| "us-east-1".into()),
            access_key_id: var("AWS_ACCESS_KEY_ID"),
            secret_access_key: var("AWS_SECRET_ACCESS_KEY"),
            session_token: var("AWS_SESSION_TOKEN"),
            request_timeout: secs(ENV_REQUEST_TIMEOUT, DEFAULT_REQUEST_TIMEOUT),
            retry_deadline: secs(ENV_RETRY_DEADLINE, DEFAULT_RETRY_DEADLINE),
        }
    }

    /// `s3://bucket/prefix`, as messages name the store.
    pub fn url(&self) -> String {
        if self.prefix.is_empty() {
            format!("s3://{}", self.bucket)
        } else {
            format!("s3://{}/{}", self.bucket, self.prefix)
        }
    }

    /// Where the service is, as messages name it.
    pub fn service(&self) -> String {
        self.endpoint
            .clone()
            .unwrap_or_else(|| format!("AWS S3 ({})", self.region))
    }
}

/// A bucket prefix holding one datastore.
pub struct S3Store {
    config: S3Config,
    store: Arc<AmazonS3>,
    /// The same service with short limits, for the check at open: a service that does not
    /// answer is reported (or the cache used) within seconds, not after the full deadline.
    probe: Arc<AmazonS3>,
    /// Always `Some` until dropped (taken so the drop never blocks a caller's runtime).
    runtime: Option<tokio::runtime::Runtime>,
}

/// An S3 client for `config` whose requests time out after `request_timeout` and are retried
/// (backing off) until `retry_deadline`.
fn client(
    config: &S3Config,
    request_timeout: Duration,
    retry_deadline: Duration,
) -> Result<AmazonS3> {
    let mut builder = AmazonS3Builder::new()
        .with_bucket_name(&config.bucket)
        .with_region(&config.region)
        .with_virtual_hosted_style_request(false)
        .with_retry(RetryConfig {
            backoff: BackoffConfig {
                init_backoff: Duration::from_millis(100),
                max_backoff: Duration::from_secs(5),
                base: 2.0,
            },
            // The deadline, not a count, ends the retries: ten retries of at most 5 s each
            // gave up on a cluster still answering 5xx after a node died, well inside it.
            max_retries: MAX_RETRIES,
            retry_timeout: retry_deadline,
        })
        .with_client_options(
            ClientOptions::new()
                .with_timeout(request_timeout)
                .with_connect_timeout(Duration::from_secs(5).min(request_timeout))
                .with_allow_http(true)
                .with_pool_max_idle_per_host(PARALLEL_REQUESTS),
        );
    if let Some(endpoint) = &config.endpoint {
        builder = builder.with_endpoint(endpoint);
    }
    if let Some(id) = &config.access_key_id {
        builder = builder.with_access_key_id(id);
    }
    if let Some(secret) = &config.secret_access_key {
        builder = builder.with_secret_access_key(secret);
    }
    if let Some(token) = &config.session_token {
        builder = builder.with_token(token);
    }
    builder.build().map_err(|e| {
        other(
            config.url(),
            "open",
            io::ErrorKind::InvalidInput,
            reason(&e).1,
        )
    })
}

impl Drop for S3Store {
    fn drop(&mut self) {
        if let Some(runtime) = self.runtime.take() {
            runtime.shutdown_background();
        }
    }
}

impl fmt::Debug for S3Store {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("S3Store")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

fn other(at: String, action: &'static str, kind: io::ErrorKind, text: String) -> BackendError {
    BackendError::Io {
        at,
        action,
        source: io::Error::new(kind, text),
    }
}

/// A short reason from object_store's error chain: the S3 error code or the transport cause,
/// never the whole request dump.
fn reason(e: &object_store::Error) -> (io::ErrorKind, String) {
    let text = e.to_string();
    let chain = {
        let mut all = text.clone();
        let mut source = std::error::Error::source(e);
        while let Some(s) = source {
            all.push_str(": ");
            all.push_str(&s.to_string());
            source = s.source();
        }
        all
    };
    let has = |needle: &str| chain.contains(needle);
    if has("NoSuchBucket") {
        return (io::ErrorKind::NotFound, "no such bucket".into());
    }
    if has("InvalidAccessKeyId") || has("AccessDenied") || has("SignatureDoesNotMatch") {
        let code = [
            "InvalidAccessKeyId",
            "SignatureDoesNotMatch",
            "AccessDenied",
        ]
        .into_iter()
        .find(|c| has(c))
        .unwrap_or("AccessDenied");
        return (
            io::ErrorKind::PermissionDenied,
            format!("access denied ({code}): check AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY"),
        );
    }
    match e {
        object_store::Error::PermissionDenied { .. }
        | object_store::Error::Unauthenticated { .. } => {
            return (io::ErrorKind::PermissionDenied, "access denied".into())
        }
        object_store::Error::NotFound { .. } => {
            return (io::ErrorKind::NotFound, "not found".into())
        }
        _ => {}
    }
    if has("Connection refused") || has("connection refused") {
        return (
            io::ErrorKind::ConnectionRefused,
            "cannot connect to the S3 service (retried)".into(),
        );
    }
    if has("timed out") || has("error sending request") {
        return (
            io::ErrorKind::TimedOut,
            "no answer from the S3 service within the time limit (retried; set PBSH_S3_TIMEOUT_SECS / PBSH_S3_RETRY_SECS)".into(),
        );
    }
    (io::ErrorKind::Other, describe(&chain))
}

/// One line for an error chain no case above knew: the HTTP status and the S3 error code and
/// message when the service answered (with how often it was retried), else the last non-empty
/// cause (the transport's words).
fn describe(chain: &str) -> String {
    const STATUS: &str = "status code: ";
    let line = if let Some(at) = chain.find(STATUS) {
        let rest = &chain[at + STATUS.len()..];
        let (status, body) = rest.split_once(": ").unwrap_or((rest, ""));
        let mut line = format!("the S3 service answered {}", status.trim());
        let tag = |name: &str| {
            let open = format!("<{name}>");
            let start = body.find(&open)? + open.len();
            let end = body[start..].find("</")? + start;
            Some(body[start..end].trim().to_string())
        };
        match (tag("Code"), tag("Message")) {
            (Some(code), Some(message)) => line.push_str(&format!(" ({code}: {message})")),
            (Some(code), None) => line.push_str(&format!(" ({code})")),
            _ => {}
        }
        if let Some(retries) = chain
            .split_once("after ")
            .and_then(|(_, r)| r.split_once(" retries"))
            .map(|(n, _)| n)
            .filter(|n| n.chars().all(|c| c.is_ascii_digit()) && !n.is_empty())
        {
            line.push_str(&format!(" after {retries} retries"));
        }
        line
    } else {
        chain
            .rsplit(": ")
            .map(|part| part.lines().next().unwrap_or("").trim())
            .find(|part| !part.is_empty())
            .unwrap_or("an unexplained error")
            .to_string()
    };
    line.chars().take(200).collect()
}

fn stamp(t: chrono::DateTime<chrono::Utc>) -> Stamp {
    Stamp {
        secs: t.timestamp(),
        nanos: i64::from(t.timestamp_subsec_nanos()),
    }
}

impl S3Store {
    /// Connects (nothing is sent yet) and checks the bucket with one listing, so a missing
    /// bucket, a wrong key or an unreachable service is one clear error at open.
    pub fn open(config: S3Config) -> Result<Self> {
        let s3 = Self::connect(config)?;
        s3.check_bucket()?;
        Ok(s3)
    }

    /// The client for `config`, nothing sent yet.
    pub fn connect(config: S3Config) -> Result<Self> {
        let url = config.url();
        if config.access_key_id.is_none() || config.secret_access_key.is_none() {
            return Err(other(
                url,
                "open",
                io::ErrorKind::PermissionDenied,
                "no credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY".into(),
            ));
        }
        if config.prefix.split('/').any(|c| c == "." || c == "..")
            || Key::new(config.prefix.clone()).is_err()
        {
            return Err(BackendError::InvalidKey {
                key: config.prefix.clone(),
                why: "not a valid prefix",
            });
        }
        let store = client(&config, config.request_timeout, config.retry_deadline)?;
        let probe = client(
            &config,
            config.request_timeout.min(PROBE_REQUEST_TIMEOUT),
            config.retry_deadline.min(PROBE_RETRY_DEADLINE),
        )?;
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("pbsh-s3")
            .enable_all()
            .build()
            .map_err(|e| BackendError::Io {
                at: url.clone(),
                action: "start the S3 client",
                source: e,
            })?;
        Ok(S3Store {
            config,
            store: Arc::new(store),
            probe: Arc::new(probe),
            runtime: Some(runtime),
        })
    }

    pub fn config(&self) -> &S3Config {
        &self.config
    }

    /// One listing of the prefix: the bucket exists and the key may read it.
    pub fn check_bucket(&self) -> Result<()> {
        let store = self.probe.clone();
        let prefix = self.path(&Key::root()).ok().flatten();
        let url = self.config.url();
        let service = self.config.service();
        self.run(async move {
            store
                .list_with_delimiter(prefix.as_ref())
                .await
                .map(|_| ())
                .map_err(|e| {
                    let (kind, why) = reason(&e);
                    let why = if why == "no such bucket" {
                        format!("no bucket {:?} at {service}", url_bucket(&url))
                    } else {
                        format!("{why} (at {service})")
                    };
                    other(url.clone(), "open", kind, why)
                })
        })?
    }

    /// Runs `future` on the store's runtime and waits for it.
    fn run<T: Send + 'static>(
        &self,
        future: impl Future<Output = T> + Send + 'static,
    ) -> Result<T> {
        let (tx, rx) = std::sync::mpsc::sync_channel(1);
        if let Some(runtime) = &self.runtime {
            runtime.spawn(async move {
                let _ = tx.send(future.await);
            });
        }
        rx.recv().map_err(|_| {
            other(
                self.config.url(),
                "wait for the S3 client",
                io::ErrorKind::Interrupted,
                "the S3 client stopped".into(),
            )
        })
    }

    /// The object path of `key` (`None` for the root of an empty prefix: the bucket itself).
    fn path(&self, key: &Key) -> Result<Option<ObjectPath>> {
        let full = match (self.config.prefix.is_empty(), key.is_root()) {
            (true, true) => return Ok(None),
            (true, false) => key.as_str().to_string(),
            (false, true) => self.config.prefix.clone(),
            (false, false) => format!("{}/{}", self.config.prefix, key.as_str()),
        };
        ObjectPath::parse(&full)
            .map(Some)
            .map_err(|_| BackendError::InvalidKey {
                key: key.as_str().chars().take(120).collect(),
                why: "not a valid object name",
            })
    }

    fn object_path(&self, key: &Key) -> Result<ObjectPath> {
        self.path(key)?.ok_or_else(|| BackendError::InvalidKey {
            key: String::new(),
            why: "the store's root is not an object",
        })
    }

    fn error(
        &self,
        key: &Key,
        action: &'static str,
    ) -> impl Fn(object_store::Error) -> BackendError {
        let at = self.locate(key);
        move |e| {
            if matches!(e, object_store::Error::NotFound { .. })
                && !e.to_string().contains("NoSuchBucket")
            {
                return BackendError::NotFound { at: at.clone() };
            }
            let (kind, why) = reason(&e);
            other(at.clone(), action, kind, why)
        }
    }

    /// The key of an object path below the store's prefix, relative to `base`.
    fn relative(&self, base: &Option<ObjectPath>, location: &ObjectPath) -> Option<String> {
        let full = location.as_ref();
        match base {
            None => Some(full.to_string()),
            Some(b) => full
                .strip_prefix(b.as_ref())
                .and_then(|rest| rest.strip_prefix('/'))
                .map(str::to_string),
        }
    }

    /// Starts storing `bytes` under `key` and returns at once; `done` gets the outcome on the
    /// store's runtime (a chunk upload that the writer waits for only at its next `sync`).
    pub fn put_in_background(
        &self,
        key: &Key,
        bytes: bytes::Bytes,
        done: impl FnOnce(Result<()>) + Send + 'static,
    ) -> Result<()> {
        let path = self.object_path(key)?;
        let store = self.store.clone();
        let err = self.error(key, "write");
        let runtime = self.runtime.as_ref().ok_or_else(|| {
            other(
                self.config.url(),
                "write",
                io::ErrorKind::Interrupted,
                "the S3 client stopped".into(),
            )
        })?;
        runtime.spawn(async move {
            let result = store
                .put(&path, PutPayload::from(bytes))
                .await
                .map(|_| ())
                .map_err(err);
            // The marker file and bookkeeping are quick local writes.
            tokio::task::block_in_place(|| done(result));
        });
        Ok(())
    }

    /// Copies one object server-side (no bytes pass through this host).
    pub fn copy(&self, from: &Key, to: &Key) -> Result<()> {
        let (src, dst) = (self.object_path(from)?, self.object_path(to)?);
        let store = self.store.clone();
        let err = self.error(from, "copy object");
        self.run(async move { store.copy(&src, &dst).await.map_err(err) })?
    }

    /// Removes objects without asking first whether they exist (S3's delete is idempotent),
    /// in `DeleteObjects` batches.
    pub fn delete_many(&self, keys: &[Key]) -> Result<()> {
        if keys.is_empty() {
            return Ok(());
        }
        let paths = keys
            .iter()
            .map(|k| self.object_path(k))
            .collect::<Result<Vec<_>>>()?;
        let store = self.store.clone();
        let err = self.error(&keys[0], "delete objects");
        self.run(async move {
            let input = futures_util::stream::iter(paths.into_iter().map(Ok)).boxed();
            let mut results = store.delete_stream(input);
            while let Some(r) = results.next().await {
                match r {
                    Ok(_) | Err(object_store::Error::NotFound { .. }) => {}
                    Err(e) => return Err(err(e)),
                }
            }
            Ok(())
        })?
    }

    /// One page (at most `max` keys) of the objects below `prefix`, in key order, starting after
    /// the key `after` (S3's `start-after`); true when more follow.
    pub fn list_page_after(
        &self,
        prefix: &Key,
        after: &Key,
        max: usize,
    ) -> Result<(Vec<(Key, ObjectMeta)>, bool)> {
        use object_store::list::{PaginatedListOptions, PaginatedListStore};
        let base = self.path(prefix)?;
        let raw_prefix = base.as_ref().map(|b| format!("{b}/"));
        let offset = self.object_path(after)?.to_string();
        let store = self.store.clone();
        let err = self.error(prefix, "list");
        let page = self.run(async move {
            let options = PaginatedListOptions {
                offset: Some(offset),
                max_keys: Some(max),
                ..Default::default()
            };
            store
                .list_paginated(raw_prefix.as_deref(), options)
                .await
                .map_err(err)
        })??;
        let mut out = Vec::with_capacity(page.result.objects.len());
        for meta in page.result.objects {
            if let Some(name) = self.relative(&base, &meta.location) {
                if let Ok(key) = prefix.join(&name) {
                    out.push((key, object_meta(meta.size, stamp(meta.last_modified))));
                }
            }
        }
        out.sort_by(|a, b| a.0.cmp(&b.0));
        Ok((out, page.page_token.is_some()))
    }

    /// Every object below `prefix`, recursively, handed to `each` a page (up to 1,000) at a
    /// time as the listing comes in, so a listing of millions of keys is never held whole.
    pub fn list_pages(
        &self,
        prefix: &Key,
        mut each: impl FnMut(Vec<(Key, ObjectMeta)>) -> Result<()>,
    ) -> Result<()> {
        let base = self.path(prefix)?;
        let store = self.store.clone();
        let err = self.error(prefix, "list");
        let runtime = self
            .runtime
            .as_ref()
            .ok_or_else(|| self.unsupported("list"))?;
        let (tx, rx) = std::sync::mpsc::sync_channel::<Result<Vec<object_store::ObjectMeta>>>(4);
        let listed_base = base.clone();
        runtime.spawn(async move {
            let mut stream = store.list(listed_base.as_ref()).chunks(1000);
            while let Some(page) = stream.next().await {
                let page: std::result::Result<Vec<_>, _> = page.into_iter().collect();
                let failed = page.is_err();
                if tx.send(page.map_err(&err)).is_err() || failed {
                    return;
                }
            }
        });
        for page in rx {
            let mut keys = Vec::new();
            for meta in page? {
                if let Some(name) = self.relative(&base, &meta.location) {
                    if let Ok(key) = prefix.join(&name) {
                        keys.push((key, object_meta(meta.size, stamp(meta.last_modified))));
                    }
                }
            }
            each(keys)?;
        }
        Ok(())
    }

    /// The whole objects at `keys`, fetched `PARALLEL_REQUESTS` at a time; each answer paired
    /// with its key, in no particular order.
    pub fn get_many(&self, keys: Vec<Key>, limit: u64) -> Result<Vec<(Key, Result<Vec<u8>>)>> {
        let mut jobs = Vec::with_capacity(keys.len());
        for key in keys {
            let path = self.object_path(&key)?;
            let err = self.error(&key, "read");
            let at = self.locate(&key);
            jobs.push((key, path, err, at));
        }
        let store = self.store.clone();
        self.run(async move {
            futures_util::stream::iter(jobs.into_iter().map(|(key, path, err, at)| {
                let store = store.clone();
                async move {
                    let got = fetch(&store, &path, limit, at, &err).await;
                    (key, got)
                }
            }))
            .buffer_unordered(PARALLEL_REQUESTS)
            .collect::<Vec<_>>()
            .await
        })
    }

    /// Every object below `prefix`, recursively, with its key relative to the store.
    pub fn list_keys(&self, prefix: &Key) -> Result<Vec<(Key, ObjectMeta)>> {
        let entries = self.list(prefix, Depth::Recursive)?;
        entries
            .into_iter()
            .filter(|e| e.exact)
            .map(|e| Ok((prefix.join(&e.name)?, e.meta)))
            .collect()
    }
}

/// The whole object at `path`, refused before its body is read when over `limit` bytes.
async fn fetch(
    store: &AmazonS3,
    path: &ObjectPath,
    limit: u64,
    at: String,
    err: &impl Fn(object_store::Error) -> BackendError,
) -> Result<Vec<u8>> {
    let result = store.get(path).await.map_err(err)?;
    let size = result.meta.size;
    if size > limit {
        return Err(BackendError::TooLarge { at, size, limit });
    }
    result.bytes().await.map(|b| b.to_vec()).map_err(err)
}

fn url_bucket(url: &str) -> &str {
    url.trim_start_matches("s3://")
        .split('/')
        .next()
        .unwrap_or(url)
}

fn object_meta(size: u64, modified: Stamp) -> ObjectMeta {
    ObjectMeta {
        kind: Kind::Object,
        size,
        modified,
        accessed: modified,
    }
}

impl StorageBackend for S3Store {
    fn locate(&self, key: &Key) -> String {
        let url = self.config.url();
        if key.is_root() {
            url
        } else {
            format!("{url}/{key}")
        }
    }

    fn capabilities(&self) -> Capabilities {
        Capabilities {
            directories: false,
            rename: false,
            locks: false,
            access_times: false,
            deferred_sync: false,
            space: false,
        }
    }

    fn get(&self, key: &Key, limit: u64) -> Result<Vec<u8>> {
        let path = self.object_path(key)?;
        let store = self.store.clone();
        let err = self.error(key, "read");
        let at = self.locate(key);
        self.run(async move { fetch(&store, &path, limit, at, &err).await })?
    }

    fn get_range(&self, key: &Key, offset: u64, len: u64) -> Result<Vec<u8>> {
        let path = self.object_path(key)?;
        let store = self.store.clone();
        let err = self.error(key, "read");
        self.run(async move {
            let size = store.head(&path).await.map_err(&err)?.size;
            let end = offset.saturating_add(len).min(size);
            if offset >= end {
                return Ok(Vec::new());
            }
            store
                .get_range(&path, offset..end)
                .await
                .map(|b| b.to_vec())
                .map_err(&err)
        })?
    }

    fn put(&self, key: &Key, bytes: &[u8], _durability: Durability) -> Result<()> {
        let path = self.object_path(key)?;
        let store = self.store.clone();
        let err = self.error(key, "write");
        if bytes.len() >= MULTIPART_PART {
            // Large objects stream up in parts; S3 makes the whole visible at completion.
            let data = bytes::Bytes::copy_from_slice(bytes);
            return self.run(async move {
                let upload = store.put_multipart(&path).await.map_err(&err)?;
                let mut writer =
                    object_store::WriteMultipart::new_with_chunk_size(upload, MULTIPART_PART);
                writer.put(data);
                writer.finish().await.map(|_| ()).map_err(&err)
            })?;
        }
        let payload = PutPayload::from(bytes::Bytes::copy_from_slice(bytes));
        self.run(async move { store.put(&path, payload).await.map(|_| ()).map_err(err) })?
    }

    fn put_if_absent(&self, key: &Key, bytes: &[u8], _durability: Durability) -> Result<Put> {
        let path = self.object_path(key)?;
        let store = self.store.clone();
        let err = self.error(key, "write");
        let payload = PutPayload::from(bytes::Bytes::copy_from_slice(bytes));
        self.run(async move {
            let options = PutOptions {
                mode: PutMode::Create,
                ..Default::default()
            };
            match store.put_opts(&path, payload, options).await {
                Ok(_) => Ok(Put::Created),
                Err(object_store::Error::AlreadyExists { .. })
                | Err(object_store::Error::Precondition { .. }) => Ok(Put::Existed),
                Err(e) => Err(err(e)),
            }
        })?
    }

    fn list(&self, prefix: &Key, depth: Depth) -> Result<Vec<Entry>> {
        let base = self.path(prefix)?;
        let store = self.store.clone();
        let err = self.error(prefix, "list");
        let listed = self.run(async move {
            match depth {
                Depth::One => store
                    .list_with_delimiter(base.as_ref())
                    .await
                    .map(|r| (r.objects, r.common_prefixes))
                    .map_err(&err),
                Depth::Recursive => {
                    let mut objects = Vec::new();
                    let mut stream = store.list(base.as_ref());
                    while let Some(meta) = stream.next().await {
                        objects.push(meta.map_err(&err)?);
                    }
                    Ok((objects, Vec::new()))
                }
            }
        })??;
        let base = self.path(prefix)?;
        let (objects, prefixes) = listed;
        let mut out = Vec::with_capacity(objects.len() + prefixes.len());
        for meta in objects {
            if let Some(name) = self.relative(&base, &meta.location) {
                out.push(Entry {
                    name,
                    exact: true,
                    meta: object_meta(meta.size, stamp(meta.last_modified)),
                });
            }
        }
        for p in prefixes {
            if let Some(name) = self.relative(&base, &p) {
                out.push(Entry {
                    name,
                    exact: true,
                    meta: ObjectMeta {
                        kind: Kind::Prefix,
                        size: 0,
                        modified: Stamp::default(),
                        accessed: Stamp::default(),
                    },
                });
            }
        }
        Ok(out)
    }

    fn delete(&self, key: &Key) -> Result<bool> {
        if self.stat(key)?.is_none_or(|m| m.kind != Kind::Object) {
            return Ok(false);
        }
        self.delete_many(std::slice::from_ref(key))?;
        Ok(true)
    }

    fn delete_tree(&self, key: &Key) -> Result<()> {
        let mut keys: Vec<Key> = self.list_keys(key)?.into_iter().map(|(k, _)| k).collect();
        if !key.is_root() {
            keys.push(key.clone());
        }
        self.delete_many(&keys)
    }

    fn stat(&self, key: &Key) -> Result<Option<ObjectMeta>> {
        if key.is_root() {
            return Ok(Some(ObjectMeta {
                kind: Kind::Prefix,
                size: 0,
                modified: Stamp::default(),
                accessed: Stamp::default(),
            }));
        }
        let path = self.object_path(key)?;
        let store = self.store.clone();
        let err = self.error(key, "stat");
        let head = self.run(async move {
            match store.head(&path).await {
                Ok(meta) => Ok(Some(meta)),
                Err(object_store::Error::NotFound { .. }) => Ok(None),
                Err(e) => Err(err(e)),
            }
        })??;
        if let Some(meta) = head {
            return Ok(Some(object_meta(meta.size, stamp(meta.last_modified))));
        }
        // Not an object: a prefix while something is below it.
        let below = self.list(key, Depth::One)?;
        Ok((!below.is_empty()).then_some(ObjectMeta {
            kind: Kind::Prefix,
            size: 0,
            modified: Stamp::default(),
            accessed: Stamp::default(),
        }))
    }

    fn create_dir(&self, _key: &Key) -> Result<bool> {
        Err(self.unsupported("create_dir"))
    }

    fn create_dir_all(&self, _key: &Key) -> Result<()> {
        Err(self.unsupported("create_dir_all"))
    }

    fn rename(&self, _from: &Key, _to: &Key, _replace: Replace) -> Result<()> {
        Err(self.unsupported("rename"))
    }

    fn lock(&self, _key: &Key, _mode: LockMode) -> Result<Lock> {
        Err(self.unsupported("lock"))
    }

    fn touch(&self, _key: &Key) -> Result<bool> {
        Err(self.unsupported("touch"))
    }

    fn sync(&self, _prefix: &Key) -> Result<()> {
        // Every put is durable when S3 answers it.
        Ok(())
    }

    fn space(&self) -> Result<Space> {
        Err(self.unsupported("space"))
    }
}

impl S3Store {
    fn unsupported(&self, operation: &'static str) -> BackendError {
        BackendError::Unsupported {
            backend: self.config.url(),
            operation,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::describe;

    #[test]
    fn a_server_error_says_its_status_code_and_retries() {
        let chain = "Generic S3 error: Error performing PUT http://127.0.0.1:3901/pbsh/x in \
            23.1s, after 10 retries, max_retries: 10, retry_timeout: 120s  - Server returned \
            non-2xx status code: 500 Internal Server Error: : Server returned non-2xx status \
            code: 500 Internal Server Error: ";
        assert_eq!(
            describe(chain),
            "the S3 service answered 500 Internal Server Error after 10 retries"
        );
    }

    #[test]
    fn an_s3_error_body_gives_its_code_and_message() {
        let chain = "Generic S3 error: Error performing PUT http://h/b/k in 1s - Server \
            returned non-2xx status code: 400 Bad Request: <?xml version=\"1.0\"?>\n<Error>\
            <Code>InvalidRequest</Code><Message>Bad part</Message></Error>";
        assert_eq!(
            describe(chain),
            "the S3 service answered 400 Bad Request (InvalidRequest: Bad part)"
        );
    }

    #[test]
    fn otherwise_the_last_cause_that_says_something() {
        assert_eq!(
            describe("Generic S3 error: request failed: body stream broke: "),
            "body stream broke"
        );
        assert_eq!(describe(": "), "an unexplained error");
    }
}
