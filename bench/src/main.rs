//! Roam's benchmarks. Each goal from the issues is measured against a baseline taken in the same
//! run on the same machine, because machines here are noisy; the output is a Markdown section for
//! `bench/RESULTS.md`.
//!
//! Run: `cargo run --release -p roam-bench [-- --runs 500 --only exec]`.

mod checkpoint;
mod console;
mod evict;
mod exec;
mod make;
mod migserver;
mod pmake;
mod stats;

use clap::Parser;

/// Roam's benchmarks.
#[derive(Debug, Parser)]
struct Args {
    /// Repetitions for latency measurements
    #[arg(long, default_value_t = 500)]
    runs: usize,
    /// Run only the benchmarks whose name contains this
    #[arg(long)]
    only: Option<String>,
}

fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    println!("{}", exec::machine_header()?);
    let selected = |name: &str| args.only.as_deref().is_none_or(|o| name.contains(o));
    if ["exec-latency", "cpu-overhead", "stdout-throughput"]
        .iter()
        .any(|b| selected(b))
    {
        let cluster = exec::cluster()?;
        if selected("exec-latency") {
            exec::latency(&cluster, args.runs)?;
        }
        if selected("cpu-overhead") {
            exec::cpu_overhead(&cluster)?;
        }
        if selected("stdout-throughput") {
            exec::throughput(&cluster)?;
        }
    }
    if selected("checkpoint") {
        checkpoint::run()?;
    }
    if selected("migserver") {
        migserver::run()?;
    }
    if selected("console") {
        console::run()?;
    }
    if selected("evict-latency") {
        evict::latency(args.runs.min(50))?;
    }
    if selected("make-vs-gnu") {
        make::run()?;
    }
    if selected("pmake-speedup") {
        pmake::run()?;
    }
    Ok(())
}
