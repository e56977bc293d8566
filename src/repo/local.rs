//! The local datastore: a directory in PBS's layout (`.chunks/`, `.lock`, `ns/`, `type/id/time/`).
//!
//! Creates the layout lazily: chunk prefix directories appear on first insert, not up front.

use std::io;
use std::path::{Path, PathBuf};

/// A datastore directory on this machine.
#[derive(Debug, Clone)]
pub struct LocalDatastore {
    root: PathBuf,
}

impl LocalDatastore {
    /// Opens `root`, creating the directory, `.chunks/` and `.lock` if they are missing.
    pub fn open_or_create(root: &Path) -> io::Result<Self> {
        std::fs::create_dir_all(root.join(".chunks"))?;
        let lock = root.join(".lock");
        if !lock.exists() {
            std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(&lock)?;
        }
        Ok(LocalDatastore {
            root: root.to_path_buf(),
        })
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The datastore's name as the shell shows it: the directory's last component.
    pub fn name(&self) -> String {
        self.root
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "datastore".to_string())
    }
}
