//! The demo on a terminal: long `mig` jobs leave host a for hosts migserver leases, and the live
//! console opens on the cluster, where `o` plays the owner of the selected host coming back.

use std::process::{Child, Stdio};

use anyhow::Context;
use roam_harness::Cluster;
use roam_shared::config::Config;

use super::user_types_at_home;

/// The long jobs host a sends out.
const JOBS: usize = 4;

/// The `mig` clients of the long jobs; dropping them ends the jobs.
struct Jobs(Vec<Child>);

impl Drop for Jobs {
    fn drop(&mut self) {
        for child in &mut self.0 {
            let _ = child.kill();
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
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .context("cannot run mig")?;
        jobs.0.push(child);
    }
    let config = Config::load(&cluster.host(0).config).context("host a's config")?;
    let owner_returns = |host: &str| {
        let i = cluster
            .hosts()
            .iter()
            .position(|h| h.name == host)
            .with_context(|| format!("{host} is not a host of the demo cluster"))?;
        cluster.owner_input(i)
    };
    crate::tui::run(config, Some(&owner_returns))
}
