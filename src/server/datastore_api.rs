//! `/api2/json/admin/datastore/…`: list, status, namespaces, groups, snapshots, notes,
//! protection, client log, prune, garbage collection and verify, with PBS's JSON shapes.
//!
//! Non-admin callers see and change only groups they own (protocol.md §9). Long operations run
//! as tasks on blocking threads; the handlers only check, route and encode.

use super::auth::Principal;
use super::params::Params;
use super::{blocking, ApiError, ApiResult, GcRecord, Reply, ServerState};
use crate::engine::prune::{compute_prune_info_keeping_unreadable, KeepOptions, PruneCandidate};
use crate::format::blob;
use crate::format::limits;
use crate::format::manifest::{Manifest, MANIFEST_BLOB_NAME};
use crate::protocol::{
    BackupContent, Counts, DataStoreListItem, DataStoreStatus, GarbageCollectionStatus,
    GcJobStatus, GroupListItem, NamespaceListItem, PruneListItem, SnapshotListItem,
};
use crate::repo::local::LocalDatastore;
use crate::repo::types::{BackupGroup, BackupType, Namespace, SnapshotRef, MAX_NAMESPACE_DEPTH};
use crate::repo::{RepoError, Repository, SnapshotInfo};
use bytes::Bytes;
use http::Method;
use serde_json::{json, Value};
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

const NS: &str = "ns";

/// PBS's owner check for data access: admins pass, others must own the group.
pub fn check_access(
    store: &LocalDatastore,
    ns: &Namespace,
    group: &BackupGroup,
    p: &Principal,
) -> ApiResult<()> {
    let owner = store.owner(ns, group);
    if !store.group_exists(ns, group) {
        return Err(ApiError::bad(format!(
            "backup group {group} does not exist"
        )));
    }
    if p.may_access(owner.as_deref()) {
        Ok(())
    } else {
        Err(ApiError::bad(format!(
            "backup owner check failed ({} != {})",
            p.authid,
            owner.unwrap_or_default()
        )))
    }
}

fn with_keys(extra: &[&'static str], base: &[&'static str]) -> Vec<&'static str> {
    let mut v: Vec<&'static str> = base.to_vec();
    v.extend_from_slice(extra);
    v.push("store");
    v
}

/// Dispatches `…/admin/datastore/{store}/{rest}`; `list` is the bare `/admin/datastore`.
/// One request to a datastore's API, as its handler gets it: the server, the caller, the
/// store (by name and open) and the request's parameters, already checked against the route's
/// list.
struct Call {
    state: Arc<ServerState>,
    p: Principal,
    store_name: String,
    store: LocalDatastore,
    params: Params,
}

type Handler = fn(Call) -> Pin<Box<dyn Future<Output = ApiResult<Reply>> + Send>>;

/// One route below `/admin/datastore/{store}`: its method, path and the parameters it takes
/// besides `store`; `params` is also what the router enforces.
struct Route {
    method: Method,
    path: &'static str,
    params: &'static [&'static str],
    handler: Handler,
}

const fn entry(
    method: Method,
    path: &'static str,
    params: &'static [&'static str],
    handler: Handler,
) -> Route {
    Route {
        method,
        path,
        params,
        handler,
    }
}

const SNAPSHOT: &[&str] = &["backup-type", "backup-id", "backup-time", NS];
const GROUP_NS: &[&str] = &["backup-type", "backup-id", NS];
const KEEP: [&str; 6] = [
    "keep-last",
    "keep-hourly",
    "keep-daily",
    "keep-weekly",
    "keep-monthly",
    "keep-yearly",
];

/// Every route of a datastore, with its parameter list (PBS's schema for each).
#[rustfmt::skip]
static ROUTES: &[Route] = &[
    entry(Method::GET, "status", &["verbose"], |c| Box::pin(get_status(c))),
    entry(Method::GET, "groups", &[NS], |c| Box::pin(get_groups(c))),
    entry(Method::DELETE, "groups", GROUP_NS, |c| Box::pin(delete_group(c))),
    entry(Method::GET, "snapshots", GROUP_NS, |c| Box::pin(get_snapshots(c))),
    entry(Method::DELETE, "snapshots", SNAPSHOT, |c| Box::pin(delete_snapshot(c))),
    entry(Method::GET, "files", SNAPSHOT, |c| Box::pin(get_files(c))),
    entry(Method::GET, "notes", SNAPSHOT, |c| Box::pin(get_notes(c))),
    entry(Method::PUT, "notes", &["backup-type", "backup-id", "backup-time", NS, "notes"], |c| Box::pin(put_notes(c))),
    entry(Method::GET, "protected", SNAPSHOT, |c| Box::pin(get_protected(c))),
    entry(Method::PUT, "protected", &["backup-type", "backup-id", "backup-time", NS, "protected"], |c| Box::pin(put_protected(c))),
    entry(Method::POST, "prune", &["backup-type", "backup-id", NS, "dry-run", "use-task", "max-depth", KEEP[0], KEEP[1], KEEP[2], KEEP[3], KEEP[4], KEEP[5]], |c| Box::pin(prune(c))),
    entry(Method::POST, "change-owner", &["backup-type", "backup-id", NS, "new-owner"], |c| Box::pin(change_owner(c))),
    entry(Method::POST, "gc", &[], |c| Box::pin(post_gc(c))),
    entry(Method::GET, "gc", &[], |c| Box::pin(get_gc(c))),
    entry(Method::POST, "verify", &["backup-type", "backup-id", "backup-time", NS, "ignore-verified", "outdated-after", "max-depth"], |c| Box::pin(verify(c))),
    entry(Method::GET, "namespace", &["parent", "max-depth"], |c| Box::pin(get_namespaces(c))),
    entry(Method::POST, "namespace", &["name", "parent"], |c| Box::pin(post_namespace(c))),
    entry(Method::DELETE, "namespace", &[NS, "delete-groups"], |c| Box::pin(delete_namespace(c))),
];

/// The subdirectories a datastore lists: every routed path, and the client log upload.
fn subdirs() -> Vec<Value> {
    let mut names: Vec<&str> = ROUTES.iter().map(|r| r.path).collect();
    names.push("upload-backup-log");
    names.sort_unstable();
    names.dedup();
    names.into_iter().map(|n| json!({ "subdir": n })).collect()
}

pub async fn route(
    state: &Arc<ServerState>,
    p: &Principal,
    method: &Method,
    rest: &[&str],
    params: Params,
    list: bool,
) -> ApiResult<Reply> {
    if list {
        if *method != Method::GET {
            return Err(ApiError::not_found("/admin/datastore"));
        }
        params.allow(&[])?;
        let stores: Vec<DataStoreListItem> = state
            .datastores
            .keys()
            .map(|name| DataStoreListItem {
                store: name.clone(),
                comment: None,
            })
            .collect();
        return Reply::typed(&stores);
    }
    let store_name = params.str("store")?.to_string();
    let store = state.datastore(&store_name)?.clone();
    let route = match rest {
        [] if *method == Method::GET => return Ok(Reply::data(Value::Array(subdirs()))),
        [path] => ROUTES
            .iter()
            .find(|r| r.method == *method && r.path == *path),
        _ => None,
    };
    let Some(route) = route else {
        return Err(ApiError::not_found(&format!(
            "/admin/datastore/{store_name}/{}",
            rest.join("/")
        )));
    };
    params.allow(&with_keys(route.params, &[]))?;
    (route.handler)(Call {
        state: state.clone(),
        p: p.clone(),
        store_name,
        store,
        params,
    })
    .await
}

async fn get_status(c: Call) -> ApiResult<Reply> {
    let verbose = c.params.opt_bool("verbose")?.unwrap_or(false);
    status(&c.state, &c.store_name, &c.store, verbose).await
}

async fn get_groups(c: Call) -> ApiResult<Reply> {
    let ns = c.params.ns(NS)?;
    blocking(move || list_groups(&c.store, &ns, &c.p)).await
}

async fn delete_group(c: Call) -> ApiResult<Reply> {
    let (ns, group) = (c.params.ns(NS)?, c.params.group()?);
    blocking(move || {
        check_access(&c.store, &ns, &group, &c.p)?;
        match c.store.forget_group(&ns, &group) {
            Ok(()) => Ok(Reply::data(Value::Null)),
            Err(RepoError::Refused(m)) if m.contains("protected") => Err(ApiError::bad(
                "group only partially deleted due to protected snapshots",
            )),
            Err(e) => Err(e.into()),
        }
    })
    .await
}

async fn get_snapshots(c: Call) -> ApiResult<Reply> {
    let ns = c.params.ns(NS)?;
    let ty = c
        .params
        .opt_str("backup-type")?
        .map(BackupType::parse)
        .transpose()
        .map_err(|e| ApiError::bad(e.to_string()))?;
    let id = c.params.opt_str("backup-id")?.map(str::to_string);
    blocking(move || list_snapshots(&c.store, &ns, ty, id.as_deref(), &c.p)).await
}

/// Runs `f` on a blocking thread once the caller may access `snap`'s group.
async fn with_snapshot<F>(c: Call, f: F) -> ApiResult<Reply>
where
    F: FnOnce(&LocalDatastore, &Namespace, &SnapshotRef) -> ApiResult<Reply> + Send + 'static,
{
    let (ns, snap) = (c.params.ns(NS)?, c.params.snapshot()?);
    blocking(move || {
        check_access(&c.store, &ns, &snap.group, &c.p)?;
        f(&c.store, &ns, &snap)
    })
    .await
}

async fn delete_snapshot(c: Call) -> ApiResult<Reply> {
    with_snapshot(c, |store, ns, snap| {
        store.forget_snapshot(ns, snap)?;
        Ok(Reply::data(Value::Null))
    })
    .await
}

async fn get_files(c: Call) -> ApiResult<Reply> {
    with_snapshot(c, |store, ns, snap| {
        let (manifest, size) = store.read_manifest(ns, snap)?;
        let info = SnapshotInfo {
            snapshot: snap.clone(),
            manifest,
            manifest_size: size,
            protected: false,
            owner: None,
            manifest_error: None,
        };
        Reply::typed(&snapshot_files(store, ns, &info).0)
    })
    .await
}

async fn get_notes(c: Call) -> ApiResult<Reply> {
    with_snapshot(c, |store, ns, snap| {
        let (m, _) = store.read_manifest(ns, snap)?;
        let notes = m
            .unprotected
            .get("notes")
            .and_then(Value::as_str)
            .unwrap_or("");
        Ok(Reply::data(json!(notes)))
    })
    .await
}

async fn put_notes(c: Call) -> ApiResult<Reply> {
    let notes = c.params.str("notes")?.to_string();
    with_snapshot(c, move |store, ns, snap| {
        let (mut m, _) = store.read_manifest(ns, snap)?;
        m.set_unprotected("notes", json!(notes));
        write_manifest(store, ns, snap, &m)?;
        Ok(Reply::data(Value::Null))
    })
    .await
}

async fn get_protected(c: Call) -> ApiResult<Reply> {
    with_snapshot(c, |store, ns, snap| {
        Ok(Reply::data(json!(store.is_protected(ns, snap)?)))
    })
    .await
}

async fn put_protected(c: Call) -> ApiResult<Reply> {
    let protected = c
        .params
        .opt_bool("protected")?
        .ok_or_else(|| ApiError::bad("parameter 'protected': is missing"))?;
    with_snapshot(c, move |store, ns, snap| {
        store.set_protected(ns, snap, protected)?;
        Ok(Reply::data(Value::Null))
    })
    .await
}

async fn post_gc(c: Call) -> ApiResult<Reply> {
    if !c.p.admin {
        return Err(ApiError::forbidden());
    }
    start_gc(&c.state, &c.p, c.store_name, c.store).await
}

async fn get_gc(c: Call) -> ApiResult<Reply> {
    if !c.p.admin {
        return Err(ApiError::forbidden());
    }
    let rec = c
        .state
        .gc_status
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .get(&c.store_name)
        .cloned();
    let mut v = GcJobStatus {
        store: c.store_name,
        ..GcJobStatus::default()
    };
    if let Some(rec) = rec {
        v.status = gc_status(&rec);
        v.last_run_endtime = Some(rec.endtime);
        v.last_run_state = Some(rec.state);
    }
    Reply::typed(&v)
}

async fn get_namespaces(c: Call) -> ApiResult<Reply> {
    let parent = c.params.ns("parent")?;
    let depth = c
        .params
        .opt_int("max-depth", 0, MAX_NAMESPACE_DEPTH as i64)?;
    let store = c.store;
    blocking(move || {
        if !store.namespace_exists(&parent) {
            return Err(ApiError::bad(format!("namespace '{parent}' not found")));
        }
        let item = |ns: &Namespace| NamespaceListItem {
            ns: ns.to_string(),
            comment: None,
        };
        let mut out = vec![item(&parent)];
        let mut stack = vec![(parent, 0usize)];
        while let Some((ns, d)) = stack.pop() {
            if depth.is_some_and(|m| d as i64 >= m) {
                continue;
            }
            for child in store.list_namespaces(&ns)? {
                out.push(item(&child));
                stack.push((child, d + 1));
            }
        }
        out.sort_by(|a, b| a.ns.cmp(&b.ns));
        Reply::typed(&out)
    })
    .await
}

async fn post_namespace(c: Call) -> ApiResult<Reply> {
    if !c.p.admin {
        return Err(ApiError::forbidden());
    }
    let parent = c.params.ns("parent")?;
    let name = c.params.str("name")?.to_string();
    let ns = parent
        .child(&name)
        .map_err(|e| ApiError::bad(e.to_string()))?;
    let store = c.store;
    blocking(move || {
        if store.namespace_exists(&ns) {
            return Err(ApiError::bad(format!("namespace '{ns}' already exists")));
        }
        store.create_namespace(&ns)?;
        Ok(Reply::data(json!(ns.to_string())))
    })
    .await
}

async fn delete_namespace(c: Call) -> ApiResult<Reply> {
    if !c.p.admin {
        return Err(ApiError::forbidden());
    }
    let ns = c.params.ns(NS)?;
    let delete_groups = c.params.opt_bool("delete-groups")?.unwrap_or(false);
    let store = c.store;
    blocking(move || match store.delete_namespace(&ns, delete_groups) {
        Ok(()) => Ok(Reply::data(Value::Null)),
        // PBS's words for a namespace that still holds groups.
        Err(RepoError::Refused(_)) if !delete_groups && !ns.is_root() => Err(ApiError::bad(
            "only partially deleted due to existing groups but `delete-groups` not true ",
        )),
        Err(e) => Err(e.into()),
    })
    .await
}

fn write_manifest(
    store: &LocalDatastore,
    ns: &Namespace,
    snap: &SnapshotRef,
    m: &Manifest,
) -> ApiResult<()> {
    let json = m
        .to_json_bytes()
        .map_err(|e| ApiError::internal(e.to_string()))?;
    let raw = blob::encode(&json, None, true).map_err(|e| ApiError::internal(e.to_string()))?;
    store.update_manifest(ns, snap, &raw)?;
    Ok(())
}

/// A file the manifest does not name: no crypt mode, no size.
fn unlisted_file(filename: String) -> BackupContent {
    BackupContent {
        filename,
        crypt_mode: None,
        size: None,
    }
}

/// BackupContent items of a snapshot and their total size.
fn snapshot_files(
    store: &LocalDatastore,
    ns: &Namespace,
    info: &SnapshotInfo,
) -> (Vec<BackupContent>, u64) {
    let m = &info.manifest;
    let mut files: Vec<BackupContent> = m
        .files
        .iter()
        .map(|f| BackupContent {
            filename: f.filename.clone(),
            crypt_mode: Some(f.crypt_mode.as_str().to_string()),
            size: Some(f.size),
        })
        .collect();
    let manifest_mode = if m.signature.is_some() {
        "sign-only"
    } else {
        "none"
    };
    files.push(BackupContent {
        filename: MANIFEST_BLOB_NAME.to_string(),
        crypt_mode: Some(manifest_mode.to_string()),
        size: Some(info.manifest_size),
    });
    for name in store.snapshot_files(ns, &info.snapshot) {
        if name != MANIFEST_BLOB_NAME && m.file(&name).is_none() {
            files.push(unlisted_file(name));
        }
    }
    (files, info.total_size())
}

fn snapshot_item(store: &LocalDatastore, ns: &Namespace, info: &SnapshotInfo) -> SnapshotListItem {
    let mut item = SnapshotListItem {
        backup_type: info.snapshot.group.ty.as_str().to_string(),
        backup_id: info.snapshot.group.id.clone(),
        backup_time: info.snapshot.time,
        comment: None,
        verification: None,
        fingerprint: None,
        files: Vec::new(),
        size: None,
        owner: info.owner.clone(),
        protected: info.protected,
    };
    if !info.is_readable() {
        // As PBS lists a snapshot whose manifest it cannot load: its files, no size.
        item.files = store
            .snapshot_files(ns, &info.snapshot)
            .into_iter()
            .map(unlisted_file)
            .collect();
        return item;
    }
    let (files, size) = snapshot_files(store, ns, info);
    let m = &info.manifest;
    item.files = files;
    item.size = Some(size);
    if let Some(notes) = m.unprotected.get("notes").and_then(Value::as_str) {
        item.comment = notes.lines().next().map(str::to_string);
    }
    if let Some(state) = m.unprotected.get("verify_state") {
        if state.get("state").is_some() {
            item.verification = Some(state.clone());
        }
    }
    item.fingerprint = m.key_fingerprint().map(|fp| fp.to_string());
    item
}

fn list_groups(store: &LocalDatastore, ns: &Namespace, p: &Principal) -> ApiResult<Reply> {
    if !store.namespace_exists(ns) {
        return Err(ApiError::bad(format!("namespace '{ns}' not found")));
    }
    let mut out = Vec::new();
    for g in store.list_groups(ns)? {
        let Some(last) = g.last_backup else { continue };
        if !p.may_access(g.owner.as_deref()) {
            continue;
        }
        let last_snap = SnapshotRef::new(g.group.clone(), last);
        out.push(GroupListItem {
            backup_type: g.group.ty.as_str().to_string(),
            backup_id: g.group.id.clone(),
            last_backup: last,
            backup_count: g.snapshot_count as u64,
            files: store.snapshot_files(ns, &last_snap),
            owner: g.owner.clone(),
            comment: store
                .group_notes(ns, &g.group)
                .and_then(|notes| notes.lines().next().map(str::to_string)),
        });
    }
    Reply::typed(&out)
}

fn list_snapshots(
    store: &LocalDatastore,
    ns: &Namespace,
    ty: Option<BackupType>,
    id: Option<&str>,
    p: &Principal,
) -> ApiResult<Reply> {
    if !store.namespace_exists(ns) {
        return Err(ApiError::bad(format!("namespace '{ns}' not found")));
    }
    let group = match (ty, id) {
        (Some(ty), Some(id)) => {
            Some(BackupGroup::new(ty, id).map_err(|e| ApiError::bad(e.to_string()))?)
        }
        _ => None,
    };
    let mut out = Vec::new();
    for info in store.list_snapshots(ns, group.as_ref())? {
        let g = &info.snapshot.group;
        if ty.is_some_and(|t| t != g.ty) || id.is_some_and(|i| i != g.id) {
            continue;
        }
        if !p.may_access(info.owner.as_deref()) {
            continue;
        }
        out.push(snapshot_item(store, ns, &info));
    }
    Reply::typed(&out)
}

async fn status(
    state: &Arc<ServerState>,
    name: &str,
    store: &LocalDatastore,
    verbose: bool,
) -> ApiResult<Reply> {
    let space = {
        let store = store.clone();
        blocking(move || store.space().map_err(|e| ApiError::internal(e.to_string()))).await?
    };
    let mut v = DataStoreStatus {
        total: space.total,
        used: space.used,
        avail: space.avail,
        counts: None,
        gc_status: None,
    };
    if verbose {
        let store = store.clone();
        let counts = blocking(move || {
            let mut counts = Counts::default();
            for g in store.list_groups(&Namespace::root())? {
                let entry = counts.entry(g.group.ty.as_str());
                entry.groups += 1;
                entry.snapshots += g.snapshot_count as u64;
            }
            Ok(counts)
        })
        .await?;
        v.counts = Some(counts);
        v.gc_status = state
            .gc_status
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(name)
            .map(gc_status);
    }
    Reply::typed(&v)
}

fn gc_status(rec: &GcRecord) -> GarbageCollectionStatus {
    let mut v = GarbageCollectionStatus {
        upid: Some(rec.upid.clone()),
        ..GarbageCollectionStatus::default()
    };
    if let Some(s) = &rec.stats {
        v.index_file_count = Some(s.index_file_count);
        v.index_data_bytes = Some(s.index_data_bytes);
        v.disk_bytes = Some(s.disk_bytes);
        v.disk_chunks = Some(s.disk_chunks);
        v.removed_bytes = Some(s.removed_bytes);
        v.removed_chunks = Some(s.removed_chunks);
        v.pending_bytes = Some(s.pending_bytes);
        v.pending_chunks = Some(s.pending_chunks);
        v.removed_bad = Some(s.removed_bad);
        v.still_bad = Some(s.still_bad);
    }
    v
}

async fn start_gc(
    state: &Arc<ServerState>,
    p: &Principal,
    name: String,
    store: LocalDatastore,
) -> ApiResult<Reply> {
    let task = state
        .tasks
        .start_async("garbage_collection", &name, &p.authid)
        .await
        .map_err(|e| ApiError::internal(format!("cannot start task: {e}")))?;
    let upid = task.upid.clone();
    let st = state.clone();
    tokio::task::spawn_blocking(move || {
        task.log(format!("starting garbage collection on store {name}"));
        let result = crate::engine::gc::garbage_collect_unless(&store, super::now_epoch(), &|| {
            task.is_aborted()
        });
        let (stats, outcome) = match result {
            Ok(s) => {
                task.log(format!(
                    "Removed garbage: {} bytes ({} chunks)\nPending removals: {} bytes ({} chunks)\nOriginal data usage: {} bytes\nOn-Disk chunks: {} ({} bytes)",
                    s.removed_bytes, s.removed_chunks, s.pending_bytes, s.pending_chunks,
                    s.index_data_bytes, s.disk_chunks, s.disk_bytes
                ));
                for line in crate::engine::gc::warning_lines(&s) {
                    task.log(format!("WARN: {line}"));
                }
                let outcome = match crate::engine::gc::withheld_sweep(&s) {
                    Some(why) => Err(why),
                    None => Ok(()),
                };
                (Some(s), outcome)
            }
            Err(e) => (
                None,
                Err(task.check_abort().err().unwrap_or_else(|| e.to_string())),
            ),
        };
        let state_text = if outcome.is_ok() { "ok" } else { "error" }.to_string();
        st.gc_status
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(
                name,
                GcRecord {
                    upid: task.upid.clone(),
                    stats,
                    endtime: super::now_epoch(),
                    state: state_text,
                },
            );
        task.finish(outcome);
    });
    Ok(Reply::data(json!(upid)))
}

async fn verify(c: Call) -> ApiResult<Reply> {
    let Call {
        state,
        p,
        store_name: name,
        store,
        params,
    } = c;
    let (state, p) = (&state, &p);
    let ns = params.ns(NS)?;
    let group =
        if params.opt_str("backup-type")?.is_some() || params.opt_str("backup-id")?.is_some() {
            Some(params.group()?)
        } else {
            None
        };
    let time = params.opt_int("backup-time", 1, i64::MAX)?;
    if time.is_some() && group.is_none() {
        return Err(ApiError::bad("backup-time needs backup-type and backup-id"));
    }
    let ignore_verified = params.opt_bool("ignore-verified")?.unwrap_or(true);
    let outdated_after = params.opt_int("outdated-after", 0, i64::MAX)?;
    match &group {
        Some(g) => check_access(&store, &ns, g, p)?,
        None if !p.admin => return Err(ApiError::forbidden()),
        None => {}
    }
    let worker_id = match (&group, time) {
        (Some(g), Some(t)) => format!("{name}:{}", SnapshotRef::new(g.clone(), t)),
        (Some(g), None) => format!("{name}:{g}"),
        _ => name.clone(),
    };
    let task = state
        .tasks
        .start_async("verify", &worker_id, &p.authid)
        .await
        .map_err(|e| ApiError::internal(format!("cannot start task: {e}")))?;
    let upid = task.upid.clone();
    tokio::task::spawn_blocking(move || {
        let run = || -> Result<(), String> {
            let infos = store
                .list_snapshots(&ns, group.as_ref())
                .map_err(|e| e.to_string())?;
            let now = super::now_epoch();
            let snaps: Vec<SnapshotRef> = infos
                .into_iter()
                .filter(|i| time.is_none_or(|t| i.snapshot.time == t))
                .filter(|i| {
                    if time.is_some() || !ignore_verified {
                        return true;
                    }
                    let state = i.manifest.unprotected.get("verify_state");
                    let ok =
                        state.and_then(|s| s.get("state")).and_then(Value::as_str) == Some("ok");
                    let fresh = match (
                        outdated_after,
                        state.and_then(|s| s.get("upid")).and_then(Value::as_str),
                    ) {
                        (Some(days), Some(u)) => super::tasks::Upid::parse(u).is_some_and(|u| {
                            now.saturating_sub(u.starttime) < days.saturating_mul(86400)
                        }),
                        (Some(_), None) => false,
                        (None, _) => true,
                    };
                    !(ok && fresh)
                })
                .map(|i| i.snapshot)
                .collect();
            task.log(format!(
                "verify datastore {name}: {} snapshot(s)",
                snaps.len()
            ));
            // One engine pass per group, with a look at `task stop` between groups; the chunk
            // verdicts are shared by the whole job, so a chunk is read once however many groups
            // use it.
            let mut batches: Vec<Vec<SnapshotRef>> = Vec::new();
            for snap in snaps {
                match batches.last_mut() {
                    Some(b) if b[0].group == snap.group => b.push(snap),
                    _ => batches.push(vec![snap]),
                }
            }
            let mut failed = 0;
            let mut checked = crate::engine::verify::ChunkVerdicts::new();
            for batch in &batches {
                // Tests hold the task here (`serve.verify.group=gate@FILE`) to stop or follow it.
                crate::util::failpoint::failpoint_unless("serve.verify.group", &|| {
                    task.is_aborted()
                })
                .map_err(|e| e.to_string())?;
                task.check_abort()?;
                let report = crate::engine::verify::verify_snapshots_sharing(
                    &store,
                    &ns,
                    batch,
                    None,
                    &mut checked,
                )
                .map_err(|e| e.to_string())?;
                failed += report.failed();
                for verdict in &report.snapshots {
                    // Record this task's UPID as the verification's, as PBS does.
                    if let Ok((mut m, _)) = store.read_manifest(&ns, &verdict.snapshot) {
                        let st = if verdict.errors.is_empty() {
                            "ok"
                        } else {
                            "failed"
                        };
                        m.set_unprotected("verify_state", json!({"state": st, "upid": task.upid}));
                        let _ = write_manifest(&store, &ns, &verdict.snapshot, &m);
                    }
                    if verdict.errors.is_empty() {
                        task.log(format!("verified {}: ok", verdict.snapshot));
                    } else {
                        for e in &verdict.errors {
                            task.log(format!("verify {} failed: {e}", verdict.snapshot));
                        }
                    }
                }
            }
            if failed > 0 {
                task.log(format!(
                    "Failed to verify the following snapshots/groups ({failed}):"
                ));
                return Err("verification failed - please check the log for details".into());
            }
            Ok(())
        };
        let result = run();
        task.finish(result);
    });
    Ok(Reply::data(json!(upid)))
}

async fn prune(c: Call) -> ApiResult<Reply> {
    let Call {
        state,
        p,
        store_name: name,
        store,
        params,
    } = c;
    let (state, p) = (&state, &p);
    let ns = params.ns(NS)?;
    let group = params.group()?;
    let store = {
        let (store, ns, group, p) = (store.clone(), ns.clone(), group.clone(), p.clone());
        blocking(move || check_access(&store, &ns, &group, &p).map(|()| store)).await?
    };
    let get = |k: &str| -> ApiResult<Option<u64>> {
        Ok(params.opt_int(k, 1, 1 << 32)?.map(|v| v as u64))
    };
    let options = KeepOptions {
        keep_last: get("keep-last")?,
        keep_hourly: get("keep-hourly")?,
        keep_daily: get("keep-daily")?,
        keep_weekly: get("keep-weekly")?,
        keep_monthly: get("keep-monthly")?,
        keep_yearly: get("keep-yearly")?,
    };
    let dry_run = params.opt_bool("dry-run")?.unwrap_or(false);
    let use_task = params.opt_bool("use-task")?.unwrap_or(false);
    let run = move |task: Option<&super::tasks::Task>| -> ApiResult<Value> {
        let infos = store.list_snapshots(&ns, Some(&group))?;
        let candidates: Vec<PruneCandidate> = infos
            .iter()
            .map(|i| PruneCandidate {
                backup_time: i.snapshot.time,
                protected: i.protected,
            })
            .collect();
        let unreadable: Vec<bool> = infos.iter().map(|i| !i.is_readable()).collect();
        let marks = compute_prune_info_keeping_unreadable(
            &candidates,
            &unreadable,
            &options,
            &chrono::Local,
        );
        let mut items = Vec::new();
        let mut pairs: Vec<_> = infos.iter().zip(marks.iter()).collect();
        pairs.sort_by_key(|p| std::cmp::Reverse(p.0.snapshot.time));
        for (info, mark) in &pairs {
            let item = PruneListItem {
                backup_type: info.snapshot.group.ty.as_str().to_string(),
                backup_id: info.snapshot.group.id.clone(),
                backup_time: info.snapshot.time,
                keep: mark.keep(),
                protected: mark.protected(),
                ns: (!ns.is_root()).then(|| ns.to_string()),
            };
            if let Some(t) = task {
                t.log(match &info.manifest_error {
                    Some(e) => format!("{} keep (unreadable manifest: {e})", info.snapshot),
                    None => format!(
                        "{} {}",
                        info.snapshot,
                        if mark.keep() { "keep" } else { "remove" }
                    ),
                });
            }
            items.push(item);
        }
        if !dry_run {
            // Deletion goes oldest first.
            for (info, mark) in pairs.iter().rev() {
                if let Some(t) = task {
                    t.check_abort().map_err(ApiError::bad)?;
                }
                if !mark.keep() {
                    store.forget_snapshot(&ns, &info.snapshot)?;
                }
            }
        }
        serde_json::to_value(&items)
            .map_err(|e| ApiError::internal(format!("cannot encode the reply: {e}")))
    };
    // A dry run answers at once, task or not, as PBS does.
    if use_task && !dry_run {
        let task = state
            .tasks
            .start_async("prune", &format!("{name}:{}", params.group()?), &p.authid)
            .await
            .map_err(|e| ApiError::internal(format!("cannot start task: {e}")))?;
        let upid = task.upid.clone();
        tokio::task::spawn_blocking(move || {
            let r = run(Some(&task)).map(|_| ()).map_err(|e| e.message);
            task.finish(r);
        });
        return Ok(Reply::data(json!(upid)));
    }
    if dry_run {
        return blocking(move || run(None).map(Reply::data)).await;
    }
    // A prune without `use-task` still leaves a task in the list, with the log of what it did.
    let task = state
        .tasks
        .start_async("prune", &format!("{name}:{}", params.group()?), &p.authid)
        .await
        .map_err(|e| ApiError::internal(format!("cannot start task: {e}")))?;
    blocking(move || {
        let result = run(Some(&task));
        task.finish(result.as_ref().map(|_| ()).map_err(|e| e.message.clone()));
        result.map(Reply::data)
    })
    .await
}

/// `POST change-owner`: PBS's rules. Admins may give a group to anyone; others only move a group
/// between themselves and their own API tokens.
async fn change_owner(c: Call) -> ApiResult<Reply> {
    let Call {
        state,
        p,
        store,
        params,
        ..
    } = c;
    let (state, p) = (&state, &p);
    let (ns, group) = (params.ns(NS)?, params.group()?);
    let new_owner = params.str("new-owner")?.to_string();
    let state = state.clone();
    let p = p.clone();
    blocking(move || {
        let owner = store.owner(&ns, &group);
        if owner.is_none() && !store.group_exists(&ns, &group) {
            return Err(ApiError::bad(format!("backup group {group} does not exist")));
        }
        if !p.admin {
            let owner = owner.unwrap_or_default();
            let user_of = |id: &str| id.split_once('!').map_or(id, |(u, _)| u).to_string();
            let allowed = match (owner.contains('!'), new_owner.contains('!')) {
                (true, true) => user_of(&owner) == user_of(&new_owner) && user_of(&owner) == p.authid,
                (true, false) => user_of(&owner) == p.authid && new_owner == p.authid,
                (false, true) => owner == p.authid && user_of(&new_owner) == p.authid,
                (false, false) => false,
            };
            if !allowed {
                return Err(ApiError::unauthorized(format!(
                    "{} does not have permission to change owner of backup group '{group}' to {new_owner}",
                    p.authid
                )));
            }
        }
        if !state.auth.authid_exists(&new_owner) {
            let kind = if new_owner.contains('!') { "API token" } else { "user" };
            return Err(ApiError::bad(format!(
                "{kind} '{new_owner}' is inactive or non-existent"
            )));
        }
        store.set_owner(&ns, &group, &new_owner)?;
        Ok(Reply::data(Value::Null))
    })
    .await
}

/// `POST upload-backup-log`: a DataBlob with a valid CRC stored as `client.log.blob`.
pub async fn upload_backup_log(
    state: &Arc<ServerState>,
    p: &Principal,
    params: Params,
    body: Bytes,
) -> ApiResult<Reply> {
    params.allow(&with_keys(
        &["backup-type", "backup-id", "backup-time", NS],
        &[],
    ))?;
    let store = state.datastore(params.str("store")?)?.clone();
    let (ns, snap) = (params.ns(NS)?, params.snapshot()?);
    let p = p.clone();
    blocking(move || {
        let owner = store.owner(&ns, &snap.group);
        if !owner.as_deref().is_some_and(|o| p.owns(o)) {
            return Err(ApiError::bad(format!(
                "backup owner check failed ({} != {})",
                p.authid,
                owner.unwrap_or_default()
            )));
        }
        if body.len() > limits::MAX_ENCODED_BLOB_SIZE {
            return Err(ApiError::bad("log blob too large"));
        }
        blob::check_header_and_crc(&body).map_err(|e| ApiError::bad(format!("client log: {e}")))?;
        if store.has_client_log(&ns, &snap) {
            return Err(ApiError::bad("backup already contains a log."));
        }
        store.upload_log(&ns, &snap, &body)?;
        Ok(Reply::data(Value::Null))
    })
    .await
}
