//! Worker tasks: PBS-style UPIDs, one log file per task, and the task list (protocol.md §7).
//!
//! Logs live in `<config-dir>/tasks/<UPID>`; finished tasks are appended to
//! `tasks/archive` (one `UPID endtime status` line each), so the list survives a restart.
//! A torn last archive line is skipped. Never decides what a task does, only records it.

use std::collections::BTreeMap;
use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{mpsc, Arc, Mutex};
use thiserror::Error;

/// A task log that cannot be read (the file is named; never an empty log instead).
#[derive(Debug, Error)]
#[error("cannot read task log {}: {source}", path.display())]
pub struct TaskLogError {
    pub path: PathBuf,
    #[source]
    pub source: std::io::Error,
}

impl TaskLogError {
    pub fn class(&self) -> crate::util::error_class::ErrorClass {
        crate::util::error_class::of_io(&self.source)
    }
}

/// Work for the log writer thread: appends to log files and the archive, run in order.
type LogJob = Box<dyn FnOnce() + Send>;

/// The thread that does every task-log write, so `Task::log` never touches a file on the
/// reactor. Jobs run in the order they were sent; a task's status becomes visible only after
/// its last log line is written, so "stopped" implies a complete log.
struct LogWriter {
    tx: Mutex<Option<mpsc::Sender<LogJob>>>,
}

impl LogWriter {
    fn start() -> Self {
        let (tx, rx) = mpsc::channel::<LogJob>();
        let spawned = std::thread::Builder::new()
            .name("pbsh-task-log".into())
            .spawn(move || {
                for job in rx {
                    job();
                }
            });
        LogWriter {
            tx: Mutex::new(spawned.ok().map(|_| tx)),
        }
    }

    /// Runs `job` on the writer thread (or here, when that thread could not be started).
    fn run(&self, job: LogJob) {
        let tx = self.tx.lock().unwrap_or_else(|p| p.into_inner()).clone();
        let job = match tx {
            Some(tx) => match tx.send(job) {
                Ok(()) => return,
                Err(mpsc::SendError(job)) => job,
            },
            None => job,
        };
        job();
    }

    /// Waits until every job sent so far has run (blocking: call off the reactor).
    fn flush(&self) {
        let (done, wait) = mpsc::sync_channel::<()>(1);
        self.run(Box::new(move || {
            let _ = done.send(());
        }));
        let _ = wait.recv();
    }
}

/// The parts of a UPID.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Upid {
    pub node: String,
    pub pid: u32,
    pub pstart: u64,
    pub task_id: u64,
    pub starttime: i64,
    pub worker_type: String,
    pub worker_id: String,
    pub authid: String,
}

/// Escapes a worker id as PBS does: `/` → `-`, anything but `[A-Za-z0-9_.]` (and a leading
/// `.`) → `\xNN`.
pub fn escape_worker_id(id: &str) -> String {
    let mut out = String::new();
    for (i, b) in id.bytes().enumerate() {
        match b {
            b'/' => out.push('-'),
            b'.' if i == 0 => out.push_str("\\x2e"),
            b if b.is_ascii_alphanumeric() || b == b'_' || b == b'.' => out.push(b as char),
            b => out.push_str(&format!("\\x{b:02x}")),
        }
    }
    out
}

/// Reverses `escape_worker_id`.
pub fn unescape_worker_id(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'\\' && bytes.get(i + 1) == Some(&b'x') {
            if let Some(v) = text
                .get(i + 2..i + 4)
                .and_then(|h| u8::from_str_radix(h, 16).ok())
            {
                out.push(v);
                i += 4;
                continue;
            }
        }
        out.push(if bytes[i] == b'-' { b'/' } else { bytes[i] });
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// A UPID number: hex digits only, as PBS's UPID pattern has them. `from_str_radix` alone would
/// also take a sign, and a negative start time is written back as 16 digits that no longer parse
/// (found by the upid_parse fuzzer).
fn hex_field(text: &str) -> Option<u64> {
    if text.is_empty() || text.len() > 16 || !text.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    u64::from_str_radix(text, 16).ok()
}

impl Upid {
    pub fn to_text(&self) -> String {
        format!(
            "UPID:{}:{:08X}:{:08X}:{:08X}:{:08X}:{}:{}:{}:",
            self.node,
            self.pid,
            self.pstart,
            self.task_id,
            self.starttime,
            self.worker_type,
            escape_worker_id(&self.worker_id),
            self.authid
        )
    }

    pub fn parse(text: &str) -> Option<Upid> {
        let parts: Vec<&str> = text.split(':').collect();
        let ["UPID", node, pid, pstart, task_id, starttime, wtype, wid, authid, ""] =
            parts.as_slice()
        else {
            return None;
        };
        Some(Upid {
            node: node.to_string(),
            pid: u32::try_from(hex_field(pid)?).ok()?,
            pstart: hex_field(pstart)?,
            task_id: hex_field(task_id)?,
            starttime: i64::try_from(hex_field(starttime)?).ok()?,
            worker_type: wtype.to_string(),
            worker_id: unescape_worker_id(wid),
            authid: authid.to_string(),
        })
    }
}

/// A task's stop request: a flag the task's loops poll, and a wake-up for the ones that wait.
#[derive(Debug, Default)]
struct StopSignal {
    requested: AtomicBool,
    wake: tokio::sync::Notify,
}

/// A task as listed.
#[derive(Debug, Clone)]
pub struct TaskEntry {
    pub upid: Upid,
    pub upid_text: String,
    pub endtime: Option<i64>,
    pub status: Option<String>,
    abort: Arc<StopSignal>,
}

impl TaskEntry {
    pub fn running(&self) -> bool {
        self.endtime.is_none()
    }
}

/// All tasks of this server process (and the archive of earlier ones).
pub struct TaskRegistry {
    dir: PathBuf,
    node: String,
    pid: u32,
    pstart: u64,
    counter: AtomicU64,
    tasks: Mutex<BTreeMap<String, TaskEntry>>,
    writer: LogWriter,
}

fn hostname() -> String {
    let mut buf = [0u8; 256];
    // SAFETY: gethostname writes at most buf.len() bytes into our buffer.
    let ok = unsafe { libc::gethostname(buf.as_mut_ptr().cast(), buf.len()) } == 0;
    let name = if ok {
        let end = buf.iter().position(|b| *b == 0).unwrap_or(buf.len());
        String::from_utf8_lossy(&buf[..end]).into_owned()
    } else {
        String::new()
    };
    let name: String = name
        .split('.')
        .next()
        .unwrap_or("")
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '-')
        .collect();
    let name = name.trim_matches('-').to_string();
    if name.is_empty() {
        "localhost".into()
    } else {
        name
    }
}

/// Process start time in clock ticks (field 22 of `/proc/self/stat`).
fn process_start() -> u64 {
    std::fs::read_to_string("/proc/self/stat")
        .ok()
        .and_then(|s| {
            let after = s.rsplit_once(')')?.1;
            after.split_whitespace().nth(19)?.parse().ok()
        })
        .unwrap_or(0)
}

impl TaskRegistry {
    pub fn open(dir: &Path) -> std::io::Result<Arc<Self>> {
        std::fs::create_dir_all(dir)?;
        let mut tasks = BTreeMap::new();
        if let Ok(text) = std::fs::read_to_string(dir.join("archive")) {
            for line in text.lines() {
                let mut it = line.splitn(3, ' ');
                let (Some(upid_text), Some(end), Some(status)) = (it.next(), it.next(), it.next())
                else {
                    continue;
                };
                let (Some(upid), Ok(end)) = (Upid::parse(upid_text), end.parse::<i64>()) else {
                    continue;
                };
                tasks.insert(
                    upid_text.to_string(),
                    TaskEntry {
                        upid,
                        upid_text: upid_text.to_string(),
                        endtime: Some(end),
                        status: Some(status.to_string()),
                        abort: Arc::new(StopSignal::default()),
                    },
                );
            }
        }
        Ok(Arc::new(TaskRegistry {
            dir: dir.to_path_buf(),
            node: hostname(),
            pid: std::process::id(),
            pstart: process_start(),
            counter: AtomicU64::new(0),
            tasks: Mutex::new(tasks),
            writer: LogWriter::start(),
        }))
    }

    pub fn node(&self) -> &str {
        &self.node
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, BTreeMap<String, TaskEntry>> {
        self.tasks.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Starts a task: registers it and opens its log.
    pub fn start(
        self: &Arc<Self>,
        worker_type: &str,
        worker_id: &str,
        authid: &str,
    ) -> std::io::Result<Arc<Task>> {
        let upid = Upid {
            node: self.node.clone(),
            pid: self.pid,
            pstart: self.pstart,
            task_id: self.counter.fetch_add(1, Ordering::Relaxed),
            starttime: super::now_epoch(),
            worker_type: worker_type.to_string(),
            worker_id: worker_id.to_string(),
            authid: authid.to_string(),
        };
        let text = upid.to_text();
        let log = OpenOptions::new()
            .create(true)
            .append(true)
            .open(self.log_path(&text))?;
        let abort = Arc::new(StopSignal::default());
        self.lock().insert(
            text.clone(),
            TaskEntry {
                upid,
                upid_text: text.clone(),
                endtime: None,
                status: None,
                abort: abort.clone(),
            },
        );
        Ok(Arc::new(Task {
            upid: text,
            log: Mutex::new(Some(Arc::new(log))),
            registry: self.clone(),
            abort,
            warnings: AtomicU64::new(0),
        }))
    }

    /// `start` on a blocking thread (it creates the log file), for async handlers.
    pub async fn start_async(
        self: &Arc<Self>,
        worker_type: &str,
        worker_id: &str,
        authid: &str,
    ) -> std::io::Result<Arc<Task>> {
        let me = self.clone();
        let (t, i, a) = (
            worker_type.to_string(),
            worker_id.to_string(),
            authid.to_string(),
        );
        tokio::task::spawn_blocking(move || me.start(&t, &i, &a))
            .await
            .map_err(|e| std::io::Error::other(format!("worker failed: {e}")))?
    }

    pub fn log_path(&self, upid: &str) -> PathBuf {
        self.dir.join(upid.replace('/', "_"))
    }

    /// A task's log as written so far, waiting for lines still queued for the writer
    /// (blocking: call it from a blocking thread, or use `read_log`).
    pub fn read_log_blocking(&self, upid: &str) -> Result<Vec<u8>, TaskLogError> {
        self.writer.flush();
        let path = self.log_path(upid);
        std::fs::read(&path).map_err(|source| TaskLogError { path, source })
    }

    /// `read_log_blocking` on a blocking thread, for async handlers.
    pub async fn read_log(self: &Arc<Self>, upid: &str) -> Result<Vec<u8>, TaskLogError> {
        let (me, u) = (self.clone(), upid.to_string());
        match tokio::task::spawn_blocking(move || me.read_log_blocking(&u)).await {
            Ok(r) => r,
            Err(e) => Err(TaskLogError {
                path: self.log_path(upid),
                source: std::io::Error::other(format!("reader failed: {e}")),
            }),
        }
    }

    pub fn get(&self, upid: &str) -> Option<TaskEntry> {
        self.lock().get(upid).cloned()
    }

    /// Newest first: running tasks, then finished ones by start time.
    pub fn list(&self) -> Vec<TaskEntry> {
        let mut all: Vec<TaskEntry> = self.lock().values().cloned().collect();
        all.sort_by(|a, b| {
            b.running()
                .cmp(&a.running())
                .then(b.upid.starttime.cmp(&a.upid.starttime))
                .then(b.upid.task_id.cmp(&a.upid.task_id))
        });
        all
    }

    /// Asks a running task to stop; it ends with `TASK ERROR: task aborted` when it sees it.
    pub fn abort(&self, upid: &str) -> bool {
        match self.lock().get(upid) {
            Some(t) if t.running() => {
                t.abort.requested.store(true, Ordering::SeqCst);
                t.abort.wake.notify_waiters();
                true
            }
            _ => false,
        }
    }

    /// Records a task's end (on the log writer thread: after its last log line).
    fn finished(&self, upid: &str, status: &str) {
        let end = super::now_epoch();
        if let Some(t) = self.lock().get_mut(upid) {
            t.endtime = Some(end);
            t.status = Some(status.to_string());
        }
        // P4: append-only; a torn last line is skipped when loading.
        if let Ok(mut f) = OpenOptions::new()
            .create(true)
            .append(true)
            .open(self.dir.join("archive"))
        {
            let _ = writeln!(f, "{upid} {end} {status}");
        }
    }
}

/// A running task: writes its log, ends with `TASK OK` / `TASK WARNINGS: n` / `TASK ERROR: …`.
pub struct Task {
    pub upid: String,
    /// The open log; taken by `finish`. Writes go through the registry's log writer thread.
    log: Mutex<Option<Arc<File>>>,
    registry: Arc<TaskRegistry>,
    abort: Arc<StopSignal>,
    warnings: AtomicU64,
}

/// The status a task that was stopped ends with (PBS's words).
pub const ABORTED: &str = "task aborted";

impl Task {
    /// Appends to the log without blocking: the write is queued for the log writer thread.
    pub fn log(&self, line: impl AsRef<str>) {
        let Some(f) = self.log.lock().unwrap_or_else(|p| p.into_inner()).clone() else {
            return;
        };
        let stamp = chrono::Utc::now().format("%Y-%m-%dT%H:%M:%SZ");
        let mut text = String::new();
        for l in line.as_ref().lines() {
            text.push_str(&format!("{stamp}: {l}\n"));
        }
        self.registry.writer.run(Box::new(move || {
            let _ = (&*f).write_all(text.as_bytes());
        }));
    }

    pub fn warn(&self, line: impl AsRef<str>) {
        self.warnings.fetch_add(1, Ordering::Relaxed);
        self.log(format!("WARN: {}", line.as_ref()));
    }

    pub fn is_aborted(&self) -> bool {
        self.abort.requested.load(Ordering::SeqCst)
    }

    /// `Err("task aborted")` once a stop was requested: for the task's loops, between steps.
    pub fn check_abort(&self) -> Result<(), String> {
        if self.is_aborted() {
            Err(ABORTED.to_string())
        } else {
            Ok(())
        }
    }

    /// Resolves when a stop is requested (for sessions that wait on the network).
    pub async fn aborted(&self) {
        loop {
            let woken = self.abort.wake.notified();
            tokio::pin!(woken);
            woken.as_mut().enable();
            if self.is_aborted() {
                return;
            }
            woken.await;
        }
    }

    /// Ends the task; the status is what `exitstatus` reports. The last line, the archive
    /// entry and the status are written by the log writer thread, in that order.
    pub fn finish(&self, result: Result<(), String>) {
        let Some(f) = self.log.lock().unwrap_or_else(|p| p.into_inner()).take() else {
            return;
        };
        let warnings = self.warnings.load(Ordering::Relaxed);
        let status = match result {
            Ok(()) if warnings > 0 => format!("WARNINGS: {warnings}"),
            Ok(()) => "OK".to_string(),
            Err(e) => e.lines().next().unwrap_or("error").to_string(),
        };
        let stamp = chrono::Utc::now().format("%Y-%m-%dT%H:%M:%SZ");
        let last = match status.as_str() {
            "OK" => "TASK OK".to_string(),
            s if s.starts_with("WARNINGS") => format!("TASK {s}"),
            s => format!("TASK ERROR: {s}"),
        };
        let (registry, upid) = (self.registry.clone(), self.upid.clone());
        self.registry.writer.run(Box::new(move || {
            let _ = writeln!(&*f, "{stamp}: {last}");
            drop(f);
            registry.finished(&upid, &status);
        }));
    }
}

impl Drop for Task {
    fn drop(&mut self) {
        let unfinished = self.log.lock().map(|g| g.is_some()).unwrap_or(false);
        if unfinished {
            self.finish(Err("task ended unexpectedly".into()));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn log_lines_are_written_in_order_and_a_missing_log_is_an_error() {
        let dir = std::env::temp_dir().join(format!("pbsh-tasks-{}", std::process::id()));
        let registry = TaskRegistry::open(&dir).unwrap();
        let task = registry.start("test", "x", "root@pam").unwrap();
        for i in 0..100 {
            task.log(format!("line {i}"));
        }
        let upid = task.upid.clone();
        task.finish(Ok(()));
        let text = String::from_utf8(registry.read_log_blocking(&upid).unwrap()).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 101, "{text}");
        assert!(lines[0].ends_with(": line 0") && lines[99].ends_with(": line 99"));
        assert!(lines[100].ends_with(": TASK OK"));
        assert_eq!(registry.get(&upid).unwrap().status.as_deref(), Some("OK"));
        std::fs::remove_file(registry.log_path(&upid)).unwrap();
        let e = registry.read_log_blocking(&upid).unwrap_err();
        assert!(
            e.to_string().starts_with("cannot read task log ")
                && e.to_string().contains(&upid.replace('/', "_")),
            "{e}"
        );
        assert_eq!(e.class(), crate::util::error_class::ErrorClass::NotFound);
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn upid_round_trip_and_escaping() {
        let u = Upid {
            node: "pbs1".into(),
            pid: 1234,
            pstart: 123456,
            task_id: 3,
            starttime: 0x6660A4C0,
            worker_type: "backup".into(),
            worker_id: "store1:host/web1".into(),
            authid: "root@pam".into(),
        };
        let t = u.to_text();
        assert_eq!(
            t,
            "UPID:pbs1:000004D2:0001E240:00000003:6660A4C0:backup:store1\\x3ahost-web1:root@pam:"
        );
        assert_eq!(Upid::parse(&t).unwrap(), u);
        assert!(Upid::parse("UPID:x").is_none());
        // Signs are not hex digits: tests/fuzz/regressions/upid_parse/negative-starttime.
        assert!(Upid::parse("UPID::0:0:0:-1::::").is_none());
        assert!(Upid::parse("UPID:n:+1:0:0:1:w::a:").is_none());
    }
}
