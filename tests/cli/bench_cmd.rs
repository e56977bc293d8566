//! `pbsh bench`: every row measured (briefly) through the real binary, in JSON and as a table.

use crate::common::{pbsh, stderr, stdout};

const MEASURED: [&str; 9] = [
    "sha256",
    "compress",
    "decompress",
    "verify",
    "aes256_gcm",
    "verify_encrypted",
    "chunker",
    "pipeline_single",
    "pipeline_all",
];

#[test]
fn json_reports_every_row_with_a_positive_speed() {
    let tmp = tempfile::tempdir().unwrap();
    let repo = tmp.path().join("repo");
    let repo = repo.to_str().unwrap();
    let out = pbsh(
        tmp.path(),
        tmp.path(),
        &[
            "--repository",
            repo,
            "bench",
            "--duration",
            "0.2",
            "--output-format",
            "json",
        ],
        &[],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let v: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    for key in MEASURED {
        let row = &v[key];
        let speed = row["speed"]
            .as_f64()
            .unwrap_or_else(|| panic!("{key}: {row}"));
        assert!(speed > 0.0, "{key}: {row}");
        assert!(row["name"].as_str().is_some_and(|n| !n.is_empty()), "{key}");
    }
    // PBS's rows carry PBS's reference speed.
    for key in [
        "sha256",
        "compress",
        "decompress",
        "verify",
        "aes256_gcm",
        "tls",
    ] {
        assert!(v[key]["top"].as_f64().unwrap() > 0.0, "{key}");
    }
    // A local repository has no TLS upload to measure.
    assert!(v["tls"]["speed"].is_null(), "{}", v["tls"]);
    assert!(v["tls"]["skipped"].as_str().unwrap().contains("local"));
    let cores = std::thread::available_parallelism().unwrap().get();
    assert_eq!(v["pipeline_all"]["threads"].as_u64(), Some(cores as u64));
    assert_eq!(v["pipeline_single"]["threads"].as_u64(), Some(1));
}

#[test]
fn text_is_a_table_and_bad_durations_are_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let repo = tmp.path().join("repo");
    let repo = repo.to_str().unwrap();
    let out = pbsh(
        tmp.path(),
        tmp.path(),
        &["--repository", repo, "bench", "--duration", "0.05"],
        &[],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(
        text.contains("│ Name ") && text.contains("│ Speed ") && text.contains("│ Reference "),
        "{text}"
    );
    assert!(text.contains("SHA256 checksum computation speed"), "{text}");
    assert!(text.contains("not tested (repository is local)"), "{text}");

    for bad in ["0", "-1", "abc", "nan"] {
        let out = pbsh(
            tmp.path(),
            tmp.path(),
            &["--repository", repo, "bench", "--duration", bad],
            &[],
        );
        assert!(!out.status.success(), "--duration {bad} accepted");
    }

    // The shell runs it too.
    let out = pbsh(
        tmp.path(),
        tmp.path(),
        &[
            "--repository",
            repo,
            "-c",
            "bench --duration 0.05 --output-format json",
        ],
        &[],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let v: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert!(v["sha256"]["speed"].as_f64().unwrap() > 0.0);
}
