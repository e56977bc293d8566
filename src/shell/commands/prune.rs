//! `prune GROUP --keep-…`: remove the snapshots PBS's retention rules do not keep (decided here
//! for a local datastore, by the server for a remote one).

use super::common;
use crate::engine::prune::KeepOptions;
use crate::repo::maintenance::{PruneOutcome, PruneRequest};
use crate::repo::types::BackupGroup;
use crate::shell::output::{write_table, OutputFormat};
use crate::shell::Session;
use anyhow::{bail, Context, Result};
use clap::Args;

#[derive(Debug, Args)]
pub struct PruneArgs {
    /// The backup group (TYPE/ID)
    pub group: String,
    #[arg(long)]
    pub keep_last: Option<u64>,
    #[arg(long)]
    pub keep_hourly: Option<u64>,
    #[arg(long)]
    pub keep_daily: Option<u64>,
    #[arg(long)]
    pub keep_weekly: Option<u64>,
    #[arg(long)]
    pub keep_monthly: Option<u64>,
    #[arg(long)]
    pub keep_yearly: Option<u64>,
    /// Show the decisions without removing anything
    #[arg(long)]
    pub dry_run: bool,
    /// Show only what is removed (as proxmox-backup-client's --quiet)
    #[arg(long)]
    pub quiet: bool,
    #[arg(long)]
    pub ns: Option<String>,
    #[arg(long, value_enum, default_value = "text")]
    pub output_format: OutputFormat,
}

pub fn run(session: &mut Session, args: PruneArgs) -> Result<()> {
    let ns = common::namespace(session, &args.ns)?;
    let group = BackupGroup::parse(&args.group)?;
    let options = KeepOptions {
        keep_last: args.keep_last,
        keep_hourly: args.keep_hourly,
        keep_daily: args.keep_daily,
        keep_weekly: args.keep_weekly,
        keep_monthly: args.keep_monthly,
        keep_yearly: args.keep_yearly,
    };
    if !options.keeps_something() {
        bail!("prune needs at least one --keep-… option (without one, PBS keeps everything)");
    }
    // A real prune in text form may run as a server task whose log is shown live; a dry run
    // (PBS answers it at once, task or not) and JSON want the decisions themselves.
    let request = PruneRequest {
        keep: options,
        dry_run: args.dry_run,
        as_task: args.output_format == OutputFormat::Text && !args.dry_run && !args.quiet,
    };
    let repo = session.repo.clone();
    let outcome = repo.maintenance().prune(&ns, &group, &request)?;
    let (rows, mut decisions, unreadable) = match outcome {
        PruneOutcome::Decided {
            rows,
            json,
            unreadable,
        } => (rows, json, unreadable),
        PruneOutcome::Started(upid) => {
            writeln!(session.out, "task {upid}")?;
            return super::remote::follow_task(session, repo.maintenance(), &upid, true)
                .with_context(|| format!("prune {group}: task {upid}"));
        }
    };
    for error in &unreadable {
        crate::errln!("warning: {error}; kept, not pruned");
    }
    match args.output_format {
        OutputFormat::Text => {
            let mut rows = rows.context("prune: the server's answer is not a list of decisions")?;
            if args.quiet {
                rows.retain(|[_, decision]| decision == "remove");
            }
            Ok(write_table(
                &mut session.out,
                &["snapshot", "decision"],
                &rows,
            )?)
        }
        OutputFormat::Json | OutputFormat::JsonPretty => {
            if let (true, Some(items)) = (args.quiet, decisions.as_array_mut()) {
                items.retain(|item| item["keep"] == serde_json::Value::Bool(false));
            }
            crate::shell::output::write_json(&mut session.out, &decisions, args.output_format)
        }
    }
}

use std::io::Write as _;
