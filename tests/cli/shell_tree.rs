//! The shell's virtual tree driven through the real binary in script mode: navigation, listings
//! (text and JSON), find/diff/history across snapshots, cat/get, the selection basket, and the
//! script rules (stop at the failing line, exit classes, `set -e off`).

use crate::common;

use crate::common::{pbsh, stderr, stdout};
use std::path::PathBuf;
use std::process::Output;

struct Fixture {
    _dir: tempfile::TempDir,
    root: PathBuf,
    store: PathBuf,
    src: PathBuf,
}

impl Fixture {
    fn run(&self, args: &[&str]) -> Output {
        let store = self.store.to_str().unwrap();
        let mut all = vec!["--repository", store];
        all.extend_from_slice(args);
        pbsh(&self.root, &self.root, &all, &[])
    }

    fn script(&self, commands: &str) -> Output {
        self.run(&["-c", commands])
    }

    fn ok(&self, commands: &str) -> String {
        let out = self.script(commands);
        assert!(
            out.status.success(),
            "`{commands}` failed: {}",
            stderr(&out)
        );
        stdout(&out)
    }
}

/// A store with two snapshots of `host/web1` (a file changed, one added, one removed between
/// them), one of `vm/100` in namespace `prod`, and a namespace named like a type.
fn fixture() -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().to_path_buf();
    let store = root.join("store");
    let src = root.join("src");
    std::fs::create_dir_all(src.join("etc/conf.d")).unwrap();
    std::fs::create_dir_all(src.join("docs")).unwrap();
    std::fs::write(src.join("etc/hosts"), "127.0.0.1 localhost\n").unwrap();
    std::fs::write(src.join("etc/conf.d/app.conf"), "a=1\n").unwrap();
    std::fs::write(src.join("docs/old.txt"), "old\n").unwrap();
    std::fs::write(src.join("docs/readme.txt"), "read me\n").unwrap();
    std::os::unix::fs::symlink("etc/hosts", src.join("hosts-link")).unwrap();
    let f = Fixture {
        _dir: dir,
        root,
        store,
        src,
    };
    let spec = format!("root.pxar:{}", f.src.display());
    let backup = |extra: &[&str]| {
        let mut args = vec!["backup", &spec, "--backup-id", "web1"];
        args.extend_from_slice(extra);
        let out = f.run(&args);
        assert!(out.status.success(), "backup: {}", stderr(&out));
    };
    backup(&["--backup-time", "1764000000"]);
    std::fs::write(f.src.join("etc/hosts"), "127.0.0.1 localhost web1\n").unwrap();
    std::fs::remove_file(f.src.join("docs/old.txt")).unwrap();
    std::fs::write(f.src.join("docs/new.txt"), "new\n").unwrap();
    // A different mtime even on fast machines.
    let t = std::time::SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(1_700_000_000);
    std::fs::File::options()
        .write(true)
        .open(f.src.join("etc/hosts"))
        .unwrap()
        .set_modified(t)
        .unwrap();
    backup(&["--backup-time", "1764003600"]);
    f.ok("ns create prod; ns create host");
    let out = f.run(&[
        "backup",
        &spec,
        "--backup-type",
        "vm",
        "--backup-id",
        "100",
        "--ns",
        "prod",
    ]);
    assert!(out.status.success(), "vm backup: {}", stderr(&out));
    f
}

const S1: &str = "2025-11-24T16:00:00Z";
const S2: &str = "2025-11-24T17:00:00Z";

#[test]
fn navigation_listing_and_paths() {
    let f = fixture();
    // The session starts inside the datastore: groups and namespaces at once.
    let top = f.ok("pwd; ls");
    assert!(top.starts_with("/store\n"), "{top}");
    for want in ["host/web1/", "prod/", "ns:host/"] {
        assert!(top.contains(want), "{want} missing in {top}");
    }
    assert_eq!(f.ok("ls /"), "store/\n");
    assert_eq!(f.ok("cd host; ls"), "web1/\n");
    assert_eq!(f.ok("cd host/web1; ls"), format!("{S1}/\n{S2}/\n"));
    assert_eq!(f.ok("cd prod/vm; ls"), "100/\n");
    // A namespace named like a type is written ns:host and is empty.
    assert_eq!(f.ok("cd ns:host; pwd; ls"), "/store/ns:host\n");
    // Archives of a snapshot and the tree inside one.
    let archives = f.ok(&format!("cd host/web1/{S2}; ls"));
    assert_eq!(archives, "catalog.pcat1\nindex.json\nroot.pxar/\n");
    let inside = f.ok(&format!("cd host/web1/{S2}/root.pxar; ls; cd etc; pwd"));
    assert_eq!(
        inside,
        format!("docs/\netc/\nhosts-link\n/store/host/web1/{S2}/root.pxar/etc\n")
    );
    // .., ~ and - move as documented.
    let moves = f.ok(&format!(
        "cd host/web1/{S1}/root.pxar/etc/conf.d; cd ../..; pwd; cd ~; pwd; cd -; pwd"
    ));
    assert_eq!(
        moves,
        format!("/store/host/web1/{S1}/root.pxar\n/store\n/store/host/web1/{S1}/root.pxar\n")
    );
    // Globs expand at any level.
    let globbed = f.ok("ls -d host/web1/*/root.pxar");
    assert_eq!(globbed.lines().count(), 2, "{globbed}");
    // `ls -l` shows types, sizes and times; symlinks point at their target.
    let long = f.ok(&format!("cd host/web1/{S1}/root.pxar; ls -l"));
    assert!(long.contains("lrwxrwxrwx"), "{long}");
    assert!(long.contains("hosts-link -> etc/hosts"), "{long}");
    assert!(long
        .lines()
        .any(|l| l.starts_with("drwx") && l.ends_with("etc/")));
}

#[test]
fn listings_as_json() {
    let f = fixture();
    let out = f.ok(&format!(
        "ls --output-format json host/web1; ls -l --output-format json host/web1/{S1}/root.pxar/etc"
    ));
    let mut lines = out.lines();
    let snaps: serde_json::Value = serde_json::from_str(lines.next().unwrap()).unwrap();
    let snaps = snaps.as_array().unwrap();
    assert_eq!(snaps.len(), 2);
    assert_eq!(snaps[0]["name"], S1);
    assert_eq!(snaps[0]["kind"], "snapshot");
    assert_eq!(snaps[0]["protected"], false);
    assert_eq!(snaps[0]["crypt-mode"], "none");
    assert!(snaps[0]["size"].as_u64().unwrap() > 0);
    let files: serde_json::Value = serde_json::from_str(lines.next().unwrap()).unwrap();
    let hosts = files
        .as_array()
        .unwrap()
        .iter()
        .find(|n| n["name"] == "hosts")
        .expect("hosts listed");
    assert_eq!(hosts["kind"], "file");
    assert_eq!(hosts["size"], 20);
    let meta = std::fs::symlink_metadata(f.src.join("etc/conf.d")).unwrap();
    use std::os::unix::fs::MetadataExt;
    let dir = files
        .as_array()
        .unwrap()
        .iter()
        .find(|n| n["name"] == "conf.d")
        .unwrap();
    assert_eq!(dir["mode"].as_u64().unwrap() as u32, meta.mode());
    let stat = f.ok(&format!(
        "stat --output-format json-pretty host/web1/{S1}/root.pxar/etc/hosts"
    ));
    let stat: serde_json::Value = serde_json::from_str(&stat).unwrap();
    assert_eq!(stat["size"], 20);
    assert_eq!(
        stat["name"],
        format!("/store/host/web1/{S1}/root.pxar/etc/hosts")
    );
}

#[test]
fn cat_get_and_metadata() {
    let f = fixture();
    assert_eq!(
        f.ok(&format!("cat host/web1/{S1}/root.pxar/etc/hosts")),
        "127.0.0.1 localhost\n"
    );
    // get of a file keeps mode and mtime; of a directory, the whole subtree.
    let out_dir = f.root.join("out");
    std::fs::create_dir(&out_dir).unwrap();
    f.ok(&format!(
        "cd host/web1/{S2}/root.pxar; get etc/hosts docs {}",
        out_dir.display()
    ));
    assert_eq!(
        std::fs::read_to_string(out_dir.join("hosts")).unwrap(),
        "127.0.0.1 localhost web1\n"
    );
    let got = std::fs::metadata(out_dir.join("hosts")).unwrap();
    let src = std::fs::metadata(f.src.join("etc/hosts")).unwrap();
    assert_eq!(got.modified().unwrap(), src.modified().unwrap());
    assert_eq!(
        std::fs::read_to_string(out_dir.join("docs/new.txt")).unwrap(),
        "new\n"
    );
    // get refuses to replace a file unless told, and leaves no temporary files.
    let again = f.script(&format!(
        "get host/web1/{S2}/root.pxar/etc/hosts {}",
        out_dir.display()
    ));
    assert!(!again.status.success());
    assert!(
        stderr(&again).contains("already exists"),
        "{}",
        stderr(&again)
    );
    let names: Vec<String> = std::fs::read_dir(&out_dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert!(names.iter().all(|n| !n.contains("pbsh-get")), "{names:?}");
    // The manifest reads as JSON.
    let manifest = f.ok(&format!("cat host/web1/{S1}/index.json"));
    let m: serde_json::Value = serde_json::from_str(&manifest).unwrap();
    assert_eq!(m["backup-id"], "web1");
}

#[test]
fn find_diff_and_history_across_snapshots() {
    let f = fixture();
    let found = f.ok(&format!("cd host/web1/{S2}; find -name '*.txt'"));
    assert_eq!(
        found,
        format!(
            "/store/host/web1/{S2}/root.pxar/docs/new.txt\n/store/host/web1/{S2}/root.pxar/docs/readme.txt\n"
        )
    );
    // PBS's `find PATTERN` form, relative to the current directory.
    let pattern = f.ok(&format!("cd host/web1/{S1}/root.pxar; find 'etc/**'"));
    assert!(pattern.contains("etc/conf.d/app.conf"), "{pattern}");
    // At a group: when did files appear, change or vanish?
    let versions = f.ok("cd host/web1; find --name '*.txt'");
    let rows: Vec<&str> = versions.lines().collect();
    assert!(rows
        .iter()
        .any(|r| r.starts_with(S1) && r.contains("added") && r.ends_with("docs/old.txt")));
    assert!(rows
        .iter()
        .any(|r| r.starts_with(S2) && r.contains("added") && r.ends_with("docs/new.txt")));
    assert!(rows
        .iter()
        .any(|r| r.starts_with(S2) && r.contains("removed") && r.ends_with("docs/old.txt")));
    assert!(
        !rows
            .iter()
            .any(|r| r.starts_with(S2) && r.ends_with("readme.txt")),
        "{versions}"
    );
    // diff from the catalogs.
    let diff = f.ok(&format!("cd host/web1; diff {S1} {S2}"));
    assert!(
        diff.lines()
            .any(|l| l.starts_with('+') && l.ends_with("root.pxar/docs/new.txt")),
        "{diff}"
    );
    assert!(
        diff.lines()
            .any(|l| l.starts_with('-') && l.ends_with("root.pxar/docs/old.txt")),
        "{diff}"
    );
    assert!(
        diff.lines()
            .any(|l| l.starts_with('M') && l.ends_with("root.pxar/etc/hosts")),
        "{diff}"
    );
    assert!(!diff.contains("readme"), "{diff}");
    let json = f.ok(&format!(
        "cd host/web1; diff {S1} {S2} root.pxar/etc --output-format json"
    ));
    let rows: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(rows.as_array().unwrap().len(), 1, "{json}");
    assert_eq!(rows[0]["status"], "changed");
    assert_eq!(rows[0]["path"], "etc/hosts");
    // history PATH: every version of one file.
    let history = f.ok(&format!("cd host/web1/{S2}/root.pxar; history etc/hosts"));
    let lines: Vec<&str> = history.lines().collect();
    assert_eq!(lines.len(), 2, "{history}");
    assert!(lines[0].starts_with(S1) && lines[0].contains("added"));
    assert!(lines[1].starts_with(S2) && lines[1].contains("changed"));
    // At the group, ARCHIVE/PATH names the file across the group's snapshots (issue 17).
    let at_group = f.ok("cd host/web1; history root.pxar/etc/hosts");
    assert_eq!(at_group, history);
}

#[test]
fn selection_spans_folders_and_restores() {
    let f = fixture();
    let target = f.root.join("sel");
    let listed = f.ok(&format!(
        "cd host/web1/{S1}/root.pxar; select etc/hosts; select docs; list-selected; restore-selected {}",
        target.display()
    ));
    assert_eq!(listed.lines().count(), 2, "{listed}");
    assert_eq!(
        std::fs::read_to_string(target.join("etc/hosts")).unwrap(),
        "127.0.0.1 localhost\n"
    );
    assert!(target.join("docs/old.txt").exists());
    assert!(
        !target.join("etc/conf.d").exists(),
        "only the selection is restored"
    );
}

fn assert_script_failure(out: &Output, line: &str, status: i32, text: &str) {
    let err = stderr(out);
    assert_eq!(out.status.code(), Some(status), "{err}");
    assert!(err.contains(line), "expected {line} in {err}");
    assert!(err.contains(text), "expected {text} in {err}");
    assert_eq!(err.lines().count(), 1, "one-line error: {err}");
}

#[test]
fn scripts_stop_at_the_failing_line_with_a_class() {
    let f = fixture();
    let script = f.root.join("s.pbsh");
    std::fs::write(
        &script,
        "#!/usr/bin/env -S pbsh -f\n# comment\ncd host\nls\ncd web2\npwd\n",
    )
    .unwrap();
    let out = f.run(&["-f", script.to_str().unwrap()]);
    assert_script_failure(&out, "s.pbsh:5:", 3, "did you mean `web1`?");
    assert_eq!(stdout(&out), "web1/\n", "pwd after the error must not run");
    // The same through standard input.
    let piped = std::process::Command::new(env!("CARGO_BIN_EXE_pbsh"))
        .args(["--repository", f.store.to_str().unwrap()])
        .env("HOME", &f.root)
        .env("XDG_DATA_HOME", f.root.join("data"))
        .stdin(std::fs::File::open(&script).unwrap())
        .output()
        .unwrap();
    assert_script_failure(&piped, "<stdin>:5:", 3, "no such file or directory");
    // `-c`: each command counts as a line; a typo'd command suggests the right one.
    let typo = f.script("pwd; lss");
    assert_script_failure(&typo, "-c:2:", 2, "did you mean `ls`?");
    // A glob that matches nothing is an error, not silence.
    let none = f.script("ls host/*/nothing*");
    assert_script_failure(&none, "-c:1:", 3, "no match");
    // set -e off keeps going, but the status remembers the failure.
    let cont = f.script("set -e off; cd nowhere; pwd");
    assert_eq!(cont.status.code(), Some(3));
    assert_eq!(stdout(&cont), "/store\n");
    // One-shot use has the same classes.
    let one = f.run(&["ls", "/store/host/web9"]);
    assert_eq!(one.status.code(), Some(3), "{}", stderr(&one));
    let usage = f.run(&["ls", "--bogus"]);
    assert_eq!(usage.status.code(), Some(2));
    assert_eq!(f.run(&["ls", "/store/host"]).status.code(), Some(0));
}

#[test]
fn forget_from_inside_moves_up() {
    let f = fixture();
    let out = f.ok(&format!(
        "cd host/web1/{S1}/root.pxar/etc; forget host/web1/{S1}; pwd; ls"
    ));
    let lines: Vec<&str> = out.lines().collect();
    assert!(lines.contains(&"/store/host/web1"), "{out}");
    assert!(lines.contains(&format!("{S2}/").as_str()), "{out}");
}

#[test]
fn catalog_shell_on_a_local_catalog_file() {
    let f = fixture();
    let catalog = f.root.join("catalog.pcat1");
    f.ok(&format!(
        "get host/web1/{S1}/catalog.pcat1 {}",
        catalog.display()
    ));
    let run = |input: &str| {
        use std::io::Write;
        let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_pbsh"))
            .args(["--repository", f.store.to_str().unwrap()])
            .args(["catalog", "shell", "--file", catalog.to_str().unwrap()])
            .env("HOME", &f.root)
            .env("XDG_DATA_HOME", f.root.join("data"))
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        child
            .stdin
            .take()
            .unwrap()
            .write_all(input.as_bytes())
            .unwrap();
        child.wait_with_output().unwrap()
    };
    let out = run("ls\ncd root.pxar.didx/etc\npwd\nls\nstat hosts\nfind **/*.txt\n");
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(text.starts_with("root.pxar.didx/\n"), "{text}");
    assert!(
        text.contains("/root.pxar.didx/etc\nconf.d/\nhosts\n"),
        "{text}"
    );
    assert!(text.contains("type f, 20 bytes"), "{text}");
    assert!(text.contains("/root.pxar.didx/docs/old.txt"), "{text}");
    let bad = run("ls\ncd nowhere\npwd\n");
    assert!(!bad.status.success());
    assert!(stderr(&bad).contains("<stdin>:2:"), "{}", stderr(&bad));
}

/// Issue 18: a symlink already standing where `get` would create a directory is never followed:
/// without `--overwrite` get refuses naming it and nothing outside changes; with `--overwrite`
/// the link itself is replaced by the directory.
#[test]
fn issue_18_get_never_writes_through_a_symlink_in_the_destination() {
    use std::os::unix::fs::PermissionsExt;
    let f = fixture();
    let outside = f.root.join("outside");
    std::fs::create_dir(&outside).unwrap();
    std::fs::set_permissions(&outside, std::fs::Permissions::from_mode(0o700)).unwrap();
    std::fs::write(outside.join("keep.txt"), "mine\n").unwrap();
    let before = std::fs::metadata(&outside).unwrap().modified().unwrap();
    let t = f.root.join("t");
    std::fs::create_dir(&t).unwrap();
    std::os::unix::fs::symlink("../outside", t.join("docs")).unwrap();
    let inside = format!("cd host/web1/{S2}/root.pxar");

    let out = f.script(&format!("{inside}; get docs {}", t.display()));
    let err = stderr(&out);
    assert!(!out.status.success(), "get wrote through the link: {err}");
    assert_eq!(err.lines().count(), 1, "one-line error: {err}");
    assert!(err.contains("t/docs") && err.contains("symlink"), "{err}");
    let names: Vec<_> = std::fs::read_dir(&outside)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names, ["keep.txt"], "nothing written outside");
    let meta = std::fs::metadata(&outside).unwrap();
    assert_eq!(meta.permissions().mode() & 0o7777, 0o700, "mode untouched");
    assert_eq!(meta.modified().unwrap(), before, "mtime untouched");
    assert!(std::fs::symlink_metadata(t.join("docs"))
        .unwrap()
        .file_type()
        .is_symlink());

    // A dangling link named as the destination itself is not followed either.
    std::os::unix::fs::symlink("../outside/made", t.join("dangling")).unwrap();
    let out = f.script(&format!(
        "{inside}; get docs {}",
        t.join("dangling").display()
    ));
    assert!(!out.status.success(), "{}", stderr(&out));
    assert!(!outside.join("made").exists());

    // --overwrite replaces the link, as restore does, and still leaves `outside` alone.
    f.ok(&format!("{inside}; get --overwrite docs {}", t.display()));
    let docs = std::fs::symlink_metadata(t.join("docs")).unwrap();
    assert!(docs.is_dir(), "the link was replaced by a directory");
    assert_eq!(
        std::fs::read_to_string(t.join("docs/new.txt")).unwrap(),
        "new\n"
    );
    assert_eq!(std::fs::read_dir(&outside).unwrap().count(), 1);
    assert_eq!(
        std::fs::metadata(&outside).unwrap().permissions().mode() & 0o7777,
        0o700
    );
}

/// Issue 18: with standard error a pipe nobody reads, failing commands still exit with their
/// class (no panic, no 101).
#[test]
fn issue_18_closed_stderr_pipe_does_not_panic() {
    let f = fixture();
    let run = |args: &[&str]| {
        let (reader, writer) = std::io::pipe().unwrap();
        drop(reader);
        let store = f.store.to_str().unwrap();
        std::process::Command::new(env!("CARGO_BIN_EXE_pbsh"))
            .args(["--repository", store])
            .args(args)
            .current_dir(&f.root)
            .env("HOME", &f.root)
            .env("XDG_DATA_HOME", f.root.join("data"))
            .env("XDG_CONFIG_HOME", f.root.join("config"))
            .stdout(std::process::Stdio::null())
            .stderr(writer)
            .status()
            .unwrap()
    };
    // One-shot, -c script, a warning on the way, and a usage error.
    assert_eq!(run(&["ls", "/store/host/nothing"]).code(), Some(3));
    assert_eq!(run(&["-c", "pwd; cd nowhere"]).code(), Some(3));
    let out = f.root.join("gotten");
    std::fs::create_dir(&out).unwrap();
    let got = run(&[
        "-c",
        &format!(
            "get host/web1/{S1}/root.pxar/etc/hosts host/web1/{S1}/root.pxar/docs {}",
            out.display()
        ),
    ]);
    assert_eq!(got.code(), Some(0));
    assert_eq!(run(&["--bogus-option"]).code(), Some(2));
}

/// Runs pbsh with its stdout a pipe that the test closes after reading one line, as `| head -1`
/// does; returns the exit status and what pbsh wrote to stderr.
fn closed_after_one_line(f: &Fixture, args: &[&str]) -> (Option<i32>, String) {
    use std::io::BufRead;
    let store = f.store.to_str().unwrap();
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_pbsh"))
        .current_dir(&f.root)
        .env("HOME", &f.root)
        .env("XDG_DATA_HOME", f.root.join("data"))
        .arg("--repository")
        .arg(store)
        .args(args)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = Vec::new();
    std::io::BufReader::new(child.stdout.take().unwrap())
        .read_until(b'\n', &mut first)
        .unwrap();
    assert!(!first.is_empty());
    // The reader is dropped here: pbsh's next writes meet a closed pipe.
    let out = child.wait_with_output().unwrap();
    (out.status.code(), stderr(&out))
}

#[test]
fn a_closed_output_pipe_ends_quietly_with_141_and_help_topics_work_one_shot() {
    let f = fixture();
    let big: String = (0..200_000).map(|i| format!("{i}\n")).collect();
    std::fs::write(f.src.join("big.txt"), big).unwrap();
    let spec = format!("root.pxar:{}", f.src.display());
    let out = f.run(&["backup", &spec, "--backup-id", "pipe"]);
    assert!(out.status.success(), "{}", stderr(&out));
    for args in [
        vec!["cat", "host/pipe/*/root.pxar/big.txt"],
        vec!["restore", "host/pipe", "root.pxar", "-"],
        vec!["-c", "cat host/pipe/*/root.pxar/big.txt; ls"],
    ] {
        let (code, err) = closed_after_one_line(&f, &args);
        assert_eq!(code, Some(141), "{args:?}: {err}");
        assert_eq!(err, "", "{args:?} printed to stderr");
    }
    // `help exit-codes` and `help paths` one-shot, as in the shell; the shell's help page has
    // a title and usage of its own.
    let out = f.run(&["help", "exit-codes"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).contains("141"), "{}", stdout(&out));
    let out = f.run(&["help", "paths"]);
    assert!(out.status.success() && !stdout(&out).is_empty());
    let help = f.ok("help");
    assert!(!help.contains("without a program name"), "{help}");
    assert!(help.contains("Usage: COMMAND"), "{help}");
}

#[test]
fn snapshot_aliases_name_the_latest_the_ones_before_and_unique_prefixes() {
    let f = fixture();
    let pwd = f.ok("cd host/web1/latest; pwd");
    assert!(
        pwd.trim_end().ends_with(&format!("host/web1/{S2}")),
        "{pwd}"
    );
    let pwd = f.ok("cd host/web1/@latest; cd ../@-1; pwd");
    assert!(
        pwd.trim_end().ends_with(&format!("host/web1/{S1}")),
        "{pwd}"
    );
    let pwd = f.ok("cd host/web1; cd 2025-11-24T16; pwd");
    assert!(
        pwd.trim_end().ends_with(&format!("host/web1/{S1}")),
        "{pwd}"
    );
    assert_eq!(
        f.ok("cat host/web1/@-1/root.pxar/etc/hosts"),
        "127.0.0.1 localhost\n"
    );
    assert_eq!(
        f.ok("cat host/web1/latest/root.pxar/etc/hosts"),
        "127.0.0.1 localhost web1\n"
    );
    let diff = f.ok("cd host/web1; diff @-1 latest");
    assert!(
        diff.contains("etc/hosts") && diff.contains("docs/new.txt"),
        "{diff}"
    );
    // One snapshot alone is compared with the one before it; the first has none.
    assert_eq!(f.ok("cd host/web1; diff latest"), diff);
    let out = f.script("cd host/web1; diff @-1");
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    // A prefix two snapshots share, and one past the oldest: not found (3), saying why.
    let out = f.script("cd host/web1/2025-11-24");
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    assert!(stderr(&out).contains("ambiguous"), "{}", stderr(&out));
    let out = f.script("ls host/web1/@-2");
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    // Commands that take TYPE/ID/TIME take the aliases too.
    let target = f.root.join("restored-previous");
    let out = f.run(&[
        "restore",
        "host/web1/@-1",
        "root.pxar",
        target.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        std::fs::read_to_string(target.join("etc/hosts")).unwrap(),
        "127.0.0.1 localhost\n"
    );
}

/// Issue 17: the short forms. `backup DIR` names the archive after the directory (PBS's
/// archive-name rules), `backup FILE` makes a fixed-index image, `restore SNAPSHOT DIR` takes
/// the snapshot's one archive (and names them all when there are several), `get PATH` writes
/// into the local current directory; PBS's long form keeps working (the fixture uses it).
#[test]
fn issue_17_short_forms_of_backup_restore_and_get() {
    let f = fixture();
    let docs = f.root.join("My Documents");
    std::fs::create_dir_all(docs.join("sub")).unwrap();
    std::fs::write(docs.join("notes.txt"), "short forms\n").unwrap();
    std::fs::write(docs.join("sub/deep.txt"), "deep\n").unwrap();
    let mut state = 3u64;
    let image = common::pseudo_random(3 << 20, &mut state);
    std::fs::write(f.root.join("disk.raw"), &image).unwrap();

    // backup DIR (relative to the current directory) and backup FILE.
    let out = f.run(&["backup", "My Documents", "--backup-id", "docs"]);
    assert!(out.status.success(), "backup DIR: {}", stderr(&out));
    assert!(
        stdout(&out).contains("My_Documents.pxar"),
        "{}",
        stdout(&out)
    );
    let out = f.run(&["backup", "disk.raw", "--backup-id", "img"]);
    assert!(out.status.success(), "backup FILE: {}", stderr(&out));
    assert_eq!(
        f.ok("ls host/docs/latest"),
        "My_Documents.pxar/\ncatalog.pcat1\nindex.json\n"
    );
    assert!(
        f.ok("ls host/img/latest").contains("disk.img"),
        "image archive named after the file"
    );

    // restore SNAPSHOT DIR with the snapshot's one archive.
    f.ok("restore host/docs restored");
    assert_eq!(
        std::fs::read_to_string(f.root.join("restored/notes.txt")).unwrap(),
        "short forms\n"
    );
    assert_eq!(
        std::fs::read_to_string(f.root.join("restored/sub/deep.txt")).unwrap(),
        "deep\n"
    );
    f.ok("restore host/img disk-back.raw");
    assert!(
        std::fs::read(f.root.join("disk-back.raw")).unwrap() == image,
        "image restored byte for byte"
    );

    // Two archives: restore needs a name and says which there are, on one line.
    let out = f.run(&[
        "backup",
        "My Documents",
        "docs.pxar:My Documents/sub",
        "--backup-id",
        "two",
    ]);
    assert!(out.status.success(), "two archives: {}", stderr(&out));
    let out = f.script("restore host/two nowhere");
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(
        err.contains("My_Documents.pxar, docs.pxar"),
        "archives listed: {err}"
    );
    assert_eq!(err.trim().lines().count(), 1, "one line: {err}");
    assert!(!f.root.join("nowhere").exists());

    // get PATH with no destination: the local current directory.
    f.ok("get host/docs/latest/My_Documents.pxar/notes.txt");
    assert_eq!(
        std::fs::read_to_string(f.root.join("notes.txt")).unwrap(),
        "short forms\n"
    );
}

/// proxmox-backup-client's `namespace list --max-depth` and `help [COMMAND] --verbose`.
#[test]
fn ns_list_max_depth_and_help_verbose_as_pbs() {
    let f = fixture();
    f.ok("ns create a; ns create a/b; ns create a/b/c; ns create z");
    let listed = |args: &[&str]| -> Vec<String> {
        let out = f.run(&[&["namespace", "list"][..], args].concat());
        assert!(out.status.success(), "{}", stderr(&out));
        stdout(&out).lines().map(String::from).collect()
    };
    let top = listed(&["--max-depth", "1"]);
    assert!(
        top.contains(&"a".to_string()) && top.contains(&"z".to_string()),
        "{top:?}"
    );
    assert!(!top.iter().any(|ns| ns.contains('/')), "{top:?}");
    assert!(
        listed(&["--max-depth", "0"]).is_empty(),
        "the root alone is not printed"
    );
    assert_eq!(listed(&["a", "--max-depth", "0"]), ["a"]);
    assert_eq!(listed(&["a", "--max-depth", "1"]), ["a", "a/b"]);
    assert_eq!(listed(&["a", "--max-depth", "7"]), ["a", "a/b", "a/b/c"]);
    assert_eq!(listed(&["a"]), ["a", "a/b", "a/b/c"]);
    // help --verbose: the same help, every option shown, one-shot and in a script.
    let plain = f.run(&["help", "backup"]);
    let verbose = f.run(&["help", "backup", "--verbose"]);
    assert!(verbose.status.success(), "{}", stderr(&verbose));
    assert_eq!(stdout(&plain), stdout(&verbose));
    assert!(stdout(&verbose).contains("--rate"), "{}", stdout(&verbose));
    let in_script = f.ok("help ns list --verbose");
    assert!(in_script.contains("--max-depth"), "{in_script}");
}
