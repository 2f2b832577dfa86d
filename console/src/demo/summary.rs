//! The demo without a terminal (CI's check): a few `mig` jobs from host a, on hosts named or
//! leased from migserver, a report of where each ran, and an owner coming back to a host that
//! runs a foreign job.

use std::io::Read as _;
use std::process::Stdio;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use roam_harness::{Cluster, wait_until};

use super::{interrupt, sample_build, user_types_at_home};

/// One demo job: what it runs and what it feeds on stdin.
struct Job {
    label: &'static str,
    host: Option<&'static str>,
    argv: &'static [&'static str],
    stdin: Option<&'static str>,
}

const JOBS: &[Job] = &[
    Job {
        label: "run on b",
        host: Some("b"),
        argv: &[
            "sh",
            "-c",
            "echo \"hello from $ROAM_HOST, home $ROAM_HOME\"",
        ],
        stdin: None,
    },
    Job {
        label: "run on c",
        host: Some("c"),
        argv: &[
            "sh",
            "-c",
            "echo \"hello from $ROAM_HOST, home $ROAM_HOME\"",
        ],
        stdin: None,
    },
    Job {
        label: "run on d",
        host: Some("d"),
        argv: &[
            "sh",
            "-c",
            "echo \"hello from $ROAM_HOST, home $ROAM_HOME\"",
        ],
        stdin: None,
    },
    Job {
        label: "migserver picks",
        host: None,
        argv: &["sh", "-c", "echo \"chosen: $ROAM_HOST\""],
        stdin: None,
    },
    Job {
        label: "migserver picks",
        host: None,
        argv: &["sh", "-c", "echo \"chosen: $ROAM_HOST\""],
        stdin: None,
    },
    Job {
        label: "stdin through",
        host: None,
        argv: &["tr", "a-z", "A-Z"],
        stdin: Some("roam moves work to idle hosts\n"),
    },
    Job {
        label: "exit status",
        host: None,
        argv: &["sh", "-c", "echo 'exiting with 42' >&2; exit 42"],
        stdin: None,
    },
];

/// Prints the cluster, runs the jobs and reports where each ran, then plays an owner returning.
pub fn run(cluster: &Cluster) -> anyhow::Result<()> {
    for host in cluster.hosts() {
        println!("  host {}: migd on {}", host.name, host.addr);
    }
    println!("  migserver on {}", cluster.migserver_addr()?);
    println!("\nEvery host is idle (`roam hosts`):\n");
    show_hosts(cluster)?;
    println!("\nRunning mig jobs from host a, whose user is typing (so a is busy):\n");
    println!("  {:<16} {:<8} {:<6} output", "job", "ran on", "status");
    for job in JOBS {
        let (host, status, output) = run_job(cluster, job)?;
        println!("  {:<16} {:<8} {:<6} {}", job.label, host, status, output);
    }
    pmake_build(cluster)?;
    owner_returns(cluster)
}

/// Targets of the demo's pmake build.
const BUILD_TARGETS: usize = 12;

/// A small `pmake -j` build from host a: each target records the host its recipe ran on.
fn pmake_build(cluster: &Cluster) -> anyhow::Result<()> {
    println!("\n`pmake -j` from host a, {BUILD_TARGETS} targets of half a second each:\n");
    let (dir, targets, mut pmake) = sample_build(cluster, BUILD_TARGETS, 0.5)?;
    let started = Instant::now();
    let out = pmake
        .stdin(Stdio::null())
        .output()
        .context("cannot run pmake")?;
    if !out.status.success() {
        bail!(
            "the demo build failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let mut per_host = std::collections::BTreeMap::<String, usize>::new();
    for t in &targets {
        let host = std::fs::read_to_string(dir.join(t))?;
        *per_host.entry(host.trim().to_owned()).or_default() += 1;
    }
    let spread: Vec<String> = per_host.iter().map(|(h, n)| format!("{h}: {n}")).collect();
    println!(
        "  built in {:.1} s (serially: {:.1} s); recipes ran on {}",
        started.elapsed().as_secs_f64(),
        BUILD_TARGETS as f64 * 0.5,
        spread.join(", ")
    );
    Ok(())
}

/// Prints `roam hosts` as seen from host a.
fn show_hosts(cluster: &Cluster) -> anyhow::Result<()> {
    let config = roam_shared::config::Config::load(&cluster.host(0).config)?;
    crate::hosts::run(&config, false)
}

/// Starts a long job through migserver, then plays the owner of its host coming back.
fn owner_returns(cluster: &Cluster) -> anyhow::Result<()> {
    println!("\nA long job leaves host a; then the owner of its host comes back:\n");
    user_types_at_home(cluster)?;
    let mut child = cluster
        .mig(0)
        .args(["sh", "-c", "echo $ROAM_HOST; exec sleep 600"])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .context("cannot run mig")?;
    let mut host = [0u8; 2];
    child
        .stdout
        .take()
        .context("mig's stdout")?
        .read_exact(&mut host)?;
    let i = usize::from(host[0].wrapping_sub(b'a'));
    if i >= cluster.hosts().len() {
        bail!("the long job reported no host");
    }
    println!("  `mig sleep 600` runs on {}", host[0] as char);
    let pressed = Instant::now();
    cluster.owner_input(i)?;
    println!("  a key is pressed on {}", host[0] as char);
    if !wait_until(Duration::from_secs(10), || {
        interrupt::stopped() || matches!(child.try_wait(), Ok(Some(_)))
    }) || interrupt::stopped()
    {
        let _ = child.kill();
        let _ = child.wait();
        interrupt::check()?;
        bail!("the job was not evicted");
    }
    let ended = pressed.elapsed();
    let out = child.wait_with_output()?;
    let message = String::from_utf8_lossy(&out.stderr);
    println!(
        "  mig exited {} after {} ms: {}",
        out.status.code().map_or("?".into(), |c| c.to_string()),
        ended.as_millis(),
        message.trim()
    );
    // Hosts list their foreign processes in their next reports (loadavgd samples every second).
    let all_gone = || {
        cluster.list_hosts().is_ok_and(|hosts| {
            hosts
                .iter()
                .all(|h| h.status.as_ref().is_none_or(|s| s.foreign.is_empty()))
        })
    };
    let gone = wait_until(Duration::from_secs(5), || {
        interrupt::stopped() || all_gone()
    });
    interrupt::check()?;
    if !gone {
        bail!("foreign processes are still listed 5 s after the build and the eviction");
    }
    println!("\nHosts now: nothing foreign is left anywhere\n");
    show_hosts(cluster)
}

/// Runs one job through `mig -v` on host a; returns where it ran, its status and its output.
fn run_job(cluster: &Cluster, job: &Job) -> anyhow::Result<(String, String, String)> {
    user_types_at_home(cluster)?;
    let mut cmd = cluster.mig(0);
    cmd.arg("-v");
    if let Some(host) = job.host {
        cmd.args(["-H", host]);
    }
    cmd.args(job.argv)
        .stdin(if job.stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().context("cannot run mig")?;
    if let (Some(text), Some(mut stdin)) = (job.stdin, child.stdin.take()) {
        use std::io::Write;
        stdin.write_all(text.as_bytes())?;
    }
    let out = child.wait_with_output()?;
    interrupt::check()?;
    let stderr = String::from_utf8_lossy(&out.stderr);
    let host = stderr
        .lines()
        .find_map(|l| l.strip_prefix("mig: running on "))
        .and_then(|rest| rest.split_whitespace().next())
        .unwrap_or("here")
        .to_owned();
    let status = out.status.code().map_or("?".into(), |c| c.to_string());
    let mut output: Vec<String> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(str::to_owned)
        .collect();
    output.extend(
        stderr
            .lines()
            .filter(|l| !l.starts_with("mig: "))
            .map(|l| format!("(stderr) {l}")),
    );
    if host == "here" && out.status.code() != Some(42) && !out.status.success() {
        bail!("demo job {:?} failed: {stderr}", job.argv);
    }
    Ok((host, status, output.join(" | ")))
}
