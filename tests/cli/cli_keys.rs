//! `pbsh key …` and script mode, driving the real binary on real files in temp dirs.

use crate::common;

use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::{Command, Output};

/// Runs pbsh under `umask 000`, so file modes come from pbsh alone.
fn pbsh_umask0(cwd: &Path, home: &Path, args: &[&str], envs: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new("sh");
    cmd.current_dir(cwd)
        .arg("-c")
        .arg("umask 000; exec \"$@\"")
        .arg("sh")
        .arg(env!("CARGO_BIN_EXE_pbsh"))
        .args(args)
        .env("HOME", home)
        .env("XDG_DATA_HOME", home.join("data"))
        .env("XDG_CONFIG_HOME", home.join("config"))
        .env("TZ", "UTC")
        .env_remove("PBS_ENCRYPTION_PASSWORD")
        .env_remove("PBS_REPOSITORY");
    for (k, v) in envs {
        cmd.env(k, v);
    }
    cmd.output().expect("run pbsh")
}

fn mode(path: &Path) -> u32 {
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

fn show_json(dir: &Path, home: &Path, path: &str) -> serde_json::Value {
    let out = common::pbsh(
        dir,
        home,
        &["key", "show", "--output-format", "json", path],
        &[],
    );
    assert!(out.status.success(), "{}", common::stderr(&out));
    serde_json::from_str(&common::stdout(&out)).unwrap()
}

#[test]
fn key_create_and_change_passphrase_keep_the_key_and_mode_0600() {
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path();
    let out = pbsh_umask0(
        home,
        home,
        &[
            "key", "create", "k.json", "--kdf", "pbkdf2", "--hint", "usual",
        ],
        &[("PBSH_NEW_ENCRYPTION_PASSWORD", "first secret")],
    );
    assert!(out.status.success(), "{}", common::stderr(&out));
    let key = home.join("k.json");
    assert_eq!(mode(&key), 0o600);
    let before = show_json(home, home, "k.json");
    assert_eq!(before["kdf"], "pbkdf2");
    assert_eq!(before["hint"], "usual");

    let wrong = pbsh_umask0(
        home,
        home,
        &["key", "change-passphrase", "k.json"],
        &[
            ("PBS_ENCRYPTION_PASSWORD", "not the secret"),
            ("PBSH_NEW_ENCRYPTION_PASSWORD", "second secret"),
        ],
    );
    assert!(!wrong.status.success());
    let err = common::stderr(&wrong);
    assert_eq!(err.trim().lines().count(), 1, "one-line error: {err}");
    assert!(
        err.contains("k.json") && err.contains("wrong passphrase? hint: usual"),
        "{err}"
    );

    let out = pbsh_umask0(
        home,
        home,
        &["key", "change-passphrase", "k.json", "--kdf", "scrypt"],
        &[
            ("PBS_ENCRYPTION_PASSWORD", "first secret"),
            ("PBSH_NEW_ENCRYPTION_PASSWORD", "second secret"),
        ],
    );
    assert!(out.status.success(), "{}", common::stderr(&out));
    assert_eq!(mode(&key), 0o600);
    let after = show_json(home, home, "k.json");
    assert_eq!(after["kdf"], "scrypt");
    assert_eq!(after["fingerprint"], before["fingerprint"]);
    assert_eq!(after["created"], before["created"]);
    assert!(after.get("hint").is_none());
    let text = std::fs::read_to_string(&key).unwrap();
    assert!(!text.contains("second secret") && !text.contains("first secret"));
    let config = pbsh::format::keyfile::KeyConfig::parse(text.as_bytes()).unwrap();
    config.decrypt(b"second secret").unwrap();
    assert!(config.decrypt(b"first secret").is_err());
}

#[test]
fn key_create_refuses_to_overwrite_and_uses_the_default_path() {
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path();
    let out = pbsh_umask0(home, home, &["key", "create", "--kdf", "none"], &[]);
    assert!(out.status.success(), "{}", common::stderr(&out));
    let default = home.join("config/proxmox-backup/encryption-key.json");
    let original = std::fs::read(&default).unwrap();
    assert_eq!(mode(&default), 0o600);
    assert!(common::stderr(&out).contains("creating default key at"));
    let again = pbsh_umask0(home, home, &["key", "create", "--kdf", "none"], &[]);
    assert!(!again.status.success());
    assert!(
        common::stderr(&again).contains("File exists"),
        "{}",
        common::stderr(&again)
    );
    assert_eq!(std::fs::read(&default).unwrap(), original);
    let shown = show_json(home, home, default.to_str().unwrap());
    assert_eq!(shown["kdf"], "none");
}

#[test]
fn passphrases_are_never_accepted_on_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let out = common::pbsh(
        dir.path(),
        dir.path(),
        &["key", "create", "k.json", "--password", "hunter22"],
        &[],
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(!dir.path().join("k.json").exists());
    // Without a terminal or environment variable, a passphrase key cannot be made.
    let out = Command::new(env!("CARGO_BIN_EXE_pbsh"))
        .current_dir(dir.path())
        .args(["key", "create", "k.json"])
        .env("HOME", dir.path())
        .env("XDG_DATA_HOME", dir.path())
        .env_remove("PBSH_NEW_ENCRYPTION_PASSWORD")
        .env_remove("PBS_ENCRYPTION_PASSWORD")
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap();
    if !pbsh::util::secrets::has_terminal() {
        assert!(!out.status.success());
        assert!(
            common::stderr(&out).contains("no passphrase source"),
            "{}",
            common::stderr(&out)
        );
    }
}

#[test]
fn master_key_create_show_and_import_with_the_vector_blob() {
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path();
    let out = pbsh_umask0(
        home,
        home,
        &["key", "create-master-key"],
        &[("PBSH_MASTER_KEY_PASSWORD", "master-pass")],
    );
    assert!(out.status.success(), "{}", common::stderr(&out));
    assert_eq!(mode(&home.join("master-private.pem")), 0o600);
    let out = common::pbsh(
        home,
        home,
        &[
            "key",
            "show-master-pubkey",
            "master-public.pem",
            "--output-format",
            "json",
        ],
        &[],
    );
    let info: serde_json::Value = serde_json::from_str(&common::stdout(&out)).unwrap();
    assert_eq!(info["length"], 4096);
    assert_eq!(info["exponent"], "65537");
    let again = pbsh_umask0(
        home,
        home,
        &["key", "create-master-key"],
        &[("PBSH_MASTER_KEY_PASSWORD", "master-pass")],
    );
    assert!(
        !again.status.success(),
        "never overwrite an existing master key"
    );

    let Some(v) = common::vectors_dir() else {
        return;
    };
    let master = v.join("keys/master-private.pem");
    let blob = v.join("datastore/host/vec-enc/2026-09-21T14:15:00Z/rsa-encrypted.key.blob");
    let out = pbsh_umask0(
        home,
        home,
        &[
            "key",
            "import-with-master-key",
            master.to_str().unwrap(),
            blob.to_str().unwrap(),
            "recovered.json",
            "--kdf",
            "none",
        ],
        &[("PBSH_MASTER_KEY_PASSWORD", "master-pass")],
    );
    assert!(out.status.success(), "{}", common::stderr(&out));
    assert_eq!(mode(&home.join("recovered.json")), 0o600);
    let recovered = show_json(home, home, "recovered.json");
    let original: serde_json::Value =
        serde_json::from_slice(&std::fs::read(v.join("keys/key-none.show.json")).unwrap()).unwrap();
    assert_eq!(recovered["fingerprint"], original["fingerprint"]);
    assert_eq!(recovered["created"], original["created"]);
    let wrong = pbsh_umask0(
        home,
        home,
        &[
            "key",
            "import-with-master-key",
            master.to_str().unwrap(),
            blob.to_str().unwrap(),
            "other.json",
            "--kdf",
            "none",
        ],
        &[("PBSH_MASTER_KEY_PASSWORD", "wrong-pass")],
    );
    assert!(!wrong.status.success());
    assert!(
        common::stderr(&wrong).contains("wrong password"),
        "{}",
        common::stderr(&wrong)
    );
    assert!(!home.join("other.json").exists());
    // --hint: the imported key, under a new passphrase, carries the hint (and opens with it).
    let out = pbsh_umask0(
        home,
        home,
        &[
            "key",
            "import-with-master-key",
            master.to_str().unwrap(),
            blob.to_str().unwrap(),
            "hinted.json",
            "--kdf",
            "pbkdf2",
            "--hint",
            "the usual one",
        ],
        &[
            ("PBSH_MASTER_KEY_PASSWORD", "master-pass"),
            ("PBSH_NEW_ENCRYPTION_PASSWORD", "new secret"),
        ],
    );
    assert!(out.status.success(), "{}", common::stderr(&out));
    let hinted = show_json(home, home, "hinted.json");
    assert_eq!(hinted["hint"], "the usual one");
    assert_eq!(hinted["kdf"], "pbkdf2");
    assert_eq!(hinted["fingerprint"], original["fingerprint"]);
    assert!(
        recovered["hint"].is_null(),
        "no hint without --hint: {recovered}"
    );
}

#[test]
fn bad_key_files_give_one_line_errors_naming_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path();
    for (name, content) in [
        ("garbage.json", &b"this is not json"[..]),
        ("hostile.json", br#"{"kdf":{"PBKDF2":{"iter":1099511627776,"salt":"AAAA"}},"created":"2020-01-01T00:00:00Z","modified":"2020-01-01T00:00:00Z","data":"AAAA"}"#),
    ] {
        std::fs::write(home.join(name), content).unwrap();
        let out = common::pbsh(home, home, &["key", "change-passphrase", name], &[
            ("PBS_ENCRYPTION_PASSWORD", "whatever"),
            ("PBSH_NEW_ENCRYPTION_PASSWORD", "whatever2"),
        ]);
        assert!(!out.status.success());
        let err = common::stderr(&out);
        assert_eq!(err.trim().lines().count(), 1, "{err}");
        assert!(err.contains(name), "{err}");
    }
    let out = common::pbsh(home, home, &["key", "show", "missing.json"], &[]);
    assert!(!out.status.success());
    assert!(common::stderr(&out).contains("missing.json"));
}

#[test]
fn scripts_stop_at_the_first_failing_line_and_name_it() {
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path();
    let script = home.join("script.pbsh");
    std::fs::write(&script, "# a comment\npwd\nkey show nope.json\npwd\n").unwrap();
    let out = common::pbsh(home, home, &["-f", script.to_str().unwrap()], &[]);
    // A missing file is the "not found" class.
    assert_eq!(out.status.code(), Some(3));
    assert_eq!(
        common::stdout(&out).lines().count(),
        1,
        "stopped after line 3"
    );
    let err = common::stderr(&out);
    assert!(
        err.contains("script.pbsh:3:") && err.contains("nope.json"),
        "{err}"
    );

    let out = common::pbsh(home, home, &["-c", "pwd; kye show x"], &[]);
    // An unknown command is a usage error.
    assert_eq!(out.status.code(), Some(2));
    assert!(
        common::stderr(&out).contains("did you mean `key`?"),
        "{}",
        common::stderr(&out)
    );
    // `serve` inside the shell says how to run it instead.
    let out = common::pbsh(home, home, &["-c", "serve"], &[]);
    assert_eq!(out.status.code(), Some(2));
    assert!(common::stderr(&out).contains("pbsh serve --datastore"));
    let out = common::pbsh(home, home, &["-c", "pwd; pwd"], &[]);
    assert!(out.status.success());
    assert_eq!(common::stdout(&out), "/datastore\n/datastore\n");
    assert!(
        home.join("data/pbsh/datastore/.chunks").is_dir(),
        "default datastore created on first use"
    );
}

#[test]
fn piped_script_has_no_prompt() {
    use std::io::Write;
    let dir = tempfile::tempdir().unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_pbsh"))
        .env("HOME", dir.path())
        .env("XDG_DATA_HOME", dir.path().join("data"))
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(b"pwd\nexit\npwd\n")
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success());
    assert_eq!(String::from_utf8_lossy(&out.stdout), "/datastore\n");
}

/// Issue 16: the default key and the default master public key apply to every command that
/// reads or writes encrypted data, as with proxmox-backup-client; a plain snapshot never
/// loads the key; a snapshot of another key is checked by verify without one.
#[test]
fn default_key_and_master_pubkey_apply_to_every_command() {
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path();
    let run = |args: &[&str]| {
        common::pbsh(
            home,
            home,
            args,
            &[("PBSH_MASTER_KEY_PASSWORD", "master-pass")],
        )
    };
    let ok = |args: &[&str]| {
        let out = run(args);
        assert!(out.status.success(), "{args:?}: {}", common::stderr(&out));
        out
    };
    ok(&["key", "create", "--kdf", "none"]);
    ok(&["key", "create-master-key"]);
    ok(&["key", "import-master-pubkey", "master-public.pem"]);
    ok(&["key", "create", "--kdf", "none", "other.json"]);
    let src = home.join("src");
    std::fs::create_dir_all(src.join("sub")).unwrap();
    std::fs::write(src.join("sub/a.txt"), b"secret words\n").unwrap();
    std::fs::write(src.join("b.bin"), vec![7u8; 300_000]).unwrap();
    let store = home.join("store");
    let repo = store.to_str().unwrap();
    let spec = format!("root.pxar:{}", src.display());
    let backup = |id: &str, time: &str, extra: &[&str]| {
        let mut args = vec![
            "--repository",
            repo,
            "backup",
            &spec,
            "--backup-id",
            id,
            "--backup-time",
            time,
        ];
        args.extend_from_slice(extra);
        ok(&args)
    };

    // Backup: the default key and the default master public key.
    let out = backup("enc", "1800000000", &[]);
    let err = common::stderr(&out);
    assert!(err.contains("Using default master public key"), "{err}");
    let snap_dir = store.join("host/enc/2027-01-15T08:00:00Z");
    assert!(snap_dir.join("rsa-encrypted.key.blob").exists());
    backup("plain", "1800000000", &["--crypt-mode", "none"]);
    backup(
        "other",
        "1800000000",
        &["--keyfile", home.join("other.json").to_str().unwrap()],
    );

    // Restore, catalog dump and verify find the default key themselves.
    let target = home.join("restored");
    let out = ok(&[
        "--repository",
        repo,
        "restore",
        "host/enc/2027-01-15T08:00:00Z",
        "root.pxar",
        target.to_str().unwrap(),
    ]);
    assert!(common::stderr(&out).contains("Using default encryption key"));
    assert_eq!(
        std::fs::read(target.join("sub/a.txt")).unwrap(),
        b"secret words\n"
    );
    let out = ok(&[
        "--repository",
        repo,
        "catalog",
        "dump",
        "host/enc/2027-01-15T08:00:00Z",
    ]);
    assert!(
        common::stdout(&out).contains("a.txt"),
        "{}",
        common::stdout(&out)
    );
    let out = ok(&["--repository", repo, "verify", "host/enc"]);
    assert!(common::stdout(&out).contains("host/enc/2027-01-15T08:00:00Z: ok"));

    // A plain snapshot never loads the key.
    let out = ok(&[
        "--repository",
        repo,
        "restore",
        "host/plain/2027-01-15T08:00:00Z",
        "root.pxar",
        home.join("plain").to_str().unwrap(),
    ]);
    assert!(
        !common::stderr(&out).contains("encryption key"),
        "{}",
        common::stderr(&out)
    );

    // The whole store: the other key's snapshot is checked without a key, the rest with it.
    let out = ok(&["--repository", repo, "verify"]);
    let text = common::stdout(&out);
    for id in ["enc", "plain", "other"] {
        assert!(
            text.contains(&format!("host/{id}/2027-01-15T08:00:00Z: ok")),
            "{text}"
        );
    }
    assert!(
        common::stderr(&out).contains("1 snapshot(s) were encrypted with another key"),
        "{}",
        common::stderr(&out)
    );
    // Alone, the other key's snapshot is refused with the default key, in one line.
    let out = run(&[
        "--repository",
        repo,
        "restore",
        "host/other/2027-01-15T08:00:00Z",
        "root.pxar",
        home.join("other-restored").to_str().unwrap(),
    ]);
    assert!(!out.status.success());
    let err = common::stderr(&out);
    assert_eq!(
        err.lines().filter(|l| l.starts_with("pbsh: ")).count(),
        1,
        "{err}"
    );
}
