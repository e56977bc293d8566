//! `/admin/datastore/…`: the datastore list, status, namespaces, groups, snapshots and their
//! files, prune decisions and garbage collection status.

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// An item of `GET /admin/datastore`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DataStoreListItem {
    pub store: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
}

/// An item of `GET …/namespace`: `""` is the root.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NamespaceListItem {
    pub ns: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
}

/// An item of `GET …/groups`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct GroupListItem {
    pub backup_type: String,
    pub backup_id: String,
    /// The newest snapshot's time.
    pub last_backup: i64,
    pub backup_count: u64,
    /// The newest snapshot's files.
    #[serde(default)]
    pub files: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner: Option<String>,
    /// The first line of the group's notes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
}

/// A file of a snapshot (`GET …/files`, and `files` of a snapshot list item). A file the
/// manifest does not name has neither crypt mode nor size.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct BackupContent {
    pub filename: String,
    /// `none`, `encrypt` or `sign-only`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub crypt_mode: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub size: Option<u64>,
}

/// An item of `GET …/snapshots`. An unfinished snapshot, or one whose manifest cannot be read,
/// is listed without a size.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct SnapshotListItem {
    pub backup_type: String,
    pub backup_id: String,
    pub backup_time: i64,
    /// The first line of the snapshot's notes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
    /// The manifest's `verify_state` (`{"state": …, "upid": …}`), as it is.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub verification: Option<Value>,
    /// The encryption key's fingerprint.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fingerprint: Option<String>,
    #[serde(default)]
    pub files: Vec<BackupContent>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub size: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner: Option<String>,
    #[serde(default)]
    pub protected: bool,
}

/// An item of `POST …/prune`'s answer (without `use-task`, or with `dry-run`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct PruneListItem {
    pub backup_type: String,
    pub backup_id: String,
    pub backup_time: i64,
    pub keep: bool,
    #[serde(default)]
    pub protected: bool,
    /// Absent for the root namespace.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ns: Option<String>,
}

/// Groups and snapshots of one backup type (`counts` of the status).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TypeCounts {
    pub groups: u64,
    pub snapshots: u64,
}

/// `counts` of `GET …/status?verbose=1`: per backup type, only the types present.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Counts {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ct: Option<TypeCounts>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub host: Option<TypeCounts>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vm: Option<TypeCounts>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub other: Option<TypeCounts>,
}

impl Counts {
    /// The entry of backup type `ty` (`ct`, `host`, `vm`; anything else is `other`).
    pub fn entry(&mut self, ty: &str) -> &mut TypeCounts {
        let slot = match ty {
            "ct" => &mut self.ct,
            "host" => &mut self.host,
            "vm" => &mut self.vm,
            _ => &mut self.other,
        };
        slot.get_or_insert_with(TypeCounts::default)
    }
}

/// The last garbage collection of a datastore. Only `upid` when the run left no statistics
/// (it failed).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct GarbageCollectionStatus {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub upid: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub index_file_count: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub index_data_bytes: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub disk_bytes: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub disk_chunks: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub removed_bytes: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub removed_chunks: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pending_bytes: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pending_chunks: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub removed_bad: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub still_bad: Option<u64>,
}

/// `GET …/gc`: the store, its last run's status and how that run ended; only `store` when
/// no collection has run since the server started.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct GcJobStatus {
    pub store: String,
    #[serde(flatten)]
    pub status: GarbageCollectionStatus,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_run_endtime: Option<i64>,
    /// `ok` or `error`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_run_state: Option<String>,
}

/// `GET …/status`: space in bytes; with `verbose`, counts and the last GC's status.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct DataStoreStatus {
    pub total: u64,
    pub used: u64,
    pub avail: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub counts: Option<Counts>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gc_status: Option<GarbageCollectionStatus>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::test_util::round_trip;

    #[test]
    fn datastore_list() {
        round_trip::<Vec<DataStoreListItem>>(
            r#"[{"store":"store1"},{"store":"s2","comment":"c"}]"#,
        );
    }

    #[test]
    fn namespace_list() {
        round_trip::<Vec<NamespaceListItem>>(r#"[{"ns":""},{"ns":"a"},{"ns":"a/b"}]"#);
    }

    #[test]
    fn group_list() {
        round_trip::<Vec<GroupListItem>>(
            r#"[{"backup-type":"host","backup-id":"web1","last-backup":1700000000,
                 "backup-count":3,"files":["index.json.blob","root.pxar.didx"],
                 "owner":"alice@pbs","comment":"first line"},
                {"backup-type":"vm","backup-id":"100","last-backup":1700000100,
                 "backup-count":1,"files":[]}]"#,
        );
    }

    #[test]
    fn snapshot_files() {
        round_trip::<Vec<BackupContent>>(
            r#"[{"filename":"root.pxar.didx","crypt-mode":"encrypt","size":1234},
                {"filename":"index.json.blob","crypt-mode":"sign-only","size":512},
                {"filename":"client.log.blob"}]"#,
        );
    }

    #[test]
    fn snapshot_list() {
        round_trip::<Vec<SnapshotListItem>>(
            r#"[{"backup-type":"host","backup-id":"web1","backup-time":1700000000,
                 "files":[{"filename":"root.pxar.didx","crypt-mode":"none","size":10},
                          {"filename":"index.json.blob","crypt-mode":"none","size":300}],
                 "size":310,"protected":true,"owner":"alice@pbs","comment":"notes",
                 "verification":{"state":"ok","upid":"UPID:pbs:00000001:00000002:00000000:65000000:verify:store1:root@pam:"},
                 "fingerprint":"aa:bb"},
                {"backup-type":"ct","backup-id":"101","backup-time":1700000001,
                 "files":[{"filename":"index.json.blob"}],"protected":false}]"#,
        );
    }

    #[test]
    fn prune_list() {
        round_trip::<Vec<PruneListItem>>(
            r#"[{"backup-type":"host","backup-id":"a","backup-time":1700000000,"keep":true,"protected":false},
                {"backup-type":"host","backup-id":"a","backup-time":1600000000,"keep":false,
                 "protected":false,"ns":"dev"}]"#,
        );
    }

    #[test]
    fn datastore_status() {
        round_trip::<DataStoreStatus>(r#"{"total":1000,"used":400,"avail":600}"#);
        round_trip::<DataStoreStatus>(
            r#"{"total":1000,"used":400,"avail":600,
                "counts":{"host":{"groups":2,"snapshots":5},"vm":{"groups":1,"snapshots":1}},
                "gc-status":{"upid":"UPID:x","index-file-count":3,"index-data-bytes":100,
                  "disk-bytes":50,"disk-chunks":4,"removed-bytes":0,"removed-chunks":0,
                  "pending-bytes":0,"pending-chunks":0,"removed-bad":0,"still-bad":0}}"#,
        );
    }

    #[test]
    fn gc_job_status() {
        round_trip::<GcJobStatus>(r#"{"store":"store1"}"#);
        round_trip::<GcJobStatus>(
            r#"{"store":"store1","upid":"UPID:x","last-run-endtime":1700000000,"last-run-state":"error"}"#,
        );
        round_trip::<GcJobStatus>(
            r#"{"store":"store1","upid":"UPID:x","index-file-count":3,"index-data-bytes":100,
                "disk-bytes":50,"disk-chunks":4,"removed-bytes":1,"removed-chunks":1,
                "pending-bytes":2,"pending-chunks":1,"removed-bad":0,"still-bad":0,
                "last-run-endtime":1700000000,"last-run-state":"ok"}"#,
        );
    }

    #[test]
    fn counts_entry_adds_a_type_once() {
        let mut c = Counts::default();
        c.entry("host").groups += 1;
        c.entry("host").snapshots += 2;
        assert_eq!(
            serde_json::to_value(&c).unwrap(),
            serde_json::json!({"host": {"groups": 1, "snapshots": 2}})
        );
    }
}
