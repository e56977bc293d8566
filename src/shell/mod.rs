//! The pbsh shell: one session over a repository, run interactively, from a script, or one-shot.
//!
//! Reads lines, splits them into commands, dispatches to `commands`, and decides what a failure
//! means (interactive: report and go on; script: stop with the line number and a status from
//! `exit`).

pub mod browse;
pub mod catalog_shell;
pub mod cli;
pub mod commands;
pub mod completion;
pub mod exit;
pub mod history;
pub mod menu;
pub mod output;
pub mod parity;
pub mod progress;
pub mod repl;
pub mod tree;

use crate::repo::types::Namespace;
use crate::repo::Repository;
use anyhow::{anyhow, Result};
use browse::Browser;
use clap::Parser;
use commands::{Command, Flow, ShellLine};
use std::io::{BufRead, IsTerminal, Write};
use std::sync::Arc;
use tree::TreePath;

/// Exit status for a failed command.
pub const EXIT_FAILURE: i32 = exit::FAILURE;
/// Exit status for a command line that does not parse.
pub const EXIT_USAGE: i32 = exit::USAGE;

/// One shell session: the open repository, where we are in its tree, and where output goes.
pub struct Session {
    /// The datastore the current directory is in (a remote session moves between the
    /// datastores of its server with `cd /STORE`); commands that name no path act on it, and
    /// its maintenance (`repo.maintenance()`) serves gc, verify, prune, status and tasks.
    pub repo: Arc<dyn Repository>,
    /// Listings, manifests, catalogs and open archives of the tree (every datastore under `/`).
    pub browser: Arc<Browser>,
    /// Where the session is in the tree.
    pub cwd: TreePath,
    /// Where it started (`~`).
    pub home: TreePath,
    /// The directory before the last `cd` (`cd -`).
    pub previous: TreePath,
    pub out: Box<dyn Write>,
    /// Whether stderr is a terminal (progress display).
    pub interactive: bool,
    /// Colour on standard output (a terminal, and NO_COLOR unset).
    pub color: bool,
    /// Scripts stop at the first failing command unless `set -e off`.
    pub errexit: bool,
    /// The selection basket (`select`, `find --select`, `restore-selected`): paths and patterns,
    /// possibly across snapshots.
    pub selection: Vec<commands::select::Selected>,
    /// Local working directory for `lcd` and relative local paths is the process's own.
    pub history: Vec<String>,
    /// Whether the interactive loop is already running (so `catalog shell` only moves there).
    pub in_repl: bool,
    /// Running one command from the command line (`pbsh CMD …`), not a script or the REPL:
    /// standard input is free for a command that reads it (`catalog shell`).
    pub one_shot: bool,
}

/// Whether colour may be used on a stream that is (or is not) a terminal.
pub fn color_allowed(is_terminal: bool) -> bool {
    let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
    let dumb = std::env::var("TERM").is_ok_and(|t| t == "dumb");
    is_terminal && !no_color && !dumb
}

impl Session {
    /// A session on a datastore (local, or one of a server's: then `/` shows every datastore
    /// of the server), starting in `ns`.
    pub fn with_namespace(repo: Arc<dyn Repository>, ns: Namespace) -> Self {
        let browser = Browser::new(repo.clone());
        Self::with_repository(repo, browser, Start::Namespace(ns))
    }

    /// A read-only session on a lone archive file: `/` is the archive's root.
    pub fn with_lone_archive(archive: crate::repo::archive_file::ArchiveFile) -> Self {
        let archive = Arc::new(archive);
        let repo: Arc<dyn Repository> = archive.clone();
        let mut root =
            TreePath::snapshot_path(&repo.name(), &Namespace::root(), &archive.snapshot());
        root.archive = Some(archive.archive_name().to_string());
        let browser = Browser::new_lone(archive);
        Self::with_repository(repo, browser, Start::ViewRoot(root))
    }

    /// Starts a session at `start`: a namespace of the repository, or (for a lone archive) the
    /// place shown as `/`.
    fn with_repository(repo: Arc<dyn Repository>, browser: Browser, start: Start) -> Self {
        let home = match start {
            Start::Namespace(ns) => {
                tree::set_view_root(None);
                TreePath::namespace(&repo.name(), ns)
            }
            Start::ViewRoot(root) => {
                tree::set_view_root(Some(&root));
                root
            }
        };
        Session {
            browser: Arc::new(browser),
            repo,
            cwd: home.clone(),
            previous: home.clone(),
            home,
            out: Box::new(std::io::stdout()),
            interactive: std::io::stderr().is_terminal(),
            color: color_allowed(std::io::stdout().is_terminal()),
            errexit: true,
            selection: Vec::new(),
            history: Vec::new(),
            in_repl: false,
            one_shot: false,
        }
    }

    /// Switches the session to another datastore (`open`), starting in `ns`.
    pub fn open(&mut self, repo: Arc<dyn Repository>, ns: Namespace) {
        self.replace_with(Session::with_namespace(repo, ns));
    }

    /// Switches the session to a lone archive file (`open ./root.pxar`), read-only.
    pub fn open_lone_archive(&mut self, archive: crate::repo::archive_file::ArchiveFile) {
        self.replace_with(Session::with_lone_archive(archive));
    }

    fn replace_with(&mut self, fresh: Session) {
        let keyfile = self.browser.keyfile();
        let color = self.color;
        let interactive = self.interactive;
        let errexit = self.errexit;
        let history = std::mem::take(&mut self.history);
        let out = std::mem::replace(&mut self.out, Box::new(std::io::sink()));
        *self = fresh;
        self.browser.set_keyfile(keyfile);
        self.out = out;
        self.color = color;
        self.interactive = interactive;
        self.errexit = errexit;
        self.history = history;
    }

    /// Points `repo` at the datastore the current directory is in, after a `cd`
    /// to another datastore of the same server (opened over the same login). At `/` the last
    /// datastore stays current.
    pub fn follow_cwd_store(&mut self) {
        let Some(store) = &self.cwd.store else {
            return;
        };
        if *store == self.repo.name() {
            return;
        }
        if let Ok(repo) = self.browser.store(store) {
            self.repo = repo;
        }
    }

    /// The namespace commands act in unless they name one: the current directory's.
    pub fn ns(&self) -> Namespace {
        self.cwd.ns.clone()
    }

    /// The current location in the virtual tree.
    pub fn location(&self) -> String {
        self.cwd.to_string()
    }

    /// Resolves a path argument against the current directory.
    pub fn resolve(&self, text: &str) -> Result<TreePath> {
        Ok(TreePath::resolve(
            &self.cwd,
            text,
            &self.home,
            &self.previous,
        )?)
    }

    /// Runs one already-parsed command (one-shot use).
    pub fn run_command(&mut self, command: Command) -> Result<Flow> {
        crate::util::cancel::reset();
        let flow = commands::run(self, command);
        self.out.flush()?;
        flow
    }

    /// Parses and runs one line, which may hold several commands separated by `;`.
    pub fn run_line(&mut self, line: &str) -> Result<Flow, LineError> {
        if let Some(command) = line.trim_start().strip_prefix('!') {
            return commands::local::shell_escape(self, command)
                .map(|()| Flow::Continue)
                .map_err(LineError::Failed);
        }
        for mut words in split_line(line).map_err(LineError::Usage)? {
            find_style_options(&mut words);
            if words.is_empty() {
                continue;
            }
            if words[0] == "help" {
                self.help(&words[1..]).map_err(LineError::Failed)?;
                continue;
            }
            let parsed = ShellLine::try_parse_from(&words).map_err(|e| {
                LineError::Usage(
                    e.render()
                        .to_string()
                        .lines()
                        .next()
                        .unwrap_or_default()
                        .to_string(),
                )
            })?;
            if self
                .run_command(parsed.command)
                .map_err(LineError::Failed)?
                == Flow::Exit
            {
                return Ok(Flow::Exit);
            }
        }
        Ok(Flow::Continue)
    }

    fn help(&mut self, topic: &[String]) -> Result<()> {
        // proxmox-backup-client's `help --verbose`: pbsh's help always shows every option.
        let topic: Vec<String> = topic
            .iter()
            .filter(|w| *w != "--verbose")
            .cloned()
            .collect();
        match topic.first().map(String::as_str) {
            Some("paths") => {
                write!(self.out, "{}", commands::nav::PATHS_HELP)?;
                return Ok(());
            }
            Some("exit-codes") => {
                write!(self.out, "{}", exit::HELP)?;
                return Ok(());
            }
            _ => {}
        }
        let mut words: Vec<String> = topic.to_vec();
        words.push("--help".into());
        if let Err(e) = ShellLine::try_parse_from(&words) {
            write!(self.out, "{}", e.render())?;
        }
        if topic.is_empty() {
            writeln!(
                self.out,
                "\n`help COMMAND` shows a command's options; `help paths` how paths work; \
                 `help exit-codes` what scripts can test.\nLocal: `!cmd` runs a local shell command."
            )?;
        }
        Ok(())
    }

    /// Runs lines from `input` as a script: no prompt; stop at the first failure unless
    /// `set -e off`. Returns the exit status.
    pub fn run_lines(&mut self, input: &mut dyn BufRead, _interactive: bool, source: &str) -> i32 {
        let mut line = String::new();
        let mut line_nr = 0usize;
        let mut status = exit::OK;
        let mut pending = String::new();
        loop {
            line.clear();
            match input.read_line(&mut line) {
                Ok(0) => return status,
                Ok(_) => {}
                Err(e) => {
                    crate::errln!("pbsh: cannot read {source}: {e}");
                    return EXIT_FAILURE;
                }
            }
            line_nr += 1;
            let text = line.trim_end_matches(['\n', '\r']);
            // `\` at the end of a line continues the command on the next one.
            if let Some(head) = text.strip_suffix('\\') {
                pending.push_str(head);
                continue;
            }
            pending.push_str(text);
            let command = std::mem::take(&mut pending);
            let command = command.trim();
            if command.is_empty() || command.starts_with('#') {
                continue;
            }
            // A leading `-` ignores that line's failure (as sftp does).
            let (ignore, command) = match command.strip_prefix('-') {
                Some(rest) if rest.starts_with(char::is_alphabetic) => (true, rest),
                _ => (false, command),
            };
            match self.run_line(command) {
                Ok(Flow::Exit) => return status,
                Ok(Flow::Continue) => {}
                Err(e) => {
                    let code = e.exit_status();
                    if code == exit::BROKEN_PIPE {
                        // Nobody reads the output any more: stop quietly, whatever `set -e`.
                        return code;
                    }
                    crate::errln!("pbsh: {source}:{line_nr}: {e}");
                    if !ignore {
                        if self.errexit {
                            return code;
                        }
                        status = code;
                    }
                }
            }
        }
    }

    /// Runs an interactive session (a terminal) or a piped script from standard input.
    pub fn run_stdin(&mut self) -> i32 {
        let stdin = std::io::stdin();
        if stdin.is_terminal() && std::io::stdout().is_terminal() {
            return repl::run(self);
        }
        let mut lock = stdin.lock();
        self.run_lines(&mut lock, false, "<stdin>")
    }
}

/// Where a session starts.
enum Start {
    Namespace(Namespace),
    /// This place is shown as `/` (a lone archive's root).
    ViewRoot(TreePath),
}

/// Why a line failed: it did not parse, or the command ran and failed.
#[derive(Debug)]
pub enum LineError {
    Usage(String),
    Failed(anyhow::Error),
}

impl LineError {
    pub fn exit_status(&self) -> i32 {
        match self {
            LineError::Usage(_) => EXIT_USAGE,
            LineError::Failed(e) => exit::classify(e),
        }
    }
}

impl std::fmt::Display for LineError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            LineError::Usage(msg) => f.write_str(msg.trim_start_matches("error: ")),
            // The context chain on one line, each text once: "key file x: wrong passphrase".
            LineError::Failed(e) => f.write_str(&exit::one_line(e)),
        }
    }
}

/// Splits a line at unquoted `;` into the text of each command (quotes kept).
pub fn split_commands(line: &str) -> Vec<String> {
    let mut commands = Vec::new();
    let mut current = String::new();
    let mut quote: Option<char> = None;
    let mut escaped = false;
    for c in line.chars() {
        if escaped {
            escaped = false;
            current.push(c);
            continue;
        }
        match (c, quote) {
            ('\\', q) if q != Some('\'') => {
                escaped = true;
                current.push(c);
            }
            ('\'' | '"', None) => {
                quote = Some(c);
                current.push(c);
            }
            (c, Some(q)) if c == q => {
                quote = None;
                current.push(c);
            }
            (';', None) => commands.push(std::mem::take(&mut current)),
            _ => current.push(c),
        }
    }
    commands.push(current);
    commands
}

/// Splits a line into commands at unquoted `;`, then each into words with shell quoting rules.
pub fn split_line(line: &str) -> Result<Vec<Vec<String>>, String> {
    split_commands(line)
        .iter()
        .map(|c| {
            shlex::split(c).ok_or_else(|| {
                if c.matches(['\'', '"']).count() % 2 == 1 {
                    "unterminated quote".to_string()
                } else {
                    anyhow!("cannot split {c:?} into words").to_string()
                }
            })
        })
        .collect()
}

/// `find -name X` is how find(1) spells it; clap wants `--name`.
fn find_style_options(words: &mut [String]) {
    if words.first().map(String::as_str) != Some("find") {
        return;
    }
    for w in words.iter_mut().skip(1) {
        if matches!(w.as_str(), "-name" | "-path" | "-type") {
            w.insert(0, '-');
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_commands_and_quotes() {
        let parts = split_line(r#"key show 'a;b.json'; pwd"#).unwrap();
        assert_eq!(parts, vec![vec!["key", "show", "a;b.json"], vec!["pwd"]]);
        assert!(split_line("key show 'open").is_err());
    }
}
