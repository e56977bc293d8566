//! Cancellation: one token type, `CancelToken`, from Ctrl-C down to every long operation.
//!
//! The root token is the one the SIGINT handler sets (`ctrl_c()`); the shell clears it before
//! each command. The engine (`Progress::cancel`), the restore writer, gc and the remote
//! repository's calls (`RemoteRepository::block_on`) all observe a token that follows it, so
//! one Ctrl-C stops whichever of them runs, cleanly (removing their temporary files). A child
//! token (`child`) can also be cancelled on its own, without touching its parent (a test, or an
//! operation stopped for another reason).

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, LazyLock, Once};
use std::time::Duration;

/// The root token's flag: a plain static so the signal handler only does an atomic store.
static REQUESTED: AtomicBool = AtomicBool::new(false);
static INSTALL: Once = Once::new();
static ROOT: LazyLock<CancelToken> = LazyLock::new(|| CancelToken {
    node: Arc::new(Node {
        flag: Flag::CtrlC,
        parent: None,
    }),
});

/// How often an async waiter looks at the flag: the signal handler cannot wake anything.
const POLL: Duration = Duration::from_millis(20);

#[derive(Debug)]
enum Flag {
    CtrlC,
    Own(AtomicBool),
}

#[derive(Debug)]
struct Node {
    flag: Flag,
    parent: Option<CancelToken>,
}

/// A cancellation request shared by everyone who holds a clone; cancelled once it or any
/// token it was made from (`child`) is.
#[derive(Debug, Clone)]
pub struct CancelToken {
    node: Arc<Node>,
}

/// The error an operation stopped by its token fails with (`ErrorKind::Interrupted`, so the
/// shell classes it as interrupted, exit status 130).
pub fn interrupted() -> std::io::Error {
    std::io::Error::new(std::io::ErrorKind::Interrupted, "cancelled")
}

impl Default for CancelToken {
    /// A token that follows Ctrl-C (a child of `ctrl_c()`).
    fn default() -> Self {
        ctrl_c().child()
    }
}

impl CancelToken {
    /// A token of its own, which nothing but `cancel` sets (not even Ctrl-C).
    pub fn detached() -> Self {
        CancelToken {
            node: Arc::new(Node {
                flag: Flag::Own(AtomicBool::new(false)),
                parent: None,
            }),
        }
    }

    /// A token cancelled when this one is, and also by its own `cancel`.
    pub fn child(&self) -> Self {
        CancelToken {
            node: Arc::new(Node {
                flag: Flag::Own(AtomicBool::new(false)),
                parent: Some(self.clone()),
            }),
        }
    }

    pub fn cancel(&self) {
        match &self.node.flag {
            Flag::CtrlC => REQUESTED.store(true, Ordering::SeqCst),
            Flag::Own(f) => f.store(true, Ordering::SeqCst),
        }
    }

    pub fn is_cancelled(&self) -> bool {
        let mut node = &self.node;
        loop {
            let set = match &node.flag {
                Flag::CtrlC => REQUESTED.load(Ordering::SeqCst),
                Flag::Own(f) => f.load(Ordering::SeqCst),
            };
            if set {
                return true;
            }
            match &node.parent {
                Some(p) => node = &p.node,
                None => return false,
            }
        }
    }

    /// `Err(Interrupted)` once cancelled: for loops, between steps.
    pub fn check(&self) -> std::io::Result<()> {
        if self.is_cancelled() {
            Err(interrupted())
        } else {
            Ok(())
        }
    }

    /// Resolves once cancelled (polls: a signal handler can only set a flag).
    pub async fn cancelled(&self) {
        while !self.is_cancelled() {
            tokio::time::sleep(POLL).await;
        }
    }
}

/// The token Ctrl-C sets.
pub fn ctrl_c() -> &'static CancelToken {
    &ROOT
}

extern "C" fn on_sigint(_: libc::c_int) {
    // Only an atomic store: async-signal-safe.
    REQUESTED.store(true, Ordering::SeqCst);
}

/// Routes SIGINT to the root token instead of killing the process (interactive shell only).
pub fn install_handler() {
    INSTALL.call_once(|| {
        // SAFETY: the handler only stores to an atomic; sigaction is given a zeroed, valid struct.
        unsafe {
            let mut action: libc::sigaction = std::mem::zeroed();
            action.sa_sigaction = on_sigint as *const () as usize;
            action.sa_flags = libc::SA_RESTART;
            libc::sigemptyset(&mut action.sa_mask);
            libc::sigaction(libc::SIGINT, &action, std::ptr::null_mut());
        }
    });
}

/// Whether Ctrl-C was pressed since the last `reset` (the root token is cancelled).
pub fn requested() -> bool {
    REQUESTED.load(Ordering::SeqCst)
}

/// Cancels the root token (tests, and a second path such as SIGTERM).
pub fn request() {
    REQUESTED.store(true, Ordering::SeqCst);
}

/// Clears the root token (the shell, before each command).
pub fn reset() {
    REQUESTED.store(false, Ordering::SeqCst);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn children_follow_their_parent_but_not_the_other_way() {
        let parent = CancelToken::detached();
        let child = parent.child();
        let grandchild = child.child();
        assert!(!grandchild.is_cancelled());
        child.cancel();
        assert!(grandchild.is_cancelled() && child.is_cancelled());
        assert!(!parent.is_cancelled());
        let other = parent.child();
        parent.cancel();
        assert!(other.is_cancelled());
        assert_eq!(
            other.check().map_err(|e| e.kind()),
            Err(std::io::ErrorKind::Interrupted)
        );
    }

    #[test]
    fn cancelled_resolves_once_set() {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_time()
            .build()
            .expect("runtime");
        let token = CancelToken::detached();
        let t2 = token.clone();
        std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(50));
            t2.cancel();
        });
        rt.block_on(token.cancelled());
        assert!(token.is_cancelled());
    }
}
