//! Two hosts on one bucket: a backup on one holds off garbage collection and a second writer
//! of its group on the other (leases in the bucket, `cached/lease.rs`), and the reverse; a
//! lease its host stopped renewing is ignored, one that cannot be read is not.

use super::*;
use pbsh::repo::backend::{Durability, Key, StorageBackend};

const T1: i64 = 1_800_000_000;
const T2: i64 = 1_800_000_100;
const T3: i64 = 1_800_000_200;

/// `cmd` started with the fail point `point` holding it at a gate file; waits until the bucket
/// shows a lease below `.leases/<lease_dir>`. Returns the child and the gate (removing it lets
/// the command go on).
fn held_at_gate(
    mut cmd: Command,
    point: &str,
    garage: &Garage,
    prefix: &str,
    lease_dir: &str,
    home: &Path,
) -> (std::process::Child, PathBuf) {
    let gate = home.join(format!("gate-{}", point.replace('.', "-")));
    std::fs::write(&gate, b"").unwrap();
    let child = cmd
        .env(
            "PBSH_FAILPOINTS",
            format!("{point}=gate@{}", gate.display()),
        )
        .stdout(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    let wanted = format!(".leases/{lease_dir}/");
    while !bucket_keys(garage, prefix)
        .iter()
        .any(|k| k.starts_with(&wanted))
    {
        assert!(std::time::Instant::now() < deadline, "no lease {wanted}");
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    (child, gate)
}

/// The one `pbsh:` line a refused command printed.
fn refusal(out: &Output) -> String {
    assert!(
        !out.status.success(),
        "not refused: {}",
        common::stdout(out)
    );
    let err = common::stderr(out);
    let lines: Vec<&str> = err.lines().filter(|l| l.starts_with("pbsh:")).collect();
    assert_eq!(lines.len(), 1, "{err}");
    lines[0].to_string()
}

#[test]
fn a_backup_on_one_host_holds_off_gc_and_a_second_writer_on_another() {
    let Some((garage, url, a, src)) = setting(1, "hosts", 3, 51) else {
        return;
    };
    a.ok(&garage, &url, &strs(&backup_args(&src, "web1", T1)));
    let (first, gate) = held_at_gate(
        a.command(&garage, &url, &strs(&backup_args(&src, "web1", T2))),
        "backup.before_manifest",
        &garage,
        "hosts",
        "host/web1",
        a.home.path(),
    );
    let b = Host::new();
    let hostname = pbsh::util::host::hostname();
    let gc = refusal(
        &b.command(&garage, &url, &["gc"])
            .env("PBSH_TEST_GC_GRACE_SECS", "0")
            .output()
            .unwrap(),
    );
    assert!(
        gc.contains(&format!("held by host {hostname}")) && gc.contains("for a backup since"),
        "{gc}"
    );
    let second = refusal(&b.run(&garage, &url, &strs(&backup_args(&src, "web1", T3))));
    assert!(
        second.contains("locked") && second.contains("for a backup of host/web1 since"),
        "{second}"
    );
    // Another group is no conflict.
    b.ok(&garage, &url, &strs(&backup_args(&src, "db1", T1)));

    std::fs::remove_file(&gate).unwrap();
    assert!(first.wait_with_output().unwrap().status.success());
    let keys = bucket_keys(&garage, "hosts");
    assert!(
        !keys.iter().any(|k| k.starts_with(".leases/")),
        "leases left behind: {keys:?}"
    );
    b.gc_now(&garage, &url);
    b.ok(&garage, &url, &strs(&backup_args(&src, "web1", T3)));
    assert_eq!(a.snapshot_times(&garage, &url), vec![T1, T1, T2, T3]);
    let verify = a.ok(&garage, &url, &["verify"]);
    assert!(verify.contains("0 failed"), "{verify}");
}

#[test]
fn gc_on_one_host_holds_off_backups_on_another() {
    let Some((garage, url, a, src)) = setting(1, "gcing", 2, 53) else {
        return;
    };
    a.ok(&garage, &url, &strs(&backup_args(&src, "web1", T1)));
    let (gc, gate) = held_at_gate(
        a.command(&garage, &url, &["gc"]),
        "gc.step",
        &garage,
        "gcing",
        ".lock",
        a.home.path(),
    );
    let b = Host::new();
    let refused = refusal(&b.run(&garage, &url, &strs(&backup_args(&src, "web1", T2))));
    assert!(
        refused.contains("for garbage collection since"),
        "{refused}"
    );
    std::fs::remove_file(&gate).unwrap();
    assert!(gc.wait_with_output().unwrap().status.success());
    b.ok(&garage, &url, &strs(&backup_args(&src, "web1", T2)));
}

#[test]
fn a_lease_not_renewed_is_ignored_and_an_unreadable_one_is_not() {
    let Some((garage, url, host, src)) = setting(1, "stale-lease", 1, 57) else {
        return;
    };
    host.ok(&garage, &url, &strs(&backup_args(&src, "web1", T1)));
    let bucket = garage.store("stale-lease");
    let an_hour_ago = chrono::Utc::now().timestamp() - 3600;
    let crashed = serde_json::json!({
        "host": "crashed", "id": "ffffffffffffffff", "pid": 1, "exclusive": true,
        "purpose": "garbage collection", "since": an_hour_ago, "renewed": an_hour_ago,
    });
    let stale = Key::new(".leases/.lock/ffffffffffffffff-1-0").unwrap();
    bucket
        .put(&stale, crashed.to_string().as_bytes(), Durability::Synced)
        .unwrap();
    host.ok(&garage, &url, &strs(&backup_args(&src, "web1", T2)));

    let unreadable = Key::new(".leases/.lock/eeeeeeeeeeeeeeee-1-0").unwrap();
    bucket
        .put(&unreadable, b"not a lease", Durability::Synced)
        .unwrap();
    let refused = refusal(&host.run(&garage, &url, &strs(&backup_args(&src, "web1", T3))));
    assert!(refused.contains("eeeeeeeeeeeeeeee-1-0"), "{refused}");
    bucket.delete(&unreadable).unwrap();
    host.ok(&garage, &url, &strs(&backup_args(&src, "web1", T3)));
    assert_eq!(host.snapshot_times(&garage, &url), vec![T1, T2, T3]);
}
