//! Names in a datastore: backup types, namespaces, groups and snapshots, validated as PBS does.
//!
//! Parsing and printing only; where these live on disk is `repo::local`'s business.

use chrono::{DateTime, TimeZone, Utc};
use std::fmt;
use thiserror::Error;

/// A name that does not follow PBS's rules.
#[derive(Debug, Error, PartialEq, Eq)]
#[error("invalid {what} {value:?}: {reason}")]
pub struct NameError {
    pub what: &'static str,
    pub value: String,
    pub reason: &'static str,
}

fn name_error(what: &'static str, value: &str, reason: &'static str) -> NameError {
    NameError {
        what,
        value: value.chars().take(80).collect(),
        reason,
    }
}

/// `[A-Za-z0-9_][A-Za-z0-9._-]*`, the shape of backup IDs and namespace components.
fn check_safe_id(what: &'static str, value: &str, max_len: usize) -> Result<(), NameError> {
    let mut chars = value.chars();
    match chars.next() {
        None => return Err(name_error(what, value, "must not be empty")),
        Some(c) if !(c.is_ascii_alphanumeric() || c == '_') => {
            return Err(name_error(
                what,
                value,
                "must start with a letter, digit or '_'",
            ))
        }
        _ => {}
    }
    if !chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-')) {
        return Err(name_error(
            what,
            value,
            "may only contain letters, digits, '_', '.' and '-'",
        ));
    }
    if value.len() > max_len {
        return Err(name_error(what, value, "is too long"));
    }
    Ok(())
}

/// `vm`, `ct` or `host`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum BackupType {
    Vm,
    Ct,
    Host,
}

impl BackupType {
    pub const ALL: [BackupType; 3] = [BackupType::Vm, BackupType::Ct, BackupType::Host];

    pub fn as_str(self) -> &'static str {
        match self {
            BackupType::Vm => "vm",
            BackupType::Ct => "ct",
            BackupType::Host => "host",
        }
    }

    pub fn parse(text: &str) -> Result<Self, NameError> {
        match text {
            "vm" => Ok(BackupType::Vm),
            "ct" => Ok(BackupType::Ct),
            "host" => Ok(BackupType::Host),
            _ => Err(name_error("backup type", text, "must be vm, ct or host")),
        }
    }
}

impl fmt::Display for BackupType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A namespace: up to 7 components, 256 characters in all; the root is empty.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Namespace(Vec<String>);

/// PBS's namespace limits.
pub const MAX_NAMESPACE_DEPTH: usize = 7;
const MAX_NAMESPACE_LEN: usize = 256;

impl Namespace {
    pub fn root() -> Self {
        Namespace(Vec::new())
    }

    /// Parses `a/b/c` (empty for the root).
    pub fn parse(text: &str) -> Result<Self, NameError> {
        let trimmed = text.trim_matches('/');
        if trimmed.is_empty() {
            return Ok(Namespace::root());
        }
        if trimmed.len() > MAX_NAMESPACE_LEN {
            return Err(name_error(
                "namespace",
                text,
                "is longer than 256 characters",
            ));
        }
        let parts: Vec<String> = trimmed.split('/').map(str::to_string).collect();
        if parts.len() > MAX_NAMESPACE_DEPTH {
            return Err(name_error("namespace", text, "is deeper than 7 levels"));
        }
        for part in &parts {
            check_safe_id("namespace component", part, MAX_NAMESPACE_LEN)?;
        }
        Ok(Namespace(parts))
    }

    pub fn components(&self) -> &[String] {
        &self.0
    }

    pub fn is_root(&self) -> bool {
        self.0.is_empty()
    }

    pub fn depth(&self) -> usize {
        self.0.len()
    }

    /// The child namespace `name`.
    pub fn child(&self, name: &str) -> Result<Self, NameError> {
        let mut parts = self.0.clone();
        parts.push(name.to_string());
        Namespace::parse(&parts.join("/"))
    }

    pub fn parent(&self) -> Option<Self> {
        (!self.0.is_empty()).then(|| Namespace(self.0[..self.0.len() - 1].to_vec()))
    }

    /// The on-disk relative path: `ns/a/ns/b`.
    pub fn rel_path(&self) -> std::path::PathBuf {
        let mut p = std::path::PathBuf::new();
        for c in &self.0 {
            p.push("ns");
            p.push(c);
        }
        p
    }
}

impl fmt::Display for Namespace {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0.join("/"))
    }
}

/// A backup group: type and ID, e.g. `host/web1`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct BackupGroup {
    pub ty: BackupType,
    pub id: String,
}

impl BackupGroup {
    pub fn new(ty: BackupType, id: &str) -> Result<Self, NameError> {
        check_safe_id("backup id", id, 128)?;
        Ok(BackupGroup {
            ty,
            id: id.to_string(),
        })
    }

    /// Parses `type/id`.
    pub fn parse(text: &str) -> Result<Self, NameError> {
        let (ty, id) = text
            .split_once('/')
            .ok_or_else(|| name_error("backup group", text, "must be TYPE/ID, e.g. host/web1"))?;
        BackupGroup::new(BackupType::parse(ty)?, id)
    }

    pub fn rel_path(&self) -> std::path::PathBuf {
        std::path::PathBuf::from(self.ty.as_str()).join(&self.id)
    }
}

impl fmt::Display for BackupGroup {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.ty, self.id)
    }
}

/// A snapshot: group and backup time, e.g. `host/web1/2026-11-20T10:00:00Z`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SnapshotRef {
    pub group: BackupGroup,
    pub time: i64,
}

impl SnapshotRef {
    pub fn new(group: BackupGroup, time: i64) -> Self {
        SnapshotRef { group, time }
    }

    /// Parses `type/id/YYYY-MM-DDTHH:MM:SSZ`.
    pub fn parse(text: &str) -> Result<Self, NameError> {
        let (group, time) = text
            .rsplit_once('/')
            .ok_or_else(|| name_error("snapshot", text, "must be TYPE/ID/TIME"))?;
        Ok(SnapshotRef {
            group: BackupGroup::parse(group)?,
            time: parse_backup_time(time)?,
        })
    }

    pub fn time_string(&self) -> String {
        format_backup_time(self.time)
    }

    pub fn rel_path(&self) -> std::path::PathBuf {
        self.group.rel_path().join(self.time_string())
    }
}

impl fmt::Display for SnapshotRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.group, self.time_string())
    }
}

/// `YYYY-MM-DDTHH:MM:SSZ` in UTC, the snapshot directory name.
pub fn format_backup_time(epoch: i64) -> String {
    match Utc.timestamp_opt(epoch, 0).single() {
        Some(t) => t.format("%Y-%m-%dT%H:%M:%SZ").to_string(),
        None => format!("{epoch}"),
    }
}

/// Parses a snapshot directory name (strictly `YYYY-MM-DDTHH:MM:SSZ`).
pub fn parse_backup_time(text: &str) -> Result<i64, NameError> {
    let ok_shape = text.len() == 20
        && text.bytes().enumerate().all(|(i, b)| match i {
            4 | 7 => b == b'-',
            10 => b == b'T',
            13 | 16 => b == b':',
            19 => b == b'Z',
            _ => b.is_ascii_digit(),
        });
    if !ok_shape {
        return Err(name_error(
            "backup time",
            text,
            "must look like 2026-11-20T10:00:00Z",
        ));
    }
    DateTime::parse_from_rfc3339(text)
        .map(|t| t.timestamp())
        .map_err(|_| name_error("backup time", text, "is not a valid date"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_prints_names() {
        let s = SnapshotRef::parse("host/web1/2026-09-21T14:13:20Z").unwrap();
        assert_eq!(s.time, 1_790_000_000);
        assert_eq!(s.to_string(), "host/web1/2026-09-21T14:13:20Z");
        assert_eq!(
            s.rel_path(),
            std::path::PathBuf::from("host/web1/2026-09-21T14:13:20Z")
        );
        let ns = Namespace::parse("a/b").unwrap();
        assert_eq!(ns.rel_path(), std::path::PathBuf::from("ns/a/ns/b"));
        assert_eq!(ns.parent().unwrap().to_string(), "a");
    }

    #[test]
    fn refuses_bad_names() {
        for bad in ["..", ".", "a/b", "-x", "", &"x".repeat(300)] {
            assert!(BackupGroup::new(BackupType::Host, bad).is_err(), "{bad}");
        }
        assert!(BackupGroup::parse("disk/1").is_err());
        assert!(Namespace::parse("a/b/c/d/e/f/g/h").is_err());
        assert!(Namespace::parse("a/../b").is_err());
        assert!(parse_backup_time("2026-13-01T00:00:00Z").is_err());
        assert!(parse_backup_time("2026-01-01 00:00:00").is_err());
    }
}
