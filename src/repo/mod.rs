//! Where snapshots live: one `Repository` interface, implemented by the local datastore
//! directory, a remote server and a lone archive file (read-only).
//!
//! Knows where bytes are stored and how they are named, not what they mean.

pub mod archive_file;
pub mod backend;
pub mod local;
pub mod location;
pub mod maintenance;
pub mod rate_limited;
pub mod remote;
pub mod types;

use crate::format::digest::ChunkDigest;
use crate::format::error::FormatError;
use crate::format::manifest::Manifest;
use std::io;
use std::sync::Arc;
use thiserror::Error;
use types::{BackupGroup, NameError, Namespace, SnapshotRef};

/// A repository failure, naming the object it is about.
#[derive(Debug, Error)]
pub enum RepoError {
    #[error("{path}: {action}: {source}")]
    Io {
        path: String,
        action: &'static str,
        source: io::Error,
    },
    #[error("{0}: not found")]
    NotFound(String),
    /// A server said the thing does not exist, in its own words (kept as they are).
    #[error("{0}")]
    Absent(String),
    #[error("{0}")]
    Locked(String),
    #[error("{0}")]
    Refused(String),
    /// Credentials or the server's certificate were refused.
    #[error("{0}")]
    Auth(String),
    #[error("{what}: {source}")]
    Format { what: String, source: FormatError },
    #[error(transparent)]
    Name(#[from] NameError),
    /// A server's failure that is none of the above (connection, timeout, server error).
    #[error(transparent)]
    Remote(remote::RemoteError),
    /// A failure reported across threads, with its class.
    #[error(transparent)]
    Failed(#[from] crate::util::error_class::Classed),
}

impl RepoError {
    /// The class of this failure (for exit statuses).
    pub fn class(&self) -> Option<crate::util::error_class::ErrorClass> {
        use crate::util::error_class::{of_io, ErrorClass};
        match self {
            RepoError::NotFound(_) | RepoError::Absent(_) => Some(ErrorClass::NotFound),
            RepoError::Locked(_) => Some(ErrorClass::Locked),
            RepoError::Auth(_) => Some(ErrorClass::Auth),
            RepoError::Io { source, .. } => Some(of_io(source)),
            RepoError::Format { source, .. } => source.class(),
            RepoError::Name(_) => Some(ErrorClass::Usage),
            RepoError::Remote(e) => e.class(),
            RepoError::Failed(c) => c.class,
            RepoError::Refused(_) => None,
        }
    }
}

pub type Result<T, E = RepoError> = std::result::Result<T, E>;

/// A group as listed: its name, owner, snapshot count and newest snapshot.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupInfo {
    pub group: BackupGroup,
    pub owner: Option<String>,
    pub snapshot_count: usize,
    pub last_backup: Option<i64>,
    /// The file names in the newest snapshot's directory (PBS's `files` of a group item).
    pub files: Vec<String>,
}

/// A finished snapshot as listed.
#[derive(Debug, Clone)]
pub struct SnapshotInfo {
    pub snapshot: SnapshotRef,
    pub manifest: Manifest,
    /// Size of the manifest blob itself (PBS lists it among the files).
    pub manifest_size: u64,
    pub protected: bool,
    pub owner: Option<String>,
    /// Why the manifest could not be read, for a snapshot listed anyway so that one damaged
    /// snapshot hides none of the others; `manifest` is then an empty placeholder.
    pub manifest_error: Option<String>,
}

impl SnapshotInfo {
    /// Whether the manifest was read (false: see `manifest_error`).
    pub fn is_readable(&self) -> bool {
        self.manifest_error.is_none()
    }

    /// Sum of the listed files' sizes plus the manifest, as `snapshot list` shows it.
    pub fn total_size(&self) -> u64 {
        self.manifest.files.iter().map(|f| f.size).sum::<u64>() + self.manifest_size
    }
}

/// The data of an index to store: the whole list, built by the engine.
#[derive(Debug, Clone)]
pub enum IndexData {
    Dynamic {
        entries: Vec<(u64, ChunkDigest)>,
    },
    Fixed {
        size: u64,
        chunk_size: u64,
        digests: Vec<ChunkDigest>,
    },
}

/// Where the engine's workers put chunks; shared across threads.
pub trait ChunkSink: Send + Sync {
    /// True when the store already has this chunk (and marks it used, for GC).
    fn has_chunk(&self, digest: &ChunkDigest) -> Result<bool>;
    /// Stores an encoded chunk; returns true when it was new.
    fn insert_chunk(&self, digest: &ChunkDigest, encoded: &[u8]) -> Result<bool>;
    /// Like `insert_chunk`, with the plaintext length (a remote server needs it); a sink may
    /// return before the chunk is stored and report a failure at `finish`.
    fn insert_chunk_sized(
        &self,
        digest: &ChunkDigest,
        encoded: &[u8],
        _plain_size: u64,
    ) -> Result<bool> {
        self.insert_chunk(digest, encoded)
    }
}

/// One running backup. Nothing is visible to readers until `finish`; dropping it unfinished
/// removes what it wrote.
pub trait BackupWriter: Send {
    fn chunk_sink(&self) -> Arc<dyn ChunkSink>;
    /// Announces the index whose chunks come next (`fixed_size` for a `.fidx`): a remote writer
    /// opens it on the server, since PBS accepts chunks only for an open index. Default: nothing.
    fn begin_index(&mut self, _name: &str, _fixed_size: Option<u64>) -> Result<()> {
        Ok(())
    }
    /// Stores a finished index file (`*.didx` / `*.fidx`).
    fn upload_index(&mut self, name: &str, index: &IndexData) -> Result<()>;
    /// Stores a blob file (`*.blob`) as encoded bytes.
    fn upload_blob(&mut self, name: &str, raw: &[u8]) -> Result<()>;
    /// Writes the manifest blob and makes the snapshot visible.
    fn finish(self: Box<Self>, manifest_blob: &[u8]) -> Result<()>;
}

/// Every place snapshots live implements this; the shell and engine hold a `dyn Repository`.
pub trait Repository: Send + Sync {
    /// The datastore's name as shown in paths and prompts.
    fn name(&self) -> String;
    /// A shareable handle to the same repository (for readers that outlive a borrow).
    fn handle(&self) -> Arc<dyn Repository>;
    /// Its maintenance: gc, verify, prune, status, tasks, login (see `maintenance`).
    fn maintenance(&self) -> &dyn maintenance::Maintenance;
    /// Where it is, for the prompt: `local`, or the server's `user@realm@host:store`.
    fn origin(&self) -> String {
        "local".into()
    }
    /// What it is and where, for the interactive shell's greeting.
    fn describe(&self) -> String;
    /// The datastores beside it (a server's, sorted; a local datastore only itself).
    fn list_stores(&self) -> Result<Vec<String>> {
        Ok(vec![self.name()])
    }
    /// Another datastore beside it, over the same connection and login.
    fn open_store(&self, name: &str) -> Result<Arc<dyn Repository>> {
        Err(RepoError::NotFound(format!("/{name}: no such datastore")))
    }
    fn list_namespaces(&self, parent: &Namespace) -> Result<Vec<Namespace>>;
    fn create_namespace(&self, ns: &Namespace) -> Result<()>;
    fn delete_namespace(&self, ns: &Namespace, delete_groups: bool) -> Result<()>;
    fn list_groups(&self, ns: &Namespace) -> Result<Vec<GroupInfo>>;
    /// Finished snapshots, oldest first; all groups when `group` is `None`.
    fn list_snapshots(
        &self,
        ns: &Namespace,
        group: Option<&BackupGroup>,
    ) -> Result<Vec<SnapshotInfo>>;
    fn read_manifest(&self, ns: &Namespace, snapshot: &SnapshotRef) -> Result<(Manifest, u64)>;
    /// A whole index or blob file of a snapshot (bounded).
    fn read_file(&self, ns: &Namespace, snapshot: &SnapshotRef, name: &str) -> Result<Vec<u8>>;
    /// An encoded chunk.
    fn read_chunk(&self, digest: &ChunkDigest) -> Result<Vec<u8>>;
    /// How many `read_chunk` calls a front-to-back reader should keep in flight at least (a
    /// remote repository hides its round trips behind more; local reads need no more than
    /// one per core).
    fn read_parallelism(&self) -> usize {
        1
    }
    fn start_backup(
        &self,
        ns: &Namespace,
        snapshot: &SnapshotRef,
        owner: &str,
        base: Option<&SnapshotRef>,
    ) -> Result<Box<dyn BackupWriter>>;
    fn forget_snapshot(&self, ns: &Namespace, snapshot: &SnapshotRef) -> Result<()>;
    fn forget_group(&self, ns: &Namespace, group: &BackupGroup) -> Result<()>;
    fn set_protected(&self, ns: &Namespace, snapshot: &SnapshotRef, protected: bool) -> Result<()>;
    /// Gives a group a new owner (a user or API token id); a server applies PBS's rules.
    fn set_owner(&self, ns: &Namespace, group: &BackupGroup, owner: &str) -> Result<()>;
    /// Stores the client's log of a finished backup as `client.log.blob` (never in the manifest).
    fn upload_log(&self, ns: &Namespace, snapshot: &SnapshotRef, log_blob: &[u8]) -> Result<()>;
    /// Rewrites a finished snapshot's manifest blob (notes, verify state).
    fn update_manifest(
        &self,
        ns: &Namespace,
        snapshot: &SnapshotRef,
        manifest_blob: &[u8],
    ) -> Result<()>;
}
