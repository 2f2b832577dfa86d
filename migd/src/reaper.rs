//! Collects the status changes of the processes migd starts: exits (with rusage), stops and
//! continues. One task listens for SIGCHLD and polls each watched pid with `wait4`, so a job's
//! owner gets its events in order on a channel.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use roam_shared::proto::Rusage;
use tokio::signal::unix::{SignalKind, signal};
use tokio::sync::{Notify, mpsc};

/// A change in a child's state, as `wait4` reports it.
#[derive(Debug, Clone)]
pub enum ChildEvent {
    /// Stopped by this signal (job control).
    Stopped(i32),
    /// Continued after a stop.
    Continued,
    /// Exited normally with this code.
    Exited { code: i32, rusage: Rusage },
    /// Killed by this signal.
    Signaled {
        signal: i32,
        core_dumped: bool,
        rusage: Rusage,
    },
}

/// The registry of watched children.
#[derive(Clone)]
pub struct Reaper {
    watched: Arc<Mutex<HashMap<i32, mpsc::UnboundedSender<ChildEvent>>>>,
    poke: Arc<Notify>,
}

impl Reaper {
    /// Starts the SIGCHLD task. Must be called inside the runtime before any child is spawned.
    pub fn start() -> std::io::Result<Self> {
        let mut sigchld = signal(SignalKind::child())?;
        let reaper = Reaper {
            watched: Arc::default(),
            poke: Arc::new(Notify::new()),
        };
        let r = reaper.clone();
        tokio::spawn(async move {
            loop {
                tokio::select! {
                    _ = sigchld.recv() => {}
                    _ = r.poke.notified() => {}
                }
                r.poll();
            }
        });
        Ok(reaper)
    }

    /// Watches `pid` (a child of this process); its events arrive on the returned channel, the
    /// last being an exit. Events that happened before the call are not lost: the zombie waits.
    pub fn watch(&self, pid: i32) -> mpsc::UnboundedReceiver<ChildEvent> {
        let (tx, rx) = mpsc::unbounded_channel();
        self.watched
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(pid, tx);
        self.poke.notify_one();
        rx
    }

    fn poll(&self) {
        let mut watched = self.watched.lock().unwrap_or_else(|e| e.into_inner());
        watched.retain(|&pid, tx| {
            while let Some(event) = wait4_nohang(pid) {
                let last = matches!(
                    event,
                    ChildEvent::Exited { .. } | ChildEvent::Signaled { .. }
                );
                let _ = tx.send(event);
                if last {
                    return false;
                }
            }
            true
        });
    }
}

/// One non-blocking `wait4` on `pid` for exits, stops and continues.
fn wait4_nohang(pid: i32) -> Option<ChildEvent> {
    let mut status = 0;
    // SAFETY: an all-zero `rusage` is a valid value of this plain C struct.
    let mut ru: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: `status` and `ru` are live locals that wait4 fills in; pid names one child.
    let got = unsafe {
        libc::wait4(
            pid,
            &mut status,
            libc::WNOHANG | libc::WUNTRACED | libc::WCONTINUED,
            &mut ru,
        )
    };
    if got <= 0 {
        return None;
    }
    let rusage = || Rusage {
        utime_us: timeval_us(ru.ru_utime),
        stime_us: timeval_us(ru.ru_stime),
        maxrss_kib: ru.ru_maxrss.max(0) as u64,
        minflt: ru.ru_minflt.max(0) as u64,
        majflt: ru.ru_majflt.max(0) as u64,
        nvcsw: ru.ru_nvcsw.max(0) as u64,
        nivcsw: ru.ru_nivcsw.max(0) as u64,
    };
    Some(if libc::WIFEXITED(status) {
        ChildEvent::Exited {
            code: libc::WEXITSTATUS(status),
            rusage: rusage(),
        }
    } else if libc::WIFSIGNALED(status) {
        ChildEvent::Signaled {
            signal: libc::WTERMSIG(status),
            core_dumped: libc::WCOREDUMP(status),
            rusage: rusage(),
        }
    } else if libc::WIFSTOPPED(status) {
        ChildEvent::Stopped(libc::WSTOPSIG(status))
    } else {
        ChildEvent::Continued
    })
}

fn timeval_us(tv: libc::timeval) -> u64 {
    (tv.tv_sec.max(0) as u64) * 1_000_000 + tv.tv_usec.max(0) as u64
}
