//! The progress bar of long commands (bytes, rate, ETA, files) and their one summary line, on a
//! terminal only; drawn by `indicatif` from the engine's counters.
//!
//! Off a terminal (`enabled` false: stderr is a pipe or a file) nothing is drawn and no summary
//! is printed, so scripts and pipes see only results. Ctrl-C reaches the engine's worker
//! threads through `Progress::cancel`, a token that follows `util::cancel::ctrl_c()`.

use crate::engine::progress::Progress;
use crate::shell::commands::common::human_size;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle, TermLike};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

/// How long a command runs before its bar appears (commands that end at once draw nothing).
const SHOW_AFTER: Duration = Duration::from_millis(300);
/// How often the counters are polled (and Ctrl-C carried).
const POLL: Duration = Duration::from_millis(50);
/// Redraws per second at most.
const REDRAW_HZ: u8 = 8;

struct Shared {
    done: AtomicBool,
    /// What the count of `Progress::files` is called ("files", "chunks", "index files").
    unit: OnceLock<&'static str>,
}

impl Shared {
    fn unit(&self) -> &'static str {
        self.unit.get().copied().unwrap_or("files")
    }
}

/// A running progress display over a set of counters (draws nothing when disabled).
pub struct ProgressLine {
    progress: Arc<Progress>,
    shared: Arc<Shared>,
    thread: Option<std::thread::JoinHandle<()>>,
    enabled: bool,
    label: String,
    started: Instant,
}

impl ProgressLine {
    /// A display over counters of its own (`add_bytes`, `add_file`, `set_total`); drawn on
    /// stderr when `enabled` (stderr is a terminal).
    pub fn start(enabled: bool, label: &str) -> Self {
        Self::start_with(enabled, label, Arc::new(Progress::default()), false)
    }

    /// A display over the engine's counters (whose token Ctrl-C cancels).
    pub fn for_engine(enabled: bool, label: &str, engine: Arc<Progress>) -> Self {
        Self::start_with(enabled, label, engine, true)
    }

    fn start_with(enabled: bool, label: &str, progress: Arc<Progress>, carry: bool) -> Self {
        let shared = Arc::new(Shared {
            done: AtomicBool::new(false),
            unit: OnceLock::new(),
        });
        let thread = if enabled || carry {
            let (progress, shared, label) = (progress.clone(), shared.clone(), label.to_string());
            std::thread::Builder::new()
                .name("pbsh-progress".into())
                .spawn(move || draw(enabled, &label, &progress, &shared))
                .ok()
        } else {
            None
        };
        ProgressLine {
            progress,
            shared,
            thread,
            enabled,
            label: label.to_string(),
            started: Instant::now(),
        }
    }

    /// Names what `add_file` (or the engine's `files` counter) counts; "files" by default.
    pub fn counting(self, unit: &'static str) -> Self {
        let _ = self.shared.unit.set(unit);
        self
    }

    /// The counters this display shows, to hand to the engine.
    pub fn counters(&self) -> Arc<Progress> {
        self.progress.clone()
    }

    pub fn add_bytes(&self, n: u64) {
        Progress::add(&self.progress.bytes, n);
    }

    pub fn add_file(&self) {
        self.progress.files.fetch_add(1, Ordering::Relaxed);
    }

    /// The expected total of bytes, for the percentage and ETA.
    pub fn set_total(&self, bytes: u64) {
        self.progress.total.store(bytes, Ordering::Relaxed);
    }

    /// Clears the bar and, on a terminal, prints the one summary line: what was done, how
    /// long it took and how fast (`backup: 12.3 MiB in 1,234 files, 2.1 s, 5.8 MiB/s`).
    pub fn finish(self) {
        self.end(true);
    }

    /// Clears the bar without a summary (the command failed or was cancelled).
    pub fn abandon(self) {
        self.end(false);
    }

    /// `finish` when `ok`, otherwise `abandon`.
    pub fn end(mut self, ok: bool) {
        self.stop();
        if ok && self.enabled {
            crate::errln!("{}", self.summary());
        }
    }

    fn summary(&self) -> String {
        let bytes = Progress::get(&self.progress.bytes);
        let files = self.progress.files.load(Ordering::Relaxed);
        let secs = self.started.elapsed().as_secs_f64();
        let mut line = format!("{}: {}", self.label, human_size(bytes));
        if files > 0 {
            let unit = match (files, self.shared.unit()) {
                (1, "files") => "file",
                (1, "chunks") => "chunk",
                (1, "index files") => "index file",
                (_, unit) => unit,
            };
            line.push_str(&format!(" in {} {unit}", thousands(files)));
        }
        line.push_str(&format!(
            ", {secs:.1} s, {}/s",
            human_size((bytes as f64 / secs.max(1e-3)) as u64)
        ));
        line
    }

    fn stop(&mut self) {
        self.shared.done.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

impl Drop for ProgressLine {
    fn drop(&mut self) {
        self.stop();
    }
}

/// The polling thread: (when enabled) feeds the counters to the bar.
fn draw(enabled: bool, label: &str, progress: &Progress, shared: &Shared) {
    let started = Instant::now();
    let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::hidden())
        .with_prefix(label.to_string())
        .with_style(style(false));
    let mut shown = false;
    let mut with_total = false;
    while !shared.done.load(Ordering::Relaxed) {
        std::thread::sleep(POLL);
        if !enabled {
            continue;
        }
        let total = Progress::get(&progress.total);
        if total > 0 && !with_total {
            bar.set_style(style(true));
            with_total = true;
        }
        if with_total {
            bar.set_length(total);
        }
        bar.set_position(Progress::get(&progress.bytes));
        let files = progress.files.load(Ordering::Relaxed);
        // Nothing about files until one is done (a single-file `get` counts it at the end).
        bar.set_message(if files > 0 {
            format!(", {} {}", thousands(files), shared.unit())
        } else {
            String::new()
        });
        if !shown && started.elapsed() >= SHOW_AFTER {
            bar.set_draw_target(ProgressDrawTarget::term_like_with_hz(
                Box::new(NarrowStderr(console::Term::stderr())),
                REDRAW_HZ,
            ));
            shown = true;
        }
    }
    if shown {
        bar.finish_and_clear();
    }
}

/// The bar's look: with a known total a bar, percentage and ETA; without one a spinner.
fn style(with_total: bool) -> ProgressStyle {
    let template = if with_total {
        "{prefix}: {binary_bytes} of {binary_total_bytes} {bar:20} {percent}%, \
         {binary_bytes_per_sec}{msg}, ETA {eta}"
    } else {
        "{spinner} {prefix}: {binary_bytes}, {binary_bytes_per_sec}{msg}, {elapsed}"
    };
    ProgressStyle::with_template(template)
        .unwrap_or_else(|_| ProgressStyle::default_bar())
        .progress_chars("=> ")
}

/// Standard error, two columns narrower than it is: indicatif pads its line to the full width
/// and leaves the cursor at the end, where the terminal's echo of `^C` (two columns) would
/// wrap to a new line, and clearing the bar would then clear that line and leave the bar
/// standing. With two columns spare the echo stays on the bar's line and goes with it.
#[derive(Debug)]
struct NarrowStderr(console::Term);

impl TermLike for NarrowStderr {
    fn width(&self) -> u16 {
        self.0.size().1.saturating_sub(2).max(1)
    }

    fn height(&self) -> u16 {
        self.0.size().0
    }

    fn move_cursor_up(&self, n: usize) -> std::io::Result<()> {
        self.0.move_cursor_up(n)
    }

    fn move_cursor_down(&self, n: usize) -> std::io::Result<()> {
        self.0.move_cursor_down(n)
    }

    fn move_cursor_right(&self, n: usize) -> std::io::Result<()> {
        self.0.move_cursor_right(n)
    }

    fn move_cursor_left(&self, n: usize) -> std::io::Result<()> {
        self.0.move_cursor_left(n)
    }

    fn write_line(&self, s: &str) -> std::io::Result<()> {
        self.0.write_line(s)
    }

    fn write_str(&self, s: &str) -> std::io::Result<()> {
        self.0.write_str(s)
    }

    fn clear_line(&self) -> std::io::Result<()> {
        self.0.clear_line()
    }

    fn flush(&self) -> std::io::Result<()> {
        self.0.flush()
    }
}

/// `1234567` as `1,234,567`.
fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thousands_are_grouped() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1234), "1,234");
        assert_eq!(thousands(1234567), "1,234,567");
    }

    #[test]
    fn the_summary_names_bytes_files_time_and_rate() {
        let line = ProgressLine::start(false, "backup");
        line.add_bytes(3 << 20);
        for _ in 0..1234 {
            line.add_file();
        }
        let summary = line.summary();
        assert!(
            summary.starts_with("backup: 3.0 MiB in 1,234 files, "),
            "{summary}"
        );
        assert!(summary.ends_with("/s"), "{summary}");
        let one = ProgressLine::start(false, "verify").counting("chunks");
        one.add_file();
        assert!(one.summary().contains(" in 1 chunk,"), "{}", one.summary());
    }
}
