//! `restore SNAPSHOT [ARCHIVE] TARGET`: an archive back to a directory, a file, or `-` (stdout).
//! Without ARCHIVE, the snapshot's one archive.

use super::common;
use crate::archive::restore::RestoreOptions;
use crate::engine::backup::CATALOG_NAME;
use crate::engine::progress::Progress;
use crate::engine::restore::{restore_with_progress, RestoreTarget};
use crate::repo::types::{Namespace, SnapshotRef};
use crate::repo::Repository;
use crate::shell::exit::ShellError;
use crate::shell::progress::ProgressLine;
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
    /// archive (then this is the TARGET)
    pub archive: String,
    /// Target directory or file; `-` writes the raw archive to standard output
    pub target: Option<String>,
    #[arg(long)]
    pub keyfile: Option<PathBuf>,
    #[arg(long)]
    pub ns: Option<String>,
    /// Restore only this path inside the archive
    #[arg(long)]
    pub path: Option<String>,
    /// Restore only what matches (gitignore style, e.g. 'etc/**' or '*.conf'); repeatable
    #[arg(long)]
    pub pattern: Vec<String>,
    /// Replace existing files
    #[arg(long)]
    pub overwrite: bool,
    /// Do not restore owners, even as root
    #[arg(long)]
    pub ignore_ownership: bool,
}

pub fn run(session: &mut Session, args: RestoreArgs) -> Result<()> {
    let ns = common::namespace(session, &args.ns)?;
    let snapshot = common::resolve_snapshot(session, &ns, &args.snapshot)?;
    let (archive, target) = match &args.target {
        Some(target) => (args.archive.clone(), target.clone()),
        None => (
            only_archive(&*session.repo, &ns, &snapshot)?,
            args.archive.clone(),
        ),
    };
    let key =
        common::key_for_reading(session, &ns, std::slice::from_ref(&snapshot), &args.keyfile)?;
    let mut options = RestoreOptions {
        overwrite: args.overwrite,
        patterns: args.pattern.clone(),
        ..RestoreOptions::default()
    };
    if args.ignore_ownership {
        options.restore_ownership = false;
    }
    let sub_path = args.path.clone().unwrap_or_default();
    let what = format!("restore {snapshot} {}", archive);
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
        restore_with_progress(
            session.repo.clone(),
            &ns,
            &snapshot,
            &archive,
            RestoreTarget::Writer(&mut stdout),
            key,
            sub_path.as_bytes(),
            options,
            Some(counters.clone()),
        )
    } else {
        let target = PathBuf::from(&target);
        restore_with_progress(
            session.repo.clone(),
            &ns,
            &snapshot,
            &archive,
            RestoreTarget::Path(&target),
            key,
            sub_path.as_bytes(),
            options,
            Some(counters.clone()),
        )
    };
    progress.end(stats.is_ok());
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

use std::io::Write as _;
