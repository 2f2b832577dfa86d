//! The GNU make jobserver: a pipe (or named fifo) holding one byte per free job slot.
//!
//! Every make process owns one implicit slot; it must read a token before running a
//! second job at once and write it back when that job ends. Sharing the pipe with
//! sub-makes (GNU make or pmake) keeps the total number of jobs within `-j N`.

use std::ffi::CString;
use std::io;
use std::os::fd::RawFd;

pub struct Jobserver {
    /// Our own non-blocking descriptor for the read side (a separate open file
    /// description, so setting O_NONBLOCK does not affect other processes).
    read: RawFd,
    write: RawFd,
    /// What `--jobserver-auth=` says to sub-makes.
    pub auth: String,
    /// Descriptors a recursive make must inherit.
    pub inherit: Vec<RawFd>,
    /// Tokens currently held for running jobs.
    pub held: usize,
}

fn open_path(path: &str, flags: libc::c_int) -> io::Result<RawFd> {
    let c = CString::new(path).map_err(io::Error::other)?;
    // SAFETY: c is a valid NUL-terminated string.
    let fd = unsafe { libc::open(c.as_ptr(), flags | libc::O_CLOEXEC) };
    if fd < 0 {
        Err(io::Error::last_os_error())
    } else {
        Ok(fd)
    }
}

fn fd_valid(fd: RawFd) -> bool {
    // SAFETY: F_GETFD only queries descriptor flags.
    unsafe { libc::fcntl(fd, libc::F_GETFD) >= 0 }
}

fn set_cloexec(fd: RawFd) {
    // SAFETY: fcntl on a descriptor we were given; failure is harmless.
    unsafe {
        let flags = libc::fcntl(fd, libc::F_GETFD);
        if flags >= 0 {
            libc::fcntl(fd, libc::F_SETFD, flags | libc::FD_CLOEXEC);
        }
    }
}

impl Jobserver {
    /// Creates a jobserver pipe for `slots` jobs (one implicit, `slots - 1` tokens).
    pub fn create(slots: usize) -> io::Result<Jobserver> {
        let mut fds = [0 as RawFd; 2];
        // SAFETY: fds is a valid array of two ints.
        if unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC) } != 0 {
            return Err(io::Error::last_os_error());
        }
        let tokens = vec![b'+'; slots.saturating_sub(1)];
        // SAFETY: writing a valid buffer to the pipe we just created; a pipe holds 64 KiB
        // so this does not block for any sane -j.
        let n = unsafe { libc::write(fds[1], tokens.as_ptr().cast(), tokens.len()) };
        if n < 0 {
            return Err(io::Error::last_os_error());
        }
        let read = open_path(
            &format!("/proc/self/fd/{}", fds[0]),
            libc::O_RDONLY | libc::O_NONBLOCK,
        )?;
        Ok(Jobserver {
            read,
            write: fds[1],
            auth: format!("{},{}", fds[0], fds[1]),
            inherit: vec![fds[0], fds[1]],
            held: 0,
        })
    }

    /// Joins the jobserver of a parent make, from `--jobserver-auth=R,W` or `fifo:PATH`.
    pub fn join(auth: &str) -> io::Result<Jobserver> {
        if let Some(path) = auth.strip_prefix("fifo:") {
            let read = open_path(path, libc::O_RDONLY | libc::O_NONBLOCK)?;
            let write = open_path(path, libc::O_WRONLY)?;
            return Ok(Jobserver {
                read,
                write,
                auth: auth.to_string(),
                inherit: Vec::new(),
                held: 0,
            });
        }
        let (r, w) = auth
            .split_once(',')
            .ok_or_else(|| io::Error::other("bad jobserver auth"))?;
        let r: RawFd = r.parse().map_err(io::Error::other)?;
        let w: RawFd = w.parse().map_err(io::Error::other)?;
        if r < 0 || w < 0 || !fd_valid(r) || !fd_valid(w) {
            return Err(io::Error::other("jobserver descriptors are not open"));
        }
        set_cloexec(r);
        set_cloexec(w);
        let read = open_path(
            &format!("/proc/self/fd/{r}"),
            libc::O_RDONLY | libc::O_NONBLOCK,
        )?;
        Ok(Jobserver {
            read,
            write: w,
            auth: auth.to_string(),
            inherit: vec![r, w],
            held: 0,
        })
    }

    /// Takes a token if one is free.
    pub fn try_acquire(&mut self) -> bool {
        let mut b = 0u8;
        // SAFETY: reading one byte into a valid local from our non-blocking descriptor.
        let n = unsafe { libc::read(self.read, (&mut b as *mut u8).cast(), 1) };
        if n == 1 {
            self.held += 1;
            true
        } else {
            false
        }
    }

    pub fn release(&mut self) {
        if self.held == 0 {
            return;
        }
        let b = b'+';
        loop {
            // SAFETY: writing one byte from a valid local.
            let n = unsafe { libc::write(self.write, (&b as *const u8).cast(), 1) };
            if n == 1 {
                break;
            }
            if io::Error::last_os_error().kind() != io::ErrorKind::Interrupted {
                break;
            }
        }
        self.held -= 1;
    }

    /// Puts `n` new tokens into the pipe (slots that came into being), outside `held`.
    pub fn add_tokens(&self, n: usize) {
        let tokens = vec![b'+'; n];
        let mut written = 0;
        while written < n {
            // SAFETY: writing from a valid buffer of `n - written` bytes.
            let w =
                unsafe { libc::write(self.write, tokens[written..].as_ptr().cast(), n - written) };
            if w > 0 {
                written += w as usize;
            } else if io::Error::last_os_error().kind() != io::ErrorKind::Interrupted {
                break;
            }
        }
    }

    /// Takes a token out of the pipe for good (a slot that went away), outside `held`.
    pub fn remove_token(&self) -> bool {
        let mut b = 0u8;
        // SAFETY: reading one byte into a valid local from our non-blocking descriptor.
        unsafe { libc::read(self.read, (&mut b as *mut u8).cast(), 1) == 1 }
    }

    /// How many tokens are in the pipe now.
    pub fn free_tokens(&self) -> usize {
        let mut n: libc::c_int = 0;
        // SAFETY: FIONREAD stores the pipe's byte count in a valid local int.
        if unsafe { libc::ioctl(self.read, libc::FIONREAD, &mut n) } < 0 {
            return 0;
        }
        n.max(0) as usize
    }

    /// The descriptor that becomes readable when a token is free.
    pub fn readable_fd(&self) -> RawFd {
        self.read
    }

    /// Waits until a token may be available or `other` is readable.
    pub fn wait(&self, other: Option<RawFd>) {
        let mut fds = vec![libc::pollfd {
            fd: self.read,
            events: libc::POLLIN,
            revents: 0,
        }];
        if let Some(o) = other {
            fds.push(libc::pollfd {
                fd: o,
                events: libc::POLLIN,
                revents: 0,
            });
        }
        // SAFETY: fds is a valid array of pollfd of the given length.
        unsafe {
            libc::poll(fds.as_mut_ptr(), fds.len() as libc::nfds_t, -1);
        }
    }
}

impl Drop for Jobserver {
    fn drop(&mut self) {
        while self.held > 0 {
            self.release();
        }
        // SAFETY: closing our private read descriptor.
        unsafe {
            libc::close(self.read);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_counted() {
        let mut js = Jobserver::create(3).unwrap();
        assert!(js.try_acquire());
        assert!(js.try_acquire());
        assert!(!js.try_acquire());
        js.release();
        assert!(js.try_acquire());
        let mut other = Jobserver::join(&js.auth).unwrap();
        assert!(!other.try_acquire());
        js.release();
        assert!(other.try_acquire());
    }

    #[test]
    fn tokens_can_be_added_counted_and_removed() {
        let js = Jobserver::create(1).unwrap();
        assert_eq!(js.free_tokens(), 0);
        js.add_tokens(3);
        assert_eq!(js.free_tokens(), 3);
        assert!(js.remove_token());
        assert_eq!(js.free_tokens(), 2);
        assert_eq!(js.held, 0, "outside the held count");
    }
}
