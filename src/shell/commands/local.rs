//! The local side of the session: `lcd`, `lpwd`, `lls` and `!cmd`.

use crate::shell::Session;
use anyhow::{bail, Context, Result};
use std::io::Write;
use std::path::PathBuf;

fn expand_home(text: &str) -> PathBuf {
    match text.strip_prefix('~') {
        Some(rest) => dirs::home_dir()
            .unwrap_or_else(|| PathBuf::from("/"))
            .join(rest.trim_start_matches('/')),
        None => PathBuf::from(text),
    }
}

pub fn lcd(_session: &mut Session, dir: Option<String>) -> Result<()> {
    let dir = expand_home(dir.as_deref().unwrap_or("~"));
    std::env::set_current_dir(&dir).with_context(|| format!("lcd {}", dir.display()))
}

pub fn lpwd(session: &mut Session) -> Result<()> {
    let dir = std::env::current_dir().context("lpwd")?;
    writeln!(session.out, "{}", dir.display())?;
    Ok(())
}

pub fn lls(session: &mut Session, args: &[String]) -> Result<()> {
    session.out.flush()?;
    let status = std::process::Command::new("ls")
        .args(args)
        .status()
        .context("lls: cannot run ls")?;
    if !status.success() {
        bail!("lls: ls exited with {status}");
    }
    Ok(())
}

/// `!cmd` runs a local shell command; `!` alone opens a subshell.
pub fn shell_escape(session: &mut Session, command: &str) -> Result<()> {
    session.out.flush()?;
    let command = command.trim();
    let status = if command.is_empty() {
        let shell = std::env::var("SHELL").unwrap_or_else(|_| "/bin/sh".into());
        std::process::Command::new(shell).status()
    } else {
        std::process::Command::new("/bin/sh")
            .arg("-c")
            .arg(command)
            .status()
    }
    .context("cannot start /bin/sh")?;
    if !status.success() {
        bail!("!{command}: exited with {status}");
    }
    Ok(())
}
