//! Maintenance of a local datastore: gc, verify and prune run here, through the engine over the
//! datastore's methods; status reads the file system's usage and `.gc-status`. There is no
//! server, so tasks, login and the upload speed test are not supported.

use super::{
    GcOutcome, Job, Maintenance, MaintenanceError, NoMaintenance, PruneOutcome, PruneRequest,
    Result, StoreStatus, TaskQuery, VerifyOutcome, VerifyPrepare, VerifyScope, VerifyTarget,
};
use crate::engine::bench::UploadSpeedTest;
use crate::engine::prune::{compute_prune_info_keeping_unreadable, PruneCandidate};
use crate::repo::local::LocalDatastore;
use crate::repo::types::{BackupGroup, Namespace, SnapshotRef};
use crate::repo::Repository;
use crate::util::error_class::Classed;
use serde_json::{json, Value};

impl LocalDatastore {
    fn no_server(&self) -> NoMaintenance {
        NoMaintenance::new(self.name())
    }
}

fn failed(message: String) -> MaintenanceError {
    MaintenanceError::Failed(Classed::new(message, None))
}

impl Maintenance for LocalDatastore {
    fn garbage_collect(&self, job: &mut Job<'_>) -> Result<GcOutcome> {
        let progress = (job.progress)();
        let stats = crate::engine::gc::garbage_collect_counting(
            self,
            chrono::Utc::now().timestamp(),
            job.cancel,
            progress.as_deref(),
        )?;
        Ok(GcOutcome::Finished(stats))
    }

    fn verify(
        &self,
        ns: &Namespace,
        target: &VerifyTarget,
        prepare: VerifyPrepare<'_>,
    ) -> Result<VerifyOutcome> {
        let snapshots: Vec<SnapshotRef> = match &target.scope {
            VerifyScope::Snapshot(s) => vec![s.clone()],
            VerifyScope::Group(g) => self
                .list_snapshots(ns, Some(g))?
                .into_iter()
                .map(|s| s.snapshot)
                .collect(),
            VerifyScope::All => self
                .list_snapshots(ns, None)?
                .into_iter()
                .map(|s| s.snapshot)
                .collect(),
        };
        let run = prepare(&snapshots)?;
        let report = crate::engine::verify::verify_snapshots_counting(
            self,
            ns,
            &snapshots,
            run.key.as_deref(),
            &mut Default::default(),
            run.progress.as_deref(),
        )?;
        Ok(VerifyOutcome::Finished(report))
    }

    fn prune(
        &self,
        ns: &Namespace,
        group: &BackupGroup,
        request: &PruneRequest,
    ) -> Result<PruneOutcome> {
        let snapshots = self.list_snapshots(ns, Some(group))?;
        let unreadable: Vec<String> = snapshots
            .iter()
            .filter_map(|s| s.manifest_error.clone())
            .collect();
        let candidates: Vec<PruneCandidate> = snapshots
            .iter()
            .map(|s| PruneCandidate {
                backup_time: s.snapshot.time,
                protected: s.protected,
            })
            .collect();
        let is_unreadable: Vec<bool> = snapshots.iter().map(|s| !s.is_readable()).collect();
        let marks = compute_prune_info_keeping_unreadable(
            &candidates,
            &is_unreadable,
            &request.keep,
            &chrono::Local,
        );
        let mut rows = Vec::new();
        let mut decisions = Vec::new();
        for (info, mark) in snapshots.iter().zip(&marks).rev() {
            rows.push([info.snapshot.to_string(), mark.to_string()]);
            decisions.push(json!({
                "backup-type": info.snapshot.group.ty.as_str(),
                "backup-id": info.snapshot.group.id,
                "backup-time": info.snapshot.time,
                "keep": mark.keep(),
                "protected": mark.protected(),
            }));
        }
        if !request.dry_run {
            for (info, mark) in snapshots.iter().zip(&marks) {
                if !mark.keep() {
                    self.forget_snapshot(ns, &info.snapshot).map_err(|e| {
                        MaintenanceError::step(format!("prune {}", info.snapshot), e)
                    })?;
                }
            }
        }
        Ok(PruneOutcome::Decided {
            rows: Some(rows),
            json: Value::Array(decisions),
            unreadable,
        })
    }

    fn status(&self) -> Result<StoreStatus> {
        let root = self.root();
        let path = std::ffi::CString::new(root.as_os_str().as_encoded_bytes())
            .map_err(|e| failed(format!("{}: {e}", root.display())))?;
        // SAFETY: zeroed statvfs is a valid out-parameter; the path is a valid C string.
        let mut vfs: libc::statvfs = unsafe { std::mem::zeroed() };
        // SAFETY: as above.
        if unsafe { libc::statvfs(path.as_ptr(), &mut vfs) } != 0 {
            return Err(failed(format!(
                "{}: cannot read file system usage: {}",
                root.display(),
                std::io::Error::last_os_error()
            )));
        }
        let total = vfs.f_blocks as u64 * vfs.f_frsize as u64;
        let avail = vfs.f_bavail as u64 * vfs.f_frsize as u64;
        let used = total - vfs.f_bfree as u64 * vfs.f_frsize as u64;
        let gc: Value = std::fs::read(root.join(".gc-status"))
            .ok()
            .and_then(|b| serde_json::from_slice(&b).ok())
            .unwrap_or(json!({}));
        let dedup = match (gc["index-data-bytes"].as_f64(), gc["disk-bytes"].as_f64()) {
            (Some(index), Some(disk)) if disk > 0.0 => Some(index / disk),
            _ => None,
        };
        let value = json!({ "total": total, "used": used, "avail": avail, "dedup-factor": dedup, "gc-status": gc });
        Ok(StoreStatus {
            label: root.display().to_string(),
            total,
            used,
            avail,
            gc_status: gc,
            json: value,
        })
    }

    fn task_list(&self, query: TaskQuery) -> Result<Value> {
        self.no_server().task_list(query)
    }
    fn resolve_upid(&self, typed: &str) -> Result<String> {
        self.no_server().resolve_upid(typed)
    }
    fn task_log(&self, upid: &str, start: u64) -> Result<Value> {
        self.no_server().task_log(upid, start)
    }
    fn task_status(&self, upid: &str) -> Result<Value> {
        self.no_server().task_status(upid)
    }
    fn stop_task(&self, upid: &str) -> Result<()> {
        self.no_server().stop_task(upid)
    }
    fn login(&self) -> Result<String> {
        self.no_server().login()
    }
    fn logout(&self) -> Result<bool> {
        self.no_server().logout()
    }
    fn server_version(&self) -> Result<Value> {
        self.no_server().server_version()
    }
    fn upload_speed_test(&self) -> Result<Box<dyn UploadSpeedTest + '_>> {
        Err(MaintenanceError::Unsupported(format!(
            "{} is a local datastore: no upload to measure",
            self.name()
        )))
    }
}
