//! Moving a stream between descriptors inside the kernel (splice(2)), for data links: the bytes
//! never enter migd's memory. Both functions block: they run on their own threads.

use std::io;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, OwnedFd};

const STEP: usize = 1 << 20;

/// One splice(2) of up to `len` bytes; one side must be a pipe. `Ok(0)` at end of file.
fn splice(from: BorrowedFd<'_>, to: BorrowedFd<'_>, len: usize) -> io::Result<usize> {
    loop {
        // SAFETY: splice takes two descriptors we borrow for the call and null offsets (both
        // sides are streams); it touches no memory of ours.
        let n = unsafe {
            libc::splice(
                from.as_raw_fd(),
                std::ptr::null_mut(),
                to.as_raw_fd(),
                std::ptr::null_mut(),
                len,
                libc::SPLICE_F_MOVE | libc::SPLICE_F_MORE,
            )
        };
        if n >= 0 {
            return Ok(n as usize);
        }
        let err = io::Error::last_os_error();
        match err.kind() {
            io::ErrorKind::Interrupted => continue,
            // Someone else made a descriptor non-blocking: wait until it can move on.
            io::ErrorKind::WouldBlock => wait_ready(from, to),
            _ => return Err(err),
        }
    }
}

fn wait_ready(from: BorrowedFd<'_>, to: BorrowedFd<'_>) {
    let mut fds = [
        nix::poll::PollFd::new(from, nix::poll::PollFlags::POLLIN),
        nix::poll::PollFd::new(to, nix::poll::PollFlags::POLLOUT),
    ];
    let _ = nix::poll::poll(&mut fds, nix::poll::PollTimeout::from(100u8));
}

/// Below this, a splice moved a writer's single small write: worth waiting for more.
const SMALL: usize = 64 << 10;
/// How long to let a fast writer fill the pipe after a small splice.
const GATHER: std::time::Duration = std::time::Duration::from_micros(50);

/// Copies a pipe into a socket until the pipe's end of file; returns the bytes moved.
///
/// A program writing fast in small pieces (4–8 KiB) would otherwise be moved a piece per
/// system call and per TCP segment: after a small splice the thread pauses for 50 µs (nothing a
/// person sees) so that the next one moves many pieces at once.
pub fn pipe_to_socket(pipe: &OwnedFd, socket: &OwnedFd) -> io::Result<u64> {
    let mut total = 0;
    loop {
        match splice(pipe.as_fd(), socket.as_fd(), STEP)? {
            0 => return Ok(total),
            n => {
                total += n as u64;
                if n < SMALL {
                    std::thread::sleep(GATHER);
                }
            }
        }
    }
}

/// Copies a socket into `out` (any writable descriptor) until the socket's end of file, through
/// a pipe of our own; when `out` takes no splice (a terminal, say), the last leg is read and
/// write. Returns the bytes moved.
pub fn socket_to_fd(socket: &OwnedFd, out: &OwnedFd) -> io::Result<u64> {
    let (pipe_r, pipe_w) = nix::unistd::pipe2(nix::fcntl::OFlag::O_CLOEXEC)?;
    // SAFETY: F_SETPIPE_SZ takes an integer argument and only resizes our own pipe.
    unsafe { libc::fcntl(pipe_w.as_raw_fd(), libc::F_SETPIPE_SZ, STEP as libc::c_int) };
    let mut total = 0;
    let mut spliceable = true;
    loop {
        let n = splice(socket.as_fd(), pipe_w.as_fd(), STEP)?;
        if n == 0 {
            return Ok(total);
        }
        let mut left = n;
        while left > 0 {
            let moved = if spliceable {
                match splice(pipe_r.as_fd(), out.as_fd(), left) {
                    Err(e) if e.raw_os_error() == Some(libc::EINVAL) => {
                        spliceable = false;
                        continue;
                    }
                    other => other?,
                }
            } else {
                copy_some(&pipe_r, out, left)?
            };
            left -= moved;
        }
        total += n as u64;
    }
}

/// read(2) then write(2) of up to `len` bytes, for a destination splice(2) does not take.
fn copy_some(from: &OwnedFd, to: &OwnedFd, len: usize) -> io::Result<usize> {
    let mut buf = vec![0u8; len.min(STEP)];
    let n = nix::unistd::read(from, &mut buf)?;
    let mut data = &buf[..n];
    while !data.is_empty() {
        match nix::unistd::write(to, data) {
            Ok(w) => data = &data[w..],
            Err(nix::errno::Errno::EINTR) => {}
            Err(nix::errno::Errno::EAGAIN) => wait_ready(from.as_fd(), to.as_fd()),
            Err(e) => return Err(e.into()),
        }
    }
    Ok(n)
}
