//! `ns list|create|delete`: namespaces.

use crate::repo::types::Namespace;
use crate::shell::Session;
use anyhow::Result;
use clap::Subcommand;

#[derive(Debug, Subcommand)]
pub enum NsCommand {
    /// List the namespaces below one (default: the current one)
    List { parent: Option<String> },
    /// Create a namespace (its parent must exist)
    Create { ns: String },
    /// Delete an empty namespace (or everything in it with --delete-groups)
    Delete {
        ns: String,
        #[arg(long)]
        delete_groups: bool,
    },
}

pub fn run(session: &mut Session, cmd: NsCommand) -> Result<()> {
    match cmd {
        NsCommand::List { parent } => {
            let parent = match parent {
                Some(p) => Namespace::parse(&p)?,
                None => session.ns(),
            };
            let mut stack = vec![parent];
            while let Some(ns) = stack.pop() {
                let children = session.repo.list_namespaces(&ns)?;
                for child in children.iter().rev() {
                    stack.push(child.clone());
                }
                if !ns.is_root() {
                    writeln!(session.out, "{ns}")?;
                }
            }
            Ok(())
        }
        NsCommand::Create { ns } => {
            let ns = Namespace::parse(&ns)?;
            session.repo.create_namespace(&ns)?;
            Ok(())
        }
        NsCommand::Delete { ns, delete_groups } => {
            let ns = Namespace::parse(&ns)?;
            session.repo.delete_namespace(&ns, delete_groups)?;
            Ok(())
        }
    }
}

use std::io::Write as _;
