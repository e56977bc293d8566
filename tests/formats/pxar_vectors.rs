//! The pxar archive PBS's own `pxar` tool wrote from `make_tree.py`'s tree decodes to that tree.

use crate::common;

use pbsh::format::digest::sha256;
use pbsh::format::pxar::decoder::Decoder;
use pbsh::format::pxar::{Entry, EntryKind};
use std::collections::HashMap;
use std::io::BufReader;

fn decode_all(path: &std::path::Path) -> (Vec<Entry>, HashMap<String, Vec<u8>>) {
    let file = std::fs::File::open(path).unwrap();
    let mut decoder = Decoder::new(BufReader::new(file));
    let mut entries = Vec::new();
    let mut contents = HashMap::new();
    while let Some(entry) = decoder.next_entry().unwrap() {
        if let EntryKind::File { size, .. } = entry.kind {
            let mut data = Vec::with_capacity(size as usize);
            let mut buf = [0u8; 65536];
            loop {
                let n = decoder.read_payload(&mut buf).unwrap();
                if n == 0 {
                    break;
                }
                data.extend_from_slice(&buf[..n]);
            }
            assert_eq!(data.len() as u64, size);
            contents.insert(entry.path_lossy(), data);
        }
        entries.push(entry);
    }
    (entries, contents)
}

#[test]
fn tree_pxar_lists_what_pbs_listed() {
    let Some(v) = common::vectors_dir() else {
        return;
    };
    let (entries, _) = decode_all(&v.join("pxar/tree.pxar"));
    let ours: Vec<String> = entries
        .iter()
        .map(|e| format!("{:?}", e.path_lossy()))
        .collect();
    let theirs: Vec<String> = std::fs::read_to_string(v.join("pxar/tree.pxar.list"))
        .unwrap()
        .lines()
        .map(str::to_string)
        .collect();
    assert_eq!(ours, theirs);
}

#[test]
fn tree_pxar_decodes_to_make_tree_contents_and_metadata() {
    let Some(v) = common::vectors_dir() else {
        return;
    };
    let (entries, contents) = decode_all(&v.join("pxar/tree.pxar"));
    let by_path: HashMap<String, &Entry> = entries.iter().map(|e| (e.path_lossy(), e)).collect();
    for i in 0..20 {
        let path = format!("/docs/note{i:02}.txt");
        assert_eq!(
            contents[&path],
            format!("note {i}\n").repeat(i * 7 + 1).into_bytes(),
            "{path}"
        );
    }
    assert_eq!(contents["/docs/nested/deep.txt"], b"deep\n");
    assert_eq!(contents["/empty.txt"], b"");
    assert!(
        contents["/zeros.bin"].len() == 1024 * 1024
            && contents["/zeros.bin"].iter().all(|b| *b == 0)
    );
    assert_eq!(contents["/random.bin"].len(), 6 * 1024 * 1024);
    if let Ok(out) = std::process::Command::new("python3")
        .args(["-c", "import random,sys; sys.stdout.buffer.write(random.Random(20261124).randbytes(6*1024*1024))"])
        .output()
    {
        if out.status.success() {
            assert_eq!(sha256(&contents["/random.bin"]), sha256(&out.stdout), "random.bin");
        }
    }

    let note02 = by_path["/docs/note02.txt"];
    assert_eq!(note02.metadata.mode, 0o100640);
    assert_eq!(by_path["/docs/note03.txt"].metadata.mode, 0o100644);
    let note01 = by_path["/docs/note01.txt"];
    assert_eq!(
        note01.metadata.xattrs,
        vec![(b"user.comment".to_vec(), b"vector".to_vec())]
    );
    assert_eq!(
        by_path["/link-to-deep"].kind,
        EntryKind::Symlink {
            target: b"docs/nested/deep.txt".to_vec()
        }
    );
    assert_eq!(
        by_path["/hardlink-to-note00"].kind,
        EntryKind::Hardlink {
            target: b"docs/note00.txt".to_vec()
        }
    );
    assert_eq!(by_path["/fifo"].kind, EntryKind::Fifo);
    assert_eq!(by_path["/empty"].kind, EntryKind::Directory);
    for entry in &entries {
        if matches!(entry.kind, EntryKind::Hardlink { .. }) {
            continue;
        }
        let m = &entry.metadata;
        assert_eq!((m.uid, m.gid), (0, 0), "{}", entry.path_lossy());
        if entry.path == b"/" {
            assert_eq!((m.mtime_secs, m.mtime_nanos), (1_790_000_000, 0));
        } else {
            assert_eq!(
                (m.mtime_secs, m.mtime_nanos),
                (1_790_000_000, 123_456_789),
                "{}",
                entry.path_lossy()
            );
        }
    }
}

#[test]
fn every_truncation_of_a_small_archive_is_refused() {
    let Some(v) = common::vectors_dir() else {
        return;
    };
    let bytes = std::fs::read(v.join("pxar/tree.pxar")).unwrap();
    // The metadata-heavy tail (after random.bin and zeros.bin) holds the goodbye tables.
    for cut in (bytes.len() - 4096..bytes.len())
        .step_by(7)
        .chain([0, 1, 15, 16, 100, 5000])
    {
        let mut decoder = Decoder::new(&bytes[..cut]);
        let mut result = Ok(());
        loop {
            match decoder.next_entry() {
                Ok(Some(_)) => continue,
                Ok(None) => break,
                Err(e) => {
                    result = Err(e);
                    break;
                }
            }
        }
        assert!(
            result.is_err(),
            "truncation at {cut} of {} accepted",
            bytes.len()
        );
    }
}

/// Counts the bytes an accessor reads.
struct Counting {
    file: std::fs::File,
    read: std::cell::Cell<u64>,
}

impl pbsh::format::pxar::accessor::ReadAt for Counting {
    fn read_at(&self, buf: &mut [u8], offset: u64) -> std::io::Result<usize> {
        let n = std::os::unix::fs::FileExt::read_at(&self.file, buf, offset)?;
        self.read.set(self.read.get() + n as u64);
        Ok(n)
    }
    fn size(&self) -> std::io::Result<u64> {
        Ok(self.file.metadata()?.len())
    }
}

#[test]
fn accessor_finds_every_listed_path_reading_little() {
    use pbsh::format::pxar::accessor::Accessor;
    let Some(v) = common::vectors_dir() else {
        return;
    };
    let (entries, contents) = decode_all(&v.join("pxar/tree.pxar"));
    let source = Counting {
        file: std::fs::File::open(v.join("pxar/tree.pxar")).unwrap(),
        read: Default::default(),
    };
    let accessor = Accessor::new(source).unwrap();
    for entry in &entries {
        let found = accessor
            .lookup(&entry.path)
            .unwrap()
            .unwrap_or_else(|| panic!("{} not found", entry.path_lossy()));
        assert_eq!(&found.entry, entry);
    }
    let lookups = accessor_bytes_read(&accessor);
    let total = std::fs::metadata(v.join("pxar/tree.pxar")).unwrap().len();
    assert!(
        lookups * 100 < total,
        "{} lookups read {lookups} of {total} bytes",
        entries.len()
    );

    let random = accessor.lookup(b"random.bin").unwrap().unwrap();
    let mut buf = vec![0u8; 4096];
    let n = accessor.read_file_at(&random, &mut buf, 1_000_000).unwrap();
    assert_eq!(
        &buf[..n],
        &contents["/random.bin"][1_000_000..1_000_000 + n]
    );
    let link = accessor.lookup(b"hardlink-to-note00").unwrap().unwrap();
    let target = accessor.resolve_hardlink(&link).unwrap();
    assert_eq!(target.entry.path, b"/docs/note00.txt");
    let docs = accessor.lookup(b"docs").unwrap().unwrap();
    let listing = accessor
        .read_dir(&accessor.open_dir(&docs).unwrap())
        .unwrap();
    assert_eq!(listing.len(), 21);
    assert_eq!(listing[0].name(), b"nested");
}

fn accessor_bytes_read(a: &pbsh::format::pxar::accessor::Accessor<Counting>) -> u64 {
    // The accessor owns the source; read the counter through a lookup-free path.
    a.source().read.get()
}
