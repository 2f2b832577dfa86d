//! Small helpers around the operating system: error texts, file times, the current directory.

use std::io;

/// The C library's text for an I/O error ("No such file or directory"), as GNU make prints it.
pub fn strerror(e: &io::Error) -> String {
    let s = e.to_string();
    match s.find(" (os error ") {
        Some(i) => s[..i].to_string(),
        None => s,
    }
}

/// Modification time in nanoseconds, or `None` if the file does not exist.
pub fn mtime(path: &str) -> Option<i128> {
    use std::os::unix::fs::MetadataExt;
    let m = std::fs::metadata(path).ok()?;
    Some(m.mtime() as i128 * 1_000_000_000 + m.mtime_nsec() as i128)
}

/// Modification time as `--check-symlink-times` sees it: the newest of the file's and of
/// every symbolic link on the way to it (GNU make's `name_mtime`).
pub fn mtime_through_links(path: &str) -> Option<i128> {
    use std::os::unix::fs::MetadataExt;
    let mut newest = mtime(path);
    let mut link = std::path::PathBuf::from(path);
    // The kernel's own limit on links followed in one lookup.
    for _ in 0..40 {
        let Ok(m) = std::fs::symlink_metadata(&link) else {
            break;
        };
        if !m.file_type().is_symlink() {
            break;
        }
        let t = m.mtime() as i128 * 1_000_000_000 + m.mtime_nsec() as i128;
        newest = Some(newest.map_or(t, |n| n.max(t)));
        let Ok(target) = std::fs::read_link(&link) else {
            break;
        };
        link = match link.parent() {
            Some(dir) if target.is_relative() => dir.join(target),
            _ => target,
        };
    }
    newest
}

/// Seconds as GNU make prints a clock skew: `%lu` from 99 s on, `%.2g` below.
pub fn format_seconds(s: f64) -> String {
    if s >= 99.0 {
        return format!("{}", s as u64);
    }
    let digits = if s >= 10.0 {
        0
    } else if s >= 1.0 {
        1
    } else {
        (1 - s.log10().floor() as i32).max(0) as usize
    };
    let mut t = format!("{s:.digits$}");
    if t.contains('.') {
        t = t.trim_end_matches('0').trim_end_matches('.').to_string();
    }
    t
}

/// Sets the modification time of `path` to now, creating it if needed (`make -t`).
pub fn touch(path: &str) -> io::Result<()> {
    let f = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)?;
    f.set_modified(std::time::SystemTime::now())
}

#[cfg(test)]
mod tests {
    use super::format_seconds;

    #[test]
    fn seconds_print_like_gnu_make() {
        assert_eq!(format_seconds(4.996), "5");
        assert_eq!(format_seconds(2.5), "2.5");
        assert_eq!(format_seconds(999.7), "999");
        assert_eq!(format_seconds(12.4), "12");
        assert_eq!(format_seconds(0.25), "0.25");
    }
}
