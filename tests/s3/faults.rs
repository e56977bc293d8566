//! A three-node Garage cluster losing a node during a backup (quorum carries it), and a stalled
//! cluster (a clear timeout, nothing half visible, the retry succeeds).

use super::*;

const T1: i64 = 1_800_000_000;
const T2: i64 = 1_800_000_100;

#[test]
fn one_node_of_three_killed_during_a_backup_and_the_backup_completes() {
    let Some(garage) = Garage::start(3) else {
        return;
    };
    let url = garage.url("quorum");
    let host = Host::new();
    let src = host.home.path().join("src");
    write_source(&src, 24, 21);
    // Slowed so the kill lands in the middle: every chunk waits 50 ms.
    let mut backup = host
        .command(&garage, &url, &strs(&backup_args(&src, "q", T1)))
        .env("PBSH_FAILPOINTS", "store.chunk.after_rename=sleep@50")
        .spawn()
        .unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    while !bucket_keys(&garage, "quorum")
        .iter()
        .any(|k| k.starts_with(".chunks/"))
    {
        assert!(std::time::Instant::now() < deadline, "no chunk uploaded");
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    // Node 3 (not the endpoint) dies.
    garage.signal(2, libc::SIGKILL);
    assert!(
        backup.wait().unwrap().success(),
        "the backup failed with one node of three down"
    );
    assert_eq!(host.snapshot_times(&garage, &url), vec![T1]);
    let verify = Host::new().ok(&garage, &url, &["verify"]);
    assert!(verify.contains("0 failed"), "{verify}");
    restore_and_compare(&Host::new(), &garage, &url, "q", &src);
}

#[test]
fn a_stalled_cluster_is_a_clear_timeout_and_the_retry_succeeds() {
    let Some(garage) = Garage::start(3) else {
        return;
    };
    let url = garage.url("stall");
    let host = Host::new();
    let src = host.home.path().join("src");
    write_source(&src, 4, 8);
    host.ok(&garage, &url, &strs(&backup_args(&src, "s", T1)));
    for n in 0..3 {
        garage.signal(n, libc::SIGSTOP);
    }
    std::fs::write(src.join("small.txt"), b"new\n").unwrap();
    let started = std::time::Instant::now();
    let out = host
        .command(&garage, &url, &strs(&backup_args(&src, "s", T2)))
        .env("PBSH_S3_TIMEOUT_SECS", "2")
        .env("PBSH_S3_RETRY_SECS", "5")
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = common::stderr(&out);
    let errors: Vec<&str> = err
        .lines()
        .filter(|l| l.starts_with("pbsh: ") && !l.contains("working from the cache"))
        .collect();
    assert_eq!(errors.len(), 1, "{err}");
    assert!(
        errors[0].contains("s3://pbsh/stall") && errors[0].contains("time limit"),
        "{err}"
    );
    assert!(
        started.elapsed() < std::time::Duration::from_secs(60),
        "no timeout: {err}"
    );
    for n in 0..3 {
        garage.signal(n, libc::SIGCONT);
    }
    assert_eq!(host.snapshot_times(&garage, &url), vec![T1]);
    let keys = bucket_keys(&garage, "stall");
    assert!(half_snapshots(&keys).is_empty(), "{keys:?}");
    host.ok(&garage, &url, &strs(&backup_args(&src, "s", T2)));
    assert_eq!(Host::new().snapshot_times(&garage, &url), vec![T1, T2]);
    restore_and_compare(&Host::new(), &garage, &url, "s", &src);
}
