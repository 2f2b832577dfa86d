//! The daemon: binds the local socket and the TCP port, serves both APIs, and stops cleanly on
//! SIGTERM or SIGINT, ending the foreign processes it runs.

use std::collections::HashMap;
use std::os::unix::fs::PermissionsExt;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use anyhow::{Context, bail};
use roam_shared::config::Config;
use roam_shared::credential::ClusterKey;
use roam_shared::proto::local_server::LocalServer;
use roam_shared::proto::remote_server::RemoteServer;
use tokio::net::{TcpListener, UnixListener};
use tokio::signal::unix::{SignalKind, signal};
use tonic::service::interceptor::InterceptedService;
use tonic::transport::{Channel, Server};

use roam_shared::credential::ReplayGuard;
use roam_shared::data_link::MAGIC as DATA_LINK_MAGIC;

use crate::data_link::DataLinks;
use crate::freezer::Freezer;
use crate::leases::Leases;
use crate::reaper::Reaper;
use crate::table::Tables;
use roam_shared::auth::CredentialCheck;

/// Largest message either API accepts; stdio chunks are far smaller.
pub const MAX_MESSAGE: usize = 4 << 20;
/// HTTP/2 flow-control window per stream: large, so bulk stdio is not throttled by round trips.
pub const WINDOW: u32 = 8 << 20;
/// Largest HTTP/2 frame a peer may send us: a whole stdio chunk fits in one frame.
pub const FRAME: u32 = 1 << 20;

/// What every handler shares.
pub struct Migd {
    /// The config this daemon runs with.
    pub config: Config,
    /// The cluster key (signs outgoing credentials).
    pub key: ClusterKey,
    /// Whether this migd runs as root (and so may switch users).
    pub is_root: bool,
    /// The process tables.
    pub tables: Tables,
    /// Collects child exits.
    pub reaper: Reaper,
    /// Open connections to other hosts' migds, by host name.
    pub channels: Mutex<HashMap<String, Channel>>,
    /// Nonces of the credentials admitted so far (calls and data links alike).
    pub replays: Arc<ReplayGuard>,
    /// Data links waiting for their jobs.
    pub data_links: DataLinks,
    /// The freezer cgroups of foreign jobs, when this host has them.
    pub freezer: Option<Freezer>,
    /// Leases from migserver held for jobs whose home is here.
    pub leases: Arc<Leases>,
}

/// Runs the daemon until SIGTERM or SIGINT.
pub fn run(config: Config, key: ClusterKey) -> anyhow::Result<()> {
    // One thread: migd's work is short steps between I/O waits, and cross-thread hand-offs cost
    // more than they bring (blocking work goes to the blocking pool or its own thread).
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    runtime.block_on(serve(config, key))
}

async fn serve(config: Config, key: ClusterKey) -> anyhow::Result<()> {
    let unix = bind_local_socket(&config).await?;
    let tcp = TcpListener::bind(config.migd.listen)
        .await
        .with_context(|| format!("cannot listen on {} ([migd] listen)", config.migd.listen))?;
    let migd = Arc::new(Migd {
        is_root: nix::unistd::geteuid().is_root(),
        reaper: Reaper::start()?,
        tables: Tables::default(),
        channels: Mutex::default(),
        replays: Arc::default(),
        data_links: DataLinks::default(),
        freezer: Freezer::open(&config.name),
        leases: Leases::new(&config, key.clone()),
        key: key.clone(),
        config,
    });
    migd.leases.start_renewing();
    tracing::info!(
        host = %migd.config.name,
        listen = %migd.config.migd.listen,
        socket = %migd.config.migd.socket.display(),
        "migd {} ready",
        roam_shared::VERSION
    );

    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let stopped = |mut rx: tokio::sync::watch::Receiver<bool>| async move {
        let _ = rx.wait_for(|s| *s).await;
    };
    let remote = Server::builder()
        .initial_stream_window_size(WINDOW)
        .initial_connection_window_size(WINDOW * 4)
        .max_frame_size(FRAME)
        .http2_keepalive_interval(Some(Duration::from_secs(10)))
        .http2_keepalive_timeout(Some(Duration::from_secs(20)))
        .add_service(InterceptedService::new(
            RemoteServer::new(crate::remote_api::RemoteApi::new(migd.clone()))
                .max_decoding_message_size(MAX_MESSAGE),
            CredentialCheck::new(key, migd.replays.clone()),
        ))
        .serve_with_incoming_shutdown(
            remote_connections(tcp, migd.clone()),
            stopped(stop_rx.clone()),
        );
    let local = Server::builder()
        .initial_stream_window_size(WINDOW)
        .initial_connection_window_size(WINDOW * 4)
        .max_frame_size(FRAME)
        .add_service(
            LocalServer::new(crate::local_api::LocalApi::new(migd.clone()))
                .max_decoding_message_size(MAX_MESSAGE),
        )
        .serve_with_incoming_shutdown(crate::peer::incoming(unix), stopped(stop_rx));
    let remote = tokio::spawn(remote);
    let local = tokio::spawn(local);

    let mut term = signal(SignalKind::terminate())?;
    let mut int = signal(SignalKind::interrupt())?;
    tokio::select! {
        _ = term.recv() => tracing::info!("SIGTERM: stopping"),
        _ = int.recv() => tracing::info!("SIGINT: stopping"),
    }
    let _ = stop_tx.send(true);
    end_foreign_processes(&migd).await;
    // Streams of jobs that just ended finish on their own; don't wait on stragglers forever.
    let _ = tokio::time::timeout(Duration::from_secs(2), async {
        let _ = remote.await;
        let _ = local.await;
    })
    .await;
    let _ = std::fs::remove_file(&migd.config.migd.socket);
    tracing::info!("stopped");
    Ok(())
}

/// Binds the local API socket (mode 0666: who calls is learned from the kernel, not trusted),
/// refusing to steal the socket of a migd that is still running.
async fn bind_local_socket(config: &Config) -> anyhow::Result<UnixListener> {
    let path = &config.migd.socket;
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)
            .with_context(|| format!("cannot create {} ([migd] socket)", dir.display()))?;
    }
    if tokio::net::UnixStream::connect(path).await.is_ok() {
        bail!(
            "another migd is already serving {} (stop it first, or set [migd] socket)",
            path.display()
        );
    }
    let _ = std::fs::remove_file(path);
    let listener = UnixListener::bind(path)
        .with_context(|| format!("cannot bind {} ([migd] socket)", path.display()))?;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o666))?;
    Ok(listener)
}

/// Hangs up every foreign process group, and kills what is left after a short grace.
async fn end_foreign_processes(migd: &Migd) {
    let pids = migd.tables.foreign_pids();
    if pids.is_empty() {
        if let Some(freezer) = &migd.freezer {
            freezer.remove();
        }
        return;
    }
    tracing::info!(count = pids.len(), "ending foreign processes");
    for &pid in &pids {
        crate::foreign::signal_group(pid, libc::SIGHUP);
        crate::foreign::signal_group(pid, libc::SIGCONT);
    }
    let grace = migd.config.migd.hangup_grace.min(Duration::from_secs(2));
    let deadline = tokio::time::Instant::now() + grace;
    while !migd.tables.foreign_pids().is_empty() && tokio::time::Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    for pid in migd.tables.foreign_pids() {
        crate::foreign::signal_group(pid, libc::SIGKILL);
    }
    if let Some(freezer) = &migd.freezer {
        freezer.remove();
    }
}

/// The TCP port carries both gRPC (HTTP/2 starts with `PRI `) and data links (which start with
/// `ROAMDATA`): accepted connections are told apart by their first byte, links go to their jobs,
/// the rest to the gRPC server.
fn remote_connections(
    tcp: TcpListener,
    migd: Arc<Migd>,
) -> impl tokio_stream::Stream<Item = std::io::Result<tokio::net::TcpStream>> {
    let (tx, rx) = tokio::sync::mpsc::channel(64);
    tokio::spawn(async move {
        loop {
            let conn = match tcp.accept().await {
                Ok((conn, _)) => conn,
                Err(e) => {
                    tracing::warn!("accept on the TCP port: {e}");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            };
            // Every job message is latency-sensitive: no Nagle.
            let _ = conn.set_nodelay(true);
            let (tx, migd) = (tx.clone(), migd.clone());
            tokio::spawn(async move {
                // One byte tells them apart ('P' or 'R'); the hello then checks the whole magic.
                let mut head = [0u8; 1];
                let peeked =
                    tokio::time::timeout(Duration::from_secs(5), conn.peek(&mut head)).await;
                match peeked {
                    Ok(Ok(1)) if head[0] == DATA_LINK_MAGIC[0] => {
                        migd.data_links.accept(conn, &migd.key, &migd.replays).await;
                    }
                    Ok(Ok(_)) => {
                        let _ = tx.send(Ok(conn)).await;
                    }
                    _ => tracing::debug!("a TCP connection sent nothing; dropped"),
                }
            });
        }
    });
    tokio_stream::wrappers::ReceiverStream::new(rx)
}
