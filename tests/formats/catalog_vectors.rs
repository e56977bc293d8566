//! The catalog PBS wrote for the `vec-plain` snapshot reads, dumps, finds and looks up as PBS
//! does, and pbsh's writer reproduces it byte for byte.

use crate::common;

use pbsh::format::blob::decode_chunk;
use pbsh::format::catalog::{CatalogEntry, CatalogEntryKind, CatalogReader, CatalogWriter};
use pbsh::format::index::DynamicIndex;
use std::path::Path;

const SNAPSHOT: &str = "datastore/host/vec-plain/2026-09-21T14:13:20Z";

/// The catalog stream: the chunks of `catalog.pcat1.didx`, decoded and concatenated.
fn catalog_stream(v: &Path) -> Vec<u8> {
    let didx = std::fs::read(v.join(SNAPSHOT).join("catalog.pcat1.didx")).unwrap();
    let index = DynamicIndex::decode(&didx).unwrap();
    let mut stream = Vec::new();
    for digest in index.digests() {
        let path = v
            .join("datastore/.chunks")
            .join(digest.prefix_dir())
            .join(digest.to_hex());
        let raw = std::fs::read(&path).unwrap();
        stream.extend_from_slice(&decode_chunk(&raw, None, digest).unwrap());
    }
    assert_eq!(stream.len() as u64, index.size());
    stream
}

#[test]
fn dump_matches_pbs_catalog_dump() {
    let Some(v) = common::vectors_dir() else {
        return;
    };
    let stream = catalog_stream(&v);
    let reader = CatalogReader::new(&stream).unwrap();
    let mut ours = Vec::new();
    reader.dump(&mut ours).unwrap();
    let theirs = std::fs::read(v.join("datastore/catalog-dump.vec-plain.txt")).unwrap();
    assert_eq!(
        String::from_utf8_lossy(&ours),
        String::from_utf8_lossy(&theirs)
    );
    assert_eq!(ours, theirs);
}

#[test]
fn find_and_lookup() {
    let Some(v) = common::vectors_dir() else {
        return;
    };
    let stream = catalog_stream(&v);
    let reader = CatalogReader::new(&stream).unwrap();
    let found: Vec<String> = reader
        .find("**/note1*.txt")
        .unwrap()
        .into_iter()
        .map(|(path, _)| String::from_utf8(path).unwrap())
        .collect();
    let expected: Vec<String> = (10..20)
        .map(|i| format!("root.pxar.didx/docs/note{i}.txt"))
        .collect();
    assert_eq!(found, expected);

    let components = "root.pxar.didx/docs/nested/deep.txt".split('/');
    let deep = reader.lookup(&reader.root(), components).unwrap().unwrap();
    assert_eq!(deep.name, b"deep.txt");
    assert!(matches!(deep.kind, CatalogEntryKind::File { size: 5, .. }));
    assert!(reader
        .lookup_path(b"root.pxar.didx/docs/nested/missing.txt")
        .unwrap()
        .is_none());
}

#[test]
fn writer_reproduces_pbs_catalog_bytes() {
    let Some(v) = common::vectors_dir() else {
        return;
    };
    let stream = catalog_stream(&v);
    let reader = CatalogReader::new(&stream).unwrap();
    let mut entries: Vec<(Vec<u8>, CatalogEntry)> = Vec::new();
    reader
        .walk(|path, entry| {
            entries.push((path.to_vec(), entry.clone()));
            Ok(())
        })
        .unwrap();

    let mut writer = CatalogWriter::new(Vec::new()).unwrap();
    let mut open = 0usize;
    for (path, entry) in &entries {
        let depth = path.iter().filter(|&&b| b == b'/').count();
        while open > depth {
            writer.end_directory().unwrap();
            open -= 1;
        }
        let name = &entry.name;
        match entry.kind {
            CatalogEntryKind::Directory { .. } => {
                writer.start_directory(name).unwrap();
                open += 1;
            }
            CatalogEntryKind::File { size, mtime_secs } => {
                writer.add_file(name, size, mtime_secs).unwrap()
            }
            CatalogEntryKind::Symlink => writer.add_symlink(name).unwrap(),
            CatalogEntryKind::Hardlink => writer.add_hardlink(name).unwrap(),
            CatalogEntryKind::BlockDevice => writer.add_block_device(name).unwrap(),
            CatalogEntryKind::CharDevice => writer.add_char_device(name).unwrap(),
            CatalogEntryKind::Fifo => writer.add_fifo(name).unwrap(),
            CatalogEntryKind::Socket => writer.add_socket(name).unwrap(),
        }
    }
    for _ in 0..open {
        writer.end_directory().unwrap();
    }
    let rewritten = writer.finish().unwrap();
    assert_eq!(hex::encode(&rewritten), hex::encode(&stream));
}
