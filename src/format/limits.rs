//! Every size bound pbsh enforces on untrusted bytes, in one place.
//!
//! Decoders check a length against these before allocating; nothing here does I/O.
//! A `// LIMIT:` comment beside each use points back to this file.

/// Largest plaintext of one chunk (PBS's dynamic maximum at 4 MiB average; SPEC: formats.md §2.5).
pub const MAX_CHUNK_SIZE: usize = 16 * 1024 * 1024;

/// Largest plaintext of a blob file accepted on write or produced on decode (SPEC: formats.md §2.3).
pub const MAX_BLOB_SIZE: usize = 128 * 1024 * 1024;

/// Largest encoded blob or chunk file we read into memory: the largest payload plus header,
/// plus zstd's worst-case expansion of an incompressible 128 MiB payload (well under 1 MiB).
pub const MAX_ENCODED_BLOB_SIZE: usize = MAX_BLOB_SIZE + 1024 * 1024;

/// Largest manifest (index.json.blob) plaintext. Real manifests are a few KiB.
pub const MAX_MANIFEST_SIZE: usize = 16 * 1024 * 1024;

/// Largest number of entries in one index file: 2^24 entries is 64 TiB at 4 MiB chunks.
pub const MAX_INDEX_ENTRIES: usize = 1 << 24;

/// Largest key file we parse (real ones are under 1 KiB).
pub const MAX_KEY_FILE_SIZE: usize = 64 * 1024;

/// Largest KDF salt in a key file (PBS writes 32 bytes).
pub const MAX_KDF_SALT_SIZE: usize = 1024;

/// Largest scrypt memory use `128 * n * r` we agree to run (PBS's own bound is about 1025 MiB).
pub const MAX_SCRYPT_MEMORY_BYTES: u64 = 1025 * 1024 * 1024;

/// Largest scrypt parallelism `p` (PBS writes 1).
pub const MAX_SCRYPT_P: u64 = 16;

/// Largest PBKDF2 iteration count (PBS writes 65535).
pub const MAX_PBKDF2_ITERATIONS: u64 = 10_000_000;

/// Shortest passphrase PBS accepts for a key file.
pub const MIN_PASSPHRASE_LEN: usize = 5;

/// Fixed chunk size for image archives (the server insists on it; SPEC: formats.md §4.2).
pub const FIXED_CHUNK_SIZE: usize = 4 * 1024 * 1024;

/// Longest file name or symlink target in a pxar archive (bytes, without the NUL).
pub const MAX_PXAR_NAME_LEN: usize = 4096;

/// Largest pxar XATTR / FCAPS item content: a 255-byte name, NUL, and a 64 KiB value.
pub const MAX_PXAR_XATTR_SIZE: usize = 255 + 1 + 65536;

/// Largest pxar PRELUDE we read (upstream writes a small JSON object).
pub const MAX_PXAR_PRELUDE_SIZE: usize = 1024 * 1024;

/// Longest path the pxar decoder builds from nested names.
pub const MAX_PXAR_PATH_LEN: usize = 64 * 1024;

/// Deepest directory nesting the pxar decoder follows.
pub const MAX_PXAR_DEPTH: usize = 2048;

/// Most ACL entries of one kind on one pxar entry.
pub const MAX_PXAR_ACL_ENTRIES: usize = 65536;

/// Most entries of one directory the pxar accessor lists and the decoder reads (a goodbye table
/// of 2^22 items is 96 MiB; the decoder keeps 32 bytes per entry to check it).
pub const MAX_PXAR_DIR_ENTRIES: u64 = 1 << 22;

/// Longest name in a catalog entry (PBS's catalog reader refuses 4096 bytes and more).
pub const MAX_CATALOG_NAME_LEN: usize = 4095;

/// Deepest directory nesting below the catalog root: one archive level plus pxar's own limit.
pub const MAX_CATALOG_DEPTH: usize = MAX_PXAR_DEPTH + 1;

/// Longest path a catalog walk builds: a pxar path with the archive name in front.
pub const MAX_CATALOG_PATH_LEN: usize = MAX_PXAR_PATH_LEN + MAX_CATALOG_NAME_LEN + 1;

/// LIMIT: a catalog the shell loads into memory for `find` and `diff` (PBS's catalogs of a few
/// million entries stay well below this).
pub const MAX_CATALOG_SIZE: u64 = 1 << 30;
