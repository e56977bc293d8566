//! End to end against a real `pbsh serve` over TLS on 127.0.0.1: login (password, token), wrong
//! password and fingerprint, backup → ls → cd → get → restore, encryption, dedup, a server
//! killed mid-backup, and gc/verify tasks whose logs the shell shows.
#![allow(clippy::disallowed_macros)] // tests print freely

use crate::common;
use crate::serve_common;

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};

const PASSWORD: &str = "s3cret-pass";

struct Server {
    child: Child,
    port: u16,
    fingerprint: String,
    dir: PathBuf,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn bin() -> &'static str {
    env!("CARGO_BIN_EXE_pbsh")
}

/// Creates users admin@pbs (admin) and alice@pbs with token alice@pbs!tok; returns the secret.
fn setup_users(dir: &Path) -> String {
    let cfg = dir.join("cfg");
    for (user, admin) in [("admin@pbs", true), ("alice@pbs", false)] {
        let mut args = vec![
            "serve",
            "user",
            "add",
            user,
            "--config-dir",
            cfg.to_str().unwrap(),
        ];
        if admin {
            args.push("--admin");
        }
        let out = Command::new(bin())
            .args(&args)
            .env("PBS_PASSWORD", PASSWORD)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let out = Command::new(bin())
        .args([
            "serve",
            "token",
            "add",
            "alice@pbs!tok",
            "--config-dir",
            cfg.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    assert!(out.status.success());
    String::from_utf8(out.stdout).unwrap().trim().to_string()
}

/// How to start a server: its datastores (name, directory under the test dir), a fixed port
/// (0 = any free one) and extra environment (failpoints, ticket lifetime).
struct ServeOpts<'a> {
    stores: &'a [(&'a str, &'a str)],
    port: u16,
    env: &'a [(&'a str, &'a str)],
}

const DEFAULT_STORES: &[(&str, &str)] = &[("store1", "ds")];

fn start_server(dir: &Path) -> Server {
    start_server_with(
        dir,
        &ServeOpts {
            stores: DEFAULT_STORES,
            port: 0,
            env: &[],
        },
    )
}

fn start_server_with(dir: &Path, opts: &ServeOpts) -> Server {
    let mut args: Vec<String> = vec!["serve".into()];
    for (name, sub) in opts.stores {
        args.push("--datastore".into());
        args.push(format!("{name}={}", dir.join(sub).display()));
    }
    args.extend([
        "--listen".to_string(),
        format!("127.0.0.1:{}", opts.port),
        "--config-dir".to_string(),
        dir.join("cfg").to_str().unwrap().to_string(),
    ]);
    let mut cmd = Command::new(bin());
    cmd.args(&args).stdout(Stdio::piped());
    for (k, v) in opts.env {
        cmd.env(k, v);
    }
    let mut child = cmd.spawn().unwrap();
    let (port, fingerprint) = serve_common::wait_listening(&mut child);
    Server {
        child,
        port,
        fingerprint,
        dir: dir.to_path_buf(),
    }
}

/// A port that was free a moment ago (bound to 127.0.0.1:0, then released), for a server that
/// must come back on the same address.
fn free_port() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    l.local_addr().unwrap().port()
}

/// Longest wait for a reply of the shell before the test gives up (a hang guard, not a
/// timing assertion: every step normally answers in well under a second).
const HANG_GUARD: std::time::Duration = std::time::Duration::from_secs(300);

/// One long-lived `pbsh` shell reading commands from a pipe, as a script would, with
/// `set -e off` so a failing command does not end it.
struct Shell {
    child: Child,
    stdin: std::process::ChildStdin,
    out: std::sync::mpsc::Receiver<String>,
    err: std::sync::mpsc::Receiver<String>,
    marks: usize,
}

impl Drop for Shell {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn lines_of(stream: impl std::io::Read + Send + 'static) -> std::sync::mpsc::Receiver<String> {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stream).lines() {
            let Ok(line) = line else { break };
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    rx
}

impl Shell {
    /// `pbsh --repository USER@127.0.0.1:PORT:STORE` in `home`, with `envs`.
    fn open(
        port: u16,
        store: &str,
        user: &str,
        fp: &str,
        home: &Path,
        envs: &[(&str, &str)],
    ) -> Shell {
        let repo = format!("{user}@127.0.0.1:{port}:{store}");
        let mut cmd = Command::new(bin());
        cmd.args(["--repository", &repo, "--fingerprint", fp])
            .current_dir(home)
            .env("HOME", home)
            .env("XDG_DATA_HOME", home.join("data"))
            .env("XDG_CONFIG_HOME", home.join("config"))
            .env("XDG_RUNTIME_DIR", home.join("run"))
            .env("TZ", "UTC")
            .env_remove("PBS_PASSWORD")
            .env_remove("PBS_REPOSITORY")
            .env_remove("PBSH_FAILPOINTS")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        for (k, v) in envs {
            cmd.env(k, v);
        }
        let mut child = cmd.spawn().unwrap();
        let stdin = child.stdin.take().unwrap();
        let out = lines_of(child.stdout.take().unwrap());
        let err = lines_of(child.stderr.take().unwrap());
        let mut shell = Shell {
            child,
            stdin,
            out,
            err,
            marks: 0,
        };
        let (out, err) = shell.run("set -e off");
        assert!(out.is_empty() && err.is_empty(), "{out:?} {err:?}");
        shell
    }

    /// Runs one command line; returns what it printed on stdout and on stderr. A local
    /// `!echo` after it marks the end of its output on both streams.
    fn run(&mut self, line: &str) -> (Vec<String>, Vec<String>) {
        self.start(line);
        self.finish(Vec::new())
    }

    /// Sends one command line (and the end mark) without waiting for it.
    fn start(&mut self, line: &str) {
        use std::io::Write;
        self.marks += 1;
        let mark = format!("@@done {}", self.marks);
        writeln!(self.stdin, "{line}\n!echo '{mark}'; echo '{mark}' >&2").unwrap();
        self.stdin.flush().unwrap();
    }

    /// The next line the running command prints on stdout.
    fn next_line(&mut self) -> String {
        let line = self
            .out
            .recv_timeout(HANG_GUARD)
            .unwrap_or_else(|e| panic!("no output ({e})"));
        assert!(!line.starts_with("@@done"), "the command ended early");
        line
    }

    /// Waits for the end mark of the last command; `seen` are stdout lines already read.
    fn finish(&mut self, mut seen: Vec<String>) -> (Vec<String>, Vec<String>) {
        let mark = format!("@@done {}", self.marks);
        let collect = |rx: &std::sync::mpsc::Receiver<String>, got: &mut Vec<String>| loop {
            match rx.recv_timeout(HANG_GUARD) {
                Ok(l) if l == mark => return,
                Ok(l) => got.push(l),
                Err(e) => panic!("no end mark {mark:?} ({e}); so far: {got:?}"),
            }
        };
        collect(&self.out, &mut seen);
        let mut err = Vec::new();
        collect(&self.err, &mut err);
        (seen, err)
    }

    /// Runs a command that must succeed silently on stderr; returns its stdout.
    fn ok(&mut self, line: &str) -> Vec<String> {
        let (out, err) = self.run(line);
        assert!(err.is_empty(), "{line:?} failed: {err:?} (stdout {out:?})");
        out
    }
}

struct Client {
    home: tempfile::TempDir,
}

impl Client {
    fn new() -> Self {
        Client {
            home: tempfile::tempdir().unwrap(),
        }
    }

    fn run(&self, server: &Server, user: &str, secret: &str, fp: &str, args: &[&str]) -> Output {
        self.run_on(server, "store1", user, secret, fp, args)
    }

    fn run_on(
        &self,
        server: &Server,
        store: &str,
        user: &str,
        secret: &str,
        fp: &str,
        args: &[&str],
    ) -> Output {
        let repo = format!("{user}@127.0.0.1:{}:{store}", server.port);
        let mut all = vec!["--repository", repo.as_str(), "--fingerprint", fp];
        all.extend_from_slice(args);
        let home = self.home.path();
        common::pbsh(
            home,
            home,
            &all,
            &[
                ("PBS_PASSWORD", secret),
                ("XDG_RUNTIME_DIR", home.join("run").to_str().unwrap()),
            ],
        )
    }
}

fn ok(out: &Output) -> String {
    assert!(
        out.status.success(),
        "stdout: {}\nstderr: {}",
        common::stdout(out),
        common::stderr(out)
    );
    common::stdout(out)
}

fn chunk_files(ds: &Path) -> Vec<PathBuf> {
    let mut v = Vec::new();
    let Ok(dirs) = std::fs::read_dir(ds.join(".chunks")) else {
        return v;
    };
    for d in dirs.flatten() {
        if let Ok(files) = std::fs::read_dir(d.path()) {
            v.extend(files.flatten().map(|f| f.path()));
        }
    }
    v.sort();
    v
}

/// The server-side upload counter of a snapshot: `unprotected.chunk_upload_stats.count` that the
/// server writes into the manifest at `finish`.
fn uploaded_chunks(ds: &Path, snapshot: &str) -> u64 {
    let raw = std::fs::read(ds.join(snapshot).join("index.json.blob")).unwrap();
    let json = pbsh::format::blob::decode(&raw, None, 1 << 24).unwrap();
    let v: serde_json::Value = serde_json::from_slice(&json).unwrap();
    v["unprotected"]["chunk_upload_stats"]["count"]
        .as_u64()
        .unwrap_or_else(|| panic!("no upload stats in {v}"))
}

fn make_source(dir: &Path, marker: &str) {
    std::fs::create_dir_all(dir.join("docs/deep")).unwrap();
    std::fs::write(dir.join("docs/notes.txt"), format!("hello {marker}\n")).unwrap();
    std::fs::write(dir.join("docs/deep/a.txt"), marker.repeat(1000)).unwrap();
    let mut state = 42u64;
    std::fs::write(
        dir.join("big.bin"),
        common::pseudo_random(9 << 20, &mut state),
    )
    .unwrap();
    std::os::unix::fs::symlink("docs/notes.txt", dir.join("link")).unwrap();
}

fn grep_tree(dir: &Path, needle: &[u8]) -> bool {
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        let p = e.path();
        if p.is_dir() {
            if grep_tree(&p, needle) {
                return true;
            }
        } else if let Ok(b) = std::fs::read(&p) {
            if b.windows(needle.len()).any(|w| w == needle) {
                return true;
            }
        }
    }
    false
}

#[test]
fn remote_login_backup_browse_restore_encrypt_dedup_tasks() {
    let sdir = tempfile::tempdir().unwrap();
    let token = setup_users(sdir.path());
    let server = start_server(sdir.path());
    let fp = server.fingerprint.clone();
    let c = Client::new();

    // Login with password and with token.
    let out = c.run(&server, "alice@pbs", PASSWORD, &fp, &["login"]);
    assert!(ok(&out).contains("logged in as alice@pbs"));
    let tickets = c.home.path().join("run/pbsh/tickets");
    let meta = std::fs::metadata(&tickets).unwrap();
    assert_eq!(
        std::os::unix::fs::PermissionsExt::mode(&meta.permissions()) & 0o777,
        0o600
    );
    assert!(!std::fs::read_to_string(&tickets)
        .unwrap()
        .contains(PASSWORD));
    let out = c.run(&server, "alice@pbs!tok", &token, &fp, &["login"]);
    assert!(ok(&out).contains("logged in as alice@pbs!tok"));

    // Wrong password (fresh client: no cached ticket) and wrong fingerprint: one line, non-zero.
    let c2 = Client::new();
    let out = c2.run(&server, "alice@pbs", "nope", &fp, &["login"]);
    assert_eq!(
        out.status.code(),
        Some(4),
        "refused login is exit class 4 (auth)"
    );
    let err = common::stderr(&out);
    assert!(err.contains("wrong user name or password"), "{err}");
    assert_eq!(err.trim().lines().count(), 1, "{err}");
    let bad_fp = fp.replace(|c: char| c.is_ascii_hexdigit(), "0");
    let out = c2.run(&server, "alice@pbs", PASSWORD, &bad_fp, &["login"]);
    assert_eq!(
        out.status.code(),
        Some(4),
        "fingerprint mismatch is exit class 4"
    );
    let err = common::stderr(&out);
    assert!(err.contains(&fp) && err.contains(&bad_fp), "{err}");
    assert_eq!(err.trim().lines().count(), 1, "{err}");

    // Backup → ls → cd → get → restore.
    let src = c.home.path().join("src");
    make_source(&src, "PLAINMARKER");
    let src_s = src.to_str().unwrap();
    let spec = format!("root.pxar:{src_s}");
    let out = c.run(
        &server,
        "alice@pbs",
        PASSWORD,
        &fp,
        &[
            "backup",
            &spec,
            "--backup-id",
            "web1",
            "--backup-time",
            "1700000000",
        ],
    );
    ok(&out);
    let before = chunk_files(&server.dir.join("ds"));
    assert!(before.len() >= 3, "{} chunks", before.len());
    let first = uploaded_chunks(&server.dir.join("ds"), "host/web1/2023-11-14T22:13:20Z");
    assert_eq!(
        first as usize,
        before.len(),
        "first backup uploads every chunk"
    );
    let out = c.run(&server, "alice@pbs", PASSWORD, &fp, &["-c", "ls host/web1"]);
    assert!(
        ok(&out).contains("2023-11-14T22:13:20Z"),
        "{}",
        common::stdout(&out)
    );
    let got = c.home.path().join("got.txt");
    let script = format!(
        "cd host/web1/2023-11-14T22:13:20Z/root.pxar; ls; get docs/notes.txt {}",
        got.display()
    );
    let out = c.run(&server, "alice@pbs", PASSWORD, &fp, &["-c", &script]);
    let listing = ok(&out);
    assert!(
        listing.contains("docs") && listing.contains("big.bin"),
        "{listing}"
    );
    assert_eq!(
        std::fs::read_to_string(&got).unwrap(),
        "hello PLAINMARKER\n"
    );
    let target = c.home.path().join("restored");
    let out = c.run(
        &server,
        "alice@pbs",
        PASSWORD,
        &fp,
        &[
            "restore",
            "host/web1",
            "root.pxar",
            target.to_str().unwrap(),
        ],
    );
    ok(&out);
    common::assert_same_tree(&src, &target);

    // Unchanged tree: the second backup uploads no chunk.
    let out = c.run(
        &server,
        "alice@pbs",
        PASSWORD,
        &fp,
        &[
            "backup",
            &spec,
            "--backup-id",
            "web1",
            "--backup-time",
            "1700000100",
        ],
    );
    ok(&out);
    let after = chunk_files(&server.dir.join("ds"));
    assert_eq!(
        before, after,
        "second backup of an unchanged tree stored new chunks"
    );
    assert_eq!(
        uploaded_chunks(&server.dir.join("ds"), "host/web1/2023-11-14T22:15:00Z"),
        0,
        "second backup of an unchanged tree uploaded chunks"
    );

    // Encrypted: the server never sees the marker.
    let esrc = c.home.path().join("esrc");
    make_source(&esrc, "SECRETMARKER");
    let key = c.home.path().join("k.json");
    ok(&common::pbsh(
        c.home.path(),
        c.home.path(),
        &["key", "create", key.to_str().unwrap(), "--kdf", "none"],
        &[],
    ));
    let espec = format!("root.pxar:{}", esrc.display());
    let out = c.run(
        &server,
        "alice@pbs",
        PASSWORD,
        &fp,
        &[
            "backup",
            &espec,
            "--backup-id",
            "enc",
            "--keyfile",
            key.to_str().unwrap(),
            "--backup-time",
            "1700000000",
        ],
    );
    ok(&out);
    assert!(
        !grep_tree(&server.dir.join("ds"), b"SECRETMARKER"),
        "plaintext reached the server"
    );
    let etarget = c.home.path().join("erestored");
    let out = c.run(
        &server,
        "alice@pbs",
        PASSWORD,
        &fp,
        &[
            "restore",
            "host/enc",
            "root.pxar",
            etarget.to_str().unwrap(),
            "--keyfile",
            key.to_str().unwrap(),
        ],
    );
    ok(&out);
    common::assert_same_tree(&esrc, &etarget);

    // Tasks over the wire: verify, gc (admin), prune, task list/log.
    let out = c.run(
        &server,
        "alice@pbs",
        PASSWORD,
        &fp,
        &["verify", "host/web1"],
    );
    let text = ok(&out);
    assert!(
        text.starts_with("task UPID:") && text.lines().count() > 1,
        "{text}"
    );
    let out = c.run(&server, "admin@pbs", PASSWORD, &fp, &["gc"]);
    let text = ok(&out);
    assert!(
        text.contains("task UPID:") && text.lines().count() > 2,
        "{text}"
    );
    let upid = text
        .lines()
        .next()
        .unwrap()
        .trim_start_matches("task ")
        .to_string();
    let out = c.run(&server, "admin@pbs", PASSWORD, &fp, &["task", "log", &upid]);
    assert!(ok(&out).lines().count() > 1);
    // JSON, as proxmox-backup-client: the task's UPID, not followed.
    let out = c.run(
        &server,
        "admin@pbs",
        PASSWORD,
        &fp,
        &["garbage-collect", "--output-format", "json"],
    );
    let started: serde_json::Value = serde_json::from_str(&ok(&out)).unwrap();
    assert!(
        started
            .as_str()
            .is_some_and(|u| u.starts_with("UPID:") && u.contains(":garbage_collection:")),
        "{started}"
    );
    let out = c.run(
        &server,
        "admin@pbs",
        PASSWORD,
        &fp,
        &["task", "list", "--all"],
    );
    assert!(
        ok(&out).contains("garbage_collection"),
        "{}",
        common::stdout(&out)
    );
    let out = c.run(
        &server,
        "alice@pbs",
        PASSWORD,
        &fp,
        &["prune", "host/web1", "--keep-last", "1"],
    );
    let text = ok(&out);
    assert!(
        text.starts_with("task UPID:")
            && text.contains("host/web1/2023-11-14T22:13:20Z remove")
            && text.contains("host/web1/2023-11-14T22:15:00Z keep"),
        "{text}"
    );
    let out = c.run(&server, "alice@pbs", PASSWORD, &fp, &["-c", "ls host/web1"]);
    let text = ok(&out);
    assert!(
        !text.contains("2023-11-14T22:13:20Z") && text.contains("2023-11-14T22:15:00Z"),
        "{text}"
    );
    // bench: the TLS row is the backup protocol's speed test against the server.
    let out = c.run(
        &server,
        "alice@pbs",
        PASSWORD,
        &fp,
        &["bench", "--duration", "0.2", "--output-format", "json"],
    );
    let v: serde_json::Value = serde_json::from_str(&ok(&out)).unwrap();
    let tls = v["tls"]["speed"].as_f64().unwrap_or(0.0);
    assert!(tls > 0.0, "no TLS upload speed: {v}");
    assert!(
        !server.dir.join("ds/host/benchmark").exists()
            || std::fs::read_dir(server.dir.join("ds/host/benchmark"))
                .unwrap()
                .flatten()
                .all(|e| !e.file_name().to_string_lossy().starts_with("20")),
        "the benchmark snapshot was kept"
    );
    let out = c.run(&server, "alice@pbs", PASSWORD, &fp, &["logout"]);
    assert!(ok(&out).contains("ticket removed"));
}

#[test]
fn remote_server_killed_mid_backup_leaves_nothing_and_retry_succeeds() {
    if !cfg!(feature = "failpoints") {
        // Without `remote.chunk_upload=sleep@…` the backup may end before the kill lands.
        eprintln!("notice: built without the `failpoints` feature; run `cargo test --features failpoints`");
        return;
    }
    let sdir = tempfile::tempdir().unwrap();
    setup_users(sdir.path());
    let mut server = start_server(sdir.path());
    let fp = server.fingerprint.clone();
    let c = Client::new();
    let src = c.home.path().join("src");
    std::fs::create_dir_all(&src).unwrap();
    let mut state = 7u64;
    for i in 0..12 {
        std::fs::write(
            src.join(format!("f{i}.bin")),
            common::pseudo_random(8 << 20, &mut state),
        )
        .unwrap();
    }
    let spec = format!("root.pxar:{}", src.display());
    let repo = format!("alice@pbs@127.0.0.1:{}:store1", server.port);
    let home = c.home.path();
    let mut child = Command::new(bin())
        .args([
            "--repository",
            &repo,
            "--fingerprint",
            &fp,
            "backup",
            &spec,
            "--backup-id",
            "big",
            "--backup-time",
            "1700000000",
        ])
        .current_dir(home)
        .env("HOME", home)
        .env("XDG_DATA_HOME", home.join("data"))
        .env("XDG_CONFIG_HOME", home.join("config"))
        .env("XDG_RUNTIME_DIR", home.join("run"))
        .env("PBS_PASSWORD", PASSWORD)
        // Every chunk upload takes 150 ms: the backup runs for seconds, so the kill lands in it.
        .env("PBSH_FAILPOINTS", "remote.chunk_upload=sleep@150")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let ds = server.dir.join("ds");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    while chunk_files(&ds).len() < 3 && std::time::Instant::now() < deadline {
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    assert!(chunk_files(&ds).len() >= 3, "no upload reached the server");
    assert!(
        child.try_wait().unwrap().is_none(),
        "the backup was over before the server was killed"
    );
    let _ = server.child.kill();
    let _ = server.child.wait();
    let out = child.wait_with_output().unwrap();
    assert!(
        !out.status.success(),
        "backup succeeded although the server died"
    );
    let err = common::stderr(&out);
    eprintln!("backup error after the kill: {err}");
    assert!(
        err.contains("connection") || err.contains("connect"),
        "{err}"
    );
    let partial = chunk_files(&ds);
    assert!(!partial.is_empty());
    let group = ds.join("host/big");
    let leftovers: Vec<_> = std::fs::read_dir(&group)
        .map(|d| d.flatten().map(|e| e.file_name()).collect())
        .unwrap_or_default();
    eprintln!("group dir after the kill: {leftovers:?}");
    assert!(
        leftovers
            .iter()
            .all(|n| n == "owner" || n.to_string_lossy().starts_with('.')),
        "snapshot left behind: {leftovers:?}"
    );
    let unfinished = |group: &Path| -> Vec<String> {
        std::fs::read_dir(group)
            .map(|d| {
                d.flatten()
                    .map(|e| e.file_name().to_string_lossy().into_owned())
                    .filter(|n| n.starts_with(".tmp-"))
                    .collect()
            })
            .unwrap_or_default()
    };
    assert!(
        !unfinished(&group).is_empty(),
        "the killed session left no hidden snapshot directory: {leftovers:?}"
    );

    // The restarted server removes it before it serves anything.
    server = start_server(sdir.path());
    assert_eq!(unfinished(&group), Vec::<String>::new());
    let out = c.run(&server, "alice@pbs", PASSWORD, &fp, &["-c", "ls host/big"]);
    assert!(
        !common::stdout(&out).contains("2023-11-14T22:13:20Z"),
        "half snapshot listed: {}",
        common::stdout(&out)
    );
    let out = c.run(
        &server,
        "alice@pbs",
        PASSWORD,
        &fp,
        &[
            "backup",
            &spec,
            "--backup-id",
            "big",
            "--backup-time",
            "1700000001",
        ],
    );
    ok(&out);
    assert_eq!(unfinished(&group), Vec::<String>::new());
    let all = chunk_files(&ds);
    for p in &partial {
        assert!(
            all.contains(p),
            "chunk {} of the failed backup was not kept",
            p.display()
        );
    }
    let target = home.join("restored");
    let out = c.run(
        &server,
        "alice@pbs",
        PASSWORD,
        &fp,
        &["restore", "host/big", "root.pxar", target.to_str().unwrap()],
    );
    ok(&out);
    common::assert_same_tree(&src, &target);
}

/// Rewrites alice's password on the server (the server reads its users file at every login).
fn change_password(sdir: &Path, user: &str, password: &str) {
    let out = Command::new(bin())
        .args([
            "serve",
            "user",
            "add",
            user,
            "--config-dir",
            sdir.join("cfg").to_str().unwrap(),
        ])
        .env("PBS_PASSWORD", password)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", common::stderr(&out));
}

#[test]
fn remote_root_lists_every_datastore_and_browses_another_over_the_same_login() {
    let sdir = tempfile::tempdir().unwrap();
    setup_users(sdir.path());
    let server = start_server_with(
        sdir.path(),
        &ServeOpts {
            stores: &[("store1", "ds"), ("store2", "ds2")],
            port: 0,
            env: &[],
        },
    );
    let fp = server.fingerprint.clone();
    let c = Client::new();
    let src = c.home.path().join("src");
    make_source(&src, "SECONDSTORE");
    let spec = format!("root.pxar:{}", src.display());
    ok(&c.run_on(
        &server,
        "store2",
        "alice@pbs",
        PASSWORD,
        &fp,
        &[
            "backup",
            &spec,
            "--backup-id",
            "web2",
            "--backup-time",
            "1700000000",
        ],
    ));

    // A shell on store1 that logs in once with the password.
    let home = c.home.path();
    let mut sh = Shell::open(
        server.port,
        "store1",
        "alice@pbs",
        &fp,
        home,
        &[("PBS_PASSWORD", PASSWORD)],
    );
    assert_eq!(sh.ok("ls /"), ["store1/", "store2/"]);
    assert_eq!(sh.ok("pwd"), ["/store1"]);
    assert!(
        sh.ok("ls").is_empty(),
        "store1 has no backups, its listing must be empty"
    );

    // From here on, a second login could not succeed: the password the shell knows is no
    // longer alice's and no ticket is cached on disk. Only the session's own ticket works.
    change_password(sdir.path(), "alice@pbs", "another-pass");
    std::fs::remove_file(home.join("run/pbsh/tickets")).unwrap();

    let snaps = sh.ok("ls /store2/host/web2");
    assert_eq!(snaps, ["2023-11-14T22:13:20Z/"], "{snaps:?}");
    let files = sh.ok("ls /store2/host/web2/2023-11-14T22:13:20Z/root.pxar/docs");
    assert!(files.contains(&"notes.txt".to_string()), "{files:?}");
    assert_eq!(
        sh.ok("cat /store2/host/web2/2023-11-14T22:13:20Z/root.pxar/docs/notes.txt"),
        ["hello SECONDSTORE"]
    );
    // cd into the other datastore: the session's datastore follows (relative paths, and
    // commands that name no path, act on store2).
    sh.ok("cd /store2/host/web2");
    assert_eq!(sh.ok("pwd"), ["/store2/host/web2"]);
    assert_eq!(sh.ok("ls"), ["2023-11-14T22:13:20Z/"]);
    let groups = sh.ok("list");
    assert!(
        groups.iter().any(|l| l.contains("host/web2")),
        "`list` in store2 shows its groups: {groups:?}"
    );
    sh.ok("cd /store1");
    assert!(sh.ok("list").iter().all(|l| !l.contains("host/web2")));
    // A datastore the server does not have is named as such, with the ones it has.
    let (out, err) = sh.run("ls /nosuchstore");
    assert!(out.is_empty(), "{out:?}");
    assert!(
        err.len() == 1
            && err[0].contains("/nosuchstore: no such datastore")
            && err[0].contains("store1, store2"),
        "{err:?}"
    );
    assert!(
        !home.join("run/pbsh/tickets").exists(),
        "the session logged in again"
    );
}

#[test]
fn remote_shell_reports_a_dead_server_and_reconnects_when_it_is_back() {
    let sdir = tempfile::tempdir().unwrap();
    setup_users(sdir.path());
    // A fixed port, so the restarted server is at the same address; the config dir keeps the
    // certificate, so the pinned fingerprint stays right.
    let port = free_port();
    let opts = ServeOpts {
        stores: DEFAULT_STORES,
        port,
        env: &[],
    };
    let mut server = start_server_with(sdir.path(), &opts);
    let fp = server.fingerprint.clone();
    let home = tempfile::tempdir().unwrap();
    let mut sh = Shell::open(
        port,
        "store1",
        "alice@pbs",
        &fp,
        home.path(),
        &[("PBS_PASSWORD", PASSWORD)],
    );
    assert_eq!(sh.ok("ls /"), ["store1/"]);

    let _ = server.child.kill();
    let _ = server.child.wait();
    let (out, err) = sh.run("ls /");
    assert!(out.is_empty(), "{out:?}");
    assert_eq!(err.len(), 1, "one line: {err:?}");
    assert!(
        err[0].starts_with("pbsh: <stdin>:")
            && err[0].contains(&format!("127.0.0.1:{port}"))
            && err[0].contains("connect"),
        "the error names the connection: {err:?}"
    );
    // The shell is still there.
    assert_eq!(sh.ok("pwd"), ["/store1"]);

    server = start_server_with(sdir.path(), &opts);
    assert_eq!(server.fingerprint, fp);
    assert_eq!(sh.ok("ls /"), ["store1/"]);
    assert!(sh.ok("ls /store1").is_empty());

    // A server that lost its ticket key refuses the session's ticket: the shell logs in again
    // (the password is at hand) and the command goes through.
    let _ = server.child.kill();
    let _ = server.child.wait();
    std::fs::remove_file(sdir.path().join("cfg/authkey.key")).unwrap();
    server = start_server_with(sdir.path(), &opts);
    assert_eq!(server.fingerprint, fp);
    assert_eq!(sh.ok("ls /"), ["store1/"]);
    drop(server);
}

/// A small source tree (one text file), quick to back up.
fn small_source(dir: &Path, marker: &str) {
    std::fs::create_dir_all(dir).unwrap();
    std::fs::write(dir.join("a.txt"), format!("{marker}\n")).unwrap();
}

/// The `verify_state` a snapshot's manifest carries on the server, if any.
fn verify_state(ds: &Path, snapshot: &str) -> Option<serde_json::Value> {
    let raw = std::fs::read(ds.join(snapshot).join("index.json.blob")).unwrap();
    let json = pbsh::format::blob::decode(&raw, None, 1 << 24).unwrap();
    let v: serde_json::Value = serde_json::from_slice(&json).unwrap();
    v["unprotected"].get("verify_state").cloned()
}

/// Starts `pbsh ARGS` against `server` in the background; returns it and the UPID it prints
/// first (`task UPID:…`).
fn spawn_task_command(server: &Server, home: &Path, user: &str, args: &[&str]) -> (Child, String) {
    let repo = format!("{user}@127.0.0.1:{}:store1", server.port);
    let mut child = Command::new(bin())
        .args(["--repository", &repo, "--fingerprint", &server.fingerprint])
        .args(args)
        .current_dir(home)
        .env("HOME", home)
        .env("XDG_DATA_HOME", home.join("data"))
        .env("XDG_CONFIG_HOME", home.join("config"))
        .env("XDG_RUNTIME_DIR", home.join("run"))
        .env("PBS_PASSWORD", PASSWORD)
        .env_remove("PBSH_FAILPOINTS")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = String::new();
    let mut out = BufReader::new(child.stdout.take().unwrap());
    out.read_line(&mut first).unwrap();
    let upid = first
        .trim()
        .strip_prefix("task ")
        .unwrap_or_else(|| panic!("no task line: {first:?}"))
        .to_string();
    assert!(upid.starts_with("UPID:"), "{upid}");
    // Keep draining its output so it never blocks on a full pipe.
    let rest = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = std::io::Read::read_to_string(&mut out, &mut s);
        s
    });
    drop(rest);
    (child, upid)
}

/// The `task list` row of `upid`.
fn task_row(sh: &mut Shell, upid: &str) -> String {
    let rows = sh.ok("task list --all");
    rows.into_iter()
        .find(|r| r.ends_with(upid))
        .unwrap_or_else(|| panic!("{upid} is not in the task list"))
}

#[test]
fn remote_task_list_stop_and_follow() {
    if !cfg!(feature = "failpoints") {
        eprintln!("notice: built without the `failpoints` feature; run `cargo test --features failpoints`");
        return;
    }
    let sdir = tempfile::tempdir().unwrap();
    setup_users(sdir.path());
    // Verify tasks wait before each group, collections before each step, while these exist.
    let verify_gate = sdir.path().join("verify.gate");
    std::fs::write(&verify_gate, "").unwrap();
    let gc_gate = sdir.path().join("gc.gate");
    std::fs::write(&gc_gate, "").unwrap();
    let failpoints = format!(
        "serve.verify.group=gate@{},gc.step=gate@{}",
        verify_gate.display(),
        gc_gate.display()
    );
    let server = start_server_with(
        sdir.path(),
        &ServeOpts {
            stores: DEFAULT_STORES,
            port: 0,
            env: &[("PBSH_FAILPOINTS", &failpoints)],
        },
    );
    let fp = server.fingerprint.clone();
    let ds = server.dir.join("ds");
    let c = Client::new();
    let home = c.home.path();
    for (id, time) in [
        ("a", "1700000000"),
        ("b", "1700000100"),
        ("c", "1700000200"),
    ] {
        let src = home.join(format!("src-{id}"));
        small_source(&src, id);
        let spec = format!("root.pxar:{}", src.display());
        ok(&c.run(
            &server,
            "admin@pbs",
            PASSWORD,
            &fp,
            &["backup", &spec, "--backup-id", id, "--backup-time", time],
        ));
    }
    let mut sh = Shell::open(
        server.port,
        "store1",
        "admin@pbs",
        &fp,
        home,
        &[("PBS_PASSWORD", PASSWORD)],
    );

    // 1. `task stop` on a verify held before its first group.
    let (verify, upid) = spawn_task_command(&server, home, "admin@pbs", &["verify"]);
    let row = task_row(&mut sh, &upid);
    assert!(row.contains("running"), "{row}");
    assert_eq!(
        sh.ok(&format!("task stop {upid}")),
        [format!("stop requested for {upid}")]
    );
    let (log, err) = sh.run(&format!("task log --follow {upid}"));
    assert!(
        log.last()
            .is_some_and(|l| l.ends_with("TASK ERROR: task aborted")),
        "{log:?}"
    );
    assert!(
        err.len() == 1 && err[0].contains(&format!("task {upid}: failed: task aborted")),
        "{err:?}"
    );
    let row = task_row(&mut sh, &upid);
    assert!(
        row.contains("task aborted") && !row.contains("running"),
        "{row}"
    );
    // As proxmox-backup-client: without --all only running tasks are listed.
    assert!(
        !sh.ok("task list").iter().any(|r| r.ends_with(&upid)),
        "an ended task in the running list"
    );
    let listed = sh.ok("task list --all --output-format json").join("\n");
    let tasks: serde_json::Value = serde_json::from_str(&listed).unwrap();
    assert!(
        tasks
            .as_array()
            .unwrap()
            .iter()
            .any(|t| t["upid"] == upid.as_str() && t["status"] == "task aborted"),
        "{tasks}"
    );
    // --limit: of the several tasks so far (three backups, the verify), one is listed.
    assert!(tasks.as_array().unwrap().len() > 1, "{tasks}");
    let limited = sh
        .ok("task list --all --limit 1 --output-format json")
        .join("\n");
    let limited: serde_json::Value = serde_json::from_str(&limited).unwrap();
    assert_eq!(limited.as_array().unwrap().len(), 1, "{limited}");
    let out = verify.wait_with_output().unwrap();
    assert!(!out.status.success(), "the stopped verify reported success");
    assert!(
        common::stderr(&out).contains("task aborted"),
        "{}",
        common::stderr(&out)
    );
    for snap in [
        "host/a/2023-11-14T22:13:20Z",
        "host/b/2023-11-14T22:15:00Z",
        "host/c/2023-11-14T22:16:40Z",
    ] {
        assert_eq!(
            verify_state(&ds, snap),
            None,
            "{snap} was verified by a stopped task"
        );
    }

    // 1b. `task stop` on a garbage collection held at its first step.
    let (gc, upid) = spawn_task_command(&server, home, "admin@pbs", &["garbage-collect"]);
    let row = task_row(&mut sh, &upid);
    assert!(row.contains("running"), "{row}");
    sh.ok(&format!("task stop {upid}"));
    let (log, _) = sh.run(&format!("task log --follow {upid}"));
    assert!(
        log.last()
            .is_some_and(|l| l.ends_with("TASK ERROR: task aborted")),
        "{log:?}"
    );
    assert!(!gc.wait_with_output().unwrap().status.success());
    assert!(chunk_files(&ds).len() >= 3, "a stopped gc removed chunks");

    // 2. `task stop` on a backup session: the server drops it and removes what it wrote.
    let upload_gate = home.join("upload.gate");
    std::fs::write(&upload_gate, "").unwrap();
    let src = home.join("src-d");
    small_source(&src, "d");
    let spec = format!("root.pxar:{}", src.display());
    let repo = format!("admin@pbs@127.0.0.1:{}:store1", server.port);
    let backup = Command::new(bin())
        .args(["--repository", &repo, "--fingerprint", &fp])
        .args(["backup", &spec, "--backup-id", "d"])
        .current_dir(home)
        .env("HOME", home)
        .env("XDG_DATA_HOME", home.join("data"))
        .env("XDG_CONFIG_HOME", home.join("config"))
        .env("XDG_RUNTIME_DIR", home.join("run"))
        .env("PBS_PASSWORD", PASSWORD)
        // The client holds its first chunk upload while the gate file exists.
        .env(
            "PBSH_FAILPOINTS",
            format!("remote.chunk_upload=gate@{}", upload_gate.display()),
        )
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = std::time::Instant::now() + HANG_GUARD;
    let backup_upid = loop {
        let running = sh
            .ok("task list")
            .into_iter()
            .find(|r| r.contains(":backup:") && r.contains("running"));
        if let Some(row) = running {
            break row.rsplit(' ').next().unwrap().to_string();
        }
        assert!(
            std::time::Instant::now() < deadline,
            "no backup task showed up"
        );
        std::thread::sleep(std::time::Duration::from_millis(100));
    };
    sh.ok(&format!("task stop {backup_upid}"));
    let (log, _) = sh.run(&format!("task log --follow {backup_upid}"));
    assert!(
        log.last()
            .is_some_and(|l| l.ends_with("TASK ERROR: task aborted")),
        "{log:?}"
    );
    std::fs::remove_file(&upload_gate).unwrap();
    let out = backup.wait_with_output().unwrap();
    assert!(!out.status.success(), "the stopped backup reported success");
    let err = common::stderr(&out);
    assert!(err.contains("connection lost"), "{err}");
    let group: Vec<_> = std::fs::read_dir(ds.join("host/d"))
        .map(|d| d.flatten().map(|e| e.file_name()).collect())
        .unwrap_or_default();
    assert!(
        group.iter().all(|n| n == "owner"),
        "the stopped backup left {group:?}"
    );

    // 3. `task log --follow` streams a running verify until it ends, and succeeds.
    let (verify, upid) = spawn_task_command(&server, home, "admin@pbs", &["verify"]);
    assert!(task_row(&mut sh, &upid).contains("running"));
    sh.start(&format!("task log --follow {upid}"));
    let first = sh.next_line();
    assert!(
        first.contains("verify datastore store1: 3 snapshot(s)"),
        "{first}"
    );
    // Only now does the task go on: what follows was written after the follow began.
    std::fs::remove_file(&verify_gate).unwrap();
    let (log, err) = sh.finish(vec![first]);
    assert!(
        err.is_empty(),
        "follow of a successful task failed: {err:?}"
    );
    for snap in [
        "host/a/2023-11-14T22:13:20Z",
        "host/b/2023-11-14T22:15:00Z",
        "host/c/2023-11-14T22:16:40Z",
    ] {
        assert!(
            log.iter()
                .any(|l| l.ends_with(&format!("verified {snap}: ok"))),
            "{snap} missing from {log:?}"
        );
        assert_eq!(
            verify_state(&ds, snap).and_then(|v| v["state"].as_str().map(String::from)),
            Some("ok".to_string())
        );
    }
    assert!(
        log.last().is_some_and(|l| l.ends_with("TASK OK")),
        "{log:?}"
    );
    let row = task_row(&mut sh, &upid);
    assert!(row.contains(" OK ") && !row.contains("running"), "{row}");
    let out = verify.wait_with_output().unwrap();
    assert!(out.status.success(), "{}", common::stderr(&out));
}

#[test]
fn remote_session_renews_its_ticket_and_says_so_when_it_expired() {
    // Tickets live 6 s on the server (and the client assumes the same); the session renews
    // its ticket once it is a second old.
    const LIFETIME: &str = "6";
    let lifetime = std::time::Duration::from_secs(6);
    let sdir = tempfile::tempdir().unwrap();
    setup_users(sdir.path());
    let server = start_server_with(
        sdir.path(),
        &ServeOpts {
            stores: DEFAULT_STORES,
            port: 0,
            env: &[("PBSH_TICKET_LIFETIME_SECS", LIFETIME)],
        },
    );
    let fp = server.fingerprint.clone();
    let c = Client::new();
    let home = c.home.path();
    // The password is used once, here; the shells below never see it.
    assert!(ok(&c.run(&server, "alice@pbs", PASSWORD, &fp, &["login"])).contains("logged in"));
    let first_login = std::time::Instant::now();

    let mut sh = Shell::open(
        server.port,
        "store1",
        "alice@pbs",
        &fp,
        home,
        &[
            ("PBSH_TICKET_LIFETIME_SECS", LIFETIME),
            ("PBSH_TICKET_RENEW_SECS", "1"),
        ],
    );
    assert_eq!(sh.ok("ls /"), ["store1/"]);
    while first_login.elapsed() < lifetime * 3 / 2 {
        std::thread::sleep(std::time::Duration::from_millis(1500));
        assert_eq!(
            sh.ok("ls /"),
            ["store1/"],
            "the renewed session stopped working"
        );
    }
    // Every ticket the password bought has expired by now: only renewal kept it going.
    assert!(first_login.elapsed() > lifetime);
    drop(sh);

    // A session that does not renew (the renewal age is beyond the lifetime) and has no
    // password: once its ticket expired, it says to log in again.
    let mut sh = Shell::open(
        server.port,
        "store1",
        "alice@pbs",
        &fp,
        home,
        &[
            ("PBSH_TICKET_LIFETIME_SECS", LIFETIME),
            ("PBSH_TICKET_RENEW_SECS", "100000"),
        ],
    );
    assert_eq!(sh.ok("ls /"), ["store1/"]);
    std::thread::sleep(lifetime + std::time::Duration::from_secs(1));
    let (out, err) = sh.run("ls /");
    assert!(out.is_empty(), "{out:?}");
    assert_eq!(err.len(), 1, "{err:?}");
    assert!(
        err[0].contains("alice@pbs")
            && err[0].contains("expired")
            && err[0].contains("log in again")
            && err[0].contains("PBS_PASSWORD"),
        "{err:?}"
    );
    // The shell is still usable for what needs no server.
    assert_eq!(sh.ok("pwd"), ["/store1"]);
}
