//! The pure format tests in one binary: the chunker's known answers, the golden vectors (keys,
//! blobs, indexes, catalogs, pxar), pxar round trips, hostile archives, the encoder and scale.
//! One binary instead of eight: the suite links it once.
#![allow(clippy::disallowed_macros)] // tests print freely

mod common;

#[path = "formats/catalog_vectors.rs"]
mod catalog_vectors;
#[path = "formats/chunker_kat.rs"]
mod chunker_kat;
#[path = "formats/pxar_bigdir.rs"]
mod pxar_bigdir;
#[path = "formats/pxar_encoder.rs"]
mod pxar_encoder;
#[path = "formats/pxar_hostile.rs"]
mod pxar_hostile;
#[path = "formats/pxar_roundtrip.rs"]
mod pxar_roundtrip;
#[path = "formats/pxar_scale.rs"]
mod pxar_scale;
#[path = "formats/pxar_vectors.rs"]
mod pxar_vectors;
#[path = "formats/vectors.rs"]
mod vectors;
