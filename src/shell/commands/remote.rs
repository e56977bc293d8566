//! Commands about the repository's server: connecting, `login` / `logout`, `task
//! list|log|stop`, and following a server task's log live (`gc`, `verify` and `prune` on a
//! remote datastore start one). Everything goes through the repository's maintenance; on a
//! local datastore these say they do not apply.
//!
//! Never prints a password or ticket.

use crate::repo::maintenance::{Maintenance, MaintenanceError, TaskQuery};
use crate::repo::remote::client::ClientOptions;
use crate::repo::remote::repo_string::RemoteRepo;
use crate::repo::remote::RemoteRepository;
use crate::shell::Session;
use anyhow::{bail, Context, Result};
use clap::Subcommand;
use serde_json::Value;
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

pub fn login(session: &mut Session) -> Result<()> {
    let repo = session.repo.clone();
    match repo.maintenance().login() {
        Ok(user) => writeln!(session.out, "logged in as {user}")?,
        // A local datastore: nothing to log in to, and that is no failure.
        Err(MaintenanceError::Unsupported(why)) => writeln!(session.out, "{why}")?,
        Err(e) => return Err(e.into()),
    }
    Ok(())
}

pub fn logout(session: &mut Session) -> Result<()> {
    let repo = session.repo.clone();
    match repo.maintenance().logout() {
        Ok(had) => writeln!(
            session.out,
            "{}",
            if had {
                "ticket removed"
            } else {
                "no stored ticket"
            }
        )?,
        Err(MaintenanceError::Unsupported(why)) => writeln!(session.out, "{why}")?,
        Err(e) => return Err(e.into()),
    }
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

fn epoch_text(t: i64) -> String {
    chrono::DateTime::from_timestamp(t, 0)
        .map(|d| d.format("%a %b %e %H:%M:%S %Y").to_string())
        .unwrap_or_else(|| t.to_string())
}

pub fn task(session: &mut Session, cmd: TaskCommand) -> Result<()> {
    let repo = session.repo.clone();
    let r = repo.maintenance();
    match cmd {
        TaskCommand::List {
            all,
            all_users,
            limit,
            output_format,
        } => {
            let v = r.task_list(TaskQuery {
                running_only: !all,
                all_users,
                limit,
            })?;
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
            let upid = r.resolve_upid(&upid)?;
            follow_task(session, r, &upid, follow).with_context(|| format!("task {upid}"))
        }
        TaskCommand::Stop { upid } => {
            let upid = r.resolve_upid(&upid)?;
            r.stop_task(&upid)?;
            writeln!(session.out, "stop requested for {upid}")?;
            Ok(())
        }
    }
}

/// Prints a task's log (SPEC: protocol.md §7.3); with `follow`, polls every second until the
/// task ends, then fails unless it ended OK or with warnings. Ctrl-C stops the task.
pub fn follow_task(
    session: &mut Session,
    r: &dyn Maintenance,
    upid: &str,
    follow: bool,
) -> Result<()> {
    let mut start = 1u64;
    let print_new = |session: &mut Session, start: &mut u64| -> Result<usize> {
        let reply = r.task_log(upid, *start)?;
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
            let _ = r.stop_task(upid);
            bail!(crate::shell::exit::ShellError::Cancelled);
        }
        if print_new(session, &mut start)? > 0 {
            continue;
        }
        let status = r.task_status(upid)?;
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
