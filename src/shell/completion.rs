//! Tab completion for the interactive shell: commands, options, option values, tree paths at
//! every level (inside archives too) and local paths.
//!
//! Tree listings are cached for the session; a listing that takes longer than ~100 ms finishes
//! in the background and shows up on the next Tab, so the prompt never hangs on a slow backend.

use crate::shell::browse::{Browser, Node, NodeKind};
use crate::shell::commands::common::human_size;
use crate::shell::commands::ShellLine;
use crate::shell::tree::TreePath;
use clap::CommandFactory;
use reedline::{Completer, Span, Suggestion};
use std::collections::HashMap;
use std::sync::mpsc::{Receiver, RecvTimeoutError};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// Most names one Tab offers (a directory of a million entries has that many matches for `f`).
const MAX_SUGGESTIONS: usize = 2000;

/// How long a Tab may wait for a listing before it returns what it has.
const WAIT: Duration = Duration::from_millis(100);

/// Where the session is, shared with the REPL loop (updated after every command).
#[derive(Clone)]
pub struct Place {
    pub browser: Arc<Browser>,
    pub cwd: TreePath,
    pub home: TreePath,
    pub previous: TreePath,
}

/// One name a tree listing offers: whether it is a directory, and what the menu shows beside it.
#[derive(Clone)]
struct Child {
    name: String,
    is_dir: bool,
    description: Option<String>,
}

/// A directory's children, sorted by name (shared: a Tab copies only the matches).
type Children = Arc<Vec<Child>>;

enum Cached {
    Ready(Children),
    Pending(Receiver<Children>),
}

pub struct ShellCompleter {
    place: Arc<Mutex<Place>>,
    cache: HashMap<String, Cached>,
    generation: u64,
}

/// What kind of thing the word under the cursor is.
#[derive(Debug, PartialEq, Eq)]
enum Want {
    Command,
    Option,
    Values(Vec<&'static str>),
    Local,
    Tree,
    Nothing,
}

impl ShellCompleter {
    pub fn new(place: Arc<Mutex<Place>>) -> Self {
        ShellCompleter {
            place,
            cache: HashMap::new(),
            generation: 0,
        }
    }

    /// Children of a tree path, from the cache or the browser: a directory is listed once per
    /// session (until a command changes the repository), however many Tabs ask.
    fn children(&mut self, place: &Place, path: &TreePath) -> Children {
        let generation = place.browser.generation();
        if generation != self.generation {
            self.cache.clear();
            self.generation = generation;
        }
        let key = path.to_string();
        if let Some(Cached::Ready(list)) = self.cache.get(&key) {
            return list.clone();
        }
        let rx = match self.cache.remove(&key) {
            Some(Cached::Pending(rx)) => rx,
            _ => {
                let (tx, rx) = std::sync::mpsc::channel();
                let browser = place.browser.clone();
                let path = path.clone();
                let _ = std::thread::Builder::new()
                    .name("pbsh-complete".into())
                    .spawn(move || {
                        let now = chrono::Utc::now().timestamp();
                        // Streamed: a node is dropped as soon as its name is kept.
                        let mut list = Vec::new();
                        let listed = browser.each_child(&path, &mut |n| {
                            list.push(Child {
                                description: describe(&n, now),
                                is_dir: n.kind.is_dir(),
                                name: n.name,
                            });
                            Ok(())
                        });
                        let list = match listed {
                            Ok(true) => list,
                            Ok(false) => {
                                list.sort_by(|a, b| a.name.cmp(&b.name));
                                list
                            }
                            Err(_) => Vec::new(),
                        };
                        let _ = tx.send(Arc::new(list));
                    });
                rx
            }
        };
        match rx.recv_timeout(WAIT) {
            Ok(list) => {
                self.cache.insert(key, Cached::Ready(list.clone()));
                list
            }
            Err(RecvTimeoutError::Timeout) => {
                self.cache.insert(key, Cached::Pending(rx));
                Arc::default()
            }
            Err(RecvTimeoutError::Disconnected) => Arc::default(),
        }
    }

    fn tree_suggestions(&mut self, word: &str, span: Span) -> Vec<Suggestion> {
        let Ok(place) = self.place.lock().map(|p| p.clone()) else {
            return Vec::new();
        };
        let (dir_part, prefix) = match word.rfind('/') {
            Some(i) => (&word[..=i], &word[i + 1..]),
            None => ("", word),
        };
        let dir_text = if dir_part.is_empty() { "." } else { dir_part };
        let Ok(dir) = TreePath::resolve(&place.cwd, dir_text, &place.home, &place.previous) else {
            return Vec::new();
        };
        let children = self.children(&place, &dir);
        offered(&children, prefix)
            .into_iter()
            .map(|c| Suggestion {
                value: format!(
                    "{dir_part}{}{}",
                    quote(&c.name),
                    if c.is_dir { "/" } else { "" }
                ),
                display_override: Some(format!("{}{}", c.name, if c.is_dir { "/" } else { "" })),
                description: c.description.clone(),
                span,
                append_whitespace: !c.is_dir,
                ..Suggestion::default()
            })
            .collect()
    }
}

/// The children (sorted by name) a Tab offers for `prefix`: the run that starts with it, found
/// by binary search. A huge run offers its first names and its last: the prefix they share is
/// the one the whole run shares (it is sorted), so completing to it stays right.
fn offered<'a>(children: &'a [Child], prefix: &str) -> Vec<&'a Child> {
    let start = children.partition_point(|c| c.name.as_str() < prefix);
    let run = children.get(start..).unwrap_or_default();
    let len = run.partition_point(|c| c.name.starts_with(prefix));
    let run = run.get(..len).unwrap_or_default();
    if run.len() > MAX_SUGGESTIONS {
        run.iter()
            .take(MAX_SUGGESTIONS - 1)
            .chain(run.last())
            .collect()
    } else {
        run.iter().collect()
    }
}

/// What the menu shows beside a snapshot: its size, age, protection and notes, all from the
/// listing (the manifest). The file count would need each snapshot's catalog, so it is not shown.
fn describe(node: &Node, now: i64) -> Option<String> {
    if node.kind != NodeKind::Snapshot {
        return None;
    }
    let mut parts = Vec::new();
    if let Some(size) = node.size {
        parts.push(human_size(size));
    }
    if let Some(time) = node.mtime {
        parts.push(age(now.saturating_sub(time)));
    }
    if node.protected == Some(true) {
        parts.push("protected".to_string());
    }
    if let Some(comment) = &node.comment {
        parts.push(comment.clone());
    }
    (!parts.is_empty()).then(|| parts.join(", "))
}

/// 90_000 → "1 day ago".
fn age(seconds: i64) -> String {
    let (n, unit) = match seconds {
        s if s < 0 => return "in the future".to_string(),
        s if s < 120 => return "just now".to_string(),
        s if s < 7200 => (s / 60, "minute"),
        s if s < 2 * 86_400 => (s / 3600, "hour"),
        s if s < 60 * 86_400 => (s / 86_400, "day"),
        s if s < 730 * 86_400 => (s / (30 * 86_400), "month"),
        s => (s / (365 * 86_400), "year"),
    };
    format!("{n} {unit}s ago")
}

/// Escapes characters the line splitter would otherwise take apart.
fn quote(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    for c in name.chars() {
        if c.is_whitespace() || matches!(c, '\\' | '\'' | '"' | ';') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

fn local_suggestions(word: &str, span: Span) -> Vec<Suggestion> {
    // `NAME.pxar:DIR` backup specs complete the part after the colon.
    let (spec, path_word) = match word.split_once(':') {
        Some((head, tail)) if head.contains('.') => (format!("{head}:"), tail),
        _ => (String::new(), word),
    };
    let (dir_part, prefix) = match path_word.rfind('/') {
        Some(i) => (&path_word[..=i], &path_word[i + 1..]),
        None => ("", path_word),
    };
    let dir = if dir_part.is_empty() {
        std::path::PathBuf::from(".")
    } else if let Some(rest) = dir_part.strip_prefix("~/") {
        dirs::home_dir().unwrap_or_default().join(rest)
    } else {
        std::path::PathBuf::from(dir_part)
    };
    let Ok(entries) = std::fs::read_dir(&dir) else {
        return Vec::new();
    };
    let mut out: Vec<Suggestion> = entries
        .filter_map(|e| e.ok())
        .filter_map(|e| {
            let name = e.file_name().to_string_lossy().into_owned();
            if !name.starts_with(prefix) || (name.starts_with('.') && !prefix.starts_with('.')) {
                return None;
            }
            let is_dir = e.file_type().map(|t| t.is_dir()).unwrap_or(false);
            Some(Suggestion {
                value: format!(
                    "{spec}{dir_part}{}{}",
                    quote(&name),
                    if is_dir { "/" } else { "" }
                ),
                display_override: Some(format!("{name}{}", if is_dir { "/" } else { "" })),
                span,
                append_whitespace: !is_dir,
                ..Suggestion::default()
            })
        })
        .collect();
    out.sort_by(|a, b| a.value.cmp(&b.value));
    out
}

/// Command names with their one-line help.
fn command_names() -> Vec<(String, String)> {
    let cmd = ShellLine::command();
    let mut out: Vec<(String, String)> = cmd
        .get_subcommands()
        .filter(|c| c.get_name() != "other")
        .flat_map(|c| {
            let about = c.get_about().map(|a| a.to_string()).unwrap_or_default();
            std::iter::once((c.get_name().to_string(), about.clone())).chain(
                c.get_all_aliases()
                    .map(move |a| (a.to_string(), about.clone())),
            )
        })
        .collect();
    out.push(("help".into(), "Show help for a command or topic".into()));
    out.sort();
    out
}

/// Long options (and their help) of the command named by `words`.
fn options_of(words: &[&str]) -> Vec<(String, String)> {
    let root = ShellLine::command();
    let mut cmd = &root;
    for w in words {
        match cmd.find_subcommand(w) {
            Some(sub) => cmd = sub,
            None => break,
        }
    }
    cmd.get_arguments()
        .filter_map(|a| {
            let about = a.get_help().map(|h| h.to_string()).unwrap_or_default();
            a.get_long().map(|l| (format!("--{l}"), about))
        })
        .chain(std::iter::once((
            "--help".to_string(),
            "Show help".to_string(),
        )))
        .collect()
}

/// Decides what the last word is, from the words before it.
fn classify(before: &[&str], word: &str) -> Want {
    if before.is_empty() {
        return Want::Command;
    }
    if word.starts_with('-') {
        return Want::Option;
    }
    match before.last().copied() {
        Some("--output-format") => return Want::Values(vec!["text", "json", "json-pretty"]),
        Some("--backup-type") => return Want::Values(vec!["host", "vm", "ct"]),
        Some("--crypt-mode") => return Want::Values(vec!["none", "encrypt", "sign-only"]),
        Some("--change-detection-mode") => return Want::Values(vec!["legacy", "data", "metadata"]),
        Some("--kdf") => return Want::Values(vec!["scrypt", "pbkdf2", "none"]),
        Some("--keyfile" | "--master-pubkey-file" | "--repository" | "--exclude-from") => {
            return Want::Local
        }
        _ => {}
    }
    let positional = before
        .iter()
        .skip(1)
        .filter(|w| !w.starts_with('-'))
        .count();
    match before[0] {
        "help" => Want::Command,
        "lcd" | "lls" | "open" | "restore-selected" | "key" => Want::Local,
        "backup" => Want::Local,
        "restore" if positional >= 2 => Want::Local,
        // `restore SNAPSHOT DIR` (the snapshot's one archive): a local-looking second word.
        "restore" if positional == 1 && word.starts_with(['.', '/', '~']) => Want::Local,
        "get"
            if positional >= 1 && word.starts_with(['.', '/', '~']) && !word.starts_with("..") =>
        {
            Want::Local
        }
        "set" => match before.get(1).copied() {
            None => Want::Values(vec!["-e", "errexit", "color", "keyfile"]),
            Some("keyfile") => Want::Local,
            Some(_) => Want::Values(vec!["on", "off"]),
        },
        "exit" | "quit" | "pwd" | "lpwd" | "close" | "clear-selected" | "login" | "logout" => {
            Want::Nothing
        }
        _ => Want::Tree,
    }
}

impl Completer for ShellCompleter {
    fn complete(&mut self, line: &str, pos: usize) -> Vec<Suggestion> {
        let line = line.get(..pos).unwrap_or(line);
        // The current command is what follows the last `;`.
        let start_of_command = line.rfind(';').map(|i| i + 1).unwrap_or(0);
        let command = &line[start_of_command..];
        if command.trim_start().starts_with('!') {
            return Vec::new();
        }
        let word_start = command
            .rfind(char::is_whitespace)
            .map(|i| i + 1)
            .unwrap_or(0);
        let word = &command[word_start..];
        let before: Vec<&str> = command[..word_start].split_whitespace().collect();
        let span = Span::new(start_of_command + word_start, pos);
        let simple = |items: Vec<(String, String)>| -> Vec<Suggestion> {
            items
                .into_iter()
                .filter(|(v, _)| v.starts_with(word))
                .map(|(value, description)| Suggestion {
                    value,
                    description: (!description.is_empty()).then_some(description),
                    span,
                    append_whitespace: true,
                    ..Suggestion::default()
                })
                .collect()
        };
        match classify(&before, word) {
            Want::Command => simple(command_names()),
            Want::Option => simple(options_of(&before)),
            Want::Values(values) => simple(
                values
                    .into_iter()
                    .map(|v| (v.to_string(), String::new()))
                    .collect(),
            ),
            Want::Local => local_suggestions(word, span),
            Want::Tree => {
                let found = self.tree_suggestions(word, span);
                if found.is_empty() && before.first() == Some(&"get") {
                    local_suggestions(word, span)
                } else {
                    found
                }
            }
            Want::Nothing => Vec::new(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_are_classified_by_position_and_command() {
        assert_eq!(classify(&[], "l"), Want::Command);
        assert_eq!(classify(&["ls"], "-"), Want::Option);
        assert_eq!(classify(&["ls"], "ho"), Want::Tree);
        assert_eq!(classify(&["lcd"], "/tm"), Want::Local);
        assert_eq!(
            classify(&["restore", "host/a", "root.pxar"], "/tmp"),
            Want::Local
        );
        assert_eq!(
            classify(&["ls", "--output-format"], "j"),
            Want::Values(vec!["text", "json", "json-pretty"])
        );
    }

    #[test]
    fn command_names_include_tree_commands() {
        let names: Vec<String> = command_names().into_iter().map(|(n, _)| n).collect();
        for c in ["cd", "ls", "get", "restore-selected", "help", "quit"] {
            assert!(names.contains(&c.to_string()), "{c} missing");
        }
    }

    #[test]
    fn snapshots_are_described_by_size_age_and_protection() {
        let mut node = Node::new("2026-01-01T00:00:00Z", NodeKind::Snapshot);
        node.size = Some(3 << 20);
        node.mtime = Some(1_000_000);
        node.protected = Some(true);
        assert_eq!(
            describe(&node, 1_000_000 + 3 * 86_400).as_deref(),
            Some("3.0 MiB, 3 days ago, protected")
        );
        assert_eq!(describe(&Node::new("etc", NodeKind::Directory), 0), None);
        assert_eq!(age(30), "just now");
        assert_eq!(age(5 * 3600), "5 hours ago");
    }

    #[test]
    fn a_huge_directory_offers_the_matching_run_with_its_true_common_prefix() {
        let mut names: Vec<String> = (0..100_000).map(|i| format!("f{i}")).collect();
        names.push("g".into());
        names.push("e".into());
        names.sort();
        let children: Vec<Child> = names
            .into_iter()
            .map(|name| Child {
                name,
                is_dir: false,
                description: None,
            })
            .collect();
        let names = |prefix: &str| -> Vec<String> {
            offered(&children, prefix)
                .into_iter()
                .map(|c| c.name.clone())
                .collect()
        };
        assert_eq!(
            names("f1999"),
            [
                "f1999", "f19990", "f19991", "f19992", "f19993", "f19994", "f19995", "f19996",
                "f19997", "f19998", "f19999"
            ]
        );
        assert_eq!(names("f12345"), ["f12345"]);
        assert!(names("h").is_empty());
        let many = names("f");
        assert_eq!(many.len(), MAX_SUGGESTIONS);
        assert_eq!(many.first().map(String::as_str), Some("f0"));
        // The last of the run is offered, so the shared prefix is `f`, not `f1…`.
        assert_eq!(many.last().map(String::as_str), Some("f99999"));
    }

    #[test]
    fn names_with_spaces_are_escaped() {
        assert_eq!(quote("a b;c"), "a\\ b\\;c");
    }
}
