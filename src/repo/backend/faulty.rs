//! A decorator that makes chosen operations of another backend fail, for tests: "the third put
//! below `.chunks/` fails with ENOSPC", "every rename fails with EIO".
//!
//! Unlike the process-wide fault-injection points (`util::failpoint`, set from the environment
//! for crash tests of the binary), its faults belong to one backend value, so unit tests running
//! side by side do not disturb each other. A failed operation does nothing.

use super::{
    BackendError, Capabilities, Depth, Durability, Entry, Key, Lock, LockMode, ObjectMeta, Put,
    Replace, Result, Space, StorageBackend,
};
use std::io;
use std::sync::{Arc, Mutex};

/// The operations a fault can hit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    Get,
    Put,
    PutIfAbsent,
    List,
    Delete,
    Stat,
    CreateDir,
    Rename,
    Lock,
    Touch,
    Sync,
}

/// One fault: operation `op` on a key starting with `prefix` fails with the OS error `errno`
/// at its `nth` matching call (1 = the first) and, when `sticky`, at every later one.
#[derive(Debug, Clone)]
pub struct Fault {
    pub op: Op,
    pub prefix: String,
    pub nth: u64,
    pub sticky: bool,
    pub errno: i32,
}

impl Fault {
    /// Every `op` on keys below `prefix` fails with `errno`.
    pub fn always(op: Op, prefix: &str, errno: i32) -> Self {
        Fault {
            op,
            prefix: prefix.to_string(),
            nth: 1,
            sticky: true,
            errno,
        }
    }

    /// Only the `nth` `op` on keys below `prefix` fails with `errno`.
    pub fn once(op: Op, prefix: &str, nth: u64, errno: i32) -> Self {
        Fault {
            op,
            prefix: prefix.to_string(),
            nth,
            sticky: false,
            errno,
        }
    }
}

/// `inner` with faults.
#[derive(Debug)]
pub struct FaultyBackend {
    inner: Arc<dyn StorageBackend>,
    faults: Mutex<Vec<(Fault, u64)>>,
}

impl FaultyBackend {
    pub fn new(inner: Arc<dyn StorageBackend>) -> Self {
        FaultyBackend {
            inner,
            faults: Mutex::new(Vec::new()),
        }
    }

    /// Adds a fault (counting starts now).
    pub fn inject(&self, fault: Fault) {
        self.faults
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push((fault, 0));
    }

    /// Removes every fault.
    pub fn heal(&self) {
        self.faults
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clear();
    }

    fn check(&self, op: Op, key: &Key) -> Result<()> {
        let mut faults = self.faults.lock().unwrap_or_else(|e| e.into_inner());
        for (fault, seen) in faults.iter_mut() {
            if fault.op != op || !key.as_str().starts_with(&fault.prefix) {
                continue;
            }
            *seen += 1;
            if *seen == fault.nth || (fault.sticky && *seen > fault.nth) {
                return Err(BackendError::Io {
                    at: self.inner.locate(key),
                    action: "injected fault",
                    source: io::Error::from_raw_os_error(fault.errno),
                });
            }
        }
        Ok(())
    }
}

impl StorageBackend for FaultyBackend {
    fn locate(&self, key: &Key) -> String {
        self.inner.locate(key)
    }
    fn capabilities(&self) -> Capabilities {
        self.inner.capabilities()
    }
    fn get(&self, key: &Key, limit: u64) -> Result<Vec<u8>> {
        self.check(Op::Get, key)?;
        self.inner.get(key, limit)
    }
    fn lease(&self, key: &Key, mode: LockMode, purpose: &str) -> Result<Option<Lock>> {
        self.inner.lease(key, mode, purpose)
    }
    fn read_parallelism(&self) -> usize {
        self.inner.read_parallelism()
    }
    fn get_from_source(&self, key: &Key, limit: u64) -> Result<Vec<u8>> {
        self.check(Op::Get, key)?;
        self.inner.get_from_source(key, limit)
    }
    fn get_range(&self, key: &Key, offset: u64, len: u64) -> Result<Vec<u8>> {
        self.check(Op::Get, key)?;
        self.inner.get_range(key, offset, len)
    }
    fn put(&self, key: &Key, bytes: &[u8], durability: Durability) -> Result<()> {
        self.check(Op::Put, key)?;
        self.inner.put(key, bytes, durability)
    }
    fn put_if_absent(&self, key: &Key, bytes: &[u8], durability: Durability) -> Result<Put> {
        self.check(Op::PutIfAbsent, key)?;
        self.inner.put_if_absent(key, bytes, durability)
    }
    fn list(&self, prefix: &Key, depth: Depth) -> Result<Vec<Entry>> {
        self.check(Op::List, prefix)?;
        self.inner.list(prefix, depth)
    }
    fn delete(&self, key: &Key) -> Result<bool> {
        self.check(Op::Delete, key)?;
        self.inner.delete(key)
    }
    fn delete_tree(&self, key: &Key) -> Result<()> {
        self.check(Op::Delete, key)?;
        self.inner.delete_tree(key)
    }
    fn stat(&self, key: &Key) -> Result<Option<ObjectMeta>> {
        self.check(Op::Stat, key)?;
        self.inner.stat(key)
    }
    fn create_dir(&self, key: &Key) -> Result<bool> {
        self.check(Op::CreateDir, key)?;
        self.inner.create_dir(key)
    }
    fn create_dir_all(&self, key: &Key) -> Result<()> {
        self.check(Op::CreateDir, key)?;
        self.inner.create_dir_all(key)
    }
    fn rename(&self, from: &Key, to: &Key, replace: Replace) -> Result<()> {
        self.check(Op::Rename, to)?;
        self.inner.rename(from, to, replace)
    }
    fn lock(&self, key: &Key, mode: LockMode) -> Result<Lock> {
        self.check(Op::Lock, key)?;
        self.inner.lock(key, mode)
    }
    fn touch(&self, key: &Key) -> Result<bool> {
        self.check(Op::Touch, key)?;
        self.inner.touch(key)
    }
    fn sync(&self, prefix: &Key) -> Result<()> {
        self.check(Op::Sync, prefix)?;
        self.inner.sync(prefix)
    }
    fn space(&self) -> Result<Space> {
        self.inner.space()
    }
}
