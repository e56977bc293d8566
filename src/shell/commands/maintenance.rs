//! Datastore maintenance: `garbage-collect` (`gc`), `verify`, `status`.

use super::common::{self, human_size};
use crate::engine::gc::garbage_collect_counting;
use crate::engine::verify::verify_snapshots_counting;
use crate::repo::local::LocalDatastore;
use crate::repo::types::{BackupGroup, SnapshotRef};
use crate::shell::output::OutputFormat;
use crate::shell::progress::ProgressLine;
use crate::shell::Session;
use anyhow::{anyhow, bail, Result};
use clap::Args;
use serde_json::json;
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

fn local(session: &Session) -> Result<&LocalDatastore> {
    session
        .local
        .as_ref()
        .ok_or_else(|| anyhow!("this command needs a local datastore"))
}

pub fn gc(session: &mut Session, format: OutputFormat) -> Result<()> {
    if session.remote.is_some() {
        return super::remote::gc(session, format);
    }
    let store = local(session)?.clone();
    let progress = ProgressLine::start(session.interactive, "gc").counting("index files");
    // Stopping a collection is safe at any point (see `garbage_collect_unless`): Ctrl-C does.
    let counters = progress.counters();
    let stats = garbage_collect_counting(
        &store,
        chrono::Utc::now().timestamp(),
        &counters.cancel,
        Some(&counters),
    );
    progress.end(stats.is_ok());
    let stats = stats?;
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
    if session.remote.is_some() {
        return super::remote::verify(session, args.target.as_deref(), &args.ns);
    }
    let ns = common::namespace(session, &args.ns)?;
    let store = local(session)?.clone();
    let snapshots: Vec<SnapshotRef> = match &args.target {
        Some(t) => match SnapshotRef::parse(t) {
            Ok(s) => vec![s],
            Err(_) => {
                let group = BackupGroup::parse(t)
                    .map_err(|e| anyhow!("{e} (expected TYPE/ID/TIME or TYPE/ID)"))?;
                session
                    .repo
                    .list_snapshots(&ns, Some(&group))?
                    .into_iter()
                    .map(|s| s.snapshot)
                    .collect()
            }
        },
        None => session
            .repo
            .list_snapshots(&ns, None)?
            .into_iter()
            .map(|s| s.snapshot)
            .collect(),
    };
    let key = common::key_for_reading(session, &ns, &snapshots, &args.keyfile)?;
    let progress = ProgressLine::start(session.interactive, "verify").counting("chunks");
    let report = verify_snapshots_counting(
        &store,
        &ns,
        &snapshots,
        key.as_deref(),
        &mut Default::default(),
        Some(&progress.counters()),
    );
    progress.end(report.is_ok());
    let report = report?;
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
    if session.remote.is_some() {
        return super::remote::status(session, args.output_format);
    }
    let store = local(session)?.clone();
    let path = std::ffi::CString::new(store.root().as_os_str().as_encoded_bytes())?;
    // SAFETY: zeroed statvfs is a valid out-parameter; the path is a valid C string.
    let mut vfs: libc::statvfs = unsafe { std::mem::zeroed() };
    // SAFETY: as above.
    if unsafe { libc::statvfs(path.as_ptr(), &mut vfs) } != 0 {
        bail!(
            "{}: cannot read file system usage: {}",
            store.root().display(),
            std::io::Error::last_os_error()
        );
    }
    let total = vfs.f_blocks as u64 * vfs.f_frsize as u64;
    let avail = vfs.f_bavail as u64 * vfs.f_frsize as u64;
    let used = total - vfs.f_bfree as u64 * vfs.f_frsize as u64;
    let gc: serde_json::Value = std::fs::read(store.root().join(".gc-status"))
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok())
        .unwrap_or(json!({}));
    let dedup = match (gc["index-data-bytes"].as_f64(), gc["disk-bytes"].as_f64()) {
        (Some(index), Some(disk)) if disk > 0.0 => Some(index / disk),
        _ => None,
    };
    let value = json!({ "total": total, "used": used, "avail": avail, "dedup-factor": dedup, "gc-status": gc });
    if args.output_format != OutputFormat::Text {
        writeln!(
            session.out,
            "{}",
            if args.output_format == OutputFormat::Json {
                serde_json::to_string(&value)?
            } else {
                serde_json::to_string_pretty(&value)?
            }
        )?;
        return Ok(());
    }
    writeln!(
        session.out,
        "{}: {} used of {} ({:.2}%), {} available",
        store.root().display(),
        human_size(used),
        human_size(total),
        used as f64 * 100.0 / total.max(1) as f64,
        human_size(avail)
    )?;
    write_dedup(session, dedup)
}

/// The status line about deduplication (local and remote `status` share it).
pub fn write_dedup(session: &mut Session, dedup: Option<f64>) -> Result<()> {
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
