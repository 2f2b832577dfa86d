//! What is left behind, and what happens when a side goes away: hosts down, mig killed, migd
//! stopped.

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use roam_harness::{Binaries, Cluster, ClusterOptions, alive, wait_until};

fn cluster(hosts: usize) -> Cluster {
    let bin = Binaries::from_workspace().expect("build migd and mig");
    Cluster::start(
        bin,
        ClusterOptions {
            hosts,
            hangup_grace: Duration::from_millis(500),
            ..ClusterOptions::default()
        },
    )
    .expect("start the cluster")
}

/// Starts `script` on host b through mig; returns mig and the pids the script printed first.
fn start_remote(c: &Cluster, script: &str) -> (Child, Vec<i32>) {
    let mut job = c.spawn_mig(0, &["-H", "b", "sh", "-c", script], Stdio::null());
    let pids = job
        .line()
        .split_whitespace()
        .map(|p| p.parse().unwrap())
        .collect();
    (job.child, pids)
}

#[test]
fn nothing_is_left_on_the_remote_host_after_exit() {
    let c = cluster(2);
    // The job leaves a background child behind when its main process exits.
    let (mut mig, pids) = start_remote(&c, "sleep 1000 & echo $! $$; exec sleep 0.2");
    assert!(mig.wait().unwrap().success());
    assert!(
        wait_until(Duration::from_secs(5), || pids.iter().all(|&p| !alive(p))),
        "processes {pids:?} outlived their job"
    );
    assert!(c.list_jobs(1).unwrap().foreign.is_empty());
}

#[test]
fn nothing_is_left_after_mig_is_killed() {
    let c = cluster(2);
    let (mut mig, pids) = start_remote(&c, "sleep 1000 & echo $! $$; wait");
    mig.kill().unwrap();
    mig.wait().unwrap();
    assert!(
        wait_until(Duration::from_secs(5), || pids.iter().all(|&p| !alive(p))),
        "processes {pids:?} outlived mig"
    );
    assert!(wait_until(Duration::from_secs(5), || {
        c.list_jobs(1).unwrap().foreign.is_empty() && c.list_jobs(0).unwrap().home.is_empty()
    }));
}

#[test]
fn nothing_is_left_after_the_home_migd_dies() {
    let c = cluster(2);
    let (mut mig, pids) = start_remote(&c, "echo $$; while :; do sleep 0.05; done");
    nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(c.migd_pid(0).unwrap() as i32),
        nix::sys::signal::SIGKILL,
    )
    .unwrap();
    assert_eq!(mig.wait().unwrap().code(), Some(255), "mig lost its migd");
    assert!(wait_until(Duration::from_secs(5), || !alive(pids[0])));
    assert!(wait_until(Duration::from_secs(5), || {
        c.list_jobs(1).unwrap().foreign.is_empty()
    }));
}

#[test]
fn a_job_that_ignores_sighup_is_killed_after_the_grace_period() {
    let c = cluster(2);
    let (mut mig, pids) = start_remote(&c, "trap '' HUP; echo $$; while :; do sleep 0.05; done");
    let killed = Instant::now();
    mig.kill().unwrap();
    mig.wait().unwrap();
    // Still there just after the hangup (it ignores SIGHUP) …
    assert!(alive(pids[0]));
    // … and gone once the 500 ms grace period is over.
    assert!(wait_until(Duration::from_secs(5), || !alive(pids[0])));
    assert!(killed.elapsed() >= Duration::from_millis(400));
}

#[test]
fn a_down_host_fails_within_two_seconds() {
    let mut c = cluster(2);
    c.stop_host(1).unwrap();
    let started = Instant::now();
    let out = c.mig(0).args(["-H", "b", "true"]).output().unwrap();
    assert!(started.elapsed() < Duration::from_secs(2));
    assert_eq!(out.status.code(), Some(255));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.starts_with("mig: cannot reach host b ("), "{stderr}");
}

#[test]
fn with_no_host_reachable_it_runs_locally_unless_remote_only() {
    let mut c = cluster(2);
    c.stop_host(1).unwrap();
    let out = c
        .mig(0)
        .args(["-v", "sh", "-c", "echo \"here:${ROAM_HOST:-none}\""])
        .output()
        .unwrap();
    assert!(out.status.success());
    assert_eq!(String::from_utf8_lossy(&out.stdout), "here:none\n");
    assert!(String::from_utf8_lossy(&out.stderr).contains("running locally"));

    let out = c.mig(0).args(["--remote-only", "true"]).output().unwrap();
    assert_eq!(out.status.code(), Some(255));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.starts_with("mig: no remote host available: "),
        "{stderr}"
    );
}

#[test]
fn a_remote_host_that_dies_mid_job_fails_mig_with_255() {
    let mut c = cluster(2);
    let (mut mig, pids) = start_remote(&c, "echo $$; while :; do sleep 0.05; done");
    // SIGKILL: no chance to say goodbye.
    nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(c.migd_pid(1).unwrap() as i32),
        nix::sys::signal::SIGKILL,
    )
    .unwrap();
    let status = mig.wait().unwrap();
    assert_eq!(status.code(), Some(255));
    let _ = c.stop_host(1);
    // The job does not outlive its migd.
    assert!(wait_until(Duration::from_secs(5), || !alive(pids[0])));
}

#[test]
fn migd_stops_cleanly_on_sigterm_and_ends_its_foreign_processes() {
    let mut c = cluster(2);
    let (mut mig, pids) = start_remote(&c, "echo $$; while :; do sleep 0.05; done");
    let status = c.stop_host(1).unwrap();
    assert!(status.success(), "migd exit status {status:?}");
    assert!(!c.host(1).socket.exists(), "socket removed");
    assert!(wait_until(Duration::from_secs(5), || !alive(pids[0])));
    let status = mig.wait().unwrap();
    assert_eq!(status.code(), Some(128 + libc::SIGHUP));
}

#[test]
fn migd_refuses_to_take_over_a_live_socket() {
    let c = cluster(1);
    let out = Command::new(&Binaries::from_workspace().unwrap().migd)
        .arg("--config")
        .arg(&c.host(0).config)
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("another migd is already serving"));
    assert!(c.list_jobs(0).is_ok(), "the running migd is unharmed");
}
