//! Job slots shared through the GNU jobserver, in both directions: GNU make running
//! pmake as a sub-make, pmake running GNU make, and pmake joining a named fifo.
//!
//! The workload proves both bounds without timing assumptions: jobs `a` and `b` wait
//! (with a deadline) until both have started, so they pass only if two jobs really ran
//! at once; every job records how many jobs were running when it started, which must
//! never exceed the `-j` limit.

use std::path::{Path, PathBuf};
use std::process::Command;

const GNU_MAKE: &str = "/usr/bin/make";

const INNER: &str = "\
all: a b c d e
a b:
\t@touch run.$@ started.$@; ls | grep -c '^run[.]' >> counts; \\
\ti=0; until [ -e started.a ] && [ -e started.b ]; do \\
\t  i=$$((i+1)); if [ $$i -gt 4000 ]; then echo timeout >> counts; break; fi; sleep 0.005; \\
\tdone; rm -f run.$@
c d e:
\t@touch run.$@; ls | grep -c '^run[.]' >> counts; rm -f run.$@
";

/// Runs a command to completion, killing it if it takes longer than a minute (a hang
/// is a failure, not a stuck test run).
fn run(cmd: &mut Command) -> std::process::Output {
    use std::time::{Duration, Instant};
    let mut child = cmd
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    while child.try_wait().unwrap().is_none() {
        if Instant::now() > deadline {
            let _ = child.kill();
            let out = child.wait_with_output().unwrap();
            panic!(
                "make did not finish: {}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    child.wait_with_output().unwrap()
}

fn pmake() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_pmake"))
}

/// A scratch directory, removed when the test ends (passing or not).
struct WorkDir(PathBuf);

impl Drop for WorkDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

impl AsRef<Path> for WorkDir {
    fn as_ref(&self) -> &Path {
        &self.0
    }
}

impl std::ops::Deref for WorkDir {
    type Target = Path;
    fn deref(&self) -> &Path {
        &self.0
    }
}

fn workdir(name: &str) -> WorkDir {
    let d = std::env::temp_dir().join(format!("pmake-js-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    std::fs::write(d.join("inner.mk"), INNER).unwrap();
    WorkDir(d)
}

fn check_counts(dir: &Path, limit: usize) {
    let counts = std::fs::read_to_string(dir.join("counts")).unwrap();
    assert!(
        !counts.contains("timeout"),
        "jobs a and b never ran at the same time:\n{counts}"
    );
    let mut n = 0;
    for l in counts.lines() {
        let c: usize = l.trim().parse().unwrap();
        assert!(
            c <= limit,
            "{c} jobs ran at once with a limit of {limit}:\n{counts}"
        );
        n += 1;
    }
    assert_eq!(n, 5, "every job ran once:\n{counts}");
}

/// Runs `parent -j2` whose recipe runs `child` as a recursive make.
fn nested(parent: &Path, child: &Path, name: &str) {
    let dir = workdir(name);
    std::fs::write(dir.join("Makefile"), "all:\n\t+@$(CHILD) -s -f inner.mk\n").unwrap();
    let out = run(Command::new(parent)
        .arg("-j2")
        .arg(format!("CHILD={}", child.display()))
        .arg("--no-print-directory")
        .current_dir(&dir)
        .env_remove("MAKEFLAGS")
        .env_remove("MAKELEVEL"));
    assert!(
        out.status.success(),
        "{name}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        out.stderr.is_empty(),
        "{name}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    check_counts(&dir, 2);
}

#[test]
fn pmake_alone_runs_two_jobs() {
    let dir = workdir("alone");
    let out = run(Command::new(pmake())
        .args(["-j2", "-s", "-f", "inner.mk"])
        .current_dir(&dir)
        .env_remove("MAKEFLAGS")
        .env_remove("MAKELEVEL"));
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    check_counts(&dir, 2);
}

#[test]
fn gnu_make_parent_pmake_child() {
    if Path::new(GNU_MAKE).exists() {
        nested(Path::new(GNU_MAKE), &pmake(), "gnu-pmake");
    }
}

#[test]
fn pmake_parent_gnu_make_child() {
    if Path::new(GNU_MAKE).exists() {
        nested(&pmake(), Path::new(GNU_MAKE), "pmake-gnu");
    }
}

#[test]
fn pmake_parent_pmake_child() {
    nested(&pmake(), &pmake(), "pmake-pmake");
}

#[test]
fn pmake_joins_a_fifo_jobserver() {
    use std::io::{Read, Write};
    use std::os::unix::fs::OpenOptionsExt;
    let dir = workdir("fifo");
    let fifo = dir.join("js.fifo");
    let c = std::ffi::CString::new(fifo.to_str().unwrap()).unwrap();
    // SAFETY: mkfifo with a valid NUL-terminated path.
    assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
    // Held open read-write so the fifo keeps its tokens while pmake opens and closes it.
    let mut holder = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .custom_flags(libc::O_NONBLOCK)
        .open(&fifo)
        .unwrap();
    holder.write_all(b"+").unwrap();
    let out = run(Command::new(pmake())
        .args(["-s", "-f", "inner.mk"])
        .current_dir(&dir)
        .env(
            "MAKEFLAGS",
            format!(" -j2 --jobserver-auth=fifo:{}", fifo.display()),
        )
        .env_remove("MAKELEVEL"));
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // The token pmake borrowed is back.
    let mut b = [0u8; 2];
    assert_eq!(holder.read(&mut b).unwrap(), 1);
    check_counts(&dir, 2);
}
