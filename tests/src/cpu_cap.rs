//! CPU caps for simulated hosts: a cgroup v1 `cpu` cgroup per host, limited by CFS bandwidth to
//! a share of one CPU, so that hosts on one machine share its cores as separate machines would.
//! A process placed in one keeps its children there (cgroup membership is inherited on fork).

use std::fs::File;
use std::io::Write as _;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use anyhow::Context;

use crate::wait_until;

/// Where the cgroup v1 `cpu` hierarchy is mounted.
const CPU_MOUNT: &str = "/sys/fs/cgroup/cpu";
/// The CFS period; a host's quota is its share of it.
const PERIOD_US: f64 = 100_000.0;
/// A cgroup's default `cpu.shares`, the weight of one process at nice 0.
const CPU_SHARES: u64 = 1024;

/// The cgroups of one cluster's hosts, `/sys/fs/cgroup/cpu/<cluster>/<host>`; removed on drop.
#[derive(Debug)]
pub(crate) struct CpuCaps {
    root: PathBuf,
    hosts: Vec<PathBuf>,
}

impl CpuCaps {
    /// Creates a cgroup per host in `hosts`, each allowed `share` of a CPU.
    pub(crate) fn create(cluster: &str, hosts: &[String], share: f64) -> anyhow::Result<CpuCaps> {
        let root = Path::new(CPU_MOUNT).join(cluster);
        std::fs::create_dir(&root)
            .with_context(|| format!("cannot create {} (root, cgroup v1 cpu?)", root.display()))?;
        let mut caps = CpuCaps {
            root,
            hosts: Vec::new(),
        };
        // Against the machine's other processes the cluster weighs as much as its hosts would
        // as separate processes, not as one.
        let shares = CPU_SHARES * hosts.len() as u64;
        std::fs::write(caps.root.join("cpu.shares"), shares.to_string())?;
        for host in hosts {
            let dir = caps.root.join(host);
            std::fs::create_dir(&dir)?;
            caps.hosts.push(dir.clone());
            std::fs::write(dir.join("cpu.cfs_period_us"), format!("{PERIOD_US}"))?;
            std::fs::write(
                dir.join("cpu.cfs_quota_us"),
                format!("{}", (share * PERIOD_US).round()),
            )
            .with_context(|| format!("cannot cap {} to {share} CPU", dir.display()))?;
        }
        Ok(caps)
    }

    /// Makes `cmd`'s process start in host `i`'s cgroup.
    pub(crate) fn place(&self, i: usize, cmd: &mut Command) -> anyhow::Result<()> {
        let procs = self.hosts[i].join("cgroup.procs");
        let mut procs = File::options()
            .write(true)
            .open(&procs)
            .with_context(|| format!("cannot open {}", procs.display()))?;
        // SAFETY: between fork and exec the hook only writes to a file it owns: one write(2),
        // which is async-signal-safe, and no allocation ("0" is the writing process).
        unsafe { cmd.pre_exec(move || procs.write_all(b"0")) };
        Ok(())
    }
}

impl Drop for CpuCaps {
    fn drop(&mut self) {
        // A cgroup can be removed once its last process has exited, which may take a moment.
        for dir in self.hosts.iter().chain([&self.root]) {
            wait_until(Duration::from_secs(5), || std::fs::remove_dir(dir).is_ok());
        }
    }
}
