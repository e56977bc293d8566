//! A zstd compressor that writes PBS's chunk frame while reading its input in place.
//!
//! PBS compresses a chunk as a stream of unknown length at level 1 (no content size in the
//! frame header, the level's default window). zstd's buffered streaming mode would copy every
//! input byte into its own window buffer and match across that ring (its slower "extDict"
//! path); with `ZSTD_c_stableInBuffer` it reads the caller's slice directly. The frame header
//! and parameters are PBS's; the matches found in a large chunk may differ from the buffered
//! mode's (often a few bytes smaller), which the format allows (formats.md §1.2: only the
//! decompressed bytes matter). Inputs under one block take the buffered path and come out
//! byte for byte as PBS's (small blobs such as manifests re-encode identically).
//!
//! The safe `zstd-safe` API cannot express a stable input (it borrows the input per call), so
//! the few calls are made through `zstd-sys` here, with the input borrowed for the whole frame.

use zstd::zstd_safe::zstd_sys;

/// `ZSTD_c_stableInBuffer` (zstd.h: `ZSTD_c_experimentalParam9`).
const STABLE_IN_BUFFER: zstd_sys::ZSTD_cParameter =
    zstd_sys::ZSTD_cParameter::ZSTD_c_experimentalParam9;

/// Inputs below one zstd block (128 KiB) go through the buffered mode: there, a stable input
/// would be held back until the frame's end and compressed as a known-size source, which
/// gives another frame than PBS's.
const STABLE_MIN: usize = 128 * 1024;

/// zstd compression contexts, configured for PBS's chunk frames.
pub struct FrameCompressor {
    ctx: std::ptr::NonNull<zstd_sys::ZSTD_CCtx>,
    buffered: zstd::zstd_safe::CCtx<'static>,
}

// SAFETY: a ZSTD_CCtx has no thread affinity; `FrameCompressor` is used by one thread at a
// time (`&mut self` on every call).
unsafe impl Send for FrameCompressor {}

impl FrameCompressor {
    /// A context at `level`, with the stable input buffer; `None` if zstd refuses either.
    pub fn new(level: i32) -> Option<Self> {
        // SAFETY: plain constructor; a null return is handled.
        let ctx = std::ptr::NonNull::new(unsafe { zstd_sys::ZSTD_createCCtx() })?;
        let mut buffered = zstd::zstd_safe::CCtx::create();
        buffered
            .set_parameter(zstd::zstd_safe::CParameter::CompressionLevel(level))
            .ok()?;
        let this = FrameCompressor { ctx, buffered };
        // SAFETY: `ctx` is a live context owned by `this`.
        let ok = unsafe {
            is_ok(zstd_sys::ZSTD_CCtx_setParameter(
                this.ctx.as_ptr(),
                zstd_sys::ZSTD_cParameter::ZSTD_c_compressionLevel,
                level,
            )) && is_ok(zstd_sys::ZSTD_CCtx_setParameter(
                this.ctx.as_ptr(),
                STABLE_IN_BUFFER,
                1,
            ))
        };
        ok.then_some(this)
    }

    /// Appends `data` to `out` as one frame of unknown content size. Returns false, with `out`
    /// as it was, when the frame would not be smaller than `data` (the caller then stores the
    /// chunk uncompressed, as PBS does) or zstd fails.
    pub fn compress_smaller(&mut self, data: &[u8], out: &mut Vec<u8>) -> bool {
        let start = out.len();
        let smaller = self.compress_at(data, out, start);
        if !smaller {
            out.truncate(start);
        }
        smaller
    }

    fn compress_at(&mut self, data: &[u8], out: &mut Vec<u8>, start: usize) -> bool {
        if data.is_empty() {
            return false;
        }
        // At most `len - 1` bytes are wanted ("only when strictly smaller").
        let capacity = data.len() - 1;
        out.reserve_exact(capacity);
        if data.len() < STABLE_MIN {
            return self.compress_buffered(data, out, start);
        }
        let ctx = self.ctx.as_ptr();
        // SAFETY: `ctx` is live; the reset ends any earlier (failed) frame.
        if !is_ok(unsafe {
            zstd_sys::ZSTD_CCtx_reset(ctx, zstd_sys::ZSTD_ResetDirective::ZSTD_reset_session_only)
        }) {
            return false;
        }
        let mut input = zstd_sys::ZSTD_inBuffer {
            src: data.as_ptr().cast(),
            size: data.len(),
            pos: 0,
        };
        let mut output = zstd_sys::ZSTD_outBuffer {
            // SAFETY (of the pointer): `start == out.len() <= capacity`, and `capacity` more
            // bytes are reserved past it.
            dst: out.spare_capacity_mut().as_mut_ptr().cast(),
            size: capacity,
            pos: 0,
        };
        // All input first (continue), then end the frame: ending on the first call would make
        // zstd treat the input as a known-size source, and the frame would differ from PBS's.
        let mut directive = zstd_sys::ZSTD_EndDirective::ZSTD_e_continue;
        loop {
            // SAFETY: `input` points into `data` and `output` into `out`'s reserved capacity;
            // both outlive the frame (this function), and `input` is the same struct on every
            // call with only `pos` moved by zstd, as the stable-input mode requires.
            let left =
                unsafe { zstd_sys::ZSTD_compressStream2(ctx, &mut output, &mut input, directive) };
            if !is_ok(left) {
                return false;
            }
            match directive {
                zstd_sys::ZSTD_EndDirective::ZSTD_e_continue => {
                    if input.pos == input.size {
                        directive = zstd_sys::ZSTD_EndDirective::ZSTD_e_end;
                    } else if output.pos == output.size {
                        return false;
                    }
                }
                _ => {
                    if left == 0 {
                        break;
                    }
                    if output.pos == output.size {
                        return false;
                    }
                }
            }
        }
        // SAFETY: zstd wrote `output.pos <= capacity` initialized bytes past `start`.
        unsafe { out.set_len(start + output.pos) };
        output.pos < data.len()
    }
}

impl FrameCompressor {
    /// The same frame through zstd's own window buffer (one copy of the input).
    fn compress_buffered(&mut self, data: &[u8], out: &mut Vec<u8>, start: usize) -> bool {
        use zstd::zstd_safe::{InBuffer, OutBuffer, ResetDirective};
        use zstd_sys::ZSTD_EndDirective;
        if self.buffered.reset(ResetDirective::SessionOnly).is_err() {
            return false;
        }
        let mut output = OutBuffer::around_pos(out, start);
        let mut input = InBuffer::around(data);
        while input.pos() < data.len() {
            let full = output.pos() == output.capacity();
            match self.buffered.compress_stream2(
                &mut output,
                &mut input,
                ZSTD_EndDirective::ZSTD_e_continue,
            ) {
                Ok(_) if !full => {}
                _ => return false,
            }
        }
        loop {
            let mut empty = InBuffer::around(&[]);
            match self.buffered.compress_stream2(
                &mut output,
                &mut empty,
                ZSTD_EndDirective::ZSTD_e_end,
            ) {
                Ok(0) => break,
                Ok(_) if output.pos() < output.capacity() => {}
                _ => return false,
            }
        }
        out.len() - start < data.len()
    }
}

impl Drop for FrameCompressor {
    fn drop(&mut self) {
        // SAFETY: `ctx` was created by ZSTD_createCCtx and is freed once, here.
        unsafe {
            zstd_sys::ZSTD_freeCCtx(self.ctx.as_ptr());
        }
    }
}

fn is_ok(code: usize) -> bool {
    // SAFETY: a pure function of its argument.
    unsafe { zstd_sys::ZSTD_isError(code) == 0 }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    /// PBS's frame: zstd's buffered streaming encoder at level 1, fed all at once.
    fn buffered_frame(data: &[u8]) -> Vec<u8> {
        let mut enc = zstd::stream::Encoder::new(Vec::new(), 1).unwrap();
        enc.write_all(data).unwrap();
        enc.finish().unwrap()
    }

    fn samples() -> Vec<(String, Vec<u8>)> {
        let mut seed = 0x2545_f491_4f6c_dd1du64;
        let mut next = move || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        let mut out = Vec::new();
        for size in [
            1usize,
            100,
            70_000,
            131_071,
            131_072,
            131_073,
            1 << 20,
            (4 << 20) + 12_345,
            16 << 20,
        ] {
            let random: Vec<u8> = (0..size).map(|_| next() as u8).collect();
            // Text-like: words from a small vocabulary, with repeats far apart (beyond the
            // 512 KiB window), so matches near and at the window's edge are exercised.
            let words = [
                &b"chunk "[..],
                b"digest ",
                b"zstd\n",
                b"pbsh ",
                b"manifest ",
                b"x",
            ];
            let mut text = Vec::with_capacity(size);
            while text.len() < size {
                text.extend_from_slice(words[(next() % 6) as usize]);
                if next() % 97 == 0 {
                    let n = (next() % 40_000) as usize;
                    text.extend((0..n).map(|_| b'a' + (next() % 26) as u8));
                }
            }
            text.truncate(size);
            let mut mixed = random.clone();
            for (i, b) in mixed.iter_mut().enumerate() {
                if (i / 300_000) % 2 == 1 {
                    *b = text[i];
                }
            }
            out.push((format!("random {size}"), random));
            out.push((format!("text {size}"), text));
            out.push((format!("mixed {size}"), mixed));
            out.push((format!("zeros {size}"), vec![0u8; size]));
        }
        out
    }

    #[test]
    fn frames_decode_to_the_input_with_pbs_frame_header() {
        let mut c = FrameCompressor::new(1).unwrap();
        for (name, data) in samples() {
            let expected = buffered_frame(&data);
            // Appended after a header-like prefix, which stays untouched.
            let mut out = b"header".to_vec();
            let smaller = c.compress_smaller(&data, &mut out);
            assert_eq!(&out[..6], b"header", "{name}");
            if !smaller {
                assert_eq!(out.len(), 6, "{name}");
                assert!(
                    expected.len() + 16 >= data.len(),
                    "{name}: buffered mode compresses"
                );
                continue;
            }
            let frame = &out[6..];
            assert!(frame.len() < data.len(), "{name}");
            assert_eq!(zstd::stream::decode_all(frame).unwrap(), data, "{name}");
            // The header PBS writes: no content size, the level's window (unknown-size stream).
            let size = zstd::zstd_safe::get_frame_content_size(frame).unwrap();
            assert_eq!(size, None, "{name}: frame states its size");
            assert_eq!(frame[..6], expected[..6], "{name}: frame header differs");
            // Small inputs take the buffered path: PBS's exact bytes.
            if data.len() < STABLE_MIN {
                assert!(
                    frame == &expected[..],
                    "{name}: small frame differs from PBS's"
                );
            }
        }
    }

    #[test]
    fn incompressible_input_is_reported_not_smaller() {
        let mut c = FrameCompressor::new(1).unwrap();
        let mut out = Vec::new();
        assert!(!c.compress_smaller(&[], &mut out));
        assert!(!c.compress_smaller(&[7], &mut out));
        // The context is reusable after a refused frame.
        assert!(c.compress_smaller(&[0u8; 4096], &mut out));
        assert_eq!(zstd::stream::decode_all(&out[..]).unwrap(), vec![0u8; 4096]);
    }
}
