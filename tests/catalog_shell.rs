//! `catalog shell SNAPSHOT ARCHIVE` as proxmox-backup-client has it (issue 16 item 1): driven by
//! standard input as a script, stopping at the first failing command with its class.

mod common;

use std::io::Write;
use std::process::{Command, Stdio};

#[test]
fn catalog_shell_reads_commands_from_stdin() {
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("src");
    std::fs::create_dir_all(src.join("sub")).unwrap();
    std::fs::write(src.join("a.txt"), b"alpha\n").unwrap();
    std::fs::write(src.join("sub/b.txt"), b"beta\n").unwrap();
    let store = dir.path().join("store");
    let repo = store.to_str().unwrap();
    let spec = format!("root.pxar:{}", src.display());
    let out = common::pbsh(
        dir.path(),
        dir.path(),
        &[
            "--repository",
            repo,
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
    let shell = |script: &str| {
        let mut child = Command::new(env!("CARGO_BIN_EXE_pbsh"))
            .args([
                "--repository",
                repo,
                "catalog",
                "shell",
                "host/cs/2027-01-15T08:00:00Z",
                "root.pxar",
            ])
            .current_dir(dir.path())
            .env("HOME", dir.path())
            .env("XDG_CONFIG_HOME", dir.path().join("config"))
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
    };
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
