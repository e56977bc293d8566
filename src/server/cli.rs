//! The `pbsh serve` command line: run the server, or add users and API tokens to its config.
//!
//! Passwords come from `PBS_PASSWORD`, standard input when it is not a terminal, or a prompt
//! without echo; never from argv. A token secret is printed once, to standard output.

use super::{auth, ServeOptions};
use clap::{Parser, Subcommand};
use std::io::{BufRead, IsTerminal};
use std::path::PathBuf;

/// pbsh serve: a Proxmox Backup Server compatible server over local datastores.
#[derive(Debug, Parser)]
#[command(name = "pbsh serve")]
pub struct ServeCli {
    /// A datastore to serve, as NAME=PATH or NAME=s3://BUCKET[/PREFIX] (repeatable)
    #[arg(long, value_name = "NAME=PATH")]
    datastore: Vec<String>,
    /// Address to listen on (port 0 picks a free port; the chosen one is printed)
    #[arg(long, default_value = "127.0.0.1:8007")]
    listen: String,
    /// Directory for the certificate, keys, users and task logs
    #[arg(long, global = true, value_name = "DIR")]
    config_dir: Option<PathBuf>,
    #[command(subcommand)]
    command: Option<ServeCommand>,
}

#[derive(Debug, Subcommand)]
enum ServeCommand {
    /// Manage users
    User {
        #[command(subcommand)]
        command: UserCommand,
    },
    /// Manage API tokens
    Token {
        #[command(subcommand)]
        command: TokenCommand,
    },
}

#[derive(Debug, Subcommand)]
enum UserCommand {
    /// Add (or replace) a user, e.g. alice@pbs; the password is read from PBS_PASSWORD,
    /// standard input, or the terminal
    Add {
        userid: String,
        /// The user may see and manage every group and run GC
        #[arg(long)]
        admin: bool,
    },
}

#[derive(Debug, Subcommand)]
enum TokenCommand {
    /// Add an API token, e.g. alice@pbs!backup; prints its secret once
    Add { tokenid: String },
}

fn default_config_dir() -> PathBuf {
    std::env::var_os("HOME")
        .map(PathBuf::from)
        .unwrap_or_default()
        .join(".config/pbsh/serve")
}

fn config_dir(dir: Option<PathBuf>) -> PathBuf {
    dir.or_else(|| std::env::var_os("XDG_CONFIG_HOME").map(|c| PathBuf::from(c).join("pbsh/serve")))
        .unwrap_or_else(default_config_dir)
}

fn read_password(userid: &str) -> Result<zeroize::Zeroizing<String>, String> {
    if let Ok(p) = std::env::var("PBS_PASSWORD") {
        return Ok(zeroize::Zeroizing::new(p));
    }
    if !std::io::stdin().is_terminal() {
        let mut line = zeroize::Zeroizing::new(String::new());
        std::io::stdin()
            .lock()
            .read_line(&mut line)
            .map_err(|e| format!("reading password from standard input: {e}"))?;
        let trimmed = line.trim_end_matches(['\n', '\r']).to_string();
        return Ok(zeroize::Zeroizing::new(trimmed));
    }
    let first = rpassword::prompt_password(format!("Password for {userid}: "))
        .map_err(|e| e.to_string())?;
    let second = rpassword::prompt_password("Verify Password: ").map_err(|e| e.to_string())?;
    if first != second {
        return Err("passwords do not match".into());
    }
    Ok(zeroize::Zeroizing::new(first))
}

/// Runs `pbsh serve …` with `args` (starting with "serve"); returns the exit code.
pub fn main(args: Vec<std::ffi::OsString>) -> i32 {
    let cli = match ServeCli::try_parse_from(args) {
        Ok(c) => c,
        Err(e) => {
            let _ = e.print();
            return if e.use_stderr() { 2 } else { 0 };
        }
    };
    let dir = config_dir(cli.config_dir);
    let result = match cli.command {
        Some(ServeCommand::User {
            command: UserCommand::Add { userid, admin },
        }) => read_password(&userid)
            .and_then(|pw| auth::add_user(&dir, &userid, &pw, admin))
            .map(|()| crate::errln!("user {userid} saved in {}", dir.display())),
        Some(ServeCommand::Token {
            command: TokenCommand::Add { tokenid },
        }) => auth::add_token(&dir, &tokenid).map(|secret| {
            crate::outln!("{secret}");
            crate::errln!("token {tokenid} created; its secret is shown only once");
        }),
        None => {
            let mut datastores = Vec::new();
            for spec in &cli.datastore {
                match spec.split_once('=') {
                    Some((name, path)) if !name.is_empty() && !path.is_empty() => {
                        match crate::repo::location::DatastoreLocation::parse(path) {
                            Ok(location) => datastores.push((name.to_string(), location)),
                            Err(e) => {
                                crate::errln!("pbsh serve: --datastore {name}: {e}");
                                return 2;
                            }
                        }
                    }
                    _ => {
                        crate::errln!("pbsh serve: --datastore wants NAME=PATH, got {spec:?}");
                        return 2;
                    }
                }
            }
            super::run(ServeOptions {
                datastores,
                listen: cli.listen,
                config_dir: dir,
            })
        }
    };
    match result {
        Ok(()) => 0,
        Err(e) => {
            crate::errln!("pbsh serve: {e}");
            1
        }
    }
}
