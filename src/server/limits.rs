//! What one client may hold of `pbsh serve`: connections (in all and per peer address),
//! backup/reader sessions per user, and how long a request body or a session's start may take.
//!
//! The bounds are read once from the environment (test knobs), so a test can shorten them; the
//! connection cap never exceeds what the process's descriptor limit can serve. Never does I/O
//! beyond reading the environment and `getrlimit`.

use super::{ApiError, ApiResult};
use http::StatusCode;
use std::collections::HashMap;
use std::future::Future;
use std::net::IpAddr;
use std::pin::Pin;
use std::sync::{Arc, Mutex, OnceLock};
use std::task::{Context, Poll};
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

/// LIMIT: open backup + reader sessions at once, over all users.
pub const MAX_SESSIONS: usize = 64;
/// LIMIT: open sessions of one user (its API tokens included), so one user cannot hold every
/// slot. Knob: `PBSH_MAX_SESSIONS_PER_USER`.
pub const MAX_SESSIONS_PER_USER: usize = 16;
/// LIMIT: time from the upgrade to the first HTTP/2 frame of a session. Knob:
/// `PBSH_SESSION_START_TIMEOUT_SECS`.
pub const SESSION_START_TIMEOUT: Duration = Duration::from_secs(30);
/// LIMIT: a request body may pause this long between pieces, and this long is its grace before
/// the minimum rate applies. Knob: `PBSH_BODY_TIMEOUT_SECS`.
pub const BODY_TIMEOUT: Duration = Duration::from_secs(30);
/// LIMIT: after the grace, a body must have arrived at this average rate (bytes per second), so
/// a trickle cannot hold a connection for long; a 16 MiB chunk may take 4.5 hours.
pub const BODY_MIN_RATE: u64 = 1024;
/// LIMIT: open connections (upgraded sessions included). Knob: `PBSH_MAX_CONNECTIONS`; either
/// way at most the descriptor limit less `RESERVED_FDS`.
pub const MAX_CONNECTIONS: usize = 1024;
/// Descriptors kept free for datastore files, locks, task logs and the runtime.
pub const RESERVED_FDS: u64 = 64;
/// Bytes of a session's start that must arrive in time: the HTTP/2 preface (24 bytes) and the
/// header of the first frame (9 bytes).
const SESSION_START_BYTES: usize = 24 + 9;

/// The bounds in force.
#[derive(Debug, Clone)]
pub struct Limits {
    pub max_sessions_per_user: usize,
    pub session_start_timeout: Duration,
    pub body_timeout: Duration,
    pub max_connections: usize,
    /// A quarter of the connections: one peer address cannot take them all.
    pub max_connections_per_peer: usize,
}

impl Limits {
    fn from_env() -> Self {
        use crate::util::knobs::positive;
        let secs = |var, default: Duration| {
            Duration::from_secs(positive(var, default.as_secs() as i64, 86_400) as u64)
        };
        let max_connections = usize::try_from(positive(
            "PBSH_MAX_CONNECTIONS",
            MAX_CONNECTIONS as i64,
            1 << 20,
        ))
        .unwrap_or(MAX_CONNECTIONS)
        .min(descriptor_budget());
        Limits {
            max_sessions_per_user: usize::try_from(positive(
                "PBSH_MAX_SESSIONS_PER_USER",
                MAX_SESSIONS_PER_USER as i64,
                MAX_SESSIONS as i64,
            ))
            .unwrap_or(MAX_SESSIONS_PER_USER),
            session_start_timeout: secs("PBSH_SESSION_START_TIMEOUT_SECS", SESSION_START_TIMEOUT),
            body_timeout: secs("PBSH_BODY_TIMEOUT_SECS", BODY_TIMEOUT),
            max_connections,
            max_connections_per_peer: (max_connections / 4).max(1),
        }
    }
}

/// The limits of this process, read from the environment on first use.
pub fn current() -> &'static Limits {
    static LIMITS: OnceLock<Limits> = OnceLock::new();
    LIMITS.get_or_init(Limits::from_env)
}

/// How many connections the descriptor limit (`RLIMIT_NOFILE`) leaves room for.
fn descriptor_budget() -> usize {
    // SAFETY: a zeroed rlimit is a valid out-parameter.
    let mut rl: libc::rlimit = unsafe { std::mem::zeroed() };
    // SAFETY: valid resource and out-pointer.
    if unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut rl) } != 0
        || rl.rlim_cur == libc::RLIM_INFINITY
    {
        return MAX_CONNECTIONS;
    }
    let budget = rl.rlim_cur.saturating_sub(RESERVED_FDS).max(8);
    usize::try_from(budget).unwrap_or(MAX_CONNECTIONS)
}

/// Counts held per key (user or peer address) below a cap; a slot frees its count on drop.
#[derive(Debug)]
struct Quota<K: std::hash::Hash + Eq + Clone> {
    held: Mutex<HashMap<K, usize>>,
}

impl<K: std::hash::Hash + Eq + Clone> Quota<K> {
    fn new() -> Self {
        Quota {
            held: Mutex::new(HashMap::new()),
        }
    }

    /// Takes one of `key`'s `max` slots; false when all are held.
    fn take(&self, key: &K, max: usize) -> bool {
        let mut held = self.held.lock().unwrap_or_else(|e| e.into_inner());
        let n = held.entry(key.clone()).or_insert(0);
        if *n >= max {
            return false;
        }
        *n += 1;
        true
    }

    fn give_back(&self, key: &K) {
        let mut held = self.held.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(n) = held.get_mut(key) {
            *n = n.saturating_sub(1);
            if *n == 0 {
                held.remove(key);
            }
        }
    }
}

/// Backup and reader session slots: `MAX_SESSIONS` in all, `max_sessions_per_user` per user.
#[derive(Debug)]
pub struct SessionSlots {
    total: Arc<tokio::sync::Semaphore>,
    per_user: Quota<String>,
    max_per_user: usize,
}

/// One session's slot, given back when the session ends.
#[derive(Debug)]
pub struct SessionSlot {
    slots: Arc<SessionSlots>,
    user: String,
    _permit: tokio::sync::OwnedSemaphorePermit,
}

impl Drop for SessionSlot {
    fn drop(&mut self) {
        self.slots.per_user.give_back(&self.user);
    }
}

impl SessionSlots {
    pub fn new(limits: &Limits) -> Arc<Self> {
        Arc::new(SessionSlots {
            total: Arc::new(tokio::sync::Semaphore::new(MAX_SESSIONS)),
            per_user: Quota::new(),
            max_per_user: limits.max_sessions_per_user,
        })
    }

    /// A slot for a session of `user` (a token counts as its user), or 503 with the reason.
    pub fn take(self: &Arc<Self>, user: &str) -> ApiResult<SessionSlot> {
        let busy = |why: String| ApiError::new(StatusCode::SERVICE_UNAVAILABLE, why);
        if !self.per_user.take(&user.to_string(), self.max_per_user) {
            return Err(busy(format!(
                "too many open sessions for {user} (at most {})",
                self.max_per_user
            )));
        }
        match self.total.clone().try_acquire_owned() {
            Ok(permit) => Ok(SessionSlot {
                slots: self.clone(),
                user: user.to_string(),
                _permit: permit,
            }),
            Err(_) => {
                self.per_user.give_back(&user.to_string());
                Err(busy("too many open sessions".to_string()))
            }
        }
    }
}

/// Connection slots: `max_connections` in all, `max_connections_per_peer` per peer address.
#[derive(Debug)]
pub struct ConnectionSlots {
    total: Arc<tokio::sync::Semaphore>,
    per_peer: Quota<IpAddr>,
    max_per_peer: usize,
}

/// One connection's slot. It is shared (`Arc`) with the session an upgrade starts, and given
/// back when both are gone.
#[derive(Debug)]
pub struct ConnectionSlot {
    slots: Arc<ConnectionSlots>,
    peer: IpAddr,
    _permit: tokio::sync::OwnedSemaphorePermit,
}

impl Drop for ConnectionSlot {
    fn drop(&mut self) {
        self.slots.per_peer.give_back(&self.peer);
    }
}

impl ConnectionSlots {
    pub fn new(limits: &Limits) -> Arc<Self> {
        Arc::new(ConnectionSlots {
            total: Arc::new(tokio::sync::Semaphore::new(limits.max_connections)),
            per_peer: Quota::new(),
            max_per_peer: limits.max_connections_per_peer,
        })
    }

    /// A slot for a connection from `peer`, or `None` when it or everyone is at the cap.
    pub fn take(self: &Arc<Self>, peer: IpAddr) -> Option<Arc<ConnectionSlot>> {
        if !self.per_peer.take(&peer, self.max_per_peer) {
            return None;
        }
        match self.total.clone().try_acquire_owned() {
            Ok(permit) => Some(Arc::new(ConnectionSlot {
                slots: self.clone(),
                peer,
                _permit: permit,
            })),
            Err(_) => {
                self.per_peer.give_back(&peer);
                None
            }
        }
    }
}

/// An upgraded connection whose first `SESSION_START_BYTES` must arrive before a deadline
/// (the HTTP/2 preface and first frame header); reading fails with `TimedOut` otherwise. Later
/// reads have no deadline (an idle session is watched by HTTP/2 keep-alive pings).
pub struct StartDeadline<T> {
    inner: T,
    deadline: Option<Pin<Box<tokio::time::Sleep>>>,
    remaining: usize,
}

impl<T> StartDeadline<T> {
    pub fn new(inner: T, timeout: Duration) -> Self {
        StartDeadline {
            inner,
            deadline: Some(Box::pin(tokio::time::sleep(timeout))),
            remaining: SESSION_START_BYTES,
        }
    }
}

impl<T: AsyncRead + Unpin> AsyncRead for StartDeadline<T> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        let this = self.get_mut();
        let before = buf.filled().len();
        match Pin::new(&mut this.inner).poll_read(cx, buf) {
            Poll::Ready(Ok(())) => {
                let got = buf.filled().len().saturating_sub(before);
                this.remaining = this.remaining.saturating_sub(got);
                if this.remaining == 0 || got == 0 {
                    this.deadline = None;
                }
                Poll::Ready(Ok(()))
            }
            Poll::Ready(Err(e)) => Poll::Ready(Err(e)),
            Poll::Pending => {
                let expired = this
                    .deadline
                    .as_mut()
                    .is_some_and(|d| d.as_mut().poll(cx).is_ready());
                if expired {
                    Poll::Ready(Err(std::io::Error::new(
                        std::io::ErrorKind::TimedOut,
                        "session did not start (no HTTP/2 preface in time)",
                    )))
                } else {
                    Poll::Pending
                }
            }
        }
    }
}

impl<T: AsyncWrite + Unpin> AsyncWrite for StartDeadline<T> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        Pin::new(&mut self.get_mut().inner).poll_write(cx, buf)
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_shutdown(cx)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[std::io::IoSlice<'_>],
    ) -> Poll<std::io::Result<usize>> {
        Pin::new(&mut self.get_mut().inner).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }
}

/// When the next piece of a body must arrive: within `timeout` of the last one, and, after a
/// grace of `timeout`, fast enough to keep an average of `BODY_MIN_RATE` since `start`.
pub fn body_deadline(
    start: tokio::time::Instant,
    last: tokio::time::Instant,
    received: u64,
    timeout: Duration,
) -> tokio::time::Instant {
    let paid_for = Duration::from_millis(received.saturating_mul(1000) / BODY_MIN_RATE);
    (last + timeout).min(start + timeout + paid_for)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limits(per_user: usize, connections: usize) -> Limits {
        Limits {
            max_sessions_per_user: per_user,
            session_start_timeout: SESSION_START_TIMEOUT,
            body_timeout: BODY_TIMEOUT,
            max_connections: connections,
            max_connections_per_peer: (connections / 4).max(1),
        }
    }

    #[test]
    fn a_user_holds_at_most_its_quota_of_sessions() {
        let slots = SessionSlots::new(&limits(2, 100));
        let a1 = slots.take("a@pbs").unwrap();
        let _a2 = slots.take("a@pbs").unwrap();
        let err = slots.take("a@pbs").unwrap_err();
        assert_eq!(err.status, StatusCode::SERVICE_UNAVAILABLE);
        assert!(err.message.contains("a@pbs"), "{}", err.message);
        let _b = slots.take("b@pbs").unwrap();
        drop(a1);
        let _a3 = slots.take("a@pbs").unwrap();
    }

    #[test]
    fn a_peer_holds_at_most_a_quarter_of_the_connections() {
        let slots = ConnectionSlots::new(&limits(1, 8));
        let a: IpAddr = [127, 0, 0, 2].into();
        let b: IpAddr = [127, 0, 0, 1].into();
        let held: Vec<_> = (0..2).map(|_| slots.take(a).unwrap()).collect();
        assert!(slots.take(a).is_none());
        let others: Vec<_> = (0..2).map(|_| slots.take(b).unwrap()).collect();
        drop(held);
        assert!(slots.take(a).is_some());
        drop(others);
    }

    #[test]
    fn body_deadline_needs_a_minimum_rate_after_the_grace() {
        let start = tokio::time::Instant::now();
        let t = Duration::from_secs(30);
        // Idle: 30 s after the last piece.
        assert_eq!(body_deadline(start, start, 0, t), start + t);
        // A trickle keeps "last" fresh but pays for only a little time.
        let later = start + Duration::from_secs(29);
        assert_eq!(
            body_deadline(start, later, 10, t),
            start + t + Duration::from_millis(9)
        );
        // At the minimum rate the deadline keeps moving.
        let fast = start + Duration::from_secs(100);
        assert!(body_deadline(start, fast, 100 * BODY_MIN_RATE, t) > fast);
    }
}
