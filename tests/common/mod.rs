//! Shared test helpers: where the golden vectors are, and running the real `pbsh` binary.
#![allow(dead_code)]

use std::path::PathBuf;
use std::process::{Command, Output};

/// `../shared/vectors` (or `$PBSH_VECTORS`); `None`, with a printed notice, when absent.
pub fn vectors_dir() -> Option<PathBuf> {
    let dir = std::env::var_os("PBSH_VECTORS")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/vectors"));
    if dir.join("README.md").exists() {
        Some(dir)
    } else {
        eprintln!(
            "notice: golden vectors not found at {} (set PBSH_VECTORS); skipping",
            dir.display()
        );
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
