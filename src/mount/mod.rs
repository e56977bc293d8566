//! Read-only FUSE mounts of a snapshot's archives: `mount_archive` (a pxar archive as a file
//! system) and `map_image` (a fixed-index image as one file), the `MountHandle` that unmounts
//! on drop, and the process's registry of mounts that the shell lists and cleans up.
//!
//! Never writes to the repository or the archive; every byte is read on demand through the
//! engine's `ChunkReader` (verified, cached, read ahead). Never prints except the one log line
//! per failed read (on stderr, naming the chunk), since a mount has no command to report to.

mod image_fs;
mod pool;
mod pxar_fs;

use crate::engine::backup::EngineError;
use crate::engine::pipeline::default_workers;
use crate::engine::reader::{AnyIndex, ChunkReader, ChunkReaderStats, IndexReader};
use crate::engine::restore::{open_index, open_manifest, server_archive_name};
use crate::format::crypt::CryptConfig;
use crate::format::error::FormatError;
use crate::format::manifest::{CryptMode, FileInfo, Manifest};
use crate::format::pxar::accessor::Accessor;
use crate::repo::types::{Namespace, SnapshotRef};
use crate::repo::Repository;
use fuser::MountOption;
use pool::{Pool, ReadAhead};
use std::io;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use thiserror::Error;

/// A mount failure, naming what it is about.
#[derive(Debug, Error)]
pub enum MountError {
    #[error(transparent)]
    Engine(#[from] EngineError),
    #[error("{what}: {source}")]
    Format { what: String, source: FormatError },
    #[error("{path}: {action}: {source}")]
    Io {
        path: String,
        action: &'static str,
        source: io::Error,
    },
    #[error("{0}")]
    Refused(String),
}

impl MountError {
    /// The class of this failure (for exit statuses).
    pub fn class(&self) -> Option<crate::util::error_class::ErrorClass> {
        match self {
            MountError::Engine(e) => e.class(),
            MountError::Format { source, .. } => source.class(),
            MountError::Io { source, .. } => Some(crate::util::error_class::of_io(source)),
            MountError::Refused(_) => None,
        }
    }
}

pub type Result<T, E = MountError> = std::result::Result<T, E>;

/// How a mount reads.
#[derive(Debug, Clone)]
pub struct MountOptions {
    /// Bytes of decoded chunks kept in the LRU cache.
    pub cache_bytes: usize,
    /// Threads that serve reads (each read may wait for a chunk).
    pub read_threads: usize,
    /// Chunks fetched ahead of a sequential reader.
    pub read_ahead_chunks: usize,
    /// Let `fusermount` unmount when this process dies, however it dies (falls back to a
    /// plain mount when `fusermount` refuses).
    pub auto_unmount: bool,
}

impl Default for MountOptions {
    fn default() -> Self {
        MountOptions {
            cache_bytes: crate::engine::reader::DEFAULT_CACHE_BYTES,
            read_threads: 4,
            read_ahead_chunks: 2 * default_workers().max(2),
            auto_unmount: true,
        }
    }
}

/// One live mount; unmounts when dropped.
pub struct MountHandle {
    mountpoint: PathBuf,
    what: String,
    kind: MountKind,
    session: Option<fuser::BackgroundSession>,
    chunk_readers: Vec<Arc<ChunkReader>>,
}

/// What a mount shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MountKind {
    /// A pxar archive as a directory tree.
    Archive,
    /// An image as one file.
    Image,
}

/// A row of the mount list.
#[derive(Debug, Clone)]
pub struct MountInfo {
    pub mountpoint: PathBuf,
    /// `SNAPSHOT ARCHIVE`
    pub what: String,
    pub kind: MountKind,
    /// Chunks this process fetched for it (zero when another process serves it).
    pub stats: ChunkReaderStats,
    /// Whether this process serves it.
    pub served_here: bool,
}

impl MountHandle {
    pub fn mountpoint(&self) -> &Path {
        &self.mountpoint
    }

    /// `SNAPSHOT ARCHIVE` of what is mounted.
    pub fn what(&self) -> &str {
        &self.what
    }

    pub fn kind(&self) -> MountKind {
        self.kind
    }

    /// Chunks fetched from the repository so far (cache misses only).
    pub fn stats(&self) -> ChunkReaderStats {
        let mut total = ChunkReaderStats::default();
        for r in &self.chunk_readers {
            let s = r.stats();
            total.chunks_fetched += s.chunks_fetched;
            total.bytes_fetched += s.bytes_fetched;
        }
        total
    }

    /// Whether the file system is still being served (false once unmounted from outside).
    pub fn is_active(&self) -> bool {
        self.session
            .as_ref()
            .is_some_and(|s| !s.guard.is_finished())
    }

    pub fn info(&self) -> MountInfo {
        MountInfo {
            mountpoint: self.mountpoint.clone(),
            what: self.what.clone(),
            kind: self.kind,
            stats: self.stats(),
            served_here: true,
        }
    }

    /// Unmounts (lazily if the mount is busy) and waits briefly for the server thread.
    pub fn unmount(mut self) -> Result<()> {
        self.unmount_inner()
    }

    fn unmount_inner(&mut self) -> Result<()> {
        let Some(session) = self.session.take() else {
            return Ok(());
        };
        let mut result = Ok(());
        if !session.guard.is_finished() {
            result = kernel_unmount(&self.mountpoint);
        }
        // Dropping the rest of the session closes the fuse device (and the auto-unmount socket).
        let guard = {
            let s = session;
            s.guard
        };
        let deadline = Instant::now() + Duration::from_secs(5);
        while !guard.is_finished() && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(10));
        }
        if guard.is_finished() {
            let _ = guard.join();
        }
        result
    }
}

impl Drop for MountHandle {
    fn drop(&mut self) {
        if let Err(e) = self.unmount_inner() {
            crate::errln!("pbsh: unmount {}: {e}", self.mountpoint.display());
        }
    }
}

/// Unmounts at the kernel: directly as root (lazily when busy), else through `fusermount -u -z`.
fn kernel_unmount(mountpoint: &Path) -> Result<()> {
    let io_err = |source| MountError::Io {
        path: mountpoint.display().to_string(),
        action: "unmount",
        source,
    };
    let c_path = std::ffi::CString::new(mountpoint.as_os_str().as_encoded_bytes())
        .map_err(|_| MountError::Refused("mount point contains a NUL byte".into()))?;
    // SAFETY: a valid C string; umount2 has no other preconditions.
    if unsafe { libc::umount2(c_path.as_ptr(), 0) } == 0 {
        return Ok(());
    }
    let err = io::Error::last_os_error();
    match err.raw_os_error() {
        Some(libc::EBUSY) => {
            // SAFETY: as above.
            if unsafe { libc::umount2(c_path.as_ptr(), libc::MNT_DETACH) } == 0 {
                return Ok(());
            }
            Err(io_err(io::Error::last_os_error()))
        }
        Some(libc::EINVAL) => Ok(()), // not mounted (any more)
        Some(libc::EPERM) => {
            for bin in ["fusermount3", "fusermount"] {
                let status = std::process::Command::new(bin)
                    .args(["-u", "-z", "-q", "--"])
                    .arg(mountpoint)
                    .stdin(std::process::Stdio::null())
                    .stdout(std::process::Stdio::null())
                    .stderr(std::process::Stdio::null())
                    .status();
                match status {
                    Ok(s) if s.success() => return Ok(()),
                    Ok(_) => {
                        return Err(MountError::Refused(format!(
                            "{}: {bin} -u failed",
                            mountpoint.display()
                        )))
                    }
                    Err(_) => continue,
                }
            }
            Err(io_err(err))
        }
        _ => Err(io_err(err)),
    }
}

/// The manifest entries of an archive: itself, and for a split archive its payload half.
fn archive_files(
    manifest: &Manifest,
    snapshot: &SnapshotRef,
    archive: &str,
) -> Result<(FileInfo, Option<FileInfo>)> {
    let mut name = server_archive_name(archive);
    // A split archive is named by its plain name or either half.
    if manifest.file(&name).is_none() && name.ends_with(".pxar.didx") {
        name = name.replace(".pxar.didx", ".mpxar.didx");
    }
    if name.ends_with(".ppxar.didx") {
        name = name.replace(".ppxar.didx", ".mpxar.didx");
    }
    let file = manifest.file(&name).cloned().ok_or_else(|| {
        let names: Vec<&str> = manifest.files.iter().map(|f| f.filename.as_str()).collect();
        MountError::Refused(format!(
            "{snapshot} has no archive {archive:?} (it has: {})",
            names.join(", ")
        ))
    })?;
    if file.filename.ends_with(".mpxar.didx") {
        let payload_name = file.filename.replace(".mpxar.didx", ".ppxar.didx");
        let payload = manifest
            .file(&payload_name)
            .cloned()
            .ok_or_else(|| MountError::Refused(format!("{snapshot}: {payload_name} is missing")))?;
        return Ok((file, Some(payload)));
    }
    Ok((file, None))
}

/// A caching chunk reader for an archive, refusing an encrypted one without its key.
fn chunk_reader(
    repo: &Arc<dyn Repository>,
    file: &FileInfo,
    crypt: &Option<Arc<CryptConfig>>,
    cache_bytes: usize,
) -> Result<Arc<ChunkReader>> {
    let encrypted = file.crypt_mode == CryptMode::Encrypt;
    if encrypted && crypt.is_none() {
        return Err(MountError::Refused(format!(
            "{} is encrypted: give the key with --keyfile",
            file.filename
        )));
    }
    Ok(Arc::new(ChunkReader::new(
        repo.clone(),
        crypt.clone(),
        encrypted,
        cache_bytes,
    )))
}

fn check_mountpoint(mountpoint: &Path) -> Result<PathBuf> {
    let io_err = |source| MountError::Io {
        path: mountpoint.display().to_string(),
        action: "mount point",
        source,
    };
    let meta = std::fs::metadata(mountpoint).map_err(io_err)?;
    if !meta.is_dir() {
        return Err(MountError::Refused(format!(
            "{}: mount point is not a directory",
            mountpoint.display()
        )));
    }
    let path = std::fs::canonicalize(mountpoint).map_err(io_err)?;
    if lock_registry().iter().any(|m| m.mountpoint == path) {
        return Err(MountError::Refused(format!(
            "{}: already mounted by this session",
            path.display()
        )));
    }
    if system_mounts().iter().any(|m| m.mountpoint == path) {
        return Err(MountError::Refused(format!(
            "{}: already a pbsh mount (`umount` it first)",
            path.display()
        )));
    }
    Ok(path)
}

/// Mounts a pxar archive (`root.pxar`, or a split `root.mpxar`/`.ppxar` pair) of a snapshot
/// read-only at `mountpoint`. The returned handle unmounts when dropped.
pub fn mount_archive(
    repo: Arc<dyn Repository>,
    ns: &Namespace,
    snapshot: &SnapshotRef,
    archive: &str,
    crypt: Option<Arc<CryptConfig>>,
    mountpoint: &Path,
    options: &MountOptions,
) -> Result<MountHandle> {
    let mountpoint = check_mountpoint(mountpoint)?;
    let manifest = open_manifest(&*repo, ns, snapshot, crypt.as_deref())?;
    let (file, payload) = archive_files(&manifest, snapshot, archive)?;
    if !(file.filename.ends_with(".pxar.didx") || file.filename.ends_with(".mpxar.didx")) {
        return Err(MountError::Refused(format!(
            "{}: only pxar archives can be mounted (use `map` for images)",
            file.filename
        )));
    }
    let what = format!("{snapshot} {}", file.filename.trim_end_matches(".didx"));
    let index = Arc::new(open_index(&*repo, ns, snapshot, &file)?);
    let chunks = chunk_reader(&repo, &file, &crypt, options.cache_bytes)?;
    let mut chunk_readers = vec![chunks.clone()];
    let payload = match payload {
        Some(p) => {
            let payload_index = Arc::new(open_index(&*repo, ns, snapshot, &p)?);
            let payload_chunks = if p.crypt_mode == file.crypt_mode {
                chunks.clone()
            } else {
                let c = chunk_reader(&repo, &p, &crypt, options.cache_bytes)?;
                chunk_readers.push(c.clone());
                c
            };
            Some((payload_chunks, payload_index))
        }
        None => None,
    };
    let reads = Arc::new(Pool::new("pbsh-fuse-read", options.read_threads));
    let prefetch = Arc::new(Pool::new("pbsh-fuse-ahead", default_workers().max(2)));
    let build = || -> Result<pxar_fs::PxarFs> {
        let metadata = IndexReader::new(chunks.clone(), index.clone());
        let (accessor, data) = match &payload {
            Some((pc, pi)) => (
                Accessor::new_split(metadata, IndexReader::new(pc.clone(), pi.clone())),
                (pc.clone(), pi.clone()),
            ),
            None => (Accessor::new(metadata), (chunks.clone(), index.clone())),
        };
        let format_err = |source| MountError::Format {
            what: what.clone(),
            source,
        };
        let accessor = accessor.map_err(format_err)?;
        let archive = pxar_fs::Archive {
            accessor,
            read_ahead: ReadAhead::new(data.0, data.1, options.read_ahead_chunks, prefetch.clone()),
            name: what.clone(),
        };
        pxar_fs::PxarFs::new(archive, reads.clone()).map_err(format_err)
    };
    let session = spawn(build, &mountpoint, &what, options)?;
    Ok(MountHandle {
        mountpoint,
        what,
        kind: MountKind::Archive,
        session: Some(session),
        chunk_readers,
    })
}

/// Maps an image (`disk.img`, a fixed index) of a snapshot as the one file `MOUNTDIR/disk.img`
/// of a read-only mount at `mountdir`.
pub fn map_image(
    repo: Arc<dyn Repository>,
    ns: &Namespace,
    snapshot: &SnapshotRef,
    image: &str,
    crypt: Option<Arc<CryptConfig>>,
    mountdir: &Path,
    options: &MountOptions,
) -> Result<MountHandle> {
    let mountpoint = check_mountpoint(mountdir)?;
    let manifest = open_manifest(&*repo, ns, snapshot, crypt.as_deref())?;
    let (file, _) = archive_files(&manifest, snapshot, image)?;
    if !file.filename.ends_with(".fidx") {
        return Err(MountError::Refused(format!(
            "{}: only images (fixed indexes) can be mapped (use `mount` for pxar archives)",
            file.filename
        )));
    }
    let file_name = file.filename.trim_end_matches(".fidx").to_string();
    let what = format!("{snapshot} {file_name}");
    let index: Arc<AnyIndex> = Arc::new(open_index(&*repo, ns, snapshot, &file)?);
    let chunks = chunk_reader(&repo, &file, &crypt, options.cache_bytes)?;
    let reads = Arc::new(Pool::new("pbsh-fuse-read", options.read_threads));
    let prefetch = Arc::new(Pool::new("pbsh-fuse-ahead", default_workers().max(2)));
    let mtime = std::time::UNIX_EPOCH
        + Duration::from_secs(u64::try_from(snapshot.time).unwrap_or_default());
    let build = || -> Result<image_fs::ImageFs> {
        Ok(image_fs::ImageFs::new(
            image_fs::Image {
                reader: IndexReader::new(chunks.clone(), index.clone()),
                read_ahead: ReadAhead::new(
                    chunks.clone(),
                    index.clone(),
                    options.read_ahead_chunks,
                    prefetch.clone(),
                ),
                file_name: file_name.clone(),
                name: what.clone(),
                mtime,
            },
            reads.clone(),
        ))
    };
    let session = spawn(build, &mountpoint, &what, options)?;
    Ok(MountHandle {
        mountpoint,
        what,
        kind: MountKind::Image,
        session: Some(session),
        chunk_readers: vec![chunks],
    })
}

/// Mounts a file system built by `build`: with auto-unmount first, then without.
fn spawn<FS: fuser::Filesystem + Send + 'static>(
    build: impl Fn() -> Result<FS>,
    mountpoint: &Path,
    what: &str,
    options: &MountOptions,
) -> Result<fuser::BackgroundSession> {
    let fsname: String = what
        .chars()
        .map(|c| {
            if c == ',' || c.is_whitespace() || c == '\\' {
                '_'
            } else {
                c
            }
        })
        .collect();
    let mut mount_options = vec![
        MountOption::RO,
        MountOption::NoDev,
        MountOption::NoSuid,
        MountOption::DefaultPermissions,
        MountOption::FSName(format!("pbsh:{fsname}")),
        MountOption::Subtype("pbsh".into()),
    ];
    let io_err = |source| MountError::Io {
        path: mountpoint.display().to_string(),
        action: "mount",
        source,
    };
    if options.auto_unmount {
        let mut with_auto = mount_options.clone();
        with_auto.push(MountOption::AutoUnmount);
        if let Ok(session) = fuser::Session::new(build()?, mountpoint, &with_auto) {
            return session.spawn().map_err(io_err);
        }
    }
    mount_options.retain(|o| *o != MountOption::AutoUnmount);
    let session = fuser::Session::new(build()?, mountpoint, &mount_options).map_err(io_err)?;
    session.spawn().map_err(io_err)
}

// ---- the registry of this process's mounts ----

static REGISTRY: Mutex<Vec<MountHandle>> = Mutex::new(Vec::new());
static ONE_SHOT: AtomicBool = AtomicBool::new(false);
static SIGNALLED: AtomicBool = AtomicBool::new(false);

fn lock_registry() -> std::sync::MutexGuard<'static, Vec<MountHandle>> {
    REGISTRY
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Keeps a mount alive until `unmount`, `unmount_all` or the end of a one-shot command.
pub fn register(handle: MountHandle) {
    lock_registry().push(handle);
}

/// The registered mounts that are still served (mounts unmounted from outside are dropped).
pub fn list() -> Vec<MountInfo> {
    let mut mounts = lock_registry();
    mounts.retain(MountHandle::is_active);
    mounts.iter().map(MountHandle::info).collect()
}

/// This process's mounts, then this user's other pbsh mounts (served by other processes).
pub fn list_all() -> Vec<MountInfo> {
    let mut all = list();
    for other in system_mounts() {
        if !all.iter().any(|m| m.mountpoint == other.mountpoint) {
            all.push(other);
        }
    }
    all
}

/// Unmounts the pbsh mount at `mountpoint`: one of this process's, or one of this user's that
/// another pbsh process serves (a detached one-shot mount, another shell's), which then ends.
pub fn unmount(mountpoint: &Path) -> Result<MountInfo> {
    let wanted = std::fs::canonicalize(mountpoint).unwrap_or_else(|_| mountpoint.to_path_buf());
    let handle = {
        let mut mounts = lock_registry();
        mounts
            .iter()
            .position(|m| m.mountpoint == wanted)
            .map(|pos| mounts.remove(pos))
    };
    if let Some(handle) = handle {
        let info = handle.info();
        handle.unmount()?;
        return Ok(info);
    }
    let info = system_mounts()
        .into_iter()
        .find(|m| m.mountpoint == wanted)
        .ok_or_else(|| {
            MountError::Refused(format!(
                "{}: not a pbsh mount of this user",
                mountpoint.display()
            ))
        })?;
    kernel_unmount(&info.mountpoint)?;
    Ok(info)
}

/// Unmounts every registered mount (at shell exit).
pub fn unmount_all() {
    let handles: Vec<MountHandle> = std::mem::take(&mut *lock_registry());
    drop(handles);
}

/// Marks this process as a one-shot command (`pbsh mount …`), which waits for its mounts.
pub fn set_one_shot(one_shot: bool) {
    ONE_SHOT.store(one_shot, Ordering::Relaxed);
}

pub fn is_one_shot() -> bool {
    ONE_SHOT.load(Ordering::Relaxed)
}

extern "C" fn on_signal(_: libc::c_int) {
    SIGNALLED.store(true, Ordering::Relaxed);
}

/// Blocks while registered mounts are served: until all are unmounted from outside or the
/// process gets SIGINT, SIGTERM or SIGHUP; then unmounts the rest cleanly.
pub fn wait_for_mounts() {
    if lock_registry().is_empty() {
        return;
    }
    for sig in [libc::SIGINT, libc::SIGTERM, libc::SIGHUP] {
        // SAFETY: the handler only stores to an atomic, which is async-signal-safe.
        unsafe {
            let mut action: libc::sigaction = std::mem::zeroed();
            action.sa_sigaction = on_signal as *const () as usize;
            libc::sigemptyset(&mut action.sa_mask);
            libc::sigaction(sig, &action, std::ptr::null_mut());
        }
    }
    while !SIGNALLED.load(Ordering::Relaxed) {
        if !lock_registry().iter().any(MountHandle::is_active) {
            break;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    unmount_all();
}

/// Tells a re-executed one-shot mount which descriptor to report readiness on.
const READY_FD_ENV: &str = "PBSH_MOUNT_READY_FD";

/// How the foreground half of a detached one-shot mount ended.
pub enum Detached {
    /// The background process has the mount up and serves it.
    Ready { child: u32 },
    /// The background process failed before the mount was up (it said why on stderr) and
    /// exited with this status.
    Failed { status: i32 },
}

/// Detaches a one-shot `pbsh mount`/`map`: runs this same command line again as a new process
/// that mounts in the foreground (with this terminal, so it can ask for passphrases), and
/// returns once that process reports the mount usable, or has failed.
///
/// A new process rather than a fork: a fork after the session started threads (a server
/// connection's runtime, chunk readers) would leave the child without them.
pub fn detach() -> Result<Detached> {
    let mut fds = [0 as libc::c_int; 2];
    // SAFETY: fds has room for two descriptors.
    if unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC) } != 0 {
        return Err(MountError::Io {
            path: "background mount".into(),
            action: "pipe",
            source: io::Error::last_os_error(),
        });
    }
    // SAFETY: pipe2 returned two descriptors that nothing else owns.
    let (read_end, write_end) = unsafe {
        use std::os::fd::FromRawFd;
        (
            std::fs::File::from_raw_fd(fds[0]),
            std::os::fd::OwnedFd::from_raw_fd(fds[1]),
        )
    };
    let write_fd = std::os::fd::AsRawFd::as_raw_fd(&write_end);
    let exe = std::env::current_exe().map_err(|source| MountError::Io {
        path: "/proc/self/exe".into(),
        action: "find this program",
        source,
    })?;
    let mut command = std::process::Command::new(exe);
    command
        .args(std::env::args_os().skip(1))
        .env(READY_FD_ENV, write_fd.to_string());
    use std::os::unix::process::CommandExt;
    // SAFETY: fcntl is async-signal-safe; the child keeps the write end across exec.
    unsafe {
        command.pre_exec(move || {
            if libc::fcntl(write_fd, libc::F_SETFD, 0) != 0 {
                return Err(io::Error::last_os_error());
            }
            Ok(())
        });
    }
    let mut child = command.spawn().map_err(|source| MountError::Io {
        path: "background mount".into(),
        action: "start",
        source,
    })?;
    drop(write_end);
    // "ok" once the mount is usable; end of file when the process ended without it.
    let mut report = [0u8; 2];
    if io::Read::read_exact(&mut &read_end, &mut report).is_ok() && &report == b"ok" {
        return Ok(Detached::Ready { child: child.id() });
    }
    let status = child.wait().map_err(|source| MountError::Io {
        path: "background mount".into(),
        action: "wait for",
        source,
    })?;
    Ok(Detached::Failed {
        status: status.code().unwrap_or(1).max(1),
    })
}

/// The report descriptor of the background half of a detached mount, once adopted.
static READY_FD: std::sync::OnceLock<libc::c_int> = std::sync::OnceLock::new();

/// At start-up: if this process is the background half of a detached one-shot mount, takes
/// the report descriptor and makes it close-on-exec again, so that helpers it starts
/// (`fusermount3`, which outlives the mount's setup) do not keep the waiting parent waiting.
pub fn adopt_ready_fd() {
    let Some(fd) = std::env::var(READY_FD_ENV)
        .ok()
        .and_then(|v| v.parse::<libc::c_int>().ok())
    else {
        return;
    };
    // SAFETY: F_SETFD on a descriptor number; a wrong number fails harmlessly with EBADF.
    if unsafe { libc::fcntl(fd, libc::F_SETFD, libc::FD_CLOEXEC) } == 0 {
        let _ = READY_FD.set(fd);
    }
}

/// Whether this process is the background half of a detached one-shot mount.
pub fn is_detached_child() -> bool {
    READY_FD.get().is_some()
}

/// In the background half of a detached mount, once the mount is usable: tells the waiting
/// foreground half, then leaves the terminal (a new session, standard streams on /dev/null).
pub fn report_ready() {
    let Some(&fd) = READY_FD.get() else {
        return;
    };
    // SAFETY: the descriptor was handed to us for this one message; /dev/null is opened and
    // duplicated onto the standard descriptors; setsid has no preconditions.
    unsafe {
        libc::write(fd, b"ok".as_ptr().cast(), 2);
        libc::close(fd);
        let null = libc::open(c"/dev/null".as_ptr(), libc::O_RDWR);
        if null >= 0 {
            for std_fd in 0..3 {
                libc::dup2(null, std_fd);
            }
            if null > 2 {
                libc::close(null);
            }
        }
        libc::setsid();
    }
}

// ---- pbsh mounts of this user, whichever process serves them ----

/// pbsh FUSE mounts of this user from `/proc/self/mountinfo` (whichever process serves
/// them); their statistics are not known here.
pub fn system_mounts() -> Vec<MountInfo> {
    let text = std::fs::read_to_string("/proc/self/mountinfo").unwrap_or_default();
    // SAFETY: getuid has no preconditions.
    let uid = unsafe { libc::getuid() };
    parse_mountinfo(&text, uid)
}

fn parse_mountinfo(text: &str, uid: u32) -> Vec<MountInfo> {
    let user = format!("user_id={uid}");
    text.lines()
        .filter_map(|line| {
            let (left, right) = line.split_once(" - ")?;
            let mountpoint = left.split(' ').nth(4)?;
            let mut right = right.split(' ');
            let (fstype, source, options) = (right.next()?, right.next()?, right.next()?);
            if fstype != "fuse.pbsh" || !options.split(',').any(|o| o == user) {
                return None;
            }
            let what = unescape_mountinfo(source.strip_prefix("pbsh:").unwrap_or(source));
            let kind = if what.ends_with(".img") {
                MountKind::Image
            } else {
                MountKind::Archive
            };
            Some(MountInfo {
                mountpoint: PathBuf::from(unescape_mountinfo(mountpoint)),
                what: split_fsname(&what),
                kind,
                stats: ChunkReaderStats::default(),
                served_here: false,
            })
        })
        .collect()
}

/// `host/vm/2026-01-01T00:00:00Z_disk.img` (the file system name `spawn` made from
/// `SNAPSHOT ARCHIVE`) → `host/vm/2026-01-01T00:00:00Z disk.img`.
fn split_fsname(name: &str) -> String {
    let time_start = name.rfind('/').unwrap_or(0);
    match name[time_start..].find("Z_") {
        Some(z) => {
            let cut = time_start + z + 1;
            format!("{} {}", &name[..cut], &name[cut + 1..])
        }
        None => name.to_string(),
    }
}

/// Undoes mountinfo's octal escapes (`\040` for a space).
fn unescape_mountinfo(field: &str) -> String {
    let bytes = field.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let octal = bytes
            .get(i + 1..i + 4)
            .filter(|d| bytes[i] == b'\\' && d.iter().all(|c| (b'0'..=b'7').contains(c)));
        match octal {
            Some(d) => {
                out.push((d[0] - b'0') * 64 + (d[1] - b'0') * 8 + (d[2] - b'0'));
                i += 4;
            }
            None => {
                out.push(bytes[i]);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mountinfo_finds_this_users_pbsh_mounts() {
        let text = "\
36 35 98:0 / /mnt/a\\040b rw,nosuid - fuse.pbsh pbsh:host/vm/2026-01-01T00:00:00Z_disk.img ro,user_id=1000,group_id=1000
37 35 98:0 / /mnt/c rw - fuse.pbsh pbsh:host/x/2026-01-01T00:00:00Z_root.pxar ro,user_id=0,group_id=0
38 35 98:0 / /mnt/d rw - ext4 /dev/sda1 rw";
        let found = parse_mountinfo(text, 1000);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].mountpoint, PathBuf::from("/mnt/a b"));
        assert_eq!(found[0].what, "host/vm/2026-01-01T00:00:00Z disk.img");
        assert_eq!(found[0].kind, MountKind::Image);
        assert_eq!(parse_mountinfo(text, 0)[0].kind, MountKind::Archive);
    }
}
