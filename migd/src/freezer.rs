//! One freezer cgroup (cgroup v1) per foreign job, under
//! `/sys/fs/cgroup/freezer/roam/<host>-<migd pid>/<job>` (the pid tells apart several migds on
//! one machine, as in a test cluster): it holds every process the job starts, even those
//! that leave its process group, so that eviction can freeze them all at once and the job's end
//! can kill them all. Without a writable freezer hierarchy (a non-root migd, a host without
//! cgroup v1) jobs fall back to their process group and SIGSTOP.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Write as _};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// Where the cgroup v1 freezer hierarchy is mounted.
const MOUNT: &str = "/sys/fs/cgroup/freezer";
/// How long freezing may take before we stop waiting for the kernel to confirm it.
const FREEZE_WAIT: Duration = Duration::from_millis(100);

/// This migd's part of the freezer hierarchy.
#[derive(Debug, Clone)]
pub struct Freezer {
    root: PathBuf,
}

/// A job's freezer cgroup; removed (after killing what is left in it) when dropped.
#[derive(Debug)]
pub struct JobCgroup {
    dir: PathBuf,
}

impl Freezer {
    /// This migd's subtree for host `name`, created after removing those of migds that are
    /// gone; `None` when the freezer hierarchy is not there or not writable.
    pub fn open(name: &str) -> Option<Freezer> {
        let parent = Path::new(MOUNT).join("roam");
        let root = parent.join(format!("{name}-{}", std::process::id()));
        if let Err(e) = fs::create_dir_all(&root) {
            tracing::info!(
                "no freezer cgroups ({}: {e}); eviction stops process groups",
                root.display()
            );
            return None;
        }
        // Jobs of a migd that died went with it (PDEATHSIG); their groups go now.
        for dir in fs::read_dir(&parent).into_iter().flatten().flatten() {
            let owner = dir
                .file_name()
                .to_str()
                .and_then(|n| n.rsplit_once('-')?.1.parse().ok());
            if owner.is_some_and(|pid: i32| !Path::new(&format!("/proc/{pid}")).exists()) {
                Freezer { root: dir.path() }.remove();
            }
        }
        Some(Freezer { root })
    }

    /// Removes the subtree (at shutdown, once its jobs have ended).
    pub fn remove(&self) {
        for dir in fs::read_dir(&self.root).into_iter().flatten().flatten() {
            let _ = JobCgroup::remove_dir(&dir.path());
        }
        let _ = fs::remove_dir(&self.root);
    }

    /// Creates the cgroup of job `job_id`.
    pub fn create(&self, job_id: &str) -> io::Result<JobCgroup> {
        let name: String = job_id
            .chars()
            .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
            .collect();
        let dir = self.root.join(name);
        fs::create_dir(&dir)?;
        Ok(JobCgroup { dir })
    }
}

impl JobCgroup {
    /// `cgroup.procs` opened for writing: a process that writes "0" to it joins the group
    /// (the spawned child does, before it execs).
    pub fn procs_writer(&self) -> io::Result<File> {
        OpenOptions::new()
            .write(true)
            .open(self.dir.join("cgroup.procs"))
    }

    /// Every process in the group.
    pub fn pids(&self) -> Vec<u32> {
        read_pids(&self.dir)
    }

    /// Freezes the group and waits (briefly) until the kernel reports it frozen.
    pub fn freeze(&self) -> io::Result<()> {
        self.set_state("FROZEN")?;
        let deadline = Instant::now() + FREEZE_WAIT;
        while Instant::now() < deadline {
            if fs::read_to_string(self.dir.join("freezer.state"))?.trim() == "FROZEN" {
                return Ok(());
            }
            std::thread::sleep(Duration::from_micros(200));
        }
        tracing::warn!(dir = %self.dir.display(), "still freezing after {FREEZE_WAIT:?}");
        Ok(())
    }

    /// Lets the group run again.
    pub fn thaw(&self) -> io::Result<()> {
        self.set_state("THAWED")
    }

    /// Sends `signal` to every process in the group.
    pub fn signal_all(&self, signal: i32) {
        for pid in self.pids() {
            // SAFETY: kill has no memory arguments.
            unsafe { libc::kill(pid as i32, signal) };
        }
    }

    fn set_state(&self, state: &str) -> io::Result<()> {
        OpenOptions::new()
            .write(true)
            .open(self.dir.join("freezer.state"))?
            .write_all(state.as_bytes())
    }

    /// Kills what is left in `dir` and removes it, waiting up to a second for the processes to go.
    fn remove_dir(dir: &Path) -> io::Result<()> {
        let deadline = Instant::now() + Duration::from_secs(1);
        loop {
            for pid in read_pids(dir) {
                // SAFETY: kill has no memory arguments.
                unsafe { libc::kill(pid as i32, libc::SIGKILL) };
            }
            // Frozen processes die only once thawed.
            let _ = OpenOptions::new()
                .write(true)
                .open(dir.join("freezer.state"))
                .and_then(|mut f| f.write_all(b"THAWED"));
            match fs::remove_dir(dir) {
                Err(e) if e.raw_os_error() == Some(libc::EBUSY) && Instant::now() < deadline => {
                    std::thread::sleep(Duration::from_millis(2));
                }
                other => return other,
            }
        }
    }
}

impl Drop for JobCgroup {
    fn drop(&mut self) {
        let dir = std::mem::take(&mut self.dir);
        let remove = move || {
            if let Err(e) = JobCgroup::remove_dir(&dir) {
                tracing::warn!(dir = %dir.display(), "cannot remove job cgroup: {e}");
            }
        };
        // Waiting for the last processes to die must not stall the daemon's event loop.
        match tokio::runtime::Handle::try_current() {
            Ok(runtime) => drop(runtime.spawn_blocking(remove)),
            Err(_) => remove(),
        }
    }
}

fn read_pids(dir: &Path) -> Vec<u32> {
    fs::read_to_string(dir.join("cgroup.procs"))
        .map(|s| s.lines().filter_map(|l| l.trim().parse().ok()).collect())
        .unwrap_or_default()
}

/// The processes in process group `pgid` (the fallback without a cgroup).
pub fn group_pids(pgid: i32) -> Vec<u32> {
    let Ok(entries) = fs::read_dir("/proc") else {
        return Vec::new();
    };
    entries
        .flatten()
        .filter_map(|e| e.file_name().to_str()?.parse::<u32>().ok())
        .filter(|pid| {
            fs::read_to_string(format!("/proc/{pid}/stat"))
                .ok()
                .and_then(|s| {
                    // Fields after the command (which may hold spaces): state ppid pgrp …
                    let rest = &s[s.rfind(')')? + 2..];
                    rest.split(' ').nth(2)?.parse::<i32>().ok()
                })
                == Some(pgid)
        })
        .collect()
}
