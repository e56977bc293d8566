//! `/nodes/{node}/tasks/…`: the task list, a task's status and its log lines.

use serde::{Deserialize, Serialize};

/// An item of `GET /nodes/{node}/tasks` (the reply's `total` is beside `data`). A running
/// task has neither `endtime` nor `status`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TaskListItem {
    pub upid: String,
    pub node: String,
    pub pid: i64,
    pub pstart: u64,
    pub starttime: i64,
    pub worker_type: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub worker_id: Option<String>,
    /// The auth id that started the task.
    pub user: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub endtime: Option<i64>,
    /// How the task ended: `OK`, `WARNINGS: n`, an error message, or `unknown`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
}

/// `GET /nodes/{node}/tasks/{upid}/status`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TaskStatus {
    pub upid: String,
    pub node: String,
    pub pid: i64,
    pub pstart: u64,
    pub starttime: i64,
    /// The worker type.
    #[serde(rename = "type")]
    pub worker_type: String,
    /// The worker id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// The user (for a token, the token's user; the token is `tokenid`).
    pub user: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tokenid: Option<String>,
    /// `running` or `stopped`.
    pub status: String,
    /// How a stopped task ended (as `TaskListItem::status`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exitstatus: Option<String>,
}

impl TaskStatus {
    pub fn is_running(&self) -> bool {
        self.status == "running"
    }
}

/// A line of `GET /nodes/{node}/tasks/{upid}/log`: its number (from 1) and text. The reply's
/// `total`, `success` and `active` are beside `data`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TaskLogLine {
    pub n: u64,
    pub t: String,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::test_util::round_trip;

    const UPID: &str =
        r"UPID:pbs:0000162C:0001B5D1:00000003:65A8D3C0:garbage_collection:store1:root@pam:";

    #[test]
    fn task_list() {
        round_trip::<Vec<TaskListItem>>(&format!(
            r#"[{{"upid":"{UPID}","node":"pbs","pid":5676,"pstart":112081,"starttime":1705563072,
                 "worker_type":"garbage_collection","worker_id":"store1","user":"root@pam",
                 "endtime":1705563080,"status":"OK"}},
                {{"upid":"{UPID}","node":"pbs","pid":5676,"pstart":112081,"starttime":1705563090,
                 "worker_type":"backup","worker_id":"store1:host/web1","user":"alice@pbs!t"}}]"#
        ));
    }

    #[test]
    fn task_status() {
        round_trip::<TaskStatus>(&format!(
            r#"{{"upid":"{UPID}","node":"pbs","pid":5676,"pstart":112081,"starttime":1705563072,
                "type":"garbage_collection","id":"store1","user":"root@pam","status":"running"}}"#
        ));
        let text = format!(
            r#"{{"upid":"{UPID}","node":"pbs","pid":5676,"pstart":112081,"starttime":1705563072,
                "type":"verify","id":"store1","user":"alice@pbs","tokenid":"alice@pbs!t",
                "status":"stopped","exitstatus":"WARNINGS: 1"}}"#
        );
        round_trip::<TaskStatus>(&text);
        let s: TaskStatus = serde_json::from_str(&text).unwrap();
        assert!(!s.is_running());
        assert_eq!(s.exitstatus.as_deref(), Some("WARNINGS: 1"));
    }

    #[test]
    fn task_log() {
        round_trip::<Vec<TaskLogLine>>(
            r#"[{"n":1,"t":"starting garbage collection"},{"n":2,"t":""}]"#,
        );
    }
}
