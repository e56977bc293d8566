//! A size-bounded, least-recently-used cache of objects in a local directory: the chunk
//! contents an object-store datastore has read, so browsing, mounts and a second restore do not
//! fetch them again.
//!
//! One file per object (`<dir>/<first 2 chars>/<name>`, written to a temporary name and
//! renamed, never synced: a cache may lose its files, never show a torn one). The recency order
//! lives in memory, rebuilt from the files' access times when the cache is opened; several
//! processes may share the directory (each trims to the limit by what it knows; a file another
//! one removed is a miss).

use std::collections::{BTreeMap, HashMap};
use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;

/// A bounded on-disk cache.
#[derive(Debug)]
pub struct ContentCache {
    dir: PathBuf,
    limit: u64,
    state: Mutex<Lru>,
    temp_counter: AtomicU64,
    hits: AtomicU64,
    misses: AtomicU64,
}

#[derive(Debug, Default)]
struct Lru {
    /// name → (size, tick of last use)
    entries: HashMap<String, (u64, u64)>,
    /// tick → name, oldest first
    order: BTreeMap<u64, String>,
    total: u64,
    tick: u64,
}

impl Lru {
    fn touch(&mut self, name: &str, size: u64) {
        self.tick += 1;
        let tick = self.tick;
        if let Some((old_size, old_tick)) = self.entries.insert(name.to_string(), (size, tick)) {
            self.order.remove(&old_tick);
            self.total -= old_size;
        }
        self.order.insert(tick, name.to_string());
        self.total += size;
    }

    fn remove(&mut self, name: &str) -> bool {
        match self.entries.remove(name) {
            Some((size, tick)) => {
                self.order.remove(&tick);
                self.total -= size;
                true
            }
            None => false,
        }
    }

    /// The names to evict so the total is at most `target`.
    fn evict_to(&mut self, target: u64) -> Vec<String> {
        let mut out = Vec::new();
        while self.total > target {
            let Some((_, name)) = self.order.pop_first() else {
                break;
            };
            if let Some((size, _)) = self.entries.remove(&name) {
                self.total -= size;
            }
            out.push(name);
        }
        out
    }
}

/// The free space a cache leaves on its file system: a tenth of it, at most 1 GiB, so the
/// datastore's metadata beside it (and everything else on that disk) can still be written.
fn reserve(total: u64) -> u64 {
    (total / 10).min(1 << 30)
}

/// How many bytes must leave the cache before `size` more can be written and the reserve
/// stay free, on a file system of `total` bytes with `avail` free.
fn shortfall(size: u64, avail: u64, total: u64) -> u64 {
    (reserve(total) + size).saturating_sub(avail)
}

fn valid_name(name: &str) -> bool {
    name.len() >= 2
        && name.len() <= 200
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'_' || b == b'-')
        && !name.starts_with('.')
}

impl ContentCache {
    /// The cache in `dir` (created when missing), holding at most `limit` bytes; what an earlier
    /// process left there is taken into account, least recently read first out.
    pub fn open(dir: &Path, limit: u64) -> io::Result<Self> {
        fs::create_dir_all(dir)?;
        let mut found: Vec<(i64, String, u64)> = Vec::new();
        for sub in fs::read_dir(dir)? {
            let sub = sub?;
            if !sub.file_type()?.is_dir() {
                continue;
            }
            for file in fs::read_dir(sub.path())? {
                let file = file?;
                let name = file.file_name().to_string_lossy().into_owned();
                let meta = file.metadata()?;
                if !meta.is_file() {
                    continue;
                }
                if !valid_name(&name) {
                    // A temporary file of a process that stopped mid-write.
                    let _ = fs::remove_file(file.path());
                    continue;
                }
                use std::os::unix::fs::MetadataExt;
                found.push((meta.atime(), name, meta.len()));
            }
        }
        found.sort();
        let mut lru = Lru::default();
        for (_, name, size) in found {
            lru.touch(&name, size);
        }
        let cache = ContentCache {
            dir: dir.to_path_buf(),
            limit,
            state: Mutex::new(lru),
            temp_counter: AtomicU64::new(0),
            hits: AtomicU64::new(0),
            misses: AtomicU64::new(0),
        };
        cache.trim();
        Ok(cache)
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.join(&name[..2]).join(name)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Lru> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The cached bytes of `name`, or `None` (a miss).
    pub fn get(&self, name: &str) -> Option<Vec<u8>> {
        if !valid_name(name) {
            return None;
        }
        match fs::read(self.path(name)) {
            Ok(bytes) => {
                self.lock().touch(name, bytes.len() as u64);
                self.hits.fetch_add(1, Ordering::Relaxed);
                Some(bytes)
            }
            Err(_) => {
                self.lock().remove(name);
                self.misses.fetch_add(1, Ordering::Relaxed);
                None
            }
        }
    }

    /// Keeps `bytes` as `name` (best effort: a cache that cannot write is only slower).
    pub fn put(&self, name: &str, bytes: &[u8]) {
        if !valid_name(name) || bytes.len() as u64 > self.limit / 4 {
            return;
        }
        if !self.make_room(bytes.len() as u64) {
            return;
        }
        let path = self.path(name);
        let n = self.temp_counter.fetch_add(1, Ordering::Relaxed);
        let temp = path.with_file_name(format!(".{name}.tmp.{}.{n}", std::process::id()));
        let written = fs::create_dir_all(self.dir.join(&name[..2]))
            .and_then(|()| fs::write(&temp, bytes))
            .and_then(|()| fs::rename(&temp, &path));
        if written.is_err() {
            let _ = fs::remove_file(&temp);
            return;
        }
        self.lock().touch(name, bytes.len() as u64);
        self.trim();
    }

    /// Whether `size` more bytes may be written, leaving the file system its reserve; when the
    /// disk is short, the least recently used entries go first if they are enough. A file
    /// system that cannot say how full it is is written to as if it had room.
    fn make_room(&self, size: u64) -> bool {
        let Ok(space) = super::fs::space_of(&self.dir) else {
            return true;
        };
        let short = shortfall(size, space.avail, space.total);
        if short == 0 {
            return true;
        }
        let doomed = {
            let mut lru = self.lock();
            if lru.total < short {
                return false;
            }
            let target = lru.total - short;
            lru.evict_to(target)
        };
        for name in doomed {
            let _ = fs::remove_file(self.path(&name));
        }
        true
    }

    /// Forgets `name` (the object was removed from the store).
    pub fn remove(&self, name: &str) {
        if !valid_name(name) {
            return;
        }
        self.lock().remove(name);
        let _ = fs::remove_file(self.path(name));
    }

    /// Evicts the least recently used files until the cache is within 90 % of its limit.
    fn trim(&self) {
        let doomed = {
            let mut lru = self.lock();
            if lru.total <= self.limit {
                return;
            }
            lru.evict_to(self.limit / 10 * 9)
        };
        for name in doomed {
            let _ = fs::remove_file(self.path(&name));
        }
    }

    /// Bytes held, hits and misses since open.
    pub fn stats(&self) -> (u64, u64, u64) {
        (
            self.lock().total,
            self.hits.load(Ordering::Relaxed),
            self.misses.load(Ordering::Relaxed),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_the_most_recently_used_within_the_limit() {
        let dir = tempfile::tempdir().unwrap();
        let cache = ContentCache::open(dir.path(), 4000).unwrap();
        for i in 0..4 {
            cache.put(&format!("aa{i}"), &[i as u8; 900]);
        }
        assert_eq!(cache.get("aa0").unwrap(), vec![0u8; 900]);
        // The fifth object passes the limit: the least recently used (aa1) goes.
        cache.put("bb4", &[4u8; 900]);
        assert!(cache.get("aa1").is_none());
        assert!(cache.get("aa0").is_some());
        assert!(cache.stats().0 <= 4000);
        // Reopened, it finds what is there; names that could leave the directory are refused.
        drop(cache);
        let cache = ContentCache::open(dir.path(), 4000).unwrap();
        assert!(cache.get("bb4").is_some());
        assert!(cache.get("../x").is_none());
        cache.put("../x", b"no");
        assert!(!dir.path().join("x").exists());
        cache.remove("bb4");
        assert!(cache.get("bb4").is_none());
    }

    #[test]
    fn leaves_a_tenth_of_the_disk_free_at_most_a_gib() {
        const MIB: u64 = 1 << 20;
        // A 4 MiB file system keeps 409 KiB free.
        assert_eq!(shortfall(MIB, 2 * MIB, 4 * MIB), 0);
        assert_eq!(shortfall(MIB, MIB + 100, 4 * MIB), 4 * MIB / 10 - 100);
        // A large disk keeps 1 GiB, not a tenth.
        let total = 1000 << 30;
        assert_eq!(shortfall(MIB, 2 << 30, total), 0);
        assert_eq!(shortfall(MIB, 1 << 30, total), MIB);
    }
}
