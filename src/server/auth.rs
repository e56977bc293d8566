//! Users, API tokens, tickets and CSRF tokens of `pbsh serve`, shaped like PBS's (protocol.md §2).
//!
//! Passwords and token secrets are stored only as salted PBKDF2-SHA256 hashes in `users.json`
//! (mode 0600); tickets are `PBS:<userid>:<HEXTIME>::<base64 Ed25519 signature>` and live 2 h.
//! Never logs or returns a secret except the token secret printed once at creation.

use super::{ApiError, ApiResult};
use crate::util::atomic;
use base64::engine::general_purpose::STANDARD_NO_PAD;
use base64::Engine;
use openssl::hash::MessageDigest;
use openssl::pkey::{PKey, Private, Public};
use openssl::sign::{Signer, Verifier};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// PBS's ticket lifetime and the allowed clock skew into the future.
pub const TICKET_LIFETIME: i64 = 7200;
const TICKET_SKEW: i64 = 300;
const PASSWORD_ITERATIONS: usize = 100_000;
/// Token secrets are 122 random bits: a short key stretch is enough.
const TOKEN_ITERATIONS: usize = 1_000;
const USERS_FILE: &str = "users.json";
const AUTH_KEY_FILE: &str = "authkey.key";
const CSRF_KEY_FILE: &str = "csrf.key";

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
struct UsersFile {
    #[serde(default)]
    users: BTreeMap<String, UserEntry>,
    #[serde(default)]
    tokens: BTreeMap<String, TokenEntry>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct UserEntry {
    password: String,
    #[serde(default)]
    admin: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct TokenEntry {
    secret: String,
}

/// Who is calling.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    /// `user@realm` or `user@realm!token`.
    pub authid: String,
    /// `user@realm`.
    pub userid: String,
    pub admin: bool,
    /// Authenticated by ticket cookie (then non-GET requests need the CSRF token).
    pub by_ticket: bool,
}

impl Principal {
    pub fn is_token(&self) -> bool {
        self.authid != self.userid
    }

    /// PBS's `check_backup_owner`: the owner itself, or a user over its own tokens' groups.
    pub fn owns(&self, owner: &str) -> bool {
        if owner == self.authid {
            return true;
        }
        !self.is_token()
            && owner
                .split_once('!')
                .is_some_and(|(user, _)| user == self.userid)
    }

    /// May see and change a group owned by `owner` (admins see everything).
    pub fn may_access(&self, owner: Option<&str>) -> bool {
        self.admin || owner.is_some_and(|o| self.owns(o))
    }
}

/// Checks `user@realm`: name without whitespace, `:`, `/` or control characters, realm SAFE_ID.
pub fn check_userid(text: &str) -> Result<(), String> {
    let (name, realm) = text
        .rsplit_once('@')
        .ok_or_else(|| format!("invalid user id {text:?}: must be NAME@REALM"))?;
    let bad_name = name.is_empty()
        || name
            .chars()
            .any(|c| c.is_whitespace() || c.is_control() || c == ':' || c == '/' || c == '!');
    if bad_name || !super::params::is_safe_id(realm) || realm.len() < 3 || text.len() > 64 {
        return Err(format!("invalid user id {text:?}"));
    }
    Ok(())
}

/// Checks `user@realm!name`.
pub fn check_tokenid(text: &str) -> Result<(), String> {
    let (user, name) = text
        .split_once('!')
        .ok_or_else(|| format!("invalid token id {text:?}: must be USER@REALM!NAME"))?;
    check_userid(user)?;
    if !super::params::is_safe_id(name) || text.len() > 64 {
        return Err(format!("invalid token name in {text:?}"));
    }
    Ok(())
}

fn hash_secret(secret: &str, iterations: usize) -> Result<String, String> {
    let mut salt = [0u8; 16];
    openssl::rand::rand_bytes(&mut salt).map_err(|e| format!("random salt: {e}"))?;
    let mut out = [0u8; 32];
    openssl::pkcs5::pbkdf2_hmac(
        secret.as_bytes(),
        &salt,
        iterations,
        MessageDigest::sha256(),
        &mut out,
    )
    .map_err(|e| format!("pbkdf2: {e}"))?;
    Ok(format!(
        "$pbkdf2-sha256${iterations}${}${}",
        STANDARD_NO_PAD.encode(salt),
        STANDARD_NO_PAD.encode(out)
    ))
}

fn verify_secret(secret: &str, stored: &str) -> bool {
    let parts: Vec<&str> = stored.split('$').collect();
    let [_, "pbkdf2-sha256", iter, salt, hash] = parts.as_slice() else {
        return false;
    };
    let (Ok(iter), Ok(salt), Ok(hash)) = (
        iter.parse::<usize>(),
        STANDARD_NO_PAD.decode(salt),
        STANDARD_NO_PAD.decode(hash),
    ) else {
        return false;
    };
    // LIMIT: a stored hash is ours; still refuse absurd iteration counts.
    if iter == 0 || iter > 10_000_000 || hash.len() != 32 {
        return false;
    }
    let mut out = [0u8; 32];
    if openssl::pkcs5::pbkdf2_hmac(
        secret.as_bytes(),
        &salt,
        iter,
        MessageDigest::sha256(),
        &mut out,
    )
    .is_err()
    {
        return false;
    }
    openssl::memcmp::eq(&out, &hash)
}

/// The auth state of a config directory: signing key, CSRF secret and the users file.
pub struct AuthConfig {
    dir: PathBuf,
    key: PKey<Private>,
    public: PKey<Public>,
    csrf_secret: Vec<u8>,
    lifetime: i64,
}

fn load_users(dir: &Path) -> Result<UsersFile, String> {
    let path = dir.join(USERS_FILE);
    match std::fs::read(&path) {
        Ok(bytes) => serde_json::from_slice(&bytes).map_err(|e| format!("{}: {e}", path.display())),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(UsersFile::default()),
        Err(e) => Err(format!("{}: {e}", path.display())),
    }
}

fn save_users(dir: &Path, users: &UsersFile) -> Result<(), String> {
    let path = dir.join(USERS_FILE);
    let bytes = serde_json::to_vec_pretty(users).map_err(|e| e.to_string())?;
    atomic::replace_file(&path, &bytes, 0o600).map_err(|e| format!("{}: {e}", path.display()))
}

/// Creates or replaces user `userid` with `password`.
pub fn add_user(dir: &Path, userid: &str, password: &str, admin: bool) -> Result<(), String> {
    check_userid(userid)?;
    if password.chars().count() < 5 {
        return Err("password must be at least 5 characters".into());
    }
    std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let mut users = load_users(dir)?;
    users.users.insert(
        userid.to_string(),
        UserEntry {
            password: hash_secret(password, PASSWORD_ITERATIONS)?,
            admin,
        },
    );
    save_users(dir, &users)
}

/// Creates token `tokenid` for an existing user; returns the secret (shown once).
pub fn add_token(dir: &Path, tokenid: &str) -> Result<String, String> {
    check_tokenid(tokenid)?;
    let mut users = load_users(dir)?;
    let user = tokenid.split_once('!').map(|(u, _)| u).unwrap_or_default();
    if !users.users.contains_key(user) {
        return Err(format!("user {user} does not exist"));
    }
    let mut raw = [0u8; 16];
    openssl::rand::rand_bytes(&mut raw).map_err(|e| format!("random: {e}"))?;
    raw[6] = (raw[6] & 0x0f) | 0x40;
    raw[8] = (raw[8] & 0x3f) | 0x80;
    let h = hex::encode(raw);
    let secret = format!(
        "{}-{}-{}-{}-{}",
        &h[0..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..32]
    );
    users.tokens.insert(
        tokenid.to_string(),
        TokenEntry {
            secret: hash_secret(&secret, TOKEN_ITERATIONS)?,
        },
    );
    save_users(dir, &users)?;
    Ok(secret)
}

fn load_or_create_secret(
    path: &Path,
    create: impl FnOnce() -> Result<Vec<u8>, String>,
) -> Result<Vec<u8>, String> {
    match std::fs::read(path) {
        Ok(b) => Ok(b),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            let bytes = create()?;
            atomic::replace_file(path, &bytes, 0o600)
                .map_err(|e| format!("{}: {e}", path.display()))?;
            Ok(bytes)
        }
        Err(e) => Err(format!("{}: {e}", path.display())),
    }
}

impl AuthConfig {
    /// Loads (or creates) the ticket signing key and CSRF secret in `dir`.
    pub fn open(dir: &Path, lifetime: i64) -> Result<Self, String> {
        std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        let pem = load_or_create_secret(&dir.join(AUTH_KEY_FILE), || {
            PKey::generate_ed25519()
                .and_then(|k| k.private_key_to_pem_pkcs8())
                .map_err(|e| format!("generate auth key: {e}"))
        })?;
        let key = PKey::private_key_from_pem(&pem).map_err(|e| format!("auth key: {e}"))?;
        let public = PKey::public_key_from_pem(
            &key.public_key_to_pem()
                .map_err(|e| format!("auth key: {e}"))?,
        )
        .map_err(|e| format!("auth key: {e}"))?;
        let csrf_secret = load_or_create_secret(&dir.join(CSRF_KEY_FILE), || {
            let mut b = [0u8; 32];
            openssl::rand::rand_bytes(&mut b).map_err(|e| format!("random: {e}"))?;
            Ok(b.to_vec())
        })?;
        Ok(AuthConfig {
            dir: dir.to_path_buf(),
            key,
            public,
            csrf_secret,
            lifetime,
        })
    }

    fn sign(&self, data: &str) -> ApiResult<String> {
        let mut signer = Signer::new_without_digest(&self.key)
            .map_err(|e| ApiError::internal(format!("sign: {e}")))?;
        let sig = signer
            .sign_oneshot_to_vec(data.as_bytes())
            .map_err(|e| ApiError::internal(format!("sign: {e}")))?;
        Ok(STANDARD_NO_PAD.encode(sig))
    }

    /// A ticket for `userid` issued at `time`.
    pub fn make_ticket(&self, userid: &str, time: i64) -> ApiResult<String> {
        let data = format!("PBS:{userid}:{time:08X}");
        let sig = self.sign(&data)?;
        Ok(format!("{data}::{sig}"))
    }

    /// Checks a ticket's signature and age; returns the user id.
    pub fn verify_ticket(&self, ticket: &str, now: i64) -> Result<String, String> {
        let (data, sig) = ticket.rsplit_once("::").ok_or("ticket without signature")?;
        let mut parts = data.splitn(3, ':');
        let (Some("PBS"), Some(userid), Some(time)) = (parts.next(), parts.next(), parts.next())
        else {
            return Err("invalid ticket".into());
        };
        let sig = STANDARD_NO_PAD
            .decode(sig)
            .map_err(|_| "invalid ticket signature encoding")?;
        let mut verifier = Verifier::new_without_digest(&self.public).map_err(|e| e.to_string())?;
        if !verifier
            .verify_oneshot(&sig, data.as_bytes())
            .unwrap_or(false)
        {
            return Err("ticket signature mismatch".into());
        }
        if time.len() < 8 {
            return Err("invalid ticket time".into());
        }
        let time = i64::from_str_radix(time, 16).map_err(|_| "invalid ticket time")?;
        let age = now.saturating_sub(time);
        if age < -TICKET_SKEW {
            return Err("ticket with future timestamp".into());
        }
        if age > self.lifetime {
            return Err("ticket expired".into());
        }
        Ok(userid.to_string())
    }

    fn csrf_hmac(&self, time: i64, userid: &str) -> ApiResult<String> {
        let key = PKey::hmac(&self.csrf_secret).map_err(|e| ApiError::internal(e.to_string()))?;
        let mut signer = Signer::new(MessageDigest::sha3_256(), &key)
            .map_err(|e| ApiError::internal(e.to_string()))?;
        let mac = signer
            .sign_oneshot_to_vec(format!("{time:08X}:{userid}:").as_bytes())
            .map_err(|e| ApiError::internal(e.to_string()))?;
        Ok(STANDARD_NO_PAD.encode(mac))
    }

    pub fn make_csrf(&self, userid: &str, time: i64) -> ApiResult<String> {
        Ok(format!("{time:08X}:{}", self.csrf_hmac(time, userid)?))
    }

    pub fn verify_csrf(&self, token: &str, userid: &str, now: i64) -> bool {
        let Some((time, mac)) = token.split_once(':') else {
            return false;
        };
        let Ok(t) = i64::from_str_radix(time, 16) else {
            return false;
        };
        // The time is the client's text, checked before the MAC: `-7FFFFFFFFFFFFFFF` must not
        // overflow (tests/fuzz/regressions/ticket_verify/csrf-time-overflow).
        let age = now.saturating_sub(t);
        if !(-TICKET_SKEW..=self.lifetime).contains(&age) {
            return false;
        }
        match self.csrf_hmac(t, userid) {
            Ok(expected) => {
                openssl::memcmp::eq(expected.as_bytes(), mac.as_bytes())
                    && expected.len() == mac.len()
            }
            Err(_) => false,
        }
    }

    /// Whether `authid` names an existing user or API token (a possible group owner).
    pub fn authid_exists(&self, authid: &str) -> bool {
        let Ok(users) = load_users(&self.dir) else {
            return false;
        };
        match authid.split_once('!') {
            Some((userid, _)) => {
                users.users.contains_key(userid) && users.tokens.contains_key(authid)
            }
            None => users.users.contains_key(authid),
        }
    }

    fn user(&self, userid: &str) -> Option<UserEntry> {
        load_users(&self.dir).ok()?.users.get(userid).cloned()
    }

    /// Login with a password or a still-valid ticket (renewal).
    pub fn login(&self, userid: &str, password: &str, now: i64) -> Result<(), String> {
        let user = self.user(userid).ok_or("no such user")?;
        if password.starts_with("PBS:") {
            return match self.verify_ticket(password, now) {
                Ok(u) if u == userid => Ok(()),
                Ok(_) => Err("ticket for another user".into()),
                Err(e) => Err(e),
            };
        }
        if verify_secret(password, &user.password) {
            Ok(())
        } else {
            Err("invalid credentials".into())
        }
    }

    /// A principal from a verified ticket (the user must still exist).
    pub fn principal_from_ticket(&self, ticket: &str, now: i64) -> Result<Principal, String> {
        let userid = self.verify_ticket(ticket, now)?;
        let user = self.user(&userid).ok_or("user no longer exists")?;
        Ok(Principal {
            authid: userid.clone(),
            userid,
            admin: user.admin,
            by_ticket: true,
        })
    }

    /// A principal from `PBSAPIToken <authid>:<secret>` (space or `=` separator).
    pub fn principal_from_token(&self, header: &str) -> Result<Principal, String> {
        let rest = header
            .strip_prefix("PBSAPIToken")
            .ok_or("unsupported authorization type")?;
        let rest = rest
            .strip_prefix(' ')
            .or_else(|| rest.strip_prefix('='))
            .ok_or("invalid token header")?;
        let (tokenid, secret) = rest.split_once(':').ok_or("invalid token header")?;
        let secret = percent_encoding::percent_decode_str(secret)
            .decode_utf8()
            .map_err(|_| "invalid token secret encoding")?;
        let users = load_users(&self.dir)?;
        let entry = users.tokens.get(tokenid).ok_or("no such token")?;
        let (userid, _) = tokenid.split_once('!').ok_or("invalid token id")?;
        let user = users.users.get(userid).ok_or("token user does not exist")?;
        if !verify_secret(&secret, &entry.secret) {
            return Err("invalid token secret".into());
        }
        Ok(Principal {
            authid: tokenid.to_string(),
            userid: userid.to_string(),
            admin: user.admin,
            by_ticket: false,
        })
    }
}

/// Finds `PBSAuthCookie` in a `Cookie` header and percent-decodes it.
pub fn extract_cookie(header: &str) -> Option<String> {
    header.split(';').find_map(|part| {
        let (name, value) = part.trim().split_once('=')?;
        (name == "PBSAuthCookie").then(|| {
            percent_encoding::percent_decode_str(value)
                .decode_utf8_lossy()
                .into_owned()
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tickets_and_csrf_round_trip_and_expire() {
        let dir = tempfile::tempdir().unwrap();
        let auth = AuthConfig::open(dir.path(), TICKET_LIFETIME).unwrap();
        let t = auth.make_ticket("alice@pbs", 1_700_000_000).unwrap();
        assert!(t.starts_with("PBS:alice@pbs:6553F100::"));
        assert_eq!(auth.verify_ticket(&t, 1_700_000_100).unwrap(), "alice@pbs");
        assert!(auth.verify_ticket(&t, 1_700_000_000 + 7201).is_err());
        assert!(auth.verify_ticket(&t, 1_700_000_000 - 301).is_err());
        let tampered = t.replace("alice", "bobby");
        assert!(auth.verify_ticket(&tampered, 1_700_000_100).is_err());
        let csrf = auth.make_csrf("alice@pbs", 1_700_000_000).unwrap();
        assert!(auth.verify_csrf(&csrf, "alice@pbs", 1_700_000_010));
        assert!(!auth.verify_csrf(&csrf, "bob@pbs", 1_700_000_010));
    }

    #[test]
    fn hashed_passwords_and_ownership() {
        let h = hash_secret("secret1", 1000).unwrap();
        assert!(!h.contains("secret1"));
        assert!(verify_secret("secret1", &h));
        assert!(!verify_secret("secret2", &h));
        let p = Principal {
            authid: "a@pbs".into(),
            userid: "a@pbs".into(),
            admin: false,
            by_ticket: true,
        };
        assert!(p.owns("a@pbs") && p.owns("a@pbs!t") && !p.owns("b@pbs"));
        assert!(check_tokenid("a@pbs!tok").is_ok() && check_userid("a b@pbs").is_err());
    }
}
