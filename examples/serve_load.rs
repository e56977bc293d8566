//! Load test for `pbsh serve` on loopback: N parallel backup sessions, each uploading M chunks
//! over the real TLS + HTTP/2 protocol, bounded in count and time. Run via scripts/load-serve.sh.
//!
//! Usage: serve_load [SESSIONS] [CHUNKS_PER_SESSION] [CHUNK_KIB]
#![allow(clippy::disallowed_macros)] // tests print freely

#[path = "../tests/serve_common/mod.rs"]
mod serve_common;

use bytes::Bytes;
use http::Method;
use pbsh::format::blob;
use pbsh::format::digest::ChunkDigest;
use pbsh::format::index::IndexCsum;
use pbsh::format::manifest::{CryptMode, FileInfo, Manifest};
use serde_json::json;
use serve_common::*;
use std::time::{Duration, Instant};

/// LIMIT: the whole run is cut off after this long.
const TIME_LIMIT: Duration = Duration::from_secs(300);

fn arg(n: usize, default: usize, max: usize) -> usize {
    std::env::args()
        .nth(n)
        .and_then(|a| a.parse().ok())
        .unwrap_or(default)
        .clamp(1, max)
}

async fn session(server: &Server, auth: &Auth, id: usize, chunks: usize, chunk_len: usize) {
    let time = 1_700_000_000 + id as i64;
    let path = format!(
        "/api2/json/backup?store=store1&backup-type=host&backup-id=load{id}&backup-time={time}"
    );
    let mut h2 = upgrade(server, &path, "proxmox-backup-protocol-v1", auth)
        .await
        .expect("upgrade");
    let wid = call_ok(
        &mut h2,
        Method::POST,
        "dynamic_index?archive-name=data.pxar.didx",
        Bytes::new(),
        FORM,
    )
    .await;
    let mut state = 0x1234_5678_9abc_def0u64 ^ (id as u64) << 32;
    let mut offset = 0u64;
    let mut csum = IndexCsum::new();
    let mut digests = Vec::new();
    let mut offsets = Vec::new();
    // Upload with up to 16 requests in flight, as the stock client pipelines them.
    let mut inflight = tokio::task::JoinSet::new();
    for _ in 0..chunks {
        let data: Vec<u8> = (0..chunk_len)
            .map(|_| {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                state as u8
            })
            .collect();
        let digest = ChunkDigest::of_plain(&data);
        let encoded = blob::encode(&data, None, false).expect("encode");
        let q = format!(
            "dynamic_chunk?wid={wid}&digest={}&size={}&encoded-size={}",
            digest.to_hex(),
            data.len(),
            encoded.len()
        );
        if inflight.len() >= 16 {
            inflight.join_next().await;
        }
        let mut h = h2.clone();
        inflight.spawn(async move {
            call_ok(&mut h, Method::POST, &q, Bytes::from(encoded), OCTETS).await;
        });
        offsets.push(offset);
        offset += data.len() as u64;
        csum.add_dynamic(offset, &digest);
        digests.push(digest);
    }
    while inflight.join_next().await.is_some() {}
    for (d, o) in digests.chunks(64).zip(offsets.chunks(64)) {
        let body = json!({"wid": wid, "digest-list": d.iter().map(|d| d.to_hex()).collect::<Vec<_>>(), "offset-list": o});
        call_ok(
            &mut h2,
            Method::PUT,
            "dynamic_index",
            Bytes::from(body.to_string()),
            "application/json",
        )
        .await;
    }
    let csum = hex::encode(csum.finish());
    call_ok(
        &mut h2,
        Method::POST,
        &format!("dynamic_close?wid={wid}&chunk-count={chunks}&size={offset}&csum={csum}"),
        Bytes::new(),
        FORM,
    )
    .await;
    let mut m = Manifest::new("host", &format!("load{id}"), time);
    m.files.push(FileInfo {
        filename: "data.pxar.didx".into(),
        crypt_mode: CryptMode::None,
        size: offset,
        csum,
    });
    let raw = blob::encode(&m.to_json_bytes().expect("manifest"), None, true).expect("blob");
    call_ok(
        &mut h2,
        Method::POST,
        &format!("blob?file-name=index.json.blob&encoded-size={}", raw.len()),
        Bytes::from(raw),
        OCTETS,
    )
    .await;
    call_ok(&mut h2, Method::POST, "finish", Bytes::new(), FORM).await;
}

#[tokio::main]
async fn main() {
    let sessions = arg(1, 8, 32);
    let chunks = arg(2, 64, 4096);
    let chunk_kib = arg(3, 1024, 16 * 1024);
    // One user runs every session: allow it more than the default per-user share.
    let server = start_server_with_env(&[("PBSH_MAX_SESSIONS_PER_USER", "32")], None);
    let auth = login(&server, "admin@pbs").await;
    let start = Instant::now();
    let mut set = tokio::task::JoinSet::new();
    let server = std::sync::Arc::new(server);
    for id in 0..sessions {
        let (server, auth) = (server.clone(), auth.clone());
        set.spawn(async move { session(&server, &auth, id, chunks, chunk_kib * 1024).await });
    }
    let finished = tokio::time::timeout(TIME_LIMIT, async {
        let mut ok = 0;
        while let Some(r) = set.join_next().await {
            if r.is_ok() {
                ok += 1;
            }
        }
        ok
    })
    .await
    .unwrap_or(0);
    let secs = start.elapsed().as_secs_f64();
    let total_chunks = (finished * chunks) as f64;
    let mb = total_chunks * chunk_kib as f64 / 1024.0;
    println!(
        "sessions: {finished}/{sessions} finished, {chunks} chunks of {chunk_kib} KiB each, {secs:.2} s"
    );
    println!(
        "throughput: {:.1} chunks/s, {:.1} MB/s (MiB of chunk data)",
        total_chunks / secs,
        mb / secs
    );
    if finished != sessions {
        std::process::exit(1);
    }
}
