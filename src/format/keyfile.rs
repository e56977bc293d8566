//! Key files in PBS's JSON format: the backup key, raw or wrapped with a scrypt/PBKDF2 passphrase.
//!
//! Parsing, wrapping and unwrapping only (SPEC: formats.md §8.1); reading and writing files is
//! `util::atomic`'s job. KDF parameters are capped before any derivation runs.

use crate::format::crypt::{aes_gcm_decrypt, aes_gcm_encrypt_into, CryptConfig, IV_LEN, TAG_LEN};
use crate::format::digest::Fingerprint;
use crate::format::error::{FormatError, Result};
use crate::format::limits;
use base64::Engine;
use chrono::{DateTime, Local, TimeZone};
use openssl::hash::MessageDigest;
use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

/// How a key file's passphrase is stretched.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KdfKind {
    None,
    Scrypt,
    Pbkdf2,
}

impl KdfKind {
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "none" => Some(KdfKind::None),
            "scrypt" => Some(KdfKind::Scrypt),
            "pbkdf2" => Some(KdfKind::Pbkdf2),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            KdfKind::None => "none",
            KdfKind::Scrypt => "scrypt",
            KdfKind::Pbkdf2 => "pbkdf2",
        }
    }
}

/// The `kdf` member of a key file, tagged `Scrypt` / `PBKDF2` as PBS writes it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub enum KeyDerivation {
    Scrypt {
        n: u64,
        r: u64,
        p: u64,
        #[serde(with = "base64_bytes")]
        salt: Vec<u8>,
    },
    #[serde(rename = "PBKDF2")]
    Pbkdf2 {
        iter: u64,
        #[serde(with = "base64_bytes")]
        salt: Vec<u8>,
    },
}

impl KeyDerivation {
    /// Derives the 32-byte wrapping key, after checking the parameters against our limits.
    pub fn derive(&self, passphrase: &[u8]) -> Result<Zeroizing<[u8; 32]>> {
        let mut out = Zeroizing::new([0u8; 32]);
        match self {
            KeyDerivation::Scrypt { n, r, p, salt } => {
                check_salt(salt)?;
                // LIMIT: scrypt needs 128·n·r bytes; refuse parameters past PBS's own memory bound.
                let memory = 128u64.saturating_mul(*n).saturating_mul(*r);
                if *n < 2
                    || !n.is_power_of_two()
                    || *r == 0
                    || *p == 0
                    || *p > limits::MAX_SCRYPT_P
                    || memory > limits::MAX_SCRYPT_MEMORY_BYTES
                {
                    return Err(FormatError::invalid(
                        "key file",
                        format!(
                            "scrypt parameters n={n} r={r} p={p} are outside the accepted bounds"
                        ),
                    ));
                }
                openssl::pkcs5::scrypt(
                    passphrase,
                    salt,
                    *n,
                    *r,
                    *p,
                    limits::MAX_SCRYPT_MEMORY_BYTES.saturating_add(1024 * 1024),
                    &mut out[..],
                )?;
            }
            KeyDerivation::Pbkdf2 { iter, salt } => {
                check_salt(salt)?;
                // LIMIT: an iteration count of 2^40 would run for days.
                if *iter == 0 || *iter > limits::MAX_PBKDF2_ITERATIONS {
                    return Err(FormatError::invalid(
                        "key file",
                        format!("pbkdf2 iteration count {iter} is outside the accepted bounds"),
                    ));
                }
                openssl::pkcs5::pbkdf2_hmac(
                    passphrase,
                    salt,
                    *iter as usize,
                    MessageDigest::sha256(),
                    &mut out[..],
                )?;
            }
        }
        Ok(out)
    }

    pub fn kind(&self) -> KdfKind {
        match self {
            KeyDerivation::Scrypt { .. } => KdfKind::Scrypt,
            KeyDerivation::Pbkdf2 { .. } => KdfKind::Pbkdf2,
        }
    }

    /// PBS's parameters for a new key, with a fresh 32-byte salt.
    pub fn new_default(kind: KdfKind) -> Result<Option<Self>> {
        let mut salt = vec![0u8; 32];
        openssl::rand::rand_bytes(&mut salt)?;
        Ok(match kind {
            KdfKind::None => None,
            KdfKind::Scrypt => Some(KeyDerivation::Scrypt {
                n: 65536,
                r: 8,
                p: 1,
                salt,
            }),
            KdfKind::Pbkdf2 => Some(KeyDerivation::Pbkdf2 { iter: 65535, salt }),
        })
    }
}

fn check_salt(salt: &[u8]) -> Result<()> {
    // LIMIT: PBS writes 32-byte salts.
    if salt.len() > limits::MAX_KDF_SALT_SIZE {
        return Err(FormatError::TooLarge {
            what: "key file salt",
            size: salt.len() as u64,
            limit: limits::MAX_KDF_SALT_SIZE as u64,
        });
    }
    Ok(())
}

/// A key file as stored on disk (field order is PBS's).
///
/// Unknown members are refused: a raw key file's only integrity check is its fingerprint, and a
/// damaged member name must not silently drop that check.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KeyConfig {
    pub kdf: Option<KeyDerivation>,
    #[serde(with = "epoch_as_rfc3339")]
    pub created: i64,
    #[serde(with = "epoch_as_rfc3339")]
    pub modified: i64,
    #[serde(with = "base64_bytes")]
    pub data: Vec<u8>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fingerprint: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hint: Option<String>,
}

impl std::fmt::Debug for KeyConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // `data` is the raw key when kdf is null: never print it (reliability.md P7).
        f.debug_struct("KeyConfig")
            .field("kdf", &self.kdf.as_ref().map(KeyDerivation::kind))
            .field("created", &self.created)
            .field("fingerprint", &self.fingerprint)
            .finish_non_exhaustive()
    }
}

impl KeyConfig {
    /// Parses a key file's bytes.
    pub fn parse(bytes: &[u8]) -> Result<Self> {
        // LIMIT: key files are tiny; refuse anything over MAX_KEY_FILE_SIZE before parsing.
        if bytes.len() > limits::MAX_KEY_FILE_SIZE {
            return Err(FormatError::TooLarge {
                what: "key file",
                size: bytes.len() as u64,
                limit: limits::MAX_KEY_FILE_SIZE as u64,
            });
        }
        let config: KeyConfig = serde_json::from_slice(bytes)
            .map_err(|e| FormatError::invalid("key file", format!("not a PBS key file: {e}")))?;
        if config.data.len() > limits::MAX_KEY_FILE_SIZE {
            return Err(FormatError::invalid("key file", "data member is too long"));
        }
        Ok(config)
    }

    /// A key file holding the raw key (kdf `null`).
    pub fn without_passphrase(key: &[u8; 32], created: i64, modified: i64) -> Result<Self> {
        let fingerprint = CryptConfig::new(*key)?.fingerprint();
        Ok(KeyConfig {
            kdf: None,
            created,
            modified,
            data: key.to_vec(),
            fingerprint: Some(fingerprint.to_full_string()),
            hint: None,
        })
    }

    /// A key file wrapping `key` under `passphrase` with a fresh salt and IV.
    pub fn with_passphrase(
        key: &[u8; 32],
        kind: KdfKind,
        passphrase: &[u8],
        created: i64,
        modified: i64,
    ) -> Result<Self> {
        let mut iv = [0u8; IV_LEN];
        openssl::rand::rand_bytes(&mut iv)?;
        match KeyDerivation::new_default(kind)? {
            None => Self::without_passphrase(key, created, modified),
            Some(kdf) => Self::with_kdf(key, kdf, passphrase, &iv, created, modified),
        }
    }

    /// Wraps `key` with explicit KDF parameters and IV (deterministic; used by tests and vectors).
    pub fn with_kdf(
        key: &[u8; 32],
        kdf: KeyDerivation,
        passphrase: &[u8],
        iv: &[u8; IV_LEN],
        created: i64,
        modified: i64,
    ) -> Result<Self> {
        check_passphrase(passphrase)?;
        let wrapping_key = kdf.derive(passphrase)?;
        let mut ciphertext = Vec::with_capacity(32);
        let tag = aes_gcm_encrypt_into(&wrapping_key, iv, key, &mut ciphertext)?;
        let mut data = Vec::with_capacity(IV_LEN + TAG_LEN + 32);
        data.extend_from_slice(iv);
        data.extend_from_slice(&tag);
        data.extend_from_slice(&ciphertext);
        Ok(KeyConfig {
            kdf: Some(kdf),
            created,
            modified,
            data,
            fingerprint: Some(CryptConfig::new(*key)?.fingerprint().to_full_string()),
            hint: None,
        })
    }

    pub fn kdf_kind(&self) -> KdfKind {
        self.kdf.as_ref().map_or(KdfKind::None, KeyDerivation::kind)
    }

    pub fn needs_passphrase(&self) -> bool {
        self.kdf.is_some()
    }

    /// Unwraps the raw key (the passphrase is ignored for kdf `null`) and checks the fingerprint.
    pub fn decrypt(&self, passphrase: &[u8]) -> Result<Zeroizing<[u8; 32]>> {
        let key: Zeroizing<[u8; 32]> = match &self.kdf {
            None => Zeroizing::new(self.data.as_slice().try_into().map_err(|_| {
                FormatError::invalid(
                    "key file",
                    format!("raw key is {} bytes, expected 32", self.data.len()),
                )
            })?),
            Some(kdf) => {
                check_passphrase(passphrase)?;
                if self.data.len() != IV_LEN + TAG_LEN + 32 {
                    return Err(FormatError::invalid(
                        "key file",
                        format!("wrapped key is {} bytes, expected 64", self.data.len()),
                    ));
                }
                let wrapping_key = kdf.derive(passphrase)?;
                let (iv, rest) = self.data.split_at(IV_LEN);
                let (tag, ciphertext) = rest.split_at(TAG_LEN);
                let plain = Zeroizing::new(
                    aes_gcm_decrypt(&wrapping_key, iv, tag, ciphertext).map_err(|_| {
                        FormatError::WrongPassphrase {
                            hint: self
                                .hint
                                .as_ref()
                                .map(|h| format!(" hint: {h}"))
                                .unwrap_or_default(),
                        }
                    })?,
                );
                Zeroizing::new(plain.as_slice().try_into().map_err(|_| {
                    FormatError::invalid("key file", "decrypted key is not 32 bytes")
                })?)
            }
        };
        if let Some(stored) = &self.fingerprint {
            let computed = CryptConfig::new(*key)?.fingerprint();
            if Fingerprint::parse(stored) != Some(computed) {
                return Err(FormatError::invalid(
                    "key file",
                    format!(
                        "contains fingerprint {stored}, but its key has fingerprint {computed}"
                    ),
                ));
            }
        }
        Ok(key)
    }

    /// Compact JSON, as PBS writes key files.
    pub fn to_json(&self) -> Result<String> {
        serde_json::to_string(self).map_err(|e| FormatError::invalid("key file", e.to_string()))
    }

    /// Pretty JSON (2-space indent), as PBS prints it in a paperkey.
    pub fn to_json_pretty(&self) -> Result<String> {
        serde_json::to_string_pretty(self)
            .map_err(|e| FormatError::invalid("key file", e.to_string()))
    }
}

fn check_passphrase(passphrase: &[u8]) -> Result<()> {
    if passphrase.len() < limits::MIN_PASSPHRASE_LEN {
        return Err(FormatError::invalid(
            "key file",
            format!(
                "passphrase is too short (at least {} characters)",
                limits::MIN_PASSPHRASE_LEN
            ),
        ));
    }
    Ok(())
}

/// Formats an epoch as PBS does in key files: local time with a numeric offset.
pub fn epoch_to_rfc3339_local(epoch: i64) -> String {
    match Local.timestamp_opt(epoch, 0).single() {
        Some(t) => t.format("%Y-%m-%dT%H:%M:%S%:z").to_string(),
        None => epoch.to_string(),
    }
}

/// Parses RFC 3339 (with `Z` or an offset) to an epoch.
pub fn parse_rfc3339(text: &str) -> Option<i64> {
    DateTime::parse_from_rfc3339(text)
        .ok()
        .map(|t| t.timestamp())
}

mod epoch_as_rfc3339 {
    use serde::{de::Error, Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(epoch: &i64, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&super::epoch_to_rfc3339_local(*epoch))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<i64, D::Error> {
        let text = String::deserialize(d)?;
        super::parse_rfc3339(&text).ok_or_else(|| D::Error::custom(format!("bad time {text:?}")))
    }
}

mod base64_bytes {
    use base64::Engine;
    use serde::{de::Error, Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(bytes: &[u8], s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&base64::engine::general_purpose::STANDARD.encode(bytes))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<u8>, D::Error> {
        let text = String::deserialize(d)?;
        super::decode_base64(&text).map_err(D::Error::custom)
    }
}

/// Standard base64, padding optional on read.
pub fn decode_base64(text: &str) -> std::result::Result<Vec<u8>, String> {
    let trimmed = text.trim_end_matches('=');
    base64::engine::general_purpose::STANDARD_NO_PAD
        .decode(trimmed)
        .map_err(|e| format!("bad base64: {e}"))
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
    fn raw_key_file_matches_t7() {
        let kc = KeyConfig::without_passphrase(&key_0_to_31(), 1593179765, 1593179765).unwrap();
        let json = kc.to_json().unwrap();
        assert!(json.starts_with(r#"{"kdf":null,"created":""#), "{json}");
        assert!(json.contains(
            r#""data":"AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=","fingerprint":"0e:ab:d4:46"#
        ));
        let back = KeyConfig::parse(json.as_bytes()).unwrap();
        assert_eq!(*back.decrypt(b"").unwrap(), key_0_to_31());
    }

    #[test]
    fn wrapped_key_data_matches_t7() {
        let cases = [
            (
                KeyDerivation::Scrypt { n: 65536, r: 8, p: 1, salt: vec![0xaa; 32] },
                "EREREREREREREREREREREb9eiSClChcdeioAouwP9oZdVKBVHI6Wc4BYZZmFdUmTRmMSVYmE1mw817WcHJItPA==",
                "50d0ddbb59120e0943ef55fc817890478902a083457f3d7ca8732acdab9f5cb8",
            ),
            (
                KeyDerivation::Pbkdf2 { iter: 65535, salt: vec![0xaa; 32] },
                "ERERERERERERERERERERES7tV2CUcMYpsfO/paEm4HET1H65YHQkqQpGOZ62XEIEePlZq1o2asrVEMgy5PxTiw==",
                "717ded2c026549418a58298bc6e67b5f987ee3ea47a54f6ebeb6ed2a16bbb016",
            ),
        ];
        for (kdf, data, derived) in cases {
            assert_eq!(hex::encode(*kdf.derive(b"password").unwrap()), derived);
            let kc =
                KeyConfig::with_kdf(&key_0_to_31(), kdf, b"password", &[0x11; 16], 0, 0).unwrap();
            assert_eq!(
                base64::engine::general_purpose::STANDARD.encode(&kc.data),
                data
            );
            assert_eq!(*kc.decrypt(b"password").unwrap(), key_0_to_31());
            let err = kc.decrypt(b"passwort").unwrap_err().to_string();
            assert!(err.contains("wrong passphrase"), "{err}");
        }
    }

    #[test]
    fn refuses_hostile_kdf_parameters_before_deriving() {
        let huge_n = KeyDerivation::Scrypt {
            n: 1 << 40,
            r: 8,
            p: 1,
            salt: vec![0; 32],
        };
        assert!(huge_n.derive(b"password").is_err());
        let huge_iter = KeyDerivation::Pbkdf2 {
            iter: 1 << 40,
            salt: vec![0; 32],
        };
        assert!(huge_iter.derive(b"password").is_err());
        let huge_salt = KeyDerivation::Pbkdf2 {
            iter: 10,
            salt: vec![0; 1 << 20],
        };
        assert!(huge_salt.derive(b"password").is_err());
    }

    #[test]
    fn short_passphrase_is_refused() {
        let err = KeyConfig::with_passphrase(&[1; 32], KdfKind::Pbkdf2, b"abc", 0, 0).unwrap_err();
        assert!(err.to_string().contains("too short"));
    }

    #[test]
    fn debug_hides_raw_key() {
        let kc = KeyConfig::without_passphrase(&key_0_to_31(), 0, 0).unwrap();
        assert!(!format!("{kc:?}").contains("AAECAw"));
    }
}
