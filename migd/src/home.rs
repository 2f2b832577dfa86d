//! The home side of a remote job: choose a host, send it the job with a signed credential, relay
//! stdio, signals and the exit between the caller (mig) and the host, and record the job in the
//! home table meanwhile. When the caller goes away, dropping the remote stream hangs the job up.

use std::net::SocketAddr;
use std::os::fd::{AsRawFd, OwnedFd};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use roam_shared::ids::JobId;
use roam_shared::proto::failure::Kind;
use roam_shared::proto::job_input::Kind as In;
use roam_shared::proto::job_output::Kind as Out;
use roam_shared::proto::remote_client::RemoteClient;
use roam_shared::proto::{HomeJob, JobInput, JobOutput, LocalStart, Placed};
use tokio::sync::mpsc;
use tokio_stream::wrappers::ReceiverStream;
use tonic::transport::{Channel, Endpoint};
use tonic::{Code, Request, Streaming};

use crate::daemon::{FRAME, MAX_MESSAGE, Migd, WINDOW};
use crate::foreign::{OutputTx, failure};
use crate::home_output::OutputSink;
use crate::leases::Held;
use crate::peer::PeerInfo;

/// Runs `start` for `peer`: relays between `inbound`/`out` (the caller) and the chosen host.
pub async fn run(
    migd: Arc<Migd>,
    peer: PeerInfo,
    start: LocalStart,
    inbound: Streaming<JobInput>,
    out: OutputTx,
) {
    let Some(spec) = start.spec.clone() else {
        let _ = out
            .send(Ok(failure(
                Kind::Invalid,
                "request",
                "no job in the request",
            )))
            .await;
        return;
    };
    let candidates = match candidates(&migd, &peer, &start).await {
        Ok(c) => c,
        Err(message) => {
            let _ = out.send(Ok(message)).await;
            return;
        }
    };
    let job_id = JobId::new(&migd.config.name);
    // With the caller's stdout in hand (and not a terminal), stdout comes home on a data link.
    let mut spec = spec;
    spec.stdout_on_data_link =
        peer.stdio.is_some() && !spec.terminal.as_ref().is_some_and(|t| t.stdout);
    let mut last_error = None;
    for Candidate {
        host,
        addr,
        lease,
        via,
    } in candidates
    {
        let (to_remote, remote_rx) = mpsc::channel::<JobInput>(32);
        let mut spec = spec.clone();
        spec.lease_id = lease.as_ref().map(|l| l.id.clone()).unwrap_or_default();
        let _ = to_remote
            .send(JobInput {
                kind: Some(In::RemoteStart(spec.clone())),
            })
            .await;
        let opened = open_exec(
            &migd,
            &host,
            addr,
            &peer,
            &job_id,
            remote_rx,
            spec.stdout_on_data_link,
        )
        .await;
        match opened {
            Ok((remote, link)) => {
                let _entry = migd.tables.add_home(HomeJob {
                    job_id: job_id.to_string(),
                    home_pid: peer.pid as u32,
                    host: host.clone(),
                    uid: peer.uid,
                    command: spec.command_line(),
                    started_unix_ms: roam_shared::ids::unix_ms_now(),
                });
                let sinks = peer.stdio.as_ref().and_then(|s| {
                    Some((
                        OutputSink::new(s.stdout.try_clone().ok()?),
                        OutputSink::new(s.stderr.try_clone().ok()?),
                    ))
                });
                let link = link.and_then(|socket| {
                    let stdout = peer.stdio.as_ref()?.stdout.try_clone().ok()?;
                    Some(StdoutLink::start(socket, stdout))
                });
                let ends = Ends {
                    inbound,
                    out,
                    to_remote,
                    remote,
                };
                relay(&host, via, ends, sinks, link).await;
                drop(lease);
                return;
            }
            Err(e) => {
                tracing::info!(%host, "cannot start job there: {}", e.why);
                if e.kind != Kind::Unreachable
                    || !start.host.is_empty()
                    || !start.lease_id.is_empty()
                {
                    let _ = out.send(Ok(failure(e.kind, e.what, e.why))).await;
                    return;
                }
                last_error = Some(e);
            }
        }
    }
    let message = if start.remote_only {
        let why = last_error.map_or_else(
            || {
                "migserver has none idle and no other hosts are configured ([[hosts]] is empty)"
                    .to_owned()
            },
            |e| format!("none answered (last: {}: {})", e.what, e.why),
        );
        failure(Kind::Unreachable, "no remote host available", why)
    } else {
        JobOutput {
            kind: Some(Out::Placed(Placed {
                host: migd.config.name.clone(),
                job_id: job_id.to_string(),
                local: true,
                pid: 0,
                via: last_error.map_or_else(
                    || "no host: none idle and no [[hosts]] configured".to_owned(),
                    |e| format!("no host: {}: {}", e.what, e.why),
                ),
            })),
        }
    };
    let _ = out.send(Ok(message)).await;
}

/// A host to try, and how it was chosen.
struct Candidate {
    host: String,
    addr: SocketAddr,
    /// The lease the job runs under, when migserver chose the host; released on drop.
    lease: Option<Lease>,
    /// For `mig -v`.
    via: String,
}

/// A lease with its id at hand.
struct Lease {
    id: String,
    /// Released with the job; `None` when the caller holds the lease.
    _held: Option<Held>,
}

/// The hosts to try, in order: the one asked for; else the host of the caller's lease; else a
/// host leased from migserver, then every host of the static list, starting from a different one
/// each time so that jobs spread.
async fn candidates(
    migd: &Migd,
    peer: &PeerInfo,
    start: &LocalStart,
) -> Result<Vec<Candidate>, JobOutput> {
    if !start.lease_id.is_empty() {
        let Some(grant) = migd.leases.caller_lease(peer.uid, &start.lease_id) else {
            return Err(failure(
                Kind::Unreachable,
                format!("no lease {:?}", start.lease_id),
                "it was released, revoked or expired, or is not yours".to_owned(),
            ));
        };
        return Ok(vec![Candidate {
            host: grant.host,
            addr: grant.addr,
            lease: Some(Lease {
                id: grant.id,
                _held: None,
            }),
            via: "the caller's lease".into(),
        }]);
    }
    let asked = start.host.as_str();
    if !asked.is_empty() {
        return match migd.config.host_addr(asked) {
            Some(addr) => Ok(vec![Candidate {
                host: asked.to_owned(),
                addr,
                lease: None,
                via: "-H".into(),
            }]),
            None => Err(failure(
                Kind::UnknownHost,
                format!("unknown host {asked:?}"),
                "not in the [[hosts]] list of the config file".to_owned(),
            )),
        };
    }
    let client = if start.client.is_empty() {
        "mig"
    } else {
        &start.client
    };
    let mut list = Vec::new();
    let static_via = match migd.leases.request(peer.uid, &peer.gids, client).await {
        Ok((grant, held)) => {
            list.push(Candidate {
                host: grant.host,
                addr: grant.addr,
                lease: Some(Lease {
                    id: grant.id,
                    _held: Some(held),
                }),
                via: "migserver".into(),
            });
            "static host list (the migserver host did not answer)".to_owned()
        }
        Err(why) => format!("static host list ({why})"),
    };
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    let mut others: Vec<_> = migd
        .config
        .hosts
        .iter()
        .filter(|h| h.name != migd.config.name)
        .map(|h| Candidate {
            host: h.name.clone(),
            addr: h.addr,
            lease: None,
            via: static_via.clone(),
        })
        .collect();
    if !others.is_empty() {
        let first = NEXT.fetch_add(1, Ordering::Relaxed) % others.len();
        others.rotate_left(first);
    }
    list.extend(others);
    Ok(list)
}

struct OpenError {
    kind: Kind,
    what: String,
    why: String,
}

/// Opens the `Exec` stream on `host`, reusing a connection when one is open.
async fn open_exec(
    migd: &Migd,
    host: &str,
    addr: SocketAddr,
    peer: &PeerInfo,
    job_id: &JobId,
    input: mpsc::Receiver<JobInput>,
    with_link: bool,
) -> Result<(Streaming<JobOutput>, Option<OwnedFd>), OpenError> {
    let unreachable = |why: String| OpenError {
        kind: Kind::Unreachable,
        what: format!("cannot reach host {host} ({addr})"),
        why,
    };
    let channel = channel(migd, host, addr)
        .await
        .map_err(|e| unreachable(transport_reason(&e)))?;
    let sign = || {
        migd.key.sign(
            peer.uid,
            peer.gids.clone(),
            &migd.config.name,
            job_id.as_str(),
        )
    };
    let credential = sign();
    let mut request = Request::new(ReceiverStream::new(input));
    roam_shared::auth::attach(&mut request, &credential);
    let mut client = RemoteClient::new(channel).max_decoding_message_size(MAX_MESSAGE);
    // The link and the call go out together; the remote job waits for its link.
    let link_credential = with_link.then(sign);
    let open_link = async {
        match &link_credential {
            Some(cred) => crate::data_link::open(addr, cred, migd.config.migd.connect_timeout)
                .await
                .map(Some),
            None => Ok(None),
        }
    };
    let (link, called) = tokio::join!(open_link, client.exec(request));
    let link = link.map_err(|e| unreachable(format!("data link: {e}")))?;
    match called {
        Ok(response) => Ok((response.into_inner(), link)),
        Err(status) => {
            let why = status.message().to_owned();
            Err(match status.code() {
                Code::Unavailable | Code::Unknown | Code::Cancelled => {
                    migd.channels
                        .lock()
                        .unwrap_or_else(|e| e.into_inner())
                        .remove(host);
                    unreachable(why)
                }
                Code::Unauthenticated | Code::PermissionDenied => OpenError {
                    kind: Kind::Refused,
                    what: format!("host {host} refused the request"),
                    why,
                },
                _ => OpenError {
                    kind: Kind::Internal,
                    what: format!("host {host}"),
                    why,
                },
            })
        }
    }
}

/// A connection to `host`: the cached one, or a new one within the connect timeout.
async fn channel(
    migd: &Migd,
    host: &str,
    addr: SocketAddr,
) -> Result<Channel, tonic::transport::Error> {
    if let Some(c) = migd
        .channels
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .get(host)
    {
        return Ok(c.clone());
    }
    let channel = Endpoint::from_shared(format!("http://{addr}"))?
        .connect_timeout(migd.config.migd.connect_timeout)
        .tcp_nodelay(true)
        .initial_stream_window_size(WINDOW)
        .initial_connection_window_size(WINDOW * 4)
        .max_frame_size(FRAME)
        .http2_keep_alive_interval(std::time::Duration::from_secs(10))
        .keep_alive_timeout(std::time::Duration::from_secs(20))
        .connect()
        .await?;
    migd.channels
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .insert(host.to_owned(), channel.clone());
    Ok(channel)
}

/// The innermost cause of a transport error ("Connection refused (os error 111)").
fn transport_reason(e: &tonic::transport::Error) -> String {
    let mut source: &dyn std::error::Error = e;
    while let Some(inner) = source.source() {
        source = inner;
    }
    source.to_string()
}

/// The four ends a relay connects: the caller's input and output, the host's input and output.
struct Ends {
    inbound: Streaming<JobInput>,
    out: OutputTx,
    to_remote: mpsc::Sender<JobInput>,
    remote: Streaming<JobOutput>,
}

/// Copies the caller's input to the host, and the host's output to the caller's descriptors
/// (`sinks`, when it passed them) or its stream, until the job ends or either side goes away.
async fn relay(
    host: &str,
    via: String,
    ends: Ends,
    mut sinks: Option<(OutputSink, OutputSink)>,
    mut link: Option<StdoutLink>,
) {
    let Ends {
        mut inbound,
        out,
        to_remote,
        mut remote,
    } = ends;
    let mut stdout_broken = false;
    loop {
        tokio::select! {
            ended = async { link.as_mut().expect("guarded").done().await }, if link.as_ref().is_some_and(|l| !l.finished) => {
                if ended.is_err() && !stdout_broken {
                    stdout_broken = true;
                    // Unblock the remote end at once; the job gets its SIGPIPE below.
                    if let Some(link) = &link {
                        link.cut();
                    }
                    let _ = to_remote.send(JobInput { kind: Some(In::Signal(libc::SIGPIPE)) }).await;
                }
            }
            msg = inbound.message() => match msg {
                Ok(Some(input)) => {
                    // An error means the host side ended; its final messages are still to come.
                    let _ = to_remote.send(input).await;
                }
                // The caller is gone: returning drops the remote stream, which hangs the job up.
                Ok(None) | Err(_) => return,
            },
            output = remote.message() => match output {
                Ok(Some(JobOutput { kind: Some(Out::Stdout(data)) })) if sinks.is_some() => {
                    let (stdout, _) = sinks.as_mut().expect("checked");
                    if stdout.send(data).await.is_err() && !stdout_broken {
                        // Nobody reads the job's stdout at home: it gets the SIGPIPE it would
                        // get here.
                        stdout_broken = true;
                        let _ = to_remote.send(JobInput { kind: Some(In::Signal(libc::SIGPIPE)) }).await;
                    }
                }
                Ok(Some(JobOutput { kind: Some(Out::Stderr(data)) })) if sinks.is_some() => {
                    let (_, stderr) = sinks.as_mut().expect("checked");
                    let _ = stderr.send(data).await;
                }
                Ok(Some(JobOutput { kind: Some(Out::Placed(placed)) })) => {
                    let placed = Placed { via: via.clone(), ..placed };
                    if out.send(Ok(JobOutput { kind: Some(Out::Placed(placed)) })).await.is_err() {
                        return;
                    }
                }
                Ok(Some(output)) => {
                    let last = matches!(output.kind, Some(Out::Exit(_)) | Some(Out::Failure(_)));
                    if let Some(link) = link.as_mut().filter(|_| last) {
                        link.finish(matches!(output.kind, Some(Out::Exit(_)))).await;
                    }
                    if last && let Some((stdout, stderr)) = sinks.take() {
                        // All output is written before the caller learns that the job ended.
                        stdout.finish().await;
                        stderr.finish().await;
                    }
                    if out.send(Ok(output)).await.is_err() || last {
                        return;
                    }
                }
                Ok(None) => {
                    let _ = out.send(Ok(failure(
                        Kind::Unreachable,
                        format!("lost connection to host {host}"),
                        "the job's stream ended before it exited",
                    ))).await;
                    return;
                }
                Err(status) => {
                    let _ = out.send(Ok(failure(
                        Kind::Unreachable,
                        format!("lost connection to host {host}"),
                        format!("{} (its migd stopped or the network failed)", status.message()),
                    ))).await;
                    return;
                }
            },
        }
    }
}

/// The home end of a job's stdout data link: a thread splicing the link into the caller's
/// stdout.
struct StdoutLink {
    socket: OwnedFd,
    thread: tokio::task::JoinHandle<std::io::Result<u64>>,
    finished: bool,
}

/// How long, after the job's exit, its stdout may take to arrive in full.
const LINK_DRAIN: std::time::Duration = std::time::Duration::from_secs(5);

impl StdoutLink {
    fn start(socket: OwnedFd, stdout: OwnedFd) -> Self {
        let theirs = socket.try_clone();
        let thread =
            tokio::task::spawn_blocking(move || crate::splice::socket_to_fd(&theirs?, &stdout));
        StdoutLink {
            socket,
            thread,
            finished: false,
        }
    }

    /// Waits for the link to end; an error means stdout could not be written (EPIPE, …).
    async fn done(&mut self) -> Result<(), ()> {
        let result = (&mut self.thread).await;
        self.finished = true;
        match result {
            Ok(Ok(_)) => Ok(()),
            Ok(Err(e)) => {
                tracing::debug!("stdout data link: {e}");
                Err(())
            }
            Err(_) => Err(()),
        }
    }

    /// At the job's end: after an exit, lets the rest of the output arrive (bounded); otherwise,
    /// or when that takes too long, cuts the link.
    async fn finish(&mut self, exited: bool) {
        if self.finished {
            return;
        }
        if exited && tokio::time::timeout(LINK_DRAIN, self.done()).await.is_ok() {
            return;
        }
        self.cut();
        let _ = self.done().await;
    }

    /// Shuts the link down in both directions.
    fn cut(&self) {
        let _ =
            nix::sys::socket::shutdown(self.socket.as_raw_fd(), nix::sys::socket::Shutdown::Both);
    }
}
