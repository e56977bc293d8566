//! `prune GROUP --keep-…`: remove the snapshots PBS's retention rules do not keep.

use super::common;
use crate::engine::prune::{compute_prune_info_keeping_unreadable, KeepOptions, PruneCandidate};
use crate::repo::types::BackupGroup;
use crate::shell::output::{write_table, OutputFormat};
use crate::shell::Session;
use anyhow::{bail, Context, Result};
use clap::Args;
use serde_json::json;

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
    if let Some(remote) = session.remote.clone() {
        return run_remote(session, &remote, &ns, &group, &args);
    }
    let snapshots = session.repo.list_snapshots(&ns, Some(&group))?;
    common::warn_unreadable(&snapshots, "kept, not pruned");
    let candidates: Vec<PruneCandidate> = snapshots
        .iter()
        .map(|s| PruneCandidate {
            backup_time: s.snapshot.time,
            protected: s.protected,
        })
        .collect();
    let unreadable: Vec<bool> = snapshots.iter().map(|s| !s.is_readable()).collect();
    let marks =
        compute_prune_info_keeping_unreadable(&candidates, &unreadable, &options, &chrono::Local);
    let mut rows = Vec::new();
    let mut decisions = Vec::new();
    for (info, mark) in snapshots.iter().zip(&marks).rev() {
        if args.quiet && mark.keep() {
            continue;
        }
        rows.push([info.snapshot.to_string(), mark.to_string()]);
        decisions.push(json!({
            "backup-type": info.snapshot.group.ty.as_str(),
            "backup-id": info.snapshot.group.id,
            "backup-time": info.snapshot.time,
            "keep": mark.keep(),
            "protected": mark.protected(),
        }));
    }
    if !args.dry_run {
        for (info, mark) in snapshots.iter().zip(&marks) {
            if !mark.keep() {
                session
                    .repo
                    .forget_snapshot(&ns, &info.snapshot)
                    .with_context(|| format!("prune {}", info.snapshot))?;
            }
        }
    }
    match args.output_format {
        OutputFormat::Text => write_table(&mut session.out, &["snapshot", "decision"], &rows)?,
        OutputFormat::Json => writeln!(session.out, "{}", serde_json::Value::Array(decisions))?,
        OutputFormat::JsonPretty => {
            writeln!(session.out, "{}", serde_json::to_string_pretty(&decisions)?)?
        }
    }
    Ok(())
}

/// Prune on a server: the server decides and removes. The text form runs it as a server task and
/// shows its log live; JSON asks for the decisions directly.
fn run_remote(
    session: &mut Session,
    remote: &crate::repo::remote::RemoteRepository,
    ns: &crate::repo::types::Namespace,
    group: &BackupGroup,
    args: &PruneArgs,
) -> Result<()> {
    let keep = [
        ("keep-last", args.keep_last),
        ("keep-hourly", args.keep_hourly),
        ("keep-daily", args.keep_daily),
        ("keep-weekly", args.keep_weekly),
        ("keep-monthly", args.keep_monthly),
        ("keep-yearly", args.keep_yearly),
    ];
    // A real prune in text form runs as a task whose log is shown live; a dry run (PBS answers
    // it at once, task or not) and JSON want the decisions themselves.
    let as_task = args.output_format == OutputFormat::Text && !args.dry_run && !args.quiet;
    let reply = remote
        .prune_group(ns, group, &keep, args.dry_run, as_task)
        .with_context(|| format!("prune {group}"))?;
    match args.output_format {
        OutputFormat::Text if !as_task => {
            let mut rows = remote_decision_rows(&reply)
                .context("prune: the server's answer is not a list of decisions")?;
            if args.quiet {
                rows.retain(|[_, decision]| decision == "remove");
            }
            Ok(write_table(
                &mut session.out,
                &["snapshot", "decision"],
                &rows,
            )?)
        }
        OutputFormat::Text => {
            let upid = reply
                .as_str()
                .context("prune: the server returned no task id")?
                .to_string();
            writeln!(session.out, "task {upid}")?;
            super::remote::follow_task(session, remote, &upid, true)
                .with_context(|| format!("prune {group}: task {upid}"))
        }
        OutputFormat::Json | OutputFormat::JsonPretty => {
            let mut reply = reply;
            if let (true, Some(items)) = (args.quiet, reply.as_array_mut()) {
                items.retain(|item| item["keep"] == serde_json::Value::Bool(false));
            }
            crate::shell::output::write_json(&mut session.out, &reply, args.output_format)
        }
    }
}

/// The server's prune decisions as the rows the local prune prints.
fn remote_decision_rows(reply: &serde_json::Value) -> Option<Vec<[String; 2]>> {
    reply
        .as_array()?
        .iter()
        .map(|item| {
            let ty = item.get("backup-type")?.as_str()?;
            let id = item.get("backup-id")?.as_str()?;
            let time = item.get("backup-time")?.as_i64()?;
            let snapshot = crate::repo::types::SnapshotRef::new(
                BackupGroup::parse(&format!("{ty}/{id}")).ok()?,
                time,
            );
            let decision = match (item.get("keep")?.as_bool()?, item["protected"].as_bool()) {
                (_, Some(true)) => "protected",
                (true, _) => "keep",
                (false, _) => "remove",
            };
            Some([snapshot.to_string(), decision.to_string()])
        })
        .collect()
}

use std::io::Write as _;
