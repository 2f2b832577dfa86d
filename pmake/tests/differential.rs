//! Differential tests: every makefile in `tests/corpus/` is run by GNU make and by
//! pmake, each in a fresh directory and both invoked as `make`; stdout, stderr, exit
//! status and the files left behind must be identical.
//!
//! Header comments at the top of a corpus file:
//! - `# args: -k all` — arguments for make;
//! - `# files: a.c@10 b.h` — files to create first (`@N`: mtime N seconds after a fixed
//!   point in the past, so "older/newer" does not depend on timing);
//! - `# env: NAME=value` — extra environment.
//!
//! Set `PMAKE_CORPUS=name` to run only the files whose name contains `name`.

use std::collections::BTreeMap;
use std::io::Read;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant, SystemTime};

const GNU_MAKE: &str = "/usr/bin/make";

struct Case {
    args: Vec<String>,
    files: Vec<(String, u64)>,
    env: Vec<(String, String)>,
}

fn parse_header(src: &str) -> Case {
    let mut c = Case {
        args: Vec::new(),
        files: Vec::new(),
        env: Vec::new(),
    };
    for line in src.lines() {
        let Some(rest) = line.strip_prefix('#') else {
            break;
        };
        let rest = rest.trim();
        if let Some(a) = rest.strip_prefix("args:") {
            c.args = shell_words(a);
        } else if let Some(f) = rest.strip_prefix("files:") {
            for w in f.split_whitespace() {
                match w.split_once('@') {
                    Some((n, t)) => c.files.push((n.to_string(), t.parse().expect("mtime"))),
                    None => c.files.push((w.to_string(), 0)),
                }
            }
        } else if let Some(e) = rest.strip_prefix("env:") {
            for w in shell_words(e) {
                if let Some((k, v)) = w.split_once('=') {
                    c.env.push((k.to_string(), v.to_string()));
                }
            }
        }
    }
    c
}

/// Splits on whitespace, honouring single quotes.
fn shell_words(s: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut any = false;
    let mut q = false;
    for ch in s.chars() {
        match ch {
            '\'' => {
                q = !q;
                any = true;
            }
            c if c.is_whitespace() && !q => {
                if any {
                    out.push(std::mem::take(&mut cur));
                    any = false;
                }
            }
            c => {
                cur.push(c);
                any = true;
            }
        }
    }
    if any {
        out.push(cur);
    }
    out
}

struct Outcome {
    stdout: String,
    stderr: String,
    status: Option<i32>,
    files: BTreeMap<String, String>,
}

fn snapshot(dir: &Path, base: &Path, out: &mut BTreeMap<String, String>) {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return;
    };
    for e in rd.flatten() {
        let p = e.path();
        let rel = p.strip_prefix(base).unwrap().to_string_lossy().into_owned();
        if p.is_dir() {
            out.insert(format!("{rel}/"), String::new());
            snapshot(&p, base, out);
        } else {
            let data = std::fs::read(&p)
                .map(|d| String::from_utf8_lossy(&d).into_owned())
                .unwrap_or_default();
            out.insert(rel, data);
        }
    }
}

fn run_one(make: &Path, src: &str, case: &Case, root: &Path) -> Outcome {
    let work = root.join("w");
    let bin = root.join("bin");
    std::fs::create_dir_all(&work).unwrap();
    std::fs::create_dir_all(&bin).unwrap();
    std::os::unix::fs::symlink(make, bin.join("make")).unwrap();
    std::fs::write(work.join("Makefile"), src).unwrap();
    let epoch = SystemTime::UNIX_EPOCH + Duration::from_secs(1_500_000_000);
    for (name, t) in &case.files {
        let p = work.join(name);
        if let Some(parent) = p.parent() {
            std::fs::create_dir_all(parent).unwrap();
        }
        if name.ends_with('/') {
            std::fs::create_dir_all(&p).unwrap();
            continue;
        }
        std::fs::write(&p, format!("{name}\n")).unwrap();
        let f = std::fs::File::options().write(true).open(&p).unwrap();
        f.set_modified(epoch + Duration::from_secs(*t)).unwrap();
    }
    let mut cmd = Command::new(bin.join("make"));
    cmd.arg0("make")
        .args(&case.args)
        .current_dir(&work)
        .env_clear()
        .env("PATH", format!("{}:/usr/bin:/bin", bin.display()))
        .env("HOME", root)
        .env("LC_ALL", "C")
        .envs(case.env.iter().map(|(k, v)| (k, v)))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().expect("spawn make");
    let mut so = child.stdout.take().unwrap();
    let mut se = child.stderr.take().unwrap();
    let t_out = std::thread::spawn(move || {
        let mut s = Vec::new();
        let _ = so.read_to_end(&mut s);
        s
    });
    let t_err = std::thread::spawn(move || {
        let mut s = Vec::new();
        let _ = se.read_to_end(&mut s);
        s
    });
    let deadline = Instant::now() + Duration::from_secs(20);
    let status = loop {
        if let Some(st) = child.try_wait().unwrap() {
            break st.code();
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            break Some(-999);
        }
        std::thread::sleep(Duration::from_millis(2));
    };
    let norm =
        |b: Vec<u8>| String::from_utf8_lossy(&b).replace(&root.display().to_string(), "<ROOT>");
    let stdout = norm(t_out.join().unwrap());
    let mut stderr = norm(t_err.join().unwrap());
    if make == Path::new(GNU_MAKE) {
        // pmake's one intended difference from GNU make's usage text: -L is --local (run here,
        // none through migd); --check-symlink-times has no short form.
        stderr = stderr.replace(
            "  -L, --check-symlink-times   Use the latest mtime between symlinks and target.\n",
            "  -L, --local                 Run every recipe on this host, none through migd.\n  \
             --check-symlink-times       Use the latest mtime between symlinks and target.\n",
        );
    }
    let mut files = BTreeMap::new();
    snapshot(&work, &work, &mut files);
    Outcome {
        stdout,
        stderr,
        status,
        files,
    }
}

fn pmake_bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_pmake"))
}

#[test]
fn corpus_matches_gnu_make() {
    assert!(
        Path::new(GNU_MAKE).exists(),
        "GNU make is needed at {GNU_MAKE} for the differential tests (.ci/run installs it)"
    );
    let corpus = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus");
    let filter = std::env::var("PMAKE_CORPUS").ok();
    let mut names: Vec<PathBuf> = std::fs::read_dir(&corpus)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "mk"))
        .filter(|p| {
            filter
                .as_ref()
                .is_none_or(|f| p.to_string_lossy().contains(f.as_str()))
        })
        .collect();
    names.sort();
    assert!(!names.is_empty(), "empty corpus");
    let tmp = std::env::temp_dir().join(format!("pmake-diff-{}", std::process::id()));
    let mut failures = Vec::new();
    for (i, path) in names.iter().enumerate() {
        let src = std::fs::read_to_string(path).unwrap();
        let case = parse_header(&src);
        let root_g = tmp.join(format!("{i}"));
        let root_p = tmp.join(format!("{i}p"));
        // Both runs must see the same directory name: run each at the same path in turn.
        let g = run_one(Path::new(GNU_MAKE), &src, &case, &root_g);
        std::fs::rename(&root_g, &root_p).unwrap();
        let p = run_one(&pmake_bin(), &src, &case, &root_g);
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let mut diffs = Vec::new();
        if g.status != p.status {
            diffs.push(format!("  status: gnu {:?} pmake {:?}", g.status, p.status));
        }
        if g.stdout != p.stdout {
            diffs.push(format!(
                "  stdout:\n--- gnu\n{}--- pmake\n{}",
                g.stdout, p.stdout
            ));
        }
        if g.stderr != p.stderr {
            diffs.push(format!(
                "  stderr:\n--- gnu\n{}--- pmake\n{}",
                g.stderr, p.stderr
            ));
        }
        if g.files != p.files {
            diffs.push(format!(
                "  files:\n--- gnu\n{:?}\n--- pmake\n{:?}",
                g.files, p.files
            ));
        }
        if !diffs.is_empty() {
            failures.push(format!("{name}:\n{}", diffs.join("\n")));
        }
    }
    let _ = std::fs::remove_dir_all(&tmp);
    let total = names.len();
    if !failures.is_empty() {
        panic!(
            "{} of {total} corpus makefiles differ from GNU make:\n\n{}",
            failures.len(),
            failures.join("\n\n")
        );
    }
    eprintln!("{total} corpus makefiles match GNU make");
}
