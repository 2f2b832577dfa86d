//! Test harness: builds the C corpus, starts a program with its stdio on pipes, waits for its
//! "ready" line, checkpoints it, restores it and collects its verdict. Every wait has a deadline.

#![allow(dead_code)]

use std::fs::File;
use std::io::{PipeReader, PipeWriter, Read, Write};
use std::os::fd::{AsFd, AsRawFd, OwnedFd};
use std::path::{Path, PathBuf};
use std::process::{Child, Command};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use checkpoint::{DumpOptions, DumpStats, RestoreOptions};

/// How long any single wait may take.
pub const DEADLINE: Duration = Duration::from_secs(20);

fn out_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("corpus")
}

/// Path of a corpus program, compiled on first use (all at once, in one gcc run each).
pub fn program(name: &str) -> PathBuf {
    static BUILT: OnceLock<()> = OnceLock::new();
    BUILT.get_or_init(|| {
        // SAFETY: prctl with integers; the test process collects restored processes, which
        // are reparented to it.
        let r = unsafe { libc::prctl(libc::PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) };
        assert_eq!(r, 0, "PR_SET_CHILD_SUBREAPER");
        let dir = out_dir();
        std::fs::create_dir_all(&dir).unwrap();
        let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus");
        for e in std::fs::read_dir(&src).unwrap() {
            let p = e.unwrap().path();
            if p.extension().is_some_and(|x| x == "c") {
                let out = dir.join(p.file_stem().unwrap());
                let st = Command::new("gcc")
                    .args(["-O1", "-g", "-pthread", "-mavx", "-o"])
                    .arg(&out)
                    .arg(&p)
                    .status()
                    .expect("gcc runs");
                assert!(st.success(), "compiling {}", p.display());
            }
        }
    });
    out_dir().join(name)
}

/// A scratch directory for one test.
pub fn scratch(test: &str) -> PathBuf {
    let d = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join("scratch")
        .join(test);
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// A program under test with its stdio on pipes.
pub struct Proc {
    pub pid: i32,
    child: Option<Child>,
    stdin_w: PipeWriter,
    stdin_r: PipeReader,
    out_r: PipeReader,
    out_w: PipeWriter,
    pub output: String,
    reaped: bool,
}

impl Proc {
    pub fn start(name: &str, args: &[&str]) -> Proc {
        Proc::start_path(&program(name), args)
    }

    /// Starts any program with its stdio on the harness's pipes.
    pub fn start_path(path: &Path, args: &[&str]) -> Proc {
        let (stdin_r, stdin_w) = std::io::pipe().unwrap();
        let (out_r, out_w) = std::io::pipe().unwrap();
        let mut cmd = Command::new(path);
        // SAFETY: close_range is async-signal-safe; it drops descriptors the test runner leaked
        // (cargo's jobserver pipe), which would be pipes leading outside the process.
        unsafe {
            std::os::unix::process::CommandExt::pre_exec(&mut cmd, || {
                libc::close_range(3, u32::MAX, 0);
                Ok(())
            });
        }
        let child = cmd
            .args(args)
            .stdin(stdin_r.try_clone().unwrap())
            .stdout(out_w.try_clone().unwrap())
            .stderr(out_w.try_clone().unwrap())
            .spawn()
            .unwrap();
        Proc {
            pid: child.id() as i32,
            child: Some(child),
            stdin_w,
            stdin_r,
            out_r,
            out_w,
            output: String::new(),
            reaped: false,
        }
    }

    /// Waits until the output contains `needle`.
    pub fn wait_for(&mut self, needle: &str) {
        let start = Instant::now();
        while !self.output.contains(needle) {
            let left = DEADLINE.saturating_sub(start.elapsed());
            assert!(
                !left.is_zero(),
                "no {needle:?} in time; output so far:\n{}",
                self.output
            );
            let mut pfd = libc::pollfd {
                fd: self.out_r.as_raw_fd(),
                events: libc::POLLIN,
                revents: 0,
            };
            // SAFETY: one valid pollfd.
            let n = unsafe { libc::poll(&mut pfd, 1, left.as_millis() as i32) };
            if n > 0 {
                let mut buf = [0u8; 4096];
                let got = self.out_r.read(&mut buf).unwrap();
                self.output.push_str(&String::from_utf8_lossy(&buf[..got]));
            }
        }
    }

    /// Writes to the program's stdin.
    pub fn send(&mut self, data: &[u8]) {
        self.stdin_w.write_all(data).unwrap();
    }

    /// Closes the harness's end of stdin (the program then reads end-of-file).
    pub fn close_stdin(&mut self) {
        let (_, w) = std::io::pipe().unwrap();
        drop(std::mem::replace(&mut self.stdin_w, w));
    }

    /// Tells the program to verify itself.
    pub fn go(&mut self) {
        self.stdin_w.write_all(b"go\n").unwrap();
    }

    /// After a dump that killed the original: the dump reaped it (it was traced by, and a
    /// child of, this process), so it must be gone.
    pub fn reap_original(&mut self) {
        if self.child.take().is_some() {
            // SAFETY: kill with signal 0 only checks existence.
            let r = unsafe { libc::kill(self.pid, 0) };
            assert_eq!(
                r, -1,
                "the original {} still exists after the dump",
                self.pid
            );
        }
    }

    /// Descriptor numbers, in this process, of the program's stdin read end and output write
    /// end (another process can open them through `/proc/PID/fd`).
    pub fn stdio_fds(&self) -> (i32, i32) {
        (self.stdin_r.as_raw_fd(), self.out_w.as_raw_fd())
    }

    /// Options that give the restored process this harness's pipes as stdio.
    pub fn stdio(&self) -> RestoreOptions {
        RestoreOptions::new()
            .inherit_fd(0, OwnedFd::from(self.stdin_r.try_clone().unwrap()))
            .inherit_fd(1, OwnedFd::from(self.out_w.try_clone().unwrap()))
            .inherit_fd(2, OwnedFd::from(self.out_w.try_clone().unwrap()))
    }

    /// Checkpoints into `image` (killing the original unless `leave_running`).
    pub fn dump(&mut self, image: &Path, leave_running: bool) -> DumpStats {
        let f = File::create(image).unwrap();
        let stats = checkpoint::dump(
            self.pid,
            std::io::BufWriter::with_capacity(1 << 20, f),
            DumpOptions { leave_running },
        )
        .unwrap_or_else(|e| panic!("dump failed: {e}; output:\n{}", self.output));
        assert!(
            !stats.freeze_time.is_zero() && stats.freeze_time <= stats.total_time,
            "{stats:?}"
        );
        assert!(
            stats.memory_bytes > 0 && stats.image_bytes > stats.memory_bytes,
            "{stats:?}"
        );
        if !leave_running {
            self.reap_original();
            self.reaped = true;
        }
        stats
    }

    /// Restores from `image`; the process continues under the same pipes.
    pub fn restore(&mut self, image: &Path) {
        let f = File::open(image).unwrap();
        let pid =
            checkpoint::restore_with(std::io::BufReader::with_capacity(1 << 20, f), self.stdio())
                .unwrap_or_else(|e| panic!("restore failed: {e}; output:\n{}", self.output));
        self.pid = pid;
        self.reaped = false;
    }

    /// Waits for the process to exit; returns its wait status.
    pub fn wait_exit(&mut self) -> i32 {
        let start = Instant::now();
        if let Some(mut c) = self.child.take() {
            loop {
                if let Some(st) = c.try_wait().unwrap() {
                    self.reaped = true;
                    return std::os::unix::process::ExitStatusExt::into_raw(st);
                }
                assert!(
                    start.elapsed() < DEADLINE,
                    "process did not exit; output:\n{}",
                    self.output
                );
                self.drain(Duration::from_millis(20));
            }
        }
        loop {
            let mut st = 0;
            // SAFETY: WNOHANG wait for a specific pid; `st` is a valid out pointer.
            let r = unsafe { libc::waitpid(self.pid, &mut st, libc::WNOHANG | libc::__WALL) };
            if r == self.pid {
                self.reaped = true;
                self.drain(Duration::ZERO);
                return st;
            }
            assert!(
                r == 0,
                "waitpid({}) failed: {}",
                self.pid,
                std::io::Error::last_os_error()
            );
            assert!(
                start.elapsed() < DEADLINE,
                "process {} did not exit; output:\n{}",
                self.pid,
                self.output
            );
            // Waiting for output doubles as the pause between polls.
            self.drain(Duration::from_millis(20));
        }
    }

    /// Reads available output for up to `d`.
    pub fn drain(&mut self, d: Duration) {
        let mut pfd = libc::pollfd {
            fd: self.out_r.as_fd().as_raw_fd(),
            events: libc::POLLIN,
            revents: 0,
        };
        // SAFETY: one valid pollfd.
        let n = unsafe { libc::poll(&mut pfd, 1, d.as_millis() as i32) };
        if n > 0 {
            let mut buf = [0u8; 65536];
            let got = self.out_r.read(&mut buf).unwrap();
            self.output.push_str(&String::from_utf8_lossy(&buf[..got]));
        }
    }

    /// Sends the go, waits for the exit and asserts it was a clean "ok".
    pub fn expect_ok(&mut self) {
        self.go();
        let st = self.wait_exit();
        self.drain(Duration::ZERO);
        assert!(
            libc::WIFEXITED(st) && libc::WEXITSTATUS(st) == 0,
            "status {st:#x}; output:\n{}",
            self.output
        );
        assert!(self.output.contains("ok\n"), "output:\n{}", self.output);
    }

    /// Dumps (killing the original), restores, and checks the verdict.
    pub fn migrate_and_check(&mut self, dir: &Path) -> DumpStats {
        let image = dir.join("image");
        let stats = self.dump(&image, false);
        self.restore(&image);
        self.expect_ok();
        stats
    }
}

impl Drop for Proc {
    fn drop(&mut self) {
        if !self.reaped {
            // SAFETY: kill and waitpid on the pid this harness started or restored.
            unsafe {
                libc::kill(self.pid, libc::SIGKILL);
                libc::waitpid(self.pid, std::ptr::null_mut(), libc::__WALL);
            }
        }
    }
}

/// Polls `cond` until it holds, failing after [`DEADLINE`].
pub fn wait_until(what: &str, mut cond: impl FnMut() -> bool) {
    let start = Instant::now();
    while !cond() {
        assert!(start.elapsed() < DEADLINE, "timed out waiting until {what}");
        std::thread::yield_now();
    }
}

/// The system call a process's main thread is blocked in (`/proc/PID/syscall`), if any.
pub fn blocked_syscall(pid: i32) -> Option<i64> {
    let s = std::fs::read_to_string(format!("/proc/{pid}/syscall")).ok()?;
    s.split_whitespace().next()?.parse().ok()
}
