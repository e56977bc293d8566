//! A private Garage cluster for one test, started through `../shared/peers/garage-2.5.0/
//! with-garage.sh` (`$PBSH_GARAGE` overrides the folder): the script runs a shell that writes
//! the cluster's S3 settings to a file and waits on its stdin; dropping the handle closes the
//! stdin, and the script stops the nodes and removes the cluster.

use std::collections::HashMap;
use std::io::Write;
use std::path::PathBuf;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::time::{Duration, Instant};

pub struct Garage {
    child: Child,
    stdin: Option<ChildStdin>,
    /// AWS_*, S3_BUCKET, GARAGE_* as with-garage.sh sets them.
    pub env: HashMap<String, String>,
    _dir: tempfile::TempDir,
}

/// The folder of the Garage peer, or `None` (with a notice; a failure under CI).
pub fn peer_dir() -> Option<PathBuf> {
    let dir = std::env::var_os("PBSH_GARAGE")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/peers/garage-2.5.0")
        });
    if dir.join("with-garage.sh").exists() && dir.join("bin/garage").exists() {
        Some(dir)
    } else {
        super::skip(&format!(
            "Garage peer not found at {} (set PBSH_GARAGE)",
            dir.display()
        ));
        None
    }
}

impl Garage {
    /// A cluster of `nodes` nodes (1, or 3 with replication factor 3); `None` when the peer is
    /// absent outside CI. The script picks its ports at random from 20000-40000, which overlaps
    /// Linux's ephemeral range (32768-60999): a node whose port a client connection holds dies at
    /// start and the script gives up. Such a start is retried with new ports, five attempts in
    /// all.
    pub fn start(nodes: usize) -> Option<Garage> {
        let peer = peer_dir()?;
        const ATTEMPTS: usize = 5;
        for attempt in 1..=ATTEMPTS {
            match Self::start_once(&peer, nodes) {
                Ok(garage) => return Some(garage),
                Err(why) if attempt < ATTEMPTS => {
                    eprintln!("note: Garage start {attempt} of {ATTEMPTS} failed ({why}); retrying")
                }
                Err(why) => panic!("{why} ({ATTEMPTS} attempts)"),
            }
        }
        unreachable!()
    }

    fn start_once(peer: &std::path::Path, nodes: usize) -> Result<Garage, String> {
        let dir = tempfile::tempdir().unwrap();
        let env_file = dir.path().join("env");
        let script = format!(
            "env | grep -E '^(AWS_|S3_|GARAGE)' > {0}.tmp && mv {0}.tmp {0}; cat >/dev/null",
            env_file.display()
        );
        let mut child = Command::new("bash")
            .arg(peer.join("with-garage.sh"))
            .args(["-n", &nodes.to_string(), "bash", "-c", &script])
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start with-garage.sh");
        let stdin = child.stdin.take();
        let deadline = Instant::now() + Duration::from_secs(90);
        while !env_file.exists() {
            if let Ok(Some(status)) = child.try_wait() {
                return Err(format!(
                    "with-garage.sh ended before the cluster was up: {status}"
                ));
            }
            assert!(Instant::now() < deadline, "Garage did not start in 90 s");
            std::thread::sleep(Duration::from_millis(100));
        }
        let env = std::fs::read_to_string(&env_file)
            .unwrap()
            .lines()
            .filter_map(|l| l.split_once('='))
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Ok(Garage {
            child,
            stdin,
            env,
            _dir: dir,
        })
    }

    pub fn var(&self, name: &str) -> &str {
        self.env.get(name).map(String::as_str).unwrap_or("")
    }

    pub fn bucket(&self) -> &str {
        self.var("S3_BUCKET")
    }

    /// `s3://BUCKET/PREFIX`.
    pub fn url(&self, prefix: &str) -> String {
        format!("s3://{}/{prefix}", self.bucket())
    }

    /// The node processes' ids, node 1 (the endpoint) first.
    pub fn pids(&self) -> Vec<i32> {
        self.var("GARAGE_PIDS")
            .split_whitespace()
            .filter_map(|p| p.parse().ok())
            .collect()
    }

    /// Sends `signal` to node `n` (0-based).
    pub fn signal(&self, n: usize, signal: i32) {
        let pid = self.pids()[n];
        // SAFETY: kill(2) on a process of this test's cluster.
        assert_eq!(unsafe { libc::kill(pid, signal) }, 0, "kill node {n}");
    }

    /// The S3 settings for a pbsh process (and a cache directory of its own below `home`).
    pub fn apply(&self, cmd: &mut Command) {
        for (k, v) in &self.env {
            cmd.env(k, v);
        }
    }

    /// The S3 settings as (name, value) pairs.
    pub fn vars(&self) -> Vec<(&str, &str)> {
        self.env
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect()
    }

    /// The S3 settings of this cluster for `prefix`, without touching the process's environment.
    pub fn s3_config(&self, prefix: &str) -> pbsh::repo::backend::s3::S3Config {
        pbsh::repo::backend::s3::S3Config {
            bucket: self.bucket().into(),
            prefix: prefix.into(),
            endpoint: Some(self.var("AWS_ENDPOINT_URL").into()),
            region: self.var("AWS_REGION").into(),
            access_key_id: Some(self.var("AWS_ACCESS_KEY_ID").into()),
            secret_access_key: Some(self.var("AWS_SECRET_ACCESS_KEY").into()),
            session_token: None,
            request_timeout: std::time::Duration::from_secs(30),
            retry_deadline: std::time::Duration::from_secs(60),
        }
    }

    /// The bucket below `prefix` straight, with no cache: what any host would find there.
    pub fn store(&self, prefix: &str) -> pbsh::repo::backend::s3::S3Store {
        pbsh::repo::backend::s3::S3Store::open(self.s3_config(prefix)).unwrap()
    }

    /// Sets the S3 settings in this process (for tests that open datastores in-process).
    pub fn export(&self) {
        for (k, v) in &self.env {
            std::env::set_var(k, v);
        }
    }
}

impl Drop for Garage {
    fn drop(&mut self) {
        // Wake stopped nodes so they can be stopped.
        for pid in self.pids() {
            // SAFETY: kill(2) on this cluster's processes.
            unsafe { libc::kill(pid, libc::SIGCONT) };
        }
        if let Some(mut stdin) = self.stdin.take() {
            let _ = stdin.flush();
        }
        let _ = self.child.wait();
    }
}
