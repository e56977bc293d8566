//! The local datastore and the transfer engine end to end on real directories.

mod checker;
mod common;
mod serve_common;

use pbsh::engine::backup::{run_backup, BackupOptions, BackupSource};
use pbsh::engine::restore::{RestoreRequest, RestoreTarget};
use pbsh::format::crypt::CryptConfig;
use pbsh::format::keyfile::KeyConfig;
use pbsh::format::manifest::CryptMode;
use pbsh::repo::local::LocalDatastore;
use pbsh::repo::types::{BackupGroup, Namespace, SnapshotRef};
use pbsh::repo::Repository;
use std::path::Path;
use std::sync::Arc;

fn same_files(a: &Path, b: &Path) {
    common::assert_same_tree(a, b);
}

fn vector_key(v: &Path) -> Arc<CryptConfig> {
    let config = KeyConfig::parse(&std::fs::read(v.join("keys/key-none.json")).unwrap()).unwrap();
    Arc::new(CryptConfig::new(*config.decrypt(b"").unwrap()).unwrap())
}

#[test]
fn restores_what_pbs_wrote() {
    let Some(v) = common::vectors_dir() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let store_path = dir.path().join("store");
    common::copy_vector_datastore(&v, &store_path);
    let store: Arc<dyn Repository> = Arc::new(LocalDatastore::open_or_create(&store_path).unwrap());
    let ns = Namespace::root();
    let snapshots = store.list_snapshots(&ns, None).unwrap();
    let names: Vec<String> = snapshots.iter().map(|s| s.snapshot.to_string()).collect();
    assert_eq!(
        names,
        vec![
            "host/vec-enc/2026-09-21T14:15:00Z",
            "host/vec-plain/2026-09-21T14:13:20Z"
        ]
    );
    let listed: serde_json::Value =
        serde_json::from_slice(&std::fs::read(v.join("datastore/snapshot-list.json")).unwrap())
            .unwrap();
    for info in &snapshots {
        let entry = listed
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["backup-id"] == info.snapshot.group.id.as_str())
            .unwrap();
        assert_eq!(
            entry["size"].as_u64().unwrap(),
            info.total_size(),
            "{}",
            info.snapshot
        );
    }
    let expected = dir.path().join("expected");
    let have_python = std::process::Command::new("python3")
        .arg(v.join("make_tree.py"))
        .arg(&expected)
        .status()
        .map(|s| s.success())
        .unwrap_or(false);
    let key = vector_key(&v);
    for (id, time, crypt) in [
        ("vec-plain", "2026-09-21T14:13:20Z", None),
        ("vec-enc", "2026-09-21T14:15:00Z", Some(key.clone())),
    ] {
        let snap = SnapshotRef::parse(&format!("host/{id}/{time}")).unwrap();
        let target = dir.path().join(format!("restore-{id}"));
        RestoreRequest::new(store.clone(), &ns, &snap, "root.pxar")
            .key(crypt.clone())
            .sub_path(b"/")
            .run(RestoreTarget::Path(&target))
            .unwrap();
        if have_python {
            same_files(&expected, &target);
        }
        let image = dir.path().join(format!("{id}.img"));
        RestoreRequest::new(store.clone(), &ns, &snap, "disk.img")
            .key(crypt.clone())
            .sub_path(b"/")
            .run(RestoreTarget::Path(&image))
            .unwrap();
        assert_eq!(std::fs::metadata(&image).unwrap().len(), 9_449_529);
    }
    // The encrypted snapshot refuses to restore without its key, before writing anything.
    let snap = SnapshotRef::parse("host/vec-enc/2026-09-21T14:15:00Z").unwrap();
    let target = dir.path().join("no-key");
    let err = RestoreRequest::new(store.clone(), &ns, &snap, "root.pxar")
        .sub_path(b"/")
        .run(RestoreTarget::Path(&target))
        .unwrap_err();
    assert!(err.to_string().contains("missing key"), "{err}");
    assert!(!target.exists());
    let wrong = Arc::new(CryptConfig::new([1u8; 32]).unwrap());
    let err = RestoreRequest::new(store.clone(), &ns, &snap, "root.pxar")
        .key(Some(wrong))
        .sub_path(b"/")
        .run(RestoreTarget::Path(&target))
        .unwrap_err();
    assert!(err.to_string().contains("wrong key"), "{err}");
    assert!(!target.exists());
}

fn make_source(root: &Path) {
    std::fs::create_dir_all(root.join("etc/conf.d")).unwrap();
    for i in 0..50 {
        std::fs::write(
            root.join(format!("etc/conf.d/file{i}.conf")),
            format!("setting = {i}\n").repeat(i + 1),
        )
        .unwrap();
    }
    let mut state = 12345u64;
    let big: Vec<u8> = (0..12 * 1024 * 1024)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state as u8
        })
        .collect();
    std::fs::write(root.join("big.bin"), &big).unwrap();
    std::os::unix::fs::symlink("etc", root.join("link")).unwrap();
}

#[test]
fn backup_list_restore_and_incremental_dedup() {
    let dir = tempfile::tempdir().unwrap();
    let store = Arc::new(LocalDatastore::open_or_create(&dir.path().join("store")).unwrap());
    backup_list_restore_and_incremental_dedup_on(store, dir.path(), true);
}

#[test]
fn backup_list_restore_and_incremental_dedup_s3() {
    let dir = tempfile::tempdir().unwrap();
    if let Some(store) = s3_store("backup_list_restore_and_incremental_dedup") {
        backup_list_restore_and_incremental_dedup_on(Arc::new(store), dir.path(), false);
    }
}

fn backup_list_restore_and_incremental_dedup_on(
    store: Arc<LocalDatastore>,
    dir: &Path,
    local: bool,
) {
    let repo: Arc<dyn Repository> = store.clone();
    let source = dir.join("source");
    make_source(&source);
    std::fs::write(dir.join("disk.img"), vec![3u8; 9 * 1024 * 1024]).unwrap();
    std::fs::write(dir.join("vm.conf"), b"memory: 2048\n").unwrap();
    let ns = Namespace::root();
    let group = BackupGroup::parse("host/web1").unwrap();
    let sources = vec![
        BackupSource::parse(&format!("root.pxar:{}", source.display())).unwrap(),
        BackupSource::parse(&format!("disk.img:{}", dir.join("disk.img").display())).unwrap(),
        BackupSource::parse(&format!("vm.conf:{}", dir.join("vm.conf").display())).unwrap(),
    ];
    let first = run_backup(
        &*repo,
        &sources,
        &BackupOptions::new(ns.clone(), group.clone(), 1_800_000_000, "root@pam"),
    )
    .unwrap();
    assert!(first.new_chunks > 0);
    let second = run_backup(
        &*repo,
        &sources,
        &BackupOptions::new(ns.clone(), group.clone(), 1_800_000_100, "root@pam"),
    )
    .unwrap();
    assert_eq!(
        second.new_chunks, 0,
        "an unchanged tree writes no new chunks"
    );
    assert_eq!(second.bytes, first.bytes);

    let snapshots = repo.list_snapshots(&ns, Some(&group)).unwrap();
    assert_eq!(snapshots.len(), 2);
    let files: Vec<&str> = snapshots[1]
        .manifest
        .files
        .iter()
        .map(|f| f.filename.as_str())
        .collect();
    assert_eq!(
        files,
        vec![
            "root.pxar.didx",
            "disk.img.fidx",
            "vm.conf.blob",
            "catalog.pcat1.didx"
        ]
    );
    let groups = repo.list_groups(&ns).unwrap();
    assert_eq!(
        (
            groups.len(),
            groups[0].snapshot_count,
            groups[0].owner.as_deref()
        ),
        (1, 2, Some("root@pam"))
    );

    let snap = &snapshots[1].snapshot;
    let target = dir.join("restored");
    RestoreRequest::new(repo.clone(), &ns, snap, "root.pxar")
        .sub_path(b"/")
        .run(RestoreTarget::Path(&target))
        .unwrap();
    same_files(&source, &target);
    let image = dir.join("restored.img");
    RestoreRequest::new(repo.clone(), &ns, snap, "disk.img")
        .sub_path(b"/")
        .run(RestoreTarget::Path(&image))
        .unwrap();
    assert_eq!(
        std::fs::read(&image).unwrap(),
        std::fs::read(dir.join("disk.img")).unwrap()
    );
    let mut conf = Vec::new();
    RestoreRequest::new(repo.clone(), &ns, snap, "vm.conf")
        .sub_path(b"/")
        .run(RestoreTarget::Writer(&mut conf))
        .unwrap();
    assert_eq!(conf, b"memory: 2048\n");
    if local {
        let report =
            checker::check_datastore(dir.join("store")).unwrap_or_else(|e| panic!("{e:#?}"));
        assert_eq!(report.snapshots, 2);
    }
    // A backup time that is not newer than the last snapshot is refused.
    let err = run_backup(
        &*repo,
        &sources,
        &BackupOptions::new(ns.clone(), group.clone(), 1_800_000_100, "root@pam"),
    )
    .unwrap_err();
    assert!(err.to_string().contains("not newer"), "{err}");
    // Nothing half-written is left behind by the refused backup.
    let leftovers: Vec<_> = std::fs::read_dir(store.group_path(&ns, &group))
        .unwrap()
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().starts_with('.'))
        .collect();
    assert!(leftovers.is_empty());
}

#[test]
fn encrypted_backup_restores_only_with_its_key() {
    let dir = tempfile::tempdir().unwrap();
    let store = Arc::new(LocalDatastore::open_or_create(&dir.path().join("store")).unwrap());
    encrypted_backup_restores_only_with_its_key_on(store, dir.path(), true);
}

#[test]
fn encrypted_backup_restores_only_with_its_key_s3() {
    let dir = tempfile::tempdir().unwrap();
    if let Some(store) = s3_store("encrypted_backup_restores_only_with_its_key") {
        encrypted_backup_restores_only_with_its_key_on(Arc::new(store), dir.path(), false);
    }
}

fn encrypted_backup_restores_only_with_its_key_on(
    store: Arc<LocalDatastore>,
    dir: &Path,
    _local: bool,
) {
    let repo: Arc<dyn Repository> = store;
    let source = dir.join("source");
    make_source(&source);
    let key = Arc::new(CryptConfig::new([0x21; 32]).unwrap());
    let ns = Namespace::root();
    let group = BackupGroup::parse("host/secret").unwrap();
    let mut options = BackupOptions::new(ns.clone(), group.clone(), 1_800_000_000, "root@pam");
    options.crypt_mode = CryptMode::Encrypt;
    options.crypt = Some(key.clone());
    let sources = vec![BackupSource::parse(&format!("root.pxar:{}", source.display())).unwrap()];
    run_backup(&*repo, &sources, &options).unwrap();
    let snap = repo.list_snapshots(&ns, Some(&group)).unwrap()[0]
        .snapshot
        .clone();
    let manifest = repo.read_manifest(&ns, &snap).unwrap().0;
    assert!(manifest.signature.is_some());
    assert!(manifest
        .files
        .iter()
        .all(|f| f.crypt_mode == CryptMode::Encrypt));

    let target = dir.join("restored");
    let err = RestoreRequest::new(repo.clone(), &ns, &snap, "root.pxar")
        .sub_path(b"/")
        .run(RestoreTarget::Path(&target))
        .unwrap_err();
    assert!(err.to_string().contains("missing key"), "{err}");
    let other = Arc::new(CryptConfig::new([0x22; 32]).unwrap());
    let err = RestoreRequest::new(repo.clone(), &ns, &snap, "root.pxar")
        .key(Some(other))
        .sub_path(b"/")
        .run(RestoreTarget::Path(&target))
        .unwrap_err();
    assert!(err.to_string().contains("wrong key"), "{err}");
    assert!(!target.exists());
    RestoreRequest::new(repo.clone(), &ns, &snap, "root.pxar")
        .key(Some(key))
        .sub_path(b"/")
        .run(RestoreTarget::Path(&target))
        .unwrap();
    same_files(&source, &target);
}

#[test]
fn metadata_mode_reuses_unchanged_files_without_reading_them() {
    let dir = tempfile::tempdir().unwrap();
    let store = Arc::new(LocalDatastore::open_or_create(&dir.path().join("store")).unwrap());
    metadata_mode_reuses_unchanged_files_without_reading_them_on(store, dir.path(), true);
}

#[test]
fn metadata_mode_reuses_unchanged_files_without_reading_them_s3() {
    let dir = tempfile::tempdir().unwrap();
    if let Some(store) = s3_store("metadata_mode_reuses_unchanged_files_without_reading_them") {
        metadata_mode_reuses_unchanged_files_without_reading_them_on(
            Arc::new(store),
            dir.path(),
            false,
        );
    }
}

fn metadata_mode_reuses_unchanged_files_without_reading_them_on(
    store: Arc<LocalDatastore>,
    dir: &Path,
    local: bool,
) {
    let repo: Arc<dyn Repository> = store;
    use pbsh::engine::backup::ChangeDetection;
    let source = dir.join("source");
    make_source(&source);
    let ns = Namespace::root();
    let group = BackupGroup::parse("host/meta").unwrap();
    let sources = vec![BackupSource::parse(&format!("root.pxar:{}", source.display())).unwrap()];
    let options = |time| {
        let mut o = BackupOptions::new(ns.clone(), group.clone(), time, "root@pam");
        o.change_detection = ChangeDetection::Metadata;
        o
    };
    let first = run_backup(&*repo, &sources, &options(1_800_000_000)).unwrap();
    assert_eq!(first.reused_files, 0);
    let files: Vec<String> = repo.list_snapshots(&ns, None).unwrap()[0]
        .manifest
        .files
        .iter()
        .map(|f| f.filename.clone())
        .collect();
    assert_eq!(files, vec!["root.mpxar.didx", "root.ppxar.didx"]);

    // Unchanged: every file's payload comes from the previous snapshot.
    let second = run_backup(&*repo, &sources, &options(1_800_000_100)).unwrap();
    assert_eq!(second.reused_files, 51, "all regular files reused");
    // Only the new metadata archive and the payload stream's start and tail markers are new.
    assert!(
        second.new_chunks <= 3 && second.new_bytes < 64 * 1024,
        "{} new chunks, {} new bytes",
        second.new_chunks,
        second.new_bytes
    );

    // One file changed (new size and mtime): only it is read again.
    std::fs::write(source.join("etc/conf.d/file7.conf"), b"changed\n").unwrap();
    let third = run_backup(&*repo, &sources, &options(1_800_000_200)).unwrap();
    // The changed file is read; so may be a few neighbours sharing its chunk (the padding rule).
    assert!(
        (45..=50).contains(&third.reused_files),
        "{} files reused",
        third.reused_files
    );
    let snapshots = repo.list_snapshots(&ns, None).unwrap();
    for (i, snap) in snapshots.iter().enumerate() {
        let target = dir.join(format!("restored{i}"));
        RestoreRequest::new(repo.clone(), &ns, &snap.snapshot, "root.pxar")
            .sub_path(b"/")
            .run(RestoreTarget::Path(&target))
            .unwrap();
        if i == 2 {
            same_files(&source, &target);
        }
    }
    if local {
        checker::check_datastore(dir.join("store")).unwrap_or_else(|e| panic!("{e:#?}"));
    }
}

#[test]
fn image_zero_runs_share_one_chunk_and_restore_exactly() {
    let dir = tempfile::tempdir().unwrap();
    let store = Arc::new(LocalDatastore::open_or_create(&dir.path().join("store")).unwrap());
    image_zero_runs_share_one_chunk_and_restore_exactly_on(store, dir.path(), true);
}

#[test]
fn image_zero_runs_share_one_chunk_and_restore_exactly_s3() {
    let dir = tempfile::tempdir().unwrap();
    if let Some(store) = s3_store("image_zero_runs_share_one_chunk_and_restore_exactly") {
        image_zero_runs_share_one_chunk_and_restore_exactly_on(Arc::new(store), dir.path(), false);
    }
}

fn image_zero_runs_share_one_chunk_and_restore_exactly_on(
    store: Arc<LocalDatastore>,
    dir: &Path,
    _local: bool,
) {
    const MIB: usize = 1024 * 1024;
    let repo: Arc<dyn Repository> = store.clone();
    // random 4 MiB, five 4 MiB zero chunks, random 4 MiB, a 1 MiB zero tail (a shorter chunk).
    let mut state = 0x2545_f491_4f6c_dd1du64;
    let mut random = |n: usize| -> Vec<u8> {
        (0..n)
            .map(|_| {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                state as u8
            })
            .collect()
    };
    let mut image = random(4 * MIB);
    image.extend(vec![0u8; 20 * MIB]);
    image.extend(random(4 * MIB));
    image.extend(vec![0u8; MIB]);
    let path = dir.join("vm.raw");
    std::fs::write(&path, &image).unwrap();
    let ns = Namespace::root();
    let group = BackupGroup::parse("vm/100").unwrap();
    let sources = vec![BackupSource::parse(&format!("disk.img:{}", path.display())).unwrap()];
    run_backup(
        &*repo,
        &sources,
        &BackupOptions::new(ns.clone(), group.clone(), 1_800_000_000, "root@pam"),
    )
    .unwrap();
    // Distinct chunks on disk: two random, one 4 MiB zero chunk, one 1 MiB zero chunk.
    let chunk_files = chunk_count(&store);
    assert_eq!(chunk_files, 4, "chunks stored");
    let snap = &repo.list_snapshots(&ns, Some(&group)).unwrap()[0].snapshot;
    let restored = dir.join("restored.img");
    RestoreRequest::new(repo.clone(), &ns, snap, "disk.img")
        .sub_path(b"/")
        .run(RestoreTarget::Path(&restored))
        .unwrap();
    assert!(std::fs::read(&restored).unwrap() == image, "image differs");
}

/// The chunks the datastore's backend lists (files on disk; objects in a bucket).
fn chunk_count(store: &LocalDatastore) -> usize {
    use pbsh::repo::backend::{Depth, Key};
    store
        .backend()
        .list(&Key::new(".chunks").unwrap(), Depth::Recursive)
        .unwrap()
        .len()
}

/// A datastore under `prefix` in the one Garage cluster this test binary starts (with a cache
/// directory of its own); `None` (with a notice, a failure under CI) without the peer.
fn s3_store(prefix: &str) -> Option<LocalDatastore> {
    use std::sync::OnceLock;
    static GARAGE: OnceLock<Option<common::garage::Garage>> = OnceLock::new();
    let garage = GARAGE
        .get_or_init(|| {
            let garage = common::garage::Garage::start(1)?;
            // A static is never dropped, so the cache lives under the target directory (emptied
            // here at each run) rather than in a temporary directory left behind in /tmp.
            let cache = Path::new(env!("CARGO_TARGET_TMPDIR")).join("engine_local-s3-cache");
            let _ = std::fs::remove_dir_all(&cache);
            std::fs::create_dir_all(&cache).unwrap();
            // Every S3 store of this binary shares these settings and this cache base.
            garage.export();
            std::env::set_var("PBSH_S3_CACHE_DIR", &cache);
            Some(garage)
        })
        .as_ref()?;
    Some(s3_store_location_of(garage, prefix).open(true).unwrap())
}

fn s3_store_location_of(
    garage: &common::garage::Garage,
    prefix: &str,
) -> pbsh::repo::location::DatastoreLocation {
    pbsh::repo::location::DatastoreLocation::parse(&garage.url(prefix)).unwrap()
}

/// The location of an S3 store `s3_store` opened before.
fn s3_store_location(prefix: &str) -> pbsh::repo::location::DatastoreLocation {
    pbsh::repo::location::DatastoreLocation::parse(&format!(
        "s3://{}/{prefix}",
        std::env::var("S3_BUCKET").unwrap()
    ))
    .unwrap()
}

/// The repository conformance suite (issue 20): one sequence of `dyn Repository` calls, with
/// the results every kind of repository must give, run over the local datastore and over a
/// remote one (a real `pbsh serve` on 127.0.0.1 with TLS); an S3 datastore joins it later.
fn conformance(repo: Arc<dyn Repository>, work: &Path, owner: &str, other_owner: &str) {
    use pbsh::util::error_class::ErrorClass;
    let kind = repo.name();
    let ns = Namespace::parse("conf").unwrap();
    repo.create_namespace(&ns).unwrap();
    assert!(
        repo.list_namespaces(&Namespace::root())
            .unwrap()
            .contains(&ns),
        "{kind}: namespace listed"
    );
    let source = work.join("conformance-source");
    make_source(&source);
    let group = BackupGroup::parse("host/conf").unwrap();
    let sources = vec![BackupSource::parse(&format!("root.pxar:{}", source.display())).unwrap()];
    let report = run_backup(
        &*repo,
        &sources,
        &BackupOptions::new(ns.clone(), group.clone(), 1_800_000_000, owner),
    )
    .unwrap();
    let snapshot = report.snapshot.clone();

    // Listings: one group with one snapshot, its owner the writer.
    let groups = repo.list_groups(&ns).unwrap();
    assert_eq!(groups.len(), 1, "{kind}: {groups:?}");
    assert_eq!(groups[0].group, group);
    assert_eq!(groups[0].snapshot_count, 1);
    assert_eq!(groups[0].last_backup, Some(1_800_000_000));
    assert_eq!(groups[0].owner.as_deref(), Some(owner), "{kind}");
    let snapshots = repo.list_snapshots(&ns, Some(&group)).unwrap();
    assert_eq!(snapshots.len(), 1, "{kind}");
    assert_eq!(snapshots[0].snapshot, snapshot);
    assert!(repo
        .list_groups(&Namespace::root())
        .unwrap()
        .iter()
        .all(|g| g.group != group));

    // Reading: the manifest, an index, its chunks; a missing chunk is "not found".
    let (manifest, _) = repo.read_manifest(&ns, &snapshot).unwrap();
    let index_name = "root.pxar.didx";
    assert!(manifest.file(index_name).is_some(), "{kind}: {manifest:?}");
    let index = repo.read_file(&ns, &snapshot, index_name).unwrap();
    let index = pbsh::format::index::DynamicIndex::decode(&index).unwrap();
    assert!(index.chunk_count() > 0);
    let chunk = repo.read_chunk(index.digest(0).unwrap()).unwrap();
    assert!(!chunk.is_empty());
    let missing = pbsh::format::digest::ChunkDigest([7u8; 32]);
    let err = repo.read_chunk(&missing).unwrap_err();
    assert_eq!(err.class(), Some(ErrorClass::NotFound), "{kind}: {err}");
    let err = repo
        .read_manifest(&ns, &SnapshotRef::new(group.clone(), 1_700_000_000))
        .unwrap_err();
    assert_eq!(err.class(), Some(ErrorClass::NotFound), "{kind}: {err}");
    let restored = work.join(format!(
        "conformance-restored-{}",
        kind.replace(['/', ':'], "_")
    ));
    RestoreRequest::new(repo.clone(), &ns, &snapshot, "root.pxar")
        .run(RestoreTarget::Path(&restored))
        .unwrap();
    same_files(&source, &restored);

    // A backup that never finishes is never listed.
    let unfinished = SnapshotRef::new(group.clone(), 1_800_000_100);
    let writer = repo.start_backup(&ns, &unfinished, owner, None).unwrap();
    drop(writer);
    let listed = repo.list_snapshots(&ns, Some(&group)).unwrap();
    assert_eq!(
        listed.len(),
        1,
        "{kind}: a half snapshot is listed: {listed:?}"
    );

    // Protection, the client log, the owner.
    repo.set_protected(&ns, &snapshot, true).unwrap();
    assert!(
        repo.list_snapshots(&ns, Some(&group)).unwrap()[0].protected,
        "{kind}"
    );
    assert!(
        repo.forget_snapshot(&ns, &snapshot).is_err(),
        "{kind}: forgot a protected snapshot"
    );
    repo.set_protected(&ns, &snapshot, false).unwrap();
    repo.set_owner(&ns, &group, other_owner).unwrap();
    assert_eq!(
        repo.list_groups(&ns).unwrap()[0].owner.as_deref(),
        Some(other_owner),
        "{kind}"
    );
    repo.set_owner(&ns, &group, owner).unwrap();

    // Forgetting: the snapshot, then the group, then the namespace.
    repo.forget_snapshot(&ns, &snapshot).unwrap();
    assert!(
        repo.list_snapshots(&ns, Some(&group)).unwrap().is_empty(),
        "{kind}"
    );
    repo.forget_group(&ns, &group).unwrap();
    assert!(repo.list_groups(&ns).unwrap().is_empty(), "{kind}");
    repo.delete_namespace(&ns, false).unwrap();
    assert!(!repo
        .list_namespaces(&Namespace::root())
        .unwrap()
        .contains(&ns));
}

#[test]
fn repository_conformance_local_and_remote() {
    let dir = tempfile::tempdir().unwrap();
    let local: Arc<dyn Repository> =
        Arc::new(LocalDatastore::open_or_create(&dir.path().join("store")).unwrap());
    let work = dir.path().join("local-work");
    std::fs::create_dir_all(&work).unwrap();
    conformance(local, &work, "root@pam", "alice@pbs");

    let server = serve_common::start_server();
    // This binary spawns no program that must lack a password; the client reads it from here.
    std::env::set_var("PBS_PASSWORD", serve_common::PASSWORD);
    std::env::set_var("XDG_RUNTIME_DIR", dir.path().join("run"));
    std::fs::create_dir_all(dir.path().join("run")).unwrap();
    let remote = pbsh::repo::remote::RemoteRepository::new(
        pbsh::repo::remote::repo_string::RemoteRepo::parse(&format!(
            "admin@pbs@127.0.0.1:{}:store1",
            server.port
        ))
        .unwrap(),
        pbsh::repo::remote::client::ClientOptions {
            fingerprint: Some(server.fingerprint.clone()),
            interactive: false,
        },
    )
    .unwrap();
    let work = dir.path().join("remote-work");
    std::fs::create_dir_all(&work).unwrap();
    conformance(remote.clone(), &work, "admin@pbs", "alice@pbs");
    typed_replies(&remote);
}

/// The same suite over a datastore in a real Garage bucket (through its cache directory), and
/// the bucket seen by a second cache afterwards.
#[test]
fn repository_conformance_s3() {
    let Some(store) = s3_store("conformance") else {
        return;
    };
    assert!(
        store.location().starts_with("s3://"),
        "{}",
        store.location()
    );
    let dir = tempfile::tempdir().unwrap();
    let repo: Arc<dyn Repository> = Arc::new(store);
    let work = dir.path().join("s3-work");
    std::fs::create_dir_all(&work).unwrap();
    conformance(repo.clone(), &work, "root@pam", "alice@pbs");
    // The cache lost (a second host): rebuilt from the bucket, it holds what the suite left,
    // an empty datastore.
    drop(repo);
    let location = s3_store_location("conformance");
    let config = pbsh::repo::backend::s3::S3Config::from_env(
        &std::env::var("S3_BUCKET").unwrap(),
        "conformance",
    );
    std::fs::remove_dir_all(pbsh::repo::location::cache_dir(&config)).unwrap();
    let second = location.open(false).unwrap();
    assert!(second
        .list_namespaces(&Namespace::root())
        .unwrap()
        .is_empty());
    assert!(second.list_groups(&Namespace::root()).unwrap().is_empty());
}

/// The remote client's typed calls (`pbsh::protocol` replies) against `pbsh serve`: version,
/// datastores, namespaces, status, garbage collection and the task list, status and log
/// (after the conformance suite, which leaves the datastore empty and never ran a GC).
fn typed_replies(r: &pbsh::repo::remote::RemoteRepository) {
    use serde_json::json;
    use std::time::{Duration, Instant};
    let v = r.version().unwrap();
    assert_eq!((v.version.as_str(), v.release.as_str()), ("3.2", "4"));
    assert!(v.repoid.starts_with("pbsh-"), "{v:?}");
    assert_eq!(r.list_stores().unwrap(), vec!["store1".to_string()]);

    let ns = Namespace::parse("dev").unwrap();
    r.create_namespace(&ns).unwrap();
    assert_eq!(r.list_namespaces(&Namespace::root()).unwrap(), vec![ns]);
    assert!(r.list_groups(&Namespace::root()).unwrap().is_empty());

    let status = r.datastore_status(false).unwrap();
    assert!(status.total > 0 && status.counts.is_none() && status.gc_status.is_none());
    let gc = r.gc_status().unwrap();
    assert_eq!(gc.store, "store1");
    assert_eq!(gc.last_run_state, None);

    let upid = r
        .store_call(http::Method::POST, "gc", None)
        .unwrap()
        .as_str()
        .unwrap()
        .to_string();
    let deadline = Instant::now() + Duration::from_secs(60);
    let end = loop {
        let s = r.task_status(&upid).unwrap();
        assert_eq!(
            (s.upid.as_str(), s.worker_type.as_str()),
            (upid.as_str(), "garbage_collection")
        );
        if !s.is_running() {
            break s;
        }
        assert!(Instant::now() < deadline, "gc did not finish");
        std::thread::sleep(Duration::from_millis(100));
    };
    assert_eq!(end.status, "stopped");
    assert_eq!(end.exitstatus.as_deref(), Some("OK"));
    assert_eq!(end.user, "admin@pbs");
    assert_eq!(end.tokenid, None);

    let log = r.task_log(&upid, 1, 0).unwrap();
    assert_eq!(log[0].n, 1);
    assert!(log[0].t.contains("starting garbage collection"), "{log:?}");
    assert!(log.windows(2).all(|w| w[1].n == w[0].n + 1));

    let tasks = r.list_tasks(json!({"store": "store1"})).unwrap();
    let item = tasks.iter().find(|t| t.upid == upid).unwrap();
    assert_eq!(item.worker_type, "garbage_collection");
    assert_eq!(item.worker_id.as_deref(), Some("store1"));
    assert_eq!(item.status.as_deref(), Some("OK"));
    assert!(item.endtime.is_some_and(|e| e >= item.starttime));

    let gc = r.gc_status().unwrap();
    assert_eq!(gc.status.upid.as_deref(), Some(upid.as_str()));
    assert_eq!(gc.last_run_state.as_deref(), Some("ok"));
    assert_eq!(gc.status.index_file_count, Some(0));
    let status = r.datastore_status(true).unwrap();
    assert_eq!(status.gc_status, Some(gc.status));
    assert_eq!(status.counts, Some(Default::default()));

    // A call whose reply is not of the type asked for names the call.
    let e = r
        .get::<Vec<pbsh::protocol::TaskLogLine>>("/api2/json/version", None)
        .unwrap_err();
    assert!(
        e.to_string()
            .starts_with("protocol: unexpected reply to GET /api2/json/version: "),
        "{e}"
    );
}
