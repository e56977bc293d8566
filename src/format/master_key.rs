//! RSA master keys: create the pair, encrypt a backup key for `rsa-encrypted.key.blob`, recover it.
//!
//! Works on PEM and blob bytes in memory (SPEC: formats.md §8.3); never touches files.

use crate::format::error::{FormatError, Result};
use crate::format::keyfile::KeyConfig;
use openssl::pkey::PKey;
use openssl::rsa::{Padding, Rsa};
use openssl::symm::Cipher;

/// Key length PBS uses for master keys.
pub const MASTER_KEY_BITS: u32 = 4096;

/// A freshly generated master key pair as PEM text.
pub struct MasterKeyPair {
    /// SubjectPublicKeyInfo PEM ("BEGIN PUBLIC KEY").
    pub public_pem: Vec<u8>,
    /// PKCS#8 PEM encrypted with AES-256-CBC under the password ("BEGIN ENCRYPTED PRIVATE KEY").
    pub private_pem: Vec<u8>,
}

/// Generates an RSA key pair and encrypts the private half with `password`.
pub fn generate(bits: u32, password: &[u8]) -> Result<MasterKeyPair> {
    let rsa = Rsa::generate(bits)?;
    let pkey = PKey::from_rsa(rsa)?;
    Ok(MasterKeyPair {
        public_pem: pkey.public_key_to_pem()?,
        private_pem: pkey.private_key_to_pem_pkcs8_passphrase(Cipher::aes_256_cbc(), password)?,
    })
}

/// What `key show-master-pubkey` prints about a public key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublicKeyInfo {
    /// Upper-case hex, as OpenSSL's BN_bn2hex prints it.
    pub modulus_hex: String,
    pub exponent_dec: String,
    pub bits: u32,
}

/// Reads a "BEGIN PUBLIC KEY" PEM.
pub fn public_key_info(public_pem: &[u8]) -> Result<PublicKeyInfo> {
    let rsa = Rsa::public_key_from_pem(public_pem).map_err(|e| {
        FormatError::invalid(
            "master public key",
            format!("not an RSA public key PEM: {e}"),
        )
    })?;
    Ok(PublicKeyInfo {
        modulus_hex: rsa.n().to_hex_str()?.to_string(),
        exponent_dec: rsa.e().to_dec_str()?.to_string(),
        bits: rsa.size() * 8,
    })
}

/// Encrypts the raw-key form of `key` (kdf null) with RSA PKCS#1 v1.5 for the master key holder.
pub fn encrypt_key_config(public_pem: &[u8], key: &KeyConfig) -> Result<Vec<u8>> {
    let rsa = Rsa::public_key_from_pem(public_pem).map_err(|e| {
        FormatError::invalid(
            "master public key",
            format!("not an RSA public key PEM: {e}"),
        )
    })?;
    let json = key.to_json()?;
    let mut out = vec![0u8; rsa.size() as usize];
    let len = rsa
        .public_encrypt(json.as_bytes(), &mut out, Padding::PKCS1)
        .map_err(|e| {
            FormatError::invalid("master public key", format!("RSA encryption failed: {e}"))
        })?;
    out.truncate(len);
    Ok(out)
}

/// Recovers the key file from RSA ciphertext with the password-protected private key.
pub fn decrypt_key_config(
    private_pem: &[u8],
    password: &[u8],
    ciphertext: &[u8],
) -> Result<KeyConfig> {
    let pkey = PKey::private_key_from_pem_passphrase(private_pem, password).map_err(|_| {
        FormatError::invalid(
            "master private key",
            "cannot read the PEM (wrong password?)",
        )
    })?;
    let rsa = pkey
        .rsa()
        .map_err(|e| FormatError::invalid("master private key", format!("not an RSA key: {e}")))?;
    let mut plain = zeroize::Zeroizing::new(vec![0u8; rsa.size() as usize]);
    let len = rsa
        .private_decrypt(ciphertext, &mut plain, Padding::PKCS1)
        .map_err(|_| {
            FormatError::invalid("encrypted key", "RSA decryption failed (wrong master key?)")
        })?;
    KeyConfig::parse(plain.get(..len).unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_through_a_small_master_key() {
        // 3072 bits keeps the test fast and still fits the ~250-byte key JSON.
        let pair = generate(3072, b"master-pass").unwrap();
        assert!(String::from_utf8_lossy(&pair.private_pem)
            .starts_with("-----BEGIN ENCRYPTED PRIVATE KEY-----"));
        let info = public_key_info(&pair.public_pem).unwrap();
        assert_eq!(info.bits, 3072);
        assert_eq!(info.exponent_dec, "65537");
        let key = KeyConfig::without_passphrase(&[5u8; 32], 100, 200).unwrap();
        let sealed = encrypt_key_config(&pair.public_pem, &key).unwrap();
        assert_eq!(sealed.len(), 384);
        let opened = decrypt_key_config(&pair.private_pem, b"master-pass", &sealed).unwrap();
        assert_eq!(opened, key);
        assert!(decrypt_key_config(&pair.private_pem, b"wrong-pass", &sealed).is_err());
    }
}
