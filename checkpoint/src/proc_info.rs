//! Parsing of `/proc/PID/{status,stat,limits,fd,fdinfo,task}`.

use std::fs;
use std::io;

/// The fields of `/proc/PID/status` the engine uses.
#[derive(Debug, Clone, Default)]
pub struct Status {
    /// `TracerPid`.
    pub tracer: i32,
    /// `Umask`.
    pub umask: u32,
    /// `State` letter.
    pub state: char,
    /// Real, effective, saved uid.
    pub uids: [u32; 3],
    /// Real, effective, saved gid.
    pub gids: [u32; 3],
    /// Supplementary groups.
    pub groups: Vec<u32>,
    /// `NoNewPrivs`.
    pub no_new_privs: bool,
    /// `Seccomp` mode.
    pub seccomp: u32,
    /// `CapInh`, `CapPrm`, `CapEff`, `CapBnd`, `CapAmb`.
    pub caps: [u64; 5],
}

/// Reads `/proc/PID/status`.
pub fn status(pid: i32) -> io::Result<Status> {
    let text = fs::read_to_string(format!("/proc/{pid}/status"))?;
    let mut s = Status::default();
    for line in text.lines() {
        let Some((k, v)) = line.split_once(':') else {
            continue;
        };
        let v = v.trim();
        let nums = |v: &str| -> [u32; 3] {
            let mut out = [0; 3];
            for (o, w) in out.iter_mut().zip(v.split_whitespace()) {
                *o = w.parse().unwrap_or(0);
            }
            out
        };
        match k {
            "TracerPid" => s.tracer = v.parse().unwrap_or(0),
            "Umask" => s.umask = u32::from_str_radix(v, 8).unwrap_or(0o022),
            "State" => s.state = v.chars().next().unwrap_or('?'),
            "Uid" => s.uids = nums(v),
            "Gid" => s.gids = nums(v),
            "Groups" => {
                s.groups = v
                    .split_whitespace()
                    .filter_map(|g| g.parse().ok())
                    .collect()
            }
            "NoNewPrivs" => s.no_new_privs = v == "1",
            "Seccomp" => s.seccomp = v.parse().unwrap_or(0),
            "CapInh" | "CapPrm" | "CapEff" | "CapBnd" | "CapAmb" => {
                let i = ["CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb"]
                    .iter()
                    .position(|n| *n == k)
                    .expect("listed above");
                s.caps[i] = u64::from_str_radix(v, 16).unwrap_or(0);
            }
            _ => {}
        }
    }
    Ok(s)
}

/// The fields of `/proc/PID/stat` (numbered as in proc(5)).
#[derive(Debug, Clone)]
pub struct Stat {
    fields: Vec<u64>,
    nice: i32,
}

impl Stat {
    /// Field number `n` of proc(5) (n ≥ 4), as an unsigned number.
    pub fn field(&self, n: usize) -> u64 {
        self.fields.get(n - 3).copied().unwrap_or(0)
    }
    /// Process group id.
    pub fn pgrp(&self) -> i32 {
        self.field(5) as i32
    }
    /// Session id.
    pub fn session(&self) -> i32 {
        self.field(6) as i32
    }
    /// Nice value.
    pub fn nice(&self) -> i32 {
        self.nice
    }
}

/// Reads `/proc/PID/stat`.
pub fn stat(pid: i32) -> io::Result<Stat> {
    let text = fs::read_to_string(format!("/proc/{pid}/stat"))?;
    let rest = text
        .rsplit_once(')')
        .map(|(_, r)| r)
        .ok_or_else(|| io::Error::other("malformed /proc/PID/stat"))?;
    let words: Vec<&str> = rest.split_whitespace().collect();
    // words[0] is field 3 (state); keep the index arithmetic in `field`.
    let fields = words
        .iter()
        .map(|w| w.parse::<i64>().map(|v| v as u64).unwrap_or(0))
        .collect();
    let nice = words.get(19 - 3).and_then(|w| w.parse().ok()).unwrap_or(0);
    Ok(Stat { fields, nice })
}

/// Resource limits from `/proc/PID/limits`, as `(resource, soft, hard)`. Readable for any
/// process, unlike `prlimit`, which needs CAP_SYS_RESOURCE for another user's process.
pub fn limits(pid: i32) -> io::Result<Vec<(u32, u64, u64)>> {
    let text = fs::read_to_string(format!("/proc/{pid}/limits"))?;
    let parse = |w: &str| -> u64 {
        if w == "unlimited" {
            libc::RLIM_INFINITY
        } else {
            w.parse().unwrap_or(libc::RLIM_INFINITY)
        }
    };
    let mut out = Vec::new();
    // The lines after the heading are the resources in RLIMIT_* order; the name is padded to
    // 26 columns.
    for (i, line) in text.lines().skip(1).enumerate() {
        let Some(rest) = line.get(26..) else { continue };
        let mut w = rest.split_whitespace();
        let (Some(soft), Some(hard)) = (w.next(), w.next()) else {
            continue;
        };
        out.push((i as u32, parse(soft), parse(hard)));
    }
    Ok(out)
}

/// Thread ids of a process.
pub fn tasks(pid: i32) -> io::Result<Vec<i32>> {
    let mut out: Vec<i32> = fs::read_dir(format!("/proc/{pid}/task"))?
        .filter_map(|e| e.ok()?.file_name().to_str()?.parse().ok())
        .collect();
    out.sort_unstable();
    // The main thread first: restore recreates the others from it.
    if let Some(i) = out.iter().position(|&t| t == pid) {
        out.remove(i);
        out.insert(0, pid);
    }
    Ok(out)
}

/// Child processes of all threads of a process.
pub fn children(pid: i32) -> io::Result<Vec<i32>> {
    let mut out = Vec::new();
    for tid in tasks(pid)? {
        let Ok(text) = fs::read_to_string(format!("/proc/{pid}/task/{tid}/children")) else {
            continue;
        };
        out.extend(
            text.split_whitespace()
                .filter_map(|w| w.parse::<i32>().ok()),
        );
    }
    Ok(out)
}

/// Open fd numbers.
pub fn fds(pid: i32) -> io::Result<Vec<i32>> {
    let mut out: Vec<i32> = fs::read_dir(format!("/proc/{pid}/fd"))?
        .filter_map(|e| e.ok()?.file_name().to_str()?.parse().ok())
        .collect();
    out.sort_unstable();
    Ok(out)
}

/// `/proc/PID/fd/N`'s link target.
pub fn fd_link(pid: i32, fd: i32) -> io::Result<String> {
    Ok(fs::read_link(format!("/proc/{pid}/fd/{fd}"))?
        .to_string_lossy()
        .into_owned())
}

/// `/proc/PID/fdinfo/N`: position and flags.
#[derive(Debug, Clone, Default)]
pub struct FdInfo {
    /// File offset.
    pub pos: u64,
    /// Open flags (octal in the file), including `O_CLOEXEC`.
    pub flags: u32,
    /// Inode number.
    pub ino: u64,
    /// The first `lock:` line, if the fd holds a lock.
    pub lock: Option<String>,
}

/// The text of `/proc/PID/fdinfo/N`.
pub fn fdinfo_text(pid: i32, fd: i32) -> io::Result<String> {
    fs::read_to_string(format!("/proc/{pid}/fdinfo/{fd}"))
}

/// Reads `/proc/PID/fdinfo/N`.
pub fn fdinfo(pid: i32, fd: i32) -> io::Result<FdInfo> {
    let text = fdinfo_text(pid, fd)?;
    let mut i = FdInfo::default();
    for line in text.lines() {
        let Some((k, v)) = line.split_once(':') else {
            continue;
        };
        let v = v.trim();
        match k {
            "pos" => i.pos = v.parse().unwrap_or(0),
            "flags" => i.flags = u32::from_str_radix(v, 8).unwrap_or(0),
            "ino" => i.ino = v.parse().unwrap_or(0),
            "lock" if i.lock.is_none() => i.lock = Some(v.to_string()),
            _ => {}
        }
    }
    Ok(i)
}
