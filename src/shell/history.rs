//! The shell's line history on disk, keeping out lines that look like they carry a secret.
//!
//! pbsh never takes passwords as arguments, but a `!cmd` line or a pasted environment variable
//! could; such lines are used once and never written to the history file.

use reedline::{
    FileBackedHistory, History, HistoryItem, HistoryItemId, HistorySessionId, Result, SearchQuery,
};

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
