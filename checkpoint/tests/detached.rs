//! The restored process is not tied to the restoring command: a separate process restores it
//! and exits, and the process runs on (reparented to this test, a subreaper).

mod harness;

use std::fs::File;
use std::os::fd::OwnedFd;
use std::process::{Command, Stdio};

use checkpoint::RestoreOptions;
use harness::{Proc, scratch};

fn open(path: String, write: bool) -> OwnedFd {
    OwnedFd::from(
        std::fs::OpenOptions::new()
            .read(!write)
            .write(write)
            .open(path)
            .unwrap(),
    )
}

/// Run in a child process by `restored_process_outlives_the_restorer`.
#[test]
#[ignore = "a helper that restored_process_outlives_the_restorer runs in a separate process"]
fn restore_helper() {
    let var = |k: &str| std::env::var(k).unwrap();
    let (parent, stdin_fd, out_fd) = (var("ROAM_PARENT"), var("ROAM_STDIN_FD"), var("ROAM_OUT_FD"));
    let opts = RestoreOptions::new()
        .inherit_fd(0, open(format!("/proc/{parent}/fd/{stdin_fd}"), false))
        .inherit_fd(1, open(format!("/proc/{parent}/fd/{out_fd}"), true))
        .inherit_fd(2, open(format!("/proc/{parent}/fd/{out_fd}"), true));
    let pid = checkpoint::restore_with(File::open(var("ROAM_IMAGE")).unwrap(), opts).unwrap();
    std::fs::write(var("ROAM_PIDFILE"), pid.to_string()).unwrap();
}

#[test]
fn restored_process_outlives_the_restorer() {
    let dir = scratch("detached");
    let mut p = Proc::start("clock", &[]);
    p.wait_for("ready\n");
    let image = dir.join("image");
    p.dump(&image, false);
    let pidfile = dir.join("pid");
    let (stdin_fd, out_fd) = p.stdio_fds();
    let st = Command::new(std::env::current_exe().unwrap())
        .args(["restore_helper", "--exact", "--ignored", "--test-threads=1"])
        .env("ROAM_IMAGE", &image)
        .env("ROAM_PIDFILE", &pidfile)
        .env("ROAM_PARENT", std::process::id().to_string())
        .env("ROAM_STDIN_FD", stdin_fd.to_string())
        .env("ROAM_OUT_FD", out_fd.to_string())
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .unwrap();
    assert!(st.success(), "the restoring process failed: {st}");
    let pid: i32 = std::fs::read_to_string(&pidfile).unwrap().parse().unwrap();
    // The restorer is gone; the process runs on, reparented to the nearest subreaper (us).
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap();
    let ppid: u32 = stat
        .rsplit_once(')')
        .unwrap()
        .1
        .split_whitespace()
        .nth(1)
        .unwrap()
        .parse()
        .unwrap();
    assert_eq!(ppid, std::process::id());
    p.pid = pid;
    p.expect_ok();
}
