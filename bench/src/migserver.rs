//! migserver at scale (the idle-hosts issue's goals: with 10,000 registered hosts, `RequestHosts`
//! ≥ 20,000 requests/s with p99 ≤ 5 ms, and heartbeat ingestion ≥ 50,000 status updates/s).
//!
//! A load generator speaking the real protocol to the real `migserver` binary: 10,000 simulated
//! hosts, each a `Report` stream with its own signed credential, multiplexed over a few dozen
//! HTTP/2 connections; then requesters asking for slots concurrently, each call with a fresh
//! credential, as a home migd would.

use std::net::SocketAddr;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use roam_harness::{Binaries, wait_until};
use roam_shared::credential::ClusterKey;
use roam_shared::proto::mig_server_client::MigServerClient;
use roam_shared::proto::{HostReport, HostStatus, HostsRequest, ListHostsRequest};
use tokio::sync::mpsc;
use tokio_stream::wrappers::ReceiverStream;
use tonic::Request;
use tonic::transport::{Channel, Endpoint};

use crate::stats::{ms, percentile};

const HOSTS: usize = 10_000;
const SLOTS: u32 = 8;
/// Report streams per HTTP/2 connection.
const STREAMS_PER_CONNECTION: usize = 100;
/// Status updates each simulated host sends in the ingestion run.
const UPDATES_PER_HOST: usize = 10;
/// Requests in flight at once in the allocation run.
const CONCURRENCY: usize = 16;
/// Distinct requesters (user, home, client).
const REQUESTERS: u32 = 1000;
/// Allocation requests in the allocation run.
const REQUESTS: usize = 60_000;

/// Runs both measurements against a fresh migserver.
pub fn run() -> anyhow::Result<()> {
    let dir = tempfile::Builder::new()
        .prefix("roam-bench-migserver.")
        .tempdir()?;
    let key_file = dir.path().join("cluster.key");
    let key = ClusterKey::generate();
    key.write_new(&key_file)?;
    let addr: SocketAddr = (std::net::Ipv4Addr::new(127, 0, 0, 10), free_port()?).into();
    let config = dir.path().join("server.toml");
    std::fs::write(
        &config,
        format!(
            "name = \"server\"\nkey_file = \"cluster.key\"\nstate_dir = \"state\"\n\
             [migserver]\naddr = \"{addr}\"\nlease_ttl = \"10m\"\ndown_after = \"10m\"\n"
        ),
    )?;
    let bin = Binaries::from_workspace()?;
    let mut server = Server::start(&bin.migserver, &config)?;
    if !wait_until(Duration::from_secs(10), || {
        std::net::TcpStream::connect(addr).is_ok()
    }) {
        bail!("migserver did not start");
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    runtime.block_on(measure(addr, Arc::new(key)))?;
    server.stop();
    Ok(())
}

async fn measure(addr: SocketAddr, key: Arc<ClusterKey>) -> anyhow::Result<()> {
    let connections = HOSTS.div_ceil(STREAMS_PER_CONNECTION);
    let mut channels = Vec::with_capacity(connections);
    for _ in 0..connections {
        channels.push(connect(addr).await?);
    }
    println!(
        "### migserver: {HOSTS} simulated hosts ({SLOTS} slots each) over {connections} connections\n"
    );

    // Registration, then every host sends UPDATES_PER_HOST more reports as fast as it can; the
    // run ends when migserver shows every host's last report (load = UPDATES_PER_HOST).
    let mut senders = Vec::with_capacity(HOSTS);
    for i in 0..HOSTS {
        let (tx, rx) = mpsc::channel(UPDATES_PER_HOST + 2);
        tx.send(report(i, 0.0)).await?;
        let mut request = Request::new(ReceiverStream::new(rx));
        roam_shared::auth::attach(&mut request, &key.sign(0, vec![], &host_name(i), ""));
        let mut client = MigServerClient::new(channels[i % connections].clone());
        tokio::spawn(async move {
            if let Ok(response) = client.report(request).await {
                let mut commands = response.into_inner();
                while let Ok(Some(_)) = commands.message().await {}
            }
        });
        senders.push((i, tx));
    }
    let mut lister = MigServerClient::new(channels[0].clone()).max_decoding_message_size(64 << 20);
    let registered = wait_for_hosts(&mut lister, &key, |hosts| hosts.len() == HOSTS).await?;
    if !registered {
        bail!("not all {HOSTS} hosts registered");
    }
    let started = Instant::now();
    let feeders: Vec<_> = senders
        .chunks(HOSTS / 8)
        .map(|chunk| {
            let chunk = chunk.to_vec();
            tokio::spawn(async move {
                for n in 1..=UPDATES_PER_HOST {
                    for (i, tx) in &chunk {
                        let _ = tx.send(report(*i, n as f64)).await;
                    }
                }
            })
        })
        .collect();
    for f in feeders {
        f.await?;
    }
    let target = UPDATES_PER_HOST as f64;
    let applied = wait_for_hosts(&mut lister, &key, |hosts| {
        hosts
            .iter()
            .all(|h| h.status.as_ref().is_some_and(|s| s.load == target))
    })
    .await?;
    let elapsed = started.elapsed();
    if !applied {
        bail!("migserver did not apply every status update");
    }
    let updates = HOSTS * UPDATES_PER_HOST;
    let hosts_json = roam_hosts_json(addr, &key).await?;
    println!("| what | result |\n|---|---|");
    println!(
        "| `roam hosts --json` with {HOSTS} hosts, median / worst of 10 (credential from a local migd) | {} / {} ms |",
        ms(hosts_json.0),
        ms(hosts_json.1)
    );
    println!(
        "| heartbeat ingestion: {updates} status updates, sent and all applied | {:.0} updates/s ({} ms) |",
        updates as f64 / elapsed.as_secs_f64(),
        elapsed.as_millis()
    );

    // Allocation: CONCURRENCY requesters in flight, each call freshly signed.
    let per_task = REQUESTS / CONCURRENCY;
    let started = Instant::now();
    let tasks: Vec<_> = (0..CONCURRENCY)
        .map(|t| {
            let mut client = MigServerClient::new(channels[t % connections].clone());
            let key = key.clone();
            tokio::spawn(async move {
                let mut latencies = Vec::with_capacity(per_task);
                let mut granted = 0usize;
                for n in 0..per_task {
                    let requester = ((t * per_task + n) as u32) % REQUESTERS;
                    let mut request = Request::new(HostsRequest {
                        count: 1,
                        client: format!("bench-{requester}"),
                        platform: String::new(),
                    });
                    let home = format!("home{}", requester % 50);
                    roam_shared::auth::attach(
                        &mut request,
                        &key.sign(1000 + requester, vec![1000], &home, ""),
                    );
                    let sent = Instant::now();
                    let reply = client.request_hosts(request).await;
                    latencies.push(sent.elapsed());
                    granted += reply.map_or(0, |r| r.into_inner().leases.len());
                }
                (latencies, granted)
            })
        })
        .collect();
    let mut latencies = Vec::with_capacity(REQUESTS);
    let mut granted = 0;
    for t in tasks {
        let (l, g) = t.await?;
        latencies.extend(l);
        granted += g;
    }
    let elapsed = started.elapsed();
    println!(
        "| RequestHosts(1): {} calls, {CONCURRENCY} in flight, {REQUESTERS} requesters; {granted} leases granted | {:.0} requests/s |",
        latencies.len(),
        latencies.len() as f64 / elapsed.as_secs_f64()
    );
    println!(
        "| RequestHosts latency p50 / p99 | {} / {} ms |\n",
        ms(percentile(&mut latencies, 50.0)),
        ms(percentile(&mut latencies, 99.0))
    );
    println!(
        "Goals: ≥ 20,000 requests/s with p99 ≤ 5 ms; ingestion ≥ 50,000 updates/s. The load \
         generator shares the 2 cores with migserver.\n"
    );
    Ok(())
}

/// Times `roam hosts --json` against the loaded server: a migd on 127.0.0.11 issues roam's
/// credential, as on any host. Returns the median and the worst of 10 runs.
async fn roam_hosts_json(
    server: SocketAddr,
    key: &ClusterKey,
) -> anyhow::Result<(Duration, Duration)> {
    let dir = tempfile::Builder::new()
        .prefix("roam-bench-host.")
        .tempdir()?;
    key.write_new(&dir.path().join("cluster.key"))?;
    let port = std::net::TcpListener::bind("127.0.0.11:0")?
        .local_addr()?
        .port();
    let config = dir.path().join("a.toml");
    std::fs::write(
        &config,
        format!(
            "name = \"a\"\nkey_file = \"cluster.key\"\nstate_dir = \"state\"\n\
             [migd]\nlisten = \"127.0.0.11:{port}\"\nsocket = \"a.sock\"\n\
             [migserver]\naddr = \"{server}\"\n"
        ),
    )?;
    let bin = Binaries::from_workspace()?;
    let mut migd = Server::start(&bin.migd, &config)?;
    let socket = dir.path().join("a.sock");
    if !wait_until(Duration::from_secs(10), || socket.exists()) {
        bail!("migd did not start");
    }
    let roam = bin.roam.clone();
    let mut runs = tokio::task::spawn_blocking(move || -> anyhow::Result<Vec<Duration>> {
        let mut runs = Vec::new();
        for _ in 0..10 {
            let started = Instant::now();
            let out = Command::new(&roam)
                .args(["hosts", "--json", "--config"])
                .arg(&config)
                .stderr(Stdio::inherit())
                .output()?;
            runs.push(started.elapsed());
            if !out.status.success() || out.stdout.len() < HOSTS * 50 {
                bail!("roam hosts --json failed ({})", out.status);
            }
        }
        Ok(runs)
    })
    .await??;
    migd.stop();
    Ok((percentile(&mut runs, 50.0), percentile(&mut runs, 100.0)))
}

/// Polls ListHosts (as root) until `done` holds for the host list, for up to 60 s.
async fn wait_for_hosts(
    client: &mut MigServerClient<Channel>,
    key: &ClusterKey,
    done: impl Fn(&[roam_shared::proto::HostInfo]) -> bool,
) -> anyhow::Result<bool> {
    let deadline = Instant::now() + Duration::from_secs(60);
    while Instant::now() < deadline {
        let mut request = Request::new(ListHostsRequest {});
        roam_shared::auth::attach(&mut request, &key.sign(0, vec![0], "bench", ""));
        let hosts = client.list_hosts(request).await?.into_inner().hosts;
        if done(&hosts) {
            return Ok(true);
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    Ok(false)
}

fn host_name(i: usize) -> String {
    format!("h{i:05}")
}

/// Host `i`'s report: idle, with `load` as a marker of which update it is.
fn report(i: usize, load: f64) -> HostReport {
    HostReport {
        host: host_name(i),
        migd_addr: format!("10.{}.{}.{}:7420", i >> 16, (i >> 8) & 255, i & 255),
        platform: String::new(),
        interval_ms: 60_000,
        status: Some(HostStatus {
            idle: true,
            input_idle_ms: 1_000_000 + i as u64,
            load,
            cpus: SLOTS,
            slots: SLOTS,
            ..HostStatus::default()
        }),
    }
}

async fn connect(addr: SocketAddr) -> anyhow::Result<Channel> {
    Ok(Endpoint::from_shared(format!("http://{addr}"))?
        .tcp_nodelay(true)
        .connect()
        .await?)
}

fn free_port() -> anyhow::Result<u16> {
    Ok(std::net::TcpListener::bind("127.0.0.10:0")?
        .local_addr()?
        .port())
}

/// A daemon the benchmark started (migserver, or the migd that issues roam's credentials);
/// killed when dropped.
struct Server(Child);

impl Server {
    /// Starts `program --config config`, logging warnings only.
    fn start(program: &std::path::Path, config: &std::path::Path) -> anyhow::Result<Server> {
        let child = Command::new(program)
            .arg("--config")
            .arg(config)
            .env("RUST_LOG", "warn")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .spawn()
            .with_context(|| format!("cannot start {}", program.display()))?;
        Ok(Server(child))
    }

    fn stop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop();
    }
}
