//! The chunker against PBS's published cut points and against a plain reference implementation
//! on a deterministic 64 MiB pseudo-random stream.
//!
//! The stream S is the concatenation of `sha256(u64_le(i))` for i = 0, 1, 2, … (32 bytes each),
//! the generator formats.md's vector T9 uses; its 16 MiB prefix has published cut points.
#![allow(clippy::disallowed_macros)] // tests print freely

use pbsh::format::chunker::{cut_points, Chunker, BUZHASH_TABLE};
use sha2::{Digest, Sha256};

fn stream_s(len: usize) -> Vec<u8> {
    let mut out = Vec::with_capacity(len);
    let mut i = 0u64;
    while out.len() < len {
        out.extend_from_slice(&Sha256::digest(i.to_le_bytes()));
        i += 1;
    }
    out.truncate(len);
    out
}

/// The algorithm exactly as formats.md §7.2 states it, byte by byte, with no shortcuts.
fn reference_cuts(data: &[u8], avg: usize) -> Vec<usize> {
    let (min, max) = (avg / 4, avg * 4);
    let mask = (2 * avg - 1) as u32;
    let threshold = mask - 2;
    let mut cuts = Vec::new();
    let (mut h, mut n, mut start) = (0u32, 0usize, 0usize);
    for (pos, &b) in data.iter().enumerate() {
        if n < 64 {
            h = h.rotate_left(1) ^ BUZHASH_TABLE[b as usize];
            n += 1;
            continue;
        }
        let out = data[start + n - 64];
        h = h.rotate_left(1) ^ BUZHASH_TABLE[out as usize] ^ BUZHASH_TABLE[b as usize];
        n += 1;
        if n >= max || (n >= min && (h & mask) >= threshold) {
            cuts.push(pos + 1);
            start = pos + 1;
            h = 0;
            n = 0;
        }
    }
    if cuts.last() != Some(&data.len()) && !data.is_empty() {
        cuts.push(data.len());
    }
    cuts
}

#[test]
fn published_cut_points_of_stream_s_t9() {
    let s = stream_s(16 * 1024 * 1024);
    let cuts = cut_points(&mut Chunker::new(4 * 1024 * 1024).unwrap(), &s);
    assert_eq!(
        cuts,
        vec![1073993, 3754750, 4842168, 6026645, 13156102, 15991607, 16777216]
    );
    let cuts = cut_points(&mut Chunker::new(512 * 1024).unwrap(), &s);
    assert_eq!(
        &cuts[..10],
        &[774232, 1073993, 1280813, 1451158, 1720132, 2000647, 2371678, 2702436, 2943194, 3228389]
    );
    let cuts = cut_points(&mut Chunker::new(64 * 1024).unwrap(), &s);
    assert_eq!(
        &cuts[..10],
        &[66406, 127144, 252581, 304107, 320900, 338383, 392621, 436552, 473700, 510244]
    );
}

#[test]
fn cuts_a_64_mib_stream_where_the_reference_algorithm_does() {
    let s = stream_s(64 * 1024 * 1024);
    for avg in [64 * 1024, 512 * 1024, 4 * 1024 * 1024] {
        let ours = cut_points(&mut Chunker::new(avg).unwrap(), &s);
        let reference = reference_cuts(&s, avg);
        assert_eq!(ours, reference, "average {avg}");
        // B8: chunks tile the input, and every chunk but the last is within [min, max].
        let mut previous = 0;
        for (i, &cut) in ours.iter().enumerate() {
            let len = cut - previous;
            assert!(len <= avg * 4, "chunk {i} is {len} bytes");
            if i + 1 < ours.len() {
                assert!(len >= avg / 4, "chunk {i} is {len} bytes");
            }
            previous = cut;
        }
        assert_eq!(previous, s.len());
        eprintln!("average {avg}: {} chunks", ours.len());
    }
}

#[test]
fn arbitrary_inputs_match_the_reference_whatever_the_feed_size() {
    let mut seed = 0x9e37_79b9_7f4a_7c15u64;
    for round in 0..20 {
        seed = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        let len = (seed >> 40) as usize % (3 * 1024 * 1024);
        // Mix low-entropy runs into random bytes so both cut rules fire.
        let data: Vec<u8> = (0..len)
            .map(|i| {
                if (i / 100_000) % 3 == 0 {
                    (i % 7) as u8
                } else {
                    (seed.rotate_left((i % 63) as u32) >> 7) as u8 ^ (i as u8)
                }
            })
            .collect();
        let reference = reference_cuts(&data, 64 * 1024);
        let feed = 1 + (seed as usize % 100_000);
        let mut chunker = Chunker::new(64 * 1024).unwrap();
        let mut cuts = Vec::new();
        let mut consumed = 0;
        for block in data.chunks(feed) {
            let mut at = 0;
            while let Some(n) = chunker.scan(&block[at..]) {
                at += n;
                cuts.push(consumed + at);
            }
            consumed += block.len();
        }
        if cuts.last() != Some(&data.len()) && !data.is_empty() {
            cuts.push(data.len());
        }
        assert_eq!(cuts, reference, "round {round}, length {len}, feed {feed}");
    }
}
