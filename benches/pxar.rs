//! pxar encode (from a real directory) and decode throughput: many small files, one large file.

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use pbsh::archive::create::{create_archive, CreateOptions};
use pbsh::format::pxar::decoder::Decoder;
use std::path::Path;

const SMALL_FILES: usize = 10_000;

fn small_tree(root: &Path) -> u64 {
    let mut total = 0;
    for i in 0..SMALL_FILES {
        let dir = root.join(format!("d{:03}", i / 100));
        std::fs::create_dir_all(&dir).unwrap();
        let len = 512 + (i * 7919) % 3584;
        let content: Vec<u8> = (0..len).map(|j| (i + j) as u8).collect();
        std::fs::write(dir.join(format!("file{i:05}.txt")), &content).unwrap();
        total += len as u64;
    }
    total
}

fn large_tree(root: &Path) -> u64 {
    std::fs::create_dir_all(root).unwrap();
    let mut state = 0x9e37_79b9_7f4a_7c15u64;
    let content: Vec<u8> = (0..256 * 1024 * 1024)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state as u8
        })
        .collect();
    std::fs::write(root.join("large.bin"), &content).unwrap();
    content.len() as u64
}

fn decode_all(bytes: &[u8]) -> u64 {
    let mut decoder = Decoder::new(bytes);
    let mut buf = vec![0u8; 1 << 16];
    let mut total = 0;
    while decoder.next_entry().unwrap().is_some() {
        loop {
            let n = decoder.read_payload(&mut buf).unwrap();
            if n == 0 {
                break;
            }
            // Keep the copied bytes observable, or the optimizer drops the copy.
            criterion::black_box(&buf[..n]);
            total += n as u64;
        }
    }
    total
}

fn bench(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();
    for (name, make) in [
        ("small_files", small_tree as fn(&Path) -> u64),
        ("large_file", large_tree),
    ] {
        let root = dir.path().join(name);
        let bytes = make(&root);
        let mut group = c.benchmark_group(format!("pxar_{name}"));
        group.sample_size(10);
        group.throughput(Throughput::Bytes(bytes));
        group.bench_function("encode", |b| {
            b.iter(|| {
                create_archive::<_, Vec<u8>>(
                    &root,
                    std::io::sink(),
                    None,
                    &CreateOptions::default(),
                )
                .unwrap()
            })
        });
        let (archive, _) =
            create_archive::<_, Vec<u8>>(&root, Vec::new(), None, &CreateOptions::default())
                .unwrap();
        group.bench_function("decode", |b| b.iter(|| decode_all(&archive)));
        group.finish();
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
