//! pxar, PBS's archive format: item types, entries and metadata, the sequential decoder and encoder.
//!
//! Pure codec over `Read`/`Write` (SPEC: formats.md §10); never touches the file system, never
//! buffers a whole archive; every length is checked against `format::limits` before it is allocated.

pub mod accessor;
pub mod decoder;
pub mod encoder;

use siphasher::sip::SipHasher24;
use std::hash::Hasher;

/// SipHash-2-4 keys: the halves of `sha1("PROXMOX ARCHIVE FORMAT")`.
pub const HASH_KEY_1: u64 = 0x83ac_3f1c_fbb4_50db;
pub const HASH_KEY_2: u64 = 0xaa4f_1b68_7936_9fbd;

pub const PXAR_FORMAT_VERSION: u64 = 0x730f_6c75_df16_a40d;
pub const PXAR_ENTRY: u64 = 0xd595_6474_e588_acef;
pub const PXAR_ENTRY_V1: u64 = 0x11da_850a_1c1c_ceff;
pub const PXAR_PRELUDE: u64 = 0xe309_d79d_9f7b_771b;
pub const PXAR_FILENAME: u64 = 0x1670_1121_0639_17b3;
pub const PXAR_SYMLINK: u64 = 0x27f9_71e7_dbf5_dc5f;
pub const PXAR_DEVICE: u64 = 0x9fc9_e906_586d_5ce9;
pub const PXAR_XATTR: u64 = 0x0dab_0229_b57d_cd03;
pub const PXAR_ACL_USER: u64 = 0x2ce8_540a_457d_55b8;
pub const PXAR_ACL_GROUP: u64 = 0x136e_3ece_b04c_03ab;
pub const PXAR_ACL_GROUP_OBJ: u64 = 0x1086_8031_e958_2876;
pub const PXAR_ACL_DEFAULT: u64 = 0xbbbb_1341_5a68_96f5;
pub const PXAR_ACL_DEFAULT_USER: u64 = 0xc893_57b4_0532_cd1f;
pub const PXAR_ACL_DEFAULT_GROUP: u64 = 0xf90a_8a58_1603_8ffe;
pub const PXAR_FCAPS: u64 = 0x2da9_dd9d_b5f7_fb67;
pub const PXAR_QUOTA_PROJID: u64 = 0xe075_40e8_2f7d_1cbb;
pub const PXAR_HARDLINK: u64 = 0x5126_9c84_22bd_7275;
pub const PXAR_PAYLOAD: u64 = 0x2814_7a1b_0b7c_1a25;
pub const PXAR_PAYLOAD_REF: u64 = 0x419d_3d6b_c4ba_977e;
pub const PXAR_GOODBYE: u64 = 0x2fec_4fa6_42d5_731d;
pub const PXAR_GOODBYE_TAIL_MARKER: u64 = 0xef5e_ed5b_753e_1555;
pub const PXAR_PAYLOAD_START_MARKER: u64 = 0x834c_68c2_194a_4ed2;
pub const PXAR_PAYLOAD_TAIL_MARKER: u64 = 0x6c72_b78b_984c_81b5;

/// Size of every item header (type + full size).
pub const HEADER_LEN: u64 = 16;

/// File-type bits of `mode`.
pub const S_IFMT: u64 = 0o170000;
pub const S_IFSOCK: u64 = 0o140000;
pub const S_IFLNK: u64 = 0o120000;
pub const S_IFREG: u64 = 0o100000;
pub const S_IFBLK: u64 = 0o060000;
pub const S_IFDIR: u64 = 0o040000;
pub const S_IFCHR: u64 = 0o020000;
pub const S_IFIFO: u64 = 0o010000;

/// The hash goodbye tables are keyed by: SipHash-2-4 of the name bytes.
pub fn hash_filename(name: &[u8]) -> u64 {
    let mut hasher = SipHasher24::new_with_keys(HASH_KEY_1, HASH_KEY_2);
    hasher.write(name);
    hasher.finish()
}

/// POSIX ACL entries stored for one entry.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Acl {
    /// `(uid, permissions)`
    pub users: Vec<(u64, u64)>,
    /// `(gid, permissions)`
    pub groups: Vec<(u64, u64)>,
    pub group_obj: Option<u64>,
    /// `[user_obj, group_obj, other, mask]` of the default ACL.
    pub default: Option<[u64; 4]>,
    pub default_users: Vec<(u64, u64)>,
    pub default_groups: Vec<(u64, u64)>,
}

impl Acl {
    pub fn is_empty(&self) -> bool {
        *self == Acl::default()
    }
}

/// The stat part and attributes of an entry.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Metadata {
    /// `st_mode`, including the file-type bits.
    pub mode: u64,
    pub flags: u64,
    pub uid: u32,
    pub gid: u32,
    pub mtime_secs: i64,
    pub mtime_nanos: u32,
    pub xattrs: Vec<(Vec<u8>, Vec<u8>)>,
    pub acl: Acl,
    pub fcaps: Option<Vec<u8>>,
    pub quota_project_id: Option<u64>,
}

impl Metadata {
    pub fn file_type(&self) -> u64 {
        self.mode & S_IFMT
    }

    pub fn is_dir(&self) -> bool {
        self.file_type() == S_IFDIR
    }

    /// Permission bits (including setuid, setgid, sticky).
    pub fn permissions(&self) -> u64 {
        self.mode & 0o7777
    }
}

/// What an entry is, with what its kind carries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EntryKind {
    Directory,
    /// A regular file; `payload_offset` is where its bytes start (in the archive for unified
    /// archives, in the payload stream for split ones).
    File {
        size: u64,
        payload_offset: u64,
        split: bool,
    },
    Symlink {
        target: Vec<u8>,
    },
    /// A hard link to an earlier file, by path relative to the root.
    Hardlink {
        target: Vec<u8>,
    },
    Device {
        major: u64,
        minor: u64,
    },
    Fifo,
    Socket,
}

/// One archive member as the sequential decoder reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// Path from the archive root, `/`-separated, starting with `/` (the root is `/`).
    pub path: Vec<u8>,
    pub kind: EntryKind,
    /// Empty for hard links (they carry no metadata of their own).
    pub metadata: Metadata,
}

impl Entry {
    /// The path as text, with non-UTF-8 bytes replaced (for listings and messages).
    pub fn path_lossy(&self) -> String {
        String::from_utf8_lossy(&self.path).into_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filename_hashes_match_t11() {
        assert_eq!(hash_filename(b"a.txt"), 0xdc39_2d66_b611_aa72);
        assert_eq!(hash_filename(b"d"), 0x25b6_1d6c_bc2f_47c3);
        assert_eq!(hash_filename(b"l"), 0x5372_0446_c917_2559);
        assert_eq!(hash_filename(b""), 0x7661_4015_f8d1_bb6c);
        assert_eq!(hash_filename(b"etc"), 0xd0c2_29ed_bd41_1e9a);
        assert_eq!(hash_filename(b".pxarexclude-cli"), 0x0469_75ce_672e_09eb);
    }

    #[test]
    fn type_constants_are_siphashes_of_their_names() {
        for (name, value) in [
            ("__PROXMOX_FORMAT_VERSION__", PXAR_FORMAT_VERSION),
            ("__PROXMOX_FORMAT_ENTRY_V2__", PXAR_ENTRY),
            ("__PROXMOX_FORMAT_ENTRY__", PXAR_ENTRY_V1),
            ("__PROXMOX_FORMAT_PRELUDE__", PXAR_PRELUDE),
            ("__PROXMOX_FORMAT_FILENAME__", PXAR_FILENAME),
            ("__PROXMOX_FORMAT_SYMLINK__", PXAR_SYMLINK),
            ("__PROXMOX_FORMAT_DEVICE__", PXAR_DEVICE),
            ("__PROXMOX_FORMAT_XATTR__", PXAR_XATTR),
            ("__PROXMOX_FORMAT_ACL_USER__", PXAR_ACL_USER),
            ("__PROXMOX_FORMAT_ACL_GROUP__", PXAR_ACL_GROUP),
            ("__PROXMOX_FORMAT_ACL_GROUP_OBJ__", PXAR_ACL_GROUP_OBJ),
            ("__PROXMOX_FORMAT_ACL_DEFAULT__", PXAR_ACL_DEFAULT),
            ("__PROXMOX_FORMAT_ACL_DEFAULT_USER__", PXAR_ACL_DEFAULT_USER),
            (
                "__PROXMOX_FORMAT_ACL_DEFAULT_GROUP__",
                PXAR_ACL_DEFAULT_GROUP,
            ),
            ("__PROXMOX_FORMAT_FCAPS__", PXAR_FCAPS),
            ("__PROXMOX_FORMAT_QUOTA_PROJID__", PXAR_QUOTA_PROJID),
            ("__PROXMOX_FORMAT_HARDLINK__", PXAR_HARDLINK),
            ("__PROXMOX_FORMAT_PXAR_PAYLOAD__", PXAR_PAYLOAD),
            ("__PROXMOX_FORMAT_PXAR_PAYLOAD_REF__", PXAR_PAYLOAD_REF),
            ("__PROXMOX_FORMAT_GOODBYE__", PXAR_GOODBYE),
            (
                "__PROXMOX_FORMAT_PXAR_GOODBYE_TAIL_MARKER__",
                PXAR_GOODBYE_TAIL_MARKER,
            ),
            (
                "__PROXMOX_FORMAT_PXAR_PAYLOAD_START_MARKER__",
                PXAR_PAYLOAD_START_MARKER,
            ),
            (
                "__PROXMOX_FORMAT_PXAR_PAYLOAD_TAIL_MARKER__",
                PXAR_PAYLOAD_TAIL_MARKER,
            ),
        ] {
            assert_eq!(hash_filename(name.as_bytes()), value, "{name}");
        }
    }
}
