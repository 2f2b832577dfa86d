//! The boundary between make and the processes that run recipes.
//!
//! Make decides *what* to run; a [`JobRunner`] decides *where*. The local runner forks
//! and execs on this host. A remote runner (through the home migd) implements the same
//! trait: it receives the full argv, environment and working directory, and reports an
//! exit status, so nothing in make depends on where a command ran.

use std::collections::HashMap;
use std::io;
use std::os::fd::RawFd;
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicI32, Ordering};

/// How a command ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExitStatus {
    Code(i32),
    Signal { signal: i32, core: bool },
}

impl ExitStatus {
    pub fn success(self) -> bool {
        self == ExitStatus::Code(0)
    }
}

/// A command to run: already split into argv (the shell and its flags included).
#[derive(Debug)]
pub struct CommandSpec {
    pub argv: Vec<String>,
    /// The complete environment of the command (often shared by many commands).
    pub env: std::rc::Rc<[(String, String)]>,
    pub cwd: Option<PathBuf>,
    /// Descriptors the command inherits (the jobserver pipe of a recursive make).
    pub inherit_fds: Vec<RawFd>,
    /// Where stdout and stderr go (`-O`); `None`: make's own.
    pub output: Option<(std::fs::File, std::fs::File)>,
    /// Must run on this host: a recursive make, which shares make's jobserver and terminal.
    pub local_only: bool,
}

pub type JobId = u64;

pub trait JobRunner {
    /// Starts a command. An error means it could not be started (no such program…).
    fn spawn(&mut self, cmd: &CommandSpec) -> io::Result<JobId>;
    /// Waits for any started command to finish.
    fn wait_any(&mut self) -> io::Result<(JobId, ExitStatus)>;
    /// Returns a finished command if there is one, without blocking.
    fn try_wait_any(&mut self) -> io::Result<Option<(JobId, ExitStatus)>>;
    /// A descriptor that becomes readable when a command may have finished, so make
    /// can wait for "a command finished or a jobserver token arrived" at once.
    fn event_fd(&self) -> Option<RawFd>;
    /// Make received the fatal `signal` (SIGINT, SIGTERM, SIGHUP, SIGQUIT): passes it on to the
    /// commands it would not reach otherwise. Commands here share make's process group, so a
    /// terminal's Ctrl-C reaches them directly; a SIGTERM sent to make alone is passed to them,
    /// as GNU make does. Commands on other hosts are reached only through this call.
    fn forward_fatal(&mut self, signal: i32);
    fn running(&self) -> usize;
    /// How `-d` names a started command: `PID n`, or its id and ` (remote)` when it runs
    /// elsewhere.
    fn describe(&self, id: JobId) -> String {
        format!("PID {id} (remote)")
    }
    /// Offers the runner a jobserver (a second handle on the pipe sub-makes get) to keep
    /// stocked with one token per free slot, as slots come and go. Returns whether it will:
    /// only a runner whose slots change (leases) does.
    fn stock_jobserver(&mut self, tokens: crate::jobserver::Jobserver) -> bool {
        drop(tokens);
        false
    }
}

/// Write end of the SIGCHLD self-pipe.
static SIGCHLD_FD: AtomicI32 = AtomicI32::new(-1);

extern "C" fn on_sigchld(_: libc::c_int) {
    wake();
}

/// Makes a blocked [`LocalRunner::wait_any`] look again (async-signal-safe).
pub fn wake() {
    let fd = SIGCHLD_FD.load(Ordering::Relaxed);
    if fd >= 0 {
        let b = 0u8;
        // SAFETY: write(2) is async-signal-safe; the fd is a non-blocking pipe we own and
        // the buffer is a valid one-byte local.
        unsafe {
            libc::write(fd, (&b as *const u8).cast(), 1);
        }
    }
}

/// Finds `name` along the `PATH` of `env` (names with a slash are used as they are).
fn find_program(name: &str, env: &[(String, String)]) -> io::Result<PathBuf> {
    use std::os::unix::fs::PermissionsExt;
    if name.contains('/') {
        return Ok(PathBuf::from(name));
    }
    let path = env
        .iter()
        .find(|(k, _)| k == "PATH")
        .map(|(_, v)| v.as_str())
        .unwrap_or("/usr/local/bin:/bin:/usr/bin");
    let mut denied = false;
    for dir in path.split(':') {
        let dir = if dir.is_empty() { "." } else { dir };
        let p = PathBuf::from(dir).join(name);
        if let Ok(m) = std::fs::metadata(&p)
            && m.is_file()
        {
            if m.permissions().mode() & 0o111 != 0 {
                return Ok(p);
            }
            denied = true;
        }
    }
    Err(io::Error::from_raw_os_error(if denied {
        libc::EACCES
    } else {
        libc::ENOENT
    }))
}

/// Runs commands as child processes of make.
pub struct LocalRunner {
    children: HashMap<u32, JobId>,
    next: JobId,
    ids: HashMap<JobId, u32>,
    event_read: RawFd,
}

impl LocalRunner {
    pub fn new() -> io::Result<LocalRunner> {
        let mut fds = [0 as RawFd; 2];
        // SAFETY: fds is a valid array of two ints for pipe2 to fill.
        if unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC | libc::O_NONBLOCK) } != 0 {
            return Err(io::Error::last_os_error());
        }
        SIGCHLD_FD.store(fds[1], Ordering::Relaxed);
        // SAFETY: sigaction is given a zeroed struct with a valid handler; SA_RESTART keeps
        // blocking reads of other code working.
        unsafe {
            let mut sa: libc::sigaction = std::mem::zeroed();
            sa.sa_sigaction = on_sigchld as *const () as usize;
            sa.sa_flags = libc::SA_RESTART | libc::SA_NOCLDSTOP;
            libc::sigemptyset(&mut sa.sa_mask);
            libc::sigaction(libc::SIGCHLD, &sa, std::ptr::null_mut());
        }
        Ok(LocalRunner {
            children: HashMap::new(),
            next: 1,
            ids: HashMap::new(),
            event_read: fds[0],
        })
    }

    /// Clears close-on-exec on `fds` in the child. Only commands that need this pay
    /// for a full fork; the others can be started with posix_spawn.
    fn inherit(c: &mut Command, fds: Vec<RawFd>) {
        // SAFETY: the closure only calls fcntl, which is async-signal-safe, between fork
        // and exec.
        unsafe {
            c.pre_exec(move || {
                for &fd in &fds {
                    let flags = libc::fcntl(fd, libc::F_GETFD);
                    if flags >= 0 {
                        libc::fcntl(fd, libc::F_SETFD, flags & !libc::FD_CLOEXEC);
                    }
                }
                Ok(())
            });
        }
    }

    fn drain_events(&self) {
        let mut buf = [0u8; 64];
        // SAFETY: reading into a valid local buffer from our own non-blocking pipe.
        while unsafe { libc::read(self.event_read, buf.as_mut_ptr().cast(), buf.len()) } > 0 {}
    }

    fn reap(&mut self, flags: libc::c_int) -> io::Result<Option<(JobId, ExitStatus)>> {
        loop {
            let mut status = 0;
            // SAFETY: waitpid with a valid pointer to a local int.
            let pid = unsafe { libc::waitpid(-1, &mut status, flags) };
            if pid < 0 {
                let e = io::Error::last_os_error();
                if e.kind() == io::ErrorKind::Interrupted {
                    if crate::signals::pending().is_some() {
                        return Err(e);
                    }
                    continue;
                }
                return Err(e);
            }
            if pid == 0 {
                return Ok(None);
            }
            let Some(id) = self.children.remove(&(pid as u32)) else {
                continue;
            };
            self.ids.remove(&id);
            let st = std::process::ExitStatus::from_raw(status);
            let es = match (st.code(), st.signal()) {
                (Some(c), _) => ExitStatus::Code(c),
                (None, Some(s)) => ExitStatus::Signal {
                    signal: s,
                    core: st.core_dumped(),
                },
                _ => ExitStatus::Code(1),
            };
            return Ok(Some((id, es)));
        }
    }
}

/// Starts a command with `posix_spawn` and a prepared environment: the common case, cheaper
/// than `std::process::Command`, which rebuilds the environment in a map for every command.
fn spawn_plain(program: &std::path::Path, cmd: &CommandSpec) -> io::Result<u32> {
    use nix::spawn::{PosixSpawnAttr, PosixSpawnFileActions, PosixSpawnFlags, posix_spawn};
    use nix::sys::signal::{SigSet, Signal};
    use std::ffi::CString;
    use std::os::fd::AsRawFd;
    use std::os::unix::ffi::OsStrExt;

    let c_string = |s: &[u8]| {
        CString::new(s).map_err(|_| io::Error::new(io::ErrorKind::InvalidInput, "NUL in command"))
    };
    let path = c_string(program.as_os_str().as_bytes())?;
    let argv = cmd
        .argv
        .iter()
        .map(|a| c_string(a.as_bytes()))
        .collect::<io::Result<Vec<_>>>()?;
    let envp = cmd
        .env
        .iter()
        .map(|(k, v)| {
            let mut kv = Vec::with_capacity(k.len() + v.len() + 2);
            kv.extend_from_slice(k.as_bytes());
            kv.push(b'=');
            kv.extend_from_slice(v.as_bytes());
            CString::new(kv)
                .map_err(|_| io::Error::new(io::ErrorKind::InvalidInput, "NUL in environment"))
        })
        .collect::<io::Result<Vec<_>>>()?;
    let mut actions = PosixSpawnFileActions::init()?;
    if let Some((out, err)) = &cmd.output {
        actions.add_dup2(out.as_raw_fd(), libc::STDOUT_FILENO)?;
        actions.add_dup2(err.as_raw_fd(), libc::STDERR_FILENO)?;
    }
    // As std does: the command starts with no signal blocked and SIGPIPE (which Rust
    // programs ignore) back at its default.
    let mut attr = PosixSpawnAttr::init()?;
    let mut pipe = SigSet::empty();
    pipe.add(Signal::SIGPIPE);
    attr.set_sigdefault(&pipe)?;
    attr.set_sigmask(&SigSet::empty())?;
    attr.set_flags(
        PosixSpawnFlags::POSIX_SPAWN_SETSIGDEF | PosixSpawnFlags::POSIX_SPAWN_SETSIGMASK,
    )?;
    let pid = posix_spawn(path.as_c_str(), &actions, &attr, &argv, &envp)?;
    Ok(pid.as_raw() as u32)
}

/// Starts a command through `std::process::Command`, for what `posix_spawn` cannot do here:
/// a working directory, or descriptors to inherit.
fn spawn_with_std(program: PathBuf, cmd: &CommandSpec) -> io::Result<u32> {
    let mut c = Command::new(program);
    c.arg0(&cmd.argv[0]);
    c.args(&cmd.argv[1..]);
    c.env_clear();
    c.envs(cmd.env.iter().map(|(k, v)| (k, v)));
    if let Some(d) = &cmd.cwd {
        c.current_dir(d);
    }
    c.stdin(Stdio::inherit());
    if let Some((out, err)) = &cmd.output {
        c.stdout(Stdio::from(out.try_clone()?));
        c.stderr(Stdio::from(err.try_clone()?));
    }
    let fds = cmd.inherit_fds.clone();
    if !fds.is_empty() {
        LocalRunner::inherit(&mut c, fds);
    }
    Ok(c.spawn()?.id())
}

impl JobRunner for LocalRunner {
    fn describe(&self, id: JobId) -> String {
        match self.ids.get(&id) {
            Some(pid) => format!("PID {pid}"),
            None => format!("PID {id}"),
        }
    }

    fn spawn(&mut self, cmd: &CommandSpec) -> io::Result<JobId> {
        let program = find_program(&cmd.argv[0], &cmd.env)?;
        let pid = if cmd.inherit_fds.is_empty() && cmd.cwd.is_none() {
            spawn_plain(&program, cmd)?
        } else {
            spawn_with_std(program, cmd)?
        };
        let id = self.next;
        self.next += 1;
        self.children.insert(pid, id);
        self.ids.insert(id, pid);
        Ok(id)
    }

    fn wait_any(&mut self) -> io::Result<(JobId, ExitStatus)> {
        loop {
            if crate::signals::pending().is_some() {
                return Err(io::Error::from(io::ErrorKind::Interrupted));
            }
            // Drain before reaping: a SIGCHLD after this leaves a byte that wakes poll.
            self.drain_events();
            if let Some(r) = self.reap(libc::WNOHANG)? {
                return Ok(r);
            }
            if self.children.is_empty() {
                return Err(io::Error::other("no command is running"));
            }
            let mut pfd = libc::pollfd {
                fd: self.event_read,
                events: libc::POLLIN,
                revents: 0,
            };
            // SAFETY: one valid pollfd.
            unsafe {
                libc::poll(&mut pfd, 1, -1);
            }
        }
    }

    fn try_wait_any(&mut self) -> io::Result<Option<(JobId, ExitStatus)>> {
        self.drain_events();
        if self.children.is_empty() {
            return Ok(None);
        }
        self.reap(libc::WNOHANG)
    }

    fn event_fd(&self) -> Option<RawFd> {
        Some(self.event_read)
    }

    fn forward_fatal(&mut self, signal: i32) {
        if signal != libc::SIGTERM {
            return;
        }
        for &pid in self.children.keys() {
            // SAFETY: kill(2) on a pid we started and have not reaped.
            unsafe {
                libc::kill(pid as libc::pid_t, signal);
            }
        }
    }

    fn running(&self) -> usize {
        self.children.len()
    }
}
