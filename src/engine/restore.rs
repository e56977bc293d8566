//! Restore: an archive of a snapshot to a directory, a file or standard output, verifying the
//! manifest (key fingerprint and signature) before anything is written and every chunk it uses.
//!
//! Directory archives go through the one audited restore writer in `archive::restore`.

use crate::archive::restore::{
    restore_archive_with_payload, RestoreOptions, RestoreStats, SplitPayload,
};
use crate::engine::backup::{EngineError, Result, ENCRYPTED_KEY_BLOB_NAME};
use crate::engine::pipeline::default_workers;
use crate::engine::progress::Progress;
use crate::engine::reader::{AnyIndex, ChunkReader, PrefetchReader};
use crate::format::blob;
use crate::format::crypt::CryptConfig;
use crate::format::index::{check_against_manifest, DynamicIndex, FixedIndex};
use crate::format::limits;
use crate::format::manifest::{CryptMode, FileInfo, Manifest};
use crate::format::pxar::decoder::Decoder;
use crate::repo::types::{Namespace, SnapshotRef};
use crate::repo::Repository;
use std::io::{self, BufReader, Read, Seek, SeekFrom, Write};
use std::path::Path;
use std::sync::Arc;

/// Maps a user-given archive name to the stored file name (`root.pxar` → `root.pxar.didx`).
pub fn server_archive_name(name: &str) -> String {
    if name.ends_with(".didx") || name.ends_with(".fidx") || name.ends_with(".blob") {
        return name.to_string();
    }
    let ext = name.rsplit('.').next().unwrap_or_default();
    match ext {
        "pxar" | "mpxar" | "ppxar" | "pcat1" => format!("{name}.didx"),
        "img" => format!("{name}.fidx"),
        _ => format!("{name}.blob"),
    }
}

/// Reads and checks a snapshot's manifest against the key (before any byte is written).
pub fn open_manifest(
    repo: &dyn Repository,
    ns: &Namespace,
    snapshot: &SnapshotRef,
    crypt: Option<&CryptConfig>,
) -> Result<Manifest> {
    let (manifest, _) = repo.read_manifest(ns, snapshot)?;
    let encrypted = manifest
        .files
        .iter()
        .any(|f| f.crypt_mode == CryptMode::Encrypt);
    // Without a key, unencrypted snapshots of a signed backup may still be read.
    if crypt.is_some() || encrypted {
        manifest
            .verify(crypt)
            .map_err(|source| EngineError::Format {
                what: snapshot.to_string(),
                source,
            })?;
    }
    Ok(manifest)
}

/// Reads an index file and checks it against the manifest's size and checksum.
pub fn open_index(
    repo: &dyn Repository,
    ns: &Namespace,
    snapshot: &SnapshotRef,
    file: &FileInfo,
) -> Result<AnyIndex> {
    let raw = repo.read_file(ns, snapshot, &file.filename)?;
    let what = format!("{snapshot}/{}", file.filename);
    let index = if file.filename.ends_with(".didx") {
        AnyIndex::Dynamic(
            DynamicIndex::decode(&raw).map_err(|source| EngineError::Format {
                what: what.clone(),
                source,
            })?,
        )
    } else if file.filename.ends_with(".fidx") {
        AnyIndex::Fixed(
            FixedIndex::decode(&raw).map_err(|source| EngineError::Format {
                what: what.clone(),
                source,
            })?,
        )
    } else {
        return Err(EngineError::Refused(format!("{what} is not an index")));
    };
    check_against_manifest(&what, index.compute_csum(), &file.csum, file.size)
        .map_err(|source| EngineError::Format { what, source })?;
    Ok(index)
}

/// A chunk reader for one archive of a snapshot, read front to back: each chunk is read once
/// (ahead, by the prefetcher), so it keeps no cache.
pub fn chunk_reader(
    repo: Arc<dyn Repository>,
    file: &FileInfo,
    crypt: Option<Arc<CryptConfig>>,
) -> Result<Arc<ChunkReader>> {
    let encrypted = file.crypt_mode == CryptMode::Encrypt;
    if encrypted && crypt.is_none() {
        return Err(EngineError::Refused(format!(
            "{} is encrypted: give the key with --keyfile",
            file.filename
        )));
    }
    Ok(Arc::new(ChunkReader::new(repo, crypt, encrypted, 0)))
}

/// A snapshot's whole catalog stream (`catalog.pcat1`), read ahead in parallel, bounded by
/// `MAX_CATALOG_SIZE` and checked to open as a catalog.
pub fn read_catalog(
    repo: Arc<dyn Repository>,
    ns: &Namespace,
    snapshot: &SnapshotRef,
    file: &FileInfo,
    crypt: Option<Arc<CryptConfig>>,
) -> Result<Vec<u8>> {
    let what = format!("{snapshot}/{}", file.filename);
    let index = Arc::new(open_index(&*repo, ns, snapshot, file)?);
    // LIMIT: the catalog is read whole; refuse absurd sizes rather than exhaust memory.
    if index.size() > limits::MAX_CATALOG_SIZE {
        return Err(EngineError::Refused(format!(
            "{what}: catalog of {} bytes is too large to load",
            index.size()
        )));
    }
    let chunks = chunk_reader(repo, file, crypt)?;
    let mut bytes = Vec::with_capacity(index.size() as usize);
    PrefetchReader::new(chunks, index, default_workers())
        .read_to_end(&mut bytes)
        .map_err(|source| EngineError::Io {
            what: what.clone(),
            source,
        })?;
    crate::format::catalog::CatalogReader::new(&bytes)
        .map_err(|source| EngineError::Format { what, source })?;
    Ok(bytes)
}

/// Passes an archive stream through, adding what is read to a progress counter.
struct CountingReader<R> {
    inner: R,
    progress: Option<Arc<Progress>>,
}

impl<R: Read> Read for CountingReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        if let Some(p) = &self.progress {
            Progress::add(&p.bytes, n as u64);
        }
        Ok(n)
    }
}

/// Where restored bytes go.
pub enum RestoreTarget<'a> {
    /// A directory (pxar archives) or a file (images and blobs).
    Path(&'a Path),
    /// The raw archive stream or file content.
    Writer(&'a mut dyn Write),
}

/// One restore: which archive (e.g. `root.pxar`, `disk.img`, `qemu-server.conf`) of which
/// snapshot, with what key, which part of it and how; `run` sends it to a target.
pub struct RestoreRequest<'a> {
    repo: Arc<dyn Repository>,
    ns: &'a Namespace,
    snapshot: &'a SnapshotRef,
    archive: &'a str,
    crypt: Option<Arc<CryptConfig>>,
    sub_path: &'a [u8],
    options: RestoreOptions,
    progress: Option<Arc<Progress>>,
}

impl<'a> RestoreRequest<'a> {
    /// The whole archive, without a key, with the default options.
    pub fn new(
        repo: Arc<dyn Repository>,
        ns: &'a Namespace,
        snapshot: &'a SnapshotRef,
        archive: &'a str,
    ) -> Self {
        RestoreRequest {
            repo,
            ns,
            snapshot,
            archive,
            crypt: None,
            sub_path: b"",
            options: RestoreOptions::default(),
            progress: None,
        }
    }

    /// The key of an encrypted snapshot.
    pub fn key(mut self, crypt: Option<Arc<CryptConfig>>) -> Self {
        self.crypt = crypt;
        self
    }

    /// Only this path inside the archive (`/etc`; empty or `/` for all of it).
    pub fn sub_path(mut self, sub_path: &'a [u8]) -> Self {
        self.sub_path = sub_path;
        self
    }

    pub fn options(mut self, options: RestoreOptions) -> Self {
        self.options = options;
        self
    }

    /// Counts the archive bytes read into `progress.bytes` (and files into `progress.files`).
    pub fn progress(mut self, progress: Option<Arc<Progress>>) -> Self {
        self.progress = progress;
        self
    }

    pub fn run(self, target: RestoreTarget<'_>) -> Result<RestoreStats> {
        restore(self, target)
    }
}

fn restore(request: RestoreRequest<'_>, target: RestoreTarget<'_>) -> Result<RestoreStats> {
    let RestoreRequest {
        repo,
        ns,
        snapshot,
        archive,
        crypt,
        sub_path,
        mut options,
        progress,
    } = request;
    if let Some(p) = &progress {
        options.file_counter = Some(p.files.clone());
    }
    let mut name = server_archive_name(archive);
    let manifest = if crypt.is_none() && name == ENCRYPTED_KEY_BLOB_NAME {
        // The master-key copy of the key is for when the key is lost: as PBS does, it is read
        // without one (the manifest's key fingerprint is not checked; the blob's checksum is).
        repo.read_manifest(ns, snapshot)?.0
    } else {
        open_manifest(&*repo, ns, snapshot, crypt.as_deref())?
    };
    // A split archive is named by its metadata half.
    if manifest.file(&name).is_none() && name.ends_with(".pxar.didx") {
        let split = name.replace(".pxar.didx", ".mpxar.didx");
        if manifest.file(&split).is_some() {
            name = split;
        }
    }
    let file = manifest.file(&name).cloned().ok_or_else(|| {
        let names: Vec<&str> = manifest.files.iter().map(|f| f.filename.as_str()).collect();
        EngineError::Refused(format!(
            "{snapshot} has no archive {archive:?} (it has: {})",
            names.join(", ")
        ))
    })?;
    if file.filename.ends_with(".blob") {
        let raw = repo.read_file(ns, snapshot, &file.filename)?;
        if hex::encode(crate::format::digest::sha256(&raw)) != file.csum {
            return Err(EngineError::Refused(format!(
                "{snapshot}/{}: checksum does not match the manifest",
                file.filename
            )));
        }
        let key = if blob::check_header_and_crc(&raw)
            .map(|k| k.is_encrypted())
            .unwrap_or(false)
        {
            crypt.as_deref()
        } else {
            None
        };
        let data = blob::decode(&raw, key, limits::MAX_BLOB_SIZE).map_err(|source| {
            EngineError::Format {
                what: file.filename.clone(),
                source,
            }
        })?;
        write_all_to(target, &data, &file.filename)?;
        return Ok(RestoreStats {
            files: 1,
            bytes: data.len() as u64,
            ..RestoreStats::default()
        });
    }
    let index = Arc::new(open_index(&*repo, ns, snapshot, &file)?);
    if let Some(p) = &progress {
        // The whole archive stream is read even for a sub-path: its size is the total.
        p.total
            .store(index.size(), std::sync::atomic::Ordering::Relaxed);
    }
    let chunks = chunk_reader(repo.clone(), &file, crypt.clone())?;
    let workers = default_workers().max(repo.read_parallelism());
    let stream = BufReader::with_capacity(
        1 << 20,
        CountingReader {
            inner: PrefetchReader::new(chunks, index.clone(), workers),
            progress: progress.clone(),
        },
    );
    let is_pxar = file.filename.ends_with(".pxar.didx") || file.filename.ends_with(".mpxar.didx");
    match target {
        RestoreTarget::Writer(out) => {
            let mut stream = stream;
            let n = io::copy(&mut stream, out).map_err(|source| EngineError::Io {
                what: file.filename.clone(),
                source,
            })?;
            Ok(RestoreStats {
                files: 1,
                bytes: n,
                ..RestoreStats::default()
            })
        }
        RestoreTarget::Path(path) if is_pxar => {
            let mut decoder = Decoder::new(stream);
            if file.filename.ends_with(".mpxar.didx") {
                let payload_name = file.filename.replace(".mpxar.didx", ".ppxar.didx");
                let payload_file = manifest.file(&payload_name).cloned().ok_or_else(|| {
                    EngineError::Refused(format!("{snapshot}: {payload_name} is missing"))
                })?;
                let payload_index = Arc::new(open_index(&*repo, ns, snapshot, &payload_file)?);
                if let Some(p) = &progress {
                    Progress::add(&p.total, payload_index.size());
                }
                let payload_chunks = chunk_reader(repo.clone(), &payload_file, crypt.clone())?;
                // First pass over the (small) metadata stream: which payload chunks hold file
                // contents. The rest is padding of reused chunks and is skipped undecoded.
                let needed = needed_payload_chunks(
                    PrefetchReader::new(
                        chunk_reader(repo.clone(), &file, crypt)?,
                        index.clone(),
                        workers,
                    ),
                    &payload_index,
                )?;
                let payload_stream = BufReader::with_capacity(
                    1 << 20,
                    CountingReader {
                        inner: PrefetchReader::selective(
                            payload_chunks,
                            payload_index,
                            workers,
                            Some(Arc::new(needed)),
                        ),
                        progress,
                    },
                );
                let mut payload = SplitPayload::new(payload_stream);
                Ok(restore_archive_with_payload(
                    &mut decoder,
                    Some(&mut payload),
                    path,
                    sub_path,
                    options,
                )?)
            } else {
                Ok(restore_archive_with_payload::<_, io::Empty>(
                    &mut decoder,
                    None,
                    path,
                    sub_path,
                    options,
                )?)
            }
        }
        RestoreTarget::Path(path) => restore_image(stream, path, index.size(), &file.filename),
    }
}

/// Restores (part of) a lone archive file into `target` through the one restore writer: a
/// `.pxar` file, or the metadata and payload files of a split archive.
pub fn restore_archive_file(
    metadata: std::fs::File,
    payload: Option<std::fs::File>,
    target: &Path,
    sub_path: &[u8],
    options: RestoreOptions,
) -> Result<RestoreStats> {
    let mut decoder = Decoder::new(BufReader::with_capacity(1 << 20, metadata));
    Ok(match payload {
        Some(p) => {
            let mut payload = SplitPayload::new(BufReader::with_capacity(1 << 20, p));
            restore_archive_with_payload(
                &mut decoder,
                Some(&mut payload),
                target,
                sub_path,
                options,
            )?
        }
        None => restore_archive_with_payload::<_, io::Empty>(
            &mut decoder,
            None,
            target,
            sub_path,
            options,
        )?,
    })
}

/// Marks the payload chunks that hold the PAYLOAD items the metadata stream references.
fn needed_payload_chunks(metadata: PrefetchReader, payload: &AnyIndex) -> Result<Vec<bool>> {
    let mut needed = vec![false; payload.chunk_count()];
    if let Some(first) = needed.first_mut() {
        *first = true; // the start marker
    }
    let mut decoder = Decoder::new(BufReader::with_capacity(1 << 20, metadata));
    while let Some(entry) = decoder.next_entry().map_err(|source| EngineError::Format {
        what: "metadata archive".into(),
        source,
    })? {
        if let crate::format::pxar::EntryKind::File {
            size,
            payload_offset,
            split: true,
        } = entry.kind
        {
            let start = payload_offset.saturating_sub(crate::format::pxar::HEADER_LEN);
            let end = payload_offset.saturating_add(size).max(start + 1);
            if let (Some(a), Some(b)) = (payload.chunk_at(start), payload.chunk_at(end - 1)) {
                for flag in needed.iter_mut().take(b + 1).skip(a) {
                    *flag = true;
                }
            }
        }
    }
    Ok(needed)
}

fn write_all_to(target: RestoreTarget<'_>, data: &[u8], what: &str) -> Result<()> {
    let io_err = |source| EngineError::Io {
        what: what.to_string(),
        source,
    };
    match target {
        RestoreTarget::Writer(out) => out.write_all(data).map_err(io_err),
        RestoreTarget::Path(path) => {
            if path.exists() {
                return Err(EngineError::Refused(format!(
                    "{} already exists",
                    path.display()
                )));
            }
            crate::util::atomic::create_new_file(path, data, 0o644).map_err(io_err)
        }
    }
}

/// Writes an image to a new file, leaving holes for all-zero blocks; the file appears under its
/// name only when complete.
fn restore_image(
    mut stream: impl Read,
    path: &Path,
    size: u64,
    what: &str,
) -> Result<RestoreStats> {
    let io_err = |source| EngineError::Io {
        what: format!("{what} → {}", path.display()),
        source,
    };
    if path.exists() {
        return Err(EngineError::Refused(format!(
            "{} already exists",
            path.display()
        )));
    }
    let temp = path.with_file_name(format!(
        ".{}.partial",
        path.file_name()
            .map(|n| n.to_string_lossy())
            .unwrap_or_default()
    ));
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&temp)
        .map_err(io_err)?;
    let result = (|| -> io::Result<u64> {
        let mut buf = vec![0u8; 1 << 20];
        let mut written = 0u64;
        loop {
            let n = stream.read(&mut buf)?;
            if n == 0 {
                break;
            }
            for piece in buf[..n].chunks(4096) {
                if piece.iter().all(|b| *b == 0) {
                    file.seek(SeekFrom::Current(piece.len() as i64))?;
                } else {
                    file.write_all(piece)?;
                }
            }
            written += n as u64;
        }
        file.set_len(written)?;
        file.sync_all()?;
        Ok(written)
    })();
    match result {
        Ok(written) if written == size => {
            std::fs::rename(&temp, path).map_err(io_err)?;
            Ok(RestoreStats {
                files: 1,
                bytes: written,
                ..RestoreStats::default()
            })
        }
        Ok(written) => {
            let _ = std::fs::remove_file(&temp);
            Err(EngineError::Refused(format!(
                "{what}: restored {written} bytes, the index says {size}"
            )))
        }
        Err(e) => {
            let _ = std::fs::remove_file(&temp);
            Err(io_err(e))
        }
    }
}
