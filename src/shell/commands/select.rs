//! The catalog shell's selection basket: `select`, `deselect`, `clear-selected`,
//! `list-selected [--patterns]`, `restore-selected`. A selection may span folders, archives and
//! snapshots; each entry is a path or, from `find PATTERN --select`, a match pattern over one
//! archive, as PBS's catalog shell keeps them.

use crate::archive::restore::RestoreOptions;
use crate::engine::restore::{RestoreRequest, RestoreTarget};
use crate::format::manifest::CryptMode;
use crate::shell::commands::nav::{expand_listed, stat_node};
use crate::shell::exit::ShellError;
use crate::shell::output::OutputFormat;
use crate::shell::tree::{Level, TreePath};
use crate::shell::Session;
use anyhow::{anyhow, bail, Context, Result};
use clap::Args;
use std::io::Write;
use std::path::PathBuf;

/// One entry of the selection basket.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Selected {
    /// An archive, or a path inside one (`select PATH`).
    Path(TreePath),
    /// A match pattern over one archive's paths, written from the archive root (`find PATTERN
    /// --select`): `*.bin`, `/etc/**/*.conf`.
    Pattern { archive: TreePath, pattern: String },
}

impl Selected {
    /// The archive this entry selects from.
    pub fn archive(&self) -> TreePath {
        match self {
            Selected::Path(p) => TreePath {
                inner: Vec::new(),
                ..p.clone()
            },
            Selected::Pattern { archive, .. } => archive.clone(),
        }
    }

    /// The entry as a restore match pattern from the archive root: a selected path becomes a
    /// literal (glob characters in its names escaped), a whole archive `**`.
    pub fn pattern(&self) -> String {
        match self {
            Selected::Path(p) if p.inner.is_empty() => "**".to_string(),
            Selected::Path(p) => literal_pattern(&p.inner_path()),
            Selected::Pattern { pattern, .. } => pattern.clone(),
        }
    }
}

/// `path` as a pattern that matches exactly it.
fn literal_pattern(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for c in path.chars() {
        if matches!(c, '*' | '?' | '[' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// A `find` pattern given below `base` (a path inside the archive, without leading `/`)
/// rewritten to match from the archive root, as PBS's catalog shell stores its selection.
pub fn pattern_from_archive_root(base: &str, pattern: &str) -> String {
    if base.is_empty() {
        return pattern.to_string();
    }
    let body = pattern.strip_suffix('/').unwrap_or(pattern);
    let base = literal_pattern(base);
    if body.contains('/') {
        format!("/{base}/{}", pattern.trim_start_matches('/'))
    } else {
        format!("/{base}/**/{pattern}")
    }
}

pub fn select(session: &mut Session, paths: &[String]) -> Result<()> {
    // Every argument is expanded before anything is selected.
    let expanded = paths
        .iter()
        .map(|text| expand_listed(session, text))
        .collect::<Result<Vec<_>>>()?;
    let mut index = SelectionIndex::new(&session.selection);
    for (found, listed) in expanded {
        // Paths a glob found in a listing exist; others are looked up.
        for path in found {
            if path.level() < Level::Archive {
                bail!("{path}: only archives and paths inside them can be selected");
            }
            if !listed {
                stat_node(session, &path)?;
            }
            if let Some(Selected::Path(path)) =
                index.add(&mut session.selection, Selected::Path(path))
            {
                crate::errln!("{path}: already selected");
            }
        }
    }
    Ok(())
}

/// The hashes of a selection's entries, so adding many entries at once stays linear (a hash
/// seen before is checked against the entries themselves).
pub struct SelectionIndex {
    hashes: std::collections::HashSet<u64>,
}

impl SelectionIndex {
    pub fn new(selection: &[Selected]) -> Self {
        SelectionIndex {
            hashes: selection.iter().map(hash_of).collect(),
        }
    }

    /// Appends `entry` to `selection` unless it is there already: then it is handed back.
    pub fn add(&mut self, selection: &mut Vec<Selected>, entry: Selected) -> Option<Selected> {
        if !self.hashes.insert(hash_of(&entry)) && selection.contains(&entry) {
            return Some(entry);
        }
        selection.push(entry);
        None
    }
}

fn hash_of(entry: &Selected) -> u64 {
    use std::hash::{BuildHasher, BuildHasherDefault};
    BuildHasherDefault::<std::collections::hash_map::DefaultHasher>::default().hash_one(entry)
}

/// Removes a selected path, or a pattern by its text.
pub fn deselect(session: &mut Session, paths: &[String]) -> Result<()> {
    for text in paths {
        let before = session.selection.len();
        session
            .selection
            .retain(|s| !matches!(s, Selected::Pattern { pattern, .. } if pattern == text));
        if session.selection.len() == before {
            if let Ok(path) = session.resolve(text) {
                session
                    .selection
                    .retain(|s| *s != Selected::Path(path.clone()));
            }
        }
        if session.selection.len() == before {
            bail!(ShellError::NotFound(format!("{text}: not selected")));
        }
    }
    Ok(())
}

/// The selection grouped by archive, each with its restore patterns, in selection order.
fn by_archive(selection: &[Selected]) -> Vec<(TreePath, Vec<String>)> {
    let mut groups: Vec<(TreePath, Vec<String>)> = Vec::new();
    for s in selection {
        let archive = s.archive();
        let pattern = s.pattern();
        match groups.iter_mut().find(|(a, _)| *a == archive) {
            Some((_, patterns)) => patterns.push(pattern),
            None => groups.push((archive, vec![pattern])),
        }
    }
    groups
}

#[derive(Debug, Args)]
pub struct ListSelectedArgs {
    /// Print the selection as match patterns (what `restore --pattern` takes; one `# ARCHIVE`
    /// line before each archive's when they span several), not the paths they match
    #[arg(long)]
    pub patterns: bool,
    #[arg(long, value_enum, default_value = "text")]
    pub output_format: OutputFormat,
}

/// `list-selected`: the selected paths, patterns expanded to what they match;
/// `--patterns`: the patterns themselves.
pub fn list_selected(session: &mut Session, args: ListSelectedArgs) -> Result<()> {
    if args.patterns {
        return list_patterns(session, args.output_format);
    }
    // Borrowed out of the session while it is listed (a selection may hold a million paths:
    // written as they come, not copied).
    let selection = std::mem::take(&mut session.selection);
    let result = write_selected(session, &selection, args.output_format);
    session.selection = selection;
    result
}

fn write_selected(
    session: &mut Session,
    selection: &[Selected],
    format: OutputFormat,
) -> Result<()> {
    use std::fmt::Write as _;
    let text = format == OutputFormat::Text;
    let mut list: Vec<String> = Vec::new();
    // Text goes out in 64 KiB pieces, not a write per line.
    let mut buf = String::new();
    let mut emit = |session: &mut Session, p: &TreePath, buf: &mut String| -> Result<()> {
        if !text {
            list.push(p.to_string());
            return Ok(());
        }
        let _ = writeln!(buf, "{p}");
        if buf.len() >= 64 << 10 {
            session.out.write_all(buf.as_bytes())?;
            buf.clear();
        }
        Ok(())
    };
    for s in selection {
        match s {
            Selected::Path(p) => emit(session, p, &mut buf)?,
            Selected::Pattern { archive, pattern } => {
                for p in super::search::pattern_matches(session, archive, pattern)? {
                    emit(session, &p, &mut buf)?;
                }
            }
        }
    }
    session.out.write_all(buf.as_bytes())?;
    if !text {
        return crate::shell::output::write_json(&mut session.out, &list, format);
    }
    Ok(())
}

fn list_patterns(session: &mut Session, format: OutputFormat) -> Result<()> {
    let groups = by_archive(&session.selection);
    if format != OutputFormat::Text {
        let rows: Vec<serde_json::Value> = groups
            .iter()
            .flat_map(|(archive, patterns)| {
                patterns.iter().map(
                    move |p| serde_json::json!({ "archive": archive.to_string(), "pattern": p }),
                )
            })
            .collect();
        return crate::shell::output::write_json(&mut session.out, &rows, format);
    }
    let several = groups.len() > 1;
    for (archive, patterns) in &groups {
        if several {
            writeln!(session.out, "# {archive}")?;
        }
        for p in patterns {
            writeln!(session.out, "{p}")?;
        }
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
    let groups = by_archive(&session.selection);
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
        let stats = RestoreRequest::new(
            session.browser.repo_at(archive)?,
            &archive.ns,
            &snapshot,
            &file.filename,
        )
        .key(key)
        .options(options)
        .run(RestoreTarget::Path(&target))
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
