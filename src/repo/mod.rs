//! Where snapshots live: the local datastore directory (remote servers and lone archives later).

pub mod local;
