//! proxmox-backup-client's restore options in pbsh (issue 16): each one's effect on a real
//! restore of a real backup in a temp dir.
#![allow(clippy::disallowed_macros)] // tests print freely

use crate::common;

use std::ffi::CString;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const SNAP: &str = "host/opts/2027-01-15T08:00:00Z";

struct Fixture {
    dir: tempfile::TempDir,
    store: PathBuf,
}

impl Fixture {
    /// A source with a file (mode 0644, a user xattr, an ACL when setfacl exists), a hard link
    /// to it, a symlink and a subdirectory; backed up once.
    fn new() -> Fixture {
        let dir = tempfile::tempdir().unwrap();
        let src = dir.path().join("src");
        std::fs::create_dir_all(src.join("s")).unwrap();
        std::fs::write(src.join("f.txt"), b"file\n").unwrap();
        std::fs::set_permissions(src.join("f.txt"), std::fs::Permissions::from_mode(0o644))
            .unwrap();
        std::fs::set_permissions(src.join("s"), std::fs::Permissions::from_mode(0o755)).unwrap();
        std::fs::write(src.join("s/inner"), b"inner\n").unwrap();
        std::fs::hard_link(src.join("f.txt"), src.join("h")).unwrap();
        std::os::unix::fs::symlink("f.txt", src.join("l")).unwrap();
        set_xattr(&src.join("f.txt"), "user.pbsh", b"kept");
        if has_setfacl() {
            let ok = Command::new("setfacl")
                .args(["-m", "u:12345:r"])
                .arg(src.join("f.txt"))
                .status()
                .unwrap();
            assert!(ok.success());
        }
        let fixture = Fixture {
            store: dir.path().join("store"),
            dir,
        };
        let spec = format!("root.pxar:{}", src.display());
        fixture.ok(&[
            "backup",
            &spec,
            "--backup-id",
            "opts",
            "--backup-time",
            "1800000000",
        ]);
        fixture
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

    fn ok(&self, args: &[&str]) -> Output {
        let out = self.run(args);
        assert!(out.status.success(), "{args:?}: {}", common::stderr(&out));
        out
    }

    fn target(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    fn restore(&self, target: &Path, flags: &[&str]) -> Output {
        let t = target.to_str().unwrap();
        self.run(&[&["restore", SNAP, "root.pxar", t][..], flags].concat())
    }
}

fn has_setfacl() -> bool {
    let found = Command::new("setfacl").arg("--version").output().is_ok();
    if !found {
        assert!(
            std::env::var_os("CI").is_none(),
            "setfacl is missing under CI (.ci/run installs acl)"
        );
        eprintln!("notice: setfacl missing; the ACL part is skipped");
    }
    found
}

fn set_xattr(path: &Path, name: &str, value: &[u8]) {
    let p = CString::new(path.as_os_str().as_encoded_bytes()).unwrap();
    let n = CString::new(name).unwrap();
    // SAFETY: valid C strings and value buffer.
    let ret = unsafe {
        libc::setxattr(
            p.as_ptr(),
            n.as_ptr(),
            value.as_ptr().cast(),
            value.len(),
            0,
        )
    };
    assert_eq!(ret, 0, "setxattr: {}", std::io::Error::last_os_error());
}

fn get_xattr(path: &Path, name: &str) -> Option<Vec<u8>> {
    let p = CString::new(path.as_os_str().as_encoded_bytes()).unwrap();
    let n = CString::new(name).unwrap();
    let mut buf = vec![0u8; 256];
    // SAFETY: valid C strings and buffer.
    let len = unsafe { libc::getxattr(p.as_ptr(), n.as_ptr(), buf.as_mut_ptr().cast(), buf.len()) };
    (len >= 0).then(|| {
        buf.truncate(len as usize);
        buf
    })
}

fn mode(path: &Path) -> u32 {
    std::fs::symlink_metadata(path)
        .unwrap()
        .permissions()
        .mode()
        & 0o7777
}

fn one_error(out: &Output) -> String {
    assert!(!out.status.success(), "succeeded: {}", common::stdout(out));
    let lines: Vec<String> = common::stderr(out)
        .lines()
        .filter(|l| l.starts_with("pbsh: "))
        .map(str::to_string)
        .collect();
    assert_eq!(lines.len(), 1, "{lines:?}");
    lines[0].clone()
}

#[test]
fn existing_dirs_and_each_overwrite_flag_are_needed_for_what_they_name() {
    let f = Fixture::new();
    let t = f.target("again");
    assert!(f.restore(&t, &[]).status.success());
    // Into the same target again: each thing in the way is refused until its flag is given.
    // In the archive's order: f.txt (a file), h (a hard link), l (a symlink), s/ (a directory).
    let steps: [(&[&str], &str); 4] = [
        (&[], "--overwrite-files"),
        (&["--overwrite-files"], "--overwrite-hardlinks"),
        (
            &["--overwrite-files", "--overwrite-hardlinks"],
            "--overwrite-symlinks",
        ),
        (
            &[
                "--overwrite-files",
                "--overwrite-hardlinks",
                "--overwrite-symlinks",
            ],
            "--allow-existing-dirs",
        ),
    ];
    for (flags, wanted) in steps {
        let line = one_error(&f.restore(&t, flags));
        assert!(line.contains(wanted), "{flags:?}: {line}");
    }
    let out = f.restore(
        &t,
        &[
            "--allow-existing-dirs",
            "--overwrite-files",
            "--overwrite-hardlinks",
            "--overwrite-symlinks",
        ],
    );
    assert!(out.status.success(), "{}", common::stderr(&out));
    // --overwrite is the three together (existing directories still need their flag).
    let line = one_error(&f.restore(&t, &["--overwrite"]));
    assert!(line.contains("--allow-existing-dirs"), "{line}");
    let out = f.restore(&t, &["--overwrite", "--allow-existing-dirs"]);
    assert!(out.status.success(), "{}", common::stderr(&out));
    assert_eq!(std::fs::read(t.join("h")).unwrap(), b"file\n");
    assert_eq!(
        std::fs::metadata(t.join("h")).unwrap().ino(),
        std::fs::metadata(t.join("f.txt")).unwrap().ino()
    );
    assert_eq!(std::fs::read_link(t.join("l")).unwrap(), Path::new("f.txt"));
}

#[test]
fn ignore_permissions_xattrs_and_acls_leave_them_out() {
    let f = Fixture::new();
    let acl = has_setfacl();
    let full = f.target("full");
    assert!(f.restore(&full, &[]).status.success());
    assert_eq!(mode(&full.join("f.txt")), 0o644);
    assert_eq!(mode(&full.join("s")), 0o755);
    assert_eq!(mode(&full.join("s/inner")), 0o644);
    assert_eq!(
        get_xattr(&full.join("f.txt"), "user.pbsh").as_deref(),
        Some(&b"kept"[..])
    );
    let has_acl = |p: &Path| get_xattr(p, "system.posix_acl_access").is_some();
    if acl {
        assert!(has_acl(&full.join("f.txt")), "the ACL was not restored");
    }

    let t = f.target("no-perms");
    assert!(f.restore(&t, &["--ignore-permissions"]).status.success());
    // (f.txt's ACL carries its permission bits, and ACLs are still restored, as with PBS.)
    assert_eq!(
        mode(&t.join("s/inner")),
        0o600,
        "as created, not the archive's 0644"
    );
    assert_eq!(mode(&t.join("s")), 0o700);

    let t = f.target("no-xattrs");
    assert!(f.restore(&t, &["--ignore-xattrs"]).status.success());
    assert_eq!(get_xattr(&t.join("f.txt"), "user.pbsh"), None);
    if acl {
        assert!(has_acl(&t.join("f.txt")), "--ignore-xattrs keeps ACLs");
    }

    let t = f.target("no-acls");
    assert!(f.restore(&t, &["--ignore-acls"]).status.success());
    assert_eq!(
        get_xattr(&t.join("f.txt"), "user.pbsh").as_deref(),
        Some(&b"kept"[..])
    );
    if acl {
        assert!(!has_acl(&t.join("f.txt")), "--ignore-acls restored an ACL");
    }
}

#[test]
fn crypt_mode_and_keyfd_choose_the_key() {
    let f = Fixture::new();
    // An encrypted snapshot made with a key that is not the default one.
    let key = f.target("other.json");
    f.ok(&["key", "create", "--kdf", "none", key.to_str().unwrap()]);
    let src = f.target("src");
    let spec = format!("root.pxar:{}", src.display());
    f.ok(&[
        "backup",
        &spec,
        "--backup-id",
        "enc",
        "--backup-time",
        "1800000000",
        "--keyfile",
        key.to_str().unwrap(),
    ]);
    let enc = "host/enc/2027-01-15T08:00:00Z";
    // --keyfd: the key read from an open descriptor.
    let target = f.target("by-fd");
    let out = Command::new("sh")
        .arg("-c")
        .arg("exec \"$@\" 3<\"$KEY\"")
        .arg("sh")
        .arg(env!("CARGO_BIN_EXE_pbsh"))
        .args(["--repository", f.store.to_str().unwrap()])
        .args([
            "restore",
            enc,
            "root.pxar",
            target.to_str().unwrap(),
            "--keyfd",
            "3",
        ])
        .env("KEY", &key)
        .env("HOME", f.dir.path())
        .env("XDG_CONFIG_HOME", f.dir.path().join("config"))
        .env_remove("PBS_REPOSITORY")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", common::stderr(&out));
    assert_eq!(std::fs::read(target.join("f.txt")).unwrap(), b"file\n");
    // --crypt-mode none: no key at all, so the encrypted snapshot is refused.
    let line = one_error(&f.run(&[
        "restore",
        enc,
        "root.pxar",
        f.target("none").to_str().unwrap(),
        "--crypt-mode",
        "none",
        "--keyfile",
        key.to_str().unwrap(),
    ]));
    assert!(line.contains("key"), "{line}");
    // --crypt-mode encrypt without any key: said so.
    let line = one_error(&f.run(&[
        "restore",
        enc,
        "root.pxar",
        f.target("enc").to_str().unwrap(),
        "--crypt-mode",
        "encrypt",
    ]));
    assert!(line.contains("--crypt-mode encrypt needs a key"), "{line}");

    // The other readers take --keyfd (and catalog shell --keyfile) too: `sh -c` opens the key
    // as descriptor 3 and feeds SCRIPT to standard input.
    let with_key_fd = |script: &str, args: &[&str]| {
        Command::new("sh")
            .arg("-c")
            .arg("printf '%s' \"$SCRIPT\" | \"$@\" 3<\"$KEY\"")
            .arg("sh")
            .arg(env!("CARGO_BIN_EXE_pbsh"))
            .args(["--repository", f.store.to_str().unwrap()])
            .args(args)
            .env("KEY", &key)
            .env("SCRIPT", script)
            .env("HOME", f.dir.path())
            .env("XDG_CONFIG_HOME", f.dir.path().join("config"))
            .env_remove("PBS_REPOSITORY")
            .output()
            .unwrap()
    };
    let dump = with_key_fd("", &["catalog", "dump", enc, "--keyfd", "3"]);
    assert!(dump.status.success(), "{}", common::stderr(&dump));
    assert!(
        common::stdout(&dump).contains("f.txt"),
        "{}",
        common::stdout(&dump)
    );
    let without = f.run(&["catalog", "dump", enc]);
    assert!(
        !without.status.success(),
        "an encrypted catalog needs the key"
    );
    for key_args in [
        vec!["--keyfd", "3"],
        vec!["--keyfile", key.to_str().unwrap()],
    ] {
        let args = [&["catalog", "shell", enc, "root.pxar"][..], &key_args].concat();
        let shell = with_key_fd("cat f.txt\n", &args);
        assert!(
            shell.status.success(),
            "{key_args:?}: {}",
            common::stderr(&shell)
        );
        assert_eq!(common::stdout(&shell), "file\n", "{key_args:?}");
    }
    // upload-log --keyfd: the stored log is encrypted with that key (the backup's own log is
    // taken away first: a snapshot keeps one log, as on PBS).
    let log_blob = f
        .store
        .join("host/enc/2027-01-15T08:00:00Z/client.log.blob");
    std::fs::remove_file(&log_blob).unwrap();
    let log = f.target("client.log");
    std::fs::write(&log, "log line\n").unwrap();
    let out = with_key_fd(
        "",
        &[
            "snapshot",
            "upload-log",
            enc,
            log.to_str().unwrap(),
            "--keyfd",
            "3",
        ],
    );
    assert!(out.status.success(), "{}", common::stderr(&out));
    let blob = std::fs::read(&log_blob).unwrap();
    let encrypted: [[u8; 8]; 2] = [
        [123, 103, 133, 190, 34, 45, 76, 240],
        [230, 89, 27, 191, 11, 191, 216, 11],
    ];
    assert!(
        encrypted.contains(&blob[..8].try_into().unwrap()),
        "{:?}",
        &blob[..8]
    );
    // benchmark --keyfile: its encryption rows use the key file (a missing one is refused).
    let bench = f.run(&[
        "benchmark",
        "--duration",
        "0.05",
        "--keyfile",
        key.to_str().unwrap(),
    ]);
    assert!(bench.status.success(), "{}", common::stderr(&bench));
    assert!(
        common::stdout(&bench).contains("AES256"),
        "{}",
        common::stdout(&bench)
    );
    let line = one_error(&f.run(&["benchmark", "--keyfile", "/nonexistent/key.json"]));
    assert!(line.contains("/nonexistent/key.json"), "{line}");
}

#[test]
fn ignore_extract_device_errors_turns_a_failed_device_into_a_warning() {
    // SAFETY: geteuid has no preconditions.
    if unsafe { libc::geteuid() } != 0 {
        eprintln!("notice: not root; a device node cannot be archived here");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("src");
    std::fs::create_dir_all(&src).unwrap();
    std::fs::write(src.join("a.txt"), b"a\n").unwrap();
    let dev = CString::new(src.join("null").as_os_str().as_encoded_bytes()).unwrap();
    // SAFETY: a valid C string.
    let made = unsafe { libc::mknod(dev.as_ptr(), libc::S_IFCHR | 0o666, libc::makedev(1, 3)) };
    assert_eq!(made, 0, "mknod: {}", std::io::Error::last_os_error());
    let store = dir.path().join("store");
    let repo = store.to_str().unwrap();
    let spec = format!("root.pxar:{}", src.display());
    let out = common::pbsh(
        dir.path(),
        dir.path(),
        &[
            "--repository",
            repo,
            "backup",
            &spec,
            "--backup-id",
            "dev",
            "--backup-time",
            "1800000000",
        ],
        &[],
    );
    assert!(out.status.success(), "{}", common::stderr(&out));
    // In a user namespace pbsh is root but may not make device nodes: mknod fails.
    let restore = |target: &str, flag: Option<&str>| {
        let mut cmd = Command::new("unshare");
        cmd.args(["--user", "--map-root-user"])
            .arg(env!("CARGO_BIN_EXE_pbsh"))
            .args([
                "--repository",
                repo,
                "restore",
                "host/dev/2027-01-15T08:00:00Z",
                "root.pxar",
            ])
            .arg(dir.path().join(target))
            .args(["--ignore-ownership"])
            .args(flag)
            .env("HOME", dir.path())
            .env("XDG_CONFIG_HOME", dir.path().join("config"))
            .env_remove("PBS_REPOSITORY");
        cmd.output().unwrap()
    };
    let out = restore("strict", None);
    if common::stderr(&out).contains("unshare:") {
        eprintln!("notice: no user namespaces here: {}", common::stderr(&out));
        return;
    }
    let line = one_error(&out);
    assert!(line.contains("null"), "{line}");
    let out = restore("lenient", Some("--ignore-extract-device-errors"));
    assert!(out.status.success(), "{}", common::stderr(&out));
    assert!(
        common::stderr(&out).contains("null"),
        "{}",
        common::stderr(&out)
    );
    assert_eq!(
        std::fs::read(dir.path().join("lenient/a.txt")).unwrap(),
        b"a\n"
    );
    assert!(!dir.path().join("lenient/null").exists());
}

/// `--ignore-ownership`: as root, a file owned by uid/gid 1234 in the source comes back owned
/// by 1234 without it, and by the restoring user (root) with it.
#[test]
fn ignore_ownership_leaves_the_restored_files_to_the_restoring_user() {
    // SAFETY: plain libc calls without arguments.
    let (uid, gid) = unsafe { (libc::geteuid(), libc::getegid()) };
    if uid != 0 {
        eprintln!("notice: not root; skipping the --ignore-ownership test");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("src");
    std::fs::create_dir_all(src.join("d")).unwrap();
    std::fs::write(src.join("d/owned"), b"owned\n").unwrap();
    for path in [src.join("d"), src.join("d/owned")] {
        std::os::unix::fs::chown(&path, Some(1234), Some(1234)).unwrap();
    }
    let repo = dir.path().join("store");
    let repo = repo.to_str().unwrap();
    let run = |args: &[&str]| {
        let out = common::pbsh(
            dir.path(),
            dir.path(),
            &[&["--repository", repo][..], args].concat(),
            &[],
        );
        assert!(out.status.success(), "{args:?}: {}", common::stderr(&out));
    };
    let spec = format!("root.pxar:{}", src.display());
    run(&["backup", &spec, "--backup-id", "own"]);
    let kept = dir.path().join("kept");
    run(&["restore", "host/own", "root.pxar", kept.to_str().unwrap()]);
    for rel in ["d", "d/owned"] {
        let m = std::fs::symlink_metadata(kept.join(rel)).unwrap();
        assert_eq!((m.uid(), m.gid()), (1234, 1234), "{rel} without the flag");
    }
    let ignored = dir.path().join("ignored");
    run(&[
        "restore",
        "host/own",
        "root.pxar",
        ignored.to_str().unwrap(),
        "--ignore-ownership",
    ]);
    for rel in ["d", "d/owned"] {
        let m = std::fs::symlink_metadata(ignored.join(rel)).unwrap();
        assert_eq!(
            (m.uid(), m.gid()),
            (uid, gid),
            "{rel} with --ignore-ownership"
        );
    }
    assert_eq!(std::fs::read(ignored.join("d/owned")).unwrap(), b"owned\n");
}
