//! Remote execution as a user sees it: `mig` against a real loopback cluster.

use std::io::{BufRead, Read, Write};
use std::process::{Command, Output, Stdio};
use std::time::Duration;

use roam_harness::{Binaries, Cluster, ClusterOptions, MigJob, process_state, wait_until};

fn cluster(hosts: usize) -> Cluster {
    let bin = Binaries::from_workspace().expect("build migd and mig");
    Cluster::start(
        bin,
        ClusterOptions {
            hosts,
            ..ClusterOptions::default()
        },
    )
    .expect("start the cluster")
}

fn run(cmd: &mut Command) -> Output {
    cmd.stdin(Stdio::null()).output().expect("run mig")
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn exit_status_is_the_remote_commands() {
    let c = cluster(2);
    for code in [0, 1, 42] {
        let out = run(c
            .mig(0)
            .args(["-H", "b", "sh", "-c", &format!("exit {code}")]));
        assert_eq!(out.status.code(), Some(code), "{out:?}");
    }
    for (sig, name) in [(15, "TERM"), (9, "KILL"), (2, "INT")] {
        let out = run(c
            .mig(0)
            .args(["-H", "b", "sh", "-c", &format!("kill -{name} $$")]));
        assert_eq!(out.status.code(), Some(128 + sig), "{out:?}");
    }
}

#[test]
fn it_runs_on_the_requested_host_with_roam_variables() {
    let c = cluster(3);
    for (host, name) in [("b", "b"), ("c", "c")] {
        let out = run(c
            .mig(0)
            .args(["-H", host, "sh", "-c", "echo $ROAM_HOST $ROAM_HOME"]));
        assert!(out.status.success(), "{out:?}");
        assert_eq!(stdout(&out), format!("{name} a\n"));
    }
}

#[test]
fn without_a_host_it_spreads_over_the_others() {
    let c = cluster(3);
    let mut seen = std::collections::BTreeSet::new();
    for _ in 0..4 {
        let out = run(c.mig(0).args(["sh", "-c", "echo $ROAM_HOST"]));
        assert!(out.status.success(), "{out:?}");
        seen.insert(stdout(&out).trim().to_owned());
    }
    assert_eq!(seen.into_iter().collect::<Vec<_>>(), ["b", "c"]);
}

/// Deterministic pseudo-random bytes (xorshift), so a mismatch is reproducible.
fn pattern(len: usize) -> Vec<u8> {
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut v = Vec::with_capacity(len);
    while v.len() < len {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        v.extend_from_slice(&x.to_le_bytes());
    }
    v.truncate(len);
    v
}

#[test]
fn stdout_carries_100_mb_byte_for_byte() {
    let c = cluster(2);
    let data = pattern(100_000_000);
    let file = c.dir().join("big.bin");
    std::fs::write(&file, &data).unwrap();
    let out = run(c.mig(0).args(["-H", "b", "cat"]).arg(&file));
    assert!(out.status.success(), "{:?}", out.status);
    assert!(
        out.stdout == data,
        "stdout differs ({} bytes)",
        out.stdout.len()
    );
}

#[test]
fn a_closed_stdout_at_home_gives_the_job_sigpipe() {
    let c = cluster(2);
    // As `yes | head -1` here: once the reader is gone, `yes` dies of SIGPIPE.
    let MigJob { mut child, stdout } = c.spawn_mig(0, &["-H", "b", "yes"], Stdio::null());
    let mut first = String::new();
    { stdout }.read_line(&mut first).unwrap();
    assert_eq!(first, "y\n");
    assert_eq!(child.wait().unwrap().code(), Some(128 + libc::SIGPIPE));
}

#[test]
fn stdin_carries_50_mb_there_and_back() {
    let c = cluster(2);
    let data = pattern(50_000_000);
    let mut child = c
        .mig(0)
        .args(["-H", "b", "cat"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let input = data.clone();
    let writer = std::thread::spawn(move || stdin.write_all(&input));
    let out = child.wait_with_output().unwrap();
    writer.join().unwrap().unwrap();
    assert!(out.status.success());
    assert!(out.stdout == data, "echoed {} bytes", out.stdout.len());
}

#[test]
fn stdin_eof_reaches_the_remote_process() {
    let c = cluster(2);
    let mut child = c
        .mig(0)
        .args(["-H", "b", "wc", "-c"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(b"12345").unwrap();
    let out = child.wait_with_output().unwrap();
    assert_eq!(stdout(&out).trim(), "5");
}

#[test]
fn stdout_and_stderr_stay_separate() {
    let c = cluster(2);
    let out = run(c.mig(0).args([
        "-H",
        "b",
        "sh",
        "-c",
        "echo out1; echo err1 >&2; echo out2; echo err2 >&2",
    ]));
    assert_eq!(stdout(&out), "out1\nout2\n");
    assert_eq!(String::from_utf8_lossy(&out.stderr), "err1\nerr2\n");
}

#[test]
fn environment_cwd_and_umask_are_as_at_home() {
    let c = cluster(2);
    let cwd = c.dir().join("work dir");
    std::fs::create_dir(&cwd).unwrap();
    let out = run(Command::new("sh")
        .args(["-c", "umask 027; exec \"$@\"", "sh"])
        .arg(c.mig(0).get_program())
        .args([
            "-H",
            "b",
            "sh",
            "-c",
            "echo \"$ROAM_TEST_VAR\"; pwd; umask; id -u",
        ])
        .env("ROAM_CONFIG", &c.host(0).config)
        .env("ROAM_TEST_VAR", "a value with spaces")
        .current_dir(&cwd));
    assert!(out.status.success(), "{out:?}");
    let uid = nix::unistd::getuid().as_raw();
    assert_eq!(
        stdout(&out),
        format!("a value with spaces\n{}\n0027\n{uid}\n", cwd.display())
    );
}

#[test]
fn resource_limits_are_as_at_home() {
    let c = cluster(2);
    let out = run(Command::new("sh")
        .args([
            "-c",
            "ulimit -S -n 123; ulimit -S -s 4096; exec \"$@\"",
            "sh",
        ])
        .arg(c.mig(0).get_program())
        .args(["-H", "b", "sh", "-c", "ulimit -S -n; ulimit -S -s"])
        .env("ROAM_CONFIG", &c.host(0).config));
    assert!(out.status.success(), "{out:?}");
    assert_eq!(stdout(&out), "123\n4096\n");
}

#[test]
fn foreign_processes_run_at_nice_19_in_their_own_process_group() {
    let c = cluster(2);
    // Fields 5 and 19 of /proc/PID/stat: process group and nice value.
    let out = run(c.mig(0).args([
        "-H",
        "b",
        "sh",
        "-c",
        "echo $$; cut -d' ' -f5,19 /proc/$$/stat",
    ]));
    let text = stdout(&out);
    let mut lines = text.lines();
    let pid = lines.next().unwrap();
    assert_eq!(lines.next().unwrap(), format!("{pid} 19"));
}

#[test]
fn command_not_found_exits_127_and_missing_cwd_255() {
    let c = cluster(2);
    let out = run(c.mig(0).args(["-H", "b", "no-such-command-roam"]));
    assert_eq!(out.status.code(), Some(127));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("no-such-command-roam: command not found")
    );

    // A directory that exists only in mig's mount namespace does not exist on host b.
    let shadow = c.dir().join("shadow");
    std::fs::create_dir(&shadow).unwrap();
    let script = format!(
        "mount -t tmpfs roam-test {0} && mkdir {0}/only-here && cd {0}/only-here && exec {1} -H b pwd",
        shadow.display(),
        c.mig(0).get_program().to_string_lossy()
    );
    let out = run(Command::new("unshare")
        .args(["-m", "--propagation", "private", "sh", "-c", &script])
        .env("ROAM_CONFIG", &c.host(0).config));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(255), "{stderr}");
    assert!(
        stderr.starts_with("mig: on b: ") && stderr.contains("only-here: no such directory"),
        "{stderr}"
    );
}

#[test]
fn unknown_host_is_mig_failure() {
    let c = cluster(2);
    let out = run(c.mig(0).args(["-H", "nowhere", "true"]));
    assert_eq!(out.status.code(), Some(255));
    assert!(String::from_utf8_lossy(&out.stderr).starts_with("mig: unknown host \"nowhere\""));
}

#[test]
fn sigint_to_mig_reaches_a_remote_process_that_traps_it() {
    let c = cluster(2);
    let script = "trap 'echo got INT; exit 3' INT; echo ready; while :; do sleep 0.05; done";
    let mut job = c.spawn_mig(0, &["-H", "b", "sh", "-c", script], Stdio::null());
    assert_eq!(job.line(), "ready");
    send(&job.child, nix::sys::signal::SIGINT);
    assert_eq!(job.line(), "got INT");
    assert_eq!(job.child.wait().unwrap().code(), Some(3));
}

#[test]
fn every_forwarded_signal_reaches_the_remote_process() {
    let c = cluster(2);
    for name in ["TERM", "HUP", "QUIT", "USR1", "USR2", "WINCH"] {
        let script = format!(
            "trap 'echo got {name}; exit 5' {name}; echo ready; while :; do sleep 0.05; done"
        );
        let mut job = c.spawn_mig(0, &["-H", "b", "sh", "-c", &script], Stdio::null());
        assert_eq!(job.line(), "ready");
        send(&job.child, format!("SIG{name}").parse().unwrap());
        assert_eq!(job.line(), format!("got {name}"));
        assert_eq!(job.child.wait().unwrap().code(), Some(5), "{name}");
    }
}

#[test]
fn tstp_stops_the_job_and_mig_and_cont_resumes_both() {
    use nix::sys::signal::{Signal, kill};
    use nix::sys::wait::{WaitPidFlag, WaitStatus, waitpid};
    use nix::unistd::Pid;
    let c = cluster(2);
    let script = "echo $$; read line; echo got $line";
    let mut job = c.spawn_mig(0, &["-H", "b", "sh", "-c", script], Stdio::piped());
    let mig = Pid::from_raw(job.child.id() as i32);
    let remote: i32 = job.line().parse().unwrap();
    kill(mig, Signal::SIGTSTP).unwrap();
    assert_eq!(
        waitpid(mig, Some(WaitPidFlag::WUNTRACED)).unwrap(),
        WaitStatus::Stopped(mig, Signal::SIGSTOP)
    );
    assert_eq!(
        process_state(remote),
        Some('T'),
        "the remote process is stopped too"
    );
    kill(mig, Signal::SIGCONT).unwrap();
    assert!(wait_until(Duration::from_secs(5), || process_state(remote)
        == Some('S')));
    job.child.stdin.take().unwrap().write_all(b"on\n").unwrap();
    let mut rest = String::new();
    job.stdout.read_to_string(&mut rest).unwrap();
    assert_eq!(rest, "got on\n");
    assert!(job.child.wait().unwrap().success());
}

/// Sends `signal` to the mig process `child`.
fn send(child: &std::process::Child, signal: nix::sys::signal::Signal) {
    nix::sys::signal::kill(nix::unistd::Pid::from_raw(child.id() as i32), signal).unwrap();
}

#[test]
fn verbose_mode_says_where_and_reports_usage() {
    let c = cluster(2);
    let out = run(c.mig(0).args(["-v", "-H", "b", "true"]));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.starts_with("mig: running on b (job a."), "{stderr}");
    assert!(stderr.contains("mig: exit 0; user "), "{stderr}");
}

#[test]
fn the_job_tables_show_a_running_job_at_home_and_away() {
    let c = cluster(2);
    let script = "echo ready; cat >/dev/null";
    let MigJob {
        mut child,
        mut stdout,
    } = c.spawn_mig(0, &["-H", "b", "sh", "-c", script], Stdio::piped());
    stdout.read_line(&mut String::new()).unwrap();
    let away = c.list_jobs(1).unwrap();
    let home = c.list_jobs(0).unwrap();
    assert_eq!(away.foreign.len(), 1);
    assert_eq!(away.foreign[0].home, "a");
    assert_eq!(home.home.len(), 1);
    assert_eq!(home.home[0].host, "b");
    assert_eq!(home.home[0].home_pid, child.id());
    assert_eq!(home.home[0].job_id, away.foreign[0].job_id);
    drop(child.stdin.take());
    assert!(child.wait().unwrap().success());
    assert!(wait_until(Duration::from_secs(5), || {
        c.list_jobs(1).unwrap().foreign.is_empty() && c.list_jobs(0).unwrap().home.is_empty()
    }));
}
