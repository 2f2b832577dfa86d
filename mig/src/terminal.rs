//! The home terminal: whether a stream is a tty, its window size, and raw mode while a remote
//! pty does the line editing.

use std::os::fd::BorrowedFd;

use nix::sys::termios::{SetArg, Termios, cfmakeraw, tcgetattr, tcsetattr};
use roam_shared::proto::WindowSize;

nix::ioctl_read_bad!(ioctl_get_winsize, libc::TIOCGWINSZ, libc::winsize);

/// Is descriptor `fd` a terminal?
pub fn is_tty(fd: i32) -> bool {
    // SAFETY: isatty only inspects the descriptor number.
    unsafe { libc::isatty(fd) == 1 }
}

/// The window size of the first standard stream that is a terminal.
pub fn window_size() -> Option<WindowSize> {
    (0..3).filter(|&fd| is_tty(fd)).find_map(|fd| {
        let mut ws = libc::winsize {
            ws_row: 0,
            ws_col: 0,
            ws_xpixel: 0,
            ws_ypixel: 0,
        };
        // SAFETY: TIOCGWINSZ writes one `winsize` into a live local.
        unsafe { ioctl_get_winsize(fd, &mut ws) }.ok()?;
        Some(WindowSize {
            rows: ws.ws_row.into(),
            cols: ws.ws_col.into(),
            xpixel: ws.ws_xpixel.into(),
            ypixel: ws.ws_ypixel.into(),
        })
    })
}

/// Puts stdin's terminal in raw mode until dropped (or [`RawMode::suspend`]ed), so that keys,
/// ^C included, go to the remote pty and its line discipline.
pub struct RawMode {
    saved: Option<Termios>,
}

fn stdin_fd() -> BorrowedFd<'static> {
    // SAFETY: fd 0 stays open for the life of the process.
    unsafe { BorrowedFd::borrow_raw(0) }
}

impl RawMode {
    /// Enters raw mode when stdin is a terminal; otherwise does nothing.
    pub fn enter() -> Self {
        let mut mode = RawMode { saved: None };
        mode.resume();
        mode
    }

    /// Enters raw mode again after a suspend.
    pub fn resume(&mut self) {
        if !is_tty(0) || self.saved.is_some() {
            return;
        }
        if let Ok(saved) = tcgetattr(stdin_fd()) {
            let mut raw = saved.clone();
            cfmakeraw(&mut raw);
            if tcsetattr(stdin_fd(), SetArg::TCSADRAIN, &raw).is_ok() {
                self.saved = Some(saved);
            }
        }
    }

    /// Restores the terminal (before mig stops itself or exits).
    pub fn suspend(&mut self) {
        if let Some(saved) = self.saved.take() {
            let _ = tcsetattr(stdin_fd(), SetArg::TCSADRAIN, &saved);
        }
    }
}

impl Drop for RawMode {
    fn drop(&mut self) {
        self.suspend();
    }
}
