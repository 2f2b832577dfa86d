//! Each reason a process is refused: `check` names it in a sentence, `dump` refuses without
//! harming the process, which then runs on and exits cleanly.

mod harness;

use checkpoint::{DumpOptions, Error, Refusal};
use harness::{Proc, scratch};

/// Starts `refuse <what> <extra>`, asserts that check and dump refuse it with a reason that
/// `matches`, and that it is unharmed.
fn refused(what: &str, extra: &str, matches: impl Fn(&Refusal) -> bool, sentence: &str) {
    let mut p = Proc::start("refuse", &[what, extra]);
    p.wait_for("ready\n");
    let reasons = checkpoint::check(p.pid).expect_err("check should refuse");
    let r = reasons
        .iter()
        .find(|r| matches(r))
        .unwrap_or_else(|| panic!("{what}: unexpected reasons {reasons:?}"));
    let text = r.to_string();
    assert!(
        text.contains(&format!("pid {}", p.pid)) && text.contains(sentence),
        "{text}"
    );
    match checkpoint::dump(p.pid, Vec::new(), DumpOptions::default()) {
        Err(Error::Refused(rs)) => assert!(rs.iter().any(&matches), "{rs:?}"),
        other => panic!("dump should refuse, got {other:?}"),
    }
    p.expect_ok();
}

#[test]
fn socket_is_refused() {
    refused(
        "socket",
        "",
        |r| matches!(r, Refusal::Socket { fd: 3, .. }),
        "fd 3 is a socket",
    );
}

#[test]
fn epoll_watching_a_socket_is_refused() {
    refused(
        "epoll-socket",
        "",
        |r| {
            matches!(
                r,
                Refusal::EpollTarget {
                    fd: 4,
                    target: 3,
                    ..
                }
            )
        },
        "the epoll fd 4 watches fd 3, which is a socket (socket:[",
    );
}

#[test]
fn device_is_refused() {
    refused(
        "device",
        "",
        |r| matches!(r, Refusal::Device { fd: 3, .. }),
        "/dev/kmsg",
    );
}

#[test]
fn deleted_file_is_refused() {
    let dir = scratch("refuse-deleted");
    let f = dir.join("gone");
    refused(
        "deleted",
        f.to_str().unwrap(),
        |r| matches!(r, Refusal::DeletedFile { .. }),
        "deleted file",
    );
}

#[test]
fn children_are_refused() {
    refused(
        "child",
        "",
        |r| matches!(r, Refusal::HasChildren { .. }),
        "child processes",
    );
}

#[test]
fn sysv_shm_is_refused() {
    refused(
        "sysv",
        "",
        |r| matches!(r, Refusal::SysvIpc { .. }),
        "System V",
    );
}

#[test]
fn shared_writable_mapping_of_two_processes_is_refused() {
    let dir = scratch("refuse-shared");
    let f = dir.join("shared");
    let mut other = Proc::start("refuse", &["shared", f.to_str().unwrap()]);
    other.wait_for("ready\n");
    let other_pid = other.pid;
    refused(
        "shared",
        f.to_str().unwrap(),
        |r| matches!(r, Refusal::SharedMapping { other, .. } if *other == other_pid),
        "also mapped by pid",
    );
    other.expect_ok();
}

#[test]
fn traced_process_is_refused() {
    let mut p = Proc::start("refuse", &["none", ""]);
    p.wait_for("ready\n");
    // SAFETY: seizing a process this test started; detached below.
    let r = unsafe { libc::ptrace(libc::PTRACE_SEIZE, p.pid, 0, 0) };
    assert_eq!(r, 0);
    let reasons = checkpoint::check(p.pid).expect_err("traced");
    assert!(
        reasons
            .iter()
            .any(|r| matches!(r, Refusal::Traced { .. }) && r.to_string().contains("being traced")),
        "{reasons:?}"
    );
    // SAFETY: detaching a seized, running tracee needs a stop first.
    unsafe {
        libc::ptrace(libc::PTRACE_INTERRUPT, p.pid, 0, 0);
        libc::waitpid(p.pid, std::ptr::null_mut(), libc::__WALL);
        libc::ptrace(libc::PTRACE_DETACH, p.pid, 0, 0);
    }
    assert!(checkpoint::check(p.pid).is_ok());
    p.expect_ok();
}

#[test]
fn seccomp_is_refused() {
    refused(
        "seccomp",
        "",
        |r| matches!(r, Refusal::Seccomp { mode: 2, .. }),
        "seccomp",
    );
}

#[test]
fn file_lock_is_refused() {
    let dir = scratch("refuse-flock");
    let f = dir.join("locked");
    refused(
        "flock",
        f.to_str().unwrap(),
        |r| matches!(r, Refusal::FileLock { fd: 3, .. }),
        "file lock",
    );
}

#[test]
fn other_mount_namespace_is_refused() {
    // `unshare -m` execs the program in a new mount namespace (same pid).
    let path = harness::program("refuse");
    let unshare = std::path::Path::new("/usr/bin/unshare");
    assert!(unshare.exists(), "util-linux unshare is needed");
    let mut p = Proc::start_path(unshare, &["-m", path.to_str().unwrap(), "none", ""]);
    p.wait_for("ready\n");
    let reasons = checkpoint::check(p.pid).expect_err("other namespace");
    assert!(
        reasons
            .iter()
            .any(|r| matches!(r, Refusal::Namespace { which: "mnt", .. })),
        "{reasons:?}"
    );
    p.expect_ok();
}

#[test]
fn missing_and_zombie_processes_are_refused() {
    let r = checkpoint::check(i32::MAX - 7).expect_err("no such process");
    assert!(matches!(&r[..], [Refusal::NotRunning { .. }]), "{r:?}");
    let child = std::process::Command::new("true").spawn().unwrap();
    let pid = child.id() as i32;
    harness::wait_until("the child is a zombie", || {
        std::fs::read_to_string(format!("/proc/{pid}/stat"))
            .is_ok_and(|s| s.rsplit_once(')').unwrap().1.trim_start().starts_with('Z'))
    });
    let r = checkpoint::check(pid).expect_err("zombie");
    assert!(
        matches!(&r[..], [Refusal::NotRunning { .. }]) && r[0].to_string().contains("zombie"),
        "{r:?}"
    );
    let mut child = child;
    child.wait().unwrap();
}

#[test]
fn deleted_working_directory_is_refused() {
    let dir = scratch("refuse-cwd");
    let gone = dir.join("gone");
    refused(
        "cwd",
        gone.to_str().unwrap(),
        |r| matches!(r, Refusal::DeletedFile { place, .. } if place == "its working directory"),
        "its working directory is the deleted file",
    );
}
