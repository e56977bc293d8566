//! Fault injection for crash tests: `failpoint("name")` can kill the process or fail with EIO at
//! the Nth time it is reached, as set in `PBSH_FAILPOINTS=name=kill@N,other=eio@M`; `sleep@MS`
//! slows every pass by MS milliseconds (to make a long operation interruptible in tests).
//!
//! Compiled to nothing unless the `failpoints` feature is on; never active in normal builds.

use std::io;

#[cfg(feature = "failpoints")]
mod active {
    use std::collections::HashMap;
    use std::sync::atomic::{AtomicU64, Ordering};
    use std::sync::{Mutex, OnceLock};

    #[derive(Clone, Copy)]
    pub enum Action {
        Kill,
        Eio,
        Sleep,
    }

    pub struct Point {
        action: Action,
        at: u64,
        hits: AtomicU64,
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
                    let (action, at) = rule.split_once('@').unwrap_or((rule, "1"));
                    let action = match action {
                        "kill" => Action::Kill,
                        "eio" => Action::Eio,
                        "sleep" => Action::Sleep,
                        _ => continue,
                    };
                    let at = at.parse().unwrap_or(1);
                    let point: &'static Point = Box::leak(Box::new(Point {
                        action,
                        at,
                        hits: AtomicU64::new(0),
                    }));
                    map.insert(name.to_string(), point);
                }
            }
            Mutex::new(map)
        })
    }

    pub fn check(name: &str) -> Option<Action> {
        let point = *table().lock().ok()?.get(name)?;
        let n = point.hits.fetch_add(1, Ordering::SeqCst) + 1;
        if let Action::Sleep = point.action {
            std::thread::sleep(std::time::Duration::from_millis(point.at));
            return None;
        }
        (n == point.at).then_some(point.action)
    }
}

/// Reached at a named point of a commit path; see the module doc.
#[inline]
pub fn failpoint(name: &str) -> io::Result<()> {
    #[cfg(feature = "failpoints")]
    match active::check(name) {
        Some(active::Action::Kill) => {
            // SAFETY: raising SIGKILL on ourselves has no preconditions.
            unsafe {
                libc::kill(libc::getpid(), libc::SIGKILL);
            }
        }
        Some(active::Action::Eio) => return Err(io::Error::from_raw_os_error(libc::EIO)),
        Some(active::Action::Sleep) => {}
        None => {}
    }
    let _ = name;
    Ok(())
}
