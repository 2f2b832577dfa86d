//! pmake against GNU make on one host (the pmake issue's goals: a Makefile of 10,000 targets × 3
//! prerequisites parsed (`-n`) and found up to date no slower than GNU make; 2,000 trivial recipes
//! with `-j2` no slower than GNU make). Both run the same generated Makefiles in the same run,
//! alternating, and the median of 5 runs is compared.

use std::fmt::Write as _;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use roam_harness::Binaries;

use crate::stats::{ms, percentile};

const TARGETS: usize = 10_000;
const RECIPES: usize = 2_000;
const RUNS: usize = 5;

/// Runs the three comparisons; skips them (saying so) when GNU make is not installed.
pub fn run() -> anyhow::Result<()> {
    if Command::new("make").arg("--version").output().is_err() {
        println!("### make: GNU make is not installed; nothing to compare against\n");
        return Ok(());
    }
    let pmake = Binaries::from_workspace()?.pmake.clone();
    let dir = tempfile::Builder::new()
        .prefix("roam-bench-make.")
        .tempdir()?;
    let big = dir.path().join("big");
    let small = dir.path().join("small");
    std::fs::create_dir(&big)?;
    std::fs::create_dir(&small)?;
    write_big(&big)?;
    write_trivial(&small)?;

    println!("### make: pmake against GNU make on this host, median of {RUNS} alternating runs\n");
    println!("| what | GNU make ms | pmake ms | pmake / make |\n|---|---|---|---|");
    let parse = compare(&pmake, &big, &["-n"], |_| Ok(()))?;
    row(
        &format!("{TARGETS} targets × 3 prerequisites, `-n` (parse and plan)"),
        parse,
    );
    // Build once so that everything is up to date, then time the no-op run.
    run_make(Path::new("make"), &big, &["-s"])?;
    let noop = compare(&pmake, &big, &["-s"], |_| Ok(()))?;
    row(&format!("{TARGETS} targets, all up to date (no-op)"), noop);
    let jobs = compare(&pmake, &small, &["-s", "-j2"], |dir| {
        run_make(Path::new("make"), dir, &["-s", "clean"]).map(|_| ())
    })?;
    row(&format!("{RECIPES} trivial recipes, `-j2`"), jobs);
    println!("\nGoals: pmake ≤ GNU make on each row (ratio ≤ 1.00). pmake runs with `--local`.\n");
    Ok(())
}

fn row(what: &str, (make, pmake): (Duration, Duration)) {
    println!(
        "| {what} | {} | {} | {:.2} |",
        ms(make),
        ms(pmake),
        pmake.as_secs_f64() / make.as_secs_f64()
    );
}

/// Median times of GNU make and pmake with `args` in `dir`, alternating, with `reset` before each.
fn compare(
    pmake: &Path,
    dir: &Path,
    args: &[&str],
    reset: impl Fn(&Path) -> anyhow::Result<()>,
) -> anyhow::Result<(Duration, Duration)> {
    let (mut make_t, mut pmake_t) = (Vec::new(), Vec::new());
    let mut pmake_args = vec!["--local"];
    pmake_args.extend_from_slice(args);
    for _ in 0..RUNS {
        reset(dir)?;
        make_t.push(run_make(Path::new("make"), dir, args)?);
        reset(dir)?;
        pmake_t.push(run_make(pmake, dir, &pmake_args)?);
    }
    Ok((
        percentile(&mut make_t, 50.0),
        percentile(&mut pmake_t, 50.0),
    ))
}

fn run_make(program: &Path, dir: &Path, args: &[&str]) -> anyhow::Result<Duration> {
    let started = Instant::now();
    let status = Command::new(program)
        .args(args)
        .current_dir(dir)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .status()
        .with_context(|| format!("cannot run {}", program.display()))?;
    let took = started.elapsed();
    if !status.success() {
        bail!(
            "{} {args:?} in {} failed: {status}",
            program.display(),
            dir.display()
        );
    }
    Ok(took)
}

/// 10,000 targets, each depending on 3 others of a lower rank (and the bottom ones on sources),
/// all built by one pattern rule.
fn write_big(dir: &Path) -> anyhow::Result<()> {
    let mut mk = String::from("all: t0 ;\n%.o:\n\t@touch $@\n");
    for i in 0..TARGETS {
        let deps: Vec<String> = (1..=3)
            .map(|k| i * 3 + k)
            .filter(|&d| d < TARGETS)
            .map(|d| format!("t{d}.o"))
            .collect();
        let deps = if deps.is_empty() {
            format!("s{i}.c")
        } else {
            deps.join(" ")
        };
        writeln!(mk, "t{i}.o: {deps}")?;
        if !deps.ends_with(".o") {
            std::fs::write(dir.join(format!("s{i}.c")), "")?;
        }
    }
    mk.push_str("t0: t0.o\n\t@touch $@\n");
    std::fs::write(dir.join("Makefile"), mk)?;
    Ok(())
}

/// 2,000 independent targets whose recipes do nearly nothing.
fn write_trivial(dir: &Path) -> anyhow::Result<()> {
    let mk = format!(
        "R := $(addprefix r,$(shell seq 1 {RECIPES}))\nall: $(R)\n$(R): r%:\n\t@: $@\n\
         .PHONY: all clean $(R)\nclean:\n\t@:\n"
    );
    std::fs::write(dir.join("Makefile"), mk)?;
    Ok(())
}
