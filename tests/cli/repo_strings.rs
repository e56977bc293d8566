//! Repository strings as PBS reads them, and lone archive files opened as read-only trees.
//!
//! `pbsh` runs as a process in temp dirs: a bare name is a store on localhost (never a local
//! directory), a local datastore is written as a path, and a `.pxar` file (PBS's own vector,
//! one written by PBS's `pxar` tool when the peers are present, pbsh's own unified and split
//! archives) browses with `ls`, `cd`, `stat`, `cat`, `get` and `find`, refusing every write.
#![allow(clippy::disallowed_macros)]

use crate::common::{pbsh, stderr, stdout, vectors_dir};
use std::path::{Path, PathBuf};
use std::process::Output;

fn ok(cwd: &Path, args: &[&str]) -> String {
    let out = pbsh(cwd, cwd, args, &[]);
    assert!(out.status.success(), "{args:?} failed: {}", stderr(&out));
    stdout(&out)
}

/// A failure with exactly one line on stderr.
fn fails(out: &Output) -> String {
    assert!(!out.status.success(), "succeeded: {}", stdout(out));
    let err = stderr(out);
    assert_eq!(err.lines().count(), 1, "not one line: {err}");
    err
}

/// Whether something answers on localhost:8007 (then a bare name may really reach a server).
fn port_8007_open() -> bool {
    std::net::TcpStream::connect("127.0.0.1:8007").is_ok()
        || std::net::TcpStream::connect("[::1]:8007").is_ok()
}

fn entries(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[test]
fn a_bare_name_is_the_store_on_localhost_and_creates_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let cwd = tmp.path().join("work");
    std::fs::create_dir(&cwd).unwrap();
    let server = port_8007_open();
    for (args, envs) in [
        (vec!["--repository", "store1", "ls"], vec![]),
        (vec!["-c", "ls; pwd"], vec![("PBS_REPOSITORY", "store1")]),
        (
            vec!["--repository", "store1", "backup", "root.pxar:."],
            vec![],
        ),
    ] {
        let out = pbsh(&cwd, tmp.path(), &args, &envs);
        assert!(!cwd.join("store1").exists(), "{args:?} created ./store1");
        assert!(entries(&cwd).is_empty(), "{args:?}: {:?}", entries(&cwd));
        if server {
            eprintln!("notice: something listens on localhost:8007; not checking the refusal");
            continue;
        }
        let err = fails(&out);
        assert_eq!(out.status.code(), Some(1), "{err}");
        assert!(
            err.contains("store1") && err.contains("localhost:8007"),
            "{err}"
        );
        assert!(err.to_lowercase().contains("connection refused"), "{err}");
        assert!(err.contains("./store1"), "{err}");
        assert!(stdout(&out).is_empty(), "{}", stdout(&out));
    }
}

#[test]
fn a_bare_name_that_is_also_a_local_directory_says_which_is_meant() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    ok(root, &["datastore", "create", "store1"]);
    let before = entries(&root.join("store1"));
    let out = pbsh(root, root, &["--repository", "store1", "ls"], &[]);
    let expected = "'store1' is the store store1 on localhost (PBS's meaning); \
                    for the directory ./store1 write ./store1";
    if port_8007_open() {
        eprintln!("notice: something listens on localhost:8007; checking the notice only");
        assert!(stderr(&out).contains(expected), "{}", stderr(&out));
    } else {
        let err = fails(&out);
        assert!(err.contains(expected), "{err}");
        assert!(err.contains("localhost:8007"), "{err}");
    }
    assert_eq!(entries(&root.join("store1")), before);
    // Written as a path, it is the local datastore.
    ok(root, &["--repository", "./store1", "ls"]);
    // And `open` in the shell reads it the same way.
    let out = pbsh(root, root, &["-c", "open store1"], &[]);
    assert!(!out.status.success());
    assert!(stderr(&out).contains(expected), "{}", stderr(&out));
    ok(root, &["-c", "open ./store1; pwd"]);
}

#[test]
fn local_datastores_are_written_as_paths() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    std::fs::create_dir_all(root.join("src/docs")).unwrap();
    std::fs::write(root.join("src/docs/a.txt"), b"alpha\n").unwrap();
    std::fs::create_dir(root.join("sub")).unwrap();
    ok(
        root,
        &[
            "--repository",
            "./ds",
            "backup",
            "root.pxar:src",
            "--backup-id",
            "paths",
        ],
    );
    assert!(root.join("ds/.chunks").is_dir());
    let abs = root.join("ds");
    let sub = root.join("sub");
    // The same datastore through every path form: file:, absolute, ../ and ~/ (HOME is root).
    for (cwd, spec) in [
        (root, "file:ds".to_string()),
        (root, format!("file:{}", abs.display())),
        (root, abs.display().to_string()),
        (sub.as_path(), "../ds".to_string()),
        (sub.as_path(), "~/ds".to_string()),
        (root, "file:~/ds".to_string()),
    ] {
        let out = pbsh(
            cwd,
            root,
            &[
                "--repository",
                &spec,
                "cat",
                "host/paths/latest/root.pxar/docs/a.txt",
            ],
            &[],
        );
        assert!(out.status.success(), "{spec}: {}", stderr(&out));
        assert_eq!(stdout(&out), "alpha\n", "{spec}");
    }
    // A relative path without ./ is neither a PBS string nor taken as a path: refused, with
    // the way to write it, creating nothing.
    let out = pbsh(root, root, &["--repository", "demo/ds", "ls"], &[]);
    let err = fails(&out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains("./demo/ds") && err.contains("file:demo/ds"),
        "{err}"
    );
    assert!(!root.join("demo").exists());

    // `open` of a path that is no datastore is refused, in a script and one-shot, and creates
    // nothing; one that is opens.
    for args in [
        &["-c", "open ./missing"][..],
        &["open", "./missing"],
        &["--repository", "./ds", "open", "./missing"],
    ] {
        let err = fails(&pbsh(root, root, args, &[]));
        assert!(err.contains("missing: not a datastore"), "{args:?}: {err}");
        assert!(!root.join("missing").exists(), "{args:?} created it");
    }
    ok(root, &["open", "./ds"]);
    assert_eq!(
        ok(root, &["-c", "open ./ds; ls host/paths"])
            .lines()
            .count(),
        1
    );
}

/// The PBS peers' `pxar` tool, if present.
fn pxar_tool() -> Option<PathBuf> {
    let dir = std::env::var_os("PBSH_PEERS")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/peers/pbs-3.2.4")
        });
    let tool = dir.join("bin/pxar");
    if tool.exists() {
        Some(tool)
    } else {
        eprintln!(
            "notice: PBS's pxar tool not found at {} (set PBSH_PEERS); skipping",
            tool.display()
        );
        None
    }
}

/// A small source tree with a nested file, a big file and a file with a space in its name.
fn make_source(root: &Path) -> PathBuf {
    let src = root.join("src");
    std::fs::create_dir_all(src.join("etc/deep/er")).unwrap();
    std::fs::write(src.join("etc/hosts"), b"127.0.0.1 localhost\n").unwrap();
    std::fs::write(src.join("etc/deep/er/leaf.txt"), b"leaf\n").unwrap();
    let big: Vec<u8> = (0..3_000_000u32)
        .map(|i| (i.wrapping_mul(2654435761) >> 13) as u8)
        .collect();
    std::fs::write(src.join("big.bin"), &big).unwrap();
    std::fs::write(src.join("with space.txt"), b"spaced\n").unwrap();
    src
}

/// Checks `ls`, `cd`+`ls`, `stat`, `cat`, `get` (file and directory), `find` and refused
/// writes on the lone archive `spec` (run in `root`), made of `src`.
fn browse_and_compare(root: &Path, spec: &str, src: &Path) {
    let run = |commands: &str| {
        let out = pbsh(root, root, &["--repository", spec, "-c", commands], &[]);
        assert!(
            out.status.success(),
            "{spec}: `{commands}`: {}",
            stderr(&out)
        );
        out
    };
    let top = stdout(&run("ls /"));
    assert_eq!(
        top.lines().collect::<Vec<_>>(),
        ["big.bin", "etc/", "with space.txt"],
        "{spec}"
    );
    let nested = stdout(&run("cd /etc; ls; pwd; cd deep; cd ..; cd ../..; pwd"));
    assert_eq!(nested, "deep/\nhosts\n/etc\n/\n", "{spec}");
    // cat: the bytes of the source.
    for rel in [
        "big.bin",
        "etc/hosts",
        "etc/deep/er/leaf.txt",
        "with space.txt",
    ] {
        let out = run(&format!("cat '/{rel}'"));
        assert!(
            out.stdout == std::fs::read(src.join(rel)).unwrap(),
            "{spec}: {rel}"
        );
    }
    // stat: type and size.
    let st = stdout(&run("stat /big.bin"));
    assert!(st.contains("Type: File") && st.contains("3000000"), "{st}");
    let st = stdout(&run("stat etc"));
    assert!(st.contains("Type: Directory"), "{st}");
    // find: paths from the archive's root.
    let found = stdout(&run("find / --name 'leaf*'"));
    assert_eq!(found, "/etc/deep/er/leaf.txt\n", "{spec}");
    // get: one file, and a whole directory through the restore writer.
    let out_dir = root.join(format!("got-{}", spec.replace(['/', '.', ':'], "_")));
    std::fs::create_dir(&out_dir).unwrap();
    run(&format!(
        "get /big.bin {}; get /etc {}",
        out_dir.join("big.bin").display(),
        out_dir.join("etc").display()
    ));
    assert!(
        std::fs::read(out_dir.join("big.bin")).unwrap()
            == std::fs::read(src.join("big.bin")).unwrap()
    );
    assert_eq!(
        std::fs::read(out_dir.join("etc/deep/er/leaf.txt")).unwrap(),
        b"leaf\n"
    );
    assert_eq!(
        std::fs::read(out_dir.join("etc/hosts")).unwrap(),
        std::fs::read(src.join("etc/hosts")).unwrap()
    );
    // A missing path is "not found".
    let out = pbsh(root, root, &["--repository", spec, "cat", "/nope"], &[]);
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    // Writes are refused in one line, naming the archive, and change nothing.
    let before = std::fs::read(root.join(spec.trim_start_matches("file:"))).ok();
    for (write, name) in [
        (vec!["backup", "root.pxar:src"], "backup"),
        (vec!["forget", "host/archive"], "forget"),
        (vec!["prune", "host/archive", "--keep-last", "1"], "prune"),
        (vec!["gc"], "garbage-collect"),
        (vec!["verify"], "verify"),
        (vec!["ns", "create", "x"], "ns"),
        (vec!["protect", "host/archive/latest"], "protect"),
    ] {
        let mut args = vec!["--repository", spec];
        args.extend(&write);
        let out = pbsh(root, root, &args, &[]);
        let err = fails(&out);
        assert!(
            err.contains(&format!("{name}: ")) && err.contains("is a lone archive, read-only"),
            "{write:?}: {err}"
        );
    }
    let after = std::fs::read(root.join(spec.trim_start_matches("file:"))).ok();
    assert!(before == after, "{spec} changed");
}

#[test]
fn pbshs_own_unified_and_split_archives_open_as_trees() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    let src = make_source(root);
    ok(
        root,
        &[
            "--repository",
            "./ds",
            "backup",
            "root.pxar:src",
            "--backup-id",
            "u",
        ],
    );
    ok(
        root,
        &[
            "--repository",
            "./ds",
            "backup",
            "root.pxar:src",
            "--backup-id",
            "s",
            "--change-detection-mode",
            "data",
        ],
    );
    let save = |args: &[&str], file: &str| {
        let out = pbsh(root, root, args, &[]);
        assert!(out.status.success(), "{}", stderr(&out));
        std::fs::write(root.join(file), &out.stdout).unwrap();
    };
    save(
        &[
            "--repository",
            "./ds",
            "restore",
            "host/u",
            "root.pxar",
            "-",
        ],
        "root.pxar",
    );
    save(
        &[
            "--repository",
            "./ds",
            "restore",
            "host/s",
            "root.mpxar",
            "-",
        ],
        "split.mpxar",
    );
    save(
        &[
            "--repository",
            "./ds",
            "restore",
            "host/s",
            "root.ppxar",
            "-",
        ],
        "split.ppxar",
    );
    browse_and_compare(root, "./root.pxar", &src);
    browse_and_compare(root, "file:root.pxar", &src);
    // Either half of a split pair opens the pair.
    browse_and_compare(root, "./split.mpxar", &src);
    browse_and_compare(root, "./split.ppxar", &src);
    // `open` inside the shell, and back to a datastore.
    let listed = ok(
        root,
        &[
            "--repository",
            "./ds",
            "-c",
            "open ./root.pxar; ls /etc; pwd; open ./ds; ls",
        ],
    );
    assert_eq!(listed, "deep/\nhosts\n/\nhost/s/\nhost/u/\n");
    // A half without its twin names the missing file.
    std::fs::copy(root.join("split.mpxar"), root.join("alone.mpxar")).unwrap();
    let out = pbsh(root, root, &["--repository", "./alone.mpxar", "ls"], &[]);
    let err = fails(&out);
    assert!(err.contains("alone.ppxar"), "{err}");
}

#[test]
fn pbs_vector_archive_opens_as_a_tree() {
    let Some(vectors) = vectors_dir() else { return };
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    let archive = vectors.join("pxar/tree.pxar");
    let spec = archive.display().to_string();
    // `find /` lists exactly what `pxar list` listed (PBS's own listing), in the same order.
    let expected: Vec<String> = std::fs::read_to_string(vectors.join("pxar/tree.pxar.list"))
        .unwrap()
        .lines()
        .skip(1)
        .map(|l| l.trim_matches('"').to_string())
        .collect();
    let out = ok(root, &["--repository", &spec, "find", "/"]);
    let mut found: Vec<String> = out.lines().map(str::to_string).collect();
    let mut sorted = expected.clone();
    found.sort();
    sorted.sort();
    assert_eq!(found, sorted);
    let top = ok(
        root,
        &["--repository", &spec, "-c", "cd docs/nested; ls; pwd"],
    );
    assert_eq!(top, "deep.txt\n/docs/nested\n");
    // cat and get give the same bytes; the symlink and the hard link resolve.
    let cat = pbsh(
        root,
        root,
        &["--repository", &spec, "cat", "/random.bin"],
        &[],
    );
    assert!(cat.status.success());
    assert_eq!(cat.stdout.len(), 6 * 1024 * 1024);
    ok(
        root,
        &["--repository", &spec, "get", "/random.bin", "r.bin"],
    );
    assert!(std::fs::read(root.join("r.bin")).unwrap() == cat.stdout);
    let note = ok(root, &["--repository", &spec, "cat", "/docs/note00.txt"]);
    assert_eq!(
        ok(root, &["--repository", &spec, "cat", "/hardlink-to-note00"]),
        note
    );
    let st = ok(root, &["--repository", &spec, "stat", "/link-to-deep"]);
    assert!(st.contains("docs/nested/deep.txt"), "{st}");
    let out = pbsh(
        root,
        root,
        &["--repository", &spec, "forget", "host/archive"],
        &[],
    );
    assert!(fails(&out).contains("lone archive, read-only"));
}

#[test]
fn archive_made_by_pbs_pxar_tool_opens_as_a_tree() {
    let Some(tool) = pxar_tool() else { return };
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    let src = make_source(root);
    let out = std::process::Command::new(&tool)
        .current_dir(root)
        .args(["create", "real.pxar", "src"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    browse_and_compare(root, "./real.pxar", &src);
}
