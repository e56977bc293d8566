//! Session-level commands: `open`, `close`, `set`, `history`, `notes`.

use crate::repo::local::LocalDatastore;
use crate::repo::types::Namespace;
use crate::shell::commands::nav::stat_node;
use crate::shell::commands::search::file_history;
use crate::shell::output::OutputFormat;
use crate::shell::tree::Level;
use crate::shell::Session;
use anyhow::{anyhow, bail, Context, Result};
use std::io::Write;
use std::path::Path;

pub fn open(session: &mut Session, repository: &Path, ns: Option<String>) -> Result<()> {
    use crate::repo::remote::repo_string::RepoSpec;
    if let RepoSpec::Remote(remote) = RepoSpec::classify(&repository.to_string_lossy())? {
        let ns = ns
            .map(|n| Namespace::parse(&n))
            .transpose()?
            .unwrap_or_default();
        let r = super::remote::connect(remote, None)?;
        session.open_remote(r, ns);
        return Ok(());
    }
    if !repository.join(".chunks").is_dir() {
        bail!(
            "{}: not a datastore (no .chunks directory; create one with `datastore create {}`)",
            repository.display(),
            repository.display()
        );
    }
    let store = LocalDatastore::open_or_create(repository)
        .with_context(|| format!("open {}", repository.display()))?;
    let ns = ns
        .map(|n| Namespace::parse(&n))
        .transpose()?
        .unwrap_or_default();
    session.open(store, ns);
    Ok(())
}

pub fn close(session: &mut Session) -> Result<()> {
    let root = crate::util::paths::default_datastore();
    let store = LocalDatastore::open_or_create(&root)
        .with_context(|| format!("open {}", root.display()))?;
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
