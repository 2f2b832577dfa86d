//! The demo on a terminal: long `mig` jobs leave host a for hosts migserver leases, a sample
//! `pmake -j` build runs across the cluster, and the live console opens on it, where `o` plays
//! the owner of the selected host coming back.

use std::os::unix::process::CommandExt as _;
use std::process::{Child, Stdio};
use std::time::Duration;

use anyhow::Context;
use roam_harness::{Cluster, wait_until};
use roam_shared::config::Config;

use super::{sample_build, user_types_at_home};

/// The long jobs host a sends out.
const JOBS: usize = 4;

/// Targets of the background build, and how long each recipe takes (seconds).
const BUILD: (usize, f64) = (60, 4.0);

/// The `mig` clients of the long jobs and the build (each leading its own process group);
/// dropping them ends the jobs.
struct Jobs(Vec<Child>);

impl Drop for Jobs {
    fn drop(&mut self) {
        // SIGTERM to each group first: mig passes it to its job, pmake to its remote recipes,
        // and its local recipes get it directly; a SIGKILL would leave them all behind.
        for child in &self.0 {
            // SAFETY: kill has no memory arguments; the group is led by our unreaped child.
            unsafe { libc::kill(-(child.id() as libc::pid_t), libc::SIGTERM) };
        }
        for child in &mut self.0 {
            let ended = wait_until(Duration::from_secs(3), || {
                matches!(child.try_wait(), Ok(Some(_)))
            });
            if !ended {
                let _ = child.kill();
            }
            let _ = child.wait();
        }
    }
}

/// Starts the long jobs and runs the console on the cluster until the user quits.
pub fn run(cluster: &Cluster) -> anyhow::Result<()> {
    let mut jobs = Jobs(Vec::new());
    for i in 0..JOBS {
        // Host a's user is typing, so migserver leases the job one of the other hosts.
        user_types_at_home(cluster)?;
        let child = cluster
            .mig(0)
            .args(["sleep", &(3600 + i).to_string()])
            .process_group(0)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .context("cannot run mig")?;
        jobs.0.push(child);
    }
    let (_, _, mut pmake) = sample_build(cluster, BUILD.0, BUILD.1)?;
    let build = pmake
        .process_group(0)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .context("cannot run pmake")?;
    jobs.0.push(build);
    let config = Config::load(&cluster.host(0).config).context("host a's config")?;
    let owner_returns = |host: &str| {
        let i = cluster
            .hosts()
            .iter()
            .position(|h| h.name == host)
            .with_context(|| format!("{host} is not a host of the demo cluster"))?;
        cluster.owner_input(i)
    };
    let result = crate::tui::run(config, Some(&owner_returns));
    drop(jobs);
    // The hosts' migds reap what the hang-ups ended before the cluster itself goes.
    let hosts = cluster.hosts().len();
    wait_until(Duration::from_secs(5), || {
        (0..hosts).all(|i| cluster.list_jobs(i).is_ok_and(|t| t.foreign.is_empty()))
    });
    result
}
