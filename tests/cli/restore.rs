//! The restore writer on real directories: PBS's own archive restores to make_tree.py's tree.
#![allow(clippy::disallowed_macros)] // tests print freely

use crate::common;

use pbsh::archive::restore::{restore_archive, RestoreOptions};
use pbsh::format::pxar::decoder::Decoder;
use std::os::unix::fs::{FileTypeExt, MetadataExt};
use std::path::Path;

fn make_tree(dir: &Path, vectors: &Path) -> bool {
    let status = std::process::Command::new("python3")
        .arg(vectors.join("make_tree.py"))
        .arg(dir)
        .status();
    matches!(status, Ok(s) if s.success())
}

/// Compares two trees: names, types, contents, modes, mtimes, symlink targets, xattrs.
fn assert_same_tree(expected: &Path, actual: &Path) {
    let mut names_e: Vec<_> = std::fs::read_dir(expected)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    let mut names_a: Vec<_> = std::fs::read_dir(actual)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    names_e.sort();
    names_a.sort();
    assert_eq!(names_e, names_a, "{}", actual.display());
    for name in names_e {
        let (e, a) = (expected.join(&name), actual.join(&name));
        let (me, ma) = (
            std::fs::symlink_metadata(&e).unwrap(),
            std::fs::symlink_metadata(&a).unwrap(),
        );
        assert_eq!(me.file_type(), ma.file_type(), "{}", a.display());
        if !me.file_type().is_symlink() {
            assert_eq!(me.mode(), ma.mode(), "{}", a.display());
        }
        assert_eq!(
            (me.mtime(), me.mtime_nsec()),
            (ma.mtime(), ma.mtime_nsec()),
            "{}",
            a.display()
        );
        assert_eq!(
            (me.uid(), me.gid()),
            (ma.uid(), ma.gid()),
            "{}",
            a.display()
        );
        if me.is_file() {
            assert_eq!(
                std::fs::read(&e).unwrap(),
                std::fs::read(&a).unwrap(),
                "{}",
                a.display()
            );
            let comment_e = xattr_get(&e, "user.comment");
            assert_eq!(comment_e, xattr_get(&a, "user.comment"), "{}", a.display());
        } else if me.file_type().is_symlink() {
            assert_eq!(
                std::fs::read_link(&e).unwrap(),
                std::fs::read_link(&a).unwrap()
            );
        } else if me.is_dir() {
            assert_same_tree(&e, &a);
        } else {
            assert!(ma.file_type().is_fifo());
        }
    }
}

fn xattr_get(path: &Path, name: &str) -> Option<Vec<u8>> {
    let cpath = std::ffi::CString::new(path.as_os_str().as_encoded_bytes()).unwrap();
    let cname = std::ffi::CString::new(name).unwrap();
    let mut buf = vec![0u8; 1024];
    // SAFETY: valid C strings and buffer.
    let n = unsafe {
        libc::lgetxattr(
            cpath.as_ptr(),
            cname.as_ptr(),
            buf.as_mut_ptr().cast(),
            buf.len(),
        )
    };
    (n >= 0).then(|| buf[..n as usize].to_vec())
}

#[test]
fn tree_pxar_restores_to_make_tree_output() {
    let Some(v) = common::vectors_dir() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let expected = dir.path().join("expected");
    if !make_tree(&expected, &v) {
        eprintln!("notice: python3 could not run make_tree.py; skipping");
        return;
    }
    let target = dir.path().join("restored");
    let file = std::fs::File::open(v.join("pxar/tree.pxar")).unwrap();
    let mut decoder = Decoder::new(std::io::BufReader::new(file));
    let stats = restore_archive(&mut decoder, &target, b"/", RestoreOptions::default()).unwrap();
    assert_eq!(stats.files, 24);
    // make_tree.py's owners are 0/0 only when run as root; compare what we can.
    assert_same_tree(&expected, &target);
    let a = std::fs::metadata(target.join("docs/note00.txt")).unwrap();
    let b = std::fs::metadata(target.join("hardlink-to-note00")).unwrap();
    assert_eq!(a.ino(), b.ino(), "hard link restored as a link");
    assert!(stats.warnings.is_empty(), "{:?}", stats.warnings);
}

#[test]
fn sub_path_restore_and_existing_files() {
    let Some(v) = common::vectors_dir() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("docs");
    let open = || {
        Decoder::new(std::io::BufReader::new(
            std::fs::File::open(v.join("pxar/tree.pxar")).unwrap(),
        ))
    };
    let stats = restore_archive(
        &mut open(),
        &target,
        b"docs/nested",
        RestoreOptions::default(),
    )
    .unwrap();
    assert_eq!(stats.files, 1);
    assert_eq!(std::fs::read(target.join("deep.txt")).unwrap(), b"deep\n");
    // Restoring again refuses to replace the file, naming it; --overwrite replaces it.
    let err = restore_archive(
        &mut open(),
        &target,
        b"docs/nested",
        RestoreOptions::default(),
    )
    .unwrap_err()
    .to_string();
    assert!(
        err.contains("deep.txt") && err.contains("already exists"),
        "{err}"
    );
    let options = RestoreOptions {
        overwrite: true.into(),
        ..RestoreOptions::default()
    };
    restore_archive(&mut open(), &target, b"docs/nested", options).unwrap();
    let err = restore_archive(
        &mut open(),
        &target,
        b"no/such/dir",
        RestoreOptions::default(),
    )
    .unwrap_err()
    .to_string();
    assert!(err.contains("no such path"), "{err}");
    // A single file restores under its own name.
    let single = dir.path().join("single");
    restore_archive(
        &mut open(),
        &single,
        b"zeros.bin",
        RestoreOptions::default(),
    )
    .unwrap();
    let meta = std::fs::metadata(single.join("zeros.bin")).unwrap();
    assert_eq!(meta.len(), 1024 * 1024);
    assert!(
        meta.blocks() * 512 < 1024 * 1024,
        "all-zero file restored sparse ({} blocks)",
        meta.blocks()
    );
}

#[test]
fn patterns_select_entries_and_create_the_directories_on_the_way() {
    let Some(v) = common::vectors_dir() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let open = || {
        Decoder::new(std::io::BufReader::new(
            std::fs::File::open(v.join("pxar/tree.pxar")).unwrap(),
        ))
    };
    let list = |p: &Path| {
        let mut out: Vec<String> = Vec::new();
        let mut stack = vec![p.to_path_buf()];
        while let Some(d) = stack.pop() {
            for e in std::fs::read_dir(&d).unwrap().flatten() {
                out.push(e.path().strip_prefix(p).unwrap().display().to_string());
                if e.file_type().unwrap().is_dir() {
                    stack.push(e.path());
                }
            }
        }
        out.sort();
        out
    };
    let target = dir.path().join("bins");
    let options = RestoreOptions {
        patterns: vec!["*.bin".into()],
        ..RestoreOptions::default()
    };
    restore_archive(&mut open(), &target, b"/", options).unwrap();
    assert_eq!(list(&target), vec!["random.bin", "zeros.bin"]);
    let target = dir.path().join("nested");
    let options = RestoreOptions {
        patterns: vec!["docs/nested/".into()],
        ..RestoreOptions::default()
    };
    restore_archive(&mut open(), &target, b"/", options).unwrap();
    assert_eq!(
        list(&target),
        vec!["docs", "docs/nested", "docs/nested/deep.txt"]
    );
    let meta = std::fs::symlink_metadata(target.join("docs")).unwrap();
    assert_eq!(
        meta.mtime_nsec(),
        123_456_789,
        "a directory created on the way keeps its metadata"
    );
    let options = RestoreOptions {
        patterns: vec!["nothing-matches".into()],
        ..RestoreOptions::default()
    };
    let err = restore_archive(&mut open(), &dir.path().join("none"), b"/", options).unwrap_err();
    assert!(err.to_string().contains("no entry matches"), "{err}");
}
