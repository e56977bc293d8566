//! `restore SNAPSHOT [ARCHIVE] TARGET`: an archive back to a directory, a file, or `-` (stdout).
//! Without ARCHIVE, the snapshot's one archive; inside an archive, `restore TARGET` restores
//! the current directory (PBS's catalog shell `restore`).

use super::common;
use crate::archive::restore::{Overwrite, RestoreOptions};
use crate::engine::backup::CATALOG_NAME;
use crate::engine::progress::Progress;
use crate::engine::restore::{RestoreRequest, RestoreTarget};
use crate::format::crypt::CryptConfig;
use crate::format::manifest::CryptMode;
use crate::repo::types::{Namespace, SnapshotRef};
use crate::repo::Repository;
use crate::shell::exit::ShellError;
use crate::shell::progress::ProgressLine;
use crate::shell::tree::{Level, TreePath};
use crate::shell::Session;
use anyhow::{Context, Result};
use clap::Args;
use std::path::PathBuf;
use std::sync::Arc;

#[derive(Debug, Args)]
pub struct RestoreArgs {
    /// TYPE/ID/TIME, or TYPE/ID for the newest snapshot
    pub snapshot: String,
    /// root.pxar, disk.img, qemu-server.conf, …; may be left out when the snapshot has one
    /// archive (then this is the TARGET). Inside an archive (after `cd` or `catalog shell`),
    /// `restore TARGET` alone restores the current directory, as PBS's catalog shell does
    pub archive: Option<String>,
    /// Target directory or file; `-` writes the raw archive to standard output
    pub target: Option<String>,
    #[arg(long)]
    pub keyfile: Option<PathBuf>,
    #[arg(long)]
    pub ns: Option<String>,
    /// Restore only this path inside the archive
    #[arg(long)]
    pub path: Option<String>,
    /// Restore only what matches (gitignore style, e.g. 'etc/**' or '*.conf'; `!P` takes
    /// back; the last matching pattern decides); repeatable
    #[arg(long)]
    pub pattern: Vec<String>,
    /// Read the key file from this open file descriptor (instead of --keyfile)
    #[arg(long, conflicts_with = "keyfile")]
    pub keyfd: Option<i32>,
    /// `none` reads without any key (the default key is not loaded); `encrypt`/`sign-only`
    /// insist on one
    #[arg(long, value_enum)]
    pub crypt_mode: Option<super::backup::CryptModeArg>,
    /// Replace existing files, symlinks and hard links (all of the three below)
    #[arg(long)]
    pub overwrite: bool,
    /// Replace existing files (and special files)
    #[arg(long)]
    pub overwrite_files: bool,
    /// Replace existing symlinks
    #[arg(long)]
    pub overwrite_symlinks: bool,
    /// Replace existing hard links
    #[arg(long)]
    pub overwrite_hardlinks: bool,
    /// Restore into directories that already exist (without it an existing directory inside
    /// the target is refused, as with proxmox-backup-client)
    #[arg(long)]
    pub allow_existing_dirs: bool,
    /// Do not restore owners, even as root
    #[arg(long)]
    pub ignore_ownership: bool,
    /// Do not restore permission bits (files stay 0600, directories 0700)
    #[arg(long)]
    pub ignore_permissions: bool,
    /// Do not restore POSIX ACLs
    #[arg(long)]
    pub ignore_acls: bool,
    /// Do not restore extended attributes (and file capabilities)
    #[arg(long)]
    pub ignore_xattrs: bool,
    /// A device node that cannot be created is a warning, not an error
    #[arg(long)]
    pub ignore_extract_device_errors: bool,
    #[command(flatten)]
    pub rate: common::RateArgs,
}

impl RestoreArgs {
    /// The options of the restore writer these flags ask for.
    fn restore_options(&self) -> RestoreOptions {
        let mut options = RestoreOptions {
            overwrite: Overwrite {
                files: self.overwrite || self.overwrite_files,
                symlinks: self.overwrite || self.overwrite_symlinks,
                hardlinks: self.overwrite || self.overwrite_hardlinks,
            },
            allow_existing_dirs: self.allow_existing_dirs,
            ignore_device_errors: self.ignore_extract_device_errors,
            patterns: self.pattern.clone(),
            ..RestoreOptions::default()
        };
        if self.ignore_ownership {
            options.restore_ownership = false;
        }
        options.restore_permissions = !self.ignore_permissions;
        options.restore_acls = !self.ignore_acls;
        options.restore_xattrs = !self.ignore_xattrs;
        options
    }

    /// `--keyfile`, or `--keyfd` read through its /proc path.
    fn keyfile(&self) -> Option<PathBuf> {
        self.keyfile
            .clone()
            .or_else(|| self.keyfd.map(common::fd_path))
    }
}

pub fn run(session: &mut Session, args: RestoreArgs) -> Result<()> {
    let Some(archive_arg) = args.archive.clone() else {
        return run_here(session, args);
    };
    let ns = common::namespace(session, &args.ns)?;
    let snapshot = common::resolve_snapshot(session, &ns, &args.snapshot)?;
    let (archive, target) = match &args.target {
        Some(target) => (archive_arg, target.clone()),
        None => (only_archive(&*session.repo, &ns, &snapshot)?, archive_arg),
    };
    if archive == "index.json" || archive == crate::format::manifest::MANIFEST_BLOB_NAME {
        return restore_manifest(session, &ns, &snapshot, &target);
    }
    let key = match explicit_key(&args)? {
        Some(key) => key,
        None => common::key_for_reading(
            session,
            &ns,
            std::slice::from_ref(&snapshot),
            &args.keyfile(),
        )?,
    };
    let job = RestoreJob {
        repo: session.repo.clone(),
        ns,
        snapshot,
        archive,
        target,
        key,
        sub_path: args.path.clone().unwrap_or_default(),
    };
    restore_into(session, job, args.restore_options(), &args.rate)
}

/// `restore TARGET [--pattern P]` inside an archive: the current directory, as PBS's catalog
/// shell `restore` (patterns match below it).
fn run_here(session: &mut Session, args: RestoreArgs) -> Result<()> {
    let here = session.cwd.clone();
    let usage = || {
        ShellError::Usage(
            "restore SNAPSHOT [ARCHIVE] TARGET, or `restore TARGET` inside an archive (after `cd` \
             or `catalog shell`)"
                .into(),
        )
    };
    if here.level() < Level::Archive || args.target.is_some() {
        return Err(usage().into());
    }
    let snapshot = here.snapshot().ok_or_else(usage)?;
    let archive_path = TreePath {
        inner: Vec::new(),
        ..here.clone()
    };
    let file = session.browser.archive_file(&archive_path)?;
    let key = match explicit_key(&args)? {
        Some(key) => key,
        None if args.keyfile().is_some() => {
            common::load_crypt(&args.keyfile(), false)?.map(|(c, _)| c)
        }
        None if file.crypt_mode == CryptMode::Encrypt => Some(session.browser.key()?),
        None => None,
    };
    let job = RestoreJob {
        repo: session.browser.repo_at(&here)?,
        ns: here.ns.clone(),
        snapshot,
        archive: file.filename,
        target: args.snapshot.clone(),
        key,
        sub_path: args.path.clone().unwrap_or_else(|| here.inner_path()),
    };
    restore_into(session, job, args.restore_options(), &args.rate)
}

/// The key `--crypt-mode` asks for: `Some(None)` for `none`, `Some(key)` for the others, `None`
/// when it is not given (then the archive decides).
fn explicit_key(args: &RestoreArgs) -> Result<Option<Option<Arc<CryptConfig>>>> {
    match args.crypt_mode {
        None => Ok(None),
        Some(super::backup::CryptModeArg::None) => Ok(Some(None)),
        Some(mode) => Ok(Some(Some(
            common::load_crypt(&args.keyfile(), true)?
                .map(|(c, _)| c)
                .ok_or_else(|| anyhow::anyhow!("--crypt-mode {} needs a key: give --keyfile or --keyfd, or create the default key with `key create`", crate::shell::output::value_name(&mode)))?,
        ))),
    }
}

/// One archive (or a path inside it) and where it goes.
struct RestoreJob {
    repo: Arc<dyn Repository>,
    ns: Namespace,
    snapshot: SnapshotRef,
    archive: String,
    /// A directory or file path, or `-` for standard output.
    target: String,
    key: Option<Arc<CryptConfig>>,
    sub_path: String,
}

fn restore_into(
    session: &mut Session,
    job: RestoreJob,
    options: RestoreOptions,
    rate: &common::RateArgs,
) -> Result<()> {
    let RestoreJob {
        repo,
        ns,
        snapshot,
        archive,
        target,
        key,
        sub_path,
    } = job;
    let (repo, limiter) = rate.apply(repo);
    let what = format!("restore {snapshot} {archive}");
    let counters = Arc::new(Progress::default());
    // No progress line when the archive itself goes to standard output.
    let progress = ProgressLine::for_engine(
        session.interactive && target != "-",
        "restore",
        counters.clone(),
    );
    let stats = if target == "-" {
        session.out.flush()?;
        let mut stdout = std::io::stdout().lock();
        RestoreRequest::new(repo, &ns, &snapshot, &archive)
            .key(key)
            .sub_path(sub_path.as_bytes())
            .options(options)
            .progress(Some(counters.clone()))
            .run(RestoreTarget::Writer(&mut stdout))
    } else {
        let target = PathBuf::from(&target);
        RestoreRequest::new(repo, &ns, &snapshot, &archive)
            .key(key)
            .sub_path(sub_path.as_bytes())
            .options(options)
            .progress(Some(counters.clone()))
            .run(RestoreTarget::Path(&target))
    };
    progress.end(stats.is_ok());
    rate.report(&limiter);
    let stats = stats.context(what)?;
    for warning in &stats.warnings {
        crate::errln!("warning: {warning}");
    }
    if target != "-" {
        crate::errln!(
            "restored {} files, {} directories, {} other entries, {}",
            stats.files,
            stats.directories,
            stats.other,
            common::human_size(stats.bytes)
        );
    }
    Ok(())
}

/// The one archive of a snapshot, by the name `restore` takes (`root.pxar`, `disk.img`; a
/// split pxar by its `.pxar` name): the catalog, `index.json` and blobs do not count.
fn only_archive(repo: &dyn Repository, ns: &Namespace, snapshot: &SnapshotRef) -> Result<String> {
    let (manifest, _) = repo
        .read_manifest(ns, snapshot)
        .with_context(|| snapshot.to_string())?;
    let archives: Vec<String> = manifest
        .files
        .iter()
        .map(|f| f.filename.as_str())
        .filter(|name| *name != CATALOG_NAME && !name.ends_with(".ppxar.didx"))
        .filter_map(|name| {
            name.strip_suffix(".didx")
                .or_else(|| name.strip_suffix(".fidx"))
                .map(|n| n.replace(".mpxar", ".pxar"))
        })
        .collect();
    match archives.as_slice() {
        [one] => Ok(one.clone()),
        [] => Err(ShellError::NotFound(format!("{snapshot} has no archive to restore")).into()),
        many => Err(ShellError::Usage(format!(
            "{snapshot} has {} archives ({}): name one, as in `restore SNAPSHOT {} TARGET`",
            many.len(),
            many.join(", "),
            many[0]
        ))
        .into()),
    }
}

/// `restore SNAPSHOT index.json TARGET|-`: the snapshot's manifest as JSON, as
/// proxmox-backup-client writes it (the stored blob decoded; no key needed).
fn restore_manifest(
    session: &mut Session,
    ns: &Namespace,
    snapshot: &SnapshotRef,
    target: &str,
) -> Result<()> {
    let (manifest, _) = session
        .repo
        .read_manifest(ns, snapshot)
        .with_context(|| format!("restore {snapshot} index.json"))?;
    let json = serde_json::to_string(&manifest)?;
    if target == "-" {
        session.out.write_all(json.as_bytes())?;
        session.out.flush()?;
        return Ok(());
    }
    crate::util::atomic::replace_file(std::path::Path::new(target), json.as_bytes(), 0o644)
        .with_context(|| format!("restore {snapshot} index.json: write {target}"))?;
    Ok(())
}

use std::io::Write as _;
