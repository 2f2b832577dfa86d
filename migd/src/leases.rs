//! The home migd's side of migserver: it asks for a host slot when a job names no host, renews
//! the leases of running jobs, and gives each back when its job ends. Calls are signed for the
//! job's user, so that migserver's fair share sees who asks. When migserver cannot be reached the
//! home falls back to the static host list, and does not try migserver again for a little while.
//! A local caller (pmake) may also hold leases itself ([`Leases::acquire`]): they are renewed with
//! the others, and given back when it releases them or its process has ended.

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
    /// Leases held for local callers, by id.
    callers: Mutex<HashMap<String, CallerLease>>,
}

/// A lease held on behalf of a local caller.
struct CallerLease {
    grant: Grant,
    uid: u32,
    /// The caller's process: when it has ended, the lease goes back.
    pid: i32,
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
            callers: Mutex::default(),
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
        let Some(grant) = self.request_hosts(uid, gids, client, 1).await?.pop() else {
            return Err("migserver has no idle host".into());
        };
        let held = Held {
            leases: self.clone(),
            id: grant.id.clone(),
        };
        Ok((grant, held))
    }

    /// Asks migserver for up to `count` slots for local caller `pid` of `uid`, and holds them
    /// until [`Leases::release_for`] or the caller's end. `Err`: no migserver, or unreachable.
    pub async fn acquire(
        self: &Arc<Self>,
        uid: u32,
        gids: &[u32],
        client: &str,
        count: u32,
        pid: i32,
    ) -> Result<Vec<Grant>, String> {
        let grants = self.request_hosts(uid, gids, client, count).await?;
        let mut callers = lock(&self.callers);
        for grant in &grants {
            let lease = CallerLease {
                grant: grant.clone(),
                uid,
                pid,
            };
            callers.insert(grant.id.clone(), lease);
        }
        Ok(grants)
    }

    /// Gives back the leases among `ids` that are held for `uid`.
    pub fn release_for(self: &Arc<Self>, uid: u32, ids: &[String]) {
        for id in ids {
            let mut callers = lock(&self.callers);
            if callers.get(id).is_some_and(|c| c.uid == uid) {
                callers.remove(id);
                drop(callers);
                self.release(id.clone());
            }
        }
    }

    /// The lease `id`, if it is held for a caller of `uid`.
    pub fn caller_lease(&self, uid: u32, id: &str) -> Option<Grant> {
        lock(&self.callers)
            .get(id)
            .filter(|c| c.uid == uid)
            .map(|c| c.grant.clone())
    }

    /// Asks migserver for up to `count` slots and records them as held for renewal.
    async fn request_hosts(
        self: &Arc<Self>,
        uid: u32,
        gids: &[u32],
        client: &str,
        count: u32,
    ) -> Result<Vec<Grant>, String> {
        let Some(server) = self.server else {
            return Err("no [migserver] in the config".into());
        };
        if lock(&self.failed_at).is_some_and(|t| t.elapsed() < RETRY_AFTER) {
            return Err(format!("migserver {server} did not answer a moment ago"));
        }
        let mut client_rpc = self.client(server).await?;
        let mut request = Request::new(HostsRequest {
            count,
            client: client.to_owned(),
            platform: platform(),
        });
        self.sign(&mut request, uid, gids);
        let granted = match client_rpc.request_hosts(request).await {
            Ok(reply) => reply.into_inner(),
            Err(status) => {
                self.failed(server);
                return Err(format!("migserver {server}: {}", status.message()));
            }
        };
        let mut grants = Vec::new();
        for lease in granted.leases {
            let Ok(addr) = lease.migd_addr.parse() else {
                tracing::warn!("migserver gave a bad address {:?}", lease.migd_addr);
                continue;
            };
            lock(&self.held).insert(lease.id.clone(), (uid, gids.to_vec()));
            grants.push(Grant {
                id: lease.id,
                host: lease.host,
                addr,
            });
        }
        Ok(grants)
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

    async fn renew(self: &Arc<Self>, server: SocketAddr) {
        let orphaned: Vec<String> = lock(&self.callers)
            .extract_if(|_, c| !alive(c.pid))
            .map(|(id, _)| id)
            .collect();
        if !orphaned.is_empty() {
            tracing::info!(?orphaned, "releasing the leases of callers that have ended");
            orphaned.into_iter().for_each(|id| self.release(id));
        }
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
                        let mut callers = lock(&self.callers);
                        gone.iter().for_each(|id| drop(callers.remove(id)));
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

/// Whether process `pid` still exists.
fn alive(pid: i32) -> bool {
    let pid = nix::unistd::Pid::from_raw(pid);
    !matches!(
        nix::sys::signal::kill(pid, None),
        Err(nix::errno::Errno::ESRCH)
    )
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}
