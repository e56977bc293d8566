//! QR codes drawn module for module as `qrencode` 4.1.1 draws them, for paperkeys.
//!
//! PBS's `key paperkey` hands the key text to the `qrencode` program (error correction M, no
//! margin). One text has many valid QR codes: an encoder chooses how to split the text into
//! numeric, alphanumeric and byte segments, and which of the eight masks to apply. This module
//! makes both choices as qrencode makes them, so a pbsh paperkey carries the very code PBS
//! prints (SPEC: formats.md §8.4):
//!
//! * segments: qrencode's greedy splitter for a case-sensitive string with the 8-bit hint. It
//!   weighs every mode switch with the length fields of versions 1–9 (it splits before it knows
//!   the version) and charges a switch back from a digit run inside an alphanumeric run with
//!   the *numeric* length field, as qrencode does;
//! * version: the smallest one whose data capacity holds the segments;
//! * mask: the one with the lowest penalty by qrencode's rules (2×2 blocks, runs of five or
//!   more, 1:1:3:1:1 finder-like runs measured on run lengths with four light modules on one
//!   side, dark ratio in steps of 5 %), the first one on a tie.
//!
//! Error correction, interleaving, module placement and format bits are fixed by the QR
//! standard; they come from the `qrcode` crate.

use crate::format::error::{FormatError, Result};
use qrcode::bits::Bits;
use qrcode::canvas::{Canvas, MaskPattern};
use qrcode::{Color, EcLevel, Version};

/// The error correction level PBS asks qrencode for.
const EC_LEVEL: EcLevel = EcLevel::M;

/// Length field widths of versions 1–9, which qrencode's splitter weighs switches with.
const SPLIT_LEN_NUMERIC: i64 = 10;
const SPLIT_LEN_ALNUM: i64 = 9;
const SPLIT_LEN_BYTE: i64 = 8;

/// The masks in the order of their pattern numbers (000 to 111).
const MASKS: [MaskPattern; 8] = [
    MaskPattern::Checkerboard,
    MaskPattern::HorizontalLines,
    MaskPattern::VerticalLines,
    MaskPattern::DiagonalLines,
    MaskPattern::LargeCheckerboard,
    MaskPattern::Fields,
    MaskPattern::Diamonds,
    MaskPattern::Meadow,
];

/// A drawn QR code: `width` × `width` modules, row by row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QrMatrix {
    width: usize,
    dark: Vec<bool>,
}

impl QrMatrix {
    /// Modules per side.
    pub fn width(&self) -> usize {
        self.width
    }

    /// Whether the module in column `x`, row `y` is dark (outside the code: light).
    pub fn is_dark(&self, x: usize, y: usize) -> bool {
        x < self.width && self.dark.get(y * self.width + x) == Some(&true)
    }

    /// qrencode's `-t utf8i -m 0`: two module rows per line in half blocks, dark modules drawn,
    /// every line ending in a newline.
    pub fn to_utf8i(&self) -> String {
        let mut out = String::with_capacity(self.width * self.width * 2);
        for y in (0..self.width).step_by(2) {
            for x in 0..self.width {
                out.push(match (self.is_dark(x, y), self.is_dark(x, y + 1)) {
                    (true, true) => '\u{2588}',
                    (true, false) => '\u{2580}',
                    (false, true) => '\u{2584}',
                    (false, false) => ' ',
                });
            }
            out.push('\n');
        }
        out
    }

    /// qrencode's `-t svg -m 0 -s 1` layout (one unit per module, its size in cm at 72 dpi, one
    /// `rect` per dark module), without its "Created with qrencode" comment.
    pub fn to_svg(&self) -> String {
        use std::fmt::Write;
        let w = self.width;
        // As qrencode computes it: a float scale of 72 dpi in dots per cm.
        let scale = (72.0_f64 * (100.0 / 2.54) / 100.0) as f32;
        let cm = f64::from(w as f32 / scale);
        let mut out = format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n\
             <svg width=\"{cm:.2}cm\" height=\"{cm:.2}cm\" viewBox=\"0 0 {w} {w}\" \
             preserveAspectRatio=\"none\" version=\"1.1\" xmlns=\"http://www.w3.org/2000/svg\">\n\
             \t<g id=\"QRcode\">\n\
             \t\t<rect x=\"0\" y=\"0\" width=\"{w}\" height=\"{w}\" fill=\"#ffffff\"/>\n\
             \t\t<g id=\"Pattern\" transform=\"translate(0,0)\">\n"
        );
        for y in 0..w {
            for x in (0..w).filter(|&x| self.is_dark(x, y)) {
                let _ = writeln!(
                    out,
                    "\t\t\t<rect x=\"{x}\" y=\"{y}\" width=\"1\" height=\"1\" fill=\"#000000\"/>"
                );
            }
        }
        out.push_str("\t\t</g>\n\t</g>\n</svg>\n");
        out
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    Numeric,
    Alphanumeric,
    Byte,
}

/// `len` bytes of the text from `start`, in one mode.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Segment {
    mode: Mode,
    start: usize,
    len: usize,
}

fn is_digit(b: u8) -> bool {
    b.is_ascii_digit()
}

/// The 45 characters of the alphanumeric mode (upper case only: the split is case-sensitive).
fn is_alnum(b: u8) -> bool {
    b.is_ascii_digit() || b.is_ascii_uppercase() || b" $%*+-./:".contains(&b)
}

fn mode_at(text: &[u8], i: usize) -> Option<Mode> {
    text.get(i).map(|&b| {
        if is_digit(b) {
            Mode::Numeric
        } else if is_alnum(b) {
            Mode::Alphanumeric
        } else {
            Mode::Byte
        }
    })
}

/// Payload bits of `n` characters in `mode` (without mode indicator and length field).
fn payload_bits(mode: Mode, n: usize) -> i64 {
    let n = n as i64;
    match mode {
        Mode::Numeric => n / 3 * 10 + [0, 4, 7].get((n % 3) as usize).copied().unwrap_or(0),
        Mode::Alphanumeric => n / 2 * 11 + (n % 2) * 6,
        Mode::Byte => n * 8,
    }
}

fn num(n: usize) -> i64 {
    payload_bits(Mode::Numeric, n)
}
fn alnum(n: usize) -> i64 {
    payload_bits(Mode::Alphanumeric, n)
}
fn byte(n: usize) -> i64 {
    payload_bits(Mode::Byte, n)
}

/// The end of the run of bytes from `from` that satisfy `pred`.
fn run_end(text: &[u8], from: usize, pred: fn(u8) -> bool) -> usize {
    let mut p = from;
    while text.get(p).is_some_and(|&b| pred(b)) {
        p += 1;
    }
    p
}

/// Splits `text` into segments as qrencode does.
fn split(text: &[u8]) -> Result<Vec<Segment>> {
    let mut segments = Vec::new();
    let mut pos = 0;
    while pos < text.len() {
        let segment = match mode_at(text, pos) {
            Some(Mode::Numeric) => eat_numeric(text, pos),
            Some(Mode::Alphanumeric) => eat_alnum(text, pos),
            _ => eat_byte(text, pos),
        };
        if segment.len == 0 {
            // qrencode would stop here and drop the rest of the text; refuse instead.
            return Err(FormatError::invalid(
                "QR code",
                format!("cannot split the text at byte {pos}"),
            ));
        }
        pos += segment.len;
        segments.push(segment);
    }
    Ok(segments)
}

fn eat_numeric(text: &[u8], start: usize) -> Segment {
    let end = run_end(text, start, is_digit);
    let run = end - start;
    match mode_at(text, end) {
        Some(Mode::Byte) => {
            let dif = num(run) + 4 + SPLIT_LEN_NUMERIC + byte(1) - byte(run + 1);
            if dif > 0 {
                return eat_byte(text, start);
            }
        }
        Some(Mode::Alphanumeric) => {
            let dif = num(run) + 4 + SPLIT_LEN_NUMERIC + alnum(1) - alnum(run + 1);
            if dif > 0 {
                return eat_alnum(text, start);
            }
        }
        _ => {}
    }
    Segment {
        mode: Mode::Numeric,
        start,
        len: run,
    }
}

fn eat_alnum(text: &[u8], start: usize) -> Segment {
    let mut p = start;
    while let Some(&b) = text.get(p).filter(|&&b| is_alnum(b)) {
        if is_digit(b) {
            let q = run_end(text, p, is_digit);
            let back = if text.get(q).is_some_and(|&b| is_alnum(b)) {
                4 + SPLIT_LEN_NUMERIC
            } else {
                0
            };
            let dif =
                alnum(p - start) + num(q - p) + 4 + SPLIT_LEN_NUMERIC + back - alnum(q - start);
            if dif < 0 {
                break;
            }
            p = q;
        } else {
            p += 1;
        }
    }
    let run = p - start;
    if text.get(p).is_some_and(|&b| !is_alnum(b)) {
        let dif = alnum(run) + 4 + SPLIT_LEN_ALNUM + byte(1) - byte(run + 1);
        if dif > 0 {
            return eat_byte(text, start);
        }
    }
    Segment {
        mode: Mode::Alphanumeric,
        start,
        len: run,
    }
}

fn eat_byte(text: &[u8], start: usize) -> Segment {
    let mut p = start + 1;
    while p < text.len() {
        let (q, bits, len_field) = match mode_at(text, p) {
            Some(Mode::Numeric) => {
                let q = run_end(text, p, is_digit);
                (q, num(q - p), SPLIT_LEN_NUMERIC)
            }
            Some(Mode::Alphanumeric) => {
                let q = run_end(text, p, is_alnum);
                (q, alnum(q - p), SPLIT_LEN_ALNUM)
            }
            _ => {
                p += 1;
                continue;
            }
        };
        let back = if mode_at(text, q) == Some(Mode::Byte) {
            4 + SPLIT_LEN_BYTE
        } else {
            0
        };
        let dif = byte(p - start) + bits + 4 + len_field + back - byte(q - start);
        if dif < 0 {
            break;
        }
        p = q;
    }
    Segment {
        mode: Mode::Byte,
        start,
        len: p.min(text.len()) - start,
    }
}

/// Width of the length field of `mode` in `version`.
fn length_field(mode: Mode, version: i16) -> usize {
    let class = match version {
        ..=9 => 0,
        10..=26 => 1,
        _ => 2,
    };
    let widths = match mode {
        Mode::Numeric => [10, 12, 14],
        Mode::Alphanumeric => [9, 11, 13],
        Mode::Byte => [8, 16, 16],
    };
    widths.get(class).copied().unwrap_or(16)
}

/// Data codewords of `version` at level M.
fn capacity_bytes(version: i16) -> usize {
    Bits::new(Version::Normal(version))
        .max_len(EC_LEVEL)
        .map(|bits| bits / 8)
        .unwrap_or(0)
}

/// The smallest version holding `bytes` data bytes.
fn minimum_version(bytes: usize) -> Result<i16> {
    (1..=40)
        .find(|&v| capacity_bytes(v) >= bytes)
        .ok_or_else(|| FormatError::invalid("QR code", format!("{bytes} bytes do not fit")))
}

/// qrencode's size estimate: a segment longer than its length field can count is split.
fn estimated_bits(segments: &[Segment], version: i16) -> usize {
    let version = version.max(1);
    segments
        .iter()
        .map(|s| {
            let field = length_field(s.mode, version);
            let pieces = s.len.div_ceil(1 << field);
            payload_bits(s.mode, s.len) as usize + pieces * (4 + field)
        })
        .sum()
}

/// The segments as bits for `version` (a segment longer than the length field allows is cut in
/// pieces of the largest count).
fn encode_segments(text: &[u8], segments: &[Segment], version: i16) -> Result<Bits> {
    let mut bits = Bits::new(Version::Normal(version));
    for s in segments {
        let data = text
            .get(s.start..s.start + s.len)
            .ok_or_else(|| FormatError::invalid("QR code", "segment outside the text"))?;
        let most = (1usize << length_field(s.mode, version)) - 1;
        for piece in data.chunks(most) {
            match s.mode {
                Mode::Numeric => bits.push_numeric_data(piece),
                Mode::Alphanumeric => bits.push_alphanumeric_data(piece),
                Mode::Byte => bits.push_byte_data(piece),
            }
            .map_err(|e| FormatError::invalid("QR code", e.to_string()))?;
        }
    }
    Ok(bits)
}

/// Draws `text` as qrencode 4.1.1 draws it with error correction M.
pub fn encode(text: &[u8]) -> Result<QrMatrix> {
    if text.is_empty() || text.contains(&0) {
        return Err(FormatError::invalid(
            "QR code",
            "text is empty or has a NUL byte",
        ));
    }
    let segments = split(text)?;
    // qrencode's version estimate, from below (its first step starts one version lower).
    let mut version = 0;
    loop {
        let prev = version;
        let mut v = minimum_version(estimated_bits(&segments, prev).div_ceil(8))?;
        if prev == 0 && v > 1 {
            v -= 1;
        }
        version = v;
        if version <= prev {
            break;
        }
    }
    let mut bits = loop {
        let bits = encode_segments(text, &segments, version)?;
        let need = minimum_version(bits.len().div_ceil(8))?;
        if need > version {
            version = need;
        } else {
            break bits;
        }
    };
    let version = Version::Normal(version);
    bits.push_terminator(EC_LEVEL)
        .map_err(|e| FormatError::invalid("QR code", e.to_string()))?;
    let (data, ec) = qrcode::ec::construct_codewords(&bits.into_bytes(), version, EC_LEVEL)
        .map_err(|e| FormatError::invalid("QR code", e.to_string()))?;
    let mut canvas = Canvas::new(version, EC_LEVEL);
    canvas.draw_all_functional_patterns();
    canvas.draw_data(&data, &ec);
    let width = version.width() as usize;
    let mut best: Option<(i64, Vec<bool>)> = None;
    for mask in MASKS {
        let mut masked = canvas.clone();
        masked.apply_mask(mask);
        let dark: Vec<bool> = masked
            .into_colors()
            .into_iter()
            .map(|c| c == Color::Dark)
            .collect();
        let score = penalty(width, &dark);
        if best.as_ref().is_none_or(|(lowest, _)| score < *lowest) {
            best = Some((score, dark));
        }
    }
    let (_, dark) = best.ok_or_else(|| FormatError::invalid("QR code", "no mask"))?;
    Ok(QrMatrix { width, dark })
}

/// qrencode's mask penalty of a finished symbol (format information drawn).
fn penalty(width: usize, dark: &[bool]) -> i64 {
    let area = (width * width) as i64;
    let blacks = dark.iter().filter(|d| **d).count() as i64;
    let percent = (200 * blacks + area) / area / 2;
    let mut demerit = (percent - 50).abs() / 5 * 10;
    let rows: Vec<&[bool]> = dark.chunks(width).collect();
    for pair in rows.windows(2) {
        let [upper, lower] = pair else { continue };
        for (top, bottom) in upper.windows(2).zip(lower.windows(2)) {
            if let ([a, b], [c, d]) = (top, bottom) {
                if a == b && b == c && c == d {
                    demerit += 3;
                }
            }
        }
    }
    for row in &rows {
        demerit += runs_penalty(row.iter().copied());
    }
    for x in 0..width {
        demerit += runs_penalty(rows.iter().filter_map(|row| row.get(x).copied()));
    }
    demerit
}

/// Penalty of one row or column from its run lengths: light runs at even positions, so a line
/// that starts dark gets a placeholder light run of -1 first (as qrencode counts).
fn runs_penalty(line: impl Iterator<Item = bool>) -> i64 {
    let mut runs: Vec<i64> = Vec::new();
    let mut prev = None;
    for module in line {
        match runs.last_mut() {
            Some(run) if prev == Some(module) => *run += 1,
            _ => {
                if prev.is_none() && module {
                    runs.push(-1);
                }
                runs.push(1);
                prev = Some(module);
            }
        }
    }
    n1_n3(&runs)
}

/// Runs of five or more (3 + excess), and dark runs of 3k between four runs of k with at
/// least 4k light on one side (40).
#[allow(clippy::indexing_slicing)] // 3 <= i and i + 2 < runs.len(); i + 3 only when i + 4 < len
fn n1_n3(runs: &[i64]) -> i64 {
    let len = runs.len();
    let mut demerit = 0;
    for (i, &run) in runs.iter().enumerate() {
        if run >= 5 {
            demerit += 3 + (run - 5);
        }
        if i % 2 == 1 && i >= 3 && i + 2 < len && run % 3 == 0 {
            let k = run / 3;
            let finder_like =
                runs[i - 2] == k && runs[i - 1] == k && runs[i + 1] == k && runs[i + 2] == k;
            let light_side = i == 3 || runs[i - 3] >= 4 * k || i + 4 >= len || runs[i + 3] >= 4 * k;
            if finder_like && light_side {
                demerit += 40;
            }
        }
    }
    demerit
}

#[cfg(test)]
mod tests {
    use super::*;

    fn modes(text: &[u8]) -> Vec<(Mode, usize)> {
        split(text)
            .unwrap()
            .into_iter()
            .map(|s| (s.mode, s.len))
            .collect()
    }

    #[test]
    fn splits_like_qrencode() {
        // A short digit run inside bytes stays in the byte segment; a long one is split out.
        assert_eq!(modes(b"ab12cd"), vec![(Mode::Byte, 6)]);
        assert_eq!(
            modes(b"ab1234567890123cd"),
            vec![(Mode::Byte, 2), (Mode::Numeric, 13), (Mode::Byte, 2)]
        );
        // Digits followed by upper-case letters go into one alphanumeric segment.
        assert_eq!(
            modes(b"2026-12-06T00:30:55"),
            vec![(Mode::Alphanumeric, 19)]
        );
        assert_eq!(modes(b"12345678"), vec![(Mode::Numeric, 8)]);
    }

    #[test]
    fn a_run_of_five_scores_three_and_more_for_longer() {
        assert_eq!(n1_n3(&[5]), 3);
        assert_eq!(n1_n3(&[-1, 7]), 5);
        // light 4, dark 1, light 1, dark 3, light 1, dark 1: a finder-like run.
        assert_eq!(n1_n3(&[4, 1, 1, 3, 1, 1]), 40);
    }

    #[test]
    fn hello_world_is_drawn_as_qrencode_draws_it() {
        // `printf 'HELLO WORLD' | qrencode -l M -m 0 -t utf8i` (qrencode 4.1.1): mask 0.
        let drawn = encode(b"HELLO WORLD").unwrap().to_utf8i();
        assert_eq!(drawn, HELLO_WORLD);
    }

    const HELLO_WORLD: &str = concat!(
        "█▀▀▀▀▀█ ▄▄█ ▀ █▀▀▀▀▀█\n",
        "█ ███ █   █ █ █ ███ █\n",
        "█ ▀▀▀ █ ▀▄██▀ █ ▀▀▀ █\n",
        "▀▀▀▀▀▀▀ ▀ ▀ ▀ ▀▀▀▀▀▀▀\n",
        "▀▄█▄█ ▀ ▄▀ ▄▀   █  ▀▄\n",
        "▄▄▄█▀█▀██▀ █▄▄▀▄▀█▄▄ \n",
        " ▀  ▀▀▀▀▄▀▄▀  █▀▀ █ █\n",
        "█▀▀▀▀▀█  ▄▄ ▀ ▄█ █▀  \n",
        "█ ███ █ ▀▀▄▄▀▄▀█▀▀▀█▀\n",
        "█ ▀▀▀ █ ▀▀▀█▄█▀▀ █ ▄█\n",
        "▀▀▀▀▀▀▀ ▀▀ ▀ ▀▀▀    ▀\n",
    );

    #[test]
    fn svg_has_qrencode_s_layout() {
        let svg = encode(b"HELLO WORLD").unwrap().to_svg();
        assert!(
            svg.contains(r#"<svg width="0.74cm" height="0.74cm" viewBox="0 0 21 21""#),
            "{svg}"
        );
        assert!(svg
            .contains("\t\t\t<rect x=\"0\" y=\"0\" width=\"1\" height=\"1\" fill=\"#000000\"/>\n"));
        assert!(svg.ends_with("\t\t</g>\n\t</g>\n</svg>\n"));
    }
}
