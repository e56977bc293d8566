//! The pbsh shell: one session over a repository, run interactively, from a script, or one-shot.
//!
//! Reads lines, splits them into commands, dispatches to `commands`, and decides what a failure
//! means (interactive: report and go on; script: stop with the line number and a non-zero status).

pub mod commands;
pub mod output;

use crate::repo::local::LocalDatastore;
use crate::repo::types::Namespace;
use crate::repo::Repository;
use anyhow::{anyhow, Result};
use clap::Parser;
use commands::{Command, Flow, ShellLine};
use std::io::{BufRead, IsTerminal, Write};
use std::sync::Arc;

/// Exit status for a failed command.
pub const EXIT_FAILURE: i32 = 1;
/// Exit status for a command line that does not parse.
pub const EXIT_USAGE: i32 = 2;

/// One shell session: the open repository, where we are in its tree, and where output goes.
pub struct Session {
    pub repo: Arc<dyn Repository>,
    /// The same repository as a local datastore, for maintenance that walks the chunk store.
    pub local: Option<LocalDatastore>,
    /// The namespace commands act in unless they name one.
    pub ns: Namespace,
    pub out: Box<dyn Write>,
    /// Whether stderr is a terminal (progress display, colour).
    pub interactive: bool,
}

impl Session {
    pub fn new(datastore: LocalDatastore) -> Self {
        Session {
            repo: Arc::new(datastore.clone()),
            local: Some(datastore),
            ns: Namespace::root(),
            out: Box::new(std::io::stdout()),
            interactive: std::io::stderr().is_terminal(),
        }
    }

    /// The current location in the virtual tree.
    pub fn location(&self) -> String {
        if self.ns.is_root() {
            format!("/{}", self.repo.name())
        } else {
            format!("/{}/{}", self.repo.name(), self.ns)
        }
    }

    fn prompt(&self) -> String {
        format!("pbsh {}> ", self.location())
    }

    /// Runs one already-parsed command (one-shot use).
    pub fn run_command(&mut self, command: Command) -> Result<Flow> {
        let flow = commands::run(self, command);
        self.out.flush()?;
        flow
    }

    /// Parses and runs one line, which may hold several commands separated by `;`.
    pub fn run_line(&mut self, line: &str) -> Result<Flow, LineError> {
        for words in split_line(line).map_err(LineError::Usage)? {
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
        let mut words: Vec<String> = topic.to_vec();
        words.push("--help".into());
        if let Err(e) = ShellLine::try_parse_from(&words) {
            write!(self.out, "{}", e.render())?;
        }
        if topic.is_empty() {
            writeln!(
                self.out,
                "\nIn the shell, `help COMMAND` shows a command's options."
            )?;
        }
        Ok(())
    }

    /// Runs lines from `input`: interactively (prompt, keep going after errors) or as a script
    /// (stop at the first failure). Returns the exit status.
    pub fn run_lines(&mut self, input: &mut dyn BufRead, interactive: bool, source: &str) -> i32 {
        let mut line = String::new();
        let mut line_nr = 0usize;
        loop {
            if interactive {
                let _ = write!(self.out, "{}", self.prompt());
                let _ = self.out.flush();
            }
            line.clear();
            match input.read_line(&mut line) {
                Ok(0) => return 0,
                Ok(_) => {}
                Err(e) => {
                    eprintln!("pbsh: cannot read {source}: {e}");
                    return EXIT_FAILURE;
                }
            }
            line_nr += 1;
            let text = line.trim();
            if text.is_empty() || text.starts_with('#') {
                continue;
            }
            match self.run_line(text) {
                Ok(Flow::Exit) => return 0,
                Ok(Flow::Continue) => {}
                Err(e) => {
                    if interactive {
                        eprintln!("error: {e}");
                    } else {
                        eprintln!("pbsh: {source}:{line_nr}: {e}");
                        return e.exit_status();
                    }
                }
            }
        }
    }

    /// Runs an interactive session or a piped script from standard input.
    pub fn run_stdin(&mut self) -> i32 {
        let stdin = std::io::stdin();
        let interactive = stdin.is_terminal();
        let mut lock = stdin.lock();
        self.run_lines(&mut lock, interactive, "<stdin>")
    }
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
            LineError::Failed(_) => EXIT_FAILURE,
        }
    }
}

impl std::fmt::Display for LineError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            LineError::Usage(msg) => f.write_str(msg.trim_start_matches("error: ")),
            // `{:#}` joins the context chain on one line: "key file x: wrong passphrase".
            LineError::Failed(e) => write!(f, "{e:#}"),
        }
    }
}

/// Splits a line into commands at unquoted `;`, then each into words with shell quoting rules.
pub fn split_line(line: &str) -> Result<Vec<Vec<String>>, String> {
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
    if quote.is_some() {
        return Err("unterminated quote".to_string());
    }
    commands.push(current);
    commands
        .iter()
        .map(|c| {
            shlex::split(c).ok_or_else(|| anyhow!("cannot split {c:?} into words").to_string())
        })
        .collect()
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
