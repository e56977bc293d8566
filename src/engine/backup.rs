//! Backup: directories as pxar archives (with a catalog), images as fixed indexes, files as blobs,
//! deduplicated against the store and the group's previous snapshot, then one manifest.
//!
//! Nothing becomes visible until the manifest is written at the end; an error or cancel drops
//! the writer, which removes what was written so far. Never prints.

use crate::archive::create::{
    create_archive_with_copier, create_split_archive_with_reuse, CreateError, CreateOptions,
};
use crate::engine::pipeline::{default_workers, ChunkUploader, Chunking, UploadResult};
use crate::engine::progress::Progress;
use crate::format::blob;
use crate::format::catalog::CatalogWriter;
use crate::format::crypt::CryptConfig;
use crate::format::digest::{sha256, ChunkDigest};
use crate::format::error::FormatError;
use crate::format::index::{DynamicIndex, FixedIndex};
use crate::format::keyfile::KeyConfig;
use crate::format::manifest::{CryptMode, FileInfo, Manifest, MANIFEST_BLOB_NAME};
use crate::format::{limits, master_key};
use crate::repo::types::{BackupGroup, Namespace, SnapshotRef};
use crate::repo::{BackupWriter, RepoError, Repository};
use std::collections::HashSet;
use std::io::{self, Read};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Average chunk size of pxar archives and catalogs (PBS's defaults).
pub const PXAR_CHUNK_SIZE: usize = 4 * 1024 * 1024;
pub const CATALOG_CHUNK_SIZE: usize = 512 * 1024;
pub const CATALOG_NAME: &str = "catalog.pcat1.didx";
pub const ENCRYPTED_KEY_BLOB_NAME: &str = "rsa-encrypted.key.blob";

pub use crate::engine::error::{EngineError, Result};

fn format_err(what: impl Into<String>) -> impl FnOnce(FormatError) -> EngineError {
    let what = what.into();
    move |source| EngineError::Format { what, source }
}

/// What to put into the snapshot.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BackupSource {
    /// `NAME.pxar:DIR`
    Pxar { name: String, dir: PathBuf },
    /// `NAME.img:FILE` (a file or block device)
    Image { name: String, path: PathBuf },
    /// `NAME.conf:FILE` and other blobs
    Blob { name: String, path: PathBuf },
}

impl BackupSource {
    /// Parses `NAME.EXT:PATH` as proxmox-backup-client does.
    pub fn parse(spec: &str) -> Result<Self> {
        let (name, path) = spec.split_once(':').ok_or_else(|| {
            EngineError::Refused(format!(
                "backup source {spec:?} must look like NAME.pxar:DIR or NAME.img:FILE"
            ))
        })?;
        let (stem, ext) = name.rsplit_once('.').ok_or_else(|| {
            EngineError::Refused(format!("archive name {name:?} has no extension"))
        })?;
        let valid = !stem.is_empty()
            && stem
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'));
        if !valid {
            return Err(EngineError::Refused(format!(
                "archive name {name:?} may only use letters, digits, '_', '-' and '.'"
            )));
        }
        let path = PathBuf::from(path);
        match ext {
            "pxar" | "didx" => Ok(BackupSource::Pxar {
                name: name.trim_end_matches(".didx").to_string(),
                dir: path,
            }),
            "img" => Ok(BackupSource::Image {
                name: name.to_string(),
                path,
            }),
            "conf" | "log" | "json" | "key" | "blob" => Ok(BackupSource::Blob {
                name: name.trim_end_matches(".blob").to_string(),
                path,
            }),
            _ => Err(EngineError::Refused(format!(
                "unknown archive type {ext:?} in {name:?} (use .pxar, .img, .conf, .log)"
            ))),
        }
    }
}

/// Extensions of PBS's `NAME.EXT:PATH` backup specs.
const SPEC_EXTENSIONS: [&str; 8] = ["pxar", "didx", "img", "conf", "log", "json", "key", "blob"];

impl BackupSource {
    /// One `backup` argument: PBS's `NAME.EXT:PATH`, or a bare path whose archive is named after
    /// it: a directory `Documents` → `Documents.pxar`, a regular file or block device
    /// `disk.raw` → `disk.img` (a fixed index), `/` → `root.pxar`.
    pub fn from_arg(arg: &str) -> Result<Self> {
        let spec_like = arg.split_once(':').is_some_and(|(head, _)| {
            head.rsplit_once('.')
                .is_some_and(|(_, ext)| SPEC_EXTENSIONS.contains(&ext))
        });
        if spec_like {
            return Self::parse(arg);
        }
        let path = PathBuf::from(arg);
        let meta = std::fs::metadata(&path).map_err(|source| EngineError::Io {
            what: arg.to_string(),
            source,
        })?;
        let file_type = meta.file_type();
        // `.`, `..` and `dir/` have no usable last component of their own.
        let last = match std::fs::canonicalize(&path) {
            Ok(real) => real.file_name().map(|n| n.to_string_lossy().into_owned()),
            Err(_) => path.file_name().map(|n| n.to_string_lossy().into_owned()),
        };
        use std::os::unix::fs::FileTypeExt;
        if file_type.is_dir() {
            let stem = last.as_deref().map(archive_stem);
            let name = stem
                .filter(|s| !s.is_empty())
                .unwrap_or_else(|| "root".into());
            Ok(BackupSource::Pxar {
                name: format!("{name}.pxar"),
                dir: path,
            })
        } else if file_type.is_file() || file_type.is_block_device() {
            let stem = last.as_deref().map(|n| match n.rsplit_once('.') {
                Some((stem, _)) if !stem.is_empty() => archive_stem(stem),
                _ => archive_stem(n),
            });
            let name = stem
                .filter(|s| !s.is_empty())
                .unwrap_or_else(|| "disk".into());
            Ok(BackupSource::Image {
                name: format!("{name}.img"),
                path,
            })
        } else {
            Err(EngineError::Refused(format!(
                "{arg}: not a directory, regular file or block device (name the archive: NAME.pxar:{arg})"
            )))
        }
    }
}

/// A file name made into an archive name under PBS's rule (`[A-Za-z0-9_-]+` before the
/// extension): every run of other characters becomes one `_`, none at either end.
/// `My Documents` → `My_Documents`, `.config` → `config`; empty when nothing is left.
pub fn archive_stem(name: &str) -> String {
    name.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '-'))
        .filter(|part| !part.is_empty())
        .collect::<Vec<_>>()
        .join("_")
}

/// How to tell what changed since the previous snapshot.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ChangeDetection {
    /// Unified `.pxar` with a catalog; every file is read.
    #[default]
    Legacy,
    /// Split archive; every file is read.
    Data,
    /// Split archive; unchanged files' payload is reused from the previous snapshot.
    Metadata,
}

/// Everything a backup needs besides the sources.
#[derive(Clone)]
pub struct BackupOptions {
    pub ns: Namespace,
    pub group: BackupGroup,
    pub backup_time: i64,
    pub owner: String,
    pub crypt_mode: CryptMode,
    /// The key (for `encrypt` and `sign-only`).
    pub crypt: Option<Arc<CryptConfig>>,
    /// The key file's creation time, kept in the master-key copy.
    pub key_created: i64,
    /// RSA public key PEM: store a copy of the key that it can open.
    pub master_pubkey: Option<Vec<u8>>,
    pub create: CreateOptions,
    pub change_detection: ChangeDetection,
    pub workers: usize,
    pub progress: Arc<Progress>,
    /// The average chunk size of archives (`--chunk-size`; PBS's 4 MiB by default).
    pub chunk_size: usize,
}

impl BackupOptions {
    pub fn new(ns: Namespace, group: BackupGroup, backup_time: i64, owner: &str) -> Self {
        BackupOptions {
            ns,
            group,
            backup_time,
            owner: owner.to_string(),
            crypt_mode: CryptMode::None,
            crypt: None,
            key_created: 0,
            master_pubkey: None,
            create: CreateOptions::default(),
            change_detection: ChangeDetection::Legacy,
            workers: default_workers(),
            progress: Arc::new(Progress::default()),
            chunk_size: PXAR_CHUNK_SIZE,
        }
    }

    /// The key used for chunks: only in `encrypt` mode.
    fn chunk_crypt(&self) -> Option<Arc<CryptConfig>> {
        (self.crypt_mode == CryptMode::Encrypt)
            .then(|| self.crypt.clone())
            .flatten()
    }
}

/// One archive written by a backup.
#[derive(Debug, Clone)]
pub struct ArchiveReport {
    pub name: String,
    pub size: u64,
    pub chunks: u64,
}

/// What a finished backup did.
#[derive(Debug, Clone)]
pub struct BackupReport {
    pub snapshot: SnapshotRef,
    pub archives: Vec<ArchiveReport>,
    pub bytes: u64,
    pub new_bytes: u64,
    pub stored_bytes: u64,
    pub chunks: u64,
    pub new_chunks: u64,
    /// Files whose contents came from the previous snapshot unread (metadata detection).
    pub reused_files: u64,
    pub warnings: Vec<String>,
}

/// Digests of the previous snapshot's archives, usable as "known" when the key matches.
/// The previous snapshot of the group, whether it may lend its chunks (same key, verified, not
/// failed), and the digests it lends.
type Previous = (Option<SnapshotRef>, HashSet<ChunkDigest>, Option<Manifest>);

fn known_chunks(repo: &dyn Repository, options: &BackupOptions) -> Result<Previous> {
    let snapshots = match repo.list_snapshots(&options.ns, Some(&options.group)) {
        Ok(s) => s,
        Err(RepoError::NotFound(_)) => return Ok((None, HashSet::new(), None)),
        Err(e) => return Err(e.into()),
    };
    // The newest snapshot whose manifest can be read (a damaged one lends nothing).
    let Some(previous) = snapshots.iter().rev().find(|s| s.is_readable()) else {
        return Ok((None, HashSet::new(), None));
    };
    let mut known = HashSet::new();
    // The stored manifest, not a server listing's summary of it: that carries neither the
    // files' checksums nor the signature, which the checks below need. A listed manifest with
    // every checksum is the stored one (a local datastore's) and is not read twice.
    let listed_whole = previous.manifest.files.iter().all(|f| !f.csum.is_empty());
    let manifest = if listed_whole {
        previous.manifest.clone()
    } else {
        match repo.read_manifest(&options.ns, &previous.snapshot) {
            Ok((manifest, _)) => manifest,
            Err(_) => return Ok((Some(previous.snapshot.clone()), known, None)),
        }
    };
    // A previous snapshot written with another key (or none) cannot lend its chunks, and one
    // that failed verification may reference bad chunks: upload everything again.
    let failed = manifest
        .unprotected
        .get("verify_state")
        .and_then(|v| v.get("state"))
        .and_then(|s| s.as_str())
        == Some("failed");
    if failed || manifest.verify(options.crypt.as_deref()).is_err() {
        return Ok((Some(previous.snapshot.clone()), known, None));
    }
    for file in &manifest.files {
        let wanted_mode = if options.crypt_mode == CryptMode::Encrypt {
            CryptMode::Encrypt
        } else {
            CryptMode::None
        };
        let file_mode = if file.crypt_mode == CryptMode::SignOnly {
            CryptMode::None
        } else {
            file.crypt_mode
        };
        if file_mode != wanted_mode
            || !(file.filename.ends_with(".didx") || file.filename.ends_with(".fidx"))
        {
            continue;
        }
        let Ok(raw) = repo.read_file(&options.ns, &previous.snapshot, &file.filename) else {
            continue;
        };
        let (csum, size, digests) = if file.filename.ends_with(".didx") {
            let Ok(i) = DynamicIndex::decode(&raw) else {
                continue;
            };
            let (c, s) = i.compute_csum();
            (c, s, i.digests().to_vec())
        } else {
            let Ok(i) = FixedIndex::decode(&raw) else {
                continue;
            };
            let (c, s) = i.compute_csum();
            (c, s, i.digests().to_vec())
        };
        // Only an index that matches its manifest is trusted as a source of known chunks.
        if hex::encode(csum) == file.csum && size == file.size {
            known.extend(digests);
        }
    }
    Ok((Some(previous.snapshot.clone()), known, Some(manifest)))
}

/// Runs a backup of `sources` into a new snapshot.
pub fn run_backup(
    repo: &dyn Repository,
    sources: &[BackupSource],
    options: &BackupOptions,
) -> Result<BackupReport> {
    check_request(sources, options)?;
    let mut run = BackupRun::start(repo, options)?;
    for source in sources {
        if options.progress.is_cancelled() {
            return Err(EngineError::Cancelled);
        }
        match source {
            BackupSource::Pxar { name, dir }
                if options.change_detection == ChangeDetection::Legacy =>
            {
                run.add_pxar(name, dir)?
            }
            BackupSource::Pxar { name, dir } => run.add_split_pxar(name, dir)?,
            BackupSource::Image { name, path } => run.add_image(name, path)?,
            BackupSource::Blob { name, path } => run.add_blob(name, path)?,
        }
    }
    run.add_catalog()?;
    run.add_master_key_copy()?;
    run.finish()
}

/// Refuses a request that cannot make a snapshot: no sources, a name twice, a mode without
/// its key.
fn check_request(sources: &[BackupSource], options: &BackupOptions) -> Result<()> {
    if sources.is_empty() {
        return Err(EngineError::Refused(
            "nothing to back up: give at least one NAME.pxar:DIR or NAME.img:FILE".into(),
        ));
    }
    let mut names = HashSet::new();
    for s in sources {
        let name = match s {
            BackupSource::Pxar { name, .. }
            | BackupSource::Image { name, .. }
            | BackupSource::Blob { name, .. } => name,
        };
        if !names.insert(name.clone()) {
            return Err(EngineError::Refused(format!(
                "archive name {name:?} is given twice"
            )));
        }
    }
    if options.crypt_mode != CryptMode::None && options.crypt.is_none() {
        return Err(EngineError::Refused(format!(
            "crypt mode {} needs a key (--keyfile)",
            options.crypt_mode
        )));
    }
    Ok(())
}

/// One backup in progress: the open writer, the manifest and report it fills, and the catalog
/// of its pxar archives. One method per kind of source, then `finish`.
struct BackupRun<'a> {
    repo: &'a dyn Repository,
    options: &'a BackupOptions,
    writer: Box<dyn BackupWriter>,
    sink: Arc<dyn crate::repo::ChunkSink>,
    known: Arc<HashSet<ChunkDigest>>,
    /// The previous snapshot (the server's dedup base) and its manifest, when usable.
    base: Option<SnapshotRef>,
    previous_manifest: Option<Manifest>,
    manifest: Manifest,
    report: BackupReport,
    catalog: Option<CatalogWriter<Vec<u8>>>,
}

impl<'a> BackupRun<'a> {
    fn start(repo: &'a dyn Repository, options: &'a BackupOptions) -> Result<Self> {
        let snapshot = SnapshotRef::new(options.group.clone(), options.backup_time);
        let (base, known, previous_manifest) = known_chunks(repo, options)?;
        let writer = repo.start_backup(&options.ns, &snapshot, &options.owner, base.as_ref())?;
        Ok(BackupRun {
            repo,
            options,
            sink: writer.chunk_sink(),
            writer,
            known: Arc::new(known),
            base,
            previous_manifest,
            manifest: Manifest::new(
                options.group.ty.as_str(),
                &options.group.id,
                options.backup_time,
            ),
            report: BackupReport {
                snapshot,
                archives: Vec::new(),
                bytes: 0,
                new_bytes: 0,
                stored_bytes: 0,
                chunks: 0,
                new_chunks: 0,
                reused_files: 0,
                warnings: Vec::new(),
            },
            catalog: None,
        })
    }

    /// A chunk stream into this backup's store, on the worker pool.
    fn uploader(&self, chunking: Chunking) -> Result<ChunkUploader> {
        ChunkUploader::new(
            chunking,
            self.sink.clone(),
            self.options.chunk_crypt(),
            self.known.clone(),
            self.options.progress.clone(),
            self.options.workers,
        )
        .map_err(|source| EngineError::Io {
            what: "start chunk workers".into(),
            source,
        })
    }

    fn store_index(&mut self, name: &str, result: &UploadResult) -> Result<()> {
        store_index(
            &mut *self.writer,
            &mut self.manifest,
            &mut self.report,
            name,
            result,
            self.options.crypt_mode,
        )
    }

    /// `NAME.pxar:DIR` as one archive, its entries going into the snapshot's catalog.
    fn add_pxar(&mut self, name: &str, dir: &Path) -> Result<()> {
        let options = self.options;
        let didx_name = format!("{name}.didx");
        self.writer.begin_index(&didx_name, None)?;
        let upload = self.uploader(Chunking::Dynamic(options.chunk_size))?;
        let cat = match self.catalog.as_mut() {
            Some(c) => c,
            None => self
                .catalog
                .insert(CatalogWriter::new(Vec::new()).map_err(format_err("catalog"))?),
        };
        let (upload, stats) = create_archive_with_copier(
            dir,
            upload,
            |uploader: &mut ChunkUploader, src, size, _| uploader.copy_content(src, size),
            Some((cat, didx_name.as_bytes())),
            &options.create,
        )
        .map_err(|e| cancelled_or(e, &options.progress))?;
        self.report.warnings.extend(stats.warnings);
        let result = upload.finish()?;
        self.store_index(&didx_name, &result)
    }

    /// `NAME.pxar:DIR` split: `root.pxar` becomes `root.mpxar.didx` + `root.ppxar.didx`, with
    /// unchanged files' payload lent by the previous snapshot in metadata mode.
    fn add_split_pxar(&mut self, name: &str, dir: &Path) -> Result<()> {
        let options = self.options;
        let stem = name.trim_end_matches(".pxar");
        let (meta_name, payload_name) =
            (format!("{stem}.mpxar.didx"), format!("{stem}.ppxar.didx"));
        self.writer.begin_index(&meta_name, None)?;
        self.writer.begin_index(&payload_name, None)?;
        let payload = self.uploader(Chunking::Dynamic(options.chunk_size))?;
        let payload_slot = Arc::new(std::sync::Mutex::new(Some(payload)));
        let payload_writer = SharedUploader(payload_slot.clone());
        let mut previous = match (
            options.change_detection,
            &self.base,
            &self.previous_manifest,
        ) {
            (ChangeDetection::Metadata, Some(base), Some(prev_manifest)) => load_previous_payload(
                self.repo,
                options,
                base,
                prev_manifest,
                stem,
                payload_slot.clone(),
            )?,
            _ => None,
        };
        let (meta, stats) = create_split_archive_with_reuse(
            dir,
            self.uploader(Chunking::Dynamic(options.chunk_size))?,
            Box::new(payload_writer),
            &options.create,
            previous
                .as_mut()
                .map(|p| p as &mut dyn crate::archive::create::PayloadReuse),
        )
        .map_err(|e| cancelled_or(e, &options.progress))?;
        self.report.reused_files += stats.reused_files;
        self.report.warnings.extend(stats.warnings);
        let meta_result = meta.finish()?;
        let payload = payload_slot
            .lock()
            .ok()
            .and_then(|mut slot| slot.take())
            .ok_or_else(|| EngineError::Refused("payload stream lost".into()))?;
        let payload_result = payload.finish()?;
        self.store_index(&meta_name, &meta_result)?;
        self.store_index(&payload_name, &payload_result)
    }

    /// `NAME.img:FILE` as a fixed index.
    fn add_image(&mut self, name: &str, path: &Path) -> Result<()> {
        let progress = &self.options.progress;
        let io_err = |source| EngineError::Io {
            what: path.display().to_string(),
            source,
        };
        let mut file = std::fs::File::open(path).map_err(io_err)?;
        let image_size = io::Seek::seek(&mut file, io::SeekFrom::End(0))
            .and_then(|n| io::Seek::seek(&mut file, io::SeekFrom::Start(0)).map(|_| n))
            .map_err(io_err)?;
        let fidx_name = format!("{name}.fidx");
        self.writer.begin_index(&fidx_name, Some(image_size))?;
        let mut upload = self.uploader(Chunking::Fixed)?;
        upload.copy_from(&mut file).map_err(|source| {
            if progress.is_cancelled() {
                EngineError::Cancelled
            } else {
                io_err(source)
            }
        })?;
        let result = upload.finish()?;
        if result.size == 0 {
            return Err(EngineError::Refused(format!(
                "image {} is empty",
                path.display()
            )));
        }
        self.store_index(&fidx_name, &result)
    }

    /// `NAME.conf:FILE` (any name but pxar/img) as one blob.
    fn add_blob(&mut self, name: &str, path: &Path) -> Result<()> {
        let data = read_small_file(path)?;
        let raw = blob::encode(&data, self.options.chunk_crypt().as_deref(), true)
            .map_err(format_err(path.display().to_string()))?;
        let blob_name = format!("{name}.blob");
        self.writer.upload_blob(&blob_name, &raw)?;
        self.manifest.files.push(FileInfo {
            filename: blob_name.clone(),
            crypt_mode: self.options.crypt_mode,
            size: raw.len() as u64,
            csum: hex::encode(sha256(&raw)),
        });
        self.report.archives.push(ArchiveReport {
            name: blob_name,
            size: data.len() as u64,
            chunks: 0,
        });
        Ok(())
    }

    /// The catalog of the pxar archives, when there were any (legacy mode).
    fn add_catalog(&mut self) -> Result<()> {
        let Some(cat) = self.catalog.take() else {
            return Ok(());
        };
        let bytes = cat.finish().map_err(format_err("catalog"))?;
        self.writer.begin_index(CATALOG_NAME, None)?;
        let mut upload = self.uploader(Chunking::Dynamic(CATALOG_CHUNK_SIZE))?;
        io::Write::write_all(&mut upload, &bytes).map_err(|source| EngineError::Io {
            what: "catalog".into(),
            source,
        })?;
        let result = upload.finish()?;
        self.store_index(CATALOG_NAME, &result)
    }

    /// The key, sealed for the master public key, when there is one.
    fn add_master_key_copy(&mut self) -> Result<()> {
        let options = self.options;
        let (Some(pem), Some(crypt)) = (&options.master_pubkey, &options.crypt) else {
            return Ok(());
        };
        let copy = KeyConfig::without_passphrase(
            crypt.raw_key(),
            options.key_created,
            chrono::Utc::now().timestamp(),
        )
        .map_err(format_err("key"))?;
        let sealed =
            master_key::encrypt_key_config(pem, &copy).map_err(format_err("master public key"))?;
        let raw =
            blob::encode_uncompressed(&sealed).map_err(format_err(ENCRYPTED_KEY_BLOB_NAME))?;
        self.writer.upload_blob(ENCRYPTED_KEY_BLOB_NAME, &raw)?;
        self.manifest.files.push(FileInfo {
            filename: ENCRYPTED_KEY_BLOB_NAME.into(),
            crypt_mode: options.crypt_mode,
            size: raw.len() as u64,
            csum: hex::encode(sha256(&raw)),
        });
        Ok(())
    }

    /// The manifest (upload statistics, signature) written last: the snapshot appears.
    fn finish(self) -> Result<BackupReport> {
        let BackupRun {
            options,
            writer,
            mut manifest,
            mut report,
            ..
        } = self;
        let p = &options.progress;
        report.bytes = Progress::get(&p.bytes);
        report.new_bytes = Progress::get(&p.new_bytes);
        report.stored_bytes = Progress::get(&p.stored_bytes);
        report.chunks = Progress::get(&p.chunks);
        report.new_chunks = Progress::get(&p.new_chunks);
        manifest.set_unprotected(
            "chunk_upload_stats",
            serde_json::json!({
                "count": report.new_chunks,
                "size": report.new_bytes,
                "compressed_size": report.stored_bytes,
                "duplicates": report.chunks - report.new_chunks,
            }),
        );
        if let Some(crypt) = &options.crypt {
            if options.crypt_mode != CryptMode::None {
                manifest
                    .sign(crypt)
                    .map_err(format_err(MANIFEST_BLOB_NAME))?;
            }
        }
        let json = manifest
            .to_json_bytes()
            .map_err(format_err(MANIFEST_BLOB_NAME))?;
        let manifest_blob =
            blob::encode(&json, None, true).map_err(format_err(MANIFEST_BLOB_NAME))?;
        if options.progress.is_cancelled() {
            return Err(EngineError::Cancelled);
        }
        writer.finish(&manifest_blob)?;
        Ok(report)
    }
}

/// The previous snapshot's split archive `stem`, ready to lend unchanged files' payload.
fn load_previous_payload(
    repo: &dyn Repository,
    options: &BackupOptions,
    base: &SnapshotRef,
    manifest: &Manifest,
    stem: &str,
    uploader: Arc<std::sync::Mutex<Option<ChunkUploader>>>,
) -> Result<Option<crate::engine::reuse::PreviousPayload>> {
    let (Some(meta_file), Some(payload_file)) = (
        manifest.file(&format!("{stem}.mpxar.didx")),
        manifest.file(&format!("{stem}.ppxar.didx")),
    ) else {
        return Ok(None);
    };
    if meta_file.crypt_mode != options.crypt_mode || payload_file.crypt_mode != options.crypt_mode {
        return Ok(None);
    }
    let meta_index = crate::engine::restore::open_index(repo, &options.ns, base, meta_file)?;
    let payload_index = crate::engine::restore::open_index(repo, &options.ns, base, payload_file)?;
    let chunks =
        crate::engine::restore::chunk_reader(repo.handle(), meta_file, options.chunk_crypt())?;
    Ok(Some(crate::engine::reuse::PreviousPayload::load(
        chunks,
        meta_index,
        payload_index,
        uploader,
    )?))
}

fn cancelled_or(e: CreateError, progress: &Progress) -> EngineError {
    if progress.is_cancelled() {
        EngineError::Cancelled
    } else {
        EngineError::Archive(e)
    }
}

fn store_index(
    writer: &mut dyn BackupWriter,
    manifest: &mut Manifest,
    report: &mut BackupReport,
    name: &str,
    result: &UploadResult,
    mode: CryptMode,
) -> Result<()> {
    if result.chunk_count == 0 {
        // PBS refuses empty indexes; an empty stream cannot come from pxar (it has a root entry).
        return Err(EngineError::Refused(format!("{name}: archive is empty")));
    }
    writer.upload_index(name, &result.index)?;
    manifest.files.push(FileInfo {
        filename: name.to_string(),
        crypt_mode: mode,
        size: result.size,
        csum: hex::encode(result.csum),
    });
    report.archives.push(ArchiveReport {
        name: name.to_string(),
        size: result.size,
        chunks: result.chunk_count,
    });
    Ok(())
}

fn read_small_file(path: &std::path::Path) -> Result<Vec<u8>> {
    let file = std::fs::File::open(path).map_err(|source| EngineError::Io {
        what: path.display().to_string(),
        source,
    })?;
    let mut data = Vec::new();
    // LIMIT: blobs stay under PBS's upload limit of 16 MiB.
    file.take(limits::MAX_CHUNK_SIZE as u64 + 1)
        .read_to_end(&mut data)
        .map_err(|source| EngineError::Io {
            what: path.display().to_string(),
            source,
        })?;
    if data.len() > limits::MAX_CHUNK_SIZE {
        return Err(EngineError::Refused(format!(
            "{}: larger than 16 MiB; back it up as an .img or inside a .pxar",
            path.display()
        )));
    }
    Ok(data)
}

/// The payload uploader, shared so it can be finished after the split encoder is done with it.
struct SharedUploader(Arc<std::sync::Mutex<Option<ChunkUploader>>>);

impl io::Write for SharedUploader {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self.0.lock() {
            Ok(mut slot) => match slot.as_mut() {
                Some(u) => u.write(buf),
                None => Err(io::Error::other("payload stream closed")),
            },
            Err(_) => Err(io::Error::other("payload stream poisoned")),
        }
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn archive_names_follow_pbs_rules() {
        assert_eq!(archive_stem("Documents"), "Documents");
        assert_eq!(archive_stem("My Documents"), "My_Documents");
        assert_eq!(archive_stem(".config"), "config");
        assert_eq!(archive_stem("a..b-c_d"), "a_b-c_d");
        assert_eq!(archive_stem("Документы"), "");
    }

    #[test]
    fn bare_paths_name_their_archive() {
        let dir = tempfile::tempdir().unwrap();
        let docs = dir.path().join("My Docs");
        std::fs::create_dir(&docs).unwrap();
        let image = dir.path().join("disk.raw");
        std::fs::write(&image, [0u8; 512]).unwrap();
        let arg = |p: &std::path::Path| BackupSource::from_arg(p.to_str().unwrap()).unwrap();
        assert_eq!(
            arg(&docs),
            BackupSource::Pxar {
                name: "My_Docs.pxar".into(),
                dir: docs.clone()
            }
        );
        assert_eq!(
            arg(&docs.join(".")),
            BackupSource::Pxar {
                name: "My_Docs.pxar".into(),
                dir: docs.join(".")
            }
        );
        assert_eq!(
            arg(&image),
            BackupSource::Image {
                name: "disk.img".into(),
                path: image.clone()
            }
        );
        assert_eq!(
            BackupSource::from_arg("/").unwrap(),
            BackupSource::Pxar {
                name: "root.pxar".into(),
                dir: "/".into()
            }
        );
        // PBS's long form is still the long form.
        assert_eq!(
            BackupSource::from_arg("etc.pxar:/etc").unwrap(),
            BackupSource::Pxar {
                name: "etc.pxar".into(),
                dir: "/etc".into()
            }
        );
        assert!(BackupSource::from_arg(dir.path().join("missing").to_str().unwrap()).is_err());
    }
}
