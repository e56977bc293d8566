//! All-zero detection, eight bytes at a time: holes in restored files, zero chunks in images.

/// Whether `data` is all zero bytes (most data fails on its first word).
#[allow(clippy::indexing_slicing)] // `chunks_exact(8)` pieces
pub fn is_zero(data: &[u8]) -> bool {
    let (words, rest) = data.split_at(data.len() - data.len() % 8);
    words
        .chunks_exact(8)
        .all(|w| u64::from_ne_bytes([w[0], w[1], w[2], w[3], w[4], w[5], w[6], w[7]]) == 0)
        && rest.iter().all(|b| *b == 0)
}

#[cfg(test)]
mod tests {
    use super::is_zero;

    #[test]
    fn finds_any_nonzero_byte() {
        assert!(is_zero(&[]));
        assert!(is_zero(&[0u8; 4099]));
        for at in [0, 7, 8, 4095, 4098] {
            let mut data = vec![0u8; 4099];
            data[at] = 1;
            assert!(!is_zero(&data), "byte {at}");
        }
    }
}
