//! Fault injection for crash tests: `failpoint("name")` can kill the process or fail with EIO at
//! the Nth time it is reached, as set in `PBSH_FAILPOINTS=name=kill@N,other=eio@M`; `sleep@MS`
//! slows every pass by MS milliseconds (to make a long operation interruptible in tests);
//! `gate@PATH` holds every pass while the file PATH exists (a test keeps an operation at that
//! point and lets it go by removing the file).
//!
//! Compiled to nothing unless the `failpoints` feature is on; never active in normal builds.

use std::io;

#[cfg(feature = "failpoints")]
mod active {
    use std::collections::HashMap;
    use std::path::{Path, PathBuf};
    use std::sync::atomic::{AtomicU64, Ordering};
    use std::sync::{Mutex, OnceLock};
    use std::time::{Duration, Instant};

    #[derive(Clone, Copy)]
    enum Action {
        Kill,
        Eio,
        Sleep,
        Gate,
    }

    struct Point {
        action: Action,
        at: u64,
        gate: PathBuf,
        hits: AtomicU64,
    }

    /// What a pass through a point does.
    pub enum Hit {
        Kill,
        Eio,
        Sleep(Duration),
        Gate(&'static Path),
    }

    fn table() -> &'static Mutex<HashMap<String, &'static Point>> {
        static TABLE: OnceLock<Mutex<HashMap<String, &'static Point>>> = OnceLock::new();
        TABLE.get_or_init(|| {
            let mut map = HashMap::new();
            if let Ok(spec) = std::env::var("PBSH_FAILPOINTS") {
                for item in spec.split(',').filter(|s| !s.is_empty()) {
                    let Some((name, rule)) = item.split_once('=') else {
                        continue;
                    };
                    let (action, arg) = rule.split_once('@').unwrap_or((rule, "1"));
                    let action = match action {
                        "kill" => Action::Kill,
                        "eio" => Action::Eio,
                        "sleep" => Action::Sleep,
                        "gate" => Action::Gate,
                        _ => continue,
                    };
                    let point: &'static Point = Box::leak(Box::new(Point {
                        action,
                        at: arg.parse().unwrap_or(1),
                        gate: PathBuf::from(arg),
                        hits: AtomicU64::new(0),
                    }));
                    map.insert(name.to_string(), point);
                }
            }
            Mutex::new(map)
        })
    }

    /// Counts a pass through `name` and says what it does.
    pub fn hit(name: &str) -> Option<Hit> {
        let point = *table().lock().ok()?.get(name)?;
        let n = point.hits.fetch_add(1, Ordering::SeqCst) + 1;
        match point.action {
            Action::Sleep => Some(Hit::Sleep(Duration::from_millis(point.at))),
            Action::Gate => Some(Hit::Gate(&point.gate)),
            Action::Kill => (n == point.at).then_some(Hit::Kill),
            Action::Eio => (n == point.at).then_some(Hit::Eio),
        }
    }

    /// Waits out a sleep or a gate, looking at `stop` every 20 ms; true when it stopped early.
    pub fn wait(hit: &Hit, stop: &dyn Fn() -> bool) -> bool {
        let slice = Duration::from_millis(20);
        match hit {
            Hit::Sleep(d) => {
                let end = Instant::now() + *d;
                loop {
                    let now = Instant::now();
                    if now >= end {
                        return false;
                    }
                    if stop() {
                        return true;
                    }
                    std::thread::sleep(slice.min(end - now));
                }
            }
            Hit::Gate(path) => {
                while path.exists() {
                    if stop() {
                        return true;
                    }
                    std::thread::sleep(slice);
                }
                false
            }
            Hit::Kill | Hit::Eio => false,
        }
    }
}

/// Reached at a named point of a commit path; see the module doc.
#[inline]
pub fn failpoint(name: &str) -> io::Result<()> {
    failpoint_unless(name, &|| false)
}

/// Like `failpoint`, but a `sleep` or `gate` pause ends as soon as `stop()` is true (a task
/// asked to stop while a test holds it there).
#[inline]
pub fn failpoint_unless(name: &str, stop: &dyn Fn() -> bool) -> io::Result<()> {
    #[cfg(feature = "failpoints")]
    match active::hit(name) {
        Some(active::Hit::Kill) => {
            // SAFETY: raising SIGKILL on ourselves has no preconditions.
            unsafe {
                libc::kill(libc::getpid(), libc::SIGKILL);
            }
        }
        Some(active::Hit::Eio) => return Err(io::Error::from_raw_os_error(libc::EIO)),
        Some(hit) => {
            active::wait(&hit, stop);
        }
        None => {}
    }
    let _ = (name, stop);
    Ok(())
}
