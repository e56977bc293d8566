//! The transfer engine: chunking, hashing, dedup, compression and encryption on a worker pool,
//! verified chunk reads with a cache, and the backup, restore and maintenance operations built on them.
//!
//! Talks to storage only through `repo::Repository`; never prints (progress is reported as events).

pub mod backup;
pub mod bench;
pub mod error;
pub mod gc;
pub mod pipeline;
pub mod progress;
pub mod prune;
pub mod reader;
pub mod restore;
pub mod reuse;
pub mod verify;
