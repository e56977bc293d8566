//! `catalog dump SNAPSHOT`: the snapshot's file catalog, one line per entry, as PBS prints it.

use super::common;
use crate::engine::backup::CATALOG_NAME;
use crate::engine::restore::{open_manifest, read_catalog};
use crate::format::catalog::CatalogReader;
use crate::shell::Session;
use anyhow::{anyhow, bail, Context, Result};
use clap::Subcommand;
use std::path::PathBuf;

#[derive(Debug, Subcommand)]
pub enum CatalogCommand {
    /// Print every entry of a snapshot's catalog
    Dump {
        /// TYPE/ID/TIME, or TYPE/ID for the newest snapshot
        snapshot: String,
        #[arg(long)]
        ns: Option<String>,
        #[arg(long)]
        keyfile: Option<PathBuf>,
        /// Read the key file from this open file descriptor (instead of --keyfile)
        #[arg(long, conflicts_with = "keyfile")]
        keyfd: Option<i32>,
    },
    /// Browse an archive: SNAPSHOT ARCHIVE (like PBS's catalog shell, in this session's tree),
    /// or a local catalog file with --file
    Shell {
        /// TYPE/ID/TIME, or TYPE/ID for the newest snapshot
        snapshot: Option<String>,
        /// root.pxar, …
        archive: Option<String>,
        #[arg(long)]
        ns: Option<String>,
        /// A local .pcat1 catalog file to browse instead
        #[arg(long, conflicts_with_all = ["snapshot", "archive"])]
        file: Option<PathBuf>,
        /// The key for an encrypted archive (default: the default key); the session keeps it
        #[arg(long)]
        keyfile: Option<PathBuf>,
        /// Read the key file from this open file descriptor (instead of --keyfile)
        #[arg(long, conflicts_with = "keyfile")]
        keyfd: Option<i32>,
    },
}

pub fn run(session: &mut Session, cmd: CatalogCommand) -> Result<()> {
    let (snapshot, ns, keyfile) = match cmd {
        CatalogCommand::Dump {
            snapshot,
            ns,
            keyfile,
            keyfd,
        } => (snapshot, ns, keyfile.or_else(|| keyfd.map(common::fd_path))),
        CatalogCommand::Shell {
            snapshot,
            archive,
            ns,
            file,
            keyfile,
            keyfd,
        } => {
            if let Some(key) = keyfile.or_else(|| keyfd.map(common::fd_path)) {
                session.browser.set_keyfile(Some(key));
            }
            return shell(session, snapshot, archive, ns, file);
        }
    };
    let ns = common::namespace(session, &ns)?;
    let snapshot = common::resolve_snapshot(session, &ns, &snapshot)?;
    let key = common::key_for_reading(session, &ns, std::slice::from_ref(&snapshot), &keyfile)?;
    let manifest = open_manifest(&*session.repo, &ns, &snapshot, key.as_deref())?;
    let file = manifest
        .file(CATALOG_NAME)
        .cloned()
        .ok_or_else(|| anyhow!("{snapshot} has no catalog (split-archive backups keep their metadata in the .mpxar instead)"))?;
    let bytes = read_catalog(session.repo.clone(), &ns, &snapshot, &file, key)?;
    let reader =
        CatalogReader::new(&bytes).with_context(|| format!("{snapshot}/{CATALOG_NAME}"))?;
    reader
        .dump(&mut session.out)
        .with_context(|| format!("{snapshot}/{CATALOG_NAME}"))?;
    Ok(())
}

/// `catalog shell`: a local catalog file in its own small shell, or `cd` into the archive in
/// this session (and, one-shot on a terminal, the interactive shell from there).
fn shell(
    session: &mut Session,
    snapshot: Option<String>,
    archive: Option<String>,
    ns: Option<String>,
    file: Option<PathBuf>,
) -> Result<()> {
    if let Some(file) = file {
        let status = crate::shell::catalog_shell::run_file(&file)?;
        if status != 0 {
            bail!("catalog shell: a command failed");
        }
        return Ok(());
    }
    let (Some(snapshot), Some(archive)) = (snapshot, archive) else {
        bail!(crate::shell::exit::ShellError::Usage(
            "catalog shell SNAPSHOT ARCHIVE, or catalog shell --file CATALOG".into()
        ));
    };
    let ns = common::namespace(session, &ns)?;
    let snapshot = common::resolve_snapshot(session, &ns, &snapshot)?;
    let mut path =
        crate::shell::tree::TreePath::snapshot_path(&session.repo.name(), &ns, &snapshot);
    path.archive = Some(archive);
    crate::shell::commands::nav::cd(session, Some(path.to_string()))?;
    if session.in_repl || !session.one_shot {
        // Inside the shell or a script: the session is now in the archive.
        return Ok(());
    }
    // One-shot, as proxmox-backup-client's catalog shell: the commands come from a terminal,
    // or from standard input as a script that stops at the first failure.
    session.one_shot = false;
    let status = session.run_stdin();
    if status != crate::shell::exit::OK {
        // The failing line was reported as it failed (so nothing more is said); its class is
        // the command's.
        bail!(crate::util::error_class::Classed::new(
            "",
            crate::shell::exit::class_of_status(status),
        ));
    }
    Ok(())
}
