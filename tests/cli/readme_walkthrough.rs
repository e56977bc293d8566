//! The README's newcomer walk-through, run as written (no server): default datastore, backup,
//! `ls`, `cd` into the archive, `get` a file back, `forget`, `gc`.

#[test]
fn readme_walkthrough_runs_as_written() {
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    let block = readme
        .split("<!-- walkthrough -->")
        .nth(1)
        .and_then(|rest| rest.split("<!-- /walkthrough -->").next())
        .expect("README has a walkthrough block");
    let script: String = block
        .lines()
        .filter(|l| !l.starts_with("```"))
        .map(|l| format!("{l}\n"))
        .collect();
    let dir = tempfile::tempdir().unwrap();
    let bin_dir = std::path::Path::new(env!("CARGO_BIN_EXE_pbsh"))
        .parent()
        .unwrap();
    let path = format!(
        "{}:{}",
        bin_dir.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let run = |program: &str, args: &[&str]| {
        std::process::Command::new(program)
            .args(args)
            .current_dir(dir.path())
            .env("HOME", dir.path())
            .env("XDG_DATA_HOME", dir.path().join("data"))
            .env("PATH", &path)
            .env_remove("PBS_REPOSITORY")
            .output()
            .unwrap()
    };
    let out = run("sh", &["-e", "-c", &script]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "walkthrough failed:\n{stdout}\n{stderr}"
    );
    assert_eq!(
        std::fs::read_to_string(dir.path().join("restored-notes.txt")).unwrap(),
        "hello from pbsh\n"
    );
    assert!(stdout.contains("hello from pbsh"), "{stdout}");
    assert!(
        stdout.contains("notes.txt"),
        "ls -l docs shows the file: {stdout}"
    );
    assert!(dir.path().join("data/pbsh/datastore/.chunks").is_dir());
    // After forget, the group is gone.
    let ls = run("pbsh", &["ls"]);
    assert!(ls.status.success());
    assert!(!String::from_utf8_lossy(&ls.stdout).contains("host/demo"));
}
