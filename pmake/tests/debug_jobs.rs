//! `--debug=j` prints addresses and process ids, which differ from run to run: these
//! tests check the form and order of its lines rather than comparing with GNU make.

use std::process::Command;

/// Runs pmake as `make` with `args` on `makefile` in a fresh directory; returns stdout.
fn run(makefile: &str, args: &[&str]) -> String {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(dir.path().join("Makefile"), makefile).expect("write Makefile");
    let out = Command::new(env!("CARGO_BIN_EXE_pmake"))
        .args(args)
        .current_dir(dir.path())
        .env_remove("MAKEFLAGS")
        .env_remove("MAKELEVEL")
        .output()
        .expect("run pmake");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// `0x` and hex digits.
fn is_ptr(s: &str) -> bool {
    s.strip_prefix("0x")
        .is_some_and(|h| !h.is_empty() && h.chars().all(|c| c.is_ascii_hexdigit()))
}

fn is_pid(s: &str) -> bool {
    !s.is_empty() && s.chars().all(|c| c.is_ascii_digit())
}

/// Checks a job line against a form in which `P` stands for a pointer and `N` for a pid.
fn matches(line: &str, form: &str) -> bool {
    let (l, f): (Vec<&str>, Vec<&str>) = (line.split(' ').collect(), form.split(' ').collect());
    l.len() == f.len()
        && l.iter().zip(&f).all(|(w, p)| match *p {
            "P" => is_ptr(w),
            "N" => is_pid(w),
            _ => w == p,
        })
}

#[test]
fn job_lines_have_gnu_makes_form_and_order() {
    let out = run("all:\n\t@echo one\n\t@echo two\n", &["--debug=j"]);
    let jobs: Vec<&str> = out
        .lines()
        .filter(|l| !l.starts_with("one") && !l.starts_with("two"))
        .collect();
    let forms = [
        "Putting child P (all) PID N on the chain.",
        "Live child P (all) PID N ",
        "Reaping winning child P PID N ",
        "Live child P (all) PID N ",
        "Reaping winning child P PID N ",
        "Removing child P PID N from chain.",
    ];
    assert_eq!(jobs.len(), forms.len(), "{out}");
    for (l, f) in jobs.iter().zip(forms) {
        assert!(matches(l, f), "{l:?} is not of the form {f:?}");
    }
    // One child struct for the whole recipe, as in GNU make.
    let ptrs: Vec<&str> = jobs
        .iter()
        .filter_map(|l| l.split(' ').find(|w| is_ptr(w)))
        .collect();
    assert!(ptrs.iter().all(|p| *p == ptrs[0]), "{out}");
}

#[test]
fn a_failing_command_is_a_losing_child() {
    let out = run("bad:\n\t@exit 3\n", &["--debug=j", "-k"]);
    assert!(
        out.lines()
            .any(|l| matches(l, "Reaping losing child P PID N ")),
        "{out}"
    );
    assert!(
        out.lines()
            .any(|l| matches(l, "Removing child P PID N from chain.")),
        "{out}"
    );
}

#[test]
fn no_job_lines_without_the_flag() {
    let out = run("all:\n\t@echo one\n", &["--debug=b"]);
    assert!(!out.contains("child"), "{out}");
    assert!(out.starts_with("GNU Make 4.3\n"), "{out}");
}
