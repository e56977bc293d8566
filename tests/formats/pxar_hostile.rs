//! Hostile archives against the decoder, the accessor and the restore writer: errors naming the
//! entry, never a panic, never a byte written outside the target.

use pbsh::archive::restore::{restore_archive, RestoreOptions};
use pbsh::format::pxar::accessor::Accessor;
use pbsh::format::pxar::decoder::Decoder;
use pbsh::format::pxar::encoder::Encoder;
use pbsh::format::pxar::Metadata;
use std::path::Path;

fn dir_meta() -> Metadata {
    Metadata {
        mode: 0o040755,
        mtime_secs: 1_700_000_000,
        ..Metadata::default()
    }
}

fn file_meta() -> Metadata {
    Metadata {
        mode: 0o100644,
        mtime_secs: 1_700_000_000,
        ..Metadata::default()
    }
}

fn link_meta() -> Metadata {
    Metadata {
        mode: 0o120777,
        mtime_secs: 1_700_000_000,
        ..Metadata::default()
    }
}

/// A sandbox: `target` to restore into, and `victim` beside it that must never change.
struct Sandbox {
    _dir: tempfile::TempDir,
    root: std::path::PathBuf,
}

impl Sandbox {
    fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().to_path_buf();
        std::fs::create_dir(root.join("victim")).unwrap();
        std::fs::write(root.join("victim/file"), b"original").unwrap();
        Sandbox { _dir: dir, root }
    }
    fn target(&self) -> std::path::PathBuf {
        self.root.join("target")
    }
    fn assert_victim_untouched(&self) {
        let names: Vec<_> = std::fs::read_dir(&self.root)
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert!(
            names.len() <= 2,
            "something appeared beside the target: {names:?}"
        );
        let victim: Vec<_> = std::fs::read_dir(self.root.join("victim"))
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(victim.len(), 1, "victim dir changed: {victim:?}");
        assert_eq!(
            std::fs::read(self.root.join("victim/file")).unwrap(),
            b"original"
        );
    }
}

fn restore(bytes: &[u8], target: &Path, overwrite: bool) -> Result<(), String> {
    let mut decoder = Decoder::new(bytes);
    let options = RestoreOptions {
        overwrite: overwrite.into(),
        ..RestoreOptions::default()
    };
    restore_archive(&mut decoder, target, b"/", options)
        .map(|_| ())
        .map_err(|e| e.to_string())
}

/// Replaces every occurrence of `from` (a placeholder name) with `to` (same length).
fn patch(bytes: &mut [u8], from: &[u8], to: &[u8]) {
    assert_eq!(from.len(), to.len());
    let mut hits = 0;
    for i in 0..=bytes.len() - from.len() {
        if &bytes[i..i + from.len()] == from {
            bytes[i..i + from.len()].copy_from_slice(to);
            hits += 1;
        }
    }
    assert!(hits > 0, "placeholder not found");
}

#[test]
fn dot_dot_and_slash_names_are_refused() {
    for evil in [&b".."[..], b"a/b"] {
        let mut enc = Encoder::new(Vec::new(), &dir_meta()).unwrap();
        let placeholder: Vec<u8> = vec![b'Q'; evil.len()];
        enc.add_file(&placeholder, &file_meta(), 4, &mut &b"evil"[..])
            .unwrap();
        let mut bytes = enc.finish().unwrap();
        patch(&mut bytes, &placeholder, evil);
        let sandbox = Sandbox::new();
        let err = restore(&bytes, &sandbox.target(), false).unwrap_err();
        assert!(err.contains("invalid file name"), "{err}");
        sandbox.assert_victim_untouched();
    }
}

#[test]
fn symlink_then_directory_of_the_same_name_is_refused() {
    // x -> ../victim, then a directory x holding a file: the second x must not follow the link.
    let mut enc = Encoder::new(Vec::new(), &dir_meta()).unwrap();
    enc.add_symlink(b"x", &link_meta(), b"../victim").unwrap();
    enc.create_directory(b"y", &dir_meta()).unwrap();
    enc.add_file(b"file", &file_meta(), 5, &mut &b"owned"[..])
        .unwrap();
    enc.finish_directory().unwrap();
    let mut bytes = enc.finish().unwrap();
    // Rename directory "y" to "x" (FILENAME "y\0" → "x\0").
    let pos = bytes.windows(2).rposition(|w| w == b"y\0").unwrap();
    bytes[pos] = b'x';
    for overwrite in [false, true] {
        let sandbox = Sandbox::new();
        let err = restore(&bytes, &sandbox.target(), overwrite).unwrap_err();
        assert!(err.contains("/x"), "{err}");
        sandbox.assert_victim_untouched();
    }
}

#[test]
fn hardlinks_outside_or_through_symlinks_are_refused() {
    let sandbox = Sandbox::new();
    // A link whose target escapes with '..'.
    let mut enc = Encoder::new(Vec::new(), &dir_meta()).unwrap();
    let file = enc.add_file(b"a", &file_meta(), 1, &mut &b"a"[..]).unwrap();
    enc.add_hardlink(b"h", b"../victim/file", file).unwrap();
    let bytes = enc.finish().unwrap();
    let err = restore(&bytes, &sandbox.target(), false).unwrap_err();
    assert!(err.contains("/h") && err.contains("hard link"), "{err}");
    sandbox.assert_victim_untouched();

    // A link through a symlink the archive itself created.
    let sandbox = Sandbox::new();
    let mut enc = Encoder::new(Vec::new(), &dir_meta()).unwrap();
    let file = enc.add_file(b"a", &file_meta(), 1, &mut &b"a"[..]).unwrap();
    enc.add_hardlink(b"h", b"s/file", file).unwrap();
    enc.add_symlink(
        b"s",
        &link_meta(),
        &sandbox
            .root
            .join("victim")
            .into_os_string()
            .into_encoded_bytes(),
    )
    .unwrap();
    let bytes = enc.finish().unwrap();
    let err = restore(&bytes, &sandbox.target(), false).unwrap_err();
    assert!(err.contains("hard link"), "{err}");
    sandbox.assert_victim_untouched();
}

#[test]
fn restore_into_existing_symlink_inside_target_never_follows_it() {
    let sandbox = Sandbox::new();
    std::fs::create_dir(sandbox.target()).unwrap();
    std::os::unix::fs::symlink(sandbox.root.join("victim"), sandbox.target().join("d")).unwrap();
    let mut enc = Encoder::new(Vec::new(), &dir_meta()).unwrap();
    enc.create_directory(b"d", &dir_meta()).unwrap();
    enc.add_file(b"file", &file_meta(), 5, &mut &b"owned"[..])
        .unwrap();
    enc.finish_directory().unwrap();
    let bytes = enc.finish().unwrap();
    let err = restore(&bytes, &sandbox.target(), false).unwrap_err();
    assert!(err.contains("/d"), "{err}");
    sandbox.assert_victim_untouched();
    // With --overwrite the symlink itself is replaced by a real directory.
    restore(&bytes, &sandbox.target(), true).unwrap();
    assert!(std::fs::symlink_metadata(sandbox.target().join("d"))
        .unwrap()
        .is_dir());
    sandbox.assert_victim_untouched();
}

#[test]
fn huge_entry_sizes_fail_cleanly() {
    let mut enc = Encoder::new(Vec::new(), &dir_meta()).unwrap();
    enc.add_file(b"f", &file_meta(), 4, &mut &b"data"[..])
        .unwrap();
    let bytes = enc.finish().unwrap();
    // Set the PAYLOAD header's size to 2^63.
    let payload = pbsh::format::pxar::PXAR_PAYLOAD.to_le_bytes();
    let at = bytes.windows(8).position(|w| w == payload).unwrap();
    let mut bad = bytes.clone();
    bad[at + 8..at + 16].copy_from_slice(&(1u64 << 63).to_le_bytes());
    let sandbox = Sandbox::new();
    assert!(restore(&bad, &sandbox.target(), false).is_err());
    sandbox.assert_victim_untouched();
    let mut decoder = Decoder::new(&bad[..]);
    let mut result = Ok(None);
    for _ in 0..10 {
        result = decoder.next_entry();
        if !matches!(result, Ok(Some(_))) {
            break;
        }
    }
    assert!(result.is_err());
}

#[test]
fn goodbye_tables_pointing_outside_are_errors() {
    let mut enc = Encoder::new(Vec::new(), &dir_meta()).unwrap();
    enc.create_directory(b"d", &dir_meta()).unwrap();
    enc.add_file(b"f", &file_meta(), 1, &mut &b"x"[..]).unwrap();
    enc.finish_directory().unwrap();
    let bytes = enc.finish().unwrap();
    let n = bytes.len();
    // Root goodbye: one item then the tail; point the item's offset far outside.
    let item_offset_at = n - 48 + 8;
    for value in [u64::MAX, n as u64 * 2, 0, 1] {
        let mut bad = bytes.clone();
        bad[item_offset_at..item_offset_at + 8].copy_from_slice(&value.to_le_bytes());
        let accessor = Accessor::new(bad).unwrap();
        assert!(accessor.lookup(b"d/f").is_err(), "offset {value} accepted");
    }
}

#[test]
fn random_corruptions_never_escape_or_panic() {
    let mut enc = Encoder::new(Vec::new(), &dir_meta()).unwrap();
    enc.create_directory(b"dir", &dir_meta()).unwrap();
    let f = enc
        .add_file(b"file", &file_meta(), 11, &mut &b"hello world"[..])
        .unwrap();
    enc.add_symlink(b"link", &link_meta(), b"file").unwrap();
    enc.finish_directory().unwrap();
    enc.add_hardlink(b"hl", b"dir/file", f).unwrap();
    let bytes = enc.finish().unwrap();
    let sandbox = Sandbox::new();
    let mut seed = 0x1234_5678_9abc_def0u64;
    for round in 0..1000 {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        let mut bad = bytes.clone();
        let i = (seed % bad.len() as u64) as usize;
        bad[i] ^= 1 << ((seed >> 32) % 8);
        if round % 5 == 0 {
            bad.truncate((seed >> 40) as usize % bad.len());
        }
        let target = sandbox.target();
        let _ = std::panic::catch_unwind(|| restore(&bad, &target, false))
            .unwrap_or_else(|_| panic!("panic in round {round}"));
        let _ = std::fs::remove_dir_all(&target);
        if let Ok(a) = Accessor::new(bad.clone()) {
            let _ = a.lookup(b"dir/link");
            let _ = a
                .lookup(b"hl")
                .and_then(|e| e.map(|e| a.resolve_hardlink(&e)).transpose());
        }
        sandbox.assert_victim_untouched();
    }
}

/// Offsets of the GOODBYE headers in `bytes`, innermost directory first (the root's last).
fn goodbye_offsets(bytes: &[u8]) -> Vec<usize> {
    let magic = pbsh::format::pxar::PXAR_GOODBYE.to_le_bytes();
    bytes
        .windows(8)
        .enumerate()
        .filter(|(_, w)| *w == magic)
        .map(|(i, _)| i)
        .collect()
}

fn decode_all(bytes: &[u8]) -> Result<usize, String> {
    let mut decoder = Decoder::new(bytes);
    let mut n = 0;
    while decoder.next_entry().map_err(|e| e.to_string())?.is_some() {
        n += 1;
    }
    Ok(n)
}

/// Issue 18: a goodbye table that does not list exactly the directory's entries (hash, offset,
/// size, order, tail) fails the sequential decode and the restore, naming the directory.
#[test]
fn issue_18_goodbye_table_must_match_the_directory() {
    let mut enc = Encoder::new(Vec::new(), &dir_meta()).unwrap();
    enc.add_file(b"a", &file_meta(), 1, &mut &b"a"[..]).unwrap();
    enc.create_directory(b"d", &dir_meta()).unwrap();
    enc.add_file(b"x", &file_meta(), 1, &mut &b"x"[..]).unwrap();
    enc.add_file(b"y", &file_meta(), 1, &mut &b"y"[..]).unwrap();
    enc.finish_directory().unwrap();
    enc.add_symlink(b"s", &link_meta(), b"a").unwrap();
    let bytes = enc.finish().unwrap();
    assert_eq!(decode_all(&bytes), Ok(6), "the untouched archive decodes");
    let sandbox = Sandbox::new();
    restore(&bytes, &sandbox.target(), false).unwrap();
    std::fs::remove_dir_all(sandbox.target()).unwrap();

    let tables = goodbye_offsets(&bytes);
    assert_eq!(tables.len(), 2, "{tables:?}");
    let (inner, root) = (tables[0], tables[1]);
    let item = |table: usize, i: usize, field: usize| table + 16 + 24 * i + 8 * field;
    let set = |bytes: &mut Vec<u8>, at: usize, value: u64| {
        bytes[at..at + 8].copy_from_slice(&value.to_le_bytes())
    };
    let get = |bytes: &[u8], at: usize| u64::from_le_bytes(bytes[at..at + 8].try_into().unwrap());
    let mut cases: Vec<(&str, Vec<u8>, &str)> = Vec::new();
    // /d lists a name it does not hold (hash of "z" instead of "x" or "y").
    let mut bad = bytes.clone();
    set(
        &mut bad,
        item(inner, 0, 0),
        pbsh::format::pxar::hash_filename(b"z"),
    );
    cases.push(("hash", bad, "/d"));
    // /d: an item's offset points at the other child.
    let mut bad = bytes.clone();
    let other = get(&bad, item(inner, 1, 1));
    set(&mut bad, item(inner, 0, 1), other);
    cases.push(("offset", bad, "/d"));
    // /d: a size that is one byte off.
    let mut bad = bytes.clone();
    let size = get(&bad, item(inner, 0, 2));
    set(&mut bad, item(inner, 0, 2), size + 1);
    cases.push(("size", bad, "/d"));
    // /d: both items swapped, so the search tree is out of order.
    let mut bad = bytes.clone();
    let (first, second) = (item(inner, 0, 0), item(inner, 1, 0));
    let a: Vec<u8> = bad[first..first + 24].to_vec();
    let b: Vec<u8> = bad[second..second + 24].to_vec();
    bad[first..first + 24].copy_from_slice(&b);
    bad[second..second + 24].copy_from_slice(&a);
    cases.push(("order", bad, "/d"));
    // /d: the tail's offset does not lead back to the directory's entry.
    let mut bad = bytes.clone();
    let tail = get(&bad, item(inner, 2, 1));
    set(&mut bad, item(inner, 2, 1), tail + 8);
    cases.push(("tail", bad, "/d"));
    // The root: one of its three items names a missing child.
    let mut bad = bytes.clone();
    set(&mut bad, item(root, 2, 0), 42);
    cases.push(("root hash", bad, "directory /:"));
    for (what, bad, dir) in cases {
        let err = decode_all(&bad).unwrap_err();
        assert!(
            err.contains("goodbye") && err.contains(dir),
            "{what}: {err}"
        );
        let sandbox = Sandbox::new();
        let err = restore(&bad, &sandbox.target(), false).unwrap_err();
        assert!(
            err.contains("goodbye") && err.contains(dir),
            "{what}: {err}"
        );
        sandbox.assert_victim_untouched();
    }
}
