//! The command set shared by the shell, scripts and one-shot use: parsing and dispatch.
//!
//! One file per command family; each parses its arguments with clap and renders through `output`.

pub mod backup;
pub mod bench;
pub mod catalog;
pub mod common;
pub mod files;
pub mod key;
pub mod local;
pub mod maintenance;
pub mod mount;
pub mod nav;
pub mod ns;
pub mod prune;
pub mod remote;
pub mod restore;
pub mod search;
pub mod select;
pub mod session;
pub mod snapshot;

use crate::shell::output::OutputFormat;
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
    /// Give a group to another owner (a user or API token): `change-owner TYPE/ID NEW_OWNER`
    #[command(name = "change-owner")]
    ChangeOwner {
        /// The backup group (TYPE/ID)
        group: String,
        /// `user@realm` or `user@realm!token`
        new_owner: String,
        #[arg(long)]
        ns: Option<String>,
    },
    /// pbsh's version and, for a remote repository, the server's
    Version {
        #[arg(long, value_enum, default_value = "text")]
        output_format: OutputFormat,
    },
    /// Remove a snapshot's protection
    Unprotect {
        snapshot: String,
        #[arg(long)]
        ns: Option<String>,
    },
    /// Namespaces: list, create, delete
    #[command(subcommand, alias = "namespace")]
    Ns(ns::NsCommand),
    /// Remove the snapshots of a group that the --keep-… rules do not keep
    Prune(prune::PruneArgs),
    /// Remove chunks no snapshot references (older than the 24 h grace period)
    #[command(name = "garbage-collect", alias = "gc")]
    GarbageCollect {
        /// json: the figures (local), or the task's UPID without following it (remote, as
        /// proxmox-backup-client)
        #[arg(long, value_enum, default_value = "text")]
        output_format: OutputFormat,
    },
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
    /// Measure this machine's hashing, compression, encryption, chunking and pipeline speed
    #[command(alias = "benchmark")]
    Bench(bench::BenchArgs),
    /// Mount an archive read-only: `mount SNAPSHOT ARCHIVE MOUNTPOINT`; alone: list mounts
    Mount(mount::MountArgs),
    /// Unmount a mount of this session
    #[command(alias = "unmount")]
    Umount { mountpoint: std::path::PathBuf },
    /// Map an image as a file: `map SNAPSHOT IMAGE.img [MOUNTDIR]`; alone: list maps
    Map(mount::MapArgs),
    /// Unmap an image mapped by this session (by its mount directory)
    Unmap { mountdir: std::path::PathBuf },
    /// Print the current location in the tree
    Pwd,
    /// Change directory in the tree (`..`, `~`, `-`, globs; see `help paths`)
    Cd { path: Option<String> },
    /// List a directory of the tree: datastores, namespaces, groups, snapshots, archives, files
    Ls(nav::LsArgs),
    /// Show a subtree
    Tree(nav::TreeArgs),
    /// Show everything known about a node
    Stat(nav::StatArgs),
    /// Find files inside archives by name or path glob; at a group, across every snapshot
    Find(search::FindArgs),
    /// Added, removed and changed files between two snapshots (from their catalogs)
    Diff(search::DiffArgs),
    /// Print files from archives (or image, blob and catalog archives) to standard output
    Cat(files::CatArgs),
    /// Copy files or directories out of archives to a local path, with their metadata
    Get(files::GetArgs),
    /// Show a snapshot's notes, or set them with --set
    Notes {
        /// The snapshot (default: the current one)
        snapshot: Option<String>,
        #[arg(long)]
        set: Option<String>,
    },
    /// Add paths inside archives to the selection
    Select {
        #[arg(required = true)]
        paths: Vec<String>,
    },
    /// Remove paths from the selection
    Deselect {
        #[arg(required = true)]
        paths: Vec<String>,
    },
    /// Empty the selection
    ClearSelected,
    /// List the selection: the paths selected and what selected patterns match
    ListSelected(select::ListSelectedArgs),
    /// Restore everything selected into a local directory
    RestoreSelected(select::RestoreSelectedArgs),
    /// Without PATH: the command history. With PATH: every version of a file across its group
    History {
        path: Option<String>,
        #[arg(long, value_enum, default_value = "text")]
        output_format: OutputFormat,
    },
    /// Open another repository in this session: HOST:STORE (a bare STORE is on localhost), a local
    /// datastore path (/…, ./…, ../…, ~/…, file:PATH) or a lone .pxar file (read-only)
    Open {
        // Its own id: named `repository`, it was the global `--repository` too, so a one-shot
        // `pbsh open PATH` created PATH as the starting datastore before opening it.
        #[arg(id = "open_repository", value_name = "REPOSITORY")]
        repository: std::path::PathBuf,
        /// Start in this namespace
        #[arg(long)]
        ns: Option<String>,
    },
    /// Close the repository and go back to the default local datastore
    Close,
    /// Session settings: `set -e off` (keep going after errors), `set keyfile PATH`, `set color off`
    #[command(allow_hyphen_values = true)]
    Set { words: Vec<String> },
    /// Log in to a remote repository (local datastores need none)
    Login,
    /// Forget the remote ticket
    Logout,
    /// Server tasks: `task list`, `task log UPID [--follow]`, `task stop UPID`
    #[command(subcommand)]
    Task(remote::TaskCommand),
    /// Change the local working directory
    Lcd { dir: Option<String> },
    /// Print the local working directory
    Lpwd,
    /// List local files (runs ls)
    #[command(allow_hyphen_values = true)]
    Lls { args: Vec<String> },
    /// Print the completion script of the one-shot command line for bash, zsh or fish
    Completion {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Leave the shell
    #[command(alias = "quit")]
    Exit,
    /// Commands that later milestones add; listed so the shell can say so clearly.
    #[command(external_subcommand)]
    Other(Vec<String>),
}

#[derive(Debug, Subcommand)]
pub enum DatastoreCommand {
    /// Create a datastore in PBS's layout at PATH (a directory, or s3://BUCKET[/PREFIX])
    Create {
        path: String,
        /// Create every `.chunks/XXXX` directory up front (needed before a PBS server takes it over)
        #[arg(long)]
        full: bool,
    },
}

// One shell line's words, parsed without a program name; its help is the shell's `help` page.
#[derive(Debug, Parser)]
#[command(
    no_binary_name = true,
    name = "",
    disable_version_flag = true,
    about = "The commands of the pbsh shell (the same in scripts and as `pbsh COMMAND`)",
    override_usage = "COMMAND [OPTIONS] [ARGUMENTS]"
)]
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
const PLANNED: &[(&str, &str)] = &[];

/// Fails with "cancelled" once Ctrl-C was pressed (long loops call it).
pub fn check_cancel() -> Result<()> {
    if crate::util::cancel::requested() {
        bail!(crate::shell::exit::ShellError::Cancelled);
    }
    Ok(())
}

/// Whether a command only reads, so cached listings stay valid after it.
fn reads_only(command: &Command) -> bool {
    matches!(
        command,
        Command::Pwd
            | Command::Cd { .. }
            | Command::Ls(_)
            | Command::Tree(_)
            | Command::Stat(_)
            | Command::Find(_)
            | Command::Diff(_)
            | Command::Cat(_)
            | Command::Get(_)
            | Command::History { .. }
            | Command::ListSelected(_)
            | Command::Completion { .. }
            | Command::Version { .. }
    )
}

/// The name of a command that would change the repository (refused on a lone archive file).
fn writes(command: &Command) -> Option<&'static str> {
    use snapshot::{NotesAction, ProtectedAction, SnapshotCommand};
    Some(match command {
        Command::Backup(_) => "backup",
        Command::Forget { .. } => "forget",
        Command::Protect { .. } => "protect",
        Command::Unprotect { .. } => "unprotect",
        Command::ChangeOwner { .. } => "change-owner",
        Command::Prune(_) => "prune",
        Command::GarbageCollect { .. } => "garbage-collect",
        Command::Verify(_) => "verify",
        Command::Notes { set: Some(_), .. } => "notes --set",
        Command::Ns(ns::NsCommand::Create { .. } | ns::NsCommand::Delete { .. }) => "ns",
        Command::Snapshot(cmd) => match cmd {
            SnapshotCommand::Forget { .. } => "snapshot forget",
            SnapshotCommand::Protected {
                action: ProtectedAction::Update { .. },
            } => "snapshot protected update",
            SnapshotCommand::Notes {
                action: NotesAction::Update { .. },
            } => "snapshot notes update",
            SnapshotCommand::UploadLog { .. } => "snapshot upload-log",
            _ => return None,
        },
        _ => return None,
    })
}

/// Runs one parsed command against the session.
pub fn run(session: &mut Session, command: Command) -> Result<Flow> {
    if let (Some(lone), Some(name)) = (session.browser.lone(), writes(&command)) {
        bail!(lone.read_only(name));
    }
    let changes = !reads_only(&command);
    // Only these can remove the directory the session stands in.
    let removes = matches!(
        command,
        Command::Forget { .. } | Command::Prune(_) | Command::Ns(_) | Command::Snapshot(_)
    );
    let result = dispatch(session, command);
    if changes {
        session.browser.invalidate();
    }
    if removes {
        session::leave_vanished_dirs(session);
    }
    session.follow_cwd_store();
    result
}

fn dispatch(session: &mut Session, command: Command) -> Result<Flow> {
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
        Command::ChangeOwner {
            group,
            new_owner,
            ns,
        } => snapshot::change_owner(session, &group, &new_owner, &ns).map(|()| Flow::Continue),
        Command::Version { output_format } => {
            snapshot::version(session, output_format).map(|()| Flow::Continue)
        }
        Command::Prune(args) => prune::run(session, args).map(|()| Flow::Continue),
        Command::GarbageCollect { output_format } => {
            maintenance::gc(session, output_format).map(|()| Flow::Continue)
        }
        Command::Verify(args) => maintenance::verify(session, args).map(|()| Flow::Continue),
        Command::Status(args) => maintenance::status(session, args).map(|()| Flow::Continue),
        Command::Pwd => {
            let location = session.location();
            writeln!(session.out, "{location}")?;
            Ok(Flow::Continue)
        }
        Command::Cd { path } => nav::cd(session, path).map(|()| Flow::Continue),
        Command::Ls(args) => nav::ls(session, args).map(|()| Flow::Continue),
        Command::Tree(args) => nav::tree(session, args).map(|()| Flow::Continue),
        Command::Stat(args) => nav::stat(session, args).map(|()| Flow::Continue),
        Command::Find(args) => search::find(session, args).map(|()| Flow::Continue),
        Command::Diff(args) => search::diff(session, args).map(|()| Flow::Continue),
        Command::Cat(args) => files::cat(session, args).map(|()| Flow::Continue),
        Command::Get(args) => files::get(session, args).map(|()| Flow::Continue),
        Command::Notes { snapshot, set } => {
            session::notes(session, snapshot, set).map(|()| Flow::Continue)
        }
        Command::Select { paths } => select::select(session, &paths).map(|()| Flow::Continue),
        Command::Deselect { paths } => select::deselect(session, &paths).map(|()| Flow::Continue),
        Command::ClearSelected => {
            session.selection.clear();
            Ok(Flow::Continue)
        }
        Command::ListSelected(args) => {
            select::list_selected(session, args).map(|()| Flow::Continue)
        }
        Command::RestoreSelected(args) => {
            select::restore_selected(session, args).map(|()| Flow::Continue)
        }
        Command::History {
            path,
            output_format,
        } => session::history(session, path, output_format).map(|()| Flow::Continue),
        Command::Open { repository, ns } => {
            session::open(session, &repository, ns).map(|()| Flow::Continue)
        }
        Command::Close => session::close(session).map(|()| Flow::Continue),
        Command::Set { words } => session::set(session, &words).map(|()| Flow::Continue),
        Command::Login => remote::login(session).map(|()| Flow::Continue),
        Command::Logout => remote::logout(session).map(|()| Flow::Continue),
        Command::Task(cmd) => remote::task(session, cmd).map(|()| Flow::Continue),
        Command::Completion { shell } => {
            let mut cmd = crate::shell::cli::command();
            clap_complete::generate(shell, &mut cmd, "pbsh", &mut session.out);
            Ok(Flow::Continue)
        }
        Command::Lcd { dir } => local::lcd(session, dir).map(|()| Flow::Continue),
        Command::Lpwd => local::lpwd(session).map(|()| Flow::Continue),
        Command::Lls { args } => local::lls(session, &args).map(|()| Flow::Continue),
        Command::Catalog(cmd) => catalog::run(session, cmd).map(|()| Flow::Continue),
        Command::Bench(args) => bench::run(session, args).map(|()| Flow::Continue),
        Command::Mount(args) => mount::mount(session, args).map(|()| Flow::Continue),
        Command::Map(args) => mount::map(session, args).map(|()| Flow::Continue),
        Command::Umount { mountpoint: m } | Command::Unmap { mountdir: m } => {
            mount::umount(session, &m).map(|()| Flow::Continue)
        }
        Command::Exit => Ok(Flow::Exit),
        Command::Datastore(DatastoreCommand::Create { path, full }) => {
            use crate::repo::location::DatastoreLocation;
            let location = DatastoreLocation::parse(&path)
                .map_err(|e| anyhow::anyhow!(crate::shell::exit::ShellError::Usage(e)))?;
            match &location {
                DatastoreLocation::Dir(dir) if full => {
                    crate::repo::local::LocalDatastore::create_full(dir).map_err(|e| {
                        anyhow::anyhow!("cannot create datastore {}: {e}", dir.display())
                    })?;
                }
                _ => {
                    location.open(true).map_err(|e| anyhow::anyhow!(e))?;
                }
            }
            writeln!(session.out, "datastore created at {location}")?;
            Ok(Flow::Continue)
        }
        Command::Other(words) => {
            let name = words.first().map(String::as_str).unwrap_or_default();
            if name == "serve" {
                bail!(crate::shell::exit::ShellError::Usage(
                    "serve runs as its own process: `pbsh serve --datastore NAME=PATH` from your system shell".into()
                ));
            }
            match PLANNED.iter().find(|(planned, _)| *planned == name) {
                Some((_, milestone)) => {
                    bail!("{name}: not yet available (it lands with {milestone})")
                }
                None => match suggest(name) {
                    Some(s) => bail!(crate::shell::exit::ShellError::Usage(format!(
                        "unknown command `{name}` (did you mean `{s}`?)"
                    ))),
                    None => bail!(crate::shell::exit::ShellError::Usage(format!(
                        "unknown command `{name}` (try `help`)"
                    ))),
                },
            }
        }
    }
}

/// The closest known command name, if one is close enough to be a typo.
fn suggest(name: &str) -> Option<&'static str> {
    let known = [
        "cd",
        "ls",
        "tree",
        "stat",
        "find",
        "diff",
        "cat",
        "get",
        "notes",
        "select",
        "deselect",
        "clear-selected",
        "list-selected",
        "restore-selected",
        "history",
        "open",
        "close",
        "set",
        "login",
        "logout",
        "task",
        "lcd",
        "lpwd",
        "lls",
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
        "bench",
        "mount",
        "umount",
        "map",
        "unmap",
    ]
    .into_iter()
    .chain(PLANNED.iter().map(|(n, _)| *n));
    known
        .map(|k| {
            let common = name
                .chars()
                .zip(k.chars())
                .take_while(|(a, b)| a == b)
                .count();
            (nav::edit_distance(name, k), std::cmp::Reverse(common), k)
        })
        .filter(|(d, _, k)| *d <= 2 && *d < k.len())
        .min()
        .map(|(_, _, k)| k)
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
