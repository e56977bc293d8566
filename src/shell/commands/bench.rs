//! `bench`: the speed of each backup stage on this machine, as `proxmox-backup-client benchmark` prints it.

use crate::engine::bench::{self, BenchOptions, BenchResult, UploadSpeedTest};
use crate::engine::pipeline::default_workers;
use crate::repo::maintenance::Supported as _;
use crate::shell::output::{self, OutputFormat};
use crate::shell::Session;
use anyhow::Result;
use clap::Args;
use serde_json::{json, Map, Value};
use std::time::Duration;

#[derive(Debug, Args)]
pub struct BenchArgs {
    /// Seconds to measure each row (fractions allowed, e.g. 0.2)
    #[arg(long, default_value = "1", value_parser = parse_seconds)]
    pub duration: Duration,
    #[arg(long, value_enum, default_value = "text")]
    pub output_format: OutputFormat,
    /// Encrypt with this key file's key (asks for its passphrase) instead of a random one
    #[arg(long)]
    pub keyfile: Option<std::path::PathBuf>,
}

fn parse_seconds(text: &str) -> Result<Duration, String> {
    let secs: f64 = text
        .parse()
        .map_err(|_| format!("`{text}` is not a number of seconds"))?;
    if !secs.is_finite() || secs <= 0.0 || secs > 3600.0 {
        return Err(format!(
            "{text}: expected more than 0 and at most 3600 seconds"
        ));
    }
    Ok(Duration::from_secs_f64(secs))
}

pub fn run(session: &mut Session, args: BenchArgs) -> Result<()> {
    let options = BenchOptions {
        duration: args.duration,
        workers: default_workers(),
        tls_skip_note: "repository is local".into(),
        key: match &args.keyfile {
            Some(_) => super::common::load_crypt(&args.keyfile, false)?.map(|(c, _)| c),
            None => None,
        },
    };
    // The TLS upload speed test of the session's repository (the backup protocol's
    // `speedtest` in a benchmark session); none for a local datastore.
    let repo = session.repo.clone();
    let mut upload = repo.maintenance().upload_speed_test().supported()?;
    let result = bench::run(
        &options,
        upload
            .as_mut()
            .map(|t| &mut **t as &mut dyn UploadSpeedTest),
    )?;
    render(&mut session.out, args.output_format, &result)
}

/// `{"sha256": {"name": …, "speed": bytes/s, "top": PBS reference, "threads": n}, …}`: PBS's
/// keys and fields, plus `name`, `threads` and, for a skipped row, `skipped` (the reason).
pub fn to_json(result: &BenchResult) -> Value {
    let mut rows = Map::new();
    for row in &result.rows {
        let mut v = Map::new();
        v.insert("name".into(), json!(row.name));
        if let Some(speed) = row.speed {
            v.insert("speed".into(), json!(speed));
        }
        if let Some(top) = row.reference {
            v.insert("top".into(), json!(top));
        }
        if let Some(reason) = &row.skipped {
            v.insert("skipped".into(), json!(reason));
        }
        v.insert("threads".into(), json!(row.threads));
        rows.insert(row.id.key().into(), Value::Object(v));
    }
    Value::Object(rows)
}

fn mb_per_s(bytes_per_s: f64) -> String {
    format!("{:.2} MB/s", bytes_per_s / 1_000_000.0)
}

fn render(out: &mut dyn std::io::Write, format: OutputFormat, result: &BenchResult) -> Result<()> {
    match format {
        OutputFormat::Json => writeln!(out, "{}", serde_json::to_string(&to_json(result))?)?,
        OutputFormat::JsonPretty => {
            writeln!(out, "{}", serde_json::to_string_pretty(&to_json(result))?)?
        }
        OutputFormat::Text => {
            let rows: Vec<[String; 4]> = result
                .rows
                .iter()
                .map(|row| {
                    [
                        row.name.clone(),
                        match (row.speed, &row.skipped) {
                            (Some(s), _) => mb_per_s(s),
                            (None, Some(reason)) => format!("not tested ({reason})"),
                            (None, None) => "not tested".into(),
                        },
                        row.reference.map(mb_per_s).unwrap_or_else(|| "-".into()),
                        row.percent()
                            .map(|p| format!("{p:.0}%"))
                            .unwrap_or_else(|| "-".into()),
                    ]
                })
                .collect();
            output::write_table(out, &["Name", "Speed", "Reference", "%"], &rows)?;
            writeln!(
                out,
                "Reference: PBS's published values (AMD Ryzen 7 2700X); 1 MB = 10^6 bytes. \
                 Pipeline: chunker (one thread) feeding SHA-256 + zstd-1 + AES-256-GCM workers."
            )?;
        }
    }
    Ok(())
}
