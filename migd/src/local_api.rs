//! The local API (`roam.v1.Local`), served on the Unix socket to mig, pmake and roam. Thin: the
//! caller's identity comes from the connection (`peer`), the work is done by `home`.

use std::pin::Pin;
use std::sync::Arc;

use roam_shared::proto::job_input::Kind as In;
use roam_shared::proto::local_server::Local;
use roam_shared::proto::{JobInput, JobOutput, JobTable, ListJobsRequest};
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
        let peer = request
            .extensions()
            .get::<PeerInfo>()
            .cloned()
            .ok_or_else(|| Status::unauthenticated("caller credentials unknown"))?;
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
}
