//! Paths of the shell's virtual tree: parsing, resolving against the current directory, display.
//!
//! The tree is `/` → datastore → namespaces (nested) → backup type → backup id → snapshot time
//! → archive → paths inside the archive. Pure: nothing here touches a repository.
//!
//! The one ambiguity rule (`help paths`): below a datastore or namespace, the words `host`, `vm`
//! and `ct` always start a backup group; every other word is a namespace. A namespace that is
//! itself called `host`, `vm` or `ct` is written `ns:host`.

use crate::repo::types::{
    format_backup_time, parse_backup_time, BackupGroup, BackupType, Namespace, SnapshotRef,
};
use thiserror::Error;

/// A path that does not name a place in the tree, with the reason.
#[derive(Debug, Error, PartialEq, Eq)]
#[error("{path}: {reason}")]
pub struct PathError {
    pub path: String,
    pub reason: String,
}

/// How deep a path reaches.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Level {
    Root,
    /// A datastore or one of its namespaces.
    Namespace,
    /// `host`, `vm` or `ct` below a namespace: lists that type's groups.
    GroupType,
    Group,
    Snapshot,
    Archive,
    /// A file or directory inside an archive.
    Inside,
}

/// A place in the virtual tree.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct TreePath {
    pub store: Option<String>,
    pub ns: Namespace,
    pub btype: Option<BackupType>,
    pub id: Option<String>,
    pub time: Option<i64>,
    /// Archive name as shown in the tree (`root.pxar`, `disk.img`, `qemu-server.conf`).
    pub archive: Option<String>,
    /// Path components inside the archive.
    pub inner: Vec<String>,
}

const TYPE_WORDS: [&str; 3] = ["host", "vm", "ct"];

/// The words of the place shown as `/` (empty: the real root). A session on a lone archive
/// file shows the archive's root as `/`: paths are resolved below it and displayed without it.
static VIEW_ROOT: std::sync::RwLock<Vec<String>> = std::sync::RwLock::new(Vec::new());

/// Makes `root` the place shown as `/` (`None`: the tree's own root). The session sets it when
/// it opens a repository.
pub fn set_view_root(root: Option<&TreePath>) {
    if let Ok(mut v) = VIEW_ROOT.write() {
        *v = root.map(TreePath::components).unwrap_or_default();
    }
}

fn view_root() -> Vec<String> {
    VIEW_ROOT.read().map(|v| v.clone()).unwrap_or_default()
}

/// Picks the snapshot a word names among a group's snapshot times (any order): `latest` or
/// `@latest`, `@-N` (N before the latest), or a unique prefix of a time as the tree shows it
/// (`2026-11-20T10`). `None` when the word is no alias (a full time, a glob, another word);
/// `Some(Err)` when it is one but names no snapshot or several.
pub fn pick_snapshot(word: &str, times: &[i64]) -> Option<Result<i64, String>> {
    if has_glob(word) || parse_backup_time(word).is_ok() {
        return None;
    }
    let mut sorted = times.to_vec();
    sorted.sort_unstable();
    let back = match word {
        "latest" | "@latest" => Some(0),
        _ => word
            .strip_prefix("@-")
            .and_then(|n| n.parse::<usize>().ok()),
    };
    if let Some(back) = back {
        let found = sorted
            .len()
            .checked_sub(back + 1)
            .and_then(|i| sorted.get(i).copied());
        return Some(found.ok_or_else(|| match sorted.len() {
            0 => format!("`{word}`: the group has no snapshots"),
            n => format!("`{word}`: the group has only {n} snapshot(s)"),
        }));
    }
    if !word.starts_with(|c: char| c.is_ascii_digit()) {
        return None;
    }
    let matches: Vec<i64> = sorted
        .iter()
        .copied()
        .filter(|t| format_backup_time(*t).starts_with(word))
        .collect();
    Some(match matches.as_slice() {
        [one] => Ok(*one),
        [] => Err(format!("`{word}`: no snapshot time starts so")),
        many => Err(format!(
            "`{word}` is ambiguous: {}",
            many.iter()
                .map(|t| format_backup_time(*t))
                .collect::<Vec<_>>()
                .join(", ")
        )),
    })
}

/// Whether a word contains glob characters.
pub fn has_glob(word: &str) -> bool {
    word.contains(['*', '?', '['])
}

impl TreePath {
    pub fn root() -> Self {
        TreePath::default()
    }

    /// The datastore's top level.
    pub fn store(name: &str) -> Self {
        TreePath {
            store: Some(name.to_string()),
            ..TreePath::default()
        }
    }

    pub fn namespace(store: &str, ns: Namespace) -> Self {
        TreePath {
            store: Some(store.to_string()),
            ns,
            ..TreePath::default()
        }
    }

    pub fn snapshot_path(store: &str, ns: &Namespace, snapshot: &SnapshotRef) -> Self {
        TreePath {
            store: Some(store.to_string()),
            ns: ns.clone(),
            btype: Some(snapshot.group.ty),
            id: Some(snapshot.group.id.clone()),
            time: Some(snapshot.time),
            ..TreePath::default()
        }
    }

    pub fn level(&self) -> Level {
        if self.store.is_none() {
            Level::Root
        } else if self.btype.is_none() {
            Level::Namespace
        } else if self.id.is_none() {
            Level::GroupType
        } else if self.time.is_none() {
            Level::Group
        } else if self.archive.is_none() {
            Level::Snapshot
        } else if self.inner.is_empty() {
            Level::Archive
        } else {
            Level::Inside
        }
    }

    pub fn group(&self) -> Option<BackupGroup> {
        match (self.btype, &self.id) {
            (Some(ty), Some(id)) => Some(BackupGroup { ty, id: id.clone() }),
            _ => None,
        }
    }

    pub fn snapshot(&self) -> Option<SnapshotRef> {
        Some(SnapshotRef::new(self.group()?, self.time?))
    }

    /// The path inside the archive as the accessor takes it: `/etc/hosts` (`/` for the root).
    pub fn inner_path(&self) -> String {
        format!("/{}", self.inner.join("/"))
    }

    /// The path's words, as `Display` joins them.
    pub fn components(&self) -> Vec<String> {
        let mut out = Vec::new();
        let Some(store) = &self.store else {
            return out;
        };
        out.push(store.clone());
        for name in self.ns.components() {
            if TYPE_WORDS.contains(&name.as_str()) {
                out.push(format!("ns:{name}"));
            } else {
                out.push(name.clone());
            }
        }
        if let Some(ty) = self.btype {
            out.push(ty.as_str().to_string());
        }
        if let Some(id) = &self.id {
            out.push(id.clone());
        }
        if let Some(time) = self.time {
            out.push(format_backup_time(time));
        }
        if let Some(archive) = &self.archive {
            out.push(archive.clone());
        }
        out.extend(self.inner.iter().cloned());
        out
    }

    /// The path's parent (the root is its own parent).
    pub fn parent(&self) -> TreePath {
        let mut words = self.components();
        words.pop();
        // Re-parsing the words of a valid path cannot fail; fall back to the root regardless.
        TreePath::from_components(&words).unwrap_or_default()
    }

    /// The last word (the name `ls` of the parent shows), `/` for the root.
    pub fn name(&self) -> String {
        self.components().pop().unwrap_or_else(|| "/".into())
    }

    /// Builds a path from its words, checking each against the level it lands on.
    pub fn from_components(words: &[String]) -> Result<TreePath, PathError> {
        let display = format!("/{}", words.join("/"));
        let fail = |reason: String| PathError {
            path: display.clone(),
            reason,
        };
        let mut path = TreePath::root();
        let mut rest = words.iter();
        let Some(store) = rest.next() else {
            return Ok(path);
        };
        path.store = Some(store.clone());
        for word in rest.by_ref() {
            if path.btype.is_none() {
                if TYPE_WORDS.contains(&word.as_str()) {
                    path.btype = BackupType::parse(word).ok();
                    continue;
                }
                let name = word.strip_prefix("ns:").unwrap_or(word);
                path.ns = path
                    .ns
                    .child(name)
                    .map_err(|e| fail(format!("not a namespace or group type: {e}")))?;
            } else if path.id.is_none() {
                let ty = path.btype.unwrap_or(BackupType::Host);
                BackupGroup::new(ty, word).map_err(|e| fail(e.to_string()))?;
                path.id = Some(word.clone());
            } else if path.time.is_none() {
                let time = parse_backup_time(word).map_err(|_| {
                    fail(format!(
                        "`{word}` is not a snapshot time (like 2026-11-20T10:00:00Z)"
                    ))
                })?;
                path.time = Some(time);
            } else if path.archive.is_none() {
                path.archive = Some(word.clone());
            } else {
                path.inner.push(word.clone());
            }
        }
        Ok(path)
    }

    /// Resolves `text` (absolute, relative, `~`, `-`, `..`) from `cwd`; `home` is the session's
    /// start and `previous` the directory before the last `cd`. Globs are left in place.
    pub fn resolve(
        cwd: &TreePath,
        text: &str,
        home: &TreePath,
        previous: &TreePath,
    ) -> Result<TreePath, PathError> {
        TreePath::from_components(&TreePath::resolve_words(cwd, text, home, previous))
    }

    /// Like `resolve`, but returns the words unchecked (so globs can be expanded level by level).
    pub fn resolve_words(
        cwd: &TreePath,
        text: &str,
        home: &TreePath,
        previous: &TreePath,
    ) -> Vec<String> {
        let root = view_root();
        let (mut words, rest) = if text == "-" {
            return previous.components();
        } else if text == "~" {
            return home.components();
        } else if let Some(rest) = text.strip_prefix("~/") {
            (home.components(), rest)
        } else if let Some(rest) = text.strip_prefix('/') {
            (root.clone(), rest)
        } else {
            (cwd.components(), text)
        };
        // `..` stops at the place shown as `/`.
        let floor = if words.starts_with(&root) {
            root.len()
        } else {
            0
        };
        for word in rest.split('/') {
            match word {
                "" | "." => {}
                ".." => {
                    if words.len() > floor {
                        words.pop();
                    }
                }
                w => words.push(w.to_string()),
            }
        }
        words
    }
}

impl std::fmt::Display for TreePath {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let words = self.components();
        let root = view_root();
        let shown = match words.strip_prefix(root.as_slice()) {
            Some(below) if !root.is_empty() => below,
            _ => &words[..],
        };
        write!(f, "/{}", shown.join("/"))
    }
}

/// Shortens a long location for the prompt: keeps the datastore and the last two words.
pub fn short_location(path: &TreePath, max: usize) -> String {
    let full = path.to_string();
    if full.chars().count() <= max {
        return full;
    }
    let words = path.components();
    if words.len() <= 3 {
        return full;
    }
    let tail = &words[words.len() - 2..];
    format!("/{}/…/{}", words[0], tail.join("/"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(text: &str) -> Vec<String> {
        text.split('/')
            .filter(|w| !w.is_empty())
            .map(String::from)
            .collect()
    }

    #[test]
    fn levels_follow_the_words() {
        let p = TreePath::from_components(&words(
            "store/ns1/ns2/host/web1/2026-11-20T10:00:00Z/root.pxar/etc/hosts",
        ))
        .unwrap();
        assert_eq!(p.store.as_deref(), Some("store"));
        assert_eq!(p.ns.to_string(), "ns1/ns2");
        assert_eq!(p.group().unwrap().to_string(), "host/web1");
        assert_eq!(p.archive.as_deref(), Some("root.pxar"));
        assert_eq!(p.inner_path(), "/etc/hosts");
        assert_eq!(p.level(), Level::Inside);
        assert_eq!(
            p.to_string(),
            "/store/ns1/ns2/host/web1/2026-11-20T10:00:00Z/root.pxar/etc/hosts"
        );
        assert_eq!(p.parent().level(), Level::Inside);
        assert_eq!(p.parent().parent().level(), Level::Archive);
        let t = TreePath::from_components(&words("store/vm")).unwrap();
        assert_eq!(t.level(), Level::GroupType);
    }

    #[test]
    fn namespaces_named_like_types_need_the_prefix() {
        let p = TreePath::from_components(&words("store/ns:host/host/web1")).unwrap();
        assert_eq!(p.ns.to_string(), "host");
        assert_eq!(p.group().unwrap().to_string(), "host/web1");
        assert_eq!(p.to_string(), "/store/ns:host/host/web1");
    }

    #[test]
    fn relative_home_previous_and_dotdot() {
        let home = TreePath::store("s");
        let cwd = TreePath::from_components(&words("s/host/web1")).unwrap();
        let prev = TreePath::from_components(&words("s/ct/101")).unwrap();
        let r = |t: &str| {
            TreePath::resolve(&cwd, t, &home, &prev)
                .unwrap()
                .to_string()
        };
        assert_eq!(r(".."), "/s/host");
        assert_eq!(r("../.."), "/s");
        assert_eq!(r("../../../../.."), "/");
        assert_eq!(r("~"), "/s");
        assert_eq!(r("~/vm/100"), "/s/vm/100");
        assert_eq!(r("-"), "/s/ct/101");
        assert_eq!(r("/s/vm"), "/s/vm");
        assert_eq!(
            r("2026-11-20T10:00:00Z"),
            "/s/host/web1/2026-11-20T10:00:00Z"
        );
        assert!(TreePath::resolve(&cwd, "yesterday", &home, &prev).is_err());
        assert!(TreePath::resolve(&home, "bad name!", &home, &prev).is_err());
    }

    #[test]
    fn snapshot_aliases_pick_latest_previous_and_unique_prefixes() {
        let t1 = parse_backup_time("2026-11-20T10:00:00Z").unwrap();
        let t2 = parse_backup_time("2026-11-21T10:00:00Z").unwrap();
        let t3 = parse_backup_time("2026-11-21T11:00:00Z").unwrap();
        let times = [t2, t1, t3];
        assert_eq!(pick_snapshot("latest", &times), Some(Ok(t3)));
        assert_eq!(pick_snapshot("@latest", &times), Some(Ok(t3)));
        assert_eq!(pick_snapshot("@-1", &times), Some(Ok(t2)));
        assert_eq!(pick_snapshot("@-2", &times), Some(Ok(t1)));
        assert!(matches!(pick_snapshot("@-3", &times), Some(Err(_))));
        assert_eq!(pick_snapshot("2026-11-20", &times), Some(Ok(t1)));
        assert_eq!(pick_snapshot("2026-11-21T11", &times), Some(Ok(t3)));
        assert!(
            matches!(pick_snapshot("2026-11-21", &times), Some(Err(e)) if e.contains("ambiguous"))
        );
        assert!(matches!(pick_snapshot("2025", &times), Some(Err(_))));
        assert_eq!(pick_snapshot("2026-11-20T10:00:00Z", &times), None);
        assert_eq!(pick_snapshot("root.pxar", &times), None);
        assert_eq!(pick_snapshot("2026*", &times), None);
        assert!(matches!(pick_snapshot("latest", &[]), Some(Err(_))));
    }

    #[test]
    fn long_locations_are_shortened_from_the_left() {
        let p = TreePath::from_components(&words(
            "store/a/b/c/host/web1/2026-11-20T10:00:00Z/root.pxar/usr/share/doc",
        ))
        .unwrap();
        assert_eq!(short_location(&p, 30), "/store/…/share/doc");
        assert_eq!(short_location(&p, 200), p.to_string());
    }
}
