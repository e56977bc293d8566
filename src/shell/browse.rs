//! What the virtual tree holds at a path: listings and metadata read through the repository, the
//! snapshot catalogs and the archive accessor, fetching only the chunks a listing needs.
//!
//! Manifests, catalogs and opened archives are cached for the session, so `ls`, `cd` and tab
//! completion do not ask the repository twice for the same thing.

use crate::engine::reader::{ChunkReader, IndexReader};
use crate::engine::restore::{open_index, open_manifest, read_catalog};
use crate::format::crypt::CryptConfig;
use crate::format::manifest::{CryptMode, FileInfo, Manifest};
use crate::format::pxar::accessor::{Accessor, FileEntry};
use crate::format::pxar::{EntryKind, Metadata};
use crate::repo::types::{BackupGroup, BackupType, Namespace, SnapshotRef};
use crate::repo::{RepoError, Repository};
use crate::shell::tree::{Level, TreePath};
use anyhow::{anyhow, bail, Context, Result};
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

/// Chunk cache of an opened archive: big enough for a directory's metadata and read-ahead.
const ARCHIVE_CACHE_BYTES: usize = 64 << 20;
/// Archives and catalogs kept open at once.
const OPEN_LIMIT: usize = 4;

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

/// One archive opened for random access.
pub struct OpenArchive {
    pub accessor: Accessor<IndexReader>,
    pub chunks: Arc<ChunkReader>,
    /// Tree path of the archive (for messages).
    pub what: String,
}

type SnapshotKey = (Namespace, SnapshotRef);
/// An open archive, keyed by snapshot and stored file name.
type OpenArchives = Vec<((SnapshotKey, String), Arc<OpenArchive>)>;

/// The session's view of one repository's tree, with its caches.
pub struct Browser {
    pub repo: Arc<dyn Repository>,
    /// Key file for encrypted snapshots (`--keyfile`, `set keyfile`), else the default key.
    keyfile: Mutex<Option<PathBuf>>,
    key: Mutex<Option<Arc<CryptConfig>>>,
    manifests: Mutex<HashMap<SnapshotKey, Arc<(Manifest, u64)>>>,
    archives: Mutex<OpenArchives>,
    catalogs: Mutex<Vec<(SnapshotKey, Arc<Vec<u8>>)>>,
    /// Bumped by `invalidate`, so other caches (completion) know to drop theirs.
    generation: std::sync::atomic::AtomicU64,
}

impl Browser {
    pub fn new(repo: Arc<dyn Repository>) -> Self {
        Browser {
            repo,
            keyfile: Mutex::new(None),
            key: Mutex::new(None),
            manifests: Mutex::new(HashMap::new()),
            archives: Mutex::new(Vec::new()),
            catalogs: Mutex::new(Vec::new()),
            generation: std::sync::atomic::AtomicU64::new(0),
        }
    }

    /// Forgets cached listings (after a command changed the repository).
    pub fn invalidate(&self) {
        if let Ok(mut m) = self.manifests.lock() {
            m.clear();
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

    /// The datastores under `/`.
    pub fn stores(&self) -> Vec<String> {
        vec![self.repo.name()]
    }

    fn check_store(&self, path: &TreePath) -> Result<()> {
        if let Some(store) = &path.store {
            let stores = self.stores();
            if !stores.contains(store) {
                bail!(RepoError::NotFound(format!(
                    "/{store}: no such datastore (datastores: {})",
                    stores.join(", ")
                )));
            }
        }
        Ok(())
    }

    /// A snapshot's manifest (not yet checked against a key), cached.
    pub fn manifest(
        &self,
        ns: &Namespace,
        snapshot: &SnapshotRef,
    ) -> crate::repo::Result<Arc<(Manifest, u64)>> {
        let key = (ns.clone(), snapshot.clone());
        if let Some(m) = self
            .manifests
            .lock()
            .ok()
            .and_then(|m| m.get(&key).cloned())
        {
            return Ok(m);
        }
        let m = Arc::new(self.repo.read_manifest(ns, snapshot)?);
        if let Ok(mut cache) = self.manifests.lock() {
            cache.insert(key, m.clone());
        }
        Ok(m)
    }

    /// The manifest entry an archive-level path names.
    pub fn archive_file(&self, path: &TreePath) -> Result<FileInfo> {
        let (Some(snapshot), Some(archive)) = (path.snapshot(), &path.archive) else {
            bail!("{path}: not an archive");
        };
        let m = self.manifest(&path.ns, &snapshot)?;
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
        let cache_key = ((path.ns.clone(), snapshot.clone()), file.filename.clone());
        if let Ok(open) = self.archives.lock() {
            if let Some((_, a)) = open.iter().find(|(k, _)| *k == cache_key) {
                return Ok(a.clone());
            }
        }
        let encrypted = file.crypt_mode == CryptMode::Encrypt;
        let key = if encrypted { Some(self.key()?) } else { None };
        let manifest = open_manifest(&*self.repo, &path.ns, &snapshot, key.as_deref())
            .with_context(|| format!("{snapshot}"))?;
        let chunks = Arc::new(ChunkReader::new(
            self.repo.clone(),
            key,
            encrypted,
            ARCHIVE_CACHE_BYTES,
        ));
        let reader = |info: &FileInfo| -> Result<IndexReader> {
            let index = open_index(&*self.repo, &path.ns, &snapshot, info)?;
            Ok(IndexReader::new(chunks.clone(), Arc::new(index)))
        };
        let archive_root = TreePath {
            inner: Vec::new(),
            ..path.clone()
        };
        let accessor = if file.filename.ends_with(".mpxar.didx") {
            let payload_name = file.filename.replace(".mpxar.didx", ".ppxar.didx");
            let payload = manifest
                .file(&payload_name)
                .ok_or_else(|| anyhow!("{snapshot}: {payload_name} is missing"))?;
            Accessor::new_split(reader(&file)?, reader(payload)?)
        } else {
            Accessor::new(reader(&file)?)
        }
        .with_context(|| format!("{archive_root}"))?;
        let open = Arc::new(OpenArchive {
            accessor,
            chunks,
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

    /// The entry at an archive-internal path (hard links resolved when `follow_hardlink`).
    pub fn lookup_entry(&self, path: &TreePath, follow_hardlink: bool) -> Result<FileEntry> {
        let archive = self.open_archive(path)?;
        let entry = if path.inner.is_empty() {
            archive.accessor.root().map(Some)
        } else {
            archive.accessor.lookup(path.inner_path().as_bytes())
        }
        .with_context(|| path.to_string())?
        .ok_or_else(|| {
            anyhow!(RepoError::NotFound(format!(
                "{path}: no such file or directory"
            )))
        })?;
        if follow_hardlink && matches!(entry.entry.kind, EntryKind::Hardlink { .. }) {
            return archive
                .accessor
                .resolve_hardlink(&entry)
                .with_context(|| path.to_string());
        }
        Ok(entry)
    }

    /// A snapshot's catalog stream (the `catalog.pcat1` archive), if it has one.
    pub fn catalog(&self, ns: &Namespace, snapshot: &SnapshotRef) -> Result<Option<Arc<Vec<u8>>>> {
        let key = (ns.clone(), snapshot.clone());
        if let Ok(cache) = self.catalogs.lock() {
            if let Some((_, c)) = cache.iter().find(|(k, _)| *k == key) {
                return Ok(Some(c.clone()));
            }
        }
        let manifest = self.manifest(ns, snapshot)?;
        let Some(file) = manifest.0.file("catalog.pcat1.didx").cloned() else {
            return Ok(None);
        };
        let encrypted = file.crypt_mode == CryptMode::Encrypt;
        let key_cfg = if encrypted { Some(self.key()?) } else { None };
        if encrypted {
            open_manifest(&*self.repo, ns, snapshot, key_cfg.as_deref())?;
        }
        let data = read_catalog(self.repo.clone(), ns, snapshot, &file, key_cfg)?;
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
        self.check_store(path)?;
        let mut nodes = match path.level() {
            Level::Root => self
                .stores()
                .into_iter()
                .map(|s| Node::new(s, NodeKind::Datastore))
                .collect(),
            Level::Namespace => {
                let mut nodes: Vec<Node> = self
                    .repo
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
                let groups = self.repo.list_groups(&path.ns)?;
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
                .list_groups(&path.ns, path.btype)?
                .into_iter()
                .map(|(group, node)| Node {
                    name: group.id,
                    ..node
                })
                .collect(),
            Level::Group => {
                let group = path.group().ok_or_else(|| anyhow!("{path}: not a group"))?;
                let snapshots = self.repo.list_snapshots(&path.ns, Some(&group))?;
                if snapshots.is_empty() && !self.group_exists(&path.ns, &group)? {
                    bail!(RepoError::NotFound(format!("{path}: no such backup group")));
                }
                snapshots
                    .into_iter()
                    .map(|s| {
                        let mut node = Node::new(s.snapshot.time_string(), NodeKind::Snapshot);
                        node.size = Some(s.total_size());
                        node.mtime = Some(s.snapshot.time);
                        node.protected = Some(s.protected);
                        node.owner = s.owner.clone();
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
                    .manifest(&path.ns, &snapshot)
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
                archive
                    .accessor
                    .read_dir(&dir)
                    .with_context(|| path.to_string())?
                    .iter()
                    .map(|e| {
                        Node::from_entry(String::from_utf8_lossy(e.name()).into_owned(), &e.entry)
                    })
                    .collect()
            }
        };
        nodes.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(nodes)
    }

    fn group_exists(&self, ns: &Namespace, group: &BackupGroup) -> Result<bool> {
        Ok(self.repo.list_groups(ns)?.iter().any(|g| &g.group == group))
    }

    /// Groups of a namespace (of one type, or all), each with its node.
    pub fn list_groups(
        &self,
        ns: &Namespace,
        ty: Option<BackupType>,
    ) -> Result<Vec<(BackupGroup, Node)>> {
        let mut out: Vec<(BackupGroup, Node)> = self
            .repo
            .list_groups(ns)?
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
        self.check_store(path)?;
        match path.level() {
            Level::Root => Ok(Node::new("/", NodeKind::Directory)),
            Level::Namespace if path.ns.is_root() => {
                let mut node = Node::new(path.name(), NodeKind::Datastore);
                node.count = Some(self.repo.list_groups(&path.ns)?.len());
                Ok(node)
            }
            Level::Namespace => {
                let parent = path.ns.parent().unwrap_or_default();
                let exists = self.repo.list_namespaces(&parent)?.contains(&path.ns);
                if !exists {
                    bail!(RepoError::NotFound(format!("{path}: no such namespace")));
                }
                Ok(Node::new(path.name(), NodeKind::Namespace))
            }
            Level::GroupType => {
                let mut node = Node::new(path.name(), NodeKind::GroupType);
                node.count = Some(self.list_groups(&path.ns, path.btype)?.len());
                Ok(node)
            }
            Level::Group => {
                let group = path.group().ok_or_else(|| anyhow!("{path}: not a group"))?;
                self.list_groups(&path.ns, Some(group.ty))?
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
