//! The command line end to end, in one binary: the real `pbsh` run on real temp dirs (backup and
//! restore options, keys, repository strings, the tree, the catalog shell, maintenance, exit
//! classes, completions, the README walkthrough, the first five minutes in a terminal) and the
//! parity table against the real proxmox-backup-client.
#![allow(clippy::disallowed_macros)] // tests print freely

mod checker;
mod common;
mod serve_common;

#[path = "cli/backup_options.rs"]
mod backup_options;
#[path = "cli/bench_cmd.rs"]
mod bench_cmd;
#[path = "cli/big_dirs.rs"]
mod big_dirs;
#[path = "cli/catalog_shell.rs"]
mod catalog_shell;
#[path = "cli/cli_keys.rs"]
mod cli_keys;
#[path = "cli/completions.rs"]
mod completions;
#[path = "cli/exit_classes.rs"]
mod exit_classes;
#[path = "cli/first_five_minutes.rs"]
mod first_five_minutes;
#[path = "cli/maintenance.rs"]
mod maintenance;
#[path = "cli/parity.rs"]
mod parity;
#[path = "cli/readme_walkthrough.rs"]
mod readme_walkthrough;
#[path = "cli/repo_strings.rs"]
mod repo_strings;
#[path = "cli/restore.rs"]
mod restore;
#[path = "cli/restore_options.rs"]
mod restore_options;
#[path = "cli/shell_tree.rs"]
mod shell_tree;
#[path = "cli/store_checker.rs"]
mod store_checker;
