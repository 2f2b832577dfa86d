//! `migd check`, `migd checkpoint` and `migd restore`: the checkpoint engine by hand.

use std::os::unix::process::CommandExt;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use roam_harness::{Binaries, alive, wait_until};

fn migd() -> Command {
    Command::new(&Binaries::from_workspace().expect("build migd").migd)
}

/// `sleep 1000` with nothing inherited but the given stdin and /dev/null.
fn sleeper(stdin: Stdio) -> Child {
    let mut cmd = Command::new("sleep");
    // SAFETY: close_range is async-signal-safe and touches no memory.
    unsafe {
        cmd.pre_exec(|| {
            libc::close_range(3, u32::MAX, 0);
            Ok(())
        });
    }
    cmd.arg("1000")
        .stdin(stdin)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap()
}

#[test]
fn a_process_is_checkpointed_and_restored_by_hand() {
    let dir = tempfile::tempdir().unwrap();
    let image = dir.path().join("sleep.img");
    let mut original = sleeper(Stdio::null());
    let pid = original.id() as i32;
    let out = migd().args(["check", &pid.to_string()]).output().unwrap();
    assert!(out.status.success(), "{out:?}");

    let out = migd()
        .args(["checkpoint", &pid.to_string(), "-o"])
        .arg(&image)
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    assert!(String::from_utf8_lossy(&out.stdout).contains("frozen "));
    // Without --leave-running the original is gone.
    let status = original.wait().unwrap();
    assert!(!status.success());

    let out = migd().arg("restore").arg(&image).output().unwrap();
    assert!(out.status.success(), "{out:?}");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let restored: i32 = stdout
        .trim()
        .rsplit_once("as pid ")
        .and_then(|(_, p)| p.parse().ok())
        .unwrap_or_else(|| panic!("no pid in {stdout:?}"));
    // The same program runs on after `migd restore` has returned, with the original pid when
    // it was free.
    assert_eq!(restored, pid);
    assert!(alive(restored));
    let cmdline = std::fs::read(format!("/proc/{restored}/cmdline")).unwrap();
    assert_eq!(cmdline, b"sleep\x001000\x00");
    nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(restored),
        nix::sys::signal::SIGKILL,
    )
    .unwrap();
    assert!(wait_until(Duration::from_secs(5), || !alive(restored)));
}

#[test]
fn refusals_and_corrupt_images_are_reported_and_harm_nothing() {
    let (socket, _peer) = std::os::unix::net::UnixStream::pair().unwrap();
    let mut pinned = sleeper(Stdio::from(std::os::fd::OwnedFd::from(socket)));
    let pid = pinned.id() as i32;
    let out = migd().args(["check", &pid.to_string()]).output().unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("socket"), "{stderr}");
    let dir = tempfile::tempdir().unwrap();
    let image = dir.path().join("never.img");
    let out = migd()
        .args(["checkpoint", &pid.to_string(), "-o"])
        .arg(&image)
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(
        alive(pid),
        "a refused checkpoint leaves the process running"
    );
    assert!(!image.exists(), "no partial image is left");
    pinned.kill().unwrap();
    pinned.wait().unwrap();

    let garbage = dir.path().join("garbage.img");
    std::fs::write(&garbage, b"this is not a Roam image at all").unwrap();
    let out = migd().arg("restore").arg(&garbage).output().unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).starts_with("migd: "));
}
