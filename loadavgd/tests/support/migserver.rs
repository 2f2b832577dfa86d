//! A stand-in migserver: accepts `Report` streams (credentials checked with the cluster key),
//! records every report with the credential's home and the time it arrived, and can send
//! commands down the latest stream.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use roam_shared::auth::{CredentialCheck, credential_of};
use roam_shared::credential::{ClusterKey, ReplayGuard};
use roam_shared::proto::mig_server_server::{MigServer, MigServerServer};
use roam_shared::proto::*;
use tokio::sync::mpsc;
use tokio_stream::wrappers::{ReceiverStream, TcpListenerStream};
use tonic::service::interceptor::InterceptedService;
use tonic::{Request, Response, Status, Streaming};

use super::Background;

/// One report as received.
#[derive(Debug, Clone)]
pub struct Received {
    pub at: Instant,
    pub home: String,
    pub report: HostReport,
}

/// What the stand-in saw, shared with the test.
#[derive(Default)]
pub struct Seen {
    pub reports: Mutex<Vec<Received>>,
    commands: Mutex<Option<mpsc::Sender<Result<HostCommand, Status>>>>,
}

impl Seen {
    /// The reports so far.
    pub fn reports(&self) -> Vec<Received> {
        self.reports.lock().unwrap().clone()
    }

    /// Sends `command` down the latest stream.
    pub fn command(&self, command: host_command::Kind) {
        let tx = self
            .commands
            .lock()
            .unwrap()
            .clone()
            .expect("no stream yet");
        tx.try_send(Ok(HostCommand {
            kind: Some(command),
        }))
        .unwrap();
    }
}

/// A running stand-in; dropping it stops it and closes its connections.
pub struct StandIn {
    pub addr: SocketAddr,
    _server: Background,
}

impl StandIn {
    /// Serves on `addr` (port 0 for any), checking credentials against `key`.
    pub fn start(addr: SocketAddr, key: ClusterKey, seen: Arc<Seen>) -> StandIn {
        let listener = std::net::TcpListener::bind(addr).unwrap();
        listener.set_nonblocking(true).unwrap();
        let addr = listener.local_addr().unwrap();
        let service = StandInService { seen };
        let server = Background::spawn(move || async move {
            let listener = tokio::net::TcpListener::from_std(listener).unwrap();
            let check = CredentialCheck::new(key, Arc::new(ReplayGuard::default()));
            tonic::transport::Server::builder()
                .add_service(InterceptedService::new(
                    MigServerServer::new(service),
                    check,
                ))
                .serve_with_incoming(TcpListenerStream::new(listener))
                .await
                .unwrap();
        });
        StandIn {
            addr,
            _server: server,
        }
    }
}

struct StandInService {
    seen: Arc<Seen>,
}

type Stream<T> = ReceiverStream<Result<T, Status>>;

#[tonic::async_trait]
impl MigServer for StandInService {
    type ReportStream = Stream<HostCommand>;
    type WatchStream = Stream<ClusterEvent>;

    async fn report(
        &self,
        request: Request<Streaming<HostReport>>,
    ) -> Result<Response<Self::ReportStream>, Status> {
        let home = credential_of(&request)?.home.clone();
        let mut reports = request.into_inner();
        let (tx, rx) = mpsc::channel(8);
        *self.seen.commands.lock().unwrap() = Some(tx);
        let seen = self.seen.clone();
        tokio::spawn(async move {
            while let Ok(Some(report)) = reports.message().await {
                seen.reports.lock().unwrap().push(Received {
                    at: Instant::now(),
                    home: home.clone(),
                    report,
                });
            }
        });
        Ok(Response::new(ReceiverStream::new(rx)))
    }

    async fn request_hosts(
        &self,
        _: Request<HostsRequest>,
    ) -> Result<Response<HostsGrant>, Status> {
        Err(Status::unimplemented("stand-in"))
    }
    async fn renew_leases(&self, _: Request<LeaseIds>) -> Result<Response<RenewReply>, Status> {
        Err(Status::unimplemented("stand-in"))
    }
    async fn release_leases(&self, _: Request<LeaseIds>) -> Result<Response<ReleaseReply>, Status> {
        Err(Status::unimplemented("stand-in"))
    }
    async fn drain(&self, _: Request<HostRef>) -> Result<Response<AdminReply>, Status> {
        Err(Status::unimplemented("stand-in"))
    }
    async fn undrain(&self, _: Request<HostRef>) -> Result<Response<AdminReply>, Status> {
        Err(Status::unimplemented("stand-in"))
    }
    async fn evict(&self, _: Request<HostRef>) -> Result<Response<AdminReply>, Status> {
        Err(Status::unimplemented("stand-in"))
    }
    async fn list_hosts(&self, _: Request<ListHostsRequest>) -> Result<Response<HostList>, Status> {
        Err(Status::unimplemented("stand-in"))
    }
    async fn list_processes(
        &self,
        _: Request<ListProcessesRequest>,
    ) -> Result<Response<ProcessList>, Status> {
        Err(Status::unimplemented("stand-in"))
    }
    async fn watch(&self, _: Request<WatchRequest>) -> Result<Response<Self::WatchStream>, Status> {
        Err(Status::unimplemented("stand-in"))
    }
}
