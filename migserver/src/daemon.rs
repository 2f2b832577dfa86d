//! The daemon: opens the database, binds `[migserver] addr`, serves the API and sweeps for
//! expired leases and silent hosts, until SIGTERM or SIGINT.

use std::sync::Arc;
use std::time::Duration;

use roam_shared::auth::CredentialCheck;
use roam_shared::credential::{ClusterKey, ReplayGuard};
use roam_shared::ids::unix_ms_now;
use roam_shared::proto::mig_server_server::MigServerServer;
use tokio::net::TcpListener;
use tokio::signal::unix::{SignalKind, signal};
use tonic::service::interceptor::InterceptedService;
use tonic::transport::Server;
use tonic::transport::server::TcpIncoming;

use crate::cluster::Cluster;
use crate::error::Error;
use crate::events::RECENT;
use crate::server::Api;
use crate::settings::Settings;
use crate::store::Store;

/// Largest request the server decodes; a report listing thousands of processes fits.
pub const MAX_MESSAGE: usize = 4 << 20;
/// How long connections may hold up a stop. Streams end on the stop signal and calls take
/// microseconds, but an idle client may never answer the PING of hyper's graceful shutdown.
const STOP_GRACE: Duration = Duration::from_millis(500);

/// Runs migserver until SIGTERM or SIGINT.
pub fn run(settings: Settings, key: ClusterKey) -> Result<(), Error> {
    // One thread, as migd: a call is a few microseconds of work between I/O waits, and on a
    // 2-core machine shared with its clients a current-thread runtime served more calls, with a
    // shorter p99, than a multi-threaded one. The database writer has its own thread.
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    runtime.block_on(serve(settings, key))
}

async fn serve(settings: Settings, key: ClusterKey) -> Result<(), Error> {
    // The address first: a second server on one config fails on it, not on the database lock.
    let listener = TcpListener::bind(settings.addr)
        .await
        .map_err(|source| Error::Listen {
            addr: settings.addr,
            source,
        })?;
    std::fs::create_dir_all(&settings.state_dir).map_err(|source| Error::StateDir {
        path: settings.state_dir.clone(),
        source,
    })?;
    let store = Arc::new(Store::open(&settings.database())?);
    let recovered = store.recover(RECENT)?;
    let writer = store.writer()?;
    tracing::info!(
        addr = %settings.addr,
        database = %settings.database().display(),
        next_seq = recovered.next_seq,
        "migserver {} ready",
        roam_shared::VERSION
    );
    let sweep_every = settings.sweep_every();
    let cluster = Arc::new(Cluster::new(settings, recovered, writer.sink()));

    let (stop_tx, mut stop_rx) = tokio::sync::watch::channel(false);
    let api = MigServerServer::new(Api::new(cluster.clone(), store, stop_rx.clone()))
        .max_decoding_message_size(MAX_MESSAGE);
    let check = CredentialCheck::new(key, Arc::new(ReplayGuard::default()));
    let mut server_stop = stop_rx.clone();
    let mut server = tokio::spawn(
        Server::builder()
            .http2_keepalive_interval(Some(Duration::from_secs(10)))
            .http2_keepalive_timeout(Some(Duration::from_secs(20)))
            .add_service(InterceptedService::new(api, check))
            .serve_with_incoming_shutdown(
                TcpIncoming::from(listener).with_nodelay(Some(true)),
                async move {
                    let _ = server_stop.wait_for(|s| *s).await;
                },
            ),
    );
    let sweeper = tokio::spawn(async move {
        let mut tick = tokio::time::interval(sweep_every);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                _ = tick.tick() => cluster.sweep(unix_ms_now()),
                _ = stop_rx.wait_for(|s| *s) => return,
            }
        }
    });

    let mut term = signal(SignalKind::terminate())?;
    let mut int = signal(SignalKind::interrupt())?;
    let ended = tokio::select! {
        _ = term.recv() => { tracing::info!("SIGTERM: stopping"); None }
        _ = int.recv() => { tracing::info!("SIGINT: stopping"); None }
        ended = &mut server => Some(ended),
    };
    let _ = stop_tx.send(true);
    let outcome = match ended {
        Some(ended) => ended
            .map_err(|e| Error::Start(e.into()))
            .and_then(|served| served.map_err(Error::from)),
        None => {
            let _ = tokio::time::timeout(STOP_GRACE, server).await;
            Ok(())
        }
    };
    let _ = sweeper.await;
    writer.finish();
    tracing::info!("stopped");
    outcome
}
