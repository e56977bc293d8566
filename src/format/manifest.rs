//! The snapshot manifest (`index.json.blob`): files list, unprotected section and HMAC signature.
//!
//! Parses and writes the JSON inside the blob (SPEC: formats.md §5); the blob container itself is
//! `format::blob`. No I/O.

use crate::format::canonical_json::to_canonical_bytes;
use crate::format::crypt::CryptConfig;
use crate::format::digest::Fingerprint;
use crate::format::error::{FormatError, Result};
use crate::format::limits;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use std::fmt;

/// File name of the manifest inside a snapshot directory.
pub const MANIFEST_BLOB_NAME: &str = "index.json.blob";

/// How an archive's chunks were protected.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "kebab-case")]
pub enum CryptMode {
    #[default]
    None,
    Encrypt,
    SignOnly,
}

impl CryptMode {
    pub fn as_str(self) -> &'static str {
        match self {
            CryptMode::None => "none",
            CryptMode::Encrypt => "encrypt",
            CryptMode::SignOnly => "sign-only",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "none" => Some(CryptMode::None),
            "encrypt" => Some(CryptMode::Encrypt),
            "sign-only" => Some(CryptMode::SignOnly),
            _ => None,
        }
    }
}

impl fmt::Display for CryptMode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One archive or blob listed in a manifest.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct FileInfo {
    pub filename: String,
    #[serde(default)]
    pub crypt_mode: CryptMode,
    pub size: u64,
    /// SHA-256 as 64 hex digits (index checksum for indexes, raw-file checksum for blobs).
    pub csum: String,
}

/// A backup snapshot's manifest.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Manifest {
    #[serde(rename = "backup-type")]
    pub backup_type: String,
    #[serde(rename = "backup-id")]
    pub backup_id: String,
    #[serde(rename = "backup-time")]
    pub backup_time: i64,
    pub files: Vec<FileInfo>,
    #[serde(default = "empty_object")]
    pub unprotected: Value,
    #[serde(default)]
    pub signature: Option<String>,
}

fn empty_object() -> Value {
    Value::Object(Map::new())
}

impl Manifest {
    pub fn new(backup_type: &str, backup_id: &str, backup_time: i64) -> Self {
        Manifest {
            backup_type: backup_type.to_string(),
            backup_id: backup_id.to_string(),
            backup_time,
            files: Vec::new(),
            unprotected: empty_object(),
            signature: None,
        }
    }

    /// Parses the manifest JSON (the decoded blob payload).
    pub fn parse(json: &[u8]) -> Result<Self> {
        // LIMIT: the blob decoder already capped the payload at MAX_MANIFEST_SIZE.
        if json.len() > limits::MAX_MANIFEST_SIZE {
            return Err(FormatError::TooLarge {
                what: "manifest",
                size: json.len() as u64,
                limit: limits::MAX_MANIFEST_SIZE as u64,
            });
        }
        let manifest: Manifest = serde_json::from_slice(json)
            .map_err(|e| FormatError::invalid("manifest", format!("bad JSON: {e}")))?;
        for file in &manifest.files {
            let known = [".blob", ".fidx", ".didx"]
                .iter()
                .any(|ext| file.filename.ends_with(ext));
            if !known || file.filename.contains('/') {
                return Err(FormatError::invalid(
                    "manifest",
                    format!(
                        "file name {:?} is not an archive or blob name",
                        file.filename
                    ),
                ));
            }
            if file.csum.len() != 64 || !file.csum.bytes().all(|b| b.is_ascii_hexdigit()) {
                return Err(FormatError::invalid(
                    "manifest",
                    format!("{}: checksum is not 64 hex digits", file.filename),
                ));
            }
        }
        if !manifest.unprotected.is_object() {
            return Err(FormatError::invalid(
                "manifest",
                "unprotected section is not an object",
            ));
        }
        Ok(manifest)
    }

    /// The file entry named `filename`.
    pub fn file(&self, filename: &str) -> Option<&FileInfo> {
        self.files.iter().find(|f| f.filename == filename)
    }

    /// The key fingerprint recorded by the writer, if any.
    pub fn key_fingerprint(&self) -> Option<&str> {
        self.unprotected
            .get("key-fingerprint")
            .and_then(Value::as_str)
    }

    /// The bytes the signature covers: the canonical JSON without `unprotected` and `signature`.
    pub fn signed_bytes(&self) -> Result<Vec<u8>> {
        let mut value = serde_json::to_value(self)
            .map_err(|e| FormatError::invalid("manifest", e.to_string()))?;
        if let Value::Object(map) = &mut value {
            map.remove("unprotected");
            map.remove("signature");
        }
        to_canonical_bytes(&value)
    }

    /// Computes the signature with the key's id key.
    pub fn compute_signature(&self, crypt: &CryptConfig) -> Result<String> {
        Ok(hex::encode(crypt.compute_auth_tag(&self.signed_bytes()?)?))
    }

    /// Signs the manifest and records the key fingerprint (writers with a key).
    pub fn sign(&mut self, crypt: &CryptConfig) -> Result<()> {
        self.set_unprotected(
            "key-fingerprint",
            Value::String(crypt.fingerprint().to_full_string()),
        );
        self.signature = Some(self.compute_signature(crypt)?);
        Ok(())
    }

    /// The snapshot's notes (kept in the unprotected section), empty when there are none.
    pub fn notes(&self) -> &str {
        self.unprotected
            .get("notes")
            .and_then(Value::as_str)
            .unwrap_or_default()
    }

    /// Sets one member of the unprotected section.
    pub fn set_unprotected(&mut self, key: &str, value: Value) {
        if !self.unprotected.is_object() {
            self.unprotected = empty_object();
        }
        if let Value::Object(map) = &mut self.unprotected {
            map.insert(key.to_string(), value);
        }
    }

    /// Checks fingerprint and signature against `crypt` the way a PBS reader does.
    ///
    /// With a key: a recorded fingerprint must match ("wrong key"), a signature must verify.
    /// Without a key: a recorded fingerprint means the snapshot needs one ("missing key").
    pub fn verify(&self, crypt: Option<&CryptConfig>) -> Result<()> {
        match (crypt, self.key_fingerprint()) {
            (Some(crypt), recorded) => {
                let ours = crypt.fingerprint();
                if let Some(recorded) = recorded {
                    if Fingerprint::parse(recorded) != Some(ours) {
                        return Err(FormatError::WrongKey {
                            recorded: recorded.to_string(),
                            given: ours.to_string(),
                        });
                    }
                }
                if let Some(signature) = &self.signature {
                    let computed = self.compute_signature(crypt)?;
                    if !computed.eq_ignore_ascii_case(signature) {
                        return Err(FormatError::invalid(
                            "manifest",
                            format!("signature mismatch (stored {signature}, computed {computed})"),
                        ));
                    }
                }
                Ok(())
            }
            (None, Some(recorded)) => Err(FormatError::invalid(
                "manifest",
                format!("missing key: snapshot was written with key {recorded}"),
            )),
            (None, None) => Ok(()),
        }
    }

    /// Serializes as PBS does: pretty JSON, 2-space indent, keys sorted, no trailing newline.
    pub fn to_json_bytes(&self) -> Result<Vec<u8>> {
        // Through `Value` (a BTreeMap without preserve_order) so keys come out sorted.
        // An unsigned manifest carries `"signature": null`, as PBS writes it.
        let value = serde_json::to_value(self)
            .map_err(|e| FormatError::invalid("manifest", e.to_string()))?;
        serde_json::to_vec_pretty(&value)
            .map_err(|e| FormatError::invalid("manifest", e.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signature_matches_upstream_unit_test_t2() {
        let key = hex::decode("28cdb1a3bef39396c3860e00d448fe7a0efd8244486ab6feb30457681d31597e")
            .unwrap();
        let crypt = CryptConfig::new(key.try_into().unwrap()).unwrap();
        let mut m = Manifest::new("host", "elsa", 1593179765);
        m.files.push(FileInfo {
            filename: "test1.img.fidx".into(),
            crypt_mode: CryptMode::Encrypt,
            size: 200,
            csum: "01".repeat(32),
        });
        m.files.push(FileInfo {
            filename: "abc.blob".into(),
            crypt_mode: CryptMode::None,
            size: 200,
            csum: "02".repeat(32),
        });
        let canonical = String::from_utf8(m.signed_bytes().unwrap()).unwrap();
        assert!(canonical.starts_with(r#"{"backup-id":"elsa","backup-time":1593179765,"backup-type":"host","files":[{"crypt-mode":"encrypt","csum":"0101"#));
        m.sign(&crypt).unwrap();
        assert_eq!(
            m.signature.as_deref(),
            Some("d7b446fb7db081662081d4b40fedd858a1d6307a5aff4ecff7d5bf4fd35679e9")
        );
        assert_eq!(
            m.key_fingerprint(),
            Some("12:b9:b7:74:bb:3d:89:95:2b:97:cb:c2:82:f0:0c:14:2b:83:ba:7f:96:62:6a:a1:5a:44:9a:63:e8:91:fe:25")
        );
        m.verify(Some(&crypt)).unwrap();
        let reparsed = Manifest::parse(&m.to_json_bytes().unwrap()).unwrap();
        assert_eq!(reparsed, m);
    }

    #[test]
    fn tampered_manifest_fails_signature_and_wrong_key_is_distinct() {
        let crypt = CryptConfig::new([3u8; 32]).unwrap();
        let other = CryptConfig::new([4u8; 32]).unwrap();
        let mut m = Manifest::new("vm", "100", 1);
        m.sign(&crypt).unwrap();
        let wrong = m.verify(Some(&other)).unwrap_err().to_string();
        assert!(wrong.contains("wrong key"), "{wrong}");
        m.backup_id = "101".into();
        let tampered = m.verify(Some(&crypt)).unwrap_err().to_string();
        assert!(tampered.contains("signature mismatch"), "{tampered}");
        assert!(m
            .verify(None)
            .unwrap_err()
            .to_string()
            .contains("missing key"));
    }

    #[test]
    fn rejects_bad_file_names_and_checksums() {
        let bad = br#"{"backup-type":"host","backup-id":"a","backup-time":1,"files":[{"filename":"../x.didx","size":1,"csum":"00"}]}"#;
        assert!(Manifest::parse(bad).is_err());
    }
}
