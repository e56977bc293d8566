//! Garbage collection, verify and the snapshot listings on real datastores.

use crate::checker;
use crate::common;

use pbsh::engine::backup::{run_backup, BackupOptions, BackupSource};
use pbsh::engine::gc::garbage_collect;
use pbsh::engine::verify::verify_snapshots;
use pbsh::format::digest::ChunkDigest;
use pbsh::repo::local::LocalDatastore;
use pbsh::repo::types::{BackupGroup, Namespace};
use pbsh::repo::Repository;
use std::collections::BTreeSet;
use std::path::Path;

fn all_chunks(store: &LocalDatastore) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for prefix in std::fs::read_dir(store.chunk_store().base())
        .unwrap()
        .flatten()
    {
        for chunk in std::fs::read_dir(prefix.path()).unwrap().flatten() {
            out.insert(chunk.file_name().to_string_lossy().into_owned());
        }
    }
    out
}

fn age_all_chunks(store: &LocalDatastore, seconds: i64) {
    common::age_chunks(store.root(), seconds);
}

fn write_tree(root: &Path, seed: u64, files: usize) {
    std::fs::create_dir_all(root).unwrap();
    let mut state = seed;
    for i in 0..files {
        let data = common::pseudo_random(1_500_000, &mut state);
        std::fs::write(root.join(format!("f{i}.bin")), data).unwrap();
    }
}

fn backup(repo: &dyn Repository, group: &str, time: i64, dir: &Path) {
    let source = BackupSource::parse(&format!("root.pxar:{}", dir.display())).unwrap();
    run_backup(
        repo,
        &[source],
        &BackupOptions::new(
            Namespace::root(),
            BackupGroup::parse(group).unwrap(),
            time,
            "root@pam",
        ),
    )
    .unwrap();
}

fn referenced(store: &LocalDatastore) -> BTreeSet<String> {
    pbsh::engine::gc::index_files(store)
        .unwrap()
        .iter()
        .flat_map(|k| pbsh::engine::gc::index_digests(store, k).unwrap().0)
        .map(|d: ChunkDigest| d.to_hex())
        .collect()
}

#[test]
fn gc_after_forget_removes_exactly_the_unreferenced_chunks() {
    let dir = tempfile::tempdir().unwrap();
    let store = LocalDatastore::open_or_create(&dir.path().join("store")).unwrap();
    write_tree(&dir.path().join("a"), 1, 6);
    write_tree(&dir.path().join("b"), 2, 6);
    backup(&store, "host/a", 1_800_000_000, &dir.path().join("a"));
    backup(&store, "host/b", 1_800_000_000, &dir.path().join("b"));
    let before = all_chunks(&store);
    store
        .forget_group(&Namespace::root(), &BackupGroup::parse("host/a").unwrap())
        .unwrap();
    let still_needed = referenced(&store);
    // Young chunks survive any GC (the grace period), even unreferenced ones. (The pause lets the
    // kernel's coarse clock, which stamps atimes, move past the chunks' creation.)
    std::thread::sleep(std::time::Duration::from_millis(50));
    let stats = garbage_collect(&store, chrono::Utc::now().timestamp()).unwrap();
    assert_eq!(stats.removed_chunks, 0);
    assert!(stats.pending_chunks > 0);
    age_all_chunks(&store, 2 * 24 * 3600);
    let stats = garbage_collect(&store, chrono::Utc::now().timestamp()).unwrap();
    let after = all_chunks(&store);
    assert_eq!(after, still_needed, "exactly the referenced chunks remain");
    assert_eq!(stats.removed_chunks as usize, before.len() - after.len());
    assert!(stats.removed_chunks > 0);
    let report = verify_snapshots(
        &store,
        &Namespace::root(),
        &[store.list_snapshots(&Namespace::root(), None).unwrap()[0]
            .snapshot
            .clone()],
        None,
    )
    .unwrap();
    assert_eq!(report.failed(), 0);
    assert!(store.root().join(".gc-status").exists());
}

#[test]
fn gc_refuses_while_a_backup_is_running() {
    let dir = tempfile::tempdir().unwrap();
    let store = LocalDatastore::open_or_create(&dir.path().join("store")).unwrap();
    let snapshot = pbsh::repo::types::SnapshotRef::parse("host/x/2026-01-01T00:00:00Z").unwrap();
    let writer = store
        .start_backup(&Namespace::root(), &snapshot, "root@pam", None)
        .unwrap();
    let err = garbage_collect(&store, chrono::Utc::now().timestamp()).unwrap_err();
    assert!(err.to_string().contains("running backup"), "{err}");
    // A second writer into the same group is refused too.
    let later = pbsh::repo::types::SnapshotRef::parse("host/x/2026-01-02T00:00:00Z").unwrap();
    let second = store.start_backup(&Namespace::root(), &later, "root@pam", None);
    assert!(matches!(second, Err(pbsh::repo::RepoError::Locked(_))));
    drop(writer);
    garbage_collect(&store, chrono::Utc::now().timestamp()).unwrap();
    assert!(
        store
            .list_snapshots(&Namespace::root(), None)
            .unwrap()
            .is_empty(),
        "the unfinished backup left nothing"
    );
}

#[test]
fn verify_names_a_flipped_bit_and_the_next_backup_heals() {
    let dir = tempfile::tempdir().unwrap();
    let store = LocalDatastore::open_or_create(&dir.path().join("store")).unwrap();
    write_tree(&dir.path().join("a"), 3, 3);
    backup(&store, "host/a", 1_800_000_000, &dir.path().join("a"));
    let ns = Namespace::root();
    let snap = store.list_snapshots(&ns, None).unwrap()[0].snapshot.clone();
    let victim = referenced(&store).into_iter().next().unwrap();
    let path = store.chunk_store().base().join(&victim[..4]).join(&victim);
    let mut bytes = std::fs::read(&path).unwrap();
    let mid = bytes.len() / 2;
    bytes[mid] ^= 0x10;
    std::fs::write(&path, bytes).unwrap();

    let report = verify_snapshots(&store, &ns, std::slice::from_ref(&snap), None).unwrap();
    assert_eq!(report.failed(), 1);
    assert!(
        report.snapshots[0].errors[0].contains(&victim),
        "{:?}",
        report.snapshots[0].errors
    );
    assert!(
        path.with_file_name(format!("{victim}.0.bad")).exists(),
        "corrupt chunk renamed as PBS does"
    );
    let manifest = store.read_manifest(&ns, &snap).unwrap().0;
    assert_eq!(manifest.unprotected["verify_state"]["state"], "failed");

    backup(&store, "host/a", 1_800_000_100, &dir.path().join("a"));
    assert!(path.exists(), "the next backup re-uploaded the chunk");
    let latest = store.list_snapshots(&ns, None).unwrap()[1].snapshot.clone();
    let report = verify_snapshots(&store, &ns, &[latest], None).unwrap();
    assert_eq!(report.failed(), 0);
}

#[test]
fn snapshot_list_and_files_match_what_pbs_printed() {
    let Some(v) = common::vectors_dir() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("store");
    common::copy_vector_datastore(&v, &store);
    // PBS's owner was bar@pbs.
    for id in ["vec-plain", "vec-enc"] {
        std::fs::write(store.join(format!("host/{id}/owner")), "bar@pbs\n").unwrap();
    }
    let out = common::pbsh(
        dir.path(),
        dir.path(),
        &[
            "--repository",
            store.to_str().unwrap(),
            "snapshot",
            "list",
            "--output-format",
            "json",
        ],
        &[],
    );
    assert!(out.status.success(), "{}", common::stderr(&out));
    let ours: serde_json::Value = serde_json::from_str(&common::stdout(&out)).unwrap();
    let theirs: serde_json::Value =
        serde_json::from_slice(&std::fs::read(v.join("datastore/snapshot-list.json")).unwrap())
            .unwrap();
    for entry in theirs.as_array().unwrap() {
        if entry["backup-id"] == "smoke27874" {
            continue; // not part of the vectors' datastore
        }
        let mine = ours
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["backup-id"] == entry["backup-id"])
            .unwrap();
        assert_eq!(mine, entry);
    }
    let out = common::pbsh(
        dir.path(),
        dir.path(),
        &[
            "--repository",
            store.to_str().unwrap(),
            "snapshot",
            "files",
            "host/vec-enc/2026-09-21T14:15:00Z",
            "--output-format",
            "json",
        ],
        &[],
    );
    let ours: serde_json::Value = serde_json::from_str(&common::stdout(&out)).unwrap();
    let theirs: serde_json::Value = serde_json::from_slice(
        &std::fs::read(v.join("datastore/snapshot-files.vec-enc.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(ours, theirs);
    let out = common::pbsh(
        dir.path(),
        dir.path(),
        &["--repository", store.to_str().unwrap(), "verify"],
        &[],
    );
    assert!(
        out.status.success(),
        "{}{}",
        common::stdout(&out),
        common::stderr(&out)
    );
}

#[test]
fn prune_removes_what_the_rules_do_not_keep_and_spares_protected() {
    let dir = tempfile::tempdir().unwrap();
    let store_path = dir.path().join("store");
    let store = LocalDatastore::open_or_create(&store_path).unwrap();
    let src = dir.path().join("src");
    std::fs::create_dir_all(&src).unwrap();
    std::fs::write(src.join("f"), b"x").unwrap();
    for day in 0..10 {
        backup(&store, "host/p", 1_800_000_000 + day * 86_400, &src);
    }
    let repo = store_path.to_str().unwrap();
    let run = |args: &[&str]| {
        common::pbsh(
            dir.path(),
            dir.path(),
            &[&["--repository", repo][..], args].concat(),
            &[],
        )
    };
    assert!(run(&["protect", "host/p/2027-01-15T08:00:00Z"])
        .status
        .success());
    let out = run(&[
        "prune",
        "host/p",
        "--keep-last",
        "3",
        "--dry-run",
        "--output-format",
        "json",
    ]);
    assert!(out.status.success(), "{}", common::stderr(&out));
    let decisions: serde_json::Value = serde_json::from_str(&common::stdout(&out)).unwrap();
    let kept = decisions
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["keep"] == true)
        .count();
    assert_eq!(
        kept, 4,
        "3 kept by keep-last plus the protected one: {decisions}"
    );
    assert_eq!(
        store
            .list_snapshots(&Namespace::root(), None)
            .unwrap()
            .len(),
        10,
        "dry run removes nothing"
    );
    assert!(run(&["prune", "host/p", "--keep-last", "3"])
        .status
        .success());
    let left = store.list_snapshots(&Namespace::root(), None).unwrap();
    assert_eq!(left.len(), 4);
    assert!(left.iter().any(|s| s.protected));
    let out = run(&["forget", "host/p/2027-01-15T08:00:00Z"]);
    assert!(!out.status.success());
    assert!(
        common::stderr(&out).contains("protected"),
        "{}",
        common::stderr(&out)
    );
}

#[test]
fn two_processes_back_up_identical_data_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("store");
    LocalDatastore::open_or_create(&store).unwrap();
    write_tree(&dir.path().join("data"), 7, 8);
    let spawn = |id: &str| {
        std::process::Command::new(env!("CARGO_BIN_EXE_pbsh"))
            .args(["--repository", store.to_str().unwrap(), "backup"])
            .arg(format!("root.pxar:{}", dir.path().join("data").display()))
            .args(["--backup-id", id, "--backup-time", "1800000000"])
            .env("HOME", dir.path())
            .env("XDG_CONFIG_HOME", dir.path().join("config"))
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap()
    };
    let (a, b) = (spawn("one"), spawn("two"));
    for child in [a, b] {
        let out = child.wait_with_output().unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let store = LocalDatastore::open_or_create(&store).unwrap();
    assert_eq!(
        store
            .list_snapshots(&Namespace::root(), None)
            .unwrap()
            .len(),
        2
    );
    assert_eq!(
        all_chunks(&store),
        referenced(&store),
        "each chunk stored once, none missing or stray"
    );
    checker::check_datastore(store.root()).unwrap_or_else(|e| panic!("{e:#?}"));
}

#[test]
fn catalog_dump_prints_what_pbs_printed() {
    let Some(v) = common::vectors_dir() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("store");
    common::copy_vector_datastore(&v, &store);
    let out = common::pbsh(
        dir.path(),
        dir.path(),
        &[
            "--repository",
            store.to_str().unwrap(),
            "catalog",
            "dump",
            "host/vec-plain/2026-09-21T14:13:20Z",
        ],
        &[],
    );
    assert!(out.status.success(), "{}", common::stderr(&out));
    let theirs = std::fs::read_to_string(v.join("datastore/catalog-dump.vec-plain.txt")).unwrap();
    assert_eq!(common::stdout(&out), theirs);
    // The encrypted snapshot's catalog needs its key.
    let out = common::pbsh(
        dir.path(),
        dir.path(),
        &[
            "--repository",
            store.to_str().unwrap(),
            "catalog",
            "dump",
            "host/vec-enc",
        ],
        &[],
    );
    assert!(!out.status.success());
    assert!(
        common::stderr(&out).contains("missing key"),
        "{}",
        common::stderr(&out)
    );
    let key = v.join("keys/key-none.json");
    let out = common::pbsh(
        dir.path(),
        dir.path(),
        &[
            "--repository",
            store.to_str().unwrap(),
            "catalog",
            "dump",
            "host/vec-enc",
            "--keyfile",
            key.to_str().unwrap(),
        ],
        &[],
    );
    assert!(out.status.success(), "{}", common::stderr(&out));
    assert_eq!(
        common::stdout(&out),
        theirs,
        "same tree in the encrypted snapshot"
    );
}

/// Sets a path's atime and mtime `seconds` into the past without following a symlink.
fn age_path(path: &Path, seconds: i64) {
    let when = chrono::Utc::now().timestamp() - seconds;
    let c = std::ffi::CString::new(path.as_os_str().as_encoded_bytes()).unwrap();
    let times = [libc::timespec {
        tv_sec: when,
        tv_nsec: 0,
    }; 2];
    // SAFETY: valid C string and timespec array.
    assert_eq!(
        unsafe {
            libc::utimensat(
                libc::AT_FDCWD,
                c.as_ptr(),
                times.as_ptr(),
                libc::AT_SYMLINK_NOFOLLOW,
            )
        },
        0
    );
}

/// Issue 18: GC never follows a symlinked chunk directory or a symlinked chunk out of the
/// datastore, and skips (and reports) every entry that is not a plain chunk file.
#[test]
fn issue_18_gc_never_follows_symlinks_out_of_the_chunk_store() {
    let dir = tempfile::tempdir().unwrap();
    let store = LocalDatastore::open_or_create(&dir.path().join("store")).unwrap();
    write_tree(&dir.path().join("a"), 11, 1);
    backup(&store, "host/a", 1_800_000_000, &dir.path().join("a"));
    let chunk_name = "ab".repeat(32);
    // Files outside the datastore, named like chunks and old enough to be swept.
    let outside = dir.path().join("outside");
    std::fs::create_dir(&outside).unwrap();
    std::fs::write(outside.join(&chunk_name), b"precious").unwrap();
    age_path(&outside.join(&chunk_name), 3 * 24 * 3600);
    let lone = dir.path().join("lone");
    std::fs::write(&lone, b"also precious").unwrap();
    age_path(&lone, 3 * 24 * 3600);
    let base = store.chunk_store().base().to_path_buf();
    // A whole prefix directory that is a symlink to the outside directory...
    let prefix = (0..=0xffffu32)
        .map(|p| format!("{p:04x}"))
        .find(|p| !base.join(p).exists())
        .unwrap();
    std::os::unix::fs::symlink(&outside, base.join(&prefix)).unwrap();
    // ...and, in a real prefix directory, a chunk name that is a symlink to an outside file.
    let real_prefix = std::fs::read_dir(&base)
        .unwrap()
        .flatten()
        .find(|e| e.file_type().unwrap().is_dir())
        .unwrap()
        .path();
    let linked_chunk = real_prefix.join("cd".repeat(32));
    std::os::unix::fs::symlink(&lone, &linked_chunk).unwrap();
    age_path(&linked_chunk, 3 * 24 * 3600);

    let stats = garbage_collect(&store, chrono::Utc::now().timestamp()).unwrap();
    assert_eq!(
        std::fs::read(outside.join(&chunk_name)).unwrap(),
        b"precious",
        "GC removed a file outside the datastore"
    );
    assert_eq!(std::fs::read(&lone).unwrap(), b"also precious");
    assert!(
        std::fs::symlink_metadata(&linked_chunk).is_ok(),
        "a symlink among the chunks is left alone, not swept"
    );
    assert_eq!(stats.removed_chunks, 0);
    let skipped = stats.skipped.join("\n");
    assert!(skipped.contains(&prefix), "{skipped}");
    assert!(skipped.contains(&"cd".repeat(32)), "{skipped}");
    // The datastore itself is still whole.
    let snap = store.list_snapshots(&Namespace::root(), None).unwrap()[0]
        .snapshot
        .clone();
    let report = verify_snapshots(&store, &Namespace::root(), &[snap], None).unwrap();
    assert_eq!(report.failed(), 0);
}

/// Issue 18: a chunk-directory entry whose 64th byte falls inside a multi-byte character is
/// skipped and reported, not a panic.
#[test]
fn issue_18_gc_names_are_parsed_by_bytes_without_panicking() {
    let dir = tempfile::tempdir().unwrap();
    let store = LocalDatastore::open_or_create(&dir.path().join("store")).unwrap();
    write_tree(&dir.path().join("a"), 12, 1);
    backup(&store, "host/a", 1_800_000_000, &dir.path().join("a"));
    let base = store.chunk_store().base().to_path_buf();
    let prefix = std::fs::read_dir(&base)
        .unwrap()
        .flatten()
        .find(|e| e.file_type().unwrap().is_dir())
        .unwrap()
        .path();
    let odd = prefix.join(format!("{}é{}", "a".repeat(63), "tail"));
    std::fs::write(&odd, b"x").unwrap();
    let short = prefix.join("é");
    std::fs::write(&short, b"x").unwrap();
    age_all_chunks(&store, 3 * 24 * 3600);
    let stats = garbage_collect(&store, chrono::Utc::now().timestamp()).unwrap();
    assert!(odd.exists() && short.exists(), "odd names are not swept");
    assert_eq!(stats.skipped.len(), 2, "{:?}", stats.skipped);
    assert!(
        stats.skipped.iter().any(|s| s.contains("tail")),
        "{:?}",
        stats.skipped
    );
}

/// Issue 18: one snapshot with a corrupt manifest spoils nothing else: listings show the good
/// ones and mark it (one warning line naming it), verify fails it and goes on, prune keeps it
/// and says so; the error text appears once.
#[test]
fn issue_18_one_corrupt_manifest_does_not_hide_the_good_snapshots() {
    let dir = tempfile::tempdir().unwrap();
    let store_path = dir.path().join("store");
    let store = LocalDatastore::open_or_create(&store_path).unwrap();
    let src = dir.path().join("src");
    std::fs::create_dir_all(&src).unwrap();
    std::fs::write(src.join("f"), b"x").unwrap();
    for day in 0..3 {
        backup(&store, "host/p", 1_800_000_000 + day * 86_400, &src);
    }
    let broken = "host/p/2027-01-16T08:00:00Z";
    std::fs::write(store_path.join(broken).join("index.json.blob"), b"garbage").unwrap();
    let repo = store_path.to_str().unwrap();
    let run = |args: &[&str]| {
        common::pbsh(
            dir.path(),
            dir.path(),
            &[&["--repository", repo][..], args].concat(),
            &[],
        )
    };
    let good = ["2027-01-15T08:00:00Z", "2027-01-17T08:00:00Z"];
    // One warning line that names the snapshot and gives the reason once.
    let one_warning = |what: &str, err: &str| {
        assert_eq!(err.lines().count(), 1, "{what}: {err}");
        assert!(err.contains(broken), "{what}: {err}");
        assert_eq!(err.matches("too short").count(), 1, "{what}: {err}");
    };

    let out = run(&["snapshot", "list"]);
    let (text, err) = (common::stdout(&out), common::stderr(&out));
    assert!(out.status.success(), "snapshot list: {err}");
    for g in good {
        assert!(text.contains(g), "{text}");
    }
    assert!(
        text.lines()
            .any(|l| l.contains("2027-01-16T08:00:00Z") && l.contains("unreadable")),
        "the broken one is listed and marked: {text}"
    );
    one_warning("snapshot list", &err);

    let out = run(&["ls", "host/p"]);
    let (text, err) = (common::stdout(&out), common::stderr(&out));
    assert!(out.status.success(), "ls: {err}");
    for g in good {
        assert!(text.contains(g), "{text}");
    }
    assert!(text.contains("2027-01-16T08:00:00Z"), "{text}");
    one_warning("ls", &err);

    let out = run(&["verify"]);
    let (text, err) = (common::stdout(&out), common::stderr(&out));
    assert!(!out.status.success(), "verify must fail: {text}");
    for g in good {
        assert!(text.contains(&format!("host/p/{g}: ok")), "{text}");
    }
    assert!(
        text.lines()
            .any(|l| l.starts_with(broken) && l.contains("FAILED")),
        "{text}"
    );
    assert_eq!(text.matches("too short").count(), 1, "{text}");
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(!err.contains("too short: blob"), "{err}");

    let out = run(&[
        "prune",
        "host/p",
        "--keep-last",
        "1",
        "--dry-run",
        "--output-format",
        "json",
    ]);
    let err = common::stderr(&out);
    assert!(out.status.success(), "prune: {err}");
    let decisions: serde_json::Value = serde_json::from_str(&common::stdout(&out)).unwrap();
    let decision = |time: i64| {
        decisions
            .as_array()
            .unwrap()
            .iter()
            .find(|d| d["backup-time"] == time)
            .unwrap_or_else(|| panic!("{time} missing in {decisions}"))
            .clone()
    };
    assert_eq!(decision(1_800_086_400)["keep"], true, "{decisions}");
    assert_eq!(decision(1_800_172_800)["keep"], true, "{decisions}");
    assert_eq!(decision(1_800_000_000)["keep"], false, "{decisions}");
    one_warning("prune", &err);
    let out = run(&["prune", "host/p", "--keep-last", "1"]);
    assert!(out.status.success(), "{}", common::stderr(&out));
    assert!(
        common::stdout(&out).contains("unreadable"),
        "prune says why it kept the broken one: {}",
        common::stdout(&out)
    );
    assert!(store_path.join(broken).exists(), "the broken one is kept");
    assert!(!store_path.join("host/p/2027-01-15T08:00:00Z").exists());
    assert!(store_path.join("host/p/2027-01-17T08:00:00Z").exists());
}

/// Issue 18: GC and verify carry on past a broken snapshot. A damaged index (it no longer
/// decodes, but its table of digests is whole) has every chunk it may name kept while the rest
/// is collected; an unreadable one (not even a table) withholds the sweep, so nothing it may
/// name is removed; both are named in one warning line each, and verify checks the others.
#[test]
fn issue_18_gc_and_verify_carry_on_past_a_broken_index() {
    let dir = tempfile::tempdir().unwrap();
    let store_path = dir.path().join("store");
    let store = LocalDatastore::open_or_create(&store_path).unwrap();
    for (group, seed) in [("host/broken", 11), ("host/good", 12), ("host/gone", 13)] {
        let src = dir.path().join(group.replace('/', "-"));
        write_tree(&src, seed, 3);
        backup(&store, group, 1_800_000_000, &src);
    }
    let broken_didx = store_path.join("host/broken/2027-01-15T08:00:00Z/root.pxar.didx");
    let broken_key =
        pbsh::repo::backend::Key::new("host/broken/2027-01-15T08:00:00Z/root.pxar.didx").unwrap();
    let broken_chunks: BTreeSet<String> = pbsh::engine::gc::index_digests(&store, &broken_key)
        .unwrap()
        .0
        .iter()
        .map(ChunkDigest::to_hex)
        .collect();
    let mut raw = std::fs::read(&broken_didx).unwrap();
    raw[0] ^= 0xff; // the magic: the index no longer decodes
    std::fs::write(&broken_didx, &raw).unwrap();
    store
        .forget_group(
            &Namespace::root(),
            &BackupGroup::parse("host/gone").unwrap(),
        )
        .unwrap();
    age_all_chunks(&store, 2 * 24 * 3600);
    let repo = store_path.to_str().unwrap();
    let run = |args: &[&str]| {
        common::pbsh(
            dir.path(),
            dir.path(),
            &[&["--repository", repo][..], args].concat(),
            &[],
        )
    };
    let before = all_chunks(&store);

    // Damaged: the collection runs to its end, keeps the damaged index's chunks, says so.
    let out = run(&["gc"]);
    let err = common::stderr(&out);
    assert!(out.status.success(), "gc: {err}");
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.contains("damaged index") && err.contains("root.pxar.didx") && err.contains("kept"),
        "{err}"
    );
    let after = all_chunks(&store);
    assert!(
        after.len() < before.len(),
        "host/gone's chunks were collected"
    );
    for chunk in &broken_chunks {
        assert!(
            after.contains(chunk),
            "chunk {chunk} of the damaged index lost"
        );
    }

    // Verify names the broken snapshot and verifies the good one.
    let out = run(&["verify"]);
    let text = common::stdout(&out);
    assert!(!out.status.success(), "verify must fail: {text}");
    assert!(
        text.contains("host/good/2027-01-15T08:00:00Z: ok"),
        "{text}"
    );
    assert!(
        text.lines()
            .any(|l| l.starts_with("host/broken/") && l.contains("FAILED")),
        "{text}"
    );

    // Unreadable (cut mid-entry): the collection marks the rest, removes nothing, fails naming it.
    raw.truncate(4096 + 17);
    std::fs::write(&broken_didx, &raw).unwrap();
    store
        .forget_group(
            &Namespace::root(),
            &BackupGroup::parse("host/good").unwrap(),
        )
        .unwrap();
    let before = all_chunks(&store);
    let out = run(&["gc"]);
    let err = common::stderr(&out);
    assert!(!out.status.success(), "gc must fail: {err}");
    assert!(
        err.lines()
            .any(|l| l.contains("removed nothing") && l.contains("root.pxar.didx")),
        "{err}"
    );
    assert!(
        err.lines()
            .all(|l| l.matches("root.pxar.didx").count() == 1),
        "{err}"
    );
    assert_eq!(all_chunks(&store), before, "nothing removed");
    // Once the broken snapshot is forgotten, the next collection removes what nobody names.
    store
        .forget_group(
            &Namespace::root(),
            &BackupGroup::parse("host/broken").unwrap(),
        )
        .unwrap();
    age_all_chunks(&store, 2 * 24 * 3600);
    let out = run(&["gc"]);
    assert!(out.status.success(), "{}", common::stderr(&out));
    assert!(
        all_chunks(&store).is_empty(),
        "{:?}",
        all_chunks(&store).len()
    );
}

/// Issue 16: `--output-format` on the listing and status commands that lacked it, with JSON
/// shaped as proxmox-backup-client prints it: `ns list` the API's reply (`{"data":[{"ns":…}]}`,
/// the start included), `snapshot notes show` `{"notes":…}`, `snapshot protected show`
/// `{"protected":…}`, `garbage-collect` the `.gc-status` figures.
#[test]
fn output_format_on_ns_notes_protected_and_gc() {
    let dir = tempfile::tempdir().unwrap();
    let store_path = dir.path().join("store");
    let store = LocalDatastore::open_or_create(&store_path).unwrap();
    let src = dir.path().join("src");
    write_tree(&src, 5, 1);
    backup(&store, "host/o", 1_800_000_000, &src);
    let repo = store_path.to_str().unwrap();
    let run = |args: &[&str]| {
        let out = common::pbsh(
            dir.path(),
            dir.path(),
            &[&["--repository", repo][..], args].concat(),
            &[],
        );
        assert!(out.status.success(), "{args:?}: {}", common::stderr(&out));
        common::stdout(&out)
    };
    let json = |args: &[&str]| -> serde_json::Value {
        let text = run(args);
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("{args:?}: {e}: {text}"))
    };
    run(&["ns", "create", "a"]);
    run(&["ns", "create", "a/b"]);
    run(&["ns", "create", "c"]);
    assert_eq!(
        json(&["ns", "list", "--output-format", "json"]),
        serde_json::json!({"data": [{"ns": ""}, {"ns": "a"}, {"ns": "a/b"}, {"ns": "c"}]})
    );
    assert_eq!(
        json(&["namespace", "list", "a", "--output-format", "json"]),
        serde_json::json!({"data": [{"ns": "a"}, {"ns": "a/b"}]})
    );
    assert_eq!(run(&["ns", "list"]), "a\na/b\nc\n");
    let snap = "host/o/2027-01-15T08:00:00Z";
    run(&["snapshot", "notes", "update", snap, "first line\nsecond"]);
    assert_eq!(
        json(&["snapshot", "notes", "show", snap, "--output-format", "json"]),
        serde_json::json!({"notes": "first line\nsecond"})
    );
    assert_eq!(
        run(&["snapshot", "notes", "show", snap]),
        "first line\nsecond\n"
    );
    run(&["snapshot", "protected", "update", snap, "true"]);
    assert_eq!(
        json(&[
            "snapshot",
            "protected",
            "show",
            snap,
            "--output-format",
            "json"
        ]),
        serde_json::json!({"protected": true})
    );
    assert_eq!(run(&["snapshot", "protected", "show", snap]), "true\n");
    let pretty = run(&[
        "snapshot",
        "protected",
        "show",
        snap,
        "--output-format",
        "json-pretty",
    ]);
    assert_eq!(pretty, "{\n  \"protected\": true\n}\n");
    let gc = json(&["garbage-collect", "--output-format", "json"]);
    assert_eq!(gc["index-file-count"], 2, "{gc}");
    assert!(gc["disk-chunks"].as_u64().unwrap() > 0, "{gc}");
    assert_eq!(gc["removed-chunks"], 0, "{gc}");
}

/// `--ns` on every command that names a snapshot or group: with `--ns team` each acts on the
/// snapshot backed up into that namespace (what is listed, stored, restored or refused there),
/// and without it (the root namespace) none of them finds it.
#[test]
fn ns_option_acts_in_the_namespace_and_the_root_does_not_see_it() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("store");
    let repo = store.to_str().unwrap();
    let src = dir.path().join("src");
    std::fs::create_dir_all(src.join("sub")).unwrap();
    std::fs::write(src.join("a.txt"), b"alpha\n").unwrap();
    std::fs::write(src.join("sub/b.txt"), b"beta\n").unwrap();
    let run = |args: &[&str]| {
        common::pbsh(
            dir.path(),
            dir.path(),
            &[&["--repository", repo][..], args].concat(),
            &[],
        )
    };
    let ok = |args: &[&str]| {
        let out = run(args);
        assert!(out.status.success(), "{args:?}: {}", common::stderr(&out));
        common::stdout(&out)
    };
    let not_found = |args: &[&str]| {
        let out = run(args);
        assert_eq!(
            out.status.code(),
            Some(3),
            "{args:?} in the root namespace: {}{}",
            common::stdout(&out),
            common::stderr(&out)
        );
    };
    ok(&["ns", "create", "team"]);
    let spec = format!("root.pxar:{}", src.display());
    for time in ["1800000000", "1800086400"] {
        ok(&[
            "backup",
            &spec,
            "--ns",
            "team",
            "--backup-id",
            "n",
            "--backup-time",
            time,
        ]);
    }
    let (old, new) = ("host/n/2027-01-15T08:00:00Z", "host/n/2027-01-16T08:00:00Z");
    let ns_dir = store.join("ns/team/host/n");
    assert!(ns_dir.join("2027-01-15T08:00:00Z").is_dir());
    assert!(
        !store.join("host").exists(),
        "nothing in the root namespace"
    );

    // list, snapshot list
    let groups: serde_json::Value =
        serde_json::from_str(&ok(&["list", "--ns", "team", "--output-format", "json"])).unwrap();
    assert_eq!(groups.as_array().unwrap().len(), 1, "{groups}");
    assert_eq!(groups[0]["backup-id"], "n");
    assert_eq!(groups[0]["backup-count"], 2);
    assert!(!ok(&["list"]).contains("host/n"));
    let listed = ok(&["snapshot", "list", "--ns", "team"]);
    assert!(listed.contains(old) && listed.contains(new), "{listed}");
    assert!(!ok(&["snapshot", "list"]).contains("host/n"));

    // snapshot files
    assert!(ok(&["snapshot", "files", old, "--ns", "team"]).contains("root.pxar.didx"));
    not_found(&["snapshot", "files", old]);

    // snapshot notes update / show
    ok(&[
        "snapshot",
        "notes",
        "update",
        old,
        "team notes",
        "--ns",
        "team",
    ]);
    assert_eq!(
        ok(&["snapshot", "notes", "show", old, "--ns", "team"]),
        "team notes\n"
    );
    not_found(&["snapshot", "notes", "show", old]);
    not_found(&["snapshot", "notes", "update", old, "root notes"]);
    assert_eq!(
        ok(&["snapshot", "notes", "show", old, "--ns", "team"]),
        "team notes\n"
    );

    // snapshot protected update / show, snapshot forget refused while protected
    ok(&[
        "snapshot",
        "protected",
        "update",
        old,
        "true",
        "--ns",
        "team",
    ]);
    assert_eq!(
        ok(&["snapshot", "protected", "show", old, "--ns", "team"]),
        "true\n"
    );
    assert!(ns_dir.join("2027-01-15T08:00:00Z/.protected").exists());
    not_found(&["snapshot", "protected", "show", old]);
    not_found(&["snapshot", "protected", "update", old, "false"]);
    let refused = run(&["snapshot", "forget", old, "--ns", "team"]);
    assert!(!refused.status.success());
    assert!(
        common::stderr(&refused).contains("protected"),
        "{}",
        common::stderr(&refused)
    );
    not_found(&["snapshot", "forget", old]);
    assert!(ns_dir.join("2027-01-15T08:00:00Z").is_dir());
    ok(&[
        "snapshot",
        "protected",
        "update",
        old,
        "false",
        "--ns",
        "team",
    ]);
    assert_eq!(
        ok(&["snapshot", "protected", "show", old, "--ns", "team"]),
        "false\n"
    );

    // snapshot upload-log: client.log.blob beside the namespaced manifest (the backup's own
    // log, uploaded by `backup`, removed first: a snapshot takes one)
    let log = dir.path().join("client.log");
    std::fs::write(&log, b"uploaded log line\n").unwrap();
    let log = log.to_str().unwrap();
    let blob_at = |time: &str| ns_dir.join(time).join("client.log.blob");
    for time in ["2027-01-15T08:00:00Z", "2027-01-16T08:00:00Z"] {
        std::fs::remove_file(blob_at(time)).unwrap();
    }
    ok(&["snapshot", "upload-log", old, log, "--ns", "team"]);
    let raw = std::fs::read(blob_at("2027-01-15T08:00:00Z")).unwrap();
    assert_eq!(
        pbsh::format::blob::decode(&raw, None, 1 << 20).unwrap(),
        b"uploaded log line\n"
    );
    not_found(&["snapshot", "upload-log", new, log]);
    assert!(!blob_at("2027-01-16T08:00:00Z").exists());

    // change-owner: the namespaced group's owner file
    ok(&["change-owner", "host/n", "other@pbs", "--ns", "team"]);
    assert_eq!(
        std::fs::read_to_string(ns_dir.join("owner"))
            .unwrap()
            .trim_end(),
        "other@pbs"
    );
    not_found(&["change-owner", "host/n", "third@pbs"]);
    assert_eq!(
        std::fs::read_to_string(ns_dir.join("owner"))
            .unwrap()
            .trim_end(),
        "other@pbs"
    );

    // catalog dump, catalog shell (a script on standard input)
    let dump = ok(&["catalog", "dump", old, "--ns", "team"]);
    assert!(
        dump.contains("a.txt") && dump.contains("sub/b.txt"),
        "{dump}"
    );
    not_found(&["catalog", "dump", old]);
    let shell = |ns: &[&str]| {
        let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_pbsh"))
            .args(["--repository", repo, "catalog", "shell", old, "root.pxar"])
            .args(ns)
            .current_dir(dir.path())
            .env("HOME", dir.path())
            .env("XDG_CONFIG_HOME", dir.path().join("config"))
            .env_remove("PBS_REPOSITORY")
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        use std::io::Write;
        // A shell that refuses the snapshot exits before reading: its stdin is then closed
        // (EPIPE), and its status and output are what the test checks.
        let written = child
            .stdin
            .take()
            .unwrap()
            .write_all(b"ls\ncat sub/b.txt\n");
        if let Err(e) = written {
            assert_eq!(e.kind(), std::io::ErrorKind::BrokenPipe, "{e}");
        }
        child.wait_with_output().unwrap()
    };
    let out = shell(&["--ns", "team"]);
    assert!(out.status.success(), "{}", common::stderr(&out));
    let text = common::stdout(&out);
    assert!(text.contains("a.txt") && text.contains("beta\n"), "{text}");
    let out = shell(&[]);
    assert_eq!(out.status.code(), Some(3), "{}", common::stderr(&out));
    assert!(!common::stdout(&out).contains("beta"));

    // restore
    let target = dir.path().join("restored");
    let t = target.to_str().unwrap();
    ok(&["restore", old, "root.pxar", t, "--ns", "team"]);
    assert_eq!(std::fs::read(target.join("sub/b.txt")).unwrap(), b"beta\n");
    let root_target = dir.path().join("restored-root");
    not_found(&["restore", old, "root.pxar", root_target.to_str().unwrap()]);
    assert!(!root_target.join("a.txt").exists());

    // prune: in the root namespace it finds nothing to remove; with --ns the older one goes
    ok(&["prune", "host/n", "--keep-last", "1"]);
    assert!(ns_dir.join("2027-01-15T08:00:00Z").is_dir());
    ok(&["prune", "host/n", "--keep-last", "1", "--ns", "team"]);
    assert!(!ns_dir.join("2027-01-15T08:00:00Z").exists());
    assert!(ns_dir.join("2027-01-16T08:00:00Z").is_dir());

    // snapshot forget: the root namespace has no such snapshot, the namespace has
    not_found(&["snapshot", "forget", new]);
    assert!(ns_dir.join("2027-01-16T08:00:00Z").is_dir());
    ok(&["snapshot", "forget", new, "--ns", "team"]);
    assert!(!ns_dir.join("2027-01-16T08:00:00Z").exists());
}

/// `list` and `status` with `--output-format json`/`json-pretty`: the keys
/// proxmox-backup-client prints (`list` the API's group items, `status` the datastore's usage
/// in bytes), and the same value pretty-printed.
#[test]
fn list_and_status_output_format_json_shape() {
    let dir = tempfile::tempdir().unwrap();
    let store_path = dir.path().join("store");
    let store = LocalDatastore::open_or_create(&store_path).unwrap();
    let src = dir.path().join("src");
    write_tree(&src, 9, 1);
    backup(&store, "host/j", 1_800_000_000, &src);
    backup(&store, "host/j", 1_800_086_400, &src);
    let repo = store_path.to_str().unwrap();
    let run = |args: &[&str]| {
        let out = common::pbsh(
            dir.path(),
            dir.path(),
            &[&["--repository", repo][..], args].concat(),
            &[],
        );
        assert!(out.status.success(), "{args:?}: {}", common::stderr(&out));
        common::stdout(&out)
    };
    let text = run(&["list", "--output-format", "json"]);
    assert_eq!(text.lines().count(), 1, "compact: {text}");
    let groups: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(
        groups,
        serde_json::json!([{
            "backup-type": "host",
            "backup-id": "j",
            "backup-count": 2,
            "last-backup": 1_800_086_400,
            "owner": "root@pam",
            "files": ["catalog.pcat1.didx", "index.json.blob", "root.pxar.didx"],
        }])
    );
    let pretty = run(&["list", "--output-format", "json-pretty"]);
    assert!(pretty.lines().count() > 1, "{pretty}");
    assert_eq!(
        serde_json::from_str::<serde_json::Value>(&pretty).unwrap(),
        groups
    );
    assert!(!run(&["list"]).trim_start().starts_with('['));

    let status: serde_json::Value =
        serde_json::from_str(&run(&["status", "--output-format", "json"])).unwrap();
    let n = |k: &str| {
        status[k]
            .as_u64()
            .unwrap_or_else(|| panic!("{k} in {status}"))
    };
    assert!(n("total") > 0, "{status}");
    assert!(
        n("used") <= n("total") && n("avail") <= n("total"),
        "{status}"
    );
    let pretty = run(&["status", "--output-format", "json-pretty"]);
    assert!(pretty.lines().count() > 1, "{pretty}");
    let again: serde_json::Value = serde_json::from_str(&pretty).unwrap();
    assert_eq!(again["total"], status["total"]);
    assert!(!run(&["status"]).trim_start().starts_with('{'));
}

/// `snapshot upload-log --keyfile` stores the log encrypted with that key (the encrypted blob
/// magic, readable only with the key); `--crypt-mode none` stores it plain even when the default
/// key exists (which a plain `upload-log` would use).
#[test]
fn upload_log_keyfile_encrypts_and_crypt_mode_none_does_not() {
    use pbsh::format::blob::{
        COMPRESSED_BLOB_MAGIC, ENCRYPTED_BLOB_MAGIC, ENCR_COMPR_BLOB_MAGIC, UNCOMPRESSED_BLOB_MAGIC,
    };
    let plain =
        |raw: &[u8]| raw[..8] == COMPRESSED_BLOB_MAGIC || raw[..8] == UNCOMPRESSED_BLOB_MAGIC;
    let encrypted =
        |raw: &[u8]| raw[..8] == ENCR_COMPR_BLOB_MAGIC || raw[..8] == ENCRYPTED_BLOB_MAGIC;
    let dir = tempfile::tempdir().unwrap();
    let store_path = dir.path().join("store");
    let store = LocalDatastore::open_or_create(&store_path).unwrap();
    let src = dir.path().join("src");
    write_tree(&src, 3, 1);
    backup(&store, "host/l", 1_800_000_000, &src);
    backup(&store, "host/l", 1_800_086_400, &src);
    backup(&store, "host/l", 1_800_172_800, &src);
    let repo = store_path.to_str().unwrap();
    let run = |args: &[&str]| {
        let out = common::pbsh(
            dir.path(),
            dir.path(),
            &[&["--repository", repo][..], args].concat(),
            &[],
        );
        assert!(out.status.success(), "{args:?}: {}", common::stderr(&out));
    };
    // Not in the repository: the key file, and a default key (config/proxmox-backup/encryption-key.json).
    run(&["key", "create", "k.json", "--kdf", "none"]);
    run(&["key", "create", "--kdf", "none"]);
    let key =
        pbsh::format::keyfile::KeyConfig::parse(&std::fs::read(dir.path().join("k.json")).unwrap())
            .unwrap()
            .decrypt(b"")
            .unwrap();
    let key = pbsh::format::crypt::CryptConfig::new(*key).unwrap();
    let log = dir.path().join("client.log");
    std::fs::write(&log, b"the client's log\n").unwrap();
    let log = log.to_str().unwrap();
    let blob_of = |time: &str| {
        std::fs::read(store_path.join("host/l").join(time).join("client.log.blob")).unwrap()
    };
    run(&[
        "snapshot",
        "upload-log",
        "host/l/2027-01-15T08:00:00Z",
        log,
        "--keyfile",
        "k.json",
    ]);
    let raw = blob_of("2027-01-15T08:00:00Z");
    assert!(encrypted(&raw), "{:?}", &raw[..8]);
    assert!(pbsh::format::blob::decode(&raw, None, 1 << 20).is_err());
    assert_eq!(
        pbsh::format::blob::decode(&raw, Some(&key), 1 << 20).unwrap(),
        b"the client's log\n"
    );
    run(&[
        "snapshot",
        "upload-log",
        "host/l/2027-01-16T08:00:00Z",
        log,
        "--crypt-mode",
        "none",
    ]);
    let raw = blob_of("2027-01-16T08:00:00Z");
    assert!(plain(&raw), "{:?}", &raw[..8]);
    assert_eq!(
        pbsh::format::blob::decode(&raw, None, 1 << 20).unwrap(),
        b"the client's log\n"
    );
    // Without either, the default key encrypts it.
    run(&["snapshot", "upload-log", "host/l/2027-01-17T08:00:00Z", log]);
    let raw = blob_of("2027-01-17T08:00:00Z");
    assert!(encrypted(&raw), "{:?}", &raw[..8]);
}
