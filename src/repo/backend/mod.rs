//! The storage backend under a datastore: named objects (get, put, put-if-absent, list, delete,
//! stat) addressed by relative keys, as small as restic's and rustic's backends.
//!
//! `repo::local::LocalDatastore` is PBS's datastore layout over one `StorageBackend`: it decides
//! the keys (`.chunks/abcd/<digest>`, `host/web1/2024-…/index.json.blob`, `ns/a/host/…`), the
//! backend stores bytes under them and knows nothing of what they mean. `fs` is the local file
//! system (a key is a path below the store's root directory); `faulty` is a decorator that
//! fails chosen operations, for tests. A second backend (S3) implements the same trait.
//!
//! # Keys
//!
//! A `Key` is a relative, `/`-separated name: no leading or trailing `/`, no empty, `.` or `..`
//! component, no NUL, at most 1024 bytes (S3's limit) and 255 bytes per component. The empty
//! key is the store's root (only `list`, `stat`, `create_dir` and `lock`ing take it). A key is
//! checked when it is made, so no backend sees one that could leave the store.
//!
//! # The object operations (every backend)
//!
//! `get` (whole, capped; or a byte range), `put` (atomic replace: readers see the old object or
//! the new one), `put_if_absent` (never replaces; says whether the key was taken), `list` (one
//! level or recursive, never following links), `delete`, `stat` (kind, size, times).
//!
//! # What not every backend can do: `Capabilities`
//!
//! Some of what PBS's layout relies on is a file system's, and an object store has no such thing.
//! These are methods of the trait with a documented local meaning, and `capabilities()` says
//! which a backend has; the layout (`LocalDatastore`) calls them today, and a backend without
//! one answers `BackendError::Unsupported`. The S3 backend's issue decides the other protocol
//! for each (the file system backend has them all):
//!
//! | capability | methods | local meaning | without it |
//! |---|---|---|---|
//! | `directories` | `create_dir`, `create_dir_all`, `delete` of an empty prefix, `Kind::Prefix` | a directory; namespaces and groups exist as directories, even empty ones | prefixes exist while objects are below them; the layout needs a marker object for an empty namespace |
//! | `rename` | `rename` | `rename(2)` of an object or a whole directory, atomic; a backup is published and a snapshot removed by one directory rename | publish by writing the manifest last; remove objects one by one |
//! | `locks` | `lock` | `flock(2)` on a file or directory, held by every process on this host | a lock in a local directory beside the bucket, or none |
//! | `access_times` | `touch`, `ObjectMeta::accessed` | the atime, which GC's mark phase sets and its sweep reads | GC marks in a local list or by marker objects |
//! | `deferred_sync` | `Durability::Deferred`, `sync` | chunks are written without `fsync` and flushed by one `syncfs` before the manifest | every `put` is durable when it returns; `sync` does nothing |
//! | `space` | `space` | `statvfs` of the file system holding the store | no figures |
//!
//! Kept in the layout layer, not here: what a name means (chunk file names, `.tmp-` and
//! `.deleting-` directories, `owner`, `.protected`), the order of writes that makes a backup
//! crash-safe, and which lock guards what.

pub mod cached;
pub mod content_cache;
pub mod faulty;
pub mod fs;
pub mod s3;

use crate::util::error_class::{of_io, ErrorClass};
use std::fmt;
use std::io;
use thiserror::Error;

/// Longest key, in bytes (S3's limit).
pub const MAX_KEY_LEN: usize = 1024;
/// Longest component of a key, in bytes (a file name's limit).
pub const MAX_COMPONENT_LEN: usize = 255;

/// A backend failure, naming the object (as the backend shows it: a path, a URL).
#[derive(Debug, Error)]
pub enum BackendError {
    #[error("invalid key {key:?}: {why}")]
    InvalidKey { key: String, why: &'static str },
    #[error("{at}: not found")]
    NotFound { at: String },
    #[error("{at}: {action}: {source}")]
    Io {
        at: String,
        action: &'static str,
        source: io::Error,
    },
    /// A lock held by someone else.
    #[error("{at}: locked by another operation")]
    Busy { at: String },
    /// A lock another host sharing the store holds (`holder` says who, and for what).
    #[error("{at}: {holder}")]
    HeldByHost { at: String, holder: String },
    /// An object larger than the caller allows.
    #[error("{at}: {size} bytes is larger than the limit of {limit}")]
    TooLarge { at: String, size: u64, limit: u64 },
    /// An operation this backend cannot do (see `Capabilities`).
    #[error("{backend}: {operation} is not supported")]
    Unsupported {
        backend: String,
        operation: &'static str,
    },
}

impl BackendError {
    /// The class of this failure (for exit statuses).
    pub fn class(&self) -> Option<ErrorClass> {
        match self {
            BackendError::InvalidKey { .. } => Some(ErrorClass::Usage),
            BackendError::NotFound { .. } => Some(ErrorClass::NotFound),
            BackendError::Io { source, .. } => Some(of_io(source)),
            BackendError::Busy { .. } | BackendError::HeldByHost { .. } => Some(ErrorClass::Locked),
            BackendError::TooLarge { .. } | BackendError::Unsupported { .. } => None,
        }
    }

    /// Whether this says the object (or a prefix on its way) does not exist.
    pub fn is_not_found(&self) -> bool {
        match self {
            BackendError::NotFound { .. } => true,
            BackendError::Io { source, .. } => source.kind() == io::ErrorKind::NotFound,
            _ => false,
        }
    }

    /// Whether this says the key is taken (`rename` without replacing, `create_dir`).
    pub fn is_already_exists(&self) -> bool {
        matches!(self, BackendError::Io { source, .. } if source.kind() == io::ErrorKind::AlreadyExists)
    }

    /// The same failure described as part of `action` (what the caller was doing).
    pub fn during(self, action: &'static str) -> Self {
        match self {
            BackendError::Io { at, source, .. } => BackendError::Io { at, action, source },
            other => other,
        }
    }
}

pub type Result<T, E = BackendError> = std::result::Result<T, E>;

/// The name of an object, relative to the store (see the module doc for the rules).
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct Key(String);

impl Key {
    /// The store's root (the empty key).
    pub fn root() -> Key {
        Key(String::new())
    }

    /// Checks `text` and makes it a key.
    pub fn new(text: impl Into<String>) -> Result<Key> {
        let text = text.into();
        check_key(&text)?;
        Ok(Key(text))
    }

    /// `rel` (one or more components) below this key.
    pub fn join(&self, rel: &str) -> Result<Key> {
        if self.0.is_empty() {
            Key::new(rel)
        } else {
            Key::new(format!("{}/{rel}", self.0))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn is_root(&self) -> bool {
        self.0.is_empty()
    }

    /// The components, root first (none for the root).
    pub fn components(&self) -> impl Iterator<Item = &str> {
        self.0.split('/').filter(|c| !c.is_empty())
    }

    /// The last component (empty for the root).
    pub fn name(&self) -> &str {
        self.0.rsplit('/').next().unwrap_or("")
    }

    /// The key one level up (`None` for the root).
    pub fn parent(&self) -> Option<Key> {
        if self.0.is_empty() {
            return None;
        }
        Some(Key(self
            .0
            .rsplit_once('/')
            .map(|(p, _)| p.to_string())
            .unwrap_or_default()))
    }
}

impl fmt::Debug for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Key({:?})", self.0)
    }
}

impl fmt::Display for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

fn check_key(text: &str) -> Result<()> {
    let bad = |why| {
        Err(BackendError::InvalidKey {
            key: text.chars().take(120).collect(),
            why,
        })
    };
    if text.is_empty() {
        return Ok(());
    }
    if text.len() > MAX_KEY_LEN {
        return bad("longer than 1024 bytes");
    }
    if text.starts_with('/') {
        return bad("absolute");
    }
    if text.contains('\0') {
        return bad("contains NUL");
    }
    for c in text.split('/') {
        match c {
            "" => return bad("empty component"),
            "." | ".." => return bad("`.` or `..` component"),
            c if c.len() > MAX_COMPONENT_LEN => return bad("component longer than 255 bytes"),
            _ => {}
        }
    }
    Ok(())
}

/// What a key names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// An object (a regular file).
    Object,
    /// A prefix with keys below it (a directory).
    Prefix,
    /// A symbolic link: never followed, never written through.
    Link,
    /// Anything else a file system can hold (device, socket, FIFO).
    Special,
}

impl Kind {
    /// How a listing describes it, e.g. in GC's report of what it left alone.
    pub fn describe(self) -> &'static str {
        match self {
            Kind::Object => "a regular file",
            Kind::Prefix => "a directory",
            Kind::Link => "a symlink (never followed)",
            Kind::Special => "a special file",
        }
    }
}

/// A point in time as a backend records it: seconds and nanoseconds since the epoch.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default)]
pub struct Stamp {
    pub secs: i64,
    pub nanos: i64,
}

/// What `stat` tells about a key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ObjectMeta {
    pub kind: Kind,
    pub size: u64,
    pub modified: Stamp,
    /// The last access (GC's mark), where the backend has `access_times`; else `modified`.
    pub accessed: Stamp,
}

/// One name found by `list`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// Relative to the listed prefix (`a/b` in a recursive listing). A file system name that is
    /// not UTF-8 is given lossily and `exact` is false: such a name cannot be made into a key, so
    /// its object can be reported but not read or removed.
    pub name: String,
    pub exact: bool,
    /// As `stat` would tell (an object store lists size and times with the names; a prefix in
    /// a one-level listing has size 0 and no times).
    pub meta: ObjectMeta,
}

/// How deep `list` goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Depth {
    /// The names directly below the prefix, prefixes among them.
    One,
    /// Every object below the prefix, at any depth (prefixes are not listed).
    Recursive,
}

/// When a `put` is on stable storage.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Durability {
    /// Before `put` returns (the data and the name): a crash leaves the old object or the new.
    Synced,
    /// By the next `sync()`: many objects are written, then flushed at once (chunks before the
    /// manifest that names them). A crash before `sync` may leave a zero-length object or the
    /// backend's temporary copy.
    Deferred,
}

/// Whether `put_if_absent` stored the object.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Put {
    Created,
    /// The key was taken; nothing was written.
    Existed,
}

/// What `rename` does when the target exists.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Replace {
    /// Replace an object, or an empty directory, as `rename(2)` does.
    Yes,
    /// Fail (`is_already_exists`) and change nothing.
    No,
}

/// A lock's mode.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LockMode {
    Shared,
    Exclusive,
}

/// A held lock; released on drop.
pub struct Lock(#[allow(dead_code)] Box<dyn Send + Sync>);

impl Lock {
    pub fn new(inner: Box<dyn Send + Sync>) -> Self {
        Lock(inner)
    }
}

impl fmt::Debug for Lock {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Lock")
    }
}

/// Space on the storage holding the store, in bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Space {
    pub total: u64,
    pub used: u64,
    pub avail: u64,
}

/// Which of the optional operations a backend has (see the module doc's table).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Capabilities {
    pub directories: bool,
    pub rename: bool,
    pub locks: bool,
    pub access_times: bool,
    pub deferred_sync: bool,
    pub space: bool,
}

impl Capabilities {
    /// A file system's: all of them.
    pub const ALL: Capabilities = Capabilities {
        directories: true,
        rename: true,
        locks: true,
        access_times: true,
        deferred_sync: true,
        space: true,
    };
}

/// Where a datastore's bytes are kept: named objects and, where `capabilities()` says so, the
/// file-system-only operations PBS's layout uses. Shared across threads.
pub trait StorageBackend: Send + Sync + fmt::Debug {
    /// Where `key` is, as messages show it (a path, a URL).
    fn locate(&self, key: &Key) -> String;
    fn capabilities(&self) -> Capabilities;

    // --- objects ---

    /// The whole object; `TooLarge` when it has more than `limit` bytes.
    fn get(&self, key: &Key, limit: u64) -> Result<Vec<u8>>;
    /// `get` of what the store itself holds, past any local cache: verification checks the
    /// store, never a copy of it. The same as `get` where there is no cache.
    fn get_from_source(&self, key: &Key, limit: u64) -> Result<Vec<u8>> {
        self.get(key, limit)
    }
    /// How many chunk reads a front-to-back reader should keep in flight to hide this
    /// backend's latency (a local disk needs no more than one per core).
    fn read_parallelism(&self) -> usize {
        1
    }
    /// `len` bytes from `offset` (fewer at the end of the object).
    fn get_range(&self, key: &Key, offset: u64, len: u64) -> Result<Vec<u8>>;
    /// Stores `bytes` under `key`, replacing what is there in one step. The prefix must exist
    /// where the backend has `directories`.
    fn put(&self, key: &Key, bytes: &[u8], durability: Durability) -> Result<()>;
    /// Stores `bytes` under `key` unless the key is taken, in one step (two writers: one wins).
    fn put_if_absent(&self, key: &Key, bytes: &[u8], durability: Durability) -> Result<Put>;
    /// The names below `prefix`, in no particular order; empty when the prefix does not exist.
    /// Never follows a link.
    fn list(&self, prefix: &Key, depth: Depth) -> Result<Vec<Entry>>;
    /// Removes the object (or empty prefix) at `key`; false when there was none. A link is
    /// removed itself, never what it points to.
    fn delete(&self, key: &Key) -> Result<bool>;
    /// Removes `key` and everything below it; nothing when it does not exist.
    fn delete_tree(&self, key: &Key) -> Result<()>;
    /// What is at `key` (a link is described, not followed); `None` when nothing.
    fn stat(&self, key: &Key) -> Result<Option<ObjectMeta>>;

    // --- capabilities (see the module doc) ---

    /// Makes the prefix `key` exist (a directory; its parent must exist); false when it did.
    fn create_dir(&self, key: &Key) -> Result<bool>;
    /// Makes the prefix `key` and every prefix above it exist.
    fn create_dir_all(&self, key: &Key) -> Result<()>;
    /// Moves an object or a whole prefix, atomically; durable when it returns.
    fn rename(&self, from: &Key, to: &Key, replace: Replace) -> Result<()>;
    /// Takes a lock on `key` (an existing object or prefix) without waiting: `Busy` when
    /// someone holds a conflicting one.
    fn lock(&self, key: &Key, mode: LockMode) -> Result<Lock>;
    /// Holds the lock on `key`, which this host holds already (`lock`), against the other
    /// hosts sharing the store too, for `purpose` (which a refused host is told): `HeldByHost`
    /// names the other holder. `None` where the store has only one host.
    fn lease(&self, key: &Key, mode: LockMode, purpose: &str) -> Result<Option<Lock>> {
        let _ = (key, mode, purpose);
        Ok(None)
    }
    /// Sets the access time of the object at `key` to now; false when there is none.
    fn touch(&self, key: &Key) -> Result<bool>;
    /// Flushes every `Durability::Deferred` put below `prefix` to stable storage (a file
    /// system: `syncfs` of the one holding `prefix`, which may be a mount point).
    fn sync(&self, prefix: &Key) -> Result<()>;
    /// Space on the storage holding the store.
    fn space(&self) -> Result<Space>;
}
