//! The connection to migserver: its watch stream for events, ListHosts and ListProcesses every
//! second, and the admin calls the user confirms. When migserver (or the local migd, which signs
//! roam's calls) cannot be reached, it says so and tries again with a growing pause.

use std::time::Duration;

use roam_shared::config::Config;
use roam_shared::proto::{ListHostsRequest, ListProcessesRequest};
use tokio::sync::mpsc;
use tokio::time::{Instant, MissedTickBehavior};
use tokio_stream::StreamExt as _;

use super::state::{AdminCall, Update};
use crate::humanize;
use crate::server::{Server, refused};

/// How often hosts and processes are polled.
const POLL: Duration = Duration::from_secs(1);
/// The longest a call may take before the connection counts as lost.
const CALL_TIMEOUT: Duration = Duration::from_secs(5);
/// The first and the longest pause between attempts to connect.
const FIRST_RETRY: Duration = Duration::from_millis(500);
const LAST_RETRY: Duration = Duration::from_secs(10);
/// Events of history asked for on each connection (as many as the console keeps).
const HISTORY: u32 = super::state::EVENT_CAPACITY as u32;

/// Feeds `updates` until the console hangs up, making the calls that arrive on `calls`.
pub async fn run(
    config: Config,
    updates: mpsc::Sender<Update>,
    mut calls: mpsc::Receiver<AdminCall>,
) {
    let mut pause = FIRST_RETRY;
    loop {
        let error = match connection(&config, &updates, &mut calls, &mut pause).await {
            Ok(()) => return,
            Err(e) => e,
        };
        tracing::debug!("migserver connection: {error:#}");
        let retry_at = Instant::now() + pause;
        let down = Update::Unreachable {
            reason: format!("{error:#}"),
            retry_at_ms: humanize::now_ms() + i64::try_from(pause.as_millis()).unwrap_or(0),
        };
        if updates.send(down).await.is_err() {
            return;
        }
        pause = (pause * 2).min(LAST_RETRY);
        loop {
            tokio::select! {
                () = tokio::time::sleep_until(retry_at) => break,
                call = calls.recv() => {
                    let Some(call) = call else { return };
                    let refused = Update::Done(Err(format!(
                        "cannot {} {}: migserver is unreachable",
                        call.action.verb(),
                        call.host
                    )));
                    if updates.send(refused).await.is_err() {
                        return;
                    }
                }
            }
        }
    }
}

/// One connection, until it fails (an error) or the console hangs up (`Ok`).
async fn connection(
    config: &Config,
    updates: &mpsc::Sender<Update>,
    calls: &mut mpsc::Receiver<AdminCall>,
    pause: &mut Duration,
) -> anyhow::Result<()> {
    let mut server = timed(Server::connect(config)).await?;
    let request = server
        .signed(roam_shared::proto::WatchRequest { history: HISTORY })
        .await?;
    let mut stream = timed(async {
        Ok(server
            .client()
            .watch(request)
            .await
            .map_err(refused)?
            .into_inner())
    })
    .await?;
    if updates.send(Update::Connected).await.is_err() {
        return Ok(());
    }
    *pause = FIRST_RETRY;
    let mut poll = tokio::time::interval(POLL);
    poll.set_missed_tick_behavior(MissedTickBehavior::Delay);
    loop {
        let update = tokio::select! {
            event = stream.next() => match event {
                Some(event) => Update::Event(event.map_err(refused)?),
                None => anyhow::bail!("migserver closed the event stream"),
            },
            _ = poll.tick() => {
                let hosts = timed(list_hosts(&mut server)).await?;
                if updates.send(Update::Hosts(hosts)).await.is_err() {
                    return Ok(());
                }
                Update::Processes(timed(list_processes(&mut server)).await?)
            }
            call = calls.recv() => match call {
                Some(call) => Update::Done(admin(&mut server, &call).await),
                None => return Ok(()),
            },
        };
        if updates.send(update).await.is_err() {
            return Ok(());
        }
    }
}

async fn list_hosts(server: &mut Server) -> anyhow::Result<Vec<roam_shared::proto::HostInfo>> {
    let request = server.signed(ListHostsRequest {}).await?;
    let reply = server.client().list_hosts(request).await.map_err(refused)?;
    Ok(reply.into_inner().hosts)
}

async fn list_processes(
    server: &mut Server,
) -> anyhow::Result<Vec<roam_shared::proto::HostProcess>> {
    let request = server.signed(ListProcessesRequest {}).await?;
    let reply = server
        .client()
        .list_processes(request)
        .await
        .map_err(refused)?;
    Ok(reply.into_inner().processes)
}

/// Makes an admin call: migserver's message, or what went wrong.
async fn admin(server: &mut Server, call: &AdminCall) -> Result<String, String> {
    let done = timed(crate::admin::perform(server, call.action, &call.host)).await;
    done.map_err(|e| format!("cannot {} {}: {e:#}", call.action.verb(), call.host))
}

/// `call`, failing after [`CALL_TIMEOUT`].
async fn timed<T>(call: impl Future<Output = anyhow::Result<T>>) -> anyhow::Result<T> {
    match tokio::time::timeout(CALL_TIMEOUT, call).await {
        Ok(result) => result,
        Err(_) => anyhow::bail!(
            "migserver did not answer within {}s",
            CALL_TIMEOUT.as_secs()
        ),
    }
}
