//! Registering a descriptor with the runtime's epoll: this crate's one `unsafe` call, since
//! tokio cannot check that a registered descriptor stays open.

use std::io;
use std::os::fd::OwnedFd;

use tokio::io::Interest;
use tokio::io::unix::AsyncFd;

/// Registers `fd` for readability; the `AsyncFd` owns it from now on.
pub fn readable(fd: OwnedFd) -> io::Result<AsyncFd<OwnedFd>> {
    // SAFETY: the AsyncFd takes ownership of the OwnedFd, so the descriptor stays open and
    // refers to the same file description until the AsyncFd is dropped, and `as_raw_fd` on an
    // OwnedFd always returns that same descriptor.
    unsafe { AsyncFd::register_with_interest(fd, Interest::READABLE) }.map_err(io::Error::from)
}
