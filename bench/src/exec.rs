//! Remote execution: start latency, CPU overhead, stdout throughput (the remote-execution issue's
//! goals: p50 ≤ 3 ms, overhead ≤ 1 %, throughput ≥ 50 % of a local pipe).

use std::io::Read;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use roam_harness::{Binaries, Cluster, ClusterOptions};

use crate::stats::{ms, percentile};

/// A two-host loopback cluster of release binaries.
pub fn cluster() -> anyhow::Result<Cluster> {
    let bin = Binaries::from_workspace()?;
    Cluster::start(
        bin,
        ClusterOptions {
            hosts: 2,
            ..ClusterOptions::default()
        },
    )
}

/// Machine and date, for the results file.
pub fn machine_header() -> anyhow::Result<String> {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")?
        .lines()
        .find_map(|l| l.strip_prefix("model name\t: ").map(str::to_owned))
        .unwrap_or_else(|| "unknown CPU".into());
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    let kernel = std::fs::read_to_string("/proc/sys/kernel/osrelease")?;
    let date = Command::new("date").arg("-u").arg("+%F %R UTC").output()?;
    Ok(format!(
        "## Run of {}\n\nMachine: {cpu}, {cores} cores, Linux {}.\n",
        String::from_utf8_lossy(&date.stdout).trim(),
        kernel.trim()
    ))
}

fn time_runs(runs: usize, mut cmd: impl FnMut() -> Command) -> anyhow::Result<Vec<Duration>> {
    let mut samples = Vec::with_capacity(runs);
    for _ in 0..runs {
        let mut c = cmd();
        c.stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        let start = Instant::now();
        let status = c.status()?;
        samples.push(start.elapsed());
        if !status.success() {
            bail!("{c:?} failed: {status}");
        }
    }
    Ok(samples)
}

/// `mig -H b true` against fork+exec of /bin/true and, where it works, `ssh 127.0.0.1 true`.
pub fn latency(cluster: &Cluster, runs: usize) -> anyhow::Result<()> {
    println!("### exec-latency: `mig -H b true`, {runs} runs\n");
    println!("| what | p50 ms | p90 ms |\n|---|---|---|");
    // Warm up the home migd's connection to b.
    time_runs(5, || remote(cluster, &["true"]))?;
    // Interleaved, so that a change in the machine's speed hits both alike.
    let (mut local, mut mig) = (Vec::new(), Vec::new());
    for _ in 0..runs {
        local.extend(time_runs(1, || Command::new("/bin/true"))?);
        mig.extend(time_runs(1, || remote(cluster, &["true"]))?);
    }
    let mut rows = vec![
        ("fork+exec /bin/true (baseline)", local),
        ("mig -H b true", mig),
    ];
    let ssh = || {
        let mut c = Command::new("ssh");
        c.args([
            "-o",
            "BatchMode=yes",
            "-o",
            "StrictHostKeyChecking=no",
            "127.0.0.1",
            "true",
        ]);
        c
    };
    if time_runs(1, ssh).is_ok() {
        rows.push(("ssh 127.0.0.1 true", time_runs(runs.min(100), ssh)?));
    } else {
        println!("| ssh 127.0.0.1 true | not available here (no sshd) | |");
    }
    for (name, mut samples) in rows {
        let p50 = percentile(&mut samples, 50.0);
        let p90 = percentile(&mut samples, 90.0);
        println!("| {name} | {} | {} |", ms(p50), ms(p90));
    }
    println!();
    Ok(())
}

fn remote(cluster: &Cluster, argv: &[&str]) -> Command {
    let mut c = cluster.mig(0);
    c.args(["-H", "b"]).args(argv);
    c
}

/// A CPU-bound job of about 2 s, run locally and remotely, alternating, 9 times each; the
/// overhead is the median of the pairs' ratios, so a drift in the machine's speed cancels out.
pub fn cpu_overhead(cluster: &Cluster) -> anyhow::Result<()> {
    // Calibrate a loop count that takes about 2 s here.
    let job = |n: u64| {
        vec![
            "awk".to_owned(),
            format!("BEGIN {{ for (i = 0; i < {n}; i++) s += i }}"),
        ]
    };
    let probe = 2_000_000u64;
    let t = time_runs(1, || command(&job(probe)))?[0];
    let n = (probe as f64 * 2.0 / t.as_secs_f64()) as u64;
    let (mut local, mut remote_t, mut ratios) = (Vec::new(), Vec::new(), Vec::new());
    for _ in 0..9 {
        let l = time_runs(1, || command(&job(n)))?[0];
        let argv = job(n);
        let argv: Vec<&str> = argv.iter().map(String::as_str).collect();
        let r = time_runs(1, || remote(cluster, &argv))?[0];
        local.push(l);
        remote_t.push(r);
        ratios.push(r.as_secs_f64() / l.as_secs_f64());
    }
    let l = percentile(&mut local, 50.0);
    let r = percentile(&mut remote_t, 50.0);
    ratios.sort_by(f64::total_cmp);
    let pct = |ratio: f64| (ratio - 1.0) * 100.0;
    println!("### cpu-overhead: a CPU-bound awk loop of about 2 s, 9 alternating pairs\n");
    println!("| where | median seconds |\n|---|---|");
    println!(
        "| local | {:.3} |\n| mig -H b | {:.3} |",
        l.as_secs_f64(),
        r.as_secs_f64()
    );
    println!(
        "\nRemote overhead, median of the pairs: {:+.2} % (pairs from {:+.1} % to {:+.1} %; goal ≤ 1 %).\n",
        pct(ratios[ratios.len() / 2]),
        pct(ratios[0]),
        pct(ratios[ratios.len() - 1])
    );
    Ok(())
}

fn command(argv: &[String]) -> Command {
    let mut c = Command::new(&argv[0]);
    c.args(&argv[1..]);
    c
}

/// Bytes per second of `cmd`'s stdout read through a pipe by this process.
fn pipe_rate(mut cmd: Command, bytes: u64) -> anyhow::Result<f64> {
    let mut child = cmd.stdin(Stdio::null()).stdout(Stdio::piped()).spawn()?;
    let mut out = child.stdout.take().context("no stdout")?;
    let mut buf = vec![0u8; 1 << 20];
    let start = Instant::now();
    let mut got = 0u64;
    loop {
        let n = out.read(&mut buf)?;
        if n == 0 {
            break;
        }
        got += n as u64;
    }
    let elapsed = start.elapsed();
    child.wait()?;
    if got != bytes {
        bail!("read {got} bytes, expected {bytes}");
    }
    Ok(bytes as f64 / elapsed.as_secs_f64())
}

/// 1 GB through stdout: `mig -H b head -c 1G /dev/zero` against the same command run locally.
pub fn throughput(cluster: &Cluster) -> anyhow::Result<()> {
    let bytes: u64 = 1_000_000_000;
    let argv = ["head", "-c", "1000000000", "/dev/zero"];
    let (mut local, mut remote_r) = (Vec::new(), Vec::new());
    for _ in 0..3 {
        let mut c = Command::new(argv[0]);
        c.args(&argv[1..]);
        local.push(pipe_rate(c, bytes)?);
        remote_r.push(pipe_rate(remote(cluster, &argv), bytes)?);
    }
    let median = |v: &mut Vec<f64>| {
        v.sort_by(f64::total_cmp);
        v[v.len() / 2]
    };
    let (l, r) = (median(&mut local), median(&mut remote_r));
    println!("### stdout-throughput: 1 GB of stdout read through a pipe, median of 3\n");
    println!("| where | MB/s |\n|---|---|");
    println!(
        "| local pipe | {:.0} |\n| mig -H b | {:.0} |",
        l / 1e6,
        r / 1e6
    );
    println!(
        "\nmig reaches {:.0} % of the local pipe (goal ≥ 50 %).\n",
        r / l * 100.0
    );
    Ok(())
}
