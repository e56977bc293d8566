//! Crash safety: a backup killed with SIGKILL at each commit-path failpoint, and at seeded random
//! moments, leaves no half snapshot; the store verifies clean and the next backup succeeds.
#![allow(clippy::disallowed_macros)] // tests print freely

mod checker;
mod common;
mod serve_common;

use std::os::unix::process::ExitStatusExt;
use std::path::Path;
use std::process::Command;

fn write_source(root: &Path, megabytes: usize) {
    std::fs::create_dir_all(root.join("sub")).unwrap();
    let mut state = 99u64;
    for i in 0..megabytes {
        let data = common::pseudo_random(1024 * 1024, &mut state);
        std::fs::write(root.join("sub").join(format!("f{i}")), data).unwrap();
    }
    std::fs::write(root.join("small.txt"), b"hello\n").unwrap();
}

fn pbsh(store: &Path, home: &Path, args: &[&str], failpoints: Option<&str>) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_pbsh"));
    cmd.arg("--repository")
        .arg(store)
        .args(args)
        .env("HOME", home)
        .env("XDG_CONFIG_HOME", home.join("config"))
        .env_remove("PBS_REPOSITORY");
    match failpoints {
        Some(f) => cmd.env("PBSH_FAILPOINTS", f),
        None => cmd.env_remove("PBSH_FAILPOINTS"),
    };
    cmd
}

fn backup_args(src: &Path, time: i64) -> Vec<String> {
    vec![
        "backup".into(),
        format!("root.pxar:{}", src.display()),
        "--backup-id".into(),
        "crash".into(),
        "--backup-time".into(),
        time.to_string(),
    ]
}

/// Snapshots listed, all of which must be complete and verify; hidden leftovers are allowed.
fn check_store(store: &Path, home: &Path) -> Vec<String> {
    let out = pbsh(
        store,
        home,
        &["snapshot", "list", "--output-format", "json"],
        None,
    )
    .output()
    .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let list: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    if let Err(errors) = checker::check_datastore(store) {
        panic!("independent checker after crash: {errors:#?}");
    }
    let out = pbsh(store, home, &["verify"], None).output().unwrap();
    assert!(
        out.status.success(),
        "verify after crash: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    list.as_array()
        .unwrap()
        .iter()
        .map(|s| s["backup-time"].to_string())
        .collect()
}

fn restore_and_compare(store: &Path, home: &Path, src: &Path, target: &Path) {
    let out = pbsh(
        store,
        home,
        &[
            "restore",
            "host/crash",
            "root.pxar",
            target.to_str().unwrap(),
        ],
        None,
    )
    .output()
    .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    common::assert_same_tree(src, target);
}

#[test]
fn kill_at_each_commit_point_leaves_no_half_snapshot() {
    if !cfg!(feature = "failpoints") {
        eprintln!("notice: built without the `failpoints` feature; run `cargo test --features failpoints`");
        return;
    }
    let points = [
        ("store.chunk.after_temp_write", false),
        ("store.chunk.after_rename", false),
        ("backup.before_index", false),
        ("backup.after_index", false),
        ("backup.before_manifest", false),
        ("backup.after_manifest", false),
        ("backup.after_publish", true),
    ];
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("src");
    write_source(&src, 6);
    for (i, (point, published)) in points.iter().enumerate() {
        let store = dir.path().join(format!("store{i}"));
        let first = backup_args(&src, 1_800_000_000);
        let args: Vec<&str> = first.iter().map(String::as_str).collect();
        assert!(pbsh(&store, dir.path(), &args, None)
            .stdout(std::process::Stdio::null())
            .status()
            .unwrap()
            .success());
        let crashed = backup_args(&src, 1_800_000_100);
        let args: Vec<&str> = crashed.iter().map(String::as_str).collect();
        let status = pbsh(&store, dir.path(), &args, Some(&format!("{point}=kill@1")))
            .stdout(std::process::Stdio::null())
            .status()
            .unwrap();
        let mut crashed_time = 1_800_000_100i64;
        // Chunk failpoints fire only for new chunks: this backup is unchanged, so give it one.
        if status.success() && point.starts_with("store.") {
            std::fs::write(src.join("small.txt"), format!("changed {i}\n")).unwrap();
            crashed_time = 1_800_000_200;
            let again = backup_args(&src, crashed_time);
            let args: Vec<&str> = again.iter().map(String::as_str).collect();
            let status = pbsh(&store, dir.path(), &args, Some(&format!("{point}=kill@1")))
                .stdout(std::process::Stdio::null())
                .status()
                .unwrap();
            assert_eq!(status.signal(), Some(9), "{point}: killed");
        } else {
            assert_eq!(status.signal(), Some(9), "{point}: killed");
        }
        let listed = check_store(&store, dir.path());
        assert!(
            listed.contains(&"1800000000".to_string()),
            "{point}: the earlier snapshot survives"
        );
        assert_eq!(
            listed.contains(&crashed_time.to_string()),
            *published,
            "{point}: listed {listed:?}"
        );
        // The next backup of the same group succeeds and restores identically.
        let next = backup_args(&src, 1_800_000_300);
        let args: Vec<&str> = next.iter().map(String::as_str).collect();
        let out = pbsh(&store, dir.path(), &args, None).output().unwrap();
        assert!(
            out.status.success(),
            "{point}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        restore_and_compare(
            &store,
            dir.path(),
            &src,
            &dir.path().join(format!("restored{i}")),
        );
    }
}

#[test]
fn kill_at_random_moments_leaves_a_consistent_store() {
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("src");
    write_source(&src, 40);
    let store = dir.path().join("store");
    // Measure one full backup to spread the kills over its duration.
    let started = std::time::Instant::now();
    let warm = backup_args(&src, 1_800_000_000);
    let args: Vec<&str> = warm.iter().map(String::as_str).collect();
    assert!(pbsh(&store, dir.path(), &args, None)
        .stdout(std::process::Stdio::null())
        .status()
        .unwrap()
        .success());
    let full_ms = started.elapsed().as_millis().max(50) as u64;
    let mut seed = 0x5eed_u64;
    for round in 0..10u64 {
        // A fresh store each time, so every kill interrupts real chunk writes.
        let store = dir.path().join(format!("store-r{round}"));
        seed = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        let delay = (seed >> 33) % full_ms;
        let args_owned = backup_args(&src, 1_800_000_000);
        let args: Vec<&str> = args_owned.iter().map(String::as_str).collect();
        let mut child = pbsh(&store, dir.path(), &args, None)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(std::time::Duration::from_millis(delay));
        let _ = child.kill();
        let _ = child.wait();
        check_store(&store, dir.path());
        let next = backup_args(&src, 1_800_000_100);
        let args: Vec<&str> = next.iter().map(String::as_str).collect();
        let out = pbsh(&store, dir.path(), &args, None).output().unwrap();
        assert!(
            out.status.success(),
            "round {round} (kill after {delay} ms): {}",
            String::from_utf8_lossy(&out.stderr)
        );
        if round % 5 == 0 {
            let restored = dir.path().join(format!("restored-r{round}"));
            restore_and_compare(&store, dir.path(), &src, &restored);
            std::fs::remove_dir_all(&restored).unwrap();
        }
        // Each round's store is checked; dropping it keeps the test's disk use to one store.
        std::fs::remove_dir_all(&store).unwrap();
    }
}

// ---------------------------------------------------------------------------------------------
// The fault matrix (issue 18 item 3): kill -9 at seeded points of backup, prune, gc and verify;
// EIO at each write point; ENOSPC on a small tmpfs; a bit flip in a chunk, an index, a manifest
// and a key file; for the local datastore and for `pbsh serve` (killed and restarted). After
// each: no half snapshot listed, no chunk of a finished snapshot lost (the independent checker
// and a full verify), a one-line error naming the object, and the next run succeeds.
// `PBSH_FAULT_SEEDS` raises the number of seeds (scripts/soak.sh).

/// Seeds to run: `PBSH_FAULT_SEEDS` or the CI default.
fn fault_seeds(ci: u64) -> u64 {
    std::env::var("PBSH_FAULT_SEEDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(ci)
}

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        self.0 >> 33
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
}

/// Sets the atime and mtime of every chunk file `seconds` into the past (reliability.md H7).
fn copy_dir(from: &Path, to: &Path) {
    let status = Command::new("cp")
        .arg("-a")
        .arg(from)
        .arg(to)
        .status()
        .unwrap();
    assert!(status.success());
}

/// The non-empty lines of stderr.
fn error_lines(out: &std::process::Output) -> Vec<String> {
    String::from_utf8_lossy(&out.stderr)
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(str::to_string)
        .collect()
}

/// A failure reported on exactly one line (`pbsh: …`) that names one of `objects`; any other
/// stderr line is progress information (`Starting backup: …`), never a second error.
#[track_caller]
fn assert_one_line_naming(out: &std::process::Output, objects: &[&str], what: &str) {
    assert!(!out.status.success(), "{what}: succeeded");
    let all = error_lines(out);
    assert!(
        all.iter()
            .all(|l| l.starts_with("pbsh: ") || !l.to_lowercase().contains("error")),
        "{what}: {all:#?}"
    );
    let lines: Vec<String> = all
        .into_iter()
        .filter(|l| l.starts_with("pbsh: "))
        .collect();
    assert_eq!(lines.len(), 1, "{what}: not one line: {lines:#?}");
    assert!(
        objects.iter().any(|o| lines[0].contains(o)),
        "{what}: {:?} names none of {objects:?}",
        lines[0]
    );
}

/// What a store holds after a fault: the snapshots listed (backup times), each complete (the
/// listing agrees with the independent checker's finished snapshots), no chunk a finished
/// snapshot references missing or corrupt (checker + full verify).
fn check_after_fault(store: &Path, home: &Path, what: &str) -> Vec<i64> {
    let out = pbsh(
        store,
        home,
        &["snapshot", "list", "--output-format", "json"],
        None,
    )
    .output()
    .unwrap();
    assert!(
        out.status.success(),
        "{what}: list: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let list: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let listed: Vec<i64> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["backup-time"].as_i64().unwrap())
        .collect();
    let report = checker::check_datastore(store)
        .unwrap_or_else(|errors| panic!("{what}: independent checker: {errors:#?}"));
    assert_eq!(
        report.snapshots,
        listed.len(),
        "{what}: listed {listed:?} but the checker finds {} finished snapshots",
        report.snapshots
    );
    let out = pbsh(store, home, &["verify"], None).output().unwrap();
    assert!(
        out.status.success(),
        "{what}: verify: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    listed
}

const BASE_TIMES: [i64; 4] = [1_800_000_000, 1_800_000_100, 1_800_000_200, 1_800_000_300];

/// A store with four snapshots of host/crash (each with some new data) and the garbage of a
/// forgotten group, so that prune, gc and verify all have work.
fn base_store(dir: &Path, src: &Path) -> std::path::PathBuf {
    let store = dir.join("base-store");
    let other = dir.join("other");
    write_source(&other, 2);
    std::fs::write(other.join("small.txt"), b"other\n").unwrap();
    let run = |args: &[&str]| {
        let out = pbsh(&store, dir, args, None).output().unwrap();
        assert!(
            out.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    run(&[
        "backup",
        &format!("root.pxar:{}", other.display()),
        "--backup-id",
        "gone",
        "--backup-time",
        "1799999000",
    ]);
    run(&["forget", "host/gone"]);
    let mut state = 4242u64;
    for (i, t) in BASE_TIMES.iter().enumerate() {
        std::fs::write(
            src.join(format!("new{i}")),
            common::pseudo_random(300_000, &mut state),
        )
        .unwrap();
        let a = backup_args(src, *t);
        run(&a.iter().map(String::as_str).collect::<Vec<_>>());
    }
    store
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum Op {
    Backup,
    Prune,
    Gc,
    Verify,
}

impl Op {
    fn args(self, src: &Path, time: i64) -> Vec<String> {
        match self {
            Op::Backup => backup_args(src, time),
            Op::Prune => ["prune", "host/crash", "--keep-last", "1"]
                .map(String::from)
                .to_vec(),
            Op::Gc => vec!["gc".into()],
            Op::Verify => vec!["verify".into()],
        }
    }
}

/// A seeded fault: the operation and its failpoint (`None`: a kill after a seeded delay).
fn seeded_fault(rng: &mut Rng, seed: u64) -> (Op, Option<String>) {
    let op = [Op::Backup, Op::Prune, Op::Gc, Op::Verify][(seed % 4) as usize];
    let points: &[(&str, u64)] = match op {
        Op::Backup => &[
            ("store.chunk.after_temp_write", 3),
            ("store.chunk.after_rename", 3),
            ("backup.before_index", 1),
            ("backup.after_index", 1),
            ("file.after_temp_write", 3),
            ("backup.before_manifest", 1),
            ("backup.after_manifest", 1),
            ("backup.after_publish", 1),
            ("", 0),
        ],
        Op::Prune => &[("forget.after_rename", 3), ("", 0)],
        Op::Gc => &[
            ("gc.sweep.unlink", 6),
            ("gc.step", 40),
            ("file.after_temp_write", 1),
            ("", 0),
        ],
        Op::Verify => &[
            ("verify.chunk", 12),
            ("verify.before_state", 4),
            ("file.after_temp_write", 4),
            ("", 0),
        ],
    };
    let (name, max) = points[rng.below(points.len() as u64) as usize];
    if name.is_empty() {
        (op, None)
    } else {
        (op, Some(format!("{name}=kill@{}", 1 + rng.below(max))))
    }
}

#[test]
fn fault_matrix_local_kill_at_seeded_points_of_backup_prune_gc_verify() {
    if !cfg!(feature = "failpoints") {
        eprintln!("notice: built without the `failpoints` feature; run `cargo test --features failpoints`");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path();
    let src = home.join("src");
    write_source(&src, 3);
    let base = base_store(home, &src);
    let seeds = fault_seeds(20);
    let mut killed = 0;
    for seed in 0..seeds {
        let mut rng = Rng(0xfa17 + seed);
        let (op, fault) = seeded_fault(&mut rng, seed);
        let what = format!("seed {seed}: {op:?} {fault:?}");
        let store = home.join(format!("store-{seed}"));
        copy_dir(&base, &store);
        common::age_chunks(&store, 2 * 86_400);
        std::fs::write(
            src.join("changing"),
            common::pseudo_random(400_000, &mut (seed + 1)),
        )
        .unwrap();
        let new_time = 1_800_001_000;
        let args_owned = op.args(&src, new_time);
        let args: Vec<&str> = args_owned.iter().map(String::as_str).collect();
        let status = match &fault {
            Some(f) => pbsh(&store, home, &args, Some(f))
                .stdout(std::process::Stdio::null())
                .stderr(std::process::Stdio::null())
                .status()
                .unwrap(),
            None => {
                let mut child = pbsh(&store, home, &args, None)
                    .stdout(std::process::Stdio::null())
                    .stderr(std::process::Stdio::null())
                    .spawn()
                    .unwrap();
                std::thread::sleep(std::time::Duration::from_millis(rng.below(400)));
                let _ = child.kill();
                child.wait().unwrap()
            }
        };
        if status.signal() == Some(9) {
            killed += 1;
        } else {
            assert!(status.success(), "{what}: {status:?}");
        }
        eprintln!("{what}: {status:?}");
        let listed = check_after_fault(&store, home, &what);
        match op {
            Op::Backup => {
                for t in BASE_TIMES {
                    assert!(listed.contains(&t), "{what}: {t} lost: {listed:?}");
                }
            }
            Op::Prune => {
                assert!(listed.contains(&BASE_TIMES[3]), "{what}: newest pruned");
                assert!(
                    !listed.is_empty() && listed.len() <= 4,
                    "{what}: {listed:?}"
                );
            }
            Op::Gc | Op::Verify => assert_eq!(listed, BASE_TIMES.to_vec(), "{what}"),
        }
        // The same operation runs to its end, then a backup; the store is still whole.
        let args_owned = op.args(&src, new_time + 1);
        let args: Vec<&str> = args_owned.iter().map(String::as_str).collect();
        let out = pbsh(&store, home, &args, None).output().unwrap();
        assert!(
            out.status.success(),
            "{what}: rerun: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        if op == Op::Prune {
            assert_eq!(check_after_fault(&store, home, &what), vec![BASE_TIMES[3]]);
        }
        let next = backup_args(&src, new_time + 2);
        let args: Vec<&str> = next.iter().map(String::as_str).collect();
        let out = pbsh(&store, home, &args, None).output().unwrap();
        assert!(
            out.status.success(),
            "{what}: next backup: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        check_after_fault(&store, home, &what);
        if seed % 5 == 0 {
            restore_and_compare(&store, home, &src, &home.join(format!("restored-{seed}")));
        }
        std::fs::remove_dir_all(&store).unwrap();
    }
    eprintln!("{killed} of {seeds} runs killed");
    assert!(
        killed * 2 >= seeds,
        "only {killed} of {seeds} runs were killed"
    );
}

#[test]
fn fault_matrix_local_eio_at_each_write_point_is_one_line_naming_the_object() {
    if !cfg!(feature = "failpoints") {
        eprintln!("notice: built without the `failpoints` feature; run `cargo test --features failpoints`");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path();
    let src = home.join("src");
    write_source(&src, 2);
    let base = base_store(home, &src);
    // (operation, failpoint, names the failing object)
    let points: &[(Op, &str, &[&str])] = &[
        (Op::Backup, "store.chunk.after_temp_write", &[".chunks/"]),
        (Op::Backup, "store.chunk.after_rename", &[".chunks/"]),
        (Op::Backup, "backup.before_index", &["host/crash"]),
        (Op::Backup, "backup.after_index", &["host/crash"]),
        (
            Op::Backup,
            "file.after_temp_write",
            &["root.pxar.didx", "catalog"],
        ),
        (Op::Backup, "backup.before_manifest", &["index.json.blob"]),
        (Op::Backup, "backup.after_manifest", &["index.json.blob"]),
        (
            Op::Prune,
            "forget.after_rename",
            &["host/crash", ".deleting-"],
        ),
        (Op::Gc, "gc.sweep.unlink", &[".chunks/"]),
        (Op::Gc, "file.after_temp_write", &[".gc-status"]),
        (Op::Verify, "verify.before_state", &["host/crash"]),
        (Op::Verify, "file.after_temp_write", &["index.json.blob"]),
    ];
    for (i, (op, point, objects)) in points.iter().enumerate() {
        let what = format!("{op:?} {point}=eio@1");
        let store = home.join(format!("store-eio-{i}"));
        copy_dir(&base, &store);
        common::age_chunks(&store, 2 * 86_400);
        std::fs::write(src.join("changing"), format!("eio {i}\n")).unwrap();
        let args_owned = op.args(&src, 1_800_001_000);
        let args: Vec<&str> = args_owned.iter().map(String::as_str).collect();
        let out = pbsh(&store, home, &args, Some(&format!("{point}=eio@1")))
            .output()
            .unwrap();
        eprintln!("{what}: {}", String::from_utf8_lossy(&out.stderr).trim());
        assert_one_line_naming(&out, objects, &what);
        assert!(
            error_lines(&out)
                .last()
                .unwrap()
                .contains("Input/output error"),
            "{what}: the cause is not named: {:?}",
            error_lines(&out)
        );
        let listed = check_after_fault(&store, home, &what);
        if *op == Op::Backup {
            assert!(
                !listed.contains(&1_800_001_000),
                "{what}: failed backup listed"
            );
        }
        let out = pbsh(&store, home, &args, None).output().unwrap();
        assert!(
            out.status.success(),
            "{what}: rerun: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        check_after_fault(&store, home, &what);
        std::fs::remove_dir_all(&store).unwrap();
    }
}

/// The first chunk digest (hex) of a dynamic index file (SPEC: formats.md §4: 4096-byte header,
/// then 40-byte entries of end offset and digest).
fn first_chunk_of(didx: &Path) -> String {
    let raw = std::fs::read(didx).unwrap();
    hex_of(&raw[4096 + 8..4096 + 40])
}

fn hex_of(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn flip_bit(path: &Path, offset: usize) {
    let mut raw = std::fs::read(path).unwrap();
    let at = offset.min(raw.len() - 1);
    raw[at] ^= 0x10;
    std::fs::write(path, raw).unwrap();
}

fn snapshot_dir(store: &Path, time: i64) -> std::path::PathBuf {
    store
        .join("host/crash")
        .join(checker::format_backup_time(time))
}

fn chunk_path(store: &Path, digest: &str) -> std::path::PathBuf {
    store.join(".chunks").join(&digest[..4]).join(digest)
}

#[test]
fn fault_matrix_local_bit_flips_in_chunk_index_manifest_and_key_are_named() {
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path();
    let src = home.join("src");
    write_source(&src, 2);
    let store = home.join("store");
    let run = |args: &[&str]| pbsh(&store, home, args, None).output().unwrap();
    let backup = |t: i64| {
        let a = backup_args(&src, t);
        run(&a.iter().map(String::as_str).collect::<Vec<_>>())
    };
    let t = |i: i64| 1_800_000_000 + 100 * i;
    assert!(backup(t(0)).status.success());

    // A chunk: verify and restore name it; the next backup stores it again and all verifies.
    let digest = first_chunk_of(&snapshot_dir(&store, t(0)).join("root.pxar.didx"));
    flip_bit(&chunk_path(&store, &digest), 100);
    let out = run(&["verify"]);
    eprintln!(
        "chunk flip, verify: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(!out.status.success());
    let all = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        all.contains(&digest),
        "verify does not name chunk {digest}: {all}"
    );
    let target = home.join("restored-bad");
    let out = run(&[
        "restore",
        "host/crash/2027-01-15T08:00:00Z",
        "root.pxar",
        target.to_str().unwrap(),
    ]);
    eprintln!(
        "chunk flip, restore: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_one_line_naming(&out, &[&digest], "restore of a flipped chunk");
    assert!(
        backup(t(1)).status.success(),
        "backup after a flipped chunk"
    );
    assert!(
        chunk_path(&store, &digest).exists(),
        "the chunk was stored again"
    );
    check_after_fault(&store, home, "after the chunk was healed");

    // An index: verify and restore name the index file; the next backup succeeds.
    let didx = snapshot_dir(&store, t(1)).join("root.pxar.didx");
    flip_bit(&didx, 4096 + 20);
    let out = run(&[
        "restore",
        "host/crash/2027-01-15T08:01:40Z",
        "root.pxar",
        home.join("restored-idx").to_str().unwrap(),
    ]);
    eprintln!(
        "index flip, restore: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_one_line_naming(&out, &["root.pxar.didx"], "restore of a flipped index");
    let out = run(&["verify", "host/crash/2027-01-15T08:01:40Z"]);
    assert!(!out.status.success(), "verify passes a flipped index");
    let out_b = backup(t(2));
    assert!(
        out_b.status.success(),
        "backup after a flipped index: {}",
        String::from_utf8_lossy(&out_b.stderr)
    );
    flip_bit(&didx, 4096 + 20); // repaired: the store is whole again
    check_after_fault(&store, home, "after the index was repaired");

    // A manifest: the snapshot cannot be restored (named), the others still list and restore,
    // and the next backup succeeds.
    let manifest = snapshot_dir(&store, t(2)).join("index.json.blob");
    flip_bit(&manifest, 40);
    let out = run(&[
        "restore",
        "host/crash/2027-01-15T08:03:20Z",
        "root.pxar",
        home.join("restored-man").to_str().unwrap(),
    ]);
    eprintln!(
        "manifest flip, restore: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_one_line_naming(
        &out,
        &["index.json.blob", "manifest"],
        "restore of a flipped manifest",
    );
    let out = run(&["snapshot", "list", "--output-format", "json"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let listed: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(listed.as_array().unwrap().len() >= 2, "{listed}");
    let out_b = backup(t(3));
    assert!(
        out_b.status.success(),
        "backup after a flipped manifest: {}",
        String::from_utf8_lossy(&out_b.stderr)
    );
    restore_and_compare(&store, home, &src, &home.join("restored-after"));
    flip_bit(&manifest, 40);
    check_after_fault(&store, home, "after the manifest was repaired");

    // A key file: refused in one line naming the key file; the good key works.
    let key = home.join("key.json");
    let out = run(&["key", "create", "--kdf", "none", key.to_str().unwrap()]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let good = std::fs::read(&key).unwrap();
    let text = String::from_utf8(good.clone()).unwrap();
    // Flip a bit inside the base64 key data ("data": "…").
    let at = text.find("\"data\"").unwrap() + 12;
    flip_bit(&key, at);
    let mut a = backup_args(&src, t(4));
    a.extend(["--keyfile".to_string(), key.to_str().unwrap().to_string()]);
    let out = run(&a.iter().map(String::as_str).collect::<Vec<_>>());
    eprintln!("key flip, backup: {}", String::from_utf8_lossy(&out.stderr));
    assert_one_line_naming(&out, &["key.json"], "backup with a flipped key file");
    check_after_fault(&store, home, "after the flipped key");
    std::fs::write(&key, good).unwrap();
    let out = run(&a.iter().map(String::as_str).collect::<Vec<_>>());
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    check_after_fault(&store, home, "after the good key");
}

#[test]
fn fault_matrix_local_enospc_on_a_full_datastore() {
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path();
    let mnt = home.join("small");
    if !common::mount_tmpfs(&mnt, "8m") {
        return;
    }
    let _unmount = common::Unmount(mnt.clone());
    let store = mnt.join("store");
    let src = home.join("src");
    write_source(&src, 2);
    let a = backup_args(&src, 1_800_000_000);
    let out = pbsh(
        &store,
        home,
        &a.iter().map(String::as_str).collect::<Vec<_>>(),
        None,
    )
    .output()
    .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // 12 MiB more of incompressible data does not fit.
    let mut state = 77u64;
    for i in 0..12 {
        std::fs::write(
            src.join(format!("big{i}")),
            common::pseudo_random(1 << 20, &mut state),
        )
        .unwrap();
    }
    let a = backup_args(&src, 1_800_000_100);
    let out = pbsh(
        &store,
        home,
        &a.iter().map(String::as_str).collect::<Vec<_>>(),
        None,
    )
    .output()
    .unwrap();
    eprintln!("enospc: {}", String::from_utf8_lossy(&out.stderr));
    assert_one_line_naming(
        &out,
        &[".chunks/", "host/crash"],
        "backup into a full store",
    );
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("No space left on device"),
        "the cause is not named"
    );
    let listed = check_after_fault(&store, home, "enospc");
    assert_eq!(listed, vec![1_800_000_000]);
    // Space comes back once gc removes what the failed backup left (aged past the grace).
    for i in 0..12 {
        std::fs::remove_file(src.join(format!("big{i}"))).unwrap();
    }
    common::age_chunks(&store, 2 * 86_400);
    let out = pbsh(&store, home, &["gc"], None).output().unwrap();
    assert!(
        out.status.success(),
        "gc: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    std::fs::write(src.join("small.txt"), b"after the disk was full\n").unwrap();
    let a = backup_args(&src, 1_800_000_200);
    let out = pbsh(
        &store,
        home,
        &a.iter().map(String::as_str).collect::<Vec<_>>(),
        None,
    )
    .output()
    .unwrap();
    assert!(
        out.status.success(),
        "next backup: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        check_after_fault(&store, home, "after gc"),
        vec![1_800_000_000, 1_800_000_200]
    );
    restore_and_compare(&store, home, &src, &home.join("restored"));
}

// --- The same faults through `pbsh serve` -----------------------------------------------------

const SERVE_PASSWORD: &str = "s3cret-pass";

/// A `pbsh serve` on 127.0.0.1 over `dir/ds` with users from `dir/cfg`; killed on drop.
struct Serve {
    child: std::process::Child,
    port: u16,
    fingerprint: String,
}

impl Drop for Serve {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn serve_users(dir: &Path) {
    let cfg = dir.join("cfg");
    let out = Command::new(env!("CARGO_BIN_EXE_pbsh"))
        .args([
            "serve",
            "user",
            "add",
            "admin@pbs",
            "--admin",
            "--config-dir",
        ])
        .arg(&cfg)
        .env("PBS_PASSWORD", SERVE_PASSWORD)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn serve_start(dir: &Path, failpoints: Option<&str>) -> Serve {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_pbsh"));
    cmd.arg("serve")
        .arg("--datastore")
        .arg(format!("store1={}", dir.join("ds").display()))
        .args(["--listen", "127.0.0.1:0", "--config-dir"])
        .arg(dir.join("cfg"))
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null());
    match failpoints {
        Some(f) => cmd.env("PBSH_FAILPOINTS", f),
        None => cmd.env_remove("PBSH_FAILPOINTS"),
    };
    let mut child = cmd.spawn().unwrap();
    let (port, fingerprint) = serve_common::wait_listening(&mut child);
    Serve {
        child,
        port,
        fingerprint,
    }
}

/// pbsh as a client of `server` (user admin@pbs), with its own failpoints.
fn remote(server: &Serve, home: &Path, args: &[&str], failpoints: Option<&str>) -> Command {
    let repo = format!("admin@pbs@127.0.0.1:{}:store1", server.port);
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_pbsh"));
    cmd.args(["--repository", &repo, "--fingerprint", &server.fingerprint])
        .args(args)
        .env("HOME", home)
        .env("XDG_CONFIG_HOME", home.join("config"))
        .env("XDG_DATA_HOME", home.join("data"))
        .env("XDG_RUNTIME_DIR", home.join("run"))
        .env("PBS_PASSWORD", SERVE_PASSWORD)
        .env_remove("PBS_REPOSITORY");
    match failpoints {
        Some(f) => cmd.env("PBSH_FAILPOINTS", f),
        None => cmd.env_remove("PBSH_FAILPOINTS"),
    };
    cmd
}

/// As `check_after_fault`, through the server: its listing agrees with the checker's finished
/// snapshots of `ds`, and a full verify (a server task) passes.
fn check_served(server: &Serve, ds: &Path, home: &Path, what: &str) -> Vec<i64> {
    let out = remote(
        server,
        home,
        &["snapshot", "list", "--output-format", "json"],
        None,
    )
    .output()
    .unwrap();
    assert!(
        out.status.success(),
        "{what}: list: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let list: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let mut listed: Vec<i64> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["backup-time"].as_i64().unwrap())
        .collect();
    listed.sort();
    let report = checker::check_datastore(ds)
        .unwrap_or_else(|errors| panic!("{what}: independent checker: {errors:#?}"));
    assert_eq!(report.snapshots, listed.len(), "{what}: listed {listed:?}");
    let out = remote(server, home, &["verify"], None).output().unwrap();
    assert!(
        out.status.success(),
        "{what}: verify: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    listed
}

/// As `base_store`, made through a server: `dir/base` holds the server's users (`cfg`) and
/// datastore (`ds`) with four snapshots of host/crash and a forgotten group's garbage.
fn served_base(dir: &Path, src: &Path, home: &Path) -> std::path::PathBuf {
    let base = dir.join("base");
    serve_users(&base);
    let server = serve_start(&base, None);
    let run = |args: &[&str]| {
        let out = remote(&server, home, args, None).output().unwrap();
        assert!(
            out.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    let other = dir.join("other");
    write_source(&other, 2);
    std::fs::write(other.join("small.txt"), b"other\n").unwrap();
    let spec = format!("root.pxar:{}", other.display());
    run(&[
        "backup",
        &spec,
        "--backup-id",
        "gone",
        "--backup-time",
        "1799999000",
    ]);
    run(&["forget", "host/gone"]);
    let mut state = 4242u64;
    for (i, t) in BASE_TIMES.iter().enumerate() {
        std::fs::write(
            src.join(format!("new{i}")),
            common::pseudo_random(300_000, &mut state),
        )
        .unwrap();
        let a = backup_args(src, *t);
        run(&a.iter().map(String::as_str).collect::<Vec<_>>());
    }
    base
}

#[test]
fn fault_matrix_serve_killed_at_seeded_points_and_restarted() {
    if !cfg!(feature = "failpoints") {
        eprintln!("notice: built without the `failpoints` feature; run `cargo test --features failpoints`");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path().join("client");
    std::fs::create_dir_all(home.join("run")).unwrap();
    let src = dir.path().join("src");
    write_source(&src, 3);
    let base = served_base(dir.path(), &src, &home);
    let seeds = fault_seeds(8);
    let mut server_killed = 0;
    for seed in 0..seeds {
        let mut rng = Rng(0x5e7e + seed);
        let op = [Op::Backup, Op::Prune, Op::Gc, Op::Verify, Op::Backup][(seed % 5) as usize];
        // Server-side failpoints (the server dies there), or the test kills the server (or the
        // client) after a seeded delay of a slowed upload.
        let points: &[(&str, u64)] = match op {
            Op::Backup => &[
                ("store.chunk.after_rename", 3),
                ("file.after_temp_write", 3),
                ("serve.finish.before_publish", 1),
                ("backup.before_manifest", 1),
                ("backup.after_publish", 1),
                ("kill-server", 0),
                ("kill-client", 0),
            ],
            Op::Prune => &[("forget.after_rename", 3)],
            Op::Gc => &[("gc.sweep.unlink", 6), ("gc.step", 40)],
            Op::Verify => &[("verify.chunk", 12), ("verify.before_state", 4)],
        };
        let (point, max) = points[rng.below(points.len() as u64) as usize];
        let fault = (max > 0).then(|| format!("{point}=kill@{}", 1 + rng.below(max)));
        let what = format!("seed {seed}: {op:?} {}", fault.as_deref().unwrap_or(point));
        let sdir = dir.path().join(format!("serve-{seed}"));
        copy_dir(&base, &sdir);
        let ds = sdir.join("ds");
        common::age_chunks(&ds, 2 * 86_400);
        std::fs::write(
            src.join("changing"),
            common::pseudo_random(400_000, &mut (seed + 1)),
        )
        .unwrap();
        let mut server = serve_start(&sdir, fault.as_deref());
        let args_owned = op.args(&src, 1_800_001_000);
        let args: Vec<&str> = args_owned.iter().map(String::as_str).collect();
        let slow = (max == 0).then_some("remote.chunk_upload=sleep@40");
        let mut client = remote(&server, &home, &args, slow)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        if max == 0 {
            std::thread::sleep(std::time::Duration::from_millis(200 + rng.below(1500)));
            if point == "kill-server" {
                let _ = server.child.kill();
            } else {
                let _ = client.kill();
            }
        }
        let out = client.wait_with_output().unwrap();
        let server_status = if point == "kill-client" {
            None
        } else {
            // A hang guard: the server either died at its failpoint or is still serving.
            let mut status = None;
            for _ in 0..100 {
                status = server.child.try_wait().unwrap();
                if status.is_some() || out.status.success() {
                    break;
                }
                std::thread::sleep(std::time::Duration::from_millis(50));
            }
            status
        };
        eprintln!(
            "{what}: client {:?}, server {server_status:?}: {}",
            out.status,
            String::from_utf8_lossy(&out.stderr).trim()
        );
        if let Some(status) = server_status {
            server_killed += 1;
            assert_eq!(status.signal(), Some(9), "{what}");
            // Issue 18: a server lost mid-task once said only "connection lost: connection
            // closed before message completed"; the line now names the operation and object.
            let object = match op {
                Op::Backup => "backup host/crash",
                Op::Prune => "prune host/crash",
                Op::Gc => "gc",
                Op::Verify => "verify datastore",
            };
            assert_one_line_naming(&out, &[object], &what);
        } else if point != "kill-client" {
            assert!(
                out.status.success(),
                "{what}: {}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
        // Restarted, the server lists no half snapshot and loses no chunk.
        drop(server);
        let server = serve_start(&sdir, None);
        let listed = check_served(&server, &ds, &home, &what);
        match op {
            Op::Backup => {
                for t in BASE_TIMES {
                    assert!(listed.contains(&t), "{what}: {t} lost: {listed:?}");
                }
            }
            Op::Prune => assert!(listed.contains(&BASE_TIMES[3]), "{what}: {listed:?}"),
            Op::Gc | Op::Verify => assert_eq!(listed, BASE_TIMES.to_vec(), "{what}"),
        }
        let args_owned = op.args(&src, 1_800_001_001);
        let args: Vec<&str> = args_owned.iter().map(String::as_str).collect();
        let out = remote(&server, &home, &args, None).output().unwrap();
        assert!(
            out.status.success(),
            "{what}: rerun: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let a = backup_args(&src, 1_800_001_002);
        let out = remote(
            &server,
            &home,
            &a.iter().map(String::as_str).collect::<Vec<_>>(),
            None,
        )
        .output()
        .unwrap();
        assert!(
            out.status.success(),
            "{what}: next backup: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        check_served(&server, &ds, &home, &what);
        drop(server);
        std::fs::remove_dir_all(&sdir).unwrap();
    }
    eprintln!("server killed in {server_killed} of {seeds} runs");
    assert!(
        server_killed * 2 >= seeds,
        "only {server_killed} of {seeds} server kills"
    );
}

/// The write faults of the fault matrix inside `pbsh serve`: EIO at each of the server's write
/// points, for backup, prune, gc and verify. The client fails with one line naming the
/// operation; the server keeps serving, lists no half snapshot and loses no chunk; the same
/// operation then succeeds.
#[test]
fn fault_matrix_serve_eio_at_each_server_write_point() {
    if !cfg!(feature = "failpoints") {
        eprintln!("notice: built without the `failpoints` feature; run `cargo test --features failpoints`");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path().join("client");
    std::fs::create_dir_all(home.join("run")).unwrap();
    let src = dir.path().join("src");
    write_source(&src, 2);
    let base = served_base(dir.path(), &src, &home);
    // (operation, the server's failpoint, what the client's line names)
    let points: &[(Op, &str, &str)] = &[
        (
            Op::Backup,
            "store.chunk.after_temp_write=eio@1",
            "backup host/crash",
        ),
        (
            Op::Backup,
            "store.chunk.after_rename=eio@2",
            "backup host/crash",
        ),
        (
            Op::Backup,
            "file.after_temp_write=eio@1",
            "backup host/crash",
        ),
        (
            Op::Backup,
            "file.after_temp_write=eio@2",
            "backup host/crash",
        ),
        (
            Op::Backup,
            "serve.finish.before_publish=eio@1",
            "backup host/crash",
        ),
        (Op::Prune, "forget.after_rename=eio@1", "prune host/crash"),
        (Op::Gc, "gc.sweep.unlink=eio@1", "gc"),
        (Op::Gc, "file.after_temp_write=eio@1", "gc"),
        (Op::Verify, "verify.before_state=eio@1", "verify"),
        (Op::Verify, "file.after_temp_write=eio@1", "verify"),
    ];
    for (i, (op, fault, object)) in points.iter().enumerate() {
        let what = format!("{op:?} {fault}");
        let sdir = dir.path().join(format!("serve-eio-{i}"));
        copy_dir(&base, &sdir);
        let ds = sdir.join("ds");
        common::age_chunks(&ds, 2 * 86_400);
        std::fs::write(
            src.join("changing"),
            common::pseudo_random(400_000, &mut (i as u64 + 1)),
        )
        .unwrap();
        let server = serve_start(&sdir, Some(fault));
        let args_owned = op.args(&src, 1_800_001_000);
        let args: Vec<&str> = args_owned.iter().map(String::as_str).collect();
        let out = remote(&server, &home, &args, None).output().unwrap();
        eprintln!("{what}: {}", String::from_utf8_lossy(&out.stderr).trim());
        assert_one_line_naming(&out, &[object], &what);
        assert!(
            String::from_utf8_lossy(&out.stderr).contains("Input/output error"),
            "{what}: the cause is not named"
        );
        // The same server (its failpoint spent) still serves: nothing half, nothing lost.
        let listed = check_served(&server, &ds, &home, &what);
        assert!(!listed.contains(&1_800_001_000), "{what}: {listed:?}");
        let out = remote(&server, &home, &args, None).output().unwrap();
        assert!(
            out.status.success(),
            "{what}: rerun: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        check_served(&server, &ds, &home, &what);
        drop(server);
        std::fs::remove_dir_all(&sdir).unwrap();
    }
}

/// ENOSPC and bit flips through `pbsh serve`: a datastore on a full disk refuses the backup in
/// one line naming the cause, and takes the next one once gc made room; a flipped chunk, index
/// or manifest is named by the remote restore and verify, and a flipped key file by the client.
#[test]
fn fault_matrix_serve_enospc_and_bit_flips() {
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path().join("client");
    std::fs::create_dir_all(home.join("run")).unwrap();
    let sdir = dir.path().join("serve");
    serve_users(&sdir);
    if !common::mount_tmpfs(&sdir.join("ds"), "12m") {
        return;
    }
    let _unmount = common::Unmount(sdir.join("ds"));
    let ds = sdir.join("ds");
    let server = serve_start(&sdir, None);
    let src = dir.path().join("src");
    write_source(&src, 2);
    let run = |args: &[&str]| remote(&server, &home, args, None).output().unwrap();
    let backup = |t: i64| {
        let a = backup_args(&src, t);
        run(&a.iter().map(String::as_str).collect::<Vec<_>>())
    };
    let t = |i: i64| 1_800_000_000 + 100 * i;
    let out = backup(t(0));
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    // ENOSPC: 16 MiB more of incompressible data does not fit in 12 MiB.
    let mut state = 77u64;
    for i in 0..16 {
        std::fs::write(
            src.join(format!("big{i}")),
            common::pseudo_random(1 << 20, &mut state),
        )
        .unwrap();
    }
    let out = backup(t(1));
    eprintln!(
        "serve enospc: {}",
        String::from_utf8_lossy(&out.stderr).trim()
    );
    assert_one_line_naming(&out, &["backup host/crash"], "backup into a full server");
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("No space left on device"),
        "the cause is not named"
    );
    assert_eq!(check_served(&server, &ds, &home, "enospc"), vec![t(0)]);
    for i in 0..16 {
        std::fs::remove_file(src.join(format!("big{i}"))).unwrap();
    }
    common::age_chunks(&ds, 2 * 86_400);
    let out = run(&["gc"]);
    assert!(
        out.status.success(),
        "gc: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = backup(t(2));
    assert!(
        out.status.success(),
        "next backup: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        check_served(&server, &ds, &home, "after gc"),
        vec![t(0), t(2)]
    );

    // A chunk: the remote restore names it in one line, the server's verify names it.
    let digest = first_chunk_of(&snapshot_dir(&ds, t(2)).join("root.pxar.didx"));
    let chunk = chunk_path(&ds, &digest);
    let good_chunk = std::fs::read(&chunk).unwrap();
    flip_bit(&chunk, 100);
    let restore = |time: i64, target: &str| {
        let snap = format!(
            "host/crash/{}",
            chrono::DateTime::from_timestamp(time, 0)
                .unwrap()
                .format("%Y-%m-%dT%H:%M:%SZ")
        );
        let target = dir.path().join(target);
        run(&["restore", &snap, "root.pxar", target.to_str().unwrap()])
    };
    let out = restore(t(2), "restored-chunk");
    eprintln!(
        "serve chunk flip, restore: {}",
        String::from_utf8_lossy(&out.stderr).trim()
    );
    assert_one_line_naming(&out, &[&digest], "remote restore of a flipped chunk");
    let out = run(&["verify"]);
    let all = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        !out.status.success(),
        "verify passes a flipped chunk: {all}"
    );
    assert!(
        all.contains(&digest),
        "verify does not name {digest}: {all}"
    );
    // Verify moved the bad chunk aside (`.0.bad`, as PBS); the good one comes back.
    std::fs::write(&chunk, good_chunk).unwrap();

    // An index: the remote restore names the index file.
    let didx = snapshot_dir(&ds, t(2)).join("root.pxar.didx");
    flip_bit(&didx, 4096 + 20);
    let out = restore(t(2), "restored-index");
    eprintln!(
        "serve index flip, restore: {}",
        String::from_utf8_lossy(&out.stderr).trim()
    );
    assert_one_line_naming(
        &out,
        &["root.pxar.didx"],
        "remote restore of a flipped index",
    );
    flip_bit(&didx, 4096 + 20);

    // A manifest: named; the other snapshot still restores.
    let manifest = snapshot_dir(&ds, t(2)).join("index.json.blob");
    flip_bit(&manifest, 40);
    let out = restore(t(2), "restored-manifest");
    eprintln!(
        "serve manifest flip, restore: {}",
        String::from_utf8_lossy(&out.stderr).trim()
    );
    assert_one_line_naming(
        &out,
        &["index.json.blob", "manifest"],
        "remote restore of a flipped manifest",
    );
    let out = restore(t(0), "restored-other");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    flip_bit(&manifest, 40);

    // A key file (the client's): refused in one line naming it; the good key works.
    let key = dir.path().join("key.json");
    let out = run(&["key", "create", "--kdf", "none", key.to_str().unwrap()]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let good = std::fs::read(&key).unwrap();
    let text = String::from_utf8(good.clone()).unwrap();
    flip_bit(&key, text.find("\"data\"").unwrap() + 12);
    let mut a = backup_args(&src, t(3));
    a.extend(["--keyfile".to_string(), key.to_str().unwrap().to_string()]);
    let out = run(&a.iter().map(String::as_str).collect::<Vec<_>>());
    assert_one_line_naming(&out, &["key.json"], "remote backup with a flipped key file");
    std::fs::write(&key, good).unwrap();
    let out = run(&a.iter().map(String::as_str).collect::<Vec<_>>());
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        check_served(&server, &ds, &home, "after the flips"),
        vec![t(0), t(2), t(3)]
    );
}

/// Issue 18: a backup killed while it creates a new group leaves no group without an owner (the
/// group appears with its owner file by one rename); the next backup creates it, gc removes the
/// hidden leftover.
#[test]
fn kill_while_creating_a_group_leaves_no_group_without_owner() {
    if !cfg!(feature = "failpoints") {
        eprintln!("notice: built without the `failpoints` feature; run `cargo test --features failpoints`");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("src");
    write_source(&src, 1);
    let store = dir.path().join("store");
    let first = backup_args(&src, 1_800_000_000);
    let args: Vec<&str> = first.iter().map(String::as_str).collect();
    let status = pbsh(
        &store,
        dir.path(),
        &args,
        Some("group.before_rename=kill@1"),
    )
    .stdout(std::process::Stdio::null())
    .stderr(std::process::Stdio::null())
    .status()
    .unwrap();
    assert_eq!(status.signal(), Some(9), "killed");
    assert!(!store.join("host/crash").exists(), "a group without owner");
    let leftovers: Vec<String> = std::fs::read_dir(store.join("host"))
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    assert!(
        leftovers.iter().all(|n| n.starts_with(".tmp-group-")),
        "{leftovers:?}"
    );
    assert_eq!(check_store(&store, dir.path()), Vec::<String>::new());
    let out = pbsh(&store, dir.path(), &args, None).output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        std::fs::read_to_string(store.join("host/crash/owner")).unwrap(),
        format!(
            "{}\n",
            std::env::var("USER")
                .map(|u| format!("{u}@pam"))
                .unwrap_or_else(|_| "root@pam".into())
        )
    );
    let out = pbsh(&store, dir.path(), &["gc"], None).output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let names: Vec<String> = std::fs::read_dir(store.join("host"))
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names, vec!["crash".to_string()], "gc removed the leftover");
}
