//! pmake's connection to the home migd: a thread with its own tokio runtime that takes and
//! gives back leases and runs jobs on leased hosts, so that make's side stays blocking. Each
//! answer goes into a channel and wakes make's event pipe ([`crate::runner::wake`]).

use std::os::fd::{AsFd, OwnedFd};
use std::path::{Path, PathBuf};
use std::sync::mpsc;

use roam_shared::proto::failure::Kind;
use roam_shared::proto::job_input::Kind as In;
use roam_shared::proto::job_output::Kind as Out;
use roam_shared::proto::local_client::LocalClient;
use roam_shared::proto::{
    AcquireLeasesRequest, Exit, JobInput, JobSpec, LocalStart, ReleaseLeasesRequest,
};
use tokio::sync::mpsc::{UnboundedReceiver, UnboundedSender, unbounded_channel};
use tokio_stream::StreamExt as _;
use tokio_stream::wrappers::UnboundedReceiverStream;
use tonic::transport::Channel;

use crate::runner::JobId;

/// A job for a leased host.
pub struct RemoteJob {
    pub id: JobId,
    pub spec: JobSpec,
    pub lease: String,
    /// Where its output goes (make's own stdout and stderr, or `-O` files).
    pub stdout: OwnedFd,
    pub stderr: OwnedFd,
    /// Signals for the job.
    pub input: UnboundedReceiver<JobInput>,
}

/// What the thread reports.
#[derive(Debug)]
pub enum LinkEvent {
    /// The answer to asking for `asked` leases: `(id, host)` of each granted.
    Granted {
        asked: usize,
        leases: Vec<(String, String)>,
    },
    /// The job ended on its host.
    Ended { id: JobId, exit: Exit },
    /// The host's owner returned: the job was killed and should run again.
    Evicted { id: JobId, host: String },
    /// The job could not run or finish there: the host or the lease is gone.
    Lost { id: JobId, why: String },
    /// The job could not be started for a reason another host would not change.
    Refused {
        id: JobId,
        kind: Kind,
        what: String,
        why: String,
    },
}

enum Request {
    Acquire(usize),
    Release(Vec<String>),
    Run(Box<RemoteJob>),
}

/// The handle make keeps: requests in, events out.
pub struct MigdLink {
    requests: UnboundedSender<Request>,
    pub events: mpsc::Receiver<LinkEvent>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl MigdLink {
    /// Connects to the migd at `socket` (failing at once if none listens there) and starts the
    /// thread. `client` tells this make apart for migserver's fair share.
    pub fn start(socket: &Path, client: String) -> std::io::Result<MigdLink> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?;
        let channel = runtime
            .block_on(roam_shared::uds::connect(socket))
            .map_err(std::io::Error::other)?;
        let (requests, rx) = unbounded_channel();
        let (events_tx, events) = mpsc::channel();
        let link = Link {
            socket: socket.to_owned(),
            client,
            control: LocalClient::new(channel),
            events: events_tx,
        };
        let thread = std::thread::Builder::new()
            .name("migd-link".into())
            .spawn(move || runtime.block_on(link.serve(rx)))?;
        Ok(MigdLink {
            requests,
            events,
            thread: Some(thread),
        })
    }

    /// Asks for `count` more leases; a [`LinkEvent::Granted`] answers.
    pub fn acquire(&self, count: usize) {
        let _ = self.requests.send(Request::Acquire(count));
    }

    /// Gives leases back.
    pub fn release(&self, ids: Vec<String>) {
        let _ = self.requests.send(Request::Release(ids));
    }

    /// Runs a job under its lease.
    pub fn run(&self, job: RemoteJob) {
        let _ = self.requests.send(Request::Run(Box::new(job)));
    }
}

impl Drop for MigdLink {
    /// Waits for the releases asked for to be sent; running jobs are hung up.
    fn drop(&mut self) {
        let (closed, _) = unbounded_channel();
        drop(std::mem::replace(&mut self.requests, closed));
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// The thread's side.
struct Link {
    socket: PathBuf,
    client: String,
    control: LocalClient<Channel>,
    events: mpsc::Sender<LinkEvent>,
}

impl Link {
    async fn serve(self, mut requests: UnboundedReceiver<Request>) {
        while let Some(request) = requests.recv().await {
            match request {
                Request::Acquire(count) => {
                    let mut control = self.control.clone();
                    let message = AcquireLeasesRequest {
                        count: u32::try_from(count).unwrap_or(u32::MAX),
                        client: self.client.clone(),
                    };
                    let events = self.events.clone();
                    tokio::spawn(async move {
                        let leases = match control.acquire_leases(message).await {
                            Ok(reply) => reply
                                .into_inner()
                                .leases
                                .into_iter()
                                .map(|l| (l.id, l.host))
                                .collect(),
                            Err(_) => Vec::new(),
                        };
                        report(
                            &events,
                            LinkEvent::Granted {
                                asked: count,
                                leases,
                            },
                        );
                    });
                }
                // Awaited here, so that leases are given back before make exits.
                Request::Release(ids) => {
                    let mut control = self.control.clone();
                    let _ = control.release_leases(ReleaseLeasesRequest { ids }).await;
                }
                Request::Run(job) => {
                    let socket = self.socket.clone();
                    let client = self.client.clone();
                    let events = self.events.clone();
                    tokio::spawn(async move {
                        let id = job.id;
                        let event = run(&socket, client, *job)
                            .await
                            .unwrap_or_else(|why| LinkEvent::Lost { id, why });
                        report(&events, event);
                    });
                }
            }
        }
    }
}

fn report(events: &mpsc::Sender<LinkEvent>, event: LinkEvent) {
    if events.send(event).is_ok() {
        crate::runner::wake();
    }
}

/// Runs `job` through migd on its lease; `Err` says why the host was lost.
async fn run(socket: &Path, client: String, job: RemoteJob) -> Result<LinkEvent, String> {
    let RemoteJob {
        id,
        spec,
        lease,
        stdout,
        stderr,
        input,
    } = job;
    let channel = roam_shared::uds::connect_with_stdio(socket, stdout.as_fd(), stderr.as_fd())
        .await
        .map_err(|e| format!("cannot reach the local migd: {e}"))?;
    let start = JobInput {
        kind: Some(In::LocalStart(LocalStart {
            spec: Some(spec),
            host: String::new(),
            remote_only: true,
            client,
            lease_id: lease,
        })),
    };
    let inputs = tokio_stream::once(start).chain(UnboundedReceiverStream::new(input));
    let mut outputs = LocalClient::new(channel)
        .run(inputs)
        .await
        .map_err(|s| s.message().to_owned())?
        .into_inner();
    let mut evicted = None;
    loop {
        let output = outputs
            .message()
            .await
            .map_err(|s| format!("lost the local migd: {}", s.message()))?;
        match output.and_then(|o| o.kind) {
            Some(Out::Evicted(e)) => evicted = Some(e.host),
            Some(Out::Exit(exit)) => {
                return Ok(match evicted {
                    Some(host) => LinkEvent::Evicted { id, host },
                    None => LinkEvent::Ended { id, exit },
                });
            }
            Some(Out::Failure(f)) => {
                let kind = f.kind();
                return Ok(match (evicted, kind) {
                    (Some(host), _) => LinkEvent::Evicted { id, host },
                    (None, Kind::Unreachable | Kind::Internal | Kind::CwdMissing) => {
                        LinkEvent::Lost {
                            id,
                            why: format!("{}: {}", f.what, f.why),
                        }
                    }
                    (None, _) => LinkEvent::Refused {
                        id,
                        kind,
                        what: f.what,
                        why: f.why,
                    },
                });
            }
            None => return Err("migd ended the job's stream without its exit".into()),
            Some(_) => {}
        }
    }
}
