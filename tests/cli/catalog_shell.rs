//! `catalog shell SNAPSHOT ARCHIVE` as proxmox-backup-client has it (issue 16 item 1): driven by
//! standard input as a script, stopping at the first failing command with its class.

use crate::common;

use std::io::Write;
use std::path::Path;
use std::process::{Command, Output, Stdio};

const SNAPSHOT: &str = "host/cs/2027-01-15T08:00:00Z";

/// `pbsh --repository REPO catalog shell SNAPSHOT root.pxar` with `script` on standard input.
fn catalog_shell(dir: &Path, repo: &str, snapshot: &str, script: &str) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_pbsh"))
        .args([
            "--repository",
            repo,
            "catalog",
            "shell",
            snapshot,
            "root.pxar",
        ])
        .current_dir(dir)
        .env("HOME", dir)
        .env("XDG_CONFIG_HOME", dir.join("config"))
        .env_remove("PBS_REPOSITORY")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(script.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

/// Backs `src` up as root.pxar of SNAPSHOT into a local datastore at DIR/store.
fn backup(dir: &Path, src: &Path) -> String {
    let store = dir.join("store");
    let repo = store.to_str().unwrap().to_string();
    let spec = format!("root.pxar:{}", src.display());
    let out = common::pbsh(
        dir,
        dir,
        &[
            "--repository",
            &repo,
            "backup",
            &spec,
            "--backup-id",
            "cs",
            "--backup-time",
            "1800000000",
        ],
        &[],
    );
    assert!(out.status.success(), "{}", common::stderr(&out));
    repo
}

/// Every file below `root`, as sorted relative paths.
fn files_below(root: &Path) -> Vec<String> {
    let mut out = Vec::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for e in std::fs::read_dir(&dir).unwrap() {
            let e = e.unwrap();
            if e.file_type().unwrap().is_dir() {
                stack.push(e.path());
            } else {
                let rel = e.path().strip_prefix(root).unwrap().display().to_string();
                out.push(rel);
            }
        }
    }
    out.sort();
    out
}

#[test]
fn catalog_shell_reads_commands_from_stdin() {
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("src");
    std::fs::create_dir_all(src.join("sub")).unwrap();
    std::fs::write(src.join("a.txt"), b"alpha\n").unwrap();
    std::fs::write(src.join("sub/b.txt"), b"beta\n").unwrap();
    let repo = backup(dir.path(), &src);
    let repo = repo.as_str();
    let shell = |script: &str| catalog_shell(dir.path(), repo, SNAPSHOT, script);
    let out = shell("ls\ncd sub\ncat b.txt\npwd\n");
    assert!(out.status.success(), "{}", common::stderr(&out));
    let text = common::stdout(&out);
    assert!(text.contains("a.txt") && text.contains("sub/"), "{text}");
    assert!(text.contains("beta\n"), "{text}");
    assert!(text.trim_end().ends_with("root.pxar/sub"), "{text}");
    // The first failing line stops the script, with its class (3: not found), in one line.
    let out = shell("cat nothere\ncat a.txt\n");
    assert_eq!(out.status.code(), Some(3), "{}", common::stderr(&out));
    assert!(
        !common::stdout(&out).contains("alpha"),
        "ran past the failure"
    );
    let err = common::stderr(&out);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.contains("<stdin>:1:") && err.contains("nothere"),
        "{err}"
    );
}

/// Issue 16 item 5: PBS's catalog shell semantics in pbsh's tree: `find PATTERN` matches a name
/// at any depth below where it runs, `--select` keeps the pattern, `list-selected` shows what it
/// matches and `--patterns` the patterns, `restore TARGET --pattern P` restores the current
/// directory filtered, and a selected path with glob characters stays literal.
#[test]
fn catalog_shell_find_patterns_and_restore_as_pbs() {
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("src");
    std::fs::create_dir_all(src.join("sub/deep")).unwrap();
    for (path, body) in [
        ("a.bin", "a"),
        ("top.txt", "t"),
        ("sub/b.bin", "b"),
        ("sub/x.txt", "x"),
        ("sub/deep/c.bin", "c"),
        ("we*ird.txt", "literal"),
        ("weXXird.txt", "not selected"),
    ] {
        std::fs::write(src.join(path), body).unwrap();
    }
    let repo = backup(dir.path(), &src);
    let shell = |script: &str| {
        let out = catalog_shell(dir.path(), &repo, SNAPSHOT, script);
        assert!(out.status.success(), "{script}: {}", common::stderr(&out));
        common::stdout(&out)
    };
    let archive = format!("/store/{SNAPSHOT}/root.pxar");
    let rel = |text: &str| -> Vec<String> {
        let mut v: Vec<String> = text
            .lines()
            .filter_map(|l| l.strip_prefix(archive.as_str()).map(String::from))
            .collect();
        v.sort();
        v
    };

    // find '*.bin': every depth, not only the current directory.
    let found = shell("find *.bin\n");
    assert_eq!(rel(&found), ["/a.bin", "/sub/b.bin", "/sub/deep/c.bin"]);
    // Anchored (a `/` inside): from where it runs; a trailing `/`: directories only.
    assert_eq!(rel(&shell("find sub/*.bin\n")), ["/sub/b.bin"]);
    assert_eq!(rel(&shell("find 'd*/'\n")), ["/sub/deep"]);

    // find --select keeps the pattern itself; list-selected expands it.
    let out1 = dir.path().join("out1");
    let text = shell(&format!(
        "find *.bin --select\nlist-selected --patterns\nlist-selected\nrestore-selected {}\n",
        out1.display()
    ));
    let after_find: Vec<&str> = text.lines().skip(3).collect();
    assert_eq!(after_find[0], "*.bin", "{text}");
    assert_eq!(
        rel(&after_find[1..].join("\n")),
        ["/a.bin", "/sub/b.bin", "/sub/deep/c.bin"]
    );
    assert_eq!(files_below(&out1), ["a.bin", "sub/b.bin", "sub/deep/c.bin"]);

    // Below `cd sub` the stored pattern is rewritten to hold from the archive root.
    let text = shell("cd sub\nfind *.bin --select\nlist-selected --patterns\n");
    assert_eq!(text.lines().last(), Some("/sub/**/*.bin"), "{text}");

    // A selected path is a literal: `we*ird.txt` (the `*` escaped, as pbsh's `select` takes
    // globs) does not take `weXXird.txt` with it.
    let out2 = dir.path().join("out2");
    let text = shell(&format!(
        "select 'we\\*ird.txt'\nlist-selected --patterns\nrestore-selected {}\n",
        out2.display()
    ));
    assert_eq!(text.trim(), "/we\\*ird.txt");
    assert_eq!(files_below(&out2), ["we*ird.txt"]);

    // restore TARGET --pattern P: the current directory, filtered; `!P` takes back.
    let out3 = dir.path().join("out3");
    shell(&format!(
        "cd sub\nrestore {} --pattern *.bin --pattern !b.bin\n",
        out3.display()
    ));
    assert_eq!(files_below(&out3), ["deep/c.bin"]);
    let out4 = dir.path().join("out4");
    shell(&format!("restore {}\n", out4.display()));
    assert_eq!(files_below(&out4), files_below(&src));

    // clear-selected empties the basket.
    let text = shell("find *.bin --select\nselect top.txt\nclear-selected\nlist-selected\n");
    assert_eq!(text.lines().count(), 3, "only find's lines: {text}");
    // deselect by the pattern's text; then nothing is left to restore (3: not found).

    let out = catalog_shell(
        dir.path(),
        &repo,
        SNAPSHOT,
        "find *.bin --select\ndeselect *.bin\nrestore-selected x\n",
    );
    assert_eq!(out.status.code(), Some(3), "{}", common::stderr(&out));
    assert!(common::stderr(&out).contains("nothing selected"));
}
