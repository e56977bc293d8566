//! Searching and comparing snapshots from their catalogs: `find`, `diff` and `history PATH`.
//!
//! Catalogs carry names, sizes and mtimes, so none of these read file contents (`diff
//! --content` excepted); archives without a catalog are walked through the accessor.

use crate::archive::exclude::{MatchType, Pattern};
use crate::format::catalog::{CatalogEntryKind, CatalogReader, DirHandle, Glob};
use crate::format::pxar::EntryKind;
use crate::shell::browse::{display_name, is_tree_archive};
use crate::shell::commands::check_cancel;
use crate::shell::commands::common::{human_size, time_string};
use crate::shell::commands::nav::{expand, stat_node};
use crate::shell::commands::select::{pattern_from_archive_root, Selected};
use crate::shell::exit::ShellError;
use crate::shell::output::OutputFormat;
use crate::shell::tree::{has_glob, Level, TreePath};
use crate::shell::Session;
use anyhow::{anyhow, bail, Context, Result};
use clap::Args;
use std::collections::BTreeMap;
use std::io::Write;

/// One entry of an archive, as the catalog knows it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Found {
    /// Archive name as shown in the tree (`root.pxar`).
    pub archive: String,
    /// Path inside the archive, without a leading `/` (`etc/hosts`).
    pub path: String,
    /// `d`, `f`, `l`, `h`, `b`, `c`, `p`, `s`.
    #[serde(rename = "type")]
    pub kind: char,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub size: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mtime: Option<i64>,
}

impl Found {
    fn key(&self) -> String {
        format!("{}/{}", self.archive, self.path)
    }
}

/// Every entry under `start` (an archive or a directory inside one), or under every directory
/// archive of a snapshot, calling `visit` for each.
fn walk_snapshot(
    session: &Session,
    start: &TreePath,
    visit: &mut dyn FnMut(&Found) -> Result<()>,
) -> Result<()> {
    let manifest = session.browser.manifest(start)?;
    let archives: Vec<String> = match &start.archive {
        Some(_) => vec![session.browser.archive_file(start)?.filename],
        None => manifest
            .0
            .files
            .iter()
            .filter(|f| is_tree_archive(&f.filename))
            .map(|f| f.filename.clone())
            .collect(),
    };
    let catalog = session.browser.catalog(start)?;
    for server_name in archives {
        let shown = display_name(&server_name).to_string();
        let inner: Vec<String> = start.inner.clone();
        if let Some(data) = &catalog {
            let reader = CatalogReader::new(data).context("catalog")?;
            let mut words: Vec<&[u8]> = vec![server_name.as_bytes()];
            words.extend(inner.iter().map(|w| w.as_bytes()));
            if let Some(entry) = reader.lookup(&reader.root(), words)? {
                let prefix = inner.join("/");
                match entry.dir_handle() {
                    Some(dir) => walk_catalog_dir(&reader, dir, &shown, &prefix, visit)?,
                    None => visit(&catalog_found(&shown, prefix, &entry.kind))?,
                }
                continue;
            }
        }
        let mut archive_path = start.clone();
        archive_path.archive = Some(shown.clone());
        walk_accessor(session, &archive_path, &shown, visit)?;
    }
    Ok(())
}

fn catalog_found(archive: &str, path: String, kind: &CatalogEntryKind) -> Found {
    let (size, mtime) = match kind {
        CatalogEntryKind::File { size, mtime_secs } => (Some(*size), Some(*mtime_secs)),
        _ => (None, None),
    };
    Found {
        archive: archive.to_string(),
        path,
        kind: kind.type_byte() as char,
        size,
        mtime,
    }
}

fn walk_catalog_dir(
    reader: &CatalogReader<'_>,
    dir: DirHandle,
    archive: &str,
    prefix: &str,
    visit: &mut dyn FnMut(&Found) -> Result<()>,
) -> Result<()> {
    let mut stack = vec![(prefix.to_string(), dir)];
    let mut seen = std::collections::HashSet::new();
    while let Some((path, dir)) = stack.pop() {
        check_cancel()?;
        if !seen.insert(dir.offset()) {
            bail!("catalog: directory block reached twice");
        }
        for entry in reader.read_dir(&dir)? {
            let name = String::from_utf8_lossy(&entry.name);
            let child = if path.is_empty() {
                name.into_owned()
            } else {
                format!("{path}/{name}")
            };
            visit(&catalog_found(archive, child.clone(), &entry.kind))?;
            if let Some(sub) = entry.dir_handle() {
                stack.push((child, sub));
            }
        }
    }
    Ok(())
}

fn walk_accessor(
    session: &Session,
    start: &TreePath,
    archive: &str,
    visit: &mut dyn FnMut(&Found) -> Result<()>,
) -> Result<()> {
    let open = session.browser.open_archive(start)?;
    let root = session.browser.lookup_entry(start, false)?;
    let mut stack = vec![root];
    while let Some(entry) = stack.pop() {
        check_cancel()?;
        let dir = open.accessor.open_dir(&entry)?;
        // In archive order (name order for any archive a pxar encoder wrote), one child at a
        // time: a directory of a million entries is one pass over its chunks.
        for (n, child) in open.accessor.read_dir_iter(&dir)?.enumerate() {
            if n % 1024 == 1023 {
                check_cancel()?;
            }
            let child = child?;
            let path = String::from_utf8_lossy(&child.entry.path)
                .trim_start_matches('/')
                .to_string();
            let (kind, size) = match &child.entry.kind {
                EntryKind::Directory => ('d', None),
                EntryKind::File { size, .. } => ('f', Some(*size)),
                EntryKind::Symlink { .. } => ('l', None),
                EntryKind::Hardlink { .. } => ('h', None),
                EntryKind::Device { .. } => ('c', None),
                EntryKind::Fifo => ('p', None),
                EntryKind::Socket => ('s', None),
            };
            let mtime = (kind == 'f').then_some(child.entry.metadata.mtime_secs);
            visit(&Found {
                archive: archive.to_string(),
                path,
                kind,
                size,
                mtime,
            })?;
            if kind == 'd' {
                stack.push(child);
            }
        }
    }
    Ok(())
}

#[derive(Debug, Args)]
pub struct FindArgs {
    /// Where to search (default: here). With glob characters and no --name/--path it is a
    /// match pattern as PBS's catalog shell takes it, below the current directory: without a
    /// `/` it matches names at any depth (`*.bin`), with one it is anchored (`etc/**/*.conf`),
    /// a trailing `/` matches directories only
    pub start: Option<String>,
    /// Match the file name against this glob (`-name` works too)
    #[arg(long)]
    pub name: Option<String>,
    /// Match the path below the search start against this glob (`**` crosses directories)
    #[arg(long)]
    pub path: Option<String>,
    /// Only this type: f (file), d (directory), l (symlink), h (hardlink)
    #[arg(long = "type", value_name = "TYPE")]
    pub kind: Option<char>,
    /// Add the matches to the selection (`list-selected`, `restore-selected`)
    #[arg(long)]
    pub select: bool,
    #[arg(long, value_enum, default_value = "text")]
    pub output_format: OutputFormat,
}

struct Matcher {
    /// PBS's `find PATTERN`, matched against the path below the search start.
    pattern: Option<Pattern>,
    name: Option<Glob>,
    path: Option<Glob>,
    kind: Option<char>,
    /// Length of the start's inner path, stripped before `--path` matching.
    base: usize,
}

impl Matcher {
    fn matches(&self, f: &Found) -> bool {
        if self.kind.is_some_and(|k| k != f.kind) {
            return false;
        }
        let base_name = f.path.rsplit('/').next().unwrap_or_default();
        let below_start = || {
            f.path
                .get(self.base..)
                .unwrap_or_default()
                .trim_start_matches('/')
        };
        if let Some(p) = &self.pattern {
            if !p.matches(below_start().as_bytes(), f.kind == 'd') {
                return false;
            }
        }
        if let Some(g) = &self.name {
            if !g.matches(base_name.as_bytes()) {
                return false;
            }
        }
        if let Some(g) = &self.path {
            if !g.matches(below_start().as_bytes()) {
                return false;
            }
        }
        true
    }
}

pub fn find(session: &mut Session, mut args: FindArgs) -> Result<()> {
    let mut pattern_text = None;
    if args.name.is_none() && args.path.is_none() {
        if let Some(s) = args.start.clone().filter(|s| has_glob(s)) {
            pattern_text = Some(s);
            args.start = None;
        }
    }
    let start = match &args.start {
        Some(text) => {
            let mut paths = expand(session, text)?;
            paths.remove(0)
        }
        None => session.cwd.clone(),
    };
    stat_node(session, &start)?;
    let glob = |g: &Option<String>| -> Result<Option<Glob>> {
        g.as_ref()
            .map(|p| Glob::new(p.as_bytes()).map_err(|e| anyhow!("pattern {p:?}: {e}")))
            .transpose()
    };
    let pattern = match &pattern_text {
        Some(text) => Some(
            Pattern::parse(text, b"")
                .filter(|p| p.kind() == MatchType::Exclude)
                .ok_or_else(|| ShellError::Usage(format!("find: {text:?} is no match pattern")))?,
        ),
        None => None,
    };
    let matcher = Matcher {
        pattern,
        name: glob(&args.name)?,
        path: glob(&args.path)?,
        kind: args.kind,
        base: start.inner.join("/").len(),
    };
    match start.level() {
        Level::Group => find_in_group(session, &start, &matcher, &args),
        Level::Snapshot | Level::Archive | Level::Inside => {
            let mut hits: Vec<TreePath> = Vec::new();
            let mut rows: Vec<Found> = Vec::new();
            walk_snapshot(session, &start, &mut |f| {
                if matcher.matches(f) {
                    rows.push(f.clone());
                }
                Ok(())
            })?;
            for f in &rows {
                hits.push(found_path(&start, f)?);
            }
            let pattern = pattern_text.as_deref().map(|text| SelectPattern {
                text,
                base: start.inner.join("/"),
            });
            report_hits(session, &args, &hits, &rows, pattern)
        }
        _ => {
            // Above groups: the newest snapshot of every group below.
            let mut hits = Vec::new();
            let mut rows = Vec::new();
            for (group, _) in session.browser.list_groups(&start, start.btype)? {
                let snaps = session
                    .browser
                    .repo_at(&start)?
                    .list_snapshots(&start.ns, Some(&group))?;
                super::common::warn_unreadable(&snaps, "skipped");
                let Some(newest) = snaps.iter().rev().find(|s| s.is_readable()) else {
                    continue;
                };
                let snap_path = TreePath::snapshot_path(
                    start.store.as_deref().unwrap_or_default(),
                    &start.ns,
                    &newest.snapshot,
                );
                walk_snapshot(session, &snap_path, &mut |f| {
                    if matcher.matches(f) {
                        rows.push(f.clone());
                        hits.push(found_path(&snap_path, f)?);
                    }
                    Ok(())
                })?;
            }
            let pattern = pattern_text.as_deref().map(|text| SelectPattern {
                text,
                base: String::new(),
            });
            report_hits(session, &args, &hits, &rows, pattern)
        }
    }
}

/// The paths of `archive` that a selection pattern (written from the archive root) matches.
pub fn pattern_matches(
    session: &Session,
    archive: &TreePath,
    pattern: &str,
) -> Result<Vec<TreePath>> {
    let mut list = crate::archive::exclude::MatchList::new();
    list.add_patterns([pattern]);
    let mut hits = Vec::new();
    walk_snapshot(session, archive, &mut |f| {
        if list.matches(f.path.as_bytes(), f.kind == 'd') == Some(MatchType::Exclude) {
            hits.push(found_path(archive, f)?);
        }
        Ok(())
    })?;
    Ok(hits)
}

fn found_path(start: &TreePath, f: &Found) -> Result<TreePath> {
    let mut words = TreePath {
        archive: None,
        inner: Vec::new(),
        ..start.clone()
    }
    .components();
    words.push(f.archive.clone());
    words.extend(
        f.path
            .split('/')
            .filter(|w| !w.is_empty())
            .map(String::from),
    );
    Ok(TreePath::from_components(&words)?)
}

/// The pattern `find PATTERN --select` keeps, and the directory below the archive root it was
/// given in.
struct SelectPattern<'a> {
    text: &'a str,
    base: String,
}

fn report_hits(
    session: &mut Session,
    args: &FindArgs,
    hits: &[TreePath],
    rows: &[Found],
    pattern: Option<SelectPattern<'_>>,
) -> Result<()> {
    if hits.is_empty() {
        bail!(ShellError::NotFound("find: nothing matches".into()));
    }
    if args.select {
        // As PBS's catalog shell: a pattern is selected itself, once per archive it hit.
        let stored = pattern
            .filter(|_| args.kind.is_none())
            .map(|p| pattern_from_archive_root(&p.base, p.text));
        let mut index = super::select::SelectionIndex::new(&session.selection);
        for h in hits {
            let entry = match &stored {
                Some(pattern) => Selected::Pattern {
                    archive: TreePath {
                        inner: Vec::new(),
                        ..h.clone()
                    },
                    pattern: pattern.clone(),
                },
                None => Selected::Path(h.clone()),
            };
            let _ = index.add(&mut session.selection, entry);
        }
    }
    if args.output_format != OutputFormat::Text {
        let json: Vec<serde_json::Value> = hits
            .iter()
            .zip(rows)
            .map(|(h, f)| {
                serde_json::json!({
                    "path": h.to_string(), "type": f.kind.to_string(),
                    "size": f.size, "mtime": f.mtime,
                })
            })
            .collect();
        return crate::shell::output::write_json(&mut session.out, &json, args.output_format);
    }
    for h in hits {
        writeln!(session.out, "{h}")?;
    }
    if args.select {
        crate::errln!("{} path(s) selected", hits.len());
    }
    Ok(())
}

/// Versions across a group: one row where a matching path appears, changes or disappears.
fn find_in_group(
    session: &mut Session,
    group_path: &TreePath,
    matcher: &Matcher,
    args: &FindArgs,
) -> Result<()> {
    let group = group_path
        .group()
        .ok_or_else(|| anyhow!("{group_path}: not a group"))?;
    let snapshots = session
        .browser
        .repo_at(group_path)?
        .list_snapshots(&group_path.ns, Some(&group))?;
    super::common::warn_unreadable(&snapshots, "skipped");
    let mut previous: BTreeMap<String, Found> = BTreeMap::new();
    let mut rows: Vec<(String, &'static str, Found)> = Vec::new();
    for snap in snapshots.iter().filter(|s| s.is_readable()) {
        let snap_path = TreePath::snapshot_path(
            group_path.store.as_deref().unwrap_or_default(),
            &group_path.ns,
            &snap.snapshot,
        );
        let mut current: BTreeMap<String, Found> = BTreeMap::new();
        walk_snapshot(session, &snap_path, &mut |f| {
            if matcher.matches(f) {
                current.insert(f.key(), f.clone());
            }
            Ok(())
        })?;
        let time = snap.snapshot.time_string();
        for (key, f) in &current {
            match previous.get(key) {
                None => rows.push((time.clone(), "added", f.clone())),
                Some(old) if old.size != f.size || old.mtime != f.mtime || old.kind != f.kind => {
                    rows.push((time.clone(), "changed", f.clone()))
                }
                Some(_) => {}
            }
        }
        for (key, f) in &previous {
            if !current.contains_key(key) {
                rows.push((time.clone(), "removed", f.clone()));
            }
        }
        previous = current;
    }
    if rows.is_empty() {
        bail!(ShellError::NotFound(format!(
            "find: nothing matches in any snapshot of {group}"
        )));
    }
    if args.output_format != OutputFormat::Text {
        let json: Vec<serde_json::Value> = rows
            .iter()
            .map(|(time, status, f)| {
                serde_json::json!({
                    "snapshot": time, "status": status, "archive": f.archive,
                    "path": f.path, "type": f.kind.to_string(), "size": f.size, "mtime": f.mtime,
                })
            })
            .collect();
        return crate::shell::output::write_json(&mut session.out, &json, args.output_format);
    }
    for (time, status, f) in &rows {
        writeln!(
            session.out,
            "{time}  {status:<7}  {:>10}  {:<20}  {}/{}",
            f.size.map(human_size).unwrap_or_default(),
            f.mtime.map(time_string).unwrap_or_default(),
            f.archive,
            f.path
        )?;
    }
    Ok(())
}

/// `history PATH`: every version of one file across its group's snapshots.
pub fn file_history(session: &mut Session, text: &str, format: OutputFormat) -> Result<()> {
    let path = match expand(session, text) {
        Ok(paths) => paths,
        // At a group, `history ARCHIVE/PATH` means that path in the group's snapshots (the
        // latest one names it; every snapshot is looked at below).
        Err(e) if session.cwd.level() == Level::Group && !text.starts_with('/') => {
            expand(session, &format!("latest/{text}")).map_err(|_| e)?
        }
        Err(e) => return Err(e),
    }
    .into_iter()
    .next()
    .ok_or_else(|| anyhow!("{text}: no such file or directory"))?;
    if path.level() != Level::Inside {
        bail!("{path}: history needs a path inside an archive (e.g. root.pxar/etc/hosts)");
    }
    let group = path.group().ok_or_else(|| anyhow!("{path}: no group"))?;
    let snapshots = session
        .browser
        .repo_at(&path)?
        .list_snapshots(&path.ns, Some(&group))?;
    super::common::warn_unreadable(&snapshots, "skipped");
    let mut rows = Vec::new();
    let mut last: Option<Found> = None;
    for snap in snapshots.iter().filter(|s| s.is_readable()) {
        let mut at = path.clone();
        at.time = Some(snap.snapshot.time);
        let mut hit = None;
        let archive_known = session.browser.archive_file(&at).is_ok();
        if archive_known {
            // The start itself is the file: walking it visits exactly that entry.
            let _ = walk_snapshot(session, &at, &mut |f| {
                if f.path == path.inner.join("/") {
                    hit = Some(f.clone());
                }
                Ok(())
            });
        }
        let status = match (&last, &hit) {
            (None, Some(_)) => "added",
            (Some(_), None) => "removed",
            (Some(a), Some(b)) if a.size != b.size || a.mtime != b.mtime => "changed",
            (Some(_), Some(_)) => "same",
            (None, None) => continue,
        };
        rows.push((snap.snapshot.time_string(), status, hit.clone()));
        last = hit;
    }
    if rows.is_empty() {
        bail!(ShellError::NotFound(format!(
            "{}: in no snapshot of {group}",
            path.inner_path()
        )));
    }
    if format != OutputFormat::Text {
        let json: Vec<serde_json::Value> = rows
            .iter()
            .map(|(t, s, f)| {
                serde_json::json!({
                    "snapshot": t, "status": s,
                    "size": f.as_ref().and_then(|f| f.size),
                    "mtime": f.as_ref().and_then(|f| f.mtime),
                })
            })
            .collect();
        return crate::shell::output::write_json(&mut session.out, &json, format);
    }
    for (time, status, f) in rows {
        let (size, mtime) = f
            .map(|f| {
                (
                    f.size.map(human_size).unwrap_or_default(),
                    f.mtime.map(time_string).unwrap_or_default(),
                )
            })
            .unwrap_or_default();
        writeln!(session.out, "{time}  {status:<7}  {size:>10}  {mtime}")?;
    }
    Ok(())
}

#[derive(Debug, Args)]
pub struct DiffArgs {
    /// The older snapshot (a tree path, e.g. 2026-11-20T10:00:00Z or @-1 inside a group); alone,
    /// the newer one, compared with the snapshot before it
    pub a: String,
    /// The newer snapshot
    pub b: Option<String>,
    /// Compare only below this path (e.g. root.pxar/etc)
    pub path: Option<String>,
    /// Also compare the contents of files whose size is equal
    #[arg(long)]
    pub content: bool,
    #[arg(long, value_enum, default_value = "text")]
    pub output_format: OutputFormat,
}

/// The snapshot of the same group just before `snapshot`.
fn previous_snapshot(session: &Session, snapshot: &TreePath) -> Result<TreePath> {
    let group = snapshot.parent();
    let time = snapshot.time.unwrap_or_default();
    let before = session
        .browser
        .list(&group)?
        .iter()
        .filter_map(|c| crate::repo::types::parse_backup_time(&c.name).ok())
        .filter(|t| *t < time)
        .max();
    let Some(before) = before else {
        bail!(ShellError::NotFound(format!(
            "{snapshot}: the group's first snapshot has none before it to compare with"
        )));
    };
    let mut words = group.components();
    words.push(crate::repo::types::format_backup_time(before));
    Ok(TreePath::from_components(&words)?)
}

pub fn diff(session: &mut Session, args: DiffArgs) -> Result<()> {
    let resolve_snap = |text: &str| -> Result<TreePath> {
        let p = expand(session, text)?.remove(0);
        if p.level() != Level::Snapshot {
            bail!("{p}: not a snapshot");
        }
        stat_node(session, &p)?;
        Ok(p)
    };
    let (mut a, mut b) = match &args.b {
        Some(b) => (resolve_snap(&args.a)?, resolve_snap(b)?),
        None => {
            let newer = resolve_snap(&args.a)?;
            (previous_snapshot(session, &newer)?, newer)
        }
    };
    if let Some(sub) = &args.path {
        let words: Vec<String> = sub
            .split('/')
            .filter(|w| !w.is_empty())
            .map(String::from)
            .collect();
        for p in [&mut a, &mut b] {
            let mut w = p.components();
            w.extend(words.iter().cloned());
            *p = TreePath::from_components(&w)?;
        }
    }
    let collect = |p: &TreePath| -> Result<BTreeMap<String, Found>> {
        let mut map = BTreeMap::new();
        walk_snapshot(session, p, &mut |f| {
            map.insert(f.key(), f.clone());
            Ok(())
        })?;
        Ok(map)
    };
    let (old, new) = (collect(&a)?, collect(&b)?);
    let mut rows: Vec<(&'static str, &Found)> = Vec::new();
    for (key, f) in &new {
        match old.get(key) {
            None => rows.push(("added", f)),
            Some(o) => {
                let meta_changed = o.kind != f.kind || o.size != f.size || o.mtime != f.mtime;
                let changed = if args.content && f.kind == 'f' && o.kind == 'f' && o.size == f.size
                {
                    files_differ(session, &a, &b, f)?
                } else {
                    meta_changed
                };
                if changed {
                    rows.push(("changed", f));
                }
            }
        }
    }
    for (key, f) in &old {
        if !new.contains_key(key) {
            rows.push(("removed", f));
        }
    }
    rows.sort_by_key(|x| x.1.key());
    if args.output_format != OutputFormat::Text {
        let json: Vec<serde_json::Value> = rows
            .iter()
            .map(|(s, f)| {
                serde_json::json!({"status": s, "archive": f.archive, "path": f.path,
                    "type": f.kind.to_string(), "size": f.size, "mtime": f.mtime})
            })
            .collect();
        return crate::shell::output::write_json(&mut session.out, &json, args.output_format);
    }
    let color = session.color;
    for (status, f) in &rows {
        let (mark, paint) = match *status {
            "added" => ('+', nu_ansi_term::Color::Green),
            "removed" => ('-', nu_ansi_term::Color::Red),
            _ => ('M', nu_ansi_term::Color::Yellow),
        };
        let text = format!(
            "{mark} {:>10}  {}/{}",
            f.size.map(human_size).unwrap_or_default(),
            f.archive,
            f.path
        );
        if color {
            writeln!(session.out, "{}", paint.paint(text))?;
        } else {
            writeln!(session.out, "{text}")?;
        }
    }
    let count = |s: &str| rows.iter().filter(|(x, _)| *x == s).count();
    crate::errln!(
        "{} added, {} removed, {} changed",
        count("added"),
        count("removed"),
        count("changed")
    );
    Ok(())
}

/// Compares one file's bytes in two snapshots (for `diff --content`).
fn files_differ(session: &Session, a: &TreePath, b: &TreePath, f: &Found) -> Result<bool> {
    let locate = |snap: &TreePath| -> Result<TreePath> {
        let mut w = TreePath {
            archive: None,
            inner: Vec::new(),
            ..snap.clone()
        }
        .components();
        w.push(f.archive.clone());
        w.extend(f.path.split('/').map(String::from));
        Ok(TreePath::from_components(&w)?)
    };
    let (pa, pb) = (locate(a)?, locate(b)?);
    let (ea, eb) = (
        session.browser.lookup_entry(&pa, true)?,
        session.browser.lookup_entry(&pb, true)?,
    );
    let (oa, ob) = (
        session.browser.open_archive(&pa)?,
        session.browser.open_archive(&pb)?,
    );
    let size = f.size.unwrap_or_default();
    let mut offset = 0u64;
    let (mut ba, mut bb) = (vec![0u8; 1 << 20], vec![0u8; 1 << 20]);
    while offset < size {
        check_cancel()?;
        let na = oa.accessor.read_file_at(&ea, &mut ba, offset)?;
        let nb = ob.accessor.read_file_at(&eb, &mut bb, offset)?;
        if na != nb || ba[..na] != bb[..nb] {
            return Ok(true);
        }
        if na == 0 {
            break;
        }
        offset += na as u64;
    }
    Ok(false)
}
