//! The first five minutes (ux.md §5.2) in a real terminal: tmux runs pbsh on a fresh HOME (the
//! embedded default datastore, no --repository), keys are sent as a hand types them, and what
//! the screen shows is checked with `tmux capture-pane`. The whole session's screen text is
//! saved to `target/first-five-minutes.txt` (beside the test binary's `debug/`), pass or fail.
//!
//! Skips with a notice when tmux is missing, except under CI (`CI` set), where that fails.
#![allow(clippy::disallowed_macros)]

use crate::common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, Instant};

/// How long any one step may take before the test gives up (a hang guard, not a timing check).
const HANG_GUARD: Duration = Duration::from_secs(90);

/// A private tmux server with one 120 x 40 session running pbsh.
struct Tmux {
    socket: String,
    transcript: PathBuf,
}

impl Tmux {
    fn tmux(&self, args: &[&str]) -> Output {
        let out = Command::new("tmux")
            .args(["-L", &self.socket, "-f", "/dev/null"])
            .args(args)
            .output()
            .expect("run tmux");
        assert!(
            out.status.success(),
            "tmux {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        out
    }

    /// Types `text` literally (no key names), as a hand types it.
    fn type_text(&self, text: &str) {
        self.tmux(&["send-keys", "-t", "ffm", "-l", text]);
    }

    /// Presses one key (`Enter`, `Tab`, `C-c`, `C-d`).
    fn press(&self, key: &str) {
        self.tmux(&["send-keys", "-t", "ffm", key]);
    }

    /// The whole session so far: scrollback and screen, trailing blank lines dropped.
    fn screen(&self) -> String {
        let out = self.tmux(&[
            "capture-pane",
            "-p",
            "-J",
            "-t",
            "ffm",
            "-S",
            "-",
            "-E",
            "-",
        ]);
        String::from_utf8_lossy(&out.stdout).trim_end().to_string()
    }

    /// Waits until `want` holds for the screen; returns that screen.
    fn wait(&self, what: &str, want: impl Fn(&str) -> bool) -> String {
        let deadline = Instant::now() + HANG_GUARD;
        loop {
            let screen = self.screen();
            if want(&screen) {
                return screen;
            }
            if Instant::now() > deadline {
                panic!("timed out waiting for {what}; the screen shows:\n{screen}");
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Waits until `needle` shows up more often than `before` times.
    fn wait_more(&self, needle: &str, before: usize) -> String {
        self.wait(&format!("{needle:?} (seen {before} times before)"), |s| {
            s.matches(needle).count() > before
        })
    }

    fn count(&self, needle: &str) -> usize {
        self.screen().matches(needle).count()
    }

    /// Types `line`, waits until the screen shows it, presses Enter and waits for the next
    /// prompt ending in `prompt`; returns what the command printed (the screen after the line).
    fn run(&self, line: &str, prompt: &str) -> String {
        self.type_text(line);
        self.wait(&format!("the typed line {line:?}"), |s| {
            // (a hint from the history may follow the cursor)
            s.lines().last().is_some_and(|l| l.contains(line))
        });
        self.enter(prompt)
    }

    /// Presses Enter on what is typed and waits for a new prompt ending in `prompt`; returns
    /// the screen below the line that ran.
    fn enter(&self, prompt: &str) -> String {
        let before = self.count(prompt);
        let typed_at = self.screen().len();
        self.press("Enter");
        let screen = self.wait_more(prompt, before);
        // What the command printed: between the line typed and the last prompt.
        let tail = screen.get(typed_at..).unwrap_or("");
        let end = tail.rfind('\n').unwrap_or(0);
        tail[..end].to_string()
    }

    fn pane_dead(&self) -> bool {
        let out = self.tmux(&["display-message", "-p", "-t", "ffm", "#{pane_dead}"]);
        String::from_utf8_lossy(&out.stdout).trim() == "1"
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        // The transcript, pass or fail, then the private server goes.
        if let Ok(out) = Command::new("tmux")
            .args(["-L", &self.socket, "-f", "/dev/null"])
            .args([
                "capture-pane",
                "-p",
                "-J",
                "-t",
                "ffm",
                "-S",
                "-",
                "-E",
                "-",
            ])
            .output()
        {
            let text = String::from_utf8_lossy(&out.stdout);
            let _ = std::fs::write(&self.transcript, format!("{}\n", text.trim_end()));
            eprintln!("transcript saved to {}", self.transcript.display());
        }
        let _ = Command::new("tmux")
            .args(["-L", &self.socket, "-f", "/dev/null", "kill-server"])
            .output();
    }
}

/// `target/` (or `$CARGO_TARGET_DIR`): three levels above this test binary
/// (`target/debug/deps/first_five_minutes-…`).
fn target_dir() -> PathBuf {
    let exe = std::env::current_exe().expect("test binary path");
    exe.ancestors()
        .nth(3)
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from("target"))
}

fn have_tmux() -> bool {
    Command::new("tmux")
        .arg("-V")
        .output()
        .is_ok_and(|o| o.status.success())
}

/// `'…'` for sh.
fn quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', "'\\''"))
}

#[test]
fn first_five_minutes_in_a_real_terminal() {
    if !have_tmux() {
        if std::env::var_os("CI").is_some() {
            panic!(
                "tmux is missing: CI must run tests/cli/first_five_minutes.rs (apt install tmux)"
            );
        }
        eprintln!("notice: tmux not found; skipping the first-five-minutes test");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path().join("home");
    let docs = home.join("Documents");
    std::fs::create_dir_all(docs.join("trips")).unwrap();
    std::fs::write(docs.join("notes.txt"), "hello from pbsh\n").unwrap();
    std::fs::write(docs.join("trips/rome.md"), "# Rome\n").unwrap();
    std::fs::write(docs.join("trips/oslo.md"), "# Oslo\n").unwrap();
    // 8 MiB: with every 1 MiB block of a `get` held 200 ms, getting it takes long enough
    // to press Ctrl-C in the middle.
    let mut state = 5u64;
    std::fs::write(
        docs.join("big.bin"),
        common::pseudo_random(8 << 20, &mut state),
    )
    .unwrap();
    let host = common::hostname();
    let env = [
        ("HOME", home.clone()),
        ("XDG_DATA_HOME", home.join(".local/share")),
        ("XDG_CONFIG_HOME", home.join(".config")),
        ("XDG_CACHE_HOME", home.join(".cache")),
        ("XDG_STATE_HOME", home.join(".local/state")),
        ("XDG_RUNTIME_DIR", dir.path().join("run")),
    ];
    std::fs::create_dir_all(dir.path().join("run")).unwrap();
    let mut command =
        String::from("exec env -u PBS_REPOSITORY -u NO_COLOR TZ=UTC TERM=xterm-256color");
    for (name, value) in &env {
        command.push_str(&format!(" {name}={}", quote(value.to_str().unwrap())));
    }
    command.push_str(" PBSH_FAILPOINTS=get.block=sleep@200 ");
    command.push_str(&quote(env!("CARGO_BIN_EXE_pbsh")));

    let tmux = Tmux {
        socket: format!("pbsh-ffm-{}", std::process::id()),
        transcript: target_dir().join("first-five-minutes.txt"),
    };
    let home_str = home.to_str().unwrap();
    tmux.tmux(&[
        "new-session",
        "-d",
        "-x",
        "120",
        "-y",
        "40",
        "-s",
        "ffm",
        "-c",
        home_str,
        &command,
    ]);
    // Keep the pane (and its screen) after pbsh exits, to see that it did.
    tmux.tmux(&["set-option", "-w", "-t", "ffm", "remain-on-exit", "on"]);
    tmux.tmux(&["set-option", "-t", "ffm", "history-limit", "10000"]);

    // 1. Start: a banner naming the embedded datastore, then the prompt at the datastore.
    let root = "local:/datastore> ";
    let screen = tmux.wait("the first prompt", |s| s.contains(root.trim_end()));
    let datastore = home.join(".local/share/pbsh/datastore");
    assert!(
        screen.contains(datastore.to_str().unwrap()),
        "the banner names where the datastore lives:\n{screen}"
    );
    assert!(
        screen.contains("nothing leaves this machine") && screen.contains("`help`"),
        "the banner says nothing leaves and points to help:\n{screen}"
    );

    // 2. The short form: `backup DIR` makes DIR.pxar in host/<hostname>.
    let out = tmux.run("backup Documents", root.trim_end());
    assert!(
        out.contains(&format!("Snapshot host/{host}/")),
        "backup names its snapshot:\n{out}"
    );
    assert!(out.contains("Documents.pxar.didx"), "{out}");
    let first_backup = Instant::now();

    // 3. cd into the group with Tab: a unique completion completes and stops; Enter runs cd.
    tmux.type_text("cd host/");
    tmux.press("Tab");
    tmux.wait("the group completed", |s| {
        s.lines()
            .last()
            .is_some_and(|l| l.contains(&format!("cd host/{host}/")))
    });
    let group = format!("local:/datastore/host/{host}>");
    tmux.enter(&group);
    // Tab into the (one) snapshot, Enter: the prompt shows it.
    tmux.type_text("cd ");
    tmux.press("Tab");
    let screen = tmux.wait("the snapshot completed", |s| {
        s.lines()
            .last()
            .is_some_and(|l| l.contains("> cd 20") && l.contains("Z/"))
    });
    let line = screen.lines().last().unwrap();
    let snapshot = line[line.rfind("cd ").unwrap() + 3..]
        .split('/')
        .next()
        .unwrap();
    let snap_prompt = format!("local:/datastore/host/{host}/{snapshot}>");
    tmux.enter(&snap_prompt);
    // And into the archive.
    tmux.type_text("cd D");
    tmux.press("Tab");
    tmux.wait("the archive completed", |s| {
        s.lines()
            .last()
            .is_some_and(|l| l.contains("cd Documents.pxar/"))
    });
    let archive = format!("local:/datastore/host/{host}/{snapshot}/Documents.pxar>");
    tmux.enter(&archive);

    // 4. ls -l, find.
    let out = tmux.run("ls -l", &archive);
    for name in ["notes.txt", "trips/", "big.bin"] {
        assert!(out.contains(name), "ls -l shows {name}:\n{out}");
    }
    let out = tmux.run("find '**/*.md'", &archive);
    assert!(
        out.contains("trips/rome.md") && out.contains("trips/oslo.md"),
        "find:\n{out}"
    );

    // 5. cat, and get into the local current directory.
    let out = tmux.run("cat notes.txt", &archive);
    assert!(out.contains("hello from pbsh"), "cat:\n{out}");
    let out = tmux.run("get notes.txt", &archive);
    assert!(out.contains("get: "), "get's summary line:\n{out}");
    assert_eq!(
        std::fs::read_to_string(home.join("notes.txt")).unwrap(),
        "hello from pbsh\n"
    );

    // 6. Change a file, back up again (snapshot times are whole seconds: not in the same one).
    tmux.run("!echo 'second thoughts' >> Documents/notes.txt", &archive);
    assert_eq!(
        std::fs::read_to_string(docs.join("notes.txt")).unwrap(),
        "hello from pbsh\nsecond thoughts\n"
    );
    if let Some(rest) = Duration::from_millis(1100).checked_sub(first_backup.elapsed()) {
        std::thread::sleep(rest);
    }
    let out = tmux.run("backup Documents", &archive);
    assert!(
        out.contains(&format!("Snapshot host/{host}/")),
        "second backup:\n{out}"
    );

    // 7. diff of the last two snapshots and the file's history, from the group.
    tmux.run("cd ../..", &group);
    let out = tmux.run("diff @-1 @latest", &group);
    assert!(
        out.contains("notes.txt"),
        "diff shows the changed file:\n{out}"
    );
    assert!(
        !out.contains("rome.md"),
        "diff shows only what changed:\n{out}"
    );
    let out = tmux.run("history Documents.pxar/notes.txt", &group);
    assert!(
        out.contains("added") && out.contains("changed"),
        "history shows both versions:\n{out}"
    );

    // 8. Ctrl-C during a long get: the shell survives.
    tmux.type_text("get @latest/Documents.pxar/big.bin");
    tmux.wait("the typed get", |s| {
        s.lines().last().is_some_and(|l| l.contains("big.bin"))
    });
    let prompts = tmux.count(&group);
    let cancels = tmux.count("cancelled");
    tmux.press("Enter");
    // The progress bar shows while it runs.
    tmux.wait("get's progress bar", |s| {
        s.lines()
            .last()
            .is_some_and(|l| l.contains("get: ") && l.contains("/s"))
    });
    tmux.press("C-c");
    tmux.wait_more("cancelled", cancels);
    let screen = tmux.wait_more(&group, prompts);
    // The bar went with the command (the terminal's echo of ^C did not push it aside).
    assert!(
        !screen
            .lines()
            .any(|l| l.contains("get: ") && l.contains("ETA")),
        "the progress bar was left on the screen:\n{screen}"
    );
    assert!(
        !home.join("big.bin").exists(),
        "a cancelled get leaves no file"
    );
    let leftovers: Vec<_> = std::fs::read_dir(&home)
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().contains("pbsh-get"))
        .collect();
    assert!(leftovers.is_empty(), "temporary files left: {leftovers:?}");
    let out = tmux.run("ls", &group);
    assert!(out.contains(snapshot), "the next command works:\n{out}");

    // 9. Ctrl-D leaves: the pane's process ends.
    tmux.press("C-d");
    tmux.wait("pbsh to exit", |_| tmux.pane_dead());
}
