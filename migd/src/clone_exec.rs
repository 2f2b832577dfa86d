//! Starting a process the way `posix_spawn` does: `clone(CLONE_VM | CLONE_VFORK)`, so that
//! migd's address space is not copied (a plain fork of a multi-threaded daemon costs a
//! millisecond and more). The child shares migd's memory until it execs, so it only reads a
//! fully prepared [`ExecPlan`] and makes async-signal-safe system calls; migd's calling thread
//! is suspended meanwhile.

use std::ffi::{CString, c_int, c_void};
use std::io;
use std::os::fd::RawFd;
use std::sync::atomic::{AtomicI32, Ordering};

/// Everything the child does between clone and exec, prepared by the parent.
pub struct ExecPlan {
    /// Paths to try in order (the PATH search, done ahead).
    pub candidates: Vec<CString>,
    /// The argument vector.
    pub argv: Vec<CString>,
    /// The environment, as `NAME=value`.
    pub envp: Vec<CString>,
    /// Descriptors that become the child's stdin, stdout and stderr (all above 2).
    pub stdio: [RawFd; 3],
    /// Start a new session and take this descriptor (0–2) as controlling terminal; else only
    /// a new process group.
    pub controlling_tty: Option<c_int>,
    /// Resource limits to set (clamped to the current hard limit when raising is not allowed).
    pub rlimits: Vec<(u32, libc::rlimit)>,
    /// The file mode creation mask.
    pub umask: libc::mode_t,
    /// The nice value.
    pub nice: c_int,
    /// `(uid, gid, groups)` to switch to, if any.
    pub identity: Option<(u32, u32, Vec<u32>)>,
    /// The working directory.
    pub cwd: CString,
    /// migd's pid: the job is killed when that process dies.
    pub parent: libc::pid_t,
    /// A cgroup's `cgroup.procs`, open for writing: the child joins that cgroup first thing.
    pub cgroup_procs: Option<RawFd>,
}

/// Which step failed in the child, with its errno.
#[derive(Debug)]
pub enum ExecError {
    /// Setting up the process failed (credentials, directory, terminal, …).
    Setup(io::Error),
    /// No candidate could be executed; the most telling errno (EACCES over ENOENT).
    Exec(io::Error),
}

struct Shared<'a> {
    plan: &'a ExecPlan,
    argv: Vec<*const libc::c_char>,
    envp: Vec<*const libc::c_char>,
    /// 0 while fine; `errno` of a failed setup step (positive) or exec (negative).
    error: AtomicI32,
}

const STACK_SIZE: usize = 64 << 10;

/// Starts the process; returns its pid once it has exec'ed.
pub fn spawn(plan: &ExecPlan) -> Result<libc::pid_t, ExecError> {
    let null_terminated = |v: &[CString]| {
        v.iter()
            .map(|s| s.as_ptr())
            .chain(std::iter::once(std::ptr::null()))
            .collect::<Vec<_>>()
    };
    let shared = Shared {
        plan,
        argv: null_terminated(&plan.argv),
        envp: null_terminated(&plan.envp),
        error: AtomicI32::new(0),
    };
    let mut stack = vec![0u8; STACK_SIZE];
    // SAFETY: all pointers passed to the sigset calls point to live locals.
    let old_mask = unsafe {
        let mut all = std::mem::zeroed::<libc::sigset_t>();
        let mut old = std::mem::zeroed::<libc::sigset_t>();
        libc::sigfillset(&mut all);
        // No signal handler of migd may run on the child's side of the shared memory.
        libc::pthread_sigmask(libc::SIG_SETMASK, &all, &mut old);
        old
    };
    // SAFETY: the child runs `child_main` on its own stack (the top of `stack`, which outlives
    // the call because CLONE_VFORK suspends this thread until the child execs or exits), and only
    // reads `shared`, which lives until then too.
    let pid = unsafe {
        let top = stack.as_mut_ptr().add(STACK_SIZE);
        libc::clone(
            child_main,
            top.cast(),
            libc::CLONE_VM | libc::CLONE_VFORK | libc::SIGCHLD,
            (&shared as *const Shared).cast_mut().cast(),
        )
    };
    let clone_error = io::Error::last_os_error();
    // SAFETY: restores the mask saved above from a live local.
    unsafe { libc::pthread_sigmask(libc::SIG_SETMASK, &old_mask, std::ptr::null_mut()) };
    if pid < 0 {
        return Err(ExecError::Setup(clone_error));
    }
    match shared.error.load(Ordering::SeqCst) {
        0 => Ok(pid),
        errno => {
            // The child has exited: reap it here, nobody else watches it.
            // SAFETY: waitpid writes nothing (null status) and `pid` is our child.
            unsafe { libc::waitpid(pid, std::ptr::null_mut(), 0) };
            Err(if errno > 0 {
                ExecError::Setup(io::Error::from_raw_os_error(errno))
            } else {
                ExecError::Exec(io::Error::from_raw_os_error(-errno))
            })
        }
    }
}

/// The child: set up, then try each candidate; on failure record errno and exit 127.
extern "C" fn child_main(arg: *mut c_void) -> c_int {
    // SAFETY: `arg` is the `Shared` the parent keeps alive while this child has not exec'ed.
    let shared = unsafe { &*(arg as *const Shared) };
    // SAFETY: every call is an async-signal-safe system call on prepared data; none allocates.
    unsafe {
        if let Err(errno) = setup(shared.plan) {
            shared.error.store(errno, Ordering::SeqCst);
            libc::_exit(127);
        }
        let mut best = libc::ENOENT;
        for path in &shared.plan.candidates {
            libc::execve(path.as_ptr(), shared.argv.as_ptr(), shared.envp.as_ptr());
            let errno = *libc::__errno_location();
            match errno {
                libc::ENOENT | libc::ENOTDIR => {}
                libc::EACCES => best = libc::EACCES,
                other => {
                    best = other;
                    break;
                }
            }
        }
        shared.error.store(-best, Ordering::SeqCst);
        libc::_exit(127)
    }
}

/// The child's setup; `Err(errno)` on the first failure.
///
/// # Safety
/// Must run in the cloned child before exec.
unsafe fn setup(plan: &ExecPlan) -> Result<(), c_int> {
    let check = |ret: c_int| {
        if ret < 0 {
            // SAFETY: errno is thread-local and always readable.
            Err(unsafe { *libc::__errno_location() })
        } else {
            Ok(())
        }
    };
    // SAFETY: the caller runs this in the child; each call only reads `plan`.
    unsafe {
        if let Some(fd) = plan.cgroup_procs {
            // "0" is the writing process: the child, before it can start any other.
            if libc::write(fd, b"0".as_ptr().cast(), 1) < 0 {
                return Err(*libc::__errno_location());
            }
        }
        // Default dispositions (SIGPIPE is ignored in migd) and an empty mask for the new program.
        for sig in 1..libc::SIGRTMAX() {
            if sig != libc::SIGKILL && sig != libc::SIGSTOP {
                libc::signal(sig, libc::SIG_DFL);
            }
        }
        let mut empty = std::mem::zeroed::<libc::sigset_t>();
        libc::sigemptyset(&mut empty);
        libc::sigprocmask(libc::SIG_SETMASK, &empty, std::ptr::null_mut());

        for (target, &fd) in plan.stdio.iter().enumerate() {
            check(libc::dup2(fd, target as c_int))?;
        }
        match plan.controlling_tty {
            Some(fd) => {
                check(libc::setsid())?;
                check(libc::ioctl(fd, libc::TIOCSCTTY, 0))?;
            }
            None => check(libc::setpgid(0, 0))?,
        }
        for (resource, limit) in &plan.rlimits {
            if libc::setrlimit(*resource as _, limit) < 0 {
                // Without CAP_SYS_RESOURCE a hard limit cannot be raised: keep ours.
                let mut current = std::mem::zeroed::<libc::rlimit>();
                if libc::getrlimit(*resource as _, &mut current) == 0 {
                    let clamped = libc::rlimit {
                        rlim_cur: limit.rlim_cur.min(current.rlim_max),
                        rlim_max: limit.rlim_max.min(current.rlim_max),
                    };
                    libc::setrlimit(*resource as _, &clamped);
                }
            }
        }
        libc::umask(plan.umask);
        check(libc::setpriority(libc::PRIO_PROCESS, 0, plan.nice))?;
        if let Some((uid, gid, groups)) = &plan.identity {
            // Raw system calls: glibc's wrappers would signal every thread of the process they
            // believe this is — migd's, whose memory the child shares.
            let raw = |ret: libc::c_long| check(ret as c_int);
            raw(libc::syscall(
                libc::SYS_setgroups,
                groups.len(),
                groups.as_ptr(),
            ))?;
            raw(libc::syscall(libc::SYS_setgid, *gid))?;
            raw(libc::syscall(libc::SYS_setuid, *uid))?;
        }
        check(libc::chdir(plan.cwd.as_ptr()))?;
        // If migd dies, so does the job (set after the credentials change, which clears it).
        check(libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL))?;
        if libc::getppid() != plan.parent {
            return Err(libc::ESRCH);
        }
    }
    Ok(())
}
