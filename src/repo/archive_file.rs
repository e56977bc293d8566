//! A lone pxar archive file (`root.pxar`, or a split `root.mpxar` + `root.ppxar` pair) as a
//! read-only repository: one datastore named after the file, holding one snapshot with the one
//! archive, so the shell can show it as a tree.
//!
//! Its bytes are not chunks: the shell's browser reads the file(s) through the same pxar
//! accessor it uses for archives in snapshots (`ArchiveFile::open_source`). Every write is
//! refused, naming the file.

use super::types::{BackupGroup, BackupType, Namespace, SnapshotRef};
use super::{BackupWriter, GroupInfo, RepoError, Repository, Result, SnapshotInfo};
use crate::format::digest::ChunkDigest;
use crate::format::manifest::{CryptMode, FileInfo, Manifest};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// The backup id the one snapshot of a lone archive is shown under.
const GROUP_ID: &str = "archive";

/// A lone archive file, opened read-only.
#[derive(Debug, Clone)]
pub struct ArchiveFile {
    /// The `.pxar` file, or the `.mpxar` half of a split archive.
    metadata: PathBuf,
    /// The `.ppxar` half of a split archive.
    payload: Option<PathBuf>,
    /// The path as the user wrote it (for messages).
    shown: String,
    /// The file name: the datastore's name in the tree.
    name: String,
    /// It has no maintenance: every operation says so.
    maintenance: crate::repo::maintenance::NoMaintenance,
    /// The archive's name in the tree: `NAME.pxar`.
    archive: String,
    /// Modification time of the file: the snapshot's time.
    mtime: i64,
    size: u64,
}

/// Whether a path names a lone archive (an existing file that is not a directory).
pub fn is_archive_file(path: &Path) -> bool {
    std::fs::metadata(path).is_ok_and(|m| !m.is_dir())
}

impl ArchiveFile {
    /// Opens `path`: a `.pxar` file, or either half of a split `.mpxar`/`.ppxar` pair (the other
    /// half must lie beside it).
    pub fn open(path: &Path) -> Result<Self> {
        let shown = path.display().to_string();
        let io = |path: &Path, source| RepoError::Io {
            path: path.display().to_string(),
            action: "open archive",
            source,
        };
        let file_name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .ok_or_else(|| RepoError::Refused(format!("{shown}: not an archive file")))?;
        let (stem, split) = match file_name.rsplit_once('.') {
            Some((stem, "mpxar" | "ppxar")) => (stem.to_string(), true),
            Some((stem, "pxar")) => (stem.to_string(), false),
            _ => (file_name.clone(), false),
        };
        let (metadata, payload) = if split {
            let m = path.with_file_name(format!("{stem}.mpxar"));
            let p = path.with_file_name(format!("{stem}.ppxar"));
            for half in [&m, &p] {
                if !half.is_file() {
                    return Err(RepoError::NotFound(format!(
                        "{}: the other half of the split archive {shown} is missing",
                        half.display()
                    )));
                }
            }
            (m, Some(p))
        } else {
            (path.to_path_buf(), None)
        };
        let meta = std::fs::metadata(&metadata).map_err(|e| io(&metadata, e))?;
        if meta.is_dir() {
            return Err(RepoError::Refused(format!("{shown}: is a directory")));
        }
        let mtime = meta
            .modified()
            .ok()
            .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
            .map(|d| d.as_secs() as i64)
            .unwrap_or(0)
            .max(1);
        Ok(ArchiveFile {
            metadata,
            payload,
            shown,
            maintenance: crate::repo::maintenance::NoMaintenance::new(file_name.clone()),
            name: file_name,
            archive: format!("{stem}.pxar"),
            mtime,
            size: meta.len(),
        })
    }

    /// The path as given, for messages.
    pub fn shown(&self) -> &str {
        &self.shown
    }

    /// The archive's name in the tree (`root.pxar`).
    pub fn archive_name(&self) -> &str {
        &self.archive
    }

    /// The one snapshot the tree shows the archive in.
    pub fn snapshot(&self) -> SnapshotRef {
        SnapshotRef::new(
            BackupGroup {
                ty: BackupType::Host,
                id: GROUP_ID.into(),
            },
            self.mtime,
        )
    }

    /// The open file(s): the `.pxar` (or `.mpxar`) and, for a split archive, the `.ppxar`.
    pub fn open_source(&self) -> Result<(std::fs::File, Option<std::fs::File>)> {
        let open = |path: &Path| {
            std::fs::File::open(path).map_err(|source| RepoError::Io {
                path: path.display().to_string(),
                action: "open archive",
                source,
            })
        };
        Ok((
            open(&self.metadata)?,
            self.payload.as_deref().map(open).transpose()?,
        ))
    }

    /// The refusal every write gets.
    pub fn read_only(&self, what: &str) -> RepoError {
        RepoError::Refused(format!(
            "{what}: {} is a lone archive, read-only",
            self.shown
        ))
    }

    fn manifest(&self) -> Manifest {
        let mut m = Manifest::new("host", GROUP_ID, self.mtime);
        m.files.push(FileInfo {
            filename: format!("{}.didx", self.archive),
            crypt_mode: CryptMode::None,
            size: self.size,
            csum: String::new(),
        });
        m
    }

    fn check(&self, ns: &Namespace, snapshot: &SnapshotRef) -> Result<()> {
        if ns.is_root() && *snapshot == self.snapshot() {
            Ok(())
        } else {
            Err(RepoError::NotFound(format!(
                "{snapshot}: not in the lone archive {}",
                self.shown
            )))
        }
    }
}

impl Repository for ArchiveFile {
    fn name(&self) -> String {
        self.name.clone()
    }

    fn handle(&self) -> Arc<dyn Repository> {
        Arc::new(self.clone())
    }

    fn maintenance(&self) -> &dyn crate::repo::maintenance::Maintenance {
        &self.maintenance
    }

    fn describe(&self) -> String {
        format!("lone archive `{}` (read-only)", self.name)
    }

    fn list_namespaces(&self, _parent: &Namespace) -> Result<Vec<Namespace>> {
        Ok(Vec::new())
    }

    fn create_namespace(&self, _ns: &Namespace) -> Result<()> {
        Err(self.read_only("ns create"))
    }

    fn delete_namespace(&self, _ns: &Namespace, _delete_groups: bool) -> Result<()> {
        Err(self.read_only("ns delete"))
    }

    fn list_groups(&self, ns: &Namespace) -> Result<Vec<GroupInfo>> {
        if !ns.is_root() {
            return Ok(Vec::new());
        }
        let snapshot = self.snapshot();
        Ok(vec![GroupInfo {
            group: snapshot.group,
            owner: None,
            snapshot_count: 1,
            last_backup: Some(self.mtime),
            files: Vec::new(),
        }])
    }

    fn list_snapshots(
        &self,
        ns: &Namespace,
        group: Option<&BackupGroup>,
    ) -> Result<Vec<SnapshotInfo>> {
        let snapshot = self.snapshot();
        if !ns.is_root() || group.is_some_and(|g| *g != snapshot.group) {
            return Ok(Vec::new());
        }
        Ok(vec![SnapshotInfo {
            snapshot,
            manifest: self.manifest(),
            manifest_size: 0,
            protected: false,
            owner: None,
            manifest_error: None,
        }])
    }

    fn read_manifest(&self, ns: &Namespace, snapshot: &SnapshotRef) -> Result<(Manifest, u64)> {
        self.check(ns, snapshot)?;
        Ok((self.manifest(), 0))
    }

    fn read_file(&self, ns: &Namespace, snapshot: &SnapshotRef, name: &str) -> Result<Vec<u8>> {
        self.check(ns, snapshot)?;
        Err(RepoError::Refused(format!(
            "{}: a lone archive has no index files ({name}); browse it with ls, cat, get",
            self.shown
        )))
    }

    fn read_chunk(&self, digest: &ChunkDigest) -> Result<Vec<u8>> {
        Err(RepoError::Refused(format!(
            "{}: a lone archive has no chunks (chunk {digest})",
            self.shown
        )))
    }

    fn start_backup(
        &self,
        _ns: &Namespace,
        _snapshot: &SnapshotRef,
        _owner: &str,
        _base: Option<&SnapshotRef>,
    ) -> Result<Box<dyn BackupWriter>> {
        Err(self.read_only("backup"))
    }

    fn forget_snapshot(&self, _ns: &Namespace, _snapshot: &SnapshotRef) -> Result<()> {
        Err(self.read_only("forget"))
    }

    fn forget_group(&self, _ns: &Namespace, _group: &BackupGroup) -> Result<()> {
        Err(self.read_only("forget"))
    }

    fn set_protected(
        &self,
        _ns: &Namespace,
        _snapshot: &SnapshotRef,
        _protected: bool,
    ) -> Result<()> {
        Err(self.read_only("protect"))
    }

    fn set_owner(&self, _ns: &Namespace, _group: &BackupGroup, _owner: &str) -> Result<()> {
        Err(self.read_only("change-owner"))
    }

    fn upload_log(&self, _ns: &Namespace, _snapshot: &SnapshotRef, _log_blob: &[u8]) -> Result<()> {
        Err(self.read_only("upload-log"))
    }

    fn update_manifest(
        &self,
        _ns: &Namespace,
        _snapshot: &SnapshotRef,
        _manifest_blob: &[u8],
    ) -> Result<()> {
        Err(self.read_only("notes"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_split_half_finds_its_twin_and_writes_are_refused() {
        let dir = std::env::temp_dir().join(format!("pbsh-lone-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("root.mpxar"), b"m").unwrap();
        let e = ArchiveFile::open(&dir.join("root.mpxar")).unwrap_err();
        assert!(e.to_string().contains("root.ppxar"), "{e}");
        std::fs::write(dir.join("root.ppxar"), b"p").unwrap();
        let a = ArchiveFile::open(&dir.join("root.ppxar")).unwrap();
        assert_eq!(a.archive_name(), "root.pxar");
        assert_eq!(a.name(), "root.ppxar");
        assert!(a.payload.as_deref() == Some(dir.join("root.ppxar").as_path()));
        let snap = a.snapshot();
        let (m, _) = a.read_manifest(&Namespace::root(), &snap).unwrap();
        assert_eq!(m.files[0].filename, "root.pxar.didx");
        let e = a.forget_group(&Namespace::root(), &snap.group).unwrap_err();
        assert!(e.to_string().contains("lone archive, read-only"), "{e}");
        assert!(ArchiveFile::open(&dir).is_err());
        let _ = std::fs::remove_dir_all(&dir);
    }
}
