//! The maintenance seam: garbage collection, verify, prune, status, server tasks, login and the
//! upload speed test behind one trait, reached from any repository by
//! `Repository::maintenance`, so the shell never asks which kind of repository it holds.
//!
//! A local datastore runs the work here (the engine's gc and verify over the datastore's
//! methods); a remote repository asks its server, which runs it as a task the caller follows
//! through the task methods. What has no meaning for a kind (`login` on a local datastore, any
//! of it on a lone archive file) fails with `MaintenanceError::Unsupported`, one line that the
//! shell prints. Nothing here prints: results come back as values the shell renders.

pub mod datastore;
pub mod local;

use crate::engine::backup::EngineError;
use crate::engine::bench::UploadSpeedTest;
use crate::engine::gc::GcStats;
use crate::engine::progress::Progress;
use crate::engine::prune::KeepOptions;
use crate::engine::verify::VerifyReport;
use crate::format::crypt::CryptConfig;
use crate::repo::remote::RemoteError;
use crate::repo::types::{BackupGroup, Namespace, SnapshotRef};
use crate::repo::RepoError;
use crate::util::error_class::{Classed, ErrorClass};
use serde_json::Value;
use std::sync::Arc;
use thiserror::Error;

/// A maintenance failure.
#[derive(Debug, Error)]
pub enum MaintenanceError {
    /// The operation has no meaning for this kind of repository; the text says why, in one
    /// line (`store1 is a local datastore: no login needed`).
    #[error("{0}")]
    Unsupported(String),
    #[error(transparent)]
    Repo(#[from] RepoError),
    #[error(transparent)]
    Engine(#[from] EngineError),
    #[error(transparent)]
    Remote(#[from] RemoteError),
    /// A named step (`gc`, `prune host/a`) and why it failed.
    #[error("{what}")]
    Step {
        what: String,
        #[source]
        source: Box<MaintenanceError>,
    },
    /// A server's answer that cannot be used (no task id where one was due).
    #[error("{0}")]
    Answer(String),
    /// A verify target that is neither a snapshot nor a group.
    #[error("{0}")]
    Target(String),
    /// A failure of the caller's part of a job (loading a key), or of the machine (file
    /// system usage), with its class.
    #[error(transparent)]
    Failed(#[from] Classed),
}

impl MaintenanceError {
    /// The class of this failure (for exit statuses).
    pub fn class(&self) -> Option<ErrorClass> {
        match self {
            MaintenanceError::Unsupported(_)
            | MaintenanceError::Answer(_)
            | MaintenanceError::Target(_) => None,
            MaintenanceError::Repo(e) => e.class(),
            MaintenanceError::Engine(e) => e.class(),
            MaintenanceError::Remote(e) => e.class(),
            MaintenanceError::Step { source, .. } => source.class(),
            MaintenanceError::Failed(c) => c.class,
        }
    }

    /// `what` failed because of `source`.
    pub fn step(what: impl Into<String>, source: impl Into<MaintenanceError>) -> Self {
        MaintenanceError::Step {
            what: what.into(),
            source: Box::new(source.into()),
        }
    }

    pub fn is_unsupported(&self) -> bool {
        matches!(self, MaintenanceError::Unsupported(_))
    }
}

pub type Result<T, E = MaintenanceError> = std::result::Result<T, E>;

/// `Unsupported` as "nothing": for an operation that is optional (the server's version, the
/// upload speed test).
pub trait Supported<T> {
    fn supported(self) -> Result<Option<T>>;
}

impl<T> Supported<T> for Result<T> {
    fn supported(self) -> Result<Option<T>> {
        match self {
            Ok(v) => Ok(Some(v)),
            Err(MaintenanceError::Unsupported(_)) => Ok(None),
            Err(e) => Err(e),
        }
    }
}

/// The caller's part in a job run here: whether to stop (looked at between steps), and the
/// progress counters to fill, asked for only when the work starts here (a job a server runs
/// shows its task log instead).
pub struct Job<'a> {
    /// Stops the job (Ctrl-C: `cancel::ctrl_c()`).
    pub cancel: &'a crate::util::cancel::CancelToken,
    pub progress: &'a mut dyn FnMut() -> Option<Arc<Progress>>,
}

/// What a garbage collection did.
#[derive(Debug)]
pub enum GcOutcome {
    /// It ran here, to its end.
    Finished(GcStats),
    /// A server runs it as the task with this UPID.
    Started(String),
}

/// What verify is to check: every snapshot of the namespace, a group's, or one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VerifyScope {
    All,
    Group(BackupGroup),
    Snapshot(SnapshotRef),
}

/// A verify target as typed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifyTarget {
    pub scope: VerifyScope,
    /// The words that named it (for messages), `None` for the whole namespace.
    pub typed: Option<String>,
}

impl VerifyTarget {
    /// `TYPE/ID/TIME`, `TYPE/ID` or nothing.
    pub fn parse(text: Option<&str>) -> Result<Self> {
        let scope = match text {
            None => VerifyScope::All,
            Some(text) => match SnapshotRef::parse(text) {
                Ok(s) => VerifyScope::Snapshot(s),
                Err(_) => BackupGroup::parse(text)
                    .map(VerifyScope::Group)
                    .map_err(|e| {
                        MaintenanceError::Target(format!("{e} (expected TYPE/ID/TIME or TYPE/ID)"))
                    })?,
            },
        };
        Ok(VerifyTarget {
            scope,
            typed: text.map(str::to_string),
        })
    }

    /// `verify TARGET` (`verify datastore` for the whole namespace), naming the job.
    pub fn what(&self) -> String {
        format!("verify {}", self.typed.as_deref().unwrap_or("datastore"))
    }
}

/// The caller's part in a verify run here, given the snapshots it will read: the key for
/// encrypted chunks (else only their CRC is checked) and the progress counters to fill.
#[derive(Default)]
pub struct VerifyRun {
    pub key: Option<Arc<CryptConfig>>,
    pub progress: Option<Arc<Progress>>,
}

/// Prepares a verify run here (see `VerifyRun`); never called for a job a server runs.
pub type VerifyPrepare<'a> = &'a mut dyn FnMut(&[SnapshotRef]) -> Result<VerifyRun>;

/// What a verify did.
#[derive(Debug)]
pub enum VerifyOutcome {
    Finished(VerifyReport),
    /// A server runs it as the task with this UPID.
    Started(String),
}

/// A prune of one group.
#[derive(Debug, Clone)]
pub struct PruneRequest {
    pub keep: KeepOptions,
    /// Decide, remove nothing.
    pub dry_run: bool,
    /// A server may run it as a task whose log is followed (a local prune always decides and
    /// removes at once).
    pub as_task: bool,
}

/// What a prune decided (and, unless a dry run, did).
#[derive(Debug)]
pub enum PruneOutcome {
    Decided {
        /// `[snapshot, decision]`, newest first (`None`: the server's answer is not a list of
        /// decisions, though still shown as JSON).
        rows: Option<Vec<[String; 2]>>,
        /// The decisions as JSON (`backup-type`, `backup-id`, `backup-time`, `keep`, …).
        json: Value,
        /// Why snapshots that were kept could not be read.
        unreadable: Vec<String>,
    },
    /// A server runs it as the task with this UPID.
    Started(String),
}

/// A datastore's usage.
#[derive(Debug, Clone)]
pub struct StoreStatus {
    /// Where the datastore is, for the text form (a directory, `user@host:store`).
    pub label: String,
    pub total: u64,
    pub used: u64,
    pub avail: u64,
    /// The last garbage collection's figures (PBS's `.gc-status`), `Null` or `{}` when none.
    pub gc_status: Value,
    /// The whole status, as the JSON form shows it.
    pub json: Value,
}

/// A task list query.
#[derive(Debug, Clone, Copy)]
pub struct TaskQuery {
    /// Only tasks still running.
    pub running_only: bool,
    /// Tasks of every user, not only this one's.
    pub all_users: bool,
    pub limit: u64,
}

/// Maintenance of a repository. Implemented by the local datastore and the remote repository;
/// a lone archive file has none (`NoMaintenance`).
pub trait Maintenance: Send + Sync {
    /// Collects garbage: here (stoppable, counted into the job's progress), or as a server task.
    fn garbage_collect(&self, job: &mut Job<'_>) -> Result<GcOutcome>;
    /// Verifies `target` in `ns` (every chunk read again): here, quarantining corrupt chunks and
    /// recording each snapshot's verify state, or as a server task.
    fn verify(
        &self,
        ns: &Namespace,
        target: &VerifyTarget,
        prepare: VerifyPrepare<'_>,
    ) -> Result<VerifyOutcome>;
    /// Prunes `group` by PBS's retention rules.
    fn prune(
        &self,
        ns: &Namespace,
        group: &BackupGroup,
        request: &PruneRequest,
    ) -> Result<PruneOutcome>;
    /// The datastore's usage and its last garbage collection.
    fn status(&self) -> Result<StoreStatus>;
    /// Recent tasks (the server's JSON list).
    fn task_list(&self, query: TaskQuery) -> Result<Value>;
    /// A task's UPID as typed, matched against the task list when a shell word lost its
    /// backslashes.
    fn resolve_upid(&self, typed: &str) -> Result<String>;
    /// Lines of a task's log from line `start` on (the server's JSON: `n`, `t`).
    fn task_log(&self, upid: &str, start: u64) -> Result<Value>;
    /// A task's status (the server's JSON: `status`, `exitstatus`).
    fn task_status(&self, upid: &str) -> Result<Value>;
    /// Asks for a running task to be aborted.
    fn stop_task(&self, upid: &str) -> Result<()>;
    /// Logs in now (asking for the password when needed); returns the user it logged in as.
    fn login(&self) -> Result<String>;
    /// Forgets the stored ticket; true when there was one.
    fn logout(&self) -> Result<bool>;
    /// The server's version (its JSON: `version`, `release`, `repoid`).
    fn server_version(&self) -> Result<Value>;
    /// The TLS upload speed test (`bench`'s TLS row).
    fn upload_speed_test(&self) -> Result<Box<dyn UploadSpeedTest + '_>>;
}

/// The maintenance of a repository that has none (a lone archive file): every operation says
/// so.
#[derive(Debug, Clone)]
pub struct NoMaintenance {
    name: String,
}

impl NoMaintenance {
    pub fn new(name: impl Into<String>) -> Self {
        NoMaintenance { name: name.into() }
    }

    fn datastore_only<T>(&self) -> Result<T> {
        Err(MaintenanceError::Unsupported(
            "this command needs a local datastore".into(),
        ))
    }

    fn server_only<T>(&self) -> Result<T> {
        Err(MaintenanceError::Unsupported(format!(
            "{} is a local datastore: this needs a remote repository",
            self.name
        )))
    }

    fn no_login<T>(&self) -> Result<T> {
        Err(MaintenanceError::Unsupported(format!(
            "{} is a local datastore: no login needed",
            self.name
        )))
    }
}

impl Maintenance for NoMaintenance {
    fn garbage_collect(&self, _job: &mut Job<'_>) -> Result<GcOutcome> {
        self.datastore_only()
    }
    fn verify(
        &self,
        _: &Namespace,
        _: &VerifyTarget,
        _: VerifyPrepare<'_>,
    ) -> Result<VerifyOutcome> {
        self.datastore_only()
    }
    fn prune(&self, _: &Namespace, _: &BackupGroup, _: &PruneRequest) -> Result<PruneOutcome> {
        self.datastore_only()
    }
    fn status(&self) -> Result<StoreStatus> {
        self.datastore_only()
    }
    fn task_list(&self, _: TaskQuery) -> Result<Value> {
        self.server_only()
    }
    fn resolve_upid(&self, _: &str) -> Result<String> {
        self.server_only()
    }
    fn task_log(&self, _: &str, _: u64) -> Result<Value> {
        self.server_only()
    }
    fn task_status(&self, _: &str) -> Result<Value> {
        self.server_only()
    }
    fn stop_task(&self, _: &str) -> Result<()> {
        self.server_only()
    }
    fn login(&self) -> Result<String> {
        self.no_login()
    }
    fn logout(&self) -> Result<bool> {
        self.no_login()
    }
    fn server_version(&self) -> Result<Value> {
        self.server_only()
    }
    fn upload_speed_test(&self) -> Result<Box<dyn UploadSpeedTest + '_>> {
        self.server_only()
    }
}
