//! Moving through and looking at the virtual tree: `cd`, `pwd`, `ls`, `tree`, `stat`.

use crate::format::catalog::Glob;
use crate::repo::RepoError;
use crate::shell::browse::{Node, NodeKind};
use crate::shell::commands::common::{human_size, time_string};
use crate::shell::exit::ShellError;
use crate::shell::output::OutputFormat;
use crate::shell::tree::{has_glob, Level, TreePath};
use crate::shell::Session;
use anyhow::{anyhow, bail, Result};
use clap::Args;
use nu_ansi_term::Color;
use std::io::{IsTerminal, Write};

/// The text of `help paths`.
pub const PATHS_HELP: &str = "\
The tree: /DATASTORE/[NAMESPACE/...]/TYPE/ID/TIME/ARCHIVE/[PATH IN ARCHIVE]
  /                      the datastores
  /store                 a datastore: its namespaces and backup groups
  /store/ns1/ns2         nested namespaces
  /store/host/web1       a backup group (TYPE is host, vm or ct)
  /store/host/web1/2026-11-20T10:00:00Z             a snapshot (RFC 3339, UTC)
  /store/host/web1/2026-11-20T10:00:00Z/root.pxar   an archive: cd into .pxar/.mpxar archives
Rule: below a datastore or namespace, `host`, `vm` and `ct` always start a backup group; any
other word is a namespace. A namespace named host, vm or ct is written `ns:host`.
Paths are absolute (/…) or relative to the current directory; `..` goes up, `~` is where the
session started, `-` the previous directory. `*`, `?`, `[…]` match names at any level
(quote them in one-shot use); a glob that matches nothing is an error.
Snapshots by alias, wherever a snapshot time goes (paths and TYPE/ID/TIME arguments): `latest`
(or `@latest`), `@-1` the one before it, `@-N`, or a unique prefix of the time (`2026-11-20T10`).
Repositories (--repository, PBS_REPOSITORY, `open`), read as PBS reads them:
  [[USER@REALM[!TOKEN]@]HOST[:PORT]:]STORE   a datastore on a server; a bare `store1` is the
                         store store1 on localhost:8007 as root@pam, never a local directory
  /srv/ds  ./ds  ../ds  ~/ds  file:ds        a local datastore directory: always a path
  ./root.pxar  ./root.mpxar (with root.ppxar)  a lone archive, read-only: `/` is its root
";

/// Expands one path argument (with globs) into the tree paths it names.
pub fn expand(session: &Session, text: &str) -> Result<Vec<TreePath>> {
    Ok(expand_listed(session, text)?.0)
}

/// Like [`expand`], and whether every path was seen in a listing (the last word is a glob),
/// so the caller need not look each one up again to know it exists.
///
/// Each directory a glob stands in is listed once, streaming (a match keeps only its path), so
/// `big/*` over a million entries is one pass over the directory.
pub fn expand_listed(session: &Session, text: &str) -> Result<(Vec<TreePath>, bool)> {
    let mut words = TreePath::resolve_words(&session.cwd, text, &session.home, &session.previous);
    resolve_snapshot_aliases(session, &mut words)?;
    if !words.iter().any(|w| has_glob(w)) {
        return Ok((vec![TreePath::from_components(&words)?], false));
    }
    let last_glob = words.iter().rposition(|w| has_glob(w)).unwrap_or(0);
    let mut prefixes: Vec<Vec<String>> = vec![Vec::new()];
    for word in words.get(..last_glob).unwrap_or_default() {
        if !has_glob(word) {
            for p in &mut prefixes {
                p.push(word.clone());
            }
            continue;
        }
        let glob = Glob::new(word.as_bytes()).map_err(|e| anyhow!("{text}: {e}"))?;
        let mut next = Vec::new();
        for prefix in &prefixes {
            let parent = TreePath::from_components(prefix)?;
            for name in matching_children(session, &parent, &glob) {
                let mut p = prefix.clone();
                p.push(name);
                next.push(p);
            }
        }
        prefixes = next;
    }
    // The last glob: paths straight from the parent's path, without building words again.
    let glob = Glob::new(
        words
            .get(last_glob)
            .map(String::as_bytes)
            .unwrap_or_default(),
    )
    .map_err(|e| anyhow!("{text}: {e}"))?;
    let rest = words.get(last_glob + 1..).unwrap_or_default();
    let mut out = Vec::new();
    for prefix in &prefixes {
        let parent = TreePath::from_components(prefix)?;
        for name in matching_children(session, &parent, &glob) {
            if parent.level() >= Level::Archive {
                let mut path = parent.clone();
                path.inner.push(name);
                path.inner.extend(rest.iter().cloned());
                out.push(path);
            } else {
                let mut p = prefix.clone();
                p.push(name);
                p.extend(rest.iter().cloned());
                out.push(TreePath::from_components(&p)?);
            }
        }
    }
    if out.is_empty() {
        bail!(ShellError::NotFound(format!("{text}: no match")));
    }
    Ok((out, rest.is_empty()))
}

/// The names of `parent`'s children that `glob` matches, in name order (none when it cannot
/// be listed).
fn matching_children(session: &Session, parent: &TreePath, glob: &Glob) -> Vec<String> {
    let mut names = Vec::new();
    let listed = session.browser.each_child(parent, &mut |child| {
        if glob.matches(child.name.as_bytes()) {
            names.push(child.name);
        }
        Ok(())
    });
    match listed {
        Ok(true) => names,
        Ok(false) => {
            names.sort();
            names
        }
        Err(_) => Vec::new(),
    }
}

/// Replaces a snapshot alias (`latest`, `@-1`, a unique time prefix) standing where a snapshot
/// time belongs with that snapshot's time.
fn resolve_snapshot_aliases(session: &Session, words: &mut [String]) -> Result<()> {
    for i in 0..words.len() {
        let Ok(parent) = TreePath::from_components(&words[..i]) else {
            return Ok(());
        };
        if parent.level() != Level::Group {
            continue;
        }
        let times: Vec<i64> = match session.browser.list(&parent) {
            Ok(children) => children
                .iter()
                .filter_map(|c| crate::repo::types::parse_backup_time(&c.name).ok())
                .collect(),
            Err(_) => return Ok(()),
        };
        match crate::shell::tree::pick_snapshot(&words[i], &times) {
            None => {}
            Some(Ok(time)) => words[i] = crate::repo::types::format_backup_time(time),
            Some(Err(reason)) => bail!(ShellError::NotFound(format!("{parent}: {reason}"))),
        }
        return Ok(());
    }
    Ok(())
}

/// Expands several arguments; each must match something.
pub fn expand_all(session: &Session, texts: &[String]) -> Result<Vec<TreePath>> {
    let mut out = Vec::new();
    for t in texts {
        out.extend(expand(session, t)?);
    }
    Ok(out)
}

/// A suggestion for a path that does not exist: a sibling with a similar name.
pub fn did_you_mean(session: &Session, path: &TreePath) -> String {
    let parent = path.parent();
    let name = path.name();
    let Ok(siblings) = session.browser.list(&parent) else {
        return String::new();
    };
    let lower = name.to_lowercase();
    siblings
        .iter()
        .map(|n| n.name.clone())
        .find(|n| {
            n.to_lowercase() == lower
                || n.to_lowercase().starts_with(&lower)
                || edit_distance(n, &name) <= 2
        })
        .map(|n| {
            let mut p = parent.components();
            p.push(n);
            format!(" (did you mean `{}`?)", relative_to(&session.cwd, &p))
        })
        .unwrap_or_default()
}

fn relative_to(cwd: &TreePath, words: &[String]) -> String {
    let base = cwd.components();
    if words.starts_with(&base) && words.len() > base.len() {
        words[base.len()..].join("/")
    } else {
        format!("/{}", words.join("/"))
    }
}

/// Levenshtein distance, for typo suggestions.
pub fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut prev = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let cur = row[j + 1];
            row[j + 1] = (prev + usize::from(ca != *cb)).min(row[j] + 1).min(cur + 1);
            prev = cur;
        }
    }
    row[b.len()]
}

/// The node at `path`, with a "did you mean" when it does not exist.
pub fn stat_node(session: &Session, path: &TreePath) -> Result<Node> {
    session.browser.stat(path).map_err(|e| {
        let missing = e.chain().find_map(|c| match c.downcast_ref::<RepoError>() {
            Some(RepoError::NotFound(what)) => Some(what.clone()),
            _ => None,
        });
        let is_store = path.level() == Level::Namespace && path.ns.is_root();
        if let (Some(what), true) = (&missing, is_store) {
            // The browser's message names the datastores there are.
            anyhow!(ShellError::NotFound(what.clone()))
        } else if missing.is_some() {
            anyhow!(ShellError::NotFound(format!(
                "{path}: no such file or directory{}",
                did_you_mean(session, path)
            )))
        } else {
            e
        }
    })
}

pub fn cd(session: &mut Session, target: Option<String>) -> Result<()> {
    let target = match target {
        None => session.home.clone(),
        Some(text) => {
            let mut paths = expand(session, &text)?;
            if paths.len() > 1 {
                bail!("{text}: matches {} places; cd needs one", paths.len());
            }
            paths.remove(0)
        }
    };
    let node = stat_node(session, &target)?;
    if !node.kind.is_dir() {
        bail!("{target}: not a directory");
    }
    if target != session.cwd {
        session.previous = std::mem::replace(&mut session.cwd, target);
    }
    Ok(())
}

#[derive(Debug, Args)]
pub struct LsArgs {
    /// Paths to list (globs allowed); default: the current directory
    pub paths: Vec<String>,
    /// Long format: type, mode, owner, size, time, flags
    #[arg(short = 'l')]
    pub long: bool,
    /// Show entries whose names start with `.`
    #[arg(short = 'a')]
    pub all: bool,
    /// Sizes as 1.5 KiB, 3.2 MiB
    #[arg(short = 'H', long = "human-readable")]
    pub human: bool,
    /// Sort by time, newest first
    #[arg(short = 't')]
    pub by_time: bool,
    /// Sort by size, largest first
    #[arg(short = 'S')]
    pub by_size: bool,
    /// Reverse the order
    #[arg(short = 'r')]
    pub reverse: bool,
    /// List the directory itself, not its contents
    #[arg(short = 'd')]
    pub directory: bool,
    #[arg(long, value_enum, default_value = "text")]
    pub output_format: OutputFormat,
}

/// The children `ls` shows: at a namespace, groups appear as `type/id`.
fn ls_children(session: &Session, path: &TreePath) -> Result<Vec<Node>> {
    if path.level() != Level::Namespace {
        return session.browser.list(path);
    }
    let mut nodes: Vec<Node> = session
        .browser
        .list(path)?
        .into_iter()
        .filter(|n| n.kind == NodeKind::Namespace)
        .collect();
    nodes.extend(
        session
            .browser
            .list_groups(path, None)?
            .into_iter()
            .map(|(_, n)| n),
    );
    Ok(nodes)
}

/// Entries `ls` lays out at once when it streams a directory inside an archive: the first
/// batch sets the column widths, later ones keep them.
const LS_BATCH: usize = 1024;

pub fn ls(session: &mut Session, args: LsArgs) -> Result<()> {
    let targets = if args.paths.is_empty() {
        vec![session.cwd.clone()]
    } else {
        expand_all(session, &args.paths)?
    };
    if let [target] = targets.as_slice() {
        let streams = args.output_format == OutputFormat::Text
            && !(args.by_time || args.by_size || args.reverse || args.directory)
            && target.level() >= Level::Archive;
        if streams && stat_node(session, target)?.kind.is_dir() {
            return ls_streaming(session, target, &args);
        }
    }
    let mut sections: Vec<(TreePath, Vec<Node>)> = Vec::new();
    let mut singles = Vec::new();
    for target in &targets {
        let node = stat_node(session, target)?;
        if node.kind.is_dir() && !args.directory {
            let mut children = ls_children(session, target)?;
            // Listed anyway (marked in the long form); said once here.
            for problem in children.iter().filter_map(|n| n.problem.as_ref()) {
                crate::errln!("warning: {problem}; listed as unreadable");
            }
            if !args.all {
                children.retain(|n| !n.name.starts_with('.'));
            }
            sort_nodes(&mut children, &args);
            sections.push((target.clone(), children));
        } else {
            singles.push(node);
        }
    }
    if args.output_format != OutputFormat::Text {
        let mut all: Vec<&Node> = singles.iter().collect();
        for (_, nodes) in &sections {
            all.extend(nodes.iter());
        }
        return crate::shell::output::write_json(&mut session.out, &all, args.output_format);
    }
    let several = sections.len() + usize::from(!singles.is_empty()) > 1;
    let mut first = true;
    if !singles.is_empty() {
        print_nodes(session, &singles, &args)?;
        first = false;
    }
    for (path, nodes) in &sections {
        if several {
            if !first {
                writeln!(session.out)?;
            }
            writeln!(session.out, "{path}:")?;
        }
        first = false;
        print_nodes(session, nodes, &args)?;
    }
    Ok(())
}

fn sort_nodes(nodes: &mut [Node], args: &LsArgs) {
    if args.by_time {
        nodes.sort_by(|a, b| b.mtime.cmp(&a.mtime).then(a.name.cmp(&b.name)));
    } else if args.by_size {
        nodes.sort_by(|a, b| b.size.cmp(&a.size).then(a.name.cmp(&b.name)));
    }
    if args.reverse {
        nodes.reverse();
    }
}

/// A node's name as shown: directories end in `/`, coloured on a terminal.
fn shown_name(node: &Node, color: bool) -> String {
    let mut name = node.name.clone();
    if node.kind.is_dir() {
        name.push('/');
    }
    if !color {
        return name;
    }
    match node.kind {
        NodeKind::File if node.mode.is_some_and(|m| m & 0o111 != 0) => {
            Color::Green.bold().paint(name).to_string()
        }
        NodeKind::File => name,
        NodeKind::Symlink | NodeKind::Hardlink => Color::Cyan.paint(name).to_string(),
        NodeKind::Archive | NodeKind::Snapshot => Color::Yellow.bold().paint(name).to_string(),
        NodeKind::Device | NodeKind::Fifo | NodeKind::Socket => {
            Color::Magenta.paint(name).to_string()
        }
        _ => Color::Blue.bold().paint(name).to_string(),
    }
}

/// `ls` of one directory inside an archive, printed as its entries are decoded: the first line
/// comes out before the directory is read to its end, and only a batch of entries is held.
fn ls_streaming(session: &mut Session, target: &TreePath, args: &LsArgs) -> Result<()> {
    let color = session.color;
    let browser = session.browser.clone();
    let mut out = std::io::BufWriter::with_capacity(64 << 10, &mut session.out);
    let mut layout = Layout::default();
    let mut batch: Vec<Node> = Vec::with_capacity(LS_BATCH);
    let mut first = true;
    let in_order = browser.each_child(target, &mut |node| {
        if !args.all && node.name.starts_with('.') {
            return Ok(());
        }
        batch.push(node);
        if batch.len() >= LS_BATCH {
            write_nodes(&mut out, &batch, args, color, &mut layout)?;
            batch.clear();
            if std::mem::take(&mut first) {
                out.flush()?;
            }
        }
        Ok(())
    })?;
    write_nodes(&mut out, &batch, args, color, &mut layout)?;
    out.flush()?;
    if !in_order {
        crate::errln!(
            "warning: {target}: the archive stores its entries out of name order; listed partly unsorted"
        );
    }
    Ok(())
}

fn print_nodes(session: &mut Session, nodes: &[Node], args: &LsArgs) -> Result<()> {
    let color = session.color;
    write_nodes(&mut session.out, nodes, args, color, &mut Layout::default())
}

/// Column widths of a listing: set by the first nodes written, kept for later batches.
#[derive(Default)]
struct Layout {
    long: Option<[usize; 5]>,
    column: Option<usize>,
}

fn write_nodes(
    out: &mut dyn Write,
    nodes: &[Node],
    args: &LsArgs,
    color: bool,
    layout: &mut Layout,
) -> Result<()> {
    if args.long {
        let rows: Vec<[String; 5]> = nodes.iter().map(|n| long_row(n, args.human)).collect();
        let widths = *layout.long.get_or_insert_with(|| {
            let mut widths = [0usize; 5];
            for row in &rows {
                for (w, cell) in widths.iter_mut().zip(row.iter()) {
                    *w = (*w).max(cell.chars().count());
                }
            }
            widths
        });
        for (row, node) in rows.iter().zip(nodes) {
            let mut line = String::new();
            for (i, (cell, w)) in row.iter().zip(widths.iter()).enumerate() {
                if *w == 0 {
                    continue;
                }
                // Sizes align right, text left.
                if i == 2 {
                    line.push_str(&format!("{cell:>w$}  "));
                } else {
                    line.push_str(&format!("{cell:<w$}  "));
                }
            }
            line.push_str(&shown_name(node, color));
            if let Some(target) = &node.target {
                let arrow = if node.kind == NodeKind::Hardlink {
                    "=>"
                } else {
                    "->"
                };
                line.push_str(&format!(" {arrow} {target}"));
            }
            if let Some(comment) = &node.comment {
                line.push_str(&format!("  # {comment}"));
            }
            writeln!(out, "{}", line.trim_end())?;
        }
        return Ok(());
    }
    let names: Vec<(String, usize)> = nodes
        .iter()
        .map(|n| {
            let plain = shown_name(n, false);
            let width = plain.chars().count();
            (shown_name(n, color), width)
        })
        .collect();
    let width = if std::io::stdout().is_terminal() {
        terminal_width()
    } else {
        0
    };
    if width == 0 || names.is_empty() {
        for (name, _) in names {
            writeln!(out, "{name}")?;
        }
        return Ok(());
    }
    // Columns, filled top to bottom, as ls does on a terminal.
    let col = *layout
        .column
        .get_or_insert_with(|| names.iter().map(|(_, w)| *w).max().unwrap_or(1) + 2);
    let cols = (width / col).max(1);
    let rows = names.len().div_ceil(cols);
    for r in 0..rows {
        let mut line = String::new();
        for c in 0..cols {
            if let Some((name, w)) = names.get(c * rows + r) {
                line.push_str(name);
                line.push_str(&" ".repeat(col.saturating_sub(*w).max(2)));
            }
        }
        writeln!(out, "{}", line.trim_end())?;
    }
    Ok(())
}

/// Mode text like `drwxr-xr-x`.
pub fn mode_string(kind: NodeKind, mode: Option<u32>) -> String {
    let mut s = String::with_capacity(10);
    s.push(kind.letter());
    match mode {
        None => s.push_str("---------"),
        Some(m) => {
            for (i, c) in "rwxrwxrwx".chars().enumerate() {
                let bit = 1 << (8 - i);
                s.push(if m & bit != 0 { c } else { '-' });
            }
        }
    }
    s
}

fn long_row(node: &Node, human: bool) -> [String; 5] {
    let size = node
        .size
        .map(|s| if human { human_size(s) } else { s.to_string() })
        .unwrap_or_default();
    let owner = match (&node.owner, node.uid, node.gid) {
        (Some(o), _, _) => o.clone(),
        (None, Some(u), Some(g)) => format!("{u}:{g}"),
        _ => String::new(),
    };
    let time = node.mtime.map(time_string).unwrap_or_default();
    let mut flags = Vec::new();
    if let Some(c) = &node.crypt {
        flags.push(c.clone());
    }
    if node.protected == Some(true) {
        flags.push("protected".into());
    }
    if let Some(n) = node.count {
        flags.push(format!(
            "{n} {}",
            if node.kind == NodeKind::Group || n == 1 {
                "snapshot(s)"
            } else {
                "groups"
            }
        ));
    }
    [
        mode_string(node.kind, node.mode),
        owner,
        size,
        time,
        flags.join(","),
    ]
}

fn terminal_width() -> usize {
    if let Some(cols) = std::env::var("COLUMNS").ok().and_then(|c| c.parse().ok()) {
        return cols;
    }
    // SAFETY: TIOCGWINSZ fills a winsize struct we own; failure leaves it zeroed.
    let mut size: libc::winsize = unsafe { std::mem::zeroed() };
    let ok = unsafe { libc::ioctl(libc::STDOUT_FILENO, libc::TIOCGWINSZ, &mut size) } == 0;
    if ok && size.ws_col > 0 {
        size.ws_col as usize
    } else {
        80
    }
}

#[derive(Debug, Args)]
pub struct TreeArgs {
    pub path: Option<String>,
    /// Descend at most this many levels (default: 3 above archives, unlimited inside one)
    #[arg(short = 'L')]
    pub depth: Option<usize>,
    #[arg(short = 'a')]
    pub all: bool,
}

pub fn tree(session: &mut Session, args: TreeArgs) -> Result<()> {
    let root = match &args.path {
        Some(p) => {
            let mut paths = expand(session, p)?;
            paths.remove(0)
        }
        None => session.cwd.clone(),
    };
    stat_node(session, &root)?;
    let depth = args.depth.unwrap_or(if root.level() >= Level::Archive {
        usize::MAX
    } else {
        3
    });
    writeln!(session.out, "{root}")?;
    let mut counts = (0usize, 0usize);
    tree_level(session, &root, "", depth, args.all, &mut counts)?;
    writeln!(
        session.out,
        "\n{} directories, {} files",
        counts.0, counts.1
    )?;
    Ok(())
}

fn tree_level(
    session: &mut Session,
    path: &TreePath,
    indent: &str,
    depth: usize,
    all: bool,
    counts: &mut (usize, usize),
) -> Result<()> {
    if depth == 0 {
        return Ok(());
    }
    crate::shell::commands::check_cancel()?;
    let mut children = ls_children(session, path)?;
    if !all {
        children.retain(|n| !n.name.starts_with('.'));
    }
    let last = children.len().saturating_sub(1);
    for (i, child) in children.iter().enumerate() {
        let (branch, more) = if i == last {
            ("└── ", "    ")
        } else {
            ("├── ", "│   ")
        };
        writeln!(
            session.out,
            "{indent}{branch}{}",
            shown_name(child, session.color)
        )?;
        let descend =
            child.kind.is_dir() && (child.kind != NodeKind::Archive || depth != usize::MAX);
        if child.kind.is_dir() {
            counts.0 += 1;
        } else {
            counts.1 += 1;
        }
        if descend {
            let mut words = path.components();
            words.extend(child.name.split('/').map(String::from));
            let child_path = TreePath::from_components(&words)?;
            tree_level(
                session,
                &child_path,
                &format!("{indent}{more}"),
                depth.saturating_sub(1),
                all,
                counts,
            )?;
        }
    }
    Ok(())
}

#[derive(Debug, Args)]
pub struct StatArgs {
    pub paths: Vec<String>,
    #[arg(long, value_enum, default_value = "text")]
    pub output_format: OutputFormat,
}

pub fn stat(session: &mut Session, args: StatArgs) -> Result<()> {
    let targets = if args.paths.is_empty() {
        vec![session.cwd.clone()]
    } else {
        expand_all(session, &args.paths)?
    };
    let mut nodes = Vec::new();
    for t in &targets {
        let mut node = stat_node(session, t)?;
        node.name = t.to_string();
        nodes.push(node);
    }
    if args.output_format != OutputFormat::Text {
        if nodes.len() == 1 {
            return crate::shell::output::write_json(
                &mut session.out,
                &nodes[0],
                args.output_format,
            );
        }
        return crate::shell::output::write_json(&mut session.out, &nodes, args.output_format);
    }
    for node in nodes {
        writeln!(session.out, "  Path: {}", node.name)?;
        writeln!(session.out, "  Type: {:?}", node.kind)?;
        if let Some(size) = node.size {
            writeln!(session.out, "  Size: {size} ({})", human_size(size))?;
        }
        if node.mode.is_some() {
            writeln!(
                session.out,
                "  Mode: {} ({:04o})",
                mode_string(node.kind, node.mode),
                node.mode.unwrap_or_default() & 0o7777
            )?;
        }
        if let (Some(u), Some(g)) = (node.uid, node.gid) {
            writeln!(session.out, "   Uid: {u}  Gid: {g}")?;
        }
        if let Some(t) = node.mtime {
            writeln!(session.out, "  Time: {}", time_string(t))?;
        }
        if let Some(o) = &node.owner {
            writeln!(session.out, " Owner: {o}")?;
        }
        if let Some(c) = &node.crypt {
            writeln!(session.out, " Crypt: {c}")?;
        }
        if let Some(p) = node.protected {
            writeln!(session.out, "Protected: {p}")?;
        }
        if let Some(n) = node.count {
            writeln!(session.out, " Count: {n}")?;
        }
        if let Some(t) = &node.target {
            writeln!(session.out, "  Link: {t}")?;
        }
        for (k, v) in &node.xattrs {
            writeln!(session.out, " Xattr: {k}={v}")?;
        }
        if let Some(c) = &node.comment {
            writeln!(session.out, " Notes: {c}")?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn edit_distance_counts_edits() {
        assert_eq!(edit_distance("web1", "web1"), 0);
        assert_eq!(edit_distance("web1", "wbe1"), 2);
        assert_eq!(edit_distance("web1", "web12"), 1);
    }

    #[test]
    fn mode_strings() {
        assert_eq!(mode_string(NodeKind::Directory, Some(0o755)), "drwxr-xr-x");
        assert_eq!(mode_string(NodeKind::File, Some(0o640)), "-rw-r-----");
    }
}
