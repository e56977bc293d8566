//! CryptConfig: AES-256-GCM with PBS's 16-byte IV, the derived id key, keyed digests and signatures.
//!
//! Holds key material in memory only, zeroed on drop and never shown by `Debug`; no I/O.

use crate::format::digest::{ChunkDigest, Fingerprint};
use crate::format::error::{FormatError, Result};
use openssl::hash::MessageDigest;
use openssl::pkey::PKey;
use openssl::sign::Signer;
use openssl::symm::{Cipher, Crypter, Mode};
use std::fmt;
use zeroize::Zeroizing;

/// Length of the IV PBS uses with AES-256-GCM (not the usual 12; SPEC: formats.md §1.3).
pub const IV_LEN: usize = 16;
/// Length of the GCM authentication tag.
pub const TAG_LEN: usize = 16;

/// `sha256("Proxmox Backup Encryption Key Fingerprint")`, the input whose keyed digest is a key's fingerprint.
const FINGERPRINT_INPUT: [u8; 32] = [
    0x6e, 0xd0, 0xef, 0x77, 0x47, 0x1f, 0xff, 0x4d, 0x55, 0xc7, 0xa8, 0xfe, 0x4a, 0x9d, 0xb6, 0x21,
    0x61, 0x40, 0x7f, 0x13, 0x4c, 0x72, 0x5d, 0xdf, 0x30, 0x99, 0x2d, 0x25, 0xec, 0x45, 0xed, 0x26,
];

/// The encryption configuration derived from one 32-byte backup key.
pub struct CryptConfig {
    enc_key: Zeroizing<[u8; 32]>,
    id_key: Zeroizing<[u8; 32]>,
}

impl fmt::Debug for CryptConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Never print key material (reliability.md P7); the fingerprint identifies the key.
        write!(f, "CryptConfig({})", self.fingerprint().to_short_string())
    }
}

impl CryptConfig {
    /// Derives the configuration from the raw key (`id_key = PBKDF2-HMAC-SHA256(key, "_id_key", 10)`).
    pub fn new(key: [u8; 32]) -> Result<Self> {
        let key = Zeroizing::new(key);
        let mut id_key = Zeroizing::new([0u8; 32]);
        openssl::pkcs5::pbkdf2_hmac(
            &key[..],
            b"_id_key",
            10,
            MessageDigest::sha256(),
            &mut id_key[..],
        )?;
        Ok(CryptConfig {
            enc_key: key,
            id_key,
        })
    }

    /// Keyed chunk digest: `sha256(data || id_key)` (not an HMAC; SPEC: formats.md §1.4).
    pub fn compute_digest(&self, data: &[u8]) -> ChunkDigest {
        let mut hasher = openssl::sha::Sha256::new();
        hasher.update(data);
        hasher.update(&self.id_key[..]);
        ChunkDigest(hasher.finish())
    }

    /// The key's fingerprint.
    pub fn fingerprint(&self) -> Fingerprint {
        Fingerprint(self.compute_digest(&FINGERPRINT_INPUT).0)
    }

    /// `HMAC-SHA256(id_key, data)`, used to sign manifests.
    pub fn compute_auth_tag(&self, data: &[u8]) -> Result<[u8; 32]> {
        let pkey = PKey::hmac(&self.id_key[..])?;
        let mut signer = Signer::new(MessageDigest::sha256(), &pkey)?;
        signer.update(data)?;
        let tag = signer.sign_to_vec()?;
        tag.try_into().map_err(|_| {
            FormatError::Crypto("HMAC-SHA256 returned a tag that is not 32 bytes".into())
        })
    }

    /// Encrypts `plaintext` with the given IV, appending the ciphertext to `out`; returns the tag.
    pub fn encrypt_into(
        &self,
        iv: &[u8; IV_LEN],
        plaintext: &[u8],
        out: &mut Vec<u8>,
    ) -> Result<[u8; TAG_LEN]> {
        aes_gcm_encrypt_into(&self.enc_key, iv, plaintext, out)
    }

    /// Decrypts and authenticates; a bad tag is reported as "wrong key or corrupt data".
    pub fn decrypt(&self, iv: &[u8], tag: &[u8], ciphertext: &[u8]) -> Result<Vec<u8>> {
        aes_gcm_decrypt(&self.enc_key, iv, tag, ciphertext)
    }

    /// The raw key (for writing key files and the master-key copy); handle with care.
    pub fn raw_key(&self) -> &[u8; 32] {
        &self.enc_key
    }
}

/// AES-256-GCM encryption with a 16-byte IV and empty AAD; ciphertext appended to `out`.
#[allow(clippy::indexing_slicing)] // `out` is resized to hold the ciphertext first
pub fn aes_gcm_encrypt_into(
    key: &[u8; 32],
    iv: &[u8; IV_LEN],
    plaintext: &[u8],
    out: &mut Vec<u8>,
) -> Result<[u8; TAG_LEN]> {
    let cipher = Cipher::aes_256_gcm();
    // With an IV that is not 12 bytes, OpenSSL sets the IV length first and derives J0 with
    // GHASH, which is what PBS relies on.
    let mut crypter = Crypter::new(cipher, Mode::Encrypt, key, Some(iv))?;
    let start = out.len();
    out.resize(start + plaintext.len() + cipher.block_size(), 0);
    let written = crypter.update(plaintext, &mut out[start..])?;
    let fin = crypter.finalize(&mut out[start + written..])?;
    out.truncate(start + written + fin);
    let mut tag = [0u8; TAG_LEN];
    crypter.get_tag(&mut tag)?;
    Ok(tag)
}

/// AES-256-GCM decryption with tag check; any failure is `WrongKeyOrCorrupt`.
#[allow(clippy::indexing_slicing)] // `out` is allocated to hold the plaintext first
pub fn aes_gcm_decrypt(
    key: &[u8; 32],
    iv: &[u8],
    tag: &[u8],
    ciphertext: &[u8],
) -> Result<Vec<u8>> {
    if iv.len() != IV_LEN || tag.len() != TAG_LEN {
        return Err(FormatError::invalid(
            "aes-gcm",
            "IV and tag must be 16 bytes each",
        ));
    }
    let cipher = Cipher::aes_256_gcm();
    let mut crypter = Crypter::new(cipher, Mode::Decrypt, key, Some(iv))?;
    let mut out = vec![0u8; ciphertext.len() + cipher.block_size()];
    let written = crypter
        .update(ciphertext, &mut out)
        .map_err(|_| FormatError::WrongKeyOrCorrupt)?;
    crypter.set_tag(tag)?;
    let fin = crypter
        .finalize(&mut out[written..])
        .map_err(|_| FormatError::WrongKeyOrCorrupt)?;
    out.truncate(written + fin);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key_0_to_31() -> [u8; 32] {
        let mut k = [0u8; 32];
        for (i, b) in k.iter_mut().enumerate() {
            *b = i as u8;
        }
        k
    }

    #[test]
    fn fingerprint_matches_known_answer_t1() {
        let c = CryptConfig::new(key_0_to_31()).unwrap();
        assert_eq!(
            hex::encode(&c.id_key[..]),
            "7c2c013efd07f3b25717a485263343cd4d292a4b65c200bb3b18ea227abe225c"
        );
        assert_eq!(
            c.fingerprint().to_full_string(),
            "0e:ab:d4:46:0b:6e:b9:ca:34:50:23:de:e2:b7:78:c7:90:e5:4a:16:83:b9:65:9c:0a:57:ae:19:90:90:15:9b"
        );
        assert_eq!(c.fingerprint().to_short_string(), "0e:ab:d4:46:0b:6e:b9:ca");
        assert_eq!(
            crate::format::digest::sha256(b"Proxmox Backup Encryption Key Fingerprint"),
            FINGERPRINT_INPUT
        );
    }

    #[test]
    fn keyed_digest_matches_known_answer_t3() {
        let c = CryptConfig::new(key_0_to_31()).unwrap();
        assert_eq!(
            c.compute_digest(b"hello world\n").to_hex(),
            "b5228c8b6e258d7e8600315b7d767c3df431a68a19248f80b1c33c38c5d587a3"
        );
    }

    #[test]
    fn gcm_with_16_byte_iv_matches_known_answer_t6() {
        let c = CryptConfig::new(key_0_to_31()).unwrap();
        let mut iv = [0u8; 16];
        for (i, b) in iv.iter_mut().enumerate() {
            *b = i as u8;
        }
        let mut out = Vec::new();
        let tag = c.encrypt_into(&iv, b"hello world\n", &mut out).unwrap();
        assert_eq!(hex::encode(&out), "0f09cc1a56c43d47ef93bf23");
        assert_eq!(hex::encode(tag), "fdf254d842e6a0321aa6261db903b3ed");
        assert_eq!(c.decrypt(&iv, &tag, &out).unwrap(), b"hello world\n");
    }

    #[test]
    fn decrypt_with_wrong_key_says_wrong_key() {
        let c = CryptConfig::new(key_0_to_31()).unwrap();
        let other = CryptConfig::new([7u8; 32]).unwrap();
        let iv = [1u8; 16];
        let mut out = Vec::new();
        let tag = c.encrypt_into(&iv, b"secret data", &mut out).unwrap();
        let err = other.decrypt(&iv, &tag, &out).unwrap_err();
        assert!(
            err.to_string().contains("wrong key or corrupt data"),
            "{err}"
        );
    }

    #[test]
    fn debug_output_never_shows_key_bytes() {
        let c = CryptConfig::new(key_0_to_31()).unwrap();
        let shown = format!("{c:?}");
        assert_eq!(shown, "CryptConfig(0e:ab:d4:46:0b:6e:b9:ca)");
    }
}
