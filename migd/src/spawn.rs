//! Starting a foreign process: fork, drop to the requesting user, set up its environment, exec.
//!
//! Everything the child does between fork and exec lives in one `pre_exec` closure that only
//! makes async-signal-safe system calls on data prepared beforehand.

use std::ffi::{CString, OsStr, OsString};
use std::io;
use std::os::fd::{AsRawFd, OwnedFd};
use std::os::unix::ffi::OsStrExt;
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Command, Stdio};

use roam_shared::proto::JobSpec;

use crate::async_fd::AsyncStream;
use crate::pty;

/// Whom the process runs as. `None` in [`spawn`] keeps migd's own identity.
#[derive(Debug, Clone)]
pub struct Identity {
    /// User id.
    pub uid: u32,
    /// Primary group first, then the supplementary groups.
    pub gids: Vec<u32>,
}

/// A started process and migd's ends of its standard streams.
pub struct Spawned {
    /// The process id; it leads its own process group (and session, with a pty).
    pub pid: i32,
    /// Pipe to its stdin, unless stdin is the pty.
    pub stdin: Option<AsyncStream>,
    /// Pipe from its stdout, unless stdout is the pty.
    pub stdout: Option<AsyncStream>,
    /// Pipe from its stderr, unless stderr is the pty.
    pub stderr: Option<AsyncStream>,
    /// The pty master, when any stream is a terminal.
    pub pty: Option<AsyncStream>,
}

/// Why a process could not be started.
#[derive(Debug, thiserror::Error)]
pub enum SpawnError {
    /// The request has no command.
    #[error("empty command")]
    EmptyCommand,
    /// The working directory does not exist here.
    #[error("{0}: no such directory on this host")]
    CwdMissing(String),
    /// The command was not found.
    #[error("{0}: command not found")]
    NotFound(String),
    /// The command exists but cannot be executed.
    #[error("{command}: {source}")]
    NotExecutable {
        /// The command.
        command: String,
        /// Why.
        source: io::Error,
    },
    /// Anything else (fork failed, credentials could not be switched, …).
    #[error("cannot start {command}: {source}")]
    Io {
        /// The command.
        command: String,
        /// Why.
        source: io::Error,
    },
}

/// The nice value of foreign processes, so that a host's owner feels nothing.
const FOREIGN_NICE: libc::c_int = 19;

/// Starts `spec` as `who`, with `extra_env` added to its environment.
pub fn spawn(
    spec: &JobSpec,
    who: Option<&Identity>,
    extra_env: &[(&str, &str)],
) -> Result<Spawned, SpawnError> {
    let argv0 = spec.argv.first().ok_or(SpawnError::EmptyCommand)?;
    let command = String::from_utf8_lossy(argv0).into_owned();
    let io_err = |source| SpawnError::Io {
        command: command.clone(),
        source,
    };
    let cwd = Path::new(OsStr::from_bytes(&spec.cwd));
    if !cwd.is_dir() {
        return Err(SpawnError::CwdMissing(cwd.display().to_string()));
    }

    let tty = spec.terminal.as_ref();
    let (stdin_tty, stdout_tty, stderr_tty) =
        tty.map_or((false, false, false), |t| (t.stdin, t.stdout, t.stderr));
    let pty = if stdin_tty || stdout_tty || stderr_tty {
        Some(pty::open(tty.and_then(|t| t.size.as_ref())).map_err(io_err)?)
    } else {
        None
    };
    let slave = |pty: &Option<(OwnedFd, OwnedFd)>| -> io::Result<OwnedFd> {
        pty.as_ref().expect("pty opened").1.try_clone()
    };
    let (stdin_child, stdin) = if stdin_tty {
        (slave(&pty).map_err(io_err)?, None)
    } else {
        let (r, w) = pipe().map_err(io_err)?;
        (r, Some(AsyncStream::new(w).map_err(io_err)?))
    };
    let (stdout_child, stdout) = if stdout_tty {
        (slave(&pty).map_err(io_err)?, None)
    } else {
        let (r, w) = pipe().map_err(io_err)?;
        grow_pipe(&r);
        (w, Some(AsyncStream::new(r).map_err(io_err)?))
    };
    let (stderr_child, stderr) = if stderr_tty {
        (slave(&pty).map_err(io_err)?, None)
    } else {
        let (r, w) = pipe().map_err(io_err)?;
        (w, Some(AsyncStream::new(r).map_err(io_err)?))
    };

    let mut cmd = Command::new(OsStr::from_bytes(argv0));
    cmd.args(spec.argv[1..].iter().map(|a| OsStr::from_bytes(a)))
        .env_clear()
        .envs(
            spec.env
                .iter()
                .map(|e| (OsStr::from_bytes(&e.name), OsStr::from_bytes(&e.value))),
        )
        .envs(
            extra_env
                .iter()
                .map(|(k, v)| (OsString::from(k), OsString::from(v))),
        )
        .stdin(Stdio::from(stdin_child))
        .stdout(Stdio::from(stdout_child))
        .stderr(Stdio::from(stderr_child));
    if pty.is_none() {
        cmd.process_group(0);
    }
    let setup = ChildSetup {
        controlling_tty: [stdin_tty, stdout_tty, stderr_tty]
            .iter()
            .position(|&t| t)
            .map(|fd| fd as libc::c_int),
        cwd: CString::new(spec.cwd.clone())
            .map_err(|_| SpawnError::CwdMissing(cwd.display().to_string()))?,
        umask: (spec.umask & 0o777) as libc::mode_t,
        rlimits: spec
            .rlimits
            .iter()
            .map(|r| {
                (
                    r.resource,
                    libc::rlimit {
                        rlim_cur: r.soft,
                        rlim_max: r.hard,
                    },
                )
            })
            .collect(),
        identity: who.map(|w| {
            let gid = w.gids.first().copied().unwrap_or(w.uid);
            (w.uid, gid, w.gids.clone())
        }),
    };
    // SAFETY: the closure runs in the forked child before exec and only makes
    // async-signal-safe system calls on memory that was fully prepared before the fork.
    unsafe {
        cmd.pre_exec(move || setup.apply());
    }
    let child = cmd.spawn().map_err(|source| match source.raw_os_error() {
        Some(libc::ENOENT) => SpawnError::NotFound(command.clone()),
        Some(libc::EACCES | libc::ENOEXEC | libc::EISDIR | libc::ENOTDIR) => {
            SpawnError::NotExecutable {
                command: command.clone(),
                source,
            }
        }
        _ => io_err(source),
    })?;
    // The reaper collects the exit with wait4; dropping a std Child neither waits nor kills.
    let pid = child.id() as i32;
    drop(cmd);
    let pty = pty
        .map(|(master, _slave)| AsyncStream::new(master))
        .transpose()
        .map_err(io_err)?;
    Ok(Spawned {
        pid,
        stdin,
        stdout,
        stderr,
        pty,
    })
}

/// What the child does to itself between fork and exec.
struct ChildSetup {
    controlling_tty: Option<libc::c_int>,
    cwd: CString,
    umask: libc::mode_t,
    rlimits: Vec<(u32, libc::rlimit)>,
    identity: Option<(u32, u32, Vec<u32>)>,
}

impl ChildSetup {
    /// Runs in the child: async-signal-safe calls only, no allocation.
    fn apply(&self) -> io::Result<()> {
        let check = |ret: libc::c_int| {
            if ret < 0 {
                Err(io::Error::last_os_error())
            } else {
                Ok(())
            }
        };
        // SAFETY: each call below is an async-signal-safe system call whose pointer arguments
        // point into `self`, which outlives the call; no memory is allocated.
        unsafe {
            if let Some(fd) = self.controlling_tty {
                check(libc::setsid())?;
                check(libc::ioctl(fd, libc::TIOCSCTTY, 0))?;
            }
            for (resource, limit) in &self.rlimits {
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
            libc::umask(self.umask);
            check(libc::setpriority(libc::PRIO_PROCESS, 0, FOREIGN_NICE))?;
            if let Some((uid, gid, groups)) = &self.identity {
                check(libc::setgroups(groups.len(), groups.as_ptr()))?;
                check(libc::setgid(*gid))?;
                check(libc::setuid(*uid))?;
            }
            check(libc::chdir(self.cwd.as_ptr()))?;
        }
        Ok(())
    }
}

fn pipe() -> io::Result<(OwnedFd, OwnedFd)> {
    Ok(nix::unistd::pipe2(nix::fcntl::OFlag::O_CLOEXEC)?)
}

/// A 1 MiB stdout pipe lets a fast writer run ahead of the network; best effort.
fn grow_pipe(fd: &OwnedFd) {
    // SAFETY: F_SETPIPE_SZ takes an integer argument and only acts on the given pipe.
    unsafe { libc::fcntl(fd.as_raw_fd(), libc::F_SETPIPE_SZ, 1 << 20) };
}
