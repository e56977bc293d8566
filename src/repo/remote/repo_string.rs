//! Parses repository strings `[[user@realm[!token]@]host[:port]:]store` exactly as
//! proxmox-backup-client takes them (SPEC: protocol.md §3.1), and tells local paths apart.
//!
//! A bare name (`store1`) is what PBS makes of it: the datastore `store1` on localhost. A
//! local datastore directory or a lone archive file is written as a path: it starts with `/`,
//! `./`, `../` or `~/`, or is given as `file:PATH`. Pure text in, values out: no I/O (`~` is
//! expanded from `$HOME`).

use std::fmt;

/// The accepted forms, shown in every parse error.
pub const ACCEPTED_FORMS: &str = "expected [[USER@REALM[!TOKEN]@]HOST[:PORT]:]STORE, e.g. \
backup.example.com:store1, root@pam@10.0.0.1:8007:store1, alice@pbs!tok@[fe80::1]:store1, \
a local path starting with /, ./, ../ or ~/ (or file:PATH), or s3://BUCKET[/PREFIX]";

/// LIMIT: no repository string is longer than this (PBS's URIs are capped at 3072 bytes).
const MAX_REPO_STRING: usize = 1024;

/// A parsed remote repository.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RemoteRepo {
    /// `user@realm` or `user@realm!token`; `None` = default `root@pam`.
    pub auth_id: Option<String>,
    /// DNS name, IPv4, or IPv6 in brackets (`[fe80::1]`), verbatim.
    pub host: String,
    pub port: u16,
    pub store: String,
}

/// What a `--repository` / `open` argument names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RepoSpec {
    /// A local path: a datastore directory, or a lone `.pxar` / `.mpxar` / `.ppxar` file.
    Local(std::path::PathBuf),
    Remote(RemoteRepo),
    /// A datastore in an S3 bucket (`s3://BUCKET[/PREFIX]`).
    S3(crate::repo::location::S3Location),
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid repository {shown:?}: {reason}; {ACCEPTED_FORMS}")]
pub struct RepoStringError {
    shown: String,
    reason: String,
}

fn err(text: &str, reason: impl Into<String>) -> RepoStringError {
    let shown: String = text.chars().take(80).collect();
    RepoStringError {
        shown,
        reason: reason.into(),
    }
}

pub const DEFAULT_PORT: u16 = 8007;
pub const DEFAULT_AUTH_ID: &str = "root@pam";

impl RemoteRepo {
    /// The auth-id used to log in (`root@pam` when the string named none).
    pub fn auth_id(&self) -> &str {
        self.auth_id.as_deref().unwrap_or(DEFAULT_AUTH_ID)
    }

    /// The user part of the auth-id (`alice@pbs` for `alice@pbs!tok`).
    pub fn user(&self) -> &str {
        let a = self.auth_id();
        a.split_once('!').map(|(u, _)| u).unwrap_or(a)
    }

    pub fn is_token(&self) -> bool {
        self.auth_id().contains('!')
    }

    /// `host:port` for connecting (IPv6 keeps its brackets).
    pub fn authority(&self) -> String {
        format!("{}:{}", self.host, self.port)
    }

    /// The host without IPv6 brackets (for DNS / SNI).
    pub fn bare_host(&self) -> &str {
        self.host
            .strip_prefix('[')
            .and_then(|h| h.strip_suffix(']'))
            .unwrap_or(&self.host)
    }

    /// `user@realm@host:store` as the prompt shows it.
    pub fn prompt(&self) -> String {
        format!("{}@{}:{}", self.auth_id(), self.host, self.store)
    }

    /// Parses a remote repository string; refuses local-looking strings.
    pub fn parse(text: &str) -> Result<Self, RepoStringError> {
        if text.len() > MAX_REPO_STRING {
            return Err(err(text, "longer than 1024 characters"));
        }
        if text.is_empty() {
            return Err(err(text, "empty"));
        }
        if let Some(c) = text.chars().find(|c| c.is_whitespace() || c.is_control()) {
            return Err(err(text, format!("contains {c:?}")));
        }
        // The auth-id ends at the last '@' that comes before the host part; IPv6 hosts have no '@'.
        let (auth_id, rest) = match text.rfind('@') {
            Some(i) => (Some(&text[..i]), &text[i + 1..]),
            None => (None, text),
        };
        if let Some(a) = auth_id {
            check_auth_id(text, a)?;
        }
        // rest = HOST[:PORT]:STORE | PORT:STORE | STORE
        let (host, after_host) = if let Some(r) = rest.strip_prefix('[') {
            let end = r
                .find(']')
                .ok_or_else(|| err(text, "IPv6 address without closing ']'"))?;
            let addr = &r[..end];
            if addr.parse::<std::net::Ipv6Addr>().is_err() {
                return Err(err(text, format!("{addr:?} is not an IPv6 address")));
            }
            let after = &r[end + 1..];
            let after = after
                .strip_prefix(':')
                .ok_or_else(|| err(text, "expected ':' after the host"))?;
            (Some(format!("[{addr}]")), after)
        } else {
            match rest.split_once(':') {
                None => (None, rest),
                Some((h, after)) => {
                    if h.is_empty() {
                        return Err(err(text, "empty host"));
                    }
                    (Some(h.to_string()), after)
                }
            }
        };
        let (port, store) = match after_host.split_once(':') {
            Some((p, s)) => (Some(parse_port(text, p)?), s),
            None => (None, after_host),
        };
        let host = match host {
            Some(h) => {
                // `PORT:STORE` without host: the "host" is all digits.
                if !h.starts_with('[') && h.chars().all(|c| c.is_ascii_digit()) && port.is_none() {
                    let p = parse_port(text, &h)?;
                    check_store(text, store)?;
                    if auth_id.is_some() {
                        return Err(err(text, "a user needs a host"));
                    }
                    return Ok(RemoteRepo {
                        auth_id: None,
                        host: "localhost".into(),
                        port: p,
                        store: store.to_string(),
                    });
                }
                if !h.starts_with('[') {
                    check_host(text, &h)?;
                }
                h
            }
            None => {
                if auth_id.is_some() {
                    return Err(err(text, "a user needs a host"));
                }
                "localhost".to_string()
            }
        };
        check_store(text, store)?;
        Ok(RemoteRepo {
            auth_id: auth_id.map(str::to_string),
            host,
            port: port.unwrap_or(DEFAULT_PORT),
            store: store.to_string(),
        })
    }
}

impl fmt::Display for RemoteRepo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(a) = &self.auth_id {
            write!(f, "{a}@")?;
        }
        write!(f, "{}:{}:{}", self.host, self.port, self.store)
    }
}

impl RepoSpec {
    /// A string written as a path (`/…`, `./…`, `../…`, `~/…`, `.`, `..`, `~`, or `file:PATH`)
    /// is local; anything else is a PBS repository string, so a bare `store1` is the store
    /// `store1` on localhost, as PBS reads it. A relative path without `./` is refused rather
    /// than guessed.
    pub fn classify(text: &str) -> Result<Self, RepoStringError> {
        if let Some(s3) = crate::repo::location::S3Location::parse(text) {
            return s3.map(RepoSpec::S3).map_err(|e| err(text, e));
        }
        if let Some(path) = text.strip_prefix("file:") {
            if path.is_empty() {
                return Err(err(text, "file: needs a path"));
            }
            return Ok(RepoSpec::Local(expand_home(path)));
        }
        if is_path_form(text) {
            return Ok(RepoSpec::Local(expand_home(text)));
        }
        if text.contains('/') {
            return Err(err(
                text,
                format!(
                    "a local path starts with /, ./, ../ or ~/ (write ./{text} or file:{text})"
                ),
            ));
        }
        RemoteRepo::parse(text).map(RepoSpec::Remote)
    }

    /// For a bare name (no host, no port, no user) that also names something in `cwd`: that
    /// local path (`./NAME`), which the user may have meant instead of PBS's reading.
    pub fn local_twin(text: &str, cwd: &std::path::Path) -> Option<std::path::PathBuf> {
        if text.is_empty() || text.contains([':', '@', '/']) || text == "." || text == ".." {
            return None;
        }
        let path = cwd.join(text);
        path.symlink_metadata().is_ok().then_some(path)
    }
}

/// Whether `text` is written as a local path.
fn is_path_form(text: &str) -> bool {
    matches!(text, "." | ".." | "~") || ["/", "./", "../", "~/"].iter().any(|p| text.starts_with(p))
}

/// `~` and `~/…` from `$HOME`; anything else unchanged.
fn expand_home(path: &str) -> std::path::PathBuf {
    let home = || std::env::var_os("HOME").map(std::path::PathBuf::from);
    if path == "~" {
        if let Some(h) = home() {
            return h;
        }
    } else if let Some(rest) = path.strip_prefix("~/") {
        if let Some(h) = home() {
            return h.join(rest);
        }
    }
    path.into()
}

fn parse_port(text: &str, p: &str) -> Result<u16, RepoStringError> {
    if p.is_empty() || p.len() > 5 || !p.chars().all(|c| c.is_ascii_digit()) {
        return Err(err(text, format!("port {p:?} is not a number 1-65535")));
    }
    match p.parse::<u16>() {
        Ok(0) | Err(_) => Err(err(text, format!("port {p:?} is not a number 1-65535"))),
        Ok(n) => Ok(n),
    }
}

fn is_safe_id(s: &str) -> bool {
    let mut chars = s.chars();
    match chars.next() {
        Some(c) if c.is_ascii_alphanumeric() || c == '_' => {}
        _ => return false,
    }
    chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'))
}

fn check_store(text: &str, store: &str) -> Result<(), RepoStringError> {
    if store.is_empty() {
        return Err(err(text, "empty datastore name"));
    }
    if !(3..=32).contains(&store.len()) || !is_safe_id(store) {
        return Err(err(
            text,
            format!("datastore {store:?} must be 3-32 characters of A-Z a-z 0-9 _ . -"),
        ));
    }
    Ok(())
}

fn check_host(text: &str, host: &str) -> Result<(), RepoStringError> {
    if host.parse::<std::net::Ipv4Addr>().is_ok() {
        return Ok(());
    }
    let ok = host.len() <= 253
        && host.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
                && !label.starts_with('-')
                && !label.ends_with('-')
        });
    if !ok {
        return Err(err(
            text,
            format!("{host:?} is not a host name or IP address"),
        ));
    }
    Ok(())
}

fn check_auth_id(text: &str, auth: &str) -> Result<(), RepoStringError> {
    let (user, token) = match auth.split_once('!') {
        Some((u, t)) => (u, Some(t)),
        None => (auth, None),
    };
    let Some((name, realm)) = user.rsplit_once('@') else {
        return Err(err(text, format!("user {user:?} must be NAME@REALM")));
    };
    if name.is_empty() || name.chars().any(|c| c == ':' || c == '/' || c == '@') {
        return Err(err(text, format!("bad user name {name:?}")));
    }
    if !(3..=32).contains(&realm.len()) || !is_safe_id(realm) {
        return Err(err(text, format!("bad realm {realm:?}")));
    }
    if let Some(t) = token {
        if !is_safe_id(t) {
            return Err(err(text, format!("bad token name {t:?}")));
        }
    }
    if !(3..=64).contains(&auth.len()) {
        return Err(err(text, "user id must be 3-64 characters"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(s: &str) -> RemoteRepo {
        RemoteRepo::parse(s).unwrap_or_else(|e| panic!("{s}: {e}"))
    }

    #[test]
    fn parses_accepted_forms() {
        let cases: &[(&str, Option<&str>, &str, u16, &str)] = &[
            ("store1", None, "localhost", 8007, "store1"),
            ("host:store1", None, "host", 8007, "store1"),
            (
                "backup.example.com:store1",
                None,
                "backup.example.com",
                8007,
                "store1",
            ),
            ("10.0.0.1:store1", None, "10.0.0.1", 8007, "store1"),
            ("10.0.0.1:8443:store1", None, "10.0.0.1", 8443, "store1"),
            ("8443:store1", None, "localhost", 8443, "store1"),
            ("[fe80::1]:store1", None, "[fe80::1]", 8007, "store1"),
            ("[::1]:9000:store1", None, "[::1]", 9000, "store1"),
            (
                "root@pam@host:store1",
                Some("root@pam"),
                "host",
                8007,
                "store1",
            ),
            (
                "alice@pbs@host:8007:ds_2",
                Some("alice@pbs"),
                "host",
                8007,
                "ds_2",
            ),
            (
                "alice@pbs!tok@[fe80::1]:store1",
                Some("alice@pbs!tok"),
                "[fe80::1]",
                8007,
                "store1",
            ),
            (
                "a.b-c@pbs!t-1@h-1.example:65535:st.x",
                Some("a.b-c@pbs!t-1"),
                "h-1.example",
                65535,
                "st.x",
            ),
        ];
        for (s, auth, host, port, store) in cases {
            let r = ok(s);
            assert_eq!(r.auth_id.as_deref(), *auth, "{s}");
            assert_eq!(r.host, *host, "{s}");
            assert_eq!(r.port, *port, "{s}");
            assert_eq!(r.store, *store, "{s}");
            // Display round-trips.
            assert_eq!(ok(&r.to_string()), r, "{s}");
        }
    }

    #[test]
    fn defaults_user_and_helpers() {
        let r = ok("alice@pbs!tok@[::1]:store1");
        assert_eq!(r.user(), "alice@pbs");
        assert!(r.is_token());
        assert_eq!(r.bare_host(), "::1");
        assert_eq!(r.authority(), "[::1]:8007");
        let r = ok("host:store1");
        assert_eq!(r.auth_id(), "root@pam");
        assert_eq!(r.prompt(), "root@pam@host:store1");
    }

    #[test]
    fn rejects_malformed_with_accepted_forms() {
        let long = "a".repeat(10_000);
        let bad = [
            "",
            ":store1",
            "host::store1",
            "host:0:store1",
            "host:65536:store1",
            "host:8x:store1",
            "host:",
            "fe80::1:store1",
            "[fe80::1:store1",
            "[nothex]:store1",
            "[::1]store1",
            "user@host:store1",
            "!tok@host:store1",
            "@@host:store1",
            "root@pam@:store1",
            "root@pam@store1",
            "ho st:store1",
            "host:st\u{7}ore",
            "host:ab",
            "host:-store",
            "alice@pbs!@host:store1",
            "alice@pbs!bad!tok@host:store1",
            long.as_str(),
        ];
        for s in bad {
            let e = RemoteRepo::parse(s).expect_err(s).to_string();
            assert!(e.contains("expected [[USER@REALM"), "{s}: {e}");
            assert!(!e.contains('\n'), "{s}: {e}");
        }
    }

    #[test]
    fn any_string_is_ok_or_err() {
        let alphabet = ['a', '@', '!', ':', '[', ']', '1', '.', '/', ' ', 'é'];
        let mut seed: u64 = 7;
        for _ in 0..5000 {
            let mut s = String::new();
            seed = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            let len = (seed >> 59) as usize;
            let mut x = seed;
            for _ in 0..len {
                x = x.wrapping_mul(6364136223846793005).wrapping_add(1);
                s.push(alphabet[(x >> 60) as usize % alphabet.len()]);
            }
            if let Ok(r) = RemoteRepo::parse(&s) {
                assert_eq!(RemoteRepo::parse(&r.to_string()), Ok(r));
            }
        }
    }

    #[test]
    fn classifies_local_paths() {
        let local = |s: &str| match RepoSpec::classify(s) {
            Ok(RepoSpec::Local(p)) => p,
            other => panic!("{s}: {other:?}"),
        };
        assert_eq!(local("/srv/ds"), std::path::PathBuf::from("/srv/ds"));
        assert_eq!(local("./ds"), std::path::PathBuf::from("./ds"));
        assert_eq!(local("../ds"), std::path::PathBuf::from("../ds"));
        assert_eq!(local("."), std::path::PathBuf::from("."));
        assert_eq!(local("file:ds"), std::path::PathBuf::from("ds"));
        assert_eq!(
            local("file:/a/b.pxar"),
            std::path::PathBuf::from("/a/b.pxar")
        );
        if let Some(home) = std::env::var_os("HOME") {
            let home = std::path::PathBuf::from(home);
            assert_eq!(local("~/ds"), home.join("ds"));
            assert_eq!(local("file:~/ds"), home.join("ds"));
        }
        assert!(matches!(
            RepoSpec::classify("host:store1"),
            Ok(RepoSpec::Remote(_))
        ));
        assert!(RepoSpec::classify("host::x").is_err());
        assert!(RepoSpec::classify("file:").is_err());
    }

    #[test]
    fn a_bare_name_is_a_store_on_localhost_as_pbs_reads_it() {
        let Ok(RepoSpec::Remote(r)) = RepoSpec::classify("store1") else {
            panic!("store1 is not remote");
        };
        assert_eq!(
            (r.host.as_str(), r.port, r.store.as_str()),
            ("localhost", 8007, "store1")
        );
        assert_eq!(r.auth_id(), "root@pam");
        let Ok(RepoSpec::Remote(r)) = RepoSpec::classify("root.pxar") else {
            panic!("root.pxar is not remote");
        };
        assert_eq!(r.store, "root.pxar");
        // A relative path without ./ is neither: refused, with the way to write it.
        let e = RepoSpec::classify("demo/store").unwrap_err().to_string();
        assert!(
            e.contains("./demo/store") && e.contains("file:demo/store"),
            "{e}"
        );
        // Too short for a datastore name and not a path: PBS refuses it too.
        assert!(RepoSpec::classify("ds").is_err());
    }

    #[test]
    fn local_twin_names_only_bare_names_that_exist_here() {
        let dir = std::env::temp_dir().join(format!("pbsh-twin-{}", std::process::id()));
        std::fs::create_dir_all(dir.join("store1")).unwrap();
        assert_eq!(
            RepoSpec::local_twin("store1", &dir),
            Some(dir.join("store1"))
        );
        assert_eq!(RepoSpec::local_twin("store2", &dir), None);
        assert_eq!(RepoSpec::local_twin("host:store1", &dir), None);
        let _ = std::fs::remove_dir_all(&dir);
    }
}
