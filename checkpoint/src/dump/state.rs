//! Process and thread state that only the process itself can tell: read through system calls
//! injected into its stopped threads (`rt_sigaction`, `getitimer`, `brk`, `PR_GET_TID_ADDRESS`,
//! `sigaltstack`), plus what ptrace and `/proc` give directly.

use std::fs;

use crate::error::{Error, Result};
use crate::image::format::{Itimer, PosixTimer, SigAction, ThreadImage};
use crate::ptrace::{Stopped, Tracee, regs_to_words};
use crate::remote_memory::RemoteMemory;
use crate::remote_syscall::{Injection, Remote};

/// Scratch memory mapped in the target for the results of injected calls.
pub const SCRATCH_LEN: u64 = 4 * 4096;

/// Signals with a handler or ignored, from `/proc/PID/status` (`SigCgt | SigIgn`).
pub fn non_default_signals(pid: i32) -> u64 {
    let text = fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    let mut mask = 0u64;
    for line in text.lines() {
        if let Some(v) = line
            .strip_prefix("SigCgt:")
            .or_else(|| line.strip_prefix("SigIgn:"))
        {
            mask |= u64::from_str_radix(v.trim(), 16).unwrap_or(0);
        }
    }
    mask
}

/// Reads the dispositions of the signals in `mask` (bit n-1 for signal n).
pub fn sigactions(
    r: &Remote,
    mem: &RemoteMemory,
    scratch: u64,
    mask: u64,
) -> Result<Vec<SigAction>> {
    let mut out = Vec::new();
    for sig in 1..=64u32 {
        if mask & (1 << (sig - 1)) == 0 || sig == 9 || sig == 19 {
            continue;
        }
        r.call(
            "rt_sigaction",
            libc::SYS_rt_sigaction,
            &[sig as u64, 0, scratch, 8],
        )?;
        let w = |i: u64| {
            mem.read_u64(scratch + 8 * i)
                .map_err(|e| Error::os("reading sigaction", e))
        };
        out.push(SigAction {
            sig,
            handler: w(0)?,
            flags: w(1)?,
            restorer: w(2)?,
            mask: w(3)?,
        });
    }
    Ok(out)
}

/// Reads the three interval timers.
pub fn itimers(r: &Remote, mem: &RemoteMemory, scratch: u64) -> Result<[Itimer; 3]> {
    let mut out = [Itimer::default(); 3];
    for (which, t) in out.iter_mut().enumerate() {
        r.call("getitimer", libc::SYS_getitimer, &[which as u64, scratch])?;
        let w = |i: u64| {
            mem.read_u64(scratch + 8 * i)
                .map_err(|e| Error::os("reading itimer", e))
        };
        *t = Itimer {
            interval_sec: w(0)?,
            interval_usec: w(1)?,
            value_sec: w(2)?,
            value_usec: w(3)?,
        };
    }
    Ok(out)
}

/// Everything about one stopped thread. `syscall_insn` is where injected calls run and
/// `scratch` is writable memory in the target.
pub fn thread(
    pid: i32,
    t: &Tracee<Stopped>,
    mem: &RemoteMemory,
    syscall_insn: u64,
    scratch: u64,
) -> Result<ThreadImage> {
    let tid = t.tid();
    let os = |what: &str| {
        let what = format!("{what} of thread {tid}");
        move |e| Error::os(what, e)
    };
    let injection = Injection::begin(t).map_err(os("registers and signal mask"))?;
    let regs = *injection.regs();
    let sigmask = injection.mask();
    let xstate = t.xstate().map_err(os("XSAVE state"))?;
    let pending = t.pending_siginfo(false).map_err(os("pending signals"))?;
    let rseq = t.rseq().map_err(os("rseq configuration"))?;
    let (head, len) = crate::ptrace::robust_list(tid).map_err(os("robust list"))?;
    let comm = fs::read_to_string(format!("/proc/{pid}/task/{tid}/comm"))
        .unwrap_or_default()
        .trim_end_matches('\n')
        .to_string();

    let remote = Remote::new(t, pid, syscall_insn, regs);
    let result = (|| {
        remote.call(
            "prctl(PR_GET_TID_ADDRESS)",
            libc::SYS_prctl,
            &[libc::PR_GET_TID_ADDRESS as u64, scratch],
        )?;
        let clear_child_tid = mem
            .read_u64(scratch)
            .map_err(|e| Error::os("reading tid address", e))?;
        remote.call("sigaltstack", libc::SYS_sigaltstack, &[0, scratch])?;
        let sp = mem
            .read_u64(scratch)
            .map_err(|e| Error::os("reading sigaltstack", e))?;
        let fl = mem
            .read_u64(scratch + 8)
            .map_err(|e| Error::os("reading sigaltstack", e))?;
        let size = mem
            .read_u64(scratch + 16)
            .map_err(|e| Error::os("reading sigaltstack", e))?;
        Ok((clear_child_tid, (sp, fl as u32, size)))
    })();
    injection.finish().map_err(os("restoring registers"))?;
    let (clear_child_tid, altstack) = result?;
    Ok(ThreadImage {
        tid,
        regs: regs_to_words(&regs),
        xstate,
        sigmask,
        pending,
        clear_child_tid,
        robust_list: (head, len),
        rseq: (rseq.addr, rseq.len, rseq.signature),
        altstack,
        comm,
    })
}

/// The POSIX timers of `pid` (`/proc/PID/timers`), with their remaining time read by an
/// injected `timer_gettime`.
pub fn posix_timers(
    pid: i32,
    r: &Remote,
    mem: &RemoteMemory,
    scratch: u64,
) -> Result<Vec<PosixTimer>> {
    let text = fs::read_to_string(format!("/proc/{pid}/timers")).unwrap_or_default();
    let mut out: Vec<PosixTimer> = Vec::new();
    for line in text.lines() {
        let Some((k, v)) = line.split_once(": ") else {
            continue;
        };
        if k == "ID" {
            out.push(PosixTimer {
                id: v.parse().unwrap_or(-1),
                ..Default::default()
            });
            continue;
        }
        let Some(t) = out.last_mut() else { continue };
        match k {
            "signal" => {
                let (sig, val) = v.split_once('/').unwrap_or((v, "0"));
                t.signo = sig.parse().unwrap_or(0);
                t.sigval = u64::from_str_radix(val.trim_start_matches("0x"), 16).unwrap_or(0);
            }
            "notify" => {
                // "signal/pid.N", "none/pid.N", "thread/tid.N" …
                let (how, target) = v.split_once('/').unwrap_or((v, ""));
                t.notify = match how {
                    "none" => libc::SIGEV_NONE,
                    "thread" => libc::SIGEV_THREAD,
                    _ => libc::SIGEV_SIGNAL,
                };
                if let Some(tid) = target.strip_prefix("tid.") {
                    t.notify |= libc::SIGEV_THREAD_ID;
                    t.tid = tid.parse().unwrap_or(0);
                }
            }
            "ClockID" => t.clock = v.parse().unwrap_or(0),
            _ => {}
        }
    }
    for t in &mut out {
        r.call(
            "timer_gettime",
            libc::SYS_timer_gettime,
            &[t.id as u64, scratch],
        )?;
        let w = |i: u64| {
            mem.read_u64(scratch + 8 * i)
                .map_err(|e| Error::os("reading a timer", e))
        };
        t.interval_sec = w(0)?;
        t.interval_nsec = w(1)?;
        t.value_sec = w(2)?;
        t.value_nsec = w(3)?;
    }
    Ok(out)
}
