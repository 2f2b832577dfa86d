//! `roam status`: is migserver reachable, which versions run, and the cluster's totals.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::time::{Duration, Instant};

use roam_shared::config::Config;
use roam_shared::proto::remote_client::RemoteClient;
use roam_shared::proto::{ListHostsRequest, PingRequest};
use serde::Serialize;

use crate::server::{Server, block_on, refused};
use crate::totals::{self, Totals};

/// migserver's error when the local migd could not be asked for a credential to call it.
const NOT_ASKED: &str = "not asked: roam calls migserver with a credential from this host's migd";

/// What `roam status --json` prints.
#[derive(Debug, Serialize)]
pub struct Status {
    /// This roam's version.
    pub roam_version: &'static str,
    /// The migration server.
    pub migserver: Endpoint,
    /// This host's migd (which issues roam's credentials).
    pub migd: Endpoint,
    /// Totals over the cluster; null when migserver is unreachable.
    pub cluster: Option<Cluster>,
}

/// One daemon as `roam status` found it.
#[derive(Debug, Default, Serialize)]
pub struct Endpoint {
    /// Its address ("" when the config names none).
    pub addr: String,
    /// Whether it answered.
    pub reachable: bool,
    /// Its version, once it answered.
    pub version: Option<String>,
    /// How long its answer took, in milliseconds.
    pub latency_ms: Option<u64>,
    /// Why it could not be reached.
    pub error: Option<String>,
}

/// The cluster's totals and its active requesters.
#[derive(Debug, Serialize)]
pub struct Cluster {
    /// Hosts, slots and foreign processes.
    #[serde(flatten)]
    pub totals: Totals,
    /// Distinct requesters in lease events of the last five minutes.
    pub requesters: usize,
}

/// Prints the status; fails (after printing it) when migserver is unreachable.
pub fn run(config: &Config, json: bool) -> anyhow::Result<()> {
    let status = block_on(probe(config));
    if json {
        println!("{}", serde_json::to_string_pretty(&status)?);
    } else {
        print_text(&status);
    }
    match (&status.migserver.error, &status.migd.error) {
        (Some(e), Some(migd)) if e == NOT_ASKED => {
            anyhow::bail!("this host's migd, which signs roam's calls, is unreachable: {migd}")
        }
        (Some(e), _) => anyhow::bail!("{e}"),
        (None, _) => Ok(()),
    }
}

async fn probe(config: &Config) -> Status {
    let mut status = Status {
        roam_version: roam_shared::VERSION,
        migserver: Endpoint {
            addr: config
                .migserver
                .as_ref()
                .map_or(String::new(), |m| m.addr.to_string()),
            ..Endpoint::default()
        },
        migd: Endpoint {
            addr: local(config.migd.listen).to_string(),
            ..Endpoint::default()
        },
        cluster: None,
    };
    if let Err(e) = roam_shared::uds::connect(&config.migd.socket).await {
        status.migd.error = Some(format!(
            "cannot reach it at {}: {e}",
            config.migd.socket.display()
        ));
        status.migserver.error = Some(NOT_ASKED.into());
        return status;
    }
    let mut server = match Server::connect(config).await {
        Ok(server) => server,
        Err(e) => {
            status.migserver.error = Some(format!("{e:#}"));
            return status;
        }
    };
    match ping_migd(&mut server, local(config.migd.listen)).await {
        Ok((version, latency)) => {
            status.migd.reachable = true;
            status.migd.version = Some(version);
            status.migd.latency_ms = Some(latency);
        }
        Err(e) => status.migd.error = Some(format!("{e:#}")),
    }
    match cluster(&mut server).await {
        Ok((cluster, version, latency)) => {
            status.migserver.reachable = true;
            status.migserver.version = Some(version);
            status.migserver.latency_ms = Some(latency);
            status.cluster = Some(cluster);
        }
        Err(e) => status.migserver.error = Some(format!("{e:#}")),
    }
    status
}

/// The cluster's totals, migserver's version, and how long ListHosts took in milliseconds.
async fn cluster(server: &mut Server) -> anyhow::Result<(Cluster, String, u64)> {
    let request = server.signed(ListHostsRequest {}).await?;
    let asked = Instant::now();
    let list = server
        .client()
        .list_hosts(request)
        .await
        .map_err(refused)?
        .into_inner();
    let latency = millis(asked.elapsed());
    let totals = Totals::of(&list.hosts);
    let mut stream = crate::events::watch(server, 1000).await?;
    let mut events = crate::events::history(&mut stream).await?;
    events.reverse();
    let requesters = totals::requesters(&events, crate::humanize::now_ms());
    Ok((Cluster { totals, requesters }, list.version, latency))
}

/// The local migd's version, and how long its answer took in milliseconds.
async fn ping_migd(server: &mut Server, addr: SocketAddr) -> anyhow::Result<(String, u64)> {
    let channel = tonic::transport::Endpoint::from_shared(format!("http://{addr}"))?
        .connect_timeout(Duration::from_secs(3))
        .connect()
        .await?;
    let request = server.signed(PingRequest {}).await?;
    let asked = Instant::now();
    let reply = RemoteClient::new(channel)
        .ping(request)
        .await
        .map_err(|s| anyhow::anyhow!("migd: {}", s.message()))?;
    Ok((reply.into_inner().version, millis(asked.elapsed())))
}

/// `listen` as an address to connect to: a wildcard means this host.
fn local(listen: SocketAddr) -> SocketAddr {
    let ip = match listen.ip() {
        IpAddr::V4(ip) if ip.is_unspecified() => IpAddr::V4(Ipv4Addr::LOCALHOST),
        IpAddr::V6(ip) if ip.is_unspecified() => IpAddr::V6(Ipv6Addr::LOCALHOST),
        ip => ip,
    };
    SocketAddr::new(ip, listen.port())
}

fn millis(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

fn print_text(s: &Status) {
    println!("roam {}", s.roam_version);
    let m = &s.migserver;
    match (&m.error, m.latency_ms) {
        (Some(e), _) => println!("migserver {}: unreachable: {e}", m.addr),
        (None, latency) => println!(
            "migserver {}: version {}, answered in {} ms",
            m.addr,
            m.version.as_deref().unwrap_or("?"),
            latency.unwrap_or(0)
        ),
    }
    let d = &s.migd;
    match (&d.version, &d.error) {
        (Some(v), _) => println!("migd (this host) {}: version {v}", d.addr),
        (None, Some(e)) => println!("migd (this host) {}: unreachable: {e}", d.addr),
        (None, None) => println!("migd (this host) {}: not asked", d.addr),
    }
    if let Some(c) = &s.cluster {
        let t = &c.totals;
        println!(
            "hosts {}: {} idle, {} busy, {} down, {} drained",
            t.hosts, t.idle, t.busy, t.down, t.drained
        );
        println!(
            "slots {}: {} free, {} used",
            t.slots, t.slots_free, t.slots_used
        );
        println!("foreign processes {}", t.foreign_processes);
        println!(
            "requesters {} (in lease events of the last 5 minutes)",
            c.requesters
        );
    }
}
