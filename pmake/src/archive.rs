//! `ar` archives as GNU make sees them: archive-member names (`lib.a(foo.o)`), reading
//! member dates from an archive (GNU `//` long-name tables, `name/` short names, BSD
//! `#1/N` names), globbing over members and touching a member (`make -t`).

use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom, Write};

const MAGIC: &[u8; 8] = b"!<arch>\n";
const HEADER: usize = 60;
/// Short names in a header are compared on this many bytes, as GNU make does (`ar_name`
/// is 16 bytes, one of which may be the terminating `/`).
const SHORT_NAME: usize = 15;

/// Splits an archive-member reference `archive(member)` into its archive and member;
/// `None` for an ordinary file name (GNU make's `ar_name` and `ar_parse_name`).
pub fn split(name: &str) -> Option<(&str, &str)> {
    let open = name.find('(')?;
    if open == 0 || !name.ends_with(')') || name.len() < open + 3 {
        return None;
    }
    Some((&name[..open], &name[open + 1..name.len() - 1]))
}

/// Whether a member reference has the unsupported `lib((entry))` form.
pub fn is_entry_reference(member: &str) -> bool {
    member.starts_with('(') && member.ends_with(')')
}

/// Splits the words of a file list, writing archive groups out member by member:
/// `lib.a(x.o y.o)` is `lib.a(x.o) lib.a(y.o)` (GNU make's `parse_file_seq`). A group
/// opens at a word with `(` only if a later word ends with `)`.
pub fn expand_groups(text: &str) -> Vec<String> {
    let ws: Vec<&str> = crate::text::words(text).collect();
    let mut out = Vec::new();
    let mut prefix: Option<&str> = None;
    for (i, &word) in ws.iter().enumerate() {
        let mut w = word;
        if prefix.is_none()
            && !w.starts_with('(')
            && !w.ends_with(')')
            && let Some(open) = w.find('(')
            && ws[i + 1..].iter().any(|x| x.ends_with(')'))
        {
            prefix = Some(&w[..=open]);
            w = &w[open + 1..];
            if w.is_empty() {
                continue;
            }
        }
        match prefix {
            Some(p) if w.ends_with(')') => {
                prefix = None;
                if w != ")" {
                    out.push(format!("{p}{w}"));
                }
            }
            Some(p) => out.push(format!("{p}{w})")),
            None => out.push(w.to_string()),
        }
    }
    out
}

/// One member of an archive.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Member {
    pub name: String,
    /// The header's date field (seconds since the epoch; 0 when `ar` ran in deterministic mode).
    pub date: i64,
    /// Offset of the member's header in the archive.
    pub header: u64,
    /// The name came from the 16-byte header field and may have been cut short.
    pub truncated: bool,
}

/// Why an archive could not be read.
#[derive(Debug)]
pub enum ArchiveError {
    /// The file could not be opened.
    Missing,
    /// The file is not an `ar` archive, or is cut short or corrupt.
    Invalid,
}

/// Reads the member list of the archive at `path`.
pub fn members(path: &str) -> Result<Vec<Member>, ArchiveError> {
    let mut f = File::open(path).map_err(|_| ArchiveError::Missing)?;
    let mut magic = [0u8; 8];
    f.read_exact(&mut magic)
        .map_err(|_| ArchiveError::Invalid)?;
    if &magic != MAGIC {
        return Err(ArchiveError::Invalid);
    }
    let mut out = Vec::new();
    let mut names: Vec<u8> = Vec::new();
    let mut pos = MAGIC.len() as u64;
    loop {
        let mut h = [0u8; HEADER];
        let n = read_full(&mut f, &mut h).map_err(|_| ArchiveError::Invalid)?;
        if n == 0 {
            return Ok(out);
        }
        if n < HEADER || &h[58..60] != b"`\n" {
            return Err(ArchiveError::Invalid);
        }
        let size = decimal(&h[48..58])
            .filter(|&s| s >= 0)
            .ok_or(ArchiveError::Invalid)? as u64;
        let date = decimal(&h[16..28]).unwrap_or(0);
        let raw = String::from_utf8_lossy(&h[..16]);
        let raw = raw.trim_end_matches(' ');
        let data = pos + HEADER as u64;
        let next = data + size + (size & 1);
        let member = |name: String, truncated| Member {
            name,
            date,
            header: pos,
            truncated,
        };
        match raw {
            "//" | "ARFILENAMES/" => {
                names = vec![0; usize::try_from(size).map_err(|_| ArchiveError::Invalid)?];
                f.read_exact(&mut names)
                    .map_err(|_| ArchiveError::Invalid)?;
            }
            // Symbol tables.
            "/" | "/SYM64/" => {}
            _ => {
                if let Some(off) = raw.strip_prefix('/').and_then(|n| n.parse::<usize>().ok()) {
                    let rest = names.get(off..).ok_or(ArchiveError::Invalid)?;
                    let end = rest.iter().position(|&b| b == b'\n').unwrap_or(rest.len());
                    let name = String::from_utf8_lossy(&rest[..end]);
                    out.push(member(name.trim_end_matches('/').to_string(), false));
                } else if let Some(len) =
                    raw.strip_prefix("#1/").and_then(|n| n.parse::<u64>().ok())
                {
                    if len > size {
                        return Err(ArchiveError::Invalid);
                    }
                    let mut name =
                        vec![0; usize::try_from(len).map_err(|_| ArchiveError::Invalid)?];
                    f.read_exact(&mut name).map_err(|_| ArchiveError::Invalid)?;
                    let name = String::from_utf8_lossy(&name);
                    out.push(member(name.trim_end_matches('\0').to_string(), false));
                } else {
                    let name = raw
                        .strip_suffix('/')
                        .filter(|n| !n.is_empty())
                        .unwrap_or(raw);
                    out.push(member(name.to_string(), true));
                }
            }
        }
        f.seek(SeekFrom::Start(next))
            .map_err(|_| ArchiveError::Invalid)?;
        pos = next;
    }
}

/// Reads until `buf` is full or the file ends; returns the bytes read.
fn read_full(f: &mut File, buf: &mut [u8]) -> io::Result<usize> {
    let mut n = 0;
    while n < buf.len() {
        match f.read(&mut buf[n..])? {
            0 => break,
            k => n += k,
        }
    }
    Ok(n)
}

/// A header's decimal field as C's `atol` reads it (leading blanks, a sign, digits).
fn decimal(field: &[u8]) -> Option<i64> {
    let s = std::str::from_utf8(field).ok()?.trim_start();
    let (neg, digits) = match s.strip_prefix('-') {
        Some(d) => (true, d),
        None => (false, s.strip_prefix('+').unwrap_or(s)),
    };
    let end = digits
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(digits.len());
    let v: i64 = digits[..end].parse().ok()?;
    Some(if neg { -v } else { v })
}

/// Whether archive member `mem` is the member `wanted` names (its last path component;
/// names cut short in the header compare on their first bytes only).
fn name_equal(wanted: &str, mem: &Member) -> bool {
    let wanted = wanted.rsplit('/').next().unwrap_or(wanted);
    if mem.truncated {
        wanted
            .bytes()
            .take(SHORT_NAME)
            .eq(mem.name.bytes().take(SHORT_NAME))
    } else {
        wanted == mem.name
    }
}

/// The date of `member` in the archive at `path`, in seconds; `None` if the archive is
/// missing or unreadable or has no such member. As in GNU make 4.3, a date of 0 (what `ar`
/// writes in deterministic mode) counts as no member.
pub fn member_date(path: &str, member: &str) -> Option<i64> {
    let list = members(path).ok()?;
    let m = list.iter().find(|m| m.date != 0 && name_equal(member, m))?;
    (m.date > 0).then_some(m.date)
}

/// Whether a member pattern has glob characters (GNU make's `ar_glob_pattern_p`).
fn is_pattern(pattern: &str) -> bool {
    let mut opened = false;
    let mut chars = pattern.chars();
    while let Some(c) = chars.next() {
        match c {
            '?' | '*' => return true,
            '\\' => {
                chars.next();
            }
            '[' => opened = true,
            ']' if opened => return true,
            _ => {}
        }
    }
    false
}

/// The members of archive `path` matching glob `pattern`, as sorted `path(member)` names;
/// `None` if the pattern has no glob characters or nothing matches.
pub fn glob(path: &str, pattern: &str) -> Option<Vec<String>> {
    if !is_pattern(pattern) {
        return None;
    }
    let pat = glob::Pattern::new(pattern).ok()?;
    let opts = glob::MatchOptions {
        case_sensitive: true,
        require_literal_separator: true,
        require_literal_leading_dot: true,
    };
    let mut out: Vec<String> = members(path)
        .ok()?
        .into_iter()
        .filter(|m| pat.matches_with(&m.name, opts))
        .map(|m| format!("{path}({})", m.name))
        .collect();
    out.sort();
    (!out.is_empty()).then_some(out)
}

/// Why a member could not be touched.
#[derive(Debug)]
pub enum TouchError {
    Missing,
    Invalid,
    NoMember,
    Io(io::Error),
}

/// Sets the date of `member` to the archive's new modification time (GNU make's
/// `ar_member_touch`): its header is written back, which touches the archive, then
/// written again with the archive's time.
pub fn touch(path: &str, member: &str) -> Result<(), TouchError> {
    let list = members(path).map_err(|e| match e {
        ArchiveError::Missing => TouchError::Missing,
        ArchiveError::Invalid => TouchError::Invalid,
    })?;
    let m = list
        .iter()
        .find(|m| name_equal(member, m))
        .ok_or(TouchError::NoMember)?;
    let mut f = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open(path)
        .map_err(TouchError::Io)?;
    let mut h = [0u8; HEADER];
    f.seek(SeekFrom::Start(m.header)).map_err(TouchError::Io)?;
    f.read_exact(&mut h).map_err(TouchError::Io)?;
    f.seek(SeekFrom::Start(m.header)).map_err(TouchError::Io)?;
    f.write_all(&h).map_err(TouchError::Io)?;
    f.flush().map_err(TouchError::Io)?;
    let secs = {
        use std::os::unix::fs::MetadataExt;
        f.metadata().map_err(TouchError::Io)?.mtime()
    };
    let date = format!("{secs:<12}");
    h[16..28].copy_from_slice(&date.as_bytes()[..12]);
    f.seek(SeekFrom::Start(m.header)).map_err(TouchError::Io)?;
    f.write_all(&h).map_err(TouchError::Io)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::process::Command;

    /// Builds `lib.a` in a temporary directory from the given members with `ar` (`U`: real
    /// dates) and returns the directory and the archive's path.
    fn archive(names: &[&str], flags: &str) -> (tempfile::TempDir, String) {
        let dir = tempfile::tempdir().expect("tempdir");
        let lib = dir.path().join("lib.a").to_string_lossy().into_owned();
        for n in names {
            let p = dir.path().join(n);
            std::fs::write(&p, format!("{n}\n")).expect("write member");
            let f = File::options().write(true).open(&p).expect("open member");
            let t = std::time::UNIX_EPOCH + std::time::Duration::from_secs(1_600_000_000);
            f.set_modified(t).expect("set mtime");
        }
        let st = Command::new("ar")
            .arg(flags)
            .arg(&lib)
            .args(names)
            .current_dir(dir.path())
            .status()
            .expect("run ar");
        assert!(st.success());
        (dir, lib)
    }

    #[test]
    fn splits_member_references() {
        assert_eq!(split("lib.a(foo.o)"), Some(("lib.a", "foo.o")));
        assert_eq!(split("d/lib.a(a b)"), Some(("d/lib.a", "a b")));
        assert_eq!(split("lib.a()"), None);
        assert_eq!(split("(%)"), None);
        assert_eq!(split("lib.a(foo.o"), None);
        assert_eq!(split("foo.o"), None);
    }

    #[test]
    fn expands_archive_groups() {
        assert_eq!(
            expand_groups("x lib.a(a.o  b.o c.o) lib.a(d.o) y"),
            [
                "x",
                "lib.a(a.o)",
                "lib.a(b.o)",
                "lib.a(c.o)",
                "lib.a(d.o)",
                "y"
            ]
        );
        assert_eq!(expand_groups("l.a( a.o )"), ["l.a(a.o)"]);
        assert_eq!(expand_groups("l.a(a.o b"), ["l.a(a.o", "b"]);
        assert_eq!(expand_groups("(%) %"), ["(%)", "%"]);
    }

    #[test]
    fn reads_short_and_long_names_with_dates() {
        let long = "a_member_name_longer_than_sixteen.o";
        let (_dir, lib) = archive(&["a.o", long, "b.o"], "rcU");
        let list = members(&lib).expect("archive");
        let names: Vec<&str> = list.iter().map(|m| m.name.as_str()).collect();
        assert_eq!(names, ["a.o", long, "b.o"]);
        assert!(list[0].truncated && !list[1].truncated);
        assert!(list.iter().all(|m| m.date == 1_600_000_000));
        assert_eq!(member_date(&lib, long), Some(1_600_000_000));
        assert_eq!(member_date(&lib, "sub/b.o"), Some(1_600_000_000));
        assert_eq!(member_date(&lib, "c.o"), None);
        assert_eq!(member_date(&lib, "a_member_name_longer"), None);
    }

    #[test]
    fn deterministic_dates_count_as_missing() {
        let (_dir, lib) = archive(&["a.o"], "rcD");
        assert_eq!(members(&lib).expect("archive")[0].date, 0);
        assert_eq!(member_date(&lib, "a.o"), None);
    }

    #[test]
    fn missing_and_corrupt_archives_have_no_members() {
        let dir = tempfile::tempdir().expect("tempdir");
        let p = dir.path().join("x.a").to_string_lossy().into_owned();
        assert!(matches!(members(&p), Err(ArchiveError::Missing)));
        assert_eq!(member_date(&p, "a.o"), None);
        std::fs::write(&p, "not an archive").expect("write");
        assert!(matches!(members(&p), Err(ArchiveError::Invalid)));
        let mut cut = MAGIC.to_vec();
        cut.extend_from_slice(b"a.o/            1600000000  0     0     100644  999999    `\nxx");
        std::fs::write(&p, &cut).expect("write");
        assert_eq!(member_date(&p, "a.o"), Some(1_600_000_000));
        cut.truncate(40);
        std::fs::write(&p, &cut).expect("write");
        assert!(matches!(members(&p), Err(ArchiveError::Invalid)));
        assert_eq!(member_date(&p, "a.o"), None);
    }

    #[test]
    fn reads_bsd_names() {
        let dir = tempfile::tempdir().expect("tempdir");
        let p = dir.path().join("bsd.a").to_string_lossy().into_owned();
        let mut data = MAGIC.to_vec();
        data.extend_from_slice(b"#1/20           1234567890  0     0     100644  24        `\n");
        data.extend_from_slice(b"long_bsd_name.o\0\0\0\0\0data");
        std::fs::write(&p, &data).expect("write");
        let list = members(&p).expect("archive");
        assert_eq!(list[0].name, "long_bsd_name.o");
        assert_eq!(member_date(&p, "long_bsd_name.o"), Some(1_234_567_890));
    }

    #[test]
    fn globs_members_sorted() {
        let (_dir, lib) = archive(&["b.o", "a.o", "c.x"], "rcU");
        assert_eq!(
            glob(&lib, "*.o"),
            Some(vec![format!("{lib}(a.o)"), format!("{lib}(b.o)")])
        );
        assert_eq!(glob(&lib, "a.o"), None);
        assert_eq!(glob(&lib, "*.z"), None);
    }

    #[test]
    fn touch_sets_the_member_date() {
        let (_dir, lib) = archive(&["a.o", "b.o"], "rcU");
        touch(&lib, "b.o").expect("touch");
        let archive_time = {
            use std::os::unix::fs::MetadataExt;
            std::fs::metadata(&lib).expect("stat").mtime()
        };
        assert_eq!(member_date(&lib, "b.o"), Some(archive_time));
        assert_eq!(member_date(&lib, "a.o"), Some(1_600_000_000));
        assert!(matches!(touch(&lib, "c.o"), Err(TouchError::NoMember)));
    }
}
