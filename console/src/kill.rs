//! `roam kill PID --host HOST` (and the console's `K`): ends one foreign process. roam finds the
//! host's migd through migserver and asks it directly, with a credential the local migd issued
//! for the caller; that migd allows it to the process's owner, root and the admin group.

use std::time::Duration;

use anyhow::Context;
use roam_shared::proto::remote_client::RemoteClient;
use roam_shared::proto::{KillRequest, ListHostsRequest};
use tonic::transport::Endpoint;

use crate::server::{Server, refused};

/// Kills the job that process `pid` on `host` belongs to; says what was killed.
pub async fn kill(server: &mut Server, host: &str, pid: u32) -> anyhow::Result<String> {
    let request = server.signed(ListHostsRequest {}).await?;
    let hosts = server.client().list_hosts(request).await.map_err(refused)?;
    let addr = hosts
        .into_inner()
        .hosts
        .into_iter()
        .find(|h| h.name == host)
        .map(|h| h.migd_addr)
        .with_context(|| format!("migserver knows no host {host:?} (see `roam hosts`)"))?;
    let channel = Endpoint::from_shared(format!("http://{addr}"))?
        .connect_timeout(Duration::from_secs(3))
        .connect()
        .await
        .with_context(|| format!("cannot reach {host}'s migd at {addr}"))?;
    let request = server.signed(KillRequest { pid }).await?;
    let reply = RemoteClient::new(channel)
        .kill(request)
        .await
        .map_err(refused)?
        .into_inner();
    Ok(format!(
        "killed job {} ({}), pid {pid} on {host}",
        reply.job_id, reply.command
    ))
}
