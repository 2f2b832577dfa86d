//! The home migd's side of migserver: it asks for a host slot when a job names no host, renews
//! the leases of running jobs, and gives each back when its job ends. Calls are signed for the
//! job's user, so that migserver's fair share sees who asks. When migserver cannot be reached the
//! home falls back to the static host list, and does not try migserver again for a little while.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use roam_shared::config::Config;
use roam_shared::credential::ClusterKey;
use roam_shared::proto::mig_server_client::MigServerClient;
use roam_shared::proto::{HostsRequest, LeaseIds};
use tonic::Request;
use tonic::transport::{Channel, Endpoint};

/// After migserver failed to answer, how long to use the static host list without asking it.
const RETRY_AFTER: Duration = Duration::from_secs(2);

/// A slot on a host, granted by migserver.
#[derive(Debug, Clone)]
pub struct Grant {
    /// The lease id.
    pub id: String,
    /// The host's name.
    pub host: String,
    /// Its migd's address.
    pub addr: SocketAddr,
}

/// The leases this home holds, and its connection to migserver.
pub struct Leases {
    server: Option<SocketAddr>,
    renew_every: Duration,
    connect_timeout: Duration,
    key: ClusterKey,
    home: String,
    channel: tokio::sync::Mutex<Option<Channel>>,
    failed_at: Mutex<Option<Instant>>,
    held: Mutex<HashMap<String, (u32, Vec<u32>)>>,
}

/// Releases its lease when dropped (when the job ends, however it ends).
pub struct Held {
    leases: Arc<Leases>,
    id: String,
}

impl Leases {
    /// For a home configured by `config`, signing with `key`; renewal starts with
    /// [`Leases::start_renewing`].
    pub fn new(config: &Config, key: ClusterKey) -> Arc<Leases> {
        Arc::new(Leases {
            server: config.migserver.as_ref().map(|m| m.addr),
            renew_every: config
                .migserver
                .as_ref()
                .map_or(Duration::from_secs(10), |m| m.lease_ttl / 3),
            connect_timeout: config.migd.connect_timeout,
            key,
            home: config.name.clone(),
            channel: tokio::sync::Mutex::default(),
            failed_at: Mutex::default(),
            held: Mutex::default(),
        })
    }

    /// Asks migserver for one slot for `uid` (requester `client`). `Err` says why there is none:
    /// no migserver configured, unreachable, or no idle host.
    pub async fn request(
        self: &Arc<Self>,
        uid: u32,
        gids: &[u32],
        client: &str,
    ) -> Result<(Grant, Held), String> {
        let Some(server) = self.server else {
            return Err("no [migserver] in the config".into());
        };
        if lock(&self.failed_at).is_some_and(|t| t.elapsed() < RETRY_AFTER) {
            return Err(format!("migserver {server} did not answer a moment ago"));
        }
        let mut client_rpc = self.client(server).await?;
        let mut request = Request::new(HostsRequest {
            count: 1,
            client: client.to_owned(),
            platform: platform(),
        });
        self.sign(&mut request, uid, gids);
        let grant = match client_rpc.request_hosts(request).await {
            Ok(reply) => reply.into_inner(),
            Err(status) => {
                self.failed(server);
                return Err(format!("migserver {server}: {}", status.message()));
            }
        };
        let Some(lease) = grant.leases.into_iter().next() else {
            return Err("migserver has no idle host".into());
        };
        let addr = lease
            .migd_addr
            .parse()
            .map_err(|_| format!("migserver gave a bad address {:?}", lease.migd_addr))?;
        lock(&self.held).insert(lease.id.clone(), (uid, gids.to_vec()));
        let held = Held {
            leases: self.clone(),
            id: lease.id.clone(),
        };
        let grant = Grant {
            id: lease.id,
            host: lease.host,
            addr,
        };
        Ok((grant, held))
    }

    /// Renews held leases every third of the lease lifetime, for as long as the daemon runs.
    pub fn start_renewing(self: &Arc<Self>) {
        let Some(server) = self.server else { return };
        let leases = self.clone();
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(leases.renew_every);
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                tick.tick().await;
                leases.renew(server).await;
            }
        });
    }

    async fn renew(&self, server: SocketAddr) {
        let mut by_user: HashMap<u32, (Vec<u32>, Vec<String>)> = HashMap::new();
        for (id, (uid, gids)) in lock(&self.held).iter() {
            let entry = by_user
                .entry(*uid)
                .or_insert_with(|| (gids.clone(), Vec::new()));
            entry.1.push(id.clone());
        }
        for (uid, (gids, ids)) in by_user {
            let Ok(mut client) = self.client(server).await else {
                return;
            };
            let mut request = Request::new(LeaseIds { ids });
            self.sign(&mut request, uid, &gids);
            match client.renew_leases(request).await {
                Ok(reply) => {
                    let gone = reply.into_inner().gone;
                    if !gone.is_empty() {
                        tracing::info!(?gone, "leases gone (their hosts evict those jobs)");
                        let mut held = lock(&self.held);
                        gone.iter().for_each(|id| drop(held.remove(id)));
                    }
                }
                Err(status) => {
                    tracing::warn!("cannot renew leases: {}", status.message());
                    self.failed(server);
                }
            }
        }
    }

    fn release(self: &Arc<Self>, id: String) {
        let Some((uid, gids)) = lock(&self.held).remove(&id) else {
            return;
        };
        let (Some(server), Ok(runtime)) = (self.server, tokio::runtime::Handle::try_current())
        else {
            return;
        };
        let leases = self.clone();
        runtime.spawn(async move {
            let Ok(mut client) = leases.client(server).await else {
                return;
            };
            let mut request = Request::new(LeaseIds { ids: vec![id] });
            leases.sign(&mut request, uid, &gids);
            if let Err(status) = client.release_leases(request).await {
                tracing::debug!("release: {}", status.message());
            }
        });
    }

    async fn client(&self, server: SocketAddr) -> Result<MigServerClient<Channel>, String> {
        let mut channel = self.channel.lock().await;
        if let Some(c) = channel.as_ref() {
            return Ok(MigServerClient::new(c.clone()));
        }
        let connected = Endpoint::from_shared(format!("http://{server}"))
            .map_err(|e| e.to_string())?
            .connect_timeout(self.connect_timeout)
            .tcp_nodelay(true)
            .connect()
            .await;
        match connected {
            Ok(c) => {
                *channel = Some(c.clone());
                Ok(MigServerClient::new(c))
            }
            Err(e) => {
                self.failed(server);
                Err(format!("cannot reach migserver {server}: {e}"))
            }
        }
    }

    fn failed(&self, server: SocketAddr) {
        tracing::info!(%server, "migserver unreachable; using the static host list for now");
        *lock(&self.failed_at) = Some(Instant::now());
        if let Ok(mut channel) = self.channel.try_lock() {
            *channel = None;
        }
    }

    fn sign<T>(&self, request: &mut Request<T>, uid: u32, gids: &[u32]) {
        let credential = self.key.sign(uid, gids.to_vec(), &self.home, "");
        roam_shared::auth::attach(request, &credential);
    }
}

impl Drop for Held {
    fn drop(&mut self) {
        self.leases.release(std::mem::take(&mut self.id));
    }
}

/// The compatibility class of this host's processes.
pub fn platform() -> String {
    format!("{}-{}", std::env::consts::ARCH, std::env::consts::OS)
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}
