//! The command set shared by the shell, scripts and one-shot use: parsing and dispatch.
//!
//! One file per command family; each parses its arguments with clap and renders through `output`.

pub mod backup;
pub mod catalog;
pub mod common;
pub mod key;
pub mod maintenance;
pub mod mount;
pub mod ns;
pub mod prune;
pub mod restore;
pub mod snapshot;

use crate::shell::Session;
use anyhow::{bail, Result};
use clap::{Parser, Subcommand};

/// Commands of the shell and of one-shot `pbsh CMD …`.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Manage encryption keys (passphrase keys, RSA master keys, paperkeys)
    #[command(subcommand)]
    Key(key::KeyCommand),
    /// Back up directories (NAME.pxar:DIR), images (NAME.img:FILE) and files into a new snapshot
    Backup(backup::BackupArgs),
    /// Restore an archive of a snapshot to a directory, a file, or `-` for standard output
    Restore(restore::RestoreArgs),
    /// List backup groups
    List(snapshot::ListArgs),
    /// Snapshot management: list, files, forget, protected, notes
    #[command(subcommand)]
    Snapshot(snapshot::SnapshotCommand),
    /// Remove a snapshot (TYPE/ID/TIME) or a whole group (TYPE/ID)
    Forget {
        target: String,
        #[arg(long)]
        ns: Option<String>,
    },
    /// Protect a snapshot from forget and prune
    Protect {
        snapshot: String,
        #[arg(long)]
        ns: Option<String>,
    },
    /// Remove a snapshot's protection
    Unprotect {
        snapshot: String,
        #[arg(long)]
        ns: Option<String>,
    },
    /// Namespaces: list, create, delete
    #[command(subcommand)]
    Ns(ns::NsCommand),
    /// Remove the snapshots of a group that the --keep-… rules do not keep
    Prune(prune::PruneArgs),
    /// Remove chunks no snapshot references (older than the 24 h grace period)
    #[command(name = "garbage-collect", alias = "gc")]
    GarbageCollect,
    /// Check snapshots: manifests, indexes and every chunk
    Verify(maintenance::VerifyArgs),
    /// Datastore usage and deduplication factor
    Status(maintenance::StatusArgs),
    /// Create a local datastore directory (`--full` makes all 65,536 chunk directories, as PBS does)
    #[command(subcommand)]
    Datastore(DatastoreCommand),
    /// The catalog of a snapshot: `catalog dump SNAPSHOT`
    #[command(subcommand)]
    Catalog(catalog::CatalogCommand),
    /// Mount an archive read-only: `mount SNAPSHOT ARCHIVE MOUNTPOINT`; alone: list mounts
    Mount(mount::MountArgs),
    /// Unmount a mount of this session
    #[command(alias = "unmount")]
    Umount { mountpoint: std::path::PathBuf },
    /// Map an image as a file: `map SNAPSHOT IMAGE.img [MOUNTDIR]`; alone: list maps
    Map(mount::MapArgs),
    /// Unmap an image mapped by this session (by its mount directory)
    Unmap { mountdir: std::path::PathBuf },
    /// Print the current location
    Pwd,
    /// Leave the shell
    #[command(alias = "quit")]
    Exit,
    /// Commands that later milestones add; listed so the shell can say so clearly.
    #[command(external_subcommand)]
    Other(Vec<String>),
}

#[derive(Debug, Subcommand)]
pub enum DatastoreCommand {
    /// Create a datastore in PBS's layout at PATH
    Create {
        path: std::path::PathBuf,
        /// Create every `.chunks/XXXX` directory up front (needed before a PBS server takes it over)
        #[arg(long)]
        full: bool,
    },
}

/// One shell line's words, parsed without a program name.
#[derive(Debug, Parser)]
#[command(no_binary_name = true, name = "", disable_version_flag = true)]
pub struct ShellLine {
    #[command(subcommand)]
    pub command: Command,
}

/// What a command asks of the shell loop afterwards.
#[derive(Debug, PartialEq, Eq)]
pub enum Flow {
    Continue,
    Exit,
}

/// Commands of proxmox-backup-client and the shell that are not built yet, with where they land.
const PLANNED: &[(&str, &str)] = &[
    ("ls", "the shell issue"),
    ("cd", "the shell issue"),
    ("stat", "the shell issue"),
    ("find", "the shell issue"),
    ("cat", "the shell issue"),
    ("get", "the shell issue"),
    ("task", "the remote repository issue"),
    ("login", "the remote repository issue"),
    ("logout", "the remote repository issue"),
    ("bench", "the benchmark issue"),
    ("serve", "the server issue"),
];

/// Runs one parsed command against the session.
pub fn run(session: &mut Session, command: Command) -> Result<Flow> {
    match command {
        Command::Key(cmd) => key::run(session, cmd).map(|()| Flow::Continue),
        Command::Backup(args) => backup::run(session, args).map(|()| Flow::Continue),
        Command::Restore(args) => restore::run(session, args).map(|()| Flow::Continue),
        Command::List(args) => snapshot::list_groups(session, args).map(|()| Flow::Continue),
        Command::Snapshot(cmd) => snapshot::run(session, cmd).map(|()| Flow::Continue),
        Command::Forget { target, ns } => {
            snapshot::forget(session, &target, &ns).map(|()| Flow::Continue)
        }
        Command::Protect { snapshot: s, ns } => {
            snapshot::set_protected(session, &s, &ns, true).map(|()| Flow::Continue)
        }
        Command::Unprotect { snapshot: s, ns } => {
            snapshot::set_protected(session, &s, &ns, false).map(|()| Flow::Continue)
        }
        Command::Ns(cmd) => ns::run(session, cmd).map(|()| Flow::Continue),
        Command::Prune(args) => prune::run(session, args).map(|()| Flow::Continue),
        Command::GarbageCollect => maintenance::gc(session).map(|()| Flow::Continue),
        Command::Verify(args) => maintenance::verify(session, args).map(|()| Flow::Continue),
        Command::Status(args) => maintenance::status(session, args).map(|()| Flow::Continue),
        Command::Pwd => {
            let location = session.location();
            writeln!(session.out, "{location}")?;
            Ok(Flow::Continue)
        }
        Command::Catalog(cmd) => catalog::run(session, cmd).map(|()| Flow::Continue),
        Command::Mount(args) => mount::mount(session, args).map(|()| Flow::Continue),
        Command::Map(args) => mount::map(session, args).map(|()| Flow::Continue),
        Command::Umount { mountpoint: m } | Command::Unmap { mountdir: m } => {
            mount::umount(session, &m).map(|()| Flow::Continue)
        }
        Command::Exit => Ok(Flow::Exit),
        Command::Datastore(DatastoreCommand::Create { path, full }) => {
            let created = if full {
                crate::repo::local::LocalDatastore::create_full(&path)
            } else {
                crate::repo::local::LocalDatastore::open_or_create(&path)
            };
            created
                .map_err(|e| anyhow::anyhow!("cannot create datastore {}: {e}", path.display()))?;
            writeln!(session.out, "datastore created at {}", path.display())?;
            Ok(Flow::Continue)
        }
        Command::Other(words) => {
            let name = words.first().map(String::as_str).unwrap_or_default();
            match PLANNED.iter().find(|(planned, _)| *planned == name) {
                Some((_, milestone)) => {
                    bail!("{name}: not yet available (it lands with {milestone})")
                }
                None => match suggest(name) {
                    Some(s) => bail!("unknown command `{name}` (did you mean `{s}`?)"),
                    None => bail!("unknown command `{name}` (try `help`)"),
                },
            }
        }
    }
}

/// The closest known command name, if one is close enough to be a typo.
fn suggest(name: &str) -> Option<&'static str> {
    let known = [
        "key",
        "pwd",
        "exit",
        "help",
        "backup",
        "restore",
        "list",
        "snapshot",
        "forget",
        "protect",
        "unprotect",
        "ns",
        "gc",
        "garbage-collect",
        "verify",
        "status",
        "mount",
        "umount",
        "map",
        "unmap",
    ]
    .into_iter()
    .chain(PLANNED.iter().map(|(n, _)| *n));
    known
        .map(|k| (edit_distance(name, k), k))
        .filter(|(d, k)| *d <= 2 && *d < k.len())
        .min()
        .map(|(_, k)| k)
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut current = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != *cb);
            current.push(
                (previous[j] + cost)
                    .min(previous[j + 1] + 1)
                    .min(current[j] + 1),
            );
        }
        previous = current;
    }
    previous[b.len()]
}

use std::io::Write as _;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggests_near_misses_only() {
        assert_eq!(suggest("kye"), Some("key"));
        assert_eq!(suggest("restor"), Some("restore"));
        assert_eq!(suggest("zzzzzz"), None);
    }
}
