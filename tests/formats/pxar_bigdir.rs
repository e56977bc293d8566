//! Big directories through the accessor: listed in archive order with each byte read about
//! once (counted by a `ReadAt` wrapper), and a directory stored out of name order (which no pxar
//! encoder writes) still listed completely, sorted, each entry once, and looked up by name.

use pbsh::format::pxar::accessor::{Accessor, ReadAt};
use pbsh::format::pxar::encoder::Encoder;
use pbsh::format::pxar::Metadata;
use std::sync::atomic::{AtomicU64, Ordering};

fn meta(mode: u64) -> Metadata {
    Metadata {
        mode,
        mtime_secs: 1_700_000_000,
        ..Metadata::default()
    }
}

fn content(i: usize) -> Vec<u8> {
    (0..200 + i % 300).map(|k| (k * 31 + i) as u8).collect()
}

/// An archive with one directory `big` whose children `f00000`… are added in `order`.
fn archive(order: &[usize]) -> Vec<u8> {
    let mut enc = Encoder::new(Vec::new(), &meta(0o040755)).unwrap();
    enc.create_directory(b"big", &meta(0o040755)).unwrap();
    for &i in order {
        let data = content(i);
        enc.add_file(
            format!("f{i:05}").as_bytes(),
            &meta(0o100644),
            data.len() as u64,
            &mut data.as_slice(),
        )
        .unwrap();
    }
    enc.finish_directory().unwrap();
    enc.finish().unwrap()
}

/// Counts the bytes read through it and the reads.
struct Counting {
    data: Vec<u8>,
    bytes: AtomicU64,
    reads: AtomicU64,
}

impl ReadAt for Counting {
    fn read_at(&self, buf: &mut [u8], offset: u64) -> std::io::Result<usize> {
        let n = self.data.read_at(buf, offset)?;
        self.bytes.fetch_add(n as u64, Ordering::Relaxed);
        self.reads.fetch_add(1, Ordering::Relaxed);
        Ok(n)
    }
    fn size(&self) -> std::io::Result<u64> {
        Ok(self.data.len() as u64)
    }
}

const N: usize = 5000;

#[test]
fn a_sorted_directory_streams_in_name_order_reading_each_byte_about_once() {
    let order: Vec<usize> = (0..N).collect();
    let bytes = archive(&order);
    let size = bytes.len() as u64;
    let a = Accessor::new(Counting {
        data: bytes,
        bytes: AtomicU64::new(0),
        reads: AtomicU64::new(0),
    })
    .unwrap();
    let big = a.lookup(b"big").unwrap().unwrap();
    let dir = a.open_dir(&big).unwrap();
    let before = a.source().bytes.load(Ordering::Relaxed);
    let mut iter = a.read_dir_iter(&dir).unwrap();
    assert_eq!(iter.len(), N);
    let first = iter.next().unwrap().unwrap();
    assert_eq!(first.name(), b"f00000");
    let mut names = vec![first.name().to_vec()];
    for child in iter.by_ref() {
        names.push(child.unwrap().name().to_vec());
    }
    assert!(iter.in_name_order());
    let want: Vec<Vec<u8>> = (0..N).map(|i| format!("f{i:05}").into_bytes()).collect();
    assert_eq!(names, want);
    // Each entry's header items are read once (a 512-byte read-ahead each, within the
    // directory), the goodbye table once in large pieces: well under twice the archive.
    let read = a.source().bytes.load(Ordering::Relaxed) - before;
    assert!(
        read < 2 * size,
        "read {read} bytes of a {size}-byte archive"
    );
    assert!(
        a.source().reads.load(Ordering::Relaxed) < 3 * N as u64,
        "too many reads"
    );
}

#[test]
fn a_directory_stored_out_of_name_order_is_listed_sorted_and_complete() {
    // Reversed, then every third pair swapped: not sorted, every name once.
    let mut order: Vec<usize> = (0..N).rev().collect();
    for k in (0..N - 1).step_by(3) {
        order.swap(k, k + 1);
    }
    let a = Accessor::new(archive(&order)).unwrap();
    let big = a.lookup(b"big").unwrap().unwrap();
    let dir = a.open_dir(&big).unwrap();

    // The iterator yields archive order and says it is not name order.
    let mut iter = a.read_dir_iter(&dir).unwrap();
    let streamed: Vec<Vec<u8>> = iter.by_ref().map(|c| c.unwrap().name().to_vec()).collect();
    assert!(!iter.in_name_order());
    let stored: Vec<Vec<u8>> = order
        .iter()
        .map(|i| format!("f{i:05}").into_bytes())
        .collect();
    assert_eq!(streamed, stored);

    // read_dir sorts: every entry once, by name, with its contents.
    let listed = a.read_dir(&dir).unwrap();
    let want: Vec<Vec<u8>> = (0..N).map(|i| format!("f{i:05}").into_bytes()).collect();
    let names: Vec<Vec<u8>> = listed.iter().map(|e| e.name().to_vec()).collect();
    assert_eq!(names, want);
    for i in [0, 1, 2, N / 2, N - 1] {
        let entry = &listed[i];
        let mut buf = vec![0u8; 1024];
        let n = a.read_file_at(entry, &mut buf, 0).unwrap();
        assert_eq!(&buf[..n], content(i).as_slice(), "f{i:05}");
        // Lookup through the goodbye table finds the same entry.
        let found = a
            .lookup(format!("big/f{i:05}").as_bytes())
            .unwrap()
            .unwrap();
        assert_eq!(found.filename_offset, entry.filename_offset);
    }
}
