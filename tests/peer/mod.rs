//! The real Proxmox Backup 3.2.4 programs as test peers: where they are, the real server started
//! in its own loopback-only network namespace, and commands run beside it.
//!
//! `../shared/peers/pbs-3.2.4` (or `$PBSH_PEERS`) holds the real client, the `pxar` tool and the
//! real server. Where it is absent the interop tests print a notice and skip; under CI (`CI` set)
//! its absence is a failure, so CI always runs them.
#![allow(dead_code)]

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Output, Stdio};
use std::sync::{Mutex, OnceLock};

/// The folder of the real PBS 3.2.4 programs, or `None` (with a notice) when it is absent.
/// Panics under CI: the interop suite must run there.
pub fn pbs_dir() -> Option<PathBuf> {
    let dir = std::env::var_os("PBSH_PEERS")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/peers/pbs-3.2.4")
        });
    if dir.join("bin/proxmox-backup-client").exists() {
        return Some(dir);
    }
    if std::env::var_os("CI").is_some() {
        panic!(
            "the real PBS peers are not at {} (set PBSH_PEERS); CI must run the interop suite",
            dir.display()
        );
    }
    eprintln!(
        "notice: real PBS peers not found at {} (set PBSH_PEERS); skipping",
        dir.display()
    );
    None
}

/// Whether this process may start the real server (root: network namespace, /etc/proxmox-backup).
pub fn can_start_real_server() -> bool {
    // SAFETY: geteuid has no preconditions.
    let root = unsafe { libc::geteuid() } == 0;
    if !root {
        if std::env::var_os("CI").is_some() {
            panic!("the real PBS server needs root; CI runs as root");
        }
        eprintln!("notice: the real PBS server needs root; skipping");
    }
    root
}

pub fn client_bin(pbs: &Path) -> PathBuf {
    pbs.join("bin/proxmox-backup-client")
}

pub fn pxar_bin(pbs: &Path) -> PathBuf {
    pbs.join("bin/pxar")
}

/// A private HOME and runtime dir for a client (ticket cache, default key), as a user has.
pub struct ClientHome {
    pub dir: tempfile::TempDir,
}

impl ClientHome {
    pub fn new() -> ClientHome {
        let dir = tempfile::tempdir().unwrap();
        let run = dir.path().join("run");
        std::fs::create_dir_all(&run).unwrap();
        std::fs::set_permissions(&run, std::os::unix::fs::PermissionsExt::from_mode(0o700))
            .unwrap();
        ClientHome { dir }
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// Sets HOME, XDG dirs and TZ on a command, and clears any repository or key settings it
    /// inherited.
    pub fn apply(&self, cmd: &mut Command) {
        let home = self.dir.path();
        cmd.env("HOME", home)
            .env("XDG_RUNTIME_DIR", home.join("run"))
            .env("XDG_DATA_HOME", home.join("data"))
            .env("XDG_CONFIG_HOME", home.join("config"))
            .env("XDG_CACHE_HOME", home.join("cache"))
            .env("TZ", "UTC")
            .env_remove("PBS_REPOSITORY")
            .env_remove("PBS_PASSWORD")
            .env_remove("PBS_FINGERPRINT")
            .env_remove("PBS_ENCRYPTION_PASSWORD");
    }
}

impl Default for ClientHome {
    fn default() -> Self {
        Self::new()
    }
}

/// The real PBS 3.2.4 server, running under `with-pbs-server.sh` in a private network namespace.
/// Commands reach it through `nsenter --net`; the holder script stops it when its stdin closes
/// (when the test process ends, at the latest).
pub struct RealServer {
    holder: Mutex<(Child, Option<ChildStdin>)>,
    /// A process inside the namespace (the holder's inner shell).
    ns_pid: u32,
    /// `PBS_REPOSITORY`, `PBS_PASSWORD`, `PBS_FINGERPRINT`, `PBS_PEER_*` as the script set them.
    pub env: HashMap<String, String>,
}

impl RealServer {
    /// The one real server of this test binary, started on first use (about 30 s: the datastore's
    /// 65,536 chunk directories), or `None` where the peers are absent or this is not root.
    pub fn shared() -> Option<&'static RealServer> {
        static SERVER: OnceLock<Option<RealServer>> = OnceLock::new();
        SERVER
            .get_or_init(|| {
                let pbs = pbs_dir()?;
                if !can_start_real_server() {
                    return None;
                }
                Some(RealServer::start(&pbs))
            })
            .as_ref()
    }

    fn start(pbs: &Path) -> RealServer {
        let script = pbs.join("with-pbs-server.sh");
        // The inner command reports its PID and the environment, then waits for EOF on stdin.
        // On EOF it also stops any proxy a test restarted (`restart_proxy`): the script stops
        // only the one it started.
        let inner = r#"echo "NSPID=$$"; env | grep -E '^PBS_(REPOSITORY|PASSWORD|FINGERPRINT|PEER_[A-Z_]+)='; echo READY; read -r _
me=$(readlink /proc/$$/ns/net)
for d in /proc/[0-9]*; do
  [ "$(readlink $d/exe 2>/dev/null)" = "$PBS_PEER_BIN/proxmox-backup-proxy" ] && [ "$(readlink $d/ns/net 2>/dev/null)" = "$me" ] && kill -9 ${d#/proc/} 2>/dev/null
done
true"#;
        let mut child = Command::new(script)
            .args(["bash", "-c", inner])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("start with-pbs-server.sh");
        let stdin = child.stdin.take();
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        let mut env = HashMap::new();
        let mut ns_pid = 0;
        loop {
            let Some(Ok(line)) = lines.next() else {
                panic!("with-pbs-server.sh ended before the server was ready");
            };
            if line == "READY" {
                break;
            }
            if let Some(pid) = line.strip_prefix("NSPID=") {
                ns_pid = pid.parse().unwrap();
            } else if let Some((k, v)) = line.split_once('=') {
                env.insert(k.to_string(), v.to_string());
            }
        }
        std::thread::spawn(move || for _ in lines {});
        assert!(ns_pid > 0 && env.contains_key("PBS_REPOSITORY"), "{env:?}");
        RealServer {
            holder: Mutex::new((child, stdin)),
            ns_pid,
            env,
        }
    }

    /// `program` run inside the server's network namespace, with the repository, password and
    /// fingerprint of the server's user `peer@pbs` set.
    pub fn command(&self, program: impl AsRef<std::ffi::OsStr>) -> Command {
        let mut cmd = Command::new("nsenter");
        cmd.arg(format!("--net=/proc/{}/ns/net", self.ns_pid))
            .arg("--")
            .arg(program);
        cmd
    }

    /// Serializes the tests that use this server (its task list and gc are shared state).
    pub fn exclusive(&self) -> std::sync::MutexGuard<'static, ()> {
        static TURN: Mutex<()> = Mutex::new(());
        TURN.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// `user@realm@HOST:STORE` for another user of this server.
    pub fn repository_as(&self, authid: &str) -> String {
        let (server, store) = self.repository().rsplit_once(':').unwrap_or(("", ""));
        let host = server.rsplit_once('@').map_or(server, |(_, h)| h);
        format!("{authid}@{host}:{store}")
    }

    /// A second datastore on the real server (a test that compares whole listings gets one of
    /// its own); returns its name and directory. Creating its 65,536 chunk directories takes
    /// about 30 s.
    pub fn add_datastore(&self, prefix: &str) -> (String, PathBuf) {
        let name = format!("{prefix}{}", std::process::id());
        let dir = PathBuf::from(format!("/tmp/pbs-peer-{name}"));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let chown = Command::new("chown")
            .arg("backup:backup")
            .arg(&dir)
            .status()
            .unwrap();
        assert!(chown.success());
        let out = self.manager(&["datastore", "create", &name, dir.to_str().unwrap()]);
        assert!(out.status.success(), "{}", both(&out));
        // The manager may return before the chunk store is complete.
        for _ in 0..1200 {
            if dir.join(".chunks/ffff").is_dir() {
                break;
            }
            std::thread::sleep(std::time::Duration::from_millis(100));
        }
        assert!(
            dir.join(".chunks/ffff").is_dir(),
            "datastore {name} not ready"
        );
        (name, dir)
    }

    /// A datastore of the real server on a tmpfs of `size` (e.g. `12m`), mounted in the server's
    /// mount namespace: a disk that fills up. Returns its name and its directory as this test
    /// process sees it (through `/proc/PID/root`, since the mount is the server's alone).
    pub fn add_small_datastore(&self, prefix: &str, size: &str) -> (String, PathBuf) {
        let name = format!("{prefix}{}", std::process::id());
        let dir = format!("/tmp/pbs-peer-{name}");
        let in_ns = |program: &str, args: &[&str]| {
            let out = Command::new("nsenter")
                .arg(format!("--mount=/proc/{}/ns/mnt", self.ns_pid))
                .arg("--")
                .arg(program)
                .args(args)
                .output()
                .unwrap();
            assert!(out.status.success(), "{program} {args:?}: {}", both(&out));
        };
        in_ns("mkdir", &["-p", &dir]);
        in_ns(
            "mount",
            &["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs", &dir],
        );
        in_ns("chown", &["backup:backup", &dir]);
        let out = self.manager(&["datastore", "create", &name, &dir]);
        assert!(out.status.success(), "{}", both(&out));
        let seen = PathBuf::from(format!("/proc/{}/root{dir}", self.ns_pid));
        for _ in 0..1200 {
            if seen.join(".chunks/ffff").is_dir() {
                break;
            }
            std::thread::sleep(std::time::Duration::from_millis(100));
        }
        assert!(
            seen.join(".chunks/ffff").is_dir(),
            "datastore {name} not ready"
        );
        (name, seen)
    }

    /// Removes a datastore made by `add_small_datastore` and its tmpfs.
    pub fn remove_small_datastore(&self, name: &str) {
        let _ = self.manager(&["datastore", "remove", name]);
        let _ = Command::new("nsenter")
            .arg(format!("--mount=/proc/{}/ns/mnt", self.ns_pid))
            .args(["--", "umount", "-l", &format!("/tmp/pbs-peer-{name}")])
            .output();
    }

    /// A new API token of `peer@pbs` with Admin rights; returns its id and secret. The server's
    /// configuration outlives a run (it is the machine's), so the name is made unique.
    pub fn add_admin_token(&self, prefix: &str) -> (String, String) {
        static NEXT: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
        let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let name = format!("{prefix}{}x{n}", std::process::id());
        let out = self.manager(&["user", "generate-token", "peer@pbs", &name]);
        let text = ok(out);
        let secret = text
            .lines()
            .find_map(|l| {
                let l = l.trim();
                l.strip_prefix("\"value\": \"")
                    .or_else(|| l.strip_prefix("\"value\":\""))
                    .map(|v| v.trim_end_matches([',', '"']).to_string())
            })
            .or_else(|| {
                serde_json::from_str::<serde_json::Value>(&text)
                    .ok()
                    .and_then(|v| v["value"].as_str().map(str::to_string))
            })
            .unwrap_or_else(|| panic!("no token secret in {text}"));
        let id = format!("peer@pbs!{name}");
        ok(self.manager(&["acl", "update", "/", "Admin", "--auth-id", &id]));
        (id, secret)
    }

    /// Makes `user` (if missing) a user who may back up to the datastores but owns nothing else.
    pub fn add_backup_user(&self, user: &str, password: &str) {
        let _ = self.manager(&["user", "create", user, "--password", password]);
        let out = self.manager(&[
            "acl",
            "update",
            "/datastore",
            "DatastoreBackup",
            "--auth-id",
            user,
        ]);
        assert!(out.status.success(), "{}", both(&out));
    }

    pub fn repository(&self) -> &str {
        &self.env["PBS_REPOSITORY"]
    }
    pub fn password(&self) -> &str {
        &self.env["PBS_PASSWORD"]
    }
    pub fn fingerprint(&self) -> &str {
        &self.env["PBS_FINGERPRINT"]
    }
    pub fn store(&self) -> &str {
        &self.env["PBS_PEER_STORE"]
    }
    pub fn store_dir(&self) -> PathBuf {
        PathBuf::from(&self.env["PBS_PEER_STORE_DIR"])
    }

    /// Runs `proxmox-backup-manager ARGS` inside the namespace (users, tokens, ACLs). It also
    /// enters the server's mount namespace, where its shared memory lives (clients stay in the
    /// test's, so their FUSE mounts are visible to the test).
    pub fn manager(&self, args: &[&str]) -> Output {
        Command::new("nsenter")
            .arg(format!("--net=/proc/{}/ns/net", self.ns_pid))
            .arg(format!("--mount=/proc/{}/ns/mnt", self.ns_pid))
            .arg("--")
            .arg(&self.env["PBS_PEER_MANAGER"])
            .args(args)
            .output()
            .expect("run proxmox-backup-manager")
    }

    /// The PIDs of the server's proxy (the process clients talk to): its program, in this
    /// server's network namespace.
    fn proxy_pids(&self) -> Vec<u32> {
        let program = Path::new(&self.env["PBS_PEER_BIN"]).join("proxmox-backup-proxy");
        let ns = std::fs::read_link(format!("/proc/{}/ns/net", self.ns_pid)).ok();
        let Ok(procs) = std::fs::read_dir("/proc") else {
            return Vec::new();
        };
        procs
            .flatten()
            .filter_map(|e| e.file_name().to_str()?.parse::<u32>().ok())
            .filter(|pid| {
                std::fs::read_link(format!("/proc/{pid}/exe"))
                    .ok()
                    .as_deref()
                    == Some(program.as_path())
                    && std::fs::read_link(format!("/proc/{pid}/ns/net")).ok() == ns
            })
            .collect()
    }

    /// Kills the server's proxy with SIGKILL (a crash: nothing of it runs to an end).
    pub fn kill_proxy(&self) {
        let pids = self.proxy_pids();
        assert!(!pids.is_empty(), "no proxy of the real server found");
        for pid in &pids {
            // SAFETY: kill(2) with a PID read just now; the worst case is ESRCH.
            unsafe { libc::kill(*pid as i32, libc::SIGKILL) };
        }
        for _ in 0..200 {
            if self.proxy_pids().is_empty() {
                return;
            }
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        panic!("the real server's proxy outlived SIGKILL");
    }

    /// Starts the proxy again as the script does (user `backup`, in the server's namespaces) and
    /// waits until it listens on port 8007. The holder stops it when the test process ends.
    pub fn restart_proxy(&self) {
        let bin = Path::new(&self.env["PBS_PEER_BIN"]);
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(Path::new(&self.env["PBS_PEER_LOGS"]).join("proxy-restarted.log"))
            .unwrap();
        let child = Command::new("nsenter")
            .arg(format!("--net=/proc/{}/ns/net", self.ns_pid))
            .arg(format!("--mount=/proc/{}/ns/mnt", self.ns_pid))
            .args([
                "--",
                "setpriv",
                "--reuid=backup",
                "--regid=backup",
                "--init-groups",
            ])
            .arg(bin.join("proxmox-backup-proxy"))
            .stdin(Stdio::null())
            .stdout(log.try_clone().unwrap())
            .stderr(log)
            .spawn()
            .expect("restart the proxy");
        // Reaped by a thread of its own so it never lingers as a zombie of the test.
        std::thread::spawn(move || {
            let mut child = child;
            let _ = child.wait();
        });
        for _ in 0..200 {
            let out = self.command("ss").arg("-ltn").output().unwrap();
            if String::from_utf8_lossy(&out.stdout).contains(":8007 ") {
                return;
            }
            std::thread::sleep(std::time::Duration::from_millis(100));
        }
        panic!("the restarted proxy does not listen");
    }

    /// Stops the server now (it also stops when the test process ends).
    pub fn stop(&self) {
        let mut holder = self.holder.lock().unwrap();
        if let Some(mut stdin) = holder.1.take() {
            let _ = stdin.write_all(b"\n");
        }
        let _ = holder.0.wait();
    }
}

/// The text of an output, stdout and stderr, for assertion messages.
pub fn both(out: &Output) -> String {
    format!(
        "status {:?}\nstdout:\n{}\nstderr:\n{}",
        out.status.code(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// Asserts success and returns stdout.
#[track_caller]
pub fn ok(out: Output) -> String {
    assert!(out.status.success(), "{}", both(&out));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Asserts success and returns what the real client prints of a listing: it writes some (the
/// catalog dump) to stderr, through its logger.
#[track_caller]
pub fn ok_printed(out: Output) -> String {
    assert!(out.status.success(), "{}", both(&out));
    let mut text = String::from_utf8_lossy(&out.stdout).into_owned();
    text.push_str(&String::from_utf8_lossy(&out.stderr));
    text
}

/// Parses stdout as JSON, after asserting success.
#[track_caller]
pub fn ok_json(out: Output) -> serde_json::Value {
    let text = ok(out);
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("not JSON ({e}): {text}"))
}
