//! The real proxmox-backup-client against `pbsh serve` over a datastore in a real Garage
//! bucket: it backs up and restores identical, and pbsh on another host, reading the bucket
//! directly, lists and restores what the real client wrote.

use super::*;
use crate::common::garage::Garage;
use crate::peer::{self, ClientHome};

#[test]
fn real_client_backs_up_to_pbsh_serve_over_s3_and_restores_identical() {
    let Some(pbs) = peer::pbs_dir() else {
        return;
    };
    let Some(garage) = Garage::start(1) else {
        return;
    };
    let work = tempfile::tempdir().unwrap();
    let cache = work.path().join("server-cache");
    let mut envs = garage.vars();
    envs.push(("PBSH_S3_CACHE_DIR", cache.to_str().unwrap()));
    let url = garage.url("served");
    let spec = format!("store1={url}");
    let server = serve_common::start_server_custom(&[spec.as_str()], &envs, None);
    let home = ClientHome::new();
    let src = make_source(work.path());
    let client = |args: &[&str]| {
        let mut cmd = Command::new(peer::client_bin(&pbs));
        home.apply(&mut cmd);
        cmd.args(args)
            .env(
                "PBS_REPOSITORY",
                format!("admin@pbs@127.0.0.1:{}:store1", server.port),
            )
            .env("PBS_PASSWORD", serve_common::PASSWORD)
            .env("PBS_FINGERPRINT", &server.fingerprint)
            .stdin(Stdio::null());
        let out = cmd.output().unwrap();
        assert!(
            out.status.success(),
            "proxmox-backup-client {args:?}: {}",
            peer::both(&out)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    let root = format!("root.pxar:{}", src.display());
    client(&[
        "backup",
        &root,
        "--backup-id",
        "s3web",
        "--backup-time",
        &T1.to_string(),
    ]);
    // A second backup: the real client's known-chunk reuse against the bucket's chunks.
    client(&[
        "backup",
        &root,
        "--backup-id",
        "s3web",
        "--backup-time",
        &T2.to_string(),
    ]);
    let listed = client(&["snapshot", "list", "--output-format", "json"]);
    assert!(listed.contains("s3web"), "{listed}");
    let target = work.path().join("restored");
    client(&[
        "restore",
        &snap("s3web", T1),
        "root.pxar",
        target.to_str().unwrap(),
    ]);
    assert!(
        tree_contents_equal(&src, &target),
        "the real client's restore differs"
    );

    // The bucket holds PBS's layout, with both manifests.
    let keys = {
        use pbsh::repo::backend::{Depth, Key, StorageBackend};
        let s3 = garage.store("served");
        s3.list(&Key::root(), Depth::Recursive)
            .unwrap()
            .into_iter()
            .map(|e| e.name)
            .collect::<Vec<_>>()
    };
    for t in [T1, T2] {
        let manifest = format!("{}/index.json.blob", snap("s3web", t));
        assert!(keys.contains(&manifest), "{manifest} not in {keys:?}");
    }

    // pbsh on another host, straight on the bucket, restores what the real client wrote.
    let other = tempfile::tempdir().unwrap();
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_pbsh"));
    for (k, v) in garage.vars() {
        cmd.env(k, v);
    }
    let mine = other.path().join("mine");
    let out = cmd
        .env("HOME", other.path())
        .env("PBSH_S3_CACHE_DIR", other.path().join("cache"))
        .env_remove("PBS_REPOSITORY")
        .args([
            "--repository",
            &url,
            "restore",
            &snap("s3web", T2),
            "root.pxar",
        ])
        .arg(&mine)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", peer::both(&out));
    assert!(tree_contents_equal(&src, &mine), "pbsh's restore differs");
}
