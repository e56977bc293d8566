//! Commands for remote repositories: connecting, `login` / `logout`, `task list|log|stop`, and
//! server-side `gc` / `verify` / `status`, whose task logs are followed live.
//!
//! Never prints a password or ticket.

use crate::repo::remote::client::ClientOptions;
use crate::repo::remote::repo_string::RemoteRepo;
use crate::repo::remote::RemoteRepository;
use crate::shell::commands::common;
use crate::shell::Session;
use anyhow::{anyhow, bail, Context, Result};
use clap::Subcommand;
use http::Method;
use serde_json::{json, Value};
use std::io::Write;
use std::sync::Arc;

/// Opens a remote repository (nothing is sent until the first command needs the server).
pub fn connect(remote: RemoteRepo, fingerprint: Option<String>) -> Result<Arc<RemoteRepository>> {
    let opts = ClientOptions {
        fingerprint,
        interactive: true,
    };
    Ok(RemoteRepository::new(remote, opts)?)
}

fn remote(session: &Session) -> Result<Arc<RemoteRepository>> {
    session.remote.clone().ok_or_else(|| {
        anyhow!(
            "{} is a local datastore: this needs a remote repository",
            session.repo.name()
        )
    })
}

pub fn login(session: &mut Session) -> Result<()> {
    let Some(r) = session.remote.clone() else {
        writeln!(
            session.out,
            "{} is a local datastore: no login needed",
            session.repo.name()
        )?;
        return Ok(());
    };
    r.login(true)?;
    writeln!(session.out, "logged in as {}", r.repo().auth_id())?;
    Ok(())
}

pub fn logout(session: &mut Session) -> Result<()> {
    let Some(r) = session.remote.clone() else {
        writeln!(
            session.out,
            "{} is a local datastore: no login needed",
            session.repo.name()
        )?;
        return Ok(());
    };
    let had = r.logout();
    writeln!(
        session.out,
        "{}",
        if had {
            "ticket removed"
        } else {
            "no stored ticket"
        }
    )?;
    Ok(())
}

#[derive(Debug, Subcommand)]
pub enum TaskCommand {
    /// List recent tasks of the server
    List {
        /// Also the tasks that have ended (as proxmox-backup-client: only running ones without)
        #[arg(long)]
        all: bool,
        /// Tasks of every user, not only this one's (needs Sys.Audit)
        #[arg(long)]
        all_users: bool,
        #[arg(long, default_value_t = 50)]
        limit: u64,
        #[arg(long, value_enum, default_value = "text")]
        output_format: crate::shell::output::OutputFormat,
    },
    /// Print a task's log
    Log {
        upid: String,
        /// Keep printing until the task ends
        #[arg(long)]
        follow: bool,
    },
    /// Ask the server to abort a running task
    Stop { upid: String },
}

fn task_path(upid: &str, tail: &str) -> String {
    let enc = percent_encoding::utf8_percent_encode(upid, percent_encoding::NON_ALPHANUMERIC);
    format!("/api2/json/nodes/localhost/tasks/{enc}{tail}")
}

fn epoch_text(t: i64) -> String {
    chrono::DateTime::from_timestamp(t, 0)
        .map(|d| d.format("%a %b %e %H:%M:%S %Y").to_string())
        .unwrap_or_else(|| t.to_string())
}

pub fn task(session: &mut Session, cmd: TaskCommand) -> Result<()> {
    let r = remote(session)?;
    match cmd {
        TaskCommand::List {
            all,
            all_users,
            limit,
            output_format,
        } => {
            let mut p = json!({
                "start": 0,
                "limit": limit,
                "store": r.repo().store,
                "running": !all,
            });
            if !all_users {
                p["userfilter"] = json!(r.repo().auth_id());
            }
            let v = r.call(Method::GET, "/api2/json/nodes/localhost/tasks", Some(p))?;
            if output_format != crate::shell::output::OutputFormat::Text {
                return crate::shell::output::write_json(&mut session.out, &v, output_format);
            }
            let items = v.as_array().cloned().unwrap_or_default();
            // Rendered like `proxmox-backup-client task list`: start, end, status, UPID.
            writeln!(
                session.out,
                "{:<24}  {:<24}  {:<12}  upid",
                "starttime", "endtime", "status"
            )?;
            for t in items {
                let start = t.get("starttime").and_then(Value::as_i64).map(epoch_text);
                let end = t.get("endtime").and_then(Value::as_i64).map(epoch_text);
                let status = t.get("status").and_then(Value::as_str).unwrap_or("running");
                writeln!(
                    session.out,
                    "{:<24}  {:<24}  {:<12}  {}",
                    start.unwrap_or_default(),
                    end.unwrap_or_default(),
                    status,
                    t.get("upid").and_then(Value::as_str).unwrap_or("")
                )?;
            }
            Ok(())
        }
        TaskCommand::Log { upid, follow } => {
            let upid = resolve_upid(&r, &upid)?;
            follow_task(session, &r, &upid, follow).with_context(|| format!("task {upid}"))
        }
        TaskCommand::Stop { upid } => {
            let upid = resolve_upid(&r, &upid)?;
            r.call(Method::DELETE, &task_path(&upid, ""), None)?;
            writeln!(session.out, "stop requested for {upid}")?;
            Ok(())
        }
    }
}

/// LIMIT: tasks looked at when a typed UPID has to be matched against the list.
const UPID_LOOKUP: u64 = 1000;

/// A UPID as typed. Worker ids escape `:` and `/` as `\x3a`, `\x2f`, and an unquoted shell word
/// loses those backslashes (`store1x3ahost-web1`): such a UPID is matched against the
/// server's task list with the backslashes dropped. Anything else is taken as it is.
fn resolve_upid(r: &RemoteRepository, typed: &str) -> Result<String> {
    if typed.contains('\\') || !typed.starts_with("UPID:") {
        return Ok(typed.to_string());
    }
    let p = json!({"start": 0, "limit": UPID_LOOKUP});
    let Ok(v) = r.call(Method::GET, "/api2/json/nodes/localhost/tasks", Some(p)) else {
        return Ok(typed.to_string());
    };
    let upids: Vec<&str> = v
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|t| t.get("upid").and_then(Value::as_str))
        .collect();
    if upids.contains(&typed) {
        return Ok(typed.to_string());
    }
    Ok(upids
        .into_iter()
        .find(|u| u.replace('\\', "") == typed)
        .unwrap_or(typed)
        .to_string())
}

/// Prints a task's log (SPEC: protocol.md §7.3); with `follow`, polls every second until the
/// task ends, then fails unless it ended OK or with warnings. Ctrl-C stops the task.
pub fn follow_task(
    session: &mut Session,
    r: &RemoteRepository,
    upid: &str,
    follow: bool,
) -> Result<()> {
    let mut start = 1u64;
    let print_new = |session: &mut Session, start: &mut u64| -> Result<usize> {
        let reply = r.call(
            Method::GET,
            &task_path(upid, "/log"),
            Some(json!({"start": *start, "limit": 500, "test-status": true})),
        )?;
        let lines = reply.as_array().cloned().unwrap_or_default();
        let mut printed = 0;
        for l in &lines {
            let n = l.get("n").and_then(Value::as_u64).unwrap_or(*start);
            if n >= *start {
                writeln!(
                    session.out,
                    "{}",
                    l.get("t").and_then(Value::as_str).unwrap_or("")
                )?;
                *start = n + 1;
                printed += 1;
            }
        }
        session.out.flush()?;
        Ok(printed)
    };
    loop {
        if crate::util::cancel::requested() {
            let _ = r.call(Method::DELETE, &task_path(upid, ""), None);
            bail!(crate::shell::exit::ShellError::Cancelled);
        }
        if print_new(session, &mut start)? > 0 {
            continue;
        }
        let status = r.call(Method::GET, &task_path(upid, "/status"), None)?;
        if status.get("status").and_then(Value::as_str) == Some("running") {
            if !follow {
                return Ok(());
            }
            std::thread::sleep(std::time::Duration::from_secs(1));
            continue;
        }
        // Lines written between the last poll and the end.
        while print_new(session, &mut start)? > 0 {}
        let exit = status
            .get("exitstatus")
            .and_then(Value::as_str)
            .unwrap_or("unknown")
            .to_string();
        if follow && !(exit == "OK" || exit.starts_with("WARNINGS")) {
            // The caller names the task; this says how it ended.
            bail!("failed: {exit}");
        }
        return Ok(());
    }
}

fn upid_of(v: &Value, what: &str) -> Result<String> {
    v.as_str()
        .map(str::to_string)
        .ok_or_else(|| anyhow!("{what}: the server returned no task id"))
}

/// `gc` on a remote datastore: starts the server's garbage collection and follows its log.
pub fn gc(session: &mut Session, format: crate::shell::output::OutputFormat) -> Result<()> {
    let r = remote(session)?;
    let upid = upid_of(&r.store_call(Method::POST, "gc", None).context("gc")?, "gc")?;
    if format != crate::shell::output::OutputFormat::Text {
        // As proxmox-backup-client: the task's UPID as JSON, not followed.
        return crate::shell::output::write_json(&mut session.out, &upid, format);
    }
    writeln!(session.out, "task {upid}")?;
    // A server that dies mid-task: the one error line says which task was lost.
    follow_task(session, &r, &upid, true).with_context(|| format!("gc task {upid}"))
}

/// `verify` on a remote datastore: a server task for the snapshot, group or whole namespace.
pub fn verify(session: &mut Session, target: Option<&str>, ns: &Option<String>) -> Result<()> {
    let r = remote(session)?;
    let ns = common::namespace(session, ns)?;
    // As the local verify: every snapshot is read again, not only those never verified (the
    // server's default skips snapshots whose last verification passed).
    let mut p = json!({ "ignore-verified": false });
    if !ns.is_root() {
        p["ns"] = json!(ns.to_string());
    }
    if let Some(t) = target {
        if let Ok(s) = crate::repo::types::SnapshotRef::parse(t) {
            p["backup-type"] = json!(s.group.ty.as_str());
            p["backup-id"] = json!(s.group.id);
            p["backup-time"] = json!(s.time);
        } else {
            let g = crate::repo::types::BackupGroup::parse(t)
                .map_err(|e| anyhow!("{e} (expected TYPE/ID/TIME or TYPE/ID)"))?;
            p["backup-type"] = json!(g.ty.as_str());
            p["backup-id"] = json!(g.id);
        }
    }
    let what = format!("verify {}", target.unwrap_or("datastore"));
    let upid = upid_of(
        &r.store_call(Method::POST, "verify", Some(p))
            .with_context(|| what.clone())?,
        "verify",
    )?;
    writeln!(session.out, "task {upid}")?;
    follow_task(session, &r, &upid, true).with_context(|| format!("{what}: task {upid}"))
}

/// `status` of a remote datastore.
pub fn status(session: &mut Session, format: crate::shell::output::OutputFormat) -> Result<()> {
    let r = remote(session)?;
    let v = r.store_call(Method::GET, "status", Some(json!({"verbose": true})))?;
    if format != crate::shell::output::OutputFormat::Text {
        return crate::shell::output::write_json(&mut session.out, &v, format);
    }
    let n = |k: &str| v.get(k).and_then(Value::as_u64).unwrap_or(0);
    let (total, used, avail) = (n("total"), n("used"), n("avail"));
    writeln!(
        session.out,
        "{}: {} used of {} ({:.2}%), {} available",
        r.repo().prompt(),
        common::human_size(used),
        common::human_size(total),
        used as f64 * 100.0 / total.max(1) as f64,
        common::human_size(avail)
    )?;
    let gc = v.get("gc-status");
    let dedup = match (
        gc.and_then(|g| g.get("index-data-bytes"))
            .and_then(Value::as_f64),
        gc.and_then(|g| g.get("disk-bytes")).and_then(Value::as_f64),
    ) {
        (Some(i), Some(d)) if d > 0.0 => Some(i / d),
        _ => None,
    };
    super::maintenance::write_dedup(session, dedup)
}
