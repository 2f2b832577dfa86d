//! While a progress line is shown, make's stdout and stderr (and so every recipe's, here or on
//! another host) are pipes that a thread copies to the terminal a whole line at a time, hiding
//! the progress line meanwhile, so that the line never cuts into recipe output.

use std::io::{self, Write as _};
use std::os::fd::{AsFd, AsRawFd, FromRawFd, OwnedFd};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;

use crate::progress::ProgressLine;

/// How long a partial line (a prompt, a progress dot) may wait for its end.
const PARTIAL_AFTER_MS: i32 = 100;

/// The relay; dropping it puts the terminal back on stdout and stderr and copies what is left.
pub struct OutputRelay {
    saved: [OwnedFd; 2],
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
    progress: ProgressLine,
}

impl OutputRelay {
    /// Puts pipes on descriptors 1 and 2 and starts copying them to where they pointed.
    pub fn start(progress: ProgressLine) -> io::Result<OutputRelay> {
        let _ = io::stdout().flush();
        let saved = [
            io::stdout().as_fd().try_clone_to_owned()?,
            io::stderr().as_fd().try_clone_to_owned()?,
        ];
        let mut readers = Vec::new();
        for target in [1, 2] {
            let (read, write) = pipe()?;
            // SAFETY: dup2 onto stdout/stderr from a pipe end we own; the old ones were saved.
            if unsafe { libc::dup2(write.as_raw_fd(), target) } < 0 {
                return Err(io::Error::last_os_error());
            }
            readers.push(read);
        }
        let stop = Arc::new(AtomicBool::new(false));
        let sinks = [
            std::fs::File::from(saved[0].try_clone()?),
            std::fs::File::from(saved[1].try_clone()?),
        ];
        let thread = {
            let (stop, progress) = (stop.clone(), progress.clone());
            std::thread::Builder::new()
                .name("output-relay".into())
                .spawn(move || copy(readers, sinks, &stop, &progress))?
        };
        Ok(OutputRelay {
            saved,
            stop,
            thread: Some(thread),
            progress,
        })
    }
}

impl OutputRelay {
    /// The line it keeps clear.
    pub fn progress(&self) -> &ProgressLine {
        &self.progress
    }
}

impl Drop for OutputRelay {
    fn drop(&mut self) {
        let _ = io::stdout().flush();
        for (fd, target) in self.saved.iter().zip([1, 2]) {
            // SAFETY: dup2 of a descriptor we own back onto stdout/stderr, closing our pipe ends.
            unsafe { libc::dup2(fd.as_raw_fd(), target) };
        }
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
        self.progress.clear();
    }
}

fn pipe() -> io::Result<(OwnedFd, OwnedFd)> {
    let mut fds = [0; 2];
    // SAFETY: fds is a valid array of two ints for pipe2 to fill.
    if unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC) } != 0 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: pipe2 just returned these two descriptors, owned by nobody else.
    let ends = unsafe { (OwnedFd::from_raw_fd(fds[0]), OwnedFd::from_raw_fd(fds[1])) };
    // SAFETY: fcntl on the read end we own.
    unsafe { libc::fcntl(fds[0], libc::F_SETFL, libc::O_NONBLOCK) };
    Ok(ends)
}

/// Copies until both pipes reach end of file, or, once `stop` is set, until they are empty
/// (a recipe's background process may hold them open for ever).
fn copy(
    readers: Vec<OwnedFd>,
    mut sinks: [std::fs::File; 2],
    stop: &AtomicBool,
    progress: &ProgressLine,
) {
    let mut pending = [Vec::new(), Vec::new()];
    let mut open = [true, true];
    let mut buf = vec![0u8; 64 << 10];
    while open.iter().any(|&o| o) {
        let stopping = stop.load(Ordering::Relaxed);
        let mut fds: Vec<libc::pollfd> = readers
            .iter()
            .map(|r| libc::pollfd {
                fd: r.as_raw_fd(),
                events: libc::POLLIN,
                revents: 0,
            })
            .collect();
        // SAFETY: a valid array of two pollfds.
        let ready = unsafe { libc::poll(fds.as_mut_ptr(), 2, PARTIAL_AFTER_MS) };
        let mut got_any = false;
        for i in 0..2 {
            if !open[i] || fds[i].revents == 0 {
                continue;
            }
            // SAFETY: reading into a live buffer from the non-blocking pipe we own.
            let n = unsafe { libc::read(fds[i].fd, buf.as_mut_ptr().cast(), buf.len()) };
            match n {
                0 => open[i] = false,
                n if n > 0 => {
                    got_any = true;
                    pending[i].extend_from_slice(&buf[..n as usize]);
                }
                _ => {}
            }
            // Whole lines go out now; a partial one waits a little for its end.
            if let Some(end) = pending[i].iter().rposition(|&b| b == b'\n') {
                let lines: Vec<u8> = pending[i].drain(..=end).collect();
                progress.hidden(|| sinks[i].write_all(&lines)).ok();
            }
        }
        if ready <= 0 || !got_any {
            for i in 0..2 {
                if !pending[i].is_empty() {
                    let rest = std::mem::take(&mut pending[i]);
                    progress.hidden(|| sinks[i].write_all(&rest)).ok();
                }
            }
            if stopping {
                return;
            }
        }
    }
}
