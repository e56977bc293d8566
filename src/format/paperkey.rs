//! Paperkey: the printable text of a key file or master private key, with QR codes.
//!
//! Builds the text PBS's `key paperkey --output-format text` prints (SPEC: formats.md §8.4); the QR
//! codes are drawn by pbsh itself in qrencode's `utf8i` style, so no external program runs.

use crate::format::error::{FormatError, Result};
use crate::format::keyfile::KeyConfig;
use qrcode::{Color, EcLevel, QrCode};
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

/// Renders the HTML paperkey (one page per block, QR codes as inline SVG).
pub fn paperkey_html(input: &str, subject: Option<&str>) -> Result<String> {
    let mut out = String::from(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <title>Proxmox Backup Paperkey</title>\n<style>\np { font-family: monospace; font-size: 12pt; }\n\
         .page { page-break-after: always; }\n</style>\n</head>\n<body>\n",
    );
    if let Some(subject) = subject {
        let _ = writeln!(out, "<p>Subject: {}</p>", html_escape(subject));
    }
    if is_private_key_pem(input) {
        let lines = pem_lines(input)?;
        for (block_nr, block) in lines.chunks(HTML_PEM_BLOCK_LINES).enumerate() {
            out.push_str("<div class=\"page\">\n<p>\n");
            for (i, line) in block.iter().enumerate() {
                let _ = writeln!(
                    out,
                    "{:02}: {}<br/>",
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
        out.push_str("<div>\n<p>\n-----BEGIN PROXMOX BACKUP KEY-----<br/>\n");
        for line in pretty.lines() {
            let _ = writeln!(out, "{}<br/>", html_escape(line).replace(' ', "&nbsp;"));
        }
        out.push_str("-----END PROXMOX BACKUP KEY-----<br/>\n</p>\n");
        out.push_str(&qr_svg_img(&pretty)?);
        out.push_str("</div>\n");
    }
    out.push_str("</body>\n</html>\n");
    Ok(out)
}

fn qr_svg_img(text: &str) -> Result<String> {
    use base64::Engine;
    let code = QrCode::with_error_correction_level(text.as_bytes(), EcLevel::M)
        .map_err(|e| FormatError::invalid("paperkey", format!("QR code: {e}")))?;
    let svg = code
        .render::<qrcode::render::svg::Color<'_>>()
        .quiet_zone(false)
        .module_dimensions(1, 1)
        .build();
    let encoded = base64::engine::general_purpose::STANDARD_NO_PAD.encode(svg.as_bytes());
    Ok(format!(
        "<img src=\"data:image/svg+xml;base64,{encoded}\" style=\"width:500pt;height:500pt;\"/>\n"
    ))
}

fn html_escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
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

/// Draws `text` as a QR code (error correction M, no margin) with half-block characters, dark
/// modules drawn, two module rows per text line, every line ending in a newline.
pub fn qr_utf8i(text: &str) -> Result<String> {
    let code = QrCode::with_error_correction_level(text.as_bytes(), EcLevel::M)
        .map_err(|e| FormatError::invalid("paperkey", format!("QR code: {e}")))?;
    let width = code.width();
    let colors = code.to_colors();
    let dark = |x: usize, y: usize| y < width && colors.get(y * width + x) == Some(&Color::Dark);
    let mut out = String::with_capacity(width * width);
    for y in (0..width).step_by(2) {
        for x in 0..width {
            out.push(match (dark(x, y), dark(x, y + 1)) {
                (true, true) => '\u{2588}',
                (true, false) => '\u{2580}',
                (false, true) => '\u{2584}',
                (false, false) => ' ',
            });
        }
        out.push('\n');
    }
    Ok(out)
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
