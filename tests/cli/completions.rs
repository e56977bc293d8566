//! The committed completion scripts under `completions/` are what `pbsh completion SHELL`
//! prints today (regenerate them with `scripts/gen-completions.sh` when the CLI changes).

use crate::common;

#[test]
fn committed_completion_scripts_are_current() {
    let dir = tempfile::tempdir().unwrap();
    for shell in ["bash", "zsh", "fish"] {
        let out = common::pbsh(dir.path(), dir.path(), &["completion", shell], &[]);
        assert!(out.status.success(), "{}", common::stderr(&out));
        let committed = std::fs::read(
            std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                .join(format!("completions/pbsh.{shell}")),
        )
        .unwrap();
        assert!(
            out.stdout == committed,
            "completions/pbsh.{shell} is stale: run scripts/gen-completions.sh"
        );
        let text = String::from_utf8_lossy(&out.stdout);
        for word in ["restore", "snapshot", "repository"] {
            assert!(text.contains(word), "{shell} completion lacks {word}");
        }
    }
}
