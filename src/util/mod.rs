//! Small shared pieces below every layer: atomic file writes, secret input, standard paths.

pub mod atomic;
pub mod cancel;
pub mod error_class;
pub mod failpoint;
pub mod host;
pub mod knobs;
pub mod paths;
pub mod rate;
pub mod secrets;
pub mod stdio;
pub mod zeros;
