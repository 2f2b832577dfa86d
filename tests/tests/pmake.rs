//! pmake on a loopback cluster: recipes spread over leased hosts through the home migd, and a
//! recipe whose host's owner returns runs again elsewhere.

use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

use roam_harness::{Binaries, Cluster, ClusterOptions, PolicyOptions, wait_until};

fn cluster() -> Cluster {
    let c = Cluster::start(
        Binaries::from_workspace().expect("build the binaries"),
        ClusterOptions {
            policy: Some(PolicyOptions::default()),
            ..ClusterOptions::default()
        },
    )
    .expect("start the cluster");
    c.wait_all_idle(Duration::from_secs(10))
        .expect("hosts become idle");
    c
}

/// `pmake ARGS` in `dir` as a user of host `i` would run it, output kept in files.
fn pmake(c: &Cluster, i: usize, dir: &Path, args: &[&str]) -> std::process::Child {
    let bin = &Binaries::from_workspace().expect("built").pmake;
    Command::new(bin)
        .args(args)
        .current_dir(dir)
        .env("ROAM_CONFIG", &c.host(i).config)
        .stdin(Stdio::null())
        .stdout(std::fs::File::create(dir.join("pmake.out")).expect("stdout file"))
        .stderr(std::fs::File::create(dir.join("pmake.err")).expect("stderr file"))
        .spawn()
        .expect("start pmake")
}

/// Waits (bounded) for `child` and returns whether it succeeded, with its stderr.
fn finish(mut child: std::process::Child, dir: &Path, within: Duration) -> (bool, String) {
    let mut status = None;
    let ended = wait_until(within, || {
        status = child.try_wait().expect("wait for pmake");
        status.is_some()
    });
    if !ended {
        let _ = child.kill();
        let _ = child.wait();
    }
    let err = std::fs::read_to_string(dir.join("pmake.err")).unwrap_or_default();
    (status.is_some_and(|s| s.success()), err)
}

/// A C program of `n` files, one function each, and a main that calls them all. Each compile
/// records where it ran (`$ROAM_HOST`, set on foreign processes) in `NAME.host`.
fn c_project(dir: &Path, n: usize) {
    let mut main = String::from("#include <stdio.h>\n");
    let mut calls = String::new();
    let mut objects = String::new();
    for i in 0..n {
        std::fs::write(
            dir.join(format!("f{i}.c")),
            format!("int f{i}(int x) {{ return x * {i} + {}; }}\n", i % 7),
        )
        .expect("write a source");
        writeln!(main, "int f{i}(int);").unwrap();
        writeln!(calls, "    sum += f{i}(sum % 1000);").unwrap();
        write!(objects, " f{i}.o").unwrap();
    }
    write!(
        main,
        "int main(void) {{\n    long sum = 0;\n{calls}    printf(\"%ld\\n\", sum);\n    return 0;\n}}\n"
    )
    .unwrap();
    std::fs::write(dir.join("main.c"), main).expect("write main.c");
    let makefile = format!(
        "CC = cc\nCFLAGS = -O1 -g0\nOBJS =${objects} main.o\n\n\
         prog: $(OBJS)\n\t$(CC) -o $@ $(OBJS)\n\n\
         %.o: %.c\n\t$(CC) $(CFLAGS) -c $< -o $@ && echo \"$${{ROAM_HOST:-here}}\" > $*.host\n"
    );
    std::fs::write(dir.join("Makefile"), makefile).expect("write the Makefile");
}

#[test]
fn a_hundred_file_c_build_spreads_over_hosts_and_matches_gnu_make() {
    let c = cluster();
    let gnu = tempfile::tempdir().unwrap();
    let ours = tempfile::tempdir().unwrap();
    c_project(gnu.path(), 100);
    c_project(ours.path(), 100);

    let out = Command::new("make")
        .args(["-s", "-j4"])
        .current_dir(gnu.path())
        .output()
        .expect("run GNU make");
    assert!(out.status.success(), "GNU make: {out:?}");

    let child = pmake(&c, 0, ours.path(), &["-s", "-j"]);
    let (ok, err) = finish(child, ours.path(), Duration::from_secs(120));
    assert!(ok, "pmake failed: {err}");

    let theirs = std::fs::read(gnu.path().join("prog")).unwrap();
    let mine = std::fs::read(ours.path().join("prog")).unwrap();
    assert!(theirs == mine, "the binaries differ");
    let run = Command::new(ours.path().join("prog")).output().unwrap();
    assert!(run.status.success() && !run.stdout.is_empty());

    let mut hosts = BTreeSet::new();
    for i in 0..100 {
        let host = std::fs::read_to_string(ours.path().join(format!("f{i}.host")))
            .unwrap_or_else(|e| panic!("f{i}.host: {e}"));
        hosts.insert(host.trim().to_owned());
    }
    let remote: Vec<_> = hosts.iter().filter(|h| *h != "here").collect();
    assert!(
        remote.len() >= 2,
        "compiles ran on {hosts:?}: want at least two leased hosts"
    );
    // pmake gave its leases back when it ended.
    let released = wait_until(Duration::from_secs(5), || {
        c.list_hosts()
            .is_ok_and(|hosts| hosts.iter().all(|h| h.slots_used == 0))
    });
    assert!(released, "leases still held: {:?}", c.list_hosts());
}

#[test]
fn a_recipe_evicted_with_its_host_runs_again_and_the_build_succeeds() {
    let c = cluster();
    let dir = tempfile::tempdir().unwrap();
    let targets: Vec<String> = (0..8).map(|i| format!("t{i}")).collect();
    std::fs::write(
        dir.path().join("Makefile"),
        format!(
            "all: {0}\n{0}:\n\tsleep 2 && echo \"$${{ROAM_HOST:-here}}\" > $@\n",
            targets.join(" ")
        ),
    )
    .unwrap();
    let child = pmake(&c, 0, dir.path(), &["-j"]);

    // Wait until a job of this build runs on host b or c, then its owner comes back.
    let mut victim = None;
    let found = wait_until(Duration::from_secs(20), || {
        victim = (1..3).find(|&i| {
            c.list_jobs(i)
                .is_ok_and(|t| t.foreign.iter().any(|j| j.home == "a"))
        });
        victim.is_some()
    });
    assert!(found, "no job of the build ran on b or c");
    let victim = victim.expect("found");
    c.owner_input(victim).expect("owner input");

    let (ok, err) = finish(child, dir.path(), Duration::from_secs(60));
    let name = &c.host(victim).name;
    assert!(ok, "pmake failed: {err}");
    assert!(
        err.contains(&format!(
            "evicted from {name} (owner returned); running it again"
        )),
        "no eviction message in: {err}"
    );
    for t in &targets {
        assert!(dir.path().join(t).exists(), "{t} was not made");
    }
}

#[test]
fn on_a_terminal_the_progress_line_never_cuts_into_recipe_output() {
    let c = cluster();
    let dir = tempfile::tempdir().unwrap();
    let targets: Vec<String> = (0..12).map(|i| format!("t{i}")).collect();
    std::fs::write(
        dir.path().join("Makefile"),
        format!(
            "all: {0}\n{0}:\n\t@sleep 0.3; echo \"line-of-$@-from-$${{ROAM_HOST:-here}}\"\n",
            targets.join(" ")
        ),
    )
    .unwrap();
    let bin = &Binaries::from_workspace().expect("built").pmake;
    // script(1) gives pmake a terminal and writes what appeared on it to the typescript.
    let typescript = dir.path().join("typescript");
    let mut child = Command::new("script")
        .args(["-q", "-e", "-c"])
        .arg(format!("{} -j", bin.display()))
        .arg(&typescript)
        .current_dir(dir.path())
        .env("ROAM_CONFIG", &c.host(0).config)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .spawn()
        .expect("start script");
    let mut status = None;
    let ended = wait_until(Duration::from_secs(60), || {
        status = child.try_wait().expect("wait for script");
        status.is_some()
    });
    assert!(ended && status.is_some_and(|s| s.success()), "{status:?}");
    let screen = std::fs::read_to_string(&typescript).unwrap();
    assert!(
        screen.contains("commands done"),
        "no progress line: {screen:?}"
    );
    for t in &targets {
        // Each recipe line arrives whole, at the start of a line (after the progress line
        // was cleared with "\r\x1b[2K", or after a newline).
        let line = format!("line-of-{t}-from-");
        let whole = screen.lines().any(|l| {
            let l = l.rsplit("\x1b[2K").next().unwrap_or(l);
            l.trim_start_matches('\r').starts_with(&line)
        });
        assert!(whole, "{t}'s output was cut: {screen:?}");
    }
}

#[test]
fn ctrl_c_stops_the_recipes_on_other_hosts_and_deletes_their_half_made_targets() {
    use std::os::unix::process::{CommandExt, ExitStatusExt};

    let c = cluster();
    let dir = tempfile::tempdir().unwrap();
    let targets: Vec<String> = (0..6).map(|i| format!("t{i}")).collect();
    std::fs::write(
        dir.path().join("Makefile"),
        format!(
            "all: {0}\n{0}:\n\techo partial > $@ && sleep 60 && echo done > $@\n",
            targets.join(" ")
        ),
    )
    .unwrap();
    let bin = &Binaries::from_workspace().expect("built").pmake;
    // In its own process group, as a shell's foreground job: Ctrl-C signals the whole group.
    let mut child = Command::new(bin)
        .arg("-j")
        .current_dir(dir.path())
        .env("ROAM_CONFIG", &c.host(0).config)
        .stdin(Stdio::null())
        .stdout(std::fs::File::create(dir.path().join("pmake.out")).unwrap())
        .stderr(std::fs::File::create(dir.path().join("pmake.err")).unwrap())
        .process_group(0)
        .spawn()
        .expect("start pmake");
    let foreign_jobs_of_a = |c: &Cluster| {
        (1..3)
            .map(|i| {
                c.list_jobs(i)
                    .map(|t| t.foreign.iter().filter(|j| j.home == "a").count())
                    .unwrap_or(0)
            })
            .sum::<usize>()
    };
    let remote = wait_until(Duration::from_secs(20), || foreign_jobs_of_a(&c) >= 1);
    assert!(remote, "no recipe of the build ran on b or c");
    let made = wait_until(Duration::from_secs(10), || {
        targets
            .iter()
            .filter(|t| dir.path().join(t).exists())
            .count()
            >= 2
    });
    assert!(made, "the recipes did not start writing their targets");

    let pgid = nix::unistd::Pid::from_raw(-(child.id() as i32));
    nix::sys::signal::kill(pgid, nix::sys::signal::Signal::SIGINT).expect("send Ctrl-C");
    let mut status = None;
    let ended = wait_until(Duration::from_secs(15), || {
        status = child.try_wait().expect("wait for pmake");
        status.is_some()
    });
    if !ended {
        let _ = child.kill();
    }
    let err = std::fs::read_to_string(dir.path().join("pmake.err")).unwrap_or_default();
    assert!(ended, "pmake still runs 15 s after Ctrl-C: {err}");
    assert_eq!(
        status.and_then(|s| s.signal()),
        Some(libc::SIGINT),
        "pmake should die by SIGINT: {err}"
    );
    assert!(err.contains("Interrupt"), "no interrupted recipe in: {err}");
    assert!(
        err.contains("*** Deleting file 't"),
        "nothing deleted: {err}"
    );
    for t in &targets {
        assert!(
            !dir.path().join(t).exists(),
            "{t} was left half made: {err}"
        );
    }
    let gone = wait_until(Duration::from_secs(5), || foreign_jobs_of_a(&c) == 0);
    assert!(gone, "recipes of the build still run on other hosts");
}

#[test]
fn a_gnu_make_sub_make_shares_the_slots_pmake_holds() {
    let c = cluster();
    let dir = tempfile::tempdir().unwrap();
    // pmake -j (as many jobs as the slots it holds) runs GNU make as a sub-make; the sub-make's
    // 16 one-second jobs run here, each recording how many ran at once when it started.
    std::fs::write(
        dir.path().join("Makefile"),
        "all:\n\t+/usr/bin/make -s -f sub.mk\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("sub.mk"),
        "all: $(addprefix j,$(shell seq 1 16))\nj%:\n\t@mkdir -p run; touch run/$@; \
         ls run | wc -l >> counts; sleep 1; rm run/$@\n",
    )
    .unwrap();
    let child = pmake(&c, 0, dir.path(), &["-j"]);
    let (ok, err) = finish(child, dir.path(), Duration::from_secs(60));
    assert!(ok, "pmake failed: {err}");
    let counts: Vec<usize> = std::fs::read_to_string(dir.path().join("counts"))
        .unwrap()
        .lines()
        .map(|l| l.trim().parse().expect("a count"))
        .collect();
    assert_eq!(counts.len(), 16, "every job ran once: {counts:?}");
    let most = counts.iter().copied().max().unwrap_or(0);
    // This host's slot and the leases (3 hosts of 2 slots) make 7 tokens, plus the sub-make's
    // own slot: never more than 8 at once, however many jobs the sub-make has.
    assert!(
        most <= 8,
        "{most} jobs ran at once, beyond the slots held: {counts:?}"
    );
    // More than this host's slot and the sub-make's own: pmake leased slots for it.
    assert!(most >= 3, "the sub-make never got leased slots: {counts:?}");
}
