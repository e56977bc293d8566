//! Session-level commands: `open`, `close`, `set`, `history`, `notes`.

use crate::repo::archive_file::{is_archive_file, ArchiveFile};
use crate::repo::local::LocalDatastore;
use crate::repo::remote::repo_string::{RemoteRepo, RepoSpec};
use crate::repo::types::Namespace;
use crate::repo::Repository;
use crate::shell::commands::nav::stat_node;
use crate::shell::commands::search::file_history;
use crate::shell::exit::ShellError;
use crate::shell::output::OutputFormat;
use crate::shell::tree::Level;
use crate::shell::Session;
use anyhow::{anyhow, bail, Context, Result};
use std::io::Write;
use std::path::Path;
use std::sync::Arc;

/// What a repository argument opened.
pub enum Opened {
    /// A datastore: a local directory, or one on a server.
    Datastore(Arc<dyn Repository>),
    /// A lone `.pxar` file (or split `.mpxar` + `.ppxar` pair), read-only.
    Lone(ArchiveFile),
}

impl Opened {
    /// A session on what was opened, starting in `ns` (a lone archive starts at its root).
    pub fn into_session(self, ns: Namespace) -> Session {
        match self {
            Opened::Datastore(repo) => Session::with_namespace(repo, ns),
            Opened::Lone(a) => Session::with_lone_archive(a),
        }
    }
}

/// The local datastore directory at `root` (created when missing), as a repository. With
/// `open_repository`, the one place the shell names a concrete kind: where a repository is made.
pub fn open_local(root: &Path) -> std::io::Result<Arc<dyn Repository>> {
    Ok(Arc::new(LocalDatastore::open_or_create(root)?))
}

/// Opens what a `--repository` / `PBS_REPOSITORY` / `open` argument names, as PBS reads it: a
/// path (`/…`, `./…`, `../…`, `~/…`, `file:PATH`) is a local datastore directory (created
/// when `create`, else it must exist) or a lone archive file; anything else is a datastore on a
/// server, so a bare `store1` is the store `store1` on localhost:8007. For a bare name the
/// server is tried at once, so a script that meant a local directory stops before doing
/// anything, and is told how to write the directory.
pub fn open_repository(text: &str, fingerprint: Option<String>, create: bool) -> Result<Opened> {
    let spec = RepoSpec::classify(text).map_err(|e| anyhow!(ShellError::Usage(e.to_string())))?;
    let remote = match spec {
        RepoSpec::Local(path) => {
            if is_archive_file(&path) {
                return Ok(Opened::Lone(ArchiveFile::open(&path)?));
            }
            if !create && !path.join(".chunks").is_dir() {
                bail!(
                    "{}: not a datastore (no .chunks directory; create one with `datastore create {}`)",
                    path.display(),
                    path.display()
                );
            }
            return open_local(&path)
                .map(Opened::Datastore)
                .map_err(|e| anyhow!("cannot open datastore {}: {e}", path.display()));
        }
        RepoSpec::Remote(remote) => remote,
        RepoSpec::S3(location) => {
            return crate::repo::location::DatastoreLocation::S3(location)
                .open(create)
                .map(|store| Opened::Datastore(Arc::new(store)))
                .map_err(|e| anyhow!(e));
        }
    };
    let bare = !text.contains([':', '@']);
    if bare {
        let twin = std::env::current_dir()
            .ok()
            .and_then(|cwd| RepoSpec::local_twin(text, &cwd))
            .map(|local| {
                let kind = if local.is_dir() { "directory" } else { "file" };
                format!(
                    "'{text}' is the store {} on {} (PBS's meaning); for the {kind} ./{text} write ./{text}",
                    remote.store, remote.host
                )
            });
        if let Err(e) = reachable(&remote) {
            let hint = twin.unwrap_or_else(|| {
                format!(
                    "a bare name is a datastore on a PBS server ([[USER@REALM@]HOST[:PORT]:]STORE); \
                     a local datastore is written as a path, e.g. ./{text}"
                )
            });
            bail!(
                "cannot reach the store {} on {}: {e}; {hint}",
                remote.store,
                remote.authority()
            );
        }
        if let Some(notice) = twin {
            crate::errln!("pbsh: {notice}");
        }
    }
    Ok(Opened::Datastore(super::remote::connect(
        remote,
        fingerprint,
    )?))
}

/// Whether a TCP connection to the server can be made (nothing is sent).
fn reachable(remote: &RemoteRepo) -> std::io::Result<()> {
    use std::net::ToSocketAddrs;
    let mut last = std::io::Error::new(std::io::ErrorKind::NotFound, "no address");
    for addr in (remote.bare_host(), remote.port).to_socket_addrs()? {
        match std::net::TcpStream::connect_timeout(&addr, CONNECT_TIMEOUT) {
            Ok(_) => return Ok(()),
            Err(e) => last = e,
        }
    }
    Err(last)
}

/// How long the reachability check of a bare repository name waits for the server.
const CONNECT_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(10);

pub fn open(session: &mut Session, repository: &Path, ns: Option<String>) -> Result<()> {
    let ns = ns
        .map(|n| Namespace::parse(&n))
        .transpose()?
        .unwrap_or_default();
    match open_repository(&repository.to_string_lossy(), None, false)? {
        Opened::Datastore(repo) => session.open(repo, ns),
        Opened::Lone(archive) => session.open_lone_archive(archive),
    }
    Ok(())
}

pub fn close(session: &mut Session) -> Result<()> {
    let root = crate::util::paths::default_datastore();
    let store = open_local(&root).with_context(|| format!("open {}", root.display()))?;
    session.open(store, Namespace::root());
    Ok(())
}

fn on_off(word: Option<&String>) -> Result<bool> {
    match word.map(String::as_str) {
        Some("on" | "yes" | "true" | "1") => Ok(true),
        Some("off" | "no" | "false" | "0") => Ok(false),
        other => bail!("expected on or off, not {:?}", other.unwrap_or("nothing")),
    }
}

/// `set` alone lists the settings; `set -e off`, `set errexit on`, `set keyfile PATH|none`,
/// `set color on|off`.
pub fn set(session: &mut Session, words: &[String]) -> Result<()> {
    match words.first().map(String::as_str) {
        None => {
            writeln!(
                session.out,
                "errexit  {}",
                if session.errexit { "on" } else { "off" }
            )?;
            writeln!(
                session.out,
                "color    {}",
                if session.color { "on" } else { "off" }
            )?;
            let key = session
                .browser
                .keyfile()
                .map(|p| p.display().to_string())
                .unwrap_or_else(|| "(default key, if any)".into());
            writeln!(session.out, "keyfile  {key}")?;
        }
        Some("-e" | "errexit") => session.errexit = on_off(words.get(1))?,
        Some("+e") => session.errexit = false,
        Some("color") => session.color = on_off(words.get(1))?,
        Some("keyfile") => {
            let path = words
                .get(1)
                .ok_or_else(|| anyhow!("set keyfile PATH (or none)"))?;
            if path == "none" {
                session.browser.set_keyfile(None);
            } else {
                if !Path::new(path).is_file() {
                    bail!("{path}: no such key file");
                }
                session.browser.set_keyfile(Some(path.into()));
            }
        }
        Some(other) => bail!("unknown setting `{other}` (errexit, -e, color, keyfile)"),
    }
    Ok(())
}

pub fn history(session: &mut Session, path: Option<String>, format: OutputFormat) -> Result<()> {
    if let Some(path) = path {
        return file_history(session, &path, format);
    }
    if format != OutputFormat::Text {
        return crate::shell::output::write_json(&mut session.out, &session.history, format);
    }
    let lines: Vec<String> = session.history.clone();
    for (i, line) in lines.iter().enumerate() {
        writeln!(session.out, "{:5}  {line}", i + 1)?;
    }
    Ok(())
}

pub fn notes(session: &mut Session, snapshot: Option<String>, set: Option<String>) -> Result<()> {
    let path = match snapshot {
        Some(text) => session.resolve(&text)?,
        None => session.cwd.clone(),
    };
    let mut path = path;
    while path.level() > Level::Snapshot {
        path = path.parent();
    }
    let snap = path
        .snapshot()
        .ok_or_else(|| anyhow!("{path}: not a snapshot (cd into one or name it)"))?;
    stat_node(session, &path)?;
    match set {
        None => {
            let (manifest, _) = session
                .browser
                .repo_at(&path)?
                .read_manifest(&path.ns, &snap)?;
            writeln!(session.out, "{}", manifest.notes())?;
        }
        Some(text) => {
            let repo = session.browser.repo_at(&path)?;
            super::snapshot::set_notes(&*repo, &path.ns, &snap, &text)?
        }
    }
    Ok(())
}

/// After a command that may have removed things: moves the current directory up to the
/// nearest place that still exists.
pub fn leave_vanished_dirs(session: &mut Session) {
    while session.cwd.level() > Level::Namespace && session.browser.stat(&session.cwd).is_err() {
        session.cwd = session.cwd.parent();
    }
}
