//! Maintenance of a remote datastore: the server runs gc, verify and (as a task, when asked)
//! prune; the caller follows the task through its log and status. Login, tasks and the upload
//! speed test are the server's.

use super::RemoteRepository;
use crate::engine::backup::EngineError;
use crate::engine::bench::UploadSpeedTest;
use crate::repo::maintenance::{
    GcOutcome, Job, Maintenance, MaintenanceError, PruneOutcome, PruneRequest, Result, StoreStatus,
    TaskQuery, VerifyOutcome, VerifyPrepare, VerifyScope, VerifyTarget,
};
use crate::repo::types::{BackupGroup, Namespace, SnapshotRef};
use http::Method;
use serde_json::{json, Value};

fn task_path(upid: &str, tail: &str) -> String {
    let enc = percent_encoding::utf8_percent_encode(upid, percent_encoding::NON_ALPHANUMERIC);
    format!("/api2/json/nodes/localhost/tasks/{enc}{tail}")
}

fn upid_of(v: &Value, what: &str) -> Result<String> {
    v.as_str()
        .map(str::to_string)
        .ok_or_else(|| MaintenanceError::Answer(format!("{what}: the server returned no task id")))
}

/// LIMIT: tasks looked at when a typed UPID has to be matched against the list.
const UPID_LOOKUP: u64 = 1000;

/// The server's prune decisions as the rows a local prune gives.
fn decision_rows(reply: &Value) -> Option<Vec<[String; 2]>> {
    reply
        .as_array()?
        .iter()
        .map(|item| {
            let ty = item.get("backup-type")?.as_str()?;
            let id = item.get("backup-id")?.as_str()?;
            let time = item.get("backup-time")?.as_i64()?;
            let snapshot = SnapshotRef::new(BackupGroup::parse(&format!("{ty}/{id}")).ok()?, time);
            let decision = match (item.get("keep")?.as_bool()?, item["protected"].as_bool()) {
                (_, Some(true)) => "protected",
                (true, _) => "keep",
                (false, _) => "remove",
            };
            Some([snapshot.to_string(), decision.to_string()])
        })
        .collect()
}

impl Maintenance for RemoteRepository {
    /// Starts the server's garbage collection.
    fn garbage_collect(&self, _job: &mut Job<'_>) -> Result<GcOutcome> {
        let reply = self
            .store_call(Method::POST, "gc", None)
            .map_err(|e| MaintenanceError::step("gc", e))?;
        Ok(GcOutcome::Started(upid_of(&reply, "gc")?))
    }

    /// Starts a server task for the snapshot, group or whole namespace. As the local verify,
    /// every snapshot is read again, not only those never verified (the server's default skips
    /// snapshots whose last verification passed).
    fn verify(
        &self,
        ns: &Namespace,
        target: &VerifyTarget,
        _prepare: VerifyPrepare<'_>,
    ) -> Result<VerifyOutcome> {
        let mut p = json!({ "ignore-verified": false });
        if !ns.is_root() {
            p["ns"] = json!(ns.to_string());
        }
        match &target.scope {
            VerifyScope::All => {}
            VerifyScope::Snapshot(s) => {
                p["backup-type"] = json!(s.group.ty.as_str());
                p["backup-id"] = json!(s.group.id);
                p["backup-time"] = json!(s.time);
            }
            VerifyScope::Group(g) => {
                p["backup-type"] = json!(g.ty.as_str());
                p["backup-id"] = json!(g.id);
            }
        }
        let reply = self
            .store_call(Method::POST, "verify", Some(p))
            .map_err(|e| MaintenanceError::step(target.what(), e))?;
        Ok(VerifyOutcome::Started(upid_of(&reply, "verify")?))
    }

    /// The server decides and removes: as a task when asked (its log is followed), otherwise
    /// the decisions come back directly.
    fn prune(
        &self,
        ns: &Namespace,
        group: &BackupGroup,
        request: &PruneRequest,
    ) -> Result<PruneOutcome> {
        let k = &request.keep;
        let keep = [
            ("keep-last", k.keep_last),
            ("keep-hourly", k.keep_hourly),
            ("keep-daily", k.keep_daily),
            ("keep-weekly", k.keep_weekly),
            ("keep-monthly", k.keep_monthly),
            ("keep-yearly", k.keep_yearly),
        ];
        let reply = self
            .prune_group(ns, group, &keep, request.dry_run, request.as_task)
            .map_err(|e| MaintenanceError::step(format!("prune {group}"), e))?;
        if request.as_task {
            let upid = reply.as_str().ok_or_else(|| {
                MaintenanceError::Answer("prune: the server returned no task id".into())
            })?;
            return Ok(PruneOutcome::Started(upid.to_string()));
        }
        Ok(PruneOutcome::Decided {
            rows: decision_rows(&reply),
            json: reply,
            unreadable: Vec::new(),
        })
    }

    fn status(&self) -> Result<StoreStatus> {
        let v = self.store_call(Method::GET, "status", Some(json!({"verbose": true})))?;
        let n = |k: &str| v.get(k).and_then(Value::as_u64).unwrap_or(0);
        Ok(StoreStatus {
            label: self.prompt(),
            total: n("total"),
            used: n("used"),
            avail: n("avail"),
            gc_status: v.get("gc-status").cloned().unwrap_or(Value::Null),
            json: v,
        })
    }

    fn task_list(&self, query: TaskQuery) -> Result<Value> {
        let mut p = json!({
            "start": 0,
            "limit": query.limit,
            "store": self.repo().store,
            "running": query.running_only,
        });
        if !query.all_users {
            p["userfilter"] = json!(self.repo().auth_id());
        }
        Ok(self.call(Method::GET, "/api2/json/nodes/localhost/tasks", Some(p))?)
    }

    /// Worker ids escape `:` and `/` as `\x3a`, `\x2f`, and an unquoted shell word loses those
    /// backslashes (`store1x3ahost-web1`): such a UPID is matched against the server's task
    /// list with the backslashes dropped. Anything else is taken as it is.
    fn resolve_upid(&self, typed: &str) -> Result<String> {
        if typed.contains('\\') || !typed.starts_with("UPID:") {
            return Ok(typed.to_string());
        }
        let p = json!({"start": 0, "limit": UPID_LOOKUP});
        let Ok(v) = self.call(Method::GET, "/api2/json/nodes/localhost/tasks", Some(p)) else {
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

    fn task_log(&self, upid: &str, start: u64) -> Result<Value> {
        Ok(self.call(
            Method::GET,
            &task_path(upid, "/log"),
            Some(json!({"start": start, "limit": 500, "test-status": true})),
        )?)
    }

    fn task_status(&self, upid: &str) -> Result<Value> {
        Ok(self.call(Method::GET, &task_path(upid, "/status"), None)?)
    }

    fn stop_task(&self, upid: &str) -> Result<()> {
        self.call(Method::DELETE, &task_path(upid, ""), None)?;
        Ok(())
    }

    fn login(&self) -> Result<String> {
        RemoteRepository::login(self, true)?;
        Ok(self.repo().auth_id().to_string())
    }

    fn logout(&self) -> Result<bool> {
        Ok(RemoteRepository::logout(self))
    }

    fn server_version(&self) -> Result<Value> {
        Ok(self.call(Method::GET, "/api2/json/version", None)?)
    }

    fn upload_speed_test(&self) -> Result<Box<dyn UploadSpeedTest + '_>> {
        Ok(Box::new(move |duration: std::time::Duration| {
            self.upload_speedtest(duration)
                .map_err(|e| EngineError::Repo(e.into()))
        }))
    }
}
