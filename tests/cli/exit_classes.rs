//! Issue 17 item 4: exit classes carried by the errors themselves. Each class is produced for
//! real and checked through each path: a local datastore and a `pbsh serve` on 127.0.0.1, each
//! one-shot and as a `-c` script.
#![allow(clippy::disallowed_macros)] // tests print freely

use crate::common;
use crate::serve_common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

const T0: &str = "1800000000";
const SNAP: &str = "host/ex/2027-01-15T08:00:00Z";
const ENC: &str = "host/enc/2027-01-15T08:00:00Z";

/// Where commands go: a local datastore directory, or a served one.
struct Target {
    repo: String,
    fingerprint: Option<String>,
    /// The datastore directory on disk (to corrupt a chunk).
    store_dir: PathBuf,
}

struct World {
    dir: tempfile::TempDir,
    src: PathBuf,
    key: PathBuf,
}

impl World {
    fn new() -> World {
        let dir = tempfile::tempdir().unwrap();
        let src = dir.path().join("src");
        std::fs::create_dir_all(&src).unwrap();
        let mut state = 3u64;
        std::fs::write(
            src.join("data.bin"),
            common::pseudo_random(3 << 20, &mut state),
        )
        .unwrap();
        std::fs::write(src.join("a.txt"), b"a\n").unwrap();
        let key = dir.path().join("key.json");
        let w = World { dir, src, key };
        let out = w
            .cmd(
                None,
                &["key", "create", "--kdf", "scrypt", w.key.to_str().unwrap()],
            )
            .env("PBS_ENCRYPTION_PASSWORD", "right-pass")
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", common::stderr(&out));
        w
    }

    fn cmd(&self, target: Option<&Target>, args: &[&str]) -> Command {
        let mut c = Command::new(env!("CARGO_BIN_EXE_pbsh"));
        if let Some(t) = target {
            c.args(["--repository", &t.repo]);
            if let Some(fp) = &t.fingerprint {
                c.args(["--fingerprint", fp]);
            }
        }
        c.args(args)
            .current_dir(self.dir.path())
            .env("HOME", self.dir.path())
            .env("XDG_CONFIG_HOME", self.dir.path().join("config"))
            .env("XDG_DATA_HOME", self.dir.path().join("data"))
            .env("XDG_RUNTIME_DIR", self.dir.path().join("run"))
            .env("PBS_PASSWORD", serve_common::PASSWORD)
            .env_remove("PBS_REPOSITORY")
            .env_remove("PBSH_FAILPOINTS")
            .env_remove("PBS_ENCRYPTION_PASSWORD");
        c
    }

    fn backup(&self, t: &Target, id: &str, extra: &[&str]) {
        let spec = format!("root.pxar:{}", self.src.display());
        let args = [
            &["backup", &spec, "--backup-id", id, "--backup-time", T0][..],
            extra,
        ]
        .concat();
        let out = self
            .cmd(Some(t), &args)
            .env("PBS_ENCRYPTION_PASSWORD", "right-pass")
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", common::stderr(&out));
    }

    fn target(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }
}

/// Runs `args` one-shot and as a `-c` script line; both must end with `status` and one error
/// line.
fn both_ways(w: &World, t: &Target, what: &str, args: &[&str], env: &[(&str, &str)], status: i32) {
    let quoted: Vec<String> = args
        .iter()
        .map(|a| {
            if a.contains(' ') {
                format!("'{a}'")
            } else {
                a.to_string()
            }
        })
        .collect();
    let line = quoted.join(" ");
    for (how, cmd_args) in [
        (
            "one-shot",
            args.iter().map(|s| s.to_string()).collect::<Vec<_>>(),
        ),
        ("script", vec!["-c".to_string(), line.clone()]),
    ] {
        let a: Vec<&str> = cmd_args.iter().map(String::as_str).collect();
        let mut c = w.cmd(Some(t), &a);
        for (k, v) in env {
            c.env(k, v);
        }
        let out = c.stdin(Stdio::null()).output().unwrap();
        let err = common::stderr(&out);
        assert_eq!(
            out.status.code(),
            Some(status),
            "{what} ({how}, {}): {err}",
            t.repo
        );
        let errors = err
            .lines()
            .filter(|l| {
                l.starts_with("pbsh: ") || l.starts_with("error:") || l.contains(": pbsh: ")
            })
            .count();
        assert!(errors <= 1, "{what} ({how}): {err}");
    }
}

fn chunk_of(store: &Path, snap_rel: &str) -> PathBuf {
    let raw = std::fs::read(store.join(snap_rel).join("root.pxar.didx")).unwrap();
    let hex: String = raw[4096 + 8..4096 + 40]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    store.join(".chunks").join(&hex[..4]).join(hex)
}

fn classes_through(w: &World, t: &Target) {
    w.backup(t, "ex", &["--crypt-mode", "none"]);
    w.backup(t, "enc", &["--keyfile", w.key.to_str().unwrap()]);
    let out_dir = |n: &str| w.target(n).to_str().unwrap().to_string();

    // 2: usage.
    both_ways(w, t, "usage", &["frobnicate"], &[], 2);
    // 3: not found.
    let missing = out_dir("missing");
    both_ways(
        w,
        t,
        "not found",
        &[
            "restore",
            "host/ex/2030-01-01T00:00:00Z",
            "root.pxar",
            &missing,
        ],
        &[],
        3,
    );
    // 4: auth (the key's passphrase is wrong).
    let enc = out_dir("enc");
    both_ways(
        w,
        t,
        "auth",
        &[
            "restore",
            ENC,
            "root.pxar",
            &enc,
            "--keyfile",
            w.key.to_str().unwrap(),
        ],
        &[("PBS_ENCRYPTION_PASSWORD", "wrong-pass")],
        4,
    );
    // 8: I/O (the chunk upload fails with EIO).
    let spec = format!("root.pxar:{}", w.src.display());
    let fail = if t.fingerprint.is_some() {
        "remote.chunk_upload=eio@1"
    } else {
        "store.chunk.after_temp_write=eio@1"
    };
    std::fs::write(
        w.src.join("new.bin"),
        common::pseudo_random(1 << 20, &mut 9),
    )
    .unwrap();
    both_ways(
        w,
        t,
        "I/O",
        &["backup", &spec, "--backup-id", "io", "--crypt-mode", "none"],
        &[("PBSH_FAILPOINTS", fail)],
        8,
    );
    // 5: locked (a backup of the group is held at its first chunk).
    let gate = w.target("gate");
    std::fs::write(&gate, b"").unwrap();
    let gate_point = if t.fingerprint.is_some() {
        format!("remote.chunk_upload=gate@{}", gate.display())
    } else {
        format!("store.chunk.after_temp_write=gate@{}", gate.display())
    };
    std::fs::write(
        w.src.join("new.bin"),
        common::pseudo_random(1 << 20, &mut 11),
    )
    .unwrap();
    let mut holder = w
        .cmd(
            Some(t),
            &["backup", &spec, "--backup-id", "lk", "--crypt-mode", "none"],
        )
        .env("PBSH_FAILPOINTS", &gate_point)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    // Wait until the held backup owns the group (its snapshot directory exists).
    let group = t.store_dir.join("host/lk");
    for _ in 0..300 {
        if group.is_dir() {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    std::thread::sleep(std::time::Duration::from_millis(300));
    both_ways(
        w,
        t,
        "locked",
        &["backup", &spec, "--backup-id", "lk", "--crypt-mode", "none"],
        &[],
        5,
    );
    std::fs::remove_file(&gate).unwrap();
    assert!(holder.wait().unwrap().success());
    // 7: corrupt (a chunk of the snapshot has a flipped bit).
    let chunk = chunk_of(&t.store_dir, "host/ex/2027-01-15T08:00:00Z");
    let good = std::fs::read(&chunk).unwrap();
    let mut bad = good.clone();
    bad[80] ^= 0x20;
    std::fs::write(&chunk, &bad).unwrap();
    let corrupt = out_dir("corrupt");
    both_ways(
        w,
        t,
        "corrupt",
        &["restore", SNAP, "root.pxar", &corrupt],
        &[],
        7,
    );
    std::fs::write(&chunk, &good).unwrap();
    // 130: interrupted (SIGINT while a get is slowed).
    for how in ["one-shot", "script"] {
        let target = out_dir(&format!("int-{how}"));
        let path = format!("/{}/{SNAP}/root.pxar/data.bin", store_name(t));
        let args: Vec<String> = if how == "one-shot" {
            vec!["get".into(), path, target]
        } else {
            vec!["-c".into(), format!("get {path} {target}")]
        };
        let a: Vec<&str> = args.iter().map(String::as_str).collect();
        let child = w
            .cmd(Some(t), &a)
            .env("PBSH_FAILPOINTS", "get.block=sleep@300")
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        std::thread::sleep(std::time::Duration::from_millis(700));
        // SAFETY: kill(2) on our own child.
        unsafe { libc::kill(child.id() as i32, libc::SIGINT) };
        let out: Output = child.wait_with_output().unwrap();
        // 130, or ended by SIGINT itself (which a shell reports as 130 too).
        use std::os::unix::process::ExitStatusExt;
        assert!(
            out.status.code() == Some(130) || out.status.signal() == Some(libc::SIGINT),
            "interrupted ({how}, {}): {:?} {}",
            t.repo,
            out.status,
            common::stderr(&out)
        );
    }
}

/// The datastore's name in the tree (`/NAME/...`).
fn store_name(t: &Target) -> String {
    if t.fingerprint.is_some() {
        "store1".into()
    } else {
        t.store_dir
            .file_name()
            .unwrap()
            .to_string_lossy()
            .into_owned()
    }
}

#[test]
fn each_class_through_a_local_datastore() {
    if !cfg!(feature = "failpoints") {
        eprintln!("notice: built without the `failpoints` feature; run `cargo test --features failpoints`");
        return;
    }
    let w = World::new();
    let store = w.target("local");
    let t = Target {
        repo: store.to_str().unwrap().to_string(),
        fingerprint: None,
        store_dir: store.clone(),
    };
    classes_through(&w, &t);
}

#[test]
fn each_class_through_pbsh_serve() {
    if !cfg!(feature = "failpoints") {
        eprintln!("notice: built without the `failpoints` feature; run `cargo test --features failpoints`");
        return;
    }
    let server = serve_common::start_server();
    let w = World::new();
    std::fs::create_dir_all(w.target("run")).unwrap();
    let t = Target {
        repo: format!("admin@pbs@127.0.0.1:{}:store1", server.port),
        fingerprint: Some(server.fingerprint.clone()),
        store_dir: server.datastore(),
    };
    classes_through(&w, &t);
}
