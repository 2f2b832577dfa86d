//! Starting a foreign process: its standard streams (pipes or a pty), its environment and the
//! PATH search are prepared here; `clone_exec` starts it as the requesting user.

use std::ffi::{CString, OsStr};
use std::io;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::os::unix::ffi::OsStrExt;
use std::path::Path;

use roam_shared::proto::JobSpec;

use crate::async_fd::AsyncStream;
use crate::clone_exec::{self, ExecError, ExecPlan};
use crate::freezer::JobCgroup;
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
    /// Pipe from its stdout (blocking), unless stdout is the pty.
    pub stdout: Option<OwnedFd>,
    /// Pipe from its stderr (blocking), unless stderr is the pty.
    pub stderr: Option<OwnedFd>,
    /// The pty master, when any stream is a terminal.
    pub pty: Option<AsyncStream>,
}

/// Why a process could not be started.
#[derive(Debug, thiserror::Error)]
pub enum SpawnError {
    /// The request has no command.
    #[error("empty command")]
    EmptyCommand,
    /// An argument, variable or path contains a NUL byte.
    #[error("an argument, environment variable or path contains a NUL byte")]
    Invalid,
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
    /// Anything else (clone failed, credentials could not be switched, …).
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
    cgroup: Option<&JobCgroup>,
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
        (w, Some(r))
    };
    let (stderr_child, stderr) = if stderr_tty {
        (slave(&pty).map_err(io_err)?, None)
    } else {
        let (r, w) = pipe().map_err(io_err)?;
        (w, Some(r))
    };

    // Descriptors above 2, so that dup2 onto 0–2 in the child never clobbers a source.
    let high = |fd: &OwnedFd| -> io::Result<OwnedFd> {
        Ok(nix::fcntl::fcntl(fd, nix::fcntl::FcntlArg::F_DUPFD_CLOEXEC(3)).map(adopt_fd)?)
    };
    let stdio = [
        high(&stdin_child).map_err(io_err)?,
        high(&stdout_child).map_err(io_err)?,
        high(&stderr_child).map_err(io_err)?,
    ];
    let cstring = |bytes: &[u8]| CString::new(bytes).map_err(|_| SpawnError::Invalid);
    let mut envp = spec
        .env
        .iter()
        .map(|e| cstring(&[&e.name[..], b"=", &e.value[..]].concat()))
        .collect::<Result<Vec<_>, _>>()?;
    for (k, v) in extra_env {
        envp.push(cstring(format!("{k}={v}").as_bytes())?);
    }
    let path = spec
        .env
        .iter()
        .find(|e| e.name == b"PATH")
        .map_or(&b"/usr/local/bin:/usr/bin:/bin"[..], |e| &e.value[..]);
    let cgroup_procs = cgroup
        .map(JobCgroup::procs_writer)
        .transpose()
        .map_err(io_err)?;
    let plan = ExecPlan {
        candidates: candidates(argv0, path)?,
        argv: spec
            .argv
            .iter()
            .map(|a| cstring(a))
            .collect::<Result<_, _>>()?,
        envp,
        stdio: [
            stdio[0].as_raw_fd(),
            stdio[1].as_raw_fd(),
            stdio[2].as_raw_fd(),
        ],
        controlling_tty: [stdin_tty, stdout_tty, stderr_tty]
            .iter()
            .position(|&t| t)
            .map(|fd| fd as libc::c_int),
        cwd: cstring(&spec.cwd)?,
        parent: std::process::id() as libc::pid_t,
        umask: (spec.umask & 0o777) as libc::mode_t,
        nice: FOREIGN_NICE,
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
        cgroup_procs: cgroup_procs.as_ref().map(AsRawFd::as_raw_fd),
    };
    let pid = clone_exec::spawn(&plan).map_err(|e| match e {
        ExecError::Exec(source) if source.raw_os_error() == Some(libc::ENOENT) => {
            SpawnError::NotFound(command.clone())
        }
        ExecError::Exec(source) => SpawnError::NotExecutable {
            command: command.clone(),
            source,
        },
        ExecError::Setup(source) if source.raw_os_error() == Some(libc::ENOENT) => {
            SpawnError::CwdMissing(cwd.display().to_string())
        }
        ExecError::Setup(source) => io_err(source),
    })?;
    // The child holds its own copies now.
    drop((stdio, stdin_child, stdout_child, stderr_child));
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

/// The paths to try for `argv0`, as a shell searches `path`.
fn candidates(argv0: &[u8], path: &[u8]) -> Result<Vec<CString>, SpawnError> {
    let cstring = |bytes: Vec<u8>| CString::new(bytes).map_err(|_| SpawnError::Invalid);
    if argv0.contains(&b'/') {
        return Ok(vec![cstring(argv0.to_vec())?]);
    }
    path.split(|&b| b == b':')
        .map(|dir| {
            let dir = if dir.is_empty() { &b"."[..] } else { dir };
            cstring([dir, b"/", argv0].concat())
        })
        .collect()
}

fn adopt_fd(raw: std::os::fd::RawFd) -> OwnedFd {
    // SAFETY: `raw` was just returned by F_DUPFD_CLOEXEC, so it is open and owned by no one else.
    unsafe { OwnedFd::from_raw_fd(raw) }
}

fn pipe() -> io::Result<(OwnedFd, OwnedFd)> {
    Ok(nix::unistd::pipe2(nix::fcntl::OFlag::O_CLOEXEC)?)
}

/// A 1 MiB stdout pipe lets a fast writer run ahead of the network; best effort.
fn grow_pipe(fd: &OwnedFd) {
    // SAFETY: F_SETPIPE_SZ takes an integer argument and only acts on the given pipe.
    unsafe { libc::fcntl(fd.as_raw_fd(), libc::F_SETPIPE_SZ, 1 << 20) };
}
