//! Throughput of the chunker and the blob encoder (`cargo bench`).

use criterion::{criterion_group, criterion_main, BatchSize, Criterion, Throughput};
use pbsh::format::blob::BlobEncoder;
use pbsh::format::chunker::Chunker;
use pbsh::format::crypt::CryptConfig;
use sha2::{Digest, Sha256};

/// 64 MiB of incompressible data: SHA-256 of the counter, as in the chunker vectors.
fn pseudo_random(len: usize) -> Vec<u8> {
    let mut out = Vec::with_capacity(len);
    let mut i = 0u64;
    while out.len() < len {
        out.extend_from_slice(&Sha256::digest(i.to_le_bytes()));
        i += 1;
    }
    out.truncate(len);
    out
}

fn chunker(c: &mut Criterion) {
    let data = pseudo_random(64 * 1024 * 1024);
    let mut group = c.benchmark_group("chunker");
    group.throughput(Throughput::Bytes(data.len() as u64));
    group.sample_size(10);
    group.bench_function("buzhash_avg_4MiB", |b| {
        b.iter(|| {
            let mut chunker = Chunker::new(4 * 1024 * 1024).expect("valid size");
            let mut pos = 0;
            let mut cuts = 0;
            while let Some(n) = chunker.scan(&data[pos..]) {
                pos += n;
                cuts += 1;
            }
            cuts
        })
    });
    group.finish();
}

fn blob_encode(c: &mut Criterion) {
    let random = pseudo_random(4 * 1024 * 1024);
    let text: Vec<u8> = (0..4 * 1024 * 1024u32)
        .map(|i| {
            b"lorem ipsum dolor sit amet, consectetur adipiscing elit\n"[(i % 56) as usize]
                ^ ((i / 4093) as u8 & 1)
        })
        .collect();
    let crypt = CryptConfig::new([7u8; 32]).expect("key");
    let mut group = c.benchmark_group("blob_encode");
    group.throughput(Throughput::Bytes(random.len() as u64));
    group.sample_size(20);
    for (name, data) in [("random", &random), ("text", &text)] {
        group.bench_function(format!("{name}_zstd"), |b| {
            let mut encoder = BlobEncoder::new().expect("encoder");
            b.iter_batched(
                || (),
                |()| encoder.encode(data, None, true).expect("encode"),
                BatchSize::SmallInput,
            )
        });
        group.bench_function(format!("{name}_zstd_aes_gcm"), |b| {
            let mut encoder = BlobEncoder::new().expect("encoder");
            b.iter_batched(
                || (),
                |()| encoder.encode(data, Some(&crypt), true).expect("encode"),
                BatchSize::SmallInput,
            )
        });
    }
    group.bench_function("sha256_4MiB", |b| b.iter(|| Sha256::digest(&random)));
    group.finish();
}

criterion_group!(benches, chunker, blob_encode);
criterion_main!(benches);
