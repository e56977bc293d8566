//! Test and tuning knobs read from the environment (ticket lifetimes, upload depth, read-ahead).

/// The number in the environment variable `var` when it lies in `1..=max`, else `default`.
pub fn positive(var: &str, default: i64, max: i64) -> i64 {
    std::env::var(var)
        .ok()
        .and_then(|v| v.trim().parse::<i64>().ok())
        .filter(|v| (1..=max).contains(v))
        .unwrap_or(default)
}
