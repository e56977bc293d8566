//! Backup, restore, prune, gc and verify on Garage, as a user runs them; the cache rebuilt on a
//! second host; reads served by the cache; bad settings named in one line.

use super::*;

const T1: i64 = 1_800_000_000;
const T2: i64 = 1_800_000_100;

#[test]
fn backup_restore_prune_gc_verify_on_garage() {
    let Some((garage, url, host, src)) = setting(1, "site/a", 10, 7) else {
        return;
    };

    let out = host.ok(&garage, &url, &["datastore", "create", &url]);
    assert!(out.contains("datastore created at s3://"), "{out}");
    host.ok(&garage, &url, &strs(&backup_args(&src, "web1", T1)));
    // A second backup of one changed file uploads only what changed.
    std::fs::write(src.join("small.txt"), b"changed\n").unwrap();
    let keys_before = bucket_keys(&garage, "site/a");
    let chunks_before = keys_before
        .iter()
        .filter(|k| k.starts_with(".chunks/"))
        .count();
    host.ok(&garage, &url, &strs(&backup_args(&src, "web1", T2)));
    let keys = bucket_keys(&garage, "site/a");
    let chunks_after = keys.iter().filter(|k| k.starts_with(".chunks/")).count();
    assert!(chunks_before >= 3, "{keys_before:?}");
    assert!(
        chunks_after - chunks_before <= 3,
        "an incremental backup re-uploaded: {chunks_before} -> {chunks_after}"
    );
    assert_eq!(host.snapshot_times(&garage, &url), vec![T1, T2]);
    // PBS's layout, as objects under the prefix.
    for expected in [
        ".lock",
        "host/web1/owner",
        "host/web1/2027-01-15T08:00:00Z/index.json.blob",
        "host/web1/2027-01-15T08:00:00Z/root.pxar.didx",
        "host/web1/2027-01-15T08:00:00Z/catalog.pcat1.didx",
    ] {
        assert!(
            keys.iter().any(|k| k == expected),
            "{expected} not in {keys:?}"
        );
    }
    assert!(half_snapshots(&keys).is_empty(), "{keys:?}");
    assert!(!keys.iter().any(|k| k.contains(".tmp")), "{keys:?}");

    // A second host (an empty cache) sees the same and restores identical.
    let other = Host::new();
    assert_eq!(other.snapshot_times(&garage, &url), vec![T1, T2]);
    restore_and_compare(&other, &garage, &url, "web1", &src);
    let ls = other.ok(&garage, &url, &["ls", "-l", "host/web1"]);
    assert!(ls.contains("2027-01-15T08:01:40Z"), "{ls}");
    // Its cache marked every chunk of the bucket at first open: a backup of the same files
    // into a new group (no previous snapshot to dedup against) uploads no chunk again.
    let complete = find_named(&other.cache(), ".complete");
    assert!(
        complete
            .iter()
            .any(|p| p.parent().unwrap().ends_with("site/a/marks")),
        "no completed marking in {complete:?}"
    );
    other.ok(&garage, &url, &strs(&backup_args(&src, "web2", T1)));
    let keys2 = bucket_keys(&garage, "site/a");
    assert_eq!(
        keys2.iter().filter(|k| k.starts_with(".chunks/")).count(),
        chunks_after,
        "a second host re-uploaded chunks the bucket had"
    );
    other.ok(&garage, &url, &["forget", "host/web2/2027-01-15T08:00:00Z"]);

    // Prune the older snapshot; gc (grace shortened for the test) removes what only it used.
    host.ok(&garage, &url, &["prune", "host/web1", "--keep-last", "1"]);
    assert_eq!(host.snapshot_times(&garage, &url), vec![T2]);
    // The sweep keeps what was used at or after its start (second resolution on the bucket's
    // side): the pruned snapshot's chunks must be older than that.
    std::thread::sleep(std::time::Duration::from_secs(2));
    let gc = host.gc_now(&garage, &url);
    let removed: usize = gc
        .strip_prefix("Removed ")
        .and_then(|r| r.split(' ').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("{gc}"));
    assert!(removed >= 1, "{gc}");
    let keys = bucket_keys(&garage, "site/a");
    assert!(
        !keys
            .iter()
            .any(|k| k.starts_with("host/web1/2027-01-15T08:00:00Z")),
        "{keys:?}"
    );
    assert_eq!(
        keys.iter().filter(|k| k.starts_with(".chunks/")).count(),
        chunks_after - removed,
        "{gc}"
    );
    let verify = host.ok(&garage, &url, &["verify"]);
    assert!(verify.contains("0 failed"), "{verify}");
    restore_and_compare(&other, &garage, &url, "web1", &src);

    // A chunk damaged in the bucket: verify on a host without it in cache names it.
    let chunk = keys
        .iter()
        .find(|k| k.starts_with(".chunks/"))
        .unwrap()
        .clone();
    {
        use pbsh::repo::backend::{Durability, Key, StorageBackend};
        let s3 = garage.store("site/a");
        s3.put(
            &Key::new(chunk.clone()).unwrap(),
            b"garbage",
            Durability::Synced,
        )
        .unwrap();
    }
    let third = Host::new();
    let out = third.run(&garage, &url, &["verify"]);
    assert!(!out.status.success());
    let digest = chunk.rsplit('/').next().unwrap();
    let text = format!("{}{}", common::stdout(&out), common::stderr(&out));
    assert!(text.contains(digest), "{text}");
}

#[test]
fn the_cache_serves_browsing_and_a_second_restore_with_the_store_stopped() {
    let Some((garage, url, host, src)) = setting(1, "cached", 6, 11) else {
        return;
    };
    host.ok(&garage, &url, &strs(&backup_args(&src, "db", T1)));
    // The first restore fills the chunk cache.
    restore_and_compare(&host, &garage, &url, "db", &src);
    // The whole cluster stalls: nothing can come from the bucket now.
    garage.signal(0, libc::SIGSTOP);
    let quick = |args: &[&str]| {
        let out = host
            .command(&garage, &url, args)
            .env("PBSH_S3_TIMEOUT_SECS", "1")
            .env("PBSH_S3_RETRY_SECS", "2")
            .output()
            .unwrap();
        (
            out.status.success(),
            common::stdout(&out),
            common::stderr(&out),
        )
    };
    let (ok, out, err) = quick(&["ls", "-l", "host/db"]);
    assert!(ok, "{out}{err}");
    assert!(out.contains("2027-01-15T08:00:00Z"), "{out}");
    assert!(err.contains("working from the cache"), "{err}");
    let target = host.home.path().join("offline-restore");
    let (ok, out, err) = quick(&["restore", "host/db", "root.pxar", target.to_str().unwrap()]);
    assert!(ok, "second restore needed the bucket: {out}{err}");
    common::assert_same_tree(&src, &target);
    let (ok, out, err) = quick(&["cat", "host/db/2027-01-15T08:00:00Z/root.pxar/small.txt"]);
    assert!(ok && out == "hello\n", "{out}{err}");
    // A write fails with one clear line, and nothing is half there once the store is back.
    let (ok, _, err) = quick(&strs(&backup_args(&src, "db", T2)));
    assert!(!ok);
    let lines: Vec<&str> = err
        .lines()
        .filter(|l| l.starts_with("pbsh: ") && !l.contains("working from the cache"))
        .collect();
    assert_eq!(lines.len(), 1, "{err}");
    assert!(
        lines[0].contains("s3://") && lines[0].contains("time limit"),
        "{err}"
    );
    garage.signal(0, libc::SIGCONT);
    assert_eq!(host.snapshot_times(&garage, &url), vec![T1]);
    assert_eq!(Host::new().snapshot_times(&garage, &url), vec![T1]);
    host.ok(&garage, &url, &strs(&backup_args(&src, "db", T2)));
    assert_eq!(Host::new().snapshot_times(&garage, &url), vec![T1, T2]);
}

#[test]
fn bad_settings_are_one_line_each() {
    let Some(garage) = Garage::start(1) else {
        return;
    };
    let host = Host::new();
    let url = garage.url("x");
    let line = |out: &Output| {
        assert!(!out.status.success(), "{}", common::stdout(out));
        let err = common::stderr(out);
        let lines: Vec<&str> = err.lines().collect();
        assert_eq!(lines.len(), 1, "{err}");
        lines[0].to_string()
    };
    let out = host
        .command(&garage, &url, &["ls"])
        .env(
            "AWS_SECRET_ACCESS_KEY",
            "0000000000000000000000000000000000000000000000000000000000000000",
        )
        .output()
        .unwrap();
    let l = line(&out);
    assert!(
        l.contains("s3://pbsh/x") && l.contains("access denied"),
        "{l}"
    );
    assert!(!l.contains("0000000000"), "the secret was shown: {l}");
    let out = host.run(&garage, "s3://no-such-bucket/x", &["ls"]);
    let l = line(&out);
    assert!(l.contains("no bucket \"no-such-bucket\""), "{l}");
    let out = host
        .command(&garage, &url, &["ls"])
        .env_remove("AWS_ACCESS_KEY_ID")
        .output()
        .unwrap();
    let l = line(&out);
    assert!(l.contains("AWS_ACCESS_KEY_ID"), "{l}");
    let out = host.run(&garage, "s3://Bad_Bucket/x", &["ls"]);
    let l = line(&out);
    assert!(l.contains("bucket name"), "{l}");
    assert_eq!(
        out.status.code(),
        Some(2),
        "a malformed URL is a usage error"
    );
    let out = host
        .command(&garage, &url, &["ls"])
        .env("AWS_ENDPOINT_URL", "http://127.0.0.1:1")
        .env("PBSH_S3_RETRY_SECS", "2")
        .output()
        .unwrap();
    let l = line(&out);
    assert!(l.contains("cannot connect"), "{l}");
    // Not a datastore: an explicit open without create says how to make one.
    let out = host.run(&garage, &url, &["-c", "open s3://pbsh/never-made"]);
    let l = line(&out);
    assert!(
        l.contains("not a datastore (create one with `datastore create s3://pbsh/never-made`)"),
        "{l}"
    );
}

#[test]
fn two_writers_to_one_group_are_refused_and_namespaces_survive_a_rebuild() {
    let Some((garage, url, host, src)) = setting(1, "locks", 2, 5) else {
        return;
    };
    host.ok(&garage, &url, &["namespace", "create", "empty"]);
    host.ok(&garage, &url, &["namespace", "create", "empty/deeper"]);
    // The first backup waits at a gate while the second one tries the same group.
    let gate = host.home.path().join("gate");
    std::fs::write(&gate, b"").unwrap();
    let mut first = host
        .command(&garage, &url, &strs(&backup_args(&src, "same", T1)))
        .env(
            "PBSH_FAILPOINTS",
            format!("backup.before_manifest=gate@{}", gate.display()),
        )
        .spawn()
        .unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    while !bucket_keys(&garage, "locks")
        .iter()
        .any(|k| k.ends_with("root.pxar.didx"))
    {
        assert!(
            std::time::Instant::now() < deadline,
            "first backup did not reach its gate"
        );
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    let out = host.run(&garage, &url, &strs(&backup_args(&src, "same", T2)));
    assert!(
        !out.status.success(),
        "a second writer to one group was let in"
    );
    let err = common::stderr(&out);
    assert!(
        err.contains("host/same") && err.to_lowercase().contains("lock"),
        "{err}"
    );
    // Meanwhile the half-written backup is not a snapshot, in the cache or in the bucket.
    assert!(host.snapshot_times(&garage, &url).is_empty());
    assert!(Host::new().snapshot_times(&garage, &url).is_empty());
    std::fs::remove_file(&gate).unwrap();
    assert!(first.wait().unwrap().success());
    assert_eq!(host.snapshot_times(&garage, &url), vec![T1]);
    // A new host sees the empty namespaces too.
    let ns = Host::new().ok(
        &garage,
        &url,
        &["namespace", "list", "--output-format", "json"],
    );
    assert!(ns.contains("empty/deeper"), "{ns}");
}

/// The bare `S3Store` against Garage: the object operations of the backend trait, as the file
/// system backend's unit tests check them, and the capabilities it says it lacks.
#[test]
fn the_s3_backend_does_the_object_operations() {
    use pbsh::repo::backend::{BackendError, Depth, Durability, Key, Kind, Put, StorageBackend};
    let Some(garage) = Garage::start(1) else {
        return;
    };
    let s3 = garage.store("raw/p");
    let k = |s: &str| Key::new(s).unwrap();
    assert!(!s3.capabilities().rename && !s3.capabilities().locks);
    s3.put(&k("a/b/one"), b"0123456789", Durability::Synced)
        .unwrap();
    s3.put(&k("a/two"), b"2", Durability::Synced).unwrap();
    assert_eq!(s3.get(&k("a/b/one"), 100).unwrap(), b"0123456789");
    assert!(matches!(
        s3.get(&k("a/b/one"), 5),
        Err(BackendError::TooLarge { size: 10, .. })
    ));
    assert_eq!(s3.get_range(&k("a/b/one"), 8, 10).unwrap(), b"89");
    assert!(s3.get(&k("a/none"), 10).unwrap_err().is_not_found());
    let mut one: Vec<(String, Kind)> = s3
        .list(&k("a"), Depth::One)
        .unwrap()
        .into_iter()
        .map(|e| (e.name, e.meta.kind))
        .collect();
    one.sort_by(|x, y| x.0.cmp(&y.0));
    assert_eq!(
        one,
        vec![("b".into(), Kind::Prefix), ("two".into(), Kind::Object)]
    );
    let mut all: Vec<String> = s3
        .list(&k("a"), Depth::Recursive)
        .unwrap()
        .into_iter()
        .map(|e| e.name)
        .collect();
    all.sort();
    assert_eq!(all, vec!["b/one", "two"]);
    assert_eq!(s3.stat(&k("a/b")).unwrap().unwrap().kind, Kind::Prefix);
    assert_eq!(s3.stat(&k("a/two")).unwrap().unwrap().size, 1);
    assert!(s3.stat(&k("a/zzz")).unwrap().is_none());
    // put_if_absent: what the service does with `If-None-Match: *` decides; either it refuses
    // (Existed) or it replaced, and the test records which (docs/storage.md relies on it).
    let second = s3
        .put_if_absent(&k("a/two"), b"3", Durability::Synced)
        .unwrap();
    let conditional = second == Put::Existed;
    eprintln!("garage honours If-None-Match: {conditional}");
    assert_eq!(
        s3.get(&k("a/two"), 10).unwrap(),
        if conditional { b"2" } else { b"3" }
    );
    assert!(s3.delete(&k("a/two")).unwrap());
    assert!(!s3.delete(&k("a/two")).unwrap());
    s3.delete_tree(&k("a")).unwrap();
    assert!(s3.list(&Key::root(), Depth::Recursive).unwrap().is_empty());
    assert!(s3
        .rename(&k("x"), &k("y"), pbsh::repo::backend::Replace::No)
        .is_err());
}

/// A FUSE mount of an archive in an S3 datastore: files read through the mount equal the
/// source, and `umount` ends it.
#[test]
fn an_archive_in_a_bucket_mounts_and_reads_back() {
    if let Err(e) = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open("/dev/fuse")
    {
        common::skip(&format!("/dev/fuse is not usable ({e})"));
        return;
    }
    let Some((garage, url, host, src)) = setting(1, "mounted", 5, 17) else {
        return;
    };
    host.ok(&garage, &url, &strs(&backup_args(&src, "fs", T1)));
    let mnt = host.home.path().join("mnt");
    std::fs::create_dir(&mnt).unwrap();
    let m = mnt.to_str().unwrap();
    let mounted = |path: &Path| {
        let canon = std::fs::canonicalize(path).unwrap();
        std::fs::read_to_string("/proc/mounts")
            .unwrap()
            .lines()
            .any(|l| l.split(' ').nth(1) == Some(canon.to_str().unwrap()))
    };
    // A host with an empty cache: every chunk the reads need comes from the bucket.
    let reader = Host::new();
    reader.ok(&garage, &url, &["mount", "host/fs", "root.pxar", m]);
    assert!(mounted(&mnt));
    for name in ["small.txt", "sub/f0", "sub/f4"] {
        assert_eq!(
            std::fs::read(mnt.join(name)).unwrap(),
            std::fs::read(src.join(name)).unwrap(),
            "{name} read through the mount"
        );
    }
    reader.ok(&garage, &url, &["umount", m]);
    assert!(!mounted(&mnt));
}

/// Every path below `dir` whose file name is `name`.
fn find_named(dir: &Path, name: &str) -> Vec<PathBuf> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        if entry.file_name() == name {
            found.push(path.clone());
        }
        if entry.file_type().is_ok_and(|t| t.is_dir()) {
            found.extend(find_named(&path, name));
        }
    }
    found
}

/// One byte flipped in a chunk, in the bucket or in a host's cache, is found where it is: a
/// damaged cached copy is a miss (the restore reads the bucket again and succeeds); a damaged
/// object in the bucket fails a restore naming the chunk, and verify finds it even on a host
/// whose cache holds the good copy, and moves it aside in the bucket as PBS does.
#[test]
fn a_bit_flip_in_the_bucket_or_the_cache_is_found_where_it_is() {
    use pbsh::repo::backend::{Durability, Key, StorageBackend};
    let Some((garage, url, host, src)) = setting(1, "flips", 10, 7) else {
        return;
    };
    host.ok(&garage, &url, &strs(&backup_args(&src, "web1", T1)));
    let bucket = garage.store("flips");
    // A first restore fills this host's cache with every chunk.
    restore_and_compare(&host, &garage, &url, "web1", &src);
    // Chunks of the archive's file data (the catalog's one chunk is small), which any restore
    // needs.
    let chunks: Vec<String> = bucket_keys(&garage, "flips")
        .into_iter()
        .filter(|k| k.starts_with(".chunks/"))
        .filter(|k| {
            let meta = bucket.stat(&Key::new(k).unwrap()).unwrap().unwrap();
            meta.size > 256 * 1024
        })
        .collect();
    assert!(chunks.len() >= 2, "{chunks:?}");
    let flip = |bytes: &mut Vec<u8>| {
        let at = bytes.len() / 2;
        bytes[at] ^= 0x10;
    };

    // The cached copy of one chunk damaged: the restore still gives the source.
    let cached_name = chunks[0].rsplit('/').next().unwrap();
    // The copy in the cache's `chunks/` (not the GC marker of the same name in `marks/`).
    let cached_copy = || {
        let found: Vec<PathBuf> = find_named(&host.cache(), cached_name)
            .into_iter()
            .filter(|p| !p.components().any(|c| c.as_os_str() == "marks"))
            .collect();
        assert_eq!(found.len(), 1, "{cached_name} in the cache: {found:?}");
        found[0].clone()
    };
    let mut bytes = std::fs::read(cached_copy()).unwrap();
    flip(&mut bytes);
    std::fs::write(cached_copy(), &bytes).unwrap();
    restore_and_compare(&host, &garage, &url, "web1", &src);
    let good = bucket
        .get(&Key::new(&chunks[0]).unwrap(), u64::MAX)
        .unwrap();
    assert_eq!(
        std::fs::read(cached_copy()).unwrap(),
        good,
        "the cache holds the bucket's copy again"
    );

    // The bucket's copy of another chunk damaged (this host's cache keeps the good one).
    let damaged = Key::new(&chunks[1]).unwrap();
    let digest = chunks[1].rsplit('/').next().unwrap().to_string();
    let mut bytes = bucket.get(&damaged, u64::MAX).unwrap();
    flip(&mut bytes);
    bucket.put(&damaged, &bytes, Durability::Synced).unwrap();
    // A host with an empty cache cannot restore, and says which chunk.
    let other = Host::new();
    let target = other.home.path().join("restored");
    let out = other.run(
        &garage,
        &url,
        &[
            "restore",
            "host/web1",
            "root.pxar",
            target.to_str().unwrap(),
        ],
    );
    assert!(!out.status.success(), "restored from a damaged chunk");
    assert!(
        common::stderr(&out).contains(&digest),
        "{}",
        common::stderr(&out)
    );
    // Verify on the host with the good cached copy still checks the bucket.
    let out = host.run(&garage, &url, &["verify"]);
    let said = format!("{}{}", common::stdout(&out), common::stderr(&out));
    assert!(
        !out.status.success(),
        "verify passed a damaged chunk: {said}"
    );
    assert!(said.contains(&digest), "{said}");
    let keys = bucket_keys(&garage, "flips");
    assert!(
        !keys.contains(&chunks[1]),
        "the damaged chunk is moved aside"
    );
    assert!(
        keys.contains(&format!("{}.0.bad", chunks[1])),
        "quarantined as PBS names it: {keys:?}"
    );
    // No other chunk was blamed: the cache's damaged copy was never the store's fault.
    assert_eq!(
        keys.iter().filter(|k| k.ends_with(".bad")).count(),
        1,
        "{keys:?}"
    );
}

/// What another host removes from the bucket (a pruned snapshot, a forgotten group, a deleted
/// namespace) leaves this host's cache at its next open: it is neither listed nor kept in the
/// mirror, while what the bucket still has (an empty namespace included) stays.
#[test]
fn removals_by_another_host_leave_this_hosts_cache() {
    let Some((garage, url, here, src)) = setting(1, "stale", 1, 31) else {
        return;
    };
    here.ok(&garage, &url, &strs(&backup_args(&src, "web1", T1)));
    here.ok(&garage, &url, &strs(&backup_args(&src, "web1", T2)));
    here.ok(&garage, &url, &strs(&backup_args(&src, "db1", T1)));
    here.ok(&garage, &url, &["namespace", "create", "keep"]);
    here.ok(&garage, &url, &["namespace", "create", "gone"]);
    let mirror = find_named(&here.cache(), "store")
        .into_iter()
        .find(|p| p.ends_with("stale/store"))
        .expect("the metadata mirror in the cache");
    assert!(
        mirror.join("host/web1/2027-01-15T08:00:00Z").is_dir(),
        "{}",
        mirror.display()
    );
    assert!(mirror.join("host/db1").is_dir());
    assert!(mirror.join("ns/gone").is_dir());
    // The next open here removes only what is older than its listing by a margin (100 ms)
    // that keeps a concurrent write safe.
    std::thread::sleep(std::time::Duration::from_millis(300));

    let there = Host::new();
    there.ok(&garage, &url, &["prune", "host/web1", "--keep-last", "1"]);
    there.ok(&garage, &url, &["forget", "host/db1"]);
    there.ok(&garage, &url, &["namespace", "delete", "gone"]);

    // The next open here sees the bucket as it is.
    assert_eq!(here.snapshot_times(&garage, &url), vec![T2]);
    let groups = here.ok(&garage, &url, &["ls", "/"]);
    assert!(!groups.contains("db1"), "{groups}");
    let ns = here.ok(&garage, &url, &["namespace", "list"]);
    assert!(ns.contains("keep") && !ns.contains("gone"), "{ns}");
    assert!(!mirror.join("host/web1/2027-01-15T08:00:00Z").exists());
    assert!(!mirror.join("host/db1").exists());
    assert!(!mirror.join("ns/gone").exists());
    // What the bucket still has is untouched: the newer snapshot restores identical.
    assert!(mirror
        .join("host/web1/2027-01-15T08:01:40Z/index.json.blob")
        .is_file());
    assert!(mirror.join("ns/keep").is_dir());
    restore_and_compare(&here, &garage, &url, "web1", &src);
}
