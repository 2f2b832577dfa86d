//! File descriptors: opened (or created, for pipes, memfds and anonymous kernel objects) in the
//! restorer before the new process is forked, so the new process inherits them at high numbers;
//! then moved into place there with injected `dup3` and the rest closed with `close_range`.
//! Last, once every descriptor has its number, epoll instances get their watches (`epoll_ctl`)
//! and memfds their seals, both injected.

use std::collections::HashMap;
use std::ffi::CString;
use std::fs::File;
use std::io::Write;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};

use super::anon_fds;
use super::memfd::Memfds;
use crate::error::{Error, Result};
use crate::fd_peek;
use crate::image::format::{EpollWatch, FdImage, FdKind, TimerfdState};
use crate::remote_memory::RemoteMemory;
use crate::remote_syscall::Remote;

/// Descriptors ready to be inherited, each at a number above every target number.
#[derive(Debug)]
pub struct Prepared {
    /// `(target fd, descriptor in the restorer, close-on-exec)`.
    fds: Vec<(i32, OwnedFd, bool)>,
    /// Memfd objects by id, for the shared mappings of them.
    memfds: Vec<(u64, OwnedFd)>,
    /// What to do once every descriptor has its number.
    finish: Vec<Finish>,
    /// Timerfds, armed just before the process is released.
    timers: Vec<(OwnedFd, TimerfdState)>,
}

/// A step done inside the new process once every descriptor has its number.
#[derive(Debug, Clone, Copy)]
pub enum Finish {
    /// `epoll_ctl(epfd, EPOLL_CTL_ADD, watch.fd, …)`.
    Watch {
        /// The epoll instance's number.
        epfd: i32,
        /// What it watches.
        watch: EpollWatch,
    },
    /// `fcntl(fd, F_ADD_SEALS, seals)`.
    Seal {
        /// A descriptor of the memfd.
        fd: i32,
        /// `F_SEAL_*` bits.
        seals: u32,
    },
}

/// The numbers the new process inherited and what to do with them.
#[derive(Debug, Default)]
pub struct InstallPlan {
    /// Where each descriptor goes.
    pub installs: Vec<Install>,
    /// Memfd objects by id, with their inherited numbers (mapped by `memory::create_vmas`).
    pub memfds: HashMap<u64, u64>,
    /// Epoll watches and seals, after the descriptors are in place.
    pub finish: Vec<Finish>,
    /// The timerfds, armed by the restorer just before the process is released.
    pub timers: Timers,
}

/// Timerfds the restorer keeps a copy of, to arm them as late as possible.
#[derive(Debug, Default)]
pub struct Timers(Vec<(OwnedFd, TimerfdState)>);

impl Timers {
    /// Arms every timerfd: relative ones count down from what remained at the checkpoint,
    /// absolute ones keep their time; pending expirations come back.
    pub fn arm(&self) -> Result<()> {
        self.0
            .iter()
            .try_for_each(|(fd, state)| anon_fds::arm_timerfd(fd, state))
    }
}

/// Where one inherited descriptor goes in the new process.
#[derive(Debug, Clone, Copy)]
pub struct Install {
    /// Its number in the restored process.
    target: i32,
    /// Its number as inherited (the same as in the restorer at fork time).
    inherited: i32,
    /// Close-on-exec.
    cloexec: bool,
}

impl Prepared {
    /// What [`install`] needs once the new process holds its copies; keeps the timerfds and
    /// drops every other descriptor of the restorer's.
    pub fn into_plan(self) -> InstallPlan {
        let installs = self
            .fds
            .iter()
            .map(|(target, fd, cloexec)| Install {
                target: *target,
                inherited: fd.as_raw_fd(),
                cloexec: *cloexec,
            })
            .collect();
        let memfds = self
            .memfds
            .iter()
            .map(|(id, fd)| (*id, fd.as_raw_fd() as u64))
            .collect();
        InstallPlan {
            installs,
            memfds,
            finish: self.finish,
            timers: Timers(self.timers),
        }
    }
}

fn cvt(r: libc::c_int, what: impl FnOnce() -> String) -> Result<libc::c_int> {
    if r < 0 {
        Err(Error::last_os(what()))
    } else {
        Ok(r)
    }
}

fn dup_above(fd: &OwnedFd, min: i32) -> Result<OwnedFd> {
    // SAFETY: F_DUPFD_CLOEXEC takes an int and returns a new descriptor.
    let r = unsafe { libc::fcntl(fd.as_raw_fd(), libc::F_DUPFD_CLOEXEC, min) };
    let r = cvt(r, || "duplicating a descriptor".into())?;
    // SAFETY: a fresh descriptor owned by nobody else.
    Ok(unsafe { OwnedFd::from_raw_fd(r) })
}

fn open_path(path: &str, flags: u32, pos: u64) -> Result<OwnedFd> {
    let c = CString::new(path).map_err(|_| Error::BadImage("a path contains a NUL byte".into()))?;
    let flags = (flags as i32 & !(libc::O_CREAT | libc::O_TRUNC | libc::O_EXCL | libc::O_NOCTTY))
        | libc::O_CLOEXEC;
    // SAFETY: `c` is NUL-terminated and lives across the call.
    let fd = unsafe { libc::open(c.as_ptr(), flags, 0) };
    let fd = cvt(fd, || format!("cannot reopen {path}"))?;
    // SAFETY: a fresh descriptor owned by nobody else.
    let fd = unsafe { OwnedFd::from_raw_fd(fd) };
    if flags & libc::O_PATH == 0 && pos != 0 {
        // SAFETY: lseek takes integers only.
        let r = unsafe { libc::lseek(fd.as_raw_fd(), pos as i64, libc::SEEK_SET) };
        if r < 0 {
            return Err(Error::last_os(format!("seeking {path} to {pos}")));
        }
    }
    Ok(fd)
}

fn set_status_flags(fd: &OwnedFd, flags: u32) -> Result<()> {
    // SAFETY: F_SETFL takes an int.
    let r = unsafe { libc::fcntl(fd.as_raw_fd(), libc::F_SETFL, flags as libc::c_int) };
    cvt(r, || "setting file status flags".into()).map(drop)
}

fn new_pipe(data: &[u8], capacity: u32) -> Result<(OwnedFd, OwnedFd)> {
    let mut fds = [0; 2];
    // SAFETY: `fds` has room for two descriptors.
    let r = unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC) };
    cvt(r, || "creating a pipe".into())?;
    // SAFETY: fresh descriptors owned by nobody else.
    let (r, w) = unsafe { (OwnedFd::from_raw_fd(fds[0]), OwnedFd::from_raw_fd(fds[1])) };
    if capacity > 0 {
        let _ = fd_peek::set_pipe_capacity(&w, capacity.max(data.len() as u32));
    }
    if !data.is_empty() {
        let w2 = w
            .try_clone()
            .map_err(|e| Error::os("duplicating a pipe end", e))?;
        set_status_flags(&w2, libc::O_NONBLOCK as u32)?;
        File::from(w2)
            .write_all(data)
            .map_err(|e| Error::os("refilling a pipe", e))?;
        set_status_flags(&w, 0)?;
    }
    Ok((r, w))
}

fn open_fifo(path: &str, flags: u32, data: &[u8]) -> Result<OwnedFd> {
    // Opening one end of a FIFO blocks until the other is open: hold it open read-write
    // meanwhile (Linux allows that on a FIFO). The unread data goes in through it too; it stays
    // in the FIFO as long as any end is open.
    let keep = open_path(path, libc::O_RDWR as u32 | libc::O_NONBLOCK as u32, 0)?;
    if !data.is_empty() {
        File::from(
            keep.try_clone()
                .map_err(|e| Error::os("duplicating a FIFO", e))?,
        )
        .write_all(data)
        .map_err(|e| Error::os(format!("refilling the FIFO {path}"), e))?;
    }
    let fd = open_path(path, flags | libc::O_NONBLOCK as u32, 0)?;
    drop(keep);
    Ok(fd)
}

/// Opens what `fds` describe; `inherit` overrides (and supplies pipes that lead outside the
/// process).
pub fn prepare(
    fds: &[FdImage],
    mut memfds: Memfds,
    inherit: Vec<(i32, OwnedFd)>,
    orphan_outside_pipes: bool,
) -> Result<Prepared> {
    let mut inherit: HashMap<i32, OwnedFd> = inherit.into_iter().collect();
    let base = fds
        .iter()
        .map(|f| f.fd)
        .chain(inherit.keys().copied())
        .max()
        .unwrap_or(0)
        + 1;
    let mut descriptions: HashMap<u32, OwnedFd> = HashMap::new();
    let mut pipes: HashMap<u64, (OwnedFd, OwnedFd)> = HashMap::new();
    let mut out = Vec::new();
    let mut finish = Vec::new();
    let mut timers = Vec::new();
    let mut objects: Vec<(u64, OwnedFd)> = Vec::new();
    for f in fds {
        if let Some(given) = inherit.remove(&f.fd) {
            out.push((f.fd, dup_above(&given, base)?, f.cloexec));
            continue;
        }
        if let Some(d) = descriptions.get(&f.description) {
            out.push((f.fd, dup_above(d, base)?, f.cloexec));
            continue;
        }
        let opened = match &f.kind {
            FdKind::Path { path, flags, pos } => open_path(path, *flags, *pos)?,
            FdKind::Pipe {
                id,
                fifo,
                flags,
                internal,
                data,
                capacity,
            } => {
                let write = *flags & libc::O_ACCMODE as u32 == libc::O_WRONLY as u32;
                let fd = if !fifo.is_empty() {
                    open_fifo(fifo, *flags, data)?
                } else if *internal {
                    if !pipes.contains_key(id) {
                        pipes.insert(*id, new_pipe(data, *capacity)?);
                    }
                    let (r, w) = &pipes[id];
                    (if write { w } else { r })
                        .try_clone()
                        .map_err(|e| Error::os("duplicating a pipe end", e))?
                } else if orphan_outside_pipes {
                    let (r, w) = new_pipe(&[], 0)?;
                    if write { w } else { r }
                } else {
                    return Err(Error::Restore(format!(
                        "fd {} is the {} end of a pipe that leads outside the process (pipe:[{id}]); pass the descriptor to use instead with RestoreOptions::inherit_fd, or allow RestoreOptions::orphan_outside_pipes",
                        f.fd,
                        if write { "write" } else { "read" }
                    )));
                };
                set_status_flags(&fd, *flags)?;
                fd
            }
            FdKind::Eventfd {
                count,
                semaphore,
                flags,
            } => {
                let fd = anon_fds::eventfd(*count, *semaphore)?;
                set_status_flags(&fd, *flags)?;
                fd
            }
            FdKind::Timerfd { flags, state } => {
                let fd = anon_fds::timerfd(state)?;
                set_status_flags(&fd, *flags)?;
                let copy = fd
                    .try_clone()
                    .map_err(|e| Error::os("duplicating a timerfd", e))?;
                timers.push((copy, *state));
                fd
            }
            FdKind::Signalfd { mask, flags } => {
                let fd = anon_fds::signalfd(*mask)?;
                set_status_flags(&fd, *flags)?;
                fd
            }
            FdKind::Epoll { flags, watches } => {
                let fd = anon_fds::epoll()?;
                set_status_flags(&fd, *flags)?;
                finish.extend(watches.iter().map(|w| Finish::Watch {
                    epfd: f.fd,
                    watch: *w,
                }));
                fd
            }
            FdKind::Memfd {
                id,
                flags,
                pos,
                seals,
                ..
            } => {
                let object = memfds.object(fds, *id)?;
                if !objects.iter().any(|(i, _)| i == id) {
                    objects.push((*id, dup_above(object, base)?));
                    if *seals != 0 {
                        finish.push(Finish::Seal {
                            fd: f.fd,
                            seals: *seals,
                        });
                    }
                }
                // A description of its own, with its flags and offset.
                let path = format!("/proc/self/fd/{}", object.as_raw_fd());
                open_path(&path, *flags, *pos)?
            }
        };
        let high = dup_above(&opened, base)?;
        descriptions.insert(f.description, opened);
        out.push((f.fd, high, f.cloexec));
    }
    for (fd, given) in inherit {
        out.push((fd, dup_above(&given, base)?, false));
    }
    Ok(Prepared {
        fds: out,
        memfds: objects,
        finish,
        timers,
    })
}

/// Registers `watch` with the epoll instance `epfd` of the new process. The kernel keys a watch
/// by file and number: a file watched under a number that now names another file (or
/// nothing) is put under that number for the `epoll_ctl`, and the number given back after.
fn add_watch(
    remote: &Remote,
    mem: &RemoteMemory,
    scratch: u64,
    epfd: i32,
    watch: &EpollWatch,
    installs: &[Install],
) -> Result<()> {
    let fd = watch.fd as u64;
    let displaced = watch.source != watch.fd;
    let mut saved = None;
    if displaced {
        if let Some(i) = installs.iter().find(|i| i.target == watch.fd) {
            let copy = remote.call(
                "fcntl(F_DUPFD_CLOEXEC)",
                libc::SYS_fcntl,
                &[fd, libc::F_DUPFD_CLOEXEC as u64, 0],
            )?;
            saved = Some((copy, i.cloexec));
        }
        remote.call("dup3", libc::SYS_dup3, &[watch.source as u64, fd, 0])?;
    }
    // struct epoll_event is packed on x86-64: events u32, data u64.
    let mut ev = [0u8; 12];
    ev[..4].copy_from_slice(&watch.events.to_le_bytes());
    ev[4..].copy_from_slice(&watch.data.to_le_bytes());
    mem.write(scratch, &ev)
        .map_err(|e| Error::os("writing an epoll_event", e))?;
    remote.call(
        "epoll_ctl",
        libc::SYS_epoll_ctl,
        &[epfd as u64, libc::EPOLL_CTL_ADD as u64, fd, scratch],
    )?;
    match saved {
        Some((copy, cloexec)) => {
            let flags = if cloexec { libc::O_CLOEXEC as u64 } else { 0 };
            remote.call("dup3", libc::SYS_dup3, &[copy, fd, flags])?;
            remote.call("close", libc::SYS_close, &[copy])?;
        }
        None if displaced => {
            remote.call("close", libc::SYS_close, &[fd])?;
        }
        None => {}
    }
    Ok(())
}

/// Moves the inherited descriptors to their numbers in the new process, closes every other
/// descriptor it has, then registers the epoll watches and adds the memfd seals. `scratch` is
/// memory in the new process for an `epoll_event`.
pub fn install(
    remote: &Remote,
    mem: &RemoteMemory,
    scratch: u64,
    plan: &InstallPlan,
) -> Result<()> {
    let mut targets: Vec<i32> = Vec::new();
    for i in &plan.installs {
        let flags = if i.cloexec { libc::O_CLOEXEC as u64 } else { 0 };
        remote.call(
            "dup3",
            libc::SYS_dup3,
            &[i.inherited as u64, i.target as u64, flags],
        )?;
        targets.push(i.target);
    }
    targets.sort_unstable();
    let mut first: u64 = 0;
    for t in targets
        .iter()
        .map(|&t| t as u64)
        .chain([u64::from(u32::MAX) + 1])
    {
        if t > first {
            remote.call("close_range", libc::SYS_close_range, &[first, t - 1, 0])?;
        }
        first = t + 1;
    }
    for step in &plan.finish {
        match *step {
            Finish::Watch { epfd, watch } => {
                add_watch(remote, mem, scratch, epfd, &watch, &plan.installs)?;
            }
            Finish::Seal { fd, seals } => {
                remote.call(
                    "fcntl(F_ADD_SEALS)",
                    libc::SYS_fcntl,
                    &[fd as u64, libc::F_ADD_SEALS as u64, u64::from(seals)],
                )?;
            }
        }
    }
    Ok(())
}
