//! The gRPC face of migserver: each handler takes the verified credential (the interceptor
//! checked it before), calls the cluster, and turns the answer or refusal into a reply.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use roam_shared::auth::credential_of;
use roam_shared::proto::mig_server_server::MigServer;
use roam_shared::proto::{
    AdminReply, ClusterEvent, Credential, HostCommand, HostList, HostRef, HostReport, HostsGrant,
    HostsRequest, LeaseIds, ListHostsRequest, ListProcessesRequest, ProcessList, ReleaseReply,
    RenewReply, WatchRequest,
};
use tokio::sync::broadcast::error::RecvError;
use tokio::sync::{mpsc, watch};
use tokio_stream::wrappers::ReceiverStream;
use tonic::{Request, Response, Status, Streaming};

use crate::admin;
use crate::cluster::Cluster;
use crate::error::Refusal;
use crate::events::Subscription;
use crate::hosts::CommandLink;
use crate::leases::Requester;
use crate::store::Store;

/// Commands queued for one host's Report stream.
const COMMAND_QUEUE: usize = 64;
/// Events queued for one watcher before it counts as lagging.
const WATCH_QUEUE: usize = 256;

impl From<Refusal> for Status {
    fn from(refusal: Refusal) -> Status {
        let message = refusal.to_string();
        match refusal {
            Refusal::ForgedReport { .. } | Refusal::NotAdmin { .. } => {
                Status::permission_denied(message)
            }
            Refusal::Invalid(_) => Status::invalid_argument(message),
            Refusal::UnknownHost(_) => Status::not_found(message),
        }
    }
}

/// The `MigServer` service.
pub struct Api {
    cluster: Arc<Cluster>,
    store: Arc<Store>,
    streams: AtomicU64,
    stop: watch::Receiver<bool>,
}

impl Api {
    /// Serves `cluster`, reading old history from `store`; open streams end when `stop` turns
    /// true.
    pub fn new(cluster: Arc<Cluster>, store: Arc<Store>, stop: watch::Receiver<bool>) -> Self {
        Api {
            cluster,
            store,
            streams: AtomicU64::new(0),
            stop,
        }
    }

    /// The verified credential, if the caller is an admin.
    async fn admin<T>(&self, request: &Request<T>) -> Result<Credential, Status> {
        let cred = credential_of(request)?.clone();
        let group = self.cluster.settings().admin_group.clone();
        // The group lookup may go to NSS (files, LDAP): keep it off the runtime threads.
        tokio::task::spawn_blocking(move || admin::authorize(&cred, &group).map(|()| cred))
            .await
            .map_err(|e| Status::internal(format!("admin check failed: {e}")))?
            .map_err(Status::from)
    }
}

#[tonic::async_trait]
impl MigServer for Api {
    type ReportStream = ReceiverStream<Result<HostCommand, Status>>;

    async fn report(
        &self,
        request: Request<Streaming<HostReport>>,
    ) -> Result<Response<Self::ReportStream>, Status> {
        let home = credential_of(&request)?.home.clone();
        let peer = request.remote_addr().map(|a| a.ip());
        let mut reports = request.into_inner();
        let (replies, out) = mpsc::channel(COMMAND_QUEUE);
        let (sender, mut commands) = mpsc::channel(COMMAND_QUEUE);
        let link = CommandLink {
            stream: self.streams.fetch_add(1, Ordering::Relaxed),
            sender,
        };
        let cluster = self.cluster.clone();
        let stop = stopped(self.stop.clone());
        tokio::spawn(async move {
            tokio::pin!(stop);
            let mut host = None;
            loop {
                tokio::select! {
                    () = &mut stop => break,
                    report = reports.message() => match report {
                        Ok(Some(report)) => match cluster.report(&home, report, peer, &link) {
                            Ok(name) => host = Some(name),
                            Err(refusal) => {
                                tracing::warn!(%home, "refused a host report: {refusal}");
                                let _ = replies.send(Err(refusal.into())).await;
                                break;
                            }
                        },
                        Ok(None) => break,
                        Err(status) => {
                            tracing::debug!(%home, "report stream ended: {}", status.message());
                            break;
                        }
                    },
                    Some(command) = commands.recv() => {
                        if replies.send(Ok(command)).await.is_err() {
                            break;
                        }
                    }
                    () = replies.closed() => break,
                }
            }
            if let Some(host) = host {
                cluster.detach(&host, link.stream);
            }
        });
        Ok(Response::new(ReceiverStream::new(out)))
    }

    async fn request_hosts(
        &self,
        request: Request<HostsRequest>,
    ) -> Result<Response<HostsGrant>, Status> {
        let cred = credential_of(&request)?;
        let (uid, home) = (cred.uid, cred.home.clone());
        let HostsRequest {
            count,
            client,
            platform,
        } = request.into_inner();
        let who = Requester { uid, home, client };
        let leases = self.cluster.request_hosts(who, count, &platform)?;
        Ok(Response::new(HostsGrant { leases }))
    }

    async fn renew_leases(
        &self,
        request: Request<LeaseIds>,
    ) -> Result<Response<RenewReply>, Status> {
        let cred = credential_of(&request)?;
        let (uid, home) = (cred.uid, cred.home.clone());
        let ids = request.into_inner().ids;
        Ok(Response::new(self.cluster.renew(uid, &home, &ids)?))
    }

    async fn release_leases(
        &self,
        request: Request<LeaseIds>,
    ) -> Result<Response<ReleaseReply>, Status> {
        let cred = credential_of(&request)?;
        let (uid, home) = (cred.uid, cred.home.clone());
        let ids = request.into_inner().ids;
        self.cluster.release(uid, &home, &ids)?;
        Ok(Response::new(ReleaseReply {}))
    }

    async fn drain(&self, request: Request<HostRef>) -> Result<Response<AdminReply>, Status> {
        let cred = self.admin(&request).await?;
        let host = request.into_inner().host;
        let message = self.cluster.drain(&host, true, cred.uid, &cred.home)?;
        Ok(Response::new(AdminReply { message }))
    }

    async fn undrain(&self, request: Request<HostRef>) -> Result<Response<AdminReply>, Status> {
        let cred = self.admin(&request).await?;
        let host = request.into_inner().host;
        let message = self.cluster.drain(&host, false, cred.uid, &cred.home)?;
        Ok(Response::new(AdminReply { message }))
    }

    async fn evict(&self, request: Request<HostRef>) -> Result<Response<AdminReply>, Status> {
        let cred = self.admin(&request).await?;
        let host = request.into_inner().host;
        let message = self.cluster.evict(&host, cred.uid)?;
        Ok(Response::new(AdminReply { message }))
    }

    async fn list_hosts(
        &self,
        request: Request<ListHostsRequest>,
    ) -> Result<Response<HostList>, Status> {
        credential_of(&request)?;
        Ok(Response::new(HostList {
            hosts: self.cluster.hosts(),
            version: roam_shared::VERSION.to_owned(),
        }))
    }

    async fn list_processes(
        &self,
        request: Request<ListProcessesRequest>,
    ) -> Result<Response<ProcessList>, Status> {
        credential_of(&request)?;
        Ok(Response::new(ProcessList {
            processes: self.cluster.processes(),
        }))
    }

    type WatchStream = ReceiverStream<Result<ClusterEvent, Status>>;

    async fn watch(
        &self,
        request: Request<WatchRequest>,
    ) -> Result<Response<Self::WatchStream>, Status> {
        credential_of(&request)?;
        let subscription = self.cluster.watch(request.into_inner().history);
        let (events, out) = mpsc::channel(WATCH_QUEUE);
        let (store, stop) = (self.store.clone(), stopped(self.stop.clone()));
        tokio::spawn(async move {
            tokio::select! {
                () = feed_watcher(subscription, store, events) => {}
                () = stop => {}
            }
        });
        Ok(Response::new(ReceiverStream::new(out)))
    }
}

/// Resolves once `stop` turns true (or its sender is gone).
async fn stopped(mut stop: watch::Receiver<bool>) {
    let _ = stop.wait_for(|s| *s).await;
}

/// Sends a watcher its history, then live events until it hangs up. A watcher too slow for the
/// live events skips the ones it missed.
async fn feed_watcher(
    subscription: Subscription,
    store: Arc<Store>,
    events: mpsc::Sender<Result<ClusterEvent, Status>>,
) {
    let Subscription {
        recent,
        older,
        mut live,
    } = subscription;
    if let Some((count, before)) = older {
        match tokio::task::spawn_blocking(move || store.read(before, count)).await {
            Ok(Ok(old)) => {
                for event in old {
                    if events.send(Ok(event)).await.is_err() {
                        return;
                    }
                }
            }
            Ok(Err(e)) => tracing::warn!("cannot read history for a watcher: {e}"),
            Err(e) => tracing::warn!("cannot read history for a watcher: {e}"),
        }
    }
    for event in recent {
        if events.send(Ok((*event).clone())).await.is_err() {
            return;
        }
    }
    loop {
        tokio::select! {
            () = events.closed() => return,
            next = live.recv() => match next {
                Ok(event) => {
                    if events.send(Ok((*event).clone())).await.is_err() {
                        return;
                    }
                }
                Err(RecvError::Lagged(missed)) => {
                    tracing::warn!(missed, "a watcher fell behind and skips the events it missed");
                }
                Err(RecvError::Closed) => return,
            },
        }
    }
}
