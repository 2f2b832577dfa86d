//! The local API (`roam.v1.Local`), served on the Unix socket to mig, pmake and roam. Thin: the
//! caller's identity comes from the connection (`peer`), the work is done by `home`.

use std::pin::Pin;
use std::sync::Arc;

use roam_shared::proto::job_input::Kind as In;
use roam_shared::proto::local_server::Local;
use roam_shared::proto::{
    AcquireLeasesRequest, EvictReply, EvictRequest, IssueCredentialRequest, JobInput, JobOutput,
    JobTable, LeaseGrant, LeaseGrants, ListJobsRequest, ReleaseLeasesReply, ReleaseLeasesRequest,
    SignedCredential,
};
use tokio_stream::Stream;
use tokio_stream::wrappers::ReceiverStream;
use tonic::{Request, Response, Status, Streaming};

use crate::daemon::Migd;
use crate::peer::PeerInfo;
use crate::remote_api::START_TIMEOUT;

/// The service.
pub struct LocalApi {
    migd: Arc<Migd>,
}

impl LocalApi {
    /// Serves for `migd`.
    pub fn new(migd: Arc<Migd>) -> Self {
        LocalApi { migd }
    }
}

type OutputStream = Pin<Box<dyn Stream<Item = Result<JobOutput, Status>> + Send>>;

#[tonic::async_trait]
impl Local for LocalApi {
    type RunStream = OutputStream;

    async fn run(
        &self,
        request: Request<Streaming<JobInput>>,
    ) -> Result<Response<OutputStream>, Status> {
        let peer = peer_of(&request)?;
        let mut inbound = request.into_inner();
        let first = tokio::time::timeout(START_TIMEOUT, inbound.message())
            .await
            .map_err(|_| Status::deadline_exceeded("no job sent"))??;
        let Some(JobInput {
            kind: Some(In::LocalStart(start)),
        }) = first
        else {
            return Err(Status::invalid_argument(
                "the first message of Run must be local_start",
            ));
        };
        let (tx, rx) = tokio::sync::mpsc::channel(32);
        tokio::spawn(crate::home::run(
            self.migd.clone(),
            peer,
            start,
            inbound,
            tx,
        ));
        Ok(Response::new(Box::pin(ReceiverStream::new(rx))))
    }

    async fn list_jobs(
        &self,
        _request: Request<ListJobsRequest>,
    ) -> Result<Response<JobTable>, Status> {
        Ok(Response::new(self.migd.tables.snapshot()))
    }

    async fn evict(&self, request: Request<EvictRequest>) -> Result<Response<EvictReply>, Status> {
        let peer = peer_of(&request)?;
        let own = nix::unistd::geteuid().as_raw();
        if peer.uid != 0 && peer.uid != own {
            return Err(Status::permission_denied(format!(
                "only root or migd's own user (uid {own}) may evict; you are uid {}",
                peer.uid
            )));
        }
        let request = request.into_inner();
        let reason = if request.reason.is_empty() {
            "evicted".to_owned()
        } else {
            request.reason
        };
        let job_ids = crate::evict::evict(&self.migd.tables, &request.lease_ids, &reason);
        Ok(Response::new(EvictReply { job_ids }))
    }

    async fn issue_credential(
        &self,
        request: Request<IssueCredentialRequest>,
    ) -> Result<Response<SignedCredential>, Status> {
        let peer = peer_of(&request)?;
        let wire = self
            .migd
            .key
            .sign(peer.uid, peer.gids, &self.migd.config.name, "");
        let signed = prost::Message::decode(wire.as_slice())
            .map_err(|_| Status::internal("cannot encode a credential"))?;
        Ok(Response::new(signed))
    }

    async fn acquire_leases(
        &self,
        request: Request<AcquireLeasesRequest>,
    ) -> Result<Response<LeaseGrants>, Status> {
        let peer = peer_of(&request)?;
        let request = request.into_inner();
        if request.client.is_empty() {
            return Err(Status::invalid_argument("a client id is required"));
        }
        let grants = self
            .migd
            .leases
            .acquire(
                peer.uid,
                &peer.gids,
                &request.client,
                request.count,
                peer.pid,
            )
            .await
            .map_err(Status::unavailable)?;
        let leases = grants
            .into_iter()
            .map(|g| LeaseGrant {
                id: g.id,
                host: g.host,
            })
            .collect();
        Ok(Response::new(LeaseGrants { leases }))
    }

    async fn release_leases(
        &self,
        request: Request<ReleaseLeasesRequest>,
    ) -> Result<Response<ReleaseLeasesReply>, Status> {
        let peer = peer_of(&request)?;
        self.migd
            .leases
            .release_for(peer.uid, &request.into_inner().ids);
        Ok(Response::new(ReleaseLeasesReply {}))
    }
}

/// Who called, as the kernel told us when they connected.
fn peer_of<T>(request: &Request<T>) -> Result<PeerInfo, Status> {
    request
        .extensions()
        .get::<PeerInfo>()
        .cloned()
        .ok_or_else(|| Status::unauthenticated("caller credentials unknown"))
}
