//! The fault matrix's real-server rows (issue 18 item 3): pbsh backing up to the real PBS 3.2.4
//! server, killed with SIGKILL at seeded moments of a slowed upload and failed with EIO at a
//! chunk upload; the real server's proxy itself killed with SIGKILL mid-upload and started
//! again; bit flips in a chunk, an index and a manifest on the real store. After each: the
//! listings show no half snapshot as finished, the independent checker finds every chunk of the
//! finished snapshots in the real datastore, the error names the object, and the next backup
//! succeeds.

use crate::peer::{self, ok_json, ClientHome, RealServer};
use crate::{common, wait_for};
use std::os::unix::process::ExitStatusExt;
use std::path::Path;
use std::process::{Command, Output, Stdio};

#[path = "../checker/mod.rs"]
mod checker;

fn fault_seeds(ci: u64) -> u64 {
    std::env::var("PBSH_FAULT_SEEDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .map(|n: u64| n.min(50))
        .unwrap_or(ci)
}

fn beside(real: &RealServer, home: &ClientHome, program: &Path, args: &[&str]) -> Command {
    let mut cmd = real.command(program);
    home.apply(&mut cmd);
    cmd.args(args)
        .env("PBS_REPOSITORY", real.repository())
        .env("PBS_PASSWORD", real.password())
        .env("PBS_FINGERPRINT", real.fingerprint())
        .stdin(Stdio::null());
    cmd
}

/// The backup times of group host/`id` as the real client lists them.
fn real_listing(real: &RealServer, home: &ClientHome, pbs: &Path, id: &str) -> Vec<i64> {
    let v = ok_json(
        beside(
            real,
            home,
            &peer::client_bin(pbs),
            &[
                "snapshot",
                "list",
                &format!("host/{id}"),
                "--output-format",
                "json",
            ],
        )
        .output()
        .unwrap(),
    );
    let mut times: Vec<i64> = v
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["backup-time"].as_i64().unwrap())
        .collect();
    times.sort();
    times
}

/// The backup times of group host/`id` as the real client lists them: those with a size
/// (finished) and those without (unfinished: no manifest).
fn real_split_listing(
    real: &RealServer,
    home: &ClientHome,
    pbs: &Path,
    id: &str,
) -> (Vec<i64>, Vec<i64>) {
    let v = ok_json(
        beside(
            real,
            home,
            &peer::client_bin(pbs),
            &[
                "snapshot",
                "list",
                &format!("host/{id}"),
                "--output-format",
                "json",
            ],
        )
        .output()
        .unwrap(),
    );
    let (mut finished, mut unfinished) = (Vec::new(), Vec::new());
    for s in v.as_array().unwrap() {
        let time = s["backup-time"].as_i64().unwrap();
        if s.get("size").is_some() {
            finished.push(time);
        } else {
            assert_eq!(s["files"], serde_json::json!([]), "{s}");
            unfinished.push(time);
        }
    }
    finished.sort();
    unfinished.sort();
    (finished, unfinished)
}

fn unfinished_dirs(group: &Path) -> Vec<String> {
    std::fs::read_dir(group)
        .map(|d| {
            d.flatten()
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .filter(|n| n != "owner")
                .filter(|n| !Path::new(group).join(n).join("index.json.blob").exists())
                .collect()
        })
        .unwrap_or_default()
}

fn one_error_line(out: &Output) -> Vec<String> {
    String::from_utf8_lossy(&out.stderr)
        .lines()
        .filter(|l| l.starts_with("pbsh: "))
        .map(str::to_string)
        .collect()
}

#[test]
fn real_server_fault_matrix_client_killed_and_eio_leave_no_half_snapshot() {
    if !cfg!(feature = "failpoints") {
        eprintln!("notice: built without the `failpoints` feature; run `cargo test --features failpoints`");
        return;
    }
    let Some(pbs) = peer::pbs_dir() else { return };
    let Some(real) = RealServer::shared() else {
        return;
    };
    let _exclusive = real.exclusive();
    let home = ClientHome::new();
    let work = tempfile::tempdir().unwrap();
    let src = work.path().join("src");
    std::fs::create_dir_all(&src).unwrap();
    let mut state = 0xfa_u64;
    for i in 0..6 {
        std::fs::write(
            src.join(format!("f{i}")),
            common::pseudo_random(1 << 20, &mut state),
        )
        .unwrap();
    }
    let id = "faults-real";
    let spec = format!("root.pxar:{}", src.display());
    let pbsh_bin = Path::new(env!("CARGO_BIN_EXE_pbsh"));
    let backup = |time: i64, failpoints: Option<&str>| {
        let t = time.to_string();
        let mut cmd = beside(
            real,
            &home,
            pbsh_bin,
            &["backup", &spec, "--backup-id", id, "--backup-time", &t],
        );
        if let Some(f) = failpoints {
            cmd.env("PBSH_FAILPOINTS", f);
        }
        cmd
    };
    let group = real.store_dir().join("host").join(id);
    let t0 = 1_795_000_000i64;
    let out = backup(t0, None).output().unwrap();
    assert!(out.status.success(), "{}", peer::both(&out));

    let seeds = fault_seeds(3);
    let mut rng = 0x5eed_u64 + 7;
    for seed in 0..seeds {
        rng = rng
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        let time = t0 + 10 * (seed as i64 + 1);
        // A new file each round, so the upload has new chunks to send.
        std::fs::write(
            src.join("changing"),
            common::pseudo_random(2 << 20, &mut (seed + 3)),
        )
        .unwrap();
        let eio = seed % 3 == 2;
        let what = format!("seed {seed}: {}", if eio { "eio" } else { "kill" });
        // Every seed hits: EIO at the first chunk upload (a backup has at least one new
        // chunk), or a kill after a seeded delay while the upload is held at its first chunk.
        let out = if eio {
            backup(time, Some("remote.chunk_upload=eio@1"))
                .output()
                .unwrap()
        } else {
            let gate = work.path().join(format!("gate-{seed}"));
            std::fs::write(&gate, b"").unwrap();
            let mut child = backup(
                time,
                Some(&format!("remote.chunk_upload=gate@{}", gate.display())),
            )
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
            std::thread::sleep(std::time::Duration::from_millis(100 + (rng >> 33) % 800));
            let _ = child.kill();
            let out = child.wait_with_output().unwrap();
            std::fs::remove_file(&gate).unwrap();
            assert_eq!(out.status.signal(), Some(9), "{what}: not killed");
            out
        };
        eprintln!(
            "{what}: {:?} {}",
            out.status,
            String::from_utf8_lossy(&out.stderr).trim()
        );
        if eio {
            let lines = one_error_line(&out);
            assert!(!out.status.success(), "{what}: succeeded");
            assert_eq!(lines.len(), 1, "{what}: {lines:?}");
            assert!(
                lines[0].contains(&format!("host/{id}")) && lines[0].contains("Input/output"),
                "{what}: {lines:?}"
            );
        }
        // The real server drops the unfinished snapshot once the connection is gone.
        assert!(
            wait_for(|| unfinished_dirs(&group).is_empty()),
            "{what}: unfinished snapshot left: {:?}",
            unfinished_dirs(&group)
        );
        let listed = real_listing(real, &home, &pbs, id);
        assert!(listed.contains(&t0), "{what}: {listed:?}");
        let finished = out.status.success();
        assert_eq!(listed.contains(&time), finished, "{what}: {listed:?}");
        if let Err(errors) = checker::check_datastore(real.store_dir()) {
            panic!("{what}: independent checker on the real datastore: {errors:#?}");
        }
        // The next backup succeeds and the real client lists it.
        let out = backup(time + 1, None).output().unwrap();
        assert!(out.status.success(), "{what}: next: {}", peer::both(&out));
        assert!(real_listing(real, &home, &pbs, id).contains(&(time + 1)));
    }

    // A bit flip in one of this group's chunks on the real store: pbsh's restore names it in
    // one line; flipped back, the restore succeeds.
    let newest = *real_listing(real, &home, &pbs, id).last().unwrap();
    let snap = crate::snap(id, newest);
    let snap_dir = real
        .store_dir()
        .join("host")
        .join(id)
        .join(snap.rsplit('/').next().unwrap());
    let raw = std::fs::read(snap_dir.join("root.pxar.didx")).unwrap();
    let digest: String = raw[4096 + 8..4096 + 40]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    let chunk = real
        .store_dir()
        .join(".chunks")
        .join(&digest[..4])
        .join(&digest);
    let good = std::fs::read(&chunk).unwrap();
    let mut bad = good.clone();
    bad[60] ^= 0x04;
    std::fs::write(&chunk, &bad).unwrap();
    let target = work.path().join("restored-bad");
    let out = beside(
        real,
        &home,
        pbsh_bin,
        &["restore", &snap, "root.pxar", target.to_str().unwrap()],
    )
    .output()
    .unwrap();
    std::fs::write(&chunk, &good).unwrap();
    eprintln!(
        "flipped chunk: {}",
        String::from_utf8_lossy(&out.stderr).trim()
    );
    let lines = one_error_line(&out);
    assert!(
        !out.status.success(),
        "restore of a flipped chunk succeeded"
    );
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert!(lines[0].contains(&digest), "{lines:?}");
    let target = work.path().join("restored");
    let out = beside(
        real,
        &home,
        pbsh_bin,
        &["restore", &snap, "root.pxar", target.to_str().unwrap()],
    )
    .output()
    .unwrap();
    assert!(out.status.success(), "{}", peer::both(&out));
    assert!(crate::tree_contents_equal(&src, &target));
}

/// The real server itself killed (SIGKILL to its proxy) in the middle of pbsh's upload and
/// started again: pbsh fails in one line naming the backup; after the restart pbsh and the
/// real client list the same finished snapshots, none of them half; the independent checker
/// finds every chunk of the finished snapshots; the next backup into the group succeeds and
/// restores to the source.
#[test]
fn real_server_killed_mid_upload_and_restarted() {
    if !cfg!(feature = "failpoints") {
        eprintln!("notice: built without the `failpoints` feature; run `cargo test --features failpoints`");
        return;
    }
    let Some(pbs) = peer::pbs_dir() else { return };
    let Some(real) = RealServer::shared() else {
        return;
    };
    let _exclusive = real.exclusive();
    let home = ClientHome::new();
    let work = tempfile::tempdir().unwrap();
    let src = work.path().join("src");
    std::fs::create_dir_all(&src).unwrap();
    let mut state = 0xdead_u64;
    for i in 0..4 {
        std::fs::write(
            src.join(format!("f{i}")),
            common::pseudo_random(1 << 20, &mut state),
        )
        .unwrap();
    }
    let id = "server-killed";
    let spec = format!("root.pxar:{}", src.display());
    let pbsh_bin = Path::new(env!("CARGO_BIN_EXE_pbsh"));
    let pbsh = |args: &[&str], failpoints: Option<&str>| {
        let mut cmd = beside(real, &home, pbsh_bin, args);
        match failpoints {
            Some(f) => cmd.env("PBSH_FAILPOINTS", f),
            None => cmd.env_remove("PBSH_FAILPOINTS"),
        };
        cmd
    };
    let backup = |time: i64, failpoints: Option<&str>| {
        let t = time.to_string();
        pbsh(
            &["backup", &spec, "--backup-id", id, "--backup-time", &t],
            failpoints,
        )
    };
    let pbsh_listing = || {
        let out = pbsh(
            &[
                "snapshot",
                "list",
                &format!("host/{id}"),
                "--output-format",
                "json",
            ],
            None,
        )
        .output()
        .unwrap();
        let v = ok_json(out);
        let mut times: Vec<i64> = v
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["backup-time"].as_i64().unwrap())
            .collect();
        times.sort();
        times
    };
    let group = real.store_dir().join("host").join(id);
    let t0 = 1_796_000_000i64;
    let out = backup(t0, None).output().unwrap();
    assert!(out.status.success(), "{}", peer::both(&out));
    let mut finished = vec![t0];
    let mut killed = Vec::new();

    let seeds = fault_seeds(2);
    let mut rng = 0x5eed_u64 + 11;
    for seed in 0..seeds {
        rng = rng
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        let time = t0 + 10 * (seed as i64 + 1);
        let what = format!("seed {seed}");
        std::fs::write(
            src.join("changing"),
            common::pseudo_random(2 << 20, &mut (seed + 5)),
        )
        .unwrap();
        // The upload is held at its first chunk (the session open, the index begun) until the
        // server is dead; then it goes on against a dead server.
        let gate = work.path().join(format!("gate-{seed}"));
        std::fs::write(&gate, b"").unwrap();
        let child = backup(
            time,
            Some(&format!("remote.chunk_upload=gate@{}", gate.display())),
        )
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
        std::thread::sleep(std::time::Duration::from_millis(500 + (rng >> 33) % 1000));
        real.kill_proxy();
        std::fs::remove_file(&gate).unwrap();
        let out = child.wait_with_output().unwrap();
        real.restart_proxy();
        eprintln!(
            "{what}: {:?} {}; left on disk: {:?}",
            out.status,
            String::from_utf8_lossy(&out.stderr).trim(),
            unfinished_dirs(&group)
        );
        let lines = one_error_line(&out);
        assert!(!out.status.success(), "{what}: survived the server's death");
        assert_eq!(lines.len(), 1, "{what}: {lines:?}");
        assert!(
            lines[0].contains(&format!("backup host/{id}")),
            "{what}: {lines:?}"
        );
        // pbsh lists the finished snapshots alone. The real client (as PBS's listing does) also
        // shows the killed one, as an unfinished snapshot without size or files, which PBS
        // leaves in place after a crash (its prune removes it once a newer one is finished).
        assert_eq!(pbsh_listing(), finished, "{what}");
        killed.push(time);
        let (real_finished, real_unfinished) = real_split_listing(real, &home, &pbs, id);
        assert_eq!(real_finished, finished, "{what}");
        assert_eq!(real_unfinished, killed, "{what}");
        if let Err(errors) = checker::check_datastore(real.store_dir()) {
            panic!("{what}: independent checker on the real datastore: {errors:#?}");
        }
        // The next backup succeeds and restores.
        let out = backup(time + 1, None).output().unwrap();
        assert!(out.status.success(), "{what}: next: {}", peer::both(&out));
        finished.push(time + 1);
        assert_eq!(pbsh_listing(), finished, "{what}");
        assert_eq!(
            real_split_listing(real, &home, &pbs, id).0,
            finished,
            "{what}"
        );
        let target = work.path().join(format!("restored-{seed}"));
        let out = pbsh(
            &[
                "restore",
                &crate::snap(id, time + 1),
                "root.pxar",
                target.to_str().unwrap(),
            ],
            None,
        )
        .output()
        .unwrap();
        assert!(
            out.status.success(),
            "{what}: restore: {}",
            peer::both(&out)
        );
        assert!(crate::tree_contents_equal(&src, &target), "{what}");
    }
    // pbsh's prune on the real server removes what the crashes left (PBS drops unfinished
    // snapshots older than the newest finished one) and keeps every finished one.
    let out = pbsh(
        &["prune", &format!("host/{id}"), "--keep-last", "100"],
        None,
    )
    .output()
    .unwrap();
    assert!(out.status.success(), "prune: {}", peer::both(&out));
    assert_eq!(
        real_split_listing(real, &home, &pbs, id),
        (finished.clone(), Vec::new())
    );
    assert!(
        unfinished_dirs(&group).is_empty(),
        "{:?}",
        unfinished_dirs(&group)
    );

    // A bit flip in an index and in a manifest on the real store: pbsh's restore names the file
    // in one line; flipped back, the restore succeeds.
    let newest = *finished.last().unwrap();
    let snap = crate::snap(id, newest);
    let dir = group.join(snap.rsplit('/').next().unwrap());
    for (file, at) in [("root.pxar.didx", 4096 + 20), ("index.json.blob", 40)] {
        let path = dir.join(file);
        let good = std::fs::read(&path).unwrap();
        let mut bad = good.clone();
        bad[at] ^= 0x10;
        std::fs::write(&path, &bad).unwrap();
        let target = work.path().join(format!("flipped-{file}"));
        let out = pbsh(
            &["restore", &snap, "root.pxar", target.to_str().unwrap()],
            None,
        )
        .output()
        .unwrap();
        std::fs::write(&path, &good).unwrap();
        eprintln!(
            "flipped {file}: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        );
        let lines = one_error_line(&out);
        assert!(
            !out.status.success(),
            "restore of a flipped {file} succeeded"
        );
        assert_eq!(lines.len(), 1, "{lines:?}");
        assert!(lines[0].contains(file), "{lines:?}");
    }
    let target = work.path().join("restored-after-flips");
    let out = pbsh(
        &["restore", &snap, "root.pxar", target.to_str().unwrap()],
        None,
    )
    .output()
    .unwrap();
    assert!(out.status.success(), "{}", peer::both(&out));
    assert!(crate::tree_contents_equal(&src, &target));
}

/// ENOSPC on the real server: a datastore on a small tmpfs. pbsh's backup that does not fit
/// fails in one line naming the backup and the cause; the real server leaves no half snapshot;
/// the checker finds the finished one whole; once pbsh's gc on the real server has made room
/// (the failed upload's chunks aged past the grace period), the next backup succeeds.
#[test]
fn real_server_full_datastore() {
    let Some(real) = RealServer::shared() else {
        return;
    };
    let _exclusive = real.exclusive();
    let (store, dir) = real.add_small_datastore("full", "12m");
    let home = ClientHome::new();
    let work = tempfile::tempdir().unwrap();
    let src = work.path().join("src");
    std::fs::create_dir_all(&src).unwrap();
    let mut state = 0xf011_u64;
    std::fs::write(src.join("base"), common::pseudo_random(1 << 20, &mut state)).unwrap();
    let repo = real.repository_as("peer@pbs");
    let repo = format!("{}:{store}", repo.rsplit_once(':').unwrap().0);
    let pbsh_bin = Path::new(env!("CARGO_BIN_EXE_pbsh"));
    let pbsh = |args: &[&str]| {
        let mut cmd = beside(real, &home, pbsh_bin, args);
        cmd.env("PBS_REPOSITORY", &repo)
            .env_remove("PBSH_FAILPOINTS");
        cmd.output().unwrap()
    };
    let spec = format!("root.pxar:{}", src.display());
    let backup = |time: i64| {
        let t = time.to_string();
        pbsh(&["backup", &spec, "--backup-id", "full", "--backup-time", &t])
    };
    let t0 = 1_797_000_000i64;
    let out = backup(t0);
    assert!(out.status.success(), "{}", peer::both(&out));
    for i in 0..16 {
        std::fs::write(
            src.join(format!("big{i}")),
            common::pseudo_random(1 << 20, &mut state),
        )
        .unwrap();
    }
    let out = backup(t0 + 10);
    eprintln!(
        "real enospc: {}",
        String::from_utf8_lossy(&out.stderr).trim()
    );
    let lines = one_error_line(&out);
    assert!(
        !out.status.success(),
        "a backup larger than the disk succeeded"
    );
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert!(
        lines[0].contains("backup host/full") && lines[0].contains("No space left on device"),
        "{lines:?}"
    );
    let group = dir.join("host/full");
    assert!(
        wait_for(|| unfinished_dirs(&group).is_empty()),
        "unfinished snapshot left: {:?}",
        unfinished_dirs(&group)
    );
    if let Err(errors) = checker::check_datastore(&dir) {
        panic!("independent checker on the full datastore: {errors:#?}");
    }
    let listed = pbsh(&["snapshot", "list", "--output-format", "json"]);
    let listed = ok_json(listed);
    assert_eq!(listed.as_array().unwrap().len(), 1, "{listed}");
    // Room again: the source shrinks, gc removes the failed upload's chunks.
    for i in 0..16 {
        std::fs::remove_file(src.join(format!("big{i}"))).unwrap();
    }
    std::fs::write(src.join("after"), b"after the disk was full\n").unwrap();
    common::age_chunks(&dir, 2 * 86_400);
    let out = pbsh(&["gc"]);
    assert!(out.status.success(), "gc: {}", peer::both(&out));
    let out = backup(t0 + 20);
    assert!(out.status.success(), "next backup: {}", peer::both(&out));
    let target = work.path().join("restored");
    let out = pbsh(&[
        "restore",
        &crate::snap("full", t0 + 20),
        "root.pxar",
        target.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", peer::both(&out));
    assert!(crate::tree_contents_equal(&src, &target));
    real.remove_small_datastore(&store);
}
