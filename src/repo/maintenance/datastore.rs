//! The datastore's side of garbage collection and verify, as PBS keeps them with its chunk
//! store: the exclusive lock, the mark's start, leftovers, index files, the chunk store (touch,
//! list, remove, read, quarantine) and `.gc-status`. The engine's gc and verify work through
//! this trait, never through a concrete datastore or a path.

use crate::repo::backend::{Key, Stamp};
use crate::repo::local::{ChunkStore, FileLock, LocalDatastore};
use crate::repo::{Repository, Result};
use std::sync::Arc;

/// A datastore with a chunk store that garbage collection and verify can walk.
pub trait ChunkDatastore: Repository {
    /// Where it is, for messages.
    fn location(&self) -> String;
    /// The datastore-wide lock: shared for writers, exclusive for garbage collection.
    fn lock_store(&self, exclusive: bool) -> Result<FileLock>;
    /// Marks now as the start of GC's mark phase and returns it (the chunks' clock).
    fn mark_start(&self) -> Result<Stamp>;
    /// Removes what interrupted backups left; returns how many.
    fn remove_leftovers(&self) -> u64;
    /// Every index file below the datastore, sorted.
    fn index_files(&self) -> Result<Vec<Key>>;
    /// A whole object (an index file `index_files` named).
    fn read_object(&self, key: &Key) -> Result<Vec<u8>>;
    /// An object's name for messages.
    fn locate(&self, key: &Key) -> String;
    /// Stores GC's status (`.gc-status`).
    fn write_gc_status(&self, json: &[u8]) -> Result<()>;
    /// The chunk store: touch, list, remove, read, quarantine.
    fn chunk_store(&self) -> &Arc<ChunkStore>;
}

impl ChunkDatastore for LocalDatastore {
    fn location(&self) -> String {
        self.root().display().to_string()
    }
    fn lock_store(&self, exclusive: bool) -> Result<FileLock> {
        LocalDatastore::lock_store(self, exclusive)
    }
    fn mark_start(&self) -> Result<Stamp> {
        LocalDatastore::mark_start(self)
    }
    fn remove_leftovers(&self) -> u64 {
        LocalDatastore::remove_leftovers(self)
    }
    fn index_files(&self) -> Result<Vec<Key>> {
        LocalDatastore::index_files(self)
    }
    fn read_object(&self, key: &Key) -> Result<Vec<u8>> {
        LocalDatastore::read_object(self, key)
    }
    fn locate(&self, key: &Key) -> String {
        LocalDatastore::locate(self, key)
    }
    fn write_gc_status(&self, json: &[u8]) -> Result<()> {
        LocalDatastore::write_gc_status(self, json)
    }
    fn chunk_store(&self) -> &Arc<ChunkStore> {
        LocalDatastore::chunk_store(self)
    }
}
