//! `--since T`: a time given as a span back from now (`10m`, `2h 30m`) or as an RFC 3339 time.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// A `--since` value that is neither a span nor an RFC 3339 time.
#[derive(Debug, thiserror::Error)]
#[error(
    "{0:?} is neither a span such as 10m or 2h30m nor an RFC 3339 time such as 2026-11-23T10:00:00Z"
)]
pub struct BadSince(String);

/// Parses `text` into Unix milliseconds, a span counting back from the moment `now`.
pub fn parse_at(text: &str, now: SystemTime) -> Result<i64, BadSince> {
    let at = if let Ok(span) = humantime::parse_duration(text) {
        now.checked_sub(span).unwrap_or(UNIX_EPOCH)
    } else if let Ok(time) = humantime::parse_rfc3339_weak(text) {
        time
    } else {
        return Err(BadSince(text.to_owned()));
    };
    let ms = at
        .duration_since(UNIX_EPOCH)
        .unwrap_or(Duration::ZERO)
        .as_millis();
    Ok(i64::try_from(ms).unwrap_or(i64::MAX))
}

/// Parses `text` against the current time (clap's value parser for `--since`).
pub fn parse(text: &str) -> Result<i64, BadSince> {
    parse_at(text, SystemTime::now())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spans_count_back_and_times_are_absolute() {
        let now = UNIX_EPOCH + Duration::from_secs(10_000);
        assert_eq!(parse_at("10m", now).unwrap(), 9_400_000);
        assert_eq!(parse_at("1970-01-01T00:00:05Z", now).unwrap(), 5000);
        assert_eq!(parse_at("1970-01-01 00:00:05", now).unwrap(), 5000);
        let err = parse_at("yesterday", now).unwrap_err().to_string();
        assert!(err.contains("neither a span"), "{err}");
    }
}
