//! Anonymous kernel objects recreated in the restorer (the new process inherits them like every
//! other descriptor): eventfd, timerfd, signalfd and epoll instances. Epoll watches are added
//! later, inside the new process, by `files::finish`; timerfds are armed last, just before the
//! process is released.

use std::fs::File;
use std::io::Write;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};

use crate::error::{Error, Result};
use crate::image::format::TimerfdState;

/// `TFD_IOC_SET_TICKS`: `_IOW('T', 0, u64)`.
const TFD_IOC_SET_TICKS: libc::c_ulong = 0x4008_5400;

/// Takes ownership of a descriptor a system call returned, or its error.
fn owned(r: libc::c_int, what: &str) -> Result<OwnedFd> {
    if r < 0 {
        return Err(Error::last_os(format!("creating {what}")));
    }
    // SAFETY: a fresh descriptor from the kernel, owned by nobody else.
    Ok(unsafe { OwnedFd::from_raw_fd(r) })
}

/// An eventfd whose counter is `count`.
pub fn eventfd(count: u64, semaphore: bool) -> Result<OwnedFd> {
    let mut flags = libc::EFD_CLOEXEC;
    if semaphore {
        flags |= libc::EFD_SEMAPHORE;
    }
    // SAFETY: eventfd takes integers only.
    let fd = owned(unsafe { libc::eventfd(0, flags) }, "an eventfd")?;
    if count != 0 {
        // The initial value is only 32 bits wide; a write adds any 64-bit value.
        let mut f = File::from(
            fd.try_clone()
                .map_err(|e| Error::os("duplicating an eventfd", e))?,
        );
        f.write_all(&count.to_ne_bytes())
            .map_err(|e| Error::os(format!("setting an eventfd's counter to {count}"), e))?;
    }
    Ok(fd)
}

/// A signalfd that reads the signals in `mask`.
pub fn signalfd(mask: u64) -> Result<OwnedFd> {
    // SAFETY: signalfd4 reads an 8-byte mask, which lives across the call.
    let r = unsafe {
        libc::syscall(
            libc::SYS_signalfd4,
            -1,
            &raw const mask,
            8,
            libc::SFD_CLOEXEC,
        )
    };
    owned(r as libc::c_int, "a signalfd")
}

/// An epoll instance that watches nothing yet.
pub fn epoll() -> Result<OwnedFd> {
    // SAFETY: epoll_create1 takes an integer.
    owned(
        unsafe { libc::epoll_create1(libc::EPOLL_CLOEXEC) },
        "an epoll instance",
    )
}

/// A disarmed timerfd on the clock of `state` (see [`arm_timerfd`]).
pub fn timerfd(state: &TimerfdState) -> Result<OwnedFd> {
    // SAFETY: timerfd_create takes integers only.
    let r = unsafe { libc::timerfd_create(state.clockid, libc::TFD_CLOEXEC) };
    owned(r, &format!("a timerfd on clock {}", state.clockid))
}

/// Arms a timerfd as `state` says and gives it its pending expirations.
pub fn arm_timerfd(fd: &OwnedFd, state: &TimerfdState) -> Result<()> {
    let ts = |(s, n): (u64, u64)| -> Result<libc::timespec> {
        if n >= 1_000_000_000 || s > i64::MAX as u64 {
            return Err(Error::BadImage(format!(
                "a timerfd time {s}.{n:09} is invalid"
            )));
        }
        Ok(libc::timespec {
            tv_sec: s as i64,
            tv_nsec: n as i64,
        })
    };
    let its = libc::itimerspec {
        it_interval: ts(state.interval)?,
        it_value: ts(state.value)?,
    };
    // SAFETY: `its` lives across the call; the old value is not asked for.
    let r = unsafe {
        libc::timerfd_settime(
            fd.as_raw_fd(),
            state.settime_flags as libc::c_int,
            &its,
            std::ptr::null_mut(),
        )
    };
    if r < 0 {
        return Err(Error::last_os("arming a timerfd"));
    }
    // After the settime, which clears the count.
    if state.ticks != 0 {
        // SAFETY: TFD_IOC_SET_TICKS reads a u64, which lives across the call.
        let r = unsafe { libc::ioctl(fd.as_raw_fd(), TFD_IOC_SET_TICKS, &raw const state.ticks) };
        if r < 0 {
            return Err(Error::last_os(format!(
                "giving a timerfd its {} pending expirations",
                state.ticks
            )));
        }
    }
    Ok(())
}
