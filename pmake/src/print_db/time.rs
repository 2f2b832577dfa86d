//! Dates in `make -p`: the `ctime` form of its first and last lines and the modification times
//! of files. They are printed in UTC (GNU make uses the local time zone).

use std::time::{SystemTime, UNIX_EPOCH};

const DAYS: [&str; 7] = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"];
const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// Civil date and time of `secs` since the epoch: (year, month 1-12, day, hour, minute, second).
fn civil(secs: i64) -> (i64, u32, u32, u32, u32, u32) {
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    // Howard Hinnant's days-to-civil algorithm.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    let (h, m, s) = (rem / 3600, rem / 60 % 60, rem % 60);
    (year, month, day, h as u32, m as u32, s as u32)
}

/// The current time as `ctime` prints it, without the newline: `Mon Nov 23 19:02:31 2026`.
pub(super) fn ctime_now() -> String {
    let secs = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64);
    let (y, mo, d, h, mi, s) = civil(secs);
    let wday = DAYS[secs.div_euclid(86_400).rem_euclid(7) as usize];
    let month = MONTHS[mo as usize - 1];
    format!("{wday} {month} {d:2} {h:02}:{mi:02}:{s:02} {y}")
}

/// A modification time in nanoseconds as `#  Last modified` shows it:
/// `2026-11-23 19:03:43.318688299`.
pub(super) fn timestamp(nanos: i128) -> String {
    let secs = nanos.div_euclid(1_000_000_000) as i64;
    let frac = nanos.rem_euclid(1_000_000_000);
    let (y, mo, d, h, mi, s) = civil(secs);
    // Nanoseconds without their trailing zeros, as GNU make prints them.
    let frac = format!(".{frac:09}");
    let frac = frac.trim_end_matches('0').trim_end_matches('.');
    format!("{y:04}-{mo:02}-{d:02} {h:02}:{mi:02}:{s:02}{frac}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_known_times() {
        assert_eq!(civil(0), (1970, 1, 1, 0, 0, 0));
        assert_eq!(civil(951_782_400), (2000, 2, 29, 0, 0, 0));
        assert_eq!(
            timestamp(1_795_460_623_318_688_299),
            "2026-11-23 19:03:43.318688299"
        );
        assert_eq!(
            timestamp(1_795_460_623_727_549_610),
            "2026-11-23 19:03:43.72754961"
        );
        assert_eq!(timestamp(1_795_460_623_000_000_000), "2026-11-23 19:03:43");
    }
}
