//! The real proxmox-backup-client 3.2.4 against `pbsh serve` and against the real PBS 3.2.4
//! server, driven the same way: every step's result (listings, manifests, catalogs, restored trees,
//! task states) must be the same from both servers, and right in itself.

use crate::peer::{self, ok, ok_json, ClientHome, RealServer};
use crate::{common, serve_common};
use crate::{make_source, pipe_stdin, snap, tree_contents_equal, wait_for, T1, T2};
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

/// One server as the real client sees it.
struct Side<'a> {
    label: &'static str,
    /// Wraps a program so that it reaches the server (`nsenter` for the real one).
    wrap: &'a dyn Fn(&Path) -> Command,
    /// `127.0.0.1[:PORT]`.
    host: String,
    store: String,
    user: String,
    password: String,
    fingerprint: String,
    /// `user@realm!tok` and its secret.
    token: (String, String),
    /// A second user without rights on other users' groups.
    other_user: (String, String),
    datastore_dir: PathBuf,
}

impl Side<'_> {
    fn repo(&self) -> String {
        self.repo_as(&self.user)
    }
    fn repo_as(&self, authid: &str) -> String {
        format!("{authid}@{}:{}", self.host, self.store)
    }
}

/// The real client, run against `side` with a private HOME.
fn client(side: &Side, home: &ClientHome, pbs: &Path, args: &[&str]) -> Command {
    let mut cmd = (side.wrap)(&peer::client_bin(pbs));
    home.apply(&mut cmd);
    cmd.args(args)
        .env("PBS_REPOSITORY", side.repo())
        .env("PBS_PASSWORD", &side.password)
        .env("PBS_FINGERPRINT", &side.fingerprint)
        .stdin(Stdio::null());
    cmd
}

fn run(side: &Side, home: &ClientHome, pbs: &Path, args: &[&str]) -> Output {
    client(side, home, pbs, args).output().expect("run client")
}

/// Replaces what legitimately differs between the two servers (store, user, host names, UPID
/// numbers) so results compare.
fn normalize(side: &Side, text: &str) -> String {
    let mut t = text
        .replace(&side.store, "STORE")
        .replace(&side.token.0, "TOKEN")
        .replace(&side.user, "USER")
        .replace(&side.other_user.0, "OTHER");
    // UPIDs: keep only the worker type and id.
    while let Some(start) = t.find("UPID:") {
        let end = t[start..]
            .find(|c: char| c == '"' || c.is_whitespace())
            .map_or(t.len(), |e| start + e);
        let parts: Vec<&str> = t[start..end].split(':').collect();
        let short = format!("upid<{}>", parts.get(6).copied().unwrap_or("?"));
        t.replace_range(start..end, &short);
    }
    t
}

/// A JSON listing with its arrays sorted, so order (which PBS does not promise) does not count.
fn sorted(mut v: Value) -> Value {
    fn key(v: &Value) -> String {
        v.to_string()
    }
    match &mut v {
        Value::Array(items) => {
            let mut new: Vec<Value> = items.drain(..).map(sorted).collect();
            new.sort_by_key(key);
            *items = new;
        }
        Value::Object(map) => {
            for (_, item) in map.iter_mut() {
                *item = sorted(item.take());
            }
        }
        _ => {}
    }
    v
}

fn drop_keys(mut v: Value, keys: &[&str]) -> Value {
    match &mut v {
        Value::Array(items) => {
            for item in items.iter_mut() {
                *item = drop_keys(item.take(), keys);
            }
        }
        Value::Object(map) => {
            for k in keys {
                map.remove(*k);
            }
            for (_, item) in map.iter_mut() {
                *item = drop_keys(item.take(), keys);
            }
        }
        _ => {}
    }
    v
}

/// The whole scenario against one server; returns each step's comparable result.
fn scenario(side: &Side, pbs: &Path, work: &Path, key: &Path) -> BTreeMap<String, String> {
    let mut results = BTreeMap::new();
    let mut record = |step: &str, text: String| {
        results.insert(step.to_string(), normalize(side, &text));
    };
    let home = ClientHome::new();
    let src = make_source(work);
    let src_s = src.to_str().unwrap();
    let out_dir = work.join("out");
    std::fs::create_dir_all(&out_dir).unwrap();
    let c = |args: &[&str]| run(side, &home, pbs, args);

    // Login, then the cached ticket serves a command without a password; logout forgets it.
    ok(c(&["login"]));
    let listed = client(side, &home, pbs, &["list", "--output-format", "json"])
        .env_remove("PBS_PASSWORD")
        .output()
        .unwrap();
    record("login: list with the cached ticket", ok(listed));
    ok(c(&["logout"]));
    let after_logout = client(side, &home, pbs, &["list"])
        .env_remove("PBS_PASSWORD")
        .output()
        .unwrap();
    assert!(
        !after_logout.status.success(),
        "{}",
        peer::both(&after_logout)
    );
    record("logout: list without a ticket fails", "failed".into());

    // An API token.
    let token_home = ClientHome::new();
    let token_list = client(side, &token_home, pbs, &["list", "--output-format", "json"])
        .env("PBS_REPOSITORY", side.repo_as(&side.token.0))
        .env("PBS_PASSWORD", &side.token.1)
        .output()
        .unwrap();
    record("token: list", ok(token_list));

    // version
    let version = ok_json(c(&["version", "--output-format", "json"]));
    assert_eq!(version["client"]["version"], "3.2");
    record(
        "version: server",
        format!(
            "{} {}",
            version["server"]["version"], version["server"]["release"]
        ),
    );

    // Plain directory backup, twice (the second reuses every chunk).
    let t1 = T1.to_string();
    let t2 = T2.to_string();
    for t in [&t1, &t2] {
        ok(c(&[
            "backup",
            &format!("root.pxar:{src_s}"),
            "--backup-id",
            "plain",
            "--backup-time",
            t,
        ]));
    }
    let s1 = snap("plain", T1);
    record(
        "list",
        sorted(ok_json(c(&["list", "--output-format", "json"]))).to_string(),
    );
    record(
        "snapshot list",
        sorted(ok_json(c(&["snapshot", "list", "--output-format", "json"]))).to_string(),
    );
    record(
        "snapshot files",
        sorted(ok_json(c(&[
            "snapshot",
            "files",
            &s1,
            "--output-format",
            "json",
        ])))
        .to_string(),
    );
    let restored = out_dir.join("plain");
    ok(c(&[
        "restore",
        &s1,
        "root.pxar",
        restored.to_str().unwrap(),
    ]));
    common::assert_same_tree(&src, &restored);
    record("restore plain", "same tree".into());
    let manifest = ok_json(c(&["restore", &s1, "index.json", "-"]));
    record(
        "restore index.json to stdout",
        sorted(drop_keys(manifest.clone(), &["unprotected"])).to_string(),
    );
    record(
        "manifest: unprotected part",
        manifest["unprotected"].to_string(),
    );
    let dump = peer::ok_printed(c(&["catalog", "dump", &s1]));
    assert!(dump.contains("docs/nested/deep.txt"), "{dump}");
    record("catalog dump", dump);
    let mut shell = client(side, &home, pbs, &["catalog", "shell", &s1, "root.pxar"]);
    let sel = out_dir.join("selected");
    let script = format!(
        "ls\ncd docs\nls\npwd\nfind *.txt --select\nlist-selected\nrestore-selected {}\nexit\n",
        sel.display()
    );
    let shell_out = pipe_stdin(&mut shell, &script);
    let shell_text = peer::ok_printed(shell_out);
    assert!(shell_text.contains("note19.txt"), "{shell_text}");
    record("catalog shell", shell_text);
    common::assert_same_tree(&src.join("docs"), &sel.join("docs"));
    let mut cat = client(side, &home, pbs, &["restore", &s1, "root.pxar", "-"]);
    let raw = cat.output().unwrap();
    assert!(raw.status.success(), "{}", peer::both(&raw));
    record(
        "restore archive to stdout (pxar bytes)",
        sha256_hex(&raw.stdout),
    );

    // Notes, protection, an uploaded log.
    ok(c(&["snapshot", "notes", "update", &s1, "hello notes"]));
    let notes = peer::ok_printed(c(&["snapshot", "notes", "show", &s1]));
    assert_eq!(notes.trim(), "hello notes");
    record("notes", notes);
    ok(c(&["snapshot", "protected", "update", &s1, "true"]));
    let protected = peer::ok_printed(c(&["snapshot", "protected", "show", &s1]));
    assert_eq!(protected.trim(), "true");
    record("protected", protected);
    let forget_protected = c(&["snapshot", "forget", &s1]);
    assert!(!forget_protected.status.success());
    record("forget of a protected snapshot fails", "failed".into());
    ok(c(&["snapshot", "protected", "update", &s1, "false"]));
    let log = work.join("log.txt");
    std::fs::write(&log, "a client log line\n").unwrap();
    ok(c(&["snapshot", "upload-log", &s1, log.to_str().unwrap()]));
    let files = ok_json(c(&["snapshot", "files", &s1, "--output-format", "json"]));
    record("snapshot files after upload-log", sorted(files).to_string());
    // The log is no manifest file (no client restores it); it is stored beside the manifest.
    let snap_dir = side.datastore_dir.join(&s1);
    assert!(
        snap_dir.join("client.log.blob").is_file(),
        "{}",
        snap_dir.display()
    );
    record("client.log.blob stored", "yes".into());

    // Image and config blob.
    let img = work.join("disk.img");
    let mut state = 7u64;
    let mut image = common::pseudo_random(3 << 20, &mut state);
    image.extend(vec![0u8; (4 << 20) + 12345]);
    std::fs::write(&img, &image).unwrap();
    let conf = work.join("app.conf");
    std::fs::write(&conf, "key = value\n").unwrap();
    ok(c(&[
        "backup",
        &format!("disk.img:{}", img.display()),
        &format!("app.conf:{}", conf.display()),
        "--backup-id",
        "image",
        "--backup-time",
        &t1,
    ]));
    let simg = snap("image", T1);
    let img_back = out_dir.join("disk.img");
    ok(c(&[
        "restore",
        &simg,
        "disk.img",
        img_back.to_str().unwrap(),
    ]));
    assert!(std::fs::read(&img_back).unwrap() == image, "image differs");
    let conf_back = out_dir.join("app.conf");
    ok(c(&[
        "restore",
        &simg,
        "app.conf",
        conf_back.to_str().unwrap(),
    ]));
    assert_eq!(std::fs::read(&conf_back).unwrap(), b"key = value\n");
    let img_stdout = c(&["restore", &simg, "disk.img", "-"]);
    assert!(img_stdout.stdout == image, "image to stdout differs");
    record(
        "image files",
        sorted(ok_json(c(&[
            "snapshot",
            "files",
            &simg,
            "--output-format",
            "json",
        ])))
        .to_string(),
    );

    // Encryption: a key file, sign-only, and a master public key.
    // One key for both servers (made by the real client), so signatures compare too.
    let key = key.to_path_buf();
    let master_pub =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/vectors/keys/master-public.pem");
    for (id, extra) in [
        ("enc", vec!["--keyfile", key.to_str().unwrap()]),
        (
            "signed",
            vec![
                "--keyfile",
                key.to_str().unwrap(),
                "--crypt-mode",
                "sign-only",
            ],
        ),
        (
            "master",
            vec![
                "--keyfile",
                key.to_str().unwrap(),
                "--master-pubkey-file",
                master_pub.to_str().unwrap(),
            ],
        ),
    ] {
        let mut args = vec![
            "backup".to_string(),
            format!("root.pxar:{src_s}"),
            "--backup-id".into(),
            id.into(),
            "--backup-time".into(),
            t1.clone(),
        ];
        args.extend(extra.iter().map(|s| s.to_string()));
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        ok(c(&args));
        let s = snap(id, T1);
        let back = out_dir.join(id);
        ok(c(&[
            "restore",
            &s,
            "root.pxar",
            back.to_str().unwrap(),
            "--keyfile",
            key.to_str().unwrap(),
        ]));
        common::assert_same_tree(&src, &back);
        let mut files = ok_json(c(&["snapshot", "files", &s, "--output-format", "json"]));
        if id == "master" {
            // RSA encryption is randomized: the key blob's checksum, so the compressed
            // manifest's size, differs from run to run by a byte or two.
            for f in files.as_array_mut().unwrap() {
                if f["filename"] == "index.json.blob" {
                    f["size"] = Value::Null;
                }
            }
        }
        record(&format!("{id}: files"), sorted(files).to_string());
    }
    if side.label == "pbsh serve" {
        // Encrypted chunks reach the datastore as ciphertext: no source bytes in any chunk.
        assert!(!datastore_contains(
            &side.datastore_dir,
            b"note 19\nnote 19\n",
            "enc"
        ));
    }

    // Namespaces.
    ok(c(&["namespace", "create", "a"]));
    ok(c(&["namespace", "create", "a/b"]));
    let namespaces = peer::ok_printed(c(&["namespace", "list"]));
    assert!(
        namespaces.lines().any(|l| l.trim() == "a/b"),
        "{namespaces}"
    );
    record("namespace list", namespaces);
    ok(c(&[
        "backup",
        &format!("root.pxar:{src_s}"),
        "--backup-id",
        "inns",
        "--backup-time",
        &t1,
        "--ns",
        "a/b",
    ]));
    record(
        "list --ns a/b",
        sorted(ok_json(c(&[
            "list",
            "--ns",
            "a/b",
            "--output-format",
            "json",
        ])))
        .to_string(),
    );
    let ns_back = out_dir.join("ns");
    ok(c(&[
        "restore",
        &snap("inns", T1),
        "root.pxar",
        ns_back.to_str().unwrap(),
        "--ns",
        "a/b",
    ]));
    common::assert_same_tree(&src, &ns_back);
    let delete_busy = c(&["namespace", "delete", "a/b"]);
    record(
        "namespace delete of a non-empty namespace",
        if delete_busy.status.success() {
            "ok"
        } else {
            "failed"
        }
        .into(),
    );
    ok(c(&["snapshot", "forget", &snap("inns", T1), "--ns", "a/b"]));
    let after_forget = c(&["namespace", "delete", "a/b"]);
    record(
        "namespace delete after forgetting its only snapshot",
        if after_forget.status.success() {
            "ok".to_string()
        } else {
            error_line(&after_forget)
        },
    );
    if !after_forget.status.success() {
        ok(c(&[
            "namespace",
            "delete",
            "a/b",
            "--delete-groups",
            "true",
        ]));
    }
    let after_delete = peer::ok_printed(c(&["namespace", "list"]));
    assert!(!after_delete.contains("a/b"), "{after_delete}");
    record("namespace list after delete", after_delete);

    // Prune: a dry run changes nothing, the real one removes the older snapshot.
    let dry = ok_json(c(&[
        "prune",
        "host/plain",
        "--keep-last",
        "1",
        "--dry-run",
        "--output-format",
        "json",
    ]));
    record("prune --dry-run", sorted(dry).to_string());
    assert_eq!(
        snapshot_times(
            &c(&["snapshot", "list", "--output-format", "json"]),
            "plain"
        )
        .len(),
        2
    );
    ok(c(&["prune", "host/plain", "--keep-last", "1"]));
    record(
        "after prune",
        format!(
            "{:?}",
            snapshot_times(
                &c(&["snapshot", "list", "--output-format", "json"]),
                "plain"
            )
        ),
    );

    // Garbage collection, status, change-owner, forget.
    let gc = c(&["garbage-collect"]);
    record("garbage-collect", ok_or_status(&gc));
    let status = ok_json(c(&["status", "--output-format", "json"]));
    for k in ["total", "used", "avail"] {
        assert!(status[k].as_u64().is_some(), "{status}");
    }
    record("status keys", keys_of(&status));
    ok(c(&["change-owner", "host/image", &side.token.0]));
    let groups = ok_json(c(&["list", "--output-format", "json"]));
    record("change-owner to a token", owners(&groups));
    let missing = c(&["change-owner", "host/image", "nobody@pbs"]);
    record("change-owner to a missing user", error_line(&missing));
    ok(c(&["change-owner", "host/image", &side.user]));
    // The other user may not take a group it does not own.
    let other = client(
        side,
        &home,
        pbs,
        &["change-owner", "host/image", &side.other_user.0],
    )
    .env("PBS_REPOSITORY", side.repo_as(&side.other_user.0))
    .env("PBS_PASSWORD", &side.other_user.1)
    .output()
    .unwrap();
    assert!(!other.status.success());
    record("change-owner by a user without rights", "failed".into());
    ok(c(&["snapshot", "forget", &snap("signed", T1)]));
    record(
        "groups after forget",
        format!(
            "{:?}",
            group_ids(&ok_json(c(&["list", "--output-format", "json"])))
        ),
    );

    // Benchmark (upload speed against this server), then the task list.
    let bench = ok_json(c(&["benchmark", "--output-format", "json"]));
    assert!(
        bench["tls"]["speed"].as_f64().is_some_and(|s| s > 0.0),
        "{bench}"
    );
    record("benchmark", keys_of(&bench));
    let tasks = ok_json(c(&[
        "task",
        "list",
        "--all",
        "--output-format",
        "json",
        "--limit",
        "100",
    ]));
    record("task list", task_summary(&tasks));
    let gc_upid = tasks
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["worker_type"] == "garbage_collection")
        .and_then(|t| t["upid"].as_str())
        .expect("a gc task")
        .to_string();
    let gc_log = ok(c(&["task", "log", &gc_upid]));
    assert!(
        gc_log.contains("TASK OK") || gc_log.trim_end().ends_with("OK"),
        "{gc_log}"
    );
    record("task log of gc ends OK", "ok".into());

    // Mount and map (FUSE; map also needs loop devices).
    let mnt = work.join("mnt");
    std::fs::create_dir_all(&mnt).unwrap();
    let s_enc = snap("enc", T1);
    ok(c(&[
        "mount",
        &s_enc,
        "root.pxar",
        mnt.to_str().unwrap(),
        "--keyfile",
        key.to_str().unwrap(),
    ]));
    let mounted = wait_for(|| mnt.join("docs").exists());
    let same = mounted && tree_contents_equal(&src, &mnt);
    let _ = Command::new("fusermount3").arg("-u").arg(&mnt).status();
    assert!(
        mounted && same,
        "{}: mount does not show the source tree",
        side.label
    );
    record("mount", "same contents".into());
    if Path::new("/dev/loop-control").exists() {
        let mapped = c(&["map", &simg, "disk.img"]);
        let said = peer::both(&mapped);
        assert!(mapped.status.success(), "{said}");
        let dev = said
            .split_whitespace()
            .find(|w| w.starts_with("/dev/loop"))
            .map(str::to_string)
            .unwrap_or_else(|| panic!("no loop device in {said}"));
        let bytes = std::fs::read(&dev);
        let _ = c(&["unmap", &dev]);
        let bytes = bytes.unwrap_or_else(|e| panic!("{}: read {dev}: {e}", side.label));
        // A loop device ends at the last whole 512-byte sector.
        let whole = image.len() / 512 * 512;
        assert_eq!(bytes.len(), whole, "{}: mapped size", side.label);
        assert!(
            bytes == image[..whole],
            "{}: mapped image differs",
            side.label
        );
        record("map", "same bytes".into());
    } else {
        eprintln!("notice: no loop devices here; map not tested");
    }
    results
}

fn sha256_hex(data: &[u8]) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(data))
}

fn ok_or_status(out: &Output) -> String {
    if out.status.success() {
        "ok".into()
    } else {
        format!("failed: {}", peer::both(out))
    }
}

fn error_line(out: &Output) -> String {
    assert!(!out.status.success(), "{}", peer::both(out));
    String::from_utf8_lossy(&out.stderr)
        .lines()
        .find(|l| l.starts_with("Error:"))
        .unwrap_or("")
        .to_string()
}

fn keys_of(v: &Value) -> String {
    let mut keys: Vec<&String> = v
        .as_object()
        .map(|m| m.keys().collect())
        .unwrap_or_default();
    keys.sort();
    format!("{keys:?}")
}

fn owners(groups: &Value) -> String {
    let mut rows: Vec<String> = groups
        .as_array()
        .unwrap()
        .iter()
        .map(|g| format!("{}={}", g["backup-id"], g["owner"]))
        .collect();
    rows.sort();
    rows.join(" ")
}

fn group_ids(groups: &Value) -> Vec<String> {
    let mut ids: Vec<String> = groups
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g["backup-id"].as_str().unwrap_or("").to_string())
        .collect();
    ids.sort();
    ids
}

fn snapshot_times(out: &Output, id: &str) -> Vec<i64> {
    let list: Value = serde_json::from_slice(&out.stdout).unwrap();
    let mut times: Vec<i64> = list
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["backup-id"] == id)
        .filter_map(|s| s["backup-time"].as_i64())
        .collect();
    times.sort();
    times
}

/// The tasks as `type status` lines, sorted (counts of each).
fn task_summary(tasks: &Value) -> String {
    let mut counts: BTreeMap<String, usize> = BTreeMap::new();
    for t in tasks.as_array().unwrap() {
        let line = format!(
            "{} {}",
            t["worker_type"].as_str().unwrap_or("?"),
            t["status"].as_str().unwrap_or("running")
        );
        *counts.entry(line).or_default() += 1;
    }
    format!("{counts:?}")
}

/// Whether any chunk file of a datastore contains `needle` in the clear.
fn datastore_contains(ds: &Path, needle: &[u8], _why: &str) -> bool {
    let mut stack = vec![ds.join(".chunks")];
    while let Some(dir) = stack.pop() {
        for e in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else if let Ok(bytes) = std::fs::read(&p) {
                if bytes.windows(needle.len()).any(|w| w == needle) {
                    return true;
                }
            }
        }
    }
    false
}

fn pbsh_serve_side<'a>(
    server: &serve_common::Server,
    wrap: &'a dyn Fn(&Path) -> Command,
) -> Side<'a> {
    Side {
        label: "pbsh serve",
        wrap,
        host: format!("127.0.0.1:{}", server.port),
        store: "store1".into(),
        user: "admin@pbs".into(),
        password: serve_common::PASSWORD.into(),
        fingerprint: server.fingerprint.clone(),
        token: ("admin@pbs!tok".into(), server.admin_token_secret.clone()),
        other_user: ("bob@pbs".into(), serve_common::PASSWORD.into()),
        datastore_dir: server.datastore(),
    }
}

fn real_server_side<'a>(real: &RealServer, wrap: &'a dyn Fn(&Path) -> Command) -> Side<'a> {
    let (token_id, secret) = real.add_admin_token("t");
    real.add_backup_user("other@pbs", "otherpass123");
    // A datastore of its own: other tests leave groups and tasks on the shared one.
    let (store, store_dir) = real.add_datastore("both");
    let repo = real.repository();
    let (server, _) = repo.rsplit_once(':').unwrap();
    let host = server.strip_prefix("peer@pbs@").unwrap();
    Side {
        label: "real server",
        wrap,
        host: host.to_string(),
        store,
        user: "peer@pbs".into(),
        password: real.password().into(),
        fingerprint: real.fingerprint().into(),
        token: (token_id, secret),
        other_user: ("other@pbs".into(), "otherpass123".into()),
        datastore_dir: store_dir,
    }
}

#[test]
fn real_client_gets_the_same_results_from_pbsh_serve_and_the_real_server() {
    let Some(pbs) = peer::pbs_dir() else { return };
    let Some(real) = RealServer::shared() else {
        return;
    };
    let _exclusive = real.exclusive();
    let direct = |p: &Path| Command::new(p);
    let enter = |p: &Path| real.command(p);

    let key_dir = tempfile::tempdir().unwrap();
    let key = key_dir.path().join("key.json");
    let made = Command::new(peer::client_bin(&pbs))
        .args(["key", "create", "--kdf", "none"])
        .arg(&key)
        .output()
        .unwrap();
    assert!(made.status.success(), "{}", peer::both(&made));

    let server = serve_common::start_server();
    let ours_dir = tempfile::tempdir().unwrap();
    let ours = scenario(
        &pbsh_serve_side(&server, &direct),
        &pbs,
        ours_dir.path(),
        &key,
    );

    let theirs_dir = tempfile::tempdir().unwrap();
    let real_side = real_server_side(real, &enter);
    let theirs = scenario(&real_side, &pbs, theirs_dir.path(), &key);
    // The datastore was this test's alone: the server's configuration outlives the run.
    let _ = real.manager(&["datastore", "remove", &real_side.store]);
    let _ = std::fs::remove_dir_all(&real_side.datastore_dir);

    let mut differ = Vec::new();
    for (step, expected) in &theirs {
        match ours.get(step) {
            Some(got) if got == expected => {}
            Some(got) => differ.push(format!(
                "{step}:\n  real server: {expected}\n  pbsh serve:  {got}"
            )),
            None => differ.push(format!("{step}: missing from pbsh serve's run")),
        }
    }
    assert!(
        differ.is_empty(),
        "{} of {} steps differ:\n{}",
        differ.len(),
        theirs.len(),
        differ.join("\n")
    );
}
