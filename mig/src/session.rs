//! One remote job seen from home: hand the local migd the job and our stdout and stderr (it
//! writes the job's output there), then relay stdin, signals and window sizes out, and mirror
//! stops and the exit status, until the job ends.

use std::io::Read;
use std::os::fd::AsFd;
use std::process::ExitCode;

use bytes::Bytes;

use roam_shared::config::Config;
use roam_shared::proto::failure::Kind;
use roam_shared::proto::job_input::Kind as In;
use roam_shared::proto::job_output::Kind as Out;
use roam_shared::proto::local_client::LocalClient;
use roam_shared::proto::{Exit, Failure, JobInput, LocalStart, exit};
use roam_shared::status::{
    EXIT_EVICTED, EXIT_MIG_FAILURE, EXIT_NOT_EXECUTABLE, EXIT_NOT_FOUND, signal_exit_code,
};
use tokio::signal::unix::{SignalKind, signal};
use tokio::sync::mpsc;
use tokio_stream::StreamExt;
use tokio_stream::wrappers::{ReceiverStream, SignalStream};

use crate::cli::Cli;
use crate::terminal::{self, RawMode};

/// How a session ended.
pub enum Outcome {
    /// The job ended: exit with this status.
    Exit(u8),
    /// No remote host is available (for this reason): run the command here.
    RunLocally(String),
}

/// A failure of mig itself (or of the job's start), printed as `mig: <what>: <why>`.
#[derive(Debug)]
pub struct MigError {
    what: String,
    why: String,
    code: u8,
}

impl MigError {
    fn new(what: impl Into<String>, why: impl std::fmt::Display) -> Self {
        MigError {
            what: what.into(),
            why: why.to_string(),
            code: EXIT_MIG_FAILURE,
        }
    }

    fn from_failure(f: Failure) -> Self {
        match f.kind() {
            // As a shell says it: "foo: command not found", with the host after.
            Kind::NotFound | Kind::NotExecutable => MigError {
                code: if f.kind() == Kind::NotFound {
                    EXIT_NOT_FOUND
                } else {
                    EXIT_NOT_EXECUTABLE
                },
                what: f.why,
                why: format!("({})", f.what),
            },
            _ => MigError::new(f.what, f.why),
        }
    }

    /// Prints the error and returns the status mig exits with.
    pub fn report(&self) -> ExitCode {
        if matches!(self.code, EXIT_MIG_FAILURE | EXIT_EVICTED) {
            eprintln!("mig: {}: {}", self.what, self.why);
        } else {
            eprintln!("mig: {} {}", self.what, self.why);
        }
        ExitCode::from(self.code)
    }
}

/// Runs the job described by `cli` through the local migd named in `config`.
pub fn run(cli: &Cli, config: &Config) -> Result<Outcome, MigError> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| MigError::new("cannot start", e))?;
    runtime.block_on(session(cli, config))
}

/// Signals that mig passes on to the job.
const FORWARDED: [i32; 9] = [
    libc::SIGINT,
    libc::SIGTERM,
    libc::SIGHUP,
    libc::SIGQUIT,
    libc::SIGUSR1,
    libc::SIGUSR2,
    libc::SIGWINCH,
    libc::SIGTSTP,
    libc::SIGCONT,
];

async fn session(cli: &Cli, config: &Config) -> Result<Outcome, MigError> {
    let spec = crate::job_spec::capture(&cli.command)
        .map_err(|e| MigError::new("cannot read the current directory", e))?;
    let has_tty = spec.terminal.is_some();
    let stdin_tty = spec.terminal.as_ref().is_some_and(|t| t.stdin);
    // Catch the signals before anything can be started, so none is lost.
    let mut signals = tokio_stream::StreamMap::new();
    for sig in FORWARDED {
        let stream = signal(SignalKind::from_raw(sig))
            .map_err(|e| MigError::new("cannot catch signals", e))?;
        signals.insert(sig, SignalStream::new(stream));
    }

    let socket = &config.migd.socket;
    // migd writes the job's output straight into our stdout and stderr.
    let (stdout, stderr) = (std::io::stdout(), std::io::stderr());
    grow_if_pipe(stdout.as_fd());
    let channel = roam_shared::uds::connect_with_stdio(socket, stdout.as_fd(), stderr.as_fd())
        .await
        .map_err(|e| {
            let mut cause: &dyn std::error::Error = &e;
            while let Some(inner) = cause.source() {
                cause = inner;
            }
            MigError::new(
                format!("cannot reach the local migd at {}", socket.display()),
                format!("{cause} (is migd running? is [migd] socket right?)"),
            )
        })?;
    let (input, input_rx) = mpsc::channel::<JobInput>(32);
    let send = |kind| JobInput { kind: Some(kind) };
    let _ = input
        .send(send(In::LocalStart(LocalStart {
            spec: Some(spec),
            host: cli.host.clone().unwrap_or_default(),
            remote_only: cli.remote_only,
            client: String::new(),
            lease_id: String::new(),
        })))
        .await;
    let lost = |e: tonic::Status| {
        MigError::new(
            "lost the local migd",
            format!(
                "{} (migd stopped or crashed; the job was hung up)",
                e.message()
            ),
        )
    };
    let mut outputs = LocalClient::new(channel)
        .run(ReceiverStream::new(input_rx))
        .await
        .map_err(lost)?
        .into_inner();

    match outputs.message().await.map_err(lost)?.and_then(|o| o.kind) {
        Some(Out::Placed(p)) if p.local => return Ok(Outcome::RunLocally(p.via)),
        Some(Out::Placed(p)) => {
            if cli.verbose {
                eprintln!(
                    "mig: running on {} (job {}, pid {}; host from {})",
                    p.host, p.job_id, p.pid, p.via
                );
            }
        }
        Some(Out::Failure(f)) => return Err(MigError::from_failure(f)),
        other => {
            return Err(MigError::new(
                "protocol error",
                format!("unexpected first reply {other:?}"),
            ));
        }
    }

    let mut raw = if stdin_tty {
        Some(RawMode::enter())
    } else {
        None
    };
    start_stdin_reader(input.clone());

    let mut evicted = None;
    let exit = loop {
        tokio::select! {
            output = outputs.message() => match output.map_err(lost)?.and_then(|o| o.kind) {
                Some(Out::Stopped(_)) => {
                    // Mirror the job: stop too, so the shell's job control sees it stopped.
                    if let Some(r) = raw.as_mut() { r.suspend() }
                    // SAFETY: raise has no memory arguments.
                    unsafe { libc::raise(libc::SIGSTOP) };
                    if let Some(r) = raw.as_mut() { r.resume() }
                }
                Some(Out::Exit(exit)) => break exit,
                Some(Out::Failure(f)) => return Err(MigError::from_failure(f)),
                // The job is frozen and about to be ended; its exit follows.
                Some(Out::Evicted(e)) => evicted = Some(e),
                // Output went straight to our descriptors; nothing else needs an answer.
                _ => {}
            },
            Some((sig, ())) = signals.next() => {
                let kind = match sig {
                    libc::SIGWINCH if has_tty => terminal::window_size().map(In::Resize),
                    libc::SIGCONT => {
                        if let Some(r) = raw.as_mut() { r.resume() }
                        Some(In::Signal(sig))
                    }
                    _ => Some(In::Signal(sig)),
                };
                if let Some(kind) = kind {
                    let _ = input.send(send(kind)).await;
                }
            }
        }
    };
    drop(raw);
    if cli.verbose {
        report_usage(&exit);
    }
    if let Some(e) = evicted {
        return Err(MigError {
            what: format!("evicted from {}", e.host),
            why: e.reason,
            code: EXIT_EVICTED,
        });
    }
    Ok(Outcome::Exit(exit_code(&exit)))
}

/// The status a shell would report for the job's exit.
fn exit_code(exit: &Exit) -> u8 {
    match exit.status {
        Some(exit::Status::Code(code)) => (code & 0xff) as u8,
        Some(exit::Status::Signal(sig)) => signal_exit_code(sig),
        None => EXIT_MIG_FAILURE,
    }
}

fn report_usage(exit: &Exit) {
    let status = match exit.status {
        Some(exit::Status::Code(c)) => format!("exit {c}"),
        Some(exit::Status::Signal(s)) => format!("killed by signal {s}"),
        None => "unknown status".into(),
    };
    let ru = exit.rusage.unwrap_or_default();
    eprintln!(
        "mig: {status}; user {:.3}s system {:.3}s, max rss {} KiB",
        ru.utime_us as f64 / 1e6,
        ru.stime_us as f64 / 1e6,
        ru.maxrss_kib
    );
}

/// Reads stdin on its own thread (reads block, and stdin may be anything) and sends it on.
fn start_stdin_reader(input: mpsc::Sender<JobInput>) {
    std::thread::spawn(move || {
        let mut buf = vec![0u8; 64 << 10];
        let mut stdin = std::io::stdin().lock();
        loop {
            let kind = match stdin.read(&mut buf) {
                Ok(0) => In::StdinEof(true),
                Ok(n) => In::Stdin(Bytes::copy_from_slice(&buf[..n])),
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(_) => In::StdinEof(true),
            };
            let eof = matches!(kind, In::StdinEof(_));
            if input.blocking_send(JobInput { kind: Some(kind) }).is_err() || eof {
                return;
            }
        }
    });
}

/// Output arrives in chunks of up to 256 KiB: a 1 MiB pipe takes several without a wake-up each
/// (a local writer into the same pipe is no worse off). Best effort.
fn grow_if_pipe(fd: std::os::fd::BorrowedFd<'_>) {
    use std::os::fd::AsRawFd;
    let is_pipe =
        nix::sys::stat::fstat(fd).is_ok_and(|st| st.st_mode & libc::S_IFMT == libc::S_IFIFO);
    if is_pipe {
        // SAFETY: F_SETPIPE_SZ takes an integer argument and only resizes this pipe.
        unsafe { libc::fcntl(fd.as_raw_fd(), libc::F_SETPIPE_SZ, 1 << 20) };
    }
}
