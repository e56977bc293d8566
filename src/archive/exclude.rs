//! Exclude patterns as PBS applies them: gitignore-style globs from `--exclude` and `.pxarexclude`.
//!
//! A pattern with a leading `/` (or any `/` before its end) is anchored at the directory that
//! declared it; one without matches a name at any depth; a trailing `/` matches directories only;
//! `!` re-includes; the last matching pattern wins. Pure matching, no I/O.

use std::collections::HashMap;

/// Whether a path is kept or left out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MatchType {
    Include,
    Exclude,
}

/// One parsed pattern, bound to the directory it was declared in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pattern {
    /// Archive-relative directory the pattern came from (empty for the root / command line).
    base: Vec<u8>,
    glob: Vec<u8>,
    anchored: bool,
    directories_only: bool,
    kind: MatchType,
    /// The pattern as written, for `.pxarexclude-cli`.
    pub text: String,
}

impl Pattern {
    /// Parses one line; `None` for blank lines and `#` comments.
    pub fn parse(line: &str, base: &[u8]) -> Option<Pattern> {
        let text = line.trim_end_matches(['\n', '\r']);
        if text.trim().is_empty() || text.starts_with('#') {
            return None;
        }
        let (kind, rest) = match text.strip_prefix('!') {
            Some(rest) => (MatchType::Include, rest),
            None => (MatchType::Exclude, text),
        };
        let (directories_only, rest) = match rest.strip_suffix('/') {
            Some(r) => (true, r),
            None => (false, rest),
        };
        let anchored = rest.contains('/');
        let glob = rest.trim_start_matches('/').as_bytes().to_vec();
        if glob.is_empty() {
            return None;
        }
        Some(Pattern {
            base: base.to_vec(),
            glob,
            anchored,
            directories_only,
            kind,
            text: text.to_string(),
        })
    }

    /// Whether this pattern matches the archive-relative `path` (no leading `/`).
    pub fn matches(&self, path: &[u8], is_dir: bool) -> bool {
        if self.directories_only && !is_dir {
            return false;
        }
        let relative = if self.base.is_empty() {
            path
        } else {
            match path
                .strip_prefix(self.base.as_slice())
                .and_then(|r| r.strip_prefix(b"/"))
            {
                Some(r) => r,
                None => return false,
            }
        };
        if self.anchored {
            glob_match(&self.glob, relative)
        } else {
            let name = relative.rsplit(|b| *b == b'/').next().unwrap_or_default();
            glob_match(&self.glob, name)
        }
    }

    pub fn kind(&self) -> MatchType {
        self.kind
    }

    /// What a pattern without wildcards declared at the root matches exactly (escapes
    /// removed); `None` for any other pattern.
    fn literal(&self) -> Option<Vec<u8>> {
        if !self.base.is_empty() {
            return None;
        }
        let mut out = Vec::with_capacity(self.glob.len());
        let mut bytes = self.glob.iter();
        while let Some(b) = bytes.next() {
            match b {
                b'*' | b'?' | b'[' => return None,
                b'\\' => out.push(*bytes.next()?),
                b => out.push(*b),
            }
        }
        Some(out)
    }
}

/// An ordered list of patterns; later ones take precedence.
///
/// Patterns without wildcards declared at the root (a selection of a million paths restores
/// as a million such patterns) are found by a hash lookup of the path or name, not tried one
/// by one, so matching stays proportional to the number of glob patterns.
#[derive(Debug, Clone, Default)]
pub struct MatchList {
    patterns: Vec<Pattern>,
    /// Wildcard-free root patterns with a `/`, by the path they match: their indices, ascending.
    literal_paths: HashMap<Vec<u8>, Vec<usize>>,
    /// Wildcard-free root patterns without a `/`, by the name they match.
    literal_names: HashMap<Vec<u8>, Vec<usize>>,
    /// Indices of all other patterns, ascending.
    others: Vec<usize>,
}

impl MatchList {
    pub fn new() -> Self {
        MatchList::default()
    }

    fn push(&mut self, pattern: Pattern) {
        let index = self.patterns.len();
        match pattern.literal() {
            Some(text) if pattern.anchored => {
                self.literal_paths.entry(text).or_default().push(index)
            }
            Some(text) => self.literal_names.entry(text).or_default().push(index),
            None => self.others.push(index),
        }
        self.patterns.push(pattern);
    }

    /// Adds command-line patterns (anchored at the archive root).
    pub fn add_patterns<'a>(&mut self, lines: impl IntoIterator<Item = &'a str>) {
        for pattern in lines.into_iter().filter_map(|l| Pattern::parse(l, b"")) {
            self.push(pattern);
        }
    }

    /// Adds the lines of a `.pxarexclude` found in directory `base` (archive-relative).
    pub fn add_exclude_file(&mut self, content: &str, base: &[u8]) -> usize {
        let before = self.patterns.len();
        for pattern in content.lines().filter_map(|l| Pattern::parse(l, base)) {
            self.push(pattern);
        }
        self.patterns.len() - before
    }

    /// Forgets the last `n` patterns (when leaving the directory that added them).
    pub fn truncate_by(&mut self, n: usize) {
        for _ in 0..n.min(self.patterns.len()) {
            let Some(pattern) = self.patterns.pop() else {
                break;
            };
            let map = match pattern.literal() {
                Some(text) => Some((
                    if pattern.anchored {
                        &mut self.literal_paths
                    } else {
                        &mut self.literal_names
                    },
                    text,
                )),
                None => None,
            };
            match map {
                Some((map, text)) => {
                    if let Some(list) = map.get_mut(&text) {
                        list.pop();
                        if list.is_empty() {
                            map.remove(&text);
                        }
                    }
                }
                None => {
                    self.others.pop();
                }
            }
        }
    }

    /// The decision of the last pattern matching `path`, if any.
    pub fn matches(&self, path: &[u8], is_dir: bool) -> Option<MatchType> {
        let applies = |i: &&usize| {
            self.patterns
                .get(**i)
                .is_some_and(|p| !p.directories_only || is_dir)
        };
        let mut last = self
            .others
            .iter()
            .rev()
            .find(|i| {
                self.patterns
                    .get(**i)
                    .is_some_and(|p| p.matches(path, is_dir))
            })
            .copied();
        let name = path.rsplit(|b| *b == b'/').next().unwrap_or_default();
        for found in [self.literal_paths.get(path), self.literal_names.get(name)]
            .into_iter()
            .flatten()
        {
            if let Some(i) = found.iter().rev().find(applies) {
                last = last.max(Some(*i));
            }
        }
        last.and_then(|i| self.patterns.get(i)).map(|p| p.kind)
    }

    pub fn is_empty(&self) -> bool {
        self.patterns.is_empty()
    }

    pub fn patterns(&self) -> &[Pattern] {
        &self.patterns
    }
}

/// Shell glob over bytes: `*` and `?` stay within one component, `**` crosses `/`, `[a-z]`,
/// `[!x]` / `[^x]` classes, `\` escapes.
pub fn glob_match(pattern: &[u8], text: &[u8]) -> bool {
    // Iterative matcher with one backtrack point per star kind keeps it linear-ish and bounded.
    match_from(pattern, text, 0)
}

fn match_from(p: &[u8], t: &[u8], depth: usize) -> bool {
    // LIMIT: patterns are short; the recursion depth is bounded by the number of `**`.
    if depth > 64 {
        return false;
    }
    let (mut pi, mut ti) = (0usize, 0usize);
    let mut star: Option<(usize, usize)> = None;
    while ti < t.len() || pi < p.len() {
        if pi < p.len() {
            match p[pi] {
                b'*' if p.get(pi + 1) == Some(&b'*') => {
                    // `**`: any sequence including '/'; `**/` may also match nothing.
                    let mut rest = pi + 2;
                    if p.get(rest) == Some(&b'/') {
                        rest += 1;
                        if match_from(&p[rest..], &t[ti..], depth + 1) {
                            return true;
                        }
                    }
                    return (ti..=t.len()).any(|k| match_from(&p[rest..], &t[k..], depth + 1));
                }
                b'*' => {
                    star = Some((pi, ti));
                    pi += 1;
                    continue;
                }
                b'?' if ti < t.len() && t[ti] != b'/' => {
                    pi += 1;
                    ti += 1;
                    continue;
                }
                b'[' if ti < t.len() => {
                    if let Some((matched, next)) = match_class(p, pi, t[ti]) {
                        if matched && t[ti] != b'/' {
                            pi = next;
                            ti += 1;
                            continue;
                        }
                    } else if t[ti] == b'[' {
                        pi += 1;
                        ti += 1;
                        continue;
                    }
                }
                b'\\' if pi + 1 < p.len() && ti < t.len() && p[pi + 1] == t[ti] => {
                    pi += 2;
                    ti += 1;
                    continue;
                }
                c if c != b'*'
                    && c != b'?'
                    && c != b'['
                    && c != b'\\'
                    && ti < t.len()
                    && c == t[ti] =>
                {
                    pi += 1;
                    ti += 1;
                    continue;
                }
                _ => {}
            }
        }
        // Mismatch: let the last single `*` swallow one more byte (never a '/').
        match star {
            Some((sp, st)) if st < t.len() && t[st] != b'/' => {
                star = Some((sp, st + 1));
                pi = sp + 1;
                ti = st + 1;
            }
            _ => return false,
        }
    }
    true
}

/// Matches one byte against the class starting at `p[start] == '['`; returns (matched, index after `]`).
fn match_class(p: &[u8], start: usize, c: u8) -> Option<(bool, usize)> {
    let mut i = start + 1;
    let negate = matches!(p.get(i), Some(b'!') | Some(b'^'));
    if negate {
        i += 1;
    }
    let mut matched = false;
    let mut first = true;
    while i < p.len() {
        let lo = p[i];
        if lo == b']' && !first {
            return Some((matched != negate, i + 1));
        }
        first = false;
        if p.get(i + 1) == Some(&b'-') && p.get(i + 2).is_some_and(|hi| *hi != b']') {
            let hi = p[i + 2];
            matched |= lo <= c && c <= hi;
            i += 3;
        } else {
            matched |= lo == c;
            i += 1;
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs() {
        assert!(glob_match(b"*.txt", b"a.txt"));
        assert!(!glob_match(b"*.txt", b"d/a.txt"));
        assert!(glob_match(b"**/*.txt", b"d/e/a.txt"));
        assert!(glob_match(b"**/*.txt", b"a.txt"));
        assert!(glob_match(b"d/**", b"d/e/f"));
        assert!(glob_match(b"note[0-1]?.txt", b"note13.txt"));
        assert!(!glob_match(b"note[!0-1]?.txt", b"note13.txt"));
        assert!(glob_match(b"a\\*b", b"a*b"));
        assert!(!glob_match(b"a?c", b"a/c"));
        assert!(glob_match(b"", b""));
    }

    #[test]
    fn gitignore_style_rules() {
        let mut list = MatchList::new();
        list.add_patterns(["*.log", "/build/", "!keep.log", "docs/*.tmp"]);
        assert_eq!(list.matches(b"a/b/x.log", false), Some(MatchType::Exclude));
        assert_eq!(list.matches(b"a/keep.log", false), Some(MatchType::Include));
        assert_eq!(list.matches(b"build", true), Some(MatchType::Exclude));
        assert_eq!(
            list.matches(b"build", false),
            None,
            "trailing slash: directories only"
        );
        assert_eq!(
            list.matches(b"src/build", true),
            None,
            "leading slash anchors at the root"
        );
        assert_eq!(list.matches(b"docs/x.tmp", false), Some(MatchType::Exclude));
        assert_eq!(
            list.matches(b"a/docs/x.tmp", false),
            None,
            "a middle slash anchors too"
        );
    }

    #[test]
    fn exclude_files_apply_below_their_directory() {
        let mut list = MatchList::new();
        let n = list.add_exclude_file("# comment\n\n*.o\n/only-here\n", b"src");
        assert_eq!(n, 2);
        assert_eq!(list.matches(b"src/x/a.o", false), Some(MatchType::Exclude));
        assert_eq!(list.matches(b"lib/a.o", false), None);
        assert_eq!(
            list.matches(b"src/only-here", false),
            Some(MatchType::Exclude)
        );
        assert_eq!(list.matches(b"src/x/only-here", false), None);
        list.truncate_by(n);
        assert!(list.is_empty());
    }

    /// Literal patterns are looked up, not tried one by one, and decide exactly as the same
    /// patterns tried in order would: the last matching one wins, globs and literals mixed.
    #[test]
    fn literal_patterns_by_lookup_decide_as_in_order() {
        let lines = [
            "big/f1",
            "big/f\\*x",
            "name",
            "dir/",
            "big/f1*",
            "!big/f12",
            "big/f12",
            "!name",
            "big/f2",
            "!big/f2*",
        ];
        let mut list = MatchList::new();
        list.add_patterns(lines);
        let slow = |path: &[u8], is_dir: bool| {
            lines
                .iter()
                .filter_map(|l| Pattern::parse(l, b""))
                .rev()
                .find(|p| p.matches(path, is_dir))
                .map(|p| p.kind())
        };
        for path in [
            "big/f1", "big/f12", "big/f13", "big/f2", "big/f3", "big/f*x", "big/fyx", "name",
            "a/name", "dir", "x/dir", "big",
        ] {
            for is_dir in [false, true] {
                assert_eq!(
                    list.matches(path.as_bytes(), is_dir),
                    slow(path.as_bytes(), is_dir),
                    "{path} (dir: {is_dir})"
                );
            }
        }
        assert_eq!(list.matches(b"big/f12", false), Some(MatchType::Exclude));
        assert_eq!(list.matches(b"a/name", false), Some(MatchType::Include));
        assert_eq!(list.matches(b"big/f2", false), Some(MatchType::Include));
        list.truncate_by(3);
        assert_eq!(list.matches(b"a/name", false), Some(MatchType::Exclude));
        assert_eq!(list.matches(b"big/f2", false), None);
        // A million literal paths: one lookup each.
        let many: Vec<String> = (0..1_000_000).map(|i| format!("big/f{i}")).collect();
        let mut list = MatchList::new();
        list.add_patterns(many.iter().map(String::as_str));
        for i in (0..1_000_000).step_by(997) {
            assert_eq!(
                list.matches(format!("big/f{i}").as_bytes(), false),
                Some(MatchType::Exclude)
            );
        }
        assert_eq!(list.matches(b"big/g1", false), None);
    }
}
