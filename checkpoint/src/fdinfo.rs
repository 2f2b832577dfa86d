//! Parsing of the kind-specific lines of `/proc/PID/fdinfo/N` for eventfd, timerfd, signalfd
//! and epoll descriptors. A missing or malformed field is an error, never a default.

/// A field of an fdinfo text that is missing or malformed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("its fdinfo has no well-formed `{field}` line")]
pub struct FdinfoError {
    /// The field.
    pub field: &'static str,
}

/// The value after `key:` on the first line that starts with it.
fn field<'a>(text: &'a str, key: &'static str) -> Result<&'a str, FdinfoError> {
    text.lines()
        .find_map(|l| l.strip_prefix(key)?.strip_prefix(':'))
        .map(str::trim)
        .ok_or(FdinfoError { field: key })
}

fn hex(text: &str, key: &'static str) -> Result<u64, FdinfoError> {
    u64::from_str_radix(field(text, key)?, 16).map_err(|_| FdinfoError { field: key })
}

fn dec<T: std::str::FromStr>(text: &str, key: &'static str) -> Result<T, FdinfoError> {
    field(text, key)?
        .parse()
        .map_err(|_| FdinfoError { field: key })
}

/// An eventfd's counter and whether it has `EFD_SEMAPHORE` semantics.
pub fn eventfd(text: &str) -> Result<(u64, bool), FdinfoError> {
    let count = hex(text, "eventfd-count")?;
    let semaphore = match field(text, "eventfd-semaphore")? {
        "0" => false,
        "1" => true,
        _ => {
            return Err(FdinfoError {
                field: "eventfd-semaphore",
            });
        }
    };
    Ok((count, semaphore))
}

/// What fdinfo tells of a timerfd; `value` is the time remaining, whatever the flags.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timerfd {
    /// Clock id.
    pub clockid: i32,
    /// Expirations not read yet.
    pub ticks: u64,
    /// `timerfd_settime` flags.
    pub settime_flags: u32,
    /// Time remaining (seconds, nanoseconds).
    pub value: (u64, u64),
    /// Period (seconds, nanoseconds).
    pub interval: (u64, u64),
}

/// `(S, N)` as fdinfo writes a timespec.
fn timespec(text: &str, key: &'static str) -> Result<(u64, u64), FdinfoError> {
    let bad = || FdinfoError { field: key };
    let v = field(text, key)?;
    let (s, n) = v
        .strip_prefix('(')
        .and_then(|v| v.strip_suffix(')'))
        .and_then(|v| v.split_once(','))
        .ok_or_else(bad)?;
    let s = s.trim().parse().map_err(|_| bad())?;
    let n = n.trim().parse().map_err(|_| bad())?;
    if n >= 1_000_000_000 {
        return Err(bad());
    }
    Ok((s, n))
}

/// A timerfd's clock, expirations, flags and times.
pub fn timerfd(text: &str) -> Result<Timerfd, FdinfoError> {
    let flags = field(text, "settime flags")?;
    Ok(Timerfd {
        clockid: dec(text, "clockid")?,
        ticks: dec(text, "ticks")?,
        settime_flags: u32::from_str_radix(flags, 8).map_err(|_| FdinfoError {
            field: "settime flags",
        })?,
        value: timespec(text, "it_value")?,
        interval: timespec(text, "it_interval")?,
    })
}

/// A signalfd's signal mask.
pub fn signalfd(text: &str) -> Result<u64, FdinfoError> {
    hex(text, "sigmask")
}

/// One `tfd:` line of an epoll instance's fdinfo.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EpollTarget {
    /// The descriptor number it was registered under.
    pub fd: i32,
    /// `EPOLL*` event bits.
    pub events: u32,
    /// User data.
    pub data: u64,
    /// Inode of the watched file.
    pub ino: u64,
}

/// What an epoll instance watches: every `tfd:` line, in the kernel's order.
pub fn epoll(text: &str) -> Result<Vec<EpollTarget>, FdinfoError> {
    text.lines()
        .filter_map(|l| l.strip_prefix("tfd:"))
        .map(|l| {
            let mut w = l.split_whitespace();
            let fd = w
                .next()
                .and_then(|v| v.parse().ok())
                .ok_or(FdinfoError { field: "tfd" })?;
            let mut next = |key: &'static str| -> Result<&str, FdinfoError> {
                match (w.next(), w.next()) {
                    (Some(k), Some(v)) if k.strip_suffix(':') == Some(key) => Ok(v),
                    _ => Err(FdinfoError { field: key }),
                }
            };
            let events = u32::from_str_radix(next("events")?, 16)
                .map_err(|_| FdinfoError { field: "events" })?;
            let data = u64::from_str_radix(next("data")?, 16)
                .map_err(|_| FdinfoError { field: "data" })?;
            let ino = w
                .find_map(|f| f.strip_prefix("ino:"))
                .and_then(|v| u64::from_str_radix(v, 16).ok())
                .ok_or(FdinfoError { field: "ino" })?;
            Ok(EpollTarget {
                fd,
                events,
                data,
                ino,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const COMMON: &str = "pos:\t0\nflags:\t04002\nmnt_id:\t17\nino:\t1038\n";

    #[test]
    fn eventfd_counter_is_hex() {
        let t = format!(
            "{COMMON}eventfd-count:               1a\neventfd-id: 1\neventfd-semaphore: 1\n"
        );
        assert_eq!(eventfd(&t), Ok((26, true)));
        assert!(eventfd(COMMON).is_err());
        assert!(
            eventfd(&format!(
                "{COMMON}eventfd-count: zz\neventfd-semaphore: 0\n"
            ))
            .is_err()
        );
    }

    #[test]
    fn timerfd_fields() {
        let t = format!(
            "{COMMON}clockid: 1\nticks: 7\nsettime flags: 01\nit_value: (2, 999883656)\nit_interval: (0, 100000000)\n"
        );
        assert_eq!(
            timerfd(&t),
            Ok(Timerfd {
                clockid: 1,
                ticks: 7,
                settime_flags: 1,
                value: (2, 999_883_656),
                interval: (0, 100_000_000),
            })
        );
        let bad = t.replace("(0, 100000000)", "(0 100000000)");
        assert_eq!(
            timerfd(&bad),
            Err(FdinfoError {
                field: "it_interval"
            })
        );
    }

    #[test]
    fn signalfd_mask() {
        let t = format!("{COMMON}sigmask:\t0000001000000200\n");
        assert_eq!(signalfd(&t), Ok(0x10_0000_0200));
        assert!(signalfd(COMMON).is_err());
    }

    #[test]
    fn epoll_watches() {
        let t = format!(
            "{COMMON}tfd:        4 events: 80000019 data: 1234567890abcdef  pos:0 ino:40e sdev:10\ntfd:        3 events:       1 data:                3  pos:0 ino:40f sdev:10\n"
        );
        assert_eq!(
            epoll(&t),
            Ok(vec![
                EpollTarget {
                    fd: 4,
                    events: 0x8000_0019,
                    data: 0x1234_5678_90ab_cdef,
                    ino: 0x40e,
                },
                EpollTarget {
                    fd: 3,
                    events: 1,
                    data: 3,
                    ino: 0x40f,
                },
            ])
        );
        assert_eq!(epoll(COMMON), Ok(vec![]));
        assert!(epoll(&format!("{COMMON}tfd: 4 events: 1\n")).is_err());
    }
}
