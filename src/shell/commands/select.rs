//! The catalog shell's selection basket: `select`, `deselect`, `clear-selected`,
//! `list-selected`, `restore-selected`. A selection may span folders, archives and snapshots.

use crate::archive::restore::RestoreOptions;
use crate::engine::restore::{restore, RestoreTarget};
use crate::format::manifest::CryptMode;
use crate::shell::commands::nav::{expand_all, stat_node};
use crate::shell::exit::ShellError;
use crate::shell::output::OutputFormat;
use crate::shell::tree::{Level, TreePath};
use crate::shell::Session;
use anyhow::{anyhow, bail, Context, Result};
use clap::Args;
use std::io::Write;
use std::path::PathBuf;

pub fn select(session: &mut Session, paths: &[String]) -> Result<()> {
    for path in expand_all(session, paths)? {
        if path.level() < Level::Archive {
            bail!("{path}: only archives and paths inside them can be selected");
        }
        stat_node(session, &path)?;
        if session.selection.contains(&path) {
            crate::errln!("{path}: already selected");
        } else {
            session.selection.push(path);
        }
    }
    Ok(())
}

pub fn deselect(session: &mut Session, paths: &[String]) -> Result<()> {
    for text in paths {
        let path = session.resolve(text)?;
        let before = session.selection.len();
        session.selection.retain(|p| *p != path);
        if session.selection.len() == before {
            bail!(ShellError::NotFound(format!("{path}: not selected")));
        }
    }
    Ok(())
}

pub fn list_selected(session: &mut Session, format: OutputFormat) -> Result<()> {
    if format != OutputFormat::Text {
        let list: Vec<String> = session.selection.iter().map(|p| p.to_string()).collect();
        return crate::shell::output::write_json(&mut session.out, &list, format);
    }
    for p in &session.selection {
        writeln!(session.out, "{p}")?;
    }
    Ok(())
}

#[derive(Debug, Args)]
pub struct RestoreSelectedArgs {
    /// Local directory to restore into (created if missing)
    pub target: PathBuf,
    /// Replace existing files
    #[arg(long)]
    pub overwrite: bool,
}

/// Restores every selected path; paths keep their place below the archive root. When the
/// selection spans several archives, each goes below `TARGET/TYPE/ID/TIME/ARCHIVE`.
pub fn restore_selected(session: &mut Session, args: RestoreSelectedArgs) -> Result<()> {
    if session.selection.is_empty() {
        bail!(ShellError::NotFound(
            "nothing selected (use `select PATH` or `find … --select`)".into()
        ));
    }
    let mut groups: Vec<(TreePath, Vec<String>)> = Vec::new();
    for p in &session.selection {
        let archive = TreePath {
            inner: Vec::new(),
            ..p.clone()
        };
        let pattern = if p.inner.is_empty() {
            "/**".to_string()
        } else {
            p.inner_path()
        };
        match groups.iter_mut().find(|(a, _)| *a == archive) {
            Some((_, patterns)) => patterns.push(pattern),
            None => groups.push((archive, vec![pattern])),
        }
    }
    let several = groups.len() > 1;
    let mut files = 0u64;
    for (archive, patterns) in &groups {
        let snapshot = archive
            .snapshot()
            .ok_or_else(|| anyhow!("{archive}: no snapshot"))?;
        let file = session.browser.archive_file(archive)?;
        let key = if file.crypt_mode == CryptMode::Encrypt {
            Some(session.browser.key()?)
        } else {
            None
        };
        let target = if several {
            args.target
                .join(snapshot.group.ty.as_str())
                .join(&snapshot.group.id)
                .join(snapshot.time_string())
                .join(archive.name())
        } else {
            args.target.clone()
        };
        let options = RestoreOptions {
            overwrite: args.overwrite.into(),
            patterns: patterns.clone(),
            ..RestoreOptions::default()
        };
        let stats = restore(
            session.browser.repo_at(archive)?,
            &archive.ns,
            &snapshot,
            &file.filename,
            RestoreTarget::Path(&target),
            key,
            b"",
            options,
        )
        .with_context(|| format!("restore-selected from {archive}"))?;
        for w in &stats.warnings {
            crate::errln!("warning: {w}");
        }
        files += stats.files;
    }
    crate::errln!(
        "restored {files} file(s) from {} archive(s) into {}",
        groups.len(),
        args.target.display()
    );
    Ok(())
}
