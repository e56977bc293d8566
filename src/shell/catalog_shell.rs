//! The catalog shell on a local catalog file (`pbsh catalog shell --file catalog.pcat1`): browse
//! a `.pcat1` without a repository, as PBS's dump-catalog-shell tool does.
//!
//! Commands: `ls [PATH]`, `cd [PATH]`, `pwd`, `stat PATH`, `find PATTERN`, `dump`, `help`, `exit`.

use crate::format::catalog::{CatalogEntry, CatalogEntryKind, CatalogReader};
use crate::shell::commands::common::time_string;
use anyhow::{anyhow, bail, Context, Result};
use std::io::{BufRead, IsTerminal, Write};
use std::path::Path;

const HELP: &str = "\
ls [PATH]       list a directory
cd [PATH]       change directory (.. and absolute paths work)
pwd             print the current directory
stat PATH       type, size and mtime of an entry
find PATTERN    paths matching a glob from the root (** crosses directories)
dump            every entry, as `catalog dump` prints it
exit            leave
";

struct CatalogShell<'a> {
    reader: CatalogReader<'a>,
    cwd: Vec<String>,
}

impl CatalogShell<'_> {
    fn resolve(&self, text: &str) -> Vec<String> {
        let mut words = if text.starts_with('/') {
            Vec::new()
        } else {
            self.cwd.clone()
        };
        for w in text.split('/') {
            match w {
                "" | "." => {}
                ".." => {
                    words.pop();
                }
                w => words.push(w.to_string()),
            }
        }
        words
    }

    fn lookup(&self, words: &[String]) -> Result<Option<CatalogEntry>> {
        if words.is_empty() {
            return Ok(None);
        }
        Ok(self
            .reader
            .lookup(&self.reader.root(), words.iter().map(|w| w.as_bytes()))?)
    }

    fn list(&self, words: &[String]) -> Result<Vec<CatalogEntry>> {
        let dir = match self.lookup(words)? {
            None if words.is_empty() => self.reader.root(),
            None => bail!("/{}: no such file or directory", words.join("/")),
            Some(e) => e
                .dir_handle()
                .ok_or_else(|| anyhow!("/{}: not a directory", words.join("/")))?,
        };
        Ok(self.reader.read_dir(&dir)?)
    }

    fn run(&mut self, line: &str, out: &mut dyn Write) -> Result<bool> {
        let words = shlex::split(line).ok_or_else(|| anyhow!("unterminated quote"))?;
        let arg = words.get(1).map(String::as_str).unwrap_or("");
        match words.first().map(String::as_str) {
            None => {}
            Some("exit" | "quit") => return Ok(false),
            Some("help") => write!(out, "{HELP}")?,
            Some("pwd") => writeln!(out, "/{}", self.cwd.join("/"))?,
            Some("ls") => {
                for e in self.list(&self.resolve(arg))? {
                    let slash = if e.is_dir() { "/" } else { "" };
                    writeln!(out, "{}{slash}", String::from_utf8_lossy(&e.name))?;
                }
            }
            Some("cd") => {
                let target = self.resolve(arg);
                self.list(&target)?;
                self.cwd = target;
            }
            Some("stat") => {
                let target = self.resolve(arg);
                let entry = self
                    .lookup(&target)?
                    .ok_or_else(|| anyhow!("/{}: no such file or directory", target.join("/")))?;
                write!(
                    out,
                    "/{}: type {}",
                    target.join("/"),
                    entry.kind.type_byte() as char
                )?;
                if let CatalogEntryKind::File { size, mtime_secs } = entry.kind {
                    write!(out, ", {size} bytes, modified {}", time_string(mtime_secs))?;
                }
                writeln!(out)?;
            }
            Some("find") => {
                let hits = self.reader.find(arg.trim_start_matches('/'))?;
                if hits.is_empty() {
                    bail!("find: nothing matches {arg}");
                }
                for (path, _) in hits {
                    writeln!(out, "/{}", String::from_utf8_lossy(&path))?;
                }
            }
            Some("dump") => self.reader.dump(out)?,
            Some(other) => bail!("unknown command `{other}` (try `help`)"),
        }
        Ok(true)
    }
}

/// Runs the catalog shell on `path`, reading commands from standard input; returns the status.
pub fn run_file(path: &Path) -> Result<i32> {
    let meta = std::fs::metadata(path).with_context(|| format!("{}", path.display()))?;
    if meta.len() > crate::format::limits::MAX_CATALOG_SIZE {
        bail!("{}: too large for a catalog", path.display());
    }
    let data = std::fs::read(path).with_context(|| format!("{}", path.display()))?;
    let reader = CatalogReader::new(&data).with_context(|| format!("{}", path.display()))?;
    let mut shell = CatalogShell {
        reader,
        cwd: Vec::new(),
    };
    let interactive = std::io::stdin().is_terminal();
    let stdin = std::io::stdin();
    let mut out = std::io::stdout().lock();
    let mut status = 0;
    let mut line = String::new();
    let mut line_nr = 0;
    loop {
        if interactive {
            write!(out, "catalog:/{}> ", shell.cwd.join("/"))?;
            out.flush()?;
        }
        line.clear();
        if stdin.lock().read_line(&mut line)? == 0 {
            return Ok(status);
        }
        line_nr += 1;
        let text = line.trim();
        if text.starts_with('#') {
            continue;
        }
        match shell.run(text, &mut out) {
            Ok(true) => {}
            Ok(false) => return Ok(status),
            Err(e) if interactive => {
                crate::errln!("error: {}", crate::shell::exit::one_line(&e))
            }
            Err(e) => {
                crate::errln!(
                    "pbsh: <stdin>:{line_nr}: {}",
                    crate::shell::exit::one_line(&e)
                );
                status = crate::shell::exit::FAILURE;
                return Ok(status);
            }
        }
    }
}
