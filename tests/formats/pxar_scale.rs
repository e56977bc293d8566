//! Random access at scale: 10,000 lookups in a 100,000-entry archive read only a small part of it.
#![allow(clippy::disallowed_macros)] // tests print freely

use pbsh::format::pxar::accessor::{Accessor, ReadAt};
use pbsh::format::pxar::encoder::Encoder;
use pbsh::format::pxar::{EntryKind, Metadata};
use std::cell::RefCell;
use std::collections::BTreeSet;

/// An in-memory archive that records which byte ranges were read.
struct Recording {
    bytes: Vec<u8>,
    ranges: RefCell<Vec<(u64, u64)>>,
}

impl ReadAt for Recording {
    fn read_at(&self, buf: &mut [u8], offset: u64) -> std::io::Result<usize> {
        let n = self.bytes.as_slice().read_at(buf, offset)?;
        self.ranges.borrow_mut().push((offset, offset + n as u64));
        Ok(n)
    }
    fn size(&self) -> std::io::Result<u64> {
        Ok(self.bytes.len() as u64)
    }
}

/// Bytes covered by the union of the recorded ranges, and all bytes read.
fn coverage(ranges: &[(u64, u64)]) -> (u64, u64) {
    let total = ranges.iter().map(|(a, b)| b - a).sum();
    let mut sorted: Vec<_> = ranges.to_vec();
    sorted.sort();
    let (mut covered, mut end) = (0u64, 0u64);
    for (a, b) in sorted {
        let start = a.max(end);
        if b > start {
            covered += b - start;
        }
        end = end.max(b);
    }
    (covered, total)
}

#[test]
fn ten_thousand_lookups_in_a_hundred_thousand_entries() {
    let dir = Metadata {
        mode: 0o040755,
        ..Metadata::default()
    };
    let file = Metadata {
        mode: 0o100644,
        ..Metadata::default()
    };
    let mut enc = Encoder::new(Vec::new(), &dir).unwrap();
    let content = vec![b'x'; 1024];
    for d in 0..400 {
        enc.create_directory(format!("dir{d:04}").as_bytes(), &dir)
            .unwrap();
        for f in 0..250 {
            let len = 256 + (d * 31 + f * 17) % 768;
            enc.add_file(
                format!("file{f:04}.dat").as_bytes(),
                &file,
                len as u64,
                &mut &content[..len],
            )
            .unwrap();
        }
        enc.finish_directory().unwrap();
    }
    let bytes = enc.finish().unwrap();
    let archive_len = bytes.len() as u64;
    let accessor = Accessor::new(Recording {
        bytes,
        ranges: RefCell::new(Vec::new()),
    })
    .unwrap();

    let mut seed = 42u64;
    let mut looked_up = BTreeSet::new();
    for _ in 0..10_000 {
        seed = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        let (d, f) = ((seed >> 33) % 400, (seed >> 17) % 250);
        let path = format!("dir{d:04}/file{f:04}.dat");
        let entry = accessor
            .lookup(path.as_bytes())
            .unwrap()
            .unwrap_or_else(|| panic!("{path} not found"));
        assert!(matches!(entry.entry.kind, EntryKind::File { .. }));
        looked_up.insert(path);
    }
    assert!(accessor.lookup(b"dir0000/missing").unwrap().is_none());
    let (covered, total) = coverage(&accessor.source().ranges.borrow());
    eprintln!(
        "archive {archive_len} bytes, 100,000 entries; 10,000 lookups ({} distinct) read {total} bytes in all, {covered} distinct ({:.1} %)",
        looked_up.len(),
        covered as f64 * 100.0 / archive_len as f64
    );
    assert!(
        covered * 10 < archive_len,
        "lookups touched {covered} of {archive_len} bytes"
    );
}
