//! System calls injected into a stopped thread (compel-style): point the registers at a
//! `syscall` instruction, single-step over it and read `rax`.

use std::io;

use crate::error::{Error, Result};
use crate::ptrace::{Regs, Stopped, Tracee};

/// Executes system calls in the context of one stopped thread.
#[derive(Debug)]
pub struct Remote<'a> {
    tracee: &'a Tracee<Stopped>,
    pid: i32,
    insn: u64,
    base: Regs,
}

impl<'a> Remote<'a> {
    /// Prepares injection through the `syscall` instruction at `insn`. `base` are the registers
    /// the calls start from (the caller restores the thread's real registers afterwards).
    pub fn new(tracee: &'a Tracee<Stopped>, pid: i32, insn: u64, base: Regs) -> Self {
        Remote {
            tracee,
            pid,
            insn,
            base,
        }
    }

    /// Moves the `syscall` instruction used (after the vdso moved).
    pub fn set_insn(&mut self, insn: u64) {
        self.insn = insn;
    }

    /// The thread this injects into.
    pub fn tracee(&self) -> &Tracee<Stopped> {
        self.tracee
    }

    /// Runs one system call and returns its raw result (negative errno on failure).
    pub fn raw(&self, nr: i64, args: &[u64]) -> io::Result<i64> {
        let mut r = self.base;
        r.rip = self.insn;
        r.rax = nr as u64;
        // orig_rax = -1: the kernel must not treat these registers as an interrupted system
        // call to restart when the thread leaves its stop.
        r.orig_rax = u64::MAX;
        let mut a = [0u64; 6];
        a[..args.len()].copy_from_slice(args);
        r.rdi = a[0];
        r.rsi = a[1];
        r.rdx = a[2];
        r.r10 = a[3];
        r.r8 = a[4];
        r.r9 = a[5];
        self.tracee.set_regs(&r)?;
        let sig = self.tracee.single_step()?;
        if sig != libc::SIGTRAP {
            return Err(io::Error::other(format!(
                "injected system call stopped by signal {sig}"
            )));
        }
        let out = self.tracee.regs()?;
        if out.rip != self.insn + 2 {
            return Err(io::Error::other("injected system call did not complete"));
        }
        Ok(out.rax as i64)
    }

    /// Runs one system call; a negative result becomes [`Error::Remote`].
    pub fn call(&self, name: &'static str, nr: i64, args: &[u64]) -> Result<u64> {
        let v = self.raw(nr, args).map_err(|e| Error::Remote {
            pid: self.pid,
            syscall: name,
            source: e,
        })?;
        if (-4095..0).contains(&v) {
            return Err(Error::Remote {
                pid: self.pid,
                syscall: name,
                source: io::Error::from_raw_os_error(-v as i32),
            });
        }
        Ok(v as u64)
    }
}

/// Finds a `syscall` instruction (`0f 05`) in code.
pub fn find_syscall_insn(code: &[u8]) -> Option<usize> {
    code.windows(2).position(|w| w == [0x0f, 0x05])
}

/// The registers and signal mask of a thread, saved before calls are injected into it and put
/// back by [`Injection::finish`] or, on an early return or a panic, when dropped. While it
/// lives, every signal is blocked in the thread so that none is dequeued by the injected calls.
#[derive(Debug)]
pub struct Injection<'a> {
    tracee: &'a Tracee<Stopped>,
    regs: Regs,
    mask: u64,
    done: bool,
}

impl<'a> Injection<'a> {
    /// Saves the thread's registers and mask and blocks all signals.
    pub fn begin(tracee: &'a Tracee<Stopped>) -> io::Result<Self> {
        let regs = tracee.regs()?;
        let mask = tracee.sigmask()?;
        tracee.set_sigmask(!0)?;
        Ok(Injection {
            tracee,
            regs,
            mask,
            done: false,
        })
    }

    /// The saved registers.
    pub fn regs(&self) -> &Regs {
        &self.regs
    }

    /// The saved signal mask.
    pub fn mask(&self) -> u64 {
        self.mask
    }

    fn put_back(&self) -> io::Result<()> {
        self.tracee.set_regs(&self.regs)?;
        self.tracee.set_sigmask(self.mask)
    }

    /// Puts the registers and mask back.
    pub fn finish(mut self) -> io::Result<()> {
        self.done = true;
        self.put_back()
    }
}

impl Drop for Injection<'_> {
    fn drop(&mut self) {
        if !self.done {
            let _ = self.put_back();
        }
    }
}
