//! Canonical JSON as PBS signs it: sorted keys, no spaces, serde_json escaping, no `null`.
//!
//! Pure function over `serde_json::Value` (SPEC: formats.md §1.6).

use crate::format::error::{FormatError, Result};
use serde_json::Value;

/// Serializes `value` canonically; `null` anywhere is an error, as upstream.
pub fn to_canonical_bytes(value: &Value) -> Result<Vec<u8>> {
    let mut out = Vec::new();
    write_value(value, &mut out)?;
    Ok(out)
}

fn write_value(value: &Value, out: &mut Vec<u8>) -> Result<()> {
    match value {
        Value::Null => Err(FormatError::invalid(
            "canonical json",
            "null is not allowed",
        )),
        Value::Bool(b) => {
            out.extend_from_slice(if *b { b"true" } else { b"false" });
            Ok(())
        }
        Value::Number(n) => {
            out.extend_from_slice(n.to_string().as_bytes());
            Ok(())
        }
        Value::String(s) => write_string(s, out),
        Value::Array(items) => {
            out.push(b'[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                write_value(item, out)?;
            }
            out.push(b']');
            Ok(())
        }
        Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort_unstable_by(|a, b| a.as_bytes().cmp(b.as_bytes()));
            out.push(b'{');
            for (i, key) in keys.into_iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                write_string(key, out)?;
                out.push(b':');
                if let Some(v) = map.get(key) {
                    write_value(v, out)?;
                }
            }
            out.push(b'}');
            Ok(())
        }
    }
}

fn write_string(s: &str, out: &mut Vec<u8>) -> Result<()> {
    // serde_json's compact writer produces exactly the escaping PBS signs.
    let encoded =
        serde_json::to_vec(s).map_err(|e| FormatError::invalid("canonical json", e.to_string()))?;
    out.extend_from_slice(&encoded);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn sorts_keys_and_drops_spaces() {
        let v = json!({"b": [1, "x/y"], "a": {"d": true, "c": "\u{1}\n"}});
        let s = String::from_utf8(to_canonical_bytes(&v).unwrap()).unwrap();
        assert_eq!(s, r#"{"a":{"c":"\u0001\n","d":true},"b":[1,"x/y"]}"#);
    }

    #[test]
    fn refuses_null() {
        assert!(to_canonical_bytes(&json!({"signature": null})).is_err());
    }
}
