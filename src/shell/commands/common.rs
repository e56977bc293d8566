//! Helpers the data commands share: resolving snapshot names, loading keys, sizes and times.

use crate::format::crypt::CryptConfig;
use crate::repo::types::{format_backup_time, BackupGroup, Namespace, SnapshotRef};
use crate::shell::commands::key;
use crate::shell::Session;
use crate::util::paths;
use anyhow::{anyhow, bail, Context, Result};
use std::path::Path;
use std::sync::Arc;

/// The namespace a command acts in: `--ns` if given, else the session's.
pub fn namespace(session: &Session, ns: &Option<String>) -> Result<Namespace> {
    match ns {
        Some(text) => Ok(Namespace::parse(text)?),
        None => Ok(session.ns()),
    }
}

/// One warning line per snapshot whose manifest cannot be read, naming it, the reason and
/// what the command does with it (`what`).
pub fn warn_unreadable(snapshots: &[crate::repo::SnapshotInfo], what: &str) {
    for error in snapshots.iter().filter_map(|s| s.manifest_error.as_ref()) {
        crate::errln!("warning: {error}; {what}");
    }
}

/// `type/id/time`, or `type/id` for the group's newest snapshot.
pub fn resolve_snapshot(session: &Session, ns: &Namespace, text: &str) -> Result<SnapshotRef> {
    if let Ok(snapshot) = SnapshotRef::parse(text) {
        return Ok(snapshot);
    }
    // TYPE/ID/ALIAS: `latest`, `@-1`, a unique prefix of the time.
    if let Some((group_text, word)) = text.rsplit_once('/') {
        if let Ok(group) = BackupGroup::parse(group_text) {
            let times: Vec<i64> = session
                .repo
                .list_snapshots(ns, Some(&group))?
                .iter()
                .map(|s| s.snapshot.time)
                .collect();
            match crate::shell::tree::pick_snapshot(word, &times) {
                Some(Ok(time)) => return Ok(SnapshotRef::new(group, time)),
                Some(Err(reason)) => {
                    bail!(crate::shell::exit::ShellError::NotFound(format!(
                        "{group}: {reason}"
                    )))
                }
                None => {}
            }
        }
    }
    let group =
        BackupGroup::parse(text).map_err(|e| anyhow!("{e} (expected TYPE/ID or TYPE/ID/TIME)"))?;
    let snapshots = session.repo.list_snapshots(ns, Some(&group))?;
    snapshots.last().map(|s| s.snapshot.clone()).ok_or_else(|| {
        anyhow!(crate::shell::exit::ShellError::NotFound(format!(
            "backup group {group} has no snapshots{}",
            suggest_group(session, ns, &group)
        )))
    })
}

fn suggest_group(session: &Session, ns: &Namespace, wanted: &BackupGroup) -> String {
    let Ok(groups) = session.repo.list_groups(ns) else {
        return String::new();
    };
    groups
        .iter()
        .map(|g| g.group.to_string())
        .find(|g| g.eq_ignore_ascii_case(&wanted.to_string()) || strsim(g, &wanted.to_string()))
        .map(|g| format!(" (did you mean `{g}`?)"))
        .unwrap_or_default()
}

/// Close enough to suggest: at most two edits, and fewer than half of the shorter name changed
/// (so `host/cf` is never offered for `host/demo`).
fn strsim(a: &str, b: &str) -> bool {
    let d = super::nav::edit_distance(a, b);
    let shorter = a.chars().count().min(b.chars().count());
    d <= 2 && d * 2 < shorter
}

/// Loads the key for a command: `--keyfile`, else the default key if it exists and `use_default`.
pub fn load_crypt(
    keyfile: &Option<std::path::PathBuf>,
    use_default: bool,
) -> Result<Option<(Arc<CryptConfig>, i64)>> {
    let path = match keyfile {
        Some(p) => p.clone(),
        None => {
            let default = paths::default_encryption_key();
            if !use_default || !default.exists() {
                return Ok(None);
            }
            crate::errln!("Using default encryption key at {}", default.display());
            default
        }
    };
    let (config, raw) = key::load_and_decrypt(&path)?;
    let crypt = CryptConfig::new(*raw).with_context(|| format!("key file {}", path.display()))?;
    crate::errln!(
        "Encryption key fingerprint: {}",
        crypt.fingerprint().to_short_string()
    );
    Ok(Some((Arc::new(crypt), config.created)))
}

/// The key for reading `snapshots`, as PBS picks it: `--keyfile` when named; otherwise the
/// default key (`key create` with no path), when it exists and one of the snapshots holds
/// encrypted or signed files; otherwise none. A plain snapshot never asks for a passphrase.
/// Among several snapshots (verify), the default key is used only if it is the key of every
/// protected one; else they are checked as a server does, without a key.
pub fn key_for_reading(
    session: &Session,
    ns: &Namespace,
    snapshots: &[SnapshotRef],
    keyfile: &Option<std::path::PathBuf>,
) -> Result<Option<Arc<CryptConfig>>> {
    if keyfile.is_some() {
        return Ok(load_crypt(keyfile, false)?.map(|(c, _)| c));
    }
    if !paths::default_encryption_key().exists() {
        return Ok(None);
    }
    // The key fingerprints of the protected snapshots (an unreadable manifest is the reading
    // command's to report; here it needs no key).
    let mut fingerprints = Vec::new();
    for snapshot in snapshots {
        if let Ok((manifest, _)) = session.repo.read_manifest(ns, snapshot) {
            let protected = manifest
                .files
                .iter()
                .any(|f| f.crypt_mode != crate::format::manifest::CryptMode::None);
            if protected {
                fingerprints.push(manifest.key_fingerprint().map(str::to_string));
            }
        }
    }
    if fingerprints.is_empty() {
        return Ok(None);
    }
    let Some((key, _)) = load_crypt(&None, true)? else {
        return Ok(None);
    };
    let own = key.fingerprint().to_full_string();
    let foreign = fingerprints
        .iter()
        .filter(|fp| fp.as_deref().is_some_and(|fp| fp != own))
        .count();
    if snapshots.len() > 1 && foreign > 0 {
        crate::errln!(
            "{foreign} snapshot(s) were encrypted with another key: their chunks are checked without a key (CRC only)"
        );
        return Ok(None);
    }
    Ok(Some(key))
}

/// The path that reads an open file descriptor the user passed (`--keyfd 3`): the same file, or
/// the same pipe, opened again through /proc.
pub fn fd_path(fd: i32) -> std::path::PathBuf {
    std::path::PathBuf::from(format!("/proc/self/fd/{fd}"))
}

/// Reads a small file the user named (PEM keys and the like).
pub fn read_user_file(path: &Path) -> Result<Vec<u8>> {
    let meta =
        std::fs::metadata(path).with_context(|| format!("cannot read {}", path.display()))?;
    if meta.len() > 1024 * 1024 {
        bail!("{}: too large", path.display());
    }
    std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))
}

/// 1536 → "1.5 KiB".
pub fn human_size(bytes: u64) -> String {
    const UNITS: [&str; 6] = ["B", "KiB", "MiB", "GiB", "TiB", "PiB"];
    let mut value = bytes as f64;
    let mut unit = 0;
    while value >= 1024.0 && unit + 1 < UNITS.len() {
        value /= 1024.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{bytes} B")
    } else {
        format!("{value:.1} {}", UNITS[unit])
    }
}

pub fn time_string(epoch: i64) -> String {
    format_backup_time(epoch)
}

/// The local user as PBS names owners: `user@pam`.
pub fn local_owner() -> String {
    let name = std::env::var("USER")
        .ok()
        .filter(|u| !u.is_empty())
        .unwrap_or_else(|| {
            // SAFETY: getuid has no preconditions.
            if unsafe { libc::getuid() } == 0 {
                "root".into()
            } else {
                "user".into()
            }
        });
    format!("{name}@pam")
}

/// The host name, PBS's default backup ID.
pub use crate::util::host::hostname;

/// A JSON value as plain text (strings without quotes).
pub fn plain(value: &serde_json::Value) -> String {
    crate::shell::output::plain(value)
}

#[cfg(test)]
mod tests {
    use super::strsim;

    #[test]
    fn suggestions_are_only_near_misses() {
        assert!(strsim("host/demo", "host/dmeo"));
        assert!(strsim("host/web1", "host/web2"));
        assert!(!strsim("host/cf", "host/demo"));
        assert!(!strsim("host/demo", "host/cf"));
        assert!(!strsim("vm/1", "vm/2x3"));
    }
}

/// `--rate` and `--burst`, as backup and restore take them.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct RateArgs {
    /// Hold chunk traffic to this many bytes a second: `10M` is 10,000,000, `10MiB` 10,485,760
    #[arg(long, value_parser = crate::util::rate::parse_byte_size)]
    pub rate: Option<u64>,
    /// Bytes that may pass at once before --rate holds them (default: one second's worth)
    #[arg(long, value_parser = crate::util::rate::parse_byte_size, requires = "rate")]
    pub burst: Option<u64>,
}

impl RateArgs {
    /// `repo` paced by a new limiter when --rate is given (the limiter too, to report on).
    pub fn apply(
        &self,
        repo: Arc<dyn crate::repo::Repository>,
    ) -> (
        Arc<dyn crate::repo::Repository>,
        Option<Arc<crate::util::rate::RateLimiter>>,
    ) {
        match self.rate {
            None => (repo, None),
            Some(rate) => {
                let limiter = Arc::new(crate::util::rate::RateLimiter::new(rate, self.burst));
                (
                    crate::repo::rate_limited::RateLimited::wrap(repo, limiter.clone()),
                    Some(limiter),
                )
            }
        }
    }

    /// One line on how long the limit held the command back.
    pub fn report(&self, limiter: &Option<Arc<crate::util::rate::RateLimiter>>) {
        if let (Some(limiter), Some(rate)) = (limiter, self.rate) {
            crate::errln!(
                "rate limit {:.2} MB/s: held back {:.1} s",
                rate as f64 / 1e6,
                limiter.held().as_secs_f64()
            );
        }
    }
}
