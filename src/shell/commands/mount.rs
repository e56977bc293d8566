//! `mount SNAPSHOT ARCHIVE MOUNTPOINT`, `umount`, `map SNAPSHOT IMAGE [MOUNTDIR]`, `unmap`:
//! read-only FUSE mounts of a snapshot's archives, and the list of this session's mounts.
//!
//! In the shell a mount lives until `umount` or the end of the session. A one-shot
//! `pbsh mount …` detaches, as proxmox-backup-client's does: it returns (status 0) once the
//! mount is usable, and a background process serves it until `pbsh umount MOUNTPOINT`;
//! with `--foreground` or `--verbose` it stays until unmounted or interrupted.

use super::common;
use crate::mount::{self, Detached, MountHandle, MountKind, MountOptions};
use crate::shell::output::{self, OutputFormat};
use crate::shell::Session;
use anyhow::{anyhow, bail, Context, Result};
use clap::Args;
use serde_json::json;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::sync::Arc;

#[derive(Debug, Args)]
pub struct MountArgs {
    /// TYPE/ID/TIME, or TYPE/ID for the newest snapshot (no arguments: list this session's
    /// mounts); or a tree path to an archive, followed by the mount point
    pub snapshot: Option<String>,
    /// root.pxar (a split archive is named by either half or its plain name)
    pub archive: Option<String>,
    /// An existing directory
    pub mountpoint: Option<PathBuf>,
    #[command(flatten)]
    pub common: MountCommon,
}

#[derive(Debug, Args)]
pub struct MapArgs {
    /// TYPE/ID/TIME, or TYPE/ID for the newest snapshot (no arguments: list this session's maps)
    pub snapshot: Option<String>,
    /// disk.img
    pub image: Option<String>,
    /// Directory to mount on (default: a new directory under the runtime directory)
    pub mountdir: Option<PathBuf>,
    #[command(flatten)]
    pub common: MountCommon,
}

#[derive(Debug, Args)]
pub struct MountCommon {
    #[arg(long)]
    pub ns: Option<String>,
    #[arg(long)]
    pub keyfile: Option<PathBuf>,
    /// Detach a one-shot `pbsh mount` into the background once mounted (the default)
    #[arg(long, conflicts_with = "foreground")]
    pub daemon: bool,
    /// Keep a one-shot `pbsh mount` in the foreground until unmounted or interrupted
    #[arg(long)]
    pub foreground: bool,
    /// Stay in the foreground, as with --foreground (proxmox-backup-client's option)
    #[arg(long)]
    pub verbose: bool,
    /// Chunk cache size, e.g. 64M, 1G (default 64M)
    #[arg(long, value_parser = parse_size)]
    pub cache_size: Option<usize>,
    #[arg(long, value_enum, default_value_t)]
    pub output_format: OutputFormat,
}

/// `512`, `64K`, `64M`, `1G` (binary units; a trailing `B`/`iB` is allowed).
pub fn parse_size(text: &str) -> Result<usize, String> {
    let t = text.trim();
    let t = t
        .strip_suffix("iB")
        .or_else(|| t.strip_suffix('B'))
        .unwrap_or(t);
    let (digits, shift) = match t.chars().last() {
        Some('k' | 'K') => (&t[..t.len() - 1], 10),
        Some('m' | 'M') => (&t[..t.len() - 1], 20),
        Some('g' | 'G') => (&t[..t.len() - 1], 30),
        _ => (t, 0),
    };
    let n: usize = digits
        .trim()
        .parse()
        .map_err(|_| format!("{text:?} is not a size (like 64M or 1G)"))?;
    n.checked_mul(1usize << shift)
        .ok_or_else(|| format!("{text:?} is too large"))
}

fn options(common: &MountCommon) -> MountOptions {
    let mut options = MountOptions::default();
    if let Some(bytes) = common.cache_size {
        options.cache_bytes = bytes;
    }
    options
}

pub fn mount(session: &mut Session, args: MountArgs) -> Result<()> {
    // The shell's own form: `mount PATH/TO/ARCHIVE.pxar MOUNTPOINT` with a tree path.
    if let (Some(path), Some(mountpoint), None) = (&args.snapshot, &args.archive, &args.mountpoint)
    {
        let place = crate::shell::commands::nav::expand(session, path)?.remove(0);
        let (Some(snapshot), Some(archive)) = (place.snapshot(), place.archive.clone()) else {
            bail!("{place}: not an archive (mount PATH/TO/ARCHIVE.pxar MOUNTPOINT)");
        };
        if !place.inner.is_empty() {
            bail!("{place}: mount takes a whole archive, not a path inside one");
        }
        let common = MountCommon {
            ns: Some(place.ns.to_string()),
            keyfile: args
                .common
                .keyfile
                .clone()
                .or_else(|| session.browser.keyfile()),
            daemon: args.common.daemon,
            foreground: args.common.foreground,
            verbose: args.common.verbose,
            cache_size: args.common.cache_size,
            output_format: args.common.output_format,
        };
        let repo = session.browser.repo_at(&place)?;
        return run_mount(
            session,
            repo,
            &common,
            &snapshot.to_string(),
            &archive,
            Path::new(mountpoint),
            MountKind::Archive,
        );
    }
    let (Some(snapshot), Some(archive), Some(mountpoint)) =
        (&args.snapshot, &args.archive, &args.mountpoint)
    else {
        if args.snapshot.is_some() {
            bail!("usage: mount SNAPSHOT ARCHIVE MOUNTPOINT (or `mount` alone to list mounts)");
        }
        return list(session, None, args.common.output_format);
    };
    let repo = session.repo.clone();
    run_mount(
        session,
        repo,
        &args.common,
        snapshot,
        archive,
        mountpoint,
        MountKind::Archive,
    )
}

pub fn map(session: &mut Session, args: MapArgs) -> Result<()> {
    let (Some(snapshot), Some(image)) = (&args.snapshot, &args.image) else {
        if args.snapshot.is_some() {
            bail!("usage: map SNAPSHOT IMAGE.img [MOUNTDIR] (or `map` alone to list maps)");
        }
        return list(session, Some(MountKind::Image), args.common.output_format);
    };
    let mountdir = match &args.mountdir {
        Some(dir) => dir.clone(),
        None => default_map_dir(snapshot, image)?,
    };
    let repo = session.repo.clone();
    run_mount(
        session,
        repo,
        &args.common,
        snapshot,
        image,
        &mountdir,
        MountKind::Image,
    )
}

/// `$XDG_RUNTIME_DIR/pbsh/map/<snapshot>-<image>` (or under the temp directory), created.
fn default_map_dir(snapshot: &str, image: &str) -> Result<PathBuf> {
    let base = std::env::var_os("XDG_RUNTIME_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(std::env::temp_dir)
        .join("pbsh")
        .join("map");
    let name: String = format!("{snapshot}-{image}")
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "-_.".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect();
    let dir = base.join(name);
    std::fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
    Ok(dir)
}

fn run_mount(
    session: &mut Session,
    repo: Arc<dyn crate::repo::Repository>,
    common_args: &MountCommon,
    snapshot: &str,
    archive: &str,
    mountpoint: &Path,
    kind: MountKind,
) -> Result<()> {
    let ns = common::namespace(session, &common_args.ns)?;
    let snapshot = common::resolve_snapshot(session, &ns, snapshot)?;
    let key = common::key_for_reading(
        session,
        &ns,
        std::slice::from_ref(&snapshot),
        &common_args.keyfile,
    )?;
    let options = options(common_args);
    let verb = if kind == MountKind::Image {
        "map"
    } else {
        "mount"
    };
    let what = format!("{verb} {snapshot} {archive}");
    let do_mount = || -> mount::Result<MountHandle> {
        match kind {
            MountKind::Archive => mount::mount_archive(
                repo.clone(),
                &ns,
                &snapshot,
                archive,
                key.clone(),
                mountpoint,
                &options,
            ),
            MountKind::Image => mount::map_image(
                repo.clone(),
                &ns,
                &snapshot,
                archive,
                key.clone(),
                mountpoint,
                &options,
            ),
        }
    };
    let foreground = common_args.foreground || common_args.verbose;
    if mount::is_one_shot() && !foreground && !mount::is_detached_child() {
        session.out.flush()?;
        return match mount::detach().context(what)? {
            // The background process said what it mounted before it left the terminal.
            Detached::Ready { .. } => Ok(()),
            // It also said why it failed; its status is this command's.
            Detached::Failed { status } => std::process::exit(status),
        };
    }
    if !mount::is_one_shot() && (common_args.daemon || foreground) {
        crate::errln!(
            "note: mounts made in the shell live until `umount` or the end of the session"
        );
    }
    let handle = do_mount().context(what)?;
    if let Some(file) = image_file(&handle) {
        writeln!(session.out, "{}", file.display())?;
    }
    let past = if kind == MountKind::Image {
        "mapped"
    } else {
        "mounted"
    };
    let mountpoint = handle.mountpoint().display().to_string();
    let how = if mount::is_detached_child() {
        format!(
            " (background process {}; `pbsh umount {mountpoint}` ends it)",
            std::process::id()
        )
    } else if mount::is_one_shot() {
        " (unmount or press Ctrl-C to end)".to_string()
    } else {
        String::new()
    };
    crate::errln!("{past} {} on {mountpoint}{how}", handle.what());
    mount::register(handle);
    if mount::is_detached_child() {
        session.out.flush()?;
        mount::report_ready();
    }
    Ok(())
}

fn image_file(handle: &MountHandle) -> Option<PathBuf> {
    if handle.kind() != MountKind::Image {
        return None;
    }
    let name = handle.what().rsplit(' ').next()?;
    Some(handle.mountpoint().join(name))
}

pub fn umount(_session: &mut Session, mountpoint: &Path) -> Result<()> {
    let info = mount::unmount(mountpoint).map_err(|e| anyhow!("umount: {e}"))?;
    let detail = if info.served_here {
        format!("{} chunks fetched", info.stats.chunks_fetched)
    } else {
        "its background process ends".to_string()
    };
    crate::errln!(
        "unmounted {} from {} ({detail})",
        info.what,
        info.mountpoint.display(),
    );
    Ok(())
}

fn list(session: &mut Session, only: Option<MountKind>, format: OutputFormat) -> Result<()> {
    // A one-shot `pbsh mount` has no mounts of its own: it lists this user's pbsh mounts.
    let all = if mount::is_one_shot() {
        mount::list_all()
    } else {
        mount::list()
    };
    let mounts: Vec<_> = all
        .into_iter()
        .filter(|m| only.is_none_or(|k| m.kind == k))
        .collect();
    let rows: Vec<serde_json::Value> = mounts
        .iter()
        .map(|m| {
            json!({
                "mountpoint": m.mountpoint.display().to_string(),
                "archive": m.what,
                "kind": if m.kind == MountKind::Image { "image" } else { "archive" },
                "served-here": m.served_here,
                "chunks-fetched": m.stats.chunks_fetched,
                "bytes-fetched": m.stats.bytes_fetched,
            })
        })
        .collect();
    match format {
        OutputFormat::Json => writeln!(session.out, "{}", serde_json::Value::Array(rows))?,
        OutputFormat::JsonPretty => writeln!(
            session.out,
            "{}",
            serde_json::to_string_pretty(&rows).unwrap_or_default()
        )?,
        OutputFormat::Text => {
            if mounts.is_empty() {
                let none = if only == Some(MountKind::Image) {
                    "nothing mapped"
                } else {
                    "nothing mounted"
                };
                writeln!(session.out, "{none}")?;
                return Ok(());
            }
            let table: Vec<[String; 3]> = mounts
                .iter()
                .map(|m| {
                    [
                        m.mountpoint.display().to_string(),
                        m.what.clone(),
                        if m.served_here {
                            format!(
                                "{} ({})",
                                m.stats.chunks_fetched,
                                common::human_size(m.stats.bytes_fetched)
                            )
                        } else {
                            "(another process)".to_string()
                        },
                    ]
                })
                .collect();
            output::write_table(
                &mut session.out,
                &["mountpoint", "archive", "chunks fetched"],
                &table,
            )?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_sizes() {
        assert_eq!(parse_size("512"), Ok(512));
        assert_eq!(parse_size("64M"), Ok(64 << 20));
        assert_eq!(parse_size("1GiB"), Ok(1 << 30));
        assert_eq!(parse_size("4k"), Ok(4096));
        assert!(parse_size("lots").is_err());
    }
}
