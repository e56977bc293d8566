//! Reading out of the tree: `cat` to standard output and `get` to local files and directories.
//!
//! Files inside archives are read through the accessor (only their chunks are fetched) into a
//! temporary file renamed into place, so a cancelled or failed `get` leaves no partial file.

use crate::archive::restore::RestoreOptions;
use crate::engine::restore::{restore_archive_file, RestoreRequest, RestoreTarget};
use crate::format::manifest::CryptMode;
use crate::format::pxar::accessor::FileEntry;
use crate::format::pxar::{EntryKind, Metadata};
use crate::shell::browse::{display_name, is_tree_archive, NodeKind};
use crate::shell::commands::check_cancel;
use crate::shell::commands::nav::{expand_all, stat_node};
use crate::shell::exit::ShellError;
use crate::shell::progress::ProgressLine;
use crate::shell::tree::{Level, TreePath};
use crate::shell::Session;
use anyhow::{anyhow, bail, Context, Result};
use clap::Args;
use std::fs::File;
use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

const BLOCK: usize = 1 << 20;

#[derive(Debug, Args)]
pub struct CatArgs {
    /// Files to print (globs allowed)
    #[arg(required = true)]
    pub paths: Vec<String>,
}

pub fn cat(session: &mut Session, args: CatArgs) -> Result<()> {
    let targets = expand_all(session, &args.paths)?;
    let _resolved = session.browser.resolve_together(&targets);
    for target in targets {
        let mut out = std::mem::replace(&mut session.out, Box::new(std::io::sink()));
        let result = write_content(session, &target, &mut out, None);
        session.out = out;
        result?;
    }
    Ok(())
}

/// Writes the content of a file node (inside an archive, or a non-directory archive) to `out`.
fn write_content(
    session: &Session,
    path: &TreePath,
    out: &mut dyn Write,
    progress: Option<&ProgressLine>,
) -> Result<u64> {
    match path.level() {
        Level::Inside => {
            let entry = session.browser.lookup_entry(path, true)?;
            write_entry(session, path, &entry, out, progress)
        }
        Level::Archive => {
            let file = session.browser.archive_file(path)?;
            if is_tree_archive(&file.filename) {
                bail!("{path}: is a directory archive (use `get` or `restore` to extract it)");
            }
            let snapshot = path
                .snapshot()
                .ok_or_else(|| anyhow!("{path}: no snapshot"))?;
            if file.filename == "index.json.blob" {
                let manifest = session.browser.manifest(path)?;
                let text = serde_json::to_string_pretty(&manifest.0)?;
                writeln!(out, "{text}")?;
                return Ok(text.len() as u64 + 1);
            }
            let key = if file.crypt_mode == CryptMode::Encrypt {
                Some(session.browser.key()?)
            } else {
                None
            };
            let mut counting = CancelWriter {
                inner: out,
                progress,
                written: 0,
            };
            RestoreRequest::new(
                session.browser.repo_at(path)?,
                &path.ns,
                &snapshot,
                &file.filename,
            )
            .key(key)
            .run(RestoreTarget::Writer(&mut counting))
            .with_context(|| path.to_string())?;
            Ok(counting.written)
        }
        _ => bail!("{path}: is a directory"),
    }
}

/// Writes the content of `entry`, the file at `path` inside an archive, to `out`.
fn write_entry(
    session: &Session,
    path: &TreePath,
    entry: &FileEntry,
    out: &mut dyn Write,
    progress: Option<&ProgressLine>,
) -> Result<u64> {
    let archive = session.browser.open_archive(path)?;
    let EntryKind::File { size, .. } = entry.entry.kind else {
        bail!("{path}: not a regular file");
    };
    let mut buf = vec![0u8; BLOCK.min(size as usize).max(1)];
    let mut offset = 0u64;
    while offset < size {
        check_cancel()?;
        crate::util::failpoint::failpoint("get.block")?;
        let n = archive
            .accessor
            .read_file_at(entry, &mut buf, offset)
            .with_context(|| path.to_string())?;
        if n == 0 {
            bail!("{path}: archive ends inside the file");
        }
        out.write_all(&buf[..n])
            .with_context(|| format!("{path}: write"))?;
        offset += n as u64;
        if let Some(p) = progress {
            p.add_bytes(n as u64);
        }
    }
    Ok(size)
}

/// Passes bytes through, counting them and stopping at Ctrl-C.
struct CancelWriter<'a> {
    inner: &'a mut dyn Write,
    progress: Option<&'a ProgressLine>,
    written: u64,
}

impl Write for CancelWriter<'_> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if crate::util::cancel::requested() {
            return Err(std::io::Error::new(
                std::io::ErrorKind::Interrupted,
                "cancelled",
            ));
        }
        let n = self.inner.write(buf)?;
        self.written += n as u64;
        if let Some(p) = self.progress {
            p.add_bytes(n as u64);
        }
        Ok(n)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

#[derive(Debug, Args)]
pub struct GetArgs {
    /// Remote paths (globs allowed), then the local file or directory to write to
    #[arg(required = true, num_args = 1..)]
    pub paths: Vec<String>,
    /// Replace existing local files
    #[arg(long)]
    pub overwrite: bool,
    /// Do not restore owners and extended attributes
    #[arg(long)]
    pub no_metadata: bool,
}

pub fn get(session: &mut Session, args: GetArgs) -> Result<()> {
    let (remotes, local) = match args.paths.split_last() {
        Some((local, remotes)) if !remotes.is_empty() => (remotes.to_vec(), PathBuf::from(local)),
        // One argument: get it into the local current directory.
        _ => (args.paths.clone(), PathBuf::from(".")),
    };
    let sources = expand_all(session, &remotes)?;
    let _resolved = session.browser.resolve_together(&sources);
    let into_dir = local.is_dir();
    if sources.len() > 1 && !into_dir {
        bail!(
            "{}: not a directory (several sources need a directory to go into)",
            local.display()
        );
    }
    let progress = ProgressLine::start(session.interactive, "get");
    // One file is synced before it is renamed into place; many are synced together at the
    // end (one syncfs, not an fsync each), each still renamed only once it is whole.
    let sync = if sources.len() == 1 {
        Sync::EachFile
    } else {
        Sync::AtEnd
    };
    let nodes = sources
        .iter()
        .map(|source| stat_node(session, source))
        .collect::<Result<Vec<_>>>()?;
    // Plain files know their sizes up front; a tree's restore sets its archive's size.
    if nodes
        .iter()
        .all(|n| matches!(n.kind, NodeKind::File | NodeKind::Hardlink))
    {
        progress.set_total(nodes.iter().filter_map(|n| n.size).sum());
    }
    let mut total = 0u64;
    for (source, node) in sources.iter().zip(nodes) {
        let name = match node.kind {
            NodeKind::Archive => display_name(&source.name())
                .trim_end_matches(".pxar")
                .trim_end_matches(".mpxar")
                .to_string(),
            _ => source.name(),
        };
        let dest = if into_dir {
            local.join(&name)
        } else {
            local.clone()
        };
        if dest.symlink_metadata().is_ok() && !args.overwrite && !node.kind.is_dir() {
            bail!(
                "{}: already exists (use --overwrite to replace it)",
                dest.display()
            );
        }
        total += match node.kind {
            NodeKind::File | NodeKind::Hardlink if source.level() == Level::Inside => {
                get_file(session, source, &dest, !args.no_metadata, &progress, sync)?
            }
            NodeKind::File => {
                // An image, blob or catalog archive into one local file.
                write_atomically(
                    &dest,
                    0o644,
                    &progress,
                    sync,
                    |file| write_content(session, source, file, Some(&progress)),
                    |_| {},
                )?
            }
            NodeKind::Archive
            | NodeKind::Directory
            | NodeKind::Symlink
            | NodeKind::Device
            | NodeKind::Fifo
            | NodeKind::Socket => get_tree(session, source, &dest, &args, &progress)?,
            _ => bail!(
                "{source}: get works on archives and paths inside them (use `restore` for a whole snapshot)"
            ),
        };
    }
    if sync == Sync::AtEnd {
        sync_file_system(if into_dir { &local } else { Path::new(".") })?;
    }
    // On a terminal the progress summary says what was got; a script hears of several.
    progress.finish();
    if sources.len() > 1 && !session.interactive {
        crate::errln!(
            "got {} item(s), {}",
            sources.len(),
            super::common::human_size(total)
        );
    }
    Ok(())
}

/// When `get` makes the files it wrote durable.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Sync {
    /// `fsync` each file before renaming it into place.
    EachFile,
    /// One `syncfs` of the target's file system when all are written.
    AtEnd,
}

/// Flushes the file system holding `dir` to disk.
fn sync_file_system(dir: &Path) -> Result<()> {
    use std::os::fd::AsRawFd;
    let handle = File::open(dir).with_context(|| format!("{}: open", dir.display()))?;
    // SAFETY: syncfs on a descriptor we own.
    if unsafe { libc::syncfs(handle.as_raw_fd()) } != 0 {
        return Err(std::io::Error::last_os_error())
            .with_context(|| format!("{}: sync", dir.display()));
    }
    Ok(())
}

/// A temporary name next to `dest`, removed on drop unless kept.
struct TempFile {
    path: PathBuf,
    keep: bool,
}

impl Drop for TempFile {
    fn drop(&mut self) {
        if !self.keep {
            let _ = std::fs::remove_file(&self.path);
        }
    }
}

fn temp_beside(dest: &Path) -> Result<TempFile> {
    let dir = match dest.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let name = dest
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "file".into());
    Ok(TempFile {
        path: dir.join(format!(".{name}.pbsh-get-{}", std::process::id())),
        keep: false,
    })
}

/// One file from inside an archive, with its mode, times, and (as root) owner and xattrs.
fn get_file(
    session: &Session,
    source: &TreePath,
    dest: &Path,
    metadata: bool,
    progress: &ProgressLine,
    sync: Sync,
) -> Result<u64> {
    let entry = session.browser.lookup_entry(source, true)?;
    write_atomically(
        dest,
        0o600,
        progress,
        sync,
        |file| write_entry(session, source, &entry, file, Some(progress)),
        |file| {
            if metadata {
                apply_metadata(file, &entry.entry.metadata);
            }
        },
    )
}

/// Writes content (`write`) to a temporary file beside `dest`, lets `finish` adjust it, syncs
/// it and renames it into place; on any failure (or Ctrl-C) the temporary file goes.
fn write_atomically(
    dest: &Path,
    mode: u32,
    progress: &ProgressLine,
    sync: Sync,
    write: impl FnOnce(&mut File) -> Result<u64>,
    finish: impl FnOnce(&File),
) -> Result<u64> {
    let mut temp = temp_beside(dest)?;
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(mode)
        .open(&temp.path)
        .with_context(|| format!("{}: create", temp.path.display()))?;
    let size = write(&mut file)?;
    finish(&file);
    if sync == Sync::EachFile {
        file.sync_all()
            .with_context(|| format!("{}: sync", dest.display()))?;
    }
    drop(file);
    std::fs::rename(&temp.path, dest).with_context(|| format!("{}: rename", dest.display()))?;
    temp.keep = true;
    progress.add_file();
    Ok(size)
}

/// Mode, times, owner (root only) and xattrs of a restored file; failures to set them are
/// not fatal (a non-root user cannot chown), as with `cp -p`.
fn apply_metadata(file: &File, m: &Metadata) {
    use std::os::fd::AsRawFd;
    let fd = file.as_raw_fd();
    // SAFETY: plain syscalls on an fd we own, with valid pointers.
    unsafe {
        if libc::geteuid() == 0 {
            libc::fchown(fd, m.uid, m.gid);
        }
        libc::fchmod(fd, (m.mode & 0o7777) as libc::mode_t);
        for (name, value) in &m.xattrs {
            if let Ok(cname) = std::ffi::CString::new(name.clone()) {
                libc::fsetxattr(fd, cname.as_ptr(), value.as_ptr().cast(), value.len(), 0);
            }
        }
        let times = [
            libc::timespec {
                tv_sec: m.mtime_secs as libc::time_t,
                tv_nsec: m.mtime_nanos as _,
            },
            libc::timespec {
                tv_sec: m.mtime_secs as libc::time_t,
                tv_nsec: m.mtime_nanos as _,
            },
        ];
        libc::futimens(fd, times.as_ptr());
    }
}

/// A directory (or a whole pxar archive) through the restore writer, which refuses to write
/// outside `dest`.
fn get_tree(
    session: &Session,
    source: &TreePath,
    dest: &Path,
    args: &GetArgs,
    progress: &ProgressLine,
) -> Result<u64> {
    let mut options = RestoreOptions {
        overwrite: args.overwrite.into(),
        // `dest` is LOCAL/NAME or a name the user gave for get to create: never a link to follow.
        no_follow_target: true,
        ..RestoreOptions::default()
    };
    if args.no_metadata {
        options.restore_ownership = false;
        options.restore_xattrs = false;
        options.restore_acls = false;
    }
    let sub_path = source.inner_path();
    let restored = match session.browser.lone() {
        // A lone archive file: read front to back from the file(s), through the same writer.
        Some(lone) => {
            let (metadata, payload) = lone.open_source()?;
            restore_archive_file(metadata, payload, dest, sub_path.as_bytes(), options)
        }
        None => {
            let file = session.browser.archive_file(source)?;
            let snapshot = source
                .snapshot()
                .ok_or_else(|| anyhow!("{source}: no snapshot"))?;
            let key = if file.crypt_mode == CryptMode::Encrypt {
                Some(session.browser.key()?)
            } else {
                None
            };
            RestoreRequest::new(
                session.browser.repo_at(source)?,
                &source.ns,
                &snapshot,
                &file.filename,
            )
            .key(key)
            .sub_path(sub_path.as_bytes())
            .options(options)
            .progress(Some(progress.counters()))
            .run(RestoreTarget::Path(dest))
        }
    };
    let stats = restored
        .map_err(|e| {
            if crate::util::cancel::requested() {
                anyhow!(ShellError::Cancelled)
            } else {
                anyhow!(e)
            }
        })
        .with_context(|| source.to_string())?;
    for warning in &stats.warnings {
        crate::errln!("warning: {warning}");
    }
    Ok(stats.bytes)
}
