//! The file-system side of pxar: reading a directory tree into an archive, and the one audited
//! restore writer that puts an archive back onto disk.
//!
//! Only this folder touches the file system for archive contents.

pub mod acl;
pub mod create;
pub mod exclude;
pub mod fs;
pub mod restore;
