//! Pseudo-terminals for jobs whose home side is a terminal.

use std::io;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, OwnedFd};

use nix::pty::{OpenptyResult, Winsize, openpty};
use nix::sys::termios::{SpecialCharacterIndices, tcgetattr};
use roam_shared::proto::WindowSize;

nix::ioctl_write_ptr_bad!(ioctl_set_winsize, libc::TIOCSWINSZ, libc::winsize);

/// A new pty pair: `(master, slave)`, both close-on-exec, with the given window size.
pub fn open(size: Option<&WindowSize>) -> io::Result<(OwnedFd, OwnedFd)> {
    let ws = size.map(to_winsize);
    let OpenptyResult { master, slave } = openpty(ws.as_ref(), None)?;
    for fd in [&master, &slave] {
        nix::fcntl::fcntl(
            fd,
            nix::fcntl::FcntlArg::F_SETFD(nix::fcntl::FdFlag::FD_CLOEXEC),
        )?;
    }
    Ok((master, slave))
}

/// Changes the window size; the kernel sends SIGWINCH to the terminal's foreground group.
pub fn resize(master: BorrowedFd<'_>, size: &WindowSize) -> io::Result<()> {
    let ws = to_winsize(size);
    // SAFETY: TIOCSWINSZ reads one `winsize` from the pointer, which points to a live local.
    unsafe { ioctl_set_winsize(master.as_raw_fd(), &ws) }?;
    Ok(())
}

/// The byte that signals end of input on this terminal (usually ^D).
pub fn eof_char(master: impl AsFd) -> u8 {
    tcgetattr(master)
        .map(|t| t.control_chars[SpecialCharacterIndices::VEOF as usize])
        .unwrap_or(4)
}

fn to_winsize(size: &WindowSize) -> Winsize {
    let clamp = |v: u32| v.min(u16::MAX as u32) as u16;
    Winsize {
        ws_row: clamp(size.rows),
        ws_col: clamp(size.cols),
        ws_xpixel: clamp(size.xpixel),
        ws_ypixel: clamp(size.ypixel),
    }
}
