//! Re-encoding every entry PBS's own `pxar` tool wrote into tree.pxar reproduces it byte for byte.

use crate::common;

use pbsh::format::pxar::decoder::Decoder;
use pbsh::format::pxar::encoder::{Encoder, FileRef};
use pbsh::format::pxar::EntryKind;
use std::collections::HashMap;
use std::io::{self, Read};

/// Streams the current file's bytes out of the decoder, so no file is held in memory whole.
struct Payload<'a, R: Read>(&'a mut Decoder<R>);

impl<R: Read> Read for Payload<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.0.read_payload(buf)
    }
}

/// Splits `/a/b/name` into (`/a/b`, `name`); the root's children have parent `/`.
fn split_path(path: &[u8]) -> (&[u8], &[u8]) {
    match path.iter().rposition(|b| *b == b'/') {
        Some(0) => (b"/", &path[1..]),
        Some(i) => (&path[..i], &path[i + 1..]),
        None => panic!("path without '/': {path:?}"),
    }
}

/// Decodes `archive` and feeds every entry into a new encoder; returns what it wrote.
fn reencode(archive: &[u8]) -> Vec<u8> {
    let mut decoder = Decoder::new(archive);
    let root = decoder.next_entry().unwrap().expect("root entry");
    assert_eq!(root.kind, EntryKind::Directory);
    assert_eq!(
        decoder.format_version(),
        1,
        "tree.pxar is a unified archive"
    );
    let mut encoder = Encoder::new(Vec::new(), &root.metadata).unwrap();
    // Paths of the open subdirectories, innermost last; the root is implied.
    let mut open: Vec<Vec<u8>> = Vec::new();
    let mut files: HashMap<Vec<u8>, FileRef> = HashMap::new();
    while let Some(entry) = decoder.next_entry().unwrap() {
        let (parent, name) = split_path(&entry.path);
        while open.last().is_some_and(|dir| dir.as_slice() != parent) {
            encoder.finish_directory().unwrap();
            open.pop();
        }
        assert!(
            parent == b"/" || open.last().is_some_and(|dir| dir.as_slice() == parent),
            "{} is not inside an open directory",
            entry.path_lossy()
        );
        let m = &entry.metadata;
        match &entry.kind {
            EntryKind::Directory => {
                encoder.create_directory(name, m).unwrap();
                open.push(entry.path.clone());
            }
            EntryKind::File { size, .. } => {
                let file = encoder
                    .add_file(name, m, *size, &mut Payload(&mut decoder))
                    .unwrap();
                files.insert(entry.path.clone(), file);
            }
            EntryKind::Symlink { target } => encoder.add_symlink(name, m, target).unwrap(),
            EntryKind::Hardlink { target } => {
                let mut full = b"/".to_vec();
                full.extend_from_slice(target);
                let file = files.get(&full).unwrap_or_else(|| {
                    panic!("hardlink {} to an unknown file", entry.path_lossy())
                });
                encoder.add_hardlink(name, target, *file).unwrap();
            }
            EntryKind::Device { major, minor } => {
                encoder.add_device(name, m, *major, *minor).unwrap()
            }
            EntryKind::Fifo => encoder.add_fifo(name, m).unwrap(),
            EntryKind::Socket => encoder.add_socket(name, m).unwrap(),
        }
    }
    for _ in open.drain(..) {
        encoder.finish_directory().unwrap();
    }
    encoder.finish().unwrap()
}

#[test]
fn reencoding_tree_pxar_reproduces_it_byte_for_byte() {
    let Some(v) = common::vectors_dir() else {
        return;
    };
    let original = std::fs::read(v.join("pxar/tree.pxar")).unwrap();
    assert_eq!(original.len(), 7_354_363);
    let ours = reencode(&original);
    if let Some(at) = ours.iter().zip(&original).position(|(a, b)| a != b) {
        panic!(
            "first difference at offset {at} (ours {} bytes, original {} bytes)",
            ours.len(),
            original.len()
        );
    }
    assert_eq!(ours.len(), original.len());
    assert!(ours == original);
}
