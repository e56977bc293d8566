//! Snapshot and group management: `list`, `snapshot list|files|forget|protected|notes`, `forget`,
//! `protect`, `unprotect`, with PBS's JSON shapes for `--output-format json`.

use super::common::{self, human_size};
use crate::format::manifest::MANIFEST_BLOB_NAME;
use crate::repo::maintenance::Supported as _;
use crate::repo::types::{BackupGroup, SnapshotRef};
use crate::repo::SnapshotInfo;
use crate::shell::output::{write_table, OutputFormat};
use crate::shell::Session;
use anyhow::{anyhow, Context, Result};
use clap::{Args, Subcommand};
use serde_json::{json, Value};

#[derive(Debug, Args)]
pub struct ListArgs {
    #[arg(long)]
    pub ns: Option<String>,
    #[arg(long, value_enum, default_value = "text")]
    pub output_format: OutputFormat,
}

#[derive(Debug, Subcommand)]
pub enum SnapshotCommand {
    /// List snapshots (of one group, or all)
    List {
        group: Option<String>,
        #[arg(long)]
        ns: Option<String>,
        #[arg(long, value_enum, default_value = "text")]
        output_format: OutputFormat,
    },
    /// List a snapshot's files
    Files {
        snapshot: String,
        #[arg(long)]
        ns: Option<String>,
        #[arg(long, value_enum, default_value = "text")]
        output_format: OutputFormat,
    },
    /// Remove a snapshot
    Forget {
        snapshot: String,
        #[arg(long)]
        ns: Option<String>,
    },
    /// Show or change a snapshot's protection
    Protected {
        #[command(subcommand)]
        action: ProtectedAction,
    },
    /// Show or change a snapshot's notes
    Notes {
        #[command(subcommand)]
        action: NotesAction,
    },
    /// Attach a client log file to a finished snapshot (`client.log.blob`, once per snapshot)
    #[command(name = "upload-log")]
    UploadLog {
        snapshot: String,
        /// The log file
        logfile: std::path::PathBuf,
        /// Encrypt the log with this key (default: the default key, if any)
        #[arg(long)]
        keyfile: Option<std::path::PathBuf>,
        /// Read the key file from this open file descriptor (instead of --keyfile)
        #[arg(long, conflicts_with = "keyfile")]
        keyfd: Option<i32>,
        /// `none` stores the log unencrypted even when a default key exists
        #[arg(long, value_enum)]
        crypt_mode: Option<crate::shell::commands::backup::CryptModeArg>,
        #[arg(long)]
        ns: Option<String>,
    },
}

#[derive(Debug, Subcommand)]
pub enum ProtectedAction {
    Show {
        snapshot: String,
        #[arg(long)]
        ns: Option<String>,
        #[arg(long, value_enum, default_value = "text")]
        output_format: OutputFormat,
    },
    Update {
        snapshot: String,
        /// true or false
        #[arg(action = clap::ArgAction::Set)]
        protected: bool,
        #[arg(long)]
        ns: Option<String>,
    },
}

#[derive(Debug, Subcommand)]
pub enum NotesAction {
    Show {
        snapshot: String,
        #[arg(long)]
        ns: Option<String>,
        #[arg(long, value_enum, default_value = "text")]
        output_format: OutputFormat,
    },
    Update {
        snapshot: String,
        notes: String,
        #[arg(long)]
        ns: Option<String>,
    },
}

/// PBS's JSON shape of one snapshot (`snapshot list`); one whose manifest cannot be read has
/// no size and no files, as PBS lists it, and says why in `error`.
pub fn snapshot_json(info: &SnapshotInfo) -> Value {
    if let Some(error) = &info.manifest_error {
        let mut value = json!({
            "backup-type": info.snapshot.group.ty.as_str(),
            "backup-id": info.snapshot.group.id,
            "backup-time": info.snapshot.time,
            "files": [],
            "protected": info.protected,
            "error": error,
        });
        if let Some(owner) = &info.owner {
            value["owner"] = json!(owner);
        }
        return value;
    }
    let mut files: Vec<Value> = info
        .manifest
        .files
        .iter()
        .map(|f| json!({"crypt-mode": f.crypt_mode.as_str(), "filename": f.filename, "size": f.size}))
        .collect();
    let manifest_mode = if info.manifest.signature.is_some() {
        "sign-only"
    } else {
        "none"
    };
    files.push(json!({"crypt-mode": manifest_mode, "filename": MANIFEST_BLOB_NAME, "size": info.manifest_size}));
    let mut value = json!({
        "backup-type": info.snapshot.group.ty.as_str(),
        "backup-id": info.snapshot.group.id,
        "backup-time": info.snapshot.time,
        "files": files,
        "protected": info.protected,
        "size": info.total_size(),
    });
    if let Some(owner) = &info.owner {
        value["owner"] = json!(owner);
    }
    if let Some(fp) = info.manifest.key_fingerprint() {
        value["fingerprint"] = json!(fp);
    }
    if let Some(notes) = info
        .manifest
        .unprotected
        .get("notes")
        .and_then(Value::as_str)
    {
        value["comment"] = json!(notes.lines().next().unwrap_or_default());
    }
    if let Some(verify) = info.manifest.unprotected.get("verify_state") {
        value["verification"] = verify.clone();
    }
    value
}

fn print_json(session: &mut Session, format: OutputFormat, value: &Value) -> Result<()> {
    let text = if format == OutputFormat::JsonPretty {
        serde_json::to_string_pretty(value)?
    } else {
        serde_json::to_string(value)?
    };
    writeln!(session.out, "{text}")?;
    Ok(())
}

pub fn list_groups(session: &mut Session, args: ListArgs) -> Result<()> {
    let ns = common::namespace(session, &args.ns)?;
    let groups = session.repo.list_groups(&ns)?;
    if args.output_format != OutputFormat::Text {
        let value: Vec<Value> = groups
            .iter()
            .map(|g| {
                let mut item = json!({
                    "backup-type": g.group.ty.as_str(),
                    "backup-id": g.group.id,
                    "backup-count": g.snapshot_count,
                    "last-backup": g.last_backup,
                    "files": g.files,
                });
                // PBS leaves out an owner it does not know.
                if let Some(owner) = &g.owner {
                    item["owner"] = json!(owner);
                }
                item
            })
            .collect();
        return print_json(session, args.output_format, &Value::Array(value));
    }
    let rows: Vec<[String; 4]> = groups
        .iter()
        .map(|g| {
            [
                g.group.to_string(),
                g.last_backup.map(common::time_string).unwrap_or_default(),
                g.snapshot_count.to_string(),
                g.owner.clone().unwrap_or_default(),
            ]
        })
        .collect();
    write_table(
        &mut session.out,
        &["group", "last snapshot", "backup-count", "owner"],
        &rows,
    )?;
    Ok(())
}

pub fn run(session: &mut Session, cmd: SnapshotCommand) -> Result<()> {
    match cmd {
        SnapshotCommand::List {
            group,
            ns,
            output_format,
        } => {
            let ns = common::namespace(session, &ns)?;
            let group = group.as_deref().map(BackupGroup::parse).transpose()?;
            let snapshots = session.repo.list_snapshots(&ns, group.as_ref())?;
            common::warn_unreadable(&snapshots, "listed as unreadable");
            if output_format != OutputFormat::Text {
                let value = Value::Array(snapshots.iter().map(snapshot_json).collect());
                return print_json(session, output_format, &value);
            }
            let rows: Vec<[String; 4]> = snapshots
                .iter()
                .map(|s| {
                    if !s.is_readable() {
                        return [
                            s.snapshot.to_string(),
                            "-".into(),
                            if s.protected { "yes" } else { "" }.into(),
                            "(unreadable manifest)".into(),
                        ];
                    }
                    let files: Vec<String> = s
                        .manifest
                        .files
                        .iter()
                        .map(|f| f.filename.clone())
                        .collect();
                    [
                        s.snapshot.to_string(),
                        human_size(s.total_size()),
                        if s.protected {
                            "yes".into()
                        } else {
                            String::new()
                        },
                        files.join(" "),
                    ]
                })
                .collect();
            write_table(
                &mut session.out,
                &["snapshot", "size", "protected", "files"],
                &rows,
            )?;
            Ok(())
        }
        SnapshotCommand::Files {
            snapshot,
            ns,
            output_format,
        } => {
            let ns = common::namespace(session, &ns)?;
            let snapshot = common::resolve_snapshot(session, &ns, &snapshot)?;
            let info = find_info(session, &ns, &snapshot)?;
            let files = snapshot_json(&info)["files"].clone();
            if output_format != OutputFormat::Text {
                return print_json(session, output_format, &files);
            }
            let rows: Vec<[String; 3]> = files
                .as_array()
                .map(|a| {
                    a.iter()
                        .map(|f| {
                            [
                                common::plain(&f["filename"]),
                                common::plain(&f["size"]),
                                common::plain(&f["crypt-mode"]),
                            ]
                        })
                        .collect()
                })
                .unwrap_or_default();
            write_table(&mut session.out, &["filename", "size", "crypt-mode"], &rows)?;
            Ok(())
        }
        SnapshotCommand::Forget { snapshot, ns } => forget(session, &snapshot, &ns),
        SnapshotCommand::UploadLog {
            snapshot,
            logfile,
            keyfile,
            keyfd,
            crypt_mode,
            ns,
        } => {
            let keyfile = keyfile.or_else(|| keyfd.map(super::common::fd_path));
            upload_log(session, &snapshot, &logfile, &keyfile, crypt_mode, &ns)
        }
        SnapshotCommand::Protected { action } => match action {
            ProtectedAction::Show {
                snapshot,
                ns,
                output_format,
            } => {
                let ns = common::namespace(session, &ns)?;
                let snapshot = common::resolve_snapshot(session, &ns, &snapshot)?;
                let info = find_info(session, &ns, &snapshot)?;
                // As proxmox-backup-client: the bare value as text, an object as JSON.
                if output_format == OutputFormat::Text {
                    writeln!(session.out, "{}", info.protected)?;
                    return Ok(());
                }
                let v = serde_json::json!({ "protected": info.protected });
                crate::shell::output::write_json(&mut session.out, &v, output_format)
            }
            ProtectedAction::Update {
                snapshot,
                protected,
                ns,
            } => set_protected(session, &snapshot, &ns, protected),
        },
        SnapshotCommand::Notes { action } => match action {
            NotesAction::Show {
                snapshot,
                ns,
                output_format,
            } => {
                let ns = common::namespace(session, &ns)?;
                let snapshot = common::resolve_snapshot(session, &ns, &snapshot)?;
                let info = find_info(session, &ns, &snapshot)?;
                if output_format == OutputFormat::Text {
                    writeln!(session.out, "{}", info.manifest.notes())?;
                    return Ok(());
                }
                let v = serde_json::json!({ "notes": info.manifest.notes() });
                crate::shell::output::write_json(&mut session.out, &v, output_format)
            }
            NotesAction::Update {
                snapshot,
                notes,
                ns,
            } => {
                let ns = common::namespace(session, &ns)?;
                let snapshot = common::resolve_snapshot(session, &ns, &snapshot)?;
                set_notes(&*session.repo, &ns, &snapshot, &notes)
            }
        },
    }
}

/// Replaces a snapshot's notes (kept in the manifest's unsigned part).
pub fn set_notes(
    repo: &dyn crate::repo::Repository,
    ns: &crate::repo::types::Namespace,
    snapshot: &SnapshotRef,
    notes: &str,
) -> Result<()> {
    let (mut manifest, _) = repo.read_manifest(ns, snapshot)?;
    manifest.set_unprotected("notes", json!(notes));
    let json = manifest.to_json_bytes()?;
    let blob = crate::format::blob::encode(&json, None, true)?;
    repo.update_manifest(ns, snapshot, &blob)?;
    Ok(())
}

fn find_info(
    session: &Session,
    ns: &crate::repo::types::Namespace,
    snapshot: &SnapshotRef,
) -> Result<SnapshotInfo> {
    let info = session
        .repo
        .list_snapshots(ns, Some(&snapshot.group))?
        .into_iter()
        .find(|s| &s.snapshot == snapshot)
        .ok_or_else(|| {
            anyhow!(crate::shell::exit::ShellError::NotFound(format!(
                "snapshot {snapshot} not found"
            )))
        })?;
    match info.manifest_error {
        Some(error) => Err(anyhow!(error)),
        None => Ok(info),
    }
}

/// `forget TYPE/ID/TIME` removes a snapshot; `forget TYPE/ID` removes the whole group.
pub fn forget(session: &mut Session, target: &str, ns: &Option<String>) -> Result<()> {
    let ns = common::namespace(session, ns)?;
    if let Ok(snapshot) = SnapshotRef::parse(target) {
        session
            .repo
            .forget_snapshot(&ns, &snapshot)
            .with_context(|| format!("forget {snapshot}"))?;
        writeln!(session.out, "removed snapshot {snapshot}")?;
    } else {
        let group = BackupGroup::parse(target)
            .map_err(|e| anyhow!("{e} (expected TYPE/ID/TIME or TYPE/ID)"))?;
        session
            .repo
            .forget_group(&ns, &group)
            .with_context(|| format!("forget {group}"))?;
        writeln!(session.out, "removed group {group}")?;
    }
    Ok(())
}

/// `snapshot upload-log SNAPSHOT FILE`: the file as a compressed blob, encrypted with the key
/// when one is given or the default key exists (as PBS's client does), stored beside the manifest.
fn upload_log(
    session: &mut Session,
    snapshot: &str,
    logfile: &std::path::Path,
    keyfile: &Option<std::path::PathBuf>,
    crypt_mode: Option<crate::shell::commands::backup::CryptModeArg>,
    ns: &Option<String>,
) -> Result<()> {
    use crate::shell::commands::backup::CryptModeArg;
    let ns = common::namespace(session, ns)?;
    let snapshot = common::resolve_snapshot(session, &ns, snapshot)?;
    let data = std::fs::read(logfile)
        .with_context(|| format!("upload-log: cannot read {}", logfile.display()))?;
    let crypt = match crypt_mode {
        Some(CryptModeArg::None) => None,
        _ => common::load_crypt(keyfile, true)?.map(|(c, _)| c),
    };
    let raw = crate::format::blob::encode(&data, crypt.as_deref(), true)
        .with_context(|| format!("upload-log: encode {}", logfile.display()))?;
    session
        .repo
        .upload_log(&ns, &snapshot, &raw)
        .with_context(|| format!("upload-log {snapshot}"))?;
    Ok(())
}

/// `change-owner GROUP NEW_OWNER`: the group's owner becomes a user or API token id.
pub fn change_owner(
    session: &mut Session,
    group: &str,
    new_owner: &str,
    ns: &Option<String>,
) -> Result<()> {
    let ns = common::namespace(session, ns)?;
    let group = BackupGroup::parse(group).map_err(|e| anyhow!("{e} (expected TYPE/ID)"))?;
    session
        .repo
        .set_owner(&ns, &group, new_owner)
        .with_context(|| format!("change-owner {group}"))?;
    Ok(())
}

/// `version`: pbsh's version and, for a remote repository, the server's (as PBS's client shows
/// them, with the same JSON shape).
pub fn version(session: &mut Session, format: OutputFormat) -> Result<()> {
    let client = json!({
        "version": env!("CARGO_PKG_VERSION"),
        "release": "pbsh",
        "repoid": "pbsh",
    });
    let server = session
        .repo
        .maintenance()
        .server_version()
        .supported()
        .context("version: ask the server")?;
    match format {
        OutputFormat::Text => {
            writeln!(
                session.out,
                "client version: pbsh {}",
                env!("CARGO_PKG_VERSION")
            )?;
            if let Some(s) = &server {
                let field = |k: &str| s[k].as_str().unwrap_or("?").to_string();
                writeln!(
                    session.out,
                    "server version: {}.{}",
                    field("version"),
                    field("release")
                )?;
            }
        }
        json_format => {
            let mut v = json!({ "client": client });
            if let Some(s) = server {
                v["server"] = s;
            }
            let text = if json_format == OutputFormat::JsonPretty {
                serde_json::to_string_pretty(&v)?
            } else {
                v.to_string()
            };
            writeln!(session.out, "{text}")?;
        }
    }
    Ok(())
}

pub fn set_protected(
    session: &mut Session,
    target: &str,
    ns: &Option<String>,
    protected: bool,
) -> Result<()> {
    let ns = common::namespace(session, ns)?;
    let snapshot = common::resolve_snapshot(session, &ns, target)?;
    session.repo.set_protected(&ns, &snapshot, protected)?;
    Ok(())
}

use std::io::Write as _;
