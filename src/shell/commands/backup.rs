//! `backup SPEC…`: directories, images and files into a new snapshot, as proxmox-backup-client does.

use super::common::{self, human_size};
use crate::engine::backup::{
    run_backup, BackupOptions, BackupReport, BackupSource, ChangeDetection,
};
use crate::format::manifest::CryptMode;
use crate::repo::types::{BackupGroup, BackupType};
use crate::shell::progress::ProgressLine;
use crate::shell::Session;
use anyhow::{bail, Context, Result};
use clap::{Args, ValueEnum};
use std::path::PathBuf;
use std::time::Instant;

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum CryptModeArg {
    None,
    Encrypt,
    SignOnly,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum DetectionArg {
    Legacy,
    Data,
    Metadata,
}

#[derive(Debug, Args)]
pub struct BackupArgs {
    /// Sources: DIR (archive DIRNAME.pxar), FILE or block device (NAME.img), or PBS's
    /// NAME.pxar:DIR, NAME.img:FILE, NAME.conf:FILE
    #[arg(required = true)]
    pub specs: Vec<String>,
    #[arg(long, default_value = "host")]
    pub backup_type: String,
    /// Backup ID (default: this host's name)
    #[arg(long)]
    pub backup_id: Option<String>,
    /// Backup time as epoch seconds (default: now)
    #[arg(long)]
    pub backup_time: Option<i64>,
    #[arg(long)]
    pub ns: Option<String>,
    #[arg(long, value_enum)]
    pub crypt_mode: Option<CryptModeArg>,
    #[arg(long)]
    pub keyfile: Option<PathBuf>,
    #[arg(long)]
    pub master_pubkey_file: Option<PathBuf>,
    #[arg(long, value_enum, default_value = "legacy")]
    pub change_detection_mode: DetectionArg,
    /// Exclude pattern (gitignore style; repeatable; `!` re-includes)
    #[arg(long)]
    pub exclude: Vec<String>,
    /// Include the file system mounted at this path (repeatable)
    #[arg(long)]
    pub include_dev: Vec<PathBuf>,
    /// Descend into all file systems
    #[arg(long)]
    pub all_file_systems: bool,
    /// Say what would be uploaded, and upload nothing
    #[arg(long)]
    pub dry_run: bool,
    /// Leave out every directory named lost+found
    #[arg(long)]
    pub skip_lost_and_found: bool,
    /// Read the key file from this open file descriptor (instead of --keyfile)
    #[arg(long, conflicts_with = "keyfile")]
    pub keyfd: Option<i32>,
    /// Read the master public key (PEM) from this open file descriptor
    #[arg(long, conflicts_with = "master_pubkey_file")]
    pub master_pubkey_fd: Option<i32>,
    /// Average chunk size of archives in KiB: a power of two from 64 to 4096 (default 4096)
    #[arg(long, value_parser = parse_chunk_size)]
    pub chunk_size: Option<usize>,
    /// The most directory entries held in memory at once (default 1048576, as PBS)
    #[arg(long)]
    pub entries_max: Option<usize>,
    /// Archive a file whose extended attributes are too many to list without them (a
    /// warning), instead of failing
    #[arg(long)]
    pub skip_e2big_xattr: bool,
    #[command(flatten)]
    pub rate: common::RateArgs,
}

/// `--chunk-size` in KiB, as PBS's schema allows it: a power of two from 64 to 4096.
fn parse_chunk_size(text: &str) -> Result<usize, String> {
    let kib: usize = text
        .parse()
        .map_err(|_| format!("{text:?} is not a number of KiB"))?;
    if !(64..=4096).contains(&kib) || !kib.is_power_of_two() {
        return Err(format!(
            "{kib} KiB: the chunk size is a power of two from 64 to 4096 KiB"
        ));
    }
    Ok(kib * 1024)
}

pub fn run(session: &mut Session, args: BackupArgs) -> Result<()> {
    let ns = common::namespace(session, &args.ns)?;
    let ty = BackupType::parse(&args.backup_type)?;
    let id = args.backup_id.clone().unwrap_or_else(common::hostname);
    let group = BackupGroup::new(ty, &id)?;
    let sources = args
        .specs
        .iter()
        .map(|s| BackupSource::from_arg(s))
        .collect::<Result<Vec<_>, _>>()?;
    for source in &sources {
        let path = match source {
            BackupSource::Pxar { dir, .. } => dir,
            BackupSource::Image { path, .. } | BackupSource::Blob { path, .. } => path,
        };
        if !path.exists() {
            bail!("{}: no such file or directory", path.display());
        }
    }
    let time = args
        .backup_time
        .unwrap_or_else(|| chrono::Utc::now().timestamp());
    let mut options = BackupOptions::new(ns.clone(), group.clone(), time, &common::local_owner());
    apply_keys(&args, &mut options)?;
    apply_archive_options(&args, &mut options);
    crate::errln!(
        "Starting backup: {}{group}/{}",
        if ns.is_root() {
            String::new()
        } else {
            format!("[{ns}] ")
        },
        common::time_string(time)
    );
    if args.dry_run {
        return dry_run(session, &sources);
    }
    let started = Instant::now();
    // The progress line (on a terminal) also carries Ctrl-C into the engine's cancel flag.
    options.create.file_counter = Some(options.progress.files.clone());
    let progress =
        ProgressLine::for_engine(session.interactive, "backup", options.progress.clone());
    let (repo, limiter) = args.rate.apply(session.repo.clone());
    let result = run_backup(&*repo, &sources, &options);
    progress.end(result.is_ok());
    args.rate.report(&limiter);
    let report = result.with_context(|| format!("backup {group}"))?;
    session.browser.invalidate();
    report_backup(session, &options, &report, started.elapsed().as_secs_f64())
}

/// The key, crypt mode and master public key, as proxmox-backup-client chooses them: a key file
/// (or the default key) means encryption unless told otherwise; the default master public key
/// joins every backup made with a key.
fn apply_keys(args: &BackupArgs, options: &mut BackupOptions) -> Result<()> {
    let crypt_mode = match args.crypt_mode {
        Some(CryptModeArg::None) => CryptMode::None,
        Some(CryptModeArg::Encrypt) => CryptMode::Encrypt,
        Some(CryptModeArg::SignOnly) => CryptMode::SignOnly,
        None => CryptMode::Encrypt,
    };
    let keyfile = args.keyfile.clone().or(args.keyfd.map(common::fd_path));
    let key = if matches!(args.crypt_mode, Some(CryptModeArg::None)) {
        None
    } else {
        common::load_crypt(&keyfile, true)?
    };
    options.crypt_mode = if key.is_none() {
        if args.crypt_mode.is_some() && crypt_mode != CryptMode::None {
            bail!("--crypt-mode {} needs a key: give --keyfile or create the default key with `key create`", crypt_mode);
        }
        CryptMode::None
    } else {
        crypt_mode
    };
    if let Some((crypt, created)) = key {
        options.crypt = Some(crypt);
        options.key_created = created;
    }
    let master_pubkey_file = args
        .master_pubkey_file
        .clone()
        .or(args.master_pubkey_fd.map(common::fd_path));
    if let Some(pem) = &master_pubkey_file {
        options.master_pubkey = Some(common::read_user_file(pem)?);
    } else if options.crypt.is_some() {
        let default = crate::util::paths::default_master_pubkey();
        if default.exists() {
            crate::errln!("Using default master public key at {}", default.display());
            options.master_pubkey = Some(common::read_user_file(&default)?);
        }
    }
    Ok(())
}

/// Excludes, chunk size, entry limit, file systems and change detection.
fn apply_archive_options(args: &BackupArgs, options: &mut BackupOptions) {
    options.create.patterns = args.exclude.clone();
    if args.skip_lost_and_found {
        // As PBS: a lost+found directory at any depth.
        options.create.patterns.push("**/lost+found/".to_string());
    }
    options.create.entries_max = args.entries_max;
    options.create.skip_e2big_xattr = args.skip_e2big_xattr;
    if let Some(size) = args.chunk_size {
        options.chunk_size = size;
    }
    options.create.include_dev = args.include_dev.clone();
    options.create.all_file_systems = args.all_file_systems;
    options.change_detection = match args.change_detection_mode {
        DetectionArg::Legacy => ChangeDetection::Legacy,
        DetectionArg::Data => ChangeDetection::Data,
        DetectionArg::Metadata => ChangeDetection::Metadata,
    };
}

/// Prints what a finished backup stored and sends the same lines along as the snapshot's
/// client log (`client.log.blob`, outside the manifest, encrypted in encrypt mode), as
/// proxmox-backup-client does.
fn report_backup(
    session: &mut Session,
    options: &BackupOptions,
    report: &BackupReport,
    seconds: f64,
) -> Result<()> {
    for warning in &report.warnings {
        crate::errln!("warning: {warning}");
    }
    let mut log: Vec<String> = report
        .warnings
        .iter()
        .map(|w| format!("warning: {w}"))
        .collect();
    for archive in &report.archives {
        let line = format!(
            "{}: {} ({} chunks)",
            archive.name,
            human_size(archive.size),
            archive.chunks
        );
        writeln!(session.out, "{line}")?;
        log.push(line);
    }
    let reused = if report.reused_files > 0 {
        format!(", {} unchanged files reused", report.reused_files)
    } else {
        String::new()
    };
    let summary = format!(
        "Snapshot {} done in {seconds:.2}s: {} read ({}/s), {} new in {} of {} chunks, {} stored{reused}",
        report.snapshot,
        human_size(report.bytes),
        human_size((report.bytes as f64 / seconds.max(1e-3)) as u64),
        human_size(report.new_bytes),
        report.new_chunks,
        report.chunks,
        human_size(report.stored_bytes),
    );
    writeln!(session.out, "{summary}")?;
    log.push(summary);
    let log_crypt = if options.crypt_mode == CryptMode::Encrypt {
        options.crypt.as_deref()
    } else {
        None
    };
    let log_blob =
        crate::format::blob::encode(format!("{}\n", log.join("\n")).as_bytes(), log_crypt, true)?;
    session
        .repo
        .upload_log(&options.ns, &report.snapshot, &log_blob)
        .context("upload client log")?;
    Ok(())
}

/// `--dry-run`: each source and the archive it would become, as proxmox-backup-client says it;
/// nothing is read beyond the sources' existence, nothing is written.
fn dry_run(session: &mut Session, sources: &[BackupSource]) -> Result<()> {
    let repo = session.repo.name();
    for source in sources {
        let (what, path, target) = match source {
            BackupSource::Pxar { name, dir } => ("directory", dir, format!("{name}.didx")),
            BackupSource::Image { name, path } => ("image", path, format!("{name}.fidx")),
            BackupSource::Blob { name, path } => ("file", path, format!("{name}.blob")),
        };
        writeln!(
            session.out,
            "Would upload {what} '{}' to '{repo}' as {target}",
            path.display()
        )?;
    }
    writeln!(session.out, "dry-run: no upload happened")?;
    Ok(())
}

use std::io::Write as _;
