//! The shell's line history on disk, keeping out lines that look like they carry a secret.
//!
//! pbsh never takes passwords as arguments, but a `!cmd` line or a pasted environment variable
//! could; such lines are used once and never written to the history file.

use reedline::{
    FileBackedHistory, History, HistoryItem, HistoryItemId, HistorySessionId, Result, SearchQuery,
};
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::Path;

/// Words that mark a line as secret-bearing (compared case-insensitively).
const SECRET_MARKERS: [&str; 6] = [
    "password",
    "passphrase",
    "secret",
    "token=",
    "pbsapitoken",
    "ticket=",
];

/// Whether a line should stay out of the history file.
pub fn looks_secret(line: &str) -> bool {
    let lower = line.to_lowercase();
    SECRET_MARKERS.iter().any(|m| lower.contains(m))
}

/// Makes the history file private before the line editor uses it: created with mode 0600 if
/// missing (whatever the umask), and an existing one (earlier versions left it 0644) set to
/// 0600. The line editor rewrites the file in place, so the mode stays.
pub fn make_private(path: &Path) -> std::io::Result<()> {
    let file = std::fs::OpenOptions::new()
        .append(true)
        .create(true)
        .mode(0o600)
        .open(path)?;
    file.set_permissions(std::fs::Permissions::from_mode(0o600))
}

/// A file-backed history that drops secret-looking lines.
pub struct FilteredHistory(pub FileBackedHistory);

impl History for FilteredHistory {
    fn save(&mut self, h: HistoryItem) -> Result<HistoryItem> {
        if looks_secret(&h.command_line) {
            return Ok(h);
        }
        self.0.save(h)
    }

    fn load(&self, id: HistoryItemId) -> Result<HistoryItem> {
        self.0.load(id)
    }

    fn count(&self, query: SearchQuery) -> Result<i64> {
        self.0.count(query)
    }

    fn search(&self, query: SearchQuery) -> Result<Vec<HistoryItem>> {
        self.0.search(query)
    }

    fn update(
        &mut self,
        id: HistoryItemId,
        updater: &dyn Fn(HistoryItem) -> HistoryItem,
    ) -> Result<()> {
        self.0.update(id, updater)
    }

    fn clear(&mut self) -> Result<()> {
        self.0.clear()
    }

    fn delete(&mut self, h: HistoryItemId) -> Result<()> {
        self.0.delete(h)
    }

    fn sync(&mut self) -> std::io::Result<()> {
        self.0.sync()
    }

    fn session(&self) -> Option<HistorySessionId> {
        self.0.session()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secret_lines_are_recognised() {
        assert!(looks_secret(
            "!PBS_PASSWORD=hunter2 proxmox-backup-client list"
        ));
        assert!(looks_secret("!curl -H 'Authorization: PBSAPIToken=a:b'"));
        assert!(!looks_secret("cd host/web1"));
        assert!(!looks_secret("ls -l root.pxar/etc"));
    }

    #[test]
    fn history_file_is_made_private() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("history");
        std::fs::write(&path, "ls\n").unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        make_private(&path).unwrap();
        let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
        assert_eq!(
            std::fs::read_to_string(&path).unwrap(),
            "ls\n",
            "content kept"
        );
        let fresh = dir.path().join("fresh");
        make_private(&fresh).unwrap();
        let mode = std::fs::metadata(&fresh).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
    }

    #[test]
    fn secret_lines_never_reach_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("history");
        let mut history = FilteredHistory(FileBackedHistory::with_file(100, path.clone()).unwrap());
        for line in ["ls", "!export PBS_PASSWORD=hunter2", "cd host"] {
            history.save(HistoryItem::from_command_line(line)).unwrap();
        }
        history.sync().unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(text.contains("cd host") && text.contains("ls"), "{text}");
        assert!(!text.contains("hunter2"), "{text}");
    }
}
