//! Kills at each commit point of a backup into Garage, and in the middle of publishing one
//! (the bucket's copy of the renamed snapshot): no half snapshot is ever listed, by this host or
//! by a host with an empty cache, the next open finishes what the journal holds, and the next
//! backup and gc leave a bucket that verifies.

use super::*;

const BASE: i64 = 1_800_000_000;

fn killed(host: &Host, garage: &Garage, url: &str, src: &Path, time: i64, point: &str) {
    let out = host
        .command(garage, url, &strs(&backup_args(src, "crash", time)))
        .env("PBSH_FAILPOINTS", format!("{point}=kill@1"))
        .output()
        .unwrap();
    assert!(
        !out.status.success(),
        "{point}: the backup was not stopped: {}",
        common::stderr(&out)
    );
}

#[test]
fn kill_at_each_commit_point_leaves_no_half_snapshot_on_garage() {
    let Some((garage, url, host, src)) = setting(1, "crash", 6, 3) else {
        return;
    };
    host.ok(&garage, &url, &strs(&backup_args(&src, "crash", BASE)));
    let points = [
        "store.chunk.after_rename",
        "backup.before_index",
        "backup.after_index",
        "backup.before_manifest",
        "backup.after_manifest",
        "s3.rename.copy",
        "s3.rename.after_copy",
        "backup.after_publish",
    ];
    let mut expected = vec![BASE];
    for (i, point) in points.iter().enumerate() {
        let time = BASE + 100 * (i as i64 + 1);
        std::fs::write(src.join("small.txt"), format!("run {i}\n")).unwrap();
        killed(&host, &garage, &url, &src, time, point);
        // Killed after the bucket's copy began: the journal finishes it at the next open, so
        // the backup is there whole. Before that point: not there at all.
        let published = matches!(
            *point,
            "s3.rename.copy" | "s3.rename.after_copy" | "backup.after_publish"
        );
        if published {
            expected.push(time);
        }
        let seen = host.snapshot_times(&garage, &url);
        assert_eq!(seen, expected, "after a kill at {point} (this host)");
        let keys = bucket_keys(&garage, "crash");
        assert!(half_snapshots(&keys).is_empty(), "{point}: {keys:?}");
        let fresh = Host::new();
        assert_eq!(
            fresh.snapshot_times(&garage, &url),
            expected,
            "after a kill at {point} (a host with an empty cache)"
        );
        if published {
            restore_and_compare(&fresh, &garage, &url, "crash", &src);
        }
    }
    // What the kills left behind (unfinished backups' objects) is gone after the next backup's
    // open and a gc; everything left verifies.
    host.ok(
        &garage,
        &url,
        &strs(&backup_args(&src, "crash", BASE + 10_000)),
    );
    host.gc_now(&garage, &url);
    let keys = bucket_keys(&garage, "crash");
    assert!(
        !keys
            .iter()
            .any(|k| k.contains("/.tmp-") || k.contains(".deleting-")),
        "leftovers: {keys:?}"
    );
    let verify = Host::new().ok(&garage, &url, &["verify"]);
    assert!(verify.contains("0 failed"), "{verify}");
    restore_and_compare(&Host::new(), &garage, &url, "crash", &src);
}

/// Prune, gc and verify killed in the middle on Garage: the snapshots left are whole and
/// restore, a second run of the same operation finishes the job, and nothing a snapshot needs
/// is gone from the bucket.
#[test]
fn prune_gc_and_verify_killed_midway_on_garage() {
    let Some((garage, url, host, src)) = setting(1, "maint", 8, 13) else {
        return;
    };
    for i in 0..4 {
        std::fs::write(src.join("small.txt"), format!("version {i}\n")).unwrap();
        std::fs::write(
            src.join("sub/f0"),
            common::pseudo_random(1 << 20, &mut (i as u64 + 100)),
        )
        .unwrap();
        host.ok(
            &garage,
            &url,
            &strs(&backup_args(&src, "m", BASE + 100 * i)),
        );
    }
    let kill = |args: &[&str], point: &str, grace0: bool| {
        let mut cmd = host.command(&garage, &url, args);
        cmd.env("PBSH_FAILPOINTS", format!("{point}=kill@2"));
        if grace0 {
            cmd.env("PBSH_TEST_GC_GRACE_SECS", "0");
        }
        let out = cmd.output().unwrap();
        assert!(
            !out.status.success(),
            "{point}: not killed: {}",
            common::stderr(&out)
        );
    };
    // Prune to the newest two, killed after the second snapshot's removal began.
    kill(
        &["prune", "host/m", "--keep-last", "2"],
        "forget.after_rename",
        false,
    );
    let left = host.snapshot_times(&garage, &url);
    assert!(left.len() == 3 || left.len() == 2, "{left:?}");
    assert!(half_snapshots(&bucket_keys(&garage, "maint")).is_empty());
    host.ok(&garage, &url, &["prune", "host/m", "--keep-last", "2"]);
    assert_eq!(
        Host::new().snapshot_times(&garage, &url),
        vec![BASE + 200, BASE + 300]
    );
    // GC killed at its second chunk removal, then run again.
    std::thread::sleep(std::time::Duration::from_secs(2));
    kill(&["gc"], "gc.sweep.unlink", true);
    host.gc_now(&garage, &url);
    // Verify killed midway, then whole, on a host with an empty cache: every chunk there.
    kill(&["verify"], "verify.chunk", false);
    let verify = Host::new().ok(&garage, &url, &["verify"]);
    assert!(
        verify.contains("verified 2 snapshots") && verify.contains("0 failed"),
        "{verify}"
    );
    restore_and_compare(&Host::new(), &garage, &url, "m", &src);
}
