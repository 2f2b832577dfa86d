//! Non-blocking pipe and pty ends driven by tokio: the one reader/writer type for every stream a
//! job has, whether pipe or pty master.

use std::io;
use std::os::fd::{AsFd, AsRawFd, OwnedFd};

use bytes::{Bytes, BytesMut};

use nix::fcntl::{FcntlArg, OFlag, fcntl};
use tokio::io::unix::AsyncFd;

/// A non-blocking file descriptor with async `read` and `write_all`.
pub struct AsyncStream {
    fd: AsyncFd<OwnedFd>,
}

impl AsyncStream {
    /// Takes ownership of `fd` and makes it non-blocking.
    pub fn new(fd: OwnedFd) -> io::Result<Self> {
        let flags = OFlag::from_bits_truncate(fcntl(&fd, FcntlArg::F_GETFL)?);
        fcntl(&fd, FcntlArg::F_SETFL(flags | OFlag::O_NONBLOCK))?;
        // SAFETY: the AsyncFd owns the OwnedFd, so the descriptor stays open and refers to the
        // same file description until the AsyncFd is dropped.
        let fd = unsafe { AsyncFd::register(fd) }.map_err(io::Error::from)?;
        Ok(AsyncStream { fd })
    }

    /// Reads up to `max` bytes into a fresh buffer, so the data can be sent on without another
    /// copy. Empty at end of file; a pty master whose slave side is closed reports EIO, which is
    /// end of file too.
    pub async fn read_bytes(&self, max: usize) -> io::Result<Bytes> {
        let mut buf = BytesMut::with_capacity(max);
        loop {
            let mut guard = self.fd.readable().await?;
            let read = guard.try_io(|fd| {
                let spare = buf.spare_capacity_mut();
                // SAFETY: read(2) writes at most `spare.len()` bytes into the spare capacity.
                let n = unsafe {
                    libc::read(
                        fd.get_ref().as_raw_fd(),
                        spare.as_mut_ptr().cast(),
                        spare.len(),
                    )
                };
                if n < 0 {
                    Err(io::Error::last_os_error())
                } else {
                    Ok(n as usize)
                }
            });
            match read {
                Ok(Ok(n)) => {
                    // SAFETY: the kernel initialised the first `n` bytes of the spare capacity.
                    unsafe { buf.set_len(n) };
                    return Ok(buf.freeze());
                }
                Ok(Err(e)) if e.raw_os_error() == Some(libc::EIO) => return Ok(Bytes::new()),
                Ok(Err(e)) => return Err(e),
                Err(_would_block) => continue,
            }
        }
    }

    /// Writes all of `data`.
    pub async fn write_all(&self, mut data: &[u8]) -> io::Result<()> {
        while !data.is_empty() {
            let mut guard = self.fd.writable().await?;
            match guard.try_io(|fd| nix::unistd::write(fd.get_ref(), data).map_err(io::Error::from))
            {
                Ok(Ok(n)) => data = &data[n..],
                Ok(Err(e)) => return Err(e),
                Err(_would_block) => continue,
            }
        }
        Ok(())
    }

    /// The underlying descriptor (for ioctls on a pty master).
    pub fn as_fd(&self) -> std::os::fd::BorrowedFd<'_> {
        self.fd.get_ref().as_fd()
    }
}
