//! Request parameters as PBS's REST server collects them: query string, form or JSON body.
//!
//! Every value is checked when it is read (type, range, name rules) and unknown parameters are
//! refused, so a malformed request ends in a 400 with a message. Never touches storage.

use super::{ApiError, ApiResult};
use crate::format::digest::ChunkDigest;
use crate::repo::types::{BackupGroup, BackupType, Namespace, SnapshotRef};
use serde_json::{Map, Value};

/// LIMIT: JSON nesting depth accepted in parameter bodies.
const MAX_JSON_DEPTH: usize = 8;

/// A request's parameters by name.
#[derive(Debug, Default, Clone)]
pub struct Params(pub Map<String, Value>);

fn depth(v: &Value) -> usize {
    match v {
        Value::Array(a) => 1 + a.iter().map(depth).max().unwrap_or(0),
        Value::Object(o) => 1 + o.values().map(depth).max().unwrap_or(0),
        _ => 0,
    }
}

impl Params {
    /// Form-urlencoded pairs; a repeated key becomes an array (PBS's array encoding).
    pub fn from_query(query: &[u8]) -> Self {
        let mut map = Map::new();
        for (k, v) in form_urlencoded::parse(query) {
            if k == "_dc" {
                continue;
            }
            let v = Value::String(v.into_owned());
            match map.get_mut(k.as_ref()) {
                Some(Value::Array(a)) => a.push(v),
                Some(existing) => {
                    let first = existing.take();
                    *existing = Value::Array(vec![first, v]);
                }
                None => {
                    map.insert(k.into_owned(), v);
                }
            }
        }
        Params(map)
    }

    /// A JSON object body (empty = `{}`).
    pub fn from_json(body: &[u8]) -> ApiResult<Self> {
        if body.iter().all(u8::is_ascii_whitespace) {
            return Ok(Params::default());
        }
        let value: Value = serde_json::from_slice(body)
            .map_err(|e| ApiError::bad(format!("unable to parse json body - {e}")))?;
        if depth(&value) > MAX_JSON_DEPTH {
            return Err(ApiError::bad("json body nested too deeply"));
        }
        match value {
            Value::Object(map) => Ok(Params(map)),
            _ => Err(ApiError::bad("parameter body is not a json object")),
        }
    }

    /// A normal call's parameters as the REST server and the backup protocol collect them: a
    /// JSON body, or a form body plus the query string (the body's value wins).
    pub fn from_body(json: bool, query: &[u8], body: &[u8]) -> ApiResult<Self> {
        if json {
            return Params::from_json(body);
        }
        let mut params = Params::from_query(body);
        params.merge(Params::from_query(query));
        Ok(params)
    }

    pub fn merge(&mut self, other: Params) {
        for (k, v) in other.0 {
            self.0.entry(k).or_insert(v);
        }
    }

    pub fn insert(&mut self, key: &str, value: &str) {
        self.0
            .insert(key.to_string(), Value::String(value.to_string()));
    }

    /// Refuses parameters that are not in `allowed` (schema: no additional properties).
    pub fn allow(&self, allowed: &[&str]) -> ApiResult<()> {
        for key in self.0.keys() {
            if !allowed.contains(&key.as_str()) {
                return Err(ApiError::bad(format!(
                    "parameter verification errors\n\n{key}: schema does not allow additional properties."
                )));
            }
        }
        Ok(())
    }

    pub fn opt_str(&self, key: &str) -> ApiResult<Option<&str>> {
        match self.0.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => Ok(Some(s)),
            Some(_) => Err(ApiError::bad(format!(
                "parameter '{key}': expected a string"
            ))),
        }
    }

    pub fn str(&self, key: &str) -> ApiResult<&str> {
        self.opt_str(key)?
            .ok_or_else(|| ApiError::bad(format!("parameter '{key}': is missing")))
    }

    pub fn opt_int(&self, key: &str, min: i64, max: i64) -> ApiResult<Option<i64>> {
        let value = match self.0.get(key) {
            None | Some(Value::Null) => return Ok(None),
            Some(Value::Number(n)) => n.as_i64(),
            Some(Value::String(s)) => s.trim().parse::<i64>().ok(),
            Some(_) => None,
        };
        let value = value
            .ok_or_else(|| ApiError::bad(format!("parameter '{key}': expected an integer")))?;
        if value < min || value > max {
            return Err(ApiError::bad(format!(
                "parameter '{key}': value {value} out of range ({min} - {max})"
            )));
        }
        Ok(Some(value))
    }

    pub fn int(&self, key: &str, min: i64, max: i64) -> ApiResult<i64> {
        self.opt_int(key, min, max)?
            .ok_or_else(|| ApiError::bad(format!("parameter '{key}': is missing")))
    }

    /// Booleans as PBS parses them: `1|on|yes|true` / `0|off|no|false`, or JSON booleans.
    pub fn opt_bool(&self, key: &str) -> ApiResult<Option<bool>> {
        match self.0.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Bool(b)) => Ok(Some(*b)),
            Some(Value::Number(n)) if n.as_i64() == Some(0) || n.as_i64() == Some(1) => {
                Ok(Some(n.as_i64() == Some(1)))
            }
            Some(Value::String(s)) => match s.to_ascii_lowercase().as_str() {
                "1" | "on" | "yes" | "true" => Ok(Some(true)),
                "0" | "off" | "no" | "false" => Ok(Some(false)),
                _ => Err(ApiError::bad(format!(
                    "parameter '{key}': unable to parse boolean"
                ))),
            },
            Some(_) => Err(ApiError::bad(format!(
                "parameter '{key}': expected a boolean"
            ))),
        }
    }

    /// A list parameter: a JSON array, a repeated query key, or a single value.
    pub fn list(&self, key: &str) -> ApiResult<Vec<Value>> {
        match self.0.get(key) {
            None | Some(Value::Null) => Ok(Vec::new()),
            Some(Value::Array(a)) => Ok(a.clone()),
            Some(v) => Ok(vec![v.clone()]),
        }
    }

    pub fn ns(&self, key: &str) -> ApiResult<Namespace> {
        let text = self.opt_str(key)?.unwrap_or("");
        Namespace::parse(text).map_err(|e| ApiError::bad(format!("parameter '{key}': {e}")))
    }

    pub fn group(&self) -> ApiResult<BackupGroup> {
        let ty = BackupType::parse(self.str("backup-type")?)
            .map_err(|e| ApiError::bad(format!("parameter 'backup-type': {e}")))?;
        BackupGroup::new(ty, self.str("backup-id")?)
            .map_err(|e| ApiError::bad(format!("parameter 'backup-id': {e}")))
    }

    pub fn snapshot(&self) -> ApiResult<SnapshotRef> {
        let group = self.group()?;
        let time = self.int("backup-time", 1, i64::from(i32::MAX) * 4)?;
        Ok(SnapshotRef::new(group, time))
    }

    pub fn digest(&self, key: &str) -> ApiResult<ChunkDigest> {
        parse_digest(self.str(key)?).ok_or_else(|| {
            ApiError::bad(format!(
                "parameter '{key}': value does not match the regex pattern"
            ))
        })
    }
}

/// A chunk digest: exactly 64 lowercase hex digits (PBS's schema refuses uppercase).
pub fn parse_digest(text: &str) -> Option<ChunkDigest> {
    if text.len() != 64
        || !text
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
    {
        return None;
    }
    ChunkDigest::parse_hex(text)
}

/// SAFE_ID: `[A-Za-z0-9_][A-Za-z0-9._-]*`.
pub fn is_safe_id(text: &str) -> bool {
    let mut chars = text.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphanumeric() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_arrays_and_bools() {
        let p = Params::from_query(b"a=1&a=2&b=yes&_dc=5&ns=x%2Fy");
        assert_eq!(p.list("a").unwrap().len(), 2);
        assert_eq!(p.opt_bool("b").unwrap(), Some(true));
        assert!(p.0.get("_dc").is_none());
        assert_eq!(p.ns("ns").unwrap().to_string(), "x/y");
        assert!(p.allow(&["a", "b", "ns"]).is_ok());
        assert!(p.allow(&["a"]).is_err());
    }

    #[test]
    fn refuses_deep_json_and_bad_digests() {
        let deep = "[".repeat(20) + &"]".repeat(20);
        assert!(Params::from_json(format!("{{\"a\":{deep}}}").as_bytes()).is_err());
        assert!(parse_digest(&"A".repeat(64)).is_none());
        assert!(parse_digest(&"a".repeat(64)).is_some());
    }
}
