//! Durations, sizes and times as people read them in a table: short, fixed vocabulary.

use std::time::{Duration, UNIX_EPOCH};

/// A span as its two largest units: `0s`, `45s`, `12m`, `3h05m`, `2d04h`.
pub fn span(ms: u64) -> String {
    let s = ms / 1000;
    match s {
        0..60 => format!("{s}s"),
        60..3600 => format!("{}m", s / 60),
        3600..86_400 => format!("{}h{:02}m", s / 3600, s % 3600 / 60),
        _ => format!("{}d{:02}h", s / 86_400, s % 86_400 / 3600),
    }
}

/// CPU time as `ps` shows it: `m:ss`, or `h:mm:ss` from an hour on.
pub fn cpu_time(ms: u64) -> String {
    let s = ms / 1000;
    if s < 3600 {
        format!("{}:{:02}", s / 60, s % 60)
    } else {
        format!("{}:{:02}:{:02}", s / 3600, s % 3600 / 60, s % 60)
    }
}

/// A size in binary units with at most one decimal: `512B`, `1.5K`, `12M`, `3.1G`.
pub fn bytes(n: u64) -> String {
    const UNITS: [&str; 6] = ["B", "K", "M", "G", "T", "P"];
    let mut value = n as f64;
    let mut unit = 0;
    while value >= 1024.0 && unit + 1 < UNITS.len() {
        value /= 1024.0;
        unit += 1;
    }
    if unit == 0 || value >= 10.0 {
        format!("{value:.0}{}", UNITS[unit])
    } else {
        format!("{value:.1}{}", UNITS[unit])
    }
}

/// A Unix time in milliseconds as RFC 3339 UTC, to the second.
pub fn rfc3339(unix_ms: i64) -> String {
    let at = UNIX_EPOCH + Duration::from_millis(u64::try_from(unix_ms).unwrap_or(0));
    humantime::format_rfc3339_seconds(at).to_string()
}

/// How long before `now_ms` the moment `unix_ms` was (zero for a moment in the future).
pub fn age(now_ms: i64, unix_ms: i64) -> u64 {
    u64::try_from(now_ms.saturating_sub(unix_ms)).unwrap_or(0)
}

/// The current Unix time in milliseconds.
pub fn now_ms() -> i64 {
    let since = UNIX_EPOCH.elapsed().unwrap_or_default();
    i64::try_from(since.as_millis()).unwrap_or(i64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spans_use_their_two_largest_units() {
        assert_eq!(span(0), "0s");
        assert_eq!(span(45_900), "45s");
        assert_eq!(span(12 * 60_000 + 5000), "12m");
        assert_eq!(span(3 * 3_600_000 + 5 * 60_000), "3h05m");
        assert_eq!(span(2 * 86_400_000 + 4 * 3_600_000), "2d04h");
    }

    #[test]
    fn cpu_times_and_sizes() {
        assert_eq!(cpu_time(12_000), "0:12");
        assert_eq!(cpu_time(3_723_000), "1:02:03");
        assert_eq!(bytes(512), "512B");
        assert_eq!(bytes(1536), "1.5K");
        assert_eq!(bytes(12 * 1024 * 1024), "12M");
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00Z");
        assert_eq!(age(1000, 4000), 0);
    }
}
