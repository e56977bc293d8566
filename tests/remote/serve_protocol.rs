//! `pbsh serve` end to end over real TLS + HTTP/2: login, backup sessions, reader sessions,
//! refusals (bad checksum, dropped session, second writer, owner checks, malformed requests).

use crate::serve_common::*;
use bytes::Bytes;
use http::{Method, StatusCode};
use pbsh::format::blob;
use pbsh::format::digest::{sha256, ChunkDigest};
use pbsh::format::index::IndexCsum;
use pbsh::format::manifest::{CryptMode, FileInfo, Manifest};
use serde_json::{json, Value};
use std::time::{Duration, Instant};

const BACKUP: &str = "proxmox-backup-protocol-v1";
const READER: &str = "proxmox-backup-reader-protocol-v1";

fn backup_path(id: &str, time: i64) -> String {
    format!("/api2/json/backup?store=store1&backup-type=host&backup-id={id}&backup-time={time}&debug=true&benchmark=false")
}

fn reader_path(id: &str, time: i64) -> String {
    format!("/api2/json/reader?store=store1&backup-type=host&backup-id={id}&backup-time={time}")
}

fn chunk_data(seed: u8, len: usize) -> Vec<u8> {
    let mut s = 0x9e3779b97f4a7c15u64 ^ u64::from(seed);
    (0..len)
        .map(|_| {
            s ^= s << 13;
            s ^= s >> 7;
            s ^= s << 17;
            s as u8
        })
        .collect()
}

/// Uploads `chunks` as one dynamic archive; returns (size, csum hex, digests).
async fn upload_dynamic(
    h2: &mut H2,
    name: &str,
    chunks: &[Vec<u8>],
) -> (u64, String, Vec<ChunkDigest>) {
    let wid = call_ok(
        h2,
        Method::POST,
        &format!("dynamic_index?archive-name={name}"),
        Bytes::new(),
        FORM,
    )
    .await;
    let wid = wid.as_u64().unwrap();
    let mut offset = 0u64;
    let mut csum = IndexCsum::new();
    let mut digests = Vec::new();
    let mut offsets = Vec::new();
    for data in chunks {
        let digest = ChunkDigest::of_plain(data);
        let encoded = blob::encode(data, None, true).unwrap();
        let got = call_ok(
            h2,
            Method::POST,
            &format!(
                "dynamic_chunk?wid={wid}&digest={}&size={}&encoded-size={}",
                digest.to_hex(),
                data.len(),
                encoded.len()
            ),
            Bytes::from(encoded),
            OCTETS,
        )
        .await;
        assert_eq!(got, json!(digest.to_hex()));
        offsets.push(offset);
        offset += data.len() as u64;
        csum.add_dynamic(offset, &digest);
        digests.push(digest);
    }
    let body = json!({
        "wid": wid,
        "digest-list": digests.iter().map(|d| d.to_hex()).collect::<Vec<_>>(),
        "offset-list": offsets,
    });
    call_ok(
        h2,
        Method::PUT,
        "dynamic_index",
        Bytes::from(body.to_string()),
        "application/json",
    )
    .await;
    let csum = hex::encode(csum.finish());
    call_ok(
        h2,
        Method::POST,
        &format!(
            "dynamic_close?wid={wid}&chunk-count={}&size={offset}&csum={csum}",
            chunks.len()
        ),
        Bytes::new(),
        FORM,
    )
    .await;
    (offset, csum, digests)
}

async fn upload_blob(h2: &mut H2, name: &str, raw: Vec<u8>) {
    call_ok(
        h2,
        Method::POST,
        &format!("blob?file-name={name}&encoded-size={}", raw.len()),
        Bytes::from(raw),
        OCTETS,
    )
    .await;
}

/// A whole backup session of host/`id` at `time` with one didx (3 chunks) and one blob.
async fn full_backup(server: &Server, auth: &Auth, id: &str, time: i64) -> Vec<Vec<u8>> {
    let mut h2 = upgrade(server, &backup_path(id, time), BACKUP, auth)
        .await
        .expect("upgrade");
    let prev = call_ok(
        &mut h2,
        Method::GET,
        "previous_backup_time",
        Bytes::new(),
        FORM,
    )
    .await;
    assert_eq!(prev, Value::Null);
    let chunks: Vec<Vec<u8>> = (0..3)
        .map(|i| chunk_data(i + time as u8, 70_000 + i as usize * 1000))
        .collect();
    let (size, csum, _) = upload_dynamic(&mut h2, "data.pxar.didx", &chunks).await;
    let conf = blob::encode(b"hello config\n", None, true).unwrap();
    upload_blob(&mut h2, "conf.blob", conf.clone()).await;
    let mut m = Manifest::new("host", id, time);
    m.files.push(FileInfo {
        filename: "data.pxar.didx".into(),
        crypt_mode: CryptMode::None,
        size,
        csum,
    });
    m.files.push(FileInfo {
        filename: "conf.blob".into(),
        crypt_mode: CryptMode::None,
        size: conf.len() as u64,
        csum: hex::encode(sha256(&conf)),
    });
    let manifest = blob::encode(&m.to_json_bytes().unwrap(), None, true).unwrap();
    upload_blob(&mut h2, "index.json.blob", manifest).await;
    call_ok(&mut h2, Method::POST, "finish", Bytes::new(), FORM).await;
    chunks
}

fn snapshot_dir(server: &Server, id: &str, time: i64) -> std::path::PathBuf {
    server
        .datastore()
        .join("host")
        .join(id)
        .join(pbsh::repo::types::format_backup_time(time))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn full_backup_session_then_verify_and_read_back() {
    let server = start_server();
    let auth = login(&server, "admin@pbs").await;
    let time = 1_700_000_000;
    let chunks = full_backup(&server, &auth, "web1", time).await;
    let dir = snapshot_dir(&server, "web1", time);
    assert!(dir.join("index.json.blob").is_file());
    assert!(dir.join("data.pxar.didx").is_file());

    // The independent check: pbsh verify over the datastore the server wrote.
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_pbsh"))
        .args([
            "--repository",
            server.datastore().to_str().unwrap(),
            "verify",
        ])
        .env("HOME", server.dir.path())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );

    // REST listings see it.
    let (s, body) = rest(
        &server,
        Method::GET,
        "/api2/json/admin/datastore/store1/snapshots",
        &auth,
        None,
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    let snaps = data(&body);
    assert_eq!(snaps.as_array().unwrap().len(), 1);
    assert_eq!(snaps[0]["backup-time"], json!(time));
    assert_eq!(snaps[0]["owner"], json!("admin@pbs"));
    assert_eq!(snaps[0]["protected"], json!(false));

    // Reader protocol: manifest, index, chunks.
    let mut r = upgrade(&server, &reader_path("web1", time), READER, &auth)
        .await
        .expect("reader");
    let (s, _) = call(
        &mut r,
        Method::GET,
        &format!(
            "chunk?digest={}",
            ChunkDigest::of_plain(&chunks[0]).to_hex()
        ),
        Bytes::new(),
        FORM,
    )
    .await;
    assert_eq!(
        s,
        StatusCode::UNAUTHORIZED,
        "chunk before its index is downloaded"
    );
    let (s, raw) = call(
        &mut r,
        Method::GET,
        "download?file-name=index.json.blob",
        Bytes::new(),
        FORM,
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    let m = Manifest::parse(&blob::decode(&raw, None, 1 << 20).unwrap()).unwrap();
    assert!(m.unprotected.get("chunk_upload_stats").is_some());
    let (s, raw) = call(
        &mut r,
        Method::GET,
        "download?file-name=data.pxar.didx",
        Bytes::new(),
        FORM,
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    let idx = pbsh::format::index::DynamicIndex::decode(&raw).unwrap();
    assert_eq!(idx.chunk_count(), 3);
    let mut restored = Vec::new();
    for d in idx.digests() {
        let (s, raw) = call(
            &mut r,
            Method::GET,
            &format!("chunk?digest={}", d.to_hex()),
            Bytes::new(),
            FORM,
        )
        .await;
        assert_eq!(s, StatusCode::OK);
        restored.extend(blob::decode_chunk(&raw, None, d).unwrap());
    }
    assert_eq!(restored, chunks.concat());
    let (s, raw) = call(&mut r, Method::GET, "speedtest", Bytes::new(), FORM).await;
    assert_eq!((s, raw.len()), (StatusCode::OK, 1024 * 1024));
    drop(r);

    // An incremental session: previous index registers known chunks, so appends work without re-upload.
    let mut h2 = upgrade(&server, &backup_path("web1", time + 60), BACKUP, &auth)
        .await
        .expect("upgrade");
    let prev = call_ok(
        &mut h2,
        Method::GET,
        "previous_backup_time",
        Bytes::new(),
        FORM,
    )
    .await;
    assert_eq!(prev, json!(time));
    let (s, _) = call(
        &mut h2,
        Method::GET,
        "previous?archive-name=data.pxar.didx",
        Bytes::new(),
        FORM,
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    let wid = call_ok(
        &mut h2,
        Method::POST,
        "dynamic_index?archive-name=data.pxar.didx",
        Bytes::new(),
        FORM,
    )
    .await;
    let body = json!({"wid": wid, "digest-list": [idx.digests()[0].to_hex()], "offset-list": [0]});
    call_ok(
        &mut h2,
        Method::PUT,
        "dynamic_index",
        Bytes::from(body.to_string()),
        "application/json",
    )
    .await;
    drop(h2);

    // Tasks: the backup and reader tasks are listed with real UPIDs and logs.
    let (s, body) = rest(
        &server,
        Method::GET,
        "/api2/json/nodes/localhost/tasks?limit=10",
        &auth,
        None,
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    let tasks = data(&body);
    let backup = tasks
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["worker_type"] == "backup" && t["status"] == "OK")
        .expect("finished backup task");
    let upid = backup["upid"].as_str().unwrap();
    assert!(
        upid.starts_with("UPID:") && upid.ends_with(":admin@pbs:"),
        "{upid}"
    );
    assert!(upid.contains(":backup:store1\\x3ahost-web1:"), "{upid}");
    let enc =
        percent_encoding::utf8_percent_encode(upid, percent_encoding::NON_ALPHANUMERIC).to_string();
    let (s, body) = rest(
        &server,
        Method::GET,
        &format!("/api2/json/nodes/localhost/tasks/{enc}/status"),
        &auth,
        None,
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(data(&body)["exitstatus"], json!("OK"));
    let (s, body) = rest(
        &server,
        Method::GET,
        &format!("/api2/json/nodes/localhost/tasks/{enc}/log?start=1&limit=2&test-status=true"),
        &auth,
        None,
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    let v: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(v["data"].as_array().unwrap().len(), 2);
    assert_eq!(v["data"][0]["n"], json!(1));
    assert!(v["total"].as_u64().unwrap() >= 3);
    assert_eq!(v["active"], json!(false));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dropped_session_leaves_no_snapshot() {
    let server = start_server();
    let auth = login(&server, "admin@pbs").await;
    let time = 1_700_000_100;
    let mut h2 = upgrade(&server, &backup_path("gone", time), BACKUP, &auth)
        .await
        .expect("upgrade");
    let chunks = vec![chunk_data(7, 5000)];
    upload_dynamic(&mut h2, "data.pxar.didx", &chunks).await;
    upload_blob(
        &mut h2,
        "conf.blob",
        blob::encode(b"x", None, false).unwrap(),
    )
    .await;
    drop(h2);
    // The server notices the closed connection and removes the hidden snapshot directory.
    let group = server.datastore().join("host/gone");
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let leftovers: Vec<_> = std::fs::read_dir(&group)
            .map(|d| {
                d.flatten()
                    .map(|e| e.file_name())
                    .filter(|n| n != "owner")
                    .collect()
            })
            .unwrap_or_default();
        if leftovers.is_empty() {
            break;
        }
        assert!(Instant::now() < deadline, "left behind: {leftovers:?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(!snapshot_dir(&server, "gone", time).exists());
    let (_, body) = rest(
        &server,
        Method::GET,
        "/api2/json/admin/datastore/store1/snapshots",
        &auth,
        None,
    )
    .await;
    assert_eq!(data(&body), json!([]));
    // The group lock is free again: the same snapshot can be written now.
    full_backup(&server, &auth, "gone", time).await;
    assert!(snapshot_dir(&server, "gone", time)
        .join("index.json.blob")
        .is_file());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_uploads_and_bad_checksum_at_close_are_refused() {
    let server = start_server();
    let auth = login(&server, "admin@pbs").await;
    let mut h2 = upgrade(&server, &backup_path("bad", 1_700_000_200), BACKUP, &auth)
        .await
        .expect("upgrade");
    let wid = call_ok(
        &mut h2,
        Method::POST,
        "dynamic_index?archive-name=a.pxar.didx",
        Bytes::new(),
        FORM,
    )
    .await;
    let data1 = chunk_data(1, 4000);
    let good = ChunkDigest::of_plain(&data1);
    let encoded = blob::encode(&data1, None, true).unwrap();
    // Content not matching its digest (S6): refused, nothing stored.
    let wrong = ChunkDigest::of_plain(b"something else");
    let (s, msg) = call(
        &mut h2,
        Method::POST,
        &format!(
            "dynamic_chunk?wid={wid}&digest={}&size=4000&encoded-size={}",
            wrong.to_hex(),
            encoded.len()
        ),
        Bytes::from(encoded.clone()),
        OCTETS,
    )
    .await;
    assert_eq!(
        s,
        StatusCode::BAD_REQUEST,
        "{}",
        String::from_utf8_lossy(&msg)
    );
    assert!(!server
        .datastore()
        .join(".chunks")
        .join(&wrong.to_hex()[..4])
        .join(wrong.to_hex())
        .exists());
    // Body longer than announced.
    let (s, msg) = call(
        &mut h2,
        Method::POST,
        &format!(
            "dynamic_chunk?wid={wid}&digest={}&size=4000&encoded-size=20",
            good.to_hex()
        ),
        Bytes::from(encoded.clone()),
        OCTETS,
    )
    .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert!(
        String::from_utf8_lossy(&msg).contains("larger than announced"),
        "{}",
        String::from_utf8_lossy(&msg)
    );
    // Appending a digest never uploaded in this session.
    let body = json!({"wid": wid, "digest-list": [good.to_hex()], "offset-list": [0]});
    let (s, msg) = call(
        &mut h2,
        Method::PUT,
        "dynamic_index",
        Bytes::from(body.to_string()),
        "application/json",
    )
    .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert!(String::from_utf8_lossy(&msg).starts_with("no such chunk"));
    // Upload, append, then close with a wrong checksum and a wrong count.
    call_ok(
        &mut h2,
        Method::POST,
        &format!(
            "dynamic_chunk?wid={wid}&digest={}&size=4000&encoded-size={}",
            good.to_hex(),
            encoded.len()
        ),
        Bytes::from(encoded),
        OCTETS,
    )
    .await;
    call_ok(
        &mut h2,
        Method::PUT,
        "dynamic_index",
        Bytes::from(body.to_string()),
        "application/json",
    )
    .await;
    let bad_csum = "0".repeat(64);
    let (s, msg) = call(
        &mut h2,
        Method::POST,
        &format!("dynamic_close?wid={wid}&chunk-count=1&size=4000&csum={bad_csum}"),
        Bytes::new(),
        FORM,
    )
    .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert!(
        String::from_utf8_lossy(&msg).contains("got unexpected checksum"),
        "{}",
        String::from_utf8_lossy(&msg)
    );
    let mut c = IndexCsum::new();
    c.add_dynamic(4000, &good);
    let csum = hex::encode(c.finish());
    let (s, msg) = call(
        &mut h2,
        Method::POST,
        &format!("dynamic_close?wid={wid}&chunk-count=2&size=4000&csum={csum}"),
        Bytes::new(),
        FORM,
    )
    .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert!(String::from_utf8_lossy(&msg).contains("wrong number of chunk"));
    // finish with the writer still open is refused.
    let (s, msg) = call(&mut h2, Method::POST, "finish", Bytes::new(), FORM).await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert!(String::from_utf8_lossy(&msg).contains("open index writer"));
    // Correct close works; a fixed index with one short chunk too.
    call_ok(
        &mut h2,
        Method::POST,
        &format!("dynamic_close?wid={wid}&chunk-count=1&size=4000&csum={csum}"),
        Bytes::new(),
        FORM,
    )
    .await;
    let fwid = call_ok(
        &mut h2,
        Method::POST,
        "fixed_index?archive-name=disk.img.fidx&size=4000",
        Bytes::new(),
        FORM,
    )
    .await;
    let body = json!({"wid": fwid, "digest-list": [good.to_hex()], "offset-list": [0]});
    call_ok(
        &mut h2,
        Method::PUT,
        "fixed_index",
        Bytes::from(body.to_string()),
        "application/json",
    )
    .await;
    let fcsum = hex::encode(sha256(&good.0));
    call_ok(
        &mut h2,
        Method::POST,
        &format!("fixed_close?wid={fwid}&chunk-count=1&size=4000&csum={fcsum}"),
        Bytes::new(),
        FORM,
    )
    .await;
    // A blob with a broken CRC is refused.
    let mut broken = blob::encode(b"abc", None, false).unwrap();
    broken[8] ^= 0xff;
    let (s, _) = call(
        &mut h2,
        Method::POST,
        &format!("blob?file-name=x.blob&encoded-size={}", broken.len()),
        Bytes::from(broken),
        OCTETS,
    )
    .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    // Unknown call, wrong extension.
    let (s, _) = call(&mut h2, Method::GET, "nonsense", Bytes::new(), FORM).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, msg) = call(
        &mut h2,
        Method::POST,
        "dynamic_index?archive-name=a.txt",
        Bytes::new(),
        FORM,
    )
    .await;
    assert_eq!(
        (s, msg.as_ref()),
        (StatusCode::BAD_REQUEST, &b"wrong archive extension"[..])
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn second_writer_on_same_group_is_refused() {
    let server = start_server();
    let auth = login(&server, "admin@pbs").await;
    let first = upgrade(&server, &backup_path("busy", 1_700_000_300), BACKUP, &auth)
        .await
        .expect("first");
    let err = upgrade(&server, &backup_path("busy", 1_700_000_301), BACKUP, &auth)
        .await
        .expect_err("second refused");
    assert_eq!(err.0, StatusCode::BAD_REQUEST);
    assert!(
        err.1
            .contains("unable to acquire lock on backup group directory")
            && err.1.contains("another backup is already running"),
        "{}",
        err.1
    );
    // Another group works at the same time.
    full_backup(&server, &auth, "other", 1_700_000_302).await;
    drop(first);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn auth_wrong_password_tokens_csrf_and_owners() {
    let server = start_server();
    // Wrong password: 401, after PBS's delay.
    let started = Instant::now();
    let (s, _) = rest(
        &server,
        Method::POST,
        "/api2/json/access/ticket",
        &Auth::None,
        Some(json!({"username": "alice@pbs", "password": "wrong-pass"})),
    )
    .await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    assert!(started.elapsed() >= Duration::from_millis(2500));
    // No credentials, a tampered ticket, a ticket POST without CSRF token: 401.
    let (s, _) = rest(
        &server,
        Method::GET,
        "/api2/json/version",
        &Auth::None,
        None,
    )
    .await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    let alice = login(&server, "alice@pbs").await;
    let Auth::Ticket { ticket, csrf } = alice.clone() else {
        unreachable!()
    };
    let tampered = Auth::Ticket {
        ticket: ticket.replace("alice", "admin"),
        csrf: csrf.clone(),
    };
    let (s, _) = rest(&server, Method::GET, "/api2/json/version", &tampered, None).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    let no_csrf = Auth::Ticket {
        ticket: ticket.clone(),
        csrf: "00000000:x".into(),
    };
    let (s, _) = rest(
        &server,
        Method::POST,
        "/api2/json/admin/datastore/store1/namespace",
        &no_csrf,
        Some(json!({"name": "x"})),
    )
    .await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    // An expired ticket, minted with the server's own key (H7).
    let key_pem = std::fs::read(server.config().join("authkey.key")).unwrap();
    let key = openssl::pkey::PKey::private_key_from_pem(&key_pem).unwrap();
    let old = format!(
        "PBS:alice@pbs:{:08X}",
        chrono::Utc::now().timestamp() - 7201
    );
    let sig = openssl::sign::Signer::new_without_digest(&key)
        .unwrap()
        .sign_oneshot_to_vec(old.as_bytes())
        .unwrap();
    use base64::Engine;
    let expired = Auth::Ticket {
        ticket: format!(
            "{old}::{}",
            base64::engine::general_purpose::STANDARD_NO_PAD.encode(sig)
        ),
        csrf,
    };
    let (s, msg) = rest(&server, Method::GET, "/api2/json/version", &expired, None).await;
    assert_eq!(
        s,
        StatusCode::UNAUTHORIZED,
        "{}",
        String::from_utf8_lossy(&msg)
    );
    // The version call with a good ticket; ticket renewal with the ticket as password.
    let (s, body) = rest(&server, Method::GET, "/api2/json/version", &alice, None).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(data(&body)["version"], json!("3.2"));
    let (s, _) = rest(
        &server,
        Method::POST,
        "/api2/json/access/ticket",
        &Auth::None,
        Some(json!({"username": "alice@pbs", "password": ticket})),
    )
    .await;
    assert_eq!(s, StatusCode::OK);

    // alice backs up with her token; the token's group is listed for alice, not for bob.
    let token = Auth::Token(format!("alice@pbs!tok:{}", server.token_secret));
    full_backup(&server, &token, "alice1", 1_700_000_400).await;
    let bad_token = Auth::Token("alice@pbs!tok:00000000-0000-4000-8000-000000000000".into());
    let (s, _) = rest(
        &server,
        Method::GET,
        "/api2/json/admin/datastore/store1/groups",
        &bad_token,
        None,
    )
    .await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    let groups = |auth: Auth| {
        let server = &server;
        async move {
            let (s, body) = rest(
                server,
                Method::GET,
                "/api2/json/admin/datastore/store1/groups",
                &auth,
                None,
            )
            .await;
            assert_eq!(s, StatusCode::OK);
            data(&body)
                .as_array()
                .unwrap()
                .iter()
                .map(|g| g["backup-id"].as_str().unwrap().to_string())
                .collect::<Vec<_>>()
        }
    };
    assert_eq!(groups(token.clone()).await, vec!["alice1"]);
    assert_eq!(groups(alice.clone()).await, vec!["alice1"]);
    let bob = login(&server, "bob@pbs").await;
    assert!(groups(bob.clone()).await.is_empty());
    assert_eq!(
        groups(login(&server, "admin@pbs").await).await,
        vec!["alice1"]
    );
    // bob can neither write into, read, nor delete alice's group.
    let err = upgrade(&server, &backup_path("alice1", 1_700_000_500), BACKUP, &bob)
        .await
        .expect_err("refused");
    assert!(err.1.contains("backup owner check failed"), "{}", err.1);
    let err = upgrade(&server, &reader_path("alice1", 1_700_000_400), READER, &bob)
        .await
        .expect_err("refused");
    assert!(err.1.contains("backup owner check failed"), "{}", err.1);
    let (s, _) = rest(
        &server,
        Method::DELETE,
        "/api2/json/admin/datastore/store1/groups?backup-type=host&backup-id=alice1",
        &bob,
        None,
    )
    .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    let (s, body) = rest(
        &server,
        Method::GET,
        "/api2/json/admin/datastore/store1/snapshots?backup-type=host&backup-id=alice1",
        &bob,
        None,
    )
    .await;
    assert_eq!((s, data(&body)), (StatusCode::OK, json!([])));
    // alice (the token's user) may read her token's group; gc is admin-only.
    upgrade(
        &server,
        &reader_path("alice1", 1_700_000_400),
        READER,
        &alice,
    )
    .await
    .expect("alice reads");
    let (s, _) = rest(
        &server,
        Method::POST,
        "/api2/json/admin/datastore/store1/gc",
        &alice,
        None,
    )
    .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rest_endpoints_and_malformed_requests() {
    let server = start_server();
    let admin = login(&server, "admin@pbs").await;
    full_backup(&server, &admin, "r1", 1_700_000_600).await;
    let q = "backup-type=host&backup-id=r1&backup-time=1700000600";
    let base = "/api2/json/admin/datastore/store1";
    let ok = |r: (StatusCode, Bytes)| {
        assert_eq!(r.0, StatusCode::OK, "{}", String::from_utf8_lossy(&r.1));
        data(&r.1)
    };
    let ds = ok(rest(
        &server,
        Method::GET,
        "/api2/json/admin/datastore",
        &admin,
        None,
    )
    .await);
    assert_eq!(ds, json!([{"store": "store1"}]));
    let st = ok(rest(
        &server,
        Method::GET,
        &format!("{base}/status?verbose=true"),
        &admin,
        None,
    )
    .await);
    assert_eq!(st["counts"]["host"], json!({"groups": 1, "snapshots": 1}));
    let files = ok(rest(
        &server,
        Method::GET,
        &format!("{base}/files?{q}"),
        &admin,
        None,
    )
    .await);
    assert!(files
        .as_array()
        .unwrap()
        .iter()
        .any(|f| f["filename"] == "data.pxar.didx" && f["crypt-mode"] == "none"));
    ok(rest(
        &server,
        Method::PUT,
        &format!("{base}/notes?{q}&notes=first%20line%0Asecond"),
        &admin,
        None,
    )
    .await);
    assert_eq!(
        ok(rest(
            &server,
            Method::GET,
            &format!("{base}/notes?{q}"),
            &admin,
            None
        )
        .await),
        json!("first line\nsecond")
    );
    ok(rest(
        &server,
        Method::PUT,
        &format!("{base}/protected?{q}&protected=true"),
        &admin,
        None,
    )
    .await);
    assert_eq!(
        ok(rest(
            &server,
            Method::GET,
            &format!("{base}/protected?{q}"),
            &admin,
            None
        )
        .await),
        json!(true)
    );
    let snaps = ok(rest(
        &server,
        Method::GET,
        &format!("{base}/snapshots"),
        &admin,
        None,
    )
    .await);
    assert_eq!(snaps[0]["comment"], json!("first line"));
    assert_eq!(snaps[0]["protected"], json!(true));
    let (s, _) = rest(
        &server,
        Method::DELETE,
        &format!("{base}/snapshots?{q}"),
        &admin,
        None,
    )
    .await;
    assert_eq!(
        s,
        StatusCode::BAD_REQUEST,
        "protected snapshot cannot be deleted"
    );
    // Client log upload (raw body) and a second one refused.
    let log = blob::encode(b"client log", None, true).unwrap();
    ok(rest_raw(
        &server,
        Method::POST,
        &format!("{base}/upload-backup-log?{q}"),
        &admin,
        Bytes::from(log.clone()),
        OCTETS,
    )
    .await);
    let (s, msg) = rest_raw(
        &server,
        Method::POST,
        &format!("{base}/upload-backup-log?{q}"),
        &admin,
        Bytes::from(log),
        OCTETS,
    )
    .await;
    assert_eq!(
        (s, msg.as_ref()),
        (
            StatusCode::BAD_REQUEST,
            &b"backup already contains a log."[..]
        )
    );
    // Prune dry-run keeps the protected snapshot.
    let pr = ok(rest(
        &server,
        Method::POST,
        &format!("{base}/prune"),
        &admin,
        Some(json!({"backup-type": "host", "backup-id": "r1", "keep-last": 1, "dry-run": true})),
    )
    .await);
    assert_eq!(pr[0]["keep"], json!(true));
    // Namespaces.
    assert_eq!(
        ok(rest(
            &server,
            Method::POST,
            &format!("{base}/namespace"),
            &admin,
            Some(json!({"name": "team"}))
        )
        .await),
        json!("team")
    );
    let nss = ok(rest(
        &server,
        Method::GET,
        &format!("{base}/namespace"),
        &admin,
        None,
    )
    .await);
    assert_eq!(nss, json!([{"ns": ""}, {"ns": "team"}]));
    ok(rest(
        &server,
        Method::DELETE,
        &format!("{base}/namespace?ns=team"),
        &admin,
        None,
    )
    .await);
    // GC and verify run as tasks that finish OK.
    for (path, body) in [
        (format!("{base}/gc"), None),
        (format!("{base}/verify"), Some(json!({}))),
    ] {
        let upid = ok(rest(&server, Method::POST, &path, &admin, body).await);
        let enc = percent_encoding::utf8_percent_encode(
            upid.as_str().unwrap(),
            percent_encoding::NON_ALPHANUMERIC,
        )
        .to_string();
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let st = ok(rest(
                &server,
                Method::GET,
                &format!("/api2/json/nodes/localhost/tasks/{enc}/status"),
                &admin,
                None,
            )
            .await);
            if st["status"] == "stopped" {
                assert_eq!(st["exitstatus"], json!("OK"), "{path}");
                break;
            }
            assert!(Instant::now() < deadline);
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }
    let gc = ok(rest(&server, Method::GET, &format!("{base}/gc"), &admin, None).await);
    assert!(gc["disk-chunks"].as_u64().unwrap() >= 3);

    // Malformed requests: 400 with a message, and the server keeps serving.
    for (method, path, body) in [
        (Method::GET, format!("{base}/groups?bogus=1"), None),
        (
            Method::GET,
            format!("{base}/files?backup-type=disk&backup-id=x&backup-time=1"),
            None,
        ),
        (
            Method::GET,
            format!("{base}/files?backup-type=host&backup-id=..&backup-time=1"),
            None,
        ),
        (
            Method::GET,
            format!("{base}/files?backup-type=host&backup-id=r1&backup-time=abc"),
            None,
        ),
        (
            Method::GET,
            "/api2/json/admin/datastore/nostore/groups".to_string(),
            None,
        ),
        (
            Method::POST,
            format!("{base}/prune"),
            Some(json!({"backup-type": "host", "backup-id": "r1", "keep-last": "many"})),
        ),
        (
            Method::POST,
            format!("{base}/namespace"),
            Some(json!({"name": {"a": [[[[[[[[[[1]]]]]]]]]]}})),
        ),
    ] {
        let (s, msg) = rest(&server, method, &path, &admin, body).await;
        assert_eq!(
            s,
            StatusCode::BAD_REQUEST,
            "{path}: {}",
            String::from_utf8_lossy(&msg)
        );
        assert!(!msg.is_empty());
    }
    let (s, _) = rest_raw(
        &server,
        Method::POST,
        &format!("{base}/namespace"),
        &admin,
        Bytes::from_static(b"{not json"),
        "application/json",
    )
    .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    let (s, _) = rest_raw(
        &server,
        Method::POST,
        &format!("{base}/namespace"),
        &admin,
        Bytes::from(vec![b' '; 100_000]),
        "application/json",
    )
    .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    let (s, _) = rest(
        &server,
        Method::GET,
        &format!("{base}/nothing-here"),
        &admin,
        None,
    )
    .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let err = upgrade(
        &server,
        "/api2/json/backup?store=store1&backup-type=host&backup-id=x",
        BACKUP,
        &admin,
    )
    .await
    .expect_err("missing time");
    assert_eq!(err.0, StatusCode::BAD_REQUEST);
    let err = upgrade(
        &server,
        &backup_path("x", 1_700_000_700),
        "wrong-protocol",
        &admin,
    )
    .await
    .expect_err("bad protocol");
    assert_eq!(
        (err.0, err.1.as_str()),
        (StatusCode::BAD_REQUEST, "invalid protocol name")
    );
    let (s, _) = rest(&server, Method::GET, "/api2/json/version", &admin, None).await;
    assert_eq!(s, StatusCode::OK);
}

/// Issue 18: one user holding upgraded sessions that never speak HTTP/2 cannot take every
/// session slot: the user's own attempts are refused with a reason once its quota is full, and
/// another user still backs up and reads.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn issue_18_one_user_cannot_hold_every_session_slot() {
    // Held sessions must not time out while the test runs.
    let server = start_server_with_env(&[("PBSH_SESSION_START_TIMEOUT_SECS", "3600")], None);
    let alice = login(&server, "alice@pbs").await;
    let mut held = Vec::new();
    let mut refused = None;
    for i in 0..64 {
        match upgrade_raw(
            &server,
            &backup_path(&format!("hold{i}"), 1_700_000_000),
            BACKUP,
            &alice,
        )
        .await
        {
            Ok(upgraded) => held.push(upgraded),
            Err(e) => {
                refused = Some(e);
                break;
            }
        }
    }
    let (status, message) = refused.expect("one user took all 64 session slots");
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{message}");
    assert!(message.contains("alice@pbs"), "{message}");
    assert!(!held.is_empty());
    // Another user is not locked out, for backup nor for reading.
    let bob = login(&server, "bob@pbs").await;
    full_backup(&server, &bob, "bobs", 1_700_000_000).await;
    let mut reader = upgrade(&server, &reader_path("bobs", 1_700_000_000), READER, &bob)
        .await
        .expect("reader session for another user");
    call_ok(
        &mut reader,
        Method::GET,
        "download?file-name=index.json.blob",
        Bytes::new(),
        FORM,
    )
    .await;
    drop(held);
}

/// Issue 18: an upgraded session that never sends its first HTTP/2 frame is dropped after the
/// start timeout, frees its slot and leaves no empty group (owner file only) behind.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn issue_18_a_session_that_never_starts_is_dropped_and_leaves_no_group() {
    use tokio::io::AsyncReadExt;
    let server = start_server_with_env(&[("PBSH_SESSION_START_TIMEOUT_SECS", "1")], None);
    let alice = login(&server, "alice@pbs").await;
    let time = 1_700_000_000;
    let upgraded = upgrade_raw(&server, &backup_path("idle", time), BACKUP, &alice)
        .await
        .expect("upgrade");
    let mut io = hyper_util::rt::TokioIo::new(upgraded);
    // Hang guard only: the server must end the connection by itself.
    let ended = tokio::time::timeout(Duration::from_secs(60), async {
        let mut buf = [0u8; 4096];
        loop {
            match io.read(&mut buf).await {
                Ok(0) | Err(_) => break,
                Ok(_) => continue,
            }
        }
    })
    .await;
    assert!(
        ended.is_ok(),
        "the server keeps a session that never started"
    );
    let group = server.datastore().join("host/idle");
    let deadline = Instant::now() + Duration::from_secs(30);
    while group.exists() {
        assert!(
            Instant::now() < deadline,
            "left behind: {:?}",
            std::fs::read_dir(&group)
                .map(|d| d.flatten().map(|e| e.file_name()).collect::<Vec<_>>())
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // The group can be written afresh by another user: nobody owns it any more.
    let bob = login(&server, "bob@pbs").await;
    full_backup(&server, &bob, "idle", time).await;
    assert_eq!(
        std::fs::read_to_string(group.join("owner")).unwrap().trim(),
        "bob@pbs"
    );
}

/// A TLS connection from `source` that sends a request's headers promising a body of
/// `declared` bytes, then only `sent` of them; returns it still open.
async fn stalled_body(
    port: u16,
    fingerprint: String,
    source: std::net::Ipv4Addr,
    declared: usize,
    sent: usize,
) -> std::io::Result<Tls> {
    use tokio::io::AsyncWriteExt;
    let mut tls = connect_from(port, &fingerprint, source).await?;
    let head = format!(
        "POST /api2/json/access/ticket HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: {declared}\r\n\r\n"
    );
    tls.write_all(head.as_bytes()).await?;
    tls.write_all(&vec![b' '; sent]).await?;
    tls.flush().await?;
    Ok(tls)
}

/// Issue 18: a request body that trickles in is cut off by the body timeout, on plain REST
/// requests and on uploads inside a backup session.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn issue_18_slow_request_bodies_are_cut_off() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let server = start_server_with_env(&[("PBSH_BODY_TIMEOUT_SECS", "1")], None);
    // REST: one byte now and then, far below any sensible rate.
    let mut tls = stalled_body(
        server.port,
        server.fingerprint.clone(),
        std::net::Ipv4Addr::LOCALHOST,
        100_000,
        1,
    )
    .await
    .unwrap();
    let answer = tokio::time::timeout(Duration::from_secs(60), async {
        let mut seen = Vec::new();
        let mut buf = [0u8; 4096];
        loop {
            tokio::select! {
                read = tls.read(&mut buf) => match read {
                    Ok(0) | Err(_) => break,
                    Ok(n) => seen.extend_from_slice(&buf[..n]),
                },
                () = tokio::time::sleep(Duration::from_millis(300)) => {
                    let _ = tls.write_all(b" ").await;
                    let _ = tls.flush().await;
                }
            }
        }
        String::from_utf8_lossy(&seen).into_owned()
    })
    .await
    .expect("a trickling request body was never cut off");
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");

    // Inside a backup session: a chunk upload whose body stops half-way.
    let auth = login(&server, "admin@pbs").await;
    let upgraded = upgrade_raw(&server, &backup_path("slow", 1_700_000_000), BACKUP, &auth)
        .await
        .expect("upgrade");
    type Frames = http_body_util::StreamBody<
        futures_util::stream::BoxStream<'static, Result<hyper::body::Frame<Bytes>, std::io::Error>>,
    >;
    let (mut h2, conn) =
        hyper::client::conn::http2::Builder::new(hyper_util::rt::TokioExecutor::new())
            .handshake::<_, Frames>(upgraded)
            .await
            .unwrap();
    tokio::spawn(conn);
    let open = |uri: &str| {
        let frames: futures_util::stream::BoxStream<'static, _> =
            Box::pin(futures_util::stream::empty());
        http::Request::builder()
            .method(Method::POST)
            .uri(format!("https://localhost:8007/{uri}"))
            .header("Content-Type", FORM)
            .body(http_body_util::StreamBody::new(frames))
            .unwrap()
    };
    let resp = h2
        .send_request(open("dynamic_index?archive-name=data.pxar.didx"))
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    let data = chunk_data(9, 50_000);
    let digest = ChunkDigest::of_plain(&data);
    let encoded = blob::encode(&data, None, true).unwrap();
    let half = Bytes::copy_from_slice(&encoded[..encoded.len() / 2]);
    // Half of the body, then nothing (the stream never ends).
    let frames: futures_util::stream::BoxStream<'static, _> =
        Box::pin(futures_util::StreamExt::chain(
            futures_util::stream::iter([Ok(hyper::body::Frame::data(half))]),
            futures_util::stream::pending(),
        ));
    let req = http::Request::builder()
        .method(Method::POST)
        .uri(format!(
            "https://localhost:8007/dynamic_chunk?wid=1&digest={}&size={}&encoded-size={}",
            digest.to_hex(),
            data.len(),
            encoded.len()
        ))
        .header("Content-Type", OCTETS)
        .body(http_body_util::StreamBody::new(frames))
        .unwrap();
    let status = tokio::time::timeout(Duration::from_secs(60), async {
        match h2.send_request(req).await {
            Ok(resp) => Some(resp.status()),
            Err(_) => None,
        }
    })
    .await
    .expect("a stalled chunk upload was never cut off");
    assert_eq!(status, Some(StatusCode::REQUEST_TIMEOUT));
}

/// Issue 18: one peer holding many slow connections (here from 127.0.0.2) cannot exhaust the
/// server's descriptors or connection slots: another client still gets answers and the
/// server keeps accepting.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn issue_18_one_peer_cannot_exhaust_the_connections() {
    let server = start_server_with_env(&[("PBSH_BODY_TIMEOUT_SECS", "3600")], Some(128));
    let attacker = std::net::Ipv4Addr::new(127, 0, 0, 2);
    let attempts: Vec<_> = (0..200)
        .map(|_| {
            let port = server.port;
            let fingerprint = server.fingerprint.clone();
            tokio::spawn(async move {
                // Each attempt gives up after a while: one the server never accepts just hangs.
                let hold = stalled_body(port, fingerprint, attacker, 100_000, 10);
                tokio::time::timeout(Duration::from_secs(5), hold)
                    .await
                    .ok()
                    .and_then(Result::ok)
            })
        })
        .collect();
    let mut held = Vec::new();
    for a in attempts {
        if let Some(conn) = a.await.unwrap() {
            held.push(conn);
        }
    }
    assert!(!held.is_empty(), "the attack itself failed");
    let version = tokio::time::timeout(Duration::from_secs(60), async {
        rest(
            &server,
            Method::GET,
            "/api2/json/version",
            &Auth::None,
            None,
        )
        .await
    })
    .await
    .expect("another client was locked out");
    // Unauthenticated: refused, but answered.
    assert_eq!(version.0, StatusCode::UNAUTHORIZED);
    let admin = login(&server, "admin@pbs").await;
    full_backup(&server, &admin, "after", 1_700_000_000).await;
    drop(held);
}
