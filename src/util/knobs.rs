//! Test and tuning knobs read from the environment (ticket lifetimes, upload depth, read-ahead).

/// The number in the environment variable `var` when it lies in `1..=max`, else `default`.
pub fn positive(var: &str, default: i64, max: i64) -> i64 {
    std::env::var(var)
        .ok()
        .and_then(|v| v.trim().parse::<i64>().ok())
        .filter(|v| (1..=max).contains(v))
        .unwrap_or(default)
}

/// `positive` for a count: the number in `var` when it lies in `1..=max`, else `default`.
pub fn count(var: &str, default: usize, max: usize) -> usize {
    let clamp = |n: usize| i64::try_from(n).unwrap_or(i64::MAX);
    usize::try_from(positive(var, clamp(default), clamp(max))).unwrap_or(default)
}
