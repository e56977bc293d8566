//! Interop with the real Proxmox Backup 3.2.4 programs (`../shared/peers/pbs-3.2.4`): the real
//! client against `pbsh serve` and the real server alike, pbsh against the real server, and what
//! each side wrote read by the other; the real `pxar` tool and key commands (no server). One real
//! server serves the whole binary; the tests that use it take turns.
#![allow(clippy::disallowed_macros)] // tests print freely

mod common;
mod peer;
mod serve_common;

#[path = "interop/client_both.rs"]
mod client_both;
#[path = "interop/faults.rs"]
mod faults;
#[path = "interop/pbsh_real.rs"]
mod pbsh_real;
#[path = "interop/s3_serve.rs"]
mod s3_serve;
#[path = "interop/tools.rs"]
mod tools;

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

pub const T1: i64 = 1_790_000_000;
pub const T2: i64 = 1_790_000_100;

/// `host/ID/TIME` as PBS prints it.
pub fn snap(id: &str, time: i64) -> String {
    let t = chrono::DateTime::from_timestamp(time, 0).unwrap();
    format!("host/{id}/{}", t.format("%Y-%m-%dT%H:%M:%SZ"))
}

/// The source tree of the backups: the vectors' generator (deterministic contents, owners,
/// modes, mtimes, a symlink, a hardlink, a fifo, an xattr).
pub fn make_source(dir: &Path) -> PathBuf {
    let src = dir.join("src");
    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/vectors/make_tree.py");
    let status = Command::new("python3")
        .arg(&script)
        .arg(&src)
        .status()
        .expect("python3");
    assert!(status.success());
    src
}

pub fn pipe_stdin(cmd: &mut Command, input: &str) -> Output {
    use std::io::Write;
    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

/// Polls `f` for up to 30 s (a hang guard, not a timing assertion).
pub fn wait_for(mut f: impl FnMut() -> bool) -> bool {
    for _ in 0..300 {
        if f() {
            return true;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    false
}

/// Names, types, symlink targets and file contents equal (a FUSE view's owners and xattrs are
/// not compared).
pub fn tree_contents_equal(a: &Path, b: &Path) -> bool {
    let names = |p: &Path| {
        let mut v: Vec<_> = std::fs::read_dir(p)
            .map(|r| r.filter_map(|e| e.ok()).map(|e| e.file_name()).collect())
            .unwrap_or_default();
        v.sort();
        v
    };
    let na = names(a);
    if na != names(b) {
        return false;
    }
    na.iter().all(|n| {
        let (pa, pb) = (a.join(n), b.join(n));
        let (ma, mb) = match (
            std::fs::symlink_metadata(&pa),
            std::fs::symlink_metadata(&pb),
        ) {
            (Ok(x), Ok(y)) => (x, y),
            _ => return false,
        };
        if ma.file_type() != mb.file_type() {
            return false;
        }
        if ma.is_dir() {
            tree_contents_equal(&pa, &pb)
        } else if ma.file_type().is_symlink() {
            std::fs::read_link(&pa).ok() == std::fs::read_link(&pb).ok()
        } else if ma.is_file() {
            std::fs::read(&pa).ok() == std::fs::read(&pb).ok()
        } else {
            true
        }
    })
}
