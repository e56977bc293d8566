//! Paperkey: the printable text of a key file or master private key, with QR codes.
//!
//! Builds the text and HTML PBS's `key paperkey` prints (SPEC: formats.md §8.4). The QR codes are
//! drawn by pbsh itself (`format::qr`), module for module as the `qrencode` program PBS runs
//! draws them, so no external program runs.

use crate::format::error::{FormatError, Result};
use crate::format::keyfile::KeyConfig;
use crate::format::qr;
use std::fmt::Write;

/// Lines per block (and per QR code) for a PEM private key.
const PEM_BLOCK_LINES: usize = 5;

/// Renders the text paperkey for a key file or a PEM private key.
pub fn paperkey_text(input: &str, subject: Option<&str>) -> Result<String> {
    let mut out = String::new();
    if let Some(subject) = subject {
        let _ = writeln!(out, "Subject: {subject}\n");
    }
    if is_private_key_pem(input) {
        let lines = pem_lines(input)?;
        for (block_nr, block) in lines.chunks(PEM_BLOCK_LINES).enumerate() {
            for (i, line) in block.iter().enumerate() {
                let _ = writeln!(out, "{:>2}: {}", i + block_nr * PEM_BLOCK_LINES, line);
            }
            let _ = writeln!(out, "{}", qr_utf8i(&block.join("\n"))?);
            let _ = writeln!(out, "\u{c}");
        }
        return Ok(out);
    }
    let key = KeyConfig::parse(input.as_bytes()).map_err(|_| {
        FormatError::invalid(
            "paperkey",
            "input is neither a PEM private key nor a PBS key file",
        )
    })?;
    let pretty = key.to_json_pretty()?;
    let _ = writeln!(out, "-----BEGIN PROXMOX BACKUP KEY-----");
    for line in pretty.lines() {
        let _ = writeln!(out, "{line}");
    }
    let _ = writeln!(out, "-----END PROXMOX BACKUP KEY-----");
    let _ = writeln!(out, "{}", qr_utf8i(&pretty)?);
    Ok(out)
}

/// Lines per page for a PEM private key in the HTML paperkey.
const HTML_PEM_BLOCK_LINES: usize = 20;

/// The HTML page's head, as PBS writes it.
const HTML_HEAD: &str = "<!DOCTYPE html>
<html lang=\"en\">
<head>
<meta charset=\"utf-8\">
<meta name=\"viewport\" content=\"width=device-width, initial-scale=1.0\">
<title>Proxmox Backup Paperkey</title>
<style type=\"text/css\">
  p {
    font-size: 12pt;
    font-family: monospace;
    white-space: pre-wrap;
    line-break: anywhere;
  }
</style>
</head>
<body>
";

/// Renders the HTML paperkey as PBS does (one page per block, QR codes as inline SVG). The one
/// deliberate difference: `&`, `<` and `>` in the subject and the key text (a hint) are
/// escaped, where PBS writes them raw into the page.
pub fn paperkey_html(input: &str, subject: Option<&str>) -> Result<String> {
    let mut out = String::from(HTML_HEAD);
    if let Some(subject) = subject {
        let _ = writeln!(out, "<p>Subject: {}</p>", html_escape(subject));
    }
    if is_private_key_pem(input) {
        let lines = pem_lines(input)?;
        for (block_nr, block) in lines.chunks(HTML_PEM_BLOCK_LINES).enumerate() {
            out.push_str(
                "<div style=\"page-break-inside: avoid;page-break-after: always\">\n<p>\n",
            );
            for (i, line) in block.iter().enumerate() {
                let _ = writeln!(
                    out,
                    "{:02}: {}",
                    i + block_nr * HTML_PEM_BLOCK_LINES,
                    html_escape(line)
                );
            }
            out.push_str("</p>\n");
            out.push_str(&qr_svg_img(&block.join("\n"))?);
            out.push_str("</div>\n");
        }
    } else {
        let key = KeyConfig::parse(input.as_bytes()).map_err(|_| {
            FormatError::invalid(
                "paperkey",
                "input is neither a PEM private key nor a PBS key file",
            )
        })?;
        let pretty = key.to_json_pretty()?;
        out.push_str(
            "<div style=\"page-break-inside: avoid\">\n<p>\n-----BEGIN PROXMOX BACKUP KEY-----\n",
        );
        for line in pretty.lines() {
            let _ = writeln!(out, "{}", html_escape(line));
        }
        out.push_str("-----END PROXMOX BACKUP KEY-----\n</p>\n");
        out.push_str(&qr_svg_img(&pretty)?);
        out.push_str("</div>\n");
    }
    out.push_str("</body>\n</html>\n");
    Ok(out)
}

fn qr_svg_img(text: &str) -> Result<String> {
    use base64::Engine;
    let svg = qr::encode(text.as_bytes())?.to_svg();
    let encoded = base64::engine::general_purpose::STANDARD_NO_PAD.encode(svg.as_bytes());
    Ok(format!(
        "<center>\n<img\nwidth=\"500pt\" height=\"500pt\"\nsrc=\"data:image/svg+xml;base64,{encoded}\"/>\n</center>\n"
    ))
}

fn html_escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

fn is_private_key_pem(input: &str) -> bool {
    input.starts_with("-----BEGIN ENCRYPTED PRIVATE KEY-----\n")
        || input.starts_with("-----BEGIN RSA PRIVATE KEY-----\n")
}

fn pem_lines(input: &str) -> Result<Vec<&str>> {
    let trimmed = input.trim_end();
    let complete = trimmed.ends_with("\n-----END ENCRYPTED PRIVATE KEY-----")
        || trimmed.ends_with("\n-----END RSA PRIVATE KEY-----");
    let lines: Vec<&str> = trimmed
        .lines()
        .map(str::trim_end)
        .filter(|l| !l.is_empty())
        .collect();
    if !complete || lines.len() < 20 {
        return Err(FormatError::invalid(
            "paperkey",
            "unexpected private key format",
        ));
    }
    Ok(lines)
}

/// Draws `text` as the QR code qrencode draws for PBS (`-t utf8i -m 0`, error correction M).
pub fn qr_utf8i(text: &str) -> Result<String> {
    Ok(qr::encode(text.as_bytes())?.to_utf8i())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn qr_code_has_square_shape() {
        let qr = qr_utf8i("hello").unwrap();
        let rows: Vec<&str> = qr.lines().collect();
        let width = rows[0].chars().count();
        assert_eq!(rows.len(), width.div_ceil(2));
        // Finder pattern: the top-left corner is dark.
        assert!(rows[0].starts_with('\u{2588}'));
    }

    #[test]
    fn rejects_garbage_input() {
        assert!(paperkey_text("not a key", None).is_err());
    }
}
