//! Datastores on a real distributed object store: Garage 2.5.0 (`../shared/peers/garage-2.5.0`),
//! a private cluster per test started through its `with-garage.sh`. The pbsh binary is run as a
//! user runs it (`--repository s3://BUCKET/PREFIX`, AWS settings in the environment), with a
//! cache directory per simulated host.
#![allow(clippy::disallowed_macros)] // tests print freely

mod common;

#[path = "s3/crash.rs"]
mod crash;
#[path = "s3/faults.rs"]
mod faults;
#[path = "s3/hosts.rs"]
mod hosts;
#[path = "s3/store.rs"]
mod store;

use common::garage::Garage;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// One machine using the bucket: its HOME and its S3 cache directory.
pub struct Host {
    pub home: tempfile::TempDir,
}

impl Default for Host {
    fn default() -> Self {
        Host::new()
    }
}

impl Host {
    pub fn new() -> Host {
        Host {
            home: tempfile::tempdir().unwrap(),
        }
    }

    pub fn cache(&self) -> PathBuf {
        self.home.path().join("s3-cache")
    }

    /// `pbsh --repository URL ARGS…` on this host, with the cluster's S3 settings.
    pub fn command(&self, garage: &Garage, url: &str, args: &[&str]) -> Command {
        let home = self.home.path();
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_pbsh"));
        cmd.arg("--repository")
            .arg(url)
            .args(args)
            .current_dir(home)
            .env("HOME", home)
            .env("XDG_DATA_HOME", home.join("data"))
            .env("XDG_CONFIG_HOME", home.join("config"))
            .env("XDG_CACHE_HOME", home.join("cache"))
            .env("PBSH_S3_CACHE_DIR", self.cache())
            .env("TZ", "UTC")
            .env_remove("PBS_REPOSITORY")
            .env_remove("PBSH_FAILPOINTS")
            .env_remove("PBS_ENCRYPTION_PASSWORD");
        garage.apply(&mut cmd);
        cmd
    }

    pub fn run(&self, garage: &Garage, url: &str, args: &[&str]) -> Output {
        self.command(garage, url, args).output().unwrap()
    }

    /// Runs and asserts success; returns stdout.
    pub fn ok(&self, garage: &Garage, url: &str, args: &[&str]) -> String {
        let out = self.run(garage, url, args);
        assert!(
            out.status.success(),
            "pbsh {args:?} failed: {}{}",
            common::stdout(&out),
            common::stderr(&out)
        );
        common::stdout(&out)
    }

    /// Runs `gc` with the grace period shortened to nothing (test builds only) and asserts
    /// success; returns stdout.
    pub fn gc_now(&self, garage: &Garage, url: &str) -> String {
        let out = self
            .command(garage, url, &["gc"])
            .env("PBSH_TEST_GC_GRACE_SECS", "0")
            .output()
            .unwrap();
        assert!(out.status.success(), "gc: {}", common::stderr(&out));
        common::stdout(&out)
    }

    /// The times of the listed snapshots of `host/ID`.
    pub fn snapshot_times(&self, garage: &Garage, url: &str) -> Vec<i64> {
        let text = self.ok(
            garage,
            url,
            &["snapshot", "list", "--output-format", "json"],
        );
        let list: serde_json::Value = serde_json::from_str(&text).unwrap();
        let mut times: Vec<i64> = list
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["backup-time"].as_i64().unwrap())
            .collect();
        times.sort();
        times
    }
}

/// A test's setting: a private Garage cluster of `nodes`, the store `s3://BUCKET/PREFIX` on it
/// (its URL), one host, and `megabytes` MiB of source written from `seed` in that host's home;
/// `None` (with a notice, a failure under CI) without the Garage peer.
pub fn setting(
    nodes: usize,
    prefix: &str,
    megabytes: usize,
    seed: u64,
) -> Option<(Garage, String, Host, PathBuf)> {
    let garage = Garage::start(nodes)?;
    let url = garage.url(prefix);
    let host = Host::new();
    let src = host.home.path().join("src");
    write_source(&src, megabytes, seed);
    Some((garage, url, host, src))
}

/// A source tree of `megabytes` MiB of incompressible files and a small one.
pub fn write_source(root: &Path, megabytes: usize, seed: u64) {
    std::fs::create_dir_all(root.join("sub")).unwrap();
    let mut state = seed;
    for i in 0..megabytes {
        let data = common::pseudo_random(1024 * 1024, &mut state);
        std::fs::write(root.join("sub").join(format!("f{i}")), data).unwrap();
    }
    std::fs::write(root.join("small.txt"), b"hello\n").unwrap();
}

pub fn backup_args(src: &Path, id: &str, time: i64) -> Vec<String> {
    vec![
        "backup".into(),
        format!("root.pxar:{}", src.display()),
        "--backup-id".into(),
        id.into(),
        "--backup-time".into(),
        time.to_string(),
    ]
}

pub fn strs(v: &[String]) -> Vec<&str> {
    v.iter().map(String::as_str).collect()
}

/// Restores `host/ID`'s newest `root.pxar` into `target` and compares it with `src`.
pub fn restore_and_compare(host: &Host, garage: &Garage, url: &str, id: &str, src: &Path) {
    let target = host
        .home
        .path()
        .join(format!("restore-{}", std::process::id()))
        .join(id);
    let _ = std::fs::remove_dir_all(&target);
    host.ok(
        garage,
        url,
        &[
            "restore",
            &format!("host/{id}"),
            "root.pxar",
            target.to_str().unwrap(),
        ],
    );
    common::assert_same_tree(src, &target);
    std::fs::remove_dir_all(&target).unwrap();
}

/// The keys of the bucket below `prefix`, read with the library's own S3 client (a second
/// view of the bucket, not through any cache).
pub fn bucket_keys(garage: &Garage, prefix: &str) -> Vec<String> {
    use pbsh::repo::backend::{Depth, Key, StorageBackend};
    let store = garage.store(prefix);
    let mut keys: Vec<String> = store
        .list(&Key::root(), Depth::Recursive)
        .unwrap()
        .into_iter()
        .map(|e| e.name)
        .collect();
    keys.sort();
    keys
}

/// The snapshot directories in the bucket that have no manifest (half snapshots).
pub fn half_snapshots(keys: &[String]) -> Vec<String> {
    let mut dirs: std::collections::BTreeMap<String, bool> = Default::default();
    for k in keys {
        let parts: Vec<&str> = k.split('/').collect();
        // host/ID/TIME/FILE (root namespace)
        if parts.len() == 4 && parts[0] == "host" && !parts[2].starts_with('.') {
            let dir = parts[..3].join("/");
            let finished = dirs.entry(dir).or_insert(false);
            *finished |= parts[3] == "index.json.blob";
        }
    }
    dirs.into_iter()
        .filter(|(_, finished)| !finished)
        .map(|(d, _)| d)
        .collect()
}
