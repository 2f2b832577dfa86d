//! pmake's distributed build speedup (the pmake issue's goal: ≥ 0.8·(N+1) with N hosts besides
//! home). The machine's 2 cores are shared fairly by the N+1 simulated hosts: each host's daemons
//! (and so every job they run) are capped by a cgroup to 2/(N+1) of a CPU. The baseline is the
//! home host alone, `pmake --local -j2` in the same cap; then `pmake -j` from home, with one slot
//! per host. The project is generated: 300 C files, each about 75 ms of `gcc -O2`.
//!
//! The peer, when distcc is installed (`bench/setup` installs it): GNU make `-j(N+1)` with
//! `CC="distcc gcc"` from home, a `distccd` on each of the other hosts (in that host's cgroup,
//! one job each) and one compile at a time on home itself.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use roam_harness::{Binaries, Cluster, ClusterOptions, PolicyOptions};

/// Source files in the generated project (besides `main.c`).
const FILES: usize = 300;
/// Functions per file; each costs gcc about 12 ms at -O2.
const FUNCTIONS: usize = 6;
/// The machine's cores, shared by the hosts.
const CORES: f64 = 2.0;

/// Builds the generated project locally and distributed for N = 2, 4, 8.
pub fn run() -> anyhow::Result<()> {
    let bin = Binaries::from_workspace()?;
    let project = tempfile::Builder::new().prefix("roam-pmake.").tempdir()?;
    generate(project.path())?;
    println!(
        "### pmake-speedup: {FILES} C files, `pmake --local -j2` on home alone vs `pmake -j` \
         from home, each host capped to 2/(N+1) CPU\n"
    );
    let distcc = Command::new("sh")
        .args(["-c", "command -v distcc && command -v distccd"])
        .stdout(Stdio::null())
        .status()?
        .success();
    println!(
        "| N | CPU per host | local s | pmake s | pmake speedup | goal 0.8·(N+1) | distcc s | \
         distcc speedup |"
    );
    println!("|---|---|---|---|---|---|---|---|");
    for n in [2, 4, 8] {
        let share = CORES / (n + 1) as f64;
        let cluster = Cluster::start(
            bin,
            ClusterOptions {
                hosts: n + 1,
                policy: Some(PolicyOptions {
                    slots: Some(1),
                    ..PolicyOptions::default()
                }),
                cpu_share: Some(share),
                ..ClusterOptions::default()
            },
        )?;
        cluster.wait_all_idle(Duration::from_secs(20))?;
        let local = build(&cluster, &bin.pmake, project.path(), &["--local", "-j2"])?;
        let distributed = build(&cluster, &bin.pmake, project.path(), &["-j"])?;
        let speedup = local.as_secs_f64() / distributed.as_secs_f64();
        let peer = if distcc {
            let took = distcc_build(&cluster, project.path())?;
            format!(
                "{:.1} | {:.2}",
                took.as_secs_f64(),
                local.as_secs_f64() / took.as_secs_f64()
            )
        } else {
            "not installed | ".to_string()
        };
        println!(
            "| {n} | {share:.2} | {:.1} | {:.1} | {speedup:.2} | {:.1} | {peer} |",
            local.as_secs_f64(),
            distributed.as_secs_f64(),
            0.8 * (n + 1) as f64
        );
    }
    if !distcc {
        println!("\ndistcc not installed (`bench/setup` installs it): no peer measured.");
    }
    println!();
    Ok(())
}

/// Cleans `project`, then times `pmake ARGS` on host a, in its CPU cgroup.
fn build(
    cluster: &Cluster,
    pmake: &Path,
    project: &Path,
    args: &[&str],
) -> anyhow::Result<Duration> {
    let mut cmd = cluster.host_command(0, pmake)?;
    cmd.args(["--no-progress"]).args(args);
    timed(project, cmd, &format!("pmake {}", args.join(" ")))
}

/// Cleans `project` (GNU make's `clean`), then times `cmd` building it, which must succeed.
fn timed(project: &Path, mut cmd: Command, what: &str) -> anyhow::Result<Duration> {
    let clean = Command::new("make")
        .args(["-s", "clean"])
        .current_dir(project)
        .status()?;
    if !clean.success() {
        bail!("make clean failed ({clean})");
    }
    let started = Instant::now();
    let out = cmd
        .current_dir(project)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .output()?;
    let took = started.elapsed();
    if !out.status.success() || !project.join("prog").exists() {
        bail!(
            "{what} failed ({}):\n{}",
            out.status,
            String::from_utf8_lossy(&out.stderr)
        );
    }
    Ok(took)
}

/// The peer: a `distccd` per host besides home, in that host's cgroup; GNU make from home with
/// `CC="distcc gcc"` and one job per host. Returns the build time.
fn distcc_build(cluster: &Cluster, project: &Path) -> anyhow::Result<Duration> {
    let mut daemons = Vec::new();
    let mut hosts = vec!["localhost/1".to_string()];
    for (i, host) in cluster.hosts().iter().enumerate().skip(1) {
        let ip = host.addr.ip().to_string();
        let daemon = cluster
            .host_command(i, "distccd")?
            .args(["--no-detach", "--daemon", "--log-stderr", "--jobs", "1"])
            .args(["--listen", &ip, "--allow", "127.0.0.0/8", "--port", "3632"])
            .stdin(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .context("cannot start distccd")?;
        daemons.push(KillOnDrop(daemon));
        hosts.push(format!("{ip}:3632/1"));
    }
    // distccd takes its connections once it listens: wait for each port to answer.
    for host in cluster.hosts().iter().skip(1) {
        let addr = std::net::SocketAddr::new(host.addr.ip(), 3632);
        let deadline = Instant::now() + Duration::from_secs(10);
        while std::net::TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_err() {
            if Instant::now() > deadline {
                bail!("distccd on {addr} does not answer");
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }
    // distcc keeps its locks and state there, and falls back to compiling here without it.
    std::fs::create_dir_all(project.join(".distcc"))?;
    let mut cmd = cluster.host_command(0, "make")?;
    cmd.arg(format!("-j{}", hosts.len()))
        .arg("CC=distcc gcc")
        .env("DISTCC_HOSTS", hosts.join(" "))
        .env("DISTCC_DIR", project.join(".distcc"));
    timed(project, cmd, "make with distcc")
}

/// A daemon the benchmark started, stopped when it goes out of scope.
struct KillOnDrop(std::process::Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Writes the project: `fNNN.c` files of a few functions, `main.c` calling one of each, and a
/// Makefile with a pattern rule and a link rule.
fn generate(dir: &Path) -> anyhow::Result<()> {
    let mut main = String::from("#include <stdint.h>\n#include <stdio.h>\n");
    for file in 0..FILES {
        let mut c = String::from("#include <stdint.h>\n");
        for f in 0..FUNCTIONS {
            c += &function(file, f);
        }
        std::fs::write(dir.join(format!("f{file:03}.c")), c)?;
        main += &format!("uint64_t f{file}_0(const uint64_t *v, int n);\n");
    }
    main += "int main(void) {\n    uint64_t v[4] = {1, 2, 3, 4}, sum = 0;\n";
    for file in 0..FILES {
        main += &format!("    sum += f{file}_0(v, 4);\n");
    }
    main += "    printf(\"%llu\\n\", (unsigned long long)sum);\n    return 0;\n}\n";
    std::fs::write(dir.join("main.c"), main)?;
    std::fs::write(
        dir.join("Makefile"),
        "CC = gcc\nCFLAGS = -O2\nOBJS := $(patsubst %.c,%.o,$(wildcard *.c))\n\n\
         prog: $(OBJS)\n\t$(CC) -o $@ $(OBJS)\n\n%.o: %.c\n\t$(CC) $(CFLAGS) -c -o $@ $<\n\n\
         clean:\n\trm -f prog *.o\n",
    )
    .context("cannot write the Makefile")
}

/// Function `f` of file `file`: a loop over a 16-way switch of multiply-xorshift steps, which
/// gcc inlines and unrolls at -O2.
fn function(file: usize, f: usize) -> String {
    let mut s = format!("static uint64_t step{f}(uint64_t x, int k) {{\n    switch (k & 15) {{\n");
    for case in 0..16u64 {
        let mul = 0x9E37_79B9_7F4A_7C15u64.wrapping_add(case * 2 + (file * 31 + f) as u64 * 34) | 1;
        s += &format!(
            "    case {case}: x = (x ^ (x >> {})) * {mul}u; break;\n",
            case % 13 + 1
        );
    }
    s += "    }\n    return x;\n}\n";
    s += &format!(
        "uint64_t f{file}_{f}(const uint64_t *v, int n) {{\n    uint64_t acc = {f};\n    \
         for (int i = 0; i < n; i++)\n        for (int k = 0; k < 8; k++)\n            \
         acc += step{f}(v[i] + k, k + i);\n    return acc;\n}}\n"
    );
    s
}
