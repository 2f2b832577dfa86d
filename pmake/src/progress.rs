//! The progress line on a terminal: commands done of those handed over, commands running, hosts
//! in use. It is drawn on the terminal directly; make's and the recipes' output reach the
//! terminal through [`crate::output_relay`], which hides the line while writing.

use std::io::{self, Write as _};
use std::os::fd::{AsRawFd, OwnedFd};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle, TermLike};

/// A handle to the line (clones share it).
#[derive(Clone)]
pub struct ProgressLine {
    bar: ProgressBar,
}

impl ProgressLine {
    /// A line drawn on `terminal`, at most a few times a second.
    pub fn new(terminal: OwnedFd) -> ProgressLine {
        let target = ProgressDrawTarget::term_like_with_hz(
            Box::new(Terminal(std::fs::File::from(terminal))),
            5,
        );
        let bar = ProgressBar::with_draw_target(Some(0), target);
        bar.set_style(
            ProgressStyle::with_template("{prefix}: {pos}/{len} commands done, {msg}")
                .unwrap_or_else(|_| ProgressStyle::default_bar()),
        );
        bar.set_prefix("pmake");
        ProgressLine { bar }
    }

    /// Make handed over one more command.
    pub fn job_started(&self) {
        self.bar.inc_length(1);
    }

    /// A command ended.
    pub fn job_done(&self) {
        self.bar.inc(1);
    }

    /// What runs now.
    pub fn update(&self, running: usize, hosts: usize) {
        let word = if hosts == 1 { "host" } else { "hosts" };
        self.bar
            .set_message(format!("{running} running on {hosts} {word}"));
    }

    /// Runs `write` (which writes to the terminal) with the line hidden meanwhile.
    pub fn hidden<R>(&self, write: impl FnOnce() -> R) -> R {
        self.bar.suspend(write)
    }

    /// Removes the line.
    pub fn clear(&self) {
        self.bar.finish_and_clear();
    }
}

/// The terminal the line is drawn on (ANSI escapes).
#[derive(Debug)]
struct Terminal(std::fs::File);

impl Terminal {
    fn put(&self, s: &str) -> io::Result<()> {
        (&self.0).write_all(s.as_bytes())
    }
}

impl TermLike for Terminal {
    fn width(&self) -> u16 {
        // SAFETY: TIOCGWINSZ fills one winsize, a live local, from our descriptor.
        let mut size: libc::winsize = unsafe { std::mem::zeroed() };
        // SAFETY: as above; a failure leaves the zeroed size.
        let ok = unsafe { libc::ioctl(self.0.as_raw_fd(), libc::TIOCGWINSZ, &mut size) } == 0;
        if ok && size.ws_col > 0 {
            size.ws_col
        } else {
            80
        }
    }

    fn move_cursor_up(&self, n: usize) -> io::Result<()> {
        if n == 0 {
            Ok(())
        } else {
            self.put(&format!("\x1b[{n}A"))
        }
    }

    fn move_cursor_down(&self, n: usize) -> io::Result<()> {
        if n == 0 {
            Ok(())
        } else {
            self.put(&format!("\x1b[{n}B"))
        }
    }

    fn move_cursor_right(&self, n: usize) -> io::Result<()> {
        if n == 0 {
            Ok(())
        } else {
            self.put(&format!("\x1b[{n}C"))
        }
    }

    fn move_cursor_left(&self, n: usize) -> io::Result<()> {
        if n == 0 {
            Ok(())
        } else {
            self.put(&format!("\x1b[{n}D"))
        }
    }

    fn write_line(&self, s: &str) -> io::Result<()> {
        self.put(&format!("{s}\n"))
    }

    fn write_str(&self, s: &str) -> io::Result<()> {
        self.put(s)
    }

    fn clear_line(&self) -> io::Result<()> {
        self.put("\r\x1b[2K")
    }

    fn flush(&self) -> io::Result<()> {
        (&self.0).flush()
    }
}
