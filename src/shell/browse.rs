//! What the virtual tree holds at a path: listings and metadata read through the repository, the
//! snapshot catalogs and the archive accessor, fetching only the chunks a listing needs.
//!
//! Manifests, catalogs and opened archives are cached for the session, so `ls`, `cd` and tab
//! completion do not ask the repository twice for the same thing.

use crate::engine::reader::{ArchiveSource, ChunkReader, IndexReader};
use crate::engine::restore::{open_index, open_manifest, read_catalog};
use crate::format::crypt::CryptConfig;
use crate::format::manifest::{CryptMode, FileInfo, Manifest};
use crate::format::pxar::accessor::{Accessor, FileEntry};
use crate::format::pxar::{EntryKind, Metadata};
use crate::repo::archive_file::ArchiveFile;
use crate::repo::types::{BackupGroup, BackupType, Namespace, SnapshotRef};
use crate::repo::{RepoError, Repository};
use crate::shell::tree::{Level, TreePath};
use anyhow::{anyhow, bail, Context, Result};
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

/// Chunk cache of an opened archive: big enough for a directory's metadata and read-ahead.
const ARCHIVE_CACHE_BYTES: usize = 64 << 20;
/// Environment knob: the chunk cache of an opened archive in MiB (tests make it small to
/// show that a listing reads each chunk about once, whatever the cache holds).
pub const ARCHIVE_CACHE_ENV: &str = "PBSH_ARCHIVE_CACHE_MIB";

fn archive_cache_bytes() -> usize {
    crate::util::knobs::count(ARCHIVE_CACHE_ENV, ARCHIVE_CACHE_BYTES >> 20, 1 << 16) << 20
}
/// Archives and catalogs kept open at once.
const OPEN_LIMIT: usize = 4;

/// Paths of one directory resolved together by reading it, from this many on.
const RESOLVE_TOGETHER_MIN: usize = 8;
/// ... and when at least one child in this many is wanted (else a search each is cheaper).
const RESOLVE_TOGETHER_RATIO: u64 = 64;

/// Keeps the entries [`Browser::resolve_together`] found until dropped.
pub struct ResolvedEntries<'a> {
    browser: &'a Browser,
}

impl Drop for ResolvedEntries<'_> {
    fn drop(&mut self) {
        if let Ok(mut memo) = self.browser.resolved.lock() {
            memo.clear();
            memo.shrink_to_fit();
        }
    }
}

/// What a tree node is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum NodeKind {
    Datastore,
    Namespace,
    GroupType,
    Group,
    Snapshot,
    /// A pxar archive: a directory tree.
    Archive,
    Directory,
    File,
    Symlink,
    Hardlink,
    Device,
    Fifo,
    Socket,
}

impl NodeKind {
    pub fn is_dir(self) -> bool {
        !matches!(
            self,
            NodeKind::File
                | NodeKind::Symlink
                | NodeKind::Hardlink
                | NodeKind::Device
                | NodeKind::Fifo
                | NodeKind::Socket
        )
    }

    /// The one-letter type `ls -l` shows.
    pub fn letter(self) -> char {
        match self {
            NodeKind::File => '-',
            NodeKind::Symlink => 'l',
            NodeKind::Hardlink => 'h',
            NodeKind::Device => 'c',
            NodeKind::Fifo => 'p',
            NodeKind::Socket => 's',
            _ => 'd',
        }
    }
}

/// One node as `ls`, `stat` and completion see it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Node {
    pub name: String,
    pub kind: NodeKind,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub size: Option<u64>,
    /// Modification time (files) or backup time (snapshots, groups: the newest), epoch seconds.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mtime: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mode: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub uid: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub gid: Option<u32>,
    /// Backup owner (groups and snapshots).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub owner: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub protected: Option<bool>,
    #[serde(rename = "crypt-mode", skip_serializing_if = "Option::is_none")]
    pub crypt: Option<String>,
    /// Symlink or hardlink target.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub target: Option<String>,
    /// Snapshots in a group.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub count: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub xattrs: Vec<(String, String)>,
    /// Why this node could not be read (a snapshot with a damaged manifest), listed anyway.
    #[serde(rename = "error", skip_serializing_if = "Option::is_none")]
    pub problem: Option<String>,
}

impl Node {
    pub fn new(name: impl Into<String>, kind: NodeKind) -> Self {
        Node {
            name: name.into(),
            kind,
            size: None,
            mtime: None,
            mode: None,
            uid: None,
            gid: None,
            owner: None,
            protected: None,
            crypt: None,
            target: None,
            count: None,
            comment: None,
            xattrs: Vec::new(),
            problem: None,
        }
    }

    fn from_entry(name: String, entry: &crate::format::pxar::Entry) -> Self {
        let kind = match &entry.kind {
            EntryKind::Directory => NodeKind::Directory,
            EntryKind::File { .. } => NodeKind::File,
            EntryKind::Symlink { .. } => NodeKind::Symlink,
            EntryKind::Hardlink { .. } => NodeKind::Hardlink,
            EntryKind::Device { .. } => NodeKind::Device,
            EntryKind::Fifo => NodeKind::Fifo,
            EntryKind::Socket => NodeKind::Socket,
        };
        let mut node = Node::new(name, kind);
        match &entry.kind {
            EntryKind::File { size, .. } => node.size = Some(*size),
            EntryKind::Symlink { target } | EntryKind::Hardlink { target } => {
                node.target = Some(String::from_utf8_lossy(target).into_owned())
            }
            _ => {}
        }
        if !matches!(entry.kind, EntryKind::Hardlink { .. }) {
            node.set_metadata(&entry.metadata);
        }
        node
    }

    fn set_metadata(&mut self, m: &Metadata) {
        self.mtime = Some(m.mtime_secs);
        self.mode = Some(m.mode as u32);
        self.uid = Some(m.uid);
        self.gid = Some(m.gid);
        self.xattrs = m
            .xattrs
            .iter()
            .map(|(k, v)| {
                (
                    String::from_utf8_lossy(k).into_owned(),
                    String::from_utf8_lossy(v).into_owned(),
                )
            })
            .collect();
    }
}

/// The name a manifest file has in the tree: `root.pxar.didx` → `root.pxar`.
pub fn display_name(server_name: &str) -> &str {
    server_name
        .strip_suffix(".didx")
        .or_else(|| server_name.strip_suffix(".fidx"))
        .or_else(|| server_name.strip_suffix(".blob"))
        .unwrap_or(server_name)
}

/// Whether an archive (by its stored name) is a browsable directory tree.
pub fn is_tree_archive(server_name: &str) -> bool {
    server_name.ends_with(".pxar.didx") || server_name.ends_with(".mpxar.didx")
}

fn crypt_summary(manifest: &Manifest) -> &'static str {
    let modes = || manifest.files.iter().map(|f| f.crypt_mode);
    if modes().any(|m| m == CryptMode::Encrypt) {
        "encrypt"
    } else if modes().any(|m| m == CryptMode::SignOnly) {
        "sign-only"
    } else {
        "none"
    }
}

/// One archive opened for random access (from a snapshot's chunks, or a lone archive file).
pub struct OpenArchive {
    pub accessor: Accessor<ArchiveSource>,
    /// Tree path of the archive (for messages).
    pub what: String,
}

/// A snapshot in one datastore: store name, namespace, snapshot.
type SnapshotKey = (String, Namespace, SnapshotRef);
/// An open archive, keyed by snapshot and stored file name.
type OpenArchives = Vec<((SnapshotKey, String), Arc<OpenArchive>)>;

/// One datastore of the tree.
type StoreHandle = Arc<dyn Repository>;

/// The session's view of the tree under `/`: the datastore it was opened on and, for a remote
/// session, every other datastore of the same server, with the caches of all of them.
pub struct Browser {
    /// The datastore the session was opened on.
    home: StoreHandle,
    /// Other datastores of the same server, opened on first use over the home's login.
    others: Mutex<HashMap<String, StoreHandle>>,
    /// The server's datastore names as last listed (to check a path without a round trip).
    known_stores: Mutex<Vec<String>>,
    /// Key file for encrypted snapshots (`--keyfile`, `set keyfile`), else the default key.
    keyfile: Mutex<Option<PathBuf>>,
    key: Mutex<Option<Arc<CryptConfig>>>,
    manifests: Mutex<HashMap<SnapshotKey, Arc<(Manifest, u64)>>>,
    archives: Mutex<OpenArchives>,
    catalogs: Mutex<Vec<(SnapshotKey, Arc<Vec<u8>>)>>,
    /// Entries of the paths one command resolved together ([`Browser::resolve_together`]),
    /// by tree path, until that command drops its guard.
    resolved: Mutex<HashMap<String, FileEntry>>,
    /// Bumped by `invalidate`, so other caches (completion) know to drop theirs.
    generation: std::sync::atomic::AtomicU64,
    /// The lone archive file the tree shows, when the session was opened on one.
    lone: Option<Arc<ArchiveFile>>,
}

fn no_such_store(store: &str, stores: &[String]) -> anyhow::Error {
    anyhow!(RepoError::NotFound(format!(
        "/{store}: no such datastore (datastores: {})",
        stores.join(", ")
    )))
}

impl Browser {
    /// The tree of a datastore: `/` holds it and the datastores beside it (a server's).
    pub fn new(repo: Arc<dyn Repository>) -> Self {
        Self::with_home(repo)
    }

    /// The tree of a lone archive file: one datastore, snapshot and archive, read-only.
    pub fn new_lone(archive: Arc<ArchiveFile>) -> Self {
        let mut browser = Self::with_home(archive.clone());
        browser.lone = Some(archive);
        browser
    }

    /// The lone archive file the session shows, if it was opened on one.
    pub fn lone(&self) -> Option<&Arc<ArchiveFile>> {
        self.lone.as_ref()
    }

    fn with_home(home: StoreHandle) -> Self {
        Browser {
            lone: None,
            home,
            others: Mutex::new(HashMap::new()),
            known_stores: Mutex::new(Vec::new()),
            keyfile: Mutex::new(None),
            key: Mutex::new(None),
            manifests: Mutex::new(HashMap::new()),
            archives: Mutex::new(Vec::new()),
            catalogs: Mutex::new(Vec::new()),
            resolved: Mutex::new(HashMap::new()),
            generation: std::sync::atomic::AtomicU64::new(0),
        }
    }

    /// Forgets cached listings (after a command changed the repository).
    pub fn invalidate(&self) {
        if let Ok(mut m) = self.manifests.lock() {
            m.clear();
        }
        if let Ok(mut k) = self.known_stores.lock() {
            k.clear();
        }
        self.generation
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    }

    pub fn generation(&self) -> u64 {
        self.generation.load(std::sync::atomic::Ordering::Relaxed)
    }

    pub fn keyfile(&self) -> Option<PathBuf> {
        self.keyfile.lock().ok().and_then(|k| k.clone())
    }

    pub fn set_keyfile(&self, path: Option<PathBuf>) {
        if let Ok(mut k) = self.keyfile.lock() {
            *k = path;
        }
        if let Ok(mut k) = self.key.lock() {
            *k = None;
        }
    }

    /// The key for encrypted archives, loaded (and its passphrase asked) once.
    pub fn key(&self) -> Result<Arc<CryptConfig>> {
        if let Some(key) = self.key.lock().ok().and_then(|k| k.clone()) {
            return Ok(key);
        }
        let loaded = crate::shell::commands::common::load_crypt(&self.keyfile(), true)?
            .map(|(c, _)| c)
            .ok_or_else(|| {
                anyhow!("this snapshot is encrypted: give its key with `set keyfile PATH` (or start pbsh with --keyfile)")
            })?;
        if let Ok(mut k) = self.key.lock() {
            *k = Some(loaded.clone());
        }
        Ok(loaded)
    }

    /// The datastores under `/`: a local datastore only itself; a server every datastore it
    /// offers, asked each time (so `ls /` shows the server's state, or why it cannot).
    pub fn stores(&self) -> Result<Vec<String>> {
        let stores = self.home.list_stores()?;
        if let Ok(mut known) = self.known_stores.lock() {
            known.clone_from(&stores);
        }
        Ok(stores)
    }

    /// The datastore called `name`: the home one, or another of the same server (opened once,
    /// over the home's login).
    pub fn store(&self, name: &str) -> Result<StoreHandle> {
        let home_name = self.home.name();
        if name == home_name {
            return Ok(self.home.clone());
        }
        if let Some(h) = self.others.lock().ok().and_then(|o| o.get(name).cloned()) {
            return Ok(h);
        }
        let known = self
            .known_stores
            .lock()
            .map(|k| k.contains(&name.to_string()))
            .unwrap_or(false);
        if !known {
            let stores = self.stores()?;
            if !stores.iter().any(|s| s == name) {
                return Err(no_such_store(name, &stores));
            }
        }
        let handle = self.home.open_store(name)?;
        if let Ok(mut o) = self.others.lock() {
            o.insert(name.to_string(), handle.clone());
        }
        Ok(handle)
    }

    /// The datastore a path is in (the home one for `/`).
    fn store_at(&self, path: &TreePath) -> Result<StoreHandle> {
        match &path.store {
            Some(name) => self.store(name),
            None => Ok(self.home.clone()),
        }
    }

    /// The repository a path is in.
    pub fn repo_at(&self, path: &TreePath) -> Result<Arc<dyn Repository>> {
        self.store_at(path)
    }

    fn snapshot_key(path: &TreePath, snapshot: &SnapshotRef) -> SnapshotKey {
        (
            path.store.clone().unwrap_or_default(),
            path.ns.clone(),
            snapshot.clone(),
        )
    }

    /// The manifest (not yet checked against a key) of the snapshot a path is in, cached.
    pub fn manifest(&self, path: &TreePath) -> Result<Arc<(Manifest, u64)>> {
        let snapshot = path
            .snapshot()
            .ok_or_else(|| anyhow!("{path}: not inside a snapshot"))?;
        let repo = self.repo_at(path)?;
        Ok(self.manifest_in(&*repo, path, &snapshot)?)
    }

    fn manifest_in(
        &self,
        repo: &dyn Repository,
        path: &TreePath,
        snapshot: &SnapshotRef,
    ) -> crate::repo::Result<Arc<(Manifest, u64)>> {
        let key = Self::snapshot_key(path, snapshot);
        if let Some(m) = self
            .manifests
            .lock()
            .ok()
            .and_then(|m| m.get(&key).cloned())
        {
            return Ok(m);
        }
        let m = Arc::new(repo.read_manifest(&path.ns, snapshot)?);
        if let Ok(mut cache) = self.manifests.lock() {
            cache.insert(key, m.clone());
        }
        Ok(m)
    }

    /// The manifest entry an archive-level path names.
    pub fn archive_file(&self, path: &TreePath) -> Result<FileInfo> {
        let Some(archive) = &path.archive else {
            bail!("{path}: not an archive");
        };
        let m = self.manifest(path)?;
        if archive == "index.json" || archive == "index.json.blob" {
            return Ok(FileInfo {
                filename: "index.json.blob".into(),
                crypt_mode: CryptMode::None,
                size: m.1,
                csum: String::new(),
            });
        }
        m.0.files
            .iter()
            .find(|f| display_name(&f.filename) == archive || &f.filename == archive)
            .cloned()
            .ok_or_else(|| {
                let names: Vec<&str> =
                    m.0.files
                        .iter()
                        .map(|f| display_name(&f.filename))
                        .collect();
                anyhow!(RepoError::NotFound(format!(
                    "{path}: no such archive (this snapshot has: {})",
                    names.join(", ")
                )))
            })
    }

    /// Opens a pxar archive for random access (split archives with their payload half).
    pub fn open_archive(&self, path: &TreePath) -> Result<Arc<OpenArchive>> {
        let snapshot = path
            .snapshot()
            .ok_or_else(|| anyhow!("{path}: not inside a snapshot"))?;
        let file = self.archive_file(path)?;
        if !is_tree_archive(&file.filename) {
            bail!("{path}: not a directory archive");
        }
        let cache_key = (Self::snapshot_key(path, &snapshot), file.filename.clone());
        if let Ok(open) = self.archives.lock() {
            if let Some((_, a)) = open.iter().find(|(k, _)| *k == cache_key) {
                return Ok(a.clone());
            }
        }
        let archive_root = TreePath {
            inner: Vec::new(),
            ..path.clone()
        };
        let accessor = match &self.lone {
            // A lone archive: the same accessor, straight over the file(s).
            Some(lone) => {
                let (metadata, payload) = lone.open_source()?;
                match payload {
                    Some(p) => {
                        Accessor::new_split(ArchiveSource::File(metadata), ArchiveSource::File(p))
                    }
                    None => Accessor::new(ArchiveSource::File(metadata)),
                }
                .with_context(|| lone.shown().to_string())?
            }
            None => self.index_accessor(path, &archive_root, &snapshot, &file)?,
        };
        let open = Arc::new(OpenArchive {
            accessor,
            what: archive_root.to_string(),
        });
        if let Ok(mut cache) = self.archives.lock() {
            if cache.len() >= OPEN_LIMIT {
                cache.remove(0);
            }
            cache.push((cache_key, open.clone()));
        }
        Ok(open)
    }

    /// The accessor of an archive in a snapshot, reading its chunks through a cached
    /// `ChunkReader` (split archives with their payload half).
    fn index_accessor(
        &self,
        path: &TreePath,
        archive_root: &TreePath,
        snapshot: &SnapshotRef,
        file: &FileInfo,
    ) -> Result<Accessor<ArchiveSource>> {
        let repo = self.repo_at(path)?;
        let encrypted = file.crypt_mode == CryptMode::Encrypt;
        let key = if encrypted { Some(self.key()?) } else { None };
        let manifest = open_manifest(&*repo, &path.ns, snapshot, key.as_deref())
            .with_context(|| format!("{snapshot}"))?;
        let chunks = Arc::new(ChunkReader::new(
            repo.clone(),
            key,
            encrypted,
            archive_cache_bytes(),
        ));
        let reader = |info: &FileInfo| -> Result<ArchiveSource> {
            let index = open_index(&*repo, &path.ns, snapshot, info)?;
            Ok(ArchiveSource::Index(IndexReader::new(
                chunks.clone(),
                Arc::new(index),
            )))
        };
        if file.filename.ends_with(".mpxar.didx") {
            let payload_name = file.filename.replace(".mpxar.didx", ".ppxar.didx");
            let payload = manifest
                .file(&payload_name)
                .ok_or_else(|| anyhow!("{snapshot}: {payload_name} is missing"))?;
            Accessor::new_split(reader(file)?, reader(payload)?)
        } else {
            Accessor::new(reader(file)?)
        }
        .with_context(|| format!("{archive_root}"))
    }

    /// The entry at an archive-internal path (hard links resolved when `follow_hardlink`).
    pub fn lookup_entry(&self, path: &TreePath, follow_hardlink: bool) -> Result<FileEntry> {
        let archive = self.open_archive(path)?;
        let resolved = match self.resolved.lock() {
            Ok(memo) if !memo.is_empty() => memo.get(&path.to_string()).cloned(),
            _ => None,
        };
        let entry = match resolved {
            Some(entry) => entry,
            None => if path.inner.is_empty() {
                archive.accessor.root().map(Some)
            } else {
                archive.accessor.lookup(path.inner_path().as_bytes())
            }
            .with_context(|| path.to_string())?
            .ok_or_else(|| {
                anyhow!(RepoError::NotFound(format!(
                    "{path}: no such file or directory"
                )))
            })?,
        };
        if follow_hardlink && matches!(entry.entry.kind, EntryKind::Hardlink { .. }) {
            return archive
                .accessor
                .resolve_hardlink(&entry)
                .with_context(|| path.to_string());
        }
        Ok(entry)
    }

    /// Looks up many paths inside archives at once, for a command about to work through
    /// them (`get` and `cat` of a glob). Where many share a directory, that directory is read
    /// once front to back rather than searched for each: a search per path touches chunks all
    /// over a large goodbye table, which a small chunk cache fetches again and again. Until the
    /// guard is dropped, `lookup_entry` and `stat` answer these paths from memory; a path not
    /// found here is looked up as before (and its error said there).
    pub fn resolve_together(&self, paths: &[TreePath]) -> ResolvedEntries<'_> {
        let mut by_dir: HashMap<String, (TreePath, HashMap<Vec<u8>, String>)> = HashMap::new();
        for path in paths.iter().filter(|p| p.level() == Level::Inside) {
            let parent = path.parent();
            let (_, names) = by_dir
                .entry(parent.to_string())
                .or_insert_with(|| (parent, HashMap::new()));
            names.insert(path.name().into_bytes(), path.to_string());
        }
        let mut found = HashMap::new();
        for (dir, names) in by_dir.values() {
            if names.len() >= RESOLVE_TOGETHER_MIN {
                // On any error the paths are left to their own lookups, which say what failed.
                let _ = self.scan_for(dir, names, &mut found);
            }
        }
        if let Ok(mut memo) = self.resolved.lock() {
            *memo = found;
        }
        ResolvedEntries { browser: self }
    }

    /// Reads directory `dir` front to back, keeping the children named in `names` (name →
    /// tree path) in `found`, unless so few are wanted that looking each up costs less.
    fn scan_for(
        &self,
        dir: &TreePath,
        names: &HashMap<Vec<u8>, String>,
        found: &mut HashMap<String, FileEntry>,
    ) -> Result<()> {
        let archive = self.open_archive(dir)?;
        let entry = self.lookup_entry(dir, true)?;
        if !matches!(entry.entry.kind, EntryKind::Directory) {
            return Ok(());
        }
        let listing = archive.accessor.open_dir(&entry)?;
        if (names.len() as u64).saturating_mul(RESOLVE_TOGETHER_RATIO) < listing.len {
            return Ok(());
        }
        let mut left = names.len();
        for (n, child) in archive.accessor.read_dir_iter(&listing)?.enumerate() {
            if n % 1024 == 1023 {
                crate::shell::commands::check_cancel()?;
            }
            let child = child?;
            if let Some(key) = names.get(child.name()) {
                found.insert(key.clone(), child);
                left -= 1;
                if left == 0 {
                    break;
                }
            }
        }
        Ok(())
    }

    /// The catalog stream (the `catalog.pcat1` archive) of the snapshot a path is in, if it
    /// has one.
    pub fn catalog(&self, path: &TreePath) -> Result<Option<Arc<Vec<u8>>>> {
        let snapshot = path
            .snapshot()
            .ok_or_else(|| anyhow!("{path}: not inside a snapshot"))?;
        let (ns, snapshot) = (&path.ns, &snapshot);
        let key = Self::snapshot_key(path, snapshot);
        if let Ok(cache) = self.catalogs.lock() {
            if let Some((_, c)) = cache.iter().find(|(k, _)| *k == key) {
                return Ok(Some(c.clone()));
            }
        }
        let repo = self.repo_at(path)?;
        let manifest = self.manifest_in(&*repo, path, snapshot)?;
        let Some(file) = manifest.0.file("catalog.pcat1.didx").cloned() else {
            return Ok(None);
        };
        let encrypted = file.crypt_mode == CryptMode::Encrypt;
        let key_cfg = if encrypted { Some(self.key()?) } else { None };
        if encrypted {
            open_manifest(&*repo, ns, snapshot, key_cfg.as_deref())?;
        }
        let data = read_catalog(repo.clone(), ns, snapshot, &file, key_cfg)?;
        let data = Arc::new(data);
        if let Ok(mut cache) = self.catalogs.lock() {
            if cache.len() >= OPEN_LIMIT * 2 {
                cache.remove(0);
            }
            cache.push((key, data.clone()));
        }
        Ok(Some(data))
    }

    /// The children of a directory-like node, sorted by name.
    pub fn list(&self, path: &TreePath) -> Result<Vec<Node>> {
        if path.level() == Level::Root {
            return Ok(self
                .stores()?
                .into_iter()
                .map(|s| Node::new(s, NodeKind::Datastore))
                .collect());
        }
        let repo = self.repo_at(path)?;
        let mut nodes = match path.level() {
            Level::Root => Vec::new(),
            Level::Namespace => {
                let mut nodes: Vec<Node> = repo
                    .list_namespaces(&path.ns)?
                    .into_iter()
                    .filter_map(|ns| ns.components().last().cloned())
                    .map(|name| {
                        let shown = if matches!(name.as_str(), "host" | "vm" | "ct") {
                            format!("ns:{name}")
                        } else {
                            name
                        };
                        Node::new(shown, NodeKind::Namespace)
                    })
                    .collect();
                let groups = repo.list_groups(&path.ns)?;
                for ty in [BackupType::Ct, BackupType::Host, BackupType::Vm] {
                    let of_type: Vec<_> = groups.iter().filter(|g| g.group.ty == ty).collect();
                    if !of_type.is_empty() {
                        let mut node = Node::new(ty.as_str(), NodeKind::GroupType);
                        node.count = Some(of_type.len());
                        nodes.push(node);
                    }
                }
                nodes
            }
            Level::GroupType => self
                .list_groups(path, path.btype)?
                .into_iter()
                .map(|(group, node)| Node {
                    name: group.id,
                    ..node
                })
                .collect(),
            Level::Group => {
                let group = path.group().ok_or_else(|| anyhow!("{path}: not a group"))?;
                let snapshots = repo.list_snapshots(&path.ns, Some(&group))?;
                if snapshots.is_empty()
                    && !repo.list_groups(&path.ns)?.iter().any(|g| g.group == group)
                {
                    bail!(RepoError::NotFound(format!("{path}: no such backup group")));
                }
                snapshots
                    .into_iter()
                    .map(|s| {
                        let mut node = Node::new(s.snapshot.time_string(), NodeKind::Snapshot);
                        node.mtime = Some(s.snapshot.time);
                        node.protected = Some(s.protected);
                        node.owner = s.owner.clone();
                        if let Some(error) = s.manifest_error {
                            node.comment = Some("unreadable manifest".into());
                            node.problem = Some(error);
                            return node;
                        }
                        node.size = Some(s.total_size());
                        node.crypt = Some(crypt_summary(&s.manifest).into());
                        node.comment = notes_summary(&s.manifest);
                        node
                    })
                    .collect()
            }
            Level::Snapshot => {
                let snapshot = path
                    .snapshot()
                    .ok_or_else(|| anyhow!("{path}: not a snapshot"))?;
                let manifest = self
                    .manifest_in(&*repo, path, &snapshot)
                    .map_err(|e| not_found(e, path))?;
                let mut nodes: Vec<Node> = manifest
                    .0
                    .files
                    .iter()
                    .map(|f| {
                        let kind = if is_tree_archive(&f.filename) {
                            NodeKind::Archive
                        } else {
                            NodeKind::File
                        };
                        let mut node = Node::new(display_name(&f.filename), kind);
                        node.size = Some(f.size);
                        node.crypt = Some(f.crypt_mode.as_str().to_string());
                        node.mtime = Some(snapshot.time);
                        node
                    })
                    .collect();
                let mut index = Node::new("index.json", NodeKind::File);
                index.size = Some(manifest.1);
                index.mtime = Some(snapshot.time);
                nodes.push(index);
                nodes
            }
            Level::Archive | Level::Inside => {
                let mut nodes = Vec::new();
                self.each_archive_child(path, &mut |node| {
                    nodes.push(node);
                    Ok(())
                })?;
                nodes
            }
        };
        // Archive listings come sorted already (a sorted run costs one pass here).
        nodes.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(nodes)
    }

    /// The children of a directory-like node one at a time, in name order, without holding
    /// them all: inside an archive they are decoded in archive order (each chunk fetched about
    /// once) and handed on as they come, so a listing of a million entries starts at once.
    ///
    /// Returns whether the order was the name order throughout. It is, except inside an
    /// archive that stores a directory's entries out of name order (no pxar encoder does):
    /// then the entries from the first one out of order on are collected, sorted and handed
    /// on after the ones before it.
    pub fn each_child(
        &self,
        path: &TreePath,
        visit: &mut dyn FnMut(Node) -> Result<()>,
    ) -> Result<bool> {
        match path.level() {
            Level::Archive | Level::Inside => self.each_archive_child(path, visit),
            _ => {
                for node in self.list(path)? {
                    visit(node)?;
                }
                Ok(true)
            }
        }
    }

    fn each_archive_child(
        &self,
        path: &TreePath,
        visit: &mut dyn FnMut(Node) -> Result<()>,
    ) -> Result<bool> {
        let file = self.archive_file(path)?;
        if !is_tree_archive(&file.filename) {
            bail!("{path}: not a directory");
        }
        let archive = self.open_archive(path)?;
        let entry = self.lookup_entry(path, true)?;
        if !matches!(entry.entry.kind, EntryKind::Directory) {
            bail!("{path}: not a directory");
        }
        let dir = archive
            .accessor
            .open_dir(&entry)
            .with_context(|| path.to_string())?;
        let mut children = archive
            .accessor
            .read_dir_iter(&dir)
            .with_context(|| path.to_string())?;
        // LIMIT: at most limits::MAX_PXAR_DIR_ENTRIES nodes, only for a directory stored out
        // of name order.
        let mut late: Vec<Node> = Vec::new();
        let mut count = 0u64;
        while let Some(child) = children.next() {
            count += 1;
            if count % 1024 == 0 {
                crate::shell::commands::check_cancel()?;
            }
            let child = child.with_context(|| path.to_string())?;
            let node = Node::from_entry(
                String::from_utf8_lossy(child.name()).into_owned(),
                &child.entry,
            );
            if children.in_name_order() {
                visit(node)?;
            } else {
                late.push(node);
            }
        }
        late.sort_by(|a, b| a.name.cmp(&b.name));
        for node in late {
            visit(node)?;
        }
        Ok(children.in_name_order())
    }

    /// Groups of the namespace a path is in (of one type, or all), each with its node.
    pub fn list_groups(
        &self,
        at: &TreePath,
        ty: Option<BackupType>,
    ) -> Result<Vec<(BackupGroup, Node)>> {
        let mut out: Vec<(BackupGroup, Node)> = self
            .repo_at(at)?
            .list_groups(&at.ns)?
            .into_iter()
            .filter(|g| ty.is_none_or(|t| g.group.ty == t))
            .map(|g| {
                let mut node = Node::new(g.group.to_string(), NodeKind::Group);
                node.count = Some(g.snapshot_count);
                node.mtime = g.last_backup;
                node.owner = g.owner.clone();
                (g.group, node)
            })
            .collect();
        out.sort_by(|a, b| a.0.cmp(&b.0));
        Ok(out)
    }

    /// The node at `path` itself.
    pub fn stat(&self, path: &TreePath) -> Result<Node> {
        if path.level() == Level::Root {
            return Ok(Node::new("/", NodeKind::Directory));
        }
        let repo = self.repo_at(path)?;
        match path.level() {
            Level::Root => Ok(Node::new("/", NodeKind::Directory)),
            Level::Namespace if path.ns.is_root() => {
                let mut node = Node::new(path.name(), NodeKind::Datastore);
                node.count = Some(repo.list_groups(&path.ns)?.len());
                Ok(node)
            }
            Level::Namespace => {
                let parent = path.ns.parent().unwrap_or_default();
                let exists = repo.list_namespaces(&parent)?.contains(&path.ns);
                if !exists {
                    bail!(RepoError::NotFound(format!("{path}: no such namespace")));
                }
                Ok(Node::new(path.name(), NodeKind::Namespace))
            }
            Level::GroupType => {
                let mut node = Node::new(path.name(), NodeKind::GroupType);
                node.count = Some(self.list_groups(path, path.btype)?.len());
                Ok(node)
            }
            Level::Group => {
                let group = path.group().ok_or_else(|| anyhow!("{path}: not a group"))?;
                self.list_groups(path, Some(group.ty))?
                    .into_iter()
                    .find(|(g, _)| *g == group)
                    .map(|(_, node)| node)
                    .ok_or_else(|| {
                        anyhow!(RepoError::NotFound(format!("{path}: no such backup group")))
                    })
            }
            Level::Snapshot | Level::Archive => {
                let parent = path.parent();
                let name = path.name();
                let nodes = self.list(&parent)?;
                nodes
                    .into_iter()
                    .find(|n| {
                        n.name == name
                            || (path.level() == Level::Archive && n.name == display_name(&name))
                    })
                    .ok_or_else(|| {
                        anyhow!(RepoError::NotFound(format!(
                            "{path}: no such {}",
                            if path.level() == Level::Snapshot {
                                "snapshot"
                            } else {
                                "archive"
                            }
                        )))
                    })
            }
            Level::Inside => {
                let entry = self.lookup_entry(path, false)?;
                let mut node = Node::from_entry(path.name(), &entry.entry);
                if node.kind == NodeKind::Hardlink {
                    if let Ok(target) = self.lookup_entry(path, true) {
                        node.set_metadata(&target.entry.metadata);
                        if let EntryKind::File { size, .. } = target.entry.kind {
                            node.size = Some(size);
                        }
                    }
                }
                Ok(node)
            }
        }
    }
}

fn notes_summary(manifest: &Manifest) -> Option<String> {
    manifest
        .notes()
        .lines()
        .next()
        .filter(|l| !l.is_empty())
        .map(String::from)
}

/// A missing manifest means the snapshot does not exist: say so in the tree's words.
fn not_found(e: RepoError, path: &TreePath) -> anyhow::Error {
    match e {
        RepoError::NotFound(_) => anyhow!(RepoError::NotFound(format!("{path}: no such snapshot"))),
        other => anyhow!(other),
    }
}
