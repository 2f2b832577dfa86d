//! A foreign process's life on this host: start it as its user, stream its stdio to its home,
//! deliver signals, report stops and the exit, and leave nothing behind — when it ends, its process
//! group (and freezer cgroup) is killed; when its home goes away, it gets SIGHUP, then SIGKILL
//! after a grace period; when it is evicted (already frozen by `evict`), its home is told, then it
//! gets SIGTERM, then SIGKILL after `[migd] evict_grace`.

use std::os::fd::AsRawFd;
use std::sync::Arc;

use bytes::Bytes;

use roam_shared::proto::failure::Kind;
use roam_shared::proto::job_input::Kind as In;
use roam_shared::proto::job_output::Kind as Out;
use roam_shared::proto::{
    Credential, Evicted, Exit, Failure, ForeignJob, JobInput, JobOutput, JobSpec, Placed, exit,
};
use tokio::sync::mpsc;
use tokio::time::{Duration, Instant, sleep_until};
use tonic::{Status, Streaming};

use crate::async_fd::AsyncStream;
use crate::daemon::Migd;
use crate::evict::Evictable;
use crate::reaper::ChildEvent;
use crate::spawn::{Identity, SpawnError, spawn};

/// The sending half of a job's output stream.
pub type OutputTx = mpsc::Sender<Result<JobOutput, Status>>;

/// Largest stdout/stderr chunk sent in one message.
const CHUNK: usize = 256 << 10;
/// After the job exits, how long its output may take to drain.
const DRAIN_TIMEOUT: Duration = Duration::from_secs(2);

/// Sends `signal` to the process group led by `pid`; a group that is gone is not an error.
pub fn signal_group(pid: i32, signal: i32) {
    // SAFETY: kill has no memory arguments; a negative pid addresses a process group.
    unsafe { libc::kill(-pid, signal) };
}

/// A failure message for the home side.
pub fn failure(kind: Kind, what: impl Into<String>, why: impl Into<String>) -> JobOutput {
    JobOutput {
        kind: Some(Out::Failure(Failure {
            kind: kind as i32,
            what: what.into(),
            why: why.into(),
        })),
    }
}

/// Runs the job `spec` for the holder of `cred`, reading control input from `inbound` and writing
/// everything the home needs to `out`.
pub async fn run(
    migd: Arc<Migd>,
    cred: Credential,
    spec: JobSpec,
    mut inbound: Streaming<JobInput>,
    out: OutputTx,
) {
    let me = migd.config.name.clone();
    if let Err(why) = admit_user(&migd, cred.uid) {
        let _ = out
            .send(Ok(failure(Kind::Refused, format!("host {me}"), why)))
            .await;
        return;
    }
    let use_link = spec.stdout_on_data_link && !spec.terminal.as_ref().is_some_and(|t| t.stdout);
    let identity = migd.is_root.then(|| Identity {
        uid: cred.uid,
        gids: cred.gids.clone(),
    });
    let env = [
        ("ROAM_HOST", me.as_str()),
        ("ROAM_HOME", cred.home.as_str()),
    ];
    let cgroup = migd.freezer.as_ref().and_then(|f| {
        f.create(&cred.job_id)
            .inspect_err(|e| tracing::warn!(job = %cred.job_id, "no freezer cgroup: {e}"))
            .ok()
    });
    let spawned = match spawn(&spec, identity.as_ref(), &env, cgroup.as_ref()) {
        Ok(s) => s,
        Err(e) => {
            let kind = match &e {
                SpawnError::NotFound(_) => Kind::NotFound,
                SpawnError::NotExecutable { .. } => Kind::NotExecutable,
                SpawnError::CwdMissing(_) => Kind::CwdMissing,
                SpawnError::EmptyCommand | SpawnError::Invalid => Kind::Invalid,
                SpawnError::Io { .. } => Kind::Internal,
            };
            tracing::info!(job = %cred.job_id, "not started: {e}");
            let _ = out
                .send(Ok(failure(kind, format!("on {me}"), e.to_string())))
                .await;
            return;
        }
    };
    let pid = spawned.pid;
    let mut events = migd.reaper.watch(pid);
    let command = spec.command_line();
    tracing::info!(job = %cred.job_id, home = %cred.home, uid = cred.uid, pid, %command, "started");
    let (control, mut evictions) = Evictable::new(cgroup, pid);
    let _entry = migd.tables.add_foreign(
        ForeignJob {
            job_id: cred.job_id.clone(),
            home: cred.home.clone(),
            uid: cred.uid,
            pid: pid as u32,
            command,
            started_unix_ms: roam_shared::ids::unix_ms_now(),
            lease_id: spec.lease_id.clone(),
            ..ForeignJob::default()
        },
        control.clone(),
    );
    let _ = out
        .send(Ok(JobOutput {
            kind: Some(Out::Placed(Placed {
                host: me.clone(),
                job_id: cred.job_id.clone(),
                local: false,
                pid: pid as u32,
                via: String::new(),
            })),
        }))
        .await;

    let pty = spawned.pty.map(Arc::new);
    let mut pumps = Vec::new();
    let mut stdout = spawned.stdout;
    if let Some(pipe) = stdout.take_if(|_| use_link) {
        // Bulk stdout goes home over its data link, inside the kernel. The job need not wait for
        // the link: until it comes, output waits in the pipe.
        let (migd, job_id, uid, out) = (migd.clone(), cred.job_id.clone(), cred.uid, out.clone());
        pumps.push(tokio::spawn(async move {
            let Some(link) = migd.data_links.take(&job_id, uid).await else {
                tracing::warn!(job = %job_id, "no data link came; stdout goes over the call");
                if let Ok(s) = AsyncStream::new(pipe) {
                    pump(Arc::new(s), false, out).await;
                }
                return;
            };
            let _ = tokio::task::spawn_blocking(move || {
                if let Err(e) = crate::splice::pipe_to_socket(&pipe, &link) {
                    tracing::debug!("stdout data link: {e}");
                }
                let _ =
                    nix::sys::socket::shutdown(link.as_raw_fd(), nix::sys::socket::Shutdown::Write);
            })
            .await;
        }));
    }
    for (stream, is_err) in [(stdout, false), (spawned.stderr, true)] {
        if let Some(fd) = stream {
            match AsyncStream::new(fd) {
                Ok(s) => pumps.push(tokio::spawn(pump(Arc::new(s), is_err, out.clone()))),
                Err(e) => tracing::warn!("job output not readable: {e}"),
            }
        }
    }
    if let Some(master) = &pty {
        pumps.push(tokio::spawn(pump(master.clone(), false, out.clone())));
    }
    let stdin_tx = start_stdin_writer(spawned.stdin, pty.clone());

    let mut home_present = true;
    let mut kill_at: Option<Instant> = None;
    let exit = loop {
        tokio::select! {
            Some(reason) = evictions.recv() => {
                // Frozen already; the home hears why before the job ends.
                let evicted = Evicted { host: me.clone(), reason };
                let _ = out.send(Ok(JobOutput { kind: Some(Out::Evicted(evicted)) })).await;
                control.terminate(libc::SIGTERM);
                kill_at = Some(Instant::now() + migd.config.migd.evict_grace);
            }
            msg = inbound.message(), if home_present => match msg {
                Ok(Some(JobInput { kind: Some(kind) })) => match kind {
                    In::Stdin(data) => { let _ = stdin_tx.send(StdinOp::Data(data)).await; }
                    In::StdinEof(_) => { let _ = stdin_tx.send(StdinOp::Eof).await; }
                    In::Signal(sig) if (1..=64).contains(&sig) => signal_group(pid, sig),
                    In::Resize(size) => {
                        if let Some(master) = &pty
                            && let Err(e) = crate::pty::resize(master.as_fd(), &size)
                        {
                            tracing::debug!("resize: {e}");
                        }
                    }
                    other => tracing::debug!("ignored unexpected input {other:?}"),
                },
                Ok(Some(JobInput { kind: None })) => {}
                Ok(None) | Err(_) => {
                    tracing::info!(pid, "home went away: SIGHUP");
                    home_present = false;
                    signal_group(pid, libc::SIGHUP);
                    signal_group(pid, libc::SIGCONT);
                    kill_at = Some(Instant::now() + migd.config.migd.hangup_grace);
                }
            },
            _ = sleep_until(kill_at.unwrap_or_else(Instant::now)), if kill_at.is_some() => {
                tracing::info!(pid, "grace period over: SIGKILL");
                control.kill_all();
                kill_at = None;
            }
            event = events.recv() => match event {
                // A stop by eviction (without a freezer) is not the job's own.
                Some(ChildEvent::Stopped(_)) if control.is_evicting() => {}
                Some(ChildEvent::Stopped(sig)) => {
                    let _ = out.send(Ok(JobOutput { kind: Some(Out::Stopped(sig)) })).await;
                }
                Some(ChildEvent::Continued) => {
                    let _ = out.send(Ok(JobOutput { kind: Some(Out::Continued(true)) })).await;
                }
                Some(ChildEvent::Exited { code, rusage }) => break Exit {
                    status: Some(exit::Status::Code(code)),
                    core_dumped: false,
                    rusage: Some(rusage),
                },
                Some(ChildEvent::Signaled { signal, core_dumped, rusage }) => break Exit {
                    status: Some(exit::Status::Signal(signal)),
                    core_dumped,
                    rusage: Some(rusage),
                },
                None => break Exit::default(),
            },
        }
    };
    // Whatever the job left running, in its group or its cgroup, goes too.
    control.kill_all();
    drop(stdin_tx);
    let drained = tokio::time::timeout(DRAIN_TIMEOUT, async {
        for p in &mut pumps {
            let _ = p.await;
        }
    })
    .await;
    if drained.is_err() {
        tracing::warn!(
            pid,
            "output still open after exit (a process left the group); cut off"
        );
        pumps.iter().for_each(|p| p.abort());
    }
    tracing::info!(job = %cred.job_id, pid, status = ?exit.status, "ended");
    let _ = out
        .send(Ok(JobOutput {
            kind: Some(Out::Exit(exit)),
        }))
        .await;
}

/// Who may run here: root only when the config allows it; a non-root migd only its own user.
fn admit_user(migd: &Migd, uid: u32) -> Result<(), String> {
    if uid == 0 && !migd.config.migd.allow_root {
        return Err(
            "foreign processes may not run as root here ([migd] allow_root = false)".into(),
        );
    }
    let own = nix::unistd::geteuid().as_raw();
    if !migd.is_root && uid != own {
        return Err(format!(
            "this migd runs as uid {own} and can start processes only for that user, not uid {uid}"
        ));
    }
    Ok(())
}

/// Copies one output stream of the job to the home, until end of file.
async fn pump(stream: Arc<AsyncStream>, is_stderr: bool, out: OutputTx) {
    loop {
        match stream.read_bytes(CHUNK).await {
            Ok(data) if data.is_empty() => return,
            Ok(data) => {
                let kind = if is_stderr {
                    Out::Stderr(data)
                } else {
                    Out::Stdout(data)
                };
                if out.send(Ok(JobOutput { kind: Some(kind) })).await.is_err() {
                    return;
                }
            }
            Err(e) => {
                tracing::debug!("output stream: {e}");
                return;
            }
        }
    }
}

enum StdinOp {
    Data(Bytes),
    Eof,
}

/// Feeds the job's stdin from a queue, so that a job slow to read its input does not hold up the
/// signals and window sizes arriving behind it (until the bounded queue fills).
fn start_stdin_writer(
    pipe: Option<AsyncStream>,
    pty: Option<Arc<AsyncStream>>,
) -> mpsc::Sender<StdinOp> {
    let (tx, mut rx) = mpsc::channel::<StdinOp>(64);
    // stdin is the pty only when no pipe was made for it.
    let pty = if pipe.is_some() { None } else { pty };
    tokio::spawn(async move {
        let mut pipe = pipe;
        while let Some(op) = rx.recv().await {
            match (op, &pipe, &pty) {
                // The job closed its stdin: later input has nowhere to go.
                (StdinOp::Data(data), Some(p), _) if p.write_all(&data).await.is_err() => {
                    pipe = None;
                }
                (StdinOp::Data(_), Some(_), _) => {}
                (StdinOp::Data(data), None, Some(master)) => {
                    let _ = master.write_all(&data).await;
                }
                (StdinOp::Eof, Some(_), _) => pipe = None,
                (StdinOp::Eof, None, Some(master)) => {
                    let eof = crate::pty::eof_char(master.as_fd());
                    let _ = master.write_all(&[eof]).await;
                }
                _ => {}
            }
        }
    });
    tx
}
