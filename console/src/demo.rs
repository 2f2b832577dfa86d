//! `roam demo`: a loopback cluster of three hosts with migserver and a loadavgd per host, a few
//! `mig` jobs across it (hosts leased from migserver), a report of where each ran, and an owner
//! coming back to a host that runs a foreign job. The daemons and clients are this very
//! executable under the names `migd`, `mig`, `migserver` and `loadavgd` (symlinks in a private
//! directory), so the demo needs nothing but `cargo run`.

use std::io::Read as _;
use std::process::Stdio;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use roam_harness::{Binaries, Cluster, ClusterOptions, PolicyOptions, wait_until};

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

/// Runs the demo; with `keep`, leaves the cluster up until Ctrl-C.
pub fn run(keep: bool) -> anyhow::Result<()> {
    let bin_dir = tempfile::Builder::new()
        .prefix("roam-demo-bin.")
        .tempdir()?;
    let exe = std::env::current_exe().context("cannot find the roam executable")?;
    for name in ["migd", "mig", "migserver", "loadavgd"] {
        std::os::unix::fs::symlink(&exe, bin_dir.path().join(name))?;
    }
    let bin = Binaries::in_dir(bin_dir.path());
    let as_root = nix_is_root();
    println!(
        "Starting a loopback cluster: migserver on 127.0.0.10, hosts a, b, c (migd + loadavgd) on 127.0.0.11-13…"
    );
    let cluster = Cluster::start(
        &bin,
        ClusterOptions {
            hosts: 3,
            // A private demo cluster: let a root user try it too.
            allow_root: as_root,
            policy: Some(PolicyOptions::default()),
            ..ClusterOptions::default()
        },
    )?;
    for host in cluster.hosts() {
        println!("  host {}: migd on {}", host.name, host.addr);
    }
    println!("  migserver on {}", cluster.migserver_addr()?);
    cluster.wait_all_idle(Duration::from_secs(10))?;
    println!("\nEvery host is idle (`roam hosts`):\n");
    show_hosts(&cluster)?;
    println!("\nRunning mig jobs from host a, whose user is typing (so a is busy):\n");
    println!("  {:<16} {:<8} {:<6} output", "job", "ran on", "status");
    for job in JOBS {
        let (host, status, output) = run_job(&cluster, job)?;
        println!("  {:<16} {:<8} {:<6} {}", job.label, host, status, output);
    }
    owner_returns(&cluster)?;
    let a = cluster.host(0);
    if keep {
        println!(
            "\nThe cluster stays up until Ctrl-C. Try it:\n\n  PATH={}:$PATH ROAM_CONFIG={} mig -v sh -c 'echo $ROAM_HOST'\n",
            bin_dir.path().display(),
            a.config.display()
        );
        wait_for_interrupt()?;
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
    if !wait_until(Duration::from_secs(5), busy) {
        bail!("host a did not turn busy when its user typed");
    }
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
        matches!(child.try_wait(), Ok(Some(_)))
    }) {
        let _ = child.kill();
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
    println!("\nHosts now:\n");
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

fn nix_is_root() -> bool {
    // SAFETY: geteuid has no arguments and cannot fail.
    unsafe { libc::geteuid() == 0 }
}

fn wait_for_interrupt() -> anyhow::Result<()> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?
        .block_on(tokio::signal::ctrl_c())?;
    Ok(())
}
