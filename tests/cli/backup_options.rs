//! proxmox-backup-client's backup options (and prune --quiet, restoring index.json) in pbsh
//! (issue 16): each one's effect on what is stored, listed or refused, in real temp dirs.
#![allow(clippy::disallowed_macros)] // tests print freely

use crate::common;
use crate::serve_common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::Instant;

struct Store {
    dir: tempfile::TempDir,
    store: PathBuf,
}

impl Store {
    fn new() -> Store {
        let dir = tempfile::tempdir().unwrap();
        Store {
            store: dir.path().join("store"),
            dir,
        }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    fn run(&self, args: &[&str]) -> Output {
        let repo = self.store.to_str().unwrap();
        common::pbsh(
            self.dir.path(),
            self.dir.path(),
            &[&["--repository", repo][..], args].concat(),
            &[],
        )
    }

    fn ok(&self, args: &[&str]) -> String {
        let out = self.run(args);
        assert!(out.status.success(), "{args:?}: {}", common::stderr(&out));
        common::stdout(&out)
    }

    /// `backup root.pxar:SRC` of group host/ID at TIME, with more flags.
    fn backup(&self, src: &Path, id: &str, time: i64, flags: &[&str]) -> Output {
        let spec = format!("root.pxar:{}", src.display());
        let t = time.to_string();
        self.run(
            &[
                &["backup", &spec, "--backup-id", id, "--backup-time", &t][..],
                flags,
            ]
            .concat(),
        )
    }

    fn snapshot_dir(&self, id: &str, time: i64) -> PathBuf {
        let t = chrono::DateTime::from_timestamp(time, 0).unwrap();
        self.store
            .join("host")
            .join(id)
            .join(t.format("%Y-%m-%dT%H:%M:%SZ").to_string())
    }
}

fn one_error(out: &Output) -> String {
    assert!(!out.status.success(), "succeeded: {}", common::stdout(out));
    let lines: Vec<String> = common::stderr(out)
        .lines()
        .filter(|l| l.starts_with("pbsh: ") || l.starts_with("error:"))
        .map(str::to_string)
        .collect();
    assert_eq!(lines.len(), 1, "{lines:?}");
    lines[0].clone()
}

fn didx_entries(path: &Path) -> u64 {
    (std::fs::metadata(path).unwrap().len() - 4096) / 40
}

fn chunk_files(store: &Path) -> usize {
    let Ok(prefixes) = std::fs::read_dir(store.join(".chunks")) else {
        return 0;
    };
    prefixes
        .flatten()
        .map(|p| std::fs::read_dir(p.path()).map(|d| d.count()).unwrap_or(0))
        .sum()
}

fn source(s: &Store, megabytes: usize) -> PathBuf {
    let src = s.path("src");
    std::fs::create_dir_all(&src).unwrap();
    let mut state = 17u64;
    for i in 0..megabytes {
        std::fs::write(
            src.join(format!("f{i}")),
            common::pseudo_random(1 << 20, &mut state),
        )
        .unwrap();
    }
    std::fs::write(src.join("small.txt"), b"small\n").unwrap();
    src
}

#[test]
fn dry_run_says_what_it_would_upload_and_writes_nothing() {
    let s = Store::new();
    let src = source(&s, 1);
    let out = s.backup(&src, "dry", 1_800_000_000, &["--dry-run"]);
    assert!(out.status.success(), "{}", common::stderr(&out));
    let text = common::stdout(&out);
    assert!(
        text.contains(&format!("Would upload directory '{}' to '", src.display()))
            && text.contains("as root.pxar.didx"),
        "{text}"
    );
    assert!(text.contains("dry-run: no upload happened"), "{text}");
    assert_eq!(chunk_files(&s.store), 0, "chunks were written");
    assert!(!s.store.join("host/dry").exists(), "a group was created");
    let listed = s.ok(&["snapshot", "list", "--output-format", "json"]);
    assert_eq!(listed.trim(), "[]");
}

#[test]
fn skip_lost_and_found_leaves_out_every_lost_and_found() {
    let s = Store::new();
    let src = source(&s, 0);
    for dir in ["lost+found", "sub/lost+found"] {
        std::fs::create_dir_all(src.join(dir)).unwrap();
        std::fs::write(src.join(dir).join("orphan"), b"#123\n").unwrap();
    }
    assert!(s.backup(&src, "laf", 1_800_000_000, &[]).status.success());
    assert!(s
        .backup(&src, "laf", 1_800_000_100, &["--skip-lost-and-found"])
        .status
        .success());
    let find = |time: &str| {
        s.run(&[
            "find",
            &format!("/store/host/laf/{time}/root.pxar"),
            "--name",
            "orphan",
        ])
    };
    let with = find("2027-01-15T08:00:00Z");
    assert_eq!(
        common::stdout(&with).lines().count(),
        2,
        "{}",
        common::stdout(&with)
    );
    let without = find("2027-01-15T08:01:40Z");
    assert!(
        common::stderr(&without).contains("nothing matches"),
        "{}",
        common::stdout(&without)
    );
    let kept = s.ok(&[
        "find",
        "/store/host/laf/2027-01-15T08:01:40Z/root.pxar",
        "--name",
        "small.txt",
    ]);
    assert_eq!(kept.lines().count(), 1, "{kept}");
}

#[test]
fn keyfd_and_master_pubkey_fd_read_their_descriptors() {
    let s = Store::new();
    let src = source(&s, 0);
    let key = s.path("fd-key.json");
    s.ok(&["key", "create", "--kdf", "none", key.to_str().unwrap()]);
    let out = common::pbsh(
        s.dir.path(),
        s.dir.path(),
        &["key", "create-master-key"],
        &[("PBSH_MASTER_KEY_PASSWORD", "master-pass")],
    );
    assert!(out.status.success(), "{}", common::stderr(&out));
    let spec = format!("root.pxar:{}", src.display());
    let out = Command::new("sh")
        .arg("-c")
        .arg("exec \"$@\" 3<\"$KEY\" 4<\"$PEM\"")
        .arg("sh")
        .arg(env!("CARGO_BIN_EXE_pbsh"))
        .args(["--repository", s.store.to_str().unwrap()])
        .args([
            "backup",
            &spec,
            "--backup-id",
            "fd",
            "--backup-time",
            "1800000000",
        ])
        .args(["--keyfd", "3", "--master-pubkey-fd", "4"])
        .env("KEY", &key)
        .env("PEM", s.path("master-public.pem"))
        .env("HOME", s.dir.path())
        .env("XDG_CONFIG_HOME", s.dir.path().join("config"))
        .env_remove("PBS_REPOSITORY")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", common::stderr(&out));
    let dir = s.snapshot_dir("fd", 1_800_000_000);
    assert!(dir.join("rsa-encrypted.key.blob").exists());
    // Encrypted with that key: the key file restores it.
    let target = s.path("restored");
    s.ok(&[
        "restore",
        "host/fd/2027-01-15T08:00:00Z",
        "root.pxar",
        target.to_str().unwrap(),
        "--keyfile",
        key.to_str().unwrap(),
    ]);
    assert_eq!(std::fs::read(target.join("small.txt")).unwrap(), b"small\n");
    let manifest = s.ok(&["restore", "host/fd/2027-01-15T08:00:00Z", "index.json", "-"]);
    assert!(
        manifest.contains("\"crypt-mode\":\"encrypt\""),
        "{manifest}"
    );
}

#[test]
fn chunk_size_sets_the_average_chunk_and_is_checked() {
    let s = Store::new();
    let src = source(&s, 6);
    assert!(s.backup(&src, "big", 1_800_000_000, &[]).status.success());
    assert!(s
        .backup(&src, "small", 1_800_000_000, &["--chunk-size", "64"])
        .status
        .success());
    let default = didx_entries(&s.snapshot_dir("big", 1_800_000_000).join("root.pxar.didx"));
    let small = didx_entries(
        &s.snapshot_dir("small", 1_800_000_000)
            .join("root.pxar.didx"),
    );
    assert!(default <= 6, "{default} chunks at 4 MiB");
    assert!(small >= 40, "{small} chunks at 64 KiB");
    let out = s.backup(&src, "bad", 1_800_000_000, &["--chunk-size", "100"]);
    let line = one_error(&out);
    assert!(line.contains("power of two from 64 to 4096"), "{line}");
}

#[test]
fn entries_max_bounds_the_entries_held() {
    let s = Store::new();
    let src = source(&s, 0);
    for i in 0..40 {
        std::fs::write(src.join(format!("n{i}")), b"x").unwrap();
    }
    let line = one_error(&s.backup(&src, "many", 1_800_000_000, &["--entries-max", "20"]));
    assert!(
        line.contains("--entries-max") && line.contains("20"),
        "{line}"
    );
    assert!(!s.snapshot_dir("many", 1_800_000_000).exists());
    assert!(s
        .backup(&src, "many", 1_800_000_000, &["--entries-max", "100"])
        .status
        .success());
}

#[test]
fn skip_e2big_xattr_archives_the_file_without_its_attributes() {
    // tmpfs lists a file's attributes up to 64 KiB of names; more is E2BIG.
    let Ok(shm) = tempfile::tempdir_in("/dev/shm") else {
        eprintln!("notice: no /dev/shm; E2BIG cannot be made here");
        return;
    };
    let src = shm.path().join("src");
    std::fs::create_dir_all(&src).unwrap();
    let file = src.join("crowded");
    std::fs::write(&file, b"contents\n").unwrap();
    let c = std::ffi::CString::new(file.as_os_str().as_encoded_bytes()).unwrap();
    for i in 0..400 {
        let name = std::ffi::CString::new(format!("user.{}{i}", "a".repeat(200))).unwrap();
        // SAFETY: valid C strings and value.
        let r = unsafe { libc::setxattr(c.as_ptr(), name.as_ptr(), b"v".as_ptr().cast(), 1, 0) };
        if r != 0 {
            eprintln!(
                "notice: tmpfs refuses user xattrs here ({}); E2BIG cannot be made",
                std::io::Error::last_os_error()
            );
            return;
        }
    }
    let s = Store::new();
    let line = one_error(&s.backup(&src, "e2big", 1_800_000_000, &[]));
    assert!(
        line.contains("crowded") && line.contains("--skip-e2big-xattr"),
        "{line}"
    );
    let out = s.backup(&src, "e2big", 1_800_000_000, &["--skip-e2big-xattr"]);
    assert!(out.status.success(), "{}", common::stderr(&out));
    assert!(
        common::stderr(&out).contains("crowded"),
        "the warning names the file"
    );
    let text = s.ok(&["cat", "host/e2big/2027-01-15T08:00:00Z/root.pxar/crowded"]);
    assert_eq!(text, "contents\n");
}

#[test]
fn prune_quiet_shows_only_removals_and_index_json_restores() {
    let s = Store::new();
    let src = source(&s, 0);
    for i in 0..3 {
        assert!(s
            .backup(&src, "p", 1_800_000_000 + i * 100, &[])
            .status
            .success());
    }
    let all = s.ok(&["prune", "host/p", "--keep-last", "1", "--dry-run"]);
    assert!(all.contains("keep") && all.contains("remove"), "{all}");
    let quiet = s.ok(&[
        "prune",
        "host/p",
        "--keep-last",
        "1",
        "--dry-run",
        "--quiet",
    ]);
    assert!(!quiet.contains("keep"), "{quiet}");
    assert_eq!(quiet.matches("remove").count(), 2, "{quiet}");
    let json = s.ok(&[
        "prune",
        "host/p",
        "--keep-last",
        "1",
        "--dry-run",
        "--quiet",
        "--output-format",
        "json",
    ]);
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(v.as_array().unwrap().len(), 2, "{v}");
    // index.json: the manifest, to a file.
    let out = s.path("index.json");
    s.ok(&[
        "restore",
        "host/p/2027-01-15T08:00:00Z",
        "index.json",
        out.to_str().unwrap(),
    ]);
    let m: serde_json::Value = serde_json::from_slice(&std::fs::read(&out).unwrap()).unwrap();
    assert_eq!(m["backup-id"], "p");
    assert_eq!(m["backup-time"], 1_800_000_000);
    assert!(
        m["files"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["filename"] == "root.pxar.didx"),
        "{m}"
    );
}

/// Seconds the `rate limit …: held back N s` line reports.
fn held_back(out: &Output) -> f64 {
    let err = common::stderr(out);
    let line = err
        .lines()
        .find(|l| l.starts_with("rate limit "))
        .unwrap_or_else(|| panic!("no rate limit line: {err}"));
    line.rsplit("held back ")
        .next()
        .and_then(|t| t.trim_end_matches(" s").parse().ok())
        .unwrap_or_else(|| panic!("{line}"))
}

/// `--rate`/`--burst` on backup and restore, local and through `pbsh serve`: the chunks sent
/// or read are held to the rate (asserted as a lower bound on the time, which the limiter
/// guarantees and no slow machine can break, and by the limiter's own account), chunks the
/// store has already pass free, and bad values are refused in one line.
#[test]
fn rate_and_burst_hold_backup_and_restore_to_the_rate() {
    let s = Store::new();
    let src = source(&s, 3); // 3 MiB of random data: it does not compress
    let started = Instant::now();
    let out = s.backup(
        &src,
        "rate",
        1_800_000_000,
        &["--rate", "1M", "--burst", "100k"],
    );
    let took = started.elapsed().as_secs_f64();
    assert!(out.status.success(), "{}", common::stderr(&out));
    // 3,145,728 bytes at 1,000,000 a second with 100,000 free: at least 3.0 s.
    assert!(took >= 2.9, "backup took {took} s");
    assert!(held_back(&out) >= 2.5, "{}", common::stderr(&out));
    // The same data again: every chunk is there, nothing is sent, nothing held back.
    let out = s.backup(
        &src,
        "rate",
        1_800_000_100,
        &["--rate", "1M", "--burst", "100k"],
    );
    assert!(out.status.success(), "{}", common::stderr(&out));
    assert!(held_back(&out) < 0.05, "{}", common::stderr(&out));
    // Restore at 2 MiB/s with a 64 KiB burst: at least 1.47 s for the 3 MiB.
    let target = s.path("restored");
    let started = Instant::now();
    let out = s.run(&[
        "restore",
        "host/rate/2027-01-15T08:00:00Z",
        "root.pxar",
        target.to_str().unwrap(),
        "--rate",
        "2MiB",
        "--burst",
        "64Ki",
    ]);
    let took = started.elapsed().as_secs_f64();
    assert!(out.status.success(), "{}", common::stderr(&out));
    assert!(took >= 1.4, "restore took {took} s");
    assert!(held_back(&out) >= 1.0, "{}", common::stderr(&out));
    common::assert_same_tree(&src, &target);

    // Bad values: one line naming them, usage status 2.
    let out = s.backup(&src, "rate", 1_800_000_200, &["--rate", "fast"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(common::stderr(&out).contains("\"fast\" is not a byte size"));
    let out = s.backup(&src, "rate", 1_800_000_200, &["--burst", "1M"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        common::stderr(&out).contains("--rate"),
        "{}",
        common::stderr(&out)
    );

    // Through pbsh serve: the uploads are paced the same way.
    let server = serve_common::start_server();
    let repo = format!("admin@pbs@127.0.0.1:{}:store1", server.port);
    let spec = format!("root.pxar:{}", src.display());
    let started = Instant::now();
    let out = Command::new(env!("CARGO_BIN_EXE_pbsh"))
        .args(["--repository", &repo, "--fingerprint", &server.fingerprint])
        .args([
            "backup",
            &spec,
            "--backup-id",
            "rate",
            "--rate",
            "1M",
            "--burst",
            "100k",
        ])
        .current_dir(s.dir.path())
        .env("HOME", s.dir.path())
        .env("XDG_CONFIG_HOME", s.path("config"))
        .env("XDG_RUNTIME_DIR", s.path("run"))
        .env("PBS_PASSWORD", serve_common::PASSWORD)
        .env_remove("PBS_REPOSITORY")
        .output()
        .unwrap();
    let took = started.elapsed().as_secs_f64();
    assert!(out.status.success(), "{}", common::stderr(&out));
    assert!(took >= 2.9, "remote backup took {took} s");
    assert!(held_back(&out) >= 2.5, "{}", common::stderr(&out));
}

/// A tmpfs mounted at `dir`, unmounted (lazily) when dropped.
struct TmpfsMount(PathBuf);

impl Drop for TmpfsMount {
    fn drop(&mut self) {
        let _ = std::process::Command::new("umount")
            .arg("-l")
            .arg(&self.0)
            .status();
    }
}

/// Another file system inside the source (a tmpfs, as root): by default its mount point is
/// archived empty; `--all-file-systems` descends into it; `--include-dev DIR` into that one only.
#[test]
fn all_file_systems_and_include_dev_descend_into_other_mounts() {
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("src");
    for sub in ["other", "also"] {
        std::fs::create_dir_all(src.join(sub)).unwrap();
    }
    std::fs::write(src.join("here.txt"), b"here\n").unwrap();
    let mut mounts = Vec::new();
    for sub in ["other", "also"] {
        let at = src.join(sub);
        let status = std::process::Command::new("mount")
            .args(["-t", "tmpfs", "none"])
            .arg(&at)
            .stderr(std::process::Stdio::null())
            .status();
        if !matches!(status, Ok(s) if s.success()) {
            eprintln!("notice: cannot mount a tmpfs (not root?); skipping the file system test");
            return;
        }
        mounts.push(TmpfsMount(at.clone()));
        std::fs::write(at.join(format!("in-{sub}.txt")), sub).unwrap();
    }
    let repo = dir.path().join("store");
    let repo = repo.to_str().unwrap();
    let spec = format!("root.pxar:{}", src.display());
    let dump = |id: &str, extra: &[&str]| {
        let mut args = vec!["--repository", repo, "backup", &spec, "--backup-id", id];
        args.extend_from_slice(extra);
        let out = common::pbsh(dir.path(), dir.path(), &args, &[]);
        assert!(out.status.success(), "{extra:?}: {}", common::stderr(&out));
        let group = format!("host/{id}");
        let out = common::pbsh(
            dir.path(),
            dir.path(),
            &["--repository", repo, "catalog", "dump", &group],
            &[],
        );
        assert!(out.status.success(), "{}", common::stderr(&out));
        common::stdout(&out)
    };
    let default = dump("one", &[]);
    assert!(default.contains("here.txt"), "{default}");
    assert!(
        default.contains("/other") && default.contains("/also"),
        "the mount points themselves: {default}"
    );
    assert!(
        !default.contains("in-other.txt") && !default.contains("in-also.txt"),
        "{default}"
    );
    let all = dump("all", &["--all-file-systems"]);
    assert!(
        all.contains("in-other.txt") && all.contains("in-also.txt"),
        "{all}"
    );
    let other = src.join("other");
    let one = dump("dev", &["--include-dev", other.to_str().unwrap()]);
    assert!(one.contains("in-other.txt"), "{one}");
    assert!(!one.contains("in-also.txt"), "{one}");
    drop(mounts);
}
