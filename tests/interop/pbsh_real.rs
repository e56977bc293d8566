//! pbsh against the real PBS 3.2.4 server, and cross-reading: what pbsh wrote the real client
//! restores, what the real client wrote pbsh restores, browses and mounts; keys and master-key
//! recovery in both directions; bad cases with one clear line and the right exit class against
//! both servers.

use crate::peer::{self, ok, ok_json, ClientHome, RealServer};
use crate::{common, serve_common};
use crate::{make_source, snap, tree_contents_equal, wait_for, T1, T2};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

/// A program run beside the real server as its user `peer@pbs`, with a private HOME.
struct Beside<'a> {
    real: &'a RealServer,
    home: ClientHome,
}

impl Beside<'_> {
    fn cmd(&self, program: &Path, args: &[&str]) -> Command {
        let mut cmd = self.real.command(program);
        self.home.apply(&mut cmd);
        cmd.args(args)
            .env("PBS_REPOSITORY", self.real.repository())
            .env("PBS_PASSWORD", self.real.password())
            .env("PBS_FINGERPRINT", self.real.fingerprint())
            .stdin(Stdio::null());
        cmd
    }
    fn pbsh(&self, args: &[&str]) -> Output {
        self.cmd(Path::new(env!("CARGO_BIN_EXE_pbsh")), args)
            .output()
            .unwrap()
    }
    fn client(&self, pbs: &Path, args: &[&str]) -> Output {
        self.cmd(&peer::client_bin(pbs), args).output().unwrap()
    }
}

fn vectors_file(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../shared/vectors")
        .join(name)
}

fn manifest_of(side: &Beside, pbs: &Path, snapshot: &str) -> Value {
    ok_json(side.client(pbs, &["restore", snapshot, "index.json", "-"]))
}

fn csum_of(manifest: &Value, file: &str) -> String {
    manifest["files"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["filename"] == file)
        .and_then(|f| f["csum"].as_str())
        .unwrap_or_else(|| panic!("{file} not in {manifest}"))
        .to_string()
}

fn fingerprint_of_key(side: &Beside, key: &Path) -> String {
    let shown = ok_json(side.pbsh(&[
        "key",
        "show",
        key.to_str().unwrap(),
        "--output-format",
        "json",
    ]));
    shown["fingerprint"].as_str().unwrap().to_string()
}

#[test]
fn pbsh_and_the_real_client_read_what_the_other_wrote_on_the_real_server() {
    let Some(pbs) = peer::pbs_dir() else { return };
    let Some(real) = RealServer::shared() else {
        return;
    };
    let _exclusive = real.exclusive();
    let side = Beside {
        real,
        home: ClientHome::new(),
    };
    let work = tempfile::tempdir().unwrap();
    let w = work.path();
    let src = make_source(w);
    let src_spec = format!("root.pxar:{}", src.display());
    let t1 = T1.to_string();

    // Keys: one made by pbsh, one by the real client.
    let pbsh_key = w.join("pbsh-key.json");
    ok(side.pbsh(&["key", "create", "--kdf", "none", pbsh_key.to_str().unwrap()]));
    let real_key = w.join("real-key.json");
    ok(side.client(
        &pbs,
        &["key", "create", "--kdf", "none", real_key.to_str().unwrap()],
    ));
    let master_pub = vectors_file("keys/master-public.pem");
    let master_priv = vectors_file("keys/master-private.pem");

    // pbsh writes: plain, encrypted, sign-only, encrypted with a master key, an image and a blob.
    let mut state = 11u64;
    let mut image = common::pseudo_random(2 << 20, &mut state);
    image.extend(vec![0u8; (4 << 20) + 4321]);
    let img = w.join("disk.img");
    std::fs::write(&img, &image).unwrap();
    let conf = w.join("app.conf");
    std::fs::write(&conf, "answer = 42\n").unwrap();
    let pk = pbsh_key.to_str().unwrap();
    let mp = master_pub.to_str().unwrap();
    let writes: Vec<(&str, Vec<String>)> = vec![
        ("pbsh-plain", vec![src_spec.clone()]),
        (
            "pbsh-enc",
            vec![src_spec.clone(), "--keyfile".into(), pk.into()],
        ),
        (
            "pbsh-signed",
            vec![
                src_spec.clone(),
                "--keyfile".into(),
                pk.into(),
                "--crypt-mode".into(),
                "sign-only".into(),
            ],
        ),
        (
            "pbsh-master",
            vec![
                src_spec.clone(),
                "--keyfile".into(),
                pk.into(),
                "--master-pubkey-file".into(),
                mp.into(),
            ],
        ),
        (
            "pbsh-image",
            vec![
                format!("disk.img:{}", img.display()),
                format!("app.conf:{}", conf.display()),
            ],
        ),
    ];
    for (id, specs) in &writes {
        let mut args = vec!["backup"];
        args.extend(specs.iter().map(String::as_str));
        args.extend(["--backup-id", id, "--backup-time", &t1]);
        ok(side.pbsh(&args));
    }
    // The real client restores each of them.
    for (id, key) in [
        ("pbsh-plain", None),
        ("pbsh-enc", Some(pk)),
        ("pbsh-signed", Some(pk)),
        ("pbsh-master", Some(pk)),
    ] {
        let out = w.join(format!("rc-restored-{id}"));
        let snapshot = snap(id, T1);
        let mut args = vec!["restore", &snapshot, "root.pxar", out.to_str().unwrap()];
        if let Some(k) = key {
            args.extend(["--keyfile", k]);
        }
        ok(side.client(&pbs, &args));
        common::assert_same_tree(&src, &out);
    }
    let files = ok_json(side.client(
        &pbs,
        &[
            "snapshot",
            "files",
            &snap("pbsh-master", T1),
            "--output-format",
            "json",
        ],
    ));
    let modes: Vec<String> = files
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            format!(
                "{}={}",
                f["filename"].as_str().unwrap(),
                f["crypt-mode"].as_str().unwrap_or("")
            )
        })
        .collect();
    assert!(
        modes.contains(&"root.pxar.didx=encrypt".to_string()),
        "{modes:?}"
    );
    assert!(
        modes.contains(&"rsa-encrypted.key.blob=encrypt".to_string()),
        "{modes:?}"
    );
    let img_back = w.join("rc-disk.img");
    ok(side.client(
        &pbs,
        &[
            "restore",
            &snap("pbsh-image", T1),
            "disk.img",
            img_back.to_str().unwrap(),
        ],
    ));
    assert!(
        std::fs::read(&img_back).unwrap() == image,
        "image restored by the real client differs"
    );
    let conf_back = w.join("rc-app.conf");
    ok(side.client(
        &pbs,
        &[
            "restore",
            &snap("pbsh-image", T1),
            "app.conf",
            conf_back.to_str().unwrap(),
        ],
    ));
    assert_eq!(std::fs::read(&conf_back).unwrap(), b"answer = 42\n");

    // The real client writes the same tree: pbsh's archive and catalog are the same bytes.
    ok(side.client(
        &pbs,
        &[
            "backup",
            &src_spec,
            "--backup-id",
            "rc-plain",
            "--backup-time",
            &t1,
        ],
    ));
    let theirs = manifest_of(&side, &pbs, &snap("rc-plain", T1));
    let ours = manifest_of(&side, &pbs, &snap("pbsh-plain", T1));
    for file in ["root.pxar.didx", "catalog.pcat1.didx"] {
        assert_eq!(
            csum_of(&ours, file),
            csum_of(&theirs, file),
            "{file}: pbsh and the real client differ"
        );
    }
    let dump = |id: &str| peer::ok_printed(side.client(&pbs, &["catalog", "dump", &snap(id, T1)]));
    assert_eq!(dump("pbsh-plain"), dump("rc-plain"));

    // The real client writes encrypted (its key, with a master key), an image; pbsh reads them.
    let rk = real_key.to_str().unwrap();
    ok(side.client(
        &pbs,
        &[
            "backup",
            &src_spec,
            "--backup-id",
            "rc-enc",
            "--backup-time",
            &t1,
            "--keyfile",
            rk,
            "--master-pubkey-file",
            mp,
        ],
    ));
    ok(side.client(
        &pbs,
        &[
            "backup",
            &format!("disk.img:{}", img.display()),
            "--backup-id",
            "rc-image",
            "--backup-time",
            &t1,
        ],
    ));
    for (id, key) in [("rc-plain", None), ("rc-enc", Some(rk))] {
        let out = w.join(format!("pbsh-restored-{id}"));
        let snapshot = snap(id, T1);
        let mut args = vec!["restore", &snapshot, "root.pxar", out.to_str().unwrap()];
        if let Some(k) = key {
            args.extend(["--keyfile", k]);
        }
        ok(side.pbsh(&args));
        common::assert_same_tree(&src, &out);
    }
    let img_ours = w.join("pbsh-disk.img");
    ok(side.pbsh(&[
        "restore",
        &snap("rc-image", T1),
        "disk.img",
        img_ours.to_str().unwrap(),
    ]));
    assert!(
        std::fs::read(&img_ours).unwrap() == image,
        "image restored by pbsh differs"
    );

    // Master-key recovery: rsa-encrypted.key.blob comes out without the key it recovers, and the
    // master private key turns it back into the real client's key (pbsh's side); the real client
    // recovers pbsh's the same way (it reads the master password from a terminal: `script`).
    let rsa_blob = w.join("rsa-encrypted.key.blob");
    ok(side.pbsh(&[
        "restore",
        &snap("rc-enc", T1),
        "rsa-encrypted.key.blob",
        rsa_blob.to_str().unwrap(),
    ]));
    let recovered = w.join("recovered.json");
    let mut import = side.cmd(
        Path::new(env!("CARGO_BIN_EXE_pbsh")),
        &[
            "key",
            "import-with-master-key",
            master_priv.to_str().unwrap(),
            rsa_blob.to_str().unwrap(),
            recovered.to_str().unwrap(),
            "--kdf",
            "none",
        ],
    );
    ok(import
        .env("PBSH_MASTER_KEY_PASSWORD", "master-pass")
        .output()
        .unwrap());
    assert_eq!(
        fingerprint_of_key(&side, &recovered),
        fingerprint_of_key(&side, &real_key)
    );
    let their_blob = w.join("pbsh-rsa.blob");
    ok(side.client(
        &pbs,
        &[
            "restore",
            &snap("pbsh-master", T1),
            "rsa-encrypted.key.blob",
            their_blob.to_str().unwrap(),
        ],
    ));
    let their_recovered = w.join("rc-recovered.json");
    let line = format!(
        "{} key import-with-master-key {} --master-keyfile {} --encrypted-keyfile {} --kdf none",
        peer::client_bin(&pbs).display(),
        their_recovered.display(),
        master_priv.display(),
        their_blob.display(),
    );
    let mut script = side.cmd(Path::new("script"), &["-qec", &line, "/dev/null"]);
    let typed = crate::pipe_stdin(&mut script, "master-pass\n");
    assert!(their_recovered.exists(), "{}", peer::both(&typed));
    assert_eq!(
        fingerprint_of_key(&side, &their_recovered),
        fingerprint_of_key(&side, &pbsh_key)
    );

    // pbsh browses what the real client wrote: ls, cat, get, find, and after a second backup
    // with a changed file, diff and history.
    let browse = ok(side.pbsh(&[
        "-c",
        "cd host/rc-plain; cd */root.pxar; ls -l docs; cat docs/note03.txt",
    ]));
    assert!(browse.contains("note07.txt"), "{browse}");
    assert!(browse.contains(&"note 3\n".repeat(22)), "{browse}");
    let got = w.join("got-deep.txt");
    ok(side.pbsh(&[
        "get",
        &format!(
            "/{}/{}/root.pxar/docs/nested/deep.txt",
            real.store(),
            snap("rc-plain", T1)
        ),
        got.to_str().unwrap(),
    ]));
    assert_eq!(std::fs::read(&got).unwrap(), b"deep\n");
    let found = ok(side.pbsh(&["-c", "cd host/rc-plain; find --name 'note1*'"]));
    assert_eq!(
        found.lines().filter(|l| l.contains("note1")).count(),
        10,
        "{found}"
    );
    let src2 = w.join("src2");
    assert!(Command::new("cp")
        .arg("-a")
        .arg(&src)
        .arg(&src2)
        .status()
        .unwrap()
        .success());
    std::fs::write(src2.join("docs/note05.txt"), "changed\n").unwrap();
    ok(side.client(
        &pbs,
        &[
            "backup",
            &format!("root.pxar:{}", src2.display()),
            "--backup-id",
            "rc-plain",
            "--backup-time",
            &T2.to_string(),
        ],
    ));
    let t1s = snap("rc-plain", T1).rsplit('/').next().unwrap().to_string();
    let t2s = snap("rc-plain", T2).rsplit('/').next().unwrap().to_string();
    let diff = ok(side.pbsh(&["-c", &format!("cd host/rc-plain; diff {t1s} {t2s}")]));
    assert!(diff.contains("docs/note05.txt"), "{diff}");
    assert!(!diff.contains("note06"), "{diff}");
    let history = ok(side.pbsh(&[
        "-c",
        &format!("cd host/rc-plain; history {t2s}/root.pxar/docs/note05.txt"),
    ]));
    assert!(
        history.contains(&t1s) && history.contains(&t2s),
        "{history}"
    );

    // pbsh's catalog dump and snapshot listing say what the real client's say.
    let theirs_dump =
        peer::ok_printed(side.client(&pbs, &["catalog", "dump", &snap("rc-plain", T1)]));
    assert!(
        theirs_dump.contains("docs/nested/deep.txt"),
        "{theirs_dump}"
    );
    let ours_dump = ok(side.pbsh(&["catalog", "dump", &snap("rc-plain", T1)]));
    assert_eq!(ours_dump, theirs_dump);
    let names = |v: Value| -> Vec<String> {
        let mut n: Vec<String> = v
            .as_array()
            .unwrap()
            .iter()
            .map(|s| {
                format!(
                    "{}/{}/{}",
                    s["backup-type"], s["backup-id"], s["backup-time"]
                )
            })
            .collect();
        n.sort();
        n
    };
    assert_eq!(
        names(ok_json(side.pbsh(&[
            "snapshot",
            "list",
            "--output-format",
            "json"
        ]))),
        names(ok_json(side.client(
            &pbs,
            &["snapshot", "list", "--output-format", "json"]
        )))
    );

    // pbsh maps the real client's image.
    let mapdir = w.join("map");
    std::fs::create_dir_all(&mapdir).unwrap();
    let mut map = side
        .cmd(
            Path::new(env!("CARGO_BIN_EXE_pbsh")),
            &[
                "map",
                &snap("rc-image", T1),
                "disk.img",
                mapdir.to_str().unwrap(),
            ],
        )
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mapped = wait_for(|| mapdir.join("disk.img").exists());
    let bytes = std::fs::read(mapdir.join("disk.img")).unwrap_or_default();
    let _ = Command::new("fusermount3").arg("-u").arg(&mapdir).status();
    let _ = map.kill();
    let _ = map.wait();
    assert!(
        mapped && bytes == image,
        "pbsh's map of the real client's image differs"
    );

    // pbsh mounts what the real client wrote.
    let mnt = w.join("mnt");
    std::fs::create_dir_all(&mnt).unwrap();
    let mut mount = side
        .cmd(
            Path::new(env!("CARGO_BIN_EXE_pbsh")),
            &[
                "mount",
                &snap("rc-enc", T1),
                "root.pxar",
                mnt.to_str().unwrap(),
                "--keyfile",
                rk,
            ],
        )
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mounted = wait_for(|| mnt.join("docs").exists());
    let same = mounted && tree_contents_equal(&src, &mnt);
    let _ = Command::new("fusermount3").arg("-u").arg(&mnt).status();
    let _ = mount.kill();
    let _ = mount.wait();
    assert!(
        mounted && same,
        "pbsh's mount of the real client's snapshot differs"
    );
}

#[test]
fn pbsh_administers_the_real_server() {
    let Some(pbs) = peer::pbs_dir() else { return };
    let Some(real) = RealServer::shared() else {
        return;
    };
    let _exclusive = real.exclusive();
    let side = Beside {
        real,
        home: ClientHome::new(),
    };
    let work = tempfile::tempdir().unwrap();
    let w = work.path();
    let small = w.join("small");
    std::fs::create_dir_all(&small).unwrap();
    std::fs::write(small.join("f.txt"), "admin test\n").unwrap();
    let spec = format!("root.pxar:{}", small.display());
    let listed = |ns: Option<&str>| -> Value {
        let mut args = vec!["snapshot", "list", "--output-format", "json"];
        if let Some(ns) = ns {
            args.extend(["--ns", ns]);
        }
        ok_json(side.client(&pbs, &args))
    };
    let count = |v: &Value, id: &str| {
        v.as_array()
            .unwrap()
            .iter()
            .filter(|s| s["backup-id"] == id)
            .count()
    };

    // Namespaces made by pbsh are the server's.
    ok(side.pbsh(&["ns", "create", "team"]));
    assert!(ok(side.client(&pbs, &["namespace", "list"]))
        .lines()
        .any(|l| l.trim() == "team"));
    ok(side.pbsh(&["backup", &spec, "--backup-id", "adm-ns", "--ns", "team"]));
    assert_eq!(count(&listed(Some("team")), "adm-ns"), 1);
    let ns_listing = ok(side.pbsh(&["ns", "list"]));
    assert!(ns_listing.contains("team"), "{ns_listing}");
    ok(side.pbsh(&["ns", "delete", "team", "--delete-groups"]));
    assert!(!ok(side.client(&pbs, &["namespace", "list"])).contains("team"));

    // Two snapshots; notes and protection as the real client sees them.
    for t in [T1, T2] {
        ok(side.pbsh(&[
            "backup",
            &spec,
            "--backup-id",
            "adm",
            "--backup-time",
            &t.to_string(),
        ]));
    }
    let s1 = snap("adm", T1);
    ok(side.pbsh(&["notes", &s1, "--set", "kept for audit"]));
    assert_eq!(
        ok(side.client(&pbs, &["snapshot", "notes", "show", &s1])).trim(),
        "kept for audit"
    );
    ok(side.pbsh(&["protect", &s1]));
    assert_eq!(
        ok(side.client(&pbs, &["snapshot", "protected", "show", &s1])).trim(),
        "true"
    );
    ok(side.pbsh(&["unprotect", &s1]));
    assert_eq!(
        ok(side.client(&pbs, &["snapshot", "protected", "show", &s1])).trim(),
        "false"
    );

    // Prune: the dry run shows the decisions and keeps both; the real prune leaves the newest.
    let dry = ok(side.pbsh(&["prune", "host/adm", "--keep-last", "1", "--dry-run"]));
    assert!(
        dry.contains(&s1) && dry.contains("remove") && dry.contains("keep"),
        "{dry}"
    );
    assert_eq!(count(&listed(None), "adm"), 2);
    let json_dry = ok_json(side.pbsh(&[
        "prune",
        "host/adm",
        "--keep-last",
        "1",
        "--dry-run",
        "--output-format",
        "json",
    ]));
    assert_eq!(json_dry.as_array().map(Vec::len), Some(2), "{json_dry}");
    ok(side.pbsh(&["prune", "host/adm", "--keep-last", "1"]));
    let after = listed(None);
    assert_eq!(count(&after, "adm"), 1);
    assert!(after
        .as_array()
        .unwrap()
        .iter()
        .any(|s| s["backup-id"] == "adm" && s["backup-time"] == T2));

    // Server tasks: gc and verify run there, with their logs.
    // JSON gc, as the real client: the task's UPID, not followed.
    let started: serde_json::Value = serde_json::from_str(&ok(side.pbsh(&[
        "garbage-collect",
        "--output-format",
        "json",
    ])))
    .unwrap();
    assert!(
        started
            .as_str()
            .is_some_and(|u| u.contains(":garbage_collection:")),
        "{started}"
    );
    // The manifest of a snapshot on the real server, restored as index.json.
    let manifest: serde_json::Value = serde_json::from_str(&ok(side.pbsh(&[
        "restore",
        &snap("adm", T2),
        "index.json",
        "-",
    ])))
    .unwrap();
    assert_eq!(manifest["backup-id"], "adm", "{manifest}");
    assert_eq!(manifest["backup-time"], T2, "{manifest}");
    wait_for(|| {
        ok(side.pbsh(&["task", "list"]))
            .lines()
            .all(|l| !l.contains("garbage_collection"))
    });
    let gc = ok(side.pbsh(&["garbage-collect"]));
    assert!(gc.contains("TASK OK"), "{gc}");
    let verify = ok(side.pbsh(&["verify"]));
    assert!(verify.contains("TASK OK"), "{verify}");
    // Ended tasks show with --all, as with proxmox-backup-client; without it, running ones.
    let running = ok(side.pbsh(&["task", "list"]));
    assert!(!running.contains("garbage_collection"), "{running}");
    let tasks = ok(side.pbsh(&["task", "list", "--all"]));
    assert!(
        tasks.contains("garbage_collection") && tasks.contains("verify"),
        "{tasks}"
    );
    let upid = tasks
        .split_whitespace()
        .find(|w| w.starts_with("UPID:") && w.contains(":verify:"))
        .expect("a verify task")
        .to_string();
    let log = ok(side.pbsh(&["task", "log", &upid]));
    assert!(log.contains("TASK OK"), "{log}");
    let status = ok(side.pbsh(&["status"]));
    assert!(
        status.contains("used") && status.contains(real.store()),
        "{status}"
    );

    // snapshot upload-log (on a snapshot the real client made: pbsh's own backups carry their
    // log already): stored beside the manifest as PBS stores it, once.
    ok(side.client(
        &pbs,
        &[
            "backup",
            &spec,
            "--backup-id",
            "adm-log",
            "--backup-time",
            &T1.to_string(),
        ],
    ));
    let s2 = snap("adm-log", T1);
    let log = w.join("client.log");
    std::fs::write(&log, "backup log line\n").unwrap();
    ok(side.pbsh(&["snapshot", "upload-log", &s2, log.to_str().unwrap()]));
    let files = ok_json(side.client(&pbs, &["snapshot", "files", &s2, "--output-format", "json"]));
    assert!(files.to_string().contains("client.log.blob"), "{files}");
    let stored = std::fs::read(real.store_dir().join(&s2).join("client.log.blob")).unwrap();
    let decoded = pbsh::format::blob::decode(&stored, None, 1 << 20).unwrap();
    assert_eq!(decoded, b"backup log line\n");
    let again = side.pbsh(&["snapshot", "upload-log", &s2, log.to_str().unwrap()]);
    assert!(!again.status.success(), "{}", peer::both(&again));

    // An API token logs pbsh in to the real server.
    let (token_id, secret) = real.add_admin_token("pb");
    let mut by_token = side.cmd(
        Path::new(env!("CARGO_BIN_EXE_pbsh")),
        &["snapshot", "list", "--output-format", "json"],
    );
    by_token
        .env("PBS_REPOSITORY", real.repository_as(&token_id))
        .env("PBS_PASSWORD", &secret);
    let listed_by_token = ok_json(by_token.output().unwrap());
    assert_eq!(count(&listed_by_token, "adm-log"), 1, "{listed_by_token}");

    // change-owner and version, under PBS's names.
    let _ = real.manager(&[
        "user",
        "create",
        "owner2@pbs",
        "--password",
        "owner2pass123",
    ]);
    ok(side.pbsh(&["change-owner", "host/adm", "owner2@pbs"]));
    let owner_of = |id: &str| -> String {
        let groups = ok_json(side.client(&pbs, &["list", "--output-format", "json"]));
        groups
            .as_array()
            .unwrap()
            .iter()
            .find(|g| g["backup-id"] == id)
            .and_then(|g| g["owner"].as_str())
            .unwrap_or("")
            .to_string()
    };
    assert_eq!(owner_of("adm"), "owner2@pbs");
    let missing = side.pbsh(&["change-owner", "host/adm", "nobody@pbs"]);
    assert!(!missing.status.success());
    assert!(String::from_utf8_lossy(&missing.stderr).contains("nobody@pbs"));
    ok(side.pbsh(&["change-owner", "host/adm", "peer@pbs"]));
    assert_eq!(owner_of("adm"), "peer@pbs");
    let version = ok(side.pbsh(&["version"]));
    assert!(version.contains("server version: 3.2.4"), "{version}");
    let version = ok_json(side.pbsh(&["version", "--output-format", "json"]));
    assert_eq!(version["server"]["version"], "3.2");
    // PBS's command names work as pbsh's aliases.
    ok(side.pbsh(&["namespace", "create", "alias-ns"]));
    assert!(ok(side.client(&pbs, &["namespace", "list"])).contains("alias-ns"));
    ok(side.pbsh(&["namespace", "delete", "alias-ns"]));

    // forget: the group is gone for the real client too.
    ok(side.pbsh(&["forget", "host/adm"]));
    assert_eq!(count(&listed(None), "adm"), 0);

    // bench: the TLS upload row measures this server.
    let bench = ok_json(side.pbsh(&["benchmark", "--duration", "0.3", "--output-format", "json"]));
    let tls = bench["tls"]["speed"]
        .as_f64()
        .or_else(|| bench["tls"].as_f64());
    assert!(tls.is_some_and(|s| s > 0.0), "{bench}");
}

/// What a bad case printed: the exit status and the lines on stderr.
fn failure(out: &Output) -> (Option<i32>, Vec<String>) {
    let lines = String::from_utf8_lossy(&out.stderr)
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(str::to_string)
        .collect();
    (out.status.code(), lines)
}

#[track_caller]
fn assert_one_line(out: &Output, class: i32, mentions: &str) {
    let (code, lines) = failure(out);
    assert_eq!(code, Some(class), "{}", peer::both(out));
    assert_eq!(lines.len(), 1, "{}", peer::both(out));
    assert!(
        lines[0].to_lowercase().contains(&mentions.to_lowercase()),
        "{}",
        peer::both(out)
    );
}

/// Runs `cmd` (pbsh) with `login` = (repository, password, fingerprint), a private HOME and
/// extra environment (an empty value removes the variable).
fn run_pbsh(
    mut cmd: Command,
    login: (&str, &str, &str),
    args: &[&str],
    env: &[(&str, &str)],
    home: &ClientHome,
) -> Output {
    home.apply(&mut cmd);
    cmd.args(args)
        .env("PBS_REPOSITORY", login.0)
        .env("PBS_PASSWORD", login.1)
        .env("PBS_FINGERPRINT", login.2)
        .stdin(Stdio::null());
    for (k, v) in env {
        if v.is_empty() {
            cmd.env_remove(k);
        } else {
            cmd.env(k, v);
        }
    }
    cmd.output().unwrap()
}

/// Runs pbsh against one server with extra environment (an empty value removes a variable).
type RunPbsh<'a> = &'a dyn Fn(&[&str], &[(&str, &str)], &ClientHome) -> Output;

/// The bad cases against one server: `repo` as `user@realm@host[:port]:store`.
fn bad_cases(
    run: RunPbsh,
    fingerprint: &str,
    other: (&str, &str),
    repo_as: &dyn Fn(&str) -> String,
    group_of_owner: &str,
) {
    let home = ClientHome::new();
    // Wrong password: auth (4), one line.
    let out = run(&["ls"], &[("PBS_PASSWORD", "wrong-password")], &home);
    assert_one_line(&out, 4, "");
    // Wrong fingerprint: auth (4), one line naming the fingerprint.
    let wrong = "00:11:22:33:44:55:66:77:88:99:aa:bb:cc:dd:ee:ff:00:11:22:33:44:55:66:77:88:99:aa:bb:cc:dd:ee:ff";
    assert_ne!(wrong, fingerprint);
    let out = run(&["ls"], &[("PBS_FINGERPRINT", wrong)], &home);
    assert_one_line(&out, 4, "fingerprint");
    // A snapshot that does not exist: not found (3), one line naming it.
    let out = run(
        &[
            "restore",
            "host/nothere/2030-01-01T00:00:00Z",
            "root.pxar",
            "/tmp/never",
        ],
        &[],
        &home,
    );
    assert_one_line(&out, 3, "nothere");
    // A forged ticket: the cached ticket's signature altered; with no password to log in again,
    // an auth error (4).
    ok(run(&["login"], &[], &home));
    let cache = home.path().join("run/pbsh/tickets");
    let text = std::fs::read_to_string(&cache).unwrap();
    let mut v: Value = serde_json::from_str(&text).unwrap();
    let mut forged = false;
    for users in v.as_object_mut().unwrap().values_mut() {
        for entry in users.as_object_mut().unwrap().values_mut() {
            if let Some(t) = entry["ticket"].as_str() {
                let (data, _sig) = t.rsplit_once("::").unwrap();
                entry["ticket"] = Value::String(format!("{data}::{}", "A".repeat(86)));
                forged = true;
            }
        }
    }
    assert!(forged, "{text}");
    std::fs::write(&cache, v.to_string()).unwrap();
    let out = run(&["ls"], &[("PBS_PASSWORD", "")], &home);
    let (code, lines) = failure(&out);
    assert_eq!(code, Some(4), "{}", peer::both(&out));
    assert_eq!(lines.len(), 1, "{}", peer::both(&out));
    // A user without rights on another user's group: refused, one line, non-zero.
    let other_home = ClientHome::new();
    let repo = repo_as(other.0);
    let out = run(
        &["restore", group_of_owner, "root.pxar", "/tmp/never-other"],
        &[("PBS_REPOSITORY", &repo), ("PBS_PASSWORD", other.1)],
        &other_home,
    );
    let (code, lines) = failure(&out);
    assert!(code.is_some_and(|c| c != 0), "{}", peer::both(&out));
    assert_eq!(lines.len(), 1, "{}", peer::both(&out));
    assert!(!Path::new("/tmp/never-other").exists());
}

#[test]
fn bad_cases_give_one_clear_line_and_the_right_exit_class_against_both_servers() {
    let Some(_pbs) = peer::pbs_dir() else { return };
    // pbsh serve.
    let server = serve_common::start_server();
    let repo_as = |user: &str| format!("{user}@127.0.0.1:{}:store1", server.port);
    let admin_repo = repo_as("admin@pbs");
    let src = tempfile::tempdir().unwrap();
    std::fs::write(src.path().join("f"), "x").unwrap();
    let run_serve = |args: &[&str], env: &[(&str, &str)], home: &ClientHome| {
        let cmd = Command::new(env!("CARGO_BIN_EXE_pbsh"));
        let login = (&*admin_repo, serve_common::PASSWORD, &*server.fingerprint);
        run_pbsh(cmd, login, args, env, home)
    };
    ok(run_serve(
        &[
            "backup",
            &format!("root.pxar:{}", src.path().display()),
            "--backup-id",
            "owned",
        ],
        &[],
        &ClientHome::new(),
    ));
    bad_cases(
        &run_serve,
        &server.fingerprint,
        ("bob@pbs", serve_common::PASSWORD),
        &repo_as,
        "host/owned",
    );

    // The real server.
    let Some(real) = RealServer::shared() else {
        return;
    };
    let _exclusive = real.exclusive();
    real.add_backup_user("other@pbs", "otherpass123");
    let real_repo_as = |user: &str| real.repository_as(user);
    let run_real = |args: &[&str], env: &[(&str, &str)], home: &ClientHome| {
        let cmd = real.command(env!("CARGO_BIN_EXE_pbsh"));
        let login = (real.repository(), real.password(), real.fingerprint());
        run_pbsh(cmd, login, args, env, home)
    };
    ok(run_real(
        &[
            "backup",
            &format!("root.pxar:{}", src.path().display()),
            "--backup-id",
            "owned",
        ],
        &[],
        &ClientHome::new(),
    ));
    bad_cases(
        &run_real,
        real.fingerprint(),
        ("other@pbs", "otherpass123"),
        &real_repo_as,
        "host/owned",
    );
}

#[test]
fn change_owner_and_version_against_pbsh_serve_follow_pbs_rules() {
    let server = serve_common::start_server();
    let src = tempfile::tempdir().unwrap();
    std::fs::write(src.path().join("f"), "x").unwrap();
    let run_as = |user: &str, args: &[&str]| {
        let home = ClientHome::new();
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_pbsh"));
        home.apply(&mut cmd);
        cmd.args(args)
            .env(
                "PBS_REPOSITORY",
                format!("{user}@127.0.0.1:{}:store1", server.port),
            )
            .env("PBS_PASSWORD", serve_common::PASSWORD)
            .env("PBS_FINGERPRINT", &server.fingerprint)
            .stdin(Stdio::null())
            .output()
            .unwrap()
    };
    let owner_file = server.datastore().join("host/grp/owner");
    let owner = || {
        std::fs::read_to_string(&owner_file)
            .unwrap()
            .trim()
            .to_string()
    };
    ok(run_as(
        "alice@pbs",
        &[
            "backup",
            &format!("root.pxar:{}", src.path().display()),
            "--backup-id",
            "grp",
        ],
    ));
    assert_eq!(owner(), "alice@pbs");
    // A user may hand a group to its own token and back; not to another user.
    ok(run_as(
        "alice@pbs",
        &["change-owner", "host/grp", "alice@pbs!tok"],
    ));
    assert_eq!(owner(), "alice@pbs!tok");
    ok(run_as(
        "alice@pbs",
        &["change-owner", "host/grp", "alice@pbs"],
    ));
    let refused = run_as("alice@pbs", &["change-owner", "host/grp", "bob@pbs"]);
    assert!(!refused.status.success(), "{}", peer::both(&refused));
    assert_eq!(owner(), "alice@pbs");
    // Another user may not take it; an admin may give it to anyone who exists.
    let refused = run_as("bob@pbs", &["change-owner", "host/grp", "bob@pbs"]);
    assert!(!refused.status.success());
    ok(run_as(
        "admin@pbs",
        &["change-owner", "host/grp", "bob@pbs"],
    ));
    assert_eq!(owner(), "bob@pbs");
    let missing = run_as("admin@pbs", &["change-owner", "host/grp", "nobody@pbs"]);
    assert!(String::from_utf8_lossy(&missing.stderr).contains("nobody@pbs"));
    assert_eq!(owner(), "bob@pbs");
    // version: pbsh's own and the server's, as the real server reports its own.
    let version = ok_json(run_as("admin@pbs", &["version", "--output-format", "json"]));
    assert_eq!(version["server"]["version"], "3.2");
    assert_eq!(version["server"]["release"], "4");
    assert_eq!(version["client"]["version"], env!("CARGO_PKG_VERSION"));
}

/// Issue 16 item 5: one catalog shell script through the real client and through pbsh on the
/// same snapshot on the real server: the same paths found and listed, the same patterns kept,
/// the same files restored.
#[test]
fn catalog_shell_scripts_do_what_the_real_clients_do() {
    let Some(pbs) = peer::pbs_dir() else { return };
    let Some(real) = RealServer::shared() else {
        return;
    };
    let _exclusive = real.exclusive();
    let side = Beside {
        real,
        home: ClientHome::new(),
    };
    let work = tempfile::tempdir().unwrap();
    let w = work.path();
    let src = w.join("src");
    std::fs::create_dir_all(src.join("sub/deep")).unwrap();
    for (path, body) in [
        ("a.bin", "a"),
        ("top.txt", "t"),
        ("sub/b.bin", "b"),
        ("sub/x.txt", "x"),
        ("sub/deep/c.bin", "c"),
    ] {
        std::fs::write(src.join(path), body).unwrap();
    }
    let spec = format!("root.pxar:{}", src.display());
    let t = T1.to_string();
    ok(side.pbsh(&[
        "backup",
        &spec,
        "--backup-id",
        "cshell",
        "--backup-time",
        &t,
    ]));
    let snapshot = snap("cshell", T1);
    // Archive-relative paths of what a run printed (pbsh prints tree paths, PBS `/a.bin`).
    let paths = |text: &str| -> Vec<String> {
        let mut v: Vec<String> = text
            .lines()
            .map(|l| l.trim().trim_matches('"'))
            .filter_map(|l| match l.find("root.pxar/") {
                Some(i) => Some(l[i + "root.pxar".len()..].to_string()),
                None => l.starts_with('/').then(|| l.to_string()),
            })
            .collect();
        v.sort();
        v.dedup();
        v
    };
    let run = |real_client: bool, script: &str| -> String {
        let program = if real_client {
            peer::client_bin(&pbs)
        } else {
            PathBuf::from(env!("CARGO_BIN_EXE_pbsh"))
        };
        let mut cmd = side.cmd(&program, &["catalog", "shell", &snapshot, "root.pxar"]);
        let out = crate::pipe_stdin(&mut cmd, script);
        // The real client prints some of its output through its logger, on stderr.
        let text = format!(
            "{}{}",
            peer::ok(out.clone()),
            String::from_utf8_lossy(&out.stderr)
        );
        text
    };
    for (who, real_client) in [("real client", true), ("pbsh", false)] {
        let found = run(real_client, "find *.bin\n");
        assert_eq!(
            paths(&found),
            ["/a.bin", "/sub/b.bin", "/sub/deep/c.bin"],
            "{who}: {found}"
        );
        let patterns = run(
            real_client,
            "find *.bin --select\nlist-selected --patterns\n",
        );
        assert!(
            patterns
                .lines()
                .any(|l| l.trim().trim_matches('"') == "*.bin"),
            "{who}: {patterns}"
        );
        let listed = run(real_client, "find sub/*.bin --select\nlist-selected\n");
        assert_eq!(paths(&listed), ["/sub/b.bin"], "{who}: {listed}");
        let selected = w.join(format!("selected-{real_client}"));
        run(
            real_client,
            &format!(
                "find *.bin --select\nrestore-selected {}\n",
                selected.display()
            ),
        );
        let filtered = w.join(format!("filtered-{real_client}"));
        run(
            real_client,
            &format!("restore {} --pattern 'sub/**'\n", filtered.display()),
        );
        let mut only_bins = src.clone();
        only_bins.set_file_name(format!("bins-{real_client}"));
        for f in ["a.bin", "sub/b.bin", "sub/deep/c.bin"] {
            let to = only_bins.join(f);
            std::fs::create_dir_all(to.parent().unwrap()).unwrap();
            std::fs::copy(src.join(f), to).unwrap();
        }
        assert!(
            tree_contents_equal(&only_bins, &selected),
            "{who}: restore-selected"
        );
        let listing =
            String::from_utf8_lossy(&Command::new("find").arg(&filtered).output().unwrap().stdout)
                .into_owned();
        assert!(
            tree_contents_equal(&src.join("sub"), &filtered.join("sub")),
            "{who}: restore --pattern 'sub/**': {listing}"
        );
        assert!(!filtered.join("a.bin").exists(), "{who}: {listing}");
    }
    // A directory's name as the pattern takes the directory with everything below it in pbsh
    // (PBS 3.2.4's catalog shell restores nothing for it: it never passes a directory's match
    // on to its entries).
    let whole_dir = w.join("whole-dir");
    run(
        false,
        &format!("restore {} --pattern sub\n", whole_dir.display()),
    );
    assert!(tree_contents_equal(
        &src.join("sub"),
        &whole_dir.join("sub")
    ));
    assert!(!whole_dir.join("a.bin").exists());
}

/// Issue 21 item 2: a repeat backup in metadata mode into the real server reuses the previous
/// snapshot's payload. The server's snapshot list carries no file checksums, so pbsh reads the
/// stored manifest before it trusts the previous indexes (it used to fail "does not match the
/// manifest (size N vs N, checksum … vs )").
#[test]
fn metadata_mode_repeats_against_the_real_server() {
    if peer::pbs_dir().is_none() {
        return;
    }
    let Some(real) = RealServer::shared() else {
        return;
    };
    let _exclusive = real.exclusive();
    let side = Beside {
        real,
        home: ClientHome::new(),
    };
    let work = tempfile::tempdir().unwrap();
    let w = work.path();
    let src = w.join("src");
    std::fs::create_dir_all(src.join("sub")).unwrap();
    let mut state = 11u64;
    for i in 0..4 {
        std::fs::write(
            src.join(format!("sub/f{i}.bin")),
            common::pseudo_random(1 << 20, &mut state),
        )
        .unwrap();
    }
    std::fs::write(src.join("notes.txt"), "metadata mode\n").unwrap();
    let spec = format!("root.pxar:{}", src.display());
    for (time, repeat) in [(T1, false), (T2, true)] {
        let t = time.to_string();
        let printed = ok(side.pbsh(&[
            "backup",
            &spec,
            "--backup-id",
            "meta",
            "--backup-time",
            &t,
            "--change-detection-mode",
            "metadata",
        ]));
        assert_eq!(
            printed.contains("unchanged files reused"),
            repeat,
            "{printed}"
        );
    }
    let restored = w.join("restored");
    ok(side.pbsh(&[
        "restore",
        &snap("meta", T2),
        "root.pxar",
        restored.to_str().unwrap(),
    ]));
    assert!(tree_contents_equal(&src, &restored));
}
