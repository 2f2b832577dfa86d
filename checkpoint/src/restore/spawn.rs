//! The process an image is restored into: a grandchild of the restorer (double fork), so that it
//! is not tied to the restoring command and is reaped by the nearest subreaper or init. It gets
//! the original pid when that is free (`clone3` with `set_tid`), puts itself in its own session or
//! process group, sets what a process sets for itself (cwd, umask, nice, rlimits, default signal
//! dispositions) and then waits in `pause()` for the restorer to seize it.

use std::ffi::CString;
use std::fs::File;
use std::io::Read;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};

use crate::error::{Error, Result};
use crate::image::format::ProcessImage;

/// What the new process does for itself before it is seized.
#[derive(Debug)]
pub struct Plan {
    set_tid: i32,
    session_leader: bool,
    pgrp_leader: bool,
    cwd: CString,
    umask: u32,
    nice: i32,
    rlimits: Vec<(u32, u64, u64)>,
}

impl Plan {
    /// The plan for restoring `p`.
    pub fn new(p: &ProcessImage) -> Result<Self> {
        Ok(Plan {
            set_tid: p.pid,
            session_leader: p.session_leader,
            pgrp_leader: p.pgrp_leader,
            cwd: CString::new(p.cwd.clone())
                .map_err(|_| Error::BadImage("the cwd contains a NUL byte".into()))?,
            umask: p.umask,
            nice: p.nice,
            rlimits: p.rlimits.clone(),
        })
    }
}

/// `clone3` with fork semantics, asking for `set_tid` when it is not 0.
fn clone3_fork(set_tid: i32) -> libc::c_long {
    let tid = [set_tid as libc::pid_t];
    // SAFETY: clone_args is plain integers; zero is its documented default.
    let mut args: libc::clone_args = unsafe { std::mem::zeroed() };
    args.exit_signal = libc::SIGCHLD as u64;
    if set_tid > 0 {
        args.set_tid = tid.as_ptr() as u64;
        args.set_tid_size = 1;
    }
    // SAFETY: `args` and the `tid` array it points to live across the call; without CLONE_VM
    // the child gets a copy of this address space and returns here like fork().
    unsafe {
        libc::syscall(
            libc::SYS_clone3,
            &raw const args,
            size_of::<libc::clone_args>(),
        )
    }
}

/// Runs in the new process, which is a fork of a possibly multithreaded restorer: only
/// async-signal-safe system calls from here on.
fn child_setup(plan: &Plan) -> i32 {
    // SAFETY: plain system calls on integers and on the NUL-terminated `cwd`, all
    // async-signal-safe.
    unsafe {
        if plan.session_leader {
            if libc::setsid() < 0 {
                return *libc::__errno_location();
            }
        } else if plan.pgrp_leader && libc::setpgid(0, 0) < 0 {
            return *libc::__errno_location();
        }
        if libc::chdir(plan.cwd.as_ptr()) < 0 {
            return *libc::__errno_location();
        }
        libc::umask(plan.umask as libc::mode_t);
        // Best effort: lowering the nice value needs CAP_SYS_NICE.
        libc::setpriority(libc::PRIO_PROCESS, 0, plan.nice);
        for &(res, soft, hard) in &plan.rlimits {
            let mut cur = libc::rlimit {
                rlim_cur: 0,
                rlim_max: 0,
            };
            if libc::getrlimit(res as _, &mut cur) < 0 {
                continue;
            }
            // A hard limit cannot be raised without CAP_SYS_RESOURCE (which root lacks here).
            let max = hard.min(cur.rlim_max);
            let new = libc::rlimit {
                rlim_cur: soft.min(max),
                rlim_max: max,
            };
            libc::setrlimit(res as _, &new);
        }
        // Handlers of the restorer must not survive; the image's are installed later.
        let dfl = [0u64; 4];
        for sig in 1..=64 {
            if sig != libc::SIGKILL && sig != libc::SIGSTOP {
                libc::syscall(libc::SYS_rt_sigaction, sig, dfl.as_ptr(), 0usize, 8usize);
            }
        }
    }
    0
}

/// Starts the process to restore into and returns its pid. It waits in `pause()`.
pub fn spawn(plan: &Plan) -> Result<i32> {
    let mut fds = [0; 2];
    // SAFETY: `fds` has room for two descriptors.
    if unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC) } != 0 {
        return Err(Error::last_os("creating a pipe"));
    }
    // SAFETY: fresh descriptors owned by nobody else.
    let (r, w) = unsafe { (OwnedFd::from_raw_fd(fds[0]), OwnedFd::from_raw_fd(fds[1])) };
    // SAFETY: the child only makes async-signal-safe system calls before it exits or pauses.
    let middle = unsafe { libc::fork() };
    if middle < 0 {
        return Err(Error::last_os("fork"));
    }
    if middle == 0 {
        let report = |pid: i32, err: i32| {
            let mut msg = [0u8; 8];
            msg[..4].copy_from_slice(&pid.to_le_bytes());
            msg[4..].copy_from_slice(&err.to_le_bytes());
            // SAFETY: writes 8 bytes from a live buffer.
            unsafe { libc::write(w.as_raw_fd(), msg.as_ptr().cast(), 8) };
        };
        let mut child = clone3_fork(plan.set_tid);
        if child < 0 {
            // The original pid is taken (or set_tid is not allowed): any pid will do.
            child = clone3_fork(0);
        }
        if child == 0 {
            let err = child_setup(plan);
            // SAFETY: getpid has no arguments.
            report(unsafe { libc::getpid() }, err);
            if err != 0 {
                // SAFETY: _exit ends this process only.
                unsafe { libc::_exit(1) };
            }
            loop {
                // SAFETY: pause has no arguments; the restorer takes over from here.
                unsafe { libc::pause() };
            }
        }
        if child < 0 {
            // SAFETY: reads errno of this thread.
            report(-1, unsafe { *libc::__errno_location() });
        }
        // SAFETY: _exit ends the intermediate process without running the restorer's atexit
        // handlers or destructors.
        unsafe { libc::_exit(0) };
    }
    drop(w);
    let mut status = 0;
    // SAFETY: waits for our own child; `status` is a valid out pointer.
    unsafe { libc::waitpid(middle, &mut status, 0) };
    let mut msg = [0u8; 8];
    File::from(r)
        .read_exact(&mut msg)
        .map_err(|e| Error::os("starting the process to restore into", e))?;
    let pid = i32::from_le_bytes(msg[..4].try_into().expect("4 bytes"));
    let err = i32::from_le_bytes(msg[4..].try_into().expect("4 bytes"));
    if err != 0 {
        if pid > 0 {
            // SAFETY: kill takes integers only.
            unsafe { libc::kill(pid, libc::SIGKILL) };
        }
        return Err(Error::os(
            "setting up the process to restore into (session, cwd)",
            std::io::Error::from_raw_os_error(err),
        ));
    }
    Ok(pid)
}
