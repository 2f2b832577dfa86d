//! What loadavgd's own tests run against: the real binary, and small in-test stand-ins for
//! migserver (`MigServer` over TCP, credentials checked) and migd (`Local` over its Unix
//! socket). The real end-to-end tests with the real daemons live in the workspace's `tests/`.

pub mod migd;
pub mod migserver;

use std::fs::File;
use std::io::Write;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

use nix::sys::signal::{Signal, kill};
use nix::unistd::Pid;

/// Waits until `condition` holds, panicking with `what` after `within`.
pub fn wait_until(what: &str, within: Duration, mut condition: impl FnMut() -> bool) {
    let deadline = Instant::now() + within;
    while !condition() {
        assert!(
            Instant::now() < deadline,
            "timed out after {within:?} waiting until {what}"
        );
        std::thread::sleep(Duration::from_millis(5));
    }
}

/// The size of a `struct input_event` record on x86_64.
pub const RECORD: usize = 24;

/// A test host: a temp dir holding a config, a cluster key and a FIFO input.
pub struct Host {
    pub dir: tempfile::TempDir,
    pub config: PathBuf,
    pub fifo: PathBuf,
}

/// What differs between the tests' configs.
pub struct Settings<'a> {
    pub idle_after: &'a str,
    pub report_every: &'a str,
    pub max_load: f64,
    pub inputs: &'a str,
    pub slots: Option<u32>,
}

impl Default for Settings<'_> {
    fn default() -> Self {
        Settings {
            idle_after: "1s",
            report_every: "200ms",
            // The test machine is busy compiling: load must not keep the host busy.
            max_load: 1000.0,
            inputs: "input*",
            slots: None,
        }
    }
}

impl Host {
    /// A host named `a` configured with `settings`; inputs are relative to the temp dir.
    pub fn new(settings: Settings) -> Host {
        let dir = tempfile::tempdir().unwrap();
        let key = dir.path().join("cluster.key");
        roam_shared::credential::ClusterKey::generate()
            .write_new(&key)
            .unwrap();
        let fifo = dir.path().join("input0");
        nix::unistd::mkfifo(&fifo, nix::sys::stat::Mode::from_bits_truncate(0o600)).unwrap();
        let mut text = format!(
            "name = \"a\"\nkey_file = \"cluster.key\"\n\
             [migd]\nlisten = \"127.0.0.21:7420\"\nsocket = \"migd.sock\"\n\
             [loadavgd]\nidle_after = \"{}\"\nreport_every = \"{}\"\nmax_load = {:?}\n\
             inputs = [\"{}/{}\"]\nwatch_terminals = false\n",
            settings.idle_after,
            settings.report_every,
            settings.max_load,
            dir.path().display(),
            settings.inputs,
        );
        if let Some(slots) = settings.slots {
            text += &format!("slots = {slots}\n");
        }
        let config = dir.path().join("roam.toml");
        std::fs::write(&config, text).unwrap();
        Host { dir, config, fifo }
    }

    /// The same host, reporting to migserver at `addr`.
    pub fn with_migserver(self, addr: SocketAddr) -> Host {
        let mut text = std::fs::read_to_string(&self.config).unwrap();
        text += &format!("[migserver]\naddr = \"{addr}\"\n");
        std::fs::write(&self.config, text).unwrap();
        self
    }

    /// The cluster key the host signs with.
    pub fn key(&self) -> roam_shared::credential::ClusterKey {
        roam_shared::credential::ClusterKey::load(&self.dir.path().join("cluster.key")).unwrap()
    }

    /// Where migd's socket is expected.
    pub fn migd_socket(&self) -> PathBuf {
        self.dir.path().join("migd.sock")
    }

    /// Opens the FIFO input for writing.
    pub fn input(&self) -> File {
        File::options().write(true).open(&self.fifo).unwrap()
    }

    /// Runs `loadavgd --config … ARGS` to completion.
    pub fn run(&self, args: &[&str]) -> std::process::Output {
        Command::new(env!("CARGO_BIN_EXE_loadavgd"))
            .arg("--config")
            .arg(&self.config)
            .args(args)
            .output()
            .unwrap()
    }

    /// Starts the daemon, logging to a file in the temp dir.
    pub fn start(&self) -> Daemon {
        let log = self.dir.path().join("loadavgd.log");
        let child = Command::new(env!("CARGO_BIN_EXE_loadavgd"))
            .arg("--config")
            .arg(&self.config)
            .env("RUST_LOG", "info")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(File::create(&log).unwrap())
            .spawn()
            .unwrap();
        Daemon {
            child: Some(child),
            log,
        }
    }
}

/// Writes one key-press record (what key does not matter to loadavgd).
pub fn press(input: &mut File) {
    let mut record = [0u8; RECORD];
    record[16..18].copy_from_slice(&1u16.to_ne_bytes());
    record[18..20].copy_from_slice(&30u16.to_ne_bytes());
    record[20..24].copy_from_slice(&1i32.to_ne_bytes());
    input.write_all(&record).unwrap();
}

/// A running loadavgd, killed by pid when dropped.
pub struct Daemon {
    child: Option<Child>,
    log: PathBuf,
}

impl Daemon {
    /// Its log so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// Waits until its log contains `text`.
    pub fn wait_for_log(&self, text: &str, within: Duration) {
        wait_until(&format!("the log says {text:?}"), within, || {
            self.log().contains(text)
        });
    }

    /// Sends SIGTERM and waits for the exit.
    pub fn stop(mut self) -> ExitStatus {
        let mut child = self.child.take().unwrap();
        kill(Pid::from_raw(child.id() as i32), Signal::SIGTERM).unwrap();
        let mut status = None;
        wait_until(
            "loadavgd exits after SIGTERM",
            Duration::from_secs(5),
            || {
                status = child.try_wait().unwrap();
                status.is_some()
            },
        );
        status.unwrap()
    }
}

impl Drop for Daemon {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = kill(Pid::from_raw(child.id() as i32), Signal::SIGKILL);
            let _ = child.wait();
        }
    }
}

/// Runs `future` to completion on a fresh thread with its own runtime, returning the thread's
/// stop handle: dropping the runtime closes every connection it served, as a process exit would.
pub struct Background {
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Background {
    /// Runs `serve` (given the listener it needs, bound inside the runtime) until stopped.
    pub fn spawn<F, Fut>(serve: F) -> Background
    where
        F: FnOnce() -> Fut + Send + 'static,
        Fut: Future<Output = ()>,
    {
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let thread = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            runtime.block_on(async move {
                tokio::select! {
                    () = serve() => {}
                    _ = stopped => {}
                }
            });
        });
        Background {
            stop: Some(stop),
            thread: Some(thread),
        }
    }
}

impl Drop for Background {
    fn drop(&mut self) {
        drop(self.stop.take());
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}
