//! A typestate handle on one traced thread.
//!
//! `Tracee<Running>` has been seized but may run; `Tracee<Stopped>` is in a ptrace stop and offers
//! the register and signal accessors. Dropping a handle detaches the thread (interrupting it first if
//! it runs), so a panic or an early return never leaves a user's process frozen. All `ptrace(2)` and
//! `waitpid(2)` calls of the crate live here.

use std::io;
use std::marker::PhantomData;

const PTRACE_EVENT_STOP: i32 = 128;
const NT_X86_XSTATE: libc::c_int = 0x202;
const PTRACE_GET_RSEQ_CONFIGURATION: libc::c_uint = 0x420f;
const PTRACE_PEEKSIGINFO_SHARED: u32 = 1;
/// The biggest XSAVE area the engine accepts (AVX-512 machines need about 2.7 KiB).
const XSTATE_MAX: usize = 16 * 1024;

/// Size of a `siginfo_t`.
pub const SIGINFO_SIZE: usize = 128;

/// The general registers of a thread, as `user_regs_struct`.
pub type Regs = libc::user_regs_struct;

/// Number of 64-bit words in [`Regs`].
pub const REGS_WORDS: usize = 27;

/// [`Regs`] as plain words (the image's representation).
pub fn regs_to_words(regs: &Regs) -> [u64; REGS_WORDS] {
    const _: () = assert!(size_of::<Regs>() == REGS_WORDS * 8);
    // SAFETY: user_regs_struct is 27 u64 fields with no padding (checked above); any bit
    // pattern is a valid [u64; 27].
    unsafe { std::mem::transmute_copy(regs) }
}

/// Words back to [`Regs`].
pub fn words_to_regs(words: &[u64; REGS_WORDS]) -> Regs {
    // SAFETY: same layout as above; every field is a u64 (or i64-compatible) for which any bit
    // pattern is valid.
    unsafe { std::mem::transmute_copy(words) }
}

/// rseq registration of a thread (`struct ptrace_rseq_configuration`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RseqConfig {
    /// Address of `struct rseq`; 0 when not registered.
    pub addr: u64,
    /// Its registered length.
    pub len: u32,
    /// The abort signature.
    pub signature: u32,
}

/// Marker: the tracee may be running.
#[derive(Debug)]
pub enum Running {}
/// Marker: the tracee is in a ptrace stop.
#[derive(Debug)]
pub enum Stopped {}

/// Whether a state marker means stopped (used by `Drop`).
pub trait State {
    /// True for [`Stopped`].
    const STOPPED: bool;
}
impl State for Running {
    const STOPPED: bool = false;
}
impl State for Stopped {
    const STOPPED: bool = true;
}

/// A thread attached with `PTRACE_SEIZE`.
#[derive(Debug)]
pub struct Tracee<S: State> {
    tid: i32,
    armed: bool,
    _state: PhantomData<S>,
}

/// How a `waitpid` on a tracee ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stop {
    /// A ptrace stop: the signal and the `PTRACE_EVENT_*` (0 for none).
    Stopped {
        /// `WSTOPSIG`.
        sig: i32,
        /// `status >> 16`.
        event: i32,
    },
    /// The thread is gone.
    Gone,
}

fn ptrace(req: libc::c_uint, tid: i32, addr: usize, data: usize) -> io::Result<libc::c_long> {
    // SAFETY: every caller passes for `addr`/`data` either a plain integer or a pointer to a
    // live buffer of the size the request writes or reads.
    let r = unsafe { libc::ptrace(req, tid, addr, data) };
    if r == -1 {
        Err(io::Error::last_os_error())
    } else {
        Ok(r)
    }
}

/// Waits for a state change of a traced thread (`__WALL`, retrying on `EINTR`).
pub fn wait(tid: i32) -> io::Result<Stop> {
    loop {
        let mut status = 0;
        // SAFETY: `status` is a valid out pointer.
        let r = unsafe { libc::waitpid(tid, &mut status, libc::__WALL) };
        if r == -1 {
            let e = io::Error::last_os_error();
            if e.kind() == io::ErrorKind::Interrupted {
                continue;
            }
            if e.raw_os_error() == Some(libc::ECHILD) {
                return Ok(Stop::Gone);
            }
            return Err(e);
        }
        if libc::WIFSTOPPED(status) {
            return Ok(Stop::Stopped {
                sig: libc::WSTOPSIG(status),
                event: status >> 16,
            });
        }
        return Ok(Stop::Gone);
    }
}

impl Tracee<Running> {
    /// Seizes a thread without stopping it.
    pub fn seize(tid: i32, options: u64) -> io::Result<Self> {
        ptrace(libc::PTRACE_SEIZE, tid, 0, options as usize)?;
        Ok(Tracee {
            tid,
            armed: true,
            _state: PhantomData,
        })
    }

    /// Adopts a thread that the kernel attached automatically (`CLONE_PTRACE`) and that has not
    /// reported its first stop yet.
    pub fn adopt(tid: i32) -> Self {
        Tracee {
            tid,
            armed: true,
            _state: PhantomData,
        }
    }

    /// Stops the thread with `PTRACE_INTERRUPT` and waits for the stop. A signal that arrives
    /// first is delivered (as it would have been just before the freeze) before the stop.
    pub fn interrupt(self) -> io::Result<Tracee<Stopped>> {
        ptrace(libc::PTRACE_INTERRUPT, self.tid, 0, 0)?;
        self.wait_for_event_stop()
    }

    /// Waits for the `PTRACE_EVENT_STOP` of a thread that is already told to stop.
    pub fn wait_for_event_stop(mut self) -> io::Result<Tracee<Stopped>> {
        loop {
            match wait(self.tid)? {
                Stop::Stopped { event, .. } if event == PTRACE_EVENT_STOP => break,
                Stop::Stopped { sig, .. } => {
                    ptrace(libc::PTRACE_CONT, self.tid, 0, sig as usize)?;
                }
                Stop::Gone => {
                    self.armed = false;
                    return Err(io::Error::from_raw_os_error(libc::ESRCH));
                }
            }
        }
        self.armed = false;
        Ok(Tracee {
            tid: self.tid,
            armed: true,
            _state: PhantomData,
        })
    }
}

impl<S: State> Tracee<S> {
    /// The thread id.
    pub fn tid(&self) -> i32 {
        self.tid
    }
}

impl Tracee<Stopped> {
    /// General registers.
    pub fn regs(&self) -> io::Result<Regs> {
        // SAFETY: user_regs_struct is plain integers; all-zero is valid.
        let mut regs: Regs = unsafe { std::mem::zeroed() };
        ptrace(libc::PTRACE_GETREGS, self.tid, 0, &raw mut regs as usize)?;
        Ok(regs)
    }

    /// Sets the general registers.
    pub fn set_regs(&self, regs: &Regs) -> io::Result<()> {
        ptrace(
            libc::PTRACE_SETREGS,
            self.tid,
            0,
            regs as *const Regs as usize,
        )
        .map(drop)
    }

    /// The whole XSAVE area (`NT_X86_XSTATE`).
    pub fn xstate(&self) -> io::Result<Vec<u8>> {
        let mut buf = vec![0u8; XSTATE_MAX];
        let mut iov = libc::iovec {
            iov_base: buf.as_mut_ptr().cast(),
            iov_len: buf.len(),
        };
        ptrace(
            libc::PTRACE_GETREGSET,
            self.tid,
            NT_X86_XSTATE as usize,
            &raw mut iov as usize,
        )?;
        buf.truncate(iov.iov_len);
        Ok(buf)
    }

    /// Sets the XSAVE area.
    pub fn set_xstate(&self, xstate: &[u8]) -> io::Result<()> {
        let mut buf = xstate.to_vec();
        let mut iov = libc::iovec {
            iov_base: buf.as_mut_ptr().cast(),
            iov_len: buf.len(),
        };
        ptrace(
            libc::PTRACE_SETREGSET,
            self.tid,
            NT_X86_XSTATE as usize,
            &raw mut iov as usize,
        )
        .map(drop)
    }

    /// The blocked-signal mask.
    pub fn sigmask(&self) -> io::Result<u64> {
        let mut mask = 0u64;
        ptrace(libc::PTRACE_GETSIGMASK, self.tid, 8, &raw mut mask as usize)?;
        Ok(mask)
    }

    /// Sets the blocked-signal mask.
    pub fn set_sigmask(&self, mask: u64) -> io::Result<()> {
        ptrace(
            libc::PTRACE_SETSIGMASK,
            self.tid,
            8,
            &raw const mask as usize,
        )
        .map(drop)
    }

    /// The queued signals (thread-private, or the process-wide queue when `shared`), without
    /// dequeuing them.
    pub fn pending_siginfo(&self, shared: bool) -> io::Result<Vec<[u8; SIGINFO_SIZE]>> {
        #[repr(C)]
        struct PeekArgs {
            off: u64,
            flags: u32,
            nr: i32,
        }
        let mut out = Vec::new();
        loop {
            let mut buf = [[0u8; SIGINFO_SIZE]; 32];
            let args = PeekArgs {
                off: out.len() as u64,
                flags: if shared { PTRACE_PEEKSIGINFO_SHARED } else { 0 },
                nr: buf.len() as i32,
            };
            let n = ptrace(
                libc::PTRACE_PEEKSIGINFO,
                self.tid,
                &raw const args as usize,
                buf.as_mut_ptr() as usize,
            )? as usize;
            out.extend_from_slice(&buf[..n]);
            if n < buf.len() {
                return Ok(out);
            }
        }
    }

    /// The rseq registration (`PTRACE_GET_RSEQ_CONFIGURATION`).
    pub fn rseq(&self) -> io::Result<RseqConfig> {
        let mut raw = [0u64; 3];
        let n = ptrace(
            PTRACE_GET_RSEQ_CONFIGURATION,
            self.tid,
            size_of_val(&raw),
            raw.as_mut_ptr() as usize,
        )?;
        if n < 16 {
            return Err(io::Error::other("short PTRACE_GET_RSEQ_CONFIGURATION"));
        }
        Ok(RseqConfig {
            addr: raw[0],
            len: raw[1] as u32,
            signature: (raw[1] >> 32) as u32,
        })
    }

    /// Executes exactly one instruction and waits until the thread traps again. Returns the
    /// signal of the stop (`SIGTRAP` when all went well).
    ///
    /// A thread of a job-control-stopped process (or one with a second `PTRACE_INTERRUPT`
    /// pending) reports a `PTRACE_EVENT_STOP` before executing anything; it is stepped again.
    pub fn single_step(&self) -> io::Result<i32> {
        for _ in 0..4 {
            ptrace(libc::PTRACE_SINGLESTEP, self.tid, 0, 0)?;
            match wait(self.tid)? {
                Stop::Stopped { event, .. } if event == PTRACE_EVENT_STOP => continue,
                Stop::Stopped { sig, .. } => return Ok(sig),
                Stop::Gone => return Err(io::Error::from_raw_os_error(libc::ESRCH)),
            }
        }
        Err(io::Error::other(
            "the thread keeps stopping instead of stepping",
        ))
    }

    /// Detaches, letting the thread run.
    pub fn detach(self) -> io::Result<()> {
        self.detach_with(0)
    }

    /// Detaches, delivering signal `sig` (0: none) as the thread resumes.
    pub fn detach_with(mut self, sig: i32) -> io::Result<()> {
        self.armed = false;
        ptrace(libc::PTRACE_DETACH, self.tid, 0, sig as usize).map(drop)
    }
}

impl<S: State> Drop for Tracee<S> {
    fn drop(&mut self) {
        if !self.armed {
            return;
        }
        if !S::STOPPED && ptrace(libc::PTRACE_INTERRUPT, self.tid, 0, 0).is_ok() {
            // Wait for the stop so that PTRACE_DETACH is accepted.
            while let Ok(Stop::Stopped { event, sig }) = wait(self.tid) {
                if event == PTRACE_EVENT_STOP {
                    break;
                }
                if ptrace(libc::PTRACE_CONT, self.tid, 0, sig as usize).is_err() {
                    break;
                }
            }
        }
        let _ = ptrace(libc::PTRACE_DETACH, self.tid, 0, 0);
    }
}

/// The robust futex list (head, length) of thread `tid` (`get_robust_list`, which needs the
/// same access as ptrace).
pub fn robust_list(tid: i32) -> io::Result<(u64, u64)> {
    let mut head = 0u64;
    let mut len = 0u64;
    // SAFETY: both out pointers are valid u64s (the kernel writes a pointer and a size_t).
    let r = unsafe { libc::syscall(libc::SYS_get_robust_list, tid, &mut head, &mut len) };
    if r != 0 {
        return Err(io::Error::last_os_error());
    }
    Ok((head, len))
}

/// Kills the process of `tracees` (main thread first in the list) with SIGKILL and reaps
/// what the tracer must reap: every other thread, then the main thread, which hands its exit
/// to the real parent when that is another process (and is reaped here when it is us).
pub fn kill_and_reap<S: State>(pid: i32, tracees: Vec<Tracee<S>>) {
    // SAFETY: kill takes integers only.
    unsafe { libc::kill(pid, libc::SIGKILL) };
    let mut tids: Vec<i32> = tracees
        .into_iter()
        .map(|mut t| {
            t.armed = false;
            t.tid
        })
        .collect();
    tids.sort_by_key(|&t| t == pid);
    for tid in tids {
        while let Ok(Stop::Stopped { .. }) = wait(tid) {}
    }
}
