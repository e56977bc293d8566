//! Renders command results as text tables (PBS's box style), JSON or pretty JSON.
//!
//! The one place results become text; commands hand it values, never print themselves.

use serde_json::Value;
use std::io::{self, Write};

/// `--output-format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum OutputFormat {
    #[default]
    Text,
    Json,
    JsonPretty,
}

/// A column of a Name/Value table: the JSON key and how to show its value.
pub struct Field {
    pub key: &'static str,
    pub render: fn(&Value) -> String,
}

/// Shows a string or number as is.
pub fn plain(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

/// Writes `value` in `format`; for text, one Name/Value row per present field in `fields` order.
pub fn write_object(
    out: &mut dyn Write,
    format: OutputFormat,
    value: &Value,
    fields: &[Field],
) -> io::Result<()> {
    match format {
        OutputFormat::Json => writeln!(out, "{}", serde_json::to_string(value).unwrap_or_default()),
        OutputFormat::JsonPretty => writeln!(
            out,
            "{}",
            serde_json::to_string_pretty(value).unwrap_or_default()
        ),
        OutputFormat::Text => {
            let rows: Vec<[String; 2]> = fields
                .iter()
                .filter_map(|f| value.get(f.key).map(|v| [f.key.to_string(), (f.render)(v)]))
                .collect();
            write_table(out, &["Name", "Value"], &rows)
        }
    }
}

/// Draws a table with box characters, as proxmox-backup-client does.
pub fn write_table<const N: usize>(
    out: &mut dyn Write,
    headers: &[&str; N],
    rows: &[[String; N]],
) -> io::Result<()> {
    let mut widths = [0usize; N];
    for (i, w) in widths.iter_mut().enumerate() {
        *w = headers[i].chars().count().max(if i == 0 { 4 } else { 5 });
        for row in rows {
            *w = (*w).max(row[i].chars().count());
        }
    }
    let line = |left: &str, mid: &str, right: &str, fill: &str| {
        let mut s = String::new();
        for (i, w) in widths.iter().enumerate() {
            s.push_str(if i == 0 { left } else { mid });
            s.push_str(&fill.repeat(w + 2));
        }
        s.push_str(right);
        s
    };
    let row_text = |cells: &[String]| {
        let mut s = String::new();
        for (cell, w) in cells.iter().zip(widths.iter()) {
            let pad = w - cell.chars().count();
            s.push_str("│ ");
            s.push_str(cell);
            s.push_str(&" ".repeat(pad + 1));
        }
        s.push('│');
        s
    };
    writeln!(out, "{}", line("┌", "┬", "┐", "─"))?;
    let header_cells: Vec<String> = headers.iter().map(|h| h.to_string()).collect();
    writeln!(out, "{}", row_text(&header_cells))?;
    writeln!(out, "{}", line("╞", "╪", "╡", "═"))?;
    for (i, row) in rows.iter().enumerate() {
        writeln!(out, "{}", row_text(row))?;
        if i + 1 < rows.len() {
            writeln!(out, "{}", line("├", "┼", "┤", "─"))?;
        }
    }
    writeln!(out, "{}", line("└", "┴", "┘", "─"))
}

/// Writes any serialisable value as JSON (compact or pretty; `Text` means compact here).
pub fn write_json<T: serde::Serialize + ?Sized>(
    out: &mut dyn Write,
    value: &T,
    format: OutputFormat,
) -> anyhow::Result<()> {
    let text = if format == OutputFormat::JsonPretty {
        serde_json::to_string_pretty(value)?
    } else {
        serde_json::to_string(value)?
    };
    writeln!(out, "{text}")?;
    Ok(())
}

/// The command-line spelling of a value of an option (`sign-only`), for messages.
pub fn value_name(value: &impl clap::ValueEnum) -> String {
    value
        .to_possible_value()
        .map(|v| v.get_name().to_string())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn table_has_pbs_box_style() {
        let mut out = Vec::new();
        let v = json!({"kdf": "scrypt", "path": "k.json"});
        let fields = [
            Field {
                key: "path",
                render: plain,
            },
            Field {
                key: "kdf",
                render: plain,
            },
        ];
        write_object(&mut out, OutputFormat::Text, &v, &fields).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert_eq!(
            text,
            "┌──────┬────────┐\n│ Name │ Value  │\n╞══════╪════════╡\n│ path │ k.json │\n├──────┼────────┤\n│ kdf  │ scrypt │\n└──────┴────────┘\n"
        );
    }
}
