//! Real FUSE mounts (issue 8): a generated tree backed up with the real binary, mounted with
//! one-shot `pbsh mount`, compared through the mount; corrupted chunks; chunks fetched by `cat`;
//! `map` of an image; the shell's mount list.
//!
//! Skipped with a printed notice when /dev/fuse cannot be opened (a failure under CI).
#![allow(clippy::disallowed_macros)] // tests print freely

mod common;

use pbsh::format::pxar::accessor::Accessor;
use pbsh::format::pxar::EntryKind;
use pbsh::repo::local::LocalDatastore;
use pbsh::repo::types::Namespace;
use pbsh::repo::Repository;
use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::os::unix::fs::{FileExt, MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

fn fuse_usable() -> bool {
    match std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open("/dev/fuse")
    {
        Ok(_) => true,
        Err(e) => {
            common::skip(&format!("/dev/fuse is not usable ({e})"));
            false
        }
    }
}

/// Fast deterministic incompressible bytes.
fn random_bytes(len: usize, state: &mut u64) -> Vec<u8> {
    let mut out = Vec::with_capacity(len + 8);
    while out.len() < len {
        *state ^= *state << 13;
        *state ^= *state >> 7;
        *state ^= *state << 17;
        out.extend_from_slice(&state.to_le_bytes());
    }
    out.truncate(len);
    out
}

fn write_random_file(path: &Path, len: usize, state: &mut u64) {
    let mut f = std::fs::File::create(path).unwrap();
    let mut left = len;
    while left > 0 {
        let n = left.min(4 << 20);
        f.write_all(&random_bytes(n, state)).unwrap();
        left -= n;
    }
}

fn set_xattr(path: &Path, name: &str, value: &[u8]) {
    let p = std::ffi::CString::new(path.as_os_str().as_encoded_bytes()).unwrap();
    let n = std::ffi::CString::new(name).unwrap();
    // SAFETY: valid C strings and buffer.
    let r = unsafe {
        libc::lsetxattr(
            p.as_ptr(),
            n.as_ptr(),
            value.as_ptr().cast(),
            value.len(),
            0,
        )
    };
    assert_eq!(r, 0, "setxattr {}", path.display());
}

fn set_mtime(path: &Path, secs: i64, nanos: i64) {
    let p = std::ffi::CString::new(path.as_os_str().as_encoded_bytes()).unwrap();
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
    // SAFETY: valid C string and times array.
    let r = unsafe {
        libc::utimensat(
            libc::AT_FDCWD,
            p.as_ptr(),
            times.as_ptr(),
            libc::AT_SYMLINK_NOFOLLOW,
        )
    };
    assert_eq!(r, 0);
}

/// Regular files of many sizes, nested dirs, symlinks, hard links, xattrs, odd modes and owners,
/// a directory of 3000 entries, and one big file of `big_bytes`.
fn make_tree(root: &Path, big_bytes: usize) {
    let mut state = 0x9e37_79b9_7f4a_7c15u64;
    std::fs::create_dir_all(root.join("docs/deep/er")).unwrap();
    std::fs::create_dir_all(root.join("many")).unwrap();
    std::fs::create_dir_all(root.join("empty")).unwrap();
    for (i, size) in [
        0usize, 1, 100, 4095, 4096, 4097, 65_536, 1_000_000, 5_000_000,
    ]
    .iter()
    .enumerate()
    {
        write_random_file(&root.join(format!("docs/f{i}.bin")), *size, &mut state);
    }
    std::fs::write(root.join("docs/deep/er/note.txt"), b"deep note\n").unwrap();
    std::fs::write(root.join("name with spaces & ünïcode"), b"odd name\n").unwrap();
    for i in 0..3000 {
        std::fs::write(root.join(format!("many/entry-{i:05}")), format!("{i}\n")).unwrap();
    }
    write_random_file(&root.join("big.bin"), big_bytes, &mut state);
    std::os::unix::fs::symlink("docs/f2.bin", root.join("link-rel")).unwrap();
    std::os::unix::fs::symlink("/nonexistent/target", root.join("link-dangling")).unwrap();
    std::os::unix::fs::symlink("../../f3.bin", root.join("docs/deep/up")).unwrap();
    std::fs::hard_link(root.join("docs/f4.bin"), root.join("hard-a")).unwrap();
    std::fs::hard_link(root.join("docs/f4.bin"), root.join("docs/deep/hard-b")).unwrap();
    set_xattr(&root.join("docs/f1.bin"), "user.comment", b"first file");
    set_xattr(&root.join("docs/f1.bin"), "user.empty", b"");
    set_xattr(&root.join("docs"), "user.dir", b"a directory attribute");
    set_xattr(&root.join("big.bin"), "user.bin", &[0, 1, 2, 255]);
    std::fs::set_permissions(
        root.join("docs/f2.bin"),
        std::fs::Permissions::from_mode(0o640),
    )
    .unwrap();
    std::fs::set_permissions(
        root.join("docs/f3.bin"),
        std::fs::Permissions::from_mode(0o755),
    )
    .unwrap();
    std::fs::set_permissions(root.join("empty"), std::fs::Permissions::from_mode(0o700)).unwrap();
    // SAFETY: getuid has no preconditions.
    if unsafe { libc::getuid() } == 0 {
        std::os::unix::fs::lchown(root.join("docs/f5.bin"), Some(1234), Some(5678)).unwrap();
        std::os::unix::fs::lchown(root.join("link-rel"), Some(4321), Some(8765)).unwrap();
    }
    set_mtime(&root.join("docs/f6.bin"), 1_000_000_000, 123_456_789);
    set_mtime(&root.join("link-rel"), 1_234_567_890, 5);
    set_mtime(&root.join("docs/deep"), 1_500_000_000, 999_999_999);
}

fn sha256_file(path: &Path) -> [u8; 32] {
    use sha2::Digest;
    let mut f = std::fs::File::open(path).unwrap();
    let mut hasher = sha2::Sha256::new();
    let mut buf = vec![0u8; 1 << 20];
    loop {
        let n = f.read(&mut buf).unwrap();
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
    }
    hasher.finalize().into()
}

/// Every path under `root` (like `find`), relative, sorted, with its metadata.
fn walk(root: &Path) -> BTreeMap<PathBuf, std::fs::Metadata> {
    let mut out = BTreeMap::new();
    let mut pending = vec![root.to_path_buf()];
    while let Some(dir) = pending.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            let meta = std::fs::symlink_metadata(&path).unwrap();
            if meta.is_dir() {
                pending.push(path.clone());
            }
            out.insert(path.strip_prefix(root).unwrap().to_path_buf(), meta);
        }
    }
    out
}

struct Env {
    _dir: tempfile::TempDir,
    root: PathBuf,
    store: PathBuf,
    src: PathBuf,
}

impl Env {
    fn new(big_bytes: usize) -> Env {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().to_path_buf();
        let src = root.join("src");
        make_tree(&src, big_bytes);
        let env = Env {
            store: root.join("store"),
            root,
            src,
            _dir: dir,
        };
        let spec = format!("root.pxar:{}", env.src.display());
        let out = env.pbsh(&["backup", &spec, "--backup-id", "mt"]);
        assert!(out.status.success(), "{}", common::stderr(&out));
        env
    }

    fn pbsh(&self, args: &[&str]) -> std::process::Output {
        let mut all = vec!["--repository", self.store.to_str().unwrap()];
        all.extend_from_slice(args);
        common::pbsh(&self.root, &self.root, &all, &[])
    }

    /// One-shot `pbsh mount … --foreground` (or `--verbose`) as a child process; returns once
    /// the mount is there.
    fn mount(&self, args: &[&str], mountpoint: &Path) -> Mounted {
        let stay = if args.contains(&"--verbose") {
            None
        } else {
            Some("--foreground")
        };
        std::fs::create_dir_all(mountpoint).unwrap();
        let log = self.root.join(format!(
            "mount-{}.log",
            mountpoint.file_name().unwrap().to_string_lossy()
        ));
        let child = Command::new(env!("CARGO_BIN_EXE_pbsh"))
            .arg("--repository")
            .arg(&self.store)
            .args(args)
            .args(stay)
            .arg(mountpoint)
            .current_dir(&self.root)
            .env("HOME", &self.root)
            .env("TZ", "UTC")
            .env_remove("PBS_REPOSITORY")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(&log).unwrap())
            .spawn()
            .unwrap();
        let mut mounted = Mounted {
            child: Some(child),
            mountpoint: std::fs::canonicalize(mountpoint).unwrap(),
            log,
        };
        let deadline = Instant::now() + Duration::from_secs(60);
        while !is_mounted(&mounted.mountpoint) {
            if let Some(status) = mounted.child.as_mut().unwrap().try_wait().unwrap() {
                panic!("pbsh mount exited with {status}: {}", mounted.log_text());
            }
            assert!(Instant::now() < deadline, "mount did not appear");
            std::thread::sleep(Duration::from_millis(50));
        }
        mounted
    }
}

fn is_mounted(path: &Path) -> bool {
    let text = std::fs::read_to_string("/proc/self/mountinfo").unwrap();
    let want = path.to_string_lossy();
    text.lines()
        .any(|l| l.split(' ').nth(4) == Some(want.as_ref()))
}

/// The fusermount processes there are, each with its state and where it waits (to explain a
/// mount that outlived its server).
fn fusermount_helpers() -> Vec<String> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir("/proc").into_iter().flatten().flatten() {
        let proc_dir = entry.path();
        let Ok(cmdline) = std::fs::read(proc_dir.join("cmdline")) else {
            continue;
        };
        let cmdline = String::from_utf8_lossy(&cmdline).replace('\0', " ");
        if !cmdline.contains("fusermount") {
            continue;
        }
        let read = |name: &str| std::fs::read_to_string(proc_dir.join(name)).unwrap_or_default();
        let state = read("stat").split(' ').nth(2).unwrap_or("?").to_string();
        found.push(format!(
            "{cmdline}(state {state}, waiting in {})",
            read("wchan")
        ));
    }
    found
}

struct Mounted {
    child: Option<Child>,
    mountpoint: PathBuf,
    log: PathBuf,
}

impl Mounted {
    fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// SIGTERM to the one-shot process: it must unmount and exit 0.
    fn stop(mut self) -> String {
        let mut child = self.child.take().unwrap();
        // SAFETY: signalling our own child.
        unsafe { libc::kill(child.id() as i32, libc::SIGTERM) };
        let status = child.wait().unwrap();
        assert!(status.success(), "{status}: {}", self.log_text());
        assert!(!is_mounted(&self.mountpoint), "still mounted after SIGTERM");
        self.log_text()
    }
}

impl Drop for Mounted {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
            let _ = Command::new("umount")
                .arg("-l")
                .arg(&self.mountpoint)
                .status();
        }
    }
}

fn big_test_bytes() -> usize {
    std::env::var("PBSH_MOUNT_TEST_MIB")
        .ok()
        .and_then(|v| v.parse::<usize>().ok())
        .unwrap_or(128)
        << 20
}

#[test]
fn mounted_archive_equals_the_source_tree() {
    if !fuse_usable() {
        return;
    }
    let big = big_test_bytes();
    let env = Env::new(big);
    cat_of_a_small_file_fetches_a_handful_of_chunks(&env);
    let mnt = env.root.join("mnt");
    let mounted = env.mount(&["mount", "host/mt", "root.pxar"], &mnt);

    // find: the same paths; stat: the same metadata; contents, links and xattrs equal.
    let src = walk(&env.src);
    let got = walk(&mnt);
    assert_eq!(
        src.keys().collect::<Vec<_>>(),
        got.keys().collect::<Vec<_>>()
    );
    for (rel, s) in &src {
        let m = &got[rel];
        let (sp, mp) = (env.src.join(rel), mnt.join(rel));
        let shown = rel.display();
        assert_eq!(s.file_type(), m.file_type(), "{shown}");
        assert_eq!((s.uid(), s.gid()), (m.uid(), m.gid()), "{shown}");
        assert_eq!(
            (s.mtime(), s.mtime_nsec()),
            (m.mtime(), m.mtime_nsec()),
            "{shown}"
        );
        if s.file_type().is_symlink() {
            assert_eq!(
                std::fs::read_link(&sp).unwrap(),
                std::fs::read_link(&mp).unwrap()
            );
            assert_eq!(s.len(), m.len(), "{shown}");
            continue;
        }
        assert_eq!(s.mode(), m.mode(), "{shown}");
        assert_eq!(common::all_xattrs(&sp), common::all_xattrs(&mp), "{shown}");
        if s.is_file() {
            assert_eq!(s.len(), m.len(), "{shown}");
            assert_eq!(sha256_file(&sp), sha256_file(&mp), "{shown}");
        }
    }
    // Hard links share an inode (and differ from other files).
    let a = got[Path::new("hard-a")].ino();
    assert_eq!(a, got[Path::new("docs/f4.bin")].ino());
    assert_eq!(a, got[Path::new("docs/deep/hard-b")].ino());
    assert_ne!(a, got[Path::new("docs/f3.bin")].ino());
    // readdir of a big directory in small steps keeps its offsets (ls reads in batches).
    assert_eq!(std::fs::read_dir(mnt.join("many")).unwrap().count(), 3000);
    // Writes are refused.
    let err = std::fs::OpenOptions::new()
        .write(true)
        .open(mnt.join("docs/f1.bin"))
        .unwrap_err();
    assert_eq!(err.raw_os_error(), Some(libc::EROFS), "{err}");
    // statfs works.
    let c = std::ffi::CString::new(mnt.as_os_str().as_encoded_bytes()).unwrap();
    // SAFETY: valid C string and out struct.
    let mut st: libc::statvfs = unsafe { std::mem::zeroed() };
    assert_eq!(unsafe { libc::statvfs(c.as_ptr(), &mut st) }, 0);
    assert!(st.f_blocks > 0);

    // The big file at random offsets and lengths, from several threads at once.
    let source = Arc::new(std::fs::File::open(env.src.join("big.bin")).unwrap());
    let through = Arc::new(std::fs::File::open(mnt.join("big.bin")).unwrap());
    let threads: Vec<_> = (0..4u64)
        .map(|t| {
            let (source, through) = (source.clone(), through.clone());
            std::thread::spawn(move || {
                let mut state = 0x1234_5678 + t;
                for _ in 0..50 {
                    let r = random_bytes(16, &mut state);
                    let off = u64::from_le_bytes(r[..8].try_into().unwrap()) % big as u64;
                    let len = (u64::from_le_bytes(r[8..].try_into().unwrap()) % (3 << 20)) as usize;
                    let mut a = vec![0u8; len];
                    let mut b = vec![0u8; len];
                    let na = read_full_at(&source, &mut a, off);
                    let nb = read_full_at(&through, &mut b, off);
                    assert_eq!(na, nb, "length at {off}+{len}");
                    assert!(a[..na] == b[..nb], "bytes at {off}+{len}");
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    let log = mounted.stop();
    assert!(!log.contains("read"), "no read failed: {log}");
}

fn read_full_at(f: &std::fs::File, buf: &mut [u8], mut off: u64) -> usize {
    let mut done = 0;
    while done < buf.len() {
        let n = f.read_at(&mut buf[done..], off).unwrap();
        if n == 0 {
            break;
        }
        done += n;
        off += n as u64;
    }
    done
}

/// The stream offset and size of a file of the snapshot's root.pxar, and the archive's index.
fn locate(store: &Path, path: &str) -> (u64, u64, pbsh::engine::reader::AnyIndex) {
    let repo: Arc<dyn Repository> = Arc::new(LocalDatastore::open_or_create(store).unwrap());
    let ns = Namespace::root();
    let snap = repo.list_snapshots(&ns, None).unwrap().remove(0).snapshot;
    let manifest = pbsh::engine::restore::open_manifest(&*repo, &ns, &snap, None).unwrap();
    let file = manifest.file("root.pxar.didx").unwrap().clone();
    let index = Arc::new(pbsh::engine::restore::open_index(&*repo, &ns, &snap, &file).unwrap());
    let chunks = Arc::new(pbsh::engine::reader::ChunkReader::new(
        repo,
        None,
        false,
        1 << 26,
    ));
    let accessor = Accessor::new(pbsh::engine::reader::IndexReader::new(
        chunks,
        index.clone(),
    ))
    .unwrap();
    let entry = accessor.lookup(path.as_bytes()).unwrap().unwrap();
    let EntryKind::File {
        size,
        payload_offset,
        ..
    } = entry.entry.kind
    else {
        panic!("not a file")
    };
    (payload_offset, size, (*index).clone())
}

#[test]
fn corrupt_chunk_fails_only_the_reads_that_touch_it() {
    if !fuse_usable() {
        return;
    }
    let env = Env::new(40 << 20);
    let (start, size, index) = locate(&env.store, "big.bin");
    // A chunk well inside the big file.
    let n = (0..index.chunk_count())
        .find(|&n| {
            let (a, b) = index.chunk_range(n).unwrap();
            a > start + (4 << 20) && b + (4 << 20) < start + size
        })
        .expect("a chunk inside the file");
    let (a, b) = index.chunk_range(n).unwrap();
    let digest = index.digest(n).unwrap().to_string();
    let chunk_file = env.store.join(".chunks").join(&digest[..4]).join(&digest);
    let mut raw = std::fs::read(&chunk_file).unwrap();
    let mid = raw.len() / 2;
    raw[mid] ^= 0x40;
    std::fs::write(&chunk_file, &raw).unwrap();

    let mnt = env.root.join("mnt");
    let mounted = env.mount(&["mount", "host/mt", "root.pxar"], &mnt);
    let source = std::fs::File::open(env.src.join("big.bin")).unwrap();
    let (bad_start, bad_end) = (a - start, b - start); // file offsets of the corrupt chunk
    let check_good = |off: u64, len: usize| {
        let f = std::fs::File::open(mnt.join("big.bin")).unwrap();
        let mut got = vec![0u8; len];
        let mut want = vec![0u8; len];
        f.read_exact_at(&mut got, off)
            .unwrap_or_else(|e| panic!("read at {off}+{len}: {e}"));
        source.read_exact_at(&mut want, off).unwrap();
        assert!(got == want, "bytes at {off}");
    };
    let check_bad = |off: u64, len: usize| {
        let f = std::fs::File::open(mnt.join("big.bin")).unwrap();
        let mut got = vec![0u8; len];
        let err = f.read_exact_at(&mut got, off).unwrap_err();
        assert_eq!(err.raw_os_error(), Some(libc::EIO), "read at {off}: {err}");
    };
    // Before, inside (several times: no hang, the mount stays up), across, after.
    check_good(0, 1 << 20);
    check_good(bad_start - (256 << 10), 128 << 10);
    check_bad(bad_start + 10, 100);
    check_bad((bad_start + bad_end) / 2, 4096);
    check_bad(bad_start - 8192, 64 << 10);
    check_good(bad_end + (256 << 10), 128 << 10);
    check_good(size - 4096, 4096);
    check_bad(bad_end - 1, 1);
    assert_eq!(
        std::fs::read_to_string(mnt.join("docs/deep/er/note.txt")).unwrap(),
        "deep note\n"
    );
    let log = mounted.stop();
    assert!(log.contains(&digest), "the log names the chunk: {log}");
}

/// Through the library API in this process, so the chunk counter can be read.
fn cat_of_a_small_file_fetches_a_handful_of_chunks(env: &Env) {
    let repo: Arc<dyn Repository> = Arc::new(LocalDatastore::open_or_create(&env.store).unwrap());
    let ns = Namespace::root();
    let snap = repo.list_snapshots(&ns, None).unwrap().remove(0).snapshot;
    let (_, _, index) = locate(&env.store, "big.bin");
    let mnt = env.root.join("mnt-lib");
    std::fs::create_dir(&mnt).unwrap();
    let handle = pbsh::mount::mount_archive(
        repo,
        &ns,
        &snap,
        "root.pxar",
        None,
        &mnt,
        &pbsh::mount::MountOptions::default(),
    )
    .unwrap();
    let before = handle.stats().chunks_fetched;
    let out = Command::new("cat")
        .arg(mnt.join("docs/deep/er/note.txt"))
        .output()
        .unwrap();
    assert_eq!(out.stdout, b"deep note\n");
    let fetched = handle.stats().chunks_fetched;
    eprintln!(
        "cat of one small file: {fetched} chunks fetched ({before} at mount) of {} in the archive",
        index.chunk_count()
    );
    assert!(index.chunk_count() >= 20, "a large archive");
    assert!(fetched <= 6, "{fetched} chunks for one small file");
    handle.unmount().unwrap();
    assert!(!is_mounted(&std::fs::canonicalize(&mnt).unwrap()));
}

#[test]
fn map_exposes_an_image_and_the_shell_lists_mounts() {
    if !fuse_usable() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let store = root.join("store");
    let image = root.join("disk.raw");
    let mut state = 7u64;
    write_random_file(&image, 9_449_529, &mut state);
    let spec = format!("disk.img:{}", image.display());
    let s = store.to_str().unwrap();
    let out = common::pbsh(
        root,
        root,
        &["--repository", s, "backup", &spec, "--backup-id", "vm"],
        &[],
    );
    assert!(out.status.success(), "{}", common::stderr(&out));
    let env = Env {
        root: root.to_path_buf(),
        store: store.clone(),
        src: root.join("unused"),
        _dir: tempfile::tempdir().unwrap(),
    };
    let mapdir = root.join("map");
    let mapped = env.mount(&["map", "host/vm", "disk.img"], &mapdir);
    assert_eq!(sha256_file(&mapdir.join("disk.img")), sha256_file(&image));
    mapped.stop();

    // Killed outright (no chance to clean up), the mount still goes away (auto-unmount).
    let mut killed = env.mount(&["map", "host/vm", "disk.img"], &mapdir);
    // Served first: the mount shows in mountinfo before fusermount3 hands pbsh the connection,
    // and fusermount3 (3.14) whose hand-over fails exits without unmounting. A file answered
    // through the mount means pbsh holds the connection and fusermount3 waits to unmount.
    let served = std::fs::metadata(mapdir.join("disk.img")).map(|m| m.len());
    assert_eq!(served.ok(), Some(9_449_529), "the second map is not served");
    let mut child = killed.child.take().unwrap();
    child.kill().unwrap();
    child.wait().unwrap();
    // A hang guard, not a speed check: under heavy disk load fusermount's auto-unmount helper
    // took over 10 s once in CI.
    let deadline = Instant::now() + Duration::from_secs(60);
    while is_mounted(&killed.mountpoint) && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(50));
    }
    let auto_unmounted = !is_mounted(&killed.mountpoint);
    killed.child = None;
    let _ = Command::new("umount")
        .arg("-l")
        .arg(&killed.mountpoint)
        .status();
    assert!(
        auto_unmounted,
        "mount left behind by a killed pbsh; fusermount helpers: {:?}",
        fusermount_helpers()
    );

    // --daemon (the default): the command returns once mounted; the background process serves
    // until unmounted.
    let m = mapdir.to_str().unwrap();
    let out = common::pbsh(
        root,
        root,
        &[
            "--repository",
            s,
            "map",
            "host/vm",
            "disk.img",
            m,
            "--daemon",
        ],
        &[],
    );
    assert!(out.status.success(), "{}", common::stderr(&out));
    assert!(is_mounted(&killed.mountpoint), "{}", common::stderr(&out));
    assert_eq!(
        std::fs::metadata(mapdir.join("disk.img")).unwrap().len(),
        9_449_529
    );
    assert!(Command::new("umount")
        .arg(&killed.mountpoint)
        .status()
        .unwrap()
        .success());

    // In a script: mount, list, unmount, list.
    let mnt = root.join("mnt");
    std::fs::create_dir(&mnt).unwrap();
    let script = format!(
        "mount host/vm disk.img {m}; map host/vm disk.img {m}; mount; umount {m}; mount",
        m = mnt.display()
    );
    let out = common::pbsh(root, root, &["--repository", s, "-c", &script], &[]);
    // `mount` refuses an image, so the script stops at its first line.
    assert!(!out.status.success());
    assert!(
        common::stderr(&out).contains("use `map`"),
        "{}",
        common::stderr(&out)
    );
    let script = format!(
        "map host/vm disk.img {m}; mount; umount {m}; mount",
        m = mnt.display()
    );
    let out = common::pbsh(root, root, &["--repository", s, "-c", &script], &[]);
    let text = common::stdout(&out);
    assert!(out.status.success(), "{}", common::stderr(&out));
    assert!(text.contains(&mnt.display().to_string()), "{text}");
    assert!(text.trim_end().ends_with("nothing mounted"), "{text}");
    assert!(!is_mounted(&mnt));
}

#[test]
fn the_shell_mounts_an_archive_by_its_tree_path() {
    if !fuse_usable() {
        return;
    }
    let env = Env::new(1 << 20);
    let mnt = env.root.join("tree-mnt");
    let mounted = env.mount(&["mount", "--verbose", "host/mt/*/root.pxar"], &mnt);
    let listed: Vec<String> = std::fs::read_dir(&mounted.mountpoint)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    let source: Vec<String> = std::fs::read_dir(&env.src)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(listed.len(), source.len(), "{listed:?} vs {source:?}");
    drop(mounted);
    assert!(!is_mounted(&mnt));
}

/// The pid in "background process PID" of a detached mount's message.
fn background_pid(stderr: &str) -> i32 {
    let rest = stderr
        .split("background process ")
        .nth(1)
        .unwrap_or_else(|| panic!("no background process named: {stderr}"));
    let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
    digits.parse().unwrap()
}

/// Whether a process is still running (a zombie waiting for a reaper counts as ended).
fn running(pid: i32) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        Ok(stat) => stat
            .rsplit(')')
            .next()
            .is_some_and(|rest| !rest.trim_start().starts_with('Z')),
        Err(_) => false,
    }
}

/// A hang guard, not a speed check: waits until `done` or panics after a minute.
fn wait_until(what: &str, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(60);
    while !done() {
        assert!(Instant::now() < deadline, "{what}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Issue 17: a one-shot `mount` detaches as proxmox-backup-client's does: it exits 0 only
/// once the mount is usable, a background process serves it, the one-shot `mount` lists it,
/// and `umount` (another process) ends it, the explicit `--daemon` form too; `map` prints the
/// file it made; a mount that cannot be made fails in the foreground with the reason.
#[test]
fn issue_17_one_shot_mount_detaches_and_umount_ends_it() {
    if !fuse_usable() {
        return;
    }
    let env = Env::new(1 << 20);
    let mnt = env.root.join("detached");
    std::fs::create_dir(&mnt).unwrap();
    let m = mnt.to_str().unwrap();
    let out = env.pbsh(&["mount", "host/mt", "root.pxar", m]);
    let err = common::stderr(&out);
    assert!(out.status.success(), "{err}");
    // Usable as soon as the command has returned.
    assert!(is_mounted(&std::fs::canonicalize(&mnt).unwrap()), "{err}");
    assert_eq!(
        std::fs::read(mnt.join("docs/deep/er/note.txt")).unwrap(),
        b"deep note\n"
    );
    let pid = background_pid(&err);
    assert!(running(pid), "background process {pid} serves the mount");
    assert!(err.contains("mounted host/mt/"), "{err}");

    // The one-shot list shows it, served by another process.
    let listed = env.pbsh(&["mount"]);
    let text = common::stdout(&listed);
    assert!(text.contains(m), "{text}");
    assert!(text.contains("root.pxar"), "{text}");

    // umount from another process ends the mount and its process.
    let out = env.pbsh(&["umount", m]);
    assert!(out.status.success(), "{}", common::stderr(&out));
    assert!(!is_mounted(&std::fs::canonicalize(&mnt).unwrap()));
    wait_until("the background process did not end", || !running(pid));
    let out = env.pbsh(&["umount", m]);
    assert!(!out.status.success(), "nothing left to unmount");
    assert!(
        common::stderr(&out).contains("not a pbsh mount"),
        "{}",
        common::stderr(&out)
    );

    // `--daemon` says the same explicitly; umount ends it (it used to refuse).
    let out = env.pbsh(&["mount", "host/mt", "root.pxar", m, "--daemon"]);
    assert!(out.status.success(), "{}", common::stderr(&out));
    let pid = background_pid(&common::stderr(&out));
    let out = env.pbsh(&["umount", m]);
    assert!(out.status.success(), "{}", common::stderr(&out));
    assert!(!is_mounted(&std::fs::canonicalize(&mnt).unwrap()));
    wait_until("the --daemon process did not end", || !running(pid));

    // A mount that cannot be made: the foreground command fails with the reason, once.
    let out = env.pbsh(&["mount", "host/mt", "root.pxar", "no-such-dir"]);
    let err = common::stderr(&out);
    assert!(!out.status.success(), "{err}");
    assert_eq!(err.matches("no-such-dir").count(), 1, "{err}");
    assert!(!err.contains("background process"), "{err}");
}

/// Issue 17: `map` prints the file it made (also when it detaches), and says "mapped".
#[test]
fn issue_17_map_prints_the_file_it_made() {
    if !fuse_usable() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let store = root.join("store");
    let image = root.join("disk.raw");
    let mut state = 11u64;
    write_random_file(&image, 1 << 20, &mut state);
    let s = store.to_str().unwrap();
    let run = |args: &[&str]| {
        let mut all = vec!["--repository", s];
        all.extend_from_slice(args);
        common::pbsh(root, root, &all, &[])
    };
    let spec = format!("disk.img:{}", image.display());
    let out = run(&["backup", &spec, "--backup-id", "vm"]);
    assert!(out.status.success(), "{}", common::stderr(&out));
    let mapdir = root.join("map");
    std::fs::create_dir(&mapdir).unwrap();
    let out = run(&["map", "host/vm", "disk.img", mapdir.to_str().unwrap()]);
    let err = common::stderr(&out);
    assert!(out.status.success(), "{err}");
    let file = common::stdout(&out);
    let file = Path::new(file.trim());
    assert_eq!(
        file,
        std::fs::canonicalize(&mapdir).unwrap().join("disk.img")
    );
    assert_eq!(sha256_file(file), sha256_file(&image));
    assert!(err.contains("mapped host/vm/"), "{err}");
    assert!(!err.contains("maped"), "{err}");
    let pid = background_pid(&err);
    let out = run(&["umount", mapdir.to_str().unwrap()]);
    assert!(out.status.success(), "{}", common::stderr(&out));
    wait_until("the map's process did not end", || !running(pid));
    // A session with no maps says so in words.
    let out = run(&["-c", "map"]);
    assert_eq!(common::stdout(&out).trim(), "nothing mapped");
}

/// `mount --ns` and `map --ns` mount the namespaced snapshot's archive (and without `--ns`, in
/// the root namespace, there is none: not found, nothing mounted); `map --keyfile` decrypts an
/// encrypted image (without it the map is refused); `map --verbose` stays in the foreground
/// until signalled.
#[test]
fn mount_and_map_ns_keyfile_and_map_verbose() {
    if !fuse_usable() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let src = root.join("src");
    std::fs::create_dir_all(src.join("sub")).unwrap();
    std::fs::write(src.join("sub/n.txt"), b"in the namespace\n").unwrap();
    let image = root.join("disk.raw");
    let mut state = 11u64;
    write_random_file(&image, 300_000, &mut state);
    let env = Env {
        root: root.to_path_buf(),
        store: root.join("store"),
        src: src.clone(),
        _dir: tempfile::tempdir().unwrap(),
    };
    let ok = |args: &[&str]| {
        let out = env.pbsh(args);
        assert!(out.status.success(), "{args:?}: {}", common::stderr(&out));
    };
    let key = root.join("k.json");
    let key = key.to_str().unwrap();
    ok(&["key", "create", key, "--kdf", "none"]);
    ok(&["ns", "create", "team"]);
    let spec = format!("root.pxar:{}", src.display());
    ok(&["backup", &spec, "--ns", "team", "--backup-id", "nt"]);
    let spec = format!("disk.img:{}", image.display());
    ok(&[
        "backup",
        &spec,
        "--ns",
        "team",
        "--backup-id",
        "vm",
        "--keyfile",
        key,
    ]);

    let mnt = root.join("mnt");
    let mounted = env.mount(&["mount", "host/nt", "root.pxar", "--ns", "team"], &mnt);
    assert_eq!(
        std::fs::read(mnt.join("sub/n.txt")).unwrap(),
        b"in the namespace\n"
    );
    mounted.stop();
    // The root namespace has no host/nt: refused before anything is mounted.
    let m = mnt.to_str().unwrap();
    let out = env.pbsh(&["mount", "host/nt", "root.pxar", m]);
    let mounted_anyway = is_mounted(&std::fs::canonicalize(&mnt).unwrap());
    if mounted_anyway {
        let _ = Command::new("umount").arg("-l").arg(&mnt).status();
    }
    assert!(!mounted_anyway, "mounted from the root namespace");
    assert_eq!(out.status.code(), Some(3), "{}", common::stderr(&out));

    let mapdir = root.join("map");
    let mut mapped = env.mount(
        &[
            "map",
            "host/vm",
            "disk.img",
            "--ns",
            "team",
            "--keyfile",
            key,
            "--verbose",
        ],
        &mapdir,
    );
    assert_eq!(sha256_file(&mapdir.join("disk.img")), sha256_file(&image));
    assert!(
        mapped.child.as_mut().unwrap().try_wait().unwrap().is_none(),
        "--verbose stays in the foreground while mapped"
    );
    mapped.stop();
    let d = mapdir.to_str().unwrap();
    for (args, what) in [
        (
            &["map", "host/vm", "disk.img", d, "--ns", "team"][..],
            "without --keyfile",
        ),
        (
            &["map", "host/vm", "disk.img", d, "--keyfile", key][..],
            "without --ns",
        ),
    ] {
        let out = env.pbsh(args);
        let mounted_anyway = is_mounted(&std::fs::canonicalize(&mapdir).unwrap());
        if mounted_anyway {
            let _ = Command::new("umount").arg("-l").arg(&mapdir).status();
        }
        assert!(!mounted_anyway, "mapped {what}");
        assert!(!out.status.success(), "{what}: {}", common::stderr(&out));
        if what == "without --ns" {
            assert_eq!(out.status.code(), Some(3), "{}", common::stderr(&out));
        }
    }
}
