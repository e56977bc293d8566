//! The content-defined chunker (PBS's Buzhash variant) and the fixed 4 MiB chunker for images.
//!
//! Pure and streaming: callers feed buffers of any size and get cut positions back; the cut
//! points depend only on the bytes, never on how they were split (SPEC: formats.md §7).

use crate::format::error::{FormatError, Result};
use crate::format::limits;

/// Bytes in the rolling-hash window.
const WINDOW_SIZE: usize = 64;

/// PBS's Buzhash table (inherited from casync): 256 fixed 32-bit values, part of the format.
#[rustfmt::skip]
pub const BUZHASH_TABLE: [u32; 256] = [
    0x458be752, 0xc10748cc, 0xfbbcdbb8, 0x6ded5b68, 0xb10a82b5, 0x20d75648, 0xdfc5665f, 0xa8428801,
    0x7ebf5191, 0x841135c7, 0x65cc53b3, 0x280a597c, 0x16f60255, 0xc78cbc3e, 0x294415f5, 0xb938d494,
    0xec85c4e6, 0xb7d33edc, 0xe549b544, 0xfdeda5aa, 0x882bf287, 0x3116737c, 0x05569956, 0xe8cc1f68,
    0x0806ac5e, 0x22a14443, 0x15297e10, 0x50d090e7, 0x4ba60f6f, 0xefd9f1a7, 0x5c5c885c, 0x82482f93,
    0x9bfd7c64, 0x0b3e7276, 0xf2688e77, 0x8fad8abc, 0xb0509568, 0xf1ada29f, 0xa53efdfe, 0xcb2b1d00,
    0xf2a9e986, 0x6463432b, 0x95094051, 0x5a223ad2, 0x9be8401b, 0x61e579cb, 0x1a556a14, 0x5840fdc2,
    0x9261ddf6, 0xcde002bb, 0x52432bb0, 0xbf17373e, 0x7b7c222f, 0x2955ed16, 0x9f10ca59, 0xe840c4c9,
    0xccabd806, 0x14543f34, 0x1462417a, 0x0d4a1f9c, 0x087ed925, 0xd7f8f24c, 0x7338c425, 0xcf86c8f5,
    0xb19165cd, 0x9891c393, 0x325384ac, 0x0308459d, 0x86141d7e, 0xc922116a, 0xe2ffa6b6, 0x53f52aed,
    0x2cd86197, 0xf5b9f498, 0xbf319c8f, 0xe0411fae, 0x977eb18c, 0xd8770976, 0x9833466a, 0xc674df7f,
    0x8c297d45, 0x8ca48d26, 0xc49ed8e2, 0x7344f874, 0x556f79c7, 0x6b25eaed, 0xa03e2b42, 0xf68f66a4,
    0x8e8b09a2, 0xf2e0e62a, 0x0d3a9806, 0x9729e493, 0x8c72b0fc, 0x160b94f6, 0x450e4d3d, 0x7a320e85,
    0xbef8f0e1, 0x21d73653, 0x4e3d977a, 0x1e7b3929, 0x1cc6c719, 0xbe478d53, 0x8d752809, 0xe6d8c2c6,
    0x275f0892, 0xc8acc273, 0x4cc21580, 0xecc4a617, 0xf5f7be70, 0xe795248a, 0x375a2fe9, 0x425570b6,
    0x8898dcf8, 0xdc2d97c4, 0x0106114b, 0x364dc22f, 0x1e0cad1f, 0xbe63803c, 0x5f69fac2, 0x4d5afa6f,
    0x1bc0dfb5, 0xfb273589, 0x0ea47f7b, 0x3c1c2b50, 0x21b2a932, 0x6b1223fd, 0x2fe706a8, 0xf9bd6ce2,
    0xa268e64e, 0xe987f486, 0x3eacf563, 0x1ca2018c, 0x65e18228, 0x2207360a, 0x57cf1715, 0x34c37d2b,
    0x1f8f3cde, 0x93b657cf, 0x31a019fd, 0xe69eb729, 0x8bca7b9b, 0x4c9d5bed, 0x277ebeaf, 0xe0d8f8ae,
    0xd150821c, 0x31381871, 0xafc3f1b0, 0x927db328, 0xe95effac, 0x305a47bd, 0x426ba35b, 0x1233af3f,
    0x686a5b83, 0x50e072e5, 0xd9d3bb2a, 0x8befc475, 0x487f0de6, 0xc88dff89, 0xbd664d5e, 0x971b5d18,
    0x63b14847, 0xd7d3c1ce, 0x7f583cf3, 0x72cbcb09, 0xc0d0a81c, 0x7fa3429b, 0xe9158a1b, 0x225ea19a,
    0xd8ca9ea3, 0xc763b282, 0xbb0c6341, 0x020b8293, 0xd4cd299d, 0x58cfa7f8, 0x91b4ee53, 0x37e4d140,
    0x95ec764c, 0x30f76b06, 0x5ee68d24, 0x679c8661, 0xa41979c2, 0xf2b61284, 0x4fac1475, 0x0adb49f9,
    0x19727a23, 0x15a7e374, 0xc43a18d5, 0x3fb1aa73, 0x342fc615, 0x924c0793, 0xbee2d7f0, 0x8a279de9,
    0x4aa2d70c, 0xe24dd37f, 0xbe862c0b, 0x177c22c2, 0x5388e5ee, 0xcd8a7510, 0xf901b4fd, 0xdbc13dbc,
    0x6c0bae5b, 0x64efe8c7, 0x48b02079, 0x80331a49, 0xca3d8ae6, 0xf3546190, 0xfed7108b, 0xc49b941b,
    0x32baf4a9, 0xeb833a4a, 0x88a3f1a5, 0x3a91ce0a, 0x3cc27da1, 0x7112e684, 0x4a3096b1, 0x3794574c,
    0xa3c8b6f3, 0x1d213941, 0x6e0a2e00, 0x233479f1, 0x0f4cd82f, 0x6093edd2, 0x5d7d209e, 0x464fe319,
    0xd4dcac9e, 0x0db845cb, 0xfb5e4bc3, 0xe0256ce1, 0x09fb4ed1, 0x0914be1e, 0xa5bdb2c3, 0xc6eb57bb,
    0x30320350, 0x3f397e91, 0xa67791bc, 0x86bc0e2c, 0xefa0a7e2, 0xe9ff7543, 0xe733612c, 0xd185897b,
    0x329e5388, 0x91dd236b, 0x2ecb0d93, 0xf4d82a3d, 0x35b5c03f, 0xe4e606f0, 0x05b21843, 0x37b45964,
    0x5eff22f4, 0x6027f4cc, 0x77178b3c, 0xae507131, 0x7bf7cabc, 0xf9c18d66, 0x593ade65, 0xd95ddf11,
];

/// Streaming content-defined chunker; `scan` reports where the current chunk ends.
#[derive(Clone)]
pub struct Chunker {
    hash: u32,
    /// Bytes of the current chunk seen so far.
    chunk_len: usize,
    /// The last `WINDOW_SIZE` bytes, indexed by `chunk_len % WINDOW_SIZE`.
    window: [u8; WINDOW_SIZE],
    min_size: usize,
    max_size: usize,
    mask: u32,
    threshold: u32,
}

impl Chunker {
    /// A chunker for average chunk size `avg_size` (a power of two, 64 KiB to 4 MiB).
    pub fn new(avg_size: usize) -> Result<Self> {
        if !avg_size.is_power_of_two() || !(64 * 1024..=4 * 1024 * 1024).contains(&avg_size) {
            return Err(FormatError::invalid(
                "chunker",
                format!("average chunk size {avg_size} is not a power of two from 64 KiB to 4 MiB"),
            ));
        }
        let mask = (2 * avg_size - 1) as u32;
        Ok(Chunker {
            hash: 0,
            chunk_len: 0,
            window: [0; WINDOW_SIZE],
            min_size: avg_size / 4,
            max_size: avg_size * 4,
            mask,
            threshold: mask - 2,
        })
    }

    pub fn min_size(&self) -> usize {
        self.min_size
    }

    pub fn max_size(&self) -> usize {
        self.max_size
    }

    /// Scans `data`, the continuation of the stream; returns `Some(n)` when the current chunk
    /// ends after `data[..n]` (the chunker is then reset), `None` when all of `data` belongs
    /// to the current chunk.
    #[allow(clippy::indexing_slicing)] // the table is indexed by a u8; `chunks_exact(2)` pieces
    pub fn scan(&mut self, data: &[u8]) -> Option<usize> {
        // No cut can happen before `min_size`, and once the window is full the hash depends
        // only on the window's bytes, so the bytes before `min_size - WINDOW_SIZE` are skipped.
        let skip_until = self.min_size - WINDOW_SIZE;
        let mut pos = 0;
        if self.chunk_len < skip_until {
            let skip = (skip_until - self.chunk_len).min(data.len());
            self.chunk_len += skip;
            pos = skip;
            if self.chunk_len < skip_until {
                return None;
            }
        }
        // Byte by byte through the ring while the window fills, or while the byte leaving the
        // window lies before `data`.
        while pos < data.len() && (self.chunk_len < self.min_size || pos < WINDOW_SIZE) {
            let byte = data.get(pos).copied().unwrap_or_default();
            pos += 1;
            if self.push_through_ring(byte, skip_until) {
                self.reset();
                return Some(pos);
            }
        }
        if pos >= data.len() {
            return None;
        }
        // Fast path: the window is full and the leaving byte is `data[pos - 64]`, so the ring
        // is not touched per byte; one dependency chain of rotate and xor per byte.
        let limit = data.len().min(pos + (self.max_size - self.chunk_len));
        let (mask, threshold) = (self.mask, self.threshold);
        let mut hash = self.hash;
        // Long stretches go through independent lanes (see `scan_lanes`); what is left, and
        // the stretch after a lane found nothing, through the one-chain loop below.
        let lanes_start = pos;
        while limit - pos >= LANES * LANE_LEN {
            if let Some(end) = scan_lanes(data, pos, mask, threshold) {
                self.chunk_len += end - lanes_start;
                self.reset();
                return Some(end);
            }
            pos += LANES * LANE_LEN;
        }
        if pos != lanes_start {
            self.chunk_len += pos - lanes_start;
            hash = window_hash(data.get(pos - WINDOW_SIZE..pos).unwrap_or_default());
        }
        let leaving = data
            .get(pos - WINDOW_SIZE..limit - WINDOW_SIZE)
            .unwrap_or_default();
        let entering = data.get(pos..limit).unwrap_or_default();
        let mut cut = None;
        // Two bytes per step: h2 = rotl(h, 2) ^ rotl(x1, 1) ^ x2 keeps the loop-carried chain
        // at one rotate and one xor per two bytes; h1 is checked off the chain.
        let x =
            |out: u8, inp: u8| BUZHASH_TABLE[usize::from(out)] ^ BUZHASH_TABLE[usize::from(inp)];
        let pairs = leaving.len() / 2;
        let (lead_out, tail_out) = leaving.split_at(pairs * 2);
        let (lead_in, tail_in) = entering.split_at(pairs * 2);
        for (i, (o, n)) in lead_out
            .chunks_exact(2)
            .zip(lead_in.chunks_exact(2))
            .enumerate()
        {
            let (x1, x2) = (x(o[0], n[0]), x(o[1], n[1]));
            let h1 = hash.rotate_left(1) ^ x1;
            hash = hash.rotate_left(2) ^ (x1.rotate_left(1) ^ x2);
            if (h1 & mask) >= threshold {
                cut = Some(pos + 2 * i + 1);
                break;
            }
            if (hash & mask) >= threshold {
                cut = Some(pos + 2 * i + 2);
                break;
            }
        }
        if cut.is_none() {
            if let (Some(&o), Some(&n)) = (tail_out.first(), tail_in.first()) {
                hash = hash.rotate_left(1) ^ x(o, n);
                if (hash & mask) >= threshold {
                    cut = Some(pos + pairs * 2 + 1);
                }
            }
        }
        let end = cut.unwrap_or(limit);
        self.chunk_len += end - pos;
        if cut.is_some() || self.chunk_len >= self.max_size {
            self.reset();
            return Some(end);
        }
        self.hash = hash;
        // Keep the last 64 bytes in the ring for the next call (`end >= 64` here).
        let first = end - WINDOW_SIZE;
        for (k, &byte) in data.get(first..end).unwrap_or_default().iter().enumerate() {
            let stream_pos = self.chunk_len - WINDOW_SIZE + k;
            if let Some(slot) = self.window.get_mut(stream_pos % WINDOW_SIZE) {
                *slot = byte;
            }
        }
        None
    }

    /// One byte through the ring-buffer window; true when the chunk ends after it.
    #[allow(clippy::indexing_slicing)] // `slot < 64`, the table is indexed by a u8
    fn push_through_ring(&mut self, byte: u8, skip_until: usize) -> bool {
        let slot = self.chunk_len % WINDOW_SIZE;
        let hashed_before = self.chunk_len - skip_until;
        let leaving = self.window[slot];
        self.window[slot] = byte;
        self.chunk_len += 1;
        self.hash = if hashed_before < WINDOW_SIZE {
            // Window still filling: no byte leaves (risk item 7).
            self.hash.rotate_left(1) ^ BUZHASH_TABLE[byte as usize]
        } else {
            // The leaving byte was rotated 64 times, which is 0 mod 32: no rotation needed.
            self.hash.rotate_left(1)
                ^ BUZHASH_TABLE[leaving as usize]
                ^ BUZHASH_TABLE[byte as usize]
        };
        // While filling, `chunk_len < min_size`, so no cut test passes (none during the
        // first 64 bytes, as upstream).
        self.chunk_len >= self.max_size
            || (self.chunk_len >= self.min_size && (self.hash & self.mask) >= self.threshold)
    }

    /// Forgets the current chunk (after a cut, or when a caller forces a boundary).
    pub fn reset(&mut self) {
        self.hash = 0;
        self.chunk_len = 0;
    }
}

/// Independent lanes scanned side by side: one rotate-xor chain per lane, so the CPU overlaps
/// them instead of waiting on one chain (the hash at a position depends only on the 64 bytes
/// before it, so each lane starts from its own window and the lanes stitch exactly).
const LANES: usize = 4;
/// Bytes per lane in one block; a block is `LANES * LANE_LEN` bytes. Large enough that the
/// per-lane window set-up is noise, small enough that the work past a cut stays small.
const LANE_LEN: usize = 8192;

/// The hash of a full window, as the rolling hash has it after those 64 bytes.
#[allow(clippy::indexing_slicing)] // the table is indexed by a u8
fn window_hash(window: &[u8]) -> u32 {
    window.iter().fold(0u32, |h, &b| {
        h.rotate_left(1) ^ BUZHASH_TABLE[usize::from(b)]
    })
}

/// Scans `data[from..from + LANES * LANE_LEN]` (with `from >= 64`) as `LANES` lanes at once;
/// returns the earliest cut (the end of the first window whose hash passes), if any.
#[allow(clippy::indexing_slicing)] // the table is indexed by a u8; lanes are `LANE_LEN` arrays
fn scan_lanes(data: &[u8], from: usize, mask: u32, threshold: u32) -> Option<usize> {
    let block = data.get(from - WINDOW_SIZE..from + LANES * LANE_LEN)?;
    let lane = |k: usize, shift: usize| -> Option<&[u8; LANE_LEN]> {
        let start = k * LANE_LEN + shift;
        block.get(start..start + LANE_LEN)?.try_into().ok()
    };
    let mut entering: [&[u8; LANE_LEN]; LANES] = [&[0; LANE_LEN]; LANES];
    let mut leaving: [&[u8; LANE_LEN]; LANES] = [&[0; LANE_LEN]; LANES];
    let mut hash = [0u32; LANES];
    for k in 0..LANES {
        entering[k] = lane(k, WINDOW_SIZE)?;
        leaving[k] = lane(k, 0)?;
        hash[k] = window_hash(block.get(k * LANE_LEN..k * LANE_LEN + WINDOW_SIZE)?);
    }
    let passes = |h: u32| (h & mask) >= threshold;
    let mut first = [usize::MAX; LANES];
    for i in 0..LANE_LEN {
        let mut hit = false;
        for k in 0..LANES {
            hash[k] = hash[k].rotate_left(1)
                ^ BUZHASH_TABLE[usize::from(leaving[k][i])]
                ^ BUZHASH_TABLE[usize::from(entering[k][i])];
            hit |= passes(hash[k]);
        }
        if hit {
            // Rare (about once per average chunk): note each lane's first hit; lane 0's is
            // the earliest of all, so it ends the scan.
            for k in 0..LANES {
                if passes(hash[k]) && first[k] == usize::MAX {
                    first[k] = i;
                }
            }
            if first[0] != usize::MAX {
                break;
            }
        }
    }
    (0..LANES)
        .find(|&k| first[k] != usize::MAX)
        .map(|k| from + k * LANE_LEN + first[k] + 1)
}

/// Splits a stream into consecutive fixed-size pieces (images: 4 MiB, the last one shorter).
#[derive(Debug, Clone)]
pub struct FixedChunker {
    chunk_size: usize,
    chunk_len: usize,
}

impl FixedChunker {
    /// The chunker the server accepts for images.
    pub fn for_images() -> Self {
        FixedChunker {
            chunk_size: limits::FIXED_CHUNK_SIZE,
            chunk_len: 0,
        }
    }

    pub fn chunk_size(&self) -> usize {
        self.chunk_size
    }

    /// Like `Chunker::scan`: `Some(n)` when the current piece is complete after `data[..n]`.
    pub fn scan(&mut self, data: &[u8]) -> Option<usize> {
        let need = self.chunk_size - self.chunk_len;
        if data.len() >= need {
            self.chunk_len = 0;
            Some(need)
        } else {
            self.chunk_len += data.len();
            None
        }
    }
}

/// Cut positions (cumulative chunk ends) of a whole in-memory stream; for tests and tools.
#[allow(clippy::indexing_slicing)] // `pos < data.len()` in the loop
pub fn cut_points(chunker: &mut Chunker, data: &[u8]) -> Vec<usize> {
    let mut cuts = Vec::new();
    let mut pos = 0;
    while pos < data.len() {
        match chunker.scan(&data[pos..]) {
            Some(n) => {
                pos += n;
                cuts.push(pos);
            }
            None => break,
        }
    }
    if cuts.last() != Some(&data.len()) && !data.is_empty() {
        cuts.push(data.len());
    }
    cuts
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::format::digest::sha256;

    #[test]
    fn table_matches_published_checks() {
        let mut bytes = Vec::new();
        for v in BUZHASH_TABLE {
            bytes.extend_from_slice(&v.to_le_bytes());
        }
        assert_eq!(
            hex::encode(sha256(&bytes)),
            "5b52080d38287da9d2e278466e3e0db7ec98e5e8b226f50612a56fa012b1f660"
        );
        assert_eq!(BUZHASH_TABLE.iter().fold(0, |a, b| a ^ b), 0);
        assert_eq!(
            BUZHASH_TABLE.iter().fold(0u32, |a, b| a.wrapping_add(*b)),
            0xffff_ff80
        );
    }

    #[test]
    fn counter_stream_cuts_match_t9() {
        let data: Vec<u8> = (0u32..262_144).flat_map(|i| i.to_le_bytes()).collect();
        let mut c = Chunker::new(64 * 1024).unwrap();
        assert_eq!(
            cut_points(&mut c, &data),
            vec![143377, 405521, 667665, 929809, 1048576]
        );
    }

    #[test]
    fn zeros_cut_only_at_max_t9() {
        let data = vec![0u8; 40 * 1024 * 1024];
        let mut c = Chunker::new(4 * 1024 * 1024).unwrap();
        assert_eq!(
            cut_points(&mut c, &data),
            vec![16777216, 33554432, 41943040]
        );
    }

    #[test]
    fn feed_size_does_not_change_cuts() {
        let data: Vec<u8> = (0u32..262_144).flat_map(|i| i.to_le_bytes()).collect();
        for piece in [1usize, 7, 64, 1000, 65536] {
            let mut c = Chunker::new(64 * 1024).unwrap();
            let mut cuts = Vec::new();
            let mut consumed = 0;
            for block in data.chunks(piece) {
                let mut at = 0;
                while let Some(n) = c.scan(&block[at..]) {
                    at += n;
                    cuts.push(consumed + at);
                }
                consumed += block.len();
            }
            assert_eq!(
                cuts,
                vec![143377, 405521, 667665, 929809],
                "piece size {piece}"
            );
        }
    }

    /// The plain byte-at-a-time chunker the fast path must agree with.
    fn reference_cuts(avg: usize, data: &[u8]) -> Vec<usize> {
        let mut c = Chunker::new(avg).unwrap();
        let skip_until = c.min_size - WINDOW_SIZE;
        let mut cuts = Vec::new();
        for (i, &b) in data.iter().enumerate() {
            if c.chunk_len < skip_until {
                c.chunk_len += 1;
                continue;
            }
            if c.push_through_ring(b, skip_until) {
                c.reset();
                cuts.push(i + 1);
            }
        }
        cuts
    }

    #[test]
    fn fast_path_matches_reference_for_any_feed() {
        let mut seed = 0x9e37_79b9_7f4a_7c15u64;
        let mut next = || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        // Random bytes with long zero runs, so cuts at max size happen too.
        let mut data = vec![0u8; 8 * 1024 * 1024];
        for (i, b) in data.iter_mut().enumerate() {
            if (i / 300_000) % 3 != 2 {
                *b = next() as u8;
            }
        }
        let expected = reference_cuts(64 * 1024, &data);
        assert!(expected.len() > 10, "{expected:?}");
        for round in 0..20 {
            let mut c = Chunker::new(64 * 1024).unwrap();
            let (mut cuts, mut consumed) = (Vec::new(), 0);
            while consumed < data.len() {
                let piece = match round {
                    0 => data.len(),
                    1 => 1,
                    _ => 1 + (next() % 200_000) as usize,
                };
                let block = &data[consumed..data.len().min(consumed + piece)];
                let mut at = 0;
                while let Some(n) = c.scan(&block[at..]) {
                    at += n;
                    cuts.push(consumed + at);
                }
                consumed += block.len();
            }
            assert_eq!(cuts, expected, "round {round}");
        }
    }

    #[test]
    fn lanes_match_reference_at_pbs_chunk_size() {
        // The 4 MiB average the pxar archives use: lanes start 1 MiB into each chunk.
        let mut seed = 0x0123_4567_89ab_cdefu64;
        let data: Vec<u8> = (0..24 * 1024 * 1024)
            .map(|_| {
                seed ^= seed << 13;
                seed ^= seed >> 7;
                seed ^= seed << 17;
                seed as u8
            })
            .collect();
        let expected = reference_cuts(4 * 1024 * 1024, &data);
        assert!(expected.len() >= 3, "{expected:?}");
        for piece in [data.len(), 1 << 20, 100_003] {
            let mut c = Chunker::new(4 * 1024 * 1024).unwrap();
            let (mut cuts, mut consumed) = (Vec::new(), 0);
            for block in data.chunks(piece) {
                let mut at = 0;
                while let Some(n) = c.scan(&block[at..]) {
                    at += n;
                    cuts.push(consumed + at);
                }
                consumed += block.len();
            }
            assert_eq!(cuts, expected, "piece {piece}");
        }
    }

    #[test]
    fn fixed_chunker_cuts_every_4_mib() {
        let mut f = FixedChunker::for_images();
        assert_eq!(f.scan(&[0u8; 1000]), None);
        let big = vec![0u8; 8 * 1024 * 1024];
        assert_eq!(f.scan(&big), Some(4 * 1024 * 1024 - 1000));
    }

    #[test]
    fn rejects_bad_average_sizes() {
        assert!(Chunker::new(1000).is_err());
        assert!(Chunker::new(32 * 1024).is_err());
        assert!(Chunker::new(8 * 1024 * 1024).is_err());
    }
}
