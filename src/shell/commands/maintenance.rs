//! Datastore maintenance: `garbage-collect` (`gc`), `verify`, `status`, through the
//! repository's maintenance: run here (with a progress line) or as a server task whose log is
//! followed live.

use super::common::{self, human_size};
use crate::repo::maintenance::{GcOutcome, Job, VerifyOutcome, VerifyRun, VerifyTarget};
use crate::shell::output::OutputFormat;
use crate::shell::progress::ProgressLine;
use crate::shell::Session;
use anyhow::{bail, Context, Result};
use clap::Args;
use std::path::PathBuf;

#[derive(Debug, Args)]
pub struct VerifyArgs {
    /// A snapshot (TYPE/ID/TIME), a group (TYPE/ID), or nothing for every snapshot
    pub target: Option<String>,
    #[arg(long)]
    pub ns: Option<String>,
    /// Also decrypt encrypted chunks with this key (otherwise only their CRC is checked)
    #[arg(long)]
    pub keyfile: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct StatusArgs {
    #[arg(long, value_enum, default_value = "text")]
    pub output_format: OutputFormat,
}

pub fn gc(session: &mut Session, format: OutputFormat) -> Result<()> {
    let repo = session.repo.clone();
    let interactive = session.interactive;
    let mut progress = None;
    // Stopping a collection is safe at any point (see `garbage_collect_unless`): Ctrl-C does.
    let outcome = repo.maintenance().garbage_collect(&mut Job {
        cancel: crate::util::cancel::ctrl_c(),
        progress: &mut || {
            let line = ProgressLine::start(interactive, "gc").counting("index files");
            let counters = line.counters();
            progress = Some(line);
            Some(counters)
        },
    });
    if let Some(line) = progress {
        line.end(outcome.is_ok());
    }
    let stats = match outcome? {
        GcOutcome::Finished(stats) => stats,
        GcOutcome::Started(upid) => {
            if format != OutputFormat::Text {
                // As proxmox-backup-client: the task's UPID as JSON, not followed.
                return crate::shell::output::write_json(&mut session.out, &upid, format);
            }
            writeln!(session.out, "task {upid}")?;
            // A server that dies mid-task: the one error line says which task was lost.
            return super::remote::follow_task(session, repo.maintenance(), &upid, true)
                .with_context(|| format!("gc task {upid}"));
        }
    };
    if format != OutputFormat::Text {
        crate::shell::output::write_json(
            &mut session.out,
            &crate::engine::gc::status_json(&stats),
            format,
        )?;
    } else {
        write_gc_summary(session, &stats)?;
    }
    for line in crate::engine::gc::warning_lines(&stats) {
        crate::errln!("warning: {line}");
    }
    if let Some(why) = crate::engine::gc::withheld_sweep(&stats) {
        bail!(why);
    }
    if !stats.missing_chunks.is_empty() {
        bail!(
            "{} referenced chunk(s) are missing, e.g. {}",
            stats.missing_chunks.len(),
            stats.missing_chunks[0]
        );
    }
    Ok(())
}

fn write_gc_summary(session: &mut Session, stats: &crate::engine::gc::GcStats) -> Result<()> {
    writeln!(
        session.out,
        "Removed {} chunks ({}); {} unreferenced chunks wait for the 24 h grace period; {} chunks on disk ({}); {} index files referencing {}",
        stats.removed_chunks,
        human_size(stats.removed_bytes),
        stats.pending_chunks,
        stats.disk_chunks,
        human_size(stats.disk_bytes),
        stats.index_file_count,
        human_size(stats.index_data_bytes),
    )?;
    Ok(())
}

pub fn verify(session: &mut Session, args: VerifyArgs) -> Result<()> {
    let ns = common::namespace(session, &args.ns)?;
    let target = VerifyTarget::parse(args.target.as_deref())?;
    let repo = session.repo.clone();
    let mut progress = None;
    let outcome = {
        let session = &*session;
        repo.maintenance().verify(&ns, &target, &mut |snapshots| {
            let key = common::key_for_reading(session, &ns, snapshots, &args.keyfile)
                .map_err(|e| crate::shell::exit::classed(&e))?;
            let line = ProgressLine::start(session.interactive, "verify").counting("chunks");
            let counters = line.counters();
            progress = Some(line);
            Ok(VerifyRun {
                key,
                progress: Some(counters),
            })
        })
    };
    if let Some(line) = progress {
        line.end(outcome.is_ok());
    }
    let report = match outcome? {
        VerifyOutcome::Finished(report) => report,
        VerifyOutcome::Started(upid) => {
            writeln!(session.out, "task {upid}")?;
            let what = target.what();
            return super::remote::follow_task(session, repo.maintenance(), &upid, true)
                .with_context(|| format!("{what}: task {upid}"));
        }
    };
    for verdict in &report.snapshots {
        if verdict.errors.is_empty() {
            writeln!(session.out, "{}: ok", verdict.snapshot)?;
        } else {
            for e in &verdict.errors {
                writeln!(session.out, "{}: FAILED: {e}", verdict.snapshot)?;
            }
        }
    }
    writeln!(
        session.out,
        "verified {} snapshots, {} chunks; {} failed",
        report.snapshots.len(),
        report.chunks_checked,
        report.failed()
    )?;
    if report.failed() > 0 {
        bail!("verification failed for {} snapshot(s)", report.failed());
    }
    Ok(())
}

pub fn status(session: &mut Session, args: StatusArgs) -> Result<()> {
    let status = session.repo.maintenance().status()?;
    if args.output_format != OutputFormat::Text {
        return crate::shell::output::write_json(
            &mut session.out,
            &status.json,
            args.output_format,
        );
    }
    let (total, used, avail) = (status.total, status.used, status.avail);
    writeln!(
        session.out,
        "{}: {} used of {} ({:.2}%), {} available",
        status.label,
        human_size(used),
        human_size(total),
        used as f64 * 100.0 / total.max(1) as f64,
        human_size(avail)
    )?;
    let gc = &status.gc_status;
    let dedup = match (
        gc.get("index-data-bytes")
            .and_then(serde_json::Value::as_f64),
        gc.get("disk-bytes").and_then(serde_json::Value::as_f64),
    ) {
        (Some(index), Some(disk)) if disk > 0.0 => Some(index / disk),
        _ => None,
    };
    write_dedup(session, dedup)
}

/// The status line about deduplication.
fn write_dedup(session: &mut Session, dedup: Option<f64>) -> Result<()> {
    match dedup {
        Some(d) => writeln!(
            session.out,
            "deduplication factor {d:.2} (from the last garbage collection)"
        )?,
        None => writeln!(
            session.out,
            "deduplication factor: run `gc` once to compute it"
        )?,
    }
    Ok(())
}

use std::io::Write as _;
