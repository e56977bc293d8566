//! A three-node Garage cluster losing a node during a backup (quorum carries it), a stalled
//! cluster (a clear timeout, nothing half visible, the retry succeeds), and a full disk under
//! the cache directory.

use super::*;

const T1: i64 = 1_800_000_000;
const T2: i64 = 1_800_000_100;

#[test]
fn one_node_of_three_killed_during_a_backup_and_the_backup_completes() {
    let Some((garage, url, host, src)) = setting(3, "quorum", 24, 21) else {
        return;
    };
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
    let Some((garage, url, host, src)) = setting(3, "stall", 4, 8) else {
        return;
    };
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

/// The cache directory's disk full: restores still work (the chunk cache is best effort and
/// leaves the disk a tenth free), a backup that cannot write its metadata there fails in one
/// line naming the cache and publishes nothing, and the retry once there is room succeeds.
#[test]
fn a_full_cache_disk_fails_a_backup_cleanly_and_restores_still_work() {
    let Some((garage, url, writer, src)) = setting(1, "full", 6, 41) else {
        return;
    };
    writer.ok(&garage, &url, &strs(&backup_args(&src, "web1", T1)));

    let host = Host::new();
    if !common::mount_tmpfs(&host.cache(), "4m") {
        return;
    }
    let _unmount = common::Unmount(host.cache());
    // The metadata comes first (an open), then the disk is filled to leave room for the
    // smallest data chunk and 100 KiB: without a reserve the cache would take that chunk and
    // leave less than a tenth free.
    host.snapshot_times(&garage, &url);
    let smallest = {
        use pbsh::repo::backend::{Key, StorageBackend};
        let bucket = garage.store("full");
        bucket_keys(&garage, "full")
            .iter()
            .filter(|k| k.starts_with(".chunks/"))
            .map(|k| bucket.stat(&Key::new(k).unwrap()).unwrap().unwrap().size)
            .filter(|size| *size > 1024)
            .min()
            .unwrap()
    };
    let space_of = |dir: &Path| pbsh::repo::backend::fs::space_of(dir).unwrap();
    let room = smallest + 100 * 1024;
    let filler = host.cache().join("filler");
    std::fs::write(
        &filler,
        vec![7u8; (space_of(&host.cache()).avail - room) as usize],
    )
    .unwrap();
    restore_and_compare(&host, &garage, &url, "web1", &src);
    let space = space_of(&host.cache());
    assert!(
        space.avail + 64 * 1024 >= space.total / 10,
        "the chunk cache filled its disk: {space:?}"
    );

    // Now nothing at all fits.
    {
        use std::io::Write;
        let mut f = std::fs::File::create(&filler).unwrap();
        while f.write_all(&[7u8; 64 * 1024]).is_ok() {}
    }
    std::fs::write(src.join("small.txt"), b"changed\n").unwrap();
    let out = host.run(&garage, &url, &strs(&backup_args(&src, "web1", T2)));
    assert!(
        !out.status.success(),
        "a backup wrote nothing and succeeded"
    );
    let err = common::stderr(&out);
    let errors: Vec<&str> = err.lines().filter(|l| l.starts_with("pbsh:")).collect();
    assert_eq!(errors.len(), 1, "{err}");
    assert!(err.contains("No space left"), "{err}");
    assert!(
        err.contains(host.cache().to_str().unwrap()),
        "the error names the cache: {err}"
    );
    assert_eq!(writer.snapshot_times(&garage, &url), vec![T1]);
    assert!(half_snapshots(&bucket_keys(&garage, "full")).is_empty());

    std::fs::remove_file(&filler).unwrap();
    host.ok(&garage, &url, &strs(&backup_args(&src, "web1", T2)));
    assert_eq!(writer.snapshot_times(&garage, &url), vec![T1, T2]);
    restore_and_compare(&writer, &garage, &url, "web1", &src);
}
