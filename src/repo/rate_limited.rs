//! A repository decorator that holds chunk traffic to a byte rate (`--rate`, `--burst`).
//!
//! PBS limits its client's HTTP traffic; pbsh limits the chunks a command moves, on every kind
//! of repository: the encoded bytes of each chunk read, and of each chunk a backup really
//! sends (after dedup and compression). Indexes, blobs and listings are small and pass free.

use super::{
    BackupWriter, ChunkSink, GroupInfo, IndexData, RepoError, Repository, Result, SnapshotInfo,
};
use crate::format::digest::ChunkDigest;
use crate::format::manifest::Manifest;
use crate::repo::types::{BackupGroup, Namespace, SnapshotRef};
use crate::util::rate::RateLimiter;
use std::io;
use std::sync::Arc;

/// `inner` with its chunk reads and uploads paced by one shared limiter.
pub struct RateLimited {
    inner: Arc<dyn Repository>,
    limiter: Arc<RateLimiter>,
}

impl RateLimited {
    pub fn wrap(inner: Arc<dyn Repository>, limiter: Arc<RateLimiter>) -> Arc<dyn Repository> {
        Arc::new(RateLimited { inner, limiter })
    }
}

fn pace(limiter: &RateLimiter, digest: &ChunkDigest, bytes: usize) -> Result<()> {
    limiter.take(bytes as u64).map_err(|e| RepoError::Io {
        path: format!("chunk {digest}"),
        action: "transfer",
        source: io::Error::new(io::ErrorKind::Interrupted, e),
    })
}

impl Repository for RateLimited {
    fn name(&self) -> String {
        self.inner.name()
    }
    fn handle(&self) -> Arc<dyn Repository> {
        RateLimited::wrap(self.inner.handle(), self.limiter.clone())
    }
    fn maintenance(&self) -> &dyn crate::repo::maintenance::Maintenance {
        self.inner.maintenance()
    }
    fn origin(&self) -> String {
        self.inner.origin()
    }
    fn describe(&self) -> String {
        self.inner.describe()
    }
    fn list_stores(&self) -> Result<Vec<String>> {
        self.inner.list_stores()
    }
    fn open_store(&self, name: &str) -> Result<Arc<dyn Repository>> {
        self.inner.open_store(name)
    }
    fn list_namespaces(&self, parent: &Namespace) -> Result<Vec<Namespace>> {
        self.inner.list_namespaces(parent)
    }
    fn create_namespace(&self, ns: &Namespace) -> Result<()> {
        self.inner.create_namespace(ns)
    }
    fn delete_namespace(&self, ns: &Namespace, delete_groups: bool) -> Result<()> {
        self.inner.delete_namespace(ns, delete_groups)
    }
    fn list_groups(&self, ns: &Namespace) -> Result<Vec<GroupInfo>> {
        self.inner.list_groups(ns)
    }
    fn list_snapshots(
        &self,
        ns: &Namespace,
        group: Option<&BackupGroup>,
    ) -> Result<Vec<SnapshotInfo>> {
        self.inner.list_snapshots(ns, group)
    }
    fn read_manifest(&self, ns: &Namespace, snapshot: &SnapshotRef) -> Result<(Manifest, u64)> {
        self.inner.read_manifest(ns, snapshot)
    }
    fn read_file(&self, ns: &Namespace, snapshot: &SnapshotRef, name: &str) -> Result<Vec<u8>> {
        self.inner.read_file(ns, snapshot, name)
    }
    fn read_chunk(&self, digest: &ChunkDigest) -> Result<Vec<u8>> {
        let data = self.inner.read_chunk(digest)?;
        pace(&self.limiter, digest, data.len())?;
        Ok(data)
    }
    fn read_parallelism(&self) -> usize {
        self.inner.read_parallelism()
    }
    fn start_backup(
        &self,
        ns: &Namespace,
        snapshot: &SnapshotRef,
        owner: &str,
        base: Option<&SnapshotRef>,
    ) -> Result<Box<dyn BackupWriter>> {
        let inner = self.inner.start_backup(ns, snapshot, owner, base)?;
        let sink = Arc::new(PacedSink {
            inner: inner.chunk_sink(),
            limiter: self.limiter.clone(),
        });
        Ok(Box::new(PacedWriter { inner, sink }))
    }
    fn forget_snapshot(&self, ns: &Namespace, snapshot: &SnapshotRef) -> Result<()> {
        self.inner.forget_snapshot(ns, snapshot)
    }
    fn forget_group(&self, ns: &Namespace, group: &BackupGroup) -> Result<()> {
        self.inner.forget_group(ns, group)
    }
    fn set_protected(&self, ns: &Namespace, snapshot: &SnapshotRef, protected: bool) -> Result<()> {
        self.inner.set_protected(ns, snapshot, protected)
    }
    fn set_owner(&self, ns: &Namespace, group: &BackupGroup, owner: &str) -> Result<()> {
        self.inner.set_owner(ns, group, owner)
    }
    fn upload_log(&self, ns: &Namespace, snapshot: &SnapshotRef, log_blob: &[u8]) -> Result<()> {
        self.inner.upload_log(ns, snapshot, log_blob)
    }
    fn update_manifest(
        &self,
        ns: &Namespace,
        snapshot: &SnapshotRef,
        manifest_blob: &[u8],
    ) -> Result<()> {
        self.inner.update_manifest(ns, snapshot, manifest_blob)
    }
}

/// A backup whose new chunks are paced.
struct PacedWriter {
    inner: Box<dyn BackupWriter>,
    sink: Arc<PacedSink>,
}

impl BackupWriter for PacedWriter {
    fn chunk_sink(&self) -> Arc<dyn ChunkSink> {
        self.sink.clone()
    }
    fn begin_index(&mut self, name: &str, fixed_size: Option<u64>) -> Result<()> {
        self.inner.begin_index(name, fixed_size)
    }
    fn upload_index(&mut self, name: &str, index: &IndexData) -> Result<()> {
        self.inner.upload_index(name, index)
    }
    fn upload_blob(&mut self, name: &str, raw: &[u8]) -> Result<()> {
        self.inner.upload_blob(name, raw)
    }
    fn finish(self: Box<Self>, manifest_blob: &[u8]) -> Result<()> {
        self.inner.finish(manifest_blob)
    }
}

/// Charges the limiter for each chunk the store did not have.
struct PacedSink {
    inner: Arc<dyn ChunkSink>,
    limiter: Arc<RateLimiter>,
}

impl ChunkSink for PacedSink {
    fn has_chunk(&self, digest: &ChunkDigest) -> Result<bool> {
        self.inner.has_chunk(digest)
    }
    fn insert_chunk(&self, digest: &ChunkDigest, encoded: &[u8]) -> Result<bool> {
        let new = self.inner.insert_chunk(digest, encoded)?;
        if new {
            pace(&self.limiter, digest, encoded.len())?;
        }
        Ok(new)
    }
    fn insert_chunk_sized(&self, digest: &ChunkDigest, encoded: &[u8], plain: u64) -> Result<bool> {
        let new = self.inner.insert_chunk_sized(digest, encoded, plain)?;
        if new {
            pace(&self.limiter, digest, encoded.len())?;
        }
        Ok(new)
    }
}
