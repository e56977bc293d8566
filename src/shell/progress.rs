//! The progress line of long commands: bytes, rate, ETA and files, redrawn on a terminal only.
//!
//! Off a terminal it prints nothing, so scripts and pipes see only results. The drawing thread
//! also carries Ctrl-C into the engine's own cancel flag.

use crate::engine::progress::Progress;
use crate::shell::commands::common::human_size;
use std::io::Write;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

#[derive(Default)]
struct Counters {
    bytes: AtomicU64,
    total: AtomicU64,
    files: AtomicU64,
    done: AtomicBool,
}

/// A running progress display (a no-op when disabled).
pub struct ProgressLine {
    counters: Arc<Counters>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl ProgressLine {
    /// Starts drawing on stderr when `enabled` (stderr is a terminal).
    pub fn start(enabled: bool, label: &str) -> Self {
        Self::start_with(enabled, label, None)
    }

    /// Draws the engine's counters (and forwards Ctrl-C to its cancel flag).
    pub fn for_engine(enabled: bool, label: &str, engine: Arc<Progress>) -> Self {
        Self::start_with(enabled, label, Some(engine))
    }

    fn start_with(enabled: bool, label: &str, engine: Option<Arc<Progress>>) -> Self {
        let counters = Arc::new(Counters::default());
        if !enabled && engine.is_none() {
            return ProgressLine {
                counters,
                thread: None,
            };
        }
        let c = counters.clone();
        let label = label.to_string();
        let thread = std::thread::Builder::new()
            .name("pbsh-progress".into())
            .spawn(move || {
                let start = Instant::now();
                let mut drawn = false;
                let mut tick = 0u32;
                while !c.done.load(Ordering::Relaxed) {
                    std::thread::sleep(Duration::from_millis(50));
                    if let Some(engine) = &engine {
                        if crate::util::cancel::requested() {
                            engine.cancelled.store(true, Ordering::Relaxed);
                        }
                        c.bytes
                            .store(Progress::get(&engine.bytes), Ordering::Relaxed);
                    }
                    tick += 1;
                    // Redraw at most 5 times a second, and not for commands that end at once.
                    if !enabled || tick % 4 != 0 || start.elapsed() < Duration::from_millis(500) {
                        continue;
                    }
                    let line = render(&label, &c, start.elapsed());
                    let mut err = std::io::stderr().lock();
                    let _ = write!(err, "\r\x1b[2K{line}");
                    let _ = err.flush();
                    drawn = true;
                }
                if drawn {
                    let mut err = std::io::stderr().lock();
                    let _ = write!(err, "\r\x1b[2K");
                    let _ = err.flush();
                }
            })
            .ok();
        ProgressLine { counters, thread }
    }

    pub fn add_bytes(&self, n: u64) {
        self.counters.bytes.fetch_add(n, Ordering::Relaxed);
    }

    pub fn add_file(&self) {
        self.counters.files.fetch_add(1, Ordering::Relaxed);
    }

    /// The expected total, for the percentage and ETA.
    pub fn set_total(&self, bytes: u64) {
        self.counters.total.store(bytes, Ordering::Relaxed);
    }

    /// Stops and clears the line.
    pub fn finish(mut self) {
        self.stop();
    }

    fn stop(&mut self) {
        self.counters.done.store(true, Ordering::Relaxed);
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

fn render(label: &str, c: &Counters, elapsed: Duration) -> String {
    let bytes = c.bytes.load(Ordering::Relaxed);
    let total = c.total.load(Ordering::Relaxed);
    let files = c.files.load(Ordering::Relaxed);
    let secs = elapsed.as_secs_f64().max(0.001);
    let rate = bytes as f64 / secs;
    let mut line = format!("{label}: {}", human_size(bytes));
    if total > 0 {
        let pct = (bytes as f64 * 100.0 / total as f64).min(100.0);
        line.push_str(&format!(" of {} ({pct:.0}%)", human_size(total)));
    }
    line.push_str(&format!(", {}/s", human_size(rate as u64)));
    if files > 0 {
        line.push_str(&format!(", {files} files"));
    }
    if total > bytes && rate > 1.0 {
        let eta = ((total - bytes) as f64 / rate) as u64;
        line.push_str(&format!(", ETA {}:{:02}", eta / 60, eta % 60));
    }
    line.push_str(&format!(", {:.0}s", elapsed.as_secs_f64()));
    line
}
