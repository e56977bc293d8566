//! The interactive shell through a real pseudo-terminal: the prompt, Tab completion at every
//! level of the tree, Ctrl-C at the prompt and during a long `get`, Ctrl-D to leave.

mod common;
mod serve_common;

use common::{pbsh, stderr};
use rexpect::process::PtyProcess;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const SNAP: &str = "2025-11-24T16:00:00Z";

fn make_store(root: &Path) -> PathBuf {
    let store = root.join("store");
    let src = root.join("src");
    std::fs::create_dir_all(src.join("etc")).unwrap();
    std::fs::write(src.join("etc/alpha.conf"), "a\n").unwrap();
    std::fs::write(src.join("etc/beta.conf"), "b\n").unwrap();
    // Big enough that `get` takes a while with the per-block test delay.
    let mut state = 7u64;
    std::fs::write(
        src.join("big.bin"),
        common::pseudo_random(24 << 20, &mut state),
    )
    .unwrap();
    let run = |args: &[&str]| {
        let mut all = vec!["--repository", store.to_str().unwrap()];
        all.extend_from_slice(args);
        let out = pbsh(root, root, &all, &[]);
        assert!(out.status.success(), "{args:?}: {}", stderr(&out));
    };
    let spec = format!("root.pxar:{}", src.display());
    run(&[
        "backup",
        &spec,
        "--backup-id",
        "web1",
        "--backup-time",
        "1764000000",
    ]);
    run(&["ns", "create", "prod"]);
    run(&[
        "backup",
        &spec,
        "--backup-type",
        "vm",
        "--backup-id",
        "100",
        "--ns",
        "prod",
    ]);
    store
}

/// A pseudo-terminal running pbsh that answers the line editor's cursor-position queries, as
/// a real terminal does, and collects what it prints (escape sequences removed).
struct Term {
    process: PtyProcess,
    writer: std::fs::File,
    screen: Arc<Mutex<String>>,
    /// How much of `screen` earlier expectations consumed.
    seen: usize,
}

impl Term {
    fn send(&mut self, text: &str) {
        self.writer.write_all(text.as_bytes()).unwrap();
        self.writer.flush().unwrap();
    }

    fn send_line(&mut self, text: &str) {
        self.send(&format!("{text}\r"));
    }

    fn control(&mut self, c: char) {
        let byte = (c as u8) & 0x1f;
        self.writer.write_all(&[byte]).unwrap();
        self.writer.flush().unwrap();
    }

    /// Waits until `needle` appears after what earlier calls consumed.
    fn expect(&mut self, needle: &str) {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            {
                let screen = self.screen.lock().unwrap();
                if let Some(i) = screen[self.seen..].find(needle) {
                    self.seen += i + needle.len();
                    return;
                }
                if Instant::now() > deadline {
                    panic!(
                        "timed out waiting for {needle:?}; terminal shows:\n{}",
                        &screen[self.seen..]
                    );
                }
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Waits until a line after what earlier calls consumed satisfies `want` (`what` names it
    /// in the failure message); returns that line.
    fn expect_line(&mut self, what: &str, want: impl Fn(&str) -> bool) -> String {
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            {
                let screen = self.screen.lock().unwrap();
                let rest = &screen[self.seen..];
                let mut start = 0;
                for line in rest.split_inclusive('\n') {
                    if line.ends_with('\n') && want(line.trim_end()) {
                        self.seen += start + line.len();
                        return line.trim_end().to_string();
                    }
                    start += line.len();
                }
                if Instant::now() > deadline {
                    panic!("timed out waiting for {what}; terminal shows:\n{rest}");
                }
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    fn expect_exit(&mut self) {
        let deadline = Instant::now() + Duration::from_secs(20);
        while self.process.status() == Some(rexpect::process::WaitStatus::StillAlive) {
            assert!(Instant::now() < deadline, "pbsh did not exit");
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

/// Removes escape sequences (CSI and OSC) from terminal output.
fn strip_escapes(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    let mut chars = raw.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '\x1b' {
            if c != '\r' {
                out.push(c);
            }
            continue;
        }
        match chars.next() {
            Some('[') => {
                for c in chars.by_ref() {
                    if ('@'..='~').contains(&c) {
                        break;
                    }
                }
            }
            Some(']') => {
                while let Some(c) = chars.next() {
                    if c == '\x07' || (c == '\x1b' && chars.peek() == Some(&'\\')) {
                        break;
                    }
                }
            }
            _ => {}
        }
    }
    out
}

fn shell(root: &Path, store: &Path, envs: &[(&str, &str)]) -> Term {
    let mut term = shell_with(root, &["--repository", store.to_str().unwrap()], envs);
    term.expect("local:/store> ");
    term
}

/// pbsh with `args` on a pseudo-terminal in `root`.
fn shell_with(root: &Path, args: &[&str], envs: &[(&str, &str)]) -> Term {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_pbsh"));
    cmd.args(args);
    shell_cmd(root, cmd, envs)
}

/// `cmd` (pbsh, or a wrapper that execs it) on a pseudo-terminal in `root`.
fn shell_cmd(root: &Path, cmd: Command, envs: &[(&str, &str)]) -> Term {
    terminal(root, cmd, envs, true)
}

/// As `shell_cmd`; `answers_cursor` false makes a terminal that never answers the
/// cursor-position query (as `script` and expect-style drivers do).
fn terminal(root: &Path, mut cmd: Command, envs: &[(&str, &str)], answers_cursor: bool) -> Term {
    cmd.current_dir(root)
        .env("HOME", root)
        .env("XDG_DATA_HOME", root.join("data"))
        .env_remove("NO_COLOR")
        .env("TERM", "xterm")
        .env_remove("PBS_REPOSITORY");
    for (k, v) in envs {
        cmd.env(k, v);
    }
    let process = PtyProcess::new(cmd).expect("spawn pbsh on a pty");
    let reader = process.get_file_handle().unwrap();
    let writer = process.get_file_handle().unwrap();
    // A terminal of 120 x 40.
    let size = libc::winsize {
        ws_row: 40,
        ws_col: 120,
        ws_xpixel: 0,
        ws_ypixel: 0,
    };
    // SAFETY: TIOCSWINSZ on the pty master we hold, with a valid winsize.
    unsafe {
        libc::ioctl(
            std::os::fd::AsRawFd::as_raw_fd(&writer),
            libc::TIOCSWINSZ,
            &size,
        );
    }
    let screen = Arc::new(Mutex::new(String::new()));
    let (mut answer, shared) = (writer.try_clone().unwrap(), screen.clone());
    std::thread::spawn(move || {
        let mut reader = reader;
        let mut buf = [0u8; 8192];
        let mut pending = String::new();
        while let Ok(n) = reader.read(&mut buf) {
            if n == 0 {
                break;
            }
            pending.push_str(&String::from_utf8_lossy(&buf[..n]));
            // Answer each "where is the cursor?" query.
            while let Some(i) = pending.find("\x1b[6n") {
                if answers_cursor {
                    let _ = answer.write_all(b"\x1b[1;1R");
                    let _ = answer.flush();
                }
                pending.replace_range(i..i + 4, "");
            }
            // Keep an unfinished escape sequence for the next read.
            let cut = match pending.rfind('\x1b') {
                Some(i) if pending.len() - i < 16 => i,
                _ => pending.len(),
            };
            let done: String = pending.drain(..cut).collect();
            shared.lock().unwrap().push_str(&strip_escapes(&done));
        }
    });
    Term {
        process,
        writer,
        screen,
        seen: 0,
    }
}

/// Types `text`, presses Tab, and expects every name in `want` to show up.
fn complete(p: &mut Term, text: &str, want: &[&str]) {
    p.send(text);
    p.send("\t");
    let start = p.seen;
    for w in want {
        p.seen = start;
        p.expect(w);
    }
    // Ctrl-C at the prompt drops the line and keeps the shell.
    p.control('c');
    p.expect("local:/store> ");
}

#[test]
fn tab_completes_every_level_of_the_tree() {
    let dir = tempfile::tempdir().unwrap();
    let store = make_store(dir.path());
    let mut p = shell(dir.path(), &store, &[]);
    // Commands, then the datastore level: namespaces and group types.
    complete(&mut p, "rest", &["restore", "restore-selected"]);
    complete(&mut p, "cd ", &["host/", "prod/"]);
    complete(&mut p, "cd prod/", &["vm/"]);
    complete(&mut p, "cd host/", &["web1/"]);
    complete(&mut p, "cd host/web1/", &[SNAP]);
    complete(
        &mut p,
        &format!("ls host/web1/{SNAP}/"),
        &["catalog.pcat1", "root.pxar/"],
    );
    complete(
        &mut p,
        &format!("cat host/web1/{SNAP}/root.pxar/etc/"),
        &["alpha.conf", "beta.conf"],
    );
    complete(&mut p, "ls --output-format ", &["json-pretty"]);
    // The prompt follows cd, and ls answers.
    p.send_line(&format!("cd host/web1/{SNAP}/root.pxar"));
    p.expect("root.pxar> ");
    p.send_line("ls etc");
    p.expect("alpha.conf");
    // A failing command reports and keeps the shell.
    p.send_line("cd nowhere");
    p.expect("no such file or directory");
    p.send_line("pwd");
    p.expect(&format!("/store/host/web1/{SNAP}/root.pxar\n"));
    // Ctrl-D leaves (sent at the prompt: before it, the line editor is not reading raw keys
    // and the terminal would swallow it).
    p.expect("root.pxar> ");
    p.control('d');
    p.expect_exit();
}

/// Issue 17: a unique completion completes and closes the menu, so the next Enter runs the
/// line (it used to insert the first entry below the completed directory instead); Enter takes
/// a menu entry only after the user moved into the menu.
#[test]
fn issue_17_enter_after_a_unique_completion_runs_the_line() {
    let dir = tempfile::tempdir().unwrap();
    let store = make_store(dir.path());
    let mut p = shell(dir.path(), &store, &[]);
    p.send_line("cd host/web1");
    p.expect("local:/store/host/web1> ");
    // The group's one snapshot.
    p.send("cd ");
    p.send("\t");
    p.expect(&format!("cd {SNAP}/"));
    p.send("\r");
    p.expect(&format!("local:/store/host/web1/{SNAP}> "));
    // Into the archive, then a directory inside it.
    p.send("cd r");
    p.send("\t");
    p.expect("cd root.pxar/");
    p.send("\r");
    p.expect(&format!("local:/store/host/web1/{SNAP}/root.pxar> "));
    p.send("cd e");
    p.send("\t");
    p.expect("cd etc/");
    p.send("\r");
    p.expect(&format!("local:/store/host/web1/{SNAP}/root.pxar/etc> "));
    p.send_line("pwd");
    p.expect(&format!("/store/host/web1/{SNAP}/root.pxar/etc\n"));
    // Tab opens the menu, a second Tab moves into it, Enter takes the entry without running
    // the line; the next Enter runs it.
    p.send("cat ");
    p.send("\t");
    p.expect("beta.conf");
    p.send("\t");
    p.send("\r");
    p.expect("cat alpha.conf");
    p.send("\r");
    p.expect("a\n");
    p.expect("root.pxar/etc> ");
    p.control('d');
    p.expect_exit();
}

#[test]
fn ctrl_c_cancels_a_long_get_and_leaves_no_partial_file() {
    let dir = tempfile::tempdir().unwrap();
    let store = make_store(dir.path());
    let out = dir.path().join("out");
    std::fs::create_dir(&out).unwrap();
    // Each 1 MiB block of the get waits 100 ms: the 24 MiB file takes over two seconds.
    let mut p = shell(
        dir.path(),
        &store,
        &[("PBSH_FAILPOINTS", "get.block=sleep@100")],
    );
    p.send_line(&format!(
        "get host/web1/{SNAP}/root.pxar/big.bin {}",
        out.display()
    ));
    std::thread::sleep(std::time::Duration::from_millis(700));
    p.control('c');
    p.expect("cancelled");
    p.expect("local:/store");
    let left: Vec<_> = std::fs::read_dir(&out).unwrap().collect();
    assert!(left.is_empty(), "partial files left: {left:?}");
    // The shell still works after the cancel.
    p.send_line("ls host");
    p.expect("web1/");
    p.send_line("exit");
    p.expect_exit();
}

#[test]
fn remote_prompt_shows_the_datastore_the_shell_is_in() {
    let server = serve_common::start_server_with_stores(&["store1", "store2"]);
    let root = tempfile::tempdir().unwrap();
    let repo = format!("alice@pbs@127.0.0.1:{}:store1", server.port);
    let run = root.path().join("run");
    let mut p = shell_with(
        root.path(),
        &["--repository", &repo, "--fingerprint", &server.fingerprint],
        &[
            ("PBS_PASSWORD", serve_common::PASSWORD),
            ("XDG_RUNTIME_DIR", run.to_str().unwrap()),
            (
                "XDG_CONFIG_HOME",
                root.path().join("config").to_str().unwrap(),
            ),
        ],
    );
    let origin = "alice@pbs@127.0.0.1";
    p.expect(&format!("{origin}:store1:/store1> "));
    p.send_line("ls /");
    p.expect("store2/");
    p.send_line("cd /store2");
    p.expect(&format!("{origin}:store2:/store2> "));
    // At `/` the datastore last entered stays the session's.
    p.send_line("cd ..");
    p.expect(&format!("{origin}:store2:/> "));
    p.send_line("cd");
    p.expect(&format!("{origin}:store1:/store1> "));
    p.control('d');
    p.expect_exit();
}

/// Issue 18: the history file is private: an existing world-readable one is made 0600, a new
/// one is created 0600 even under `umask 000`.
#[test]
fn issue_18_history_file_is_private() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let store = make_store(dir.path());
    let history = dir.path().join("data/pbsh/history");
    std::fs::create_dir_all(history.parent().unwrap()).unwrap();
    std::fs::write(&history, "ls host\n").unwrap();
    std::fs::set_permissions(&history, std::fs::Permissions::from_mode(0o644)).unwrap();
    let mut p = shell(dir.path(), &store, &[]);
    p.send_line("pwd");
    p.expect("/store\n");
    p.expect("local:/store> ");
    p.control('d');
    p.expect_exit();
    let mode = |path: &Path| std::fs::metadata(path).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&history), 0o600, "existing history file made private");
    assert!(std::fs::read_to_string(&history).unwrap().contains("pwd"));

    std::fs::remove_file(&history).unwrap();
    let mut cmd = Command::new("sh");
    cmd.args(["-c", "umask 000; exec \"$0\" \"$@\""])
        .arg(env!("CARGO_BIN_EXE_pbsh"))
        .args(["--repository", store.to_str().unwrap()]);
    let mut p = shell_cmd(dir.path(), cmd, &[]);
    p.expect("local:/store> ");
    p.send_line("pwd");
    p.expect("/store\n");
    p.expect("local:/store> ");
    p.control('d');
    p.expect_exit();
    assert_eq!(mode(&history), 0o600, "new history file created private");
}

#[test]
fn a_terminal_that_cannot_report_the_cursor_gets_plain_line_input() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let store = make_store(root);
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_pbsh"));
    cmd.args(["--repository", store.to_str().unwrap()]);
    let mut p = terminal(root, cmd, &[], false);
    p.expect("cannot do line editing");
    p.send_line("cd host");
    p.send_line("pwd");
    p.expect("/host");
    p.send_line("ls");
    p.expect("web1");
    p.control('d');
    p.expect_exit();
}

/// A tree of a few tens of MB and a store for it; each new chunk's write waits `SLOW`, so the
/// backup runs long enough for its progress bar to show.
fn progress_setup(root: &Path) -> (PathBuf, PathBuf) {
    // Not `data`: that is the tests' XDG_DATA_HOME.
    let src = root.join("tree");
    std::fs::create_dir_all(src.join("docs")).unwrap();
    for i in 0..20 {
        std::fs::write(src.join(format!("docs/note{i}.txt")), format!("note {i}\n")).unwrap();
    }
    let mut state = 11u64;
    std::fs::write(
        src.join("big.bin"),
        common::pseudo_random(32 << 20, &mut state),
    )
    .unwrap();
    let store = root.join("store");
    let out = pbsh(
        root,
        root,
        &["datastore", "create", store.to_str().unwrap()],
        &[],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    (src, store)
}

const SLOW: (&str, &str) = ("PBSH_FAILPOINTS", "store.chunk.after_temp_write=sleep@300");

/// Issue 17 item 7: on a terminal a long backup shows a live bar (bytes, rate, files) and ends
/// with one summary line; restore, verify and gc end with theirs.
#[test]
fn issue_17_progress_bar_and_summary_line_on_a_terminal() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let (src, store) = progress_setup(root);
    let mut p = shell(root, &store, &[SLOW]);
    p.send_line(&format!("backup {}", src.display()));
    p.expect("Starting backup");
    let from = p.seen;
    // The summary: "backup: 32.0 MiB in 21 files, 2.1 s, 15.2 MiB/s".
    let summary = p.expect_line("the summary line", |l| {
        l.contains("backup: 32.0 MiB in 21 files, ") && l.ends_with("/s")
    });
    assert!(!summary.ends_with(" 0 B/s"), "{summary}");
    // Before it, the bar: "⠄ backup: 12.50 MiB, 20.00 MiB/s, 21 files, 1s" (only the bar
    // has a rate followed by a comma; its first frames may come before the first file).
    let shown = p.screen.lock().unwrap()[from..p.seen].to_string();
    assert!(
        shown
            .split("backup: ")
            .any(|frame| frame.contains("/s, ") && frame.contains(" files, ")),
        "the bar counts files:\n{shown}"
    );
    p.expect("local:/store> ");
    p.send_line("verify");
    p.expect_line("verify's summary", |l| {
        l.starts_with("verify: ") && l.contains(" chunks, ")
    });
    p.expect("local:/store> ");
    p.send_line(&format!(
        "restore host/{}/latest {}",
        common::hostname(),
        root.join("back").display()
    ));
    // The progress summary cannot be confused with restore's own "restored 21 files" line.
    p.expect_line("restore's summary", |l| {
        l.contains("restore: ") && l.contains(" in 21 files, ") && l.ends_with("/s")
    });
    p.expect("local:/store> ");
    p.control('d');
    p.expect_exit();
    assert_eq!(
        std::fs::read(root.join("back/big.bin")).unwrap(),
        std::fs::read(src.join("big.bin")).unwrap()
    );
}

/// Issue 17 item 7: in a script (stderr a pipe) the same commands draw no bar, print no
/// progress summary and send no escape sequence to stderr.
#[test]
fn issue_17_no_progress_and_no_escapes_in_a_pipe() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let (src, store) = progress_setup(root);
    let script = format!(
        "backup {}; verify; restore host/{}/latest {}; gc",
        src.display(),
        common::hostname(),
        root.join("back").display()
    );
    let out = pbsh(
        root,
        root,
        &["--repository", store.to_str().unwrap(), "-c", &script],
        &[SLOW],
    );
    let err = stderr(&out);
    assert!(out.status.success(), "{err}");
    assert!(
        common::stdout(&out).contains("verified 1 snapshots"),
        "{}",
        common::stdout(&out)
    );
    assert!(!err.contains('\x1b'), "escape sequences on stderr: {err:?}");
    assert!(!err.contains("/s"), "progress text on stderr: {err}");
    for label in ["backup: ", "verify: ", "restore: ", "gc: "] {
        assert!(
            !err.lines().any(|l| l.starts_with(label)),
            "a progress summary on stderr: {err}"
        );
    }
    // What a script does see on stderr is still there.
    assert!(err.contains("restored 21 files"), "{err}");
}
