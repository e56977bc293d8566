#![no_main]
// The body is shared with the replay test: tests/fuzz/harness.rs.
#[path = "../../tests/fuzz/harness.rs"]
mod harness;

libfuzzer_sys::fuzz_target!(|data: &[u8]| harness::paperkey_render(data));
