//! Identifiers: job ids are unique across the cluster because they carry the home host's name.

use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};

/// A cluster-wide job id: `<home host>.<boot-unique number>`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct JobId(String);

impl JobId {
    /// A new id for a job whose home is `home`; unique within this process and across restarts
    /// (the counter starts from the clock).
    pub fn new(home: &str) -> Self {
        static NEXT: AtomicU64 = AtomicU64::new(0);
        let start = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_micros() as u64)
            .unwrap_or(1);
        // The first caller seeds the counter from the clock; later ones only increment.
        let _ = NEXT.compare_exchange(0, start, Ordering::Relaxed, Ordering::Relaxed);
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        JobId(format!("{home}.{n:x}"))
    }

    /// The id as a string.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl From<String> for JobId {
    fn from(s: String) -> Self {
        JobId(s)
    }
}

impl fmt::Display for JobId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Milliseconds since the Unix epoch, as carried on the wire.
pub fn unix_ms_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_unique_and_name_their_home() {
        let a = JobId::new("a");
        let b = JobId::new("a");
        assert_ne!(a, b);
        assert!(a.as_str().starts_with("a."));
    }
}
