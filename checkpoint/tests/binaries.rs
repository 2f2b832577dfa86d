//! Programs nobody on this project wrote: plain glibc binaries and Python.

mod harness;

use std::path::Path;
use std::time::{Duration, Instant};

use harness::{Proc, blocked_syscall, scratch, wait_until};

fn which(name: &str) -> std::path::PathBuf {
    let out = std::process::Command::new("sh")
        .args(["-c", &format!("command -v {name}")])
        .output()
        .unwrap();
    let p = String::from_utf8(out.stdout).unwrap().trim().to_string();
    assert!(!p.is_empty(), "{name} is not installed");
    std::fs::canonicalize(p).unwrap()
}

#[test]
fn sleep_finishes_its_sleep_after_restore() {
    let dir = scratch("sleep");
    harness::program("counter"); // sets up the subreaper
    let start = Instant::now();
    let mut p = Proc::start_path(&which("sleep"), &["1.5"]);
    // Wait until it sleeps in clock_nanosleep (230): the dump interrupts it there and the
    // restore must restart it (restart_syscall semantics), not return -EINTR or -516.
    wait_until("sleep is in clock_nanosleep", || {
        blocked_syscall(p.pid) == Some(230)
    });
    p.dump(&dir.join("image"), false);
    p.restore(&dir.join("image"));
    let st = p.wait_exit();
    assert!(
        libc::WIFEXITED(st) && libc::WEXITSTATUS(st) == 0,
        "status {st:#x}: {}",
        p.output
    );
    assert!(
        start.elapsed() >= Duration::from_millis(1500),
        "slept only {:?}",
        start.elapsed()
    );
}

#[test]
fn cat_keeps_copying_its_pipe() {
    let dir = scratch("cat");
    harness::program("counter");
    let mut p = Proc::start_path(Path::new(&which("cat")), &[]);
    p.send(b"hello\n");
    p.wait_for("hello\n");
    wait_until("cat is in read", || blocked_syscall(p.pid) == Some(0));
    p.dump(&dir.join("image"), false);
    p.restore(&dir.join("image"));
    p.send(b"world\n");
    p.wait_for("world\n");
    p.close_stdin();
    let st = p.wait_exit();
    assert!(
        libc::WIFEXITED(st) && libc::WEXITSTATUS(st) == 0,
        "status {st:#x}: {}",
        p.output
    );
    assert_eq!(p.output, "hello\nworld\n");
}

#[test]
fn python_keeps_its_heap() {
    let dir = scratch("python");
    harness::program("counter");
    let script = "import sys\n\
                  x = [i * i for i in range(100000)]\n\
                  d = {str(i): i for i in range(1000)}\n\
                  print('ready', flush=True)\n\
                  sys.stdin.readline()\n\
                  ok = sum(x) == 333328333350000 and d['999'] == 999\n\
                  print('ok' if ok else 'bad', flush=True)\n";
    let mut p = Proc::start_path(&which("python3"), &["-c", script]);
    p.wait_for("ready\n");
    p.migrate_and_check(&dir);
}

#[test]
fn python_threads_keep_running() {
    let dir = scratch("python-threads");
    harness::program("counter");
    let script = "import sys, threading, time\n\
                  counts = [0, 0, 0]\n\
                  stop = threading.Event()\n\
                  def work(i):\n    while not stop.is_set():\n        counts[i] += 1\n        time.sleep(0.001)\n\
                  ts = [threading.Thread(target=work, args=(i,)) for i in range(3)]\n\
                  [t.start() for t in ts]\n\
                  while min(counts) < 5: time.sleep(0.001)\n\
                  print('ready', flush=True)\n\
                  sys.stdin.readline()\n\
                  before = list(counts)\n\
                  while any(c <= b for c, b in zip(counts, before)): time.sleep(0.001)\n\
                  stop.set()\n\
                  [t.join() for t in ts]\n\
                  print('ok', flush=True)\n";
    let mut p = Proc::start_path(&which("python3"), &["-c", script]);
    p.wait_for("ready\n");
    let stats = p.migrate_and_check(&dir);
    assert_eq!(stats.threads, 4);
}

#[test]
fn bash_keeps_its_variables() {
    let dir = scratch("bash");
    harness::program("counter");
    let script = "declare -A m; for i in $(seq 1 500); do m[$i]=$((i*i)); done; \
                  echo ready; read line; \
                  [ \"${m[500]}\" = 250000 ] && [ \"$line\" = go ] && echo ok";
    let mut p = Proc::start_path(&which("bash"), &["-c", script]);
    p.wait_for("ready\n");
    wait_until("bash is in read", || blocked_syscall(p.pid) == Some(0));
    p.migrate_and_check(&dir);
}

#[test]
fn a_job_control_stopped_process_stays_stopped() {
    let dir = scratch("stopped");
    harness::program("counter");
    let mut p = Proc::start_path(&which("sleep"), &["30"]);
    let state = |pid: i32| {
        std::fs::read_to_string(format!("/proc/{pid}/stat"))
            .ok()
            .and_then(|s| {
                s.rsplit_once(')')?
                    .1
                    .split_whitespace()
                    .next()
                    .map(str::to_string)
            })
    };
    // Stop it once it sleeps (not between fork and exec).
    wait_until("sleep is in clock_nanosleep", || {
        blocked_syscall(p.pid) == Some(230)
    });
    // SAFETY: kill with integers, on the process this test started.
    unsafe { libc::kill(p.pid, libc::SIGSTOP) };
    wait_until("sleep is stopped", || state(p.pid).as_deref() == Some("T"));
    let stats = checkpoint::dump(
        p.pid,
        std::io::sink(),
        checkpoint::DumpOptions {
            leave_running: true,
        },
    )
    .expect("dump of a stopped process");
    assert!(stats.memory_bytes > 0);
    wait_until("sleep is stopped again", || {
        state(p.pid).as_deref() == Some("T")
    });
    // Moved, it comes back stopped, and runs on when continued.
    p.dump(&dir.join("image"), false);
    p.restore(&dir.join("image"));
    wait_until("the restored sleep is stopped", || {
        state(p.pid).as_deref() == Some("T")
    });
    // SAFETY: kill with integers, on the restored process.
    unsafe { libc::kill(p.pid, libc::SIGCONT) };
    wait_until("the restored sleep runs", || {
        state(p.pid).as_deref() == Some("S")
    });
}

#[test]
fn outside_pipes_can_be_orphaned() {
    let dir = scratch("orphan");
    harness::program("counter");
    let mut p = Proc::start_path(&which("cat"), &[]);
    p.send(b"hello\n");
    p.wait_for("hello\n");
    wait_until("cat is in read", || blocked_syscall(p.pid) == Some(0));
    let image = dir.join("image");
    p.dump(&image, false);
    // Only stdout and stderr are given: stdin, a pipe to this test, becomes a pipe whose
    // writer is gone, so cat reads end-of-file and finishes.
    let (out_r, out_w) = std::io::pipe().unwrap();
    let opts = checkpoint::RestoreOptions::new()
        .inherit_fd(1, out_w.try_clone().unwrap().into())
        .inherit_fd(2, out_w.into())
        .orphan_outside_pipes();
    p.pid = checkpoint::restore_with(std::fs::File::open(&image).unwrap(), opts).unwrap();
    let st = p.wait_exit();
    assert!(
        libc::WIFEXITED(st) && libc::WEXITSTATUS(st) == 0,
        "status {st:#x}"
    );
    drop(out_r);
}
