//! Terminal mode: when mig runs on a terminal, the remote process gets a pty of the same size,
//! keys go through raw, and window size changes follow.

use std::os::fd::{AsRawFd, OwnedFd};
use std::os::unix::process::CommandExt;
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

use nix::pty::{OpenptyResult, Winsize, openpty};
use roam_harness::{Binaries, Cluster, ClusterOptions};

nix::ioctl_write_ptr_bad!(set_winsize, libc::TIOCSWINSZ, libc::winsize);

fn cluster() -> Cluster {
    let bin = Binaries::from_workspace().expect("build migd and mig");
    Cluster::start(
        bin,
        ClusterOptions {
            hosts: 2,
            ..ClusterOptions::default()
        },
    )
    .expect("start the cluster")
}

fn size(rows: u16, cols: u16) -> Winsize {
    Winsize {
        ws_row: rows,
        ws_col: cols,
        ws_xpixel: 0,
        ws_ypixel: 0,
    }
}

/// Runs mig on a new terminal (its controlling tty, as in a shell) and returns the master side.
fn mig_on_a_terminal(c: &Cluster, args: &[&str], ws: Winsize) -> (Child, OwnedFd) {
    let OpenptyResult { master, slave } = openpty(Some(&ws), None).unwrap();
    let mut cmd = c.mig(0);
    cmd.args(args)
        .stdin(Stdio::from(slave.try_clone().unwrap()))
        .stdout(Stdio::from(slave.try_clone().unwrap()))
        .stderr(Stdio::from(slave));
    // SAFETY: setsid and TIOCSCTTY are async-signal-safe and touch no memory of ours.
    unsafe {
        cmd.pre_exec(|| {
            if libc::setsid() < 0 || libc::ioctl(0, libc::TIOCSCTTY, 0) < 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
    (cmd.spawn().unwrap(), master)
}

/// Reads the terminal until `needle` shows up (or end of output, or 10 s).
fn read_until(master: &OwnedFd, seen: &mut String, needle: &str) -> bool {
    let deadline = Instant::now() + Duration::from_secs(10);
    let mut buf = [0u8; 4096];
    while !seen.contains(needle) {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return false;
        }
        let mut fds = [nix::poll::PollFd::new(
            std::os::fd::AsFd::as_fd(master),
            nix::poll::PollFlags::POLLIN,
        )];
        let ms = nix::poll::PollTimeout::try_from(left.as_millis().min(1000) as u64).unwrap();
        if nix::poll::poll(&mut fds, ms).unwrap_or(0) == 0 {
            continue;
        }
        match nix::unistd::read(master, &mut buf) {
            Ok(0) | Err(_) => return seen.contains(needle),
            Ok(n) => seen.push_str(&String::from_utf8_lossy(&buf[..n])),
        }
    }
    true
}

#[test]
fn a_terminal_at_home_means_a_pty_of_the_same_size_remotely() {
    let c = cluster();
    let (mut mig, master) = mig_on_a_terminal(
        &c,
        &[
            "-H",
            "b",
            "sh",
            "-c",
            "test -t 0 && test -t 1 && echo IS-A-TTY; stty size",
        ],
        size(33, 101),
    );
    let mut seen = String::new();
    assert!(read_until(&master, &mut seen, "33 101"), "{seen:?}");
    assert!(seen.contains("IS-A-TTY"), "{seen:?}");
    assert!(mig.wait().unwrap().success());
}

#[test]
fn keys_reach_the_remote_terminal_and_resizes_follow() {
    let c = cluster();
    let (mut mig, master) = mig_on_a_terminal(
        &c,
        &[
            "-H",
            "b",
            "sh",
            "-c",
            "trap 'stty size; exit 7' WINCH; echo READY; read line; echo \"got:$line\"; while :; do sleep 0.05; done",
        ],
        size(24, 80),
    );
    let mut seen = String::new();
    assert!(read_until(&master, &mut seen, "READY"), "{seen:?}");
    // Typed keys go to the remote pty (which echoes them and hands the line to `read`).
    nix::unistd::write(&master, b"hello\r").unwrap();
    assert!(read_until(&master, &mut seen, "got:hello"), "{seen:?}");
    // Resizing the home terminal sends SIGWINCH to mig, which resizes the remote pty.
    let ws = size(40, 120);
    // SAFETY: TIOCSWINSZ reads one winsize from a live local.
    unsafe { set_winsize(master.as_raw_fd(), &ws) }.unwrap();
    assert!(read_until(&master, &mut seen, "40 120"), "{seen:?}");
    assert_eq!(mig.wait().unwrap().code(), Some(7));
}

#[test]
fn ctrl_c_on_the_terminal_interrupts_the_remote_process() {
    let c = cluster();
    let (mut mig, master) = mig_on_a_terminal(
        &c,
        &["-H", "b", "sh", "-c", "echo READY; exec sleep 1000"],
        size(24, 80),
    );
    let mut seen = String::new();
    assert!(read_until(&master, &mut seen, "READY"), "{seen:?}");
    nix::unistd::write(&master, b"\x03").unwrap();
    assert_eq!(mig.wait().unwrap().code(), Some(128 + libc::SIGINT));
}
