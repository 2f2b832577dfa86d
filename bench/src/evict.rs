//! Eviction latency (the idle-hosts issue's goal: input event → every foreign process frozen,
//! p50 ≤ 20 ms), and loadavgd's own cost (≤ 0.1 % of a core, ≤ 15 MB RSS over a minute).
//!
//! The path measured is the real one: a key press written to host b's fake input device, read
//! by b's loadavgd, which calls b's migd, which freezes the job's cgroup. The bench watches the
//! job's `freezer.state` in a tight loop and stops the clock when it first reads FROZEN (or, as
//! a bound, when the job's process is gone).

use std::io::Read as _;
use std::process::Stdio;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use roam_harness::{Binaries, Cluster, ClusterOptions, PolicyOptions, wait_until};

use crate::stats::{ms, percentile};

/// Measures `runs` evictions on a two-host cluster with migserver and loadavgds.
pub fn latency(runs: usize) -> anyhow::Result<()> {
    let cluster = Cluster::start(
        Binaries::from_workspace()?,
        ClusterOptions {
            hosts: 2,
            policy: Some(PolicyOptions::default()),
            ..ClusterOptions::default()
        },
    )?;
    cluster.wait_all_idle(Duration::from_secs(10))?;
    println!("### evict-latency: key press on b → the foreign job's cgroup FROZEN, {runs} runs\n");
    let mut samples = Vec::with_capacity(runs);
    for _ in 0..runs {
        samples.push(one_eviction(&cluster)?);
    }
    println!("| what | p50 ms | p90 ms | max ms |\n|---|---|---|---|");
    let max = *samples.iter().max().context("no samples")?;
    println!(
        "| input event → frozen | {} | {} | {} |\n",
        ms(percentile(&mut samples, 50.0)),
        ms(percentile(&mut samples, 90.0)),
        ms(max)
    );
    println!("Goal: p50 ≤ 20 ms.\n");
    drop(cluster);
    loadavgd_cost()
}

/// Waits until b is idle again (its owner away), starts `mig -H b sleep`, presses a key on b,
/// and times until the job is frozen.
fn one_eviction(cluster: &Cluster) -> anyhow::Result<Duration> {
    let b_idle = || {
        cluster.list_hosts().is_ok_and(|hosts| {
            hosts
                .iter()
                .any(|h| h.name == "b" && h.state() == roam_shared::proto::host_info::State::Idle)
        })
    };
    if !wait_until(Duration::from_secs(10), b_idle) {
        bail!("host b did not become idle again");
    }
    let mut mig = cluster
        .mig(0)
        .args(["-H", "b", "sh", "-c", "echo; exec sleep 600"])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()?;
    let mut line = [0u8; 1];
    mig.stdout.take().context("stdout")?.read_exact(&mut line)?;
    let job = cluster
        .list_jobs(1)?
        .foreign
        .into_iter()
        .next()
        .context("no job on b")?;
    let pid = job.pid;
    let state_file = freezer_state_file(pid)?;
    let started = Instant::now();
    cluster.owner_input(1)?;
    let frozen = loop {
        match std::fs::read_to_string(&state_file) {
            Ok(s) if s.trim() == "FROZEN" => break started.elapsed(),
            Ok(_) => {}
            // The cgroup is gone: the job was frozen, ended and cleaned up in between.
            Err(_) => break started.elapsed(),
        }
        if started.elapsed() > Duration::from_secs(5) {
            let _ = mig.kill();
            bail!("job {} on b was not frozen within 5 s", job.job_id);
        }
    };
    if !wait_until(Duration::from_secs(10), || {
        matches!(mig.try_wait(), Ok(Some(_)))
    }) {
        let _ = mig.kill();
        bail!("mig did not exit after the eviction");
    }
    if mig.wait()?.code() != Some(254) {
        bail!("mig did not report the eviction (status 254)");
    }
    Ok(frozen)
}

/// The `freezer.state` file of the cgroup process `pid` is in.
fn freezer_state_file(pid: u32) -> anyhow::Result<std::path::PathBuf> {
    let cgroups = std::fs::read_to_string(format!("/proc/{pid}/cgroup"))?;
    let path = cgroups
        .lines()
        .find_map(|l| {
            let mut parts = l.splitn(3, ':');
            let (_, controllers, path) = (parts.next()?, parts.next()?, parts.next()?);
            controllers
                .split(',')
                .any(|c| c == "freezer")
                .then(|| path.to_owned())
        })
        .context("the job is in no freezer cgroup (is migd root, with cgroup v1 freezer?)")?;
    Ok(std::path::Path::new("/sys/fs/cgroup/freezer")
        .join(path.trim_start_matches('/'))
        .join("freezer.state"))
}

/// loadavgd's CPU time and RSS over a minute, on a host with the default report interval (2 s)
/// and terminal watching on.
fn loadavgd_cost() -> anyhow::Result<()> {
    let cluster = Cluster::start(
        Binaries::from_workspace()?,
        ClusterOptions {
            hosts: 1,
            policy: Some(PolicyOptions {
                report_every: Duration::from_secs(2),
                watch_terminals: true,
                ..PolicyOptions::default()
            }),
            ..ClusterOptions::default()
        },
    )?;
    let pid = cluster
        .loadavgd_pid(0)
        .context("loadavgd a is not running")?;
    let cpu = |pid: u32| -> anyhow::Result<f64> {
        let stat = std::fs::read_to_string(format!("/proc/{pid}/stat"))?;
        let rest = &stat[stat.rfind(')').context("stat")? + 2..];
        let f: Vec<&str> = rest.split(' ').collect();
        let ticks: f64 = f[11].parse::<f64>()? + f[12].parse::<f64>()?;
        // SAFETY: sysconf has no memory arguments.
        Ok(ticks / unsafe { libc::sysconf(libc::_SC_CLK_TCK) } as f64)
    };
    let rss_kib = |pid: u32| -> anyhow::Result<u64> {
        let status = std::fs::read_to_string(format!("/proc/{pid}/status"))?;
        status
            .lines()
            .find_map(|l| l.strip_prefix("VmRSS:"))
            .and_then(|v| v.split_whitespace().next()?.parse().ok())
            .context("VmRSS")
    };
    let window = Duration::from_secs(60);
    let (cpu0, t0) = (cpu(pid)?, Instant::now());
    std::thread::sleep(window);
    let used = cpu(pid)? - cpu0;
    let share = used / t0.elapsed().as_secs_f64() * 100.0;
    println!(
        "### loadavgd-cost: one loadavgd over {} s (report every 2 s, terminals watched)\n",
        window.as_secs()
    );
    println!("| CPU % of a core | RSS MB |\n|---|---|");
    println!("| {share:.3} | {:.1} |\n", rss_kib(pid)? as f64 / 1024.0);
    println!("Goal: ≤ 0.1 % of a core, ≤ 15 MB.\n");
    Ok(())
}
