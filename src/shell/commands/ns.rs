//! `ns list|create|delete`: namespaces.

use crate::repo::types::Namespace;
use crate::shell::output::OutputFormat;
use crate::shell::Session;
use anyhow::Result;
use clap::Subcommand;

#[derive(Debug, Subcommand)]
pub enum NsCommand {
    /// List a namespace (default: the current one) and every namespace below it
    List {
        parent: Option<String>,
        /// Levels below PARENT to list (0: PARENT alone; default: all)
        #[arg(long)]
        max_depth: Option<usize>,
        #[arg(long, value_enum, default_value = "text")]
        output_format: OutputFormat,
    },
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
        NsCommand::List {
            parent,
            max_depth,
            output_format,
        } => {
            let parent = match parent {
                Some(p) => Namespace::parse(&p)?,
                None => session.ns(),
            };
            let mut listed = Vec::new();
            let mut stack = vec![(parent, 0usize)];
            while let Some((ns, depth)) = stack.pop() {
                if max_depth.is_none_or(|max| depth < max) {
                    let children = session.repo.list_namespaces(&ns)?;
                    for child in children.iter().rev() {
                        stack.push((child.clone(), depth + 1));
                    }
                }
                listed.push(ns);
            }
            if output_format != OutputFormat::Text {
                // As proxmox-backup-client prints it: the API's reply, the start included.
                let items: Vec<_> = listed
                    .iter()
                    .map(|ns| serde_json::json!({ "ns": ns.to_string() }))
                    .collect();
                let v = serde_json::json!({ "data": items });
                return crate::shell::output::write_json(&mut session.out, &v, output_format);
            }
            for ns in listed.iter().filter(|ns| !ns.is_root()) {
                writeln!(session.out, "{ns}")?;
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
