//! Descriptors of anonymous kernel objects: eventfd, timerfd, signalfd and epoll, described from
//! their fdinfo (and, for a timerfd, from `timerfd_gettime` on a borrowed copy).

use std::os::fd::OwnedFd;

use crate::check;
use crate::error::{Error, Result};
use crate::fd_peek;
use crate::fdinfo::{self, FdinfoError};
use crate::image::format::{EpollWatch, FdKind, TimerfdState};
use crate::proc_info;

/// Borrows descriptors of a process through one pidfd, opened on first use.
#[derive(Debug)]
pub struct Borrower {
    pid: i32,
    pidfd: Option<OwnedFd>,
}

impl Borrower {
    /// A borrower for `pid`.
    pub fn new(pid: i32) -> Self {
        Borrower { pid, pidfd: None }
    }

    /// A copy of descriptor `fd` of the process (the same open file description).
    pub fn get(&mut self, fd: i32) -> Result<OwnedFd> {
        let pidfd = match &mut self.pidfd {
            Some(p) => p,
            slot => {
                slot.insert(fd_peek::pidfd_open(self.pid).map_err(|e| Error::os("pidfd_open", e))?)
            }
        };
        fd_peek::getfd(pidfd, fd).map_err(|e| Error::os(format!("pidfd_getfd of fd {fd}"), e))
    }
}

fn read_fdinfo(pid: i32, fd: i32) -> Result<String> {
    proc_info::fdinfo_text(pid, fd).map_err(|e| Error::os(format!("fdinfo of fd {fd}"), e))
}

fn malformed(pid: i32, fd: i32) -> impl FnOnce(FdinfoError) -> Error {
    move |e| Error::Unsupported {
        pid,
        why: format!("fd {fd}: {e}"),
    }
}

/// An eventfd: its counter and semaphore mode. `flags` are its status flags.
pub fn eventfd(pid: i32, fd: i32, flags: u32) -> Result<FdKind> {
    let (count, semaphore) = fdinfo::eventfd(&read_fdinfo(pid, fd)?).map_err(malformed(pid, fd))?;
    Ok(FdKind::Eventfd {
        count,
        semaphore,
        flags,
    })
}

/// A signalfd: the signals it reads.
pub fn signalfd(pid: i32, fd: i32, flags: u32) -> Result<FdKind> {
    let mask = fdinfo::signalfd(&read_fdinfo(pid, fd)?).map_err(malformed(pid, fd))?;
    Ok(FdKind::Signalfd { mask, flags })
}

/// `a + b` for (seconds, nanoseconds).
fn add_time(a: (u64, u64), b: (u64, u64)) -> (u64, u64) {
    let ns = a.1 + b.1;
    (a.0 + b.0 + ns / 1_000_000_000, ns % 1_000_000_000)
}

/// A timerfd: clock, flags, pending expirations and times. An absolute timer keeps its
/// absolute expiration time; a relative one the time that remained.
pub fn timerfd(pid: i32, fd: i32, flags: u32, borrow: &mut Borrower) -> Result<FdKind> {
    let copy = borrow.get(fd)?;
    // First: it brings a periodic timer's expiration count up to date.
    let (remaining, interval) = fd_peek::timerfd_gettime(&copy)
        .map_err(|e| Error::os(format!("timerfd_gettime of fd {fd}"), e))?;
    let info = fdinfo::timerfd(&read_fdinfo(pid, fd)?).map_err(malformed(pid, fd))?;
    let armed = remaining != (0, 0);
    let value = if armed && info.settime_flags & libc::TFD_TIMER_ABSTIME as u32 != 0 {
        let now = fd_peek::clock_now(info.clockid)
            .map_err(|e| Error::os(format!("reading clock {}", info.clockid), e))?;
        add_time(now, remaining)
    } else {
        remaining
    };
    Ok(FdKind::Timerfd {
        flags,
        state: TimerfdState {
            clockid: info.clockid,
            settime_flags: info.settime_flags,
            ticks: info.ticks,
            value,
            interval,
        },
    })
}

/// An epoll instance: what it watches, and which descriptor holds each watched file (kcmp
/// tells exactly). Refused when it watches a descriptor that cannot be migrated or a file the
/// process no longer holds.
pub fn epoll(pid: i32, fd: i32, flags: u32, fds: &[i32]) -> Result<FdKind> {
    let text = read_fdinfo(pid, fd)?;
    let refusals = check::epoll_refusals(pid, fd, &text);
    if !refusals.is_empty() {
        return Err(Error::Refused(refusals));
    }
    let targets = fdinfo::epoll(&text).map_err(malformed(pid, fd))?;
    let mut watches: Vec<EpollWatch> = Vec::with_capacity(targets.len());
    for t in &targets {
        // The kernel numbers the files watched under one number in the order fdinfo lists them.
        let toff = watches.iter().filter(|w| w.fd == t.fd).count() as u32;
        let source = check::epoll_candidates(pid, fds, t)
            .into_iter()
            .find(|&c| fd_peek::epoll_watches_fd(pid, fd, t.fd, toff, c))
            .ok_or_else(|| {
                Error::Refused(vec![crate::Refusal::EpollTarget {
                    pid,
                    fd,
                    target: t.fd,
                    what: "a file the process no longer holds open".into(),
                }])
            })?;
        watches.push(EpollWatch {
            fd: t.fd,
            source,
            events: t.events,
            data: t.data,
        });
    }
    Ok(FdKind::Epoll { flags, watches })
}

#[cfg(test)]
mod tests {
    use super::add_time;

    #[test]
    fn times_add_with_carry() {
        assert_eq!(
            add_time((1, 600_000_000), (2, 500_000_000)),
            (4, 100_000_000)
        );
        assert_eq!(add_time((1, 0), (0, 999_999_999)), (1, 999_999_999));
    }
}
