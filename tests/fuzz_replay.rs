//! The fuzzers' inputs replayed by the normal test suite (reliability.md B3/B4), on stable and
//! without cargo-fuzz: every minimised crasher in `tests/fuzz/regressions/<target>/` and every
//! file of the committed corpora in `fuzz/corpus/<target>/`, through the very target bodies
//! cargo-fuzz runs (`tests/fuzz/harness.rs`). Each must finish without a panic and without a
//! single allocation past its target's limit. `scripts/fuzz.sh` runs the fuzzers themselves.
#![allow(clippy::disallowed_macros)] // tests print freely

#[path = "fuzz/harness.rs"]
mod harness;

use pbsh::format::limits;
mod alloc_count;

use std::path::{Path, PathBuf};

/// The largest single allocation a target may make on a small input: a blob may legitimately
/// announce (and get) MAX_BLOB_SIZE of plaintext; nothing else comes near 64 MiB.
fn alloc_limit(target: &str) -> usize {
    match target {
        "blob_decode" | "blob_decode_keyed" | "protocol_requests" => {
            limits::MAX_BLOB_SIZE + 1024 * 1024
        }
        _ => 64 * 1024 * 1024,
    }
}

fn repo_dir(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(rel)
}

/// Runs every file under `root/<target>/` through its target; returns (files run, failures).
fn replay(root: &Path, require_every_target: bool) -> (usize, Vec<String>) {
    let mut runs = 0;
    let mut failures = Vec::new();
    let mut dirs: Vec<PathBuf> = match std::fs::read_dir(root) {
        Ok(entries) => entries.map(|e| e.expect("read dir").path()).collect(),
        Err(e) => panic!("{}: {e}", root.display()),
    };
    dirs.sort();
    for (name, _) in harness::TARGETS {
        if require_every_target && !root.join(name).is_dir() {
            failures.push(format!("{name}: no corpus in {}", root.display()));
        }
    }
    for dir in dirs.into_iter().filter(|d| d.is_dir()) {
        let name = dir.file_name().and_then(|n| n.to_str()).unwrap_or_default();
        let Some(run) = harness::target(name) else {
            failures.push(format!("{}: no fuzz target named {name}", dir.display()));
            continue;
        };
        let limit = alloc_limit(name);
        let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
            .expect("read target dir")
            .map(|e| e.expect("read dir").path())
            .filter(|p| p.is_file())
            .collect();
        files.sort();
        for file in files {
            let data = std::fs::read(&file).expect("read input");
            alloc_count::reset();
            let outcome = std::panic::catch_unwind(|| run(&data));
            let largest = alloc_count::largest();
            runs += 1;
            if outcome.is_err() {
                failures.push(format!("{}: panicked", file.display()));
            } else if largest > limit {
                failures.push(format!(
                    "{}: allocated {largest} bytes at once (limit {limit})",
                    file.display()
                ));
            }
        }
    }
    (runs, failures)
}

#[test]
fn fuzz_regressions_replay() {
    let (runs, failures) = replay(&repo_dir("tests/fuzz/regressions"), false);
    eprintln!("{runs} regression inputs replayed");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn fuzz_corpora_replay() {
    let (runs, failures) = replay(&repo_dir("fuzz/corpus"), true);
    eprintln!("{runs} corpus inputs replayed");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert!(runs > 0, "no corpus inputs");
}

// ---------------------------------------------------------------------------------------------
// Seeds

mod common;

/// Writes the seed corpora into `fuzz/corpus/<target>/seed-*` from the golden vectors (small
/// files as they are; the catalog decoded out of its chunks; `tree.pxar` re-encoded with each
/// file cut to 16 bytes) and from pbsh's own writers. Run by hand when a target is added:
/// `cargo test --test fuzz_replay -- --ignored make_fuzz_seeds`, then `scripts/fuzz.sh --cmin`.
#[test]
#[ignore]
fn make_fuzz_seeds() {
    use pbsh::format::blob;
    use pbsh::format::crypt::CryptConfig;
    use pbsh::format::digest::ChunkDigest;
    use pbsh::format::index::DynamicIndex;
    use pbsh::format::keyfile::{KeyConfig, KeyDerivation};

    let vectors = common::vectors_dir().expect("the seeds need the golden vectors");
    let corpus = repo_dir("fuzz/corpus");
    let put = |target: &str, name: &str, data: &[u8]| {
        assert!(harness::target(target).is_some(), "{target}");
        let dir = corpus.join(target);
        std::fs::create_dir_all(&dir).expect("corpus dir");
        std::fs::write(dir.join(format!("seed-{name}")), data).expect("write seed");
    };
    let read = |rel: &str| std::fs::read(vectors.join(rel)).expect(rel);
    let plain = "datastore/host/vec-plain/2026-09-21T14:13:20Z";
    let enc = "datastore/host/vec-enc/2026-09-21T14:15:00Z";
    let chunk = |hex: &str| read(&format!("datastore/.chunks/{}/{hex}", &hex[..4]));
    let crypt = CryptConfig::new(harness::VECTOR_KEY).expect("key");

    // Blobs and chunks: the small ones of the vectors, and one of each kind from pbsh.
    let small_plain = [
        "5117261a4ede60f006990aaa5719ef96dda1eb4287dd6269524ebc4a5684736e",
        "661b8f73e81168c68190a4253be0583c167e46d1be9cc219839636c1bd90aa08",
    ];
    let small_enc = [
        "1271d9f353f2990d0ec4f52dc7cf8cbe1bae80294449e86d0722fd3baca922be",
        "da660cd49e72efdb442a89a248382ab5e0f880725fe22a16860719437dc8188e",
    ];
    for hex in small_plain {
        put("blob_decode", &format!("chunk-{}", &hex[..8]), &chunk(hex));
    }
    for hex in small_enc {
        put(
            "blob_decode_keyed",
            &format!("chunk-{}", &hex[..8]),
            &chunk(hex),
        );
    }
    put(
        "blob_decode",
        "manifest",
        &read(&format!("{plain}/index.json.blob")),
    );
    put(
        "blob_decode",
        "rsa-key",
        &read(&format!("{enc}/rsa-encrypted.key.blob")),
    );
    put(
        "blob_decode_keyed",
        "manifest",
        &read(&format!("{enc}/index.json.blob")),
    );
    let text = b"pbsh fuzz seed: hello, hello, hello, hello, hello\n".repeat(4);
    for (target, key, name) in [
        ("blob_decode", None, "pbsh"),
        ("blob_decode_keyed", Some(&crypt), "pbsh"),
    ] {
        for compress in [false, true] {
            let raw = blob::encode(&text, key, compress).expect("encode");
            put(target, &format!("{name}-compress-{compress}"), &raw);
        }
    }
    let bomb = blob::encode(&vec![0u8; 1 << 20], None, true).expect("encode");
    put("blob_decode", "zeros-1mib", &bomb);

    // Indexes.
    for (dir, name) in [(plain, "plain"), (enc, "enc")] {
        for archive in ["root.pxar", "catalog.pcat1"] {
            put(
                "didx_read",
                &format!("{name}-{archive}"),
                &read(&format!("{dir}/{archive}.didx")),
            );
        }
        put(
            "fidx_read",
            &format!("{name}-disk"),
            &read(&format!("{dir}/disk.img.fidx")),
        );
    }

    // Manifests and other JSON.
    for (dir, name, key) in [(plain, "plain", None), (enc, "enc", Some(&crypt))] {
        let raw = read(&format!("{dir}/index.json.blob"));
        let json = blob::decode(&raw, key, 1 << 20).expect("manifest blob");
        put("manifest_parse_verify", name, &json);
        put("canonical_json", &format!("manifest-{name}"), &json);
    }
    for rel in ["datastore/snapshot-list.json", "keys/key-none.show.json"] {
        let name = rel.rsplit('/').next().unwrap_or(rel);
        put("canonical_json", name, &read(rel));
    }
    put(
        "canonical_json",
        "escapes",
        br#"{"b":[1,-0.5,1e300,"\u0001\n\u2028"],"a":{"":true}}"#,
    );

    // Key files: the vectors', and cheap wrapped ones the target derives with.
    let key_none = read("keys/key-none.json");
    let key_scrypt = read("keys/key-scrypt.json");
    put("keyfile_parse", "none", &key_none);
    put("keyfile_parse", "scrypt-vector", &key_scrypt);
    let raw_key = [0x5a; 32];
    for (name, kdf) in [
        (
            "scrypt-cheap",
            KeyDerivation::Scrypt {
                n: 1024,
                r: 8,
                p: 1,
                salt: vec![7; 32],
            },
        ),
        (
            "pbkdf2-cheap",
            KeyDerivation::Pbkdf2 {
                iter: 1000,
                salt: vec![7; 32],
            },
        ),
    ] {
        let config = KeyConfig::with_kdf(
            &raw_key,
            kdf,
            harness::KEY_PASSPHRASE,
            &[1; 16],
            1_790_000_000,
            1_790_000_000,
        )
        .expect("wrap");
        put(
            "keyfile_parse",
            name,
            config.to_json().expect("json").as_bytes(),
        );
    }
    put("paperkey_render", "key-none", &key_none);
    put("paperkey_render", "key-scrypt", &key_scrypt);
    put(
        "paperkey_render",
        "master-private",
        &read("keys/master-private.pem"),
    );

    // The catalog of vec-plain, decoded out of its chunks; and a small one from pbsh's writer.
    let index = DynamicIndex::decode(&read(&format!("{plain}/catalog.pcat1.didx"))).expect("didx");
    let mut catalog = Vec::new();
    for digest in index.digests() {
        let raw = chunk(&digest.to_hex());
        catalog.extend(blob::decode_chunk(&raw, None, digest).expect("catalog chunk"));
    }
    put("catalog_read", "vec-plain", &catalog);
    let mut writer = pbsh::format::catalog::CatalogWriter::new(Vec::new()).expect("catalog");
    writer.start_directory(b"root.pxar.didx").expect("dir");
    writer.start_directory(b"a").expect("dir");
    writer.add_file(b"f", 5, 1_790_000_000).expect("file");
    writer.add_symlink(b"l").expect("symlink");
    writer.end_directory().expect("end");
    writer.add_hardlink(b"h").expect("hardlink");
    writer.add_block_device(b"b").expect("dev");
    writer.add_char_device(b"c").expect("dev");
    writer.add_fifo(b"p").expect("fifo");
    writer.add_socket(b"s").expect("socket");
    writer.add_file(b"neg", 0, -1).expect("file");
    writer.end_directory().expect("end");
    put(
        "catalog_read",
        "pbsh-kinds",
        &writer.finish().expect("finish"),
    );

    // pxar: tree.pxar re-encoded with every file cut to 16 bytes, unified and split.
    let tree = read("pxar/tree.pxar");
    let unified = reencode_pxar(&tree, None);
    put("pxar_decode", "tree-small", &unified);
    put("pxar_accessor", "tree-small", &unified);
    let mut payload = Vec::new();
    let metadata = reencode_pxar(&tree, Some(&mut payload));
    put("pxar_decode", "tree-small-mpxar", &metadata);
    let mut split = (metadata.len() as u32).to_le_bytes().to_vec();
    split.extend_from_slice(&metadata);
    split.extend_from_slice(&payload);
    put("pxar_accessor_split", "tree-small", &split);

    // Text parsers.
    for (i, s) in [
        "store1",
        "backup.example.com:store1",
        "root@pam@10.0.0.1:8007:store1",
        "alice@pbs!tok@[fe80::1]:store1",
        "8007:store",
        "user@pam@host:65535:s",
    ]
    .iter()
    .enumerate()
    {
        put("repo_string", &i.to_string(), s.as_bytes());
    }
    for (i, s) in [
        "host/vec-plain/2026-09-21T14:13:20Z",
        "vm/100",
        "a/b/c/d/e/f/g",
        "2026-11-20T10:00:00Z",
    ]
    .iter()
    .enumerate()
    {
        put("backup_names", &i.to_string(), s.as_bytes());
    }
    let digest = ChunkDigest::of_plain(b"x").to_hex();
    for (i, s) in [
        format!("\u{0}store=s1&ns=a%2Fb&backup-type=host&backup-id=web1&backup-time=1790000000&benchmark=yes&digest={digest}"),
        format!("\u{1}\u{0}{{\"digest-list\":[\"{digest}\"],\"offset-list\":[0],\"wid\":1,\"ns\":\"a/b\",\"running\":true}}"),
        "\u{2}limit=5&start=0\u{0}limit=6&_dc=1&wid=1&wid=2".to_string(),
    ]
    .iter()
    .enumerate()
    {
        put("api_params", &i.to_string(), s.as_bytes());
    }
    let chunk_body = blob::encode(b"x", None, true).expect("blob");
    let mut requests: Vec<(String, Vec<u8>)> = vec![
        ("previous".into(), b"\x00archive-name=root.pxar.didx".to_vec()),
        ("dynamic-index".into(), b"\x01\x00archive-name=root.pxar.didx".to_vec()),
        ("fixed-index".into(), b"\x02size=9449529&archive-name=disk.img.fidx&reuse-csum=00".to_vec()),
        (
            "append-json".into(),
            format!("\u{83}\u{0}{{\"wid\":1,\"digest-list\":[\"{digest}\"],\"offset-list\":[0]}}")
                .into_bytes(),
        ),
        (
            "append-form".into(),
            format!("\u{3}wid=1\u{0}digest-list={digest}&offset-list=0&digest-list={digest}&offset-list=1").into_bytes(),
        ),
        ("close".into(), format!("\u{44}wid=2&chunk-count=1&size=1&csum={digest}").into_bytes()),
        ("blob".into(), b"\x06file-name=index.json.blob&encoded-size=441\x00".to_vec()),
        ("download".into(), b"\x07file-name=root.pxar.didx".to_vec()),
        ("chunk".into(), format!("\u{8}digest={digest}").into_bytes()),
        ("start".into(), b"\x09store=s&backup-type=vm&backup-id=1&backup-time=5".to_vec()),
    ];
    let mut upload = format!(
        "\u{5}wid=1&digest={digest}&size=1&encoded-size={}\u{0}",
        chunk_body.len()
    )
    .into_bytes();
    upload.extend_from_slice(&chunk_body);
    requests.push(("chunk-upload".into(), upload));
    requests[6]
        .1
        .extend_from_slice(&read(&format!("{plain}/index.json.blob")));
    for (name, data) in &requests {
        put("protocol_requests", name, data);
    }
    for (i, s) in [
        "UPID:pbsh:0000ABCD:00012345:00000002:6A95B2B0:backup:store1\\x3ahost-vec:root@pam:",
        "UPID:node:00000001:00000001:00000001:00000001:garbage_collection:store1:alice@pbs!tok:",
    ]
    .iter()
    .enumerate()
    {
        put("upid_parse", &i.to_string(), s.as_bytes());
    }
    for (i, s) in [
        "PBS:root@pam:6A95B2B0::c2lnbmF0dXJl",
        "root@pam",
        "6A95B2B0:bWFj",
        "PBSAuthCookie=PBS%3Aroot%40pam%3A6A95B2B0%3A%3Asig; other=1",
        "PBSAPIToken root@pam!tok:secret",
        "PBSAPIToken=alice@pbs!t:%41",
    ]
    .iter()
    .enumerate()
    {
        put("ticket_verify", &i.to_string(), s.as_bytes());
    }
}

/// Decodes a unified pxar archive and writes it again with pbsh's encoder, every file cut to
/// 16 bytes: unified, or split when `payload` is given (it receives the `.ppxar`).
fn reencode_pxar(archive: &[u8], payload: Option<&mut Vec<u8>>) -> Vec<u8> {
    use pbsh::format::pxar::decoder::Decoder;
    use pbsh::format::pxar::encoder::{Encoder, FileRef};
    use pbsh::format::pxar::EntryKind;
    use std::collections::HashMap;
    use std::sync::{Arc, Mutex};

    /// A `Write` whose bytes end up in a shared buffer (the split encoder boxes its output).
    #[derive(Clone, Default)]
    struct Shared(Arc<Mutex<Vec<u8>>>);
    impl std::io::Write for Shared {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.lock().expect("lock").extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    let mut decoder = Decoder::new(archive);
    let root = decoder.next_entry().expect("root").expect("root entry");
    let shared = Shared::default();
    let mut encoder = match payload {
        Some(_) => Encoder::new_split(Vec::new(), Box::new(shared.clone()), &root.metadata, None),
        None => Encoder::new(Vec::new(), &root.metadata),
    }
    .expect("encoder");
    let mut open: Vec<Vec<u8>> = vec![b"/".to_vec()];
    let mut files: HashMap<Vec<u8>, FileRef> = HashMap::new();
    while let Some(entry) = decoder.next_entry().expect("entry") {
        let split_at = entry.path.iter().rposition(|&b| b == b'/').expect("a path");
        let parent = if split_at == 0 {
            b"/".to_vec()
        } else {
            entry.path[..split_at].to_vec()
        };
        let name = entry.path[split_at + 1..].to_vec();
        while open.last() != Some(&parent) {
            encoder.finish_directory().expect("finish dir");
            open.pop();
        }
        let meta = &entry.metadata;
        match &entry.kind {
            EntryKind::Directory => {
                encoder.create_directory(&name, meta).expect("dir");
                open.push(entry.path.clone());
            }
            EntryKind::File { size, .. } => {
                let mut content = vec![0u8; (*size).min(16) as usize];
                let mut got = 0;
                while got < content.len() {
                    got += decoder.read_payload(&mut content[got..]).expect("payload");
                }
                let mut meta = meta.clone();
                meta.fcaps = None;
                let at = encoder
                    .add_file(&name, &meta, content.len() as u64, &mut content.as_slice())
                    .expect("file");
                files.insert(entry.path.clone(), at);
            }
            EntryKind::Symlink { target } => encoder.add_symlink(&name, meta, target).expect("l"),
            EntryKind::Hardlink { target } => {
                let mut key = target.clone();
                if key.first() != Some(&b'/') {
                    key.insert(0, b'/');
                }
                let at = *files.get(&key).expect("hard link target written before");
                encoder
                    .add_hardlink(&name, &key[1..], at)
                    .expect("hardlink");
            }
            EntryKind::Device { major, minor } => encoder
                .add_device(&name, meta, *major, *minor)
                .expect("dev"),
            EntryKind::Fifo => encoder.add_fifo(&name, meta).expect("fifo"),
            EntryKind::Socket => encoder.add_socket(&name, meta).expect("socket"),
        }
    }
    while open.len() > 1 {
        encoder.finish_directory().expect("finish dir");
        open.pop();
    }
    let out = encoder.finish().expect("finish");
    if let Some(payload) = payload {
        *payload = shared.0.lock().expect("lock").clone();
    }
    out
}
