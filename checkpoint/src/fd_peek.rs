//! Looking at another process's open files: `pidfd_getfd` to borrow a descriptor, `tee` to copy
//! a pipe's unread data without consuming it, `kcmp` to tell whether two descriptors share one
//! open file description (or an epoll instance watches a descriptor), `timerfd_gettime`,
//! memfd seals and `SEEK_DATA`/`SEEK_HOLE`.

use std::fs::File;
use std::io::{self, Read};
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};

const KCMP_FILE: libc::c_long = 0;
const KCMP_EPOLL_TFD: libc::c_long = 7;

fn check(r: libc::c_long) -> io::Result<libc::c_long> {
    if r < 0 {
        Err(io::Error::last_os_error())
    } else {
        Ok(r)
    }
}

/// A pidfd for `pid`.
pub fn pidfd_open(pid: i32) -> io::Result<OwnedFd> {
    // SAFETY: pidfd_open takes two integers and returns a new descriptor or -1.
    let fd = check(unsafe { libc::syscall(libc::SYS_pidfd_open, pid, 0) })?;
    // SAFETY: the kernel just returned this descriptor to us; nothing else owns it.
    Ok(unsafe { OwnedFd::from_raw_fd(fd as i32) })
}

/// A duplicate, in this process, of descriptor `fd` of the process behind `pidfd`.
pub fn getfd(pidfd: &OwnedFd, fd: i32) -> io::Result<OwnedFd> {
    // SAFETY: pidfd_getfd takes integers and returns a new descriptor or -1.
    let r = unsafe { libc::syscall(libc::SYS_pidfd_getfd, pidfd.as_raw_fd(), fd, 0) };
    let r = check(r)?;
    // SAFETY: a fresh descriptor from the kernel, owned by nobody else.
    Ok(unsafe { OwnedFd::from_raw_fd(r as i32) })
}

/// Whether descriptors `a` and `b` of `pid` are the same open file description.
pub fn same_description(pid: i32, a: i32, b: i32) -> bool {
    // SAFETY: kcmp takes integers only.
    let r = unsafe { libc::syscall(libc::SYS_kcmp, pid, pid, KCMP_FILE, a, b) };
    r == 0
}

/// Whether the `toff`-th file the epoll instance `epfd` of `pid` watches under number `tfd` is
/// the file behind descriptor `fd` of `pid`.
pub fn epoll_watches_fd(pid: i32, epfd: i32, tfd: i32, toff: u32, fd: i32) -> bool {
    // struct kcmp_epoll_slot: efd, tfd, toff.
    let slot: [u32; 3] = [epfd as u32, tfd as u32, toff];
    // SAFETY: kcmp reads the 12-byte slot, which lives across the call.
    let r = unsafe { libc::syscall(libc::SYS_kcmp, pid, pid, KCMP_EPOLL_TFD, fd, slot.as_ptr()) };
    r == 0
}

/// `timerfd_gettime`: the time remaining and the period. Also brings the expiration count up to
/// date for a periodic timer (as a `read` would), so that fdinfo shows every expiration.
pub fn timerfd_gettime(fd: &OwnedFd) -> io::Result<((u64, u64), (u64, u64))> {
    // SAFETY: itimerspec is plain integers.
    let mut its: libc::itimerspec = unsafe { std::mem::zeroed() };
    // SAFETY: `its` is a valid out pointer for the call.
    check(unsafe { libc::timerfd_gettime(fd.as_raw_fd(), &mut its) } as libc::c_long)?;
    let ts = |t: libc::timespec| (t.tv_sec as u64, t.tv_nsec as u64);
    Ok((ts(its.it_value), ts(its.it_interval)))
}

/// The current time of clock `clockid`.
pub fn clock_now(clockid: i32) -> io::Result<(u64, u64)> {
    // SAFETY: timespec is plain integers.
    let mut t: libc::timespec = unsafe { std::mem::zeroed() };
    // SAFETY: `t` is a valid out pointer for the call.
    check(unsafe { libc::clock_gettime(clockid, &mut t) } as libc::c_long)?;
    Ok((t.tv_sec as u64, t.tv_nsec as u64))
}

/// The `F_SEAL_*` seals of a memfd.
pub fn seals(fd: &impl AsRawFd) -> io::Result<u32> {
    // SAFETY: F_GET_SEALS takes no argument.
    let r = unsafe { libc::fcntl(fd.as_raw_fd(), libc::F_GET_SEALS) };
    check(r as libc::c_long).map(|v| v as u32)
}

/// The first range `[start, end)` of `fd` at or after `from` that holds data (`SEEK_DATA`,
/// `SEEK_HOLE`), or `None` past the last one. Moves the file offset: use a description of
/// one's own.
pub fn next_data(fd: &impl AsRawFd, from: u64) -> io::Result<Option<(u64, u64)>> {
    // SAFETY: lseek takes integers only.
    let start = unsafe { libc::lseek(fd.as_raw_fd(), from as i64, libc::SEEK_DATA) };
    if start < 0 {
        let e = io::Error::last_os_error();
        return if e.raw_os_error() == Some(libc::ENXIO) {
            Ok(None)
        } else {
            Err(e)
        };
    }
    // SAFETY: lseek takes integers only.
    let end = unsafe { libc::lseek(fd.as_raw_fd(), start, libc::SEEK_HOLE) };
    let end = check(end as libc::c_long)?;
    Ok(Some((start as u64, end as u64)))
}

fn pipe() -> io::Result<(OwnedFd, OwnedFd)> {
    let mut fds = [0; 2];
    // SAFETY: `fds` has room for the two descriptors pipe2 writes.
    if unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC | libc::O_NONBLOCK) } != 0 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: both descriptors are fresh and owned by nobody else.
    Ok(unsafe { (OwnedFd::from_raw_fd(fds[0]), OwnedFd::from_raw_fd(fds[1])) })
}

/// Capacity of a pipe (`F_GETPIPE_SZ`).
pub fn pipe_capacity(fd: &OwnedFd) -> io::Result<u32> {
    // SAFETY: F_GETPIPE_SZ takes no argument.
    let r = unsafe { libc::fcntl(fd.as_raw_fd(), libc::F_GETPIPE_SZ) };
    check(r as libc::c_long).map(|v| v as u32)
}

/// Sets the capacity of a pipe (`F_SETPIPE_SZ`).
pub fn set_pipe_capacity(fd: &OwnedFd, size: u32) -> io::Result<()> {
    // SAFETY: F_SETPIPE_SZ takes an int.
    let r = unsafe { libc::fcntl(fd.as_raw_fd(), libc::F_SETPIPE_SZ, size as libc::c_int) };
    check(r as libc::c_long).map(drop)
}

/// The unread data of the pipe whose read end is `read_end`, left in place.
pub fn peek_pipe(read_end: &OwnedFd) -> io::Result<Vec<u8>> {
    let cap = pipe_capacity(read_end)?;
    let (r, w) = pipe()?;
    set_pipe_capacity(&w, cap)?;
    // SAFETY: tee takes two descriptors, a length and flags; no memory is passed.
    let n = unsafe {
        libc::tee(
            read_end.as_raw_fd(),
            w.as_raw_fd(),
            cap as usize,
            libc::SPLICE_F_NONBLOCK,
        )
    };
    if n < 0 {
        let e = io::Error::last_os_error();
        if e.kind() == io::ErrorKind::WouldBlock {
            return Ok(Vec::new());
        }
        return Err(e);
    }
    drop(w);
    let mut data = Vec::with_capacity(n as usize);
    File::from(r).read_to_end(&mut data)?;
    Ok(data)
}
