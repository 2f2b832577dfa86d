//! The remote API (`roam.v1.Remote`), served on TCP to other hosts' migds. Thin: decode, hand the
//! verified credential and the job to `foreign`, encode. Authentication happened in `auth`.

use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use roam_shared::proto::job_input::Kind as In;
use roam_shared::proto::remote_server::Remote;
use roam_shared::proto::{JobInput, JobOutput, KillReply, KillRequest, PingReply, PingRequest};
use tokio_stream::Stream;
use tokio_stream::wrappers::ReceiverStream;
use tonic::{Request, Response, Status, Streaming};

use crate::daemon::Migd;

/// How long a caller may take to send the job after opening the stream.
pub const START_TIMEOUT: Duration = Duration::from_secs(10);

/// The service.
pub struct RemoteApi {
    migd: Arc<Migd>,
}

impl RemoteApi {
    /// Serves for `migd`.
    pub fn new(migd: Arc<Migd>) -> Self {
        RemoteApi { migd }
    }
}

type OutputStream = Pin<Box<dyn Stream<Item = Result<JobOutput, Status>> + Send>>;

#[tonic::async_trait]
impl Remote for RemoteApi {
    type ExecStream = OutputStream;

    async fn exec(
        &self,
        request: Request<Streaming<JobInput>>,
    ) -> Result<Response<OutputStream>, Status> {
        let cred = roam_shared::auth::credential_of(&request)?.clone();
        let mut inbound = request.into_inner();
        let first = tokio::time::timeout(START_TIMEOUT, inbound.message())
            .await
            .map_err(|_| Status::deadline_exceeded("no job sent"))??;
        let Some(JobInput {
            kind: Some(In::RemoteStart(spec)),
        }) = first
        else {
            return Err(Status::invalid_argument(
                "the first message of Exec must be remote_start",
            ));
        };
        let (tx, rx) = tokio::sync::mpsc::channel(32);
        tokio::spawn(crate::foreign::run(
            self.migd.clone(),
            cred,
            spec,
            inbound,
            tx,
        ));
        Ok(Response::new(Box::pin(ReceiverStream::new(rx))))
    }

    async fn kill(&self, request: Request<KillRequest>) -> Result<Response<KillReply>, Status> {
        let cred = roam_shared::auth::credential_of(&request)?.clone();
        let pid = request.into_inner().pid;
        let me = &self.migd.config.name;
        let Some((job, control)) = self.migd.tables.foreign_with_pid(pid) else {
            return Err(Status::not_found(format!(
                "no foreign process with pid {pid} on {me}"
            )));
        };
        let admin_group = self
            .migd
            .config
            .migserver
            .as_ref()
            .map_or("roamadm", |m| m.admin_group.as_str());
        if cred.uid != job.uid && !roam_shared::auth::is_admin(&cred, admin_group) {
            return Err(Status::permission_denied(format!(
                "pid {pid} on {me} belongs to uid {}; only its owner, root and the {admin_group} \
                 group may kill it",
                job.uid
            )));
        }
        tracing::info!(job = %job.job_id, pid, by = cred.uid, from = %cred.home, "killed on request");
        control.kill_all();
        Ok(Response::new(KillReply {
            job_id: job.job_id,
            command: job.command,
        }))
    }

    async fn ping(&self, _request: Request<PingRequest>) -> Result<Response<PingReply>, Status> {
        Ok(Response::new(PingReply {
            host: self.migd.config.name.clone(),
            version: roam_shared::VERSION.to_owned(),
        }))
    }
}
