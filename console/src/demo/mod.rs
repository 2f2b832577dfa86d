//! `roam demo`: a loopback cluster of four hosts with migserver and a migd and a loadavgd per
//! host. On a terminal it runs long `mig` jobs across the cluster and opens the live console on
//! it (`live`), where `o` plays a host's owner coming back; otherwise it prints a walkthrough
//! (`summary`). The daemons and clients are this very executable under the names `migd`, `mig`,
//! `migserver`, `loadavgd` and `pmake` (symlinks in a private directory), so the demo needs nothing but
//! `cargo run`. Whatever way it ends (done, `q`, Ctrl-C, SIGTERM), it stops every process it
//! started: the cluster is dropped on every path, and `interrupt` turns a signal into such a path.

mod interrupt;
mod live;
mod summary;

use std::io::IsTerminal as _;
use std::time::Duration;

use anyhow::{Context, bail};
use roam_harness::{Binaries, Cluster, ClusterOptions, PolicyOptions, wait_until};

/// Hosts in the demo cluster.
const HOSTS: usize = 4;

/// Runs the demo; with `keep`, leaves the cluster up until Ctrl-C instead.
pub fn run(keep: bool) -> anyhow::Result<()> {
    interrupt::watch()?;
    let bin_dir = tempfile::Builder::new()
        .prefix("roam-demo-bin.")
        .tempdir()?;
    let exe = std::env::current_exe().context("cannot find the roam executable")?;
    for name in ["migd", "mig", "migserver", "loadavgd", "pmake"] {
        std::os::unix::fs::symlink(&exe, bin_dir.path().join(name))?;
    }
    let bin = Binaries::in_dir(bin_dir.path());
    let as_root = nix_is_root();
    println!(
        "Starting a loopback cluster: migserver on 127.0.0.10, hosts a, b, c, d (migd + loadavgd) on 127.0.0.11-14…"
    );
    let cluster = Cluster::start(
        &bin,
        ClusterOptions {
            hosts: HOSTS,
            // A private demo cluster: let a root user try it too.
            allow_root: as_root,
            policy: Some(PolicyOptions::default()),
            ..ClusterOptions::default()
        },
    )?;
    cluster.wait_all_idle(Duration::from_secs(10))?;
    interrupt::check()?;
    let live = !keep && std::io::stdin().is_terminal() && std::io::stdout().is_terminal();
    if live {
        live::run(&cluster)?;
    } else {
        summary::run(&cluster)?;
    }
    if keep {
        println!(
            "\nThe cluster stays up until Ctrl-C. Try it:\n\n  PATH={}:$PATH ROAM_CONFIG={} mig -v sh -c 'echo $ROAM_HOST'\n",
            bin_dir.path().display(),
            cluster.host(0).config.display()
        );
        interrupt::wait();
    }
    println!("\nStopping the cluster.");
    drop(cluster);
    Ok(())
}

/// The user at host a types a command: a is in use by its owner, so migserver leases other hosts.
fn user_types_at_home(cluster: &Cluster) -> anyhow::Result<()> {
    cluster.owner_input(0)?;
    let busy = || {
        cluster.list_hosts().is_ok_and(|hosts| {
            hosts
                .iter()
                .any(|h| h.name == "a" && h.state() == roam_shared::proto::host_info::State::Busy)
        })
    };
    if !wait_until(Duration::from_secs(5), || interrupt::stopped() || busy()) {
        bail!("host a did not turn busy when its user typed");
    }
    interrupt::check()
}

/// A sample build in the cluster's directory: `count` targets whose recipes each take `seconds`
/// and record the host they ran on. Returns the build's directory, its targets, and a
/// `pmake -j -s` command from host a to run in it.
fn sample_build(
    cluster: &Cluster,
    count: usize,
    seconds: f64,
) -> anyhow::Result<(std::path::PathBuf, Vec<String>, std::process::Command)> {
    let dir = cluster.dir().join("build");
    std::fs::create_dir_all(&dir)?;
    let targets: Vec<String> = (1..=count).map(|i| format!("t{i}.out")).collect();
    std::fs::write(
        dir.join("Makefile"),
        format!(
            "all: {}\n%.out:\n\t@sleep {seconds}; echo $${{ROAM_HOST:-a}} > $@\n",
            targets.join(" ")
        ),
    )?;
    let mut pmake = cluster.host_command(0, &cluster.binaries().pmake)?;
    pmake.args(["-j", "-s"]).current_dir(&dir);
    Ok((dir, targets, pmake))
}

fn nix_is_root() -> bool {
    // SAFETY: geteuid has no arguments and cannot fail.
    unsafe { libc::geteuid() == 0 }
}
