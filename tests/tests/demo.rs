//! `roam demo`, the README's first command, must always work.

use std::process::{Command, Stdio};

use roam_harness::Binaries;

#[test]
fn the_demo_runs_jobs_across_three_hosts_and_exits_0() {
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
        "ROAM MOVES WORK TO IDLE HOSTS",
        "42     (stderr) exiting with 42",
        "Stopping the cluster.",
    ] {
        assert!(stdout.contains(line), "missing {line:?} in:\n{stdout}");
    }
}
