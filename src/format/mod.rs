//! PBS's byte formats as pure codecs: blobs, indexes, manifests, keys, the chunkers and their limits.
//!
//! Nothing in this folder opens a file or a socket; every codec works on slices or `Read`/`Write`,
//! so vectors, corruption tests and fuzzers can drive it directly.

#![cfg_attr(not(test), deny(clippy::indexing_slicing))]

pub mod blob;
pub mod canonical_json;
pub mod catalog;
pub mod chunker;
pub mod crypt;
pub mod digest;
pub mod error;
pub mod index;
pub mod keyfile;
pub mod limits;
pub mod manifest;
pub mod master_key;
pub mod paperkey;
pub mod pxar;
pub mod qr;
pub mod zstd_frame;

pub use error::FormatError;
