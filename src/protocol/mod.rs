//! The JSON of PBS's REST API as plain serde types — datastores, groups, snapshots, files,
//! namespaces, status and GC status, tasks and their logs, version and login tickets — shared
//! by `pbsh serve` (which builds its replies from them) and the remote client (which parses
//! the replies of PBS or `pbsh serve` into them).
//!
//! Pure data: no I/O. It sits beside `format` in the layering: `server` and `repo` import it,
//! it imports nothing of theirs. Field names are PBS's on the wire (SPEC: protocol.md); fields
//! PBS leaves out are left out (`skip_serializing_if`), and fields a newer server adds are
//! accepted and ignored (no `deny_unknown_fields`). The `{"data": …}` envelope is not here:
//! these are the values inside it.

pub mod access;
pub mod datastore;
pub mod tasks;

pub use access::{ApiVersion, TicketInfo};
pub use datastore::{
    BackupContent, Counts, DataStoreListItem, DataStoreStatus, GarbageCollectionStatus,
    GcJobStatus, GroupListItem, NamespaceListItem, PruneListItem, SnapshotListItem, TypeCounts,
};
pub use tasks::{TaskListItem, TaskLogLine, TaskStatus};

use serde::de::DeserializeOwned;
use serde_json::Value;
use thiserror::Error;

/// A reply that does not have the shape its endpoint's type expects.
#[derive(Debug, Error)]
#[error("unexpected reply to {endpoint}: {source}")]
pub struct ReplyError {
    /// The call, as a person would name it (`GET …/groups`).
    pub endpoint: String,
    #[source]
    pub source: serde_json::Error,
}

/// Parses the `data` of a reply to `endpoint` into `T`.
pub fn parse_reply<T: DeserializeOwned>(endpoint: &str, data: Value) -> Result<T, ReplyError> {
    serde_json::from_value(data).map_err(|source| ReplyError {
        endpoint: endpoint.to_string(),
        source,
    })
}

#[cfg(test)]
pub(crate) mod test_util {
    use serde::de::DeserializeOwned;
    use serde::Serialize;
    use serde_json::Value;

    /// `text` parses into `T` and serializes back to the same JSON; with an extra unknown field
    /// in every object it still parses, to the same value.
    pub fn round_trip<T: Serialize + DeserializeOwned + PartialEq + std::fmt::Debug>(text: &str) {
        let v: Value = serde_json::from_str(text).unwrap();
        let t: T = serde_json::from_value(v.clone()).unwrap();
        assert_eq!(serde_json::to_value(&t).unwrap(), v, "{text}");
        let mut extra = v.clone();
        add_unknown(&mut extra);
        assert_ne!(extra, v);
        let u: T = serde_json::from_value(extra).unwrap();
        assert_eq!(u, t, "unknown fields are accepted and ignored");
    }

    fn add_unknown(v: &mut Value) {
        match v {
            Value::Object(m) => {
                // A snapshot's `verification` is the manifest's, passed on as it is.
                for (_, x) in m.iter_mut().filter(|(k, _)| *k != "verification") {
                    add_unknown(x);
                }
                m.insert(
                    "x-unknown-field".into(),
                    serde_json::json!({"future": [1, 2]}),
                );
            }
            Value::Array(a) => a.iter_mut().for_each(add_unknown),
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_reply_of_the_wrong_shape_names_the_endpoint() {
        let e = parse_reply::<Vec<GroupListItem>>("GET groups", serde_json::json!({"a": 1}))
            .unwrap_err();
        assert!(
            e.to_string()
                .starts_with("unexpected reply to GET groups: "),
            "{e}"
        );
    }
}
