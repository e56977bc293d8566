//! Where a datastore is (a directory, or a prefix of an S3 bucket), and opening it as PBS's
//! layout over the matching backend.

use crate::repo::backend::cached::CachedBackend;
use crate::repo::backend::s3::{S3Config, S3Store};
use crate::repo::backend::{BackendError, Key, StorageBackend};
use crate::repo::local::LocalDatastore;
use std::fmt;
use std::path::PathBuf;
use std::sync::Arc;

/// The directory holding the S3 stores' caches (default `$XDG_CACHE_HOME/pbsh/s3`).
pub const ENV_CACHE_DIR: &str = "PBSH_S3_CACHE_DIR";
/// The chunk content cache's size in MiB (default 1024).
pub const ENV_CACHE_MIB: &str = "PBSH_S3_CACHE_MIB";
const DEFAULT_CACHE_MIB: i64 = 1024;

/// `s3://BUCKET[/PREFIX]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct S3Location {
    pub bucket: String,
    pub prefix: String,
}

impl S3Location {
    /// Parses `s3://BUCKET[/PREFIX]`; `None` when `text` is not an `s3://` URL at all.
    pub fn parse(text: &str) -> Option<Result<Self, String>> {
        let rest = text.strip_prefix("s3://")?;
        let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
        let prefix = prefix.trim_end_matches('/');
        let bad = |why: &str| Some(Err(format!("invalid S3 datastore {text:?}: {why}")));
        // S3's bucket naming rules (Garage and MinIO follow them).
        if bucket.len() < 3
            || bucket.len() > 63
            || !bucket
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'.')
            || !bucket.as_bytes()[0].is_ascii_alphanumeric()
            || !bucket.as_bytes()[bucket.len() - 1].is_ascii_alphanumeric()
        {
            return bad("the bucket name must be 3-63 lowercase letters, digits, '-' or '.' (s3://BUCKET[/PREFIX])");
        }
        if !prefix.is_empty() && Key::new(prefix).is_err() {
            return bad("the prefix must be /-separated names without '.', '..' or empty parts");
        }
        if prefix.split('/').any(|c| c.starts_with(".chunks")) {
            return bad("the prefix may not name the chunk store");
        }
        Some(Ok(S3Location {
            bucket: bucket.to_string(),
            prefix: prefix.to_string(),
        }))
    }
}

impl fmt::Display for S3Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.prefix.is_empty() {
            write!(f, "s3://{}", self.bucket)
        } else {
            write!(f, "s3://{}/{}", self.bucket, self.prefix)
        }
    }
}

/// Where a datastore is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DatastoreLocation {
    Dir(PathBuf),
    S3(S3Location),
}

impl DatastoreLocation {
    /// `s3://…` is a bucket prefix; anything else a directory.
    pub fn parse(text: &str) -> Result<Self, String> {
        match S3Location::parse(text) {
            Some(s3) => s3.map(DatastoreLocation::S3),
            None => Ok(DatastoreLocation::Dir(PathBuf::from(text))),
        }
    }

    /// Opens the datastore; `create` makes it when missing (a directory's `.chunks`, a bucket
    /// prefix's `.lock` and `.chunks`), else a missing one is an error naming it.
    pub fn open(&self, create: bool) -> Result<LocalDatastore, String> {
        match self {
            DatastoreLocation::Dir(path) => {
                if !create && !path.join(".chunks").is_dir() {
                    return Err(format!(
                        "{}: not a datastore (no .chunks directory; create one with `datastore create {}`)",
                        path.display(),
                        path.display()
                    ));
                }
                LocalDatastore::open_or_create(path)
                    .map_err(|e| format!("cannot open datastore {}: {e}", path.display()))
            }
            DatastoreLocation::S3(s3) => open_s3(s3, create).map_err(|e| e.to_string()),
        }
    }
}

impl fmt::Display for DatastoreLocation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DatastoreLocation::Dir(p) => write!(f, "{}", p.display()),
            DatastoreLocation::S3(s) => write!(f, "{s}"),
        }
    }
}

/// The cache directory of a bucket prefix: `<base>/<endpoint host_port>/<bucket>/<prefix>`,
/// where the base is `PBSH_S3_CACHE_DIR` or `$XDG_CACHE_HOME/pbsh/s3` (one per store, shared by
/// every pbsh process on this host that opens it).
pub fn cache_dir(config: &S3Config) -> PathBuf {
    let base = std::env::var_os(ENV_CACHE_DIR)
        .filter(|d| !d.is_empty())
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            dirs::cache_dir()
                .unwrap_or_else(std::env::temp_dir)
                .join("pbsh")
                .join("s3")
        });
    let service: String = config
        .endpoint
        .as_deref()
        .map(|e| e.split("://").nth(1).unwrap_or(e))
        .unwrap_or("aws")
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '.' || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect();
    let mut dir = base.join(service).join(&config.bucket);
    dir.push(if config.prefix.is_empty() {
        "_root"
    } else {
        &config.prefix
    });
    dir
}

/// The datastore at an S3 bucket prefix, through its cache directory.
pub fn open_s3(location: &S3Location, create: bool) -> Result<LocalDatastore, BackendError> {
    let config = S3Config::from_env(&location.bucket, &location.prefix);
    let dir = cache_dir(&config);
    let limit =
        (crate::util::knobs::positive(ENV_CACHE_MIB, DEFAULT_CACHE_MIB, 1 << 30) as u64) << 20;
    let remote = S3Store::connect(config)?;
    let reachable = match remote.check_bucket() {
        Ok(()) => true,
        // The service does not answer, but this host has the datastore's metadata and recent
        // chunks: browse and restore from them.
        Err(BackendError::Io { ref source, .. })
            if matches!(
                source.kind(),
                std::io::ErrorKind::TimedOut | std::io::ErrorKind::ConnectionRefused
            ) && CachedBackend::has_mirror(&dir) =>
        {
            crate::errln!(
                "pbsh: {location}: the S3 service does not answer; working from the cache in {} (writes will fail)",
                dir.display()
            );
            false
        }
        Err(e) => return Err(e),
    };
    let backend = Arc::new(CachedBackend::open(remote, &dir, limit, reachable)?);
    if !create && backend.stat(&Key::new(".lock")?)?.is_none() {
        return Err(BackendError::Io {
            at: location.to_string(),
            action: "open",
            source: std::io::Error::new(
                std::io::ErrorKind::NotFound,
                format!("not a datastore (create one with `datastore create {location}`)"),
            ),
        });
    }
    let root = backend.mirror_root().to_path_buf();
    LocalDatastore::with_backend(&root, backend).map(|d| d.with_label(location.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn s3_urls_parse_and_bad_ones_are_named() {
        let l = S3Location::parse("s3://pbsh/site/a").unwrap().unwrap();
        assert_eq!((l.bucket.as_str(), l.prefix.as_str()), ("pbsh", "site/a"));
        assert_eq!(l.to_string(), "s3://pbsh/site/a");
        let l = S3Location::parse("s3://pbsh").unwrap().unwrap();
        assert_eq!(l.prefix, "");
        assert!(S3Location::parse("/tmp/x").is_none());
        for bad in [
            "s3://",
            "s3://A",
            "s3://ab",
            "s3://pbsh/../x",
            "s3://pbsh/a//b",
            "s3://-x-/a",
        ] {
            let e = S3Location::parse(bad).unwrap().unwrap_err();
            assert!(e.contains(bad), "{e}");
        }
        assert_eq!(
            DatastoreLocation::parse("s3://pbsh/p").unwrap(),
            DatastoreLocation::S3(S3Location {
                bucket: "pbsh".into(),
                prefix: "p".into()
            })
        );
    }
}
