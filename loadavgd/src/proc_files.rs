//! Reading `/proc`: the load average, CPU time, memory, and one process's CPU time, RSS and
//! controlling terminal. The parsers take the files' text, so they are tested without `/proc`.

use std::path::PathBuf;
use std::time::{Duration, SystemTime};

/// A `/proc` file that could not be used.
#[derive(Debug, thiserror::Error)]
pub enum ProcError {
    /// The file could not be read.
    #[error("cannot read {path}: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The file does not look as expected.
    #[error("{path}: unexpected format (no {what})")]
    Format {
        /// The file.
        path: PathBuf,
        /// What was missing.
        what: &'static str,
    },
}

/// CPU time summed over all CPUs, in clock ticks.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CpuTicks {
    /// Time not idle and not waiting for I/O.
    pub busy: u64,
    /// All time, idle included.
    pub total: u64,
}

/// The host-wide figures of one sample.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SystemSample {
    /// The 1-minute load average.
    pub loadavg1: f64,
    /// CPU time since boot.
    pub cpu: CpuTicks,
    /// Online CPUs.
    pub cpus: u32,
    /// When the host booted.
    pub boot_time: SystemTime,
    /// Time since boot, in clock ticks (the unit of a process's start time).
    pub uptime_ticks: u64,
    /// `MemTotal`.
    pub mem_total_bytes: u64,
    /// `MemAvailable`.
    pub mem_available_bytes: u64,
}

/// One process's figures, from `/proc/PID/stat`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ProcessSample {
    /// The process.
    pub pid: u32,
    /// When it started, in clock ticks after boot (tells a reused pid apart).
    pub start_ticks: u64,
    /// User plus system CPU time, in clock ticks.
    pub cpu_ticks: u64,
    /// Resident pages.
    pub rss_pages: u64,
    /// Its controlling terminal's device number (as `st_rdev` gives it), 0 for none.
    pub tty: u64,
}

/// Clock ticks per second (`USER_HZ`), the unit of `/proc/stat` and `/proc/PID/stat` times.
pub fn ticks_per_second() -> u64 {
    sysconf(nix::unistd::SysconfVar::CLK_TCK).unwrap_or(100)
}

/// The size of a memory page in bytes.
pub fn page_size() -> u64 {
    sysconf(nix::unistd::SysconfVar::PAGE_SIZE).unwrap_or(4096)
}

fn sysconf(var: nix::unistd::SysconfVar) -> Option<u64> {
    nix::unistd::sysconf(var)
        .ok()
        .flatten()
        .and_then(|v| u64::try_from(v).ok())
        .filter(|&v| v > 0)
}

/// Reads the host-wide figures.
pub fn read_system(ticks_per_second: u64) -> Result<SystemSample, ProcError> {
    let loadavg1 = parse_loadavg(&read("/proc/loadavg")?).ok_or(format("/proc/loadavg", "load"))?;
    let stat = read("/proc/stat")?;
    let (cpu, cpus, boot) = parse_stat(&stat).ok_or(format("/proc/stat", "cpu lines"))?;
    let uptime = parse_uptime(&read("/proc/uptime")?).ok_or(format("/proc/uptime", "uptime"))?;
    let (mem_total_bytes, mem_available_bytes) =
        parse_meminfo(&read("/proc/meminfo")?).ok_or(format("/proc/meminfo", "MemAvailable"))?;
    Ok(SystemSample {
        loadavg1,
        cpu,
        cpus,
        boot_time: SystemTime::UNIX_EPOCH + Duration::from_secs(boot),
        uptime_ticks: (uptime * ticks_per_second as f64) as u64,
        mem_total_bytes,
        mem_available_bytes,
    })
}

/// Reads one process's figures; `None` when it is gone (or its stat cannot be parsed).
pub fn read_process(pid: u32) -> Option<ProcessSample> {
    let text = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    parse_process_stat(pid, &text)
}

fn read(path: &'static str) -> Result<String, ProcError> {
    std::fs::read_to_string(path).map_err(|source| ProcError::Read {
        path: path.into(),
        source,
    })
}

fn format(path: &'static str, what: &'static str) -> ProcError {
    ProcError::Format {
        path: path.into(),
        what,
    }
}

/// `0.52 0.58 0.59 1/345 12345` → 0.52.
fn parse_loadavg(text: &str) -> Option<f64> {
    text.split_whitespace().next()?.parse().ok()
}

/// The `cpu` line (summed over CPUs), the number of `cpuN` lines, and `btime`.
fn parse_stat(text: &str) -> Option<(CpuTicks, u32, u64)> {
    let mut cpu = None;
    let mut cpus = 0;
    let mut boot = None;
    for line in text.lines() {
        let mut words = line.split_whitespace();
        match words.next() {
            Some("cpu") => {
                // user nice system idle iowait irq softirq steal (guest time is inside user).
                let t: Vec<u64> = words
                    .take(8)
                    .map(|w| w.parse().ok())
                    .collect::<Option<_>>()?;
                let total: u64 = t.iter().sum();
                let waiting = t.get(3)? + t.get(4).unwrap_or(&0);
                cpu = Some(CpuTicks {
                    busy: total - waiting,
                    total,
                });
            }
            Some(w) if w.starts_with("cpu") => cpus += 1,
            Some("btime") => boot = words.next()?.parse().ok(),
            _ => {}
        }
    }
    Some((cpu?, cpus.max(1), boot?))
}

/// `12345.67 23456.78` → 12345.67 seconds.
fn parse_uptime(text: &str) -> Option<f64> {
    text.split_whitespace().next()?.parse().ok()
}

/// `MemTotal` and `MemAvailable`, in bytes.
fn parse_meminfo(text: &str) -> Option<(u64, u64)> {
    let field = |name: &str| {
        text.lines()
            .find_map(|l| l.strip_prefix(name)?.strip_prefix(':'))
            .and_then(|v| v.split_whitespace().next()?.parse::<u64>().ok())
            .map(|kib| kib * 1024)
    };
    Some((field("MemTotal")?, field("MemAvailable")?))
}

/// `/proc/PID/stat`: `pid (comm) state ppid …`; comm may hold spaces and parentheses, so the
/// fields are counted from the last `)`.
fn parse_process_stat(pid: u32, text: &str) -> Option<ProcessSample> {
    let rest = &text[text.rfind(')')? + 1..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    // fields[0] is field 3 (state) of proc_pid_stat(5).
    let field = |n: usize| fields.get(n - 3)?.parse::<u64>().ok();
    Some(ProcessSample {
        pid,
        tty: tty_device(fields.get(7 - 3)?.parse().ok()?),
        cpu_ticks: field(14)? + field(15)?,
        start_ticks: field(22)?,
        rss_pages: field(24)?,
    })
}

/// `tty_nr` (major in bits 8–19, minor in bits 0–7 and 20–31) as a device number.
fn tty_device(tty_nr: i64) -> u64 {
    let Ok(nr) = u64::try_from(tty_nr) else {
        return 0;
    };
    if nr == 0 {
        return 0;
    }
    let major = (nr >> 8) & 0xfff;
    let minor = (nr & 0xff) | ((nr >> 12) & 0xfff00);
    nix::sys::stat::makedev(major, minor)
}

#[cfg(test)]
mod tests {
    use super::*;

    const STAT: &str = "cpu  100 20 30 800 50 1 2 3 7 0\n\
                        cpu0 50 10 15 400 25 1 1 2 3 0\n\
                        cpu1 50 10 15 400 25 0 1 1 4 0\n\
                        intr 12345 0 0\n\
                        ctxt 999\n\
                        btime 1700000000\n\
                        processes 4242\n";

    #[test]
    fn parses_loadavg_uptime_and_meminfo() {
        assert_eq!(parse_loadavg("0.52 0.58 0.59 1/345 12345\n"), Some(0.52));
        assert_eq!(parse_loadavg(""), None);
        assert_eq!(parse_uptime("350735.47 234388.90\n"), Some(350735.47));
        let meminfo = "MemTotal:       16318412 kB\nMemFree:  1 kB\nMemAvailable:    8000000 kB\n";
        assert_eq!(
            parse_meminfo(meminfo),
            Some((16318412 * 1024, 8000000 * 1024))
        );
        assert_eq!(parse_meminfo("MemTotal: 1 kB\n"), None);
    }

    #[test]
    fn parses_cpu_ticks_cpus_and_boot_time() {
        let (cpu, cpus, boot) = parse_stat(STAT).unwrap();
        assert_eq!(cpu.total, 100 + 20 + 30 + 800 + 50 + 1 + 2 + 3);
        assert_eq!(cpu.busy, cpu.total - 800 - 50);
        assert_eq!(cpus, 2);
        assert_eq!(boot, 1700000000);
        assert_eq!(parse_stat("cpu 1 2 x 4\nbtime 1\n"), None);
    }

    #[test]
    fn parses_a_process_whose_name_has_spaces_and_parentheses() {
        let text = "4242 (my (odd) prog) S 1 4242 4242 34817 4242 4194560 100 0 0 0 \
                    250 50 3 4 20 0 1 0 123456 10000000 789 18446744073709551615 0 0 0";
        let p = parse_process_stat(4242, text).unwrap();
        assert_eq!(
            p,
            ProcessSample {
                pid: 4242,
                // 34817 = 0x8801: /dev/pts/1 (136, 1).
                tty: nix::sys::stat::makedev(136, 1),
                cpu_ticks: 300,
                start_ticks: 123456,
                rss_pages: 789,
            }
        );
        assert_eq!(parse_process_stat(1, "1 (init) S 0"), None);
        let no_tty = text.replace(" 34817 ", " 0 ");
        assert_eq!(parse_process_stat(4242, &no_tty).unwrap().tty, 0);
    }

    #[test]
    fn reads_this_host() {
        let tps = ticks_per_second();
        let s = read_system(tps).unwrap();
        assert!(s.cpus >= 1);
        assert!(s.cpu.total > s.cpu.busy);
        assert!(s.mem_total_bytes >= s.mem_available_bytes && s.mem_available_bytes > 0);
        assert!(s.boot_time < SystemTime::now());
        let me = read_process(std::process::id()).unwrap();
        assert!(me.rss_pages > 0);
        assert!(me.start_ticks <= s.uptime_ticks + tps);
        assert!(page_size() >= 4096);
    }
}
