//! Shared test helpers: where the golden vectors are, and running the real `pbsh` binary.
#![allow(dead_code, clippy::disallowed_macros)]

pub mod garage;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// A test that cannot run on this machine: under CI (where `.ci/run` installed everything it
/// needs, and exports `CI`) that is a failure; elsewhere a printed notice, and the test passes.
#[track_caller]
pub fn skip(reason: &str) {
    if std::env::var_os("CI").is_some_and(|v| !v.is_empty()) {
        panic!("{reason}: CI must run this test");
    }
    eprintln!("notice: {reason}; skipping");
}

/// `../shared/vectors` (or `$PBSH_VECTORS`); `None`, with a printed notice, when absent (a
/// failure under CI).
pub fn vectors_dir() -> Option<PathBuf> {
    let dir = std::env::var_os("PBSH_VECTORS")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/vectors"));
    if dir.join("README.md").exists() {
        Some(dir)
    } else {
        skip(&format!(
            "golden vectors not found at {} (set PBSH_VECTORS)",
            dir.display()
        ));
        None
    }
}

/// Runs the pbsh binary with `args` in `cwd`, a private HOME/XDG dirs and TZ=UTC.
pub fn pbsh(
    cwd: &std::path::Path,
    home: &std::path::Path,
    args: &[&str],
    envs: &[(&str, &str)],
) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_pbsh"));
    cmd.current_dir(cwd)
        .args(args)
        .env("HOME", home)
        .env("XDG_DATA_HOME", home.join("data"))
        .env("XDG_CONFIG_HOME", home.join("config"))
        .env("TZ", "UTC")
        .env_remove("PBS_REPOSITORY")
        .env_remove("PBS_ENCRYPTION_PASSWORD");
    for (k, v) in envs {
        cmd.env(k, v);
    }
    cmd.output().expect("run pbsh")
}

pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Compares two trees: names, types, modes, mtimes (ns), owners, contents, symlink targets and
/// `user.*` extended attributes.
pub fn assert_same_tree(expected: &std::path::Path, actual: &std::path::Path) {
    use std::os::unix::fs::MetadataExt;
    let list = |p: &std::path::Path| {
        let mut names: Vec<_> = std::fs::read_dir(p)
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        names.sort();
        names
    };
    let names = list(expected);
    assert_eq!(names, list(actual), "{}", actual.display());
    for name in names {
        let (e, a) = (expected.join(&name), actual.join(&name));
        let (me, ma) = (
            std::fs::symlink_metadata(&e).unwrap(),
            std::fs::symlink_metadata(&a).unwrap(),
        );
        let shown = a.display();
        assert_eq!(me.file_type(), ma.file_type(), "{shown}");
        assert_eq!(
            (me.mtime(), me.mtime_nsec()),
            (ma.mtime(), ma.mtime_nsec()),
            "{shown}"
        );
        assert_eq!((me.uid(), me.gid()), (ma.uid(), ma.gid()), "{shown}");
        if me.file_type().is_symlink() {
            assert_eq!(
                std::fs::read_link(&e).unwrap(),
                std::fs::read_link(&a).unwrap(),
                "{shown}"
            );
            continue;
        }
        assert_eq!(me.mode(), ma.mode(), "{shown}");
        if me.is_dir() {
            assert_same_tree(&e, &a);
        } else if me.is_file() {
            assert_eq!(
                std::fs::read(&e).unwrap(),
                std::fs::read(&a).unwrap(),
                "{shown}"
            );
            assert_eq!(user_xattrs(&e), user_xattrs(&a), "{shown}");
        }
    }
}

fn user_xattrs(path: &std::path::Path) -> Vec<(Vec<u8>, Vec<u8>)> {
    all_xattrs(path)
        .into_iter()
        .filter(|(name, _)| name.starts_with(b"user."))
        .collect()
}

/// Every extended attribute of `path` (not following a symlink), sorted by name.
pub fn all_xattrs(path: &std::path::Path) -> Vec<(Vec<u8>, Vec<u8>)> {
    let p = std::ffi::CString::new(path.as_os_str().as_encoded_bytes()).unwrap();
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
        let cname = std::ffi::CString::new(name).unwrap();
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
        if len >= 0 {
            out.push((name.to_vec(), value[..len as usize].to_vec()));
        }
    }
    out.sort();
    out
}

/// Deterministic incompressible bytes (xorshift64) continuing from `state`, so successive calls
/// give different data.
pub fn pseudo_random(len: usize, state: &mut u64) -> Vec<u8> {
    (0..len)
        .map(|_| {
            *state ^= *state << 13;
            *state ^= *state >> 7;
            *state ^= *state << 17;
            *state as u8
        })
        .collect()
}

/// A writable copy of the vectors' datastore at `to` (the shared one is read-only).
pub fn copy_vector_datastore(vectors: &std::path::Path, to: &std::path::Path) {
    let status = Command::new("cp")
        .arg("-a")
        .arg(vectors.join("datastore"))
        .arg(to)
        .status()
        .expect("cp");
    assert!(status.success());
    let status = Command::new("chmod")
        .arg("-R")
        .arg("u+w")
        .arg(to)
        .status()
        .expect("chmod");
    assert!(status.success());
}

/// Sets the atime and mtime of every chunk of the datastore at `store` to `seconds` ago (past
/// gc's grace period, for a test that wants its garbage collected now).
#[allow(dead_code)]
pub fn age_chunks(store: &std::path::Path, seconds: i64) {
    let when = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
        - seconds;
    let Ok(prefixes) = std::fs::read_dir(store.join(".chunks")) else {
        return;
    };
    for prefix in prefixes.flatten() {
        for chunk in std::fs::read_dir(prefix.path()).unwrap().flatten() {
            let c = std::ffi::CString::new(chunk.path().as_os_str().as_encoded_bytes()).unwrap();
            let t = libc::timespec {
                tv_sec: when,
                tv_nsec: 0,
            };
            // SAFETY: a valid C string and a two-element timespec array.
            assert_eq!(
                unsafe { libc::utimensat(libc::AT_FDCWD, c.as_ptr(), [t, t].as_ptr(), 0) },
                0
            );
        }
    }
}

/// The host name pbsh names default groups after (`host/<hostname>`).
#[allow(unused_imports)] // not every test binary names it
pub use pbsh::util::host::hostname;

/// Mounts a tmpfs of `size` (`8m`) at `at`; false, with a notice (a failure under CI), where
/// this process may not mount.
pub fn mount_tmpfs(at: &Path, size: &str) -> bool {
    std::fs::create_dir_all(at).unwrap();
    let out = Command::new("mount")
        .args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"])
        .arg(at)
        .output();
    match out {
        Ok(o) if o.status.success() => true,
        _ => {
            skip("mounting a tmpfs needs root");
            false
        }
    }
}

/// Unmounts its path when dropped.
pub struct Unmount(pub PathBuf);

impl Drop for Unmount {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg(&self.0).status();
    }
}
