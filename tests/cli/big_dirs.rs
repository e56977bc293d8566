//! One directory of 20,000 files with data, backed up with 64 KiB chunks (unified and split) and
//! browsed with a 1 MiB chunk cache: `ls`, `ls -l`, `stat`, `find`, `select` and `get` with
//! globs, `restore-selected` are complete and correct, and each reads every chunk about once
//! (counted with PBSH_CHUNK_STATS, not timed). A second directory, of 60,000 files, has a
//! goodbye table bigger than that cache: `get` of a glob in it still reads each chunk about once.

use crate::common::{pbsh, stderr, stdout};
use std::path::{Path, PathBuf};

const N: usize = 20_000;
const SNAPSHOT: &str = "/store/host/big/2025-11-24T16:00:00Z";

/// The bytes of file `f{i}`: 1–3 KiB of deterministic noise (incompressible, so the directory
/// spans hundreds of chunks).
fn content(i: usize) -> Vec<u8> {
    let len = 1024 + (i * 7919) % 2048;
    let mut x = (i as u64 + 1).wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x as u8
        })
        .collect()
}

struct Fixture {
    _dir: tempfile::TempDir,
    root: PathBuf,
    store: PathBuf,
    /// Chunk files in the datastore (all archives of both snapshots).
    chunks: u64,
}

impl Fixture {
    /// Runs a script; its standard output and the chunks it fetched.
    fn run(&self, commands: &str) -> (String, u64) {
        let store = self.store.to_str().unwrap();
        let out = pbsh(
            &self.root,
            &self.root,
            &["--repository", store, "-c", commands],
            &[("PBSH_CHUNK_STATS", "1"), ("PBSH_ARCHIVE_CACHE_MIB", "1")],
        );
        let err = stderr(&out);
        assert!(out.status.success(), "`{commands}` failed: {err}");
        let fetched = err
            .lines()
            .find_map(|l| l.strip_prefix("pbsh: chunks fetched: "))
            .and_then(|rest| rest.split_whitespace().next())
            .and_then(|n| n.parse().ok())
            .unwrap_or_else(|| panic!("no chunk count in: {err}"));
        (stdout(&out), fetched)
    }

    /// Runs a script that must fetch each chunk about once.
    fn linear(&self, commands: &str) -> String {
        let (out, fetched) = self.run(commands);
        assert!(
            fetched <= 2 * self.chunks + 8,
            "`{commands}` fetched {fetched} chunks; the datastore has {}",
            self.chunks
        );
        out
    }
}

fn count_files(dir: &Path) -> u64 {
    let mut n = 0;
    for e in std::fs::read_dir(dir).unwrap() {
        let e = e.unwrap();
        if e.file_type().unwrap().is_dir() {
            n += count_files(&e.path());
        } else {
            n += 1;
        }
    }
    n
}

fn fixture() -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().to_path_buf();
    let store = root.join("store");
    let src = root.join("src");
    std::fs::create_dir_all(src.join("big")).unwrap();
    for i in 0..N {
        std::fs::write(src.join(format!("big/f{i}")), content(i)).unwrap();
    }
    let spec = format!("root.pxar:{}", src.display());
    for (time, mode) in [("1764000000", "legacy"), ("1764003600", "metadata")] {
        let out = pbsh(
            &root,
            &root,
            &[
                "--repository",
                store.to_str().unwrap(),
                "backup",
                &spec,
                "--backup-id",
                "big",
                "--backup-time",
                time,
                "--chunk-size",
                "64",
                "--change-detection-mode",
                mode,
            ],
            &[],
        );
        assert!(out.status.success(), "backup: {}", stderr(&out));
    }
    let chunks = count_files(&store.join(".chunks"));
    assert!(chunks > 100, "the directory spans only {chunks} chunks");
    Fixture {
        _dir: dir,
        root,
        store,
        chunks,
    }
}

/// The names of `f0`…`f{N-1}` that start with `prefix`, in byte order.
fn names_with_prefix(prefix: &str) -> Vec<String> {
    let mut names: Vec<String> = (0..N)
        .map(|i| format!("f{i}"))
        .filter(|n| n.starts_with(prefix))
        .collect();
    names.sort();
    names
}

/// `dir` holds exactly the files `names`, each with its content.
fn assert_files(dir: &Path, names: &[String]) {
    let mut got: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    got.sort();
    assert_eq!(got.len(), names.len(), "{}", dir.display());
    assert_eq!(got, names, "{}", dir.display());
    for name in names {
        let i: usize = name[1..].parse().unwrap();
        assert_eq!(
            std::fs::read(dir.join(name)).unwrap(),
            content(i),
            "{}",
            dir.join(name).display()
        );
    }
}

#[test]
fn a_directory_of_twenty_thousand_files_is_read_once_per_chunk() {
    let f = fixture();
    let all = names_with_prefix("");
    for archive in ["root.pxar", "root.mpxar"] {
        let time = if archive == "root.pxar" {
            SNAPSHOT.to_string()
        } else {
            SNAPSHOT.replace("16:00:00Z", "17:00:00Z")
        };
        let big = format!("{time}/{archive}/big");

        // ls: every name, in name order, one line each.
        let out = f.linear(&format!("ls {big}"));
        let listed: Vec<&str> = out.lines().collect();
        assert_eq!(listed, all, "ls {archive}");

        // ls -l: the right sizes.
        let out = f.linear(&format!("ls -l {big}"));
        assert_eq!(out.lines().count(), N, "ls -l {archive}");
        for line in out
            .lines()
            .filter(|l| l.ends_with(" f12345") || l.ends_with(" f7"))
        {
            let name = line.rsplit(' ').next().unwrap();
            let size = content(name[1..].parse().unwrap()).len().to_string();
            assert!(
                line.split_whitespace().any(|w| w == size),
                "{line}: size {size}"
            );
        }

        // stat of one entry looks it up, it does not read the directory.
        let (out, fetched) = f.run(&format!("stat {big}/f12345"));
        assert!(
            out.contains(&format!("Size: {} ", content(12345).len())),
            "{out}"
        );
        assert!(fetched < f.chunks / 2, "stat fetched {fetched} chunks");

        // find with a glob.
        let out = f.linear(&format!("find {big} --name 'f1234*'"));
        let mut found: Vec<&str> = out.lines().map(|l| l.rsplit('/').next().unwrap()).collect();
        found.sort();
        assert_eq!(found, names_with_prefix("f1234"), "find {archive}");

        // select with a glob: every entry, once, without looking each one up again.
        let out = f.linear(&format!("select {big}/*; select {big}/f7; list-selected"));
        assert_eq!(out.lines().count(), N, "select {archive}");
        assert!(out.lines().all(|l| l.starts_with(&format!("{big}/f"))));

        // get with a glob: exactly the matching files, with their bytes.
        let into = f.root.join(format!("get-{archive}"));
        std::fs::create_dir(&into).unwrap();
        f.linear(&format!("get '{big}/f19*' {}", into.display()));
        assert_files(&into, &names_with_prefix("f19"));

        // select + restore-selected: a pattern per selected path, matched in one pass.
        let target = f.root.join(format!("restored-{archive}"));
        f.linear(&format!(
            "select {big}/f1*; restore-selected {}",
            target.display()
        ));
        assert_files(&target.join("big"), &names_with_prefix("f1"));
    }
}

/// A directory whose goodbye table alone (60,000 entries, 1.4 MB) outgrows a 1 MiB chunk cache:
/// `get` of a glob matching 10,000 of its files reads the directory front to back once, not a
/// table search per file (which, with the table bigger than the cache, fetches chunks again
/// for nearly every file).
#[test]
fn get_of_a_glob_reads_a_directory_bigger_than_the_cache_once() {
    const FILES: usize = 60_000;
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().to_path_buf();
    let root = root.as_path();
    let store = root.join("store");
    let src = root.join("src");
    std::fs::create_dir_all(src.join("wide")).unwrap();
    for i in 0..FILES {
        std::fs::write(src.join(format!("wide/g{i:05}")), format!("{i}\n")).unwrap();
    }
    let spec = format!("root.pxar:{}", src.display());
    let backup = [
        "--repository",
        store.to_str().unwrap(),
        "backup",
        &spec,
        "--backup-id",
        "wide",
        "--backup-time",
        "1764000000",
        "--chunk-size",
        "64",
        "--change-detection-mode",
        "metadata",
    ];
    let out = pbsh(root, root, &backup, &[]);
    assert!(out.status.success(), "backup: {}", stderr(&out));
    let chunks = count_files(&store.join(".chunks"));

    let into = root.join("got");
    std::fs::create_dir(&into).unwrap();
    let fixture = Fixture {
        _dir: dir,
        root: root.to_path_buf(),
        store,
        chunks,
    };
    fixture.linear(&format!(
        "get '/store/host/wide/2025-11-24T16:00:00Z/root.mpxar/wide/g1*' {}",
        into.display()
    ));
    let mut got: Vec<String> = std::fs::read_dir(&into)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    got.sort();
    let wanted: Vec<String> = (10_000..20_000).map(|i| format!("g{i:05}")).collect();
    assert_eq!(got, wanted);
    for i in [10_000, 15_432, 19_999] {
        assert_eq!(
            std::fs::read_to_string(into.join(format!("g{i:05}"))).unwrap(),
            format!("{i}\n")
        );
    }
}
