//! The `pbsh` command line: global options, one-shot commands, `-c`, `-f`, scripts and the
//! interactive shell, all ending in one `Session`.

use crate::repo::types::Namespace;
use crate::shell::commands::session::{open_local, open_repository};
use crate::shell::commands::Command;
use crate::shell::{exit, Session};
use clap::{CommandFactory, Parser};
use std::io::BufReader;
use std::path::PathBuf;

/// pbsh: a backup shell for Proxmox Backup Server datastores.
#[derive(Debug, Parser)]
#[command(name = "pbsh", version, about)]
pub struct Cli {
    /// Repository: [[USER@REALM[!TOKEN]@]HOST[:PORT]:]STORE (a bare STORE is on localhost), or a
    /// path (/…, ./…, ../…, ~/…, file:PATH): a local datastore directory or a lone .pxar file
    /// (default: $XDG_DATA_HOME/pbsh/datastore)
    #[arg(long, global = true, env = "PBS_REPOSITORY")]
    pub repository: Option<PathBuf>,
    /// Expected SHA-256 fingerprint of the server's certificate (or PBS_FINGERPRINT)
    #[arg(long, global = true, value_name = "FP")]
    pub fingerprint: Option<String>,
    /// Start in this namespace
    #[arg(
        long = "start-ns",
        global = true,
        env = "PBS_NAMESPACE",
        value_name = "NS"
    )]
    pub start_ns: Option<String>,
    /// Key file for encrypted snapshots when browsing (default: the default key, if any)
    #[arg(long = "session-keyfile", global = true, value_name = "PATH")]
    pub session_keyfile: Option<PathBuf>,
    /// Run these commands (separated by `;`) and exit
    #[arg(short = 'c', value_name = "COMMANDS")]
    pub commands: Option<String>,
    /// Run the commands in FILE and exit (`#!/usr/bin/env -S pbsh -f` scripts)
    #[arg(short = 'f', value_name = "FILE")]
    pub file: Option<PathBuf>,
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// The clap definition, for shell completion scripts.
pub fn command() -> clap::Command {
    Cli::command()
}

/// The text of `[--OPTION VALUE]… help TOPIC` for the shell's own topics, which clap does not know.
fn help_topic(args: &[String]) -> Option<&'static str> {
    let (words, options) = args.split_last_chunk::<2>().map(|(o, w)| (w, o))?;
    let text = match (words[0].as_str(), words[1].as_str()) {
        ("help", "exit-codes") => exit::HELP,
        ("help", "paths") => crate::shell::commands::nav::PATHS_HELP,
        _ => return None,
    };
    // Only global options with their values may come before.
    let mut rest = options.iter();
    while let Some(option) = rest.next() {
        if !option.starts_with("--") {
            return None;
        }
        if !option.contains('=') {
            rest.next()?;
        }
    }
    Some(text)
}

/// Parses the process's arguments and runs; returns the exit status.
pub fn main() -> i32 {
    // The shell's help topics work one-shot too: `pbsh help exit-codes`, `pbsh help paths`.
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    // proxmox-backup-client's `help [COMMAND] --verbose`: pbsh's help always shows every option.
    if let Some(at) = args.iter().position(|a| a == "help") {
        if at + 1 < args.len() {
            let tail: Vec<String> = args.split_off(at + 1);
            args.extend(tail.into_iter().filter(|a| a != "--verbose"));
        }
    }
    if let Some(text) = help_topic(&args) {
        crate::outln!("{}", text.trim_end());
        return exit::OK;
    }
    let program = std::env::args().next().unwrap_or_else(|| "pbsh".into());
    let cli = match Cli::try_parse_from(std::iter::once(program).chain(args)) {
        Ok(cli) => cli,
        Err(e) => {
            let code = if e.use_stderr() {
                exit::USAGE
            } else {
                exit::OK
            };
            let _ = e.print();
            return code;
        }
    };
    let status = run(cli);
    // Mounts made in a script or an interactive session end with it.
    crate::mount::unmount_all();
    status
}

pub fn run(cli: Cli) -> i32 {
    // The background half of a detached `pbsh mount` (see mount::detach).
    crate::mount::adopt_ready_fd();
    let ns = match cli.start_ns.as_deref().map(Namespace::parse).transpose() {
        Ok(ns) => ns.unwrap_or_default(),
        Err(e) => {
            crate::errln!("pbsh: {e}");
            return exit::USAGE;
        }
    };
    let mut session = match cli.repository.as_deref() {
        None => {
            let root = crate::util::paths::default_datastore();
            match open_local(&root) {
                Ok(d) => Session::with_namespace(d, ns),
                Err(e) => {
                    crate::errln!("pbsh: cannot open datastore {}: {e}", root.display());
                    return exit::FAILURE;
                }
            }
        }
        Some(text) => {
            let text = text.to_string_lossy();
            match open_repository(&text, cli.fingerprint.clone(), true) {
                Ok(opened) => opened.into_session(ns),
                Err(e) => {
                    crate::errln!("pbsh: {}", exit::one_line(&e));
                    return match exit::classify(&e) {
                        exit::USAGE => exit::USAGE,
                        exit::NOT_FOUND => exit::NOT_FOUND,
                        _ => exit::FAILURE,
                    };
                }
            }
        }
    };
    session.browser.set_keyfile(cli.session_keyfile.clone());
    if let Some(command) = cli.command {
        crate::mount::set_one_shot(true);
        session.one_shot = true;
        return match session.run_command(command) {
            Ok(_) => {
                // A one-shot `pbsh mount` serves until unmounted or interrupted.
                crate::mount::wait_for_mounts();
                exit::OK
            }
            Err(e) => {
                let code = exit::classify(&e);
                let line = exit::one_line(&e);
                // Whoever read the output has gone: nothing to say, to anyone. An empty line is
                // a failure already reported (a script's failing line).
                if code != exit::BROKEN_PIPE && !line.is_empty() {
                    crate::errln!("pbsh: {line}");
                }
                code
            }
        };
    }
    if let Some(commands) = cli.commands {
        // `-c 'a; b'`: each `;`-separated command counts as a line for messages.
        let lines = crate::shell::split_commands(&commands).join("\n");
        return session.run_lines(&mut lines.as_bytes(), false, "-c");
    }
    if let Some(path) = cli.file {
        return match std::fs::File::open(&path) {
            Ok(file) => session.run_lines(
                &mut BufReader::new(file),
                false,
                &path.display().to_string(),
            ),
            Err(e) => {
                crate::errln!("pbsh: cannot open script {}: {e}", path.display());
                exit::NOT_FOUND
            }
        };
    }
    session.run_stdin()
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_command_line_definition_is_consistent() {
        super::command().debug_assert();
    }
}
