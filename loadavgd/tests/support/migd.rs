//! A stand-in migd: serves `Local` on the host's socket (after the one-byte preamble every
//! client sends), lists the foreign jobs the test sets and records every `Evict`.

use std::path::Path;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use roam_shared::proto::local_server::{Local, LocalServer};
use roam_shared::proto::*;
use tokio::io::AsyncReadExt;
use tokio_stream::Stream;
use tokio_stream::wrappers::ReceiverStream;
use tonic::{Request, Response, Status, Streaming};

use super::Background;

/// What the stand-in lists and saw, shared with the test.
#[derive(Default)]
pub struct Seen {
    pub foreign: Mutex<Vec<ForeignJob>>,
    pub evictions: Mutex<Vec<(Instant, EvictRequest)>>,
}

impl Seen {
    /// The evictions so far.
    pub fn evictions(&self) -> Vec<(Instant, EvictRequest)> {
        self.evictions.lock().unwrap().clone()
    }
}

/// A running stand-in; dropping it stops it.
pub struct StandIn {
    pub seen: Arc<Seen>,
    _server: Background,
}

impl StandIn {
    /// Serves on `socket`.
    pub fn start(socket: &Path) -> StandIn {
        let listener = std::os::unix::net::UnixListener::bind(socket).unwrap();
        listener.set_nonblocking(true).unwrap();
        let seen = Arc::new(Seen::default());
        let service = StandInService { seen: seen.clone() };
        let server = Background::spawn(move || async move {
            let listener = tokio::net::UnixListener::from_std(listener).unwrap();
            let (tx, rx) = tokio::sync::mpsc::channel(8);
            tokio::spawn(async move {
                while let Ok((mut conn, _)) = listener.accept().await {
                    let mut preamble = [0u8];
                    if conn.read_exact(&mut preamble).await.is_ok()
                        && tx.send(Ok::<_, std::io::Error>(conn)).await.is_err()
                    {
                        return;
                    }
                }
            });
            tonic::transport::Server::builder()
                .add_service(LocalServer::new(service))
                .serve_with_incoming(ReceiverStream::new(rx))
                .await
                .unwrap();
        });
        StandIn {
            seen,
            _server: server,
        }
    }
}

struct StandInService {
    seen: Arc<Seen>,
}

type Outputs = Pin<Box<dyn Stream<Item = Result<JobOutput, Status>> + Send>>;

#[tonic::async_trait]
impl Local for StandInService {
    type RunStream = Outputs;

    async fn run(&self, _: Request<Streaming<JobInput>>) -> Result<Response<Outputs>, Status> {
        Err(Status::unimplemented("stand-in"))
    }

    async fn list_jobs(&self, _: Request<ListJobsRequest>) -> Result<Response<JobTable>, Status> {
        Ok(Response::new(JobTable {
            foreign: self.seen.foreign.lock().unwrap().clone(),
            home: Vec::new(),
        }))
    }

    async fn evict(&self, request: Request<EvictRequest>) -> Result<Response<EvictReply>, Status> {
        let request = request.into_inner();
        self.seen
            .evictions
            .lock()
            .unwrap()
            .push((Instant::now(), request.clone()));
        let job_ids = self
            .seen
            .foreign
            .lock()
            .unwrap()
            .iter()
            .filter(|j| request.lease_ids.is_empty() || request.lease_ids.contains(&j.lease_id))
            .map(|j| j.job_id.clone())
            .collect();
        Ok(Response::new(EvictReply { job_ids }))
    }

    async fn issue_credential(
        &self,
        _: Request<IssueCredentialRequest>,
    ) -> Result<Response<SignedCredential>, Status> {
        Err(Status::unimplemented("stand-in"))
    }

    async fn acquire_leases(
        &self,
        _: Request<AcquireLeasesRequest>,
    ) -> Result<Response<LeaseGrants>, Status> {
        Err(Status::unimplemented("stand-in"))
    }

    async fn release_leases(
        &self,
        _: Request<ReleaseLeasesRequest>,
    ) -> Result<Response<ReleaseLeasesReply>, Status> {
        Err(Status::unimplemented("stand-in"))
    }
}
