//! The live console end to end: `roam` runs in a tmux pane (a real terminal) against a loopback
//! cluster; the test reads the screen, presses keys, and checks what the cluster did and that the
//! terminal is as it was once roam quits. `roam demo` on a terminal is checked the same way.

use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::Duration;

use roam_harness::{Binaries, Cluster, ClusterOptions, PolicyOptions, wait_until};
use roam_shared::proto::host_info::State;

/// A tmux server of its own (its socket in a private directory) running one command in a
/// 160×48 pane; dropping it kills the server.
struct Tmux {
    dir: tempfile::TempDir,
}

impl Tmux {
    /// Runs `script` (a shell command line) in a new pane.
    fn start(script: &str) -> Tmux {
        let tmux = Tmux {
            dir: tempfile::tempdir().unwrap(),
        };
        let out = tmux
            .command()
            .args([
                "new-session",
                "-d",
                "-x",
                "160",
                "-y",
                "48",
                "-s",
                "t",
                script,
            ])
            .output()
            .expect("run tmux");
        assert!(out.status.success(), "tmux: {out:?}");
        tmux
    }

    fn socket(&self) -> PathBuf {
        self.dir.path().join("socket")
    }

    fn command(&self) -> Command {
        let mut cmd = Command::new("tmux");
        cmd.arg("-S").arg(self.socket()).args(["-f", "/dev/null"]);
        cmd
    }

    /// The pane's text, one string per row.
    fn screen(&self) -> Vec<String> {
        let out = self
            .command()
            .args(["capture-pane", "-p"])
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .map(str::to_owned)
            .collect()
    }

    /// Whether some row contains `text`.
    fn shows(&self, text: &str) -> bool {
        self.screen().iter().any(|l| l.contains(text))
    }

    /// Waits until some row contains `text`; panics with the screen if none does in time.
    fn wait_for(&self, text: &str, within: Duration) {
        if !wait_until(within, || self.shows(text)) {
            panic!("{text:?} never showed:\n{}", self.screen().join("\n"));
        }
    }

    /// The table row of host `name`.
    fn host_row(&self, name: &str) -> Option<String> {
        self.screen()
            .into_iter()
            .find(|l| l.split_whitespace().next() == Some(name) && l.contains('/'))
    }

    /// Types `keys` (tmux key names).
    fn keys(&self, keys: &[&str]) {
        let status = self
            .command()
            .args(["send-keys", "-t", "t"])
            .args(keys)
            .status()
            .unwrap();
        assert!(status.success());
    }

    /// A tmux format about the pane, such as `#{pane_dead}`.
    fn pane(&self, format: &str) -> String {
        let out = self
            .command()
            .args(["display-message", "-p", "-t", "t", format])
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stdout).trim().to_owned()
    }

    /// Every process under the pane's shell, the shell first.
    fn processes(&self) -> Vec<i32> {
        let root: i32 = self.pane("#{pane_pid}").parse().unwrap();
        let parents: Vec<(i32, i32)> = std::fs::read_dir("/proc")
            .unwrap()
            .flatten()
            .filter_map(|e| {
                let pid = e.file_name().to_str()?.parse().ok()?;
                let stat = std::fs::read_to_string(e.path().join("stat")).ok()?;
                let ppid = stat
                    .rsplit_once(')')?
                    .1
                    .split_whitespace()
                    .nth(1)?
                    .parse()
                    .ok()?;
                Some((pid, ppid))
            })
            .collect();
        let mut found = vec![root];
        let mut i = 0;
        while i < found.len() {
            let parent = found[i];
            found.extend(parents.iter().filter(|(_, p)| *p == parent).map(|(c, _)| c));
            i += 1;
        }
        found
    }

    /// Quits roam with `q` and checks that it exited 0 and left the terminal as it found it:
    /// normal screen, no mouse reporting, cursor shown, canonical mode and echo back on.
    fn quit_and_check_the_terminal(&self) {
        self.keys(&["q"]);
        if !wait_until(Duration::from_secs(20), || self.shows("roam exited")) {
            panic!("roam did not quit:\n{}", self.screen().join("\n"));
        }
        self.wait_for("icanon", Duration::from_secs(5));
        let screen = self.screen().join("\n");
        assert!(screen.contains("roam exited 0"), "{screen}");
        assert_eq!(self.pane("#{alternate_on}"), "0", "{screen}");
        assert_eq!(self.pane("#{mouse_any_flag}"), "0");
        assert_eq!(self.pane("#{mouse_standard_flag}"), "0");
        assert_eq!(self.pane("#{cursor_flag}"), "1", "{screen}");
        assert!(
            screen.contains(" icanon") && !screen.contains("-icanon"),
            "{screen}"
        );
        assert!(
            screen.contains(" echo ") && !screen.contains("-echo "),
            "{screen}"
        );
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = self
            .command()
            .arg("kill-server")
            .stderr(Stdio::null())
            .status();
    }
}

/// A shell line that runs `roam ARGS`, then reports its exit status and the terminal's modes
/// and waits (so that the pane, and its cursor, stay as roam left them).
fn roam_then_report(args: &str) -> String {
    let roam = &Binaries::from_workspace().unwrap().roam;
    format!(
        "{} {args}; echo \"roam exited $?\"; stty -a; exec sleep 600",
        roam.display()
    )
}

fn foreign_jobs(c: &Cluster, i: usize) -> usize {
    c.list_jobs(i).map_or(usize::MAX, |t| t.foreign.len())
}

#[test]
fn evicting_a_host_from_the_console_sends_its_foreign_job_away() {
    let c = Cluster::start(
        Binaries::from_workspace().expect("build the binaries"),
        ClusterOptions {
            policy: Some(PolicyOptions::default()),
            ..ClusterOptions::default()
        },
    )
    .expect("start the cluster");
    c.wait_all_idle(Duration::from_secs(10)).unwrap();
    // a's user is typing, so migserver leases the job another host.
    c.owner_input(0).unwrap();
    assert!(wait_until(Duration::from_secs(5), || {
        c.list_hosts()
            .is_ok_and(|h| h.iter().any(|h| h.name == "a" && h.state() == State::Busy))
    }));
    let mut job = c.spawn_mig(
        0,
        &["sh", "-c", "echo $ROAM_HOST; exec sleep 600"],
        Stdio::null(),
    );
    let host = job.line();
    let i = c.hosts().iter().position(|h| h.name == host).unwrap();
    assert_ne!(i, 0, "the job stayed home");
    assert!(wait_until(Duration::from_secs(5), || foreign_jobs(&c, i) == 1));

    let tmux = Tmux::start(&roam_then_report(&format!(
        "--config {}",
        c.host(0).config.display()
    )));
    // The console lists the job on its host: FOREIGN is "1 / …" there.
    if !wait_until(Duration::from_secs(15), || {
        tmux.host_row(&host).is_some_and(|r| r.contains(" 1 / "))
    }) {
        panic!("no foreign job on {host}:\n{}", tmux.screen().join("\n"));
    }
    // Hosts are sorted by name: host i is i rows down from a.
    for _ in 0..i {
        tmux.keys(&["j"]);
    }
    tmux.wait_for(&format!("{}/3 of 3", i + 1), Duration::from_secs(5));
    tmux.keys(&["e"]);
    tmux.wait_for(
        &format!("Evict the 1 foreign processes on {host}"),
        Duration::from_secs(5),
    );
    tmux.keys(&["y"]);

    assert!(
        wait_until(Duration::from_secs(10), || foreign_jobs(&c, i) == 0),
        "{:?}",
        c.list_jobs(i)
    );
    assert!(wait_until(Duration::from_secs(10), || {
        matches!(job.child.try_wait(), Ok(Some(_)))
    }));
    if !wait_until(Duration::from_secs(10), || {
        tmux.host_row(&host)
            .is_some_and(|r| r.split_whitespace().nth(3) == Some("-"))
    }) {
        panic!("{host} still shows a job:\n{}", tmux.screen().join("\n"));
    }
    tmux.quit_and_check_the_terminal();
}

#[test]
fn the_demo_on_a_terminal_opens_the_console_where_o_evicts_and_q_stops_everything() {
    let tmux = Tmux::start(&roam_then_report("demo"));
    // Its long jobs run on leased hosts; pick one that shows some.
    let mut busy_row = None;
    let placed = wait_until(Duration::from_secs(60), || {
        let screen = tmux.screen();
        busy_row = ["a", "b", "c", "d"].iter().position(|name| {
            screen.iter().any(|l| {
                l.split_whitespace().next() == Some(*name)
                    && l.contains(" / ")
                    && l.contains("idle")
            })
        });
        busy_row.is_some()
    });
    assert!(placed, "no jobs on screen:\n{}", tmux.screen().join("\n"));
    let row = busy_row.unwrap();
    let name = ["a", "b", "c", "d"][row];
    let processes = tmux.processes();
    assert!(processes.len() > 10, "the demo's daemons: {processes:?}");

    tmux.keys(&["?"]);
    tmux.wait_for("demo: the host's owner returns", Duration::from_secs(5));
    tmux.keys(&["?"]);
    assert!(wait_until(Duration::from_secs(5), || !tmux.shows("demo: the host's")));
    for _ in 0..row {
        tmux.keys(&["j"]);
    }
    tmux.wait_for(&format!("{}/4 of 4", row + 1), Duration::from_secs(5));
    tmux.keys(&["o"]);
    tmux.wait_for(
        &format!("the owner of {name} is back"),
        Duration::from_secs(5),
    );
    if !wait_until(Duration::from_secs(10), || {
        tmux.host_row(name)
            .is_some_and(|r| r.split_whitespace().nth(3) == Some("-"))
    }) {
        panic!("{name}'s jobs stayed:\n{}", tmux.screen().join("\n"));
    }

    tmux.quit_and_check_the_terminal();
    assert!(tmux.shows("Stopping the cluster."));
    let alive = || -> Vec<String> {
        processes[1..]
            .iter()
            .filter_map(|pid| std::fs::read_to_string(format!("/proc/{pid}/stat")).ok())
            .collect()
    };
    // Grandchildren whose parents died first are reaped by init, a moment later.
    assert!(
        wait_until(Duration::from_secs(10), || alive().is_empty()),
        "left running: {:?}",
        alive()
    );
}
