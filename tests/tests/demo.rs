//! `roam demo`, the README's first command, must always work.

use std::process::{Command, Stdio};

use roam_harness::Binaries;

#[test]
fn without_a_terminal_the_demo_runs_jobs_across_four_hosts_and_exits_0() {
    let bin = Binaries::from_workspace().expect("build the binaries");
    let out = Command::new(&bin.roam)
        .arg("demo")
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    for line in [
        "run on b         b        0      hello from b, home a",
        "run on c         c        0      hello from c, home a",
        "run on d         d        0      hello from d, home a",
        "ROAM MOVES WORK TO IDLE HOSTS",
        "42     (stderr) exiting with 42",
        "mig: evicted from",
        "Hosts now: nothing foreign is left anywhere",
        "Stopping the cluster.",
    ] {
        assert!(stdout.contains(line), "missing {line:?} in:\n{stdout}");
    }
    // The pmake build spread over more than one host.
    let spread = stdout
        .lines()
        .find_map(|l| {
            l.split_once("recipes ran on ")
                .map(|(_, hosts)| hosts.to_owned())
        })
        .unwrap_or_else(|| panic!("no pmake build in:\n{stdout}"));
    assert!(spread.split(", ").count() >= 2, "{spread}");
}

#[test]
fn demo_keep_serves_until_ctrl_c_and_leaves_nothing_behind() {
    use std::io::{BufRead, BufReader};
    let bin = Binaries::from_workspace().expect("build the binaries");
    let mut demo = Command::new(&bin.roam)
        .args(["demo", "--keep"])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(demo.stdout.take().unwrap()).lines();
    // The line to try by hand: `PATH=DIR:$PATH ROAM_CONFIG=FILE mig -v sh -c '…'`.
    let hint = lines
        .by_ref()
        .map(Result::unwrap)
        .find(|l| l.trim_start().starts_with("PATH="))
        .expect("the demo prints how to use its cluster");
    let mut words = hint.split_whitespace();
    let dir = words.next().unwrap()["PATH=".len()..].trim_end_matches(":$PATH");
    let config = &words.next().unwrap()["ROAM_CONFIG=".len()..];
    let out = Command::new(format!("{dir}/mig"))
        .args(["-H", "c", "sh", "-c", "echo $ROAM_HOST"])
        .env("ROAM_CONFIG", config)
        .output()
        .unwrap();
    assert_eq!(String::from_utf8_lossy(&out.stdout), "c\n", "{out:?}");

    nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(demo.id() as i32),
        nix::sys::signal::SIGINT,
    )
    .unwrap();
    assert!(demo.wait().unwrap().success());
    // Its daemons are gone with it: no process runs with one of its configs any more.
    let cluster_dir = std::path::Path::new(config).parent().unwrap().to_owned();
    let leftovers: Vec<_> = std::fs::read_dir("/proc")
        .unwrap()
        .flatten()
        .filter_map(|e| std::fs::read(e.path().join("cmdline")).ok())
        .map(|c| String::from_utf8_lossy(&c).replace('\0', " "))
        .filter(|c| c.contains(cluster_dir.to_str().unwrap()))
        .collect();
    assert!(leftovers.is_empty(), "still running: {leftovers:?}");
    assert!(
        !std::path::Path::new(dir).exists(),
        "its private directory is removed"
    );
}
