//! pbsh against the real PBS 3.2.4 tools, no server: the `pxar` program and the real client's
//! `key …` commands. Each case goes both ways and compares results byte for byte (archives,
//! paperkeys) or tree for tree (names, types, modes, owners, mtimes, contents, symlink targets,
//! devices, xattrs in order, ACLs, file capabilities, hard links) or field for field (keys).
//!
//! The peers come from `tests/peer` (skipped with a notice where absent, required under CI).
//! Paperkeys need the `qrencode` program PBS runs, QR decoding `zbarimg` (Debian `qrencode`,
//! `zbar-tools`; `.ci/run` installs both).

use crate::common::{self, pbsh, stderr, stdout};
use crate::peer::{self, ok, ok_json, ClientHome};
use std::collections::BTreeMap;
use std::ffi::{CString, OsStr};
use std::io::{Read, Write};
use std::os::unix::ffi::{OsStrExt, OsStringExt};
use std::os::unix::fs::{FileTypeExt, MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

// ---------------------------------------------------------------------------------------------
// Helpers: the peers, running them, a pty for the real client's password prompts.
// ---------------------------------------------------------------------------------------------

fn is_root() -> bool {
    // SAFETY: geteuid has no preconditions.
    unsafe { libc::geteuid() == 0 }
}

/// The real `pxar` tool, run in `cwd`.
fn pxar(pbs: &Path, cwd: &Path, args: &[&OsStr]) -> Output {
    Command::new(peer::pxar_bin(pbs))
        .current_dir(cwd)
        .args(args)
        .env("TZ", "UTC")
        .output()
        .expect("run pxar")
}

/// The real client, run in `cwd` with a private HOME, plus `envs`.
fn client(
    pbs: &Path,
    home: &ClientHome,
    cwd: &Path,
    args: &[&str],
    envs: &[(&str, &str)],
) -> Output {
    let mut cmd = Command::new(peer::client_bin(pbs));
    home.apply(&mut cmd);
    cmd.current_dir(cwd).args(args);
    for (k, v) in envs {
        cmd.env(k, v);
    }
    cmd.output().expect("run proxmox-backup-client")
}

/// pbsh in `cwd` (HOME = `cwd`), asserting success; returns stdout.
#[track_caller]
fn pbsh_ok(cwd: &Path, args: &[&str], envs: &[(&str, &str)]) -> String {
    let out = pbsh(cwd, cwd, args, envs);
    assert!(
        out.status.success(),
        "pbsh {args:?}: {}\n{}",
        stderr(&out),
        stdout(&out)
    );
    stdout(&out)
}

/// Runs `cmd` on a pseudo-terminal, answering each password prompt (`…Password: `) with the next
/// of `answers`, as a user at a terminal does. Returns the exit code and what was printed.
fn on_pty(mut cmd: Command, answers: &[&str]) -> (i32, String) {
    use rexpect::process::{PtyProcess, WaitStatus};
    cmd.env("TERM", "dumb");
    let process = PtyProcess::new(cmd).expect("spawn on a pty");
    let mut writer = process.get_file_handle().unwrap();
    let mut reader = process.get_file_handle().unwrap();
    let screen = Arc::new(Mutex::new(String::new()));
    let shared = screen.clone();
    let collector = std::thread::spawn(move || {
        let mut buf = [0u8; 4096];
        while let Ok(n) = reader.read(&mut buf) {
            if n == 0 {
                break;
            }
            shared
                .lock()
                .unwrap()
                .push_str(&String::from_utf8_lossy(&buf[..n]));
        }
    });
    let deadline = Instant::now() + Duration::from_secs(60);
    for (i, answer) in answers.iter().enumerate() {
        loop {
            let prompts = screen.lock().unwrap().matches("Password: ").count();
            if prompts > i {
                break;
            }
            assert!(
                Instant::now() < deadline,
                "no password prompt; terminal shows:\n{}",
                screen.lock().unwrap()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
        writer.write_all(format!("{answer}\r").as_bytes()).unwrap();
        writer.flush().unwrap();
    }
    let code = loop {
        match process.status() {
            Some(WaitStatus::StillAlive) => {
                assert!(
                    Instant::now() < deadline,
                    "did not exit; terminal shows:\n{}",
                    screen.lock().unwrap()
                );
                std::thread::sleep(Duration::from_millis(20));
            }
            Some(WaitStatus::Exited(_, code)) => break code,
            other => panic!("ended with {other:?}: {}", screen.lock().unwrap()),
        }
    };
    drop(process);
    let _ = collector.join();
    let shown = screen.lock().unwrap().clone();
    (code, shown)
}

/// The real client on a pty (its passphrase prompts need one), with `envs`.
#[track_caller]
fn client_on_pty(
    pbs: &Path,
    home: &ClientHome,
    cwd: &Path,
    args: &[&str],
    envs: &[(&str, &str)],
    answers: &[&str],
) -> String {
    let mut cmd = Command::new(peer::client_bin(pbs));
    home.apply(&mut cmd);
    cmd.current_dir(cwd).args(args);
    for (k, v) in envs {
        cmd.env(k, v);
    }
    let (code, shown) = on_pty(cmd, answers);
    assert_eq!(code, 0, "proxmox-backup-client {args:?}:\n{shown}");
    shown
}

/// A program CI installs; elsewhere its absence skips the part that needs it, with a notice.
fn have_program(name: &str) -> bool {
    let found = Command::new("sh")
        .arg("-c")
        .arg(format!("command -v {name}"))
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false);
    if !found {
        if std::env::var_os("CI").is_some() {
            panic!("{name} is not installed; .ci/run installs it");
        }
        eprintln!("notice: {name} not installed; skipping the part that needs it");
    }
    found
}

// ---------------------------------------------------------------------------------------------
// The source tree and the tree comparison.
// ---------------------------------------------------------------------------------------------

fn cpath(path: &Path) -> CString {
    CString::new(path.as_os_str().as_bytes()).unwrap()
}

fn set_xattr(path: &Path, name: &str, value: &[u8]) -> std::io::Result<()> {
    let (p, n) = (cpath(path), CString::new(name).unwrap());
    // SAFETY: valid C strings and value buffer.
    let ret = unsafe {
        libc::lsetxattr(
            p.as_ptr(),
            n.as_ptr(),
            value.as_ptr().cast(),
            value.len(),
            0,
        )
    };
    if ret == 0 {
        Ok(())
    } else {
        Err(std::io::Error::last_os_error())
    }
}

fn set_mtime(path: &Path, secs: i64, nanos: i64) {
    let p = cpath(path);
    let times = [
        libc::timespec {
            tv_sec: 0,
            tv_nsec: libc::UTIME_OMIT,
        },
        libc::timespec {
            tv_sec: secs,
            tv_nsec: nanos,
        },
    ];
    // SAFETY: valid C string and a two-element timespec array.
    let ret = unsafe {
        libc::utimensat(
            libc::AT_FDCWD,
            p.as_ptr(),
            times.as_ptr(),
            libc::AT_SYMLINK_NOFOLLOW,
        )
    };
    assert_eq!(ret, 0, "utimensat {}", path.display());
}

/// A POSIX ACL as the kernel's `system.posix_acl_*` value: `(tag, permissions, id)` entries.
fn acl_xattr(entries: &[(u16, u16, u32)]) -> Vec<u8> {
    let mut out = 2u32.to_le_bytes().to_vec();
    for (tag, perm, id) in entries {
        out.extend_from_slice(&tag.to_le_bytes());
        out.extend_from_slice(&perm.to_le_bytes());
        out.extend_from_slice(&id.to_le_bytes());
    }
    out
}

const ACL_USER_OBJ: u16 = 0x01;
const ACL_USER: u16 = 0x02;
const ACL_GROUP_OBJ: u16 = 0x04;
const ACL_GROUP: u16 = 0x08;
const ACL_MASK: u16 = 0x10;
const ACL_OTHER: u16 = 0x20;
const NO_ID: u32 = u32::MAX;

/// A rich tree at `src`: empty, small and multi-MiB random files, a sparse file, nested and
/// empty directories, a directory of 100 entries, symlinks (one dangling), hard links (one in
/// another directory), a fifo, a socket, `user.*` xattrs set out of name order (one empty
/// value), ACLs, odd modes (0640, setuid, sticky), odd names (spaces and UTF-8, quotes and
/// backslash and tab, not UTF-8), one pre-1970 mtime; as root also owners, a device node,
/// `trusted.*`, `security.NTACL`, a file capability and a `security.*` name PBS leaves out.
fn make_rich_tree(src: &Path) {
    let mut seed = 0x5eed_1234_u64;
    std::fs::create_dir_all(src.join("a/b/c")).unwrap();
    std::fs::create_dir_all(src.join("emptydir")).unwrap();
    std::fs::create_dir_all(src.join("many")).unwrap();
    std::fs::write(src.join("empty"), b"").unwrap();
    std::fs::write(
        src.join("big.bin"),
        common::pseudo_random(3 * 1024 * 1024 + 12345, &mut seed),
    )
    .unwrap();
    std::fs::write(src.join("a/b/c/deep.txt"), b"deep\n").unwrap();
    std::fs::write(src.join("with space ü€.txt"), b"odd name\n").unwrap();
    std::fs::write(
        src.join(OsStr::from_bytes(b"quote\"back\\slash\ttab")),
        b"odder\n",
    )
    .unwrap();
    std::fs::write(
        src.join(OsStr::from_bytes(b"latin1-\xe9t\xe9")),
        b"not utf-8\n",
    )
    .unwrap();
    for i in 0..100 {
        std::fs::write(
            src.join(format!("many/f{i:03}")),
            format!("{i}\n").repeat(i),
        )
        .unwrap();
    }
    let sparse = std::fs::File::create(src.join("sparse")).unwrap();
    sparse.set_len(2 * 1024 * 1024).unwrap();
    std::os::unix::fs::FileExt::write_at(&sparse, b"tail", 2 * 1024 * 1024).unwrap();
    drop(sparse);
    std::fs::write(src.join("secret"), b"0640\n").unwrap();
    std::fs::set_permissions(src.join("secret"), PermissionsExt::from_mode(0o640)).unwrap();
    std::fs::write(src.join("suid"), b"#!/bin/sh\n").unwrap();
    std::fs::set_permissions(src.join("suid"), PermissionsExt::from_mode(0o4755)).unwrap();
    std::fs::set_permissions(src.join("emptydir"), PermissionsExt::from_mode(0o1777)).unwrap();
    std::os::unix::fs::symlink("a/b/c/deep.txt", src.join("link")).unwrap();
    std::os::unix::fs::symlink("nowhere/at all", src.join("dangling")).unwrap();
    std::fs::hard_link(src.join("a/b/c/deep.txt"), src.join("hard")).unwrap();
    std::fs::hard_link(src.join("a/b/c/deep.txt"), src.join("a/hard2")).unwrap();
    let fifo = cpath(&src.join("fifo"));
    // SAFETY: valid C string.
    assert_eq!(unsafe { libc::mkfifo(fifo.as_ptr(), 0o644) }, 0);
    drop(std::os::unix::net::UnixListener::bind(src.join("sock")).unwrap());
    // Out of name order, as the file system lists them.
    set_xattr(&src.join("a/b/c/deep.txt"), "user.zeta", b"last\0first").unwrap();
    set_xattr(&src.join("a/b/c/deep.txt"), "user.alpha", b"").unwrap();
    set_xattr(&src.join("a"), "user.dir", b"on a directory").unwrap();
    std::fs::write(src.join("acl.txt"), b"acl\n").unwrap();
    std::fs::create_dir(src.join("acldir")).unwrap();
    let acls = set_xattr(
        &src.join("acl.txt"),
        "system.posix_acl_access",
        &acl_xattr(&[
            (ACL_USER_OBJ, 6, NO_ID),
            (ACL_USER, 6, 1000),
            (ACL_USER, 4, 1001),
            (ACL_GROUP_OBJ, 4, NO_ID),
            (ACL_GROUP, 2, 2000),
            (ACL_MASK, 6, NO_ID),
            (ACL_OTHER, 4, NO_ID),
        ]),
    )
    .and_then(|()| {
        set_xattr(
            &src.join("acldir"),
            "system.posix_acl_default",
            &acl_xattr(&[
                (ACL_USER_OBJ, 7, NO_ID),
                (ACL_USER, 5, 1002),
                (ACL_GROUP_OBJ, 5, NO_ID),
                (ACL_MASK, 7, NO_ID),
                (ACL_OTHER, 5, NO_ID),
            ]),
        )
    });
    if let Err(e) = acls {
        eprintln!("notice: no POSIX ACLs here ({e}); the tree has none");
    }
    if is_root() {
        std::fs::write(src.join("owned"), b"not root's\n").unwrap();
        std::os::unix::fs::lchown(src.join("owned"), Some(1234), Some(5678)).unwrap();
        std::os::unix::fs::lchown(src.join("link"), Some(1234), Some(5678)).unwrap();
        let dev = cpath(&src.join("null"));
        // SAFETY: valid C string; creates a character device node (1, 3).
        assert_eq!(
            unsafe { libc::mknod(dev.as_ptr(), libc::S_IFCHR | 0o600, libc::makedev(1, 3)) },
            0
        );
        set_xattr(&src.join("a/b/c/deep.txt"), "trusted.t", b"root only").unwrap();
        std::fs::write(src.join("win.txt"), b"samba\n").unwrap();
        set_xattr(&src.join("win.txt"), "security.NTACL", b"\x01\x02nt").unwrap();
        // Left out by both: neither user.* nor trusted.* nor security.NTACL.
        set_xattr(&src.join("win.txt"), "security.pbsh-test", b"dropped").unwrap();
        std::fs::write(src.join("capped"), b"cap_net_raw+ep\n").unwrap();
        // VFS_CAP_REVISION_2 | effective, permitted: CAP_NET_RAW (13).
        let mut caps = 0x0200_0001u32.to_le_bytes().to_vec();
        caps.extend_from_slice(&(1u32 << 13).to_le_bytes());
        caps.extend_from_slice(&[0; 12]);
        set_xattr(&src.join("capped"), "security.capability", &caps).unwrap();
    }
    std::fs::write(src.join("old"), b"before 1970\n").unwrap();
    // Fixed times everywhere (a directory's own time last would not matter: setting times does
    // not touch the parent).
    for path in walk(src) {
        set_mtime(&path, 1_700_000_000, 123_456_789);
    }
    set_mtime(&src.join("old"), -86_400, 5);
    set_mtime(src, 1_700_000_000, 0);
}

/// Every path below `root` (not `root`), parents before children.
fn walk(root: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut names: Vec<_> = std::fs::read_dir(root)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    names.sort();
    for path in names {
        out.push(path.clone());
        if std::fs::symlink_metadata(&path).unwrap().is_dir() {
            out.extend(walk(&path));
        }
    }
    out
}

/// What a tree comparison looks at for one path.
#[derive(Debug, PartialEq, Eq)]
struct Node {
    mode: u32,
    uid: u32,
    gid: u32,
    mtime: (i64, i64),
    rdev: u64,
    contents: Option<Vec<u8>>,
    target: Option<Vec<u8>>,
    /// `user.*`, `trusted.*`, `security.NTACL`, in the order the file system lists them.
    xattrs: Vec<(Vec<u8>, Vec<u8>)>,
    /// ACLs and file capabilities (their own archive items), sorted.
    acl_caps: Vec<(Vec<u8>, Vec<u8>)>,
}

/// Every extended attribute of `path`, in listing order (not following symlinks).
fn xattrs_in_order(path: &Path) -> Vec<(Vec<u8>, Vec<u8>)> {
    let p = cpath(path);
    let mut names = vec![0u8; 65536];
    // SAFETY: valid C string and buffer.
    let n = unsafe { libc::llistxattr(p.as_ptr(), names.as_mut_ptr().cast(), names.len()) };
    if n <= 0 {
        return Vec::new();
    }
    let mut out = Vec::new();
    for name in names[..n as usize]
        .split(|b| *b == 0)
        .filter(|n| !n.is_empty())
    {
        let cname = CString::new(name).unwrap();
        let mut value = vec![0u8; 65536];
        // SAFETY: valid C strings and buffer.
        let len = unsafe {
            libc::lgetxattr(
                p.as_ptr(),
                cname.as_ptr(),
                value.as_mut_ptr().cast(),
                value.len(),
            )
        };
        assert!(len >= 0, "lgetxattr {}", path.display());
        out.push((name.to_vec(), value[..len as usize].to_vec()));
    }
    out
}

fn node(path: &Path) -> Node {
    let meta = std::fs::symlink_metadata(path).unwrap();
    let ft = meta.file_type();
    let all = xattrs_in_order(path);
    let archived =
        |n: &[u8]| n.starts_with(b"user.") || n.starts_with(b"trusted.") || n == b"security.NTACL";
    let mut acl_caps: Vec<_> = all
        .iter()
        .filter(|(n, _)| n.starts_with(b"system.posix_acl_") || n == b"security.capability")
        .cloned()
        .collect();
    acl_caps.sort();
    Node {
        // A symlink's permission bits mean nothing (and cannot be set).
        mode: if ft.is_symlink() {
            meta.mode() & libc::S_IFMT
        } else {
            meta.mode()
        },
        uid: meta.uid(),
        gid: meta.gid(),
        mtime: (meta.mtime(), meta.mtime_nsec()),
        rdev: if ft.is_char_device() || ft.is_block_device() {
            meta.rdev()
        } else {
            0
        },
        contents: ft.is_file().then(|| std::fs::read(path).unwrap()),
        target: ft.is_symlink().then(|| {
            std::fs::read_link(path)
                .unwrap()
                .into_os_string()
                .into_vec()
        }),
        xattrs: all.into_iter().filter(|(n, _)| archived(n)).collect(),
        acl_caps,
    }
}

/// The whole tree: every path (the root as ""), and the groups of hard-linked files.
/// Paths (relative, as bytes) and what they hold; groups of hard-linked paths.
type TreeNodes = BTreeMap<Vec<u8>, Node>;
type LinkGroups = Vec<Vec<Vec<u8>>>;

fn snapshot_tree(root: &Path) -> (TreeNodes, LinkGroups) {
    let mut nodes = BTreeMap::new();
    nodes.insert(Vec::new(), node(root));
    let mut inodes: BTreeMap<u64, Vec<Vec<u8>>> = BTreeMap::new();
    for path in walk(root) {
        let rel = path
            .strip_prefix(root)
            .unwrap()
            .as_os_str()
            .as_bytes()
            .to_vec();
        let meta = std::fs::symlink_metadata(&path).unwrap();
        if meta.is_file() && meta.nlink() > 1 {
            inodes.entry(meta.ino()).or_default().push(rel.clone());
        }
        nodes.insert(rel, node(&path));
    }
    let mut links: LinkGroups = inodes.into_values().collect();
    links.sort();
    (nodes, links)
}

/// Asserts two trees are equal in everything `Node` holds, and in their hard links.
#[track_caller]
fn assert_same_tree(expected: &Path, actual: &Path, what: &str) {
    let (a, a_links) = snapshot_tree(expected);
    let (b, b_links) = snapshot_tree(actual);
    let show = |p: &[u8]| String::from_utf8_lossy(p).into_owned();
    let names_a: Vec<String> = a.keys().map(|k| show(k)).collect();
    let names_b: Vec<String> = b.keys().map(|k| show(k)).collect();
    assert_eq!(names_a, names_b, "{what}: the trees hold different names");
    for (path, node_a) in &a {
        let node_b = &b[path];
        if node_a != node_b {
            let brief = |n: &Node| {
                format!(
                    "mode {:o} owner {}:{} mtime {:?} rdev {} size {:?} target {:?} xattrs {:?} acl/caps {:?}",
                    n.mode,
                    n.uid,
                    n.gid,
                    n.mtime,
                    n.rdev,
                    n.contents.as_ref().map(Vec::len),
                    n.target.as_ref().map(|t| show(t)),
                    n.xattrs,
                    n.acl_caps
                )
            };
            panic!(
                "{what}: {:?} differs\nexpected: {}\nactual:   {}\ncontents equal: {}",
                show(path),
                brief(node_a),
                brief(node_b),
                node_a.contents == node_b.contents
            );
        }
    }
    assert_eq!(a_links, b_links, "{what}: hard links differ");
}

// ---------------------------------------------------------------------------------------------
// pxar: the tool ↔ pbsh
// ---------------------------------------------------------------------------------------------

/// A rich tree in a temp dir, and a pbsh datastore with one snapshot of it.
struct Fixture {
    dir: tempfile::TempDir,
}

impl Fixture {
    fn new() -> Fixture {
        let dir = tempfile::tempdir().unwrap();
        make_rich_tree(&dir.path().join("src"));
        Fixture { dir }
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }

    fn src(&self) -> PathBuf {
        self.path().join("src")
    }

    /// `pbsh backup root.pxar:src` into a local datastore `ds`, then the archive as a lone
    /// `.pxar` file through `pbsh restore host/x root.pxar -`.
    fn pbsh_archive(&self) -> PathBuf {
        let root = self.path();
        pbsh_ok(root, &["datastore", "create", "ds"], &[]);
        pbsh_ok(
            root,
            &[
                "--repository",
                "./ds",
                "backup",
                "root.pxar:src",
                "--backup-id",
                "x",
            ],
            &[],
        );
        let out = pbsh(
            root,
            root,
            &[
                "--repository",
                "./ds",
                "restore",
                "host/x",
                "root.pxar",
                "-",
            ],
            &[],
        );
        assert!(out.status.success(), "{}", stderr(&out));
        let file = root.join("pbsh.pxar");
        std::fs::write(&file, &out.stdout).unwrap();
        file
    }

    /// `pxar create real.pxar src`.
    fn real_archive(&self, pbs: &Path) -> PathBuf {
        let out = pxar(
            pbs,
            self.path(),
            &[
                OsStr::new("create"),
                OsStr::new("real.pxar"),
                OsStr::new("src"),
            ],
        );
        ok(out);
        self.path().join("real.pxar")
    }
}

/// `pxar list ARCHIVE` (it lists on standard error).
fn pxar_list(pbs: &Path, archive: &Path) -> Vec<String> {
    let out = pxar(
        pbs,
        archive.parent().unwrap(),
        &[OsStr::new("list"), archive.as_os_str()],
    );
    assert!(
        out.status.success() && out.stdout.is_empty(),
        "{}",
        peer::both(&out)
    );
    String::from_utf8(out.stderr)
        .unwrap()
        .lines()
        .map(str::to_string)
        .collect()
}

/// pbsh's own listing of a lone archive file, in `pxar list`'s form (`{:?}` of each path).
fn pbsh_list(archive: &Path) -> Vec<String> {
    use pbsh::format::pxar::decoder::Decoder;
    let file = std::fs::File::open(archive).unwrap();
    let mut decoder = Decoder::new(std::io::BufReader::new(file));
    let mut out = Vec::new();
    while let Some(entry) = decoder.next_entry().unwrap() {
        out.push(format!("{:?}", Path::new(OsStr::from_bytes(&entry.path))));
    }
    out
}

/// pbsh's restore writer on a lone archive file.
fn pbsh_extract(archive: &Path, target: &Path) -> pbsh::archive::restore::RestoreStats {
    use pbsh::archive::restore::{restore_archive, RestoreOptions};
    use pbsh::format::pxar::decoder::Decoder;
    let file = std::fs::File::open(archive).unwrap();
    let mut decoder = Decoder::new(std::io::BufReader::new(file));
    restore_archive(&mut decoder, target, b"/", RestoreOptions::default()).unwrap()
}

/// pbsh's encoder (the library's directory walk) on `src`, as a lone archive's bytes.
fn pbsh_encode(src: &Path) -> Vec<u8> {
    use pbsh::archive::create::{create_archive, CreateOptions};
    use pbsh::format::catalog::CatalogWriter;
    let (bytes, stats) = create_archive(
        src,
        Vec::new(),
        None::<(&mut CatalogWriter<std::io::Sink>, &[u8])>,
        &CreateOptions::default(),
    )
    .unwrap();
    assert!(stats.warnings.is_empty(), "{:?}", stats.warnings);
    bytes
}

/// The first differing byte, for messages about archives that should be equal.
fn first_difference(a: &[u8], b: &[u8]) -> String {
    let at = a.iter().zip(b).position(|(x, y)| x != y);
    format!(
        "{} vs {} bytes, first difference at {:?}",
        a.len(),
        b.len(),
        at.or((a.len() != b.len()).then(|| a.len().min(b.len())))
    )
}

#[test]
fn pbsh_archive_is_listed_and_extracted_by_the_real_pxar_tool() {
    let Some(pbs) = peer::pbs_dir() else { return };
    let fx = Fixture::new();
    let archive = fx.pbsh_archive();

    // `pxar list` lists what pbsh lists: its decoder on the lone file, and its catalog.
    let listed = pxar_list(&pbs, &archive);
    assert!(listed.len() > 100, "{listed:?}");
    assert_eq!(listed, pbsh_list(&archive));
    let catalog = pbsh_ok(
        fx.path(),
        &["--repository", "./ds", "catalog", "dump", "host/x"],
        &[],
    );
    let from_catalog: Vec<String> = catalog
        .lines()
        .map(|line| {
            let quoted = &line[line.find('"').unwrap()..=line.rfind('"').unwrap()];
            match quoted.strip_prefix("\"./root.pxar.didx") {
                Some("\"") => "\"/\"".to_string(),
                Some(rest) => format!("\"{rest}"),
                None => panic!("{line}"),
            }
        })
        .collect();
    assert_eq!(listed, from_catalog);

    // `pxar extract` gives back the source tree, and so does pbsh's own restore.
    let out = pxar(
        &pbs,
        fx.path(),
        &[
            OsStr::new("extract"),
            archive.as_os_str(),
            OsStr::new("by-pxar"),
        ],
    );
    ok(out);
    assert_same_tree(
        &fx.src(),
        &fx.path().join("by-pxar"),
        "pxar extract of pbsh's archive",
    );
    pbsh_ok(
        fx.path(),
        &[
            "--repository",
            "./ds",
            "restore",
            "host/x",
            "root.pxar",
            "by-pbsh",
        ],
        &[],
    );
    assert_same_tree(&fx.src(), &fx.path().join("by-pbsh"), "pbsh restore");
}

#[test]
fn real_pxar_archive_is_read_and_extracted_by_pbsh() {
    let Some(pbs) = peer::pbs_dir() else { return };
    let fx = Fixture::new();
    let archive = fx.real_archive(&pbs);
    // `pbsh --repository ./real.pxar` opens the lone archive read-only as a tree.
    let out = pbsh(
        fx.path(),
        fx.path(),
        &["--repository", "./real.pxar", "cat", "/a/b/c/deep.txt"],
        &[],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        out.stdout,
        std::fs::read(fx.src().join("a/b/c/deep.txt")).unwrap()
    );

    let listed = pxar_list(&pbs, &archive);
    assert_eq!(pbsh_list(&archive), listed);

    // The random-access reader finds every file with the right contents.
    use pbsh::format::pxar::accessor::Accessor;
    let accessor = Accessor::new(std::fs::File::open(&archive).unwrap()).unwrap();
    for rel in [
        "big.bin",
        "a/b/c/deep.txt",
        "with space ü€.txt",
        "many/f099",
    ] {
        let entry = accessor
            .lookup(format!("/{rel}").as_bytes())
            .unwrap()
            .unwrap_or_else(|| panic!("{rel} not found"));
        let expected = std::fs::read(fx.src().join(rel)).unwrap();
        let mut got = vec![0u8; expected.len() + 1];
        let mut at = 0;
        loop {
            let n = accessor
                .read_file_at(&entry, &mut got[at..], at as u64)
                .unwrap();
            if n == 0 {
                break;
            }
            at += n;
        }
        assert_eq!(&got[..at], &expected[..], "{rel}");
    }

    let stats = pbsh_extract(&archive, &fx.path().join("by-pbsh"));
    assert!(stats.warnings.is_empty(), "{:?}", stats.warnings);
    assert_same_tree(
        &fx.src(),
        &fx.path().join("by-pbsh"),
        "pbsh extract of pxar's archive",
    );
}

#[test]
fn pbsh_encodes_the_bytes_pxar_create_writes() {
    let Some(pbs) = peer::pbs_dir() else { return };
    let fx = Fixture::new();
    let real = std::fs::read(fx.real_archive(&pbs)).unwrap();
    // The library's encoder on the same tree …
    let encoded = pbsh_encode(&fx.src());
    assert!(
        encoded == real,
        "pbsh encoder: {}",
        first_difference(&encoded, &real)
    );
    // … and the archive of a pbsh backup, exported whole.
    let exported = std::fs::read(fx.pbsh_archive()).unwrap();
    assert!(
        exported == real,
        "pbsh backup: {}",
        first_difference(&exported, &real)
    );
}

#[test]
fn pxarexclude_files_are_honoured_as_pxar_create_honours_them() {
    let Some(pbs) = peer::pbs_dir() else { return };
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("src");
    std::fs::create_dir_all(src.join("logs/keep")).unwrap();
    std::fs::create_dir_all(src.join("cache")).unwrap();
    std::fs::write(src.join(".pxarexclude"), "*.tmp\ncache/\n/top-only\n").unwrap();
    std::fs::write(src.join("logs/.pxarexclude"), "*.log\n!keep.log\n").unwrap();
    for f in [
        "a.tmp",
        "b.txt",
        "top-only",
        "logs/x.log",
        "logs/keep.log",
        "logs/keep/top-only",
        "logs/y.tmp",
        "cache/c",
    ] {
        std::fs::write(src.join(f), f).unwrap();
    }
    for path in walk(&src) {
        set_mtime(&path, 1_700_000_000, 0);
    }
    set_mtime(&src, 1_700_000_000, 0);
    ok(pxar(
        &pbs,
        dir.path(),
        &[
            OsStr::new("create"),
            OsStr::new("real.pxar"),
            OsStr::new("src"),
        ],
    ));
    let real = std::fs::read(dir.path().join("real.pxar")).unwrap();
    let encoded = pbsh_encode(&src);
    assert!(encoded == real, "{}", first_difference(&encoded, &real));
    let listed = pbsh_list(&dir.path().join("real.pxar"));
    assert!(
        listed.contains(&"\"/logs/keep.log\"".to_string()),
        "{listed:?}"
    );
    assert!(
        !listed.contains(&"\"/logs/x.log\"".to_string()),
        "{listed:?}"
    );
}

/// Xattrs in the order the file system lists them, and only the namespaces PBS keeps: an
/// archive pbsh writes carries the same XATTR items in the same order as `pxar create`'s, and
/// neither side restores a `security.*` name PBS does not archive.
#[test]
fn xattrs_keep_listing_order_and_pbs_namespaces_both_ways() {
    use pbsh::format::pxar::encoder::Encoder;
    use pbsh::format::pxar::Metadata;
    let Some(pbs) = peer::pbs_dir() else { return };
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("src");
    std::fs::create_dir(&src).unwrap();
    let file = src.join("f");
    std::fs::write(&file, b"x\n").unwrap();
    let mut names = vec!["user.zz", "user.aa", "user.mm"];
    if is_root() {
        names = vec![
            "user.zz",
            "trusted.t",
            "security.pbsh-test",
            "user.aa",
            "security.NTACL",
        ];
    }
    for (i, name) in names.iter().enumerate() {
        set_xattr(&file, name, format!("value {i}").as_bytes()).unwrap();
    }
    let listed: Vec<Vec<u8>> = xattrs_in_order(&file).into_iter().map(|(n, _)| n).collect();
    ok(pxar(
        &pbs,
        dir.path(),
        &[
            OsStr::new("create"),
            OsStr::new("real.pxar"),
            OsStr::new("src"),
        ],
    ));
    let real = std::fs::read(dir.path().join("real.pxar")).unwrap();
    let encoded = pbsh_encode(&src);
    assert!(encoded == real, "{}", first_difference(&encoded, &real));
    let mut decoder = pbsh::format::pxar::decoder::Decoder::new(&real[..]);
    let mut stored = Vec::new();
    while let Some(entry) = decoder.next_entry().unwrap() {
        if entry.path == b"/f" {
            stored = entry
                .metadata
                .xattrs
                .iter()
                .map(|(n, _)| n.clone())
                .collect();
        }
    }
    let expected: Vec<Vec<u8>> = listed
        .into_iter()
        .filter(|n| !n.starts_with(b"security.") || n == b"security.NTACL")
        .collect();
    assert_eq!(stored, expected, "listing order, PBS's namespaces");

    if !is_root() {
        return;
    }
    // An archive that does carry `security.pbsh-test` (as older pbsh archives do): neither
    // extractor puts it back.
    let meta = |mode: u64| Metadata {
        mode,
        mtime_secs: 1_700_000_000,
        ..Metadata::default()
    };
    let mut file_meta = meta(0o100644);
    file_meta.xattrs = vec![
        (b"user.b".to_vec(), b"1".to_vec()),
        (b"security.pbsh-test".to_vec(), b"2".to_vec()),
        (b"user.a".to_vec(), b"3".to_vec()),
    ];
    let mut encoder = Encoder::new(Vec::new(), &meta(0o040755)).unwrap();
    encoder
        .add_file(b"f", &file_meta, 2, &mut &b"x\n"[..])
        .unwrap();
    let crafted = encoder.finish().unwrap();
    std::fs::write(dir.path().join("crafted.pxar"), &crafted).unwrap();
    ok(pxar(
        &pbs,
        dir.path(),
        &[
            OsStr::new("extract"),
            OsStr::new("crafted.pxar"),
            OsStr::new("by-pxar"),
        ],
    ));
    let stats = pbsh_extract(
        &dir.path().join("crafted.pxar"),
        &dir.path().join("by-pbsh"),
    );
    assert_eq!(stats.warnings.len(), 1, "{:?}", stats.warnings);
    let by_pxar = xattrs_in_order(&dir.path().join("by-pxar/f"));
    let by_pbsh = xattrs_in_order(&dir.path().join("by-pbsh/f"));
    assert_eq!(
        by_pxar,
        vec![
            (b"user.b".to_vec(), b"1".to_vec()),
            (b"user.a".to_vec(), b"3".to_vec())
        ]
    );
    assert_eq!(by_pbsh, by_pxar);
}

// ---------------------------------------------------------------------------------------------
// Keys: the real client's `key …` ↔ pbsh's
// ---------------------------------------------------------------------------------------------

fn pbsh_show(cwd: &Path, file: &str) -> serde_json::Value {
    let text = pbsh_ok(cwd, &["key", "show", "--output-format", "json", file], &[]);
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{e}: {text}"))
}

fn real_show(pbs: &Path, home: &ClientHome, cwd: &Path, file: &str) -> serde_json::Value {
    ok_json(client(
        pbs,
        home,
        cwd,
        &["key", "show", file, "--output-format", "json"],
        &[],
    ))
}

/// The two `key show` outputs agree field for field. The one difference: PBS 3.2.4 prints the
/// path as Rust's `{:?}` (in quotes), pbsh as given.
#[track_caller]
fn assert_same_key_info(real: &serde_json::Value, ours: &serde_json::Value, file: &str) {
    let keys =
        |v: &serde_json::Value| -> Vec<String> { v.as_object().unwrap().keys().cloned().collect() };
    assert_eq!(keys(real), keys(ours), "fields");
    for field in ["fingerprint", "kdf", "created", "modified", "hint"] {
        assert_eq!(
            real.get(field),
            ours.get(field),
            "{field}: {real} vs {ours}"
        );
    }
    assert_eq!(real["path"], format!("{file:?}"));
    assert_eq!(ours["path"], file);
}

/// `key show`'s text table without its path row (see `assert_same_key_info`).
fn table_without_path(text: &str) -> String {
    text.lines()
        .filter(|l| !l.starts_with("│ path "))
        .collect::<Vec<_>>()
        .join("\n")
}

/// A `--kdf none` key file's text, byte for byte but for the time in `modified`.
fn unwrapped_text(path: &Path) -> String {
    let text = std::fs::read_to_string(path).unwrap();
    assert!(text.starts_with("{\"kdf\":null,"), "{text}");
    let at = text.find("\"modified\":\"").unwrap() + 12;
    let end = at + text[at..].find('"').unwrap();
    format!("{}*{}", &text[..at], &text[end..])
}

/// The key file `file` (passphrase `pass`, or none) unwrapped by the real client: its
/// `change-passphrase --kdf none` on a copy.
fn real_unwrap(
    pbs: &Path,
    home: &ClientHome,
    cwd: &Path,
    file: &str,
    pass: Option<&str>,
) -> String {
    let copy = format!("{file}.real-plain");
    std::fs::copy(cwd.join(file), cwd.join(&copy)).unwrap();
    let envs: Vec<(&str, &str)> = pass
        .map(|p| ("PBS_ENCRYPTION_PASSWORD", p))
        .into_iter()
        .collect();
    client_on_pty(
        pbs,
        home,
        cwd,
        &["key", "change-passphrase", &copy, "--kdf", "none"],
        &envs,
        &[],
    );
    unwrapped_text(&cwd.join(copy))
}

/// The same unwrapped by pbsh: its `change-passphrase --kdf none` on a copy.
fn pbsh_unwrap(cwd: &Path, file: &str, pass: Option<&str>) -> String {
    let copy = format!("{file}.pbsh-plain");
    std::fs::copy(cwd.join(file), cwd.join(&copy)).unwrap();
    let envs: Vec<(&str, &str)> = pass
        .map(|p| ("PBS_ENCRYPTION_PASSWORD", p))
        .into_iter()
        .collect();
    pbsh_ok(
        cwd,
        &["key", "change-passphrase", &copy, "--kdf", "none"],
        &envs,
    );
    unwrapped_text(&cwd.join(copy))
}

#[test]
fn real_client_keys_are_read_by_pbsh() {
    let Some(pbs) = peer::pbs_dir() else { return };
    let home = ClientHome::new();
    let cwd = home.path().to_path_buf();
    ok(client(
        &pbs,
        &home,
        &cwd,
        &["key", "create", "--kdf", "none", "none.json"],
        &[],
    ));
    client_on_pty(
        &pbs,
        &home,
        &cwd,
        &[
            "key",
            "create",
            "--kdf",
            "scrypt",
            "--hint",
            "real hint",
            "scrypt.json",
        ],
        &[],
        &["real-pass-1", "real-pass-1"],
    );
    client_on_pty(
        &pbs,
        &home,
        &cwd,
        &["key", "create", "--kdf", "pbkdf2", "pbkdf2.json"],
        &[],
        &["real-pass-2", "real-pass-2"],
    );
    for (file, pass, kdf) in [
        ("none.json", None, "none"),
        ("scrypt.json", Some("real-pass-1"), "scrypt"),
        ("pbkdf2.json", Some("real-pass-2"), "pbkdf2"),
    ] {
        let real = real_show(&pbs, &home, &cwd, file);
        assert_eq!(real["kdf"], kdf);
        assert_same_key_info(&real, &pbsh_show(&cwd, file), file);
        let real_table = ok(client(&pbs, &home, &cwd, &["key", "show", file], &[]));
        let our_table = pbsh_ok(&cwd, &["key", "show", file], &[]);
        assert_eq!(
            table_without_path(&real_table),
            table_without_path(&our_table)
        );
        // pbsh unwraps the key the real client wrapped, to the same raw key.
        assert_eq!(
            pbsh_unwrap(&cwd, file, pass),
            real_unwrap(&pbs, &home, &cwd, file, pass),
            "{file}"
        );
    }
    // pbsh re-wraps a real key; the real client unwraps pbsh's file to the same key.
    let raw = pbsh_unwrap(&cwd, "scrypt.json", Some("real-pass-1"));
    pbsh_ok(
        &cwd,
        &[
            "key",
            "change-passphrase",
            "scrypt.json",
            "--kdf",
            "pbkdf2",
            "--hint",
            "by pbsh",
        ],
        &[
            ("PBS_ENCRYPTION_PASSWORD", "real-pass-1"),
            ("PBSH_NEW_ENCRYPTION_PASSWORD", "pbsh-pass-9"),
        ],
    );
    let real = real_show(&pbs, &home, &cwd, "scrypt.json");
    assert_eq!(
        (real["kdf"].as_str(), real["hint"].as_str()),
        (Some("pbkdf2"), Some("by pbsh"))
    );
    assert_eq!(
        real_unwrap(&pbs, &home, &cwd, "scrypt.json", Some("pbsh-pass-9")),
        raw
    );
}

#[test]
fn pbsh_keys_are_read_by_the_real_client() {
    let Some(pbs) = peer::pbs_dir() else { return };
    let home = ClientHome::new();
    let cwd = home.path().to_path_buf();
    pbsh_ok(&cwd, &["key", "create", "none.json", "--kdf", "none"], &[]);
    pbsh_ok(
        &cwd,
        &[
            "key",
            "create",
            "scrypt.json",
            "--kdf",
            "scrypt",
            "--hint",
            "pbsh hint",
        ],
        &[("PBS_ENCRYPTION_PASSWORD", "pbsh-pass-1")],
    );
    pbsh_ok(
        &cwd,
        &["key", "create", "pbkdf2.json", "--kdf", "pbkdf2"],
        &[("PBS_ENCRYPTION_PASSWORD", "pbsh-pass-2")],
    );
    for (file, pass) in [
        ("none.json", None),
        ("scrypt.json", Some("pbsh-pass-1")),
        ("pbkdf2.json", Some("pbsh-pass-2")),
    ] {
        let ours = pbsh_show(&cwd, file);
        assert_same_key_info(&real_show(&pbs, &home, &cwd, file), &ours, file);
        assert_eq!(
            real_unwrap(&pbs, &home, &cwd, file, pass),
            pbsh_unwrap(&cwd, file, pass),
            "{file}"
        );
    }
    // The real client changes the passphrase of pbsh's file; pbsh reads it again.
    let raw = pbsh_unwrap(&cwd, "scrypt.json", Some("pbsh-pass-1"));
    let before = pbsh_show(&cwd, "scrypt.json");
    client_on_pty(
        &pbs,
        &home,
        &cwd,
        &[
            "key",
            "change-passphrase",
            "scrypt.json",
            "--kdf",
            "scrypt",
            "--hint",
            "by pbs",
        ],
        &[("PBS_ENCRYPTION_PASSWORD", "pbsh-pass-1")],
        &["real-pass-3", "real-pass-3"],
    );
    let after = pbsh_show(&cwd, "scrypt.json");
    assert_eq!(after["fingerprint"], before["fingerprint"]);
    assert_eq!(after["created"], before["created"]);
    assert_eq!(
        (after["kdf"].as_str(), after["hint"].as_str()),
        (Some("scrypt"), Some("by pbs"))
    );
    assert_eq!(pbsh_unwrap(&cwd, "scrypt.json", Some("real-pass-3")), raw);
}

// ---------------------------------------------------------------------------------------------
// Master keys and the key blob
// ---------------------------------------------------------------------------------------------

fn show_master(
    pbs: &Path,
    home: &ClientHome,
    cwd: &Path,
    pem: &str,
) -> (serde_json::Value, String) {
    let json = ok_json(client(
        pbs,
        home,
        cwd,
        &["key", "show-master-pubkey", pem, "--output-format", "json"],
        &[],
    ));
    let text = ok(client(
        pbs,
        home,
        cwd,
        &["key", "show-master-pubkey", pem],
        &[],
    ));
    (json, text)
}

fn pbsh_show_master(cwd: &Path, pem: &str) -> (serde_json::Value, String) {
    let json = pbsh_ok(
        cwd,
        &["key", "show-master-pubkey", pem, "--output-format", "json"],
        &[],
    );
    let text = pbsh_ok(cwd, &["key", "show-master-pubkey", pem], &[]);
    (serde_json::from_str(&json).unwrap(), text)
}

/// The real client's `import-with-master-key` (the master key's password at its prompt).
fn real_import(
    pbs: &Path,
    home: &ClientHome,
    cwd: &Path,
    raw: &str,
    master: &str,
    password: &str,
    out: &str,
) {
    client_on_pty(
        pbs,
        home,
        cwd,
        &[
            "key",
            "import-with-master-key",
            out,
            "--encrypted-keyfile",
            raw,
            "--master-keyfile",
            master,
            "--kdf",
            "none",
        ],
        &[],
        &[password],
    );
}

/// A pbsh snapshot of a small tree encrypted with `key`, its key sealed for `master_pub`; returns
/// the path of its `rsa-encrypted.key.blob` as `pbsh restore` writes it without the key.
fn pbsh_sealed_key(cwd: &Path, id: &str, key: &str, master_pub: &str) -> String {
    std::fs::create_dir_all(cwd.join("small")).unwrap();
    std::fs::write(cwd.join("small/f"), b"sealed\n").unwrap();
    if !cwd.join("ds").exists() {
        pbsh_ok(cwd, &["datastore", "create", "ds"], &[]);
    }
    pbsh_ok(
        cwd,
        &[
            "--repository",
            "./ds",
            "backup",
            "root.pxar:small",
            "--backup-id",
            id,
            "--keyfile",
            key,
            "--master-pubkey-file",
            master_pub,
        ],
        &[],
    );
    let raw = format!("{id}.rsa-key");
    pbsh_ok(
        cwd,
        &[
            "--repository",
            "./ds",
            "restore",
            &format!("host/{id}"),
            "rsa-encrypted.key.blob",
            &raw,
        ],
        &[],
    );
    assert_eq!(
        std::fs::metadata(cwd.join(&raw)).unwrap().len(),
        512,
        "RSA-4096 ciphertext"
    );
    raw
}

#[test]
fn vector_master_key_and_key_blob_are_read_by_both() {
    let Some(pbs) = peer::pbs_dir() else { return };
    let Some(v) = common::vectors_dir() else {
        return;
    };
    let home = ClientHome::new();
    let cwd = home.path().to_path_buf();
    let keys = v.join("keys");
    let pem = keys.join("master-public.pem");
    let pem = pem.to_str().unwrap();
    assert_eq!(
        show_master(&pbs, &home, &cwd, pem),
        pbsh_show_master(&cwd, pem)
    );

    // pbsh restores the blob of PBS's encrypted snapshot without the key (that is what the
    // master key is for), as the real client does; the real client opens it.
    common::copy_vector_datastore(&v, &cwd.join("vds"));
    let snapshot = std::fs::read_dir(cwd.join("vds/host/vec-enc"))
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .find(|n| !n.starts_with('.') && n.ends_with('Z'))
        .unwrap();
    pbsh_ok(
        &cwd,
        &[
            "--repository",
            "./vds",
            "restore",
            &format!("host/vec-enc/{snapshot}"),
            "rsa-encrypted.key.blob",
            "vec.rsa-key",
        ],
        &[],
    );
    let private = keys.join("master-private.pem");
    let private = private.to_str().unwrap();
    real_import(
        &pbs,
        &home,
        &cwd,
        "vec.rsa-key",
        private,
        "master-pass",
        "by-real.json",
    );
    // pbsh opens the stored blob itself, and the raw ciphertext.
    let blob = cwd.join(format!(
        "vds/host/vec-enc/{snapshot}/rsa-encrypted.key.blob"
    ));
    for (input, out) in [
        (blob.to_str().unwrap(), "by-pbsh.json"),
        ("vec.rsa-key", "by-pbsh-raw.json"),
    ] {
        pbsh_ok(
            &cwd,
            &[
                "key",
                "import-with-master-key",
                private,
                input,
                out,
                "--kdf",
                "none",
            ],
            &[("PBSH_MASTER_KEY_PASSWORD", "master-pass")],
        );
    }
    let expected = unwrapped_text(&keys.join("key-none.json"));
    for out in ["by-real.json", "by-pbsh.json", "by-pbsh-raw.json"] {
        assert_eq!(unwrapped_text(&cwd.join(out)), expected, "{out}");
    }
}

#[test]
fn pbsh_master_key_and_key_blob_are_read_by_the_real_client() {
    let Some(pbs) = peer::pbs_dir() else { return };
    let home = ClientHome::new();
    let cwd = home.path().to_path_buf();
    std::fs::create_dir(cwd.join("pm")).unwrap();
    pbsh_ok(
        &cwd.join("pm"),
        &["key", "create-master-key"],
        &[("PBSH_MASTER_KEY_PASSWORD", "pbsh-master")],
    );
    let (real, ours) = (
        show_master(&pbs, &home, &cwd, "pm/master-public.pem"),
        pbsh_show_master(&cwd, "pm/master-public.pem"),
    );
    assert_eq!(real, ours);
    assert_eq!(real.0["length"], 4096);

    pbsh_ok(&cwd, &["key", "create", "k.json", "--kdf", "none"], &[]);
    let raw = pbsh_sealed_key(&cwd, "enc", "k.json", "pm/master-public.pem");
    real_import(
        &pbs,
        &home,
        &cwd,
        &raw,
        "pm/master-private.pem",
        "pbsh-master",
        "by-real.json",
    );
    assert_eq!(
        unwrapped_text(&cwd.join("by-real.json")),
        unwrapped_text(&cwd.join("k.json"))
    );
}

#[test]
fn real_master_key_is_read_by_pbsh() {
    let Some(pbs) = peer::pbs_dir() else { return };
    let home = ClientHome::new();
    let cwd = home.path().to_path_buf();
    std::fs::create_dir(cwd.join("rm")).unwrap();
    client_on_pty(
        &pbs,
        &home,
        &cwd.join("rm"),
        &["key", "create-master-key"],
        &[],
        &["real-master", "real-master"],
    );
    assert_eq!(
        show_master(&pbs, &home, &cwd, "rm/master-public.pem"),
        pbsh_show_master(&cwd, "rm/master-public.pem")
    );
    // pbsh seals a key for the real master key; pbsh (with the real client's options) and the
    // real client both recover it.
    pbsh_ok(&cwd, &["key", "create", "k.json", "--kdf", "none"], &[]);
    let raw = pbsh_sealed_key(&cwd, "enc", "k.json", "rm/master-public.pem");
    pbsh_ok(
        &cwd,
        &[
            "key",
            "import-with-master-key",
            "by-pbsh.json",
            "--encrypted-keyfile",
            &raw,
            "--master-keyfile",
            "rm/master-private.pem",
            "--kdf",
            "none",
        ],
        &[("PBSH_MASTER_KEY_PASSWORD", "real-master")],
    );
    real_import(
        &pbs,
        &home,
        &cwd,
        &raw,
        "rm/master-private.pem",
        "real-master",
        "by-real.json",
    );
    let expected = unwrapped_text(&cwd.join("k.json"));
    assert_eq!(unwrapped_text(&cwd.join("by-pbsh.json")), expected);
    assert_eq!(unwrapped_text(&cwd.join("by-real.json")), expected);
}

// ---------------------------------------------------------------------------------------------
// Paperkeys and their QR codes
// ---------------------------------------------------------------------------------------------

fn half_blocks(c: char) -> Option<(bool, bool)> {
    match c {
        '\u{2588}' => Some((true, true)),
        '\u{2580}' => Some((true, false)),
        '\u{2584}' => Some((false, true)),
        ' ' => Some((false, false)),
        _ => None,
    }
}

fn is_qr_line(line: &str) -> bool {
    line.contains(['\u{2588}', '\u{2580}', '\u{2584}'])
        && line.chars().all(|c| half_blocks(c).is_some())
}

/// The QR codes a text paperkey draws in half blocks (qrencode's `utf8i`), as module rows.
fn utf8i_codes(text: &str) -> Vec<Vec<Vec<bool>>> {
    let mut codes = Vec::new();
    let mut rows: Vec<Vec<bool>> = Vec::new();
    let mut finish = |rows: &mut Vec<Vec<bool>>| {
        if rows.is_empty() {
            return;
        }
        let width = rows[0].len();
        // An odd width leaves a last half row of light modules.
        while rows.len() > width {
            assert!(rows.last().unwrap().iter().all(|d| !d));
            rows.pop();
        }
        codes.push(std::mem::take(rows));
    };
    for line in text.lines() {
        if is_qr_line(line) {
            let (top, bottom): (Vec<bool>, Vec<bool>) =
                line.chars().map(|c| half_blocks(c).unwrap()).unzip();
            rows.push(top);
            rows.push(bottom);
        } else {
            finish(&mut rows);
        }
    }
    finish(&mut rows);
    codes
}

/// Each SVG image of an HTML paperkey: its text without qrencode's "Created with" comment, and
/// its modules.
fn svg_codes(html: &str) -> Vec<(String, Vec<Vec<bool>>)> {
    use base64::Engine;
    let engine = base64::engine::GeneralPurpose::new(
        &base64::alphabet::STANDARD,
        base64::engine::GeneralPurposeConfig::new()
            .with_decode_padding_mode(base64::engine::DecodePaddingMode::Indifferent),
    );
    html.split("base64,")
        .skip(1)
        .map(|rest| {
            let encoded = &rest[..rest.find('"').unwrap()];
            let svg = String::from_utf8(engine.decode(encoded).unwrap()).unwrap();
            let svg: String = svg
                .split_inclusive('\n')
                .filter(|l| !l.starts_with("<!-- Created with qrencode"))
                .collect();
            let attr = |line: &str, name: &str| -> usize {
                let at = line.find(&format!(" {name}=\"")).unwrap() + name.len() + 3;
                line[at..at + line[at..].find('"').unwrap()]
                    .parse()
                    .unwrap()
            };
            let view = svg.find("viewBox=\"0 0 ").unwrap() + 13;
            let width: usize = svg[view..view + svg[view..].find(' ').unwrap()]
                .parse()
                .unwrap();
            let mut modules = vec![vec![false; width]; width];
            for line in svg.lines().map(str::trim) {
                if line.starts_with("<rect ") && attr(line, "width") == 1 {
                    modules[attr(line, "y")][attr(line, "x")] = true;
                }
            }
            (svg, modules)
        })
        .collect()
}

/// The HTML with each image replaced by its SVG text (less qrencode's comment).
fn html_with_svgs(html: &str) -> String {
    let svgs = svg_codes(html);
    let mut parts = html.split("base64,");
    let mut out = parts.next().unwrap().to_string();
    for (part, (svg, _)) in parts.zip(svgs) {
        out.push_str("SVG[");
        out.push_str(&svg);
        out.push(']');
        out.push_str(&part[part.find('"').unwrap()..]);
    }
    out
}

/// What the QR codes of a paperkey must hold: the key file's JSON between the BEGIN/END lines,
/// or each block of numbered PEM lines.
fn expected_payloads(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut key: Option<Vec<&str>> = None;
    let mut pem: Vec<&str> = Vec::new();
    for line in text.lines() {
        if line == "-----BEGIN PROXMOX BACKUP KEY-----" {
            key = Some(Vec::new());
        } else if line == "-----END PROXMOX BACKUP KEY-----" {
            out.push(key.take().unwrap().join("\n"));
        } else if let Some(lines) = key.as_mut() {
            lines.push(line);
        } else if let Some((nr, rest)) = line.split_once(": ") {
            if !nr.is_empty() && nr.trim_start().chars().all(|c| c.is_ascii_digit()) {
                pem.push(rest);
                continue;
            }
        }
        if (is_qr_line(line) || line == "</p>") && !pem.is_empty() {
            out.push(pem.join("\n"));
            pem.clear();
        }
    }
    out
}

/// Decodes a QR code with `zbarimg` (from a PBM image with a quiet zone).
fn scan(code: &[Vec<bool>], dir: &Path) -> String {
    let (quiet, scale) = (4, 4);
    let side = (code.len() + 2 * quiet) * scale;
    let mut pbm = format!("P1\n{side} {side}\n");
    for py in 0..side {
        let row: Vec<&str> = (0..side)
            .map(|px| {
                let (x, y) = (
                    (px / scale) as isize - quiet as isize,
                    (py / scale) as isize - quiet as isize,
                );
                let dark = x >= 0
                    && y >= 0
                    && code
                        .get(y as usize)
                        .and_then(|r| r.get(x as usize))
                        .copied()
                        .unwrap_or(false);
                if dark {
                    "1"
                } else {
                    "0"
                }
            })
            .collect();
        pbm.push_str(&row.join(" "));
        pbm.push('\n');
    }
    let file = dir.join("qr.pbm");
    std::fs::write(&file, pbm).unwrap();
    let out = Command::new("zbarimg")
        .args(["-q", "--raw"])
        .arg(&file)
        .output()
        .expect("run zbarimg");
    assert!(out.status.success(), "zbarimg found no code");
    let mut text = String::from_utf8(out.stdout).unwrap();
    assert_eq!(text.pop(), Some('\n'));
    text
}

#[test]
fn paperkeys_are_pbs_s_byte_for_byte_and_scan_to_the_key() {
    let Some(pbs) = peer::pbs_dir() else { return };
    // The real client's paperkeys run qrencode; without it there is nothing to compare with.
    if !have_program("qrencode") {
        return;
    }
    let can_scan = have_program("zbarimg");
    let home = ClientHome::new();
    let cwd = home.path().to_path_buf();
    ok(client(
        &pbs,
        &home,
        &cwd,
        &["key", "create", "--kdf", "none", "real.json"],
        &[],
    ));
    pbsh_ok(
        &cwd,
        &[
            "key",
            "create",
            "pbsh.json",
            "--kdf",
            "scrypt",
            "--hint",
            "paper hint",
        ],
        &[("PBS_ENCRYPTION_PASSWORD", "paper-pass")],
    );
    let mut files = vec!["real.json".to_string(), "pbsh.json".to_string()];
    if let Some(v) = common::vectors_dir() {
        for name in ["key-scrypt.json", "master-private.pem"] {
            files.push(v.join("keys").join(name).to_str().unwrap().to_string());
        }
    } else {
        // A master private key of pbsh's making instead of PBS's.
        std::fs::create_dir(cwd.join("pm")).unwrap();
        pbsh_ok(
            &cwd.join("pm"),
            &["key", "create-master-key"],
            &[("PBSH_MASTER_KEY_PASSWORD", "paper-master")],
        );
        files.push("pm/master-private.pem".to_string());
    }
    for file in &files {
        for subject in [None, Some("Safe 2, shelf 3")] {
            let paperkey = |format: &str| {
                let mut args = vec!["key", "paperkey", file.as_str(), "--output-format", format];
                if let Some(s) = subject {
                    args.extend(["--subject", s]);
                }
                let real = ok(client(&pbs, &home, &cwd, &args, &[]));
                let ours = pbsh_ok(&cwd, &args, &[]);
                (real, ours)
            };
            let (real, ours) = paperkey("text");
            assert_eq!(ours, real, "text paperkey of {file}");
            let codes = utf8i_codes(&real);
            let payloads = expected_payloads(&real);
            assert_eq!(codes.len(), payloads.len(), "{file}: {real}");
            // The codes do not depend on the subject: scan them once.
            let scan_here = can_scan && subject.is_none();
            if scan_here {
                for (code, payload) in codes.iter().zip(&payloads) {
                    assert_eq!(&scan(code, &cwd), payload, "{file}");
                }
            }

            let (real, ours) = paperkey("html");
            assert_eq!(
                html_with_svgs(&ours),
                html_with_svgs(&real),
                "HTML paperkey of {file}"
            );
            let (ours_codes, real_codes) = (svg_codes(&ours), svg_codes(&real));
            let payloads = expected_payloads(&real);
            assert_eq!(real_codes.len(), payloads.len(), "{file}");
            for ((_, code), ((_, real_code), payload)) in
                ours_codes.iter().zip(real_codes.iter().zip(&payloads))
            {
                assert_eq!(code, real_code, "{file}: QR modules");
                if scan_here {
                    assert_eq!(&scan(code, &cwd), payload, "{file}");
                }
            }
        }
    }
    // The one deliberate difference: pbsh escapes `&`, `<`, `>` of the subject in HTML, where
    // PBS writes them raw (and the page shows something else).
    let args = [
        "key",
        "paperkey",
        "real.json",
        "--output-format",
        "html",
        "--subject",
        "R&D <vault>",
    ];
    let real = ok(client(&pbs, &home, &cwd, &args, &[]));
    let ours = pbsh_ok(&cwd, &args, &[]);
    assert_eq!(
        html_with_svgs(&ours),
        html_with_svgs(&real).replace("Subject: R&D <vault>", "Subject: R&amp;D &lt;vault&gt;")
    );
}

/// pbsh's QR codes against the `qrencode` program (which PBS's paperkey runs) on many texts:
/// every character class and mode switch, lengths up to version 25 or so.
#[test]
fn qr_codes_are_qrencode_s_module_for_module() {
    if !have_program("qrencode") {
        return;
    }
    let classes: [&[u8]; 6] = [
        b"0123456789",
        b"ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:",
        b"abcdefghijklmnopqrstuvwxyz",
        b"{}\"\n,_=;!?#@",
        "üé€漢".as_bytes(),
        b"0123456789:ABCDEF",
    ];
    let mut texts: Vec<Vec<u8>> = vec![
        b"HELLO WORLD".to_vec(),
        b"2026-12-06T00:30:55+00:00".to_vec(),
        b"67:0d:f1:0b:ed:27:98:d5:37:fc:09:57:81:85:21:1a".to_vec(),
    ];
    let mut state = 0x0123_4567_89ab_cdef_u64;
    let mut next = |n: u64| {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        (state % n) as usize
    };
    for len in [1, 2, 3, 5, 8, 13, 21, 34, 55, 89, 144, 233, 377, 610, 900] {
        for _ in 0..8 {
            let mut text = Vec::new();
            while text.len() < len {
                // Runs of one class, of random length, as real texts have.
                let class = classes[next(classes.len() as u64)];
                let run = 1 + next(12);
                let mut i = 0;
                while i < run && text.len() < len {
                    let c = class[next(class.len() as u64)];
                    text.push(c);
                    i += 1;
                }
            }
            texts.push(text);
        }
    }
    for text in &texts {
        let shown = String::from_utf8_lossy(text);
        let qrencode = |format: &str| {
            let mut child = Command::new("qrencode")
                .args(["-l", "M", "-m", "0", "-s", "1", "-t", format, "-o", "-"])
                .stdin(std::process::Stdio::piped())
                .stdout(std::process::Stdio::piped())
                .spawn()
                .expect("run qrencode");
            child.stdin.take().unwrap().write_all(text).unwrap();
            let out = child.wait_with_output().unwrap();
            assert!(out.status.success());
            String::from_utf8(out.stdout).unwrap()
        };
        let code = pbsh::format::qr::encode(text).unwrap();
        assert_eq!(code.to_utf8i(), qrencode("utf8i"), "text {shown:?}");
        let svg: String = qrencode("svg")
            .split_inclusive('\n')
            .filter(|l| !l.starts_with("<!-- Created with qrencode"))
            .collect();
        assert_eq!(code.to_svg(), svg, "text {shown:?}");
    }
}
