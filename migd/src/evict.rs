//! Eviction of foreign processes, when their host's owner returns or their lease is revoked:
//! freeze every process of the job at once (its freezer cgroup, else SIGSTOP to its process
//! group), then let the job's own task tell its home and end it (see `foreign`).

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

use tokio::sync::mpsc;

use crate::freezer::{self, JobCgroup};
use crate::table::Tables;

/// What eviction needs to know about one foreign job.
pub struct Evictable {
    cgroup: Option<JobCgroup>,
    pgid: i32,
    evicting: AtomicBool,
    notify: mpsc::Sender<String>,
}

impl Evictable {
    /// A job led by `pgid`, in `cgroup` if it has one; the job's task hears of its eviction, with
    /// the reason, on the returned receiver.
    pub fn new(cgroup: Option<JobCgroup>, pgid: i32) -> (Arc<Evictable>, mpsc::Receiver<String>) {
        let (notify, rx) = mpsc::channel(1);
        let job = Evictable {
            cgroup,
            pgid,
            evicting: AtomicBool::new(false),
            notify,
        };
        (Arc::new(job), rx)
    }

    /// Every process of the job.
    pub fn pids(&self) -> Vec<u32> {
        match &self.cgroup {
            Some(cgroup) => cgroup.pids(),
            None => freezer::group_pids(self.pgid),
        }
    }

    /// Whether the job is being evicted.
    pub fn is_evicting(&self) -> bool {
        self.evicting.load(Ordering::SeqCst)
    }

    /// Freezes the job and tells its task why; false if it was already being evicted.
    fn evict(&self, reason: &str) -> bool {
        if self.evicting.swap(true, Ordering::SeqCst) {
            return false;
        }
        match &self.cgroup {
            Some(cgroup) => {
                if let Err(e) = cgroup.freeze() {
                    tracing::warn!(pgid = self.pgid, "freezer: {e}; stopping the group");
                    crate::foreign::signal_group(self.pgid, libc::SIGSTOP);
                }
            }
            None => crate::foreign::signal_group(self.pgid, libc::SIGSTOP),
        }
        let _ = self.notify.try_send(reason.to_owned());
        true
    }

    /// Ends the job after its home has been told: every process gets `signal`, and (unless it
    /// is SIGKILL, which needs no help) is let run to handle it.
    pub fn terminate(&self, signal: i32) {
        match &self.cgroup {
            Some(cgroup) => {
                cgroup.signal_all(signal);
                if let Err(e) = cgroup.thaw() {
                    tracing::warn!("freezer: {e}");
                }
            }
            None => {
                crate::foreign::signal_group(self.pgid, signal);
                crate::foreign::signal_group(self.pgid, libc::SIGCONT);
            }
        }
    }

    /// Kills whatever is left of the job, in or out of its process group.
    pub fn kill_all(&self) {
        crate::foreign::signal_group(self.pgid, libc::SIGKILL);
        if let Some(cgroup) = &self.cgroup {
            cgroup.signal_all(libc::SIGKILL);
            let _ = cgroup.thaw();
        }
    }
}

/// Evicts the foreign jobs under `lease_ids` (all when empty); returns the ids of the jobs that
/// are now being evicted.
pub fn evict(tables: &Tables, lease_ids: &[String], reason: &str) -> Vec<String> {
    let started = Instant::now();
    let jobs: Vec<String> = tables
        .foreign_under(lease_ids)
        .into_iter()
        .filter(|(_, job)| job.evict(reason))
        .map(|(id, _)| id)
        .collect();
    if !jobs.is_empty() {
        tracing::info!(?jobs, reason, elapsed = ?started.elapsed(), "evicted: frozen");
    }
    jobs
}
