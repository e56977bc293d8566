//! A generated tree with every entry kind and attribute goes through `create_archive` and the
//! restore writer and comes back identical: contents, types, modes, owners, times, xattrs, ACLs,
//! hard links, and holes in sparse files.
#![allow(clippy::disallowed_macros)] // tests print freely

use crate::common;

use pbsh::archive::create::{create_archive, CreateOptions};
use pbsh::archive::restore::{restore_archive, RestoreOptions};
use pbsh::format::catalog::{CatalogReader, CatalogWriter};
use pbsh::format::pxar::decoder::Decoder;
use std::ffi::CString;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::{FileTypeExt, MetadataExt, PermissionsExt};
use std::path::Path;

fn set_xattr(path: &Path, name: &str, value: &[u8]) -> bool {
    let p = CString::new(path.as_os_str().as_bytes()).unwrap();
    let n = CString::new(name).unwrap();
    // SAFETY: valid C strings and buffer.
    unsafe {
        libc::lsetxattr(
            p.as_ptr(),
            n.as_ptr(),
            value.as_ptr().cast(),
            value.len(),
            0,
        ) == 0
    }
}

fn get_xattrs(path: &Path) -> Vec<(Vec<u8>, Vec<u8>)> {
    common::all_xattrs(path)
}

fn set_mtime(path: &Path, secs: i64, nanos: i64) {
    let p = CString::new(path.as_os_str().as_bytes()).unwrap();
    let times = [
        libc::timespec {
            tv_sec: secs,
            tv_nsec: nanos,
        },
        libc::timespec {
            tv_sec: secs,
            tv_nsec: nanos,
        },
    ];
    // SAFETY: valid C string and timespec array.
    unsafe {
        libc::utimensat(
            libc::AT_FDCWD,
            p.as_ptr(),
            times.as_ptr(),
            libc::AT_SYMLINK_NOFOLLOW,
        )
    };
}

/// Builds the tree; returns whether device nodes could be made (root only).
fn build_tree(root: &Path) -> bool {
    std::fs::create_dir_all(root.join("dir/sub/deeper")).unwrap();
    std::fs::create_dir(root.join("empty-dir")).unwrap();
    std::fs::write(root.join("empty-file"), b"").unwrap();
    std::fs::write(root.join("dir/small.txt"), b"small file\n").unwrap();
    std::fs::write(root.join("dir/sub/deeper/leaf"), vec![7u8; 300_000]).unwrap();
    let long = "L".repeat(255);
    std::fs::write(root.join(&long), b"long name").unwrap();
    let non_utf8 = std::ffi::OsStr::from_bytes(b"caf\xe9-\xff.bin");
    std::fs::write(root.join(non_utf8), b"latin-1 name").unwrap();
    std::fs::write(root.join("setuid"), b"#!/bin/sh\n").unwrap();
    std::fs::set_permissions(root.join("setuid"), std::fs::Permissions::from_mode(0o4755)).unwrap();
    std::fs::write(root.join("private"), b"secret-ish").unwrap();
    std::fs::set_permissions(root.join("private"), std::fs::Permissions::from_mode(0o600)).unwrap();
    assert!(set_xattr(
        &root.join("dir/small.txt"),
        "user.comment",
        b"hello xattr"
    ));
    // An access ACL: a named user with rw, mask rw.
    let mut acl = 2u32.to_le_bytes().to_vec();
    for (tag, perm, id) in [
        (1u16, 6u16, u32::MAX),
        (2, 6, 1234),
        (4, 4, u32::MAX),
        (0x10, 6, u32::MAX),
        (0x20, 4, u32::MAX),
    ] {
        acl.extend_from_slice(&tag.to_le_bytes());
        acl.extend_from_slice(&perm.to_le_bytes());
        acl.extend_from_slice(&id.to_le_bytes());
    }
    let has_acl = set_xattr(&root.join("private"), "system.posix_acl_access", &acl);
    eprintln!("ACL support on this file system: {has_acl}");
    std::fs::hard_link(root.join("dir/small.txt"), root.join("hardlink")).unwrap();
    std::os::unix::fs::symlink("dir/small.txt", root.join("symlink")).unwrap();
    std::os::unix::fs::symlink("/nonexistent/target", root.join("dangling")).unwrap();
    let fifo = CString::new(root.join("fifo").as_os_str().as_bytes()).unwrap();
    // SAFETY: valid C string.
    assert_eq!(unsafe { libc::mkfifo(fifo.as_ptr(), 0o644) }, 0);
    let _socket = std::os::unix::net::UnixListener::bind(root.join("socket")).unwrap();
    let sparse = std::fs::File::create(root.join("sparse.img")).unwrap();
    sparse.set_len(100 * 1024 * 1024).unwrap();
    std::os::unix::fs::FileExt::write_at(&sparse, b"middle", 50 * 1024 * 1024).unwrap();
    std::os::unix::fs::FileExt::write_at(&sparse, b"end", 100 * 1024 * 1024 - 3).unwrap();
    let dev = CString::new(root.join("null-device").as_os_str().as_bytes()).unwrap();
    // SAFETY: valid C string; fails harmlessly without privileges.
    let has_devices =
        unsafe { libc::mknod(dev.as_ptr(), libc::S_IFCHR | 0o666, libc::makedev(1, 3)) } == 0;
    set_mtime(&root.join("dir/small.txt"), 1_700_000_000, 123_456_789);
    set_mtime(&root.join("symlink"), 1_600_000_000, 5);
    set_mtime(&root.join("dir/sub"), 1_500_000_000, 999_999_999);
    has_devices
}

fn assert_same(expected: &Path, actual: &Path) {
    let mut a: Vec<_> = std::fs::read_dir(expected)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    let mut b: Vec<_> = std::fs::read_dir(actual)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    a.sort();
    b.sort();
    assert_eq!(a, b, "{}", actual.display());
    for name in a {
        let (e, r) = (expected.join(&name), actual.join(&name));
        let (me, mr) = (
            std::fs::symlink_metadata(&e).unwrap(),
            std::fs::symlink_metadata(&r).unwrap(),
        );
        let shown = r.display();
        assert_eq!(me.file_type(), mr.file_type(), "{shown}");
        assert_eq!((me.uid(), me.gid()), (mr.uid(), mr.gid()), "{shown}");
        assert_eq!(
            (me.mtime(), me.mtime_nsec()),
            (mr.mtime(), mr.mtime_nsec()),
            "{shown}"
        );
        if me.file_type().is_symlink() {
            assert_eq!(
                std::fs::read_link(&e).unwrap(),
                std::fs::read_link(&r).unwrap(),
                "{shown}"
            );
            continue;
        }
        assert_eq!(me.mode(), mr.mode(), "{shown}");
        assert_eq!(get_xattrs(&e), get_xattrs(&r), "{shown}");
        if me.is_dir() {
            assert_same(&e, &r);
        } else if me.is_file() {
            assert_eq!(me.len(), mr.len(), "{shown}");
            if me.len() < 10_000_000 {
                assert_eq!(
                    std::fs::read(&e).unwrap(),
                    std::fs::read(&r).unwrap(),
                    "{shown}"
                );
            }
        } else if me.file_type().is_char_device() {
            assert_eq!(me.rdev(), mr.rdev(), "{shown}");
        }
    }
}

#[test]
fn generated_tree_round_trips_with_all_metadata() {
    let dir = tempfile::tempdir().unwrap();
    let source = dir.path().join("source");
    let has_devices = build_tree(&source);
    let archive_path = dir.path().join("tree.pxar");
    let mut catalog = CatalogWriter::new(Vec::new()).unwrap();
    let output = std::fs::File::create(&archive_path).unwrap();
    let (output, stats) = create_archive(
        &source,
        std::io::BufWriter::new(output),
        Some((&mut catalog, b"root.pxar.didx")),
        &CreateOptions::default(),
    )
    .unwrap();
    drop(output);
    assert!(stats.warnings.is_empty(), "{:?}", stats.warnings);
    let catalog = catalog.finish().unwrap();

    let target = dir.path().join("restored");
    let mut decoder = Decoder::new(std::io::BufReader::new(
        std::fs::File::open(&archive_path).unwrap(),
    ));
    let restored = restore_archive(&mut decoder, &target, b"/", RestoreOptions::default()).unwrap();
    assert!(restored.warnings.is_empty(), "{:?}", restored.warnings);
    assert_same(&source, &target);
    assert_eq!(
        std::fs::symlink_metadata(&source).unwrap().mode(),
        std::fs::symlink_metadata(&target).unwrap().mode()
    );

    let small = std::fs::metadata(target.join("dir/small.txt")).unwrap();
    assert_eq!(
        small.ino(),
        std::fs::metadata(target.join("hardlink")).unwrap().ino(),
        "hard link kept"
    );
    let sparse = std::fs::metadata(target.join("sparse.img")).unwrap();
    assert!(
        sparse.blocks() * 512 < 1024 * 1024,
        "sparse file restored with holes ({} blocks)",
        sparse.blocks()
    );
    assert!(
        target.join("fifo").exists()
            && std::fs::symlink_metadata(target.join("socket"))
                .unwrap()
                .file_type()
                .is_socket()
    );
    if has_devices {
        assert!(std::fs::symlink_metadata(target.join("null-device"))
            .unwrap()
            .file_type()
            .is_char_device());
    }

    // The catalog written during the same walk lists the same entries as the archive.
    let reader = CatalogReader::new(&catalog).unwrap();
    let mut catalog_paths = Vec::new();
    reader
        .walk(|path, _| {
            catalog_paths.push(path.to_vec());
            Ok(())
        })
        .unwrap();
    let mut archive_paths = Vec::new();
    let mut decoder = Decoder::new(std::io::BufReader::new(
        std::fs::File::open(&archive_path).unwrap(),
    ));
    while let Some(entry) = decoder.next_entry().unwrap() {
        archive_paths.push(entry.path);
    }
    assert_eq!(
        catalog_paths.len(),
        archive_paths.len(),
        "catalog {catalog_paths:?}"
    );
}

#[test]
fn excludes_and_pxarexclude_files_leave_entries_out() {
    let dir = tempfile::tempdir().unwrap();
    let source = dir.path().join("source");
    std::fs::create_dir_all(source.join("keep/cache")).unwrap();
    std::fs::write(source.join("keep/a.log"), b"x").unwrap();
    std::fs::write(source.join("keep/a.txt"), b"x").unwrap();
    std::fs::write(source.join("keep/cache/blob"), b"x").unwrap();
    std::fs::write(source.join("keep/.pxarexclude"), b"cache/\n").unwrap();
    std::fs::write(source.join("important.log"), b"x").unwrap();
    let options = CreateOptions {
        patterns: vec!["*.log".into(), "!important.log".into()],
        ..CreateOptions::default()
    };
    let (bytes, _) = create_archive::<_, Vec<u8>>(&source, Vec::new(), None, &options).unwrap();
    let mut decoder = Decoder::new(&bytes[..]);
    let mut paths = Vec::new();
    while let Some(e) = decoder.next_entry().unwrap() {
        paths.push(e.path_lossy());
    }
    assert_eq!(
        paths,
        vec![
            "/",
            "/.pxarexclude-cli",
            "/important.log",
            "/keep",
            "/keep/.pxarexclude",
            "/keep/a.txt"
        ],
    );
}

#[test]
fn missing_source_is_a_clear_error() {
    let err = create_archive::<_, Vec<u8>>(
        Path::new("/nonexistent/pbsh-source"),
        Vec::new(),
        None,
        &CreateOptions::default(),
    )
    .unwrap_err()
    .to_string();
    assert!(
        err.contains("/nonexistent/pbsh-source") && err.contains("open source directory"),
        "{err}"
    );
}

#[test]
fn split_archive_round_trips_through_metadata_and_payload_streams() {
    use pbsh::archive::create::create_split_archive;
    use pbsh::archive::restore::{restore_archive_with_payload, SplitPayload};
    let dir = tempfile::tempdir().unwrap();
    let source = dir.path().join("source");
    build_tree(&source);
    let payload_path = dir.path().join("tree.ppxar");
    let payload = std::io::BufWriter::new(std::fs::File::create(&payload_path).unwrap());
    let options = CreateOptions {
        patterns: vec!["empty-file".into()],
        ..CreateOptions::default()
    };
    let (metadata, stats) =
        create_split_archive(&source, Vec::new(), Box::new(payload), &options).unwrap();
    assert!(stats.warnings.is_empty(), "{:?}", stats.warnings);
    std::fs::remove_file(source.join("empty-file")).unwrap();

    let mut decoder = Decoder::new(&metadata[..]);
    let mut split_payload = SplitPayload::new(std::io::BufReader::new(
        std::fs::File::open(&payload_path).unwrap(),
    ));
    let target = dir.path().join("restored");
    restore_archive_with_payload(
        &mut decoder,
        Some(&mut split_payload),
        &target,
        b"/",
        RestoreOptions::default(),
    )
    .unwrap();
    assert_eq!(decoder.format_version(), 2);
    let prelude: serde_json::Value = serde_json::from_slice(decoder.prelude().unwrap()).unwrap();
    assert_eq!(prelude["exclude-patterns"], "empty-file\n");
    assert_same(&source, &target);

    // Random access through both streams.
    let accessor = pbsh::format::pxar::accessor::Accessor::new_split(
        metadata.clone(),
        std::fs::read(&payload_path).unwrap(),
    )
    .unwrap();
    let small = accessor.lookup(b"dir/small.txt").unwrap().unwrap();
    let mut buf = [0u8; 64];
    let n = accessor.read_file_at(&small, &mut buf, 0).unwrap();
    assert_eq!(&buf[..n], b"small file\n");
}
